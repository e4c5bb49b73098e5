"""The app on a real Apache Spark cluster: master, two workers and the Thrift server on loopback.

Marker ``spark`` (not in the default run; ``.ci/run`` runs ``python3 -m pytest -m spark``). The
session fixture starts the cluster (tools/spark_local.py: Derby metastore and warehouse in a
temporary folder, every process on 127.0.0.1), writes the small sample plant to Parquet
(``export_parquet``), registers it and derives the fact tables on Spark, and stops every process
it started at the end. Without Java or pyspark every test here skips, saying which is missing.

What must hold: every Core statement the app runs on DuckDB (reports, traces, every page, with
fresh facts and with the base tables) returns the same rows on Spark — money to the cent, counts
and text exactly; the fact tables Spark derives hold DuckDB's rows; ``cli.py report`` and
``cli.py trace`` print the same JSON; every page opens on Spark; writes are refused.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from data_loaders import engine as eng
from data_loaders import facts
from tests.test_app import PAGES as APP_PAGES

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = tuple(sorted(APP_PAGES))  # every page tests/test_app.py opens
CENT = 0.005  # money to the cent: a sum may differ only below half a cent (float noise of a double column)


def open_every_page(url: str, lang: str = "zh") -> dict[str, str]:
    """Open every page with ``BFI_DATABASE_URL`` = ``url`` through AppTest; fail on an exception
    or an error box that says the page failed. Returns {page: title}."""
    from streamlit.testing.v1 import AppTest

    old = os.environ.get(eng.URL_ENV)
    os.environ[eng.URL_ENV] = url
    titles = {}
    try:
        at = AppTest.from_file(APP, default_timeout=600)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        for page in PAGES:
            at.switch_page(page)
            at.run()
            assert not at.exception, (page, [e.value for e in at.exception])
            failures = [e.value for e in at.error
                        if e.value.startswith(("出错了", "Something went wrong", "无法读取数据库", "Cannot read the database"))]
            assert not failures, (page, failures)
            titles[page] = at.title[0].value if at.title else ""
    finally:
        if old is None:
            os.environ.pop(eng.URL_ENV, None)
        else:
            os.environ[eng.URL_ENV] = old
    return titles


# --------------------------------------------------------------------------- the cluster
@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory):
    from tools import spark_local

    reason = spark_local.skip_reason()
    if reason:
        pytest.skip(f"Spark tests need Java and pyspark: {reason}")
    t0, c0 = time.perf_counter(), time.process_time()
    cluster = spark_local.start(tmp_path_factory.mktemp("spark"), workers=2, worker_memory="1g")
    print(f"\nspark cluster ready in {time.perf_counter() - t0:.1f} s ({time.process_time() - c0:.1f} s CPU here): {cluster.url}")
    try:
        yield cluster
    finally:
        cluster.stop()
        assert all(p.poll() is not None for p in cluster.processes), "a cluster process outlived stop()"


@pytest.fixture(scope="session")
def spark_plant(spark_cluster, app_data_dir, tmp_path_factory):
    """(DuckDB URL, Spark URL) of the same small sample: the DuckDB file exported to Parquet,
    registered on the cluster and its facts derived there."""
    from data_loaders import spark

    duck_url = eng.default_url()
    folder = tmp_path_factory.mktemp("parquet")
    spark.export_parquet(duck_url, folder)
    engine = eng.make_engine(spark_cluster.url)
    try:
        spark.register(engine, folder)
        derived = spark.derive_facts(engine, folder)
    finally:
        engine.dispose()
    assert set(derived) == {t.name for t in facts.tables()}
    return duck_url, spark_cluster.url


@pytest.fixture(scope="session")
def spark_engine(spark_plant):
    engine = eng.make_engine(spark_plant[1], read_only=True)
    yield engine
    engine.dispose()


# --------------------------------------------------------------------------- comparing rows
def _value(v):
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None)
    return v


def _key(row) -> tuple:
    # numbers rounded for ordering only; equality is checked below with the cent tolerance
    return tuple((0, "") if v is None else (1, round(v, 2)) if isinstance(v, (int, float)) and not isinstance(v, bool)
                 else (2, str(v)) for v in row)


def same_rows(left: list, right: list) -> str | None:
    """None when the two results hold the same rows (in any order): text, dates and integers
    exactly, other numbers within half a cent; else what differs."""
    a = sorted((tuple(_value(v) for v in r) for r in left), key=_key)
    b = sorted((tuple(_value(v) for v in r) for r in right), key=_key)
    if len(a) != len(b):
        return f"{len(a)} rows against {len(b)}"
    for ra, rb in zip(a, b):
        if len(ra) != len(rb):
            return f"{ra} against {rb}"
        for va, vb in zip(ra, rb):
            if isinstance(va, float) or isinstance(vb, float):
                if va is None or vb is None or abs(float(va) - float(vb)) > CENT + 1e-9 * abs(float(va)):
                    return f"{ra} against {rb}"
            elif isinstance(va, dt.datetime) and isinstance(vb, dt.date) and not isinstance(vb, dt.datetime):
                if va != dt.datetime.combine(vb, dt.time()):
                    return f"{ra} against {rb}"
            elif va != vb:
                return f"{ra} against {rb}"
    return None


def test_same_rows_sees_a_cent_and_a_count():
    assert same_rows([(1, decimal.Decimal("2.00"))], [(1, 2.004)]) is None
    assert same_rows([(1, decimal.Decimal("2.00"))], [(1, 2.01)]) is not None  # a cent is a difference
    assert same_rows([(1,), (2,)], [(2,), (1,)]) is None
    assert same_rows([(1,), (2,)], [(1,)]) is not None
    assert same_rows([("a", 3)], [("a", 4)]) is not None


# --------------------------------------------------------------------------- the tests
pytestmark = pytest.mark.spark


@pytest.mark.timeout(2400)  # every loader query twice on a loopback cluster: ~5 min idle, 21 min seen on a loaded 2-core machine
def test_every_loader_query_gives_duckdb_s_rows_on_spark(spark_plant, spark_engine, tmp_path_factory):
    from tests.test_spark_guard import capture, drive, without_facts

    duck_url, _ = spark_plant
    stale = without_facts(duck_url, tmp_path_factory.mktemp("stale"))
    with capture() as seen:
        drive(duck_url)  # fresh facts: the pages and reports read the fact tables
        drive(stale, pages=False)  # stale facts: the same reports from the base tables
    unique, keys = [], set()
    duck_dialect = eng.make_engine(duck_url, read_only=True).dialect
    for stmt, params in seen:
        if not getattr(stmt, "is_select", False):
            continue
        key = (str(stmt.compile(dialect=duck_dialect)), repr(sorted(params.items(), key=lambda kv: kv[0])))
        if key not in keys:
            keys.add(key)
            unique.append((stmt, params))
    assert len(unique) > 100
    duck = eng.make_engine(duck_url, read_only=True)
    differences, t0 = [], time.perf_counter()
    with duck.connect() as d, spark_engine.connect() as s:
        for stmt, params in unique:
            expected = d.execute(stmt, params).fetchall()
            got = s.execute(stmt, params).fetchall()
            diff = same_rows(expected, got)
            if diff:
                differences.append((str(stmt.compile(dialect=spark_engine.dialect))[:600], diff[:300]))
    duck.dispose()
    print(f"\n{len(unique)} distinct statements on DuckDB and Spark in {time.perf_counter() - t0:.0f} s")
    assert differences == []


def test_the_facts_spark_derives_are_duckdb_s(spark_plant, spark_engine):
    duck = eng.make_engine(spark_plant[0], read_only=True)
    assert facts.ready(duck) and facts.ready(spark_engine)
    differences = {}
    with duck.connect() as d, spark_engine.connect() as s:
        for table in facts.tables():
            stmt = sa.select(table)
            diff = same_rows(d.execute(stmt).fetchall(), s.execute(stmt).fetchall())
            if diff:
                differences[table.name] = diff[:300]
    duck.dispose()
    assert differences == {}


def _close(a, b, path="") -> list[str]:
    """Where two JSON documents differ beyond half a cent (numbers) or at all (anything else)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in _close(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items against {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _close(x, y, f"{path}[{i}]")]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return [] if abs(a - b) <= CENT + 1e-9 * abs(a) else [f"{path}: {a} against {b}"]
    return [] if a == b else [f"{path}: {a!r} against {b!r}"]


def test_cli_report_and_trace_on_spark_print_duckdb_s_json(spark_plant):
    from tests.test_spark_guard import REPORT_ARGS, keys_to_trace, run_cli

    duck_url, spark_url = spark_plant
    for args in [REPORT_ARGS[1], ["trace", keys_to_trace(duck_url)[0]], ["trace", keys_to_trace(duck_url)[1]]]:
        code_d, out_d = run_cli(["--db", duck_url, *args])
        code_s, out_s = run_cli(["--db", spark_url, *args])
        assert code_d == code_s == 0, args
        assert _close(json.loads(out_d), json.loads(out_s)) == [], args


def test_every_page_opens_on_spark(spark_plant):
    titles = open_every_page(spark_plant[1])
    assert titles["pages/ledger.py"] == "总账与损益"
    assert len(titles) == len(PAGES)


def test_spark_is_read_only(spark_plant, tmp_path):
    from tests.test_spark_guard import run_cli

    spark_url = spark_plant[1]
    assert run_cli(["--db", spark_url, "refresh-facts"])[0] == 2
    assert run_cli(["--db", spark_url, "build-sample", "--scale", "0.01", "--yes"])[0] == 2
    from data_loaders.lock import write_lock

    with pytest.raises(eng.SparkReadOnly, match="only reads Spark"):
        with write_lock(spark_url):
            pass
    # the tables are there, and the dialect lists them (PyHive's listing returned the database name)
    engine = eng.make_engine(spark_url, read_only=True)
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        assert engine.dialect.has_table(conn, "voucher_lines") and not engine.dialect.has_table(conn, "no_such_table")
    engine.dispose()
    assert {"voucher_lines", "vouchers", "facts_ledger"} <= names
