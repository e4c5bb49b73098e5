"""The command line: build, report, validate, import; exit codes 0 / 1 / 2."""

import json

import pytest

import cli
from tests.test_importer import BAD, good_sources


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('cli') / 'plant.duckdb'}"
    assert cli.main(["--db", url, "build-sample", "--scale", "0.05", "--as-of", "2026-11-22"]) == 0
    return url


def test_report_is_json_with_kpis(built, capsys):
    capsys.readouterr()
    assert cli.main(["--db", built, "report", "--from", "2026-01", "--to", "2026-06", "--plant", "P1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["scope"] == {"period_from": "2026-01", "period_to": "2026-06", "plants": ["P1"], "families": []}
    assert report["currency"] == "CNY" and report["as_of_date"] == "2026-11-22"
    assert [m["period"] for m in report["monthly"]] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    k = report["kpis"]
    assert k["revenue_amount"] == pytest.approx(sum(m["revenue_amount"] for m in report["monthly"]), abs=0.01)
    assert report["data_quality"]["unbalanced_vouchers"] == 0
    assert report["data_quality"]["work_orders_not_tied_to_ledger"] == 3  # the planted unposted orders
    cash = report["cash"]
    assert len(cash["weekly"]) == 13 and cash["weekly"][0]["opening_amount"] == cash["opening_amount"]
    assert "C07" in cash["latest_payers"]  # the planted late payer
    budget = report["budget"]
    assert {row["line_type"] for row in budget["totals"]} == {"cost", "revenue"}
    assert all(w["level"] in ("alert", "warn", "pace") for w in budget["warnings"])
    oee = report["oee"]
    assert oee["oee_pct"] == pytest.approx(oee["availability_pct"] * oee["performance_pct"] * oee["quality_pct"], abs=1e-3)
    assert oee["loss_cost_amount"] == pytest.approx(sum(x["loss_cost_amount"] for x in oee["six_losses"]), abs=0.05)
    assert {w["work_center_id"] for w in oee["by_work_center"]} <= {"WC-CNC1", "WC-CNC2", "WC-MILL", "WC-PRES", "WC-ASM1", "WC-ASM2"}


def test_validate_clean_database(built, capsys):
    assert cli.main(["--db", built, "validate"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_import_exit_codes(tmp_path, capsys):
    url = f"duckdb:///{tmp_path / 'imp.duckdb'}"
    good = tmp_path / "good"
    good.mkdir()
    for name, data in good_sources():
        (good / name).write_bytes(data)
    assert cli.main(["--db", url, "import", str(good), "--mode", "replace"]) == 0
    bad = tmp_path / "bad"
    bad.mkdir()
    for name, data in BAD["duplicate_key"][0]:
        (bad / name).write_bytes(data)
    capsys.readouterr()
    assert cli.main(["--db", url, "import", str(bad), "--mode", "replace", "--yes"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["problems"][0]["file"] == "plants.csv"


def test_bad_arguments_and_unreachable_database(built, capsys):
    assert cli.main(["--db", built, "report", "--from", "2026-13"]) == 2
    assert "YYYY-MM" in capsys.readouterr().err
    assert cli.main(["--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", "validate"]) == 2
    assert "cannot use the database" in capsys.readouterr().err
