"""File import: a good folder round-trips on every database; every bad file is refused, named,
and nothing is stored."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from data_loaders import engine as eng
from data_loaders import importer
from data_loaders import schema
from data_loaders.importer import (COMMA, DOT, MAX_BYTES_ENV, MAX_ROWS_ENV, _frames_for_insert, detect_encoding, import_files,
                                   import_folder, import_sources, problems_from_db_error, read_sources, validate)
from data_loaders.validation import validate_database
from tests.conftest import built_once

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


def _xlsx(rows: list[list], header=("plant_id", "plant_name", "city", "currency"), title: str = "plants") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_shared_string(text: str) -> bytes:
    """A one-row plants workbook whose plant name is a shared string of any length (openpyxl itself
    writes inline strings and cuts them at 32,767 characters, as Excel does)."""
    zin = zipfile.ZipFile(io.BytesIO(_xlsx([["P2", "PLACEHOLDER", "苏州", "CNY"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body, n = re.subn(rb'<c r="B2" t="inlineStr"><is><t>PLACEHOLDER</t></is></c>', b'<c r="B2" t="s"><v>0</v></c>', body)
                assert n == 1, body[-600:]
            elif item.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif item.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"</Relationships>", b'<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/'
                                    b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
            zout.writestr(item, body)
        zout.writestr("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                      f'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>{text}</t></si></sst>')
    return out.getvalue()


def _lines(debit1: str, credit1: str, debit2: str, credit2: str) -> list[tuple[str, bytes]]:
    """The good ledger with its voucher's two lines carrying the given amounts (as typed)."""
    text = ("voucher_no,line_no,account_code,debit_amount,credit_amount\n"
            f'MI202603-00001,1,500101,"{debit1}","{credit1}"\nMI202603-00001,2,1403,"{debit2}","{credit2}"\n')
    return [(n, d) for n, d in good_sources() if n != "凭证分录.csv"] + [("voucher_lines.csv", text.encode())]


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
    # an ERP's float with an artefact short of 15 digits: refused, naming the profile option that rounds it (#15 walk)
    "float_artefact_names_round": (_lines("12.340000001", "0", "0", "12.340000001"),
                                   ("voucher_lines.csv", 2, "debit_amount", "names the column in `round`")),
    # a date key or an SQL Server date-time where a month is meant: the form expected and the way to it, not "longer than 7 characters"
    "period_as_date_key": (_replace("vouchers.csv", "voucher_no,voucher_date,period,voucher_type,status\nMI202603-00001,2026-03-02,20260302,MI,posted\n"),
                           ("vouchers.csv", 2, "period", "period must look like YYYY-MM (2010-12); a date or a date key")),
    "period_as_datetime": (_replace("vouchers.csv", "voucher_no,voucher_date,period,voucher_type,status\n"
                                                    "MI202603-00001,2026-03-02,2026-03-02 00:00:00.000,MI,posted\n"),
                           ("vouchers.csv", 2, "period", "period derivation of an import profile")),
    "unknown_file": (
        [("销售台账.csv", "a,b\n1,2\n".encode())],
        ("销售台账.csv", 0, "", "no contract table"),
    ),
    "bad_choice": (
        _replace("work_orders.csv", GOOD["work_orders.csv"].replace(",completed\n", ",done\n")),
        ("work_orders.csv", 2, "status", "must be one of"),
    ),
    # ---- numbers: exact, in range, one convention per file
    "out_of_range_1e30": (_lines("1e30", "0", "0", "1e30"), ("voucher_lines.csv", 2, "debit_amount", "out of range for NUMERIC(18,2)")),
    "above_the_maximum": (_lines("10000000000000000.00", "0", "0", "10000000000000000.00"),
                          ("voucher_lines.csv", 2, "debit_amount", "out of range for NUMERIC(18,2)")),
    "scientific_notation": (_lines("1.23457E+15", "0", "0", "1.23457E+15"), ("voucher_lines.csv", 2, "debit_amount", "scientific notation")),
    "negative_scale": (_lines("1E+3", "0", "0", "1E+3"), ("voucher_lines.csv", 2, "debit_amount", "scientific notation")),
    "line_no_out_of_range": (
        [(n, d) for n, d in good_sources() if n != "凭证分录.csv"]
        + [("voucher_lines.csv", "voucher_no,line_no,account_code,debit_amount,credit_amount\nMI202603-00001,99999999999,500101,1.00,0\n".encode())],
        ("voucher_lines.csv", 2, "line_no", "out of range for INTEGER"),
    ),
    "two_decimal_conventions": (_lines("1,234.50", "0", "0", "1234,50"), ("voucher_lines.csv", 3, "credit_amount", "both ways")),
    "ambiguous_thousands": (_lines("1,000", "0", "0", "1,000"), ("voucher_lines.csv", 2, "debit_amount", "ambiguous")),
    "ambiguous_dot_thousands": (_lines("1.000", "0", "0", "1.000"), ("voucher_lines.csv", 2, "debit_amount", "ambiguous")),
    # ---- formulas, whatever comes before them
    "formula_after_space": (_replace("plants.csv", 'plant_id,plant_name,city,currency\nP1," =HYPERLINK(""http://x"")",苏州,CNY\n'),
                            ("plants.csv", 2, "plant_name", "formula")),
    "formula_after_tab": (_replace("plants.csv", 'plant_id,plant_name,city,currency\nP1,"\t=1+1",苏州,CNY\n'),
                          ("plants.csv", 2, "plant_name", "formula")),
    "formula_plus_call": (_replace("plants.csv", "plant_id,plant_name,city,currency\nP1,+HYPERLINK(1),苏州,CNY\n"),
                          ("plants.csv", 2, "plant_name", "formula")),
    "formula_at_call": (_replace("plants.csv", "plant_id,plant_name,city,currency\nP1,@SUM(A1:A9),苏州,CNY\n"),
                        ("plants.csv", 2, "plant_name", "formula")),
    # ---- text that databases refuse or reports must not carry
    # ---- a currency must be an ISO 4217 code: RMB would become a fourth currency of its own (#15 walk)
    "currency_rmb": (_replace("plants.csv", "plant_id,plant_name,city,currency\nP1,一厂,苏州,RMB\n"),
                     ("plants.csv", 2, "currency", "ISO 4217")),
    "currency_lower_case": (_replace("plants.csv", "plant_id,plant_name,city,currency\nP1,一厂,苏州,usd\n"),
                            ("plants.csv", 2, "currency", "ISO 4217")),
    "nul_in_text": (_replace("plants.csv", "plant_id,plant_name,city,currency\nP1,一\x00厂,苏州,CNY\n"),
                    ("plants.csv", 2, "plant_name", "NUL character")),
    "one_megabyte_cell": (_replace("plants.csv", "plant_id,plant_name,city,currency\nP1," + "长" * (1 << 20) + ",苏州,CNY\n"),
                          ("plants.csv", 2, "plant_name", "more than a cell may hold")),
    "one_megabyte_xlsx_string": ([("plants.xlsx", _xlsx_shared_string("x" * (1 << 20)))],
                                 ("plants.xlsx", 2, "plant_name", "more than a cell may hold")),
    # ---- files and headers
    "header_only": ([("plants.csv", b"plant_id,plant_name,city,currency\n")], ("plants.csv", 0, "", "header but no rows")),
    "blank_lines_only": ([("plants.csv", b"\n \n\n")], ("plants.csv", 0, "", "empty")),
    "duplicate_headers": ([("plants.csv", "plant_id,plant_name,city,currency,city\nP1,一厂,苏州,CNY,无锡\n".encode())],
                          ("plants.csv", 1, "city", "appears twice")),
    "bom_then_gbk": ([("plants.csv", b"\xef\xbb\xbf" + GOOD["plants.csv"].encode("gbk"))], ("plants.csv", 0, "", "not UTF-8")),
    "encoding_cannot_be_told": ([("plants.csv", "plant_id,plant_name,city,currency\nP1,镕,x,CNY\n".encode("gbk"))],
                                ("plants.csv", 0, "", "cannot tell the text encoding")),
    "truncated_xlsx": ([("plants.xlsx", _xlsx([["P1", "一厂", "苏州", "CNY"]])[:300])], ("plants.xlsx", 0, "", "not a readable Excel file")),
    # ---- reading without a profile (#15): the delimiter is sniffed, a missing header said once
    "no_header_row": ([(n, d) for n, d in good_sources() if n != "凭证分录.csv"]
                      + [("voucher_lines.csv", b"MI202603-00001|1|500101|5.00|0\nMI202603-00001|2|1403|0|5.00\n")],
                      ("voucher_lines.csv", 1, "", "seems to have no header row")),
    "first_row_names_nothing": ([("plants.csv", "P9|九厂|武汉|CNY\nP8|八厂|西安|CNY\n".encode())], ("plants.csv", 1, "", "no name in the first row")),
    # a pipe file whose rows differ in their number of fields: the sniffer keeps the comma; the delimiter is named (#15 walk)
    "ragged_pipe_file": ([("plants.csv", "plant_id|plant_name|city|currency\nP1|一厂|苏州|CNY\nP2|二厂|无锡|CNY|x|y\nP3|三厂\n".encode())],
                         ("plants.csv", 1, "", "when split at '|' (pipe), but its rows do not all have the same number of fields")),
    # Kingdee's title line "凭证查询" above the header (GBK): a title to skip, not a delimiter inside a value (#15 walk)
    "title_line_above_header": ([("plants.csv", "工厂列表\nplant_id,plant_name,city,currency\nP1,一厂,苏州,CNY\n".encode("gbk"))],
                                ("plants.csv", 2, "", "a title line above the header? skip it (skip_rows = 1 in a profile")),
    "ragged_row": (_replace("plants.csv", "plant_id,plant_name,city,currency\nP1,一厂,苏州,CNY\nP2,二厂,无锡,CNY,x,y\n"),
                   ("plants.csv", 3, "", "has 6 fields where the first row has 4")),
    "time_of_day_in_date": (_replace("vouchers.csv", "voucher_no,voucher_date,period,voucher_type,status\nMI202603-00001,2026-03-02 10:30:00.000,2026-03,MI,posted\n"),
                            ("vouchers.csv", 2, "voucher_date", "a time of day where a date is expected")),
}


def checksum(url: str) -> dict[str, tuple]:
    """Per contract table: its row count and the sum of every NUMERIC column (to the cent)."""
    engine = eng.make_engine(url, read_only=True)
    out = {}
    try:
        with engine.connect() as conn:
            for t in schema.CONTRACT_TABLES:
                numeric = [c for c in t.columns if isinstance(c.type, sa.Numeric) and not isinstance(c.type, sa.Integer)]
                row = conn.execute(sa.select(sa.func.count(), *[sa.func.coalesce(sa.func.sum(c), 0) for c in numeric]).select_from(t)).one()
                out[t.name] = (row[0], *(round(float(v), 2) for v in row[1:]))
    finally:
        engine.dispose()
    return out


@pytest.fixture(scope="session")
def good_files(tmp_path_factory) -> dict[str, Path]:
    """The good ledger imported once per run into a file of each embedded kind (copied by ``local_url``)."""
    def make(folder: Path) -> None:
        for kind in ("duckdb", "sqlite"):
            assert import_sources(good_sources(), f"{kind}:///{folder / ('target.' + kind)}", mode="replace").ok
    folder = built_once(tmp_path_factory, "good_files", make)
    return {"duckdb": folder / "target.duckdb", "sqlite": folder / "target.sqlite"}


@pytest.fixture(params=["duckdb", "sqlite"])
def local_url(request, tmp_path, good_files):
    """A file database of each embedded kind, holding the good ledger (a copy of the one import:
    every test writes to its own file)."""
    target = tmp_path / good_files[request.param].name
    shutil.copyfile(good_files[request.param], target)
    return f"{request.param}:///{target}"


@pytest.mark.parametrize("mode", ["replace", "append"])
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_file_is_refused_and_nothing_is_stored(case, mode, local_url, good_files):
    sources, (file, row, column, message) = BAD[case]
    report = import_sources(sources, local_url, mode=mode)
    assert not report.ok
    hits = [p for p in report.problems if p.file == file and p.row == row and p.column == column and message in p.message]
    assert hits, report.problems_frame().to_string()
    assert all(len(p.value) <= 120 for p in report.problems)  # never a whole 1 MB cell in a report
    assert_unchanged(local_url, good_files)  # atomic: nothing replaced, nothing added


def assert_unchanged(url: str, good_files: dict[str, Path]) -> None:
    """The file at ``url`` (a ``local_url``) holds what the good import's file it was copied from
    holds: the same bytes with no WAL or journal beside it (what a refused import leaves; the same
    bytes are the same rows), else the same ``checksum`` as a fresh copy of that file. Reading 33
    tables' sums twice cost 2/3 of each of the 180 cases above."""
    kind = sa.engine.make_url(url).get_backend_name()
    path, source = Path(sa.engine.make_url(url).database), good_files[kind]
    beside = [p for p in path.parent.iterdir() if p != path and p.name.startswith(path.name)]
    if not beside and path.read_bytes() == source.read_bytes():
        return
    before = path.with_name("before_" + path.name)
    shutil.copyfile(source, before)
    assert checksum(url) == checksum(f"{kind}:///{before}")


@pytest.mark.parametrize("case", ["unbalanced_voucher", "orphan_work_order", "nul_in_text", "out_of_range_1e30", "above_the_maximum"])
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


# ---------------------------------------------------------------- exact numbers end to end
def _stored_amounts(url: str) -> list[tuple[int, str, str]]:
    engine = eng.make_engine(url, read_only=True)
    vl = schema.voucher_lines
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(vl.c.line_no, vl.c.debit_amount, vl.c.credit_amount).order_by(vl.c.line_no)).all()
    finally:
        engine.dispose()
    return [(r[0], str(Decimal(str(r[1])).quantize(Decimal("0.01"))), str(Decimal(str(r[2])).quantize(Decimal("0.01")))) for r in rows]


BIG_LINES = ("voucher_no,line_no,account_code,debit_amount,credit_amount\n"
             # 1234567890123456.78 = 1234567890123456.70 + 0.08: balanced exactly; as float64 (steps of 0.25
             # at 10^15) the debit becomes .75 and the credits .75 + .08 = .83, unbalanced by 0.08
             "MI202603-00001,1,500101,1234567890123456.78,0\n"
             "MI202603-00001,2,1403,0,1234567890123456.70\n"
             "MI202603-00001,3,1403,0,0.08\n"
             # the largest NUMERIC(18,2): 16 nines, point, two nines; as float64 it is 1e16, out of range
             "MI202603-00001,4,500101,9999999999999999.99,0\n"
             "MI202603-00001,5,1403,0,9999999999999999.99\n")


def test_amounts_are_stored_exactly(empty_url):
    if empty_url.startswith("sqlite"):
        pytest.skip("SQLite stores NUMERIC as REAL (8-byte float): documented in docs/IMPORT_PARSING.md")
    sources = [(n, d) for n, d in good_sources() if n != "凭证分录.csv"] + [("voucher_lines.csv", BIG_LINES.encode())]
    report = import_sources(sources, empty_url, mode="replace")
    assert report.ok, report.problems_frame().to_string()
    assert _stored_amounts(empty_url) == [
        (1, "1234567890123456.78", "0.00"), (2, "0.00", "1234567890123456.70"), (3, "0.00", "0.08"),
        (4, "9999999999999999.99", "0.00"), (5, "0.00", "9999999999999999.99")]
    engine = eng.make_engine(empty_url, read_only=True)
    try:
        findings = validate_database(engine)
    finally:
        engine.dispose()
    assert "unbalanced_voucher" not in set(findings["check"])


def test_validate_shows_the_totals_that_differ(tmp_path):
    """Two lines 0.02 apart at 10^15: a float prints both as …456.75; the finding must show both exactly."""
    url = f"duckdb:///{tmp_path / 'v.duckdb'}"
    assert import_sources(good_sources(), url, mode="replace").ok
    engine = eng.make_engine(url)
    with engine.begin() as conn:
        conn.execute(schema.voucher_lines.delete())
        conn.execute(schema.voucher_lines.insert(), [
            {"voucher_no": "MI202603-00001", "line_no": 1, "period": "2026-03", "account_code": "500101",
             "debit_amount": Decimal("1234567890123456.78"), "credit_amount": Decimal(0)},
            {"voucher_no": "MI202603-00001", "line_no": 2, "period": "2026-03", "account_code": "1403",
             "debit_amount": Decimal(0), "credit_amount": Decimal("1234567890123456.80")}])
    findings = validate_database(engine)
    engine.dispose()
    row = findings[findings["check"] == "unbalanced_voucher"].iloc[0]
    assert row["value"] == "1234567890123456.78 / 1234567890123456.80"


def test_decimal_comma_is_never_a_thousands_separator(local_url):
    """'1,00' (one, written with a decimal comma) is 1.00, never 100.00."""
    report = import_sources(_lines("1,00", "0", "0", "1,00"), local_url, mode="replace")
    assert report.ok, report.problems_frame().to_string()
    assert _stored_amounts(local_url) == [(1, "1.00", "0.00"), (2, "0.00", "1.00")]


def test_separators_detected_from_the_rest_of_the_file(local_url):
    """'1.000' alone is ambiguous; beside '12,50' (only a decimal comma reads it) it is one thousand."""
    text = ("voucher_no,line_no,account_code,debit_amount,credit_amount\n"
            'MI202603-00001,1,500101,"1.000","0"\nMI202603-00001,2,500101,"12,50","0"\n'
            'MI202603-00001,3,1403,"0","1.012,50"\n')
    sources = [(n, d) for n, d in good_sources() if n != "凭证分录.csv"] + [("voucher_lines.csv", text.encode())]
    report = import_sources(sources, local_url, mode="replace")
    assert report.ok, report.problems_frame().to_string()
    # 1000.00 + 12.50 = 1012.50
    assert _stored_amounts(local_url) == [(1, "1000.00", "0.00"), (2, "12.50", "0.00"), (3, "0.00", "1012.50")]


def test_stated_number_format_settles_ambiguous_values():
    text = "voucher_no,line_no,account_code,debit_amount,credit_amount\nV1,1,500101,\"1.000\",0\nV1,2,1403,0,\"1 000,5\"\n"
    parsed, problems, _ = read_sources([("voucher_lines.csv", text.encode())], number_format=COMMA)
    assert not problems
    assert parsed[0].frame["debit_amount"].tolist() == [Decimal("1000.00"), Decimal("0.00")]
    assert parsed[0].frame["credit_amount"].tolist() == [Decimal("0.00"), Decimal("1000.50")]
    parsed, problems, _ = read_sources([("voucher_lines.csv", text.replace('"1 000,5"', '"1,000"').encode())], number_format=DOT)
    assert not problems and parsed[0].frame["debit_amount"].tolist() == [Decimal("1.00"), Decimal("0.00")]
    assert parsed[0].frame["credit_amount"].tolist() == [Decimal("0.00"), Decimal("1000.00")]


def test_float_noise_is_rounded_and_counted(local_url):
    """614990.93999999994 is the 17-digit spelling of the float nearest 614990.94: rounded, and said."""
    report = import_sources(_lines("614990.93999999994", "0", "0", "614990.94"), local_url, mode="replace")
    assert report.ok, report.problems_frame().to_string()
    assert _stored_amounts(local_url) == [(1, "614990.94", "0.00"), (2, "0.00", "614990.94")]
    assert any("1 number(s) carried binary float noise" in w for w in report.warnings)
    # a real third decimal is not noise: refused
    report = import_sources(_lines("614990.945", "0", "0", "614990.945"), local_url, mode="replace")
    assert any("more than 2 decimals" in p.message for p in report.problems)


def test_excel_numbers_keep_their_cents(local_url):
    wb = Workbook()
    ws = wb.active
    ws.title = "voucher_lines"
    ws.append(["voucher_no", "line_no", "account_code", "debit_amount", "credit_amount"])
    ws.append(["MI202603-00001", 1, "500101", 0.1 + 0.2, 0])  # 0.30000000000000004 in the file
    ws.append(["MI202603-00001", 2, "1403", 0, 0.3])
    buf = io.BytesIO()
    wb.save(buf)
    sources = [(n, d) for n, d in good_sources() if n != "凭证分录.csv"] + [("lines.xlsx", buf.getvalue())]
    report = import_sources(sources, local_url, mode="replace")
    assert report.ok, report.problems_frame().to_string()
    assert _stored_amounts(local_url) == [(1, "0.30", "0.00"), (2, "0.00", "0.30")]


# ---------------------------------------------------------------- encodings
def test_cp1252_text_is_stored_as_written(local_url):
    text = "plant_id,plant_name,city,currency\nP2,Müller Straße,Köln,EUR\n"
    report = import_sources([("plants.csv", text.encode("cp1252"))], local_url, mode="append")
    assert report.ok, report.problems_frame().to_string()
    assert any("Windows-1252" in w for w in report.warnings)
    engine = eng.make_engine(local_url, read_only=True)
    with engine.connect() as conn:
        name = conn.execute(sa.select(schema.plants.c.plant_name).where(schema.plants.c.plant_id == "P2")).scalar()
    engine.dispose()
    assert name == "Müller Straße"  # never 'M黮ler Stra遝'


def test_detect_encoding_names_what_it_used():
    assert detect_encoding("科目,金额\n原材料,1\n".encode("utf-8"))[0] == "utf-8"
    assert detect_encoding("\ufeff科目\n".encode("utf-8"))[0] == "utf-8-sig"
    assert detect_encoding("plant_id,plant_name\nP1,一厂\nP2,二厂机加车间\n".encode("gbk"))[0] == "gb18030"
    assert detect_encoding("name\nCafé Crème,Orléans\n".encode("cp1252"))[0] == "cp1252"


# ---------------------------------------------------------------- Excel: stale dimension, limits
def _with_dimension(data: bytes, ref: str) -> bytes:
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                body, n = re.subn(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), body)
                assert n == 1
            zout.writestr(item, body)
    return out.getvalue()


def test_xlsx_rows_beyond_a_stale_dimension_are_read(local_url):
    data = _with_dimension(_xlsx([[f"P{i}", f"{i}厂", "苏州", "CNY"] for i in range(2, 7)]), "A1:B2")
    report = import_sources([("plants.xlsx", data)], local_url, mode="append")
    assert report.ok, report.problems_frame().to_string()
    assert counts(local_url)["plants"] == 1 + 5  # P1 from the good ledger, P2..P6 from the workbook


def _with_rows_after(data: bytes, xml: str) -> bytes:
    """The workbook with ``xml`` (row elements) written into its sheet after the rows it has."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body, n = re.subn(rb"</sheetData>", xml.encode() + b"</sheetData>", body)
                assert n == 1
            zout.writestr(item, body)
    return out.getvalue()


def _inline_row(cells: list[str], r: int | None = None) -> str:
    """A row of inline strings; without ``r`` neither the row nor its cells carry a number, so
    the row's number is the previous row's plus one and the cells' are counted from A."""
    number = "" if r is None else f' r="{r}"'
    body = "".join(f'<c{"" if r is None else f" r={chr(34)}{chr(65 + i)}{r}{chr(34)}"} t="inlineStr"><is><t>{v}</t></is></c>'
                   for i, v in enumerate(cells))
    return f"<row{number}>{body}</row>"


N_BLANK = 200_000


def _blank_rows(first: int, n: int) -> str:
    """``n`` blank rows from row ``first`` on: self-closed, or holding one empty styled cell."""
    return "".join(f'<row r="{r}"/>' if r % 2 else f'<row r="{r}" spans="1:4"><c r="A{r}" s="0"/></row>' for r in range(first, first + n))


def test_xlsx_data_after_many_blank_rows_is_imported(local_url):
    # row 1 header, row 2 P2, rows 3 .. 200,002 blank, row 200,003 P3
    data = _with_rows_after(_xlsx([["P2", "二厂", "苏州", "CNY"]]),
                            _blank_rows(3, N_BLANK) + _inline_row(["P3", "三厂", "无锡", "CNY"], r=3 + N_BLANK))
    report = import_sources([("plants.xlsx", data)], local_url, mode="append")
    assert report.ok, report.problems_frame().to_string()
    assert counts(local_url)["plants"] == 1 + 2  # P1 of the good ledger, P2 and P3 of the workbook
    engine = eng.make_engine(local_url, read_only=True)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT city FROM plants WHERE plant_id = 'P3'")).scalar() == "无锡"
    finally:
        engine.dispose()


def test_xlsx_rows_after_blank_rows_keep_their_numbers_in_messages(local_url):
    before = checksum(local_url)
    last = 3 + N_BLANK  # 200,003: the first row after the blank stretch (rows 3 .. 200,002)
    rows = (_blank_rows(3, N_BLANK)
            + _inline_row(["P3", "三厂", "=1+1", "CNY"], r=last)  # a formula: refused at row 200,003
            + f'<row r="{last + 1}"/>'  # blank row 200,004, then a row without a number: 200,005
            + _inline_row(["P4", "四厂", "=2+2", "CNY"]))
    report = import_sources([("plants.xlsx", _with_rows_after(_xlsx([["P2", "二厂", "苏州", "CNY"]]), rows))],
                            local_url, mode="append")
    found = [(p.file, p.row, p.column, p.value) for p in report.problems]
    assert found == [("plants.xlsx", 200_003, "city", "=1+1"), ("plants.xlsx", 200_005, "city", "=2+2")], found
    assert all("formula" in p.message for p in report.problems)
    assert checksum(local_url) == before


def test_file_and_row_limits(local_url, monkeypatch):
    before = checksum(local_url)
    monkeypatch.setenv(MAX_BYTES_ENV, "40")
    report = import_sources([("plants.csv", GOOD["plants.csv"].encode())], local_url, mode="append")
    assert [p.message for p in report.problems if p.file == "plants.csv" and "BFI_IMPORT_MAX_BYTES" in p.message]
    monkeypatch.setenv(MAX_BYTES_ENV, str(1 << 20))
    report = import_sources([("plants.xlsx", _xlsx_shared_string("x" * (2 << 20)))], local_url, mode="append")
    assert any("sharedStrings.xml" in p.message for p in report.problems), report.problems_frame().to_string()
    monkeypatch.delenv(MAX_BYTES_ENV)
    monkeypatch.setenv(MAX_ROWS_ENV, "2")
    text = "plant_id,plant_name,city,currency\nP2,a,b,CNY\nP3,a,b,CNY\nP4,a,b,CNY\n"
    report = import_sources([("plants.csv", text.encode())], local_url, mode="append")
    assert [p for p in report.problems if p.row == 4 and "BFI_IMPORT_MAX_ROWS" in p.message], report.problems_frame().to_string()
    assert checksum(local_url) == before


# ---------------------------------------------------------------- keys named before writing
def test_composite_keys_already_stored_are_named(empty_url):
    assert import_sources(good_sources(), empty_url, mode="replace").ok
    before = checksum(empty_url)
    text = "voucher_no,line_no,account_code,debit_amount,credit_amount\nMI202603-00001,2,500101,1.00,0\nMI202603-00001,3,1403,0,1.00\n"
    report = import_sources([("voucher_lines.csv", text.encode())], empty_url, mode="append")
    hits = [p for p in report.problems if (p.file, p.row, p.column, p.value) == ("voucher_lines.csv", 2, "voucher_no+line_no", "MI202603-00001/2")]
    assert hits and "already in the database" in hits[0].message, report.problems_frame().to_string()
    assert "leave out the rows (or the reference files) already stored, or import in replace mode" in hits[0].message  # the way out (#15 walk)
    assert not [p for p in report.problems if p.file == "(database)"]
    assert checksum(empty_url) == before


def test_database_errors_become_problems_with_file_and_row(tmp_path):
    parsed, problems, _ = read_sources(good_sources())
    assert not problems
    url = f"duckdb:///{tmp_path / 'e.duckdb'}"
    engine = eng.make_engine(url)
    eng.create_schema(engine)
    frames = _frames_for_insert(parsed)
    try:
        with pytest.raises(sa.exc.SQLAlchemyError) as caught:
            with engine.begin() as conn:
                eng.bulk_insert(conn, schema.plants, frames["plants"])
                eng.bulk_insert(conn, schema.plants, frames["plants"])
    finally:
        engine.dispose()
    found = problems_from_db_error(caught.value, parsed)
    assert [(p.file, p.row, p.column, p.value) for p in found] == [("plants.csv", 2, "plant_id", "P1")]

    class Diag:  # what psycopg carries for a unique violation
        table_name = "voucher_lines"
        message_detail = "Key (voucher_no, line_no)=(MI202603-00001, 2) already exists."

    class PgError(Exception):
        diag = Diag()

    found = problems_from_db_error(PgError("duplicate key value violates unique constraint"), parsed)
    assert [(p.file, p.row, p.column) for p in found] == [("凭证分录.csv", 3, "PZH+HH")]
    found = problems_from_db_error(Exception("numeric field overflow\nDETAIL: secret"), parsed)
    assert len(found) == 1 and "out of range" in found[0].message and "secret" not in found[0].message



# ---------------------------------------------------------------- memory: one file at a time, checks in slices
def _write_files(folder: Path, sources: list[tuple[str, bytes]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in sources:
        (folder / name).write_bytes(data)
    return [folder / name for name, _ in sources]


def test_import_files_reads_each_path_when_its_turn_comes(empty_url, tmp_path):
    """Paths instead of bytes: the same rows stored (the mapping file among them applied)."""
    report = import_files(_write_files(tmp_path / "in", good_sources()), empty_url, mode="replace")
    assert report.ok, report.problems_frame().to_string()
    assert report.row_counts["voucher_lines"] == 2 and report.row_counts["vouchers"] == 1
    assert _stored_amounts(empty_url) == [(1, "1234.50", "0.00"), (2, "0.00", "1234.50")]


@pytest.mark.parametrize("case", ["unbalanced_voucher", "duplicate_key", "wrong_encoding", "orphan_work_order"])
def test_import_files_names_problems_as_import_sources_does(case, tmp_path):
    sources = BAD[case][0]
    by_bytes = import_sources(sources, f"duckdb:///{tmp_path / 'a.duckdb'}", mode="replace")
    by_path = import_files(_write_files(tmp_path / "in", sources), f"duckdb:///{tmp_path / 'b.duckdb'}", mode="replace")
    assert not by_path.ok and by_path.problems == by_bytes.problems
    assert not (tmp_path / "b.duckdb").exists()


def test_import_files_refuses_a_file_it_cannot_read_or_that_is_too_big(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'x.duckdb'}"
    report = import_files([tmp_path / "plants.csv"], url, mode="replace")  # no such file
    assert [(p.file, p.row) for p in report.problems] == [("plants.csv", 0)] and "cannot read the file" in report.problems[0].message
    (tmp_path / "plants.csv").write_text(GOOD["plants.csv"], encoding="utf-8")
    monkeypatch.setenv(MAX_BYTES_ENV, "40")  # the file has 55 bytes: refused from its size, unread
    report = import_files([tmp_path / "plants.csv"], url, mode="replace")
    assert [(p.file, p.row) for p in report.problems] == [("plants.csv", 0)] and MAX_BYTES_ENV in report.problems[0].message
    assert not (tmp_path / "x.duckdb").exists()


# Checks that span slices, chunks and two files: V2 is short by 0.01 (rows 3 and 5); V3's line
# has both a debit and a credit, and a period that is not its voucher's (the second V3 header,
# 2026-04, wins); V9 has no voucher and is short by 1.00 (rows 7 and 9); V1/2 appears twice
# (rows 4 and 8); V4's lines are in two files and short by 1.00.
SLICED_VOUCHERS = ("voucher_no,voucher_date,period,voucher_type,status\n"
                   "V1,2026-03-02,2026-03,MI,posted\nV2,2026-03-02,2026-03,MI,posted\nV3,2026-03-02,2026-03,MI,posted\n"
                   "V4,2026-03-02,2026-03,MI,posted\nV3,2026-04-01,2026-04,MI,posted\n")
SLICED_LINES = ("voucher_no,line_no,account_code,debit_amount,credit_amount,period\n"
                "V1,1,500101,10.00,0,2026-03\nV2,1,500101,5.00,0,2026-03\nV1,2,1403,0,10.00,2026-03\n"
                "V2,2,1403,0,4.99,2026-03\nV3,1,500101,1.00,1.00,2026-03\nV9,1,500101,7.00,0,2026-03\n"
                "V1,2,1403,0,0,2026-03\nV9,2,1403,0,6.00,2026-03\nV4,1,500101,3.00,0,2026-03\n")
SLICED_MORE_LINES = "voucher_no,line_no,account_code,debit_amount,credit_amount,period\nV4,2,1403,0,2.00,2026-03\n"


def _sliced_problems() -> list[tuple]:
    sources = [("accounts.csv", GOOD["accounts.csv"].encode()), ("vouchers.csv", SLICED_VOUCHERS.encode()),
               ("voucher_lines.csv", SLICED_LINES.encode()), ("凭证分录.csv", SLICED_MORE_LINES.encode())]
    parsed, problems, _ = read_sources(sources)
    assert not problems
    return [(p.file, p.row, p.column, p.value, p.message) for p in validate(parsed)]


def test_checks_find_the_same_problems_whatever_the_slice_and_chunk_size(monkeypatch):
    """The key and voucher checks run over slices of SLICE_ROWS lines of chunked columns: slices
    of 2 lines over chunks of 3 rows find exactly what one pass over one chunk finds."""
    whole = _sliced_problems()
    monkeypatch.setattr(importer, "SLICE_ROWS", 2)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)
    assert _sliced_problems() == whole
    found = {(f, r, c, v): m for f, r, c, v, m in whole}
    assert "also in vouchers.csv row 4" in found[("vouchers.csv", 6, "voucher_no", "V3")]
    assert "also in voucher_lines.csv row 4" in found[("voucher_lines.csv", 8, "voucher_no+line_no", "V1/2")]
    assert "V3's 2026-04" in found[("voucher_lines.csv", 6, "period", "2026-03")]
    assert "both a debit and a credit" in found[("voucher_lines.csv", 6, "debit_amount", "1.00 / 1.00")]
    assert "debits 5.00 ≠ credits 4.99 (rows 3, 5)" in found[("voucher_lines.csv", 3, "debit_amount/credit_amount", "V2")]
    assert "debits 7.00 ≠ credits 6.00 (rows 7, 9)" in found[("voucher_lines.csv", 7, "debit_amount/credit_amount", "V9")]
    assert "debits 3.00 ≠ credits 2.00 (rows 10, 2)" in found[("voucher_lines.csv", 10, "debit_amount/credit_amount", "V4")]
    assert not [k for k in found if k[3] in ("V1", "V3") and k[2] == "debit_amount/credit_amount"]  # balanced


# ---------------------------------------------------------------- reading without a profile (#15)
def test_delimiter_is_sniffed_and_named():
    pipe = "plant_id|plant_name|city|currency\nP1|一厂|苏州|CNY\n".encode()
    tab = b"plant_id\tplant_name\tcity\tcurrency\nP2\tTwo\tWuxi\tCNY\n"
    semi = b"plant_id;plant_name;city;currency\nP3;Three;Xian;CNY\n"
    parsed, problems, warnings = read_sources([("plants.csv", pipe), ("工厂.csv", tab), ("plants .csv", semi)])
    assert not problems and [list(p.frame.plant_id) for p in parsed] == [["P1"], ["P2"], ["P3"]]
    assert [w.split(" (detected)")[0] for w in warnings] == ["plants.csv: columns separated by '|' (pipe)",
                                                            "工厂.csv: columns separated by '\t' (TAB)",
                                                            "plants .csv: columns separated by ';' (semicolon)"]
    # a comma (the default) is not mentioned
    assert read_sources([("plants.csv", GOOD["plants.csv"].encode())])[2] == []


def test_sql_server_datetimes_and_blank_optional_datetimes():
    text = GOOD["work_orders.csv"].replace("2026/03/02,2026-03-05,2026-03-02 08:00,2026-03-04 17:30:00",
                                           "2026-03-02 00:00:00.000,2026-03-05 00:00:00.000,2026-03-02 08:00:00.123,")
    parsed, problems, _ = read_sources([("work_orders.csv", text.encode())])
    assert not problems, problems
    row = parsed[0].frame.iloc[0]
    assert str(row.planned_start_date)[:10] == "2026-03-02" and str(row.actual_start_at) == "2026-03-02 08:00:00.123000"
    assert row.actual_end_at is pd.NaT or pd.isna(row.actual_end_at)  # blank stays blank (was "not a date")
