"""The command line: build, report, validate, import; exit codes 0 / 1 / 2."""

import json
import shutil

import pytest

import cli
from tests.conftest import built_once
from tests.test_importer import BAD, good_sources


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``build-sample --scale 0.05`` through the CLI, once per run (under xdist this module's tests
    may run on both workers); each worker reads a copy of its own."""
    def make(folder):
        assert cli.main(["--db", f"duckdb:///{folder / 'plant.duckdb'}", "build-sample", "--scale", "0.05", "--as-of", "2026-11-22"]) == 0
        assert [p.name for p in folder.iterdir()] == ["plant.duckdb"]  # closed and whole: nothing beside it to copy
    target = tmp_path_factory.mktemp("cli") / "plant.duckdb"
    shutil.copyfile(built_once(tmp_path_factory, "cli_built", make) / "plant.duckdb", target)
    return f"duckdb:///{target}"


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
    # the data-quality counts follow the scope's plants (a plant-limited user never sees another
    # plant's findings): P1's untied orders plus P2's are the three planted unposted orders
    in_p1 = report["data_quality"]["work_orders_not_tied_to_ledger"]
    assert cli.main(["--db", built, "report", "--from", "2026-01", "--to", "2026-06", "--plant", "P2"]) == 0
    in_p2 = json.loads(capsys.readouterr().out)["data_quality"]["work_orders_not_tied_to_ledger"]
    assert 0 < in_p1 < 3 and in_p1 + in_p2 == 3
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
    lab = report["profitability"]["variances"]["labor"]
    assert lab["actual_labor_rate_per_h"] > 0 and lab["std_labor_h"] > 0
    assert report["profitability"]["variances"]["labor_rate_amount"] == pytest.approx(
        (lab["actual_labor_rate_per_h"] - lab["labor_rate_per_h"]) * lab["labor_h"], abs=1.0)
    pv = report["profitability"]["price_variances"]
    assert pv["basis"] == "usage" and pv["material_price_variance_amount"] == pv["usage"]["price_variance_amount"]
    assert pv["usage"]["price_variance_amount"] == pytest.approx(report["profitability"]["variances"]["material_price_amount"], abs=0.01)
    assert {s["supplier_id"] for s in pv["purchase"]["by_supplier"]} >= {s["supplier_id"] for s in pv["usage"]["by_supplier"]} != set()
    flex = budget["flexible_budget"]
    lines = {x["line"]: x for x in flex["lines"]}
    assert list(lines) == ["revenue", "variable_costs", "contribution_margin", "fixed_costs", "operating_income"]
    for x in lines.values():
        assert x["static_budget_amount"] + x["sales_volume_variance_amount"] + x["flexible_budget_variance_amount"] == pytest.approx(
            x["actual_amount"], abs=0.011)
    sv = flex["sales_variances"]
    assert sv["budget_margin_amount"] + sv["sales_price_amount"] + sv["sales_mix_amount"] + sv["sales_quantity_amount"] \
        + sv["cost_amount"] == pytest.approx(sv["actual_margin_amount"], abs=0.005)
    oh = report["profitability"]["overhead_variances"]
    assert set(oh) >= {"four_way", "three_way", "two_way", "by_work_center", "by_period"}
    for view in ("four_way", "three_way", "two_way"):  # every view adds up to the total overhead variance
        assert round(sum(oh[view].values()), 2) == oh["total_overhead_variance_amount"]
    assert oh["total_overhead_variance_amount"] == round(oh["actual_amount"] - oh["applied_amount"], 2)
    assert {w["work_center_id"] for w in oh["by_work_center"]} <= {"WC-CNC1", "WC-CNC2", "WC-MILL", "WC-PRES", "WC-ASM1", "WC-ASM2"}


def test_report_price_variance_basis_setting(built, capsys):
    capsys.readouterr()
    assert cli.main(["--db", built, "report", "--from", "2026-01", "--to", "2026-06", "--price-variance-basis", "purchase"]) == 0
    pv = json.loads(capsys.readouterr().out)["profitability"]["price_variances"]
    assert pv["basis"] == "purchase" and pv["material_price_variance_amount"] == pv["purchase"]["price_variance_amount"]
    with pytest.raises(SystemExit) as exc:  # a bad argument: argparse's exit code 2
        cli.main(["--db", built, "report", "--price-variance-basis", "receipt"])
    assert exc.value.code == 2


def test_report_working_capital_settings_every_period(built, capsys):
    capsys.readouterr()
    assert cli.main(["--db", built, "report", "--wc-basis", "quarter", "--wc-days", "365", "--wc-balance", "average"]) == 0
    wc = json.loads(capsys.readouterr().out)["cash"]["working_capital"]
    assert (wc["basis"], wc["day_count"], wc["balance"], wc["sales_basis"]) == ("quarter", "365", "average", "revenue")
    periods = wc["periods"]
    # the books open in 2024-11 and the last closed month is 2026-10: 2024Q4 (2 months) … 2026Q4 (1 month), every quarter
    assert [p["period"] for p in periods] == ["2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    full = [p for p in periods if p["is_complete"]]
    assert len(full) == 7 and all(p["days"] == 91.2 for p in full)  # 365 / 4 = 91.25, shown to one decimal
    q = full[-1]
    assert q["dso_days"] == pytest.approx(q["receivables_amount"] / q["sales_amount"] * 91.25, abs=0.06)
    assert q["receivables_source"] == "documents"
    with pytest.raises(SystemExit) as exit_:  # argparse refuses an unknown day count
        cli.main(["--db", built, "report", "--wc-days", "360"])
    assert exit_.value.code == 2 and "invalid choice" in capsys.readouterr().err


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


# --------------------------------------------------------------------------- URLs, passwords, partial databases
SECRET = "s3cret-Pw"


@pytest.mark.parametrize("command", [["validate"], ["report"], ["backups"], ["trace", "X"],
                                     ["build-sample", "--scale", "0.05", "--yes", "--wait", "0"]])
def test_an_unreachable_server_exits_2_without_the_password(command, capsys):
    assert cli.main(["--db", f"postgresql://bob:{SECRET}@127.0.0.1:1/plant", *command]) == 2  # nothing listens on port 1
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    if command[0] != "backups":  # backups: "DuckDB files only", said before any connection
        assert "cannot use the database postgresql+psycopg://bob:***@127.0.0.1:1/plant" in err, err


def test_an_import_into_an_unreachable_server_exits_2_without_the_password(tmp_path, capsys):
    for name, data in good_sources():
        (tmp_path / name).write_bytes(data)
    code = cli.main(["--db", f"postgresql://bob:{SECRET}@127.0.0.1:1/plant", "import", str(tmp_path), "--wait", "0"])
    out, err = capsys.readouterr()
    assert code == 2 and SECRET not in out + err, (code, out[-500:], err[-500:])


@pytest.mark.parametrize("url, said", [("foo://x", "foo://x"), ("mssql+pyodbc://bob:" + SECRET + "@h/db", "mssql+pyodbc://bob:***@h/db"),
                                       ("no url at all", "…")])
def test_an_unknown_scheme_or_driver_exits_2_with_a_message(url, said, capsys):
    assert cli.main(["--db", url, "validate"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error: not a database URL this app can use: " + said), err
    assert SECRET not in out + err and "Traceback" not in err


def test_validate_names_missing_tables_and_columns_and_report_exits_2(built, tmp_path, capsys):
    import sqlalchemy as sa

    from data_loaders import engine as eng

    path = tmp_path / "partial.duckdb"
    shutil.copyfile(eng.duckdb_path(built), path)
    url = f"duckdb:///{path}"
    engine = eng.make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE budgets"))
        conn.execute(sa.text("ALTER TABLE purchase_orders DROP COLUMN unit_price"))
    engine.dispose()
    capsys.readouterr()
    assert cli.main(["--db", url, "validate"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["missing_tables"] == ["budgets"] and out["missing_columns"] == {"purchase_orders": ["unit_price"]}
    found = {(f["check"], f["table_name"], f["column_name"]) for f in out["findings"]}
    assert found == {("missing_table", "budgets", ""), ("missing_column", "purchase_orders", "unit_price")}
    assert cli.main(["--db", url, "report", "--from", "2026-01", "--to", "2026-06"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: the database {url} cannot answer:") and "cli.py validate" in err, err


# --------------------------------------------------------------------------- sparse data and exit codes
@pytest.mark.parametrize("months", [("2024-11", "2024-11"), ("2026-12", "2026-12"), ("2028-01", "2028-06")],
                         ids=["first_month", "month_after_the_end", "years_after"])
def test_report_on_a_sparse_scope_exits_0_with_labelled_empty_sections(built, months, capsys):
    capsys.readouterr()
    assert cli.main(["--db", built, "report", "--from", months[0], "--to", months[1]]) == 0
    text = capsys.readouterr().out
    report = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    assert set(report["empty"]) <= {"monthly", "oee", "oee.performance", "profitability", "profitability.variances", "budget",
                                    "budget.totals", "cash.working_capital"}
    for name in ("oee", "profitability", "budget"):
        assert (report[name] is None) == (name in report["empty"])
    if months[0] > "2026-11":  # nothing happened yet: no P&L, no OEE, no profitability; the cash forecast still runs
        assert report["monthly"] == [] and report["oee"] is None and report["profitability"] is None
        assert report["kpis"]["gross_margin_pct"] is None and report["kpis"]["revenue_amount"] == 0.0
        assert len(report["cash"]["weekly"]) == 13 and report["cash"]["opening_amount"] > 0
    else:
        assert report["empty"] == {} and [m["period"] for m in report["monthly"]] == ["2024-11"]


def test_report_on_a_finance_only_database_exits_0(built, tmp_path, capsys):
    import sqlalchemy as sa

    from data_loaders import engine as eng
    from data_loaders import facts
    from tests.test_sparse import FINANCE_TABLES, TABLES

    path = tmp_path / "finance.duckdb"
    shutil.copyfile(eng.duckdb_path(built), path)
    url = f"duckdb:///{path}"
    engine = eng.make_engine(url)
    with engine.begin() as conn:
        for name in TABLES:
            if name not in FINANCE_TABLES:
                conn.execute(sa.text(f"DELETE FROM {name}"))
    facts.refresh(engine)  # as an import would: the facts follow what is left
    engine.dispose()
    capsys.readouterr()
    assert cli.main(["--db", url, "report", "--from", "2026-01", "--to", "2026-10"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["empty"] == {"oee": "no machine events in the scope",
                               "profitability": "no sales and no completed work orders in the scope"}
    assert len(report["monthly"]) == 10 and report["budget"]["totals"]
    # the orders' tables are empty, so no order is out of tie with the ledger: that is not a data problem
    assert report["data_quality"] == {"unbalanced_vouchers": 0, "work_orders_not_tied_to_ledger": 0}


def test_trace_of_an_unknown_key_is_a_bad_argument(built, capsys):
    assert cli.main(["--db", built, "trace", "NO-SUCH-KEY"]) == 2
    assert "no voucher or work order 'NO-SUCH-KEY'" in capsys.readouterr().err


@pytest.mark.parametrize("error", [ValueError("an internal mistake"), KeyError("column"), TypeError("bad operand")])
def test_a_bug_exits_3_never_1_or_2(built, monkeypatch, capsys, error):
    # a ValueError from inside the report is a bug, not a bad argument: it must not exit 2
    def broken(engine, scope):
        raise error

    monkeypatch.setattr(cli, "kpi_report", broken)
    capsys.readouterr()
    assert cli.main(["--db", built, "report", "--from", "2026-01", "--to", "2026-06"]) == 3
    err = capsys.readouterr().err
    assert "internal error in `report` (a bug, please report it)" in err and "Traceback" in err
    # bad arguments are still 2, before any work
    assert cli.main(["--db", built, "report", "--from", "2026-06", "--to", "2026-01"]) == 2


def test_build_sample_into_a_new_or_empty_file_needs_no_confirmation(tmp_path, capsys):
    new = tmp_path / "new.sqlite"  # does not exist: nothing to lose (opening it first made a 0-byte file and asked)
    assert cli.main(["--db", f"sqlite:///{new}", "build-sample", "--scale", "0.05", "--as-of", "2026-11-22"]) == 0
    empty = tmp_path / "empty.sqlite"
    empty.touch()  # a 0-byte file, as the earlier refusal left behind
    assert cli.main(["--db", f"sqlite:///{empty}", "build-sample", "--scale", "0.05", "--as-of", "2026-11-22"]) == 0
    # a file holding the contract's tables from elsewhere is asked about (no terminal here: refused, exit 2)
    import sqlalchemy as sa

    from data_loaders import engine as eng
    other = tmp_path / "other.sqlite"
    engine = eng.make_engine(f"sqlite:///{other}")
    eng.create_schema(engine)
    engine.dispose()
    capsys.readouterr()
    assert cli.main(["--db", f"sqlite:///{other}", "build-sample", "--scale", "0.05"]) == 2
    assert "holds data that is not the sample" in capsys.readouterr().err
    engine = eng.make_engine(f"sqlite:///{other}")
    with engine.connect() as conn:  # nothing was written
        assert conn.execute(sa.text("SELECT count(*) FROM vouchers")).scalar() == 0
    engine.dispose()
