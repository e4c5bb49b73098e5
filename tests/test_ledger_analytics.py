"""P&L, WIP tie and KPIs on tiny hand-made frames, with the arithmetic written out."""

import datetime as dt

import pandas as pd
import pytest

from analytics.ledger import compute_kpis, compute_monthly_pnl, compute_production_monthly, compute_wip_tie


def ledger_rows():
    return pd.DataFrame(
        [
            # period, plant, category, debit, credit
            ("2026-01", "P1", "revenue", 0.0, 1000.00),
            ("2026-01", "P1", "cost_of_sales", 700.00, 0.0),
            ("2026-01", "P1", "variance", 30.00, 0.0),
            ("2026-01", "P1", "overhead", 120.00, 0.0),
            ("2026-01", "P1", "overhead_applied", 0.0, 100.00),
            ("2026-01", "P1", "expense", 50.00, 0.0),
            ("2026-02", "P1", "revenue", 20.00, 520.00),  # a credit note of 20
            ("2026-02", "P1", "cost_of_sales", 300.00, 0.0),
            ("2026-02", "P1", "variance", 0.0, 10.00),  # favorable
        ],
        columns=["period", "plant_id", "category", "debit_amount", "credit_amount"],
    )


def test_monthly_pnl_hand_computed():
    pnl = compute_monthly_pnl(ledger_rows()).set_index("period")
    jan, feb = pnl.loc["2026-01"], pnl.loc["2026-02"]
    assert jan.revenue_amount == 1000.00
    assert jan.gross_profit_amount == 1000.00 - 700.00 - 30.00  # 270.00
    assert jan.gross_margin_pct == pytest.approx(270 / 1000)
    assert jan.overhead_amount == 120.00 - 100.00  # under-absorbed 20.00
    assert jan.operating_profit_amount == 270.00 - 20.00 - 50.00  # 200.00
    assert feb.revenue_amount == 520.00 - 20.00  # 500.00
    assert feb.gross_profit_amount == 500.00 - 300.00 + 10.00  # 210.00


def test_monthly_pnl_rejects_wrong_columns():
    with pytest.raises(ValueError, match="ledger needs columns"):
        compute_monthly_pnl(pd.DataFrame({"period": ["2026-01"]}))


def test_monthly_pnl_does_not_mutate_input():
    rows = ledger_rows()
    before = rows.copy()
    compute_monthly_pnl(rows)
    pd.testing.assert_frame_equal(rows, before)


def facts():
    return pd.DataFrame(
        {
            "work_order_id": ["WO-1", "WO-2", "WO-3"],
            "plant_id": ["P1", "P1", "P2"],
            "product_id": ["FG1", "FG1", "FG2"],
            "status": ["completed", "in_progress", "completed"],
            "planned_start_date": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-02-02"]),
            "completed_qty": [10.0, 0.0, 5.0],
            "absorption_rate_per_h": [120.0, 120.0, 60.0],
            "material_amount": [100.00, 50.00, 40.00],
            "labor_amount": [30.00, 10.00, 20.00],
            "labor_h": [1.0, 0.3, 0.5],
            "machine_s": [1800.0, 900.0, 3600.0],
            # WO-1: 100 + 30 + 1800 s x 120/h (60.00) = 190.00 all posted
            "ledger_material_charged": [100.00, 50.00, 40.00],
            "ledger_labor_charged": [30.00, 10.00, 0.0],  # WO-3 labor never posted
            "ledger_overhead_charged": [60.00, 0.0, 0.0],  # WO-3 overhead never posted
            "ledger_material_relieved": [100.00, 0.0, 0.0],
            "ledger_labor_relieved": [30.00, 0.0, 0.0],
            "ledger_overhead_relieved": [60.00, 0.0, 0.0],
        }
    )


def test_wip_tie_hand_computed():
    tie = compute_wip_tie(facts()).set_index("work_order_id")
    assert tie.loc["WO-1", "operations_amount"] == 190.00
    assert tie.loc["WO-1", "is_tied"]
    # in progress: overhead is absorbed only at completion, so 50 + 10 = 60 ties
    assert tie.loc["WO-2", "operations_amount"] == 60.00 and tie.loc["WO-2", "is_tied"]
    # WO-3: operations 40 + 20 + 3600 s x 60/h = 120.00; ledger 40.00 -> -80.00
    assert tie.loc["WO-3", "operations_amount"] == 120.00
    assert tie.loc["WO-3", "difference_amount"] == -80.00
    assert not tie.loc["WO-3", "is_tied"]


def test_wip_tie_tolerance():
    assert compute_wip_tie(facts(), tolerance=100).is_tied.all()
    with pytest.raises(ValueError, match="tolerance"):
        compute_wip_tie(facts(), tolerance=-1)


def test_production_months_from_any_date_kind():
    """Each day counts in its calendar month whatever the dates arrive as (text from SQLite,
    dates, timestamps), across a year end, in month then family order."""
    rows = {"plant_id": ["P1"] * 4, "family": ["B", "A", "A", "B"], "good_qty": [5.0, 1.0, 2.0, 3.0], "scrap_qty": [0.0, 1.0, 0.0, 1.0]}
    days = ["2026-01-01", "2025-12-31", "2025-12-01", "2026-01-31"]
    for dates in (days, [dt.date.fromisoformat(d) for d in days], pd.to_datetime(days)):
        out = compute_production_monthly(pd.DataFrame({"count_date": dates, **rows}))
        assert out.period.tolist() == ["2025-12", "2026-01"] and out.family.tolist() == ["A", "B"]
        assert out.good_qty.tolist() == [1.0 + 2.0, 5.0 + 3.0] and out.scrap_qty.tolist() == [1.0, 1.0]
        assert out.scrap_pct.tolist() == pytest.approx([1 / 4, 1 / 9])


def test_kpis_and_production():
    pnl = compute_monthly_pnl(ledger_rows())
    daily = pd.DataFrame({
        "count_date": pd.to_datetime(["2026-01-05", "2026-01-06", "2026-02-01"]),
        "plant_id": ["P1"] * 3, "family": ["A", "A", "A"],
        "good_qty": [90.0, 100.0, 50.0], "scrap_qty": [10.0, 0.0, 0.0],
    })
    prod = compute_production_monthly(daily).set_index("period")
    assert prod.loc["2026-01", "good_qty"] == 190 and prod.loc["2026-01", "scrap_pct"] == pytest.approx(10 / 200)
    cash = pd.DataFrame({"balance_date": pd.to_datetime(["2026-01-31", "2026-02-28", "2026-02-28"]),
                         "balance_amount": [5.0, 7.0, 8.0]})
    k = compute_kpis(pnl, compute_production_monthly(daily), cash)
    assert k["revenue_amount"] == 1500.00
    assert k["gross_profit_amount"] == 270.00 + 210.00
    assert k["gross_margin_pct"] == round(480 / 1500, 4)
    assert k["scrap_pct"] == round(10 / 250, 4)
    assert k["cash_amount"] == 15.0 and k["cash_date"] == "2026-02-28"
