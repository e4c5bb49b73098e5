"""Headline KPIs compared across spans: the change from a comparison span to the current one.

Sign rule: change = current − comparison. Ratios (``*_pct``) change in fractions (shown as
percentage points); ``HIGHER_IS_BETTER`` says which direction is good for each KPI, so that
a fall in cost variance or scrap reads as an improvement.
"""

from __future__ import annotations

import pandas as pd

KPIS = ("revenue_amount", "gross_profit_amount", "gross_margin_pct", "variance_amount", "operating_profit_amount",
        "good_qty", "scrap_pct", "cash_amount")
HIGHER_IS_BETTER = {"revenue_amount": True, "gross_profit_amount": True, "gross_margin_pct": True, "variance_amount": False,
                    "operating_profit_amount": True, "good_qty": True, "scrap_pct": False, "cash_amount": True}


def compute_kpi_change(current: dict, other: dict | None, kpi: str) -> float | None:
    """``current[kpi] − other[kpi]``, rounded to the cent for money; None when either is unknown."""
    if other is None or current.get(kpi) is None or other.get(kpi) is None:
        return None
    change = float(current[kpi]) - float(other[kpi])
    return round(change, 2) if kpi.endswith("_amount") else round(change, 6)


def compute_kpi_comparison(current: dict, others: dict[str, dict | None], kpis=KPIS) -> pd.DataFrame:
    """One row per KPI: ``kpi``, ``current``, and for each named comparison its value and the
    change (``<name>`` and ``<name>_change``), plus ``higher_is_better``.

    >>> compute_kpi_comparison({"revenue_amount": 110.0}, {"prior_month": {"revenue_amount": 100.0}}, ["revenue_amount"])
    ... # one row: current 110.0, prior_month 100.0, prior_month_change 10.0
    """
    rows = []
    for kpi in kpis:
        row = {"kpi": kpi, "current": current.get(kpi), "higher_is_better": HIGHER_IS_BETTER.get(kpi, True)}
        for name, other in others.items():
            row[name] = None if other is None else other.get(kpi)
            row[f"{name}_change"] = compute_kpi_change(current, other, kpi)
        rows.append(row)
    return pd.DataFrame(rows)


def compute_ledger_vs_operations(ledger: dict, operations: pd.Series | dict) -> dict:
    """Where the ledger's and the operations' figures for one scope legitimately differ.

    ``ledger``: ``compute_kpis`` of the scope (as booked); ``operations``: the profitability
    total (from work orders and invoices). Revenue is the same on both sides; gross profit and
    cost variance differ by the variance of work orders that were never posted:
    ``unposted_variance_amount = operations variance − ledger variance`` and
    ``ledger gross profit − operations gross profit = unposted_variance_amount``.
    """
    ops_variance = float(operations["variance_amount"])
    ledger_variance = float(ledger["variance_amount"])
    return {
        "revenue_difference_amount": round(float(ledger["revenue_amount"]) - float(operations["revenue_amount"]), 2),
        "ledger_gross_profit_amount": round(float(ledger["gross_profit_amount"]), 2),
        "operations_gross_profit_amount": round(float(operations["gross_profit_amount"]), 2),
        "ledger_variance_amount": round(ledger_variance, 2),
        "operations_variance_amount": round(ops_variance, 2),
        "unposted_variance_amount": round(ops_variance - ledger_variance, 2),
    }


def compute_budget_kpis(statement: pd.DataFrame) -> dict | None:
    """The headline KPIs as budgeted, from a comparison-layout P&L statement's ``budget_amount``
    (``analytics.pnl``); None when the span has no budget. Output, scrap and cash have no budget.
    """
    if statement is None or "budget_amount" not in statement:
        return None
    budget = dict(zip(statement.line, statement.budget_amount.astype(float)))
    revenue = budget.get("revenue", 0.0)
    gross = budget.get("gross_profit", 0.0)
    return {
        "revenue_amount": round(revenue, 2),
        "gross_profit_amount": round(gross, 2),
        "gross_margin_pct": round(gross / revenue, 6) if revenue else None,
        "variance_amount": round(budget.get("variance", 0.0), 2),
        "operating_profit_amount": round(budget.get("operating_profit", 0.0), 2),
        "good_qty": None, "scrap_pct": None, "cash_amount": None,
    }
