"""Working capital: DSO, DIO, DPO and CCC per month, quarter and year under each day count and
balance convention, worked by hand; documents vs ledger balances; every database."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.working_capital import (
    WorkingCapitalSettings,
    compute_wc_months,
    compute_working_capital,
    period_days,
    period_label,
)
from data_loaders import cash as C
from data_loaders.scope import Scope
from reports.cash import cash_report


def ledger(rows):
    return pd.DataFrame(rows, columns=["plant_id", "period", "category", "is_opening", "debit_amount", "credit_amount"])


def quarter_2025q1():
    """Q1 2025 (31 + 28 + 31 = 90 days) of one plant, ledger only. Opening voucher: receivables
    60,000, raw materials 45,000, payables 30,000. Each month: revenue 120,000 on account, cost of
    sales 90,000 (finished goods in and out), payables +10,000; received 100,000, 120,000, 80,000."""
    rows = [("P1", "2025-01", "receivables", True, 60_000.0, 0.0),
            ("P1", "2025-01", "raw_materials", True, 45_000.0, 0.0),
            ("P1", "2025-01", "payables", True, 0.0, 30_000.0)]
    for month, received in (("2025-01", 100_000.0), ("2025-02", 120_000.0), ("2025-03", 80_000.0)):
        rows += [("P1", month, "revenue", False, 0.0, 120_000.0), ("P1", month, "receivables", False, 120_000.0, received),
                 ("P1", month, "cost_of_sales", False, 90_000.0, 0.0), ("P1", month, "finished_goods", False, 90_000.0, 90_000.0),
                 ("P1", month, "payables", False, 0.0, 10_000.0)]
    return ledger(rows)


def test_quarter_actual_days_closing_balances():
    months = compute_wc_months(quarter_2025q1())
    # receivables 60,000 + 3 × 120,000 − (100,000 + 120,000 + 80,000) = 120,000; revenue 360,000
    assert months.receivables_amount.iloc[-1] == 120_000.0
    q = compute_working_capital(months, basis="quarter", day_count="actual").iloc[0]
    assert (q.period, q.n_months, q.days, q.is_complete) == ("2025Q1", 3, 90.0, True)
    assert q.dso_days == pytest.approx(120_000 / 360_000 * 90)  # 30.0
    assert q.dio_days == pytest.approx(45_000 / 270_000 * 90)  # inventory 45,000 over cost of sales 3 × 90,000: 15.0
    assert q.dpo_days == pytest.approx(60_000 / 270_000 * 90)  # payables 30,000 + 3 × 10,000 = 60,000: 20.0
    assert q.ccc_days == pytest.approx(30 + 15 - 20)  # 25.0
    assert q.receivables_source == "ledger"


def test_quarter_average_balances_and_the_other_day_counts():
    months = compute_wc_months(quarter_2025q1())
    q = compute_working_capital(months, basis="quarter", day_count="30/360", balance="average").iloc[0]
    # average receivables = (opening 60,000 from the opening voucher + closing 120,000) / 2 = 90,000; 90 days on 30/360
    assert q.receivables_amount == 90_000.0 and q.days == 90.0
    assert q.dso_days == pytest.approx(90_000 / 360_000 * 90)  # 22.5
    assert q.dpo_days == pytest.approx((30_000 + 60_000) / 2 / 270_000 * 90)  # 15.0
    q365 = compute_working_capital(months, basis="quarter", day_count="365").iloc[0]
    assert q365.days == 91.25 and q365.dso_days == pytest.approx(120_000 / 360_000 * 91.25)  # 30.42


def test_month_basis():
    m = compute_working_capital(compute_wc_months(quarter_2025q1()), basis="month", day_count="actual")
    feb = m.set_index("period").loc["2025-02"]
    # end of February: 60,000 + 240,000 − 220,000 = 80,000 over February's revenue 120,000 × 28 days
    assert feb.receivables_amount == 80_000.0 and feb.days == 28.0
    assert feb.dso_days == pytest.approx(80_000 / 120_000 * 28)  # 18.67
    assert compute_working_capital(compute_wc_months(quarter_2025q1()), "month", "30/360").days.tolist() == [30.0, 30.0, 30.0]
    assert compute_working_capital(compute_wc_months(quarter_2025q1()), "month", "365").days.iloc[0] == pytest.approx(365 / 12)


def test_year_basis_and_credit_sales():
    rows = [("P1", "2024-12", "receivables", True, 100_000.0, 0.0)]
    for p in pd.period_range("2025-01", "2025-12", freq="M").astype(str):
        rows += [("P1", p, "revenue", False, 0.0, 150_000.0), ("P1", p, "receivables", False, 120_000.0, 120_000.0)]
    months = compute_wc_months(ledger(rows))
    y = compute_working_capital(months[months.period >= "2025-01"], basis="year", day_count="365", sales_basis="credit_sales")
    y = y.set_index("period").loc["2025"]
    # credit sales = debits to receivables = 12 × 120,000 = 1,440,000 (revenue 1,800,000 includes cash sales)
    assert y.sales_amount == 1_440_000.0 and y.revenue_amount == 1_800_000.0
    assert y.dso_days == pytest.approx(100_000 / 1_440_000 * 365)  # 25.35
    r = compute_working_capital(months, basis="year", day_count="actual").set_index("period")
    assert r.loc["2025", "dso_days"] == pytest.approx(100_000 / 1_800_000 * 365)  # 2025 has 365 actual days
    assert r.loc["2024", "is_complete"] == False and pd.isna(r.loc["2024", "dso_days"])  # noqa: E712 - no revenue in Dec 2024


def test_documents_replace_ledger_balances_where_the_plant_has_them():
    lg = quarter_2025q1()
    other = ledger([("P2", "2025-01", "receivables", False, 5_000.0, 0.0), ("P2", "2025-01", "revenue", False, 0.0, 5_000.0)])
    docs = pd.DataFrame({"plant_id": ["P1"], "period": ["2025-01"], "invoiced_amount": [200_000.0], "credit_sales_amount": [150_000.0],
                         "received_amount": [50_000.0], "supplier_invoiced_amount": [0.0], "paid_amount": [0.0]})
    months = compute_wc_months(pd.concat([lg, other]), docs).set_index("period")
    # January: P1 from its invoices 200,000 − 50,000 = 150,000, P2 from its ledger 5,000
    assert months.loc["2025-01", "receivables_amount"] == 155_000.0
    assert months.loc["2025-01", "receivables_source"] == "mixed"
    assert months.loc["2025-03", "receivables_amount"] == 155_000.0  # no later documents: the balance carries forward
    assert months.loc["2025-01", "credit_sales_amount"] == 150_000.0 + 5_000.0


def test_labels_and_bad_settings():
    assert period_label("2026-05", "quarter") == "2026Q2" and period_label("2026-05", "year") == "2026"
    assert period_days(["2024-02"], "actual") == 29.0 and period_days(["2024-01", "2024-02"], "30/360") == 60.0
    with pytest.raises(ValueError, match="day_count"):
        WorkingCapitalSettings(day_count="360")
    with pytest.raises(ValueError, match="basis"):
        compute_working_capital(compute_wc_months(quarter_2025q1()), basis="week")


def test_documents_and_ledger_agree_on_the_sample(sample_engine):
    led = C.load_working_capital_ledger(sample_engine, Scope())
    docs = C.load_working_capital_documents(sample_engine, Scope())
    assert set(led.category) >= {"receivables", "payables", "raw_materials", "finished_goods", "revenue", "cost_of_sales"}
    from_docs = compute_wc_months(led, docs).set_index("period")
    from_ledger = compute_wc_months(led).set_index("period")
    assert (from_docs.receivables_source == "documents").all() and (from_ledger.receivables_source == "ledger").all()
    # every sales invoice and receipt is posted to the receivables account: the two agree to the cent
    assert (from_docs.receivables_amount - from_ledger.receivables_amount).abs().max() < 0.02
    r = cash_report(sample_engine, Scope(), backtest=False, wc_basis="quarter", wc_day_count="365", wc_balance="average")
    wc = r["working_capital"]
    assert wc.period.iloc[-1] == "2026Q4" and not wc.is_complete.iloc[-1]  # October only (as of 2026-11-22)
    full = wc[wc.is_complete]
    assert (full.days == 91.25).all() and len(full) >= 6
    assert (full.dso_days > 0).all() and (full.ccc_days == full.dso_days + full.dio_days - full.dpo_days).all()
