"""Standard-costing variances beyond the per-order eight: overhead split into variable and fixed
(four-, three- and two-way), labor outputs, price variance at purchase, sales and flexible
budgets. Textbook figures with the arithmetic written here; identities on the sample plant."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics import overhead as OH
from analytics import price_variance as PV
from analytics import sales_budget as SB
from analytics.profitability import compute_variance_summary, compute_work_order_variances
from data_loaders import profitability as P
from data_loaders.scope import Scope
from reports.budget import flexible_budget_report
from reports.profitability import profitability_report
from sample_data.generator import SampleConfig, stories_for
from tests.conftest import AS_OF
from tests.test_profitability import order


def webb_overhead(**kw):
    # Horngren, Datar & Rajan, Cost Accounting: A Managerial Emphasis (14th/15th ed.), ch. 8, Webb Company:
    # 10,000 jackets made, budgeted 0.40 machine-hours a jacket -> 4,000 standard hours allowed; 4,500 actual hours.
    # Variable overhead: $30.00 per machine-hour budgeted; actual $130,500 ($29.00 per hour).
    # Fixed overhead: budget $276,000 at a denominator of 4,800 hours (12,000 jackets x 0.40) -> $57.50 per hour;
    # actual $285,000.
    row = dict(actual_variable_amount=130_500.0, actual_fixed_amount=285_000.0, actual_h=4_500.0, std_h=4_000.0,
               variable_rate_per_h=30.0, fixed_rate_per_h=57.50, denominator_h=4_800.0)
    row.update(kw)
    return pd.DataFrame([row])


def test_webb_company_overhead_four_three_and_two_way():
    v = OH.compute_overhead_variances(webb_overhead()).iloc[0]
    # four-way
    assert v.variable_spending_amount == 130_500 - 4_500 * 30.00 == -4_500.00  # $4,500 F
    assert v.variable_efficiency_amount == (4_500 - 4_000) * 30.00 == 15_000.00  # $15,000 U
    assert v.fixed_spending_amount == 285_000 - 4_800 * 57.50 == 9_000.00  # $9,000 U (budget $276,000)
    assert v.production_volume_amount == 276_000 - 4_000 * 57.50 == 46_000.00  # $46,000 U
    # three-way: spending $4,500 U, efficiency $15,000 U, volume $46,000 U
    assert (v.spending_amount, v.efficiency_amount) == (-4_500 + 9_000, 15_000.00)
    # two-way: flexible-budget (controllable) $19,500 U, volume $46,000 U
    assert v.controllable_amount == 4_500 + 15_000 == 19_500.00
    # total: incurred $415,500 − applied 4,000 x $87.50 = $350,000 -> $65,500 U, in every view
    assert v.actual_amount == 415_500.00 and v.applied_amount == 350_000.00
    assert v.total_overhead_variance_amount == 65_500.00
    for view, names in OH.OVERHEAD_VIEWS.items():
        assert sum(v[f"{n}_amount"] for n in names) == v.total_overhead_variance_amount, view


def test_missing_denominator_is_flagged_and_puts_no_volume_variance():
    v = OH.compute_overhead_variances(webb_overhead(denominator_h=np.nan)).iloc[0]
    assert bool(v.is_denominator_missing) and v.production_volume_amount == 0
    assert v.fixed_spending_amount == 285_000 - 230_000  # the fixed budget is taken as applied: 4,000 x 57.50
    with pytest.raises(ValueError, match="std_h"):
        OH.compute_overhead_variances(webb_overhead().drop(columns="std_h"))


def test_inputs_allocate_a_plants_overhead_to_its_work_centers_to_the_cent():
    # Two work centers of P1; W1 ran 10 h (std 8 h), W2 ran 0 h. Absorption 50 = 10 variable + 40 fixed; W2 all fixed (rates empty).
    orders = pd.DataFrame([dict(period="2026-03", plant_id="P1", work_center_id="W1", good_qty=16.0, machine_s=36_000.0,
                                std_overhead_cost=25.0, absorption_rate_per_h=50.0)])  # 25.00 / 50.00 = 0.5 h a unit -> 8 h
    rates = pd.DataFrame([dict(work_center_id="W1", plant_id="P1", absorption_rate_per_h=50.0, variable_overhead_rate_per_h=10.0,
                               fixed_overhead_rate_per_h=40.0, denominator_h_per_month=12.0),
                          dict(work_center_id="W2", plant_id="P1", absorption_rate_per_h=30.0, variable_overhead_rate_per_h=np.nan,
                               fixed_overhead_rate_per_h=np.nan, denominator_h_per_month=10.0)])
    incurred = pd.DataFrame([dict(period="2026-03", plant_id="P1", cost_behavior="variable", incurred_amount=120.0),
                             dict(period="2026-03", plant_id="P1", cost_behavior="fixed", incurred_amount=1_000.01)])
    i = OH.compute_overhead_inputs(orders, incurred, rates).set_index("work_center_id")
    assert (i.loc["W1", "actual_h"], i.loc["W1", "std_h"], i.loc["W2", "actual_h"]) == (10.0, 8.0, 0.0)
    assert (i.loc["W2", "variable_rate_per_h"], i.loc["W2", "fixed_rate_per_h"]) == (0.0, 30.0)  # no split: all fixed
    # variable by flexible budget AH x VR: W1 100, W2 0 -> all 120.00 to W1
    assert (i.loc["W1", "actual_variable_amount"], i.loc["W2", "actual_variable_amount"]) == (120.00, 0.00)
    # fixed by fixed budget FR x D: W1 40 x 12 = 480, W2 30 x 10 = 300 -> 1,000.01 x 480/780 = 615.391 and 384.619;
    # cents 61,539 and 38,461 leave 1 cent, which goes to the larger remainder (W2's .9)
    assert (i.loc["W1", "actual_fixed_amount"], i.loc["W2", "actual_fixed_amount"]) == (615.39, 384.62)
    v = OH.compute_overhead_variances(i.reset_index())
    total = OH.compute_overhead_summary(v, []).iloc[0]
    assert total.actual_amount == 1_120.01 and total.applied_amount == 8 * 50.00
    assert total.production_volume_amount == (480 + 300) - 8 * 40.00  # W2 made nothing: its whole fixed budget is volume
    for names in OH.OVERHEAD_VIEWS.values():
        assert round(sum(total[f"{n}_amount"] for n in names), 2) == total.total_overhead_variance_amount == 720.01


def test_labor_outputs_beside_the_rate_and_efficiency_variances():
    # Webb Company (ch. 7): 10,000 jackets at 0.8 standard hours ($20.00) -> 8,000 hours allowed; 9,000 hours paid $184,500.
    f = order(good_qty=10_000.0, std_labor_cost=16.0, std_labor_h_per_unit=0.8, labor_rate_per_h=20.0,
              labor_amount=9_000 * 20.50, labor_h=9_000.0)
    m = pd.DataFrame(columns=["work_order_id", "material_id", "actual_qty", "actual_amount", "qty_per_unit", "std_price"])
    v = compute_work_order_variances(f, m).iloc[0]
    assert v.actual_labor_rate_per_h == 184_500 / 9_000 == 20.50
    assert v.std_labor_h == 10_000 * 0.8 == 8_000
    assert v.labor_rate_amount == (v.actual_labor_rate_per_h - v.labor_rate_per_h) * v.labor_h == 4_500.00
    assert v.labor_efficiency_amount == (v.labor_h - v.std_labor_h) * v.labor_rate_per_h == 20_000.00
    # per product, weighted by actual hours: a second order of 1,000 h at $22.00 against $20.00, 900 h allowed
    g = order(work_order_id="WO2", good_qty=1_125.0, std_labor_cost=16.0, std_labor_h_per_unit=0.8, labor_rate_per_h=20.0,
              labor_amount=1_000 * 22.0, labor_h=1_000.0)
    both = compute_work_order_variances(pd.concat([f, g], ignore_index=True), m)
    p = compute_variance_summary(both, ["product_id"]).iloc[0]
    assert p.labor_h == 10_000 and p.std_labor_h == 8_000 + 900
    assert p.actual_labor_rate_per_h == (184_500 + 22_000) / 10_000 == 20.65
    assert p.labor_rate_amount == pytest.approx((20.65 - 20.00) * 10_000)  # 6,500 = 4,500 + 2,000
    assert p.labor_efficiency_amount == pytest.approx((10_000 - 8_900) * 20.00)  # 22,000


def test_price_variance_on_purchase_and_on_usage():
    # Webb Company (ch. 7) bought and used 22,200 yards at $28.00 against a $30.00 standard: −$44,400 (F) on either basis.
    # Hand-made variation: it bought 25,000 yards on two invoices ($700,000 and 3,000 x $28.10 = $84,300 -> 84,300.00),
    # and used 22,200.
    bought = pd.DataFrame([dict(period="2026-03", supplier_id="S1", material_id="CLOTH", qty=22_000.0, amount=616_000.0, std_price=30.0),
                           dict(period="2026-03", supplier_id="S1", material_id="CLOTH", qty=3_000.0, amount=84_300.0, std_price=30.0)])
    used = pd.DataFrame([dict(period="2026-03", supplier_id="S1", material_id="CLOTH", qty=22_200.0, amount=621_600.0, std_price=30.0)])
    p = PV.compute_price_variance(bought, "purchase").iloc[0]
    assert p.qty == 25_000 and p.standard_amount == 25_000 * 30.00
    assert p.price_variance_amount == (616_000 + 84_300) - 750_000 == -49_700.00  # (28 − 30) x 22,000 + (28.10 − 30) x 3,000
    assert p.actual_unit_price == 700_300 / 25_000 == 28.012
    u = PV.compute_price_variance(used, "usage").iloc[0]
    assert u.price_variance_amount == (28 - 30) * 22_200 == -44_400.00
    with pytest.raises(ValueError, match="basis"):
        PV.compute_price_variance(used, "receipt")


def test_sales_price_mix_quantity_and_cost_variances_hand_computed():
    # Hand-made (the definitions of Horngren ch. 14; not the textbook's figures).
    # Budget: A 600 units at 10.00, standard cost 6.00 (margin 4.00); B 400 at 20.00, cost 12.00 (margin 8.00).
    # Actual: A 500 units for 5,250.00, cost 3,000.00 at standard + 100.00 production variance;
    #         B 700 units for 13,300.00, cost 8,750.00 (its standard rose to 12.50), no variance.
    budget = SB.compute_budget_by_product(pd.DataFrame([
        dict(product_id="A", period="2026-01", budget_qty=250.0, budget_price=10.0, budget_std_cost_per_unit=6.0),
        dict(product_id="A", period="2026-02", budget_qty=350.0, budget_price=10.0, budget_std_cost_per_unit=6.0),
        dict(product_id="B", period="2026-01", budget_qty=400.0, budget_price=20.0, budget_std_cost_per_unit=12.0)]))
    actual = pd.DataFrame([dict(product_id="A", qty=500.0, revenue_amount=5_250.0, std_cost_amount=3_000.0, variance_amount=100.0),
                           dict(product_id="B", qty=700.0, revenue_amount=13_300.0, std_cost_amount=8_750.0, variance_amount=0.0)])
    v = SB.compute_sales_variances(budget, actual).set_index("product_id")
    assert v.budget_margin_amount.sum() == 600 * 4 + 400 * 8 == 5_600
    assert (v.loc["A", "sales_price_amount"], v.loc["B", "sales_price_amount"]) == (5_250 - 500 * 10, 13_300 - 700 * 20)  # 250 F, 700 U
    # quantity: (1,200 − 1,000) x budget mix x margin: A 200 x 0.6 x 4 = 480; B 200 x 0.4 x 8 = 640 (budget average margin 5.60)
    assert v.loc["A", "sales_quantity_amount"] == 480 and v.loc["B", "sales_quantity_amount"] == 640
    # mix: 1,200 x (actual mix − budget mix) x margin: A 1,200 x (5/12 − 0.6) x 4 = −880; B 1,200 x (7/12 − 0.4) x 8 = 1,760
    assert v.loc["A", "sales_mix_amount"] == -880 and v.loc["B", "sales_mix_amount"] == 1_760
    assert v.loc["A", "sales_volume_amount"] == (500 - 600) * 4 and v.loc["B", "sales_volume_amount"] == (700 - 400) * 8
    # cost: A −(3,000 + 100 − 500 x 6) = −100; B −(8,750 − 700 x 12) = −350 (a standard-cost change)
    assert (v.loc["A", "cost_amount"], v.loc["B", "cost_amount"]) == (-100, -350)
    assert v.loc["B", "standard_cost_change_amount"] == -350 and v.loc["A", "production_variance_amount"] == -100
    t = SB.compute_sales_variance_total(v.reset_index())
    assert t.actual_margin_amount == (5_250 - 3_100) + (13_300 - 8_750) == 6_700
    assert t.budget_margin_amount + t.sales_price_amount + t.sales_mix_amount + t.sales_quantity_amount + t.cost_amount == 6_700
    assert (t.sales_price_amount, t.sales_mix_amount, t.sales_quantity_amount, t.cost_amount) == (-450, 880, 1_120, -450)


def test_unbudgeted_product_enters_through_mix_and_quantity_only():
    budget = pd.DataFrame([dict(product_id="A", budget_qty=100.0, budget_price=10.0, budget_std_cost_per_unit=6.0)])
    actual = pd.DataFrame([dict(product_id="A", qty=100.0, revenue_amount=1_000.0, std_cost_amount=600.0, variance_amount=0.0),
                           dict(product_id="N", qty=50.0, revenue_amount=750.0, std_cost_amount=500.0, variance_amount=0.0)])
    v = SB.compute_sales_variances(budget, actual).set_index("product_id")
    assert not v.loc["N", "is_budgeted"] and v.loc["N", "sales_price_amount"] == 0 and v.loc["N", "cost_amount"] == 0
    assert v.loc["N", "sales_volume_amount"] == 50 * (15 - 10)  # its own margin 5.00 a unit
    t = SB.compute_sales_variance_total(v.reset_index())
    assert t.actual_margin_amount - t.budget_margin_amount == 250 == t.sales_mix_amount + t.sales_quantity_amount


def test_flexible_budget_by_line_webb_company():
    # Horngren's Webb Company (ch. 7), as in tests/test_budget.py: static budget 12,000 jackets at $120, variable cost $88,
    # fixed $276,000; 10,000 jackets sold. Actuals hand-made: revenue $1,250,000, variable $1,000,000, fixed $285,000.
    p = pd.DataFrame([dict(product_id="JACKET", budget_qty=12_000.0, budget_price=120.0, budget_variable_cost_per_unit=88.0,
                           qty=10_000.0, revenue_amount=1_250_000.0)])
    f = SB.compute_flexible_budget_lines(p, 1_000_000.0, 276_000.0, 285_000.0).set_index("line")
    assert list(f.static_budget_amount) == [1_440_000, 1_056_000, 384_000, 276_000, 108_000]  # 12,000 x 120, x 88, ...
    assert list(f.flexible_budget_amount) == [1_200_000, 880_000, 320_000, 276_000, 44_000]  # 10,000 x 120, x 88, ...
    assert list(f.actual_amount) == [1_250_000, 1_000_000, 250_000, 285_000, -35_000]
    oi = f.loc["operating_income"]
    assert (oi.sales_volume_variance_amount, oi.volume_fav_unfav) == (-64_000, "U")  # 2,000 x $32 contribution
    assert (oi.flexible_budget_variance_amount, oi.flexible_fav_unfav) == (-79_000, "U")
    assert (f.loc["revenue", "flexible_fav_unfav"], f.loc["variable_costs", "flexible_fav_unfav"]) == ("F", "U")
    assert f.loc["variable_costs", "sales_volume_variance_amount"] == -176_000 and f.loc["variable_costs", "volume_fav_unfav"] == "F"
    assert (f.static_budget_variance_amount == f.flexible_budget_variance_amount + f.sales_volume_variance_amount).all()


# ---------------------------------------------------------------- the sample plant, every database
SCOPE = Scope("2025-11", "2026-10")


def test_overhead_views_reconcile_with_the_ledger_on_every_database(sample_engine):
    r = profitability_report(sample_engine, SCOPE)
    total = r["overhead_total"]
    for view, names in OH.OVERHEAD_VIEWS.items():
        assert round(sum(total[f"{n}_amount"] for n in names), 2) == round(total.total_overhead_variance_amount, 2), view
    # actual = overhead incurred in the ledger (5101xx), every cent allocated
    incurred = P.load_overhead_incurred(sample_engine, SCOPE).incurred_amount.sum()
    assert total.actual_amount == pytest.approx(incurred, abs=0.005)
    # applied at standard hours = standard overhead of good output, up to the 4-decimal standard costs' rounding
    v = r["variances"]
    std_oh = (v.good_qty * v.std_overhead_cost).sum()
    assert total.applied_amount == pytest.approx(std_oh, rel=1e-5)
    # the plant three-way total works from the ledger's applied overhead (5109); the planted orders that never
    # reached the ledger are the difference: their overhead at actual hours = orders' applied − ledger applied
    t3 = r["overhead_three_way"].sum(numeric_only=True)
    orders_applied = std_oh + t3.overhead_efficiency_amount + t3.overhead_scrap_amount
    unposted = orders_applied - t3.applied_amount
    assert unposted > 0
    assert total.total_overhead_variance_amount == pytest.approx(t3.total_overhead_variance_amount - unposted, abs=1.0)
    by_wc = r["overhead_by_work_center"]
    assert by_wc.total_overhead_variance_amount.sum() == pytest.approx(total.total_overhead_variance_amount, abs=0.01)
    assert set(by_wc.work_center_id) >= {"WC-CNC1", "WC-EXT"}


def test_planted_supplier_price_rise_shows_on_both_bases(sample_engine):
    s = stories_for(SampleConfig(as_of=AS_OF))
    r = profitability_report(sample_engine, Scope("2025-03", "2026-10"))
    # usage basis: Σ per supplier x material = the orders' material price variance, to the cent
    assert r["price_variance_usage"].price_variance_amount.sum() == pytest.approx(r["variances"].material_price_amount.sum(), abs=0.005)
    for basis in ("usage", "purchase"):
        d = r[f"price_variance_{basis}"]
        d = d[d.supplier_id == s.price_rise_supplier]
        rate = lambda x: x.price_variance_amount.sum() / x.standard_amount.sum()  # noqa: E731
        before, after = rate(d[d.period < s.price_rise_month]), rate(d[d.period > s.price_rise_month])
        assert after > before + 0.12, basis  # the 18 % rise
    # at receipt: every invoice's amount − qty x standard price
    bought = P.load_purchase_price_facts(sample_engine, Scope("2025-03", "2026-10"))
    assert r["price_variance_purchase"].price_variance_amount.sum() == pytest.approx(
        (bought.amount - (bought.qty * bought.std_price).round(2)).sum(), abs=0.05)


def test_sales_and_flexible_budget_on_every_database(sample_engine, small_sample):
    r = flexible_budget_report(sample_engine, SCOPE)
    t = r["sales_variance_total"]
    assert round(t.budget_margin_amount + t.sales_price_amount + t.sales_mix_amount + t.sales_quantity_amount + t.cost_amount, 2) \
        == t.actual_margin_amount
    # the static budget is the sample's sales budget; the actual margin is the profitability page's gross profit
    sb = small_sample["sales_budgets"]
    sb = sb[(sb.period >= SCOPE.period_from) & (sb.period <= SCOPE.period_to)]
    assert t.budget_margin_amount == pytest.approx((sb.budget_qty * (sb.budget_price - sb.budget_std_cost_per_unit)).sum(), abs=0.05)
    gp = profitability_report(sample_engine, SCOPE)["total"].gross_profit_amount
    assert t.actual_margin_amount == pytest.approx(gp, abs=0.05)
    lines = r["flexible_budget"].set_index("line")
    assert lines.loc["revenue", "static_budget_amount"] == pytest.approx((sb.budget_qty * sb.budget_price).sum(), abs=0.05)
    assert lines.loc["revenue", "flexible_budget_variance_amount"] == pytest.approx(t.sales_price_amount, abs=0.05)
    for name in ("actual_amount", "flexible_budget_amount", "static_budget_amount"):
        assert lines.loc["operating_income", name] == pytest.approx(
            lines.loc["revenue", name] - lines.loc["variable_costs", name] - lines.loc["fixed_costs", name], abs=0.011)
    assert lines.loc["fixed_costs", "sales_volume_variance_amount"] == 0  # fixed costs do not flex


# ---------------------------------------------------------------- budget import: duplicate keys summed on request
def _budget_files(tmp_path, rows: str):
    from tests.test_importer import good_sources

    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in good_sources():
        (folder / name).write_bytes(data)
    (folder / "budgets.csv").write_text("version,period,cost_center_id,account_code,budget_amount\n" + rows, encoding="utf-8")
    return folder


def test_budget_import_sums_duplicate_keys_only_on_request(tmp_path, capsys):
    import json

    import cli
    from data_loaders import engine as eng
    from data_loaders.importer import import_folder

    # 1403 on CC1 in 2026-03 arrives as three sub-lines: 1,000.10 + 2,000.20 + 0.30 = 3,000.60 (exact decimals);
    # 500101 is a single row; one more duplicate pair in 2026-04: 10.00 + 5.55 = 15.55
    rows = ("original,2026-03,CC1,1403,1000.10\noriginal,2026-03,CC1,500101,7.00\noriginal,2026-03,CC1,1403,2000.20\n"
            "original,2026-03,CC1,1403,0.30\noriginal,2026-04,CC1,1403,10.00\noriginal,2026-04,CC1,1403,5.55\n")
    folder = _budget_files(tmp_path, rows)
    url = f"duckdb:///{tmp_path / 'b.duckdb'}"
    refused = import_folder(folder, url, "replace")
    assert not refused.ok and {p.row for p in refused.problems if "duplicate key" in p.message} == {4, 5, 7}  # rows 2, 6 first
    done = import_folder(folder, url, "replace", aggregate=("budgets",))
    assert done.ok, done.problems
    assert done.row_counts["budgets"] == 3
    assert any("5 rows sharing 2 key(s) were summed" in w for w in done.warnings)
    engine = eng.make_engine(url, read_only=True)
    with engine.connect() as conn:
        got = {(p, a): str(v) for p, a, v in conn.exec_driver_sql(
            "select period, account_code, budget_amount from budgets order by period, account_code").fetchall()}
    engine.dispose()
    assert got == {("2026-03", "1403"): "3000.60", ("2026-03", "500101"): "7.00", ("2026-04", "1403"): "15.55"}
    # the CLI flag, and the count in its JSON warnings
    url2 = f"duckdb:///{tmp_path / 'c.duckdb'}"
    capsys.readouterr()
    assert cli.main(["--db", url2, "import", str(folder), "--mode", "replace", "--yes"]) == 1
    capsys.readouterr()
    assert cli.main(["--db", url2, "import", str(folder), "--mode", "replace", "--yes", "--aggregate-duplicates"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"]["budgets"] == 3 and any("summed" in w for w in out["warnings"])


def test_aggregation_applies_to_budgets_only():
    from data_loaders.importer import aggregate_duplicates

    with pytest.raises(ValueError, match="budgets"):
        aggregate_duplicates([], ("plants",))


def test_overhead_hours_as_the_canonical_order_sums_them():
    """The standard and machine hours per period x work center (``analytics.overhead._hours``)
    are the group-by of the rows put in ``in_sum_order``: the same floats to the bit, on hours
    whose sums depend on the order, with ties, missing hours and keys, in any row order."""
    import numpy as np
    import pandas as pd

    from analytics.money import in_sum_order
    from analytics.overhead import _hours

    rng = np.random.default_rng(5)
    n = 3000
    slim = pd.DataFrame({"period": rng.choice(["2026-01", "2026-02", None], n, p=[0.5, 0.45, 0.05]),
                         "work_center_id": rng.choice(["W1", "W2", "W3"], n),
                         "machine_s": rng.integers(0, 90_000, n).astype(float),
                         # signed, over 20 orders of magnitude: sums whose bits depend on the order (the position order's do)
                         "std_h": np.where(rng.random(n) < 0.05, np.nan, rng.choice([-1, 1], n) * rng.random(n) * 10.0 ** rng.integers(-3, 20, n))})
    slim.loc[rng.random(n) < 0.2, "std_h"] = 2.5  # ties
    slim["period"] = slim.period.astype("str")
    by_position = slim.groupby(["period", "work_center_id"], as_index=False)[["machine_s", "std_h"]].sum()
    for seed in range(3):
        rows = slim.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        expected = in_sum_order(rows, ["period", "work_center_id"], ["std_h"]).groupby(["period", "work_center_id"], as_index=False)[
            ["machine_s", "std_h"]].sum()
        pd.testing.assert_frame_equal(_hours(rows), expected, check_exact=True)
    assert not by_position.std_h.equals(expected.std_h)  # the data can tell the orders apart
