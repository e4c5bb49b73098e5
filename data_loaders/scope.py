"""The one scope object that every loader takes.

Filters build it, caches key on it (it is frozen and hashable), and access rules can narrow
it in one place before any query runs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """What a query may see. Empty tuples mean "all".

    period_from / period_to: inclusive accounting months ``YYYY-MM`` (None = open-ended).
    """

    period_from: str | None = None
    period_to: str | None = None
    plants: tuple[str, ...] = ()
    families: tuple[str, ...] = ()

    def __post_init__(self):
        for name in ("period_from", "period_to"):
            value = getattr(self, name)
            if value is not None and (len(value) != 7 or value[4] != "-" or not (value[:4] + value[5:]).isdigit()):
                raise ValueError(f"{name} must look like YYYY-MM, got {value!r}")
        if self.period_from and self.period_to and self.period_from > self.period_to:
            raise ValueError(f"period_from {self.period_from} is after period_to {self.period_to}")
