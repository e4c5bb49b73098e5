"""The OEE total of a span of several months from the OEE month facts (the cockpit's year to
date and twelve-month spans, ``reports.oee.oee_month_totals``): the month rows summed per work
center give what the span's shift rows give (``load_shift_minutes(…, by=())``,
``load_shift_output(…, by=())``): keys and counts exactly, minutes to float precision (the same
rows added in another order), on the sample and the hand-built plant, on every database; the
totals equal ``oee_totals`` (tests/test_oee_month_facts.py, ``test_month_totals_equal_oee_totals``)."""

from __future__ import annotations

import pandas as pd
import pytest

from data_loaders import facts_oee as F
from data_loaders import facts_oee_month as FM
from data_loaders.scope import Scope
from reports import oee as R
from tests.test_oee_facts import SETTINGS, tiny  # noqa: F401 - tiny is a fixture
from tests.test_oee_month_facts import SAMPLE_SPANS, TINY_SPANS, _by_center, _columns, _same_sums


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


def test_tiny_span_by_hand(tiny):
    """January and February on the hand-built plant (tests/test_oee_facts.py ``tiny_frames``):
    WC1's breakdown E1 120 + 480 + 60 = 660 min (January), its changeover E6 60 (January) + 60
    (February) = 120 min, summed from the two months' rows."""
    got = R.oee_month_totals(tiny, Scope("2026-01", "2026-02"))["by_work_center"].set_index("work_center_id")
    assert got.breakdown_min["WC1"] == pytest.approx(660.0, abs=1e-9)
    assert got.setup_min["WC1"] == pytest.approx(120.0, abs=1e-9)
    want = R.oee_totals(tiny, Scope("2026-01", "2026-02"))["by_work_center"].set_index("work_center_id")
    assert pd.Series(got.calendar_min).equals(pd.Series(want.calendar_min))
