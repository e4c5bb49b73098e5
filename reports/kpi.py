"""The KPI report for a scope, as JSON-ready data (the CLI's ``report`` command).

Any scope and any subset of the contract's tables give a report: a section with nothing to
show is ``null`` and ``empty`` names why (``{"oee": "no machine events in the scope"}``),
ratios with a zero base are ``null``, never NaN (docs/FORMULAS.md, "Empty sections").
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from analytics.ledger import compute_kpis, compute_monthly_pnl, compute_production_monthly, compute_wip_tie
from data_loaders import queries as q
from data_loaders.scope import Scope
from reports.budget import budget_report
from reports.cash import cash_report
from reports.oee import oee_report
from reports.profitability import profitability_report

OEE_FIELDS = ["oee_pct", "availability_pct", "performance_pct", "quality_pct", "teep_pct", "utilisation_pct", "ppt_min",
              "fully_productive_min", "good_qty", "scrap_qty", "loss_cost_amount"]
NEEDS_OUTPUT = ("oee_pct", "performance_pct", "quality_pct", "teep_pct")


def _oee_section(engine: Engine, scope: Scope) -> dict | None:
    oee = oee_report(engine, scope)
    if oee is None:
        return None
    total = oee["total"]
    by_wc = oee["by_work_center"][["work_center_id"] + OEE_FIELDS]
    fields = {k: round(float(total[k]), 4) for k in OEE_FIELDS}
    if float(total["good_qty"]) + float(total["scrap_qty"]) == 0:
        # machine time but no output counted: performance and quality are unknown, not 0
        fields.update({k: None for k in NEEDS_OUTPUT})
    return {
        **fields,
        "six_losses": oee["six_losses"].round(2).to_dict(orient="records"),
        "by_work_center": by_wc.round(4).to_dict(orient="records"),
    }


def _profitability_section(engine: Engine, scope: Scope) -> dict | None:
    r = profitability_report(engine, scope)
    if r["total"] is None:
        return None
    keep = ["revenue_amount", "std_cost_amount", "variance_amount", "oee_loss_amount", "contribution_amount", "gross_profit_amount",
            "contribution_pct", "gross_margin_pct"]
    vt = r["variance_total"]
    variances = None  # sales but no completed work order in the scope: no variance to split
    if vt is not None:
        variances = {k: round(float(vt[k]), 2) for k in vt.index if k.endswith("_amount")}
        variances["variance_rate_pct"] = round(float(vt.variance_rate_pct), 4)
    return {
        **{k: round(float(r["total"][k]), 4) for k in keep},
        "by_family": r["by_family"][["family"] + keep].round(4).to_dict(orient="records"),
        "variances": variances,
        "products_over_variance_target": r["variance_by_product"].loc[r["variance_by_product"].over_target, "product_id"].tolist(),
        "period_bridge": r["period_bridge"].to_dict(orient="records") if r["period_bridge"] is not None else None,
        "budget_bridge": r["budget_bridge"].to_dict(orient="records"),
    }


def _budget_section(engine: Engine, scope: Scope) -> dict | None:
    r = budget_report(engine, scope)
    if r is None:
        return None
    cols = ["line_type", "budget_amount", "actual_amount", "variance_amount", "execution_pct", "fav_unfav"]
    warn_cols = ["cost_center_id", "account_code", "level", "budget_amount", "actual_amount", "committed_amount", "consumption_pct"]
    land = r["landing"].groupby("line_type", as_index=False)[["budget_year_amount", "landing_amount", "landing_variance_amount"]].sum()
    return {
        "version": r["version"], "year": r["year"], "last_closed": r["last_closed"],
        "totals": r["total"][cols].round(4).to_dict(orient="records"),
        "warnings": r["warnings"][warn_cols].round(4).to_dict(orient="records"),
        "landing": land.round(2).to_dict(orient="records"),
    }


def _cash_section(engine: Engine, scope: Scope) -> dict:
    r = cash_report(engine, scope, backtest=False)
    weekly = r["weekly"][["period_start_date", "opening_amount", "inflow_amount", "outflow_amount", "closing_amount"]]
    wc = r["working_capital"].tail(1)
    return {
        "as_of": str(r["as_of"].date()),
        "opening_amount": round(r["opening"], 2),
        "weekly": weekly.assign(period_start_date=weekly.period_start_date.dt.strftime("%Y-%m-%d")).round(2).to_dict(orient="records"),
        "lowest_closing_amount": round(float(r["weekly"].closing_amount.min()), 2),
        "working_capital": wc[["period", "dso_days", "dio_days", "dpo_days", "ccc_days"]].round(1).to_dict(orient="records"),
        "latest_payers": r["delays"].sort_values(ascending=False).head(3).round(1).to_dict(),
    }


EMPTY_REASONS = {
    "monthly": "no vouchers in the scope",
    "oee": "no machine events in the scope",
    "oee.performance": "machine events but no output counts in the scope: OEE, performance, quality and TEEP are unknown",
    "profitability": "no sales and no completed work orders in the scope",
    "profitability.variances": "no completed work orders in the scope",
    "budget": "no budget for the scope's year",
    "budget.totals": "no budget in the scope's months (the year-to-date part is the last closed month's year)",
    "cash.working_capital": "no closed month with ledger balances",
}


def json_safe(value):
    """``value`` with NaN and infinities as None and numpy / pandas scalars as plain Python, so
    that ``json.dumps(..., allow_nan=False)`` always succeeds (JSON has no NaN)."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.isoformat() if not pd.isna(value) else None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def empty_sections(report: dict) -> dict[str, str]:
    """Why each empty section of a KPI report is empty (section name -> reason)."""
    out = {}
    for name in ("monthly", "oee", "profitability", "budget"):
        if not report.get(name):
            out[name] = EMPTY_REASONS[name]
    if report.get("oee") and report["oee"]["performance_pct"] is None:
        out["oee.performance"] = EMPTY_REASONS["oee.performance"]
    if report.get("profitability") and report["profitability"].get("variances") is None:
        out["profitability.variances"] = EMPTY_REASONS["profitability.variances"]
    if report.get("budget") and not report["budget"]["totals"]:
        out["budget.totals"] = EMPTY_REASONS["budget.totals"]
    if not report["cash"]["working_capital"]:
        out["cash.working_capital"] = EMPTY_REASONS["cash.working_capital"]
    return out


def kpi_report(engine: Engine, scope: Scope) -> dict:
    """Scope, currency, headline KPIs, the monthly P&L, OEE with loss cost, profitability with
    variances and bridges, budget execution with warnings and landing, the 13-week cash forecast
    with working capital, data-quality counts, and ``empty``: why each empty section is empty.
    JSON-safe: no NaN (see ``json_safe``)."""
    info = q.load_dataset_info(engine)
    pnl = compute_monthly_pnl(q.load_ledger_by_category(engine, scope))
    production = compute_production_monthly(q.load_production_daily(engine, scope))
    cash = q.load_cash_balances(engine, scope)
    tie = compute_wip_tie(q.load_work_order_cost_facts(engine))
    report = {
        "scope": {"period_from": scope.period_from, "period_to": scope.period_to, "plants": list(scope.plants), "families": list(scope.families)},
        "currency": info.get("currency", "CNY"),
        "as_of_date": info.get("as_of_date"),
        "kpis": compute_kpis(pnl, production, cash),
        "monthly": pnl.round(4).to_dict(orient="records"),
        "oee": _oee_section(engine, scope),
        "profitability": _profitability_section(engine, scope),
        "budget": _budget_section(engine, scope),
        "cash": _cash_section(engine, scope),
        "data_quality": {
            "unbalanced_vouchers": int(len(q.load_unbalanced_vouchers(engine))),
            "work_orders_not_tied_to_ledger": int((~tie.is_tied).sum()),
        },
    }
    report["empty"] = empty_sections(report)
    return json_safe(report)
