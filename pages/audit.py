"""Admin: the audit trail (sign-ins, imports, restores, exports, user changes), its hash-chain
check, filters and export."""

import datetime as dt

import streamlit as st

from ui import data
from ui.i18n import t
from ui.page import open_page
from ui.tables import render_table
from ui.widgets import choice
from ui.text import md

url, scope, currency = open_page("page_audit", applies=())
if not data.may_open("audit"):
    st.error(t("auth_not_permitted"))
    st.stop()

check = data.audit_verify()
if check["ok"]:
    st.success(t("audit_chain_ok", n=f"{check['entries']:,}"))
else:
    st.error(t("audit_chain_bad", seq=check["first_bad"], reason=md(check["reason"])))
st.caption(t("audit_store", path=data.audit_store()))

left, middle, right, far = st.columns(4)
actions = [""] + data.audit_actions()
action = choice("selectbox", t("audit_action"), actions, lambda a: a or t("all"), "audit_action", "", where=left)
actor = middle.text_input(t("audit_actor"), key="audit_actor").strip()
today = dt.date.today()
since = right.date_input(t("audit_since"), value=today - dt.timedelta(days=30), key="audit_since")
until = far.date_input(t("audit_until"), value=today, key="audit_until")
entries = data.audit_entries(actor or None, action or None, since.isoformat(), (until + dt.timedelta(days=1)).isoformat())
render_table(entries, key="audit_table", export_name="audit_log", empty=t("audit_empty"))
