"""Tables with translated headers, money and percent formats, sorting, and Excel export."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.export import to_excel_bytes
from ui.i18n import column_label, t


def display_frame(frame: pd.DataFrame, currency: str = "CNY") -> tuple[pd.DataFrame, dict]:
    """The frame with on-screen headers (money headers carry the currency) and column configs."""
    config, names = {}, {}
    for col in frame.columns:
        label = column_label(col)
        if col.endswith("_amount") or col in ("debit", "credit"):
            label = f"{label} ({currency})"
            # accounting: always two decimals, thousands separators, negatives in parentheses
            config[label] = st.column_config.NumberColumn(label, format="accounting")
        elif col.endswith("_pct"):
            config[label] = st.column_config.NumberColumn(label, format="percent")
        elif col.endswith("_qty"):
            config[label] = st.column_config.NumberColumn(label, format="localized")
        names[col] = label
    return frame.rename(columns=names), config


def render_table(frame: pd.DataFrame, key: str, currency: str = "CNY", export_name: str | None = None,
                 height: int | None = None, selectable: bool = False):
    """Show ``frame`` sortable, with an Excel export button; returns the selection event if asked."""
    if frame.empty:
        st.info(t("no_data"))
        return None
    shown, config = display_frame(frame, currency)
    kwargs = dict(hide_index=True, width="stretch", column_config=config, key=key)
    if height:
        kwargs["height"] = height
    if selectable:
        kwargs.update(on_select="rerun", selection_mode="single-row")
    event = st.dataframe(shown, **kwargs)
    if export_name:
        st.download_button(
            t("export_excel"), data=to_excel_bytes({export_name: shown}), file_name=f"{export_name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_export",
        )
    return event
