"""Derived fact tables: compact rows at a stated grain, derived from the contract's base tables
whenever the data changes, so that a page aggregates thousands of rows instead of millions.

Each fact family is a module of ``data_loaders`` listed in ``FAMILIES``. It declares its tables
in ``METADATA`` (not the contract's: imports never touch them, ``validate`` does not ask for
them) and offers::

    TABLES: tuple[sa.Table, ...]
    derive(engine, periods: list[str] | None) -> dict[str, pd.DataFrame]

``derive`` returns the rows of the given periods (``YYYY-MM``; ``None`` = every period). Every
fact table has a ``period`` column, so that a refresh deletes exactly the periods it derives
again and leaves closed periods alone.

Freshness. ``refresh`` ends by writing ``facts_version`` = the current ``data_version`` into
``dataset_info``. ``ready`` is true only while the two are equal: a database written by
another tool, an import that failed between the write and the refresh, or a company database
the app only reads has no fresh facts, and readers then compute from the base tables (the same
numbers, slower; tests compare both paths). ``cli.py refresh-facts`` derives them on demand.

Where the write is atomic (a DuckDB file swapped in by rename) the refresh runs inside the
same swap; on a server it runs in its own transaction after the import's.
"""

from __future__ import annotations

import importlib
import time
from typing import Callable

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_loaders import schema as s

METADATA = sa.MetaData()
FAMILIES: tuple[str, ...] = ("facts_ledger", "facts_cash", "facts_wip", "facts_oee", "facts_orders")
VERSION_KEY = "facts_version"

Progress = Callable[[float, str], None]


def families() -> list:
    """The fact family modules, imported."""
    return [importlib.import_module(f"data_loaders.{name}") for name in FAMILIES]


def tables() -> list[sa.Table]:
    """Every fact table, in creation order."""
    return [t for fam in families() for t in fam.TABLES]


def create_tables(engine: Engine) -> None:
    """Create the fact tables (and their indexes) that do not exist yet."""
    wanted = tables()
    if wanted:
        METADATA.create_all(engine, tables=wanted)


def drop_tables(engine: Engine) -> None:
    """Drop every fact table (tests, and ``refresh`` when a table's columns changed)."""
    wanted = tables()
    if wanted:
        METADATA.drop_all(engine, tables=wanted)


def _info(conn, key: str) -> str | None:
    info = s.dataset_info
    return conn.execute(sa.select(info.c.info_value).where(info.c.info_key == key)).scalar()


def ready(engine: Engine) -> bool:
    """True when every fact table exists and was derived from the data as it is now."""
    if not FAMILIES:
        return False
    try:
        with engine.connect() as conn:
            version, facts = _info(conn, "data_version"), _info(conn, VERSION_KEY)
            if not version or version != facts:
                return False
            present = set(sa.inspect(conn).get_table_names())
    except sa.exc.SQLAlchemyError:
        return False
    return all(t.name in present for t in tables())


def _period_condition(table: sa.Table, periods: list[str] | None):
    return table.c.period.in_(periods) if periods is not None else sa.true()


def refresh(engine: Engine, periods: list[str] | None = None, progress: Progress | None = None) -> dict[str, dict]:
    """Derive every fact family for ``periods`` (all when None) and replace their rows.

    Returns ``{table: {"rows": n, "seconds": t}}``. The derived rows are written in one
    transaction with the new ``facts_version``; a failure leaves the old rows and version.
    """
    from data_loaders import engine as eng

    create_tables(engine)
    out: dict[str, dict] = {}
    derived: dict[sa.Table, pd.DataFrame] = {}
    fams = families()
    for i, fam in enumerate(fams):
        if progress:
            progress(i / max(len(fams), 1), fam.__name__.rsplit(".", 1)[-1])
        t0 = time.perf_counter()
        frames = fam.derive(engine, periods)
        seconds = time.perf_counter() - t0
        for table in fam.TABLES:
            frame = frames.get(table.name)
            derived[table] = frame if frame is not None else pd.DataFrame(columns=[c.name for c in table.columns])
            out[table.name] = {"rows": len(derived[table]), "seconds": round(seconds, 3)}
    info = s.dataset_info
    with engine.begin() as conn:
        for table, frame in derived.items():
            conn.execute(table.delete().where(_period_condition(table, periods)))
            eng.bulk_insert(conn, table, frame)
        version = _info(conn, "data_version") or ""
        conn.execute(info.delete().where(info.c.info_key == VERSION_KEY))
        conn.execute(info.insert().values(info_key=VERSION_KEY, info_value=version))
    if progress:
        progress(1.0, "facts")
    return out
