"""Product profitability with standard vs actual cost variances and profit bridges.

Which products make money and why margin moved; is a variance price, usage, efficiency or
scrap. Every product drills to its work orders and through them to vouchers.
"""

import streamlit as st

from ui import data
from ui.data import OVERHEAD_VIEWS, PRICE_VARIANCE_BASES, TARGET_VARIANCE_RATE, VARIANCE_VIEWS, VARIANCES, compute_overhead_view
from ui.drill import scroll_here, select_linked
from ui.figures import build_bridge_figure, build_margin_map, build_variance_components_figure, plotly_config
from ui.filters import span_label
from ui.format import money, pct, pp
from ui.i18n import t
from ui.page import metric, open_page
from ui.tables import render_table
from ui.widgets import choice
from ui.text import md

DIMENSIONS = ("product", "family", "customer", "plant", "period")
OVERHEAD_BY = ("work_center", "plant", "period")
VARIANCE_BY = ("work_center", "plant", "period", "product_period")  # besides product and family, drawn above
LABOR_OUTPUTS = ["labor_h", "std_labor_h", "actual_labor_rate_per_h", "labor_rate_per_h"]  # beside the labor rate and efficiency variances

url, scope, currency = open_page("page_profitability", note=t("pf_ledger_note"))

r = data.profitability(url, scope)
total, vt = r["total"], r["variance_total"]
if total is None:
    st.info(t("no_data"))
    st.stop()

ledger = data.ledger_vs_operations(url, scope, total)
c = st.columns(4)
metric(c[0], t("kpi_revenue"), money(total.revenue_amount, currency, compact=True))
metric(c[1], t("kpi_gross_profit_ops"), money(total.gross_profit_amount, currency, compact=True),
       help=t("kpi_gross_profit_ops_help", l=money(ledger["ledger_gross_profit_amount"], currency, compact=True),
              d=money(ledger["unposted_variance_amount"], currency, compact=True)))
metric(c[2], t("kpi_gross_margin"), pct(total.gross_margin_pct))
metric(c[3], t("kpi_contribution"), pct(total.contribution_pct))
c = st.columns(4)
metric(c[0], t("kpi_variance_ops"), money(total.variance_amount, currency, compact=True),
       help=t("kpi_variance_ops_help", l=money(ledger["ledger_variance_amount"], currency, compact=True),
              d=money(ledger["unposted_variance_amount"], currency, compact=True)))
rate = vt.variance_rate_pct if vt is not None else None
metric(c[1], t("kpi_variance_rate"), pct(rate), delta=pp(rate - TARGET_VARIANCE_RATE) if rate is not None else None,
       delta_description=t("vs_target"), delta_color="inverse", help=t("kpi_variance_rate_help"))
metric(c[2], t("kpi_oee_loss"), money(total.oee_loss_amount, currency, compact=True), help=t("kpi_oee_loss_help"))
over = r["variance_by_product"]
metric(c[3], t("kpi_variance_rate") + " > 2%", f"{int(over.over_target.sum())} / {len(over)}")

dim = choice("segmented", t("pf_dimension"), DIMENSIONS, lambda d: t(f"dim_{d}"), "pf_dim", "product")
st.subheader(t("pf_ranked"))
table = r[f"by_{dim}"].drop(columns=["unit_price"] if dim != "product" else [])
render_table(table, key="pf_ranked", currency=currency, export_name=f"profitability_by_{dim}", height=420)

left, right = st.columns([3, 2])
with left:
    st.plotly_chart(build_margin_map(r["by_product"], currency), width="stretch", config=plotly_config(), key="pf_margin_map")
with right:
    ranked = r["by_product"][["product_id", "product_name", "revenue_amount", "gross_profit_amount", "gross_margin_pct"]]
    st.markdown(f"**{t('pf_top')}**")
    render_table(ranked.head(5), key="pf_top", currency=currency)
    st.markdown(f"**{t('pf_bottom')}**")
    render_table(ranked.tail(5).iloc[::-1], key="pf_bottom", currency=currency)

st.subheader(t("pf_unit"))
render_table(r["unit_economics"], key="pf_unit", currency=currency, export_name="unit_economics", height=360)

st.subheader(t("pf_variances"))
n_over = int(over.over_target.sum())
if n_over:
    st.warning(t("pf_over_target", n=n_over))
fam = r["variance_by_family"][["family"] + [f"{v}_amount" for v in VARIANCES]]
st.plotly_chart(build_variance_components_figure(fam, "family", list(VARIANCES), currency), width="stretch", config=plotly_config(), key="pf_var_chart")
var_cols = ["product_id", "product_name", "family", "good_qty", "scrap_qty", "standard_amount", "actual_amount", "variance_amount",
            "variance_rate_pct", "over_target"] + [f"{v}_amount" for v in VARIANCES] + LABOR_OUTPUTS
by_product = over.sort_values("variance_amount", ascending=False)[var_cols].reset_index(drop=True)
select_linked("pf_var_products", by_product, {"product_id": "product"})  # an early warning's link
event = render_table(by_product, key="pf_var_products", currency=currency, selectable=True, export_name="variances_by_product", height=380)
picked = event.selection.rows if event is not None else []
if picked:
    product = by_product.iloc[picked[0]]
    scroll_here("variance_product", product.product_id)
    st.markdown(f"**{t('pf_variance_orders', p=md(f'{product.product_id} {product.product_name}'))}**")
    orders = data.profitability_orders(url, scope, product.product_id)
    cols = ["work_order_id", "period", "plant_id", "work_center_id", "good_qty", "scrap_qty", "standard_amount", "actual_amount",
            "variance_amount", "posted_variance_amount"] + [f"{v}_amount" for v in VARIANCES] + LABOR_OUTPUTS
    render_table(orders[cols].sort_values("variance_amount", ascending=False), key="pf_var_orders", currency=currency,
                 export_name=f"{product.product_id}_work_order_variances", height=360, drill=True)

st.markdown(f"**{t('pf_variance_by')}**")
var_by = choice("segmented", t("pf_overhead_by"), VARIANCE_BY, lambda d: t(f"dim_{d}"), "pf_var_by", "work_center")
by_keys = VARIANCE_VIEWS[var_by]  # the summary's own keys, then the product table's figures
var_by_table = r[f"variance_by_{var_by}"][by_keys + [c for c in var_cols if c not in VARIANCE_VIEWS["product"]]]
render_table(var_by_table.sort_values(by_keys if var_by in ("period", "product_period") else "variance_amount",
                                      ascending=var_by in ("period", "product_period"), ignore_index=True),
             key="pf_var_by", currency=currency, export_name=f"variances_by_{var_by}", height=360)

st.subheader(t("pf_price_variance"), help=t("pf_pv_help"))
basis = choice("segmented", t("pf_pv_basis"), PRICE_VARIANCE_BASES, lambda b: t(f"pf_pv_{b}"), "pf_pv_basis", "usage")
left, right = st.columns(2)
with left:
    st.markdown(f"**{t('pf_pv_by_supplier')}**")
    render_table(r[f"price_variance_{basis}_by_supplier"], key="pf_pv_supplier", currency=currency,
                 export_name=f"price_variance_{basis}_by_supplier", height=320)
with right:
    st.markdown(f"**{t('pf_pv_by_period')}**")
    render_table(r[f"price_variance_{basis}_by_period"], key="pf_pv_period", currency=currency,
                 export_name=f"price_variance_{basis}_by_period", height=320)

st.subheader(t("pf_overhead_split"), help=t("pf_overhead_help"))
c = st.columns(2)
oh_view = choice("segmented", t("pf_overhead_view"), tuple(OVERHEAD_VIEWS), lambda v: t(f"pf_overhead_{v}"), "pf_oh_view", "four_way",
                 where=c[0])
oh_by = choice("segmented", t("pf_overhead_by"), OVERHEAD_BY, lambda d: t(f"dim_{d}"), "pf_oh_by", "work_center", where=c[1])
keys = {"work_center": ["plant_id", "work_center_id"], "plant": ["plant_id"], "period": ["period"]}[oh_by]
render_table(compute_overhead_view(r[f"overhead_by_{oh_by}"], oh_view, keys), key="pf_oh_split", currency=currency,
             export_name=f"overhead_{oh_view}_by_{oh_by}", height=320)
with st.expander(t("pf_overhead")):
    render_table(r["overhead_three_way"], key="pf_overhead", currency=currency, export_name="overhead_three_way", height=320)

st.subheader(t("pf_bridges"))
left, right = st.columns(2)
if r["period_bridge"] is not None:
    base = r["bridge_base"]
    title = t("pf_bridge_periods", a=span_label(base.period_from, base.period_to), b=span_label(scope.period_from, scope.period_to))
    left.plotly_chart(build_bridge_figure(r["period_bridge"], title, currency), width="stretch", config=plotly_config(), key="pf_bridge_periods")
right.plotly_chart(build_bridge_figure(r["budget_bridge"], t("pf_bridge_budget"), currency), width="stretch", config=plotly_config(), key="pf_bridge_budget")
