"""Figure builders: money in the chosen unit, both languages, legends clear of titles, small
multiples, readable waterfalls and Pareto charts. Hand-made frames; the arithmetic is in the tests.

The language and the money unit are read from ``st.session_state`` as on a page; outside a
running app Streamlit keeps that state in memory (it warns about a missing ScriptRunContext),
so the fixture sets it and clears it afterwards.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import streamlit as st

from ui import figures as F

# language, unit key in the sidebar, divisor, axis unit label
SETTINGS = {"zh": ("zh", "auto", 1e4, "万元"), "en": ("en", "auto", 1e6, "CNY M")}


@pytest.fixture(params=["zh", "en"])
def session(request):
    lang, unit, divisor, label = SETTINGS[request.param]
    st.session_state["lang"], st.session_state["unit"] = lang, unit
    yield {"lang": lang, "divisor": divisor, "unit": label}
    for key in ("lang", "unit"):
        if key in st.session_state:
            del st.session_state[key]


@pytest.fixture
def zh():
    st.session_state["lang"], st.session_state["unit"] = "zh", "auto"
    yield
    del st.session_state["lang"], st.session_state["unit"]


# ------------------------------------------------------------------ small frames

def pnl_frame():
    return pd.DataFrame({"period": ["2026-10", "2026-09"], "revenue_amount": [12_345_678.0, 20_000_000.0],
                         "gross_profit_amount": [3_000_000.0, 4_000_000.0], "variance_amount": [100_000.0, -200_000.0],
                         "gross_margin_pct": [0.243, 0.2]})


def trend_frame(n: int = 12, periods=("2026-08", "2026-09", "2026-10")):
    return pd.DataFrame([(f"WC{i:02d}", p, 0.6 + i / 100) for i in range(n) for p in periods],
                        columns=["work_center_id", "month", "oee_pct"])


def bridge_frame(start: float, steps: list[tuple[str, float]]):
    end = start + sum(v for _, v in steps)
    rows = [("start", start, "absolute")] + [(s, v, "relative") for s, v in steps] + [("end", end, "total")]
    return pd.DataFrame(rows, columns=["step", "amount", "measure"])


def time_waterfall_frame(quality_loss_min: float = 0.3):
    # 31 days x 24 h = 744 h = 44,640 min; 10 h excluded; 100 h down; 50 h slow; quality loss given
    ppt, run, net = 44_640 - 600, 44_640 - 600 - 6_000, 44_640 - 600 - 6_000 - 3_000
    return pd.DataFrame({
        "step": ["calendar", "excluded", "planned_production", "availability_loss", "run", "performance_loss", "net_run",
                 "quality_loss", "fully_productive"],
        "minutes": [44_640, -600, ppt, -6_000, run, -3_000, net, -quality_loss_min, net - quality_loss_min],
        "measure": ["absolute", "relative", "total", "relative", "total", "relative", "total", "relative", "total"]})


def pareto_frame(reasons):
    amounts = [500_000.0 - 50_000.0 * i for i in range(len(reasons))]
    d = pd.DataFrame({"reason": reasons, "loss_cost_amount": amounts})
    return d.assign(cumulative_pct=d.loss_cost_amount.cumsum() / d.loss_cost_amount.sum())


def all_figures():
    """One figure from every builder, from small frames."""
    wc = pd.DataFrame({"period": ["2026-09", "2026-10"], "dso_days": [40, 41], "dio_days": [30, 31], "dpo_days": [20, 21],
                       "ccc_days": [50, 51]})
    prod = pd.DataFrame({"period": ["2026-09", "2026-10"] * 2, "family": ["F1", "F1", "F2", "F2"], "good_qty": [10, 20, 30, 40],
                         "scrap_pct": [0.01, 0.02, 0.03, 0.01]})
    products = pd.DataFrame({"product_id": ["P1", "P2"], "product_name": ["Alpha", "Beta"], "family": ["F1", "F2"], "qty": [100, 200],
                             "gross_margin_pct": [0.2, 0.3], "revenue_amount": [1e6, 2e6], "gross_profit_amount": [2e5, 6e5]})
    weekly = pd.DataFrame({"period_start_date": pd.date_range("2026-11-23", periods=3, freq="W-MON"),
                           "closing_amount": [5e6, 4e6, 3e6]})
    base = pd.DataFrame({c: [5e6, 4e6, 3e6] for c in ("forecast", "lower", "upper", "lower_50", "upper_50")})
    days = pd.DataFrame([(f"WC{i}", d, 0.7) for i in range(3) for d in pd.date_range("2026-10-01", periods=5)],
                        columns=["work_center_id", "date", "oee_pct"])
    heat = pd.DataFrame({"cost_center_id": ["CC1", "CC1", "CC2"], "period": ["2026-02", "2026-01", "2026-01"],
                         "execution_pct": [1.0, 0.9, 1.2]})
    ytd = pd.DataFrame({"cost_center_id": ["CC1", "CC2"], "budget_amount": [1e6, 2e6], "actual_amount": [5e5, 1e6],
                        "committed_amount": [1e5, 0.0], "budget_to_date_amount": [6e5, 1.2e6]})
    events = pd.DataFrame({"event_id": [1, 2], "start_at": pd.to_datetime(["2026-10-01 08:00", "2026-10-01 09:00"]),
                           "end_at": pd.to_datetime(["2026-10-01 09:00", "2026-10-01 09:30"]), "state": ["running", "breakdown"],
                           "reason_code": [None, "BD-HYDRAULIC"]})
    variances = pd.DataFrame({"family": ["Housings", "Shafts"], "material_price_amount": [1e5, 2e5], "labor_rate_amount": [-3e4, 1e4]})
    completeness = pd.DataFrame({"period": ["2026-09", "2026-10"] * 2, "plant_id": ["P1", "P1", "P2", "P2"],
                                 "completeness_pct": [0.99, 1.0, 0.98, 1.0]})
    return {
        "pnl": F.build_monthly_pnl_figure(pnl_frame(), "CNY"),
        "output": F.build_output_figure(prod),
        "scrap": F.build_scrap_figure(prod),
        "events": F.build_events_timeline(events),
        "completeness": F.build_completeness_figure(completeness),
        "oee_trend": F.build_oee_trend_figure(trend_frame(3), "month", 0.85),
        "time_waterfall": F.build_time_waterfall_figure(time_waterfall_frame()),
        "pareto": F.build_pareto_figure(pareto_frame(["BD-HYDRAULIC", "SU-CHANGEOVER", "MS-JAM"]), "CNY"),
        "oee_heatmap": F.build_oee_heatmap(days),
        "margin_map": F.build_margin_map(products, "CNY"),
        "variance_components": F.build_variance_components_figure(variances, "family", ["material_price", "labor_rate"], "CNY"),
        "bridge": F.build_bridge_figure(bridge_frame(1e6, [("price", 2e5)]), "Bridge", "CNY"),
        "execution_heatmap": F.build_execution_heatmap(heat),
        "bullets": F.build_bullets(ytd, "CNY"),
        "cash_fan": F.build_cash_fan(weekly, base, 1e6, "CNY"),
        "working_capital": F.build_working_capital_figure(wc),
    }


# ------------------------------------------------------------------ money in the chosen unit

def test_monthly_pnl_money_in_unit_and_periods_in_language(session):
    fig = F.build_monthly_pnl_figure(pnl_frame(), "CNY")
    revenue = fig.data[0]
    # 12,345,678 CNY is 1,234.5678 万元 (/ 10,000) and 12.345678 CNY M (/ 1,000,000)
    assert list(revenue.y) == pytest.approx([12_345_678 / session["divisor"], 20_000_000 / session["divisor"]])
    assert session["unit"] in fig.layout.yaxis.title.text
    assert fig.layout.yaxis.title.text == ("金额（万元）" if session["lang"] == "zh" else "Amount (CNY M)")
    assert fig.layout.yaxis.tickformat == ",.2~f"  # 1.5 (M) keeps its decimal; whole numbers show none
    assert ":,.2f}" in revenue.hovertemplate and session["unit"] in revenue.hovertemplate
    expected = ["2026年10月", "2026年9月"] if session["lang"] == "zh" else ["Oct 2026", "Sep 2026"]
    assert list(revenue.x) == expected
    # the category order is the calendar, whatever the row order of the frame
    assert list(fig.layout.xaxis.categoryarray) == expected[::-1]
    # the margin line keeps its fractions, shown as %
    assert list(fig.data[3].y) == [0.243, 0.2] and fig.layout.yaxis2.tickformat == ".0%"


def test_unit_choice_of_the_user_is_followed():
    st.session_state["lang"], st.session_state["unit"] = "en", "1e3"
    try:
        fig = F.build_monthly_pnl_figure(pnl_frame(), "CNY")
        assert fig.data[0].y[0] == pytest.approx(12_345.678)  # 12,345,678 / 1,000
        assert fig.layout.yaxis.title.text == "Amount (CNY K)"
    finally:
        del st.session_state["lang"], st.session_state["unit"]


def test_cash_fan_margin_map_bullets_and_variances_in_unit(session):
    figs = all_figures()
    div, unit = session["divisor"], session["unit"]
    fan = figs["cash_fan"]
    driver = [tr for tr in fan.data if tr.mode == "lines+markers"][0]
    assert list(driver.y) == pytest.approx([5e6 / div, 4e6 / div, 3e6 / div])
    assert fan.layout.shapes[0].y0 == pytest.approx(1e6 / div)  # the minimum-cash line in the unit too
    assert unit in fan.layout.yaxis.title.text and unit in driver.hovertemplate
    bubbles = figs["margin_map"].data[1]  # family F2: product P2, revenue 2,000,000, gross profit 600,000
    assert list(bubbles.customdata[0]) == ["P2", pytest.approx(2e6 / div), pytest.approx(6e5 / div)]
    assert f"%{{customdata[1]:,.2f}} {unit}" in bubbles.hovertemplate
    actual = figs["bullets"].data[1]  # sorted by execution: CC1 0.5, CC2 0.5 -> CC1 first; actual 500,000
    assert actual.customdata[0][0] == pytest.approx(5e5 / div) and actual.customdata[0][1] == pytest.approx(0.5)
    assert unit in actual.hovertemplate
    price = figs["variance_components"].data[0]
    assert list(price.y) == pytest.approx([1e5 / div, 2e5 / div])
    assert unit in figs["variance_components"].layout.yaxis.title.text


# ------------------------------------------------------------------ layout: titles, legends, fonts

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_builder_title_top_left_legend_below_and_large_type(lang):
    st.session_state["lang"], st.session_state["unit"] = lang, "auto"
    try:
        figs = all_figures()
    finally:
        del st.session_state["lang"], st.session_state["unit"]
    for name, fig in figs.items():
        lay = fig.layout
        title_lines = lay.title.text.count("<br>") + 1
        assert (lay.title.xref, lay.title.x, lay.title.xanchor) == ("container", 0, "left"), name
        assert (lay.title.yref, lay.title.y, lay.title.yanchor) == ("container", 1, "top"), name
        assert lay.margin.t >= 16 + 28 * title_lines, name  # the title has its own band above the plot
        # the legend sits at the bottom edge of the figure, below the x axis, far from the title
        assert (lay.legend.orientation, lay.legend.yref, lay.legend.y, lay.legend.yanchor) == ("h", "container", 0, "bottom"), name
        rows = F.legend_rows(fig)
        if rows:
            assert lay.margin.b >= 30 * rows + 12 + 22 + 30, name  # legend rows + x tick labels + x title
        assert lay.font.size >= 14 and lay.hoverlabel.font.size >= 14, name
        for trace in fig.data:
            size = trace.textfont.size if "textfont" in trace else None
            if getattr(trace, "text", None) is not None and trace.type in ("bar", "waterfall"):
                assert size is not None and size >= 11, name
        fig.to_json()  # valid for the browser


def test_legend_rows_estimate():
    st.session_state["lang"] = "zh"
    try:
        fig = F.build_monthly_pnl_figure(pnl_frame(), "CNY")
        # 收入 2 CJK x 14 px + 46 = 74; 毛利 74; 成本差异 56 + 46 = 102; 毛利率 42 + 46 = 88; 338 px < 620: one row
        assert F.legend_rows(fig) == 1
        many = pd.DataFrame({"family": [f"产品族{i}号很长的名称" for i in range(6)] * 2, "period": ["2026-09"] * 6 + ["2026-10"] * 6,
                             "good_qty": range(12)})
        fig = F.build_output_figure(many)
        # each item 46 + 10 x 14 = 186 px; three fit in 620 (558), the fourth does not: 6 items -> 2 rows
        assert F.legend_rows(fig) == 2
        assert fig.layout.height == 420 + 30  # one more legend row makes the figure taller, not the plot smaller
    finally:
        del st.session_state["lang"]


# ------------------------------------------------------------------ small multiples

def test_oee_trend_with_twelve_work_centers_becomes_small_multiples(session):
    fig = F.build_oee_trend_figure(trend_frame(12), "month", 0.85)
    x_axes = [k for k in fig.layout.to_plotly_json() if k.startswith("xaxis")]
    assert len(x_axes) == 12  # 12 work centers, 4 columns x 3 rows
    assert len(fig.data) == 12 and {tr.xaxis for tr in fig.data} == {"x"} | {f"x{i}" for i in range(2, 13)}
    assert [a.text for a in fig.layout.annotations][:12] == [f"WC{i:02d}" for i in range(12)]  # a panel title per series
    y_axes = [k for k in fig.layout.to_plotly_json() if k.startswith("yaxis") and k != "yaxis"]
    assert all(fig.layout[k].matches == "y" for k in y_axes)  # one y scale for all 12 panels
    assert fig.layout.showlegend is False
    # the target line in every panel
    assert sum(1 for s in fig.layout.shapes if s.y0 == 0.85) == 12


def test_series_selects_and_max_series_decides(session):
    fig = F.build_oee_trend_figure(trend_frame(12), "month", 0.85, series=["WC01", "WC05"])
    assert [tr.name for tr in fig.data] == ["WC01", "WC05"] and "xaxis2" not in fig.layout.to_plotly_json()
    fig = F.build_oee_trend_figure(trend_frame(12), "month", max_series=12)
    assert len(fig.data) == 12 and "xaxis2" not in fig.layout.to_plotly_json()
    seven = pd.DataFrame({"period": ["2026-09", "2026-10"] * 7, "family": [f"F{i}" for i in range(7) for _ in range(2)],
                          "scrap_pct": [0.01] * 14})
    fig = F.build_scrap_figure(seven)
    assert len(fig.data) == 7 and "xaxis7" in fig.layout.to_plotly_json()  # 7 > 6: 3 columns x 3 rows
    wc = pd.DataFrame({"period": ["2026-09", "2026-10"], "dso_days": [40, 41], "dio_days": [30, 31], "dpo_days": [20, 21],
                       "ccc_days": [50, 51]})
    fig = F.build_working_capital_figure(wc, series=["ccc_days"])
    assert [tr.name for tr in fig.data] == ["CCC"] and list(fig.data[0].y) == [50, 51]


def test_week_and_day_grains_are_date_axes_formatted_per_language(session):
    weekly = trend_frame(2, periods=("2026-10-05", "2026-10-12")).rename(columns={"month": "week"})
    fig = F.build_oee_trend_figure(weekly, "week")
    assert fig.layout.xaxis.type == "date"
    formats = [s.value for s in fig.layout.xaxis.tickformatstops]
    assert ("%-m月%-d日" in formats) if session["lang"] == "zh" else ("%b %-d" in formats)
    assert fig.layout.xaxis.title.text == ("周（周一起）" if session["lang"] == "zh" else "Week (from Monday)")


# ------------------------------------------------------------------ waterfalls

def test_bridge_drops_zero_steps_and_signs_the_rest(session):
    # start 1,000,000; price +200,000; volume 0; mix 0.004 (below half a cent); scrap −50,000
    bridge = bridge_frame(1_000_000.0, [("price", 200_000.0), ("volume", 0.0), ("mix", 0.004), ("scrap", -50_000.0)])
    fig = F.build_bridge_figure(bridge, "t", "CNY")
    w = fig.data[0]
    names = {"zh": ["起点", "价格", "报废", "终点"], "en": ["Start", "Price", "Scrap", "End"]}[session["lang"]]
    assert list(w.x) == names
    div = session["divisor"]
    assert list(w.y) == pytest.approx([1e6 / div, 2e5 / div, -5e4 / div, 1_150_000.004 / div])
    # 万元: 100, +20, −5, 115 (smallest 5: one decimal); M: 1, +0.2, −0.05, 1.15 (smallest 0.05: two)
    expected = {"zh": ["100.0", "+20.0", "\u22125.0", "115.0"], "en": ["1.00", "+0.20", "\u22120.05", "1.15"]}[session["lang"]]
    assert list(w.text) == expected
    assert w.textfont.size >= 11 and fig.layout.xaxis.tickangle == 0
    assert session["unit"] in fig.layout.yaxis.title.text and session["unit"] in w.hovertext[1]


def test_bridge_zooms_when_steps_are_small_and_says_so(session):
    fig = F.build_bridge_figure(bridge_frame(100_000_000.0, [("price", 2_000_000.0)]), "t", "CNY")
    div = session["divisor"]
    lo, hi = 100_000_000 / div, 102_000_000 / div
    pad = 0.15 * (hi - lo)  # 万元: levels 10,000 and 10,200, pad 30 -> [9,970, 10,230]
    assert list(fig.layout.yaxis.range) == pytest.approx([lo - pad, hi + pad])
    assert fig.layout.yaxis.range[0] > 0  # zero is not on the axis
    step_share = (2_000_000 / div) / (fig.layout.yaxis.range[1] - fig.layout.yaxis.range[0])
    assert step_share >= 0.03  # 200 / 260 = 77 % of the visible range instead of 2 % of a zero-based one
    note = {"zh": "纵轴未从零开始", "en": "Axis does not start at zero"}[session["lang"]]
    assert [a.text for a in fig.layout.annotations] == [note]
    assert fig.layout.yaxis.tickformat == ",.2~f"  # ticks 5.5 and 6 on a zoomed axis in M stay apart (",.0f" gave "6, 6")


def test_bridge_keeps_zero_when_steps_are_large(session):
    # 100 M − 60 M = 40 M: the step is 60 % of a zero-based axis, nothing to zoom
    fig = F.build_bridge_figure(bridge_frame(100_000_000.0, [("price", -60_000_000.0)]), "t", "CNY")
    assert fig.layout.yaxis.range is None and not fig.layout.annotations
    # levels across zero (a profit turning into a loss) are never zoomed either
    assert F.waterfall_range([1_000.0, -1_010.0, 0.0], ["absolute", "relative", "total"]) is None


def test_waterfall_range_arithmetic():
    # 1,000 start, +10, −5: levels 1,000 / 1,010 / 1,005; step 5 / 1,010 = 0.5 % < 3 % -> zoom
    # span 1,000..1,010, pad 0.15 x 10 = 1.5 -> [998.5, 1,011.5]
    assert F.waterfall_range([1000, 10, -5, 0], ["absolute", "relative", "relative", "total"]) == pytest.approx([998.5, 1011.5])
    # all negative: −1,000 start, −10: levels −1,000 / −1,010; pad 1.5 -> [−1,011.5, −998.5]
    assert F.waterfall_range([-1000, -10, 0], ["absolute", "relative", "total"]) == pytest.approx([-1011.5, -998.5])
    # 40 on 1,000 is 4 % >= 3 %: the zero-based axis stays
    assert F.waterfall_range([1000, 40, 0], ["absolute", "relative", "total"]) is None


def test_time_waterfall_in_hours_drops_half_minute_steps_and_zooms(session):
    fig = F.build_time_waterfall_figure(time_waterfall_frame(quality_loss_min=0.3))
    w = fig.data[0]
    assert len(w.x) == 8  # the 0.3-minute quality loss is gone; totals stay
    assert list(w.y[:4]) == pytest.approx([744, -10, 734, -100])  # 44,640 / 60 = 744 h; 600 / 60 = 10 h
    assert list(w.text[:4]) == ["744", "\u221210", "734", "\u2212100"]
    # the smallest step, 10 h, is 1.3 % of a zero-based 744 h axis: zoom to 584..744 h plus 15 % of 160 = 24
    assert list(fig.layout.yaxis.range) == pytest.approx([584 - 24, 744 + 24])
    assert fig.layout.xaxis.tickangle == 0 and w.textfont.size >= 11
    # drawn full width: 86 Chinese or 160 Latin characters across 8 steps -> 86 // 8 - 1 = 9, 160 // 8 - 1 = 19 a line
    assert all(len(part) <= (9 if session["lang"] == "zh" else 19) for label in w.x for part in label.split("<br>"))
    # a one-minute step survives
    assert len(F.build_time_waterfall_figure(time_waterfall_frame(quality_loss_min=1.0)).data[0].x) == 9


# ------------------------------------------------------------------ Pareto, heatmaps, timeline, config

def test_pareto_short_labels_are_columns_with_horizontal_labels(session):
    fig = F.build_pareto_figure(pareto_frame(["MS-JAM", "MS-SENSOR", "BD-TOOLING"]), "CNY")
    bars, cum = fig.data
    assert bars.orientation in (None, "v") and fig.layout.xaxis.tickangle == 0
    assert list(bars.y) == pytest.approx([5e5 / session["divisor"], 4.5e5 / session["divisor"], 4e5 / session["divisor"]])
    assert cum.yaxis == "y2" and fig.layout.yaxis2.tickformat == ".0%"  # cumulative share on the secondary axis
    assert bars.textfont.size >= 11 and session["unit"] in fig.layout.yaxis.title.text


def test_pareto_many_or_long_reasons_become_horizontal_bars(session):
    reasons = ["BD-HYDRAULIC", "BD-ELECTRIC", "BD-MECHANICAL", "BD-TOOLING", "SU-CHANGEOVER", "SU-ADJUST", "MS-JAM"]
    fig = F.build_pareto_figure(pareto_frame(reasons), "CNY")
    bars, cum = fig.data
    assert bars.orientation == "h" and fig.layout.yaxis.autorange == "reversed"  # largest on top
    assert list(bars.x[:2]) == pytest.approx([5e5 / session["divisor"], 4.5e5 / session["divisor"]])
    assert cum.xaxis == "x2" and fig.layout.xaxis2.side == "top" and fig.layout.xaxis2.overlaying == "x"
    assert fig.layout.xaxis.tickangle == 0 and fig.layout.yaxis.tickangle == 0
    assert session["unit"] in fig.layout.xaxis.title.text


def test_heatmaps_dates_per_language_and_percent_colorbars(session):
    figs = all_figures()
    oee = figs["oee_heatmap"]
    assert oee.layout.xaxis.type == "date" and oee.data[0].colorbar.tickformat == ".0%"
    assert ("%Y年%-m月%-d日" if session["lang"] == "zh" else "%b %-d, %Y") in oee.data[0].hovertemplate
    execution = figs["execution_heatmap"]
    assert list(execution.data[0].x) == (["2026年1月", "2026年2月"] if session["lang"] == "zh" else ["Jan 2026", "Feb 2026"])
    assert execution.data[0].colorbar.tickformat == ".0%"


def test_events_timeline_states_in_language(zh):
    fig = all_figures()["events"]
    assert {tr.name for tr in fig.data} == {"运行", "故障停机"}


def test_plotly_config_per_language():
    st.session_state["lang"] = "zh"
    try:
        config = F.plotly_config()
        assert config["locale"] == "zh-CN" and config["locales"]["zh-CN"]["dictionary"]["Zoom in"] == "放大"
        assert config["displaylogo"] is False and config["toImageButtonOptions"]["scale"] == 2
        st.session_state["lang"] = "en"
        assert F.plotly_config()["locale"] == "en-US" and "locales" not in F.plotly_config()
    finally:
        del st.session_state["lang"]


def test_labels_and_periods(zh):
    assert F.period_label("2026-01") == "2026年1月" and F.period_label("P1") == "P1"
    assert F.wrap_label("这是一个超过十个字的很长的类别名称") == "这是一个超过十个字<br>的很长的类别名称"  # 17 characters in 10: two lines of 9 and 8
    st.session_state["lang"] = "en"
    assert F.period_label("2026-12") == "Dec 2026"
    assert F.wrap_label("Downtime and setup") == "Downtime and<br>setup"
    assert F.label_decimals([744, -10]) == 0 and F.label_decimals([1.0, 0.05]) == 2 and F.label_decimals([100, 5]) == 1


def test_labels_from_the_data_cannot_carry_html():
    from ui.figures import _inert, build_variance_components_figure

    # every tag but our own <br> line break is shown as typed
    assert _inert("<a href='https://evil.example'>P</a><br>Q") == "&lt;a href='https://evil.example'>P&lt;/a><br>Q"
    assert list(_inert(["<b>x</b>", "plain", None])) == ["&lt;b>x&lt;/b>", "plain", None]
    frame = pd.DataFrame({"family": ["<b>V</b>", "Valves"], "material_price_amount": [1.0, 2.0]})
    fig = build_variance_components_figure(frame, "family", ["material_price"], "CNY")
    labels = [str(v) for trace in fig.data for v in (*trace.x, *trace.y, trace.name) if isinstance(v, str)]
    assert "&lt;b>V&lt;/b>" in labels and not any("<b>" in v for v in labels)


def test_oee_heatmap_shows_the_lowest_work_centers_first(session):
    # 45 work centers: WC00 has OEE 0.50, WC01 0.51, … WC44 0.94; the heatmap keeps the 30 lowest, lowest on top
    by_wc = pd.DataFrame({"work_center_id": [f"WC{i:02d}" for i in range(45)], "oee_pct": [0.50 + i / 100 for i in range(45)]})
    shown = F.heatmap_work_centers(by_wc.sample(frac=1.0, random_state=1))
    assert shown == [f"WC{i:02d}" for i in range(30)]
    days = pd.DataFrame({"work_center_id": np.repeat(by_wc.work_center_id, 2), "date": pd.to_datetime(["2026-10-01", "2026-10-02"] * 45),
                         "oee_pct": np.repeat(by_wc.oee_pct, 2)})
    fig = F.build_oee_heatmap(days, shown)
    assert list(fig.data[0].y) == shown and fig.data[0].z.shape == (30, 2)
    assert fig.data[0].z[0][0] == 0.50 and fig.layout.height == 170 + 28 * 30
    assert F.heatmap_work_centers(by_wc.head(12)) == [f"WC{i:02d}" for i in range(12)]  # fewer than 30: all of them


def test_oee_trend_of_all_work_centers_is_one_line(session):
    """The OEE page's trend (the report's ``by_month``, ``by_week``, ``by_day``: no work center
    column) is one line named for all work centers, with the target."""
    days = pd.DataFrame({"date": pd.to_datetime(["2026-10-01", "2026-10-02", "2026-10-03"]), "oee_pct": [0.7, 0.75, 0.8]})
    fig = F.build_oee_trend_figure(days, "date", 0.85)
    assert len(fig.data) == 1 and list(fig.data[0].y) == [0.7, 0.75, 0.8]
    assert fig.data[0].name == ("全部工作中心" if session["lang"] == "zh" else "All work centers")
    assert fig.layout.xaxis.type == "date" and any(s.y0 == 0.85 for s in fig.layout.shapes)


def test_step_labels_never_cut_a_word():
    # ten bridge steps on a half-width chart in English: 80 // 10 − 1 = 7 characters a slot
    names = ["Start", "Price", "Material cost", "Conversion rates", "End"]
    # "Conversion" (10) does not fit 7: every label on one line, at an angle; nothing cut
    assert F.step_labels(names, 7) == (names, F.STEP_ANGLE)
    # every word fits 10: wrapped at spaces, level
    assert F.step_labels(["Start", "Material cost", "OEE efficiency"], 10) == (["Start", "Material<br>cost", "OEE<br>efficiency"], 0)
    # Chinese breaks anywhere, in lines of even length: 加工费率 (4) in a 3-character slot takes
    # ceil(4 / 3) = 2 lines of ceil(4 / 2) = 2; 设备综合效率 (6) in 4 takes 2 lines of 3
    assert F.step_labels(["起点", "加工费率"], 3) == (["起点", "加工<br>费率"], 0)
    assert F.wrap_label("设备综合效率", 4) == "设备综<br>合效率"
    assert F.wrap_label("Conversion rates", 7) == "Conversion<br>rates"  # the long word overflows rather than splits


def test_a_bridge_of_ten_english_steps_angles_its_labels(session):
    steps = [("price", 1.0), ("volume", 1.0), ("mix", 1.0), ("material_cost", -1.0), ("conversion_cost", -1.0),
             ("oee_losses", -1.0), ("scrap", -1.0), ("revenue", 1.0)]
    fig = F.build_bridge_figure(bridge_frame(1_000_000.0, [(s, v * 100_000) for s, v in steps]), "t", "CNY")
    words = [w for x in fig.data[0].x for w in x.replace("<br>", " ").split()]
    if session["lang"] == "en":  # 10 steps: a 7-character slot, "Conversion" does not fit: angled, whole words
        assert fig.layout.xaxis.tickangle == F.STEP_ANGLE and "Conversion" in words and "<br>" not in "".join(fig.data[0].x)
    else:  # 加工费率 wraps into its 3-character slot (43 // 10 − 1), level
        assert fig.layout.xaxis.tickangle == 0
