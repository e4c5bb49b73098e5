"""``build_topic_figure``: a meeting topic's chart, the same figure on the meeting screen and in the
deck; money in the chosen unit, labels in the language."""

from __future__ import annotations

import pandas as pd
import pytest

from ui.figures import build_bridge_figure, build_topic_figure
from ui.i18n import use_language

BRIDGE = {"kind": "bridge", "title_key": "pf_bridge_budget",
          "categories": ["bridge_start", "bridge_price", "bridge_volume", "bridge_scrap", "bridge_end"],
          "series": [{"label_key": "kpi_gross_profit", "values": [300000.0, 12000.0, -5000.0, -2000.0, 305000.0]}]}


def test_a_bridge_is_the_profit_bridge_figure():
    with use_language("zh"):
        fig = build_topic_figure(BRIDGE, "CNY")
        frame = pd.DataFrame({"step": ["start", "price", "volume", "scrap", "end"],
                              "amount": [300000.0, 12000.0, -5000.0, -2000.0, 305000.0],
                              "measure": ["absolute", "relative", "relative", "relative", "total"]})
        same = build_bridge_figure(frame, "毛利：预算 → 实际", "CNY")
    assert fig.to_plotly_json() == same.to_plotly_json()
    (trace,) = fig.data
    assert list(trace.measure) == ["absolute", "relative", "relative", "relative", "total"]
    assert list(trace.y) == [30.0, 1.2, -0.5, -0.2, 30.5]  # in 万 (auto unit in Chinese): 300,000 / 10,000 …
    assert list(trace.x) == ["起点", "价格", "销量", "报废", "终点"]


@pytest.mark.parametrize("lang, divisor, unit, months", [("zh", 1e4, "万元", ["2026年9月", "2026年10月"]),
                                                         ("en", 1e6, "CNY M", ["Sep 2026", "Oct 2026"])])
def test_a_line_over_periods_in_the_unit_and_language(lang, divisor, unit, months):
    chart = {"kind": "line", "title_key": "chart_monthly_pnl", "categories": ["2026-09", "2026-10"],
             "series": [{"label_key": "kpi_revenue", "values": [1180000.0, 1250000.0]},
                        {"label_key": "kpi_gross_profit", "values": [343380.0, None]}]}
    with use_language(lang):
        fig = build_topic_figure(chart, "CNY")
    revenue, profit = fig.data
    assert list(revenue.x) == months and list(revenue.y) == [1180000.0 / divisor, 1250000.0 / divisor]
    assert pd.isna(profit.y[1])  # a missing value is a gap, never zero
    assert revenue.name == ("营业收入" if lang == "zh" else "Revenue") and unit in fig.layout.yaxis.title.text
    assert fig.layout.showlegend is True


def test_bars_over_codes_and_a_line_over_days():
    bars = {"kind": "bar", "title_key": "kpi_loss_cost", "categories": ["loss_breakdown", "WC-CNC1"],
            "series": [{"label_key": "kpi_loss_cost", "values": [40000.0, 14000.0]}]}
    days = {"kind": "line", "title_key": "chart_cash_fan", "categories": ["2026-11-23", "2026-11-30"],
            "series": [{"label_key": "kpi_cash_now", "values": [1.0e6, -2.0e4]}]}
    with use_language("en"):
        bar_fig, day_fig = build_topic_figure(bars, "CNY"), build_topic_figure(days, "CNY")
    assert list(bar_fig.data[0].x) == ["Breakdowns", "WC-CNC1"]  # a key as its label, a code as it is
    assert bar_fig.data[0].type == "bar" and bar_fig.layout.showlegend is False
    assert day_fig.layout.xaxis.type == "date" and list(day_fig.data[0].y) == [1.0, -0.02]


def test_a_chart_that_is_not_one_is_refused():
    with use_language("en"), pytest.raises(ValueError, match="kind"):
        build_topic_figure({"kind": "pie", "title_key": "x", "categories": [], "series": []}, "CNY")
    with use_language("en"), pytest.raises(ValueError, match="bridge"):
        build_topic_figure({**BRIDGE, "categories": BRIDGE["categories"][:2]}, "CNY")


def test_a_year_of_months_is_labelled_on_two_lines():
    periods = [f"2025-{m:02d}" for m in range(11, 13)] + [f"2026-{m:02d}" for m in range(1, 11)]
    chart = {"kind": "line", "title_key": "chart_monthly_pnl", "categories": periods,
             "series": [{"label_key": "kpi_revenue", "values": [1.0e6] * 12}]}
    with use_language("en"):
        en = build_topic_figure(chart, "CNY")
    with use_language("zh"):
        zh = build_topic_figure(chart, "CNY")
    assert list(en.data[0].x[:2]) == ["Nov<br>2025", "Dec<br>2025"] and list(en.layout.xaxis.categoryarray) == list(en.data[0].x)
    assert zh.data[0].x[-1] == "2026年<br>10月" and en.layout.xaxis.tickangle == 0
