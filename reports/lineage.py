"""Traces from a voucher or a work order, and the period's reconciliation."""

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
from data_loaders import lineage
from data_loaders import queries as q
from data_loaders.scope import Scope


def work_order_trace(engine: Engine, work_order_id: str) -> dict | None:
    """Everything about one work order, or None if it does not exist: header, its documents,
    every voucher line naming it, material vs BOM, the cost roll-up and the completion posted."""
    header = lineage.load_work_order(engine, work_order_id)
    if header.empty:
        return None
    wo = header.iloc[0]
    docs = lineage.load_work_order_documents(engine, work_order_id)
    ledger = lineage.load_work_order_ledger(engine, work_order_id)
    materials = compute_material_vs_bom(lineage.load_work_order_materials(engine, work_order_id), float(wo.completed_qty))
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


def voucher_trace(engine: Engine, voucher_no: str) -> dict | None:
    """A voucher, its lines each with its source document (or None, and whether it is missing),
    and the trace of every work order its lines name; None if there is no such voucher."""
    header = lineage.load_voucher(engine, voucher_no)
    if header.empty:
        return None
    lines = lineage.load_voucher_lines(engine, voucher_no)
    sources = []
    for line in lines.itertuples():
        doc, missing = None, False
        if isinstance(line.source_doc_type, str) and line.source_doc_type:
            found = lineage.load_source_document(engine, line.source_doc_type, line.source_doc_id)
            doc, missing = (None, True) if found.empty else (found.iloc[0], False)
        sources.append((doc, missing))
    work_orders = [w for w in dict.fromkeys(lines.work_order_id.dropna()) if w]
    return {
        "header": header.iloc[0],
        "lines": lines,
        "sources": sources,
        "work_orders": {w: work_order_trace(engine, w) for w in work_orders},
    }


def reconciliation(engine: Engine, scope: Scope, tolerance: float = 1.0) -> dict[str, pd.DataFrame]:
    """Business vs finance for a scope: posting completeness per period x plant, and the lists of
    findings (completed without completion voucher, ledger WIP differing from operations by more
    than ``tolerance``, cost lines without or with a missing source, documents with no voucher)."""
    tie = compute_wip_tie(q.load_work_order_cost_facts(engine, scope), tolerance)
    return {
        "completeness": compute_completeness(lineage.load_posting_coverage(engine, scope), lineage.load_overhead_coverage(engine, scope)),
        "no_completion": lineage.load_completed_without_completion(engine, scope),
        "cost_differs": tie[~tie.is_tied].reset_index(drop=True),
        "lines_without_source": lineage.load_cost_lines_without_source(engine, scope),
        "lines_missing_source": lineage.load_lines_with_missing_source(engine, scope),
        "documents_without_voucher": lineage.load_documents_without_voucher(engine, scope),
    }
