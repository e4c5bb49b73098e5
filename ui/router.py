"""The router's body: page config, navigation, language switch, filters, then the page.

``app.py`` calls ``run()``. A page script calls ``ensure_router()`` (through
``ui.data.context``): on a fresh server Streamlit treats a ``pages/`` folder the legacy way
until ``st.navigation`` is first called, so a deep link opened first runs the page alone.
The guard then runs the router in place, which ends legacy mode and draws the same page with
its filters, and stops the bare run; nothing is rerun, so no click is lost.
"""

from __future__ import annotations

import logging
from urllib.parse import urlparse

import streamlit as st

from data_loaders import access
from data_loaders.memory import release_memory
from ui import auth, data, filters
from ui.i18n import t
from ui.text import md
from ui.style import apply_style

log = logging.getLogger("bfi")


# (section, page key = script name = url path, icon); the first page is the default
PAGES = (
    ("nav_overview", "overview", ":material/dashboard:"),
    ("nav_overview", "meeting", ":material/co_present:"),
    ("nav_operations", "production", ":material/factory:"),
    ("nav_operations", "oee", ":material/precision_manufacturing:"),
    ("nav_finance", "ledger", ":material/menu_book:"),
    ("nav_finance", "profitability", ":material/trending_up:"),
    ("nav_finance", "budget", ":material/track_changes:"),
    ("nav_finance", "cash", ":material/account_balance:"),
    ("nav_finance", "vouchers", ":material/manage_search:"),
    ("nav_finance", "reconciliation", ":material/balance:"),
    ("nav_data", "data", ":material/database:"),
    ("nav_data", "audit", ":material/policy:"),
)


# Streamlit serves the default page at "/" only, yet it still claims the url path it declares:
# the overview declares this one, so that "/overview" (typed, bookmarked, or in an older link) is
# free for a hidden page that opens the overview at "/" with the same query.
DEFAULT_PATH = "start"


def _page(key: str, icon: str) -> st.Page:
    default = key == PAGES[0][1]
    return st.Page(f"pages/{key}.py", title=t(f"page_{key}"), icon=icon, url_path=DEFAULT_PATH if default else key,
                   default=default)


def _pages(user) -> dict:
    """The navigation: only the pages the user's role may open (``data_loaders.access``), and
    the hidden address of the default page."""
    sections: dict[str, list] = {}
    for section, key, icon in PAGES:
        if access.may_open(user, key):
            sections.setdefault(t(section), []).append(_page(key, icon))
    default = next((p for pages in sections.values() for p in pages if p.url_path == ""), None)
    if default is not None:
        def to_default() -> None:
            st.switch_page(default, query_params=st.query_params.to_dict())

        sections.setdefault(t(PAGES[0][0]), []).append(
            st.Page(to_default, title=default.title, url_path=PAGES[0][1], visibility="hidden"))
    return sections


def _requested_page() -> str:
    """The page named in the browser's address ("" for the main page or where unknown)."""
    try:
        path = urlparse(st.context.url or "").path
    except Exception:
        return ""
    return path.rstrip("/").rsplit("/", 1)[-1]


def run() -> None:
    """Everything app.py does; errors become messages, never tracebacks."""
    st.set_page_config(page_title="业财融合 Business–finance analytics", page_icon=":material/dashboard:", layout="wide")
    apply_style()
    filters.render_language()
    user = auth.require()  # nobody sees data before signing in (local single-user mode on 127.0.0.1)
    if user is None:
        # the form answers every page's address, so that a deep link opens its page after signing in
        st.navigation([st.Page(auth.sign_in_page, title=t("auth_title"), url_path=DEFAULT_PATH, default=True)]
                      + [st.Page(auth.sign_in_page, title=t("auth_title"), url_path=key) for _, key, _ in PAGES],
                      position="hidden").run()
        return
    auth.render_user(user)
    navigation = st.navigation(_pages(user), position="top")  # the sidebar is for the filters: the month stays in view
    asked = _requested_page()
    if asked in access.ALL_PAGES and not access.may_open(user, asked):
        st.error(t("auth_not_permitted"))  # says so and shows nothing of the page
        st.stop()
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
            st.error(t("error_database", message=md(f"{data.display_url(url)} — {_first_line(exc)}")))
        st.stop()
    _say_data_state(state)
    options = {**options, "plants": [p for p in options["plants"] if p[0] in access.allowed_plants(user, [x[0] for x in options["plants"]])]}
    scope, choice = filters.render_filters(options)
    scope = access.restrict(scope, user)
    data.set_context(url, scope, choice, user)
    try:
        navigation.run()
    except Exception as exc:
        log.exception("page failed")
        if data.is_stale():  # a figure that was never cached while the database was reachable
            st.warning(t("stale_nothing_cached", time=state["checked_at"]))
        else:
            st.error(t("error_generic", message=md(_first_line(exc))))
    finally:
        # after the first page: the cash page's model imports, then its baseline for these plants
        # (once per data version and plants), so that the cash page's first view finds both done
        data.preload_forecasting(url, tuple(scope.plants))
        release_memory()  # a page's temporaries, freed, would otherwise stay in the server's resident size


def _first_line(exc: Exception) -> str:
    said = str(getattr(exc, "orig", None) or exc)  # a driver's words, without SQLAlchemy's class prefix
    return said.splitlines()[0] if said.strip() else type(exc).__name__


def _say_data_state(state: dict) -> None:
    """"Data updated at …" once when another import changed the data; the stale label on every
    run while the database cannot be reached."""
    if state["stale"]:
        st.warning(t("data_stale", time=state["checked_at"]))
        st.caption(md(state["reason"]))
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
