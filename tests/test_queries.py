"""Every foundation query on every database, against figures computed from the source frames.

The reference numbers come straight from the generated documents with pandas, so equality on
each backend also means the backends agree with one another.
"""

import numpy as np
import pandas as pd
import pytest

from analytics.ledger import compute_monthly_pnl, compute_wip_tie
from data_loaders import queries as q
from data_loaders.scope import Scope
from data_loaders.validation import validate_database

SCOPE = Scope("2026-01", "2026-06")


def test_row_counts_match_what_was_loaded(sample_engine, small_sample):
    stats = q.load_table_stats(sample_engine).set_index("table_name")
    for name, n in stats.n_rows.items():
        assert n == len(small_sample[name]), name
    assert stats.loc["vouchers", "date_from"] == str(pd.to_datetime(small_sample["vouchers"].voucher_date).min().date())


def test_every_voucher_balances(sample_engine):
    assert q.load_unbalanced_vouchers(sample_engine).empty


def test_database_validation_is_clean(sample_engine):
    findings = validate_database(sample_engine)
    assert findings.empty, findings.head().to_dict("records")


def test_wip_ties_to_operations_except_the_planted_unposted_orders(sample_engine, small_sample):
    tie = compute_wip_tie(q.load_work_order_cost_facts(sample_engine))
    planted = set(small_sample["dataset_info"].set_index("info_key").info_value["planted_unposted_work_orders"].split(","))
    assert set(tie.loc[~tie.is_tied, "work_order_id"]) == planted
    assert len(tie) == len(small_sample["work_orders"])
    # completed and posted orders are fully relieved: WIP charged == relieved at completion
    done = tie[(tie.status == "completed") & tie.is_tied]
    assert np.allclose(done.ledger_wip_amount, done.ledger_relieved_amount, atol=0.005)


def _reference_pnl(frames, scope, plants=(), families=()):
    lines = frames["voucher_lines"].merge(frames["accounts"][["account_code", "category"]], on="account_code")
    lines = lines[(lines.period >= scope.period_from) & (lines.period <= scope.period_to)]
    if plants:
        lines = lines[lines.plant_id.isin(plants)]
    if families:
        fam = frames["products"].set_index("product_id").family
        lines = lines[lines.product_id.map(fam).isin(families)]
    net = (lines.debit_amount - lines.credit_amount).groupby([lines.period, lines.category]).sum().unstack(fill_value=0)
    return pd.DataFrame({"revenue": -net["revenue"], "cogs": net["cost_of_sales"], "variance": net["variance"]}).round(2)


@pytest.mark.parametrize("plants,families", [((), ()), (("P2",), ()), ((), ("阀门 Valves",))])
def test_pnl_matches_reference(sample_engine, small_sample, plants, families):
    scope = Scope(SCOPE.period_from, SCOPE.period_to, plants, families)
    pnl = compute_monthly_pnl(q.load_ledger_by_category(sample_engine, scope)).set_index("period")
    ref = _reference_pnl(small_sample, scope, plants, families)
    assert list(pnl.index) == list(ref.index)
    assert np.allclose(pnl.revenue_amount, ref.revenue, atol=0.005)
    assert np.allclose(pnl.cost_of_sales_amount, ref.cogs, atol=0.005)
    assert np.allclose(pnl.variance_amount, ref.variance, atol=0.005)


def test_trial_balance_balances_in_any_scope(sample_engine):
    for scope in (Scope(), SCOPE, Scope("2025-03", "2025-03")):
        tb = q.load_trial_balance(sample_engine, scope)
        assert round(tb.debit_amount.sum(), 2) == round(tb.credit_amount.sum(), 2)


def test_production_matches_output_counts(sample_engine, small_sample):
    daily = q.load_production_daily(sample_engine, SCOPE)
    oc = small_sample["output_counts"]
    d = pd.to_datetime(oc.count_date)
    inside = oc[(d >= "2026-01-01") & (d < "2026-07-01")]
    assert daily.good_qty.sum() == pytest.approx(inside.good_qty.sum())
    assert daily.scrap_qty.sum() == pytest.approx(inside.scrap_qty.sum())


def test_work_orders_in_scope(sample_engine, small_sample):
    wo = q.load_work_orders(sample_engine, Scope("2026-03", "2026-03", ("P1",)))
    ref = small_sample["work_orders"]
    d = pd.to_datetime(ref.planned_start_date)
    expected = ref[(d >= "2026-03-01") & (d < "2026-04-01") & (ref.plant_id == "P1")]
    assert sorted(wo.work_order_id) == sorted(expected.work_order_id)
    assert set(wo.family) <= set(small_sample["products"].family)


def test_cash_balances_and_options(sample_engine, small_sample):
    cash = q.load_cash_balances(sample_engine, Scope("2026-10", "2026-11"))
    ref = small_sample["cash_balances"]
    ref = ref[pd.to_datetime(ref.balance_date) >= "2026-10-01"]
    assert round(cash.balance_amount.sum(), 2) == round(ref.balance_amount.sum(), 2)
    opts = q.load_filter_options(sample_engine)
    assert opts["periods"][0] == "2024-11" and opts["periods"][-1] == "2026-11"
    assert [p for p, _ in opts["plants"]] == ["P1", "P2"]
    assert len(opts["families"]) == 6


def test_dataset_info(sample_engine):
    info = q.load_dataset_info(sample_engine)
    assert info["as_of_date"] == "2026-11-22" and info["currency"] == "CNY"


def test_scope_validation():
    with pytest.raises(ValueError, match="YYYY-MM"):
        Scope("2026-13")
    with pytest.raises(ValueError, match="after"):
        Scope("2026-05", "2026-01")
    assert Scope("2026-01", "2026-03").previous() == Scope("2025-10", "2025-12")
