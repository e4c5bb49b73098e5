"""The profitability report's groupings on integer codes (analytics.profitability.ProfitRows,
the variance summaries): the same frames, to the bit, as the groupings over the profit facts'
text and over the order groups as the report computed them before; on the sample plant on every
database, from the facts and from the base tables, and on a hand-computed fixture."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import profitability as A
from analytics.money import in_sum_order, sort_codes
from data_loaders import facts_orders as FO
from data_loaders import profitability as P
from data_loaders.scope import Scope
from reports import profitability as R
from tests.test_profitability_facts import FIRST_MONTH, YEAR

SCOPES = [YEAR, FIRST_MONTH, Scope("2025-11", "2026-10", plants=("P1",))]
IDS = ["year", "first_month", "plant"]


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def _same_groupings(rows: A.ProfitRows, facts: pd.DataFrame, summed: pd.DataFrame) -> None:
    for by in [*R.DIMENSIONS.values(), []]:
        _same(rows.profitability(by), A.compute_profitability(facts, by))
    _same(A.compute_unit_economics(rows, summed), A.compute_unit_economics(facts, summed))
    _same(A.compute_budget_bridge(pd.DataFrame({"revenue_amount": [1.0], "cost_of_sales_amount": [0.5]}), rows, summed),
          A.compute_budget_bridge(pd.DataFrame({"revenue_amount": [1.0], "cost_of_sales_amount": [0.5]}), facts, summed))
    base = facts.iloc[::2]  # any span before: the current side is what differs
    _same(A.compute_pvm_bridge(base, rows, summed, summed), A.compute_pvm_bridge(base, facts, summed, summed))


# --------------------------------------------------------------------------- the profit rows == the profit facts
@pytest.mark.parametrize("scope", SCOPES, ids=IDS)
def test_profit_rows_group_as_the_profit_facts_from_the_facts(sample_engine, scope):
    got = R._from_facts(sample_engine, scope, with_orders=False, rows=True)
    facts = A.compute_profit_facts(P.merge_sales(*got["sales"]), got["groups"])
    assert len(got["rows"]) == len(facts)
    _same_groupings(got["rows"], facts, got["groups"])
    # what the report read before: the same frame from load_sales
    pd.testing.assert_frame_equal(P.merge_sales(*got["sales"]), P.load_sales(sample_engine, scope, FO.select_sales(scope)))


@pytest.mark.parametrize("scope", SCOPES[:2], ids=IDS[:2])
def test_profit_rows_group_as_the_profit_facts_from_the_base_tables(sample_engine, scope):
    # one row per order with its OEE loss per order x work center: the base tables' path
    variances = A.compute_work_order_variances(P.load_work_order_facts(sample_engine, scope), P.load_material_facts(sample_engine, scope))
    loss = R._oee_loss_by_work_order(sample_engine, scope)
    facts = A.compute_profit_facts(P.load_sales(sample_engine, scope), variances, loss)
    rows = A.compute_profit_rows(*P.load_sales_parts(sample_engine, scope), variances, loss)
    _same_groupings(rows, facts, variances)
    _same_groupings(A.ProfitRows.of(facts), facts, variances)


def test_profit_rows_of_a_span_without_sales(sample_engine):
    scope = Scope("2030-01", "2030-01")
    got = R._from_facts(sample_engine, scope, with_orders=False, rows=True)
    facts = A.compute_profit_facts(P.merge_sales(*got["sales"]), got["groups"])
    assert len(got["rows"]) == len(facts) == 0
    _same(got["rows"].profitability(["product_id"]), A.compute_profitability(facts, ["product_id"]))


# --------------------------------------------------------------------------- hand-computed
SALES = pd.DataFrame(  # in no order, as a database may return them
    [("2026-03", "FG1", "C2", "P1", 3.0, 330.0, 30.0, 300.0), ("2026-03", "FG9", "C1", "P1", 2.0, 50.0, 0.0, 50.0),
     ("2026-03", "FG1", "C1", "P1", 1.0, 100.0, 0.0, 100.0)],
    columns=["period", "product_id", "customer_id", "plant_id", "qty", "gross_amount", "discount_amount", "revenue_amount"])
PRODUCTS = pd.DataFrame([("FG1", "阀门", "阀", 10.0, 5.0, 5.0, 50.0), ("FG2", "阀体", "阀", 12.0, 0.0, 0.0, 20.0)],
                        columns=["product_id", "product_name", "family", "std_material_cost", "std_labor_cost", "std_overhead_cost",
                                 "list_price"])
CUSTOMERS = pd.DataFrame({"customer_id": ["C1", "C2"], "customer_name": ["燃气公司", "水务公司"]})
GROUPS = pd.DataFrame(
    [("2026-03", "FG1", "阀门", "阀", "P1", 40.00, 8.00), ("2026-03", "FG2", "阀体", "阀", "P1", 7.50, 0.00)],
    columns=["period", "product_id", "product_name", "family", "plant_id", "variance_amount", "oee_loss_amount"]
).assign(**{f"{v}_amount": 0.0 for v in A.VARIANCES})


def test_hand_computed_profit_rows():
    rows = A.compute_profit_rows(SALES, PRODUCTS, CUSTOMERS, GROUPS)
    # FG1's standard cost of sales: C1 1 x 20.00 = 20.00, C2 3 x 20.00 = 60.00; its variance 40.00 and loss 8.00 go
    # 1/4 and 3/4: C1 10.00 and 2.00, C2 30.00 and 6.00. FG9 has no standard (no such product): 0, no share.
    # FG2 completed orders and sold nothing: its 7.50 stays on a row of its own, customer "(unsold)".
    c = rows.profitability(["customer_id", "customer_name"]).set_index("customer_id")
    assert c.loc["C1", ["revenue_amount", "std_cost_amount", "variance_amount", "oee_loss_amount"]].tolist() == [150.0, 20.0, 10.0, 2.0]
    assert c.loc["C1", "gross_profit_amount"] == 150.00 - 20.00 - 10.00
    assert c.loc["C2", ["revenue_amount", "std_cost_amount", "variance_amount", "gross_profit_amount"]].tolist() == [300.0, 60.0, 30.0, 210.0]
    assert c.loc["(unsold)", ["revenue_amount", "variance_amount", "gross_profit_amount"]].tolist() == [0.0, 7.5, -7.5]
    assert c.loc["(unsold)", "customer_name"] == "(unsold)"
    p = rows.profitability(["product_id", "product_name", "family"]).set_index("product_id")
    assert p.loc["FG1", ["qty", "revenue_amount", "std_cost_amount", "contribution_amount", "gross_profit_amount"]].tolist() == \
        [4.0, 400.0, 80.0, 400.0 - 40.0 - 20.0, 280.0]
    assert p.loc["FG2", "product_name"] == "阀体" and p.loc["FG2", "gross_profit_amount"] == -7.5  # named as the groups name it
    assert pd.isna(p.loc["FG9", "product_name"]) and p.loc["FG9", "gross_profit_amount"] == 50.0
    assert list(p.index) == ["FG1", "FG9", "FG2"]  # by gross profit, largest first
    total = rows.profitability([]).iloc[0]
    assert (total.revenue_amount, total.std_cost_amount, total.variance_amount, total.gross_profit_amount) == (450.0, 80.0, 47.5, 322.5)
    assert total.gross_margin_pct == pytest.approx(322.5 / 450.0)
    facts = A.compute_profit_facts(P.merge_sales(SALES, PRODUCTS, CUSTOMERS), GROUPS)
    _same_groupings(rows, facts, GROUPS.assign(good_qty=1.0, actual_amount=1.0))


def test_unsold_key_of_a_period_or_plant_with_no_sales_at_all():
    groups = pd.concat([GROUPS, GROUPS.assign(period="2026-04"), GROUPS.assign(plant_id="P9")], ignore_index=True)
    rows = A.compute_profit_rows(SALES, PRODUCTS, CUSTOMERS, groups)
    facts = A.compute_profit_facts(P.merge_sales(SALES, PRODUCTS, CUSTOMERS), groups)
    _same_groupings(rows, facts, groups.assign(good_qty=1.0, actual_amount=1.0))
    assert rows.profitability(["period"]).set_index("period").variance_amount.to_dict() == {"2026-03": 40.0 + 7.5 + 47.5,
                                                                                            "2026-04": 47.5}


# --------------------------------------------------------------------------- the variance summaries
def _reference_summary(variances: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The summary as the report computed it before (``in_sum_order`` by the keys and the values,
    a groupby over the text)."""
    cols = ["good_qty", "scrap_qty", "actual_amount", "standard_amount", "variance_amount"] + [f"{v}_amount" for v in A.VARIANCES]
    v = variances.assign(_ah_sr=variances.labor_h * variances.labor_rate_per_h)
    cols += ["labor_amount", "labor_h", "std_labor_h", "_ah_sr"]
    money = [c for c in cols if c.endswith("_amount")]
    v = in_sum_order(v[by + cols], [], [c for c in cols if c not in money])
    v = v.assign(**{c: np.round(v[c].to_numpy(dtype=float) * 100) for c in money})
    if by and len(v) > 1:
        v = v.iloc[np.lexsort([sort_codes(v[c]) for c in reversed(by)])]
    g = v.groupby(by, as_index=False)[cols].sum() if by else v[cols].sum().to_frame().T
    g[money] = g[money] / 100
    ah = g.labor_h.astype(float)
    g["actual_labor_rate_per_h"] = np.where(ah > 0, g.labor_amount / ah.where(ah > 0, 1.0), np.nan).round(4)
    g["labor_rate_per_h"] = np.where(ah > 0, g.pop("_ah_sr") / ah.where(ah > 0, 1.0), np.nan).round(4)
    g[["labor_h", "std_labor_h"]] = g[["labor_h", "std_labor_h"]].astype(float).round(4)
    g["variance_rate_pct"] = np.where(g.standard_amount != 0, (g.actual_amount - g.standard_amount).abs()
                                      / g.standard_amount.where(g.standard_amount != 0, 1), np.nan)
    g["over_target"] = g.variance_rate_pct > A.TARGET_VARIANCE_RATE
    money = [c for c in g.columns if c.endswith("_amount")]
    g[money] = g[money].round(2)
    return g


@pytest.mark.parametrize("rows", ["groups", "orders", "a missing value", "a missing key"])
def test_variance_summaries_are_the_groupings_over_the_text(sample_engine, rows):
    frame = FO.load_order_facts(sample_engine, YEAR) if rows == "orders" else FO.load_order_groups(sample_engine, YEAR)
    if rows == "a missing value":  # summed by the groupby itself (reduceat skips no NaN)
        frame.loc[3, "labor_rate_per_h"] = np.nan
    if rows == "a missing key":  # left out, as the groupby leaves it
        frame.loc[5, "family"] = np.nan
    views = {**R.VARIANCE_VIEWS, "total": []}
    got = A.compute_variance_summaries(frame, views)
    for name, by in views.items():
        want = _reference_summary(frame, by)
        if not by:  # one row: its index is the sum's
            got[name].index = want.index
        _same(got[name], want)


def test_profit_rows_of_sales_without_orders():
    rows = A.compute_profit_rows(SALES, PRODUCTS, CUSTOMERS, GROUPS.iloc[:0])
    facts = A.compute_profit_facts(P.merge_sales(SALES, PRODUCTS, CUSTOMERS), GROUPS.iloc[:0])
    _same_groupings(rows, facts, GROUPS.iloc[:0].assign(good_qty=1.0, actual_amount=1.0))
    assert rows.profitability([]).iloc[0].variance_amount == 0.0


@pytest.mark.parametrize("high", [1, 7, 2_941, 38_233, 2**16 - 1, 2**16, 10**9])
def test_stable_order_is_the_stable_argsort(high):
    """Rows by their key, stably: the radix sort of keys below 2^16 and the default sort of keys
    that are all different give the one stable order, as the stable sort does otherwise."""
    rng = np.random.default_rng(high)
    key = rng.integers(0, high + 1, 32_218).astype(np.int64)
    assert np.array_equal(A._stable_order(key), np.argsort(key, kind="stable"))
    assert np.array_equal(A._stable_order(key[:0]), np.argsort(key[:0], kind="stable"))
    unique = rng.choice(max(high + 1, 32_218), 32_218, replace=False).astype(np.int64) * 7  # no two equal: any sort's order
    assert np.array_equal(A._stable_order(unique), np.argsort(unique, kind="stable"))


def test_lexsort_is_numpy_s():
    """The canonical order of the summed rows: ``_lexsort`` gives np.lexsort's order for keys with
    many ties, text codes with the missing code, -0.0 beside 0.0, infinities and NaN (by np.lexsort
    itself), one key or five, no row or one."""
    rng = np.random.default_rng(7)
    makers = [lambda n: rng.integers(0, 5, n).astype(np.int64), lambda n: np.round(rng.normal(size=n), 1),
              lambda n: rng.choice([0.0, -0.0, 1.5, np.inf, 2.0], n),
              lambda n: np.where(rng.random(n) < 0.2, np.iinfo(np.int64).max, rng.integers(0, 3, n)).astype(np.int64)]
    for trial in range(200):
        n = int(rng.integers(0, 300))
        keys = [makers[int(rng.integers(0, 4))](n) for _ in range(int(rng.integers(1, 6)))]
        if trial % 20 == 0 and n:
            keys[0] = keys[0].astype(float)
            keys[0][0] = np.nan
        assert np.array_equal(A._lexsort(keys), np.lexsort(keys)), trial
