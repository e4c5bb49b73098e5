"""The meeting's records in the application store: frozen snapshots, comments and action items.

They live in the app's own SQLite file (``data_loaders.audit.store_path``: ``$BFI_APP_STORE``,
else ``app_store.sqlite`` beside the embedded database), never in the analysed database: that
one may be a company warehouse the app only reads, and the embedded DuckDB file is replaced by
every import. So the records survive restarts and imports, and work on a read-only or server
database alike.

Tables::

    meeting_snapshots  id, month, plants (JSON list, [] = all), as_of, data_version, created_at, created_by, json
    meeting_comments   id, snapshot_id, topic, text, author, at
    meeting_actions    id, month_opened, topic, text, owner, due_date, status (open / done / dropped),
                       closed_month, plants (JSON list), snapshot_id, created_by, created_at, updated_by, updated_at

Plants: a record carries the plants of the meeting it was made in. A meeting of some plants
sees only records of those plants (``visible``): a user limited to P1 never reads a snapshot,
comment or action item made for P2 or for all plants. Carry-over: the meeting of a month shows
every item opened in an earlier month that is still open, and the items opened or closed in
that month (``meeting_items``).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from data_loaders.audit import store_path

STATUSES = ("open", "done", "dropped")
_DDL = (
    """CREATE TABLE IF NOT EXISTS meeting_snapshots (
        id INTEGER PRIMARY KEY, month TEXT NOT NULL, plants TEXT NOT NULL, as_of TEXT NOT NULL, data_version TEXT NOT NULL,
        created_at TEXT NOT NULL, created_by TEXT NOT NULL, json TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS meeting_snapshots_month ON meeting_snapshots (month)",
    """CREATE TABLE IF NOT EXISTS meeting_comments (
        id INTEGER PRIMARY KEY, snapshot_id INTEGER NOT NULL REFERENCES meeting_snapshots (id), topic TEXT NOT NULL,
        text TEXT NOT NULL, author TEXT NOT NULL, at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS meeting_comments_snapshot ON meeting_comments (snapshot_id)",
    """CREATE TABLE IF NOT EXISTS meeting_actions (
        id INTEGER PRIMARY KEY, month_opened TEXT NOT NULL, topic TEXT NOT NULL, text TEXT NOT NULL, owner TEXT NOT NULL,
        due_date TEXT, status TEXT NOT NULL CHECK (status IN ('open', 'done', 'dropped')), closed_month TEXT,
        plants TEXT NOT NULL, snapshot_id INTEGER, created_by TEXT NOT NULL, created_at TEXT NOT NULL,
        updated_by TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS meeting_actions_month ON meeting_actions (month_opened)",
)
ACTION_FIELDS = ("id", "month_opened", "topic", "text", "owner", "due_date", "status", "closed_month", "plants", "snapshot_id",
                 "created_by", "created_at", "updated_by", "updated_at")


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _connect(path: Path | None = None) -> sqlite3.Connection:
    path = Path(path or store_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    for ddl in _DDL:
        conn.execute(ddl)
    return conn


def _plants_text(plants) -> str:
    return json.dumps(sorted(plants or []))


def visible(record_plants, meeting_plants) -> bool:
    """Whether a record made for ``record_plants`` may be shown in a meeting of ``meeting_plants``
    (already narrowed to the user's plant limit; empty = all plants): every record in an
    all-plant meeting; else only records of some of the meeting's plants (never an all-plant one)."""
    record_plants = json.loads(record_plants) if isinstance(record_plants, str) else list(record_plants or [])
    if not meeting_plants:
        return True
    return bool(record_plants) and set(record_plants) <= set(meeting_plants)


# --------------------------------------------------------------------------- snapshots
def save_snapshot(snapshot: dict, path: Path | None = None) -> int:
    """Store a snapshot (``reports.meeting.build_snapshot``); returns its id."""
    text = json.dumps(snapshot, ensure_ascii=False, allow_nan=False)
    conn = _connect(path)
    try:
        cur = conn.execute("INSERT INTO meeting_snapshots (month, plants, as_of, data_version, created_at, created_by, json) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (snapshot["month"], _plants_text(snapshot["plants"]), snapshot.get("as_of") or "",
                            snapshot.get("data_version") or "", snapshot["created_at"], snapshot.get("created_by") or "", text))
        return int(cur.lastrowid)
    finally:
        conn.close()


def snapshots(month: str | None = None, plants=(), path: Path | None = None) -> list[dict]:
    """Stored snapshots (newest first) without their body: id, month, plants, as_of,
    data_version, created_at, created_by; of ``month`` when given; only those ``visible`` to a
    meeting of ``plants``."""
    conn = _connect(path)
    try:
        sql = "SELECT id, month, plants, as_of, data_version, created_at, created_by FROM meeting_snapshots"
        rows = conn.execute(sql + (" WHERE month = ?" if month else "") + " ORDER BY id DESC", (month,) if month else ()).fetchall()
    finally:
        conn.close()
    keys = ("id", "month", "plants", "as_of", "data_version", "created_at", "created_by")
    return [{**dict(zip(keys, r)), "plants": json.loads(r[2])} for r in rows if visible(r[2], plants)]


def load_snapshot(snapshot_id: int, plants=(), path: Path | None = None) -> dict | None:
    """The snapshot's body as frozen, or None when there is none with that id or it is not
    ``visible`` to a meeting of ``plants``."""
    conn = _connect(path)
    try:
        row = conn.execute("SELECT plants, json FROM meeting_snapshots WHERE id = ?", (int(snapshot_id),)).fetchone()
    finally:
        conn.close()
    if row is None or not visible(row[0], plants):
        return None
    return json.loads(row[1])


# --------------------------------------------------------------------------- comments
def add_comment(snapshot_id: int, topic: str, text: str, author: str, path: Path | None = None) -> int:
    if not text.strip():
        raise ValueError("text is empty")
    conn = _connect(path)
    try:
        cur = conn.execute("INSERT INTO meeting_comments (snapshot_id, topic, text, author, at) VALUES (?, ?, ?, ?, ?)",
                           (int(snapshot_id), topic, text.strip(), author, _now()))
        return int(cur.lastrowid)
    finally:
        conn.close()


def comments(snapshot_id: int, topic: str | None = None, path: Path | None = None) -> list[dict]:
    """Comments on a snapshot (of one topic when given), oldest first."""
    conn = _connect(path)
    try:
        sql = "SELECT id, snapshot_id, topic, text, author, at FROM meeting_comments WHERE snapshot_id = ?"
        args: tuple = (int(snapshot_id),)
        if topic:
            sql, args = sql + " AND topic = ?", args + (topic,)
        rows = conn.execute(sql + " ORDER BY id", args).fetchall()
    finally:
        conn.close()
    return [dict(zip(("id", "snapshot_id", "topic", "text", "author", "at"), r)) for r in rows]


# --------------------------------------------------------------------------- action items
def add_action(month: str, topic: str, text: str, owner: str, due_date: str | dt.date | None, author: str, plants=(),
               snapshot_id: int | None = None, path: Path | None = None) -> int:
    """Record an open action item in the meeting of ``month``; returns its id."""
    if not text.strip():
        raise ValueError("text is empty")
    if not owner.strip():
        raise ValueError("owner is empty")
    due = due_date.isoformat() if isinstance(due_date, dt.date) else (due_date or None)
    now = _now()
    conn = _connect(path)
    try:
        cur = conn.execute("INSERT INTO meeting_actions (month_opened, topic, text, owner, due_date, status, closed_month, plants, "
                           "snapshot_id, created_by, created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, 'open', NULL, ?, ?, ?, ?, ?, ?)",
                           (month, topic, text.strip(), owner.strip(), due, _plants_text(plants), snapshot_id, author, now, author, now))
        return int(cur.lastrowid)
    finally:
        conn.close()


def set_status(action_id: int, status: str, month: str, author: str, path: Path | None = None) -> None:
    """Mark an item open, done or dropped in the meeting of ``month`` (done or dropped: closed in
    that month; open again: not closed)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    conn = _connect(path)
    try:
        conn.execute("UPDATE meeting_actions SET status = ?, closed_month = ?, updated_by = ?, updated_at = ? WHERE id = ?",
                     (status, None if status == "open" else month, author, _now(), int(action_id)))
    finally:
        conn.close()


def actions(path: Path | None = None) -> list[dict]:
    """Every action item, oldest first (plants as a list)."""
    conn = _connect(path)
    try:
        rows = conn.execute(f"SELECT {', '.join(ACTION_FIELDS)} FROM meeting_actions ORDER BY id").fetchall()
    finally:
        conn.close()
    return [{**dict(zip(ACTION_FIELDS, r)), "plants": json.loads(r[ACTION_FIELDS.index("plants")])} for r in rows]


def meeting_items(month: str, plants=(), path: Path | None = None) -> list[dict]:
    """The action items of the meeting of ``month``: every item opened in it or before and not
    closed before it — the carry-over of earlier months' open items, this month's new ones, and
    those closed in this month's meeting (a past meeting reopened shows its items as they stood,
    except their current status); only items ``visible`` to a meeting of ``plants``; oldest first."""
    return [a for a in actions(path) if visible(a["plants"], plants) and a["month_opened"] <= month
            and (a["closed_month"] is None or a["closed_month"] >= month)]
