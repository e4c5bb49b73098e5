"""What every page draws first: its title and one line that states its scope.

``url, scope, currency = open_page("page_budget", applies=("period", "plants"))`` draws the
title, the scope line ("2026年10月 · 工厂 全部 · 万元") and, where the user set a filter that
this page does not use, says so.
"""

from __future__ import annotations

import streamlit as st

from data_loaders.scope import Scope
from ui import data
from ui.filters import FILTERS, not_applied, scope_text
from ui.format import METRIC_DELTA_ARROW
from ui.i18n import LANGS, lang, t


def open_page(title_key: str, applies=FILTERS, note: str | None = None) -> tuple[str, Scope, str]:
    """Title, scope line and filter notes; returns (database URL, scope, currency)."""
    url, scope, currency = data.context()
    st.title(t(title_key))
    options = data.filter_options(url)
    line = scope_text(scope, data.period_choice(), currency, applies, dict(options.get("plants", [])))
    ignored = not_applied(scope, applies)
    if ignored:
        line += " · " + t("filters_not_applied", f="、".join(ignored))
    if note:
        line += " · " + note
    st.caption(line)
    info = data.dataset_info(url)
    st.session_state["_page_title"] = t(title_key)
    st.session_state["_export_about"] = [
        (t("export_scope"), line), (t("export_language"), LANGS[lang()]),
        (t("export_database"), data.display_url(url)),
        (t("as_of"), info.get("as_of_date", "—")), (t("last_import"), info.get("last_import_at", t("never"))),
    ]
    return url, scope, currency


def metric(where, label: str, value: str, delta: str | None = None, **kwargs):
    """A KPI card: the change carries its sign and colour, never an arrow as well (one sign
    convention); long labels wrap instead of being cut."""
    return where.metric(label, value, delta, delta_arrow=METRIC_DELTA_ARROW, **kwargs)
