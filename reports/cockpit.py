"""The cockpit: the month's headline figures against the prior span, a year earlier and budget,
the year to date, today's cash and the lowest of the 13-week forecast, and the profit bridge,
as JSON-ready data (the overview page, the meeting mode's KPI and bridge topics, the pack).

Each figure comes from the module that owns it, so the cockpit shows the numbers the pages show:

* revenue and gross margin: the ledger (``analytics.ledger.compute_kpis``, the overview's cards
  until now; budget: ``analytics.kpi.compute_budget_kpis``);
* cost variance rate |actual − standard| ÷ standard of the span's completed work orders
  against the 2 % target, and the profit bridge from the span before: the profitability
  report's functions on the same inputs (``analytics.profitability``);
* OEE and its loss cost (machine time, at the work centers' rates): the OEE report's total,
  default settings, for every span (``reports.oee.oee_month_totals``: the OEE month facts summed
  per work center in SQL, one row per work center and month; 0.1 CPU s for twelve months at
  the L scale);
* budget execution of the cost lines (and phased, year to date): the budget report;
* cash today, the 13-week driver forecast's lowest balance: the cash page's parts under the
  default scenario (``reports.cash``);
* DSO, DIO, DPO and CCC over the span's closed months (``analytics.cockpit``).

``compose_cockpit`` assembles the parts; ``cockpit_report`` loads them for an engine (the CLI,
tests, the pack); ``ui.data.cockpit`` passes the cached ones. Ratios are fractions 0–1; a
figure with nothing to compute it from is None (docs/FORMULAS.md, "Cockpit").
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from analytics import cash as cash_analytics
from analytics import cockpit as A
from analytics.kpi import compute_budget_kpis, compute_kpi_change
from analytics.ledger import compute_kpis, compute_monthly_pnl, compute_production_monthly
from analytics.money import finite
from analytics.oee import OeeSettings
from analytics.profitability import TARGET_VARIANCE_RATE, compute_pvm_bridge, compute_variance_summary
from data_loaders import facts_orders as FO
from data_loaders import queries as q
from data_loaders.scope import PeriodChoice, Scope
from reports import cash as reports_cash
from reports.budget import budget_execution
from reports.kpi import json_safe
from reports.ledger import pnl_statement_report
from reports.oee import oee_month_totals
from reports.profitability import bridge_base, use_facts

KPIS = ("revenue_amount", "gross_margin_pct", "variance_rate_pct", "oee_pct", "oee_loss_amount", "budget_execution_pct",
        "dso_days", "dio_days", "dpo_days", "ccc_days")
HIGHER_IS_BETTER = {"revenue_amount": True, "gross_margin_pct": True, "variance_rate_pct": False, "oee_pct": True,
                    "oee_loss_amount": False, "budget_execution_pct": False, "dso_days": False, "dio_days": False,
                    "dpo_days": True, "ccc_days": False}
BUDGET_VERSION = "original"  # the overview's budget execution (``reports.budget.budget_execution``, shared with its warnings)

BRIDGE_FACTS = ["product_id", "qty", "revenue_amount", "std_cost_amount"]  # what compute_pvm_bridge reads of the facts


def profit_parts(engine: Engine, scope: Scope, fast: bool | None = None) -> dict:
    """``{"facts", "variances"}``: profit facts and work-order variances of a span (from the
    work-order facts summed per period x product x plant x work center when they are fresh),
    the inputs of the cost variance rate and of a bridge from or to this span. The facts keep
    the bridge's columns only (``BRIDGE_FACTS``): the UI caches the parts of every span. From the
    facts they are one row per product summed in SQL (``load_sales_by_product``: the bridge reads
    nothing finer; the same bridge to the bit, tested), never the span's invoice lines and their
    profit facts (~70 MB a year at the L scale); the variances one row per plant x work center x
    product with their money in whole cents (``load_variance_sums``: the same rate, amounts and
    items; the mover and the bridge's variance bars to the cent)."""
    fast = use_facts(engine, scope) if fast is None else fast
    if fast:
        return {"facts": FO.load_sales_by_product(engine, scope)[BRIDGE_FACTS], "variances": FO.load_variance_sums(engine, scope)}
    facts, variances = bridge_base(engine, scope, fast)
    return {"facts": facts[BRIDGE_FACTS], "variances": variances}


def spans_profit_parts(engine: Engine, scope: Scope, spans: list[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """span (first, last month) -> ``profit_parts`` of it (the scope's plants and families): from
    the facts, every span in one read of the sales and one of the variances
    (``load_spans_profit_parts``: the same frames to the bit); without fresh facts, span by span."""
    if not spans:
        return {}
    if not use_facts(engine, scope.with_periods(*spans[0])):
        return {span: profit_parts(engine, scope.with_periods(*span)) for span in spans}
    got = FO.load_spans_profit_parts(engine, scope, list(spans))
    return {span: {"facts": sales[BRIDGE_FACTS], "variances": variances} for span, (sales, variances) in zip(spans, got)}


def span_kpis(ledger: dict, parts: dict | None, oee: dict | None, months: pd.DataFrame | None, scope: Scope) -> dict:
    """The cockpit's figures for one span from its parts: ``ledger`` (``compute_kpis``),
    ``parts`` (``profit_parts``), ``oee`` (the OEE report, None: not computed or no events),
    ``months`` (``compute_wc_months``, closed months only). Budget execution is set by
    ``compose_cockpit`` (it comes from the budget report of the current span only)."""
    out = {"revenue_amount": ledger.get("revenue_amount"), "gross_margin_pct": ledger.get("gross_margin_pct"),
           "variance_rate_pct": None, "variance_amount": None, "standard_amount": None, "oee_pct": None, "oee_loss_amount": None,
           "budget_execution_pct": None}
    if parts is not None and len(parts["variances"]):
        total = compute_variance_summary(parts["variances"], []).iloc[0]
        out.update(variance_rate_pct=finite(total.variance_rate_pct), variance_amount=round(float(total.variance_amount), 2),
                   standard_amount=round(float(total.standard_amount), 2))
    if oee is not None:
        out.update(oee_pct=finite(oee["total"]["oee_pct"]), oee_loss_amount=round(float(oee["total"]["loss_cost_amount"]), 2))
    wc = A.compute_span_working_capital(months, scope.period_from, scope.period_to) if months is not None and scope.period_to else {}
    out.update({k: wc.get(k) for k in ("dso_days", "dio_days", "dpo_days", "ccc_days")})
    return out


def budget_span(budget_kpis: dict | None) -> dict | None:
    """The budget column: revenue and gross margin as budgeted (``compute_budget_kpis``), the
    2 % target for the cost variance rate, nothing for the rest; None without a budget."""
    if budget_kpis is None:
        return None
    return {**{k: None for k in KPIS}, "revenue_amount": budget_kpis["revenue_amount"], "gross_margin_pct": budget_kpis["gross_margin_pct"],
            "variance_rate_pct": TARGET_VARIANCE_RATE}


def cash_forecast(inputs: dict, delays: pd.Series) -> pd.DataFrame:
    """The 13-week driver forecast under the default scenario (the cash page's weekly table)."""
    events = reports_cash.cash_events(inputs, delays, cash_analytics.CashScenario(), text=False)  # the weeks need no references
    return cash_analytics.compute_forecast(inputs["opening"], events, inputs["as_of"], "W", reports_cash.WEEKS)


def compute_bridge(base_parts: dict | None, parts: dict) -> pd.DataFrame | None:
    """The profit bridge from the span before (``compute_pvm_bridge``); None without it, and
    when neither span has sales nor completed work orders (a ledger-only database: a bridge of
    zeros says nothing)."""
    if base_parts is None or all(p[k].empty for p in (base_parts, parts) for k in ("facts", "variances")):
        return None
    return compute_pvm_bridge(base_parts["facts"], parts["facts"], base_parts["variances"], parts["variances"])


def _records(frame: pd.DataFrame | None) -> list[dict] | None:
    return None if frame is None else [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
                                       for row in frame.to_dict(orient="records")]


def compose_cockpit(scope: Scope, spans: dict[str, dict | None], main: str | None, budget: dict | None, weekly: pd.DataFrame,
                    opening: float | None, as_of, bridge: pd.DataFrame | None, bridge_base: Scope | None, parts: dict | None,
                    base_parts: dict | None) -> dict:
    """The cockpit from its parts (see the module): ``spans`` name -> ``span_kpis`` (or
    ``budget_span``, None: no data for that span), ``main`` the comparison the cards show,
    ``budget`` the budget report of the current span, ``weekly`` the 13-week forecast from
    ``opening`` as of ``as_of`` (``opening`` None: no bank account of the plants has a balance
    before that date, so today's cash and the lowest balance are unknown, not zero), ``bridge``
    the profit bridge from ``bridge_base`` (None: the span before has no data), ``parts`` /
    ``base_parts`` the profit parts of both spans.

    Returns ``{"scope", "main", "kpis": {span: {kpi: value}}, "changes": {span: {kpi: current −
    span}}, "cash", "bridge", "drivers"}``, JSON-ready."""
    spans = dict(spans)
    current = dict(spans["current"])
    if budget is not None:
        current["budget_execution_pct"] = A.compute_budget_execution(budget["total"])
        if spans.get("ytd") is not None:
            spans["ytd"] = {**spans["ytd"], "budget_execution_pct": A.compute_phased_execution(budget["year_to_date"])}
    spans["current"] = current
    changes = {name: ({k: compute_kpi_change(current, other, k) for k in KPIS} if other is not None else None)
               for name, other in spans.items() if name not in ("current", "ytd", "ytd_budget")}
    if spans.get("ytd") is not None:
        changes["ytd_budget"] = ({k: compute_kpi_change(spans["ytd"], spans.get("ytd_budget"), k) for k in KPIS}
                                 if spans.get("ytd_budget") is not None else None)
    lowest = A.compute_lowest_cash(weekly if opening is not None else weekly.iloc[:0])
    drivers = {
        "bridge": A.compute_bridge_driver(bridge) if bridge is not None else None,
        "variance": A.compute_variance_mover(parts["variances"] if parts else None,
                                             base_parts["variances"] if base_parts else None),
    }
    return json_safe({
        "scope": {"period_from": scope.period_from, "period_to": scope.period_to, "plants": list(scope.plants),
                  "families": list(scope.families)},
        "main": main,
        "target_variance_rate_pct": TARGET_VARIANCE_RATE,
        "kpis": spans,
        "changes": changes,
        "cash": {"as_of_date": pd.Timestamp(as_of).date().isoformat(),
                 "cash_today_amount": None if opening is None else round(float(opening), 2), **lowest,
                 "budget_year": budget["year"] if budget is not None else None},
        "bridge": _records(bridge),
        "bridge_base": ({"period_from": bridge_base.period_from, "period_to": bridge_base.period_to}
                        if bridge is not None and bridge_base is not None else None),
        "drivers": drivers,
    })


def ledger_kpis(engine: Engine, scope: Scope, fast: bool | None = None) -> dict:
    """``compute_kpis`` of a span from the ledger (the overview's figures)."""
    return compute_kpis(compute_monthly_pnl(q.load_ledger_by_category(engine, scope, fast)),
                        compute_production_monthly(q.load_production_daily(engine, scope)), q.load_cash_balances(engine, scope))


def year_to_date(scope: Scope) -> Scope | None:
    """January of the span's last year to its last month, None when that is the span itself
    (or the span is longer than a year)."""
    if not scope.period_to or scope.n_months >= 12:
        return None
    ytd = scope.with_periods(min(scope.period_from, f"{scope.period_to[:4]}-01"), scope.period_to)
    return None if ytd == scope else ytd


def cockpit_report(engine: Engine, scope: Scope, choice: PeriodChoice | None = None) -> dict:
    """``compose_cockpit`` with every part loaded here, each once per span (no cache across
    calls): the CLI's and the pack's cockpit; the overview builds the same from ``ui.data``'s
    cached parts."""
    choice = choice or PeriodChoice("custom", scope.period_to, scope.period_from)
    fast = q.use_ledger_facts(engine)
    periods = q.load_filter_options(engine)["periods"] if scope.period_to else []
    parts: dict[Scope, dict] = {}

    def covered(s: Scope | None) -> bool:
        return bool(s and periods and periods[0] <= s.period_from and s.period_to <= periods[-1])

    def parts_of(s: Scope) -> dict:
        if s not in parts:
            parts[s] = profit_parts(engine, s)
        return parts[s]

    months = reports_cash.cash_working_capital_months(engine, tuple(scope.plants), use_facts=fast)

    def span(s: Scope) -> dict:
        return span_kpis(ledger_kpis(engine, s, fast), parts_of(s), oee_month_totals(engine, s, OeeSettings()), months, s)

    def budgeted(s: Scope, c: PeriodChoice) -> dict | None:
        return budget_span(compute_budget_kpis(pnl_statement_report(engine, s, "comparison", c, fast)["statement"]))

    comparisons = [(name, scope.shifted(k)) for name, k in choice.comparisons()] if scope.period_to else []
    main = comparisons[0][0] if comparisons else None
    spans = {"current": span(scope)}
    for name, other in comparisons:
        spans[name] = span(other) if covered(other) else None
    spans["budget"] = budgeted(scope, choice)
    ytd = year_to_date(scope)
    if ytd is not None:
        spans["ytd"] = span(ytd)
        spans["ytd_budget"] = budgeted(ytd, PeriodChoice("ytd", ytd.period_to))
    base = scope.previous()
    base_parts = parts_of(base) if covered(base) else None
    bridge = compute_bridge(base_parts, parts_of(scope))
    inputs = reports_cash.cash_inputs(engine, tuple(scope.plants))
    weekly = cash_forecast(inputs, reports_cash.payment_delays(engine, tuple(scope.plants), inputs["as_of"]))
    return compose_cockpit(scope, spans, main, budget_execution(engine, scope, BUDGET_VERSION, use_facts=fast), weekly,
                           reports_cash.known_opening(inputs["position"]), inputs["as_of"], bridge, base, parts_of(scope), base_parts)
