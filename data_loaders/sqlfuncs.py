"""SQL functions that each dialect spells differently, compiled per dialect.

``seconds_between(start, end)`` returns whole seconds between two timestamps and
``period_of(date)`` its month as ``YYYY-MM``, on every
supported database; queries use it instead of dialect-specific date arithmetic.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String
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
