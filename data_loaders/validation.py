"""Checks on a database as it stands, for data that did not come through the importer.

A company warehouse may have no keys or constraints, so every promise of the contract is
checked in SQL: every declared column exists, unique keys, resolvable references, balanced
vouchers, non-negative quantities, line periods equal to their voucher's. Each finding names the table, the
column, the key of the row and the value.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_loaders import schema
from data_loaders.queries import select_unbalanced_vouchers

SAMPLE_ROWS = 20
COLUMNS = ["check", "table_name", "column_name", "row_key", "value", "message", "n_rows"]


def _pk_label(table: sa.Table):
    cols = list(table.primary_key.columns)
    if len(cols) == 1:
        return sa.cast(cols[0], sa.String)
    label = sa.cast(cols[0], sa.String)
    for c in cols[1:]:
        label = label + "/" + sa.cast(c, sa.String)  # || or CONCAT() per dialect
    return label


def _money_text(value) -> str:
    """A sum as the database holds it, to the cent: exact for NUMERIC, never through a float's
    17 digits (at 10^15 a float cannot tell .78 from .80, and both totals would print alike)."""
    if value is None:
        return ""
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return str(number.quantize(Decimal("0.01")))


def _columns_by_table(inspector, present: set[str]) -> dict[str, set[str]]:
    """Column names of every present table, in one catalog query where the dialect can
    (``get_multi_columns``: about 0.05 s against 0.5 s table by table on a DuckDB file)."""
    try:
        found = inspector.get_multi_columns()
    except (NotImplementedError, sa.exc.SQLAlchemyError):
        found = None
    out = {name: {c["name"] for c in cols} for (_, name), cols in (found or {}).items()}
    for name in present - set(out):  # a dialect that answered for part of the tables, or none
        out[name] = {c["name"] for c in inspector.get_columns(name)}
    return out


def find_schema_gaps(engine: Engine) -> dict:
    """What the database lacks of the contract: ``{"missing_tables": [names], "missing_columns":
    {table: [columns]}}`` (tables in contract order; a missing table's columns are not listed).
    One inspector pass; the app runs it once per data version."""
    inspector = sa.inspect(engine)
    present = set(inspector.get_table_names())
    columns_of = _columns_by_table(inspector, present & {t.name for t in schema.TABLES})
    tables, columns = [], {}
    for table in schema.TABLES:
        if table.name not in present:
            tables.append(table.name)
            continue
        have = columns_of[table.name]
        lacking = [c.name for c in table.columns if c.name not in have]
        if lacking:
            columns[table.name] = lacking
    return {"missing_tables": tables, "missing_columns": columns}


def validate_database(engine: Engine) -> pd.DataFrame:
    """Every contract check on the database; one row per finding (at most 20 shown per check)."""
    findings = []
    present = set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:
        for table in schema.CONTRACT_TABLES:
            if table.name not in present:
                findings.append(("missing_table", table.name, "", "", "", "the table does not exist / 数据表不存在", 0))
                continue
            present_cols = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
            missing = [c.name for c in table.columns if c.name not in present_cols]
            for name in missing:
                findings.append(("missing_column", table.name, name, "", "", "the column the contract declares is missing / 缺少契约规定的列", len(missing)))
            if missing:
                continue  # the other checks would fail on the missing column
            pk = list(table.primary_key.columns)
            dup = sa.select(*pk, sa.func.count().label("n")).group_by(*pk).having(sa.func.count() > 1).subquery()
            n = conn.execute(sa.select(sa.func.count()).select_from(dup)).scalar() or 0
            if n:
                rows = conn.execute(sa.select(dup).limit(SAMPLE_ROWS)).fetchall()
                for r in rows:
                    findings.append(("duplicate_key", table.name, "+".join(c.name for c in pk), "/".join(str(v) for v in r[:-1]), str(r[-1]), "duplicate key / 主键重复", n))
            for c in table.columns:
                for fk in c.foreign_keys:
                    parent = fk.column.table
                    if parent.name not in present:
                        continue  # reported as a missing table; nothing to check against
                    orphan = (
                        sa.select(_pk_label(table).label("row_key"), c.label("value"))
                        .select_from(table.outerjoin(parent, parent.c[fk.column.name] == c))
                        .where(c.is_not(None), parent.c[fk.column.name].is_(None))
                    )
                    n = conn.execute(sa.select(sa.func.count()).select_from(orphan.subquery())).scalar() or 0
                    if n:
                        for r in conn.execute(orphan.limit(SAMPLE_ROWS)):
                            findings.append(("orphan_reference", table.name, c.name, str(r.row_key), str(r.value),
                                             f"refers to a missing {parent.name} row / 引用不存在的{parent.info.get('zh', parent.name)}", n))
                if isinstance(c.type, sa.Numeric) and not c.info.get("signed"):
                    neg = sa.select(_pk_label(table).label("row_key"), c.label("value")).where(c < 0)
                    n = conn.execute(sa.select(sa.func.count()).select_from(neg.subquery())).scalar() or 0
                    if n:
                        for r in conn.execute(neg.limit(SAMPLE_ROWS)):
                            findings.append(("negative_value", table.name, c.name, str(r.row_key), str(r.value), "must not be negative / 不能为负数", n))
        lacking = {f[1] for f in findings if f[0] in ("missing_table", "missing_column")}
        if {"voucher_lines", "vouchers"} <= present and not lacking & {"voucher_lines", "vouchers"}:
            unbalanced = conn.execute(select_unbalanced_vouchers()).fetchall()
            for r in unbalanced[:SAMPLE_ROWS]:
                findings.append(("unbalanced_voucher", "voucher_lines", "debit_amount/credit_amount", r.voucher_no,
                                 f"{_money_text(r.debit_amount)} / {_money_text(r.credit_amount)}", "debits ≠ credits / 借贷不平衡", len(unbalanced)))
            vl, v = schema.voucher_lines, schema.vouchers
            wrong = (sa.select(vl.c.voucher_no.label("row_key"), vl.c.period.label("value"))
                     .join(v, v.c.voucher_no == vl.c.voucher_no).where(vl.c.period != v.c.period))
            n = conn.execute(sa.select(sa.func.count()).select_from(wrong.subquery())).scalar() or 0
            if n:
                for r in conn.execute(wrong.limit(SAMPLE_ROWS)):
                    findings.append(("period_mismatch", "voucher_lines", "period", r.row_key, r.value, "line period differs from its voucher's / 分录期间与凭证不一致", n))
        if "routings" in present and "routings" not in lacking:
            r = schema.routings
            n_given = sum(sa.case((r.c[c].is_not(None), 1), else_=0) for c in schema.IDEAL_CYCLE_COLUMNS)
            bad = sa.select(_pk_label(r).label("row_key"), n_given.label("value")).where(n_given != 1)
            n = conn.execute(sa.select(sa.func.count()).select_from(bad.subquery())).scalar() or 0
            if n:
                for row in conn.execute(bad.limit(SAMPLE_ROWS)):
                    findings.append(("ideal_cycle_not_once", "routings", "/".join(schema.IDEAL_CYCLE_COLUMNS), row.row_key,
                                     f"{row.value} given", "give the ideal cycle exactly once / 理想节拍只填一项", n))
        if {"bank_accounts", "plants"} <= present and not lacking & {"bank_accounts", "plants"}:
            # amounts are in their plant's currency: an account in another one would be counted as the plant's
            ba, pl = schema.bank_accounts, schema.plants
            wrong = (sa.select(ba.c.bank_account_id.label("row_key"), ba.c.currency.label("value"), ba.c.plant_id, pl.c.currency.label("plant_currency"))
                     .join(pl, pl.c.plant_id == ba.c.plant_id).where(ba.c.currency != pl.c.currency))
            n = conn.execute(sa.select(sa.func.count()).select_from(wrong.subquery())).scalar() or 0
            if n:
                for r in conn.execute(wrong.limit(SAMPLE_ROWS)):
                    findings.append(("bank_currency_mismatch", "bank_accounts", "currency", r.row_key, r.value,
                                     f"in {r.value} while its plant {r.plant_id} uses {r.plant_currency}: its balances are counted as "
                                     f"{r.plant_currency} / 银行账户币种与所属工厂币种不同", n))
    return pd.DataFrame(findings, columns=COLUMNS)
