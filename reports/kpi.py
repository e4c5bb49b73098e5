"""The KPI report for a scope, as JSON-ready data (the CLI's ``report`` command)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from analytics.ledger import compute_kpis, compute_monthly_pnl, compute_production_monthly, compute_wip_tie
from data_loaders import queries as q
from data_loaders.scope import Scope
from reports.oee import oee_report

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


def kpi_report(engine: Engine, scope: Scope) -> dict:
    """Scope, currency, headline KPIs, the monthly P&L, OEE with loss cost, and data-quality counts."""
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
        "data_quality": {
            "unbalanced_vouchers": int(len(q.load_unbalanced_vouchers(engine))),
            "work_orders_not_tied_to_ledger": int((~tie.is_tied).sum()),
        },
    }
