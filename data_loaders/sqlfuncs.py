"""SQL functions that each dialect spells differently, compiled per dialect.

``seconds_between(start, end)`` returns whole seconds between two timestamps on every
supported database; queries use it instead of dialect-specific date arithmetic.
"""

from __future__ import annotations

from sqlalchemy import BigInteger
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
