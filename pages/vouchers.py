"""Voucher drill-down: find a voucher, open its lines and their source documents, follow a line to
its work order and from the work order back to every voucher it produced.

Deep links: ``vouchers?voucher=MI202603-00001`` and ``vouchers?work_order=WO-2026-00417``; a
key cell in another page's table opens this page in place, with "Back" to that page
(``ui.drill``).
"""

import math

import streamlit as st

from ui import data, drill
from ui.balances import render_balances_note
from ui.codes import code_label, localized_name
from ui.data import VoucherFilter
from ui.format import money
from ui.i18n import column_label, lang, t
from ui.page import metric, open_page
from ui.panels import render_source_document, render_work_order
from ui.tables import render_table
from ui.widgets import choice
from ui.text import md

PAGE_SIZE = 100
MODES = ("voucher", "work_order")
SOURCE_TYPES = ["material_issue", "labor_log", "work_order", "completion", "sales_invoice", "customer_receipt",
                "supplier_invoice", "supplier_payment", "none"]

url, scope, currency = open_page("page_vouchers")
drill.render_back()
balance_periods, balances_only = render_balances_note(url, scope)  # periods without vouchers say so (#15)
params = st.query_params
if "work_order" in params:
    st.session_state["vx_mode"] = "work_order"
elif "voucher" in params or st.session_state.get("vx_mode") not in MODES:
    st.session_state["vx_mode"] = "voucher"
mode = choice("segmented", " ", MODES, lambda m: t(f"vx_mode_{m}"), "vx_mode", "voucher", label_visibility="collapsed")


def clear_link():
    for name in ("voucher", "work_order"):
        if name in st.query_params:
            del st.query_params[name]


if mode == "voucher":
    opts = data.lineage_options(url)
    with st.expander(t("vx_search"), expanded="voucher" not in params):
        c = st.columns(4)
        types = c[0].multiselect(t("vx_types"), opts["voucher_types"].voucher_type.tolist(), key="vx_types", placeholder=t("all"),
                                 format_func=lambda v, language=lang(): code_label("voucher_type", v, language))
        acc_labels = dict(zip(opts["account_tree"].account_code, opts["account_tree"].label))
        account = choice("selectbox", t("vx_account"), [""] + list(acc_labels), lambda a: acc_labels.get(a, t("all")), "vx_account", "",
                         where=c[1])
        cc_labels = dict(zip(opts["cost_center_tree"].cost_center_id, opts["cost_center_tree"].label))
        cost_center = choice("selectbox", t("vx_cost_center"), [""] + list(cc_labels), lambda x: cc_labels.get(x, t("all")), "vx_cc", "",
                             where=c[2])
        prod_labels = dict(zip(opts["products"].product_id, opts["products"].product_id + " " + opts["products"].product_name))
        product = choice("selectbox", t("vx_product"), [""] + list(prod_labels), lambda p: prod_labels.get(p, t("all")), "vx_product", "",
                         where=c[3])
        c = st.columns(4)
        sources = c[0].multiselect(t("vx_sources"), SOURCE_TYPES, key="vx_sources", placeholder=t("all"))
        amount_min = c[1].number_input(t("vx_amount_min"), min_value=0.0, value=None, step=1000.0, key="vx_amount_min")
        amount_max = c[2].number_input(t("vx_amount_max"), min_value=0.0, value=None, step=1000.0, key="vx_amount_max")
        text = c[3].text_input(t("vx_text"), key="vx_text")
    try:
        vfilter = VoucherFilter(tuple(types), data.subtree(url, "account", account), data.subtree(url, "cost_center", cost_center),
                                (product,) if product else (), tuple(sources), amount_min, amount_max, text)
    except ValueError as exc:
        st.error(md(str(exc)))
        st.stop()
    page_no = int(st.session_state.get("vx_page", 1))
    rows, total = data.voucher_page(url, scope, vfilter, page_no, PAGE_SIZE)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page_no > pages:  # the filters narrowed the result: start again at page 1
        page_no = st.session_state["vx_page"] = 1
        rows, total = data.voucher_page(url, scope, vfilter, page_no, PAGE_SIZE)
    if total == 0:
        if not balances_only:  # else the balances note above already says why nothing is listed
            st.info(t("vx_none"))
    else:
        st.caption(t("vx_found", n=f"{total:,}", p=page_no, pages=pages))
        if pages > 1:
            st.number_input(t("vx_page"), min_value=1, max_value=pages, step=1, key="vx_page")
        event = render_table(rows, key="vx_results", currency=currency, height=320, selectable=True, export_name="vouchers")
        picked = event.selection.rows if event is not None else []
        if picked:
            chosen = rows.iloc[picked[0]].voucher_no
            if params.get("voucher") != chosen:
                drill.retarget("voucher", chosen)
                st.query_params["voucher"] = chosen
    voucher_no = st.query_params.get("voucher")
    if voucher_no:
        header, lines = data.voucher_detail(url, voucher_no)
        if header.empty:
            # a plant-limited user is told the same whether it is absent or another plant's
            st.error(t("vx_not_found_limited" if data.plant_limit() else "vx_not_found", v=md(voucher_no)))
        else:
            h = header.iloc[0]
            drill.scroll_here("voucher", voucher_no)
            st.subheader(t("vx_voucher", v=md(voucher_no)))
            st.caption(md(f"{str(h.voucher_date)[:10]} · {h.period} · {code_label('voucher_type', h.voucher_type)} · "
                          f"{code_label('status', h.status)} · {localized_name(h.description)}"))
            st.caption(t("vx_link_help"))
            st.code(drill.absolute_link("voucher", voucher_no), language=None)
            diff = round(float(h.debit_amount) - float(h.credit_amount), 2)
            c = st.columns(3)
            metric(c[0], column_label("debit_amount"), money(h.debit_amount, currency))
            metric(c[1], column_label("credit_amount"), money(h.credit_amount, currency))
            metric(c[2], column_label("n_lines"), f"{int(h.n_lines)}")
            if diff == 0:
                st.success(t("vx_balanced"))
            else:
                st.error(t("vx_unbalanced", d=money(diff, currency)))
            st.button(t("vx_clear"), key="vx_clear", on_click=clear_link)
            st.markdown(f"**{t('vx_lines')}**")
            shown = lines[["line_no", "account_code", "account_name", "account_name_en", "cost_center_id", "product_id", "debit_amount",
                           "credit_amount", "source_doc_type", "source_doc_id", "work_order_id"]]
            line_event = render_table(shown, key="vx_lines", currency=currency, selectable=True, export_name=voucher_no, drill=True)
            picked = line_event.selection.rows if line_event is not None else []
            with_source = [i for i, v in enumerate(lines.source_doc_type) if isinstance(v, str) and v]
            index = picked[0] if picked else (with_source[0] if with_source else 0)
            line = lines.iloc[index]
            if picked:
                drill.scroll_here("voucher_line", [voucher_no, index])
            render_source_document(url, line, key="vx_source", currency=currency)
            if isinstance(line.work_order_id, str) and line.work_order_id:
                render_work_order(url, line.work_order_id, currency, key="vx_wo")
else:
    text = st.text_input(t("wo_search"), key="wo_text", value=st.query_params.get("work_order", ""))
    found = data.work_order_search(url, scope, text)
    # an empty list under a typed number or a link says what was looked for (a linked order
    # planned in another month is still traced below)
    typed = text.strip()
    empty = t("wo_search_none", q=md(typed)) if typed else None
    event = render_table(found, key="wo_results", currency=currency, height=260, selectable=True, export_name="work_orders",
                         empty=empty)
    picked = event.selection.rows if event is not None else []
    if picked:
        chosen = found.iloc[picked[0]].work_order_id
        if st.query_params.get("work_order") != chosen:
            drill.retarget("work_order", chosen)
            st.query_params["work_order"] = chosen
    work_order_id = st.query_params.get("work_order")
    if work_order_id:
        drill.scroll_here("work_order", work_order_id)
        st.caption(t("vx_link_help"))
        st.code(drill.absolute_link("work_order", work_order_id), language=None)
        st.button(t("vx_clear"), key="wo_clear", on_click=clear_link)
        render_work_order(url, work_order_id, currency, key="wo_panel")
