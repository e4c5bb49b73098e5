"""The cockpit (reports/cockpit.py, analytics/cockpit.py, analytics/summary.py): its new figures
worked by hand on a tiny ledger on every database, the same numbers as the pages that own
them on the sample, never a crash on sparse data, and a summary whose every number is the
cockpit's."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from analytics import cash as cash_analytics
from analytics.cockpit import (
    compute_bridge_driver,
    compute_lowest_cash,
    compute_phased_execution,
    compute_span_working_capital,
    compute_variance_mover,
)
from analytics.summary import SENTENCE_PAGES, compute_summary
from analytics.working_capital import compute_wc_months, compute_working_capital
from data_loaders.scope import PeriodChoice, Scope
from reports.cash import cash_report
from reports.cockpit import cockpit_report, span_kpis
from reports.oee import oee_report
from reports.profitability import profitability_report
from tests.conftest import loaded_engine
from ui.i18n import LABELS

OCT = Scope("2026-10", "2026-10")


# --------------------------------------------------------------------------- a tiny ledger by hand
def _tiny_books() -> dict:
    """Plant P1, cost center CC1, as of 2026-11-15 (Sunday; the forecast's first week starts
    Monday 2026-11-09). Opening voucher in August: receivables 6,000, raw materials 4,500,
    payables 3,000. September: sales 12,000 on account, materials bought 9,000 on account and
    sold at cost 9,000, received 10,000, paid 8,000, admin 500. October: sales 15,000, bought and
    sold 10,500, received 12,000, paid 9,000, admin 700. Cost budget (original, CC1): September
    cost of sales 9,000 + admin 600, October 10,000 + 800; revenue 12,000 and 16,000."""
    acc = pd.DataFrame([
        ("1002", "银行存款", "Bank", "asset", "cash"),
        ("1122", "应收账款", "Receivables", "asset", "receivables"),
        ("1403", "原材料", "Raw materials", "asset", "raw_materials"),
        ("2202", "应付账款", "Payables", "liability", "payables"),
        ("4001", "实收资本", "Capital", "equity", "equity"),
        ("6001", "主营业务收入", "Revenue", "revenue", "revenue"),
        ("6401", "主营业务成本", "Cost of sales", "expense", "cost_of_sales"),
        ("6602", "管理费用", "Admin", "expense", "expense"),
    ], columns=["account_code", "account_name", "account_name_en", "account_type", "category"])
    entries = [  # voucher, type, period, [(account, debit, credit)]
        ("OB", "OB", "2026-08", [("1122", 6000, 0), ("1403", 4500, 0), ("2202", 0, 3000), ("4001", 0, 7500)]),
        ("S9", "GL", "2026-09", [("1122", 12000, 0), ("6001", 0, 12000)]),
        ("P9", "GL", "2026-09", [("1403", 9000, 0), ("2202", 0, 9000)]),
        ("C9", "GL", "2026-09", [("6401", 9000, 0), ("1403", 0, 9000)]),
        ("R9", "GL", "2026-09", [("1002", 10000, 0), ("1122", 0, 10000)]),
        ("D9", "GL", "2026-09", [("2202", 8000, 0), ("1002", 0, 8000)]),
        ("A9", "GL", "2026-09", [("6602", 500, 0), ("1002", 0, 500)]),
        ("S10", "GL", "2026-10", [("1122", 15000, 0), ("6001", 0, 15000)]),
        ("P10", "GL", "2026-10", [("1403", 10500, 0), ("2202", 0, 10500)]),
        ("C10", "GL", "2026-10", [("6401", 10500, 0), ("1403", 0, 10500)]),
        ("R10", "GL", "2026-10", [("1002", 12000, 0), ("1122", 0, 12000)]),
        ("D10", "GL", "2026-10", [("2202", 9000, 0), ("1002", 0, 9000)]),
        ("A10", "GL", "2026-10", [("6602", 700, 0), ("1002", 0, 700)]),
    ]
    vouchers = pd.DataFrame({"voucher_no": [e[0] for e in entries], "voucher_type": [e[1] for e in entries],
                             "voucher_date": [dt.date(int(e[2][:4]), int(e[2][5:]), 20) for e in entries],
                             "period": [e[2] for e in entries], "status": "posted", "plant_id": "P1"})
    lines = [{"voucher_no": v, "line_no": i + 1, "period": period, "account_code": a, "plant_id": "P1",
              "cost_center_id": "CC1" if a[0] == "6" else None, "debit_amount": float(d), "credit_amount": float(c)}
             for v, _, period, rows in entries for i, (a, d, c) in enumerate(rows)]
    budgets = pd.DataFrame([("original", p, "CC1", a, float(x)) for p, a, x in (
        ("2026-09", "6001", 12000), ("2026-09", "6401", 9000), ("2026-09", "6602", 600),
        ("2026-10", "6001", 16000), ("2026-10", "6401", 10000), ("2026-10", "6602", 800))],
        columns=["version", "period", "cost_center_id", "account_code", "budget_amount"])
    return {
        "plants": pd.DataFrame({"plant_id": ["P1"], "plant_name": ["Plant 1"], "currency": ["CNY"]}),
        "cost_centers": pd.DataFrame({"cost_center_id": ["CC1"], "cost_center_name": ["Main"], "plant_id": ["P1"]}),
        "accounts": acc, "vouchers": vouchers, "voucher_lines": pd.DataFrame(lines), "budgets": budgets,
        "bank_accounts": pd.DataFrame({"bank_account_id": ["B1"], "bank_name": ["Bank"], "plant_id": ["P1"], "currency": ["CNY"]}),
        "cash_balances": pd.DataFrame({"bank_account_id": ["B1", "B1"], "balance_date": [dt.date(2026, 10, 31), dt.date(2026, 11, 14)],
                                       "balance_amount": [3800.0, 4200.0]}),
        "dataset_info": pd.DataFrame({"info_key": ["as_of_date", "currency"], "info_value": ["2026-11-15", "CNY"]}),
    }


@pytest.fixture
def tiny_books(empty_url):
    yield from loaded_engine(empty_url, _tiny_books())


def test_tiny_books_by_hand_on_every_database(tiny_books):
    r = cockpit_report(tiny_books, OCT, PeriodChoice("month", "2026-10"))
    k, sep, ytd = r["kpis"]["current"], r["kpis"]["prior_month"], r["kpis"]["ytd"]
    assert k["revenue_amount"] == 15_000.0 and sep["revenue_amount"] == 12_000.0
    assert k["gross_margin_pct"] == pytest.approx((15_000 - 10_500) / 15_000)  # 0.30
    assert r["changes"]["prior_month"]["gross_margin_pct"] == pytest.approx(0.30 - (12_000 - 9_000) / 12_000)  # +5 pp
    # October, 31 days: receivables 6,000 + 12,000 − 10,000 + 15,000 − 12,000 = 11,000 over revenue 15,000
    assert k["dso_days"] == pytest.approx(11_000 / 15_000 * 31, abs=1e-4)  # 22.73
    # inventory 4,500 + 9,000 − 9,000 + 10,500 − 10,500 = 4,500 over cost of sales 10,500
    assert k["dio_days"] == pytest.approx(4_500 / 10_500 * 31, abs=1e-4)  # 13.29
    # payables 3,000 + 9,000 − 8,000 + 10,500 − 9,000 = 5,500 over cost of sales 10,500
    assert k["dpo_days"] == pytest.approx(5_500 / 10_500 * 31, abs=1e-4)  # 16.24
    assert k["ccc_days"] == pytest.approx((11_000 / 15_000 + 4_500 / 10_500 - 5_500 / 10_500) * 31, abs=1e-3)  # 19.78
    # September, 30 days: receivables 8,000 over 12,000; inventory 4,500 and payables 4,000 over 9,000
    assert sep["dso_days"] == pytest.approx(8_000 / 12_000 * 30, abs=1e-4)
    assert sep["ccc_days"] == pytest.approx((8_000 / 12_000 + 4_500 / 9_000 - 4_000 / 9_000) * 30, abs=1e-3)
    # year to date: the closed months with books, August to October (31 + 30 + 31 = 92 days), October's balances
    assert ytd["dso_days"] == pytest.approx(11_000 / 27_000 * 92, abs=1e-4)  # 37.48
    assert ytd["dpo_days"] == pytest.approx(5_500 / 19_500 * 92, abs=1e-4)
    assert ytd["gross_margin_pct"] == pytest.approx(round(7_500 / 27_000, 4))
    # budget execution of the cost lines: (10,500 + 700) / (10,000 + 800); phased year to date (9,500 + 11,200) / (9,600 + 10,800)
    assert k["budget_execution_pct"] == pytest.approx(11_200 / 10_800)  # 1.037
    assert ytd["budget_execution_pct"] == pytest.approx(20_700 / 20_400)  # 1.0147
    assert r["kpis"]["budget"]["revenue_amount"] == 16_000.0
    assert r["kpis"]["budget"]["gross_margin_pct"] == pytest.approx((16_000 - 10_000) / 16_000)  # 0.375
    assert r["changes"]["budget"]["revenue_amount"] == -1_000.0
    # no work orders, no machine events: no cost variance rate, no OEE, no bridge of operations' gross profit
    assert k["variance_rate_pct"] is None and k["oee_pct"] is None
    assert r["bridge"] is None and r["bridge_base"] is None
    # cash today is the bank balance of 2026-11-14; nothing open: the forecast stays there, lowest in the first week
    assert r["cash"] == {"as_of_date": "2026-11-15", "cash_today_amount": 4_200.0, "lowest_cash_amount": 4_200.0,
                         "lowest_cash_week_date": "2026-11-09", "budget_year": "2026"}
    json.dumps(r, allow_nan=False)


# --------------------------------------------------------------------------- the formulas by hand
def test_cost_variance_rate_by_hand():
    variances = pd.DataFrame({"plant_id": ["P1", "P2"], "work_center_id": ["W1", "W2"], "good_qty": [10.0, 5.0], "scrap_qty": [0.0, 1.0],
                              "actual_amount": [1_030.0, 480.0], "standard_amount": [1_000.0, 500.0],
                              "variance_amount": [30.0, -20.0]}).assign(**{f"{v}_amount": 0.0 for v in (
                                  "material_price", "material_usage", "material_scrap", "labor_rate", "labor_efficiency", "labor_scrap",
                                  "overhead_efficiency", "overhead_scrap")})
    k = span_kpis({"revenue_amount": 2_000.0, "gross_margin_pct": 0.2}, {"facts": pd.DataFrame(), "variances": variances}, None, None, OCT)
    # |(1,030 + 480) − (1,000 + 500)| / 1,500 = 10 / 1,500
    assert k["variance_rate_pct"] == pytest.approx(10 / 1_500)
    assert k["variance_amount"] == 10.0 and k["standard_amount"] == 1_500.0
    # the work center whose variance grew most: W1 from 10 to 30 (+20); W2 from −30 to −20 (+10)
    base = variances.assign(variance_amount=[10.0, -30.0])
    assert compute_variance_mover(variances, base) == {"plant_id": "P1", "work_center_id": "W1", "variance_amount": 30.0,
                                                       "change_amount": 20.0}
    assert compute_variance_mover(variances, variances) is None  # nothing grew


def test_lowest_cash_of_a_hand_forecast():
    # opening 1,000 on Wednesday 2026-11-11; out 700 on 11-18 (week 2), in 300 on 11-25 (week 3), out 900 on 12-09 (week 5)
    events = pd.DataFrame({"date": pd.to_datetime(["2026-11-18", "2026-11-25", "2026-12-09"]), "direction": ["out", "in", "out"],
                           "source": ["payables", "receivables", "payables"], "amount": [700.0, 300.0, 900.0],
                           "reference": ["a", "b", "c"], "counterparty": ["s", "c", "s"]}, columns=cash_analytics.EVENT_COLUMNS)
    weekly = cash_analytics.compute_forecast(1_000.0, events, "2026-11-11", "W", 13)
    # closings: 1,000, 300, 600, 600, −300, then −300 to week 13
    assert weekly.closing_amount.tolist()[:5] == [1_000.0, 300.0, 600.0, 600.0, -300.0]
    assert compute_lowest_cash(weekly) == {"lowest_cash_amount": -300.0, "lowest_cash_week_date": "2026-12-07"}
    assert compute_lowest_cash(weekly.iloc[0:0]) == {"lowest_cash_amount": None, "lowest_cash_week_date": None}


def test_budget_execution_phased_by_hand():
    ytd = pd.DataFrame({"line_type": ["cost", "cost", "revenue"], "budget_to_date_amount": [300.0, 100.0, 900.0],
                        "actual_to_date_amount": [330.0, 90.0, 800.0]})
    assert compute_phased_execution(ytd) == pytest.approx((330 + 90) / (300 + 100))  # 1.05, revenue left out
    assert compute_phased_execution(ytd[ytd.line_type == "revenue"]) is None


def test_span_working_capital_equals_the_cash_pages_month():
    from tests.test_working_capital import quarter_2025q1

    months = compute_wc_months(quarter_2025q1())
    by_month = compute_working_capital(months, "month", "actual").set_index("period")
    for month in ("2025-01", "2025-02", "2025-03"):
        one = compute_span_working_capital(months, month, month)
        assert one["dso_days"] == pytest.approx(by_month.loc[month, "dso_days"], abs=1e-4)
        assert one["ccc_days"] == pytest.approx(by_month.loc[month, "ccc_days"], abs=1e-3)
    q = compute_span_working_capital(months, "2025-01", "2025-03")
    assert (q["days"], q["dso_days"], q["ccc_days"]) == (90.0, pytest.approx(30.0), pytest.approx(25.0))  # tests/test_working_capital.py
    assert compute_span_working_capital(months, "2025-04", "2025-04")["dso_days"] is None  # not a closed month of the data


def test_bridge_driver_and_its_share_of_the_fall():
    bridge = pd.DataFrame({"step": ["start", "price", "volume", "scrap", "end"], "amount": [1_000.0, 50.0, -30.0, -120.0, 900.0],
                           "measure": ["absolute", "relative", "relative", "relative", "total"]})
    # gross profit fell 100; scrap lowered it 120: 120 % of the fall (the other bars offset 20)
    assert compute_bridge_driver(bridge) == {"step": "scrap", "amount": -120.0, "change_amount": -100.0, "share_pct": 1.2}
    rose = bridge.assign(amount=[1_000.0, 150.0, -30.0, 0.0, 1_120.0])
    assert compute_bridge_driver(rose)["share_pct"] is None  # profit rose: no share of a fall
    assert compute_bridge_driver(bridge.assign(amount=[1.0, 1.0, 0.0, 0.0, 2.0])) is None


# --------------------------------------------------------------------------- the sample: the pages' numbers
def test_the_cockpit_shows_the_pages_numbers(sample_engine):
    r = cockpit_report(sample_engine, OCT, PeriodChoice("month", "2026-10"))
    k = r["kpis"]["current"]
    pf = profitability_report(sample_engine, OCT)
    assert k["variance_rate_pct"] == pytest.approx(float(pf["variance_total"].variance_rate_pct), abs=1e-9)
    oee = oee_report(sample_engine, OCT)
    assert k["oee_pct"] == pytest.approx(float(oee["total"].oee_pct), abs=1e-9)
    assert k["oee_loss_amount"] == pytest.approx(float(oee["total"].loss_cost_amount), abs=0.005)
    cash = cash_report(sample_engine, OCT, backtest=False)
    assert r["cash"]["cash_today_amount"] == pytest.approx(cash["opening"], abs=0.005)
    assert r["cash"]["lowest_cash_amount"] == pytest.approx(float(cash["weekly"].closing_amount.min()), abs=0.005)
    month = cash["working_capital"].set_index("period").loc["2026-10"]
    for name in ("dso_days", "dio_days", "dpo_days", "ccc_days"):
        assert k[name] == pytest.approx(float(month[name]), abs=1e-3), name
    bridge = pd.DataFrame(r["bridge"])
    assert bridge.amount.tolist() == pytest.approx(pf["period_bridge"].amount.tolist(), abs=0.005)
    # OEE for every span: a year earlier and the year to date are the OEE report's totals too
    for name, span in (("prior_year", Scope("2025-10", "2025-10")), ("ytd", Scope("2026-01", "2026-10"))):
        assert r["kpis"][name]["oee_pct"] == pytest.approx(float(oee_report(sample_engine, span)["total"].oee_pct), abs=1e-9), name


# --------------------------------------------------------------------------- the written summary
def _t(lang: str):
    i = 0 if lang == "zh" else 1
    return lambda key, **kw: LABELS[key][i].format(**kw)


FMT = {"money": lambda v: f"¥{v:,.2f}", "money_delta": lambda v: f"{v:+,.2f}", "pct": lambda v: f"{v * 100:.2f}%",
       "pp": lambda v: f"{v * 100:+.2f}pp", "points": lambda v: f"{v * 100:.2f}pp", "days": lambda v: f"{v:.2f}d",
       "date": str, "text": str}
KINDS = {"_amount": "money", "_pct": "pct", "_days": "days"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_number_of_the_summary_is_the_cockpits(default_sample_engine, lang):
    r = cockpit_report(default_sample_engine, OCT, PeriodChoice("month", "2026-10"))
    links = {page: (page.title(), f"{page}?lang={lang}") for page in set(SENTENCE_PAGES.values())}
    sentences = compute_summary(r, _t(lang), FMT, links)
    k, change, cash = r["kpis"]["current"], r["changes"]["prior_month"], r["cash"]
    analytics = {**k, "revenue_change_amount": change["revenue_amount"], "gross_margin_change_pct": change["gross_margin_pct"],
                 "oee_change_pct": change["oee_pct"], "ytd_budget_execution_pct": r["kpis"]["ytd"]["budget_execution_pct"],
                 "cash_today_amount": cash["cash_today_amount"], "lowest_cash_amount": cash["lowest_cash_amount"],
                 "target_variance_rate_pct": r["target_variance_rate_pct"],
                 "gross_profit_change_amount": r["drivers"]["bridge"]["change_amount"], "bridge_step_amount": r["drivers"]["bridge"]["amount"],
                 "bridge_step_share_pct": r["drivers"]["bridge"]["share_pct"],
                 "work_center_variance_change_amount": r["drivers"]["variance"]["change_amount"]}
    assert [s["topic"] for s in sentences] == ["revenue", "margin", "bridge", "variance", "oee", "budget", "cash", "working_capital"]
    for s in sentences:
        assert s["numbers"], s
        for name, value in s["numbers"].items():
            assert value == analytics[name], (name, value, analytics[name])  # the very number the analytics made
            kind = "money" if name.endswith("_amount") else "pct" if name.endswith("_pct") else "days"
            signed = name.endswith("change_amount") or name == "bridge_step_amount"
            shown = FMT["money_delta"](value) if signed else FMT["points"](abs(value)) if name == "gross_margin_change_pct" \
                else FMT["pp"](value) if name == "oee_change_pct" else FMT[kind](value)
            assert shown in s["text"], (name, shown, s["text"])
        assert s["markdown"] == f"{s['text']} [{s['page'].title()} →]({s['page']}?lang={lang})"
    assert r["drivers"]["variance"]["work_center_id"] in sentences[3]["text"]


def test_summary_leaves_out_what_is_unknown():
    empty = {"kpis": {"current": {k: None for k in ("revenue_amount", "gross_margin_pct", "variance_rate_pct", "oee_pct",
                                                    "budget_execution_pct", "ccc_days")}}, "main": None, "changes": {},
             "target_variance_rate_pct": 0.02, "drivers": {"bridge": None, "variance": None},
             "cash": {"cash_today_amount": 0.0, "lowest_cash_amount": None}}
    assert compute_summary(empty, _t("en"), FMT, {p: ("x", "x") for p in set(SENTENCE_PAGES.values())}) == []


# --------------------------------------------------------------------------- sparse data
@pytest.mark.parametrize("case", ["finance_only", "operations_only", "no_machine_events", "nothing"])
@pytest.mark.parametrize("scope", [OCT, Scope("2024-11", "2024-11"), Scope("2030-01", "2030-03")])
def test_sparse_data_never_crashes(sparse_urls, small_sample, case, scope):
    from data_loaders import engine as eng

    engine = eng.make_engine(sparse_urls[case], read_only=True)
    try:
        r = cockpit_report(engine, scope, PeriodChoice("month", scope.period_to) if scope.n_months == 1 else None)
    finally:
        engine.dispose()
    json.dumps(r, allow_nan=False)
    assert set(r["kpis"]) >= {"current", "budget"}
    if case in ("operations_only", "nothing"):
        assert r["kpis"]["current"]["revenue_amount"] == 0.0 and r["kpis"]["current"]["gross_margin_pct"] is None
    if case in ("finance_only", "nothing"):  # no sales nor work orders in either span: no bridge of zeros
        assert r["bridge"] is None and r["bridge_base"] is None


@pytest.fixture(scope="module")
def sparse_urls(sparse_base, tmp_path_factory):
    from tests.test_sparse import CASES, derive

    folder = tmp_path_factory.mktemp("cockpit_sparse")
    return {name: derive(sparse_base, CASES[name], folder) for name in ("finance_only", "operations_only", "no_machine_events", "nothing")}


@pytest.fixture(scope="module")
def sparse_base(sample_copy, tmp_path_factory):
    return sample_copy("duckdb", tmp_path_factory.mktemp("cockpit_sparse_base") / "full.duckdb")


@pytest.mark.parametrize("choice", [PeriodChoice("month", "2026-10"), PeriodChoice("ytd", "2026-10"), PeriodChoice("quarter", "2026-08")])
def test_the_overviews_cached_cockpit_is_the_reports(sparse_base, choice):
    # ui.data.cockpit composes the pages' cached parts; reports.cockpit.cockpit_report loads them: the same numbers
    import streamlit.logger

    from data_loaders import engine as eng
    from ui import data

    streamlit.logger.set_log_level("error")  # bare mode warns on every session-state access
    url = f"duckdb:///{sparse_base}"
    scope = choice.scope()
    data.check_version(url)
    shown = data.cockpit(url, scope, choice)
    engine = eng.make_engine(url, read_only=True)
    try:
        assert shown == cockpit_report(engine, scope, choice)
    finally:
        engine.dispose()
    if choice.mode == "ytd":
        assert shown["kpis"]["current"]["oee_pct"] is not None and "ytd" not in shown["kpis"]  # ten months of OEE, from its totals


def test_the_overviews_cockpit_without_bank_balances_says_unknown(sparse_urls):
    """A database without bank balances (operations only): the overview's cached cockpit leaves
    today's cash and the lowest balance unknown, as the report does; no cash sentence."""
    import streamlit.logger

    from analytics.summary import compute_summary
    from data_loaders import engine as eng
    from ui import data

    streamlit.logger.set_log_level("error")
    url, choice = sparse_urls["operations_only"], PeriodChoice("month", "2026-10")
    data.check_version(url)
    shown = data.cockpit(url, choice.scope(), choice)
    engine = eng.make_engine(url, read_only=True)
    try:
        assert shown == cockpit_report(engine, choice.scope(), choice)
    finally:
        engine.dispose()
    assert data.cash_opening(url, choice.scope()) is None
    assert shown["cash"]["cash_today_amount"] is None and shown["cash"]["lowest_cash_amount"] is None
    sentences = compute_summary(shown, _t("en"), FMT, {p: ("x", "x") for p in set(SENTENCE_PAGES.values())})
    assert sentences and not any("cash" in str(s).lower() and "lowest" in str(s).lower() for s in sentences)


def test_the_stored_months_of_a_sparse_database_are_the_computed_ones(sparse_urls):
    """The whole-company P&L and output months the refresh stores (``facts_cockpit``) are the
    frames computed from the facts on a database without a ledger, without operations or with
    nothing: an empty P&L or output as the computation gives it."""
    from analytics.ledger import compute_monthly_pnl, compute_production_monthly
    from data_loaders import engine as eng
    from data_loaders import facts_cockpit as FC
    from data_loaders import queries as Q
    from reports.cash import as_of_date

    for name, url in sparse_urls.items():
        engine = eng.make_engine(url, read_only=True)
        try:
            if not FC.stored_for(engine, as_of_date(engine)):
                assert name == "nothing", name  # a database with nothing states no as-of date
                continue
            pd.testing.assert_frame_equal(FC.load_pnl_months(engine, as_of_date(engine)),
                                          compute_monthly_pnl(Q.load_ledger_by_category(engine, Scope(), True)), check_exact=True)
            pd.testing.assert_frame_equal(FC.load_production_months(engine, as_of_date(engine)),
                                          compute_production_monthly(Q.load_production_daily(engine, Scope(), True)), check_exact=True)
        finally:
            engine.dispose()


def test_the_cached_profit_parts_keep_the_bridges_columns_and_give_the_same_bridge(sample_engine):
    """``profit_parts`` keeps only the facts' columns the bridge reads (the UI caches the parts of
    every span): the bridge from them is the bridge from the whole facts, to the bit."""
    from analytics.profitability import compute_pvm_bridge
    from reports.cockpit import BRIDGE_FACTS, compute_bridge, profit_parts
    from reports.profitability import bridge_base, use_facts

    base, span = Scope("2026-07", "2026-09"), Scope("2026-10", "2026-12")
    parts, base_parts = profit_parts(sample_engine, span), profit_parts(sample_engine, base)
    assert list(parts["facts"].columns) == BRIDGE_FACTS and len(parts["facts"]) > 10
    (f0, v0), (f1, v1) = (bridge_base(sample_engine, s, use_facts(sample_engine, s)) for s in (base, span))
    whole = compute_pvm_bridge(f0, f1, v0, v1)
    pd.testing.assert_frame_equal(compute_bridge(base_parts, parts), whole, check_exact=True)
    assert whole.amount.abs().sum() > 0
