"""Drill-down panels shared by pages: a work order's full trace, a line's source document.

Links between records pass keys, never labels: a ``voucher_no`` or ``work_order_id`` cell in a
table drawn with ``render_table(..., drill=True)`` opens the drill-down page in place
(``ui.drill``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import data
from ui.codes import code_label, localized_name, translate_codes
from ui.figures import build_events_timeline, plotly_config
from ui.format import field_text, money, qty
from ui.i18n import column_label, t
from ui.page import metric
from ui.tables import render_table
from ui.text import md


def render_record(row: pd.Series, key: str, currency: str = "CNY") -> None:
    """One record as a two-column field / value table; codes (a move's type, a status) as words
    and names in the screen's language, as ``translate_codes`` gives every other table, and
    numbers formatted by their column's kind (``field_text``)."""
    row = translate_codes(row.to_frame().T).iloc[0]
    values = [field_text(str(name), v, currency) for name, v in row.items()]
    shown = pd.DataFrame({"field": [column_label(c) for c in row.index], "value": values})
    render_table(shown, key=key)


def render_source_document(url: str, line: pd.Series, key: str, currency: str = "CNY") -> None:
    """The business document a voucher line names, or why there is none."""
    source_type, source_id = line.get("source_doc_type"), line.get("source_doc_id")
    if not isinstance(source_type, str) or not source_type:
        st.info(t("vx_no_source"))
        return
    doc = data.source_document(url, source_type, source_id)
    if doc.empty:
        st.error(t("vx_missing_source", t=md(code_label("source_doc_type", source_type)), i=md(source_id)))
        return
    st.markdown(f"**{t('vx_source', t=md(code_label('source_doc_type', source_type)), i=md(source_id))}**")
    render_record(doc.iloc[0], key=key, currency=currency)


def render_work_order(url: str, work_order_id: str, currency: str, key: str) -> None:
    """Everything about one work order: header, cost roll-up, material vs BOM, its vouchers,
    labor, machine events on a timeline, output and material moves."""
    trace = data.work_order_trace(url, work_order_id)
    if trace is None:
        st.error(t("wo_not_found_limited" if data.plant_limit() else "wo_not_found", w=md(work_order_id)))
        return
    wo, docs, rollup = trace["header"], trace["documents"], trace["rollup"]
    st.subheader(t("wo_title", w=md(work_order_id)))
    st.caption(f"{md(wo.product_id)} {md(localized_name(wo.product_name))} · {md(localized_name(wo.family))} · {md(wo.work_center_id)} "
               f"{md(localized_name(wo.work_center_name))} · {md(code_label('status', wo.status))} · "
               f"{str(wo.planned_start_date)[:10]} → {str(wo.actual_end_at)[:16] if pd.notna(wo.actual_end_at) else '…'}")
    c = st.columns(4)
    metric(c[0], t("wo_planned"), qty(wo.planned_qty))
    metric(c[1], t("wo_completed"), qty(wo.completed_qty))
    metric(c[2], t("wo_scrap"), qty(wo.scrap_qty))
    total = rollup[rollup.component == "total"].iloc[0]
    metric(c[3], t("kpi_variance"), money(total.variance_amount, currency), help=t("kpi_variance_help"))

    completion = trace["completion"]
    if wo.status in ("completed", "closed") and not completion["is_completion_posted"]:
        st.error(t("wo_no_completion"))
    elif completion["is_completion_posted"]:
        st.caption(t("wo_completion", fg=money(completion["finished_goods_amount"], currency), var=money(completion["variance_amount"], currency)))
    if abs(total.unposted_amount) >= 0.005:
        st.warning(t("wo_unposted", a=money(total.unposted_amount, currency)))

    st.markdown(f"**{t('wo_rollup')}**")
    st.caption(t("wo_rollup_help"))
    shown = rollup.assign(component=rollup.component.map(lambda c: t(f"component_{c}")))
    render_table(shown, key=f"{key}_rollup", currency=currency, export_name=f"{work_order_id}_cost", empty=t("no_records"))

    st.markdown(f"**{t('wo_materials')}**")
    materials = trace["materials"][["material_id", "material_name", "unit", "qty_per_unit", "std_qty", "actual_qty", "std_price",
                                    "actual_price", "std_amount", "actual_amount", "price_variance_amount", "usage_variance_amount",
                                    "variance_amount"]]
    render_table(materials, key=f"{key}_materials", currency=currency, export_name=f"{work_order_id}_materials", empty=t("no_records"))

    st.markdown(f"**{t('wo_vouchers')}**")
    ledger = trace["ledger"][["voucher_no", "voucher_date", "voucher_type", "line_no", "account_code", "account_name", "account_name_en",
                              "debit_amount", "credit_amount", "source_doc_type", "source_doc_id"]]
    render_table(ledger, key=f"{key}_ledger", currency=currency, export_name=f"{work_order_id}_vouchers", drill=True, empty=t("no_records"))

    tabs = st.tabs([t("wo_events"), t("wo_labor"), t("wo_output"), t("wo_moves")])
    with tabs[0]:
        events = docs["machine_events"]
        if not events.empty:
            st.plotly_chart(build_events_timeline(events), width="stretch", config=plotly_config(), key=f"{key}_timeline")
        if "duration_s" in events:  # minutes read better than 327,594 seconds
            events = events.assign(duration_min=events.duration_s / 60.0).drop(columns="duration_s")
        render_table(events, key=f"{key}_events", export_name=f"{work_order_id}_events", empty=t("no_records"))
    with tabs[1]:
        render_table(docs["labor_logs"], key=f"{key}_labor", currency=currency, export_name=f"{work_order_id}_labor", empty=t("no_records"))
    with tabs[2]:
        render_table(docs["output_counts"], key=f"{key}_output", export_name=f"{work_order_id}_output", empty=t("no_records"))
    with tabs[3]:
        render_table(docs["material_issues"], key=f"{key}_moves", export_name=f"{work_order_id}_material_moves", empty=t("no_records"))
