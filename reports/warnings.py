"""The month's early warnings: every rule and the anomaly models, grouped, JSON-ready.

``month_warnings(engine, scope, settings)`` returns::

    {"groups": [{"kind", "severity", "count", "amount", "rule", "items": [...]}, ...],
     "total": n, "scope": {...}, "as_of": "YYYY-MM-DD", "skipped": [{"rule", "reason"}]}

groups and items most serious first (``analytics.warnings``: the item's fields, severities and
units). What each rule reads and its thresholds: docs/WARNINGS.md. Which months a rule looks at:

* trends (OEE drop, DSO and DIO rising, fund occupation) judge the scope's **last month**
  against the months before it;
* item rules (cost variance, unposted and untied work orders, cost lines without a source,
  unbalanced vouchers, late materials, unusual work orders) cover **every month** of the scope,
  unusual vouchers its last ``anomaly_max_months``; the budget rules the year to date of its
  last month, as the budget page does;
* the cash rules (funding gap, late payers) look forward from the data's **as-of date**, as
  the cash page does.

The scope's plants (a user's plant limit) narrow every query: no item of another plant is
read, let alone returned. A rule whose tables a partial database lacks is listed in
``skipped`` with the database's words instead of failing the whole report.
"""

from __future__ import annotations

import functools

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics import anomaly as AN
from analytics import budget as AB
from analytics import cash as AC
from analytics import warnings as A
from analytics import working_capital as W
from analytics.warnings import WarningSettings
from data_loaders import cash as C
from data_loaders import lineage as L
from data_loaders import warnings as D
from data_loaders.queries import load_dataset_info
from data_loaders.scope import Scope, month_add
from reports import budget as RB
from reports import cash as RC
from reports import cockpit as RK
from reports import lineage as RL
from reports import oee as RO
from reports import profitability as RP

__all__ = ["WarningSettings", "month_warnings", "RULES"]


def _part(parts: dict | None, name: str, make):
    """A part another page computes too: the caller's (``parts[name]()``, the UI's cached one)
    when given, else ``make()``."""
    return parts[name]() if parts and name in parts else make()


def _last_month(engine: Engine, scope: Scope) -> str:
    return scope.period_to or RB.last_closed_period(engine)


def budget_items(engine: Engine, scope: Scope, settings: WarningSettings, parts: dict | None = None) -> list[dict]:
    report = _part(parts, "budget", lambda: RB.budget_execution(engine, scope, "original"))  # its year to date: no whole report
    if report is None:
        return []
    controls = AB.compute_controls(report["year_to_date"], settings.budget_warn, settings.budget_alert, settings.budget_pace)
    return A.compute_budget_warnings(controls, settings)


def variance_items(engine: Engine, scope: Scope, settings: WarningSettings, parts: dict | None = None) -> list[dict]:
    """Products over the variance target: the span's work-order variances (the cockpit's profit
    parts, ``reports.cockpit.profit_parts``) summed per product as the profitability report's
    ``variance_by_product`` sums the same frame; the whole report is not needed for it."""
    profit = _part(parts, "profit_parts", lambda: RK.profit_parts(engine, scope))
    # the summary's money columns alone (``compute_variance_rates``: the same rates and amounts)
    return A.compute_variance_warnings(A.compute_variance_rates(profit["variances"], RP.DIMENSIONS["product"]), settings)


def oee_items(engine: Engine, scope: Scope, settings: WarningSettings, parts: dict | None = None) -> list[dict]:
    """OEE per work center of the scope's last month and the trailing months: each month's
    ``reports.oee.oee_totals``, read from the OEE month facts (``oee_month_totals``: one row per
    work center and month; the UI passes its cached ones)."""
    month = _last_month(engine, scope)
    months = [month_add(month, -k) for k in range(settings.oee_trailing_months, -1, -1)]
    by_month = (parts["oee_totals_by_month"](months) if parts and "oee_totals_by_month" in parts
                else {m: RO.oee_month_totals(engine, Scope(m, m, scope.plants, scope.families)) for m in months})
    frames, plants = [], {}
    for m in months:
        totals = by_month[m]
        if totals is None:
            continue
        wc = totals["by_work_center"]
        plants.update(zip(wc.work_center_id, wc.plant_id))
        frames.append(wc[["work_center_id", "oee_pct", "loss_cost_amount"]].assign(month=m))
    if not frames:
        return []
    return A.compute_oee_warnings(pd.concat(frames, ignore_index=True), month, settings, plants)


def cash_items(engine: Engine, scope: Scope, settings: WarningSettings, parts: dict | None = None) -> list[dict]:
    plants = tuple(scope.plants)
    # the open items, plan and position: read (once) only when a part below needs them
    inputs = functools.cache(lambda: _part(parts, "cash_inputs", lambda: RC.cash_inputs(engine, plants)))

    as_of = _part(parts, "as_of", lambda: inputs()["as_of"])
    delays = _part(parts, "payment_delays", lambda: RC.payment_delays(engine, plants, as_of))
    # the 13-week driver forecast under the default scenario: the cockpit's (its lowest-cash card)
    weekly = _part(parts, "cash_forecast", lambda: RK.cash_forecast(inputs(), delays))
    late = sorted({c for c, days in delays.items() if days > settings.late_payment_days}) if delays is not None else []
    names = _customer_names(engine, late)
    # the late payers' open receivables, in the inputs' order: their overdue sums are the same
    if not late:
        receivables = None
    elif parts and "overdue_receivables" in parts:
        receivables = parts["overdue_receivables"](late)
    else:
        receivables = inputs()["receivables"]
    return (A.compute_funding_gap_warnings(AC.compute_funding_gaps(weekly, settings.min_cash), settings)
            + A.compute_late_payer_warnings(delays, receivables, as_of, settings, names))


def _customer_names(engine: Engine, customers: list) -> dict:
    """The names of ``customers`` (the late payers: the items name no other), none read without one."""
    from data_loaders import schema as s
    from data_loaders.engine import read_keyed

    if not customers:
        return {}
    c = s.customers
    frame = read_keyed(engine, lambda chunk: sa.select(c.c.customer_id, c.c.customer_name).where(c.c.customer_id.in_(chunk)), customers)
    return dict(zip(frame.customer_id, frame.customer_name))


def working_capital_items(engine: Engine, scope: Scope, settings: WarningSettings, parts: dict | None = None) -> list[dict]:
    month = _last_month(engine, scope)
    # neither input depends on the scope's months (the UI caches them per plants: a month picked again reuses them)
    wc, balances = _part(parts, "wc_inputs", lambda: working_capital_inputs(
        _part(parts, "wc_months", lambda: RC.cash_working_capital_months(engine, tuple(scope.plants))),
        _part(parts, "wc_ledger", lambda: C.load_working_capital_ledger(engine, Scope(plants=scope.plants)))))
    return A.compute_days_warnings(wc, month, settings) + A.compute_occupation_warnings(balances, month, settings)


def working_capital_inputs(months: pd.DataFrame, ledger: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the working-capital rule judges, from ``cash_working_capital_months`` and the
    ledger's working-capital movements (``load_working_capital_ledger``, which the cash page's
    months read too): working capital per month on a month basis, and the balances per plant
    and month."""
    return W.compute_working_capital(months, "month"), A.compute_balances(ledger)


def material_items(engine: Engine, scope: Scope, settings: WarningSettings, parts: dict | None = None) -> list[dict]:
    # only the rows that can be late are read when "late" means after the planned start at least
    late_only = settings.late_material_days >= 0
    return A.compute_late_material_warnings(D.load_material_needs(engine, scope, late_only, max(settings.late_material_days, 0)), settings)


def wip_items(engine: Engine, scope: Scope, settings: WarningSettings, parts: dict | None = None) -> list[dict]:
    # every untied order of the plants (only untied rows are read): an order completed in the
    # scope without its voucher may have been planned to start before it
    # (whatever the months: the UI caches them per plants and families, so a month picked again reuses them)
    untied = (parts["wip_untied"](settings.wip_tolerance) if parts and "wip_untied" in parts
              else RL.wip_tie_summary(engine, Scope(plants=scope.plants, families=scope.families), settings.wip_tolerance)["untied"])
    no_completion = L.load_completed_without_completion(engine, scope)
    start = pd.to_datetime(untied.planned_start_date)
    in_scope = pd.Series(True, index=untied.index)
    if scope.period_from:
        in_scope &= start >= pd.Timestamp(f"{scope.period_from}-01")
    if scope.period_to:
        in_scope &= start < pd.Timestamp(f"{month_add(scope.period_to, 1)}-01")
    return (A.compute_wip_warnings(no_completion, untied[in_scope | untied.work_order_id.isin(no_completion.work_order_id)])
            + A.compute_unsourced_warnings(L.load_cost_lines_without_source(engine, scope)))


def ledger_items(engine: Engine, scope: Scope, settings: WarningSettings, parts: dict | None = None) -> list[dict]:
    return A.compute_unbalanced_warnings(D.load_unbalanced_vouchers(engine, scope))


VOUCHER_GROUP = 6  # a voucher type with fewer vouchers in the scope is compared with its own history


def voucher_anomaly_items(engine: Engine, scope: Scope, settings: WarningSettings, parts: dict | None = None) -> list[dict]:
    """Unusual vouchers of the scope's last ``anomaly_max_months`` months (``analytics.anomaly``):
    info, amount = the voucher's total."""
    last = _last_month(engine, scope)
    first = month_add(last, -(settings.anomaly_max_months - 1))
    scope = scope.with_periods(max(scope.period_from or first, first), last)  # a long span: its last month(s)
    rows = D.load_voucher_features(engine, scope)
    history = None
    if len(rows):
        counts = rows.drop_duplicates("voucher_no").voucher_type.value_counts()
        rare = tuple(sorted(counts[counts < VOUCHER_GROUP].index))
        if rare:
            month = _last_month(engine, scope)
            window = Scope(month_add(month, -(settings.anomaly_history_months - 1)), month, scope.plants, scope.families)
            history = D.load_voucher_features(engine, window, rare)
    features = AN.compute_voucher_features(rows, history, VOUCHER_GROUP)
    flagged = AN.compute_anomalies(features, AN.VOUCHER_FEATURES, "voucher_no", settings.anomaly_seed, settings.anomaly_fit_rows,
                                   settings.anomaly_contamination, settings.anomaly_min_z, settings.anomaly_min_rows,
                                   settings.anomaly_max_items)
    if flagged.empty:
        return []
    rows = features.set_index("voucher_no").loc[flagged.voucher_no]
    out = []
    for f, r in zip(flagged.itertuples(index=False), rows.itertuples()):
        it = A.item("anomaly_voucher", "info", r.amount_amount, "anomaly.isolation_forest.voucher", {"voucher_no": f.voucher_no},
                    {"voucher_no": f.voucher_no, "voucher_type": r.voucher_type, "plant_id": r.plant_id, "main_account": r.main_account,
                     "voucher_amount": r.amount_amount, "score": f.score, "reasons": ", ".join(x["feature"] for x in f.reasons)},
                    "vouchers", {"voucher": f.voucher_no})
        it["reasons"] = f.reasons
        out.append(it)
    return out


def work_order_anomaly_items(engine: Engine, scope: Scope, settings: WarningSettings, parts: dict | None = None) -> list[dict]:
    """Unusual work orders completed in the scope against their product's history: info,
    amount = the cost above the product's usual unit cost x good quantity (0 when below)."""
    orders = D.load_work_order_features(engine, scope, settings.anomaly_history_months)
    features = AN.compute_work_order_features(orders)
    if features.empty:
        return []
    in_scope = features.period >= (scope.period_from or "") if scope.period_from else pd.Series(True, index=features.index)
    flagged = AN.compute_anomalies(features, AN.WORK_ORDER_FEATURES, "work_order_id", settings.anomaly_seed, settings.anomaly_fit_rows,
                                   settings.anomaly_contamination, settings.anomaly_min_z, settings.anomaly_min_rows,
                                   settings.anomaly_max_items, score_mask=in_scope)
    if flagged.empty:
        return []
    rows = features.set_index("work_order_id").loc[flagged.work_order_id]
    out = []
    for f, r in zip(flagged.itertuples(index=False), rows.itertuples()):
        it = A.item("anomaly_work_order", "info", max(r.excess_cost_amount, 0.0), "anomaly.isolation_forest.work_order",
                    {"work_order_id": f.work_order_id},
                    {"work_order_id": f.work_order_id, "product_id": r.product_id, "plant_id": r.plant_id, "period": r.period,
                     "unit_cost": r.unit_cost_value, "usual_unit_cost": r.unit_cost_usual, "score": f.score,
                     "reasons": ", ".join(x["feature"] for x in f.reasons)},
                    "vouchers", {"work_order": f.work_order_id})
        it["reasons"] = f.reasons
        out.append(it)
    return out


# rule families in the order they run; each returns items (analytics.warnings.item)
MODEL_RULES = ("anomaly_voucher", "anomaly_work_order")  # the fitted models: seconds at 10 M lines
RULES = {
    "ledger": ledger_items,
    "wip": wip_items,
    "budget": budget_items,
    "cash": cash_items,
    "cost_variance": variance_items,
    "oee": oee_items,
    "working_capital": working_capital_items,
    "materials": material_items,
    "anomaly_voucher": voucher_anomaly_items,
    "anomaly_work_order": work_order_anomaly_items,
}


def _is_partial(engine: Engine) -> bool:
    """Whether the database lacks a table or column of the contract (a partial import)."""
    from data_loaders.validation import find_schema_gaps

    gaps = find_schema_gaps(engine)
    return bool(gaps["missing_tables"] or gaps["missing_columns"])


def month_warnings(engine: Engine, scope: Scope, settings: WarningSettings = WarningSettings(), rules=None,
                   parts: dict | None = None) -> dict:
    """Every warning of ``scope`` (see the module), grouped by kind, most serious first.
    A scope without months means the last closed month (the month before the data's as-of
    date). ``rules``: the names of ``RULES`` to run (all when None). ``parts``: zero-argument functions
    returning what other pages compute for the same scope, so a cache can share them:
    ``budget`` (``reports.budget.budget_execution`` of the original version, or a whole
    ``budget_report``: the rule reads its year to date), ``profit_parts`` (``reports.cockpit.profit_parts``), ``cash_inputs``,
    ``payment_delays`` and ``wc_months`` (``reports.cash`` for the scope's plants), ``as_of`` (the
    data's as-of date), ``overdue_receivables`` (a function of a list of customers: their rows of
    ``cash_inputs``' receivables, so that the open items are read only when no other part gives
    what the cash rules need), ``wc_ledger``
    (``data_loaders.cash.load_working_capital_ledger`` of the scope's plants), ``wc_inputs``
    (``working_capital_inputs`` of those two), ``wip_untied`` (a
    function of the tolerance: the plants' and families' untied orders of every month,
    ``reports.lineage.wip_tie_summary``), ``cash_forecast``
    (``reports.cockpit.cash_forecast`` of those inputs and delays); and ``oee_totals_by_month``, a
    function of a list of months (``reports.oee.oee_totals_by_month`` for the scope's plants)."""
    if not (scope.period_from and scope.period_to):  # open-ended: the month the cockpit opens on
        last = scope.period_to or RB.last_closed_period(engine)
        scope = scope.with_periods(min(scope.period_from or last, last), last)
    items, skipped = [], []
    for name, rule in RULES.items():
        if rules is not None and name not in rules:
            continue
        if name.startswith("anomaly") and not settings.anomaly:
            continue
        try:
            items += rule(engine, scope, settings, parts)
        except sa.exc.DBAPIError as exc:
            if not _is_partial(engine):
                raise  # the contract's tables are all there: a real error, never hidden
            said = str(getattr(exc, "orig", None) or exc).splitlines()
            skipped.append({"rule": name, "reason": (said or [type(exc).__name__])[0][:300]})
    out = A.compute_groups(items)
    as_of = load_dataset_info(engine).get("as_of_date")
    out["scope"] = {"period_from": scope.period_from, "period_to": scope.period_to, "plants": list(scope.plants),
                    "families": list(scope.families)}
    out["as_of"] = str(as_of)[:10] if as_of else None
    out["skipped"] = skipped
    return out
