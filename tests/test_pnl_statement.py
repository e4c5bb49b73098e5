"""The P&L statement and the trial balance with opening, movement and closing.

Pure tests on tiny ledgers with the arithmetic written out; the statement against the
overview's KPIs on the sample (to the cent); the trial balance on every database with a
hand-built ledger.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics.ledger import compute_kpis, compute_monthly_pnl, compute_trial_balance_totals
from analytics.pnl import compute_pnl_margins, compute_pnl_statement
from data_loaders import queries as q
from data_loaders.scope import PeriodChoice, Scope
from analytics.kpi import compute_budget_kpis
from reports.ledger import budget_statement, pnl_statement_report, trial_balance_report
from tests.conftest import loaded_engine


def _ledger(rows):
    """(period, category, debit, credit) tuples -> load_ledger_by_category rows (one plant)."""
    return pd.DataFrame(rows, columns=["period", "category", "debit_amount", "credit_amount"]).assign(plant_id="P1")


# Two months. 2026-01: sales 1,000.00 (credit), a 10.00 credit note (debit), cost of sales 600.00,
# variance 40.00 unfavorable, overhead incurred 100.00, absorbed 90.00 (credit), expenses 150.00.
# 2026-02: sales 500.00, cost 300.00, a 5.00 favorable variance (credit), expenses 80.00.
LEDGER = _ledger([
    ("2026-01", "revenue", 10.00, 1000.00),
    ("2026-01", "cost_of_sales", 600.00, 0.0),
    ("2026-01", "variance", 40.00, 0.0),
    ("2026-01", "overhead", 100.00, 0.0),
    ("2026-01", "overhead_applied", 0.0, 90.00),
    ("2026-01", "expense", 150.00, 0.0),
    ("2026-02", "revenue", 0.0, 500.00),
    ("2026-02", "cost_of_sales", 300.00, 0.0),
    ("2026-02", "variance", 0.0, 5.00),
    ("2026-02", "expense", 80.00, 0.0),
    ("2026-02", "cash", 999.00, 0.0),  # a balance-sheet category: not in the P&L
])


def test_by_month_statement_lines_and_signs():
    st = compute_pnl_statement(LEDGER, "by_month", periods=["2026-01", "2026-02", "2026-03"]).set_index("line")
    assert list(st.index) == ["revenue", "cost_of_sales", "variance", "gross_profit", "overhead", "overhead_applied",
                              "expense", "operating_profit"]
    assert list(st.columns) == ["is_subtotal", "p2026_01_amount", "p2026_02_amount", "p2026_03_amount", "period_total_amount"]
    jan, feb = st.p2026_01_amount, st.p2026_02_amount
    assert jan.revenue == 990.00  # 1,000.00 − 10.00
    assert jan.gross_profit == 350.00  # 990 − 600 − 40
    assert jan.overhead == 100.00 and jan.overhead_applied == -90.00  # absorbed overhead is a credit on a cost line
    assert jan.operating_profit == 190.00  # 350 − 100 − (−90) − 150
    assert feb.variance == -5.00 and feb.gross_profit == 205.00  # 500 − 300 − (−5)
    assert feb.operating_profit == 125.00  # 205 − 0 − 0 − 80
    assert (st.p2026_03_amount == 0).all()  # a month of the scope without lines
    assert st.period_total_amount.operating_profit == 315.00  # 190 + 125
    assert list(st.index[st.is_subtotal]) == ["gross_profit", "operating_profit"]
    # the same numbers as the overview's monthly P&L
    pnl = compute_monthly_pnl(LEDGER).set_index("period")
    assert np.allclose(st.loc["operating_profit", ["p2026_01_amount", "p2026_02_amount"]], pnl.operating_profit_amount)
    amounts = ["p2026_01_amount", "p2026_02_amount", "p2026_03_amount", "period_total_amount"]
    net_overhead = (st.loc["overhead", amounts] + st.loc["overhead_applied", amounts]).astype(float)
    assert np.allclose(net_overhead, list(pnl.overhead_amount) + [0.0, pnl.overhead_amount.sum()], atol=0.005)  # 10, 0, 0, 10


def test_operating_lines_only_for_categories_present():
    st = compute_pnl_statement(LEDGER[LEDGER.category.isin(["revenue", "cost_of_sales", "expense"])])
    assert list(st.line) == ["revenue", "cost_of_sales", "variance", "gross_profit", "expense", "operating_profit"]


def test_comparison_layout_with_prior_and_budget():
    prior = _ledger([("2025-01", "revenue", 0.0, 800.00), ("2025-01", "cost_of_sales", 500.00, 0.0),
                     ("2025-01", "expense", 100.00, 0.0)])
    # budget in natural sign; overhead spending 95.00 with no absorption budget -> absorbed −95.00
    budget = pd.DataFrame({"period": ["2026-01"] * 4 + ["2026-02"],
                           "category": ["revenue", "cost_of_sales", "overhead", "expense", "revenue"],
                           "account_type": ["revenue", "expense", "expense", "expense", "revenue"],
                           "budget_amount": [1100.00, 650.00, 95.00, 200.00, 400.00]})
    st = compute_pnl_statement(LEDGER, "comparison", comparisons={"prior_year": prior}, budget=budget).set_index("line")
    assert list(st.columns) == ["is_subtotal", "current_amount", "prior_year_amount", "prior_year_change_amount",
                                "budget_amount", "vs_budget_amount"]
    assert st.current_amount.revenue == 1490.00  # 990 + 500
    assert st.current_amount.operating_profit == 315.00
    assert st.prior_year_amount.operating_profit == 200.00  # 800 − 500 − 100
    assert st.prior_year_change_amount.operating_profit == 115.00  # 315 − 200
    assert st.prior_year_change_amount.expense == 130.00  # 230 − 100: more cost is a positive change
    assert st.budget_amount.revenue == 1500.00  # 1,100 + 400
    assert st.budget_amount.gross_profit == 850.00  # 1,500 − 650 − 0
    assert st.budget_amount.overhead_applied == -95.00  # planned full absorption
    assert st.budget_amount.operating_profit == 650.00  # 850 − 95 − (−95) − 200
    assert st.vs_budget_amount.operating_profit == -335.00  # 315 − 650
    assert (st.budget_amount + st.vs_budget_amount == st.current_amount).all()
    with_applied = pd.concat([budget, pd.DataFrame({"period": ["2026-01"], "category": ["overhead_applied"],
                                                    "account_type": ["expense"], "budget_amount": [-80.00]})])
    st2 = compute_pnl_statement(LEDGER, "comparison", budget=with_applied).set_index("line")
    assert st2.budget_amount.overhead_applied == -80.00 and st2.budget_amount.operating_profit == 635.00  # 850 − 95 + 80 − 200


def test_margins_per_column_and_changes_in_points():
    prior = _ledger([("2025-01", "revenue", 0.0, 800.00), ("2025-01", "cost_of_sales", 500.00, 0.0)])
    st = compute_pnl_statement(LEDGER, "comparison", comparisons={"prior_year": prior})
    m = compute_pnl_margins(st).set_index("line")
    assert list(m.columns) == ["current_pct", "prior_year_pct", "prior_year_change_pct"]
    assert m.current_pct.gross_margin == pytest.approx(555.00 / 1490.00)  # (350 + 205) / 1,490
    assert m.prior_year_pct.gross_margin == pytest.approx(300.00 / 800.00)
    assert m.prior_year_change_pct.gross_margin == pytest.approx(555.00 / 1490.00 - 0.375)
    assert m.current_pct.operating_margin == pytest.approx(315.00 / 1490.00)
    empty = compute_pnl_margins(compute_pnl_statement(LEDGER, "by_month", periods=["2026-03"]))
    assert np.isnan(empty.p2026_03_pct).all()  # no revenue: no margin


def test_bad_layout_is_named():
    with pytest.raises(ValueError, match="layout"):
        compute_pnl_statement(LEDGER, "sideways")


# --------------------------------------------------------------------------- on the sample
@pytest.mark.parametrize("plants", [(), ("P2",)])
def test_statement_equals_the_overview_to_the_cent(sample_engine, plants):
    scope = Scope("2026-01", "2026-10", plants)
    kpi = compute_kpis(compute_monthly_pnl(q.load_ledger_by_category(sample_engine, scope)), pd.DataFrame(), pd.DataFrame())
    by_month = pnl_statement_report(sample_engine, scope, "by_month")["statement"].set_index("line").period_total_amount
    ytd = pnl_statement_report(sample_engine, scope, "comparison", PeriodChoice("ytd", "2026-10"))["statement"].set_index("line")
    for line in ("revenue", "gross_profit", "operating_profit"):
        assert by_month[line] == kpi[f"{line}_amount"], line
        assert ytd.current_amount[line] == kpi[f"{line}_amount"], line
    # the prior-year column is the statement of the same months a year earlier
    ly = compute_kpis(compute_monthly_pnl(q.load_ledger_by_category(sample_engine, scope.shifted(12))), pd.DataFrame(), pd.DataFrame())
    assert ytd.prior_year_amount.operating_profit == ly["operating_profit_amount"]
    assert ytd.budget_amount.revenue > 0  # the original budget of the span is there
    assert ((ytd.budget_amount + ytd.vs_budget_amount).round(2) == ytd.current_amount).all()


@pytest.mark.parametrize("scope, choice", [(Scope("2025-11", "2026-10"), PeriodChoice("r12", "2026-10")),
                                           (Scope("2026-10", "2026-10", ("P2",)), PeriodChoice("month", "2026-10")),
                                           (Scope("2026-01", "2026-10"), PeriodChoice("ytd", "2026-10"))], ids=["r12", "a month of a plant", "ytd"])
def test_budget_kpis_without_the_comparison_spans(sample_engine, scope, choice):
    """The overview's budget KPIs from the budget column alone: the same as from the whole
    comparison statement of the period choice."""
    whole = pnl_statement_report(sample_engine, scope, "comparison", choice)["statement"]
    alone = budget_statement(sample_engine, scope)
    assert set(whole.columns) - set(alone.columns) and set(alone.columns) == {"line", "is_subtotal", "current_amount", "budget_amount", "vs_budget_amount"}
    assert (alone.current_amount == 0).all()  # no ledger read
    assert alone.budget_amount.tolist() == whole.set_index("line").budget_amount[alone.line].tolist()
    kpis = compute_budget_kpis(alone)
    assert kpis is not None and kpis["revenue_amount"] > 0
    assert kpis == compute_budget_kpis(whole)


def test_month_mode_compares_with_prior_month_and_last_year(sample_engine):
    st = pnl_statement_report(sample_engine, Scope("2026-10", "2026-10"), "comparison", PeriodChoice("month", "2026-10"))["statement"]
    assert [c for c in st.columns if c.endswith("_amount")] == [
        "current_amount", "prior_month_amount", "prior_month_change_amount", "prior_year_amount", "prior_year_change_amount",
        "budget_amount", "vs_budget_amount"]
    sep = pnl_statement_report(sample_engine, Scope("2026-09", "2026-09"), "by_month")["statement"]
    assert (st.prior_month_amount == sep.period_total_amount).all()


def test_trial_balance_on_the_sample_rolls_forward(sample_engine):
    """Closing of one span = opening of the next (P&L accounts within the year)."""
    first = trial_balance_report(sample_engine, Scope("2026-01", "2026-05"))
    second = trial_balance_report(sample_engine, Scope("2026-06", "2026-10"))
    for report in (first, second):
        totals = report["totals"]
        assert totals["is_movement_balanced"] and totals["is_closing_balanced"] and totals["is_opening_balanced"]
    a = first["accounts"].set_index("account_code").closing_amount
    b = second["accounts"].set_index("account_code").opening_amount
    both = a.index.intersection(b.index).dropna()
    assert len(both) > 10
    assert np.allclose(a[both], b[both], atol=0.005)


# --------------------------------------------------------------------------- hand-built ledger
def _tiny_ledger():
    acc = pd.DataFrame([
        ("1002", "银行存款", "Bank", "asset", "cash"),
        ("2202", "应付账款", "Payables", "liability", "payables"),  # never used: not in the trial balance
        ("4001", "实收资本", "Capital", "equity", "equity"),
        ("6001", "主营业务收入", "Revenue", "revenue", "revenue"),
        ("6602", "管理费用", "Admin", "expense", "expense"),
    ], columns=["account_code", "account_name", "account_name_en", "account_type", "category"])
    entries = [  # voucher, period, debit account, credit account, amount
        ("V1", "2024-12", "1002", "4001", 1000.00),  # capital paid in
        ("V2", "2025-06", "1002", "6001", 300.00),  # last year's sale
        ("V3", "2025-09", "6602", "1002", 120.00),  # last year's expense
        ("V4", "2026-01", "1002", "6001", 200.00),
        ("V5", "2026-02", "6602", "1002", 50.00),
        ("V6", "2026-03", "1002", "6001", 80.00),
        ("V7", "2026-03", "6602", "1002", 30.00),
        ("V8", "2026-04", "1002", "6001", 999.00),  # after the span
    ]
    vouchers = pd.DataFrame({"voucher_no": [e[0] for e in entries],
                             "voucher_date": [dt.date(int(e[1][:4]), int(e[1][5:]), 15) for e in entries],
                             "period": [e[1] for e in entries], "voucher_type": "GL", "status": "posted"})
    lines = []
    for v, period, dr, cr, amount in entries:
        lines.append({"voucher_no": v, "line_no": 1, "period": period, "account_code": dr, "debit_amount": amount, "credit_amount": 0.0})
        lines.append({"voucher_no": v, "line_no": 2, "period": period, "account_code": cr, "debit_amount": 0.0, "credit_amount": amount})
    return {"accounts": acc, "vouchers": vouchers, "voucher_lines": pd.DataFrame(lines)}


@pytest.fixture
def tiny_ledger(empty_url):
    yield from loaded_engine(empty_url, _tiny_ledger())


def test_trial_balance_opening_movement_closing_by_hand(tiny_ledger):
    tb = q.load_trial_balance_with_opening(tiny_ledger, Scope("2026-03", "2026-03"))
    rows = tb[~tb.is_prior_years_result].set_index("account_code")
    assert list(rows.index) == ["1002", "4001", "6001", "6602"]  # 2202 has no balance and no movement
    # bank: 1,000 + 300 − 120 + 200 − 50 = 1,330 before March; +80 −30 in March
    assert rows.loc["1002", ["opening_amount", "debit_amount", "credit_amount", "closing_amount"]].tolist() == [1330.00, 80.00, 30.00, 1380.00]
    assert rows.loc["4001", ["opening_amount", "closing_amount"]].tolist() == [-1000.00, -1000.00]
    # revenue starts 2026 at zero: only January's 200 before March; last year's 300 is not in it
    assert rows.loc["6001", ["opening_amount", "debit_amount", "credit_amount", "closing_amount"]].tolist() == [-200.00, 0.0, 80.00, -280.00]
    assert rows.loc["6602", ["opening_amount", "debit_amount", "closing_amount"]].tolist() == [50.00, 30.00, 80.00]
    prior = tb[tb.is_prior_years_result]
    assert len(prior) == 1 and prior.account_code.isna().all()
    assert prior.opening_amount.iloc[0] == -180.00 and prior.closing_amount.iloc[0] == -180.00  # −300 + 120: 2025's profit
    totals = compute_trial_balance_totals(tb)
    assert totals["opening_amount"] == 0.0  # 1,330 − 1,000 − 200 + 50 − 180
    assert totals["debit_amount"] == totals["credit_amount"] == 110.00  # 80 + 30
    assert totals["closing_amount"] == 0.0  # 1,380 − 1,000 − 280 + 80 − 180
    assert totals["is_movement_balanced"] and totals["is_closing_balanced"] and totals["is_opening_balanced"]


def test_trial_balance_across_a_year_end_and_open_ended(tiny_ledger):
    # from 2025-06: the year starts 2025-01, nothing of earlier years on P&L accounts -> no extra line
    tb = q.load_trial_balance_with_opening(tiny_ledger, Scope("2025-06", "2026-03"))
    assert not tb.is_prior_years_result.any()
    bank = tb.set_index("account_code").loc["1002"]
    assert [bank.opening_amount, bank.debit_amount, bank.credit_amount, bank.closing_amount] == [1000.00, 580.00, 200.00, 1380.00]
    # open scope: no opening, every line a movement (V8 too)
    tb = q.load_trial_balance_with_opening(tiny_ledger, Scope())
    assert (tb.opening_amount == 0).all()
    assert tb.debit_amount.sum() == pytest.approx(2779.00)  # 1,000 + 300 + 120 + 200 + 50 + 80 + 30 + 999
    unbalanced = tb.assign(closing_amount=tb.closing_amount + np.r_[np.zeros(len(tb) - 1), 0.01])
    assert not compute_trial_balance_totals(unbalanced)["is_closing_balanced"]
