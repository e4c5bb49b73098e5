"""The profitability page's lean report (reports.profitability, #17): the cached report without
its row frames, the family chart from the order groups, one product's orders read when it is
picked, and the bridge's start span as two SQL sums. Each path against the old one on every
database, and a hand-computed bridge on the two-order plant of test_profitability_facts."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import profitability as A
from data_loaders.scope import Scope
from reports import profitability as R
from tests.test_profitability_facts import FIRST_MONTH, YEAR, assert_same_report, tiny  # noqa: F401 - tiny is a fixture

VARIANCE_AMOUNTS = [f"{v}_amount" for v in A.VARIANCES]
SCOPES = [YEAR, FIRST_MONTH, Scope("2026-10", "2026-10"), Scope("2025-11", "2026-10", plants=("P1",))]
IDS = ["year", "first_month", "one_month", "plant"]


@pytest.mark.parametrize("scope", SCOPES, ids=IDS)
def test_bridge_from_two_sums_equals_the_bridge_from_the_profit_facts(sample_engine, scope):
    current = R._from_facts(sample_engine, scope, with_orders=False)
    previous = scope.previous()
    base_facts, base_groups = R.bridge_base(sample_engine, previous, True)  # the span's profit facts (the cockpit's)
    old = A.compute_pvm_bridge(base_facts, current["facts"], base_groups, current["groups"])
    base, totals = R.bridge_start(sample_engine, previous, True)
    new = A.compute_pvm_bridge(base, current["facts"], totals, current["groups"])
    pd.testing.assert_frame_equal(new, old, check_exact=True)  # every bar, to the cent
    assert len(totals) == 1
    # and the slow path (base tables) gives the same bridge
    pd.testing.assert_frame_equal(R.profitability_report(sample_engine, scope, fast=False)["period_bridge"], new, check_exact=True)


@pytest.mark.parametrize("scope", SCOPES, ids=IDS)
def test_page_report_is_the_report_without_its_row_frames(sample_engine, scope):
    full = R.profitability_report(sample_engine, scope)
    lean = R.profitability_report(sample_engine, scope, detail=False)
    assert lean["facts"] is None and lean["variances"] is None
    assert_same_report({k: v for k, v in full.items() if k not in ("facts", "variances")},
                       {k: v for k, v in lean.items() if k not in ("facts", "variances")})
    # the family chart: the orders' variances summed per family, to the cent
    want = full["variances"].groupby("family", as_index=False)[VARIANCE_AMOUNTS].sum()
    got = lean["variance_by_family"][["family"] + VARIANCE_AMOUNTS]
    pd.testing.assert_frame_equal(got.round(2), want.round(2), check_dtype=False, atol=1e-9, rtol=0)
    assert got[VARIANCE_AMOUNTS].to_numpy().any()  # something to compare


@pytest.mark.parametrize("fast", [True, False], ids=["facts", "base_tables"])
def test_one_products_orders_are_the_reports_rows_of_it(sample_engine, fast):
    full = R.profitability_report(sample_engine, YEAR, fast=fast)
    for product in full["variance_by_product"].product_id.head(3):
        want = full["variances"][full["variances"].product_id == product].sort_values("work_order_id").reset_index(drop=True)
        got = R.product_orders(sample_engine, YEAR, product, fast=fast).sort_values("work_order_id").reset_index(drop=True)
        assert len(got) > 0
        pd.testing.assert_frame_equal(got, want, check_dtype=False, atol=1e-9, rtol=0)
    assert R.product_orders(sample_engine, YEAR, "no such product", fast=fast).empty


def test_hand_computed_bridge_from_march_to_april(tiny):  # noqa: F811 - the fixture
    # March: 8 units of FG1 sold for 400.00 at a standard 28.50 (228.00); WO-A completed with a variance of 177.50
    base, totals = R.bridge_start(tiny, Scope("2026-03", "2026-03"), True)
    assert base[["product_id", "qty", "revenue_amount", "std_cost_amount"]].values.tolist() == [["FG1", 8, 400.00, 228.00]]
    assert totals.variance_amount.iloc[0] == pytest.approx(177.50)
    assert totals.material_price_amount.iloc[0] + totals.material_usage_amount.iloc[0] == pytest.approx(11.50 + 5.00)
    april = R.profitability_report(tiny, Scope("2026-04", "2026-04"), detail=False)
    b = april["period_bridge"].set_index("step").amount
    # April: 30 units for 1,500.00 (the same price 50.00 and standard 28.50): volume = (30 − 8) x (50.00 − 28.50) = 473.00
    assert b["start"] == 400.00 - 228.00 - 177.50
    assert (b["price"], b["standard_cost"], b["volume"], b["mix"]) == (0.0, 0.0, 473.00, 0.0)
    wo_b = R.product_orders(tiny, Scope("2026-04", "2026-04"), "FG1").iloc[0]
    assert b["material_cost"] == pytest.approx(-((wo_b.material_price_amount + wo_b.material_usage_amount) - 16.50), abs=0.005)
    assert b["end"] == pytest.approx(1_500.00 - 30 * 28.50 - wo_b.variance_amount, abs=0.005)
    assert b["start"] + b.drop(["start", "end"]).sum() == pytest.approx(b["end"], abs=1e-9)
    assert april["variance_by_family"].family.tolist() == ["阀门"]


def test_the_pages_cached_calls_give_the_reports_figures(sample_url, sample_engine):
    import streamlit.logger

    from analytics.kpi import compute_ledger_vs_operations
    from ui import data

    streamlit.logger.set_log_level("error")  # bare mode warns on every cache access
    data.check_version(sample_url)
    shown = data.profitability(sample_url, YEAR)
    assert_same_report({k: v for k, v in R.profitability_report(sample_engine, YEAR, detail=False).items() if k != "bridge_base"},
                       {k: v for k, v in shown.items() if k != "bridge_base"})
    assert shown["bridge_base"] == YEAR.previous()
    # the ledger beside the operations: from the P&L alone, the same as from the whole KPIs
    ledger = data.ledger_vs_operations(sample_url, YEAR, shown["total"])
    assert ledger == compute_ledger_vs_operations(data.kpis(sample_url, YEAR), shown["total"])
    assert ledger["unposted_variance_amount"] > 0  # the sample's planted unposted orders
    product = shown["variance_by_product"].product_id.iloc[0]
    orders = data.profitability_orders(sample_url, YEAR, product)
    assert len(orders) and set(orders.product_id) == {product}
