"""Drill-down figures: a work order's cost as operations recorded it, at standard, and in the ledger;
material against the BOM; the completeness of posting; tree selections.

Sign rule: variance = actual − standard, positive is unfavorable. Ledger "charged" is
debit − credit on the WIP accounts from every line except the completion; "relieved" is what
the completion took out of WIP.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.money import compute_overhead_cents, compute_standard_cents, mul_cents

WIP_COMPONENTS = {"500101": "material", "500102": "labor", "500103": "overhead"}
COMPONENTS = ("material", "labor", "overhead")


def compute_subtree(tree: pd.DataFrame, id_col: str, parent_col: str, root: str) -> tuple[str, ...]:
    """``root`` and every node below it in a parent-pointer tree (accounts, cost centers).

    >>> t = pd.DataFrame({"id": ["5001", "500101", "500102", "6001"], "parent": [None, "5001", "5001", None]})
    >>> compute_subtree(t, "id", "parent", "5001")
    ('5001', '500101', '500102')
    """
    if root not in set(tree[id_col]):
        raise ValueError(f"root {root!r} is not in column {id_col!r}")
    children: dict[str, list[str]] = {}
    for node, parent in zip(tree[id_col], tree[parent_col]):
        if isinstance(parent, str) and parent:
            children.setdefault(parent, []).append(node)
    out, stack, seen = [], [root], set()
    while stack:
        node = stack.pop()
        if node in seen:  # a cycle in bad data must not hang the page
            continue
        seen.add(node)
        out.append(node)
        stack.extend(sorted(children.get(node, []), reverse=True))
    return tuple(out)


def compute_tree_labels(tree: pd.DataFrame, id_col: str, parent_col: str, name_col: str) -> pd.DataFrame:
    """Rows in depth-first order with ``depth`` and an indented ``label`` for a picker."""
    ids = set(tree[id_col])
    parent_of = {n: p for n, p in zip(tree[id_col], tree[parent_col]) if isinstance(p, str) and p in ids}
    names = dict(zip(tree[id_col], tree[name_col]))
    rows = []
    for root in sorted(ids - set(parent_of)):
        for node in compute_subtree(tree, id_col, parent_col, root):
            depth, parent = 0, parent_of.get(node)
            while parent is not None and depth < 50:
                depth, parent = depth + 1, parent_of.get(parent)
            rows.append({id_col: node, "depth": depth, "label": "\u3000" * depth + f"{node} {names.get(node, '')}".strip()})
    return pd.DataFrame(rows)


def compute_material_vs_bom(materials: pd.DataFrame, good_qty: float) -> pd.DataFrame:
    """Material of one work order against the BOM standard for its good output.

    In: one row per material with ``qty_per_unit``, ``std_price``, ``issued_qty``,
    ``returned_qty``, ``actual_amount``. Out adds standard quantity and cost, actual net
    quantity and average price, and the textbook split
    price variance = (actual price − standard price) × actual qty and
    usage variance = (actual qty − standard qty) × standard price, which add up to
    actual cost − standard cost.
    """
    if good_qty < 0:
        raise ValueError(f"good_qty must be >= 0, got {good_qty}")
    col = lambda c: materials[c].to_numpy(dtype=float)  # noqa: E731 - a few rows: arrays, not a Series per step
    actual_amount, std_price = col("actual_amount"), col("std_price")
    std_qty = np.round(col("qty_per_unit") * good_qty, 3)
    actual_qty = np.round(col("issued_qty") - col("returned_qty"), 3)
    std_amount = mul_cents(std_qty, 3, std_price, 4) / 100.0
    price_variance = np.round(actual_amount - actual_qty * std_price, 2)
    variance = np.round(actual_amount - std_amount, 2)
    return materials.assign(
        std_qty=std_qty, actual_qty=actual_qty, std_amount=std_amount,
        actual_price=np.where(actual_qty != 0, actual_amount / np.where(actual_qty != 0, actual_qty, 1), np.nan),
        price_variance_amount=price_variance,
        # the split is rounded per part; the last cent goes on usage so the parts add to the total
        usage_variance_amount=np.round(variance - price_variance, 2),
        variance_amount=variance)


def compute_work_order_rollup(work_order: pd.Series, materials: pd.DataFrame, labor: pd.DataFrame,
                              machine_s: float, ledger: pd.DataFrame) -> pd.DataFrame:
    """Side by side per cost component (material, labor, overhead, total):
    operations at actual, at standard for the good output, the ledger's WIP charged and
    relieved, and the differences.

    ``work_order`` has ``status``, ``completed_qty``, ``std_*_cost`` and
    ``absorption_rate_per_h``; ``labor`` has ``hours`` and ``rate_per_h``; ``ledger`` is every
    voucher line naming the order (``account_code``, ``source_doc_type``, debit, credit).
    """
    good = float(work_order["completed_qty"])
    completed = work_order["status"] in ("completed", "closed")
    labor_cents = int(mul_cents(labor.hours, 4, labor.rate_per_h, 2).sum()) if len(labor) else 0
    overhead_cents = int(compute_overhead_cents([round(machine_s)], [work_order["absorption_rate_per_h"]])[0]) if completed else 0
    actual = {"material": round(float(materials.actual_amount.sum()), 2), "labor": labor_cents / 100.0, "overhead": overhead_cents / 100.0}
    std = compute_standard_cents([good], [work_order.std_material_cost], [work_order.std_labor_cost], [work_order.std_overhead_cost])
    standard = {c: float(std[c][0]) / 100.0 for c in COMPONENTS}
    # a work order has tens of lines: plain sums over the columns cost far less than pandas' group-by
    charged = dict.fromkeys(COMPONENTS, 0.0)
    relieved = dict.fromkeys(COMPONENTS, 0.0)
    for code, debit, credit, source in zip(ledger.account_code, ledger.debit_amount, ledger.credit_amount, ledger.source_doc_type):
        component = WIP_COMPONENTS.get(code)
        if component is None:
            continue
        if source == "completion":
            relieved[component] += credit - debit
        else:
            charged[component] += debit - credit
    rows = []
    for c in COMPONENTS:
        rows.append({
            "component": c,
            "operations_amount": actual[c],
            "standard_amount": standard[c],
            "variance_amount": round(actual[c] - standard[c], 2),
            "ledger_charged_amount": round(float(charged[c]), 2),
            "ledger_relieved_amount": round(float(relieved[c]), 2),
        })
    money = [k for k in rows[0] if k != "component"]
    rows.append({"component": "total", **{k: round(sum(r[k] for r in rows), 2) for k in money}})
    for r in rows:
        r["unposted_amount"] = round(r["operations_amount"] - r["ledger_charged_amount"], 2)
    return pd.DataFrame(rows)


def compute_posted_completion(ledger: pd.DataFrame) -> dict[str, float]:
    """From a work order's completion lines: finished goods at standard and the variance booked."""
    completion = (ledger.source_doc_type == "completion").to_numpy()
    category = ledger.category.to_numpy()
    net = ledger.debit_amount.to_numpy(dtype=float) - ledger.credit_amount.to_numpy(dtype=float)
    return {
        "finished_goods_amount": round(float(net[completion & (category == "finished_goods")].sum()), 2),
        "variance_amount": round(float(net[completion & (category == "variance")].sum()), 2),
        "is_completion_posted": bool(completion.any()),
    }


def compute_completeness(coverage: pd.DataFrame, overhead: pd.DataFrame) -> pd.DataFrame:
    """Share of operational cost that reached the ledger, per period x plant.

    ``coverage`` (material and labor) has period, plant_id, is_posted, cost_amount; ``overhead``
    has the same columns (already summed, ``load_overhead_coverage``) or one row per completed
    work order with machine_s, absorption_rate_per_h and is_posted instead of cost_amount.
    completeness = posted / operations; 1.0 means every cost document was posted.
    """
    parts = [coverage[["period", "plant_id", "is_posted", "cost_amount"]]]
    if not overhead.empty:
        oh = overhead if "cost_amount" in overhead else overhead.assign(
            cost_amount=compute_overhead_cents(overhead.machine_s.round(), overhead.absorption_rate_per_h) / 100.0)
        parts.append(oh[["period", "plant_id", "is_posted", "cost_amount"]])
    data = pd.concat([p for p in parts if not p.empty], ignore_index=True) if any(not p.empty for p in parts) else None
    if data is None:
        return pd.DataFrame(columns=["period", "plant_id", "operations_amount", "posted_amount", "unposted_amount", "completeness_pct"])
    data = data.assign(posted=np.where(data.is_posted.astype(int) == 1, data.cost_amount, 0.0))
    out = data.groupby(["period", "plant_id"], as_index=False).agg(operations_amount=("cost_amount", "sum"), posted_amount=("posted", "sum"))
    out["unposted_amount"] = (out.operations_amount - out.posted_amount).round(2)
    out["operations_amount"] = out.operations_amount.round(2)
    out["posted_amount"] = out.posted_amount.round(2)
    out["completeness_pct"] = np.where(out.operations_amount != 0, out.posted_amount / out.operations_amount.where(out.operations_amount != 0, 1), np.nan)
    return out.sort_values(["period", "plant_id"]).reset_index(drop=True)
