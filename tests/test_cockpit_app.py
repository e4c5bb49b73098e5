"""The overview's cockpit through Streamlit's AppTest: its cards, bridge, summary and table in
Chinese and English on the small sample, and its empty states (a ledger-only database, a
month with a voucher and nothing else, the first month of the data)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_app import APP, AFTER_END, _open, after_end_url, app, finance_only_url  # noqa: F401 - fixtures
from tests.test_sparse import sparse_base  # noqa: F401 - a fixture

CARDS = {"zh": ["营业收入", "毛利率", "成本差异率", "预算执行率（成本）", "OEE", "损失成本（设备时间）", "当前银行存款", "13 周内最低余额",
                "应收周转天数 DSO", "存货周转天数 DIO", "应付周转天数 DPO", "现金周期 CCC"],
         "en": ["Revenue", "Gross margin", "Cost variance rate", "Budget execution (costs)", "OEE", "Loss cost (machine time)", "Cash today",
                "Lowest balance in 13 weeks", "DSO", "DIO", "DPO", "Cash conversion cycle"]}
LINKS = {"zh": ["总账与损益", "产品盈利与成本差异", "OEE 与损失成本", "预算执行与控制", "资金预测与营运资本"],
         "en": ["Ledger and P&L", "Profitability and cost variances", "OEE and loss cost", "Budget execution and control",
                "Cash forecast and working capital"]}


def _bridge(at: AppTest) -> dict | None:
    charts = [c for c in at.get("plotly_chart") if "overview_bridge_chart" in (c.proto.id or "")]
    return json.loads(charts[0].proto.spec) if charts else None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_cockpit_in_both_languages(app, lang):
    at = _open(app, "pages/overview.py", lang, errors_expected=True)
    assert [m.label for m in at.metric] == CARDS[lang]
    assert all(m.value not in ("", "—") for m in at.metric)
    unit = "万" if lang == "zh" else "M"
    assert at.metric[0].value.startswith("¥") and at.metric[0].value.endswith(unit)  # money with its currency, compact
    spec = _bridge(at)
    assert spec is not None and spec["data"][0]["type"] == "waterfall"
    summary = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert len(summary) == 1
    lines = summary[0].splitlines()
    assert len(lines) >= 7  # revenue, margin, bridge, variance, OEE, budget, cash, working capital
    for title in LINKS[lang]:
        assert f"[{title} →](" in summary[0], title
    if lang == "en":
        assert all("?lang=en" in line for line in lines)  # each link opens its page in the same language
    table = [d.value for d in at.dataframe if CARDS[lang][2] in set(d.value.iloc[:, 0])]  # the one with the cost variance rate
    assert table and list(table[0].iloc[:, 0])[:3] == CARDS[lang][:3] and len(table[0]) == 10


def test_the_first_month_has_no_comparison_and_no_bridge(app):
    at = _open(app, "pages/overview.py", "en", errors_expected=True)
    at.selectbox(key="month.en").set_value("2024-11")  # the small sample's first month
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _bridge(at) is None
    assert any("no profit bridge" in i.value for i in at.info)
    assert len(at.metric) == 12


@pytest.mark.parametrize("case", ["finance_only", "after_end"])
def test_empty_states_never_crash(case, request, monkeypatch):
    url = request.getfixturevalue(f"{case}_url")
    monkeypatch.setenv("BFI_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at = _open(at, "pages/overview.py", "en", errors_expected=True)
    if case == "after_end":
        at.selectbox(key="month.en").set_value(AFTER_END)
        at = _open(at, "pages/overview.py", "en", errors_expected=True)
    values = {m.label: m.value for m in at.metric}
    assert len(values) == 12
    assert values["OEE"] == "—" and values["Cost variance rate"] == "—"  # no machine events, no work orders
    if case == "after_end":
        assert values["Revenue"] == "¥0.00M" and values["Gross margin"] == "—"
    else:
        assert values["Revenue"] not in ("—", "¥0.00M")


@pytest.mark.parametrize("mode", ["quarter", "ytd", "r12"])
def test_every_period_mode_draws_the_cockpit(app, mode):
    at = _open(app, "pages/overview.py", "en", errors_expected=True)
    at.button_group(key="mode.en").set_value(mode)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    values = {m.label: m.value for m in at.metric}
    assert len(values) == 12 and values["Revenue"] != "—"
    # OEE for every span (the report's total summed per work center in SQL)
    assert values["OEE"].endswith("%") and 0.5 < float(values["OEE"].rstrip("%")) / 100 < 1.0
