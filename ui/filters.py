"""The global filters and the language switch, rendered once in the sidebar by app.py.

Their widget keys live in ``st.session_state``, so choices survive page changes; the
result is one ``Scope`` that every page passes to ``ui.data``.
"""

from __future__ import annotations

import streamlit as st

from data_loaders.scope import Scope
from ui.i18n import LANGS, t

KEY_LANG = "lang"
KEY_PERIOD = "f_period"
KEY_PLANTS = "f_plants"
KEY_FAMILIES = "f_families"


def _keep_language() -> None:
    # A click on the selected option would clear it; keep the last language instead.
    if st.session_state.get(KEY_LANG) not in LANGS:
        st.session_state[KEY_LANG] = st.session_state.get("_lang_last", "zh")
    st.session_state["_lang_last"] = st.session_state[KEY_LANG]


def render_language() -> None:
    if st.session_state.get(KEY_LANG) not in LANGS:
        st.session_state[KEY_LANG] = st.session_state.get("_lang_last", "zh")
    st.sidebar.segmented_control(
        "语言 / Language", options=list(LANGS), format_func=LANGS.get, key=KEY_LANG, selection_mode="single",
        on_change=_keep_language,
    )


def default_period_range(periods: list[str]) -> tuple[str, str]:
    """The last twelve periods before the latest (which is the month still open)."""
    if len(periods) == 1:
        return periods[0], periods[0]
    closed = periods[:-1]
    return closed[max(0, len(closed) - 12)], closed[-1]


def render_filters(options: dict) -> Scope:
    """Period range, plants and product families in the sidebar; returns the Scope."""
    st.sidebar.subheader(t("filters"))
    periods = options["periods"]
    if not periods:
        return Scope()
    current = st.session_state.get(KEY_PERIOD)
    if not (isinstance(current, (tuple, list)) and len(current) == 2 and all(p in periods for p in current)):
        st.session_state[KEY_PERIOD] = default_period_range(periods)
    start, end = st.sidebar.select_slider(t("period_range"), options=periods, key=KEY_PERIOD)
    plant_names = dict(options["plants"])
    plants = st.sidebar.multiselect(t("plants"), options=list(plant_names), format_func=lambda p: f"{p} {plant_names[p]}",
                                    key=KEY_PLANTS, placeholder=t("all"))
    families = st.sidebar.multiselect(t("families"), options=options["families"], key=KEY_FAMILIES, placeholder=t("all"))
    return Scope(start, end, tuple(sorted(plants)), tuple(sorted(families)))
