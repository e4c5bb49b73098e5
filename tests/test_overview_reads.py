"""The overview's shared reads (#17): ``ui.data.monthly_pnl`` and ``ui.data.pnl_statement`` slice
one cached read of every month of the ledger facts; they equal the scope's own queries, to the
bit, on every database."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.ledger import compute_monthly_pnl
from data_loaders import queries as q
from data_loaders.scope import PeriodChoice, Scope
from reports.ledger import pnl_statement_report

SCOPES = [Scope("2026-11", "2026-11"), Scope("2026-10", "2026-10"), Scope("2025-11", "2025-11"), Scope("2026-01", "2026-11"),
          Scope("2025-12", "2026-11"), Scope("2025-12", "2026-11", plants=("P2",)), Scope("2026-03", "2026-05", families=("阀门 Valves",)),
          Scope("2030-01", "2030-02"), Scope(None, "2026-02"), Scope("2026-09", None)]


@pytest.fixture
def ui_data(sample_url):
    import streamlit as st
    import streamlit.logger

    from ui import data

    streamlit.logger.set_log_level("error")  # bare mode warns on every session-state access
    st.cache_data.clear()
    data.check_version(sample_url)
    yield data
    st.cache_data.clear()


def test_monthly_pnl_from_all_months_equals_the_scopes_query(ui_data, sample_url, sample_engine):
    assert ui_data.facts_ready(sample_url)
    for scope in SCOPES:
        want = compute_monthly_pnl(q.load_ledger_by_category(sample_engine, scope, True))
        got = ui_data.monthly_pnl(sample_url, scope)
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=str(scope))
    assert ui_data.kpis(sample_url, SCOPES[0])["revenue_amount"] is not None


CHOICES = [(Scope("2026-10", "2026-10"), PeriodChoice("month", "2026-10")), (Scope("2026-01", "2026-10"), PeriodChoice("ytd", "2026-10")),
           (Scope("2025-11", "2026-10"), PeriodChoice("r12", "2026-10")), (Scope("2026-08", "2026-10", plants=("P1",)), None)]


def test_pnl_statements_from_the_cached_months_equal_the_reports(ui_data, sample_url, sample_engine):
    """The P&L statement with its comparisons (the overview's budget column and the ledger page)
    reads each span's rows from the cached months: the report's own reads give the same frames."""
    for scope, choice in CHOICES:
        for layout in ("comparison", "by_month"):
            got = ui_data.pnl_statement(sample_url, scope, layout, choice)
            want = pnl_statement_report(sample_engine, scope, layout, choice, use_facts=True)
            for key in ("statement", "margins"):
                pd.testing.assert_frame_equal(got[key], want[key], check_exact=True, obj=f"{scope} {layout} {key}")


def test_output_and_cash_of_every_span_from_one_read_equal_the_scopes_queries(ui_data, sample_url, sample_engine):
    """The KPI cards' output (``production_monthly``) and period-end cash (``cash_balances``) of
    each span slice one cached table of every month (output) or day (cash) of the plants: the
    same frames as the scope's own queries, and the same KPIs."""
    from analytics.ledger import compute_kpis, compute_production_monthly

    for scope in SCOPES:
        want = compute_production_monthly(q.load_production_daily(sample_engine, scope))
        pd.testing.assert_frame_equal(ui_data.production_monthly(sample_url, scope), want, check_exact=True, obj=str(scope))
        cash, got = q.load_cash_balances(sample_engine, scope), ui_data.cash_balances(sample_url, scope)
        # no rows: the same columns (an empty read's text columns may be typed otherwise on SQLite)
        pd.testing.assert_frame_equal(got, cash, check_exact=True, check_dtype=not cash.empty, obj=str(scope))
        assert ui_data.kpis(sample_url, scope) == compute_kpis(compute_monthly_pnl(q.load_ledger_by_category(sample_engine, scope, True)),
                                                               want, cash), scope
    assert ui_data.kpis(sample_url, SCOPES[0])["cash_amount"] > 0 and ui_data.kpis(sample_url, SCOPES[0])["good_qty"] > 0
