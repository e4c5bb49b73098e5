"""Code values become labels in the screen's language: no English code on a Chinese screen, no
Chinese on an English one. The language is passed explicitly (``language=``) except in the
one test that checks the session default."""

import re

import numpy as np
import pandas as pd
import pytest
import streamlit as st

import ui.codes as codes
from analytics.oee import LOSSES, SHIFTS
from data_loaders import schema
from sample_data.generator import REASONS
from sample_data.posting import POSTING_RULES
from ui.codes import (
    CODE_COLUMNS,
    NAME_COLUMNS,
    code_label,
    code_labels,
    localized_message,
    localized_name,
    translate_codes,
)

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _zh_ok(label: str) -> bool:
    """A Chinese label carries Chinese: not pure ASCII (codes such as 'breakdown' or 'F')."""
    return bool(CJK.search(label))


def _en_ok(label: str) -> bool:
    return not CJK.search(label)


# one zh and one en assertion per code family: (column, code, zh, en)
FAMILIES = [
    ("state", "breakdown", "故障停机", "Breakdown"),
    ("state", "reduced_speed", "降速运行", "Reduced speed"),
    ("state", "idle", "空闲待料", "Idle"),
    ("reason_code", "BD-ELECTRIC", "故障停机-电气故障", "Breakdown - electrical"),
    ("reason_code", "ID-NO-ORDER", "空闲-无订单", "Idle - no order"),
    ("reason", "MS-JAM", "小停机-卡料", "Minor stop - jam"),
    ("reason", "startup_rejects", "开机废品", "Startup rejects"),  # a computed loss, from ui.i18n
    ("source_doc_type", "material_issue", "领料单", "Material issue"),
    ("source_doc_type", "supplier_payment", "供应商付款", "Supplier payment"),
    ("status", "in_progress", "生产中", "In progress"),
    ("status", "posted", "已记账", "Posted"),
    ("status", "received", "已收货", "Received"),
    ("account_type", "liability", "负债", "Liability"),
    ("category", "overhead_applied", "已分配制造费用", "Overhead applied"),
    ("voucher_type", "MI", "生产领料", "Material issue"),
    ("voucher_type", "MJ", "手工凭证", "Manual journal"),
    ("version", "revised", "调整预算", "Revised"),
    ("line_type", "cost", "费用与成本", "Costs"),  # ui.i18n kpi_budget_costs
    ("fav_unfav", "F", "有利", "Favorable"),
    ("fav_unfav", "U", "不利", "Unfavorable"),
    ("level", "alert", "超支", "Over budget"),
    ("direction", "out", "流出", "Outflow"),
    ("source", "open_purchase_orders", "在途采购", "Open purchase orders"),  # ui.i18n out_open_purchase_orders_amount
    ("loss", "small_stops", "小停机", "Small stops"),  # ui.i18n loss_small_stops
    ("component", "labor", "直接人工", "Direct labor"),  # ui.i18n component_labor
    ("oee_factor", "performance", "性能率", "Performance"),
    ("step", "net_run", "净运行时间", "Net run time"),  # ui.i18n wf_net_run
    ("step", "oee_losses", "OEE 效率", "OEE efficiency"),  # ui.i18n bridge_oee_losses
    ("check", "unbalanced_voucher", "凭证借贷不平衡", "Unbalanced voucher"),
    ("problem", "overlapping_events", "设备事件重叠", "Overlapping events"),
    ("shift", 1, "早班 08–16", "Day 08–16"),
    ("shift_label", "16–24", "中班 16–24", "Evening 16–24"),
    ("issue_type", "return", "退料", "Return"),
]


@pytest.mark.parametrize("column,code,zh,en", FAMILIES)
def test_each_family_in_both_languages(column, code, zh, en):
    assert code_label(column, code, "zh") == zh
    assert code_label(column, code, "en") == en


def test_unknown_and_missing_values():
    assert code_label("state", "warming_up", "zh") == "warming_up"
    assert code_label("shift", 7, "en") == "7"  # unknown values come back as str
    assert code_label("no_such_column", "F", "zh") == "F"
    assert code_label("state", None, "zh") == ""
    assert code_label("state", np.nan, "en") == ""
    assert code_label("state", pd.NA, "en") == ""


def test_numpy_and_float_shift_codes_translate():
    # shift comes out of pandas as int64, or float after a merge that introduced NaN
    assert code_label("shift", np.int64(0), "en") == "Night 00–08"
    assert code_label("shift", 2.0, "zh") == "中班 16–24"


def test_bad_language_is_rejected():
    with pytest.raises(ValueError, match="language"):
        code_label("state", "idle", "fr")


def test_session_language_is_the_default():
    before = st.session_state.get("lang")
    try:
        st.session_state["lang"] = "en"
        assert code_label("state", "setup") == "Setup"
        assert translate_codes(pd.DataFrame({"status": ["closed"]})).status.tolist() == ["Closed"]
        st.session_state["lang"] = "zh"
        assert code_label("state", "setup") == "换型调机"
        assert localized_name("球阀 Ball valve DN15") == "球阀 Ball valve DN15"
    finally:
        if before is None:
            del st.session_state["lang"]
        else:
            st.session_state["lang"] = before


def test_code_labels_for_figures():
    values = ["running", "breakdown", None, "running", "unknown"]
    assert code_labels("state", values, "zh") == ["运行", "故障停机", "", "运行", "unknown"]
    assert code_labels("state", pd.Series(values), "en") == ["Running", "Breakdown", "", "Running", "unknown"]


@pytest.mark.parametrize("name,en", [
    ("球阀 Ball valve DN15", "Ball valve DN15"),
    ("PE管 PE pipe DN32", "PE pipe DN32"),  # the Chinese word starts with Latin letters
    ("O形圈 O-ring", "O-ring"),
    ("液晶屏 LCD", "LCD"),
    ("一厂机加线 P1 Machining", "P1 Machining"),
    ("6602 管理费用 Administrative expenses", "6602 Administrative expenses"),  # account_label keeps its code
    ("\u3000\u3000P1-MACH 一厂机加线 P1 Machining", "\u3000\u3000P1-MACH P1 Machining"),  # tree labels keep their indent
    ("生产成本-直接材料", "生产成本-直接材料"),  # only Chinese: unchanged
    ("6602 管理费用 ", "6602 管理费用 "),  # account_label without an English name: unchanged
    ("球阀 DN15", "球阀 DN15"),  # a size is not an English name
    ("Ball valve DN15", "Ball valve DN15"),  # only English: unchanged
    ("纸箱 Carton 天津 Tianjin", "Carton Tianjin"),  # Chinese words between English ones: all dropped, not the first name
    ("阀体铸件 Valve casting 天津 Tianjin", "Valve casting Tianjin"),
    ("M-01 纸箱 Carton 天津", "M-01 Carton"),  # a trailing Chinese word goes too
])
def test_localized_name(name, en):
    assert localized_name(name, "en") == en
    assert localized_name(name, "zh") == name
    assert localized_name(None, "en") == ""


def test_localized_message():
    assert localized_message("duplicate key / 主键重复", "zh") == "主键重复"
    assert localized_message("duplicate key / 主键重复", "en") == "duplicate key"
    # the English side holds the details: a Chinese screen shows them after the Chinese, so
    # that a message cut at its cell's width still starts in Chinese
    detailed = "duplicate key, also in a.csv row 7 / 主键重复"
    assert localized_message(detailed, "zh") == "主键重复（duplicate key, also in a.csv row 7）"
    assert localized_message(detailed, "en") == "duplicate key, also in a.csv row 7"
    assert localized_message("1.00 / 2.00", "en") == "1.00 / 2.00"  # not a bilingual message
    assert localized_message("借贷不平衡", "en") == "借贷不平衡"


def test_translate_codes_does_not_mutate_and_keeps_order():
    frame = pd.DataFrame({
        "state": ["running", "breakdown", None],
        "reason_code": [None, "BD-TOOLING", "XX-NEW"],
        "fav_unfav": ["F", "—", "U"],
        "product_name": ["球阀 Ball valve DN15", "法兰 Flange DN20", "球阀 Ball valve DN15"],
        "minutes": [10.0, 5.0, 1.0],
    })
    original = frame.copy()
    zh = translate_codes(frame, "zh")
    en = translate_codes(frame, "en")
    pd.testing.assert_frame_equal(frame, original)
    assert list(zh.columns) == list(frame.columns) == list(en.columns)
    assert zh.state.tolist()[:2] == ["运行", "故障停机"] and pd.isna(zh.state.iloc[2])
    assert en.reason_code.tolist()[1:] == ["Breakdown - tooling", "XX-NEW"]  # unknown code kept
    assert zh.fav_unfav.tolist() == ["有利", "—", "不利"]
    assert zh.product_name.tolist() == frame.product_name.tolist()
    assert en.product_name.tolist() == ["Ball valve DN15", "Flange DN20", "Ball valve DN15"]
    assert en.minutes.tolist() == [10.0, 5.0, 1.0]


def test_all_unknown_column_stays_as_it_is():
    # the cash backtest's step is a horizon 1, 2, 3, not a waterfall step
    frame = pd.DataFrame({"step": np.arange(1, 4), "forecast": [1.0, 2.0, 3.0]})
    out = translate_codes(frame, "en")
    pd.testing.assert_frame_equal(out, frame)


def test_account_names_follow_the_language():
    frame = pd.DataFrame({
        "account_code": ["6602", "9999", "9998"],
        "account_name": ["管理费用", "自定义科目", "另一科目"],
        "account_name_en": ["Administrative expenses", None, "  "],
        "debit_amount": [1.0, 2.0, 3.0],
    })
    en = translate_codes(frame, "en")
    zh = translate_codes(frame, "zh")
    assert list(en.columns) == list(zh.columns) == ["account_code", "account_name", "debit_amount"]
    assert en.account_name.tolist() == ["Administrative expenses", "自定义科目", "另一科目"]  # no English name: the Chinese one
    assert zh.account_name.tolist() == ["管理费用", "自定义科目", "另一科目"]
    assert "account_name_en" in frame  # the input keeps it


def test_translation_is_per_distinct_value(monkeypatch):
    calls = []
    real = codes.localized_name

    def counting(value, language=None):
        calls.append(value)
        return real(value, language)

    monkeypatch.setattr(codes, "localized_name", counting)
    n = 120_000
    frame = pd.DataFrame({
        "state": np.resize(np.array(list(codes.MACHINE_STATES)), n),
        "customer_name": np.resize(np.array(["华润燃气 CR Gas", "港华燃气 Towngas", "成都燃气 Chengdu Gas"]), n),
    })
    out = translate_codes(frame, "en")
    assert len(calls) == 3  # three distinct names, not 120,000 rows
    assert out.customer_name.iloc[n - 1] == ["CR Gas", "Towngas", "Chengdu Gas"][(n - 1) % 3]
    assert set(out.state) == {pair[1] for pair in codes.MACHINE_STATES.values()}


def test_every_label_is_in_its_language():
    for column, labels in CODE_COLUMNS.items():
        for code, (zh, en) in labels.items():
            assert _zh_ok(zh), (column, code, zh)
            assert _en_ok(en), (column, code, en)
            assert en.strip() and en != code or column == "shift_label", (column, code, en)


def test_contract_choices_all_have_labels():
    # (currency codes are shown as the ISO 4217 codes they are: a column with an `expected` text needs no labels)
    # every text column of the contract with fixed choices is a code column, and every choice has a label
    for table in schema.CONTRACT_TABLES:
        for column in [c for c in table.columns if not c.info.get("expected")]:
            for choice in column.info.get("choices", ()):
                assert choice in CODE_COLUMNS.get(column.name, {}), f"{table.name}.{column.name} = {choice!r}"


def test_computed_codes_have_labels():
    assert set(LOSSES) <= set(CODE_COLUMNS["loss"])
    assert set(SHIFTS) == set(CODE_COLUMNS["shift"])
    assert set(SHIFTS.values()) == set(CODE_COLUMNS["shift_label"])
    assert set(POSTING_RULES.voucher_type) == set(CODE_COLUMNS["voucher_type"])
    assert set(POSTING_RULES.source_doc_type) - {"-"} <= set(CODE_COLUMNS["source_doc_type"])
    reasons = {code for group in REASONS.values() for code in group}
    assert reasons == set(CODE_COLUMNS["reason_code"])
    assert reasons | set(REASONS) | {"reduced_speed", "startup_rejects", "production_rejects"} <= set(CODE_COLUMNS["reason"])


SAMPLE_CODE_COLUMNS = [
    ("machine_events", "state"), ("machine_events", "reason_code"), ("voucher_lines", "source_doc_type"),
    ("work_orders", "status"), ("accounts", "category"), ("accounts", "account_type"), ("vouchers", "voucher_type"),
    ("vouchers", "status"), ("budgets", "version"), ("sales_orders", "status"), ("purchase_orders", "status"),
    ("material_issues", "issue_type"),
]


@pytest.mark.parametrize("table,column", SAMPLE_CODE_COLUMNS)
def test_every_sample_code_translates(small_sample, table, column):
    values = small_sample[table][column].dropna().unique()
    assert len(values) > 0
    for language, ok in (("zh", _zh_ok), ("en", _en_ok)):
        shown = translate_codes(small_sample[table][[column]], language)[column]
        assert shown.notna().sum() == small_sample[table][column].notna().sum()
        for code, label in zip(small_sample[table][column], shown):
            if pd.isna(code):
                continue
            assert label != code and ok(label), (table, column, language, code, label)


def test_sample_names_on_english_screens_have_no_chinese(small_sample):
    checked = 0
    for table, frame in small_sample.items():
        for column in frame.columns:
            if column not in NAME_COLUMNS:
                continue
            en = translate_codes(frame[[column]], "en")[column]
            zh = translate_codes(frame[[column]], "zh")[column]
            for name, shown, kept in zip(frame[column], en, zh):
                assert _en_ok(shown), (table, column, name, shown)
                assert kept == name
                checked += 1
    # plants, cost centers, work centers, products (name and family), suppliers, customers, materials, banks, cities
    assert checked >= 2 + 16 + 12 + 42 * 2 + 10 + 15 + 18 + 2 + 2


def test_sample_account_names(small_sample):
    accounts = small_sample["accounts"]
    en = translate_codes(accounts, "en")
    assert "account_name_en" not in en
    assert en.set_index("account_code").account_name["1122"] == "Accounts receivable"
    assert all(_en_ok(x) for x in en.account_name)
    assert translate_codes(accounts, "zh").set_index("account_code").account_name["1122"] == "应收账款"


def test_every_forecast_candidate_and_landing_method_reads_as_words():
    from analytics.budget import METHODS
    from analytics.forecast import CANDIDATES

    for name in (*CANDIDATES, *METHODS):
        if name == "seasonal":  # the method that picks a candidate: its rows name the candidate
            continue
        zh, en = code_label("forecast_model", name, "zh"), code_label("forecast_model", name, "en")
        assert zh != name and en != name and "_" not in en, (name, zh, en)


def test_localized_warning_keeps_the_file_and_speaks_the_screens_language():
    from ui.codes import localized_warning

    gbk = "凭证列表.csv: read as GBK text / 按 GBK 编码读取"  # a Chinese file name: still a bilingual warning (#15 walk)
    assert localized_warning(gbk, "zh") == "凭证列表.csv：按 GBK 编码读取"
    assert localized_warning(gbk, "en") == "凭证列表.csv: read as GBK text"
    listed = "凭证.csv: not imported into voucher_lines: 会计年度, 摘要 / 未导入的列"  # the details follow the Chinese
    assert localized_warning(listed, "zh") == "凭证.csv：未导入的列（not imported into voucher_lines: 会计年度, 摘要）"
    assert localized_warning(listed, "en") == "凭证.csv: not imported into voucher_lines: 会计年度, 摘要"
    assert localized_warning("a lock was waited for", "zh") == "a lock was waited for"
