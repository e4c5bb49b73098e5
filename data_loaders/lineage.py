"""Lineage queries: from a voucher to its source documents and work order, and back.

Drill-down passes keys, never labels: a voucher line points at its business document by
``(source_doc_type, source_doc_id)`` (``schema.SOURCE_DOCUMENTS`` maps the type to a table)
and at its work order by ``work_order_id``. Every lookup here is by an indexed key, so a
trace stays in milliseconds at ten million voucher lines (docs/PERFORMANCE.md).

Reconciliation queries list what operations did that finance did not book, and what finance
booked that operations cannot explain. Money arrives as float64 summed exactly in SQL.

Loaders that take a ``bind`` accept an engine or an open connection, so that a trace runs all
its lookups on one connection. Reconciliation loaders read the WIP facts
(``data_loaders.facts_wip``) when they are fresh, the base tables otherwise (``use_facts``:
None asks ``facts.ready``), with the same rows.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_loaders import schema as s
from data_loaders.engine import IN_CHUNK, connected, read_frame, read_keyed
from data_loaders.queries import (
    absorbed_overhead_amount,
    date_conditions,
    period_conditions,
    plant_conditions,
    product_conditions,
    select_machine_seconds_by_work_order,
)
from data_loaders.scope import Scope
from data_loaders.sqlfuncs import period_of, seconds_between

# account categories whose lines must come from a business document (inventory such as
# finished goods also carries opening balances, which have none)
COST_CATEGORIES = ("wip", "cost_of_sales", "variance")


@dataclass(frozen=True)
class VoucherFilter:
    """Voucher search criteria beyond the scope. Empty means "any".

    A voucher matches when any of its lines matches every line criterion (accounts, cost
    centers, products, source types); ``amount_*`` bound the voucher's total debit; ``text``
    matches part of the voucher number or description.
    """

    voucher_types: tuple[str, ...] = ()
    account_codes: tuple[str, ...] = ()
    cost_center_ids: tuple[str, ...] = ()
    product_ids: tuple[str, ...] = ()
    source_types: tuple[str, ...] = ()  # "none" selects lines without a source document
    amount_min: float | None = None
    amount_max: float | None = None
    text: str = ""

    def __post_init__(self):
        if self.amount_min is not None and self.amount_max is not None and self.amount_min > self.amount_max:
            raise ValueError(f"amount_min {self.amount_min} is above amount_max {self.amount_max}")


# --------------------------------------------------------------------------- voucher search
LIKE_ESCAPE = "!"  # not a backslash: MySQL and MariaDB read a backslash inside a string literal too


def contains(column, text: str):
    """``column`` contains ``text`` (case-insensitive) as typed: ``%`` and ``_`` match only
    themselves, never "anything"; NULs are dropped (PostgreSQL refuses them in a parameter)."""
    typed = text.replace("\x00", "").strip()
    if not any(c in typed for c in (LIKE_ESCAPE, "%", "_", "\\")):
        # nothing to escape (a backslash is some engines' default escape): no ESCAPE clause, which
        # DuckDB matches as a plain substring search (20 instead of 30 ms CPU over 170 k orders)
        return column.ilike(f"%{typed}%")
    for special in (LIKE_ESCAPE, "%", "_"):
        typed = typed.replace(special, LIKE_ESCAPE + special)
    return column.ilike(f"%{typed}%", escape=LIKE_ESCAPE)


def _line_conditions(scope: Scope, f: VoucherFilter) -> list:
    """The line criteria of a search beyond the period: the scope's plants and families, and
    the filter's accounts, cost centers, products and source types."""
    vl = s.voucher_lines
    conds = [*plant_conditions(vl.c.plant_id, scope), *product_conditions(vl.c.product_id, scope)]
    if f.account_codes:
        conds.append(vl.c.account_code.in_(f.account_codes))
    if f.cost_center_ids:
        conds.append(vl.c.cost_center_id.in_(f.cost_center_ids))
    if f.product_ids:
        conds.append(vl.c.product_id.in_(f.product_ids))
    if f.source_types:
        named = [t for t in f.source_types if t != "none"]
        options = [vl.c.source_doc_type.in_(named)] if named else []
        if "none" in f.source_types:
            options.append(vl.c.source_doc_type.is_(None))
        conds.append(sa.or_(*options))
    return conds


def _voucher_conditions(scope: Scope, f: VoucherFilter) -> list:
    """The voucher header criteria: the scope's months, the types and the text."""
    v = s.vouchers
    conds = list(period_conditions(v.c.period, scope))
    if f.voucher_types:
        conds.append(v.c.voucher_type.in_(f.voucher_types))
    if f.text.replace("\x00", "").strip():
        conds.append(sa.or_(contains(v.c.voucher_no, f.text), contains(v.c.description, f.text)))
    return conds


SEARCH_COLUMNS = ("voucher_no", "voucher_date", "period", "voucher_type", "status", "plant_id", "description")


def select_voucher_search(scope: Scope, f: VoucherFilter) -> sa.Select:
    """Every matching voucher with its total debit and line count in the scope's months: the
    search's definition (``load_voucher_page`` computes the totals of one page only when the
    filter has no amount bounds). A voucher without a line in those months does not match."""
    v, vl = s.vouchers, s.voucher_lines
    totals = (
        sa.select(vl.c.voucher_no, sa.func.sum(vl.c.debit_amount).label("total_amount"), sa.func.count().label("n_lines"))
        .where(*period_conditions(vl.c.period, scope))
        .group_by(vl.c.voucher_no)
        .subquery("totals")
    )
    line_conds = _line_conditions(scope, f)
    stmt = (
        sa.select(*[v.c[c] for c in SEARCH_COLUMNS], totals.c.total_amount, totals.c.n_lines)
        .join(totals, totals.c.voucher_no == v.c.voucher_no)
        .where(*_voucher_conditions(scope, f))
    )
    if line_conds:
        stmt = stmt.where(v.c.voucher_no.in_(sa.select(vl.c.voucher_no).where(*period_conditions(vl.c.period, scope), *line_conds)))
    if f.amount_min is not None:
        stmt = stmt.where(totals.c.total_amount >= f.amount_min)
    if f.amount_max is not None:
        stmt = stmt.where(totals.c.total_amount <= f.amount_max)
    return stmt


def _latest_months(months: pd.DataFrame, n: int) -> list:
    """A condition keeping the page query to the latest months when they alone hold the ``n``
    newest vouchers: they hold at least ``n`` and every earlier voucher is dated before the
    first of theirs (``months``: the facts' months x types). Empty when no such cut exists."""
    by_month = months.groupby("period").agg(n_vouchers=("n_vouchers", "sum"), first=("first_voucher_date", "min"),
                                            last=("last_voucher_date", "max")).sort_index(ascending=False)
    held = by_month.n_vouchers.cumsum()
    enough = held[held >= n]
    if enough.empty or enough.index[0] == by_month.index[-1]:
        return []
    cut = enough.index[0]
    kept, rest = by_month[by_month.index >= cut], by_month[by_month.index < cut]
    if rest.n_vouchers.sum() and not (rest["last"].max() < kept["first"].min()):
        return []
    return [s.vouchers.c.period >= cut]


def _newest_first(stmt: sa.Select, page: int, page_size: int) -> sa.Select:
    v = s.vouchers
    return stmt.order_by(v.c.voucher_date.desc(), v.c.voucher_no.desc()).limit(page_size).offset((page - 1) * page_size)


def load_voucher_page(engine: Engine, scope: Scope, f: VoucherFilter, page: int = 1, page_size: int = 100,
                      use_facts: bool | None = None) -> tuple[pd.DataFrame, int]:
    """One page of matching vouchers (newest first) and the number of matches
    (``select_voucher_search``).

    Grain: one row per voucher with its total debit and line count. Without amount bounds the
    totals of every voucher are never computed: one pass over the vouchers table (with a
    semi-join to the lines when there are line criteria) finds the page's keys and counts the
    matches, then two lookups by key read the page's headers and sum its lines. With fresh WIP facts saying every voucher of the scope's months has a
    line in its own month, a search without line criteria needs no join to the lines at all,
    and without text it is counted from the facts and its page read from the latest months only
    (when their dates all follow the earlier months').
    """
    if page < 1 or page_size < 1:
        raise ValueError(f"page and page_size must be >= 1, got {page} and {page_size}")
    v, vl = s.vouchers, s.voucher_lines
    if f.amount_min is not None or f.amount_max is not None:
        stmt = select_voucher_search(scope, f)
        with connected(engine) as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar() or 0
            rows = read_frame(conn, _newest_first(stmt, page, page_size))
        return rows, int(total)
    line_period = period_conditions(vl.c.period, scope)
    line_conds = _line_conditions(scope, f)
    conds = _voucher_conditions(scope, f)
    total, head_conds = None, []
    if line_conds:
        conds.append(v.c.voucher_no.in_(sa.select(vl.c.voucher_no).where(*line_period, *line_conds)))
    else:
        from data_loaders import facts_wip

        months = facts_wip.load_voucher_periods(engine, scope, f.voucher_types) if _use_facts(engine, use_facts) else None
        if months is None or months.n_without_own_lines.sum():
            conds.append(sa.exists().where(vl.c.voucher_no == v.c.voucher_no, *line_period))
        elif not f.text.strip():  # every voucher of the scope matches: count and place the page from the facts
            total = int(months.n_vouchers.sum())
            head_conds = _latest_months(months, page * page_size)
    with connected(engine) as conn:
        # the page's keys, counted in the same pass (a window) when the facts did not count them
        keys = sa.select(v.c.voucher_no, v.c.voucher_date).where(*conds, *head_conds)
        if total is None:
            keys = keys.add_columns(sa.func.count().over().label("n_matches"))
        top = read_frame(conn, _newest_first(keys, page, page_size))
        if total is None:
            total = int(top.n_matches.iloc[0]) if len(top) else (
                int(conn.execute(sa.select(sa.func.count()).select_from(v).where(*conds)).scalar() or 0) if page > 1 else 0)
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in SEARCH_COLUMNS})
        if top.empty:
            return empty.assign(total_amount=pd.Series(dtype=float), n_lines=pd.Series(dtype="int64")), total
        ids = list(top.voucher_no)
        # the range lets engines that store rows in voucher order skip to them (DuckDB's zone maps)
        head = read_frame(conn, sa.select(*[v.c[c] for c in SEARCH_COLUMNS])
                          .where(v.c.voucher_no.in_(ids), v.c.voucher_no.between(min(ids), max(ids))))
        sums = read_frame(conn, sa.select(vl.c.voucher_no, sa.func.sum(vl.c.debit_amount).label("total_amount"),
                                          sa.func.count().label("n_lines"))
                          .where(vl.c.voucher_no.in_(ids), vl.c.voucher_no.between(min(ids), max(ids)), *line_period)
                          .group_by(vl.c.voucher_no))
    rows = top[["voucher_no"]].merge(head, on="voucher_no", how="left").merge(sums, on="voucher_no", how="left")
    rows["total_amount"] = rows.total_amount.astype(float)
    rows["n_lines"] = rows.n_lines.fillna(0).astype("int64")
    return rows, total


# --------------------------------------------------------------------------- one voucher
# Point lookups join the small tables with LEFT joins and drop the unmatched rows afterwards
# (what an inner join would drop): an inner join, even to a 20-row table, makes a columnar
# engine (DuckDB) push a filter from the small side into the big table's scan and give up the
# index (240 ms instead of 6 ms for one work order's lines at 10M lines).
def _matched(frame: pd.DataFrame, *markers: str) -> pd.DataFrame:
    """The rows whose LEFT-joined ``markers`` found a row, without the marker columns."""
    keep = np.logical_and.reduce([frame[m].notna().to_numpy(dtype=bool) for m in markers])
    out = frame.copy(deep=False)
    for m in markers:  # in place on a shallow copy: cheaper than drop() on a one-row or tens-of-rows frame
        del out[m]
    return out if keep.all() else out[keep].reset_index(drop=True)


def _lines_select() -> sa.Select:
    """Voucher lines with account name, English name, category and cost center name; a line on
    an unknown account has none (``_account`` marks the match)."""
    vl, acc, cc = s.voucher_lines, s.accounts, s.cost_centers
    return (
        sa.select(vl, acc.c.account_name, acc.c.account_name_en, acc.c.category, cc.c.cost_center_name,
                  acc.c.account_code.label("_account"))
        .select_from(vl.outerjoin(acc, acc.c.account_code == vl.c.account_code)
                     .outerjoin(cc, cc.c.cost_center_id == vl.c.cost_center_id))
    )


def load_voucher(bind: Engine | sa.Connection, voucher_no: str) -> pd.DataFrame:
    """The voucher's header with its totals; empty if there is no such voucher."""
    return load_voucher_with_lines(bind, voucher_no)[0]


def load_voucher_lines(bind: Engine | sa.Connection, voucher_no: str) -> pd.DataFrame:
    """One row per line of the voucher, with account and cost center names, in line order."""
    return load_voucher_with_lines(bind, voucher_no)[1]


def load_voucher_with_lines(bind: Engine | sa.Connection, voucher_no: str,
                            plants: tuple[str, ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(load_voucher, load_voucher_lines)`` in two lookups: the header's debit, credit (to the
    cent; missing without lines, as SQL's SUM) and line count are the sums of every line.
    ``plants`` (a user's plant limit; none = every plant): a voucher of another plant reads as
    if it did not exist, header and lines."""
    v, vl = s.vouchers, s.voucher_lines
    with connected(bind) as conn:
        head = read_frame(conn, sa.select(v).where(v.c.voucher_no == voucher_no, *plant_conditions(v.c.plant_id, Scope(plants=plants))))
        stmt = _lines_select().where(vl.c.voucher_no == voucher_no).order_by(vl.c.line_no)
        lines = read_frame(conn, stmt if len(head) else stmt.limit(0))  # no header: the columns only, no line is read
    if head.empty:
        header = head.assign(debit_amount=pd.Series(dtype=float), credit_amount=pd.Series(dtype=float), n_lines=pd.Series(dtype="int64"))
    else:
        total = (lambda c: round(float(lines[c].sum()), 2)) if len(lines) else (lambda c: float("nan"))
        header = head.assign(debit_amount=total("debit_amount"), credit_amount=total("credit_amount"), n_lines=len(lines))
    return header, _matched(lines, "_account")


SOURCE_KEYS = {t: key for t, (_, key, _) in s.SOURCE_DOCUMENTS.items()}


def _source_table(source_doc_type: str) -> tuple[sa.Table, str]:
    if source_doc_type not in s.SOURCE_DOCUMENTS:
        raise ValueError(f"unknown source_doc_type {source_doc_type!r}; expected one of {sorted(s.SOURCE_DOCUMENTS)}")
    table, key, _ = s.SOURCE_DOCUMENTS[source_doc_type]
    return table, key


def load_source_document(bind: Engine | sa.Connection, source_doc_type: str, source_doc_id: str) -> pd.DataFrame:
    """The business document a line names: one row of its table, or empty if it does not exist."""
    table, key = _source_table(source_doc_type)
    return read_frame(bind, sa.select(table).where(table.c[key] == source_doc_id))


def load_source_documents(bind: Engine | sa.Connection, source_doc_type: str, source_doc_ids) -> pd.DataFrame:
    """The documents of one type that ``source_doc_ids`` name, in one query (rows of its table;
    ids that do not exist have none)."""
    table, key = _source_table(source_doc_type)
    return read_keyed(bind, lambda ids: sa.select(table).where(table.c[key].in_(ids)), source_doc_ids)


# --------------------------------------------------------------------------- one work order
def load_work_order(bind: Engine | sa.Connection, work_order_id: str, plants: tuple[str, ...] = ()) -> pd.DataFrame:
    """The work order with its product, work center and standard unit costs; empty if unknown
    (or if its product or work center is, or if it belongs to a plant outside ``plants``, a
    user's plant limit: another plant's order reads as if it did not exist)."""
    wo, p, wc = s.work_orders, s.products, s.work_centers
    stmt = (
        sa.select(wo, p.c.product_name, p.c.family, p.c.unit, p.c.std_material_cost, p.c.std_labor_cost, p.c.std_overhead_cost,
                  wc.c.work_center_name, (wc.c.machine_rate_per_h + wc.c.overhead_rate_per_h).label("absorption_rate_per_h"),
                  p.c.product_id.label("_product"), wc.c.work_center_id.label("_work_center"))
        .select_from(wo.outerjoin(p, p.c.product_id == wo.c.product_id).outerjoin(wc, wc.c.work_center_id == wo.c.work_center_id))
        .where(wo.c.work_order_id == work_order_id, *plant_conditions(wo.c.plant_id, Scope(plants=plants)))
    )
    return _matched(read_frame(bind, stmt), "_product", "_work_center")


def load_work_order_materials(bind: Engine | sa.Connection, work_order_id: str, product_id: str | None = None) -> pd.DataFrame:
    """One row per material issued to the order or in its BOM: BOM quantity per unit, standard
    price, and quantities and amounts issued and returned (amounts rounded per document).
    ``product_id``: the order's product when the caller read it (the BOM then by that key, not by
    a lookup of the order in the statement: 0.3 ms).

    One statement (``_select_work_order_materials``, built once): the order's moves and its
    product's BOM rows stacked (UNION ALL), summed per material, names joined last (LEFT, so that
    DuckDB keeps its index on the moves)."""
    params = {"work_order_id": work_order_id} if product_id is None else {"work_order_id": work_order_id, "product_id": product_id}
    out = read_frame(bind, _select_work_order_materials(product_id is not None), params)
    for c in ("qty_per_unit", "issued_qty", "returned_qty", "actual_amount", "n_moves"):  # a column at a time: 0.6 -> 0.2 ms
        values = out[c].to_numpy(dtype=float)
        out[c] = np.where(np.isnan(values), 0.0, values)
    return out


@functools.cache
def _select_work_order_materials(by_product: bool = False) -> sa.Select:
    """``load_work_order_materials``'s statement for the bound ``work_order_id`` (and, ``by_product``,
    its bound ``product_id``), built once (building it took 0.9 ms of a trace)."""
    mi, m, wo, bom = s.material_issues, s.materials, s.work_orders, s.bom
    order = sa.bindparam("work_order_id", type_=mi.c.work_order_id.type)
    product = sa.bindparam("product_id", type_=bom.c.product_id.type) if by_product else \
        sa.select(wo.c.product_id).where(wo.c.work_order_id == order).scalar_subquery()
    is_return = mi.c.issue_type == "return"
    amount = sa.func.round(mi.c.qty * mi.c.unit_cost, 2)
    num = lambda value: sa.cast(value, sa.Numeric(18, 4))  # noqa: E731 - one type for both branches
    moves = sa.select(mi.c.material_id, num(sa.null()).label("qty_per_unit"),
                      num(sa.case((is_return, 0), else_=mi.c.qty)).label("issued_qty"),
                      num(sa.case((is_return, mi.c.qty), else_=0)).label("returned_qty"),
                      num(sa.case((is_return, -amount), else_=amount)).label("actual_amount"),
                      sa.literal(1, sa.Integer).label("n_moves")).where(mi.c.work_order_id == order)
    # the order's product (given, or by the order's key), then its BOM: no join of the orders
    planned = sa.select(bom.c.material_id, num(bom.c.qty_per_unit).label("qty_per_unit"), num(sa.null()), num(sa.null()),
                        num(sa.null()), sa.literal(0, sa.Integer)).where(
        bom.c.product_id == product if by_product else bom.c.product_id.in_(product))
    both = sa.union_all(moves, planned).subquery("both")
    per = (sa.select(both.c.material_id, sa.func.max(both.c.qty_per_unit).label("qty_per_unit"),
                     sa.func.sum(both.c.issued_qty).label("issued_qty"), sa.func.sum(both.c.returned_qty).label("returned_qty"),
                     sa.func.sum(both.c.actual_amount).label("actual_amount"), sa.func.sum(both.c.n_moves).label("n_moves"))
           .group_by(both.c.material_id).subquery("per"))
    return (sa.select(per, m.c.material_name, m.c.unit, m.c.std_price)
            .select_from(per.outerjoin(m, m.c.material_id == per.c.material_id)).order_by(per.c.material_id))


def load_work_order_documents(bind: Engine | sa.Connection, work_order_id: str) -> dict[str, pd.DataFrame]:
    """The order's material moves, labor logs, machine events and output counts, by table name."""
    out = {}
    with connected(bind) as conn:
        for table, order in ((s.material_issues, "issue_date"), (s.labor_logs, "work_date"),
                             (s.machine_events, "start_at"), (s.output_counts, "count_date")):
            stmt = sa.select(table).where(table.c.work_order_id == work_order_id).order_by(table.c[order])
            if table is s.machine_events:
                stmt = sa.select(table, seconds_between(table.c.start_at, table.c.end_at).label("duration_s")) \
                    .where(table.c.work_order_id == work_order_id).order_by(table.c.start_at)
            out[table.name] = read_frame(conn, stmt)
    return out


def load_work_order_ledger(bind: Engine | sa.Connection, work_order_id: str) -> pd.DataFrame:
    """Every voucher line that names the order, with account and cost center names and its
    voucher's date, type and description, by date, voucher and line.

    On DuckDB 1.5 and later one statement: its join passes the lines' voucher numbers to the
    vouchers' scan as a filter, which then looks them up by key (2 ms for both lookups at 12.8 M
    lines). Elsewhere two lookups, the lines by the order's index and their vouchers by key,
    joined here: joined in SQL, DuckDB 1.4 hashes all 5.5 M vouchers to find the order's few
    (44 ms) and Spark shuffles them. The lines come in voucher and line order from the database
    (its collation), and a stable sort by date keeps that order within a day: the joined
    statement's order."""
    vl, v = s.voucher_lines, s.vouchers
    if _joins_by_key(bind):
        stmt = (_lines_select().add_columns(v.c.voucher_date, v.c.voucher_type, v.c.description)
                .join(v, v.c.voucher_no == vl.c.voucher_no).where(vl.c.work_order_id == work_order_id)
                .order_by(v.c.voucher_date, vl.c.voucher_no, vl.c.line_no))
        out = _matched(read_frame(bind, stmt), "_account")
        if out.empty:  # as the two lookups give an order without lines: the voucher's texts untyped
            out["voucher_type"], out["description"] = (np.array([], dtype=object),) * 2
        return out
    with connected(bind) as conn:
        lines = read_frame(conn, _lines_select().where(vl.c.work_order_id == work_order_id).order_by(vl.c.voucher_no, vl.c.line_no))
        heads = sa.select(v.c.voucher_no.label("_voucher"), v.c.voucher_date, v.c.voucher_type, v.c.description)
        heads = read_keyed(conn, lambda numbers: heads.where(v.c.voucher_no.in_(numbers)) if numbers else heads.limit(0),
                           lines.voucher_no)
    # each line's voucher by position (a voucher number is a key): what the left merge on it gave, without the merge;
    # a line without its voucher or its account is left out, as ``_matched`` leaves it
    at = pd.Index(heads._voucher).get_indexer(lines.voucher_no)
    keep = (at >= 0) & lines._account.notna().to_numpy(dtype=bool)
    out = lines[keep].reset_index(drop=True) if not keep.all() else lines.copy(deep=False)
    del out["_account"]
    for c in ("voucher_date", "voucher_type", "description"):
        out[c] = heads[c].take(at[keep]).to_numpy() if len(heads) else heads[c].iloc[0:0].reindex(range(len(out))).to_numpy()
    return out.sort_values("voucher_date", kind="stable", ignore_index=True)


def _joins_by_key(bind: Engine | sa.Connection) -> bool:
    """Whether ``bind`` is DuckDB 1.5 or later, whose joins filter the other table's scan by the
    keys found (a dynamic filter), so that an index finds a lookup's few rows of a large table."""
    if bind.dialect.name != "duckdb":
        return False
    import duckdb

    return tuple(int(p) for p in re.findall(r"\d+", duckdb.__version__)[:2]) >= (1, 5)


def search_work_orders(engine: Engine, scope: Scope, text: str = "", limit: int = 200) -> pd.DataFrame:
    """Work orders planned to start in the scope whose number or product matches ``text``.

    The products whose id or name match are found first in the products table (a few thousand
    rows), and the orders then by their number or that list of products: as a subquery the
    products' match made DuckDB join and keep every order of the scope before filtering (20 ms
    over a year's 170 k orders at L); with the list, the number's match filters the orders' scan.
    A number's digits and dashes (``_letterless``) must appear as typed in any number that
    contains the text whatever the case: that case-sensitive match, cheaper than the
    case-insensitive one, comes first."""
    wo, p = s.work_orders, s.products
    stmt = (
        sa.select(wo.c.work_order_id, wo.c.plant_id, wo.c.product_id, p.c.product_name, p.c.family, wo.c.work_center_id,
                  wo.c.status, wo.c.planned_qty, wo.c.completed_qty, wo.c.scrap_qty, wo.c.planned_start_date, wo.c.actual_end_at)
        .join(p, p.c.product_id == wo.c.product_id)
        .where(*date_conditions(wo.c.planned_start_date, scope), *plant_conditions(wo.c.plant_id, scope),
               *product_conditions(wo.c.product_id, scope))
        .order_by(wo.c.planned_start_date.desc(), wo.c.work_order_id.desc())
        .limit(limit)
    )
    if text.replace("\x00", "").strip():
        with connected(engine) as conn:
            products = sa.select(p.c.product_id).where(sa.or_(contains(p.c.product_id, text), contains(p.c.product_name, text)))
            named = read_frame(conn, products.order_by(p.c.product_id)).product_id.tolist()
            number = contains(wo.c.work_order_id, text)
            run = _letterless(text)
            if run:
                number = sa.and_(wo.c.work_order_id.like(f"%{run}%"), number)
            if named:  # a long list (a text most products match) stays a subquery: within every engine's parameter limit
                number = sa.or_(number, wo.c.product_id.in_(named if len(named) <= IN_CHUNK else products))
            return read_frame(conn, stmt.where(number))
    return read_frame(engine, stmt)


def _letterless(text: str) -> str:
    """The longest run of digits, dashes, dots, slashes, colons and spaces in ``text`` as typed
    (stripped): characters no engine's case folding changes and no LIKE pattern treats as special,
    so a value containing ``text`` in any case contains the run exactly; "" when there is none."""
    runs = re.findall(r"[0-9\-./: ]+", text.replace("\x00", "").strip())
    return max(runs, key=len) if runs else ""


# --------------------------------------------------------------------------- reconciliation
def _has_line(source_type: str, key_col) -> sa.Exists:
    vl = s.voucher_lines
    return sa.exists().where(vl.c.source_doc_type == source_type, vl.c.source_doc_id == key_col)


def _use_facts(engine: Engine, use_facts: bool | None) -> bool:
    from data_loaders import facts

    return facts.ready(engine) if use_facts is None else use_facts


def load_completed_without_completion(engine: Engine, scope: Scope, use_facts: bool | None = None) -> pd.DataFrame:
    """Completed work orders (finished in the scope) with no completion voucher line."""
    if _use_facts(engine, use_facts):
        from data_loaders import facts_wip

        return read_frame(engine, facts_wip.select_completed_without_completion(scope))
    wo, p = s.work_orders, s.products
    stmt = (
        sa.select(wo.c.work_order_id, wo.c.plant_id, wo.c.product_id, p.c.product_name, wo.c.completed_qty, wo.c.actual_end_at)
        .join(p, p.c.product_id == wo.c.product_id)
        .where(wo.c.status.in_(("completed", "closed")), ~_has_line("completion", wo.c.work_order_id),
               *date_conditions(wo.c.actual_end_at, scope), *plant_conditions(wo.c.plant_id, scope),
               *product_conditions(wo.c.product_id, scope))
        .order_by(wo.c.actual_end_at)
    )
    return read_frame(engine, stmt)


def load_cost_lines_without_source(engine: Engine, scope: Scope, use_facts: bool | None = None) -> pd.DataFrame:
    """Lines on WIP, cost of sales or variance accounts with no source document, with account
    and cost center names and their voucher's date, type and description."""
    if _use_facts(engine, use_facts):
        from data_loaders import facts_wip

        return _matched(read_frame(engine, facts_wip.select_unsourced_lines(scope)), "_account")
    vl = s.voucher_lines
    return _matched(read_frame(engine, select_cost_lines_without_source(scope).order_by(vl.c.voucher_no, vl.c.line_no)), "_account")


def select_cost_lines_without_source(scope: Scope) -> sa.Select:
    """The lines of ``load_cost_lines_without_source`` (unordered; ``_account`` marks the
    account's match, always found: the category condition needs the account)."""
    vl, acc, v = s.voucher_lines, s.accounts, s.vouchers
    return (
        _lines_select().add_columns(v.c.voucher_date, v.c.voucher_type, v.c.description)
        .join(v, v.c.voucher_no == vl.c.voucher_no)
        .where(acc.c.category.in_(COST_CATEGORIES), vl.c.source_doc_type.is_(None),
               *period_conditions(vl.c.period, scope), *plant_conditions(vl.c.plant_id, scope))
    )


MISSING_SOURCE_COLUMNS = ["voucher_no", "line_no", "period", "account_code", "plant_id", "debit_amount", "credit_amount",
                          "source_doc_type", "source_doc_id"]


def load_lines_with_missing_source(engine: Engine, scope: Scope, use_facts: bool | None = None) -> pd.DataFrame:
    """Lines whose source document does not exist in its table (one query per document table)."""
    if _use_facts(engine, use_facts):
        from data_loaders import facts_wip

        return read_frame(engine, facts_wip.select_missing_sources(scope))
    frames = []
    with connected(engine) as conn:
        for stmt in select_lines_with_missing_source(scope):
            frames.append(read_frame(conn, stmt))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=MISSING_SOURCE_COLUMNS)
    return pd.concat(frames, ignore_index=True).sort_values(["voucher_no", "line_no"]).reset_index(drop=True)


def select_lines_with_missing_source(scope: Scope) -> list[sa.Select]:
    """The selects of ``load_lines_with_missing_source``, one per document table (unordered)."""
    vl = s.voucher_lines
    by_table: dict[tuple[str, str], list[str]] = {}  # work_order and completion both name work_orders: one pass
    for source_type, (table, key, _) in s.SOURCE_DOCUMENTS.items():
        by_table.setdefault((table.name, key), []).append(source_type)
    out = []
    for (name, key), types in by_table.items():
        table = s.metadata.tables[name]
        found = sa.exists().where(table.c[key] == vl.c.source_doc_id)
        out.append(sa.select(*[vl.c[c] for c in MISSING_SOURCE_COLUMNS])
                   .where(vl.c.source_doc_type.in_(types), ~found, *period_conditions(vl.c.period, scope),
                          *plant_conditions(vl.c.plant_id, scope)))
    return out


COMPONENT_OF = {"material_issue": "material", "labor_log": "labor"}


def document_selects(scope: Scope) -> list[tuple[str, sa.Select]]:
    """(source type, select of documents in scope with id, date, plant, product, work order,
    amount, is_posted). ``product_id`` is the order's or the invoice's, NULL for supplier
    documents (which the scope's families do not filter)."""
    mi, lb, wo = s.material_issues, s.labor_logs, s.work_orders
    si, cr, pi, po, sp = s.sales_invoices, s.customer_receipts, s.supplier_invoices, s.purchase_orders, s.supplier_payments
    sign = sa.case((mi.c.issue_type == "return", -1), else_=1)
    posted = lambda t, col: sa.case((_has_line(t, col), 1), else_=0)  # noqa: E731
    no_product = sa.cast(sa.null(), s.products.c.product_id.type).label("product_id")
    return [
        ("material_issue", sa.select(mi.c.material_issue_id.label("document_id"), mi.c.issue_date.label("document_date"),
                                     wo.c.plant_id, wo.c.product_id, mi.c.work_order_id,
                                     (sign * sa.func.round(mi.c.qty * mi.c.unit_cost, 2)).label("document_amount"),
                                     posted("material_issue", mi.c.material_issue_id).label("is_posted"))
         .join(wo, wo.c.work_order_id == mi.c.work_order_id)
         .where(*date_conditions(mi.c.issue_date, scope), *plant_conditions(wo.c.plant_id, scope), *product_conditions(wo.c.product_id, scope))),
        ("labor_log", sa.select(lb.c.labor_log_id.label("document_id"), lb.c.work_date.label("document_date"), wo.c.plant_id,
                                wo.c.product_id, lb.c.work_order_id, sa.func.round(lb.c.hours * lb.c.rate_per_h, 2).label("document_amount"),
                                posted("labor_log", lb.c.labor_log_id).label("is_posted"))
         .join(wo, wo.c.work_order_id == lb.c.work_order_id)
         .where(*date_conditions(lb.c.work_date, scope), *plant_conditions(wo.c.plant_id, scope), *product_conditions(wo.c.product_id, scope))),
        ("sales_invoice", sa.select(si.c.invoice_id.label("document_id"), si.c.invoice_date.label("document_date"), si.c.plant_id,
                                    si.c.product_id, sa.null().label("work_order_id"), si.c.net_amount.label("document_amount"),
                                    posted("sales_invoice", si.c.invoice_id).label("is_posted"))
         .where(*date_conditions(si.c.invoice_date, scope), *plant_conditions(si.c.plant_id, scope), *product_conditions(si.c.product_id, scope))),
        ("customer_receipt", sa.select(cr.c.receipt_id.label("document_id"), cr.c.receipt_date.label("document_date"), si.c.plant_id,
                                       si.c.product_id, sa.null().label("work_order_id"), cr.c.amount.label("document_amount"),
                                       posted("customer_receipt", cr.c.receipt_id).label("is_posted"))
         .join(si, si.c.invoice_id == cr.c.invoice_id)
         .where(*date_conditions(cr.c.receipt_date, scope), *plant_conditions(si.c.plant_id, scope), *product_conditions(si.c.product_id, scope))),
        ("supplier_invoice", sa.select(pi.c.supplier_invoice_id.label("document_id"), pi.c.invoice_date.label("document_date"), po.c.plant_id,
                                       no_product, sa.null().label("work_order_id"), pi.c.amount.label("document_amount"),
                                       posted("supplier_invoice", pi.c.supplier_invoice_id).label("is_posted"))
         .join(po, po.c.purchase_order_id == pi.c.purchase_order_id)
         .where(*date_conditions(pi.c.invoice_date, scope), *plant_conditions(po.c.plant_id, scope))),
        ("supplier_payment", sa.select(sp.c.payment_id.label("document_id"), sp.c.payment_date.label("document_date"), po.c.plant_id,
                                       no_product, sa.null().label("work_order_id"), sp.c.amount.label("document_amount"),
                                       posted("supplier_payment", sp.c.payment_id).label("is_posted"))
         .join(pi, pi.c.supplier_invoice_id == sp.c.supplier_invoice_id)
         .join(po, po.c.purchase_order_id == pi.c.purchase_order_id)
         .where(*date_conditions(sp.c.payment_date, scope), *plant_conditions(po.c.plant_id, scope))),
    ]


UNPOSTED_COLUMNS = ["source_doc_type", "document_id", "document_date", "plant_id", "work_order_id", "document_amount"]
SOURCE_ORDER = {t: i for i, (t, _) in enumerate(document_selects(Scope()))}


def load_documents_without_voucher(engine: Engine, scope: Scope, use_facts: bool | None = None) -> pd.DataFrame:
    """Business documents dated in the scope that no voucher line names.

    Grain: one row per document (material issue or return, labor log, sales invoice, customer
    receipt, supplier invoice, supplier payment), by type in that order, then by date and id.
    """
    if _use_facts(engine, use_facts):
        from data_loaders import facts_wip

        out = read_frame(engine, facts_wip.select_unposted(scope))
    else:
        frames = []
        with connected(engine) as conn:
            for source_type, stmt in document_selects(scope):
                sub = stmt.subquery()
                got = read_frame(conn, sa.select(sub).where(sub.c.is_posted == 0))
                frames.append(got.assign(source_doc_type=source_type))
        frames = [f for f in frames if not f.empty]
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=UNPOSTED_COLUMNS)
    if out.empty:
        return pd.DataFrame(columns=UNPOSTED_COLUMNS)
    order = out.source_doc_type.map(SOURCE_ORDER)
    out = out.assign(_order=order).sort_values(["_order", "document_date", "document_id"], kind="stable")
    return out[UNPOSTED_COLUMNS].reset_index(drop=True)


def load_posting_coverage(engine: Engine, scope: Scope, use_facts: bool | None = None) -> pd.DataFrame:
    """Operational cost by period x plant x component, split into posted and not posted.

    Components: material (issues net of returns) and labor, dated by the document. Overhead
    comes from ``load_overhead_coverage``. Columns: period, plant_id, is_posted, cost_amount,
    component.
    """
    if _use_facts(engine, use_facts):
        from data_loaders import facts_wip

        out = read_frame(engine, facts_wip.select_posting(scope))
        return out[["period", "plant_id", "is_posted", "cost_amount", "component"]]
    frames = []
    with connected(engine) as conn:
        for source_type, stmt in document_selects(scope)[:2]:
            sub = stmt.subquery()
            q = (sa.select(period_of(sub.c.document_date).label("period"), sub.c.plant_id, sub.c.is_posted,
                           sa.func.sum(sub.c.document_amount).label("cost_amount"))
                 .group_by(period_of(sub.c.document_date), sub.c.plant_id, sub.c.is_posted))
            frames.append(read_frame(conn, q).assign(component=COMPONENT_OF[source_type]))
    return pd.concat(frames, ignore_index=True)


def select_overhead_coverage(scope: Scope) -> sa.Select:
    """Overhead absorbed by the orders completed in the scope (machine hours x absorption rate,
    rounded to cents per order as the posting rule rounds it), per completion month x plant x
    whether a voucher line absorbed it."""
    wo, wc = s.work_orders, s.work_centers
    completed = [wo.c.status.in_(("completed", "closed")), *date_conditions(wo.c.actual_end_at, scope),
                 *plant_conditions(wo.c.plant_id, scope), *product_conditions(wo.c.product_id, scope)]
    machine = select_machine_seconds_by_work_order(sa.select(wo.c.work_order_id).where(*completed)).subquery("machine")
    rate = wc.c.machine_rate_per_h + wc.c.overhead_rate_per_h
    orders = (
        sa.select(period_of(wo.c.actual_end_at).label("period"), wo.c.plant_id,
                  sa.case((_has_line("work_order", wo.c.work_order_id), 1), else_=0).label("is_posted"),
                  absorbed_overhead_amount(sa.func.coalesce(machine.c.machine_s, 0), rate).label("cost_amount"))
        .join(wc, wc.c.work_center_id == wo.c.work_center_id)
        .outerjoin(machine, machine.c.work_order_id == wo.c.work_order_id)
        .where(*completed)
        .subquery("orders")
    )
    return (sa.select(orders.c.period, orders.c.plant_id, orders.c.is_posted, sa.func.sum(orders.c.cost_amount).label("cost_amount"))
            .group_by(orders.c.period, orders.c.plant_id, orders.c.is_posted))


def load_overhead_coverage(engine: Engine, scope: Scope, use_facts: bool | None = None) -> pd.DataFrame:
    """Overhead of the work orders completed in the scope: one row per completion month x plant x
    ``is_posted`` with ``cost_amount`` (the sum over orders of machine hours x absorption rate,
    each rounded to cents)."""
    if _use_facts(engine, use_facts):
        from data_loaders import facts_wip

        return read_frame(engine, facts_wip.select_overhead_coverage(scope))
    return read_frame(engine, select_overhead_coverage(scope))


def load_lineage_options(engine: Engine, use_facts: bool | None = None, plants: tuple[str, ...] = ()) -> dict[str, pd.DataFrame]:
    """Pickers for the voucher search: accounts and cost centers (trees), products, voucher types
    (from the WIP facts' months x types when fresh: no scan of every voucher). ``plants`` (a
    user's limit) keeps the cost centers of those plants and those of no plant (shared ones)."""
    cc = s.cost_centers
    mine = [sa.or_(cc.c.plant_id.is_(None), cc.c.plant_id.in_(plants))] if plants else []
    if _use_facts(engine, use_facts):
        from data_loaders import facts_wip

        types = facts_wip.load_voucher_types(engine)
    else:
        types = read_frame(engine, sa.select(s.vouchers.c.voucher_type).distinct().order_by(s.vouchers.c.voucher_type))
    with connected(engine) as conn:
        return {
            "accounts": read_frame(conn, sa.select(s.accounts.c.account_code, s.accounts.c.account_name, s.accounts.c.account_name_en,
                                                   s.accounts.c.parent_code).order_by(s.accounts.c.account_code)),
            "cost_centers": read_frame(conn, sa.select(cc.c.cost_center_id, cc.c.cost_center_name, cc.c.parent_id)
                                       .where(*mine).order_by(cc.c.cost_center_id)),
            "products": read_frame(conn, sa.select(s.products.c.product_id, s.products.c.product_name).order_by(s.products.c.product_id)),
            "voucher_types": types,
        }
