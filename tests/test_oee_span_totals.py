"""The OEE total of a span of several months from the OEE month facts (the cockpit's year to
date and twelve-month spans, ``reports.oee.oee_month_totals``): the month rows summed per work
center give what the span's shift rows give (``load_shift_minutes(…, by=())``,
``load_shift_output(…, by=())``): keys and counts exactly, minutes to float precision (the same
rows added in another order); and ``oee_totals`` itself: money to the cent, ratios to float
precision, under every convention, on the sample and the hand-built plant, on every database."""

from __future__ import annotations

import pandas as pd
import pytest

from data_loaders import facts_oee as F
from data_loaders import facts_oee_month as FM
from data_loaders.scope import Scope
from reports import oee as R
from tests.test_oee_facts import SETTINGS, assert_same_frame, tiny  # noqa: F401 - tiny is a fixture
from tests.test_oee_month_facts import _by_center, _columns, _same_sums

SAMPLE_SPANS = (("2025-12", "2026-10"), ("2026-01", "2026-10"), ("2025-11", "2025-12"), ("2026-06", "2026-09"))
TINY_SPANS = (("2026-01", "2026-02"), ("2025-12", "2026-03"))


def test_span_reads_equal_the_shift_rows(sample_engine, tiny):
    cases = [(sample_engine, span, plants, name) for span in SAMPLE_SPANS for plants in ((), ("P2",)) for name in ("vorne", "custom")]
    cases += [(tiny, span, plants, name) for span in TINY_SPANS for plants in ((), ("P1",)) for name in ("vorne", "custom")]
    read = 0
    for engine, (first, last), plants, name in cases:
        scope = Scope(first, last, plants)
        columns, window = _columns(engine, scope, SETTINGS[name])
        got = FM.load_month_minutes(engine, scope, columns, window)
        want = F.load_shift_minutes(engine, scope, columns, by=(), window=window)
        if got is None:
            assert want.outside_rows.sum() > 0, (scope, name)
            continue
        read += 1
        assert list(got.columns) == list(want.columns), (scope, name)
        _same_sums(_by_center(got), _by_center(want), (first, last, plants, name))
        made = FM.load_month_output(engine, scope)
        assert made is not None
        _same_sums(_by_center(made), _by_center(F.load_shift_output(engine, scope, by=())), (first, last, plants, "output"))
    assert read >= 16


def test_span_totals_equal_oee_totals(sample_engine, tiny):
    cases = [(sample_engine, Scope(a, b, plants), name) for a, b in SAMPLE_SPANS for plants in ((), ("P2",)) for name in SETTINGS]
    cases += [(tiny, Scope(a, b, plants), name) for a, b in TINY_SPANS for plants in ((), ("P1",), ("P2",)) for name in SETTINGS]
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
    assert seen >= 40


def test_tiny_span_by_hand(tiny):
    """January and February on the hand-built plant (tests/test_oee_facts.py ``tiny_frames``):
    WC1's breakdown E1 120 + 480 + 60 = 660 min (January), its changeover E6 60 (January) + 60
    (February) = 120 min, summed from the two months' rows."""
    got = R.oee_month_totals(tiny, Scope("2026-01", "2026-02"))["by_work_center"].set_index("work_center_id")
    assert got.breakdown_min["WC1"] == pytest.approx(660.0, abs=1e-9)
    assert got.setup_min["WC1"] == pytest.approx(120.0, abs=1e-9)
    want = R.oee_totals(tiny, Scope("2026-01", "2026-02"))["by_work_center"].set_index("work_center_id")
    assert pd.Series(got.calendar_min).equals(pd.Series(want.calendar_min))
