"""Currency from the data (#15): a scope's amounts are labelled with its plants' currency, and
plants of several currencies are shown side by side, per plant, never summed across currencies.

The tiny ledger, all in 2026-09: plants P1 (CNY), P2 (USD) and P3 (CNY).

    plant  sale (bank 1002 / revenue 6001)  cost of sales (6401 / goods 1405)  cost budget (CC × 6401)  bank at 2026-09-30
    P1     1,000.00                         600.00 on CC1                      800.00 on CC1            B1 5,000.00
    P2       300.00                         210.00 on CC2                      none                     none
    P3       500.00                         350.00 on CC3                      400.00 on CC3            B3 2,000.00

By hand (no production variance, so gross profit = revenue − cost of sales):

    P1: gross profit 1,000 − 600 = 400, margin 400 ÷ 1,000 = 40 %, budget execution 600 ÷ 800 = 75 %, cash 5,000
    P3: gross profit 500 − 350 = 150, margin 150 ÷ 500 = 30 %, budget execution 350 ÷ 400 = 87.5 %, cash 2,000
    CNY (P1 + P3): revenue 1,500, cost of sales 950, gross profit 550, margin 550 ÷ 1,500 = 36.67 %,
                   budget execution 950 ÷ 1,200 = 79.17 %, cash 5,000 + 2,000 = 7,000
    P2 (USD, alone in its currency: no subtotal): gross profit 300 − 210 = 90, margin 30 %, no budget, no cash
    No grand total: 1,500 CNY and 300 USD are never added.
"""

from __future__ import annotations

import json
import shlex

import pytest
from streamlit.testing.v1 import AppTest

import cli
from data_loaders import audit, schema, users
from data_loaders import engine as eng
from data_loaders.importer import import_sources
from data_loaders.queries import load_plant_currencies
from data_loaders.scope import Scope
from reports.currency import MixedCurrencies, currency_groups, plant_figures, resolve_currency, scope_currency
from reports.kpi import kpi_report
from tests.test_app import APP, _open

SOURCES = {
    "plants.csv": "plant_id,plant_name,currency\nP1,一厂,CNY\nP2,Plant Two,USD\nP3,三厂,CNY\n",
    "accounts.csv": ("account_code,account_name,account_type,category\n1002,银行存款,asset,cash\n"
                     "1405,库存商品,asset,finished_goods\n6001,主营业务收入,revenue,revenue\n"
                     "6401,主营业务成本,expense,cost_of_sales\n"),
    "cost_centers.csv": "cost_center_id,cost_center_name,plant_id\nCC1,一厂销售,P1\nCC2,Sales Two,P2\nCC3,三厂销售,P3\n",
    "bank_accounts.csv": "bank_account_id,bank_name,plant_id,currency\nB1,银行一,P1,CNY\nB2,Bank Two,P2,USD\nB3,银行三,P3,CNY\n",
    "cash_balances.csv": "bank_account_id,balance_date,balance_amount\nB1,2026-09-30,5000.00\nB3,2026-09-30,2000.00\n",
    "budgets.csv": ("version,period,cost_center_id,account_code,budget_amount\n"
                    "original,2026-09,CC1,6401,800.00\noriginal,2026-09,CC3,6401,400.00\n"),
    "vouchers.csv": ("voucher_no,voucher_date,period,voucher_type,status,plant_id\n"
                     "V1,2026-09-15,2026-09,PZ,posted,P1\nV2,2026-09-16,2026-09,PZ,posted,P2\n"
                     "V3,2026-09-17,2026-09,PZ,posted,P3\nV4,2026-09-20,2026-09,PZ,posted,P1\n"
                     "V5,2026-09-21,2026-09,PZ,posted,P2\nV6,2026-09-22,2026-09,PZ,posted,P3\n"),
    "voucher_lines.csv": ("voucher_no,line_no,period,account_code,cost_center_id,plant_id,debit_amount,credit_amount\n"
                          "V1,1,2026-09,1002,,P1,1000.00,0\nV1,2,2026-09,6001,,P1,0,1000.00\n"
                          "V2,1,2026-09,1002,,P2,300.00,0\nV2,2,2026-09,6001,,P2,0,300.00\n"
                          "V3,1,2026-09,1002,,P3,500.00,0\nV3,2,2026-09,6001,,P3,0,500.00\n"
                          "V4,1,2026-09,6401,CC1,P1,600.00,0\nV4,2,2026-09,1405,,P1,0,600.00\n"
                          "V5,1,2026-09,6401,CC2,P2,210.00,0\nV5,2,2026-09,1405,,P2,0,210.00\n"
                          "V6,1,2026-09,6401,CC3,P3,350.00,0\nV6,2,2026-09,1405,,P3,0,350.00\n"),
}

SEPT = Scope("2026-09", "2026-09")
# the hand-computed figures of the module's docstring: (currency, plant or None for a subtotal, plants, figures)
EXPECTED = [
    ("CNY", "P1", ["P1"], dict(revenue_amount=1000.00, cost_of_sales_amount=600.00, variance_amount=0.0, gross_profit_amount=400.00,
                               gross_margin_pct=0.4, budget_execution_pct=0.75, cash_amount=5000.00)),
    ("CNY", "P3", ["P3"], dict(revenue_amount=500.00, cost_of_sales_amount=350.00, variance_amount=0.0, gross_profit_amount=150.00,
                               gross_margin_pct=0.3, budget_execution_pct=0.875, cash_amount=2000.00)),
    ("CNY", None, ["P1", "P3"], dict(revenue_amount=1500.00, cost_of_sales_amount=950.00, variance_amount=0.0,
                                     gross_profit_amount=550.00, gross_margin_pct=0.3667, budget_execution_pct=0.7917,
                                     cash_amount=7000.00)),
    ("USD", "P2", ["P2"], dict(revenue_amount=300.00, cost_of_sales_amount=210.00, variance_amount=0.0, gross_profit_amount=90.00,
                               gross_margin_pct=0.3, budget_execution_pct=None, cash_amount=None)),
]


def build(url: str) -> str:
    report = import_sources([(name, text.encode()) for name, text in SOURCES.items()], url, mode="replace")
    assert report.ok, report.problems_frame().to_string()
    engine = eng.make_engine(url)
    try:  # the books of 2026-09 are closed whatever today's date (the budget's year to date ends there)
        with engine.begin() as conn:
            conn.execute(schema.dataset_info.insert(), [{"info_key": "as_of_date", "info_value": "2026-10-15"}])
    finally:
        engine.dispose()
    return url


def check_rows(rows: list[dict], expected=EXPECTED) -> None:
    assert [(r["currency"], r["plant_id"], r["plants"]) for r in rows] == [(c, p, ps) for c, p, ps, _ in expected]
    for row, (_, _, _, figures) in zip(rows, expected):
        for name, value in figures.items():
            assert row[name] == (None if value is None else pytest.approx(value)), (row["plants"], name)


def test_resolve_currency():
    assert resolve_currency({}) == ("CNY", {})  # no plants, no setting
    assert resolve_currency({}, "EUR") == ("EUR", {})  # an import profile's [dataset] currency
    assert resolve_currency({"P1": "USD"}, "EUR") == ("USD", {})  # the plants win over the setting
    assert resolve_currency({"P1": "CNY", "P2": "USD"}) == ("CNY", {"P1": "CNY", "P2": "USD"})
    assert currency_groups({"P3": "CNY", "P2": "USD", "P1": "CNY"}) == {"CNY": ("P1", "P3"), "USD": ("P2",)}


def test_scope_currency_and_the_report_on_every_database(empty_url):
    build(empty_url)
    engine = eng.make_engine(empty_url, read_only=True)
    try:
        assert load_plant_currencies(engine) == {"P1": "CNY", "P2": "USD", "P3": "CNY"}
        assert scope_currency(engine, Scope(plants=("P1",))) == ("CNY", {})
        assert scope_currency(engine, Scope(plants=("P1", "P3"))) == ("CNY", {})
        assert scope_currency(engine, Scope(plants=("P2",))) == ("USD", {})
        assert scope_currency(engine, Scope())[1] == {"P1": "CNY", "P2": "USD", "P3": "CNY"}
        report = kpi_report(engine, Scope("2026-09", "2026-09", plants=("P2",)))
        assert report["currency"] == "USD"
        assert report["kpis"]["revenue_amount"] == pytest.approx(300.00)  # P2's sale only
        with pytest.raises(MixedCurrencies) as refused:
            kpi_report(engine, SEPT)
        assert refused.value.groups == {"CNY": ("P1", "P3"), "USD": ("P2",)}
        # side by side: per plant in its currency, a subtotal for CNY's two plants, no grand total
        figures = plant_figures(engine, SEPT)
        assert figures["currencies"] == {"CNY": ["P1", "P3"], "USD": ["P2"]}
        check_rows(figures["rows"])
        # the CNY subtotal is what the report of the CNY plants says
        cny = kpi_report(engine, Scope("2026-09", "2026-09", plants=("P1", "P3")))
        assert cny["kpis"]["revenue_amount"] == pytest.approx(1500.00) and cny["kpis"]["gross_profit_amount"] == pytest.approx(550.00)
        # a scope limited to two plants (a plant-limited user's) holds only their rows
        check_rows(plant_figures(engine, Scope("2026-09", "2026-09", plants=("P1", "P2")))["rows"],
                   [e for e in EXPECTED if e[1] in ("P1", "P2")])
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def two_currencies_url(tmp_path_factory):
    return build(f"duckdb:///{tmp_path_factory.mktemp('currency') / 'two.duckdb'}")


def test_cli_report_states_the_currency_and_shows_a_mixed_scope_per_plant(two_currencies_url, capsys):
    capsys.readouterr()
    assert cli.main(["--db", two_currencies_url, "report", "--from", "2026-09", "--to", "2026-09", "--plant", "P1"]) == 0
    assert json.loads(capsys.readouterr().out)["currency"] == "CNY"
    assert cli.main(["--db", two_currencies_url, "report", "--from", "2026-09", "--to", "2026-09", "--plant", "P2"]) == 0
    assert json.loads(capsys.readouterr().out)["currency"] == "USD"
    assert cli.main(["--db", two_currencies_url, "report", "--from", "2026-09", "--to", "2026-09", "--plant", "P1", "--plant", "P3"]) == 0
    assert json.loads(capsys.readouterr().out)["kpis"]["revenue_amount"] == pytest.approx(1500.00)  # one currency: summed
    # both currencies: exit 2 (no report), the plants side by side on stdout and one command per currency
    assert cli.main(["--db", two_currencies_url, "report", "--from", "2026-09", "--to", "2026-09"]) == 2
    said = capsys.readouterr()
    assert "P1 CNY, P2 USD, P3 CNY" in said.err and "several currencies" in said.err
    db = shlex.quote(cli._shown(two_currencies_url))  # the database as given (never a password): the commands reproduce
    assert f"cli.py --db {db} report --from 2026-09 --to 2026-09 --plant P1 --plant P3" in said.err
    assert f"cli.py --db {db} report --from 2026-09 --to 2026-09 --plant P2" in said.err
    out = json.loads(said.out)
    assert out["error"] == "mixed_currencies" and out["currencies"] == {"CNY": ["P1", "P3"], "USD": ["P2"]}
    check_rows(out["rows"])
    assert out["commands"] == [f"cli.py --db {db} report --from 2026-09 --to 2026-09 --plant P1 --plant P3",
                               f"cli.py --db {db} report --from 2026-09 --to 2026-09 --plant P2"]
    # a plant the database does not hold: refused, never an all-zero report in some currency
    assert cli.main(["--db", two_currencies_url, "report", "--from", "2026-09", "--to", "2026-09", "--plant", "P9"]) == 2
    assert "no plant P9" in capsys.readouterr().err


MIXED = {"zh": "所选工厂使用不同币种", "en": "The chosen plants use different currencies"}
# the side-by-side table as the page shows it in the default unit (万 in Chinese, M in English),
# as the cockpit's cards do: under one 万 (one M) the "auto" unit steps down, so 1,000.00 shows as
# ¥1,000 / ¥1.00K and 300.00 as $300, never as ¥0.10万 / $0.00M; zero keeps the unit (¥0.00万);
# margins and execution to one decimal
TABLE = {
    "zh": [["CNY", "P1 一厂", "¥1,000", "¥600", "¥0.00万", "¥400", "40.0%", "75.0%", "¥5,000"],
           ["CNY", "CNY 小计（P1、P3）", "¥1,500", "¥950", "¥0.00万", "¥550", "36.7%", "79.2%", "¥7,000"],
           ["USD", "P2 Plant Two", "$300", "$210", "$0.00万", "$90", "30.0%", "—", "—"]],
}


def _table(at: AppTest):
    return next(d.value for d in at.dataframe if len(d.value.columns) == 9)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pages_show_a_mixed_scope_per_plant_and_narrow_it_to_one_currency(two_currencies_url, lang, monkeypatch):
    monkeypatch.setenv("BFI_DATABASE_URL", two_currencies_url)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    for page in ("pages/overview.py", "pages/ledger.py", "pages/meeting.py", "pages/cash.py"):
        at = _open(at, page, lang, errors_expected=True)  # all three plants: the per-plant table, no chart, no card
        assert [w for w in at.warning if MIXED[lang] in w.value], page
        table = _table(at)
        assert list(table.iloc[:, 0]) == ["CNY", "CNY", "CNY", "USD"], page  # grouped by currency
        assert [p.split(" ")[0] for p in table.iloc[:, 1]] == ["P1", "P3", "CNY", "P2"]  # the CNY subtotal, no grand total
        assert not at.metric and "mt_freeze" not in [b.key for b in at.button]  # nothing to freeze either
    if lang == "zh":
        rows = _table(at).astype(str).values.tolist()
        assert [rows[0], rows[2], rows[3]] == TABLE["zh"]
    else:
        assert list(_table(at).iloc[2, :2]) == ["CNY", "CNY subtotal (P1, P3)"]
        assert _table(at).iloc[3, 2] == "$300" and _table(at).iloc[0, 2] == "¥1.00K" and _table(at).iloc[0, 6] == "40.0%"
    labels = {b.key: b.label for b in at.button if (b.key or "").startswith("currency_only_")}
    at = _open(at, "pages/data.py", lang, errors_expected=True)  # records of each plant: every code, never CNY alone
    assert any(("万CNY/USD" if lang == "zh" else "CNY/USD M") in c.value for c in at.caption)
    at = _open(at, "pages/meeting.py", lang, errors_expected=True)
    assert labels == ({"currency_only_CNY": "只看人民币工厂（P1、P3）", "currency_only_USD": "只看美元工厂（P2）"} if lang == "zh" else
                      {"currency_only_CNY": "Show the CNY plants (P1, P3)", "currency_only_USD": "Show the USD plants (P2)"})
    at.button(key="currency_only_USD").click()
    at.run()
    assert at.session_state["plant"] == ["P2"] and at.session_state["_scope"].plants == ("P2",)
    at = _open(at, "pages/overview.py", lang, errors_expected=True)
    assert not [w for w in at.warning if MIXED[lang] in w.value]
    revenue = {m.label: m.value for m in at.metric}["营业收入" if lang == "zh" else "Revenue"]
    assert revenue == "$300"  # 300.00 in USD: under one 万 / one K, whole dollars
    at = _open(at, "pages/ledger.py", lang, errors_expected=True)
    assert any(("万USD" if lang == "zh" else "USD") in c.value for c in at.caption)  # the scope line's unit
    assert not [b for b in at.button if (b.key or "").startswith("currency_only_")]  # one currency: no table, no buttons
    at.multiselect(key="plant").set_value(["P1"])
    at.run()
    at = _open(at, "pages/overview.py", lang, errors_expected=True)
    revenue = {m.label: m.value for m in at.metric}["营业收入" if lang == "zh" else "Revenue"]
    assert revenue == ("¥1,000" if lang == "zh" else "¥1.00K")  # 1,000.00 in CNY
    at = _open(at, "pages/ledger.py", lang, errors_expected=True)
    assert any(("万元" if lang == "zh" else "CNY") in c.value for c in at.caption)


PASSWORD = "correct horse 42"


@pytest.fixture
def limited_user(tmp_path, monkeypatch):
    """Lee may see P1 (CNY) and P2 (USD), not P3."""
    monkeypatch.setenv(users.USERS_ENV, str(tmp_path / "users.toml"))
    monkeypatch.setenv(audit.STORE_ENV, str(tmp_path / "app_store.sqlite"))
    users.add_user("lee", "analyst", PASSWORD, plants=("P1", "P2"))
    return "lee"


def test_a_plant_limited_user_sees_only_their_plants_rows(two_currencies_url, limited_user, monkeypatch):
    monkeypatch.setenv("BFI_DATABASE_URL", two_currencies_url)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.text_input(key="auth_user").input(limited_user)
    at.text_input(key="auth_password").input(PASSWORD)
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    assert [w for w in at.warning if MIXED["zh"] in w.value]
    table = _table(at)
    assert [p.split(" ")[0] for p in table.iloc[:, 1]] == ["P1", "P2"]  # P3 is not theirs: no row, no subtotal
    assert "P3" not in table.to_string()
    assert {b.key for b in at.button if (b.key or "").startswith("currency_only_")} == {"currency_only_CNY", "currency_only_USD"}
    assert "P3" not in " ".join(b.label for b in at.button)
    at.button(key="currency_only_CNY").click()
    at.run()
    assert at.session_state["_scope"].plants == ("P1",)
    assert {m.label: m.value for m in at.metric}["营业收入"] == "¥1,000"  # P1's 1,000.00 only, never P3's


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_side_by_side_plant_names_in_the_screens_language(lang):
    # a bilingual master-data name loses its Chinese words on an English screen, as everywhere else (#15 walk)
    import streamlit as st

    from ui.currency import figures_frame

    row = dict(currency="USD", plant_id="P2", plants=["P2"], is_subtotal=False, revenue_amount=300.0, cost_of_sales_amount=None,
               variance_amount=None, gross_profit_amount=None, gross_margin_pct=None, budget_execution_pct=None, cash_amount=None)
    before = st.session_state.get("lang")
    try:
        st.session_state["lang"] = lang
        frame = figures_frame({"rows": [row]}, {"P2": "西南二厂 Southwest Plant"})
    finally:
        if before is None:
            del st.session_state["lang"]
        else:
            st.session_state["lang"] = before
    assert frame.iloc[0, 1] == ("P2 Southwest Plant" if lang == "en" else "P2 西南二厂 Southwest Plant")


def test_a_bank_account_in_another_currency_than_its_plant_is_refused_and_found(empty_url):
    # a USD plant's CNY account would be shown, and added, as dollars: the data states no rate (#15 walk)
    from data_loaders import engine as eng
    from data_loaders.importer import import_sources
    from data_loaders.validation import validate_database
    from tests.test_importer import checksum

    plants = ("plants.csv", b"plant_id,plant_name,currency\nP1,One,CNY\nP2,Two,USD\n")
    accounts = ("bank_accounts.csv", "bank_account_id,bank_name,plant_id,currency\nB1,银行一,P1,CNY\nB2,建设银行,P2,CNY\n".encode())
    report = import_sources([plants, accounts], empty_url, mode="replace")
    assert [(p.file, p.row, p.column, p.value) for p in report.problems] == [("bank_accounts.csv", 3, "currency", "CNY")]
    assert "the bank account is in CNY while its plant P2 uses USD" in report.problems[0].message
    assert import_sources([plants], empty_url, mode="replace").ok
    before = checksum(empty_url)
    report = import_sources([accounts], empty_url, mode="append")  # against the stored plants
    assert [(p.row, p.value) for p in report.problems] == [(3, "CNY")] and checksum(empty_url) == before
    engine = eng.make_engine(empty_url)  # a database loaded by other tools: the validation finds it
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO bank_accounts (bank_account_id, bank_name, plant_id, currency) VALUES ('B2', 'x', 'P2', 'CNY')")
        found = validate_database(engine)
    finally:
        engine.dispose()
    wrong = found[found.check == "bank_currency_mismatch"]
    assert list(zip(wrong.row_key, wrong.value)) == [("B2", "CNY")] and "its plant P2 uses USD" in wrong.message.iloc[0]
