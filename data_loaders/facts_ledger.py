"""Ledger facts: the voucher lines summed to a small grain when the data changes, so that the P&L,
the trial balance, the KPIs, budget actuals, working capital and the cash history read
thousands of rows instead of ten million (docs/DATA_MODEL.md, "Fact tables: ledger").

Tables (every sum is exact NUMERIC, derived in SQL by one grouped SELECT per table):

* ``facts_ledger``: one row per period × account × cost center × plant × product (a key may be
  NULL, as on the line) with Σ debit, Σ credit and the number of lines. The P&L, KPI, trial
  balance and budget-actual queries in ``data_loaders.queries`` and ``data_loaders.budget``
  read it with the same SQL they run on ``voucher_lines`` (its columns have the lines' names),
  ``count(*)`` becoming ``sum(n_lines)``. A period without voucher lines takes its rows from
  ``ledger_balances`` instead (a source that exports movements, not vouchers), its rows counted
  in ``n_lines``; a period with voucher lines ignores them, so nothing is counted twice.
* ``facts_ledger_daily``: one row per period × voucher date × account × plant × whether the
  voucher is the opening balance (``voucher_type = 'OB'``): Σ debit, Σ credit, lines. Only
  lines with a voucher header count (the cash history and working capital join the header).
* ``facts_ledger_unbalanced``: one row per voucher whose Σ debit and Σ credit differ by more
  than half a cent, in ``period`` = the earliest period of its lines (so a voucher belongs to
  exactly one period); a clean ledger has none, and the overview's check reads this table.

Identities (tests/test_facts_ledger.py, on every database): Σ facts_ledger = Σ voucher_lines
per period × account (debit, credit and lines); Σ facts_ledger_daily = the same over the lines
that have a voucher; facts_ledger_unbalanced = ``queries.load_unbalanced_vouchers``.

Sign rule as everywhere in the ledger: amounts are as posted, debit and credit both ≥ 0.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Column, Date, Index, Integer, Numeric, String
from sqlalchemy.engine import Engine

from data_loaders import schema as s
from data_loaders.facts import METADATA

MONEY, ID, PERIOD = Numeric(38, 2), String(32), String(7)  # sums of NUMERIC(18, 2) lines: room for the largest
UNBALANCED_TOLERANCE = 0.005

facts_ledger = sa.Table(
    "facts_ledger", METADATA,
    Column("period", PERIOD, nullable=False),
    Column("account_code", String(20), nullable=False),
    Column("cost_center_id", ID),
    Column("plant_id", ID),
    Column("product_id", ID),
    Column("debit_amount", MONEY, nullable=False),
    Column("credit_amount", MONEY, nullable=False),
    Column("n_lines", Integer, nullable=False),
    info={"grain": "one row per period x account x cost center x plant x product of the voucher lines"},
)
Index("ix_facts_ledger_period_account", facts_ledger.c.period, facts_ledger.c.account_code)

facts_ledger_daily = sa.Table(
    "facts_ledger_daily", METADATA,
    Column("period", PERIOD, nullable=False),
    Column("voucher_date", Date, nullable=False),
    Column("account_code", String(20), nullable=False),
    Column("plant_id", ID),
    Column("is_opening", Integer, nullable=False),
    Column("debit_amount", MONEY, nullable=False),
    Column("credit_amount", MONEY, nullable=False),
    Column("n_lines", Integer, nullable=False),
    info={"grain": "one row per period x voucher date x account x plant x opening-balance voucher or not"},
)
Index("ix_facts_ledger_daily_period", facts_ledger_daily.c.period, facts_ledger_daily.c.account_code)

facts_ledger_unbalanced = sa.Table(
    "facts_ledger_unbalanced", METADATA,
    Column("period", PERIOD, nullable=False),
    Column("voucher_no", ID, nullable=False),
    Column("debit_amount", MONEY, nullable=False),
    Column("credit_amount", MONEY, nullable=False),
    Column("n_lines", Integer, nullable=False),
    info={"grain": "one row per voucher whose debits and credits differ (period: its lines' earliest)"},
)

TABLES = (facts_ledger, facts_ledger_daily, facts_ledger_unbalanced)


def select_movements(periods: list[str] | None) -> sa.Select:
    vl = s.voucher_lines
    keys = [vl.c.period, vl.c.account_code, vl.c.cost_center_id, vl.c.plant_id, vl.c.product_id]
    return (
        sa.select(*keys, sa.func.sum(vl.c.debit_amount).label("debit_amount"), sa.func.sum(vl.c.credit_amount).label("credit_amount"),
                  sa.func.count().label("n_lines"))
        .where(*([vl.c.period.in_(periods)] if periods is not None else []))
        .group_by(*keys)
    )


def select_balance_movements(periods: list[str] | None) -> sa.Select:
    """``ledger_balances`` at the grain of ``facts_ledger``, for the periods that have no voucher
    lines (vouchers win where both exist)."""
    lb, vl = s.ledger_balances, s.voucher_lines
    keys = [lb.c.period, lb.c.account_code, lb.c.cost_center_id, lb.c.plant_id, lb.c.product_id]
    with_lines = sa.select(vl.c.period).where(vl.c.period == lb.c.period).exists()
    return (
        sa.select(*keys, sa.func.sum(lb.c.debit_amount).label("debit_amount"), sa.func.sum(lb.c.credit_amount).label("credit_amount"),
                  sa.func.count().label("n_lines"))
        .where(~with_lines, *([lb.c.period.in_(periods)] if periods is not None else []))
        .group_by(*keys)
    )


def select_daily(periods: list[str] | None) -> sa.Select:
    vl, v = s.voucher_lines, s.vouchers
    is_opening = sa.case((v.c.voucher_type == "OB", 1), else_=0)
    keys = [vl.c.period, v.c.voucher_date, vl.c.account_code, vl.c.plant_id, is_opening]
    return (
        sa.select(vl.c.period, v.c.voucher_date, vl.c.account_code, vl.c.plant_id, is_opening.label("is_opening"),
                  sa.func.sum(vl.c.debit_amount).label("debit_amount"), sa.func.sum(vl.c.credit_amount).label("credit_amount"),
                  sa.func.count().label("n_lines"))
        .join(v, v.c.voucher_no == vl.c.voucher_no)
        .where(*([vl.c.period.in_(periods)] if periods is not None else []))
        .group_by(*keys)
    )


def select_unbalanced(periods: list[str] | None, tolerance: float = UNBALANCED_TOLERANCE) -> sa.Select:
    """Vouchers whose debits and credits differ by more than ``tolerance``, over all their lines,
    placed in their earliest period; with ``periods``, only vouchers placed in those."""
    vl = s.voucher_lines
    first = sa.func.min(vl.c.period)
    having = [sa.func.abs(sa.func.sum(vl.c.debit_amount) - sa.func.sum(vl.c.credit_amount)) > tolerance]
    where = []
    if periods is not None:
        touched = sa.select(vl.c.voucher_no).where(vl.c.period.in_(periods))
        where.append(vl.c.voucher_no.in_(touched))
        having.append(first.in_(periods))
    return (
        sa.select(first.label("period"), vl.c.voucher_no, sa.func.sum(vl.c.debit_amount).label("debit_amount"),
                  sa.func.sum(vl.c.credit_amount).label("credit_amount"), sa.func.count().label("n_lines"))
        .where(*where)
        .group_by(vl.c.voucher_no)
        .having(*having)
    )


def selects(periods: list[str] | None) -> dict[str, list[sa.Select]]:
    """The rows of ``periods`` (all when None) of every ledger fact table, as selects that
    ``facts.refresh`` inserts inside the database (the sums never leave it)."""
    return {facts_ledger.name: [select_movements(periods), select_balance_movements(periods)], facts_ledger_daily.name: [select_daily(periods)],
            facts_ledger_unbalanced.name: [select_unbalanced(periods)]}


def derive(engine: Engine, periods: list[str] | None) -> dict[str, pd.DataFrame]:
    """No frames: every table is derived inside the database (``selects``)."""
    return {}
