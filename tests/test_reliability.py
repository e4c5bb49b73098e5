"""Nothing lost: one writer at a time, kill -9 mid-import, corrupt and locked files, backups and
restore, the data version. Real DuckDB files in tmp_path and real processes; no mocks."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

import cli
from data_loaders import backup
from data_loaders import engine as eng
from data_loaders import schema
from data_loaders.build import file_identity, load_into
from data_loaders.importer import import_folder, import_sources
from data_loaders.lock import DatabaseBusy, file_lock, read_owner, write_lock
from data_loaders.queries import load_data_version
from tests.conftest import built_once
from tests.test_importer import BAD, GOOD, good_sources
from ui.text import md  # the app escapes the path for Markdown; it renders as typed

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")

IMPORT_SCRIPT = r"""
import json, os, sys, time
from data_loaders.importer import import_folder
from data_loaders.lock import DatabaseBusy
folder, url, mode, timeout, go = sys.argv[1:6]
while go != "-" and not os.path.exists(go):
    time.sleep(0.005)
try:
    r = import_folder(folder, url, mode, lock_timeout=float(timeout))
    out = {"ok": r.ok, "busy": False, "rows": r.row_counts, "warnings": r.warnings,
           "problems": [p.message for p in r.problems]}
except DatabaseBusy as exc:
    out = {"ok": False, "busy": True, "message": str(exc)}
out["finished"] = time.time()
print(json.dumps(out))
"""


# --------------------------------------------------------------------------- helpers
def write_folder(folder: Path, n_vouchers: int = 0) -> Path:
    """The small good import (2 voucher lines), plus ``n_vouchers`` more balanced vouchers of two
    lines each (100.50 debit and credit): 2 + 2 × n_vouchers voucher lines in all."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in good_sources():
        (folder / name).write_bytes(data)
    if n_vouchers:
        head = GOOD["vouchers.csv"]
        rows = [f"MI202603-9{i:06d},2026-03-02,2026-03,MI,posted,生产领料 {i}" for i in range(n_vouchers)]
        (folder / "vouchers.csv").write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
        lines = ["voucher_no,line_no,account_code,debit_amount,credit_amount,work_order_id,source_doc_type,source_doc_id"]
        for i in range(n_vouchers):
            lines.append(f"MI202603-9{i:06d},1,500101,100.50,0,WO-2026-00417,material_issue,MI-{i}")
            lines.append(f"MI202603-9{i:06d},2,1403,0,100.50,WO-2026-00417,material_issue,MI-{i}")
        (folder / "voucher_lines.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")  # beside 凭证分录.csv
    return folder


def n_lines(url: str) -> int:
    engine = eng.make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(schema.voucher_lines)).scalar()
    finally:
        engine.dispose()


def version(url: str) -> str | None:
    engine = eng.make_engine(url, read_only=True)
    try:
        return load_data_version(engine)
    finally:
        engine.dispose()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start_import(folder: Path, url: str, mode: str, timeout: float, go: Path | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", IMPORT_SCRIPT, str(folder), url, mode, str(timeout), str(go or "-")],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def result(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def _good_import(tmp_path_factory) -> Path:
    """The small good import into a new DuckDB file, once per run (``db`` copies it)."""
    def make(folder: Path) -> None:
        report = import_folder(write_folder(folder / "good"), f"duckdb:///{folder / 'data' / 'plant.duckdb'}", "replace")
        assert report.ok, report.problems
        assert [p.name for p in (folder / "data").iterdir()] == ["plant.duckdb"]  # closed: no WAL, lock or backup beside it
    return built_once(tmp_path_factory, "reliability_good_import", make) / "data" / "plant.duckdb"


@pytest.fixture
def db(tmp_path, _good_import) -> tuple[Path, str]:
    """A DuckDB file holding the small good import (2 voucher lines): a copy of the run's one import
    (the same rows and data version in every test's own file)."""
    path = tmp_path / "data" / "plant.duckdb"
    path.parent.mkdir()
    shutil.copyfile(_good_import, path)
    return path, f"duckdb:///{path}"


# --------------------------------------------------------------------------- one writer at a time
def test_a_second_writer_is_refused_naming_the_owner_then_waits_and_applies(db, tmp_path):
    path, url = db
    before, v0 = sha(path), version(url)
    big = write_folder(tmp_path / "big", 50)  # 2 + 100 = 102 lines
    with file_lock(path) as held:
        owner = read_owner(path)
        assert owner["pid"] == os.getpid() and held.took_over is None
        refused = result(start_import(big, url, "replace", 0))
    assert refused["busy"] and not refused["ok"]
    assert f"pid {os.getpid()}" in refused["message"] and "s ago" in refused["message"]
    assert sha(path) == before and version(url) == v0 and n_lines(url) == 2  # nothing stored
    assert read_owner(path) is None  # released cleanly: the lock file is empty again

    # the same import with a timeout waits for the holder, then applies
    lock = file_lock(path)
    lock.__enter__()
    proc = start_import(big, url, "replace", 60)
    time.sleep(1.5)
    assert proc.poll() is None  # still waiting
    lock.__exit__(None, None, None)
    waited = result(proc)
    assert waited["ok"] and waited["rows"]["voucher_lines"] == 102
    assert n_lines(url) == 102 and version(url) != v0


def test_every_database_kind_has_one_writer_at_a_time(empty_url):
    # DuckDB and SQLite: the lock file; PostgreSQL and MariaDB (marked server): the advisory lock
    held, release = threading.Event(), threading.Event()

    def hold():
        with write_lock(empty_url):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(30)
    try:
        with pytest.raises(DatabaseBusy, match="Nothing was written"):
            import_sources(good_sources(), empty_url, "replace", lock_timeout=0.3)
    finally:
        release.set()
        holder.join()
    assert import_sources(good_sources(), empty_url, "replace", lock_timeout=0).ok
    assert version(empty_url)


@pytest.mark.parametrize("timeout", [0, 120])
def test_two_imports_at_once_store_exactly_what_was_reported(db, tmp_path, timeout):
    path, url = db
    a = write_folder(tmp_path / "a", 4000)  # 8,002 lines
    b = write_folder(tmp_path / "b", 3000)  # 6,002 lines
    go = tmp_path / "go"
    procs = [start_import(a, url, "replace", timeout, go), start_import(b, url, "replace", timeout, go)]
    time.sleep(1.0)
    go.touch()
    ra, rb = (result(p) for p in procs)
    rows = {"a": 8002, "b": 6002}
    outcomes = {"a": ra, "b": rb}
    for name, r in outcomes.items():
        assert r["ok"] or r["busy"], r  # stored, or refused because the other one was writing
        if r["ok"]:
            assert r["rows"]["voucher_lines"] == rows[name]
    succeeded = sorted((r["finished"], name) for name, r in outcomes.items() if r["ok"])
    assert succeeded, (ra, rb)  # the lock holder always finishes
    last = succeeded[-1][1]
    assert n_lines(url) == rows[last]  # the reported-successful (last) import's rows, and only those
    if timeout:
        assert len(succeeded) == 2  # the second waited, then applied
        first = succeeded[0][1]
        newest = backup.list_backups(path).iloc[0]  # the last replace kept the first one's data
        assert newest.reason == "replace" and newest.n_voucher_lines == rows[first]
    assert not list(path.parent.glob("*.writing")) and read_owner(path) is None


def test_kill_9_mid_import_leaves_the_database_unchanged_and_the_lock_free(db, tmp_path):
    path, url = db
    before, v0 = sha(path), version(url)
    big = write_folder(tmp_path / "big", 60000)  # 120,002 lines: seconds of parsing and writing
    proc = start_import(big, url, "replace", 0)
    deadline = time.monotonic() + 240
    while not list(path.parent.glob("plant.duckdb.*.writing")):  # the writer's own temporary file
        assert proc.poll() is None, "the import ended before it started writing"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert sha(path) == before and version(url) == v0 and n_lines(url) == 2
    assert read_owner(path)["pid"] == proc.pid  # its record is left behind, but the OS lock went with it
    report = import_folder(write_folder(tmp_path / "small", 5), url, "replace", lock_timeout=0)
    assert report.ok
    assert any("took over the lock of pid" in w and str(proc.pid) in w for w in report.warnings)
    assert n_lines(url) == 12 and not list(path.parent.glob("*.writing"))  # the killed writer's file is gone
    assert read_owner(path) is None


# --------------------------------------------------------------------------- the data version
def test_data_version_changes_with_each_successful_write_only(db, tmp_path):
    path, url = db
    v1, id1 = version(url), file_identity(path)
    assert v1 and len(id1) == 3
    bad = import_sources(BAD["duplicate_key"][0], url, "append")
    assert not bad.ok and version(url) == v1 and file_identity(path) == id1
    held, release = threading.Event(), threading.Event()

    def hold():
        with file_lock(path):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    try:
        with pytest.raises(DatabaseBusy):
            import_sources(good_sources(), url, "replace", lock_timeout=0.2)
    finally:
        release.set()
        holder.join()
    assert version(url) == v1 and file_identity(path) == id1  # refused: same version, same file
    assert import_sources(good_sources(), url, "replace").ok
    v2 = version(url)
    assert v2 and v2 != v1 and file_identity(path) != id1
    restored = backup.restore_backup(path)
    assert restored["data_version"] == version(url) not in (v1, v2)
    assert file_identity(tmp_path / "nothing.duckdb") == ()


def test_build_stamps_a_version_and_returns_the_info_rows(tmp_path, small_sample):
    url = f"duckdb:///{tmp_path / 's.duckdb'}"
    counts = load_into(url, small_sample)
    assert counts["dataset_info"] == len(small_sample["dataset_info"]) + 3  # + data_version, _at, _by
    engine = eng.make_engine(url, read_only=True)
    with engine.connect() as conn:
        info = dict(conn.execute(sa.select(schema.dataset_info.c.info_key, schema.dataset_info.c.info_value)).all())
    engine.dispose()
    assert info["data_version_by"] == "build" and len(info["data_version"]) == 32 and info["source"] == "sample"


# --------------------------------------------------------------------------- backups and restore
def test_replace_keeps_a_backup_and_restore_brings_the_rows_back(db, tmp_path):
    path, url = db
    assert import_sources(good_sources(), url, "append").ok is False  # keys exist: nothing changes
    report = import_folder(write_folder(tmp_path / "big", 10), url, "replace")
    assert report.ok and n_lines(url) == 22
    listed = backup.list_backups(path)
    assert list(listed.reason) == ["replace"] and listed.n_voucher_lines.iloc[0] == 2
    done = backup.restore_backup(path, listed.backup_name.iloc[0])
    assert n_lines(url) == 2  # the rows before the replace are back
    after = backup.list_backups(path)
    assert after.backup_name.iloc[0] == done["backup_of_current"] and after.n_voucher_lines.iloc[0] == 22
    with pytest.raises(ValueError, match="no backup named"):
        backup.restore_backup(path, "nope")


def test_backups_are_pruned_to_the_newest_n(db, monkeypatch):
    path, url = db
    monkeypatch.setenv("BFI_BACKUPS_KEEP", "3")
    made = [backup.make_backup(path, f"test{i}") for i in range(5)]
    kept = backup.backup_files(path)
    assert kept == made[:1:-1]  # the three newest, newest first: test4, test3, test2
    assert not made[0].exists() and not made[1].exists()
    monkeypatch.setenv("BFI_BACKUPS_KEEP", "not a number")
    assert backup.keep_count() == 10


def test_cli_replace_needs_yes_and_restore_brings_the_rows_back(db, tmp_path, capsys):
    path, url = db
    folder = write_folder(tmp_path / "big", 10)
    before = sha(path)
    capsys.readouterr()
    assert cli.main(["--db", url, "import", str(folder), "--mode", "replace"]) == 2  # no tty, no --yes
    assert "--yes" in capsys.readouterr().err and sha(path) == before
    assert cli.main(["--db", url, "import", str(folder), "--mode", "replace", "--yes"]) == 0
    assert n_lines(url) == 22
    capsys.readouterr()
    assert cli.main(["--db", url, "backups"]) == 0
    listed = json.loads(capsys.readouterr().out)["backups"]
    assert [(b["reason"], b["n_voucher_lines"], b["source"]) for b in listed] == [("replace", 2, "import")]
    assert cli.main(["--db", url, "restore", "--latest"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["restored"] == listed[0]["backup_name"] and n_lines(url) == 2
    codes = []
    with file_lock(path):  # held by this thread; the CLI runs in another, as another writer would
        t = threading.Thread(target=lambda: codes.append(cli.main(["--db", url, "restore", "--latest", "--wait", "0"])))
        t.start()
        t.join()
    assert codes == [2] and "being written by" in capsys.readouterr().err


# --------------------------------------------------------------------------- the app never replaces a user's file
def _app(data_dir: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("BFI_DATA_DIR", str(data_dir))
    monkeypatch.delenv("BFI_DATABASE_URL", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("damage", ["zero_byte", "truncated", "corrupt"])
def test_an_unreadable_file_is_reported_not_replaced(db, tmp_path, monkeypatch, damage):
    path, _ = db
    data_dir = tmp_path / "app"
    data_dir.mkdir()
    target = data_dir / eng.DB_FILE
    good = path.read_bytes()
    target.write_bytes({"zero_byte": b"", "truncated": good[: len(good) // 2], "corrupt": os.urandom(20000)}[damage])
    before = target.read_bytes()
    at = _app(data_dir, monkeypatch)
    errors = [e.value for e in at.error]
    assert errors and md(str(target)) in errors[0] and "cli.py restore" in errors[0], errors
    assert target.read_bytes() == before  # not rebuilt as the sample
    assert not (data_dir / "backups").exists() and not list(data_dir.glob("*.writing"))
    assert not at.title  # no page drawn over a file the app cannot read


def test_a_file_held_by_another_writer_is_reported_not_replaced(db, tmp_path, monkeypatch):
    path, url = db
    data_dir = tmp_path / "app"
    data_dir.mkdir()
    target = data_dir / eng.DB_FILE
    target.write_bytes(path.read_bytes())
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(120)", str(target)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        before = target.read_bytes()
        at = _app(data_dir, monkeypatch)
        errors = [e.value for e in at.error]
        assert errors and md(str(target)) in errors[0] and "lock" in errors[0].lower(), errors
        assert target.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    assert n_lines(f"duckdb:///{target}") == 2  # the user's rows, still there


def test_imported_data_from_an_older_contract_is_not_rebuilt(db, tmp_path, monkeypatch):
    path, _ = db
    data_dir = tmp_path / "app"
    data_dir.mkdir()
    target = data_dir / eng.DB_FILE
    target.write_bytes(path.read_bytes())
    engine = eng.make_engine(f"duckdb:///{target}")
    with engine.begin() as conn:
        conn.execute(schema.dataset_info.insert(), [{"info_key": "contract_version", "info_value": "old"}])
    engine.dispose()
    before = target.read_bytes()
    _app(data_dir, monkeypatch)
    assert target.read_bytes() == before and not (data_dir / "backups").exists()


def test_a_stale_sample_is_rebuilt_and_the_old_file_kept(tmp_path, monkeypatch, sample_copy):
    url = f"duckdb:///{sample_copy('duckdb', tmp_path / eng.DB_FILE)}"
    engine = eng.make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.update(schema.dataset_info).where(schema.dataset_info.c.info_key == "contract_version").values(info_value="old"))
    engine.dispose()
    v_old = version(url)
    _app(tmp_path, monkeypatch)
    listed = backup.list_backups(tmp_path / eng.DB_FILE)
    assert list(listed.reason) == ["rebuild"] and listed.data_version.iloc[0] == v_old
    assert version(url) != v_old


def test_data_page_replace_asks_first_and_restore_brings_the_sample_back(tmp_path, monkeypatch, small_sample, sample_copy):
    url = f"duckdb:///{sample_copy('duckdb', tmp_path / eng.DB_FILE)}"
    sample_lines = len(small_sample["voucher_lines"])
    at = _app(tmp_path, monkeypatch)
    at.switch_page("pages/data.py")
    at.run()
    at.file_uploader(key="data_upload").set_value([(n, d, "text/csv") for n, d in good_sources()])
    at.toggle(key="data_import_replace").set_value(True)
    at.run()
    assert at.button(key="data_import_button").disabled  # not before the confirmation
    at.checkbox(key="data_replace_confirm").check()
    at.run()
    assert not at.button(key="data_import_button").disabled
    at.button(key="data_import_button").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert n_lines(url) == 2
    assert at.selectbox(key="data_backup_name").value.endswith("-replace.duckdb")
    assert at.button(key="data_restore_button").disabled  # not before the confirmation
    at.checkbox(key="data_restore_confirm").check()
    at.run()
    at.button(key="data_restore_button").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert n_lines(url) == sample_lines
    assert any("的数据已备份为" in s.value or "was kept as" in s.value for s in at.success)
