"""Choice widgets whose option labels follow the language.

Streamlit 1.67 sends a selectbox's or segmented control's value over the wire as the option's
*label*; when the language changes, the old label matches no new option and the widget
returns a foreign string. So each such widget lives under a per-language key
(``"mode.zh"``, ``"mode.en"``), and its value is kept under the plain key (``"mode"``) that
the rest of the app, the URL and tests read and set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from ui.i18n import lang


def widget_key(key: str) -> str:
    """The key of the widget drawn for ``key`` in the current language."""
    return f"{key}.{lang()}"


def set_choice(key: str, value) -> None:
    """Set a choice from code (a callback or a URL): the value and its widget agree."""
    st.session_state[key] = value
    st.session_state[widget_key(key)] = value


def _copy_back(key: str, options: Sequence, sticky: bool) -> None:
    value = st.session_state.get(widget_key(key))
    if value in options:
        st.session_state[key] = value
    elif sticky:  # a click on the selected segment clears it: keep what was shown
        st.session_state[widget_key(key)] = st.session_state.get(key, st.session_state.get(f"{key}._shown"))


def choice(kind: str, label: str, options: Sequence, format_func: Callable, key: str, default, where=None,
           on_change: Callable | None = None, **kwargs):
    """A selectbox (``kind="selectbox"``) or single-choice segmented control (``"segmented"``)
    over ``options``; returns the chosen option (never None, never a label)."""
    where = where or st
    value = st.session_state.get(key)
    if value not in options:  # not chosen yet (or no longer an option): the default, which may follow the data
        st.session_state.pop(key, None)
        value = default
    st.session_state[f"{key}._shown"] = value
    wkey = widget_key(key)
    if st.session_state.get(wkey) != value:  # set from code, the URL or the other language's widget
        st.session_state[wkey] = value

    # labels made now, in this run's language: a format function that read the language later
    # (AppTest formats values after the run) would mix languages
    labels = {option: str(format_func(option)) for option in options}
    format_func = labels.get

    def changed():
        _copy_back(key, options, sticky=kind == "segmented")
        if on_change:
            on_change()

    if kind == "segmented":
        where.segmented_control(label, options=list(options), format_func=format_func, key=wkey, selection_mode="single",
                                on_change=changed, **kwargs)
    else:
        where.selectbox(label, list(options), format_func=format_func, key=wkey, on_change=changed, **kwargs)
    return st.session_state.get(key, value)
