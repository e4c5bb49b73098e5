"""The WIP facts (``data_loaders.facts_wip``) give the same numbers as the base tables, on
every database: the WIP tie, the reconciliation's lists and coverage, the voucher search.

Two fixtures: the small sample (facts derived when it was loaded), compared path against path
for the whole company, twelve months and one plant; and a tiny hand-built ledger whose fact
rows are computed by hand below (the arithmetic is in the test).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analytics.ledger import compute_wip_tie
from analytics.lineage import compute_completeness
from analytics.money import compute_overhead_cents
from data_loaders import engine as eng
from data_loaders import facts, facts_wip
from data_loaders import lineage as L
from data_loaders import queries as q
from data_loaders import schema as s
from data_loaders.scope import Scope
from data_loaders.sqlfuncs import period_of
from reports.lineage import reconciliation, wip_tie_summary
from tests.test_lineage import fixture_frames

ROOT = Path(__file__).resolve().parents[1]
SCOPES = {
    "all": None,
    "twelve_months": Scope("2025-11", "2026-10"),
    "one_plant": Scope("2025-11", "2026-10", plants=("P1",)),
    "one_family": Scope("2026-01", "2026-06", families=("阀门 Valves", "PE管 PE pipes")),
}
MONEY = 0.005  # to the cent


def same(a: pd.DataFrame, b: pd.DataFrame, keys: list[str]) -> None:
    """Equal frames regardless of row order; money and other floats to the cent."""
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    a = a.sort_values(keys).reset_index(drop=True)
    b = b.sort_values(keys).reset_index(drop=True)
    for c in a.columns:
        x, y = a[c], b[c]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(x):
            assert np.allclose(x.astype(float), y.astype(float), atol=MONEY, rtol=0, equal_nan=True), c
        elif pd.api.types.is_datetime64_any_dtype(x) or pd.api.types.is_datetime64_any_dtype(y):
            assert (pd.to_datetime(x).fillna(pd.Timestamp(0)) == pd.to_datetime(y).fillna(pd.Timestamp(0))).all(), c
        else:
            assert x.fillna("<na>").astype(str).tolist() == y.fillna("<na>").astype(str).tolist(), c


# --------------------------------------------------------------------------- the sample, both paths
def test_sample_facts_are_fresh(sample_engine):
    assert facts.ready(sample_engine)


@pytest.mark.parametrize("scope", SCOPES.values(), ids=SCOPES.keys())
def test_wip_tie_from_facts_equals_the_base_tables(sample_engine, scope):
    fast = q.load_work_order_cost_facts(sample_engine, scope, use_facts=True)
    slow = q.load_work_order_cost_facts(sample_engine, scope, use_facts=False)
    assert len(slow) > 0
    same(fast, slow, ["work_order_id"])
    tie_fast, tie_slow = compute_wip_tie(fast), compute_wip_tie(slow)
    same(tie_fast, tie_slow, ["work_order_id"])
    # the summary counts in SQL and reads only the untied orders: the same rows as the whole tie
    for tolerance in (0.005, 1.0, 500.0):
        whole = compute_wip_tie(slow, tolerance)
        for use in (True, False):
            summary = wip_tie_summary(sample_engine, scope, tolerance, use_facts=use)
            assert summary["n_orders"] == len(whole) and summary["n_tied"] == int(whole.is_tied.sum())
            same(summary["untied"], whole[~whole.is_tied].reset_index(drop=True), ["work_order_id"])


def test_fact_sums_are_the_tie_of_each_order(sample_engine):
    """Identities of facts_wip_orders: operations = material + labor + overhead absorbed (completed
    orders), the overhead as analytics.money rounds it, ledger WIP = Σ charged, difference = ledger − operations."""
    f = facts_wip.load_orders(sample_engine, None, [c.name for c in facts_wip.facts_wip_orders.columns])
    cents = compute_overhead_cents(f.machine_s.astype(float).round(), f.absorption_rate_per_h)
    assert (np.round(f.overhead_absorbed_amount * 100).astype(np.int64) == cents).all()
    overhead = np.where(f.status == "completed", f.overhead_absorbed_amount, 0.0)
    assert np.allclose(f.operations_amount, f.material_amount + f.labor_amount + overhead, atol=MONEY)
    assert np.allclose(f.ledger_wip_amount, f.ledger_material_charged + f.ledger_labor_charged + f.ledger_overhead_charged, atol=MONEY)
    assert np.allclose(f.difference_amount, f.ledger_wip_amount - f.operations_amount, atol=MONEY)
    tie = compute_wip_tie(q.load_work_order_cost_facts(sample_engine, use_facts=False)).set_index("work_order_id")
    g = f.set_index("work_order_id").loc[tie.index]
    assert np.allclose(g.operations_amount, tie.operations_amount, atol=MONEY)
    assert np.allclose(g.difference_amount, tie.difference_amount, atol=MONEY)
    assert (g.period == pd.to_datetime(g.planned_start_date).dt.strftime("%Y-%m")).all()


def _old_overhead_rows(engine, scope: Scope) -> pd.DataFrame:
    """The reference: one row per completed order with machine seconds and rate, as the page
    read them before the overhead was summed in SQL (compute_completeness prices them)."""
    wo, wc = s.work_orders, s.work_centers
    machine = q.select_machine_seconds_by_work_order().subquery()
    stmt = (sa.select(wo.c.work_order_id, period_of(wo.c.actual_end_at).label("period"), wo.c.plant_id,
                      sa.func.coalesce(machine.c.machine_s, 0).label("machine_s"),
                      (wc.c.machine_rate_per_h + wc.c.overhead_rate_per_h).label("absorption_rate_per_h"),
                      sa.case((L._has_line("work_order", wo.c.work_order_id), 1), else_=0).label("is_posted"))
            .join(wc, wc.c.work_center_id == wo.c.work_center_id)
            .outerjoin(machine, machine.c.work_order_id == wo.c.work_order_id)
            .where(wo.c.status.in_(("completed", "closed")), *q.date_conditions(wo.c.actual_end_at, scope),
                   *q.plant_conditions(wo.c.plant_id, scope), *q.product_conditions(wo.c.product_id, scope)))
    return eng.read_frame(engine, stmt)


@pytest.mark.parametrize("scope", [v for v in SCOPES.values() if v], ids=[k for k, v in SCOPES.items() if v])
def test_reconciliation_from_facts_equals_the_base_tables(sample_engine, scope):
    keys = {
        "load_completed_without_completion": ["work_order_id"],
        "load_lines_with_missing_source": ["voucher_no", "line_no"],
        "load_documents_without_voucher": ["source_doc_type", "document_id"],
        "load_posting_coverage": ["period", "plant_id", "component", "is_posted"],
        "load_overhead_coverage": ["period", "plant_id", "is_posted"],
        "load_cost_lines_without_source": ["voucher_no", "line_no"],
    }
    for name, key in keys.items():
        fast = getattr(L, name)(sample_engine, scope, use_facts=True)
        slow = getattr(L, name)(sample_engine, scope, use_facts=False)
        same(fast, slow, key)
        if name == "load_documents_without_voucher":  # the same order too, not only the same rows
            assert fast[["source_doc_type", "document_id"]].values.tolist() == slow[["source_doc_type", "document_id"]].values.tolist()
    # the summed overhead prices the orders as the per-order rows did
    coverage = L.load_posting_coverage(sample_engine, scope, use_facts=False)
    summed = compute_completeness(coverage, L.load_overhead_coverage(sample_engine, scope, use_facts=True))
    per_order = compute_completeness(coverage, _old_overhead_rows(sample_engine, scope))
    same(summed, per_order, ["period", "plant_id"])


def test_facts_derived_in_the_database_hold_what_the_base_tables_give(sample_engine):
    """Every fact row is inserted by the database itself (INSERT … SELECT): the whole company's
    line and document lists equal the base tables' row for row; whole numbers are stored whole
    and money in cents, as the derivation through pandas stored them, on every database."""
    whole = Scope()
    for name, key in (("load_lines_with_missing_source", ["voucher_no", "line_no"]),
                      ("load_cost_lines_without_source", ["voucher_no", "line_no"]),
                      ("load_documents_without_voucher", ["source_doc_type", "document_id"]),
                      ("load_posting_coverage", ["period", "plant_id", "component", "is_posted"])):
        fast = getattr(L, name)(sample_engine, whole, use_facts=True)
        slow = getattr(L, name)(sample_engine, whole, use_facts=False)
        assert len(slow) > 0 or name == "load_lines_with_missing_source", name  # the tiny ledger has those
        same(fast, slow, key)
    f = facts_wip.load_orders(sample_engine, None, [c.name for c in facts_wip.facts_wip_orders.columns])
    assert len(f) > 0
    for c in facts_wip.facts_wip_orders.columns:
        values = pd.to_numeric(f[c.name].dropna()).astype(float) if isinstance(c.type, (sa.Integer, sa.Numeric)) else None
        if values is None:
            continue
        unit = 1 if isinstance(c.type, sa.Integer) else 10 ** c.type.scale
        assert np.allclose(values * unit, np.round(values * unit), atol=1e-6, rtol=0), c.name
    assert (f.end_period.isna() == f.actual_end_at.isna()).all()
    ended = f[f.actual_end_at.notna()]
    assert (ended.end_period == pd.to_datetime(ended.actual_end_at).dt.strftime("%Y-%m")).all()


def test_voucher_types_from_facts(sample_engine):
    fast, slow = L.load_lineage_options(sample_engine, use_facts=True), L.load_lineage_options(sample_engine, use_facts=False)
    assert fast["voucher_types"].voucher_type.tolist() == slow["voucher_types"].voucher_type.tolist()


SEARCHES = [L.VoucherFilter(), L.VoucherFilter(voucher_types=("MI", "FG")), L.VoucherFilter(account_codes=("500101",)),
            L.VoucherFilter(source_types=("none",)), L.VoucherFilter(text="WO-2026"), L.VoucherFilter(amount_min=1000.0)]


@pytest.mark.parametrize("scope", [v for v in SCOPES.values() if v], ids=[k for k, v in SCOPES.items() if v])
def test_voucher_page_equals_the_search_definition(sample_engine, scope):
    v = s.vouchers
    for f in SEARCHES:
        stmt = L.select_voucher_search(scope, f).order_by(v.c.voucher_date.desc(), v.c.voucher_no.desc())
        reference = eng.read_frame(sample_engine, stmt)
        last = max(1, -(-len(reference) // 40))
        for page, size in ((1, 50), (3, 20), (last, 40), (last + 1, 40)):
            want = reference.iloc[(page - 1) * size: page * size].reset_index(drop=True)
            for use in (True, False):
                rows, total = L.load_voucher_page(sample_engine, scope, f, page, size, use_facts=use)
                assert total == len(reference), (f, use)
                assert list(rows.voucher_no) == list(want.voucher_no), (f, use)
                same(rows, want, ["voucher_no"])


# --------------------------------------------------------------------------- a tiny ledger, by hand
def tiny_frames() -> dict[str, pd.DataFrame]:
    """The drill-down's hand-built ledger (tests/test_lineage.py) plus WO-C on a work center whose
    absorption rate (80.01 + 20.00 = 100.01 per hour) makes half an hour a half cent, and a
    data version so that the facts can be fresh."""
    f = fixture_frames()
    f["work_centers"] = pd.concat([f["work_centers"], f["work_centers"].assign(
        work_center_id="WC2", machine_rate_per_h=80.01, overhead_rate_per_h=20.00)], ignore_index=True)
    d, t = dt.date(2026, 4, 1), dt.datetime(2026, 4, 1, 8)
    f["work_orders"] = pd.concat([f["work_orders"], pd.DataFrame({
        "work_order_id": ["WO-C"], "plant_id": ["P1"], "product_id": ["FG1"], "work_center_id": ["WC2"], "planned_qty": [1.0],
        "completed_qty": [1.0], "scrap_qty": [0.0], "planned_start_date": [d], "planned_end_date": [d],
        "actual_start_at": [t], "actual_end_at": [t + dt.timedelta(minutes=30)], "status": ["completed"]})], ignore_index=True)
    f["machine_events"] = pd.concat([f["machine_events"], pd.DataFrame({
        "event_id": ["E5"], "work_center_id": ["WC2"], "work_order_id": ["WO-C"], "start_at": [t],
        "end_at": [t + dt.timedelta(minutes=30)], "state": ["running"]})], ignore_index=True)
    f["dataset_info"] = pd.DataFrame({"info_key": ["data_version"], "info_value": ["v1"]})
    return f


def _make_tiny(url: str) -> None:
    engine = eng.make_engine(url)
    with engine.begin() as conn:
        for name, frame in tiny_frames().items():
            eng.bulk_insert(conn, s.metadata.tables[name], frame)
    assert not facts.ready(engine)  # loaded behind the app's back: no facts yet
    facts.refresh(engine)
    engine.dispose()


@pytest.fixture
def tiny(empty_url, made_once):
    made_once(empty_url, "facts_wip.tiny", _make_tiny)  # made once per kind of file, then copied
    engine = eng.make_engine(empty_url, read_only=True)
    yield engine
    engine.dispose()


def test_hand_computed_fact_rows(tiny):
    assert facts.ready(tiny)
    f = facts_wip.load_orders(tiny, None, [c.name for c in facts_wip.facts_wip_orders.columns]).set_index("work_order_id")
    a, b, c = f.loc["WO-A"], f.loc["WO-B"], f.loc["WO-C"]
    # WO-A: material 22 x 5.50 - 2 x 5.50 = 110.00; labor 2.5 h x 50 = 125.00; machine time setup 30 min
    # + running 60 min = 5,400 s (the breakdown is not machine time); overhead 1.5 h x (100 + 20) = 180.00
    assert (a.period, a.material_amount, a.labor_amount, a.machine_s) == ("2026-03", 22 * 5.5 - 2 * 5.5, 2.5 * 50, 30 * 60 + 60 * 60)
    assert a.overhead_absorbed_amount == 1.5 * 120
    # the ledger: 121.00 issued - 11.00 returned; 125.00; 180.00 charged, and the completion relieves all three
    assert (a.ledger_material_charged, a.ledger_labor_charged, a.ledger_overhead_charged) == (121 - 11, 125, 180)
    assert (a.ledger_material_relieved, a.ledger_labor_relieved, a.ledger_overhead_relieved) == (110, 125, 180)
    assert (a.operations_amount, a.ledger_wip_amount, a.ledger_relieved_amount, a.difference_amount) == (415, 415, 415, 0)
    assert (a.is_completion_posted, a.is_overhead_posted) == (1, 1)
    # WO-B: 5 x 5.00 = 25.00 posted; labor 1 h x 50 = 50.00 and overhead 0.5 h x 120 = 60.00 never were
    assert (b.material_amount, b.labor_amount, b.overhead_absorbed_amount) == (25, 50, 60)
    assert (b.operations_amount, b.ledger_wip_amount, b.difference_amount) == (25 + 50 + 60, 25, 25 - 135)
    assert (b.is_completion_posted, b.is_overhead_posted) == (0, 0)
    # WO-C: 1,800 s x 100.01 / 3,600 s = 50.005 -> 50.01, half away from zero on every database
    assert c.machine_s == 1800 and c.overhead_absorbed_amount == 50.01 and c.period == "2026-04"
    assert (c.operations_amount, c.difference_amount) == (50.01, -50.01)


def test_hand_computed_reconciliation_facts(tiny):
    posting = eng.read_frame(tiny, sa.select(facts_wip.facts_wip_posting)).set_index(["component", "is_posted"])
    # material: MI-1 121.00 - MI-2 11.00 + MI-3 25.00, all posted; labor: LB-1 125.00 posted, LB-2 50.00 not
    assert posting.loc[("material", 1), "cost_amount"] == 121 - 11 + 25 and posting.loc[("material", 1), "n_documents"] == 3
    assert posting.loc[("labor", 1), "cost_amount"] == 125 and posting.loc[("labor", 0), "cost_amount"] == 50
    unposted = eng.read_frame(tiny, sa.select(facts_wip.facts_wip_unposted))
    assert unposted[["source_doc_type", "document_id", "period", "document_amount"]].values.tolist() == [["labor_log", "LB-2", "2026-03", 50.0]]
    unsourced = eng.read_frame(tiny, sa.select(facts_wip.facts_wip_unsourced_lines))
    # MJ-1 debits WIP 50.00 with no source; its payables credit is not a cost account
    assert unsourced[["voucher_no", "account_code", "debit_amount", "voucher_type"]].values.tolist() == [["MJ-1", "500101", 50.0, "MJ"]]
    missing = eng.read_frame(tiny, sa.select(facts_wip.facts_wip_missing_sources))
    assert sorted(missing.voucher_no) == ["V-BROKEN", "V-BROKEN"] and set(missing.source_doc_id) == {"MI-GHOST"}
    periods = eng.read_frame(tiny, sa.select(facts_wip.facts_wip_voucher_periods)).set_index("voucher_type")
    assert periods.n_vouchers.to_dict() == {"MI": 4, "LB": 1, "OH": 1, "FG": 1, "MJ": 1} and periods.n_without_own_lines.sum() == 0
    # the page, from the facts and from the base tables: WO-C's overhead is 50.01 and unposted
    for use in (True, False):
        r = reconciliation(tiny, Scope("2026-03", "2026-04"), tolerance=0.005) if use else None
        overhead = L.load_overhead_coverage(tiny, Scope("2026-04", "2026-04"), use_facts=use)
        assert overhead[["period", "is_posted", "cost_amount"]].values.tolist() == [["2026-04", 0, 50.01]]
        if r is not None:
            assert list(r["cost_differs"].work_order_id) == ["WO-B", "WO-C"]
            c = r["completeness"].set_index("period")
            # March: 550.00 of operations, 440.00 posted (see test_lineage); April: WO-C's 50.01, none posted
            assert (c.loc["2026-03", "operations_amount"], c.loc["2026-04", "operations_amount"]) == (550.00, 50.01)
            assert c.loc["2026-04", "posted_amount"] == 0


def test_stale_facts_are_not_read(tiny, empty_url):
    """A write that changes the data version leaves the facts stale: readers use the base tables."""
    tiny.dispose()
    engine = eng.make_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(s.dataset_info.update().values(info_value="v2").where(s.dataset_info.c.info_key == "data_version"))
    engine.dispose()
    assert not facts.ready(tiny)
    assert wip_tie_summary(tiny)["n_orders"] == 3


def test_data_model_documents_every_fact_table_and_column():
    text = (ROOT / "docs" / "DATA_MODEL.md").read_text(encoding="utf-8")
    section = text.split("## Fact tables: work-order WIP", 1)[1].split("\n## ", 1)[0]
    copied = {c.name for c in s.voucher_lines.columns} if "every column of `voucher_lines`" in section else set()
    for table in facts_wip.TABLES:
        assert f"`{table.name}`" in section, table.name
        for column in table.columns:
            assert f"`{column.name}`" in section or (table is facts_wip.facts_wip_unsourced_lines and column.name in copied), \
                (table.name, column.name)


# --------------------------------------------------------------------------- the trace's lookups
def _joined_lines() -> sa.Select:
    """The reference: lines inner-joined to their account, outer-joined to their cost center."""
    vl, acc, cc = s.voucher_lines, s.accounts, s.cost_centers
    return (sa.select(vl, acc.c.account_name, acc.c.account_name_en, acc.c.category, cc.c.cost_center_name)
            .join(acc, acc.c.account_code == vl.c.account_code).outerjoin(cc, cc.c.cost_center_id == vl.c.cost_center_id))


def test_trace_lookups_equal_the_joins(sample_engine, small_sample):
    """The trace reads the big tables by key and joins the small ones with LEFT joins (so that
    DuckDB keeps its index): the same rows as the plain joins, on every database."""
    from reports.lineage import voucher_trace

    v, vl, wo, p, wc = s.vouchers, s.voucher_lines, s.work_orders, s.products, s.work_centers
    vouchers = small_sample["vouchers"].groupby("voucher_type").voucher_no.first().tolist()
    for no in vouchers:
        header, lines = L.load_voucher_with_lines(sample_engine, no)
        want = eng.read_frame(sample_engine, _joined_lines().where(vl.c.voucher_no == no).order_by(vl.c.line_no))
        same(lines, want, ["line_no"])
        assert list(lines.line_no) == list(want.line_no)
        totals = eng.read_frame(sample_engine, sa.select(sa.func.sum(vl.c.debit_amount).label("d"), sa.func.sum(vl.c.credit_amount).label("c"),
                                                         sa.func.count().label("n")).where(vl.c.voucher_no == no)).iloc[0]
        h = header.iloc[0]
        assert (h.debit_amount, h.credit_amount, h.n_lines) == (pytest.approx(totals.d, abs=MONEY), pytest.approx(totals.c, abs=MONEY), totals.n)
        trace = voucher_trace(sample_engine, no)
        for line, (doc, missing) in zip(trace["lines"].itertuples(), trace["sources"]):
            if isinstance(line.source_doc_type, str):
                found = L.load_source_document(sample_engine, line.source_doc_type, line.source_doc_id)
                assert missing == found.empty and (doc is None) == found.empty
    for order in small_sample["work_orders"].work_order_id.iloc[::97].tolist():
        ledger = L.load_work_order_ledger(sample_engine, order)
        want = eng.read_frame(sample_engine, _joined_lines().add_columns(v.c.voucher_date, v.c.voucher_type, v.c.description)
                              .join(v, v.c.voucher_no == vl.c.voucher_no).where(vl.c.work_order_id == order)
                              .order_by(v.c.voucher_date, vl.c.voucher_no, vl.c.line_no))
        same(ledger, want, ["voucher_no", "line_no"])
        head = L.load_work_order(sample_engine, order)
        want = eng.read_frame(sample_engine, sa.select(wo, p.c.product_name, p.c.family, p.c.unit, p.c.std_material_cost, p.c.std_labor_cost,
                                                       p.c.std_overhead_cost, wc.c.work_center_name,
                                                       (wc.c.machine_rate_per_h + wc.c.overhead_rate_per_h).label("absorption_rate_per_h"))
                              .join(p, p.c.product_id == wo.c.product_id).join(wc, wc.c.work_center_id == wo.c.work_center_id)
                              .where(wo.c.work_order_id == order))
        same(head, want, ["work_order_id"])
        same(L.load_work_order_materials(sample_engine, order), _materials_by_merges(sample_engine, order), ["material_id"])


def _materials_by_merges(engine, order: str) -> pd.DataFrame:
    """The reference for one statement's materials: moves summed per material, the BOM of the
    order's product, the material names, merged in pandas."""
    mi, m, wo, bom = s.material_issues, s.materials, s.work_orders, s.bom
    ret = mi.c.issue_type == "return"
    amount = sa.func.round(mi.c.qty * mi.c.unit_cost, 2)
    got = eng.read_frame(engine, sa.select(mi.c.material_id, sa.func.sum(sa.case((ret, 0), else_=mi.c.qty)).label("issued_qty"),
                                           sa.func.sum(sa.case((ret, mi.c.qty), else_=0)).label("returned_qty"),
                                           sa.func.sum(sa.case((ret, -amount), else_=amount)).label("actual_amount"),
                                           sa.func.count().label("n_moves")).where(mi.c.work_order_id == order).group_by(mi.c.material_id))
    plan = eng.read_frame(engine, sa.select(bom.c.material_id, bom.c.qty_per_unit).join(wo, wo.c.product_id == bom.c.product_id)
                          .where(wo.c.work_order_id == order))
    names = eng.read_frame(engine, sa.select(m.c.material_id, m.c.material_name, m.c.unit, m.c.std_price))
    out = plan.merge(got, on="material_id", how="outer").merge(names, on="material_id", how="left")
    for col in ("qty_per_unit", "issued_qty", "returned_qty", "actual_amount", "n_moves"):
        out[col] = out[col].astype(float).fillna(0.0)
    return out.sort_values("material_id").reset_index(drop=True)


def test_first_page_reads_only_the_latest_month(sample_engine):
    """The fast path is taken on the sample (the equality above then covers it): a year's first
    page comes from its last month, a page deep in the year from more months or all of them."""
    months = facts_wip.load_voucher_periods(sample_engine, SCOPES["twelve_months"])
    assert months.n_without_own_lines.sum() == 0
    cut = L._latest_months(months, 50)
    assert len(cut) == 1 and str(cut[0].right.value) == "2026-10"
    assert L._latest_months(months, int(months.n_vouchers.sum())) == []


def test_refreshing_some_months_gives_the_same_rows(tiny, empty_url):
    """``facts.refresh(engine, periods)`` replaces exactly those months' rows with the same rows."""
    def snapshot():
        return {t.name: eng.read_frame(tiny, sa.select(t)) for t in facts_wip.TABLES}

    before = snapshot()
    tiny.dispose()  # DuckDB opens a file read-write only when no read-only connection holds it
    engine = eng.make_engine(empty_url)
    facts.refresh(engine, ["2026-03"])
    facts.refresh(engine, ["2026-04", "2026-05"])
    engine.dispose()
    after = snapshot()
    for name, frame in before.items():
        keys = [c for c in ("period", "work_order_id", "voucher_no", "line_no", "source_doc_type", "document_id", "voucher_type",
                            "component", "is_posted", "plant_id", "product_id") if c in frame]
        same(after[name], frame, keys)
