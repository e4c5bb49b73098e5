"""Facts for product profitability and cost variances.

* sales: invoiced quantity and money per period x product x customer x plant;
* work-order facts: for every order completed in the scope, standard unit costs and rates
  next to what it actually consumed (material, labor hours and amount, machine seconds) and
  the variance the ledger booked at completion;
* material facts: per completed order and material, actual quantity and amount against the BOM;
* overhead per period and plant: incurred, applied to orders, and budgeted.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_loaders import schema as s
from data_loaders.engine import connected, read_frame
from data_loaders.queries import (
    date_conditions,
    period_conditions,
    plant_conditions,
    product_conditions,
    select_labor_cost_by_work_order,
    select_machine_seconds_by_work_order,
    select_material_cost_by_work_order,
)
from data_loaders.scope import Scope
from data_loaders.sqlfuncs import period_of


def select_sales(scope: Scope) -> sa.Select:
    """Invoiced quantity and money per period x product x customer x plant in the scope."""
    si = s.sales_invoices
    period = period_of(si.c.invoice_date)
    return (
        sa.select(period.label("period"), si.c.product_id, si.c.customer_id, si.c.plant_id,
                  sa.func.sum(si.c.qty).label("qty"), sa.func.sum(si.c.gross_amount).label("gross_amount"),
                  sa.func.sum(si.c.discount_amount).label("discount_amount"), sa.func.sum(si.c.net_amount).label("revenue_amount"))
        .where(*date_conditions(si.c.invoice_date, scope), *plant_conditions(si.c.plant_id, scope), *product_conditions(si.c.product_id, scope))
        .group_by(period, si.c.product_id, si.c.customer_id, si.c.plant_id)
    )


def load_sales(engine: Engine, scope: Scope, stmt: sa.Select | None = None) -> pd.DataFrame:
    """One row per period x product x customer x plant: quantity (net of returns), gross,
    discount and net revenue, with the product's family and standard unit costs.

    ``stmt``: the same rows from elsewhere (``facts_orders.select_sales``); default the invoices."""
    return merge_sales(*load_sales_parts(engine, scope, stmt))


def load_sales_parts(engine: Engine, scope: Scope, stmt: sa.Select | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What ``load_sales`` joins, as read: the sales rows (in the database's order), the
    products (id, name, family, standard unit costs, list price) and the customers (id, name)."""
    p, c = s.products, s.customers
    stmt = stmt if stmt is not None else select_sales(scope)
    with connected(engine) as conn:
        sales = read_frame(conn, stmt)
        products = read_frame(conn, sa.select(p.c.product_id, p.c.product_name, p.c.family, p.c.std_material_cost, p.c.std_labor_cost,
                                              p.c.std_overhead_cost, p.c.list_price))
        customers = read_frame(conn, sa.select(c.c.customer_id, c.c.customer_name))
    return sales, products, customers


def merge_sales(sales: pd.DataFrame, products: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """``load_sales``'s rows from its parts (``load_sales_parts``)."""
    # in key order, so that every sum over them adds in the same order whichever source they came from
    sales = sales.sort_values(["period", "product_id", "customer_id", "plant_id"], ignore_index=True)
    return sales.merge(products, on="product_id", how="left").merge(customers, on="customer_id", how="left")


COMPLETED = ("completed", "closed")


def select_completed(scope: Scope) -> sa.Select:
    """Ids of the work orders completed in the scope: finished (``COMPLETED``) with their actual
    end in its periods, of its plants and families."""
    wo = s.work_orders
    return sa.select(wo.c.work_order_id).where(
        wo.c.status.in_(COMPLETED), *date_conditions(wo.c.actual_end_at, scope),
        *plant_conditions(wo.c.plant_id, scope), *product_conditions(wo.c.product_id, scope))


def select_posted_variance_by_work_order(ids: sa.Select) -> sa.Select:
    """The variance posted at completion (Σ debit − credit on variance accounts) per work order of ``ids``."""
    vl, acc = s.voucher_lines, s.accounts
    return (
        sa.select(vl.c.work_order_id, sa.func.sum(vl.c.debit_amount - vl.c.credit_amount).label("posted_variance_amount"))
        .join(acc, acc.c.account_code == vl.c.account_code)
        .where(vl.c.source_doc_type == "completion", acc.c.category == "variance", vl.c.work_order_id.in_(ids))
        .group_by(vl.c.work_order_id)
    )


def select_work_order_base(ids: sa.Select, *extra) -> sa.Select:
    """The work orders of ``ids`` with their product, plant, work center, completion period,
    quantities, standard unit costs, standard labor hours per unit and the work center's rates
    (``extra``: more columns of ``work_orders``)."""
    wo, p, wc, r = s.work_orders, s.products, s.work_centers, s.routings
    return (
        sa.select(wo.c.work_order_id, wo.c.product_id, p.c.product_name, p.c.family, wo.c.plant_id, wo.c.work_center_id,
                  period_of(wo.c.actual_end_at).label("period"), wo.c.completed_qty.label("good_qty"), wo.c.scrap_qty,
                  p.c.std_material_cost, p.c.std_labor_cost, p.c.std_overhead_cost, r.c.std_labor_h_per_unit,
                  wc.c.labor_rate_per_h, (wc.c.machine_rate_per_h + wc.c.overhead_rate_per_h).label("absorption_rate_per_h"),
                  wc.c.variable_overhead_rate_per_h, wc.c.fixed_overhead_rate_per_h, *[wo.c[c] for c in extra])
        .join(p, p.c.product_id == wo.c.product_id)
        .join(wc, wc.c.work_center_id == wo.c.work_center_id)
        .outerjoin(r, sa.and_(r.c.product_id == wo.c.product_id, r.c.work_center_id == wo.c.work_center_id))
        .where(wo.c.work_order_id.in_(ids))
    )


def select_work_order_sums(ids: sa.Select) -> list[sa.Select]:
    """The per-order sums ``load_work_order_facts`` adds to the base rows: material cost, labor
    cost and hours, machine seconds, the variance posted at completion (one row per order with any)."""
    return [select_material_cost_by_work_order(ids), select_labor_cost_by_work_order(ids), select_machine_seconds_by_work_order(ids),
            select_posted_variance_by_work_order(ids)]


WORK_ORDER_FILL = ["material_amount", "labor_amount", "labor_h", "machine_s", "posted_variance_amount", "std_labor_h_per_unit"]


def load_work_order_facts(engine: Engine, scope: Scope) -> pd.DataFrame:
    """One row per work order completed in the scope: product, plant, work center, completion
    period, good and scrap quantity, standard unit costs, the standard labor hours per unit and
    rates, the actual material, labor and machine time, and the variance posted at completion."""
    ids = select_completed(scope)
    with connected(engine) as conn:
        out = read_frame(conn, select_work_order_base(ids))
        for stmt in select_work_order_sums(ids):
            out = out.merge(read_frame(conn, stmt), on="work_order_id", how="left")
    out[WORK_ORDER_FILL] = out[WORK_ORDER_FILL].astype(float).fillna(0.0)
    return out


def load_material_facts(engine: Engine, scope: Scope) -> pd.DataFrame:
    """One row per completed order x material (issued or in the BOM): actual net quantity and
    amount (rounded per document), BOM quantity per unit and standard price."""
    mi, bom, m, wo = s.material_issues, s.bom, s.materials, s.work_orders
    ids = select_completed(scope)
    sign = sa.case((mi.c.issue_type == "return", -1), else_=1)
    actual = (
        sa.select(mi.c.work_order_id, mi.c.material_id, sa.func.sum(sign * mi.c.qty).label("actual_qty"),
                  sa.func.sum(sign * sa.func.round(mi.c.qty * mi.c.unit_cost, 2)).label("actual_amount"))
        .where(mi.c.work_order_id.in_(ids))
        .group_by(mi.c.work_order_id, mi.c.material_id)
    )
    planned = (
        sa.select(wo.c.work_order_id, bom.c.material_id, bom.c.qty_per_unit)
        .join(bom, bom.c.product_id == wo.c.product_id)
        .where(wo.c.work_order_id.in_(ids))
    )
    with connected(engine) as conn:
        a = read_frame(conn, actual)
        b = read_frame(conn, planned)
        prices = read_frame(conn, sa.select(m.c.material_id, m.c.std_price, m.c.supplier_id))
    out = a.merge(b, on=["work_order_id", "material_id"], how="outer").merge(prices, on="material_id", how="left")
    out[["actual_qty", "actual_amount", "qty_per_unit"]] = out[["actual_qty", "actual_amount", "qty_per_unit"]].astype(float).fillna(0.0)
    return out


def select_overhead_ledger(scope: Scope) -> sa.Select:
    """The ledger's overhead (5101xx) and overhead applied (5109), debit − credit, per period x
    plant x category in the scope."""
    vl, acc = s.voucher_lines, s.accounts
    net = sa.func.sum(vl.c.debit_amount - vl.c.credit_amount)
    return (
        sa.select(vl.c.period, vl.c.plant_id, acc.c.category, net.label("net_amount"))
        .join(acc, acc.c.account_code == vl.c.account_code)
        .where(acc.c.category.in_(("overhead", "overhead_applied")), *period_conditions(vl.c.period, scope),
               *plant_conditions(vl.c.plant_id, scope))
        .group_by(vl.c.period, vl.c.plant_id, acc.c.category)
    )


def load_overhead_by_period(engine: Engine, scope: Scope, ledger: sa.Select | None = None) -> pd.DataFrame:
    """One row per period x plant: overhead incurred (5101xx), applied to orders (5109) and
    budgeted (original version, overhead accounts of the plant's cost centers).

    ``ledger``: the ledger's rows from elsewhere (``facts_orders.select_overhead_ledger``)."""
    b, cc, acc = s.budgets, s.cost_centers, s.accounts
    ledger = ledger if ledger is not None else select_overhead_ledger(scope)
    budget = (
        sa.select(b.c.period, cc.c.plant_id, sa.func.sum(b.c.budget_amount).label("budget_amount"))
        .join(acc, acc.c.account_code == b.c.account_code)
        .join(cc, cc.c.cost_center_id == b.c.cost_center_id)
        .where(b.c.version == "original", acc.c.category == "overhead", *period_conditions(b.c.period, scope),
               *plant_conditions(cc.c.plant_id, scope))
        .group_by(b.c.period, cc.c.plant_id)
    )
    with connected(engine) as conn:
        led = read_frame(conn, ledger)
        bud = read_frame(conn, budget)
    if led.empty:
        return pd.DataFrame(columns=["period", "plant_id", "incurred_amount", "applied_amount", "budget_amount"])
    wide = led.pivot_table(index=["period", "plant_id"], columns="category", values="net_amount", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=["overhead", "overhead_applied"], fill_value=0.0).reset_index()
    wide = wide.rename(columns={"overhead": "incurred_amount"})
    wide["applied_amount"] = -wide.pop("overhead_applied")
    out = wide.merge(bud, on=["period", "plant_id"], how="outer").fillna({"incurred_amount": 0.0, "applied_amount": 0.0, "budget_amount": 0.0})
    return out.sort_values(["period", "plant_id"]).reset_index(drop=True)


def load_purchase_price_facts(engine: Engine, scope: Scope) -> pd.DataFrame:
    """One row per supplier invoice for a material in the scope (invoice month, the purchase
    order's plant): period, supplier, material, quantity and amount invoiced, standard price.
    Service invoices (no material) are left out."""
    si, po, m = s.supplier_invoices, s.purchase_orders, s.materials
    stmt = (
        sa.select(si.c.supplier_invoice_id, period_of(si.c.invoice_date).label("period"), si.c.supplier_id, po.c.material_id,
                  po.c.plant_id, si.c.qty, si.c.amount, m.c.std_price)
        .join(po, po.c.purchase_order_id == si.c.purchase_order_id)
        .join(m, m.c.material_id == po.c.material_id)
        .where(*date_conditions(si.c.invoice_date, scope), *plant_conditions(po.c.plant_id, scope))
    )
    out = read_frame(engine, stmt)
    out[["qty", "amount", "std_price"]] = out[["qty", "amount", "std_price"]].astype(float)
    return out


def select_overhead_incurred(scope: Scope) -> sa.Select:
    """Overhead incurred (5101xx), debit − credit, per period x plant x cost behavior."""
    vl, acc = s.voucher_lines, s.accounts
    behavior = sa.func.coalesce(acc.c.cost_behavior, "fixed")
    return (
        sa.select(vl.c.period, vl.c.plant_id, behavior.label("cost_behavior"),
                  sa.func.sum(vl.c.debit_amount - vl.c.credit_amount).label("incurred_amount"))
        .join(acc, acc.c.account_code == vl.c.account_code)
        .where(acc.c.category == "overhead", *period_conditions(vl.c.period, scope), *plant_conditions(vl.c.plant_id, scope))
        .group_by(vl.c.period, vl.c.plant_id, behavior)
    )


def load_overhead_incurred(engine: Engine, scope: Scope, stmt: sa.Select | None = None) -> pd.DataFrame:
    """One row per period x plant x cost behavior (variable / fixed): overhead incurred on the
    ``overhead`` accounts (5101xx), debit − credit. An account without a behavior is fixed.

    ``stmt``: the same rows from elsewhere (``facts_orders.select_overhead_incurred``)."""
    out = read_frame(engine, stmt if stmt is not None else select_overhead_incurred(scope))
    out["incurred_amount"] = out.incurred_amount.astype(float)
    return out


def load_overhead_rates(engine: Engine, scope: Scope) -> pd.DataFrame:
    """One row per work center of the scope's plants: its plant, absorption rate (machine +
    overhead), variable and fixed overhead rates per machine hour and denominator hours per month
    (empty when the contract's optional columns were not loaded)."""
    wc = s.work_centers
    stmt = sa.select(wc.c.work_center_id, wc.c.plant_id, (wc.c.machine_rate_per_h + wc.c.overhead_rate_per_h).label("absorption_rate_per_h"),
                     wc.c.variable_overhead_rate_per_h, wc.c.fixed_overhead_rate_per_h, wc.c.denominator_h_per_month
                     ).where(*plant_conditions(wc.c.plant_id, scope))
    out = read_frame(engine, stmt)
    num = ["absorption_rate_per_h", "variable_overhead_rate_per_h", "fixed_overhead_rate_per_h", "denominator_h_per_month"]
    out[num] = out[num].astype(float)
    return out


def load_sales_budget(engine: Engine, scope: Scope, version: str = "original") -> pd.DataFrame:
    """Budgeted revenue and standard cost of sales per period (a budget has no product detail)."""
    b, acc = s.budgets, s.accounts
    stmt = (
        sa.select(b.c.period, acc.c.category, sa.func.sum(b.c.budget_amount).label("budget_amount"))
        .join(acc, acc.c.account_code == b.c.account_code)
        .where(b.c.version == version, acc.c.category.in_(("revenue", "cost_of_sales")), *period_conditions(b.c.period, scope))
        .group_by(b.c.period, acc.c.category)
    )
    got = read_frame(engine, stmt)
    if got.empty:
        return pd.DataFrame(columns=["period", "revenue_amount", "cost_of_sales_amount"])
    wide = got.pivot_table(index="period", columns="category", values="budget_amount", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=["revenue", "cost_of_sales"], fill_value=0.0)
    return wide.rename(columns={"revenue": "revenue_amount", "cost_of_sales": "cost_of_sales_amount"}).reset_index()
