"""Tables with translated headers, money, price, percent and date formats, sorting, drill-down
links, and Excel export.

Column conventions drive the format: ``*_amount`` money with the currency in the header,
``*_price`` / ``*_cost`` unit money with four decimals, ``*_pct`` percentages, ``*_qty``
quantities, ``*_min`` / ``*_h`` durations, ``is_*`` flags, ``*_date`` dates, ``*_at``
timestamps; ``voucher_no`` / ``work_order_id`` cells open the drill-down in one click
(``drill=True``, ``ui/drill.py``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_loaders import access, audit
from ui import drill as drill_nav
from ui.codes import translate_codes
from ui.export import ExportSheet, to_excel_bytes
from ui.format import column_kind, money, money_delta, pct, pp, qty, qty_delta
from ui.i18n import column_label, t

ROW_PX = 35


def display_frame(frame: pd.DataFrame, currency: str | None = "CNY") -> tuple[pd.DataFrame, dict]:
    """The frame with code values as labels in the session language, on-screen headers (money
    headers carry the currency; None: rows of several currencies or of one not known yet, such
    as an import's preview, whose headers carry none) and column configs."""
    frame = translate_codes(frame)
    config, names, used = {}, {}, set()
    for col in frame.columns:
        label = column_label(col)
        if label in used:  # two columns with the same label (a code and its name): keep both visible
            label = f"{label} ({sum(1 for u in used if u.startswith(label)) + 1})"  # never a raw column name
        used.add(label)
        if col.endswith("_amount"):
            label = f"{label} ({currency})" if currency else label
            # accounting: always two decimals, thousands separators, negatives in parentheses
            config[label] = st.column_config.NumberColumn(label, format="accounting")
        elif col.endswith(("_price", "_cost", "_rate_per_h")):
            config[label] = st.column_config.NumberColumn(label, format="%.4f")
        elif column_kind(col) == "pp":
            config[label] = st.column_config.NumberColumn(label, format="%+.2f")
        elif col.endswith("_pct"):  # shown x100 below: one fixed decimal, never 18.9% beside 22.47%
            config[label] = st.column_config.NumberColumn(label, format="%.1f%%")
        elif col.endswith("_qty"):
            config[label] = st.column_config.NumberColumn(label, format="localized")
        elif col.endswith(("_min", "_h")):
            config[label] = st.column_config.NumberColumn(label, format="accounting")
        elif col.startswith("is_"):
            config[label] = st.column_config.CheckboxColumn(label)
        elif col.endswith("_date") and pd.api.types.is_datetime64_any_dtype(frame[col]):
            config[label] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
        elif col.endswith("_at") and pd.api.types.is_datetime64_any_dtype(frame[col]):
            config[label] = st.column_config.DatetimeColumn(label, format="YYYY-MM-DD HH:mm:ss")
        elif pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
            # any other number: thousands separators in the reader's locale
            config[label] = st.column_config.NumberColumn(label, format="localized")
        names[col] = label
    shown = frame.rename(columns=names)
    for col in frame.columns:  # changes of ratios: fractions in data, points on screen and in Excel
        if column_kind(col) in ("pp", "pct"):
            shown[names[col]] = pd.to_numeric(frame[col], errors="coerce") * 100
    shown.attrs["kinds"] = {names[col]: column_kind(col) for col in frame.columns}
    shown.attrs["names"] = names  # column -> label (translation may drop columns: never zip the two frames)
    return shown, config


def render_table(frame: pd.DataFrame, key: str, currency: str | None = "CNY", export_name: str | None = None,
                 height: int | None = None, selectable: bool = False, bold_rows: pd.Series | None = None,
                 drill: bool = False, empty: str | None = None):
    """Show ``frame`` sortable, with an Excel export button; returns the selection event if asked.

    ``bold_rows``: a boolean mask over the rows (subtotals and totals of a statement).
    ``drill``: ``voucher_no`` / ``work_order_id`` cells are buttons that open the drill-down
    page in place (``ui.drill``)."""
    if frame.empty:  # ``empty``: what an empty table means here (default: the scope has no rows)
        st.info(empty or t("no_data"))
        return None
    shown, config = display_frame(frame, currency)
    names_by_col = shown.attrs["names"]
    data = shown
    styles = pd.DataFrame("", index=shown.index, columns=shown.columns)
    if "fav_unfav" in frame:
        # favorable green, unfavorable red, read from the codes (the cells show translated labels)
        colors = {"F": "background-color: #d4efdf; color: #1e8449", "U": "background-color: #fadbd8; color: #922b21"}
        styles[names_by_col["fav_unfav"]] = frame["fav_unfav"].map(lambda v: colors.get(v, "")).to_numpy()
    if bold_rows is not None:
        styles.loc[pd.Series(bold_rows).fillna(False).astype(bool).to_numpy()] += "font-weight: bold;"
    if (styles != "").any().any():
        data = shown.style.apply(lambda _: styles, axis=None)
    kwargs = dict(hide_index=True, width="stretch", column_config=config, key=key, placeholder="—")
    if height and (len(frame) + 1) * ROW_PX > height:
        kwargs["height"] = height
    if drill:
        config.update(drill_nav.button_columns(frame, names_by_col, key))
    if selectable:
        drill_nav.restore_selection(key)
        kwargs.update(on_select="rerun", selection_mode="single-row")
    event = st.dataframe(data, **kwargs)
    if selectable:
        drill_nav.remember_selection(key, event.selection.rows)
    if drill:
        drill_nav.follow_click(frame, key)
    if export_name:
        render_export(frame, export_name, currency, key=f"{key}_export")
    return event


def render_export(frame: pd.DataFrame, export_name: str, currency: str, key: str) -> None:
    """An "Export to Excel" button; the workbook (with an about sheet: page, scope, language,
    data as-of, export time) is built only when the button is clicked."""
    user = st.session_state.get("_user") or access.LOCAL
    if not access.may_export(user):  # viewers and managers read; analysts and admins export
        return
    about_rows = export_about()

    def workbook() -> bytes:
        audit.record(user.login, "export", export_name, {"rows": len(frame), "about": dict(about_rows)})
        exported, _ = display_frame(frame, currency)
        rows = about_rows + [(t("export_at"), dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"))]
        sheet = ExportSheet(export_name, exported, exported.attrs.get("kinds", {}))
        return to_excel_bytes([sheet], about=rows, title=st.session_state.get("_page_title") or export_name)

    st.download_button(
        t("export_excel"), data=workbook, file_name=f"{export_name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=key, icon=":material/download:",
    )


def export_about() -> list[tuple[str, str]]:
    """What the about sheet of an export says: the page, the scope line, filters, language, data as-of."""
    info = st.session_state.get("_export_about") or []
    return [(t("export_page"), st.session_state.get("_page_title", "")), *info]


KPI_LABELS = {"revenue_amount": "kpi_revenue", "gross_profit_amount": "kpi_gross_profit_ledger", "gross_margin_pct": "kpi_gross_margin",
              "variance_amount": "kpi_variance_ledger", "operating_profit_amount": "kpi_operating_profit", "good_qty": "kpi_output",
              "scrap_pct": "kpi_scrap", "cash_amount": "kpi_cash_period_end"}


def _kpi_text(kpi: str, value, change: bool, currency: str) -> str:
    if kpi.endswith("_pct"):
        return (pp(value, 2) or "—") if change else pct(value, 2)
    if kpi.endswith("_amount"):
        return (money_delta(value, currency) or "—") if change else money(value, currency, compact=True)
    return (qty_delta(value) or "—") if change else qty(value)


def render_kpi_comparison(comparison: pd.DataFrame, names: list[str], currency: str, key: str) -> None:
    """The KPI comparison as a statement: one row per figure, this period, then each comparison
    span and the change from it (money in the chosen unit, ratios' changes in points)."""
    rows = []
    for r in comparison.itertuples(index=False):
        row = {t("cmp_kpi"): t(KPI_LABELS.get(r.kpi, r.kpi)), t("cmp_current"): _kpi_text(r.kpi, r.current, False, currency)}
        for name in names:
            row[t(f"cmp_{name}")] = _kpi_text(r.kpi, getattr(r, name), False, currency)
            row[f"{t('cmp_change')} · {t(f'cmp_{name}')}"] = _kpi_text(r.kpi, getattr(r, f"{name}_change"), True, currency)
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=key)
