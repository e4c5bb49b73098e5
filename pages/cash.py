"""Cash forecast and working capital: a 13-week curve from open items and the production plan,
a statistical baseline with bands and its backtest, funding gaps, scenarios, aging and
DSO / DIO / DPO / CCC."""

import pandas as pd
import streamlit as st

from ui import data
from ui.data import CashScenario, WorkingCapitalSettings
from ui.drill import scroll_here, select_linked
from ui.figures import build_cash_fan, build_working_capital_figure, plotly_config
from ui.format import days, money, money_divisor, money_unit, money_unit_label
from ui.i18n import t
from ui.balances import render_balances_note
from ui.codes import code_label
from ui.page import metric, open_page
from ui.tables import render_table
from ui.widgets import choice
from ui.text import md

url, scope, currency = open_page("page_cash", applies=("plants",), note=t("cash_scope_note"))
render_balances_note(url, scope)  # cash history comes from vouchers: months fed by balances have none

with st.expander(t("cash_settings"), expanded=True):
    c = st.columns(4)
    # entered in the money unit of the cards and the chart; 85 % of today's cash unless the user says otherwise
    divisor = money_divisor()
    opening = data.cash_opening(url, scope)  # None: no bank balance known (not zero)
    default_min = round((opening or 0.0) * 0.85 / divisor, 2)
    min_cash = divisor * c[0].number_input(t("cash_min", currency=money_unit_label(currency)), min_value=0.0, value=default_min,
                                           step=max(round(default_min / 20, 2), 0.01), format="%.2f",
                                           key=f"cash_min.{money_unit()}")
    delay = c[1].slider(t("cash_delay"), 0, 90, 0, step=5, key="cash_delay")
    sales = c[2].slider(t("cash_sales"), -50, 50, 0, step=5, format="%d%%", key="cash_sales")
    shift = c[3].slider(t("cash_shift"), 0, 8, 0, key="cash_shift")
    st.markdown(f"**{t('cash_wc_settings')}**")
    c = st.columns(4)
    wc_basis = choice("selectbox", t("cash_wc_basis"), data.WC_BASES, lambda v: t(f"cash_wc_basis_{v}"), "cash_wc_basis", "month", where=c[0])
    wc_days = choice("selectbox", t("cash_wc_days"), data.WC_DAY_COUNTS, lambda v: t(f"cash_wc_days_{v}"), "cash_wc_days", "actual",
                     where=c[1])
    wc_balance = choice("selectbox", t("cash_wc_balance"), data.WC_BALANCES, lambda v: t(f"cash_wc_balance_{v}"), "cash_wc_balance",
                        "closing", where=c[2])
    wc_sales = choice("selectbox", t("cash_wc_sales"), data.WC_SALES_BASES, lambda v: t(f"cash_wc_sales_{v}"), "cash_wc_sales",
                      "revenue", where=c[3])
wc_settings = WorkingCapitalSettings(wc_basis, wc_days, wc_balance, wc_sales)
scenario = CashScenario(extra_delay_days=delay, sales_change_pct=sales / 100.0, plan_shift_weeks=shift)
r = data.cash(url, scope, scenario, float(min_cash), wc=wc_settings)
weekly, gaps = r["weekly"], r["gaps_weekly"]
wc = r["working_capital"]
last = wc.iloc[-1] if len(wc) else None

c = st.columns(4)
period_end = data.period_end_cash(url, scope)
known = opening is not None  # without a bank balance the balances below are net flows from zero
metric(c[0], t("kpi_cash_now"), money(r["opening"] if known else None, currency, compact=True),
       help=t("kpi_cash_now_help", d=str(r["as_of"].date()), e=period_end["cash_date"] or "—",
              x=money(period_end["cash_amount"] if period_end["cash_date"] else None, currency, compact=True)))
metric(c[1], t("kpi_cash_min"), money(weekly.closing_amount.min() if known else None, currency, compact=True))
gap = money(gaps.shortfall_amount.max(), currency, compact=True) if len(gaps) else t("kpi_no_gap")
metric(c[2], t("kpi_gap"), gap if known else "—")
metric(c[3], t("kpi_ccc"), days(last.ccc_days) if last is not None else "—")
c = st.columns(4)
if last is not None:
    metric(c[0], t("kpi_dso"), days(last.dso_days), help=last.period)
    metric(c[1], t("kpi_dio"), days(last.dio_days))
    metric(c[2], t("kpi_dpo"), days(last.dpo_days))

if not known:
    st.info(t("cash_no_position", d=str(r["as_of"].date())))
for g in gaps.itertuples() if known else ():
    st.error(t("cash_gap_warning", w=pd.Timestamp(g.period_start_date).strftime("%Y-%m-%d"), b=money(g.closing_amount, currency),
               s=money(g.shortfall_amount, currency)))

st.plotly_chart(build_cash_fan(weekly, r["baseline"], float(min_cash), currency), width="stretch", config=plotly_config(), key="cash_fan")

st.subheader(t("cash_weekly"))
select_linked("cash_weekly", weekly.reset_index(drop=True), {"period_start_date": "week"})  # an early warning's link
event = render_table(weekly, key="cash_weekly", currency=currency, selectable=True, export_name="cash_13_weeks")
picked = event.selection.rows if event is not None else []
if picked:
    week = pd.Timestamp(weekly.iloc[picked[0]].period_start_date)
    scroll_here("cash_week", str(week.date()))
    items = data.cash_week_events(url, scope, scenario, week)
    st.markdown(f"**{t('cash_week_items', w=week.strftime('%Y-%m-%d'))}**")
    render_table(items, key="cash_week_items", currency=currency, export_name=f"cash_items_{week:%Y%m%d}", height=360)

st.subheader(t("cash_monthly"))
render_table(r["monthly"], key="cash_monthly", currency=currency, export_name="cash_12_months")

if r["baseline"] is not None:
    st.subheader(t("cash_baseline"))
    st.caption(t("cash_baseline_model", m=md(code_label("chosen", r["baseline_model"]))))
    render_table(r["baseline"][["period_start_date", "forecast", "lower", "upper", "driver_closing_amount", "difference_amount"]],
                 key="cash_baseline", currency=currency, export_name="cash_baseline")
if r["baseline_scores"] is not None and len(r["baseline_scores"]):
    render_table(r["baseline_scores"], key="cash_baseline_scores", export_name="cash_baseline_candidates")
if r["baseline"] is not None:
    # twelve more model selections: only when asked for, then cached for the data version
    st.subheader(t("cash_backtest"))
    if st.toggle(t("cash_backtest_run"), key="cash_backtest_run", help=t("cash_backtest_run_help")):
        bt = data.cash_backtest(url, scope)
        if bt is not None and len(bt):
            st.caption(t("cash_backtest_summary", m=f"{bt.mase_model.mean():.2f}", n=f"{bt.mase_naive.mean():.2f}"))
            render_table(bt, key="cash_backtest", currency=currency, export_name="cash_backtest")
        else:
            st.info(t("cash_backtest_short"))

st.caption(t("cash_wc_caption", b=t(f"cash_wc_basis_{wc_basis}"), d=t(f"cash_wc_days_{wc_days}"), s=t(f"cash_wc_balance_{wc_balance}"),
             sales=t(f"cash_wc_sales_{wc_sales}"),
             ar=t(f"cash_wc_source_{last.receivables_source}") if last is not None else "—",
             ap=t(f"cash_wc_source_{last.payables_source}") if last is not None else "—"))
st.plotly_chart(build_working_capital_figure(wc), width="stretch", config=plotly_config(), key="cash_wc")
left, right = st.columns(2)
with left:
    st.subheader(t("cash_ar_aging"))
    render_table(r["ar_aging"], key="cash_ar_aging", currency=currency, export_name="receivables_aging")
    a, b = r["dso_drivers_periods"]
    st.subheader(t("cash_dso_drivers", a=a, b=b))
    render_table(r["dso_drivers"], key="cash_dso_drivers", currency=currency, export_name="dso_drivers", height=320)
    st.subheader(t("cash_delays"))
    render_table(r["delays"].rename("days_late").reset_index().rename(columns={"index": "customer_id"})
                 .sort_values("days_late", ascending=False), key="cash_delays")
with right:
    st.subheader(t("cash_ap_aging"))
    render_table(r["ap_aging"], key="cash_ap_aging", currency=currency, export_name="payables_aging")
render_table(wc, key="cash_wc_table", currency=currency, export_name="working_capital", height=320)
