"""Budget execution: roll-ups through a three-level tree, time phasing, revenue vs cost signs,
commitments, landing, controls, flexible budgets; identities and the planted overspend on every
database."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.budget import (
    compute_budget_facts,
    compute_budget_profit_bridge,
    compute_controls,
    compute_execution,
    compute_flexible_budget,
    compute_landing,
    compute_rollup,
    compute_version_compare,
    compute_what_if,
)
from data_loaders.scope import Scope
from data_loaders import budget as B
from reports.budget import budget_execution, budget_report, flexible_budget_report
from sample_data.generator import SampleConfig, stories_for
from tests.conftest import AS_OF

CENTERS = pd.DataFrame({"cost_center_id": ["CO", "P1", "P1-PRD", "P1-MACH", "P1-ADM", "SAL"],
                        "parent_id": [None, "CO", "P1", "P1-PRD", "P1", "CO"], "cost_center_name": ["co", "p1", "prd", "mach", "adm", "sal"]})
ACCOUNTS = pd.DataFrame({"account_code": ["5101", "510101", "510102", "6602", "6001"],
                         "parent_code": [None, "5101", "5101", None, None],
                         "account_type": ["expense", "expense", "expense", "expense", "revenue"],
                         "account_name": ["oh", "dep", "util", "adm", "rev"], "account_name_en": [None] * 5})


def facts_from(budget_rows, actual_rows, committed_rows=()):
    budget = pd.DataFrame(budget_rows, columns=["version", "period", "cost_center_id", "account_code", "budget_amount"])
    actual = pd.DataFrame(actual_rows, columns=["period", "cost_center_id", "account_code", "debit_amount", "credit_amount"])
    committed = pd.DataFrame(list(committed_rows), columns=["period", "cost_center_id", "account_code", "committed_amount"])
    return compute_budget_facts(budget, actual, committed, ACCOUNTS)


def test_rollup_through_a_three_level_tree():
    f = facts_from(
        [("original", "2026-01", "P1-MACH", "510101", 100.0), ("original", "2026-01", "P1-MACH", "510102", 50.0),
         ("original", "2026-01", "P1-ADM", "6602", 30.0)],
        [("2026-01", "P1-MACH", "510101", 110.0, 0.0), ("2026-01", "P1-MACH", "510102", 45.0, 5.0), ("2026-01", "P1-ADM", "6602", 28.0, 0.0)],
    )
    rolled = compute_rollup(f, CENTERS, ACCOUNTS, account_tree=False)
    by_cc = compute_execution(rolled, ["cost_center_node"]).set_index("cost_center_node")
    # machining 100 + 50 = 150 budget, 110 + (45 − 5) = 150 actual; production = machining; plant adds admin 30 / 28
    assert by_cc.loc["P1-MACH", ["budget_amount", "actual_amount"]].tolist() == [150.0, 150.0]
    assert by_cc.loc["P1-PRD", ["budget_amount", "actual_amount"]].tolist() == [150.0, 150.0]
    assert by_cc.loc["P1", ["budget_amount", "actual_amount"]].tolist() == [180.0, 178.0]
    assert by_cc.loc["CO", ["budget_amount", "actual_amount"]].tolist() == [180.0, 178.0]
    both = compute_execution(compute_rollup(f, CENTERS, ACCOUNTS), ["cost_center_node", "account_node"]).set_index(["cost_center_node", "account_node"])
    assert both.loc[("P1", "5101"), "budget_amount"] == 150.0  # the account tree rolls up too: 510101 + 510102
    assert both.loc[("CO", "5101"), "actual_amount"] == 150.0


def test_rollup_and_landing_as_their_definitions_sum_them():
    """The roll-up repeats each row per ancestor as explode does (a cost center outside the tree
    once, with no node) and the landing's year-to-date and remaining sums are each taken over
    its own months only: the same frames to the bit as the definitions written out here, on
    amounts whose float sums depend on which rows take part."""
    rng = np.random.default_rng(13)
    rows = [("original", f"2026-{m:02d}", cc, acc, float(rng.integers(1, 10**7)) / 100)
            for m in range(1, 13) for cc in ("P1-MACH", "P1-ADM", "X9", "") for acc in ("510101", "6602")]
    f = facts_from(rows, [(p, cc, acc, b * 1.1 + 0.07, 0.03) for _, p, cc, acc, b in rows[:50]])
    for tree in (False, True):
        cc_up = {"P1-MACH": ["P1-MACH", "P1-PRD", "P1", "CO"], "P1-ADM": ["P1-ADM", "P1", "CO"], "X9": ["X9"], "": []}
        acc_up = {"510101": ["510101", "5101"] if tree else ["510101"], "6602": ["6602"]}
        expected = f.assign(cost_center_node=f.cost_center_id.map(cc_up)).explode("cost_center_node")
        expected = expected.assign(account_node=expected.account_code.map(acc_up)).explode("account_node")
        got = compute_rollup(f, CENTERS, ACCOUNTS, account_tree=tree)
        pd.testing.assert_frame_equal(got.drop(columns=["cc_depth", "account_depth"]), expected.reset_index(drop=True), check_exact=True)
        assert got.cost_center_node.isna().sum() == (36 if tree else 24)  # the empty cost center's rows, once per account node
    keys = ["cost_center_id", "account_code", "line_type"]
    landing = compute_landing(f, pd.DataFrame(), "2026-07", "remaining_budget")
    closed = f.period <= "2026-07"
    ytd = f[closed].groupby(keys).actual_amount.sum().reindex(pd.MultiIndex.from_frame(landing[keys])).fillna(0.0)
    rest = f[~closed].groupby(keys).budget_amount.sum().reindex(pd.MultiIndex.from_frame(landing[keys])).fillna(0.0)
    assert landing.actual_ytd_amount.tolist() == ytd.round(2).tolist()
    assert landing.remaining_budget_amount.tolist() == rest.round(2).tolist()


def test_time_phasing():
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    f = facts_from([("original", p, "P1-ADM", "6602", 100.0) for p in months],
                   [("2026-01", "P1-ADM", "6602", 110.0, 0.0), ("2026-02", "P1-ADM", "6602", 90.0, 0.0), ("2026-03", "P1-ADM", "6602", 120.0, 0.0)])
    e = compute_execution(f, ["cost_center_id"], to_date="2026-03").iloc[0]
    assert (e.budget_to_date_amount, e.actual_to_date_amount) == (300.0, 320.0)
    assert e.phased_execution_pct == pytest.approx(320 / 300)
    assert e.execution_pct == pytest.approx(320 / 1_200)  # against the whole year's budget


def test_revenue_and_cost_signs():
    f = facts_from([("original", "2026-01", "SAL", "6001", 1_000.0), ("original", "2026-01", "P1-ADM", "6602", 100.0)],
                   [("2026-01", "SAL", "6001", 20.0, 1_120.0), ("2026-01", "P1-ADM", "6602", 120.0, 0.0)])
    e = compute_execution(f, ["account_code"]).set_index("account_code")
    # revenue 1,120 − 20 = 1,100: over budget is favorable; cost 120 over 100 is unfavorable
    assert (e.loc["6001", "actual_amount"], e.loc["6001", "variance_amount"], e.loc["6001", "fav_unfav"]) == (1_100.0, 100.0, "F")
    assert (e.loc["6602", "variance_amount"], e.loc["6602", "fav_unfav"]) == (20.0, "U")
    assert (e.budget_amount + e.variance_amount == e.actual_amount).all()  # the identity


def test_committed_available_controls_and_what_if():
    f = facts_from([("original", "2026-01", "P1-ADM", "6602", 1_000.0)], [("2026-01", "P1-ADM", "6602", 600.0, 0.0)],
                   [("2026-02", "P1-ADM", "6602", 300.0)])
    e = compute_execution(f, ["cost_center_id", "account_code"]).iloc[0]
    assert (e.committed_amount, e.available_amount) == (300.0, 100.0)  # 1,000 − 300 − 600
    assert e.consumption_pct == pytest.approx(0.9)
    w = compute_controls(compute_execution(f, ["cost_center_id", "account_code"]), warn=0.9, alert=1.0)
    assert w.level.tolist() == ["warn"]
    overrides = pd.DataFrame({"cost_center_id": ["P1-ADM"], "account_code": ["6602"], "warn": [0.8], "alert": [0.85]})
    assert compute_controls(compute_execution(f, ["cost_center_id", "account_code"]), overrides=overrides).level.tolist() == ["alert"]
    ok = compute_what_if(e, 50.0)
    assert (ok["available_after_amount"], ok["breaks_budget"], ok["level"]) == (50.0, False, "warn")
    bad = compute_what_if(e, 150.0)
    assert (bad["available_after_amount"], bad["breaks_budget"], bad["level"]) == (-50.0, True, "alert")
    with pytest.raises(ValueError, match="warn"):
        compute_controls(compute_execution(f, ["cost_center_id", "account_code"]), warn=1.2, alert=1.0)


def test_landing_methods():
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    f = facts_from([("original", p, "P1-ADM", "6602", 100.0) for p in months],
                   [(p, "P1-ADM", "6602", a, 0.0) for p, a in zip(months[:10], [110.0] * 10)])
    empty_history = pd.DataFrame(columns=["period", "cost_center_id", "account_code", "actual_amount"])
    rb = compute_landing(f, empty_history, "2026-10", "remaining_budget").iloc[0]
    assert (rb.actual_ytd_amount, rb.forecast_rest_amount, rb.landing_amount, rb.landing_variance_amount) == (1_100.0, 200.0, 1_300.0, 100.0)
    rr = compute_landing(f, empty_history, "2026-10", "run_rate").iloc[0]
    assert (rr.forecast_rest_amount, rr.landing_variance_amount, rr.fav_unfav) == (220.0, 120.0, "U")  # 110 a month for 2 months
    # seasonal: 36 months of a clean pattern (more in Nov and Dec) is forecast close to the pattern
    hist_periods = pd.period_range("2023-11", "2026-10", freq="M").astype(str)
    pattern = {11: 200.0, 12: 250.0}
    history = pd.DataFrame({"period": hist_periods, "cost_center_id": "P1-ADM", "account_code": "6602",
                            "actual_amount": [pattern.get(int(p[5:]), 100.0) for p in hist_periods]})
    se = compute_landing(f, history, "2026-10", "seasonal").iloc[0]
    assert se.forecast_rest_amount == pytest.approx(450.0, rel=0.05)
    # fewer than 24 months of history: the seasonal method falls back to the run rate
    short = compute_landing(f, history.tail(12), "2026-10", "seasonal").iloc[0]
    assert short.forecast_rest_amount == pytest.approx(220.0)
    with pytest.raises(ValueError, match="method"):
        compute_landing(f, empty_history, "2026-10", "magic")


def test_flexible_budget_textbook():
    # Horngren's Webb Company: static budget 12,000 jackets at $120, variable cost $88, fixed $276,000 ->
    # operating income $108,000; at the 10,000 jackets actually sold the flexible budget earns $44,000,
    # a sales-volume variance of $64,000 U (2,000 jackets x $32 contribution).
    # Actuals here are hand-made: revenue $1,250,000, variable $1,000,000, fixed $285,000 -> −$35,000.
    r = compute_flexible_budget(12_000, 10_000, 120.0, 88.0, 276_000.0, 1_250_000.0, 1_000_000.0, 285_000.0)
    assert r["static_income_amount"] == 108_000.00
    assert r["flexible_income_amount"] == 44_000.00
    assert r["sales_volume_variance_amount"] == -64_000.00
    assert r["actual_income_amount"] == -35_000.00
    assert r["flexible_budget_variance_amount"] == -79_000.00
    assert r["static_budget_variance_amount"] == r["sales_volume_variance_amount"] + r["flexible_budget_variance_amount"]


def test_version_compare_and_bridge():
    budget = pd.DataFrame([("original", "2026-01", "P1-ADM", "6602", 100.0), ("revised", "2026-01", "P1-ADM", "6602", 90.0),
                           ("original", "2026-01", "SAL", "6001", 500.0), ("revised", "2026-01", "SAL", "6001", 520.0)],
                          columns=["version", "period", "cost_center_id", "account_code", "budget_amount"])
    v = compute_version_compare(budget, "original", "revised", ["account_code"]).set_index("account_code")
    assert v.change_amount.to_dict() == {"6001": 20.0, "6602": -10.0}
    f = facts_from(budget.values.tolist(), [("2026-01", "SAL", "6001", 0.0, 530.0), ("2026-01", "P1-ADM", "6602", 95.0, 0.0)])
    b = compute_budget_profit_bridge(compute_execution(f, ["account_code"]), {}).set_index("step").amount
    # budgeted profit 500 − 100 = 400; actual 530 − 95 = 435; revenue +30, admin +5 (under budget)
    assert (b["start"], b["6001"], b["6602"], b["end"]) == (400.0, 30.0, 5.0, 435.0)


# ---------------------------------------------------------------- sample plant, every database
def test_budget_identities_and_the_planted_overspend(sample_engine):
    s = stories_for(SampleConfig(as_of=AS_OF))
    r = budget_report(sample_engine, Scope("2025-11", "2026-10"))
    for frame in (r["total"], r["by_cost_center"], r["year_to_date"]):
        assert np.allclose(frame.budget_amount + frame.variance_amount, frame.actual_amount, atol=0.005)
    root = r["by_cost_center"].set_index(["cost_center_node", "line_type"]).loc["CO"]
    total = r["total"].set_index("line_type")
    assert np.allclose(root.budget_amount.sort_index(), total.budget_amount.sort_index())
    assert np.allclose(root.actual_amount.sort_index(), total.actual_amount.sort_index())
    alerts = r["warnings"][r["warnings"].level == "alert"]
    assert (s.overspend_cost_center, s.overspend_account) in set(zip(alerts.cost_center_id, alerts.account_code))
    heat = r["heatmap"].set_index(["cost_center_id", "period"]).execution_pct
    assert heat.loc[(s.overspend_cost_center, "2026-08")] > 1.2
    b = r["bridge"]
    assert round(b.amount.iloc[0] + b.amount.iloc[1:-1].sum(), 2) == b.amount.iloc[-1]


# ---------------------------------------------------------------- the lean paths equal the old ones, every database
def _identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert len(b) > 0
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=True, check_dtype=False)


@pytest.mark.parametrize("scope", [Scope("2025-11", "2026-10"), Scope("2026-10", "2026-10"), Scope("2026-01", "2026-06", ("P1",))],
                         ids=["12 months", "a month", "a plant"])
def test_execution_alone_is_the_report_s(sample_engine, scope):
    """The overview reads ``budget_execution`` alone (total and year to date): the same frames as
    the report of any comparison version, landing method and thresholds, and the report built
    from a given execution is the report built from scratch."""
    ex = budget_execution(sample_engine, scope)
    other = budget_report(sample_engine, scope, "original", "revised", "seasonal", 0.5, 0.6)
    for key in ("total", "year_to_date"):
        assert len(ex[key]) > 0
        pd.testing.assert_frame_equal(ex[key], other[key], check_exact=True)
    assert (ex["year"], ex["last_closed"]) == (other["year"], other["last_closed"]) == (scope.period_to[:4], scope.period_to)
    mine, theirs = budget_report(sample_engine, scope, execution=ex), budget_report(sample_engine, scope)
    assert mine.keys() == theirs.keys()
    for key, value in theirs.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(mine[key], value, check_exact=True)
        elif key != "structure":
            assert mine[key] == value


@pytest.mark.parametrize("scope", [Scope("2025-11", "2026-10"), Scope("2026-10", "2026-10"), Scope("2026-01", "2026-06", ("P1",))],
                         ids=["12 months", "one month", "plant"])
def test_flexible_budget_from_the_order_groups_equals_the_profit_facts(sample_engine, scope):
    from reports.profitability import use_facts as orders_ready

    assert orders_ready(sample_engine, scope)  # the fast path is what the page takes on this database
    fast, base = (flexible_budget_report(sample_engine, scope, fast=f) for f in (True, False))
    _identical(fast["sales_variances"], base["sales_variances"])  # to the last bit, not only to the cent
    _identical(fast["flexible_budget"], base["flexible_budget"])
    pd.testing.assert_series_equal(fast["sales_variance_total"], base["sales_variance_total"], check_exact=True)


def test_lean_loaders_equal_what_they_replace(sample_engine):
    from data_loaders import facts_orders as FO
    from data_loaders import profitability as P
    from data_loaders.queries import load_ledger_by_category

    scope = Scope("2026-01", "2026-10")
    for use_facts in (True, False):  # the expense rows of the ledger by category, same order
        every = load_ledger_by_category(sample_engine, scope, use_facts)
        every = every[every.category == "expense"].drop(columns="category")
        _identical(B.load_expense_actual(sample_engine, scope, use_facts), every)
    orders = FO.load_order_facts(sample_engine, scope)  # the orders' overhead columns, same order
    basis = B.load_order_overhead_basis(sample_engine, scope)
    _identical(basis, orders[basis.columns])
    sales = P.load_sales(sample_engine, scope, FO.select_sales(scope))  # the sales rows, same order
    lean = B.load_sales_rows(sample_engine, FO.select_sales(scope))
    _identical(lean, sales[lean.columns])


@pytest.mark.parametrize("scope", [Scope("2026-10", "2026-10"), Scope("2026-04", "2026-06", ("P1",)), Scope("2025-11", "2026-10")],
                         ids=["one month", "a quarter of a plant", "12 months"])
def test_year_heatmap_is_the_heatmap_of_the_year_to_date_report(sample_engine, scope):
    from ui.data import year_to_date_scope

    r = budget_report(sample_engine, scope)
    year = budget_report(sample_engine, year_to_date_scope(scope))
    _identical(r["year_heatmap"], year["heatmap"])
    if year_to_date_scope(scope) != scope:  # January 2026 to the last month: more months than the scope's own heatmap
        assert r["year_heatmap"].period.min() == "2026-01" < r["heatmap"].period.min()


def test_actual_by_product_by_hand_and_as_the_profit_facts_sum_it():
    from analytics.profitability import VARIANCES, compute_profit_facts
    from analytics.sales_budget import compute_actual_by_product

    cols = ["period", "product_id", "customer_id", "plant_id", "qty", "gross_amount", "discount_amount", "revenue_amount",
            "std_material_cost", "std_labor_cost", "std_overhead_cost"]
    sales = pd.DataFrame([("2026-01", "A", "C1", "P1", 2.0, 50.0, 0.0, 50.0, 10.0, 5.0, 5.0),
                          ("2026-01", "A", "C2", "P1", 3.0, 90.0, 0.0, 90.0, 10.0, 5.0, 5.0),
                          ("2026-01", "B", "C1", "P1", 4.0, 8.0, 0.0, 8.0, 1.0, 0.0, 0.0),  # B: a sale and a return that
                          ("2026-01", "B", "C2", "P1", -4.0, -8.0, 0.0, -8.0, 1.0, 0.0, 0.0)], columns=cols)  # net to zero
    var_cols = ["variance_amount"] + [f"{v}_amount" for v in VARIANCES]

    def order(period, product, wc, variance, **parts):
        row = dict(period=period, product_id=product, plant_id="P1", work_center_id=wc, product_name=product.lower(), family="f",
                   **{c: 0.0 for c in var_cols})
        row.update(variance_amount=variance, **{f"{k}_amount": v for k, v in parts.items()})
        return row

    variances = pd.DataFrame([order("2026-01", "A", "W1", 7.0, material_price=4.0), order("2026-01", "A", "W2", 3.0, labor_rate=1.0),
                              order("2026-02", "A", "W1", 5.0, material_usage=2.0),  # completed in February, not sold then
                              order("2026-01", "B", "W1", 8.0, material_price=6.0)])
    actual, direct = compute_actual_by_product(sales, variances)
    a = actual.set_index("product_id")
    # A: 2 + 3 units, 50 + 90 revenue, (2 + 3) x (10 + 5 + 5) = 100 standard cost; variance 7 + 3 of January spread 40 : 60
    # over its two customers (all of it) + 5 of February on the unsold row
    assert a.loc["A"].tolist() == [5.0, 140.0, 100.0, 15.0]
    # B: the sale and the return leave no standard cost of sales, so no share of its variance of 8 (as the profit facts do)
    assert a.loc["B"].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert direct == 4.0 + 1.0 + 2.0  # material price, labor rate, material usage of A; B's 6 goes with its variance
    facts = compute_profit_facts(sales, variances)
    old = facts.groupby("product_id", as_index=False)[["qty", "revenue_amount", "std_cost_amount", "variance_amount"]].sum()
    pd.testing.assert_frame_equal(actual, old, check_exact=True)
    assert direct == float(facts[[c for c in facts.columns if c.startswith(("material_", "labor_")) and c.endswith("_amount")]].sum().sum())
    # no work order completed at all (a plant that only sells): the sales alone, no variance
    none, direct = compute_actual_by_product(sales, variances.iloc[0:0])
    assert none.set_index("product_id").loc["A"].tolist() == [5.0, 140.0, 100.0, 0.0] and direct == 0.0


def test_actual_by_product_keyed_once_as_the_profit_facts_sum_it():
    """Each period x product x plant found once as an integer key (h-cash3): the same sums to the
    bit as the profit facts' on rows of many keys in no particular order, with keys sold but not
    completed, completed but not sold, and (the grouping by the text keys then) a missing plant."""
    from analytics.profitability import VARIANCES, compute_profit_facts
    from analytics.sales_budget import _key_codes, compute_actual_by_product

    rng = np.random.default_rng(17)
    n = 400
    sales = pd.DataFrame({"period": rng.choice(["2026-01", "2026-02", "2026-03"], n), "product_id": rng.choice(list("ABCDEFG"), n),
                          "customer_id": rng.choice([f"C{i}" for i in range(9)], n), "plant_id": rng.choice(["P1", "P2"], n),
                          "qty": rng.integers(-3, 40, n) / 1.0, "gross_amount": 0.0, "discount_amount": 0.0,
                          "revenue_amount": rng.integers(0, 10**6, n) / 100, "std_material_cost": rng.integers(1, 10**5, n) / 10**4,
                          "std_labor_cost": rng.integers(1, 10**5, n) / 10**4, "std_overhead_cost": rng.integers(1, 10**5, n) / 10**4})
    var_cols = ["variance_amount"] + [f"{v}_amount" for v in VARIANCES]
    keys = pd.MultiIndex.from_product([["2026-01", "2026-02", "2026-04"], list("ABCDEH"), ["P1", "P2"], ["W1", "W2"]],
                                      names=["period", "product_id", "plant_id", "work_center_id"]).to_frame(index=False)
    variances = keys.assign(product_name="x", family="f", **{c: rng.integers(-10**5, 10**5, len(keys)) / 100 for c in var_cols})
    codes, first = _key_codes(sales, ["period", "product_id", "plant_id"])
    assert (codes[first] == np.arange(len(first))).all() and all(codes[:f].tolist().count(codes[f]) == 0 for f in first)
    for rows in (sales, sales.assign(plant_id=sales.plant_id.where(sales.index % 7 != 0, None))):
        actual, direct = compute_actual_by_product(rows, variances)
        facts = compute_profit_facts(rows, variances)
        old = facts.groupby("product_id", as_index=False)[["qty", "revenue_amount", "std_cost_amount", "variance_amount"]].sum()
        pd.testing.assert_frame_equal(actual, old, check_exact=True)
        assert direct == float(facts[[c for c in facts.columns if c.startswith(("material_", "labor_")) and c.endswith("_amount")]].sum().sum())
    assert _key_codes(sales.assign(plant_id=None), ["period", "plant_id"]) is None


def test_budget_by_product_summed_in_int64_as_in_python_ints(monkeypatch):
    """The products' integer sums in int64 (h-cash3) give the rows the Python-int loop gives, to
    the bit: weighted prices, a product with no budgeted unit (the plain mean), and values too
    large for int64 sums left to the loop."""
    import analytics.sales_budget as SB

    rng = np.random.default_rng(3)
    n = 600
    rows = pd.DataFrame({"product_id": rng.choice([f"P{i:03d}" for i in range(40)], n),
                         "budget_qty": rng.integers(0, 5_000_000, n) / 1_000 * (rng.random(n) > 0.2),
                         "budget_price": rng.integers(1, 10**7, n) / 10**4, "budget_std_cost_per_unit": rng.integers(1, 10**7, n) / 10**4})
    rows.loc[rows.product_id == "P007", "budget_qty"] = 0.0  # nothing budgeted: the plain mean of prices and costs
    fast = SB.compute_budget_by_product(rows)
    monkeypatch.setattr(SB, "_budget_rows_summed", lambda *args: None)
    pd.testing.assert_frame_equal(fast, SB.compute_budget_by_product(rows), check_exact=True)
    monkeypatch.undo()
    assert fast.set_index("product_id").loc["P007", "budget_qty"] == 0.0
    huge = rows.assign(budget_qty=rows.budget_qty * 1e9)
    assert SB._budget_rows_summed(huge.product_id, *(np.round(huge[c].to_numpy() * k).astype(np.int64) for c, k in
                                  (("budget_qty", 1_000), ("budget_price", 10_000), ("budget_std_cost_per_unit", 10_000)))) is None
