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

from analytics.ledger import compute_kpis, compute_monthly_pnl, compute_production_monthly
from analytics.oee import OeeSettings
from analytics.overhead import OVERHEAD_VIEWS
from analytics.price_variance import PRICE_VARIANCE_BASES
from analytics.working_capital import WorkingCapitalSettings
from data_loaders import queries as q
from data_loaders.scope import Scope
from reports.budget import budget_report, flexible_budget_report
from reports.cash import cash_report
from reports.currency import MixedCurrencies, scope_currency
from reports.lineage import wip_tie_summary
from reports.oee import oee_report
from reports.profitability import profitability_report

OEE_FIELDS = ["oee_pct", "availability_pct", "performance_pct", "quality_pct", "teep_pct", "utilisation_pct", "calendar_min", "ppt_min",
              "run_min", "net_run_min", "fully_productive_min", "good_qty", "scrap_qty", "loss_cost_amount"]
# per work center, what an analyst checks by hand: c = net run / units made; ideal units = run / c;
# planned cycles = planned production / c; the gain at the target OEE in units (same hours) and hours (same units)
CAPACITY_FIELDS = ["avg_ideal_cycle_min", "ideal_units_qty", "planned_cycles_qty", "capacity_gain_units_qty", "capacity_gain_hours_h"]
SCHEDULE_FIELDS = ["unrecorded_min", "no_orders_excluded_min", "planned_stops_excluded_min", "planned_maintenance_excluded_min",
                   "changeover_excluded_min", "other_excluded_min"]
NEEDS_OUTPUT = ("oee_pct", "performance_pct", "quality_pct", "teep_pct")


def _plain(frame: pd.DataFrame, digits: int) -> list[dict]:
    """Records with NaN as None (JSON null, not the non-standard NaN)."""
    frame = frame.round(digits).astype(object)
    return frame.where(frame.notna(), None).to_dict(orient="records")


def _number(value, digits: int):
    value = float(value)
    return None if math.isnan(value) else round(value, digits)


def oee_section(engine: Engine, scope: Scope, settings: OeeSettings = OeeSettings()) -> dict | None:
    """The OEE part of the KPI report under ``settings``: totals, the time before planned
    production (calendar, unrecorded and each schedule loss), the six big losses, and per work
    center the ratios with the capacity figures."""
    oee = oee_report(engine, scope, settings)
    if oee is None:
        return None
    total = oee["total"]
    by_wc = oee["by_work_center"][["work_center_id"] + OEE_FIELDS + CAPACITY_FIELDS]
    fields = {k: _number(total[k], 4) for k in OEE_FIELDS}
    if float(total["good_qty"]) + float(total["scrap_qty"]) == 0:
        # machine time but no output counted: performance and quality are unknown, not 0
        fields.update({k: None for k in NEEDS_OUTPUT})
    return {
        "settings": settings.as_dict(),
        **fields,
        "schedule_losses": {k: _number(total[k], 2) for k in SCHEDULE_FIELDS},
        "six_losses": _plain(oee["six_losses"], 2),
        "by_work_center": _plain(by_wc, 4),
        "loss_classes": _plain(oee["loss_classes"], 2),
    }


def _overhead_section(r: dict) -> dict | None:
    """Overhead variances, variable / fixed split: totals and every view, by work center and by period."""
    total = r["overhead_total"]
    if total is None:
        return None

    def views(row) -> dict:
        return {view: {f"{n}_amount": round(float(row[f"{n}_amount"]), 2) for n in names} for view, names in OVERHEAD_VIEWS.items()}

    def records(frame, keys):
        return [{**{k: row[k] for k in keys}, "actual_amount": round(float(row.actual_amount), 2),
                 "applied_amount": round(float(row.applied_amount), 2), "actual_h": round(float(row.actual_h), 2),
                 "std_h": round(float(row.std_h), 2), "denominator_h": round(float(row.denominator_h), 2),
                 "total_overhead_variance_amount": round(float(row.total_overhead_variance_amount), 2), **views(row)}
                for _, row in frame.iterrows()]

    out = records(total.to_frame().T, [])[0]
    out["by_work_center"] = records(r["overhead_by_work_center"], ["plant_id", "work_center_id"])
    out["by_period"] = records(r["overhead_by_period"], ["period"])
    return out


def _price_variance_section(r: dict, basis: str) -> dict:
    """Material price variance on both bases by supplier; ``basis`` names the one the headline
    ``material_price_variance_amount`` follows (``usage`` by default)."""
    out = {"basis": basis}
    for b in PRICE_VARIANCE_BASES:
        by_supplier = r[f"price_variance_{b}_by_supplier"]
        out[b] = {"price_variance_amount": round(float(by_supplier.price_variance_amount.sum()), 2),
                  "by_supplier": by_supplier.round(4).to_dict(orient="records"),
                  "by_period": r[f"price_variance_{b}_by_period"].round(4).to_dict(orient="records")}
    out["material_price_variance_amount"] = out[basis]["price_variance_amount"]
    return out


def _profitability_section(engine: Engine, scope: Scope, price_variance_basis: str = "usage") -> dict | None:
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
        labor = ["labor_h", "std_labor_h", "actual_labor_rate_per_h", "labor_rate_per_h"]
        variances["labor"] = {k: round(float(vt[k]), 4) for k in labor}
        variances["labor_by_product"] = r["variance_by_product"][["product_id", "labor_rate_amount", "labor_efficiency_amount"] + labor] \
            .round(4).to_dict(orient="records")
    return {
        **{k: round(float(r["total"][k]), 4) for k in keep},
        "by_family": r["by_family"][["family"] + keep].round(4).to_dict(orient="records"),
        "variances": variances,
        "products_over_variance_target": r["variance_by_product"].loc[r["variance_by_product"].over_target, "product_id"].tolist(),
        "period_bridge": r["period_bridge"].to_dict(orient="records") if r["period_bridge"] is not None else None,
        "budget_bridge": r["budget_bridge"].to_dict(orient="records"),
        "overhead_variances": _overhead_section(r),
        "price_variances": _price_variance_section(r, price_variance_basis),
    }


def _flexible_section(r: dict | None) -> dict | None:
    """The flexible budget by line and the sales variances (total and per product)."""
    if r is None:
        return None
    keep = ["product_id", "budget_qty", "qty", "budget_margin_amount", "sales_price_amount", "sales_mix_amount", "sales_quantity_amount",
            "sales_volume_amount", "cost_amount", "actual_margin_amount"]
    return {
        "sign": "sales variances: positive is favorable; lines: variance = actual − budget with F/U",
        "lines": r["flexible_budget"].round(2).to_dict(orient="records"),
        "sales_variances": {k: round(float(v), 2) for k, v in r["sales_variance_total"].items()},
        "sales_variances_by_product": r["sales_variances"][keep].round(2).to_dict(orient="records"),
    }


def _budget_section(engine: Engine, scope: Scope, use_facts: bool | None = None) -> dict | None:
    r = budget_report(engine, scope, use_facts=use_facts)
    if r is None:
        return None
    cols = ["line_type", "budget_amount", "actual_amount", "variance_amount", "execution_pct", "fav_unfav"]
    warn_cols = ["cost_center_id", "account_code", "level", "budget_amount", "actual_amount", "committed_amount", "consumption_pct"]
    land = r["landing"].groupby("line_type", as_index=False)[["budget_year_amount", "landing_amount", "landing_variance_amount"]].sum()
    flex = flexible_budget_report(engine, scope, r["version"], use_facts=use_facts)
    return {
        "flexible_budget": _flexible_section(flex),
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


def _cash_section(engine: Engine, scope: Scope, wc: WorkingCapitalSettings, use_facts: bool | None = None) -> dict:
    r = cash_report(engine, scope, backtest=False, wc_basis=wc.basis, wc_day_count=wc.day_count, wc_balance=wc.balance,
                    wc_sales_basis=wc.sales_basis, use_facts=use_facts)
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
    if not report["cash"]["working_capital"]["periods"]:
        out["cash.working_capital"] = EMPTY_REASONS["cash.working_capital"]
    return out


def kpi_report(engine: Engine, scope: Scope, oee_settings: OeeSettings = OeeSettings(),
               price_variance_basis: str = "usage", wc: WorkingCapitalSettings = WorkingCapitalSettings()) -> dict:
    """Scope, currency, headline KPIs, the monthly P&L, OEE with loss cost, profitability with
    variances and bridges, budget execution with warnings and landing, the 13-week cash forecast
    with its baseline model and working capital for every closed period under ``wc``, data-quality
    counts, and ``empty``: why each empty section is empty. JSON-safe: no NaN (see ``json_safe``).
    ``oee_settings``: the OEE conventions (``cli.py report --oee-…``), the same object the OEE page
    builds from its settings; raises ``reports.currency.MixedCurrencies`` when the scope's plants
    use several currencies; ``price_variance_basis`` (``usage`` or ``purchase``, see
    ``analytics.price_variance``) picks the headline material price variance."""
    if price_variance_basis not in PRICE_VARIANCE_BASES:
        raise ValueError(f"price_variance_basis must be one of {PRICE_VARIANCE_BASES}, got {price_variance_basis!r}")
    info = q.load_dataset_info(engine)
    currency, mixed = scope_currency(engine, scope)
    if mixed:  # no exchange rate: a total across currencies would be meaningless (#15)
        raise MixedCurrencies(mixed)
    fast = q.use_ledger_facts(engine)  # the ledger facts when fresh: asked once for every section
    pnl = compute_monthly_pnl(q.load_ledger_by_category(engine, scope, fast))
    production = compute_production_monthly(q.load_production_daily(engine, scope))
    cash = q.load_cash_balances(engine, scope)
    # every work order of the scope's plants (not only the span's): the whole-data check, from the WIP facts
    tie = wip_tie_summary(engine, Scope(plants=scope.plants))
    report = {
        "scope": {"period_from": scope.period_from, "period_to": scope.period_to, "plants": list(scope.plants), "families": list(scope.families)},
        "currency": currency,  # the plants' (reports.currency)
        "as_of_date": info.get("as_of_date"),
        "kpis": compute_kpis(pnl, production, cash),
        "monthly": pnl.round(4).to_dict(orient="records"),
        "oee": oee_section(engine, scope, oee_settings),
        "profitability": _profitability_section(engine, scope, price_variance_basis),
        "budget": _budget_section(engine, scope, fast),
        "cash": _cash_section(engine, scope, wc, fast),
        "data_quality": {
            "unbalanced_vouchers": int(len(q.load_unbalanced_vouchers(engine, fast))),
            "work_orders_not_tied_to_ledger": int(len(tie["untied"])),
        },
    }
    report["empty"] = empty_sections(report)
    return json_safe(report)
