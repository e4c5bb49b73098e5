"""Import problems are counted, all of them, and shown by kind: the total and the count of each
kind first, then the first few of each kind, then the full list (#15, "Messages")."""

from __future__ import annotations

import json

from cli import main as cli_main
from data_loaders.importer import MAX_PROBLEMS, import_sources, problem_kind
from tests.test_importer import GOOD, checksum

HEADER = "voucher_no,line_no,account_code,debit_amount,credit_amount"


def sources(lines: list[str]) -> list[tuple[str, bytes]]:
    files = [(name, text.encode("utf-8")) for name, text in GOOD.items()]
    return files + [("voucher_lines.csv", ("\n".join([HEADER, *lines]) + "\n").encode())]


def test_parse_problems_beyond_the_list_are_counted_by_kind(empty_url):
    # 2,300 cells that are not numbers, then 2,200 negative credits: the parser lists the first
    # MAX_PROBLEMS (2,000) of each kind and counts the rest
    lines = [f"MI202603-00001,{10 + i},500101,x{i},0" for i in range(2300)]
    lines += [f"MI202603-00001,{5000 + i},1403,0,-1.00" for i in range(2200)]
    before = checksum(empty_url)
    report = import_sources(sources(lines), empty_url, mode="replace")
    assert not report.ok and checksum(empty_url) == before
    assert report.total == 2300 + 2200
    assert not report.checked  # values only: keys, references and balances come once these are fixed (#15 walk)
    kinds = report.kinds_frame().set_index("kind")
    assert list(kinds.index) == ["不是数字", "不能为负数"]  # most frequent first
    assert kinds["count"].to_dict() == {"不是数字": 2300, "不能为负数": 2200}
    assert kinds["listed"].to_dict() == {"不是数字": 2000, "不能为负数": 2000}
    first = report.problems_frame(per_kind=2)
    # rows: header 1, the bad numbers 2..2301, the negative credits from 2302
    assert list(zip(first.row, first.column, first.value)) == [(2, "debit_amount", "x0"), (3, "debit_amount", "x1"),
                                                               (2302, "credit_amount", "-1.00"), (2303, "credit_amount", "-1.00")]


def test_check_problems_are_counted_by_kind_with_file_and_row(empty_url):
    # 2,200 lines on an unknown account (each a problem), 2,100 copies of one key (the first is
    # the key's own row, the other 2,099 duplicates), and so the voucher does not balance:
    # debits 2,200 x 1.00 + 10.00 = 2,210.00, credits 2,100 x 1.00 = 2,100.00
    lines = [f"MI202603-00001,{5000 + i},999999,1.00,0" for i in range(2200)]
    lines += ["MI202603-00001,7,1403,0,1.00"] * 2100
    lines += ["MI202603-00001,1,500101,10.00,0"]
    report = import_sources(sources(lines), empty_url, mode="replace")
    assert report.total == 2200 + 2099 + 1
    assert report.checked  # every check ran: the total is the whole
    kinds = report.kinds_frame().set_index("kind")
    assert kinds["count"].to_dict() == {"引用的会计科目不存在": 2200, "主键重复": 2099, "借贷不平衡": 1}
    assert kinds["listed"].to_dict() == {"引用的会计科目不存在": MAX_PROBLEMS, "主键重复": MAX_PROBLEMS, "借贷不平衡": 1}
    assert "debits 2210.00 ≠ credits 2100.00" in kinds.loc["借贷不平衡", "message"]
    dup = report.problems_frame(per_kind=1)
    # spreadsheet rows: header is row 1, the 2,200 unknown accounts are rows 2..2201, the key's first copy row 2202
    assert ("voucher_lines.csv", 2203, "voucher_no+line_no", "MI202603-00001/7") in set(zip(dup.file, dup.row, dup.column, dup.value))
    assert len(report.problems_frame()) == MAX_PROBLEMS + MAX_PROBLEMS + 1


def test_cli_prints_the_total_and_the_kinds(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in sources([f"MI202603-00001,{10 + i},500101,x{i},0" for i in range(2300)]):
        (folder / name).write_bytes(data)
    code = cli_main(["--db", f"duckdb:///{tmp_path / 'x.duckdb'}", "import", str(folder), "--mode", "replace", "--yes"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["total_problems"] == 2300
    assert out["not_checked_yet"].startswith("only the files' values were checked so far")  # the total may grow once fixed
    assert [(k["kind"], k["count"], k["listed"]) for k in out["kinds"]] == [("不是数字", 2300, 2000)]
    assert len(out["problems"]) == 2000


def test_kind_blanks_values():
    assert problem_kind("duplicate key, also in a.csv row 12 / 主键重复") == "主键重复"
    assert problem_kind("required column 'x' is missing") == problem_kind("required column 'y' is missing")
    assert problem_kind("period must look like YYYY-MM, got 2026-13 / 期间格式应为 YYYY-MM") == "期间格式应为 YYYY-MM"


def test_data_page_shows_the_total_the_kinds_and_the_first_of_each(app_data_dir):
    from streamlit.testing.v1 import AppTest
    from tests.test_app import APP, _open

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at = _open(at, "pages/data.py", "en")
    lines = [f"MI202603-00001,{10 + i},500101,x{i},0" for i in range(2300)]
    lines += [f"MI202603-00001,{5000 + i},1403,0,-1.00" for i in range(2200)]
    at.file_uploader(key="data_upload").set_value([(name, data, "text/csv") for name, data in sources(lines)])
    at.run()
    at.button(key="data_import_button").click()
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["Import rejected; nothing was stored: 4,500 problems of 2 kinds."]
    kinds = at.dataframe[-3].value  # kinds, first of each, every listed one: the last three tables
    assert list(kinds.iloc[:, 1]) == [2300, 2200] and list(kinds.iloc[:, 2]) == [2000, 2000]
    first = at.dataframe[-2].value
    assert len(first) == 2 * 10 and list(first.iloc[:, 1])[:2] == [2, 3]  # file, spreadsheet row, column, value, message
    every = at.dataframe[-1].value
    assert len(every) == 4000
    assert any("the other 500 are counted only" in c.value for c in at.caption)
    assert any(c.value.startswith("Only the files' values") for c in at.caption)  # more may follow once these are fixed
