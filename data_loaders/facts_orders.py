"""Work-order facts for the profitability page: one row per completed work order with its cost,
standard, variances and OEE loss cost, derived when the data changes, so that a view sums
thousands of rows instead of running the costing and the machine-event pipeline again.

Tables (grain and identities: docs/DATA_MODEL.md, "Fact tables: work orders"):

* ``facts_orders``: one row per work order completed (status completed or closed) in
  ``period`` = the month of its ``actual_end_at``, the month the report attributes it to. Its
  product, plant, work center, quantities, the inputs of its variances and the eight variances
  as ``analytics.profitability.compute_work_order_variances`` computes them; actual and
  standard cost by component; its OEE loss cost (``analytics.oee.compute_work_order_loss_cost``
  over all its machine events and output) and the first and last month that loss touches.
* ``facts_order_groups``: those rows summed per period x product x plant x work center: what
  every summary of the report reads (a few hundred rows for a year).
* ``facts_order_loss_parts``: for the few orders whose events or output fall outside their
  completion month (or on another plant's work center), the inputs of that loss cost per work
  center x month (``loss_period``), so that a scope that cuts the order gets the same loss
  cost as the report computed from the events of its window.
* ``facts_order_materials``: per completion period x plant x product x supplier x material,
  the quantity and actual amount used by completed orders and its standard amount (each
  order x material rounded to cents once), for the material price variance on usage.
* ``facts_order_sales``: invoiced quantity and money per period x product x customer x plant.
* ``facts_order_overhead``: the ledger's overhead incurred and applied per period x plant x
  category x cost behavior. These two are grouped sums of base tables, derived by the database
  itself (``selects``: ``INSERT … SELECT``, Spark SQL on a cluster); the others are costed in
  pandas with the report's formulas (``analytics.profitability``).

Every row of an order (its cost, its loss parts) belongs to the order's completion period:
an import that touches any document of an order must refresh that period. Readers use these
tables only when ``facts.ready``; ``load_*`` here return the frames the report's loaders in
``data_loaders.profitability`` return, from the facts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Double, Index, Integer, Numeric, String
from sqlalchemy.engine import Engine

from analytics import overhead as OH
from analytics import profitability as A
from data_loaders import oee as oee_loaders
from data_loaders import profitability as P
from data_loaders import schema as s
from data_loaders.engine import read_frame, read_stacked
from data_loaders.facts import METADATA
from data_loaders.queries import period_conditions, plant_conditions, product_conditions
from data_loaders.scope import Scope, month_add
from data_loaders.sqlfuncs import period_of

MONEY, UNIT_MONEY, QTY = Numeric(18, 2), Numeric(18, 4), Numeric(18, 3)
ID, PERIOD = String(32), String(7)
STATE_MINUTES = A.LOSS_STATE_COLUMNS
# orders per derivation step: bounds the memory of the event pipeline (60 k orders ≈ 4 months at the L scale)
ORDERS_PER_STEP = 60_000


# the per-order columns the report's variances frame has, in its order (compute_work_order_variances)
VARIANCE_COLUMNS = [
    "work_order_id", "product_id", "product_name", "family", "plant_id", "work_center_id", "period", "good_qty", "scrap_qty",
    "std_material_cost", "std_labor_cost", "std_overhead_cost", "std_labor_h_per_unit", "labor_rate_per_h", "absorption_rate_per_h",
    "variable_overhead_rate_per_h", "fixed_overhead_rate_per_h", "material_amount", "labor_amount", "labor_h", "machine_s",
    "posted_variance_amount", *[f"{v}_amount" for v in A.VARIANCES], "std_labor_h", "actual_labor_rate_per_h", "actual_amount",
    "standard_amount", "variance_amount", "variance_pct",
]
# constant within a group (a product's standards, a work center's rates), so they group as keys
GROUP_KEYS = ["period", "product_id", "product_name", "family", "plant_id", "work_center_id", "std_material_cost", "std_labor_cost",
              "std_overhead_cost", "std_labor_h_per_unit", "labor_rate_per_h", "absorption_rate_per_h", "variable_overhead_rate_per_h",
              "fixed_overhead_rate_per_h"]
GROUP_SUMS = ["good_qty", "scrap_qty", "material_amount", "labor_amount", "labor_h", "machine_s", "posted_variance_amount",
              *[f"{v}_amount" for v in A.VARIANCES], "std_labor_h", "actual_amount", "standard_amount", "variance_amount",
              "loss_cost_amount"]
LOSS_COLUMNS = ["time_loss_cost_amount", "scrap_cost_amount", "loss_cost_amount", "loss_period_from", "loss_period_to",
                "is_loss_off_plant"]
# Money, quantities and hours of an order are DOUBLE: they hold exactly the floats the costing
# computed (cents / 100), read back bit for bit and without a decimal cast (a view reads
# 170 k of them); sums over them are rounded to cents where the report rounds.
_TEXT = {"work_order_id", "product_id", "product_name", "family", "plant_id", "work_center_id", "period", "loss_period_from",
         "loss_period_to"}
_TYPES = {"loss_period_from": PERIOD, "loss_period_to": PERIOD, "is_loss_off_plant": Integer()}


def _product_keys() -> list[sa.Column]:
    """Period, product (with its name and family), plant and work center: the keys an order and
    its group share (new Column objects each call: a column belongs to one table)."""
    return [sa.Column("period", PERIOD, nullable=False), sa.Column("product_id", ID, nullable=False),
            sa.Column("product_name", String(100)), sa.Column("family", String(60)),
            sa.Column("plant_id", ID, nullable=False), sa.Column("work_center_id", ID, nullable=False)]


facts_orders = sa.Table(
    "facts_orders", METADATA,
    sa.Column("work_order_id", ID, primary_key=True),
    *_product_keys(),
    sa.Column("planned_qty", Double()),
    *[sa.Column(name, Double()) for name in VARIANCE_COLUMNS[7:]],
    # actual and standard cost by component: overhead applied = actual − material − labor; the
    # standards of good output add up to standard_amount as the completion voucher posts it
    sa.Column("overhead_amount", Double()), sa.Column("std_material_amount", Double()), sa.Column("std_labor_amount", Double()),
    sa.Column("std_overhead_amount", Double()),
    *[sa.Column(name, _TYPES.get(name, Double())) for name in LOSS_COLUMNS],
)
Index("ix_facts_orders_period", facts_orders.c.period, facts_orders.c.plant_id)

facts_order_groups = sa.Table(
    "facts_order_groups", METADATA,
    *_product_keys(),
    *[sa.Column(name, Double()) for name in GROUP_KEYS[6:]],
    sa.Column("n_orders", Integer()),
    *[sa.Column(name, Double()) for name in GROUP_SUMS],
)
Index("ix_facts_order_groups_period", facts_order_groups.c.period)

facts_order_loss_parts = sa.Table(
    "facts_order_loss_parts", METADATA,
    sa.Column("period", PERIOD, nullable=False),
    sa.Column("work_order_id", ID, primary_key=True),
    sa.Column("work_center_id", ID, primary_key=True),
    sa.Column("loss_period", PERIOD, primary_key=True),
    *[sa.Column(name, Double()) for name in STATE_MINUTES],
    sa.Column("n_segments", Integer()),
    sa.Column("product_id", ID),
    sa.Column("good_qty", QTY),
    sa.Column("scrap_qty", QTY),
    sa.Column("ideal_cycle_min", Double()),
    sa.Column("std_unit_cost", UNIT_MONEY),
    sa.Column("n_output", Integer()),
)
Index("ix_facts_order_loss_parts_period", facts_order_loss_parts.c.period)

facts_order_materials = sa.Table(
    "facts_order_materials", METADATA,
    sa.Column("period", PERIOD, nullable=False),
    sa.Column("plant_id", ID, nullable=False),
    sa.Column("product_id", ID, nullable=False),
    sa.Column("supplier_id", ID),
    sa.Column("material_id", ID, nullable=False),
    sa.Column("n_lines", Integer()),
    sa.Column("actual_qty", QTY),
    sa.Column("actual_amount", MONEY),
    sa.Column("standard_amount", MONEY),
    sa.Column("std_price", UNIT_MONEY),
)
Index("ix_facts_order_materials_period", facts_order_materials.c.period)

facts_order_sales = sa.Table(
    "facts_order_sales", METADATA,
    sa.Column("period", PERIOD, nullable=False),
    sa.Column("product_id", ID, nullable=False),
    sa.Column("customer_id", ID, nullable=False),
    sa.Column("plant_id", ID, nullable=False),
    sa.Column("qty", QTY),
    sa.Column("gross_amount", MONEY),
    sa.Column("discount_amount", MONEY),
    sa.Column("revenue_amount", MONEY),
)
Index("ix_facts_order_sales_period", facts_order_sales.c.period)

facts_order_overhead = sa.Table(
    "facts_order_overhead", METADATA,
    sa.Column("period", PERIOD, nullable=False),
    sa.Column("plant_id", ID),
    sa.Column("category", String(20), nullable=False),
    sa.Column("cost_behavior", String(8), nullable=False),
    sa.Column("net_amount", MONEY),
)
Index("ix_facts_order_overhead_period", facts_order_overhead.c.period)

# the overhead variances' inputs per period x plant x work center (``analytics.overhead.compute_overhead_inputs``), as the
# profitability report computes them from the order groups (basis "groups") and the flexible budget from the orders
# ("orders"): every row depends on its own month only (the hours of its work center, the overhead of its plant), so a
# scope of whole plants reads its months' rows instead of computing them (docs/DATA_MODEL.md)
OVERHEAD_BASES = ("groups", "orders")
facts_overhead_inputs = sa.Table(
    "facts_overhead_inputs", METADATA,
    sa.Column("period", PERIOD, nullable=False),
    sa.Column("basis", String(8), nullable=False),
    sa.Column("plant_id", ID),
    sa.Column("work_center_id", ID, nullable=False),
    *[sa.Column(name, Double()) for name in OH.INPUT_COLUMNS],
)
Index("ix_facts_overhead_inputs_period", facts_overhead_inputs.c.period)

# the window loss cost (``analytics.profitability.compute_window_loss``) of an order whose loss months reach past its own
# period, for every window of whole plants that can cut it: window_from / window_to are the first and last loss month the
# window keeps (window_from <= period <= window_to, not both the order's loss_period_from and loss_period_to), beside the
# order's columns that ``load_cut_orders`` reads, so that a scope reads its cut orders and their loss in one statement
CUT_COLUMNS = ["work_order_id", "period", "product_id", "plant_id", "work_center_id", "loss_cost_amount"]
facts_order_window_loss = sa.Table(
    "facts_order_window_loss", METADATA,
    sa.Column("period", PERIOD, nullable=False),
    sa.Column("work_order_id", ID, primary_key=True),
    *[sa.Column(name, ID, nullable=False) for name in CUT_COLUMNS[2:5]],
    sa.Column("loss_cost_amount", Double()),
    *[sa.Column(name, PERIOD, nullable=False) for name in ("loss_period_from", "loss_period_to")],
    *[sa.Column(name, PERIOD, primary_key=True) for name in ("window_from", "window_to")],
    sa.Column("window_loss_cost_amount", Double()),
)
Index("ix_facts_order_window_loss_period", facts_order_window_loss.c.period)

TABLES = (facts_orders, facts_order_groups, facts_order_loss_parts, facts_order_materials, facts_order_sales, facts_order_overhead,
          facts_overhead_inputs, facts_order_window_loss)


# --------------------------------------------------------------------------- derivation
def _order_periods(engine: Engine, periods: list[str] | None) -> pd.DataFrame:
    """Completion periods with their number of completed orders (the given periods only)."""
    wo = s.work_orders
    period = period_of(wo.c.actual_end_at)
    stmt = (sa.select(period.label("period"), sa.func.count().label("n_orders"))
            .where(wo.c.status.in_(P.COMPLETED), wo.c.actual_end_at.is_not(None)).group_by(period))
    got = read_frame(engine, stmt)
    if periods is not None:
        got = got[got.period.isin(periods)]
    return got.sort_values("period").reset_index(drop=True)


def _steps(counts: pd.DataFrame) -> list[Scope]:
    """Runs of consecutive periods holding at most about ``ORDERS_PER_STEP`` orders each."""
    steps: list[list[str]] = []
    total = 0
    for period, n in zip(counts.period, counts.n_orders):
        if steps and month_add(steps[-1][-1], 1) == period and total + n <= ORDERS_PER_STEP:
            steps[-1].append(period)
            total += n
        else:
            steps.append([period])
            total = n
    return [Scope(run[0], run[-1]) for run in steps]


def select_order_costs(scope: Scope) -> sa.Select:
    """``data_loaders.profitability.load_work_order_facts``'s rows for the orders completed in
    ``scope`` in one statement (its base rows left-joined to its per-order sums, the same
    columns in the same order) with the order's planned_qty last: one query instead of five
    and no merges in pandas."""
    ids = P.select_completed(scope)
    base = P.select_work_order_base(ids, "planned_qty").subquery("base")
    joined, sums = base, []
    for i, stmt in enumerate(P.select_work_order_sums(ids)):
        sub = stmt.subquery(f"sums_{i}")
        joined = joined.outerjoin(sub, sub.c.work_order_id == base.c.work_order_id)
        sums += [c for c in sub.c if c.name != "work_order_id"]
    return sa.select(*[c for c in base.c if c.name != "planned_qty"], *sums, base.c.planned_qty).select_from(joined)


def select_order_events(scope: Scope) -> sa.Select:
    """Every machine event of the orders completed in ``scope`` (whatever its date), ordered as
    ``data_loaders.oee.load_events`` orders them, with the columns the loss cost reads."""
    me = s.machine_events
    return (
        sa.select(me.c.work_center_id, me.c.work_order_id, me.c.start_at, me.c.end_at, me.c.state)
        .where(me.c.work_order_id.in_(P.select_completed(scope)))
        .order_by(me.c.work_center_id, me.c.start_at)
    )


def select_order_output(scope: Scope) -> sa.Select:
    """Every output record of the orders completed in ``scope`` with the columns the loss cost
    reads (as ``data_loaders.oee.load_output`` gives them)."""
    oc, wo, r, p = s.output_counts, s.work_orders, s.routings, s.products
    return (
        sa.select(oc.c.output_id, oc.c.work_order_id, oc.c.work_center_id, oc.c.count_date, oc.c.good_qty, oc.c.scrap_qty,
                  wo.c.product_id, *[r.c[c] for c in s.IDEAL_CYCLE_COLUMNS],
                  (p.c.std_material_cost + p.c.std_labor_cost + p.c.std_overhead_cost).label("std_unit_cost"))
        .join(wo, wo.c.work_order_id == oc.c.work_order_id)
        .join(p, p.c.product_id == wo.c.product_id)
        .outerjoin(r, sa.and_(r.c.product_id == wo.c.product_id, r.c.work_center_id == oc.c.work_center_id))
        .where(oc.c.work_order_id.in_(P.select_completed(scope)))
        .order_by(oc.c.output_id)
    )


def select_sales_rows(periods: list[str] | None) -> sa.Select:
    si = s.sales_invoices
    period = period_of(si.c.invoice_date)
    return (
        sa.select(period.label("period"), si.c.product_id, si.c.customer_id, si.c.plant_id, sa.func.sum(si.c.qty).label("qty"),
                  sa.func.sum(si.c.gross_amount).label("gross_amount"), sa.func.sum(si.c.discount_amount).label("discount_amount"),
                  sa.func.sum(si.c.net_amount).label("revenue_amount"))
        .where(period.in_(periods) if periods is not None else sa.true())
        .group_by(period, si.c.product_id, si.c.customer_id, si.c.plant_id)
    )


def select_overhead_rows(periods: list[str] | None) -> sa.Select:
    vl, acc = s.voucher_lines, s.accounts
    behavior = sa.func.coalesce(acc.c.cost_behavior, "fixed")
    return (
        sa.select(vl.c.period, vl.c.plant_id, acc.c.category, behavior.label("cost_behavior"),
                  sa.func.sum(vl.c.debit_amount - vl.c.credit_amount).label("net_amount"))
        .join(acc, acc.c.account_code == vl.c.account_code)
        .where(acc.c.category.in_(("overhead", "overhead_applied")), vl.c.period.in_(periods) if periods is not None else sa.true())
        .group_by(vl.c.period, vl.c.plant_id, acc.c.category, behavior)
    )


def derive(engine: Engine, periods: list[str] | None) -> dict[str, pd.DataFrame]:
    """The rows of the order tables for ``periods`` (None: all; sales and overhead: ``selects``). Orders are costed a few months at a
    time (``ORDERS_PER_STEP``) with the report's own loaders and formulas, so that the event
    pipeline never holds more than those months' events."""
    centers = oee_loaders.load_work_centers(engine)
    orders, groups, parts, materials = [], [], [], []
    for step in _steps(_order_periods(engine, periods)):
        wo = read_frame(engine, select_order_costs(step))
        wo[P.WORK_ORDER_FILL] = wo[P.WORK_ORDER_FILL].astype(float).fillna(0.0)
        mat = P.load_material_facts(engine, step)
        variances = A.compute_work_order_variances(wo, mat)
        events = read_frame(engine, select_order_events(step))
        output = read_frame(engine, select_order_output(step))
        loss, step_parts = A.compute_order_loss_facts(events, output, centers, variances)
        rows = A.compute_order_fact_rows(variances, loss)
        rows = rows[[c for c in rows.columns if c != "planned_qty"] + ["planned_qty"]]  # carried from ``wo``, last as before
        orders.append(rows)
        groups.append(A.compute_order_groups(rows, GROUP_KEYS, GROUP_SUMS))
        parts.append(step_parts)
        materials.append(A.compute_material_usage_totals(mat, variances))
        del wo, mat, events, output, variances, loss, rows
    out = {
        facts_orders.name: _concat(orders, facts_orders),
        facts_order_groups.name: _concat(groups, facts_order_groups),
        facts_order_loss_parts.name: _concat(parts, facts_order_loss_parts),
        facts_order_materials.name: _concat(materials, facts_order_materials),
    }
    out[facts_overhead_inputs.name] = _overhead_inputs(engine, periods, out[facts_orders.name], out[facts_order_groups.name])
    out[facts_order_window_loss.name] = _window_losses(out[facts_orders.name], out[facts_order_loss_parts.name], centers)
    return out


def _window_losses(orders: pd.DataFrame, parts: pd.DataFrame, centers: pd.DataFrame) -> pd.DataFrame:
    """``facts_order_window_loss``: for each order with loss parts, every window of months that
    cuts it (inside its loss months, around its own period), its loss from the parts inside the
    window, by ``compute_window_loss`` (each (order, window) as an order of its own: an order's
    loss reads its own parts only, in their stored order)."""
    cols = [c.name for c in facts_order_window_loss.columns]
    if parts.empty:
        return pd.DataFrame(columns=cols)
    spans = orders.loc[orders.work_order_id.isin(set(parts.work_order_id)), CUT_COLUMNS + ["loss_period_from", "loss_period_to"]]
    windows = []
    for i, (period, first, last) in enumerate(zip(spans.period, spans.loss_period_from, spans.loss_period_to)):  # in the orders' order
        if not (isinstance(first, str) and isinstance(last, str)) or first == last:
            continue
        before, after = _months(first, period), _months(period, last)
        windows += [(i, a, b) for a in before for b in after if (a, b) != (first, last)]
    if not windows:
        return pd.DataFrame(columns=cols)
    at, window_from, window_to = zip(*windows)
    w = spans.iloc[list(at)].reset_index(drop=True).assign(window_from=list(window_from), window_to=list(window_to))
    w["key"] = w.work_order_id + "|" + w.window_from + "|" + w.window_to
    joined = parts.assign(_row=np.arange(len(parts))).merge(w[["work_order_id", "window_from", "window_to", "key"]], on="work_order_id")
    joined = joined[(joined.loss_period >= joined.window_from) & (joined.loss_period <= joined.window_to)].sort_values(["key", "_row"])
    cut = pd.DataFrame({"work_order_id": w.key, "loss_cost_amount": 0.0})
    loss = A.compute_window_loss(cut, joined.drop(columns=["work_order_id"]).rename(columns={"key": "work_order_id"}), centers)
    return w.assign(window_loss_cost_amount=loss.window_loss_cost_amount.to_numpy())[cols]


def _months(first: str, last: str) -> list[str]:
    out = [first]
    while out[-1] < last:
        out.append(month_add(out[-1], 1))
    return out


def _overhead_inputs(engine: Engine, periods: list[str] | None, orders: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """``facts_overhead_inputs`` of ``periods`` (None: all): ``compute_overhead_inputs`` of the
    derived orders and groups (the floats their tables hold) with the overhead incurred as
    ``select_overhead_incurred`` reads it from ``facts_order_overhead`` once this refresh has
    written it (the same rows, typed as stored), and every work center's rates: what the reports
    compute for a scope of whole plants, for every month at once (each row depends on its month only)."""
    from data_loaders.facts import _typed_select

    stored = _typed_select(select_overhead_rows(periods), facts_order_overhead, engine.dialect.name).subquery("stored")
    incurred = P.load_overhead_incurred(engine, Scope(), sa.select(
        stored.c.period, stored.c.plant_id, stored.c.cost_behavior, sa.func.sum(stored.c.net_amount).label("incurred_amount"))
        .where(stored.c.category == "overhead").group_by(stored.c.period, stored.c.plant_id, stored.c.cost_behavior))
    rates = P.load_overhead_rates(engine, Scope())
    cols = list(OH.ORDER_COLUMNS)
    out = []
    for basis, frame in (("groups", groups), ("orders", orders)):
        frame = frame[cols].copy() if len(frame) else pd.DataFrame({c: pd.Series(dtype=object if i < 3 else float) for i, c in enumerate(cols)})
        frame[cols[3:]] = frame[cols[3:]].astype(float)
        out.append(OH.compute_overhead_inputs(frame, incurred, rates).assign(basis=basis))
    return pd.concat(out, ignore_index=True)[[c.name for c in facts_overhead_inputs.columns]]


def selects(periods: list[str] | None) -> dict[str, list[sa.Select]]:
    """The two tables that are plain grouped sums of base tables (sales per product x customer,
    the ledger's overhead per category): derived by the database (``facts.refresh``'s
    ``INSERT … SELECT``; Spark SQL on a cluster), never through pandas."""
    return {facts_order_sales.name: [select_sales_rows(periods)], facts_order_overhead.name: [select_overhead_rows(periods)]}


def _concat(frames: list[pd.DataFrame], table: sa.Table) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=[c.name for c in table.columns])
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- readers
def _order_conditions(table: sa.Table, scope: Scope) -> list:
    return [*period_conditions(table.c.period, scope), *plant_conditions(table.c.plant_id, scope),
            *product_conditions(table.c.product_id, scope)]


def _floats(frame: pd.DataFrame, columns) -> pd.DataFrame:
    columns = [c for c in columns if c in frame.columns and frame[c].dtype != np.float64]  # DOUBLE columns read as floats already
    if columns:
        frame[columns] = frame[columns].astype(float)
    return frame


def load_order_facts(engine: Engine, scope: Scope, product_id: str | None = None) -> pd.DataFrame:
    """One row per work order completed in the scope (of ``product_id`` only when given), with
    the columns of the report's variances frame (``VARIANCE_COLUMNS``, as
    ``compute_work_order_variances`` returns them)."""
    f = facts_orders
    product = [f.c.product_id == product_id] if product_id is not None else []
    out = read_frame(engine, sa.select(*[f.c[c] for c in VARIANCE_COLUMNS]).where(*_order_conditions(f, scope), *product))
    return _floats(out, [c for c in VARIANCE_COLUMNS if c not in _TEXT])


def load_order_groups(engine: Engine, scope: Scope) -> pd.DataFrame:
    """The scope's completed orders summed per period x product x plant x work center
    (``GROUP_KEYS``: with the product's standards and the work center's rates): quantities,
    cost, hours, machine seconds, the variances and the loss cost as derived (``GROUP_SUMS``).
    Every summary of the report (by product, work center, plant, period; overhead; bridges)
    sums these: a few hundred rows instead of the orders."""
    g = facts_order_groups
    out = read_frame(engine, sa.select(*[g.c[c] for c in GROUP_KEYS + GROUP_SUMS]).where(*_order_conditions(g, scope)))
    return _floats(out, GROUP_KEYS[6:] + GROUP_SUMS)


VARIANCE_SUM_KEYS = ["plant_id", "work_center_id", "product_id", "product_name", "family"]
VARIANCE_MONEY = ["actual_amount", "standard_amount", "variance_amount", *[f"{v}_amount" for v in A.VARIANCES]]


def load_variance_sums(engine: Engine, scope: Scope) -> pd.DataFrame:
    """The scope's completed orders' variances per plant x work center x product (with its name
    and family; ``VARIANCE_SUM_KEYS``, in that order): good and scrap quantities, and the money
    (``VARIANCE_MONEY``) summed in whole cents, each group's amount rounded to the cent first —
    exact in any order, the sums ``compute_variance_summary`` takes of the groups' money. What
    the overview reads of a span's variances (the cost variance rate, its mover by work center,
    the bridge's variance bars, the cost variance rule by product): a few thousand rows a year
    instead of every month's groups (65 k rows, 11 MB cached per span at 10 M lines)."""
    keys = [facts_order_groups.c[k] for k in VARIANCE_SUM_KEYS]
    return _variance_sums_frame(read_frame(engine, _select_variance_sums(scope).order_by(*keys)))


def _select_variance_sums(scope: Scope) -> sa.Select:
    g = facts_order_groups
    keys = [g.c[k] for k in VARIANCE_SUM_KEYS]
    cents = [sa.func.sum(sa.func.round(g.c[c] * 100)).label(c) for c in VARIANCE_MONEY]
    return (sa.select(*keys, sa.func.sum(g.c.good_qty).label("good_qty"), sa.func.sum(g.c.scrap_qty).label("scrap_qty"), *cents)
            .where(*_order_conditions(g, scope)).group_by(*keys))


def _variance_sums_frame(out: pd.DataFrame) -> pd.DataFrame:
    out = _floats(out, ["good_qty", "scrap_qty", *VARIANCE_MONEY])
    out[VARIANCE_MONEY] = out[VARIANCE_MONEY] / 100
    return out


def load_variance_totals(engine: Engine, scope: Scope) -> pd.DataFrame:
    """The scope's completed orders' variances summed in one row (``variance_amount`` and the
    eight components, from ``facts_order_groups``; 0 without orders): what a bridge reads of
    the span it starts from."""
    g = facts_order_groups
    cols = ["variance_amount", *[f"{v}_amount" for v in A.VARIANCES]]
    out = read_frame(engine, sa.select(*[sa.func.sum(g.c[c]).label(c) for c in cols]).where(*_order_conditions(g, scope)))
    return _floats(out, cols).fillna(0.0)


def select_sales_by_product(scope: Scope) -> sa.Select:
    """Per product of the scope's sales (``facts_order_sales``): quantity, net revenue and the
    standard cost of the quantity sold (Σ qty x the product's standard unit cost, by
    component): the product view a bridge reads of the span it starts from."""
    f, p = facts_order_sales, s.products
    qty = sa.func.sum(f.c.qty)
    return (sa.select(f.c.product_id, qty.label("qty"), sa.func.sum(f.c.revenue_amount).label("revenue_amount"),
                      sa.func.sum(f.c.qty * p.c.std_material_cost).label("std_material_amount"),
                      sa.func.sum(f.c.qty * p.c.std_labor_cost).label("std_labor_amount"),
                      sa.func.sum(f.c.qty * p.c.std_overhead_cost).label("std_overhead_amount"))
            .outerjoin(p, p.c.product_id == f.c.product_id)
            .where(*_order_conditions(f, scope)).group_by(f.c.product_id).order_by(f.c.product_id))


def load_sales_by_product(engine: Engine, scope: Scope) -> pd.DataFrame:
    """``select_sales_by_product`` with std_cost_amount = the three standards summed (a product
    without standard costs counts 0, as the profit facts' sums skip it)."""
    return _sales_frame(read_frame(engine, select_sales_by_product(scope)))


def _sales_frame(out: pd.DataFrame) -> pd.DataFrame:
    num = ["qty", "revenue_amount", "std_material_amount", "std_labor_amount", "std_overhead_amount"]
    out = _floats(out, num)
    out[num] = out[num].fillna(0.0)
    out["std_cost_amount"] = out.std_material_amount + out.std_labor_amount + out.std_overhead_amount
    return out


def load_spans_profit_parts(engine: Engine, scope: Scope, spans: list[tuple[str, str]]) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """(``load_sales_by_product``, ``load_variance_sums``) of each span (first, last month; the
    scope's plants and families) in two statements instead of two per span: the same frames to
    the bit (tests/test_profitability_facts.py)."""
    scopes = [scope.with_periods(first, last) for first, last in spans]
    sales = read_stacked(engine, [select_sales_by_product(s).order_by(None) for s in scopes], ["product_id"])
    variances = read_stacked(engine, [_select_variance_sums(s) for s in scopes], VARIANCE_SUM_KEYS)
    return [(_sales_frame(a), _variance_sums_frame(b)) for a, b in zip(sales, variances)]


def _cut(scope: Scope) -> list:
    """Conditions on ``facts_orders`` for an order whose loss the scope's window cuts."""
    f = facts_orders
    cut = []
    if scope.period_from:
        cut.append(f.c.loss_period_from < scope.period_from)
    if scope.period_to:
        cut.append(f.c.loss_period_to > scope.period_to)
    if scope.plants:
        cut.append(f.c.is_loss_off_plant == 1)
    return cut


def load_cut_orders(engine: Engine, scope: Scope) -> pd.DataFrame:
    """The scope's orders whose loss reaches outside its window (before its first month, after
    its last, or, with a plant filter, onto a work center of another plant): their group keys
    and the loss cost derived over all their events."""
    f = facts_orders
    cols = CUT_COLUMNS
    cut = _cut(scope)
    if not cut:
        return pd.DataFrame(columns=cols)
    out = read_frame(engine, sa.select(*[f.c[c] for c in cols]).where(*_order_conditions(f, scope), sa.or_(*cut)))
    return _floats(out, ["loss_cost_amount"])


def load_loss_parts(engine: Engine, scope: Scope) -> pd.DataFrame:
    """The loss-cost inputs inside the scope's window of the orders ``load_cut_orders`` returns:
    one row per order x work center (of the scope's plants) x month (``loss_period``)."""
    f, lp, wc = facts_orders, facts_order_loss_parts, s.work_centers
    cut = _cut(scope)
    if not cut:
        return pd.DataFrame(columns=[c.name for c in lp.columns])
    orders = sa.select(f.c.work_order_id).where(*_order_conditions(f, scope), sa.or_(*cut))
    window = [*period_conditions(lp.c.loss_period, scope)]
    if scope.plants:
        window.append(lp.c.work_center_id.in_(sa.select(wc.c.work_center_id).where(wc.c.plant_id.in_(scope.plants))))
    out = read_frame(engine, sa.select(lp).where(*period_conditions(lp.c.period, scope), lp.c.work_order_id.in_(orders), *window))
    return _floats(out, list(STATE_MINUTES) + ["good_qty", "scrap_qty", "ideal_cycle_min", "std_unit_cost"])


def load_material_usage(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Material used by the scope's completed orders per period x supplier x material: quantity,
    actual and standard amount (sums of per-order figures), standard price."""
    m = facts_order_materials
    keys = [m.c.period, m.c.supplier_id, m.c.material_id]
    stmt = (sa.select(*keys, sa.func.sum(m.c.actual_qty).label("qty"), sa.func.sum(m.c.actual_amount).label("actual_amount"),
                      sa.func.sum(m.c.standard_amount).label("standard_amount"), sa.func.max(m.c.std_price).label("std_price"))
            .where(*_order_conditions(m, scope)).group_by(*keys))
    return _floats(read_frame(engine, stmt), ["qty", "actual_amount", "standard_amount", "std_price"])


def select_sales(scope: Scope) -> sa.Select:
    """The shape of ``data_loaders.profitability.load_sales``'s query, from the facts."""
    f = facts_order_sales
    return sa.select(f.c.period, f.c.product_id, f.c.customer_id, f.c.plant_id, f.c.qty, f.c.gross_amount, f.c.discount_amount,
                     f.c.revenue_amount).where(*_order_conditions(f, scope))


def select_overhead_ledger(scope: Scope) -> sa.Select:
    """Overhead incurred and applied per period x plant x category, from the facts."""
    f = facts_order_overhead
    return (sa.select(f.c.period, f.c.plant_id, f.c.category, sa.func.sum(f.c.net_amount).label("net_amount"))
            .where(*period_conditions(f.c.period, scope), *plant_conditions(f.c.plant_id, scope))
            .group_by(f.c.period, f.c.plant_id, f.c.category))


def select_overhead_incurred(scope: Scope) -> sa.Select:
    """Overhead incurred per period x plant x cost behavior, from the facts."""
    f = facts_order_overhead
    return (sa.select(f.c.period, f.c.plant_id, f.c.cost_behavior, sa.func.sum(f.c.net_amount).label("incurred_amount"))
            .where(f.c.category == "overhead", *period_conditions(f.c.period, scope), *plant_conditions(f.c.plant_id, scope))
            .group_by(f.c.period, f.c.plant_id, f.c.cost_behavior))


def load_overhead_inputs(engine: Engine, scope: Scope, basis: str) -> pd.DataFrame | None:
    """``analytics.overhead.compute_overhead_inputs`` of the scope's orders (basis "orders") or
    order groups ("groups"), read from ``facts_overhead_inputs``: the same frame, rows in its
    order (period, plant, work center). None for a scope of some families (its orders' hours are
    not a month's rows)."""
    if basis not in OVERHEAD_BASES:
        raise ValueError(f"basis must be one of {OVERHEAD_BASES}, got {basis!r}")
    if scope.families:
        return None
    f = facts_overhead_inputs
    out = read_frame(engine, sa.select(f.c.period, f.c.plant_id, f.c.work_center_id, *[f.c[c] for c in OH.INPUT_COLUMNS])
                     .where(f.c.basis == basis, *period_conditions(f.c.period, scope), *plant_conditions(f.c.plant_id, scope)))
    out = _floats(out, OH.INPUT_COLUMNS)
    return out.sort_values(["period", "plant_id", "work_center_id"]).reset_index(drop=True)


def load_cut_window_losses(engine: Engine, scope: Scope) -> pd.DataFrame | None:
    """``analytics.profitability.compute_window_loss`` of the scope's cut orders
    (``load_cut_orders``: the same columns, rows in the orders' order) read from
    ``facts_order_window_loss`` in one statement: each order's widest window stored inside the
    scope's months, (max(first month, loss_period_from), min(last month, loss_period_to)), and its
    loss (0 when the window keeps no part with both time and output). None for a scope of some
    plants (its window also drops the work centers of other plants) or without a first and a last month."""
    if scope.plants or not (scope.period_from and scope.period_to):
        return None
    w = facts_order_window_loss
    got = read_frame(engine, sa.select(*[w.c[c] for c in CUT_COLUMNS], w.c.window_from, w.c.window_to, w.c.window_loss_cost_amount).where(
        *_order_conditions(w, scope), sa.or_(w.c.loss_period_from < scope.period_from, w.c.loss_period_to > scope.period_to),
        w.c.window_from >= scope.period_from, w.c.window_to <= scope.period_to))
    if len(got):
        widest = got.groupby("work_order_id", sort=False)
        got = got[(got.window_from == widest.window_from.transform("min")) & (got.window_to == widest.window_to.transform("max"))]
    got = _floats(got[CUT_COLUMNS + ["window_loss_cost_amount"]].reset_index(drop=True), ["loss_cost_amount", "window_loss_cost_amount"])
    return got
