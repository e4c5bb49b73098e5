"""The cockpit's forward-looking cash figures for the whole company, computed when the data
changes instead of at every first view (docs/DATA_MODEL.md, "Fact tables: the cockpit's cash").

The overview shows the lowest balance of the 13-week driver forecast, warns of funding gaps and
late payers, and the cash page lists the customers' payment delays. None of them depends on the
period the user picks: they look forward from the data's as-of date. Computing them takes the
open items, the plan and the receipts of the last 180 days (≈ 0.2 s at ten million voucher
lines), so they are computed here, by the reports' own code, and stored:

``facts_cash_forecast_weeks``: the 13-week driver forecast under the default scenario for every
plant together (``reports.cockpit.cash_forecast`` of ``reports.cash.cash_inputs`` and
``payment_delays``), one row per week (``week_no`` 0–12) with the columns of
``analytics.cash.compute_forecast`` (``FORECAST_COLUMNS``).

``facts_payment_delays``: each customer's payment delay for every plant together
(``reports.cash.payment_delays``), one row per customer.

``facts_wc_months``: working capital per closed month for every plant together
(``reports.cash.cash_working_capital_months``: receivables, inventory and payables opening and
closing, revenue, credit sales, cost of sales and the sources), one row per month before the
as-of month (``period``); the cockpit's DSO, DIO, DPO and CCC of any span, the cash page's
table and the working-capital warnings read them.

Each row carries the ``as_of_date`` it was computed for; the forecast and the delays have the
as-of month as ``period``. All are derived whole at every refresh: a receipt, an invoice or a
plan row of any month changes them.
They are derived only when the dataset states its as-of date (``dataset_info.as_of_date``);
without one the reports start from today, another day at every view, and readers compute. A
reader whose as-of date is not the stored one, or who sees some plants only (a user's plant
limit: the delays and forecast of some plants are not sums of per-plant figures), computes them
from the open items as before. Identity (tests/test_cash_facts.py): read back, each frame equals
the one the reports compute, to the bit, on every database.
"""

from __future__ import annotations

import logging

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Column, Date, Double, Integer, String
from sqlalchemy.engine import Engine

from analytics.cash import FORECAST_COLUMNS
from analytics.working_capital import MONTHLY_COLUMNS
from data_loaders.engine import read_frame
from data_loaders.facts import METADATA
from data_loaders.queries import load_dataset_info

log = logging.getLogger(__name__)
PERIOD = String(7)
ID = String(32)
MONEY = [c for c in FORECAST_COLUMNS if c != "period_start_date"]

facts_cash_forecast_weeks = sa.Table(
    "facts_cash_forecast_weeks", METADATA,
    Column("period", PERIOD, nullable=False), Column("as_of_date", Date, nullable=False),
    Column("week_no", Integer, primary_key=True, autoincrement=False),  # 0 is a week, not "the next number" (MariaDB)
    Column("period_start_date", Date, nullable=False),
    *[Column(c, Double, nullable=False) for c in MONEY],
    info={"whole": True},
)
facts_payment_delays = sa.Table(
    "facts_payment_delays", METADATA,
    Column("period", PERIOD, nullable=False), Column("as_of_date", Date, nullable=False),
    Column("customer_id", ID, primary_key=True), Column("days_late", Double, nullable=False),
    info={"whole": True},
)
WC_TEXT = ("period", "receivables_source", "payables_source")
facts_wc_months = sa.Table(
    "facts_wc_months", METADATA,
    Column("period", PERIOD, primary_key=True), Column("as_of_date", Date, nullable=False),
    *[Column(c, Double, nullable=False) for c in MONTHLY_COLUMNS if c not in WC_TEXT],
    Column("receivables_source", String(16), nullable=False), Column("payables_source", String(16), nullable=False),
    info={"whole": True},
)
TABLES = (facts_cash_forecast_weeks, facts_payment_delays, facts_wc_months)


def derive(engine: Engine, periods: list[str] | None) -> dict[str, pd.DataFrame]:
    """The forecast, the delays and the working-capital months as of the dataset's as-of date
    (whatever ``periods``: all are whole); nothing without an as-of date, or when they cannot be
    computed (logged: the pages compute them and say what is wrong)."""
    from data_loaders import facts
    from reports import cash as RC
    from reports import cockpit as RK

    stated = load_dataset_info(engine).get("as_of_date")
    if not stated:
        return {}
    as_of = RC.as_of_in({"as_of_date": stated})
    try:
        with facts.known(engine, False):  # the base tables: this refresh is replacing the facts they would read
            inputs = RC.cash_inputs(engine, (), as_of=as_of)
            delays = RC.payment_delays(engine, (), as_of)
            months = RC.cash_working_capital_months(engine, (), as_of, use_facts=False)
        weeks = RK.cash_forecast(inputs, delays)
    except Exception:  # an import must not fail for a figure the pages can compute (and report) themselves
        log.warning("the cockpit's cash figures were not stored; the pages compute them", exc_info=True)
        return {}
    stamp = {"period": as_of.strftime("%Y-%m"), "as_of_date": as_of.date()}
    return {
        facts_cash_forecast_weeks.name: weeks.assign(week_no=range(len(weeks)), **stamp,
                                                     period_start_date=pd.to_datetime(weeks.period_start_date).dt.date),
        facts_payment_delays.name: pd.DataFrame({"customer_id": delays.index.to_numpy(dtype=object),
                                                 "days_late": delays.to_numpy(dtype=float)}).assign(**stamp),
        facts_wc_months.name: months.assign(as_of_date=as_of.date()),
    }


def load_stored(engine: Engine, as_of: pd.Timestamp) -> dict | None:
    """``{"weeks": the forecast frame, "delays": the delays Series, "wc_months": the working
    capital months}`` as the reports compute them for every plant as of ``as_of``, when they
    were derived for that date; else None."""
    w, d = facts_cash_forecast_weeks, facts_payment_delays
    day = pd.Timestamp(as_of).date()
    weeks = read_frame(engine, sa.select(*[w.c[c] for c in FORECAST_COLUMNS]).where(w.c.as_of_date == day).order_by(w.c.week_no))
    if weeks.empty:
        return None
    weeks["period_start_date"] = pd.to_datetime(weeks.period_start_date).astype("datetime64[us]")
    weeks[MONEY] = weeks[MONEY].astype(float)
    rows = read_frame(engine, sa.select(d.c.customer_id, d.c.days_late).where(d.c.as_of_date == day))
    rows = rows.sort_values("customer_id", kind="stable")  # as the reports sort them (Python's order, not a collation's)
    if rows.empty:  # no receipt in the window (``compute_payment_delays``' empty answer)
        delays = pd.Series(dtype=float, name="days_late")
    else:
        delays = pd.Series(rows.days_late.to_numpy(dtype=float), index=pd.Index(rows.customer_id.astype(str), name="customer_id"),
                           name="days_late")
    wc = facts_wc_months
    months = read_frame(engine, sa.select(*[wc.c[c] for c in MONTHLY_COLUMNS]).where(wc.c.as_of_date == day))
    months = months.sort_values("period", kind="stable").reset_index(drop=True)
    money = [c for c in MONTHLY_COLUMNS if c not in WC_TEXT]
    months[money] = months[money].astype(float)
    for c in WC_TEXT:
        months[c] = months[c].astype("str")
    return {"weeks": weeks.reset_index(drop=True), "delays": delays, "wc_months": months}
