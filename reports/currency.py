"""The currency of a scope's amounts (#15): the currency of its plants.

Amounts are stored in their plant's currency (``plants.currency``) and no exchange rate is
stated anywhere, so a scope whose plants use several currencies has no total: the pages stop
with a message asking for plants of one currency, and ``cli.py report`` refuses the scope
(exit code 2). A scope without plants (an empty database) takes the dataset's ``currency``
setting (an import profile's ``[dataset] currency``), else CNY.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from data_loaders import queries as q
from data_loaders.scope import Scope

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
        listed = ", ".join(f"{p} {c}" for p, c in sorted(by_plant.items()))
        super().__init__(f"the plants of the scope use several currencies ({listed}); amounts are never summed across "
                         "currencies: pick plants of one currency (--plant)")
