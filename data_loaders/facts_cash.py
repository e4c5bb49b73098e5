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

``facts_cash_plant_months``: the same amounts per period × plant (every customer together), for
working capital by plant and month; each row = Σ of ``facts_cash_documents`` over its customers
(exact: the sums are ``NUMERIC``). ``facts_cash_customer_months``: the invoiced and received
amounts per period × customer (every plant together), for DSO by customer when no plant is
picked; each row = Σ of ``facts_cash_documents`` over the plants.

``facts_open_receivables``: one row per sales invoice that the receipts of the data leave open
(``|net_amount − Σ receipts| > 0.005``), with its customer, plant, product, dates and
``open_amount`` = ``net_amount`` − Σ of all its receipts. ``period`` is the invoice's month.
Once every receipt is dated before a date (the dataset's as-of date: receipts are history),
the invoices open as of that date are exactly this table's rows invoiced before it, with the
same open amounts (``data_loaders.cash.load_open_receivables`` reads them here then; tests/
test_cash_facts.py). A receipt changes the open amount of an invoice of any earlier month, so
the table is derived whole at every refresh (``info["whole"]``), whatever periods are asked for.

``facts_paying_customers``: one row per plant × customer with a positive receipt against an
invoice of the plant (``period``: the month of the first). Once every receipt is dated before
the as-of date, these are the customers whose payment delay is measured (a customer without a
receipt in the recent window gets the average). Derived whole, as the open receivables.

``facts_customer_receipts``: one row per positive receipt against an invoice, with its
customer, the invoice's plant and due date, the receipt date and amount (``period``: the
receipt's month). Once every receipt is dated before the as-of date, the receipts of a window
before it are this table's rows dated in the window, in receipt order
(``data_loaders.cash.load_receipt_history``: the payment delays, without joining 300 k receipts
to their invoices at every view). Derived whole: an invoice's due date may change at an import
of its own month, whatever month its receipts are in.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Column, Date, Numeric, String
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

facts_cash_plant_months = sa.Table(
    "facts_cash_plant_months", METADATA,
    Column("period", PERIOD, nullable=False),
    Column("plant_id", ID),
    *[Column(name, MONEY, nullable=False) for name in AMOUNTS],
    info={"grain": "one row per period x plant with a dated document"},
)

facts_cash_customer_months = sa.Table(
    "facts_cash_customer_months", METADATA,
    Column("period", PERIOD, nullable=False),
    Column("customer_id", ID, nullable=False),
    Column("invoiced_amount", MONEY, nullable=False),
    Column("received_amount", MONEY, nullable=False),
    info={"grain": "one row per period x customer with an invoice or a receipt"},
)

facts_open_receivables = sa.Table(
    "facts_open_receivables", METADATA,
    Column("period", PERIOD, nullable=False),
    Column("invoice_id", ID, nullable=False),
    Column("customer_id", ID, nullable=False),
    Column("plant_id", ID, nullable=False),
    Column("product_id", ID, nullable=False),
    Column("invoice_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("open_amount", MONEY, nullable=False),
    info={"grain": "one row per sales invoice the receipts of the data leave open", "whole": True},
)

facts_paying_customers = sa.Table(
    "facts_paying_customers", METADATA,
    Column("period", PERIOD, nullable=False),
    Column("plant_id", ID, nullable=False),
    Column("customer_id", ID, nullable=False),
    info={"grain": "one row per plant x customer with a positive receipt", "whole": True},
)

facts_customer_receipts = sa.Table(
    "facts_customer_receipts", METADATA,
    Column("period", PERIOD, nullable=False),
    Column("receipt_id", ID, nullable=False),
    Column("customer_id", ID, nullable=False),
    Column("plant_id", ID, nullable=False),
    Column("receipt_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("amount", Numeric(18, 2), nullable=False),
    info={"grain": "one row per positive receipt against a sales invoice", "whole": True},
)

TABLES = (facts_cash_documents, facts_cash_plant_months, facts_cash_customer_months, facts_open_receivables, facts_paying_customers,
          facts_customer_receipts)


def _in(period, periods: list[str] | None) -> list:
    return [period.in_(periods)] if periods is not None else []


def _document_selects(periods: list[str] | None) -> list[sa.Select]:
    """One grouped SELECT per document type, each with all five amounts (zero where the type has
    none), so that they stack: period, plant_id, customer_id, then ``AMOUNTS`` in order."""
    si, cr, pi, sp, po = s.sales_invoices, s.customer_receipts, s.supplier_invoices, s.supplier_payments, s.purchase_orders
    none = sa.cast(sa.null(), ID).label("customer_id")

    def amounts(**given) -> list:
        # a typed zero: Spark reads a bare DECIMAL as DECIMAL(10, 0), and a union needs one type per column
        return [(given[name] if name in given else sa.cast(sa.literal_column("0"), MONEY)).label(name) for name in AMOUNTS]

    p = period_of(si.c.invoice_date)
    credit = sa.case((si.c.due_date > si.c.invoice_date, si.c.net_amount), else_=0)
    out = [sa.select(p.label("period"), si.c.plant_id, si.c.customer_id,
                     *amounts(invoiced_amount=sa.func.sum(si.c.net_amount), credit_sales_amount=sa.func.sum(credit)))
           .where(*_in(p, periods)).group_by(p, si.c.plant_id, si.c.customer_id)]
    p = period_of(cr.c.receipt_date)
    out.append(sa.select(p.label("period"), si.c.plant_id, cr.c.customer_id, *amounts(received_amount=sa.func.sum(cr.c.amount)))
               .join(si, si.c.invoice_id == cr.c.invoice_id).where(*_in(p, periods)).group_by(p, si.c.plant_id, cr.c.customer_id))
    p = period_of(pi.c.invoice_date)
    out.append(sa.select(p.label("period"), po.c.plant_id, none, *amounts(supplier_invoiced_amount=sa.func.sum(pi.c.amount)))
               .join(po, po.c.purchase_order_id == pi.c.purchase_order_id).where(*_in(p, periods)).group_by(p, po.c.plant_id))
    p = period_of(sp.c.payment_date)
    out.append(sa.select(p.label("period"), po.c.plant_id, none, *amounts(paid_amount=sa.func.sum(sp.c.amount)))
               .join(pi, pi.c.supplier_invoice_id == sp.c.supplier_invoice_id)
               .join(po, po.c.purchase_order_id == pi.c.purchase_order_id).where(*_in(p, periods)).group_by(p, po.c.plant_id))
    return out


def _stacked_sums(periods: list[str] | None, keys: tuple[str, ...], amounts: tuple[str, ...] = AMOUNTS,
                  customers_only: bool = False) -> sa.Select:
    """The four document types stacked (``_document_selects``) and ``amounts`` summed per
    ``keys``; ``customers_only`` leaves the supplier side (no customer) out."""
    stacked = sa.union_all(*_document_selects(periods)).subquery("documents")
    by = [stacked.c[k] for k in keys]
    return (sa.select(*by, *[sa.func.sum(stacked.c[name]).label(name) for name in amounts])
            .where(*([stacked.c.customer_id.is_not(None)] if customers_only else [])).group_by(*by))


def select_documents(periods: list[str] | None) -> sa.Select:
    """The table's rows as one statement: the four document types stacked and summed per
    period x plant x customer (a NULL customer, the supplier side, is a group of its own). The
    database derives them (``INSERT … SELECT``, Spark SQL on a cluster), never pandas."""
    return _stacked_sums(periods, ("period", "plant_id", "customer_id"))


def select_plant_months(periods: list[str] | None) -> sa.Select:
    """``select_documents`` summed per period x plant (the customers together): what working
    capital reads, a few hundred rows where the customers' are a few hundred thousand."""
    return _stacked_sums(periods, ("period", "plant_id"))


def select_customer_months(periods: list[str] | None) -> sa.Select:
    """``select_documents``' invoiced and received amounts per period x customer (every plant
    together; the supplier side, without a customer, left out): DSO by customer for all plants."""
    return _stacked_sums(periods, ("period", "customer_id"), ("invoiced_amount", "received_amount"), customers_only=True)


def select_open_invoices(as_of: dt.date | None = None, *leading: sa.ColumnElement) -> sa.Select:
    """Sales invoices with money still to receive (``|net_amount − Σ receipts| > 0.005``): their
    customer, plant, product, dates and ``open_amount``, after ``leading`` columns. With
    ``as_of``, the invoices issued and the receipts dated before it (``data_loaders.cash``'s open
    items as of a date); without, every invoice after every receipt of the data."""
    si, cr = s.sales_invoices, s.customer_receipts
    before = (lambda column: [column < as_of]) if as_of is not None else (lambda column: [])
    paid = (sa.select(cr.c.invoice_id.label("document_id"), sa.func.sum(cr.c.amount).label("paid_amount"))
            .where(*before(cr.c.receipt_date)).group_by(cr.c.invoice_id).subquery())
    open_amount = si.c.net_amount - sa.func.coalesce(paid.c.paid_amount, 0)
    return (sa.select(*leading, si.c.invoice_id, si.c.customer_id, si.c.plant_id, si.c.product_id, si.c.invoice_date, si.c.due_date,
                      open_amount.label("open_amount"))
            .outerjoin(paid, paid.c.document_id == si.c.invoice_id)
            .where(*before(si.c.invoice_date), sa.func.abs(open_amount) > 0.005))


def select_open_receivables() -> sa.Select:
    """Every invoice with money still to receive after all the receipts of the data: the open
    items as of any date after the last receipt (``select_open_invoices``, which
    ``data_loaders.cash.load_open_receivables`` reads as of a date otherwise), with the
    invoice's month as ``period``."""
    return select_open_invoices(None, period_of(s.sales_invoices.c.invoice_date).label("period"))


def select_paying_customers() -> sa.Select:
    """Each plant x customer with a positive receipt against one of the plant's invoices, with
    the month of the first as ``period``: the customers ``data_loaders.cash.load_paying_customers``
    names once every receipt is history."""
    si, cr = s.sales_invoices, s.customer_receipts
    return (sa.select(period_of(sa.func.min(cr.c.receipt_date)).label("period"), si.c.plant_id, cr.c.customer_id)
            .join(si, si.c.invoice_id == cr.c.invoice_id).where(cr.c.amount > 0).group_by(si.c.plant_id, cr.c.customer_id))


def select_customer_receipts() -> sa.Select:
    """Each positive receipt against an invoice with the invoice's plant and due date: the rows
    ``data_loaders.cash.load_receipt_history`` reads once every receipt is history."""
    si, cr = s.sales_invoices, s.customer_receipts
    return (sa.select(period_of(cr.c.receipt_date).label("period"), cr.c.receipt_id, cr.c.customer_id, si.c.plant_id, cr.c.receipt_date,
                      si.c.due_date, cr.c.amount)
            .join(si, si.c.invoice_id == cr.c.invoice_id).where(cr.c.amount > 0))


def selects(periods: list[str] | None) -> dict[str, list[sa.Select]]:
    """``facts.refresh``'s in-database derivation of ``facts_cash_documents``,
    ``facts_cash_plant_months`` and ``facts_cash_customer_months`` (the periods asked for),
    ``facts_open_receivables``, ``facts_paying_customers`` and ``facts_customer_receipts``
    (whole, see the module)."""
    return {facts_cash_documents.name: [select_documents(periods)], facts_cash_plant_months.name: [select_plant_months(periods)],
            facts_cash_customer_months.name: [select_customer_months(periods)],
            facts_open_receivables.name: [select_open_receivables()], facts_paying_customers.name: [select_paying_customers()],
            facts_customer_receipts.name: [select_customer_receipts()]}


def derive(engine: Engine, periods: list[str] | None) -> dict[str, pd.DataFrame]:
    """Nothing in pandas: the table is derived in the database (``selects``)."""
    return {}
