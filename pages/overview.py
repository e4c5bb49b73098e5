"""Management overview, the cockpit: warnings first, then on the same screen the month's KPI
cards against the main comparison and the profit bridge from the span before; below them the
written summary, every figure against each comparison, budget and the year to date, and the
trend. The figures come from ``ui.data.cockpit`` (``reports.cockpit``)."""

import streamlit as st

from ui import cockpit as ui_cockpit
from ui import data
from ui.figures import build_cockpit_bridge_figure, build_monthly_pnl_figure, plotly_config
from ui.i18n import t
from ui.page import open_page
from ui.tables import render_kpi_comparison
from ui.warnings_panel import render_warnings

url, scope, currency = open_page("page_overview")
choice = data.period_choice()
comparisons = data.comparison_scopes(scope, choice)
k = data.kpis(url, scope)
others = {name: data.kpis(url, other) if data.covers(url, other) else None for name, other in comparisons}
budget_kpis = data.budget_kpis(url, scope, choice)
if budget_kpis is not None:
    others["budget"] = budget_kpis
changes = data.kpi_comparison(k, others)
cockpit = data.cockpit(url, scope, choice)

render_warnings(url, scope, currency)

cards, bridge = st.columns([3, 2], gap="medium")
with cards:
    ui_cockpit.render_cards(cockpit, currency)
with bridge:
    if cockpit["bridge"] is None:
        st.info(t("cp_no_bridge"))
    else:
        st.plotly_chart(build_cockpit_bridge_figure(ui_cockpit.bridge_frame(cockpit), ui_cockpit.bridge_title(cockpit), currency),
                        width="stretch", config=plotly_config(), key="overview_bridge_chart")

st.subheader(t("cp_summary"))
ui_cockpit.render_summary(cockpit, currency)

st.subheader(t("cp_table"))
ui_cockpit.render_table(cockpit, currency, key="overview_cockpit_table")
if comparisons:
    st.markdown(f"**{t('ov_comparison')}**")
    render_kpi_comparison(changes, list(others), currency, key="overview_comparison")
    st.caption(t("ov_budget_note"))

pnl = data.monthly_pnl(url, data.trend_scope(scope))
if pnl.empty:
    st.info(t("no_data"))
else:
    st.plotly_chart(build_monthly_pnl_figure(pnl, currency), width="stretch", config=plotly_config(), key="overview_pnl_chart")
    st.caption(t("ov_trend_note"))
