"""The OEE page's cheaper paths give the numbers the full ones gave, to the last bit, on every
database: the trend and heatmap columns computed from the 13 sums they need
(``compute_oee_trend_from_rows``) against ``compute_oee_from_rows`` of all 43 then cut, and the
stop minutes added column by column against ``np.add.at`` (the code they replaced)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import oee as A
from data_loaders import facts_oee as F
from data_loaders import oee as loaders
from data_loaders.queries import load_dataset_info
from data_loaders.scope import Scope
from reports import oee as R
from tests.test_oee_facts import TINY_CASES, assert_same_frame, assert_same_report, tiny  # noqa: F401 - the fixture, one per database


def _day_rows(engine, scope: Scope, settings: A.OeeSettings) -> pd.DataFrame | None:
    """The facts path's rows per work center x day with their loss columns, as
    ``reports.oee.oee_report_from_facts`` builds them for ``_report``."""
    by_reason = F.load_state_reason_minutes(engine, scope)
    if by_reason.empty:
        return None
    centers = loaders.load_work_centers(engine, scope)
    site = loaders.load_loss_classes(engine, scope) if settings.convention == "custom" else None
    classed = A.compute_segment_classes(by_reason, settings, site, centers)
    columns = A.compute_minute_columns(classed)
    wide = F.load_shift_minutes(engine, scope, columns, by=("date",))
    minutes = A.compute_shift_minutes_from_totals(wide, columns, classed)
    span = pd.DataFrame({"start_at": [wide.date.min()], "end_at": [wide.date.max() + pd.Timedelta(days=1)]})
    window = R.calendar_window(scope, span, load_dataset_info(engine).get("as_of_date"))
    facts_ = R._with_periods(A.compute_calendar_facts(minutes, F.load_shift_output(engine, scope, by=("date",)), centers, window, A.DAY_KEYS))
    facts_ = A.compute_oee_rows(facts_, settings)
    return facts_[["work_center_id", "date", "month", "week"] + A.oee_sum_columns(facts_)].reset_index(drop=True)


def test_trend_columns_equal_the_full_computation_bit_for_bit(tiny):
    seen = 0
    for scope, settings in TINY_CASES:
        day = _day_rows(tiny, scope, settings)
        if day is None:
            continue
        for by, unique in ((["work_center_id", "date"], True), (["work_center_id", "week"], False), (["work_center_id", "month"], False),
                           (["month"], False)):
            old = A.compute_oee_from_rows(day, by, settings, unique)[[*by, *A.TREND_FIELDS]]
            new = A.compute_oee_trend_from_rows(day, by, unique)
            pd.testing.assert_frame_equal(new, old, check_exact=True, obj=f"{scope} {settings} {by}")
            seen += len(new)
        report = R.oee_report_from_facts(tiny, scope, settings)
        assert_same_frame(report["by_work_center_day"], A.compute_oee_trend_from_rows(day, ["work_center_id", "date"], True)
                          .reset_index(drop=True), f"{scope} report days")
    assert seen > 20


def test_trend_of_one_day_by_hand(tiny):
    """WC1 on 2026-01-06 under the site's classes (custom): breakdown 08:00 is the rest of E1,
    00:00–09:00 = 540 min; running E2 + E4 = 480; the break E3 60 min is downtime (the site's
    table), the meal E5 30 min is outside planned time. Output O1: 90 good + 10 startup scrap at
    2 min a unit, standard cost 2.0 a unit; WC1 costs 200 an hour.
    planned production = 480 + 540 + 60 = 1080; net run = 100 x 2 = 200; fully productive = 180.
    loss cost = (540 + 60 + (480 - 200)) x 200 / 60 + 10 x 2.0 = 2933.33 + 20 = 2953.33."""
    r = R.oee_report(tiny, Scope("2026-01", "2026-01"), A.OeeSettings(convention="custom"))
    days = r["by_work_center_day"]
    row = days[(days.work_center_id == "WC1") & (days.date == pd.Timestamp("2026-01-06"))].iloc[0]
    assert list(days.columns) == ["work_center_id", "date", *A.TREND_FIELDS]
    assert row.ppt_min == pytest.approx(1080) and row.fully_productive_min == pytest.approx(180)
    assert row.availability_pct == pytest.approx(480 / 1080) and row.performance_pct == pytest.approx(200 / 480)
    assert row.quality_pct == pytest.approx(180 / 200) and row.oee_pct == pytest.approx(180 / 1080)
    assert row.loss_cost_amount == pytest.approx(2953.33)
    # a day without events (01-02) is calendar time only: no planned production, no ratio
    idle = days[(days.work_center_id == "WC1") & (days.date == pd.Timestamp("2026-01-02"))].iloc[0]
    assert idle.ppt_min == 0 and np.isnan(idle.oee_pct) and idle.loss_cost_amount == 0


def _stops_by_add_at(wide: pd.DataFrame, columns: pd.DataFrame, classes: pd.DataFrame) -> np.ndarray:
    """The stop columns as ``compute_shift_minutes_from_totals`` added them before (np.add.at)."""
    first = columns.drop_duplicates("column").reset_index(drop=True)
    x = wide[list(first.column)].to_numpy(dtype=float)
    codes, centers = pd.factorize(wide.work_center_id.reset_index(drop=True))
    t = A.compute_stop_targets(classes)
    key = first.assign(reason_code=first.reason_code.astype(object).where(first.reason_code.notna(), ""), k=np.arange(len(first)))
    hits = t[t.target >= 0].merge(key, on=["state", "reason_code"]).drop_duplicates(["work_center_id", "k"])
    where = np.full((len(centers), len(first)), -1, dtype=np.int64)
    wc_index = pd.Index(centers.astype(object)).get_indexer(hits.work_center_id)
    ok = wc_index >= 0
    where[wc_index[ok], hits.k.to_numpy()[ok]] = hits.target.to_numpy()[ok]
    per_row = where[codes]
    r, k = np.nonzero((per_row >= 0) & (x != 0))
    stops = np.zeros((len(x), len(A.STOP_COLUMNS)))
    np.add.at(stops, (r, per_row[r, k]), x[r, k])
    return stops


def test_stop_minutes_added_column_by_column_equal_add_at(tiny):
    """Every convention, on the facts of every database, and a hand-made case where three columns
    of one work center land in one stop column (0.1 + 0.2 + 0.3 is not 0.3 + 0.2 + 0.1 in floats:
    the order must be the old one)."""
    for scope, settings in TINY_CASES:
        by_reason = F.load_state_reason_minutes(tiny, scope)
        if by_reason.empty:
            continue
        centers = loaders.load_work_centers(tiny, scope)
        site = loaders.load_loss_classes(tiny, scope) if settings.convention == "custom" else None
        classed = A.compute_segment_classes(by_reason, settings, site, centers)
        columns = A.compute_minute_columns(classed)
        for by in (("date", "shift"), ("date",), ("shift",)):
            wide = F.load_shift_minutes(tiny, scope, columns, by=by)
            got = A.compute_shift_minutes_from_totals(wide, columns, classed)[list(A.STOP_COLUMNS)].to_numpy()
            assert np.array_equal(got, _stops_by_add_at(wide, columns, classed)), (scope, settings, by)
    classes = pd.DataFrame({"work_center_id": ["W"] * 3, "state": ["breakdown"] * 3, "reason_code": ["B1", "B2", "B3"],
                            "loss_kind": ["breakdown"] * 3, "loss_class": ["availability"] * 3})
    columns = pd.DataFrame({"column": ["a", "b", "c"], "state": ["breakdown"] * 3, "reason_code": ["B1", "B2", "B3"],
                            "kind": ["breakdown"] * 3, "whole_kind": [False] * 3})
    wide = pd.DataFrame({"work_center_id": ["W", "W"], "date": pd.to_datetime(["2026-01-01", "2026-01-02"]),
                         "a": [0.1, 0.3], "b": [0.2, 0.0], "c": [0.3, 0.1]})
    got = A.compute_shift_minutes_from_totals(wide, columns, classes)
    assert got.stop_breakdown_availability_min.tolist() == [0.1 + 0.2 + 0.3, 0.3 + 0.1]
    assert np.array_equal(got[list(A.STOP_COLUMNS)].to_numpy(), _stops_by_add_at(wide, columns, classes))
    assert got.breakdown_min.tolist() == [0.1 + 0.2 + 0.3, 0.3 + 0.0 + 0.1]


def _calendar_facts_before(minutes, counts, rates, window, keys):
    """``compute_calendar_facts`` at a coarse grain as it was: filled after each merge, the rate
    mapped per row."""
    facts = minutes.merge(counts, on=keys, how="outer").fillna(0.0)
    start, end = (pd.Timestamp(x) for x in window)
    days = pd.date_range(start.normalize(), end - pd.Timedelta(seconds=1), freq="D").normalize().astype("datetime64[ns]")
    axes = {"work_center_id": rates.work_center_id.unique(), "date": days, "shift": list(A.SHIFTS)}
    grid = pd.MultiIndex.from_product([axes[k] for k in keys], names=keys).to_frame(index=False)
    facts = grid.merge(facts, on=keys, how="outer").fillna(0.0)
    outside = facts["outside_rows"].to_numpy(dtype=float) if "outside_rows" in facts else 0.0
    per_day = 1.0 if "shift" in keys else float(len(A.SHIFTS))
    if "date" in keys:
        inside = np.where((facts.date >= start) & (facts.date < end), per_day, 0.0)
        outside = np.where(inside > 0, 0.0, facts["shift_rows"].to_numpy(dtype=float) if "shift_rows" in facts else 0.0)
    else:
        inside = float(len(days)) * per_day
    if "shift" in keys:
        facts["shift"] = facts["shift"].astype(int)
    facts["calendar_min"] = A.SHIFT_SECONDS / 60.0 * (inside + outside)
    facts["rate_per_min"] = facts.work_center_id.map(A._rate_per_min(rates)).astype(float)
    return facts.sort_values(keys).reset_index(drop=True)


def test_calendar_facts_equal_the_way_they_were_built_before(tiny):
    """Filled once and the rate looked up per work center: the same frame, dtypes included, at the
    day, shift and work-center grains of every case; a work center the rates do not know gets
    no rate (NaN), as the map gave."""
    seen = 0
    for scope, settings in TINY_CASES:
        by_reason = F.load_state_reason_minutes(tiny, scope)
        if by_reason.empty:
            continue
        centers = loaders.load_work_centers(tiny, scope)
        classed = A.compute_segment_classes(by_reason, A.OeeSettings())
        columns = A.compute_minute_columns(classed)
        window = R.calendar_window(scope, pd.DataFrame({"start_at": [pd.Timestamp("2026-01-01")], "end_at": [pd.Timestamp("2026-04-01")]}),
                                   load_dataset_info(tiny).get("as_of_date"))
        for by, keys in ((("date",), A.DAY_KEYS), (("shift",), A.SHIFT_KEYS), ((), A.CENTER_KEYS)):
            minutes = A.compute_shift_minutes_from_totals(F.load_shift_minutes(tiny, scope, columns, by=by, window=window), columns, classed)
            output = F.load_shift_output(tiny, scope, by=by)
            for rates in (centers, centers.iloc[1:]):  # all rates; the first work center without one
                new = A.compute_calendar_facts(minutes, output, rates, window, keys)
                pd.testing.assert_frame_equal(new, _calendar_facts_before(minutes, output, rates, window, list(keys)), check_exact=True)
                seen += 1
    assert seen >= 6 * 3 * 2
    wc1 = new[new.work_center_id == centers.work_center_id.iloc[0]]
    assert wc1.rate_per_min.isna().all() and new[new.work_center_id != centers.work_center_id.iloc[0]].rate_per_min.notna().all()


def test_trend_over_all_work_centers_equals_the_day_rows_summed(tiny):
    """``by_day`` and ``by_week`` (SQL sums per day over every work center, classed per plant
    when a site's classes differ by plant) equal the trend of the work center x day rows the
    report used to build, summed per day or week; ``by_month`` is the month of ``by_work_center_month``."""
    seen = 0
    for scope, settings in TINY_CASES:
        day = _day_rows(tiny, scope, settings)
        if day is None:
            continue
        report = R.oee_report_from_facts(tiny, scope, settings)
        for key, by in (("by_day", ["date"]), ("by_week", ["week"])):
            want = A.compute_oee_trend_by(day, by)
            assert_same_frame(report[key], want, f"{scope} {settings} {key}")
            assert list(report[key].columns) == [*by, *A.BUCKET_TREND_FIELDS]
            seen += len(want)
        month = A.compute_oee_from_rows(day, ["month"], settings)
        assert_same_frame(report["by_month"], month, f"{scope} {settings} by_month")
    assert seen > 20


@pytest.mark.parametrize("limit, per_plant", [(1, False), (2, False), (1, True), (30, True)])
def test_heatmap_reads_the_lowest_work_centers_days_only(tiny, monkeypatch, limit, per_plant):
    """With fewer heatmap rows than work centers (the L file's 30 of 840; here 1 or 2 of 3) the
    facts path reads those work centers' days apart and the others summed per day (or, when a
    site's classes differ by plant — ``per_plant`` forces it —, in reads of their own, the day's
    minutes summed per plant): the report equals the event path's on every database, and its
    days are the shown work centers' rows of the full day table."""
    monkeypatch.setattr(A, "HEATMAP_WORK_CENTERS", limit)
    if per_plant:
        monkeypatch.setattr(R, "_classed_alike", lambda classed: False)
    for scope, settings in TINY_CASES:
        events, from_facts = R.oee_report_from_events(tiny, scope, settings), R.oee_report_from_facts(tiny, scope, settings)
        assert_same_report(events, from_facts, f"{scope} {settings} limit {limit}")
        if from_facts is None:
            continue
        shown = from_facts["heatmap_work_centers"]
        assert shown == A.compute_lowest_oee_work_centers(from_facts["by_work_center"], limit)
        assert len(shown) == min(limit, len(from_facts["by_work_center"]))
        day = _day_rows(tiny, scope, settings)
        full = A.compute_oee_trend_from_rows(day, ["work_center_id", "date"], True)
        assert_same_frame(from_facts["by_work_center_day"], full[full.work_center_id.isin(shown)].reset_index(drop=True),
                          f"{scope} {settings} heatmap days")
