"""SQL functions that each dialect spells differently, compiled per dialect.

``seconds_between(start, end)`` returns whole seconds between two timestamps,
``days_between(start, end)`` whole days between two dates and ``period_of(date)`` its month as
``YYYY-MM``, on every supported database; queries use it instead of dialect-specific date arithmetic.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class seconds_between(FunctionElement):  # noqa: N801 - reads like a SQL function
    type = BigInteger()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _generic(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)})) AS BIGINT)"


@compiles(seconds_between, "duckdb")
def _duckdb(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"date_diff('second', {compiler.process(start, **kw)}, {compiler.process(end, **kw)})"


@compiles(seconds_between, "sqlite")
def _sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"CAST(ROUND((julianday({compiler.process(end, **kw)}) - "
            f"julianday({compiler.process(start, **kw)})) * 86400) AS INTEGER)")


@compiles(seconds_between, "mysql")
@compiles(seconds_between, "mariadb")
def _mysql(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"TIMESTAMPDIFF(SECOND, {compiler.process(start, **kw)}, {compiler.process(end, **kw)})"


class period_of(FunctionElement):  # noqa: N801 - reads like a SQL function
    """The accounting month ``YYYY-MM`` of a date or timestamp."""

    type = String()
    inherit_cache = True
    name = "period_of"


@compiles(period_of)
def _period_generic(element, compiler, **kw):
    (arg,) = list(element.clauses)
    return f"to_char({compiler.process(arg, **kw)}, 'YYYY-MM')"


@compiles(period_of, "duckdb")
def _period_duckdb(element, compiler, **kw):
    (arg,) = list(element.clauses)
    return f"strftime({compiler.process(arg, **kw)}, '%Y-%m')"


@compiles(period_of, "sqlite")
def _period_sqlite(element, compiler, **kw):
    (arg,) = list(element.clauses)
    return f"strftime('%Y-%m', {compiler.process(arg, **kw)})"


@compiles(period_of, "mysql")
@compiles(period_of, "mariadb")
def _period_mysql(element, compiler, **kw):
    (arg,) = list(element.clauses)
    # PyMySQL formats parameters with %, so a literal percent sign must be doubled
    pct = "%%" if compiler.dialect.paramstyle in ("format", "pyformat") else "%"
    return f"DATE_FORMAT({compiler.process(arg, **kw)}, '{pct}Y-{pct}m')"


class days_between(FunctionElement):  # noqa: N801 - reads like a SQL function
    """Whole days from one date to another (``end − start``; dates, not timestamps)."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


# each dialect's spelling (dates subtract to whole days on PostgreSQL; Spark SQL and others: datediff)
_DAYS_BETWEEN = {"postgresql": "({end} - {start})", "duckdb": "date_diff('day', {start}, {end})",
                 "sqlite": "CAST(ROUND(julianday({end}) - julianday({start})) AS INTEGER)",
                 "mysql": "DATEDIFF({end}, {start})", "mariadb": "DATEDIFF({end}, {start})"}


@compiles(days_between)
def _days_between(element, compiler, **kw):
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return _DAYS_BETWEEN.get(compiler.dialect.name, "datediff({end}, {start})").format(start=start, end=end)
