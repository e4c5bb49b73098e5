"""One writer at a time: the lock every build, import and restore takes before it writes.

For a database file (DuckDB, SQLite) the lock is ``<database>.lock`` beside it, and the lock
itself is the operating system's lock on that file (``fcntl.flock``, ``msvcrt.locking`` on
Windows), so a writer that is killed (even with ``kill -9``) releases it the moment its
process ends. The file's text only says who holds the lock: pid, host, command and start
time, as JSON. A clean release deletes the file (a waiter that locked the deleted file sees
that its inode is gone and locks the new one); a file left behind therefore names a writer
that ended without finishing, and the next writer takes the lock over and says so
(``WriteLock.took_over``).

Server databases (PostgreSQL, MariaDB/MySQL) use the server's own advisory lock
(``pg_try_advisory_lock`` / ``GET_LOCK``, one per database and schema) on a connection of their own, held for the whole
import; the server frees it when that connection ends.

A second writer waits up to ``timeout`` seconds (0 = do not wait), then gets
``DatabaseBusy`` naming the owner and how long it has held the lock. Within one thread the
lock is re-entrant, so an import that holds it can call ``write_duckdb_file``, which takes
it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import sys
import threading
import time
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa

LOCK_SUFFIX = ".lock"
SERVER_LOCK_PREFIX = "bfi_import"


def _server_lock_ids(url: str) -> tuple[int, str]:
    """The PostgreSQL advisory key and the MySQL lock name of one database (and schema: the URL
    without its password names both), so that imports into different databases never wait."""
    u = sa.engine.make_url(url)
    shown = u.render_as_string(hide_password=True)
    key = int.from_bytes(hashlib.sha256(shown.encode()).digest()[:8], "big", signed=True)
    return key, f"{SERVER_LOCK_PREFIX}:{u.database or ''}"[:64]


class DatabaseBusy(RuntimeError):
    """Another build, import or restore is writing this database; nothing was written."""

    def __init__(self, target: str, owner: dict | None, waited: float):
        self.target = target
        self.owner = owner or {}
        self.waited = waited
        super().__init__(self._message())

    def _message(self) -> str:
        o = self.owner
        who = "another process"
        if o.get("pid"):
            who = f"pid {o['pid']} on {o.get('host', '?')} ({o.get('command', '?')})"
        age = ""
        if o.get("started_at"):
            try:
                seconds = (dt.datetime.now(dt.timezone.utc) - dt.datetime.fromisoformat(o["started_at"])).total_seconds()
                age = f", started {o['started_at']} ({seconds:.0f} s ago)"
            except ValueError:
                age = f", started {o['started_at']}"
        waited = f"; waited {self.waited:.0f} s" if self.waited >= 1 else ""
        return (f"{self.target} is being written by {who}{age}{waited}. Nothing was written; try again when it has "
                f"finished. / 另一个写入（导入、生成或恢复）正在进行，本次未写入任何数据，请稍后再试。")


@dataclass
class WriteLock:
    """A held lock: where, who we are, and the owner we took it over from (if any)."""

    target: str
    owner: dict
    took_over: dict | None = None
    depth: int = field(default=1, repr=False)

    @property
    def notice(self) -> str | None:
        """A sentence about a stale lock taken over, or None."""
        if not self.took_over:
            return None
        o = self.took_over
        return (f"took over the lock of pid {o.get('pid')} on {o.get('host')} ({o.get('command')}, started "
                f"{o.get('started_at')}), which ended without finishing / 上一次写入未正常结束，已接管其锁")


def lock_path(db_path: Path) -> Path:
    """The lock file beside a database file."""
    return db_path.with_name(db_path.name + LOCK_SUFFIX)


def owner_record() -> dict:
    """Who this writer is, as written into the lock file."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": " ".join([Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python", *sys.argv[1:]])[:200],
        "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def read_owner(db_path: Path) -> dict | None:
    """The owner written in the lock file (the last one, if nobody holds it now), or None."""
    try:
        text = lock_path(db_path).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- OS file locks
if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _same_file(fd: int, path: Path) -> bool:
    """True when ``fd`` is still the file at ``path`` (not one a releasing holder deleted)."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


_held: dict[str, WriteLock] = {}  # re-entrancy: key -> lock held by this thread
_held_guard = threading.Lock()


def _reenter(key: str) -> WriteLock | None:
    with _held_guard:
        held = _held.get(key)
        if held is not None and held.owner.get("thread") == threading.get_ident():
            held.depth += 1
            return held
    return None


def _leave(key: str) -> bool:
    """True when this was the outermost hold (the caller must then release)."""
    with _held_guard:
        held = _held[key]
        held.depth -= 1
        if held.depth == 0:
            del _held[key]
            return True
        return False


def _write_owner(fd: int, owner: dict) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps(owner).encode("utf-8"))
    os.fsync(fd)


@contextmanager
def file_lock(db_path: Path, timeout: float = 0.0, poll: float = 0.1) -> Iterator[WriteLock]:
    """Hold the write lock of the database file ``db_path`` (wait up to ``timeout`` seconds).

    Raises ``DatabaseBusy`` when another writer still holds it after ``timeout``.
    """
    db_path = Path(db_path)
    key = f"file:{db_path.resolve()}"
    held = _reenter(key)
    if held is not None:
        try:
            yield held
        finally:
            _leave(key)
        return
    db_path.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(db_path)
    start = time.monotonic()
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            got = _try_lock(fd)
            if got and _same_file(fd, path):
                break
        except BaseException:
            os.close(fd)
            raise
        if got:  # we locked a file its holder has just deleted on release: lock the new one
            _unlock(fd)
            os.close(fd)
            continue
        os.close(fd)
        waited = time.monotonic() - start
        if waited >= timeout:
            raise DatabaseBusy(str(db_path), read_owner(db_path), waited)
        time.sleep(min(poll, max(timeout - waited, 0.01)))
    # We hold the OS lock and a clean release deletes (on Windows empties) the file, so any text
    # left there was written by a writer that ended without finishing (killed, crashed, power lost).
    took_over = read_owner(db_path)
    owner = {**owner_record(), "thread": threading.get_ident()}
    lock = WriteLock(str(db_path), owner, took_over)
    try:
        _write_owner(fd, {k: v for k, v in owner.items() if k != "thread"})
        with _held_guard:
            _held[key] = lock
    except BaseException:
        _unlock(fd)
        os.close(fd)
        raise
    try:
        yield lock
    finally:
        if _leave(key):
            try:
                path.unlink()  # no file = released cleanly (waiters notice the new inode)
            except OSError:  # Windows cannot delete an open file: empty it instead
                os.lseek(fd, 0, os.SEEK_SET)
                os.ftruncate(fd, 0)
            finally:
                _unlock(fd)
                os.close(fd)


@contextmanager
def server_lock(url: str, timeout: float = 0.0, poll: float = 0.25) -> Iterator[WriteLock]:
    """Hold the server's advisory import lock for ``url`` (PostgreSQL, MariaDB/MySQL)."""
    key = f"server:{sa.engine.make_url(url).render_as_string(hide_password=True)}"
    held = _reenter(key)
    if held is not None:
        try:
            yield held
        finally:
            _leave(key)
        return
    lock_key, lock_name = _server_lock_ids(url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)  # the session ends with the connection
    backend = engine.dialect.name
    conn = engine.connect()
    start = time.monotonic()
    try:
        while True:
            if backend == "postgresql":
                got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key}).scalar()
            else:
                got = conn.execute(sa.text("SELECT GET_LOCK(:n, 0)"), {"n": lock_name}).scalar() == 1
            conn.commit()
            if got:
                break
            waited = time.monotonic() - start
            if waited >= timeout:
                raise DatabaseBusy(key.split(":", 1)[1], None, waited)
            time.sleep(min(poll, max(timeout - waited, 0.01)))
    except BaseException:
        conn.close()
        engine.dispose()
        raise
    owner = {**owner_record(), "thread": threading.get_ident()}
    lock = WriteLock(key.split(":", 1)[1], owner)
    with _held_guard:
        _held[key] = lock
    try:
        yield lock
    finally:
        if _leave(key):
            try:
                if backend == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key})
                else:
                    conn.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": lock_name})
                conn.commit()
            finally:
                conn.close()
                engine.dispose()


def write_lock(url: str, timeout: float = 0.0) -> AbstractContextManager[WriteLock]:
    """The write lock for the database at ``url``: a file lock for DuckDB and SQLite files,
    the server's advisory lock for PostgreSQL and MariaDB/MySQL, nothing for in-memory ones."""
    from data_loaders import engine as eng

    url = eng.normalize_url(url)
    u = sa.engine.make_url(url)
    backend = u.get_backend_name()
    if backend == "spark":  # every writer takes this lock first: the app only reads Spark
        eng.refuse_writes(url, "cannot write to Spark")
    if backend in ("duckdb", "sqlite"):
        if u.database and u.database != ":memory:":
            return file_lock(Path(u.database), timeout)
        return _no_lock(url)
    if backend in ("postgresql", "mysql", "mariadb"):
        return server_lock(url, timeout)
    return _no_lock(url)


@contextmanager
def _no_lock(url: str) -> Iterator[WriteLock]:
    yield WriteLock(url, owner_record())
