"""No raw column name reaches a screen: every column of every report a page shows has a label
in both languages (computed columns in ``ui.i18n.COLUMN_LABELS``, contract columns in the
contract), and the two languages' labels differ where a word is translated."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st

from analytics.cash import CashScenario
from data_loaders import queries as q
from data_loaders.scope import PeriodChoice, Scope
from reports import ledger as reports_ledger
from reports import lineage as reports_lineage
from reports.budget import budget_report, flexible_budget_report
from reports.cash import cash_report
from reports.oee import oee_report
from reports.profitability import profitability_report
from ui.i18n import column_label

SCOPE = Scope("2025-11", "2026-10")


def _columns(name: str, obj, found: dict) -> dict:
    if isinstance(obj, pd.DataFrame):
        for col in obj.columns:
            found.setdefault(str(col), name)
        found.setdefault("__frames__", []).append((name, [str(c) for c in obj.columns]))
    elif isinstance(obj, dict):
        for key, value in obj.items():
            _columns(f"{name}.{key}", value, found)
    return found


@pytest.fixture(scope="module")
def report_columns(default_sample_engine):
    e = default_sample_engine
    wo = q.load_work_orders(e, SCOPE, 1).work_order_id.iloc[0]
    reports = {
        "profitability": profitability_report(e, SCOPE), "oee": oee_report(e, SCOPE),
        "budget": budget_report(e, SCOPE, "original", "revised", "run_rate", 0.9, 1.0),
        "flexible_budget": flexible_budget_report(e, SCOPE),
        "cash": cash_report(e, SCOPE, CashScenario(), 0.0, True), "reconciliation": reports_lineage.reconciliation(e, SCOPE, 1.0),
        "pnl": reports_ledger.pnl_statement_report(e, SCOPE, "comparison", PeriodChoice("r12", "2026-10")),
        "trial_balance": reports_ledger.trial_balance_report(e, SCOPE), "work_order": reports_lineage.work_order_trace(e, wo),
    }
    found: dict = {}
    for name, report in reports.items():
        _columns(name, report, found)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_report_column_has_a_label(report_columns, lang):
    st.session_state["lang"] = lang
    try:
        raw = {col: where for col, where in report_columns.items()
               if col != "__frames__" and column_label(col) == col and not col[:1].isdigit()}  # months show as "2026-10"
        # two columns of one table with the same label would be told apart only by a number
        clashes = {name: sorted({column_label(c) for c in cols if [column_label(x) for x in cols].count(column_label(c)) > 1})
                   for name, cols in report_columns["__frames__"]}
        clashes = {name: labels for name, labels in clashes.items() if labels}
    finally:
        del st.session_state["lang"]
    assert len(report_columns) > 150  # the reports really were read
    assert not raw, raw
    assert not clashes, clashes
