"""The cockpit's own figures: the few that no page computes yet, from frames other modules make.

* budget execution = actual cost ÷ budgeted cost of the span's budgeted lines (revenue lines are
  not spending, so they are left out); year to date it is the phased execution: actual to date ÷
  budget to date of the year's months up to the last closed one (``analytics.budget``);
* working capital over a span of closed months (``analytics.working_capital``'s formulas, closing
  balances, revenue as sales, actual calendar days): DSO = receivables ÷ revenue × days,
  DIO = inventory ÷ cost of sales × days, DPO = payables ÷ cost of sales × days,
  CCC = DSO + DIO − DPO, balances at the span's last month, flows summed over its months;
* the lowest closing balance of the weekly driver forecast and the week it falls in;
* what moved the profit bridge: the bar that lowered gross profit most and its share of the fall,
  and the work center whose cost variance grew most.

Sign rules: variance = actual − standard, positive is unfavorable; a bridge bar is the change it
causes in gross profit, positive raises profit. A ratio over a zero base is None, never NaN.
"""

from __future__ import annotations

import pandas as pd

from analytics.money import sum_cents
from analytics.working_capital import period_days


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def compute_budget_execution(total: pd.DataFrame) -> float | None:
    """Actual ÷ budget of the cost lines of an execution summary (``compute_execution`` rows with
    ``line_type``, ``budget_amount``, ``actual_amount``); None without a cost budget.

    >>> compute_budget_execution(pd.DataFrame({"line_type": ["cost", "revenue"], "budget_amount": [200.0, 500.0],
    ...                                        "actual_amount": [180.0, 450.0]}))
    0.9
    """
    cost = total[total.line_type == "cost"]
    return _ratio(cost.actual_amount.sum(), cost.budget_amount.sum()) if len(cost) else None


def compute_phased_execution(year_to_date: pd.DataFrame) -> float | None:
    """Actual to date ÷ budget to date of the cost lines of a year-to-date execution frame
    (``compute_execution(..., to_date=...)``); None without a cost budget to date."""
    cost = year_to_date[year_to_date.line_type == "cost"]
    return _ratio(cost.actual_to_date_amount.sum(), cost.budget_to_date_amount.sum()) if len(cost) else None


def compute_span_working_capital(months: pd.DataFrame, first: str, last: str) -> dict:
    """DSO, DIO, DPO and CCC over the closed months ``first``…``last`` of ``compute_wc_months``
    (balances at ``last``, flows summed, actual days of the months present). All None when
    ``last`` is not a closed month of the data.

    >>> # one month of 30 days: receivables 60, revenue 120 -> DSO = 60 / 120 × 30 = 15.0
    """
    empty = {"period_from": first, "period_to": last, "days": None, "dso_days": None, "dio_days": None, "dpo_days": None,
             "ccc_days": None}
    span = months[(months.period >= first) & (months.period <= last)]
    if span.empty or span.period.max() != last:
        return empty
    end = span[span.period == last].iloc[0]
    n_days = period_days(span.period, "actual")
    revenue, cost = float(span.revenue_amount.sum()), float(span.cost_of_sales_amount.sum())

    def per_day(stock: float, flow: float) -> float | None:
        return round(stock / flow * n_days, 4) if flow > 0 else None

    dso = per_day(float(end.receivables_amount), revenue)
    dio = per_day(float(end.inventory_amount), cost)
    dpo = per_day(float(end.payables_amount), cost)
    ccc = round(dso + dio - dpo, 4) if None not in (dso, dio, dpo) else None
    return {**empty, "period_from": str(span.period.min()), "days": n_days, "dso_days": dso, "dio_days": dio, "dpo_days": dpo,
            "ccc_days": ccc}


def compute_lowest_cash(weekly: pd.DataFrame) -> dict:
    """The lowest closing balance of a weekly forecast (``compute_forecast``) and the start of
    its week (the first such week on a tie); None values for an empty forecast."""
    if weekly.empty:
        return {"lowest_cash_amount": None, "lowest_cash_week_date": None}
    i = weekly.closing_amount.astype(float).idxmin()
    return {"lowest_cash_amount": round(float(weekly.closing_amount[i]), 2),
            "lowest_cash_week_date": pd.Timestamp(weekly.period_start_date[i]).date().isoformat()}


def compute_bridge_driver(bridge: pd.DataFrame) -> dict | None:
    """The bar of a profit bridge (``compute_pvm_bridge`` rows: step, amount, measure) that
    lowered gross profit most, with its share of the net change (``share_pct`` = bar ÷ (end −
    start), only when gross profit fell); None when no bar lowered it."""
    bars = bridge[bridge.measure == "relative"]
    if bars.empty or float(bars.amount.min()) >= 0:
        return None
    worst = bars.loc[bars.amount.astype(float).idxmin()]
    start = float(bridge.loc[bridge.step == "start", "amount"].iloc[0])
    end = float(bridge.loc[bridge.step == "end", "amount"].iloc[0])
    change = round(end - start, 2)
    share = round(float(worst.amount) / change, 4) if change < 0 else None
    return {"step": str(worst.step), "amount": round(float(worst.amount), 2), "change_amount": change, "share_pct": share}


def compute_variance_mover(current: pd.DataFrame, base: pd.DataFrame | None) -> dict | None:
    """The work center (with its plant) whose cost variance grew most from ``base`` to
    ``current`` (work-order variances or their sums per work center: plant_id, work_center_id,
    variance_amount); with no ``base``, the one with the largest variance. None when nothing
    grew (or no variances)."""
    keys = ["plant_id", "work_center_id"]
    if current is None or current.empty:
        return None
    # whole cents summed as cents: the same sums from the orders, their groups or coarser sums of them
    now = sum_cents(current, keys, ["variance_amount"]).set_index(keys).variance_amount
    before = sum_cents(base, keys, ["variance_amount"]).set_index(keys).variance_amount if base is not None and len(base) else pd.Series(dtype=float)
    change = now.sub(before, fill_value=0.0) if base is not None else now
    if change.empty or not float(change.max()) > 0:
        return None
    plant, wc = change.idxmax()
    value = float(now.get((plant, wc), 0.0))
    return {"plant_id": plant, "work_center_id": wc, "variance_amount": round(value, 2),
            "change_amount": round(float(change.max()), 2) if base is not None else None}


