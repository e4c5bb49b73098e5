"""Early warnings (docs/WARNINGS.md): every rule on hand-computed fixtures, a clean ledger that
raises none, the plant limit, and the same answer on every database.

The database fixture (one plant month, 2026-03, two plants):

* WO-A (P1) completed and posted to the cent at standard: 10 units x (11 + 12.5 + 18) = 415.00
  = material 20 x 5.50 + labor 2.5 h x 50 + overhead 1.5 machine h x 120: the clean part;
* WO-B (P1) completed, only its material (10 x 5.50 = 55.00) posted: no labor (1 h x 50 =
  50.00), no overhead (0.5 h x 120 = 60.00), no completion -> unposted, at stake 165 − 55 = 110;
* WO-C (P1) planned to start 2026-03-02, its M1 first issued 2026-03-07 (4 x 5.50 = 22.00):
  issued 5 days late (> 2 days);
* WO-D (P2) planned, to start 2026-03-20, nothing issued, the plant's only open purchase order
  of M1 expected 2026-03-25 (100 x 5.50 = 550.00): expected 5 days late;
* V-UNB (P1) Dr 100 / Cr 90 and V-UNB2 (P2) Dr 30 / Cr 20: unbalanced by 10 each;
* MJ-1 (P1): a manual journal Dr WIP 50 / Cr payables 50 with no source document.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cli
from analytics import anomaly as AN
from analytics import budget as AB
from analytics import cash as AC
from analytics import warnings as A
from analytics.warnings import WarningSettings
from data_loaders import engine as eng
from data_loaders.scope import Scope
from reports.warnings import month_warnings
from tests.conftest import loaded_engine, namespace_url

D = dt.date(2026, 3, 2)
T = dt.datetime(2026, 3, 2)
SCOPE = Scope("2026-03", "2026-03")
RULES_ONLY = WarningSettings(anomaly=False)


def ts(h, m=0, day=2):
    return dt.datetime(2026, 3, day, h, m)


def _lines(vno, plant, *rows):
    # rows: (account, debit, credit, work_order, source_type, source_id)
    return [dict(voucher_no=vno, line_no=i, period="2026-03", account_code=a, plant_id=plant, work_order_id=w,
                 debit_amount=d, credit_amount=c, source_doc_type=st, source_doc_id=sid, cost_center_id="CC1" if plant == "P1" else "CC2",
                 product_id="FG1" if w else None)
            for i, (a, d, c, w, st, sid) in enumerate(rows, start=1)]


def clean_frames() -> dict[str, pd.DataFrame]:
    """WO-A only: everything ties, balances and arrives on time."""
    f = {
        "plants": pd.DataFrame({"plant_id": ["P1", "P2"], "plant_name": ["一厂", "二厂"], "currency": ["CNY", "CNY"]}),
        "accounts": pd.DataFrame(
            [("1002", "银行存款", "asset", "cash", None), ("1403", "原材料", "asset", "raw_materials", None),
             ("1405", "库存商品", "asset", "finished_goods", None), ("2202", "应付账款", "liability", "payables", None),
             ("2211", "应付职工薪酬", "liability", "payroll", None), ("5001", "生产成本", "asset", "wip", None),
             ("500101", "直接材料", "asset", "wip", "5001"), ("500102", "直接人工", "asset", "wip", "5001"),
             ("500103", "制造费用", "asset", "wip", "5001"), ("5109", "制造费用-已分配", "expense", "overhead_applied", None),
             ("6402", "生产成本差异", "expense", "variance", None), ("6602", "管理费用", "expense", "expense", None)],
            columns=["account_code", "account_name", "account_type", "category", "parent_code"]),
        "cost_centers": pd.DataFrame({"cost_center_id": ["CC1", "CC2"], "cost_center_name": ["机加线", "注塑线"], "plant_id": ["P1", "P2"]}),
        "products": pd.DataFrame({"product_id": ["FG1"], "product_name": ["球阀"], "family": ["阀门"], "unit": ["pcs"],
                                  "std_material_cost": [11.0], "std_labor_cost": [12.5], "std_overhead_cost": [18.0], "list_price": [60.0]}),
        "suppliers": pd.DataFrame({"supplier_id": ["S1"], "supplier_name": ["钢厂"], "payment_terms_days": [30]}),
        "materials": pd.DataFrame({"material_id": ["M1"], "material_name": ["圆钢"], "unit": ["kg"], "std_price": [5.5],
                                   "supplier_id": ["S1"], "lead_time_days": [7]}),
        "bom": pd.DataFrame({"product_id": ["FG1"], "material_id": ["M1"], "qty_per_unit": [2.0]}),
        "work_centers": pd.DataFrame({"work_center_id": ["WC1", "WC2"], "work_center_name": ["车床", "注塑机"], "plant_id": ["P1", "P2"],
                                      "cost_center_id": ["CC1", "CC2"], "machine_rate_per_h": [100.0, 100.0], "labor_rate_per_h": [50.0, 50.0],
                                      "overhead_rate_per_h": [20.0, 20.0], "is_bottleneck": [0, 0]}),
        "routings": pd.DataFrame({"product_id": ["FG1", "FG1"], "work_center_id": ["WC1", "WC2"], "ideal_cycle_min": [6.0, 6.0],
                                  "std_labor_h_per_unit": [0.25, 0.25]}),
        "work_orders": pd.DataFrame({
            "work_order_id": ["WO-A"], "plant_id": ["P1"], "product_id": ["FG1"], "work_center_id": ["WC1"],
            "planned_qty": [10.0], "completed_qty": [10.0], "scrap_qty": [0.0], "planned_start_date": [D], "planned_end_date": [D],
            "actual_start_at": [ts(7, 30)], "actual_end_at": [ts(9)], "status": ["completed"]}),
        "material_issues": pd.DataFrame({"material_issue_id": ["MI-1"], "work_order_id": ["WO-A"], "material_id": ["M1"], "issue_date": [D],
                                          "issue_type": ["issue"], "qty": [20.0], "unit_cost": [5.5]}),
        "labor_logs": pd.DataFrame({"labor_log_id": ["LB-1"], "work_order_id": ["WO-A"], "work_center_id": ["WC1"], "work_date": [D],
                                    "hours": [2.5], "rate_per_h": [50.0]}),
        "machine_events": pd.DataFrame({"event_id": ["E1", "E2"], "work_center_id": ["WC1", "WC1"], "work_order_id": ["WO-A", "WO-A"],
                                        "start_at": [ts(7, 30), ts(8)], "end_at": [ts(8), ts(9)], "state": ["setup", "running"]}),
        "output_counts": pd.DataFrame({"output_id": ["O1"], "work_order_id": ["WO-A"], "work_center_id": ["WC1"], "count_date": [D],
                                       "good_qty": [10.0], "scrap_qty": [0.0], "rework_qty": [0.0]}),
        # 10,000 in the bank per plant: the open purchase order below leaves no funding gap
        "bank_accounts": pd.DataFrame({"bank_account_id": ["B1", "B2"], "bank_name": ["工行", "建行"], "plant_id": ["P1", "P2"],
                                       "currency": ["CNY", "CNY"]}),
        "cash_balances": pd.DataFrame({"bank_account_id": ["B1", "B2"], "balance_date": [dt.date(2026, 3, 31)] * 2,
                                       "balance_amount": [10_000.0, 10_000.0]}),
        "dataset_info": pd.DataFrame({"info_key": ["as_of_date", "currency"], "info_value": ["2026-04-01", "CNY"]}),
    }
    lines = (
        _lines("V-MI1", "P1", ("500101", 110.00, 0, "WO-A", "material_issue", "MI-1"), ("1403", 0, 110.00, "WO-A", "material_issue", "MI-1"))
        + _lines("V-LB1", "P1", ("500102", 125.00, 0, "WO-A", "labor_log", "LB-1"), ("2211", 0, 125.00, "WO-A", "labor_log", "LB-1"))
        # overhead: setup 30 min + running 60 min = 1.5 h x (100 + 20)/h = 180.00
        + _lines("V-OHA", "P1", ("500103", 180.00, 0, "WO-A", "work_order", "WO-A"), ("5109", 0, 180.00, "WO-A", "work_order", "WO-A"))
        # completion at standard 10 x 41.50 = 415.00 = the WIP charged: no variance
        + _lines("V-FGA", "P1", ("1405", 415.00, 0, "WO-A", "completion", "WO-A"), ("500101", 0, 110.00, "WO-A", "completion", "WO-A"),
                 ("500102", 0, 125.00, "WO-A", "completion", "WO-A"), ("500103", 0, 180.00, "WO-A", "completion", "WO-A"))
    )
    f["voucher_lines"] = pd.DataFrame(lines)
    f["vouchers"] = _vouchers(f["voucher_lines"])
    return f


def _vouchers(lines: pd.DataFrame) -> pd.DataFrame:
    first = lines.drop_duplicates("voucher_no")
    return pd.DataFrame({"voucher_no": first.voucher_no, "voucher_date": D, "period": "2026-03",
                         "voucher_type": first.voucher_no.str.split("-").str[0].str[:2], "status": "posted",
                         "plant_id": first.plant_id, "description": "desc " + first.voucher_no})


def problem_frames() -> dict[str, pd.DataFrame]:
    f = clean_frames()
    d7, d20 = dt.date(2026, 3, 7), dt.date(2026, 3, 20)
    f["work_orders"] = pd.concat([f["work_orders"], pd.DataFrame({
        "work_order_id": ["WO-B", "WO-C", "WO-D"], "plant_id": ["P1", "P1", "P2"], "product_id": ["FG1"] * 3,
        "work_center_id": ["WC1", "WC1", "WC2"], "planned_qty": [5.0, 2.0, 50.0], "completed_qty": [5.0, 0.0, 0.0],
        "scrap_qty": [0.0, 0.0, 0.0], "planned_start_date": [D, D, d20], "planned_end_date": [D, d7, d20],
        "actual_start_at": [ts(13), ts(8, day=7), None], "actual_end_at": [ts(13, 30), None, None],
        "status": ["completed", "in_progress", "planned"]})], ignore_index=True)
    f["material_issues"] = pd.concat([f["material_issues"], pd.DataFrame({
        "material_issue_id": ["MI-2", "MI-3"], "work_order_id": ["WO-B", "WO-C"], "material_id": ["M1", "M1"], "issue_date": [D, d7],
        "issue_type": ["issue", "issue"], "qty": [10.0, 4.0], "unit_cost": [5.5, 5.5]})], ignore_index=True)
    f["labor_logs"] = pd.concat([f["labor_logs"], pd.DataFrame({
        "labor_log_id": ["LB-2"], "work_order_id": ["WO-B"], "work_center_id": ["WC1"], "work_date": [D], "hours": [1.0],
        "rate_per_h": [50.0]})], ignore_index=True)
    f["machine_events"] = pd.concat([f["machine_events"], pd.DataFrame({
        "event_id": ["E3"], "work_center_id": ["WC1"], "work_order_id": ["WO-B"], "start_at": [ts(13)], "end_at": [ts(13, 30)],
        "state": ["running"]})], ignore_index=True)
    f["output_counts"] = pd.concat([f["output_counts"], pd.DataFrame({
        "output_id": ["O2"], "work_order_id": ["WO-B"], "work_center_id": ["WC1"], "count_date": [D], "good_qty": [5.0],
        "scrap_qty": [0.0], "rework_qty": [0.0]})], ignore_index=True)
    f["purchase_orders"] = pd.DataFrame({
        "purchase_order_id": ["PO-1"], "supplier_id": ["S1"], "material_id": ["M1"], "plant_id": ["P2"], "cost_center_id": [None],
        "account_code": ["1403"], "order_date": [D], "expected_date": [dt.date(2026, 3, 25)], "qty": [100.0], "unit_price": [5.5],
        "status": ["open"]})
    lines = (
        _lines("V-MI2", "P1", ("500101", 55.00, 0, "WO-B", "material_issue", "MI-2"), ("1403", 0, 55.00, "WO-B", "material_issue", "MI-2"))
        + _lines("V-MI3", "P1", ("500101", 22.00, 0, "WO-C", "material_issue", "MI-3"), ("1403", 0, 22.00, "WO-C", "material_issue", "MI-3"))
        + _lines("V-UNB", "P1", ("6602", 100.00, 0, None, None, None), ("1002", 0, 90.00, None, None, None))
        + _lines("V-UNB2", "P2", ("6602", 30.00, 0, None, None, None), ("1002", 0, 20.00, None, None, None))
        + _lines("MJ-1", "P1", ("500101", 50.00, 0, None, None, None), ("2202", 0, 50.00, None, None, None))
    )
    f["voucher_lines"] = pd.concat([f["voucher_lines"], pd.DataFrame(lines)], ignore_index=True)
    f["vouchers"] = _vouchers(f["voucher_lines"])
    return f


def _engine(backend, tmp_path_factory, name, frames):
    url = namespace_url(backend, name, tmp_path_factory.mktemp(f"{name}_{backend}"))
    engine = eng.make_engine(url)
    eng.create_schema(engine)
    engine.dispose()
    return loaded_engine(url, frames)


@pytest.fixture(scope="module")
def clean(backend, tmp_path_factory):
    yield from _engine(backend, tmp_path_factory, "wn_clean", clean_frames())


@pytest.fixture(scope="module")
def problems(backend, tmp_path_factory):
    yield from _engine(backend, tmp_path_factory, "wn_problems", problem_frames())


def _kinds(result: dict) -> dict:
    return {g["kind"]: g for g in result["groups"]}


# --------------------------------------------------------------------------- the database rules
def test_a_clean_ledger_raises_none(clean):
    result = month_warnings(clean, SCOPE)  # with the anomaly models: too few rows to fit, nothing flagged
    assert result["groups"] == [] and result["total"] == 0 and result["skipped"] == []


def test_each_problem_raises_its_warning_with_the_hand_computed_amount(problems):
    result = month_warnings(problems, SCOPE, RULES_ONLY)
    kinds = _kinds(result)
    assert list(kinds) == ["unposted_work_orders", "unbalanced_vouchers", "late_materials", "unsourced_cost_lines"]
    assert result["total"] == 1 + 2 + 2 + 1
    # WO-B: operations 55 + 50 + 0.5 h x 120 = 165.00 against ledger WIP 55.00
    (wo_b,) = kinds["unposted_work_orders"]["items"]
    assert wo_b["subject"] == {"work_order_id": "WO-B"} and wo_b["severity"] == "critical" and wo_b["amount"] == 110.00
    assert wo_b["link"] == {"page": "vouchers", "params": {"work_order": "WO-B"}}
    # V-UNB 100 − 90 and V-UNB2 30 − 20
    unbalanced = kinds["unbalanced_vouchers"]
    assert unbalanced["severity"] == "critical" and unbalanced["count"] == 2 and unbalanced["amount"] == 20.00
    assert [i["subject"]["voucher_no"] for i in unbalanced["items"]] == ["V-UNB", "V-UNB2"]
    assert unbalanced["items"][0]["link"] == {"page": "vouchers", "params": {"voucher": "V-UNB"}}
    # late materials: WO-D's open order 100 x 5.50 = 550.00 five days after its start; WO-C's 4 x 5.50 = 22.00 issued five days late
    late = kinds["late_materials"]
    assert late["amount"] == 550.00 + 22.00
    assert [(i["subject"]["work_order_id"], i["rule"], i["amount"], i["params"]["late_days"]) for i in late["items"]] == [
        ("WO-D", "materials.expected_late", 550.00, 5.0), ("WO-C", "materials.issued_late", 22.00, 5.0)]
    (mj,) = kinds["unsourced_cost_lines"]["items"]
    assert mj["subject"] == {"voucher_no": "MJ-1"} and mj["amount"] == 50.00 and mj["severity"] == "warning"
    json.dumps(result)  # JSON-ready as it is


def test_a_plant_limit_sees_only_its_plant(problems):
    p1 = _kinds(month_warnings(problems, Scope("2026-03", "2026-03", ("P1",)), RULES_ONLY))
    p2 = _kinds(month_warnings(problems, Scope("2026-03", "2026-03", ("P2",)), RULES_ONLY))
    assert [i["subject"]["voucher_no"] for i in p1["unbalanced_vouchers"]["items"]] == ["V-UNB"]
    assert [i["subject"]["voucher_no"] for i in p2["unbalanced_vouchers"]["items"]] == ["V-UNB2"]
    assert [i["subject"]["work_order_id"] for i in p1["late_materials"]["items"]] == ["WO-C"]
    assert [i["subject"]["work_order_id"] for i in p2["late_materials"]["items"]] == ["WO-D"]
    assert "unposted_work_orders" in p1 and "unposted_work_orders" not in p2
    assert "unsourced_cost_lines" in p1 and "unsourced_cost_lines" not in p2


def test_parts_a_cache_gives_are_used_instead_of_computing_them(problems):
    from reports.cash import cash_inputs, payment_delays
    from reports.cockpit import cash_forecast, profit_parts

    calls = []
    inputs = cash_inputs(problems)
    given = {"budget": lambda: calls.append("budget"),  # None: no budget, as the fixture has none
             "profit_parts": lambda: calls.append("profit_parts") or profit_parts(problems, SCOPE),
             "cash_inputs": lambda: calls.append("cash_inputs") or inputs,
             "cash_forecast": lambda: calls.append("cash_forecast") or cash_forecast(inputs, payment_delays(problems, (), inputs["as_of"]))}
    result = month_warnings(problems, SCOPE, RULES_ONLY, parts=given)
    assert sorted(calls) == ["budget", "cash_forecast", "cash_inputs", "profit_parts"]
    assert result == month_warnings(problems, SCOPE, RULES_ONLY)


def test_the_cli_prints_the_same_json(problems, capsys):
    url = problems.url.render_as_string(hide_password=False)
    assert cli.main(["--db", url, "warnings", "--from", "2026-03", "--to", "2026-03", "--plant", "P2", "--no-anomaly"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(month_warnings(problems, Scope("2026-03", "2026-03", ("P2",)), RULES_ONLY)))
    # without months: the last closed month, the one before the as-of date 2026-04-01
    assert cli.main(["--db", url, "warnings", "--no-anomaly"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(month_warnings(problems, SCOPE, RULES_ONLY)))


# --------------------------------------------------------------------------- the rules on hand-built frames
def test_budget_overrun_pace_and_near_limit():
    facts = pd.DataFrame({
        "period": ["2026-01", "2026-02"] * 3, "cost_center_id": ["CC1"] * 6, "account_code": ["A1", "A1", "A2", "A2", "A3", "A3"],
        "line_type": ["cost"] * 6,
        "budget_amount": [500.0, 500.0, 400.0, 800.0, 500.0, 500.0],
        "actual_amount": [450.0, 450.0, 600.0, 0.0, 475.0, 475.0],
        "committed_amount": [200.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    })
    controls = AB.compute_controls(AB.compute_execution(facts, ["cost_center_id", "account_code"], to_date="2026-01"), 0.9, 1.0, 1.1)
    items = {i["subject"]["account_code"]: i for i in A.compute_budget_warnings(controls, WarningSettings())}
    # A1: (900 + 200) / 1,000 = 110 % >= 100 %: over by 100.00
    assert (items["A1"]["kind"], items["A1"]["severity"], items["A1"]["amount"]) == ("budget_overrun", "critical", 100.00)
    # A2: 600 / 1,200 = 50 % of the year, but 600 / 400 = 150 % of the budget to date: 200.00 ahead of pace
    assert (items["A2"]["kind"], items["A2"]["severity"], items["A2"]["amount"]) == ("budget_pace", "warning", 200.00)
    # A3: 950 / 1,000 = 95 %: 50.00 left
    assert (items["A3"]["kind"], items["A3"]["severity"], items["A3"]["amount"]) == ("budget_near_limit", "info", 50.00)
    assert items["A1"]["link"] == {"page": "budget", "params": {"cost_center": "CC1", "account": "A1"}}


def test_cost_variance_rate_above_target():
    by_product = pd.DataFrame({"product_id": ["P1", "P2", "P3", "P4"], "product_name": ["a", "b", "c", "d"],
                               "variance_amount": [30.0, 150.0, -50.0, 20.0], "variance_rate_pct": [0.03, 0.15, -0.05, 0.02]})
    items = A.compute_variance_warnings(by_product, WarningSettings())
    # 3 % > 2 %: warning; 15 % > 10 %: critical; favorable and exactly 2 % are not warnings
    assert [(i["subject"]["product_id"], i["severity"], i["amount"]) for i in items] == [("P1", "warning", 30.0), ("P2", "critical", 150.0)]


def test_oee_drop_against_the_trailing_average():
    months = ["2026-03", "2026-04", "2026-05", "2026-06"]
    frame = pd.DataFrame({
        "work_center_id": ["WC1"] * 4 + ["WC2"] * 4 + ["WC3"] * 2, "month": months * 2 + months[2:],
        "oee_pct": [0.80, 0.82, 0.84, 0.70, 0.80, 0.80, 0.80, 0.76, 0.9, 0.5],
        "loss_cost_amount": [100.0, 110.0, 120.0, 300.0, 0.0, 0.0, 0.0, 50.0, 0.0, 999.0],
    })
    (wc1,) = A.compute_oee_warnings(frame, "2026-06", WarningSettings(), {"WC1": "P1"})
    # WC1: trailing (0.80 + 0.82 + 0.84) / 3 = 0.82, now 0.70: −12 pp >= 10 pp, critical; loss 300 − 110 = 190.00
    # WC2: −4 pp < 5 pp; WC3 lacks two of the three trailing months
    assert wc1["subject"] == {"work_center_id": "WC1", "period": "2026-06"} and wc1["severity"] == "critical"
    assert wc1["amount"] == 190.00 and wc1["params"]["change_pp"] == pytest.approx(-0.12)
    assert wc1["link"] == {"page": "oee", "params": {"work_center": "WC1", "month": "2026-06"}}
    warn = A.compute_oee_warnings(frame, "2026-06", WarningSettings(oee_drop_pp=0.04, oee_critical_pp=0.2))
    assert [(i["subject"]["work_center_id"], i["severity"]) for i in warn] == [("WC1", "warning"), ("WC2", "warning")]


def test_funding_gap_and_late_payers():
    forecast = pd.DataFrame({"period_start_date": pd.to_datetime(["2026-11-23", "2026-11-30", "2026-12-07"]),
                             "closing_amount": [500.0, -200.0, 100.0]})
    gaps = A.compute_funding_gap_warnings(AC.compute_funding_gaps(forecast, 150.0), WarningSettings(min_cash=150.0))
    # below 150: −200 (short 350) and 100 (short 50)
    assert [(i["subject"]["week"], i["amount"], i["severity"]) for i in gaps] == [("2026-11-30", 350.0, "critical"), ("2026-12-07", 50.0, "critical")]
    delays = pd.Series({"C1": 35.0, "C2": 10.0})
    receivables = pd.DataFrame({"customer_id": ["C1", "C1", "C2"], "due_date": pd.to_datetime(["2026-10-01", "2026-12-31", "2026-10-01"]),
                                "open_amount": [300.0, 200.0, 80.0]})
    (c1,) = A.compute_late_payer_warnings(delays, receivables, "2026-11-22", WarningSettings(), {"C1": "客户一"})
    # C1 pays 35 > 30 days late; of its open 500, 300 is past due; C2 (10 days) is not a warning
    assert c1["subject"] == {"customer_id": "C1"} and c1["amount"] == 300.0 and c1["params"]["customer"] == "客户一"


def test_dso_and_inventory_days_rising():
    wc = pd.DataFrame({"period": ["2026-03", "2026-04", "2026-05", "2026-06"], "days": [31.0, 30.0, 31.0, 30.0],
                       "dso_days": [40.0, 42.0, 44.0, 60.0], "dio_days": [30.0, 30.0, 30.0, 38.0],
                       "sales_amount": [0.0, 0.0, 0.0, 3000.0], "cost_of_sales_amount": [0.0, 0.0, 0.0, 1500.0]})
    (dso,) = A.compute_days_warnings(wc, "2026-06", WarningSettings())
    # DSO 60 against (40 + 42 + 44) / 3 = 42: +18 days >= 10 x 3,000 / 30 a day = 1,800.00; DIO +8 < 10
    assert dso["kind"] == "dso_rising" and dso["amount"] == 1800.00 and dso["params"]["rise_days"] == 18.0
    _, dio = A.compute_days_warnings(wc, "2026-06", WarningSettings(dio_rise_days=8.0))
    assert dio["kind"] == "inventory_days_rising" and dio["amount"] == 8 * 1500.0 / 30  # 400.00


def test_fund_occupation_above_the_norm():
    months = [f"2026-0{m}" for m in range(1, 8)]
    ledger = pd.DataFrame({
        "plant_id": ["P1"] * 14, "period": months * 2, "category": ["wip"] * 7 + ["raw_materials"] * 7,
        # WIP: 100 brought in January, then nothing until +100 in July; stock 50, then +10 in July
        "debit_amount": [100.0, 0, 0, 0, 0, 0, 100.0, 50.0, 0, 0, 0, 0, 0, 10.0], "credit_amount": [0.0] * 14})
    balances = A.compute_balances(ledger)
    assert balances.wip_amount.tolist() == [100.0] * 6 + [200.0] and balances.stock_amount.tolist() == [50.0] * 6 + [60.0]
    (wip,) = A.compute_occupation_warnings(balances, "2026-07", WarningSettings())
    # WIP 200 against the median 100 of January–June: +100 % > 25 %, at stake 100.00; stock 60 <= 50 x 1.25
    assert wip["subject"] == {"plant_id": "P1", "what": "wip", "period": "2026-07"} and wip["amount"] == 100.0
    assert wip["params"]["excess_pct"] == 1.0


def test_groups_are_most_serious_first():
    # a group is as serious as its most serious item; among equals, the larger amount at stake first
    def it(kind, severity, amount):
        return A.item(kind, severity, amount, "r", {"k": kind + str(amount)}, {}, "vouchers", {})
    b, d, a, c = "late_materials", "funding_gap", "oee_drop", "anomaly_voucher"
    out = A.compute_groups([it(b, "warning", 500.0), it(a, "critical", 1.0), it(b, "critical", 2.0), it(c, "info", None),
                            it(d, "critical", 10.0)])
    assert [(g["kind"], g["severity"], g["count"], g["amount"]) for g in out["groups"]] == [
        (b, "critical", 2, 502.0), (d, "critical", 1, 10.0), (a, "critical", 1, 1.0), (c, "info", 1, None)]
    assert [i["severity"] for i in out["groups"][0]["items"]] == ["critical", "warning"] and out["total"] == 5


def test_settings_refuse_nonsense():
    with pytest.raises(ValueError, match="budget_warn"):
        WarningSettings(budget_warn=1.2, budget_alert=1.0)
    with pytest.raises(ValueError, match="oee_trailing_months"):
        WarningSettings(oee_trailing_months=0)


# --------------------------------------------------------------------------- the anomaly models
def test_robust_z_by_hand():
    z, median = AN.robust_z(pd.Series([10.0, 11.0, 9.0, 10.0, 30.0]))
    # median 10; |deviations| 0, 1, 1, 0, 20: MAD 1, scale 1.4826; 20 / 1.4826 = 13.49
    assert median.tolist() == [10.0] * 5
    assert z.round(4).tolist() == [0.0, round(1 / 1.4826, 4), round(-1 / 1.4826, 4), 0.0, round(20 / 1.4826, 4)]
    # more than half equal: MAD 0, the mean absolute deviation (0 + 0 + 0 + 5) / 4 x 1.2533 is the scale
    z, _ = AN.robust_z(pd.Series([1.0, 1.0, 1.0, 6.0]))
    assert z.round(4).tolist() == [0.0, 0.0, 0.0, round(5 / (1.25 * 1.2533), 4)]


def _synthetic(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    f = pd.DataFrame({"key": [f"K{i:04d}" for i in range(n)]})
    for name in ("a", "b"):
        f[f"{name}_value"] = rng.normal(100, 5, n)
    f.loc[123, "a_value"] = 180.0  # 16 standard deviations: the one to find
    for name in ("a", "b"):
        f[f"{name}_z"], f[f"{name}_usual"] = AN.robust_z(f[f"{name}_value"])
    return f


def test_anomalies_are_reproducible_and_explained():
    f = _synthetic()
    first = AN.compute_anomalies(f, ("a", "b"), "key", seed=0, min_rows=100)
    again = AN.compute_anomalies(f, ("a", "b"), "key", seed=0, min_rows=100)
    assert first.to_dict("records") == again.to_dict("records")
    assert first.key.tolist() == ["K0123"]
    (reason,) = first.reasons.iloc[0]
    assert reason["feature"] == "a" and reason["value"] == 180.0 and reason["z"] > 10
    assert AN.compute_anomalies(f, ("a", "b"), "key", min_rows=1000).empty  # too few rows to fit: nothing


def test_every_setting_and_kind_is_documented_and_labelled():
    from ui.i18n import LABELS

    text = (Path(__file__).resolve().parents[1] / "docs" / "WARNINGS.md").read_text(encoding="utf-8")
    for field in dataclasses.fields(WarningSettings):
        assert f"`{field.name}`" in text, field.name
    for kind in A.KINDS:
        assert f"`{kind}`" in text, kind
        zh, en = LABELS[f"wn_kind_{kind}"]
        assert zh != en and LABELS[f"wn_item_{kind}"][0] != LABELS[f"wn_item_{kind}"][1]


def test_a_partial_database_skips_the_rules_it_cannot_run(tmp_path):
    import sqlalchemy as sa

    url = namespace_url("duckdb", "wn_partial", tmp_path)
    engine = eng.make_engine(url)
    eng.create_schema(engine)
    engine.dispose()
    for _ in loaded_engine(url, problem_frames()):
        pass
    writer = eng.make_engine(url)
    with writer.begin() as conn:
        conn.execute(sa.text("DROP TABLE purchase_orders"))  # a company that exports no purchasing
    writer.dispose()
    engine = eng.make_engine(url, read_only=True)
    try:
        result = month_warnings(engine, SCOPE, RULES_ONLY)
    finally:
        engine.dispose()
    # the cash forecast (open orders), late materials and the payables of working capital read
    # purchase orders; the cost variance rate per product does not (the work orders' variances:
    # it no longer reads the whole profitability report, whose purchase price variance does)
    assert {s["rule"] for s in result["skipped"]} == {"cash", "materials", "working_capital"}
    assert all("purchase_orders" in s["reason"] for s in result["skipped"])
    # the rules that do not need the table still answer
    assert {"unposted_work_orders", "unbalanced_vouchers", "unsourced_cost_lines"} <= set(_kinds(result))


# --------------------------------------------------------------------------- the speed work (docs/WARNINGS.md, Speed)
def test_late_only_reads_fewer_rows_and_gives_the_same_warnings(problems):
    from data_loaders import warnings as DW

    every = DW.load_material_needs(problems, SCOPE)
    late = DW.load_material_needs(problems, SCOPE, late_only=True)
    keys = set(zip(every.work_order_id, every.material_id))
    assert set(zip(late.work_order_id, late.material_id)) <= keys and len(late) < len(every)
    # WO-C (first issue five days after its start) and WO-D (open order five days after) are kept
    assert {"WO-C", "WO-D"} <= set(late.work_order_id)
    assert A.compute_late_material_warnings(late, RULES_ONLY) == A.compute_late_material_warnings(every, RULES_ONLY)


def test_text_keys_become_codes_in_sorted_order():
    (a, b), values = AN._codes(pd.Series(["b", None, "a"]), pd.Series(["c", "a"]))
    # one code space over both columns: a 0, b 1, c 2, the missing value last (3)
    assert a.tolist() == [1, 3, 0] and b.tolist() == [2, 0] and values.tolist() == ["a", "b", "c", None]


def test_group_stats_by_hand():
    values = pd.Series([1.0, 2.0, 3.0, 10.0, 5.0, 5.0, 5.0])
    keys = pd.Series([0, 0, 0, 0, 1, 1, 1], name="g")
    st = AN._stats(values, [keys])
    # group 0: median 2.5, |deviations| 1.5, 0.5, 0.5, 7.5: MAD 1.0, scale 1.4826; group 1: all equal, scale 0
    assert st["median"].tolist() == [2.5, 5.0] and st["n"].tolist() == [4, 3]
    assert st["scale"].round(4).tolist() == [1.4826, 0.0]


# --------------------------------------------------------------------------- the overview at ten million lines (#17)
# Each rule reads less than it did; these compare the new reads with the old ones (kept here as
# the reference) on hand-built books and on the sample, on every database.
def overused_frames() -> dict[str, pd.DataFrame]:
    """The problem books plus 20 kg more M1 issued to WO-A (20 x 5.50 = 110.00 over standard), and
    two released orders not started: WO-E (P2, to start 2026-03-20) had its M1 on 03-18, WO-F
    (P1, to start 03-10) first on 03-16."""
    f = problem_frames()
    d10, d16, d18, d20 = (dt.date(2026, 3, d) for d in (10, 16, 18, 20))
    f["work_orders"] = pd.concat([f["work_orders"], pd.DataFrame({
        "work_order_id": ["WO-E", "WO-F"], "plant_id": ["P2", "P1"], "product_id": ["FG1"] * 2, "work_center_id": ["WC2", "WC1"],
        "planned_qty": [5.0, 5.0], "completed_qty": [0.0, 0.0], "scrap_qty": [0.0, 0.0], "planned_start_date": [d20, d10],
        "planned_end_date": [d20, d10], "actual_start_at": [None, None], "actual_end_at": [None, None],
        "status": ["released", "released"]})], ignore_index=True)
    f["material_issues"] = pd.concat([f["material_issues"], pd.DataFrame({
        "material_issue_id": ["MI-4", "MI-5", "MI-6"], "work_order_id": ["WO-A", "WO-E", "WO-F"], "material_id": ["M1"] * 3,
        "issue_date": [D, d18, d16], "issue_type": ["issue"] * 3, "qty": [20.0, 5.0, 5.0], "unit_cost": [5.5] * 3})],
        ignore_index=True)
    return f


@pytest.fixture(scope="module")
def overused(backend, tmp_path_factory):
    yield from _engine(backend, tmp_path_factory, "wn_overused", overused_frames())


def _old_variance_items(engine, scope, settings):
    """The cost-variance rule as it was: the whole profitability report's variance by product."""
    from reports.profitability import profitability_report

    return A.compute_variance_warnings(profitability_report(engine, scope)["variance_by_product"], settings)


def test_cost_variance_from_the_profit_parts_by_hand(overused):
    from reports.warnings import RULES

    (item,) = RULES["cost_variance"](overused, SCOPE, RULES_ONLY)
    # FG1: WO-A actual 110 + 110 + 125 + 180 = 525 against 415; WO-B 55 + 50 + 60 = 165 against 5 x 41.50 = 207.50
    # variance 525 + 165 − 415 − 207.50 = 67.50 on standard 622.50: 10.84 % > 10 %, critical
    assert item["subject"] == {"product_id": "FG1"} and item["severity"] == "critical" and item["amount"] == 67.50
    assert item["params"]["variance_rate_pct"] == pytest.approx(67.5 / 622.5)
    assert RULES["cost_variance"](overused, SCOPE, RULES_ONLY) == _old_variance_items(overused, SCOPE, RULES_ONLY)
    assert RULES["cost_variance"](overused, Scope("2026-03", "2026-03", ("P2",)), RULES_ONLY) == []  # FG1 was made in P1


@pytest.mark.parametrize("scope", [Scope("2026-10", "2026-10"), Scope("2026-08", "2026-10"), Scope("2026-09", "2026-09", ("P1",))],
                         ids=["2026-10", "2026-08..10", "2026-09-P1"])
def test_cost_variance_from_the_profit_parts_equals_the_reports_on_the_sample(sample_engine, scope):
    from reports.warnings import RULES

    new = RULES["cost_variance"](sample_engine, scope, RULES_ONLY)
    assert new and new == _old_variance_items(sample_engine, scope, RULES_ONLY)


@pytest.mark.parametrize("days", [0, 2, 4, 5, 7])
def test_late_materials_read_only_the_rows_past_the_rules_days(problems, days):
    from data_loaders import warnings as DW

    settings = dataclasses.replace(RULES_ONLY, late_material_days=days)
    every = DW.load_material_needs(problems, SCOPE)
    late = DW.load_material_needs(problems, SCOPE, late_only=True, late_days=days)
    # WO-C's M1 first issued 5 days after its start: read while 5 > days; WO-D waits for its purchase order whatever the days
    assert sorted(late.work_order_id) == (["WO-C", "WO-D"] if days < 5 else ["WO-D"])
    assert A.compute_late_material_warnings(late, settings) == A.compute_late_material_warnings(every, settings)


def _old_oee_items(engine, scope, settings):
    """The OEE drop rule as it was: ``oee_totals`` of each month, one month at a time."""
    from reports.oee import oee_totals

    month, frames, plants = scope.period_to, [], {}
    for k in range(settings.oee_trailing_months, -1, -1):
        m = (pd.Period(month, freq="M") - k).strftime("%Y-%m")
        totals = oee_totals(engine, Scope(m, m, scope.plants, scope.families))
        if totals is None:
            continue
        wc = totals["by_work_center"]
        plants.update(zip(wc.work_center_id, wc.plant_id))
        frames.append(wc[["work_center_id", "oee_pct", "loss_cost_amount"]].assign(month=m))
    return A.compute_oee_warnings(pd.concat(frames, ignore_index=True), month, settings, plants) if frames else []


def _close(a, b) -> bool:
    """Items equal, their ratios to 1e-9 (sums of the same minutes in another SQL may differ in the last bit)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("scope", [Scope("2026-06", "2026-06"), Scope("2026-04", "2026-06", ("P2",)), Scope("2026-10", "2026-10")],
                         ids=["breakdown-month", "P2", "2026-10"])
def test_oee_drop_from_the_months_read_at_once_equals_month_by_month(sample_engine, scope):
    from reports.warnings import RULES

    new = RULES["oee"](sample_engine, scope, RULES_ONLY)
    old = _old_oee_items(sample_engine, scope, RULES_ONLY)
    assert _close(new, old) and [i["amount"] for i in new] == [i["amount"] for i in old]  # money to the cent
    if scope.period_to == "2026-06":
        assert any(i["subject"]["work_center_id"] == "WC-INJ2" for i in new)  # the planted breakdown (docs/SAMPLE_DATA.md)


def test_oee_months_without_facts_are_read_month_by_month(problems):
    from reports.oee import oee_totals, oee_totals_by_month

    got = oee_totals_by_month(problems, Scope(), ["2026-02", "2026-03"])  # hand-built books have no fact tables: the events
    assert got["2026-02"] is None  # no events in February
    march = oee_totals(problems, SCOPE)
    pd.testing.assert_series_equal(got["2026-03"]["total"], march["total"])
    # WC1 in March: E1 setup 30 min, E2 and E3 running 60 + 30 min, no stop classed as a loss but the setup
    assert march["total"]["run_min"] == 90.0 and march["total"]["setup_loss_min"] == 30.0


def test_late_materials_of_orders_not_started(overused):
    from data_loaders import warnings as DW

    late = DW.load_material_needs(overused, SCOPE, late_only=True, late_days=2)
    items = A.compute_late_material_warnings(late, RULES_ONLY)
    assert items == A.compute_late_material_warnings(DW.load_material_needs(overused, SCOPE), RULES_ONLY)
    # WO-E waits for nothing: its M1 came two days before the start (P2's open order, due after it, does not matter);
    # WO-F's first M1 came six days after its start (5 x 5.50 = 27.50), though the order has not started
    assert [(i["subject"]["work_order_id"], i["rule"], i["amount"], i["params"]["late_days"]) for i in items] == [
        ("WO-C", "materials.issued_late", 22.00, 5.0), ("WO-D", "materials.expected_late", 550.00, 5.0),
        ("WO-F", "materials.issued_late", 27.50, 6.0)]
