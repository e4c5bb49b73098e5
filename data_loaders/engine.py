"""Engines, reads and native bulk loads for every supported database.

The only place that knows dialect differences for connecting, reading and bulk loading:

* DuckDB (the embedded default) through ``duckdb-sqlalchemy``; the dashboard opens it
  ``read_only`` so that a build or import can run beside it; reads go through Arrow and
  loads through ``insert_from_arrow``.
* SQLite, through the standard library driver; loads use ``executemany``.
* PostgreSQL through psycopg 3; loads use ``COPY ... FROM STDIN``.

Loads keep money exact: NUMERIC columns given as ``Decimal`` or Arrow ``decimal128`` (the
importer's) go to DuckDB as ``decimal128(precision, scale)`` and to PostgreSQL / MariaDB as
their exact text; SQLite has no exact decimal type and stores them as REAL (documented).
* MySQL / MariaDB through PyMySQL; loads use ``LOAD DATA LOCAL INFILE`` where the server allows
  it, multi-row inserts otherwise.
* Apache Spark SQL (``spark://``) through its Thrift server and ``data_loaders.spark_dialect``:
  read only; its tables are Parquet files (``data_loaders.spark``).

Every frame read here has money and quantities as float64 (sums were done exactly in SQL as
NUMERIC; round to cents when presenting) and dates as ``datetime64``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from data_loaders import schema

# Apache Spark SQL through its Thrift server, read only: spark://host:10000/default (docs/SCALE_OUT.md)
sa.dialects.registry.register("spark", "data_loaders.spark_dialect", "SparkDialect")

REPO_ROOT = Path(__file__).resolve().parents[1]
URL_ENV = "BFI_DATABASE_URL"
DATA_DIR_ENV = "BFI_DATA_DIR"
DB_FILE = "sample_plant.duckdb"


class SparkReadOnly(ValueError):
    """A write (import, build, restore, fact refresh through the app) was asked of a Spark URL."""


def is_spark(url_or_dialect) -> bool:
    """Whether a URL (text or ``URL``) or a dialect / engine / connection is Spark."""
    dialect = getattr(url_or_dialect, "dialect", url_or_dialect)
    if isinstance(dialect, sa.engine.Dialect):
        return dialect.name == "spark"
    try:
        return sa.engine.make_url(str(url_or_dialect)).get_backend_name() == "spark"
    except sa.exc.ArgumentError:
        return False


def refuse_writes(url_or_dialect, what: str) -> None:
    """Raise ``SparkReadOnly`` (a ``ValueError``: the CLI's exit 2) when ``url_or_dialect`` is Spark."""
    if is_spark(url_or_dialect):
        raise SparkReadOnly(f"{what}: the app only reads Spark (spark://…). Import or build into DuckDB or a server "
                            "database, write the tables to Parquet with `cli.py export-parquet` and register them "
                            "with `cli.py spark-register` (docs/SCALE_OUT.md)")


def default_db_path() -> Path:
    """The embedded database file: ``$BFI_DATA_DIR/sample_plant.duckdb``, else ``data/`` in the repo."""
    return Path(os.environ.get(DATA_DIR_ENV) or REPO_ROOT / "data") / DB_FILE


def default_url() -> str:
    """The embedded database's URL."""
    return f"duckdb:///{default_db_path()}"


def configured_url(secrets_url: str | None = None) -> str:
    """The database the app reads: ``$BFI_DATABASE_URL``, else a secrets entry, else the sample."""
    return os.environ.get(URL_ENV) or secrets_url or default_url()


def normalize_url(url: str) -> str:
    """Choose the drivers this project installs when a URL names none."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("mysql://") or url.startswith("mariadb://"):
        return "mysql+pymysql://" + url.split("://", 1)[1]
    return url


def duckdb_path(url: str) -> Path | None:
    """The file behind a ``duckdb:///`` URL, or None for other databases and in-memory DuckDB."""
    u = sa.engine.make_url(normalize_url(url))
    if u.get_backend_name() != "duckdb" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def make_engine(url: str, read_only: bool = False) -> Engine:
    """An engine for ``url``. ``read_only`` opens a DuckDB file without a write lock."""
    url = normalize_url(url)
    backend = sa.engine.make_url(url).get_backend_name()
    kwargs: dict = {}
    connect_args: dict = {}
    if backend == "duckdb":
        path = duckdb_path(url)
        if read_only and path is not None:
            connect_args["read_only"] = True
        elif path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    elif backend == "mysql":
        connect_args["local_infile"] = True
        kwargs["pool_pre_ping"] = True
    elif backend == "postgresql":
        kwargs["pool_pre_ping"] = True
    return sa.create_engine(url, connect_args=connect_args, **kwargs)


def create_schema(engine: Engine, indexes: bool = True, primary_keys: bool = True) -> None:
    """Create every contract table (and, unless ``indexes=False``, index) that does not exist yet.

    DuckDB files get primary keys but no foreign-key constraints: DuckDB checks them row by
    row, which doubled bulk loads (28 s against 15 s for 2M lines, docs/PERFORMANCE.md), and
    the importer and ``validate`` check every reference themselves. Pass ``indexes=False`` to
    bulk-load first and call ``create_indexes`` after; on DuckDB, ``primary_keys=False`` leaves
    out the primary keys too (the columns stay NOT NULL), for ``add_primary_keys`` after the load.
    """
    if engine.dialect.name != "duckdb":
        schema.metadata.create_all(engine)
        return
    with engine.begin() as conn:
        for table in schema.TABLES:
            target = table if primary_keys else _unkeyed(table)
            conn.execute(sa.schema.CreateTable(target, if_not_exists=True, include_foreign_key_constraints=[]))
    if indexes:
        create_indexes(engine)


def _unkeyed(table: sa.Table) -> sa.Table:
    """``table``'s columns (types, NOT NULL) without its primary key, in a scratch MetaData."""
    return sa.Table(table.name, sa.MetaData(), *(sa.Column(c.name, c.type, nullable=c.nullable) for c in table.columns),
                    schema=table.schema)


def add_primary_keys(engine: Engine, tables: list[sa.Table] | None = None) -> None:
    """Add the contract's primary keys to DuckDB tables created with ``primary_keys=False``.

    Building a key over rows already stored is several times cheaper than checking every row
    of a bulk insert against it (one sorted build instead of millions of lookups), and it
    still refuses duplicates: a duplicate key fails the ``ALTER`` (and so the load).
    """
    prep = engine.dialect.identifier_preparer
    with engine.begin() as conn:
        for table in tables if tables is not None else schema.TABLES:
            cols = ", ".join(prep.quote(c.name) for c in table.primary_key.columns)
            if cols:
                conn.exec_driver_sql(f"ALTER TABLE {prep.format_table(table)} ADD PRIMARY KEY ({cols})")


def create_indexes(engine: Engine) -> None:
    """Create the contract's secondary indexes that are missing (after a bulk load)."""
    with engine.begin() as conn:
        for table in schema.TABLES:
            for index in table.indexes:
                index.create(conn, checkfirst=True)


def set_duckdb_threads(engine: Engine, threads: int | None) -> None:
    """Set the number of DuckDB's worker threads for ``engine``'s database (``None``: back to
    DuckDB's default, one per core). A global setting of the open database, not of a connection;
    nothing on other databases."""
    if engine.dialect.name != "duckdb":
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("RESET threads" if threads is None else f"SET threads = {int(threads)}")


SERVER_MEMORY_ENV = "BFI_DUCKDB_MEMORY_LIMIT"
SERVER_MEMORY_LIMIT = "256MB"


def limit_duckdb_memory(engine: Engine, limit: str | None = None) -> None:
    """Cap the memory DuckDB keeps for ``engine``'s database file: ``limit`` (a DuckDB size such
    as ``256MB``), else ``$BFI_DUCKDB_MEMORY_LIMIT``, else ``SERVER_MEMORY_LIMIT``; ``default``
    leaves DuckDB's own (80 % of the machine's memory). Nothing on other databases.

    DuckDB caches the blocks of the tables it has read up to its limit, and a web server that
    reads a ten-million-line file keeps them for its life (281 MB after every page at the L
    scale). The pages read fact tables of a few thousand rows, so a small cache costs them
    little; a query that needs more (a base-table path over every voucher line) spills to a
    temporary folder beside the file instead of failing. Set on each new connection (a global
    setting of the open database: connections opened with another configuration would be
    refused)."""
    if engine.dialect.name != "duckdb":
        return
    value = (limit or os.environ.get(SERVER_MEMORY_ENV) or SERVER_MEMORY_LIMIT).strip()
    if value.lower() == "default":
        return
    if not re.fullmatch(r"\d+(\.\d+)?\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)", value, re.IGNORECASE):
        raise ValueError(f"{SERVER_MEMORY_ENV}={value!r} is not a DuckDB size such as 256MB or 2GB (or 'default')")

    @sa.event.listens_for(engine, "connect")
    def _limit(dbapi_connection, _record):
        dbapi_connection.execute(f"SET memory_limit = '{value}'")


def drop_schema(engine: Engine) -> None:
    """Drop every contract table (tests and rebuilds only)."""
    schema.metadata.drop_all(engine)


# --------------------------------------------------------------------------- reads
def _decimal_floats(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A decimal column as float64, each value the double nearest to the decimal, as Python's
    ``float(Decimal)`` and every other database's driver give it (psycopg, PyMySQL, PyHive return
    ``Decimal``). Arrow's own cast multiplies by a power of ten and can miss by one bit
    (3.0511 -> 3.0511000000000004): a figure computed from it then differs in its last bits from
    the one computed on Spark or PostgreSQL, and a value on a half cent rounds the other way.

    The unscaled integer and 10**scale are both exact doubles (|integer| <= 2**53), and IEEE
    division rounds correctly; anything larger goes through ``float(Decimal)`` value by value."""
    scale = column.type.scale
    chunks = []
    for chunk in column.chunks:
        if pa.types.is_decimal128(chunk.type) and len(chunk) and 0 <= scale <= 22:
            words = np.frombuffer(chunk.buffers()[1], dtype="<i8", count=2 * (chunk.offset + len(chunk)))
            low, high = words[0::2][chunk.offset:], words[1::2][chunk.offset:]
            # the 128-bit integer fits 53 bits: -2**53 <= low <= 2**53 as one unsigned comparison
            if (high == (low >> 63)).all() and ((low + 2**53).view(np.uint64) <= 2**54).all():
                values = low.astype(np.float64) / 10.0**scale
                chunks.append(pa.array(values, mask=chunk.is_null().to_numpy(zero_copy_only=False)) if chunk.null_count else pa.array(values))
                continue
        chunks.append(pa.array([None if v is None else float(v) for v in chunk.to_pylist()], type=pa.float64()))
    return pa.chunked_array(chunks, type=pa.float64())


THREADED_CELLS = 200_000  # rows x columns from which Arrow converts a result's columns in parallel


def _arrow_to_frame(table: pa.Table) -> pd.DataFrame:
    """A DuckDB result as a frame: decimals as the nearest float64 (``_decimal_floats``), dates as
    ``datetime64[us]``, every other column as ``to_pandas`` gives it. Only the decimal and date
    columns are replaced (a cast of the whole table copies every column's buffers), and a small
    result is converted in this thread: Arrow's thread pool costs more than it saves below a few
    hundred thousand cells (a trace's lookup of a few rows 0.6 -> 0.3 ms; the same frame)."""
    for i, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            table = table.set_column(i, pa.field(field.name, pa.float64()), _decimal_floats(table.column(i)))
        elif pa.types.is_date(field.type):
            table = table.set_column(i, pa.field(field.name, pa.timestamp("us")), table.column(i).cast(pa.timestamp("us")))
    frame = table.to_pandas(use_threads=table.num_rows * table.num_columns >= THREADED_CELLS)
    if frame.empty:
        # an empty result's Arrow-backed columns have zero chunks, which pandas cannot merge on
        # several keys ("cannot construct ChunkedArray from empty vector"): rebuild them empty
        frame = pd.DataFrame({c: pd.array([], dtype=frame[c].dtype) for c in frame.columns}, columns=frame.columns)
    return frame


def _normalize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    for name in frame.columns:
        s = frame[name]
        if s.dtype == object:
            first = s.dropna()
            if first.empty:
                continue
            v = first.iloc[0]
            if isinstance(v, (dt.date, dt.datetime)):
                frame[name] = pd.to_datetime(s)
            elif not isinstance(v, str):
                try:
                    frame[name] = pd.to_numeric(s)
                except (TypeError, ValueError):
                    pass
    return frame


@contextmanager
def connected(bind: Engine | Connection):
    """``bind`` as an open connection: an engine is connected (and closed after), a connection
    is used as it is (so that a report or a trace runs all its reads on one connection)."""
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


def read_frame(bind: Engine | Connection, stmt, params: dict | None = None) -> pd.DataFrame:
    """Run a SELECT and return it as a DataFrame (Arrow on DuckDB, DB-API elsewhere)."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return read_frame(conn, stmt, params)
    if bind.dialect.name == "duckdb":
        result = bind.execution_options(duckdb_arrow=True).execute(stmt, params or {})
        return _arrow_to_frame(result.arrow)
    result = bind.execute(stmt, params or {})
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return _normalize_frame(frame)


def read_stacked(bind: Engine | Connection, selects: list, keys: list[str]) -> list[pd.DataFrame]:
    """The results of ``selects`` (SELECTs with the same columns, none ordered) read in one
    statement and split again: each branch tagged with its position and stacked (``UNION ALL``),
    ordered by position and ``keys``. Per select, its rows as its own statement ordered by
    ``keys`` returns them (each branch groups its own rows: the same sums), an empty one as
    ``read_frame`` returns an empty result on that database."""
    tagged = [sel.add_columns(sa.cast(sa.literal(i), sa.Integer).label("stack_no")) for i, sel in enumerate(selects)]
    stacked = (tagged[0] if len(tagged) == 1 else sa.union_all(*tagged)).subquery()
    rows = read_frame(bind, sa.select(stacked).order_by(*[stacked.c[k] for k in ["stack_no", *keys]]))
    at = rows.stack_no.to_numpy()
    rows = rows.drop(columns="stack_no")
    parts = [rows[at == i].reset_index(drop=True) for i in range(len(selects))]
    if bind.dialect.name != "duckdb":  # the DB-API path's empty result: untyped columns (DuckDB's keep their Arrow types)
        parts = [p if len(p) else pd.DataFrame(columns=rows.columns) for p in parts]
    return parts


IN_CHUNK = 2000  # keys per IN list: well inside every database's parameter limit (SQLite 32,766, PostgreSQL 65,535)


def read_keyed(bind: Engine | Connection, make, keys) -> pd.DataFrame:
    """``make(chunk)``'s rows for the distinct ``keys``, read ``IN_CHUNK`` keys at a time and
    stacked (``make`` builds the SELECT for one chunk, usually with ``column.in_(chunk)``); one
    statement when they fit, as nearly always. No keys: ``make([])``, an empty frame with the
    statement's columns."""
    ids = sorted(set(keys))
    parts = [read_frame(bind, make(ids[i:i + IN_CHUNK])) for i in range(0, max(len(ids), 1), IN_CHUNK)]
    found = [p for p in parts if not p.empty]  # an empty part's columns are untyped on some drivers
    return pd.concat(found, ignore_index=True) if len(found) > 1 else (found or parts)[0]


# --------------------------------------------------------------------------- bulk loads
def _prepare(table: sa.Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the table's columns in its order; missing optional columns become NULL."""
    out = pd.DataFrame(index=frame.index)
    for c in table.columns:
        out[c.name] = frame[c.name] if c.name in frame.columns else None
    return out


def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def _arrow_table(table: sa.Table, frame: pd.DataFrame) -> pa.Table:
    """``frame`` as Arrow with exact money: NUMERIC columns given as ``Decimal`` objects or
    Arrow decimals become ``decimal128(precision, scale)``, never float64. Float columns (the
    sample generator's, already rounded to cents) are left to the database's own cast."""
    arrays, names = [], []
    for c in table.columns:
        s = frame[c.name]
        array = None
        if isinstance(c.type, sa.Numeric) and not isinstance(c.type, sa.Integer):
            target = pa.decimal128(c.type.precision or 18, c.type.scale or 0)
            if isinstance(s.dtype, pd.ArrowDtype) and pa.types.is_decimal(s.dtype.pyarrow_dtype):
                array = pa.chunked_array(s.array.__arrow_array__()).cast(target)
            elif s.dtype == object:
                array = pa.array([None if _missing(v) else v for v in s.tolist()], type=target)
        if array is None:
            array = pa.Table.from_pandas(frame[[c.name]], preserve_index=False).column(0)
        arrays.append(array)
        names.append(c.name)
    return pa.table(arrays, names=names)


def _records(frame: pd.DataFrame, table: sa.Table) -> list[dict]:
    date_cols = {c.name for c in table.columns if isinstance(c.type, sa.Date)}
    time_cols = {c.name for c in table.columns if isinstance(c.type, sa.DateTime)}
    cols = {}
    for name in frame.columns:
        s = frame[name]
        if name in date_cols:
            s = pd.to_datetime(s)
            cols[name] = [None if pd.isna(v) else v.date() for v in s]
        elif name in time_cols:
            s = pd.to_datetime(s)
            cols[name] = [None if pd.isna(v) else v.to_pydatetime() for v in s]
        else:
            cols[name] = [None if _missing(v) else v for v in s.tolist()]
    names = list(frame.columns)
    return [dict(zip(names, row)) for row in zip(*(cols[n] for n in names))]


def _dates_as_text(frame: pd.DataFrame, table: sa.Table) -> pd.DataFrame:
    """Dates and timestamps as ISO text, as text bulk loaders (COPY, LOAD DATA) read them."""
    out = frame.copy()
    for c in table.columns:
        if isinstance(c.type, sa.Date):
            out[c.name] = pd.to_datetime(out[c.name]).dt.strftime("%Y-%m-%d")
        elif isinstance(c.type, sa.DateTime):
            out[c.name] = pd.to_datetime(out[c.name]).dt.strftime("%Y-%m-%d %H:%M:%S")
    return out


def _csv_bytes(frame: pd.DataFrame, table: sa.Table) -> bytes:
    # Decimal and Arrow decimal values are written as their exact text (str), never via float.
    return _dates_as_text(frame, table).to_csv(index=False, header=False, lineterminator="\n").encode("utf-8")


def bulk_insert(conn: Connection, table: sa.Table, frame: pd.DataFrame, chunk_rows: int = 500_000) -> int:
    """Append ``frame`` to ``table`` through the database's native bulk path.

    Runs inside the caller's transaction, so a failed import leaves nothing behind.
    Returns the number of rows written.
    """
    if frame.empty:
        return 0
    frame = _prepare(table, frame)
    name = conn.dialect.name
    for start in range(0, len(frame), chunk_rows):
        part = frame.iloc[start:start + chunk_rows]
        if name == "duckdb":
            from duckdb_sqlalchemy import insert_from_arrow

            insert_from_arrow(conn, table, _arrow_table(table, part))
        elif name == "postgresql":
            cols = ", ".join(f'"{c}"' for c in part.columns)
            raw = conn.connection.driver_connection
            with raw.cursor() as cur:
                with cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN (FORMAT CSV)') as copy:
                    copy.write(_csv_bytes(part, table))
        elif name in ("mysql", "mariadb") and _mysql_local_infile(conn):
            _mysql_load_data(conn, table, part)
        else:
            conn.execute(table.insert(), _records(part, table))
    return len(frame)


def arrow_batches(table: sa.Table, frame: pd.DataFrame) -> list[pa.RecordBatch]:
    """``frame`` as Arrow record batches for ``bulk_insert_batches`` (DuckDB), with exact money
    as in ``bulk_insert``; the batches share the frame's Arrow buffers (no copy of the text)."""
    return _arrow_table(table, _prepare(table, frame)).to_batches()


def bulk_insert_batches(conn: Connection, table: sa.Table, batches: list[pa.RecordBatch], chunk_rows: int = 500_000) -> int:
    """Append ``batches`` to ``table`` on DuckDB, about ``chunk_rows`` rows per insert, taking
    them out of the list as they are stored: once the caller holds no other reference, each
    part's memory is returned while the rest is being written. Returns the number of rows written."""
    if conn.dialect.name != "duckdb":
        raise ValueError("bulk_insert_batches is for DuckDB; use bulk_insert")
    # a relation, not a registered view: DuckDB keeps a view's Arrow data alive until the
    # transaction ends, a relation's only while the insert runs (same connection, same transaction)
    raw = conn.connection.dbapi_connection
    target = ".".join(conn.dialect.identifier_preparer.quote(p) for p in ([table.schema] if table.schema else []) + [table.name])
    written = 0
    while batches:
        part, n = [], 0
        while batches and (n == 0 or n + batches[0].num_rows <= chunk_rows):
            n += batches[0].num_rows
            part.append(batches.pop(0))
        if n:
            import duckdb

            try:
                relation = raw.from_arrow(pa.Table.from_batches(part))
                relation.insert_into(target)
            except duckdb.Error as exc:  # as SQLAlchemy would raise it, for the callers' handlers
                raise sa.exc.DBAPIError.instance(f"INSERT INTO {target}", None, exc, duckdb.Error) from exc
            del relation
        written += n
        del part
        pa.default_memory_pool().release_unused()
    return written


def as_frame(data: pd.DataFrame | pa.Table) -> pd.DataFrame:
    """A DataFrame for rows given as a DataFrame or an Arrow table (dictionary-encoded text is
    decoded to ``str``), for the loaders that take DataFrames."""
    if isinstance(data, pd.DataFrame):
        return data
    cols = {}
    for name, col in zip(data.column_names, data.columns):
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        cols[name] = col.to_pandas()
    return pd.DataFrame(cols, index=pd.RangeIndex(data.num_rows))


def _arrow_for(table: sa.Table, data: pa.Table) -> pa.Table:
    """An Arrow table's columns in ``table``'s order; missing optional columns become NULL."""
    cols = [data.column(c.name) if c.name in data.column_names else pa.nulls(data.num_rows) for c in table.columns]
    return pa.table(cols, names=[c.name for c in table.columns])


def bulk_load_duckdb(conn: Connection, table: sa.Table, data: pd.DataFrame | pa.Table) -> int:
    """Append all of ``data`` (a DataFrame or an Arrow table) to a DuckDB ``table`` in one statement.

    For loads into a fresh file (the sample build): one INSERT lets DuckDB spread the rows over
    its threads and write whole row groups. Arrow goes in as it is: text backed by Arrow without
    a copy, dictionary-encoded text decoded by DuckDB, float money cast by DuckDB as in
    ``bulk_insert``. Returns the number of rows written.
    """
    if conn.dialect.name != "duckdb":
        raise ValueError("bulk_load_duckdb is for DuckDB; use bulk_insert")
    if isinstance(data, pd.DataFrame):
        if data.empty:
            return 0
        data = _arrow_table(table, _prepare(table, data))
    else:
        if data.num_rows == 0:
            return 0
        data = _arrow_for(table, data)
    import duckdb

    raw = conn.connection.dbapi_connection
    target = conn.dialect.identifier_preparer.format_table(table)
    try:
        raw.from_arrow(data).insert_into(target)
    except duckdb.Error as exc:  # as SQLAlchemy would raise it, for the callers' handlers
        raise sa.exc.DBAPIError.instance(f"INSERT INTO {target}", None, exc, duckdb.Error) from exc
    return data.num_rows


def _mysql_local_infile(conn: Connection) -> bool:
    value = conn.exec_driver_sql("SELECT @@GLOBAL.local_infile").scalar()
    return str(value) in ("1", "ON")


def _mysql_load_data(conn: Connection, table: sa.Table, part: pd.DataFrame) -> None:
    # Empty fields must load as NULL, so NULLs are written as \N.
    data = _dates_as_text(part, table)
    with tempfile.NamedTemporaryFile("wb", suffix=".tsv", delete=False) as fh:
        data.to_csv(fh, sep="\t", index=False, header=False, na_rep="\\N", lineterminator="\n")
        path = fh.name
    try:
        cols = ", ".join(f"`{c}`" for c in part.columns)
        conn.exec_driver_sql(
            f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE `{table.name}` CHARACTER SET utf8mb4 "
            f"FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' ({cols})"
        )
    finally:
        os.unlink(path)


def refresh_statistics(engine: Engine, tables=None) -> None:
    """Update the planner's statistics after a bulk load: of the contract's tables (every table
    where one ``ANALYZE`` does them all), or of ``tables`` only, on the databases that do not
    keep them as they write (not DuckDB, not Spark).

    Without it PostgreSQL plans from the empty tables' statistics: a one-month voucher search
    took 88.9 s at 820k lines before ANALYZE and 0.33 s after (docs/PERFORMANCE.md). The fact
    tables get theirs when ``facts.refresh`` writes them: left to PostgreSQL's autovacuum, their
    statistics changed at some moment during the reads that followed, and with them the plan of
    a grouped SUM, which then added the same floats in another order (the last bit of an OEE
    improvement figure differed in one test run)."""
    name = engine.dialect.name
    if tables is not None and (name == "duckdb" or is_spark(engine)):
        return
    prep = engine.dialect.identifier_preparer
    with engine.begin() as conn:
        if tables is None and name not in ("mysql", "mariadb"):
            conn.exec_driver_sql("ANALYZE")
            return
        present = set(sa.inspect(conn).get_table_names())
        names = [prep.format_table(t) for t in (schema.TABLES if tables is None else tables) if t.name in present]
        if not names:
            return
        if name in ("mysql", "mariadb"):
            conn.exec_driver_sql(f"ANALYZE TABLE {', '.join(names)}")
        else:
            for table in names:
                conn.exec_driver_sql(f"ANALYZE {table}")


def replace_tables(engine: Engine, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Empty the contract and load ``frames`` (table name -> rows) in one transaction."""
    counts = {}
    with engine.begin() as conn:
        for table in reversed(schema.TABLES):
            conn.execute(table.delete())
        for table in schema.TABLES:
            if table.name in frames:
                counts[table.name] = bulk_insert(conn, table, frames[table.name])
    refresh_statistics(engine)
    return counts

