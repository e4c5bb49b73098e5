"""Business–finance reconciliation: what operations did that finance did not book, and what
finance booked that operations cannot explain. Every finding links to the drill-down."""

import streamlit as st

from ui import data
from ui.balances import render_balances_note
from ui.figures import build_completeness_figure, plotly_config
from ui.format import money, pct
from ui.i18n import t
from ui.page import metric, open_page
from ui.tables import render_table

url, scope, currency = open_page("page_reconciliation")
_, balances_only = render_balances_note(url, scope)  # (#15) the WIP tie and the postings need vouchers
if balances_only:  # nothing to reconcile: zeros would read as "all posted"
    st.stop()
tolerance = st.columns(4)[0].number_input(t("rc_tolerance", currency=currency), min_value=0.0, value=1.0, step=1.0, key="rc_tolerance")

r = data.reconciliation(url, scope, float(tolerance))
comp = r["completeness"]
ops = float(comp.operations_amount.sum()) if not comp.empty else 0.0
posted = float(comp.posted_amount.sum()) if not comp.empty else 0.0
docs = r["documents_without_voucher"]

c = st.columns(4)
metric(c[0], t("rc_completeness"), pct(posted / ops, 2) if ops else "—", help=t("rc_completeness_help"))
metric(c[1], t("rc_unposted_cost"), money(ops - posted, currency))
metric(c[2], t("rc_no_completion"), f"{len(r['no_completion']):,}")
metric(c[3], t("rc_cost_differs"), f"{len(r['cost_differs']):,}")
c = st.columns(4)
metric(c[0], t("rc_no_source"), f"{len(r['lines_without_source']):,}")
metric(c[1], t("rc_missing_source"), f"{len(r['lines_missing_source']):,}")
metric(c[2], t("rc_docs_no_voucher"), f"{len(docs):,}")
metric(c[3], t("rc_docs_no_voucher") + f" ({currency})", money(float(docs.document_amount.sum()) if not docs.empty else 0.0, currency, compact=True))

findings = sum(len(r[k]) for k in ("no_completion", "cost_differs", "lines_without_source", "lines_missing_source", "documents_without_voucher"))
if findings == 0:
    st.success(t("rc_all_clear"))

if not comp.empty:
    if comp.period.nunique() > 1:  # one month is the table below; a chart needs a trend
        st.plotly_chart(build_completeness_figure(comp), width="stretch", config=plotly_config(), key="rc_chart")

sections = [
    ("rc_no_completion", r["no_completion"], "completed_without_completion"),
    ("rc_cost_differs", r["cost_differs"][["work_order_id", "plant_id", "product_id", "status", "operations_amount",
                                            "ledger_wip_amount", "difference_amount"]], "ledger_differs_from_operations"),
    ("rc_no_source", r["lines_without_source"][["voucher_no", "line_no", "period", "account_code", "account_name", "account_name_en", "plant_id",
                                                 "debit_amount", "credit_amount", "description"]], "cost_lines_without_source"),
    ("rc_missing_source", r["lines_missing_source"], "lines_with_missing_source"),
    ("rc_docs_no_voucher", docs, "documents_without_voucher"),
]
for label, frame, name in sections:
    st.subheader(f"{t(label)} ({len(frame):,})")
    if frame.empty:  # nothing to reconcile is a finding too, not "no data"
        st.success(t("rc_none_found"))
        continue
    render_table(frame, key=f"rc_{name}", currency=currency, export_name=name, drill=True)

st.subheader(t("rc_completeness"))
render_table(comp, key="rc_completeness_table", currency=currency, export_name="posting_completeness")
