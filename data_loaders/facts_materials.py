"""Material issue facts: each work order's first issue of each material, derived when the data
changes, so that the late materials warning reads the few pairs issued late instead of grouping a
year's issues (≈ 950 k at the L scale) and joining them to every order x BOM material of the
scope on every view (docs/DATA_MODEL.md, "Fact tables: material issues").

* ``facts_order_material_issues``: one row per work order x material with at least one issue
  (``issue_type = 'issue'``; returns are not issues): ``period`` (the order's planned start month,
  the scope a warning reads), ``first_issue_date`` (the earliest issue), ``issue_lag_days`` (whole
  days from the order's planned start to it) and ``issued_amount`` (Σ round(qty × unit_cost, 2)
  of its issues). The warning compares the lag with its days in the scan itself: a filter on a
  column, not on two dates, so that only the few late pairs' keys are read.

Identities (tests/test_material_facts.py, on every database): each row is its issues' minimum
date and rounded sum; ``data_loaders.warnings.load_material_needs`` gives the same rows from
these facts as from the issues. Derived whole at every refresh (``info["whole"]``): an issue of
any later month changes the row of its order's planned start month. Derived by the database in
one grouped ``INSERT … SELECT``.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Column, Date, Index, Integer, Numeric, String
from sqlalchemy.engine import Engine

from data_loaders import schema as s
from data_loaders.facts import METADATA
from data_loaders.sqlfuncs import days_between, period_of

MONEY, ID, PERIOD = Numeric(38, 2), String(32), String(7)  # sums of NUMERIC(18, 2) rounded values

order_material_issues = sa.Table(
    "facts_order_material_issues", METADATA,
    Column("period", PERIOD, nullable=False),
    Column("work_order_id", ID, nullable=False),
    Column("material_id", ID, nullable=False),
    Column("first_issue_date", Date, nullable=False),
    Column("issue_lag_days", Integer, nullable=False),
    Column("issued_amount", MONEY, nullable=False),
    info={"grain": "one row per work order x material issued to it (first issue, value issued)", "whole": True},
)
Index("ix_facts_order_material_issues_period", order_material_issues.c.period)

TABLES = (order_material_issues,)


def select_order_material_issues() -> sa.Select:
    """Every work order x material's issues grouped (the whole table: ``periods`` do not apply)."""
    wo, mi = s.work_orders, s.material_issues
    first = sa.func.min(mi.c.issue_date)
    return (sa.select(period_of(wo.c.planned_start_date).label("period"), mi.c.work_order_id, mi.c.material_id,
                      first.label("first_issue_date"), days_between(wo.c.planned_start_date, first).label("issue_lag_days"),
                      sa.func.sum(sa.func.round(mi.c.qty * mi.c.unit_cost, 2)).label("issued_amount"))
            .join(wo, wo.c.work_order_id == mi.c.work_order_id)
            .where(mi.c.issue_type == "issue")
            .group_by(mi.c.work_order_id, mi.c.material_id, wo.c.planned_start_date))


def selects(periods: list[str] | None) -> dict[str, list[sa.Select]]:
    """Derived inside the database (``facts.refresh``), whole whatever ``periods`` are asked for."""
    return {order_material_issues.name: [select_order_material_issues()]}


def derive(engine: Engine, periods: list[str] | None) -> dict[str, pd.DataFrame]:
    """No frames: the table is derived inside the database (``selects``)."""
    return {}
