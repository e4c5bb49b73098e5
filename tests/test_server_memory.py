"""The server's DuckDB block cache is capped (data_loaders.engine.limit_duckdb_memory) and a query
that needs more than the cap spills instead of failing; freed memory goes back to the system
after each run (data_loaders.memory.release_memory)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from data_loaders import engine as eng


def _limit(engine) -> str:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT current_setting('memory_limit')").scalar()


@pytest.fixture
def duck_file(tmp_path):
    """A DuckDB file with 3,000,000 rows in 1,000,000 groups keyed by number and text."""
    url = f"duckdb:///{tmp_path / 'big.duckdb'}"
    engine = eng.make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t AS SELECT i % 1000000 AS k, 'key-' || (i % 1000000) AS label, i * 0.01 AS v "
                             "FROM range(3000000) r(i)")
    engine.dispose()
    return url


def test_the_limit_is_set_on_every_connection_and_a_larger_query_completes(duck_file, monkeypatch):
    monkeypatch.delenv(eng.SERVER_MEMORY_ENV, raising=False)
    engine = eng.make_engine(duck_file, read_only=True)
    eng.limit_duckdb_memory(engine, "64MB")
    assert _limit(engine).startswith("61.0 MiB")  # DuckDB prints 64 MB (10^6) in MiB: 64e6 / 2^20 = 61.0
    with engine.connect() as conn:  # a million groups with text keys: more than 64 MB of hash table
        groups, total = conn.execute(sa.text("SELECT count(*), sum(s) FROM (SELECT k, label, sum(v) s FROM t GROUP BY k, label)")).one()
    assert groups == 1_000_000
    # Σ i x 0.01 for i < 3,000,000 = 0.01 x 2,999,999 x 3,000,000 / 2
    assert float(total) == pytest.approx(0.01 * 2_999_999 * 3_000_000 / 2)
    engine.dispose()


def test_the_limit_comes_from_the_environment_or_the_default(duck_file, monkeypatch):
    monkeypatch.setenv(eng.SERVER_MEMORY_ENV, "64MB")
    engine = eng.make_engine(duck_file, read_only=True)
    eng.limit_duckdb_memory(engine)
    assert _limit(engine).startswith("61.0 MiB")  # 64e6 / 2^20 = 61.0
    engine.dispose()
    monkeypatch.setenv(eng.SERVER_MEMORY_ENV, "default")
    engine = eng.make_engine(duck_file, read_only=True)
    eng.limit_duckdb_memory(engine)
    assert "GiB" in _limit(engine)  # DuckDB's own: 80 % of the machine's memory
    engine.dispose()


@pytest.mark.parametrize("value", ["lots", "256", "-1MB", "1; DROP TABLE t"])
def test_a_limit_that_is_not_a_size_is_refused_naming_the_variable(duck_file, monkeypatch, value):
    monkeypatch.setenv(eng.SERVER_MEMORY_ENV, value)
    engine = eng.make_engine(duck_file, read_only=True)
    with pytest.raises(ValueError, match=eng.SERVER_MEMORY_ENV):
        eng.limit_duckdb_memory(engine)
    engine.dispose()


def test_other_databases_are_left_alone(tmp_path):
    engine = eng.make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    eng.limit_duckdb_memory(engine, "1MB")  # nothing to set, nothing raised
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    engine.dispose()
