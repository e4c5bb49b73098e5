"""Dated backups of the embedded DuckDB file, and restoring one.

Before a write replaces the whole database (a rebuild of the sample, a replace-mode import,
a restore) the current file is copied to ``backups/`` beside it as
``<stem>-<YYYYMMDD-HHMMSS-mmm>-<reason>.duckdb`` (e.g. ``sample_plant-20261122-143005-120-replace.duckdb``).
The newest ``BFI_BACKUPS_KEEP`` (default 10) are kept; older ones are deleted. A backup is
written under a temporary name and renamed, so a listed backup is always complete.

``restore_backup`` brings one back through the same atomic swap as an import, after keeping
the current file as a backup too, and stamps a new data version. Server databases are not
backed up here: use the server's own tools (pg_dump, mariadb-dump).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from data_loaders import engine as eng
from data_loaders import facts, schema
from data_loaders.lock import file_lock

BACKUPS_DIR = "backups"
KEEP_ENV = "BFI_BACKUPS_KEEP"
DEFAULT_KEEP = 10
_STAMP = "%Y%m%d-%H%M%S"


def backups_dir(db_path: Path) -> Path:
    """The folder that holds the backups of ``db_path``: ``backups/`` beside it."""
    return Path(db_path).parent / BACKUPS_DIR


def keep_count() -> int:
    """How many backups to keep: ``$BFI_BACKUPS_KEEP`` (at least 1), default 10."""
    try:
        return max(int(os.environ.get(KEEP_ENV, DEFAULT_KEEP)), 1)
    except ValueError:
        return DEFAULT_KEEP


def _pattern(db_path: Path) -> re.Pattern:
    return re.compile(rf"^{re.escape(Path(db_path).stem)}-(\d{{8}}-\d{{6}}-\d{{3}})-([a-z0-9_]+)\.duckdb$")


def backup_files(db_path: Path) -> list[Path]:
    """The backups of ``db_path``, newest first."""
    folder = backups_dir(db_path)
    if not folder.is_dir():
        return []
    pattern = _pattern(db_path)
    found = [(m[1], p) for p in folder.iterdir() if (m := pattern.match(p.name))]
    return [p for _, p in sorted(found, key=lambda x: (x[0], x[1].name), reverse=True)]


def make_backup(db_path: Path, reason: str, keep: int | None = None) -> Path | None:
    """Copy ``db_path`` into ``backups/`` (``reason``: rebuild, replace, restore …), then keep the
    newest ``keep`` (default ``keep_count()``). Returns the backup, None when there is no file."""
    db_path = Path(db_path)
    if not db_path.exists():
        return None
    reason = re.sub(r"[^a-z0-9_]", "_", reason.lower()) or "backup"
    folder = backups_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    with file_lock(db_path, 0):  # re-entrant: the writer calling us already holds it
        now = dt.datetime.now()
        while True:
            name = f"{db_path.stem}-{now.strftime(_STAMP)}-{now.microsecond // 1000:03d}-{reason}.duckdb"
            target = folder / name
            if not target.exists():
                break
            now += dt.timedelta(milliseconds=1)
        partial = folder / (name + ".partial")
        shutil.copyfile(db_path, partial)
        wal = Path(str(db_path) + ".wal")
        if wal.exists():  # a writer outside this app left a journal: it belongs to the file
            shutil.copyfile(wal, str(target) + ".wal")
        os.replace(partial, target)
    prune_backups(db_path, keep)
    return target


def prune_backups(db_path: Path, keep: int | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` backups of ``db_path``; returns the deleted ones."""
    keep = keep_count() if keep is None else max(keep, 1)
    removed = backup_files(db_path)[keep:]
    for p in removed:
        p.unlink(missing_ok=True)
        Path(str(p) + ".wal").unlink(missing_ok=True)
    return removed


def read_state(engine) -> dict:
    """Whether a database can be read: ``{"readable": bool, "reason": str, "info": dict | None}``.

    ``info`` is ``dataset_info`` as key -> value, None when the database has no such table.
    ``reason`` is the driver's first line (e.g. DuckDB's "not a valid DuckDB database file" or
    "Could not set lock on file … Conflicting lock is held in … (PID 4242)").
    """
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(schema.dataset_info.name):
                return {"readable": True, "reason": "", "info": None}
            rows = conn.execute(sa.select(schema.dataset_info.c.info_key, schema.dataset_info.c.info_value)).all()
    except Exception as exc:  # any failure to open or read is the reason shown, whatever its type
        return {"readable": False, "reason": str(getattr(exc, "orig", exc)).splitlines()[0][:300], "info": None}
    return {"readable": True, "reason": "", "info": dict(rows)}


def describe(path: Path) -> dict:
    """What a backup holds: its source, data version and voucher lines (None if unreadable)."""
    out = {"source": None, "data_version": None, "n_voucher_lines": None, "problem": None}
    engine = eng.make_engine(f"duckdb:///{path}", read_only=True)
    try:
        with engine.connect() as conn:
            info = dict(conn.execute(sa.select(schema.dataset_info.c.info_key, schema.dataset_info.c.info_value)).all())
            out["source"] = info.get("source")
            out["data_version"] = info.get("data_version")
            out["n_voucher_lines"] = conn.execute(sa.select(sa.func.count()).select_from(schema.voucher_lines)).scalar()
    except Exception as exc:  # a damaged or foreign file: say so in the list, never fail the list
        out["problem"] = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
    finally:
        engine.dispose()
    return out


def list_backups(db_path: Path) -> pd.DataFrame:
    """One row per backup of ``db_path``, newest first: ``backup_name``, ``created_at``,
    ``reason``, ``n_bytes``, ``source``, ``n_voucher_lines``, ``data_version``, ``problem``."""
    rows = []
    pattern = _pattern(db_path)
    for p in backup_files(db_path):
        try:
            size = p.stat().st_size
        except OSError:  # pruned while we listed
            continue
        m = pattern.match(p.name)
        created = dt.datetime.strptime(m[1][:15], _STAMP).replace(microsecond=int(m[1][16:]) * 1000)
        rows.append({"backup_name": p.name, "created_at": created, "reason": m[2], "n_bytes": size, **describe(p)})
    columns = ["backup_name", "created_at", "reason", "n_bytes", "source", "n_voucher_lines", "data_version", "problem"]
    return pd.DataFrame(rows, columns=columns)


def restore_backup(db_path: Path, name: str | None = None, timeout: float = 0.0) -> dict:
    """Make the backup ``name`` (None = the newest) the database again, atomically.

    The current file is kept as a backup first (reason ``restore``) and the restored data gets
    a new data version. Returns ``{"restored": name, "backup_of_current": name or None,
    "data_version": ...}``. Raises ``ValueError`` for an unknown or unreadable backup and
    ``DatabaseBusy`` when another writer holds the database.
    """
    from data_loaders.build import stamp, write_duckdb_file

    db_path = Path(db_path)
    files = backup_files(db_path)
    if not files:
        raise ValueError(f"there are no backups in {backups_dir(db_path)} / 没有备份")
    if name is None:
        source = files[0]
    else:
        matches = [p for p in files if p.name == name or p.stem == name]
        if not matches:
            raise ValueError(f"no backup named {name!r} in {backups_dir(db_path)} / 没有该备份")
        source = matches[0]
    problem = describe(source)["problem"]
    if problem:
        raise ValueError(f"the backup {source.name} cannot be read: {problem} / 备份无法读取")
    note = stamp(f"restore {source.name}")

    def write(engine) -> str:
        info = schema.dataset_info
        with engine.begin() as conn:
            conn.execute(info.delete().where(info.c.info_key.in_(list(note))))
            conn.execute(info.insert(), [{"info_key": k, "info_value": v} for k, v in note.items()])
        facts.refresh(engine)
        return note["data_version"]

    with file_lock(db_path, timeout):
        before = set(backup_files(db_path))
        version = write_duckdb_file(db_path, write, copy_from=source, backup_reason="restore")
        kept = [p for p in backup_files(db_path) if p not in before]
    return {"restored": source.name, "backup_of_current": kept[0].name if kept else None, "data_version": version}
