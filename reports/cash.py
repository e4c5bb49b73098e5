"""Cash forecast and working capital for a scope, as of the dataset's date."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from analytics import cash as A
from analytics import working_capital as W
from data_loaders import cash as C
from data_loaders.queries import load_dataset_info
from data_loaders.scope import Scope


def as_of_date(engine: Engine) -> pd.Timestamp:
    value = load_dataset_info(engine).get("as_of_date")
    return pd.Timestamp(value) if value else pd.Timestamp.today().normalize()


def cash_report(engine: Engine, scope: Scope, scenario: A.CashScenario = A.CashScenario(), min_cash: float = 0.0,
                backtest: bool = True, wc_basis: str = "month", wc_day_count: str = "actual", wc_balance: str = "closing",
                wc_sales_basis: str = "revenue") -> dict:
    """The 13-week and 12-month driver forecasts with their events, the statistical baseline (the
    chosen model and its selection scores) and its backtest, funding gaps under ``min_cash``,
    working capital per closed period of ``wc_basis`` (analytics.working_capital: day count,
    closing or average balances, revenue or credit sales) and aging."""
    as_of = as_of_date(engine)
    plants = Scope(plants=scope.plants)
    position = C.load_cash_position(engine, as_of.date(), plants)
    opening = float(position.balance_amount.sum())
    receivables = C.load_open_receivables(engine, as_of.date(), plants)
    payables = C.load_open_payables(engine, as_of.date(), plants)
    delays = A.compute_payment_delays(C.load_receipt_history(engine, as_of.date(), plants), as_of)
    overheads = C.load_cash_overhead_budget(engine, plants, A.CASH_OVERHEAD_ACCOUNTS)
    events = A.compute_cash_events(as_of, receivables, delays, payables, C.load_open_purchase_orders(engine, plants),
                                   C.load_open_sales_orders(engine, plants), C.load_plan_drivers(engine, plants), overheads, scenario)
    weekly = A.compute_forecast(opening, events, as_of, "W", 13)
    monthly = A.compute_forecast(opening, events, as_of, "M", 12)
    history = A.compute_weekly_history(C.load_daily_cash_flow(engine, plants))
    history = history[history.index < as_of - pd.Timedelta(days=as_of.weekday())]
    baseline, model = None, None
    if len(history) >= 8:
        model = A.CashBaseline().fit(history)
        baseline = model.predict_balance(opening, 13).assign(period_start_date=weekly.period_start_date.to_numpy())
        baseline["driver_closing_amount"] = weekly.closing_amount.to_numpy()
        baseline["difference_amount"] = (baseline.driver_closing_amount - baseline.forecast).round(2)
    months = W.compute_wc_months(C.load_working_capital_ledger(engine, plants), C.load_working_capital_documents(engine, plants))
    months = months[months.period < as_of.strftime("%Y-%m")]  # the open month is not closed yet
    working = W.compute_working_capital(months, wc_basis, wc_day_count, wc_balance, wc_sales_basis)
    customer_dso = A.compute_customer_dso(C.load_customer_flows(engine, plants))
    customer_dso = customer_dso[customer_dso.period < as_of.strftime("%Y-%m")]
    last = (as_of.to_period("M") - 1).strftime("%Y-%m")
    year_before = (as_of.to_period("M") - 13).strftime("%Y-%m")
    return {
        "as_of": as_of,
        "customer_dso": customer_dso,
        "dso_drivers": A.compute_dso_drivers(customer_dso, year_before, last),
        "dso_drivers_periods": (year_before, last),
        "opening": opening,
        "position": position,
        "events": events,
        "weekly": weekly,
        "monthly": monthly,
        "baseline": baseline,
        "baseline_model": model.chosen_ if model is not None else None,
        "baseline_scores": model.scores_ if model is not None else None,
        "backtest": A.compute_backtest(history) if backtest and len(history) >= 40 else None,
        "gaps_weekly": A.compute_funding_gaps(weekly, min_cash),
        "gaps_monthly": A.compute_funding_gaps(monthly, min_cash),
        "delays": delays,
        "working_capital": working,
        "ar_aging": A.compute_aging(receivables, as_of, "customer_id"),
        "ap_aging": A.compute_aging(payables, as_of, "supplier_id"),
        "receivables": receivables,
    }
