"""``cli.py pack`` on the small sample (the embedded database of ``app_data_dir``): the three files,
their numbers equal to the meeting snapshot's and to the KPI report's, a stored snapshot reopened,
and the exit codes 1 (no data for the month) and 2 (bad arguments)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

import cli
from ui import pack

# the pack is written from the meeting's snapshot (reports/meeting.py, branch `meeting`)
meeting = pytest.importorskip("reports.meeting", reason="the meeting snapshot (reports/meeting.py) is not merged yet")
AGENDA = meeting.AGENDA
from reports.pack import table_totals  # noqa: E402 - needs reports.meeting

# whole meeting snapshots and packs per test: with the browser tests in CI's third step (README, "Test")
pytestmark = pytest.mark.long

pptx = pytest.importorskip("pptx", reason="python-pptx is an app requirement")
pypdf = pytest.importorskip("pypdf", reason="pypdf is a dev requirement")

NO_BROWSER = "/nonexistent/chromium"
CHROMIUM = os.environ.get(pack.CHROMIUM_ENV, pack.DEFAULT_CHROMIUM)
MONTH = "2026-10"


@pytest.fixture(scope="module")
def store(app_data_dir, tmp_path_factory):
    """A fresh app store for this module's snapshots and audit entries."""
    old = os.environ.get("BFI_APP_STORE")
    os.environ["BFI_APP_STORE"] = str(tmp_path_factory.mktemp("pack_store") / "app_store.sqlite")
    yield app_data_dir
    if old is None:
        os.environ.pop("BFI_APP_STORE", None)
    else:
        os.environ["BFI_APP_STORE"] = old


@pytest.fixture(scope="module")
def written(store, tmp_path_factory):
    """The pack of 2026-10 in Chinese, with charts where chromium is installed."""
    out = tmp_path_factory.mktemp("pack_cli")
    chromium = CHROMIUM if Path(CHROMIUM).is_file() else NO_BROWSER
    code, result = _run(["pack", "--month", MONTH, "--lang", "zh", "--out", str(out), "--chromium", chromium])
    assert code == 0, result
    return out, result


def _run(argv) -> tuple[int, dict | None]:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = cli.main(argv)
    text = buf.getvalue()
    return code, (json.loads(text) if code == 0 else None)


def _table_sheets(path: Path) -> list:
    wb = load_workbook(path)
    return [wb[name] for name in wb.sheetnames[2:]]  # after About and Key figures


def test_the_pack_of_a_month_is_three_files_with_the_snapshots_numbers(written):
    out, result = written
    assert sorted(p.name for p in out.iterdir()) == ["deck.pdf", "deck.pptx", "pack.xlsx"]
    assert isinstance(result["snapshot_id"], int) and result["as_of"] == "2026-11-22"
    if Path(CHROMIUM).is_file():
        assert result["charts_note"] is None and result["charts"] >= 5  # every topic but warnings and actions has a chart
    assert len(pptx.Presentation(out / "deck.pptx").slides) == len(AGENDA)
    assert len(pypdf.PdfReader(out / "deck.pdf").pages) == len(AGENDA)

    from data_loaders import meeting_store

    snapshot = meeting_store.load_snapshot(result["snapshot_id"])
    assert snapshot["month"] == MONTH and [t["key"] for t in snapshot["topics"]] == list(AGENDA)
    # every money and quantity column of every table sheet adds up to the snapshot's total
    tables = [(t["key"], table) for t in snapshot["topics"] for table in t["tables"]]
    sheets = _table_sheets(out / "pack.xlsx")
    assert len(sheets) == len(tables)
    totals = table_totals(snapshot)
    seen = {}
    for ws, (key, table) in zip(sheets, tables):
        index = seen[key] = seen.get(key, -1) + 1
        columns = list(zip(*ws.iter_rows(min_row=2, values_only=True))) or [[] for _ in table["columns"]]
        assert ws.max_row - 1 == len(table["rows"]), (key, table["title_key"])
        for column, values in zip(table["columns"], columns):
            if column["key"] in totals[key][index]:
                got = sum(v for v in values if v is not None)
                assert got == pytest.approx(totals[key][index][column["key"]], abs=0.005), (key, column["key"])


def test_the_packs_revenue_is_the_kpi_reports(written, capsys):
    """The pack's headline number is the one the overview and ``cli.py report`` show."""
    out, _ = written
    capsys.readouterr()
    assert cli.main(["report", "--from", MONTH, "--to", MONTH]) == 0
    revenue = json.loads(capsys.readouterr().out)["kpis"]["revenue_amount"]
    cards = load_workbook(out / "pack.xlsx")["关键指标"]
    row = next(r for r in cards.iter_rows(min_row=2, values_only=True) if r[1] == "营业收入")
    assert row[2] == pytest.approx(revenue, abs=0.005) and revenue > 0


def test_a_stored_snapshot_is_reopened_in_another_language(written, tmp_path):
    out, result = written
    code, again = _run(["pack", "--month", MONTH, "--snapshot", str(result["snapshot_id"]), "--lang", "en",
                        "--out", str(tmp_path), "--chromium", NO_BROWSER])
    assert code == 0 and again["snapshot_id"] == result["snapshot_id"] and "no Chromium" in again["charts_note"]
    first, second = load_workbook(out / "pack.xlsx"), load_workbook(tmp_path / "pack.xlsx")
    assert second.sheetnames[1] == "Key figures"
    for a, b in zip(first.worksheets[1:], second.worksheets[1:]):  # the same numbers, labels in English
        numbers = [[v for v in row if isinstance(v, (int, float))] for row in a.iter_rows(min_row=2, values_only=True)]
        assert numbers == [[v for v in row if isinstance(v, (int, float))] for row in b.iter_rows(min_row=2, values_only=True)]


def test_a_month_without_data_exits_1_and_writes_nothing(store, tmp_path, capsys):
    out = tmp_path / "none"
    assert cli.main(["pack", "--month", "2031-01", "--out", str(out), "--chromium", NO_BROWSER]) == 1
    assert "2031-01" in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize("argv", [["--snapshot", "999999"], ["--plant", "P9"]])
def test_an_unknown_snapshot_or_plant_exits_2(store, tmp_path, capsys, argv):
    assert cli.main(["pack", "--month", MONTH, "--out", str(tmp_path), "--chromium", NO_BROWSER, *argv]) == 2
    assert "not found" in capsys.readouterr().err and not list(tmp_path.iterdir())


def test_a_snapshot_of_another_month_exits_2(written, tmp_path, capsys):
    _, result = written
    assert cli.main(["pack", "--month", "2026-09", "--snapshot", str(result["snapshot_id"]), "--out", str(tmp_path),
                     "--chromium", NO_BROWSER]) == 2
    assert "2026-10" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--month", "2026-13"], ["--month", "2026-10", "--lang", "fr"], ["--month", "2026-10"]])
def test_bad_arguments_exit_2(argv, tmp_path):
    extra = [] if argv == ["--month", "2026-10"] else ["--out", str(tmp_path)]  # the last one lacks --out
    with pytest.raises(SystemExit) as exc:
        cli.main(["pack", *argv, *extra])
    assert exc.value.code == 2
