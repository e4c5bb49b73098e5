"""The ledger facts summed to what the budget report and working capital read
(data_loaders/facts_ledger_months.py): each row is the sum of its source fact rows at its grain,
and the readers give the same frames from them as from the ledger facts, on every database."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from data_loaders import budget as B
from data_loaders import cash as C
from data_loaders import facts
from data_loaders import schema as s
from data_loaders.engine import read_frame
from data_loaders.facts_ledger import facts_ledger, facts_ledger_daily
from data_loaders import queries as q
from data_loaders.facts_ledger_months import facts_ledger_account_months, facts_ledger_cc_months, facts_ledger_plant_months
from data_loaders.scope import Scope


def _exact(engine) -> bool:
    """NUMERIC sums are exact everywhere but on SQLite (binary floats: equal to the cent)."""
    return engine.dialect.name != "sqlite"


def _equal(a: pd.DataFrame, b: pd.DataFrame, keys: list[str], exact: bool) -> None:
    a, b = (f.sort_values(keys, na_position="first").reset_index(drop=True) for f in (a, b))
    assert len(b) > 0
    if not exact:
        money = [c for c in a.columns if c.endswith("_amount")]
        a, b = a.assign(**{c: a[c].astype(float).round(2) for c in money}), b.assign(**{c: b[c].astype(float).round(2) for c in money})
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_dtype=False)


def _sums(engine, source: sa.Table, keys: list[str]) -> pd.DataFrame:
    by = [source.c[k] for k in keys]
    return read_frame(engine, sa.select(*by, sa.func.sum(source.c.debit_amount).label("debit_amount"),
                                        sa.func.sum(source.c.credit_amount).label("credit_amount")).group_by(*by))


def test_each_row_is_its_source_rows_summed(sample_engine):
    assert facts.ready(sample_engine)
    for table, source, keys in ((facts_ledger_cc_months, facts_ledger, ["period", "cost_center_id", "account_code"]),
                                (facts_ledger_plant_months, facts_ledger_daily, ["period", "plant_id", "account_code", "is_opening"]),
                                (facts_ledger_account_months, facts_ledger, ["period", "plant_id", "account_code"])):
        rows = read_frame(sample_engine, sa.select(table))
        assert not rows.duplicated(keys).any()  # the grain
        _equal(rows[keys + ["debit_amount", "credit_amount"]], _sums(sample_engine, source, keys), keys, _exact(sample_engine))


def _actual_from_ledger_facts(engine, scope: Scope) -> pd.DataFrame:
    """``load_actual`` as it read ``facts_ledger`` before this table (the same query)."""
    vl, acc, cc = facts_ledger, s.accounts, s.cost_centers
    from data_loaders.queries import period_conditions

    return read_frame(engine, sa.select(vl.c.period, vl.c.cost_center_id, vl.c.account_code, sa.func.sum(vl.c.debit_amount).label("debit_amount"),
                                        sa.func.sum(vl.c.credit_amount).label("credit_amount"))
                      .join(acc, acc.c.account_code == vl.c.account_code).join(cc, cc.c.cost_center_id == vl.c.cost_center_id)
                      .where(acc.c.account_type.in_(B.BUDGET_TYPES), *period_conditions(vl.c.period, scope),
                             *([sa.or_(cc.c.plant_id.in_(scope.plants), cc.c.plant_id.is_(None))] if scope.plants else []))
                      .group_by(vl.c.period, vl.c.cost_center_id, vl.c.account_code))


def _wc_from_daily_facts(engine, scope: Scope) -> pd.DataFrame:
    """``load_working_capital_ledger`` as it read ``facts_ledger_daily`` before this table."""
    f, acc = facts_ledger_daily, s.accounts
    cats = ("receivables", "payables", "raw_materials", "wip", "finished_goods", "revenue", "cost_of_sales")
    out = read_frame(engine, sa.select(f.c.plant_id, f.c.period, acc.c.category, f.c.is_opening, sa.func.sum(f.c.debit_amount).label("debit_amount"),
                                       sa.func.sum(f.c.credit_amount).label("credit_amount"))
                     .join(acc, acc.c.account_code == f.c.account_code)
                     .where(acc.c.category.in_(cats), *([f.c.plant_id.in_(scope.plants)] if scope.plants else []))
                     .group_by(f.c.plant_id, f.c.period, acc.c.category, f.c.is_opening))
    out["is_opening"] = out.is_opening.astype(int).astype(bool)
    return out


@pytest.mark.parametrize("scope", [Scope("2025-11", "2026-12"), Scope("2026-01", "2026-10", ("P2",)), Scope(None, "2026-10")],
                         ids=["13 months", "a plant", "to a month"])
def test_budget_actuals_as_from_the_ledger_facts(sample_engine, scope):
    _equal(B.load_actual(sample_engine, scope, True), _actual_from_ledger_facts(sample_engine, scope),
           ["period", "cost_center_id", "account_code"], _exact(sample_engine))


@pytest.mark.parametrize("plants", [(), ("P1",)])
def test_working_capital_ledger_as_from_the_daily_facts(sample_engine, plants):
    scope = Scope(plants=plants)
    _equal(C.load_working_capital_ledger(sample_engine, scope, True), _wc_from_daily_facts(sample_engine, scope),
           ["plant_id", "period", "category", "is_opening"], _exact(sample_engine))


def test_account_months_count_the_lines(sample_engine):
    """``facts_ledger_account_months.n_lines`` = Σ ``facts_ledger.n_lines`` per period x plant x
    account, and in all the voucher lines' count."""
    keys = ["period", "plant_id", "account_code"]
    f, m = facts_ledger, facts_ledger_account_months
    mine = read_frame(sample_engine, sa.select(*[m.c[k] for k in keys], m.c.n_lines))
    theirs = read_frame(sample_engine, sa.select(*[f.c[k] for k in keys], sa.func.sum(f.c.n_lines).label("n_lines")).group_by(*[f.c[k] for k in keys]))
    _equal(mine.assign(n_lines=mine.n_lines.astype(int)), theirs.assign(n_lines=theirs.n_lines.astype(int)), keys, True)
    n = read_frame(sample_engine, sa.select(sa.func.count().label("n")).select_from(s.voucher_lines)).n.iloc[0]
    assert int(mine.n_lines.sum()) == int(n) > 0


LEDGER_SCOPES = [Scope("2025-11", "2026-12"), Scope("2026-01", "2026-10", ("P2",)), Scope(None, "2026-10"), Scope("2026-03", "2026-03"),
                 Scope("2026-01", "2026-06", families=("PE管 PE pipes",))]


@pytest.mark.parametrize("scope", LEDGER_SCOPES, ids=["13 months", "a plant", "to a month", "a month", "a family"])
def test_ledger_sums_as_from_the_ledger_facts(sample_engine, scope, monkeypatch):
    """The P&L by category, both trial balances and the expense actuals read the month facts when
    the scope has no family (``month_lines``), ``facts_ledger`` otherwise: the same frames, in the
    same order, as the queries on ``facts_ledger`` itself."""
    assert (q.month_lines(sample_engine, scope, True) is facts_ledger_account_months) == (not scope.families)
    exact = _exact(sample_engine)
    on_facts = [(q.load_ledger_by_category(sample_engine, scope, True), read_frame(sample_engine, q.select_ledger_by_category(scope, facts_ledger))),
                (q.load_trial_balance(sample_engine, scope, True), read_frame(sample_engine, q.select_trial_balance(scope, facts_ledger)))]
    for mine, theirs in on_facts:
        assert len(theirs) > 0
        if not exact:
            mine, theirs = (f.assign(debit_amount=f.debit_amount.astype(float).round(2), credit_amount=f.credit_amount.astype(float).round(2))
                            for f in (mine, theirs))
        pd.testing.assert_frame_equal(mine, theirs, check_exact=True, check_dtype=False)
    with_opening = q.load_trial_balance_with_opening(sample_engine, scope, True)
    expense = B.load_expense_actual(sample_engine, scope, True)
    monkeypatch.setattr(q, "month_lines", lambda engine, sc, use_facts=None: facts_ledger)  # the function as it read facts_ledger
    assert len(with_opening) > 0
    pd.testing.assert_frame_equal(with_opening, q.load_trial_balance_with_opening(sample_engine, scope, True), check_exact=True)
    lines = facts_ledger
    acc = s.accounts
    theirs = read_frame(sample_engine, sa.select(lines.c.period, lines.c.plant_id, sa.func.sum(lines.c.debit_amount).label("debit_amount"),
                                                 sa.func.sum(lines.c.credit_amount).label("credit_amount"))
                        .join(acc, acc.c.account_code == lines.c.account_code)
                        .where(acc.c.category == "expense", *q.period_conditions(lines.c.period, scope), *q.plant_conditions(lines.c.plant_id, scope),
                               *q.product_conditions(lines.c.product_id, scope))
                        .group_by(lines.c.period, lines.c.plant_id).order_by(lines.c.period, lines.c.plant_id))
    if not exact:
        expense, theirs = (f.assign(debit_amount=f.debit_amount.astype(float).round(2), credit_amount=f.credit_amount.astype(float).round(2))
                           for f in (expense, theirs))
    pd.testing.assert_frame_equal(expense, theirs, check_exact=True, check_dtype=False)

