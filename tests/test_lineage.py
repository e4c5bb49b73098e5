"""Drill-down and reconciliation on a hand-built ledger with known links, on every database.

The fixture: work order WO-A completed and fully posted; WO-B completed but only its material
issue was posted (its labor log LB-2 never was, nor its completion); voucher V-BROKEN names a
material issue that does not exist; MJ-1 is a manual journal on WIP with no source.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

import cli
from analytics.lineage import compute_subtree
from data_loaders import lineage as L
from data_loaders.scope import Scope
from reports.lineage import reconciliation, voucher_trace, work_order_trace
from data_loaders import engine as eng
from tests.conftest import loaded_engine, namespace_url

D = dt.date(2026, 3, 2)
T = dt.datetime(2026, 3, 2)


def ts(h, m=0):
    return T + dt.timedelta(hours=h, minutes=m)


def _lines(vno, *rows):
    # rows: (account, debit, credit, work_order, source_type, source_id)
    return [dict(voucher_no=vno, line_no=i, period="2026-03", account_code=a, plant_id="P1", work_order_id=w,
                 debit_amount=d, credit_amount=c, source_doc_type=st, source_doc_id=sid, cost_center_id="CC1", product_id="FG1")
            for i, (a, d, c, w, st, sid) in enumerate(rows, start=1)]


def fixture_frames() -> dict[str, pd.DataFrame]:
    f = {
        "plants": pd.DataFrame({"plant_id": ["P1"], "plant_name": ["一厂"], "currency": ["CNY"]}),
        "accounts": pd.DataFrame(
            [("1403", "原材料", "asset", "raw_materials", None), ("1405", "库存商品", "asset", "finished_goods", None),
             ("2202", "应付账款", "liability", "payables", None), ("2211", "应付职工薪酬", "liability", "payroll", None),
             ("5001", "生产成本", "asset", "wip", None), ("500101", "直接材料", "asset", "wip", "5001"),
             ("500102", "直接人工", "asset", "wip", "5001"), ("500103", "制造费用", "asset", "wip", "5001"),
             ("5109", "制造费用-已分配", "expense", "overhead_applied", None), ("6409", "生产成本差异", "expense", "variance", None)],
            columns=["account_code", "account_name", "account_type", "category", "parent_code"]),
        "cost_centers": pd.DataFrame({"cost_center_id": ["CC1"], "cost_center_name": ["机加线"], "plant_id": ["P1"]}),
        "products": pd.DataFrame({"product_id": ["FG1"], "product_name": ["球阀"], "family": ["阀门"], "unit": ["pcs"],
                                  "std_material_cost": [10.0], "std_labor_cost": [2.0], "std_overhead_cost": [3.0], "list_price": [30.0]}),
        "suppliers": pd.DataFrame({"supplier_id": ["S1"], "supplier_name": ["钢厂"], "payment_terms_days": [30]}),
        "materials": pd.DataFrame({"material_id": ["M1"], "material_name": ["圆钢"], "unit": ["kg"], "std_price": [5.0],
                                   "supplier_id": ["S1"], "lead_time_days": [7]}),
        "bom": pd.DataFrame({"product_id": ["FG1"], "material_id": ["M1"], "qty_per_unit": [2.0]}),
        "work_centers": pd.DataFrame({"work_center_id": ["WC1"], "work_center_name": ["车床"], "plant_id": ["P1"], "cost_center_id": ["CC1"],
                                      "machine_rate_per_h": [100.0], "labor_rate_per_h": [50.0], "overhead_rate_per_h": [20.0],
                                      "is_bottleneck": [0]}),
        "work_orders": pd.DataFrame({
            "work_order_id": ["WO-A", "WO-B"], "plant_id": ["P1", "P1"], "product_id": ["FG1", "FG1"], "work_center_id": ["WC1", "WC1"],
            "planned_qty": [10.0, 5.0], "completed_qty": [10.0, 5.0], "scrap_qty": [0.0, 0.0],
            "planned_start_date": [D, D], "planned_end_date": [D, D],
            "actual_start_at": [ts(7, 30), ts(13)], "actual_end_at": [ts(9, 30), ts(13, 30)], "status": ["completed", "completed"]}),
        "material_issues": pd.DataFrame({
            "material_issue_id": ["MI-1", "MI-2", "MI-3"], "work_order_id": ["WO-A", "WO-A", "WO-B"], "material_id": ["M1"] * 3,
            "issue_date": [D, D, D], "issue_type": ["issue", "return", "issue"], "qty": [22.0, 2.0, 5.0], "unit_cost": [5.5, 5.5, 5.0]}),
        "labor_logs": pd.DataFrame({"labor_log_id": ["LB-1", "LB-2"], "work_order_id": ["WO-A", "WO-B"], "work_center_id": ["WC1", "WC1"],
                                    "work_date": [D, D], "hours": [2.5, 1.0], "rate_per_h": [50.0, 50.0]}),
        "machine_events": pd.DataFrame({
            "event_id": ["E1", "E2", "E3", "E4"], "work_center_id": ["WC1"] * 4, "work_order_id": ["WO-A", "WO-A", "WO-A", "WO-B"],
            "start_at": [ts(7, 30), ts(8), ts(9), ts(13)], "end_at": [ts(8), ts(9), ts(9, 30), ts(13, 30)],
            "state": ["setup", "running", "breakdown", "running"]}),
        "output_counts": pd.DataFrame({"output_id": ["O1", "O2"], "work_order_id": ["WO-A", "WO-B"], "work_center_id": ["WC1", "WC1"],
                                       "count_date": [D, D], "good_qty": [10.0, 5.0], "scrap_qty": [0.0, 0.0], "rework_qty": [0.0, 0.0]}),
    }
    vouchers = ["V-MI1", "V-MI2", "V-LB1", "V-OHA", "V-FGA", "V-MI3", "V-BROKEN", "MJ-1"]
    f["vouchers"] = pd.DataFrame({"voucher_no": vouchers, "voucher_date": [D] * 8, "period": ["2026-03"] * 8,
                                  "voucher_type": ["MI", "MI", "LB", "OH", "FG", "MI", "MI", "MJ"], "status": ["posted"] * 8,
                                  "plant_id": ["P1"] * 8, "description": [f"desc {v}" for v in vouchers]})
    lines = (
        _lines("V-MI1", ("500101", 121.00, 0, "WO-A", "material_issue", "MI-1"), ("1403", 0, 121.00, "WO-A", "material_issue", "MI-1"))
        + _lines("V-MI2", ("1403", 11.00, 0, "WO-A", "material_issue", "MI-2"), ("500101", 0, 11.00, "WO-A", "material_issue", "MI-2"))
        + _lines("V-LB1", ("500102", 125.00, 0, "WO-A", "labor_log", "LB-1"), ("2211", 0, 125.00, "WO-A", "labor_log", "LB-1"))
        # overhead: setup 30 min + running 60 min = 1.5 h x (100 + 20)/h = 180.00; the breakdown is not absorbed
        + _lines("V-OHA", ("500103", 180.00, 0, "WO-A", "work_order", "WO-A"), ("5109", 0, 180.00, "WO-A", "work_order", "WO-A"))
        # completion: standard (10 + 2 + 3) x 10 = 150.00; WIP 110 + 125 + 180 = 415.00; variance 265.00
        + _lines("V-FGA", ("1405", 150.00, 0, "WO-A", "completion", "WO-A"), ("6409", 265.00, 0, "WO-A", "completion", "WO-A"),
                 ("500101", 0, 110.00, "WO-A", "completion", "WO-A"), ("500102", 0, 125.00, "WO-A", "completion", "WO-A"),
                 ("500103", 0, 180.00, "WO-A", "completion", "WO-A"))
        + _lines("V-MI3", ("500101", 25.00, 0, "WO-B", "material_issue", "MI-3"), ("1403", 0, 25.00, "WO-B", "material_issue", "MI-3"))
        + _lines("V-BROKEN", ("500101", 7.00, 0, None, "material_issue", "MI-GHOST"), ("1403", 0, 7.00, None, "material_issue", "MI-GHOST"))
        + _lines("MJ-1", ("500101", 50.00, 0, None, None, None), ("2202", 0, 50.00, None, None, None))
    )
    f["voucher_lines"] = pd.DataFrame(lines)
    return f


@pytest.fixture(scope="module")
def linked_url(backend, tmp_path_factory):
    """The hand-built lineage fixture in one database of each kind, built once per module: every
    test reads it, none writes."""
    url = namespace_url(backend, "linked", tmp_path_factory.mktemp(f"linked_{backend}"))
    engine = eng.make_engine(url)
    eng.create_schema(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def linked(linked_url):
    yield from loaded_engine(linked_url, fixture_frames())


SCOPE = Scope("2026-03", "2026-03")


def test_voucher_to_source_documents_and_work_order(linked):
    v = voucher_trace(linked, "V-MI1")
    assert v["header"].debit_amount == 121.00 and v["header"].credit_amount == 121.00
    assert list(v["lines"].account_code) == ["500101", "1403"]
    doc, missing = v["sources"][0]
    assert not missing and doc.material_issue_id == "MI-1" and doc.qty == 22.0
    assert list(v["work_orders"]) == ["WO-A"]


def test_broken_reference_is_flagged_not_hidden(linked):
    v = voucher_trace(linked, "V-BROKEN")
    assert [m for _, m in v["sources"]] == [True, True]
    assert v["work_orders"] == {}
    assert voucher_trace(linked, "NO-SUCH") is None


def test_work_order_back_to_every_voucher_with_hand_computed_costs(linked):
    w = work_order_trace(linked, "WO-A")
    assert sorted(set(w["ledger"].voucher_no)) == ["V-FGA", "V-LB1", "V-MI1", "V-MI2", "V-OHA"]
    assert len(w["ledger"]) == 2 + 2 + 2 + 2 + 5
    r = w["rollup"].set_index("component")
    # operations: material 22 x 5.50 - 2 x 5.50 = 110.00; labor 2.5 h x 50 = 125.00; overhead 1.5 h x 120 = 180.00
    assert r.operations_amount.to_dict() == {"material": 110.00, "labor": 125.00, "overhead": 180.00, "total": 415.00}
    # standard for 10 good units: 10 x 10, 10 x 2, 10 x 3
    assert r.standard_amount.to_dict() == {"material": 100.00, "labor": 20.00, "overhead": 30.00, "total": 150.00}
    assert r.loc["total", "variance_amount"] == 265.00
    assert r.ledger_charged_amount.to_dict() == r.operations_amount.to_dict()
    assert r.ledger_relieved_amount.to_dict() == r.operations_amount.to_dict()
    assert (r.unposted_amount == 0).all()
    assert w["completion"] == {"finished_goods_amount": 150.00, "variance_amount": 265.00, "is_completion_posted": True}
    m = w["materials"].iloc[0]
    # BOM 2 kg/unit x 10 = 20 kg standard; actual 22 - 2 = 20 kg at 5.50
    assert (m.std_qty, m.actual_qty, m.std_amount, m.actual_amount) == (20.0, 20.0, 100.00, 110.00)
    assert m.price_variance_amount == 10.00 and m.usage_variance_amount == 0.00  # (5.50 - 5.00) x 20; (20 - 20) x 5
    assert {k: len(v) for k, v in w["documents"].items()} == {"material_issues": 2, "labor_logs": 1, "machine_events": 3, "output_counts": 1}


def test_unposted_order_shows_what_never_reached_the_ledger(linked):
    w = work_order_trace(linked, "WO-B")
    r = w["rollup"].set_index("component")
    # operations 25.00 + 50.00 + 0.5 h x 120 = 60.00 -> 135.00; ledger only the 25.00 issue
    assert r.loc["total", "operations_amount"] == 135.00
    assert r.loc["total", "ledger_charged_amount"] == 25.00
    assert r.loc["total", "unposted_amount"] == 110.00
    assert not w["completion"]["is_completion_posted"]
    assert work_order_trace(linked, "WO-NONE") is None


def test_reconciliation_finds_each_planted_problem(linked):
    r = reconciliation(linked, SCOPE, tolerance=0.005)
    assert list(r["no_completion"].work_order_id) == ["WO-B"]
    assert list(r["cost_differs"].work_order_id) == ["WO-B"]
    assert r["cost_differs"].difference_amount.tolist() == [-110.00]
    # cost lines with no source: MJ-1's WIP debit (its payables credit is not a cost account)
    assert r["lines_without_source"][["voucher_no", "account_code"]].values.tolist() == [["MJ-1", "500101"]]
    missing = r["lines_missing_source"]
    assert sorted(missing.voucher_no) == ["V-BROKEN", "V-BROKEN"] and set(missing.source_doc_id) == {"MI-GHOST"}
    docs = r["documents_without_voucher"]
    assert docs[["source_doc_type", "document_id"]].values.tolist() == [["labor_log", "LB-2"]]
    assert docs.document_amount.tolist() == [50.00]
    c = r["completeness"].iloc[0]
    # operations: WO-A 110 + 125 + 180, WO-B 25 + 50 + 60 = 550.00; posted: all but LB-2 and WO-B's overhead = 440.00
    assert (c.period, c.operations_amount, c.posted_amount) == ("2026-03", 550.00, 440.00)
    assert c.completeness_pct == pytest.approx(440 / 550)


def test_voucher_search_filters(linked):
    def found(**kw):
        rows, total = L.load_voucher_page(linked, SCOPE, L.VoucherFilter(**kw), 1, 100)
        assert total == len(rows)
        return sorted(rows.voucher_no)

    assert len(found()) == 8
    accounts = pd.DataFrame({"account_code": ["5001", "500101", "500102", "500103", "1403"],
                             "parent_code": [None, "5001", "5001", "5001", None]})
    wip = compute_subtree(accounts, "account_code", "parent_code", "5001")
    assert found(account_codes=wip) == ["MJ-1", "V-BROKEN", "V-FGA", "V-LB1", "V-MI1", "V-MI2", "V-MI3", "V-OHA"]
    assert found(account_codes=("500102",)) == ["V-FGA", "V-LB1"]
    assert found(source_types=("none",)) == ["MJ-1"]
    assert found(source_types=("labor_log", "completion")) == ["V-FGA", "V-LB1"]
    assert found(voucher_types=("MI",), amount_min=20, amount_max=130) == ["V-MI1", "V-MI3"]
    assert found(text="broken") == ["V-BROKEN"]  # case-insensitive, in the voucher number
    assert found(text="desc MJ") == ["MJ-1"]  # in the description
    # LIKE's wildcards are matched as typed: "%" and "_" would otherwise match every voucher and
    # "V_MI" the three V-MI vouchers; a NUL (refused by PostgreSQL in a parameter) is dropped
    assert found(text="%") == [] and found(text="_") == [] and found(text="V_MI") == [] and found(text="!") == []
    assert found(text="v-mi\x00") == ["V-MI1", "V-MI2", "V-MI3"] and found(text="\x00") == found()
    # SQL metacharacters are a value to look for, never SQL: nothing matches and every voucher is still there
    assert found(text="'; DROP TABLE vouchers; --") == [] and found(text='" OR 1=1 --') == [] and len(found()) == 8
    rows, total = L.load_voucher_page(linked, SCOPE, L.VoucherFilter(), 2, 3)
    assert total == 8 and len(rows) == 3
    assert L.load_voucher_page(linked, Scope("2026-04", "2026-04"), L.VoucherFilter(), 1, 10)[1] == 0


def test_bad_arguments(linked):
    with pytest.raises(ValueError, match="source_doc_type"):
        L.load_source_document(linked, "invoice", "X")
    with pytest.raises(ValueError, match="page"):
        L.load_voucher_page(linked, SCOPE, L.VoucherFilter(), 0, 10)
    with pytest.raises(ValueError, match="amount_min"):
        L.VoucherFilter(amount_min=10, amount_max=5)


def test_cli_trace(linked_url, linked, capsys):
    assert cli.main(["--db", linked_url, "trace", "V-FGA"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "voucher" and [ln["account_code"] for ln in out["lines"]] == ["1405", "6409", "500101", "500102", "500103"]
    assert out["lines"][0]["source_document"]["work_order_id"] == "WO-A"
    assert out["work_orders"]["WO-A"]["vouchers"] == ["V-FGA", "V-LB1", "V-MI1", "V-MI2", "V-OHA"]
    assert cli.main(["--db", linked_url, "trace", "WO-B"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "work_order" and out["completion"]["is_completion_posted"] is False
    assert out["cost_rollup"][-1]["unposted_amount"] == 110.00
    assert cli.main(["--db", linked_url, "trace", "NOTHING"]) == 2  # an unknown key is a bad argument


def test_sample_plant_reconciliation_shows_the_planted_findings(sample_engine, small_sample):
    planted = set(small_sample["dataset_info"].set_index("info_key").info_value["planted_unposted_work_orders"].split(","))
    r = reconciliation(sample_engine, Scope("2024-11", "2026-11"), tolerance=0.005)
    assert set(r["no_completion"].work_order_id) == planted
    assert set(r["cost_differs"].work_order_id) == planted
    manual = r["lines_without_source"]
    assert set(manual.voucher_type) == {"MJ"} and manual.debit_amount.sum() == 86_400.00
    assert r["lines_missing_source"].empty
    docs = r["documents_without_voucher"]
    assert set(docs.source_doc_type) == {"labor_log"} and set(docs.work_order_id) == planted
    c = r["completeness"]
    assert (c.completeness_pct < 1).sum() >= 1 and (c.completeness_pct > 0.99).all()


def test_drill_down_standard_and_variance_equal_the_completion_voucher(sample_engine, small_sample):
    lines = small_sample["voucher_lines"]
    completed = sorted(set(lines.loc[lines.source_doc_type == "completion", "work_order_id"]))[:15]
    for wo in completed:
        w = work_order_trace(sample_engine, wo)
        total = w["rollup"].set_index("component").loc["total"]
        assert total.standard_amount == pytest.approx(w["completion"]["finished_goods_amount"], abs=0.001), wo
        assert total.variance_amount == pytest.approx(w["completion"]["variance_amount"], abs=0.001), wo


def test_work_order_search_matches_wildcards_as_typed(linked):
    def found(text):
        return sorted(L.search_work_orders(linked, SCOPE, text).work_order_id)

    both = found("")
    assert both == ["WO-A", "WO-B"]
    assert found("wo-") == both and found("WO-b") == ["WO-B"]
    assert found("WO_") == [] and found("%") == [] and found("_") == []  # "_" and "%" are not wildcards here
    assert found("WO-A\x00") == ["WO-A"]


def test_work_order_search_by_product_and_by_the_digits_of_a_number(linked):
    """The products matched first (by id or name, in any case) bring all their orders; a
    number's digits and dashes are matched as typed before the case-insensitive match, so
    "wo-a" still finds WO-A and a run of digits no number holds finds nothing."""
    def found(text):
        return sorted(L.search_work_orders(linked, SCOPE, text).work_order_id)

    assert found("fg1") == ["WO-A", "WO-B"] and found("球阀") == ["WO-A", "WO-B"]  # the product's id, its name
    assert found("wo-a") == ["WO-A"] and found("o-B") == ["WO-B"]
    assert found("WO-A 1") == [] and found("-") == ["WO-A", "WO-B"]
    assert L._letterless(" WO-2026-142629 ") == "-2026-142629" and L._letterless("WO") == ""
    assert L._letterless("a1-2b3456") == "3456" and L._letterless("a12b34") == "12"  # the longest run, the first of equals


def test_work_order_ledger_is_the_joined_lines_in_date_voucher_line_order(sample_engine, small_sample):
    """The order's lines and their vouchers are read in two lookups and joined in pandas: the
    same rows, columns and order as the one joined statement they replace (written out here),
    on orders whose lines span several dates, and nothing for an order without lines."""
    import sqlalchemy as sa
    from data_loaders import schema as s
    from data_loaders.engine import read_frame

    vl, v = s.voucher_lines, s.vouchers
    lines = small_sample["voucher_lines"].merge(small_sample["vouchers"][["voucher_no", "voucher_date"]], on="voucher_no")
    dated = lines.dropna(subset=["work_order_id"]).groupby("work_order_id").voucher_date.nunique()
    orders = sorted(dated[dated >= 3].index)[:5]
    assert len(orders) == 5
    for wo in orders:
        joined = (L._lines_select().add_columns(v.c.voucher_date, v.c.voucher_type, v.c.description, v.c.voucher_no.label("_voucher"))
                  .outerjoin(v, v.c.voucher_no == vl.c.voucher_no).where(vl.c.work_order_id == wo)
                  .order_by(v.c.voucher_date, vl.c.voucher_no, vl.c.line_no))
        expected = L._matched(read_frame(sample_engine, joined), "_account", "_voucher")
        got = L.load_work_order_ledger(sample_engine, wo)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
        assert got.voucher_date.is_monotonic_increasing and len(got) == (lines.work_order_id == wo).sum()
    empty = L.load_work_order_ledger(sample_engine, "NO-SUCH-ORDER")
    assert empty.empty and list(empty.columns) == list(got.columns)


def test_work_order_ledger_joined_in_sql_is_the_two_lookups_frame(sample_engine, small_sample, monkeypatch):
    """DuckDB 1.5 reads an order's ledger in one joined statement (``_joins_by_key``), the other
    databases in two lookups joined in pandas: on every database both give the same frame, dtypes
    included, for orders with lines on several dates and vouchers and for an order without lines."""
    lines = small_sample["voucher_lines"].dropna(subset=["work_order_id"])
    per_order = lines.groupby("work_order_id").voucher_no.nunique()
    orders = list(per_order.sort_values(ascending=False, kind="stable").index[:4]) + ["NO-SUCH-ORDER"]
    for wo in orders:
        frames = []
        for joined in (True, False):
            monkeypatch.setattr(L, "_joins_by_key", lambda _bind, joined=joined: joined)
            frames.append(L.load_work_order_ledger(sample_engine, wo))
        pd.testing.assert_frame_equal(*frames, check_exact=True)
        assert list(frames[0].dtypes) == list(frames[1].dtypes)
        assert [type(frames[0][c].array) for c in frames[0]] == [type(frames[1][c].array) for c in frames[1]]
    assert frames[0].empty and len(per_order) and per_order.max() >= 3


def test_work_order_materials_statement_is_built_once_and_bound_per_order(linked):
    """The materials' statement is built once with the order as a bound parameter: one order after
    another reads each its own (WO-A: 22 - 2 kg at 5.50 = 110.00; WO-B: its one issue, 25.00), and
    an unknown order none, with the summed columns as floats."""
    first = L.load_work_order_materials(linked, "WO-A")
    assert first.actual_amount.sum() == 110.00 and first.n_moves.sum() == 2.0
    assert L.load_work_order_materials(linked, "WO-B").actual_amount.sum() == 25.00
    pd.testing.assert_frame_equal(L.load_work_order_materials(linked, "WO-A"), first, check_exact=True)
    pd.testing.assert_frame_equal(L.load_work_order_materials(linked, "WO-A", "FG1"), first, check_exact=True)  # the BOM by its product
    none = L.load_work_order_materials(linked, "NO-SUCH-ORDER")
    assert none.empty and (none[["qty_per_unit", "issued_qty", "returned_qty", "actual_amount", "n_moves"]].dtypes == float).all()


def test_key_lists_longer_than_one_in_list_are_read_in_chunks(sample_engine, small_sample, monkeypatch):
    """An order's vouchers and a voucher's source documents are looked up by IN lists of at most
    ``engine.IN_CHUNK`` keys (a database limits a statement's parameters: SQLite 32,766,
    PostgreSQL 65,535): with one key per list, the same rows as with one list."""
    import sqlalchemy as sa

    from data_loaders import engine as E

    lines = small_sample["voucher_lines"]
    per_order = lines.dropna(subset=["work_order_id"]).groupby("work_order_id").voucher_no.nunique()
    wo = per_order.idxmax()
    assert per_order[wo] >= 3  # several vouchers: several lists below
    issues = sorted(lines.loc[lines.source_doc_type == "material_issue", "source_doc_id"].dropna().unique())[:7]
    whole = L.load_work_order_ledger(sample_engine, wo)
    docs = L.load_source_documents(sample_engine, "material_issue", issues + ["NO-SUCH-ISSUE"])
    assert len(docs) == len(issues) == 7
    monkeypatch.setattr(E, "IN_CHUNK", 1)
    statements = []

    def count(_conn, _cursor, statement, *_):
        statements.append(statement)

    sa.event.listen(sample_engine, "before_cursor_execute", count)
    try:
        pd.testing.assert_frame_equal(L.load_work_order_ledger(sample_engine, wo), whole)
        n_ledger = len(statements)
        chunked = L.load_source_documents(sample_engine, "material_issue", issues + ["NO-SUCH-ISSUE"])
    finally:
        sa.event.remove(sample_engine, "before_cursor_execute", count)
    assert n_ledger == (1 if L._joins_by_key(sample_engine) else 1 + per_order[wo])  # joined; else the lines, then one per voucher
    assert len(statements) - n_ledger == 8  # one per document number
    key = L.SOURCE_KEYS["material_issue"]
    pd.testing.assert_frame_equal(chunked.sort_values(key, ignore_index=True), docs.sort_values(key, ignore_index=True))
    assert L.load_source_documents(sample_engine, "material_issue", []).empty
