"""Material issue facts (``data_loaders/facts_materials.py``): each row is its work order x
material's issues grouped (first issue, whole days after the planned start, value issued), and
the late materials warning's rows (``data_loaders.warnings.load_material_needs`` with
``late_only``) are the same from the facts as from the issues, on every database."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from data_loaders import engine as eng
from data_loaders import facts
from data_loaders import facts_materials as FM
from data_loaders import schema as s
from data_loaders import warnings as D
from data_loaders.scope import Scope
from analytics.warnings import WarningSettings, compute_late_material_warnings
from tests.conftest import namespace_url, refreshed_engine
from tests.test_warnings import problem_frames

SCOPES = (("2025-12", "2026-11"), ("2026-11", "2026-11"), ("2026-12", "2026-12"), ("2026-06", "2026-08"))


def test_rows_are_the_issues_grouped(sample_engine):
    assert facts.ready(sample_engine)
    rows = eng.read_frame(sample_engine, sa.select(FM.order_material_issues)).sort_values(["work_order_id", "material_id"])
    issues = eng.read_frame(sample_engine, sa.select(s.material_issues))
    orders = eng.read_frame(sample_engine, sa.select(s.work_orders.c.work_order_id, s.work_orders.c.planned_start_date))
    issues = issues[issues.issue_type == "issue"].merge(orders, on="work_order_id")
    # round(qty x unit_cost, 2) as the database rounds decimals: half away from zero
    issues["value"] = [float((Decimal(str(q)) * Decimal(str(c))).quantize(Decimal("0.01"), ROUND_HALF_UP))
                       for q, c in zip(issues.qty, issues.unit_cost)]
    want = (issues.groupby(["work_order_id", "material_id"], as_index=False)
            .agg(first_issue_date=("issue_date", "min"), issued_amount=("value", "sum"), planned_start_date=("planned_start_date", "first")))
    assert len(rows) == len(want) > 100
    got = rows.reset_index(drop=True)
    start, first = pd.to_datetime(want.planned_start_date), pd.to_datetime(want.first_issue_date)
    assert list(got.work_order_id) == list(want.work_order_id) and list(got.material_id) == list(want.material_id)
    assert list(got.period) == list(start.dt.strftime("%Y-%m"))
    assert (pd.to_datetime(got.first_issue_date) == first).all()
    assert list(got.issue_lag_days.astype(int)) == list((first - start).dt.days)
    assert np.abs(got.issued_amount.astype(float).to_numpy() - want.issued_amount.to_numpy()).max() < 0.005  # to the cent
    assert (got.issue_lag_days > 0).any() and (got.issue_lag_days <= 0).any()  # both kinds of pairs occur


@pytest.mark.parametrize("late_days", [0, 2, 5])
def test_material_needs_from_facts_equal_the_issues(sample_engine, late_days):
    families = eng.read_frame(sample_engine, sa.select(s.products.c.family).distinct().order_by(s.products.c.family)).family
    scopes = [Scope(a, b) for a, b in SCOPES] + [Scope("2025-12", "2026-11", ("P2",)), Scope("2026-01", "2026-12", (), (families[0],))]
    seen = 0
    for scope in scopes:
        old = D.load_material_needs(sample_engine, scope, True, late_days, use_facts=False)
        new = D.load_material_needs(sample_engine, scope, True, late_days, use_facts=True)
        assert len(new) == len(old), scope
        pd.testing.assert_frame_equal(new.drop(columns="issued_amount"), old.drop(columns="issued_amount"), check_exact=True)
        assert np.allclose(new.issued_amount.fillna(-1), old.issued_amount.fillna(-1), rtol=0, atol=0.005)  # to the cent
        seen += len(new)
    if late_days == 0:
        assert seen > 0  # issued late (the sample has no order waiting for one: the hand-built plant below has)


def test_material_needs_use_the_facts_when_fresh(sample_engine, monkeypatch):
    called = []
    monkeypatch.setattr(D, "_material_needs_from_facts", lambda *a: called.append(a) or pd.DataFrame())
    D.load_material_needs(sample_engine, Scope("2026-11", "2026-11"), True, 2)
    assert len(called) == 1
    D.load_material_needs(sample_engine, Scope("2026-11", "2026-11"), False, 2)  # every row: the issues themselves
    assert len(called) == 1


@pytest.fixture(scope="module")
def problems_with_facts(backend, tmp_path_factory):
    """The warnings' hand-built plant month (tests/test_warnings.py) with its facts derived."""
    url = namespace_url(backend, "mf_problems", tmp_path_factory.mktemp(f"mf_problems_{backend}"))
    engine = eng.make_engine(url)
    eng.create_schema(engine)
    engine.dispose()
    yield from refreshed_engine(url, problem_frames())


def test_hand_built_late_materials_from_facts(problems_with_facts):
    """WO-C (P1): its 4 x 5.50 = 22.00 issued on 03-07, five days after its planned start; WO-D
    (P2, planned, never issued): the plant's open order of 100 x 5.50 = 550.00 expected 03-25,
    five days after its start on 03-20; WO-A and WO-B issued on their start day."""
    engine = problems_with_facts  # its facts are derived (no data version stamped: read them by asking)
    scope = Scope("2026-03", "2026-03")
    for days in (0, 4):
        new = D.load_material_needs(engine, scope, True, days, use_facts=True)
        pd.testing.assert_frame_equal(new, D.load_material_needs(engine, scope, True, days, use_facts=False), check_exact=True)
        assert list(new.work_order_id) == ["WO-C", "WO-D"]
        assert list(new.issued_amount.fillna(0)) == [22.00, 0.0] and list(new.po_amount.fillna(0)) == [0.0, 550.00]
        assert new.first_issue_date.isna().tolist() == [False, True]
    assert D.load_material_needs(engine, scope, True, 5, use_facts=True).work_order_id.tolist() == ["WO-D"]  # 5 days: not late
    items = compute_late_material_warnings(D.load_material_needs(engine, scope, True, 2, use_facts=True), WarningSettings())
    assert [(i["subject"]["work_order_id"], i["amount"], i["params"]["late_days"]) for i in items] == [("WO-C", 22.00, 5), ("WO-D", 550.00, 5)]
