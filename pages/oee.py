"""OEE and what each loss costs: A × P × Q per work center, the six big losses in money, the time
waterfall, a Pareto of loss reasons, a heatmap, and a drill to the events and work orders."""

import streamlit as st

from ui import data
from ui.codes import code_labels
from ui.data import CONVENTIONS, SHIFTS, OeeSettings
from ui.drill import scroll_here, select_linked
from ui.figures import build_oee_heatmap, build_oee_trend_figure, build_pareto_figure, build_time_waterfall_figure, plotly_config
from ui.format import money, pct
from ui.i18n import t
from ui.page import metric, open_page
from ui.tables import render_table
from ui.widgets import choice
from ui.text import md

GRAINS = ("month", "week", "date")
CHANGEOVER_AS = ("availability", "schedule")

url, scope, currency = open_page("page_oee", applies=("period", "plants"))

with st.expander(t("oee_settings")):
    c = st.columns(3)
    convention = choice("selectbox", t("oee_convention"), CONVENTIONS, lambda v: t(f"oee_convention_{v}"), "oee_convention", "vorne",
                        where=c[0], help=t("oee_convention_help"))
    changeover = choice("selectbox", t("oee_changeover"), CHANGEOVER_AS, lambda v: t(f"oee_changeover_{v}"), "oee_changeover",
                        "availability", where=c[1])
    planned_as_loss = c[2].toggle(t("oee_planned_as_loss"), key="oee_planned_as_loss", help=t("oee_planned_as_loss_help"))
    c = st.columns(3)
    target = c[0].number_input(t("oee_target"), min_value=0.05, max_value=1.0, value=0.85, step=0.05, format="%.2f", key="oee_target")
    bottleneck = c[1].toggle(t("oee_bottleneck"), key="oee_bottleneck")
# the same object `cli.py report --oee-…` builds: the page and the CLI give the same numbers
settings = OeeSettings(planned_stops_count_as_loss=planned_as_loss, target_oee=float(target), bottleneck_margin=bottleneck,
                       convention=convention, changeover_as=changeover)

report = data.oee(url, scope, settings)
if report is None:
    st.info(t("oee_no_events"))
    st.stop()
total = report["total"]

c = st.columns(7)  # seven cards fit 1440 px: labels and values wrap (ui/style.py)
for col, key, field in zip(c, ("kpi_oee", "kpi_availability", "kpi_performance", "kpi_quality", "kpi_teep", "kpi_utilisation"),
                           ("oee_pct", "availability_pct", "performance_pct", "quality_pct", "teep_pct", "utilisation_pct")):
    metric(col, t(key), pct(total[field]))
metric(c[6], t("kpi_loss_cost"), money(total.loss_cost_amount, currency, compact=True), help=t("kpi_loss_cost_oee_help"))

# the trend's grain follows the span: days in a month, weeks in a quarter, months beyond
default_grain = "date" if scope.n_months <= 1 else "week" if scope.n_months <= 3 else "month"
grain = choice("segmented", t("oee_grain"), GRAINS, lambda g: t(f"grain_{g}"), "oee_grain", default_grain)
trend = report[{"month": "by_month", "week": "by_week", "date": "by_day"}[grain]]  # all work centers together
st.plotly_chart(build_oee_trend_figure(trend, grain, settings.target_oee), width="stretch", config=plotly_config(), key="oee_trend")

# full width: a dozen time steps need the room to keep their labels apart
st.plotly_chart(build_time_waterfall_figure(report["waterfall"]), width="stretch", config=plotly_config(), key="oee_waterfall")
pareto = report["pareto"].assign(reason=lambda d: code_labels("reason", d.reason))
st.plotly_chart(build_pareto_figure(pareto, currency), width="stretch", config=plotly_config(), key="oee_pareto")

st.subheader(t("oee_six_losses"))
six = report["six_losses"].assign(loss=lambda d: d.loss.map(lambda x: t(f"loss_{x}")))
render_table(six, key="oee_six", currency=currency, export_name="six_big_losses")

st.subheader(t("oee_by_wc"))
cols = ["work_center_id", "work_center_name", "plant_id", "is_bottleneck", "availability_pct", "performance_pct", "quality_pct",
        "oee_pct", "teep_pct", "utilisation_pct", "ppt_min", "run_min", "good_qty", "scrap_qty", "loss_cost_amount"]
by_wc = report["by_work_center"][cols]
event = render_table(by_wc, key="oee_by_wc", currency=currency, selectable=True, export_name="oee_by_work_center")

st.subheader(t("oee_capacity"))
capacity = report["by_work_center"][["work_center_id", "work_center_name", "oee_pct", "target_oee_pct", "run_min", "ppt_min", "total_qty",
                                     "good_qty", "avg_ideal_cycle_min", "ideal_units_qty", "planned_cycles_qty", "capacity_gain_units_qty",
                                     "capacity_gain_hours_h"]]
render_table(capacity, key="oee_capacity", export_name="oee_capacity")

with st.expander(t("oee_loss_classes")):
    render_table(report["loss_classes"], key="oee_loss_classes", export_name="oee_loss_classes")

st.subheader(t("oee_by_wc_month"))
wc_month = report["by_work_center_month"][["work_center_id", "month", "availability_pct", "performance_pct", "quality_pct", "oee_pct",
                                           "breakdown_cost_amount", "loss_cost_amount"]]
# an early warning's link names the work center; its month is the scope's (the link's month is the filter's)
select_linked("oee_wc_month", wc_month.reset_index(drop=True), {"work_center_id": "work_center"}, last=True)
month_event = render_table(wc_month, key="oee_wc_month", currency=currency, selectable=True, height=360, export_name="oee_by_month")

picked = month_event.selection.rows if month_event is not None else []
picked_wc = event.selection.rows if event is not None else []
if picked or picked_wc:
    if picked:
        row = wc_month.iloc[picked[0]]
        wc, month = row.work_center_id, row.month
    else:
        wc, month = by_wc.iloc[picked_wc[0]].work_center_id, report["by_month"].month.iloc[-1]
    drill = data.oee_drill(url, scope, wc, month)
    ev = drill["events"]
    scroll_here("oee", [wc, month])
    st.markdown(f"**{t('oee_drill', w=md(wc), m=md(month))}**")
    render_table(ev[ev.state != "running"], key="oee_drill_events", export_name=f"{wc}_{month}_events", height=320, drill=True)
    st.markdown(f"**{t('oee_drill_orders', w=md(wc), m=md(month))}**")
    orders = drill["orders"].sort_values("loss_cost_amount", ascending=False)
    render_table(orders, key="oee_drill_orders", currency=currency, export_name=f"{wc}_{month}_orders", drill=True)

shown = report["heatmap_work_centers"]  # the lowest OEE first; the report holds their days only
st.plotly_chart(build_oee_heatmap(report["by_work_center_day"], shown), width="stretch", config=plotly_config(), key="oee_heatmap")
if len(shown) < len(report["by_work_center"]):
    st.caption(t("oee_heatmap_lowest", n=len(shown), total=f"{len(report['by_work_center']):,}"))

st.subheader(t("oee_by_shift"))
shifts = report["by_shift"].assign(shift_label=lambda d: d["shift"].map(SHIFTS))
render_table(shifts[["shift_label", "availability_pct", "performance_pct", "quality_pct", "oee_pct", "loss_cost_amount"]],
             key="oee_shift", currency=currency, export_name="oee_by_shift")

st.subheader(t("oee_improvement"))
render_table(report["improvement"], key="oee_improvement", currency=currency, export_name="oee_improvement_value", height=360)

if report["bottleneck_margin"] is not None:
    st.subheader(t("oee_bottleneck_table"))
    render_table(report["bottleneck_margin"], key="oee_bottleneck_table", currency=currency, export_name="bottleneck_margin")

st.subheader(t("oee_problems"))
if report["problems"].empty:
    st.success(t("oee_no_problems"))
else:
    render_table(report["problems"], key="oee_problems", export_name="oee_data_problems")
