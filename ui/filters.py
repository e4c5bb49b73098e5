"""The global filters, the language switch and the money unit, rendered once in the sidebar by
the router, and the one-line statement of scope every page shows under its title.

Finance people pick a span by **mode** and **month**: the month (default: the last closed
month, the one before the as-of date's), the quarter to that month, the year to date, the
rolling twelve months, or a custom range. Every control is bound to the URL's query
parameters (``?lang=en&mode=ytd&month=2026-09&plant=P1``), so a link reproduces what its
sender saw. The URL carries codes (``mode=ytd``), never labels, so a link works in either
language: it is read once when a session starts and rewritten after every run. The result is one ``Scope`` (and the
``PeriodChoice`` behind it, for comparisons that follow the mode) that pages pass to ``ui.data``.
"""

from __future__ import annotations

import streamlit as st

from data_loaders.scope import MODES, PeriodChoice, Scope, last_closed_period, month_add
from ui.codes import localized_name
from ui.format import KEY_UNIT, UNITS, UNIT_NAMES, money_unit_label
from ui.i18n import LANGS, joined, lang, t
from ui.widgets import choice as choice_widget
from ui.widgets import set_choice

KEY_LANG = "lang"
KEY_MODE = "mode"
KEY_MONTH = "month"
KEY_FROM = "from"
KEY_PLANTS = "plant"
KEY_FAMILIES = "family"
URL_SINGLE = ("lang", "mode", "month", "from", KEY_UNIT)
URL_LISTS = ("plant", "family")
FILTERS = ("period", "plants", "families")


def read_url_once() -> None:
    """Take the filters from the URL (a shared link) when a session starts, and whenever a
    control has no value of its own (Streamlit drops widget state when a deep link first opens
    a page outside the router); values that are not valid options fall back to the defaults."""
    first = not st.session_state.get("_url_read")
    st.session_state["_url_read"] = True
    params = st.query_params
    for key in URL_SINGLE:
        if key in params and (first or st.session_state.get(key) is None):
            st.session_state[key] = params[key]
    for key in URL_LISTS:
        if key in params and (first or key not in st.session_state):
            st.session_state[key] = [v for v in params.get_all(key) if v]


def write_url(scope: Scope, choice: PeriodChoice | None, default: str | None) -> None:
    """Put the current choices in the URL (defaults left out), keeping other parameters."""
    wanted = {KEY_LANG: lang() if lang() != "zh" else None,
              KEY_UNIT: st.session_state.get(KEY_UNIT) if st.session_state.get(KEY_UNIT, "auto") != "auto" else None,
              KEY_MODE: choice.mode if choice and choice.mode != "month" else None,
              KEY_MONTH: choice.month if choice and choice.month != default else None,
              KEY_FROM: choice.period_from if choice and choice.mode == "custom" else None}
    params = st.query_params
    for key, value in wanted.items():
        if value is None and key in params:
            del params[key]
        elif value is not None and params.get(key) != value:
            params[key] = value
    for key, values in ((KEY_PLANTS, list(scope.plants)), (KEY_FAMILIES, list(scope.families))):
        if not values and key in params:
            del params[key]
        elif values and params.get_all(key) != values:
            params[key] = values


def _valid(key: str, options, default=None, many: bool = False) -> None:
    """Before a widget is drawn: a value from the URL or an old session that is not an option
    falls back to the default (the widget is then created without its own default)."""
    value = st.session_state.get(key)
    if many:
        st.session_state[key] = [v for v in (value or []) if v in options]
    elif value not in options:
        st.session_state[key] = default


def render_language() -> None:
    read_url_once()
    choice_widget("segmented", "语言 / Language", list(LANGS), LANGS.get, KEY_LANG, "zh", where=st.sidebar)


def month_label(period: str) -> str:
    """``2026-10`` as ``2026年10月`` or ``Oct 2026``."""
    if lang() == "zh":
        return f"{period[:4]}年{int(period[5:7])}月"
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{names[int(period[5:7]) - 1]} {period[:4]}"


def span_label(period_from: str, period_to: str) -> str:
    """``2026年10月`` for one month, ``2026-01…2026-10`` for a span."""
    return month_label(period_to) if period_from == period_to else f"{period_from}…{period_to}"


def _step_month(periods: list[str], step: int) -> None:
    """The ◀ / ▶ buttons: the previous or next month that has data."""
    current = st.session_state.get(KEY_MONTH) or st.session_state.get(f"{KEY_MONTH}._shown")  # the default is not stored
    if current not in periods:
        return
    target = month_add(current, step)
    if target in periods:
        set_choice(KEY_MONTH, target)


def default_month(options: dict) -> str | None:
    """The last closed month: the latest period before the as-of date's month."""
    return last_closed_period(options["periods"], options.get("as_of_date"))


def render_filters(options: dict) -> tuple[Scope, PeriodChoice | None]:
    """Mode, month (or range), plants, product families and money unit in the sidebar."""
    sb = st.sidebar
    sb.subheader(t("filters"))
    periods = sorted(options["periods"])
    if not periods:
        _render_unit()
        return Scope(), None
    latest_first = periods[::-1]
    open_month = (options.get("as_of_date") or "")[:7]

    mode = choice_widget("segmented", t("period_mode"), MODES, lambda m: t(f"mode_{m}"), KEY_MODE, "month", where=sb,
                  help=t("period_mode_help"))

    def month_format(p: str) -> str:
        return month_label(p) + (f" ({t('month_open')})" if p == open_month else "")

    default = default_month(options)
    month = choice_widget("selectbox", t("period_to") if mode == "custom" else t("period_month"), latest_first, month_format,
                   KEY_MONTH, default, where=sb)
    left, right = sb.columns(2)
    left.button("◀ " + t("month_prev"), key="month_prev", on_click=_step_month, args=(periods, -1),
                disabled=month == periods[0], width="stretch")
    right.button(t("month_next") + " ▶", key="month_next", on_click=_step_month, args=(periods, 1),
                 disabled=month == periods[-1], width="stretch")
    period_from = None
    if mode == "custom":
        period_from = choice_widget("selectbox", t("period_from"), latest_first, month_label, KEY_FROM,
                             periods[max(0, periods.index(month) - 11)], where=sb)
        if period_from > month:
            sb.warning(t("period_swapped"))
            period_from, month = month, period_from
    choice = PeriodChoice(mode, month, period_from)

    plant_names = dict(options["plants"])
    _valid(KEY_PLANTS, plant_names, many=True)
    language = lang()  # bound now: a format_func may be called outside the run (AppTest), where no session says it
    plants = sb.multiselect(t("plants"), options=list(plant_names), format_func=lambda p: f"{p} {localized_name(plant_names[p], language)}",
                            key=KEY_PLANTS, placeholder=t("all"))
    _valid(KEY_FAMILIES, options["families"], many=True)
    families = sb.multiselect(t("families"), options=options["families"], format_func=lambda f: localized_name(f, language), key=KEY_FAMILIES,
                              placeholder=t("all"))
    _render_unit()
    scope = choice.scope(tuple(sorted(plants)), tuple(sorted(families)))
    write_url(scope, choice, default)
    return scope, choice


def _render_unit() -> None:
    choice_widget("selectbox", t("money_unit"), UNITS, lambda u: UNIT_NAMES[u][0 if lang() == "zh" else 1], KEY_UNIT, "auto",
           where=st.sidebar, help=t("money_unit_help"))


def scope_text(scope: Scope, choice: PeriodChoice | None, currency: str, applies=FILTERS,
               plant_names: dict | None = None) -> str:
    """The scope in one line: ``2026年10月 · 年累计 2026-01…2026-10 · 工厂 P1 · 全部产品族 · 万元``."""
    parts = []
    if "period" in applies and not scope.period_to:
        parts.append(t("scope_no_periods"))
    elif "period" in applies:
        if choice is not None and choice.mode == "month":
            parts.append(t("scope_month", m=month_label(scope.period_to)))
        else:
            mode = t(f"mode_{choice.mode}") if choice is not None else t("period_range")
            parts.append(f"{mode} {scope.period_from}…{scope.period_to}")
    if "plants" in applies:
        names = plant_names or {}
        parts.append(t("plants") + " " + (joined(f"{p} {localized_name(names.get(p, ''))}".strip() for p in scope.plants)
                                          if scope.plants else t("all")))
    if "families" in applies:
        parts.append(t("families") + " " + (joined(localized_name(f) for f in scope.families) if scope.families else t("all")))
    parts.append(t("scope_unit", u=money_unit_label(currency)))
    return " · ".join(parts)


def not_applied(scope: Scope, applies=FILTERS) -> list[str]:
    """The filters the user set that this page does not use, to say so."""
    out = []
    if "period" not in applies and scope.period_to:
        out.append(t("period_range"))
    if "plants" not in applies and scope.plants:
        out.append(t("plants"))
    if "families" not in applies and scope.families:
        out.append(t("families"))
    return out
