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
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics import oee as A
from data_loaders import oee as loaders
from data_loaders import schema as s
from data_loaders.engine import read_frame
from data_loaders.facts import METADATA
from data_loaders.queries import month_after, month_start, period_conditions
from data_loaders.scope import Scope, month_add, months_between


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
TABLES = (shift_minutes, shift_kinds, reason_minutes, shift_output, order_minutes, order_output, product_minutes, product_output,
          problems)


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


MONTHS_PER_CHUNK = 3  # months derived together: fewer queries, memory for about 3 months of events


def _frame(table: sa.Table, data: dict) -> pd.DataFrame:
    return pd.DataFrame(data, columns=[c.name for c in table.columns])


def _periods_of(dates) -> np.ndarray:
    """``YYYY-MM`` of each date, computed once per distinct month."""
    months = pd.to_datetime(pd.Series(dates)).to_numpy(dtype="datetime64[M]")
    if len(months) == 0:
        return np.array([], dtype=object)
    uniq, inverse = np.unique(months, return_inverse=True)
    return np.array([str(u)[:7] for u in uniq], dtype=object)[inverse]


def _load_output_months(engine: Engine, start, end) -> pd.DataFrame:
    """The output days, over all time, of the orders with events in [start, end), with each
    order's product and plant (output records the event path can see: order and product known)."""
    me, oc, wo, p = s.machine_events, s.output_counts, s.work_orders, s.products
    start, end = pd.Timestamp(start).to_pydatetime(), pd.Timestamp(end).to_pydatetime()  # plain datetimes for every driver
    orders = sa.select(me.c.work_order_id).where(me.c.end_at > start, me.c.start_at < end, me.c.work_order_id.is_not(None))
    stmt = (sa.select(oc.c.work_order_id, wo.c.product_id, wo.c.plant_id, oc.c.count_date)
            .join(wo, wo.c.work_order_id == oc.c.work_order_id)
            .join(p, p.c.product_id == wo.c.product_id)
            .where(oc.c.work_order_id.in_(orders)))
    return read_frame(engine, stmt)


def _output_runs(days: pd.DataFrame) -> pd.DataFrame:
    """Each order's output months as runs of consecutive months, signed for inclusion–exclusion.

    A scope (a range of months) sees an order's minutes when the order has output in the scope.
    With runs [a1, b1], [a2, b2], … the runs a scope meets are consecutive, so counting each run
    it meets (+1: a ≤ scope end and b ≥ scope start) and each pair of neighbouring runs it meets
    both of (−1: a_(i+1) ≤ scope end and b_i ≥ scope start) counts the order exactly once.
    One row per order x (output_from, output_to) with ``sign`` ±1.
    """
    cols = ["work_order_id", "product_id", "plant_id", "output_from", "output_to", "sign"]
    if days.empty:
        return pd.DataFrame(columns=cols)
    when = pd.to_datetime(days.count_date)
    m = pd.DataFrame({"work_order_id": days.work_order_id, "product_id": days.product_id, "plant_id": days.plant_id,
                      "month": when.dt.year.to_numpy() * 12 + when.dt.month.to_numpy() - 1}).drop_duplicates(["work_order_id", "month"])
    m = m.sort_values(["work_order_id", "month"]).reset_index(drop=True)
    same = m.work_order_id.eq(m.work_order_id.shift())
    m["run"] = (~(same & m.month.eq(m.month.shift() + 1))).cumsum()
    runs = m.groupby("run", sort=True).agg(work_order_id=("work_order_id", "first"), product_id=("product_id", "first"),
                                           plant_id=("plant_id", "first"), first=("month", "min"), last=("month", "max"))
    runs = runs.reset_index(drop=True)
    nxt = runs.shift(-1)
    pair = runs.work_order_id.eq(nxt.work_order_id)
    pairs = runs[pair].assign(first=nxt.first[pair].astype(int), sign=-1)
    out = pd.concat([runs.assign(sign=1), pairs], ignore_index=True)

    def label(n):
        uniq, inverse = np.unique(np.asarray(n, dtype=np.int64), return_inverse=True)
        return np.array([f"{v // 12:04d}-{v % 12 + 1:02d}" for v in uniq], dtype=object)[inverse]

    return pd.DataFrame({"work_order_id": out.work_order_id, "product_id": out.product_id, "plant_id": out.plant_id,
                         "output_from": label(out["first"]), "output_to": label(out["last"]), "sign": out.sign.astype(float)}, columns=cols)


def _derive_chunk(engine: Engine, periods: list[str], plant_of: pd.Series) -> dict[str, pd.DataFrame]:
    """The rows of consecutive months, with the event path's own functions on their events."""
    scope = Scope(periods[0], periods[-1])
    start, end = pd.Timestamp(month_start(periods[0])), pd.Timestamp(month_after(periods[-1]))
    events = loaders.load_events(engine, scope)
    output = loaders.load_output(engine, scope)
    if events.empty and output.empty:
        return {}
    calendar = loaders.load_calendar(engine, scope)
    segments = A.compute_event_segments(events, start, end)
    segments["period"] = _periods_of(segments.date)
    segments["reason_code"] = segments.reason_code.astype(object)
    out: dict[str, pd.DataFrame] = {}

    m = segments.groupby(["work_center_id", "date", "shift", "state", "reason_code"], dropna=False, as_index=False, sort=False).minutes.sum()
    out[shift_minutes.name] = _frame(shift_minutes, {"period": _periods_of(m.date), "work_center_id": m.work_center_id, "shift_date": m.date,
                                                     "shift": m["shift"], "state": m.state, "reason_code": m.reason_code,
                                                     "duration_min": m.minutes})
    r = m.assign(period=_periods_of(m.date)).groupby(["period", "work_center_id", "state", "reason_code"], dropna=False, as_index=False,
                                                    sort=False).minutes.sum()
    out[reason_minutes.name] = _frame(reason_minutes, {**{c: r[c] for c in ("period", "work_center_id", "state", "reason_code")},
                                                       "duration_min": r.minutes})
    kind = A.compute_stop_kinds(m.state, m.reason_code).fillna(m.state)
    k = m.assign(kind=kind.to_numpy()).pivot_table(index=A.KEYS, columns="kind", values="minutes", aggfunc="sum", fill_value=0.0)
    k = k.reindex(columns=list(KIND_COLUMNS), fill_value=0.0).reset_index()
    out[shift_kinds.name] = _frame(shift_kinds, {"period": _periods_of(k.date), "work_center_id": k.work_center_id, "shift_date": k.date,
                                                 "shift": k["shift"], **{f"{c}_min": k[c] for c in KIND_COLUMNS}})
    counts, orphans = A.compute_output_allocation(segments, output, A.KEYS + ["plant_id"])
    out[shift_output.name] = _frame(shift_output, {"period": _periods_of(counts.date), "shift_date": counts.date,
                                                   **{c: counts[c] for c in ("work_center_id", "shift", "plant_id", *A.COUNT_COLUMNS)}})
    wo = segments[segments.work_order_id.notna()]
    long = wo.groupby(["period", "work_order_id", "work_center_id", "state", "reason_code"], dropna=False, as_index=False,
                      sort=False).minutes.sum()
    del wo
    wide = long.groupby(["period", "work_order_id", "work_center_id", "state"], as_index=False, sort=False).minutes.sum()
    wide = wide.pivot(index=["period", "work_order_id", "work_center_id"], columns="state", values="minutes")
    wide = wide.reindex(columns=list(A.ALL_STATES)).fillna(0.0).reset_index()
    out[order_minutes.name] = _frame(order_minutes, {**{c: wide[c] for c in ("period", "work_order_id", "work_center_id")},
                                                     **{f"{st}_min": wide[st] for st in A.ALL_STATES}})
    del wide
    runs = _output_runs(_load_output_months(engine, start, end))
    pm = long.merge(runs, on="work_order_id", how="inner")  # an order without output is in no scope's improvement value
    pm["minutes"] = pm.minutes * pm.sign
    pm = pm.groupby(["period", "plant_id", "product_id", "work_center_id", "state", "reason_code", "output_from", "output_to"],
                    dropna=False, as_index=False, sort=False).minutes.sum()
    out[product_minutes.name] = _frame(product_minutes, {**{c: pm[c] for c in ("period", "plant_id", "product_id", "work_center_id", "state",
                                                                                "reason_code", "output_from", "output_to")},
                                                         "duration_min": pm.minutes})
    del long, pm
    output["period"] = _periods_of(output.count_date)
    sums = A.compute_output_sums(output, ["period", "work_order_id", "work_center_id", "plant_id", "product_id"])
    out[order_output.name] = _frame(order_output, {c: sums[c] for c in sums.columns})
    p = sums.groupby(["period", "plant_id", "product_id", "work_center_id"], dropna=False, as_index=False, sort=False)[list(PRODUCT_SUMS)].sum()
    out[product_output.name] = _frame(product_output, {c: p[c] for c in p.columns})

    found = []
    ev_start = pd.to_datetime(events.start_at)
    ov = A.compute_overlapping_events(events)
    ov = ov[ov.start_at >= start]
    found.append(ov.assign(period=_periods_of(ov.start_at), is_carried=0))
    for period in periods:
        # an overlapping event that began before this month, as a scope starting here sees it:
        # among the events that cross into the month
        edge = pd.Timestamp(month_start(period))
        crossing = events[(ev_start < edge) & (pd.to_datetime(events.end_at) > edge)]
        if len(crossing) > 1:
            found.append(A.compute_overlapping_events(crossing).assign(period=period, is_carried=1))
    found = [f.assign(plant_id=f.work_center_id.map(plant_of), sort_at=f.start_at) for f in found if not f.empty]
    outside = A.compute_events_outside_calendar(segments, calendar, limit=None)
    if not outside.empty:
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


def derive(engine: Engine, periods: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """The OEE facts of ``periods`` (every month with events or output when None), a few
    consecutive months at a time so that memory holds a few months of events."""
    todo = _data_periods(engine) if periods is None else sorted(set(periods))
    plant_of = loaders.load_work_centers(engine).set_index("work_center_id").plant_id
    chunks, run = [], []
    for period in todo:
        if run and (len(run) == MONTHS_PER_CHUNK or month_add(run[-1], 1) != period):
            chunks.append(run)
            run = []
        run.append(period)
    if run:
        chunks.append(run)
    parts: dict[str, list[pd.DataFrame]] = {t.name: [] for t in TABLES}
    for chunk in chunks:
        for name, frame in _derive_chunk(engine, chunk, plant_of).items():
            if not frame.empty:
                parts[name].append(frame)
    return {t.name: (pd.concat(parts[t.name], ignore_index=True) if parts[t.name] else _frame(t, {})) for t in TABLES}


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


def load_state_reason_minutes(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Minutes per work center x state x reason code in the scope (the rows a convention classes)."""
    t = reason_minutes
    stmt = (sa.select(t.c.work_center_id, t.c.state, t.c.reason_code, sa.func.sum(t.c.duration_min).label("minutes"))
            .where(*period_conditions(t.c.period, scope), *_wc_in_plants(t.c.work_center_id, scope))
            .group_by(t.c.work_center_id, t.c.state, t.c.reason_code)
            .order_by(t.c.work_center_id, t.c.state, t.c.reason_code))
    return read_frame(engine, stmt)


def _is(column, value):
    return column.is_(None) if value is None or (isinstance(value, float) and value != value) else column == value


def load_shift_minutes(engine: Engine, scope: Scope, columns: pd.DataFrame) -> pd.DataFrame:
    """One row per work center x date x shift in the scope with the minutes of each ``column`` of
    ``columns`` (``analytics.oee.compute_minute_columns``: column, state, reason_code, kind,
    whole_kind). A column that holds a whole kind is read from the kind table; the others (a
    site's classes that split a kind by reason code) are summed from the reason codes."""
    k, t = shift_kinds, shift_minutes
    whole = columns[columns.whole_kind].drop_duplicates("column")
    stmt = (sa.select(k.c.work_center_id, k.c.shift_date, k.c.shift, *[k.c[f"{kind}_min"].label(name) for name, kind in zip(whole.column, whole.kind)])
            .where(*period_conditions(k.c.period, scope), *_wc_in_plants(k.c.work_center_id, scope)))
    frame = _dates(read_frame(engine, stmt))
    split = columns[~columns.whole_kind]
    if not split.empty:
        sums = []
        for name, group in split.groupby("column", sort=False):
            when = sa.or_(*[sa.and_(t.c.state == st, _is(t.c.reason_code, rc)) for st, rc in zip(group.state, group.reason_code)])
            sums.append(sa.func.sum(sa.case((when, t.c.duration_min), else_=0.0)).label(name))
        stmt = (sa.select(t.c.work_center_id, t.c.shift_date, t.c.shift, *sums)
                .where(*period_conditions(t.c.period, scope), *_wc_in_plants(t.c.work_center_id, scope),
                       t.c.state.in_(sorted(set(split.state))))
                .group_by(t.c.work_center_id, t.c.shift_date, t.c.shift))
        frame = frame.merge(_dates(read_frame(engine, stmt)).astype({"shift": int}), on=["work_center_id", "date", "shift"], how="left")
    return frame.astype({"shift": int}).fillna({c: 0.0 for c in columns.column.unique()}).astype({c: float for c in columns.column.unique()})


def load_shift_output(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Allocated output per work center x date x shift of the scope's orders (their plant)."""
    t = shift_output
    stmt = (sa.select(t.c.work_center_id, t.c.shift_date, t.c.shift, *[sa.func.sum(t.c[c]).label(c) for c in A.COUNT_COLUMNS])
            .where(*period_conditions(t.c.period, scope), *_plants(t.c.plant_id, scope))
            .group_by(t.c.work_center_id, t.c.shift_date, t.c.shift))
    frame = _dates(read_frame(engine, stmt))
    return frame.astype({"shift": int, **{c: float for c in A.COUNT_COLUMNS}})


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


IN_CHUNK = 2000  # work orders per IN list: well inside every database's parameter limit


def _for_orders(engine: Engine, make, work_order_ids) -> pd.DataFrame:
    if work_order_ids is None:
        return read_frame(engine, make(None))
    ids = sorted(set(work_order_ids))
    parts = [read_frame(engine, make(ids[i:i + IN_CHUNK])) for i in range(0, max(len(ids), 1), IN_CHUNK)]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


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
