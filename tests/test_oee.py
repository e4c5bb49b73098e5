"""OEE: the published worked example, time-weighted aggregation, identities, edge cases, loss
money, data problems, and the planted breakdown month on every database."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from analytics.oee import (
    OeeSettings,
    compute_data_problems,
    compute_event_segments,
    compute_ideal_cycle_min,
    compute_loss_classes,
    compute_loss_pareto,
    compute_oee,
    compute_oee_facts,
    compute_segment_classes,
    compute_six_losses,
    compute_time_waterfall,
    compute_work_order_loss_cost,
)
from data_loaders.scope import Scope
from reports.oee import oee_report
from sample_data.generator import SampleConfig, stories_for
from tests.conftest import AS_OF

RATES = pd.DataFrame({"work_center_id": ["WC1", "WC2"], "machine_rate_per_h": [120.0, 60.0], "labor_rate_per_h": [50.0, 30.0],
                      "overhead_rate_per_h": [30.0, 30.0]})


_EVENT_IDS = itertools.count(1)


def ev(wc, wo, start, end, state, reason=None):
    return {"event_id": f"E{next(_EVENT_IDS)}", "work_center_id": wc, "work_order_id": wo, "start_at": pd.Timestamp(start),
            "end_at": pd.Timestamp(end), "state": state, "reason_code": reason}


def out(wc, wo, day, good, scrap, cycle_min, std_cost=2.0, first=None):
    return {"output_id": f"O-{wo}-{day}", "work_order_id": wo, "work_center_id": wc, "count_date": pd.Timestamp(day),
            "good_qty": float(good), "scrap_qty": float(scrap), "rework_qty": 0.0, "product_id": "FG1", "plant_id": "P1",
            "family": "F", "ideal_cycle_min": cycle_min, "std_unit_cost": std_cost, "std_material_cost": 1.0,
            "list_price": 5.0, "first_count_date": pd.Timestamp(first or day)}


def classic():
    """The classic shift (oee.com's worked example): 480 min, 60 min of breaks, 47 min down,
    ideal rate 60 parts/min (cycle 1 s), 19,271 parts of which 423 rejects."""
    events = pd.DataFrame([
        ev("WC1", None, "2026-01-05 08:00", "2026-01-05 08:30", "planned_stop", "PS-BREAK"),
        ev("WC1", "WO1", "2026-01-05 08:30", "2026-01-05 10:30", "running"),
        ev("WC1", "WO1", "2026-01-05 10:30", "2026-01-05 11:17", "breakdown", "BD-HYDRAULIC"),
        ev("WC1", "WO1", "2026-01-05 11:17", "2026-01-05 12:00", "running"),
        ev("WC1", None, "2026-01-05 12:00", "2026-01-05 12:30", "planned_stop", "PS-MEAL"),
        ev("WC1", "WO1", "2026-01-05 12:30", "2026-01-05 16:00", "running"),
    ])
    output = pd.DataFrame([out("WC1", "WO1", "2026-01-05", 19271 - 423, 423, 1 / 60, first="2026-01-01")])
    return events, output


def facts_of(events, output):
    seg = compute_event_segments(events)
    facts, orphans = compute_oee_facts(seg, output, RATES)
    return seg, facts, orphans


def test_classic_worked_example():
    _, facts, _ = facts_of(*classic())
    r = compute_oee(facts, []).iloc[0]
    # planned production 480 − 60 = 420; run 420 − 47 = 373
    assert (r.ppt_min, r.run_min) == pytest.approx((420.0, 373.0))
    assert r.availability_pct == pytest.approx(373 / 420)  # 88.81 %
    assert r.performance_pct == pytest.approx(19271 / 60 / 373)  # (19,271 / 373) / 60 = 86.11 %
    assert r.quality_pct == pytest.approx(18848 / 19271)  # 97.80 %
    assert r.oee_pct == pytest.approx(18848 / 60 / 420)  # 74.79 %
    assert round(r.oee_pct, 4) == 0.7479
    assert r.availability_pct * r.performance_pct * r.quality_pct == pytest.approx(r.oee_pct)
    assert r.teep_pct == pytest.approx(18848 / 60 / 480)  # only this shift is in the calendar
    six = compute_six_losses(r).set_index("loss").loss_min
    assert six.sum() == pytest.approx(r.ppt_min - r.fully_productive_min)
    assert six["breakdown"] == pytest.approx(47.0)
    assert six["production_rejects"] == pytest.approx(423 / 60)  # the order started days before: not startup scrap


def test_loss_money():
    _, facts, _ = facts_of(*classic())
    r = compute_oee(facts, []).iloc[0]
    # 47 min down at (120 + 50 + 30) / 60 = 3.3333 per min; 423 scrapped at standard 2.00
    assert r.breakdown_cost_amount == pytest.approx(round(47 * 200 / 60, 2))
    assert r.production_reject_cost_amount == pytest.approx(846.00)
    assert r.loss_cost_amount == pytest.approx(r.breakdown_cost_amount + r.reduced_speed_cost_amount + 846.00, abs=0.01)


def test_planned_stops_as_losses_is_a_setting():
    _, facts, _ = facts_of(*classic())
    r = compute_oee(facts, [], OeeSettings(planned_stops_count_as_loss=True)).iloc[0]
    assert r.ppt_min == pytest.approx(480.0)
    assert r.availability_pct == pytest.approx(373 / 480)
    assert r.oee_pct == pytest.approx(18848 / 60 / 480)


def test_aggregation_is_time_weighted_not_an_average_of_percentages():
    events, output = classic()
    # a second machine: 60 min planned, all of it running, 30 good parts at 1 min each -> OEE 50 %
    events = pd.concat([events, pd.DataFrame([ev("WC2", "WO2", "2026-01-05 09:00", "2026-01-05 10:00", "running")])], ignore_index=True)
    output = pd.concat([output, pd.DataFrame([out("WC2", "WO2", "2026-01-05", 30, 0, 1.0)])], ignore_index=True)
    _, facts, _ = facts_of(events, output)
    by = compute_oee(facts, ["work_center_id"]).set_index("work_center_id")
    assert by.loc["WC2", "oee_pct"] == pytest.approx(0.5)
    total = compute_oee(facts, []).iloc[0]
    assert total.oee_pct == pytest.approx((18848 / 60 + 30) / (420 + 60))
    assert total.oee_pct != pytest.approx((by.oee_pct.mean()))


def test_events_crossing_midnight_and_shift_changes_are_split():
    events = pd.DataFrame([ev("WC1", "WO1", "2026-01-05 23:00", "2026-01-06 01:00", "breakdown"),
                           ev("WC1", "WO1", "2026-01-06 07:00", "2026-01-06 09:30", "running")])
    seg = compute_event_segments(events)
    got = seg.groupby([seg.date.dt.strftime("%m-%d"), "shift"]).minutes.sum().to_dict()
    assert got == {("01-05", 2): 60.0, ("01-06", 0): 120.0, ("01-06", 1): 90.0}
    # cut to a window too
    seg = compute_event_segments(events, "2026-01-06", "2026-01-06 08:00")
    assert seg.minutes.sum() == 60.0 + 60.0


def test_edge_cases_no_planned_time_and_zero_counts():
    events = pd.DataFrame([ev("WC1", None, "2026-01-05 00:00", "2026-01-05 08:00", "idle"),
                           ev("WC1", "WO1", "2026-01-05 08:00", "2026-01-05 09:00", "running")])
    output = pd.DataFrame([out("WC1", "WO1", "2026-01-05", 0, 0, 1.0)])
    _, facts, orphans = facts_of(events, output)
    by_shift = compute_oee(facts, ["shift"]).set_index("shift")
    assert pd.isna(by_shift.loc[0, "availability_pct"]) and pd.isna(by_shift.loc[0, "oee_pct"])  # no planned time: blank, not an error
    assert by_shift.loc[1, "performance_pct"] == 0.0 and pd.isna(by_shift.loc[1, "quality_pct"])  # ran, made nothing
    assert orphans.empty


def test_data_problems_are_reported():
    events = pd.DataFrame([
        ev("WC1", "WO1", "2026-01-05 08:00", "2026-01-05 09:00", "running"),
        ev("WC1", "WO1", "2026-01-05 08:30", "2026-01-05 09:30", "running"),  # overlaps the one before
        ev("WC2", "WO2", "2026-01-05 08:00", "2026-01-05 08:10", "running"),
    ])
    output = pd.DataFrame([
        out("WC2", "WO2", "2026-01-05", 100, 0, 1.0),  # 100 ideal minutes in 10 running minutes: performance > 100 %
        out("WC1", "WO3", "2026-01-05", 5, 0, 1.0),  # an order with no running time that day
    ])
    seg, facts, orphans = facts_of(events, output)
    calendar = pd.DataFrame({"work_center_id": ["WC1"], "calendar_date": [pd.Timestamp("2026-01-05")]})  # WC2 has no calendar day
    p = compute_data_problems(events, seg, facts, orphans, calendar)
    kinds = set(p.problem)
    assert {"overlapping_events", "performance_over_100", "output_without_running_time", "event_outside_calendar"} <= kinds
    assert p[p.problem == "output_without_running_time"].detail.str.contains("WO3").all()
    assert set(p[p.problem == "performance_over_100"].work_center_id) == {"WC2"}


def test_pareto_and_work_order_loss():
    seg, facts, _ = facts_of(*classic())
    total = compute_oee(facts, []).iloc[0]
    pareto = compute_loss_pareto(seg, total, RATES)
    assert pareto.loss_cost_amount.is_monotonic_decreasing
    assert pareto.loss_cost_amount.sum() == pytest.approx(total.loss_cost_amount, abs=0.05)
    assert pareto.cumulative_pct.iloc[-1] == pytest.approx(1.0)
    wo = compute_work_order_loss_cost(seg, classic()[1], RATES).set_index("work_order_id")
    assert wo.loc["WO1", "loss_cost_amount"] == pytest.approx(total.loss_cost_amount, abs=0.05)


def test_bad_setting():
    with pytest.raises(ValueError, match="target_oee"):
        OeeSettings(target_oee=1.5)


def test_sample_oee_on_every_database(sample_engine):
    r = oee_report(sample_engine, Scope("2025-11", "2026-10"))
    t = r["total"]
    assert t.availability_pct * t.performance_pct * t.quality_pct == pytest.approx(t.oee_pct)
    assert compute_six_losses(t).loss_min.sum() == pytest.approx(t.ppt_min - t.fully_productive_min)
    assert 0.6 < t.oee_pct < 0.95
    assert r["problems"].empty


def test_planted_breakdown_month_stands_out(default_sample_engine):
    s = stories_for(SampleConfig(as_of=AS_OF))
    r = oee_report(default_sample_engine, Scope("2025-11", "2026-10"))
    m = r["by_work_center_month"]
    inj2 = m[m.work_center_id == s.breakdown_wc].set_index("month")
    assert inj2.loc[s.breakdown_month, "availability_pct"] < inj2.drop(s.breakdown_month).availability_pct.min() - 0.1
    assert inj2.loc[s.breakdown_month, "breakdown_cost_amount"] > 3 * inj2.drop(s.breakdown_month).breakdown_cost_amount.median()


# ---------------------------------------------------------------- conventions (issue 12)
CENTERS = RATES.assign(plant_id=["P1", "P2"], work_center_name=["Press", "Lathe"], is_bottleneck=[0, 0])


def convention_shift():
    """One 480-minute shift on WC1 with every kind of stop, ideal cycle 0.5 min (30 s):

    08:00-08:30 planned maintenance 30 | 08:30-10:30 running WO1 120 | 10:30-10:45 break 15
    10:45-11:05 changeover 20 | 11:05-12:05 running WO2 60 | 12:05-12:15 breakdown 10
    12:15-14:15 running WO2 120 | 14:15-14:25 minor stop 10 | 14:25-15:00 running WO2 35
    15:00-16:00 idle, no orders 60                               (30+120+15+20+60+10+120+10+35+60 = 480)

    WO1 makes 200 good (net run 200 × 0.5 = 100 min); WO2 380 good + 20 scrap (net 400 × 0.5 = 200,
    fully productive 380 × 0.5 = 190). Running 335 min, net run 300, fully productive 290.
    """
    events = pd.DataFrame([
        ev("WC1", None, "2026-01-05 08:00", "2026-01-05 08:30", "planned_stop", "PS-MAINTENANCE"),
        ev("WC1", "WO1", "2026-01-05 08:30", "2026-01-05 10:30", "running"),
        ev("WC1", None, "2026-01-05 10:30", "2026-01-05 10:45", "planned_stop", "PS-BREAK"),
        ev("WC1", "WO2", "2026-01-05 10:45", "2026-01-05 11:05", "setup", "SU-CHANGEOVER"),
        ev("WC1", "WO2", "2026-01-05 11:05", "2026-01-05 12:05", "running"),
        ev("WC1", "WO2", "2026-01-05 12:05", "2026-01-05 12:15", "breakdown", "BD-ELECTRIC"),
        ev("WC1", "WO2", "2026-01-05 12:15", "2026-01-05 14:15", "running"),
        ev("WC1", "WO2", "2026-01-05 14:15", "2026-01-05 14:25", "minor_stop", "MS-JAM"),
        ev("WC1", "WO2", "2026-01-05 14:25", "2026-01-05 15:00", "running"),
        ev("WC1", None, "2026-01-05 15:00", "2026-01-05 16:00", "idle", "ID-NO-ORDER"),
    ])
    output = pd.DataFrame([out("WC1", "WO1", "2026-01-05", 200, 0, 0.5, first="2026-01-01"),
                           out("WC1", "WO2", "2026-01-05", 380, 20, 0.5, first="2026-01-01")])
    return events, output


SITE = pd.DataFrame({"plant_id": ["P1", "P1", "P1"], "code": ["PS-BREAK", "minor_stop", "SU-CHANGEOVER"],
                     "loss_class": ["availability", "availability", "schedule"]})


def convention_result(settings, site=None):
    events, output = convention_shift()
    seg = compute_segment_classes(compute_event_segments(events), settings, site, CENTERS)
    facts, _ = compute_oee_facts(seg, output, CENTERS)
    return seg, compute_oee(facts, [], settings).iloc[0]


@pytest.mark.parametrize("settings, ppt, availability_loss, run", [
    # oee.com / Vorne: maintenance 30, break 15, idle 60 are outside: PPT = 480 − 105 = 375;
    # changeover 20 + breakdown 10 are availability losses; run = 335 running + 10 minor stop = 345
    (OeeSettings(), 375.0, 30.0, 345.0),
    # SMRP: planned maintenance is scheduled downtime inside PPT: 480 − 15 − 60 = 405, losses 30 + 30 = 60
    (OeeSettings(convention="smrp"), 405.0, 60.0, 345.0),
    # Vorne with changeovers outside planned time: 480 − 105 − 20 = 355, losses 10
    (OeeSettings(changeover_as="schedule"), 355.0, 10.0, 345.0),
    # SMRP with changeovers outside: 480 − 15 − 60 − 20 = 385, losses 30 + 10 = 40
    (OeeSettings(convention="smrp", changeover_as="schedule"), 385.0, 40.0, 345.0),
    # everything planned counts: PPT = 480, losses 30 + 15 + 20 + 10 + 60 = 135
    (OeeSettings(planned_stops_count_as_loss=True), 480.0, 135.0, 345.0),
    # custom: the break and minor stops count as availability, changeovers outside, the rest as Vorne:
    # schedule = 30 + 60 + 20 = 110, PPT = 370, losses 15 + 10 + 10 = 35, run = 335 (the minor stop left run time)
    (OeeSettings(convention="custom"), 370.0, 35.0, 335.0),
])
def test_each_convention_by_hand(settings, ppt, availability_loss, run):
    _, r = convention_result(settings, SITE)
    assert (r.ppt_min, r.availability_loss_min, r.run_min) == pytest.approx((ppt, availability_loss, run))
    assert r.calendar_min == 480.0 and r.ppt_min + r.excluded_min == pytest.approx(480.0)
    assert r.availability_pct == pytest.approx(run / ppt)
    assert r.performance_pct == pytest.approx(300 / run)
    assert r.quality_pct == pytest.approx(290 / 300)
    assert r.oee_pct == pytest.approx(290 / ppt)  # e.g. Vorne 290 / 375 = 77.33 %, SMRP 290 / 405 = 71.60 %
    six = compute_six_losses(r)
    assert six.loss_min.sum() == pytest.approx(ppt - 290)


def test_six_losses_keep_no_orders_apart_from_planned_maintenance():
    _, r = convention_result(OeeSettings(convention="smrp"))
    six = compute_six_losses(r).set_index("loss").loss_min
    # SMRP: maintenance 30 is an availability loss of its own; idle (no orders) 60 stays outside
    assert six.to_dict() == pytest.approx({"breakdown": 10.0, "setup": 20.0, "planned_maintenance": 30.0, "planned_stops": 0.0,
                                           "no_orders": 0.0, "small_stops": 10.0, "reduced_speed": 335.0 - 300.0,
                                           "startup_rejects": 0.0, "production_rejects": 20 * 0.5})
    assert (r.no_orders_excluded_min, r.planned_stops_excluded_min, r.planned_maintenance_excluded_min) == (60.0, 15.0, 0.0)
    _, r = convention_result(OeeSettings(planned_stops_count_as_loss=True))
    six = compute_six_losses(r).set_index("loss").loss_min
    assert (six["planned_maintenance"], six["planned_stops"], six["no_orders"]) == (30.0, 15.0, 60.0)
    # money: 60 idle minutes at WC1's (120 + 50 + 30) / 60 per minute
    assert r.no_orders_cost_amount == pytest.approx(round(60 * 200 / 60, 2))
    _, r = convention_result(OeeSettings())
    wf = compute_time_waterfall(r).set_index("step").minutes
    assert (wf["calendar"], wf["unrecorded"], wf["no_orders"], wf["planned_stops"], wf["planned_maintenance"], wf["changeover"],
            wf["planned_production"]) == (480.0, 0.0, -60.0, -15.0, -30.0, 0.0, 375.0)
    assert wf[wf.index != "calendar"].loc[["unrecorded", "no_orders", "planned_stops", "planned_maintenance", "changeover",
                                           "excluded"]].sum() + 480 == pytest.approx(wf["planned_production"])


def test_custom_classes_follow_the_site_table_and_show_how_each_stop_was_classed():
    seg, r = convention_result(OeeSettings(convention="custom"), SITE)
    classes = compute_loss_classes(seg).set_index(["state", "reason_code"]).loss_class.to_dict()
    assert classes == {("planned_stop", "PS-MAINTENANCE"): "schedule",  # no row: the Vorne class
                       ("planned_stop", "PS-BREAK"): "availability",  # by reason code
                       ("setup", "SU-CHANGEOVER"): "schedule",
                       ("breakdown", "BD-ELECTRIC"): "availability",
                       ("minor_stop", "MS-JAM"): "availability",  # by state: the row "minor_stop"
                       ("idle", "ID-NO-ORDER"): "schedule"}
    six = compute_six_losses(r).set_index("loss").loss_min
    # the minor stop counted as availability joins the unplanned stops: 10 + 10
    assert (six["breakdown"], six["planned_stops"], six["setup"], six["small_stops"]) == (20.0, 15.0, 0.0, 0.0)
    # the table is read only by "custom": the same segments under Vorne ignore it
    _, vorne = convention_result(OeeSettings(), SITE)
    assert vorne.ppt_min == 375.0
    # WC2 is in plant P2, which has no rows: the same events there keep the Vorne classes
    events, _ = convention_shift()
    seg = compute_segment_classes(compute_event_segments(events.assign(work_center_id="WC2")), OeeSettings(convention="custom"), SITE, CENTERS)
    assert compute_loss_classes(seg).set_index("reason_code").loss_class["PS-BREAK"] == "schedule"


def test_pareto_and_improvement_follow_the_convention():
    seg, r = convention_result(OeeSettings(convention="smrp"))
    pareto = compute_loss_pareto(seg, r, CENTERS)
    assert "PS-MAINTENANCE" in set(pareto.reason) and "ID-NO-ORDER" not in set(pareto.reason)
    assert pareto.loss_cost_amount.sum() == pytest.approx(r.loss_cost_amount, abs=0.05)


def test_bad_convention_settings():
    with pytest.raises(ValueError, match="convention"):
        OeeSettings(convention="nakajima")
    with pytest.raises(ValueError, match="changeover_as"):
        OeeSettings(changeover_as="performance")


# ---------------------------------------------------------------- ideal cycle, capacity, TEEP calendar
def test_ideal_cycle_from_any_routing_column_is_exact():
    # 1 s = 1/60 min whichever way it is entered: seconds, 60 units a minute, 3,600 units an hour
    routings = pd.DataFrame({"ideal_cycle_min": [None, None, None, 0.5], "ideal_cycle_s": [1.0, None, None, None],
                             "ideal_units_per_min": [None, 60.0, None, None], "ideal_units_per_h": [None, None, 3600.0, None]})
    assert compute_ideal_cycle_min(routings).tolist() == pytest.approx([1 / 60, 1 / 60, 1 / 60, 0.5], rel=1e-15)
    # 3,600 parts in 60 running minutes at 1 s: performance 100 %, not the 100.2 % of 0.0167 min
    events = pd.DataFrame([ev("WC1", "WO1", "2026-01-05 08:00", "2026-01-05 09:00", "running")])
    for cycle in ({"ideal_cycle_s": 1.0}, {"ideal_units_per_h": 3600.0}, {"ideal_units_per_min": 60.0}):
        output = pd.DataFrame([out("WC1", "WO1", "2026-01-05", 3600, 0, None)]).assign(**cycle)
        _, facts, _ = facts_of(events, output)
        assert compute_oee(facts, []).iloc[0].performance_pct == pytest.approx(1.0, rel=1e-12)
    old = pd.DataFrame([out("WC1", "WO1", "2026-01-05", 3600, 0, 0.0167)])  # the former 4-decimal minutes
    assert compute_oee(facts_of(events, old)[1], []).iloc[0].performance_pct == pytest.approx(1.002)  # 3,600 × 0.0167 / 60
    six = pd.DataFrame([out("WC1", "WO1", "2026-01-05", 3600, 0, 0.016667)])  # 6 decimals: 3,600 × 0.016667 / 60
    assert compute_oee(facts_of(events, six)[1], []).iloc[0].performance_pct == pytest.approx(1.00002)


def test_capacity_outputs_by_hand():
    _, facts, _ = facts_of(*classic())
    r = compute_oee(facts, [], OeeSettings(target_oee=0.85)).iloc[0]
    # classic shift, c = 1/60 min: ideal units in 373 run minutes = 373 × 60 = 22,380;
    # planned cycles in 420 minutes = 25,200
    assert r.avg_ideal_cycle_min == pytest.approx(1 / 60)
    assert r.ideal_units_qty == pytest.approx(22380.0)
    assert r.planned_cycles_qty == pytest.approx(25200.0)
    # at 85 % the same 420 minutes make 0.85 × 420 × 60 = 21,420 good units: 21,420 − 18,848 = 2,572 more
    assert r.capacity_gain_units_qty == pytest.approx(2572.0)
    # the same 18,848 good units need 18,848 / 60 / 0.85 = 369.569 min: 420 − 369.569 = 50.431 min = 0.8405 h saved
    assert r.capacity_gain_hours_h == pytest.approx((420 - 18848 / 60 / 0.85) / 60)
    assert round(r.capacity_gain_hours_h, 4) == 0.8405
    # already above the target: no gain, never a negative one
    r = compute_oee(facts, [], OeeSettings(target_oee=0.7)).iloc[0]
    assert (r.capacity_gain_units_qty, r.capacity_gain_hours_h) == (0.0, 0.0)


def test_teep_calendar_is_every_minute_of_the_scope():
    events, output = classic()
    seg = compute_event_segments(events)
    # January 2026 for both work centers; only WC1 has events, on one day
    facts, _ = compute_oee_facts(seg, output, RATES, ("2026-01-01", "2026-02-01"))
    assert len(facts) == 2 * 31 * 3
    by = compute_oee(facts, ["work_center_id"]).set_index("work_center_id")
    # WC1: 31 days × 1,440 = 44,640 calendar minutes; TEEP = 18,848 / 60 / 44,640 = 0.70 %
    assert by.loc["WC1", "calendar_min"] == 44640.0
    assert by.loc["WC1", "teep_pct"] == pytest.approx(18848 / 60 / 44640)
    assert by.loc["WC1", "utilisation_pct"] == pytest.approx(420 / 44640)
    assert by.loc["WC1", "oee_pct"] == pytest.approx(18848 / 60 / 420)  # OEE itself does not move
    assert by.loc["WC1", "unrecorded_min"] == pytest.approx(44640 - 480)
    assert by.loc["WC2", "calendar_min"] == 44640.0 and pd.isna(by.loc["WC2", "oee_pct"])
    total = compute_oee(facts, []).iloc[0]
    assert total.teep_pct == pytest.approx(18848 / 60 / (2 * 44640))
    # days without any event are not "time not covered" problems
    assert compute_data_problems(events, seg, facts, pd.DataFrame(columns=output.columns), pd.DataFrame()).empty


# ---------------------------------------------------------------- through the importer and the CLI, on every database
ROUTING_IN_SECONDS = {
    "routings.csv": "product_id,work_center_id,ideal_cycle_s,std_labor_h_per_unit\nFG1,WC1,1,0.0003\n",
    "machine_events.csv": ("event_id,work_center_id,work_order_id,start_at,end_at,state,reason_code\n"
                           "E1,WC1,WO-2026-00417,2026-03-03 08:00,2026-03-03 09:00,running,\n"),
    "output_counts.csv": "output_id,work_order_id,work_center_id,count_date,good_qty,scrap_qty,rework_qty\nO1,WO-2026-00417,WC1,2026-03-03,3600,0,0\n",
}


def test_one_second_cycle_imported_in_seconds_and_teep_over_the_month(empty_url):
    from data_loaders import engine as eng
    from data_loaders.importer import import_sources
    from tests.test_importer import good_sources

    sources = [(n, d) for n, d in good_sources() if n not in ("凭证分录.csv", "column_mapping.csv")]
    report = import_sources(sources + [(n, t.encode()) for n, t in ROUTING_IN_SECONDS.items()], empty_url, mode="replace")
    assert report.ok, report.problems_frame().to_string()
    engine = eng.make_engine(empty_url, read_only=True)
    try:
        r = oee_report(engine, Scope("2026-03", "2026-03"))
    finally:
        engine.dispose()
    t = r["total"]
    # 3,600 parts × 1 s = 60 ideal minutes in 60 running minutes: performance exactly 100 %
    assert t.performance_pct == pytest.approx(1.0, rel=1e-9)
    assert t.oee_pct == pytest.approx(1.0, rel=1e-9)
    # events on one day only; the calendar is all of March: 31 × 1,440 = 44,640 min, TEEP = 60 / 44,640
    assert t.calendar_min == 44640.0
    assert t.teep_pct == pytest.approx(60 / 44640)
    wc = r["by_work_center"].set_index("work_center_id").loc["WC1"]
    assert (wc.ideal_units_qty, wc.planned_cycles_qty) == pytest.approx((3600.0, 3600.0))
    assert wc.capacity_gain_units_qty == 0.0  # OEE 100 % is above any target


def test_routing_must_state_its_ideal_cycle_once():
    from data_loaders.importer import parse_table, validate

    raw = pd.DataFrame({"product_id": ["FG1", "FG2", "FG3", "FG4"], "work_center_id": ["WC1"] * 4,
                        "ideal_cycle_min": ["0.016667", "", "0.5", ""], "ideal_cycle_s": ["", "1", "30", ""],
                        "ideal_units_per_h": ["", "", "", ""], "std_labor_h_per_unit": ["0.01"] * 4})
    parsed, problems, _ = parse_table("routings", "routings.csv", raw, [2, 3, 4, 5], [])
    assert not problems
    # stored as entered, to 6 decimals
    assert [str(v) for v in parsed.frame.ideal_cycle_min[:1]] == ["0.016667"]
    assert str(parsed.frame.ideal_cycle_s.iloc[1]) == "1.000000"
    found = {(p.row, p.message.split(":")[0].split(" /")[0]) for p in validate([parsed]) if "ideal cycle" in p.message}
    assert found == {(4, "give the ideal cycle exactly once"), (5, "the ideal cycle is missing")}


@pytest.mark.parametrize("argv, settings", [
    (["--oee-convention", "smrp", "--oee-changeover", "schedule", "--oee-target", "0.9"],
     OeeSettings(convention="smrp", changeover_as="schedule", target_oee=0.9)),
    (["--oee-convention", "custom"], OeeSettings(convention="custom")),
])
def test_cli_report_equals_the_report_with_the_same_settings(sample_url, sample_engine, capsys, argv, settings):
    import json

    import cli

    assert cli.main(["--db", sample_url, "report", "--from", "2026-01", "--to", "2026-03", *argv]) == 0
    got = json.loads(capsys.readouterr().out)["oee"]
    want = oee_report(sample_engine, Scope("2026-01", "2026-03"), settings)
    assert got["settings"] == settings.as_dict()
    for field in ("oee_pct", "availability_pct", "teep_pct", "ppt_min", "loss_cost_amount"):
        assert got[field] == pytest.approx(round(float(want["total"][field]), 4)), field
    wc = {r["work_center_id"]: r for r in got["by_work_center"]}
    for row in want["by_work_center"].itertuples():
        assert wc[row.work_center_id]["capacity_gain_units_qty"] == pytest.approx(round(row.capacity_gain_units_qty, 4))
    assert [r["loss"] for r in got["six_losses"]][:5] == ["breakdown", "setup", "planned_maintenance", "planned_stops", "no_orders"]


def test_sample_conventions_move_only_their_own_minutes(sample_engine):
    scope = Scope("2026-01", "2026-03")
    vorne = oee_report(sample_engine, scope)
    smrp = oee_report(sample_engine, scope, OeeSettings(convention="smrp"))
    custom = oee_report(sample_engine, scope, OeeSettings(convention="custom"))
    maintenance = vorne["total"].planned_maintenance_excluded_min
    assert maintenance > 0
    # SMRP keeps the planned-maintenance minutes in planned production time, as an availability loss
    assert smrp["total"].ppt_min == pytest.approx(vorne["total"].ppt_min + maintenance)
    assert smrp["total"].planned_maintenance_loss_min == pytest.approx(maintenance)
    assert smrp["total"].fully_productive_min == pytest.approx(vorne["total"].fully_productive_min)
    assert smrp["total"].teep_pct == pytest.approx(vorne["total"].teep_pct)  # TEEP does not depend on the convention
    # the sample's table: P1 and P2 count maintenance as downtime, P1 plans changeovers outside, P2 cleaning inside
    c = custom["loss_classes"]
    assert set(c[c.reason_code == "PS-MAINTENANCE"].loss_class) == {"availability"}
    assert set(c[c.reason_code == "SU-CHANGEOVER"].loss_class) == {"availability", "schedule"}  # P2 keeps the default
    for r in (vorne, smrp, custom):
        t = r["total"]
        assert compute_six_losses(t).loss_min.sum() == pytest.approx(t.ppt_min - t.fully_productive_min)
        assert t.ppt_min + t.excluded_min + t.unrecorded_min == pytest.approx(t.calendar_min)


def test_validate_finds_a_routing_without_or_with_two_ideal_cycles(empty_url):
    from data_loaders import engine as eng
    from data_loaders import schema
    from data_loaders.validation import validate_database

    engine = eng.make_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(schema.plants.insert(), [{"plant_id": "P1", "plant_name": "一厂", "currency": "CNY"}])
        conn.execute(schema.products.insert(), [{"product_id": p, "product_name": p, "family": "F", "unit": "pcs", "std_material_cost": 1,
                                                 "std_labor_cost": 1, "std_overhead_cost": 1, "list_price": 5} for p in ("FG1", "FG2", "FG3")])
        conn.execute(schema.work_centers.insert(), [{"work_center_id": "WC1", "work_center_name": "Press", "plant_id": "P1",
                                                     "machine_rate_per_h": 1, "labor_rate_per_h": 1, "overhead_rate_per_h": 1, "is_bottleneck": 0}])
        none = dict.fromkeys(schema.IDEAL_CYCLE_COLUMNS)
        conn.execute(schema.routings.insert(), [
            {**none, "product_id": "FG1", "work_center_id": "WC1", "ideal_units_per_h": 3600, "std_labor_h_per_unit": 0.01},  # fine
            {**none, "product_id": "FG2", "work_center_id": "WC1", "std_labor_h_per_unit": 0.01},  # none
            {**none, "product_id": "FG3", "work_center_id": "WC1", "ideal_cycle_min": 0.5, "ideal_cycle_s": 30, "std_labor_h_per_unit": 0.01}])
    try:
        found = validate_database(engine)
    finally:
        engine.dispose()
    bad = found[found.check == "ideal_cycle_not_once"]
    assert sorted(bad.row_key) == ["FG2/WC1", "FG3/WC1"] and sorted(bad.value) == ["0 given", "2 given"]
