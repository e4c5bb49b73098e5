"""The currency of a scope's amounts (#15): the currency of its plants.

Amounts are stored in their plant's currency (``plants.currency``) and no exchange rate is
stated anywhere, so nothing is ever converted and a scope whose plants use several currencies
has no total. Such a scope is shown **per plant, side by side** (``plant_figures``): each plant's
headline figures in its own currency, the plants grouped by currency with a subtotal per
currency of two or more plants, and no grand total. The pages show that table with one button
per currency that narrows the plant filter to it; ``cli.py report`` prints it with one command
per currency and exits 2. A scope without plants (an empty database) takes the dataset's
``currency`` setting (an import profile's ``[dataset] currency``), else CNY.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
from sqlalchemy.engine import Engine

from analytics.cockpit import compute_budget_execution
from analytics.ledger import compute_kpis, compute_monthly_pnl
from analytics.money import finite
from data_loaders import queries as q
from data_loaders.scope import Scope
from reports.budget import budget_report

DEFAULT_CURRENCY = "CNY"


def resolve_currency(by_plant: dict[str, str], fallback: str | None = None) -> tuple[str, dict[str, str]]:
    """(the currency, plant -> currency when the plants use several, else {}).

    >>> resolve_currency({"P1": "CNY", "P2": "CNY"})
    ('CNY', {})
    >>> resolve_currency({"P1": "CNY", "P2": "USD"})
    ('CNY', {'P1': 'CNY', 'P2': 'USD'})
    """
    codes = sorted({c for c in by_plant.values() if c})
    if len(codes) > 1:
        return codes[0], dict(by_plant)
    return (codes[0] if codes else fallback or DEFAULT_CURRENCY), {}


def scope_currency(engine: Engine, scope: Scope) -> tuple[str, dict[str, str]]:
    """``resolve_currency`` for the scope's plants (every plant when it names none)."""
    return resolve_currency(q.load_plant_currencies(engine, tuple(scope.plants)), q.load_dataset_info(engine).get("currency"))


class MixedCurrencies(ValueError):
    """The scope's plants use several currencies: its amounts cannot be summed."""

    def __init__(self, by_plant: dict[str, str]):
        self.by_plant = by_plant
        self.groups = currency_groups(by_plant)
        listed = ", ".join(f"{p} {c}" for p, c in sorted(by_plant.items()))
        super().__init__(f"the plants of the scope use several currencies ({listed}); amounts are never summed across "
                         "currencies: pick plants of one currency (--plant)")


# the headline figures of a plant (or of a currency's plants) in ``plant_figures``
FIGURES = ("revenue_amount", "cost_of_sales_amount", "variance_amount", "gross_profit_amount", "gross_margin_pct",
           "budget_execution_pct", "cash_amount")
# the contract tables ``plant_figures`` reads (the page checks them before drawing it)
FIGURE_TABLES = ("accounts", "bank_accounts", "budgets", "cash_balances", "cost_centers", "plants", "purchase_orders",
                 "voucher_lines", "vouchers")


def currency_groups(by_plant: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Currency -> its plants, both sorted.

    >>> currency_groups({"P3": "CNY", "P2": "USD", "P1": "CNY"})
    {'CNY': ('P1', 'P3'), 'USD': ('P2',)}
    """
    groups: dict[str, list[str]] = {}
    for plant, code in sorted(by_plant.items()):
        groups.setdefault(code or DEFAULT_CURRENCY, []).append(plant)
    return {code: tuple(groups[code]) for code in sorted(groups)}


def scope_figures(engine: Engine, scope: Scope, fast: bool | None = None) -> dict:
    """The headline figures of a scope of one currency, as the pages show them: revenue, cost of
    sales at standard, the cost variance and gross profit over the span with the gross margin
    (the ledger's P&L, ``analytics.ledger.compute_kpis``, the overview's cards), the execution of
    the cost budget (the original version, ``analytics.cockpit.compute_budget_execution``, the
    cockpit's; as on the budget page, cost centers without a plant, head office, count in every
    plant) and the cash at bank on the span's last balance date; None where there is
    nothing to compute a figure from (no cost budget, no bank balance)."""
    fast = q.use_ledger_facts(engine) if fast is None else fast
    pnl = compute_monthly_pnl(q.load_ledger_by_category(engine, scope, fast))
    kpis = compute_kpis(pnl, pd.DataFrame(), q.load_cash_balances(engine, scope))
    budget = budget_report(engine, scope, use_facts=fast)
    execution = compute_budget_execution(budget["total"]) if budget is not None else None
    return {
        "revenue_amount": kpis["revenue_amount"],
        "cost_of_sales_amount": round(float(pnl.cost_of_sales_amount.sum()), 2) if len(pnl) else 0.0,
        "variance_amount": kpis["variance_amount"],
        "gross_profit_amount": kpis["gross_profit_amount"],
        "gross_margin_pct": finite(kpis["gross_margin_pct"]),
        "budget_execution_pct": None if execution is None else finite(round(execution, 4)),
        "cash_amount": kpis["cash_amount"] if kpis["cash_date"] else None,
        "cash_date": kpis["cash_date"],
    }


def plant_figures(engine: Engine, scope: Scope) -> dict:
    """A scope whose plants use several currencies, side by side and never summed across them:
    ``{"scope", "currencies": {currency: [plants]}, "rows": [...]}``. ``rows`` are grouped by
    currency (codes sorted, then plant ids): one row per plant with ``scope_figures`` for the
    scope narrowed to that plant, and, for a currency of two or more plants, a subtotal row
    (``is_subtotal``) with the figures of the scope narrowed to that currency's plants (what the
    pages show once the plant filter is narrowed to them). There is no grand total: no exchange
    rate is stated in the data. Each row has ``currency``, ``plant_id`` (None on a subtotal),
    ``plants`` and ``is_subtotal``. Works for a scope of one currency too (one group)."""
    by_plant = q.load_plant_currencies(engine, tuple(scope.plants))
    fast = q.use_ledger_facts(engine)
    groups = currency_groups(by_plant)
    rows = []
    for code, plants in groups.items():
        for plant in plants:
            rows.append({"currency": code, "plant_id": plant, "plants": [plant], "is_subtotal": False,
                         **scope_figures(engine, dataclasses.replace(scope, plants=(plant,)), fast)})
        if len(plants) > 1:
            rows.append({"currency": code, "plant_id": None, "plants": list(plants), "is_subtotal": True,
                         **scope_figures(engine, dataclasses.replace(scope, plants=plants), fast)})
    return {"scope": {"period_from": scope.period_from, "period_to": scope.period_to, "plants": list(scope.plants),
                      "families": list(scope.families)},
            "currencies": {code: list(plants) for code, plants in groups.items()},
            "rows": rows}
