"""DuckDB's memory during an import: the write and the fact refresh run under
``BFI_IMPORT_DUCKDB_MEMORY_MB``; a refresh that runs out of it runs once more under
``BFI_IMPORT_FACTS_DUCKDB_MEMORY_MB`` (1,024 MB by default) when that is more. The small
sample's full refresh needs more than 64 MB of DuckDB's memory (a hash aggregate over the voucher
lines spills only in part), so a cap of 48 MB shows both: the import stores its invoice and fresh
facts through the second refresh, and fails whole, nothing stored, when the facts' room is no
more than the write's (as every import did before, which refused an append of one invoice at
12.8 M voucher lines)."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from data_loaders import engine as eng
from data_loaders import facts
from data_loaders.importer import DUCKDB_MEMORY_ENV, FACTS_MEMORY_ENV, import_folder


KEY = "SELECT product_id, customer_id, plant_id FROM sales_invoices ORDER BY invoice_id LIMIT 1"


def _one_invoice(db, folder):
    """A sales_invoices.csv of one new invoice of 10 units in 2026-11, of the sample's first
    invoice's product, customer and plant."""
    with duckdb.connect(str(db), read_only=True) as con:
        product, customer, plant = con.execute(KEY).fetchone()
    folder.mkdir()
    (folder / "sales_invoices.csv").write_text(
        "invoice_id,sales_order_id,customer_id,product_id,plant_id,invoice_date,due_date,qty,gross_amount,discount_amount,net_amount\n"
        f"INVX000001,,{customer},{product},{plant},2026-11-20,2026-12-20,10,700.00,0.00,700.00\n", encoding="utf-8")
    return folder


def _sold_in_november(db) -> float:
    """The stored 2026-11 sales fact's quantity of that product, customer and plant (0 without a row)."""
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute(f"SELECT sum(f.qty) FROM facts_order_sales f JOIN ({KEY}) k USING (product_id, customer_id, plant_id) "
                          "WHERE f.period = '2026-11'").fetchone()[0]
    return float(got or 0)


# each import copies the sample and refreshes every fact (about 10 s on a quiet 2-core machine):
# run with the walk's step, which has the room (.ci/run)
pytestmark = pytest.mark.long


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def small_db(sample_copy, tmp_path):
    return sample_copy("duckdb", tmp_path / "plant.duckdb")


def test_facts_that_run_out_of_the_writes_cap_get_their_own_room(small_db, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv(DUCKDB_MEMORY_ENV, "48")
    monkeypatch.delenv(FACTS_MEMORY_ENV, raising=False)
    before = _sold_in_november(small_db)
    report = import_folder(_one_invoice(small_db, tmp_path / "in"), f"duckdb:///{small_db}", mode="append")
    assert report.problems == []
    assert "ran out of DuckDB's 48 MB; again with 1024 MB" in caplog.text  # the first refresh did run out
    assert report.row_counts["sales_invoices"] == 1
    engine = eng.make_engine(f"duckdb:///{small_db}")
    try:
        assert facts.ready(engine)
    finally:
        engine.dispose()
    assert _sold_in_november(small_db) == before + 10.0  # the fresh facts hold the 10 units imported


def test_facts_held_to_the_writes_cap_fail_the_whole_import(small_db, tmp_path, monkeypatch):
    monkeypatch.setenv(DUCKDB_MEMORY_ENV, "48")
    monkeypatch.setenv(FACTS_MEMORY_ENV, "48")
    before = _digest(small_db)
    report = import_folder(_one_invoice(small_db, tmp_path / "in"), f"duckdb:///{small_db}", mode="append")
    assert len(report.problems) == 1
    assert "Out of Memory" in report.problems[0].message
    assert report.problems[0].file == "sales_invoices.csv"
    assert _digest(small_db) == before  # nothing stored: the file as it was
    assert not list(tmp_path.glob("plant.duckdb.*writing*"))  # and no half-written copy left beside it
