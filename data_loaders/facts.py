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

A family may instead derive some tables inside the database, never pulling their rows into
Python (a table with one row per voucher line can hold millions)::

    selects(periods: list[str] | None) -> dict[str, list[sa.Select]]

Each select yields the rows of one table (columns labelled as the table's); ``refresh`` runs
``INSERT INTO table SELECT …`` for each, in its own transaction, with whole-number columns
rounded to integers and decimals to their column's scale (as ``derive``'s frames are), so that
every database stores the same rows. ``derive`` then leaves those tables out. A table whose
``info`` says ``"whole": True`` is derived whole at every refresh (its select ignores
``periods``, and every row is replaced).

A family may also declare the contract tables its ``derive`` reads (``READS``, a tuple of
names): a build then starts it (``start``) as soon as those are stored, while the others are
still being written, and hands it to ``refresh(…, started=…)`` (``data_loaders.build``).

A family that sets ``FROM_FACTS = True`` is derived from the other families' facts instead:
the transaction that writes their rows and the new ``facts_version`` deletes its rows, and once
it has committed, ``derive(connection, periods)`` runs in a transaction of its own, with ``ready``
answering True (``known``), so the reports' own code reads the fresh facts (milliseconds)
instead of the base tables (seconds at ten million voucher lines). Its readers find no rows
until that transaction commits, or at all if it fails (logged; the refresh does not fail), and
compute the figures themselves: a failed statement would abort the facts' own transaction on
DuckDB and PostgreSQL, and DuckDB has no savepoints.

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
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_loaders import schema as s

log = logging.getLogger(__name__)
METADATA = sa.MetaData()
FAMILIES: tuple[str, ...] = ("facts_ledger", "facts_cash", "facts_wip", "facts_oee", "facts_oee_month", "facts_orders", "facts_materials",
                             "facts_production", "facts_ledger_months", "facts_cockpit")  # facts_ledger_months after facts_ledger: it sums it
VERSION_KEY = "facts_version"
# families derived at once: the OEE and work-order families are pandas over their own reads, and
# two at a time take about two thirds of the wall time of one after the other on two cores
# (docs/PERFORMANCE.md, "The traces and the indexes, session 10"); the rows do not depend on it
DERIVE_THREADS = 2

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
        s.skip_unusable_indexes(wanted)  # none of several columns on DuckDB (schema.usable_index)
        METADATA.create_all(engine, tables=wanted)


def drop_tables(engine: Engine) -> None:
    """Drop every fact table (tests, and ``refresh`` when a table's columns changed)."""
    wanted = tables()
    if wanted:
        METADATA.drop_all(engine, tables=wanted)


def _info(conn, key: str) -> str | None:
    info = s.dataset_info
    return conn.execute(sa.select(info.c.info_value).where(info.c.info_key == key)).scalar()


# (engine, ready) pairs a caller has already checked for the data version it works on (``known``)
_KNOWN: ContextVar[tuple] = ContextVar("facts_known", default=())


@contextmanager
def known(engine: Engine, is_ready: bool) -> Iterator[None]:
    """Within the block (this thread or task), ``ready(engine)`` answers ``is_ready`` without asking
    the database: for a caller that checked it once for the data version it computes (the UI's
    ``facts_ready``, cached per data version), so that the reports' own checks (some twenty per
    overview, ≈ 2 ms each) are not repeated. Either answer gives the same numbers."""
    token = _KNOWN.set(_KNOWN.get() + ((engine, bool(is_ready)),))
    try:
        yield
    finally:
        _KNOWN.reset(token)


def ready(engine: Engine) -> bool:
    """True when every fact table exists and was derived from the data as it is now (or what the
    caller said it is, inside ``known``)."""
    for held, answer in reversed(_KNOWN.get()):
        if held is engine:
            return answer
    if not FAMILIES:
        return False
    try:
        with engine.connect() as conn:
            info = s.dataset_info  # both stamps in one statement: asked some twenty times by an overview
            stamps = dict(conn.execute(sa.select(info.c.info_key, info.c.info_value)
                                       .where(info.c.info_key.in_(["data_version", VERSION_KEY]))).all())
            version, facts = stamps.get("data_version"), stamps.get(VERSION_KEY)
            if not version or version != facts:
                return False
            present = set(sa.inspect(conn).get_table_names())
    except sa.exc.SQLAlchemyError:
        return False
    return all(t.name in present for t in tables())


def _period_condition(table: sa.Table, periods: list[str] | None):
    """The rows a refresh of ``periods`` replaces: all of a table derived whole (``info["whole"]``:
    a row that later data changes in any period, such as an invoice that a receipt pays)."""
    return table.c.period.in_(periods) if periods is not None and not table.info.get("whole") else sa.true()


def _typed_select(stmt: sa.Select, table: sa.Table, dialect: str) -> sa.Select:
    """``stmt``'s columns in ``table``'s order, whole numbers rounded to integers and decimals to
    the column's scale: a sum or a CASE may come out as a float or a wider decimal, and SQLite
    stores whatever it is given. Elsewhere a cast to the column's decimal rounds. Rows in
    ``table.info["order_by"]`` order when it names columns (stored so, a scan of some periods of
    a large table reads DuckDB's row groups of those periods only)."""
    sub = stmt.subquery("derived")
    columns = []
    for c in table.columns:
        col = sub.c[c.name]
        if isinstance(c.type, sa.Integer):
            col = sa.cast(sa.func.round(col), c.type)
        elif isinstance(c.type, sa.Numeric) and c.type.scale is not None:
            col = sa.func.round(col, c.type.scale) if dialect == "sqlite" else sa.cast(col, sa.Numeric(38, c.type.scale))
        columns.append(col.label(c.name))
    return sa.select(*columns).order_by(*[sub.c[name] for name in table.info.get("order_by", ())])


class Started:
    """Fact families whose ``derive`` already runs in the background (``start``), for
    ``refresh(…, started=…)``: a build starts a family as soon as the base tables it reads
    (its module's ``READS``) are stored, while the others are still being written."""

    def __init__(self, engine: Engine, names: list[str], periods: list[str] | None):
        self.periods = periods
        self.futures: dict[str, Future] = {}
        self._pool = ThreadPoolExecutor(max_workers=max(len(names), 1), thread_name_prefix="facts-early")
        for name in names:
            fam = importlib.import_module(f"data_loaders.{name}")
            self.futures[fam.__name__] = self._pool.submit(_derive_one, fam, engine, periods)

    def close(self) -> None:
        """Wait for every started family (dropping errors: ``refresh`` raises them) and end the threads."""
        for future in self.futures.values():
            try:
                future.result()
            except BaseException:
                pass
        self._pool.shutdown()


def start(engine: Engine, names: list[str], periods: list[str] | None = None) -> Started:
    """Start deriving the families ``names`` (of ``FAMILIES``) in background threads, on their own
    connections; ``refresh(engine, periods, started=…)`` takes their rows. An in-memory database
    starts nothing (each thread's connection may be a database of its own): ``refresh`` derives them."""
    names = [n for n in names if n in FAMILIES] if _shared_between_threads(engine) else []
    return Started(engine, names, periods)


def refresh(engine: Engine, periods: list[str] | None = None, progress: Progress | None = None, *,
            started: Started | None = None) -> dict[str, dict]:
    """Derive every fact family for ``periods`` (all when None) and replace their rows.

    Returns ``{table: {"rows": n, "seconds": t}}``. The derived rows are written in one
    transaction with the new ``facts_version``; a failure leaves the old rows and version. The
    families derived from the facts (``FROM_FACTS``) follow in a transaction of their own.
    ``started``: families already being derived (``start``, same ``periods``), not derived again.
    """
    if started is not None and started.periods != periods:
        raise ValueError("refresh: started for other periods")
    try:
        create_tables(engine)
        return _refresh(engine, periods, progress, started)
    finally:
        if started is not None:
            started.close()


def _refresh(engine: Engine, periods: list[str] | None, progress: Progress | None, started: Started | None) -> dict[str, dict]:
    from data_loaders import engine as eng

    out: dict[str, dict] = {}
    derived: dict[sa.Table, pd.DataFrame] = {}
    in_database: dict[sa.Table, list[sa.Select]] = {}
    fams = [fam for fam in families() if not getattr(fam, "FROM_FACTS", False)]
    later = [fam for fam in families() if getattr(fam, "FROM_FACTS", False)]
    n = len(fams) + len(later)
    for i, (fam, (frames, selects, seconds)) in enumerate(zip(fams, _derive_all(engine, fams, periods, started))):
        if progress:
            progress(i / max(n, 1), fam.__name__.rsplit(".", 1)[-1])
        for table in fam.TABLES:
            if table.name in selects:
                in_database[table] = selects[table.name]
                continue
            frame = frames.get(table.name)
            derived[table] = frame if frame is not None else pd.DataFrame(columns=[c.name for c in table.columns])
            out[table.name] = {"rows": len(derived[table]), "seconds": round(seconds, 3)}
    info = s.dataset_info
    with engine.begin() as conn:
        for table, frame in derived.items():
            conn.execute(table.delete().where(_period_condition(table, periods)))
            eng.bulk_insert(conn, table, frame)
        for table, stmts in in_database.items():
            t0 = time.perf_counter()
            conn.execute(table.delete().where(_period_condition(table, periods)))
            for stmt in stmts:
                conn.execute(table.insert().from_select([c.name for c in table.columns], _typed_select(stmt, table, conn.dialect.name)))
            rows = conn.execute(sa.select(sa.func.count()).select_from(table).where(_period_condition(table, periods))).scalar()
            out[table.name] = {"rows": int(rows or 0), "seconds": round(time.perf_counter() - t0, 3)}
        for fam in later:  # derived from these facts once they are committed (below): until then, none
            for table in fam.TABLES:
                conn.execute(table.delete().where(_period_condition(table, periods)))
        version = _info(conn, "data_version") or ""
        conn.execute(info.delete().where(info.c.info_key == VERSION_KEY))
        conn.execute(info.insert().values(info_key=VERSION_KEY, info_value=version))
    for j, fam in enumerate(later):
        if progress:
            progress((len(fams) + j) / max(n, 1), fam.__name__.rsplit(".", 1)[-1])
        out.update(_derive_from_facts(engine, fam, periods))
    eng.refresh_statistics(engine, tables())
    if progress:
        progress(1.0, "facts")
    return out


def _derive_from_facts(engine: Engine, fam, periods: list[str] | None) -> dict[str, dict]:
    """Derive a ``FROM_FACTS`` family from the committed facts and write its rows, in one
    transaction; a failure (a statement the database refuses, say) is logged and leaves its
    tables empty, so that readers compute those figures themselves."""
    from data_loaders import engine as eng

    t0 = time.perf_counter()
    written: dict[str, int] = {}
    try:
        with engine.begin() as conn, known(conn, True):
            frames = fam.derive(conn, periods)
            for table in fam.TABLES:
                frame = frames.get(table.name)
                written[table.name] = eng.bulk_insert(conn, table, frame) if frame is not None else 0
    except Exception:  # noqa: BLE001 - an import must not fail for figures the pages compute (and report) themselves
        log.warning("the fact family %s was not derived; the pages compute its figures", fam.__name__, exc_info=True)
        written = {}
    seconds = round(time.perf_counter() - t0, 3)
    return {table.name: {"rows": written.get(table.name, 0), "seconds": seconds} for table in fam.TABLES}


def _derive_one(fam, engine: Engine, periods: list[str] | None) -> tuple[dict, dict, float]:
    """A family's derived frames, its selects and the wall seconds they took."""
    t0 = time.perf_counter()
    frames = fam.derive(engine, periods)
    selects = fam.selects(periods) if hasattr(fam, "selects") else {}
    return frames, selects, time.perf_counter() - t0


def _derive_all(engine: Engine, fams: list, periods: list[str] | None, started: Started | None = None):
    """``_derive_one`` of every family, ``DERIVE_THREADS`` at a time (each on its own
    connections; the database reads and much of pandas let go of the interpreter lock), yielded
    in the families' order; those in ``started`` from there. A failure stops the families not
    started and is raised."""
    early = started.futures if started is not None else {}
    if not _shared_between_threads(engine):
        yield from (early[fam.__name__].result() if fam.__name__ in early else _derive_one(fam, engine, periods) for fam in fams)
        return
    with ThreadPoolExecutor(max_workers=DERIVE_THREADS, thread_name_prefix="facts") as pool:
        futures = [early.get(fam.__name__) or pool.submit(_derive_one, fam, engine, periods) for fam in fams]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def _shared_between_threads(engine: Engine) -> bool:
    """Whether another thread's connection sees the same database: not for an in-memory one,
    where each thread's connection may be a database of its own (SQLite's per-thread pool)."""
    database = engine.url.database
    in_memory = engine.dialect.name in ("sqlite", "duckdb") and (not database or database == ":memory:" or database.startswith("file::memory"))
    return not in_memory and not isinstance(engine.pool, (sa.pool.SingletonThreadPool, sa.pool.StaticPool))
