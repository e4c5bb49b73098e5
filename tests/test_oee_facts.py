"""OEE fact tables: the report read from the facts equals the report computed from the events, on
every database, for whole years, edge months, one plant and every convention; a hand-built plant
whose fact rows are written out as arithmetic (an event across a shift change and midnight, one
across a month end, overlaps either side of it, an order with a gap in its output months)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analytics.oee import OeeSettings
from data_loaders import engine as eng
from data_loaders import facts
from data_loaders import facts_oee as F
from data_loaders import schema
from data_loaders.scope import Scope
from reports import oee as R
from tests.conftest import namespace_url

SETTINGS = {
    "vorne": OeeSettings(),
    "smrp": OeeSettings(convention="smrp", bottleneck_margin=True, target_oee=0.8),
    "custom": OeeSettings(convention="custom", changeover_as="schedule"),
    "planned_as_loss": OeeSettings(planned_stops_count_as_loss=True),
}


def assert_same_frame(a: pd.DataFrame, b: pd.DataFrame, where: str):
    assert list(a.columns) == list(b.columns), where
    assert len(a) == len(b), (where, len(a), len(b))
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    for c in a.columns:
        if pd.api.types.is_numeric_dtype(a[c]) and pd.api.types.is_numeric_dtype(b[c]):
            x, y = a[c].to_numpy(dtype=float), b[c].to_numpy(dtype=float)
            # money to the cent (both are rounded: equal), minutes and ratios to float precision
            tol = 1e-9 if c.endswith("_amount") else 1e-6
            assert np.allclose(x, y, rtol=1e-9, atol=tol, equal_nan=True), (where, c, a[c][~np.isclose(x, y, atol=tol, equal_nan=True)])
        else:
            assert a[c].astype(str).tolist() == b[c].astype(str).tolist(), (where, c)


def assert_same_report(a: dict | None, b: dict | None, where: str = ""):
    assert (a is None) == (b is None), where
    if a is None:
        return
    assert set(a) == set(b), where
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, pd.Series):
            assert_same_frame(x.to_frame().T, y.to_frame().T, f"{where} {key}")
        elif isinstance(x, pd.DataFrame):
            assert_same_frame(x, y, f"{where} {key}")
        else:
            assert x == y, (where, key)


# ---------------------------------------------------------------- the sample plant, every database
def _sample_cases(engine):
    """(scope, settings name): a year under two conventions, the edge months, one plant."""
    with engine.connect() as conn:
        first = conn.execute(sa.select(sa.func.min(schema.machine_events.c.start_at))).scalar()
    first = pd.Timestamp(first).strftime("%Y-%m")
    return [(Scope("2025-11", "2026-10"), "vorne"), (Scope("2025-11", "2026-10"), "custom"),
            (Scope("2026-11", "2026-11"), "smrp"),  # the as-of month, cut short
            (Scope(first, first), "planned_as_loss"),  # the first month of history
            (Scope("2026-01", "2026-03", plants=("P2",)), "custom")]


def test_sample_facts_are_fresh_after_the_build(sample_engine):
    assert facts.ready(sample_engine)


def test_sample_report_from_facts_equals_the_report_from_events(sample_engine):
    for scope, name in _sample_cases(sample_engine):
        slow = R.oee_report_from_events(sample_engine, scope, SETTINGS[name])
        fast = R.oee_report_from_facts(sample_engine, scope, SETTINGS[name])
        assert_same_report(slow, fast, f"{scope} {name}")
        assert fast is not None and "events" not in fast


def test_sample_work_order_loss_from_facts_equals_the_events(sample_engine):
    scope = Scope("2026-01", "2026-03")
    slow = R.work_order_loss_from_events(sample_engine, scope)
    assert len(slow) > 20
    assert_same_frame(slow, R.work_order_loss_from_facts(sample_engine, scope), "all orders")
    some = sorted(slow.work_order_id)[::5]
    assert_same_frame(R.work_order_loss_from_events(sample_engine, scope, some), R.work_order_loss_from_facts(sample_engine, scope, some),
                      "some orders")


def test_sample_fact_identities(sample_engine):
    """Every fact table ties to the base tables: minutes to the events, output to the output records."""
    def total(column):
        with sample_engine.connect() as conn:
            return float(conn.execute(sa.select(sa.func.sum(column))).scalar() or 0.0)

    me = schema.machine_events
    with sample_engine.connect() as conn:
        events = conn.execute(sa.select(me.c.start_at, me.c.end_at)).all()
    event_min = sum((pd.Timestamp(e) - pd.Timestamp(s)).total_seconds() for s, e in events) / 60.0
    minutes = total(F.shift_minutes.c.duration_min)
    assert minutes == pytest.approx(event_min, rel=1e-12)
    assert total(F.reason_minutes.c.duration_min) == pytest.approx(minutes, rel=1e-12)
    assert sum(total(F.shift_kinds.c[f"{k}_min"]) for k in F.KIND_COLUMNS) == pytest.approx(minutes, rel=1e-12)
    oc = schema.output_counts
    good = total(oc.c.good_qty)
    assert total(F.order_output.c.good_qty) == pytest.approx(good, rel=1e-12)
    assert total(F.product_output.c.good_qty) == pytest.approx(good, rel=1e-12)
    # output is spread over shifts unless its order did not run that day (a data problem)
    orphans = eng.read_frame(sample_engine, sa.select(F.problems.c.detail).where(F.problems.c.problem == "output_without_running_time"))
    assert total(F.shift_output.c.total_qty) + orphans.detail.str.extract(r": (\d+) units")[0].astype(float).sum() == pytest.approx(
        good + total(oc.c.scrap_qty), abs=0.5 * max(len(orphans), 1))


# ---------------------------------------------------------------- a hand-built plant
def _ts(values):
    return pd.to_datetime(pd.Series(values))


def tiny_frames() -> dict[str, pd.DataFrame]:
    """Two plants. WC1 (P1) costs (120 + 50 + 30) / 60 per minute; FG1 takes 2 min on WC1.

    WC1  E1  01-05 22:00 → 01-06 09:00  breakdown WO1   120 (05, 16–24) + 480 (06, 00–08) + 60 (06, 08–16)
         E2  01-06 09:00 → 13:00        running WO1     240 (06, 08–16)
         E3  01-06 13:00 → 14:00        break (PS-BREAK) 60 (06, 08–16)
         E4  01-06 14:00 → 18:00        running WO1     120 (06, 08–16) + 120 (06, 16–24)
         E5  01-06 18:00 → 18:30        meal (PS-MEAL)   30 (06, 16–24)
         E6  01-31 23:00 → 02-01 01:00  changeover WO2   60 (01-31, 16–24, January) + 60 (02-01, 00–08, February)
         E7  02-01 00:30 → 02:00        running WO2      90 (02-01, 00–08): starts before E6 ends
    WC2  E8  01-31 20:00 → 02-01 02:00  running WO3;  E9 01-31 22:00 → 02-01 03:00 minor stop WO3:
         E9 overlaps E8, and both reach into February: a February scope sees the overlap too
    WC3  E10 01-31 21:00 → 23:30 running WO4;  E11 01-31 23:00 → 02-01 01:00 running WO4:
         E11 overlaps E10, which ends in January: a February scope does not see it
    """
    plants = pd.DataFrame({"plant_id": ["P1", "P2"], "plant_name": ["一厂", "二厂"], "currency": ["CNY", "CNY"]})
    products = pd.DataFrame({"product_id": ["FG1", "FG2"], "product_name": ["A", "B"], "family": ["F1", "F2"], "unit": ["pcs", "pcs"],
                             "std_material_cost": [1.0, 2.0], "std_labor_cost": [0.5, 0.5], "std_overhead_cost": [0.5, 0.5],
                             "list_price": [5.0, 9.0]})
    centers = pd.DataFrame({"work_center_id": ["WC1", "WC2", "WC3"], "work_center_name": ["Press", "Lathe", "Mill"],
                            "plant_id": ["P1", "P1", "P2"], "machine_rate_per_h": [120.0, 60.0, 90.0],
                            "labor_rate_per_h": [50.0, 30.0, 40.0], "overhead_rate_per_h": [30.0, 30.0, 20.0], "is_bottleneck": [1, 0, 1]})
    routings = pd.DataFrame({"product_id": ["FG1", "FG2", "FG2"], "work_center_id": ["WC1", "WC2", "WC3"],
                             "ideal_cycle_min": [2.0, None, None], "ideal_cycle_s": [None, 30.0, None],
                             "ideal_units_per_h": [None, None, 60.0], "std_labor_h_per_unit": [0.01, 0.01, 0.01]})
    orders = pd.DataFrame({"work_order_id": ["WO1", "WO2", "WO3", "WO4"], "plant_id": ["P1", "P1", "P1", "P2"],
                           "product_id": ["FG1", "FG1", "FG2", "FG2"], "work_center_id": ["WC1", "WC1", "WC2", "WC3"],
                           "planned_qty": 100.0, "completed_qty": 0.0, "scrap_qty": 0.0,
                           "planned_start_date": _ts(["2026-01-05"] * 4), "planned_end_date": _ts(["2026-03-31"] * 4), "status": "released"})
    ev = [("E1", "WC1", "WO1", "2026-01-05 22:00", "2026-01-06 09:00", "breakdown", "BD-HYDRAULIC"),
          ("E2", "WC1", "WO1", "2026-01-06 09:00", "2026-01-06 13:00", "running", None),
          ("E3", "WC1", None, "2026-01-06 13:00", "2026-01-06 14:00", "planned_stop", "PS-BREAK"),
          ("E4", "WC1", "WO1", "2026-01-06 14:00", "2026-01-06 18:00", "running", None),
          ("E5", "WC1", None, "2026-01-06 18:00", "2026-01-06 18:30", "planned_stop", "PS-MEAL"),
          ("E6", "WC1", "WO2", "2026-01-31 23:00", "2026-02-01 01:00", "setup", "SU-CHANGEOVER"),
          ("E7", "WC1", "WO2", "2026-02-01 00:30", "2026-02-01 02:00", "running", None),
          ("E8", "WC2", "WO3", "2026-01-31 20:00", "2026-02-01 02:00", "running", None),
          ("E9", "WC2", "WO3", "2026-01-31 22:00", "2026-02-01 03:00", "minor_stop", "MS-JAM"),
          ("E10", "WC3", "WO4", "2026-01-31 21:00", "2026-01-31 23:30", "running", None),
          ("E11", "WC3", "WO4", "2026-01-31 23:00", "2026-02-01 01:00", "running", None)]
    events = pd.DataFrame(ev, columns=["event_id", "work_center_id", "work_order_id", "start_at", "end_at", "state", "reason_code"])
    events["start_at"], events["end_at"] = _ts(events.start_at), _ts(events.end_at)
    out = [("O1", "WO1", "WC1", "2026-01-06", 90.0, 10.0),  # the order's first day: startup scrap
           ("O2", "WO1", "WC1", "2026-01-07", 5.0, 0.0),  # no running time that day
           ("O3", "WO2", "WC1", "2026-02-01", 40.0, 2.0),
           ("O4", "WO3", "WC2", "2026-01-31", 100.0, 0.0),
           ("O5", "WO3", "WC2", "2026-03-02", 10.0, 0.0),  # output in January and March, none in February
           ("O6", "WO4", "WC3", "2026-01-31", 70.0, 5.0)]
    output = pd.DataFrame(out, columns=["output_id", "work_order_id", "work_center_id", "count_date", "good_qty", "scrap_qty"])
    output["count_date"], output["rework_qty"] = _ts(output.count_date), 0.0
    calendar = pd.DataFrame({"work_center_id": ["WC1", "WC1", "WC2"], "calendar_date": _ts(["2026-01-05", "2026-01-06", "2026-01-31"]),
                             "shift_count": 3, "planned_production_min": 1440.0, "planned_stop_min": 0.0})
    # the site splits planned stops by reason: breaks are downtime, meals are outside planned time
    loss = pd.DataFrame({"plant_id": ["P1", "P1", "P2"], "code": ["PS-BREAK", "PS-MEAL", "running"],
                         "loss_class": ["availability", "schedule", "availability"]})
    info = pd.DataFrame({"info_key": ["as_of_date", "data_version", "currency"], "info_value": ["2026-03-15", "v1", "CNY"]})
    return {"plants": plants, "products": products, "work_centers": centers, "routings": routings, "work_orders": orders,
            "machine_events": events, "output_counts": output, "work_center_calendar": calendar, "loss_classes": loss, "dataset_info": info}


def _load_tiny(url: str, as_of: str | None = None) -> None:
    engine = eng.make_engine(url)
    try:
        eng.create_schema(engine)
        frames = tiny_frames()
        if as_of:
            info = frames["dataset_info"]
            frames["dataset_info"] = info.assign(info_value=info.info_value.where(info.info_key != "as_of_date", as_of))
        with engine.begin() as conn:
            for table in schema.TABLES:
                if table.name in frames:
                    eng.bulk_insert(conn, table, frames[table.name])
        facts.refresh(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def tiny(backend, tmp_path_factory):
    """The hand-built plant with its facts, read only (one per database, for the module)."""
    url = namespace_url(backend, "oee_tiny", tmp_path_factory.mktemp(f"oee_tiny_{backend}"))
    _load_tiny(url)
    engine = eng.make_engine(url, read_only=True)
    yield engine
    engine.dispose()


def _rows(engine, table, *where) -> pd.DataFrame:
    return eng.read_frame(engine, sa.select(table).where(*where))


def test_tiny_shift_minutes_cut_at_shift_changes_midnight_and_month_end(tiny):
    t = F.shift_minutes
    m = _rows(tiny, t, t.c.work_center_id == "WC1")
    got = {(p, pd.Timestamp(d).strftime("%m-%d"), s, st): v for p, d, s, st, v in zip(m.period, m.shift_date, m["shift"], m.state, m.duration_min)}
    # E1 22:00 → 09:00: 2 h before midnight, the night shift, 1 h after 08:00
    assert got[("2026-01", "01-05", 2, "breakdown")] == 2 * 60
    assert got[("2026-01", "01-06", 0, "breakdown")] == 8 * 60
    assert got[("2026-01", "01-06", 1, "breakdown")] == 1 * 60
    # running in the day shift: E2 4 h + E4 14:00–16:00, then 16:00–18:00 in the evening shift
    assert got[("2026-01", "01-06", 1, "running")] == 4 * 60 + 2 * 60
    assert got[("2026-01", "01-06", 2, "running")] == 2 * 60
    # E6 across the month end: an hour in January, an hour in February
    assert got[("2026-01", "01-31", 2, "setup")] == 60 and got[("2026-02", "02-01", 0, "setup")] == 60
    # identity: the facts hold every minute of every event (E1 … E7 on WC1: 660 + 240 + 60 + 240 + 30 + 120 + 90)
    assert m.duration_min.sum() == pytest.approx(660 + 240 + 60 + 240 + 30 + 120 + 90)
    k = _rows(tiny, F.shift_kinds, F.shift_kinds.c.work_center_id == "WC1")
    assert k.planned_stop_min.sum() == 60 + 30 and k.changeover_min.sum() == 120 and k.breakdown_min.sum() == 660


def test_tiny_output_is_spread_over_the_shifts_that_ran(tiny):
    o = _rows(tiny, F.shift_output, F.shift_output.c.work_center_id == "WC1", F.shift_output.c.period == "2026-01").sort_values("shift")
    # WO1 ran 360 min in the day shift and 120 in the evening on 01-06: shares 3/4 and 1/4 of 90 good + 10 scrap
    assert o["shift"].tolist() == [1, 2]
    assert o.total_qty.tolist() == pytest.approx([100 * 3 / 4, 100 * 1 / 4])
    assert o.good_qty.tolist() == pytest.approx([90 * 3 / 4, 90 * 1 / 4])
    # 01-06 is WO1's first output day: its scrap is startup scrap, at standard 1.0 + 0.5 + 0.5 a unit
    assert o.startup_scrap_qty.tolist() == pytest.approx([10 * 3 / 4, 10 * 1 / 4])
    assert o.startup_reject_cost_amount.tolist() == pytest.approx([10 * 2.0 * 3 / 4, 10 * 2.0 * 1 / 4])
    assert o.net_run_min.tolist() == pytest.approx([100 * 2.0 * 3 / 4, 100 * 2.0 * 1 / 4])  # 2 min a unit
    assert o.production_reject_min.sum() == 0.0


def test_tiny_problems_and_output_runs(tiny):
    p = _rows(tiny, F.problems)
    ov = p[p.problem == "overlapping_events"]
    rows = sorted(zip(ov.period, ov.detail.str.split().str[0], ov.is_carried))
    # E7 starts in February; E9 and E11 start in January; E9 reaches February with E8 still running,
    # E11 only with E10 over: one carried row
    assert rows == [("2026-01", "E11", 0), ("2026-01", "E9", 0), ("2026-02", "E7", 0), ("2026-02", "E9", 1)]
    orphans = p[p.problem == "output_without_running_time"]
    assert sorted(orphans.detail) == ["WO1: 5 units", "WO3: 10 units"]
    assert set(orphans.plant_id) == {"P1"}
    # WO3's output months January and March: two runs and the pair between them, counted once in any scope
    pm = _rows(tiny, F.product_minutes, F.product_minutes.c.work_center_id == "WC2")
    assert sorted(set(zip(pm.output_from, pm.output_to))) == [("2026-01", "2026-01"), ("2026-03", "2026-01"), ("2026-03", "2026-03")]
    for scope, expect in ((Scope("2026-02", "2026-02"), 0.0), (Scope("2026-01", "2026-03"), (240 + 120) + (120 + 180)),
                          (Scope("2026-02", "2026-03"), 120 + 180)):  # E8 + E9 in February
        got = F.load_product_order_minutes(tiny, scope)
        assert got[got.work_center_id == "WC2"].minutes.sum() == pytest.approx(expect), scope


TINY_CASES = [(Scope("2026-01", "2026-01"), OeeSettings()), (Scope("2026-02", "2026-02"), OeeSettings(convention="custom")),
              (Scope("2026-01", "2026-03"), OeeSettings(convention="smrp", bottleneck_margin=True)),
              (Scope(None, None), OeeSettings(planned_stops_count_as_loss=True)), (Scope("2026-02", None), OeeSettings(changeover_as="schedule")),
              (Scope(None, "2026-01"), OeeSettings(convention="custom", changeover_as="schedule")),
              (Scope("2026-01", "2026-02", plants=("P1",)), OeeSettings(convention="custom")),
              (Scope("2026-01", "2026-02", plants=("P2",)), OeeSettings(convention="custom", bottleneck_margin=True))]


def test_tiny_report_from_facts_equals_the_report_from_events(tiny):
    assert facts.ready(tiny)
    for scope, settings in TINY_CASES:
        assert_same_report(R.oee_report_from_events(tiny, scope, settings), R.oee_report_from_facts(tiny, scope, settings),
                           f"{scope} {settings}")
        assert_same_frame(R.work_order_loss_from_events(tiny, scope), R.work_order_loss_from_facts(tiny, scope), f"{scope} orders")


def test_rows_after_the_as_of_date_keep_their_own_calendar(backend, tmp_path):
    """The calendar window ends at the as-of date (01-06 here); events after it still count, with
    the calendar of the shifts they fall in. The facts path sums shifts per day and per shift in
    SQL, so it must count those shifts itself: it equals the event path, and by hand:
    January's window is 01-01..01-05 (5 days); outside it WC1 has rows in 4 shifts (01-06
    00-08, 08-16, 16-24 and 01-31 16-24), WC2 and WC3 one each (01-31 16-24)."""
    url = namespace_url(backend, "oee_early", tmp_path)
    _load_tiny(url, as_of="2026-01-06")
    engine = eng.make_engine(url, read_only=True)
    try:
        scope, settings = Scope("2026-01", "2026-01"), OeeSettings()
        by_facts = R.oee_report_from_facts(engine, scope, settings)
        assert_same_report(R.oee_report_from_events(engine, scope, settings), by_facts, "as-of inside the data")
        calendar = by_facts["by_work_center"].set_index("work_center_id").calendar_min
        assert calendar.to_dict() == pytest.approx({"WC1": (5 * 3 + 4) * 480.0, "WC2": (5 * 3 + 1) * 480.0, "WC3": (5 * 3 + 1) * 480.0})
        shifts = by_facts["by_shift"].set_index("shift").calendar_min
        # each shift: 3 work centers x 5 days, plus the rows outside the window in that shift
        assert shifts.to_dict() == pytest.approx({0: (15 + 1) * 480.0, 1: (15 + 1) * 480.0, 2: (15 + 1 + 1 + 1 + 1) * 480.0})
    finally:
        engine.dispose()


def test_tiny_report_by_hand(tiny):
    r = R.oee_report(tiny, Scope("2026-02", "2026-02"), OeeSettings(convention="custom"))
    problems = r["problems"]
    # February sees E7 and the carried E9 (dated 01-31), not E11
    ov = problems[problems.problem == "overlapping_events"]
    assert sorted(ov.detail.str.split().str[0]) == ["E7", "E9"]
    assert sorted(pd.to_datetime(ov.date).dt.strftime("%m-%d")) == ["01-31", "02-01"]
    r = R.oee_report(tiny, Scope("2026-01", "2026-01"), OeeSettings(convention="custom"))
    wc1 = r["by_work_center"].set_index("work_center_id").loc["WC1"]
    # custom: the break (60) is downtime, the meal (30) outside; changeover 60 in January is availability
    # planned production = running 480 + breakdown 660 + break 60 + changeover 60
    assert wc1.ppt_min == pytest.approx(480 + 660 + 60 + 60)
    assert wc1.breakdown_cost_amount == pytest.approx(round(660 * 200 / 60, 2))
    classes = r["loss_classes"].set_index("reason_code").loss_class
    assert (classes["PS-BREAK"], classes["PS-MEAL"]) == ("availability", "schedule")


def test_months_are_batched_by_their_events(tiny):
    """The derivation groups months while their events stay under a limit (the count is one
    query on every database): January has 10 events (E1 … E6, E8 … E11), February 5 (E6 … E9, E11)."""
    months = [["2026-01"], ["2026-02"], ["2026-03"]]
    assert F._batches(tiny, months, 100) == [months]
    assert F._batches(tiny, months, 12) == [[["2026-01"]], [["2026-02"], ["2026-03"]]]
    assert F._batches(tiny, months, 1) == [[m] for m in months]
    assert F._batches(tiny, [["2026-01"], ["2026-03"]], 100) == [[["2026-01"]], [["2026-03"]]]  # not consecutive: apart


def test_the_drill_reads_one_work_center_month(tiny):
    d = R.oee_drill(tiny, Scope("2026-01", "2026-03"), "WC1", "2026-01")
    assert d["events"].event_id.tolist() == ["E1", "E2", "E3", "E4", "E5", "E6"]
    assert sorted(d["orders"].work_order_id) == ["WO1", "WO2"]


def test_stale_facts_are_not_read(empty_url):
    _load_tiny(empty_url)
    engine = eng.make_engine(empty_url)
    try:
        with engine.begin() as conn:  # a new import stamps a new data version; the facts are from the old one
            conn.execute(schema.dataset_info.update().where(schema.dataset_info.c.info_key == "data_version").values(info_value="v2"))
        assert not facts.ready(engine)
        scope = Scope("2026-01", "2026-02")
        assert_same_report(R.oee_report(engine, scope), R.oee_report_from_events(engine, scope))
        facts.refresh(engine, ["2026-02"])  # one period derived again: the version is stamped, the rest kept
        assert facts.ready(engine)
        assert_same_report(R.oee_report(engine, scope), R.oee_report_from_events(engine, scope))
    finally:
        engine.dispose()


def test_oee_totals_equal_the_report(tiny, sample_engine):
    """``oee_totals`` sums the facts per work center in SQL: the report's total and work centers."""
    cases = [(tiny, scope, settings) for scope, settings in TINY_CASES]
    cases += [(sample_engine, scope, SETTINGS[name]) for scope, name in _sample_cases(sample_engine)]
    for engine, scope, settings in cases:
        report, totals = R.oee_report(engine, scope, settings), R.oee_totals(engine, scope, settings)
        assert (report is None) == (totals is None), scope
        if report is None:
            continue
        assert_same_frame(report["total"].to_frame().T, totals["total"].to_frame().T, f"{scope} {settings} total")
        assert_same_frame(report["by_work_center"], totals["by_work_center"], f"{scope} {settings} by work center")


def test_oee_totals_by_month_equal_each_months_totals(tiny, sample_engine):
    """The OEE drop warning's months read at once (``oee_totals_by_month``: each fact table
    summed per work center x month in one SQL) give each month's ``oee_totals``: a month
    without events (2025-12, and March, which has output only) is None, January's custom
    classes split the planned stops by reason code (breaks are downtime, meals are not: columns
    read from the reason codes, not the kind table), March is cut at the as-of date."""
    months = ["2025-12", "2026-01", "2026-02", "2026-03"]
    custom = OeeSettings(convention="custom", changeover_as="schedule")
    cases = [(tiny, Scope(), months, OeeSettings()), (tiny, Scope(), months, custom), (tiny, Scope(plants=("P1",)), months, custom),
             (tiny, Scope(plants=("P2",)), months[1:3], OeeSettings(planned_stops_count_as_loss=True))]
    cases += [(sample_engine, Scope(), ["2026-08", "2026-09", "2026-10", "2026-11"], SETTINGS["vorne"]),
              (sample_engine, Scope(plants=("P2",)), ["2026-01", "2026-02", "2026-03"], SETTINGS["custom"])]
    seen = 0
    for engine, scope, wanted, settings in cases:
        got = R.oee_totals_by_month(engine, scope, wanted, settings)
        assert list(got) == wanted
        for m in wanted:
            one = R.oee_totals(engine, Scope(m, m, scope.plants), settings)
            where = f"{m} {scope.plants} {settings}"
            assert (got[m] is None) == (one is None), where
            if one is None:
                continue
            seen += 1
            assert_same_frame(one["total"].to_frame().T, got[m]["total"].to_frame().T, f"{where} total")
            assert_same_frame(one["by_work_center"], got[m]["by_work_center"], f"{where} by work center")
    tiny_all = R.oee_totals_by_month(tiny, Scope(), months, custom)
    assert tiny_all["2025-12"] is None and tiny_all["2026-03"] is None and seen >= 2 + 2 + 2 + 1 + 4 + 3
    # January on WC1 by hand: 60 min of breaks (availability) + 30 min of meal (schedule, excluded)
    wc1 = tiny_all["2026-01"]["by_work_center"].set_index("work_center_id").loc["WC1"]
    assert wc1.planned_stops_loss_min == 60.0 and wc1.planned_stops_excluded_min == 30.0
