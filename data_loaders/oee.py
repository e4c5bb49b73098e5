"""Facts for OEE: machine events, output with ideal cycle times and unit costs, work centers, calendar.

Events are returned as recorded (filtered to the scope's dates and plants); cutting them at
shift and day boundaries and classifying their minutes is arithmetic, done in
``analytics/oee.py``. Every event overlapping the scope is returned whole, so a stop that
crosses midnight into the first day is not lost.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_loaders import schema as s
from data_loaders.engine import read_frame
from data_loaders.queries import (
    date_conditions,
    month_after,
    month_start,
    plant_conditions,
)
from data_loaders.scope import Scope


def load_work_centers(engine: Engine, scope: Scope | None = None) -> pd.DataFrame:
    """One row per work center: plant, name, hourly rates and whether it is a bottleneck."""
    wc = s.work_centers
    conds = plant_conditions(wc.c.plant_id, scope) if scope else []
    return read_frame(engine, sa.select(wc).where(*conds).order_by(wc.c.work_center_id))


def load_events(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Machine events of the scope's plants that overlap its periods; one row per event."""
    me, wc = s.machine_events, s.work_centers
    conds = [*plant_conditions(wc.c.plant_id, scope)]
    if scope.period_from:
        conds.append(me.c.end_at > month_start(scope.period_from))
    if scope.period_to:
        conds.append(me.c.start_at < month_after(scope.period_to))
    stmt = (
        sa.select(me.c.event_id, me.c.work_center_id, me.c.work_order_id, me.c.start_at, me.c.end_at, me.c.state, me.c.reason_code)
        .join(wc, wc.c.work_center_id == me.c.work_center_id)
        .where(*conds)
        .order_by(me.c.work_center_id, me.c.start_at, me.c.event_id)
    )
    return read_frame(engine, stmt)


def load_output(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Output counts in the scope with the ideal cycle of the product on that work center as the
    routing states it (minutes, seconds, units per minute or per hour: one of the four; the
    analytics convert it), the product's standard unit cost and list price, and the order's
    first output day.

    Grain: one row per output record (work order x day).
    """
    oc, wo, r, p = s.output_counts, s.work_orders, s.routings, s.products
    first_day = (
        sa.select(oc.c.work_order_id, sa.func.min(oc.c.count_date).label("first_count_date"))
        .group_by(oc.c.work_order_id)
        .subquery("first_day")
    )
    stmt = (
        sa.select(
            oc.c.output_id, oc.c.work_order_id, oc.c.work_center_id, oc.c.count_date, oc.c.good_qty, oc.c.scrap_qty, oc.c.rework_qty,
            wo.c.product_id, wo.c.plant_id, p.c.family, *[r.c[c] for c in s.IDEAL_CYCLE_COLUMNS],
            (p.c.std_material_cost + p.c.std_labor_cost + p.c.std_overhead_cost).label("std_unit_cost"),
            p.c.std_material_cost, p.c.list_price, first_day.c.first_count_date,
        )
        .join(wo, wo.c.work_order_id == oc.c.work_order_id)
        .join(p, p.c.product_id == wo.c.product_id)
        .outerjoin(r, sa.and_(r.c.product_id == wo.c.product_id, r.c.work_center_id == oc.c.work_center_id))
        .join(first_day, first_day.c.work_order_id == oc.c.work_order_id)
        .where(*date_conditions(oc.c.count_date, scope), *plant_conditions(wo.c.plant_id, scope))
    )
    return read_frame(engine, stmt)


def load_calendar(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Work-center calendar days in the scope: shifts and planned production minutes."""
    cal, wc = s.work_center_calendar, s.work_centers
    stmt = (
        sa.select(cal)
        .join(wc, wc.c.work_center_id == cal.c.work_center_id)
        .where(*date_conditions(cal.c.calendar_date, scope), *plant_conditions(wc.c.plant_id, scope))
    )
    return read_frame(engine, stmt)


def load_loss_classes(engine: Engine, scope: Scope | None = None) -> pd.DataFrame:
    """The site's OEE loss classes: one row per plant x reason code (or state)."""
    lc = s.loss_classes
    conds = plant_conditions(lc.c.plant_id, scope) if scope else []
    return read_frame(engine, sa.select(lc.c.plant_id, lc.c.code, lc.c.loss_class, lc.c.note).where(*conds)
                      .order_by(lc.c.plant_id, lc.c.code))


def has_calendar(engine: Engine, scope: Scope) -> bool:
    """Whether the scope has any work-center calendar row (the calendar check needs one)."""
    cal, wc = s.work_center_calendar, s.work_centers
    stmt = (
        sa.select(cal.c.work_center_id)
        .join(wc, wc.c.work_center_id == cal.c.work_center_id)
        .where(*date_conditions(cal.c.calendar_date, scope), *plant_conditions(wc.c.plant_id, scope))
        .limit(1)
    )
    with engine.connect() as conn:
        return conn.execute(stmt).first() is not None


def load_work_center_events(engine: Engine, work_center_id: str, period: str) -> pd.DataFrame:
    """The machine events of one work center that start in ``period`` (YYYY-MM), in time order."""
    me = s.machine_events
    stmt = (
        sa.select(me.c.event_id, me.c.work_center_id, me.c.work_order_id, me.c.start_at, me.c.end_at, me.c.state, me.c.reason_code)
        .where(me.c.work_center_id == work_center_id, me.c.start_at >= month_start(period), me.c.start_at < month_after(period))
        .order_by(me.c.start_at, me.c.event_id)
    )
    return read_frame(engine, stmt)
