"""The sample build's DuckDB load on one thread (``data_loaders.build.LOAD_THREADS``) writes the
same rows, in the same stored order, and derives the same facts as the load on DuckDB's default
threads; the thread setting is given back before the facts (docs/PERFORMANCE.md, "Building
the L file"); the keys added after the rows still refuse a duplicate."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from data_loaders import build
from data_loaders import engine as eng
from data_loaders import facts
from data_loaders import schema
from sample_data.generator import SampleConfig, generate_tables
from tests.conftest import AS_OF


def _rows(path, table: str) -> list[tuple]:
    # no ORDER BY: the stored order is compared too (one thread keeps the generator's order)
    engine = eng.make_engine(f"duckdb:///{path}", read_only=True)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(f'SELECT * FROM "{table}"').fetchall()]
    finally:
        engine.dispose()


def _assert_same_rows(one, other) -> None:
    """Every contract and fact table of two files holds the same rows, the contract's in the same
    stored order (parallel aggregates may emit a fact table's groups in any order), apart from
    dataset_info's version stamps (new at every write)."""
    for name in [t.name for t in schema.TABLES] + [t.name for t in facts.tables()]:
        a, b = _rows(one, name), _rows(other, name)
        if name == "dataset_info":
            a, b = ([r for r in rows if not r[0].startswith(("data_version", "facts_version"))] for rows in (a, b))
        if name.startswith("facts_"):
            a, b = sorted(a, key=repr), sorted(b, key=repr)
        assert a == b, name
    for path in (one, other):
        engine = eng.make_engine(f"duckdb:///{path}", read_only=True)
        try:
            assert facts.ready(engine)
        finally:
            engine.dispose()


def _build(path, threads, monkeypatch) -> None:
    monkeypatch.setattr(build, "LOAD_THREADS", threads)
    build.load_into(f"duckdb:///{path}", generate_tables(SampleConfig(as_of=AS_OF, scale=0.05)), consume=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample at scale 0.05 built once as the build does by default (one load thread, the facts
    beside the keys), and its rows per table: the file several tests compare another build with, or
    copy to write in (one build instead of one per test, a few seconds each; read only here)."""
    path = tmp_path_factory.mktemp("built") / "default.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build, "LOAD_THREADS", 1)
        mp.setattr(build, "FACTS_BESIDE_KEYS", True)
        counts = build.load_into(f"duckdb:///{path}", generate_tables(SampleConfig(as_of=AS_OF, scale=0.05)), consume=True)
    return path, counts


def _copy(built, path):
    """A private copy of the shared build (DuckDB keeps a closed file whole, with no WAL beside it)."""
    source = built[0]
    assert not source.with_name(source.name + ".wal").exists()
    shutil.copyfile(source, path)
    return path


@pytest.mark.long  # a whole build more, compared table by table: with the walk's step (pytest.ini)
def test_one_thread_load_gives_the_same_file_as_the_default_threads(built, tmp_path, monkeypatch):
    one, default = built[0], tmp_path / "default.duckdb"  # ``built`` is the one-thread load
    _build(default, None, monkeypatch)
    _assert_same_rows(one, default)
    assert len(_rows(one, "voucher_lines")) > 1000


def test_duckdb_threads_are_set_and_given_back(tmp_path):
    engine = eng.make_engine(f"duckdb:///{tmp_path / 't.duckdb'}")
    try:
        with engine.connect() as conn:
            default = conn.exec_driver_sql("SELECT current_setting('threads')").scalar()
        eng.set_duckdb_threads(engine, 1)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT current_setting('threads')").scalar() == 1
        eng.set_duckdb_threads(engine, None)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT current_setting('threads')").scalar() == default
    finally:
        engine.dispose()


@pytest.mark.parametrize("bad", ["sqlite"])
def test_thread_setting_is_nothing_elsewhere(tmp_path, bad):
    engine = eng.make_engine(f"sqlite:///{tmp_path / 't.sqlite'}")
    try:
        eng.set_duckdb_threads(engine, 1)  # no error, no statement
        eng.set_duckdb_threads(engine, None)
    finally:
        engine.dispose()


def test_duckdb_gets_the_indexes_it_looks_up_and_no_others(tmp_path):
    """DuckDB does not look up an index of several columns, nor one that matches more than
    max(2,048, 0.1 % of the rows), which a month of a table always does: its files get only the
    single-column lookup indexes, plus one on voucher_no that a composite key gives the other
    databases, and a one-voucher lookup uses it. SQLite (like the servers) keeps every declared
    index and gets no second one on voucher_no."""
    import sqlalchemy as sa

    duck = eng.make_engine(f"duckdb:///{tmp_path / 'a.duckdb'}")
    lite = eng.make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    for engine in (duck, lite):
        eng.create_schema(engine)
        facts.create_tables(engine)
    names = {e.dialect.name: {ix["name"] for t in ("voucher_lines", "vouchers", "machine_events", "facts_oee_shift_minutes")
                              for ix in sa.inspect(e).get_indexes(t)} for e in (duck, lite)}
    assert names["duckdb"] == {"ix_voucher_lines_voucher", "ix_voucher_lines_work_order", "ix_machine_events_wo"}
    assert names["sqlite"] == {"ix_voucher_lines_source", "ix_voucher_lines_work_order", "ix_voucher_lines_period_account",
                               "ix_voucher_lines_cost_center", "ix_vouchers_period", "ix_machine_events_wc_start",
                               "ix_machine_events_wo", "ix_facts_oee_shift_minutes_period"}
    with duck.begin() as conn:  # enough rows that a scan is the costlier plan
        conn.exec_driver_sql("INSERT INTO voucher_lines (voucher_no, line_no, period, account_code, debit_amount, credit_amount, "
                             "source_doc_type, source_doc_id) SELECT 'V' || (i // 2), i % 2 + 1, '2026-03', '1403', 1, 0, "
                             "'material_issue', 'MI' || i FROM range(300000) t(i)")
        conn.exec_driver_sql("CREATE INDEX ix_pair ON voucher_lines (source_doc_type, source_doc_id)")

        def plan(where: str) -> str:
            return conn.exec_driver_sql(f"EXPLAIN ANALYZE SELECT * FROM voucher_lines WHERE {where}").fetchall()[0][1]

        assert "Index Scan" in plan("voucher_no = 'V1'")
        # the reason the composite indexes are left out: DuckDB scans even with one to use
        assert "Index Scan" not in plan("source_doc_type = 'material_issue' AND source_doc_id = 'MI7'")
        assert "Index Scan" not in plan("voucher_no = 'V1' AND line_no = 1")  # nor does it look up its composite key
    duck.dispose()
    lite.dispose()


def test_oee_facts_read_only_the_tables_they_declare(built, tmp_path):
    """``facts_oee.READS`` lets a build derive the OEE facts while the other tables are still
    being written: with only those tables stored (every other one empty) its rows are the same."""
    from data_loaders import facts_oee

    frames = generate_tables(SampleConfig(as_of=AS_OF, scale=0.05))
    full, part = built[0], tmp_path / "part.duckdb"  # ``built``: every table of these frames, loaded
    engine = eng.make_engine(f"duckdb:///{part}")
    try:
        eng.create_schema(engine)
        with engine.begin() as conn:
            for table in schema.TABLES:
                if table.name in facts_oee.READS and table.name in frames:
                    eng.bulk_load_duckdb(conn, table, frames[table.name])
        only = facts_oee.derive(engine, None)
    finally:
        engine.dispose()
    engine = eng.make_engine(f"duckdb:///{full}", read_only=True)
    try:
        every = facts_oee.derive(engine, None)
    finally:
        engine.dispose()
    assert set(only) == set(every)
    for name in every:
        assert len(every[name]) > 0 or name == "facts_oee_problems", name
        assert only[name].equals(every[name]), name


SUMMED_IN_SQL = ("facts_oee_days", "facts_oee_month_shifts")


def test_a_build_derives_the_same_facts_as_a_refresh_afterwards(built, tmp_path):
    """The build derives the facts beside the load, keys and indexes (``facts.start``, the
    refresh in a thread of its own); refreshing the built file again, one step after the other,
    gives the same rows (as multisets: parallel aggregates emit groups in any order)."""
    path = _copy(built, tmp_path / "b.duckdb")  # a copy of the build: refreshed in place below
    names = [t.name for t in facts.tables()]
    before = {name: sorted(_rows(path, name), key=repr) for name in names}
    engine = eng.make_engine(f"duckdb:///{path}")
    try:
        assert facts.ready(engine)
        facts.refresh(engine)
        assert facts.ready(engine)
    finally:
        engine.dispose()
    for name in names:
        after = sorted(_rows(path, name), key=repr)
        if name in SUMMED_IN_SQL:
            # sums of float minutes by the database, whose order inside a group is not the same
            # in a refresh at build and one afterwards (on main as well): equal to float precision
            assert len(after) == len(before[name]), name
            for a, b in zip(after, before[name]):
                assert a == pytest.approx(b, rel=1e-12, abs=1e-9), name
        else:
            assert after == before[name], name
    assert sum(len(v) for v in before.values()) > 1000


def test_refresh_takes_the_started_families_and_raises_their_errors(built, tmp_path, monkeypatch):
    from data_loaders import facts_oee

    path = _copy(built, tmp_path / "s.duckdb")  # a copy of the build: refreshed in place below
    engine = eng.make_engine(f"duckdb:///{path}")
    try:
        started = facts.start(engine, ["facts_oee"])
        assert list(started.futures) == ["data_loaders.facts_oee"]
        calls = []
        real = facts_oee.derive
        monkeypatch.setattr(facts_oee, "derive", lambda *a, **k: calls.append(1) or real(*a, **k))
        facts.refresh(engine, started=started)
        assert calls == []  # not derived a second time
        with pytest.raises(ValueError):
            facts.refresh(engine, ["2026-01"], started=facts.start(engine, ["facts_oee"]))

        def broken(*a, **k):
            raise RuntimeError("derive failed")

        monkeypatch.setattr(facts_oee, "derive", broken)
        with pytest.raises(RuntimeError, match="derive failed"):
            facts.refresh(engine, started=facts.start(engine, ["facts_oee"]))
        assert facts.ready(engine)  # the failed refresh left the facts as they were
    finally:
        engine.dispose()


def test_generate_parts_gives_the_tables_of_generate_tables():
    from sample_data.generator import generate_parts

    cfg = SampleConfig(as_of=AS_OF, scale=0.05)
    first, every = generate_parts(cfg)
    assert set(first) < set(every) and "voucher_lines" not in first and "dataset_info" not in first
    assert all(first[name] is every[name] for name in first)  # the ledger posting does not change them
    whole = generate_tables(cfg)
    assert list(every) == list(whole)
    for name in whole:
        assert eng.as_frame(every[name]).equals(eng.as_frame(whole[name])), name


@pytest.mark.long  # a whole build more, compared table by table: with the walk's step (pytest.ini)
def test_build_sample_stores_the_same_rows_as_a_load_of_every_table(built, tmp_path, monkeypatch):
    """``build_sample`` stores the plant's tables while the ledger is generated (``later``):
    the same rows in the same stored order as one ``load_into`` of every table."""
    from sample_data.build import build_sample

    # ``built`` is one ``load_into`` of every table, with the settings pinned here
    monkeypatch.setattr(build, "LOAD_THREADS", 1)
    monkeypatch.setattr(build, "FACTS_BESIDE_KEYS", True)
    streamed, (whole, whole_counts) = tmp_path / "streamed.duckdb", built
    counts = build_sample(f"duckdb:///{streamed}", 0.05, AS_OF)
    assert counts == whole_counts
    assert list(counts) == [t.name for t in schema.TABLES]
    _assert_same_rows(streamed, whole)


@pytest.mark.long  # a whole build more, compared table by table: with the walk's step (pytest.ini)
def test_facts_after_the_keys_give_the_same_file(built, tmp_path, monkeypatch):
    """``build.FACTS_BESIDE_KEYS`` only moves the fact refresh beside or after the keys and indexes."""
    beside, after = built[0], tmp_path / "after.duckdb"  # ``built`` has the facts beside the keys
    monkeypatch.setattr(build, "LOAD_THREADS", 1)
    monkeypatch.setattr(build, "FACTS_BESIDE_KEYS", False)
    build.load_into(f"duckdb:///{after}", generate_tables(SampleConfig(as_of=AS_OF, scale=0.05)), consume=True)
    _assert_same_rows(beside, after)
    structure = []
    for path in (beside, after):
        engine = eng.make_engine(f"duckdb:///{path}", read_only=True)
        try:
            assert facts.ready(engine)
            with engine.connect() as conn:
                structure.append([tuple(r) for r in conn.exec_driver_sql(
                    "SELECT table_name, index_name FROM duckdb_indexes() UNION ALL "
                    "SELECT table_name, constraint_type FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' ORDER BY 1, 2")])
        finally:
            engine.dispose()
    assert structure[0] == structure[1] and ("voucher_lines", "PRIMARY KEY") in structure[0]


@pytest.mark.parametrize("table", ["work_orders", "vouchers", "voucher_lines"])
def test_a_duplicate_key_fails_the_build_and_leaves_the_file(built, tmp_path, table):
    """The keys are added after the rows are stored (``ALTER TABLE … ADD PRIMARY KEY``), beside
    the fact refresh: a duplicate key in a table stored early (work_orders), in the middle
    (vouchers) or last (voucher_lines) still fails the whole load, the file in place stays as it
    was, and no temporary file or build thread is left behind."""
    import threading

    import pyarrow as pa

    target = _copy(built, tmp_path / "target.duckdb")
    before = target.read_bytes()
    frames = generate_tables(SampleConfig(as_of=AS_OF, scale=0.05))
    rows = frames[table]
    if isinstance(rows, pa.Table):
        frames[table] = pa.concat_tables([rows, rows.slice(0, 1)])
    else:
        frames[table] = pd.concat([rows, rows.iloc[:1]], ignore_index=True)
    with pytest.raises(Exception, match="(?i)duplicate|constraint"):
        build.load_into(f"duckdb:///{target}", frames, consume=True)
    assert target.read_bytes() == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith((".writing", ".writing.wal"))]
    assert not [t for t in threading.enumerate() if t.name.startswith(("build-keys", "build-facts", "facts"))]
