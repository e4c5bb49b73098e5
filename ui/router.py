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
    navigation = st.navigation(_pages(), position="top")  # the sidebar is for the filters: the month stays in view
    url = data.database_url()
    try:
        data.ensure_database(url, t)
        state = data.check_version(url)
        options = data.filter_options(url)
    except Exception as exc:  # an unreachable or foreign database is a message
        log.exception("database unavailable")
        if data.is_stale():
            st.warning(t("stale_nothing_cached", time=data.data_state()["checked_at"]))
        else:
            st.error(t("error_database", message=f"{data.display_url(url)} — {_first_line(exc)}"))
        st.stop()
    _say_data_state(state)
    scope, choice = filters.render_filters(options)
    data.set_context(url, scope, choice)
    try:
        navigation.run()
    except Exception as exc:
        log.exception("page failed")
        if data.is_stale():  # a figure that was never cached while the database was reachable
            st.warning(t("stale_nothing_cached", time=state["checked_at"]))
        else:
            st.error(t("error_generic", message=_first_line(exc)))


def _first_line(exc: Exception) -> str:
    said = str(getattr(exc, "orig", None) or exc)  # a driver's words, without SQLAlchemy's class prefix
    return said.splitlines()[0] if said.strip() else type(exc).__name__


def _say_data_state(state: dict) -> None:
    """"Data updated at …" once when another import changed the data; the stale label on every
    run while the database cannot be reached."""
    if state["stale"]:
        st.warning(t("data_stale", time=state["checked_at"]))
        st.caption(state["reason"])
        return
    updated = data.data_changed()
    if updated:
        st.toast(t("data_updated", time=updated), icon=":material/sync:")


def ensure_router() -> None:
    """Run the router in place if Streamlit's legacy pages/ mode started this page without it."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        run()
        st.stop()
