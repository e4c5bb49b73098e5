"""OEE facts: machine minutes and output per work center x day x shift, per work order and per
product, and the data problems found in events, derived a few months at a time when the data
changes, so that the OEE page sums thousands of rows instead of cutting millions of events.

Every table holds settings-independent sums: classing a stop as an availability, schedule or
performance loss (the convention, ``changeover_as``, ``planned_stops_count_as_loss``, the
site's ``loss_classes``) happens when reading, on rows per work center x state x reason code,
with the same functions as the event path (``analytics/oee.py``). Minutes are floats; money
columns (``_amount``) are unrounded float sums, rounded to cents only after aggregation, as
the event path does.

Grains (``docs/DATA_MODEL.md``, "Fact tables: OEE", states the identities):

    facts_oee_shift_minutes   work center x date x shift x state x reason code: minutes of the
                             events cut at shift boundaries (00, 08, 16 h)
    facts_oee_shift_kinds     work center x date x shift: the same minutes, one column per run
                             state and stop kind (a kind follows from state and reason code)
    facts_oee_reason_minutes  work center x period x state x reason code: the same minutes
    facts_oee_shift_output    work center (of the output record) x date x shift x the order's
                             plant: output spread over the day's shifts in proportion to the
                             order's running + reduced-speed minutes, startup scrap on the
                             order's first output day over all time
    facts_oee_order_minutes   work order x work center x period: minutes per state
    facts_oee_order_output    work order x work center (of the output record) x period: output sums
    facts_oee_product_minutes period x the order's plant x product x work center x state x reason
                             code x (output_from, output_to): minutes of the orders whose output
                             months form that run, signed so that a scope counts an order once
                             when it has output in the scope (the improvement value's rule)
    facts_oee_product_output  period x plant x product x work center: output sums
    facts_oee_problems        one row per finding: overlapping events, events on a day without a
                             calendar row (the first 500 per work center and month), output
                             without running time; with the plant it is filtered by
    facts_oee_days            work center x date x plant: the shift kinds and the shift output
                             summed per day (derived from those two tables inside the database):
                             the machine minutes and shift counts on the row of the work center's
                             plant, the output on the row of its order's plant; for the OEE
                             page's daily views and the problem days (``load_day_sums``,
                             ``load_day_findings``)

Period: ``YYYY-MM`` of the row's date. An event crossing a month boundary is cut there; an
overlapping event that started before a month and reaches into it gets a row in that month too
(``is_carried`` = 1), read only when that month is the first of the scope, because the event
path sees such an event only then.

Refreshing some periods only: new output of an order changes its startup scrap and output runs,
which live in the periods of its events; re-derive those periods too.

Known limit: a work order whose running time on one day falls on work centers of different
plants is spread over all of them here; filtered to one plant, the event path spreads it over
that plant's only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics import oee as A
from data_loaders import oee as loaders
from data_loaders import schema as s
from data_loaders.engine import read_frame, read_keyed
from data_loaders.facts import METADATA
from data_loaders.queries import month_after, month_start, period_conditions
from data_loaders.scope import Scope, month_add, months_between


# the base tables ``derive`` reads: a build derives this family as soon as they are stored
# (``data_loaders.build``; tests/test_build_load.py checks that no other table changes its rows)
READS = ("plants", "products", "work_centers", "routings", "work_center_calendar", "work_orders", "machine_events", "output_counts",
         "loss_classes")


def _columns(*extra):
    return [sa.Column("period", sa.String(7), nullable=False), *extra]


shift_minutes = sa.Table(
    "facts_oee_shift_minutes", METADATA,
    *_columns(sa.Column("work_center_id", sa.String(32), nullable=False), sa.Column("shift_date", sa.Date, nullable=False),
              sa.Column("shift", sa.Integer, nullable=False), sa.Column("state", sa.String(16), nullable=False),
              sa.Column("reason_code", sa.String(32)), sa.Column("duration_min", sa.Double, nullable=False)),
    sa.Index("ix_facts_oee_shift_minutes_period", "period", "work_center_id"),
)
KIND_COLUMNS = ("running", "reduced_speed", *A.STOP_KINDS)  # a stop's kind follows from its state and reason code
# the kind columns as ``analytics.oee.compute_minute_columns`` names columns, each its own whole kind:
# what a named convention reads (``analytics.oee.compute_kind_minutes`` classes them)
WHOLE_KINDS = pd.DataFrame({"column": [f"{k}_min" for k in KIND_COLUMNS], "kind": list(KIND_COLUMNS), "whole_kind": True})
shift_kinds = sa.Table(
    "facts_oee_shift_kinds", METADATA,
    *_columns(sa.Column("work_center_id", sa.String(32), nullable=False), sa.Column("shift_date", sa.Date, nullable=False),
              sa.Column("shift", sa.Integer, nullable=False), *[sa.Column(f"{k}_min", sa.Double, nullable=False) for k in KIND_COLUMNS]),
    sa.Index("ix_facts_oee_shift_kinds_period", "period", "work_center_id"),
)
shift_output = sa.Table(
    "facts_oee_shift_output", METADATA,
    *_columns(sa.Column("work_center_id", sa.String(32), nullable=False), sa.Column("shift_date", sa.Date, nullable=False),
              sa.Column("shift", sa.Integer, nullable=False), sa.Column("plant_id", sa.String(32)),
              *[sa.Column(c, sa.Double, nullable=False) for c in A.COUNT_COLUMNS]),
    sa.Index("ix_facts_oee_shift_output_period", "period", "plant_id"),
)
STATE_MINUTES = tuple(f"{s}_min" for s in A.ALL_STATES)
order_minutes = sa.Table(
    "facts_oee_order_minutes", METADATA,
    *_columns(sa.Column("work_order_id", sa.String(32), nullable=False), sa.Column("work_center_id", sa.String(32), nullable=False),
              *[sa.Column(c, sa.Double, nullable=False) for c in STATE_MINUTES]),
    sa.Index("ix_facts_oee_order_minutes_period", "period", "work_order_id"),
)
ORDER_SUMS = ("good_qty", "scrap_qty", "total_qty", "net_run_min", "fully_productive_min", "ideal_good_min", "scrap_cost_amount",
              "margin_amount")
order_output = sa.Table(
    "facts_oee_order_output", METADATA,
    *_columns(sa.Column("work_order_id", sa.String(32), nullable=False), sa.Column("work_center_id", sa.String(32), nullable=False),
              sa.Column("plant_id", sa.String(32)), sa.Column("product_id", sa.String(32)),
              *[sa.Column(c, sa.Double, nullable=False) for c in ORDER_SUMS]),
    sa.Index("ix_facts_oee_order_output_period", "period", "work_order_id"),
)
product_minutes = sa.Table(
    "facts_oee_product_minutes", METADATA,
    *_columns(sa.Column("plant_id", sa.String(32)), sa.Column("product_id", sa.String(32), nullable=False),
              sa.Column("work_center_id", sa.String(32), nullable=False), sa.Column("state", sa.String(16), nullable=False),
              sa.Column("reason_code", sa.String(32)), sa.Column("output_from", sa.String(7), nullable=False),
              sa.Column("output_to", sa.String(7), nullable=False), sa.Column("duration_min", sa.Double, nullable=False)),
    sa.Index("ix_facts_oee_product_minutes_period", "period"),
)
reason_minutes = sa.Table(
    "facts_oee_reason_minutes", METADATA,
    *_columns(sa.Column("work_center_id", sa.String(32), nullable=False), sa.Column("state", sa.String(16), nullable=False),
              sa.Column("reason_code", sa.String(32)), sa.Column("duration_min", sa.Double, nullable=False)),
    sa.Index("ix_facts_oee_reason_minutes_period", "period"),
)
PRODUCT_SUMS = ("good_qty", "total_qty", "net_run_min", "ideal_good_min", "margin_amount")
product_output = sa.Table(
    "facts_oee_product_output", METADATA,
    *_columns(sa.Column("plant_id", sa.String(32)), sa.Column("product_id", sa.String(32)), sa.Column("work_center_id", sa.String(32)),
              *[sa.Column(c, sa.Double, nullable=False) for c in PRODUCT_SUMS]),
    sa.Index("ix_facts_oee_product_output_period", "period"),
)
problems = sa.Table(
    "facts_oee_problems", METADATA,
    *_columns(sa.Column("problem", sa.String(32), nullable=False), sa.Column("work_center_id", sa.String(32)),
              sa.Column("plant_id", sa.String(32)), sa.Column("problem_date", sa.Date), sa.Column("detail", sa.String(200)),
              sa.Column("sort_at", sa.DateTime), sa.Column("is_carried", sa.Integer, nullable=False)),
    sa.Index("ix_facts_oee_problems_period", "period"),
)
DAY_COUNTS = ("shift_rows", "event_shifts", "output_rows")


def _summed_table(name: str, grain: sa.Column, *extra: sa.Column, what: str) -> sa.Table:
    """A table of the shift facts summed per period x work center x ``grain`` x plant (``_select_summed``),
    stored in period order (a month's rows together: one DuckDB row group of 122,880 rows holds some
    five months of the day rows at L instead of a slice of every month)."""
    return sa.Table(
        name, METADATA,
        *_columns(sa.Column("work_center_id", sa.String(32), nullable=False), grain, sa.Column("plant_id", sa.String(32)),
                  *[sa.Column(f"{k}_min", sa.Double, nullable=False) for k in KIND_COLUMNS], sa.Column("covered_min", sa.Double, nullable=False),
                  *[sa.Column(c, sa.Integer, nullable=False) for c in DAY_COUNTS], *[sa.Column(c, sa.Double, nullable=False) for c in A.COUNT_COLUMNS],
                  *extra),
        sa.Index(f"ix_{name}_period", "period", "work_center_id"),
        info={"grain": f"one row per work center x {what} x plant (the work center's for minutes, the order's for output)",
              "order_by": ("period", "work_center_id", grain.name, "plant_id")},
    )


days = _summed_table("facts_oee_days", sa.Column("shift_date", sa.Date, nullable=False), sa.Column("n_rows", sa.Integer, nullable=False),
                     what="day")
month_shifts = _summed_table("facts_oee_month_shifts", sa.Column("shift", sa.Integer, nullable=False), what="month x shift")
SUMMED = (days, month_shifts)  # derived in the database from the shift tables (``selects``)
TABLES = (shift_minutes, shift_kinds, reason_minutes, shift_output, order_minutes, order_output, product_minutes, product_output,
          problems, *SUMMED)


# --------------------------------------------------------------------------- derive
def _data_periods(engine: Engine) -> list[str]:
    """Every month from the first event or output record to the last."""
    me, oc = s.machine_events, s.output_counts
    with engine.connect() as conn:
        ev = conn.execute(sa.select(sa.func.min(me.c.start_at), sa.func.max(me.c.end_at))).one()
        out = conn.execute(sa.select(sa.func.min(oc.c.count_date), sa.func.max(oc.c.count_date))).one()
    stamps = [pd.Timestamp(v) for v in (*ev, *out) if v is not None]
    if not stamps:
        return []
    first, last = min(stamps).strftime("%Y-%m"), max(stamps).strftime("%Y-%m")
    return [month_add(first, k) for k in range(months_between(first, last) + 1)]


MONTHS_PER_CHUNK = 3  # overlapping events are looked for among the events of 3 months at a time (see _overlaps)
EVENTS_PER_BATCH = 250_000  # chunks derived together while their events stay under this: few queries, bounded memory


def _frame(table: sa.Table, data: dict) -> pd.DataFrame:
    return pd.DataFrame(data, columns=[c.name for c in table.columns])


def _month_labels(months: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``YYYY-MM`` of month numbers (months since 1970-01), computed once per distinct month."""
    months = np.asarray(months, dtype=np.int64)
    low = int(months.min()) if len(months) else 0
    span = np.arange(low, int(months.max()) + 1 if len(months) else low)
    labels = pa.array([f"{1970 + v // 12:04d}-{v % 12 + 1:02d}" for v in span], type=pa.large_string())
    return _text(labels, months - low)


def _months_of(dates) -> np.ndarray:
    """Month numbers (months since 1970-01) of dates."""
    return pd.to_datetime(pd.Series(dates)).to_numpy(dtype="datetime64[M]").view(np.int64)


def _periods_of(dates) -> np.ndarray:
    """``YYYY-MM`` of each date, computed once per distinct month."""
    return _month_labels(_months_of(dates))


TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' str


def _codes(values, sort: bool = True) -> tuple[np.ndarray, pa.Array]:
    """Integer codes of ``values`` (-1 for missing) and the distinct values; sorted codes follow
    the order of the values, as a groupby on them sorts."""
    codes, uniques = pd.factorize(pd.Series(values), sort=sort)
    return codes.astype(np.int64), pa.array(np.asarray(uniques, dtype=object), type=pa.large_string())


def _index(uniques: pa.Array) -> pd.Index:
    """The distinct values as an index, to look other columns' values up in."""
    return pd.Index(pd.array(uniques, dtype=TEXT))


def _text(uniques: pa.Array, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """The values of codes (missing for -1), taken in Arrow: a text column without a Python
    string per row."""
    codes = np.asarray(codes, dtype=np.int64)
    return pd.array(uniques.take(pa.array(codes, mask=codes < 0)), dtype=TEXT)


def _key(*parts) -> np.ndarray:
    """One int64 per row from (codes, number of values) pairs, ordered as the tuples of the
    values are (a missing value, code -1, after every other: a groupby with dropna=False)."""
    key = None
    size = 1
    for codes, n in parts:
        codes = np.asarray(codes, dtype=np.int64)
        c = np.where(codes < 0, n, codes)
        if key is None:
            key, size = c, n + 1
            continue
        if size * (n + 1) >= 2 ** 62:  # renumber the key so far, keeping its order
            uniq, key = np.unique(key, return_inverse=True)
            key, size = key.reshape(-1).astype(np.int64), len(uniq)
        key, size = key * (n + 1) + c, size * (n + 1)
    return key


def _first_rows(gid: np.ndarray, n: int) -> np.ndarray:
    """The first row of each of ``n`` groups (ids 0 … n-1), without sorting the rows."""
    first = np.full(n, len(gid), dtype=np.int64)
    np.minimum.at(first, np.asarray(gid, dtype=np.int64), np.arange(len(gid), dtype=np.int64))
    return first


def _first_seen(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group ids numbered in order of first appearance (a groupby with sort=False) and each
    group's first row."""
    gid, uniq = pd.factorize(key)
    return gid.astype(np.int64), _first_rows(gid, len(uniq))


def _sorted_groups(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group ids numbered in the key's order (a groupby with sort=True) and each group's first row."""
    gid, uniq = pd.factorize(key, sort=True)
    return gid.astype(np.int64), _first_rows(gid, len(uniq))


def _sums(values, gid: np.ndarray) -> np.ndarray:
    """Sum per group id (0 … n-1), each group's values added in row order as pandas adds them."""
    return pd.Series(np.asarray(values, dtype=float)).groupby(gid).sum().to_numpy()


def _load_output_days(engine: Engine, start, end, output: pd.DataFrame) -> pd.DataFrame:
    """The output days, over all time, of the orders with events in [start, end), with each
    order's product and plant (output records the event path can see: order and product known):
    those in [start, end) are ``output``'s (``load_output`` of the same months; orders without
    events there too, which no event minutes meet), the others are read."""
    me, oc, wo, p = s.machine_events, s.output_counts, s.work_orders, s.products
    start, end = pd.Timestamp(start).to_pydatetime(), pd.Timestamp(end).to_pydatetime()  # plain datetimes for every driver
    orders = sa.select(me.c.work_order_id).where(me.c.end_at > start, me.c.start_at < end, me.c.work_order_id.is_not(None))
    stmt = (sa.select(oc.c.work_order_id, wo.c.product_id, wo.c.plant_id, oc.c.count_date)
            .join(wo, wo.c.work_order_id == oc.c.work_order_id)
            .join(p, p.c.product_id == wo.c.product_id)
            .where(oc.c.work_order_id.in_(orders), sa.or_(oc.c.count_date < start, oc.c.count_date >= end)))
    cols = ["work_order_id", "product_id", "plant_id", "count_date"]
    return pd.concat([output[cols], read_frame(engine, stmt)[cols]], ignore_index=True)


def _output_runs(days: pd.DataFrame) -> pd.DataFrame:
    """Each order's output months as runs of consecutive months, signed for inclusion–exclusion.

    A scope (a range of months) sees an order's minutes when the order has output in the scope.
    With runs [a1, b1], [a2, b2], … the runs a scope meets are consecutive, so counting each run
    it meets (+1: a ≤ scope end and b ≥ scope start) and each pair of neighbouring runs it meets
    both of (−1: a_(i+1) ≤ scope end and b_i ≥ scope start) counts the order exactly once.
    One row per order x (output_from, output_to) with ``sign`` ±1: the runs, then the pairs.
    """
    cols = ["work_order_id", "product_id", "plant_id", "output_from", "output_to", "sign"]
    if days.empty:
        return pd.DataFrame(columns=cols)
    wo, wo_u = _codes(days.work_order_id)
    month = _months_of(days.count_date)
    key = wo * (int(month.max()) + 1) + month  # months since 1970: non-negative
    gid, uniq = pd.factorize(key, sort=True)
    first = _first_rows(gid, len(uniq))  # one row per order x month, in order (first row: its product and plant)
    wo_m, month_m = wo[first], month[first]
    new_run = np.ones(len(first), dtype=bool)
    new_run[1:] = (wo_m[1:] != wo_m[:-1]) | (month_m[1:] != month_m[:-1] + 1)
    starts = np.flatnonzero(new_run)
    ends = np.append(starts[1:], len(first)) - 1
    run_row, run_wo, run_first, run_last = first[starts], wo_m[starts], month_m[starts], month_m[ends]
    pair = np.flatnonzero(run_wo[1:] == run_wo[:-1])  # a run and the next run of its order
    rows = np.concatenate([run_row, run_row[pair]])
    return pd.DataFrame({"work_order_id": _text(wo_u, np.concatenate([run_wo, run_wo[pair]])),
                         "product_id": days.product_id.iloc[rows].to_numpy(), "plant_id": days.plant_id.iloc[rows].to_numpy(),
                         "output_from": _month_labels(np.concatenate([run_first, run_first[pair + 1]])),
                         "output_to": _month_labels(np.concatenate([run_last, run_last[pair]])),
                         "sign": np.concatenate([np.ones(len(starts)), -np.ones(len(pair))])}, columns=cols)


def _overlaps(events: pd.DataFrame, chunks: list[list[str]], plant_of: pd.Series) -> list[pd.DataFrame]:
    """Overlapping events found as the event path finds them for a scope starting at a chunk's
    first month: among the events of each chunk, those starting in it; and for every month, an
    overlapping event that began before it among the events that cross into it (``is_carried``)."""
    found = []
    ev_start, ev_end = pd.to_datetime(events.start_at).to_numpy(), pd.to_datetime(events.end_at).to_numpy()
    wc, _ = _codes(events.work_center_id)
    start_ns, end_ns = ev_start.astype("datetime64[ns]").view(np.int64), ev_end.astype("datetime64[ns]").view(np.int64)

    def overlapping(mask: np.ndarray) -> bool:
        """Whether ``compute_overlapping_events`` finds anything among these events (its test,
        without building frames for the many sets that have none)."""
        at = np.flatnonzero(mask)
        order = at[np.lexsort((start_ns[at], wc[at]))]
        return bool(((wc[order[1:]] == wc[order[:-1]]) & (start_ns[order[1:]] < end_ns[order[:-1]])).any())

    # an event is found only when it starts before an earlier-starting event on its work center
    # ends: when no two events of a work center share a moment, no set of them finds anything
    order = np.lexsort((start_ns, wc))
    latest_end = pd.Series(end_ns[order]).groupby(wc[order]).cummax().to_numpy()
    if len(order) < 2 or not ((wc[order[1:]] == wc[order[:-1]]) & (start_ns[order[1:]] < latest_end[:-1])).any():
        return []
    for chunk in chunks:
        lo, hi = np.datetime64(month_start(chunk[0])), np.datetime64(month_after(chunk[-1]))
        mask = (ev_end > lo) & (ev_start < hi)
        if mask.sum() > 1 and overlapping(mask):
            ov = A.compute_overlapping_events(events[mask])
            ov = ov[ov.start_at >= lo]
            found.append(ov.assign(period=_periods_of(ov.start_at), is_carried=0))
        for period in chunk:
            edge = np.datetime64(month_start(period))
            mask = (ev_start < edge) & (ev_end > edge)
            if mask.sum() > 1 and overlapping(mask):
                found.append(A.compute_overlapping_events(events[mask]).assign(period=period, is_carried=1))
    return [f.assign(plant_id=f.work_center_id.map(plant_of), sort_at=f.start_at) for f in found if not f.empty]


def _derive_batch(engine: Engine, chunks: list[list[str]], plant_of: pd.Series) -> dict[str, pd.DataFrame]:
    """The rows of consecutive months: the event path's cut, allocation and sums, on integer
    codes of work centers, orders, states and reason codes (names only on the summed rows)."""
    periods = [p for chunk in chunks for p in chunk]
    scope = Scope(periods[0], periods[-1])
    start, end = pd.Timestamp(month_start(periods[0])), pd.Timestamp(month_after(periods[-1]))
    events = loaders.load_events(engine, scope)
    output = loaders.load_output(engine, scope)
    if events.empty and output.empty:
        return {}
    calendar = loaders.load_calendar(engine, scope)
    out: dict[str, pd.DataFrame] = {}

    # segments: one entry per event x shift, in event order (work center, start, event id)
    wc_e, wc_u = _codes(events.work_center_id)
    wo_e, wo_u = _codes(events.work_order_id)
    st_e, st_u = _codes(events.state)
    rc_e, rc_u = _codes(events.reason_code)
    n_wc, n_wo, n_st, n_rc = len(wc_u), len(wo_u), len(st_u), len(rc_u)
    rows, day, shift, minutes = A.compute_segment_index(events.start_at, events.end_at, start, end)
    wc, wo, st, rc = wc_e[rows], wo_e[rows], st_e[rows], rc_e[rows]
    day0 = int(day.min()) if len(day) else 0
    n_day = int(day.max()) - day0 + 1 if len(day) else 1
    month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    month0 = int(month.min()) if len(month) else 0
    n_month = int(month.max()) - month0 + 1 if len(month) else 1

    # minutes per work center x date x shift x state x reason code (groups in order of appearance)
    g, first = _first_seen(_key((wc, n_wc), (day - day0, n_day), (shift, 3), (st, n_st), (rc, n_rc)))
    m_min = _sums(minutes, g)
    m_wc, m_day, m_shift, m_st, m_rc, m_month = wc[first], day[first], shift[first], st[first], rc[first], month[first]
    m_date = A.day_dates(m_day)
    out[shift_minutes.name] = _frame(shift_minutes, {"period": _month_labels(m_month), "work_center_id": _text(wc_u, m_wc), "shift_date": m_date,
                                                     "shift": m_shift, "state": _text(st_u, m_st), "reason_code": _text(rc_u, m_rc),
                                                     "duration_min": m_min})
    g, first = _first_seen(_key((m_month - month0, n_month), (m_wc, n_wc), (m_st, n_st), (m_rc, n_rc)))
    out[reason_minutes.name] = _frame(reason_minutes, {"period": _month_labels(m_month[first]), "work_center_id": _text(wc_u, m_wc[first]),
                                                       "state": _text(st_u, m_st[first]), "reason_code": _text(rc_u, m_rc[first]),
                                                       "duration_min": _sums(m_min, g)})
    # one column per run state and stop kind, decided once per state x reason code
    pair_st, pair_rc = np.repeat(np.arange(n_st), n_rc + 1), np.tile(np.arange(-1, n_rc), n_st)
    pair_state = pd.Series(_text(st_u, pair_st), dtype=object)
    kinds = A.compute_stop_kinds(pair_state, pd.Series(_text(rc_u, pair_rc), dtype=object)).fillna(pair_state)
    column = pd.Index(list(KIND_COLUMNS)).get_indexer(kinds.to_numpy(dtype=object))
    m_col = column[m_st * (n_rc + 1) + (m_rc + 1)] if len(m_st) else np.zeros(0, dtype=np.int64)
    shift_g, shift_first = _sorted_groups(_key((m_wc, n_wc), (m_day - day0, n_day), (m_shift, 3)))
    cell_g, cell_first = _sorted_groups(shift_g * (len(KIND_COLUMNS) + 1) + (m_col + 1))  # -1: a state no column holds
    cell_sum = _sums(m_min, cell_g)
    wide = np.zeros((len(shift_first), len(KIND_COLUMNS)))
    keep = m_col[cell_first] >= 0
    wide[shift_g[cell_first][keep], m_col[cell_first][keep]] = cell_sum[keep]
    out[shift_kinds.name] = _frame(shift_kinds, {"period": _month_labels(m_month[shift_first]), "work_center_id": _text(wc_u, m_wc[shift_first]),
                                                 "shift_date": m_date[shift_first], "shift": m_shift[shift_first],
                                                 **{f"{c}_min": wide[:, i] for i, c in enumerate(KIND_COLUMNS)}})

    # output spread over the shifts its order ran that day
    running = np.isin(st, np.flatnonzero(np.isin(np.array(st_u.to_pylist(), dtype=object), ("running", "reduced_speed")))) & (wo >= 0)
    output_wo = A.positions_in(wo_u, output.work_order_id) if n_wo else np.full(len(output), -1)
    counts, orphans = A.compute_output_allocation_codes(wo[running], wc[running], day[running], shift[running], minutes[running], output,
                                                        output_wo, A.KEYS + ["plant_id"])
    out[shift_output.name] = _frame(shift_output, {"period": _periods_of(counts.date), "shift_date": counts.date,
                                                   **{c: counts[c] for c in ("work_center_id", "shift", "plant_id", *A.COUNT_COLUMNS)}})

    # minutes per work order x work center x period: per state x reason code, then per state
    named = wo >= 0
    l_g, l_first = _first_seen(_key((month[named] - month0, n_month), (wo[named], n_wo), (wc[named], n_wc), (st[named], n_st),
                                    (rc[named], n_rc)))
    l_min = _sums(minutes[named], l_g)
    sel = np.flatnonzero(named)[l_first]
    l_month, l_wo, l_wc, l_st, l_rc = month[sel], wo[sel], wc[sel], st[sel], rc[sel]
    w_g, w_first = _first_seen(_key((l_month - month0, n_month), (l_wo, n_wo), (l_wc, n_wc), (l_st, n_st)))
    w_min = _sums(l_min, w_g)
    o_g, o_first = _sorted_groups(_key((l_month[w_first] - month0, n_month), (l_wo[w_first], n_wo), (l_wc[w_first], n_wc)))
    # each state's column, looked up once per distinct state (not per row); a missing state (-1) takes the appended -1
    state_lut = np.append(pd.Index(list(A.ALL_STATES)).get_indexer(_text(st_u, np.arange(n_st))), -1)
    state_col = state_lut[l_st[w_first]] if len(w_first) else np.zeros(0, dtype=np.int64)
    per_state = np.zeros((len(o_first), len(A.ALL_STATES)))
    ok = state_col >= 0
    per_state[o_g[ok], state_col[ok]] = w_min[ok]
    o_rows = w_first[o_first]
    out[order_minutes.name] = _frame(order_minutes, {"period": _month_labels(l_month[o_rows]), "work_order_id": _text(wo_u, l_wo[o_rows]),
                                                     "work_center_id": _text(wc_u, l_wc[o_rows]),
                                                     **{f"{st_}_min": per_state[:, i] for i, st_ in enumerate(A.ALL_STATES)}})

    # minutes of the orders per product and output run (an order without output is in no scope's improvement value)
    runs = _output_runs(_load_output_days(engine, start, end, output))
    if len(runs) and len(l_min):
        runs_wo = A.positions_in(wo_u, runs.work_order_id)
        pm = pd.DataFrame({"wo": l_wo, "row": np.arange(len(l_wo))}).merge(
            pd.DataFrame({"wo": runs_wo, "run": np.arange(len(runs))}), on="wo", how="inner")
        r, k = pm.row.to_numpy(), pm.run.to_numpy()
        pl_c, pl_u = _codes(runs.plant_id, sort=False)
        pr_c, pr_u = _codes(runs.product_id, sort=False)
        fr_c, fr_u = _codes(runs.output_from, sort=False)
        to_c, to_u = _codes(runs.output_to, sort=False)
        p_g, p_first = _first_seen(_key((l_month[r] - month0, n_month), (pl_c[k], len(pl_u)), (pr_c[k], len(pr_u)), (l_wc[r], n_wc),
                                        (l_st[r], n_st), (l_rc[r], n_rc), (fr_c[k], len(fr_u)), (to_c[k], len(to_u))))
        p_min = _sums(l_min[r] * runs.sign.to_numpy(dtype=float)[k], p_g)
        r, k = r[p_first], k[p_first]
        out[product_minutes.name] = _frame(product_minutes, {
            "period": _month_labels(l_month[r]), "plant_id": _text(pl_u, pl_c[k]), "product_id": _text(pr_u, pr_c[k]),
            "work_center_id": _text(wc_u, l_wc[r]), "state": _text(st_u, l_st[r]), "reason_code": _text(rc_u, l_rc[r]),
            "output_from": _text(fr_u, fr_c[k]), "output_to": _text(to_u, to_c[k]), "duration_min": p_min})

    # output sums per period x order x work center x plant x product, then per product, over the records in one order
    # (their ids): quantity x ideal cycle has many decimals, and a float sum in the order the database returned the
    # records differed in its last bit between Spark and DuckDB
    if len(output):
        output = output.sort_values("output_id", kind="stable", ignore_index=True)
        o_month = _months_of(output.count_date)
        om0 = int(o_month.min())
        n_om = int(o_month.max()) - om0 + 1
        names = ("work_order_id", "work_center_id", "plant_id", "product_id")
        codes = {c: _codes(output[c]) for c in names}
        gid, fr = _sorted_groups(_key((o_month - om0, n_om), *[(codes[c][0], len(codes[c][1])) for c in names]))
        sums = A.compute_output_sum_columns(output).groupby(gid).sum(min_count=0).reset_index(drop=True)
        text = {c: _text(codes[c][1], codes[c][0][fr]) for c in names}
        o_periods = _month_labels(o_month[fr])
        out[order_output.name] = _frame(order_output, {"period": o_periods, **text, **{c: sums[c] for c in ORDER_SUMS}})
        p_g, p_first = _first_seen(_key((o_month[fr] - om0, n_om), *[(codes[c][0][fr], len(codes[c][1]))
                                                                     for c in ("plant_id", "product_id", "work_center_id")]))
        p = sums[list(PRODUCT_SUMS)].groupby(p_g).sum()
        out[product_output.name] = _frame(product_output, {"period": o_periods[p_first], **{c: text[c][p_first] for c in (
            "plant_id", "product_id", "work_center_id")}, **{c: p[c].to_numpy() for c in PRODUCT_SUMS}})

    # data problems
    found = _overlaps(events, chunks, plant_of)
    if len(rows):
        # work center x day with a calendar row, as a table of the batch's work centers x days
        known = np.zeros(n_wc * n_day, dtype=bool)
        if not calendar.empty:
            cal_wc = _index(wc_u).get_indexer(calendar.work_center_id)
            cal_day = pd.to_datetime(calendar.calendar_date).to_numpy(dtype="datetime64[D]").view(np.int64) - day0
            ok = (cal_wc >= 0) & (cal_day >= 0) & (cal_day < n_day)
            known[cal_wc[ok] * n_day + cal_day[ok]] = True
        missing = ~known[wc * n_day + (day - day0)]
        if missing.any():
            seen = pd.DataFrame({"work_center_id": _text(wc_u, wc[missing]), "date": A.day_dates(day[missing]),
                                 "event_id": events.event_id.iloc[rows[missing]].to_numpy()})
            outside = A.compute_events_outside_calendar(seen, calendar.iloc[0:0], limit=None)
            # the event path shows the first 500 of a scope in work-center-then-time order: the first
            # 500 of each work center and month are enough to find them for any scope
            outside = outside.assign(period=_periods_of(outside.date))
            outside = outside.groupby(["work_center_id", "period"], sort=False).head(A.OUTSIDE_CALENDAR_LIMIT)
            found.append(outside.assign(plant_id=outside.work_center_id.map(plant_of),
                                        sort_at=outside.event_id.map(events.set_index("event_id").start_at), is_carried=0))
    orphan_rows = A.compute_orphan_problems(orphans)
    if not orphan_rows.empty:
        found.append(orphan_rows.assign(period=_periods_of(orphan_rows.date), plant_id=orphans.plant_id.to_numpy(), sort_at=pd.NaT,
                                        is_carried=0))
    found = [f for f in found if not f.empty]
    if found:
        f = pd.concat([x[["period", "problem", "work_center_id", "plant_id", "date", "detail", "sort_at", "is_carried"]] for x in found],
                      ignore_index=True)
        out[problems.name] = _frame(problems, {**{c: f[c] for c in ("period", "problem", "work_center_id", "plant_id", "detail", "sort_at",
                                                                      "is_carried")}, "problem_date": f.date})
    return out


def _chunks(periods: list[str]) -> list[list[str]]:
    """Runs of consecutive months, at most ``MONTHS_PER_CHUNK`` long."""
    chunks, run = [], []
    for period in periods:
        if run and (len(run) == MONTHS_PER_CHUNK or month_add(run[-1], 1) != period):
            chunks.append(run)
            run = []
        run.append(period)
    if run:
        chunks.append(run)
    return chunks


def _batches(engine: Engine, chunks: list[list[str]], limit: int = EVENTS_PER_BATCH) -> list[list[list[str]]]:
    """Consecutive chunks grouped while their events (counted in one query) stay under
    ``limit``: one batch for a small plant, a chunk at a time for a large one."""
    if len(chunks) <= 1:
        return [chunks] if chunks else []
    me = s.machine_events
    bounds = [(pd.Timestamp(month_start(c[0])).to_pydatetime(), pd.Timestamp(month_after(c[-1])).to_pydatetime()) for c in chunks]
    with engine.connect() as conn:
        counts = conn.execute(sa.select(*[sa.func.sum(sa.case((sa.and_(me.c.end_at > lo, me.c.start_at < hi), 1), else_=0))
                                          for lo, hi in bounds])).one()
    batches, batch, size = [], [], 0
    for chunk, (lo, _), n in zip(chunks, bounds, counts):
        n = int(n or 0)
        joined = batch and month_add(batch[-1][-1], 1) == chunk[0]
        if batch and (not joined or size + n > limit):
            batches.append(batch)
            batch, size = [], 0
        batch.append(chunk)
        size += n
    batches.append(batch)
    return batches


def derive(engine: Engine, periods: list[str] | None = None, events_per_batch: int = EVENTS_PER_BATCH) -> dict[str, pd.DataFrame]:
    """The OEE facts of ``periods`` (every month with events or output when None), a few
    consecutive months at a time so that memory holds about ``events_per_batch`` events; the
    rows do not depend on how the months are batched."""
    todo = _data_periods(engine) if periods is None else sorted(set(periods))
    plant_of = loaders.load_work_centers(engine).set_index("work_center_id").plant_id
    parts: dict[str, list[pd.DataFrame]] = {t.name: [] for t in TABLES}
    for batch in _batches(engine, _chunks(todo), events_per_batch):
        for name, frame in _derive_batch(engine, batch, plant_of).items():
            if not frame.empty:
                parts[name].append(frame)
    return {t.name: (pd.concat(parts[t.name], ignore_index=True) if parts[t.name] else _frame(t, {})) for t in TABLES if t not in SUMMED}


def _covered(k) -> sa.ColumnElement:
    """Minutes with any event of a shift row of ``shift_kinds`` (or of a select of its columns)."""
    return sum((k.c[f"{kind}_min"] for kind in KIND_COLUMNS), sa.literal(0.0))


def select_days(periods: list[str] | None) -> sa.Select:
    """``facts_oee_days`` of ``periods`` (all when None) from ``facts_oee_shift_kinds`` and
    ``facts_oee_shift_output``: both tables' rows stacked (a shift row adds no output, an output
    row no minutes) and summed per work center x day x plant, the plant being the work center's
    for a shift row (NULL when it has no work center row) and the order's for an output row.
    ``shift_rows`` counts the shift rows, ``event_shifts`` those with any minutes, ``output_rows``
    the output rows; ``covered_min`` = the minutes of every kind; ``n_rows`` the rows of the
    work center's day (more than one when another plant's orders ran on it)."""
    summed = _select_summed(periods, "shift_date").subquery("summed")
    return sa.select(summed, sa.func.count().over(partition_by=[summed.c.work_center_id, summed.c.shift_date]).label("n_rows"))


def select_month_shifts(periods: list[str] | None) -> sa.Select:
    """``facts_oee_month_shifts`` of ``periods``: ``select_days``' sums per work center x month
    x shift x plant."""
    return _select_summed(periods, "shift")


def _select_summed(periods: list[str] | None, grain: str) -> sa.Select:
    """The shift facts stacked and summed per period x work center x ``grain`` x plant."""
    k, o, wc = shift_kinds, shift_output, s.work_centers
    zero = sa.cast(sa.literal_column("0"), sa.Double)
    one, none = sa.cast(sa.literal_column("1"), sa.Integer), sa.cast(sa.literal_column("0"), sa.Integer)
    covered = _covered(k)
    machine = (sa.select(k.c.period, k.c.work_center_id, k.c[grain], wc.c.plant_id, *[k.c[f"{x}_min"] for x in KIND_COLUMNS],
                         covered.label("covered_min"), one.label("shift_rows"), sa.case((covered > 0, 1), else_=0).label("event_shifts"),
                         none.label("output_rows"), *[zero.label(c) for c in A.COUNT_COLUMNS])
               .select_from(k.outerjoin(wc, wc.c.work_center_id == k.c.work_center_id))
               .where(k.c.period.in_(periods) if periods is not None else sa.true()))
    made = (sa.select(o.c.period, o.c.work_center_id, o.c[grain], o.c.plant_id, *[zero for _ in KIND_COLUMNS], zero, none, none, one,
                      *[o.c[c] for c in A.COUNT_COLUMNS])
            .where(o.c.period.in_(periods) if periods is not None else sa.true()))
    stacked = sa.union_all(machine, made).subquery("stacked")
    keys = [stacked.c.period, stacked.c.work_center_id, stacked.c[grain], stacked.c.plant_id]
    sums = [f"{x}_min" for x in KIND_COLUMNS] + ["covered_min", *DAY_COUNTS, *A.COUNT_COLUMNS]
    return sa.select(*keys, *[sa.func.sum(stacked.c[c]).label(c) for c in sums]).group_by(*keys)


def selects(periods: list[str] | None) -> dict[str, list[sa.Select]]:
    """``facts_oee_days`` and ``facts_oee_month_shifts`` are derived inside the database, after
    the tables ``derive`` gives (``facts.refresh`` writes those first, in the same transaction)."""
    return {days.name: [select_days(periods)], month_shifts.name: [select_month_shifts(periods)]}


# --------------------------------------------------------------------------- read
def _wc_in_plants(column, scope: Scope) -> list:
    if not scope.plants:
        return []
    wc = s.work_centers
    return [column.in_(sa.select(wc.c.work_center_id).where(wc.c.plant_id.in_(scope.plants)))]


def _plants(column, scope: Scope) -> list:
    return [column.in_(scope.plants)] if scope.plants else []


def _dates(frame: pd.DataFrame, column: str = "shift_date") -> pd.DataFrame:
    frame = frame.rename(columns={column: "date"})
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    return frame


def load_state_reason_minutes(engine: Engine, scope: Scope, by_period: bool = False, periods=None) -> pd.DataFrame:
    """Minutes per work center x state x reason code in the scope (the rows a convention classes);
    ``by_period``: per month too (a ``period`` column first), each month's rows as a one-month
    scope reads them; ``periods``: those months of the scope only."""
    t = reason_minutes
    keys = [t.c.period] * by_period + [t.c.work_center_id, t.c.state, t.c.reason_code]
    stmt = (sa.select(*keys, sa.func.sum(t.c.duration_min).label("minutes"))
            .where(*period_conditions(t.c.period, scope), *_wc_in_plants(t.c.work_center_id, scope),
                   *([t.c.period.in_(sorted(periods))] if periods is not None else []))
            .group_by(*keys)
            .order_by(*keys))
    return read_frame(engine, stmt)


def _is(column, value):
    return column.is_(None) if value is None or (isinstance(value, float) and value != value) else column == value


def _grain(table: sa.Table, by: tuple[str, ...], per: str = "work_center") -> list:
    """The group-by columns of ``table`` for a grain: "date" and/or "shift" (or "period", the
    month) after the work center (``per`` = "work_center"), after the work center's plant
    labelled ``work_center_id`` ("plant": the rows of a day summed over the plant's work
    centers, for classes that are the same on all of them) or alone ("all")."""
    names = {"date": "shift_date", "shift": "shift", "period": "period"}
    head = {"work_center": [table.c.work_center_id], "all": [],
            "plant": [s.work_centers.c.plant_id.label("work_center_id")]}[per]
    return [*head, *[table.c[names[b]] for b in by]]


def _select_from(table: sa.Table, per: str):
    """``table``, joined to its work center's row when the grain is the plant."""
    wc = s.work_centers
    return table.join(wc, wc.c.work_center_id == table.c.work_center_id) if per == "plant" else table


def _centers_in(column, work_centers) -> list:
    """Rows of ``work_centers`` only (all when None)."""
    return [] if work_centers is None else [column.in_(sorted(set(work_centers)))]


def _outside(table: sa.Table, window) -> sa.ColumnElement:
    """1 for a row dated outside [start, end) of ``window``, else 0 (0 for every row without one)."""
    if window is None:
        return sa.literal(0)
    start, end = (pd.Timestamp(x).date() for x in window)
    return sa.case((sa.or_(table.c.shift_date < start, table.c.shift_date >= end), 1), else_=0)


def _scoped(table: sa.Table, scope: Scope, work_centers=None, apart=None) -> tuple:
    """(rows, conditions) of ``table`` in the scope (of ``work_centers`` only when given): the
    table and the conditions to put on it, or with ``apart`` a subquery of those rows whose
    ``work_center_id`` is kept for the ``apart`` work centers and NULL for the others (summed
    into one row per grain: a group-by on a CASE with bound values is refused by PostgreSQL)."""
    conds = [*period_conditions(table.c.period, scope), *_wc_in_plants(table.c.work_center_id, scope),
             *_centers_in(table.c.work_center_id, work_centers)]
    if apart is None:
        return table, conds
    key = sa.case((table.c.work_center_id.in_(sorted(set(apart))), table.c.work_center_id), else_=sa.null())
    rows = sa.select(*[c for c in table.c if c.name != "work_center_id"], key.label("work_center_id")).where(*conds)
    return rows.subquery(f"{table.name}_apart"), []


def load_shift_minutes(engine: Engine, scope: Scope, columns: pd.DataFrame, by: tuple[str, ...] = ("date", "shift"),
                       window=None, work_centers=None, per: str = "work_center",
                       counts: tuple[str, ...] = A.GRAIN_COUNTS, apart=None) -> pd.DataFrame:
    """Minutes of each ``column`` of ``columns`` (``analytics.oee.compute_minute_columns``:
    column, state, reason_code, kind, whole_kind) per work center x ``by`` in the scope: one row
    per work center x date x shift by default, summed to work center x date or work center x
    shift in SQL for the views that draw no finer grain. A column that holds a whole kind is
    read from the kind table; the others (a site's classes that split a kind by reason code) are
    summed from the reason codes.

    A coarser grain also counts, per row, the shift rows summed into it (``shift_rows``), those
    with any event minutes (``event_shifts``) and those dated outside ``window`` (``outside_rows``),
    so that calendar time and uncovered time come out as the finest grain gives them; ``counts``
    names those a caller needs (each costs the database a sum).

    ``work_centers``: those work centers only (the OEE heatmap's). ``per``: "plant" sums the
    work centers of a plant into one row labelled with the plant in ``work_center_id``, "all"
    sums every work center into one row per ``by`` (a coarser grain only; see ``_grain``).
    ``apart``: the rows of these work centers per work center, those of the others summed into
    one row per ``by`` with no work center (a coarser grain only; the heatmap's work centers and
    the rest of the day's total, in one read)."""
    k, conds = _scoped(shift_kinds, scope, work_centers, apart)
    whole = columns[columns.whole_kind].drop_duplicates("column")
    fine = tuple(by) == ("date", "shift") and per == "work_center"
    group = _grain(k, by, per)
    if fine:
        stmt = (sa.select(*group, *[k.c[f"{kind}_min"].label(name) for name, kind in zip(whole.column, whole.kind)])
                .where(*conds))
    else:
        covered = sum((k.c[f"{kind}_min"] for kind in KIND_COLUMNS), sa.literal(0.0))
        count = {"shift_rows": lambda: sa.func.count(), "event_shifts": lambda: sa.func.sum(sa.case((covered > 0, 1), else_=0)),
                 "outside_rows": lambda: sa.func.sum(_outside(k, window))}
        stmt = (sa.select(*group, *[sa.func.sum(k.c[f"{kind}_min"]).label(name) for name, kind in zip(whole.column, whole.kind)],
                          *[count[c]().label(c) for c in A.GRAIN_COUNTS if c in counts])
                .select_from(_select_from(k, per))
                .where(*conds)
                .group_by(*group))
    frame = read_frame(engine, stmt)
    if "shift_date" in frame:
        frame = _dates(frame)
    keys = [*(["work_center_id"] if per != "all" else []), *by]
    split = columns[~columns.whole_kind]
    if not split.empty:
        t, conds_t = _scoped(shift_minutes, scope, work_centers, apart)
        sums = _split_sums(split, table=t)
        group_t = _grain(t, by, per)
        stmt = (sa.select(*group_t, *sums)
                .select_from(_select_from(t, per))
                .where(*conds_t, t.c.state.in_(sorted(set(split.state))))
                .group_by(*group_t))
        more = read_frame(engine, stmt)
        if "shift_date" in more:
            more = _dates(more)
        if "shift" in by:
            more = more.astype({"shift": int})
        frame = frame.merge(more, on=keys, how="left")
    if "shift" in by:
        frame = frame.astype({"shift": int})
    return _minute_types(frame, columns)


def _split_sums(split: pd.DataFrame, prefix: str = "", table=shift_minutes) -> list:
    """The sums over ``shift_minutes`` (or ``table``, its rows) of the columns that are not a
    whole kind (``split`` rows of ``compute_minute_columns``), labelled ``prefix`` + column."""
    t, sums = table, []
    for name, group_ in split.groupby("column", sort=False):
        when = sa.or_(*[sa.and_(t.c.state == st, _is(t.c.reason_code, rc)) for st, rc in zip(group_.state, group_.reason_code)])
        sums.append(sa.func.sum(sa.case((when, t.c.duration_min), else_=0.0)).label(prefix + name))
    return sums


def _minute_types(frame: pd.DataFrame, columns: pd.DataFrame) -> pd.DataFrame:
    """Minutes as floats (0 where a column had no row), the shift counts as integers: only the
    columns that are not so already are converted (three passes over every column cost ≈ 8 ms
    for a year's month rows at L)."""
    fix = {c: frame[c].fillna(0.0).astype(float) for c in columns.column.unique() if frame[c].dtype != np.float64 or frame[c].hasnans}
    fix.update({c: frame[c].astype(np.int64) for c in ("shift_rows", "event_shifts", "outside_rows")
                if c in frame and frame[c].dtype != np.int64})
    return frame.assign(**fix) if fix else frame


def _rows(frame: pd.DataFrame, keep: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """``frame.loc[keep, columns]`` numbered from 0, without the row filter when it keeps every row."""
    return (frame[columns] if keep.all() else frame.loc[keep, columns]).reset_index(drop=True)


def load_month_shift_minutes(engine: Engine, scope: Scope, months: dict[str, tuple[pd.DataFrame, tuple]]) -> dict[str, pd.DataFrame]:
    """``load_shift_minutes(engine, <month>, columns, by=(), window=window)`` of several months at
    once: ``months`` maps a month ``YYYY-MM`` to its (columns, window); one SQL over the kind
    table (and one over the reason codes when a month has columns that are not a whole kind)
    grouped per work center x month instead of two per month. Returns month -> the frame that
    call returns (no key for a month without shift rows); the same sums over the same rows."""
    if not months:
        return {}
    k = shift_kinds
    periods = sorted(months)
    whole = {m: cols[cols.whole_kind].drop_duplicates("column") for m, (cols, _) in months.items()}
    kinds = sorted({kind for w in whole.values() for kind in w.kind})
    covered = sum((k.c[f"{kind}_min"] for kind in KIND_COLUMNS), sa.literal(0.0))
    outside = sa.case(*[(k.c.period == m, _outside(k, window)) for m, (_, window) in months.items()], else_=0)
    stmt = (sa.select(k.c.period, k.c.work_center_id, *[sa.func.sum(k.c[f"{kind}_min"]).label(f"kind_{kind}") for kind in kinds],
                      sa.func.count().label("shift_rows"), sa.func.sum(sa.case((covered > 0, 1), else_=0)).label("event_shifts"),
                      sa.func.sum(outside).label("outside_rows"))
            .where(k.c.period.in_(periods), *_wc_in_plants(k.c.work_center_id, scope))
            .group_by(k.c.period, k.c.work_center_id))
    frame = read_frame(engine, stmt)
    split = {m: cols[~cols.whole_kind] for m, (cols, _) in months.items()}
    more = None
    if any(not x.empty for x in split.values()):
        t = shift_minutes
        sums = [e for m in periods for e in _split_sums(split[m], f"{m}|")]
        states = sorted({st for x in split.values() for st in x.state})
        more = read_frame(engine, sa.select(t.c.period, t.c.work_center_id, *sums)
                          .where(t.c.period.in_(periods), *_wc_in_plants(t.c.work_center_id, scope), t.c.state.in_(states))
                          .group_by(t.c.period, t.c.work_center_id))
    out = {}
    for m in periods:
        rows = frame[frame.period == m]
        if rows.empty:
            continue
        cols = months[m][0]
        named = rows[["work_center_id"]].assign(**{name: rows[f"kind_{kind}"] for name, kind in zip(whole[m].column, whole[m].kind)})
        named = pd.concat([named, rows[["shift_rows", "event_shifts", "outside_rows"]]], axis=1).reset_index(drop=True)
        if not split[m].empty:
            mine = [c for c in more.columns if c.startswith(f"{m}|")]
            extra = more.loc[more.period == m, ["work_center_id", *mine]].rename(columns={c: c[len(m) + 1:] for c in mine})
            named = named.merge(extra, on=["work_center_id"], how="left")
        out[m] = _minute_types(named, cols)
    return out


def load_day_findings(engine: Engine, scope: Scope, slack_min: float = A.PERFORMANCE_SLACK_MIN,
                      gap_min: float = A.UNCOVERED_GAP_MIN) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The work center x days that ``analytics.oee.compute_day_problems`` reports, found in SQL
    so that only they are read (the checks ``compute_shift_problems`` makes on every day row):

    - days whose output's ideal minutes exceed running + reduced speed by more than
      ``slack_min``: work_center_id, date, running_min, reduced_speed_min, net_run_min (a day
      with output and no machine minutes has 0 of them);
    - days whose shifts with events hold more than ``gap_min`` minutes without any:
      work_center_id, date, event_shifts, covered_min.

    Each frame may hold the other's days too (one query finds both): the analytics filter again.

    Read from ``facts_oee_days`` (a row per work center x day x plant; the plant filter keeps
    the minutes of the plants' work centers and the output of the plants' orders, as
    ``load_shift_minutes`` and ``load_shift_output`` read them): a filter over a year's 306 k
    day rows at L instead of stacking the two shift tables' 1.8 M rows into groups. Sums are
    those of ``by=("date",)`` added in another order: equal to float precision."""
    t = days
    names = ("running_min", "reduced_speed_min", "net_run_min", "event_shifts", "covered_min")

    def found_in(v):  # both findings over sums (or a day's only row) ``v``
        over = v["net_run_min"] > v["running_min"] + v["reduced_speed_min"] + slack_min
        return sa.or_(over, sa.and_(v["event_shifts"] > 0, v["event_shifts"] * (A.SHIFT_SECONDS / 60.0) - v["covered_min"] > gap_min))

    # a work center's day with one row is checked on that row (the sum of one row is the row): only
    # the days that also ran other plants' orders are grouped
    sums = {c: sa.func.sum(t.c[c]) for c in names}
    single = sa.select(t.c.work_center_id, t.c.shift_date, *[t.c[c] for c in names]).where(
        *_day_conditions(scope), t.c.n_rows == 1, found_in({c: t.c[c] for c in names}))
    several = (sa.select(t.c.work_center_id, t.c.shift_date, *[v.label(c) for c, v in sums.items()])
               .where(*_day_conditions(scope), t.c.n_rows > 1)
               .group_by(t.c.work_center_id, t.c.shift_date)
               .having(found_in(sums)))
    found = read_frame(engine, sa.union_all(single, several))
    found = _dates(found).astype({"running_min": float, "reduced_speed_min": float, "net_run_min": float, "event_shifts": np.int64,
                                  "covered_min": float})
    return (found[["work_center_id", "date", "running_min", "reduced_speed_min", "net_run_min"]].reset_index(drop=True),
            found[["work_center_id", "date", "event_shifts", "covered_min"]].reset_index(drop=True))


def _sum(column) -> sa.ColumnElement:
    """SUM of ``column``, of an integer column as a BIGINT (DuckDB sums integers into a HUGEINT,
    which reaches pandas as a 128-bit decimal converted to floats row by row)."""
    return sa.cast(sa.func.sum(column), sa.BigInteger) if isinstance(column.type, sa.Integer) else sa.func.sum(column)


def _day_conditions(scope: Scope) -> list:
    """``facts_oee_days`` rows in the scope: its months, and with plants the rows of those plants
    (a row's plant is its work center's for the minutes, its orders' for the output)."""
    return [*period_conditions(days.c.period, scope), *_plants(days.c.plant_id, scope)]


def load_month_shift_sums(engine: Engine, scope: Scope, columns: pd.DataFrame, window) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(load_shift_minutes(…, by=("period", "shift"), window=window, counts=("outside_rows",)),
    load_shift_output(…, by=("period", "shift")))`` from ``facts_oee_month_shifts`` (a row per
    work center x month x shift x plant): one read of some 30 k rows a year at L instead of two
    passes over the shift tables' 1.8 M. The shift rows dated outside ``window`` are counted on
    the shift kinds, in a read of their own when the window is not the scope's months (it ends
    at the as-of date): a few thousand rows. Whole kinds only, as ``load_day_sums``."""
    if not columns.whole_kind.all():
        raise ValueError("load_month_shift_sums reads whole kinds only: columns split by reason code need load_shift_minutes")
    t = month_shifts
    whole = columns.drop_duplicates("column")
    keys = [t.c.work_center_id, t.c.period, t.c.shift]
    stmt = (sa.select(*keys, *[sa.func.sum(t.c[f"{kind}_min"]).label(name) for name, kind in zip(whole.column, whole.kind)],
                      *[_sum(t.c[c]).label(c) for c in ("shift_rows", "output_rows", *A.COUNT_COLUMNS)])
            .where(*period_conditions(t.c.period, scope), *_plants(t.c.plant_id, scope))
            .group_by(*keys)
            .order_by(*keys))  # the calendar grid's order: the calendar facts need no sort (``A.compute_calendar_facts``)
    frame = read_frame(engine, stmt).astype({"shift": int})
    start, end = (pd.Timestamp(x).date() for x in window)
    late = None
    months = (pd.Timestamp(month_start(scope.period_from)).date(), pd.Timestamp(month_after(scope.period_to)).date()) \
        if scope.period_from and scope.period_to else None
    if (start, end) != months:  # the window is not the scope's months: count the rows outside it
        k = shift_kinds
        late = read_frame(engine, sa.select(k.c.work_center_id, k.c.period, k.c.shift, sa.func.count().label("outside_rows"))
                          .where(*period_conditions(k.c.period, scope), *_wc_in_plants(k.c.work_center_id, scope),
                                 sa.or_(k.c.shift_date < start, k.c.shift_date >= end))
                          .group_by(k.c.work_center_id, k.c.period, k.c.shift))
    shifts, made = frame.shift_rows.to_numpy(dtype=float) > 0, frame.output_rows.to_numpy(dtype=float) > 0
    wide = _rows(frame, shifts, ["work_center_id", "period", "shift", *whole.column])
    if late is not None and len(late):
        wide = wide.merge(late.astype({"shift": int}), on=["work_center_id", "period", "shift"], how="left")
    wide["outside_rows"] = wide["outside_rows"].fillna(0) if "outside_rows" in wide else 0
    output = _rows(frame, made, ["work_center_id", "period", "shift", *A.COUNT_COLUMNS])
    return _minute_types(wide, columns), output.astype({c: float for c in A.COUNT_COLUMNS})


def load_day_sums(engine: Engine, scope: Scope, columns: pd.DataFrame, apart,
                  counts: tuple[str, ...] = A.COUNT_COLUMNS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(load_shift_minutes(…, by=("date",), counts=("shift_rows",), apart=apart),
    load_shift_output(…, by=("date",), apart=apart))`` in one read of ``facts_oee_days``
    (0.14 -> 0.03 CPU s for a year at L): the same rows, sums added in another order (equal to
    float precision). Every column of ``columns`` must be a whole kind (``whole_kind``): the
    day rows have no reason codes. ``counts``: the output columns to read (the OEE page's
    trend and heatmap draw ``A.TREND_COUNTS`` of them: 48 -> 33 ms in DuckDB for a year at L)."""
    if not columns.whole_kind.all():
        raise ValueError("load_day_sums reads whole kinds only: columns split by reason code need load_shift_minutes")
    t = days
    key = sa.case((t.c.work_center_id.in_(sorted(set(apart))), t.c.work_center_id), else_=sa.null())
    rows = (sa.select(*[c for c in t.c if c.name != "work_center_id"], key.label("work_center_id"))
            .where(*_day_conditions(scope)).subquery("days_apart"))  # a subquery: PostgreSQL groups by no CASE with bound values
    whole = columns.drop_duplicates("column")
    stmt = (sa.select(rows.c.work_center_id, rows.c.shift_date,
                      *[sa.func.sum(rows.c[f"{kind}_min"]).label(name) for name, kind in zip(whole.column, whole.kind)],
                      *[_sum(rows.c[c]).label(c) for c in ("shift_rows", "output_rows", *counts)])
            .group_by(rows.c.work_center_id, rows.c.shift_date))
    frame = _dates(read_frame(engine, stmt))
    shifts, made = frame.shift_rows.to_numpy(dtype=float) > 0, frame.output_rows.to_numpy(dtype=float) > 0
    wide = _minute_types(_rows(frame, shifts, ["work_center_id", "date", *whole.column, "shift_rows"]), columns)
    output = _rows(frame, made, ["work_center_id", "date", *counts])
    return wide, output.astype({c: float for c in counts})


def load_shift_span(engine: Engine, scope: Scope) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last date with shift minutes in the scope (None when there are none)."""
    t = days  # the days with shift rows: a sixth of the shift kinds' rows
    stmt = (sa.select(sa.func.min(t.c.shift_date), sa.func.max(t.c.shift_date))
            .where(*_day_conditions(scope), t.c.shift_rows > 0))
    with engine.connect() as conn:
        first, last = conn.execute(stmt).one()
    return None if first is None else (pd.Timestamp(first), pd.Timestamp(last))


def load_shift_output(engine: Engine, scope: Scope, by: tuple[str, ...] = ("date", "shift"), work_centers=None,
                      per: str = "work_center", apart=None) -> pd.DataFrame:
    """Allocated output per work center x ``by`` (date x shift by default) of the scope's orders
    (their plant); of ``work_centers`` only when given; ``per`` = "all": summed over every work
    center, one row per ``by``; ``apart``: as ``load_shift_minutes``' (the others in a row with
    no work center)."""
    t = shift_output
    conds = [*period_conditions(t.c.period, scope), *_plants(t.c.plant_id, scope), *_centers_in(t.c.work_center_id, work_centers)]
    if apart is not None:
        key = sa.case((t.c.work_center_id.in_(sorted(set(apart))), t.c.work_center_id), else_=sa.null())
        t = sa.select(*[c for c in t.c if c.name != "work_center_id"], key.label("work_center_id")).where(*conds).subquery("output_apart")
        conds = []
    group = _grain(t, by, per)
    stmt = (sa.select(*group, *[sa.func.sum(t.c[c]).label(c) for c in A.COUNT_COLUMNS])
            .where(*conds)
            .group_by(*group))
    frame = read_frame(engine, stmt)
    if "shift_date" in frame:
        frame = _dates(frame)
    return frame.astype({**({"shift": int} if "shift" in by else {}), **{c: float for c in A.COUNT_COLUMNS}})


def load_product_order_minutes(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Minutes per product x work center x state x reason code in the scope, of the orders that
    have output in the scope (the orders' plant), as the improvement value counts them."""
    t = product_minutes
    conds = [*period_conditions(t.c.period, scope), *_plants(t.c.plant_id, scope), *_wc_in_plants(t.c.work_center_id, scope)]
    if scope.period_to:
        conds.append(t.c.output_from <= scope.period_to)
    if scope.period_from:
        conds.append(t.c.output_to >= scope.period_from)
    stmt = (sa.select(t.c.product_id, t.c.work_center_id, t.c.state, t.c.reason_code, sa.func.sum(t.c.duration_min).label("minutes"))
            .where(*conds)
            .group_by(t.c.product_id, t.c.work_center_id, t.c.state, t.c.reason_code))
    return read_frame(engine, stmt)


def load_product_output(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Good units and their ideal minutes per product x work center in the scope, with the family."""
    o, p = product_output, s.products
    stmt = (sa.select(o.c.product_id, o.c.work_center_id, p.c.family, sa.func.sum(o.c.good_qty).label("good_qty"),
                      sa.func.sum(o.c.ideal_good_min).label("ideal_good_min"))
            .join(p, p.c.product_id == o.c.product_id)
            .where(*period_conditions(o.c.period, scope), *_plants(o.c.plant_id, scope))
            .group_by(o.c.product_id, o.c.work_center_id, p.c.family))
    return read_frame(engine, stmt)


def _for_orders(engine: Engine, make, work_order_ids) -> pd.DataFrame:
    """``make(ids)``'s rows for ``work_order_ids`` (``engine.read_keyed``: a few thousand per IN list), or all with None."""
    if work_order_ids is None:
        return read_frame(engine, make(None))
    return read_keyed(engine, make, work_order_ids)


def load_order_state_minutes(engine: Engine, scope: Scope, work_order_ids=None) -> pd.DataFrame:
    """Minutes per work order x work center in the scope (of ``work_order_ids`` only, when
    given), one column per machine state (``running`` …)."""
    m = order_minutes

    def make(ids):
        conds = [*period_conditions(m.c.period, scope), *_wc_in_plants(m.c.work_center_id, scope)]
        if ids is not None:
            conds.append(m.c.work_order_id.in_(ids))
        return (sa.select(m.c.work_order_id, m.c.work_center_id, *[sa.func.sum(m.c[f"{st}_min"]).label(st) for st in A.ALL_STATES])
                .where(*conds).group_by(m.c.work_order_id, m.c.work_center_id))

    return _for_orders(engine, make, work_order_ids).astype({st: float for st in A.ALL_STATES})


def load_order_output(engine: Engine, scope: Scope, work_order_ids=None) -> pd.DataFrame:
    """Output per work order in the scope (of ``work_order_ids`` only, when given): product,
    good and scrap qty, net run minutes, scrap at standard cost."""
    o = order_output

    def make(ids):
        conds = [*period_conditions(o.c.period, scope), *_plants(o.c.plant_id, scope)]
        if ids is not None:
            conds.append(o.c.work_order_id.in_(ids))
        return (sa.select(o.c.work_order_id, sa.func.min(o.c.product_id).label("product_id"),
                          *[sa.func.sum(o.c[c]).label(c) for c in ("good_qty", "scrap_qty", "net_run_min", "scrap_cost_amount")])
                .where(*conds).group_by(o.c.work_order_id))

    return _for_orders(engine, make, work_order_ids)


def load_work_center_output(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Output sums per work center in the scope (``analytics.oee.compute_output_sums``' columns
    good_qty, total_qty, net_run_min, ideal_good_min, margin_amount)."""
    o = product_output
    stmt = (sa.select(o.c.work_center_id, *[sa.func.sum(o.c[c]).label(c) for c in PRODUCT_SUMS])
            .where(*period_conditions(o.c.period, scope), *_plants(o.c.plant_id, scope))
            .group_by(o.c.work_center_id))
    return read_frame(engine, stmt)


def load_problems(engine: Engine, scope: Scope) -> pd.DataFrame:
    """The findings stored for the scope: problem, work_center_id, date, detail, sort_at (the
    event's start). An overlapping event that began before the scope comes from the scope's
    first month (``is_carried``), as the event path sees it."""
    t = problems
    own = sa.and_(t.c.is_carried == 0, *period_conditions(t.c.period, scope))
    when = sa.or_(own, sa.and_(t.c.is_carried == 1, t.c.period == scope.period_from)) if scope.period_from else own
    stmt = (sa.select(t.c.problem, t.c.work_center_id, t.c.problem_date, t.c.detail, t.c.sort_at)
            .where(when, *_plants(t.c.plant_id, scope)))
    frame = _dates(read_frame(engine, stmt), "problem_date")
    frame["sort_at"] = pd.to_datetime(frame.sort_at)
    return frame
