"""Text columns for the sample generator without a Python object per row.

The generator keeps every text column as integer codes into a small table of values (work
centers, accounts, periods …) or as numbers it formats in one pass (``WO-2025-00012``,
``MI202606-000123``); ``pyarrow`` turns them into the final text when a table is assembled, so
ten million voucher lines never become ten million Python strings.

A ``Coded`` column is ``(codes, values)``: ``values.take(codes)``, code -1 meaning missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc




@dataclass(frozen=True)
class Coded:
    """A text column as codes into ``values`` (-1 = missing)."""

    codes: np.ndarray
    values: pa.Array

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, idx) -> "Coded":
        return Coded(self.codes[idx], self.values)

    def text(self) -> pa.Array:
        return take(self.values, self.codes)

    def arrow(self) -> pa.Array:
        """Dictionary-encoded (int32 codes): compact, and decoded only where text is needed."""
        codes = np.asarray(self.codes)
        indices = pa.array(codes.astype(np.int32, copy=False), mask=codes < 0 if len(codes) and codes.min() < 0 else None)
        return pa.DictionaryArray.from_arrays(indices, self.values)


def values(items) -> pa.Array:
    """A small table of text values as an Arrow array."""
    if isinstance(items, pa.Array):
        return items
    if isinstance(items, pd.Series):
        items = items.tolist()
    return pa.array(list(items), type=pa.large_string())


def take(vals: pa.Array, codes: np.ndarray) -> pa.Array:
    """``vals[codes]`` with code -1 as null."""
    codes = np.asarray(codes)
    if len(codes) and codes.min() < 0:
        return vals.take(pa.array(codes, mask=codes < 0))
    return vals.take(pa.array(codes))


def code(strings, vals: pa.Array) -> np.ndarray:
    """Codes of ``strings`` (an array-like of text, None allowed) in ``vals`` (-1 when missing)."""
    idx = pc.index_in(pa.array(pd.Series(strings, dtype=object).tolist(), type=vals.type), value_set=vals)
    return idx.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def rank(vals) -> np.ndarray:
    """Each value's position when ``vals`` are sorted as text (sorting by it sorts like the strings)."""
    order = np.argsort(np.asarray(values(vals).to_numpy(zero_copy_only=False), dtype=object), kind="stable")
    out = np.empty(len(order), dtype=np.int64)
    out[order] = np.arange(len(order))
    return out


def fixed(*parts, n: int | None = None) -> pa.Array:
    """Text built from fixed-width parts: each part is a constant ``str`` or ``(numbers, width)``
    (non-negative integers, zero-padded to ``width`` digits). One byte matrix, no per-row work.

    >>> fixed("MI", (np.array([1, 42]), 4)).to_pylist()
    ['MI0001', 'MI0042']
    """
    if n is None:
        n = next(len(p[0]) for p in parts if not isinstance(p, str))
    pieces = []
    for p in parts:
        if isinstance(p, str):
            pieces.append((np.frombuffer(p.encode("utf-8"), dtype=np.uint8), None))
        else:
            nums, width = p
            pieces.append((np.asarray(nums, dtype=np.int64), int(width)))
    total = sum(len(b) if w is None else w for b, w in pieces)
    m = np.empty((n, total), dtype=np.uint8)
    col = 0
    for b, w in pieces:
        if w is None:
            m[:, col:col + len(b)] = b
            col += len(b)
            continue
        x = b.copy()
        for j in range(w - 1, -1, -1):
            x, d = np.divmod(x, 10)
            m[:, col + j] = d + 48
        col += w
    offsets = np.arange(0, (n + 1) * total, total, dtype=np.int64)
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(m)])


def seq_ids(prefix: str, n: int, width: int = 6) -> pa.Array:
    """``prefix`` + 1..n zero-padded to ``max(width, digits of n)``."""
    width = max(width, len(str(n)))
    return fixed(prefix, (np.arange(1, n + 1), width), n=n)


def join(*parts) -> pa.Array:
    """Row-wise concatenation of text arrays and constants (variable widths)."""
    parts = [pa.scalar(x, pa.large_string()) if isinstance(x, str) else x.cast(pa.large_string()) for x in parts]
    return pc.binary_join_element_wise(*parts, pa.scalar("", pa.large_string()))


def column(x, n: int | None = None):
    """A table column for ``frame``: Coded and Arrow arrays as Arrow, constants repeated."""
    if isinstance(x, Coded):
        return x.text()
    if isinstance(x, (pa.Array, pa.ChunkedArray)):
        return x
    if isinstance(x, str) or x is None:
        return take(pa.array([x], type=pa.large_string()), np.zeros(n or 0, dtype=np.int64))
    return x


def table(cols: dict) -> pa.Table:
    """An Arrow table from numpy arrays, Arrow arrays, ``Coded`` columns (dictionary-encoded) and
    constants (a one-value dictionary). Datetimes become timestamps, NaT null."""
    n = None
    for v in cols.values():
        if isinstance(v, (Coded, pa.Array, pa.ChunkedArray, np.ndarray, pd.Series, pd.Index, list)):
            n = len(v)
            break
    arrays = []
    for v in cols.values():
        if isinstance(v, Coded):
            v = v.arrow()
        elif isinstance(v, str) or v is None:
            v = Coded(np.zeros(n or 0, dtype=np.int32), pa.array([v], type=pa.large_string())).arrow()
        elif not isinstance(v, (pa.Array, pa.ChunkedArray)):
            v = pa.array(np.asarray(v), from_pandas=True)
        arrays.append(v)
    return pa.table(arrays, names=list(cols))


def to_frame(data) -> pd.DataFrame:
    """A table (Arrow or pandas) as a DataFrame with text as pandas' ``str`` dtype (dictionaries decoded)."""
    if isinstance(data, pd.DataFrame):
        return data
    cols = {}
    for name, col in zip(data.column_names, data.columns):
        if pa.types.is_dictionary(col.type):
            col = col.cast(pa.large_string())
        cols[name] = col.to_pandas()
    return pd.DataFrame(cols, index=pd.RangeIndex(data.num_rows))


def frame(cols: dict) -> pd.DataFrame:
    """A DataFrame from numpy arrays, Arrow arrays, ``Coded`` columns and constants; text becomes
    pandas' ``str`` dtype (Arrow-backed), without passing through Python objects."""
    n = None
    for v in cols.values():
        if isinstance(v, (Coded, pa.Array, pa.ChunkedArray, np.ndarray, pd.Series, pd.Index, list)):
            n = len(v)
            break
    out = {}
    for name, v in cols.items():
        v = column(v, n)
        if isinstance(v, (pa.Array, pa.ChunkedArray)):
            if pa.types.is_string(v.type) or pa.types.is_large_string(v.type):
                v = v.to_pandas()
                v.index = pd.RangeIndex(len(v))
            else:
                v = v.to_pandas()
        out[name] = v
    return pd.DataFrame(out, index=pd.RangeIndex(n or 0))
