"""OEE facts per work center x month: the shift facts (``data_loaders/facts_oee.py``) summed per
month in the database when the data changes, so that the OEE total of a month (the cockpit's
month, its prior month and a year earlier, the OEE drop warning's months) or of a span of months
(the cockpit's year to date, its twelve-month spans) reads ≈ 840 rows per month at the L scale
(one per work center) instead of summing its ~75 k shift rows on every view
(docs/DATA_MODEL.md, "Fact tables: OEE", per month).

* ``facts_oee_month_kinds``: one row per ``period`` x ``work_center_id`` with Σ of every
  minute column of ``facts_oee_shift_kinds`` (run states and stop kinds, settings-independent),
  the shift rows summed (``shift_rows``), those with any minutes (``event_shifts``) and the
  first and last ``shift_date`` of the rows.
* ``facts_oee_month_output``: one row per ``period`` x ``work_center_id`` x ``plant_id`` (the
  order's plant) with Σ of every count column of ``facts_oee_shift_output`` and the rows summed
  (``n_rows``).

Identities (tests/test_oee_month_facts.py, on every database): each row is the sum of its shift
rows; a one-month scope read from these tables gives the frames ``load_shift_minutes(…, by=())``
and ``load_shift_output(…, by=())`` give for that month, and ``oee_totals`` the same totals.

A bounded scope reads them, one month or several: a span of several months reads its months'
rows summed per work center, the same shift rows added in another order, so its float sums
equal the shift rows' to float precision (DuckDB's own parallel sums of the shift rows differ
in the last bits from run to run at L); the counts are exact and money comes out to the cent
(tests/test_oee_month_facts.py). The event facts' carried rows (``is_carried``) live in the
problem findings only, which these tables do not hold. Loss classes that split a stop kind by
reason code (a site's custom classes) read those columns from ``facts_oee_reason_minutes``. The
readers fall back to the shift rows for an open scope, for a span whose calendar window cuts its
rows (rows on or after the as-of date, ``outside_rows``), and for a work center whose span has output of several plants'
orders (a sum of per-plant sums is not the sum of the rows). Derived by the database in one
grouped ``INSERT … SELECT`` per table, from the shift facts written just before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Column, Date, Double, Index, Integer, String
from sqlalchemy.engine import Engine

from analytics import oee as A
from data_loaders import facts_oee as F
from data_loaders.engine import read_frame
from data_loaders.facts import METADATA
from data_loaders.scope import Scope

def _month_table(name: str, grain: str, index_on: str, *columns: Column) -> sa.Table:
    """A month fact table: ``period`` and ``work_center_id`` first, then ``columns``, indexed on
    the period and ``index_on``."""
    table = sa.Table(name, METADATA, Column("period", String(7), nullable=False), Column("work_center_id", String(32), nullable=False),
                     *columns, info={"grain": grain})
    Index(f"ix_{name}_period", table.c.period, table.c[index_on])
    return table


month_kinds = _month_table(
    "facts_oee_month_kinds", "one row per month x work center (facts_oee_shift_kinds summed)", "work_center_id",
    *[Column(f"{k}_min", Double, nullable=False) for k in F.KIND_COLUMNS],
    Column("shift_rows", Integer, nullable=False), Column("event_shifts", Integer, nullable=False),
    Column("first_date", Date, nullable=False), Column("last_date", Date, nullable=False))
month_output = _month_table(
    "facts_oee_month_output", "one row per month x work center x the order's plant (facts_oee_shift_output summed)", "plant_id",
    Column("plant_id", String(32)), *[Column(c, Double, nullable=False) for c in A.COUNT_COLUMNS], Column("n_rows", Integer, nullable=False))
# per month x work center x state x reason code: facts_oee_reason_minutes (facts_oee) already holds it

TABLES = (month_kinds, month_output)


def _periods(column, periods: list[str] | None) -> list:
    return [column.in_(periods)] if periods is not None else []


def select_month_kinds(periods: list[str] | None) -> sa.Select:
    """``facts_oee_shift_kinds`` of ``periods`` (all when None) summed per month x work center."""
    k = F.shift_kinds
    covered = F._covered(k)
    return (sa.select(k.c.period, k.c.work_center_id, *[sa.func.sum(k.c[f"{kind}_min"]).label(f"{kind}_min") for kind in F.KIND_COLUMNS],
                      sa.func.count().label("shift_rows"), sa.func.sum(sa.case((covered > 0, 1), else_=0)).label("event_shifts"),
                      sa.func.min(k.c.shift_date).label("first_date"), sa.func.max(k.c.shift_date).label("last_date"))
            .where(*_periods(k.c.period, periods))
            .group_by(k.c.period, k.c.work_center_id))


def select_month_output(periods: list[str] | None) -> sa.Select:
    """``facts_oee_shift_output`` of ``periods`` (all when None) summed per month x work center x plant."""
    o = F.shift_output
    return (sa.select(o.c.period, o.c.work_center_id, o.c.plant_id, *[sa.func.sum(o.c[c]).label(c) for c in A.COUNT_COLUMNS],
                      sa.func.count().label("n_rows"))
            .where(*_periods(o.c.period, periods))
            .group_by(o.c.period, o.c.work_center_id, o.c.plant_id))


def selects(periods: list[str] | None) -> dict[str, list[sa.Select]]:
    """Derived inside the database (``facts.refresh``), after the shift facts they sum."""
    return {month_kinds.name: [select_month_kinds(periods)], month_output.name: [select_month_output(periods)]}


def derive(engine: Engine, periods: list[str] | None) -> dict[str, pd.DataFrame]:
    """No frames: both tables are derived inside the database (``selects``)."""
    return {}


# --------------------------------------------------------------------------- readers
def month_of(scope: Scope) -> str | None:
    """The scope's month when it is one bounded month, else None."""
    return scope.period_from if scope.period_from and scope.period_from == scope.period_to else None


def is_bounded(scope: Scope) -> bool:
    """Whether the scope has a first and a last month (the spans these tables can give)."""
    return bool(scope.period_from and scope.period_to)


def _span(period, scope: Scope) -> list:
    """The month rows of a bounded scope: its months, first to last."""
    return [period >= scope.period_from, period <= scope.period_to]


def _kind_sums(scope: Scope, by_period: bool = False) -> sa.Select:
    """Every kind column, the shift counts and the first and last date of the month rows of a
    bounded scope summed per work center (per month x work center with ``by_period``: each
    month's row as it is)."""
    t = month_kinds
    keys = [t.c.period] * by_period + [t.c.work_center_id]
    return (sa.select(*keys, *[sa.func.sum(t.c[f"{kind}_min"]).label(f"{kind}_min") for kind in F.KIND_COLUMNS],
                      sa.func.sum(t.c.shift_rows).label("shift_rows"), sa.func.sum(t.c.event_shifts).label("event_shifts"),
                      sa.func.min(t.c.first_date).label("first_date"), sa.func.max(t.c.last_date).label("last_date"))
            .where(*_span(t.c.period, scope), *F._wc_in_plants(t.c.work_center_id, scope))
            .group_by(*keys))


def load_month_minutes(engine: Engine, scope: Scope, columns: pd.DataFrame, window, sums: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """``facts_oee.load_shift_minutes(engine, scope, columns, by=(), window=window)`` of a bounded
    scope (one month or several) from the month rows, summed per work center: one row per work
    center with the minutes of each ``column`` and the three shift counts. A column that holds a
    whole stop kind is read from the kinds; the others (a stop kind split by reason code) are the
    sums of their reason codes' month rows. One month: its row itself (a sum of one value);
    several: the months' sums added, the same rows in another order (float precision). None when
    the month rows cannot give it: an open scope, or a row dated outside ``window`` (then
    ``outside_rows`` needs the shift rows). ``sums``: the scope's rows of ``load_months_kinds``
    when already read (a month of several read at once)."""
    if not is_bounded(scope) or window is None:
        return None
    frame = read_frame(engine, _kind_sums(scope)) if sums is None else sums
    start, end = (pd.Timestamp(x) for x in window)
    if len(frame) and (pd.to_datetime(frame.first_date).min() < start or pd.to_datetime(frame.last_date).max() >= end):
        return None
    whole = columns[columns.whole_kind].drop_duplicates("column")
    frame = pd.DataFrame({"work_center_id": frame.work_center_id.to_numpy(),
                          **{name: frame[f"{kind}_min"].to_numpy() for name, kind in zip(whole.column, whole.kind)},
                          "shift_rows": frame.shift_rows.to_numpy(np.int64), "event_shifts": frame.event_shifts.to_numpy(np.int64),
                          "outside_rows": np.zeros(len(frame), dtype=np.int64)})
    split = columns[~columns.whole_kind]
    if not split.empty:
        frame = frame.merge(_split_columns(engine, scope, split), on="work_center_id", how="left")
    return F._minute_types(frame, columns)


def load_months_kinds(engine: Engine, scope: Scope, months: list[str]) -> dict[str, pd.DataFrame]:
    """The month rows of each of ``months`` (scope's plants) in one read: month -> its rows as
    ``load_month_minutes`` reads them for that month alone (``sums``); no key for a month
    without rows."""
    first, last = min(months), max(months)
    rows = read_frame(engine, _kind_sums(scope.with_periods(first, last), by_period=True).where(month_kinds.c.period.in_(sorted(months))))
    return {m: part.drop(columns="period").reset_index(drop=True) for m, part in rows.groupby("period", sort=True)}


def load_months_output(engine: Engine, scope: Scope, months: list[str]) -> dict[str, pd.DataFrame | None]:
    """``load_month_output`` of each of ``months`` (scope's plants) in one read: month -> the
    frame (None for a month with a work center of several plants' output); no key for a month
    without rows."""
    t = month_output
    rows = read_frame(engine, sa.select(t.c.period, t.c.work_center_id, *[t.c[c] for c in A.COUNT_COLUMNS])
                      .where(t.c.period.in_(sorted(months)), *F._plants(t.c.plant_id, scope)))
    return {m: _output_frame(part.drop(columns="period").reset_index(drop=True)) for m, part in rows.groupby("period", sort=True)}


def _stacked(table: sa.Table, spans: list[tuple[str, str]], months: sa.Select, summed) -> sa.Select | sa.CompoundSelect:
    """One statement for every span (first, last month), each row with the span's position in
    ``spans`` (``span_no``): the month rows of the one-month spans as they are stored (the sum
    of one row is that row: ``months``, a select of ``table``'s rows to which the periods'
    filter is added), and each longer span's rows summed as it would be alone (``summed(first,
    last)``, a select with that span's own grouping over the same rows), stacked."""
    alone = {first: i for i, (first, last) in enumerate(spans) if first == last}
    parts = [summed(first, last).add_columns(sa.cast(sa.literal(i), sa.Integer).label("span_no"))
             for i, (first, last) in enumerate(spans) if first != last]
    if alone:
        number = sa.case({m: sa.literal(i) for m, i in alone.items()}, value=table.c.period)
        parts.insert(0, months.add_columns(sa.cast(number, sa.Integer).label("span_no")).where(table.c.period.in_(sorted(alone))))
    return parts[0] if len(parts) == 1 else sa.union_all(*parts)


def load_spans_kinds(engine: Engine, scope: Scope, spans: list[tuple[str, str]]) -> pd.DataFrame:
    """What ``load_month_minutes`` reads of each span (first, last month; ``scope``'s plants) in
    one read: one row per span x work center, ``span_no`` the span's position in ``spans``,
    with every kind column, the shift counts and the first and last date; a month's rows as
    stored, a longer span's the statement it runs alone (the same sums)."""
    t = month_kinds
    months = sa.select(t.c.work_center_id, *[t.c[f"{kind}_min"] for kind in F.KIND_COLUMNS], t.c.shift_rows, t.c.event_shifts,
                       t.c.first_date, t.c.last_date).where(*F._wc_in_plants(t.c.work_center_id, scope))
    return read_frame(engine, _stacked(t, spans, months, lambda first, last: _kind_sums(Scope(first, last, scope.plants))))


def load_spans_output(engine: Engine, scope: Scope, spans: list[tuple[str, str]]) -> pd.DataFrame:
    """``load_month_output``'s rows of each span (first, last month; ``scope``'s plants) in one
    read: one row per span x work center x the order's plant, ``span_no`` the span's position in
    ``spans``, the count columns as floats (a span whose work center has several rows is one
    ``load_month_output`` gives None for); a month's rows as stored, a longer span's summed as
    alone."""
    t = month_output
    months = sa.select(t.c.work_center_id, *[t.c[c] for c in A.COUNT_COLUMNS]).where(*F._plants(t.c.plant_id, scope))

    def summed(first, last):
        return (sa.select(t.c.work_center_id, *[sa.func.sum(t.c[c]).label(c) for c in A.COUNT_COLUMNS])
                .where(*_span(t.c.period, Scope(first, last)), *F._plants(t.c.plant_id, scope))
                .group_by(t.c.work_center_id, t.c.plant_id))

    return read_frame(engine, _stacked(t, spans, months, summed)).astype({c: float for c in A.COUNT_COLUMNS})


def _split_columns(engine: Engine, scope: Scope, split: pd.DataFrame) -> pd.DataFrame:
    """The minutes of each column of ``split`` (columns that are not a whole kind) per work center
    over the scope's months: the sums of its state x reason codes' month rows
    (``facts_oee_reason_minutes``, with ``facts_oee._split_sums``)."""
    r = F.reason_minutes
    return read_frame(engine, sa.select(r.c.work_center_id, *F._split_sums(split, table=r))
                      .where(*_span(r.c.period, scope), *F._wc_in_plants(r.c.work_center_id, scope), r.c.state.in_(sorted(set(split.state))))
                      .group_by(r.c.work_center_id))


def load_month_output(engine: Engine, scope: Scope) -> pd.DataFrame | None:
    """``facts_oee.load_shift_output(engine, scope, by=())`` of a bounded scope from the month
    rows, summed per work center (one month: its rows themselves): one row per work center with
    the count columns. None for an open scope, or when a work center has rows of several plants'
    orders in the scope (their sums would be added in another order)."""
    if not is_bounded(scope):
        return None
    t = month_output
    return _output_frame(read_frame(engine, sa.select(t.c.work_center_id, *[sa.func.sum(t.c[c]).label(c) for c in A.COUNT_COLUMNS])
                                    .where(*_span(t.c.period, scope), *F._plants(t.c.plant_id, scope))
                                    .group_by(t.c.work_center_id, t.c.plant_id)))


def _output_frame(frame: pd.DataFrame) -> pd.DataFrame | None:
    """The output rows per work center x plant as ``load_shift_output(by=())`` gives them: None
    when a work center has several plants' rows (their sums would be added in another order)."""
    if frame.work_center_id.duplicated().any():
        return None
    return frame.astype({c: float for c in A.COUNT_COLUMNS})
