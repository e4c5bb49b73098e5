"""Write a generated or imported set of tables into a database, atomically.

For an embedded DuckDB file the rows go into a new file beside the target, which then
replaces it in one rename: the dashboard, which holds the old file open read-only, keeps
working and sees the new data on its next connection. Other databases load inside one
transaction.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pandas as pd

from data_loaders import engine as eng
from data_loaders import schema

Progress = Callable[[float, str], None]


def _noop(fraction: float, message: str) -> None:
    return None


def load_into(url: str, frames: dict[str, pd.DataFrame], progress: Progress = _noop) -> dict[str, int]:
    """Replace the contents of the database at ``url`` with ``frames``; returns rows per table."""
    path = eng.duckdb_path(url)
    if path is None:
        engine = eng.make_engine(url)
        try:
            eng.create_schema(engine)
            progress(0.5, "loading")
            return eng.replace_tables(engine, frames)
        finally:
            engine.dispose()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".building")
    if tmp.exists():
        tmp.unlink()
    engine = eng.make_engine(f"duckdb:///{tmp}")
    counts: dict[str, int] = {}
    try:
        eng.create_schema(engine, indexes=False)
        tables = [t for t in schema.TABLES if t.name in frames]
        with engine.begin() as conn:
            for i, table in enumerate(tables):
                progress(i / max(len(tables), 1), table.name)
                counts[table.name] = eng.bulk_insert(conn, table, frames[table.name])
        progress(0.99, "indexes")
        eng.create_indexes(engine)
    except BaseException:
        engine.dispose()
        tmp.unlink(missing_ok=True)
        raise
    engine.dispose()
    os.replace(tmp, path)
    Path(str(tmp) + ".wal").unlink(missing_ok=True)
    progress(1.0, "done")
    return counts
