"""Drill-down in place: one click on a voucher or work-order key in any table opens the
drill-down page in the same tab and session; a selected row's detail is scrolled into view;
copyable links are absolute; "Back" returns to where the drill started.

How the navigation behaves:

- A table drawn with ``render_table(..., drill=True)`` shows its ``voucher_no`` and
  ``work_order_id`` cells as buttons (``st.column_config.ButtonColumn``). One click reruns
  the app; ``follow_click`` then calls ``st.switch_page("pages/vouchers.py",
  query_params=...)`` with the key (``voucher=`` / ``work_order=``) and the current filter
  parameters (``lang``, ``mode``, ``month``, ``plant`` …). Same tab, same session: the
  filters and the language are session state and survive; they are in the URL as well, so
  the address bar can be copied.
- Before switching, ``drill_to`` pushes the origin (its page, its query parameters and the
  rows selected in its tables) on a short history in session state. The drill-down page's
  "← Back" button (``render_back``) pops it, switches back with those parameters and
  selects the same rows again (Streamlit drops a page's widget state once another page has
  run, so the selections are restored from the history).
- Streamlit's front end pushes a browser-history entry when the page changes, so the
  browser's back button also returns to the origin page (with its filters from the URL,
  without its row selections).
- ``absolute_link`` builds ``http(s)://host/…/vouchers?voucher=…&lang=…`` from
  ``st.context.url``: a link that opens the same view in a new session.
- ``scroll_here`` puts an anchor above a detail and scrolls it into view when the selection
  behind it has just changed (``st.html`` with JavaScript, which runs in the page itself).
"""

from __future__ import annotations

import html
import json
import os
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from ui.i18n import t

DRILL_SCRIPT = "pages/vouchers.py"
DRILL_PATH = "vouchers"
KEY_PARAMS = {"voucher_no": "voucher", "work_order_id": "work_order"}  # key column -> query parameter
HISTORY = "_drill_history"  # [{"page", "params", "rows", "target"}], newest last
ROWS = "_drill_rows"  # {page: {table key: selected rows}} as last drawn
RESTORE = "_drill_restore"  # {"page", "rows"}: selections to put back after "Back"
SCROLLED = "_drill_scrolled"  # {anchor: token} of the details already scrolled to
MAX_HISTORY = 20
LINKED = "_drill_linked"  # the links (page, table, parameters) whose record was selected once


def _ctx():
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return get_script_run_ctx()


def current_page() -> str:
    """The running page's script relative to the app's folder (``pages/production.py``)."""
    ctx = _ctx()
    if ctx is None:
        return ""
    info = ctx.pages_manager.get_pages().get(ctx.page_script_hash, {})
    path = info.get("script_path") or ""
    root = os.path.dirname(ctx.main_script_path)
    return os.path.relpath(path, root).replace(os.sep, "/") if path else ""


def _page_title_key(page: str) -> str:
    return "page_" + os.path.splitext(os.path.basename(page))[0]


def _params() -> dict[str, list[str]]:
    params = st.query_params
    return {name: params.get_all(name) for name in params}


def filter_params() -> dict[str, list[str]]:
    """The query parameters that state language and scope (everything but the drill keys)."""
    return {name: values for name, values in _params().items() if name not in KEY_PARAMS.values()}


def drill_to(param: str, value: str) -> None:
    """Open the drill-down page on ``param=value`` (``voucher`` or ``work_order``) in this
    session, remembering where the user came from."""
    page = current_page()
    history = st.session_state.setdefault(HISTORY, [])
    history.append({"page": page, "params": _params(), "rows": dict(st.session_state.get(ROWS, {}).get(page, {})),
                    "target": [param, value]})
    del history[:-MAX_HISTORY]
    st.switch_page(DRILL_SCRIPT, query_params={param: value, **filter_params()})


def button_columns(frame: pd.DataFrame, labels: dict[str, str], key: str) -> dict:
    """Column configs that make each key column's cells one-click buttons, pinned to the left
    so that a wide table does not hide them; ``labels`` maps a column to its on-screen header."""
    config = {}
    for col in KEY_PARAMS:
        if col in frame:
            config[labels[col]] = st.column_config.ButtonColumn(labels[col], type="tertiary", help=t("drill_help"),
                                                                 pinned=True, key=f"{key}.{col}")
    return config


def follow_click(frame: pd.DataFrame, key: str) -> None:
    """After the table is drawn: if a key cell was just clicked, open its drill-down."""
    for col, param in KEY_PARAMS.items():
        if col not in frame:
            continue
        click = st.session_state.get(f"{key}.{col}")
        if not click:
            continue
        values = frame[col]
        label = click["label"]  # the button's label is the key itself, whatever the sort order on screen
        if not (values == label).any():
            row = click["row"]
            label = values.iloc[row] if 0 <= row < len(values) else None
        if isinstance(label, str) and label:
            drill_to(param, label)


def remember_selection(key: str, rows: list[int]) -> None:
    """Note the rows selected in a table of this page (for "Back" to select them again)."""
    page = current_page()
    pages = st.session_state.setdefault(ROWS, {})
    if rows:
        pages.setdefault(page, {})[key] = list(rows)
    else:
        pages.get(page, {}).pop(key, None)


def restore_selection(key: str) -> None:
    """Before a selectable table is drawn: after "Back", select the rows it had."""
    restore = st.session_state.get(RESTORE)
    if not restore:
        return
    if restore["page"] != current_page():  # the user went elsewhere: forget it
        st.session_state.pop(RESTORE, None)
        return
    rows = restore["rows"].pop(key, None)
    if rows:
        st.session_state[key] = {"selection": {"rows": rows, "columns": [], "cells": []}}


def back_target() -> dict | None:
    """Where "Back" goes, if the page shown was reached by a drill (its key is still the one
    the drill opened)."""
    history = st.session_state.get(HISTORY) or []
    if not history:
        return None
    param, value = history[-1]["target"]
    return history[-1] if st.query_params.get(param) == value else None


def retarget(param: str, value: str) -> None:
    """The drill-down page moved to another key by itself (a row picked in its own tables):
    "Back" still goes to the origin."""
    target = back_target()
    if target is not None:
        target["target"] = [param, value]


def go_back() -> None:
    """Return to the page the last drill started from, with its parameters and selections."""
    history = st.session_state.get(HISTORY) or []
    if not history:
        return
    entry = history.pop()
    st.session_state[RESTORE] = {"page": entry["page"], "rows": dict(entry["rows"])}
    st.session_state.pop(SCROLLED, None)  # show the detail the user left from
    params = {name: values for name, values in entry["params"].items() if values}
    st.switch_page(entry["page"], query_params=params)


def render_back() -> None:
    """A "← Back to …" button when the page was reached by a drill."""
    target = back_target()
    if target is None:
        return
    title = t(_page_title_key(target["page"]))
    if st.button(t("drill_back", p=title), key="drill_back", icon=":material/arrow_back:"):
        go_back()


def app_url() -> str | None:
    """The app's address in the user's browser (``https://host/prefix``), or None outside a
    browser session."""
    ctx = _ctx()
    url = st.context.url
    if not url or ctx is None:
        return None
    from streamlit.runtime.context_util import maybe_trim_page_path

    return maybe_trim_page_path(url, ctx.pages_manager).rstrip("/")


def absolute_link(param: str, value: str) -> str:
    """The drill-down of one key as a link that opens the same view in a new session:
    ``http://host/vouchers?work_order=WO-1&lang=en&mode=ytd``; relative when no browser
    address is known (tests, scripts)."""
    query = urlencode([(param, value)] + [(name, v) for name, values in filter_params().items() for v in values])
    base = app_url()
    return f"{base}/{DRILL_PATH}?{query}" if base else f"{DRILL_PATH}?{query}"


def scroll_here(name: str, token) -> None:
    """An anchor for a detail panel; the browser scrolls it into view when ``token`` (the
    selection the detail shows) differs from the one last scrolled to."""
    anchor = f"bfi-detail-{name}"
    seen = st.session_state.setdefault(SCROLLED, {})
    token = json.dumps(token, default=str)
    if seen.get(name) == token:
        st.html(f'<div id="{anchor}"></div>')
        return
    seen[name] = token
    st.html(f'<div id="{anchor}" data-token="{html.escape(token)}"></div>'
            f"<script>setTimeout(function () {{ var el = document.getElementById({json.dumps(anchor)});"
            f" if (el) el.scrollIntoView({{behavior: 'smooth', block: 'start'}}); }}, 250);</script>",
            unsafe_allow_javascript=True)


def select_linked(key: str, frame: pd.DataFrame, columns: dict[str, str], last: bool = False) -> None:
    """Before a selectable table is drawn: select the row a link names (an early warning opens
    its page with the record's keys in the URL: ``columns`` maps a table column to its query
    parameter, e.g. ``{"cost_center_node": "cost_center"}``). Once per link, so that the user
    may then pick another row; nothing when a parameter is absent or no row matches. ``last``:
    the last matching row (the latest month of a work center), else the first."""
    wanted = {column: st.query_params.get(param) for column, param in columns.items()}
    if any(v is None for v in wanted.values()) or frame.empty:
        return
    done = st.session_state.setdefault(LINKED, set())
    token = (current_page(), key, tuple(sorted(wanted.items())))
    if token in done:
        return
    done.add(token)
    hit = pd.Series(True, index=frame.index)
    for column, value in wanted.items():
        if pd.api.types.is_datetime64_any_dtype(frame[column]):  # a week or day: its date
            hit &= pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d").eq(value)
        else:
            hit &= frame[column].astype(str).eq(value)
    rows = [i for i, ok in enumerate(hit.to_numpy()) if ok]
    if rows:
        st.session_state[key] = {"selection": {"rows": rows[-1:] if last else rows[:1], "columns": [], "cells": []}}
