"""Every page through Streamlit's AppTest, in both languages, on the small sample."""

from __future__ import annotations

import re

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.test_importer import BAD
from ui.codes import FORECAST_MODELS

APP = str(Path(__file__).parents[1] / "app.py")
PAGES = {
    "pages/overview.py": ("经营总览", "Management overview"),
    "pages/production.py": ("生产与工单", "Production and work orders"),
    "pages/oee.py": ("OEE 与损失成本", "OEE and loss cost"),
    "pages/ledger.py": ("总账与损益", "Ledger and P&L"),
    "pages/profitability.py": ("产品盈利与成本差异", "Profitability and cost variances"),
    "pages/budget.py": ("预算执行与控制", "Budget execution and control"),
    "pages/cash.py": ("资金预测与营运资本", "Cash forecast and working capital"),
    "pages/vouchers.py": ("凭证追溯", "Voucher drill-down"),
    "pages/reconciliation.py": ("业财对账", "Business–finance reconciliation"),
    "pages/data.py": ("数据管理", "Data management"),
    "pages/meeting.py": ("业财联席会", "Monthly meeting"),
}


@pytest.fixture
def app(app_data_dir):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _open(at: AppTest, page: str, lang: str = "zh", errors_expected: bool = False) -> AppTest:
    at.switch_page(page)
    at.run()
    current = at.session_state["lang"] if "lang" in at.session_state else "zh"
    if current != lang:  # the language switch lives under a per-language widget key (ui/widgets.py)
        at.button_group(key=f"lang.{current}").set_value(lang)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    failures = [e.value for e in at.error if e.value.startswith(("出错了", "Something went wrong", "无法读取数据库", "Cannot read the database"))]
    assert not failures, failures
    if not errors_expected:
        assert not at.error, [e.value for e in at.error]
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_page_opens_in_both_languages(app, page, lang):
    # the budget and cash pages show their alerts (overspend, funding gaps) in red
    at = _open(app, page, lang, errors_expected=page in ("pages/budget.py", "pages/cash.py", "pages/overview.py"))
    title = PAGES[page][0 if lang == "zh" else 1]
    assert at.title[0].value == title


def test_overview_shows_the_cockpit_cards_and_the_untied_orders(app):
    at = _open(app, "pages/overview.py", errors_expected=True)
    assert [m.label for m in at.metric] == ["营业收入", "毛利率", "成本差异率", "预算执行率（成本）", "OEE", "损失成本（设备时间）",
                                            "当前银行存款", "13 周内最低余额", "应收周转天数 DSO", "存货周转天数 DIO",
                                            "应付周转天数 DPO", "现金周期 CCC"]
    assert all(m.value not in ("", "—") for m in at.metric)
    # the planted findings are the warnings panel's groups (tests/test_warnings_app.py): headed by kind
    heads = " ".join(e.label for e in at.expander)
    assert "完工未入账工单**] · 3 项" in heads and "预算超支**] · 1 项" in heads and "应收逾期" in heads, heads
    figures = _overview_figures(at)  # the ledger's figures the other pages refer to stay in the comparison table
    assert {"毛利（账面）", "成本差异（账面）", "营业利润", "期末银行存款"} <= set(figures)


def _overview_figures(at: AppTest) -> dict[str, str]:
    """This period's value of each figure in the overview's ledger comparison table."""
    table = [d.value for d in at.dataframe if "指标" in d.value.columns and "毛利（账面）" in set(d.value["指标"])][0]
    return dict(zip(table["指标"], table["本期"]))


def _statement_revenue(at: AppTest) -> float:
    """The revenue line's total from the ledger page's P&L statement (the first table)."""
    pnl = at.dataframe[0].value
    total = [c for c in pnl.columns if c.startswith("合计")][0]
    return float(pnl.loc[pnl["项目"] == "营业收入", total].iloc[0])


def test_filters_survive_a_page_change_and_narrow_the_numbers(app):
    at = _rolling_12(_open(app, "pages/ledger.py"))
    all_plants = _statement_revenue(at)
    at = _open(at, "pages/overview.py", errors_expected=True)
    at.multiselect(key="plant").set_value(["P2"])
    at.run()
    at = _open(at, "pages/ledger.py")
    assert at.session_state["plant"] == ["P2"]
    pnl = at.dataframe[0].value
    months = [c for c in pnl.columns if c[:4].isdigit()]
    assert len(months) == 12  # rolling twelve months to the last closed one, one column each
    assert 0 < _statement_revenue(at) < all_plants  # one plant of two: less revenue, still some


def test_ledger_statement_layouts_and_trial_balance_checks(app):
    at = _open(app, "pages/ledger.py", "en")
    pnl = at.dataframe[0].value
    assert list(pnl["Line"]) == ["Revenue", "Cost of sales at standard", "Production variances", "Gross profit",
                                 "Manufacturing overhead incurred", "Overhead absorbed into production",
                                 "Period expenses (selling and administrative)", "Operating profit"]
    assert not [c for c in pnl.columns if "_" in c]  # no raw snake_case header
    at.button_group(key="pnl_layout.en").set_value("comparison")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    headers = list(at.dataframe[0].value.columns)
    assert any(h.startswith("This period") for h in headers) and any(h.startswith("vs budget") for h in headers)
    tb = at.dataframe[2].value  # statement, margins, trial balance
    assert tb.iloc[-1]["Account"] == "Total"
    assert any("Checks pass" in c.value for c in at.caption)


def test_empty_scope_says_so(app):
    at = _open(app, "pages/production.py")
    at.multiselect(key="plant").set_value(["P1"])
    at.multiselect(key="family").set_value(["PE管 PE pipes"])  # made only in P2
    at.run()
    assert any("没有数据" in i.value for i in at.info)


def test_validation_button_reports_clean_data(app):
    at = _open(app, "pages/data.py")
    at.button(key="data_run_validation").click()
    at.run()
    assert any("全部校验通过" in s.value for s in at.success)


def test_bad_upload_is_rejected_with_the_file_and_row(app):
    at = _open(app, "pages/data.py", "en")
    files, _ = BAD["duplicate_key"]
    at.file_uploader(key="data_upload").set_value([(name, data, "text/csv") for name, data in files])
    at.run()
    at.button(key="data_import_button").click()
    at.run()
    assert any("Import rejected" in e.value for e in at.error)
    problems = at.dataframe[-1].value
    assert "plants.csv" in set(problems.iloc[:, 0])


def test_unreachable_database_is_a_message_not_a_traceback(app_data_dir, monkeypatch):
    monkeypatch.setenv("BFI_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert "无法读取数据库" in at.error[0].value and "127.0.0.1:1" in at.error[0].value


def test_first_start_builds_the_sample_with_progress(tmp_path, monkeypatch):
    # an empty data folder: the app builds the sample plant on its first run, then shows it
    monkeypatch.setenv("BFI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BFI_DATABASE_URL", raising=False)
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception
    assert not [e.value for e in at.error if e.value.startswith(("出错了", "无法读取数据库"))]  # alerts in red are fine
    assert (tmp_path / "sample_plant.duckdb").exists()
    assert at.title[0].value == "经营总览" and len(at.metric) == 12  # the cockpit's cards


def _planted(small_sample) -> list[str]:
    return small_sample["dataset_info"].set_index("info_key").info_value["planted_unposted_work_orders"].split(",")


def test_selecting_a_voucher_row_opens_its_lines_and_work_order(app):
    at = _open(app, "pages/vouchers.py")
    at.multiselect(key="vx_types").set_value(["FG"])
    at.run()
    first = at.dataframe[0].value.iloc[0, 0]  # the voucher number of the first result
    at.session_state["vx_results"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    heads = [h.value for h in at.subheader]
    assert f"凭证 {first}" in heads
    assert any(h.startswith("工单 WO-") for h in heads)
    assert any("借贷平衡" in s.value for s in at.success)
    # codes read as words on a Chinese screen: the type choice, the voucher's line, its source
    assert "完工入库" in at.multiselect(key="vx_types").options
    line = next(c.value for c in at.caption if c.value.count(" · ") >= 4)
    assert " · 完工入库 · 已记账 · " in line and " FG " not in f" {line} " and "posted" not in line, line
    assert any(m.value.startswith("**来源单据：完工入库 WO-") for m in at.markdown)
    record = next(d.value for d in at.dataframe if list(d.value.columns) == ["字段", "值"])
    assert "已完工" in set(record["值"]) and "completed" not in set(record["值"])  # the source order's status
    # its quantities as numbers, not floats' text ("3403.0" was shown)
    assert not [v for v in record["值"] if re.fullmatch(r"-?[\d,]+\.0", v)], list(record["值"])
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+", v) or re.fullmatch(r"\d{1,3}", v) for v in record["值"])


def test_a_linked_work_order_of_another_month_is_traced_and_the_empty_search_says_why(app, small_sample):
    orders = small_sample["work_orders"]
    wo = orders.loc[pd.to_datetime(orders.planned_start_date) < "2025-06-01", "work_order_id"].iloc[0]  # scope: 2026-10
    app.query_params["work_order"] = wo
    at = _open(app, "pages/vouchers.py", errors_expected=True)
    assert any(f"“{wo}”" in i.value and "仍在下方显示" in i.value for i in at.info), [i.value for i in at.info]
    assert not any(i.value.startswith("所选范围内没有数据") for i in at.info)
    assert f"工单 {wo}" in [h.value for h in at.subheader]


def test_deep_link_to_an_unposted_work_order(app, small_sample):
    wo = _planted(small_sample)[0]
    app.query_params["work_order"] = wo
    at = _open(app, "pages/vouchers.py", errors_expected=True)
    assert f"工单 {wo}" in [h.value for h in at.subheader]
    assert any("没有完工入库凭证" in e.value for e in at.error)
    assert any("未入账" in w.value for w in at.warning)


def test_deep_link_to_a_missing_voucher_says_so(app):
    app.query_params["voucher"] = "NO-SUCH-VOUCHER"
    at = _open(app, "pages/vouchers.py", errors_expected=True)
    assert any("NO-SUCH-VOUCHER" in e.value for e in at.error)


def _table(at: AppTest, key: str):
    """The dataframe drawn under ``key``: a selectable table has the key in its element id, a
    drill table in its buttons' widget ids (``<key>.<column>``)."""
    found = [d for d in at.dataframe
             if d.key == key or any(w.endswith(f"-{key}.{col}") for col, w in d.proto.button_click_widgets.items()
                                    for col in ("voucher_no", "work_order_id"))]
    assert found, f"no table {key!r}"
    return found[0]


def _click_key_cell(at: AppTest, key: str, column: str, row: int) -> str:
    """One click on a key cell of a drill table (a ``ButtonColumn``), as the browser sends it:
    a trigger value ``{"row", "label"}`` for the column's button widget. AppTest has no click
    for these cells, so the widget states of the next run are built here. Returns the key."""
    import json

    table = _table(at, key)
    label = str(table.value[column].iloc[row])
    states = at._tree.get_widget_states()
    click = states.widgets.add()
    click.id = table.proto.button_click_widgets[column]
    click.string_trigger_value.data = json.dumps({"row": row, "label": label})
    at._run(states)
    _stay(at, "pages/vouchers.py")
    return label


def _stay(at: AppTest, page: str) -> None:
    """After the script switched pages itself: AppTest's next run would request the page its
    own ``switch_page`` named last, where a browser stays on the page it was sent to."""
    at.switch_page(page)


def test_one_click_on_a_work_order_opens_it_in_place_and_back_returns(app):
    at = _open(app, "pages/production.py", "en")
    at.multiselect(key="plant").set_value(["P1"])
    at.run()
    orders = _table(at, "production_work_orders").value
    assert len(orders) > 1 and "Work order" in orders  # English headers
    wo = _click_key_cell(at, "production_work_orders", "Work order", 1)
    assert wo == orders["Work order"].iloc[1] and wo.startswith("WO-")
    assert not at.exception, [e.value for e in at.exception]
    # the same session: the drill-down page, the work order, English and the plant filter kept
    assert at.title[0].value == "Voucher drill-down"
    assert f"Work order {wo}" in [h.value for h in at.subheader]
    assert at.session_state["lang"] == "en" and at.session_state["plant"] == ["P1"]
    assert at.query_params["work_order"] == wo and at.query_params["lang"] == "en" and at.query_params["plant"] == "P1"
    # the copyable link carries the key, the language and the scope (relative: AppTest has no browser address)
    assert [c.value for c in at.code] == [f"vouchers?work_order={wo}&lang=en&plant=P1"]
    back = at.button(key="drill_back")
    assert back.label == "Back to Production and work orders"
    back.click()
    at.run()
    _stay(at, "pages/production.py")
    assert not at.exception
    assert at.title[0].value == "Production and work orders"
    assert at.session_state["plant"] == ["P1"] and "work_order" not in at.query_params
    assert not [b for b in at.button if b.key == "drill_back"]


def test_back_from_a_drill_selects_the_row_again(app):
    at = _open(app, "pages/oee.py")
    at.session_state["oee_wc_month"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    wc = _table(at, "oee_wc_month").value.iloc[0, 0]
    heading = [m.value for m in at.markdown if "设备事件" in m.value]
    assert heading and wc in heading[0]
    wo = _click_key_cell(at, "oee_drill_orders", "工单号", 0)
    assert f"工单 {wo}" in [h.value for h in at.subheader]
    at.button(key="drill_back").click()
    at.run()
    _stay(at, "pages/oee.py")
    assert at.title[0].value == "OEE 与损失成本"
    # Streamlit dropped the table's selection when the other page ran; "Back" selected it again
    assert [m.value for m in at.markdown if "设备事件" in m.value] == heading
    assert _table(at, "oee_drill_orders").value["工单号"].iloc[0] == wo


def test_a_line_drills_to_its_work_order_and_back_to_the_voucher(app, small_sample):
    lines = small_sample["voucher_lines"]
    completion = lines[lines.source_doc_type == "completion"].iloc[0]
    app.query_params["voucher"] = completion.voucher_no
    at = _open(app, "pages/vouchers.py")
    assert not [b for b in at.button if b.key == "drill_back"]  # a deep link has nowhere to go back to
    row = _table(at, "vx_lines").value["工单号"].tolist().index(completion.work_order_id)
    _click_key_cell(at, "vx_lines", "工单号", row)
    assert at.query_params["work_order"] == completion.work_order_id and "voucher" not in at.query_params
    assert f"工单 {completion.work_order_id}" in [h.value for h in at.subheader]
    at.button(key="drill_back").click()
    at.run()
    assert at.query_params["voucher"] == completion.voucher_no
    assert f"凭证 {completion.voucher_no}" in [h.value for h in at.subheader]


def _rolling_12(at: AppTest) -> AppTest:
    """The twelve months to the last closed one (the default mode is the month)."""
    at.button_group(key="mode.zh").set_value("r12")
    at.run()
    return at


def test_reconciliation_counts_the_planted_findings(app):
    at = _rolling_12(_open(app, "pages/reconciliation.py"))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["已完工未入库"] == "3"
    assert metrics["账实不符工单"] == "3"
    assert metrics["无来源单据的成本分录"] == "1"
    assert metrics["来源单据不存在的分录"] == "0"


def test_oee_page_settings_and_drill(app):
    at = _open(app, "pages/oee.py")
    labels = [m.label for m in at.metric]
    assert labels[:4] == ["OEE", "可用率", "性能率", "质量率"]
    before = at.metric[0].value
    at.toggle(key="oee_planned_as_loss").set_value(True)
    at.run()
    assert at.metric[0].value != before  # planned stops counted as losses lower OEE
    at.session_state["oee_wc_month"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert any("设备事件" in m.value for m in at.markdown)


def test_oee_page_conventions_give_the_cli_numbers(app, capsys):
    # the page's expander and `cli.py report --oee-…` build the same settings: same OEE, same TEEP
    import json

    import cli
    from data_loaders import engine as eng

    at = _open(app, "pages/oee.py")
    vorne = at.metric[0].value
    at.selectbox(key="oee_convention.zh").set_value("smrp")
    at.selectbox(key="oee_changeover.zh").set_value("schedule")
    at.number_input(key="oee_target").set_value(0.9)
    at.run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["OEE"] != vorne  # planned maintenance moved into planned production time
    # the page's default scope is the last closed month of the small sample: 2026-10
    assert cli.main(["--db", eng.default_url(), "report", "--from", "2026-10", "--to", "2026-10", "--oee-convention", "smrp",
                     "--oee-changeover", "schedule", "--oee-target", "0.9"]) == 0
    oee = json.loads(capsys.readouterr().out)["oee"]
    assert shown["OEE"] == f"{oee['oee_pct'] * 100:.1f}%"
    assert shown["TEEP"] == f"{oee['teep_pct'] * 100:.1f}%"
    assert shown["可用率"] == f"{oee['availability_pct'] * 100:.1f}%"
    assert any(t.value.startswith("产能") for t in at.subheader)


def test_profitability_page_dimensions_and_drill(app):
    at = _open(app, "pages/profitability.py")
    assert [m.label for m in at.metric][:4] == ["营业收入", "毛利（业务口径）", "毛利率", "边际贡献率"]
    at.button_group(key="pf_dim.zh").set_value("customer")
    at.run()
    assert not at.exception
    assert "客户名称" in at.dataframe[0].value.columns
    at.session_state["pf_var_products"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert any("的工单差异" in m.value for m in at.markdown)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_profitability_page_variances_by_work_center_plant_and_period(app, lang):
    """The cost variances by work center, plant, period and product x period: each view sums to
    the variances by product (the same orders), to the cent, in both languages."""
    import streamlit as st

    from ui.i18n import column_label

    at = _open(app, "pages/profitability.py", lang=lang)
    st.session_state["lang"] = lang  # the labels below in the screen's language
    try:
        variance = f"{column_label('variance_amount')} (CNY)"
        keys = {"work_center": [column_label("work_center_id")], "plant": [column_label("plant_id")],
                "period": [column_label("period")],
                "product_period": [column_label("product_id"), column_label("product_name"), column_label("period")]}
    finally:
        st.session_state.pop("lang", None)
    by_product = round(float(_table(at, "pf_var_products").value[variance].sum()), 2)
    for view in ("work_center", "plant", "period", "product_period"):
        at.button_group(key=f"pf_var_by.{lang}").set_value(view)
        at.run()
        assert not at.exception
        shown = [d.value for d in at.dataframe
                 if list(d.value.columns[:len(keys[view])]) == keys[view] and variance in d.value.columns]
        assert len(shown) == 1, view
        assert round(float(shown[0][variance].sum()), 2) == by_product, view
    assert by_product != 0


def test_profitability_page_overhead_views(app):
    at = _open(app, "pages/profitability.py")

    def overhead_columns():
        # the split table is the one with "actual" (the plant three-way shows "incurred")
        return next(list(d.value.columns) for d in at.dataframe if "实际 (CNY)" in d.value.columns and "已分配 (CNY)" in d.value.columns)

    assert {"生产能量差异 (CNY)", "变动费用耗费差异 (CNY)", "工作中心编码"} <= set(overhead_columns())  # four-way by work center
    at.button_group(key="pf_oh_view.zh").set_value("two_way")
    at.button_group(key="pf_oh_by.zh").set_value("period")
    at.run()
    assert not at.exception
    cols = overhead_columns()
    assert "可控差异(弹性预算差异) (CNY)" in cols and "变动费用耗费差异 (CNY)" not in cols and "会计期间" in cols


def test_profitability_page_price_variance_basis(app):
    at = _open(app, "pages/profitability.py")

    def supplier_table():
        return next(d.value for d in at.dataframe if "供应商编码" in d.value.columns and "价格差异率" in d.value.columns)

    usage = supplier_table()
    at.button_group(key="pf_pv_basis.zh").set_value("purchase")
    at.run()
    assert not at.exception
    purchase = supplier_table()
    assert len(purchase) >= len(usage) > 0 and not purchase.equals(usage)  # invoices, not issues


def test_budget_page_flexible_budget(app):
    at = _open(app, "pages/budget.py", errors_expected=True)  # the planted overspend is an error banner
    flex = next(d.value for d in at.dataframe if "弹性预算差异 (CNY)" in d.value.columns)
    assert list(flex.iloc[:, 0]) == ["营业收入", "变动成本", "边际贡献", "固定成本", "营业利润"]
    labels = [m.label for m in at.metric]
    assert {"预算毛利", "销售价格差异", "销售结构差异", "销售数量差异", "成本差异"} <= set(labels)
    assert any("销售结构差异 (CNY)" in d.value.columns for d in at.dataframe)


def test_voucher_paging_survives_narrower_filters(app):
    at = _rolling_12(_open(app, "pages/vouchers.py"))
    at.number_input(key="vx_page").set_value(3)
    at.run()
    assert "第 3/" in at.caption[0].value or any("第 3/" in c.value for c in at.caption)
    at.multiselect(key="vx_types").set_value(["MJ"])  # one voucher: one page
    at.run()
    assert not at.exception
    assert any("共 1 张凭证，第 1/1 页" in c.value for c in at.caption)


def test_budget_page_flags_the_overspend_and_drills_to_vouchers(app):
    at = _open(app, "pages/budget.py", errors_expected=True)
    assert any("P2-MNT 510103" in e.value for e in at.error)  # the planted overspend is an alert
    at.session_state["bg_tree"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    at.session_state["bg_accounts"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert any("的凭证分录" in m.value for m in at.markdown)
    at.number_input(key="bg_what_if_amount").set_value(1e9)
    at.run()
    assert any("会超预算" in e.value for e in at.error)


def test_cash_scenario_lowers_the_curve_and_can_open_a_gap(app):
    at = _open(app, "pages/cash.py", errors_expected=True)
    model = [c.value for c in at.caption if c.value.startswith("统计基线模型")]
    assert model and not any(code in model[0] for code in FORECAST_MODELS), model  # the model's name, never its code (ar1, seasonal_naive)
    lowest = at.metric[1].value
    at.slider(key="cash_delay").set_value(60)
    at.run()
    assert not at.exception
    assert at.metric[1].value != lowest  # customers paying two months later lower the 13-week low
    at.number_input(key="cash_min.1e4").set_value(1e8)  # in 万 (the default unit on Chinese screens): ¥1 万亿
    at.run()
    assert any("资金缺口" in e.value for e in at.error)
    at.session_state["cash_weekly"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert any("这一周的资金收付" in m.value for m in at.markdown)


def _wc_table(at: AppTest):
    """The working-capital table: the one with a day-count column."""
    found = [d.value for d in at.dataframe if "天数口径" in d.value.columns]
    assert len(found) == 1, len(found)
    return found[0]


def test_cash_working_capital_settings_change_the_periods(app):
    at = _open(app, "pages/cash.py", errors_expected=True)
    monthly = _wc_table(at)
    assert str(monthly.iloc[-1, 0]) == "2026-10"  # the last closed month (as of 2026-11-22)
    at.selectbox(key="cash_wc_basis.zh").set_value("quarter")
    at.selectbox(key="cash_wc_days.zh").set_value("365")
    at.selectbox(key="cash_wc_balance.zh").set_value("average")
    at.run()
    assert not at.exception
    quarterly = _wc_table(at)
    assert str(quarterly.iloc[-1, 0]) == "2026Q4" and len(quarterly) < len(monthly)
    days = quarterly.set_index(quarterly.columns[0])["天数"]
    assert days["2026Q3"] == pytest.approx(365 / 4)  # a full quarter on the 365-day count
    assert any("365 天/年" in c.value and "平均余额" in c.value for c in at.caption)


def test_a_sample_from_an_older_contract_is_rebuilt(tmp_path, monkeypatch, sample_copy):
    import sqlalchemy as sa

    from data_loaders import engine as eng
    from data_loaders import schema

    monkeypatch.setenv("BFI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BFI_DATABASE_URL", raising=False)
    url = f"duckdb:///{sample_copy('duckdb', tmp_path / 'sample_plant.duckdb')}"
    engine = eng.make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.update(schema.dataset_info).where(schema.dataset_info.c.info_key == "contract_version").values(info_value="old"))
    engine.dispose()
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception
    engine = eng.make_engine(url, read_only=True)
    with engine.connect() as conn:
        version = conn.execute(sa.select(schema.dataset_info.c.info_value).where(schema.dataset_info.c.info_key == "contract_version")).scalar()
    engine.dispose()
    assert version == schema.contract_fingerprint()


def _metrics(at: AppTest) -> dict:
    return {m.label: m for m in at.metric}


@pytest.mark.parametrize("mode", ["month", "ytd"])
def test_a_figure_shown_on_two_pages_has_one_value(app, mode):
    # the same scope on every page: what two pages both call revenue is the same number, and
    # where the ledger and operations legitimately differ the label says which and the help
    # gives the other page's figure
    at = _open(app, "pages/overview.py", errors_expected=True)
    at.button_group(key="mode.zh").set_value(mode)
    at.run()
    overview = _metrics(at)
    ledger_figures = _overview_figures(at)
    at = _open(at, "pages/profitability.py")
    profitability = _metrics(at)
    assert profitability["营业收入"].value == overview["营业收入"].value
    assert ledger_figures["毛利（账面）"] in profitability["毛利（业务口径）"].help
    assert ledger_figures["成本差异（账面）"] in profitability["成本差异（业务口径）"].help
    assert "毛利" not in profitability  # never an unqualified gross profit beside a qualified one
    assert overview["成本差异率"].value == profitability["成本差异率"].value  # the cockpit's rate is the profitability page's
    at = _open(at, "pages/cash.py", errors_expected=True)
    cash = _metrics(at)
    assert ledger_figures["期末银行存款"] in cash["当前银行存款"].help
    assert overview["当前银行存款"].value == cash["当前银行存款"].value
    at = _open(at, "pages/ledger.py")
    statement = at.dataframe[0].value
    revenue = statement.loc[statement["项目"] == "营业收入"].iloc[0]
    current = [c for c in statement.columns if c.startswith(("本期", "合计"))][0]
    assert money_text(float(revenue[current])) == overview["营业收入"].value


def money_text(value: float) -> str:
    """The overview's card format in the default unit (万): ¥3,215.04万; from 1亿 on, in 亿: ¥3.54亿."""
    if round(value / 1e8, 2) >= 1:
        return f"¥{value / 1e8:,.2f}亿"
    return f"¥{value / 1e4:,.2f}万"


MODE_CAPTIONS = {"month": "2026年10月", "quarter": "季 2026-10…2026-10", "ytd": "年累计 2026-01…2026-10",
                 "r12": "滚动12月 2025-11…2026-10", "custom": "自定义 2025-11…2026-10"}


@pytest.mark.long
@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_page_opens_in_every_period_mode(app, page):
    # the small sample's as-of date is 2026-11-22: the default month is October, the last closed one.
    # One session per page goes through every mode (custom first, as a fresh session would see it;
    # month in the middle, back on the default): one app start per page instead of one per mode
    at = _open(app, page, errors_expected=True)
    for mode in sorted(MODE_CAPTIONS):
        at.button_group(key="mode.zh").set_value(mode)
        at.run()
        assert not at.exception, (mode, [e.value for e in at.exception])
        assert not [e.value for e in at.error if e.value.startswith(("出错了", "无法读取数据库"))], mode
        scope_line = at.caption[0].value
        if page in ("pages/cash.py", "pages/data.py"):  # the forecast starts today; data has no period
            assert "本页不适用" in scope_line or page == "pages/data.py", (mode, scope_line)
        else:
            assert scope_line.startswith(MODE_CAPTIONS[mode]), (mode, scope_line)
        assert (at.session_state["mode"] if "mode" in at.session_state else "month") == mode, mode  # the default is not stored


def test_the_month_steps_and_the_numbers_follow(app):
    at = _open(app, "pages/overview.py", errors_expected=True)
    october = at.metric[0].value
    at.button(key="month_prev").click()
    at.run()
    assert at.caption[0].value.startswith("2026年9月")
    assert at.session_state["month"] == "2026-09"
    assert at.metric[0].value != october
    at.button(key="month_next").click()
    at.run()
    assert at.metric[0].value == october
    assert at.query_params.get("month") in (None, [], "")  # back on the default: the URL stays clean


def test_a_shared_link_reproduces_the_view_in_english(app_data_dir):
    # a link opens a new session: the URL's choices are read when the session starts
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"lang": "en", "mode": "ytd", "month": "2026-06", "plant": "P2"})
    at.run()
    at = _open(at, "pages/ledger.py", "en")
    assert at.caption[0].value.startswith("YTD 2026-01…2026-06 · Plants P2")
    assert at.session_state["plant"] == ["P2"]


# --------------------------------------------------------------------------- sparse data
from tests.test_sparse import FINANCE_TABLES, TABLES, derive, sparse_base  # noqa: E402,F401  (sparse_base: a fixture)

AFTER_END = "2027-01"  # the sample's books end in 2026-11; one voucher is added in this month
# pages whose sections have nothing to show, and must say so with an info message
SAYS_NOTHING = {
    "finance_only": {"pages/oee.py", "pages/production.py", "pages/profitability.py", "pages/reconciliation.py"},
    "after_end": {"pages/oee.py", "pages/production.py", "pages/profitability.py", "pages/reconciliation.py", "pages/budget.py"},
}


@pytest.fixture(scope="session")
def finance_only_url(sparse_base, tmp_path_factory):
    """Ledger, budgets and bank balances only: the operations' tables exist, empty."""
    return derive(sparse_base, FINANCE_TABLES, tmp_path_factory.mktemp("app_finance_only"))


@pytest.fixture(scope="session")
def after_end_url(sparse_base, tmp_path_factory):
    """The full sample plus one balanced voucher in a month after everything else (so that the
    month can be chosen): no operations, no budget, no bank balance in that month."""
    import sqlalchemy as sa

    from data_loaders import engine as eng
    from data_loaders import facts

    url = derive(sparse_base, TABLES, tmp_path_factory.mktemp("app_after_end"))
    engine = eng.make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO vouchers VALUES ('PZ202701-00001', DATE '2027-01-05', '2027-01', 'PZ', 'posted', 'P1', 'after')"))
        conn.execute(sa.text("INSERT INTO voucher_lines VALUES "
                             "('PZ202701-00001', 1, '2027-01', '6602', NULL, 'P1', NULL, NULL, 1000, 0, NULL, NULL), "
                             "('PZ202701-00001', 2, '2027-01', '1002', NULL, 'P1', NULL, NULL, 0, 1000, NULL, NULL)"))
    facts.refresh(engine)  # the voucher was added behind the facts' back
    engine.dispose()
    return url


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("case", ["finance_only", "after_end"])
def test_every_page_on_sparse_data_opens_and_says_what_is_empty(case, lang, request, monkeypatch):
    monkeypatch.setenv("BFI_DATABASE_URL", request.getfixturevalue(f"{case}_url"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    for page in sorted(PAGES):
        # budget alerts (overspend) are red on purpose; _open still refuses "Something went wrong"
        at = _open(at, page, lang, errors_expected=True)
        if case == "after_end" and at.session_state["month._shown"] != AFTER_END:
            at.selectbox(key=f"month.{lang}").set_value(AFTER_END)
            at = _open(at, page, lang, errors_expected=True)
        assert at.title[0].value == PAGES[page][0 if lang == "zh" else 1]
        if page in SAYS_NOTHING[case]:
            assert at.info, (case, page)
    if case == "after_end":  # the month really is the empty one: revenue 0, the 1,000 expense only
        at = _open(at, "pages/overview.py", lang, errors_expected=True)
        values = {m.label: m.value for m in at.metric}
        assert values["营业收入" if lang == "zh" else "Revenue"] == ("¥0.00万" if lang == "zh" else "¥0.00M")


LEDGER_ONLY = ("accounts", "cost_centers", "plants", "vouchers", "voucher_lines", "dataset_info")


@pytest.fixture(scope="session")
def ledger_only_url(sparse_base, tmp_path_factory):
    """The ledger alone: no bank balance, no open item, no plan."""
    return derive(sparse_base, LEDGER_ONLY, tmp_path_factory.mktemp("app_ledger_only"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_without_bank_balances_todays_cash_is_unknown_not_zero(ledger_only_url, lang, monkeypatch):
    """A ledger-only database: the overview's cash cards and the cash page say "—" and why,
    never "¥0.00" as if the bank accounts were empty; no funding gap is judged from zero."""
    from ui.i18n import LABELS

    def t(key: str) -> str:
        return LABELS[key][0 if lang == "zh" else 1]

    monkeypatch.setenv("BFI_DATABASE_URL", ledger_only_url)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at = _open(at, "pages/overview.py", lang, errors_expected=True)
    values = {m.label: m.value for m in at.metric}
    assert values[t("kpi_cash_now")] == "—" and values[t("kpi_cash_min")] == "—", values
    at = _open(at, "pages/cash.py", lang, errors_expected=True)
    values = {m.label: m.value for m in at.metric}
    assert values[t("kpi_cash_now")] == "—" and values[t("kpi_cash_min")] == "—" and values[t("kpi_gap")] == "—"
    assert any(i.value.startswith(t("cash_no_position").split("{d}")[0]) for i in at.info), [i.value for i in at.info]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("lang, shown", [("zh", "数据库文件（无导入记录）"), ("en", "Database file (no import on record)")])
def test_an_empty_embedded_file_is_not_called_the_sample_plant(lang, shown, tmp_path, monkeypatch):
    """The app's own DuckDB file with the contract's tables and no build or import on record
    (another tool wrote it, or it was emptied) says so on the data page, never "sample plant"."""
    from data_loaders import engine as eng

    monkeypatch.setenv(eng.DATA_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(eng.URL_ENV, raising=False)
    engine = eng.make_engine(eng.default_url())
    eng.create_schema(engine)
    engine.dispose()
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at = _open(at, "pages/data.py", lang, errors_expected=True)
    assert {m.label: m.value for m in at.metric}["数据来源" if lang == "zh" else "Data source"] == shown


def test_plant_and_family_choices_speak_the_screen_language(app):
    """The sample's master names are bilingual ("P2 西南二厂 Southwest Plant"): an English sidebar and
    scope line show the English part only, a Chinese one keeps both."""
    from ui.codes import has_cjk

    at = _open(app, "pages/ledger.py", "en")
    plants, families = at.multiselect(key="plant"), at.multiselect(key="family")
    assert plants.options == ["P1 East China Plant", "P2 Southwest Plant"]
    assert families.options and not any(has_cjk(o) for o in families.options), families.options
    plants.set_value(["P2"])
    at.run()
    scope_line = next(c.value for c in at.caption if "Plants" in c.value)
    assert "Plants P2 Southwest Plant ·" in scope_line and not has_cjk(scope_line), scope_line
    at = _open(at, "pages/ledger.py", "zh")
    assert at.multiselect(key="plant").options == ["P1 华东一厂 East China Plant", "P2 西南二厂 Southwest Plant"]
    assert "工厂 P2 西南二厂 Southwest Plant" in next(c.value for c in at.caption if "工厂" in c.value)
