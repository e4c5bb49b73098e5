"""Currency from the data (#15): a scope's amounts are labelled with its plants' currency, and
plants of several currencies are never summed.

The tiny ledger: plant P1 in CNY and P2 in USD, one voucher each in 2026-09: P1 sells for
1,000.00 (bank 1002 debit / revenue 6001 credit), P2 for 300.00.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

import cli
from data_loaders import engine as eng
from data_loaders.importer import import_sources
from data_loaders.queries import load_plant_currencies
from data_loaders.scope import Scope
from reports.currency import MixedCurrencies, resolve_currency, scope_currency
from reports.kpi import kpi_report
from tests.test_app import APP, _open

SOURCES = {
    "plants.csv": "plant_id,plant_name,currency\nP1,一厂,CNY\nP2,Plant Two,USD\n",
    "accounts.csv": "account_code,account_name,account_type,category\n1002,银行存款,asset,cash\n6001,主营业务收入,revenue,revenue\n",
    "vouchers.csv": ("voucher_no,voucher_date,period,voucher_type,status,plant_id\n"
                     "V1,2026-09-15,2026-09,PZ,posted,P1\nV2,2026-09-16,2026-09,PZ,posted,P2\n"),
    "voucher_lines.csv": ("voucher_no,line_no,period,account_code,plant_id,debit_amount,credit_amount\n"
                          "V1,1,2026-09,1002,P1,1000.00,0\nV1,2,2026-09,6001,P1,0,1000.00\n"
                          "V2,1,2026-09,1002,P2,300.00,0\nV2,2,2026-09,6001,P2,0,300.00\n"),
}


def build(url: str) -> str:
    report = import_sources([(name, text.encode()) for name, text in SOURCES.items()], url, mode="replace")
    assert report.ok, report.problems_frame().to_string()
    return url


def test_resolve_currency():
    assert resolve_currency({}) == ("CNY", {})  # no plants, no setting
    assert resolve_currency({}, "EUR") == ("EUR", {})  # an import profile's [dataset] currency
    assert resolve_currency({"P1": "USD"}, "EUR") == ("USD", {})  # the plants win over the setting
    assert resolve_currency({"P1": "CNY", "P2": "USD"}) == ("CNY", {"P1": "CNY", "P2": "USD"})


def test_scope_currency_and_the_report_on_every_database(empty_url):
    build(empty_url)
    engine = eng.make_engine(empty_url, read_only=True)
    try:
        assert load_plant_currencies(engine) == {"P1": "CNY", "P2": "USD"}
        assert scope_currency(engine, Scope(plants=("P1",))) == ("CNY", {})
        assert scope_currency(engine, Scope(plants=("P2",))) == ("USD", {})
        assert scope_currency(engine, Scope())[1] == {"P1": "CNY", "P2": "USD"}
        report = kpi_report(engine, Scope("2026-09", "2026-09", plants=("P2",)))
        assert report["currency"] == "USD"
        assert report["kpis"]["revenue_amount"] == pytest.approx(300.00)  # P2's sale only
        with pytest.raises(MixedCurrencies):
            kpi_report(engine, Scope("2026-09", "2026-09"))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def two_currencies_url(tmp_path_factory):
    return build(f"duckdb:///{tmp_path_factory.mktemp('currency') / 'two.duckdb'}")


def test_cli_report_states_the_currency_and_refuses_a_mixed_scope(two_currencies_url, capsys):
    capsys.readouterr()
    assert cli.main(["--db", two_currencies_url, "report", "--from", "2026-09", "--to", "2026-09", "--plant", "P1"]) == 0
    assert json.loads(capsys.readouterr().out)["currency"] == "CNY"
    assert cli.main(["--db", two_currencies_url, "report", "--from", "2026-09", "--to", "2026-09", "--plant", "P2"]) == 0
    assert json.loads(capsys.readouterr().out)["currency"] == "USD"
    assert cli.main(["--db", two_currencies_url, "report", "--from", "2026-09", "--to", "2026-09"]) == 2
    err = capsys.readouterr().err
    assert "P1 CNY, P2 USD" in err and "several currencies" in err


MIXED = {"zh": "所选工厂使用不同币种", "en": "The chosen plants use different currencies"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pages_label_the_plants_currency_and_stop_on_a_mixed_scope(two_currencies_url, lang, monkeypatch):
    monkeypatch.setenv("BFI_DATABASE_URL", two_currencies_url)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    for page in ("pages/overview.py", "pages/ledger.py", "pages/meeting.py"):
        at = _open(at, page, lang, errors_expected=True)  # both plants: the message, no amount
        assert [w for w in at.warning if MIXED[lang] in w.value], page
        assert "P1" in at.dataframe[0].value.index and not at.metric and "mt_freeze" not in [b.key for b in at.button]  # nothing to freeze either
    at.multiselect(key="plant").set_value(["P1"])
    at.run()
    at = _open(at, "pages/overview.py", lang, errors_expected=True)
    revenue = {m.label: m.value for m in at.metric}["营业收入" if lang == "zh" else "Revenue"]
    assert revenue == ("¥0.10万" if lang == "zh" else "¥0.00M")  # 1,000.00 in CNY
    at = _open(at, "pages/ledger.py", lang, errors_expected=True)
    assert not at.warning or not [w for w in at.warning if MIXED[lang] in w.value]
    assert any(("万元" if lang == "zh" else "CNY") in c.value for c in at.caption)  # the scope line's unit
    at.multiselect(key="plant").set_value(["P2"])
    at.run()
    at = _open(at, "pages/overview.py", lang, errors_expected=True)
    revenue = {m.label: m.value for m in at.metric}["营业收入" if lang == "zh" else "Revenue"]
    assert revenue == ("$0.03万" if lang == "zh" else "$0.00M")  # 300.00 in USD
    at = _open(at, "pages/ledger.py", lang, errors_expected=True)
    assert any(("万USD" if lang == "zh" else "USD") in c.value for c in at.caption)
