"""Periods imported as ledger balances, without vouchers (#15): the P&L reads them, and the pages
that need vouchers say so instead of showing empty tables or zeros.

The tiny ledger: plant P1 (CNY); 2026-09 has one voucher (bank 1002 debit 1,000.00 / revenue
6001 credit 1,000.00); 2026-10 has only balance rows: revenue 6001 credit 5,000.00 and cost of
sales 6401 debit 3,000.00 on cost center CC1.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from data_loaders import engine as eng
from data_loaders.importer import import_sources
from data_loaders.queries import load_balance_only_periods, load_filter_options_present, load_ledger_by_category
from data_loaders.scope import Scope
from tests.test_app import APP, PAGES, _open

SOURCES = {
    "plants.csv": "plant_id,plant_name,currency\nP1,一厂,CNY\n",
    "accounts.csv": ("account_code,account_name,account_type,category\n1002,银行存款,asset,cash\n"
                     "6001,主营业务收入,revenue,revenue\n6401,主营业务成本,expense,cost_of_sales\n"),
    "cost_centers.csv": "cost_center_id,cost_center_name,plant_id\nCC1,生产,P1\n",
    "vouchers.csv": "voucher_no,voucher_date,period,voucher_type,status,plant_id\nPZ202609-1,2026-09-15,2026-09,PZ,posted,P1\n",
    "voucher_lines.csv": ("voucher_no,line_no,period,account_code,plant_id,debit_amount,credit_amount\n"
                          "PZ202609-1,1,2026-09,1002,P1,1000.00,0\nPZ202609-1,2,2026-09,6001,P1,0,1000.00\n"),
    "ledger_balances.csv": ("period,line_no,account_code,cost_center_id,plant_id,debit_amount,credit_amount\n"
                            "2026-10,1,6001,,P1,0,5000.00\n2026-10,2,6401,CC1,P1,3000.00,0\n"),
}


def build(url: str) -> str:
    report = import_sources([(name, text.encode()) for name, text in SOURCES.items()], url, mode="replace")
    assert report.ok, report.problems_frame().to_string()
    return url


@pytest.fixture
def balances_url(empty_url):
    return build(empty_url)


def test_balance_only_periods_and_the_pnl_reads_them(balances_url):
    engine = eng.make_engine(balances_url, read_only=True)
    try:
        assert load_filter_options_present(engine)["periods"] == ["2026-09", "2026-10"]  # 2026-10 can be chosen
        assert load_balance_only_periods(engine, Scope("2026-09", "2026-10")) == ["2026-10"]
        assert load_balance_only_periods(engine, Scope()) == ["2026-10"]
        assert load_balance_only_periods(engine, Scope("2026-09", "2026-09")) == []  # vouchers there
        assert load_balance_only_periods(engine, Scope("2026-10", "2026-10", plants=("P1",))) == ["2026-10"]
        assert load_balance_only_periods(engine, Scope("2026-10", "2026-10", plants=("P2",))) == []  # not P2's rows
        frame = load_ledger_by_category(engine, Scope("2026-10", "2026-10"))
    finally:
        engine.dispose()
    by = frame.groupby("category")[["debit_amount", "credit_amount"]].sum()
    # 2026-10 from the balances only: revenue credit 5,000.00, cost of sales debit 3,000.00,
    # gross profit 5,000.00 − 3,000.00 = 2,000.00
    assert round(float(by.loc["revenue", "credit_amount"]), 2) == 5000.00
    assert round(float(by.loc["cost_of_sales", "debit_amount"]), 2) == 3000.00
    assert "cash" not in by.index  # 2026-09's voucher is not in 2026-10


@pytest.fixture(scope="module")
def app_balances_url(tmp_path_factory):
    return build(f"duckdb:///{tmp_path_factory.mktemp('balances') / 'balances.duckdb'}")


NOTE = {"zh": "的数据来自科目发生额", "en": "these periods come from ledger balances"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_opens_on_balances_and_the_voucher_pages_say_why_they_are_empty(app_balances_url, lang, monkeypatch):
    monkeypatch.setenv("BFI_DATABASE_URL", app_balances_url)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at = _open(at, "pages/overview.py", lang, errors_expected=True)
    if at.session_state["month._shown"] != "2026-10":
        at.selectbox(key=f"month.{lang}").set_value("2026-10")
        at.run()
    for page in sorted(PAGES):
        at = _open(at, page, lang, errors_expected=True)
        assert at.title[0].value == PAGES[page][0 if lang == "zh" else 1]
        notes = [i.value for i in at.info if NOTE[lang] in i.value]
        if page in ("pages/vouchers.py", "pages/reconciliation.py"):
            assert notes and "2026-10" in notes[0], (page, [i.value for i in at.info])
        if page == "pages/vouchers.py":  # the note says why, not "no voucher found"
            assert not [i for i in at.info if i.value.startswith(("没有找到", "No voucher"))]
            assert not at.dataframe
        if page == "pages/reconciliation.py":  # no zeros that would read as "everything posted"
            assert not at.metric
    at = _open(at, "pages/overview.py", lang, errors_expected=True)
    values = {m.label: m.value for m in at.metric}
    revenue = values["营业收入" if lang == "zh" else "Revenue"]
    assert revenue == ("¥5,000" if lang == "zh" else "¥5.00K")  # 5,000.00 from the balances


def test_a_voucher_month_shows_no_note(app_balances_url, monkeypatch):
    monkeypatch.setenv("BFI_DATABASE_URL", app_balances_url)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at = _open(at, "pages/vouchers.py", "en", errors_expected=True)
    at.selectbox(key="month.en").set_value("2026-09")
    at.run()
    assert not at.exception
    assert not [i for i in at.info if NOTE["en"] in i.value]
    assert "PZ202609-1" in set(at.dataframe[0].value.iloc[:, 0].astype(str))  # the first column: the voucher number
