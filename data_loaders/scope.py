"""The one scope object that every loader takes.

Filters build it, caches key on it (it is frozen and hashable), and access rules can narrow
it in one place before any query runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


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
            if value is not None and not _PERIOD.fullmatch(value):
                raise ValueError(f"{name} must be a month YYYY-MM (01-12), got {value!r}")
        if self.period_from and self.period_to and self.period_from > self.period_to:
            raise ValueError(f"period_from {self.period_from} is after period_to {self.period_to}")

    def previous(self) -> "Scope | None":
        """The same number of months immediately before this scope, for period-on-period deltas."""
        if not (self.period_from and self.period_to):
            return None
        y0, m0 = int(self.period_from[:4]), int(self.period_from[5:])
        y1, m1 = int(self.period_to[:4]), int(self.period_to[5:])
        length = (y1 - y0) * 12 + (m1 - m0) + 1

        def shift(y: int, m: int, k: int) -> str:
            n = y * 12 + (m - 1) - k
            return f"{n // 12:04d}-{n % 12 + 1:02d}"

        return Scope(shift(y0, m0, length), shift(y1, m1, length), self.plants, self.families)
