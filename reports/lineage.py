"""Traces from a voucher or a work order, the period's reconciliation and the WIP tie's summary."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from analytics.ledger import compute_wip_tie
from analytics.lineage import (
    compute_completeness,
    compute_material_vs_bom,
    compute_posted_completion,
    compute_work_order_rollup,
)
from data_loaders import facts, lineage
from data_loaders import queries as q
from data_loaders.scope import Scope


def work_order_trace(engine, work_order_id: str, plants: tuple[str, ...] = ()) -> dict | None:
    """Everything about one work order, or None if it does not exist (or belongs to a plant
    outside ``plants``, a user's limit): header, its documents, every voucher line naming it,
    material vs BOM, the cost roll-up and the completion posted.
    ``engine`` may be an open connection (every lookup runs on one connection)."""
    with lineage.connected(engine) as conn:
        header = lineage.load_work_order(conn, work_order_id, plants)
        if header.empty:
            return None
        wo = header.iloc[0]
        docs = lineage.load_work_order_documents(conn, work_order_id)
        ledger = lineage.load_work_order_ledger(conn, work_order_id)
        raw_materials = lineage.load_work_order_materials(conn, work_order_id, wo.product_id)
    materials = compute_material_vs_bom(raw_materials, float(wo.completed_qty))
    events = docs["machine_events"]
    machine_s = float(events.loc[events.state.isin(q.MACHINE_STATES), "duration_s"].sum()) if not events.empty else 0.0
    return {
        "header": wo,
        "documents": docs,
        "ledger": ledger,
        "materials": materials,
        "rollup": compute_work_order_rollup(wo, materials, docs["labor_logs"], machine_s, ledger),
        "completion": compute_posted_completion(ledger),
    }


def voucher_trace(engine, voucher_no: str, plants: tuple[str, ...] = ()) -> dict | None:
    """A voucher, its lines each with its source document (or None, and whether it is missing),
    and the trace of every work order its lines name; None if there is no such voucher or it
    belongs to a plant outside ``plants`` (a user's limit; a work order of such a plant is left
    out). The source documents are read one query per document type."""
    with lineage.connected(engine) as conn:
        header, lines = lineage.load_voucher_with_lines(conn, voucher_no, plants)
        if header.empty:
            return None
        named = [(t, d) if isinstance(t, str) and t else None for t, d in zip(lines.source_doc_type, lines.source_doc_id)]
        found: dict[tuple[str, str], pd.Series] = {}
        for source_type in dict.fromkeys(n[0] for n in named if n):
            key = lineage.SOURCE_KEYS[source_type]
            docs = lineage.load_source_documents(conn, source_type, [n[1] for n in named if n and n[0] == source_type])
            for _, doc in docs.iterrows():
                found.setdefault((source_type, doc[key]), doc)
        sources = [(None, False) if n is None else (found.get(n), n not in found) for n in named]
        work_orders = [w for w in dict.fromkeys(lines.work_order_id.dropna()) if w]
        traces = {w: work_order_trace(conn, w, plants) for w in work_orders}
    return {"header": header.iloc[0], "lines": lines, "sources": sources, "work_orders": traces}


def wip_tie_summary(engine: Engine, scope: Scope | None = None, tolerance: float = 0.005, use_facts: bool | None = None) -> dict:
    """The WIP tie of the orders in ``scope`` (all when None) without every order's row:
    ``{"n_orders", "n_tied", "untied"}``, ``untied`` being ``compute_wip_tie``'s rows that do not
    tie, by work order (the same rows as filtering the whole tie)."""
    candidates, n_orders = q.load_wip_tie_candidates(engine, scope, tolerance, use_facts)
    tie = compute_wip_tie(candidates, tolerance)
    untied = tie[~tie.is_tied].reset_index(drop=True)
    return {"n_orders": int(n_orders), "n_tied": int(n_orders - len(untied)), "untied": untied}


def reconciliation(engine: Engine, scope: Scope, tolerance: float = 1.0) -> dict[str, pd.DataFrame]:
    """Business vs finance for a scope: posting completeness per period x plant, and the lists of
    findings (completed without completion voucher, ledger WIP differing from operations by more
    than ``tolerance``, cost lines without or with a missing source, documents with no voucher).
    Reads the WIP facts when they are fresh (asked once), the base tables otherwise."""
    use = facts.ready(engine)
    coverage = lineage.load_posting_coverage(engine, scope, use_facts=use)
    overhead = lineage.load_overhead_coverage(engine, scope, use_facts=use)
    return {
        "completeness": compute_completeness(coverage, overhead),
        "no_completion": lineage.load_completed_without_completion(engine, scope, use_facts=use),
        "cost_differs": wip_tie_summary(engine, scope, tolerance, use_facts=use)["untied"],
        "lines_without_source": lineage.load_cost_lines_without_source(engine, scope, use_facts=use),
        "lines_missing_source": lineage.load_lines_with_missing_source(engine, scope, use_facts=use),
        "documents_without_voucher": lineage.load_documents_without_voucher(engine, scope, use_facts=use),
    }
