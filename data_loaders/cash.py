"""Facts for cash forecasting and working capital, as of a date.

Open items are computed in SQL as of the date: an invoice is open by what its receipts before
the date have not paid; a supplier invoice likewise. The cash history is the ledger's bank
movements by day. Everything future (the plan, open orders, budgets) comes as recorded.

The ledger's daily movements and working-capital balances read ``facts_ledger_daily`` (lines
summed per period x voucher date x account x plant x opening voucher) when the facts are fresh,
the voucher lines joined to their vouchers otherwise; the documents' monthly sums read
``facts_cash_documents`` likewise (per plant and month ``facts_cash_plant_months``), and the
open receivables, paying customers and the receipts the payment delays weigh
``facts_open_receivables``, ``facts_paying_customers`` and ``facts_customer_receipts`` (when
every receipt is dated before the as-of date): the same numbers.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_loaders import schema as s
from data_loaders.engine import connected, read_frame
from data_loaders.facts_cash import (facts_cash_customer_months, facts_cash_documents, facts_cash_plant_months, facts_customer_receipts,
                                     facts_open_receivables, facts_paying_customers, select_open_invoices)
from data_loaders.facts_ledger import facts_ledger_daily
from data_loaders.facts_ledger_months import facts_ledger_plant_months
from data_loaders.queries import ledger_lines, plant_conditions, use_ledger_facts
from data_loaders.scope import Scope


def load_cash_position(engine: Engine, as_of: dt.date, scope: Scope) -> pd.DataFrame:
    """The latest balance of each bank account before ``as_of``."""
    cb, ba = s.cash_balances, s.bank_accounts
    latest = (
        sa.select(cb.c.bank_account_id, sa.func.max(cb.c.balance_date).label("balance_date"))
        .where(cb.c.balance_date < as_of)
        .group_by(cb.c.bank_account_id)
        .subquery()
    )
    stmt = (
        sa.select(cb.c.bank_account_id, ba.c.plant_id, cb.c.balance_date, cb.c.balance_amount)
        .join(latest, sa.and_(latest.c.bank_account_id == cb.c.bank_account_id, latest.c.balance_date == cb.c.balance_date))
        .join(ba, ba.c.bank_account_id == cb.c.bank_account_id)
        .where(*plant_conditions(ba.c.plant_id, scope))
    )
    return read_frame(engine, stmt)


def _paid_before(document_key, amount, paid_on, as_of: dt.date):
    """Σ payments per document made before ``as_of`` (receipts per invoice, payments per supplier invoice)."""
    return (
        sa.select(document_key.label("document_id"), sa.func.sum(amount).label("paid_amount"))
        .where(paid_on < as_of)
        .group_by(document_key)
        .subquery()
    )


def load_open_receivables(engine: Engine, as_of: dt.date, scope: Scope, use_facts: bool | None = None,
                          customers: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Invoices issued before ``as_of`` with money still to receive: one row per invoice, in
    invoice order. From ``facts_open_receivables`` when the facts are fresh and every receipt is
    dated before ``as_of`` (the open items of the data's end are then those of ``as_of``), from
    the invoices and their receipts before ``as_of`` otherwise: the same rows and amounts.
    ``customers``: only theirs (the same rows of theirs, in the same order)."""
    if use_ledger_facts(engine, use_facts, "facts_cash") and not _receipts_from(engine, as_of):
        f = facts_open_receivables
        stmt = (sa.select(f.c.invoice_id, f.c.customer_id, f.c.plant_id, f.c.product_id, f.c.invoice_date, f.c.due_date, f.c.open_amount)
                .where(f.c.invoice_date < as_of, *plant_conditions(f.c.plant_id, scope), *_of_customers(f.c.customer_id, customers))
                .order_by(f.c.invoice_id))
        return read_frame(engine, stmt)
    si = s.sales_invoices
    stmt = (select_open_invoices(as_of).where(*plant_conditions(si.c.plant_id, scope), *_of_customers(si.c.customer_id, customers))
            .order_by(si.c.invoice_id))
    return read_frame(engine, stmt)


def _of_customers(column, customers: tuple[str, ...] | None) -> list:
    return [] if customers is None else [column.in_(list(customers))]


def _receipts_from(engine: Engine, as_of: dt.date) -> bool:
    """Whether some receipt is dated on or after ``as_of`` (the facts' open items are those
    after every receipt)."""
    cr = s.customer_receipts
    with connected(engine) as conn:
        return bool(conn.execute(sa.select(sa.exists().where(cr.c.receipt_date >= as_of))).scalar())


def _receipts(as_of: dt.date, scope: Scope, since: dt.date | None = None) -> list:
    si, cr = s.sales_invoices, s.customer_receipts
    return [cr.c.receipt_date < as_of, *([cr.c.receipt_date >= since] if since else []), cr.c.amount > 0,
            *plant_conditions(si.c.plant_id, scope)]


def load_receipt_history(engine: Engine, as_of: dt.date, scope: Scope, since: dt.date | None = None,
                         use_facts: bool | None = None) -> pd.DataFrame:
    """Receipts before ``as_of`` (and on or after ``since``) with their invoice's due date: one
    row per receipt (customer, date, amount, due date: what the payment delays read), in
    receipt order. From ``facts_customer_receipts`` when the facts are fresh and every receipt
    is dated before ``as_of`` (the same rows and order)."""
    if use_ledger_facts(engine, use_facts, "facts_cash") and not _receipts_from(engine, as_of):
        f = facts_customer_receipts
        stmt = (sa.select(f.c.customer_id, f.c.receipt_date, f.c.amount, f.c.due_date)
                .where(*([f.c.receipt_date >= since] if since else []), *plant_conditions(f.c.plant_id, scope))
                .order_by(f.c.receipt_id))
        return read_frame(engine, stmt)
    si, cr = s.sales_invoices, s.customer_receipts
    stmt = (
        sa.select(cr.c.customer_id, cr.c.receipt_date, cr.c.amount, si.c.due_date)
        .join(si, si.c.invoice_id == cr.c.invoice_id)
        .where(*_receipts(as_of, scope, since))
        .order_by(cr.c.receipt_id)
    )
    return read_frame(engine, stmt)


def load_paying_customers(engine: Engine, as_of: dt.date, scope: Scope, use_facts: bool | None = None) -> list[str]:
    """The customers with a receipt before ``as_of`` (those ``load_receipt_history`` names), in
    no particular order; from ``facts_paying_customers`` when the facts are fresh and every
    receipt is dated before ``as_of`` (the same customers)."""
    if use_ledger_facts(engine, use_facts, "facts_cash") and not _receipts_from(engine, as_of):
        f = facts_paying_customers
        stmt = sa.select(f.c.customer_id).where(*plant_conditions(f.c.plant_id, scope)).distinct()
        with connected(engine) as conn:
            return [r[0] for r in conn.execute(stmt)]
    si, cr = s.sales_invoices, s.customer_receipts
    stmt = sa.select(cr.c.customer_id).join(si, si.c.invoice_id == cr.c.invoice_id).where(*_receipts(as_of, scope)).distinct()
    with connected(engine) as conn:
        return [r[0] for r in conn.execute(stmt)]


def load_open_payables(engine: Engine, as_of: dt.date, scope: Scope) -> pd.DataFrame:
    """Supplier invoices received before ``as_of`` and not yet paid: one row per invoice."""
    pi, sp, po = s.supplier_invoices, s.supplier_payments, s.purchase_orders
    paid = _paid_before(sp.c.supplier_invoice_id, sp.c.amount, sp.c.payment_date, as_of)
    open_amount = pi.c.amount - sa.func.coalesce(paid.c.paid_amount, 0)
    stmt = (
        sa.select(pi.c.supplier_invoice_id, pi.c.supplier_id, po.c.plant_id, pi.c.invoice_date, pi.c.due_date, open_amount.label("open_amount"))
        .join(po, po.c.purchase_order_id == pi.c.purchase_order_id)
        .outerjoin(paid, paid.c.document_id == pi.c.supplier_invoice_id)
        .where(pi.c.invoice_date < as_of, sa.func.abs(open_amount) > 0.005, *plant_conditions(po.c.plant_id, scope))
    )
    return read_frame(engine, stmt)


def load_open_purchase_orders(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Open purchase orders with the supplier's payment terms and the material they buy."""
    po, sup = s.purchase_orders, s.suppliers
    stmt = (
        sa.select(po.c.purchase_order_id, po.c.supplier_id, po.c.material_id, po.c.plant_id, po.c.account_code, po.c.expected_date,
                  (po.c.qty * po.c.unit_price).label("order_amount"), sup.c.payment_terms_days)
        .join(sup, sup.c.supplier_id == po.c.supplier_id)
        .where(po.c.status == "open", *plant_conditions(po.c.plant_id, scope))
    )
    return read_frame(engine, stmt)


def load_open_sales_orders(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Sales orders not yet invoiced, with the customer's payment terms."""
    so, c = s.sales_orders, s.customers
    stmt = (
        sa.select(so.c.sales_order_id, so.c.customer_id, so.c.product_id, so.c.plant_id, so.c.due_date,
                  (so.c.qty * so.c.unit_price).label("order_amount"), c.c.payment_terms_days)
        .join(c, c.c.customer_id == so.c.customer_id)
        .where(so.c.status == "open", *plant_conditions(so.c.plant_id, scope))
    )
    return read_frame(engine, stmt)


def load_plan_drivers(engine: Engine, scope: Scope) -> dict[str, pd.DataFrame]:
    """The production plan with what each planned unit sells for and consumes: product list
    price and standard labor, the BOM with material prices, lead times and supplier terms."""
    pp, p, r, wc, bom, m, sup = s.production_plan, s.products, s.routings, s.work_centers, s.bom, s.materials, s.suppliers
    with connected(engine) as conn:
        plan = read_frame(conn, sa.select(pp.c.plan_id, pp.c.plant_id, pp.c.product_id, pp.c.work_center_id, pp.c.week_start_date,
                                          pp.c.planned_qty, p.c.list_price, r.c.std_labor_h_per_unit, wc.c.labor_rate_per_h)
                          .join(p, p.c.product_id == pp.c.product_id)
                          .join(wc, wc.c.work_center_id == pp.c.work_center_id)
                          .outerjoin(r, sa.and_(r.c.product_id == pp.c.product_id, r.c.work_center_id == pp.c.work_center_id))
                          .where(*plant_conditions(pp.c.plant_id, scope)))
        materials = read_frame(conn, sa.select(bom.c.product_id, bom.c.material_id, bom.c.qty_per_unit, m.c.std_price, m.c.lead_time_days,
                                               m.c.supplier_id, sup.c.payment_terms_days)
                               .join(m, m.c.material_id == bom.c.material_id)
                               .join(sup, sup.c.supplier_id == m.c.supplier_id))
        terms = read_frame(conn, sa.select(sa.func.avg(s.customers.c.payment_terms_days).label("avg_terms")))
    avg_terms = terms.avg_terms.iloc[0] if len(terms) else None
    # no customers (a finance-only database): the usual 30 days, never NaN
    return {"plan": plan, "materials": materials, "avg_customer_terms": 30.0 if pd.isna(avg_terms) else float(avg_terms)}


def load_cash_overhead_budget(engine: Engine, scope: Scope, accounts: tuple[str, ...]) -> pd.DataFrame:
    """Monthly budget (original version) of the accounts paid in cash, by period and plant."""
    b, cc = s.budgets, s.cost_centers
    stmt = (
        sa.select(b.c.period, cc.c.plant_id, b.c.account_code, sa.func.sum(b.c.budget_amount).label("budget_amount"))
        .join(cc, cc.c.cost_center_id == b.c.cost_center_id)
        .where(b.c.version == "original", b.c.account_code.in_(accounts),
               *([sa.or_(cc.c.plant_id.in_(scope.plants), cc.c.plant_id.is_(None))] if scope.plants else []))
        .group_by(b.c.period, cc.c.plant_id, b.c.account_code)
    )
    return read_frame(engine, stmt)


def load_daily_cash_flow(engine: Engine, scope: Scope, use_facts: bool | None = None) -> pd.DataFrame:
    """Net movement of the bank accounts (category ``cash``) per day: the history behind the
    baseline. Opening-balance vouchers (type ``OB``) are not movements."""
    acc = s.accounts
    if use_ledger_facts(engine, use_facts):
        f = facts_ledger_daily
        stmt = (
            sa.select(f.c.voucher_date, sa.func.sum(f.c.debit_amount - f.c.credit_amount).label("net_amount"))
            .join(acc, acc.c.account_code == f.c.account_code)
            .where(acc.c.category == "cash", f.c.is_opening == 0, *plant_conditions(f.c.plant_id, scope))
            .group_by(f.c.voucher_date)
            .order_by(f.c.voucher_date)
        )
        return read_frame(engine, stmt)
    vl, v = s.voucher_lines, s.vouchers
    stmt = (
        sa.select(v.c.voucher_date, sa.func.sum(vl.c.debit_amount - vl.c.credit_amount).label("net_amount"))
        .join(v, v.c.voucher_no == vl.c.voucher_no)
        .join(acc, acc.c.account_code == vl.c.account_code)
        .where(acc.c.category == "cash", v.c.voucher_type != "OB", *plant_conditions(vl.c.plant_id, scope))
        .group_by(v.c.voucher_date)
        .order_by(v.c.voucher_date)
    )
    return read_frame(engine, stmt)


def load_monthly_balances(engine: Engine, scope: Scope, use_facts: bool | None = None) -> pd.DataFrame:
    """Per period: movement on receivables, payables, inventories (raw materials, WIP, finished
    goods), and revenue, cost of sales and purchases — the inputs of DSO, DIO and DPO."""
    vl, acc = ledger_lines(engine, use_facts), s.accounts
    cats = ("receivables", "payables", "raw_materials", "wip", "finished_goods", "revenue", "cost_of_sales")
    stmt = (
        sa.select(vl.c.period, acc.c.category, sa.func.sum(vl.c.debit_amount).label("debit_amount"),
                  sa.func.sum(vl.c.credit_amount).label("credit_amount"))
        .join(acc, acc.c.account_code == vl.c.account_code)
        .where(acc.c.category.in_(cats), *plant_conditions(vl.c.plant_id, scope))
        .group_by(vl.c.period, acc.c.category)
    )
    return read_frame(engine, stmt)


def load_customer_flows(engine: Engine, scope: Scope, use_facts: bool | None = None) -> pd.DataFrame:
    """Per customer x period: invoiced (net) and received amounts, for receivables and DSO by
    customer. From the facts when fresh: every plant ``facts_cash_customer_months`` as it is,
    some plants ``facts_cash_documents`` summed over them (the same sums, exact)."""
    if use_ledger_facts(engine, use_facts, "facts_cash"):
        if scope.plants:
            f = facts_cash_documents
            stmt = (sa.select(f.c.customer_id, f.c.period, sa.func.sum(f.c.invoiced_amount).label("invoiced_amount"),
                              sa.func.sum(f.c.received_amount).label("received_amount"))
                    .where(f.c.customer_id.is_not(None), *plant_conditions(f.c.plant_id, scope)).group_by(f.c.customer_id, f.c.period))
        else:
            f = facts_cash_customer_months  # one row per period x customer: nothing left to group
            stmt = sa.select(f.c.customer_id, f.c.period, f.c.invoiced_amount, f.c.received_amount)
        out = read_frame(engine, stmt)
        out[["invoiced_amount", "received_amount"]] = out[["invoiced_amount", "received_amount"]].astype(float)
        return out.sort_values(["customer_id", "period"]).reset_index(drop=True)
    si, cr = s.sales_invoices, s.customer_receipts
    from data_loaders.sqlfuncs import period_of

    inv_p, rec_p = period_of(si.c.invoice_date), period_of(cr.c.receipt_date)
    with connected(engine) as conn:
        inv = read_frame(conn, sa.select(si.c.customer_id, inv_p.label("period"), sa.func.sum(si.c.net_amount).label("invoiced_amount"))
                         .where(*plant_conditions(si.c.plant_id, scope)).group_by(si.c.customer_id, inv_p))
        rec = read_frame(conn, sa.select(cr.c.customer_id, rec_p.label("period"), sa.func.sum(cr.c.amount).label("received_amount"))
                         .join(si, si.c.invoice_id == cr.c.invoice_id)
                         .where(*plant_conditions(si.c.plant_id, scope)).group_by(cr.c.customer_id, rec_p))
    out = inv.merge(rec, on=["customer_id", "period"], how="outer").fillna({"invoiced_amount": 0.0, "received_amount": 0.0})
    return out.sort_values(["customer_id", "period"]).reset_index(drop=True)


def load_working_capital_ledger(engine: Engine, scope: Scope, use_facts: bool | None = None) -> pd.DataFrame:
    """Per plant × period × account category (receivables, payables, raw materials, WIP,
    finished goods, revenue, cost of sales; categories, never account codes) and whether the
    lines are the opening-balance voucher (type ``OB``): debit and credit sums."""
    acc = s.accounts
    cats = ("receivables", "payables", "raw_materials", "wip", "finished_goods", "revenue", "cost_of_sales")
    if use_ledger_facts(engine, use_facts):
        # facts_ledger_daily's days summed per account (facts_ledger_plant_months): the same sums over a few thousand rows
        f = facts_ledger_plant_months if use_ledger_facts(engine, use_facts, "facts_ledger_months") else facts_ledger_daily
        stmt = (
            sa.select(f.c.plant_id, f.c.period, acc.c.category, f.c.is_opening,
                      sa.func.sum(f.c.debit_amount).label("debit_amount"), sa.func.sum(f.c.credit_amount).label("credit_amount"))
            .join(acc, acc.c.account_code == f.c.account_code)
            .where(acc.c.category.in_(cats), *plant_conditions(f.c.plant_id, scope))
            .group_by(f.c.plant_id, f.c.period, acc.c.category, f.c.is_opening)
            .order_by(f.c.plant_id, f.c.period, acc.c.category, f.c.is_opening)
        )
    else:
        vl, v = s.voucher_lines, s.vouchers
        is_opening = sa.case((v.c.voucher_type == "OB", 1), else_=0)
        stmt = (
            sa.select(vl.c.plant_id, vl.c.period, acc.c.category, is_opening.label("is_opening"),
                      sa.func.sum(vl.c.debit_amount).label("debit_amount"), sa.func.sum(vl.c.credit_amount).label("credit_amount"))
            .join(v, v.c.voucher_no == vl.c.voucher_no)
            .join(acc, acc.c.account_code == vl.c.account_code)
            .where(acc.c.category.in_(cats), *plant_conditions(vl.c.plant_id, scope))
            .group_by(vl.c.plant_id, vl.c.period, acc.c.category, is_opening)
            .order_by(vl.c.plant_id, vl.c.period, acc.c.category, is_opening)
        )
    # in a stated order: the months add the inventory categories' rows in row order, and a
    # parallel GROUP BY returns its groups in any order (the same cents, other last bits)
    out = read_frame(engine, stmt)
    out["is_opening"] = out.is_opening.astype(int).astype(bool)
    return out


def load_working_capital_documents(engine: Engine, scope: Scope, use_facts: bool | None = None) -> pd.DataFrame:
    """Per plant × period from the documents: invoiced (net), credit sales (invoices due after
    their date), received, supplier invoiced and paid amounts. Empty for a ledger-only dataset."""
    from data_loaders.sqlfuncs import period_of

    cols = ["invoiced_amount", "credit_sales_amount", "received_amount", "supplier_invoiced_amount", "paid_amount"]
    if use_ledger_facts(engine, use_facts, "facts_cash"):
        f = facts_cash_plant_months  # one row per period x plant: nothing left to group
        out = read_frame(engine, sa.select(f.c.plant_id, f.c.period, *[f.c[c] for c in cols]).where(*plant_conditions(f.c.plant_id, scope)))
        out[cols] = out[cols].astype(float)
        return out[["plant_id", "period", *cols]].sort_values(["plant_id", "period"]).reset_index(drop=True)
    si, cr, pi, sp, po = s.sales_invoices, s.customer_receipts, s.supplier_invoices, s.supplier_payments, s.purchase_orders
    frames = []
    with connected(engine) as conn:
        p = period_of(si.c.invoice_date)
        credit = sa.case((si.c.due_date > si.c.invoice_date, si.c.net_amount), else_=0)
        frames.append(read_frame(conn, sa.select(si.c.plant_id, p.label("period"), sa.func.sum(si.c.net_amount).label("invoiced_amount"),
                                                 sa.func.sum(credit).label("credit_sales_amount"))
                                 .where(*plant_conditions(si.c.plant_id, scope)).group_by(si.c.plant_id, p)))
        p = period_of(cr.c.receipt_date)
        frames.append(read_frame(conn, sa.select(si.c.plant_id, p.label("period"), sa.func.sum(cr.c.amount).label("received_amount"))
                                 .join(si, si.c.invoice_id == cr.c.invoice_id)
                                 .where(*plant_conditions(si.c.plant_id, scope)).group_by(si.c.plant_id, p)))
        p = period_of(pi.c.invoice_date)
        frames.append(read_frame(conn, sa.select(po.c.plant_id, p.label("period"), sa.func.sum(pi.c.amount).label("supplier_invoiced_amount"))
                                 .join(po, po.c.purchase_order_id == pi.c.purchase_order_id)
                                 .where(*plant_conditions(po.c.plant_id, scope)).group_by(po.c.plant_id, p)))
        p = period_of(sp.c.payment_date)
        frames.append(read_frame(conn, sa.select(po.c.plant_id, p.label("period"), sa.func.sum(sp.c.amount).label("paid_amount"))
                                 .join(pi, pi.c.supplier_invoice_id == sp.c.supplier_invoice_id)
                                 .join(po, po.c.purchase_order_id == pi.c.purchase_order_id)
                                 .where(*plant_conditions(po.c.plant_id, scope)).group_by(po.c.plant_id, p)))
    out = pd.DataFrame(columns=["plant_id", "period"])
    for f in frames:
        if not f.empty:
            out = f if out.empty else out.merge(f, on=["plant_id", "period"], how="outer")
    for c in cols:
        out[c] = out[c].astype(float).fillna(0.0) if c in out else 0.0
    return out[["plant_id", "period", *cols]].sort_values(["plant_id", "period"]).reset_index(drop=True)
