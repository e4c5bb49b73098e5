"""The meeting mode's UI layer: the application store's records for the page, the presentation
style, and drawing one topic of a frozen snapshot (``reports.meeting``).

Everything drawn in a topic comes from the snapshot, never from the database, so the numbers
stay put when an import lands during the meeting. Comments and action items are read from the
store on every run (they change during the meeting) and are never cached.

The presentation style is injected by the meeting page only: no sidebar and no top navigation,
body type of 30 px (readable from the back of a room on a 1920×1080 screen), KPI values of
64 px, tables as plain HTML tables (a canvas table does not scale with the page's type).
"""

from __future__ import annotations

import html

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from data_loaders import access, audit
from data_loaders import meeting_store as store
from data_loaders.scope import Scope
from reports.meeting import AGENDA, build_snapshot  # noqa: F401 - AGENDA re-exported for the page
from ui import data
from ui.codes import code_label, localized_name
from ui.figures import label_decimals, wrap_label
from ui.format import days, money, money_delta, money_unit_label, number, pct, pp, qty, qty_delta, scale_money
from ui.i18n import lang, t, t_or
from ui.text import md

STATUSES = store.STATUSES
BODY_PX = 30
# the app's fonts (.streamlit/config.toml): Chinese from the font the app serves, on any PC
FONT_FAMILY = "Source Sans, bfi-cjk, sans-serif"
PRESENTATION_CSS = f"""
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{ padding: 1.2rem 2.5rem 2rem 2.5rem !important; max-width: 100% !important; }}
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label, [data-testid="stMain"] td,
[data-testid="stMain"] th, [data-testid="stMain"] input, [data-testid="stMain"] textarea,
[data-testid="stMain"] [data-testid="stMarkdownContainer"], [data-testid="stMain"] button p,
[data-testid="stMain"] [data-testid="stWidgetLabel"] p, [data-testid="stMain"] [data-baseweb="select"] div {{
  font-size: {BODY_PX}px !important; line-height: 1.35 !important;
}}
[data-testid="stMain"] [data-testid="stTextInputRootElement"], [data-testid="stMain"] [data-testid="stSelectbox"] [role="group"],
[data-testid="stMain"] [data-testid="stDateInput"] [role="group"], [data-testid="stMain"] input {{
  height: auto !important; min-height: 56px !important;
}}
[data-testid="stMain"] h1 {{ font-size: 60px !important; padding: 0.2rem 0 0.6rem 0 !important; }}
[data-testid="stMain"] h3 {{ font-size: 38px !important; }}
[data-testid="stMetricLabel"] p {{ font-size: {BODY_PX}px !important; }}
[data-testid="stMain"] [data-testid="stMetricValue"], [data-testid="stMain"] [data-testid="stMetricValue"] * {{
  font-size: 60px !important; line-height: 1.15 !important; font-weight: 600;
}}
[data-testid="stMain"] [data-testid="stMetricDelta"], [data-testid="stMain"] [data-testid="stMetricDelta"] * {{ font-size: {BODY_PX}px !important; }}
[data-testid="stTable"] table {{ width: 100%; }}
[data-testid="stTable"] td, [data-testid="stTable"] th {{ padding: 0.25rem 0.6rem !important; }}
[data-testid="stMain"] .st-key-mt_cards_wide [data-testid="stMetricValue"],
[data-testid="stMain"] .st-key-mt_cards_wide [data-testid="stMetricValue"] * {{ font-size: 46px !important; }}
.st-key-mt_next_page, .st-key-mt_prev_page {{ display: none !important; }}
.mt-header p {{ color: #566573; }}
[data-testid="stMain"] .mt-compare p {{ color: #566573; margin: -0.5rem 0 0 0; font-size: 28px !important; }}
</style>
"""


def apply_presentation_style() -> None:
    st.html(PRESENTATION_CSS)


# --------------------------------------------------------------------------- the store
def may_record() -> bool:
    """Managers and admins record comments, action items and snapshots; others watch."""
    return access.may_record(data.user())


def meeting_month(scope: Scope) -> str | None:
    """The sidebar's month (the period choice's, whatever the mode), else the scope's last month."""
    choice = data.period_choice()
    return choice.month if choice is not None else scope.period_to


def snapshots(month: str, plants) -> list[dict]:
    return store.snapshots(month, plants)


def load_snapshot(snapshot_id: int, plants) -> dict | None:
    return store.load_snapshot(snapshot_id, plants)


def may_export() -> bool:
    """The month-end pack is an export: analysts and admins (``data_loaders.access.may_export``)."""
    return access.may_export(data.user())


def pack_files(snapshot_id: int, plants) -> dict | None:
    """The month-end pack of a stored snapshot in the session language (``ui.pack.build_pack``:
    pack.xlsx, deck.pptx, deck.pdf as bytes), for the page's download buttons; in the audit log."""
    from ui.pack import build_pack  # python-pptx, fpdf2 and kaleido: only when a pack is asked for

    snapshot = load_snapshot(snapshot_id, plants)
    if snapshot is None:
        return None
    built = build_pack(snapshot, lang())
    audit.record(data.user().name, "export_pack", f"{snapshot['month']} #{snapshot_id}",
                 {"plants": list(snapshot["plants"]), "lang": lang(), "charts": built["charts"]})
    return built


def freeze(url: str, scope: Scope, month: str) -> int:
    """Build the month's snapshot from the data as it stands and store it; returns its id. The
    meeting's open items (carried over) are frozen into its actions topic."""
    plants = tuple(scope.plants)
    user = data.user()
    snapshot = build_snapshot(data.get_engine(url), Scope(month, month, plants), month=month, created_by=user.name,
                              action_items=store.meeting_items(month, plants))
    snapshot_id = store.save_snapshot(snapshot)
    audit.record(user.name, "meeting_snapshot", f"{month} #{snapshot_id}", {"plants": list(plants), "as_of": snapshot["as_of"]})
    return snapshot_id


def items(month: str, plants) -> list[dict]:
    return store.meeting_items(month, plants)


def comments(snapshot_id: int, topic: str) -> list[dict]:
    return store.comments(snapshot_id, topic)


def add_comment(snapshot_id: int, topic: str, text: str) -> None:
    store.add_comment(snapshot_id, topic, text, data.user().name)


def add_action(snapshot: dict, snapshot_id: int, topic: str, text: str, owner: str, due: dt.date | None) -> int:
    return store.add_action(snapshot["month"], topic, text, owner, due, data.user().name, snapshot["plants"], snapshot_id)


def set_status(action_id: int, status: str, month: str) -> None:
    store.set_status(action_id, status, month, data.user().name)


# --------------------------------------------------------------------------- drawing a topic
def value_text(value, kind: str, currency: str) -> str:
    """A snapshot number as the meeting shows it: money in the chosen unit (compact)."""
    if kind == "money":
        return money(value, currency, compact=True)
    if kind == "pct":
        return pct(value)
    if kind == "days":
        return days(value)
    if kind == "ratio":
        return pct(value)
    return qty(value)


def change_text(value, other, kind: str, currency: str) -> str | None:
    """The change from ``other`` to ``value`` in the card's kind (None when either is unknown)."""
    if value is None or other is None:
        return None
    change = float(value) - float(other)
    if kind == "money":
        return money_delta(change, currency)
    if kind in ("pct", "ratio"):
        return pp(change)
    if kind == "days":
        return qty_delta(change, None, 1)
    return qty_delta(change)


def cell_text(value, kind: str, currency: str) -> str:
    if value is None:
        return "—"
    if kind == "code":  # a label key, else a code or a name from the data
        return t_or(str(value), localized_name(value))
    if kind == "text":
        text = localized_name(value)
        # a date or a code (WO-2026-00174) never breaks at its hyphens; names break at their spaces
        return text if " " in text else text.replace("-", "\u2011")
    if kind == "money":  # the header names the unit: the cell is the number alone, narrow enough not to wrap
        return number(scale_money(float(value)), 2)
    return value_text(value, kind, currency)


def table_frame(tbl: dict, currency: str) -> pd.DataFrame:
    """A snapshot table as display strings with translated headers (money headers carry the unit)."""
    headers = [t_or(c["label_key"], c["key"]) + (f" ({money_unit_label(currency)})" if c["kind"] == "money" else "")
               for c in tbl["columns"]]
    rows = [[cell_text(v, c["kind"], currency) for v, c in zip(row, tbl["columns"])] for row in tbl["rows"]]
    return pd.DataFrame(rows, columns=headers)


def build_chart_figure(chart: dict, currency: str, height: int = 560) -> go.Figure:
    """The topic's chart from its spec, for a room: large type (24–30 px), money in the chosen
    unit. The month-end deck draws the same spec with ``ui.figures.build_topic_figure`` at a
    slide's size: the same numbers, type sized for each medium."""
    categories = [t_or(c, localized_name(c)) for c in chart["categories"]]
    if categories and all(len(c) == 10 and c[4] == "-" and c[7] == "-" for c in categories):
        categories = [c[5:] for c in categories]  # dates of one season: month-day reads at a glance
    elif not all(len(c) == 7 and c[4] == "-" for c in categories):  # months stay on one line
        across = 40 if lang() == "zh" else 130  # characters a half-screen axis holds at 24 px
        categories = [wrap_label(c, max(4, across // max(len(categories), 1) - 1)) for c in categories]
    unit = money_unit_label(currency)
    digits = label_decimals(scale_money(pd.Series([v for s in chart["series"] for v in s["values"] if v is not None], dtype=float)))
    fig = go.Figure()
    colors = ["#1f4e79", "#d68910", "#2e8b57", "#c0392b"]
    for i, series in enumerate(chart["series"]):
        values = scale_money(pd.Series(series["values"], dtype=float))
        name = t_or(series["label_key"], series["label_key"])
        text = [number(v, digits) if pd.notna(v) else "" for v in values]
        if chart["kind"] == "bridge":
            measures = ["absolute"] + ["relative"] * (len(values) - 2) + ["total"]
            fig.add_trace(go.Waterfall(x=categories, y=values, measure=measures, text=text, textposition="outside", name=name,
                                       cliponaxis=False, increasing=dict(marker_color="#2e8b57"), decreasing=dict(marker_color="#c0392b"),
                                       totals=dict(marker_color="#1f4e79"), connector=dict(line=dict(color="#aab7b8", width=1))))
        elif chart["kind"] == "bar":
            fig.add_trace(go.Bar(x=categories, y=values, name=name, text=text, textposition="outside", cliponaxis=False,
                                 marker_color=colors[i % len(colors)]))
        else:
            fig.add_trace(go.Scatter(x=categories, y=values, name=name, mode="lines+markers", line=dict(width=5, color=colors[i % len(colors)]),
                                     marker=dict(size=12)))
    fig.update_layout(title=dict(text=f"{t_or(chart['title_key'], chart['title_key'])} ({unit})", font=dict(size=30), x=0, xanchor="left"),
                      font=dict(size=24, family=FONT_FAMILY, color="#31333f"), height=height, margin=dict(l=20, r=20, t=80, b=20), showlegend=len(chart["series"]) > 1,
                      legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom", font=dict(size=24)),
                      plot_bgcolor="white", barmode="group")
    # explicit sizes: Streamlit's chart theme keeps the app's fonts (Chinese included) but sets small ticks
    fig.update_yaxes(tickformat=f",.{digits}f", gridcolor="#e5e8e8", automargin=True, tickfont=dict(size=24))
    fig.update_xaxes(type="category", tickangle=0, automargin=True, tickfont=dict(size=24))
    fig.update_traces(textfont=dict(size=22), selector=dict(type="bar"))
    fig.update_traces(textfont=dict(size=22), selector=dict(type="waterfall"))
    return fig


# cards where a rise is bad: the change is coloured red when it goes up
LOWER_IS_BETTER = {"kpi_variance_ledger", "kpi_variance_ops", "kpi_variance_rate", "kpi_scrap", "kpi_loss_cost", "kpi_oee_loss",
                   "mt_products_over_target", "mt_cost_actual", "mt_cost_execution", "cp_budget_execution", "kpi_dso", "kpi_dio",
                   "kpi_ccc", "mt_warning_groups", "mt_warning_count", "mt_warning_critical", "mt_items_open", "mt_items_overdue", "mt_items_carried"}
NEUTRAL = {"kpi_dpo", "mt_gp_prior"}


def render_cards(cards: list[dict], currency: str) -> None:
    """KPI cards, four to a row: the value, its change against last month, and a line with last
    year's and the budget's values."""
    per_row = len(cards) if len(cards) in (5, 6) else 4  # five or six in one row, smaller: the chart keeps its room
    where = st.container(key="mt_cards_wide") if per_row > 4 else st.container()
    for start in range(0, len(cards), per_row):
        row = cards[start:start + per_row]
        cols = where.columns(per_row)
        for col, c in zip(cols, row):
            compare = c["compare"]
            col.metric(t(c["label_key"]), value_text(c["value"], c["kind"], currency),
                       change_text(c["value"], compare["prior_month"], c["kind"], currency),
                       delta_description=t("mt_vs_prior_month") if compare["prior_month"] is not None else None,
                       delta_arrow="off", delta_color=_delta_color(c["label_key"]))
            others = [f"{t(f'mt_vs_{name}')} {value_text(compare[name], c['kind'], currency)}"
                      for name in ("last_year", "budget") if compare[name] is not None]
            if others:  # one comparison a line: a line that wraps is hard to read from afar
                # the currency code comes from the data (plants.currency): escaped; "$" as an entity, never a formula's delimiter
                col.markdown('<div class="mt-compare">\n\n' + "<br>".join(html.escape(o).replace("$", "&#36;") for o in others) + "\n\n</div>",
                             unsafe_allow_html=True)


def _delta_color(label_key: str) -> str:
    return "off" if label_key in NEUTRAL else "inverse" if label_key in LOWER_IS_BETTER else "normal"


def render_topic(topic: dict, currency: str, live_items: list[dict] | None = None) -> None:
    """One topic as a screen: title, cards, then chart and table side by side, then notes."""
    st.title(t(topic["title_key"]))
    if topic["cards"]:
        render_cards(topic["cards"], currency)
    tables = topic["tables"]
    if topic["key"] == "actions" and live_items is not None:
        tables = []  # the live list is drawn by the page, with its status controls
    # the chart takes the height the cards leave on a 1080-pixel screen
    height = 560 if len(topic["cards"]) <= 6 else 400
    fig = build_chart_figure(topic["chart"], currency, height) if topic["chart"] else None
    if fig is not None and tables:
        left, right = st.columns([11, 9], gap="large")
    elif len(tables) == 2:  # two tables, no chart: side by side, the wider one on the right
        left, right = st.columns([9, 11], gap="large")
    else:
        left = right = st.container()
    if fig is not None:
        left.plotly_chart(fig, width="stretch", theme=None, config={"displayModeBar": False}, key=f"mt_chart_{topic['key']}")
    for i, tbl in enumerate(tables):
        frame = table_frame(tbl, currency)
        if frame.empty:
            continue
        where = left if fig is None and len(tables) == 2 and i == 0 else right
        where.markdown(f"**{t(tbl['title_key'])}**")
        where.table(frame, hide_index=True)
    for n in topic["notes"]:
        st.caption(md(note_text(n)))


def note_text(n: dict) -> str:
    """A note in the screen's language; a param named after a coded column (``version``) shows
    as its label."""
    return t(n["key"], **{k: code_label(k, v) for k, v in n["params"].items()})
