"""The Data page with an import profile (AppTest, on the small sample): a bad profile is shown
by TOML path, a good one previews the tables as stored, and an import through it is checked
like any other (here refused in append mode: its plant P1 is already in the sample)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_app import _open, app  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "profiles" / "examples" / "yonyou"


def _upload(at, profile_name: str, profile: bytes):
    files = [(p.name, p.read_bytes(), "text/plain") for p in sorted(EXAMPLE.iterdir())]
    at.file_uploader(key="data_upload").set_value(files)
    at.run()  # the profile's uploader appears once files are chosen
    at.file_uploader(key="data_profile").set_value([(profile_name, profile, "application/toml")])
    at.run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("name, text", [
    ("erp.toml", b'name = "x"\n[[files]]\nmatch = "a.csv"\ntable = "voucher_lines"\nderive = [{op = "period", to = "p"}]\n'),
    ("erp.yaml", b"name: x\nfiles:\n  - match: a.csv\n    table: voucher_lines\n    derive: [{op: period, to: p}]\n"),  # YAML: the same path
])
def test_bad_profile_is_shown_by_its_path(app, name, text):
    at = _open(app, "pages/data.py", "en")
    _upload(at, name, text)
    assert any("has 1 mistake;" in e.value for e in at.error)  # English counts: "1 mistake", never "1 mistake(s)"
    mistakes = at.dataframe[-1].value
    assert list(mistakes.iloc[:, 1]) == ["files[0].derive[0].from"]
    assert at.button(key="data_import_button").disabled and at.button(key="data_preview_button").disabled


def test_profile_preview_then_import_through_the_checks(app):
    at = _open(app, "pages/data.py", "en")
    _upload(at, "yonyou.toml", (ROOT / "profiles" / "yonyou.toml").read_bytes())
    assert any("Yonyou (yonyou.toml)" in c.value for c in at.caption)
    at.button(key="data_preview_button").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption]
    # the headerless TAB file in GBK becomes 4 voucher lines and 2 vouchers
    assert any(": 4 rows, the first 4 shown" in c for c in captions), captions
    shown = [d.value for d in at.dataframe]
    voucher_tables = [f for f in shown if "2026-03-转-1" in set(f.iloc[:, 0].astype(str))]
    assert sorted(len(f) for f in voucher_tables) == [2, 4]  # 2 vouchers, 4 lines, as they will be stored
    lines = next(f for f in voucher_tables if len(f) == 4)
    # amounts in the preview are in their plants' currency, not known before the import: no currency in the header
    assert "Debit" in lines.columns and not any("(CNY)" in c for c in lines.columns), list(lines.columns)
    at.button(key="data_import_button").click()
    at.run()
    # append into the sample: plant P1 exists already, so the import is refused and names the file and row
    assert any("Import rejected" in e.value for e in at.error)
    problems = at.dataframe[-1].value
    assert "plants.csv" in set(problems.iloc[:, 0])


def test_mapping_screen_maps_a_headerless_pipe_file_and_saves_a_profile_the_cli_reuses(app, tmp_path):
    import json
    import subprocess
    import sys

    at = _open(app, "pages/data.py", "en")
    orgs = "P9|九厂|武汉|CNY\nP8|八厂|西安|CNY\n".encode()
    at.file_uploader(key="data_upload").set_value([("orgs.txt", orgs, "text/plain")])
    at.run()
    at.selectbox(key="map_table_0.en").set_value("plants")
    at.run()
    at.checkbox(key="map_header_0").uncheck()
    at.run()
    for column, source in (("plant_id", "column 1"), ("plant_name", "column 2"), ("city", "column 3")):
        at.selectbox(key=f"map_0_{column}.en").set_value(source)
        at.run()
    at.text_input(key="map_const_0_currency").input("CNY")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = at.code[0].value
    assert 'table = "plants"' in text and "header = false" in text
    at.button(key="data_preview_button").click()
    at.run()
    plants = next(d.value for d in at.dataframe if "P9" in set(d.value.iloc[:, 0].astype(str)))
    assert list(plants.iloc[:, 0]) == ["P9", "P8"] and set(plants.iloc[:, 3]) == {"CNY"}  # the constant
    # the saved profile, reused by the command line on a new database
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "orgs.txt").write_bytes(orgs)
    (tmp_path / "import_profile.toml").write_text(text, encoding="utf-8")
    run = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--db", f"duckdb:///{tmp_path / 'x.duckdb'}", "import", str(folder),
                          "--profile", str(tmp_path / "import_profile.toml")], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["rows"] == {"plants": 2}
