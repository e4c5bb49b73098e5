"""Period modes, comparisons and the KPI arithmetic behind the overview, on hand-made figures."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.kpi import compute_budget_kpis, compute_kpi_comparison, compute_ledger_vs_operations
from data_loaders.scope import PeriodChoice, Scope, last_closed_period, month_add, months_between


@pytest.mark.parametrize(("mode", "month", "period_from", "span"), [
    ("month", "2026-10", None, ("2026-10", "2026-10")),
    ("quarter", "2026-11", None, ("2026-10", "2026-11")),  # quarter to date: Q4 up to November
    ("quarter", "2026-03", None, ("2026-01", "2026-03")),
    ("ytd", "2026-10", None, ("2026-01", "2026-10")),
    ("ytd", "2026-01", None, ("2026-01", "2026-01")),
    ("r12", "2026-10", None, ("2025-11", "2026-10")),
    ("r12", "2026-12", None, ("2026-01", "2026-12")),
    ("custom", "2026-10", "2025-07", ("2025-07", "2026-10")),
])
def test_each_mode_spans_the_months_a_controller_expects(mode, month, period_from, span):
    assert PeriodChoice(mode, month, period_from).span() == span


def test_comparisons_follow_the_mode():
    assert PeriodChoice("month", "2026-10").comparisons() == [("prior_month", 1), ("prior_year", 12)]
    assert PeriodChoice("ytd", "2026-10").comparisons() == [("prior_year", 12)]
    assert PeriodChoice("r12", "2026-10").comparisons() == [("prior_12", 12)]
    # 2026-03 … 2026-05 is 3 months: the span before is 2025-12 … 2026-02
    custom = PeriodChoice("custom", "2026-05", "2026-03")
    assert custom.comparisons()[0] == ("prior_span", 3)
    assert Scope("2026-03", "2026-05").shifted(3) == Scope("2025-12", "2026-02")
    # YTD 2026-01…10 against the same months a year earlier, plants kept
    assert Scope("2026-01", "2026-10", ("P1",)).shifted(12) == Scope("2025-01", "2025-10", ("P1",))


def test_month_arithmetic_crosses_years():
    assert month_add("2026-01", -1) == "2025-12"
    assert month_add("2025-12", 13) == "2027-01"
    assert months_between("2025-11", "2026-10") == 11
    assert Scope("2025-11", "2026-10").n_months == 12


def test_the_default_month_is_the_last_closed_one():
    periods = ["2026-08", "2026-09", "2026-10", "2026-11"]
    assert last_closed_period(periods, "2026-11-22") == "2026-10"  # November is still open
    assert last_closed_period(periods, "2026-12-01") == "2026-11"  # on the 1st, last month is closed
    assert last_closed_period(periods, None) == "2026-10"
    assert last_closed_period([], "2026-11-22") is None
    assert last_closed_period(["2026-11"], "2026-11-22") == "2026-11"  # only the open month: show it


def test_bad_choices_are_refused_with_the_argument_named():
    with pytest.raises(ValueError, match="mode"):
        PeriodChoice("week", "2026-10")
    with pytest.raises(ValueError, match="period_from"):
        PeriodChoice("custom", "2026-10")
    with pytest.raises(ValueError, match="after"):
        PeriodChoice("custom", "2026-01", "2026-05")


def test_kpi_comparison_changes_are_current_minus_comparison():
    current = {"revenue_amount": 1_100.10, "gross_margin_pct": 0.25, "good_qty": 90.0}
    prior = {"revenue_amount": 1_000.05, "gross_margin_pct": 0.2, "good_qty": 100.0}
    table = compute_kpi_comparison(current, {"prior_month": prior, "budget": None},
                                   ["revenue_amount", "gross_margin_pct", "good_qty"]).set_index("kpi")
    assert table.loc["revenue_amount", "prior_month_change"] == 100.05  # 1,100.10 - 1,000.05
    assert table.loc["gross_margin_pct", "prior_month_change"] == pytest.approx(0.05)  # 5 points
    assert table.loc["good_qty", "prior_month_change"] == -10.0
    assert table.budget_change.isna().all()  # no budget: no change, not zero


def test_ledger_and_operations_differ_by_the_unposted_variance():
    ledger = {"revenue_amount": 1000.0, "gross_profit_amount": 300.0, "variance_amount": 20.0}
    operations = pd.Series({"revenue_amount": 1000.0, "gross_profit_amount": 285.5, "variance_amount": 34.5})
    r = compute_ledger_vs_operations(ledger, operations)
    assert r["revenue_difference_amount"] == 0.0
    assert r["unposted_variance_amount"] == 14.5  # 34.5 - 20.0
    assert r["ledger_gross_profit_amount"] - r["operations_gross_profit_amount"] == r["unposted_variance_amount"]


def test_budget_kpis_from_the_statement_budget_column():
    statement = pd.DataFrame({"line": ["revenue", "cost_of_sales", "variance", "gross_profit", "operating_profit"],
                              "budget_amount": [400.0, 300.0, 0.0, 100.0, 60.0]})
    k = compute_budget_kpis(statement)
    assert k["gross_margin_pct"] == 0.25  # 100 / 400
    assert k["operating_profit_amount"] == 60.0 and k["cash_amount"] is None
    assert compute_budget_kpis(statement.drop(columns="budget_amount")) is None
