"""The audit trail: an append-only log in the application store, each entry chained to the one
before by a SHA-256 hash, so that an edited, inserted or deleted row is detectable.

The application store is an SQLite file of the app's own (``$BFI_APP_STORE``, else
``app_store.sqlite`` in the data folder): the analysed database may be a company warehouse the
app only reads, and the embedded DuckDB file is replaced by every import, so the log cannot
live there. Triggers refuse UPDATE and DELETE; the chain catches what goes around them (an
edit with another tool): ``verify`` recomputes every hash (``cli.py audit verify``).

    hash = sha256(previous hash | seq | at | actor | action | target | detail)

Entries: sign-ins (successful and failed), sign-outs and expired sessions, imports (who, which
files, rows, result), restores, rebuilds, exports (who, what, scope), settings and user changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pandas as pd

from data_loaders import engine as eng

STORE_ENV = "BFI_APP_STORE"
GENESIS = "0" * 64
COLUMNS = ["seq", "at", "actor", "action", "target", "detail", "prev_hash", "hash"]
_DDL = (
    """CREATE TABLE IF NOT EXISTS audit_log (
        seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        target TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)""",
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    "CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at)",
)


def store_path() -> Path:
    """``$BFI_APP_STORE``, else ``app_store.sqlite`` beside the embedded database."""
    return Path(os.environ.get(STORE_ENV) or eng.default_db_path().parent / "app_store.sqlite")


def _connect(path: Path | None = None) -> sqlite3.Connection:
    path = path or store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    for ddl in _DDL:
        conn.execute(ddl)
    return conn


def entry_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, target: str, detail: str) -> str:
    text = "|".join((prev_hash, str(seq), at, actor, action, target, detail))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record(actor: str, action: str, target: str = "", detail: dict | None = None, path: Path | None = None) -> int:
    """Append one entry; returns its sequence number. Writers are serialised by SQLite's write
    lock (``BEGIN IMMEDIATE``), so two sessions never chain to the same predecessor."""
    at = dt.datetime.now().isoformat(timespec="seconds")
    text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
    conn = _connect(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        last = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        digest = entry_hash(prev, seq, at, actor, action, target, text)
        conn.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (seq, at, actor, action, target, text, prev, digest))
        conn.execute("COMMIT")
        return seq
    except BaseException:
        conn.execute("ROLLBACK") if conn.in_transaction else None
        raise
    finally:
        conn.close()


def entries(path: Path | None = None, actor: str | None = None, action: str | None = None,
            since: str | None = None, until: str | None = None, limit: int = 10_000) -> pd.DataFrame:
    """Entries newest first, filtered by actor, action and ``at`` (ISO date or time) range."""
    conds, params = [], []
    for column, value in (("actor", actor), ("action", action)):
        if value:
            conds.append(f"{column} = ?")
            params.append(value)
    if since:
        conds.append("at >= ?")
        params.append(since)
    if until:
        conds.append("at < ?")
        params.append(until)
    where = f"WHERE {' AND '.join(conds)}" if conds else ""
    conn = _connect(path)
    try:
        rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_log {where} ORDER BY seq DESC LIMIT ?", (*params, int(limit))).fetchall()
    finally:
        conn.close()
    return pd.DataFrame(rows, columns=COLUMNS)


def actions(path: Path | None = None) -> list[str]:
    conn = _connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT DISTINCT action FROM audit_log ORDER BY action")]
    finally:
        conn.close()


def verify(path: Path | None = None) -> dict:
    """Recompute the chain. ``{"ok": bool, "entries": n, "first_bad": seq or None, "reason": str}``:
    the first entry whose hash, predecessor or sequence does not follow from the one before.
    A sound chain also gives ``head``, the last hash: written down elsewhere (a monthly report,
    a ticket), it shows later that nobody rewrote the whole chain with recomputed hashes."""
    conn = _connect(path)
    try:
        rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_log ORDER BY seq").fetchall()
    finally:
        conn.close()
    prev, expected = GENESIS, 1
    for seq, at, actor, action, target, detail, prev_hash, digest in rows:
        if seq != expected:
            return {"ok": False, "entries": len(rows), "first_bad": seq, "reason": f"entry {expected} is missing"}
        if prev_hash != prev:
            return {"ok": False, "entries": len(rows), "first_bad": seq, "reason": "does not chain to the entry before"}
        if entry_hash(prev_hash, seq, at, actor, action, target, detail) != digest:
            return {"ok": False, "entries": len(rows), "first_bad": seq, "reason": "its content does not match its hash"}
        prev, expected = digest, expected + 1
    return {"ok": True, "entries": len(rows), "first_bad": None, "reason": "", "head": prev}
