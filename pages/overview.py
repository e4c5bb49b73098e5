"""Management overview: the scope's headline KPIs against the comparisons the period mode calls
for (prior month and same month last year; prior YTD; …), warnings first, and the trend."""

import streamlit as st

from ui import data
from ui.codes import localized_name
from ui.figures import build_monthly_pnl_figure, plotly_config
from ui.format import money, money_delta, pct, pp, qty, qty_delta
from ui.i18n import t
from ui.page import metric, open_page
from ui.tables import render_kpi_comparison
from ui.text import md
from ui.warnings_panel import render_warnings

url, scope, currency = open_page("page_overview")
comparisons = data.comparison_scopes(scope, data.period_choice())
k = data.kpis(url, scope)
others = {name: data.kpis(url, other) if data.covers(url, other) else None for name, other in comparisons}
budget_kpis = data.budget_kpis(url, scope, data.period_choice())
if budget_kpis is not None:
    others["budget"] = budget_kpis
main_name = comparisons[0][0] if comparisons else None
main = others.get(main_name)
changes = data.kpi_comparison(k, others)
change = dict(zip(changes.kpi, changes[f"{main_name}_change"])) if main_name else {}
described = {"delta_description": t(f"vs_{main_name}")} if main_name else {}

render_warnings(url, scope, currency)

st.subheader(t("ov_kpis"))
cards = st.columns(4)
metric(cards[0], t("kpi_revenue"), money(k["revenue_amount"], currency, compact=True),
       money_delta(change.get("revenue_amount"), currency), **described)
metric(cards[1], t("kpi_gross_profit_ledger"), money(k["gross_profit_amount"], currency, compact=True),
       money_delta(change.get("gross_profit_amount"), currency), help=t("kpi_gross_profit_ledger_help"), **described)
metric(cards[2], t("kpi_gross_margin"), pct(k["gross_margin_pct"]), pp(change.get("gross_margin_pct")), **described)
metric(cards[3], t("kpi_variance_ledger"), money(k["variance_amount"], currency, compact=True),
       money_delta(change.get("variance_amount"), currency), delta_color="inverse", help=t("kpi_variance_ledger_help"), **described)
cards = st.columns(4)
metric(cards[0], t("kpi_operating_profit"), money(k["operating_profit_amount"], currency, compact=True),
       money_delta(change.get("operating_profit_amount"), currency), **described)
metric(cards[1], t("kpi_output"), qty(k["good_qty"], t("unit_pcs")), qty_delta(change.get("good_qty"), t("unit_pcs")), **described)
metric(cards[2], t("kpi_scrap"), pct(k["scrap_pct"], 2), pp(change.get("scrap_pct"), 2), delta_color="inverse", **described)
metric(cards[3], t("kpi_cash_period_end"), money(k["cash_amount"], currency, compact=True),
       money_delta(change.get("cash_amount"), currency), help=t("kpi_cash_period_end_help", date=k["cash_date"] or "—"), **described)

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
