"""The one note every voucher-based page shows for periods imported as ledger balances (#15).

A period with rows in ``ledger_balances`` and no voucher lines feeds the P&L, the trial balance,
the KPIs and budget actuals through the ledger facts, but has no voucher, voucher line or
source document to list or drill into: the pages that need them say so here instead of showing
empty tables or zeros, and a drill-down from such a figure stops at the balance.

``periods, only = render_balances_note(url, scope)``: ``periods`` the scope's balances-only
periods (shown in the note), ``only`` whether every month of the scope is one of them (the page
then has nothing else to show and may stop).
"""

from __future__ import annotations

import streamlit as st

from data_loaders.scope import Scope, month_add
from ui import data
from ui.i18n import joined, t


def balances_only(scope: Scope, periods: tuple[str, ...]) -> bool:
    """Whether every month from the scope's first to its last is a balances-only period."""
    if not periods or not (scope.period_from and scope.period_to):
        return False
    month, wanted = scope.period_from, set(periods)
    while month <= scope.period_to:
        if month not in wanted:
            return False
        month = month_add(month, 1)
    return True


def render_balances_note(url: str, scope: Scope) -> tuple[tuple[str, ...], bool]:
    """Show the balances note when the scope holds balances-only periods; see the module docstring."""
    periods = data.balance_only_periods(url, scope)
    if periods:
        # periods are YYYY-MM from the database's own check (never free text): safe in Markdown
        st.info(t("balances_note", periods=joined(periods)), icon="ℹ️")
    return periods, balances_only(scope, periods)
