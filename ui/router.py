"""The router's body: page config, navigation, language switch, filters, then the page.

``app.py`` calls ``run()``. A page script calls ``ensure_router()`` (through
``ui.data.context``): on a fresh server Streamlit treats a ``pages/`` folder the legacy way
until ``st.navigation`` is first called, so a deep link opened first runs the page alone.
The guard then runs the router in place, which ends legacy mode and draws the same page with
its filters, and stops the bare run; nothing is rerun, so no click is lost.
"""

from __future__ import annotations

import logging

import streamlit as st

from ui import data, filters
from ui.i18n import t
from ui.style import apply_style

log = logging.getLogger("bfi")


def _pages() -> dict:
    return {
        t("nav_overview"): [st.Page("pages/overview.py", title=t("page_overview"), icon=":material/dashboard:", url_path="overview", default=True)],
        t("nav_operations"): [
            st.Page("pages/production.py", title=t("page_production"), icon=":material/factory:", url_path="production"),
            st.Page("pages/oee.py", title=t("page_oee"), icon=":material/precision_manufacturing:", url_path="oee"),
        ],
        t("nav_finance"): [
            st.Page("pages/ledger.py", title=t("page_ledger"), icon=":material/menu_book:", url_path="ledger"),
            st.Page("pages/profitability.py", title=t("page_profitability"), icon=":material/trending_up:", url_path="profitability"),
            st.Page("pages/budget.py", title=t("page_budget"), icon=":material/track_changes:", url_path="budget"),
            st.Page("pages/cash.py", title=t("page_cash"), icon=":material/account_balance:", url_path="cash"),
            st.Page("pages/vouchers.py", title=t("page_vouchers"), icon=":material/manage_search:", url_path="vouchers"),
            st.Page("pages/reconciliation.py", title=t("page_reconciliation"), icon=":material/balance:", url_path="reconciliation"),
        ],
        t("nav_data"): [st.Page("pages/data.py", title=t("page_data"), icon=":material/database:", url_path="data")],
    }


def run() -> None:
    """Everything app.py does; errors become messages, never tracebacks."""
    st.set_page_config(page_title="业财融合 Business–finance analytics", page_icon=":material/dashboard:", layout="wide")
    apply_style()
    filters.render_language()
    navigation = st.navigation(_pages())
    url = data.database_url()
    try:
        data.ensure_database(url, t)
        options = data.filter_options(url)
    except Exception as exc:  # an unreachable or foreign database is a message
        log.exception("database unavailable")
        st.error(t("error_database", message=f"{data.display_url(url)} — {str(exc).splitlines()[0]}"))
        st.stop()
    scope, choice = filters.render_filters(options)
    data.set_context(url, scope, choice)
    try:
        navigation.run()
    except Exception as exc:
        log.exception("page failed")
        st.error(t("error_generic", message=str(exc).splitlines()[0] if str(exc) else type(exc).__name__))


def ensure_router() -> None:
    """Run the router in place if Streamlit's legacy pages/ mode started this page without it."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        run()
        st.stop()
