"""Number formatting for screens: money with currency, percentages, compact figures.

Ratios are fractions 0-1 in data (``*_pct``) and become percentages only here.
"""

from __future__ import annotations

import math

from ui.i18n import lang

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€"}


def money(value: float | None, currency: str = "CNY", compact: bool = False) -> str:
    """``¥1,234,567.89``; compact: ``¥123.5万`` / ``¥1.23亿`` in Chinese, ``¥1.23M`` in English."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    sym = SYMBOLS.get(currency, currency + " ")
    sign = "-" if value < 0 else ""
    v = abs(value)
    if not compact:
        return f"{sign}{sym}{v:,.2f}"
    if lang() == "zh":
        if v >= 1e8:
            return f"{sign}{sym}{v / 1e8:,.2f}亿"
        if v >= 1e4:
            return f"{sign}{sym}{v / 1e4:,.1f}万"
        return f"{sign}{sym}{v:,.0f}"
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{sign}{sym}{v / div:,.2f}{suffix}"
    return f"{sign}{sym}{v:,.0f}"


def pct(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.{digits}f}%"


def qty(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.0f}"
