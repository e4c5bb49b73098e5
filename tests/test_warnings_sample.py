"""Early warnings on the small sample plant: each planted story (docs/SAMPLE_DATA.md) raises its
warning, the anomaly model flags the planted manual voucher with its reasons, a plant limit
hides the other plant, and every database gives the same warnings."""

from __future__ import annotations

import json

import pytest

from data_loaders import engine as eng
from data_loaders.scope import Scope
from reports.warnings import month_warnings
from sample_data.generator import SampleConfig, stories_for
from tests.conftest import AS_OF

STORIES = stories_for(SampleConfig(as_of=AS_OF))


@pytest.fixture(scope="module")
def reference(sample_copy, tmp_path_factory):
    """The small sample in DuckDB: the planted stories and the answer every database must give."""
    url = f"duckdb:///{sample_copy('duckdb', tmp_path_factory.mktemp('wn_reference') / 'sample.duckdb')}"
    engine = eng.make_engine(url, read_only=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def october(reference):
    return month_warnings(reference, Scope("2026-10", "2026-10"))


def _items(result: dict, kind: str) -> list[dict]:
    return next((g["items"] for g in result["groups"] if g["kind"] == kind), [])


def test_the_overspending_cost_center_is_the_only_budget_overrun(october):
    (item,) = _items(october, "budget_overrun")
    assert item["subject"] == {"cost_center_id": STORIES.overspend_cost_center, "account_code": STORIES.overspend_account}
    assert item["severity"] == "critical" and item["params"]["consumption_pct"] > 1.1 and item["amount"] > 0
    assert item["link"] == {"page": "budget", "params": {"cost_center": STORIES.overspend_cost_center, "account": STORIES.overspend_account}}


def test_the_unposted_orders_are_critical(october, small_sample):
    info = small_sample["dataset_info"].set_index("info_key").info_value
    planted = sorted(info["planted_unposted_work_orders"].split(","))
    items = _items(october, "unposted_work_orders")
    assert sorted(i["subject"]["work_order_id"] for i in items) == planted
    assert all(i["severity"] == "critical" and i["amount"] > 0 for i in items)
    assert {i["link"]["params"]["work_order"] for i in items} == set(planted)


def test_the_late_paying_customer(october):
    (item,) = _items(october, "receivables_overdue")
    assert item["subject"] == {"customer_id": STORIES.late_customer} and item["params"]["late_days"] > 40 and item["amount"] > 0


def test_the_resin_price_rise_shows_as_cost_variance_on_resin_products(october):
    items = _items(october, "cost_variance")
    resin = [i for i in items if "PE" in i["params"]["product"] or "管件" in i["params"]["product"]]
    assert resin and all(i["params"]["variance_rate_pct"] > 0.02 for i in resin)
    assert max(items, key=lambda i: i["params"]["variance_rate_pct"]) in resin  # the highest rates are the resin ones


def test_the_breakdown_month_drops_oee(reference):
    month = STORIES.breakdown_month
    items = _items(month_warnings(reference, Scope(month, month), rules=["oee"]), "oee_drop")
    (wc,) = [i for i in items if i["subject"]["work_center_id"] == STORIES.breakdown_wc]
    assert wc["severity"] == "critical" and wc["params"]["change_pp"] < -0.10 and wc["amount"] > 0


def test_the_manual_voucher_is_listed_and_flagged_by_the_model_with_its_reasons(reference):
    result = month_warnings(reference, Scope("2026-09", "2026-09"), rules=["wip", "anomaly_voucher"])
    (manual,) = [i for i in _items(result, "unsourced_cost_lines") if i["params"]["voucher_type"] == "MJ"]
    assert manual["amount"] == 86_400.00
    flagged = {i["subject"]["voucher_no"]: i for i in _items(result, "anomaly_voucher")}
    reasons = {r["feature"]: r for r in flagged[manual["subject"]["voucher_no"]]["reasons"]}
    # no source document on WIP, where lines always have one; a voucher type seen in one month of twelve
    assert {"missing_source", "type_rarity"} <= set(reasons)
    assert reasons["missing_source"]["usual"] == 0.0 and reasons["missing_source"]["z"] >= 4
    assert flagged[manual["subject"]["voucher_no"]]["rule"] == "anomaly.isolation_forest.voucher"
    again = month_warnings(reference, Scope("2026-09", "2026-09"), rules=["anomaly_voucher"])
    assert _items(again, "anomaly_voucher") == _items(result, "anomaly_voucher")  # the fixed seed: the same flags and reasons


def test_a_plant_limit_sees_no_item_of_the_other_plant(reference, october):
    p1 = month_warnings(reference, Scope("2026-10", "2026-10", ("P1",)))
    text = json.dumps(p1, ensure_ascii=False)
    assert STORIES.overspend_cost_center not in text and '"P2"' not in text.replace('"plants": ["P1"]', "")
    # a customer of both plants is judged on its P1 invoices and receipts only
    late_all = {i["subject"]["customer_id"]: i["amount"] for i in _items(october, "receivables_overdue")}
    assert all(i["amount"] <= late_all.get(i["subject"]["customer_id"], i["amount"]) for i in _items(p1, "receivables_overdue"))
    unposted_p1 = [i for i in _items(october, "unposted_work_orders") if i["params"]["plant_id"] == "P1"]
    assert _items(p1, "unposted_work_orders") == unposted_p1


def _rounded(value):
    """Floats to 6 significant digits: sums of the same cents differ in the last bits between engines."""
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


@pytest.mark.parametrize("scope", [Scope("2026-10", "2026-10"), Scope("2026-09", "2026-09", ("P1",))], ids=["2026-10", "2026-09-P1"])
def test_every_database_gives_the_same_warnings(sample_engine, reference, scope):
    assert _rounded(month_warnings(sample_engine, scope)) == _rounded(month_warnings(reference, scope))


def test_every_item_reads_in_both_languages(october):
    from ui.i18n import LABELS

    for group in october["groups"]:
        for item in group["items"]:
            for text in LABELS[item["message_key"]]:
                assert "{" not in text.format(**item["params"]), item  # every placeholder has its parameter


def test_a_long_scope_judges_the_vouchers_of_its_last_month(reference):
    flagged = [i["params"]["voucher_type"] for i in _items(month_warnings(reference, Scope("2026-07", "2026-09"), rules=["anomaly_voucher"]),
                                                            "anomaly_voucher")]
    later = [i["params"]["voucher_type"] for i in _items(month_warnings(reference, Scope("2026-07", "2026-10"), rules=["anomaly_voucher"]),
                                                          "anomaly_voucher")]
    assert "MJ" in flagged and "MJ" not in later  # September's manual voucher, judged when September is the last month
