"""Finance: monthly profit and loss and the trial balance of the scope."""

import streamlit as st

from ui import data
from ui.format import money
from ui.i18n import lang, t
from ui.tables import render_table

url, scope, currency = data.context()
st.title(t("page_ledger"))
st.caption(f"{scope.period_from} – {scope.period_to} · {t('currency_note', currency=currency)}")

st.subheader(t("pnl_table"))
pnl = data.monthly_pnl(url, scope)
render_table(pnl, key="ledger_pnl", currency=currency, export_name="monthly_pnl")

st.subheader(t("trial_balance"))
tb = data.trial_balance(url, scope)
if not tb.empty:
    name = tb.account_name if lang() == "zh" else tb.account_name_en.fillna(tb.account_name)
    tb = tb.assign(account_label=tb.account_code + " " + name, net_amount=(tb.debit_amount - tb.credit_amount).round(2))
    st.caption(t("tb_totals", d=money(tb.debit_amount.sum(), currency), c=money(tb.credit_amount.sum(), currency)))
    tb = tb[["account_label", "category", "debit_amount", "credit_amount", "net_amount", "n_lines"]]
render_table(tb, key="ledger_trial_balance", currency=currency, export_name="trial_balance", height=520)
