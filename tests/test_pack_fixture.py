"""A meeting snapshot built by hand in the shape ``reports.meeting.build_snapshot`` returns: the
month-end pack's tests use it where the database does not matter (the writers read only the
snapshot). Its sums are written out where the tests check them. The tests at the end hold it
to the shape ``reports.pack.check_snapshot`` enforces, so it cannot drift from the real one."""

from __future__ import annotations

import copy

import pytest

AGENDA = ("kpis", "bridge", "cost_variances", "oee_loss", "budget", "cash", "warnings", "actions")


def _card(label_key, value, kind, prior_month=None, last_year=None, budget=None):
    return {"label_key": label_key, "value": value, "kind": kind,
            "compare": {"prior_month": prior_month, "last_year": last_year, "budget": budget}}


def _col(key, label_key, kind):
    return {"key": key, "label_key": label_key, "kind": kind}


# cost variances by product: standard 10,000.00 + 20,000.00 + 5,000.00 = 35,000.00;
# actual 10,250.50 + 19,800.00 + 5,100.25 = 35,150.75; variance 250.50 − 200.00 + 100.25 = 150.75
VARIANCE_ROWS = [
    ["P-100", "球阀 Ball valve DN15", 10000.00, 10250.50, 250.50, 0.02505],
    ["P-200", "闸阀 Gate valve DN50", 20000.00, 19800.00, -200.00, -0.01],
    ["P-300", "=1+1 <b>止回阀</b>", 5000.00, 5100.25, 100.25, 0.02005],  # hostile text: never a formula, never markup
]
# ten cost centers (more than a slide shows): budget 1,000.00 × 10 = 10,000.00; actual 1,000.00 + 100.00 × i
# for i = 0..9 = 10,000.00 + 4,500.00 = 14,500.00
BUDGET_ROWS = [[f"CC-{i:02d} 车间 {i}", 1000.00, 1000.00 + 100.00 * i, 100.00 * i, (1000.00 + 100.00 * i) / 1000.00] for i in range(10)]


def hand_snapshot(month: str = "2026-10", plants=()) -> dict:
    topics = [
        {"key": "kpis", "title_key": "ov_kpis",
         "cards": [_card("kpi_revenue", 1250000.00, "money", 1180000.00, 1100000.00, 1300000.00),
                   _card("kpi_gross_margin", 0.284, "pct", 0.291, 0.27, 0.30),
                   _card("kpi_output", 12345.0, "qty", 11800.0, None, None),
                   _card("kpi_scrap", 0.031, "pct", 0.028, 0.025, None),
                   _card("kpi_cash_now", 3456789.12, "money"),
                   _card("kpi_dso", 63.4, "days", 61.0, 58.2, None)],
         "tables": [],
         "chart": {"kind": "line", "title_key": "chart_monthly_pnl", "categories": ["2026-08", "2026-09", "2026-10"],
                   "series": [{"label_key": "kpi_revenue", "values": [1100000.0, 1180000.0, 1250000.0]},
                              {"label_key": "kpi_gross_profit", "values": [310000.0, 343380.0, 355000.0]}]},
         "notes": [{"key": "kpi_cash_help", "params": {"date": "2026-10-31"}}]},
        {"key": "bridge", "title_key": "pf_bridge_budget",
         "cards": [_card("kpi_gross_profit", 305000.00, "money", 300000.00)],
         # 300,000.00 + 12,000.00 − 5,000.00 − 2,000.00 = 305,000.00
         "tables": [{"title_key": "pf_bridge_budget", "columns": [_col("step", "bridge_start", "code"), _col("amount", "kpi_gross_profit", "money")],
                     "rows": [["bridge_start", 300000.00], ["bridge_price", 12000.00], ["bridge_volume", -5000.00],
                              ["bridge_scrap", -2000.00], ["bridge_end", 305000.00]]}],
         "chart": {"kind": "bridge", "title_key": "pf_bridge_budget",
                   "categories": ["bridge_start", "bridge_price", "bridge_volume", "bridge_scrap", "bridge_end"],
                   "series": [{"label_key": "kpi_gross_profit", "values": [300000.00, 12000.00, -5000.00, -2000.00, 305000.00]}]},
         "notes": []},
        {"key": "cost_variances", "title_key": "kpi_variance",
         "cards": [_card("kpi_variance", 150.75, "money", 90.00, None, None), _card("kpi_variance_rate", 0.004307, "pct", 0.0031)],
         "tables": [{"title_key": "chart_variance_components",
                     "columns": [_col("product_id", "kpi_output", "code"), _col("product_name", "families", "text"),
                                 _col("standard_amount", "var_material_price", "money"), _col("actual_amount", "kpi_revenue", "money"),
                                 _col("variance_amount", "kpi_variance", "money"), _col("variance_rate_pct", "kpi_variance_rate", "pct")],
                     "rows": copy.deepcopy(VARIANCE_ROWS)}],
         "chart": {"kind": "bar", "title_key": "chart_variance_components", "categories": ["var_material_price", "var_labor_rate"],
                   "series": [{"label_key": "kpi_variance", "values": [120.25, 30.50]}]},
         "notes": []},
        {"key": "oee_loss", "title_key": "kpi_loss_cost",
         "cards": [_card("kpi_oee", 0.712, "pct", 0.70, 0.68), _card("kpi_loss_cost", 84000.00, "money", 90000.00)],
         "tables": [{"title_key": "kpi_loss_cost", "columns": [_col("work_center_id", "kpi_oee", "code"), _col("oee_pct", "kpi_oee", "pct"),
                                                              _col("loss_cost_amount", "kpi_loss_cost", "money")],
                     "rows": [["WC-CNC1", 0.65, 50000.00], ["WC-ASM1", 0.80, 34000.00]]}],
         "chart": {"kind": "bar", "title_key": "kpi_loss_cost", "categories": ["loss_breakdown", "loss_setup", "loss_small_stops"],
                   "series": [{"label_key": "kpi_loss_cost", "values": [40000.00, 30000.00, 14000.00]}]},
         "notes": []},
        {"key": "budget", "title_key": "kpi_execution",
         "cards": [_card("kpi_execution", 1.45, "pct", budget=1.0)],
         "tables": [{"title_key": "kpi_execution", "columns": [_col("name", "plants", "text"), _col("budget_amount", "kpi_revenue", "money"),
                                                              _col("actual_amount", "kpi_gross_profit", "money"),
                                                              _col("variance_amount", "kpi_variance", "money"), _col("execution_pct", "kpi_execution", "pct")],
                     "rows": copy.deepcopy(BUDGET_ROWS)}],
         "chart": {"kind": "bar", "title_key": "kpi_execution", "categories": [r[0] for r in BUDGET_ROWS[:4]],
                   "series": [{"label_key": "kpi_revenue", "values": [r[1] for r in BUDGET_ROWS[:4]]},
                              {"label_key": "kpi_gross_profit", "values": [r[2] for r in BUDGET_ROWS[:4]]}]},
         "notes": []},
        {"key": "cash", "title_key": "chart_cash_fan",
         "cards": [_card("kpi_cash_now", 3456789.12, "money"), _card("kpi_cash_min", -12000.00, "money"), _card("kpi_ccc", 71.5, "days", 70.0)],
         "tables": [],
         "chart": {"kind": "line", "title_key": "chart_cash_fan", "categories": ["2026-11-23", "2026-11-30", "2026-12-07"],
                   "series": [{"label_key": "kpi_cash_now", "values": [3456789.12, 1200000.00, -12000.00]}]},
         "notes": []},
        {"key": "warnings", "title_key": "warnings",
         "cards": [_card("warnings", 2, "qty")],
         "tables": [{"title_key": "warnings", "columns": [_col("kind", "warnings", "code"), _col("count", "kpi_output", "qty"),
                                                         _col("amount", "kpi_variance", "money")],
                     "rows": [["loss_breakdown", 3, 1500.50], ["loss_setup", 1, None]]},
                    {"title_key": "kpi_scrap", "columns": [_col("item", "warnings", "text"), _col("value", "kpi_variance", "money")],
                     "rows": [["WO-2026-00417", 1000.00], ["WO-2026-00418", 500.50]]}],
         "chart": None, "notes": []},
        {"key": "actions", "title_key": "nav_overview",
         "cards": [_card("warnings", 1, "qty")],
         "tables": [{"title_key": "nav_overview", "columns": [_col("id", "kpi_output", "qty"), _col("text", "warnings", "text"),
                                                             _col("owner", "plants", "text"), _col("due_date", "period_to", "text")],
                     "rows": [[1, "核对 CNC-03 报废 Check scrap on CNC-03", "王工", "2026-11-15"]]}],
         "chart": None, "notes": []},
    ]
    return {"version": 1, "month": month, "plants": list(plants), "currency": "CNY", "as_of": "2026-11-22",
            "data_version": "v-test-1", "created_at": "2026-11-02T09:00:00", "created_by": "finance.lead", "topics": topics}


def _pack_module():
    pytest.importorskip("reports.meeting", reason="the meeting snapshot (reports/meeting.py) is not merged yet")
    from reports import pack

    return pack


def test_the_hand_built_snapshot_has_the_shared_shape():
    pack = _pack_module()
    snapshot = hand_snapshot()
    assert pack.check_snapshot(snapshot) is snapshot
    assert AGENDA == __import__("reports.meeting", fromlist=["AGENDA"]).AGENDA


def test_table_totals_are_the_column_sums():
    totals = _pack_module().table_totals(hand_snapshot())
    # 10,000.00 + 20,000.00 + 5,000.00; 10,250.50 + 19,800.00 + 5,100.25; 250.50 − 200.00 + 100.25
    assert totals["cost_variances"] == [{"standard_amount": 35000.00, "actual_amount": 35150.75, "variance_amount": 150.75}]
    assert totals["budget"][0]["actual_amount"] == 14500.00 and totals["warnings"][0] == {"count": 4.0, "amount": 1500.50}
    assert totals["kpis"] == [] and totals["actions"] == [{"id": 1.0}]


@pytest.mark.parametrize("spoil, message", [
    (lambda s: s["topics"].reverse(), "agenda"),
    (lambda s: s["topics"][2]["tables"][0]["rows"][0].pop(), "one value per column"),
    (lambda s: s["topics"][0]["cards"][0].update(kind="euro"), "kind"),
    (lambda s: s["topics"][1]["chart"]["series"][0]["values"].pop(), "one value per category"),
    (lambda s: s.update(month="2026-13"), "month"),
    (lambda s: s.update(version=2), "version"),
])
def test_a_snapshot_of_another_shape_is_refused(spoil, message):
    pack = _pack_module()
    snapshot = hand_snapshot()
    spoil(snapshot)
    with pytest.raises(ValueError, match=message):
        pack.check_snapshot(snapshot)
