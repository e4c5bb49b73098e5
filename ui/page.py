"""What every page draws first: its title and one line that states its scope.

``url, scope, currency = open_page("page_budget", applies=("period", "plants"))`` draws the
title, the scope line ("2026年10月 · 工厂 全部 · 万元") and, where the user set a filter that
this page does not use, says so. The currency comes from the scope's plants (#15): on a page
that shows amounts, plants of several currencies are shown side by side instead, each in its
own currency and never summed (``ui.currency``), with one button per currency that narrows the
plant filter to it; the page itself draws once the scope has one currency.
"""

from __future__ import annotations

import streamlit as st

from data_loaders.scope import Scope
from ui import data
from ui.filters import FILTERS, not_applied, scope_text
from ui.format import METRIC_DELTA_ARROW
from ui.i18n import LANGS, joined, lang, t, tables_text
from ui.text import md

# The contract tables each page reads (measured: every SQL statement a page runs on the sample,
# with cold caches). A page whose tables are missing says which instead of a catalog error.
PAGE_TABLES: dict[str, tuple[str, ...]] = {
    "page_overview": (
        "accounts", "bank_accounts", "bom", "budgets", "cash_balances", "cost_centers", "customer_receipts",
        "customers", "labor_logs", "machine_events", "material_issues", "materials", "output_counts", "plants",
        "production_plan", "products", "purchase_orders", "routings", "sales_invoices", "sales_orders",
        "supplier_invoices", "supplier_payments", "suppliers", "voucher_lines", "vouchers", "work_centers",
        "work_orders",
    ),
    "page_production": (
        "output_counts", "plants", "products", "vouchers", "work_orders",
    ),
    "page_oee": (
        "machine_events", "output_counts", "plants", "products", "routings", "vouchers", "work_center_calendar",
        "work_centers", "work_orders",
    ),
    "page_ledger": (
        "accounts", "budgets", "cost_centers", "plants", "products", "voucher_lines", "vouchers",
    ),
    "page_profitability": (
        "accounts", "bank_accounts", "bom", "budgets", "cash_balances", "cost_centers", "customers", "labor_logs",
        "machine_events", "material_issues", "materials", "output_counts", "plants", "products", "routings",
        "sales_invoices", "voucher_lines", "vouchers", "work_centers", "work_orders",
    ),
    "page_budget": (
        "accounts", "budgets", "cost_centers", "plants", "products", "purchase_orders", "voucher_lines", "vouchers",
    ),
    "page_cash": (
        "accounts", "bank_accounts", "bom", "budgets", "cash_balances", "cost_centers", "customer_receipts",
        "customers", "materials", "output_counts", "plants", "production_plan", "products", "purchase_orders",
        "routings", "sales_invoices", "sales_orders", "supplier_invoices", "supplier_payments", "suppliers",
        "voucher_lines", "vouchers", "work_centers", "work_orders",
    ),
    "page_vouchers": (
        "accounts", "cost_centers", "plants", "products", "voucher_lines", "vouchers",
    ),
    "page_reconciliation": (
        "accounts", "cost_centers", "customer_receipts", "labor_logs", "machine_events", "material_issues",
        "plants", "products", "purchase_orders", "sales_invoices", "supplier_invoices", "supplier_payments",
        "voucher_lines", "vouchers", "work_centers", "work_orders",
    ),
}


# pages that show amounts: plants of several currencies are shown side by side instead (never a mixed total, #15)
MONEY_PAGES = frozenset(PAGE_TABLES) | {"page_meeting"}


def open_page(title_key: str, applies=FILTERS, note: str | None = None) -> tuple[str, Scope, str]:
    """Title, scope line and filter notes; returns (database URL, scope, currency). The currency
    is the scope's plants' (``data.scope_currency``); when those plants use several currencies, a
    page that shows amounts draws them side by side per plant (``ui.currency``) and stops there,
    as amounts are never summed across currencies; another page (the data page's records, each
    of its plant) gets every code, "CNY/USD", never one of them."""
    url, scope, _ = data.context()
    st.title(t(title_key))
    currency, by_plant = data.scope_currency(url, scope)
    if by_plant and title_key in MONEY_PAGES:  # never a total across currencies: the plants side by side (#15)
        from ui.currency import render_side_by_side

        render_side_by_side(url, scope, by_plant)
        st.stop()  # the page's own charts and cards need one currency
    if by_plant:  # a page that lists records, each of its plant: labelled with every currency, never one of them
        currency = "/".join(sorted(set(by_plant.values())))
    options = data.filter_options(url)
    line = scope_text(scope, data.period_choice(), currency, applies, dict(options.get("plants", [])))
    ignored = not_applied(scope, applies)
    if ignored:
        line += " · " + t("filters_not_applied", f=joined(ignored))  # "Periods, Plants" in English
    if note:
        line += " · " + note
    st.caption(md(line))  # plant names come from the data: shown as typed, never as Markdown
    info = data.dataset_info(url)
    require(url, PAGE_TABLES.get(title_key, ()))
    if title_key in PAGE_TABLES and not options.get("periods"):  # an empty database: nothing to draw yet
        st.info(t("database_empty"))
        st.stop()
    st.session_state["_page_title"] = t(title_key)
    st.session_state["_export_about"] = [
        (t("export_scope"), line), (t("export_language"), LANGS[lang()]),
        (t("export_database"), data.display_url(url)),
        (t("as_of"), info.get("as_of_date", "—")), (t("last_import"), info.get("last_import_at", t("never"))),
    ]
    return url, scope, currency


def require(url: str, tables) -> None:
    """Stop the page with a message naming the tables (or columns) it needs that the database
    lacks."""
    lacking = data.missing(url, tables)
    if not lacking:
        return
    names = [n for n in lacking if "." not in n]
    if names:
        st.info(t("page_needs_tables", tables=tables_text(names)))  # contract names and labels: trusted
    else:
        st.info(t("page_needs_columns", columns=", ".join(lacking)))  # contract names: trusted
    st.stop()


def metric(where, label: str, value: str, delta: str | None = None, **kwargs):
    """A KPI card: the change carries its sign and colour, never an arrow as well (one sign
    convention); long labels wrap instead of being cut."""
    return where.metric(label, value, delta, delta_arrow=METRIC_DELTA_ARROW, **kwargs)
