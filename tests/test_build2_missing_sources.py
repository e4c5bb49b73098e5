"""The lines whose source document does not exist, as the WIP facts derive them
(``facts_wip.select_missing_source_rows``: an outer join kept where it found no document) and as
the reconciliation computes them from the base tables (``lineage.select_lines_with_missing_source``:
``NOT EXISTS``): the same rows on every database, and the rows counted by hand.

The fixture is the drill-down's hand-built ledger (tests/test_lineage.py) plus one voucher whose
lines name, for every document type, a document that exists and one that does not, a line with a
type but no id, and a line of a type that names no document table (never listed).
"""

from __future__ import annotations

import pandas as pd
import pytest

from data_loaders import engine as eng
from data_loaders import facts_wip
from data_loaders import lineage as L
from data_loaders import schema as s
from data_loaders.scope import Scope
from tests.conftest import loaded_engine
from tests.test_lineage import _lines, fixture_frames

# (source type, a document that exists in the fixture); every type of the contract
EXISTING = {"material_issue": "MI-1", "labor_log": "LB-1", "work_order": "WO-A", "completion": "WO-B", "sales_invoice": "SI-1",
            "customer_receipt": "CR-1", "supplier_invoice": "PI-1", "supplier_payment": "SP-1"}


def _frames() -> dict[str, pd.DataFrame]:
    f = fixture_frames()
    d = f["vouchers"].voucher_date.iloc[0]
    f["plants"] = pd.concat([f["plants"], f["plants"].assign(plant_id="P2", plant_name="二厂")], ignore_index=True)
    f["customers"] = pd.DataFrame({"customer_id": ["C1"], "customer_name": ["客户"], "payment_terms_days": [30]})
    f["bank_accounts"] = pd.DataFrame({"bank_account_id": ["B1"], "bank_name": ["银行"], "currency": ["CNY"]})
    f["sales_invoices"] = pd.DataFrame({"invoice_id": ["SI-1"], "customer_id": ["C1"], "product_id": ["FG1"], "plant_id": ["P1"],
                                        "invoice_date": [d], "due_date": [d], "qty": [1.0], "gross_amount": [30.0],
                                        "discount_amount": [0.0], "net_amount": [30.0]})
    f["customer_receipts"] = pd.DataFrame({"receipt_id": ["CR-1"], "invoice_id": ["SI-1"], "customer_id": ["C1"], "bank_account_id": ["B1"],
                                           "receipt_date": [d], "amount": [30.0]})
    f["supplier_invoices"] = pd.DataFrame({"supplier_invoice_id": ["PI-1"], "supplier_id": ["S1"], "invoice_date": [d], "due_date": [d],
                                           "qty": [1.0], "amount": [5.0]})
    f["supplier_payments"] = pd.DataFrame({"payment_id": ["SP-1"], "supplier_invoice_id": ["PI-1"], "supplier_id": ["S1"],
                                           "bank_account_id": ["B1"], "payment_date": [d], "amount": [5.0]})
    rows = []
    for source_type, document in EXISTING.items():
        rows += [("1403", 1.00, 0, None, source_type, document), ("1403", 2.00, 0, None, source_type, f"{source_type}-GHOST")]
    rows += [("1403", 3.00, 0, None, "material_issue", None), ("1403", 4.00, 0, None, "manual", "X-1")]
    extra = pd.DataFrame(_lines("V-MIX", *rows)).assign(plant_id=lambda x: ["P1", "P2"] * (len(x) // 2))
    f["vouchers"] = pd.concat([f["vouchers"], f["vouchers"].iloc[:1].assign(voucher_no="V-MIX", voucher_type="MJ")], ignore_index=True)
    f["voucher_lines"] = pd.concat([f["voucher_lines"], extra], ignore_index=True)
    return f


@pytest.fixture
def mixed(empty_url):
    yield from loaded_engine(empty_url, _frames())


def _rows(engine, stmts) -> list[tuple]:
    frames = [eng.read_frame(engine, stmt) for stmt in stmts]
    out = pd.concat(frames, ignore_index=True)
    assert list(out.columns) == L.MISSING_SOURCE_COLUMNS
    return sorted((r.voucher_no, int(r.line_no), r.period, r.plant_id, round(float(r.debit_amount), 2), r.source_doc_type,
                   r.source_doc_id if isinstance(r.source_doc_id, str) else None) for r in out.itertuples())


@pytest.mark.parametrize("scope", [Scope(), Scope("2026-03", "2026-03", plants=("P2",)), Scope("2026-04", "2026-05")],
                         ids=["all", "one_plant", "no_lines"])
def test_missing_sources_by_join_equal_not_exists(mixed, scope):
    fast = _rows(mixed, facts_wip.select_missing_source_rows(scope))
    slow = _rows(mixed, L.select_lines_with_missing_source(scope))
    assert fast == slow
    if scope.period_from == "2026-04":
        assert fast == []
        return
    # by hand: the fixture's two V-BROKEN lines (MI-GHOST), every type's ghost (even line numbers,
    # on P2), and the material issue line without an id (line 17, P1); never the "manual" line
    ghosts = [("V-MIX", 2 * i + 2, "2026-03", "P2", 2.0, t, f"{t}-GHOST") for i, t in enumerate(EXISTING)]
    broken = [("V-BROKEN", 1, "2026-03", "P1", 7.0, "material_issue", "MI-GHOST"), ("V-BROKEN", 2, "2026-03", "P1", 0.0, "material_issue", "MI-GHOST")]
    want = ghosts if scope.plants else sorted(ghosts + broken + [("V-MIX", 17, "2026-03", "P1", 3.0, "material_issue", None)])
    assert fast == sorted(want, key=lambda r: (r[0], r[1]))
    assert len(s.SOURCE_DOCUMENTS) == len(EXISTING)  # a new document type gets a line above
