"""The overview's OEE months read at once (#17): ``reports.oee.oee_totals_by_month`` reads the
month facts and the reason codes of every month in one go and computes each month as
``oee_month_totals`` computes it alone: the same frames to the bit, on every database; and the
overview (``ui.data.cockpit`` and the OEE drop warning, which share that read) shows what the
reports compute span by span."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import oee as A
from analytics.oee import OeeSettings
from data_loaders.scope import PeriodChoice, Scope
from reports import oee as R
from reports.cockpit import cockpit_report
from reports.warnings import month_warnings
from tests.conftest import namespace_url
from tests.test_oee_facts import SETTINGS, tiny  # noqa: F401 - tiny is a fixture
from tests.test_oee_month_facts import tiny_with_two_plants_output
from tests.test_overview_reads import ui_data  # noqa: F401 - a fixture

# 2026-11: the as-of month, cut short (its own path: the shift rows); 2024-06: before the data (None)
MONTHS = [["2025-11", "2026-08", "2026-09", "2026-10", "2026-11"], ["2024-06", "2026-01", "2026-03"]]


def test_months_read_at_once_equal_each_month_alone(sample_engine):
    seen = 0
    for months in MONTHS:
        for plants in ((), ("P2",)):
            for name in ("vorne", "custom", "smrp"):
                settings = SETTINGS[name]
                got = R.oee_totals_by_month(sample_engine, Scope(plants=plants), months, settings)
                assert list(got) == months
                for m in months:
                    want = R.oee_month_totals(sample_engine, Scope(m, m, plants), settings)
                    where = (m, plants, name)
                    assert (got[m] is None) == (want is None), where
                    if want is None:
                        continue
                    seen += 1
                    assert got[m]["total"].equals(want["total"]), where
                    assert got[m]["by_work_center"].equals(want["by_work_center"]), where
    assert R.oee_totals_by_month(sample_engine, Scope(), ["2024-06"], OeeSettings()) == {"2024-06": None}
    assert seen >= 2 * 3 * 6


def test_the_overviews_months():
    from ui.data import overview_months

    assert overview_months(Scope("2026-11", "2026-11")) == ("2025-11", "2026-08", "2026-09", "2026-10", "2026-11")
    assert overview_months(Scope("2025-12", "2026-11")) == ("2026-08", "2026-09", "2026-10", "2026-11")
    assert overview_months(Scope(None, None)) == ()


@pytest.mark.parametrize("scope, mode", [(Scope("2026-10", "2026-10"), "month"), (Scope("2025-11", "2026-10"), "r12"),
                                         (Scope("2026-06", "2026-06"), "month"), (Scope("2026-06", "2026-06", ("P2",)), "month")],
                         ids=["month", "r12", "breakdown-month", "P2"])
def test_the_overviews_oee_is_the_reports(ui_data, sample_url, sample_engine, scope, mode):  # noqa: F811 - the fixture
    choice = PeriodChoice(mode, scope.period_to)
    assert ui_data.cockpit(sample_url, scope, choice) == cockpit_report(sample_engine, scope, choice)
    shown = ui_data.warnings(sample_url, scope, models=False)
    oee = [g for g in shown["groups"] if g["rule"].startswith("oee")]
    want = [g for g in month_warnings(sample_engine, scope, rules=["oee"])["groups"]]
    assert oee == want
    if scope == Scope("2026-06", "2026-06"):
        assert oee  # the planted breakdown (docs/SAMPLE_DATA.md)


# --------------------------------------------------------------------------- every span at once (h-oee5)
# the overview's spans: twelve months and the twelve before (r12), a year to date, months (2026-11:
# the as-of month, cut short: the shift rows; 2024-06 and 2024-01…2024-03: before the data, None),
# a quarter, and spans that share months
SPANS = [("2025-12", "2026-11"), ("2024-12", "2025-11"), ("2026-01", "2026-10"), ("2025-12", "2026-10"), ("2026-10", "2026-10"),
         ("2026-08", "2026-08"), ("2025-11", "2025-11"), ("2026-06", "2026-09"), ("2026-11", "2026-11"), ("2024-06", "2024-06"),
         ("2024-01", "2024-03")]


def _spans_equal_each_alone(engine, plants, spans, settings, where) -> int:
    """``oee_span_totals`` = ``oee_month_totals`` of each span, frames to the bit; the spans with
    totals."""
    got = R.oee_span_totals(engine, Scope(plants=plants), spans, settings)
    assert list(got) == spans, where
    seen = 0
    for span in spans:
        want = R.oee_month_totals(engine, Scope(*span, plants), settings)
        assert (got[span] is None) == (want is None), (span, *where)
        if want is not None:
            seen += 1
            assert got[span]["total"].equals(want["total"]), (span, *where)
            assert got[span]["by_work_center"].equals(want["by_work_center"]), (span, *where)
    return seen


def test_spans_at_once_equal_each_span_alone(sample_engine):
    """``oee_span_totals`` = ``oee_month_totals`` of each span, frames to the bit, under every
    convention (the named ones from the kind columns, custom through the reason codes), for
    all plants and one."""
    seen = sum(_spans_equal_each_alone(sample_engine, plants, SPANS, settings, (plants, name))
               for plants in ((), ("P2",)) for name, settings in SETTINGS.items())
    assert seen == 2 * 4 * 9
    assert R.oee_span_totals(sample_engine, Scope(), [("2024-06", "2024-06"), ("2024-01", "2024-03")]) == {
        ("2024-06", "2024-06"): None, ("2024-01", "2024-03"): None}
    assert R.oee_span_totals(sample_engine, Scope(), []) == {}


def test_spans_at_once_on_the_hand_built_plant(tiny):
    """The same on the hand-built plant (tests/test_oee_facts.py): WC1's January breakdown E1
    120 + 480 + 60 = 660 min, its changeover E6 60 min in January and 60 in February."""
    spans = [("2026-01", "2026-01"), ("2026-01", "2026-02"), ("2025-12", "2026-03"), ("2026-02", "2026-02")]
    for plants in ((), ("P1",), ("P2",)):
        for name, settings in SETTINGS.items():
            _spans_equal_each_alone(tiny, plants, spans, settings, (plants, name))
    wc1 = R.oee_span_totals(tiny, Scope(), spans)
    january, both = (wc1[s]["by_work_center"].set_index("work_center_id").loc["WC1"] for s in spans[:2])
    assert january.breakdown_min == pytest.approx(660.0, abs=1e-9)
    assert (january.setup_min, both.setup_min) == (pytest.approx(60.0, abs=1e-9), pytest.approx(120.0, abs=1e-9))


def test_a_span_with_several_plants_output_on_a_work_center_is_read_alone(backend, tmp_path):
    """A work center with output of two plants' orders in January: that span (and every span
    with January) is ``oee_month_totals`` itself, which reads the shift rows; February is read
    with the others."""
    url = namespace_url(backend, "oee_spans_plants", tmp_path)
    engine, _ = tiny_with_two_plants_output(url)
    try:
        assert _spans_equal_each_alone(engine, (), [("2026-01", "2026-01"), ("2026-01", "2026-02"), ("2026-02", "2026-02")],
                                       OeeSettings(), ("two plants",)) == 3
    finally:
        engine.dispose()


def test_kind_minutes_by_hand():
    """One work center's kinds: setups are changeovers + adjustments (30 + 5), planned stops
    planned maintenance + breaks (40 + 15), idle is no orders; each kind's minutes in its
    convention's class."""
    kinds = pd.DataFrame({"work_center_id": ["WC1"], "running_min": [100.0], "reduced_speed_min": [10.0], "breakdown_min": [20.0],
                          "changeover_min": [30.0], "adjustment_min": [5.0], "minor_stop_min": [7.0], "planned_maintenance_min": [40.0],
                          "planned_stop_min": [15.0], "no_orders_min": [60.0], "shift_rows": [3]})
    got = A.compute_kind_minutes(kinds).iloc[0]
    assert (got.work_center_id, got.shift_rows) == ("WC1", 3)
    assert [got[f"{s}_min"] for s in A.ALL_STATES] == [100.0, 10.0, 7.0, 20.0, 35.0, 55.0, 60.0]
    stops = {c: got[c] for c in A.STOP_COLUMNS if got[c]}
    assert stops == {"stop_breakdown_availability_min": 20.0, "stop_changeover_availability_min": 30.0,
                     "stop_adjustment_availability_min": 5.0, "stop_minor_stop_performance_min": 7.0,
                     "stop_planned_maintenance_schedule_min": 40.0, "stop_planned_stop_schedule_min": 15.0,
                     "stop_no_orders_schedule_min": 60.0}
    smrp = A.compute_kind_minutes(kinds, SETTINGS["smrp"]).iloc[0]
    assert smrp.stop_planned_maintenance_availability_min == 40.0 and smrp.stop_planned_maintenance_schedule_min == 0.0
    moved = A.compute_kind_minutes(kinds, OeeSettings(changeover_as="schedule", planned_stops_count_as_loss=True)).iloc[0]
    assert moved.stop_changeover_schedule_min == 30.0 and moved.stop_no_orders_availability_min == 60.0
    with pytest.raises(ValueError, match="convention"):
        A.compute_kind_minutes(kinds, SETTINGS["custom"])


def test_every_states_kinds_are_the_facts():
    """``STATE_KINDS`` names every kind a state's reason codes can give (``compute_stop_kinds``)."""
    codes = ["", "BRK-MOTOR", "SETUP-ADJUST", "SET-CHG", "PM-MAINT", "PLN-BREAK", "IDLE"]
    for state in A.ALL_STATES:
        kinds = A.compute_stop_kinds(pd.Series([state] * len(codes), dtype=object), pd.Series(codes, dtype=object)).fillna(state)
        assert set(kinds) <= set(A.STATE_KINDS[state]), state
    assert sorted(k for ks in A.STATE_KINDS.values() for k in ks) == sorted(["running", "reduced_speed", *A.STOP_KINDS])


def test_span_calendar_facts_by_hand():
    """Two spans of one work center each, and a work center with output only: each row is what
    ``compute_calendar_facts`` gives its span alone (a 30-day month: 90 shifts of 480 min; the
    window cut at the 10th: 27 shifts)."""
    rates = pd.DataFrame({"work_center_id": ["WC1", "WC2"], "machine_rate_per_h": [60.0, 30.0], "labor_rate_per_h": [0.0, 0.0],
                          "overhead_rate_per_h": [0.0, 0.0]})
    minutes = pd.DataFrame({"span": [0, 1], "work_center_id": ["WC1", "WC2"], "running_min": [10.0, 20.0], "outside_rows": [0, 0]})
    counts = pd.DataFrame({"span": [1], "work_center_id": ["WC3"], "good_qty": [5.0]})
    windows = {0: (pd.Timestamp("2026-04-01"), pd.Timestamp("2026-05-01")), 1: (pd.Timestamp("2026-04-01"), pd.Timestamp("2026-04-10"))}
    got = A.compute_span_calendar_facts(minutes, counts, rates, windows)
    assert got[["span", "work_center_id"]].values.tolist() == [[0, "WC1"], [0, "WC2"], [1, "WC1"], [1, "WC2"], [1, "WC3"]]
    assert got.calendar_min.tolist() == [90 * 480.0, 90 * 480.0, 27 * 480.0, 27 * 480.0, 27 * 480.0]
    assert got.running_min.tolist() == [10.0, 0.0, 0.0, 20.0, 0.0] and got.good_qty.tolist() == [0.0, 0.0, 0.0, 0.0, 5.0]
    assert got.rate_per_min.tolist()[:4] == [1.0, 0.5, 1.0, 0.5] and np.isnan(got.rate_per_min.iloc[4])
    for span, window in windows.items():
        alone = A.compute_calendar_facts(minutes[minutes.span == span].drop(columns="span"), counts[counts.span == span].drop(columns="span"),
                                         rates, window, A.CENTER_KEYS)
        own = got[got.span == span].drop(columns="span").reset_index(drop=True)
        pd.testing.assert_frame_equal(own[alone.columns], alone, check_exact=True, check_dtype=False)


@pytest.mark.parametrize("mode, scope", [("month", Scope("2026-10", "2026-10")), ("quarter", Scope("2026-07", "2026-08")),
                                         ("ytd", Scope("2026-01", "2026-10")), ("r12", Scope("2025-11", "2026-10")),
                                         ("custom", Scope("2026-03", "2026-07", ("P2",)))])
def test_the_overviews_spans_hold_every_modes_spans(mode, scope):
    """Whatever the period mode, the cockpit's spans (the scope, its comparisons, its year to
    date) and the OEE drop warning's months are among ``overview_spans``."""
    from reports.cockpit import year_to_date
    from ui.data import comparison_scopes, overview_months, overview_spans

    spans = overview_spans(scope)
    choice = PeriodChoice(mode, scope.period_to, scope.period_from if mode == "custom" else None)
    wanted = [scope, *(s for _, s in comparison_scopes(scope, choice)), year_to_date(scope)]
    for s in wanted:
        if s is not None:
            assert (s.period_from, s.period_to) in spans, (mode, s)
    assert {(m, m) for m in overview_months(scope)} <= set(spans)
    assert overview_spans(Scope(None, "2026-10")) == ()
