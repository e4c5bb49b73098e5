"""Production facts: the output records summed per day × plant × product family when the data
changes, so that the KPIs (scrap rate), the cockpit and the production page read a few thousand
rows instead of joining every output record to its work order and product on each view (787 k
records a year at the L scale; docs/DATA_MODEL.md, "Fact tables: production").

* ``facts_production_daily``: one row per ``count_date`` × the order's plant × the product's
  family with Σ good and Σ scrap quantity and the number of output records; ``period`` = the
  month of ``count_date``. A record whose work order or product is unknown is left out, as the
  base query's inner joins leave it out.

Identity (tests/test_facts_production.py, on every database): ``load_production_daily`` gives
the same rows from the facts as from the base tables, for any scope of periods, plants and
families. Derived by the database in one grouped ``INSERT … SELECT`` (Spark SQL on a cluster).
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Column, Date, Index, Integer, Numeric, String
from sqlalchemy.engine import Engine

from data_loaders import schema as s
from data_loaders.facts import METADATA
from data_loaders.sqlfuncs import period_of

QTY = Numeric(18, 3)  # the output records' quantities are NUMERIC(18, 3)

facts_production_daily = sa.Table(
    "facts_production_daily", METADATA,
    Column("period", String(7), nullable=False),
    Column("count_date", Date, nullable=False),
    Column("plant_id", String(32)),
    Column("family", String(60)),
    Column("good_qty", QTY, nullable=False),
    Column("scrap_qty", QTY, nullable=False),
    Column("n_records", Integer, nullable=False),
    info={"grain": "one row per output day x the work order's plant x the product's family"},
)
Index("ix_facts_production_daily_period", facts_production_daily.c.period, facts_production_daily.c.plant_id)

TABLES = (facts_production_daily,)


def select_daily(periods: list[str] | None) -> sa.Select:
    """The output records of ``periods`` (all when None) summed per day x plant x family."""
    oc, wo, p = s.output_counts, s.work_orders, s.products
    period = period_of(oc.c.count_date)
    return (
        sa.select(period.label("period"), oc.c.count_date, wo.c.plant_id, p.c.family,
                  sa.func.sum(oc.c.good_qty).label("good_qty"), sa.func.sum(oc.c.scrap_qty).label("scrap_qty"),
                  sa.func.count().label("n_records"))
        .join(wo, wo.c.work_order_id == oc.c.work_order_id)
        .join(p, p.c.product_id == wo.c.product_id)
        .where(period.in_(periods) if periods is not None else sa.true())
        .group_by(period, oc.c.count_date, wo.c.plant_id, p.c.family)
    )


def selects(periods: list[str] | None) -> dict[str, list[sa.Select]]:
    """Derived inside the database (``facts.refresh``): the sums never leave it."""
    return {facts_production_daily.name: [select_daily(periods)]}


def derive(engine: Engine, periods: list[str] | None) -> dict[str, pd.DataFrame]:
    """No frames: the table is derived inside the database (``selects``)."""
    return {}
