"""Parquet files for Apache Spark: write the contract's tables, register them, derive the facts.

The app reads Spark (``spark://``, ``data_loaders.spark_dialect``) and never writes to it through
its importer; the data reaches Spark as Parquet, the lake's format:

1. ``export_parquet(url, folder)`` writes every contract table (``data_loaders.schema``) of a
   database the app can write (DuckDB, SQLite, PostgreSQL, MariaDB) to ``folder/<table>/``, with
   the contract's types: money ``decimal(18,2)``, unit prices ``decimal(18,4)``, dates ``date``,
   timestamps ``timestamp`` (no time zone), whole numbers ``int32``. DuckDB writes them itself
   (``COPY … TO … (FORMAT parquet)``); other databases are read in chunks into Arrow.
2. ``register(engine, folder)`` runs ``CREATE TABLE <table> USING parquet LOCATION '<folder>/<table>'``
   on Spark for each (dropping an older registration of the same name; the files are never
   deleted by a drop, as the tables are external).
3. ``derive_facts(engine, folder)`` produces the fact tables (``data_loaders.facts``) on Spark:
   the families that state their tables as SELECTs over the base tables (``selects`` returning a
   dict: ledger, cash documents, WIP) become ``CREATE TABLE … USING parquet AS SELECT …`` run by
   Spark over the Parquet files; the families derived in pandas (OEE, work-order costing) run
   their own ``derive`` with Spark answering every query, and their frames are written to
   ``folder/facts/<table>/`` and registered. The facts are then fresh exactly when the exported
   ``dataset_info`` says so (``facts.ready``), as on every other database.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_loaders import engine as eng
from data_loaders import facts
from data_loaders import schema

FACTS_FOLDER = "facts"
CHUNK_ROWS = 500_000


def arrow_type(column: sa.Column) -> pa.DataType:
    """The Parquet (Arrow) type of a contract or fact column."""
    t = column.type
    if isinstance(t, sa.BigInteger):
        return pa.int64()
    if isinstance(t, sa.Integer):
        return pa.int32()
    if isinstance(t, sa.Boolean):
        return pa.bool_()
    if isinstance(t, sa.Numeric) and not isinstance(t, sa.Float):
        return pa.decimal128(t.precision or 38, t.scale or 0)
    if isinstance(t, (sa.Float, sa.Double)):
        return pa.float64()
    if isinstance(t, sa.DateTime):
        return pa.timestamp("us")
    if isinstance(t, sa.Date):
        return pa.date32()
    return pa.string()


def arrow_schema(table: sa.Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, arrow_type(c)) for c in table.columns])


def _array(values: pd.Series, type_: pa.DataType) -> pa.Array:
    """One column as ``type_``: floats given for a decimal are rounded to its scale first (Arrow's
    cast truncates), ``Decimal`` objects go in exactly, datetimes become dates where asked."""
    if pa.types.is_decimal(type_):
        if values.dtype.kind == "f":
            return pa.array(np.round(values.to_numpy(), type_.scale), mask=values.isna().to_numpy()).cast(type_)
        if values.dtype.kind in "iu":
            return pa.array(values.to_numpy()).cast(type_)
        return pa.array([None if eng._missing(v) else v for v in values.tolist()], type=type_)
    if pa.types.is_date(type_):
        parsed = pd.to_datetime(values)
        return pa.array([None if pd.isna(v) else v.date() for v in parsed], type=type_)
    if pa.types.is_timestamp(type_):
        return pa.array(pd.to_datetime(values), type=type_)
    if pa.types.is_integer(type_):
        return pa.array(values.round() if values.dtype.kind == "f" else values, type=type_, from_pandas=True)
    if pa.types.is_string(type_):
        return pa.array([None if eng._missing(v) else str(v) for v in values.tolist()], type=type_)
    return pa.array(values, type=type_, from_pandas=True)


def frame_to_arrow(table: sa.Table, frame: pd.DataFrame) -> pa.Table:
    """``frame`` (a table's rows; missing optional columns become NULL) as Arrow with the table's types."""
    frame = eng._prepare(table, frame).reset_index(drop=True)
    target = arrow_schema(table)
    return pa.Table.from_arrays([_array(frame[f.name], f.type) for f in target], schema=target)


def write_parquet(table: sa.Table, data: pd.DataFrame | pa.Table, folder: Path) -> int:
    """Write ``data`` as ``folder/<table>/part-0.parquet`` (replacing the folder). Returns the rows."""
    target = Path(folder) / table.name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    arrow = data if isinstance(data, pa.Table) else frame_to_arrow(table, data)
    pq.write_table(arrow, target / "part-0.parquet")
    return arrow.num_rows


def export_parquet(url: str, folder: Path | str, tables: list[sa.Table] | None = None) -> dict[str, int]:
    """Write ``tables`` (default: the contract's) of the database at ``url`` to ``folder/<table>/``.
    Returns ``{table: rows}``."""
    if eng.is_spark(url):
        raise ValueError("export-parquet reads a database the app writes (DuckDB, SQLite, PostgreSQL, MariaDB), not Spark")
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    tables = list(tables if tables is not None else schema.TABLES)
    engine = eng.make_engine(url, read_only=True)
    counts: dict[str, int] = {}
    try:
        with engine.connect() as conn:
            for table in tables:
                target = folder / table.name
                shutil.rmtree(target, ignore_errors=True)
                target.mkdir(parents=True)
                if conn.dialect.name == "duckdb":
                    counts[table.name] = _copy_duckdb(conn, table, target / "part-0.parquet")
                else:
                    counts[table.name] = _copy_rows(conn, table, target / "part-0.parquet")
    finally:
        engine.dispose()
    return counts


def _copy_duckdb(conn, table: sa.Table, path: Path) -> int:
    prep = conn.dialect.identifier_preparer
    casts = []
    for c in table.columns:
        # the contract's type, whatever the file holds (an older file may have wider columns)
        t = arrow_type(c)
        sql_type = {pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.bool_(): "BOOLEAN", pa.float64(): "DOUBLE",
                    pa.timestamp("us"): "TIMESTAMP", pa.date32(): "DATE", pa.string(): "VARCHAR"}.get(t)
        if sql_type is None:
            sql_type = f"DECIMAL({t.precision},{t.scale})"
        casts.append(f"CAST({prep.quote(c.name)} AS {sql_type}) AS {prep.quote(c.name)}")
    literal = str(path).replace("'", "''")
    conn.exec_driver_sql(f"COPY (SELECT {', '.join(casts)} FROM {prep.format_table(table)}) TO '{literal}' "
                         "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)")
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)


def _copy_rows(conn, table: sa.Table, path: Path) -> int:
    target = arrow_schema(table)
    rows = 0
    with pq.ParquetWriter(path, target) as writer:
        result = conn.execution_options(stream_results=True).execute(sa.select(table))
        while True:
            chunk = result.fetchmany(CHUNK_ROWS)
            if not chunk:
                break
            frame = pd.DataFrame(chunk, columns=[c.name for c in table.columns])
            writer.write_table(frame_to_arrow(table, frame))
            rows += len(frame)
        if rows == 0:
            writer.write_table(target.empty_table())
    return rows


# --------------------------------------------------------------------------- Spark side
def _quote(engine_or_conn, name: str) -> str:
    return engine_or_conn.dialect.identifier_preparer.quote(name)


def _location(path: Path) -> str:
    return "'" + str(Path(path).resolve()).replace("\\", "\\\\").replace("'", "\\'") + "'"


def register(engine: Engine, folder: Path | str, tables: list[sa.Table] | None = None) -> dict[str, str]:
    """``CREATE TABLE … USING parquet LOCATION …`` on Spark for each of ``tables`` (default: the
    contract's) found in ``folder``; an existing table of that name is dropped first. Returns
    ``{table: location}``. Raises ``FileNotFoundError`` naming the tables that have no folder."""
    if not eng.is_spark(engine):
        raise ValueError("register runs on a Spark engine (spark://…)")
    folder = Path(folder).resolve()
    tables = list(tables if tables is not None else schema.TABLES)
    missing = [t.name for t in tables if not (folder / t.name).is_dir()]
    if missing:
        raise FileNotFoundError(f"no Parquet folder in {folder} for: {', '.join(missing)} (run `cli.py export-parquet`)")
    out = {}
    with engine.connect() as conn:
        for table in tables:
            name = _quote(conn, table.name)
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE TABLE {name} USING parquet LOCATION {_location(folder / table.name)}")
            out[table.name] = str(folder / table.name)
    return out


def _ctas(conn, table: sa.Table, stmts: list[sa.Select]) -> None:
    """``CREATE TABLE table USING parquet AS <stmts, UNION ALL>``, each select typed as ``refresh`` types it."""
    typed = [facts._typed_select(stmt, table, conn.dialect.name) for stmt in stmts]
    if typed:
        body = typed[0] if len(typed) == 1 else sa.union_all(*typed)
    else:  # no run (no periods): an empty table with the declared columns
        body = sa.select(*[sa.cast(sa.null(), c.type).label(c.name) for c in table.columns]).where(sa.false())
    compiled = body.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    # the dialect's cursor renders the parameters as Spark literals
    conn.exec_driver_sql(f"CREATE TABLE {_quote(conn, table.name)} USING parquet AS {compiled}", dict(compiled.params))


def derive_facts(engine: Engine, folder: Path | str) -> dict[str, dict]:
    """Produce every fact table on Spark (see the module docstring); ``folder/facts/`` receives
    the pandas-derived families' Parquet files. Returns ``{table: {"rows", "seconds", "how"}}``."""
    if not eng.is_spark(engine):
        raise ValueError("derive_facts runs on a Spark engine (spark://…)")
    folder = Path(folder).resolve() / FACTS_FOLDER
    out: dict[str, dict] = {}
    with engine.connect() as conn:
        for table in facts.tables():
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_quote(conn, table.name)}")
    for fam in facts.families():
        t0 = time.perf_counter()
        selects = fam.selects(None) if hasattr(fam, "selects") else {}
        in_sql = selects if isinstance(selects, dict) else {}
        pending = [t for t in fam.TABLES if t.name not in in_sql]
        if not pending:
            frames = {}
        elif getattr(fam, "FROM_FACTS", False):  # from the facts of the families before it, created above
            with facts.known(engine, True):
                frames = fam.derive(engine, None)
        else:
            frames = fam.derive(engine, None)
        with engine.connect() as conn:
            for table in fam.TABLES:
                t1 = time.perf_counter()
                if table.name in in_sql:
                    _ctas(conn, table, in_sql[table.name])
                    how = "spark sql"
                else:
                    frame = frames.get(table.name)
                    if frame is None:
                        frame = pd.DataFrame(columns=[c.name for c in table.columns])
                    write_parquet(table, frame, folder)
                    conn.exec_driver_sql(f"CREATE TABLE {_quote(conn, table.name)} USING parquet "
                                         f"LOCATION {_location(folder / table.name)}")
                    how = "pandas over spark"
                rows = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
                out[table.name] = {"rows": int(rows or 0), "how": how,
                                   "seconds": round(time.perf_counter() - (t1 if how == "spark sql" else t0), 2)}
    return out
