"""Ledger and cash-document facts (data_loaders/facts_ledger.py, facts_cash.py): their identities
against the voucher lines and documents and the fast path equal to the base path to the cent,
on every database; one ledger by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analytics.ledger import compute_kpis, compute_monthly_pnl, compute_production_monthly
from data_loaders import budget as B
from data_loaders import cash as C
from data_loaders import facts
from data_loaders import queries as q
from data_loaders import schema as s
from data_loaders.engine import read_frame
from data_loaders.facts_ledger import facts_ledger, facts_ledger_daily, facts_ledger_unbalanced
from data_loaders.scope import PeriodChoice, Scope
from reports.budget import budget_report
from reports.cash import cash_history, cash_working_capital_months
from data_loaders import engine as eng
from tests.conftest import write_with_facts
from reports.ledger import pnl_statement_report, trial_balance_report


def _money(frame: pd.DataFrame) -> pd.DataFrame:
    """Money to the cent (SQLite sums binary floats: equal to the cent, not to the bit)."""
    out = frame.copy()
    cols = [c for c in out.columns if c.endswith("_amount")]
    out[cols] = out[cols].astype(float).round(2) + 0.0
    return out.reset_index(drop=True)


def _same(fast: pd.DataFrame, base: pd.DataFrame, keys: list[str] | None = None) -> None:
    assert len(base) > 0
    if keys:
        fast, base = fast.sort_values(keys), base.sort_values(keys)
    pd.testing.assert_frame_equal(_money(fast), _money(base))


def test_the_sample_has_fresh_ledger_facts(sample_engine):
    assert facts.ready(sample_engine)
    assert q.ledger_lines(sample_engine) is facts_ledger
    assert q.ledger_lines(sample_engine, use_facts=False) is s.voucher_lines


# --------------------------------------------------------------------------- identities
def _sums(engine, table, keys, count) -> pd.DataFrame:
    stmt = (sa.select(*[table.c[k] for k in keys], sa.func.sum(table.c.debit_amount).label("debit_amount"),
                      sa.func.sum(table.c.credit_amount).label("credit_amount"), count.label("n_lines"))
            .group_by(*[table.c[k] for k in keys]))
    out = read_frame(engine, stmt)
    out["n_lines"] = out.n_lines.astype(int)
    return _money(out.sort_values(keys))


def test_facts_sum_to_the_voucher_lines_per_period_and_account(sample_engine):
    keys = ["period", "account_code"]
    lines = _sums(sample_engine, s.voucher_lines, keys, sa.func.count())
    fact = _sums(sample_engine, facts_ledger, keys, sa.func.sum(facts_ledger.c.n_lines))
    pd.testing.assert_frame_equal(fact, lines)
    assert len(lines) > 100


def test_daily_facts_sum_to_the_lines_of_each_voucher_date(sample_engine):
    vl, v = s.voucher_lines, s.vouchers
    stmt = (sa.select(vl.c.period, v.c.voucher_date, vl.c.account_code, sa.func.sum(vl.c.debit_amount).label("debit_amount"),
                      sa.func.sum(vl.c.credit_amount).label("credit_amount"), sa.func.count().label("n_lines"))
            .join(v, v.c.voucher_no == vl.c.voucher_no).group_by(vl.c.period, v.c.voucher_date, vl.c.account_code))
    keys = ["period", "voucher_date", "account_code"]
    lines = read_frame(sample_engine, stmt)
    lines["n_lines"] = lines.n_lines.astype(int)
    fact = _sums(sample_engine, facts_ledger_daily, keys, sa.func.sum(facts_ledger_daily.c.n_lines))
    pd.testing.assert_frame_equal(fact, _money(lines.sort_values(keys)))
    opening = read_frame(sample_engine, sa.select(facts_ledger_daily).where(facts_ledger_daily.c.is_opening == 1))
    assert len(opening) > 0 and opening.debit_amount.sum() == pytest.approx(opening.credit_amount.sum(), abs=0.005)


def test_the_sample_has_no_unbalanced_voucher_either_way(sample_engine):
    assert read_frame(sample_engine, sa.select(facts_ledger_unbalanced)).empty
    assert q.load_unbalanced_vouchers(sample_engine, use_facts=True).empty
    assert q.load_unbalanced_vouchers(sample_engine, use_facts=False).empty


# --------------------------------------------------------------------------- fast path == base path
def _scopes(engine) -> dict[str, Scope]:
    periods = q.load_filter_options(engine)["periods"]
    return {
        "12 months": Scope("2025-11", "2026-10"),
        "first month": Scope(periods[0], periods[0]),  # the opening balances; nothing before
        "last month": Scope(periods[-1], periods[-1]),  # the open as-of month
        "one plant": Scope("2025-11", "2026-10", ("P2",)),
        "one family": Scope("2026-01", "2026-06", (), ("阀门 Valves",)),
        "open": Scope(),
    }


SCOPE_NAMES = ["12 months", "first month", "last month", "one plant", "one family", "open"]


@pytest.mark.parametrize("name", SCOPE_NAMES)
def test_pnl_trial_balance_and_kpis_fast_equal_base(sample_engine, name):
    scope = _scopes(sample_engine)[name]
    fast, base = (q.load_ledger_by_category(sample_engine, scope, u) for u in (True, False))
    _same(fast, base)
    production = compute_production_monthly(q.load_production_daily(sample_engine, scope))
    cash = q.load_cash_balances(sample_engine, scope)
    assert compute_kpis(compute_monthly_pnl(fast), production, cash) == compute_kpis(compute_monthly_pnl(base), production, cash)
    _same(*(q.load_trial_balance(sample_engine, scope, u) for u in (True, False)))
    fast, base = (q.load_trial_balance_with_opening(sample_engine, scope, u) for u in (True, False))
    _same(fast, base)
    assert fast.n_lines.sum() > 0


@pytest.mark.parametrize("layout", ["by_month", "comparison"])
def test_pnl_statement_and_trial_balance_reports_fast_equal_base(sample_engine, layout):
    scope, choice = Scope("2026-10", "2026-10", ("P1",)), PeriodChoice("month", "2026-10")
    fast, base = (pnl_statement_report(sample_engine, scope, layout, choice, use_facts=u) for u in (True, False))
    _same(fast["statement"], base["statement"])
    _same(fast["margins"], base["margins"])
    fast, base = (trial_balance_report(sample_engine, Scope("2025-11", "2026-10"), use_facts=u) for u in (True, False))
    _same(fast["accounts"], base["accounts"])
    assert fast["totals"] == base["totals"]


@pytest.mark.parametrize("plants", [(), ("P2",)])
def test_budget_actuals_fast_equal_base(sample_engine, plants):
    scope = Scope("2026-01", "2026-10", plants)
    keys = ["period", "cost_center_id", "account_code"]
    _same(B.load_actual(sample_engine, scope, True), B.load_actual(sample_engine, scope, False), keys)
    if not plants:
        fast, base = (budget_report(sample_engine, scope, use_facts=u) for u in (True, False))
        _same(fast["total"], base["total"])
        _same(fast["year_to_date"], base["year_to_date"])


@pytest.mark.parametrize("plants", [(), ("P1",)])
def test_cash_history_and_working_capital_fast_equal_base(sample_engine, plants):
    scope = Scope(plants=plants)
    _same(C.load_daily_cash_flow(sample_engine, scope, True), C.load_daily_cash_flow(sample_engine, scope, False))
    keys = ["plant_id", "period", "category", "is_opening"]
    _same(C.load_working_capital_ledger(sample_engine, scope, True), C.load_working_capital_ledger(sample_engine, scope, False), keys)
    # what the cash report makes of them (the baseline is fitted on this history)
    fast, base = (cash_history(sample_engine, plants, use_facts=u) for u in (True, False))
    assert len(fast) > 40 and np.allclose(fast, base, atol=0.005) and (fast.index == base.index).all()
    _same(*(cash_working_capital_months(sample_engine, plants, use_facts=u) for u in (True, False)))
    # facts_cash_documents: the documents' sums per plant × month and per customer × month
    _same(C.load_working_capital_documents(sample_engine, scope, True), C.load_working_capital_documents(sample_engine, scope, False))
    _same(C.load_customer_flows(sample_engine, scope, True), C.load_customer_flows(sample_engine, scope, False))


# --------------------------------------------------------------------------- by hand
def _hand_ledger() -> dict[str, pd.DataFrame]:
    plants = pd.DataFrame({"plant_id": ["P1"], "plant_name": ["Plant 1"], "currency": ["CNY"]})
    centers = pd.DataFrame({"cost_center_id": ["CC1", "CC2"], "cost_center_name": ["Sales", "Admin"], "plant_id": ["P1", "P1"]})
    products = pd.DataFrame({"product_id": ["X1"], "product_name": ["Valve"], "family": ["Valves"], "unit": ["pcs"], "std_material_cost": [1.0],
                             "std_labor_cost": [1.0], "std_overhead_cost": [1.0], "list_price": [5.0]})
    accounts = pd.DataFrame([("1002", "银行存款", "Bank", "asset", "cash"), ("4001", "实收资本", "Capital", "equity", "equity"),
                             ("6001", "主营业务收入", "Revenue", "revenue", "revenue"), ("6602", "管理费用", "Admin", "expense", "expense")],
                            columns=["account_code", "account_name", "account_name_en", "account_type", "category"])
    vouchers = pd.DataFrame([("OB1", dt.date(2026, 1, 1), "2026-01", "OB"), ("V1", dt.date(2026, 1, 15), "2026-01", "SA"),
                             ("V2", dt.date(2026, 1, 15), "2026-01", "SA"), ("V3", dt.date(2026, 2, 10), "2026-02", "EX"),
                             ("V4", dt.date(2026, 2, 28), "2026-02", "MJ")],
                            columns=["voucher_no", "voucher_date", "period", "voucher_type"]).assign(status="posted")
    lines = pd.DataFrame([  # voucher, line, period, account, cost center, product, debit, credit
        ("OB1", 1, "2026-01", "1002", None, None, 1000.00, 0.0),
        ("OB1", 2, "2026-01", "4001", None, None, 0.0, 1000.00),
        ("V1", 1, "2026-01", "1002", "CC1", None, 100.00, 0.0),
        ("V1", 2, "2026-01", "6001", "CC1", "X1", 0.0, 100.00),
        ("V2", 1, "2026-01", "1002", "CC1", None, 50.25, 0.0),
        ("V2", 2, "2026-01", "6001", "CC1", "X1", 0.0, 50.25),
        ("V3", 1, "2026-02", "6602", "CC2", None, 30.00, 0.0),  # unbalanced by a cent
        ("V3", 2, "2026-02", "1002", "CC2", None, 0.0, 29.99),
        ("V4", 1, "2026-02", "6602", "CC2", None, 10.00, 0.0),  # balanced across two periods
        ("V4", 2, "2026-03", "1002", "CC2", None, 0.0, 10.00),
    ], columns=["voucher_no", "line_no", "period", "account_code", "cost_center_id", "product_id", "debit_amount", "credit_amount"])
    lines["plant_id"] = "P1"
    info = pd.DataFrame({"info_key": ["data_version", "as_of_date"], "info_value": ["v1", "2026-03-15"]})
    return {"plants": plants, "cost_centers": centers, "products": products, "accounts": accounts, "vouchers": vouchers,
            "voucher_lines": lines, "dataset_info": info}


@pytest.fixture
def hand_ledger(empty_url, made_once):
    """The hand-built ledger with its facts derived (a writable engine: tests may refresh); made
    once per kind of file, then copied."""
    made_once(empty_url, "facts_ledger.hand_ledger", lambda url: write_with_facts(url, _hand_ledger()).dispose())
    engine = eng.make_engine(empty_url)
    yield engine
    engine.dispose()


def _rows(engine, table) -> pd.DataFrame:
    """The table's rows sorted by their keys, a NULL key as "" (lookups by label)."""
    out = read_frame(engine, sa.select(table))
    keys = [c for c in out.columns if not c.endswith(("_amount", "n_lines"))]
    text = [k for k in keys if k not in ("voucher_date", "is_opening")]
    out[text] = out[text].astype(object).where(out[text].notna(), "")
    return _money(out.sort_values(keys)).astype({"n_lines": int})


def test_fact_rows_by_hand(hand_ledger):
    assert facts.ready(hand_ledger)
    led = _rows(hand_ledger, facts_ledger).set_index(["period", "account_code", "cost_center_id", "product_id"])
    # January's bank on CC1: V1 100.00 + V2 50.25, two lines; its revenue on CC1 and product X1 the same, credited
    assert led.loc[("2026-01", "1002", "CC1", ""), ["debit_amount", "credit_amount", "n_lines"]].tolist() == [100.00 + 50.25, 0.0, 2]
    assert led.loc[("2026-01", "6001", "CC1", "X1"), ["debit_amount", "credit_amount", "n_lines"]].tolist() == [0.0, 150.25, 2]
    assert led.loc[("2026-01", "1002", "", ""), "debit_amount"] == 1000.00  # the opening voucher
    # February's admin expense: V3 30.00 + V4's first line 10.00
    assert led.loc[("2026-02", "6602", "CC2", ""), ["debit_amount", "n_lines"]].tolist() == [30.00 + 10.00, 2]
    assert led.loc[("2026-02", "1002", "CC2", ""), "credit_amount"] == 29.99
    assert led.loc[("2026-03", "1002", "CC2", ""), "credit_amount"] == 10.00
    assert len(led) == 7 and led.n_lines.sum() == 10
    assert (led.reset_index().plant_id == "P1").all()

    daily = _rows(hand_ledger, facts_ledger_daily).set_index(["voucher_date", "account_code", "is_opening"])
    jan1, jan15 = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-15")
    assert daily.loc[(jan1, "1002", 1), "debit_amount"] == 1000.00
    assert daily.loc[(jan15, "1002", 0), ["debit_amount", "n_lines"]].tolist() == [150.25, 2]
    # V4's lines sit in two periods on one voucher date: one row per period
    assert daily.loc[(pd.Timestamp("2026-02-28"), "1002", 0), "period"] == "2026-03"

    unbalanced = _rows(hand_ledger, facts_ledger_unbalanced)
    assert unbalanced.voucher_no.tolist() == ["V3"]  # V4 balances over its two periods
    assert unbalanced.iloc[0][["period", "debit_amount", "credit_amount", "n_lines"]].tolist() == ["2026-02", 30.00, 29.99, 2]
    for use in (True, False):
        found = q.load_unbalanced_vouchers(hand_ledger, use_facts=use)
        assert found.voucher_no.tolist() == ["V3"] and found.debit_amount.round(2).tolist() == [30.00]

    # the bank's daily history leaves the opening voucher out: +150.25 on 01-15, −29.99 on 02-10, −10.00 on 02-28
    for use in (True, False):
        flow = C.load_daily_cash_flow(hand_ledger, Scope(), use)
        assert flow.net_amount.round(2).tolist() == [150.25, -29.99, -10.00]
    tb = q.load_trial_balance_with_opening(hand_ledger, Scope("2026-02", "2026-03"), use_facts=True).set_index("account_code")
    # bank: 1,000 + 150.25 before February; −29.99 − 10.00 after
    assert tb.loc["1002", ["opening_amount", "credit_amount", "closing_amount", "n_lines"]].tolist() == [1150.25, 39.99, 1110.26, 2]
    _same(q.load_trial_balance_with_opening(hand_ledger, Scope("2026-02", "2026-03"), use_facts=False).set_index("account_code").reset_index(),
          tb.reset_index())


def test_a_refresh_of_one_period_leaves_the_others_and_stale_facts_are_not_read(hand_ledger):
    with hand_ledger.begin() as conn:  # a correction in February: V3's credit becomes 30.00
        conn.execute(sa.update(s.voucher_lines).where(s.voucher_lines.c.voucher_no == "V3", s.voucher_lines.c.line_no == 2)
                     .values(credit_amount=30.00))
        conn.execute(sa.update(s.dataset_info).where(s.dataset_info.c.info_key == "data_version").values(info_value="v2"))
    assert not facts.ready(hand_ledger)  # the facts are of v1: readers use the lines
    assert q.ledger_lines(hand_ledger) is s.voucher_lines
    assert q.load_unbalanced_vouchers(hand_ledger).empty
    facts.refresh(hand_ledger, ["2026-02"])
    assert facts.ready(hand_ledger)
    assert read_frame(hand_ledger, sa.select(facts_ledger_unbalanced)).empty
    led = _rows(hand_ledger, facts_ledger)
    assert led.groupby("period").n_lines.sum().to_dict() == {"2026-01": 6, "2026-02": 3, "2026-03": 1}
    feb = led[(led.period == "2026-02") & (led.account_code == "1002")]
    assert feb.credit_amount.tolist() == [30.00]


def test_a_family_left_out_of_the_list_is_never_read(sample_engine, monkeypatch):
    monkeypatch.setattr(facts, "FAMILIES", ("facts_ledger",))  # facts_cash not registered: its tables are not derived
    assert not q.use_ledger_facts(sample_engine, True, "facts_cash")
    assert q.use_ledger_facts(sample_engine)
    _same(C.load_working_capital_documents(sample_engine, Scope(), True), C.load_working_capital_documents(sample_engine, Scope(), False))
