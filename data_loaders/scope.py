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

    def shifted(self, months: int) -> "Scope | None":
        """The same span moved ``months`` back (12 = the same months a year earlier)."""
        if not (self.period_from and self.period_to):
            return None
        return Scope(month_add(self.period_from, -months), month_add(self.period_to, -months), self.plants, self.families)

    def with_periods(self, period_from: str, period_to: str) -> "Scope":
        return Scope(period_from, period_to, self.plants, self.families)

    @property
    def n_months(self) -> int:
        if not (self.period_from and self.period_to):
            return 0
        return months_between(self.period_from, self.period_to) + 1


def month_add(period: str, k: int) -> str:
    """``"2026-01"`` plus ``k`` months (negative goes back): ``month_add("2026-01", -1) == "2025-12"``."""
    n = int(period[:4]) * 12 + int(period[5:7]) - 1 + k
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def months_between(a: str, b: str) -> int:
    """How many months ``b`` is after ``a`` (0 for the same month)."""
    return (int(b[:4]) - int(a[:4])) * 12 + int(b[5:7]) - int(a[5:7])


# --------------------------------------------------------------------------- period modes
MODES = ("month", "quarter", "ytd", "r12", "custom")


@dataclass(frozen=True)
class PeriodChoice:
    """How a finance person picks the span: a mode and the month it ends in.

    - ``month``: that month; compared with the prior month and the same month a year earlier.
    - ``quarter``: the calendar quarter up to that month (quarter to date); compared with the
      same months of the prior quarter and of the same quarter a year earlier.
    - ``ytd``: January to that month; compared with the same months a year earlier (and budget).
    - ``r12``: the twelve months ending in that month; compared with the twelve before.
    - ``custom``: ``period_from`` to that month; compared with the same length before and
      the same months a year earlier.

    >>> PeriodChoice("ytd", "2026-10").span()
    ('2026-01', '2026-10')
    """

    mode: str
    month: str
    period_from: str | None = None

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        Scope(self.month, self.month)  # validates the month
        if self.mode == "custom":
            if self.period_from is None:
                raise ValueError("a custom span needs period_from")
            Scope(self.period_from, self.month)  # validates order

    def span(self) -> tuple[str, str]:
        """(first month, last month) of the chosen span, inclusive."""
        year, m = self.month[:4], int(self.month[5:7])
        if self.mode == "month":
            return self.month, self.month
        if self.mode == "quarter":
            return f"{year}-{(m - 1) // 3 * 3 + 1:02d}", self.month
        if self.mode == "ytd":
            return f"{year}-01", self.month
        if self.mode == "r12":
            return month_add(self.month, -11), self.month
        return self.period_from, self.month

    def scope(self, plants: tuple[str, ...] = (), families: tuple[str, ...] = ()) -> Scope:
        return Scope(*self.span(), plants, families)

    def comparisons(self) -> list[tuple[str, int]]:
        """The comparisons this mode calls for, as (name, months to shift back), first is the main one.

        Names: ``prior_month``, ``prior_quarter``, ``prior_year`` (the same months a year
        earlier), ``prior_12``, ``prior_span``. Budget is always the same span and not listed.
        """
        if self.mode == "month":
            return [("prior_month", 1), ("prior_year", 12)]
        if self.mode == "quarter":
            return [("prior_quarter", 3), ("prior_year", 12)]
        if self.mode == "ytd":
            return [("prior_year", 12)]
        if self.mode == "r12":
            return [("prior_12", 12)]
        first, last = self.span()
        return [("prior_span", months_between(first, last) + 1), ("prior_year", 12)]


def last_closed_period(periods: list[str], as_of: str | None) -> str | None:
    """The latest period before the as-of date's month (that month is still open); with no
    as-of date, the one before the latest period; None when there are no periods."""
    if not periods:
        return None
    ordered = sorted(periods)
    if as_of:
        closed = [p for p in ordered if p < str(as_of)[:7]]
        if closed:
            return closed[-1]
        return ordered[0]
    return ordered[-2] if len(ordered) > 1 else ordered[0]
