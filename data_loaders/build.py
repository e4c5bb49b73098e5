"""Write a generated or imported set of tables into a database, atomically, one writer at a time.

For an embedded DuckDB file the rows go into a new file beside the target (named after this
writer, ``<db>.<pid>-<random>.writing``), which then replaces it in one rename (``os.replace``):
the dashboard, which holds the old file open read-only, keeps working and sees the new data on
its next connection; a failure or a kill leaves the old file as it was. Other databases load
inside one transaction.

Every write holds the database's write lock (``data_loaders.lock``): a second writer waits up
to its timeout, then gets ``DatabaseBusy`` and writes nothing. Every successful write stamps
``dataset_info`` with a new ``data_version`` (and ``data_version_at``, ``data_version_by``)
inside the same swap or transaction, so that readers can tell the data changed, and derives
the fact tables again (``data_loaders.facts``): inside the swap for a DuckDB file, in a
transaction of its own after the load on a server. Before a
write replaces the whole file (a rebuild, a replace-mode import, a restore) the previous file
is kept in ``backups/`` beside it (``data_loaders.backup``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, TypeVar

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_loaders import engine as eng
from data_loaders import facts
from data_loaders import schema
from data_loaders.lock import file_lock, write_lock

Progress = Callable[[float, str], None]
T = TypeVar("T")
STAMP_KEYS = ("data_version", "data_version_at", "data_version_by")
LOAD_THREADS = 1
# the fact refresh beside the keys and indexes (True) or after them (False): beside them it uses
# the second core while DuckDB builds an index on one, but the memory of both adds up (twice the
# peak at scale 70: docs/PERFORMANCE.md, "h-build (session 11)")
FACTS_BESIDE_KEYS = bool(int(os.environ.get("BFI_BUILD_FACTS_BESIDE_KEYS", "1")))


def _noop(fraction: float, message: str) -> None:
    return None


def _wait_quietly(future: Future) -> None:
    """Wait for ``future`` and drop its error: the caller is already raising one of its own."""
    try:
        future.result()
    except BaseException:
        pass


def stamp(kind: str) -> dict[str, str]:
    """A new data version for ``dataset_info``: ``data_version`` (a random uuid, different on
    every write), ``data_version_at`` (local time, seconds) and ``data_version_by`` (what wrote
    it: build, import, restore …)."""
    return {
        "data_version": uuid.uuid4().hex,
        "data_version_at": dt.datetime.now().isoformat(timespec="seconds"),
        "data_version_by": kind[:200],
    }


def with_stamp(frames: dict[str, pd.DataFrame], kind: str) -> dict[str, pd.DataFrame]:
    """``frames`` with a new data version in its ``dataset_info`` rows (replacing any old one)."""
    new = stamp(kind)
    rows = pd.DataFrame({"info_key": list(new), "info_value": list(new.values())})
    info = frames.get("dataset_info")
    if info is not None and not info.empty:
        rows = pd.concat([info[~info.info_key.isin(STAMP_KEYS)], rows], ignore_index=True)
    return {**frames, "dataset_info": rows}


def file_identity(path: Path | str) -> tuple:
    """``(inode, size, mtime_ns)`` of a database file, ``()`` when it does not exist.

    Cheap (one ``stat``); changes whenever a write swaps in a new file, so a reader can poll it
    to notice another process's import without opening the database.
    """
    try:
        st = os.stat(path)
    except OSError:
        return ()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _temp_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.writing")


def _remove_leftovers(path: Path) -> None:
    """Delete temporary files of writers that were killed (only called under the lock)."""
    for pattern in (f"{path.name}.*.writing", f"{path.name}.*.writing.wal", f"{path.name}.writing", f"{path.name}.writing.wal"):
        for leftover in path.parent.glob(pattern):
            leftover.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems (and directories on Windows) cannot be synced
        pass
    finally:
        os.close(fd)


def write_duckdb_file(path: Path, write: Callable[[Engine], T], copy_existing: bool = False, *,
                      copy_from: Path | None = None, backup_reason: str | None = None, timeout: float = 0.0) -> T:
    """Run ``write`` on a new DuckDB file, then swap it in for ``path``; returns what ``write`` returns.

    The new file starts empty, or as a copy of ``path`` (``copy_existing``) or of ``copy_from``.
    Holds the write lock of ``path`` throughout (waiting up to ``timeout`` seconds, else
    ``DatabaseBusy``). With ``backup_reason`` the current file, if any, is first kept in
    ``backups/`` under that reason. On any failure the temporary file is removed and ``path``
    is untouched.
    """
    from data_loaders import backup

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(path, timeout):
        _remove_leftovers(path)
        tmp = _temp_path(path)
        wal = Path(str(tmp) + ".wal")
        engine = None
        try:
            source = copy_from if copy_from is not None else (path if copy_existing and path.exists() else None)
            if source is not None:
                shutil.copyfile(source, tmp)
            if backup_reason and path.exists():
                backup.make_backup(path, backup_reason)
            engine = eng.make_engine(f"duckdb:///{tmp}")
            result = write(engine)
            engine.dispose()
            engine = None
            _fsync(tmp)
        except BaseException:
            if engine is not None:
                engine.dispose()
            tmp.unlink(missing_ok=True)
            wal.unlink(missing_ok=True)
            raise
        os.replace(tmp, path)
        wal.unlink(missing_ok=True)
        if os.name != "nt":
            _fsync(path.parent)
    return result


def load_into(url: str, frames: dict[str, pd.DataFrame | pa.Table], progress: Progress = _noop, *,
              timeout: float = 0.0, kind: str = "build", consume: bool = False,
              later: Callable[[], dict[str, pd.DataFrame | pa.Table]] | None = None) -> dict[str, int]:
    """Replace the contents of the database at ``url`` with ``frames`` (DataFrames or Arrow
    tables); returns rows per table.

    With ``consume`` a DuckDB load takes each table out of ``frames`` once it is written, so
    that its memory is free before the keys, indexes and facts are built (the sample build:
    about 1.7 GB at scale 70).

    ``later`` gives the rest of the tables (every one it holds that ``frames`` does not): a DuckDB
    file asks for it once ``frames`` are stored, so that the caller can still be making them
    (the sample build generates the ledger meanwhile); elsewhere it is asked for at once.

    Stamps a new data version (``kind`` says what wrote it). A DuckDB file that exists is kept
    in ``backups/`` first. Raises ``DatabaseBusy`` when another writer holds the database for
    more than ``timeout`` seconds.
    """
    given = frames
    path = eng.duckdb_path(url)
    if path is None and later is not None:
        frames = {**{name: data for name, data in later().items() if name not in frames}, **frames}
        later = None
    stamped = later is None or "dataset_info" in frames  # else the stamp goes with later's tables
    if stamped:
        frames = with_stamp(frames, kind)
    if path is None:
        frames = {name: eng.as_frame(data) for name, data in frames.items()}
        with write_lock(url, timeout):
            engine = eng.make_engine(url)
            try:
                eng.create_schema(engine)
                progress(0.5, "loading")
                counts = eng.replace_tables(engine, frames)
                progress(0.9, "facts")
                facts.refresh(engine)
                return counts
            finally:
                engine.dispose()

    def write(engine: Engine) -> dict[str, int]:
        # The file is private until the swap, so the load needs no transaction of its own:
        # rows first (one insert per table), then the primary keys and indexes over them.
        counts: dict[str, int] = {}
        eng.create_schema(engine, indexes=False, primary_keys=False)
        # One DuckDB thread for the inserts, keys and indexes: an insert that keeps the rows'
        # order spreads over two threads at twice the CPU and no less wall time on two cores
        # (docs/PERFORMANCE.md, "Building the L file"); the facts get every thread again.
        eng.set_duckdb_threads(engine, LOAD_THREADS)

        def store(source: dict, owner: dict, tables: list[sa.Table]) -> None:
            for table in tables:
                progress(0.8 * len(counts) / len(schema.TABLES), table.name)
                data = source.pop(table.name) if consume else source[table.name]
                if consume:
                    owner.pop(table.name, None)
                with engine.begin() as conn:
                    counts[table.name] = eng.bulk_load_duckdb(conn, table, data)
                del data

        # A fact family that declares the base tables it reads (its module's ``READS``) is
        # derived from the moment those are stored (they are written first) while the others are
        # written; the rest of the facts are derived while the keys and indexes are built. DuckDB
        # builds an index or stores rows on a thread of its own while the derivations are mostly
        # pandas holding the interpreter lock, so the two share the two cores instead of taking
        # turns (docs/PERFORMANCE.md, "h-build (session 11)"). The keys and indexes do not change
        # the rows the facts read; dataset_info gets its key first, since the refresh writes there.
        early = [fam.__name__.rsplit(".", 1)[-1] for fam in facts.families()
                 if hasattr(fam, "READS") and (later is None or set(fam.READS) <= set(frames))]
        needed = {name for fam in facts.families() if fam.__name__.rsplit(".", 1)[-1] in early for name in fam.READS}
        tables = [t for t in schema.TABLES if t.name in frames]
        first = [t for t in tables if t.name in needed]
        started = None
        try:
            store(frames, given, first)
            started = facts.start(engine, early)
            store(frames, given, [t for t in tables if t.name not in needed])
            if later is not None:
                given_later = later()
                rest = {name: data for name, data in given_later.items() if name not in counts}
                if consume:
                    for name in counts:
                        given_later.pop(name, None)
                if not stamped:
                    rest = with_stamp(rest, kind)
                store(rest, given_later, [t for t in schema.TABLES if t.name in rest])
            eng.add_primary_keys(engine, [schema.dataset_info])
        except BaseException:
            if started is not None:
                started.close()
            raise
        def keys_and_indexes() -> None:
            progress(0.8, "keys")
            eng.add_primary_keys(engine, [t for t in schema.TABLES if t is not schema.dataset_info])
            progress(0.9, "indexes")
            eng.create_indexes(engine)
            eng.set_duckdb_threads(engine, None)
            progress(0.95, "facts")

        if not FACTS_BESIDE_KEYS:
            try:
                keys_and_indexes()
            except BaseException:
                started.close()
                raise
            facts.refresh(engine, started=started)
        else:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="build-facts") as pool:
                refreshed = pool.submit(facts.refresh, engine, started=started)
                try:
                    keys_and_indexes()
                finally:
                    refreshed.result() if not sys.exc_info()[0] else _wait_quietly(refreshed)
        eng.refresh_statistics(engine)
        return {t.name: counts[t.name] for t in schema.TABLES if t.name in counts}

    counts = write_duckdb_file(path, write, backup_reason="rebuild", timeout=timeout)
    progress(1.0, "done")
    return counts


def refresh_facts(url: str, periods: list[str] | None = None, *, timeout: float = 0.0, new_version: bool = True) -> dict[str, dict]:
    """Derive the fact tables of the database at ``url`` again (``periods`` only, or all), one
    writer at a time and, for a DuckDB file, through the same atomic swap as an import. Returns
    rows and seconds per table.

    ``new_version``: the data was written by another tool (an ERP's nightly load into a company
    database, a script), which left ``data_version`` as it was, so every open app would go on
    serving the figures it cached before the load: a new version is stamped with the facts
    (``data_version_by`` = ``refresh-facts``; on a server in a transaction of its own right after
    the facts'), and the apps drop their caches within seconds. False keeps the version (the
    data did not change: the facts are derived again after an upgrade, say)."""
    def write(engine: Engine) -> dict[str, dict]:
        out = facts.refresh(engine, periods)
        if new_version:
            restamp(engine, "refresh-facts")
        return out

    path = eng.duckdb_path(url)
    if path is None:
        with write_lock(url, timeout):
            engine = eng.make_engine(url)
            try:
                return write(engine)
            finally:
                engine.dispose()
    if not path.exists():
        raise ValueError(f"no database file at {path.name} / 数据库文件不存在")
    return write_duckdb_file(path, write, copy_existing=True, timeout=timeout)


def restamp(engine: Engine, kind: str) -> dict[str, str]:
    """Write a new data version (``stamp(kind)``) into ``dataset_info``, in one transaction; fact
    tables fresh for the old version are fresh for the new one (``facts_version`` follows it).
    Returns the new stamp."""
    info, new = schema.dataset_info, stamp(kind)
    with engine.begin() as conn:
        stamps = dict(conn.execute(sa.select(info.c.info_key, info.c.info_value)
                                   .where(info.c.info_key.in_(["data_version", facts.VERSION_KEY]))).all())
        conn.execute(info.delete().where(info.c.info_key.in_(STAMP_KEYS)))
        conn.execute(info.insert(), [{"info_key": k, "info_value": v} for k, v in new.items()])
        if stamps.get("data_version") and stamps.get(facts.VERSION_KEY) == stamps["data_version"]:
            conn.execute(info.update().where(info.c.info_key == facts.VERSION_KEY).values(info_value=new["data_version"]))
    return new