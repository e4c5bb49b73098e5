"""Exact money arithmetic, against hand-computed cents."""

import numpy as np
import pytest

from analytics.money import compute_overhead_cents, compute_standard_cents, mul_cents, round_half_up_div


def test_mul_cents_hand_computed():
    # 12.345 kg x 6.8000 = 83.946 -> 83.95; 3 pcs x 0.3500 = 1.05; 1.005 x 1.0000 = 1.005 -> 1.01 (half up)
    got = mul_cents([12.345, 3.0, 1.005], 3, [6.8, 0.35, 1.0], 4)
    assert got.tolist() == [8395, 105, 101]


def test_half_up_where_floats_fail():
    # 2.675 is 2.67499999... as a binary float, so round(2.675, 2) == 2.67; accounting wants 2.68
    assert round(2.675, 2) == 2.67
    assert mul_cents([2.675], 3, [1.0], 4).tolist() == [268]


def test_negative_amounts_round_away_from_zero():
    # a return: -1.005 -> -1.01, mirroring SQL ROUND
    assert mul_cents([-1.005], 3, [1.0], 4).tolist() == [-101]
    assert round_half_up_div(np.array([-5, 5, 4, -4]), 10).tolist() == [-1, 1, 0, 0]


def test_overhead_cents():
    # 5,400 s = 1.5 h at 165.00/h = 247.50; 1 s at 100.00/h = 0.0278 -> 0.03
    assert compute_overhead_cents([5400, 1], [165.0, 100.0]).tolist() == [24750, 3]


@pytest.mark.parametrize("qty,price", [(0.001, 0.0001), (999_999.999, 9_999.9999)])
def test_extremes_do_not_overflow(qty, price):
    expected = int((round(qty * 1000) * round(price * 10000) * 2 + 10**5) // (2 * 10**5))
    assert mul_cents([qty], 3, [price], 4).tolist() == [expected]


from decimal import ROUND_HALF_UP, Decimal  # noqa: E402

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

QTY = st.decimals(min_value=-999_999, max_value=999_999, places=3, allow_nan=False, allow_infinity=False)
PRICE = st.decimals(min_value=0, max_value=99_999, places=4, allow_nan=False, allow_infinity=False)


@given(QTY, PRICE)
def test_mul_cents_equals_decimal_round_half_up(qty, price):
    # the reference: exact decimal product, rounded half away from zero like SQL ROUND on NUMERIC
    exact = (qty * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert mul_cents([float(qty)], 3, [float(price)], 4).tolist() == [int(exact * 100)]


def test_standard_split_adds_up_to_what_completion_posts():
    # one unit at 0.0050 + 0.0050 + 0: the posted total rounds 0.0100 once -> 1 cent,
    # while rounding each component (half up) would give 1 + 1 + 0 = 2 cents
    std = compute_standard_cents([1.0], [0.005], [0.005], [0.0])
    assert std["total"].tolist() == [1]
    assert (std["material"] + std["labor"] + std["overhead"]).tolist() == [1]
    assert std["material"].tolist() == [1] and std["labor"].tolist() == [1] and std["overhead"].tolist() == [-1]
