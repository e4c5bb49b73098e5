"""Work-order WIP and reconciliation facts: the ledger's WIP per work order beside what
operations recorded, and the findings the reconciliation page lists, derived in SQL when the
data changes so that a page reads hundreds of thousands of small rows (or a summary of them)
instead of joining ten million voucher lines with every document on each view.

Tables (grain, identities and the base rows each row depends on: docs/DATA_MODEL.md,
"Fact tables: work-order WIP"):

* ``facts_wip_orders``: one row per work order, ``period`` = the month of its planned start
  (the scope rule of the WIP tie). Operations' material (net of returns), labor and machine
  seconds, the ledger's WIP charged and relieved per component, the overhead its machine time
  absorbs, the tie's sums (``operations_amount``, ``ledger_wip_amount``, ``difference_amount``)
  and whether a completion and an overhead voucher line name it.
* ``facts_wip_posting``: operational material and labor cost per document month x plant x
  product x component, split into posted (a voucher line names the document) and not.
* ``facts_wip_unposted``: one row per business document (material move, labor log, sales
  invoice, customer receipt, supplier invoice or payment) that no voucher line names.
* ``facts_wip_missing_sources``: one row per voucher line whose source document does not exist.
* ``facts_wip_unsourced_lines``: one row per line on a WIP, cost of sales or variance account
  with no source document, with its voucher's date, type and description.
* ``facts_wip_voucher_periods``: per voucher period x type, the vouchers and those without a
  line in their own period (the voucher search's count needs no join when there are none).

No table has a primary key: a company database may hold duplicate keys (``cli.py validate``
reports them), and the facts must then hold what the base tables hold, not fail.

Readers use these tables only when ``facts.ready``; the loaders in ``data_loaders.queries`` and
``data_loaders.lineage`` fall back to the base tables otherwise, with the same results.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import BigInteger, Date, DateTime, Index, Integer, Numeric, String
from sqlalchemy.engine import Engine

from data_loaders import queries as q
from data_loaders import schema as s
from data_loaders.engine import connected, read_frame
from data_loaders.facts import METADATA
from data_loaders.scope import Scope, month_add
from data_loaders.sqlfuncs import period_of

# money is wider than the contract's NUMERIC(18, 2): a sum of amounts may pass 10^16, and
# values read back through float64 (as every reader gets them) must never fail to fit
MONEY, QTY, HOURS, RATE = Numeric(38, 2), Numeric(18, 3), Numeric(18, 4), Numeric(18, 2)
ID, PERIOD = String(32), String(7)
SUPPLIER_DOCUMENTS = ("supplier_invoice", "supplier_payment")  # no product: the family filter passes them


facts_wip_orders = sa.Table(
    "facts_wip_orders", METADATA,
    sa.Column("work_order_id", ID, nullable=False),
    sa.Column("period", PERIOD, nullable=False),
    sa.Column("plant_id", ID, nullable=False),
    sa.Column("product_id", ID, nullable=False),
    sa.Column("status", String(16), nullable=False),
    sa.Column("completed_qty", QTY),
    sa.Column("planned_start_date", Date, nullable=False),
    sa.Column("actual_end_at", DateTime),
    sa.Column("end_period", PERIOD),
    sa.Column("absorption_rate_per_h", RATE),
    sa.Column("material_amount", MONEY),
    sa.Column("labor_amount", MONEY),
    sa.Column("labor_h", HOURS),
    sa.Column("machine_s", BigInteger),
    *[sa.Column(name, MONEY) for name in q.WIP_LEDGER_COLUMNS],
    sa.Column("is_completion_posted", Integer),
    sa.Column("is_overhead_posted", Integer),
    sa.Column("overhead_absorbed_amount", MONEY),
    sa.Column("operations_amount", MONEY),
    sa.Column("ledger_wip_amount", MONEY),
    sa.Column("ledger_relieved_amount", MONEY),
    sa.Column("difference_amount", MONEY),
)
Index("ix_facts_wip_orders_period", facts_wip_orders.c.period, facts_wip_orders.c.plant_id)
Index("ix_facts_wip_orders_end", facts_wip_orders.c.end_period, facts_wip_orders.c.plant_id)

facts_wip_posting = sa.Table(
    "facts_wip_posting", METADATA,
    sa.Column("period", PERIOD, nullable=False),
    sa.Column("plant_id", ID),
    sa.Column("product_id", ID),
    sa.Column("component", String(10), nullable=False),
    sa.Column("is_posted", Integer, nullable=False),
    sa.Column("n_documents", Integer),
    sa.Column("cost_amount", MONEY),
)
Index("ix_facts_wip_posting_period", facts_wip_posting.c.period)

facts_wip_unposted = sa.Table(
    "facts_wip_unposted", METADATA,
    sa.Column("period", PERIOD, nullable=False),
    sa.Column("source_doc_type", String(24), nullable=False),
    sa.Column("document_id", ID, nullable=False),
    sa.Column("document_date", Date),
    sa.Column("plant_id", ID),
    sa.Column("product_id", ID),
    sa.Column("work_order_id", ID),
    sa.Column("document_amount", MONEY),
)
Index("ix_facts_wip_unposted_period", facts_wip_unposted.c.period)

facts_wip_missing_sources = sa.Table(
    "facts_wip_missing_sources", METADATA,
    sa.Column("period", PERIOD, nullable=False),
    sa.Column("voucher_no", ID, nullable=False),
    sa.Column("line_no", Integer, nullable=False),
    sa.Column("account_code", String(20)),
    sa.Column("plant_id", ID),
    sa.Column("debit_amount", MONEY),
    sa.Column("credit_amount", MONEY),
    sa.Column("source_doc_type", String(24)),
    sa.Column("source_doc_id", ID),
)
Index("ix_facts_wip_missing_sources_period", facts_wip_missing_sources.c.period)

facts_wip_unsourced_lines = sa.Table(
    "facts_wip_unsourced_lines", METADATA,
    sa.Column("period", PERIOD, nullable=False),
    *[sa.Column(c.name, MONEY if c.name.endswith("_amount") else c.type, nullable=c.nullable)
      for c in s.voucher_lines.columns if c.name != "period"],
    sa.Column("voucher_date", Date),
    sa.Column("voucher_type", String(4)),
    sa.Column("description", String(200)),
)
Index("ix_facts_wip_unsourced_lines_period", facts_wip_unsourced_lines.c.period)

facts_wip_voucher_periods = sa.Table(
    "facts_wip_voucher_periods", METADATA,
    sa.Column("period", PERIOD, primary_key=True),
    sa.Column("voucher_type", String(4), primary_key=True),
    sa.Column("n_vouchers", Integer),
    sa.Column("n_without_own_lines", Integer),
    sa.Column("first_voucher_date", Date),
    sa.Column("last_voucher_date", Date),
)

TABLES = (facts_wip_orders, facts_wip_posting, facts_wip_unposted, facts_wip_missing_sources, facts_wip_unsourced_lines,
          facts_wip_voucher_periods)


# --------------------------------------------------------------------------- derivation
def _runs(periods: list[str] | None) -> list[Scope]:
    """Scopes covering ``periods`` (runs of consecutive months); one open scope for None."""
    if periods is None:
        return [Scope()]
    runs: list[list[str]] = []
    for period in sorted(set(periods)):
        if runs and month_add(runs[-1][-1], 1) == period:
            runs[-1].append(period)
        else:
            runs.append([period])
    return [Scope(run[0], run[-1]) for run in runs]


def select_order_rows(scope: Scope) -> sa.Select:
    """``facts_wip_orders``' rows: the WIP tie's statement for the orders planned to start in
    ``scope``, with the months of their planned start and of their end."""
    wo = s.work_orders
    sub = q.select_work_order_cost_facts(q.date_conditions(wo.c.planned_start_date, scope)).subquery("orders")
    return sa.select(*sub.c, period_of(sub.c.planned_start_date).label("period"), period_of(sub.c.actual_end_at).label("end_period"))


def select_document_rows(scope: Scope) -> tuple[list[sa.Select], list[sa.Select]]:
    """(posting, unposted) selects of the documents dated in ``scope``: material moves and labor
    logs summed per month x plant x product x posted; every document type's unposted documents
    listed, one row per document row (a document id stored twice, a duplicate key, is listed twice)."""
    from data_loaders import lineage

    posting, unposted = [], []
    for source_type, stmt in lineage.document_selects(scope):
        sub = stmt.subquery("documents")
        unposted.append(sa.select(period_of(sub.c.document_date).label("period"),
                                  sa.literal(source_type, String(24)).label("source_doc_type"), sub.c.document_id,
                                  sub.c.document_date, sub.c.plant_id, sub.c.product_id, sub.c.work_order_id,
                                  sub.c.document_amount).where(sub.c.is_posted == 0))
        if source_type not in lineage.COMPONENT_OF:
            continue
        # the keys are computed in a subquery and grouped by name: PostgreSQL and MariaDB refuse
        # a GROUP BY expression whose bound parameters differ from the SELECT's
        keyed = sa.select(period_of(sub.c.document_date).label("period"), sub.c.plant_id, sub.c.product_id, sub.c.is_posted,
                          sub.c.document_amount).subquery("keyed")
        keys = [keyed.c.period, keyed.c.plant_id, keyed.c.product_id, keyed.c.is_posted]
        summed = sa.select(*keys, sa.func.count().label("n_documents"),
                           sa.func.sum(keyed.c.document_amount).label("cost_amount")).group_by(*keys).subquery("summed")
        posting.append(sa.select(*summed.c, sa.literal(lineage.COMPONENT_OF[source_type], String(10)).label("component")))
    return posting, unposted


def select_missing_source_rows(scope: Scope) -> list[sa.Select]:
    """The rows of ``lineage.select_lines_with_missing_source``, one select per document table,
    each line outer-joined to its document and kept where none was found (``LEFT JOIN … IS
    NULL``) instead of ``NOT EXISTS``: the same lines (a document id stored twice matches twice,
    and only lines that matched none are kept), in half DuckDB's CPU at ten million lines
    (docs/PERFORMANCE.md, "h-build2 (session 16)")."""
    from data_loaders import lineage

    vl = s.voucher_lines
    out = []
    documents = dict.fromkeys(table.c[key] for table, key, _ in s.SOURCE_DOCUMENTS.values())  # work orders once: two types name them
    for document in documents:
        types = [t for t, (table, key, _) in s.SOURCE_DOCUMENTS.items() if table.c[key] is document]
        out.append(sa.select(*[vl.c[c] for c in lineage.MISSING_SOURCE_COLUMNS])
                   .select_from(vl.outerjoin(document.table, document == vl.c.source_doc_id))
                   .where(vl.c.source_doc_type.in_(types), document.is_(None), *q.period_conditions(vl.c.period, scope),
                          *q.plant_conditions(vl.c.plant_id, scope)))
    return out


def select_unsourced_line_rows(scope: Scope) -> sa.Select:
    from data_loaders import lineage

    sub = lineage.select_cost_lines_without_source(scope).subquery("lines")
    return sa.select(*[sub.c[c.name] for c in facts_wip_unsourced_lines.columns])


def select_voucher_period_rows(scope: Scope) -> sa.Select:
    v, vl = s.vouchers, s.voucher_lines
    own = sa.exists().where(vl.c.voucher_no == v.c.voucher_no, vl.c.period == v.c.period)
    return (sa.select(v.c.period, v.c.voucher_type, sa.func.count().label("n_vouchers"),
                      sa.func.sum(sa.case((own, 0), else_=1)).label("n_without_own_lines"),
                      sa.func.min(v.c.voucher_date).label("first_voucher_date"), sa.func.max(v.c.voucher_date).label("last_voucher_date"))
            .where(*q.period_conditions(v.c.period, scope))
            .group_by(v.c.period, v.c.voucher_type))


def selects(periods: list[str] | None) -> dict[str, list[sa.Select]]:
    """Every table's rows for ``periods`` (None: all) as selects over the base tables, which
    ``facts.refresh`` inserts inside the database: no row passes through Python (a ledger whose
    lines name missing documents has millions of ``facts_wip_missing_sources`` rows)."""
    out: dict[str, list[sa.Select]] = {t.name: [] for t in TABLES}
    for scope in _runs(periods):
        posting, unposted = select_document_rows(scope)
        out[facts_wip_orders.name].append(select_order_rows(scope))
        out[facts_wip_posting.name].extend(posting)
        out[facts_wip_unposted.name].extend(unposted)
        out[facts_wip_missing_sources.name].extend(select_missing_source_rows(scope))
        out[facts_wip_unsourced_lines.name].append(select_unsourced_line_rows(scope))
        out[facts_wip_voucher_periods.name].append(select_voucher_period_rows(scope))
    return out


def derive(engine: Engine, periods: list[str] | None) -> dict[str, pd.DataFrame]:
    """No frames: every table is derived inside the database (``selects``)."""
    return {}


# --------------------------------------------------------------------------- readers
def _order_conditions(scope: Scope | None) -> list:
    f = facts_wip_orders
    if scope is None:
        return []
    return [*q.period_conditions(f.c.period, scope), *q.plant_conditions(f.c.plant_id, scope),
            *q.product_conditions(f.c.product_id, scope)]


def load_orders(engine: Engine, scope: Scope | None, columns: list[str]) -> pd.DataFrame:
    """``columns`` of the orders planned to start in ``scope`` (all orders when None)."""
    f = facts_wip_orders
    return read_frame(engine, sa.select(*[f.c[c] for c in columns]).where(*_order_conditions(scope)))


def select_tie_candidates(scope: Scope | None, tolerance: float) -> sa.Select:
    """Orders whose ledger WIP may differ from operations by more than ``tolerance``: a superset
    (by far less than a cent) of those ``compute_wip_tie`` finds, which then decides."""
    f = facts_wip_orders
    return (sa.select(*[f.c[c] for c in q.COST_FACT_COLUMNS])
            .where(*_order_conditions(scope), sa.func.abs(f.c.difference_amount) > tolerance - 1e-6))


def load_tie_counts(engine: Engine, scope: Scope | None) -> int:
    """How many orders the tie covers in ``scope``."""
    f = facts_wip_orders
    with connected(engine) as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(f).where(*_order_conditions(scope))).scalar() or 0)


def _completed_in(scope: Scope) -> list:
    f = facts_wip_orders
    return [f.c.status.in_(("completed", "closed")), f.c.end_period.is_not(None), *q.period_conditions(f.c.end_period, scope),
            *q.plant_conditions(f.c.plant_id, scope), *q.product_conditions(f.c.product_id, scope)]


def select_overhead_coverage(scope: Scope) -> sa.Select:
    """Overhead absorbed by the orders completed in ``scope`` per completion month x plant x
    posted, as ``lineage.select_overhead_coverage`` sums it from the base tables."""
    f = facts_wip_orders
    return (sa.select(f.c.end_period.label("period"), f.c.plant_id, f.c.is_overhead_posted.label("is_posted"),
                      sa.func.sum(f.c.overhead_absorbed_amount).label("cost_amount"))
            .where(*_completed_in(scope)).group_by(f.c.end_period, f.c.plant_id, f.c.is_overhead_posted))


def select_completed_without_completion(scope: Scope) -> sa.Select:
    f, p = facts_wip_orders, s.products
    return (sa.select(f.c.work_order_id, f.c.plant_id, f.c.product_id, p.c.product_name, f.c.completed_qty, f.c.actual_end_at)
            .join(p, p.c.product_id == f.c.product_id)
            .where(*_completed_in(scope), f.c.is_completion_posted == 0)
            .order_by(f.c.actual_end_at))


def select_posting(scope: Scope) -> sa.Select:
    f = facts_wip_posting
    return (sa.select(f.c.period, f.c.plant_id, f.c.is_posted, f.c.component, sa.func.sum(f.c.cost_amount).label("cost_amount"))
            .where(*q.period_conditions(f.c.period, scope), *q.plant_conditions(f.c.plant_id, scope),
                   *q.product_conditions(f.c.product_id, scope))
            .group_by(f.c.period, f.c.plant_id, f.c.is_posted, f.c.component))


def select_unposted(scope: Scope) -> sa.Select:
    f = facts_wip_unposted
    families = q.product_conditions(f.c.product_id, scope)
    if families:
        families = [sa.or_(f.c.source_doc_type.in_(SUPPLIER_DOCUMENTS), *families)]
    return (sa.select(f.c.source_doc_type, f.c.document_id, f.c.document_date, f.c.plant_id, f.c.work_order_id, f.c.document_amount)
            .where(*q.period_conditions(f.c.period, scope), *q.plant_conditions(f.c.plant_id, scope), *families))


def select_missing_sources(scope: Scope) -> sa.Select:
    f = facts_wip_missing_sources
    return (sa.select(f.c.voucher_no, f.c.line_no, f.c.period, f.c.account_code, f.c.plant_id, f.c.debit_amount,
                      f.c.credit_amount, f.c.source_doc_type, f.c.source_doc_id)
            .where(*q.period_conditions(f.c.period, scope), *q.plant_conditions(f.c.plant_id, scope))
            .order_by(f.c.voucher_no, f.c.line_no))


def select_unsourced_lines(scope: Scope) -> sa.Select:
    """``lineage.load_cost_lines_without_source``'s select over the facts (names joined at read)."""
    f, acc, cc = facts_wip_unsourced_lines, s.accounts, s.cost_centers
    line_columns = [f.c[c.name] for c in s.voucher_lines.columns]
    return (sa.select(*line_columns, acc.c.account_name, acc.c.account_name_en, acc.c.category, cc.c.cost_center_name,
                      acc.c.account_code.label("_account"), f.c.voucher_date, f.c.voucher_type, f.c.description)
            .select_from(f.join(acc, acc.c.account_code == f.c.account_code).outerjoin(cc, cc.c.cost_center_id == f.c.cost_center_id))
            .where(*q.period_conditions(f.c.period, scope), *q.plant_conditions(f.c.plant_id, scope))
            .order_by(f.c.voucher_no, f.c.line_no))


def load_voucher_types(engine: Engine) -> pd.DataFrame:
    """The voucher types present, in order (``voucher_type``)."""
    f = facts_wip_voucher_periods
    return read_frame(engine, sa.select(f.c.voucher_type).distinct().order_by(f.c.voucher_type))


def load_voucher_periods(engine: Engine, scope: Scope, voucher_types: tuple[str, ...] = ()) -> pd.DataFrame:
    """The months x types of the scope (and ``voucher_types``): vouchers, those without a line in
    their own month, first and last voucher date."""
    f = facts_wip_voucher_periods
    stmt = sa.select(f).where(*q.period_conditions(f.c.period, scope))
    if voucher_types:
        stmt = stmt.where(f.c.voucher_type.in_(voucher_types))
    return read_frame(engine, stmt)


def load_vouchers_without_own_lines(engine: Engine, scope: Scope, voucher_types: tuple[str, ...] = ()) -> int:
    """How many vouchers of the scope's months (and ``voucher_types``) have no line in their own
    month: when none, every voucher of the scope has a line in it."""
    f = facts_wip_voucher_periods
    stmt = sa.select(sa.func.coalesce(sa.func.sum(f.c.n_without_own_lines), 0)).where(*q.period_conditions(f.c.period, scope))
    if voucher_types:
        stmt = stmt.where(f.c.voucher_type.in_(voucher_types))
    with connected(engine) as conn:
        return int(conn.execute(stmt).scalar() or 0)
