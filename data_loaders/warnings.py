"""Queries the early warnings need beyond the other pages' loaders (docs/WARNINGS.md).

* ``load_unbalanced_vouchers``: vouchers of a scope (months, plants) that do not balance;
* ``load_material_needs``: per work order x BOM material, the first issue and the plant's
  earliest open purchase order (late materials);
* ``load_voucher_features`` and ``load_work_order_features``: the anomaly models' rows, summed
  in SQL to one row per voucher x account and one row per completed work order, so that the
  models read a few hundred thousand rows at ten million voucher lines.

Every query is SQLAlchemy Core over the contract's tables and runs on DuckDB, SQLite,
PostgreSQL and MariaDB. Scopes narrow by months and plants (a user's plant limit) in SQL.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_loaders import facts_materials as FM
from data_loaders import schema as s
from data_loaders.engine import read_frame
from data_loaders.facts_ledger import facts_ledger_unbalanced, select_unbalanced
from data_loaders.queries import (
    date_conditions,
    month_after,
    month_start,
    period_conditions,
    plant_conditions,
    product_conditions,
    use_ledger_facts,
)
from data_loaders.scope import Scope, month_add
from data_loaders.sqlfuncs import seconds_between


def _months(scope: Scope) -> list[str] | None:
    if not (scope.period_from and scope.period_to):
        return None
    out, p = [], scope.period_from
    while p <= scope.period_to:
        out.append(p)
        p = month_add(p, 1)
    return out


def load_unbalanced_vouchers(engine: Engine, scope: Scope, use_facts: bool | None = None) -> pd.DataFrame:
    """One row per voucher of the scope whose debits and credits differ by more than half a
    cent: voucher_no, plant_id (the voucher's), period (its lines' earliest), debit_amount,
    credit_amount. From ``facts_ledger_unbalanced`` when the ledger facts are fresh."""
    v = s.vouchers
    if use_ledger_facts(engine, use_facts):
        u = facts_ledger_unbalanced
        base = sa.select(u.c.period, u.c.voucher_no, u.c.debit_amount, u.c.credit_amount).where(
            *period_conditions(u.c.period, scope)).subquery()
    else:
        base = select_unbalanced(_months(scope)).subquery()
    stmt = (sa.select(base.c.voucher_no, v.c.plant_id, base.c.period, base.c.debit_amount, base.c.credit_amount)
            .join(v, v.c.voucher_no == base.c.voucher_no)
            .where(*period_conditions(base.c.period, scope), *plant_conditions(v.c.plant_id, scope))
            .order_by(base.c.voucher_no))
    out = read_frame(engine, stmt)
    out[["debit_amount", "credit_amount"]] = out[["debit_amount", "credit_amount"]].astype(float)
    return out


def _timestamp(engine: Engine, column):
    """A date column as ``seconds_between`` reads it on ``engine``: PostgreSQL subtracts dates to
    whole days, so it gets timestamps; SQLite would turn a CAST to DATETIME into a number, and the
    other databases take dates as they are."""
    return sa.cast(column, sa.DateTime) if engine.dialect.name == "postgresql" else column


def load_material_needs(engine: Engine, scope: Scope, late_only: bool = False, late_days: int = 0,
                        use_facts: bool | None = None) -> pd.DataFrame:
    """One row per work order planned to start in the scope (not cancelled; its plants and
    families) x material on its product's BOM: work_order_id, plant_id, status,
    planned_start_date, actual_start_at, material_id, material_name, first_issue_date (None
    when never issued), issued_amount (its issues' value), po_expected_date and po_amount (the
    plant's earliest open purchase order of the material, None when there is none).

    ``late_only``: only the rows that can be late (``compute_late_material_warnings``), a
    superset decided in SQL: the first issue more than ``late_days`` days after the planned start
    (the rule's ``late_material_days``; 0: any day after), or none yet, the order not started
    (planned or released) and the purchase order expected after the planned start. A year at
    13 M lines has ~1 M work order x material rows, ~340 k of them first issued a day or two
    after the start and none of them late: comparing with the rule's days in SQL reads none of
    them (0.35 M rows cost ~1 CPU s to read), and only the issues of the pairs that can be late
    are grouped (12 months at L: 0.65 -> 0.38 CPU s). With ``late_only`` and the material facts
    fresh (``use_facts`` None: ``facts.ready``), the same rows from ``facts_order_material_issues``
    (``_material_needs_from_facts``)."""
    if late_only and use_ledger_facts(engine, use_facts, family="facts_materials"):
        return _material_needs_from_facts(engine, scope, late_days)
    wo, b, m, mi = s.work_orders, s.bom, s.materials, s.material_issues
    in_scope = [*date_conditions(wo.c.planned_start_date, scope), *plant_conditions(wo.c.plant_id, scope)]
    late_gap = (seconds_between(_timestamp(engine, wo.c.planned_start_date), _timestamp(engine, mi.c.issue_date))
                > int(late_days) * 86400)
    not_started = sa.and_(wo.c.actual_start_at.is_(None), wo.c.status.in_(("planned", "released")))
    issues = sa.select(mi.c.work_order_id, mi.c.material_id, sa.func.min(mi.c.issue_date).label("first_issue_date"),
                       sa.func.sum(sa.func.round(mi.c.qty * mi.c.unit_cost, 2)).label("issued_amount"))
    if late_only:
        # first issues only of the pairs that can be late (~7 % of the issues' groups at L, half
        # the query's CPU): a pair with an issue more than late_days after the start (all of a
        # late pair's issues are), and every issued pair of an order not started (the expected-late
        # test needs to know they had one). Any other pair is neither: its first issue is on time
        # and its order has started.
        def pairs(*conds):
            return (sa.select(mi.c.work_order_id, mi.c.material_id).join(wo, wo.c.work_order_id == mi.c.work_order_id)
                    .where(mi.c.issue_type == "issue", *in_scope, *conds))

        can = sa.union(pairs(late_gap), pairs(not_started)).subquery()
        issues = issues.join(can, (can.c.work_order_id == mi.c.work_order_id) & (can.c.material_id == mi.c.material_id))
        issues = issues.where(mi.c.issue_type == "issue")
    else:
        issues = issues.where(mi.c.issue_type == "issue", mi.c.work_order_id.in_(sa.select(wo.c.work_order_id).where(*in_scope)))
    issues = issues.group_by(mi.c.work_order_id, mi.c.material_id).subquery()
    first_po, po_value = _open_purchase_orders(scope)
    stmt = (
        sa.select(*_need_columns(issues.c.first_issue_date, issues.c.issued_amount, first_po, po_value))
        .join(b, b.c.product_id == wo.c.product_id)
        .join(m, m.c.material_id == b.c.material_id)
        .outerjoin(issues, (issues.c.work_order_id == wo.c.work_order_id) & (issues.c.material_id == b.c.material_id))
        .outerjoin(first_po, (first_po.c.plant_id == wo.c.plant_id) & (first_po.c.material_id == b.c.material_id))
        .outerjoin(po_value, _po_value_of(po_value, first_po))
        .where(*_orders_in(scope))
        .order_by(wo.c.work_order_id, b.c.material_id)
    )
    if late_only:
        stmt = stmt.where(sa.or_(
            seconds_between(_timestamp(engine, wo.c.planned_start_date), _timestamp(engine, issues.c.first_issue_date))
            > int(late_days) * 86400,
            sa.and_(issues.c.first_issue_date.is_(None), wo.c.actual_start_at.is_(None), wo.c.status.in_(("planned", "released")),
                    first_po.c.po_expected_date > wo.c.planned_start_date)))
    return _needs_frame(read_frame(engine, stmt))


def _needs_frame(out: pd.DataFrame) -> pd.DataFrame:
    for c in ("issued_amount", "po_amount"):
        out[c] = out[c].astype(float)
    return out


def _open_purchase_orders(scope: Scope):
    """(each plant x material's earliest expected date of its open purchase orders, the value of
    its open orders per expected date) of the scope's plants, as subqueries."""
    po = s.purchase_orders
    first_po = (sa.select(po.c.plant_id, po.c.material_id, sa.func.min(po.c.expected_date).label("po_expected_date"))
                .where(po.c.status == "open", po.c.material_id.is_not(None), *plant_conditions(po.c.plant_id, scope))
                .group_by(po.c.plant_id, po.c.material_id).subquery())
    po_value = (sa.select(po.c.plant_id, po.c.material_id, po.c.expected_date,
                          sa.func.sum(sa.func.round(po.c.qty * po.c.unit_price, 2)).label("po_amount"))
                .where(po.c.status == "open", po.c.material_id.is_not(None), *plant_conditions(po.c.plant_id, scope))
                .group_by(po.c.plant_id, po.c.material_id, po.c.expected_date).subquery())
    return first_po, po_value


def _po_value_of(po_value, first_po):
    return ((po_value.c.plant_id == first_po.c.plant_id) & (po_value.c.material_id == first_po.c.material_id)
            & (po_value.c.expected_date == first_po.c.po_expected_date))


def _need_columns(first_issue_date, issued_amount, first_po, po_value) -> list:
    """``load_material_needs``' columns, in its order."""
    wo, b, m = s.work_orders, s.bom, s.materials
    return [wo.c.work_order_id, wo.c.plant_id, wo.c.status, wo.c.planned_start_date, wo.c.actual_start_at, b.c.material_id,
            m.c.material_name, first_issue_date.label("first_issue_date"), issued_amount.label("issued_amount"),
            first_po.c.po_expected_date, po_value.c.po_amount]


def _orders_in(scope: Scope) -> list:
    """The work orders a material need is of: planned to start in the scope, not cancelled, its
    plants and families."""
    wo = s.work_orders
    return [wo.c.status != "cancelled", *date_conditions(wo.c.planned_start_date, scope), *plant_conditions(wo.c.plant_id, scope),
            *product_conditions(wo.c.product_id, scope)]


def _material_needs_from_facts(engine: Engine, scope: Scope, late_days: int) -> pd.DataFrame:
    """``load_material_needs(…, late_only=True)`` from the material facts
    (``facts_order_material_issues``): the pairs first issued more than ``late_days`` days after
    the planned start (the facts of the scope's months, then their orders: both are dates, so
    whole days compare as the seconds do), and the BOM
    materials never issued to an order not started whose plant's earliest open purchase order
    is expected after the start. The same rows, in the same order."""
    wo, b, m = s.work_orders, s.bom, s.materials
    f = FM.order_material_issues
    first_po, po_value = _open_purchase_orders(scope)
    is_late = [*period_conditions(f.c.period, scope), f.c.issue_lag_days > int(late_days)]
    late = (sa.select(*_need_columns(f.c.first_issue_date, f.c.issued_amount, first_po, po_value))
            .select_from(f)
            .join(wo, wo.c.work_order_id == f.c.work_order_id)
            .join(b, (b.c.product_id == wo.c.product_id) & (b.c.material_id == f.c.material_id))
            .join(m, m.c.material_id == b.c.material_id)
            .outerjoin(first_po, (first_po.c.plant_id == wo.c.plant_id) & (first_po.c.material_id == b.c.material_id))
            .outerjoin(po_value, _po_value_of(po_value, first_po))
            .where(*is_late, *_orders_in(scope)))
    waiting = (sa.select(*_need_columns(sa.cast(sa.null(), f.c.first_issue_date.type), sa.cast(sa.null(), f.c.issued_amount.type),
                                        first_po, po_value))
               .join(b, b.c.product_id == wo.c.product_id)
               .join(m, m.c.material_id == b.c.material_id)
               .outerjoin(f, (f.c.work_order_id == wo.c.work_order_id) & (f.c.material_id == b.c.material_id))
               .join(first_po, (first_po.c.plant_id == wo.c.plant_id) & (first_po.c.material_id == b.c.material_id))
               .outerjoin(po_value, _po_value_of(po_value, first_po))
               .where(f.c.work_order_id.is_(None), wo.c.actual_start_at.is_(None), wo.c.status.in_(("planned", "released")),
                      first_po.c.po_expected_date > wo.c.planned_start_date, *_orders_in(scope)))
    both = (sa.union_all(late, waiting) if _any_late(engine, is_late) else waiting).subquery()
    return _needs_frame(read_frame(engine, sa.select(both).order_by(both.c.work_order_id, both.c.material_id)))


def _any_late(engine: Engine, is_late: list) -> bool:
    """Whether a fact row of ``is_late`` (the scope's months, issued late) exists, from the facts
    alone (a filter the scan applies: 0.4 ms at L, where none is). Joined to the orders, DuckDB
    reads and hashes the scope's orders even when no fact row is late (0.03 CPU s for twelve
    months at L): without one, the late half of the query is left out (no row either way)."""
    f = FM.order_material_issues
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.literal(1)).select_from(f).where(*is_late).limit(1)).first() is not None


def load_voucher_features(engine: Engine, scope: Scope, voucher_types: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One row per voucher x account of the scope's months and plants (the voucher's plant):
    voucher_no, voucher_date, voucher_type, plant_id, account_code, amount (debits + credits on
    the account), n_lines and n_unsourced (lines with no source document). ``voucher_types``:
    only vouchers of these types (the history of the types rare in a scope). In no particular
    order: ``analytics.anomaly`` sorts them on integer codes, cheaper than sorting half a million
    text keys in SQL."""
    vl, v = s.voucher_lines, s.vouchers
    unsourced = sa.case((vl.c.source_doc_type.is_(None), 1), else_=0)
    only = []
    if voucher_types is not None:
        only = [vl.c.voucher_no.in_(sa.select(v.c.voucher_no).where(v.c.voucher_type.in_(voucher_types),
                                                                   *period_conditions(v.c.period, scope)))]
    lines = (sa.select(vl.c.voucher_no, vl.c.account_code, sa.func.sum(vl.c.debit_amount + vl.c.credit_amount).label("amount"),
                       sa.func.count().label("n_lines"), sa.func.sum(unsourced).label("n_unsourced"))
             .where(*period_conditions(vl.c.period, scope), *only)
             .group_by(vl.c.voucher_no, vl.c.account_code).subquery())
    stmt = (sa.select(lines.c.voucher_no, v.c.voucher_date, v.c.voucher_type, v.c.plant_id, lines.c.account_code, lines.c.amount,
                      lines.c.n_lines, lines.c.n_unsourced)
            .join(v, v.c.voucher_no == lines.c.voucher_no)
            .where(*plant_conditions(v.c.plant_id, scope)))
    out = read_frame(engine, stmt)
    out["amount"] = out.amount.astype(float)
    out[["n_lines", "n_unsourced"]] = out[["n_lines", "n_unsourced"]].astype("int64")
    return out


def load_work_order_features(engine: Engine, scope: Scope, history_months: int = 12) -> pd.DataFrame:
    """One row per work order completed (completed or closed, by ``actual_end_at``) in the
    ``history_months`` to the scope's last month, of its plants and families: work_order_id,
    plant_id, product_id, work_center_id, period (completion month), planned_qty,
    completed_qty, scrap_qty, material_amount (issues − returns), labor_amount, labor_h."""
    wo, mi, lb = s.work_orders, s.material_issues, s.labor_logs
    last = scope.period_to or dt.date.today().strftime("%Y-%m")
    window = Scope(month_add(last, -(history_months - 1)), last, scope.plants, scope.families)
    conditions = [wo.c.status.in_(("completed", "closed")), wo.c.actual_end_at >= month_start(window.period_from),
                  wo.c.actual_end_at < month_after(window.period_to), *plant_conditions(wo.c.plant_id, window),
                  *product_conditions(wo.c.product_id, window)]
    orders = sa.select(wo.c.work_order_id).where(*conditions)
    sign = sa.case((mi.c.issue_type == "return", -1), else_=1)
    material = (sa.select(mi.c.work_order_id, sa.func.sum(sign * sa.func.round(mi.c.qty * mi.c.unit_cost, 2)).label("material_amount"))
                .where(mi.c.work_order_id.in_(orders)).group_by(mi.c.work_order_id).subquery())
    labor = (sa.select(lb.c.work_order_id, sa.func.sum(sa.func.round(lb.c.hours * lb.c.rate_per_h, 2)).label("labor_amount"),
                       sa.func.sum(lb.c.hours).label("labor_h"))
             .where(lb.c.work_order_id.in_(orders)).group_by(lb.c.work_order_id).subquery())
    stmt = (sa.select(wo.c.work_order_id, wo.c.plant_id, wo.c.product_id, wo.c.work_center_id, wo.c.actual_end_at, wo.c.planned_qty,
                      wo.c.completed_qty, wo.c.scrap_qty, material.c.material_amount, labor.c.labor_amount, labor.c.labor_h)
            .outerjoin(material, material.c.work_order_id == wo.c.work_order_id)
            .outerjoin(labor, labor.c.work_order_id == wo.c.work_order_id)
            .where(*conditions).order_by(wo.c.work_order_id))
    out = read_frame(engine, stmt)
    out["period"] = pd.to_datetime(out.actual_end_at).dt.strftime("%Y-%m")
    num = ["planned_qty", "completed_qty", "scrap_qty", "material_amount", "labor_amount", "labor_h"]
    out[num] = out[num].astype(float).fillna(0.0)
    return out.drop(columns="actual_end_at")
