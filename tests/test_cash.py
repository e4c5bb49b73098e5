"""Cash: the driver schedule on hand-built items, working-capital days, the baseline's backtest on
a known series, scenario monotonicity, funding gaps; the sample on every database."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.cash import (
    CashBaseline,
    CashScenario,
    compute_aging,
    compute_backtest,
    compute_cash_events,
    compute_forecast,
    compute_funding_gaps,
    compute_mase,
    compute_payment_delays,
    compute_working_capital,
)
from data_loaders.scope import Scope
from reports.cash import cash_report
from sample_data.generator import SampleConfig, stories_for
from tests.conftest import AS_OF

AS = pd.Timestamp("2026-03-02")  # a Monday


def empty(cols):
    return pd.DataFrame(columns=cols)


def plan_none():
    return {"plan": empty(["plan_id", "week_start_date", "planned_qty", "list_price", "std_labor_h_per_unit", "labor_rate_per_h", "product_id"]),
            "materials": empty(["product_id", "material_id", "qty_per_unit", "std_price", "payment_terms_days", "supplier_id"]),
            "avg_customer_terms": 30.0}


def items():
    receivables = pd.DataFrame({"invoice_id": ["I1", "I2"], "customer_id": ["C1", "C2"], "due_date": pd.to_datetime(["2026-03-04", "2026-02-20"]),
                                "open_amount": [1_000.0, 500.0]})
    delays = pd.Series({"C1": 10.0, "C2": 0.0})
    payables = pd.DataFrame({"supplier_invoice_id": ["P1"], "supplier_id": ["S1"], "due_date": pd.to_datetime(["2026-03-10"]), "open_amount": [700.0]})
    pos = pd.DataFrame({"purchase_order_id": ["PO1"], "supplier_id": ["S1"], "material_id": ["M1"], "expected_date": pd.to_datetime(["2026-03-05"]),
                        "order_amount": [300.0], "payment_terms_days": [30]})
    return receivables, delays, payables, pos


def test_driver_schedule_hand_computed():
    receivables, delays, payables, pos = items()
    plan = plan_none()
    plan["plan"] = pd.DataFrame({"plan_id": ["PL1"], "week_start_date": pd.to_datetime(["2026-03-09"]), "planned_qty": [10.0],
                                 "list_price": [50.0], "std_labor_h_per_unit": [0.5], "labor_rate_per_h": [40.0], "product_id": ["FG1"]})
    plan["materials"] = pd.DataFrame({"product_id": ["FG1", "FG1"], "material_id": ["M1", "M2"], "qty_per_unit": [2.0, 1.0],
                                      "std_price": [3.0, 4.0], "payment_terms_days": [30, 15], "supplier_id": ["S1", "S2"]})
    overheads = pd.DataFrame({"period": ["2026-03"], "account_code": ["6602"], "budget_amount": [3_100.0]})
    e = compute_cash_events(AS, receivables, delays, payables, pos, empty(["sales_order_id"]), plan, overheads).set_index("reference")
    # I1 due 03-04 + C1's 10 days late = 03-14; I2 already overdue and C2 on time: expected now
    assert e.loc["I1", "date"] == pd.Timestamp("2026-03-14") and e.loc["I2", "date"] == AS
    assert e.loc["P1", "date"] == pd.Timestamp("2026-03-10")
    assert e.loc["PO1", "date"] == pd.Timestamp("2026-04-04")  # delivered 03-05 + 30 days' terms
    planned = e.loc["PL1"]
    sale = planned[planned.source == "planned_sales"].iloc[0]
    # made in the week of 03-09, invoiced 9 days after its start (03-18), paid after 30 days' terms + the average delay of 5
    assert sale.date == pd.Timestamp("2026-04-22") and sale.amount == 500.0
    assert planned[planned.source == "payroll"].iloc[0].amount == 10 * 0.5 * 40.0
    assert planned[planned.source == "payroll"].iloc[0].date == pd.Timestamp("2026-04-10")
    mats = planned[planned.source == "planned_materials"]
    # M1 is on order until 03-05 but production needs it on 03-07: bought again; M2: delivered 03-07, paid after 15 days
    assert sorted(mats.amount) == [40.0, 60.0]
    assert set(mats.date) == {pd.Timestamp("2026-04-06"), pd.Timestamp("2026-03-22")}
    oh = e.loc["2026-03 6602"]
    assert oh.date == pd.Timestamp("2026-03-31") and oh.amount == pytest.approx(3_100.0 * 29 / 31)  # the rest of March


def test_planned_materials_with_nothing_on_order():
    """No open purchase order at all (a database without purchases): every material the plan needs
    is bought (this crashed: pandas cannot map through an empty datetime Series)."""
    receivables, delays, payables, pos = items()
    plan = plan_none()
    plan["plan"] = pd.DataFrame({"plan_id": ["PL1"], "week_start_date": pd.to_datetime(["2026-03-09"]), "planned_qty": [10.0],
                                 "list_price": [50.0], "std_labor_h_per_unit": [np.nan], "labor_rate_per_h": [40.0], "product_id": ["FG1"]})
    plan["materials"] = pd.DataFrame({"product_id": ["FG1"], "material_id": ["M1"], "qty_per_unit": [2.0], "std_price": [3.0],
                                      "payment_terms_days": [30], "supplier_id": ["S1"]})
    e = compute_cash_events(AS, receivables, delays, payables, pos.iloc[0:0], empty(["sales_order_id"]), plan, empty(["period"]))
    mats = e[e.source == "planned_materials"]
    # 10 x 2 kg x 3.00 = 60.00, delivered 03-07 (2 days before the week), paid 30 days later
    assert mats.amount.tolist() == [60.0] and mats.date.tolist() == [pd.Timestamp("2026-04-06")]


def test_driver_schedule_average_delay_open_orders_and_cover_by_hand():
    receivables, delays, payables, pos = items()  # delays: C1 10 days, C2 0 -> 5 days on average
    receivables = pd.concat([receivables, pd.DataFrame({"invoice_id": ["I3"], "customer_id": ["C3"],
                                                        "due_date": pd.to_datetime(["2026-03-10"]), "open_amount": [200.0]})])
    sos = pd.DataFrame({"sales_order_id": ["S1"], "customer_id": ["C1"], "due_date": pd.to_datetime(["2026-03-20"]),
                        "order_amount": [1_000.0], "payment_terms_days": [30]})
    pos = pos.assign(expected_date=pd.to_datetime(["2026-03-20"]))  # M1 on order until 03-20
    plan = plan_none()
    plan["plan"] = pd.DataFrame({"plan_id": ["PL2"], "week_start_date": pd.to_datetime(["2026-03-16"]), "planned_qty": [4.0],
                                 "list_price": [25.0], "std_labor_h_per_unit": [np.nan], "labor_rate_per_h": [40.0], "product_id": ["FG2"]})
    plan["materials"] = pd.DataFrame({"product_id": ["FG2"], "material_id": ["M1"], "qty_per_unit": [1.0], "std_price": [2.0],
                                      "payment_terms_days": [30], "supplier_id": ["S1"]})
    e = compute_cash_events(AS, receivables, delays, payables, pos, sos, plan, empty(["period"]), CashScenario(sales_change_pct=0.1))
    e = e.set_index("reference")
    assert e.loc["I3", "date"] == pd.Timestamp("2026-03-15")  # a customer with no history pays the average 5 days late
    assert e.loc["I3", "amount"] == 200.0  # open invoices are what they are: the scenario's sales change does not touch them
    # S1: due 03-20, paid after 30 days' terms + C1's 10 days = 04-29, 10 % more sales
    assert e.loc["S1", "date"] == pd.Timestamp("2026-04-29") and e.loc["S1", "amount"] == pytest.approx(1_100.0)
    planned = e.loc[["PL2"]]
    # invoiced 03-25 (9 days after the week starts), paid 30 + 5 days later; no routing: no payroll;
    # M1 is needed on 03-14 and is on order until 03-20: nothing more to buy
    assert planned.source.tolist() == ["planned_sales"]
    assert planned.date.iloc[0] == pd.Timestamp("2026-04-29") and planned.amount.iloc[0] == pytest.approx(4 * 25.0 * 1.1)
    assert sorted(e.index) == ["I1", "I2", "I3", "P1", "PL2", "PO1", "S1"]
    assert sorted(e.source.unique()) == ["open_purchase_orders", "open_sales_orders", "payables", "planned_sales", "receivables"]


def test_weekly_bridge_and_funding_gap():
    receivables, delays, payables, pos = items()
    e = compute_cash_events(AS, receivables, delays, payables, pos, empty(["sales_order_id"]), plan_none(), empty(["period"]))
    f = compute_forecast(1_000.0, e, AS, "W", 6)
    # week of 03-02: in 500 (I2) -> 1,500; 03-09: in 1,000 (I1), out 700 (P1) -> 1,800; 03-16, 03-23: 1,800;
    # 03-30: out 300 (PO1, paid 04-04) -> 1,500; 04-06: 1,500
    assert f.closing_amount.tolist() == [1_500.0, 1_800.0, 1_800.0, 1_800.0, 1_500.0, 1_500.0]
    assert f.inflow_amount.tolist()[:2] == [500.0, 1_000.0] and f.outflow_amount.tolist()[:2] == [0.0, 700.0]
    assert (f.opening_amount.shift(-1).iloc[:-1] == f.closing_amount.iloc[:-1]).all()
    gaps = compute_funding_gaps(f, 1_550.0)
    assert gaps.period_start_date.dt.strftime("%m-%d").tolist() == ["03-02", "03-30", "04-06"]
    assert gaps.shortfall_amount.tolist() == [50.0, 50.0, 50.0]


def test_later_payments_never_raise_the_near_term_balance():
    receivables, delays, payables, pos = items()
    base = compute_forecast(0.0, compute_cash_events(AS, receivables, delays, payables, pos, empty(["sales_order_id"]), plan_none(), empty(["period"])), AS)
    for days in (5, 15, 45):
        later = compute_forecast(0.0, compute_cash_events(AS, receivables, delays, payables, pos, empty(["sales_order_id"]), plan_none(),
                                                          empty(["period"]), CashScenario(extra_delay_days=days)), AS)
        assert (later.closing_amount <= base.closing_amount + 1e-9).all()


def test_payment_delays_learn_recent_behavior():
    r = pd.DataFrame({"customer_id": ["C1", "C1", "C2"], "amount": [100.0, 300.0, 50.0],
                      "due_date": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-01-01"]),
                      "receipt_date": pd.to_datetime(["2026-01-11", "2026-01-31", "2025-01-01"])})
    d = compute_payment_delays(r, "2026-03-01", window_days=180)
    assert d["C1"] == pytest.approx((100 * 10 + 300 * 30) / 400)  # 25 days, amount-weighted
    assert d["C2"] == pytest.approx(25.0)  # no recent receipt: the average of recent ones


def test_working_capital_worked_example():
    # one month of 30 days (April): revenue 300, cost of sales 200; receivables end 200, inventory 100, payables 50
    m = pd.DataFrame([("2026-04", "revenue", 0.0, 300.0), ("2026-04", "cost_of_sales", 200.0, 0.0), ("2026-04", "receivables", 200.0, 0.0),
                      ("2026-04", "raw_materials", 100.0, 0.0), ("2026-04", "payables", 0.0, 50.0)],
                     columns=["period", "category", "debit_amount", "credit_amount"])
    w = compute_working_capital(m).iloc[0]
    assert w.dso_days == pytest.approx(200 / 300 * 30)  # 20 days
    assert w.dio_days == pytest.approx(100 / 200 * 30)  # 15 days
    assert w.dpo_days == pytest.approx(50 / 200 * 30)  # 7.5 days
    assert w.ccc_days == pytest.approx(20 + 15 - 7.5)


def test_aging_buckets():
    it = pd.DataFrame({"customer_id": ["C1", "C1", "C2"], "open_amount": [10.0, 20.0, 5.0],
                       "due_date": pd.to_datetime(["2026-03-10", "2026-01-01", "2026-02-20"])})
    a = compute_aging(it, "2026-03-02", "customer_id").set_index("customer_id")
    assert a.loc["C1", "not_due_amount"] == 10.0 and a.loc["C1", "d31_60_amount"] == 20.0  # 60 days past due
    assert a.loc["C2", "d1_30_amount"] == 5.0 and a.total_amount.sum() == 35.0


def test_backtest_on_a_known_series():
    rng = np.random.default_rng(1)
    n = 120
    y = np.zeros(n)
    for i in range(1, n):  # AR(1) around 100: the model should beat the naive forecast
        y[i] = 100 + 0.3 * (y[i - 1] - 100) + rng.normal(0, 10)
    weekly = pd.Series(y, index=pd.date_range("2024-01-01", periods=n, freq="7D"))
    bt = compute_backtest(weekly, origins=6)
    assert len(bt) == 6
    assert bt.mase_model.mean() < bt.mase_naive.mean()
    assert compute_mase([1, 2, 3], [1, 2, 3], [0, 1, 2, 3]) == 0.0
    with pytest.raises(ValueError, match="history"):
        CashBaseline().fit(pd.Series([1.0, 2.0]))


def test_sample_cash_on_every_database(sample_engine):
    s = stories_for(SampleConfig(as_of=AS_OF))
    r = cash_report(sample_engine, Scope(), backtest=False)
    w = r["weekly"]
    assert len(w) == 13 and w.opening_amount.iloc[0] == pytest.approx(r["opening"])
    assert np.allclose(w.opening_amount + w.inflow_amount - w.outflow_amount, w.closing_amount, atol=0.02)
    assert r["delays"].idxmax() == s.late_customer  # the planted late payer is the latest
    assert r["delays"][s.late_customer] > 30
    later = cash_report(sample_engine, Scope(), CashScenario(extra_delay_days=30), backtest=False)["weekly"]
    assert (later.closing_amount <= w.closing_amount + 0.01).all()
    drivers = r["dso_drivers"].set_index("customer_id")
    late = drivers.loc[s.late_customer]
    assert late.dso_days_after > 1.5 * late.dso_days_before  # the late payer's own DSO jumps
    assert drivers.receivables_change_amount.sum() == pytest.approx(
        (drivers.receivables_amount_after - drivers.receivables_amount_before).sum(), abs=0.05)
    assert len(r["working_capital"]) > 12 and r["working_capital"].period.max() < "2026-11"


# --- compute_cash_events against the per-row rules it replaced -------------------------------
# The frame-building version below is the rules as first written (one Timestamp per overhead row,
# a merge for the plan's materials, text through Python objects). The vectorised function must
# give the same frame: the same rows, in the same order (ties of a date kept as sort_values
# kept them), the same floats and the same column types.

def _reference_timedeltas(days):
    made = {d: pd.Timedelta(days=d) for d in pd.unique(days)}
    return days.map(made).astype("timedelta64[ns]")


def _reference_frame(events):
    return pd.DataFrame(events, columns=["date", "direction", "source", "amount", "reference", "counterparty"])


def _reference_dated(start, when, direction, source, amount, reference, counterparty):
    if len(when) == 0:
        return _reference_frame([])
    when = when.where(when > start, start).dt.normalize()
    return pd.DataFrame({"date": when.to_numpy(), "direction": direction, "source": source, "amount": amount.astype(float).to_numpy(),
                         "reference": reference.to_numpy(), "counterparty": None if counterparty is None else counterparty.to_numpy()},
                        columns=["date", "direction", "source", "amount", "reference", "counterparty"])


def _reference_cash_events(as_of, receivables, delays, payables, open_pos, open_sos, plan, overheads, scenario=CashScenario(),
                           horizon_days=366):
    start = pd.Timestamp(as_of).normalize()
    end = start + pd.Timedelta(days=horizon_days)
    avg_delay = float(delays.mean()) if len(delays) else 0.0
    grow = 1.0 + scenario.sales_change_pct
    shift = pd.Timedelta(weeks=scenario.plan_shift_weeks)
    extra = pd.Timedelta(days=scenario.extra_delay_days)
    parts = []
    if len(receivables):
        delay_of = {c: float(delays.get(c, avg_delay)) for c in pd.unique(receivables.customer_id)}
        offsets = _reference_timedeltas(receivables.customer_id.map(delay_of).astype(float))
        parts.append(_reference_dated(start, pd.to_datetime(receivables.due_date) + offsets + extra, "in", "receivables",
                                      receivables.open_amount, receivables.invoice_id, receivables.customer_id))
    so = open_sos
    if len(so):
        offsets = _reference_timedeltas(pd.Series([float(delays.get(c, avg_delay)) + d for c, d in zip(so.customer_id, so.payment_terms_days)],
                                                  index=so.index, dtype=float))
        parts.append(_reference_dated(start, pd.to_datetime(so.due_date) + offsets + extra, "in", "open_sales_orders", so.order_amount * grow,
                                      so.sales_order_id, so.customer_id))
    p = plan["plan"]
    if len(p):
        terms = pd.Timedelta(days=plan["avg_customer_terms"] + avg_delay)
        week = pd.to_datetime(p.week_start_date) + shift
        invoiced = week + pd.Timedelta(days=9)
        sales = _reference_dated(start, invoiced + terms + extra, "in", "planned_sales", p.planned_qty * p.list_price * grow, p.plan_id, None)
        std_h = pd.to_numeric(p.std_labor_h_per_unit).astype(float).fillna(0.0)
        labor = p.planned_qty * grow * std_h * p.labor_rate_per_h.astype(float)
        payday = (week.dt.to_period("M") + 1).dt.to_timestamp() + pd.Timedelta(days=9)
        payroll = _reference_dated(start, payday, "out", "payroll", labor, p.plan_id, None)
        parts.append(pd.concat([sales.set_axis(range(0, 2 * len(p), 2)), payroll.set_axis(range(1, 2 * len(p), 2))]).sort_index())
    if len(payables):
        parts.append(_reference_dated(start, pd.to_datetime(payables.due_date), "out", "payables", payables.open_amount,
                                      payables.supplier_invoice_id, payables.supplier_id))
    po = open_pos
    covered = pd.Series(dtype="datetime64[ns]")
    if len(po):
        expected = pd.to_datetime(po.expected_date)
        parts.append(_reference_dated(start, expected + pd.to_timedelta(po.payment_terms_days.astype(int), unit="D"), "out",
                                      "open_purchase_orders", po.order_amount, po.purchase_order_id, po.supplier_id))
        on_order = po.material_id.map(lambda m: isinstance(m, str)).astype(bool)
        if on_order.any():
            covered = expected[on_order].groupby(po.material_id[on_order]).max().clip(lower=start)
    need = p.merge(plan["materials"], on="product_id") if len(p) else p.iloc[0:0]
    if len(need):
        delivered = pd.to_datetime(need.week_start_date) + shift - pd.Timedelta(days=2)
        on_order_until = need.material_id.map(covered) if len(covered) else pd.Series(pd.NaT, index=need.index)
        cover = pd.to_datetime(on_order_until).fillna(start - pd.Timedelta(days=1))
        keep = ~(delivered <= cover)
        need, delivered = need[keep], delivered[keep]
        parts.append(_reference_dated(start, delivered + pd.to_timedelta(need.payment_terms_days.astype(int), unit="D"), "out",
                                      "planned_materials", need.planned_qty * grow * need.qty_per_unit * need.std_price, need.plan_id,
                                      need.supplier_id))
    events = []
    for r in overheads.itertuples():
        month = pd.Period(r.period, freq="M")
        paid = month.to_timestamp(how="end").normalize()
        if paid < start:
            continue
        share = 1.0 if month.start_time >= start else (paid - start).days / month.days_in_month
        events.append({"date": pd.Timestamp(paid).normalize(), "direction": "out", "source": "overheads",
                       "amount": float(r.budget_amount * share), "reference": f"{r.period} {r.account_code}", "counterparty": None})
    parts.append(_reference_frame(events))
    parts = [part for part in parts if len(part)]
    out = pd.concat(parts, ignore_index=True).infer_objects() if parts else _reference_frame([])
    out["date"] = out.date.astype("datetime64[ns]")
    return out[(out.date < end) & (out.amount.abs() > 0.005)].sort_values("date").reset_index(drop=True)


SCENARIOS = (CashScenario(), CashScenario(extra_delay_days=12, sales_change_pct=0.15, plan_shift_weeks=3),
             CashScenario(extra_delay_days=-3, sales_change_pct=-0.4, plan_shift_weeks=-1))


def assert_same_events(as_of, *inputs):
    """The events of every scenario, each the reference's frame exactly (the default one returned)."""
    for scenario in reversed(SCENARIOS):
        new = compute_cash_events(as_of, *inputs, scenario)
        pd.testing.assert_frame_equal(new, _reference_cash_events(as_of, *inputs, scenario), check_exact=True)
    return new


def edge_inputs():
    """Ties of a date across sources, fractional delays (a day count of 2.5 crosses midnight from
    noon), a customer with no history, a missing customer, a purchase order without material,
    products with several materials in plan rows out of product order, one product without a
    bill of materials, a plan row without routing, overheads of past, current and next months."""
    receivables = pd.DataFrame({"invoice_id": ["I1", "I2", "I3", "I4", "I5"], "customer_id": ["C1", "C2", "C3", None, "C1"],
                                "due_date": pd.to_datetime(["2026-03-04 12:00", "2026-02-20 00:00", "2026-03-10 00:00", "2026-03-06 00:00", "2026-03-04 00:00"]),
                                "open_amount": [1_000.0, 500.0, 0.004, 250.0, -80.0]}, index=[7, 3, 5, 1, 9])
    delays = pd.Series({"C1": 2.5, "C2": 0.0, "C9": 4.0})  # average 2.1666…: a fraction of a day
    payables = pd.DataFrame({"supplier_invoice_id": ["P1", "P2"], "supplier_id": ["S1", "S2"],
                             "due_date": pd.to_datetime(["2026-03-07", "2025-12-31"]), "open_amount": [700.0, 45.5]})
    pos = pd.DataFrame({"purchase_order_id": ["PO1", "PO2", "PO3"], "supplier_id": ["S1", "S2", "S1"], "material_id": ["M1", None, "M1"],
                        "expected_date": pd.to_datetime(["2026-03-05", "2026-03-08", "2026-03-12"]), "order_amount": [300.0, 20.0, 10.0],
                        "payment_terms_days": [30, 0, 5]})
    sos = pd.DataFrame({"sales_order_id": ["S1", "S2"], "customer_id": ["C1", "C7"], "due_date": pd.to_datetime(["2026-03-20", "2026-03-01"]),
                        "order_amount": [1_000.0, 333.33], "payment_terms_days": [30, 45]})
    plan = {"plan": pd.DataFrame({"plan_id": ["PL1", "PL2", "PL3", "PL4"], "product_id": ["FG2", "FG1", "FG2", "FG3"],
                                  "week_start_date": pd.to_datetime(["2026-03-09", "2026-03-02", "2027-02-22", "2026-03-16"]),
                                  "planned_qty": [10.0, 3.0, 7.0, 1.0], "list_price": [50.0, 0.1, 12.5, 99.0],
                                  "std_labor_h_per_unit": [0.5, np.nan, 1.25, 2.0], "labor_rate_per_h": [40.0, 40.0, 38.5, 41.0]}),
            "materials": pd.DataFrame({"product_id": ["FG1", "FG2", "FG1", "FG2"], "material_id": ["M1", "M2", "M3", "M1"],
                                       "qty_per_unit": [2.0, 1.0, 0.3, 4.0], "std_price": [3.0, 4.0, 1.1, 0.7],
                                       "payment_terms_days": [30, 15, 60, 0], "supplier_id": ["S1", "S2", "S3", "S1"]}),
            "avg_customer_terms": 30.0}
    overheads = pd.DataFrame({"period": ["2026-02", "2026-03", "2026-03", "2026-04", "2027-03"],
                              "account_code": ["6602", "6602", "510102", "6601", "6602"],
                              "budget_amount": [1_000.0, 3_100.0, 620.0, 1_500.0, 10.0]})
    return receivables, delays, payables, pos, sos, plan, overheads


def test_cash_events_same_frame_as_the_per_row_rules():
    receivables, delays, payables, pos, sos, plan, overheads = edge_inputs()
    e = assert_same_events(AS, receivables, delays, payables, pos, sos, plan, overheads)
    # ties of a date across sources, kept in the order the sort left them
    assert e.date.is_monotonic_increasing and (e.groupby("date").source.nunique() > 1).sum() >= 3
    e = compute_cash_events(AS, receivables, delays, payables, pos, sos, plan, overheads, SCENARIOS[2])
    # the last scenario by hand (3 days earlier, sales −40 %, plan a week earlier): I1 due 03-04
    # 12:00 + C1's 2.5 days − 3 = 03-04 00:00; the 0.004 invoice is dropped (≤ half a cent)
    assert e[e.reference == "I1"].date.tolist() == [pd.Timestamp("2026-03-04")] and "I3" not in set(e.reference)
    # PL2 (FG1, week 03-02 − 7 days = 02-23): invoiced 03-04, paid 30 + 2.1666 − 3 days later: 04-02 (floored), 3 × 0.1 × 0.6
    sale = e[(e.reference == "PL2") & (e.source == "planned_sales")].iloc[0]
    assert sale.date == pd.Timestamp("2026-04-02") and sale.amount == 3 * 0.1 * 0.6
    assert set(e.source) == {"receivables", "open_sales_orders", "planned_sales", "payroll", "payables", "open_purchase_orders",
                             "planned_materials", "overheads"}


@pytest.mark.parametrize("drop", ["plan_and_overheads_only", "no_purchase_orders", "no_materials", "nothing"])
def test_cash_events_same_frame_on_sparse_inputs(drop):
    receivables, delays, payables, pos, sos, plan, overheads = edge_inputs()
    none = empty(["x"])
    if drop == "plan_and_overheads_only":  # no counterparty anywhere: the column stays objects (None), as before
        e = assert_same_events(AS, none, delays, none, none, none, {**plan, "materials": plan["materials"].iloc[0:0]}, overheads)
        assert e.counterparty.dtype == object and e.counterparty.isna().all()
    elif drop == "no_purchase_orders":
        assert_same_events(AS, receivables, delays.iloc[0:0], payables, pos.iloc[0:0], sos, plan, overheads.iloc[0:0])
    elif drop == "no_materials":
        assert_same_events(AS, receivables, delays, payables, pos, sos, {**plan, "materials": plan["materials"].iloc[0:0]}, overheads)
    else:
        assert_same_events(AS, none, delays, none, none, none, plan_none(), empty(["period"]))


def test_sample_cash_events_same_frame_on_every_database(sample_engine):
    from reports.cash import cash_inputs, payment_delays

    i = cash_inputs(sample_engine)
    e = assert_same_events(i["as_of"], i["receivables"], payment_delays(sample_engine, (), i["as_of"]), i["payables"],
                           i["open_purchase_orders"], i["open_sales_orders"], i["plan"], i["overheads"])
    assert len(e) > 100 and e.source.nunique() >= 6


def assert_groups_as_pandas(events: pd.DataFrame, as_of, freq: str, periods: int) -> None:
    """``compute_forecast``'s groups are those ``groupby([...], sort=False).indices`` gave it
    before (the events in the window copied and grouped by bucket, direction and source: the
    slow reference); the rest of the function is unchanged, so the sums are the same."""
    from analytics.cash import _group_positions

    start = pd.Timestamp(as_of).normalize()
    first = start - pd.Timedelta(days=start.weekday()) if freq == "W" else start.to_period("M").to_timestamp()
    edges = [first + pd.Timedelta(weeks=i) if freq == "W" else (first.to_period("M") + i).to_timestamp() for i in range(periods + 1)]
    e = events[(events.date >= edges[0]) & (events.date < edges[-1])].copy()
    e["bucket"] = np.searchsorted(np.array(edges[1:], dtype="datetime64[ns]"), e.date.to_numpy(dtype="datetime64[ns]"), side="right")
    old = e.groupby(["bucket", "direction", "source"], sort=False).indices if len(e) else {}
    new = _group_positions(e.bucket.to_numpy(), e.direction, e.source)
    assert set(new) == set(old)
    for key, positions in old.items():
        assert np.array_equal(new[key], positions), key


def test_forecast_buckets_by_hand_and_grouped_as_pandas_grouped():
    # week of 03-02: in receivables 100.10 + 0.20 (two events, summed in their order), out payables 50.00;
    # week of 03-09: in receivables 0.30, out payroll 10.00; 03-30 falls in the fifth week, 05-01 after the sixth
    events = pd.DataFrame({"date": pd.to_datetime(["2026-03-02", "2026-03-04", "2026-03-03", "2026-03-10", "2026-03-12", "2026-03-30", "2026-05-01"]),
                           "direction": ["in", "in", "out", "in", "out", "in", "in"],
                           "source": ["receivables", "receivables", "payables", "receivables", "payroll", "planned_sales", "receivables"],
                           "amount": [100.10, 0.20, 50.00, 0.30, 10.00, 7.00, 99.00], "reference": list("abcdefg"), "counterparty": list("ABCDEFG")})
    f = compute_forecast(1_000.0, events, AS, "W", 6)
    assert f.in_receivables_amount.tolist()[:2] == [100.30, 0.30] and f.out_payables_amount.tolist()[0] == 50.00
    assert f.out_payroll_amount.tolist()[1] == 10.00 and f.in_planned_sales_amount.tolist()[4] == 7.00
    # closing: 1,000 + 100.30 − 50.00 = 1,050.30; + 0.30 − 10.00 = 1,040.60; … + 7.00 = 1,047.60; 05-01 is past the six weeks
    assert f.closing_amount.tolist() == [1_050.30, 1_040.60, 1_040.60, 1_040.60, 1_047.60, 1_047.60]
    for freq, n in (("W", 6), ("M", 3), ("W", 13)):
        assert_groups_as_pandas(events, AS, freq, n)
    assert_groups_as_pandas(events.iloc[0:0], AS, "W", 13)
    assert compute_forecast(5.0, events.iloc[0:0], AS).closing_amount.tolist() == [5.0] * 13


def test_sample_forecast_groups_as_pandas_on_every_database(sample_engine):
    from reports.cash import cash_inputs, payment_delays

    i = cash_inputs(sample_engine)
    delays = payment_delays(sample_engine, (), i["as_of"])
    for scenario in SCENARIOS:
        e = compute_cash_events(i["as_of"], i["receivables"], delays, i["payables"], i["open_purchase_orders"], i["open_sales_orders"],
                                i["plan"], i["overheads"], scenario)
        for freq, n in (("W", 13), ("M", 12)):
            assert_groups_as_pandas(e, i["as_of"], freq, n)


def test_the_background_warm_up_fits_the_pages_baseline(sample_url, sample_engine, monkeypatch):
    """``ui.data.preload_forecasting(url, plants)`` fits the baseline after the server's first
    page: the cash page then finds it cached (no second fit), and it is the report's, to the bit."""
    import streamlit.logger

    from reports import cash as reports_cash
    from ui import data

    streamlit.logger.set_log_level("error")  # bare mode warns on every session-state access
    data.check_version(sample_url)
    warm = data.preload_forecasting(sample_url, ())
    assert data.preload_forecasting(sample_url, ()) is warm  # once per data version and plants
    warm.join()

    def no_second_fit(*args, **kwargs):
        raise AssertionError("the page fitted the baseline again")

    monkeypatch.setattr(reports_cash, "cash_baseline", no_second_fit)
    shown = data.cash(sample_url, Scope(), CashScenario(), 0.0)
    monkeypatch.undo()
    r = cash_report(sample_engine, Scope(), backtest=False)
    assert shown["baseline_model"] == r["baseline_model"]
    assert shown["opening"] == r["opening"] == float(shown["position"].balance_amount.sum())
    pd.testing.assert_frame_equal(shown["baseline"], r["baseline"], check_exact=True)
    pd.testing.assert_frame_equal(shown["baseline_scores"], r["baseline_scores"], check_exact=True)



# --- the page's report without the events (h-cash3) ------------------------------------------
def assert_flows_as_events(as_of, opening, *inputs):
    """``text=False`` gives the events' rows without references: the same dates, directions,
    sources and amounts in the same order, and the same weekly and monthly forecasts to the bit."""
    for scenario in SCENARIOS:
        full = compute_cash_events(as_of, *inputs, scenario)
        flows = compute_cash_events(as_of, *inputs, scenario, text=False)
        assert list(flows.columns) == ["date", "direction", "source", "amount"]
        pd.testing.assert_frame_equal(flows.astype({"direction": object, "source": object}),
                                      full[list(flows.columns)].astype({"direction": object, "source": object}), check_exact=True)
        for freq, n in (("W", 13), ("M", 12), ("W", 6)):
            pd.testing.assert_frame_equal(compute_forecast(opening, flows, as_of, freq, n), compute_forecast(opening, full, as_of, freq, n),
                                          check_exact=True)


def test_flows_without_text_give_the_same_forecasts():
    assert_flows_as_events(AS, 1_000.0, *edge_inputs())
    r, d, p, pos, sos, plan, oh = edge_inputs()
    assert_flows_as_events(AS, 0.0, r.iloc[0:0], d, p.iloc[0:0], pos.iloc[0:0], sos.iloc[0:0], plan_none(), oh.iloc[0:0])  # no events


def test_sample_flows_and_the_report_without_events_on_every_database(sample_engine):
    from reports import cash as reports_cash

    i = reports_cash.cash_inputs(sample_engine)
    delays = reports_cash.payment_delays(sample_engine, (), i["as_of"])
    assert_flows_as_events(i["as_of"], i["opening"], i["receivables"], delays, i["payables"], i["open_purchase_orders"],
                           i["open_sales_orders"], i["plan"], i["overheads"])
    parts = (i, delays, {"baseline": None, "model": None, "scores": None}, reports_cash.cash_working_capital_months(sample_engine),
             reports_cash.cash_customer_dso(sample_engine))
    for scenario in SCENARIOS:
        full = reports_cash.compose_cash_report(*parts, scenario, 1e6)
        lean = reports_cash.compose_cash_report(*parts, scenario, 1e6, events=False)
        assert lean["events"] is None and set(lean) == set(full)
        for key in ("weekly", "monthly", "gaps_weekly", "gaps_monthly"):
            pd.testing.assert_frame_equal(lean[key], full[key], check_exact=True)
        # a week's events are the report's rows of that week
        for week in full["weekly"].period_start_date.iloc[[0, 1, 12]]:
            events = full["events"]
            pd.testing.assert_frame_equal(reports_cash.week_events(i, delays, scenario, week),
                                          events[(events.date >= week) & (events.date < week + pd.Timedelta(days=7))], check_exact=True)
