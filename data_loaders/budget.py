"""Facts for budget execution: budgets, actuals and commitments at period x cost center x account.

Amounts come as the ledger holds them (actuals: debit and credit); the natural signs for
revenue and cost lines are applied in ``analytics/budget.py``.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from analytics.overhead import ORDER_COLUMNS
from data_loaders import facts_orders as FO
from data_loaders import schema as s
from data_loaders.engine import read_frame
from data_loaders.facts_ledger_months import facts_ledger_cc_months
from data_loaders.queries import (ledger_lines, line_product_conditions, month_lines, period_conditions, plant_conditions, product_conditions,
                                  use_ledger_facts)
from data_loaders.scope import Scope
from data_loaders.sqlfuncs import period_of

BUDGET_TYPES = ("revenue", "expense")


def load_budget(engine: Engine, scope: Scope) -> pd.DataFrame:
    """One row per version x period x cost center x account with a budget in the scope."""
    b, cc = s.budgets, s.cost_centers
    stmt = (
        sa.select(b.c.version, b.c.period, b.c.cost_center_id, b.c.account_code, b.c.budget_amount)
        .join(cc, cc.c.cost_center_id == b.c.cost_center_id)
        .where(*period_conditions(b.c.period, scope), *_plant_of_cost_center(cc, scope))
    )
    return read_frame(engine, stmt)


def load_budget_by_category(engine: Engine, scope: Scope, version: str = "original") -> pd.DataFrame:
    """One row per period x account category x account type: Σ budget of ``version`` in the
    scope (natural sign as stored: revenue positive, costs positive). Budgets sit on cost
    centers, so the plant filter applies through the cost center (head office stays); a
    product-family filter does not apply (budgets name no product)."""
    b, cc, acc = s.budgets, s.cost_centers, s.accounts
    stmt = (
        sa.select(b.c.period, acc.c.category, acc.c.account_type, sa.func.sum(b.c.budget_amount).label("budget_amount"))
        .join(cc, cc.c.cost_center_id == b.c.cost_center_id)
        .join(acc, acc.c.account_code == b.c.account_code)
        .where(b.c.version == version, *period_conditions(b.c.period, scope), *_plant_of_cost_center(cc, scope))
        .group_by(b.c.period, acc.c.category, acc.c.account_type)
        .order_by(b.c.period, acc.c.category, acc.c.account_type)
    )
    frame = read_frame(engine, stmt)
    frame["budget_amount"] = frame.budget_amount.astype(float)
    return frame


def _plant_of_cost_center(cc, scope: Scope) -> list:
    # head-office cost centers have no plant; they stay in a plant-filtered view
    return [sa.or_(cc.c.plant_id.in_(scope.plants), cc.c.plant_id.is_(None))] if scope.plants else []


def load_actual(engine: Engine, scope: Scope, use_facts: bool | None = None) -> pd.DataFrame:
    """Ledger movements on revenue and expense accounts that carry a cost center: one row per
    period x cost center x account with Σ debit and Σ credit (from ``facts_ledger_cc_months``,
    ``facts_ledger`` summed at that grain, when the facts are fresh; else from the voucher lines)."""
    acc, cc = s.accounts, s.cost_centers
    if use_ledger_facts(engine, use_facts, "facts_ledger_months"):  # the same sums, one row per key already
        f = facts_ledger_cc_months
        return read_frame(engine, sa.select(f.c.period, f.c.cost_center_id, f.c.account_code, f.c.debit_amount, f.c.credit_amount)
                          .join(acc, acc.c.account_code == f.c.account_code)
                          .join(cc, cc.c.cost_center_id == f.c.cost_center_id)
                          .where(acc.c.account_type.in_(BUDGET_TYPES), *period_conditions(f.c.period, scope), *_plant_of_cost_center(cc, scope)))
    vl = ledger_lines(engine, use_facts)
    stmt = (
        sa.select(vl.c.period, vl.c.cost_center_id, vl.c.account_code,
                  sa.func.sum(vl.c.debit_amount).label("debit_amount"), sa.func.sum(vl.c.credit_amount).label("credit_amount"))
        .join(acc, acc.c.account_code == vl.c.account_code)
        .join(cc, cc.c.cost_center_id == vl.c.cost_center_id)
        .where(acc.c.account_type.in_(BUDGET_TYPES), *period_conditions(vl.c.period, scope), *_plant_of_cost_center(cc, scope))
        .group_by(vl.c.period, vl.c.cost_center_id, vl.c.account_code)
    )
    return read_frame(engine, stmt)


def load_committed(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Open purchase orders charged to an expense account: one row per order with its cost
    center, account, expected period and amount (qty x unit price)."""
    po, acc = s.purchase_orders, s.accounts
    stmt = (
        sa.select(po.c.purchase_order_id, po.c.cost_center_id, po.c.account_code, po.c.plant_id, po.c.supplier_id,
                  period_of(po.c.expected_date).label("period"), (po.c.qty * po.c.unit_price).label("committed_amount"))
        .join(acc, acc.c.account_code == po.c.account_code)
        .where(po.c.status == "open", acc.c.account_type == "expense", *plant_conditions(po.c.plant_id, scope))
    )
    return read_frame(engine, stmt)


def load_budget_structure(engine: Engine) -> dict[str, pd.DataFrame]:
    """Accounts (type, category, parent) and cost centers (name, parent, plant) for the trees."""
    with engine.connect() as conn:
        return {
            "accounts": read_frame(conn, sa.select(s.accounts)),
            "cost_centers": read_frame(conn, sa.select(s.cost_centers)),
        }


def load_lines_for_cell(engine: Engine, scope: Scope, cost_centers: tuple[str, ...], accounts: tuple[str, ...], limit: int = 2000) -> pd.DataFrame:
    """The voucher lines behind a budget cell (cost centers and accounts already expanded to
    their subtrees), newest first; the drill from a budget number to the ledger."""
    vl, v, acc = s.voucher_lines, s.vouchers, s.accounts
    stmt = (
        sa.select(vl.c.voucher_no, vl.c.line_no, v.c.voucher_date, v.c.voucher_type, v.c.description, vl.c.period,
                  vl.c.cost_center_id, vl.c.account_code, acc.c.account_name, acc.c.account_name_en, vl.c.debit_amount, vl.c.credit_amount,
                  vl.c.source_doc_type, vl.c.source_doc_id, vl.c.work_order_id)
        .join(v, v.c.voucher_no == vl.c.voucher_no)
        .join(acc, acc.c.account_code == vl.c.account_code)
        .where(vl.c.cost_center_id.in_(cost_centers), vl.c.account_code.in_(accounts), *period_conditions(vl.c.period, scope))
        .order_by(v.c.voucher_date.desc(), vl.c.voucher_no.desc())
        .limit(limit)
    )
    return read_frame(engine, stmt)


def load_sales_budget_by_product(engine: Engine, scope: Scope, version: str = "original") -> pd.DataFrame:
    """One row per period x product of the sales budget ``version`` in the scope: units, price
    and standard cost per unit. A family filter applies; a plant filter does not (the sales
    budget names no plant)."""
    sb = s.sales_budgets
    stmt = (
        sa.select(sb.c.period, sb.c.product_id, sb.c.budget_qty, sb.c.budget_price, sb.c.budget_std_cost_per_unit)
        .where(sb.c.version == version, *period_conditions(sb.c.period, scope), *product_conditions(sb.c.product_id, scope))
    )
    out = read_frame(engine, stmt)
    num = ["budget_qty", "budget_price", "budget_std_cost_per_unit"]
    out[num] = out[num].astype(float)
    return out


def load_sales_rows(engine: Engine, sales: sa.Select) -> pd.DataFrame:
    """``sales``'s rows (period x product x customer x plant: qty and net revenue, as
    ``data_loaders.profitability.select_sales`` or ``facts_orders.select_sales`` give them) with
    the product's standard unit costs, in key order as ``profitability.load_sales`` orders them
    (so that every sum over them adds in the same order), without the gross and discount
    amounts, names, families and list prices that ``load_sales`` adds (two decimal columns of
    175 k rows a year at L that the flexible budget never reads)."""
    rows, p = sales.subquery(), s.products
    stmt = (
        sa.select(rows.c.period, rows.c.product_id, rows.c.customer_id, rows.c.plant_id, rows.c.qty, rows.c.revenue_amount,
                  p.c.std_material_cost, p.c.std_labor_cost, p.c.std_overhead_cost)
        .outerjoin(p, p.c.product_id == rows.c.product_id)
    )
    return read_frame(engine, stmt).sort_values(["period", "product_id", "customer_id", "plant_id"], ignore_index=True)


def load_order_overhead_basis(engine: Engine, scope: Scope) -> pd.DataFrame:
    """The columns of ``facts_orders.load_order_facts`` that the overhead variances read
    (``analytics.overhead.compute_overhead_inputs``: period, plant, work center, good quantity,
    machine seconds, standard overhead per unit, absorption rate), one row per work order
    completed in the scope, in the same order (the same query with fewer columns)."""
    f = FO.facts_orders
    cols = list(ORDER_COLUMNS)
    out = read_frame(engine, sa.select(*[f.c[c] for c in cols]).where(
        *period_conditions(f.c.period, scope), *plant_conditions(f.c.plant_id, scope), *product_conditions(f.c.product_id, scope)))
    out[cols[3:]] = out[cols[3:]].astype(float)
    return out


def load_expense_actual(engine: Engine, scope: Scope, use_facts: bool | None = None) -> pd.DataFrame:
    """Σ debit and Σ credit on the accounts of category ``expense`` per period x plant in the
    scope: the ``expense`` rows of ``queries.load_ledger_by_category`` (same conditions, same
    order), without the other categories."""
    vl, acc = month_lines(engine, scope, use_facts), s.accounts
    stmt = (
        sa.select(vl.c.period, vl.c.plant_id, sa.func.sum(vl.c.debit_amount).label("debit_amount"),
                  sa.func.sum(vl.c.credit_amount).label("credit_amount"))
        .join(acc, acc.c.account_code == vl.c.account_code)
        .where(acc.c.category == "expense", *period_conditions(vl.c.period, scope), *plant_conditions(vl.c.plant_id, scope),
               *line_product_conditions(vl, scope))
        .group_by(vl.c.period, vl.c.plant_id)
        .order_by(vl.c.period, vl.c.plant_id)
    )
    return read_frame(engine, stmt)


def load_product_cost_behavior(engine: Engine) -> pd.DataFrame:
    """One row per product: its name, its standard unit costs and the fixed overhead in its
    standard overhead (standard overhead x fixed rate / absorption rate of its routing's work
    center; the work center with the lowest id when it has several; all fixed without a split)."""
    p, r, wc = s.products, s.routings, s.work_centers
    stmt = (
        sa.select(p.c.product_id, p.c.product_name, p.c.std_material_cost, p.c.std_labor_cost, p.c.std_overhead_cost, r.c.work_center_id,
                  (wc.c.machine_rate_per_h + wc.c.overhead_rate_per_h).label("absorption_rate_per_h"),
                  wc.c.variable_overhead_rate_per_h, wc.c.fixed_overhead_rate_per_h)
        .outerjoin(r, r.c.product_id == p.c.product_id)
        .outerjoin(wc, wc.c.work_center_id == r.c.work_center_id)
        .order_by(p.c.product_id, r.c.work_center_id)
    )
    out = read_frame(engine, stmt).drop_duplicates("product_id")
    num = ["std_material_cost", "std_labor_cost", "std_overhead_cost", "absorption_rate_per_h", "variable_overhead_rate_per_h",
           "fixed_overhead_rate_per_h"]
    out[num] = out[num].astype(float)
    absorption = out.absorption_rate_per_h
    fixed_rate = out.fixed_overhead_rate_per_h.fillna(absorption - out.variable_overhead_rate_per_h.fillna(0.0))
    share = (fixed_rate / absorption.where(absorption > 0)).fillna(1.0)
    out["std_fixed_overhead_per_unit"] = (out.std_overhead_cost * share).round(4)
    out["std_variable_cost_per_unit"] = (out.std_material_cost + out.std_labor_cost + out.std_overhead_cost
                                         - out.std_fixed_overhead_per_unit).round(4)
    return out[["product_id", "product_name", "std_variable_cost_per_unit", "std_fixed_overhead_per_unit"]]
