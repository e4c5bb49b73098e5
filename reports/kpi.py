"""The KPI report for a scope, as JSON-ready data (the CLI's ``report`` command)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from analytics.ledger import compute_kpis, compute_monthly_pnl, compute_production_monthly, compute_wip_tie
from analytics.working_capital import WorkingCapitalSettings
from data_loaders import queries as q
from data_loaders.scope import Scope
from reports.budget import budget_report
from reports.cash import cash_report
from reports.oee import oee_report
from reports.profitability import profitability_report


OEE_FIELDS = ["oee_pct", "availability_pct", "performance_pct", "quality_pct", "teep_pct", "utilisation_pct", "ppt_min",
              "fully_productive_min", "good_qty", "scrap_qty", "loss_cost_amount"]


def _oee_section(engine: Engine, scope: Scope) -> dict | None:
    oee = oee_report(engine, scope)
    if oee is None:
        return None
    total = oee["total"]
    by_wc = oee["by_work_center"][["work_center_id"] + OEE_FIELDS]
    return {
        **{k: round(float(total[k]), 4) for k in OEE_FIELDS},
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


WC_FIELDS = ["period", "first_month", "last_month", "n_months", "is_complete", "days", "receivables_amount", "inventory_amount",
             "payables_amount", "sales_amount", "cost_of_sales_amount", "dso_days", "dio_days", "dpo_days", "ccc_days",
             "receivables_source", "payables_source"]


def _records(frame) -> list[dict]:
    """Rows as JSON-ready dicts: NaN (a day count over a zero flow) becomes null."""
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _cash_section(engine: Engine, scope: Scope, wc: WorkingCapitalSettings) -> dict:
    r = cash_report(engine, scope, backtest=False, wc_basis=wc.basis, wc_day_count=wc.day_count, wc_balance=wc.balance,
                    wc_sales_basis=wc.sales_basis)
    weekly = r["weekly"][["period_start_date", "opening_amount", "inflow_amount", "outflow_amount", "closing_amount"]]
    working = r["working_capital"][WC_FIELDS].copy()
    days_cols = ["days", "dso_days", "dio_days", "dpo_days", "ccc_days"]
    working[days_cols] = working[days_cols].astype(float).round(1)
    scores = r["baseline_scores"]
    return {
        "as_of": str(r["as_of"].date()),
        "opening_amount": round(r["opening"], 2),
        "weekly": weekly.assign(period_start_date=weekly.period_start_date.dt.strftime("%Y-%m-%d")).round(2).to_dict(orient="records"),
        "lowest_closing_amount": round(float(r["weekly"].closing_amount.min()), 2),
        "working_capital": {"basis": wc.basis, "day_count": wc.day_count, "balance": wc.balance, "sales_basis": wc.sales_basis,
                            "periods": _records(working)},
        "baseline_model": r["baseline_model"],
        "baseline_scores": _records(scores.round(4)) if scores is not None else None,
        "latest_payers": r["delays"].sort_values(ascending=False).head(3).round(1).to_dict(),
    }


def kpi_report(engine: Engine, scope: Scope, wc: WorkingCapitalSettings = WorkingCapitalSettings()) -> dict:
    """Scope, currency, headline KPIs, the monthly P&L, OEE with loss cost, profitability with
    variances and bridges, budget execution with warnings and landing, the 13-week cash forecast
    with its baseline model and working capital for every closed period under ``wc``, and
    data-quality counts."""
    info = q.load_dataset_info(engine)
    pnl = compute_monthly_pnl(q.load_ledger_by_category(engine, scope))
    production = compute_production_monthly(q.load_production_daily(engine, scope))
    cash = q.load_cash_balances(engine, scope)
    tie = compute_wip_tie(q.load_work_order_cost_facts(engine))
    return {
        "scope": {"period_from": scope.period_from, "period_to": scope.period_to, "plants": list(scope.plants), "families": list(scope.families)},
        "currency": info.get("currency", "CNY"),
        "as_of_date": info.get("as_of_date"),
        "kpis": compute_kpis(pnl, production, cash),
        "monthly": pnl.round(4).to_dict(orient="records"),
        "oee": _oee_section(engine, scope),
        "profitability": _profitability_section(engine, scope),
        "budget": _budget_section(engine, scope),
        "cash": _cash_section(engine, scope, wc),
        "data_quality": {
            "unbalanced_vouchers": int(len(q.load_unbalanced_vouchers(engine))),
            "work_orders_not_tied_to_ledger": int((~tie.is_tied).sum()),
        },
    }
