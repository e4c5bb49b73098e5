"""OEE month facts (``data_loaders/facts_oee_month.py``): each row is the sum of its shift rows,
and a one-month scope read from them gives what the shift rows give: the frames of
``load_shift_minutes(…, by=())`` and ``load_shift_output(…, by=())`` and ``oee_totals`` itself
(``reports.oee.oee_month_totals``), on the sample and the hand-built plant, on every database.

Whole stop kinds and the columns of one reason code are the same sums of the same rows: the same
bits where the database adds them in the same order (one thread: the sample). A column of several
reason codes (a stop kind split by its codes) adds per-code sums: equal to float precision, as
the OEE facts already equal the event path (tests/test_oee_facts.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analytics import oee as A
from data_loaders import engine as eng
from data_loaders import facts
from data_loaders import facts_oee as F
from data_loaders import facts_oee_month as FM
from data_loaders import oee as loaders
from data_loaders.queries import load_dataset_info
from data_loaders.scope import Scope
from reports import oee as R
from tests.conftest import namespace_url
from tests.test_oee_facts import SETTINGS, _load_tiny, assert_same_frame, tiny  # noqa: F401 - tiny is a fixture

SAMPLE_MONTHS = ("2025-12", "2026-06", "2026-10", "2026-11")  # 2026-11: the as-of month, cut short (the shift rows' path)
TINY_MONTHS = ("2025-12", "2026-01", "2026-02", "2026-03")
# spans of several months (the cockpit's year to date and twelve months): their month rows summed
SAMPLE_SPANS = (("2025-12", "2026-10"), ("2026-01", "2026-10"), ("2025-11", "2025-12"), ("2026-06", "2026-09"))
TINY_SPANS = (("2026-01", "2026-02"), ("2025-12", "2026-03"))


def _rows(engine, table) -> pd.DataFrame:
    return eng.read_frame(engine, sa.select(table))


def test_month_rows_are_the_sums_of_their_shift_rows(sample_engine, tiny):
    for engine in (sample_engine, tiny):
        assert facts.ready(engine)
        k, mk = _rows(engine, F.shift_kinds), _rows(engine, FM.month_kinds)
        want = k.groupby(["period", "work_center_id"]).agg(
            **{f"{c}_min": (f"{c}_min", "sum") for c in F.KIND_COLUMNS}, shift_rows=("period", "size"),
            first_date=("shift_date", "min"), last_date=("shift_date", "max")).reset_index()
        want["event_shifts"] = k.assign(any=(k[[f"{c}_min" for c in F.KIND_COLUMNS]].sum(axis=1) > 0).astype(int)) \
            .groupby(["period", "work_center_id"])["any"].sum().to_numpy()
        got = mk.sort_values(["period", "work_center_id"]).reset_index(drop=True)
        assert len(got) == len(want)
        for c in want.columns:
            if c.endswith("_min"):
                assert np.allclose(got[c].to_numpy(float), want[c].to_numpy(float), rtol=1e-12, atol=1e-9), c
            elif c.endswith("_date"):
                assert pd.to_datetime(got[c]).tolist() == pd.to_datetime(want[c]).tolist(), c
            else:
                assert got[c].astype(str).tolist() == want[c].astype(str).tolist(), c
        o, mo = _rows(engine, F.shift_output), _rows(engine, FM.month_output)
        assert len(mo) == len(o.groupby(["period", "work_center_id", o.plant_id.fillna("")]))
        assert mo.n_rows.sum() == len(o)
        for c in A.COUNT_COLUMNS:
            assert mo[c].sum() == pytest.approx(o[c].sum(), rel=1e-12), c
        # the split columns' month rows: facts_oee_reason_minutes, the shift minutes per month x state x reason
        r, mr = _rows(engine, F.shift_minutes), _rows(engine, F.reason_minutes)
        assert mr.duration_min.sum() == pytest.approx(r.duration_min.sum(), rel=1e-12)
        assert len(mr) == len(r.groupby(["period", "work_center_id", "state", r.reason_code.fillna("")]))


def _columns(engine, scope: Scope, settings: A.OeeSettings) -> tuple[pd.DataFrame, tuple]:
    by_reason = F.load_state_reason_minutes(engine, scope)
    centers = loaders.load_work_centers(engine, scope)
    site = loaders.load_loss_classes(engine, scope) if settings.convention == "custom" else None
    columns = A.compute_minute_columns(A.compute_segment_classes(by_reason, settings, site, centers))
    return columns, R.calendar_window(scope, pd.DataFrame(), load_dataset_info(engine).get("as_of_date"))


def _by_center(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("work_center_id").reset_index(drop=True)


def test_one_month_reads_equal_the_shift_rows(sample_engine, tiny):
    """The month rows give ``load_shift_minutes(by=())`` and ``load_shift_output(by=())`` of the
    month: keys and counts exactly, minutes and output to float precision (the database adds the
    same rows grouped another way) on every database."""
    cases = [(sample_engine, m, plants, name) for m in SAMPLE_MONTHS for plants in ((), ("P2",)) for name in ("vorne", "custom")]
    cases += [(tiny, m, plants, name) for m in TINY_MONTHS for plants in ((), ("P1",)) for name in ("vorne", "custom")]
    read = 0
    for engine, month, plants, name in cases:
        scope = Scope(month, month, plants)
        columns, window = _columns(engine, scope, SETTINGS[name])
        got = FM.load_month_minutes(engine, scope, columns, window)
        if got is None:  # rows dated outside the window: the as-of month
            assert F.load_shift_minutes(engine, scope, columns, by=(), window=window).outside_rows.sum() > 0, (month, plants)
            continue
        read += 1
        want = F.load_shift_minutes(engine, scope, columns, by=(), window=window)
        assert list(got.columns) == list(want.columns), (month, plants, name)
        got, want = _by_center(got), _by_center(want)
        _same_sums(got, want, (month, plants, name))
        made, want_made = FM.load_month_output(engine, scope), F.load_shift_output(engine, scope, by=())
        assert made is not None
        _same_sums(_by_center(made), _by_center(want_made), (month, plants, "output"))
    assert read >= 10


def _same_sums(got: pd.DataFrame, want: pd.DataFrame, where) -> None:
    """Keys and counts exactly; float sums to float precision: a month's rows summed by the
    database in another grouping need not give the last bit (PostgreSQL: 4107.400000000001
    against 4107.4), and no figure is shown to that bit."""
    assert list(got.columns) == list(want.columns) and list(got.index) == list(want.index), where
    for c in want.columns:
        if pd.api.types.is_float_dtype(want[c]) or pd.api.types.is_float_dtype(got[c]):
            assert np.allclose(got[c].to_numpy(float), want[c].to_numpy(float), rtol=1e-12, atol=1e-9), (*where, c)
        else:
            assert got[c].tolist() == want[c].tolist(), (*where, c)


@pytest.mark.long  # every month of the sample on both paths, 15-20 s a database: with the walk's step (pytest.ini)
def test_month_totals_equal_oee_totals(sample_engine, tiny):
    """``oee_month_totals`` of one month, or of a span of several months (its months' rows summed
    per work center: tests/test_oee_span_totals.py), = ``oee_totals`` (money to the cent, minutes
    and ratios to float precision) under every convention; an open scope is ``oee_totals`` itself."""
    cases = [(sample_engine, Scope(m, m, plants), name) for m in SAMPLE_MONTHS for plants in ((), ("P2",)) for name in SETTINGS]
    cases += [(tiny, Scope(m, m, plants), name) for m in TINY_MONTHS for plants in ((), ("P1",), ("P2",)) for name in SETTINGS]
    cases += [(sample_engine, Scope(a, b, plants), name) for a, b in SAMPLE_SPANS for plants in ((), ("P2",)) for name in SETTINGS]
    cases += [(tiny, Scope(a, b, plants), name) for a, b in TINY_SPANS for plants in ((), ("P1",), ("P2",)) for name in SETTINGS]
    cases += [(sample_engine, Scope("2026-01", "2026-03"), "vorne"), (tiny, Scope(None, None), "custom")]
    seen = 0
    for engine, scope, name in cases:
        settings = SETTINGS[name]
        want, got = R.oee_totals(engine, scope, settings), R.oee_month_totals(engine, scope, settings)
        where = f"{scope} {name}"
        assert (want is None) == (got is None), where
        if want is None:
            continue
        seen += 1
        assert_same_frame(want["total"].to_frame().T, got["total"].to_frame().T, f"{where} total")
        assert_same_frame(want["by_work_center"], got["by_work_center"], f"{where} by work center")
        money = [c for c in want["by_work_center"].columns if c.endswith("_amount")]
        assert want["by_work_center"][money].equals(got["by_work_center"][money]), where
        assert round(float(want["total"]["loss_cost_amount"]), 2) == round(float(got["total"]["loss_cost_amount"]), 2), where
    assert seen >= 70


def test_a_month_cut_by_the_as_of_date_reads_the_shift_rows(backend, tmp_path):
    """As-of 2026-01-06 inside January: WC1 has rows after it (01-06, 01-31), so the month rows
    cannot give ``outside_rows``; the month's totals come from the shift rows, with the calendar
    by hand as tests/test_oee_facts.py states it: WC1 (5 × 3 + 4) shifts of 480 min."""
    url = namespace_url(backend, "oee_month_early", tmp_path)
    _load_tiny(url, as_of="2026-01-06")
    engine = eng.make_engine(url, read_only=True)
    try:
        scope = Scope("2026-01", "2026-01")
        columns, window = _columns(engine, scope, A.OeeSettings())
        assert FM.load_month_minutes(engine, scope, columns, window) is None
        got = R.oee_month_totals(engine, scope)
        want = R.oee_totals(engine, scope)
        assert_same_frame(want["by_work_center"], got["by_work_center"], "as-of inside the month")
        assert got["by_work_center"].set_index("work_center_id").calendar_min["WC1"] == (5 * 3 + 4) * 480.0
    finally:
        engine.dispose()


def tiny_with_two_plants_output(url: str):
    """The hand-built plant loaded at ``url`` with output of a second plant's orders (P9) on a
    work center in January: a writable engine and the plant of that work center's own row."""
    _load_tiny(url)
    engine = eng.make_engine(url)
    o = FM.month_output
    with engine.begin() as conn:
        row = conn.execute(sa.select(o).where(o.c.period == "2026-01").limit(1)).mappings().one()
        conn.execute(o.insert().values({**row, "plant_id": "P9", "good_qty": 1.0}))
    return engine, row["plant_id"]


def test_output_of_several_plants_on_one_work_center_reads_the_shift_rows(backend, tmp_path):
    """A work center whose month has output of two plants' orders: a sum of per-plant sums is not
    the sum of the rows in their order, so the month rows are not read for it (None) and
    ``oee_month_totals`` equals ``oee_totals``."""
    engine, plant = tiny_with_two_plants_output(namespace_url(backend, "oee_month_plants", tmp_path))
    try:
        scope = Scope("2026-01", "2026-01")
        assert FM.load_month_output(engine, scope) is None
        assert FM.load_month_output(engine, Scope("2026-01", "2026-01", (plant,))) is not None
        assert_same_frame(R.oee_totals(engine, scope)["by_work_center"], R.oee_month_totals(engine, scope)["by_work_center"], "plants")
    finally:
        engine.dispose()
