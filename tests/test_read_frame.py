"""The DuckDB read path's frames (``engine._arrow_to_frame``) equal the ones the whole-table cast
gave before it replaced only the decimal and date columns and converted small results in one
thread: the same values to the bit, the same dtypes and array types, small and large, empty."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from data_loaders import engine as eng


def _whole_table_cast(table: pa.Table) -> pd.DataFrame:
    """The conversion as it was: decimals as ``_decimal_floats``, then one cast of the table to
    the target schema (dates as timestamps) and ``to_pandas`` with Arrow's threads."""
    fields = []
    for i, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            table = table.set_column(i, pa.field(field.name, pa.float64()), eng._decimal_floats(table.column(i)))
            fields.append(pa.field(field.name, pa.float64()))
        elif pa.types.is_date(field.type):
            fields.append(pa.field(field.name, pa.timestamp("us")))
        else:
            fields.append(field)
    frame = table.cast(pa.schema(fields)).to_pandas()
    if frame.empty:
        frame = pd.DataFrame({c: pd.array([], dtype=frame[c].dtype) for c in frame.columns}, columns=frame.columns)
    return frame


def _every_type(n: int) -> pa.Table:
    rng = np.random.default_rng(n)
    cents = rng.integers(-10**9, 10**9, n)
    some_null = lambda values: [None if i % 7 == 3 else v for i, v in enumerate(values)]  # noqa: E731
    return pa.table({
        "text": pa.array(some_null([f"V{i:06d}" for i in range(n)]), pa.string()),
        "line_no": pa.array(np.arange(n, dtype=np.int32)),
        "n_moves": pa.array(some_null(list(range(n))), pa.int64()),
        "money": pa.array(some_null([Decimal(int(c)) / 100 for c in cents]), pa.decimal128(18, 2)),
        "qty": pa.array([Decimal(int(c)) / 10_000 for c in cents], pa.decimal128(12, 4)),
        "sum38": pa.array([Decimal(int(c)) for c in cents], pa.decimal128(38, 0)),
        "ratio": pa.array(rng.random(n)),
        "day": pa.array(some_null([dt.date(2026, 1, 1) + dt.timedelta(days=i % 400) for i in range(n)]), pa.date32()),
        "at": pa.array([dt.datetime(2026, 1, 1, 6) + dt.timedelta(minutes=i) for i in range(n)], pa.timestamp("us")),
        "flag": pa.array([i % 2 == 0 for i in range(n)]),
        "nothing": pa.nulls(n),
    })


@pytest.mark.parametrize("n", [0, 1, 33, 30_000])  # 30,000 rows x 11 columns: above THREADED_CELLS, Arrow's threads
def test_the_frame_is_the_whole_table_casts(n):
    table = _every_type(n)
    if n == 30_000:
        table = pa.concat_tables([table.slice(0, 10_000), table.slice(10_000)])  # two chunks, as a large result comes
    got, want = eng._arrow_to_frame(table), _whole_table_cast(table)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert list(got.dtypes) == list(want.dtypes)
    for c in want.columns:
        assert type(got[c].array) is type(want[c].array), c
        if want[c].dtype.kind == "f":
            assert np.array_equal(got[c].to_numpy().view("i8"), want[c].to_numpy().view("i8")), c
    if n:
        assert got.day.dtype == "datetime64[us]" and got.money.dtype == np.float64 and got.line_no.dtype == np.int32



@pytest.mark.parametrize("values", [
    ["9007199254740.992", "-9007199254740.992", None],  # the unscaled integer at +-2**53: the exact path
    ["9007199254740.993", "0.001"],  # 2**53 + 1: by float(Decimal)
    ["-9007199254740.993", None, "0.000"],
    [None, None],
])
def test_decimals_at_the_edge_of_53_bits_are_the_nearest_float(values):
    column = pa.chunked_array([pa.array([None if v is None else Decimal(v) for v in values], type=pa.decimal128(18, 3))])
    got = eng._decimal_floats(column).to_pylist()
    assert [None if v is None else np.float64(v).view("i8") for v in got] == \
        [None if v is None else np.float64(float(Decimal(v))).view("i8") for v in values]
