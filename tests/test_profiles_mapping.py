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


def test_mapping_screen_value_map_filter_and_options_round_trip(app, tmp_path):
    at = _open(app, "pages/data.py", "en")
    at.file_uploader(key="data_upload").set_value([("orgs.txt", ORGS, "text/plain")])
    at.run()
    at.selectbox(key="map_table_0.en").set_value("plants")
    at.run()
    at.checkbox(key="map_header_0").uncheck()
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
