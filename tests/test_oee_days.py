"""The OEE day and month facts (``facts_oee_days``, one row per work center x day x plant;
``facts_oee_month_shifts``, per work center x month x shift x plant): they tie to the shift facts
they are summed from, on every database, and the reads of the OEE page that use them
(``load_day_sums``, ``load_day_findings``, ``load_month_shift_sums``) give what the shift tables
give, for a year, one month, two plants, and the hand-built plant of ``tests/test_oee_facts.py``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analytics import oee as A
from data_loaders import engine as eng
from data_loaders import facts
from data_loaders import facts_oee as F
from data_loaders import schema
from data_loaders.queries import period_conditions
from data_loaders.scope import Scope
from tests.test_oee_facts import assert_same_frame, tiny  # noqa: F401 - the hand-built plant's fixture

KINDS = [f"{k}_min" for k in F.KIND_COLUMNS]


def _by_day(frame: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    return frame.groupby(keys, dropna=False, as_index=False)[values].sum().sort_values(keys).reset_index(drop=True)


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.assign(**{k: frame[k].astype(object).where(frame[k].notna(), "") for k in keys if frame[k].dtype != "datetime64[ns]"}) \
        .sort_values(keys).reset_index(drop=True)


def _check_ties(engine) -> None:
    for table, grain in ((F.days, "shift_date"), (F.month_shifts, "shift")):
        _check_table_ties(engine, table, grain)


def _check_table_ties(engine, table, grain: str) -> None:
    """``table`` (a summed shift table) against the shift rows summed per period x work center x ``grain``."""
    days = eng.read_frame(engine, sa.select(table))
    kinds = eng.read_frame(engine, sa.select(F.shift_kinds))
    output = eng.read_frame(engine, sa.select(F.shift_output))
    centers = eng.read_frame(engine, sa.select(schema.work_centers.c.work_center_id, schema.work_centers.c.plant_id))
    assert len(days) and len(days) == len(days.drop_duplicates(["period", "work_center_id", grain, "plant_id"]))
    # minutes and shift counts: the shift rows summed per work center x day, on the work center's plant's row
    kinds = kinds.assign(covered_min=kinds[KINDS].sum(axis=1), shift_rows=1)
    kinds["event_shifts"] = (kinds.covered_min > 0).astype(int)
    want = _by_day(kinds, ["period", "work_center_id", grain], [*KINDS, "covered_min", "shift_rows", "event_shifts"])
    machine = days[days.shift_rows > 0]
    got = _by_day(machine, ["period", "work_center_id", grain], [*KINDS, "covered_min", "shift_rows", "event_shifts"])
    assert_same_frame(want, got, "minutes per work center x day")
    plant_of = centers.set_index("work_center_id").plant_id
    assert machine.plant_id.astype(object).tolist() == machine.work_center_id.map(plant_of).astype(object).tolist()
    # output: the output rows summed per work center x day x the order's plant
    made = days[days.output_rows > 0]
    keys = ["period", "work_center_id", grain, "plant_id"]
    want = _by_day(output.assign(output_rows=1), keys, [*A.COUNT_COLUMNS, "output_rows"])
    assert_same_frame(_sorted(want, keys), _sorted(_by_day(made, keys, [*A.COUNT_COLUMNS, "output_rows"]), keys), "output per day x plant")
    if "n_rows" in days:  # the rows of each work center's day
        assert days.n_rows.tolist() == days.groupby(["work_center_id", grain]).shift_rows.transform("size").tolist()
    assert days[(days.shift_rows == 0) & (days.output_rows == 0)].empty
    assert (days[days.output_rows == 0][list(A.COUNT_COLUMNS)] == 0).all().all()
    assert (days[days.shift_rows == 0][[*KINDS, "covered_min", "event_shifts"]] == 0).all().all()


def test_sample_day_facts_tie_to_the_shift_facts(sample_engine):
    _check_ties(sample_engine)


def test_tiny_day_facts_tie_to_the_shift_facts(tiny):  # noqa: F811
    _check_ties(tiny)
    d = eng.read_frame(tiny, sa.select(F.days).where(F.days.c.work_center_id == "WC1"))
    day = d[d.shift_date == pd.Timestamp("2026-01-06")].iloc[0]
    # E1's 8 h of night shift and 1 h of day shift; E2 4 h + E4 2 h in the day shift, 2 h in the evening shift
    assert day.breakdown_min == 8 * 60 + 60 and day.running_min == 4 * 60 + 2 * 60 + 2 * 60
    assert day.shift_rows == 3 and day.event_shifts == 3


# ---------------------------------------------------------------- the reads, against the shift tables
def _findings_from_shift_tables(engine, scope: Scope):
    """``load_day_findings`` as it read the two shift tables stacked, before the day facts."""
    k, o = F.shift_kinds, F.shift_output
    covered = sum((k.c[f"{kind}_min"] for kind in F.KIND_COLUMNS), sa.literal(0.0))
    zero = sa.cast(sa.literal_column("0"), sa.Double)
    stacked = sa.union_all(
        sa.select(k.c.work_center_id, k.c.shift_date, k.c.running_min.label("running_min"), k.c.reduced_speed_min.label("reduced_speed_min"),
                  zero.label("net_run_min"), sa.case((covered > 0, 1), else_=0).label("event_shifts"), covered.label("covered_min"))
        .where(*period_conditions(k.c.period, scope), *F._wc_in_plants(k.c.work_center_id, scope)),
        sa.select(o.c.work_center_id, o.c.shift_date, zero, zero, o.c.net_run_min, sa.cast(sa.literal_column("0"), sa.Integer), zero)
        .where(*period_conditions(o.c.period, scope), *F._plants(o.c.plant_id, scope)),
    ).subquery("stacked")
    sums = {c: sa.func.sum(stacked.c[c]) for c in ("running_min", "reduced_speed_min", "net_run_min", "event_shifts", "covered_min")}
    over = sums["net_run_min"] > sums["running_min"] + sums["reduced_speed_min"] + A.PERFORMANCE_SLACK_MIN
    gap = sa.and_(sums["event_shifts"] > 0, sums["event_shifts"] * (A.SHIFT_SECONDS / 60.0) - sums["covered_min"] > A.UNCOVERED_GAP_MIN)
    found = eng.read_frame(engine, sa.select(stacked.c.work_center_id, stacked.c.shift_date, *[v.label(c) for c, v in sums.items()])
                           .group_by(stacked.c.work_center_id, stacked.c.shift_date).having(sa.or_(over, gap)))
    return F._dates(found)


def _scopes(engine) -> list[Scope]:
    with engine.connect() as conn:
        first, last = conn.execute(sa.select(sa.func.min(F.days.c.period), sa.func.max(F.days.c.period))).one()
        plants = [p for p, in conn.execute(sa.select(schema.work_centers.c.plant_id).distinct().order_by(schema.work_centers.c.plant_id))]
    return [Scope(first, last), Scope(last, last), Scope(first, last, plants=tuple(plants[:2])), Scope(first, first, plants=tuple(plants[-1:]))]


def _check_reads(engine) -> int:
    """Compares the reads for every scope of ``_scopes``; returns how many findings they had."""
    n_found = n_outside = 0
    columns = A.compute_minute_columns(A.compute_segment_classes(F.load_state_reason_minutes(engine, Scope())))
    assert columns.whole_kind.all()  # the named convention: whole kinds
    centers = sorted(eng.read_frame(engine, sa.select(schema.work_centers.c.work_center_id)).work_center_id)
    keys = ["work_center_id", "date"]
    for scope in _scopes(engine):
        for apart in (centers[:2], centers[::3], []):
            wide, made = F.load_day_sums(engine, scope, columns, apart)
            old_wide = F.load_shift_minutes(engine, scope, columns, by=("date",), counts=("shift_rows",), apart=apart)
            old_made = F.load_shift_output(engine, scope, by=("date",), apart=apart)
            assert_same_frame(_sorted(old_wide, keys), _sorted(wide, keys), f"minutes {scope} {len(apart)}")
            assert list(wide.dtypes) == list(old_wide.dtypes)
            assert_same_frame(_sorted(old_made, keys), _sorted(made, keys), f"output {scope} {len(apart)}")
            assert list(made.dtypes) == list(old_made.dtypes)
        window = (pd.Timestamp(f"{scope.period_from}-01"), pd.Timestamp(f"{scope.period_to}-01") + pd.offsets.MonthBegin(1))
        for window in (window, (window[0], window[1] - pd.Timedelta(days=9))):  # the scope's months; cut short as by an as-of date
            wide, made = F.load_month_shift_sums(engine, scope, columns, window)
            old_wide = F.load_shift_minutes(engine, scope, columns, by=("period", "shift"), window=window, counts=("outside_rows",))
            old_made = F.load_shift_output(engine, scope, by=("period", "shift"))
            month_keys = ["work_center_id", "period", "shift"]
            assert_same_frame(_sorted(old_wide, month_keys), _sorted(wide, month_keys), f"month minutes {scope} {window}")
            assert list(wide.dtypes) == list(old_wide.dtypes)
            assert_same_frame(_sorted(old_made, month_keys), _sorted(made, month_keys), f"month output {scope}")
            assert list(made.dtypes) == list(old_made.dtypes)
            n_outside += int(wide.outside_rows.sum())
        over, gaps = F.load_day_findings(engine, scope)
        old = _sorted(_findings_from_shift_tables(engine, scope), keys)
        assert_same_frame(old[over.columns], _sorted(over, keys), f"findings {scope}")
        assert_same_frame(old[gaps.columns].astype({"event_shifts": np.int64}), _sorted(gaps, keys), f"gaps {scope}")
        n_found += len(over)
    assert n_outside > 0  # the cut windows leave shift rows outside: counted, not only zeros compared
    return n_found


def test_sample_day_reads_equal_the_shift_reads(sample_engine):
    _check_reads(sample_engine)


def test_tiny_day_reads_equal_the_shift_reads(tiny):  # noqa: F811
    assert _check_reads(tiny) > 0  # the hand-built plant has problem days: the findings are compared, not two empty frames


def test_day_sums_need_whole_kinds(tiny):  # noqa: F811
    columns = pd.DataFrame({"column": ["m0"], "state": ["stopped"], "reason_code": ["X"], "kind": ["breakdown"], "whole_kind": [False]})
    with pytest.raises(ValueError, match="whole kinds"):
        F.load_day_sums(tiny, Scope(), columns, [])
    with pytest.raises(ValueError, match="whole kinds"):
        F.load_month_shift_sums(tiny, Scope("2026-01", "2026-01"), columns, (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")))


# ---------------------------------------------------------------- a day that ran another plant's order, by hand
def test_a_day_with_another_plants_order_is_summed_over_its_rows(tmp_path):
    """WC1 (plant P1) on 2026-03-02: 8 h running in shift 0 and 7 h in shift 1 (60 minutes there
    without events), output of a P1 order worth 400 ideal minutes and of a P2 order worth 560.
    Its two day rows (P1: the minutes and 400; P2: 560) pass neither check alone: 400 and 560 are
    under the 900 minutes run. Together 960 > 900 + 0.5: performance above 100 % that day. Under
    P1 alone the day holds 400 ideal minutes (no finding); the 60 minutes without events show under
    P1 (the work center's plant) and not under P2. WC2 (P2) on the same day: one row, 481 ideal
    minutes over 480 run: a finding of its own row."""
    engine = eng.make_engine(f"duckdb:///{tmp_path / 'days.duckdb'}")
    schema.metadata.create_all(engine, tables=[schema.plants, schema.cost_centers, schema.work_centers])
    F.METADATA.create_all(engine, tables=[F.shift_kinds, F.shift_output, F.days])
    day = pd.Timestamp("2026-03-02").date()
    with engine.begin() as conn:
        conn.execute(schema.plants.insert(), [{"plant_id": p, "plant_name": p, "currency": "CNY"} for p in ("P1", "P2")])
        conn.execute(schema.work_centers.insert(), [dict(work_center_id=w, work_center_name=w, plant_id=p, machine_rate_per_h=1,
                                                         labor_rate_per_h=1, overhead_rate_per_h=1, is_bottleneck=0)
                                                    for w, p in (("WC1", "P1"), ("WC2", "P2"))])
        zero = {f"{k}_min": 0.0 for k in F.KIND_COLUMNS}
        conn.execute(F.shift_kinds.insert(), [{**zero, "period": "2026-03", "work_center_id": w, "shift_date": day, "shift": sh, "running_min": m}
                                              for w, sh, m in (("WC1", 0, 480.0), ("WC1", 1, 420.0), ("WC2", 0, 480.0))])
        none = {c: 0.0 for c in A.COUNT_COLUMNS}
        conn.execute(F.shift_output.insert(), [{**none, "period": "2026-03", "work_center_id": w, "shift_date": day, "shift": 0, "plant_id": p,
                                                "net_run_min": m} for w, p, m in (("WC1", "P1", 400.0), ("WC1", "P2", 560.0), ("WC2", "P2", 481.0))])
        conn.execute(F.days.insert().from_select([c.name for c in F.days.columns], facts._typed_select(F.select_days(None), F.days, "duckdb")))
    rows = eng.read_frame(engine, sa.select(F.days).order_by(F.days.c.work_center_id, F.days.c.plant_id))
    assert rows[["work_center_id", "plant_id", "n_rows", "shift_rows", "running_min", "net_run_min"]].values.tolist() == [
        ["WC1", "P1", 2, 2, 900.0, 400.0], ["WC1", "P2", 2, 0, 0.0, 560.0], ["WC2", "P2", 1, 1, 480.0, 481.0]]
    march = Scope("2026-03", "2026-03")
    for scope, over_days, gap_days in ((march, ["WC1", "WC2"], ["WC1"]), (Scope("2026-03", "2026-03", plants=("P1",)), [], ["WC1"]),
                                       (Scope("2026-03", "2026-03", plants=("P2",)), ["WC1", "WC2"], [])):
        over, gaps = F.load_day_findings(engine, scope)
        over = over.sort_values("work_center_id")
        flagged = over[over.net_run_min > over.running_min + over.reduced_speed_min + A.PERFORMANCE_SLACK_MIN]
        assert flagged.work_center_id.tolist() == over_days, scope
        open_ = gaps[(gaps.event_shifts > 0) & (gaps.event_shifts * 480.0 - gaps.covered_min > A.UNCOVERED_GAP_MIN)]
        assert sorted(open_.work_center_id) == gap_days, scope
        old = _sorted(_findings_from_shift_tables(engine, scope), ["work_center_id", "date"])
        assert_same_frame(old[over.columns], _sorted(over, ["work_center_id", "date"]), f"findings {scope}")
    assert F.load_shift_span(engine, march) == (pd.Timestamp(day), pd.Timestamp(day))
