"""Apache Spark SQL through its Thrift JDBC/ODBC server: a small subclass of PyHive's Hive dialect.

URL: ``spark://HOST:PORT/DATABASE`` (e.g. ``spark://127.0.0.1:10000/default``), registered in
``data_loaders.engine``. The app only reads Spark: tables are Parquet files registered with
``CREATE TABLE … USING parquet LOCATION …`` (``data_loaders.spark``, ``cli.py spark-register``);
imports and builds refuse a Spark URL. docs/SCALE_OUT.md tells how to run it.

What plain PyHive gets wrong for this app, and what this dialect does instead:

* ``CAST(x AS NUMERIC(18, 2))`` compiles to a bare ``DECIMAL``, which Spark reads as
  ``DECIMAL(10,0)``: sums come back rounded to whole units without an error. Here a Numeric with
  a precision always compiles to ``DECIMAL(p,s)``; a Numeric without one still compiles to a
  bare ``DECIMAL`` so that the guard test (tests/test_spark_guard.py) finds the statement.
  ``DATE`` compiles to ``DATE`` (PyHive says ``TIMESTAMP``).
* Parameters are rendered into the statement by the client (the Thrift protocol has no bound
  parameters): PyHive refuses ``Decimal`` and sends dates as strings. Here a ``Decimal`` is an
  exact decimal literal, a float a double literal, dates and timestamps ``DATE '…'`` /
  ``TIMESTAMP '…'``.
* ``a / b`` of two whole numbers: SQLAlchemy casts the divisor to ``NUMERIC`` on databases whose
  ``/`` divides integers to an integer; Spark's ``/`` is exact, so nothing is cast.
* Results: ``DATE`` columns come back from the server as text; the cursor turns them into
  ``datetime.date`` (timestamps and decimals PyHive converts itself). Rows are fetched 10,000 at a
  time instead of PyHive's 1,000.
* ``has_table`` and ``get_table_names`` read ``SHOW TABLES`` (PyHive parses ``DESCRIBE`` output
  and returns Spark's ``namespace`` column as the table name); ``get_columns`` knows Spark's
  ``decimal(p,s)`` and ``timestamp_ntz`` (Parquet timestamps without a time zone).
* Writes: none. No transactions (commit and rollback do nothing), so the app's writers refuse a
  Spark URL before they start (``data_loaders.engine.refuse_writes``; this module needs PyHive,
  that one does not).

``seconds_between`` and ``period_of`` (``data_loaders.sqlfuncs``) are compiled for Spark here.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math

import sqlalchemy as sa
from pyhive import hive
from pyhive.sqlalchemy_hive import HiveCompiler, HiveDialect, HiveTypeCompiler
from sqlalchemy.ext.compiler import compiles

from data_loaders.sqlfuncs import period_of, seconds_between

NAME = "spark"  # the URL scheme, registered in data_loaders.engine
FETCH_ROWS = 10_000


# --------------------------------------------------------------------------- parameters
def _number(text: str) -> str:
    # a negative number in parentheses: after a unary minus, "--5" would start a comment
    return f"({text})" if text.startswith("-") else text


def _literal(value) -> str:
    """``value`` as a Spark SQL literal (strings with Spark's backslash escapes)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return _number(str(value))
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite decimal: {value}")
        text = format(value, "f")
        # a literal without a point would be an INT/BIGINT; keep it decimal and exact
        return _number(text if "." in text else f"{text}BD")
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return f"CAST('{'NaN' if math.isnan(value) else ('Infinity' if value > 0 else '-Infinity')}' AS DOUBLE)"
        return _number(f"{value!r}D")
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return hive.HiveParamEscaper().escape_string(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return "(" + ", ".join(_literal(v) for v in value) + ")"
    raise TypeError(f"cannot send a {type(value).__name__} to Spark: {value!r}")


# --------------------------------------------------------------------------- DB-API
class SparkCursor(hive.Cursor):
    """PyHive's cursor with parameters rendered as Spark literals and DATE results as dates."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("arraysize", FETCH_ROWS)
        super().__init__(*args, **kwargs)

    def execute(self, operation, parameters=None, **kwargs):
        if parameters:
            operation = operation % {k: _literal(v) for k, v in parameters.items()} if isinstance(parameters, dict) \
                else operation % tuple(_literal(v) for v in parameters)
        elif parameters is not None:
            operation = operation % ()  # '%%' in a statement that has no parameters
        return super().execute(operation, None, **kwargs)

    def _fetch_more(self):
        before = len(self._data)
        super()._fetch_more()
        dates = [i for i, d in enumerate(self.description or ()) if d[1] == "DATE_TYPE"]
        if not dates or len(self._data) == before:
            return
        rows = list(self._data)
        for r in range(before, len(rows)):
            row = list(rows[r])
            for i in dates:
                if isinstance(row[i], str):
                    row[i] = dt.date.fromisoformat(row[i])
            rows[r] = tuple(row)
        self._data.clear()
        self._data.extend(rows)


class SparkConnection(hive.Connection):
    def cursor(self, *args, **kwargs):
        return SparkCursor(self, *args, **kwargs)


class _DBAPI:
    """PyHive's DB-API module with the connection above."""

    def __getattr__(self, name):
        return getattr(hive, name)

    @staticmethod
    def connect(*args, **kwargs):
        return SparkConnection(*args, **kwargs)


dbapi_module = _DBAPI()


# --------------------------------------------------------------------------- SQL
class SparkTypeCompiler(HiveTypeCompiler):
    def visit_NUMERIC(self, type_, **kw):
        # a bare DECIMAL is DECIMAL(10,0) on Spark: never emit it for a type that states its precision
        if type_.precision is None:
            return "DECIMAL"
        return f"DECIMAL({type_.precision},{type_.scale or 0})"

    visit_DECIMAL = visit_NUMERIC

    def visit_DATE(self, type_, **kw):
        return "DATE"

    def _double(self, type_, **kw):
        return "DOUBLE"  # Spark's FLOAT and REAL are 4 bytes

    visit_FLOAT = visit_REAL = visit_DOUBLE = visit_DOUBLE_PRECISION = _double


class SparkCompiler(HiveCompiler):
    def visit_concat_op_binary(self, binary, operator, **kw):
        # PyHive's drops the keyword arguments (and with them the rendering of bound parameters)
        return f"concat({self.process(binary.left, **kw)}, {self.process(binary.right, **kw)})"

    def visit_column(self, *args, **kwargs):
        return super(HiveCompiler, self).visit_column(*args, **kwargs)


class SparkDialect(HiveDialect):
    """Spark SQL through the Thrift server, read only (see the module docstring)."""

    name = NAME
    driver = "pyhive"
    statement_compiler = SparkCompiler
    type_compiler_cls = SparkTypeCompiler
    type_compiler = SparkTypeCompiler
    supports_statement_cache = False
    supports_native_boolean = True
    supports_multivalues_insert = False
    default_paramstyle = "pyformat"
    # Spark's "/" always divides exactly: no CAST(divisor AS NUMERIC) (which would be DECIMAL(10,0))
    div_is_floordiv = False
    postfetch_lastrowid = False

    @classmethod
    def dbapi(cls):
        return dbapi_module

    @classmethod
    def import_dbapi(cls):
        return dbapi_module

    def get_table_names(self, connection, schema=None, **kw):
        query = "SHOW TABLES" + (f" IN {self.identifier_preparer.quote_identifier(schema)}" if schema else "")
        rows = connection.exec_driver_sql(query).fetchall()
        # columns: namespace, tableName, isTemporary
        return [row[1] for row in rows if not row[2]]

    def get_view_names(self, connection, schema=None, **kw):
        query = "SHOW VIEWS" + (f" IN {self.identifier_preparer.quote_identifier(schema)}" if schema else "")
        return [row[1] for row in connection.exec_driver_sql(query).fetchall()]

    def get_columns(self, connection, table_name, schema=None, **kw):
        # DESCRIBE lists the columns, then (after an empty row or a '#' row) partitions and details
        name = ".".join(self.identifier_preparer.quote_identifier(p) for p in ([schema] if schema else []) + [table_name])
        out = []
        for col_name, col_type, *_ in connection.exec_driver_sql(f"DESCRIBE {name}").fetchall():
            if not col_name or col_name.startswith("#"):
                break
            out.append({"name": col_name, "type": _column_type(col_type), "nullable": True, "default": None})
        return out

    def has_table(self, connection, table_name, schema=None, **kw):
        return table_name.lower() in {t.lower() for t in self.get_table_names(connection, schema)}

    def do_begin(self, dbapi_connection):
        pass

    def do_commit(self, dbapi_connection):
        pass

    def do_rollback(self, dbapi_connection):
        pass

    def _get_default_schema_name(self, connection):
        return connection.exec_driver_sql("SELECT current_database()").scalar()

    def get_isolation_level(self, dbapi_connection):
        return None


_TYPES = {"string": sa.String, "varchar": sa.String, "char": sa.String, "int": sa.Integer, "integer": sa.Integer,
          "bigint": sa.BigInteger, "smallint": sa.SmallInteger, "tinyint": sa.SmallInteger, "boolean": sa.Boolean,
          "double": sa.Double, "float": sa.Float, "date": sa.Date, "timestamp": sa.DateTime,
          "timestamp_ntz": sa.DateTime, "binary": sa.LargeBinary}


def _column_type(text: str) -> sa.types.TypeEngine:
    """A Spark type name from DESCRIBE as a SQLAlchemy type (``decimal(18,2)`` keeps its precision)."""
    text = text.strip().lower()
    if text.startswith("decimal"):
        digits = [int(d) for d in text[text.find("(") + 1:text.find(")")].split(",")] if "(" in text else [10, 0]
        return sa.Numeric(*digits)
    return _TYPES.get(text.split("(")[0].split("<")[0], sa.types.NullType)()


@compiles(seconds_between, NAME)
def _seconds_between(element, compiler, **kw):
    start, end = list(element.clauses)
    # whole seconds on the wall clock, as the other databases count them (no time-zone shift)
    return f"timestampdiff(SECOND, {compiler.process(start, **kw)}, {compiler.process(end, **kw)})"


@compiles(period_of, NAME)
def _period_of(element, compiler, **kw):
    (arg,) = list(element.clauses)
    return f"date_format({compiler.process(arg, **kw)}, 'yyyy-MM')"
