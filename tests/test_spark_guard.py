"""Every statement ``data_loaders`` builds compiles for Spark with its decimals' precision and scale.

Spark reads a bare ``DECIMAL`` as ``DECIMAL(10,0)``: a ``CAST(x AS DECIMAL)`` rounds money to whole
units without an error (PyHive's own dialect compiled ``Numeric(18, 2)`` that way). This guard
runs without Java or a cluster: it drives the app on the small sample in DuckDB — ``cli.py
report`` and ``trace``, every page through AppTest, the fact refresh — records every SQLAlchemy
Core statement executed, compiles each with ``data_loaders.spark_dialect`` and fails on a bare
``DECIMAL``. ``capture`` and ``drive`` are reused by tests/test_spark.py, which runs the same
statements on a real cluster.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

pytest.importorskip("pyhive", reason="pyhive is not installed (pip install -r requirements-dev.txt)")

import cli  # noqa: E402
from data_loaders import engine as eng  # noqa: E402
from data_loaders import facts  # noqa: E402
from data_loaders import schema  # noqa: E402
from data_loaders.spark_dialect import SparkDialect  # noqa: E402

BARE_DECIMAL = re.compile(r"\b(DECIMAL|NUMERIC)\b(?!\s*\()", re.IGNORECASE)
REPORT_ARGS = (["report"], ["report", "--from", "2026-01", "--to", "2026-10"],
               ["report", "--from", "2025-07", "--to", "2026-06", "--plant", "P1", "--oee-convention", "smrp",
                "--price-variance-basis", "purchase", "--wc-basis", "quarter", "--wc-balance", "average"])


@contextlib.contextmanager
def capture():
    """Record every Core statement (and its parameters) any engine executes inside the block:
    a list of ``(statement, params)``; text statements are left out (they are dialect-specific
    by nature: locks, ANALYZE)."""
    seen: list[tuple[sa.sql.ClauseElement, dict]] = []

    def before_execute(conn, clauseelement, multiparams, params, execution_options):
        if isinstance(clauseelement, sa.sql.ClauseElement) and not isinstance(clauseelement, sa.sql.elements.TextClause):
            merged = dict(params or {})
            if multiparams and isinstance(multiparams[0], dict):
                merged.update(multiparams[0])
            seen.append((clauseelement, merged))

    sa.event.listen(sa.engine.Engine, "before_execute", before_execute)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_execute", before_execute)


def keys_to_trace(url: str) -> list[str]:
    """A voucher that names a work order, and that work order: the trace's two kinds."""
    engine = eng.make_engine(url, read_only=True)
    with engine.connect() as conn:
        vl = schema.voucher_lines
        row = conn.execute(sa.select(vl.c.voucher_no, vl.c.work_order_id).where(vl.c.work_order_id.is_not(None))
                           .order_by(vl.c.voucher_no).limit(1)).one()
    engine.dispose()
    return [row.voucher_no, row.work_order_id]


def run_cli(args: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(args)
    return code, out.getvalue()


def drive(url: str, pages: bool = True) -> None:
    """Run every read path of the app on ``url``: the reports, both traces and (``pages``) every
    page through AppTest with ``BFI_DATABASE_URL`` = ``url``."""
    for args in REPORT_ARGS:
        code, _ = run_cli(["--db", url, *args])
        assert code == 0, args
    for key in keys_to_trace(url):
        code, _ = run_cli(["--db", url, "trace", key])
        assert code == 0, key
    if pages:
        from tests.test_spark import open_every_page

        open_every_page(url)


def without_facts(url: str, folder: Path) -> str:
    """A copy of the DuckDB file at ``url`` whose facts are stale (the readers' base-table path)."""
    target = folder / "stale_facts.duckdb"
    shutil.copyfile(eng.duckdb_path(url), target)
    engine = eng.make_engine(f"duckdb:///{target}")
    with engine.begin() as conn:
        conn.execute(schema.dataset_info.delete().where(schema.dataset_info.c.info_key == facts.VERSION_KEY))
    engine.dispose()
    return f"duckdb:///{target}"


def fact_statements() -> list[sa.sql.ClauseElement]:
    """The SELECTs the fact refresh and ``data_loaders.spark.derive_facts`` run, typed per table."""
    out = []
    for fam in facts.families():
        selects = fam.selects(None) if hasattr(fam, "selects") else {}
        if not isinstance(selects, dict):  # a family that merges its selects' rows in pandas (cash)
            out.extend(selects)
            continue
        for name, stmts in selects.items():
            table = facts.METADATA.tables[name]
            out.extend(facts._typed_select(stmt, table, SparkDialect.name) for stmt in stmts)
    return out


def bare_decimals(statements) -> list[str]:
    """The Spark SQL of each statement that has a bare DECIMAL (empty when none has)."""
    dialect = SparkDialect()
    bad = []
    for stmt in statements:
        sql = str(stmt.compile(dialect=dialect))
        if BARE_DECIMAL.search(sql):
            bad.append(sql)
    return bad


@pytest.fixture(scope="module")
def captured(app_data_dir, tmp_path_factory):
    url = eng.default_url()
    with capture() as seen:
        drive(url)
        drive(without_facts(url, tmp_path_factory.mktemp("guard")), pages=False)
    return [stmt for stmt, _ in seen] + fact_statements()


def test_no_statement_compiles_to_a_bare_decimal(captured):
    assert len(captured) > 200  # the reports, traces and pages ran (not a vacuous pass)
    compiled = [str(s.compile(dialect=SparkDialect())) for s in captured]
    # the typed fact selects cast to NUMERIC(38, 2): seen, and with their precision
    assert any("DECIMAL(38,2)" in sql for sql in compiled)
    assert bare_decimals(captured) == []


def test_the_guard_finds_a_bare_decimal():
    price = sa.column("price", sa.Numeric(18, 2))
    # PyHive's own dialect: the bug this guard is for (Spark would read DECIMAL(10,0))
    from pyhive.sqlalchemy_hive import HiveDialect

    assert BARE_DECIMAL.search(str(sa.select(sa.cast(price, sa.Numeric(18, 2))).compile(dialect=HiveDialect())))
    # ours states precision and scale, and still shows a Numeric that has none, so the guard sees it
    assert bare_decimals([sa.select(sa.cast(price, sa.Numeric(18, 2)))]) == []
    assert len(bare_decimals([sa.select(sa.cast(price, sa.Numeric()))])) == 1


def test_parameters_become_exact_spark_literals():
    import datetime as dt
    from decimal import Decimal

    from data_loaders.spark_dialect import _column_type, _literal

    assert _literal(Decimal("194458.16")) == "194458.16"  # a decimal literal: exact, DECIMAL(8,2)
    assert _literal(Decimal("5")) == "5BD"  # without the suffix Spark would read an INT
    assert _literal(Decimal("1E+3")) == "1000BD"
    assert _literal(0.1) == "0.1D" and _literal(3) == "3" and _literal(True) == "TRUE" and _literal(None) == "NULL"
    assert _literal(Decimal("-5.25")) == "(-5.25)" and _literal(-2) == "(-2)"  # never "--": a comment after a minus
    assert _literal(dt.date(2026, 1, 31)) == "DATE '2026-01-31'"
    assert _literal(dt.datetime(2026, 1, 31, 8, 30)) == "TIMESTAMP '2026-01-31 08:30:00'"
    assert _literal("O'Brien\\") == "'O\\'Brien\\\\'"  # Spark reads backslash escapes in literals
    assert _literal(["P1", "P2"]) == "('P1', 'P2')"
    # DESCRIBE's types back as SQLAlchemy's, with precision and scale
    assert (_column_type("decimal(18,2)").precision, _column_type("decimal(18,2)").scale) == (18, 2)
    assert isinstance(_column_type("timestamp_ntz"), sa.DateTime) and isinstance(_column_type("date"), sa.Date)
