"""Product profitability and cost variances for a scope, with the bridges.

Two paths give the same figures (to the cent; tests compare them): with fresh fact tables
(``data_loaders.facts.ready``) the report sums the per-work-order rows of
``data_loaders.facts_orders``; otherwise it costs the scope's orders from the base tables and
runs the machine-event pipeline for their loss cost. The fact path needs a bounded scope
(first and last month); an open-ended one takes the base tables.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from analytics import oee as oee_analytics
from analytics import overhead as OH
from analytics import price_variance as PV
from analytics import profitability as A
from data_loaders import budget as B
from data_loaders import facts
from data_loaders import facts_orders as FO
from data_loaders import oee as oee_loaders
from data_loaders import profitability as P
from data_loaders.engine import connected
from data_loaders.queries import month_after, month_start
from data_loaders.scope import Scope

DIMENSIONS = {
    "product": ["product_id", "product_name", "family"],
    "family": ["family"],
    "customer": ["customer_id", "customer_name"],
    "plant": ["plant_id"],
    "period": ["period"],
}


# the variance summaries the report holds (``variance_by_<name>``)
VARIANCE_VIEWS = {"product": ["product_id", "product_name", "family"], "family": ["family"], "work_center": ["work_center_id"],
                  "plant": ["plant_id"], "period": ["period"], "product_period": ["product_id", "product_name", "period"]}


def use_facts(engine: Engine, scope: Scope) -> bool:
    """Whether the report reads the work-order facts for ``scope``: they are fresh and the
    scope has a first and a last month."""
    return bool(scope.period_from and scope.period_to) and facts.ready(engine)


def _oee_loss_by_work_order(engine: Engine, scope: Scope) -> pd.DataFrame:
    events = oee_loaders.load_events(engine, scope)
    if events.empty:
        return pd.DataFrame(columns=["work_order_id", "loss_cost_amount"])
    output = oee_loaders.load_output(engine, scope)
    centers = oee_loaders.load_work_centers(engine, scope)
    start = month_start(scope.period_from) if scope.period_from else None
    end = month_after(scope.period_to) if scope.period_to else None
    segments = oee_analytics.compute_event_segments(events, start, end)
    return oee_analytics.compute_work_order_loss_cost(segments, output, centers)


def profit_facts(engine: Engine, scope: Scope) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Profit facts (period x product x customer x plant) and work-order variances of a scope."""
    if use_facts(engine, scope):
        got = _from_facts(engine, scope)
        return got["facts"], got["variances"]
    return _facts(engine, scope)


def _facts(engine: Engine, scope: Scope, with_materials: bool = False):
    materials = P.load_material_facts(engine, scope)
    variances = A.compute_work_order_variances(P.load_work_order_facts(engine, scope), materials)
    facts = A.compute_profit_facts(P.load_sales(engine, scope), variances, _oee_loss_by_work_order(engine, scope))
    return (facts, variances, materials) if with_materials else (facts, variances)


def _from_facts(engine: Engine, scope: Scope, with_orders: bool = True, rows: bool = False) -> dict:
    """Profit facts, variances and material usage of a scope from the fact tables. Every
    summary reads the orders summed per period x product x plant x work center ("groups", with
    the loss cost of the few orders the window cuts computed again from their parts); the
    per-order rows are read only for the report's variances frame. ``rows``: the profit facts as
    ``analytics.profitability.ProfitRows`` ("rows", with the "sales" parts they come from)
    instead of the frame ("facts")."""
    cut = FO.load_cut_window_losses(engine, scope)  # as stored for every window of whole plants
    if cut is None:  # else from their parts in the window
        cut = FO.load_cut_orders(engine, scope)
        if len(cut):
            cut = A.compute_window_loss(cut, FO.load_loss_parts(engine, scope), oee_loaders.load_work_centers(engine, scope))
    groups = A.compute_group_loss(FO.load_order_groups(engine, scope), cut)
    sales = P.load_sales_parts(engine, scope, FO.select_sales(scope))
    got = {"groups": groups, "variances": FO.load_order_facts(engine, scope) if with_orders else None,
           "usage": A.compute_price_variance_from_totals(FO.load_material_usage(engine, scope), "usage")}
    if rows:
        got.update(rows=A.compute_profit_rows(*sales, groups), sales=sales)
    else:
        got["facts"] = A.compute_profit_facts(P.merge_sales(*sales), groups)
    return got


def bridge_base(engine: Engine, scope: Scope, fast: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Profit facts and variances of the span a period bridge starts from. From the facts, the
    variances come summed per period x product x plant x work center (all the bridge reads)."""
    if fast:
        groups = FO.load_order_groups(engine, scope)
        return A.compute_profit_facts(P.load_sales(engine, scope, FO.select_sales(scope)), groups), groups
    return _facts(engine, scope)


def bridge_start(engine: Engine, scope: Scope, fast: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What ``analytics.profitability.compute_pvm_bridge`` reads of the span a bridge starts
    from: per product its quantity, revenue and standard cost of sales, and the variances
    summed. From the facts: two grouped sums in SQL (a few thousand rows and one) instead of the
    span's profit facts (``bridge_base``, whose bridge is the same to the cent; tested)."""
    if fast:
        return FO.load_sales_by_product(engine, scope), FO.load_variance_totals(engine, scope)
    return bridge_base(engine, scope, fast)


def product_orders(engine: Engine, scope: Scope, product_id: str, fast: bool | None = None) -> pd.DataFrame:
    """The work orders of one product completed in the scope, with their variances (the rows
    of ``profitability_report``'s ``variances`` for that product): the page's drill, read when a
    product is picked."""
    fast = use_facts(engine, scope) if fast is None else fast
    if fast:
        return FO.load_order_facts(engine, scope, product_id)
    variances = _facts(engine, scope)[1]
    return variances[variances.product_id == product_id].reset_index(drop=True)


def overhead_report(engine: Engine, scope: Scope, variances: pd.DataFrame | None, fast: bool | None = None, total_only: bool = False,
                    stored: str | None = None) -> dict:
    """Overhead variances with the variable / fixed split, per period x work center and summed by
    work center, plant, period and in total; each summary carries the four-, three- and two-way
    views (``analytics.overhead.OVERHEAD_VIEWS``). ``fast``: read the ledger from the facts
    (None: when they are ready). ``total_only``: only ``overhead_total`` (the flexible budget's).
    ``stored``: with ``fast``, the basis ("groups", "orders") whose stored inputs
    (``facts_orders.load_overhead_inputs``) are those of ``variances``: read instead of computed
    (the same frame) when the scope allows; ``variances`` may then be None (``overhead_inputs``)."""
    inputs = overhead_inputs(engine, scope, variances, fast, stored)
    detail = OH.compute_overhead_variances(inputs)
    total = OH.compute_overhead_summary(detail, []).iloc[0] if len(detail) else None
    if total_only:
        return {"overhead_total": total}
    return {
        "overhead_variances": detail,
        "overhead_by_work_center": OH.compute_overhead_summary(detail, ["plant_id", "work_center_id"]),
        "overhead_by_plant": OH.compute_overhead_summary(detail, ["plant_id"]),
        "overhead_by_period": OH.compute_overhead_summary(detail, ["period"]),
        "overhead_total": total,
    }


def overhead_inputs(engine: Engine, scope: Scope, variances: pd.DataFrame | None, fast: bool | None = None,
                    stored: str | None = None) -> pd.DataFrame:
    """``analytics.overhead.compute_overhead_inputs`` of ``variances`` (orders or order groups)
    with the scope's overhead incurred and rates; with ``fast`` and ``stored`` (the basis of
    ``variances``), read from the facts when the scope is whole plants (``variances`` then
    unread; None: they are read only when the facts cannot serve)."""
    fast = use_facts(engine, scope) if fast is None else fast
    if fast and stored is not None:
        got = FO.load_overhead_inputs(engine, scope, stored)
        if got is not None:
            return got
        if variances is None:
            variances = FO.load_order_groups(engine, scope) if stored == "groups" else B.load_order_overhead_basis(engine, scope)
    incurred = P.load_overhead_incurred(engine, scope, FO.select_overhead_incurred(scope) if fast else None)
    return OH.compute_overhead_inputs(variances[list(OH.ORDER_COLUMNS)], incurred, P.load_overhead_rates(engine, scope))  # copies what it reads


def price_variance_report(engine: Engine, scope: Scope, variances: pd.DataFrame, materials: pd.DataFrame | None,
                          usage: pd.DataFrame | None = None) -> dict:
    """Material price variance on both bases (``analytics.price_variance``): on quantity used by
    the orders completed in the scope, and at receipt on quantity invoiced in the scope; each per
    period x supplier x material and summed by supplier and by period. ``usage``: the usage
    basis already computed (from the facts); else from ``materials``, the orders' material facts."""
    if usage is None:
        used = materials.merge(variances[["work_order_id", "period"]], on="work_order_id", how="inner")
        usage = PV.compute_price_variance(used.rename(columns={"actual_qty": "qty", "actual_amount": "amount"}), "usage")
    bought = P.load_purchase_price_facts(engine, scope)
    out = {}
    for basis, detail in (("usage", usage), ("purchase", PV.compute_price_variance(bought, "purchase"))):
        out[f"price_variance_{basis}"] = detail
        out[f"price_variance_{basis}_by_supplier"] = PV.compute_price_variance_summary(detail, ["supplier_id"])
        out[f"price_variance_{basis}_by_period"] = PV.compute_price_variance_summary(detail, ["period"])
    return out


def profitability_report(engine: Engine, scope: Scope, *, fast: bool | None = None, detail: bool = True) -> dict:
    """Profitability by every dimension, unit economics, variances by product, family, work
    center, plant and period, the overhead three-way split, and two bridges: from the same span
    before to this one, and from budget to actual. ``fast``: read the work-order facts (None:
    when ``use_facts``; True needs them ready and a bounded scope). ``detail``: with the row
    frames ``facts`` (period x product x customer x plant) and ``variances`` (one row per work
    order); False: both None and, from the facts, the orders never read (what the page draws:
    ``product_orders`` reads one product's orders when it is picked). From the facts, every read
    runs on one connection (a connection and its transaction for each of 17 reads cost 4 ms)."""
    fast = use_facts(engine, scope) if fast is None else fast
    if fast:
        with connected(engine) as conn:
            return _report(conn, scope, True, detail)
    return _report(engine, scope, False, detail)


def _report(engine: Engine | Connection, scope: Scope, fast: bool, detail: bool) -> dict:
    """``profitability_report`` once ``fast`` is decided (from the facts ``engine`` may be a connection)."""
    if fast:  # summaries sum the order groups; the same sums as over the orders
        got = _from_facts(engine, scope, with_orders=detail, rows=True)
        variances, materials, usage, summed, rows = got["variances"], None, got["usage"], got["groups"], got["rows"]
        facts = A.compute_profit_facts(P.merge_sales(*got["sales"]), summed) if detail else None
    else:
        (facts, variances, materials), usage = _facts(engine, scope, with_materials=True), None
        summed, rows = variances, A.ProfitRows.of(facts)
    # every grouping of the profit facts on integer codes (``rows``: the same sums as over the frame)
    ledger = FO.select_overhead_ledger(scope) if fast else None
    variance = A.compute_variance_summaries(summed, {**VARIANCE_VIEWS, "total": []})  # the rows in their canonical order once
    report = {
        "facts": facts if detail else None,
        "variances": variances if detail else None,
        "total": rows.profitability([]).iloc[0] if len(rows) else None,
        "unit_economics": A.compute_unit_economics(rows, summed),
        "variance_total": variance["total"].iloc[0] if len(summed) else None,
        "overhead_three_way": A.compute_overhead_three_way(P.load_overhead_by_period(engine, scope, ledger), summed),
        **overhead_report(engine, scope, summed, fast, stored="groups" if fast else None),
        **price_variance_report(engine, scope, variances, materials, usage),
        "budget_bridge": A.compute_budget_bridge(P.load_sales_budget(engine, scope), rows, summed),
    }
    for name, cols in DIMENSIONS.items():
        report[f"by_{name}"] = rows.profitability(cols)
    for name in VARIANCE_VIEWS:
        report[f"variance_by_{name}"] = variance[name]
    previous = scope.previous()
    if previous is not None:
        base_facts, base_var = bridge_start(engine, previous, fast)
        report["period_bridge"] = A.compute_pvm_bridge(base_facts, rows, base_var, summed)
        report["bridge_base"] = previous
    else:
        report["period_bridge"], report["bridge_base"] = None, None
    return report
