"""Work-order facts (data_loaders.facts_orders): the profitability report from the facts equals
the report from the base tables, on every database; a hand-computed fact row; the facts'
identities against the base tables (docs/DATA_MODEL.md, "Fact tables: work orders")."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analytics import profitability as A
from analytics.money import mul_cents
from data_loaders import engine as eng
from data_loaders import facts
from data_loaders import facts_orders as FO
from data_loaders import schema
from data_loaders.engine import read_frame
from data_loaders.scope import Scope
from reports import profitability as R
from tests.conftest import write_with_facts

YEAR = Scope("2025-11", "2026-10")
FIRST_MONTH = Scope("2024-11", "2024-11")  # the small sample's first month: its bridge starts before the data


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])]


def _nulls_as_nan(frame: pd.DataFrame) -> pd.DataFrame:
    # an all-empty optional column reads as None from some drivers and NaN from others: both mean "none"
    empty = [c for c in frame.columns if len(frame) and frame[c].isna().all()]
    return frame.assign(**{c: np.nan for c in empty}) if empty else frame


def assert_same_report(slow: dict, fast: dict) -> None:
    """Every key, every row: the same figures (money to the cent; sums may differ below 1e-6)."""
    assert slow.keys() == fast.keys()
    for key, a in slow.items():
        b = fast[key]
        if isinstance(a, pd.DataFrame):
            a, b = _nulls_as_nan(a), _nulls_as_nan(b)
            assert list(a.columns) == list(b.columns), key
            assert len(a) == len(b), key
            keys = _text_columns(a)
            if keys and len(a):
                a = a.sort_values(keys).reset_index(drop=True)
                b = b.sort_values(keys).reset_index(drop=True)
            pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False, atol=1e-6, rtol=0,
                                          obj=key)
        elif isinstance(a, pd.Series):
            pd.testing.assert_series_equal(a, b, check_dtype=False, atol=1e-6, rtol=0, obj=key)
        else:
            assert a == b, key


# --------------------------------------------------------------------------- fast path == slow path
@pytest.mark.parametrize("scope", [YEAR, FIRST_MONTH, Scope("2025-11", "2026-10", plants=("P1",))], ids=["year", "first_month", "plant"])
def test_report_from_facts_equals_report_from_base_tables(sample_engine, scope):
    assert facts.ready(sample_engine) and R.use_facts(sample_engine, scope)
    assert_same_report(R.profitability_report(sample_engine, scope, fast=False), R.profitability_report(sample_engine, scope, fast=True))


def test_report_for_one_family_from_facts_equals_base_tables(sample_engine, small_sample):
    family = sorted(small_sample["products"].family)[0]
    scope = Scope("2025-11", "2026-10", families=(family,))
    fast = R.profitability_report(sample_engine, scope, fast=True)
    assert set(fast["variances"].family) == {family}
    assert_same_report(R.profitability_report(sample_engine, scope, fast=False), fast)


def test_profit_facts_of_the_budget_page_read_the_facts(sample_engine):
    slow_facts, slow_var = R._facts(sample_engine, YEAR)
    fast_facts, fast_var = R.profit_facts(sample_engine, YEAR)
    assert_same_report({"facts": slow_facts, "variances": slow_var}, {"facts": fast_facts, "variances": fast_var})


def test_open_ended_scope_reads_the_base_tables(sample_engine):
    assert not R.use_facts(sample_engine, Scope(None, "2026-10")) and R.use_facts(sample_engine, YEAR)


# --------------------------------------------------------------------------- a hand-computed fact row
D = dt.date(2026, 3, 2)


def at(day: dt.date, h: int, m: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(h, m))


MAR31, APR1 = dt.date(2026, 3, 31), dt.date(2026, 4, 1)


def tiny_frames() -> dict[str, pd.DataFrame]:
    """One product (standard 10.00 material + 12.50 labor + 6.00 overhead = 28.50 a unit; BOM
    2 kg of M1 at 5.00; 0.25 labor hours and 3 ideal minutes a unit) on one work center
    (machine 100, labor 50, overhead 20 an hour). WO-A is made on 2 March; WO-B runs from the
    evening of 31 March into 1 April and completes in April."""
    f = {
        "dataset_info": pd.DataFrame({"info_key": ["data_version"], "info_value": ["v1"]}),
        "plants": pd.DataFrame({"plant_id": ["P1"], "plant_name": ["一厂"], "currency": ["CNY"]}),
        "accounts": pd.DataFrame(
            [("1405", "库存商品", "asset", "finished_goods", None), ("6409", "生产成本差异", "expense", "variance", None),
             ("500101", "直接材料", "asset", "wip", None)],
            columns=["account_code", "account_name", "account_type", "category", "parent_code"]),
        "customers": pd.DataFrame({"customer_id": ["C1"], "customer_name": ["燃气公司"], "payment_terms_days": [30]}),
        "products": pd.DataFrame({"product_id": ["FG1"], "product_name": ["球阀"], "family": ["阀门"], "unit": ["pcs"],
                                  "std_material_cost": [10.0], "std_labor_cost": [12.5], "std_overhead_cost": [6.0], "list_price": [50.0]}),
        "suppliers": pd.DataFrame({"supplier_id": ["S1"], "supplier_name": ["钢厂"], "payment_terms_days": [30]}),
        "materials": pd.DataFrame({"material_id": ["M1"], "material_name": ["圆钢"], "unit": ["kg"], "std_price": [5.0],
                                   "supplier_id": ["S1"], "lead_time_days": [7]}),
        "bom": pd.DataFrame({"product_id": ["FG1"], "material_id": ["M1"], "qty_per_unit": [2.0]}),
        "work_centers": pd.DataFrame({"work_center_id": ["WC1"], "work_center_name": ["车床"], "plant_id": ["P1"],
                                      "machine_rate_per_h": [100.0], "labor_rate_per_h": [50.0], "overhead_rate_per_h": [20.0],
                                      "is_bottleneck": [0]}),
        "routings": pd.DataFrame({"product_id": ["FG1"], "work_center_id": ["WC1"], "ideal_cycle_min": [3.0],
                                  "std_labor_h_per_unit": [0.25]}),
        "work_orders": pd.DataFrame({
            "work_order_id": ["WO-A", "WO-B"], "plant_id": ["P1", "P1"], "product_id": ["FG1", "FG1"], "work_center_id": ["WC1", "WC1"],
            "planned_qty": [10.0, 30.0], "completed_qty": [10.0, 30.0], "scrap_qty": [1.0, 2.0],
            "planned_start_date": [D, MAR31], "planned_end_date": [D, APR1],
            "actual_start_at": [at(D, 7, 30), at(MAR31, 20)], "actual_end_at": [at(D, 10), at(APR1, 2)], "status": ["completed"] * 2}),
        "material_issues": pd.DataFrame({
            "material_issue_id": ["MI-1", "MI-2", "MI-3"], "work_order_id": ["WO-A", "WO-A", "WO-B"], "material_id": ["M1"] * 3,
            "issue_date": [D, D, MAR31], "issue_type": ["issue", "return", "issue"], "qty": [25.0, 2.0, 64.0],
            "unit_cost": [5.5, 5.5, 5.0]}),
        "labor_logs": pd.DataFrame({"labor_log_id": ["LB-1", "LB-2"], "work_order_id": ["WO-A", "WO-B"], "work_center_id": ["WC1", "WC1"],
                                    "work_date": [D, MAR31], "hours": [3.0, 8.0], "rate_per_h": [52.0, 50.0]}),
        "machine_events": pd.DataFrame({
            "event_id": ["E1", "E2", "E3", "E4", "E5"], "work_center_id": ["WC1"] * 5,
            "work_order_id": ["WO-A", "WO-A", "WO-A", "WO-B", "WO-B"],
            "start_at": [at(D, 7, 30), at(D, 8), at(D, 9), at(MAR31, 20), at(MAR31, 22)],
            "end_at": [at(D, 8), at(D, 9), at(D, 9, 30), at(MAR31, 22), at(APR1, 1)],
            "state": ["setup", "running", "breakdown", "breakdown", "running"]}),
        "output_counts": pd.DataFrame({
            "output_id": ["O1", "O2", "O3"], "work_order_id": ["WO-A", "WO-B", "WO-B"], "work_center_id": ["WC1"] * 3,
            "count_date": [D, MAR31, APR1], "good_qty": [10.0, 20.0, 10.0], "scrap_qty": [1.0, 0.0, 2.0], "rework_qty": [0.0] * 3}),
        "sales_invoices": pd.DataFrame({
            "invoice_id": ["SI-1", "SI-2"], "customer_id": ["C1", "C1"], "product_id": ["FG1", "FG1"], "plant_id": ["P1", "P1"],
            "invoice_date": [dt.date(2026, 3, 20), dt.date(2026, 4, 20)], "due_date": [dt.date(2026, 4, 20), dt.date(2026, 5, 20)],
            "qty": [8.0, 30.0], "gross_amount": [400.0, 1_500.0], "discount_amount": [0.0, 0.0], "net_amount": [400.0, 1_500.0]}),
        "vouchers": pd.DataFrame({"voucher_no": ["FG-A"], "voucher_date": [D], "period": ["2026-03"], "voucher_type": ["FG"],
                                  "status": ["posted"], "plant_id": ["P1"]}),
        "voucher_lines": pd.DataFrame([
            dict(voucher_no="FG-A", line_no=1, period="2026-03", account_code="1405", plant_id="P1", work_order_id="WO-A",
                 debit_amount=285.00, credit_amount=0.0, source_doc_type="completion", source_doc_id="WO-A"),
            dict(voucher_no="FG-A", line_no=2, period="2026-03", account_code="6409", plant_id="P1", work_order_id="WO-A",
                 debit_amount=177.50, credit_amount=0.0, source_doc_type="completion", source_doc_id="WO-A"),
            dict(voucher_no="FG-A", line_no=3, period="2026-03", account_code="500101", plant_id="P1", work_order_id="WO-A",
                 debit_amount=0.0, credit_amount=462.50, source_doc_type="completion", source_doc_id="WO-A")]),
    }
    return f


def _tiny_writer(url: str):
    return write_with_facts(url, tiny_frames())


@pytest.fixture
def tiny(empty_url, made_once):
    made_once(empty_url, "profitability_facts.tiny", lambda url: _tiny_writer(url).dispose())  # made once per kind of file, then copied
    engine = eng.make_engine(empty_url, read_only=True)
    yield engine
    engine.dispose()


def test_hand_computed_fact_row(tiny):
    rows = read_frame(tiny, sa.select(FO.facts_orders)).set_index("work_order_id")
    a = rows.loc["WO-A"]
    assert a.period == "2026-03" and (a.good_qty, a.scrap_qty, a.planned_qty) == (10, 1, 10)
    # actual: material 25 kg issued − 2 returned at 5.50 = 126.50; labor 3 h x 52 = 156.00;
    # overhead: setup 30 + running 60 min = 1.5 machine hours x (100 + 20) = 180.00
    assert (a.material_amount, a.labor_amount, a.overhead_amount) == (126.50, 156.00, 180.00)
    assert a.machine_s == 90 * 60 and a.actual_amount == 126.50 + 156.00 + 180.00
    # standard of the 10 good units: 10 x 10.00, 10 x 12.50, 10 x 6.00
    assert (a.std_material_amount, a.std_labor_amount, a.std_overhead_amount, a.standard_amount) == (100.00, 125.00, 60.00, 285.00)
    expected = {
        "material_price": 126.50 - 23 * 5.00,  # 11.50: 23 kg used at 5.50 against 5.00
        "material_usage": (23 - 11 * 2) * 5.00,  # 5.00: 11 units made (10 good + 1 scrap) x 2 kg = 22 kg allowed
        "material_scrap": 11 * 2 * 5.00 - 100.00,  # 10.00
        "labor_rate": 156.00 - 3 * 50.00,  # 6.00
        "labor_efficiency": (3 - 11 * 0.25) * 50.00,  # 12.50
        "labor_scrap": 11 * 0.25 * 50.00 - 125.00,  # 12.50
        "overhead_efficiency": 180.00 - 11 * 6.00,  # 114.00
        "overhead_scrap": 11 * 6.00 - 60.00,  # 6.00
    }
    for name, value in expected.items():
        assert a[f"{name}_amount"] == pytest.approx(value), name
    assert a.variance_amount == pytest.approx(sum(expected.values())) and a.variance_amount == pytest.approx(462.50 - 285.00)
    assert a.posted_variance_amount == 177.50
    # loss at (100 + 50 + 20) / 60 a minute: breakdown 30 + setup 30 + speed (60 run − 11 x 3 ideal) 27 = 87 min
    # = 246.50; scrap 1 x 28.50
    assert (a.time_loss_cost_amount, a.scrap_cost_amount, a.loss_cost_amount) == (87 * 170 / 60, 28.50, 246.50 + 28.50)
    assert (a.loss_period_from, a.loss_period_to, a.is_loss_off_plant) == ("2026-03", "2026-03", 0)
    b = rows.loc["WO-B"]
    # WO-B: breakdown 120 min, running 180 min (120 in March), 32 units made x 3 ideal min = 96: speed loss 84
    assert b.period == "2026-04" and (b.loss_period_from, b.loss_period_to) == ("2026-03", "2026-04")
    assert b.loss_cost_amount == pytest.approx((120 + 84) * 170 / 60 + 2 * 28.50)  # 578.00 + 57.00
    parts = read_frame(tiny, sa.select(FO.facts_order_loss_parts)).set_index("loss_period")
    assert list(parts.work_order_id) == ["WO-B", "WO-B"] and set(parts.period) == {"2026-04"}
    assert parts.loc["2026-03", ["breakdown_min", "running_min", "good_qty"]].tolist() == [120, 120, 20]
    assert parts.loc["2026-04", ["breakdown_min", "running_min", "good_qty", "scrap_qty"]].tolist() == [0, 60, 10, 2]


def test_a_scope_that_cuts_an_order_counts_the_loss_inside_it(tiny):
    april = Scope("2026-04", "2026-04")
    fast = R.profitability_report(tiny, april, fast=True)
    # April sees 60 running minutes and 12 units (36 ideal minutes): speed loss 24 min x 170/60 = 68.00, scrap 2 x 28.50
    assert fast["total"].oee_loss_amount == pytest.approx(24 * 170 / 60 + 2 * 28.50)
    assert_same_report(R.profitability_report(tiny, april, fast=False), fast)
    both = Scope("2026-03", "2026-04")
    fast = R.profitability_report(tiny, both, fast=True)
    assert fast["total"].oee_loss_amount == pytest.approx(275.00 + 635.00)
    assert_same_report(R.profitability_report(tiny, both, fast=False), fast)


# --------------------------------------------------------------------------- identities against the base tables
def _facts(engine, table) -> pd.DataFrame:
    return read_frame(engine, sa.select(table))


def _completed(frames) -> pd.DataFrame:
    wo = frames["work_orders"]
    wo = wo[wo.status.isin(["completed", "closed"]) & wo.actual_end_at.notna()]
    return wo.assign(period=pd.to_datetime(wo.actual_end_at).dt.strftime("%Y-%m"))


def test_order_facts_tie_to_the_base_tables(sample_engine, small_sample):
    f = _facts(sample_engine, FO.facts_orders)
    done = _completed(small_sample)
    assert sorted(f.work_order_id) == sorted(done.work_order_id)
    assert (f.set_index("work_order_id").period == done.set_index("work_order_id").period.reindex(f.work_order_id)).all()
    ids = set(done.work_order_id)
    # Σ actual material = material issues at cost, net of returns, each rounded to cents as posted
    mi = small_sample["material_issues"]
    mi = mi[mi.work_order_id.isin(ids)]
    sign = np.where(mi.issue_type == "return", -1, 1)
    assert round(f.material_amount.sum(), 2) == (sign * mul_cents(mi.qty, 3, mi.unit_cost, 4)).sum() / 100
    # Σ actual labor = labor logs at their rates; Σ labor hours
    lb = small_sample["labor_logs"]
    lb = lb[lb.work_order_id.isin(ids)]
    assert round(f.labor_amount.sum(), 2) == mul_cents(lb.hours, 4, lb.rate_per_h, 2).sum() / 100
    assert round(f.labor_h.sum(), 4) == round(lb.hours.astype(float).sum(), 4)
    # Σ good and scrap = the orders' quantities; Σ machine seconds = their running, setup and slow time
    assert round(f.good_qty.sum(), 3) == round(done.completed_qty.astype(float).sum(), 3)
    assert round(f.scrap_qty.sum(), 3) == round(done.scrap_qty.astype(float).sum(), 3)
    me = small_sample["machine_events"]
    me = me[me.work_order_id.isin(ids) & me.state.isin(["setup", "running", "minor_stop", "reduced_speed"])]
    assert f.machine_s.sum() == (pd.to_datetime(me.end_at) - pd.to_datetime(me.start_at)).dt.total_seconds().sum()
    # row by row: the eight variances add up to actual − standard; the components to their totals
    parts = f[[f"{v}_amount" for v in A.VARIANCES]].sum(axis=1)
    assert np.allclose(parts, f.variance_amount, atol=1e-6)
    assert np.allclose(f.actual_amount - f.standard_amount, f.variance_amount, atol=1e-6)
    assert np.allclose(f.material_amount + f.labor_amount + f.overhead_amount, f.actual_amount, atol=1e-6)
    assert np.allclose(f.std_material_amount + f.std_labor_amount + f.std_overhead_amount, f.standard_amount, atol=1e-6)
    # the ledger: what completion posted to finished goods and to variance, for every posted order
    vl = small_sample["voucher_lines"]
    fg = vl[(vl.source_doc_type == "completion") & vl.work_order_id.isin(ids)]
    posted = set(fg.work_order_id)
    cats = small_sample["accounts"].set_index("account_code").category
    fg = fg.assign(category=fg.account_code.map(cats), net=fg.debit_amount.astype(float) - fg.credit_amount.astype(float))
    mine = f[f.work_order_id.isin(posted)]
    assert round(mine.standard_amount.sum(), 2) == round(fg[fg.category == "finished_goods"].net.sum(), 2)
    assert round(mine.variance_amount.sum(), 2) == round(fg[fg.category == "variance"].net.sum(), 2)
    assert round(mine.posted_variance_amount.sum(), 2) == round(mine.variance_amount.sum(), 2)


def test_loss_facts_tie_to_the_event_pipeline(sample_engine):
    f = _facts(sample_engine, FO.facts_orders)
    # Σ loss = the machine-event pipeline over all events (no window), for the completed orders
    whole = A.compute_loss_per_order(R._oee_loss_by_work_order(sample_engine, Scope()))
    whole = whole[whole.work_order_id.isin(f.work_order_id)]
    assert round(f.loss_cost_amount.sum(), 2) == round(whole.loss_cost_amount.sum(), 2)
    # an order's parts, all months together, give its loss again
    parts = _facts(sample_engine, FO.facts_order_loss_parts)
    assert len(parts) and set(parts.work_order_id) <= set(f.work_order_id)
    split = f[f.work_order_id.isin(parts.work_order_id)][["work_order_id", "period", "product_id", "plant_id", "work_center_id",
                                                           "loss_cost_amount"]]
    rates = read_frame(sample_engine, sa.select(schema.work_centers))
    again = A.compute_window_loss(split, parts, rates)
    assert np.allclose(again.window_loss_cost_amount, again.loss_cost_amount, atol=0.005)
    # orders without parts keep their loss inside their own month
    rest = f[~f.work_order_id.isin(parts.work_order_id) & f.loss_period_from.notna()]
    assert (rest.loss_period_from == rest.period).all() and (rest.loss_period_to == rest.period).all()


def test_order_groups_sum_the_orders(sample_engine):
    orders = _facts(sample_engine, FO.facts_orders)
    groups = _facts(sample_engine, FO.facts_order_groups)
    keys = ["period", "product_id", "plant_id", "work_center_id"]
    assert not groups.duplicated(keys).any() and groups.n_orders.sum() == len(orders)
    want = orders.groupby(keys)[FO.GROUP_SUMS].sum().round(6)
    got = groups.set_index(keys)[FO.GROUP_SUMS].astype(float).round(6).reindex(want.index)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, atol=1e-6, rtol=0)


@pytest.mark.parametrize("scope", [Scope("2025-11", "2026-10"), Scope("2026-10", "2026-10", ("P2",))], ids=["12 months", "a month of a plant"])
def test_variance_sums_are_the_groups_summed_in_cents(sample_engine, scope):
    """``load_variance_sums`` (what the overview caches of a span's variances): per plant x work
    center x product, each group's money rounded to the cent and summed exactly, quantities
    summed; so every money sum over it equals the groups' summed in cents, to the bit."""
    groups = FO.load_order_groups(sample_engine, scope)
    sums = FO.load_variance_sums(sample_engine, scope)
    keys = FO.VARIANCE_SUM_KEYS
    assert list(sums.columns) == keys + ["good_qty", "scrap_qty"] + FO.VARIANCE_MONEY and not sums.duplicated(keys).any()
    cents = groups.assign(**{c: np.round(groups[c] * 100).astype(np.int64) for c in FO.VARIANCE_MONEY})
    want = cents.groupby(keys, as_index=False)[FO.VARIANCE_MONEY].sum()
    want[FO.VARIANCE_MONEY] = want[FO.VARIANCE_MONEY] / 100
    got = sums.sort_values(keys, ignore_index=True)
    pd.testing.assert_frame_equal(got[keys + FO.VARIANCE_MONEY], want.sort_values(keys, ignore_index=True), check_exact=True, check_dtype=False)
    assert (len(got) < len(groups) or scope.period_from == scope.period_to) and got.variance_amount.abs().sum() > 0
    q = groups.groupby(keys, as_index=False)[["good_qty", "scrap_qty"]].sum().sort_values(keys, ignore_index=True)
    pd.testing.assert_frame_equal(got[["good_qty", "scrap_qty"]], q[["good_qty", "scrap_qty"]], check_dtype=False, atol=1e-6, rtol=0)
    total = A.compute_variance_summary(sums, []).iloc[0]
    whole = A.compute_variance_summary(groups, []).iloc[0]
    for c in ("variance_rate_pct", "variance_amount", "standard_amount", "actual_amount"):
        assert total[c] == whole[c], c  # the cockpit's cost variance rate and amounts, to the bit


@pytest.mark.parametrize("plants", [(), ("P2",)], ids=["every plant", "P2"])
def test_profit_parts_of_every_span_at_once_equal_each_span_alone(sample_engine, plants):
    """``reports.cockpit.spans_profit_parts`` (the overview's spans in one read of the sales and
    one of the variances, stacked): each span's frames equal its own ``profit_parts``, to the bit,
    on every database; spans that overlap, a single month, and spans before the data (empty)."""
    from reports.cockpit import profit_parts, spans_profit_parts

    spans = [("2025-12", "2026-11"), ("2024-12", "2025-11"), ("2026-01", "2026-11"), ("2026-10", "2026-10"), ("2026-06", "2026-09"),
             ("2024-01", "2024-03")]
    got = spans_profit_parts(sample_engine, Scope(plants=plants), spans)
    assert list(got) == spans
    filled = 0
    for span in spans:
        want = profit_parts(sample_engine, Scope(*span, plants))
        for name in ("facts", "variances"):
            pd.testing.assert_frame_equal(got[span][name], want[name], check_exact=True, obj=f"{span} {name}")
        filled += len(want["variances"]) > 0 and len(want["facts"]) > 0
    assert filled == len(spans) - 1  # all but the span before the data
    assert len(got[("2025-12", "2026-11")]["variances"]) > len(got[("2026-10", "2026-10")]["variances"])


def test_sales_materials_and_overhead_facts_tie_to_the_base_tables(sample_engine, small_sample):
    sales = _facts(sample_engine, FO.facts_order_sales)
    si = small_sample["sales_invoices"]
    assert round(sales.revenue_amount.astype(float).sum(), 2) == round(si.net_amount.astype(float).sum(), 2)
    assert round(sales.qty.astype(float).sum(), 3) == round(si.qty.astype(float).sum(), 3)
    assert round(sales.discount_amount.astype(float).sum(), 2) == round(si.discount_amount.astype(float).sum(), 2)
    # material used per period x plant x product x material = the orders' actual material
    used = _facts(sample_engine, FO.facts_order_materials)
    orders = _facts(sample_engine, FO.facts_orders)
    by_period = used.groupby("period").actual_amount.sum().astype(float).round(2)
    assert by_period.to_dict() == orders.groupby("period").material_amount.sum().round(2).to_dict()
    # overhead per category = the ledger's overhead lines, debit − credit
    oh = _facts(sample_engine, FO.facts_order_overhead)
    vl = small_sample["voucher_lines"].merge(small_sample["accounts"][["account_code", "category"]], on="account_code")
    for category in ("overhead", "overhead_applied"):
        lines = vl[vl.category == category]
        assert round(oh[oh.category == category].net_amount.astype(float).sum(), 2) == \
            round(lines.debit_amount.astype(float).sum() - lines.credit_amount.astype(float).sum(), 2)


def test_stale_facts_are_not_read(empty_url):
    engine = _tiny_writer(empty_url)
    assert R.use_facts(engine, Scope("2026-03", "2026-04"))
    with engine.begin() as conn:  # an import that has not refreshed the facts yet
        conn.execute(schema.dataset_info.update().where(schema.dataset_info.c.info_key == "data_version").values(info_value="v2"))
    assert not R.use_facts(engine, Scope("2026-03", "2026-04"))
    engine.dispose()


def test_refreshing_one_period_leaves_the_others(empty_url):
    engine = _tiny_writer(empty_url)
    before = read_frame(engine, sa.select(FO.facts_orders)).sort_values("work_order_id").reset_index(drop=True)
    facts.refresh(engine, ["2026-04"])
    after = read_frame(engine, sa.select(FO.facts_orders)).sort_values("work_order_id").reset_index(drop=True)
    engine.dispose()
    pd.testing.assert_frame_equal(before, after)


def test_derivation_steps_are_runs_of_months_within_the_order_budget():
    counts = pd.DataFrame({"period": ["2026-01", "2026-02", "2026-03", "2026-05", "2026-06"],
                           "n_orders": [30_000, 20_000, 20_000, 10, 70_000]})
    # 30 k + 20 k fit in 60 k, a third month would not; April has no orders, so May starts a run; June alone exceeds it
    assert FO._steps(counts) == [Scope("2026-01", "2026-02"), Scope("2026-03", "2026-03"), Scope("2026-05", "2026-05"),
                                 Scope("2026-06", "2026-06")]


def _group_loss_by_merge(groups: pd.DataFrame, cut: pd.DataFrame) -> pd.DataFrame:
    """``compute_group_loss`` as it matched the deltas before (a pandas merge on the four keys)."""
    keys = ["period", "product_id", "plant_id", "work_center_id"]
    loss = groups.loss_cost_amount.to_numpy(dtype=float)
    delta = cut.assign(_delta=cut.window_loss_cost_amount - cut.loss_cost_amount).groupby(keys, as_index=False)._delta.sum()
    added = groups[keys].assign(_row=np.arange(len(groups))).merge(delta, on=keys, how="inner")
    loss = loss + 0.0
    np.add.at(loss, added._row.to_numpy(), added._delta.to_numpy(dtype=float))
    return groups.assign(oee_loss_amount=np.round(loss, 2))


def test_group_loss_replaces_the_cut_orders_loss_by_their_window_loss():
    """Two cut orders of one group (derived loss 30.00 + 12.50, 18.00 + 2.25 inside the window):
    the group's 100.00 becomes 100.00 - 42.50 + 20.25 = 77.75; another group's cut order 5.00 ->
    0.00 gives 40.00 - 5.00 = 35.00; a group without a cut order keeps its loss; a cut order with
    a missing key or of no group changes nothing. The same frame as the merge gave."""
    groups = pd.DataFrame({"period": ["2026-01", "2026-01", "2026-02", "2026-02"], "product_id": ["FG1", "FG2", "FG1", "FG1"],
                           "plant_id": ["P1", "P1", "P1", "P2"], "work_center_id": ["WC1", "WC1", "WC1", "WC9"],
                           "loss_cost_amount": [100.00, 7.00, 40.00, 3.10]}).astype({"period": "str", "product_id": "str"})
    cut = pd.DataFrame({"work_order_id": ["W1", "W2", "W3", "W4", "W5"],
                        "period": ["2026-01", "2026-01", "2026-02", None, "2026-03"], "product_id": ["FG1", "FG1", "FG1", "FG1", "FG1"],
                        "plant_id": ["P1", "P1", "P1", "P1", "P1"], "work_center_id": ["WC1", "WC1", "WC1", "WC1", "WC1"],
                        "loss_cost_amount": [30.00, 12.50, 5.00, 9.00, 1.00], "window_loss_cost_amount": [18.00, 2.25, 0.00, 0.00, 0.00]})
    got = A.compute_group_loss(groups, cut)
    assert got.oee_loss_amount.tolist() == [77.75, 7.00, 35.00, 3.10]
    pd.testing.assert_frame_equal(got, _group_loss_by_merge(groups, cut), check_exact=True)
    pd.testing.assert_frame_equal(A.compute_group_loss(groups, cut.iloc[0:0]), groups.assign(oee_loss_amount=groups.loss_cost_amount))
    pd.testing.assert_frame_equal(A.compute_group_loss(groups.iloc[0:0], cut), _group_loss_by_merge(groups.iloc[0:0], cut))


def test_group_loss_of_the_sample_is_the_merge_s(sample_engine):
    """On every database, a year and a plant's quarter (a plant filter cuts orders run off the
    plant): the groups' loss as the merge on the four keys gave it, to the bit."""
    for scope in (YEAR, Scope("2026-04", "2026-06", plants=("P1",))):
        cut = FO.load_cut_orders(sample_engine, scope)
        assert len(cut)
        cut = A.compute_window_loss(cut, FO.load_loss_parts(sample_engine, scope), oee_rates(sample_engine, scope))
        groups = FO.load_order_groups(sample_engine, scope)
        pd.testing.assert_frame_equal(A.compute_group_loss(groups, cut), _group_loss_by_merge(groups, cut), check_exact=True)


def oee_rates(engine, scope):
    from data_loaders import oee as oee_loaders

    return oee_loaders.load_work_centers(engine, scope)
