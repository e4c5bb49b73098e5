"""OEE for a scope: every view the OEE page and the KPI report need, from one load."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from analytics import oee as A
from data_loaders import oee as loaders
from data_loaders.queries import load_dataset_info, month_after, month_start
from data_loaders.scope import Scope


def calendar_window(scope: Scope, events: pd.DataFrame, as_of: str | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """TEEP's calendar: [first day of the scope, day after its last) in full days, ending at the
    data's as-of date when that is earlier; an open end of the scope takes the events' span."""
    start = pd.Timestamp(month_start(scope.period_from)) if scope.period_from else pd.Timestamp(events.start_at.min()).normalize()
    if scope.period_to:
        end = pd.Timestamp(month_after(scope.period_to))
    else:
        last = pd.Timestamp(events.end_at.max())
        end = last.normalize() + pd.Timedelta(days=int(last != last.normalize()))
    if as_of:
        end = min(end, pd.Timestamp(as_of).normalize())
    return start, max(end, start)


def oee_report(engine: Engine, scope: Scope, settings: A.OeeSettings = A.OeeSettings()) -> dict | None:
    """OEE totals, by work center, shift, month and day, six losses, time waterfall, loss Pareto,
    improvement value, bottleneck margin, loss cost per work order, how stops were classed, and
    data problems. None when the scope has no machine events.

    ``settings`` are the site's conventions (the page's expander, ``cli.py report --oee-…``);
    the "custom" convention reads the ``loss_classes`` table."""
    events = loaders.load_events(engine, scope)
    if events.empty:
        return None
    output = loaders.load_output(engine, scope)
    centers = loaders.load_work_centers(engine, scope)
    calendar = loaders.load_calendar(engine, scope)
    site = loaders.load_loss_classes(engine, scope) if settings.convention == "custom" else None
    start = month_start(scope.period_from) if scope.period_from else None
    end = month_after(scope.period_to) if scope.period_to else None
    segments = A.compute_event_segments(events, start, end)
    segments = A.compute_segment_classes(segments, settings, site, centers)
    window = calendar_window(scope, events, load_dataset_info(engine).get("as_of_date"))
    facts, orphans = A.compute_oee_facts(segments, output, centers, window)
    facts = facts.assign(month=facts.date.dt.strftime("%Y-%m"),
                         week=(facts.date - pd.to_timedelta(facts.date.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d"))
    total = A.compute_oee(facts, [], settings).iloc[0]
    by_wc = A.compute_oee(facts, ["work_center_id"], settings).merge(
        centers[["work_center_id", "work_center_name", "plant_id", "is_bottleneck"]], on="work_center_id")
    months = max(1, facts.month.nunique())
    return {
        "total": total,
        "by_work_center": by_wc,
        "by_plant": A.compute_oee(facts.merge(centers[["work_center_id", "plant_id"]], on="work_center_id"), ["plant_id"], settings),
        "by_shift": A.compute_oee(facts, ["shift"], settings),
        "by_month": A.compute_oee(facts, ["month"], settings),
        "by_work_center_month": A.compute_oee(facts, ["work_center_id", "month"], settings),
        "by_work_center_week": A.compute_oee(facts, ["work_center_id", "week"], settings),
        "by_work_center_day": A.compute_oee(facts, ["work_center_id", "date"], settings),
        "six_losses": A.compute_six_losses(total),
        "waterfall": A.compute_time_waterfall(total),
        "pareto": A.compute_loss_pareto(segments, total, centers, settings),
        "improvement": A.compute_improvement_value(segments, output, centers, settings, months),
        "bottleneck_margin": A.compute_bottleneck_margin(by_wc, output, centers) if settings.bottleneck_margin else None,
        "work_order_loss": A.compute_work_order_loss_cost(segments, output, centers),
        "loss_classes": A.compute_loss_classes(segments),
        "settings": settings,
        "problems": A.compute_data_problems(events, segments, facts, orphans, calendar),
        "events": events,
        "work_centers": centers,
    }
