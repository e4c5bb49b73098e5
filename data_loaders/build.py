"""Write a generated or imported set of tables into a database, atomically.

For an embedded DuckDB file the rows go into a new file beside the target, which then
replaces it in one rename: the dashboard, which holds the old file open read-only, keeps
working and sees the new data on its next connection; a failure leaves the old file as it
was. Other databases load inside one transaction.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable, TypeVar

import pandas as pd
from sqlalchemy.engine import Engine

from data_loaders import engine as eng
from data_loaders import schema

Progress = Callable[[float, str], None]
T = TypeVar("T")


def _noop(fraction: float, message: str) -> None:
    return None


def write_duckdb_file(path: Path, write: Callable[[Engine], T], copy_existing: bool = False) -> T:
    """Run ``write`` on a new DuckDB file (a copy of ``path`` if asked), then swap it in.

    Returns what ``write`` returns. On any failure the temporary file is removed and
    ``path`` is untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".writing")
    tmp.unlink(missing_ok=True)
    if copy_existing and path.exists():
        shutil.copyfile(path, tmp)
    engine = eng.make_engine(f"duckdb:///{tmp}")
    try:
        result = write(engine)
    except BaseException:
        engine.dispose()
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        raise
    engine.dispose()
    os.replace(tmp, path)
    Path(str(tmp) + ".wal").unlink(missing_ok=True)
    return result


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

    def write(engine: Engine) -> dict[str, int]:
        counts: dict[str, int] = {}
        eng.create_schema(engine, indexes=False)
        tables = [t for t in schema.TABLES if t.name in frames]
        with engine.begin() as conn:
            for i, table in enumerate(tables):
                progress(i / max(len(tables), 1), table.name)
                counts[table.name] = eng.bulk_insert(conn, table, frames[table.name])
        progress(0.99, "indexes")
        eng.create_indexes(engine)
        eng.refresh_statistics(engine)
        return counts

    counts = write_duckdb_file(path, write)
    progress(1.0, "done")
    return counts
