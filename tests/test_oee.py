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
    compute_loss_pareto,
    compute_oee,
    compute_oee_facts,
    compute_six_losses,
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
