"""The overview's warning rules and working capital computed at once (session 12, h-warn) give
what the row-by-row versions gave: the same items (dicts equal, keys in the same order, the same
JSON), the same frames to the bit. The previous versions are kept here as the reference; every
case runs on hand-built frames with the edges (missing and infinite values, missing keys, a
plant without every month, an empty plant code) and on the sample on every database."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analytics import warnings as A
from analytics import working_capital as W
from analytics.profitability import compute_variance_summary
from analytics.warnings import WarningSettings, finite, item
from data_loaders import cash as C
from data_loaders import warnings as D
from data_loaders.scope import Scope
from reports import cash as RC
from reports import cockpit as RK
from reports.profitability import DIMENSIONS


# --------------------------------------------------------------------------- the previous versions
def old_variance_warnings(by_product: pd.DataFrame, settings: WarningSettings) -> list[dict]:
    out = []
    if by_product is None or by_product.empty:
        return out
    for r in by_product.itertuples(index=False):
        rate = finite(r.variance_rate_pct)
        if rate is None or rate <= settings.variance_target or r.variance_amount <= 0:
            continue
        severity = "critical" if rate > settings.variance_critical else "warning"
        out.append(item("cost_variance", severity, r.variance_amount, "variance.rate_over_target", {"product_id": r.product_id},
                        {"product_id": r.product_id, "product": r.product_name, "variance_rate_pct": rate,
                         "target_pct": settings.variance_target, "variance_amount": r.variance_amount},
                        "profitability", {"product": r.product_id}))
    return out


def old_occupation_warnings(balances: pd.DataFrame, month: str, settings: WarningSettings) -> list[dict]:
    out = []
    if balances is None or balances.empty:
        return out
    months = [str(p) for p in pd.period_range(end=pd.Period(month, freq="M"), periods=settings.occupation_norm_months + 1, freq="M")]
    for plant, rows in balances.groupby("plant_id", sort=True):
        rows = rows.set_index("period")
        if not all(m in rows.index for m in months):
            continue
        for column, what, page in (("wip_amount", "wip", "reconciliation"), ("stock_amount", "stock", "cash")):
            now = float(rows.at[month, column])
            norm = float(rows.loc[months[:-1], column].median())
            if norm <= 0 or now <= norm * (1 + settings.occupation_excess_pct):
                continue
            out.append(item("fund_occupation", "warning", now - norm, f"occupation.{what}_above_norm",
                            {"plant_id": plant or None, "what": what, "period": month},
                            {"plant_id": plant, "what": what, "period": month, "balance_amount": now, "norm_amount": norm,
                             "excess_pct": now / norm - 1, "n_months": settings.occupation_norm_months},
                            page, {"month": month, "plant": plant or None}))
    return out


def old_working_capital(months: pd.DataFrame, basis: str = "month", day_count: str = "actual", balance: str = "closing",
                        sales_basis: str = "revenue") -> pd.DataFrame:
    cols = ["period", "basis", "day_count", "balance", "sales_basis", "first_month", "last_month", "n_months", "is_complete", "days",
            "receivables_amount", "inventory_amount", "payables_amount", "sales_amount", "revenue_amount", "cost_of_sales_amount",
            "dso_days", "dio_days", "dpo_days", "ccc_days", "receivables_source", "payables_source"]
    if months.empty:
        return pd.DataFrame(columns=cols)
    m = months.sort_values("period").assign(bucket=lambda f: [W.period_label(p, basis) for p in f.period])
    size = {"month": 1, "quarter": 3, "year": 12}[basis]
    rows = []
    for bucket, part in m.groupby("bucket", sort=True):
        first, last = part.iloc[0], part.iloc[-1]
        row = {"period": bucket, "basis": basis, "day_count": day_count, "balance": balance, "sales_basis": sales_basis,
               "first_month": first.period, "last_month": last.period, "n_months": len(part), "is_complete": len(part) == size,
               "days": W.period_days(part.period, day_count)}
        for s in W.STOCKS:
            closing = float(last[f"{s}_amount"])
            row[f"{s}_amount"] = closing if balance == "closing" else (float(first[f"{s}_opening_amount"]) + closing) / 2
        row["revenue_amount"] = float(part.revenue_amount.sum())
        row["sales_amount"] = float(part[f"{sales_basis}_amount"].sum())
        row["cost_of_sales_amount"] = float(part.cost_of_sales_amount.sum())
        row["receivables_source"], row["payables_source"] = last.receivables_source, last.payables_source
        rows.append(row)
    out = pd.DataFrame(rows)

    def per_day(stock, flow):
        return np.where(flow > 0, stock / np.where(flow > 0, flow, 1) * out.days, np.nan)

    out["dso_days"] = per_day(out.receivables_amount, out.sales_amount)
    out["dio_days"] = per_day(out.inventory_amount, out.cost_of_sales_amount)
    out["dpo_days"] = per_day(out.payables_amount, out.cost_of_sales_amount)
    out["ccc_days"] = out.dso_days + out.dio_days - out.dpo_days
    money = [c for c in out.columns if c.endswith("_amount")]
    out[money] = out[money].astype(float).round(2)
    return out[cols]


def old_ledger_months(ledger: pd.DataFrame) -> pd.DataFrame:
    d = ledger.copy()
    if "plant_id" not in d:
        d["plant_id"] = None
    d["plant_id"] = d.plant_id.fillna("")
    opening = d.is_opening.astype(bool) if "is_opening" in d else pd.Series(False, index=d.index)
    d["net"] = d.debit_amount.astype(float) - d.credit_amount.astype(float)
    d["stock"] = d.category.replace({c: "inventory" for c in W.INVENTORY})
    cols = ["receivables", "inventory", "payables", "revenue", "cost_of_sales"]
    move = d.pivot_table(index=["plant_id", "period"], columns="stock", values="net", aggfunc="sum", fill_value=0.0)
    move = move.reindex(columns=cols, fill_value=0.0)
    months = W._all_months(move.index)
    move = move.reindex(months, fill_value=0.0)
    flow = d[~opening].pivot_table(index=["plant_id", "period"], columns="stock", values="net", aggfunc="sum", fill_value=0.0)
    flow = flow.reindex(columns=cols, fill_value=0.0).reindex(months, fill_value=0.0)
    credit = d[(d.category == "receivables") & ~opening].groupby(["plant_id", "period"]).debit_amount.sum().astype(float)
    out = pd.DataFrame(index=months)
    sign = {"receivables": 1.0, "inventory": 1.0, "payables": -1.0}
    for s in W.STOCKS:
        closing = move[s].groupby(level="plant_id").cumsum() * sign[s]
        out[f"{s}_amount"] = closing
        out[f"{s}_opening_amount"] = closing - flow[s] * sign[s]
    out["revenue_amount"] = -move.revenue
    out["credit_sales_amount"] = credit.reindex(months, fill_value=0.0)
    out["cost_of_sales_amount"] = move.cost_of_sales
    out["receivables_source"] = out["payables_source"] = "ledger"
    return out.reset_index()


def old_balances(ledger: pd.DataFrame) -> pd.DataFrame:
    cols = ["plant_id", "period", "wip_amount", "stock_amount"]
    if ledger is None or ledger.empty:
        return pd.DataFrame(columns=cols)
    d = ledger[ledger.category.isin(("wip", "raw_materials", "finished_goods"))].copy()
    if d.empty:
        return pd.DataFrame(columns=cols)
    d["plant_id"] = d.plant_id.fillna("")
    d["what"] = np.where(d.category == "wip", "wip_amount", "stock_amount")
    d["net"] = d.debit_amount.astype(float) - d.credit_amount.astype(float)
    move = d.pivot_table(index=["plant_id", "period"], columns="what", values="net", aggfunc="sum", fill_value=0.0)
    move = move.reindex(columns=["wip_amount", "stock_amount"], fill_value=0.0)
    pairs = []
    last = max(move.index.get_level_values("period"))
    for plant, first in move.reset_index().groupby("plant_id").period.min().items():
        pairs += [(plant, str(p)) for p in pd.period_range(first, last, freq="M")]
    move = move.reindex(pd.MultiIndex.from_tuples(pairs, names=["plant_id", "period"]), fill_value=0.0)
    return move.groupby(level="plant_id").cumsum().round(2).reset_index()[cols]


def same_items(new: list[dict], old: list[dict]) -> None:
    assert new == old
    assert json.dumps(new, ensure_ascii=False) == json.dumps(old, ensure_ascii=False)  # keys in the same order


def same_frame(new: pd.DataFrame, old: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    assert list(new.dtypes) == list(old.dtypes)


# --------------------------------------------------------------------------- cost variance
def _variances(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Work-order variance rows with cents, repeated keys, a product under two names and a missing key."""
    products = np.array(["P01", "P02", "P03", "P10", "P2", "Q1"], dtype=object)
    pid = rng.choice(products, n)
    frame = pd.DataFrame({"product_id": pd.array(pid, dtype="str"),
                          "product_name": pd.array([f"name {p}" for p in pid], dtype="str"),
                          "family": pd.array(rng.choice(["F1", "F2"], n), dtype="str")})
    frame.loc[frame.product_id == "Q1", "product_name"] = "other name"
    frame.loc[rng.random(n) < 0.05, "family"] = np.nan  # a missing key: left out, as a groupby leaves it
    standard = np.round(rng.uniform(10, 5000, n), 2)
    actual = np.round(standard * rng.uniform(0.9, 1.2, n), 2)
    frame["actual_amount"], frame["standard_amount"] = actual, standard
    frame["variance_amount"] = np.round(actual - standard, 2)
    for name in ("good_qty", "scrap_qty"):
        frame[name] = np.round(rng.uniform(0, 100, n), 3)
    for name in ("material_price", "material_usage", "material_scrap", "labor_rate", "labor_efficiency", "labor_scrap",
                 "overhead_efficiency", "overhead_scrap"):
        frame[f"{name}_amount"] = np.round(rng.normal(0, 30, n), 2)
    return frame


@pytest.mark.parametrize("seed", range(6))
def test_variance_rates_are_the_summary_columns(seed):
    rng = np.random.default_rng(seed)
    v = _variances(rng, 400)
    if seed == 1:
        v.loc[v.index[:7], "actual_amount"] = np.nan  # a missing value adds nothing
    if seed == 2:
        v.loc[v.product_id == "P03", "standard_amount"] = 0.0  # no standard: no rate
    summary = compute_variance_summary(v, DIMENSIONS["product"])
    rates = A.compute_variance_rates(v, DIMENSIONS["product"])
    same_frame(rates, summary[list(rates.columns)].reset_index(drop=True))
    for settings in (WarningSettings(), WarningSettings(variance_target=0.0, variance_critical=0.05),
                     WarningSettings(variance_target=0.5, variance_critical=0.5)):
        same_items(A.compute_variance_warnings(rates, settings), old_variance_warnings(summary, settings))


def test_variance_items_on_edges():
    """Rates missing, infinite, at the target and at the critical limit; a favorable and a missing
    variance; a missing name; an empty frame."""
    by_product = pd.DataFrame({"product_id": ["A", "B", "C", "D", "E", "F", "G", "H"],
                               "product_name": ["a", None, "c", "d", "e", "f", np.nan, "h"],
                               "variance_amount": [10.005, 20.0, -5.0, np.nan, 7.0, 8.0, 9.0, 1e-9],
                               "variance_rate_pct": [0.5, np.inf, 0.5, 0.3, 0.02, 0.10, np.nan, 0.021]})
    settings = WarningSettings()
    same_items(A.compute_variance_warnings(by_product, settings), old_variance_warnings(by_product, settings))
    assert [i["subject"]["product_id"] for i in A.compute_variance_warnings(by_product, settings)] == ["A", "D", "F", "H"]
    assert A.compute_variance_warnings(by_product.iloc[:0], settings) == [] == A.compute_variance_warnings(None, settings)
    # by hand: A 10.005 -> 10.01 at stake (Python's round of the float 10.005 is 10.0: the float is below the half cent)
    first = A.compute_variance_warnings(by_product, settings)[0]
    assert first["amount"] == round(10.005, 2) and first["severity"] == "critical" and first["params"]["product"] == "a"


@pytest.mark.parametrize("scope", [Scope("2026-10", "2026-10"), Scope("2026-06", "2026-10"), Scope("2026-09", "2026-09", ("P1",))],
                         ids=["2026-10", "2026-06..10", "2026-09-P1"])
def test_variance_items_on_the_sample_on_every_database(sample_engine, scope):
    v = RK.profit_parts(sample_engine, scope)["variances"]
    summary = compute_variance_summary(v, DIMENSIONS["product"])
    rates = A.compute_variance_rates(v, DIMENSIONS["product"])
    same_frame(rates, summary[list(rates.columns)].reset_index(drop=True))
    items = A.compute_variance_warnings(rates, WarningSettings())
    same_items(items, old_variance_warnings(summary, WarningSettings()))
    assert items  # the sample's resin products are over the target


# --------------------------------------------------------------------------- fund occupation
def _balances(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for plant, first in (("", "2025-09"), ("P1", "2025-10"), ("P2", "2026-03"), ("P3", "2025-08")):
        for p in pd.period_range(first, "2026-07", freq="M"):
            if plant == "P3" and str(p) == "2026-02":
                continue  # a month missing: P3 is not judged
            rows.append({"plant_id": plant, "period": str(p), "wip_amount": float(np.round(rng.uniform(-50, 1000), 2)),
                         "stock_amount": float(np.round(rng.uniform(0, 1000), 2))})
    frame = pd.DataFrame(rows)
    return frame.sample(frac=1, random_state=int(rng.integers(1000))).reset_index(drop=True)  # any row order


@pytest.mark.parametrize("seed", range(8))
def test_occupation_items_are_the_per_plant_ones(seed):
    rng = np.random.default_rng(seed)
    balances = _balances(rng)
    for month in ("2026-07", "2026-04", "2026-01", "2025-12"):
        for settings in (WarningSettings(), WarningSettings(occupation_excess_pct=0.0), WarningSettings(occupation_norm_months=3),
                         WarningSettings(occupation_norm_months=5, occupation_excess_pct=-0.9)):
            same_items(A.compute_occupation_warnings(balances, month, settings), old_occupation_warnings(balances, month, settings))


def test_occupation_by_hand():
    """P1's WIP: six month ends 100, 100, 200, 300, 300, 300 (median 250), then 400: 60 % above
    the norm, 150.00 at stake; its stock at the norm is no warning; P2 lacks a month."""
    months = [str(p) for p in pd.period_range("2026-01", "2026-07", freq="M")]
    balances = pd.DataFrame({"plant_id": ["P1"] * 7 + ["P2"] * 6, "period": months + months[1:],
                             "wip_amount": [100.0, 100.0, 200.0, 300.0, 300.0, 300.0, 400.0] + [1.0] * 5 + [9.0],
                             "stock_amount": [50.0] * 7 + [1.0] * 5 + [9.0]})
    (wip,) = A.compute_occupation_warnings(balances, "2026-07", WarningSettings())
    assert wip["subject"] == {"plant_id": "P1", "what": "wip", "period": "2026-07"} and wip["amount"] == 150.00
    assert wip["params"]["norm_amount"] == 250.0 and wip["params"]["excess_pct"] == pytest.approx(0.6)
    same_items([wip], old_occupation_warnings(balances, "2026-07", WarningSettings()))
    assert A.compute_occupation_warnings(balances.iloc[:0], "2026-07", WarningSettings()) == []


def test_occupation_on_the_sample_on_every_database(sample_engine):
    balances = A.compute_balances(C.load_working_capital_ledger(sample_engine, Scope()))
    for month in ("2026-10", "2026-06"):
        same_items(A.compute_occupation_warnings(balances, month, WarningSettings(occupation_excess_pct=0.0)),
                   old_occupation_warnings(balances, month, WarningSettings(occupation_excess_pct=0.0)))


# --------------------------------------------------------------------------- working capital by month
SETTINGS = [(b, d, bal, s) for b in W.BASES for d in W.DAY_COUNTS for bal in W.BALANCES for s in W.SALES_BASES]


def _months(rng: np.random.Generator) -> pd.DataFrame:
    periods = [str(p) for p in pd.period_range("2024-11", "2026-04", freq="M")]
    frame = pd.DataFrame({"period": periods})
    for c in W.MONTHLY_COLUMNS:
        if c.endswith("_amount"):
            frame[c] = np.round(rng.uniform(-100, 10_000, len(periods)), 2)
    frame.loc[frame.index % 5 == 0, "revenue_amount"] = np.nan  # a missing flow: 0 in the period's sum
    frame.loc[frame.index % 7 == 0, "cost_of_sales_amount"] = 0.0  # no flow: no days
    frame["receivables_source"] = np.where(frame.index % 2, "ledger", "documents")
    frame["payables_source"] = "mixed"
    return frame.sample(frac=1, random_state=1).reset_index(drop=True)


@pytest.mark.parametrize("basis,day_count,balance,sales_basis", SETTINGS)
def test_working_capital_is_the_per_period_loops(basis, day_count, balance, sales_basis):
    months = _months(np.random.default_rng(0))
    same_frame(W.compute_working_capital(months, basis, day_count, balance, sales_basis),
               old_working_capital(months, basis, day_count, balance, sales_basis))
    twice = pd.concat([months, months.iloc[:2]], ignore_index=True)  # a month twice: the loop decides, as before
    same_frame(W.compute_working_capital(twice, basis, day_count, balance, sales_basis),
               old_working_capital(twice, basis, day_count, balance, sales_basis))


def test_working_capital_by_hand():
    """May 2026, 31 days: receivables 31,000 on revenue 62,000: DSO 15.5; no cost of sales: no DIO."""
    months = pd.DataFrame({"period": ["2026-05"], "receivables_opening_amount": [0.0], "inventory_opening_amount": [0.0],
                           "payables_opening_amount": [0.0], "receivables_amount": [31_000.0], "inventory_amount": [5.0],
                           "payables_amount": [7.0], "revenue_amount": [62_000.0], "credit_sales_amount": [0.0],
                           "cost_of_sales_amount": [0.0], "receivables_source": ["ledger"], "payables_source": ["ledger"]})
    (row,) = W.compute_working_capital(months).to_dict(orient="records")
    assert row["dso_days"] == 15.5 and np.isnan(row["dio_days"]) and row["days"] == 31.0 and row["is_complete"]
    same_frame(W.compute_working_capital(months.iloc[:0]), old_working_capital(months.iloc[:0]))


def test_working_capital_on_the_sample_on_every_database(sample_engine):
    months = RC.cash_working_capital_months(sample_engine)
    for basis, day_count, balance, sales_basis in SETTINGS:
        same_frame(W.compute_working_capital(months, basis, day_count, balance, sales_basis),
                   old_working_capital(months, basis, day_count, balance, sales_basis))


# --------------------------------------------------------------------------- ledger months
def _ledger(rng: np.random.Generator) -> pd.DataFrame:
    """Movements per plant x month x category x opening voucher, in any order: cents that do not
    add up exactly in floats, a missing plant, a category no month reads, a missing amount."""
    rows = []
    for plant, first in (("P1", "2025-01"), ("P2", "2025-06"), (None, "2025-03")):
        for p in pd.period_range(first, "2026-02", freq="M"):
            for category in ("receivables", "payables", "raw_materials", "wip", "finished_goods", "revenue", "cost_of_sales", "cash"):
                for is_opening in ((True, False) if str(p) == first else (False,)):
                    if rng.random() < 0.15:
                        continue  # a month without that category
                    rows.append({"plant_id": plant, "period": str(p), "category": category, "is_opening": is_opening,
                                 "debit_amount": float(np.round(rng.uniform(0, 1e6), 2)),
                                 "credit_amount": float(np.round(rng.uniform(0, 1e6), 2))})
    frame = pd.DataFrame(rows).sample(frac=1, random_state=int(rng.integers(1000))).reset_index(drop=True)
    frame.loc[frame.index[:3], "debit_amount"] = np.nan
    return frame


@pytest.mark.parametrize("seed", range(8))
def test_ledger_months_are_the_pivot_tables(seed):
    ledger = _ledger(np.random.default_rng(seed))
    same_frame(W.compute_ledger_months(ledger), old_ledger_months(ledger))
    if seed == 0:
        same_frame(W.compute_ledger_months(ledger.drop(columns="is_opening")), old_ledger_months(ledger.drop(columns="is_opening")))
        same_frame(W.compute_ledger_months(ledger.drop(columns="plant_id")), old_ledger_months(ledger.drop(columns="plant_id")))
        same_frame(W.compute_ledger_months(ledger.iloc[:0]), old_ledger_months(ledger.iloc[:0]))
        same_frame(W.compute_ledger_months(ledger[ledger.plant_id == "P2"]), old_ledger_months(ledger[ledger.plant_id == "P2"]))


@pytest.mark.parametrize("seed", range(6))
def test_balances_are_the_pivot_tables(seed):
    ledger = _ledger(np.random.default_rng(seed))
    same_frame(A.compute_balances(ledger), old_balances(ledger))
    for part in (ledger[ledger.category == "wip"], ledger[ledger.category == "cash"], ledger.iloc[:0], ledger[ledger.plant_id == "P2"]):
        same_frame(A.compute_balances(part), old_balances(part))


def test_ledger_months_by_hand():
    """P1: receivables brought forward 100.10 in January (the opening voucher), invoiced 0.20 in
    January and 0.10 in March; February has no line: closing 100.30, 100.30, 100.40."""
    ledger = pd.DataFrame({"plant_id": ["P1"] * 3, "period": ["2026-01", "2026-01", "2026-03"],
                           "category": ["receivables"] * 3, "is_opening": [True, False, False],
                           "debit_amount": [100.10, 0.20, 0.10], "credit_amount": [0.0] * 3})
    months = W.compute_ledger_months(ledger)
    assert months.period.tolist() == ["2026-01", "2026-02", "2026-03"]
    assert months.receivables_amount.tolist() == [100.10 + 0.20, 100.10 + 0.20, 100.10 + 0.20 + 0.10]
    assert months.receivables_opening_amount.tolist()[0] == (100.10 + 0.20) - 0.20  # the opening voucher is not a movement
    assert months.credit_sales_amount.tolist() == [0.20, 0.0, 0.10]


def test_ledger_months_on_the_sample_on_every_database(sample_engine):
    for plants in ((), ("P1",)):
        ledger = C.load_working_capital_ledger(sample_engine, Scope(plants=plants))
        same_frame(W.compute_ledger_months(ledger), old_ledger_months(ledger))
        same_frame(A.compute_balances(ledger), old_balances(ledger))


# --------------------------------------------------------------------------- late materials
def test_late_materials_without_a_late_pair_are_the_waiting_ones(sample_engine, monkeypatch):
    """No pair is late (the facts' own check): the orders waiting for a material alone, the same
    frame as the query with both halves gave (forced here); with late pairs, both halves."""
    for scope in (Scope("2026-10", "2026-10"), Scope("2025-12", "2026-11"), Scope("2026-09", "2026-11", ("P1",))):
        for days in (0, 2, 30):
            new = D.load_material_needs(sample_engine, scope, True, days, use_facts=True)
            with monkeypatch.context() as m:
                m.setattr(D, "_any_late", lambda *a: True)
                pd.testing.assert_frame_equal(new, D.load_material_needs(sample_engine, scope, True, days, use_facts=True),
                                              check_exact=True)
            if days == 0:
                assert new.first_issue_date.notna().any()  # issued a day or more after the start
            if days == 30:
                assert new.first_issue_date.isna().all()
