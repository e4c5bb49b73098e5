"""File import: a good folder round-trips on every database; every bad file is refused, named,
and nothing is stored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from data_loaders import engine as eng
from data_loaders import schema
from data_loaders.importer import import_folder, import_sources

# A tiny but complete ledger: one plant, two accounts, one work order, one balanced voucher.
GOOD = {
    "plants.csv": "plant_id,plant_name,city,currency\nP1,一厂,苏州,CNY\n",
    # Chinese headers (the contract's labels and aliases), UTF-8 with BOM
    "accounts.csv": "\ufeff科目编码,科目名称,科目类型,科目分类\n500101,生产成本-直接材料,asset,wip\n1403,原材料,asset,raw_materials\n",
    "cost_centers.csv": "cost_center_id,cost_center_name,parent_id,plant_id\nCC1,机加线,,P1\n",
    "products.csv": ("product_id,product_name,family,unit,std_material_cost,std_labor_cost,std_overhead_cost,list_price\n"
                     "FG1,球阀 DN15,阀门,pcs,10.5000,2.2500,3.0000,25.0000\n"),
    "work_centers.csv": ("work_center_id,work_center_name,plant_id,cost_center_id,machine_rate_per_h,labor_rate_per_h,overhead_rate_per_h,is_bottleneck\n"
                         "WC1,车床,P1,CC1,120.00,55.00,45.00,0\n"),
    "work_orders.csv": ("工单号,工厂,产品,工作中心,planned_qty,completed_qty,scrap_qty,planned_start_date,planned_end_date,actual_start_at,actual_end_at,status\n"
                        "WO-2026-00417,P1,FG1,WC1,100,98,2,2026/03/02,2026-03-05,2026-03-02 08:00,2026-03-04 17:30:00,completed\n"),
    "vouchers.csv": "凭证号,凭证日期,会计期间,凭证类型,状态,摘要\nMI202603-00001,2026-03-02,2026-03,MI,posted,生产领料 WO-2026-00417\n",
}
# voucher lines exported by "another ERP": its own headers, GBK encoded, renamed by a mapping file
OTHER_ERP_LINES = ("PZH,HH,KMDM,JFJE,DFJE,GDH,DJLX,DJH\n"
                   "MI202603-00001,1,500101,\"1,234.50\",0,WO-2026-00417,material_issue,MI-1\n"
                   "MI202603-00001,2,1403,0,1234.50,WO-2026-00417,material_issue,MI-1\n")
MAPPING = ("table,source_column,target_column\n"
           "voucher_lines,PZH,voucher_no\nvoucher_lines,HH,line_no\nvoucher_lines,KMDM,account_code\n"
           "voucher_lines,JFJE,debit_amount\nvoucher_lines,DFJE,credit_amount\nvoucher_lines,GDH,work_order_id\n"
           "voucher_lines,DJLX,source_doc_type\nvoucher_lines,DJH,source_doc_id\n")


def good_sources() -> list[tuple[str, bytes]]:
    files = [(name, text.encode("utf-8")) for name, text in GOOD.items()]
    files.append(("凭证分录.csv", OTHER_ERP_LINES.encode("gbk")))
    files.append(("column_mapping.csv", MAPPING.encode("utf-8")))
    return files


def counts(url: str) -> dict[str, int]:
    engine = eng.make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() for t in schema.CONTRACT_TABLES}
    finally:
        engine.dispose()


def test_good_folder_imports_on_every_database(empty_url, tmp_path):
    for name, data in good_sources():
        (tmp_path / name).write_bytes(data)
    report = import_folder(tmp_path, empty_url, mode="replace")
    assert report.ok, report.problems_frame().to_string()
    assert report.row_counts["voucher_lines"] == 2 and report.row_counts["work_orders"] == 1
    engine = eng.make_engine(empty_url, read_only=True)
    with engine.connect() as conn:
        line = conn.execute(sa.select(schema.voucher_lines).where(schema.voucher_lines.c.line_no == 1)).one()
        wo = conn.execute(sa.select(schema.work_orders)).one()
    engine.dispose()
    assert float(line.debit_amount) == 1234.50  # "1,234.50" with a thousands separator
    assert line.period == "2026-03"  # filled from the voucher header
    assert line.work_order_id == "WO-2026-00417" and line.source_doc_type == "material_issue"
    assert str(wo.planned_start_date)[:10] == "2026-03-02"  # 2026/03/02 parsed
    assert str(wo.actual_end_at)[:19] == "2026-03-04 17:30:00"


def test_append_refuses_keys_already_stored(empty_url):
    assert import_sources(good_sources(), empty_url, mode="append").ok
    report = import_sources(good_sources(), empty_url, mode="append")
    assert not report.ok
    assert any("already in the database" in p.message for p in report.problems)


def test_excel_workbook_with_one_sheet_per_table(tmp_path):
    url = f"duckdb:///{tmp_path / 'x.duckdb'}"
    wb = Workbook()
    ws = wb.active
    ws.title = "plants"
    ws.append(["plant_id", "plant_name", "city", "currency"])
    ws.append(["P9", "九厂", "武汉", "CNY"])
    ws2 = wb.create_sheet("工厂")  # the Chinese name of the same table
    ws2.append(["工厂编码", "工厂名称", "城市", "币种"])
    ws2.append(["P8", "八厂", "西安", "CNY"])
    buf = io.BytesIO()
    wb.save(buf)
    report = import_sources([("master.xlsx", buf.getvalue())], url, mode="replace")
    assert report.ok, report.problems
    assert counts(url)["plants"] == 2


# ---------------------------------------------------------------- the bad corpus
def _xlsx_with_formula() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "plants"
    ws.append(["plant_id", "plant_name", "city", "currency"])
    ws.append(["P1", "一厂", "=A1&\"x\"", "CNY"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _replace(name: str, text: str) -> list[tuple[str, bytes]]:
    return [(n, text.encode("utf-8") if n == name else d) for n, d in good_sources()]


BAD = {
    "wrong_encoding": (
        [("plants.csv", GOOD["plants.csv"].encode("utf-16"))],
        ("plants.csv", 0, "", "UTF-16"),
    ),
    "missing_column": (
        _replace("products.csv", "product_id,product_name,unit,std_material_cost,std_labor_cost,std_overhead_cost,list_price\nFG1,x,pcs,1,1,1,1\n"),
        ("products.csv", 1, "family", "required column 'family'"),
    ),
    "unbalanced_voucher": (
        [(n, d) for n, d in good_sources() if n != "凭证分录.csv"]
        + [("voucher_lines.csv", ("voucher_no,line_no,account_code,debit_amount,credit_amount\n"
                                  "MI202603-00001,1,500101,100.00,0\nMI202603-00001,2,1403,0,99.99\n").encode())],
        ("voucher_lines.csv", 2, "debit_amount/credit_amount", "does not balance"),
    ),
    "duplicate_key": (
        _replace("plants.csv", "plant_id,plant_name,city,currency\nP1,一厂,苏州,CNY\nP1,一厂又一次,苏州,CNY\n"),
        ("plants.csv", 3, "plant_id", "duplicate key"),
    ),
    "orphan_work_order": (
        [(n, d) for n, d in good_sources() if n != "凭证分录.csv"]
        + [("voucher_lines.csv", ("voucher_no,line_no,account_code,debit_amount,credit_amount,work_order_id\n"
                                  "MI202603-00001,1,500101,5.00,0,WO-9999\nMI202603-00001,2,1403,0,5.00,WO-2026-00417\n").encode())],
        ("voucher_lines.csv", 2, "work_order_id", "does not exist"),
    ),
    "unparsable_date": (
        _replace("vouchers.csv", "voucher_no,voucher_date,period,voucher_type,status\nMI202603-00001,2026-02-30,2026-03,MI,posted\n"),
        ("vouchers.csv", 2, "voucher_date", "not a date"),
    ),
    "negative_quantity": (
        _replace("work_orders.csv", GOOD["work_orders.csv"].replace(",100,98,2,", ",100,-98,2,")),
        ("work_orders.csv", 2, "completed_qty", "negative"),
    ),
    "empty_file": (
        [("plants.csv", b"")],
        ("plants.csv", 0, "", "empty"),
    ),
    "formula_cell": (
        [("plants.xlsx", _xlsx_with_formula())],
        ("plants.xlsx", 2, "city", "formula"),
    ),
    "csv_formula": (
        _replace("plants.csv", "plant_id,plant_name,city,currency\nP1,=HYPERLINK(\"x\"),苏州,CNY\n"),
        ("plants.csv", 2, "plant_name", "formula"),
    ),
    "too_many_decimals": (
        _replace("products.csv", GOOD["products.csv"].replace("25.0000", "25.00001")),
        ("products.csv", 2, "list_price", "more than 4 decimals"),
    ),
    "unknown_file": (
        [("销售台账.csv", "a,b\n1,2\n".encode())],
        ("销售台账.csv", 0, "", "no contract table"),
    ),
    "bad_choice": (
        _replace("work_orders.csv", GOOD["work_orders.csv"].replace(",completed\n", ",done\n")),
        ("work_orders.csv", 2, "status", "must be one of"),
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_file_is_refused_and_nothing_is_stored(case, tmp_path):
    url = f"duckdb:///{tmp_path / 'target.duckdb'}"
    assert import_sources(good_sources(), url, mode="replace").ok
    before = counts(url)
    sources, (file, row, column, message) = BAD[case]
    report = import_sources(sources, url, mode="replace")
    assert not report.ok
    hits = [p for p in report.problems if p.file == file and p.row == row and p.column == column and message in p.message]
    assert hits, report.problems_frame().to_string()
    assert counts(url) == before  # atomic: nothing replaced, nothing added


@pytest.mark.parametrize("case", ["unbalanced_voucher", "orphan_work_order"])
def test_bad_import_leaves_server_databases_untouched(case, empty_url):
    assert import_sources(good_sources(), empty_url, mode="replace").ok
    before = counts(empty_url)
    report = import_sources(BAD[case][0], empty_url, mode="replace")
    assert not report.ok and counts(empty_url) == before


def test_problem_names_the_value(tmp_path):
    report = import_sources(BAD["unparsable_date"][0], f"duckdb:///{tmp_path / 'x.duckdb'}", mode="replace")
    problem = next(p for p in report.problems if p.column == "voucher_date")
    assert problem.value == "2026-02-30"


def test_import_folder_that_does_not_exist(tmp_path):
    report = import_folder(tmp_path / "nope", f"duckdb:///{tmp_path / 'x.duckdb'}")
    assert not report.ok and "not a folder" in report.problems[0].message


def test_mode_is_checked():
    with pytest.raises(ValueError, match="mode"):
        import_sources([], "duckdb:///:memory:", mode="merge")


def test_no_leftover_files_after_a_refused_import(tmp_path):
    url = f"duckdb:///{tmp_path / 'target.duckdb'}"
    import_sources(good_sources(), url, mode="replace")
    import_sources(BAD["duplicate_key"][0], url, mode="append")
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == ["target.duckdb"]
