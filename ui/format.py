"""Number formatting for screens: the one place that turns numbers into text.

Conventions:
- Money on cards and chart axes is shown in the **money unit** the user chose in the sidebar
  (全额 / 千 / 万 / 百万 / 亿, or Full / K / 10K / M / 100M in English), in the scope's currency
  (万元 for CNY, 万USD …); "auto" means 万 in Chinese and M in English. Tables keep money exact
  to the cent. On cards (``money(…, compact=True)``) "auto" steps down for an amount under one
  of its unit, so that a non-zero figure never reads as 0.00: under 1万 a Chinese card shows
  whole yuan (¥5,000), under 1M an English card shows K (¥5.00K), under 1K whole units; and
  steps up for an amount of a thousand million or more, so that a card stays short enough to
  read across a meeting room: 1亿 and more in 亿 (¥103.79亿, not ¥1,037,865.00万), 1B and more
  in B (¥10.38B, not ¥10,378.65M); the suffix on every figure says which. A chosen unit is
  kept as chosen.
- Ratios are fractions 0-1 in data (``*_pct``) and become percentages only here; a change of a
  ratio is in percentage points (``pp``), never in percent.
- Changes carry their sign ("+1.2", "-0.4") and no arrow: ``metric_delta_arrow`` is "off" for
  every KPI card, so a figure has one sign convention.
"""

from __future__ import annotations

import math
import numbers

import streamlit as st

from ui.i18n import lang

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€"}
KEY_UNIT = "unit"
UNITS = ("auto", "1", "1e3", "1e4", "1e6", "1e8")
# (Chinese suffix, English suffix) shown after the figure, and the unit's name for axis titles
UNIT_SUFFIX = {"1": ("", ""), "1e3": ("千", "K"), "1e4": ("万", "×10K"), "1e6": ("百万", "M"), "1e8": ("亿", "×100M"),
               "1e9": ("十亿", "B")}  # 1e9: only a card's step up under "auto" in English, never a choice
# the unit picker's names: a scale, in no currency (the amounts are in the plants' currency, #15)
UNIT_NAMES = {"auto": ("自动", "Auto"), "1": ("全额", "Full"), "1e3": ("千", "K"), "1e4": ("万", "10K"), "1e6": ("百万", "M"),
              "1e8": ("亿", "100M")}
CNY_UNITS_ZH = {"1": "元", "1e3": "千元", "1e4": "万元", "1e6": "百万元", "1e8": "亿元"}  # "万元" reads as yuan: CNY only
MINUS = "-"  # ASCII: st.metric reads a leading "-" to colour a change as a fall
METRIC_DELTA_ARROW = "off"


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def money_unit() -> str:
    """The chosen money unit key, with "auto" resolved for the language: "1e4" (万) or "1e6" (M)."""
    unit = st.session_state.get(KEY_UNIT, "auto")
    if unit not in UNIT_SUFFIX:
        unit = "1e4" if lang() == "zh" else "1e6"
    return unit


def money_divisor() -> float:
    """What to divide an amount by to show it in the chosen unit (1, 1e3, 1e4, 1e6 or 1e8)."""
    return float(money_unit())


def unit_name(unit: str | None = None) -> str:
    """The unit's own name in the session language: 万 / M …"""
    return UNIT_NAMES[unit or money_unit()][0 if lang() == "zh" else 1]


def money_unit_label(currency: str = "CNY") -> str:
    """What goes in brackets after an amount's label: "万元" (CNY) or "万USD" in Chinese, "CNY M"
    in English."""
    unit = money_unit()
    if lang() == "zh":
        return CNY_UNITS_ZH[unit] if currency == "CNY" else f"{UNIT_SUFFIX[unit][0]}{currency}"
    suffix = UNIT_SUFFIX[unit][1]
    return f"{currency} {suffix}".strip()


def scale_money(values):
    """Amounts (a number, Series or array) in the chosen unit, for chart axes."""
    return values / money_divisor()


def card_unit(amount: float) -> str:
    """The unit a card shows ``amount`` (≥ 0) in: the chosen one; under "auto", the language's
    unit (万 / M), or for a large amount the language's next one once the amount shows as at
    least 1.00 of it (亿 in Chinese, B in English), or for an amount that is not zero and under
    one of the language's unit, the largest smaller unit of the language (whole yuan in
    Chinese; K, or whole units under 1K, in English)."""
    unit = money_unit()

    def reaches(step: str) -> bool:  # shows as at least 1.00 of the step (999,999.99 is ¥1.00M)
        return round(amount / float(step), 2) >= 1

    if st.session_state.get(KEY_UNIT, "auto") in UNIT_SUFFIX or amount == 0:
        return unit
    larger = "1e8" if lang() == "zh" else "1e9"
    if reaches(larger):
        return larger
    if reaches(unit):
        return unit
    steps = ("1",) if lang() == "zh" else ("1e3", "1")
    return next((step for step in steps if reaches(step)), "1")


def money(value, currency: str = "CNY", compact: bool = False) -> str:
    """``¥1,234,567.89`` exact to the cent; compact: in the chosen unit, ``¥123.46万`` / ``¥1.23M``
    (under "auto", a small amount in a smaller unit: ``¥5,000`` / ``¥5.00K``, see ``card_unit``)."""
    if _missing(value):
        return "—"
    value = float(value)
    sym = SYMBOLS.get(currency, currency + " ")
    sign = MINUS if value < 0 and round(abs(value), 2) > 0 else ""
    v = abs(value)
    if not compact:
        return f"{sign}{sym}{v:,.2f}"
    unit = card_unit(v)
    suffix = UNIT_SUFFIX[unit][0 if lang() == "zh" else 1]
    scaled = v / float(unit)
    digits = 0 if unit == "1" else 2
    return f"{sign}{sym}{scaled:,.{digits}f}{suffix}"


def money_delta(value, currency: str = "CNY") -> str | None:
    """A signed change in the chosen unit: ``+¥12.30万`` / ``-¥0.40M``; None when unknown."""
    if _missing(value):
        return None
    text = money(abs(float(value)), currency, compact=True)
    return ("+" if float(value) >= 0 else MINUS) + text


def pct(value, digits: int = 1) -> str:
    """A fraction as a percentage with a fixed number of decimals: 0.1234 -> ``12.3%``."""
    if _missing(value):
        return "—"
    value = float(value) * 100
    sign = MINUS if value < 0 and round(abs(value), digits) > 0 else ""
    return f"{sign}{abs(value):.{digits}f}%"


def pp(value, digits: int = 1) -> str | None:
    """A change of a ratio in percentage points: 0.012 -> ``+1.2 pp`` / ``+1.2个百分点``."""
    if _missing(value):
        return None
    value = float(value) * 100
    sign = "+" if value >= 0 else MINUS
    unit = "个百分点" if lang() == "zh" else " pp"
    return f"{sign}{abs(value):.{digits}f}{unit}"


def qty(value, unit: str | None = None, digits: int = 0) -> str:
    """A quantity with thousands separators and, if given, its unit: ``12,345 件``."""
    if _missing(value):
        return "—"
    value = float(value)
    sign = MINUS if value < 0 and round(abs(value), digits) > 0 else ""
    text = f"{sign}{abs(value):,.{digits}f}"
    return f"{text} {unit}" if unit else text


def qty_delta(value, unit: str | None = None, digits: int = 0) -> str | None:
    """A signed change of a quantity: ``+1,234 件``."""
    if _missing(value):
        return None
    return ("+" if float(value) >= 0 else MINUS) + qty(abs(float(value)), unit, digits)


def number(value, digits: int = 1) -> str:
    """A plain number (days, ratios that are not fractions) with a fixed number of decimals."""
    if _missing(value):
        return "—"
    value = float(value)
    sign = MINUS if value < 0 and round(abs(value), digits) > 0 else ""
    return f"{sign}{abs(value):,.{digits}f}"


def days(value, digits: int = 1) -> str:
    """A number of days: ``63.0 天`` / ``63.0 days``."""
    if _missing(value):
        return "—"
    return f"{number(value, digits)} {'天' if lang() == 'zh' else 'days'}"


def number_delta(value, digits: int = 1) -> str | None:
    if _missing(value):
        return None
    return ("+" if float(value) >= 0 else MINUS) + number(abs(float(value)), digits)


def plain_number(value, max_digits: int = 4) -> str:
    """A number with thousands separators and only the decimals it has (up to ``max_digits``):
    3403.0 -> ``3,403``, 12.5 -> ``12.5``; a quantity read as a float is never ``3403.0``."""
    if _missing(value):
        return "—"
    value = float(value)
    text = f"{abs(value):,.{max_digits}f}".rstrip("0").rstrip(".")
    return (MINUS if value < 0 and text != "0" else "") + text


def field_text(name: str, value, currency: str = "CNY") -> str:
    """One field of a record (a source document's row) as text, formatted by its column's kind
    as the tables format it: money exact to the cent with its currency, prices to four decimals,
    fractions as percentages, dates and times without the clock's zeros, other numbers with
    separators and only the decimals they have; empty when missing."""
    if _missing(value):
        return ""
    kind = column_kind(name)
    if kind == "money":
        return money(value, currency)
    if kind == "price":
        return f"{float(value):,.4f}"
    if kind == "pct":
        return pct(value)
    if kind == "pp":
        return pp(value) or ""
    if kind == "date":
        return str(value)[:10]
    if kind == "datetime":
        text = str(value)[:19]
        return text[:16] if text.endswith(":00") else text
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return plain_number(value)
    return str(value)


def column_kind(name: str) -> str:
    """How a column is formatted, from the naming convention: money, price, pct, pp, qty, duration,
    days, count, flag, date, datetime or text."""
    if name.endswith("_amount"):
        return "money"
    if name.endswith(("_price", "_cost", "_rate_per_h")):
        return "price"
    if name.endswith("_change_pct") or (name.startswith("vs_") and name.endswith("_pct")):
        return "pp"  # a change of a ratio: shown in percentage points
    if name.endswith("_pct"):
        return "pct"
    if name.endswith("_qty"):
        return "qty"
    if name.endswith(("_min", "_h")):
        return "duration"
    if name.endswith("_days"):
        return "days"
    if name.startswith("n_"):
        return "count"
    if name.startswith("is_"):
        return "flag"
    if name.endswith("_date"):
        return "date"
    if name.endswith("_at"):
        return "datetime"
    return "text"
