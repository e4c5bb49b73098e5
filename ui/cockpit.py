"""The cockpit on screen: its KPI cards, its comparison table and its written summary, from the
JSON-ready cockpit (``reports.cockpit``, through ``ui.data.cockpit``). Every number is formatted
here (``ui.format``), so the page only lays the parts out."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from analytics.summary import compute_summary
from reports.cockpit import HIGHER_IS_BETTER
from ui.drill import filter_params
from ui.filters import span_label
from ui.format import days, money, money_delta, number_delta, pct, pp
from ui.i18n import t
from ui.page import metric
from ui.text import md

CARD_ROWS = (
    ("revenue_amount", "gross_margin_pct", "variance_rate_pct", "budget_execution_pct"),
    ("oee_pct", "oee_loss_amount", "cash_today_amount", "lowest_cash_amount"),
    ("dso_days", "dio_days", "dpo_days", "ccc_days"),
)
LABELS = {"revenue_amount": "kpi_revenue", "gross_margin_pct": "kpi_gross_margin", "variance_rate_pct": "kpi_variance_rate",
          "budget_execution_pct": "cp_budget_execution", "oee_pct": "kpi_oee", "oee_loss_amount": "kpi_loss_cost",
          "cash_today_amount": "kpi_cash_now", "lowest_cash_amount": "kpi_cash_min", "dso_days": "kpi_dso", "dio_days": "kpi_dio",
          "dpo_days": "kpi_dpo", "ccc_days": "kpi_ccc"}


def _value(kpi: str, value, currency: str) -> str:
    if kpi.endswith("_amount"):
        return money(value, currency, compact=True)
    if kpi.endswith("_pct"):
        return pct(value)  # one decimal, as on the pages that own them
    return days(value)


def _change(kpi: str, value, currency: str) -> str | None:
    if kpi.endswith("_amount"):
        return money_delta(value, currency)
    if kpi.endswith("_pct"):
        return pp(value)
    return number_delta(value)


def page_link(page: str) -> str:
    """A relative link to ``page`` with this view's language and filters (opens the same scope)."""
    query = urlencode([(name, v) for name, values in filter_params().items() for v in values])
    return f"{page}?{query}" if query else page


def render_cards(cockpit: dict, currency: str) -> None:
    """Twelve cards in three rows: the month against the main comparison, the cost variance rate
    against its target, budget execution against 100 %, cash today and the lowest forecast."""
    k, main = cockpit["kpis"]["current"], cockpit["main"]
    change = (cockpit["changes"].get(main) or {}) if main else {}
    cash = cockpit["cash"]
    ytd = cockpit["kpis"].get("ytd") or {}
    described = {"delta_description": t(f"vs_{main}")} if main else {}
    target = cockpit["target_variance_rate_pct"]
    for row in CARD_ROWS:
        cols = st.columns(len(row))
        for where, kpi in zip(cols, row):
            label = t(LABELS[kpi])
            inverse = {} if HIGHER_IS_BETTER.get(kpi, True) else {"delta_color": "inverse"}
            if kpi == "variance_rate_pct":
                rate = k.get(kpi)
                metric(where, label, _value(kpi, rate, currency), pp(rate - target) if rate is not None else None,
                       delta_description=t("vs_target"), help=t("cp_variance_rate_help", t=pct(target, 0)), **inverse)
            elif kpi == "budget_execution_pct":
                value = k.get(kpi)
                metric(where, label, _value(kpi, value, currency), pp(value - 1.0) if value is not None else None,
                       delta_description=t("cp_vs_budget"), help=t("cp_budget_execution_help", y=pct(ytd.get(kpi))), **inverse)
            elif kpi == "cash_today_amount":
                metric(where, label, money(cash[kpi], currency, compact=True), help=t("cp_cash_today_help", d=cash["as_of_date"]))
            elif kpi == "lowest_cash_amount":
                low = cash[kpi]
                metric(where, label, money(low, currency, compact=True),
                       money_delta(low - cash["cash_today_amount"], currency) if low is not None else None,
                       delta_description=t("cp_vs_today"), help=t("cp_lowest_cash_help", w=cash["lowest_cash_week_date"] or "—"))
            else:
                helps = {"oee_pct": t("cp_oee_help"), "oee_loss_amount": t("cp_loss_help")}
                help_text = helps.get(kpi, t("cp_wc_help") if kpi.endswith("_days") else None)
                metric(where, label, _value(kpi, k.get(kpi), currency), _change(kpi, change.get(kpi), currency), help=help_text,
                       **inverse, **described)


def render_table(cockpit: dict, currency: str, key: str) -> None:
    """One row per figure: this period, each comparison with its change, budget or target, year to
    date and its budget."""
    spans = cockpit["kpis"]
    rows = []
    for kpi in ("revenue_amount", "gross_margin_pct", "variance_rate_pct", "budget_execution_pct", "oee_pct", "oee_loss_amount",
                "dso_days", "dio_days", "dpo_days", "ccc_days"):
        row = {t("cmp_kpi"): t(LABELS[kpi]), t("cp_current"): _value(kpi, spans["current"].get(kpi), currency)}
        for name, other in spans.items():
            if name in ("current",):
                continue
            title = t({"budget": "cp_budget_col", "ytd": "cp_ytd", "ytd_budget": "cp_ytd_budget"}.get(name, f"cmp_{name}"))
            row[title] = _value(kpi, (other or {}).get(kpi), currency)
            if name not in ("ytd", "ytd_budget", "budget"):
                row[f"{t('cmp_change')} · {title}"] = _change(kpi, (cockpit["changes"].get(name) or {}).get(kpi), currency) or "—"
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=key)
    st.caption(t("cp_table_note"))


def _date(value) -> str:
    return str(value) if value else "—"


def summary_sentences(cockpit: dict, currency: str) -> list[dict]:
    """The written summary (``analytics.summary``) in the session language, with the screen's
    number formats and links to the pages that explain each sentence."""
    fmt = {"money": lambda v: money(v, currency, compact=True), "money_delta": lambda v: money_delta(v, currency),
           "pct": pct, "pp": pp, "points": lambda v: (pp(v) or "").lstrip("+"), "days": days,
           "date": _date, "text": md}
    links = {page: (t(f"page_{page}"), page_link(page)) for page in ("ledger", "profitability", "oee", "budget", "cash")}
    return compute_summary(cockpit, t, fmt, links)


def render_summary(cockpit: dict, currency: str) -> None:
    sentences = summary_sentences(cockpit, currency)
    if not sentences:
        st.info(t("cp_no_data"))
        return
    st.markdown("\n".join(f"- {s['markdown']}" for s in sentences))


def bridge_title(cockpit: dict) -> str:
    base, scope = cockpit["bridge_base"], cockpit["scope"]
    return t("cp_bridge_title", a=span_label(base["period_from"], base["period_to"]), b=span_label(scope["period_from"], scope["period_to"]))



def bridge_frame(cockpit: dict) -> pd.DataFrame:
    """The cockpit's bridge records as the frame ``build_bridge_figure`` draws."""
    return pd.DataFrame(cockpit["bridge"], columns=["step", "amount", "measure"])
