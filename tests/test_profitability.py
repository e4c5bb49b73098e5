"""Cost variances against a published textbook example and hand-computed figures; profitability,
bridges and identities on tiny frames and on the sample plant (every database)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.ledger import compute_monthly_pnl
from analytics.profitability import (
    VARIANCES,
    compute_budget_bridge,
    compute_overhead_three_way,
    compute_profit_facts,
    compute_profitability,
    compute_pvm_bridge,
    compute_work_order_variances,
)
from data_loaders import profitability as P
from data_loaders import queries as q
from data_loaders.scope import Scope
from reports.profitability import profitability_report
from sample_data.generator import SampleConfig, stories_for
from tests.conftest import AS_OF


def order(**kw):
    base = dict(work_order_id="WO1", product_id="FG1", product_name="x", family="F", plant_id="P1", work_center_id="WC1",
                period="2026-03", good_qty=0.0, scrap_qty=0.0, std_material_cost=0.0, std_labor_cost=0.0, std_overhead_cost=0.0,
                std_labor_h_per_unit=0.0, labor_rate_per_h=0.0, absorption_rate_per_h=0.0, material_amount=0.0, labor_amount=0.0,
                labor_h=0.0, machine_s=0.0, posted_variance_amount=0.0)
    base.update(kw)
    return pd.DataFrame([base])


def test_webb_company_textbook_example():
    # Horngren, Datar & Rajan, Cost Accounting, ch. 7 (Webb Company): 10,000 jackets made;
    # standard 2 sq yd at $30 and 0.8 labor hours at $20; actual 22,200 sq yd at $28 and 9,000 h at $20.50.
    f = order(good_qty=10_000.0, std_material_cost=60.0, std_labor_cost=16.0, std_labor_h_per_unit=0.8, labor_rate_per_h=20.0,
              material_amount=22_200 * 28.0, labor_amount=9_000 * 20.50, labor_h=9_000.0)
    m = pd.DataFrame([dict(work_order_id="WO1", material_id="CLOTH", actual_qty=22_200.0, actual_amount=22_200 * 28.0,
                           qty_per_unit=2.0, std_price=30.0)])
    v = compute_work_order_variances(f, m).iloc[0]
    assert v.material_price_amount == -44_400.00  # (28 − 30) × 22,200: $44,400 favorable
    assert v.material_usage_amount == 66_000.00  # (22,200 − 20,000) × 30: $66,000 unfavorable
    assert v.labor_rate_amount == 4_500.00  # (20.50 − 20) × 9,000: $4,500 unfavorable
    assert v.labor_efficiency_amount == 20_000.00  # (9,000 − 8,000) × 20: $20,000 unfavorable
    assert v.material_scrap_amount == 0 and v.labor_scrap_amount == 0
    assert v.variance_amount == -44_400 + 66_000 + 4_500 + 20_000


def test_hand_computed_order_with_scrap():
    # 100 good + 4 scrap. Material: BOM 2 kg at 5.00 (standard 10.00 a unit); 215 kg used for 1,118.00.
    # Labor: 0.5 h at 40.00 (20.00 a unit); 55 h for 2,310.00. Overhead: 15.00 a unit at 60.00 a machine hour; 27 h run.
    f = order(good_qty=100.0, scrap_qty=4.0, std_material_cost=10.0, std_labor_cost=20.0, std_overhead_cost=15.0,
              std_labor_h_per_unit=0.5, labor_rate_per_h=40.0, absorption_rate_per_h=60.0, material_amount=1_118.00,
              labor_amount=2_310.00, labor_h=55.0, machine_s=27 * 3600.0, posted_variance_amount=548.00)
    m = pd.DataFrame([dict(work_order_id="WO1", material_id="M1", actual_qty=215.0, actual_amount=1_118.00, qty_per_unit=2.0, std_price=5.0)])
    v = compute_work_order_variances(f, m).iloc[0]
    expected = {
        "material_price": 1_118.00 - 215 * 5.00,  # 43.00
        "material_usage": (215 - 208) * 5.00,  # 35.00: 104 units x 2 kg = 208 kg standard
        "material_scrap": 4 * 10.00,  # 40.00
        "labor_rate": 2_310.00 - 55 * 40.00,  # 110.00
        "labor_efficiency": (55 - 52) * 40.00,  # 120.00: 104 x 0.5 h = 52 h standard
        "labor_scrap": 4 * 20.00,  # 80.00
        "overhead_efficiency": 27 * 60.00 - 104 * 15.00,  # 1,620.00 − 1,560.00 = 60.00
        "overhead_scrap": 4 * 15.00,  # 60.00
    }
    for name, value in expected.items():
        assert v[f"{name}_amount"] == pytest.approx(value), name
    assert v.actual_amount == 1_118.00 + 2_310.00 + 1_620.00
    assert v.standard_amount == 100 * 45.00
    assert v.variance_amount == sum(expected.values()) == 548.00 == v.posted_variance_amount
    assert v.variance_pct == pytest.approx(548 / 4_500)


def sales(period, rows):
    # rows: (product, customer, qty, revenue, std unit cost)
    return pd.DataFrame([dict(period=period, product_id=p, customer_id=c, plant_id="P1", qty=float(qn), gross_amount=float(r),
                              discount_amount=0.0, revenue_amount=float(r), product_name=p, family="F", std_material_cost=k * 0.6,
                              std_labor_cost=k * 0.1, std_overhead_cost=k * 0.3, customer_name=c) for p, c, qn, r, k in rows])


def variances(period, rows):
    # rows: (work order, product, material price variance, scrap variance)
    out = []
    for wo, p, mpv, scrap in rows:
        row = {f"{v}_amount": 0.0 for v in VARIANCES}
        row.update(work_order_id=wo, product_id=p, product_name=p, family="F", plant_id="P1", period=period,
                   material_price_amount=mpv, material_scrap_amount=scrap, variance_amount=mpv + scrap, good_qty=1.0)
        out.append(row)
    return pd.DataFrame(out)


def test_price_volume_mix_bridge_adds_up_exactly():
    s0 = sales("2026-01", [("A", "C1", 100, 1_000, 6.0), ("C", "C1", 50, 400, 5.0), ("D", "C2", 0, 0, 1.0)])
    s1 = sales("2026-02", [("A", "C1", 120, 1_320, 6.0), ("B", "C2", 30, 450, 10.0), ("D", "C2", 0, -20, 1.0)])
    v0, v1 = variances("2026-01", [("W1", "A", 10.0, 5.0)]), variances("2026-02", [("W2", "A", 40.0, 2.0)])
    f0, f1 = compute_profit_facts(s0, v0), compute_profit_facts(s1, v1)
    b = compute_pvm_bridge(f0, f1, v0, v1).set_index("step").amount
    # GP0 = (1,000 − 600) + (400 − 250) − 15 = 535; GP1 = (1,320 − 720) + (450 − 300) − 20 − 42 = 688
    assert (b["start"], b["end"]) == (535.00, 688.00)
    assert b["price"] == 120 * (11 - 10) + (-20 - 0)  # A: Q1 (P1 − P0); D: a credit note with no quantity
    # margins m0: A 10 − 6 = 4; C 8 − 5 = 3; B (new, its own) 15 − 10 = 5; base average (100×4 + 50×3) / 150
    volume = (150 - 150) * (100 * 4 + 50 * 3) / 150
    assert b["volume"] == pytest.approx(volume)
    assert b["mix"] == pytest.approx((120 - 100) * 4 + (30 - 0) * 5 + (0 - 50) * 3 - volume)  # 80 + 150 − 150 = 80
    assert b["material_cost"] == -(40 - 10) and b["scrap"] == -(2 - 5)
    assert round(b["start"] + b.drop(["start", "end"]).sum(), 2) == b["end"]


def test_the_bridge_s_product_view_of_one_row_per_product_is_the_group_by_s():
    """The sales facts hold one row per product: their product view is each row's values, sorted by
    product, a missing value as 0 and −0.0 as 0.0, to the bit what the group-by sum gives; rows
    repeating a product are summed by the group-by."""
    from analytics.profitability import _product_view

    facts = pd.DataFrame({"product_id": pd.array(["B", "A", "C10", "C2"], dtype="str"), "qty": [3.0, np.nan, -0.0, 1.5],
                          "revenue_amount": [0.1 + 0.2, 10.0, -0.0, np.inf], "std_cost_amount": [1.0, 2.0, np.nan, 0.25]})
    want = facts.groupby("product_id").agg(qty=("qty", "sum"), revenue=("revenue_amount", "sum"), std_cost=("std_cost_amount", "sum"))
    got = _product_view(facts)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.index.tolist() == ["A", "B", "C10", "C2"] and got.qty.tolist() == [0.0, 3.0, 0.0, 1.5]
    assert np.signbit(got.revenue.to_numpy()).tolist() == [False] * 4  # −0.0 summed from 0.0 is 0.0
    twice = pd.concat([facts, facts.iloc[:1]], ignore_index=True)  # B twice: the group-by's sum, 3 + 3
    assert _product_view(twice).qty.tolist() == [0.0, 6.0, 0.0, 1.5]


def test_budget_bridge_adds_up_exactly():
    budget = pd.DataFrame({"period": ["2026-02"], "revenue_amount": [2_000.0], "cost_of_sales_amount": [1_300.0]})
    s1 = sales("2026-02", [("A", "C1", 120, 1_320, 6.0), ("B", "C2", 30, 450, 10.0)])
    v1 = variances("2026-02", [("W2", "A", 40.0, 2.0)])
    b = compute_budget_bridge(budget, compute_profit_facts(s1, v1), v1).set_index("step").amount
    assert (b["start"], b["revenue"], b["standard_cost"]) == (700.00, -230.00, 280.00)  # 1,770 − 2,000; −(1,020 − 1,300)
    assert b["end"] == 1_770 - 1_020 - 42
    assert round(b["start"] + b.drop(["start", "end"]).sum(), 2) == b["end"]


def test_profit_facts_keep_every_cent_and_allocate_variance_to_customers():
    s = sales("2026-02", [("A", "C1", 100, 1_000, 6.0), ("A", "C2", 300, 3_000, 6.0)])
    v = variances("2026-02", [("W1", "A", 80.0, 0.0), ("W2", "Z", 7.0, 0.0)])  # Z was made but not sold
    f = compute_profit_facts(s, v)
    assert f.revenue_amount.sum() == 4_000 and f.variance_amount.sum() == pytest.approx(87.0)
    by_c = compute_profitability(f, ["customer_id"]).set_index("customer_id")
    assert by_c.loc["C1", "variance_amount"] == 20.00 and by_c.loc["C2", "variance_amount"] == 60.00  # by standard cost 600 : 1,800
    assert by_c.loc["(unsold)", "variance_amount"] == 7.00
    by_p = compute_profitability(f, ["product_id"])
    assert by_p.gross_profit_amount.sum() == pytest.approx(by_c.gross_profit_amount.sum())
    a = by_p.set_index("product_id").loc["A"]
    assert a.contribution_amount == 4_000 - 400 * (3.6 + 0.6)  # revenue − standard material − standard labor
    assert a.gross_margin_pct == pytest.approx((4_000 - 2_400 - 80) / 4_000)


def test_overhead_three_way_identity():
    oh = pd.DataFrame({"period": ["2026-03"], "plant_id": ["P1"], "incurred_amount": [1_000.0], "applied_amount": [900.0], "budget_amount": [950.0]})
    v = variances("2026-03", [("W1", "A", 0.0, 0.0)]).assign(overhead_efficiency_amount=-30.0, overhead_scrap_amount=5.0)
    r = compute_overhead_three_way(oh, v).iloc[0]
    assert (r.spending_amount, r.volume_amount) == (50.00, 50.00)
    # incurred − standard overhead of good output = 1,000 − (900 − (−30) − 5) = 75
    assert r.total_overhead_variance_amount == 50 + 50 - 30 + 5 == 75.00


# ---------------------------------------------------------------- the sample plant, every database
SCOPE = Scope("2025-11", "2026-10")


def test_variances_tie_to_the_ledger_on_every_database(sample_engine, small_sample):
    v = compute_work_order_variances(P.load_work_order_facts(sample_engine, SCOPE), P.load_material_facts(sample_engine, SCOPE))
    assert len(v) > 100
    parts = v[[f"{x}_amount" for x in VARIANCES]].sum(axis=1)
    assert np.allclose(parts, v.variance_amount, atol=0.005)
    assert np.allclose(v.actual_amount - v.standard_amount, v.variance_amount, atol=0.005)
    planted = set(small_sample["dataset_info"].set_index("info_key").info_value["planted_unposted_work_orders"].split(","))
    posted = v[~v.work_order_id.isin(planted)]
    assert np.allclose(posted.variance_amount, posted.posted_variance_amount, atol=0.005)  # to the cent, every posted order
    assert (v[v.work_order_id.isin(planted)].posted_variance_amount == 0).all()


def test_profitability_agrees_with_the_ledger_except_unposted_orders(sample_engine, small_sample):
    r = profitability_report(sample_engine, SCOPE)
    pnl = compute_monthly_pnl(q.load_ledger_by_category(sample_engine, SCOPE))
    planted = set(small_sample["dataset_info"].set_index("info_key").info_value["planted_unposted_work_orders"].split(","))
    unposted = r["variances"][r["variances"].work_order_id.isin(planted)].variance_amount.sum()
    assert r["total"].revenue_amount == pytest.approx(pnl.revenue_amount.sum(), abs=0.01)
    assert r["total"].std_cost_amount == pytest.approx(pnl.cost_of_sales_amount.sum(), abs=0.05)
    assert r["total"].gross_profit_amount == pytest.approx(pnl.gross_profit_amount.sum() - unposted, abs=0.05)
    b = r["period_bridge"]
    assert round(b.amount.iloc[0] + b.amount.iloc[1:-1].sum(), 2) == b.amount.iloc[-1] == round(r["total"].gross_profit_amount, 2)
    bb = r["budget_bridge"]
    assert round(bb.amount.iloc[0] + bb.amount.iloc[1:-1].sum(), 2) == bb.amount.iloc[-1]


def test_planted_supplier_price_rise_is_a_material_price_variance(sample_engine):
    s = stories_for(SampleConfig(as_of=AS_OF))
    m = P.load_material_facts(sample_engine, Scope("2024-11", "2026-10"))
    wo = P.load_work_order_facts(sample_engine, Scope("2024-11", "2026-10"))[["work_order_id", "period"]]
    m = m.merge(wo, on="work_order_id")
    m = m[(m.supplier_id == s.price_rise_supplier) & (m.actual_qty > 0)]
    ratio = lambda d: (d.actual_amount - d.actual_qty * d.std_price).sum() / (d.actual_qty * d.std_price).sum()  # noqa: E731
    before, after = ratio(m[m.period < s.price_rise_month]), ratio(m[m.period > s.price_rise_month])
    assert after > before + 0.12  # the 18 % rise shows as price variance
