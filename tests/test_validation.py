"""Database checks find what an import would have refused, in data that bypassed the importer."""

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from data_loaders import engine as eng
from data_loaders import schema
from data_loaders.validation import validate_database


def _seed(url: str, debit_2: float = 100.00, completed_qty: float = 98, line_period: str = "2026-03") -> None:
    frames = {
        "plants": pd.DataFrame({"plant_id": ["P1"], "plant_name": ["一厂"], "currency": ["CNY"]}),
        "accounts": pd.DataFrame({"account_code": ["500101", "1403"], "account_name": ["WIP", "RM"],
                                  "account_type": ["asset", "asset"], "category": ["wip", "raw_materials"]}),
        "cost_centers": pd.DataFrame({"cost_center_id": ["CC1"], "cost_center_name": ["x"], "plant_id": ["P1"]}),
        "products": pd.DataFrame({"product_id": ["FG1"], "product_name": ["x"], "family": ["f"], "unit": ["pcs"],
                                  "std_material_cost": [1.0], "std_labor_cost": [1.0], "std_overhead_cost": [1.0], "list_price": [5.0]}),
        "work_centers": pd.DataFrame({"work_center_id": ["WC1"], "work_center_name": ["x"], "plant_id": ["P1"], "cost_center_id": ["CC1"],
                                      "machine_rate_per_h": [1.0], "labor_rate_per_h": [1.0], "overhead_rate_per_h": [1.0], "is_bottleneck": [0]}),
        "work_orders": pd.DataFrame({"work_order_id": ["WO1"], "plant_id": ["P1"], "product_id": ["FG1"], "work_center_id": ["WC1"],
                                     "planned_qty": [100.0], "completed_qty": [completed_qty], "scrap_qty": [2.0],
                                     "planned_start_date": [dt.date(2026, 3, 2)], "planned_end_date": [dt.date(2026, 3, 5)],
                                     "status": ["completed"]}),
        "vouchers": pd.DataFrame({"voucher_no": ["V1"], "voucher_date": [dt.date(2026, 3, 2)], "period": ["2026-03"],
                                  "voucher_type": ["MI"], "status": ["posted"]}),
        "voucher_lines": pd.DataFrame({"voucher_no": ["V1", "V1"], "line_no": [1, 2], "period": ["2026-03", line_period],
                                       "account_code": ["500101", "1403"], "debit_amount": [100.00, 0.0],
                                       "credit_amount": [0.0, debit_2], "work_order_id": ["WO1", "WO1"]}),
    }
    engine = eng.make_engine(url)
    with engine.begin() as conn:
        for table in schema.TABLES:
            if table.name in frames:
                eng.bulk_insert(conn, table, frames[table.name])
    engine.dispose()


def _findings(url):
    engine = eng.make_engine(url, read_only=True)
    try:
        return validate_database(engine)
    finally:
        engine.dispose()


def test_clean_tiny_ledger_passes(empty_url):
    _seed(empty_url)
    assert _findings(empty_url).empty


def test_unbalanced_negative_and_period_mismatch_found_on_every_database(empty_url):
    _seed(empty_url, debit_2=99.99, completed_qty=-1, line_period="2026-04")
    f = _findings(empty_url)
    unbalanced = f[f.check == "unbalanced_voucher"]
    assert unbalanced.row_key.tolist() == ["V1"] and unbalanced.value.tolist() == ["100.00 / 99.99"]
    negative = f[f.check == "negative_value"]
    assert negative[["table_name", "column_name", "row_key"]].values.tolist() == [["work_orders", "completed_qty", "WO1"]]
    mismatch = f[f.check == "period_mismatch"]
    assert mismatch.value.tolist() == ["2026-04"]


def test_orphan_reference_found_where_keys_are_not_enforced(tmp_path):
    # SQLite does not enforce foreign keys unless asked: like a warehouse without constraints
    url = f"sqlite:///{tmp_path / 'loose.sqlite'}"
    engine = eng.make_engine(url)
    eng.create_schema(engine)
    engine.dispose()
    _seed(url)
    engine = eng.make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.update(schema.voucher_lines).where(schema.voucher_lines.c.line_no == 2).values(work_order_id="WO-GHOST"))
    engine.dispose()
    f = _findings(url)
    orphan = f[(f.check == "orphan_reference") & (f.column_name == "work_order_id")]
    assert orphan[["table_name", "row_key", "value"]].values.tolist() == [["voucher_lines", "V1/2", "WO-GHOST"]]


def test_missing_table_is_reported(tmp_path):
    url = f"sqlite:///{tmp_path / 'none.sqlite'}"
    f = _findings(url)
    assert set(f.check) == {"missing_table"} and len(f) == len(schema.CONTRACT_TABLES)


def test_missing_contract_column_is_named(tmp_path):
    # a database built for an older contract: purchase orders without the account they are charged to
    url = f"duckdb:///{tmp_path / 'old.duckdb'}"
    engine = eng.make_engine(url)
    eng.create_schema(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE purchase_orders DROP COLUMN account_code")
    engine.dispose()
    f = _findings(url)
    missing = f[f.check == "missing_column"]
    assert missing[["table_name", "column_name"]].values.tolist() == [["purchase_orders", "account_code"]]
