"""Fixtures: every database the app supports, and small sample plants loaded into them.

DuckDB and SQLite always run. PostgreSQL and MariaDB run where they answer on 127.0.0.1
(PostgreSQL: trust auth, database ``test``; MariaDB: root, no password, database ``test``)
and are skipped with the reason otherwise. Each server test namespace is its own PostgreSQL
schema or MariaDB database, dropped and recreated, so fixtures never see each other's rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from data_loaders import engine as eng  # noqa: E402
from data_loaders import facts, schema  # noqa: E402
from data_loaders.build import load_into  # noqa: E402
from sample_data.generator import SampleConfig, generate  # noqa: E402

try:
    import fcntl
except ImportError:  # not on Windows: each xdist worker builds its own shared files there
    fcntl = None

# OpenBLAS on one thread in the test processes and the processes they start (CLI, Streamlit): the
# statsmodels fits behind the forecasts and landings run on small matrices, where OpenBLAS's second
# thread only spins; with two xdist workers on two cores it took 2.5-3x the CPU of one thread
# (docs/PERFORMANCE.md, "h-ci2 (session 15)"); the same bits either way. Unless the caller chose.
if "OPENBLAS_NUM_THREADS" not in os.environ:
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # read when OpenBLAS loads: the processes tests start
    try:  # this process may have loaded numpy already (a plugin): set its pool as well
        from threadpoolctl import threadpool_limits
    except ImportError:
        pass
    else:
        threadpool_limits(1, user_api="blas")

AS_OF = dt.date(2026, 11, 22)
SMALL_SCALE = 0.1  # about 500 work orders: every story is present, loads in seconds everywhere

PG_BASE = os.environ.get("BFI_TEST_PG", "postgresql+psycopg://127.0.0.1/test")
MY_BASE = os.environ.get("BFI_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1/test")
BACKENDS = ["duckdb", "sqlite", "postgresql", "mariadb"]


def _server_reason(url: str) -> str | None:
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: skip, and say why
        return f"{url} is not reachable: {str(exc).splitlines()[0][:160]}"


_REASONS: dict[str, str | None] = {}


def server_skip_reason(backend: str) -> str | None:
    if backend not in _REASONS:
        _REASONS[backend] = _server_reason(PG_BASE if backend == "postgresql" else MY_BASE)
    return _REASONS[backend]


# Server namespaces carry the checkout and the xdist worker, so two checkouts or two workers testing
# against the same PostgreSQL or MariaDB at once never drop each other's schemas; a rerun of the same
# checkout and worker reuses (drops and recreates) its own names, so nothing piles up on the server.
_RUN_TAG = hashlib.sha1(str(ROOT).encode()).hexdigest()[:6] + os.environ.get("PYTEST_XDIST_WORKER", "gw")


def namespace_url(backend: str, name: str, tmp_dir: Path) -> str:
    """A fresh, empty database URL of ``backend`` called ``name``."""
    if backend == "duckdb":
        return f"duckdb:///{tmp_dir / (name + '.duckdb')}"
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / (name + '.sqlite')}"
    reason = server_skip_reason(backend)
    if reason:
        pytest.skip(reason)
    schema_name = f"bfi_{name}_{_RUN_TAG}"
    if backend == "postgresql":
        admin = sa.create_engine(PG_BASE)
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{schema_name}"'))
        admin.dispose()
        return f"{PG_BASE}?options=-csearch_path%3D{schema_name}"
    admin = sa.create_engine(MY_BASE)
    database = f"test_{schema_name}"
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{database}`"))
            conn.execute(sa.text(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4"))
    except sa.exc.SQLAlchemyError as exc:
        pytest.skip(f"MariaDB user cannot create a test database: {str(exc).splitlines()[0][:120]}")
    finally:
        admin.dispose()
    return MY_BASE.rsplit("/", 1)[0] + f"/{database}"


def _backend_of(item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("backend") if callspec else None


# The walk step (``--dist loadscope --no-loadscope-reorder``, README "Test") hands each worker one module
# at a time in the order collected: these modules go first, the longest first, so that none is left to
# run alone at the end while the other worker waits. xdist's own order (most tests first) queued
# test_sparse's one hypothesis test last, and its 25 random examples cost 50 to several hundred
# seconds from run to run (docs/PERFORMANCE.md, "h-ci3 (session 16)").
LONGEST_MODULES = ("test_meeting.py", "test_browser.py", "test_sparse.py", "test_pack_cli.py", "test_pack.py",
                   "test_meeting_browser.py")


def _dist_mode(config) -> str:
    """``--dist`` as given on the command line: xdist resets the option to "no" in its workers,
    whose collection order is the one it schedules."""
    args = list(config.invocation_params.args)
    for i, arg in enumerate(args):
        if arg.startswith("--dist="):
            return arg.split("=", 1)[1]
        if arg == "--dist" and i + 1 < len(args):
            return args[i + 1]
    return "no"


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects: the marker added here counts
def pytest_collection_modifyitems(config, items):
    """Server variants are marked ``server``: the default run (pytest.ini) is DuckDB and SQLite,
    and CI runs the PostgreSQL and MariaDB variants as a step of their own (README, "Test").
    Under ``--dist loadscope`` the ``LONGEST_MODULES`` come first (each module's tests in their order)."""
    for item in items:
        if _backend_of(item) in ("postgresql", "mariadb"):
            item.add_marker(pytest.mark.server)
    if _dist_mode(config) == "loadscope":
        rank = {name: i for i, name in enumerate(LONGEST_MODULES)}
        items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest in collection order


@pytest.fixture(scope="session")
def small_sample():
    """The sample plant's tables at small scale, as of the pinned date."""
    return generate(SampleConfig(as_of=AS_OF, scale=SMALL_SCALE))


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request):
    return request.param


def built_once(tmp_path_factory, name: str, make) -> Path:
    """The folder ``name`` of this test run, after ``make(folder)`` filled it: under xdist the first
    worker that asks runs ``make`` and the others wait on a lock and find it done (a build costs
    each worker seconds of CPU; the documented pytest-xdist pattern). ``make`` must leave its files
    closed and whole; callers that may write copy them. Without xdist (or fcntl): this process's."""
    base = tmp_path_factory.getbasetemp()  # this worker's; its parent is this run's
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") and fcntl is not None else base) / name
    folder.mkdir(exist_ok=True)
    with open(folder.parent / f"{name}.lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (folder.parent / f"{name}.done").exists():
            make(folder)
            (folder.parent / f"{name}.done").touch()
    return folder


@pytest.fixture(scope="session")
def sample_copy(small_sample, tmp_path_factory):
    """``sample_copy(kind, target)`` copies the small sample, loaded once per run into a DuckDB or
    SQLite file (``kind``), to ``target`` and returns it: the same bytes as ``load_into(target,
    small_sample)`` gives, apart from the data version stamped at the load."""
    def copy(kind: str, target: Path) -> Path:
        def make(folder: Path) -> None:
            load_into(f"{kind}:///{folder / ('sample.' + kind)}", small_sample)
        source = built_once(tmp_path_factory, f"small_sample_{kind}", make) / f"sample.{kind}"
        extra = [p for p in source.parent.iterdir() if p != source]
        assert not extra, extra  # closed and whole: no WAL or journal beside it to copy
        shutil.copyfile(source, target)
        return target
    return copy


@pytest.fixture(scope="session")
def sample_url(backend, sample_copy, small_sample, tmp_path_factory):
    """The small sample loaded into one database of each kind (read only in tests; DuckDB and
    SQLite: a file of this worker's own, copied from the run's one load of each kind)."""
    url = namespace_url(backend, "sample", tmp_path_factory.mktemp(f"sample_{backend}"))
    path = _file_of(url)
    if path is None:
        load_into(url, small_sample)
    else:
        sample_copy(backend, path)
    return url


@pytest.fixture(scope="session")
def sample_engine(sample_url):
    engine = eng.make_engine(sample_url, read_only=True)
    yield engine
    engine.dispose()


def _new_empty(backend: str, tmp_dir: Path) -> str:
    url = namespace_url(backend, "write", tmp_dir)
    engine = eng.make_engine(url)
    eng.create_schema(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def _empty_files(tmp_path_factory):
    """One empty DuckDB or SQLite file with the contract's tables per kind, made on first use:
    ``empty_url`` copies it (creating the tables and indexes costs DuckDB about 0.4 s of CPU a
    time, over 200 tests; the copy is the same bytes as a file made afresh)."""
    made: dict[str, Path] = {}

    def template(backend: str) -> Path:
        if backend not in made:
            url = _new_empty(backend, tmp_path_factory.mktemp(f"empty_{backend}"))
            made[backend] = Path(sa.engine.make_url(url).database)
        return made[backend]
    return template


@pytest.fixture
def empty_url(backend, tmp_path, _empty_files):
    """An empty database with the contract's tables, for tests that write (recreated per test:
    a file of its own copied from the template, a fresh schema on a server)."""
    if backend not in ("duckdb", "sqlite"):
        return _new_empty(backend, tmp_path)
    source = _empty_files(backend)
    extra = [p for p in source.parent.iterdir() if p != source]
    assert not extra, extra  # a closed file is whole: no WAL or journal beside it to copy
    url = namespace_url(backend, "write", tmp_path)
    shutil.copyfile(source, sa.engine.make_url(url).database)
    return url


def _file_of(url: str) -> Path | None:
    """The file of a DuckDB or SQLite URL (None for a server)."""
    parsed = sa.engine.make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() in ("duckdb", "sqlite") and parsed.database else None


@pytest.fixture(scope="session")
def made_once(tmp_path_factory):
    """``made_once(url, key, make)`` runs ``make(url)`` on the database at ``url`` (an ``empty_url``),
    except that on DuckDB and SQLite it runs only the first time per ``key`` and kind of database in
    a process: later calls copy the file it made then over ``url``, the same bytes. For hand-built
    books with their facts that each test of a module starts from (a load and a fact refresh cost
    DuckDB about a second of CPU). ``make`` must leave no connection open."""
    made: dict[tuple[str, str], Path] = {}

    def run(url: str, key: str, make) -> None:
        path = _file_of(url)
        if path is None:
            make(url)
            return
        kind = sa.engine.make_url(url).get_backend_name()
        if (key, kind) in made:
            shutil.copyfile(made[key, kind], path)
            return
        make(url)
        extra = [p for p in path.parent.iterdir() if p != path and p.name.startswith(path.name)]
        assert not extra, extra  # closed and whole: no WAL or journal beside it
        keep = tmp_path_factory.mktemp("made_once") / path.name
        shutil.copyfile(path, keep)
        made[key, kind] = keep
    return run


@pytest.fixture(scope="session")
def app_data_dir(sample_copy, tmp_path_factory):
    """A data folder holding the small sample as the app's embedded database (BFI_DATA_DIR; the
    file a copy of the run's one DuckDB load, as ``load_into(eng.default_url(), small_sample)``
    would write it)."""
    folder = tmp_path_factory.mktemp("app_data")
    old = os.environ.get(eng.DATA_DIR_ENV)
    os.environ[eng.DATA_DIR_ENV] = str(folder)
    os.environ.pop(eng.URL_ENV, None)
    sample_copy("duckdb", eng.default_db_path())
    yield folder
    if old is None:
        os.environ.pop(eng.DATA_DIR_ENV, None)
    else:
        os.environ[eng.DATA_DIR_ENV] = old


@pytest.fixture(scope="session")
def default_sample_engine(tmp_path_factory):
    """The default-size sample (scale 1) in DuckDB, for stories that need full detail (read only).

    Under xdist the workers of one run share one file, built by the first that asks for it (the
    others wait on a lock): the build takes tens of seconds of CPU, and DuckDB lets several
    processes read a file that none writes."""
    folder = built_once(tmp_path_factory, "default_sample",
                        lambda folder: load_into(f"duckdb:///{folder / 'plant.duckdb'}", generate(SampleConfig(as_of=AS_OF))))
    engine = eng.make_engine(f"duckdb:///{folder / 'plant.duckdb'}", read_only=True)
    yield engine
    engine.dispose()


def loaded_engine(url: str, frames: dict):
    """Write ``frames`` (table name -> DataFrame) into the empty database at ``url`` and yield a
    read-only engine on it: the body of the hand-built-ledger fixtures."""
    engine = eng.make_engine(url)
    with engine.begin() as conn:
        for table in schema.TABLES:
            if table.name in frames:
                eng.bulk_insert(conn, table, frames[table.name])
    engine.dispose()
    engine = eng.make_engine(url, read_only=True)
    yield engine
    engine.dispose()


def write_with_facts(url: str, frames: dict):
    """Write ``frames`` (table name -> DataFrame) into the empty database at ``url``, derive the
    facts and return the writable engine: the hand-built books with their facts."""
    engine = eng.make_engine(url)
    with engine.begin() as conn:
        for table in schema.TABLES:
            if table.name in frames:
                eng.bulk_insert(conn, table, frames[table.name])
    facts.refresh(engine)
    return engine


def refreshed_engine(url: str, frames: dict):
    """``write_with_facts`` as a fixture's body: yields the writable engine (tests may write and
    refresh again), disposed afterwards."""
    engine = write_with_facts(url, frames)
    yield engine
    engine.dispose()
