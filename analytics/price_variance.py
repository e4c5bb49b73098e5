"""Material price variance on one of two bases, a documented setting (``price_variance_basis``):

* ``usage`` (default): material price variance on the quantity used, isolated when material is
  issued to a work order — (actual price − standard price) × quantity used. It is what the
  ledger's production variance (6409) holds, since materials are carried at actual cost.
* ``purchase``: purchase price variance at receipt — (supplier invoice price − standard price)
  × quantity purchased, isolated when the supplier invoices the goods (Horngren, Datar & Rajan,
  *Cost Accounting*, ch. 7: "the purchase-price variance is isolated at the time of purchase").

Sign rule: variance = actual − standard; positive is unfavorable. Each standard amount is
quantity (3 decimals) × standard price (4 decimals) rounded half up to cents once per document,
so the variance of a document is its amount − its standard amount to the cent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.money import mul_cents

PRICE_VARIANCE_BASES = ("usage", "purchase")
KEYS = ["period", "supplier_id", "material_id"]
COLUMNS = KEYS + ["qty", "actual_amount", "standard_amount", "price_variance_amount", "actual_unit_price", "std_price"]


def _cents(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float) * 100).astype(np.int64)


def compute_price_variance(documents: pd.DataFrame, basis: str) -> pd.DataFrame:
    """Price variance per period x supplier x material.

    ``documents``: one row per document with period, supplier_id, material_id, qty, amount
    (actual money) and std_price — for ``usage`` the material facts of completed orders (qty
    used, at its completion period), for ``purchase`` the supplier invoices (qty invoiced, at
    the invoice month).

    Webb Company (ch. 7): 22,200 yards bought and used at $28 against $30 -> −$44,400 (F) on
    either basis; the bases differ when purchases and usage differ.
    """
    if basis not in PRICE_VARIANCE_BASES:
        raise ValueError(f"basis must be one of {PRICE_VARIANCE_BASES}, got {basis!r}")
    d = documents[documents.material_id.notna()].copy()
    if d.empty:
        return pd.DataFrame(columns=COLUMNS + ["basis"])
    d["qty"] = d.qty.astype(float).round(3)
    d["_actual"] = _cents(d.amount)
    d["_std"] = mul_cents(d.qty, 3, d.std_price.astype(float), 4)
    g = d.groupby(KEYS, as_index=False, dropna=False).agg(qty=("qty", "sum"), _actual=("_actual", "sum"), _std=("_std", "sum"),
                                                          std_price=("std_price", "first"))
    g["actual_amount"] = g._actual / 100.0
    g["standard_amount"] = g._std / 100.0
    g["price_variance_amount"] = (g._actual - g._std) / 100.0
    g["actual_unit_price"] = np.where(g.qty != 0, g.actual_amount / g.qty.where(g.qty != 0, 1.0), np.nan).round(4)
    g["std_price"] = g.std_price.astype(float)
    return g[COLUMNS].assign(basis=basis).sort_values(KEYS).reset_index(drop=True)


def compute_price_variance_summary(variances: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Quantity, actual, standard and price variance over ``by`` with the variance rate
    (price variance ÷ standard amount)."""
    cols = ["qty", "actual_amount", "standard_amount", "price_variance_amount"]
    g = variances.groupby(by, as_index=False)[cols].sum() if by else variances[cols].sum().to_frame().T
    std = g.standard_amount.astype(float)
    g["price_variance_pct"] = np.where(std != 0, g.price_variance_amount / std.where(std != 0, 1.0), np.nan)
    g[["actual_amount", "standard_amount", "price_variance_amount"]] = g[["actual_amount", "standard_amount", "price_variance_amount"]].astype(float).round(2)
    return g.reset_index(drop=True)
