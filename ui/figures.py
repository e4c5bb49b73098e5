"""Plotly figure builders for the meeting room: large type, labelled axes with units, both languages.

Conventions every builder follows:
- Money is drawn in the money unit the user chose (``ui.format.money_divisor``), the same unit as
  the KPI cards; the axis title names it ("金额（万元）" / "Amount (CNY M)") and the hover shows
  the value in that unit with two decimals and the unit.
- Accounting periods ("2026-10") stay a category axis, shown as "2026年10月" / "Oct 2026": a
  period is a bucket, not an instant, so bars sit on it without a fake day of the month and
  without gaps for empty months. Days and weeks are real date axes with per-language formats
  that do not depend on Plotly's locale (numeric Chinese dates, English month names).
- The title sits at the top left in the top margin; the legend is horizontal at the bottom of
  the figure, below the axis; both are placed relative to the container, so Plotly reserves
  their space and neither covers the other or the data.
- Body text >= 14 px, data labels ``LABEL_FONT`` px (>= 11), category labels horizontal and
  wrapped rather than rotated.
- A line chart with more than ``MAX_SERIES`` series becomes small multiples: one small panel per
  series on a shared y axis, with the series' name as the panel title.
- Waterfalls drop zero steps, sign their steps (+ / −) and, when the steps are small next to the
  totals, zoom the value axis away from zero and say so on the chart.
"""

from __future__ import annotations

import math
import re
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.oee import HEATMAP_WORK_CENTERS, compute_lowest_oee_work_centers
from ui.codes import code_labels, has_cjk, localized_name
from ui.format import money_unit_label, scale_money
from ui.i18n import lang, t, t_or

MONEY_TICKS = ",.2~f"  # money in the chosen unit: 1.5 (M), 8,600 (万); never "1, 1, 0, 0" from rounding
FONT_SIZE = 16  # body text
TICK_FONT = 14
TITLE_FONT = 19
LABEL_FONT = 13  # data labels on bars and points, never below 11
HOVER_FONT = 14
PALETTE = ["#1f4e79", "#2e8b57", "#c0392b", "#d68910", "#7d3c98", "#17a589", "#566573", "#a04000"]
MAX_SERIES = 6
WRAP_ZH, WRAP_EN = 10, 14  # characters per line of a category label
TITLE_WRAP_ZH, TITLE_WRAP_EN = 26, 48
ZOOM_MIN_STEP_SHARE = 0.03  # a waterfall step smaller than this share of the axis gets a zoomed axis
ZERO_MONEY, ZERO_MINUTES = 0.005, 0.5  # steps below these are not drawn
MINUS = "\u2212"  # typographic minus for data labels (never parsed back)
_ASSUMED_WIDTH = 620  # px: a half-page column; used only to estimate legend rows
_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Plotly's own strings (mode bar, tooltips) and date formats in Chinese: Streamlit 1.67's bundled
# plotly.js registers only "en" and "en-US", so the dictionary travels inline in the chart config.
_ZH_CN_LOCALE = {
    "dictionary": {
        "Autoscale": "自动缩放", "Box Select": "框选", "Lasso Select": "套索选择", "Pan": "平移", "Zoom": "缩放",
        "Zoom in": "放大", "Zoom out": "缩小", "Reset axes": "重置坐标轴", "Reset": "重置", "Reset view": "重置视图",
        "Download plot as a png": "下载图片（PNG）", "Download plot": "下载图片", "Toggle Spike Lines": "显示/隐藏参考线",
        "Show closest data on hover": "悬停显示最近数据", "Compare data on hover": "悬停比较数据",
        "Double-click to zoom back out": "双击恢复原始大小", "Double-click on legend to isolate one trace": "双击图例只显示该系列",
        "Taking snapshot - this may take a few seconds": "正在生成图片，请稍候",
        "Snapshot succeeded": "图片已生成", "Sorry, there was a problem downloading your snapshot!": "抱歉，图片下载失败！",
        "Click to enter Plot title": "点击输入图表标题", "Click to enter X axis title": "点击输入 X 轴标题",
        "Click to enter Y axis title": "点击输入 Y 轴标题", "Click to enter Colorscale title": "点击输入色阶标题",
        "trace": "系列", "new text": "新文本", "min:": "最小值：", "max:": "最大值：", "mean:": "平均值：",
        "median:": "中位数：", "Produced with Plotly.js": "由 Plotly.js 生成",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
        "shortMonths": ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
        "date": "%Y-%m-%d", "decimal": ".", "thousands": ",", "grouping": [3], "currency": ["¥", ""],
        "year": "%Y年", "month": "%Y年%-m月", "dayMonth": "%-m月%-d日", "dayMonthYear": "%Y年%-m月%-d日",
    },
}


def plotly_config() -> dict:
    """The ``config`` for ``st.plotly_chart``: Plotly's own strings and date formats in the session
    language, no Plotly logo, and a sharp (2x) PNG download."""
    config = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}
    if lang() == "zh":
        config.update(locale="zh-CN", locales={"zh-CN": _ZH_CN_LOCALE})
    else:
        config["locale"] = "en-US"
    return config


# ---------------------------------------------------------------- labels, units and axes


def _zh() -> bool:
    return lang() == "zh"


def wrap_label(text, width: int | None = None) -> str:
    """A category label broken with ``<br>`` at about ``width`` characters (10 in Chinese, 14 in
    English by default), at spaces or hyphens where there are any."""
    text = str(text)
    width = width or (WRAP_ZH if _zh() else WRAP_EN)
    if len(text) <= width:
        return text
    if has_cjk(text) and " " not in text:  # lines of even length: 材料<br>成本, not 材料成<br>本 beside its neighbour
        width = math.ceil(len(text) / math.ceil(len(text) / width))
    # Chinese has no spaces and breaks anywhere; a Latin word is never cut ("Materia l cost")
    return "<br>".join(textwrap.wrap(text, width, break_long_words=has_cjk(text), break_on_hyphens=True)) or text


STEP_ANGLE = -35  # labels that cannot wrap into their slot: one line each, at an angle


def step_labels(names, width: int) -> tuple[list[str], int]:
    """Labels of categories side by side, and the tick angle: wrapped at spaces into ``width``
    characters when every word fits, else one line each at ``STEP_ANGLE`` ("Conversion" in a
    7-character slot), so that no word is cut and neighbours never overlap."""
    names = [str(n) for n in names]
    if all(has_cjk(n) or max((len(w) for w in n.split()), default=0) <= width for n in names):
        return [wrap_label(n, width) for n in names], 0
    return names, STEP_ANGLE


def _step_width(n_steps: int, wide: bool = False) -> int:
    """Characters per line for ``n_steps`` category labels side by side on a half-width chart
    (about 80 Latin or 43 Chinese characters across; twice that when ``wide``), so neighbours
    never run together."""
    across = (43 if _zh() else 80) * (2 if wide else 1)
    return max(3 if _zh() else 4, across // max(n_steps, 1) - 1)


def _wrap_title(title: str) -> str:
    """A long title on two lines, broken after its colon or before its bracket where it has one."""
    width = TITLE_WRAP_ZH if _zh() else TITLE_WRAP_EN
    if len(title) <= width or "<br>" in title:
        return title
    for sep, after in (("：", True), (": ", True), ("（", False), (" (", False)):
        head, found, tail = title.partition(sep)
        if found and 0 < len(head) <= width:
            return f"{head}{found.strip()}<br>{tail}" if after else f"{head}<br>{found.strip()}{tail}"
    return wrap_label(title, width)


def period_label(period) -> str:
    """An accounting period "2026-10" as "2026年10月" / "Oct 2026"; anything else unchanged."""
    m = _PERIOD_RE.match(str(period))
    if not m:
        return str(period)
    year, month = int(m.group(1)), int(m.group(2))
    return f"{year}年{month}月" if _zh() else f"{_MONTHS_EN[month - 1]} {year}"


def _periods(values) -> list[str]:
    return [period_label(p) for p in values]


def _period_axis(fig: go.Figure, periods, **kwargs) -> None:
    """A category x axis of localized period labels in calendar order (every subplot)."""
    order = _periods(sorted(pd.unique(pd.Series(list(periods), dtype=str))))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=order, tickangle=0, **kwargs)


def _date_formats() -> tuple[list[dict], str]:
    """Tick formats by zoom level and the hover format of a date axis, in the session language."""
    if _zh():
        stops = [(None, 86_400_000, "%H:%M<br>%-m月%-d日"), (86_400_000, "M1", "%-m月%-d日"), ("M1", "M12", "%Y年%-m月"),
                 ("M12", None, "%Y年")]
        hover = "%Y年%-m月%-d日"
    else:
        stops = [(None, 86_400_000, "%H:%M<br>%b %-d"), (86_400_000, "M1", "%b %-d"), ("M1", "M12", "%b %Y"), ("M12", None, "%Y")]
        hover = "%b %-d, %Y"
    return [dict(dtickrange=[lo, hi], value=fmt) for lo, hi, fmt in stops], hover


def _date_axis(fig: go.Figure, with_time: bool = False, **kwargs) -> None:
    stops, hover = _date_formats()
    if with_time:
        hover = ("%Y年%-m月%-d日 %H:%M" if _zh() else "%b %-d, %Y %H:%M")
    fig.update_xaxes(type="date", tickformatstops=stops, hoverformat=hover, tickangle=0, **kwargs)


def _is_dates(values) -> bool:
    s = pd.Series(list(values))
    if pd.api.types.is_datetime64_any_dtype(s):
        return True
    return len(s) > 0 and s.astype(str).str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def _money_axis_title(currency: str) -> str:
    return t("axis_amount", currency=money_unit_label(currency))


def _money_hover(currency: str, value: str = "y") -> str:
    """A hovertemplate fragment: the value in the chosen unit with 2 decimals and the unit."""
    return f"%{{{value}:,.2f}} {money_unit_label(currency)}"


def _money(values) -> pd.Series:
    return scale_money(pd.Series(values, dtype=float).reset_index(drop=True))


def label_decimals(values) -> int:
    """Decimals for the data labels of one chart: enough to show its smallest non-zero value with
    two significant digits, at most 2 (10 or more: 0; 1 to 10: 1; below 1: 2)."""
    sizes = [abs(float(v)) for v in values if abs(float(v)) > 0]
    smallest = min(sizes, default=10.0)
    return 0 if smallest >= 10 else (1 if smallest >= 1 else 2)


def _number(value: float, digits: int, signed: bool = False) -> str:
    """A data label: thousands separators, ``digits`` decimals, a sign on request, a real minus."""
    text = f"{value:{'+' if signed else ''},.{digits}f}"
    if float(text.replace(",", "")) == 0:
        text = f"{0:.{digits}f}"
    return text.replace("-", MINUS)


# ---------------------------------------------------------------- layout


def _text_px(text: str, size: int) -> float:
    """Rough rendered width: CJK characters are square, Latin ones about 0.58 em."""
    plain = re.sub(r"<[^>]+>", "", str(text))
    return sum(size if ord(c) >= 0x2E80 else 0.58 * size for c in plain)


def legend_rows(fig: go.Figure, width: float = _ASSUMED_WIDTH) -> int:
    """How many rows the horizontal legend needs at ``width`` px (an estimate for the margin)."""
    names = [tr.name for tr in fig.data if tr.name and tr.showlegend is not False]
    if not names or fig.layout.showlegend is False:
        return 0
    rows, used = 1, 0.0
    for name in dict.fromkeys(names):
        item = 46 + _text_px(name, TICK_FONT)  # symbol + gap + text
        if used and used + item > width:
            rows, used = rows + 1, 0.0
        used += item
    return rows


def _lines_in(labels) -> int:
    return max((str(x).count("<br>") + 1 for x in labels), default=1)


# Plotly draws a subset of HTML in every label (<a href>, <b>, <span style>, <img> is dropped but
# <a> is a live link): a "<" in data becomes &lt;, shown as typed. Only our own <br> line breaks
# stay; hover templates are ours (they hold <b>, <br>, <extra>) and are left alone.
_TAG = re.compile(r"<(?!br>)")
_DATA_KEYS = ("x", "y", "text", "hovertext", "labels", "customdata", "name", "ids")


def _inert(value):
    """``value`` (a label, or an array of them) with every tag but ``<br>`` shown as typed."""
    if isinstance(value, str):
        return _TAG.sub("&lt;", value)
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
        if arr.dtype.kind in "OU" and arr.size:
            return np.vectorize(_inert, otypes=[object])(arr)
    return value


def _make_inert(fig: go.Figure) -> None:
    for trace in fig.data:
        for key in _DATA_KEYS:
            if key in trace and trace[key] is not None:
                trace[key] = _inert(trace[key])
    for annotation in fig.layout.annotations or ():
        annotation.text = _inert(annotation.text)
    fig.layout.title.text = _inert(fig.layout.title.text)
    fig.for_each_xaxis(lambda a: a.update(ticktext=_inert(a.ticktext), title_text=_inert(a.title.text)))
    fig.for_each_yaxis(lambda a: a.update(ticktext=_inert(a.ticktext), title_text=_inert(a.title.text)))


def _style(fig: go.Figure, height: int = 420, *, x_label_lines: int = 1, top_axis: bool = False, note: bool = False) -> go.Figure:
    """Title top left, legend below the axis, margins that fit both, meeting-room font sizes;
    text from the data shown as typed (``_make_inert``)."""
    _make_inert(fig)
    title = fig.layout.title.text or ""
    title = _wrap_title(title)
    title_lines = title.count("<br>") + 1 if title else 0
    rows = legend_rows(fig)
    top = 16 + 28 * title_lines + (24 if note else 0) + (56 if top_axis else 0) + 8
    bottom = 14 + 22 * x_label_lines + 30 + (30 * rows + 12 if rows else 0)
    fig.update_layout(
        template="plotly_white", height=height + 30 * max(rows - 1, 0), font=dict(size=FONT_SIZE),
        title=dict(text=title, x=0, xref="container", xanchor="left", y=1, yref="container", yanchor="top",
                   pad=dict(t=14, l=12), font=dict(size=TITLE_FONT), automargin=True),
        margin=dict(l=12, r=16, t=top, b=bottom, autoexpand=True),
        legend=dict(orientation="h", x=0, xref="container", xanchor="left", y=0, yref="container", yanchor="bottom",
                    font=dict(size=TICK_FONT), title_text=""),
        hoverlabel=dict(font_size=HOVER_FONT),
    )
    fig.update_xaxes(automargin=True, tickfont=dict(size=TICK_FONT), title_font=dict(size=FONT_SIZE))
    fig.update_yaxes(automargin=True, tickfont=dict(size=TICK_FONT), title_font=dict(size=FONT_SIZE))
    fig.update_annotations(font_size=max(TICK_FONT, 14))
    return fig


def _palette(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


# ---------------------------------------------------------------- line charts and small multiples


def _line_chart(frame: pd.DataFrame, x: str, y: str, group: str, title: str, y_title: str, y_format: str, hover_y: str,
                *, height: int, max_series: int, series: list[str] | None, target: float | None = None,
                reference: float | None = None, x_title: str | None = None, names: dict | None = None) -> go.Figure:
    """One line per ``group`` value; small multiples on a shared y axis above ``max_series`` lines."""
    d = frame
    if series is not None:
        d = d[d[group].astype(str).isin([str(s) for s in series])]
    groups = [g for g, _ in d.groupby(group, sort=True)]
    dates = x != "month" and _is_dates(d[x]) if len(d) else False
    xs = (lambda part: pd.to_datetime(part[x])) if dates else (lambda part: _periods(part[x]))
    unified = len(groups) <= max_series and not dates  # one hover box per period listing every line
    hover = (f"%{{fullData.name}}: %{{y:{hover_y}}}<extra></extra>" if unified
             else f"%{{fullData.name}}<br>%{{x}}: %{{y:{hover_y}}}<extra></extra>")
    label = (lambda g: names.get(g, g)) if names else str

    if len(groups) <= max_series:
        fig = go.Figure()
        for i, (g, part) in enumerate(d.groupby(group, sort=True)):
            part = part.sort_values(x)
            fig.add_scatter(x=xs(part), y=part[y], name=label(g), mode="lines+markers", line=dict(color=_palette(i), width=3),
                            marker=dict(size=7), hovertemplate=hover)
        if target:
            fig.add_hline(y=target, line_dash="dot", line_color=PALETTE[2], annotation_text=f"{t('series_target')} {target:.0%}",
                          annotation_position="top left")
        if reference is not None:
            fig.add_hline(y=reference, line_dash="dot", line_color=PALETTE[6])
        fig.update_yaxes(title_text=y_title, tickformat=y_format)
        fig.update_layout(title=title, hovermode="x unified" if unified else "closest")
        panels = 1
    else:
        cols = 3 if len(groups) <= 9 else 4
        rows = math.ceil(len(groups) / cols)
        fig = make_subplots(rows=rows, cols=cols, shared_xaxes=True, shared_yaxes=True, subplot_titles=[label(g) for g in groups],
                            horizontal_spacing=0.025, vertical_spacing=min(0.14, 0.45 / rows))
        for i, (g, part) in enumerate(d.groupby(group, sort=True)):
            part = part.sort_values(x)
            fig.add_scatter(x=xs(part), y=part[y], name=label(g), mode="lines+markers", line=dict(color=PALETTE[0], width=2.5),
                            marker=dict(size=5), hovertemplate=hover, showlegend=False, row=i // cols + 1, col=i % cols + 1)
        if target:
            fig.add_hline(y=target, line_dash="dot", line_color=PALETTE[2], row="all", col="all")
        if reference is not None:
            fig.add_hline(y=reference, line_dash="dot", line_color=PALETTE[6], row="all", col="all")
        fig.update_yaxes(tickformat=y_format, nticks=5)
        fig.update_yaxes(matches="y")  # one scale for every panel, not only along a row
        fig.layout.yaxis.matches = None
        fig.update_yaxes(title_text=y_title, col=1)
        fig.update_xaxes(nticks=4)
        fig.update_layout(title=title + (f" · {t('series_target')} {target:.0%}" if target else ""), hovermode="closest",
                          showlegend=False)
        fig.update_annotations(font_size=TICK_FONT)
        panels = rows
    if dates:
        _date_axis(fig)
    else:
        _period_axis(fig, d[x])
    if panels == 1:
        fig.update_xaxes(title_text=x_title or t("axis_period"))
    return _style(fig, height if panels == 1 else 110 + 190 * panels)


def _localized(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Master-data names in the session language ("阀门 Valves" -> "Valves" on English screens)."""
    out = frame.copy()
    for col in columns:
        if col in out:
            names = {v: localized_name(v) for v in out[col].dropna().unique()}
            out[col] = out[col].map(names)
    return out


def build_scrap_figure(production: pd.DataFrame, *, max_series: int = MAX_SERIES, series: list[str] | None = None) -> go.Figure:
    """Monthly scrap rate per product family; ``series`` picks families, small multiples above ``max_series``."""
    production = _localized(production, "family")
    return _line_chart(production, "period", "scrap_pct", "family", t("chart_scrap"), t("axis_pct"), ".1%", ".2%", height=380,
                       max_series=max_series, series=series)


def build_completeness_figure(completeness: pd.DataFrame, *, max_series: int = MAX_SERIES,
                              series: list[str] | None = None) -> go.Figure:
    """Posting completeness per period, one line per plant, against 100 %."""
    return _line_chart(completeness, "period", "completeness_pct", "plant_id", t("rc_chart"), t("rc_completeness"), ".1%", ".2%",
                       height=380, max_series=max_series, series=series, reference=1.0)


def build_oee_trend_figure(frame: pd.DataFrame, x: str, target: float | None = None, *, max_series: int = MAX_SERIES,
                           series: list[str] | None = None) -> go.Figure:
    """OEE per work center over time (``x`` is month, week or date), with the target as a line;
    ``series`` picks work centers, small multiples above ``max_series``. A frame without
    ``work_center_id`` (the OEE report's ``by_month``, ``by_week``, ``by_day``) is one line:
    all work centers together."""
    x_title = {"month": t("axis_period"), "week": t("axis_week"), "date": t("axis_date")}.get(x, t("axis_period"))
    if "work_center_id" not in frame:
        whole = frame.assign(series=t("oee_all_work_centers"))
        return _line_chart(whole, x, "oee_pct", "series", t("chart_oee_trend_all"), "OEE", ".0%", ".1%", height=440,
                           max_series=max_series, series=None, target=target, x_title=x_title)
    return _line_chart(frame, x, "oee_pct", "work_center_id", t("chart_oee_trend"), "OEE", ".0%", ".1%", height=440,
                       max_series=max_series, series=series, target=target, x_title=x_title)


def build_working_capital_figure(wc: pd.DataFrame, *, max_series: int = MAX_SERIES, series: list[str] | None = None) -> go.Figure:
    """DSO, DIO, DPO and the cash conversion cycle per period (month, quarter or year); ``series`` picks among
    ``dso_days``, ``dio_days``, ``dpo_days``, ``ccc_days``."""
    cols = [c for c in ("dso_days", "dio_days", "dpo_days", "ccc_days") if c in wc.columns]
    long = wc[["period", *cols]].melt(id_vars="period", value_vars=cols, var_name="measure", value_name="days")
    long = long.assign(measure=pd.Categorical(long.measure, categories=cols, ordered=True))
    return _line_chart(long, "period", "days", "measure", t("chart_working_capital"), t("axis_days"), ",.0f", ",.1f",
                       height=400, max_series=max_series, series=series, names={c: t(f"wc_{c}") for c in cols})


# ---------------------------------------------------------------- bars


def build_monthly_pnl_figure(pnl: pd.DataFrame, currency: str) -> go.Figure:
    """Bars of revenue, gross profit and cost variance per period in the money unit; gross margin as a line."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    x = _periods(pnl.period)
    for col, key, color in (("revenue_amount", "series_revenue", PALETTE[0]),
                            ("gross_profit_amount", "series_gross_profit", PALETTE[1]),
                            ("variance_amount", "series_variance", PALETTE[2])):
        fig.add_bar(x=x, y=_money(pnl[col]), name=t(key), marker_color=color, secondary_y=False,
                    hovertemplate=f"{_money_hover(currency)}<extra>{t(key)}</extra>")
    fig.add_scatter(x=x, y=pnl.gross_margin_pct, name=t("series_margin"), mode="lines+markers",
                    line=dict(color=PALETTE[3], width=3), secondary_y=True,
                    hovertemplate=f"%{{y:.1%}}<extra>{t('series_margin')}</extra>")
    fig.update_yaxes(title_text=_money_axis_title(currency), secondary_y=False, tickformat=MONEY_TICKS)
    fig.update_yaxes(title_text=t("series_margin"), secondary_y=True, tickformat=".0%", showgrid=False)
    _period_axis(fig, pnl.period, title_text=t("axis_period"))
    fig.update_layout(title=t("chart_monthly_pnl"), barmode="group", hovermode="x unified")
    return _style(fig)


def build_output_figure(production: pd.DataFrame) -> go.Figure:
    """Stacked monthly good output by product family."""
    production = _localized(production, "family")
    fig = go.Figure()
    for i, (family, part) in enumerate(production.groupby("family", sort=True)):
        fig.add_bar(x=_periods(part.period), y=part.good_qty, name=str(family), marker_color=_palette(i),
                    hovertemplate=f"%{{y:,.0f}}<extra>{family}</extra>")
    fig.update_layout(title=t("chart_output"), barmode="stack", hovermode="x unified")
    fig.update_yaxes(title_text=t("axis_qty"), tickformat=",.0f")
    _period_axis(fig, production.period, title_text=t("axis_period"))
    return _style(fig)


def build_variance_components_figure(summary: pd.DataFrame, label_col: str, components: list[str], currency: str) -> go.Figure:
    """Stacked variance components per row of ``summary`` in the money unit (positive is unfavorable)."""
    fig = go.Figure()
    labels = [wrap_label(localized_name(v)) for v in summary[label_col]]
    for i, comp in enumerate(components):
        name = t(f"var_{comp}")
        fig.add_bar(x=labels, y=_money(summary[f"{comp}_amount"]), name=name, marker_color=_palette(i),
                    hovertemplate=f"{_money_hover(currency)}<extra>{name}</extra>")
    fig.update_layout(title=t("chart_variance_components"), barmode="relative", hovermode="x unified")
    fig.update_yaxes(title_text=_money_axis_title(currency), tickformat=MONEY_TICKS)
    fig.update_xaxes(type="category", tickangle=0)
    return _style(fig, 440, x_label_lines=_lines_in(labels))


def build_pareto_figure(pareto: pd.DataFrame, currency: str, *, orientation: str = "auto") -> go.Figure:
    """Loss reasons in money (the chosen unit), largest first, with the cumulative share on the
    secondary axis. ``orientation`` "v" (columns), "h" (bars, largest on top) or "auto": bars when
    there are more than 6 reasons or a label is longer than a wrapped line."""
    width = WRAP_ZH if _zh() else WRAP_EN
    reasons = [str(r) for r in pareto.reason]
    if orientation == "auto":
        orientation = "h" if len(reasons) > 6 or any(len(r) > width for r in reasons) else "v"
    amounts = _money(pareto.loss_cost_amount)
    cum = pd.Series(pareto.cumulative_pct, dtype=float).reset_index(drop=True)
    bar_hover = f"%{{customdata}}<br>{_money_hover(currency, 'x' if orientation == 'h' else 'y')}<extra></extra>"
    cum_hover = f"%{{customdata}}<br>%{{{'x' if orientation == 'h' else 'y'}:.1%}}<extra>{t('series_cumulative')}</extra>"
    digits = label_decimals(amounts)
    texts = [_number(v, digits) for v in amounts]
    fig = go.Figure()
    if orientation == "h":
        labels = [wrap_label(r, width + 4) for r in reasons]
        fig.add_bar(y=labels, x=amounts, orientation="h", name=t("series_loss_cost"), marker_color=PALETTE[2], customdata=reasons,
                    text=texts, textposition="outside", textfont=dict(size=LABEL_FONT), cliponaxis=False, hovertemplate=bar_hover)
        fig.add_scatter(y=labels, x=cum, xaxis="x2", name=t("series_cumulative"), mode="lines+markers", customdata=reasons,
                        line=dict(color=PALETTE[0], width=3), marker=dict(size=8), hovertemplate=cum_hover)
        fig.update_layout(
            # room to the right of the longest bar for its label
            xaxis=dict(title_text=_money_axis_title(currency), tickformat=MONEY_TICKS, tickangle=0,
                       range=[0, float(max(amounts, default=0) or 1) * 1.18]),
            xaxis2=dict(overlaying="x", side="top", tickformat=".0%", range=[0, 1.05], showgrid=False, tickangle=0,
                        title_text=t("series_cumulative")),
            yaxis=dict(type="category", autorange="reversed", tickangle=0),
            title=t("chart_pareto"), hovermode="closest", bargap=0.25,
        )
        return _style(fig, 150 + 38 * len(reasons), top_axis=True)
    labels = [wrap_label(r, width) for r in reasons]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=labels, y=amounts, name=t("series_loss_cost"), marker_color=PALETTE[2], secondary_y=False, customdata=reasons,
                text=texts, textposition="outside", textfont=dict(size=LABEL_FONT), cliponaxis=False, hovertemplate=bar_hover)
    fig.add_scatter(x=labels, y=cum, name=t("series_cumulative"), mode="lines+markers", line=dict(color=PALETTE[0], width=3),
                    secondary_y=True, customdata=reasons, hovertemplate=cum_hover)
    fig.update_yaxes(title_text=_money_axis_title(currency), tickformat=MONEY_TICKS, secondary_y=False)
    fig.update_yaxes(title_text=t("series_cumulative"), tickformat=".0%", range=[0, 1.05], secondary_y=True, showgrid=False)
    fig.update_xaxes(type="category", tickangle=0)
    fig.update_layout(title=t("chart_pareto"), hovermode="closest")
    return _style(fig, 440, x_label_lines=_lines_in(labels))


def build_bullets(ytd: pd.DataFrame, currency: str) -> go.Figure:
    """Per cost center, as shares of its year budget: actual to date (bar), committed on top,
    and the budget phased to date (tick); 100 % is the year budget. Hover shows the amounts in the unit."""
    d = ytd[ytd.budget_amount > 0].assign(
        actual=lambda x: x.actual_amount / x.budget_amount, committed=lambda x: x.committed_amount / x.budget_amount,
        phased=lambda x: x.budget_to_date_amount / x.budget_amount).sort_values("actual")
    unit = money_unit_label(currency)

    def hover(amount_col: str, share_col: str) -> tuple[list, str]:
        data = list(zip(_money(d[amount_col]), d[share_col]))
        return data, f"%{{y}}: %{{customdata[0]:,.2f}} {unit} (%{{customdata[1]:.1%}})<extra>%{{fullData.name}}</extra>"

    fig = go.Figure()
    cd, ht = hover("budget_amount", "budget_amount")
    fig.add_bar(y=d.cost_center_id, x=[1.0] * len(d), orientation="h", name=t("series_budget_year"), marker_color="#d5d8dc", width=0.8,
                customdata=[(a, 1.0) for a, _ in cd], hovertemplate=ht)
    cd, ht = hover("actual_amount", "actual")
    fig.add_bar(y=d.cost_center_id, x=d.actual, orientation="h", name=t("series_actual"), marker_color=PALETTE[0], width=0.4,
                customdata=cd, hovertemplate=ht)
    cd, ht = hover("committed_amount", "committed")
    fig.add_bar(y=d.cost_center_id, x=d.committed, base=d.actual, orientation="h", name=t("series_committed"), marker_color=PALETTE[3],
                width=0.4, customdata=cd, hovertemplate=ht)
    cd, ht = hover("budget_to_date_amount", "phased")
    fig.add_scatter(y=d.cost_center_id, x=d.phased, mode="markers", name=t("series_phased"), customdata=cd, hovertemplate=ht,
                    marker=dict(symbol="line-ns", size=26, line=dict(width=4, color=PALETTE[2])))
    fig.update_layout(title=t("chart_bullets"), barmode="overlay", hovermode="closest")
    fig.update_xaxes(title_text=t("series_budget_year"), tickformat=".0%", tickangle=0)
    fig.update_yaxes(type="category", tickangle=0)
    return _style(fig, max(420, 150 + 34 * len(d)))


# ---------------------------------------------------------------- waterfalls


def waterfall_levels(values, measures) -> list[tuple[float, float]]:
    """(bottom, top) of every bar of a Plotly waterfall: an absolute bar and a total stand on zero,
    a relative bar goes from the running level to the new level."""
    level, out = 0.0, []
    for v, m in zip(values, measures):
        v = float(v)
        if m == "absolute":
            level = v
            out.append((0.0, v))
        elif m == "total":
            out.append((0.0, level))
        else:
            out.append((level, level + v))
            level += v
    return out


def waterfall_range(values, measures, min_share: float = ZOOM_MIN_STEP_SHARE) -> list[float] | None:
    """A value-axis range that does not start at zero, or None when the zero-based axis is fine.

    Zoom when the smallest non-zero step is less than ``min_share`` of a zero-based axis and all
    running levels lie on one side of zero: the range then spans the running levels plus 15 %
    padding. Example: 100 → +2 → 102 on a zero-based axis gives the step 2 / 102 ≈ 2 % < 3 %, so
    the range becomes [100 − 0.3, 102 + 0.3]."""
    bars = waterfall_levels(values, measures)
    steps = [abs(float(v)) for v, m in zip(values, measures) if m == "relative" and abs(float(v)) > 0]
    if not steps:
        return None
    running = [top for (bottom, top), m in zip(bars, measures) if m != "relative"]
    running += [end for (bottom, top), m in zip(bars, measures) if m == "relative" for end in (bottom, top)]
    lo, hi = min(running), max(running)
    if lo < 0 < hi or hi - lo <= 0:
        return None
    if min(steps) / max(abs(lo), abs(hi)) >= min_share:
        return None
    pad = 0.15 * (hi - lo)
    low, high = lo - pad, hi + pad
    if lo > 0 and low <= 0 or hi < 0 and high >= 0:
        return None
    return [low, high]


def _waterfall(step_axis: tuple[list[str], int], values: pd.Series, measures: list[str], names: list[str], unit: str,
               title: str, y_title: str, y_format: str, colors: dict, height: int) -> go.Figure:
    labels, angle = step_axis
    digits = label_decimals(values)
    text = [_number(v, digits, signed=(m == "relative")) for v, m in zip(values, measures)]
    hover = [f"{n}: {tx} {unit}" for n, tx in zip(names, text)]
    fig = go.Figure(go.Waterfall(
        x=labels, y=values, measure=measures, text=text, textposition="outside", textinfo="text",
        textfont=dict(size=LABEL_FONT), cliponaxis=False, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        connector=dict(line=dict(color="#aab7b8", width=1)), **colors,
    ))
    zoom = waterfall_range(values, measures)
    fig.update_layout(title=title, showlegend=False, hovermode="closest")
    fig.update_yaxes(title_text=y_title, tickformat=y_format)
    fig.update_xaxes(type="category", tickangle=angle)
    if zoom is not None:
        fig.update_yaxes(range=zoom, autorange=False)
        fig.add_annotation(text=t("axis_not_zero"), xref="paper", yref="paper", x=0, y=1, xanchor="left", yanchor="bottom",
                           yshift=4, showarrow=False, font=dict(size=TICK_FONT, color=PALETTE[6]))
    return _style(fig, height, x_label_lines=_lines_in(labels) if not angle else _angled_lines(labels), note=zoom is not None)


def _angled_lines(labels) -> int:
    """Label lines that angled labels take below the axis: about one per 14 characters at 35°."""
    return 1 + max((len(str(x)) for x in labels), default=0) // 14


def _drop_zero_steps(frame: pd.DataFrame, col: str, threshold: float) -> pd.DataFrame:
    keep = (frame.measure != "relative") | (frame[col].astype(float).abs() >= threshold)
    return frame[keep].reset_index(drop=True)


def build_bridge_figure(bridge: pd.DataFrame, title: str, currency: str) -> go.Figure:
    """A profit bridge as a waterfall in the money unit; bars are the change each driver causes in
    gross profit (zero drivers left out, steps signed). The axis leaves zero when the steps are
    small next to the start and end, and says so."""
    d = _drop_zero_steps(bridge, "amount", ZERO_MONEY)
    names = [t_or(f"bridge_{s}", localized_name(s)) for s in d.step]  # drivers, or account names in the language
    return _waterfall(step_labels(names, _step_width(len(names))), _money(d.amount), list(d.measure), names, money_unit_label(currency), title,
                      _money_axis_title(currency), MONEY_TICKS,  # a zoomed axis in M ticks at 5.5: never "5, 6, 6, 7"
                      dict(increasing=dict(marker_color=PALETTE[1]), decreasing=dict(marker_color=PALETTE[2]),
                           totals=dict(marker_color=PALETTE[0])), 460)


def build_cockpit_bridge_figure(bridge: pd.DataFrame, title: str, currency: str, height: int = 380) -> go.Figure:
    """``build_bridge_figure`` at the height the overview's first screen leaves beside its cards."""
    fig = build_bridge_figure(bridge, title, currency)
    fig.update_layout(height=height)
    return fig

def build_time_waterfall_figure(waterfall: pd.DataFrame) -> go.Figure:
    """Calendar time down to fully productive time, in hours (steps under half a minute left out)."""
    d = _drop_zero_steps(waterfall, "minutes", ZERO_MINUTES)
    names = [t_or(f"wf_{s}", str(s)) for s in d.step]
    hours = (pd.Series(d.minutes, dtype=float) / 60.0).reset_index(drop=True)
    return _waterfall(step_labels(names, _step_width(len(names), wide=True)), hours, list(d.measure), names, t("unit_hours"), t("chart_time_waterfall"),
                      t("axis_hours"), ",.0f",
                      dict(decreasing=dict(marker_color=PALETTE[2]), increasing=dict(marker_color=PALETTE[1]),
                           totals=dict(marker_color=PALETTE[0])), 460)


# ---------------------------------------------------------------- heatmaps, maps, timelines


HEATMAP_ROWS = HEATMAP_WORK_CENTERS  # work centers in the OEE heatmap: 28 px a row, so 30 rows fit a screen


def heatmap_work_centers(by_wc: pd.DataFrame, limit: int = HEATMAP_ROWS) -> list[str]:
    """The work centers the OEE heatmap shows: all of them up to ``limit``, else the ``limit``
    with the lowest OEE over the scope (those a meeting asks about), lowest first (the OEE
    report gives its own as ``heatmap_work_centers``, with their days only)."""
    return compute_lowest_oee_work_centers(by_wc, limit)


def build_oee_heatmap(by_day: pd.DataFrame, work_centers: list[str] | None = None) -> go.Figure:
    """OEE of each work center on each day, on a date axis formatted in the session language;
    ``work_centers``: the rows to show, in that order (all, sorted, when None)."""
    if work_centers is not None:
        by_day = by_day[by_day.work_center_id.isin(work_centers)]
    grid = by_day.pivot_table(index="work_center_id", columns="date", values="oee_pct")
    if work_centers is not None:
        grid = grid.reindex([w for w in work_centers if w in grid.index])
    days = pd.to_datetime(pd.Series(grid.columns))
    _, hover_date = _date_formats()
    fig = go.Figure(go.Heatmap(z=grid.to_numpy(), x=days, y=[str(i) for i in grid.index], colorscale="RdYlGn", zmin=0.4, zmax=1.0,
                               colorbar=dict(title=dict(text="OEE"), tickformat=".0%", tickfont=dict(size=TICK_FONT)),
                               hovertemplate=f"%{{y}} · %{{x|{hover_date}}}: %{{z:.1%}}<extra></extra>"))
    fig.update_layout(title=t("chart_oee_heatmap"))
    _date_axis(fig, title_text=t("axis_date"))
    fig.update_yaxes(type="category", tickangle=0)
    return _style(fig, max(420, 170 + 28 * len(grid.index)))


def build_execution_heatmap(heat: pd.DataFrame) -> go.Figure:
    """Execution (actual / budget) of each cost center's cost lines in each month."""
    grid = heat.pivot_table(index="cost_center_id", columns="period", values="execution_pct")
    fig = go.Figure(go.Heatmap(z=grid.to_numpy(), x=_periods(grid.columns), y=[str(i) for i in grid.index], colorscale="RdYlGn_r",
                               zmid=1.0, zmin=0.7, zmax=1.5,
                               colorbar=dict(title=dict(text=t("kpi_execution")), tickformat=".0%", tickfont=dict(size=TICK_FONT)),
                               hovertemplate="%{y} · %{x}: %{z:.1%}<extra></extra>"))
    fig.update_layout(title=t("chart_execution_heatmap"))
    _period_axis(fig, grid.columns)
    fig.update_yaxes(type="category", tickangle=0)
    return _style(fig, max(420, 170 + 28 * len(grid.index)))


def build_margin_map(by_product: pd.DataFrame, currency: str, size_max: int = 48) -> go.Figure:
    """Products by volume (x) and gross margin % (y); bubble area is revenue, color the family;
    hover in the money unit."""
    d = by_product[by_product.revenue_amount > 0]
    unit = money_unit_label(currency)
    biggest = float(d.revenue_amount.max()) if len(d) else 1.0
    fig = go.Figure()
    d = _localized(d, "family", "product_name")
    for i, (family, part) in enumerate(d.groupby("family", sort=True)):
        custom = list(zip(part.product_id, _money(part.revenue_amount), _money(part.gross_profit_amount)))
        fig.add_scatter(
            x=part.qty, y=part.gross_margin_pct, mode="markers", name=str(family), text=part.product_name, customdata=custom,
            marker=dict(size=part.revenue_amount, sizemode="area", sizeref=2.0 * biggest / size_max**2, sizemin=4, color=_palette(i),
                        line=dict(width=1, color="white"), opacity=0.85),
            hovertemplate=(f"<b>%{{text}}</b> (%{{customdata[0]}})<br>{t('axis_qty')}: %{{x:,.0f}}<br>{t('series_margin')}: %{{y:.1%}}"
                           f"<br>{t('series_revenue')}: %{{customdata[1]:,.2f}} {unit}"
                           f"<br>{t('series_gross_profit')}: %{{customdata[2]:,.2f}} {unit}<extra>{family}</extra>"),
        )
    fig.update_layout(title=t("chart_margin_map"), hovermode="closest")
    fig.update_xaxes(title_text=t("axis_qty"), tickformat=",.0f", tickangle=0)
    fig.update_yaxes(title_text=t("series_margin"), tickformat=".0%")
    return _style(fig, 500)


def build_cash_fan(weekly: pd.DataFrame, baseline: pd.DataFrame | None, min_cash: float, currency: str) -> go.Figure:
    """The driver-based closing balance per week, the statistical baseline with its 50 % and 80 %
    bands, and the minimum-cash line, all in the money unit."""
    fig = go.Figure()
    x = pd.to_datetime(pd.Series(weekly.period_start_date)).reset_index(drop=True)
    hover = f"{_money_hover(currency)}<extra>%{{fullData.name}}</extra>"
    if baseline is not None:
        b = baseline.reset_index(drop=True)
        fig.add_scatter(x=x, y=_money(b.upper), mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=x, y=_money(b.lower), mode="lines", fill="tonexty", fillcolor="rgba(31,78,121,0.12)", line=dict(width=0),
                        name=t("series_band80"), hoverinfo="skip")
        fig.add_scatter(x=x, y=_money(b.upper_50), mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=x, y=_money(b.lower_50), mode="lines", fill="tonexty", fillcolor="rgba(31,78,121,0.25)", line=dict(width=0),
                        name=t("series_band50"), hoverinfo="skip")
        fig.add_scatter(x=x, y=_money(b.forecast), mode="lines", line=dict(color=PALETTE[0], dash="dash", width=2),
                        name=t("series_baseline"), hovertemplate=hover)
    fig.add_scatter(x=x, y=_money(weekly.closing_amount), mode="lines+markers", line=dict(color=PALETTE[1], width=4),
                    name=t("series_driver"), hovertemplate=hover)
    fig.add_hline(y=float(scale_money(float(min_cash))), line_dash="dot", line_color=PALETTE[2], annotation_text=t("series_min_cash"),
                  annotation_position="bottom left")
    fig.update_layout(title=t("chart_cash_fan"), hovermode="x unified")
    fig.update_yaxes(title_text=_money_axis_title(currency), tickformat=MONEY_TICKS)
    _date_axis(fig, title_text=t("axis_week"))
    return _style(fig, 460)


STATE_COLORS = {"running": "#2e8b57", "reduced_speed": "#9acd32", "minor_stop": "#d68910", "setup": "#1f78b4",
                "breakdown": "#c0392b", "planned_stop": "#95a5a6", "idle": "#d5d8dc"}


def build_events_timeline(events: pd.DataFrame) -> go.Figure:
    """Machine states of one work order on a time axis, one bar per event, colored by state."""
    import plotly.express as px

    # one vocabulary for states: the same labels as every table (ui/codes.py)
    d = events.assign(state_label=code_labels("state", events.state))
    colors = dict(zip(code_labels("state", list(STATE_COLORS)), STATE_COLORS.values()))
    fig = px.timeline(d, x_start="start_at", x_end="end_at", y="state_label", color="state_label",
                      color_discrete_map=colors, hover_data=["event_id", "reason_code"])
    fig.update_yaxes(title_text="", categoryorder="array", categoryarray=list(colors)[::-1], tickangle=0)
    fig.update_layout(title=t("chart_events"), showlegend=False)
    _date_axis(fig, with_time=True)
    return _style(fig, 340)


# ---------------------------------------------------------------- meeting topics (#13)


def _topic_category(value) -> str:
    """A topic chart's category in the session language: an i18n key or a code shown as its label,
    a period "2026-10" as "2026年10月" / "Oct 2026", anything else (names from the data) as it is."""
    text = str(value)
    if _PERIOD_RE.match(text):
        return period_label(text)
    return t_or(text, localized_name(text))


def build_topic_figure(chart: dict, currency: str) -> go.Figure:
    """The chart of one meeting topic (the snapshot's ``chart``: kind, title_key, categories,
    series of label_key and values), drawn the same on the meeting screen and in the deck.

    Values are amounts in ``currency``, drawn in the chosen money unit. ``bridge``: one series,
    the first category the start (absolute), the last the end (total), the steps between them
    relative, as ``build_bridge_figure`` draws it; categories are step keys (``bridge_price`` or
    ``price``). ``bar``: one bar group per category, a bar per series. ``line``: one line per
    series over periods (``2026-10``) or days (``2026-10-05``).
    """
    kind = chart.get("kind")
    title = t_or(chart.get("title_key", ""), chart.get("title_key", ""))
    categories = [str(c) for c in chart.get("categories", [])]
    series = chart.get("series") or []
    if kind == "bridge":
        values = series[0]["values"] if series else []
        if len(values) != len(categories) or len(values) < 2:
            raise ValueError(f"chart: a bridge needs one series with a value per category, got {len(categories)} categories")
        steps = [c.removeprefix("bridge_") for c in categories]
        measures = ["absolute"] + ["relative"] * (len(steps) - 2) + ["total"]
        frame = pd.DataFrame({"step": steps, "amount": [float(v or 0.0) for v in values], "measure": measures})
        return build_bridge_figure(frame, title, currency)
    if kind not in ("bar", "line"):
        raise ValueError(f"chart: kind {kind!r} is not one of ('bridge', 'bar', 'line')")
    fig = go.Figure()
    hover = f"{_money_hover(currency)}<extra>%{{fullData.name}}</extra>"
    dates = kind == "line" and len(categories) > 0 and _is_dates(categories)
    x = pd.to_datetime(pd.Series(categories)) if dates else [_topic_category(c) for c in categories]
    angle = 0
    if kind == "bar" and not dates:
        x, angle = step_labels(x, _step_width(len(categories)))
    for i, s in enumerate(series):
        name = t_or(s.get("label_key", ""), s.get("label_key", ""))
        y = _money([np.nan if v is None else v for v in s.get("values", [])])
        if kind == "bar":
            fig.add_bar(x=x, y=y, name=name, marker_color=_palette(i), hovertemplate=hover)
        else:
            fig.add_scatter(x=x, y=y, name=name, mode="lines+markers", line=dict(color=_palette(i), width=3), marker=dict(size=7),
                            hovertemplate=hover)
    fig.update_layout(title=title, barmode="group", hovermode="x unified" if kind == "line" else "closest",
                      showlegend=len(series) > 1)
    fig.update_yaxes(title_text=_money_axis_title(currency), tickformat=MONEY_TICKS)
    if dates:
        _date_axis(fig, title_text=t("axis_date"))
    elif all(_PERIOD_RE.match(c) for c in categories) and categories:
        if len(categories) > 6:  # a year of months: each label on two lines ("Nov<br>2025", "2025年<br>11月"), never rotated
            x = [label.replace("年", "年<br>") if _zh() else label.replace(" ", "<br>") for label in x]
            for trace in fig.data:
                trace.x = x
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=x, tickangle=0, title_text=t("axis_period"))
    else:
        fig.update_xaxes(type="category", tickangle=angle)
    labels = x if not dates else []
    lines = (_angled_lines(labels) if angle else _lines_in(labels)) if len(labels) else 1
    return _style(fig, 440, x_label_lines=lines)
