"""Plotly figure builders: large type for the meeting room, labelled axes with units."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.i18n import t, t_or

FONT_SIZE = 16
PALETTE = ["#1f4e79", "#2e8b57", "#c0392b", "#d68910", "#7d3c98", "#17a589", "#566573", "#a04000"]


def _style(fig: go.Figure, height: int = 420) -> go.Figure:
    fig.update_layout(
        template="plotly_white", height=height, font=dict(size=FONT_SIZE), margin=dict(l=10, r=10, t=50, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1), hovermode="x unified",
    )
    return fig


def build_monthly_pnl_figure(pnl: pd.DataFrame, currency: str) -> go.Figure:
    """Bars of revenue, gross profit and cost variance per period; gross margin as a line."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for col, key, color in (("revenue_amount", "series_revenue", PALETTE[0]),
                            ("gross_profit_amount", "series_gross_profit", PALETTE[1]),
                            ("variance_amount", "series_variance", PALETTE[2])):
        fig.add_bar(x=pnl.period, y=pnl[col], name=t(key), marker_color=color, secondary_y=False)
    fig.add_scatter(x=pnl.period, y=pnl.gross_margin_pct, name=t("series_margin"), mode="lines+markers",
                    line=dict(color=PALETTE[3], width=3), secondary_y=True)
    fig.update_yaxes(title_text=t("axis_amount", currency=currency), secondary_y=False, tickformat=",.0f")
    fig.update_yaxes(title_text=t("series_margin"), secondary_y=True, tickformat=".0%", showgrid=False)
    fig.update_xaxes(title_text=t("axis_period"), type="category")
    fig.update_layout(title=t("chart_monthly_pnl"), barmode="group")
    return _style(fig)


def build_output_figure(production: pd.DataFrame) -> go.Figure:
    """Stacked monthly good output by product family."""
    fig = go.Figure()
    for i, (family, part) in enumerate(production.groupby("family", sort=True)):
        fig.add_bar(x=part.period, y=part.good_qty, name=family, marker_color=PALETTE[i % len(PALETTE)])
    fig.update_layout(title=t("chart_output"), barmode="stack")
    fig.update_yaxes(title_text=t("axis_qty"), tickformat=",.0f")
    fig.update_xaxes(title_text=t("axis_period"), type="category")
    return _style(fig)


def build_scrap_figure(production: pd.DataFrame) -> go.Figure:
    """Monthly scrap rate per product family."""
    fig = go.Figure()
    for i, (family, part) in enumerate(production.groupby("family", sort=True)):
        fig.add_scatter(x=part.period, y=part.scrap_pct, name=family, mode="lines+markers", line=dict(color=PALETTE[i % len(PALETTE)], width=3))
    fig.update_layout(title=t("chart_scrap"))
    fig.update_yaxes(title_text=t("axis_pct"), tickformat=".1%")
    fig.update_xaxes(title_text=t("axis_period"), type="category")
    return _style(fig, 360)


STATE_COLORS = {"running": "#2e8b57", "reduced_speed": "#9acd32", "minor_stop": "#d68910", "setup": "#1f78b4",
                "breakdown": "#c0392b", "planned_stop": "#95a5a6", "idle": "#d5d8dc"}


def build_events_timeline(events: pd.DataFrame) -> go.Figure:
    """Machine states of one work order on a time axis, one bar per event, colored by state."""
    import plotly.express as px

    fig = px.timeline(events, x_start="start_at", x_end="end_at", y="state", color="state",
                      color_discrete_map=STATE_COLORS, hover_data=["event_id", "reason_code"])
    fig.update_yaxes(title_text="", categoryorder="array", categoryarray=list(STATE_COLORS)[::-1])
    fig.update_layout(title=t("chart_events"), showlegend=False)
    return _style(fig, 320)


def build_completeness_figure(completeness: pd.DataFrame) -> go.Figure:
    """Posting completeness per period, one line per plant, against 100 %."""
    fig = go.Figure()
    for i, (plant, part) in enumerate(completeness.groupby("plant_id", sort=True)):
        fig.add_scatter(x=part.period, y=part.completeness_pct, name=plant, mode="lines+markers",
                        line=dict(color=PALETTE[i % len(PALETTE)], width=3))
    fig.add_hline(y=1.0, line_dash="dot", line_color="#566573")
    fig.update_layout(title=t("rc_chart"))
    fig.update_yaxes(title_text=t("rc_completeness"), tickformat=".2%")
    fig.update_xaxes(title_text=t("axis_period"), type="category")
    return _style(fig, 360)


def build_oee_trend_figure(frame: pd.DataFrame, x: str, target: float | None = None) -> go.Figure:
    """OEE per work center over time (``x`` is month, week or date), with the target as a line."""
    fig = go.Figure()
    for i, (wc, part) in enumerate(frame.groupby("work_center_id", sort=True)):
        fig.add_scatter(x=part[x], y=part.oee_pct, name=wc, mode="lines+markers", line=dict(color=PALETTE[i % len(PALETTE)], width=2))
    if target:
        fig.add_hline(y=target, line_dash="dot", line_color="#c0392b", annotation_text=f"{target:.0%}")
    fig.update_layout(title=t("chart_oee_trend"))
    fig.update_yaxes(title_text="OEE", tickformat=".0%")
    fig.update_xaxes(title_text=t("axis_period"), type="category")
    return _style(fig, 420)


def build_time_waterfall_figure(waterfall: pd.DataFrame) -> go.Figure:
    """Calendar time down to fully productive time, in hours."""
    fig = go.Figure(go.Waterfall(
        x=[t(f"wf_{s}") for s in waterfall.step], y=waterfall.minutes / 60.0, measure=waterfall.measure,
        decreasing=dict(marker_color=PALETTE[2]), totals=dict(marker_color=PALETTE[0]),
        texttemplate="%{y:,.0f}", textposition="outside",
    ))
    fig.update_layout(title=t("chart_time_waterfall"), showlegend=False)
    fig.update_yaxes(title_text=t("axis_hours"), tickformat=",.0f")
    return _style(fig, 420)


def build_pareto_figure(pareto: pd.DataFrame, currency: str) -> go.Figure:
    """Loss reasons in money, largest first, with the cumulative share."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=pareto.reason, y=pareto.loss_cost_amount, name=t("series_loss_cost"), marker_color=PALETTE[2], secondary_y=False)
    fig.add_scatter(x=pareto.reason, y=pareto.cumulative_pct, name=t("series_cumulative"), mode="lines+markers",
                    line=dict(color=PALETTE[0], width=3), secondary_y=True)
    fig.update_yaxes(title_text=t("axis_amount", currency=currency), tickformat=",.0f", secondary_y=False)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05], secondary_y=True, showgrid=False)
    fig.update_layout(title=t("chart_pareto"))
    return _style(fig, 420)


def build_oee_heatmap(by_day: pd.DataFrame) -> go.Figure:
    """OEE of each work center on each day."""
    grid = by_day.pivot_table(index="work_center_id", columns="date", values="oee_pct")
    fig = go.Figure(go.Heatmap(z=grid.to_numpy(), x=[pd.Timestamp(d).strftime("%Y-%m-%d") for d in grid.columns], y=grid.index,
                               colorscale="RdYlGn", zmin=0.4, zmax=1.0, colorbar=dict(title="OEE", tickformat=".0%")))
    fig.update_layout(title=t("chart_oee_heatmap"))
    return _style(fig, 460)


def build_margin_map(by_product: pd.DataFrame, currency: str) -> go.Figure:
    """Products by volume (x) and gross margin % (y); bubble size is revenue, color the family."""
    import plotly.express as px

    d = by_product[by_product.revenue_amount > 0]
    fig = px.scatter(d, x="qty", y="gross_margin_pct", size="revenue_amount", color="family", hover_name="product_name",
                     hover_data={"product_id": True, "revenue_amount": ":,.2f", "gross_profit_amount": ":,.2f"}, size_max=48,
                     color_discrete_sequence=PALETTE)
    fig.update_layout(title=t("chart_margin_map"), legend_title_text="")
    fig.update_xaxes(title_text=t("axis_qty"), tickformat=",.0f")
    fig.update_yaxes(title_text=t("series_margin"), tickformat=".0%")
    fig.update_layout(hovermode="closest")
    return _style(fig, 480)


def build_variance_components_figure(summary: pd.DataFrame, label_col: str, components: list[str], currency: str) -> go.Figure:
    """Stacked variance components per row of ``summary`` (positive is unfavorable)."""
    fig = go.Figure()
    for i, comp in enumerate(components):
        fig.add_bar(x=summary[label_col], y=summary[f"{comp}_amount"], name=t(f"var_{comp}"), marker_color=PALETTE[i % len(PALETTE)])
    fig.update_layout(title=t("chart_variance_components"), barmode="relative")
    fig.update_yaxes(title_text=t("axis_amount", currency=currency), tickformat=",.0f")
    return _style(fig, 440)


def build_bridge_figure(bridge: pd.DataFrame, title: str, currency: str) -> go.Figure:
    """A profit bridge as a waterfall; bars are the change each driver causes in gross profit."""
    fig = go.Figure(go.Waterfall(
        x=[t_or(f"bridge_{s}", s) for s in bridge.step], y=bridge.amount, measure=bridge.measure,
        increasing=dict(marker_color=PALETTE[1]), decreasing=dict(marker_color=PALETTE[2]), totals=dict(marker_color=PALETTE[0]),
        texttemplate="%{y:,.0f}", textposition="outside",
    ))
    fig.update_layout(title=title, showlegend=False)
    fig.update_yaxes(title_text=t("axis_amount", currency=currency), tickformat=",.0f")
    return _style(fig, 440)


def build_execution_heatmap(heat: pd.DataFrame) -> go.Figure:
    """Execution (actual / budget) of each cost center's cost lines in each month."""
    grid = heat.pivot_table(index="cost_center_id", columns="period", values="execution_pct")
    fig = go.Figure(go.Heatmap(z=grid.to_numpy(), x=list(grid.columns), y=list(grid.index), colorscale="RdYlGn_r", zmid=1.0,
                               zmin=0.7, zmax=1.5, colorbar=dict(title=t("kpi_execution"), tickformat=".0%"),
                               hovertemplate="%{y} %{x}: %{z:.1%}<extra></extra>"))
    fig.update_layout(title=t("chart_execution_heatmap"))
    fig.update_xaxes(type="category")
    return _style(fig, 460)


def build_bullets(ytd: pd.DataFrame, currency: str) -> go.Figure:
    """Per cost center, as shares of its year budget: actual to date (bar), committed on top,
    and the budget phased to date (tick); 100 % is the year budget."""
    d = ytd[ytd.budget_amount > 0].assign(
        actual=lambda x: x.actual_amount / x.budget_amount, committed=lambda x: x.committed_amount / x.budget_amount,
        phased=lambda x: x.budget_to_date_amount / x.budget_amount).sort_values("actual")
    fig = go.Figure()
    fig.add_bar(y=d.cost_center_id, x=[1.0] * len(d), orientation="h", name=t("series_budget_year"), marker_color="#d5d8dc", width=0.8)
    fig.add_bar(y=d.cost_center_id, x=d.actual, orientation="h", name=t("series_actual"), marker_color=PALETTE[0], width=0.4)
    fig.add_bar(y=d.cost_center_id, x=d.committed, base=d.actual, orientation="h", name=t("series_committed"), marker_color=PALETTE[3], width=0.4)
    fig.add_scatter(y=d.cost_center_id, x=d.phased, mode="markers", name=t("series_phased"),
                    marker=dict(symbol="line-ns", size=26, line=dict(width=4, color=PALETTE[2])))
    fig.update_layout(title=t("chart_bullets"), barmode="overlay", hovermode="y unified")
    fig.update_xaxes(title_text=t("series_budget_year"), tickformat=".0%")
    return _style(fig, 480)


def build_cash_fan(weekly: pd.DataFrame, baseline: pd.DataFrame | None, min_cash: float, currency: str) -> go.Figure:
    """The driver-based closing balance per week, the statistical baseline with its 50 % and 80 %
    bands, and the minimum-cash line."""
    fig = go.Figure()
    x = weekly.period_start_date
    if baseline is not None:
        fig.add_scatter(x=x, y=baseline.upper, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=x, y=baseline.lower, mode="lines", fill="tonexty", fillcolor="rgba(31,78,121,0.12)", line=dict(width=0),
                        name=t("series_band80"))
        fig.add_scatter(x=x, y=baseline.upper_50, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=x, y=baseline.lower_50, mode="lines", fill="tonexty", fillcolor="rgba(31,78,121,0.25)", line=dict(width=0),
                        name=t("series_band50"))
        fig.add_scatter(x=x, y=baseline.forecast, mode="lines", line=dict(color=PALETTE[0], dash="dash", width=2), name=t("series_baseline"))
    fig.add_scatter(x=x, y=weekly.closing_amount, mode="lines+markers", line=dict(color=PALETTE[1], width=4), name=t("series_driver"))
    fig.add_hline(y=min_cash, line_dash="dot", line_color=PALETTE[2], annotation_text=t("series_min_cash"))
    fig.update_layout(title=t("chart_cash_fan"))
    fig.update_yaxes(title_text=t("axis_amount", currency=currency), tickformat=",.0f")
    return _style(fig, 460)


def build_working_capital_figure(wc: pd.DataFrame) -> go.Figure:
    """DSO, DIO, DPO and the cash conversion cycle per month."""
    fig = go.Figure()
    for i, col in enumerate(("dso_days", "dio_days", "dpo_days", "ccc_days")):
        fig.add_scatter(x=wc.period, y=wc[col], name=t(f"wc_{col}"), mode="lines+markers", line=dict(color=PALETTE[i], width=3))
    fig.update_layout(title=t("chart_working_capital"))
    fig.update_yaxes(title_text=t("axis_days"))
    fig.update_xaxes(title_text=t("axis_period"), type="category")
    return _style(fig, 400)
