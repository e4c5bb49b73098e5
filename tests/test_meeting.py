"""Meeting mode, on every database: the snapshot's numbers are the reports' numbers, a frozen snapshot does not move
when the data does, the store keeps snapshots, comments and action items and carries open items
to the next month, and a plant-limited snapshot holds nothing of another plant."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from data_loaders import engine as eng
from data_loaders.build import load_into
from data_loaders import meeting_store as store
from data_loaders.scope import PeriodChoice, Scope
from reports.cockpit import cockpit_report
from reports.kpi import kpi_report
from reports.warnings import month_warnings
from reports.meeting import AGENDA, build_snapshot, topic_of
from tests.conftest import namespace_url

# whole meeting snapshots and packs per test: with the browser tests in CI's third step (README, "Test")
pytestmark = pytest.mark.long

MONTH = "2026-10"


@pytest.fixture(scope="module")
def snapshot_and_report(sample_engine):
    """October's snapshot, and the reports it must agree with: the CLI's KPI report, the cockpit
    and the month's warnings."""
    scope = Scope(MONTH, MONTH)
    report = kpi_report(sample_engine, scope)
    report["cockpit"] = cockpit_report(sample_engine, scope, PeriodChoice("month", MONTH))
    report["warnings"] = month_warnings(sample_engine, scope)
    return build_snapshot(sample_engine, scope, created_by="ada"), report


def _cards(snapshot: dict, key: str) -> dict:
    return {c["label_key"]: c for c in topic_of(snapshot, key)["cards"]}


def test_the_snapshot_has_the_agenda_and_is_plain_json(snapshot_and_report):
    snap, _ = snapshot_and_report
    assert [t["key"] for t in snap["topics"]] == list(AGENDA)
    assert (snap["version"], snap["month"], snap["plants"], snap["currency"], snap["as_of"], snap["created_by"]) == \
        (1, MONTH, [], "CNY", "2026-11-22", "ada")
    assert json.loads(json.dumps(snap, allow_nan=False)) == snap  # JSON-serializable, no NaN
    for t in snap["topics"]:
        assert t["title_key"] == f"mt_topic_{t['key']}"
        for c in t["cards"]:
            assert c["kind"] in ("money", "pct", "qty", "days", "ratio")
            assert set(c["compare"]) == {"prior_month", "last_year", "budget"}
            if c["kind"] == "money" and c["value"] is not None:
                assert round(c["value"], 2) == c["value"]  # money to the cent
        for tbl in t["tables"]:
            assert all(len(row) == len(tbl["columns"]) for row in tbl["rows"])


def test_snapshot_numbers_equal_the_reports_numbers(snapshot_and_report):
    snap, report = snapshot_and_report
    cockpit = report["cockpit"]
    cards = _cards(snap, "kpis")
    assert len(cards) == 12
    for label, key in (("kpi_revenue", "revenue_amount"), ("kpi_gross_margin", "gross_margin_pct"),
                       ("kpi_variance_rate", "variance_rate_pct"), ("cp_budget_execution", "budget_execution_pct"),
                       ("kpi_oee", "oee_pct"), ("kpi_loss_cost", "oee_loss_amount"), ("kpi_dso", "dso_days"), ("kpi_ccc", "ccc_days")):
        close = 0.05 if key.endswith("_days") else 5e-5  # days to one decimal, ratios to six places
        assert cards[label]["value"] == pytest.approx(cockpit["kpis"]["current"][key], abs=close), label
        assert cards[label]["compare"]["prior_month"] == pytest.approx(cockpit["kpis"]["prior_month"][key], abs=close), label
    assert cards["kpi_revenue"]["value"] == report["kpis"]["revenue_amount"]  # the ledger's revenue, as the CLI reports it
    assert cards["kpi_revenue"]["compare"]["last_year"] == cockpit["kpis"]["prior_year"]["revenue_amount"]
    assert cards["kpi_revenue"]["compare"]["budget"] == cockpit["kpis"]["budget"]["revenue_amount"]
    assert cards["kpi_variance_rate"]["compare"]["budget"] == 0.02  # the target
    assert (cards["kpi_cash_now"]["value"], cards["kpi_cash_min"]["value"]) == \
        (cockpit["cash"]["cash_today_amount"], cockpit["cash"]["lowest_cash_amount"])
    # the bridge: last month's gross profit + every step = this month's, and the report's steps
    bridge = {s["step"]: s["amount"] for s in report["profitability"]["period_bridge"]}
    cards = _cards(snap, "bridge")
    assert (cards["mt_gp_prior"]["value"], cards["mt_gp_month"]["value"]) == (bridge["start"], bridge["end"])
    chart = topic_of(snap, "bridge")["chart"]
    assert chart["categories"] == [f"bridge_{s}" for s in bridge]
    assert chart["series"][0]["values"] == list(bridge.values())
    steps = chart["series"][0]["values"][1:-1]
    assert round(bridge["start"] + sum(steps), 2) == bridge["end"]
    assert cards["mt_gp_change"]["value"] == round(bridge["end"] - bridge["start"], 2)
    # cost variances, OEE, budget and cash
    variances = report["profitability"]["variances"]
    cards = _cards(snap, "cost_variances")
    assert cards["kpi_variance_ops"]["value"] == variances["variance_amount"]
    assert cards["kpi_variance_rate"]["value"] == pytest.approx(variances["variance_rate_pct"], abs=5e-5)
    bars = topic_of(snap, "cost_variances")["chart"]["series"][0]["values"]
    assert round(sum(bars), 2) == variances["variance_amount"]  # the eight variances add up to the total
    cards = _cards(snap, "oee_loss")
    assert cards["kpi_oee"]["value"] == pytest.approx(report["oee"]["oee_pct"], abs=5e-5)
    assert cards["kpi_loss_cost"]["value"] == report["oee"]["loss_cost_amount"]
    totals = {r["line_type"]: r for r in report["budget"]["totals"]}
    cards = _cards(snap, "budget")
    assert cards["mt_cost_actual"]["value"] == totals["cost"]["actual_amount"]
    assert cards["mt_cost_actual"]["compare"]["budget"] == totals["cost"]["budget_amount"]
    assert cards["mt_revenue_actual"]["value"] == totals["revenue"]["actual_amount"]
    cash = report["cash"]
    wc = {p["period"]: p for p in cash["working_capital"]["periods"]}
    cards = _cards(snap, "cash")
    assert (cards["kpi_cash_now"]["value"], cards["kpi_cash_min"]["value"]) == (cash["opening_amount"], cash["lowest_closing_amount"])
    for label, key in (("kpi_dso", "dso_days"), ("kpi_dio", "dio_days"), ("kpi_dpo", "dpo_days"), ("kpi_ccc", "ccc_days")):
        assert cards[label]["value"] == wc[MONTH][key]
        assert cards[label]["compare"]["prior_month"] == wc["2026-09"][key]
    # the warnings are the month's warnings, most serious first; the planted unposted work orders among them
    groups = report["warnings"]["groups"]
    warnings = topic_of(snap, "warnings")["tables"][0]
    assert [row[0] for row in warnings["rows"]] == [f"wn_kind_{g['kind']}" for g in groups]
    assert [(row[2], row[3]) for row in warnings["rows"]] == [(g["count"], round(g["amount"], 2) if g["amount"] is not None else None)
                                                              for g in groups]
    counts = {row[0]: row[2] for row in warnings["rows"]}
    assert counts["wn_kind_unposted_work_orders"] == report["data_quality"]["work_orders_not_tied_to_ledger"] == 3
    assert _cards(snap, "warnings")["mt_warning_count"]["value"] == report["warnings"]["total"]


def test_kpi_comparisons_are_last_month_last_year_and_budget(sample_engine, snapshot_and_report):
    snap, _ = snapshot_and_report
    revenue = _cards(snap, "kpis")["kpi_revenue"]["compare"]
    assert revenue["prior_month"] == kpi_report(sample_engine, Scope("2026-09", "2026-09"))["kpis"]["revenue_amount"]
    with sample_engine.connect() as conn:  # the original budget's revenue for October, summed here
        budget = conn.execute(sa.text("SELECT SUM(b.budget_amount) FROM budgets b JOIN accounts a ON a.account_code = b.account_code "
                                      "WHERE b.period = :p AND b.version = 'original' AND a.category = 'revenue'"),
                              {"p": MONTH}).scalar()
    assert revenue["budget"] == pytest.approx(float(budget), abs=0.005)


def test_a_plant_limited_snapshot_holds_nothing_of_another_plant(sample_engine, small_sample, snapshot_and_report):
    everything, _ = snapshot_and_report
    p1 = build_snapshot(sample_engine, Scope(MONTH, MONTH, ("P1",)))
    assert p1["plants"] == ["P1"]
    wc = small_sample["work_centers"]
    theirs = {"P2", *wc[wc.plant_id == "P2"].work_center_id, *wc[wc.plant_id == "P2"].work_center_name}
    text = json.dumps(p1["topics"], ensure_ascii=False)
    assert not [x for x in theirs if f'"{x}"' in text or f'"{x} ' in text]
    assert "P2-" not in text  # no P2 cost center either
    assert _cards(p1, "kpis")["kpi_revenue"]["value"] == kpi_report(sample_engine, Scope(MONTH, MONTH, ("P1",)))["kpis"]["revenue_amount"]
    assert _cards(p1, "kpis")["kpi_revenue"]["value"] < _cards(everything, "kpis")["kpi_revenue"]["value"]


# --------------------------------------------------------------------------- the store
def test_store_round_trip_visibility_and_comments(tmp_path, snapshot_and_report):
    snap, _ = snapshot_and_report
    path = tmp_path / "store.sqlite"
    all_id = store.save_snapshot(snap, path)
    p1_id = store.save_snapshot({**snap, "plants": ["P1"]}, path)
    assert store.load_snapshot(all_id, path=path) == snap  # exactly as frozen
    assert [s["id"] for s in store.snapshots(MONTH, path=path)] == [p1_id, all_id]  # newest first
    # a P1 meeting sees the P1 snapshot only; a P2 meeting neither
    assert [s["id"] for s in store.snapshots(MONTH, ("P1",), path=path)] == [p1_id]
    assert store.load_snapshot(all_id, ("P1",), path=path) is None
    assert store.snapshots(MONTH, ("P2",), path=path) == []
    assert store.snapshots("2026-09", path=path) == []
    store.add_comment(all_id, "bridge", "  Mix drove the rise  ", "ada", path)
    store.add_comment(all_id, "budget", "Sales overspent", "bob", path)
    assert [(c["topic"], c["text"], c["author"]) for c in store.comments(all_id, "bridge", path)] == [("bridge", "Mix drove the rise", "ada")]
    assert len(store.comments(all_id, path=path)) == 2
    with pytest.raises(ValueError, match="text"):
        store.add_comment(all_id, "bridge", "  ", "ada", path)


def test_open_items_carry_over_to_next_months_meeting(tmp_path):
    path = tmp_path / "store.sqlite"
    sept = store.add_action("2026-09", "oee_loss", "Fix the packing line jams", "Li", "2026-10-15", "ada", path=path)
    done = store.add_action("2026-09", "budget", "Freeze sales travel", "Wang", None, "ada", path=path)
    store.set_status(done, "done", "2026-09", "ada", path)
    p2 = store.add_action("2026-09", "cash", "Chase C07", "Zhao", None, "ada", ("P2",), path=path)
    assert [a["id"] for a in store.meeting_items("2026-09", path=path)] == [sept, done, p2]
    # October opens with September's open items, not the one closed in September
    assert [a["id"] for a in store.meeting_items("2026-10", path=path)] == [sept, p2]
    assert [a["id"] for a in store.meeting_items("2026-10", ("P1",), path=path)] == []  # sept was recorded for all plants
    assert [a["id"] for a in store.meeting_items("2026-10", ("P2",), path=path)] == [p2]
    octo = store.add_action("2026-10", "kpis", "Explain the margin", "Chen", "2026-11-30", "bob", path=path)
    store.set_status(sept, "done", "2026-10", "bob", path)
    item = {a["id"]: a for a in store.actions(path)}[sept]
    assert (item["status"], item["closed_month"], item["updated_by"]) == ("done", "2026-10", "bob")
    # closed in October: still on October's list, gone from November's
    assert [a["id"] for a in store.meeting_items("2026-10", path=path)] == [sept, p2, octo]
    assert [a["id"] for a in store.meeting_items("2026-11", path=path)] == [p2, octo]
    store.set_status(sept, "open", "2026-11", "bob", path)  # reopened: open again, carried on
    assert [a["id"] for a in store.meeting_items("2026-11", path=path)] == [sept, p2, octo]
    with pytest.raises(ValueError, match="status"):
        store.set_status(sept, "maybe", "2026-11", "bob", path)
    with pytest.raises(ValueError, match="owner"):
        store.add_action("2026-10", "kpis", "x", " ", None, "bob", path=path)


def test_the_store_survives_a_restart_and_never_touches_the_data(tmp_path, snapshot_and_report, sample_url, backend):
    """A new connection (a restarted app) reads what the last one wrote; the analysed database,
    opened read-only, gets no meeting table."""
    snap, _ = snapshot_and_report
    path = tmp_path / "app_store.sqlite"
    sid = store.save_snapshot(snap, path)
    store.add_action(MONTH, "kpis", "Check", "Li", None, "ada", path=path)
    assert store.load_snapshot(sid, path=path)["month"] == MONTH
    assert len(store.meeting_items(MONTH, path=path)) == 1
    engine = eng.make_engine(sample_url, read_only=True)
    try:
        names = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert not {n for n in names if n.startswith("meeting_")}


# --------------------------------------------------------------------------- frozen
def test_a_frozen_snapshot_does_not_move_when_the_data_changes(tmp_path, small_sample, backend):
    """Freeze October on a database of its own, then change the data (October's revenue lines
    doubled, a new data version, as an import does): a new snapshot sees it, the stored one not."""
    url = namespace_url(backend, "meeting_frozen", tmp_path)
    load_into(url, small_sample)
    engine = eng.make_engine(url)
    path = tmp_path / "store.sqlite"
    try:
        frozen = build_snapshot(engine, Scope(MONTH, MONTH))
        sid = store.save_snapshot(frozen, path)
        before = _cards(frozen, "kpis")["kpi_revenue"]["value"]
        with engine.begin() as conn:
            revenue = sa.text("SELECT account_code FROM accounts WHERE category = 'revenue'")
            codes = [r[0] for r in conn.execute(revenue)]
            lines = sa.table("voucher_lines", sa.column("period"), sa.column("account_code"), sa.column("debit_amount"),
                             sa.column("credit_amount"))
            conn.execute(lines.update().where(lines.c.period == MONTH, lines.c.account_code.in_(codes))
                         .values(credit_amount=lines.c.credit_amount * 2, debit_amount=lines.c.debit_amount * 2))
            conn.execute(sa.text("UPDATE dataset_info SET info_value = 'changed-by-test' WHERE info_key = 'data_version'"))
        moved = build_snapshot(engine, Scope(MONTH, MONTH))
    finally:
        engine.dispose()
    assert _cards(moved, "kpis")["kpi_revenue"]["value"] == pytest.approx(2 * before, abs=0.01)
    assert moved["data_version"] == "changed-by-test" != frozen["data_version"]
    assert store.load_snapshot(sid, path=path) == frozen
    assert _cards(store.load_snapshot(sid, path=path), "kpis")["kpi_revenue"]["value"] == before
