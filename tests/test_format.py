"""Card money under the "auto" unit: the language's unit (万 / M), stepping up to 亿 / B for an
amount of a thousand million or more, and down for a small amount so that a non-zero figure
never reads as 0.00; one record's fields formatted by their column's kind (ui/format.py)."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st

from ui import format as f


@pytest.fixture
def session():
    def set_(lang: str, unit: str | None = None):
        st.session_state["lang"] = lang
        if unit is None:
            st.session_state.pop(f.KEY_UNIT, None)
        else:
            st.session_state[f.KEY_UNIT] = unit
    yield set_
    for key in ("lang", f.KEY_UNIT):
        st.session_state.pop(key, None)


@pytest.mark.parametrize("lang, amount, shown", [
    ("zh", 32_000_000.0, "¥3,200.00万"),  # 32,000,000 / 10,000
    ("zh", 10_000.0, "¥1.00万"),
    ("zh", 9_999.996, "¥1.00万"),        # shows as 1.00万, so it is in 万
    ("zh", 5_000.0, "¥5,000"),           # under 1万: whole yuan, never ¥0.50万's cousin ¥0.00万
    ("zh", -2_300.4, "-¥2,300"),
    ("zh", 0.0, "¥0.00万"),               # zero keeps the unit
    ("en", 32_000_000.0, "¥32.00M"),     # 32,000,000 / 1,000,000
    ("en", 999_999.0, "¥1.00M"),         # rounds to 1.00M
    ("en", 5_000.0, "¥5.00K"),           # was ¥0.01M
    ("en", -2_300.0, "-¥2.30K"),         # was -¥0.00M
    ("en", 994.0, "¥994"),               # under 1K: whole units
    ("en", 999.6, "¥1.00K"),             # 0.9996K shows as 1.00K
    ("en", 0.004, "¥0"),
    ("en", 0.0, "¥0.00M"),
    # a thousand million and more steps up, so that a card stays short
    ("zh", 10_378_650_000.0, "¥103.79亿"),   # 10,378,650,000 / 100,000,000; not ¥1,037,865.00万
    ("zh", 99_999_999.0, "¥1.00亿"),         # 0.99999999亿 shows as 1.00亿, so it is in 亿
    ("zh", 99_400_000.0, "¥9,940.00万"),     # 0.994亿 would show as 0.99亿: stays in 万
    ("zh", -250_000_000.0, "-¥2.50亿"),
    ("en", 10_378_650_000.0, "¥10.38B"),     # 10,378,650,000 / 1,000,000,000; not ¥10,378.65M
    ("en", 999_990_000.0, "¥1.00B"),         # 0.99999B shows as 1.00B, so it is in B
    ("en", 994_000_000.0, "¥994.00M"),       # 0.994B would show as 0.99B: stays in M
])
def test_auto_steps_down_for_small_amounts_and_up_for_large_ones(session, lang, amount, shown):
    session(lang)
    assert f.money(amount, "CNY", compact=True) == shown


def test_a_chosen_unit_is_kept_even_for_small_amounts(session):
    session("en", "1e6")
    assert f.money(2_300.0, "CNY", compact=True) == "¥0.00M"
    session("zh", "1e4")
    assert f.money(2_300.0, "USD", compact=True) == "$0.23万"


def test_a_change_takes_the_unit_of_its_size(session):
    session("en")
    assert f.money_delta(-2_300.0, "USD") == "-$2.30K"
    assert f.money_delta(1_250_000.0, "CNY") == "+¥1.25M"


@pytest.mark.parametrize("name, value, shown", [
    ("qty", 3403.0, "3,403"),                    # a quantity read as a float: not "3403.0"
    ("qty", 12.5, "12.5"),                       # only the decimals it has
    ("qty", 0.12345, "0.1235"),                  # at most four
    ("qty", -1200.0, "-1,200"),
    ("unit_cost", 3.0511, "3.0511"),             # a price: four decimals as in the tables
    ("unit_price", 12.0, "12.0000"),
    ("net_amount", 12345.678, "¥12,345.68"),     # money: to the cent with the currency
    ("net_amount", -0.004, "¥0.00"),             # rounds to zero: no sign
    ("discount_pct", 0.125, "12.5%"),
    ("issue_date", pd.Timestamp("2026-11-03"), "2026-11-03"),
    ("start_at", pd.Timestamp("2026-11-03 08:00:00"), "2026-11-03 08:00"),
    ("start_at", pd.Timestamp("2026-11-03 08:00:30"), "2026-11-03 08:00:30"),
    ("customer_id", "C001", "C001"),
    ("remark", None, ""),
    ("qty", float("nan"), ""),
])
def test_a_record_field_is_formatted_by_its_column_kind(session, name, value, shown):
    session("en")
    assert f.field_text(name, value, "CNY") == shown
