"""The overview's figures that no month picked changes, for the whole company: the cockpit's
forward-looking cash, the warnings' working-capital and WIP inputs, the P&L and output of every
month; computed when the data changes instead of at every first view (docs/DATA_MODEL.md, "Fact
tables: the overview's whole-company figures").

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

The overview's working-capital and WIP warnings judge inputs that no month picked changes; for
every plant together (and every product family, at the default tolerance) they are stored too:

``facts_wc_days``: DSO, DIO, DPO and CCC per closed month (``analytics.working_capital.
compute_working_capital`` of those months on a month basis, ``WC_COLUMNS``), one row per month.

``facts_wc_balances``: the WIP and stock balances per plant and month
(``analytics.warnings.compute_balances`` of the ledger's working-capital movements), one row
per plant x month (``plant_id`` "" for lines of no plant).

``facts_wip_untied``: the work orders whose ledger WIP does not tie to their operations cost
(``reports.lineage.wip_tie_summary``'s ``untied`` at ``WarningSettings().wip_tolerance``), one row
per order, with the as-of month as ``period``.

The overview's KPIs and trend read the P&L and the output of every month, sliced per span; for
every plant and family they are stored too:

``facts_pnl_months``: the P&L per month (``analytics.ledger.compute_monthly_pnl`` of the ledger
facts), one row per month (``period``).

``facts_production_months``: good and scrap output and the scrap rate per month and product
family (``compute_production_monthly`` of the production facts), one row per month x family.

Each row carries the ``as_of_date`` it was computed for; the forecast, the delays and the untied
orders have the as-of month as ``period``. All are derived whole at every refresh: a receipt, an
invoice or a plan row of any month changes them.
They are derived from the other families' facts once those are committed, in a transaction of
their own (``FROM_FACTS``: milliseconds, where the base tables take seconds at ten million voucher
lines; until it commits, readers find no rows and compute), and only when the dataset states its
as-of date (``dataset_info.as_of_date``); without one the reports start from today, another day
at every view, and readers compute. A reader whose as-of date is not the stored one, or who
sees some plants only (a user's plant limit: the delays and forecast of some plants are not sums
of per-plant figures), computes them as before. The tables are derived together or not at all.
Identity (tests/test_cash_facts.py): read back, each frame equals the one the reports compute
from fresh facts, to the bit, on every database.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Column, Date, Double, Integer, String
from sqlalchemy.engine import Connection, Engine

from analytics.cash import FORECAST_COLUMNS
from analytics.ledger import PNL_COLUMNS, PRODUCTION_COLUMNS, WIP_TIE_COLUMNS, compute_monthly_pnl, compute_production_monthly
from analytics.warnings import BALANCE_COLUMNS
from analytics.working_capital import MONTHLY_COLUMNS, WC_COLUMNS
from data_loaders.engine import connected, read_frame
from data_loaders.facts import METADATA
from data_loaders import queries as Q
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
DAYS_TEXT = ("period", "basis", "day_count", "balance", "sales_basis", "first_month", "last_month", "receivables_source",
             "payables_source")
facts_wc_days = sa.Table(
    "facts_wc_days", METADATA,
    Column("period", PERIOD, primary_key=True), Column("as_of_date", Date, nullable=False),
    *[Column(c, String(16), nullable=False) for c in DAYS_TEXT[1:7]],
    Column("n_months", Integer, nullable=False), Column("is_complete", Integer, nullable=False),  # 0 / 1, as every fact flag
    *[Column(c, Double) for c in WC_COLUMNS if c.endswith(("_amount", "_days")) or c == "days"],
    *[Column(c, String(16), nullable=False) for c in DAYS_TEXT[7:]],
    info={"whole": True},
)
facts_wc_balances = sa.Table(
    "facts_wc_balances", METADATA,
    Column("plant_id", ID, primary_key=True), Column("period", PERIOD, primary_key=True), Column("as_of_date", Date, nullable=False),
    Column("wip_amount", Double, nullable=False), Column("stock_amount", Double, nullable=False),
    info={"whole": True},
)
UNTIED_TEXT = ("work_order_id", "plant_id", "product_id", "status")
UNTIED_MONEY = [c for c in WIP_TIE_COLUMNS if c.endswith("_amount")]
facts_wip_untied = sa.Table(
    "facts_wip_untied", METADATA,
    Column("period", PERIOD, nullable=False), Column("as_of_date", Date, nullable=False),
    Column("work_order_id", ID, primary_key=True), Column("plant_id", ID), Column("product_id", ID), Column("status", String(16)),
    Column("planned_start_date", Date), *[Column(c, Double) for c in UNTIED_MONEY], Column("is_tied", Integer, nullable=False),
    info={"whole": True},
)
facts_pnl_months = sa.Table(
    "facts_pnl_months", METADATA,
    Column("period", PERIOD, primary_key=True), Column("as_of_date", Date, nullable=False),
    *[Column(c, Double) for c in PNL_COLUMNS],
    info={"whole": True},
)
facts_production_months = sa.Table(
    "facts_production_months", METADATA,
    Column("period", PERIOD, primary_key=True), Column("family", String(60), primary_key=True),
    Column("as_of_date", Date, nullable=False), *[Column(c, Double) for c in PRODUCTION_COLUMNS[2:]],
    info={"whole": True},
)
TABLES = (facts_cash_forecast_weeks, facts_payment_delays, facts_wc_months, facts_wc_days, facts_wc_balances, facts_wip_untied,
          facts_pnl_months, facts_production_months)
FROM_FACTS = True  # derived from the committed facts, in a transaction of its own (data_loaders.facts)


def derive(engine: Engine | Connection, periods: list[str] | None) -> dict[str, pd.DataFrame]:
    """The forecast, the delays, the working-capital months, days and balances, the untied orders
    and the P&L and output of every month as of the dataset's as-of date (whatever ``periods``:
    all are whole), from the facts
    (``facts.refresh`` calls it on a connection of its own once the other facts are committed); nothing
    without an as-of date, or when any of them cannot be computed (logged: the pages compute them
    and say what is wrong)."""
    from data_loaders import cash as C
    from data_loaders.scope import Scope
    from reports import cash as RC
    from reports import cockpit as RK
    from reports import lineage as RL
    from reports import warnings as RW

    stated = load_dataset_info(engine).get("as_of_date")
    if not stated:
        return {}
    as_of = RC.as_of_in({"as_of_date": stated})
    try:
        inputs = RC.cash_inputs(engine, (), as_of=as_of)
        delays = RC.payment_delays(engine, (), as_of)
        ledger = C.load_working_capital_ledger(engine, Scope())
        months = RC.cash_working_capital_months(engine, (), as_of, ledger=ledger)
        weeks = RK.cash_forecast(inputs, delays)
        days, balances = RW.working_capital_inputs(months, ledger)
        untied = RL.wip_tie_summary(engine, Scope(), RW.WarningSettings().wip_tolerance)["untied"]
        pnl = compute_monthly_pnl(Q.load_ledger_by_category(engine, Scope(), True))
        production = compute_production_monthly(Q.load_production_daily(engine, Scope(), True))
    except Exception:  # an import must not fail for a figure the pages can compute (and report) themselves
        log.warning("the cockpit's cash figures and the warnings' inputs were not stored; the pages compute them", exc_info=True)
        return {}
    day = as_of.date()
    stamp = {"period": as_of.strftime("%Y-%m"), "as_of_date": day}
    return {
        facts_cash_forecast_weeks.name: weeks.assign(week_no=range(len(weeks)), **stamp,
                                                     period_start_date=pd.to_datetime(weeks.period_start_date).dt.date),
        facts_payment_delays.name: pd.DataFrame({"customer_id": delays.index.to_numpy(dtype=object),
                                                 "days_late": delays.to_numpy(dtype=float)}).assign(**stamp),
        facts_wc_months.name: months.assign(as_of_date=day),
        facts_wc_days.name: days.assign(as_of_date=day, is_complete=days.is_complete.astype(int)),
        facts_wc_balances.name: pd.DataFrame(balances).assign(as_of_date=day),
        facts_wip_untied.name: untied.assign(planned_start_date=pd.to_datetime(untied.planned_start_date).dt.date,
                                             is_tied=untied.is_tied.astype(int), **stamp),
        facts_pnl_months.name: pnl.assign(as_of_date=day),
        facts_production_months.name: production.assign(as_of_date=day),
    }


def _typed(frame: pd.DataFrame, text=(), floats=(), ints=(), flags=()) -> pd.DataFrame:
    """``frame`` with ``text`` columns as pandas' text, ``floats`` as float64, ``ints`` as int64 and
    ``flags`` (0 / 1) as bool, as the reports' frames hold them; only the columns a database
    returned otherwise are converted (DuckDB's are mostly so already: a conversion of each column
    of a small frame costs more than its read)."""
    for columns, dtype in ((text, "str"), (floats, np.float64), (ints, np.int64), (flags, bool)):
        wrong = [c for c in columns if frame[c].dtype != dtype]
        if wrong:
            frame[wrong] = frame[wrong].astype(dtype)
    return frame


def stored_for(engine: Engine, as_of: pd.Timestamp) -> bool:
    """Whether the family's tables hold the figures of ``as_of`` (they are derived together: the
    forecast's 13 weeks are there exactly when all are)."""
    w = facts_cash_forecast_weeks
    stmt = sa.select(sa.func.count()).select_from(w).where(w.c.as_of_date == pd.Timestamp(as_of).date())
    with connected(engine) as conn:
        return bool(conn.execute(stmt).scalar())


def load_stored(engine: Engine, as_of: pd.Timestamp) -> dict | None:
    """``{"weeks": the forecast frame, "delays": the delays Series, "wc_months": the working
    capital months}`` as the reports compute them for every plant as of ``as_of``, when they
    were derived for that date; else None."""
    w, d = facts_cash_forecast_weeks, facts_payment_delays
    day = pd.Timestamp(as_of).date()
    weeks = read_frame(engine, sa.select(*[w.c[c] for c in FORECAST_COLUMNS]).where(w.c.as_of_date == day).order_by(w.c.week_no))
    if weeks.empty:
        return None
    if weeks.period_start_date.dtype != "datetime64[us]":
        weeks["period_start_date"] = pd.to_datetime(weeks.period_start_date).astype("datetime64[us]")
    weeks = _typed(weeks, floats=MONEY)
    rows = read_frame(engine, sa.select(d.c.customer_id, d.c.days_late).where(d.c.as_of_date == day))
    rows = rows.sort_values("customer_id", kind="stable")  # as the reports sort them (Python's order, not a collation's)
    if rows.empty:  # no receipt in the window (``compute_payment_delays``' empty answer)
        delays = pd.Series(dtype=float, name="days_late")
    else:
        delays = pd.Series(rows.days_late.to_numpy(dtype=float), index=pd.Index(rows.customer_id.astype(str), name="customer_id"),
                           name="days_late")
    wc = facts_wc_months
    months = read_frame(engine, sa.select(*[wc.c[c] for c in MONTHLY_COLUMNS]).where(wc.c.as_of_date == day))
    months = _typed(months.sort_values("period", kind="stable").reset_index(drop=True), WC_TEXT,
                    [c for c in MONTHLY_COLUMNS if c not in WC_TEXT])
    return {"weeks": weeks.reset_index(drop=True), "delays": delays, "wc_months": months}


def load_wc_inputs(engine: Engine, as_of: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the working-capital days, the balances) as ``reports.warnings.working_capital_inputs``
    computes them for every plant as of ``as_of``; for a caller that found the same date's
    forecast (``load_stored``: the tables are derived together, so an empty one is empty)."""
    day = pd.Timestamp(as_of).date()
    d, b = facts_wc_days, facts_wc_balances
    days = read_frame(engine, sa.select(*[d.c[c] for c in WC_COLUMNS]).where(d.c.as_of_date == day))
    number = [c for c in WC_COLUMNS if c not in DAYS_TEXT and c not in ("n_months", "is_complete")]
    days = _typed(days.sort_values("period", kind="stable").reset_index(drop=True), DAYS_TEXT, number, ["n_months"], ["is_complete"])
    balances = read_frame(engine, sa.select(*[b.c[c] for c in BALANCE_COLUMNS]).where(b.c.as_of_date == day))
    balances = _typed(balances.sort_values(["plant_id", "period"], kind="stable").reset_index(drop=True), ["plant_id", "period"],
                      ["wip_amount", "stock_amount"])
    balances.columns.name = "what"  # as compute_balances names them
    return days, balances


def load_untied(engine: Engine, as_of: pd.Timestamp) -> pd.DataFrame:
    """The untied orders as ``reports.lineage.wip_tie_summary`` finds them for every plant and
    family at the default tolerance, stored as of ``as_of`` (see ``load_wc_inputs``)."""
    u = facts_wip_untied
    untied = read_frame(engine, sa.select(*[u.c[c] for c in WIP_TIE_COLUMNS]).where(u.c.as_of_date == pd.Timestamp(as_of).date()))
    # planned_start_date as ``read_frame`` gives a DATE on this database, as the tie's own read does
    return _typed(untied.sort_values("work_order_id", kind="stable").reset_index(drop=True), UNTIED_TEXT, UNTIED_MONEY,
                  flags=["is_tied"])


def load_pnl_months(engine: Engine, as_of: pd.Timestamp) -> pd.DataFrame:
    """The P&L of every month as ``compute_monthly_pnl`` gives it for every plant and family from
    the ledger facts, stored as of ``as_of`` (see ``load_wc_inputs``)."""
    p = facts_pnl_months
    pnl = read_frame(engine, sa.select(p.c.period, *[p.c[c] for c in PNL_COLUMNS]).where(p.c.as_of_date == pd.Timestamp(as_of).date()))
    if pnl.empty:  # no ledger line: the empty P&L compute_monthly_pnl gives
        return compute_monthly_pnl(pd.DataFrame(columns=["period", "category", "debit_amount", "credit_amount"]))
    return _typed(pnl.sort_values("period", kind="stable").reset_index(drop=True), ["period"], PNL_COLUMNS)


def load_production_months(engine: Engine, as_of: pd.Timestamp) -> pd.DataFrame:
    """The output of every month and family as ``compute_production_monthly`` gives it for every
    plant from the production facts, stored as of ``as_of`` (see ``load_wc_inputs``)."""
    o = facts_production_months
    out = read_frame(engine, sa.select(*[o.c[c] for c in PRODUCTION_COLUMNS]).where(o.c.as_of_date == pd.Timestamp(as_of).date()))
    if out.empty:  # no output reported
        return compute_production_monthly(pd.DataFrame())
    return _typed(out.sort_values(["period", "family"], kind="stable").reset_index(drop=True), ["period", "family"],
                  PRODUCTION_COLUMNS[2:])
