"""OEE for a scope: every view the OEE page and the KPI report need.

Two paths give the same report: from the OEE fact tables (``data_loaders/facts_oee.py``) when
they are fresh, summing rows per work center x day x shift and per work order in SQL; else from
the machine events themselves, cut at shift boundaries here. The report holds what the page
draws, not the events: a drill reads one work center's month with ``work_center_events``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from analytics import oee as A
from data_loaders import facts
from data_loaders import facts_oee as F
from data_loaders import facts_oee_month as FM
from data_loaders import oee as loaders
from data_loaders.queries import load_dataset_info, month_after, month_start
from data_loaders.scope import Scope


def calendar_window(scope: Scope, events: pd.DataFrame, as_of: str | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """TEEP's calendar: [first day of the scope, day after its last) in full days, ending at the
    data's as-of date when that is earlier; an open end of the scope takes the events' span
    (``events``: start_at and end_at, the events or one row spanning them)."""
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
    improvement value, bottleneck margin, how stops were classed, and data problems. None when
    the scope has no machine events. The loss cost per work order is ``work_order_loss``.

    ``settings`` are the site's conventions (the page's expander, ``cli.py report --oee-…``);
    the "custom" convention reads the ``loss_classes`` table. Read from the OEE facts when they
    are fresh (``facts.ready``), else from the events: the same numbers."""
    if facts.ready(engine):
        return oee_report_from_facts(engine, scope, settings)
    return oee_report_from_events(engine, scope, settings)


def _site(engine: Engine, scope: Scope, settings: A.OeeSettings) -> pd.DataFrame | None:
    return loaders.load_loss_classes(engine, scope) if settings.convention == "custom" else None


def oee_report_from_events(engine: Engine, scope: Scope, settings: A.OeeSettings = A.OeeSettings()) -> dict | None:
    """``oee_report`` from the machine events of the scope, cut at shift boundaries here."""
    events = loaders.load_events(engine, scope)
    if events.empty:
        return None
    output = loaders.load_output(engine, scope)
    centers = loaders.load_work_centers(engine, scope)
    calendar = loaders.load_calendar(engine, scope)
    site = _site(engine, scope, settings)
    start = month_start(scope.period_from) if scope.period_from else None
    end = month_after(scope.period_to) if scope.period_to else None
    segments = A.compute_event_segments(events, start, end)
    segments = A.compute_segment_classes(segments, settings, site, centers)
    window = calendar_window(scope, events, load_dataset_info(engine).get("as_of_date"))
    facts_, orphans = A.compute_oee_facts(segments, output, centers, window)
    facts_ = A.compute_oee_rows(_with_periods(facts_), settings)
    by_wc = A.compute_oee_from_rows(facts_, ["work_center_id"], settings)
    months = max(1, facts_.month.nunique())
    return _report(_views(facts_, by_wc, centers, settings), segments, centers, settings, {
        "improvement": A.compute_improvement_value(segments, output, centers, settings, months),
        "bottleneck_margin": A.compute_bottleneck_margin(by_wc, output, centers) if settings.bottleneck_margin else None,
        "problems": A.compute_data_problems(events, segments, facts_, orphans, calendar),
    })


def oee_report_from_facts(engine: Engine, scope: Scope, settings: A.OeeSettings = A.OeeSettings()) -> dict | None:
    """``oee_report`` from the OEE fact tables: minutes per work center x state x reason code are
    classed by the settings, then SQL sums the shift facts to the grains the views draw — work
    center x month x shift (the month and shift tables, and summed further the work centers,
    plants and total), the day over all work centers (the trend), work center x day of the
    heatmap's work centers only — and finds the problem days: pandas sees some 45 k rows at L
    (a year of 840 work centers), not a row per work center x day."""
    by_reason = F.load_state_reason_minutes(engine, scope)
    # a bounded scope's calendar is its months: the shift rows' first and last dates are read for an
    # open end only (without shift rows the month read below is empty: None all the same)
    bounded = bool(scope.period_from and scope.period_to)
    span = None if bounded else F.load_shift_span(engine, scope)
    if by_reason.empty or (span is None and not bounded):
        return None
    centers = loaders.load_work_centers(engine, scope)
    site = _site(engine, scope, settings)
    classed = A.compute_segment_classes(by_reason, settings, site, centers)
    # a named convention with the states the kind columns hold: minutes read per whole kind and
    # classed by kind (A.compute_kind_minutes), no columns per state x reason code
    by_kind = _by_kind(classed, settings)
    columns = F.WHOLE_KINDS if by_kind else A.compute_minute_columns(classed)
    ends = pd.DataFrame() if bounded else pd.DataFrame({"start_at": [span[0]], "end_at": [span[1] + pd.Timedelta(days=1)]})
    window = calendar_window(scope, ends, load_dataset_info(engine).get("as_of_date"))

    def minutes_of(wide, classes):  # the state and stop columns of minutes read per ``columns``
        return A.compute_kind_minutes(wide, settings) if by_kind else A.compute_shift_minutes_from_totals(wide, columns, classes)

    # one read per table at work center x month x shift; the month, shift and work center views sum it
    # (calendar time: the month's days in the window, plus the shift rows dated outside it)
    by = ("period", "shift")
    if columns.whole_kind.all():  # the month facts hold whole kinds: one read of a row per work center x month x shift
        wide, made = F.load_month_shift_sums(engine, scope, columns, window)
    else:
        wide = F.load_shift_minutes(engine, scope, columns, by=by, window=window, counts=("outside_rows",))
        made = F.load_shift_output(engine, scope, by=by)
    if wide.empty:  # no shift rows: what load_shift_span's None means
        return None
    wide, made = wide.rename(columns={"period": "month"}), made.rename(columns={"period": "month"})
    month_rows = A.compute_oee_rows(A.compute_calendar_facts(minutes_of(wide, classed), made, centers,
                                                             window, [*A.MONTH_KEYS, "shift"]), settings)
    wc_sums = A.compute_oee_sums(month_rows, ["work_center_id"])
    by_wc = A.compute_oee_from_rows(wc_sums, ["work_center_id"], settings, unique=True)
    named = by_wc.merge(centers[["work_center_id", "work_center_name", "plant_id", "is_bottleneck"]], on="work_center_id")
    shown = A.compute_lowest_oee_work_centers(named, A.HEATMAP_WORK_CENTERS)
    # the heatmap's work centers per day, and every day over all work centers (the trend)
    heat_wide, heat_made, days = _day_reads(engine, scope, columns, classed, centers, window, settings, shown, minutes_of,
                                            by_kind or _classed_alike(classed))
    heat = A.compute_oee_rows(A.compute_calendar_facts(minutes_of(heat_wide, classed), heat_made,
                                                       centers[centers.work_center_id.isin(shown)], window, A.DAY_KEYS), settings)
    months = max(1, month_rows.month.nunique())
    product_minutes = A.compute_segment_classes(F.load_product_order_minutes(engine, scope), settings, site, centers)
    improvement = A.compute_improvement_from(F.load_product_output(engine, scope), A.compute_conversion_cost(product_minutes, centers, "product_id"),
                                             centers, settings, months)
    bottleneck = (A.compute_bottleneck_margin_from(by_wc, F.load_work_center_output(engine, scope), centers)
                  if settings.bottleneck_margin else None)
    found = F.load_problems(engine, scope)
    outside = found[found.problem == "event_outside_calendar"]
    if outside.empty or not loaders.has_calendar(engine, scope):
        outside = outside.iloc[:0]
    outside = outside.sort_values(["work_center_id", "sort_at", "detail", "date"], kind="mergesort").head(A.OUTSIDE_CALENDAR_LIMIT)
    views = {
        "total": A.compute_oee_from_rows(wc_sums, [], settings).iloc[0],
        "by_work_center": named,
        "by_plant": A.compute_oee_from_rows(wc_sums.merge(centers[["work_center_id", "plant_id"]], on="work_center_id"), ["plant_id"], settings),
        "by_shift": A.compute_oee_from_rows(month_rows, ["shift"], settings),
        "by_month": A.compute_oee_from_rows(month_rows, ["month"], settings),
        "by_work_center_month": A.compute_oee_from_rows(month_rows, ["work_center_id", "month"], settings),
        "by_week": A.compute_oee_trend_by(_with_periods(days), ["week"]),
        "by_day": A.compute_oee_trend_by(days, ["date"]),
        "heatmap_work_centers": shown,
        "by_work_center_day": A.compute_oee_trend_from_rows(heat, ["work_center_id", "date"], unique=True),
    }
    over, gaps = F.load_day_findings(engine, scope)
    return _report(views, classed, centers, settings, {
        "improvement": improvement,
        "bottleneck_margin": bottleneck,
        "problems": A.compute_problem_table(None, [A.compute_day_problems(over, gaps), found[found.problem != "event_outside_calendar"], outside]),
    })


def _by_kind(classed: pd.DataFrame, settings: A.OeeSettings) -> bool:
    """Whether the scope's minutes can be read per whole kind (``F.WHOLE_KINDS``) and classed by
    ``A.compute_kind_minutes``: a named convention (every stop of a kind in one class, whatever
    its reason code or plant) and only states whose kinds the kind columns hold. The same numbers
    as summing columns per state x reason code (``compute_minute_columns``) and classing them
    (``compute_shift_minutes_from_totals``)."""
    return settings.convention != "custom" and bool(classed.state.isin(list(A.STATE_KINDS)).all())


def _classed_alike(classed: pd.DataFrame) -> bool:
    """Whether every work center classes each state x reason code of ``classed`` alike."""
    targets = classed.assign(reason_code=classed.reason_code.fillna(""))[["state", "reason_code", "loss_kind", "loss_class"]].astype(str)
    return len(targets.drop_duplicates()) == len(targets[["state", "reason_code"]].drop_duplicates())


def _day_reads(engine: Engine, scope: Scope, columns: pd.DataFrame, classed: pd.DataFrame, centers: pd.DataFrame, window: tuple,
               settings: A.OeeSettings, shown: list[str], minutes_of, alike: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The minutes and output of the ``shown`` work centers per day (``load_shift_minutes`` and
    ``load_shift_output`` by date, with ``shift_rows`` for the calendar), and ``A.BUCKET_SUMS``
    per day over every work center (``A.compute_bucket_sums``) for the window's days and any
    other day with facts (the days the work center x day rows would have).

    ``minutes_of(wide, classes)`` gives the state and stop columns of minutes read per
    ``columns``. When every work center classes its stops alike (``alike``: a named convention,
    or a site's classes that do not differ by plant), one read per table gives both: the shown work centers apart,
    the others summed per day (one read of the day facts when every column is a whole kind). Otherwise the day's minutes are summed per plant, so that each
    plant's stops are classed once, in a read of their own."""
    by = ("date",)
    if alike:
        if columns.whole_kind.all():  # the day facts hold whole kinds: one read of a row per work center x day
            wide, made = F.load_day_sums(engine, scope, columns, shown, counts=A.TREND_COUNTS)
        else:
            wide = F.load_shift_minutes(engine, scope, columns, by=by, window=window, counts=("shift_rows",), apart=shown)
            made = F.load_shift_output(engine, scope, by=by, apart=shown)
        heat_wide = wide[wide.work_center_id.notna()].reset_index(drop=True)
        heat_made = made[made.work_center_id.notna()].reset_index(drop=True)
        group_wide = wide.assign(work_center_id="")
        group_classes = None if columns is F.WHOLE_KINDS else classed.assign(work_center_id="").drop_duplicates(["state", "reason_code"])
    else:
        heat_wide = F.load_shift_minutes(engine, scope, columns, by=by, window=window, counts=("shift_rows",), work_centers=shown)
        heat_made = F.load_shift_output(engine, scope, by=by, work_centers=shown)
        group_wide = F.load_shift_minutes(engine, scope, columns, by=by, window=window, per="plant", counts=())
        made = F.load_shift_output(engine, scope, by=by, per="all")
        # the plant of each work center stands for it
        plant = classed.work_center_id.map(centers.set_index("work_center_id").plant_id)
        group_classes = classed.assign(work_center_id=plant).drop_duplicates(["work_center_id", "state", "reason_code"])
    sums = A.compute_bucket_sums(minutes_of(group_wide, group_classes), made, "date", settings)
    start, end = (pd.Timestamp(x) for x in window)
    grid = pd.DataFrame({"date": pd.date_range(start.normalize(), end - pd.Timedelta(seconds=1), freq="D").normalize().astype("datetime64[ns]")})
    days = grid.merge(sums, on="date", how="outer").fillna(0.0).sort_values("date").reset_index(drop=True)
    return heat_wide, heat_made, days


def oee_totals(engine: Engine, scope: Scope, settings: A.OeeSettings = A.OeeSettings()) -> dict | None:
    """The OEE report's ``total`` and ``by_work_center`` alone, for pages that show OEE beside
    other figures (the cockpit, its comparisons): from the facts summed per work center in SQL,
    a few hundred rows whatever the span; else from the whole report. The same numbers."""
    if not facts.ready(engine):
        report = oee_report_from_events(engine, scope, settings)
        return None if report is None else {"total": report["total"], "by_work_center": report["by_work_center"]}
    by_reason = F.load_state_reason_minutes(engine, scope)
    span = F.load_shift_span(engine, scope)
    if by_reason.empty or span is None:
        return None
    centers = loaders.load_work_centers(engine, scope)
    classed = A.compute_segment_classes(by_reason, settings, _site(engine, scope, settings), centers)
    targets = A.compute_stop_targets(classed)
    columns = A.compute_minute_columns(classed, targets)
    window = calendar_window(scope, pd.DataFrame({"start_at": [span[0]], "end_at": [span[1] + pd.Timedelta(days=1)]}),
                             load_dataset_info(engine).get("as_of_date"))
    wide = F.load_shift_minutes(engine, scope, columns, by=(), window=window)
    return _totals(wide, F.load_shift_output(engine, scope, by=()), classed, columns, centers, window, settings, targets)


def _totals(wide: pd.DataFrame, output: pd.DataFrame, classed: pd.DataFrame, columns: pd.DataFrame, centers: pd.DataFrame,
            window: tuple, settings: A.OeeSettings, targets: pd.DataFrame | None = None) -> dict:
    """``oee_totals`` from the minutes and output summed per work center (``load_shift_minutes``
    and ``load_shift_output`` with ``by=()``)."""
    return _totals_of(A.compute_shift_minutes_from_totals(wide, columns, classed, targets), output, centers, window, settings)


def _totals_of(minutes: pd.DataFrame, output: pd.DataFrame, centers: pd.DataFrame, window: tuple, settings: A.OeeSettings) -> dict:
    """``_totals`` from the minutes per work center (``compute_shift_minutes_from_totals``)."""
    return _totals_of_rows(A.compute_oee_rows(A.compute_calendar_facts(minutes, output, centers, window, A.CENTER_KEYS), settings),
                           centers, settings)


def _totals_of_rows(rows: pd.DataFrame, centers: pd.DataFrame, settings: A.OeeSettings) -> dict:
    """``_totals`` from one row per work center with its loss columns (``compute_oee_rows``)."""
    by_wc = A.compute_oee_from_rows(rows, ["work_center_id"], settings, unique=True)
    return {"total": A.compute_oee_from_rows(rows, [], settings).iloc[0],
            "by_work_center": by_wc.merge(centers[["work_center_id", "work_center_name", "plant_id", "is_bottleneck"]], on="work_center_id")}


def oee_month_totals(engine: Engine, scope: Scope, settings: A.OeeSettings = A.OeeSettings()) -> dict | None:
    """``oee_totals`` of a scope, read from the month facts (``data_loaders.facts_oee_month``:
    one row per work center and month, summed per work center) when the scope is bounded (one
    month or several) and they give the shift rows' sums: the cockpit's spans (its month, the
    comparisons, the year to date, twelve months) and the OEE drop warning's months. An open
    scope, or a span those facts cannot give (cut by the as-of date, a work center with several
    plants' output), is ``oee_totals`` itself. The same numbers: a span of several months to
    float precision, money to the cent (see ``data_loaders.facts_oee_month``)."""
    if not FM.is_bounded(scope) or not facts.ready(engine):
        return oee_totals(engine, scope, settings)
    by_reason = F.load_state_reason_minutes(engine, scope)
    if by_reason.empty:
        return None
    centers = loaders.load_work_centers(engine, scope)
    classed = A.compute_segment_classes(by_reason, settings, _site(engine, scope, settings), centers)
    targets = A.compute_stop_targets(classed)
    columns = A.compute_minute_columns(classed, targets)
    # a bounded scope's window is its months (cut at the as-of date); the events' span is not read
    window = calendar_window(scope, pd.DataFrame(), load_dataset_info(engine).get("as_of_date"))
    wide = FM.load_month_minutes(engine, scope, columns, window)
    made = FM.load_month_output(engine, scope) if wide is not None else None
    if wide is None or made is None:
        return oee_totals(engine, scope, settings)
    if wide.empty:  # no shift rows: what load_shift_span's None means
        return None
    return _totals(wide, made, classed, columns, centers, window, settings, targets)


def oee_totals_by_month(engine: Engine, scope: Scope, months: list[str], settings: A.OeeSettings = A.OeeSettings()) -> dict:
    """``oee_month_totals`` of each month of ``months`` (a one-month scope with ``scope``'s plants
    and families; None for a month without machine events): the OEE drop warning's months and
    the cockpit's one-month spans. From the facts, the month facts and the reason codes are
    read once for every month, and each month is then computed as ``oee_month_totals``
    computes it (its own loss classes, columns and calendar window): the same numbers, for
    three reads instead of three per month. A month the month facts cannot give alone (cut by
    the as-of date, several plants' output on a work center) is ``oee_month_totals`` itself."""
    one = {m: Scope(m, m, scope.plants, scope.families) for m in months}
    if not months or not facts.ready(engine):
        return {m: oee_month_totals(engine, s, settings) for m, s in one.items()}
    span = Scope(min(months), max(months), scope.plants, scope.families)
    by_reason = F.load_state_reason_minutes(engine, span, by_period=True, periods=months)
    out = {m: None for m in months}
    if by_reason.empty:
        return out
    centers = loaders.load_work_centers(engine, span)
    site = _site(engine, span, settings)
    as_of = load_dataset_info(engine).get("as_of_date")
    kinds, made = FM.load_months_kinds(engine, scope, months), FM.load_months_output(engine, scope, months)
    # a row's class depends on its own work center, state and code: every month's rows at once
    classed_all = A.compute_segment_classes(by_reason, settings, site, centers)
    parts = {}
    for m, rows in classed_all.groupby("period", sort=True):
        if m not in one:
            continue
        classed = rows.drop(columns="period").reset_index(drop=True)
        targets = A.compute_stop_targets(classed)
        columns = A.compute_minute_columns(classed, targets)
        window = calendar_window(one[m], pd.DataFrame(), as_of)  # the month, cut at the as-of date
        wide = FM.load_month_minutes(engine, one[m], columns, window, kinds[m]) if m in kinds else None
        if wide is None or made.get(m) is None:
            out[m] = oee_month_totals(engine, one[m], settings)
        elif not wide.empty:
            parts[m] = (A.compute_shift_minutes_from_totals(wide, columns, classed, targets), made[m], window)
    out.update(_months_totals(parts, centers, settings))
    return out


def _months_totals(parts: dict, centers: pd.DataFrame, settings: A.OeeSettings) -> dict:
    """``_totals`` of each month of ``parts`` (month -> its minutes per work center from
    ``compute_shift_minutes_from_totals``, its output per work center, its calendar window): the
    calendar facts and their loss columns of every month at once, one row per work center and
    month (``A.MONTH_KEYS``: each row the numbers and arithmetic of its month alone, so the same
    bits), then each month's work centers and total from its own rows."""
    if not parts:
        return {}
    start, end = min(pd.Timestamp(w[0]) for _, _, w in parts.values()), max(pd.Timestamp(w[1]) for _, _, w in parts.values())
    # each month's days in the joint window must be its own window's (the as-of date cuts the last month only)
    if any(pd.Timestamp(w[0]) != pd.Timestamp(month_start(m)) or pd.Timestamp(w[1]) != min(pd.Timestamp(month_after(m)), end)
           for m, (_, _, w) in parts.items()):
        return {m: _totals_of(minutes, made, centers, window, settings) for m, (minutes, made, window) in parts.items()}
    minutes = pd.concat([p[0].assign(month=m) for m, p in parts.items()], ignore_index=True)
    made = pd.concat([p[1].assign(month=m) for m, p in parts.items()], ignore_index=True)
    rows = A.compute_oee_rows(A.compute_calendar_facts(minutes, made, centers, (start, end), A.MONTH_KEYS), settings)
    month = rows.month.to_numpy()
    return {m: _totals_of_rows(rows[month == m].drop(columns="month").reset_index(drop=True), centers, settings) for m in parts}


def oee_span_totals(engine: Engine, scope: Scope, spans: list[tuple[str, str]], settings: A.OeeSettings = A.OeeSettings()) -> dict:
    """``oee_month_totals`` of each span (first month, last month; ``scope``'s plants and
    families), keyed by the span: the overview's spans and months at once (its span, the spans
    it compares with, the year to date, the OEE drop warning's months). The same frames to the
    bit as each span alone.

    Under a named convention (every stop of a kind in one class) with fresh facts, two reads
    for all spans: the month facts summed per span x work center (each span the statement
    ``oee_month_totals`` runs for it, stacked), and the output alike; no reason codes (the kind
    columns are what their codes would be classed into: ``A.compute_kind_minutes``); the
    calendar, the loss columns and the work centers of every span in one frame
    (``A.compute_span_calendar_facts``), each span's total from its own rows. A span without
    machine minutes is None; one the month rows cannot give (cut by the as-of date, a work
    center with several plants' output) and every span under the custom classes is
    ``oee_month_totals`` itself (the months of those at once: ``oee_totals_by_month``)."""
    spans = list(dict.fromkeys(spans))
    one = {span: Scope(span[0], span[1], scope.plants, scope.families) for span in spans}
    if not spans or settings.convention == "custom" or not facts.ready(engine):
        months = [first for first, last in spans if first == last]
        by_month = oee_totals_by_month(engine, scope, months, settings) if months else {}
        return {span: by_month[span[0]] if span[0] == span[1] else oee_month_totals(engine, one[span], settings) for span in spans}
    kinds = FM.load_spans_kinds(engine, scope, spans)
    made = FM.load_spans_output(engine, scope, spans)
    as_of = load_dataset_info(engine).get("as_of_date")
    windows = {i: calendar_window(one[span], pd.DataFrame(), as_of) for i, span in enumerate(spans)}
    # a span without month rows has no reason codes either (both count its machine minutes): None
    first, last = pd.to_datetime(kinds.first_date), pd.to_datetime(kinds.last_date)
    dated = pd.DataFrame({"span_no": kinds.span_no.to_numpy(), "first": first, "last": last}).groupby("span_no").agg({"first": "min", "last": "max"})
    several = set(made.span_no[made.duplicated(["span_no", "work_center_id"])])
    out, read = {span: None for span in spans}, []
    for i, span in enumerate(spans):
        if i not in dated.index:
            continue
        start, end = (pd.Timestamp(x) for x in windows[i])
        if dated["first"][i] < start or dated["last"][i] >= end or i in several:  # as oee_month_totals: the shift rows
            out[span] = oee_month_totals(engine, one[span], settings)
        else:
            read.append(i)
    if read:
        centers = loaders.load_work_centers(engine, Scope(plants=scope.plants))
        own = kinds[kinds.span_no.isin(read)].drop(columns=["first_date", "last_date"]).rename(columns={"span_no": "span"})
        minutes = A.compute_kind_minutes(own, settings)
        minutes["outside_rows"] = np.zeros(len(minutes), dtype=np.int64)
        counts = made[made.span_no.isin(read)].rename(columns={"span_no": "span"})
        rows = A.compute_oee_rows(A.compute_span_calendar_facts(minutes, counts, centers, {i: windows[i] for i in read}), settings)
        out.update({spans[i]: part for i, part in zip(read, _spans_totals_of_rows(rows, read, centers, settings))})
    return out


def _spans_totals_of_rows(rows: pd.DataFrame, spans: list, centers: pd.DataFrame, settings: A.OeeSettings) -> list[dict]:
    """``_totals_of_rows`` of each span of ``rows`` (one row per span x work center, sorted by
    span: ``A.compute_span_calendar_facts`` with its loss columns), in the order of ``spans``:
    the work centers of all spans in one frame (each row its own arithmetic), each total from
    its span's rows."""
    by_wc = A.compute_oee_from_rows(rows, ["span", "work_center_id"], settings, unique=True)
    named = by_wc.merge(centers[["work_center_id", "work_center_name", "plant_id", "is_bottleneck"]], on="work_center_id")
    # the merge keeps the rows' order: each span's work centers are a run of rows
    named_span = named.span.to_numpy()
    named = named.drop(columns="span")
    # each span's total: its rows' sums (as compute_oee_sums adds them), their ratios row by row
    totals = A.compute_oee_from_rows(A.compute_oee_sums_by_run(rows, "span"), ["span"], settings, unique=True)
    at = {span: i for i, span in enumerate(totals.span)}
    totals = totals.drop(columns="span")
    runs = {span: (np.searchsorted(named_span, span, "left"), np.searchsorted(named_span, span, "right")) for span in spans}
    return [{"total": totals.iloc[at[span]].rename(0), "by_work_center": named.iloc[slice(*runs[span])].reset_index(drop=True)}
            for span in spans]


def _with_periods(facts_: pd.DataFrame) -> pd.DataFrame:
    """The month and the week's Monday as labels, formatted once per distinct day (a year of
    shift rows at L has ~365 days among ~1 M rows: strftime per row took ~0.9 s)."""
    codes, days = pd.factorize(facts_.date, use_na_sentinel=False)
    days = pd.DatetimeIndex(days)
    mondays = days - pd.to_timedelta(days.day_of_week, unit="D")
    return facts_.assign(month=np.asarray(days.strftime("%Y-%m"), dtype=object)[codes],
                         week=np.asarray(mondays.strftime("%Y-%m-%d"), dtype=object)[codes])


def _views(facts_: pd.DataFrame, by_wc: pd.DataFrame, centers: pd.DataFrame, settings: A.OeeSettings) -> dict:
    """The report's views of the event path's shift facts with their loss columns
    (``compute_oee_rows``): the shifts are summed once per work center x day; the coarser views
    group those sums."""
    def oee(frame, by, unique=False):
        return A.compute_oee_from_rows(frame, by, settings, unique)

    day = A.compute_oee_sums(facts_, ["work_center_id", "date", "month", "week"])
    named = by_wc.merge(centers[["work_center_id", "work_center_name", "plant_id", "is_bottleneck"]], on="work_center_id")
    shown = A.compute_lowest_oee_work_centers(named, A.HEATMAP_WORK_CENTERS)
    return {
        "total": oee(day, []).iloc[0],
        "by_work_center": named,
        "by_plant": oee(day.merge(centers[["work_center_id", "plant_id"]], on="work_center_id"), ["plant_id"]),
        "by_shift": oee(facts_, ["shift"]),
        "by_month": oee(day, ["month"]),
        "by_work_center_month": oee(day, ["work_center_id", "month"]),
        "by_week": A.compute_oee_trend_by(day, ["week"]),
        "by_day": A.compute_oee_trend_by(day, ["date"]),
        "heatmap_work_centers": shown,
        "by_work_center_day": A.compute_oee_trend_from_rows(day[day.work_center_id.isin(shown)], ["work_center_id", "date"], unique=True),
    }


def _report(views: dict, segments: pd.DataFrame, centers: pd.DataFrame, settings: A.OeeSettings, parts: dict) -> dict:
    """The report both paths give: their ``views`` (total, by work center, plant, shift and
    month, work center x month, the trend over all work centers per week and day
    (``by_week``, ``by_day``; per month it is ``by_month``), the heatmap's work centers — the
    ``A.HEATMAP_WORK_CENTERS`` with the lowest OEE — and their days (``by_work_center_day``)),
    what follows from the total, and the views of classed segments (or their sums per work
    center x state x reason code: every view of them is a sum of minutes)."""
    total = views["total"]
    return {
        **views,
        "six_losses": A.compute_six_losses(total),
        "waterfall": A.compute_time_waterfall(total),
        "pareto": A.compute_loss_pareto(segments, total, centers, settings),
        "improvement": parts["improvement"],
        "bottleneck_margin": parts["bottleneck_margin"],
        "loss_classes": A.compute_loss_classes(segments),
        "settings": settings,
        "problems": parts["problems"],
        "work_centers": centers,
    }


def work_order_loss(engine: Engine, scope: Scope, work_order_ids=None) -> pd.DataFrame:
    """Loss cost carried by each work order in the scope (``compute_work_order_loss_cost``), of
    ``work_order_ids`` only when given: one row per work order x work center. From the facts
    when fresh, else from the scope's events: the same numbers."""
    if facts.ready(engine):
        return work_order_loss_from_facts(engine, scope, work_order_ids)
    return work_order_loss_from_events(engine, scope, work_order_ids)


def work_order_loss_from_facts(engine: Engine, scope: Scope, work_order_ids=None) -> pd.DataFrame:
    """``work_order_loss`` from the per-order fact tables."""
    return A.compute_work_order_loss_from(F.load_order_state_minutes(engine, scope, work_order_ids),
                                          F.load_order_output(engine, scope, work_order_ids), loaders.load_work_centers(engine, scope))


def work_order_loss_from_events(engine: Engine, scope: Scope, work_order_ids=None) -> pd.DataFrame:
    """``work_order_loss`` from the scope's machine events and output."""
    start = month_start(scope.period_from) if scope.period_from else None
    end = month_after(scope.period_to) if scope.period_to else None
    segments = A.compute_event_segments(loaders.load_events(engine, scope), start, end)
    loss = A.compute_work_order_loss_cost(segments, loaders.load_output(engine, scope), loaders.load_work_centers(engine, scope))
    if work_order_ids is not None:
        loss = loss[loss.work_order_id.isin(list(work_order_ids))].reset_index(drop=True)
    return loss


def oee_drill(engine: Engine, scope: Scope, work_center_id: str, period: str) -> dict:
    """The OEE page's drill into one work center's month: its machine events that start in the
    month (``events``) and the scope's loss cost of the work orders they name (``orders``)."""
    events = loaders.load_work_center_events(engine, work_center_id, period)
    return {"events": events, "orders": work_order_loss(engine, scope, sorted(set(events.work_order_id.dropna())))}
