"""The mapping screen's reading options, value maps and row filters (#15): a headerless pipe file
whose fourth column codes the currency (1 = CNY, 2 = USD) and whose plant P7 is filtered out;
the profile the screen saves reproduces its preview through ``cli.py import --profile`` and
when uploaded back as a profile."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from data_loaders import engine as eng
from data_loaders.mapping_rules import parse_keep, parse_value_map, rule_from_screen
from data_loaders.profiles import ValidationError
from tests.test_app import _open, app  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]
# P7 is coded 2 (USD) and left out by the filter "keep 1"; the others map 1 -> CNY
ORGS = "P9|九厂|武汉|1\nP8|八厂|西安|1\nP7|七厂|成都|2\n".encode()


def test_parse_and_a_bad_value_map_is_located():
    assert parse_value_map("1 = CNY; 2=USD;") == {"1": "CNY", "2": "USD"}
    assert parse_keep("P9, P8; ") == ["P9", "P8"]
    with pytest.raises(ValidationError) as exc:
        rule_from_screen("orgs.txt", "plants", False, ["column 1"], "pipe", {"plant_id": "column 1"}, {},
                         maps={"column 1": "P9 CNY"})
    (error,) = exc.value.errors(include_url=False)
    assert error["loc"] == ("map", "column 1") and "'P9 CNY' is not 'from = to'" in error["msg"]


def _headerless_plants(app, lang: str):
    """The Data page with ``ORGS`` uploaded, mapped to plants, its header row unchecked."""
    at = _open(app, "pages/data.py", lang)
    at.file_uploader(key="data_upload").set_value([("orgs.txt", ORGS, "text/plain")])
    at.run()
    at.selectbox(key=f"map_table_0.{lang}").set_value("plants")
    at.run()
    at.checkbox(key="map_header_0").uncheck()
    return at


def test_mapping_screen_value_map_filter_and_options_round_trip(app, tmp_path):
    at = _headerless_plants(app, "en")
    at.selectbox(key="map_delimiter_0.en").set_value("pipe")
    at.selectbox(key="map_encoding_0.en").set_value("utf-8")
    at.run()
    for column, source in (("plant_id", "column 1"), ("plant_name", "column 2"), ("city", "column 3"), ("currency", "column 4")):
        at.selectbox(key=f"map_0_{column}.en").set_value(source)
        at.run()
    at.text_input(key="map_values_0_3").input("1 = CNY; 2 = USD")
    at.text_input(key="map_keep_0_3").input("1")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = at.code[0].value
    import tomllib

    saved = tomllib.loads(text)["files"][0]
    assert (saved["delimiter"], saved["encoding"], saved["header"]) == ("pipe", "utf-8", False)
    assert saved["map"] == {"column 4": {"1": "CNY", "2": "USD"}} and saved["filter"] == [{"column": "column 4", "in": ["1"]}]
    at.button(key="data_preview_button").click()
    at.run()
    preview = next(d.value for d in at.dataframe if "P9" in set(d.value.iloc[:, 0].astype(str)))
    shown = [tuple(r) for r in preview.iloc[:, :4].astype(str).itertuples(index=False)]
    assert shown == [("P9", "九厂", "武汉", "CNY"), ("P8", "八厂", "西安", "CNY")]  # P7 (coded 2) filtered out
    # the saved profile, reused by the command line on a new database, stores what the preview showed
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "orgs.txt").write_bytes(ORGS)
    (tmp_path / "saved.toml").write_text(text, encoding="utf-8")
    url = f"duckdb:///{tmp_path / 'x.duckdb'}"
    run = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--db", url, "import", str(folder), "--profile",
                          str(tmp_path / "saved.toml")], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["rows"] == {"plants": 2}
    engine = eng.make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            stored = [tuple(r) for r in conn.exec_driver_sql("SELECT plant_id, plant_name, city, currency FROM plants")]
    finally:
        engine.dispose()
    assert sorted(stored) == sorted(shown)
    # uploaded back as a profile, it previews the same rows
    at.file_uploader(key="data_profile").set_value([("saved.toml", text.encode(), "application/toml")])
    at.run()
    at.button(key="data_preview_button").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    again = next(d.value for d in at.dataframe if "P9" in set(d.value.iloc[:, 0].astype(str)))
    assert [tuple(r) for r in again.iloc[:, :4].astype(str).itertuples(index=False)] == shown


def test_a_headerless_files_columns_and_derivations_read_in_chinese(app):
    # a Chinese screen names a file's unnamed columns 第 N 列 and lists a derivation in Chinese;
    # the profile keeps "column N", which the command line reads (#15 walk: "column 3", "copy: … → city")
    at = _headerless_plants(app, "zh")
    at.run()
    assert at.selectbox(key="map_0_plant_id.zh").options[1:] == ["第 1 列", "第 2 列", "第 3 列", "第 4 列"]
    assert [x.label for x in at.text_input if x.key == "map_values_0_3"] == ["第 4 列：值映射"]
    at.selectbox(key="map_dop_0.zh").set_value("copy")
    at.run()
    at.selectbox(key="map_d_0_copy_from.zh").set_value("column 3")
    at.selectbox(key="map_d_0_copy_to.zh").set_value("city")
    at.button(key="map_dadd_0").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [x.value for x in at.text if x.value.startswith("1.")] == ["1. 复制一列：第 3 列 → 城市"]
    assert 'from = "column 3"' in at.code[0].value  # the profile speaks the file's names


def test_floats_are_rounded_on_screen_and_by_the_saved_profile(app, tmp_path):
    # a Yonyou-like export writes 1234.5600000000001 and 12.340000001: the screen's "round" writes the
    # profile's round for the decimal columns it feeds; unticked, the value is refused (#15 walk)
    rows = "2026-10|1|6401|C1|P1||12.340000001|0\n2026-10|2|1405|C1|P1||0|12.34\n".encode()
    at = _open(app, "pages/data.py", "en")
    at.file_uploader(key="data_upload").set_value([("extract.txt", rows, "text/plain")])
    at.run()
    assert at.session_state["map_table_0._shown"] == "ledger_balances"  # guessed from the content, columns in order
    at.button(key="data_preview_button").click()
    at.run()
    assert any("names the column in `round`" in str(d.value.to_dict()) for d in at.dataframe)  # refused, pointing at the option
    at.checkbox(key="map_round_0").check()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    import tomllib

    saved = tomllib.loads(at.code[0].value)["files"][0]
    assert saved["round"] == ["debit_amount", "credit_amount"]
    at.button(key="data_preview_button").click()
    at.run()
    preview = next(d.value for d in at.dataframe if len(d.value) == 2 and "6401" in set(d.value.iloc[:, 2].astype(str)))
    assert [float(x) for x in preview.iloc[:, 6]] == [12.34, 0.0]


def test_headerless_table_guess_from_content():
    from data_loaders.mapping_rules import guess_headerless_table

    assert guess_headerless_table("2026-10|3|6001|CC1|P1||0|5000.00".split("|")) == "ledger_balances"  # period, line, …, two amounts
    assert guess_headerless_table("PZ1|1|2026-03|6001|CC1|P1|||0|100".split("|")) == "voucher_lines"
    assert guess_headerless_table("original|2026-03|CC1|6602|1000".split("|")) == "budgets"  # a version
    assert guess_headerless_table("P9|九厂|武汉|CNY".split("|")) is None  # text only: several tables fit as well


def test_mapping_screen_guesses_a_headerless_files_table_and_columns(app):
    at = _open(app, "pages/data.py", "en")
    rows = "2026-10|1|6001||P1||0|5000.00\n2026-10|2|6401|C1|P1||3000.00|0\n".encode()
    at.file_uploader(key="data_upload").set_value([("extract.txt", rows, "text/plain")])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["map_table_0._shown"] == "ledger_balances"
    assert at.session_state["map_0_debit_amount._shown"] == "column 7"  # in the contract's order
    at.button(key="data_preview_button").click()
    at.run()
    preview = next(d.value for d in at.dataframe if len(d.value) == 2 and "6401" in set(d.value.iloc[:, 2].astype(str)))
    assert [float(x) for x in preview.iloc[:, 6]] == [0.0, 3000.0] and [float(x) for x in preview.iloc[:, 7]] == [5000.0, 0.0]


# ---------------------------------------------------------------- derivations and reading options on screen
# An ERP's finance facts by organisation x department x account x day: a title line to skip,
# semicolons, a decimal comma (-1.250 is 1250.00 only with decimal ","; "detect" calls it ambiguous),
# signed amounts. On screen: period from the date key, a line number per period, organisation +
# department as the cost center, debit/credit from the sign.
FACTS = ("Finanzfakten Export 2026 (Mandant 100)\n"
         "org;dept;account;datekey;amount\n"
         "P1;MFG;6001;20260310;-12.500,00\n"
         "P1;MFG;6401;20260312;7.250,40\n"
         "P1;ADM;6602;20260315;1.830,45\n"
         "P1;MFG;6602;20260401;219,15\n"
         "P1;ADM;6602;20260420;-1.250\n").encode()
REFERENCES = {  # the reference tables the balances point to, in the contract's format (imported by name)
    "plants.csv": "plant_id,plant_name,city,currency\nP1,Werk Nord,Hamburg,EUR\n",
    "cost_centers.csv": "cost_center_id,cost_center_name,parent_id,plant_id\nP1-MFG,Fertigung,,P1\nP1-ADM,Verwaltung,,P1\n",
    "accounts.csv": "account_code,account_name,account_type,category\n6001,Umsatzerlöse,revenue,revenue\n"
                    "6401,Herstellkosten,expense,cost_of_sales\n6602,Verwaltungskosten,expense,expense\n",
}


def _derive(at, op: str, **fields):
    """Add one derivation on screen: its kind, its fields (multiselects and texts by their plain
    key, selectboxes through the language's key), the Add button."""
    at.selectbox(key="map_dop_0.en").set_value(op)
    at.run()
    for name, value in fields.items():
        key = f"map_d_0_{op}_{name}"
        if isinstance(value, list):
            at.multiselect(key=key).set_value(value)
        elif name == "sep":
            at.text_input(key=key).input(value)
        else:
            at.selectbox(key=f"{key}.en").set_value(value)
    at.button(key="map_dadd_0").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_mapping_screen_derivations_skip_rows_and_decimal_comma_round_trip(app, tmp_path):
    import tomllib

    at = _open(app, "pages/data.py", "en")
    at.file_uploader(key="data_upload").set_value([("fin.csv", FACTS, "text/plain")])
    at.run()
    at.selectbox(key="map_table_0.en").set_value("ledger_balances")
    at.run()
    at.number_input(key="map_skip_0").set_value(1)
    at.selectbox(key="map_delimiter_0.en").set_value("semicolon")
    at.selectbox(key="map_decimal_0.en").set_value(",")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # the header after the title line gives the source columns
    assert at.selectbox(key="map_0_account_code.en").options == ["(not in the file)", "org", "dept", "account", "datekey", "amount"]
    for column, source in (("account_code", "account"), ("plant_id", "org")):
        at.selectbox(key=f"map_0_{column}.en").set_value(source)
        at.run()
    missing = [c.value for c in at.caption if c.value.startswith("Required columns without a source yet")]
    assert missing == ["Required columns without a source yet: Period (YYYY-MM), Line, Debit, Credit"]
    _derive(at, "period")  # nothing chosen: refused by field, nothing added
    assert [e.value for e in at.error] == ["The derivation is not complete: Into column (to): required; From column (from): required"]
    assert not [x for x in at.text if x.value.startswith("1.")]
    _derive(at, "period", **{"from": "datekey", "to": "period"})
    _derive(at, "sequence", by=["period"], to="line_no")  # reads the period derived just before
    _derive(at, "concat", **{"from": ["org", "dept"], "sep": "-", "to": "cost_center_id"})
    _derive(at, "debit_credit", **{"from": "amount"})  # the sides default to debit_amount and credit_amount
    # every required column is now mapped: the derived ones count
    assert not [c.value for c in at.caption if c.value.startswith("Required columns without a source yet")]
    listed = [x.value for x in at.text if x.value[:2] in ("1.", "2.", "3.", "4.")]
    # in the screen's words: the contract's column labels, the kinds' short names (#15 walk)
    assert listed == ["1. period: datekey → Period (YYYY-MM)", "2. sequence: (by Period (YYYY-MM)) → Line",
                      "3. concat: org + dept ('-') → Cost center ID", "4. debit / credit: amount → Debit, Credit"]
    # a removed derivation is gone from the list and the profile; added again, it is last
    at.button(key="map_drm_0_2").click()
    at.run()
    assert "concat" not in at.code[0].value
    _derive(at, "concat", **{"from": ["org", "dept"], "sep": "-", "to": "cost_center_id"})
    text = at.code[0].value
    saved = tomllib.loads(text)["files"][0]
    assert (saved["skip_rows"], saved["decimal"], saved["delimiter"]) == (1, ",", "semicolon")
    assert saved["derive"] == [
        {"op": "period", "from": "datekey", "to": "period"},
        {"op": "sequence", "by": ["period"], "to": "line_no"},
        {"op": "debit_credit", "from": "amount", "to": ["debit_amount", "credit_amount"]},
        {"op": "concat", "from": ["org", "dept"], "sep": "-", "to": "cost_center_id"},
    ]
    assert saved["rename"] == {"account": "account_code", "org": "plant_id"}
    # the preview, as stored: period, line_no, account, cost center, plant, debit, credit (no product column)
    at.button(key="data_preview_button").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    preview = next(d.value for d in at.dataframe if "P1-MFG" in set(d.value.iloc[:, 3].astype(str)))
    shown = [(p, int(n), a, cc, pl, f"{float(d):.2f}", f"{float(c):.2f}")
             for p, n, a, cc, pl, d, c in preview.iloc[:, :7].itertuples(index=False)]
    assert shown == [
        ("2026-03", 1, "6001", "P1-MFG", "P1", "0.00", "12500.00"),   # -12.500,00: a credit
        ("2026-03", 2, "6401", "P1-MFG", "P1", "7250.40", "0.00"),
        ("2026-03", 3, "6602", "P1-ADM", "P1", "1830.45", "0.00"),
        ("2026-04", 1, "6602", "P1-MFG", "P1", "219.15", "0.00"),     # 20260401: April, its line 1
        ("2026-04", 2, "6602", "P1-ADM", "P1", "0.00", "1250.00"),    # -1.250 with a decimal comma
    ]
    # the saved profile through the command line into fresh DuckDB and SQLite databases
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "fin.csv").write_bytes(FACTS)
    for name, content in REFERENCES.items():
        (folder / name).write_text(content, encoding="utf-8")
    (tmp_path / "saved.toml").write_text(text, encoding="utf-8")
    for url in (f"duckdb:///{tmp_path / 'x.duckdb'}", f"sqlite:///{tmp_path / 'x.sqlite'}"):
        run = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--db", url, "import", str(folder), "--profile",
                              str(tmp_path / "saved.toml"), "--mode", "replace", "--yes"],
                             capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        assert json.loads(run.stdout)["rows"]["ledger_balances"] == 5
        engine = eng.make_engine(url, read_only=True)
        try:
            with engine.connect() as conn:
                sums = [tuple(r) for r in conn.exec_driver_sql(
                    "SELECT period, COUNT(*), SUM(debit_amount), SUM(credit_amount) FROM ledger_balances GROUP BY period ORDER BY period")]
                centers = [tuple(r) for r in conn.exec_driver_sql(
                    "SELECT cost_center_id, COUNT(*) FROM ledger_balances GROUP BY cost_center_id ORDER BY cost_center_id")]
        finally:
            engine.dispose()
        # 2026-03: debits 7250.40 + 1830.45 = 9080.85, credit 12500.00; 2026-04: debit 219.15, credit 1250.00
        assert [(p, int(n), f"{float(d):.2f}", f"{float(c):.2f}") for p, n, d, c in sums] == [
            ("2026-03", 3, "9080.85", "12500.00"), ("2026-04", 2, "219.15", "1250.00")], url
        assert centers == [("P1-ADM", 2), ("P1-MFG", 3)], url


def test_screen_derivations_split_sign_copy_and_their_problems():
    """split (the rest left out), sign from an indicator and copy, as the screen builds them,
    through the profile's own steps; an incomplete derivation is refused by field, and a value a
    derivation cannot read is named by file, original row, column and value."""
    from data_loaders.importer import read_sources
    from data_loaders.mapping_rules import derivation_from_screen
    from data_loaders.profiles import Profile

    split = derivation_from_screen("split", {"from": "Account", "sep": " - ", "to": ["account_code"], "rest": True})
    assert split == {"op": "split", "from": "Account", "sep": " - ", "to": ["account_code", "Account (rest)"]}
    sign = derivation_from_screen("sign", {"from": "amt", "indicator": "DC", "negative": "C; 贷", "positive": "D; 借",
                                           "to": "budget_amount"})
    assert sign["negative"] == ["C", "贷"] and sign["positive"] == ["D", "借"]
    copy = derivation_from_screen("copy", {"from": "ver", "to": "version"})
    with pytest.raises(ValidationError) as exc:
        derivation_from_screen("concat", {"from": [], "to": "cost_center_id"})
    assert [e["loc"][1:] for e in exc.value.errors(include_url=False)] == [("from",)]
    with pytest.raises(ValidationError) as exc:
        derivation_from_screen("split", {"from": "Account", "to": ["account_code"]})  # no separator
    assert [e["loc"][1:] for e in exc.value.errors(include_url=False)] == [("sep",)]

    # budgets: version | period key | "cost center - name" | account | amount | side
    text = ("ver;per;cc;acct;amt;DC\n"
            "original;202603;CC1 - Fertigung;6602;1.000,50;D\n"
            "original;202603;CC2 - Verwaltung;6602;200,25;贷\n"
            "original;2026133;CC2 - Verwaltung;6602;5,00;D\n").encode()
    rule = rule_from_screen("b.csv", "budgets", True, ["ver", "per", "cc", "acct", "amt", "DC"], "semicolon",
                            {"version": "ver", "account_code": "acct"}, {"version": "x"}, decimal=",",
                            derive=[derivation_from_screen("period", {"from": "per", "to": "period"}),
                                    derivation_from_screen("split", {"from": "cc", "sep": " - ", "to": ["cost_center_id"], "rest": True}),
                                    sign, copy])
    # the copy writes version: the column chosen for it and the constant typed for it are dropped
    assert "ver" not in rule.rename and "version" not in rule.constants
    profile = Profile(name="screen", files=[rule])
    profile.source = "screen"
    parsed, problems, _ = read_sources([("b.csv", text)], profile=profile)
    # the third row's period key 2026133 is no month: named by file, spreadsheet row 4, column and value
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [("b.csv", 4, "per", "2026133")]
    parsed, problems, _ = read_sources([("b.csv", text.rsplit(b"\n", 2)[0] + b"\n")], profile=profile)
    assert not problems, problems
    (budgets,) = parsed
    got = budgets.frame[["version", "period", "cost_center_id", "account_code", "budget_amount"]]
    # 1.000,50 on the debit side stays 1000.50; 200,25 on 贷 becomes -200.25; the split keeps "CC1"
    assert [tuple(str(v) for v in r) for r in got.itertuples(index=False)] == [
        ("original", "2026-03", "CC1", "6602", "1000.50"), ("original", "2026-03", "CC2", "6602", "-200.25")]


def test_a_workbooks_sheet_and_rows_to_skip_on_screen():
    """The screen's sheet choice is the profile's ``sheet`` (a sheet name holds no glob character:
    Excel forbids ``*?[]``), and the first row it shows is the one after the rows to skip."""
    import io

    from openpyxl import Workbook

    from data_loaders.importer import read_sources
    from data_loaders.mapping_rules import first_row, sheet_names
    from data_loaders.profiles import Profile

    wb = Workbook()
    wb.active.title = "Notes"
    wb.active.append(["nothing to import"])
    ws = wb.create_sheet("Werke 2026")
    ws.append(["Werksliste, Stand 31.03.2026"])  # a title row
    ws.append(["Werk", "Name", "Ort"])
    ws.append(["P9", "九厂", "武汉"])
    buffer = io.BytesIO()
    wb.save(buffer)
    book = buffer.getvalue()
    assert sheet_names("werke.xlsx", book) == ["Notes", "Werke 2026"] and sheet_names("werke.csv", b"a,b\n") == []
    assert first_row("werke.xlsx", book, skip_rows=1, sheet="Werke 2026") == ["Werk", "Name", "Ort"]
    rule = rule_from_screen("werke.xlsx", "plants", True, ["Werk", "Name", "Ort"], None,
                            {"plant_id": "Werk", "plant_name": "Name", "city": "Ort"}, {"currency": "CNY"},
                            skip_rows=1, sheet="Werke 2026")
    assert (rule.sheet, rule.skip_rows) == ("Werke 2026", 1)
    profile = Profile(name="screen", files=[rule])
    profile.source = "screen"
    parsed, problems, _ = read_sources([("werke.xlsx", book)], profile=profile)
    assert not problems, problems
    (plants,) = parsed
    assert [tuple(r) for r in plants.frame[["plant_id", "plant_name", "city", "currency"]].itertuples(index=False)] == [
        ("P9", "九厂", "武汉", "CNY")]  # the Notes sheet is not read
