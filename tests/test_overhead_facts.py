"""The overhead variances' inputs stored per month (``data_loaders.facts_orders.facts_overhead_inputs``):
read back, they are the frame ``analytics.overhead.compute_overhead_inputs`` computes for a scope,
to the bit, dtypes included, on every database; the profitability report's overhead frames and the
flexible budget's overhead total are the same either way; a scope of some families computes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import overhead as OH
from data_loaders import budget as B
from data_loaders import facts
from data_loaders import facts_orders as FO
from data_loaders.scope import Scope
from reports import budget as RB
from reports import profitability as R

YEAR = Scope("2025-11", "2026-10")
SCOPES = [YEAR, Scope("2024-11", "2024-11"), Scope("2025-11", "2026-10", plants=("P1",)), Scope("2026-10", "2026-10", plants=("P2",)),
          Scope("2026-06", "2026-09")]
IDS = ["year", "first_month", "plant_year", "plant_month", "quarter"]


def assert_bits(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """The same frame: columns, dtypes, values (floats by their bits, NaN where NaN)."""
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    for c in a.columns:
        if a[c].dtype == np.float64:
            assert (a[c].to_numpy().view(np.int64) == b[c].to_numpy().view(np.int64)).all(), c


def _computed(engine, scope: Scope, basis: str) -> pd.DataFrame:
    rows = FO.load_order_groups(engine, scope) if basis == "groups" else B.load_order_overhead_basis(engine, scope)
    return R.overhead_inputs(engine, scope, rows, True)


@pytest.mark.parametrize("basis", FO.OVERHEAD_BASES)
@pytest.mark.parametrize("scope", SCOPES, ids=IDS)
def test_stored_inputs_are_the_computed_inputs(sample_engine, scope, basis):
    assert facts.ready(sample_engine)
    stored = FO.load_overhead_inputs(sample_engine, scope, basis)
    computed = _computed(sample_engine, scope, basis)
    assert len(computed) and set(computed.period) <= set(pd.period_range(scope.period_from, scope.period_to, freq="M").astype(str))
    assert_bits(stored, computed)
    assert_bits(R.overhead_inputs(sample_engine, scope, None, True, basis), computed)


@pytest.mark.parametrize("scope", SCOPES, ids=IDS)
def test_profitability_overhead_frames_are_the_same_from_stored_inputs(sample_engine, scope):
    groups = FO.load_order_groups(sample_engine, scope)
    got = R.overhead_report(sample_engine, scope, groups, True, stored="groups")
    want = R.overhead_report(sample_engine, scope, groups, True)
    assert got.keys() == want.keys()
    for key, frame in want.items():
        if isinstance(frame, pd.DataFrame):
            assert_bits(got[key], frame)
        else:
            pd.testing.assert_series_equal(got[key], frame, check_exact=True)


@pytest.mark.parametrize("scope", SCOPES, ids=IDS)
def test_flexible_budget_overhead_total_is_the_same_from_stored_inputs(sample_engine, scope):
    orders = B.load_order_overhead_basis(sample_engine, scope)
    want = R.overhead_report(sample_engine, scope, orders, True, total_only=True)["overhead_total"]
    got = R.overhead_report(sample_engine, scope, None, True, total_only=True, stored="orders")["overhead_total"]
    pd.testing.assert_series_equal(got, want, check_exact=True)
    assert RB.flexible_budget_report(sample_engine, scope, fast=True) is not None or scope.period_from == "2024-11"


def test_a_month_reads_the_rows_a_year_holds_for_it(sample_engine):
    """Each row depends on its own month: a month alone is the year's rows of that month."""
    year = FO.load_overhead_inputs(sample_engine, YEAR, "groups")
    month = FO.load_overhead_inputs(sample_engine, Scope("2026-03", "2026-03"), "groups")
    assert_bits(month, year[year.period == "2026-03"].reset_index(drop=True))


def test_a_scope_of_some_families_computes_its_inputs(sample_engine, small_sample):
    family = sorted(small_sample["products"].family)[0]
    scope = Scope("2025-11", "2026-10", families=(family,))
    assert FO.load_overhead_inputs(sample_engine, scope, "orders") is None
    orders = B.load_order_overhead_basis(sample_engine, scope)
    assert_bits(R.overhead_inputs(sample_engine, scope, None, True, "orders"), R.overhead_inputs(sample_engine, scope, orders, True))
    with pytest.raises(ValueError, match="basis"):
        FO.load_overhead_inputs(sample_engine, YEAR, "lines")


def test_stored_inputs_keep_the_allocation_to_the_cent(sample_engine):
    """A plant's overhead of a month is spread over its work centers to the cent: the stored rows add
    up to the ledger's overhead incurred per period x plant (the identity the computed rows hold)."""
    stored = FO.load_overhead_inputs(sample_engine, YEAR, "groups")
    incurred = R.P.load_overhead_incurred(sample_engine, YEAR, FO.select_overhead_incurred(YEAR))
    booked = incurred.groupby(["period", "plant_id", "cost_behavior"]).incurred_amount.sum().unstack(fill_value=0.0)
    spread = stored.groupby(["period", "plant_id"])[["actual_variable_amount", "actual_fixed_amount"]].sum()
    joined = spread.join(booked, how="inner")
    assert len(joined)
    assert np.allclose(joined.actual_variable_amount, joined.get("variable", 0.0), atol=0.005)
    assert np.allclose(joined.actual_fixed_amount, joined.get("fixed", 0.0), atol=0.005)
    assert set(stored.columns) == {"period", "plant_id", "work_center_id", *OH.INPUT_COLUMNS}


# --------------------------------------------------------------------------- the cut orders' window loss
@pytest.mark.parametrize("scope", SCOPES + [Scope("2026-04", "2026-04"), Scope("2025-12", "2026-01")], ids=IDS + ["april", "year_end"])
def test_stored_window_loss_is_the_loss_from_the_parts_in_the_window(sample_engine, scope):
    from analytics import profitability as A
    from data_loaders import oee as oee_loaders

    cut = FO.load_cut_orders(sample_engine, scope)
    want = A.compute_window_loss(cut, FO.load_loss_parts(sample_engine, scope), oee_loaders.load_work_centers(sample_engine, scope))
    got = FO.load_cut_window_losses(sample_engine, scope)
    if scope.plants:
        assert got is None
        return
    # the same rows; their order is the database's (no statement orders the cut orders), which the groups' loss does not see
    order = lambda frame: frame.sort_values("work_order_id", kind="stable").reset_index(drop=True)  # noqa: E731
    assert_bits(order(got), order(want))
    groups = FO.load_order_groups(sample_engine, scope)
    assert_bits(A.compute_group_loss(groups, got), A.compute_group_loss(groups, want))
    CUT[scope] = (len(cut), int((want.window_loss_cost_amount != want.loss_cost_amount).sum()))


CUT: dict = {}


def test_some_windows_cut_orders_and_change_their_loss(sample_engine):
    """The scopes above do cut orders of the sample, and the window changes some of their loss
    (else the comparison above proves nothing)."""
    if not CUT:
        pytest.skip("run with the window tests")
    assert sum(n for n, _ in CUT.values()) > 0 and sum(d for _, d in CUT.values()) > 0, CUT
