"""Production facts (data_loaders/facts_production.py): output summed per day x plant x family,
by hand on a tiny plant and equal to the base query on the sample, on every database."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from analytics.ledger import compute_production_monthly
from data_loaders import engine as eng
from data_loaders import facts
from data_loaders import queries as q
from data_loaders import schema as s
from data_loaders.build import load_into
from data_loaders.engine import read_frame
from data_loaders.facts_production import facts_production_daily
from data_loaders.scope import Scope


def _qty(frame: pd.DataFrame) -> pd.DataFrame:
    """Quantities to the thousandth (SQLite sums binary floats), rows in key order."""
    out = frame.copy()
    for c in ("good_qty", "scrap_qty"):
        out[c] = out[c].astype(float).round(3) + 0.0
    out["count_date"] = pd.to_datetime(out.count_date)
    return out.sort_values(["count_date", "plant_id", "family"]).reset_index(drop=True)


def _tiny() -> dict[str, pd.DataFrame]:
    plants = pd.DataFrame({"plant_id": ["P1", "P2"], "plant_name": ["Plant 1", "Plant 2"], "currency": ["CNY", "CNY"]})
    products = pd.DataFrame({"product_id": ["V1", "V2", "M1"], "product_name": ["Valve", "Valve L", "Motor"],
                             "family": ["Valves", "Valves", "Motors"], "unit": ["pcs"] * 3, "std_material_cost": [1.0] * 3,
                             "std_labor_cost": [1.0] * 3, "std_overhead_cost": [1.0] * 3, "list_price": [5.0] * 3})
    centers = pd.DataFrame({"work_center_id": ["W1", "W2"], "work_center_name": ["Line 1", "Line 2"], "plant_id": ["P1", "P2"],
                            "machine_rate_per_h": [60.0, 60.0], "labor_rate_per_h": [30.0, 30.0], "overhead_rate_per_h": [20.0, 20.0],
                            "is_bottleneck": [0, 0]})
    d = dt.date
    orders = pd.DataFrame([("WO1", "P1", "V1", "W1"), ("WO2", "P1", "V2", "W1"), ("WO3", "P1", "M1", "W1"), ("WO4", "P2", "V1", "W2")],
                          columns=["work_order_id", "plant_id", "product_id", "work_center_id"]).assign(
        planned_qty=100.0, completed_qty=0.0, scrap_qty=0.0, planned_start_date=d(2026, 1, 5), planned_end_date=d(2026, 2, 5),
        status="in_progress")
    output = pd.DataFrame([  # id, order, work center, day, good, scrap
        ("O1", "WO1", "W1", d(2026, 1, 30), 10.5, 1.0),
        ("O2", "WO2", "W1", d(2026, 1, 30), 4.25, 0.5),   # same day, plant and family as O1: one row
        ("O3", "WO3", "W1", d(2026, 1, 30), 7.0, 0.0),    # another family
        ("O4", "WO1", "W1", d(2026, 2, 2), 3.0, 2.0),     # another day and month
        ("O5", "WO4", "W2", d(2026, 1, 30), 8.0, 0.125),  # another plant
    ], columns=["output_id", "work_order_id", "work_center_id", "count_date", "good_qty", "scrap_qty"]).assign(rework_qty=0.0)
    info = pd.DataFrame({"info_key": ["as_of_date"], "info_value": ["2026-02-15"]})
    return {"plants": plants, "products": products, "work_centers": centers, "work_orders": orders, "output_counts": output,
            "dataset_info": info}


@pytest.fixture
def tiny(empty_url, made_once):
    # stamps a data version and derives the facts, as a build does (made once per kind of file, then copied)
    made_once(empty_url, "facts_production.tiny", lambda url: load_into(url, _tiny()))
    engine = eng.make_engine(empty_url)
    yield engine
    engine.dispose()


def test_daily_facts_by_hand(tiny):
    assert facts.ready(tiny)
    rows = read_frame(tiny, sa.select(facts_production_daily))
    rows = _qty(rows).astype({"n_records": int})
    got = {(r.count_date.date().isoformat(), r.plant_id, r.family): (r.good_qty, r.scrap_qty, r.n_records, r.period)
           for r in rows.itertuples()}
    assert got == {
        ("2026-01-30", "P1", "Valves"): (10.5 + 4.25, 1.0 + 0.5, 2, "2026-01"),
        ("2026-01-30", "P1", "Motors"): (7.0, 0.0, 1, "2026-01"),
        ("2026-02-02", "P1", "Valves"): (3.0, 2.0, 1, "2026-02"),
        ("2026-01-30", "P2", "Valves"): (8.0, 0.125, 1, "2026-01"),
    }
    # January's valves over both plants: good 10.5 + 4.25 + 8 = 22.75, scrap 1 + 0.5 + 0.125 = 1.625
    monthly = compute_production_monthly(q.load_production_daily(tiny, Scope("2026-01", "2026-01"), use_facts=True))
    valves = monthly[monthly.family == "Valves"].iloc[0]
    assert (round(float(valves.good_qty), 3), round(float(valves.scrap_qty), 3)) == (22.75, 1.625)


@pytest.mark.parametrize("scope", [Scope(), Scope("2026-01", "2026-01"), Scope("2026-02", None), Scope(plants=("P2",)),
                                   Scope(families=("Motors",)), Scope("2026-01", "2026-02", ("P1",), ("Valves",))],
                         ids=["all", "january", "from-february", "plant-P2", "motors", "P1-valves"])
def test_tiny_fast_equals_base(tiny, scope):
    fast, base = q.load_production_daily(tiny, scope, use_facts=True), q.load_production_daily(tiny, scope, use_facts=False)
    pd.testing.assert_frame_equal(_qty(fast), _qty(base))


def test_sample_fast_equals_base(sample_engine):
    assert facts.ready(sample_engine)
    plants = sorted(read_frame(sample_engine, sa.select(s.plants.c.plant_id)).plant_id)
    family = read_frame(sample_engine, sa.select(s.products.c.family).limit(1)).family.iloc[0]
    last = read_frame(sample_engine, sa.select(sa.func.max(s.output_counts.c.count_date).label("d"))).d.iloc[0]
    month = pd.Timestamp(last).strftime("%Y-%m")
    for scope in (Scope(), Scope(month, month), Scope(plants=(plants[-1],)), Scope(None, month, families=(family,))):
        fast, base = q.load_production_daily(sample_engine, scope), q.load_production_daily(sample_engine, scope, use_facts=False)
        assert len(base) > 0, scope
        pd.testing.assert_frame_equal(_qty(fast), _qty(base))
