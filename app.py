"""Router: page config, navigation, language switch and the global filters. Nothing else."""

import logging

import streamlit as st

from ui import data, filters
from ui.i18n import t

st.set_page_config(page_title="业财融合 Business–finance analytics", page_icon="📊", layout="wide")
filters.render_language()

navigation = st.navigation(
    {
        t("nav_overview"): [st.Page("pages/overview.py", title=t("page_overview"), icon="📊", url_path="overview", default=True)],
        t("nav_operations"): [st.Page("pages/production.py", title=t("page_production"), icon="🏭", url_path="production")],
        t("nav_finance"): [st.Page("pages/ledger.py", title=t("page_ledger"), icon="📒", url_path="ledger")],
        t("nav_data"): [st.Page("pages/data.py", title=t("page_data"), icon="🗄️", url_path="data")],
    }
)

url = data.database_url()
try:
    data.ensure_database(url, t)
    options = data.filter_options(url)
except Exception as exc:  # an unreachable or foreign database is a message, never a traceback
    logging.getLogger("bfi").exception("database unavailable")
    st.error(t("error_database", message=f"{data.display_url(url)} — {str(exc).splitlines()[0]}"))
    st.stop()

data.set_context(url, filters.render_filters(options))
try:
    navigation.run()
except Exception as exc:
    logging.getLogger("bfi").exception("page failed")
    st.error(t("error_generic", message=str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
