"""Cash forecast and working capital for a scope, as of the dataset's date.

The report is composed of parts that change at different speeds, so that ``ui.data`` can cache
each one on what it depends on and a view recomputes only what its settings change:

* ``cash_inputs``: the position, open items, open orders, the plan and the overhead budget as
  of the dataset's date (depends on the data and the plants only);
* ``payment_delays``: each customer's recent payment delay (the overview's late payers, too);
* ``cash_history`` and ``cash_baseline``: the weekly net cash history and the statistical
  baseline fitted on it (one model selection per data version and plants);
* ``cash_backtest``: the baseline's 12-origin backtest (12 more selections: on demand);
* ``cash_working_capital_months`` and ``cash_customer_dso``: the closed months' balances;
* ``compose_cash_report``: the scenario, the minimum cash and the working-capital convention
  applied to those parts (cheap, no SQL).

``cash_report`` runs them all in one go (the CLI) and returns what it always returned.
The period filter does not apply: the forecast starts at the as-of date.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from analytics import cash as A
from analytics import working_capital as W
from data_loaders import cash as C
from data_loaders.queries import load_dataset_info, use_ledger_facts
from data_loaders.scope import Scope

WEEKS, MONTHS = 13, 12
MIN_BASELINE_WEEKS, MIN_BACKTEST_WEEKS = 8, 40
DELAY_WINDOW_DAYS = 180


def as_of_date(engine: Engine) -> pd.Timestamp:
    return as_of_in(load_dataset_info(engine))


def as_of_in(info: dict) -> pd.Timestamp:
    """The as-of date of ``load_dataset_info``'s settings (today without one)."""
    value = info.get("as_of_date")
    return pd.Timestamp(value) if value else pd.Timestamp.today().normalize()


def _plants(plants: tuple[str, ...]) -> Scope:
    return Scope(plants=tuple(plants))


def preload_models() -> None:
    """Import the forecasting models the baseline selects among (``analytics.forecast.preload``)."""
    from analytics.forecast import preload

    preload()


def payment_delays(engine: Engine, plants: tuple[str, ...] = (), as_of: pd.Timestamp | None = None) -> pd.Series:
    """Each customer's amount-weighted days paid after the due date over the last 180 days
    (``analytics.cash.compute_payment_delays``), as of the dataset's date."""
    as_of = as_of_date(engine) if as_of is None else as_of
    since = (as_of - pd.Timedelta(days=DELAY_WINDOW_DAYS)).date()  # only the window's receipts weigh
    receipts = C.load_receipt_history(engine, as_of.date(), _plants(plants), since)
    return A.compute_payment_delays(receipts, as_of, DELAY_WINDOW_DAYS, C.load_paying_customers(engine, as_of.date(), _plants(plants)))


def cash_position(engine: Engine, plants: tuple[str, ...] = (), as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """The latest balance of each bank account of the plants before the dataset's date (what
    ``cash_inputs`` holds as ``position``; its sum is today's cash)."""
    as_of = as_of_date(engine) if as_of is None else as_of
    return C.load_cash_position(engine, as_of.date(), _plants(plants))


def known_opening(position: pd.DataFrame) -> float | None:
    """Today's cash from the bank position (``cash_position``): the sum of the latest balances
    (``cash_inputs``' ``opening``), None when no bank account has one (a ledger-only database:
    unknown, not 0, though the forecasts start from 0)."""
    return float(position.balance_amount.sum()) if len(position) else None


def cash_inputs(engine: Engine, plants: tuple[str, ...] = (), position: pd.DataFrame | None = None,
                as_of: pd.Timestamp | None = None) -> dict:
    """What the driver forecast starts from, as of the dataset's date: ``as_of``, ``position``
    (latest balance per bank account; ``cash_position``'s frame when given), ``opening`` (their
    sum), open ``receivables`` and ``payables``, open purchase and sales orders, the plan
    drivers and the cash overhead budget. No scenario and no payment delays
    (``payment_delays``) are applied yet. ``as_of``: the dataset's date when already read."""
    as_of = as_of_date(engine) if as_of is None else as_of
    scope = _plants(plants)
    position = C.load_cash_position(engine, as_of.date(), scope) if position is None else position
    return {
        "as_of": as_of,
        "position": position,
        "opening": float(position.balance_amount.sum()),
        "receivables": C.load_open_receivables(engine, as_of.date(), scope),
        "payables": C.load_open_payables(engine, as_of.date(), scope),
        "open_purchase_orders": C.load_open_purchase_orders(engine, scope),
        "open_sales_orders": C.load_open_sales_orders(engine, scope),
        "plan": C.load_plan_drivers(engine, scope),
        "overheads": C.load_cash_overhead_budget(engine, scope, A.CASH_OVERHEAD_ACCOUNTS),
    }


def cash_history(engine: Engine, plants: tuple[str, ...] = (), as_of: pd.Timestamp | None = None,
                 use_facts: bool | None = None) -> pd.Series:
    """Net bank movement per week (Monday start) before the as-of date's week."""
    as_of = as_of_date(engine) if as_of is None else as_of
    history = A.compute_weekly_history(C.load_daily_cash_flow(engine, _plants(plants), use_facts))
    return history[history.index < as_of - pd.Timedelta(days=as_of.weekday())]


def cash_baseline(history: pd.Series, opening: float, horizon: int = WEEKS) -> dict:
    """The statistical baseline of the balance from ``opening`` over ``horizon`` weeks:
    ``{"baseline": step, forecast, lower, upper, lower_50, upper_50, "model": the chosen
    candidate, "scores": its selection scores}``; all None with fewer than 8 weeks of history."""
    if len(history) < MIN_BASELINE_WEEKS:
        return {"baseline": None, "model": None, "scores": None}
    model = A.CashBaseline().fit(history)
    return {"baseline": model.predict_balance(opening, horizon), "model": model.chosen_, "scores": model.scores_}


def cash_backtest(history: pd.Series) -> pd.DataFrame | None:
    """The baseline forecast from 12 past origins against what happened (``compute_backtest``);
    None with fewer than 40 weeks of history."""
    return A.compute_backtest(history) if len(history) >= MIN_BACKTEST_WEEKS else None


def cash_working_capital_months(engine: Engine, plants: tuple[str, ...] = (), as_of: pd.Timestamp | None = None,
                                use_facts: bool | None = None, ledger: pd.DataFrame | None = None) -> pd.DataFrame:
    """Working-capital balances and flows per closed month (``compute_wc_months``): ledger and
    documents, the open as-of month left out. ``ledger``: the plants' ``load_working_capital_ledger``
    when already read (the overview's warnings read it too)."""
    as_of = as_of_date(engine) if as_of is None else as_of
    scope = _plants(plants)
    ledger = C.load_working_capital_ledger(engine, scope, use_facts) if ledger is None else ledger
    months = W.compute_wc_months(ledger, C.load_working_capital_documents(engine, scope, use_facts))
    return months[months.period < as_of.strftime("%Y-%m")]


def cash_customer_dso(engine: Engine, plants: tuple[str, ...] = (), as_of: pd.Timestamp | None = None,
                      use_facts: bool | None = None) -> pd.DataFrame:
    """Receivables and DSO per customer and closed month (``compute_customer_dso``)."""
    as_of = as_of_date(engine) if as_of is None else as_of
    customer_dso = A.compute_customer_dso(C.load_customer_flows(engine, _plants(plants), use_facts))
    return customer_dso[customer_dso.period < as_of.strftime("%Y-%m")]


def cash_events(inputs: dict, delays: pd.Series, scenario: A.CashScenario, text: bool = True) -> pd.DataFrame:
    """``compute_cash_events`` of ``cash_inputs``' frames (``text=False``: only what the forecasts read)."""
    return A.compute_cash_events(inputs["as_of"], inputs["receivables"], delays, inputs["payables"], inputs["open_purchase_orders"],
                                 inputs["open_sales_orders"], inputs["plan"], inputs["overheads"], scenario, text=text)


def week_events(inputs: dict, delays: pd.Series, scenario: A.CashScenario, week: pd.Timestamp) -> pd.DataFrame:
    """The report's events dated in the seven days from ``week`` (the rows of ``events`` a week
    of the 13-week table holds), with their references and counterparties."""
    events = cash_events(inputs, delays, scenario)
    week = pd.Timestamp(week)
    return events[(events.date >= week) & (events.date < week + pd.Timedelta(days=7))]


def compose_cash_report(inputs: dict, delays: pd.Series, baseline: dict, wc_months: pd.DataFrame, customer_dso: pd.DataFrame,
                        scenario: A.CashScenario = A.CashScenario(), min_cash: float = 0.0, backtest: pd.DataFrame | None = None,
                        wc_basis: str = "month", wc_day_count: str = "actual", wc_balance: str = "closing",
                        wc_sales_basis: str = "revenue", events: bool = True) -> dict:
    """The report from its parts (see the module): events and the 13-week and 12-month driver
    forecasts under ``scenario``, the baseline beside the driver curve, funding gaps under
    ``min_cash``, working capital under the convention, aging and the DSO drivers.
    ``events=False``: ``events`` is None and the forecasts are summed from the events' dates,
    directions, sources and amounts alone (the same figures; ``week_events`` gives a week's
    events with their references when they are asked for)."""
    as_of, opening = inputs["as_of"], inputs["opening"]
    flows = cash_events(inputs, delays, scenario, text=events)
    weekly = A.compute_forecast(opening, flows, as_of, "W", WEEKS)
    monthly = A.compute_forecast(opening, flows, as_of, "M", MONTHS)
    curve = baseline["baseline"]
    if curve is not None:
        curve = curve.assign(period_start_date=weekly.period_start_date.to_numpy())
        curve["driver_closing_amount"] = weekly.closing_amount.to_numpy()
        curve["difference_amount"] = (curve.driver_closing_amount - curve.forecast).round(2)
    working = W.compute_working_capital(wc_months, wc_basis, wc_day_count, wc_balance, wc_sales_basis)
    last = (as_of.to_period("M") - 1).strftime("%Y-%m")
    year_before = (as_of.to_period("M") - 13).strftime("%Y-%m")
    return {
        "as_of": as_of,
        "customer_dso": customer_dso,
        "dso_drivers": A.compute_dso_drivers(customer_dso, year_before, last),
        "dso_drivers_periods": (year_before, last),
        "opening": opening,
        "position": inputs["position"],
        "events": flows if events else None,
        "weekly": weekly,
        "monthly": monthly,
        "baseline": curve,
        "baseline_model": baseline["model"],
        "baseline_scores": baseline["scores"],
        "backtest": backtest,
        "gaps_weekly": A.compute_funding_gaps(weekly, min_cash),
        "gaps_monthly": A.compute_funding_gaps(monthly, min_cash),
        "delays": delays,
        "working_capital": working,
        "ar_aging": A.compute_aging(inputs["receivables"], as_of, "customer_id"),
        "ap_aging": A.compute_aging(inputs["payables"], as_of, "supplier_id"),
        "receivables": inputs["receivables"],
    }


def cash_report(engine: Engine, scope: Scope, scenario: A.CashScenario = A.CashScenario(), min_cash: float = 0.0,
                backtest: bool = True, wc_basis: str = "month", wc_day_count: str = "actual", wc_balance: str = "closing",
                wc_sales_basis: str = "revenue", use_facts: bool | None = None) -> dict:
    """The 13-week and 12-month driver forecasts with their events, the statistical baseline (the
    chosen model and its selection scores) and its backtest, funding gaps under ``min_cash``,
    working capital per closed period of ``wc_basis`` (analytics.working_capital: day count,
    closing or average balances, revenue or credit sales) and aging. Only the scope's plants
    apply. ``use_facts``: read the ledger facts (default: when they are fresh)."""
    plants = tuple(scope.plants)
    use_facts = use_ledger_facts(engine, use_facts)
    inputs = cash_inputs(engine, plants)
    as_of = inputs["as_of"]
    history = cash_history(engine, plants, as_of, use_facts)
    return compose_cash_report(
        inputs, payment_delays(engine, plants, as_of), cash_baseline(history, inputs["opening"]),
        cash_working_capital_months(engine, plants, as_of, use_facts), cash_customer_dso(engine, plants, as_of, use_facts),
        scenario, min_cash, cash_backtest(history) if backtest else None, wc_basis, wc_day_count, wc_balance, wc_sales_basis)
