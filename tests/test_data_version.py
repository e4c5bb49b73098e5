"""The app follows the data: a new import by another process is seen on the next rerun in every
session, an unreachable database shows its cached figures labelled stale, and an empty or
partial database shows what is missing instead of a catalog error. Real files, real processes,
Streamlit's AppTest (see docs/RELIABILITY.md, "The app follows the data")."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from data_loaders import engine as eng
from data_loaders.build import load_into
from tests.conftest import PG_BASE, server_skip_reason
from tests.test_app import PAGES

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
NEW_PLANT = "plant_id,plant_name,city,currency\nP9,九厂,无锡,CNY\n"
FORBIDDEN = ("出错了", "Something went wrong", "Catalog Error", "no such table", "does not exist", "Traceback",
             "UndefinedTable", "ProgrammingError", "OperationalError")
TEXT_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "text", "info", "success", "warning", "error",
                 "exception", "toast", "code", "metric")


# --------------------------------------------------------------------------- helpers
def texts(at: AppTest) -> list[str]:
    """Every text the run drew (messages, captions, metrics, toasts, exceptions)."""
    out = []
    for kind in TEXT_ELEMENTS:
        for element in at.get(kind):
            out += [str(getattr(element, attr, "")) for attr in ("value", "label", "message") if getattr(element, attr, None)]
    return out


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    bad = [x for x in texts(at) if any(f.lower() in x.lower() for f in FORBIDDEN)]
    assert not bad, bad


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page)
    at.run()
    return at


def table_rows(at: AppTest, table: str) -> int:
    """Rows of ``table`` in the Data page's table counts (its first table)."""
    frame = at.dataframe[0].value
    row = frame[frame["导入文件名"] == f"{table}.csv"]  # the table is named by its import file
    assert len(row) == 1, frame["导入文件名"].tolist()
    return int(row["行数"].iloc[0])


def toasts(at: AppTest) -> list[str]:
    return [x.value for x in at.toast]


def cli_import(folder: Path, url: str) -> subprocess.CompletedProcess:
    """``cli.py import`` in another process (the way a scheduled job imports)."""
    done = subprocess.run([sys.executable, "cli.py", "--db", url, "import", str(folder), "--mode", "append", "--wait", "60"],
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    return done


def plant_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "new_plant"
    folder.mkdir()
    (folder / "plants.csv").write_text(NEW_PLANT, encoding="utf-8")
    return folder


@pytest.fixture
def embedded(small_sample, tmp_path, monkeypatch) -> Path:
    """The small sample as the app's embedded file, in a folder of this test's own."""
    monkeypatch.setenv(eng.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(eng.URL_ENV, raising=False)
    load_into(eng.default_url(), small_sample)
    return eng.default_db_path()


def new_session() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# --------------------------------------------------------------------------- a new import is seen
def test_an_import_by_another_process_is_seen_by_open_and_new_sessions(embedded, tmp_path):
    at = open_page(new_session(), "pages/data.py")
    assert_clean(at)
    assert table_rows(at, "plants") == 2  # the sample plant has P1 and P2
    assert not toasts(at)  # the first run of a session is not a change
    cli_import(plant_folder(tmp_path), eng.default_url())
    at.run()  # the very next rerun, no restart, no cache clearing
    assert_clean(at)
    assert table_rows(at, "plants") == 2 + 1  # P9 appended by the other process
    assert any(x.startswith("数据已更新（") for x in toasts(at)), toasts(at)
    at.run()
    assert not toasts(at)  # said once
    other = open_page(new_session(), "pages/data.py")  # a new session sees the new data too
    assert table_rows(other, "plants") == 3 and not toasts(other)


# --------------------------------------------------------------------------- unreachable database
def _revenue_cells(at: AppTest) -> list:
    return at.dataframe[0].value.iloc[0].tolist()  # the ledger page's P&L statement, first line


def test_a_missing_or_unreadable_embedded_file_shows_cached_figures_labelled_stale(embedded, tmp_path):
    at = open_page(new_session(), "pages/ledger.py")
    assert_clean(at)
    before = _revenue_cells(at)
    moved = tmp_path / "elsewhere.duckdb"
    os.replace(embedded, moved)  # the file disappears under the running app
    at.run()
    assert_clean(at)
    assert _revenue_cells(at) == before  # the cached figures, not an error
    stale = [w.value for w in at.warning if w.value.startswith("数据库不可用，显示的是 ")]
    assert len(stale) == 1 and "的缓存数据" in stale[0], [w.value for w in at.warning]
    assert not embedded.exists()  # never rebuilt as the sample in its place
    open_page(at, "pages/cash.py")  # never opened while the database was there: nothing cached
    assert_clean(at)
    assert any("这一页在" in w.value and "没有缓存的数据" in w.value for w in at.warning), [w.value for w in at.warning]
    embedded.write_bytes(b"")  # a zero-byte file is unreadable: still the cached figures, labelled
    open_page(at, "pages/ledger.py")
    assert_clean(at)
    assert _revenue_cells(at) == before and any(w.value.startswith("数据库不可用") for w in at.warning)
    os.replace(moved, embedded)  # back: the same file, so the same version, no "updated" notice
    at.run()
    assert_clean(at)
    assert not [w.value for w in at.warning if w.value.startswith("数据库不可用")]
    assert _revenue_cells(at) == before and not toasts(at)


class Proxy:
    """A TCP forwarder on 127.0.0.1 to a server; ``close()`` makes the server unreachable for
    whoever connects through it (connections cut, port refused) without touching the server."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.open:
            try:
                client, _ = self.listener.accept()
            except (socket.timeout, OSError):
                continue
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while chunk := a.recv(65536):
                b.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.open = False
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


@pytest.mark.server
def test_postgresql_import_seen_within_seconds_then_stale_when_unreachable(small_sample, tmp_path, monkeypatch):
    reason = server_skip_reason("postgresql")
    if reason:
        pytest.skip(reason)
    schema_name = f"bfi_version_test_{os.getpid()}"
    admin = sa.create_engine(PG_BASE)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema_name}"'))
    direct = f"{PG_BASE}?options=-csearch_path%3D{schema_name}"
    proxy = None
    try:
        load_into(direct, small_sample)
        base = sa.engine.make_url(PG_BASE)
        proxy = Proxy(base.host or "127.0.0.1", base.port or 5432)
        through = base.set(port=proxy.port).render_as_string(hide_password=False) + f"?options=-csearch_path%3D{schema_name}"
        monkeypatch.setenv(eng.URL_ENV, through)
        at = open_page(new_session(), "pages/data.py")
        assert_clean(at)
        assert table_rows(at, "plants") == 2
        cli_import(plant_folder(tmp_path), direct)  # another process, straight to the server
        time.sleep(5.5)  # a server's version is asked at most every 5 s
        at.run()
        assert_clean(at)
        assert table_rows(at, "plants") == 3 and any(x.startswith("数据已更新（") for x in toasts(at))
        at = open_page(at, "pages/ledger.py")
        before = _revenue_cells(at)
        proxy.close()  # PostgreSQL "stops" for this app
        time.sleep(5.5)
        at.run()
        assert_clean(at)
        assert _revenue_cells(at) == before
        assert any(w.value.startswith("数据库不可用，显示的是 ") for w in at.warning), [w.value for w in at.warning]
        open_page(at, "pages/oee.py")  # nothing cached for it
        assert_clean(at)
        assert any("没有缓存的数据" in w.value for w in at.warning)
    finally:
        if proxy is not None:
            proxy.close()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE'))
        admin.dispose()


# --------------------------------------------------------------------------- empty and partial databases
def _empty_database(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(eng.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(eng.URL_ENV, raising=False)
    engine = eng.make_engine(eng.default_url())
    eng.create_schema(engine)
    engine.dispose()


DROPPED = ("work_orders", "output_counts")  # tables the production, OEE, profitability ... pages read
DROPPED_COLUMN = ("purchase_orders", "unit_price")


@pytest.fixture
def partial(embedded) -> Path:
    """The small sample without two tables and one column."""
    engine = eng.make_engine(eng.default_url())
    with engine.begin() as conn:
        for name in DROPPED:
            conn.execute(sa.text(f"DROP TABLE {name}"))
        conn.execute(sa.text(f"ALTER TABLE {DROPPED_COLUMN[0]} DROP COLUMN {DROPPED_COLUMN[1]}"))
    engine.dispose()
    return embedded


def test_an_empty_database_opens_every_page_without_a_catalog_error(tmp_path, monkeypatch):
    _empty_database(tmp_path, monkeypatch)
    at = new_session()
    for page in sorted(PAGES):
        for lang in ("zh", "en"):
            open_page(at, page)
            current = at.session_state["lang"] if "lang" in at.session_state else "zh"
            if current != lang:
                at.button_group(key=f"lang.{current}").set_value(lang)
                at.run()
            assert_clean(at)
            assert at.title[0].value == PAGES[page][0 if lang == "zh" else 1], page
    at = open_page(at, "pages/overview.py")
    assert [i.value for i in at.info] == ["The database holds no vouchers yet, so this page has nothing to show. "
                                          "Import data on the Data page."]
    at = open_page(at, "pages/data.py")
    assert table_rows_en(at, "vouchers") == 0
    at.button(key="data_run_validation").click()
    at.run()
    assert_clean(at)
    assert any(s.value.startswith("All checks pass") for s in at.success), [s.value for s in at.success]


def table_rows_en(at: AppTest, table: str) -> int:
    frame = at.dataframe[0].value
    return int(frame.loc[frame["Import file name"] == f"{table}.csv", "Rows"].iloc[0])


def test_missing_tables_are_named_on_every_page_and_in_the_checks(partial):
    at = new_session()
    for page in sorted(PAGES):
        open_page(at, page)
        assert_clean(at)
        assert at.title[0].value == PAGES[page][0], page
    at = open_page(at, "pages/production.py")
    assert [i.value for i in at.info] == ["这一页需要这些数据表：产量报工（output_counts）、生产工单（work_orders），数据库中没有。请在“数据管理”页导入或查看校验结果。"]
    at = open_page(at, "pages/ledger.py")  # reads neither table: drawn as usual
    assert not [i.value for i in at.info if "这一页需要" in i.value] and at.dataframe
    at = open_page(at, "pages/budget.py")  # its tables are there, but a column is not
    assert any(i.value.startswith("这一页需要这些列") and "purchase_orders.unit_price" in i.value for i in at.info)
    at = open_page(at, "pages/data.py")
    assert "数据库缺少 2 张表：生产工单（work_orders）、产量报工（output_counts）" in [w.value for w in at.warning] or \
        "数据库缺少 2 张表：产量报工（output_counts）、生产工单（work_orders）" in [w.value for w in at.warning], [w.value for w in at.warning]
    assert any("purchase_orders.unit_price" in w.value for w in at.warning)
    assert table_rows(at, "plants") == 2
    at.button(key="data_run_validation").click()
    at.run()
    assert_clean(at)
    findings = at.dataframe[-1].value
    rows = sorted(map(tuple, findings.iloc[:, :3].astype(str).values.tolist()))
    assert rows == [("缺少列", "purchase_orders", "unit_price"), ("缺少数据表", "output_counts", ""),
                    ("缺少数据表", "work_orders", "")], rows  # nothing else: the references to them are not checked
