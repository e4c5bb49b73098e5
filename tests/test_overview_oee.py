"""The overview's OEE months read at once (#17): ``reports.oee.oee_totals_by_month`` reads the
month facts and the reason codes of every month in one go and computes each month as
``oee_month_totals`` computes it alone: the same frames to the bit, on every database; and the
overview (``ui.data.cockpit`` and the OEE drop warning, which share that read) shows what the
reports compute span by span."""

from __future__ import annotations

import pytest

from analytics.oee import OeeSettings
from data_loaders.scope import PeriodChoice, Scope
from reports import oee as R
from reports.cockpit import cockpit_report
from reports.warnings import month_warnings
from tests.test_oee_facts import SETTINGS
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
