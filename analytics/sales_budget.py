"""Budget vs actual through a sales budget by product: sales price, mix, quantity and cost
variances (Horngren, Datar & Rajan, *Cost Accounting: A Managerial Emphasis*, ch. 14 — the
sales-volume variance split into sales-mix and sales-quantity), and a flexible budget by P&L line
with flexible-budget and sales-volume variances (ch. 7).

Sign rules:
* sales variances are effects on the margin: positive is favorable (raises the margin), so
  static-budget margin + price + mix + quantity + cost = actual margin, exactly;
* flexible-budget lines follow the budget pages: variance = actual − budget in natural sign
  (revenue and costs positive), favorable (F) when a revenue or margin line is over its budget
  or a cost line under it.

Per product with budget quantity Qb, price Pb and standard cost Cb (budget margin per unit
m = Pb − Cb), actual quantity Qa, net revenue Ra, cost of sales at current standard K and the
production variance V allocated to the units sold:

    sales price    = Ra − Qa × Pb
    sales quantity = (ΣQa − ΣQb) × budget mix × m
    sales mix      = ΣQa × (actual mix − budget mix) × m        (quantity + mix = (Qa − Qb) × m)
    cost           = −(K + V − Qa × Cb)  = standard-cost change −(K − Qa × Cb) + production −V

A product sold but not budgeted is budgeted at its actual price and standard cost with Qb = 0:
no price or standard-cost variance; its margin enters through mix and quantity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.money import sum_cents
from analytics.profitability import VARIANCES

SALES_VARIANCES = ("sales_price", "sales_mix", "sales_quantity", "cost")
LINES = ("revenue", "variable_costs", "contribution_margin", "fixed_costs", "operating_income")


def _div(num, den, fill=np.nan):
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    return np.where(den != 0, num / np.where(den != 0, den, 1.0), fill)


def compute_budget_by_product(sales_budget: pd.DataFrame) -> pd.DataFrame:
    """The sales budget of a span per product: Σ units, and price and standard cost per unit
    weighted by the budgeted units (their plain mean where no unit is budgeted).

    Computed exactly, on integers (units have 3 decimals, prices and costs 4, as the contract
    stores them): Σ units x price and Σ units are exact whatever order the months come in, and
    their ratio is the float nearest to the true weighted price (Python's int / int), so a price
    that is the same every month is that price to the last bit. A float sum would depend on the
    order the database returned the months in, and a budget margin on a half cent would round
    either way.

    >>> b = compute_budget_by_product(pd.DataFrame(dict(product_id=["A", "A"], budget_qty=[3.0, 7.0],
    ...     budget_price=[144.96, 144.96], budget_std_cost_per_unit=[1.0, 2.0])))
    >>> [float(x) for x in b.iloc[0, 1:]]     # (3 x 1.00 + 7 x 2.00) / 10 = 1.70
    [10.0, 144.96, 1.7]
    """
    qty = np.round(sales_budget.budget_qty.astype(float).to_numpy() * 1_000).astype(np.int64)
    price = np.round(sales_budget.budget_price.astype(float).to_numpy() * 10_000).astype(np.int64)
    cost = np.round(sales_budget.budget_std_cost_per_unit.astype(float).to_numpy() * 10_000).astype(np.int64)
    rows = _budget_rows_summed(sales_budget.product_id, qty, price, cost)
    if rows is not None:
        return pd.DataFrame(rows, columns=["product_id", "budget_qty", "budget_price", "budget_std_cost_per_unit"])
    rows = []
    for product, idx in sorted(sales_budget.groupby("product_id").indices.items()):
        q, p, c = (a[idx].tolist() for a in (qty, price, cost))  # Python ints: no overflow
        units = sum(q)
        if units:
            rows.append((product, units / 1_000, sum(map(int.__mul__, q, p)) / (units * 10_000),
                         sum(map(int.__mul__, q, c)) / (units * 10_000)))
        else:
            rows.append((product, 0.0, sum(p) / (len(p) * 10_000), sum(c) / (len(c) * 10_000)))
    return pd.DataFrame(rows, columns=["product_id", "budget_qty", "budget_price", "budget_std_cost_per_unit"])


def _budget_rows_summed(products: pd.Series, qty: np.ndarray, price: np.ndarray, cost: np.ndarray) -> list | None:
    """``compute_budget_by_product``'s rows with each product's integer sums taken in int64
    (exact while no sum can pass 2**62: checked from the largest values first; None otherwise,
    or when a product is missing), each ratio still Python's int / int."""
    codes, names = pd.factorize(products, sort=True)
    if not len(codes) or (codes < 0).any():
        return None
    counts = np.bincount(codes, minlength=len(names))
    most = int(counts.max())
    big = max(int(np.abs(qty).max()) * max(int(np.abs(price).max()), int(np.abs(cost).max()), 1), int(np.abs(price).max()),
              int(np.abs(cost).max()), int(np.abs(qty).max()))
    if big * most >= 2**62:
        return None
    order = np.argsort(codes, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    q, p, c = qty[order], price[order], cost[order]
    units, qp, qc, sp, sc = (np.add.reduceat(a, starts).tolist() for a in (q, q * p, q * c, p, c))  # Python ints
    return [(name, u / 1_000, a / (u * 10_000), b / (u * 10_000)) if u else (name, 0.0, x / (n * 10_000), y / (n * 10_000))
            for name, u, a, b, x, y, n in zip(names, units, qp, qc, sp, sc, counts.tolist())]


def compute_sales_variances(budget: pd.DataFrame, actual: pd.DataFrame) -> pd.DataFrame:
    """One row per product (budgeted or sold) with the static-budget margin, the four sales
    variances (mix and quantity also summed as sales volume; cost split into standard-cost
    change and production variance) and the actual margin. Money rounded to cents at the end.

    ``budget``: product_id, budget_qty, budget_price, budget_std_cost_per_unit (one row per
    product, see ``compute_budget_by_product``); ``actual``: product_id, qty, revenue_amount,
    std_cost_amount (cost of sales at the current standard), variance_amount (production
    variance on the units sold).
    """
    need = {"product_id", "qty", "revenue_amount", "std_cost_amount", "variance_amount"}
    if not need <= set(actual.columns):
        raise ValueError(f"actual lacks columns {sorted(need - set(actual.columns))}")
    a = actual.groupby("product_id", as_index=False)[["qty", "revenue_amount", "std_cost_amount", "variance_amount"]].sum()
    f = budget.merge(a, on="product_id", how="outer")
    f[["qty", "revenue_amount", "std_cost_amount", "variance_amount", "budget_qty"]] = \
        f[["qty", "revenue_amount", "std_cost_amount", "variance_amount", "budget_qty"]].astype(float).fillna(0.0)
    unbudgeted = f.budget_price.isna()
    f["budget_price"] = f.budget_price.astype(float).fillna(pd.Series(_div(f.revenue_amount, f.qty, 0.0), index=f.index))
    f["budget_std_cost_per_unit"] = f.budget_std_cost_per_unit.astype(float).fillna(
        pd.Series(_div(f.std_cost_amount, f.qty, 0.0), index=f.index))
    f["is_budgeted"] = ~unbudgeted
    qa, qb = f.qty.to_numpy(float), f.budget_qty.to_numpy(float)
    m = (f.budget_price - f.budget_std_cost_per_unit).to_numpy(float)
    total_a, total_b = qa.sum(), qb.sum()
    mix_b = qb / total_b if total_b else np.zeros(len(f))
    mix_a = qa / total_a if total_a else np.zeros(len(f))
    f["budget_mix_pct"], f["actual_mix_pct"] = mix_b, mix_a
    f["budget_margin_amount"] = qb * m
    f["sales_price_amount"] = f.revenue_amount - qa * f.budget_price
    volume = (qa - qb) * m
    if total_b:
        f["sales_quantity_amount"] = (total_a - total_b) * mix_b * m
        f["sales_mix_amount"] = volume - f.sales_quantity_amount
    else:  # nothing budgeted: the whole volume effect is quantity
        f["sales_quantity_amount"], f["sales_mix_amount"] = volume, 0.0
    f["sales_volume_amount"] = volume
    f["standard_cost_change_amount"] = -(f.std_cost_amount - qa * f.budget_std_cost_per_unit)
    f["production_variance_amount"] = -f.variance_amount
    f["cost_amount"] = f.standard_cost_change_amount + f.production_variance_amount
    f["actual_margin_amount"] = f.revenue_amount - f.std_cost_amount - f.variance_amount
    money = [c for c in f.columns if c.endswith("_amount")]
    f[money] = f[money].astype(float).round(2) + 0.0  # + 0.0: no "−0.00"
    return f.sort_values("product_id").reset_index(drop=True)


def compute_sales_variance_total(variances: pd.DataFrame) -> pd.Series:
    """The products' sales variances summed, with the rounding residue (a cent or two) put on
    mix so that budget margin + price + mix + quantity + cost = actual margin exactly."""
    cols = ["budget_qty", "qty", "budget_margin_amount", "sales_price_amount", "sales_mix_amount", "sales_quantity_amount",
            "sales_volume_amount", "standard_cost_change_amount", "production_variance_amount", "cost_amount", "actual_margin_amount"]
    t = variances[cols].sum().round(2)
    residue = round(t.actual_margin_amount - t.budget_margin_amount - t.sales_price_amount - t.sales_mix_amount
                    - t.sales_quantity_amount - t.cost_amount, 2)
    t["sales_mix_amount"] = round(t.sales_mix_amount + residue, 2)
    t["sales_volume_amount"] = round(t.sales_mix_amount + t.sales_quantity_amount, 2)
    return t


def compute_flexible_budget_lines(products: pd.DataFrame, actual_variable_costs: float, budget_fixed_costs: float,
                                  actual_fixed_costs: float) -> pd.DataFrame:
    """Static budget, flexible budget (budget prices and unit costs at the actual units) and
    actual, one row per line: revenue, variable costs, contribution margin, fixed costs,
    operating income; with the flexible-budget variance (actual − flexible) and the
    sales-volume variance (flexible − static) of each, and F / U.

    ``products``: product_id, budget_qty, budget_price, budget_variable_cost_per_unit, qty
    (actual units), revenue_amount (actual net revenue).
    """
    p = products.fillna({"budget_qty": 0.0, "qty": 0.0, "revenue_amount": 0.0})
    vb = p.budget_variable_cost_per_unit.astype(float).fillna(0.0)
    pb = p.budget_price.astype(float).fillna(0.0)
    static = {"revenue": float((p.budget_qty * pb).sum()), "variable_costs": float((p.budget_qty * vb).sum()), "fixed_costs": budget_fixed_costs}
    flexible = {"revenue": float((p.qty * pb).sum()), "variable_costs": float((p.qty * vb).sum()), "fixed_costs": budget_fixed_costs}
    actual = {"revenue": float(p.revenue_amount.sum()), "variable_costs": float(actual_variable_costs), "fixed_costs": float(actual_fixed_costs)}
    for d in (static, flexible, actual):
        d["contribution_margin"] = d["revenue"] - d["variable_costs"]
        d["operating_income"] = d["contribution_margin"] - d["fixed_costs"]
    out = pd.DataFrame({"line": list(LINES)})
    out["line_type"] = np.where(out.line.isin(["variable_costs", "fixed_costs"]), "cost", "revenue")
    out["actual_amount"] = [round(actual[x], 2) for x in LINES]
    out["flexible_budget_amount"] = [round(flexible[x], 2) for x in LINES]
    out["static_budget_amount"] = [round(static[x], 2) for x in LINES]
    out["flexible_budget_variance_amount"] = (out.actual_amount - out.flexible_budget_amount).round(2)
    out["sales_volume_variance_amount"] = (out.flexible_budget_amount - out.static_budget_amount).round(2)
    out["static_budget_variance_amount"] = (out.actual_amount - out.static_budget_amount).round(2)
    cost = out.line_type == "cost"
    for col, flag in (("flexible_budget_variance_amount", "flexible_fav_unfav"), ("sales_volume_variance_amount", "volume_fav_unfav")):
        v = out[col]
        out[flag] = np.where(v.abs() < 0.005, "—", np.where(np.where(cost, v <= 0, v >= 0), "F", "U"))
    return out


def _key_codes(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """One integer per distinct combination of ``keys`` for every row, numbered in the order of
    the sorted combinations (the group numbers a group-by on the keys gives, so that pandas adds
    each group with the same kernel), and the first row of each; None when a key is missing."""
    codes = np.zeros(len(frame), dtype=np.int64)
    for k in keys:
        c, uniques = pd.factorize(frame[k], sort=True)
        if (c < 0).any():
            return None
        codes = codes * len(uniques) + c
    combos, first, codes = np.unique(codes, return_index=True, return_inverse=True)
    return codes.reshape(-1), first


def compute_actual_by_product(sales: pd.DataFrame, variances: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """The actual side of the sales variances: the profit facts of
    ``analytics.profitability.compute_profit_facts`` summed per product (qty, revenue_amount,
    std_cost_amount, variance_amount), and Σ of their material and labor variances, without
    building the facts' other columns. The same rows are added in the same order with the same
    operations (a customer's share of its period x product x plant's variance by standard cost
    of sales; an unsold key's variance on a row of its own, after the sold rows), so the sums
    are the same floats to the last bit.

    ``sales``: one row per period x product x customer x plant in key order with qty,
    revenue_amount and the standard unit costs; ``variances``: period, product_id, plant_id and
    the variance columns (orders or order groups).
    """
    keys = ["period", "product_id", "plant_id"]
    var_cols = ["variance_amount"] + [f"{v}_amount" for v in VARIANCES]
    direct = [c for c in var_cols if c.startswith(("material_", "labor_"))]
    sums = ["qty", "revenue_amount", "std_cost_amount"]
    qty = sales.qty
    std = (qty * sales.std_material_cost + qty * sales.std_labor_cost) + qty * sales.std_overhead_cost
    pv = sum_cents(variances, keys, var_cols).set_index(keys)  # as compute_profit_facts sums them: in whole cents
    key = _key_codes(sales, keys)
    if key is None:  # a key missing somewhere: as the groupby and the index lookups treat it
        weight = std.groupby([sales[k] for k in keys]).transform("sum")
        at = pv.index.get_indexer(pd.MultiIndex.from_frame(sales[keys]))  # -1: no order completed for the key
        unsold_rows = ~pv.index.isin(pd.MultiIndex.from_frame(sales[keys]))
    else:  # each key once: its group's sum (the same additions in the same order), its variances' row
        codes, first = key
        weight = pd.Series(std.to_numpy(), index=std.index).groupby(codes).transform("sum")
        at = pv.index.get_indexer(pd.MultiIndex.from_arrays([sales[k].take(first) for k in keys]))[codes]
        unsold_rows = np.ones(len(pv), dtype=bool)
        unsold_rows[at[at >= 0]] = False
    share = np.where(weight != 0, std / weight.where(weight != 0, 1), 0.0)
    matched = at >= 0
    shared = {}
    for c in var_cols:
        taken = np.zeros(len(sales))
        taken[matched] = pv[c].to_numpy(dtype=float)[at[matched]]  # no order completed (none at all, even): 0
        shared[c] = taken * share
    unsold = pv[unsold_rows].reset_index()
    if key is None:
        sold = pd.DataFrame({"product_id": sales.product_id, "qty": qty, "revenue_amount": sales.revenue_amount, "std_cost_amount": std,
                             **shared})
        unsold = unsold[["product_id"] + var_cols].assign(**{c: 0.0 for c in sums})
        rows = pd.concat([sold, unsold[sold.columns]], ignore_index=True)
        by_product = rows.groupby("product_id", as_index=False)[sums + ["variance_amount"]].sum()
        return by_product, float(rows[direct].sum().sum())
    # the same rows (sold, then unsold) as plain arrays, grouped on integer product codes numbered in the products' sorted
    # order: the group-by adds each product's rows in the same order with the same kernel, without a frame of text keys
    codes, first = key
    product_of_key = sales.product_id.take(first)
    pcodes, products = pd.factorize(pd.concat([product_of_key, unsold.product_id], ignore_index=True), sort=True)
    n = len(unsold)
    values = {"qty": qty.to_numpy(dtype=float), "revenue_amount": sales.revenue_amount.to_numpy(dtype=float),
              "std_cost_amount": std.to_numpy(dtype=float)}
    stacked = {c: np.concatenate([values[c], np.zeros(n)]) for c in sums}
    stacked.update({c: np.concatenate([shared[c], unsold[c].to_numpy(dtype=float)]) for c in var_cols})
    group = np.concatenate([pcodes[:len(first)][codes], pcodes[len(first):]])
    g = pd.DataFrame({c: stacked[c] for c in sums + ["variance_amount"]}).groupby(group, sort=True).sum()
    by_product = g.reset_index(drop=True)
    by_product.insert(0, "product_id", pd.Series(products.take(g.index.to_numpy()), dtype=sales.product_id.dtype))
    # Σ per column (NaN as 0: pairwise, as a frame's column sums), then Σ of those, as ``rows[direct].sum().sum()``
    return by_product, float(pd.Series([np.nansum(stacked[c]) for c in direct]).sum())
