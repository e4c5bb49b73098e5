"""Exact money arithmetic: products of decimal quantities rounded half up to cents.

Accounting rounds half away from zero (as SQL ``ROUND`` does on NUMERIC); numpy rounds half
to even and binary floats cannot hold 2.675. So a line amount is computed on integers:
``qty`` with 3 decimals times ``unit_cost`` with 4 decimals is an integer in 1e-7 yuan, then
rounded half up to whole cents.

>>> mul_cents([2.5], 3, [1.0050], 4).tolist()     # 2.5 x 1.005 = 2.5125 -> 2.51
[251]
>>> mul_cents([1.0], 3, [0.0050], 4).tolist()     # 0.005 -> 0.01 (half up)
[1]

Sums over rows whose order comes from the database must not depend on that order: a float sum
does (``0.1 + 0.2 + 0.3 != 0.3 + 0.2 + 0.1``), and a figure on a half cent then rounds either
way (Spark returns rows in another order than DuckDB). Money that is whole cents is summed in
integer cents (``sum_cents``); other values (hours, quantities, products of rates) are summed
over the rows in a canonical order (``in_sum_order``). Either gives the same bits whatever
order the rows came in.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def _scaled(values, decimals: int) -> np.ndarray:
    return np.round(np.asarray(values, dtype=float) * 10**decimals).astype(np.int64)


def round_half_up_div(numerator: np.ndarray, denominator: int) -> np.ndarray:
    """Integer division rounded half away from zero."""
    numerator = np.asarray(numerator, dtype=np.int64)
    q = (np.abs(numerator) * 2 + denominator) // (2 * denominator)
    return np.sign(numerator) * q


def mul_cents(a, a_decimals: int, b, b_decimals: int) -> np.ndarray:
    """Cents of ``a x b`` where ``a`` has ``a_decimals`` and ``b`` has ``b_decimals`` decimals."""
    prod = _scaled(a, a_decimals) * _scaled(b, b_decimals)
    return round_half_up_div(prod, 10 ** (a_decimals + b_decimals - 2))


def compute_overhead_cents(machine_seconds, rate_per_h) -> np.ndarray:
    """Overhead absorbed in cents: seconds / 3600 x hourly rate (rate with 2 decimals)."""
    prod = _scaled(machine_seconds, 0) * _scaled(rate_per_h, 2)
    return round_half_up_div(prod, 3600)


def compute_standard_cents(good_qty, std_material_cost, std_labor_cost, std_overhead_cost) -> dict[str, np.ndarray]:
    """Standard cost of good output in cents, split by component so that the parts add up to the
    total the completion voucher posts: the total is rounded once, material and labor each once,
    and overhead is the remainder. Every figure of a work order's standard cost uses this."""
    unit = np.round(np.asarray(std_material_cost, dtype=float) + np.asarray(std_labor_cost, dtype=float)
                    + np.asarray(std_overhead_cost, dtype=float), 4)
    total = mul_cents(good_qty, 3, unit, 4)
    material = mul_cents(good_qty, 3, std_material_cost, 4)
    labor = mul_cents(good_qty, 3, std_labor_cost, 4)
    return {"material": material, "labor": labor, "overhead": total - material - labor, "total": total}


def sort_codes(s: pd.Series) -> np.ndarray:
    """A column as an array that sorts as it does (text as its sorted codes; missing last)."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=float, na_value=np.inf)
    codes, _ = pd.factorize(s, sort=True)
    return np.where(codes < 0, np.iinfo(np.int64).max, codes)


def in_sum_order(frame: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    """``frame``'s rows sorted by ``keys`` then by the ``values`` to be summed (stable; missing
    values last): a sum per key (or per any coarser grouping: a group keeps the rows' order)
    adds the same floats in the same order whatever order the rows came in; rows equal in all
    these columns are interchangeable in the sum. Name only the float columns summed: each
    column costs a pass of the sort (sum whole cents with ``sum_cents`` or as cents instead)."""
    cols = [c for c in dict.fromkeys(keys + values) if c in frame.columns]
    if not cols or len(frame) < 2:
        return frame.reset_index(drop=True)
    return frame.iloc[np.lexsort([sort_codes(frame[c]) for c in reversed(cols)])].reset_index(drop=True)  # last array first


def sum_cents(frame: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    """``values`` (money in whole cents, e.g. a work order's variances) summed per ``keys`` in
    integer cents, then back to yuan: exact, so the same bits whatever the order or the grouping
    of the rows (a sum of the orders equals the sum of their groups). Keys as columns, sorted;
    ``keys`` empty: one row. The frame a ``groupby(keys, sort=True)`` sum gives (a row with a
    missing key left out), on arrays: a view sums a few thousand rows a dozen times, and pandas'
    group-by machinery cost several milliseconds a call (tests/test_row_order.py compares both)."""
    cents = np.column_stack([np.round(frame[c].astype(float).fillna(0.0).to_numpy() * 100).astype(np.int64) for c in values]) \
        if values else np.zeros((len(frame), 0), dtype=np.int64)
    if not keys:
        return pd.DataFrame(cents.sum(axis=0, dtype=np.int64)[None, :] / 100.0, columns=list(values))
    codes, sizes = [], []
    for k in keys:
        if isinstance(frame[k].dtype, pd.CategoricalDtype):  # unobserved categories: pandas' own rules
            return _grouped_cents(frame, keys, values, cents)
        c, uniques = pd.factorize(frame[k], sort=True)  # the sorted order a groupby gives its groups
        codes.append(c)
        sizes.append(max(len(uniques), 1))
    if math.prod(sizes) >= 2**62:  # the combined key would not fit a 64-bit integer
        return _grouped_cents(frame, keys, values, cents)
    keep = np.flatnonzero(np.logical_and.reduce([c >= 0 for c in codes]))
    key = np.zeros(len(keep), dtype=np.int64)
    for c, n in zip(codes, sizes):  # mixed radix: ascending key = the keys' lexicographic order
        key = key * n + c[keep]
    order = np.argsort(key, kind="stable")
    starts = np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1]]) if len(keep) else np.zeros(0, dtype=np.int64)
    out = frame[keys].iloc[keep[order[starts]]].reset_index(drop=True)
    sums = np.add.reduceat(cents[keep[order]], starts, axis=0) if len(starts) else np.zeros((0, len(values)), dtype=np.int64)
    for i, c in enumerate(values):
        out[c] = sums[:, i] / 100.0
    return out


def _grouped_cents(frame: pd.DataFrame, keys: list[str], values: list[str], cents: np.ndarray) -> pd.DataFrame:
    """``sum_cents`` by pandas' group-by (categorical keys, or more key combinations than 2**62)."""
    g = pd.concat([frame[keys], pd.DataFrame(cents, columns=list(values), index=frame.index)], axis=1)
    g = g.groupby(keys, as_index=False, sort=True, observed=True)[values].sum()
    g[values] = g[values].astype(np.int64) / 100.0
    return g


def finite(value) -> float | None:
    """``value`` as a plain float for JSON: None when it is missing, not a number or not finite."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):  # pd.NA, text
        return None
    return value if math.isfinite(value) else None
