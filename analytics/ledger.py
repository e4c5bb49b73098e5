"""Ledger figures in natural signs, and the tie between the ledger and operations.

Sign rules: revenue is credit - debit (positive when earned); costs are debit - credit
(positive when incurred); gross profit = revenue - cost of sales - production variance.
Variance = actual cost - standard cost; positive is unfavorable.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.money import compute_overhead_cents

PNL_COLUMNS = ["revenue_amount", "cost_of_sales_amount", "variance_amount", "gross_profit_amount",
               "gross_margin_pct", "overhead_amount", "expense_amount", "operating_profit_amount"]


def compute_monthly_pnl(ledger: pd.DataFrame) -> pd.DataFrame:
    """Profit and loss per period from ``load_ledger_by_category`` rows.

    One row per period with revenue, cost of sales, variance, gross profit and margin,
    overhead spending (incurred minus applied) and period expenses.
    """
    required = {"period", "category", "debit_amount", "credit_amount"}
    if not required <= set(ledger.columns):
        raise ValueError(f"ledger needs columns {sorted(required)}, got {sorted(ledger.columns)}")
    if ledger.empty:
        return pd.DataFrame(columns=["period"] + PNL_COLUMNS)
    net = ledger.assign(net=ledger.debit_amount - ledger.credit_amount)
    wide = net.pivot_table(index="period", columns="category", values="net", aggfunc="sum").fillna(0.0)

    def get(name):
        return wide[name] if name in wide else pd.Series(0.0, index=wide.index)

    out = pd.DataFrame(index=wide.index)
    out["revenue_amount"] = -get("revenue")
    out["cost_of_sales_amount"] = get("cost_of_sales")
    out["variance_amount"] = get("variance")
    out["gross_profit_amount"] = out.revenue_amount - out.cost_of_sales_amount - out.variance_amount
    out["gross_margin_pct"] = np.where(out.revenue_amount != 0, out.gross_profit_amount / out.revenue_amount.where(out.revenue_amount != 0, 1), np.nan)
    out["overhead_amount"] = get("overhead") + get("overhead_applied")
    out["expense_amount"] = get("expense")
    out["operating_profit_amount"] = out.gross_profit_amount - out.overhead_amount - out.expense_amount
    money = [c for c in PNL_COLUMNS if c.endswith("_amount")]
    out[money] = out[money].round(2)
    return out.reset_index()


# compute_wip_tie's columns, in its order
WIP_TIE_COLUMNS = ["work_order_id", "plant_id", "product_id", "status", "planned_start_date", "material_amount", "labor_amount",
                   "overhead_amount", "operations_amount", "ledger_wip_amount", "ledger_relieved_amount", "difference_amount", "is_tied"]


def compute_wip_tie(facts: pd.DataFrame, tolerance: float = 0.005) -> pd.DataFrame:
    """Operations cost vs ledger WIP charged per work order (from ``load_work_order_cost_facts``).

    Operations cost = material issued net of returns + labor + overhead absorbed; overhead is
    absorbed when an order completes (the posting rule), so it counts for completed orders only.
    ``difference_amount = ledger_wip_amount - operations_amount``; ``is_tied`` within ``tolerance``.
    """
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    f = facts.copy()
    overhead = compute_overhead_cents(f.machine_s.round(), f.absorption_rate_per_h) / 100.0
    f["overhead_amount"] = np.where(f.status == "completed", overhead, 0.0)
    f["operations_amount"] = (f.material_amount + f.labor_amount + f.overhead_amount).round(2)
    f["ledger_wip_amount"] = (f.ledger_material_charged + f.ledger_labor_charged + f.ledger_overhead_charged).round(2)
    f["ledger_relieved_amount"] = (f.ledger_material_relieved + f.ledger_labor_relieved + f.ledger_overhead_relieved).round(2)
    f["difference_amount"] = (f.ledger_wip_amount - f.operations_amount).round(2)
    f["is_tied"] = f.difference_amount.abs() <= tolerance
    return f[WIP_TIE_COLUMNS]


def compute_kpis(pnl: pd.DataFrame, production: pd.DataFrame, cash: pd.DataFrame) -> dict:
    """Headline figures for the scope: totals of the P&L, output, scrap rate, latest cash."""
    revenue = float(pnl.revenue_amount.sum()) if not pnl.empty else 0.0
    gross = float(pnl.gross_profit_amount.sum()) if not pnl.empty else 0.0
    good = float(production.good_qty.sum()) if not production.empty else 0.0
    scrap = float(production.scrap_qty.sum()) if not production.empty else 0.0
    cash_total = 0.0
    cash_date = None
    if not cash.empty:
        last = cash.balance_date.max()
        cash_total = float(cash.loc[cash.balance_date == last, "balance_amount"].sum())
        cash_date = pd.Timestamp(last).date().isoformat()
    return {
        "revenue_amount": round(revenue, 2),
        "gross_profit_amount": round(gross, 2),
        "gross_margin_pct": round(gross / revenue, 4) if revenue else None,
        "variance_amount": round(float(pnl.variance_amount.sum()), 2) if not pnl.empty else 0.0,
        "operating_profit_amount": round(float(pnl.operating_profit_amount.sum()), 2) if not pnl.empty else 0.0,
        "good_qty": good,
        "scrap_pct": round(scrap / (good + scrap), 4) if good + scrap else None,
        "cash_amount": round(cash_total, 2),
        "cash_date": cash_date,
    }


PRODUCTION_COLUMNS = ["period", "family", "good_qty", "scrap_qty", "scrap_pct"]  # compute_production_monthly's, in its order


def compute_production_monthly(daily: pd.DataFrame) -> pd.DataFrame:
    """Monthly output per family from ``load_production_daily``: good, scrap and scrap rate."""
    if daily.empty:
        return pd.DataFrame(columns=PRODUCTION_COLUMNS)
    # each distinct month formatted once (strftime per day row was most of the time at 10 M lines)
    months, at = np.unique(pd.to_datetime(daily.count_date).to_numpy().astype("datetime64[M]"), return_inverse=True)
    d = daily.assign(period=pd.DatetimeIndex(months).strftime("%Y-%m").to_numpy()[at.reshape(-1)])
    out = d.groupby(["period", "family"], as_index=False)[["good_qty", "scrap_qty"]].sum()
    total = out.good_qty + out.scrap_qty
    out["scrap_pct"] = np.where(total > 0, out.scrap_qty / total.where(total > 0, 1), np.nan)
    return out


def compute_trial_balance_totals(tb: pd.DataFrame, tolerance: float = 0.005) -> dict:
    """Totals of ``load_trial_balance_with_opening`` and the two checks a trial balance must pass:
    Σ debit movement = Σ credit movement, and Σ closing (debit − credit) = 0 (likewise Σ opening).

    Returns opening_amount, debit_amount, credit_amount, closing_amount (sums, to the cent),
    is_movement_balanced, is_closing_balanced, is_opening_balanced.
    """
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    # + 0.0 turns a rounded -0.0 into 0.0
    sums = {c: round(float(tb[c].sum()), 2) + 0.0 if not tb.empty else 0.0
            for c in ("opening_amount", "debit_amount", "credit_amount", "closing_amount")}
    return {
        **sums,
        "is_movement_balanced": abs(sums["debit_amount"] - sums["credit_amount"]) <= tolerance,
        "is_closing_balanced": abs(sums["closing_amount"]) <= tolerance,
        "is_opening_balanced": abs(sums["opening_amount"]) <= tolerance,
    }
