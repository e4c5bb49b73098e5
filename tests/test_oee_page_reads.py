"""The OEE page's first view (``reports.oee.oee_report_from_facts``) read and computed the
cheaper way gives the frames the longer way gave, to the bit and dtype, on every database:
minutes read per whole kind under a named convention against the columns per state x reason
code; stop kinds and classes decided per distinct state x code against a map over the rows; the
conversion cost's canonical sum on arrays against sorting and grouping the rows; calendar facts
put side by side against two outer merges; the day sums' fewer output columns against all of
them; the day facts stored in period order (DuckDB)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analytics import oee as A
from analytics.money import in_sum_order
from data_loaders import facts_oee as F
from data_loaders import oee as loaders
from data_loaders.engine import read_frame
from data_loaders.scope import Scope
from reports import oee as R
from tests.test_oee_facts import tiny  # noqa: F401 - the hand-built plant, one per database

NAMED = [(Scope("2026-01", "2026-01"), A.OeeSettings()), (Scope("2026-01", "2026-03"), A.OeeSettings(convention="smrp")),
         (Scope(None, None), A.OeeSettings(planned_stops_count_as_loss=True)), (Scope("2026-02", None), A.OeeSettings(changeover_as="schedule")),
         (Scope("2026-01", "2026-02", plants=("P1",)), A.OeeSettings(convention="smrp", bottleneck_margin=True)),
         (Scope("2026-01", "2026-02", plants=("P2",)), A.OeeSettings())]


def _same(a, b, where: str) -> None:
    """Equal frames to the bit, dtypes, columns and index included (or equal values)."""
    if isinstance(a, (pd.DataFrame, pd.Series)):
        assert type(a) is type(b), where
        assert a.equals(b) and a.index.equals(b.index), where
        if isinstance(a, pd.DataFrame):
            assert list(a.columns) == list(b.columns) and a.dtypes.equals(b.dtypes), where
        else:
            assert a.dtype == b.dtype and a.name == b.name, where
    else:
        assert a == b, where


def test_minutes_per_whole_kind_give_the_report_the_columns_per_code_gave(tiny, monkeypatch):  # noqa: F811
    """Under a named convention the month and day sums are read per kind and classed by kind
    (``A.compute_kind_minutes``); forced back to the columns per state x reason code
    (``compute_minute_columns``, ``compute_shift_minutes_from_totals``) every frame is the same."""
    seen = 0
    for scope, settings in NAMED:
        new = R.oee_report_from_facts(tiny, scope, settings)
        with monkeypatch.context() as m:
            m.setattr(R, "_by_kind", lambda classed, settings: False)
            old = R.oee_report_from_facts(tiny, scope, settings)
        assert (new is None) == (old is None), scope
        if new is None:
            continue
        assert set(new) == set(old)
        for key in new:
            _same(new[key], old[key], f"{scope} {settings} {key}")
        seen += 1
    assert seen >= 5


def test_a_bounded_scope_without_machine_minutes_has_no_report(tiny):  # noqa: F811
    """The first and last shift dates are read for an open scope only; a bounded scope without
    shift rows is None as before."""
    assert R.oee_report_from_facts(tiny, Scope("2030-01", "2030-02"), A.OeeSettings()) is None
    assert R.oee_report_from_facts(tiny, Scope("2025-06", "2025-06"), A.OeeSettings(convention="custom")) is None
    assert R.oee_report_from_facts(tiny, Scope("2026-01", "2026-01"), A.OeeSettings()) is not None


def _classes_by_map(segments: pd.DataFrame, settings: A.OeeSettings) -> pd.DataFrame:
    """``compute_segment_classes`` under a named convention the slow way: each row's kind from its
    own state and code (conditions over the rows), its class by a map over the rows' kinds."""
    state = segments.state.astype(object)
    code = segments.reason_code.astype(object).fillna("").astype(str).str.upper()
    rules = [(state.eq("setup") & code.str.contains("ADJUST"), "adjustment"), (state.eq("setup"), "changeover"),
             (state.eq("planned_stop") & code.str.contains("MAINT"), "planned_maintenance"), (state.eq("planned_stop"), "planned_stop"),
             (state.eq("breakdown"), "breakdown"), (state.eq("minor_stop"), "minor_stop"), (state.eq("idle"), "no_orders")]
    picked = np.select([r.to_numpy(dtype=bool) for r, _ in rules], [k for _, k in rules], default="")
    kind = pd.Series([k if k else np.nan for k in picked], index=segments.index, dtype=object)
    cls = kind.map({k: A.default_loss_class(k, settings) for k in A.STOP_KINDS})
    return segments.assign(loss_kind=kind, loss_class=cls.where(kind.notna()))


def test_stop_kinds_and_classes_by_hand():
    """Setups with an adjustment code are adjustments, planned stops with a maintenance code
    planned maintenance; run states and an unknown state have no kind; the class column has the
    dtype a map of the kinds gives (pandas' text)."""
    seg = pd.DataFrame({"work_center_id": ["W"] * 8,
                        "state": ["setup", "setup", "planned_stop", "planned_stop", "running", "idle", None, "breakdown"],
                        "reason_code": ["SU-ADJUST", None, "PS-MAINT", "PS-BREAK", None, "ID-NO-ORDER", "X", None],
                        "minutes": np.arange(8, dtype=float)})
    got = A.compute_segment_classes(seg, A.OeeSettings())
    assert [k if isinstance(k, str) else None for k in got.loss_kind] == [
        "adjustment", "changeover", "planned_maintenance", "planned_stop", None, "no_orders", None, "breakdown"]
    assert [c if isinstance(c, str) else None for c in got.loss_class] == [
        "availability", "availability", "schedule", "schedule", None, "schedule", None, "availability"]
    for settings in (A.OeeSettings(), A.OeeSettings(convention="smrp", planned_stops_count_as_loss=True),
                     A.OeeSettings(changeover_as="schedule")):
        for frame in (seg, seg.astype({"state": "str", "reason_code": "str", "work_center_id": "str"}), seg.iloc[:0], seg.iloc[::-1]):
            want = _classes_by_map(frame, settings)
            _same(A.compute_segment_classes(frame, settings), want, f"{settings} {len(frame)}")
            _same(A.compute_stop_kinds(frame.state, frame.reason_code), want.loss_kind.rename(None), f"kinds {len(frame)}")


def test_stop_classes_of_the_tiny_plant_equal_the_map(tiny):  # noqa: F811
    for scope, settings in NAMED:
        by_reason = F.load_state_reason_minutes(tiny, scope)
        _same(A.compute_segment_classes(by_reason, settings), _classes_by_map(by_reason, settings), f"{scope} {settings}")
        rows = F.load_product_order_minutes(tiny, scope)
        _same(A.compute_segment_classes(rows, settings), _classes_by_map(rows, settings), f"{scope} {settings} products")


def _conversion_by_rows(segments: pd.DataFrame, rates: pd.DataFrame, key: str) -> pd.Series:
    """``compute_conversion_cost`` as it was: the rows filtered, sorted (``in_sum_order``) and grouped by name."""
    in_ppt = segments.loss_kind.isna() | segments.loss_class.isin(("availability", "performance"))
    seg = segments[segments[key].notna() & in_ppt]
    seg = seg.assign(cost=seg.minutes * seg.work_center_id.map(A._rate_per_min(rates)).astype(float))
    return in_sum_order(seg[[key, "cost"]], [key], ["cost"]).groupby(key).cost.sum()


def test_conversion_cost_by_hand_and_in_any_row_order():
    """W1 costs (60 + 30 + 30) / 60 = 2 per minute, W2 1; P1: 10 running minutes on W1 and 0.1
    of a breakdown on W2 (availability) = 20.1, its planned stop (schedule) left out; P2: 3 x 0.1
    on W2 = 0.30000000000000004 added in cost order; a row without product is left out, one on a
    work center without rates costs NaN, which the sum skips (0)."""
    rates = pd.DataFrame({"work_center_id": ["W1", "W2"], "machine_rate_per_h": [60.0, 30.0], "labor_rate_per_h": [30.0, 15.0],
                          "overhead_rate_per_h": [30.0, 15.0]})
    seg = pd.DataFrame({"product_id": ["P1", "P1", "P1", "P2", "P2", "P2", None, "P3"],
                        "work_center_id": ["W1", "W2", "W1", "W2", "W2", "W2", "W1", "W9"],
                        "state": ["running", "breakdown", "planned_stop", "running", "running", "running", "running", "running"],
                        "reason_code": [None, "BD-1", "PS-BREAK", None, None, None, None, None],
                        "minutes": [10.0, 0.1, 30.0, 0.1, 0.1, 0.1, 5.0, 1.0]})
    classed = A.compute_segment_classes(seg, A.OeeSettings())
    got = A.compute_conversion_cost(classed, rates, "product_id")
    assert got["P1"] == 10.0 * 2 + 0.1 * 1 and got["P2"] == (0.1 + 0.1) + 0.1 and got["P3"] == 0.0
    for order in (slice(None), slice(None, None, -1)):
        frame = classed.iloc[order]
        _same(A.compute_conversion_cost(frame, rates, "product_id"), _conversion_by_rows(frame, rates, "product_id"), str(order))
    none = classed.assign(loss_kind="planned_stop", loss_class="schedule")
    _same(A.compute_conversion_cost(none, rates, "product_id"), _conversion_by_rows(none, rates, "product_id"), "no row kept")


def test_conversion_cost_of_the_tiny_plant_equals_the_rows_grouped(tiny):  # noqa: F811
    for scope, settings in NAMED:
        centers = loaders.load_work_centers(tiny, scope)
        rows = A.compute_segment_classes(F.load_product_order_minutes(tiny, scope), settings)
        _same(A.compute_conversion_cost(rows, centers, "product_id"), _conversion_by_rows(rows, centers, "product_id"), f"{scope}")


def _calendar_by_merges(minutes, counts, rates, window, keys) -> pd.DataFrame:
    """``compute_calendar_facts`` at a coarse grain by the two outer merges (as it was built)."""
    start, end = (pd.Timestamp(x) for x in window)
    days = pd.date_range(start.normalize(), end - pd.Timedelta(seconds=1), freq="D").normalize().astype("datetime64[ns]")
    month_days = pd.Series(np.asarray(days.strftime("%Y-%m"), dtype=object)).value_counts().sort_index()
    axes = {"work_center_id": rates.work_center_id.unique(), "date": days, "shift": list(A.SHIFTS), "month": list(month_days.index)}
    grid = pd.MultiIndex.from_product([axes[k] for k in keys], names=keys).to_frame(index=False)
    facts = grid.merge(minutes.merge(counts, on=keys, how="outer"), on=keys, how="outer").fillna(0.0)
    outside = facts["outside_rows"].to_numpy(dtype=float) if "outside_rows" in facts else 0.0
    inside = facts.month.map(month_days).fillna(0).to_numpy(dtype=float)
    facts["shift"] = facts["shift"].astype(int)
    facts["calendar_min"] = A.SHIFT_SECONDS / 60.0 * (inside + outside)
    facts["rate_per_min"] = facts.work_center_id.map(A._rate_per_min(rates)).astype(float)
    return facts.sort_values(keys).reset_index(drop=True)


def test_calendar_facts_side_by_side_equal_the_merges():
    """Minutes and output with the same keys row for row, covering the grid (every work center x
    month x shift), in any order: the same frame as the merges, an integer column kept integer,
    NaN as 0; a row missing or a key twice goes the merges' way, and gives their frame."""
    rates = pd.DataFrame({"work_center_id": ["W1", "W2"], "machine_rate_per_h": [60.0, 30.0], "labor_rate_per_h": [0.0, 0.0],
                          "overhead_rate_per_h": [0.0, 0.0]})
    keys = [*A.MONTH_KEYS, "shift"]
    grid = pd.MultiIndex.from_product([["W1", "W2"], ["2026-01", "2026-02"], [0, 1, 2]], names=keys).to_frame(index=False)
    grid = grid.astype({"work_center_id": "str", "month": "str"})
    n = len(grid)
    minutes = grid.assign(outside_rows=np.arange(n, dtype=np.int64) % 2, running_min=np.arange(n) * 1.5)
    counts = grid.assign(net_run_min=np.where(np.arange(n) == 3, np.nan, np.arange(n) / 3.0))
    window = (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-20"))  # February cut at the 20th
    shuffled = np.random.default_rng(7).permutation(n)
    cases = {"as read": (minutes, counts), "shuffled alike": (minutes.iloc[shuffled], counts.iloc[shuffled]),
             "a row missing": (minutes.iloc[1:], counts.iloc[1:]), "orders differ": (minutes, counts.iloc[shuffled]),
             "a key twice": (pd.concat([minutes.iloc[:1], minutes.iloc[2:], minutes.iloc[:1]]),
                             pd.concat([counts.iloc[:1], counts.iloc[2:], counts.iloc[:1]]))}
    for name, (m, c) in cases.items():
        got = A.compute_calendar_facts(m, c, rates, window, keys)
        _same(got, _calendar_by_merges(m, c, rates, window, keys), name)
    facts = A.compute_calendar_facts(minutes, counts, rates, window, keys)
    assert A._on_grid(minutes, counts, grid, keys) is not None and A._on_grid(minutes.iloc[1:], counts.iloc[1:], grid, keys) is None
    # January: 31 days x 480 min of one shift plus the row's rows outside; February: 19 days
    assert facts.calendar_min.tolist()[:6] == [480.0 * (31 + i % 2) for i in range(3)] + [480.0 * (19 + i % 2) for i in range(3, 6)]
    assert facts.net_run_min[3] == 0.0 and facts.outside_rows.dtype == np.int64


def test_day_sums_read_the_output_columns_asked_for(tiny):  # noqa: F811
    """``load_day_sums(…, counts=A.TREND_COUNTS)``: the columns the trend and heatmap draw, the same
    as those of the full read."""
    assert A.TREND_COUNTS == ("net_run_min", "fully_productive_min", "startup_reject_cost_amount", "production_reject_cost_amount")
    for scope, settings in NAMED:
        full_wide, full_made = F.load_day_sums(tiny, scope, F.WHOLE_KINDS, ["WC1"])
        wide, made = F.load_day_sums(tiny, scope, F.WHOLE_KINDS, ["WC1"], counts=A.TREND_COUNTS)
        _same(_by_keys(wide), _by_keys(full_wide), f"{scope} minutes")
        _same(_by_keys(made), _by_keys(full_made[["work_center_id", "date", *A.TREND_COUNTS]]), f"{scope} output")


def _by_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """A read's rows by work center (none last) and date: a grouped read returns them in any order."""
    return frame.sort_values(["work_center_id", "date"], na_position="last", kind="mergesort").reset_index(drop=True)


def test_the_summed_day_facts_are_stored_in_period_order(tiny):  # noqa: F811
    """DuckDB keeps the rows in the order they were inserted: a month's day rows together, so that
    a month's read skips the other months' row groups (other databases keep no such order)."""
    if tiny.dialect.name != "duckdb":
        pytest.skip("only DuckDB keeps the insertion order of a table's rows")
    for table, grain in ((F.days, "shift_date"), (F.month_shifts, "shift")):
        keys = ["period", "work_center_id", grain]
        rows = read_frame(tiny, sa.select(*[table.c[k] for k in keys]))
        assert len(rows) > 3
        assert rows.equals(rows.sort_values(keys, kind="mergesort").reset_index(drop=True)), table.name
