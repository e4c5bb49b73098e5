"""Budget execution and control: budget vs committed vs actual through the cost-center and account
trees, execution by month, warnings, year-end landing, versions, what-if, and a drill from any
budget line to the voucher lines behind it."""

import streamlit as st

from ui import data
from ui.balances import render_balances_note
from ui.codes import code_label, localized_name
from ui.data import LANDING_METHODS, compute_what_if
from ui.drill import scroll_here, select_linked
from ui.figures import build_bridge_figure, build_bullets, build_execution_heatmap, plotly_config
from ui.format import money, pct
from ui.i18n import t
from ui.page import metric, open_page
from ui.tables import render_table
from ui.widgets import choice
from ui.text import md

VERSIONS = ("original", "revised", "forecast")

url, scope, currency = open_page("page_budget", applies=("period", "plants"))


def t_version(v: str) -> str:
    return code_label("version", v)



with st.expander(t("bg_settings")):
    c = st.columns(5)
    version = choice("selectbox", t("bg_version"), VERSIONS, t_version, "bg_version", "original", where=c[0])
    compare = choice("selectbox", t("bg_compare"), VERSIONS, t_version, "bg_compare", "revised", where=c[1])
    method = choice("selectbox", t("bg_method"), tuple(LANDING_METHODS), lambda m: t(f"bg_method_{m}"), "bg_method", "run_rate",
                    where=c[2])
    warn = c[3].number_input(t("bg_warn"), min_value=0.1, max_value=2.0, value=0.9, step=0.05, format="%.2f", key="bg_warn")
    alert = c[4].number_input(t("bg_alert"), min_value=0.1, max_value=2.0, value=1.0, step=0.05, format="%.2f", key="bg_alert")
if warn > alert:
    st.error(f"{t('bg_warn')} > {t('bg_alert')}")
    st.stop()

r = data.budget(url, scope, version, compare, method, float(warn), float(alert))
if r is None:
    st.info(t("no_data"))
    st.stop()
st.caption(t("bg_version") + f": {md(t_version(version))}")

total = r["total"].set_index("line_type")
landing = r["landing"]
for line_type, label in (("cost", "kpi_budget_costs"), ("revenue", "kpi_budget_revenue")):
    if line_type not in total.index:
        continue
    row = total.loc[line_type]
    st.markdown(f"**{t(label)}**")
    year = r["year_to_date"][r["year_to_date"].line_type == line_type]
    c = st.columns(4)
    metric(c[0], t("kpi_budget"), money(row.budget_amount, currency, compact=True))
    metric(c[1], t("kpi_actual"), money(row.actual_amount, currency, compact=True))
    metric(c[2], t("kpi_budget_variance"), f"{money(row.variance_amount, currency, compact=True)} {code_label('fav_unfav', row.fav_unfav)}", help=t("kpi_variance_help"))
    metric(c[3], t("kpi_execution"), pct(row.execution_pct))
    c = st.columns(4)
    if line_type == "cost":  # commitments and what is left belong to the year's budget
        metric(c[0], t("kpi_committed"), money(year.committed_amount.sum(), currency, compact=True))
        metric(c[1], t("kpi_available"), money(year.available_amount.sum(), currency, compact=True))
    metric(c[2], t("kpi_landing"), money(landing[landing.line_type == line_type].landing_variance_amount.sum(), currency, compact=True))

st.subheader(t("bg_warnings", y=r["year"], m=r["last_closed"]))
warnings = r["warnings"]
if warnings.empty:
    st.success(t("bg_no_warnings"))
for w in warnings.itertuples():
    text = t(f"bg_{w.level}_line", cc=md(w.cost_center_id), acc=md(localized_name(w.account_label)), p=pct(w.phased_execution_pct if w.level == "pace" else w.consumption_pct))
    (st.error if w.level == "alert" else st.warning)(text)

# execution by month reads as a year: a short span shows its budget year up to its last month
st.plotly_chart(build_execution_heatmap(r["year_heatmap"]), width="stretch", config=plotly_config(), key="bg_heatmap")
ytd = r["year_to_date"]
by_cc_ytd = ytd[ytd.line_type == "cost"].groupby("cost_center_id", as_index=False)[
    ["budget_amount", "actual_amount", "committed_amount", "budget_to_date_amount"]].sum()
st.plotly_chart(build_bullets(by_cc_ytd, currency), width="stretch", config=plotly_config(), key="bg_bullets")

st.subheader(t("bg_tree"))
tree = r["by_cost_center"][["cost_center_node", "label", "line_type", "budget_amount", "actual_amount", "variance_amount", "variance_pct",
                            "fav_unfav", "execution_pct"]]
select_linked("bg_tree", tree, {"cost_center_node": "cost_center"})  # an early warning's link names its cell
event = render_table(tree, key="bg_tree", currency=currency, selectable=True, export_name="budget_by_cost_center", height=460)
picked = event.selection.rows if event is not None else []
if picked:
    node = tree.iloc[picked[0]].cost_center_node
    scroll_here("budget_node", node)
    st.markdown(f"**{t('bg_accounts', cc=md(node))}**")
    accounts = r["by_cost_center_account"]
    accounts = accounts[accounts.cost_center_node == node][["account_code", "account_label", "line_type", "budget_amount", "actual_amount",
                                                            "variance_amount", "variance_pct", "fav_unfav", "execution_pct"]]
    select_linked("bg_accounts", accounts.reset_index(drop=True), {"account_code": "account"})
    acc_event = render_table(accounts, key="bg_accounts", currency=currency, selectable=True, export_name=f"budget_{node}")
    acc_picked = acc_event.selection.rows if acc_event is not None else []
    if acc_picked:
        account = accounts.iloc[acc_picked[0]].account_code
        scroll_here("budget_account", [node, account])
        st.markdown(f"**{t('bg_lines', cc=md(node), acc=md(account))}**")
        lines = data.budget_cell_lines(url, scope, node, account)
        render_balances_note(url, scope)  # a balances-only month has no lines to show: the figure stops at the balance
        render_table(lines, key="bg_lines", currency=currency, export_name=f"lines_{node}_{account}", height=360, drill=True)

st.subheader(t("bg_ytd", y=r["year"], m=r["last_closed"]))
render_table(ytd[["cost_center_id", "account_label", "line_type", "budget_amount", "budget_to_date_amount", "actual_amount",
                  "phased_execution_pct", "committed_amount", "consumption_pct", "available_amount", "fav_unfav"]],
             key="bg_ytd", currency=currency, export_name="budget_year_to_date", height=360)

st.subheader(t("bg_landing"))
render_table(landing[["cost_center_id", "account_label", "line_type", "budget_year_amount", "actual_ytd_amount", "forecast_rest_amount",
                      "landing_amount", "landing_variance_amount", "fav_unfav"]], key="bg_landing", currency=currency,
             export_name="budget_landing", height=360)

left, right = st.columns(2)
with left:
    st.plotly_chart(build_bridge_figure(r["bridge"], t("bg_bridge"), currency), width="stretch", config=plotly_config(), key="bg_bridge")
with right:
    st.markdown(f"**{t('bg_what_if')}**")
    cost_lines = ytd[ytd.line_type == "cost"].reset_index(drop=True)
    labels = {i: f"{row.cost_center_id} · {localized_name(row.account_label)}" for i, row in cost_lines.iterrows()}
    choice = st.selectbox(t("bg_what_if_line"), list(labels), format_func=labels.get, key="bg_what_if_line")
    amount = st.number_input(t("bg_what_if_amount"), min_value=0.0, value=100_000.0, step=10_000.0, key="bg_what_if_amount")
    if choice is not None:
        w = compute_what_if(cost_lines.loc[choice], float(amount), float(warn), float(alert))
        msg = t(f"bg_what_if_{w['level']}", a=money(abs(w["available_after_amount"]), currency), p=pct(w["consumption_after_pct"]))
        {"ok": st.success, "warn": st.warning, "alert": st.error}[w["level"]](msg)

st.subheader(t("bg_versions", a=md(t_version(version)), b=md(t_version(compare))))
render_table(r["versions"], key="bg_versions", currency=currency, export_name="budget_versions", height=320)

flex = data.flexible_budget(url, scope, version)
st.subheader(t("bg_flexible"), help=t("bg_flexible_help"))
if flex is None:
    st.info(t("bg_no_sales_budget"))
else:
    render_table(flex["flexible_budget"].assign(line=lambda d: d.line.map(lambda x: t(f"bg_line_{x}"))), key="bg_flexible",
                 currency=currency, export_name="flexible_budget")
    sv = flex["sales_variance_total"]
    c = st.columns(5)
    metric(c[0], t("kpi_budget_margin"), money(sv.budget_margin_amount, currency, compact=True))
    for col, name in zip(c[1:], ("sales_price", "sales_mix", "sales_quantity", "cost")):
        metric(col, t(f"kpi_{name}_variance"), money(sv[f"{name}_amount"], currency, compact=True), help=t("bg_sales_variance_help"))
    st.caption(t("bg_actual_margin", a=money(sv.actual_margin_amount, currency, compact=True)))
    render_table(flex["sales_variances"], key="bg_sales_variances", currency=currency, export_name="sales_variances_by_product",
                 height=360)
