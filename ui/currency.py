"""A scope whose plants use several currencies, on screen (#15): its plants side by side.

No exchange rate is stated in the data, so such a scope has no total. Every page that shows
amounts (``ui.page.MONEY_PAGES``) draws, instead of its charts, one table of the scope's headline
figures per plant, each in its plant's currency, grouped by currency with a subtotal for a
currency of two or more plants and no grand total (``ui.data.plant_figures``), then one button
per currency that narrows the plant filter to that currency's plants, so that every page then
draws normally in it. The plants come from the page's scope, which the router has already
narrowed to the signed-in user's plants: a button never names a plant the user may not see.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reports.currency import FIGURE_TABLES, currency_groups
from ui import data
from ui.codes import localized_name
from ui.filters import KEY_PLANTS, scope_text
from ui.format import money, pct
from ui.i18n import joined, t, t_or
from ui.text import md

# (figure, label key) in the table's order
COLUMNS = (("revenue_amount", "kpi_revenue"), ("cost_of_sales_amount", "pnl_line_cost_of_sales"),
           ("variance_amount", "currency_col_variance"), ("gross_profit_amount", "kpi_gross_profit"),
           ("gross_margin_pct", "kpi_gross_margin"), ("budget_execution_pct", "cp_budget_execution"),
           ("cash_amount", "kpi_cash_period_end"))


def currency_name(code: str) -> str:
    """人民币 / CNY: a currency's name in a sentence (its code when it has none here)."""
    return t_or(f"currency_name_{code}", code)


def figures_frame(figures: dict, plant_names: dict[str, str]) -> pd.DataFrame:
    """The side-by-side table as text: each money value formatted in its row's currency (in the
    chosen money unit, as the cockpit's cards), ratios as percentages, "—" where unknown."""
    rows = []
    for r in figures["rows"]:
        code = r["currency"]
        plant = (t("currency_subtotal", currency=code, plants=joined(r["plants"])) if r["is_subtotal"]
                 else f"{r['plant_id']} {localized_name(plant_names.get(r['plant_id'], ''))}".strip())  # English screens: no 华东一厂
        row = {t("currency_col_currency"): code, t("currency_col_plant"): plant}
        for name, label in COLUMNS:
            row[t(label)] = pct(r[name]) if name.endswith("_pct") else money(r[name], code, compact=True)
        rows.append(row)
    return pd.DataFrame(rows, columns=[t("currency_col_currency"), t("currency_col_plant")] + [t(label) for _, label in COLUMNS])


def _narrow(plants: tuple[str, ...]) -> None:
    """The button's callback: the plant filter becomes these plants (the router writes the URL)."""
    st.session_state[KEY_PLANTS] = list(plants)


def render_side_by_side(url: str, scope, by_plant: dict[str, str]) -> None:
    """The scope line, the reason, the per-plant table and one button per currency; the caller
    stops the page after it."""
    from ui.page import require  # ui.page draws this table: imported when it is drawn

    groups = currency_groups(by_plant)
    options = data.filter_options(url)
    st.caption(md(scope_text(scope, data.period_choice(), "/".join(groups), ("period", "plants", "families"),
                             dict(options.get("plants", [])))))  # plant names come from the data: never Markdown
    st.warning(t("currency_side_by_side", currencies=md(joined(groups))))  # codes come from the data
    require(url, FIGURE_TABLES)
    figures = data.plant_figures(url, scope)
    st.dataframe(figures_frame(figures, dict(options.get("plants", []))), hide_index=True, width="content")
    st.caption(t("currency_table_note"))
    columns = st.columns(len(groups))
    for column, (code, plants) in zip(columns, groups.items()):
        name = md(currency_name(code))  # plant ids and currency codes come from the data: never Markdown
        column.button(t("currency_only", name=name, plants=md(joined(plants))), key=f"currency_only_{code}",
                      help=t("currency_only_help", currency=name), on_click=_narrow, args=(plants,),
                      width="stretch")
