"""Ledger facts summed once more to what the budget report and working capital read
(docs/DATA_MODEL.md, "Fact tables: ledger"), so that each reads a few thousand rows instead of
grouping the ledger facts on every first view:

* ``facts_ledger_cc_months``: one row per period × cost center × account of ``facts_ledger``
  (its products and plants together) with Σ debit and Σ credit: the budget's actuals
  (``data_loaders.budget.load_actual``; the cost center's plant and the account's type are
  joined when read, so a change of either never leaves a row stale);
* ``facts_ledger_plant_months``: one row per period × plant × account × opening-balance voucher
  or not of ``facts_ledger_daily`` (its days together) with Σ debit and Σ credit: working
  capital's movements by category (``data_loaders.cash.load_working_capital_ledger``; the
  account's category joined when read);
* ``facts_ledger_account_months``: one row per period × plant × account of ``facts_ledger``
  (its products and cost centers together) with Σ debit, Σ credit and Σ lines: the P&L by
  category, the trial balances and the expense actuals of a scope without a product family
  (``queries.month_lines``; the account's category and type joined when read).

Identities (tests/test_ledger_month_facts.py, every database): each row = Σ of its source fact
table's rows at its grain, so every sum the readers take is the same sum of the same lines
(exact: the amounts are ``NUMERIC``). Both are derived inside the database from the ledger facts
of the same refresh (``facts.refresh`` inserts the families' tables in ``FAMILIES`` order, and
this family comes after ``facts_ledger``).
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Column, Integer, Numeric, String
from sqlalchemy.engine import Engine

from data_loaders.facts import METADATA
from data_loaders.facts_ledger import facts_ledger, facts_ledger_daily

MONEY, ID, PERIOD = Numeric(38, 2), String(32), String(7)

def _table(name: str, keys: list[Column], grain: str) -> sa.Table:
    """A table of ``keys`` (``period`` first) with Σ debit and Σ credit."""
    return sa.Table(name, METADATA, Column("period", PERIOD, nullable=False), *keys,
                    *[Column(c, MONEY, nullable=False) for c in ("debit_amount", "credit_amount")], info={"grain": grain})


facts_ledger_cc_months = _table("facts_ledger_cc_months", [Column("cost_center_id", ID), Column("account_code", String(20), nullable=False)],
                                "one row per period x cost center x account of facts_ledger")
facts_ledger_plant_months = _table(
    "facts_ledger_plant_months",
    [Column("plant_id", ID), Column("account_code", String(20), nullable=False), Column("is_opening", Integer, nullable=False)],
    "one row per period x plant x account x opening-balance voucher or not of facts_ledger_daily")

facts_ledger_account_months = sa.Table(
    "facts_ledger_account_months", METADATA, Column("period", PERIOD, nullable=False), Column("plant_id", ID),
    Column("account_code", String(20), nullable=False), *[Column(c, MONEY, nullable=False) for c in ("debit_amount", "credit_amount")],
    Column("n_lines", Integer, nullable=False), info={"grain": "one row per period x plant x account of facts_ledger"})

TABLES = (facts_ledger_cc_months, facts_ledger_plant_months, facts_ledger_account_months)


def _summed(source: sa.Table, keys: list[str], periods: list[str] | None) -> sa.Select:
    by = [source.c[k] for k in keys]
    return (sa.select(*by, sa.func.sum(source.c.debit_amount).label("debit_amount"), sa.func.sum(source.c.credit_amount).label("credit_amount"))
            .where(*([source.c.period.in_(periods)] if periods is not None else [])).group_by(*by))


def select_cc_months(periods: list[str] | None) -> sa.Select:
    return _summed(facts_ledger, ["period", "cost_center_id", "account_code"], periods)


def select_plant_months(periods: list[str] | None) -> sa.Select:
    return _summed(facts_ledger_daily, ["period", "plant_id", "account_code", "is_opening"], periods)


def select_account_months(periods: list[str] | None) -> sa.Select:
    f = facts_ledger
    return _summed(f, ["period", "plant_id", "account_code"], periods).add_columns(sa.func.sum(f.c.n_lines).label("n_lines"))


def selects(periods: list[str] | None) -> dict[str, list[sa.Select]]:
    """The tables' rows of ``periods`` (all when None), summed from the ledger facts inside the database."""
    return {facts_ledger_cc_months.name: [select_cc_months(periods)], facts_ledger_plant_months.name: [select_plant_months(periods)],
            facts_ledger_account_months.name: [select_account_months(periods)]}


def derive(engine: Engine, periods: list[str] | None) -> dict[str, pd.DataFrame]:
    """No frames: the tables are derived inside the database (``selects``)."""
    return {}
