"""Finance: the profit and loss statement and the trial balance with opening, movement and closing."""

import pandas as pd
import streamlit as st

from ui import data
from ui.format import money
from ui.i18n import lang, t
from ui.page import open_page
from ui.tables import render_table
from ui.widgets import choice
from ui.text import md

url, scope, currency = open_page("page_ledger")

# ------------------------------------------------------------------ P&L statement
st.subheader(t("pnl_statement"))
# one month reads best against its comparisons; a longer span month by month
default_layout = "comparison" if scope.n_months <= 1 else "by_month"
layout = choice("segmented", t("pnl_layout"), ("by_month", "comparison"), lambda x: t(f"pnl_layout_{x}"), "pnl_layout",
                default_layout)
pnl = data.pnl_statement(url, scope, layout, data.period_choice())
st.caption(t("pnl_sign_note"))
statement = pnl["statement"].assign(line=lambda d: d.line.map(lambda code: t(f"pnl_line_{code}")))
render_table(statement.drop(columns="is_subtotal"), key="ledger_pnl", currency=currency, export_name="pnl_statement",
             bold_rows=statement.is_subtotal)
st.markdown(f"**{t('pnl_margins')}**")
margins = pnl["margins"].assign(line=lambda d: d.line.map(lambda code: t(f"pnl_line_{code}")))
render_table(margins, key="ledger_pnl_margins", currency=currency, export_name="pnl_margins")
if layout == "comparison":
    st.caption(t("pnl_margins_note"))

# ------------------------------------------------------------------ trial balance
st.subheader(t("trial_balance"))
st.caption(t("tb_note"))
report = data.trial_balance_balances(url, scope)
tb, totals = report["accounts"], report["totals"]
if not tb.empty:
    name = tb.account_name if lang() == "zh" else tb.account_name_en.fillna(tb.account_name)
    label = (tb.account_code.fillna("") + " " + name.fillna("")).where(~tb.is_prior_years_result, t("tb_prior_years_result"))
    tb = tb.assign(account_label=label)
    total_row = {"account_label": t("tb_total"), **{c: totals[c] for c in ("opening_amount", "debit_amount", "credit_amount", "closing_amount")}}
    tb = tb[["account_label", "opening_amount", "debit_amount", "credit_amount", "closing_amount"]]
    tb = pd.concat([tb, pd.DataFrame([total_row])], ignore_index=True)
render_table(tb, key="ledger_trial_balance", currency=currency, export_name="trial_balance", height=560)
ok = totals["is_movement_balanced"] and totals["is_closing_balanced"] and totals["is_opening_balanced"]
check = t("tb_check_ok" if ok else "tb_check_fail", d=money(totals["debit_amount"], currency), c=money(totals["credit_amount"], currency),
          o=money(totals["opening_amount"], currency), z=money(totals["closing_amount"], currency))
if ok:
    st.caption(f"✓ {md(check)}")
else:
    st.error(md(check))
