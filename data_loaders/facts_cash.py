"""Cash-document facts: invoices, receipts, supplier invoices and payments summed per month,
plant and customer when the data changes, for working capital and DSO by customer
(docs/DATA_MODEL.md, "Fact tables: ledger").

``facts_cash_documents``: one row per period × plant × customer (customer NULL on the supplier
side) where some document is dated, with

* ``invoiced_amount`` Σ ``sales_invoices.net_amount`` by invoice date, at the invoice's plant
  and customer; ``credit_sales_amount`` the part of it due after the invoice date;
* ``received_amount`` Σ ``customer_receipts.amount`` by receipt date, at the plant of the
  invoice it pays and the receipt's customer;
* ``supplier_invoiced_amount`` Σ ``supplier_invoices.amount`` by invoice date and
  ``paid_amount`` Σ ``supplier_payments.amount`` by payment date, at the plant of the purchase
  order (these rows have no customer).

``period`` is the month of the document's date. Identities (tests/test_facts_ledger.py): each
column's Σ per period × plant equals the same sum over the documents; readers in
``data_loaders.cash`` return the same frames from here as from the documents.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Column, Numeric, String
from sqlalchemy.engine import Engine

from data_loaders import schema as s
from data_loaders.facts import METADATA
from data_loaders.sqlfuncs import period_of

MONEY, ID, PERIOD = Numeric(38, 2), String(32), String(7)  # sums of NUMERIC(18, 2) lines: room for the largest
AMOUNTS = ("invoiced_amount", "credit_sales_amount", "received_amount", "supplier_invoiced_amount", "paid_amount")

facts_cash_documents = sa.Table(
    "facts_cash_documents", METADATA,
    Column("period", PERIOD, nullable=False),
    Column("plant_id", ID),
    Column("customer_id", ID),
    *[Column(name, MONEY, nullable=False) for name in AMOUNTS],
    info={"grain": "one row per period x plant x customer (no customer: supplier side) with a dated document"},
)
sa.Index("ix_facts_cash_documents_period", facts_cash_documents.c.period, facts_cash_documents.c.plant_id)

TABLES = (facts_cash_documents,)


def _in(period, periods: list[str] | None) -> list:
    return [period.in_(periods)] if periods is not None else []


def selects(periods: list[str] | None) -> list[sa.Select]:
    """One grouped SELECT per document type: period, plant_id, customer_id and its amounts."""
    si, cr, pi, sp, po = s.sales_invoices, s.customer_receipts, s.supplier_invoices, s.supplier_payments, s.purchase_orders
    none = sa.null().label("customer_id")
    p = period_of(si.c.invoice_date)
    credit = sa.case((si.c.due_date > si.c.invoice_date, si.c.net_amount), else_=0)
    out = [sa.select(p.label("period"), si.c.plant_id, si.c.customer_id, sa.func.sum(si.c.net_amount).label("invoiced_amount"),
                     sa.func.sum(credit).label("credit_sales_amount"))
           .where(*_in(p, periods)).group_by(p, si.c.plant_id, si.c.customer_id)]
    p = period_of(cr.c.receipt_date)
    out.append(sa.select(p.label("period"), si.c.plant_id, cr.c.customer_id, sa.func.sum(cr.c.amount).label("received_amount"))
               .join(si, si.c.invoice_id == cr.c.invoice_id).where(*_in(p, periods)).group_by(p, si.c.plant_id, cr.c.customer_id))
    p = period_of(pi.c.invoice_date)
    out.append(sa.select(p.label("period"), po.c.plant_id, none, sa.func.sum(pi.c.amount).label("supplier_invoiced_amount"))
               .join(po, po.c.purchase_order_id == pi.c.purchase_order_id).where(*_in(p, periods)).group_by(p, po.c.plant_id))
    p = period_of(sp.c.payment_date)
    out.append(sa.select(p.label("period"), po.c.plant_id, none, sa.func.sum(sp.c.amount).label("paid_amount"))
               .join(pi, pi.c.supplier_invoice_id == sp.c.supplier_invoice_id)
               .join(po, po.c.purchase_order_id == pi.c.purchase_order_id).where(*_in(p, periods)).group_by(p, po.c.plant_id))
    return out


def derive(engine: Engine, periods: list[str] | None) -> dict[str, pd.DataFrame]:
    """The rows of ``periods`` (all when None): the four sums side by side (0 where a document
    type has none), exact as the database returns them (``Decimal``)."""
    keys = ["period", "plant_id", "customer_id"]
    frames = []
    with engine.connect() as conn:
        for stmt in selects(periods):
            result = conn.execute(stmt)
            frames.append(pd.DataFrame(result.fetchall(), columns=list(result.keys())))
    rows = [f for f in frames if len(f)]
    if not rows:
        return {facts_cash_documents.name: pd.DataFrame(columns=keys + list(AMOUNTS))}
    both = pd.concat(rows, ignore_index=True)
    for name in AMOUNTS:
        both[name] = both[name].astype(object).where(both[name].notna(), 0) if name in both else 0
    # a NULL key (the supplier side's customer) is a group of its own; Decimal sums stay exact
    out = both.groupby(keys, sort=True, dropna=False)[list(AMOUNTS)].agg(lambda v: sum(v, 0)).reset_index()
    return {facts_cash_documents.name: out}
