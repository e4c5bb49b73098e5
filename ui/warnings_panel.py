"""The early-warnings panel: the scope's warnings grouped by kind, most serious first.

Each group is one expander headed by its severity, kind, count and the amount at stake; inside,
its five most serious items, each a button that opens the page and record explaining it, and
a toggle for the rest. Groups are laid out in two columns, read left to right, top to bottom,
so that a dozen kinds take a few lines above the cockpit's cards. Items come from
``reports.warnings`` (keys and numbers only); every word and number format is made here.
"""

from __future__ import annotations

import streamlit as st

from ui import data, drill
from ui.codes import localized_name
from ui.format import days, money, number, pct, pp, qty
from ui.i18n import t
from ui.text import md

TOP = 5  # items shown per group before "the other n"
MAX_REST = 100  # the rest are listed up to this many; the group's page has them all
ICONS = {"critical": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}
COLORS = {"critical": "red", "warning": "orange", "info": "blue"}
NAMES = ("product", "customer", "account", "material")  # master-data names: bilingual in the data


def _value(name: str, value, currency: str) -> str:
    """One parameter for the screen, by its suffix (analytics.warnings: units by suffix)."""
    if value is None:
        return "—"
    if name.endswith("_amount"):
        return money(value, currency, compact=True)
    if name.endswith("_cost"):  # per unit: exact
        return money(value, currency)
    if name.endswith("_pct"):
        return pct(value)
    if name.endswith("_pp"):
        return pp(value) or "—"
    if name.endswith("_days"):
        return days(value, 0)
    if name.endswith("_qty"):
        return qty(value)
    if name == "what":
        return t(f"wn_what_{value}")
    if name in NAMES:
        return localized_name(value)
    if isinstance(value, float):
        return number(value, 0) if float(value).is_integer() else number(value, 2)
    return str(value)


def item_text(it: dict, currency: str) -> str:
    """The item's sentence in the session language, every value escaped for Markdown."""
    params = {k: md(_value(k, v, currency)) for k, v in it["params"].items()}
    text = t(it["message_key"], **params)
    reasons = it.get("reasons")
    if reasons:
        said = [t(f"wn_feature_{r['feature']}", value=md(_feature_value(r["feature"], r["value"], currency)),
                  usual=md(_feature_value(r["feature"], r["usual"], currency))) for r in reasons]
        text += " — " + t("wn_reasons", r="; ".join(said))
    return text


def _feature_value(feature: str, value, currency: str) -> str:
    if value is None:
        return "—"
    if feature in ("amount", "unit_cost", "material_per_unit"):
        return money(value, currency)
    if feature in ("scrap_rate", "yield"):
        return pct(value)
    if feature == "n_lines":
        return number(value, 0)
    return number(value, 4 if abs(float(value)) < 1 else 2)


def _open(link: dict) -> None:
    """Open the page of ``link`` with its query parameters and the current filters; the
    drill-down page through ``drill.drill_to`` so that its Back button returns here."""
    page, params = link["page"], dict(link["params"])
    if page == drill.DRILL_PATH and len(params) == 1 and next(iter(params)) in drill.KEY_PARAMS.values():
        drill.drill_to(*next(iter(params.items())))
    st.switch_page(f"pages/{page}.py", query_params={**drill.filter_params(), **params})


def _render_item(it: dict, currency: str, key: str) -> None:
    text = item_text(it, currency)
    if data.may_open(it["link"]["page"]):
        if st.button(text, key=key, type="tertiary", help=t("wn_open_help"), icon=ICONS[it["severity"]]):
            _open(it["link"])
    else:  # a viewer sees the cockpit only: the item, without a link it may not follow
        st.markdown(f"{ICONS[it['severity']]} {text}")


def group_label(group: dict, currency: str) -> str:
    kind = f":{COLORS[group['severity']]}[**{t('wn_kind_' + group['kind'])}**]"
    if group["amount"] is None:
        return t("wn_group_no_amount", kind=kind, n=group["count"])
    return t("wn_group", kind=kind, n=group["count"], a=md(money(group["amount"], currency, compact=True)))


def render_warnings(url: str, scope, currency: str) -> None:
    """The warnings of ``scope`` (already narrowed to the user's plants), grouped and linked."""
    st.subheader(t("warnings"))
    result = data.warnings(url, scope)
    if result["skipped"]:
        st.caption(t("wn_skipped", r=md(", ".join(s["rule"] for s in result["skipped"]))))
    groups = result["groups"]
    if not groups:
        st.success(t("no_warnings"))
        return
    critical = sum(1 for g in groups for it in g["items"] if it["severity"] == "critical")
    st.caption(t("wn_total", n=result["total"], c=critical))
    columns = st.columns(2)
    for i, group in enumerate(groups):
        kind = group["kind"]
        with columns[i % 2].expander(group_label(group, currency), icon=ICONS[group["severity"]]):
            for j, it in enumerate(group["items"][:TOP]):
                _render_item(it, currency, f"wn_{kind}_{j}")
            rest = group["items"][TOP:]
            if rest and st.toggle(t("wn_rest", n=len(rest)), key=f"wn_{kind}_rest"):
                for j, it in enumerate(rest[:MAX_REST], start=TOP):
                    _render_item(it, currency, f"wn_{kind}_{j}")
                if len(rest) > MAX_REST:
                    st.caption(t("wn_more", n=len(rest) - MAX_REST, p=t(f"page_{group['items'][0]['link']['page']}")))
