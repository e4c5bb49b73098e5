"""Sparse data never crashes: any subset of the contract's tables, any scope.

The small sample is loaded once; each case copies the DuckDB file and empties the tables it
does not keep (the contract's tables always exist). Every report function and ``cli.py
report`` must answer without an exception, with valid JSON (no NaN), exit code 0, empty
sections named in ``empty``, and the identities that hold on full data still holding:
revenue in the P&L = Σ revenue lines of the ledger in the scope, every voucher balances (the
trial balance too), budget + variance = actual, gross profit = revenue − cost − variance, and
the cash forecast's weeks chain (closing = opening + inflows − outflows = next opening).
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import uuid
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cli
from data_loaders import facts
from data_loaders import engine as eng
from data_loaders import schema
from data_loaders.scope import Scope, month_add
from reports.ledger import pnl_statement_report, trial_balance_report
from reports.lineage import reconciliation

TABLES = tuple(schema.metadata.tables)
FINANCE_TABLES = ("accounts", "cost_centers", "plants", "vouchers", "voucher_lines", "budgets", "cash_balances", "bank_accounts",
                  "dataset_info")
CASES = {
    "full": TABLES,
    "finance_only": FINANCE_TABLES,
    "operations_only": tuple(t for t in TABLES if t not in ("vouchers", "voucher_lines", "budgets", "cash_balances")),
    "no_customers": tuple(t for t in TABLES if t not in ("customers", "sales_orders", "sales_invoices", "customer_receipts")),
    "no_output_counts": tuple(t for t in TABLES if t != "output_counts"),
    "no_machine_events": tuple(t for t in TABLES if t != "machine_events"),
    "no_work_orders": tuple(t for t in TABLES if t != "work_orders"),
    "nothing": (),
}
FIRST, LAST = "2024-11", "2026-11"  # the small sample's first and last (open) month; as of 2026-11-22
# months from two years before the data to a year after it
MONTHS = [month_add(month_add(FIRST, -24), k) for k in range(24 + 25 + 12)]


def derive(base: Path, keep, folder: Path) -> str:
    """A copy of the DuckDB file ``base`` with every table not in ``keep`` emptied; its URL."""
    target = folder / f"sparse-{uuid.uuid4().hex[:8]}.duckdb"
    shutil.copyfile(base, target)
    url = f"duckdb:///{target}"
    engine = eng.make_engine(url)
    with engine.begin() as conn:
        for name in TABLES:
            if name not in keep:  # dropped and created again empty: much cheaper than a DELETE in DuckDB
                table = schema.metadata.tables[name]
                conn.execute(sa.text(f"DROP TABLE {name}"))
                table.create(conn)
    facts.refresh(engine)  # derived again from what is left, as an import does (the data version stays)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def sparse_base(sample_copy, tmp_path_factory) -> Path:
    return sample_copy("duckdb", tmp_path_factory.mktemp("sparse_base") / "full.duckdb")


@pytest.fixture(scope="session")
def sparse_urls(sparse_base, tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("sparse_cases")
    return {name: derive(sparse_base, keep, folder) for name, keep in CASES.items()}


def _no_nan(text):
    raise ValueError(f"not JSON: {text}")


def run_report(url: str, scope: Scope) -> tuple[int, str, str]:
    """``cli.py report`` for ``scope``: its exit code, stdout and stderr."""
    argv = ["--db", url, "report"]
    if scope.period_from:
        argv += ["--from", scope.period_from]
    if scope.period_to:
        argv += ["--to", scope.period_to]
    for p in scope.plants:
        argv += ["--plant", p]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


def cli_report(url: str, scope: Scope) -> dict:
    """``cli.py report`` for ``scope``: asserts exit 0 and strict JSON, returns the parsed report."""
    code, out, err = run_report(url, scope)
    assert code == 0, err[-2000:]
    return json.loads(out, parse_constant=_no_nan)  # NaN / Infinity are not JSON


def ledger_revenue(frames: dict[str, pd.DataFrame], scope: Scope) -> float:
    """Σ (credit − debit) of revenue-category lines in the scope, from the kept frames (no SQL)."""
    lines = frames["voucher_lines"].merge(frames["accounts"][["account_code", "category"]], on="account_code")
    lines = lines[lines.category == "revenue"]
    if scope.period_from:
        lines = lines[lines.period >= scope.period_from]
    if scope.period_to:
        lines = lines[lines.period <= scope.period_to]
    if scope.plants:
        lines = lines[lines.plant_id.isin(scope.plants)]
    return float(lines.credit_amount.astype(float).sum() - lines.debit_amount.astype(float).sum())


def check_identities(report: dict, frames: dict[str, pd.DataFrame], scope: Scope) -> None:
    # revenue in the P&L = Σ revenue lines of the ledger in the scope, month by month and in total
    assert report["kpis"]["revenue_amount"] == pytest.approx(ledger_revenue(frames, scope), abs=0.02)
    assert report["kpis"]["revenue_amount"] == pytest.approx(sum(m["revenue_amount"] for m in report["monthly"]), abs=0.02)
    for m in report["monthly"]:
        assert m["gross_profit_amount"] == pytest.approx(m["revenue_amount"] - m["cost_of_sales_amount"] - m["variance_amount"], abs=0.02)
        assert m["gross_margin_pct"] is None or m["revenue_amount"] != 0
    if report["kpis"]["revenue_amount"] == 0:
        assert report["kpis"]["gross_margin_pct"] is None  # undefined, not NaN or 0
    # every voucher balances
    assert report["data_quality"]["unbalanced_vouchers"] == 0
    # budget + variance = actual, line by line
    if report["budget"] is not None:
        for line in report["budget"]["totals"]:
            assert line["budget_amount"] + line["variance_amount"] == pytest.approx(line["actual_amount"], abs=0.02)
    profitability = report["profitability"]
    if profitability is not None:
        assert profitability["gross_profit_amount"] == pytest.approx(
            profitability["revenue_amount"] - profitability["std_cost_amount"] - profitability["variance_amount"], abs=0.05)
    # the cash forecast always has its 13 weeks, chained
    weeks = report["cash"]["weekly"]
    assert len(weeks) == 13 and weeks[0]["opening_amount"] == pytest.approx(report["cash"]["opening_amount"], abs=0.01)
    for a, b in zip(weeks, weeks[1:] + [None]):
        assert a["closing_amount"] == pytest.approx(a["opening_amount"] + a["inflow_amount"] - a["outflow_amount"], abs=0.02)
        if b is not None:
            assert b["opening_amount"] == pytest.approx(a["closing_amount"], abs=0.01)
    # every empty section says why, and only those
    for name in ("oee", "profitability", "budget"):
        assert (report[name] is None) == (name in report["empty"]), (name, report["empty"])
    assert (report["monthly"] == []) == ("monthly" in report["empty"])


def check_other_reports(url: str, scope: Scope) -> None:
    """The ledger page's and the reconciliation page's reports answer, and the trial balance balances."""
    engine = eng.make_engine(url, read_only=True)
    try:
        tb = trial_balance_report(engine, scope)
        if not scope.plants:  # a plant's share of a voucher need not balance on its own
            assert tb["totals"]["is_movement_balanced"] and tb["totals"]["is_closing_balanced"], tb["totals"]
        for layout in ("by_month", "comparison"):
            statement = pnl_statement_report(engine, scope, layout)["statement"]
            assert isinstance(statement, pd.DataFrame)
        found = reconciliation(engine, scope)
        assert all(isinstance(frame, pd.DataFrame) for frame in found.values())
    finally:
        engine.dispose()


@st.composite
def scopes(draw) -> Scope:
    start = draw(st.one_of(st.none(), st.sampled_from(MONTHS)))
    end = draw(st.one_of(st.none(), st.sampled_from([m for m in MONTHS if start is None or m >= start])))
    plants = draw(st.lists(st.sampled_from(["P1", "P2", "P9"]), unique=True, max_size=2))
    return Scope(start, end, tuple(sorted(plants)))


@pytest.mark.long
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keep=st.sets(st.sampled_from(TABLES)), scope=scopes())
def test_any_tables_any_scope_never_crash_and_keep_their_identities(keep, scope, sparse_base, small_sample, tmp_path):
    url = derive(sparse_base, keep, tmp_path)
    frames = {name: (frame if name in keep else frame.iloc[0:0]) for name, frame in small_sample.items()}
    # a plant the plants table does not hold is refused (exit 2, named), never an all-zero report;
    # without plants there is nothing to check against and the records' plant codes stand
    known = set(frames["plants"].plant_id)
    unknown = [p for p in scope.plants if known and p not in known]
    if unknown:
        code, _, err = run_report(url, scope)
        assert code == 2 and f"no plant {', '.join(unknown)}" in err, err[-2000:]
        scope = Scope(scope.period_from, scope.period_to, tuple(p for p in scope.plants if p in known))
    report = cli_report(url, scope)
    check_identities(report, frames, scope)
    check_other_reports(url, scope)
    Path(eng.duckdb_path(url)).unlink()


# --------------------------------------------------------------------------- the named cases
def bank_position(frames: dict[str, pd.DataFrame], as_of: str = "2026-11-22") -> float:
    """Σ of each bank account's latest balance before the as-of date (the cash forecast's opening)."""
    cb = frames["cash_balances"]
    cb = cb[pd.to_datetime(cb.balance_date) < pd.Timestamp(as_of)]
    cb = cb[cb.bank_account_id.isin(frames["bank_accounts"].bank_account_id)]
    latest = cb.sort_values("balance_date").groupby("bank_account_id").tail(1)
    return round(float(latest.balance_amount.astype(float).sum()), 2)


def _report(sparse_urls, small_sample, case: str, scope: Scope) -> tuple[dict, dict]:
    frames = {name: (frame if name in CASES[case] else frame.iloc[0:0]) for name, frame in small_sample.items()}
    report = cli_report(sparse_urls[case], scope)
    check_identities(report, frames, scope)
    check_other_reports(sparse_urls[case], scope)
    return report, frames


def test_first_month_has_every_section_and_revenue_ties(sparse_urls, small_sample):
    # the bridge's base month (2024-10) has no data at all: it must not crash the report
    report, frames = _report(sparse_urls, small_sample, "full", Scope(FIRST, FIRST))
    assert [m["period"] for m in report["monthly"]] == [FIRST]
    assert report["empty"] == {}
    # invoices and ledger revenue agree to the cent (docs/FORMULAS.md): 2024-11 both ways
    assert report["profitability"]["revenue_amount"] == pytest.approx(ledger_revenue(frames, Scope(FIRST, FIRST)), abs=0.01)
    assert report["profitability"]["revenue_amount"] == report["kpis"]["revenue_amount"] > 0


@pytest.mark.parametrize("scope", [Scope("2027-01", "2027-03"), Scope("2022-01", "2022-03")], ids=["after", "before"])
def test_a_scope_outside_the_data_is_empty_and_labelled(sparse_urls, small_sample, scope):
    report, frames = _report(sparse_urls, small_sample, "full", scope)
    assert report["monthly"] == [] and report["oee"] is None and report["profitability"] is None
    assert report["kpis"] == {"revenue_amount": 0.0, "gross_profit_amount": 0.0, "gross_margin_pct": None, "variance_amount": 0.0,
                              "operating_profit_amount": 0.0, "good_qty": 0.0, "scrap_pct": None, "cash_amount": 0.0, "cash_date": None}
    assert report["empty"]["monthly"] == "no vouchers in the scope"
    assert report["empty"]["oee"] == "no machine events in the scope"
    assert report["empty"]["profitability"] == "no sales and no completed work orders in the scope"
    if scope.period_from > LAST:
        # the books end in 2026-10: the budget's year-to-date part is 2026's, and 2027 has no budget
        assert report["budget"]["year"] == "2026" and report["budget"]["totals"] == [] and "budget.totals" in report["empty"]
    else:
        assert report["budget"] is None and report["empty"]["budget"] == "no budget for the scope's year"
    # the cash forecast does not depend on the scope's months: it starts from the bank balances
    assert report["cash"]["opening_amount"] == bank_position(frames) > 0


def test_finance_only_database_reports_ledger_budget_and_cash(sparse_urls, small_sample):
    report, frames = _report(sparse_urls, small_sample, "finance_only", Scope())
    assert report["oee"] is None and report["empty"]["oee"] == "no machine events in the scope"
    assert report["profitability"] is None and "profitability" in report["empty"]
    assert report["kpis"]["good_qty"] == 0.0 and report["kpis"]["scrap_pct"] is None
    assert report["kpis"]["revenue_amount"] > 0
    assert report["kpis"]["revenue_amount"] == pytest.approx(ledger_revenue(frames, Scope()), abs=0.02)
    assert report["budget"]["totals"] and report["monthly"]
    # working capital comes from ledger balances; the forecast from the bank balances alone
    assert report["cash"]["working_capital"] and report["cash"]["opening_amount"] == bank_position(frames) > 0
    assert report["cash"]["latest_payers"] == {}  # no receipts, no payer habits


def test_no_customers_keeps_the_variances_with_no_revenue(sparse_urls, small_sample):
    report, _ = _report(sparse_urls, small_sample, "no_customers", Scope("2026-01", "2026-10"))
    p = report["profitability"]
    # no invoices: revenue 0, every order's variance stays on "(unsold)" rows, margins undefined
    assert p["revenue_amount"] == 0.0 and p["contribution_pct"] is None and p["gross_margin_pct"] is None
    assert p["gross_profit_amount"] == pytest.approx(-p["variance_amount"], abs=0.01) and p["variance_amount"] > 0
    assert p["variances"]["variance_amount"] == pytest.approx(p["variance_amount"], abs=0.01)


def test_no_output_counts_leaves_performance_and_quality_unknown(sparse_urls, small_sample):
    report, _ = _report(sparse_urls, small_sample, "no_output_counts", Scope("2026-01", "2026-10"))
    oee = report["oee"]
    assert oee["availability_pct"] > 0  # machine events still give availability
    assert oee["oee_pct"] is None and oee["performance_pct"] is None and oee["quality_pct"] is None and oee["teep_pct"] is None
    assert oee["good_qty"] == 0.0 and "oee.performance" in report["empty"]
    assert report["kpis"]["good_qty"] == 0.0 and report["kpis"]["scrap_pct"] is None


def test_no_machine_events_has_no_oee_and_no_oee_loss(sparse_urls, small_sample):
    report, _ = _report(sparse_urls, small_sample, "no_machine_events", Scope("2026-01", "2026-10"))
    assert report["oee"] is None and report["empty"] == {"oee": "no machine events in the scope"}
    assert report["profitability"]["oee_loss_amount"] == 0.0 and report["profitability"]["revenue_amount"] > 0


@pytest.mark.parametrize("case", ["operations_only", "no_work_orders", "nothing"])
def test_other_subsets_answer(sparse_urls, small_sample, case):
    report, _ = _report(sparse_urls, small_sample, case, Scope("2026-01", "2026-10"))
    if case == "no_work_orders":  # invoices without completed orders: revenue, no variance split
        assert report["profitability"]["variances"] is None and "profitability.variances" in report["empty"]
    if case == "nothing":
        assert report["cash"]["opening_amount"] == 0.0 and report["budget"] is None and report["as_of_date"] is None
