"""Management overview: the scope's headline KPIs against the period before, warnings, trend."""

import streamlit as st

from ui import data
from ui.figures import build_monthly_pnl_figure
from ui.format import money, pct, qty
from ui.i18n import t

url, scope, currency = data.context()
st.title(t("page_overview"))
st.caption(f"{scope.period_from} – {scope.period_to} · {t('currency_note', currency=currency)}")

k = data.kpis(url, scope)
prev_scope = scope.previous()
p = data.kpis(url, prev_scope) if prev_scope else None


def delta(key, fmt):
    if not p or p.get(key) is None or k.get(key) is None:
        return None
    return fmt(k[key] - p[key])


row1 = st.columns(4)
row1[0].metric(t("kpi_revenue"), money(k["revenue_amount"], currency, compact=True), delta("revenue_amount", lambda v: money(v, currency, True)))
row1[1].metric(t("kpi_gross_profit"), money(k["gross_profit_amount"], currency, compact=True), delta("gross_profit_amount", lambda v: money(v, currency, True)))
row1[2].metric(t("kpi_gross_margin"), pct(k["gross_margin_pct"]), delta("gross_margin_pct", lambda v: pct(v)))
row1[3].metric(t("kpi_variance"), money(k["variance_amount"], currency, compact=True), delta("variance_amount", lambda v: money(v, currency, True)),
               delta_color="inverse", help=t("kpi_variance_help"))
row2 = st.columns(4)
row2[0].metric(t("kpi_operating_profit"), money(k["operating_profit_amount"], currency, compact=True), delta("operating_profit_amount", lambda v: money(v, currency, True)))
row2[1].metric(t("kpi_output"), qty(k["good_qty"]), delta("good_qty", qty))
row2[2].metric(t("kpi_scrap"), pct(k["scrap_pct"], 2), delta("scrap_pct", lambda v: pct(v, 2)), delta_color="inverse")
row2[3].metric(t("kpi_cash"), money(k["cash_amount"], currency, compact=True), help=t("kpi_cash_help", date=k["cash_date"] or "—"))

st.subheader(t("warnings"))
unbalanced = data.unbalanced_vouchers(url)
tie = data.wip_tie(url)
untied = int((~tie.is_tied).sum()) if not tie.empty else 0
shown = False
if len(unbalanced):
    st.error(t("warn_unbalanced", n=len(unbalanced)))
    shown = True
if untied:
    st.warning(t("warn_untied", n=untied))
    shown = True
budget = data.budget(url, scope, "original", "revised", "run_rate", 0.9, 1.0)
if budget is not None:
    for w in budget["warnings"][budget["warnings"].level == "alert"].itertuples():
        st.error(t("warn_budget", cc=w.cost_center_id, acc=w.account_label, p=pct(w.consumption_pct)))
        shown = True
delays = data.cash(url, scope, data.CashScenario(), 0.0, backtest=False)["delays"]
for customer, days in delays[delays > 30].items():
    st.warning(t("warn_late_payer", c=customer, d=f"{days:.0f}"))
    shown = True
if not shown:
    st.success(t("no_warnings"))

pnl = data.monthly_pnl(url, scope)
if pnl.empty:
    st.info(t("no_data"))
else:
    st.plotly_chart(build_monthly_pnl_figure(pnl, currency), width="stretch", key="overview_pnl_chart")
