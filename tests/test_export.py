"""Excel export: read every workbook back with openpyxl and check values, formats and layout by hand."""

import datetime as dt
import io
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ui.export import ABOUT_SHEET, ExportSheet, display_width, sheet_names, to_excel_bytes


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _sheet_xml(data: bytes, index: int = 1) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")


def _column(ws, letter: str) -> list:
    return [c.value for c in ws[letter][1:]]


def _one(frame: pd.DataFrame, kinds: dict) -> tuple[bytes, "openpyxl.worksheet.worksheet.Worksheet"]:
    data = to_excel_bytes([ExportSheet("T", frame, kinds)])
    return data, _book(data)["T"]


def test_money_rounds_half_away_from_zero_on_the_decimal_text():
    frame = pd.DataFrame({"金额 Amount (CNY)": [614990.93999999994, 2.675, -2.675, 1.005, 0.1 + 0.2, -0.001, 12]})
    data, ws = _one(frame, {"金额 Amount (CNY)": "money"})
    # 614990.93999999994 is the float 614990.94; 2.675 -> 2.68 and -2.675 -> -2.68 (half away
    # from zero, where round(2.675, 2) == 2.67); 1.005 -> 1.01; 0.1 + 0.2 = 0.30000000000000004 -> 0.30;
    # -0.001 -> -0.00 is written as 0 (never "-0"); the int 12 stays 12
    assert round(2.675, 2) == 2.67  # what float rounding would have written
    assert _column(ws, "A") == [614990.94, 2.68, -2.68, 1.01, 0.3, 0, 12]
    assert {c.number_format for c in ws["A"][1:]} == {"#,##0.00;[Red]-#,##0.00"}
    written = re.findall(r"<v>([^<]*)</v>", _sheet_xml(data))
    assert written == ["614990.94", "2.68", "-2.68", "1.01", "0.3", "0", "12"]


def test_price_pct_and_measures():
    frame = pd.DataFrame({
        "单价 Price": [3.14159265, 0.00005, 2.0],
        "比率 Ratio": [-0.04832968871948507, 0.1 + 0.2, 0.0000005],
        "数量 Qty": [1.23456, 2.0, 1000.5],
        "整数量 Whole qty": [1.0, 2.0, 1000.0],
        "时长 Minutes": [12.34567, 0.05, 600.0],
        "天数 Days": [30.0, 45.6789, -1.0005],
        "次数 Count": np.array([7, 0, 12], dtype=np.int64),
    })
    kinds = {"单价 Price": "price", "比率 Ratio": "pct", "数量 Qty": "qty", "整数量 Whole qty": "qty",
             "时长 Minutes": "duration", "天数 Days": "days", "次数 Count": "count"}
    _, ws = _one(frame, kinds)
    # price: 4 decimals, 3.14159265 -> 3.1416; 0.00005 -> 0.0001 (half away from zero)
    assert _column(ws, "A") == [3.1416, 0.0001, 2]
    assert ws["A2"].number_format == "#,##0.0000"
    # pct stays a fraction, 6 decimals: -0.0483296|887 -> -0.048330; 0.0000005 -> 0.000001
    assert _column(ws, "B") == [-0.04833, 0.3, 0.000001]
    assert ws["B2"].number_format == "0.0%"
    # qty: 3 decimals in the value (1.23456 -> 1.235), "#,##0.##"; all whole -> "#,##0"
    assert _column(ws, "C") == [1.235, 2, 1000.5]
    assert ws["C2"].number_format == "#,##0.##"
    assert _column(ws, "D") == [1, 2, 1000]
    assert ws["D2"].number_format == "#,##0"
    # duration and days: 3 decimals in the value, one shown; -1.0005 -> -1.001
    assert _column(ws, "E") == [12.346, 0.05, 600]
    assert _column(ws, "F") == [30, 45.679, -1.001]
    assert ws["E2"].number_format == ws["F2"].number_format == "#,##0.0"
    # count: Python ints
    assert _column(ws, "G") == [7, 0, 12]
    assert all(type(v) is int for v in _column(ws, "G"))
    assert ws["G2"].number_format == "#,##0"


def test_count_rounds_half_away_and_flags_are_booleans():
    frame = pd.DataFrame({"n": [2.5, -2.5, 3.0], "ok": [True, False, None]})
    _, ws = _one(frame, {"n": "count", "ok": "flag"})
    assert _column(ws, "A") == [3, -3, 3]
    assert _column(ws, "B") == [True, False, None]
    assert [c.data_type for c in ws["B"][1:3]] == ["b", "b"]


def test_empty_cells_for_nan_none_nat_and_na():
    frame = pd.DataFrame({
        "money": [1.5, np.nan, np.inf],
        "text": ["a", None, pd.NA],
        "date": pd.to_datetime(["2024-01-31", None, "2024-02-29"]),
        "count": pd.array([1, pd.NA, 3], dtype="Int64"),
        "name": pd.array(["x", pd.NA, "z"], dtype="string"),
    })
    _, ws = _one(frame, {"money": "money", "text": "text", "date": "date", "count": "count", "name": "text"})
    assert [c.value for c in ws[3]] == [None] * 5
    assert ws["A4"].value is None  # infinity has no cell value either
    assert ws["D2"].value == 1 and ws["D4"].value == 3


def test_dates_are_dates_and_datetimes_lose_their_zone_not_their_wall_time():
    frame = pd.DataFrame({
        "日期 Date": pd.to_datetime(["2024-01-31", "2024-02-29"]),
        "py date": [dt.date(2024, 1, 31), dt.date(2024, 2, 29)],
        "时间 At": pd.to_datetime(["2024-01-31 10:15:00", "2024-02-29 23:59:30"]).tz_localize("Asia/Shanghai"),
    })
    data, ws = _one(frame, {"日期 Date": "date", "py date": "date", "时间 At": "datetime"})
    assert ws["A2"].is_date and ws["A2"].number_format == "yyyy-mm-dd"
    assert ws["A2"].value == dt.datetime(2024, 1, 31) and ws["B3"].value == dt.datetime(2024, 2, 29)
    assert ws["C2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["C2"].value == dt.datetime(2024, 1, 31, 10, 15)
    assert ws["C3"].value == dt.datetime(2024, 2, 29, 23, 59, 30)
    # a date is a whole day serial: 2024-01-31 - 1899-12-30 = 45,322 days; no time fraction
    assert (dt.date(2024, 1, 31) - dt.date(1899, 12, 30)).days == 45322
    assert '<c r="A2" s="' in _sheet_xml(data) and "<v>45322</v>" in _sheet_xml(data)


def test_header_row_frozen_filtered_bold_filled_and_wrapping():
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"], "c": [0.5, 0.25, 0.125]})
    _, ws = _one(frame, {"a": "count", "b": "text", "c": "pct"})
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C4"  # 3 columns, header + 3 rows
    header = ws["A1"]
    assert header.font.bold and header.alignment.wrap_text
    assert header.fill.fill_type == "solid" and header.fill.fgColor.rgb.endswith("DDEBF7")
    assert not ws["A2"].font.bold


def test_widths_count_cjk_as_two_and_stay_between_8_and_60():
    assert display_width("工单编号名称说明") == 16 and display_width("abcdefgh") == 8
    frame = pd.DataFrame({"工单编号名称说明": ["x"], "abcdefgh": ["x"], "n": ["x"], "long": ["y" * 100],
                          "金额 Amount": [1234567.891]})
    _, ws = _one(frame, {"金额 Amount": "money"})
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    # 16 + 2 padding; 8 + 2; 1 + 2 -> minimum 8; 100 + 2 -> maximum 60;
    # "1,234,567.89" is 12 characters wide, the header 2*2 + 1 + 6 = 11 -> 12 + 2
    assert widths == {"A": 18, "B": 10, "C": 8, "D": 60, "E": 14}
    assert widths["A"] > widths["B"]


def test_about_sheet_comes_first_with_title_and_rows():
    about = [("范围 Scope", "工厂 P1"), ("筛选 Filters", "-"), ("数据截至 Data as of", dt.datetime(2024, 5, 31, 18, 0))]
    data = to_excel_bytes([ExportSheet("明细", pd.DataFrame({"a": [1]}), {})], about=about, title="工单明细 Work orders")
    wb = _book(data)
    assert wb.sheetnames == [ABOUT_SHEET, "明细"] and ABOUT_SHEET == "说明 About"
    ws = wb[ABOUT_SHEET]
    assert ws["A1"].value == "工单明细 Work orders" and ws["A1"].font.bold
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == [
        ["范围 Scope", "工厂 P1"], ["筛选 Filters", "-"], ["数据截至 Data as of", dt.datetime(2024, 5, 31, 18, 0)]]
    assert ws["B4"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["B3"].quotePrefix  # "-" would be read as the start of a formula
    # widths: "工单明细 Work orders" is a title row, not fitted; labels: "数据截至 Data as of" = 4*2 + 1 + 10 = 19 -> 21
    assert ws.column_dimensions["A"].width == 21
    assert ws.column_dimensions["B"].width == 18  # the datetime is 16 wide, + 2


def test_sheet_names_are_cut_cleaned_and_unique():
    # "a/b:c" -> "a_b_c"; 40 x's -> 31; the same 40 in capitals collides (Excel ignores case)
    # -> 27 X's + " (2)" = 31; the about sheet's name is taken; [] become _
    names = ["a/b:c", "x" * 40, "X" * 40, "说明 About", "Sheet[1]", "", "'quoted'"]
    assert sheet_names(names, taken=[ABOUT_SHEET]) == [
        "a_b_c", "x" * 31, "X" * 27 + " (2)", "说明 About (2)", "Sheet_1_", "Sheet", "quoted"]
    frames = [ExportSheet(n, pd.DataFrame({"a": [1]}), {}) for n in names]
    wb = _book(to_excel_bytes(frames, about=[("k", "v")]))
    assert wb.sheetnames == [ABOUT_SHEET, "a_b_c", "x" * 31, "X" * 27 + " (2)", "说明 About (2)", "Sheet_1_",
                             "Sheet", "quoted"]


def test_formula_guard_writes_text_excel_never_evaluates():
    texts = ["=1+1", ' =HYPERLINK("http://example.invalid","click")', "+41", "-5", "@SUM(A1)", "\tx", "\r=1",
             "#N/A", "a=b", "plain"]
    guarded = [True, True, True, True, True, True, True, True, False, False]
    frame = pd.DataFrame({"=cmd": texts, "link": texts})
    data, ws = _one(frame, {"=cmd": "text", "link": "link"})
    for row, (text, guard) in enumerate(zip(texts, guarded), start=2):
        for col in "AB":
            cell = ws[f"{col}{row}"]
            # openpyxl's own XML writer leaves a CR raw, which XML reads as LF ("\r=1" -> "\n=1");
            # with lxml installed it is escaped and comes back as CR: either way guarded text
            assert cell.value in (text, text.replace("\r", "\n")), (row, col)
            assert cell.data_type == "s", (row, col)
            assert cell.quotePrefix is guard, (row, col, text)
    assert ws["A1"].value == "=cmd" and ws["A1"].data_type == "s" and ws["A1"].quotePrefix
    xml = _sheet_xml(data)
    assert "<f>" not in xml and 't="e"' not in xml


def test_dict_call_still_works_with_number_formats_for_numeric_columns():
    frame = pd.DataFrame({"编号 Code": ["A1", "B2"], "数量 Qty": [3, 1200], "金额 Amount": [1234.5, 0.1 + 0.2],
                          "flag": [True, False], "日期 Date": pd.to_datetime(["2024-01-31", "2024-02-29"])})
    data = to_excel_bytes({"A very long sheet name that Excel would refuse": frame})
    wb = _book(data)
    assert wb.sheetnames == ["A very long sheet name that Exc"]  # the first 31 characters
    ws = wb.active
    assert [c.value for c in ws[1]] == list(frame.columns)
    assert _column(ws, "A") == ["A1", "B2"] and ws["A2"].number_format == "General"
    assert _column(ws, "B") == [3, 1200] and ws["B2"].number_format == "#,##0"
    # 0.1 + 0.2 -> 0.3 (six decimals at most), thousands separators, 2 to 6 decimals shown
    assert _column(ws, "C") == [1234.5, 0.3] and ws["C2"].number_format == "#,##0.00####"
    assert _column(ws, "D") == [True, False]
    assert ws["E2"].value == dt.datetime(2024, 1, 31) and ws["E2"].number_format == "yyyy-mm-dd"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:E3"


def test_no_float_artefact_reaches_any_cell():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"m": rng.normal(0, 1e6, 500), "p": rng.random(500), "q": rng.random(500) * 1e3,
                          "x": rng.random(500) / 3})
    data, _ = _one(frame, {"m": "money", "p": "pct", "q": "qty", "x": "price"})
    numbers = re.findall(r"<v>([^<]*)</v>", _sheet_xml(data))
    assert len(numbers) == 2000
    # at most 6 decimals anywhere (pct); none of the 17-digit tails binary floats carry
    assert all(len(v.split(".")[1]) <= 6 for v in numbers if "." in v)


def test_unknown_kind_is_refused_and_empty_inputs_still_make_a_workbook():
    with pytest.raises(ValueError, match="kinds"):
        to_excel_bytes([ExportSheet("t", pd.DataFrame({"a": [1]}), {"a": "currency"})])
    assert _book(to_excel_bytes([])).sheetnames == ["Sheet"]
    ws = _book(to_excel_bytes({"e": pd.DataFrame({"a": [], "b": []})}))["e"]
    assert [c.value for c in ws[1]] == ["a", "b"] and ws.max_row == 1 and ws.auto_filter.ref == "A1:B1"


def test_a_larger_table_ends_where_it_should():
    n = 3000
    frame = pd.DataFrame({"id": [f"WO-{i:05d}" for i in range(n)], "amount": np.arange(n) * 1.1})
    _, ws = _one(frame, {"id": "text", "amount": "money"})
    # 2999 * 1.1 = 3298.9000000000001 as a float product; written 3298.9
    assert ws.max_row == n + 1 and ws[f"A{n + 1}"].value == "WO-02999" and ws[f"B{n + 1}"].value == 3298.9
    assert ws.auto_filter.ref == f"A1:B{n + 1}"
