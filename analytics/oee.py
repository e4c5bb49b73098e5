"""OEE, the six big losses, and what each loss costs.

Time model (per work center; minutes from machine events cut at shift boundaries):

    calendar time          = every minute of the scope, 24 h a day, for every work center in it
                             (TEEP's base; days without any event count too)
    planned production     = calendar − schedule losses (stops classed "schedule") − time with no event
    run time               = running + reduced speed + stops classed "performance" (minor stops by default)
    availability losses    = stops classed "availability" (breakdowns, setups by default)
    net run time           = Σ total count × ideal cycle time
    fully productive time  = Σ good count × ideal cycle time

    availability A = run / planned production      performance P = net run / run
    quality Q      = fully productive / net run     OEE = A × P × Q = fully productive / planned production
    TEEP           = fully productive / calendar   utilisation = planned production / calendar

Loss classes. Every stop (a breakdown, setup, minor-stop, planned-stop or idle event) has a
kind from its state and reason code (breakdown, changeover, adjustment, minor_stop,
planned_maintenance, planned_stop (breaks, meals, cleaning), no_orders) and a class:
availability (inside planned production time), schedule (outside it) or performance (inside
run time, a small stop). The class follows the site's convention (``OeeSettings``):

    kind                  vorne (oee.com, default)   smrp (SMRP 2.1.1 / 2.2)
    breakdown, adjustment availability               availability
    changeover            ``changeover_as`` (availability by default, or schedule)
    minor_stop            performance                performance
    planned_maintenance   schedule                   availability (scheduled downtime)
    planned_stop          schedule                   schedule
    no_orders             schedule                   schedule (idle time)

"custom" starts from the vorne classes and applies the site's ``loss_classes`` rows (plant x
reason code, or plant x state for events without a code). ``planned_stops_count_as_loss``
moves planned maintenance, planned stops and no-order idle into availability in any convention.

Every ratio is a ratio of sums (time-weighted), never an average of percentages. Q is weighted by
ideal cycle time so that A × P × Q equals OEE exactly when products differ; for a single product
it is good / total count (also given as ``quality_count_pct``).

The ideal cycle is taken from whichever routing column holds it (minutes, seconds, units per
minute or per hour), converted to minutes in float64, so that a 1-second cycle is exactly 1/60.

The six big losses (Nakajima), in minutes, add up to planned production − fully productive time:
breakdowns (with any other unplanned stop classed availability), setup and adjustments, and the
planned stops a convention keeps inside planned time (planned maintenance, planned stops, no
orders: rows of their own) (availability); small stops = stops classed performance, reduced
speed = running + reduced speed − net run (performance); startup rejects = scrap on an order's
first output day × ideal cycle, production rejects = other scrap × ideal cycle (quality).

Capacity (per work center or any grouping), with c = net run / total count, the average ideal
cycle of what was made: ideal units in run time = run / c; planned cycles = planned production
/ c; at the target OEE the same hours make good × (target / OEE − 1) more good units, and the
same good units need planned production × (1 − OEE / target) fewer minutes (0 when OEE is
already at or above the target).

Money: a lost minute costs the work center's machine + labor + overhead rate per hour / 60;
a scrapped unit costs its standard unit cost (material and conversion). Losses are costs:
positive numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.money import in_sum_order

SHIFT_SECONDS = 8 * 3600
SHIFTS = {0: "00–08", 1: "08–16", 2: "16–24"}
RUN_STATES = ("running", "reduced_speed", "minor_stop")
DOWN_STATES = ("breakdown", "setup")
PLANNED_STATES = ("planned_stop", "idle")
ALL_STATES = RUN_STATES + DOWN_STATES + PLANNED_STATES
LOSSES = ("breakdown", "setup", "planned_maintenance", "planned_stops", "no_orders", "small_stops", "reduced_speed",
          "startup_rejects", "production_rejects")
CONVENTIONS = ("vorne", "smrp", "custom")
LOSS_CLASSES = ("availability", "schedule", "performance")
STOP_KINDS = ("breakdown", "changeover", "adjustment", "minor_stop", "planned_maintenance", "planned_stop", "no_orders")
STOP_COLUMNS = tuple(f"stop_{k}_{c}_min" for k in STOP_KINDS for c in LOSS_CLASSES)
IDEAL_CYCLE_COLUMNS = ("ideal_cycle_min", "ideal_cycle_s", "ideal_units_per_min", "ideal_units_per_h")
SUM_COLUMNS = (
    "calendar_min", "running_min", "reduced_speed_min", "minor_stop_min", "breakdown_min", "setup_min", "planned_stop_min",
    "idle_min", "net_run_min", "fully_productive_min", "startup_reject_min", "production_reject_min", "total_qty", "good_qty",
    "scrap_qty", "startup_scrap_qty", "startup_reject_cost_amount", "production_reject_cost_amount",
)


@dataclass(frozen=True)
class OeeSettings:
    """Site conventions, the same from the page and from ``cli.py report --oee-…``.

    ``convention``: "vorne" (oee.com: planned stops, planned maintenance and no-order idle are
    outside planned production time), "smrp" (SMRP: planned maintenance is scheduled downtime
    inside it) or "custom" (the site's ``loss_classes`` table over the vorne classes).
    ``changeover_as``: "availability" (inside planned time, a setup loss) or "schedule"
    (outside it). ``planned_stops_count_as_loss``: planned stops, planned maintenance and
    no-order idle stay in planned production time as availability losses, whatever the
    convention. ``target_oee`` for the value of improvement and the capacity gain;
    ``bottleneck_margin``: price the lost output of bottlenecks."""

    planned_stops_count_as_loss: bool = False
    target_oee: float = 0.85
    bottleneck_margin: bool = False
    convention: str = "vorne"
    changeover_as: str = "availability"

    def __post_init__(self):
        if not 0 < self.target_oee <= 1:
            raise ValueError(f"target_oee must be in (0, 1], got {self.target_oee}")
        if self.convention not in CONVENTIONS:
            raise ValueError(f"convention must be one of {', '.join(CONVENTIONS)}, got {self.convention!r}")
        if self.changeover_as not in ("availability", "schedule"):
            raise ValueError(f"changeover_as must be availability or schedule, got {self.changeover_as!r}")

    def as_dict(self) -> dict:
        return {"convention": self.convention, "changeover_as": self.changeover_as, "target_oee": self.target_oee,
                "planned_stops_count_as_loss": self.planned_stops_count_as_loss, "bottleneck_margin": self.bottleneck_margin}


def arrow_text(values) -> pa.Array:
    """Text values as one Arrow large_string array (missing: null), without a copy when they are Arrow already."""
    array = pa.array(values, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def positions_in(uniques, values) -> np.ndarray:
    """The position of each of ``values`` among ``uniques`` (distinct text; -1: not there or
    missing), looked up in Arrow (``index_in``): no Python string per row, about four times
    cheaper than ``pd.Index.get_indexer`` on a few hundred thousand Arrow strings."""
    found = pc.index_in(arrow_text(values), value_set=arrow_text(uniques))
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)

def default_loss_class(kind: str, settings: OeeSettings = OeeSettings()) -> str:
    """The class of a stop kind under the settings' convention (see the module docstring)."""
    if kind in ("planned_maintenance", "planned_stop", "no_orders") and settings.planned_stops_count_as_loss:
        return "availability"
    if kind in ("breakdown", "adjustment"):
        return "availability"
    if kind == "minor_stop":
        return "performance"
    if kind == "changeover":
        return settings.changeover_as
    if kind == "planned_maintenance":
        return "availability" if settings.convention == "smrp" else "schedule"
    if kind in ("planned_stop", "no_orders"):
        return "schedule"
    raise ValueError(f"kind must be one of {', '.join(STOP_KINDS)}, got {kind!r}")


def round_money(values):
    """Money to cents, half away from zero as the ledger rounds (``analytics/money.py``), after
    dropping float noise below a millionth: a sum of minutes x rate per minute often lands on an
    exact half cent (a rate / 60 x whole minutes), where the order of a float sum would
    otherwise decide the cent.

    >>> round_money(pd.Series([0.125, 0.135, -0.125, 6921.825 - 1e-11, 156.66666])).tolist()
    [0.13, 0.14, -0.13, 6921.83, 156.67]
    """
    micro = np.round(np.asarray(values, dtype=float) * 1e6)
    cents = np.sign(micro) * np.floor((np.abs(micro) + 5000.0) / 10000.0) / 100.0
    return pd.Series(cents, index=values.index, name=values.name) if isinstance(values, pd.Series) else cents


def compute_ideal_cycle_min(frame: pd.DataFrame) -> pd.Series:
    """Ideal minutes per unit from whichever routing column is given, in float64: minutes as
    they are, seconds / 60, 1 / units per minute, 60 / units per hour (NaN when none is).

    >>> compute_ideal_cycle_min(pd.DataFrame({"ideal_cycle_s": [1.0], "ideal_units_per_h": [None]})).iloc[0] * 60
    1.0
    """
    def values(name):
        if name not in frame:
            return pd.Series(np.nan, index=frame.index)
        column = frame[name]
        if column.dtype == np.float64:
            return column  # already float64 with NaN for none: the conversion below would give the same
        return pd.to_numeric(column.astype(object), errors="coerce").astype(float)

    per_min = values("ideal_units_per_min")
    per_h = values("ideal_units_per_h")
    minutes = values("ideal_cycle_min")
    for derived in (values("ideal_cycle_s") / 60.0, 1.0 / per_min.where(per_min > 0), 60.0 / per_h.where(per_h > 0)):
        minutes = minutes.fillna(derived)
    return minutes


def _with_cycle(output: pd.DataFrame) -> pd.DataFrame:
    """``output`` with ``ideal_cycle_min`` in float minutes whichever routing column was given."""
    return output.assign(ideal_cycle_min=compute_ideal_cycle_min(output))


def compute_stop_kinds(state: pd.Series, reason_code: pd.Series) -> pd.Series:
    """The kind of each stop (NaN for running and reduced speed): setups are changeovers unless
    the reason code names an adjustment (…ADJUST…); planned stops are planned maintenance when
    the code names maintenance (…MAINT…), else breaks, meals, cleaning (planned_stop); idle is
    no orders."""
    inverse, kinds = _stop_kind_codes(state, reason_code)
    return pd.Series(kinds[inverse], index=state.index, dtype=object)


def _stop_kind_codes(state: pd.Series, reason_code: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``compute_stop_kinds`` as each row's position in a short object array of kinds (NaN for
    none): decided once per distinct state x code (a million segments have a few dozen), the
    columns factorized as they are (converting pandas' Arrow strings to objects first cost
    ≈ 6 ms for 34 k rows)."""
    s_codes, s_uniq = pd.factorize(pd.Series(state), use_na_sentinel=False)
    c_codes, c_uniq = pd.factorize(pd.Series(reason_code).fillna(""), use_na_sentinel=False)
    pair = s_codes.astype(np.int64) * (len(c_uniq) + 1) + c_codes
    inverse, uniq = pd.factorize(pair)

    def kind_of(s, c):
        c = str(c).upper()
        if s == "setup":
            return "adjustment" if "ADJUST" in c else "changeover"
        if s == "planned_stop":
            return "planned_maintenance" if "MAINT" in c else "planned_stop"
        return {"breakdown": "breakdown", "minor_stop": "minor_stop", "idle": "no_orders"}.get(s, np.nan)

    kinds = np.array([kind_of(s_uniq[u // (len(c_uniq) + 1)], c_uniq[u % (len(c_uniq) + 1)]) for u in uniq] + [np.nan], dtype=object)
    return (inverse.reshape(-1) if len(uniq) else np.zeros(0, dtype=np.intp)), kinds


def compute_segment_classes(segments: pd.DataFrame, settings: OeeSettings = OeeSettings(), loss_classes: pd.DataFrame | None = None,
                            centers: pd.DataFrame | None = None) -> pd.DataFrame:
    """``segments`` with ``loss_kind`` and ``loss_class`` (NaN for run time).

    With ``settings.convention == "custom"``, ``loss_classes`` rows (plant_id, code, loss_class)
    override the vorne classes: a row for the event's reason code first, else one for its state;
    ``centers`` gives each work center's plant. Rows naming running or reduced speed are ignored:
    those are run time in every convention."""
    inverse, kinds = _stop_kind_codes(segments.state, segments.reason_code)
    kind = pd.Series(kinds[inverse], index=segments.index, dtype=object)
    # each kind's class looked up once, and taken per row from the classes as ``kind.map`` of
    # them takes (the same values and dtype)
    classes = pd.Series({k: default_loss_class(k, settings) for k in STOP_KINDS})
    at = classes.index.get_indexer(pd.Index(kinds, dtype=object))
    cls = pd.Series(classes.array.take(at[inverse], allow_fill=True), index=segments.index)
    if settings.convention == "custom" and loss_classes is not None and not loss_classes.empty:
        if centers is None:
            raise ValueError("centers must be given with loss_classes (each work center's plant)")
        table = loss_classes.set_index(["plant_id", "code"]).loss_class
        table = table[~table.index.duplicated(keep="last")]
        plant = segments.work_center_id.map(centers.set_index("work_center_id").plant_id)
        by_code = pd.Series(table.reindex(pd.MultiIndex.from_arrays([plant, segments.reason_code])).to_numpy(), index=segments.index)
        by_state = pd.Series(table.reindex(pd.MultiIndex.from_arrays([plant, segments.state])).to_numpy(), index=segments.index)
        site = by_code.fillna(by_state)
        cls = site.where(kind.notna() & site.notna(), cls)
    return segments.assign(loss_kind=kind, loss_class=cls.where(kind.notna()))


def compute_segment_index(start_at, end_at, start=None, end=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The cut of ``compute_event_segments`` as arrays, one entry per event x shift: the event's
    position, the day (days since 1970-01-01), the shift (0, 1, 2) and the minutes. Events are
    cut at shift boundaries (00:00, 08:00, 16:00) and at the window [start, end); events with
    nothing left in it give no entry."""
    s = pd.to_datetime(pd.Series(start_at)).to_numpy().astype("datetime64[s]").astype(np.int64)
    e = pd.to_datetime(pd.Series(end_at)).to_numpy().astype("datetime64[s]").astype(np.int64)
    if start is not None:
        s = np.maximum(s, np.datetime64(pd.Timestamp(start), "s").astype(np.int64))
    if end is not None:
        e = np.minimum(e, np.datetime64(pd.Timestamp(end), "s").astype(np.int64))
    kept = np.flatnonzero(e > s)
    s, e = s[kept], e[kept]
    first, last = s // SHIFT_SECONDS, (e - 1) // SHIFT_SECONDS
    reps = (last - first + 1).astype(np.int64)
    idx = np.repeat(np.arange(len(kept)), reps)
    block = first[idx] + (np.arange(len(idx)) - np.repeat(np.cumsum(reps) - reps, reps))
    seg_s = np.maximum(s[idx], block * SHIFT_SECONDS)
    seg_e = np.minimum(e[idx], (block + 1) * SHIFT_SECONDS)
    day = (block * SHIFT_SECONDS) // 86400
    return kept[idx], day, (block - day * (86400 // SHIFT_SECONDS)).astype(int), (seg_e - seg_s) / 60.0


def day_dates(day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 as datetime64[ns] dates."""
    return np.asarray(day, dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]")


def compute_event_segments(events: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    """Cut events at shift boundaries (00:00, 08:00, 16:00) and at the window [start, end).

    One row per event x shift: work_center_id, work_order_id, event_id, state, reason_code,
    date, shift (0, 1, 2), minutes. Events crossing midnight or a shift change are split.
    """
    cols = ["event_id", "work_center_id", "work_order_id", "state", "reason_code", "date", "shift", "minutes"]
    if events.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols[:5]} | {"date": pd.Series(dtype="datetime64[ns]"),
                            "shift": pd.Series(dtype=int), "minutes": pd.Series(dtype=float)}, columns=cols)
    rows, day, shift, minutes = compute_segment_index(events.start_at, events.end_at, start, end)
    out = events.iloc[rows][cols[:5]].reset_index(drop=True)
    out["date"] = day_dates(day)
    out["shift"] = shift
    out["minutes"] = minutes
    return out[cols]


KEYS = ["work_center_id", "date", "shift"]
DAY_KEYS = ["work_center_id", "date"]  # coarser grains summed in SQL (``compute_calendar_facts``)
SHIFT_KEYS = ["work_center_id", "shift"]
MONTH_KEYS = ["work_center_id", "month"]  # month: YYYY-MM, the facts' period
CENTER_KEYS = ["work_center_id"]
GRAIN_COUNTS = ("shift_rows", "event_shifts", "outside_rows")  # shift rows summed into a coarser row
COUNT_COLUMNS = ("total_qty", "good_qty", "scrap_qty", "startup_scrap_qty", "net_run_min", "fully_productive_min", "startup_reject_min",
                 "production_reject_min", "startup_reject_cost_amount", "production_reject_cost_amount")


def compute_shift_minutes(segments: pd.DataFrame) -> pd.DataFrame:
    """Minutes per work center x date x shift: per state (``running_min`` …) and per stop kind x
    class (``stop_breakdown_availability_min`` …). ``segments`` are classed segments (classed
    with the default settings when they are not); one row per shift that has any."""
    if "loss_class" not in segments:
        segments = compute_segment_classes(segments)
    minutes = segments.pivot_table(index=KEYS, columns="state", values="minutes", aggfunc="sum", fill_value=0.0)
    minutes = minutes.reindex(columns=list(ALL_STATES), fill_value=0.0)
    minutes.columns = [f"{c}_min" for c in minutes.columns]
    stops = segments[segments.loss_kind.notna()]
    if stops.empty:
        by_class = pd.DataFrame(columns=list(STOP_COLUMNS), index=minutes.index, dtype=float).fillna(0.0)
    else:
        by_class = stops.pivot_table(index=KEYS, columns=["loss_kind", "loss_class"], values="minutes", aggfunc="sum", fill_value=0.0)
        by_class.columns = [f"stop_{k}_{c}_min" for k, c in by_class.columns]
        by_class = by_class.reindex(columns=list(STOP_COLUMNS), fill_value=0.0)
    return minutes.join(by_class, how="left").fillna(0.0).reset_index()


def compute_stop_targets(classes: pd.DataFrame) -> pd.DataFrame:
    """Each classed work center x state x reason code (``reason_code`` "" for none) with the
    index in ``STOP_COLUMNS`` of its stop column (-1 for run time): what ``compute_minute_columns``
    and ``compute_shift_minutes_from_totals`` read of ``classes`` (computed once, passed to both)."""
    # decided once per distinct kind x class (12 k rows at L have a dozen)
    k_codes, k_uniq = pd.factorize(classes.loss_kind.astype(object).to_numpy(), use_na_sentinel=False)
    c_codes, c_uniq = pd.factorize(classes.loss_class.astype(object).to_numpy(), use_na_sentinel=False)
    codes, uniq = pd.factorize(k_codes.astype(np.int64) * max(len(c_uniq), 1) + c_codes)
    target = {c: i for i, c in enumerate(STOP_COLUMNS)}
    per = np.array([target[f"stop_{k}_{c}_min"] if isinstance(k, str) and k else -1
                    for k, c in ((k_uniq[u // max(len(c_uniq), 1)], c_uniq[u % max(len(c_uniq), 1)]) for u in uniq)] + [-1], dtype=np.int64)
    index = per[codes]
    return pd.DataFrame({"work_center_id": classes.work_center_id.astype(object).to_numpy(), "state": classes.state.astype(object).to_numpy(),
                         "reason_code": classes.reason_code.astype(object).where(classes.reason_code.notna(), "").to_numpy(),
                         "target": index})


def compute_minute_columns(classes: pd.DataFrame, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """The columns to sum a scope's minutes into before classing them: one row per state x reason
    code of ``classes`` (``compute_segment_classes`` of rows per work center x state x reason
    code) with ``column`` ("m0", "m1", …). Codes of one state that land in the same stop column
    on every work center share a column, and so do codes of one state and kind that land in one
    stop column wherever they occur, so that a named convention sums a handful of columns (one
    per state and stop kind, on whichever work centers a scope's codes occur) and "custom" only
    as many as its table tells apart. ``targets``: ``compute_stop_targets(classes)`` when already
    computed.
    """
    t = compute_stop_targets(classes) if targets is None else targets
    # the state x reason code of each row as one code, and the distinct pairs in (state, code) order
    s_codes, s_uniq = pd.factorize(t.state.to_numpy(object))
    c_codes, c_uniq = pd.factorize(t.reason_code.to_numpy(object))
    p_codes, p_uniq = pd.factorize(s_codes.astype(np.int64) * max(len(c_uniq), 1) + c_codes)
    pairs = [(s_uniq[k // max(len(c_uniq), 1)], c_uniq[k % max(len(c_uniq), 1)]) for k in p_uniq]
    order = sorted(range(len(pairs)), key=lambda i: pairs[i])
    states = [pairs[i][0] for i in order]
    codes = [pairs[i][1] for i in order]
    code = pd.Series(codes, dtype=object)
    code = code.where(code != "", None)
    kinds = list(compute_stop_kinds(pd.Series(states, dtype=object), code).fillna(pd.Series(states, dtype=object)).to_numpy())
    rank = np.empty(len(pairs), dtype=np.int64)
    rank[order] = np.arange(len(pairs))
    row_pair = rank[p_codes]  # each row's pair, by its place in the sorted pairs
    # a state and kind is alike when its codes land in one stop column wherever they occur
    group_of = {}
    pair_group = np.array([group_of.setdefault((st, k), len(group_of)) for st, k in zip(states, kinds)], dtype=np.int64)
    row_group = pair_group[row_pair] if len(row_pair) else np.zeros(0, dtype=np.int64)
    target = t.target.to_numpy(np.int64)
    distinct = np.unique(np.stack([row_group, target]), axis=1) if len(target) else np.zeros((2, 0), dtype=np.int64)
    alike = np.bincount(distinct[0], minlength=len(group_of)) == 1
    signature = [f"kind={k}" for k in kinds]
    apart = np.flatnonzero(~alike[pair_group]) if len(pairs) else np.zeros(0, dtype=np.int64)
    if len(apart):  # codes of a kind classed differently somewhere: where each lands, on which work centers
        rows = np.flatnonzero(np.isin(row_pair, apart))
        sub = pd.DataFrame({"pair": row_pair[rows], "work_center_id": t.work_center_id.to_numpy(object)[rows], "target": target[rows]})
        sub = sub.sort_values(["pair", "work_center_id"])
        sub["text"] = sub.work_center_id.astype(str) + "=" + sub.target.astype(str)
        for i, text in sub.groupby("pair", sort=True).text.agg("|".join).items():
            signature[i] = text
    number: dict = {}
    column = ["m" + str(number.setdefault((st, sig), len(number))) for st, sig in zip(states, signature)]
    kind_columns: dict = {}
    column_kinds: dict = {}
    for k, c in zip(kinds, column):
        kind_columns.setdefault(k, set()).add(c)
        column_kinds.setdefault(c, set()).add(k)
    whole = [len(kind_columns[k]) == 1 and len(column_kinds[c]) == 1 and k in ("running", "reduced_speed", *STOP_KINDS)
             for k, c in zip(kinds, column)]
    return pd.DataFrame({"column": pd.Series(column, dtype="str"), "state": pd.Series(states, dtype="str"),
                         "reason_code": pd.Series([c or None for c in codes], dtype="str"), "kind": pd.Series(kinds, dtype="str"),
                         "whole_kind": np.array(whole, dtype=bool)})


def compute_shift_minutes_from_totals(wide: pd.DataFrame, columns: pd.DataFrame, classes: pd.DataFrame,
                                      targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """``compute_shift_minutes`` from minutes already summed per shift and state x reason code.

    ``wide``: one row per work center x date x shift with the minutes of each ``column`` of
    ``columns`` (``compute_minute_columns``: column, state, reason_code; a column may hold
    several reason codes of one state that are classed alike). ``classes``: the class of each
    work center x state x reason code (``compute_segment_classes`` of one row per work center x
    state x reason code; ``targets``: its ``compute_stop_targets`` when already computed). The
    minutes are the same sums in another order: equal to float precision.
    """
    first = columns.drop_duplicates("column").reset_index(drop=True)
    # the grain's keys (work center x date x shift, or a coarser one) and its shift counts
    out = wide[[c for c in ("work_center_id", "date", "month", "shift", *GRAIN_COUNTS) if c in wide]].reset_index(drop=True)
    x = wide[list(first.column)].to_numpy(dtype=float)
    out = pd.concat([out, pd.DataFrame({f"{state}_min": x[:, (first.state == state).to_numpy()].sum(axis=1) for state in ALL_STATES},
                                       index=out.index)], axis=1)
    # the stop column of each column on each work center (the class may differ by plant)
    codes, centers = pd.factorize(out.work_center_id)
    t = compute_stop_targets(classes) if targets is None else targets
    # every code of a column tells the column's stop column on the work centers it occurs on (its
    # codes agree wherever they meet: ``compute_minute_columns``)
    k_of = pd.Series(np.arange(len(first)), index=first.column.to_numpy())
    key = pd.DataFrame({"state": columns.state.to_numpy(), "reason_code": columns.reason_code.astype(object).where(columns.reason_code.notna(), "").to_numpy(),
                        "k": k_of.reindex(columns.column.to_numpy()).to_numpy()})
    hits = t[t.target >= 0].merge(key, on=["state", "reason_code"]).drop_duplicates(["work_center_id", "k"])
    where = np.full((len(centers), len(first)), -1, dtype=np.int64)
    wc_index = pd.Index(centers.astype(object)).get_indexer(hits.work_center_id)
    ok = wc_index >= 0
    where[wc_index[ok], hits.k.to_numpy()[ok]] = hits.target.to_numpy()[ok]
    per_row = where[codes]  # rows x columns: the stop column, or -1
    stops = np.zeros((len(out), len(STOP_COLUMNS)))
    # column by column in order: a row adds its columns to a stop column in the order np.add.at
    # would (k ascending), without its per-element cost (≈ 0.17 s for 300 k day rows at L)
    for k in range(x.shape[1]):
        r = np.flatnonzero((per_row[:, k] >= 0) & (x[:, k] != 0))
        stops[r, per_row[r, k]] += x[r, k]
    return pd.concat([out, pd.DataFrame(stops, columns=list(STOP_COLUMNS), index=out.index)], axis=1)


# the stop kinds (and run states) of each state's minutes: a stop's kind follows from its state
# and reason code (``compute_stop_kinds``), a run state is its own kind
STATE_KINDS = {"running": ("running",), "reduced_speed": ("reduced_speed",), "minor_stop": ("minor_stop",), "breakdown": ("breakdown",),
               "setup": ("changeover", "adjustment"), "planned_stop": ("planned_maintenance", "planned_stop"), "idle": ("no_orders",)}


def compute_kind_minutes(kinds: pd.DataFrame, settings: OeeSettings = OeeSettings()) -> pd.DataFrame:
    """``compute_shift_minutes_from_totals`` of minutes summed per whole kind, under a named
    convention (every stop of a kind in one class, wherever it occurs): ``kinds`` has a column
    ``{kind}_min`` for each run state and stop kind (running, reduced_speed and ``STOP_KINDS``:
    the OEE facts' kind columns) besides its keys and shift counts; the result keeps those and
    adds each state's minutes (``running_min`` …: its kinds added, ``STATE_KINDS``) and each
    kind's minutes in its class's stop column (``stop_{kind}_{class}_min``, 0 in the others).

    The same numbers as classing the scope's state x reason codes and summing their columns
    (``compute_minute_columns``, ``compute_shift_minutes_from_totals``): a state has at most two
    kinds (one addition, whichever order), a stop column one kind, and a kind that has no
    reason code in the scope has no minutes."""
    if settings.convention == "custom":
        raise ValueError("settings.convention must be a named convention (the custom classes differ by reason code and plant)")
    x = {k: kinds[f"{k}_min"].to_numpy(dtype=float) for k in ("running", "reduced_speed", *STOP_KINDS)}
    keys = [c for c in kinds.columns if c.removesuffix("_min") not in x]
    states = {f"{state}_min": x[ks[0]] + x[ks[1]] if len(ks) == 2 else x[ks[0]] for state, ks in STATE_KINDS.items()}
    zero = np.zeros(len(kinds))
    stops = {f"stop_{k}_{c}_min": x[k] if c == default_loss_class(k, settings) else zero for k in STOP_KINDS for c in LOSS_CLASSES}
    return pd.concat([kinds[keys].reset_index(drop=True), pd.DataFrame({**states, **stops})], axis=1)


def compute_output_allocation(segments: pd.DataFrame, output: pd.DataFrame, keys: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Output counts spread over the day's shifts in proportion to the order's running +
    reduced-speed minutes in each, summed per ``keys`` (work center x date x shift by default;
    the work center is the output record's), and the output records that had no running time on
    their order and day (a data problem), as they were given plus ``date`` and ``total_qty``.

    ``output`` has one row per work order x day with good/scrap qty, the ideal cycle (any
    routing column), std_unit_cost and first_count_date (the order's first output day over all
    time: scrap on that day is startup scrap). Counts: the ``COUNT_COLUMNS``.
    """
    is_run = (segments.state.isin(("running", "reduced_speed")) & segments.work_order_id.notna()).to_numpy()
    run = segments.loc[is_run, ["work_order_id", "work_center_id", "date", "shift", "minutes"]]
    # work orders and centers as integer codes in the order of their names (the order a groupby
    # on the names sorts by), so that every sum below adds the same numbers in the same order
    wo, _ = pd.factorize(pd.concat([run.work_order_id, output.work_order_id], ignore_index=True), sort=True)
    wc, _ = pd.factorize(run.work_center_id, sort=True)
    run_day = pd.to_datetime(run.date).to_numpy(dtype="datetime64[D]").view(np.int64)
    return compute_output_allocation_codes(wo[:len(run)], wc, run_day, run["shift"].to_numpy(), run.minutes.to_numpy(dtype=float),
                                           output, wo[len(run):], keys)


def compute_output_allocation_codes(run_wo, run_wc, run_day, run_shift, run_minutes, output: pd.DataFrame, output_wo,
                                    keys: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``compute_output_allocation`` of the running and reduced-speed segments that name a work
    order, given as arrays: work order and work center as integer codes that sort as their names
    do (-1 for none), day (days since 1970-01-01), shift and minutes; ``output_wo``: the code of
    each output record's work order in the same codes (-1 when it has no running segment)."""
    keys = list(keys or KEYS)
    output = _with_cycle(output)
    run_wo, run_wc = np.asarray(run_wo, dtype=np.int64), np.asarray(run_wc, dtype=np.int64)
    run_day, run_shift = np.asarray(run_day, dtype=np.int64), np.asarray(run_shift, dtype=np.int64)
    ok = (run_wo >= 0) & (run_wc >= 0)
    run_wo, run_wc, run_day, run_shift = run_wo[ok], run_wc[ok], run_day[ok], run_shift[ok]
    run_minutes = np.asarray(run_minutes, dtype=float)[ok]
    # minutes per work order x work center x day x shift, in that order (sums in segment order)
    day0 = int(run_day.min()) if len(run_day) else 0
    n_day = int(run_day.max()) - day0 + 1 if len(run_day) else 1
    n_wc = int(run_wc.max()) + 1 if len(run_wc) else 1
    key = ((run_wo * n_wc + run_wc) * n_day + (run_day - day0)) * 3 + run_shift
    inverse, uniq = pd.factorize(key, sort=True)  # (np.unique sorts every row; this only the distinct keys)
    minutes = pd.Series(run_minutes).groupby(inverse).sum().to_numpy()
    g_shift = uniq % 3
    g_day = (uniq // 3) % n_day + day0
    g_wo = uniq // 3 // n_day // n_wc
    order_day = g_wo * n_day + (g_day - day0)  # work order x day of each group
    od_codes, _ = pd.factorize(order_day)
    share = minutes / pd.Series(minutes).groupby(od_codes).transform("sum").to_numpy()
    # each output record with its order's shifts that day, in the order a left merge gives
    out_day = pd.to_datetime(output.count_date).dt.normalize().to_numpy(dtype="datetime64[D]").view(np.int64)
    output_wo = np.asarray(output_wo, dtype=np.int64)
    out_key = np.where((output_wo >= 0) & (out_day >= day0) & (out_day < day0 + n_day), output_wo * n_day + (out_day - day0), -1)
    perm = np.argsort(order_day, kind="stable")
    sorted_od = order_day[perm]
    starts = np.searchsorted(sorted_od, out_key, side="left")
    n = np.searchsorted(sorted_od, out_key, side="right") - starts
    found = n > 0
    rows = np.repeat(np.arange(len(output)), n)
    grp = perm[np.repeat(starts, n) + (np.arange(len(rows)) - np.repeat(np.cumsum(n) - n, n))]
    out = output.assign(date=day_dates(out_day))
    out["total_qty"] = out.good_qty + out.scrap_qty
    out["is_startup"] = pd.to_datetime(out.first_count_date).dt.normalize().to_numpy(dtype="datetime64[D]").view(np.int64) == out_day
    lost = ~found & (out.total_qty > 0).to_numpy()
    orphans = out[lost].reset_index(drop=True)
    alloc = out[list(dict.fromkeys([*[k for k in keys if k != "shift"], "total_qty", "good_qty", "scrap_qty", "ideal_cycle_min", "std_unit_cost", "is_startup"]))]
    alloc = alloc.iloc[rows].reset_index(drop=True)
    alloc["shift"] = g_shift[grp].astype(int)
    s = share[grp]
    total, good, scrap = (alloc[c].to_numpy(dtype=float) for c in ("total_qty", "good_qty", "scrap_qty"))
    cyc = alloc.ideal_cycle_min.astype(float).fillna(0.0).to_numpy()
    cost = alloc.std_unit_cost.to_numpy(dtype=float)
    startup_scrap = np.where(alloc.is_startup.to_numpy(dtype=bool), scrap, 0.0)
    counts = pd.DataFrame({
        **{k: alloc[k] for k in keys},
        "total_qty": total * s, "good_qty": good * s, "scrap_qty": scrap * s, "startup_scrap_qty": startup_scrap * s,
        "net_run_min": total * cyc * s, "fully_productive_min": good * cyc * s, "startup_reject_min": startup_scrap * cyc * s,
        "production_reject_min": (scrap - startup_scrap) * cyc * s, "startup_reject_cost_amount": startup_scrap * cost * s,
        "production_reject_cost_amount": (scrap - startup_scrap) * cost * s,
    }).groupby(keys, as_index=False).sum()
    return counts, orphans


def compute_calendar_facts(minutes: pd.DataFrame, counts: pd.DataFrame, rates: pd.DataFrame, window: tuple | None = None,
                           keys: list[str] = KEYS) -> pd.DataFrame:
    """Shift minutes (``compute_shift_minutes``) and allocated counts (``compute_output_allocation``)
    side by side per work center x date x shift, with calendar minutes and each work center's
    rate per minute; with ``window`` = (start, end) every work center of ``rates`` gets a row
    for every shift of every day in [start, end) (see ``compute_oee_facts``).

    ``keys`` = ``DAY_KEYS``, ``SHIFT_KEYS``, ``MONTH_KEYS`` (with "shift" too) or ``CENTER_KEYS``:
    the same facts summed per work center x date, x shift, x month (x shift) or per work center
    (minutes and counts summed so in SQL, with ``outside_rows``: the shift rows dated outside
    the window; ``shift_rows`` at the day grain). Calendar minutes are then those of the shifts the
    finest grain would have had: the window's shifts of the row plus its shifts outside the
    window. Needs ``window``."""
    if list(keys) != KEYS:
        return _coarse_calendar_facts(minutes, counts, rates, window, list(keys))
    facts = minutes.merge(counts, on=KEYS, how="outer").fillna(0.0)
    if window is not None:
        start, end = (pd.Timestamp(x) for x in window)
        days = pd.date_range(start.normalize(), end - pd.Timedelta(seconds=1), freq="D").normalize().astype("datetime64[ns]")
        grid = pd.MultiIndex.from_product([rates.work_center_id.unique(), days, list(SHIFTS)], names=KEYS).to_frame(index=False)
        facts = grid.merge(facts, on=KEYS, how="outer").fillna(0.0)
        facts["shift"] = facts["shift"].astype(int)
    facts["calendar_min"] = SHIFT_SECONDS / 60.0
    facts["rate_per_min"] = _rates_of(facts.work_center_id, rates)
    return facts.sort_values(KEYS).reset_index(drop=True)


def _coarse_calendar_facts(minutes: pd.DataFrame, counts: pd.DataFrame, rates: pd.DataFrame, window: tuple | None,
                           keys: list[str]) -> pd.DataFrame:
    if window is None:
        raise ValueError("calendar facts at a grain coarser than the shift need the calendar window")
    start, end = (pd.Timestamp(x) for x in window)
    days = pd.date_range(start.normalize(), end - pd.Timedelta(seconds=1), freq="D").normalize().astype("datetime64[ns]")
    # window days per month, labelled YYYY-MM (formatted once per month, not per day)
    month, n_days = np.unique(days.year.to_numpy() * 12 + days.month.to_numpy() - 1, return_counts=True)
    month_days = pd.Series(n_days, index=[f"{m // 12:04d}-{m % 12 + 1:02d}" for m in month], dtype=np.int64)
    axes = {"work_center_id": rates.work_center_id.unique(), "date": days, "shift": list(SHIFTS), "month": list(month_days.index)}
    grid = pd.MultiIndex.from_product([axes[k] for k in keys], names=keys).to_frame(index=False)
    facts = placed = _on_grid(minutes, counts, grid, keys)
    if placed is None:
        # filled once, after both merges: a key missing from either side is 0 either way
        facts = grid.merge(minutes.merge(counts, on=keys, how="outer"), on=keys, how="outer").fillna(0.0)
    outside = facts["outside_rows"].to_numpy(dtype=float) if "outside_rows" in facts else 0.0
    per_day = 1.0 if "shift" in keys else float(len(SHIFTS))  # shifts of a day in the row
    if "date" in keys:  # a day in the window has its shifts; outside it, the shifts that have rows
        inside = np.where((facts.date >= start) & (facts.date < end), per_day, 0.0)
        outside = np.where(inside > 0, 0.0, facts["shift_rows"].to_numpy(dtype=float) if "shift_rows" in facts else 0.0)
    elif "month" in keys:  # the month's days in the window, plus the row's shifts outside it
        codes, months = pd.factorize(facts.month)  # looked up once per month, not per row
        inside = month_days.reindex(months).fillna(0).to_numpy(dtype=float)[codes] * per_day
    else:  # the window's days, plus the row's shifts outside the window
        inside = float(len(days)) * per_day
    if "shift" in keys:
        facts["shift"] = facts["shift"].astype(int)
    facts["calendar_min"] = SHIFT_SECONDS / 60.0 * (inside + outside)
    if placed is not None and keys[0] == "work_center_id":  # the grid's rows: each work center's together, in ``rates``' order
        per = _rate_per_min(rates).reindex(axes["work_center_id"]).to_numpy(dtype=float)
        facts["rate_per_min"] = np.repeat(per, len(facts) // max(len(per), 1)) if len(per) else np.zeros(0)
        return facts
    facts["rate_per_min"] = _rates_of(facts.work_center_id, rates)
    return facts.sort_values(keys).reset_index(drop=True)


def _on_grid(minutes: pd.DataFrame, counts: pd.DataFrame, grid: pd.DataFrame, keys: list[str]) -> pd.DataFrame | None:
    """``grid.merge(minutes.merge(counts, on=keys, how="outer"), on=keys, how="outer").fillna(0.0)``
    without the merges when they would only pair rows: ``minutes`` and ``counts`` with the same
    keys row for row (one read gave both, as a year's 30 k month rows at L) that are, sorted,
    the grid's rows (each once, and dtypes alike: ``Series.equals``). The two merges of those
    rows cost ≈ 20 ms. In the grid's order (sorted by ``keys``; no sort when read so); None
    when the merges are needed."""
    if (len(minutes) != len(counts) or len(minutes) != len(grid) or set(minutes.columns) & set(counts.columns) != set(keys)
            or not all(minutes[k].reset_index(drop=True).equals(counts[k].reset_index(drop=True)) for k in keys)):
        return None
    facts = pd.concat([minutes.reset_index(drop=True), counts.drop(columns=keys).reset_index(drop=True)], axis=1)
    if not all(facts[k].equals(grid[k]) for k in keys):
        facts = facts.sort_values(keys).reset_index(drop=True)
        if not all(facts[k].equals(grid[k]) for k in keys):
            return None
    floats = [c for c in facts.columns if facts[c].dtype == np.float64]
    missing = [c for c, nan in zip(floats, np.isnan(facts[floats].to_numpy()).any(axis=0)) if nan]
    return facts.fillna({c: 0.0 for c in missing}) if missing else facts


def compute_span_calendar_facts(minutes: pd.DataFrame, counts: pd.DataFrame, rates: pd.DataFrame, windows: dict) -> pd.DataFrame:
    """``compute_calendar_facts(…, window, CENTER_KEYS)`` of several spans at once: ``minutes``
    and ``counts`` hold one row per ``span`` x work center, ``windows`` maps each span to its
    calendar window. One row per span x work center (every work center of ``rates`` in every
    span of ``windows``, and those of the rows), sorted by span and work center, a column
    missing from either side 0: each row the numbers and arithmetic its span alone gives
    (calendar minutes: the window's days' shifts plus the row's ``outside_rows``). The rows are
    placed by integer keys (span x work center code) instead of merging on the names."""
    spans = sorted(windows)
    names = pd.concat([pd.Series(rates.work_center_id.unique()), minutes.work_center_id, counts.work_center_id], ignore_index=True)
    codes, centers = pd.factorize(names, sort=True)  # codes in the order of the names, as sorting by them orders
    n, n_rates, n_min = len(centers), len(names) - len(minutes) - len(counts), len(minutes)
    position = pd.Series(np.arange(len(spans)), index=spans)
    keyed = {"minutes": (minutes, position.reindex(minutes.span).to_numpy() * n + codes[n_rates:n_rates + n_min]),
             "counts": (counts, position.reindex(counts.span).to_numpy() * n + codes[n_rates + n_min:])}
    grid = (np.arange(len(spans))[:, None] * n + codes[:n_rates][None, :]).ravel()
    keys = np.unique(np.concatenate([grid, *(k for _, k in keyed.values())]))
    facts = {"span": np.asarray(spans)[keys // n], "work_center_id": pd.Series(centers.take(keys % n))}
    for frame, key in keyed.values():
        at = np.searchsorted(keys, key)
        for c in frame.columns.drop(["span", "work_center_id"]):
            column = np.zeros(len(keys))
            column[at] = frame[c].to_numpy(dtype=float)
            facts[c] = column
    n_days = np.array([len(pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end) - pd.Timedelta(seconds=1), freq="D"))
                       for start, end in (windows[span] for span in spans)], dtype=float)
    inside = n_days[keys // n] * float(len(SHIFTS))
    outside = facts["outside_rows"] if "outside_rows" in facts else 0.0
    facts["calendar_min"] = SHIFT_SECONDS / 60.0 * (inside + outside)
    facts["rate_per_min"] = _rate_per_min(rates).reindex(centers).to_numpy(dtype=float)[keys % n]
    return pd.DataFrame(facts)


def _rates_of(work_center_id: pd.Series, rates: pd.DataFrame) -> np.ndarray:
    """``work_center_id.map(_rate_per_min(rates)).astype(float)`` looked up once per distinct
    work center (a map of 300 k string keys took ≈ 0.08 s): NaN where ``rates`` has none."""
    codes, names = pd.factorize(work_center_id)
    per = _rate_per_min(rates).reindex(names).to_numpy(dtype=float)
    return np.where(codes >= 0, per[np.maximum(codes, 0)], np.nan) if len(per) else np.full(len(codes), np.nan)


def _rate_per_min(rates: pd.DataFrame) -> pd.Series:
    """Machine + labor + overhead rate per minute, by work center."""
    r = rates.set_index("work_center_id")
    return ((r.machine_rate_per_h + r.labor_rate_per_h + r.overhead_rate_per_h) / 60.0).astype(float)


def compute_oee_facts(segments: pd.DataFrame, output: pd.DataFrame, rates: pd.DataFrame,
                      window: tuple | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Minutes, counts and scrap cost per work center x date x shift, and the counts that had no
    running time on their order and day (a data problem).

    ``segments`` come from ``compute_event_segments``, classed by ``compute_segment_classes``
    (classed with the default settings when they are not). Minutes per state
    (``running_min`` …) and per stop kind x class (``stop_breakdown_availability_min`` …).
    ``output`` has one row per work order x day with good/scrap qty, the ideal cycle (any
    routing column), std_unit_cost and first_count_date; it is spread over the day's shifts in
    proportion to the order's running + reduced-speed minutes in each. ``rates`` has
    work_center_id and the machine, labor and overhead rates per hour.

    ``window`` = (start, end): every work center of ``rates`` gets a row for every shift of
    every day in [start, end), events or not, so that TEEP's calendar is all calendar time;
    without it only shifts with events are rows.
    """
    counts, orphans = compute_output_allocation(segments, output)
    return compute_calendar_facts(compute_shift_minutes(segments), counts, rates, window), orphans


def _stop_minutes(f: pd.DataFrame, settings: OeeSettings) -> dict[str, dict[str, pd.Series]]:
    """Minutes of each stop kind in each class. A named convention classes whole kinds, so it
    re-classes the facts' minutes; "custom" keeps the facts' own classes (set per reason code)."""
    out = {}
    for kind in STOP_KINDS:
        cols = {c: f[f"stop_{kind}_{c}_min"] if f"stop_{kind}_{c}_min" in f else 0.0 for c in LOSS_CLASSES}
        if settings.convention != "custom":
            total = sum(cols.values())
            cls = default_loss_class(kind, settings)
            cols = {c: (total if c == cls else 0.0 * total) for c in LOSS_CLASSES}
        out[kind] = cols
    return out


def _run_minutes(f: pd.DataFrame, stop: dict) -> tuple:
    """Availability loss, small stops, run and planned production minutes of rows ``f``
    (``running_min``, ``reduced_speed_min``) with their stop minutes by kind and class
    (``_stop_minutes``): ``compute_oee_rows``' formulas, also for the trend's buckets."""
    avail = sum(stop[k]["availability"] for k in STOP_KINDS)
    small = sum(stop[k]["performance"] for k in STOP_KINDS)
    run = f.running_min + f.reduced_speed_min + small
    return avail, small, run, run + avail


ROW_SUM_COLUMNS = (
    "availability_loss_min", "excluded_min", "small_stops_min", "run_min", "ppt_min", "breakdown_loss_min", "setup_loss_min",
    "planned_maintenance_loss_min", "planned_stops_loss_min", "no_orders_loss_min", "no_orders_excluded_min",
    "planned_stops_excluded_min", "planned_maintenance_excluded_min", "changeover_excluded_min", "other_excluded_min",
    "reduced_speed_loss_min", "breakdown_cost_amount", "setup_cost_amount", "planned_maintenance_cost_amount",
    "planned_stops_cost_amount", "no_orders_cost_amount", "small_stops_cost_amount", "reduced_speed_cost_amount")


def compute_oee_rows(facts: pd.DataFrame, settings: OeeSettings = OeeSettings()) -> pd.DataFrame:
    """``facts`` (``compute_oee_facts``) with each row's loss minutes and money under the
    settings (``ROW_SUM_COLUMNS``): what ``compute_oee_from_rows`` sums, derived once for every
    grouping of one report."""
    f = facts
    stop = _stop_minutes(f, settings)
    avail = {k: stop[k]["availability"] for k in STOP_KINDS}
    sched = {k: stop[k]["schedule"] for k in STOP_KINDS}
    d = {}
    d["availability_loss_min"], d["small_stops_min"], d["run_min"], d["ppt_min"] = _run_minutes(f, stop)
    d["excluded_min"] = sum(sched.values())
    # unplanned stops: breakdowns, and any other stop a custom mapping counts as availability
    d["breakdown_loss_min"] = avail["breakdown"] + avail["minor_stop"]
    d["setup_loss_min"] = avail["changeover"] + avail["adjustment"]
    d["planned_maintenance_loss_min"] = avail["planned_maintenance"]
    d["planned_stops_loss_min"] = avail["planned_stop"]
    d["no_orders_loss_min"] = avail["no_orders"]
    d["no_orders_excluded_min"] = sched["no_orders"]
    d["planned_stops_excluded_min"] = sched["planned_stop"]
    d["planned_maintenance_excluded_min"] = sched["planned_maintenance"]
    d["changeover_excluded_min"] = sched["changeover"]
    d["other_excluded_min"] = d["excluded_min"] - d["no_orders_excluded_min"] - d["planned_stops_excluded_min"] \
        - d["planned_maintenance_excluded_min"] - d["changeover_excluded_min"]
    d["reduced_speed_loss_min"] = f.running_min + f.reduced_speed_min - f.net_run_min
    # money of time losses uses each row's own work-center rate, then sums
    for cost, minutes in (("breakdown", "breakdown_loss_min"), ("setup", "setup_loss_min"),
                          ("planned_maintenance", "planned_maintenance_loss_min"), ("planned_stops", "planned_stops_loss_min"),
                          ("no_orders", "no_orders_loss_min"), ("small_stops", "small_stops_min"), ("reduced_speed", "reduced_speed_loss_min")):
        d[f"{cost}_cost_amount"] = d[minutes] * f.rate_per_min
    index = f.index
    added = pd.DataFrame({c: np.broadcast_to(np.asarray(d[c], dtype=float), len(index)) for c in ROW_SUM_COLUMNS}, index=index)
    return pd.concat([f.drop(columns=[c for c in ROW_SUM_COLUMNS if c in f]), added], axis=1)


def compute_oee(facts: pd.DataFrame, by: list[str], settings: OeeSettings = OeeSettings()) -> pd.DataFrame:
    """OEE, the six big losses (minutes and money), schedule losses and capacity at the target,
    aggregated over ``by`` (e.g. ["work_center_id"], ["date"], [] for one total). Sums first,
    then ratios."""
    return compute_oee_from_rows(compute_oee_rows(facts, settings), by, settings)


def compute_oee_sums(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The additive columns of ``compute_oee_rows`` summed over ``by`` (one row when empty): a
    sum of these sums is the sum over the rows, so that one report sums its rows once per work
    center x day and groups those further."""
    sums = oee_sum_columns(rows)
    return rows.groupby(by, as_index=False)[sums].sum() if by else rows[sums].sum().to_frame().T.astype(float)


def compute_oee_sums_by_run(rows: pd.DataFrame, by: str) -> pd.DataFrame:
    """``compute_oee_sums(rows[rows[by] == v], [])`` of each value ``v`` of ``by`` (``rows``
    sorted by it) in one frame: one row per value, ``by`` first, in the order of ``rows``. Each
    value's column sums are its own rows added as that call adds them (missing as 0, each
    column's values in row order, pairwise: numpy's sum of a contiguous row), so the same bits;
    a group's sum that way costs no frame of its own."""
    sums = oee_sum_columns(rows)
    keys = rows[by].to_numpy()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(keys)].astype(np.int64)
    block = np.ascontiguousarray(rows[sums].to_numpy(dtype=float).T)  # one contiguous row per column, as pandas holds a block
    totals = np.array([np.nansum(block[:, a:b], axis=1) for a, b in zip(starts, ends)]).reshape(len(starts), len(sums))
    return pd.concat([pd.DataFrame({by: keys[starts]}), pd.DataFrame(totals, columns=sums)], axis=1)


def oee_sum_columns(rows: pd.DataFrame) -> list[str]:
    """The additive columns of ``compute_oee_rows`` that ``rows`` carry."""
    return [c for c in SUM_COLUMNS if c in rows] + list(ROW_SUM_COLUMNS)


def compute_oee_from_rows(rows: pd.DataFrame, by: list[str], settings: OeeSettings = OeeSettings(), unique: bool = False) -> pd.DataFrame:
    """``compute_oee`` of rows from ``compute_oee_rows`` (derived with the same settings), or of
    sums of them (``compute_oee_sums``). ``unique``: the rows are already one per ``by``, sorted
    by it (nothing to sum)."""
    if unique:
        g = rows[list(by) + oee_sum_columns(rows)].reset_index(drop=True)
    else:
        g = compute_oee_sums(rows, by)

    ratio = _ratio
    names = [name for name in g.columns if name not in by]
    block = g[names].to_numpy(dtype=float)
    c = {name: block[:, i] for i, name in enumerate(names)}
    d = {}
    d["unrecorded_min"] = c["calendar_min"] - c["ppt_min"] - c["excluded_min"]
    d["availability_pct"] = ratio(c["run_min"], c["ppt_min"])
    d["performance_pct"] = ratio(c["net_run_min"], c["run_min"])
    d["quality_pct"] = ratio(c["fully_productive_min"], c["net_run_min"])
    d["quality_count_pct"] = ratio(c["good_qty"], c["total_qty"])
    d["oee_pct"] = ratio(c["fully_productive_min"], c["ppt_min"])
    d["teep_pct"] = ratio(c["fully_productive_min"], c["calendar_min"])
    d["utilisation_pct"] = ratio(c["ppt_min"], c["calendar_min"])
    d["reduced_speed_min_loss"] = c["reduced_speed_loss_min"]
    # capacity: c = ideal minutes per unit made (the output-weighted ideal cycle)
    d["avg_ideal_cycle_min"] = ratio(c["net_run_min"], c["total_qty"])
    d["ideal_units_qty"] = ratio(c["run_min"], d["avg_ideal_cycle_min"])
    d["planned_cycles_qty"] = ratio(c["ppt_min"], d["avg_ideal_cycle_min"])
    target = settings.target_oee
    d["target_oee_pct"] = np.full(len(g), target)
    d["capacity_gain_units_qty"] = np.clip(c["good_qty"] * (ratio(target, d["oee_pct"]) - 1.0), 0.0, None)
    d["capacity_gain_hours_h"] = np.clip(c["ppt_min"] * (1.0 - d["oee_pct"] / target), 0.0, None) / 60.0
    d["loss_cost_amount"] = _loss_cost(c)
    g = pd.concat([g, pd.DataFrame(d, index=g.index)], axis=1)
    money = [name for name in g.columns if name.endswith("_amount")]
    g[money] = round_money(g[money].to_numpy(dtype=float))
    return g


def _ratio(num, den):
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


LOSS_COST_COLUMNS = ("breakdown_cost_amount", "setup_cost_amount", "planned_maintenance_cost_amount", "planned_stops_cost_amount",
                     "no_orders_cost_amount", "small_stops_cost_amount", "reduced_speed_cost_amount", "startup_reject_cost_amount",
                     "production_reject_cost_amount")


def _loss_cost(c) -> np.ndarray:
    """Loss cost: the nine loss amounts added in this order (before rounding)."""
    return (c["breakdown_cost_amount"] + c["setup_cost_amount"] + c["planned_maintenance_cost_amount"]
            + c["planned_stops_cost_amount"] + c["no_orders_cost_amount"] + c["small_stops_cost_amount"]
            + c["reduced_speed_cost_amount"] + c["startup_reject_cost_amount"] + c["production_reject_cost_amount"])


TREND_FIELDS = ("availability_pct", "performance_pct", "quality_pct", "oee_pct", "ppt_min", "fully_productive_min", "loss_cost_amount")
TREND_SUMS = ("run_min", "ppt_min", "net_run_min", "fully_productive_min", *LOSS_COST_COLUMNS)


def _set_ratios(out: pd.DataFrame, c: dict) -> None:
    """Availability, performance, quality and OEE from summed minutes ``c`` (arrays by name)."""
    out["availability_pct"] = _ratio(c["run_min"], c["ppt_min"])
    out["performance_pct"] = _ratio(c["net_run_min"], c["run_min"])
    out["quality_pct"] = _ratio(c["fully_productive_min"], c["net_run_min"])
    out["oee_pct"] = _ratio(c["fully_productive_min"], c["ppt_min"])


def compute_oee_trend_from_rows(rows: pd.DataFrame, by: list[str], unique: bool = False) -> pd.DataFrame:
    """``compute_oee_from_rows(rows, by, …)[by + TREND_FIELDS]``: the columns a trend or a
    heatmap draws per work center x week or day, from the 13 sums they need instead of all 43
    (≈ 300 k day rows a year at L: the other 50 columns cost more than the chart). Each column
    is the same sum and the same arithmetic, so the same numbers to the last bit."""
    sums = list(TREND_SUMS)
    g = rows[list(by) + sums].reset_index(drop=True) if unique else rows.groupby(list(by), as_index=False)[sums].sum()
    block = g[sums].to_numpy(dtype=float)
    c = {name: block[:, i] for i, name in enumerate(sums)}
    out = g[list(by)].copy()
    _set_ratios(out, c)
    out["ppt_min"] = g["ppt_min"].to_numpy()
    out["fully_productive_min"] = g["fully_productive_min"].to_numpy()
    out["loss_cost_amount"] = round_money(_loss_cost(c))
    return out


BUCKET_TREND_FIELDS = ("availability_pct", "performance_pct", "quality_pct", "oee_pct", "ppt_min", "fully_productive_min")
BUCKET_SUMS = ("run_min", "ppt_min", "net_run_min", "fully_productive_min")
# the output columns a trend or heatmap reads (``TREND_SUMS`` and ``BUCKET_SUMS`` of the counts)
TREND_COUNTS = tuple(c for c in COUNT_COLUMNS if c in TREND_SUMS)


def compute_oee_trend_by(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """OEE of all the rows' work centers together per ``by`` (["date"], ["week"], ["month"]):
    ``BUCKET_TREND_FIELDS``, ratios of the sums of run, planned production, net run and fully
    productive minutes over the rows of each bucket (``compute_oee_rows`` rows, sums of them,
    or ``compute_bucket_sums``). One row per bucket, sorted by it."""
    g = rows.groupby(list(by), as_index=False)[list(BUCKET_SUMS)].sum()
    block = g[list(BUCKET_SUMS)].to_numpy(dtype=float)
    c = {name: block[:, i] for i, name in enumerate(BUCKET_SUMS)}
    out = g[list(by)].copy()
    _set_ratios(out, c)
    out["ppt_min"] = c["ppt_min"]
    out["fully_productive_min"] = c["fully_productive_min"]
    return out


def compute_bucket_sums(minutes: pd.DataFrame, counts: pd.DataFrame, key: str, settings: OeeSettings = OeeSettings()) -> pd.DataFrame:
    """``BUCKET_SUMS`` per ``key`` (a date) over every work center: run and planned production
    minutes from ``minutes`` (``compute_shift_minutes_from_totals`` of rows per ``key`` x a group
    of work centers whose stops are classed alike, e.g. a plant), net run and fully productive
    minutes from ``counts`` (output per ``key``). Time losses need no rate here: the trend
    draws no money. One row per ``key`` of either side, sorted by it."""
    f = minutes[[key, "running_min", "reduced_speed_min", *[c for c in STOP_COLUMNS if c in minutes]]]
    _, _, run, ppt = _run_minutes(f, _stop_minutes(f, settings))  # the two columns of compute_oee_rows the trend sums
    time = pd.DataFrame({key: f[key], "run_min": run, "ppt_min": ppt}).groupby(key)[["run_min", "ppt_min"]].sum()
    made = counts.groupby(key)[["net_run_min", "fully_productive_min"]].sum()
    return time.join(made, how="outer").fillna(0.0).reset_index()


HEATMAP_WORK_CENTERS = 30  # work centers in the OEE heatmap: 28 px a row, so 30 rows fit a screen


def compute_lowest_oee_work_centers(by_wc: pd.DataFrame, limit: int = HEATMAP_WORK_CENTERS) -> list[str]:
    """The work centers of ``by_wc`` (``compute_oee_from_rows`` per work center) up to ``limit``,
    the lowest OEE first (no OEE last; ties by work center): those a meeting asks about."""
    ranked = by_wc.sort_values(["oee_pct", "work_center_id"], na_position="last", kind="mergesort")
    return [str(w) for w in ranked.work_center_id.head(limit)]


def compute_six_losses(row: pd.Series) -> pd.DataFrame:
    """The six big losses of one aggregated row, minutes and money, in the classic order, with
    the planned stops a convention keeps inside planned production time as availability rows of
    their own (planned maintenance, planned stops, no orders: zero under the default)."""
    data = [
        ("breakdown", "availability", row.breakdown_loss_min, row.breakdown_cost_amount),
        ("setup", "availability", row.setup_loss_min, row.setup_cost_amount),
        ("planned_maintenance", "availability", row.planned_maintenance_loss_min, row.planned_maintenance_cost_amount),
        ("planned_stops", "availability", row.planned_stops_loss_min, row.planned_stops_cost_amount),
        ("no_orders", "availability", row.no_orders_loss_min, row.no_orders_cost_amount),
        ("small_stops", "performance", row.small_stops_min, row.small_stops_cost_amount),
        ("reduced_speed", "performance", row.reduced_speed_loss_min, row.reduced_speed_cost_amount),
        ("startup_rejects", "quality", row.startup_reject_min, row.startup_reject_cost_amount),
        ("production_rejects", "quality", row.production_reject_min, row.production_reject_cost_amount),
    ]
    return pd.DataFrame(data, columns=["loss", "oee_factor", "loss_min", "loss_cost_amount"])


def compute_time_waterfall(row: pd.Series) -> pd.DataFrame:
    """Calendar → planned production → run → net run → fully productive, with the steps between:
    calendar time with no event recorded, then each schedule loss (no orders, planned stops,
    planned maintenance, changeovers, other stops classed schedule) apart.

    ``measure`` follows plotly's waterfall: absolute (a starting value), relative (a step), total
    (the running sum so far, which equals the ``minutes`` given)."""
    steps = [
        ("calendar", row.calendar_min, "absolute"),
        ("unrecorded", -row.unrecorded_min, "relative"),
        ("no_orders", -row.no_orders_excluded_min, "relative"),
        ("planned_stops", -row.planned_stops_excluded_min, "relative"),
        ("planned_maintenance", -row.planned_maintenance_excluded_min, "relative"),
        ("changeover", -row.changeover_excluded_min, "relative"),
        ("excluded", -row.other_excluded_min, "relative"),
        ("planned_production", row.ppt_min, "total"),
        ("availability_loss", -row.availability_loss_min, "relative"),
        ("run", row.run_min, "total"),
        ("performance_loss", -(row.run_min - row.net_run_min), "relative"),
        ("net_run", row.net_run_min, "total"),
        ("quality_loss", -(row.net_run_min - row.fully_productive_min), "relative"),
        ("fully_productive", row.fully_productive_min, "total"),
    ]
    return pd.DataFrame(steps, columns=["step", "minutes", "measure"])


def compute_loss_classes(segments: pd.DataFrame) -> pd.DataFrame:
    """How the scope's stops were classed: one row per state x reason code with its kind, class
    and minutes (classed segments from ``compute_segment_classes``), for an analyst to check."""
    cols = ["state", "reason_code", "loss_kind", "loss_class", "loss_min"]
    stops = segments[segments.loss_kind.notna()]
    if stops.empty:
        return pd.DataFrame(columns=cols)
    g = stops.assign(reason_code=stops.reason_code.fillna("")).groupby(
        ["state", "reason_code", "loss_kind", "loss_class"], as_index=False).agg(loss_min=("minutes", "sum"))
    g["reason_code"] = g.reason_code.replace("", None)
    return g.sort_values(["loss_class", "loss_min"], ascending=[True, False]).reset_index(drop=True)[cols]


def compute_loss_pareto(segments: pd.DataFrame, totals: pd.Series, rates: pd.DataFrame, settings: OeeSettings = OeeSettings()) -> pd.DataFrame:
    """Loss reasons ranked by money: each reason code of a stop classed availability or
    performance (minutes x the work center's rate), reduced speed, startup and production
    rejects; with the cumulative share. Classed ``segments`` are used as they are; others are
    classed with ``settings``."""
    if "loss_class" not in segments:
        segments = compute_segment_classes(segments, settings)
    seg = segments[segments.loss_class.isin(("availability", "performance"))]
    seg = seg.assign(cost=seg.minutes.astype(float) * _rates_of(seg.work_center_id, rates),  # typed even when empty
                     reason=seg.reason_code.fillna(seg.state).astype(str))
    by_reason = seg.groupby(["reason", "state"], as_index=False).agg(loss_min=("minutes", "sum"), loss_cost_amount=("cost", "sum"))
    extra = pd.DataFrame([
        ("reduced_speed", "reduced_speed", totals.reduced_speed_loss_min, totals.reduced_speed_cost_amount),
        ("startup_rejects", "quality", totals.startup_reject_min, totals.startup_reject_cost_amount),
        ("production_rejects", "quality", totals.production_reject_min, totals.production_reject_cost_amount),
    ], columns=["reason", "state", "loss_min", "loss_cost_amount"])
    out = pd.concat([by_reason, extra], ignore_index=True)
    out = out[out.loss_cost_amount.abs() > 0.005].sort_values("loss_cost_amount", ascending=False).reset_index(drop=True)
    total = out.loss_cost_amount.sum()
    out["cumulative_pct"] = out.loss_cost_amount.cumsum() / total if total else np.nan
    out["loss_cost_amount"] = round_money(out.loss_cost_amount)
    return out


def compute_work_order_minutes(segments: pd.DataFrame) -> pd.DataFrame:
    """Minutes per work order x work center and state (one column per state, ``running`` …) of
    the segments that name a work order."""
    seg = segments[segments.work_order_id.notna()]
    if seg.empty:
        return pd.DataFrame(columns=["work_order_id", "work_center_id", *ALL_STATES]).astype({s: float for s in ALL_STATES})
    mins = seg.pivot_table(index=["work_order_id", "work_center_id"], columns="state", values="minutes", aggfunc="sum", fill_value=0.0)
    return mins.reindex(columns=list(ALL_STATES), fill_value=0.0).reset_index()


def compute_output_sums(output: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Output records summed per ``by``: good, scrap and total qty, net run minutes (total x
    ideal cycle, none where the routing gives none), fully productive minutes, ideal minutes of
    the good units (``ideal_good_min``, the same but left out where the cycle is unknown),
    scrap at standard unit cost and the margin of the good units at list price less standard
    material (``margin_amount``). Unrounded: a sum of these sums is the sum of the records."""
    frame = pd.concat([output[by].reset_index(drop=True), compute_output_sum_columns(output).reset_index(drop=True)], axis=1)
    return frame.groupby(by, as_index=False, dropna=False).sum(min_count=0)


def compute_output_sum_columns(output: pd.DataFrame) -> pd.DataFrame:
    """The columns ``compute_output_sums`` sums, one row per output record."""
    o = _with_cycle(output)
    cyc = o.ideal_cycle_min.astype(float)
    total = o.good_qty + o.scrap_qty
    return pd.DataFrame({
        "good_qty": o.good_qty.astype(float), "scrap_qty": o.scrap_qty.astype(float), "total_qty": total.astype(float),
        "net_run_min": total * cyc.fillna(0.0), "fully_productive_min": o.good_qty * cyc.fillna(0.0), "ideal_good_min": o.good_qty * cyc,
        "scrap_cost_amount": (o.scrap_qty * o.std_unit_cost).astype(float),
        "margin_amount": ((o.list_price - o.std_material_cost) * o.good_qty).astype(float),
    })


def compute_work_order_loss_cost(segments: pd.DataFrame, output: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """Loss cost carried by each work order, for product cost: its breakdown, setup and minor-stop
    minutes and its speed loss (run − small stops − net run) at the work center's rate, plus its
    scrap at standard unit cost. One row per work order with product_id."""
    output = _with_cycle(output)
    out = output.assign(net=(output.good_qty + output.scrap_qty) * output.ideal_cycle_min.fillna(0.0),
                        scrap_cost=output.scrap_qty * output.std_unit_cost)
    per_wo = out.groupby("work_order_id", as_index=False).agg(
        product_id=("product_id", "first"), good_qty=("good_qty", "sum"), scrap_qty=("scrap_qty", "sum"),
        net_run_min=("net", "sum"), scrap_cost_amount=("scrap_cost", "sum"),
    )
    return compute_work_order_loss_from(compute_work_order_minutes(segments), per_wo, rates)


def compute_work_order_loss_from(minutes: pd.DataFrame, per_order: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """``compute_work_order_loss_cost`` from its two sums: ``minutes`` per work order x work
    center and state (``compute_work_order_minutes``) and ``per_order`` output per work order
    (product_id, good_qty, scrap_qty, net_run_min, scrap_cost_amount)."""
    m = minutes.sort_values(["work_order_id", "work_center_id"]).merge(per_order, on="work_order_id", how="inner")
    rate = m.work_center_id.map(_rate_per_min(rates)).astype(float)  # an empty str column maps to str
    speed = (m.running + m.reduced_speed - m.net_run_min).clip(lower=0)
    m["time_loss_cost_amount"] = (m.breakdown + m.setup + m.minor_stop + speed) * rate
    m["loss_cost_amount"] = round_money(m.time_loss_cost_amount + m.scrap_cost_amount)
    m["time_loss_cost_amount"] = round_money(m.time_loss_cost_amount)
    m["scrap_cost_amount"] = round_money(m.scrap_cost_amount)
    return m[["work_order_id", "work_center_id", "product_id", "good_qty", "scrap_qty", "time_loss_cost_amount", "scrap_cost_amount",
              "loss_cost_amount"]]


def compute_conversion_cost(segments: pd.DataFrame, rates: pd.DataFrame, key: str) -> pd.Series:
    """Planned production minutes (run time and the stops classed availability or performance)
    at the work center's rate, summed per ``key`` (classed ``segments``, or rows of them summed;
    rows without ``key`` are left out)."""
    in_ppt = segments.loss_kind.isna() | segments.loss_class.isin(("availability", "performance"))
    kept = (segments[key].notna() & in_ppt).to_numpy()
    if not kept.any():
        seg = segments[kept]
        return seg.assign(cost=seg.minutes * _rates_of(seg.work_center_id, rates)).groupby(key).cost.sum()
    # minutes x rate has many decimals: summed in a canonical order (``in_sum_order``: by key, then
    # by cost), the same bits whatever order the rows were read in; the keys as their sorted codes
    codes, names = pd.factorize(segments[key], sort=True)
    cost = segments.minutes.to_numpy(dtype=float) * _rates_of(segments.work_center_id, rates)
    codes, cost = codes[kept], cost[kept]
    order = np.lexsort([np.where(np.isnan(cost), np.inf, cost), codes])
    sums = pd.Series(cost[order]).groupby(codes[order]).sum()  # each key's rows in that order, as a groupby of the names adds them
    return pd.Series(sums.to_numpy(), index=pd.Index(names.take(sums.index.to_numpy()), name=key), name="cost")


def compute_improvement_value(segments: pd.DataFrame, output: pd.DataFrame, rates: pd.DataFrame, settings: OeeSettings,
                              months: float) -> pd.DataFrame:
    """Conversion cost per good unit at actual OEE vs at the target OEE, per product, and what
    closing the gap is worth per year at the current output rate.

    actual = (the product's orders' planned production minutes x rate) / good units
    at target = ideal cycle x rate / target OEE;  worth per year = (actual − target) x good units x 12 / months
    """
    if months <= 0:
        raise ValueError(f"months must be > 0, got {months}")
    if "loss_class" not in segments:
        segments = compute_segment_classes(segments, settings)
    wo_cost = compute_conversion_cost(segments, rates, "work_order_id")
    output = _with_cycle(output)
    o = output.assign(ideal_good_min=output.ideal_cycle_min.astype(float) * output.good_qty)
    wo_product = o.groupby("work_order_id").product_id.first()
    by_product = wo_cost.groupby(wo_product.reindex(wo_cost.index)).sum()
    sums = o[["product_id", "work_center_id", "family", "good_qty", "ideal_good_min"]]
    return compute_improvement_from(sums, by_product, rates, settings, months)


def compute_improvement_from(output: pd.DataFrame, conversion_cost: pd.Series, rates: pd.DataFrame, settings: OeeSettings,
                             months: float) -> pd.DataFrame:
    """``compute_improvement_value`` from sums: ``output`` rows (product_id, work_center_id,
    family, good_qty, ideal_good_min = good units x ideal cycle, per output record or summed
    per product x work center) and the ``conversion_cost`` per product
    (``compute_conversion_cost`` of its orders' minutes)."""
    if months <= 0:
        raise ValueError(f"months must be > 0, got {months}")
    o = output.assign(ideal_cost=output.ideal_good_min.astype(float) * _rates_of(output.work_center_id, rates))
    o = in_sum_order(o, ["product_id"], ["good_qty", "ideal_cost"])  # float sums in one order, whatever the database's
    per_product = o.groupby("product_id").agg(good_qty=("good_qty", "sum"), ideal_cost=("ideal_cost", "sum"), family=("family", "first"))
    per_product["conversion_cost_amount"] = conversion_cost
    per_product = per_product[per_product.good_qty > 0].copy()
    per_product["actual_conversion_unit_cost"] = per_product.conversion_cost_amount / per_product.good_qty
    per_product["target_conversion_unit_cost"] = per_product.ideal_cost / per_product.good_qty / settings.target_oee
    gap = (per_product.actual_conversion_unit_cost - per_product.target_conversion_unit_cost).clip(lower=0)
    per_product["value_per_year_amount"] = round_money(gap * per_product.good_qty * 12.0 / months)
    per_product["conversion_cost_amount"] = round_money(per_product.conversion_cost_amount)
    return per_product.drop(columns="ideal_cost").reset_index().sort_values("value_per_year_amount", ascending=False).reset_index(drop=True)


def compute_bottleneck_margin(facts_by_wc: pd.DataFrame, output: pd.DataFrame, work_centers: pd.DataFrame) -> pd.DataFrame:
    """For bottleneck work centers: the contribution margin of the output not made.

    lost units = (planned production − fully productive minutes) / average ideal cycle;
    unit margin = output-weighted (list price − standard material cost). Non-bottlenecks are
    left out: their lost time costs its rate, not sales.
    """
    return compute_bottleneck_margin_from(facts_by_wc, compute_output_sums(output, ["work_center_id"]), work_centers)


def compute_bottleneck_margin_from(facts_by_wc: pd.DataFrame, sums: pd.DataFrame, work_centers: pd.DataFrame) -> pd.DataFrame:
    """``compute_bottleneck_margin`` from output sums per work center (``compute_output_sums``:
    net_run_min, total_qty, margin_amount, good_qty)."""
    bn = work_centers.loc[work_centers.is_bottleneck.astype(int) == 1, "work_center_id"]
    o = sums[sums.work_center_id.isin(bn)]
    if o.empty:
        return pd.DataFrame(columns=["work_center_id", "lost_units_qty", "unit_margin_amount", "lost_margin_amount"])
    w = pd.DataFrame({"work_center_id": o.work_center_id,
                      "avg_cycle_min": o.net_run_min.astype(float) / o.total_qty.astype(float),
                      "unit_margin_amount": o.margin_amount.astype(float) / np.maximum(o.good_qty.astype(float), 1e-9)})
    f = facts_by_wc[["work_center_id", "ppt_min", "fully_productive_min"]].merge(w, on="work_center_id")
    f["lost_units_qty"] = ((f.ppt_min - f.fully_productive_min) / f.avg_cycle_min).round(0)
    f["lost_margin_amount"] = round_money(f.lost_units_qty * f.unit_margin_amount)
    f["unit_margin_amount"] = round_money(f.unit_margin_amount)
    return f[["work_center_id", "lost_units_qty", "unit_margin_amount", "lost_margin_amount"]]


PROBLEM_COLUMNS = ["problem", "work_center_id", "date", "detail"]
OUTSIDE_CALENDAR_LIMIT = 500


PERFORMANCE_SLACK_MIN = 0.5  # ideal minutes above run time a day may show before performance > 100 % is a finding
UNCOVERED_GAP_MIN = 1.0  # minutes without any event inside a day's shifts with events before they are a finding


def compute_shift_problems(facts: pd.DataFrame) -> pd.DataFrame:
    """Findings per work center x day from the shift facts (``compute_day_problems`` of their
    sums per work center x day); rows per work center x day with ``event_shifts`` are those sums."""
    day = facts.groupby(["work_center_id", "date"], as_index=False)[["running_min", "reduced_speed_min", "net_run_min"]].sum()
    covered = facts[[f"{s}_min" for s in ALL_STATES]].sum(axis=1)
    if "event_shifts" in facts:  # rows per work center x day: the calendar of its shifts with events
        shifts = pd.DataFrame({"work_center_id": facts.work_center_id, "date": facts.date,
                               "calendar_min": facts.event_shifts.to_numpy(dtype=float) * (SHIFT_SECONDS / 60.0), "covered_min": covered})
        shifts = shifts[facts.event_shifts.to_numpy() > 0]
    else:
        shifts = (facts.assign(covered_min=covered)[covered > 0]
                  .groupby(["work_center_id", "date"], as_index=False)[["calendar_min", "covered_min"]].sum())
    return compute_day_problems(day, shifts)


def compute_day_problems(days: pd.DataFrame, shifts: pd.DataFrame) -> pd.DataFrame:
    """Findings per work center x day: performance above 100 % (ideal minutes of the output more
    than ``PERFORMANCE_SLACK_MIN`` above running + reduced speed) and time not covered by any
    event inside the shifts that have events (more than ``UNCOVERED_GAP_MIN``); a shift with no
    event at all is calendar time with nothing recorded (TEEP's base), not a gap.

    ``days``: work_center_id, date, running_min, reduced_speed_min, net_run_min (every day, or
    only those SQL found above the slack: ``facts_oee.load_day_findings``). ``shifts``:
    work_center_id, date, covered_min and calendar_min (or ``event_shifts``, shifts with events)."""
    run = days.running_min + days.reduced_speed_min
    over = days[days.net_run_min > run + PERFORMANCE_SLACK_MIN]
    over_detail = [f"{a:.1f} ideal min > {b:.1f} run min" for a, b in zip(over.net_run_min, run[over.index])]
    calendar = (shifts.calendar_min if "calendar_min" in shifts
                else pd.Series(shifts.event_shifts.to_numpy(dtype=float) * (SHIFT_SECONDS / 60.0), index=shifts.index))
    gap = calendar - shifts.covered_min
    gaps = shifts[gap > UNCOVERED_GAP_MIN]
    return pd.concat([
        pd.DataFrame({"problem": "performance_over_100", "work_center_id": over.work_center_id, "date": over.date, "detail": over_detail}),
        pd.DataFrame({"problem": "time_not_covered", "work_center_id": gaps.work_center_id, "date": gaps.date,
                      "detail": [f"{g:.1f} min without any event" for g in gap[gaps.index]]}),
    ], ignore_index=True)


def compute_overlapping_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events that start before the previous event on their work center (by start; ties keep the
    given order, the loader's start then event id) ends: one finding per event, dated by its
    start, with ``start_at``."""
    codes, _ = pd.factorize(events.work_center_id)
    start = pd.to_datetime(events.start_at).to_numpy(dtype="datetime64[ns]").view(np.int64)
    end = pd.to_datetime(events.end_at).to_numpy(dtype="datetime64[ns]").view(np.int64)
    order = np.lexsort((start, codes))  # stable
    w, s_, e_ = codes[order], start[order], end[order]
    flag = np.zeros(len(order), dtype=bool)
    flag[1:] = (w[1:] == w[:-1]) & (s_[1:] < e_[:-1])
    ov = events.iloc[order[flag]]
    at = pd.to_datetime(ov.start_at).astype("datetime64[ns]")
    return pd.DataFrame({"problem": "overlapping_events", "work_center_id": ov.work_center_id.to_numpy(),
                         "date": at.dt.normalize().to_numpy(),
                         "detail": (ov.event_id.astype(str) + " starts before the previous event ends").to_numpy(),
                         "start_at": at.to_numpy()})


def compute_events_outside_calendar(segments: pd.DataFrame, calendar: pd.DataFrame, limit: int | None = OUTSIDE_CALENDAR_LIMIT) -> pd.DataFrame:
    """Event x day on a day without a calendar row for its work center, in the segments' order
    (work center, then time), the first ``limit`` of them (all when None), with ``event_id``."""
    cols = PROBLEM_COLUMNS + ["event_id"]
    if segments.empty:
        return pd.DataFrame(columns=cols)
    # work center x day as one integer on both sides, so that a million segments cost a lookup each
    codes, centers = pd.factorize(segments.work_center_id)
    day = pd.to_datetime(segments.date).to_numpy(dtype="datetime64[D]").view(np.int64)
    key = codes.astype(np.int64) * 10_000_000 + day
    if calendar.empty:
        missing = np.ones(len(key), dtype=bool)
    else:
        cal_codes = pd.Index(centers).get_indexer(calendar.work_center_id)
        cal_day = pd.to_datetime(calendar.calendar_date).to_numpy(dtype="datetime64[D]").view(np.int64)
        known = cal_codes.astype(np.int64) * 10_000_000 + cal_day
        missing = ~np.isin(key, known[cal_codes >= 0])
    seen = segments[missing]
    seen = seen[~seen.duplicated(["event_id", "date"])]
    if limit is not None:
        seen = seen.head(limit)
    return pd.DataFrame({"problem": "event_outside_calendar", "work_center_id": seen.work_center_id.to_numpy(),
                         "date": pd.to_datetime(seen.date).astype("datetime64[ns]").to_numpy(),
                         "detail": (seen.event_id.astype(str) + " on a day with no calendar entry").to_numpy(),
                         "event_id": seen.event_id.to_numpy()}, columns=cols)


def compute_orphan_problems(orphans: pd.DataFrame) -> pd.DataFrame:
    """Output records with no running time on their order and day (``compute_output_allocation``)."""
    if orphans.empty:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    qty = (orphans.good_qty + orphans.scrap_qty).astype(float)
    return pd.DataFrame({"problem": "output_without_running_time", "work_center_id": orphans.work_center_id,
                         "date": pd.to_datetime(orphans.date).astype("datetime64[ns]"),
                         "detail": [f"{w}: {q:.0f} units" for w, q in zip(orphans.work_order_id, qty)]}).reset_index(drop=True)


def compute_problem_table(facts: pd.DataFrame | None, findings: list[pd.DataFrame]) -> pd.DataFrame:
    """The data problems: those found in the shift facts (``compute_shift_problems``; none when
    ``facts`` is None: the findings hold them) and the ``findings`` given (frames with problem,
    work_center_id, date, detail), in one table sorted by problem, work center, date and detail."""
    parts = ([] if facts is None else [compute_shift_problems(facts)]) + [f[PROBLEM_COLUMNS] for f in findings if not f.empty]
    parts = [p.astype({"work_center_id": object, "detail": object}) for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["date"] = pd.to_datetime(out.date).astype("datetime64[ns]")
    return out.sort_values(PROBLEM_COLUMNS, kind="mergesort").reset_index(drop=True)


def compute_data_problems(events: pd.DataFrame, segments: pd.DataFrame, facts: pd.DataFrame, orphans: pd.DataFrame,
                          calendar: pd.DataFrame) -> pd.DataFrame:
    """What in the data makes OEE unreliable, one row per finding (shown, never hidden):
    performance above 100 %, overlapping events, events on days outside the calendar (the first
    500), output with no running time on its order and day, time not covered by any event.

    ``segments`` are already cut to the scope's window, so only days inside it are checked
    against the calendar."""
    findings = []
    if not events.empty:
        findings.append(compute_overlapping_events(events))
    if not calendar.empty:  # no calendar at all: nothing to check against
        findings.append(compute_events_outside_calendar(segments, calendar))
    findings.append(compute_orphan_problems(orphans))
    return compute_problem_table(facts, findings)
