"""The finance pack's ledger reports: the P&L statement and the trial balance with balances."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from analytics.ledger import compute_trial_balance_totals
from analytics.pnl import compute_pnl_margins, compute_pnl_statement
from data_loaders import budget as budget_loaders
from data_loaders import queries as q
from data_loaders.scope import PeriodChoice, Scope, month_add, months_between

BUDGET_VERSION = "original"


def scope_months(scope: Scope) -> list[str] | None:
    """Every month of a closed scope, in order (None when an end is open)."""
    if not (scope.period_from and scope.period_to):
        return None
    return [month_add(scope.period_from, k) for k in range(months_between(scope.period_from, scope.period_to) + 1)]


def pnl_statement_report(engine: Engine, scope: Scope, layout: str = "by_month",
                         choice: PeriodChoice | None = None, use_facts: bool | None = None,
                         ledger_of=None) -> dict[str, pd.DataFrame]:
    """``{"statement": ..., "margins": ...}`` for the scope in ``layout`` (see ``analytics/pnl.py``).

    The comparison layout compares with each of the period choice's comparisons (the scope
    shifted back by its months, same plants and families) and the ``original`` budget of the
    same span. With no choice the scope counts as a custom span. ``use_facts``: read the ledger
    facts (default: when they are fresh, ``queries.use_ledger_facts``). ``ledger_of``: a function
    of a scope giving its ``load_ledger_by_category`` rows (the UI's cached ones), else read here.
    """
    use_facts = q.use_ledger_facts(engine, use_facts)
    if ledger_of is None:
        def ledger_of(s: Scope) -> pd.DataFrame:
            return q.load_ledger_by_category(engine, s, use_facts)
    ledger = ledger_of(scope)
    if layout == "by_month":
        statement = compute_pnl_statement(ledger, "by_month", periods=scope_months(scope))
    else:
        if choice is None and scope.period_from and scope.period_to:
            choice = PeriodChoice("custom", scope.period_to, scope.period_from)
        # a 12-month custom span's prior span is the same months last year: one column, named so
        by_shift: dict[int, str] = {}
        for name, months in (choice.comparisons() if choice else []):
            by_shift[months] = name
        comparisons = {}
        for months, name in by_shift.items():
            shifted = scope.shifted(months)
            if shifted is not None:
                comparisons[name] = ledger_of(shifted)
        budget = budget_loaders.load_budget_by_category(engine, scope, BUDGET_VERSION)
        statement = compute_pnl_statement(ledger, "comparison", comparisons=comparisons,
                                          budget=budget if not budget.empty else None)
    return {"statement": statement, "margins": compute_pnl_margins(statement)}


NO_LEDGER = pd.DataFrame({"period": pd.Series(dtype=object), "category": pd.Series(dtype=object),
                          "debit_amount": pd.Series(dtype=float), "credit_amount": pd.Series(dtype=float)})


def budget_statement(engine: Engine, scope: Scope) -> pd.DataFrame:
    """The comparison layout's ``original`` budget column of the scope alone (its current column
    is zero: no ledger is read): what ``analytics.kpi.compute_budget_kpis`` reads, without
    reading and computing the span's ledger and comparison spans (the same budget column: it
    depends on the budget alone; tested against the whole statement)."""
    budget = budget_loaders.load_budget_by_category(engine, scope, BUDGET_VERSION)
    return compute_pnl_statement(NO_LEDGER, "comparison", budget=budget if not budget.empty else None)


def trial_balance_report(engine: Engine, scope: Scope, use_facts: bool | None = None) -> dict:
    """``{"accounts": ..., "totals": ...}``: the trial balance with opening, movement and closing
    per account, and its totals with the balance checks."""
    tb = q.load_trial_balance_with_opening(engine, scope, use_facts)
    return {"accounts": tb, "totals": compute_trial_balance_totals(tb)}
