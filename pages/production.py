"""Production: monthly output and scrap by product family, and the work orders in scope."""

import streamlit as st

from ui import data
from ui.figures import build_output_figure, build_scrap_figure, plotly_config
from ui.i18n import t
from ui.page import open_page
from ui.tables import render_table

url, scope, currency = open_page("page_production")

production = data.production_monthly(url, data.trend_scope(scope))  # a trend: at least twelve months
if production.empty:
    st.info(t("no_data"))
else:
    st.plotly_chart(build_output_figure(production), width="stretch", config=plotly_config(), key="production_output_chart")
    st.plotly_chart(build_scrap_figure(production), width="stretch", config=plotly_config(), key="production_scrap_chart")
    st.caption(t("ov_trend_note"))

st.subheader(t("work_orders"))
limit = 5000
st.caption(t("work_orders_help", n=f"{limit:,}"))
orders = data.work_orders(url, scope, limit)
columns = ["work_order_id", "product_id", "product_name", "family", "work_center_id", "status", "planned_qty",
           "completed_qty", "scrap_qty", "planned_start_date", "actual_start_at", "actual_end_at", "sales_order_id"]
render_table(orders[columns] if not orders.empty else orders, key="production_work_orders", currency=currency,
             export_name="work_orders", height=420, drill=True)
