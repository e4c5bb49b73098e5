"""Product profitability, standard-vs-actual cost variances and profit bridges.

Sign rule: variance = actual − standard; positive is unfavorable. In a bridge, a bar is the
change it causes in gross profit: positive raises profit.

Variances of a completed work order against the standard cost of its good output
(textbook definitions; docs/FORMULAS.md gives each with a worked example):

    material price      = actual material − AQ × SP                   (per material, Σ)
    material usage      = AQ × SP − SQ(total output) × SP
    material scrap      = SQ(total output) × SP − standard material of good output
    labor rate          = actual labor − AH × SR
    labor efficiency    = AH × SR − SH(total output) × SR
    labor scrap         = SH(total output) × SR − standard labor of good output
    overhead efficiency = applied overhead − standard overhead of total output
    overhead scrap      = standard overhead of total output − standard overhead of good output

Each standard value is rounded to cents once, so the eight add up — exactly, to the cent — to
actual cost − standard cost of good output, which is what the ledger posts to 6409 at completion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from analytics import oee
from analytics import price_variance as PV
from analytics.money import compute_overhead_cents, compute_standard_cents, in_sum_order, mul_cents, sort_codes, sum_cents

VARIANCES = ("material_price", "material_usage", "material_scrap", "labor_rate", "labor_efficiency", "labor_scrap",
             "overhead_efficiency", "overhead_scrap")
# how each variance feeds the bridges
BRIDGE_GROUP = {"material_price": "material_cost", "material_usage": "material_cost", "labor_rate": "conversion_cost",
                "labor_efficiency": "oee_losses", "overhead_efficiency": "oee_losses",
                "material_scrap": "scrap", "labor_scrap": "scrap", "overhead_scrap": "scrap"}
TARGET_VARIANCE_RATE = 0.02


def _cents(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float) * 100).astype(np.int64)


def round_money(x):
    """Money sums to cents, half away from zero, after dropping the float noise of the sum
    (below 1e-5): a figure exactly on a half cent (standard costs carry up to seven decimals)
    rounds the same way whatever order its parts were added in. Scalars stay scalars.

    >>> float(round_money(42_125_497.965 - 1e-7)), float(round_money(-0.125))
    (42125497.97, -0.13)
    """
    v = np.asarray(x, dtype=float)
    units = np.round(v * 1e5)  # exact integers up to 9e10 yuan
    out = np.sign(units) * np.floor((np.abs(units) + 500) / 1000) / 100
    out = np.where(np.abs(v) < 9e10, out, np.round(v, 2)) + 0.0  # + 0.0: no negative zero
    return out.item() if np.ndim(x) == 0 else out


def _positions(ids: pd.Series, values: pd.Series) -> np.ndarray | None:
    """Each value's row in ``ids`` (-1: none), or None when ``ids`` repeat (then only a merge says what to do)."""
    index = pd.Index(ids)
    if not index.is_unique:
        return None
    return index.get_indexer(values)


def compute_work_order_variances(facts: pd.DataFrame, materials: pd.DataFrame) -> pd.DataFrame:
    """The eight variances of every completed work order, in money; one row per work order.

    ``facts`` from ``load_work_order_facts``; ``materials`` from ``load_material_facts``.
    Adds actual_amount, standard_amount (good output), variance_amount and variance_pct.
    """
    f = facts.copy()
    total_qty = (f.good_qty + f.scrap_qty).to_numpy()
    good = f.good_qty.to_numpy()
    # material, per material then summed: AQ x SP and SQ(total) x SP
    at = _positions(f.work_order_id, materials.work_order_id)  # each material row's order (one row per order: no merge)
    if at is not None and not {"good_qty", "scrap_qty"} & set(materials.columns):
        hit = at >= 0
        m, at = materials[hit].reset_index(drop=True), at[hit]
        m["good_qty"], m["scrap_qty"] = f.good_qty.to_numpy()[at], f.scrap_qty.to_numpy()[at]
    else:
        m, at = materials.merge(f[["work_order_id", "good_qty", "scrap_qty"]], on="work_order_id", how="inner"), None
    m["aq_sp"] = mul_cents(m.actual_qty.round(3), 3, m.std_price, 4)
    sq_total = (m.qty_per_unit * (m.good_qty + m.scrap_qty)).round(3)
    m["sq_sp"] = mul_cents(sq_total, 3, m.std_price, 4)
    if at is not None:  # whole cents summed per order: exact in any order
        aq_sp, sq_sp = np.zeros(len(f), dtype=np.int64), np.zeros(len(f), dtype=np.int64)
        np.add.at(aq_sp, at, m.aq_sp.to_numpy(np.int64))
        np.add.at(sq_sp, at, m.sq_sp.to_numpy(np.int64))
    else:
        per_wo = m.groupby("work_order_id")[["aq_sp", "sq_sp"]].sum()
        aq_sp = per_wo.aq_sp.reindex(f.work_order_id).fillna(0).to_numpy(np.int64)
        sq_sp = per_wo.sq_sp.reindex(f.work_order_id).fillna(0).to_numpy(np.int64)
    mat_actual = _cents(f.material_amount)
    std = compute_standard_cents(good, f.std_material_cost, f.std_labor_cost, f.std_overhead_cost)
    std_mat_good, std_lab_good, std_oh_good, std_good = std["material"], std["labor"], std["overhead"], std["total"]
    # labor: AH x SR and SH(total) x SR at the work center's standard rate
    lab_actual = _cents(f.labor_amount)
    ah_sr = mul_cents(f.labor_h.round(4), 4, f.labor_rate_per_h, 2)
    sh_total = np.round(f.std_labor_h_per_unit.to_numpy() * total_qty, 4)
    sh_sr = mul_cents(sh_total, 4, f.labor_rate_per_h, 2)
    # overhead: applied on actual machine time vs standard overhead of total output
    oh_actual = compute_overhead_cents(f.machine_s.round(), f.absorption_rate_per_h)
    oh_std_total = mul_cents(total_qty, 3, f.std_overhead_cost, 4)
    parts = {
        "material_price": mat_actual - aq_sp,
        "material_usage": aq_sp - sq_sp,
        "material_scrap": sq_sp - std_mat_good,
        "labor_rate": lab_actual - ah_sr,
        "labor_efficiency": ah_sr - sh_sr,
        "labor_scrap": sh_sr - std_lab_good,
        "overhead_efficiency": oh_actual - oh_std_total,
        "overhead_scrap": oh_std_total - std_oh_good,
    }
    for name, cents in parts.items():
        f[f"{name}_amount"] = cents / 100.0
    # labor outputs beside its rate and efficiency variances: actual rate, standard hours allowed
    f["std_labor_h"] = sh_total
    f["actual_labor_rate_per_h"] = np.where(f.labor_h > 0, f.labor_amount / f.labor_h.where(f.labor_h > 0, 1.0), np.nan).round(4)
    f["actual_amount"] = (mat_actual + lab_actual + oh_actual) / 100.0
    f["standard_amount"] = std_good / 100.0
    f["variance_amount"] = (mat_actual + lab_actual + oh_actual - std_good) / 100.0
    f["variance_pct"] = np.where(std_good != 0, f.variance_amount / np.where(std_good != 0, f.standard_amount, 1), np.nan)
    return f


def compute_variance_summary(variances: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Variances summed over ``by`` (product, family, work center, plant, period ...), with the
    cost variance rate |actual − standard| / standard against the 2 % target, and the labor
    outputs beside the rate and efficiency variances: actual hours (labor_h), standard hours
    allowed for the total output (std_labor_h), actual and standard rate per hour, both
    weighted by actual hours (labor rate variance = (actual − standard rate) × labor_h;
    efficiency = (labor_h − std_labor_h) × standard rate, when one rate applies)."""
    return compute_variance_summaries(variances, {"by": by})["by"]


def compute_variance_summaries(variances: pd.DataFrame, bys: dict[str, list[str]]) -> dict[str, pd.DataFrame]:
    """``compute_variance_summary(variances, by)`` for each ``by`` of ``bys`` (name -> columns),
    the same frames to the bit: the rows are put in their values' canonical order once, and each
    grouping then only sorts them by its keys, stably (``in_sum_order(frame, by, values)`` is
    that order: by the keys, then by the values, rows equal in all of them by position). The
    summed columns are one array (a row per column) and each key's text is its codes, taken in
    that order once."""
    cols = ["good_qty", "scrap_qty", "actual_amount", "standard_amount", "variance_amount"] + [f"{v}_amount" for v in VARIANCES]
    v = variances
    labor = {"labor_amount", "labor_h", "std_labor_h", "labor_rate_per_h"} <= set(v.columns)
    if labor:
        v = v.assign(_ah_sr=v.labor_h * v.labor_rate_per_h)
        cols += ["labor_amount", "labor_h", "std_labor_h", "_ah_sr"]
    # the same bits whatever order the database returned the rows in: money (whole cents) summed as cents, exact;
    # quantities and hours over the rows in a canonical order (``in_sum_order(v, [], values)``)
    money = [c for c in cols if c.endswith("_amount")]
    values = [c for c in cols if c not in money]
    order = _lexsort([sort_codes(v[c]) for c in reversed(values)]) if len(v) > 1 else np.arange(len(v))
    matrix = np.stack([v[c].to_numpy(dtype=float)[order] for c in cols])  # a row per column, each taken in that order once
    cents = [cols.index(c) for c in money]
    matrix[cents] = np.round(matrix[cents] * 100)  # integers as floats: exact sums below 2^53
    keys = list(dict.fromkeys(k for by in bys.values() for k in by))
    codes = {}
    for k in keys:  # each key's text as codes once (sorted: codes order as the text)
        own, uniques = _codes(v[k])
        codes[k] = (own[order], uniques, v[k].dtype)
    return {name: _variance_summary(matrix, list(by), cols, money, labor, codes) for name, by in bys.items()}


def _variance_summary(matrix: np.ndarray, by: list[str], cols: list[str], money: list[str], labor: bool, codes: dict) -> pd.DataFrame:
    """One grouping of ``compute_variance_summaries``: ``matrix`` the ``cols`` (one row each,
    money in cents) of the rows in their values' order, ``codes`` the keys' (codes, sorted
    values, dtype). The rows sorted by the keys, stably (the values' order within a key; a row
    with a missing key left out, as a groupby leaves it), then summed per key as a groupby sums
    rows sorted by its keys (``np.add.reduceat`` over each key's run; with a missing value, the
    groupby itself): the same floats in the same order as over the text. No keys: each column
    summed as a frame's sum adds it (missing values skipped)."""
    out = {}
    if not by:
        total = np.where(np.isnan(matrix), 0.0, matrix).sum(axis=1)
        sums = {c: total[i:i + 1] for i, c in enumerate(cols)}
    else:
        key, named = np.zeros(matrix.shape[1], dtype=np.int64), np.ones(matrix.shape[1], dtype=bool)
        for c in by:  # mixed radix: keys sort as the columns do, one after the other
            own, uniques, _ = codes[c]
            key = key * (len(uniques) + 1) + own
            named &= own < len(uniques)
        order = _stable_order(key)
        order = order[named[order]]
        key, values = key[order], matrix[:, order]
        if len(order) and not np.isnan(values).any():  # what pandas does for keys in order (ops._reduceat_aggregate)
            starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
            summed = np.add.reduceat(values, starts, axis=1)
            at, sums = key[starts], {c: summed[i] for i, c in enumerate(cols)}
        else:
            summed = pd.DataFrame(values.T, columns=cols).groupby(key).sum()
            at, sums = summed.index.to_numpy(np.int64), {c: summed[c].to_numpy() for c in cols}
        for c in reversed(by):
            _, uniques, dtype = codes[c]
            out[c] = _text(uniques, at % (len(uniques) + 1), dtype)
            at = at // (len(uniques) + 1)
        out = {c: out[c] for c in by}
    for c in cols:
        out[c] = sums[c] / 100 if c in money else sums[c]
    if labor:  # hours-weighted rates: Σ actual labor / Σ AH and Σ AH x SR / Σ AH
        ah = out["labor_h"]
        out["actual_labor_rate_per_h"] = np.where(ah > 0, out["labor_amount"] / np.where(ah > 0, ah, 1.0), np.nan).round(4)
        out["labor_rate_per_h"] = np.where(ah > 0, out.pop("_ah_sr") / np.where(ah > 0, ah, 1.0), np.nan).round(4)
        out["labor_h"], out["std_labor_h"] = np.round(ah, 4), np.round(out["std_labor_h"], 4)
    actual, standard = out["actual_amount"], out["standard_amount"]
    out["variance_rate_pct"] = np.where(standard != 0, np.abs(actual - standard) / np.where(standard != 0, standard, 1), np.nan)
    out["over_target"] = out["variance_rate_pct"] > TARGET_VARIANCE_RATE
    for c in out:
        if c.endswith("_amount"):
            out[c] = np.round(out[c], 2)
    return pd.DataFrame(out)


def _stable_order(key: np.ndarray) -> np.ndarray:
    """``np.argsort(key, kind="stable")`` (a stable sort has one result), faster: keys below 2^16
    as unsigned 16-bit integers, which numpy sorts by radix (2 -> 0.2 ms for 32 k groups of a
    variance view); other keys by numpy's default sort, kept when no two keys are equal (then
    every sort gives the stable one's order; 14 -> 3 ms for 175 k unique sales keys)."""
    if len(key) and 0 <= key.min() and key.max() < 2**16:
        return np.argsort(key.astype(np.uint16), kind="stable")
    order = np.argsort(key)
    ordered = key[order]
    return order if (ordered[1:] != ordered[:-1]).all() else np.argsort(key, kind="stable")


def _dense_rank(x: np.ndarray) -> np.ndarray:
    """Each value's rank among the distinct values (equal values, -0.0 and 0.0 among them, one
    rank): by numpy's default sort, whose order among equal values does not matter here."""
    order = np.argsort(x)
    ordered = x[order]
    step = np.empty(len(x), dtype=np.int64)
    step[:1] = 0
    np.not_equal(ordered[1:], ordered[:-1], out=step[1:], casting="unsafe")
    rank = np.empty(len(x), dtype=np.int64)
    rank[order] = np.cumsum(step)
    return rank


def _lexsort(keys: list[np.ndarray]) -> np.ndarray:
    """``np.lexsort(keys)`` (the last key sorts first; rows equal in every key by position), as one
    stable sort of the rows' rank among the keys' distinct tuples: each key ranked by numpy's
    default sort, then each pair of ranks ranked again (a rank is below the row count, so a pair
    fits an int64). np.lexsort sorts each key stably (mergesort): 8 -> 4 ms for three keys of 32 k
    rows. Keys with NaN (which every sort puts last, as equal) take np.lexsort itself."""
    if len(keys[0]) < 2 or any(k.dtype.kind == "f" and np.isnan(k).any() for k in keys):
        return np.lexsort(keys)
    combined = None
    for key in reversed(keys):
        rank = _dense_rank(key)
        combined = rank if combined is None else _dense_rank(combined * (int(rank.max()) + 1) + rank)
    return _stable_order(combined)


def compute_overhead_three_way(overhead: pd.DataFrame, variances: pd.DataFrame) -> pd.DataFrame:
    """Overhead variance per period x plant, three ways: spending = incurred − budget,
    volume = budget − applied, efficiency = applied − standard (the orders' overhead
    efficiency), plus scrap. They add up to incurred − standard overhead of good output."""
    wo = sum_cents(variances, ["period", "plant_id"], ["overhead_efficiency_amount", "overhead_scrap_amount"])
    o = overhead.merge(wo, on=["period", "plant_id"], how="outer").fillna(0.0)
    o["spending_amount"] = (o.incurred_amount - o.budget_amount).round(2)
    o["volume_amount"] = (o.budget_amount - o.applied_amount).round(2)
    o["total_overhead_variance_amount"] = (o.spending_amount + o.volume_amount + o.overhead_efficiency_amount + o.overhead_scrap_amount).round(2)
    return o.sort_values(["period", "plant_id"]).reset_index(drop=True)


def compute_profit_facts(sales: pd.DataFrame, variances: pd.DataFrame, oee_loss: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per period x product x customer x plant with revenue, standard cost of sales by
    component, the production variance and OEE loss cost attributed to it.

    A product's variance in a period (its orders completed that period, in that plant) is spread
    over the customers who bought it then, by their share of its standard cost of sales; with no
    sales that period it stays on a row with customer ``(unsold)``. Every cent is kept.
    """
    s = sales.copy()
    s["std_material_amount"] = s.qty * s.std_material_cost
    s["std_labor_amount"] = s.qty * s.std_labor_cost
    s["std_overhead_amount"] = s.qty * s.std_overhead_cost
    s["std_cost_amount"] = s.std_material_amount + s.std_labor_amount + s.std_overhead_amount
    var_cols = ["variance_amount"] + [f"{v}_amount" for v in VARIANCES]
    v = variances.copy()
    if oee_loss is not None and not oee_loss.empty:  # one row per order: an order run on two work centers counts once
        per_order = sum_cents(oee_loss, ["work_order_id"], ["loss_cost_amount"])
        v = v.merge(per_order.rename(columns={"loss_cost_amount": "oee_loss_amount"}), on="work_order_id", how="left")
    v["oee_loss_amount"] = v.get("oee_loss_amount", 0.0)
    v["oee_loss_amount"] = v.oee_loss_amount.fillna(0.0)
    keys = ["period", "product_id", "plant_id"]
    pv = sum_cents(v, keys, var_cols + ["oee_loss_amount"])  # whole cents: exact, whatever order the orders came in
    weight = s.groupby(keys).std_cost_amount.transform("sum")
    s["_share"] = np.where(weight != 0, s.std_cost_amount / weight.where(weight != 0, 1), 0.0)
    merged = s.merge(pv, on=keys, how="left")
    for c in var_cols + ["oee_loss_amount"]:
        merged[c] = merged[c].fillna(0.0) * merged._share
    sold = s[keys].drop_duplicates().assign(_sold=True)
    unsold = pv.merge(sold, on=keys, how="left")
    unsold = unsold[unsold._sold.isna()].drop(columns="_sold")
    if not unsold.empty:
        info = variances.drop_duplicates("product_id").set_index("product_id")
        unsold = unsold.assign(customer_id="(unsold)", customer_name="(unsold)", product_name=unsold.product_id.map(info.product_name),
                               family=unsold.product_id.map(info.family))
    out = pd.concat([merged.drop(columns="_share"), unsold], ignore_index=True)
    num = ["qty", "gross_amount", "discount_amount", "revenue_amount", "std_material_amount", "std_labor_amount",
           "std_overhead_amount", "std_cost_amount"] + var_cols + ["oee_loss_amount"]
    out[num] = out[num].astype(float).fillna(0.0)
    return out


def _codes(values) -> tuple[np.ndarray, np.ndarray]:
    """Text as codes into its distinct values, sorted (missing: the code after the last)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object) if not isinstance(values, pd.Series) else values, sort=True)
    uniques = np.asarray(uniques, dtype=object)
    return np.where(codes < 0, len(uniques), codes).astype(np.int64), uniques


def _text(uniques: np.ndarray, codes: np.ndarray, dtype) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """The values of ``codes`` (``_codes``: the code after the last is missing) as an array of
    ``dtype``; Arrow-backed text is taken in Arrow, without a Python string per row."""
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return pd.array(pa.array(list(uniques) + [None], type=pa.string()).take(pa.array(codes)), dtype=dtype)
    return pd.array(np.append(uniques, np.nan)[codes], dtype=dtype)


def _stacked_codes(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Coded columns (``_codes``) stacked: codes into the sorted union of their values."""
    at, uniques = pd.factorize(np.concatenate([u for _, u in parts]), sort=True)
    uniques = np.asarray(uniques, dtype=object)
    out, start = [], 0
    for codes, u in parts:
        out.append(np.append(at[start:start + len(u)], len(uniques))[codes])
        start += len(u)
    return np.concatenate(out).astype(np.int64), uniques


class ProfitRows:
    """The rows of ``compute_profit_facts`` with their text as codes (``text``: column ->
    (codes, sorted distinct values, dtype); ``sums``: the ``PROFIT_SUMS`` columns), in the same
    order with the same floats: every grouping of them sums the same floats in the same order
    as a groupby over the facts' text, on integers (``profitability``: the same frame to the bit).
    A sum column reads as the facts' does (``rows.revenue_amount``), so the bridges take either."""

    TEXT = ("period", "product_id", "product_name", "family", "customer_id", "customer_name", "plant_id")

    def __init__(self, text: dict, sums: pd.DataFrame):
        self.text, self.sums = text, sums

    @classmethod
    def of(cls, facts: pd.DataFrame) -> "ProfitRows":
        """The rows of a profit facts frame."""
        return cls({c: (*_codes(facts[c]), facts[c].dtype) for c in cls.TEXT}, facts[PROFIT_SUMS].reset_index(drop=True))

    def __len__(self) -> int:
        return len(self.sums)

    def __getattr__(self, name: str) -> pd.Series:  # rows.revenue_amount as facts.revenue_amount
        if name in PROFIT_SUMS:
            return self.sums[name]
        raise AttributeError(name)

    def product_sums(self, columns: list[str], where: np.ndarray | None = None) -> pd.DataFrame:
        """``columns`` summed per product (of the rows ``where``): product_id and the sums, products
        in order, as ``groupby("product_id", as_index=False)`` sums them over the facts."""
        codes, uniques, _ = self.text["product_id"]
        keep = codes < len(uniques) if where is None else where & (codes < len(uniques))
        rows, codes = (self.sums[columns], codes) if keep.all() else (self.sums.loc[keep, columns], codes[keep])  # every row: no copy
        g = rows.groupby(codes, sort=True).sum()
        return pd.DataFrame({"product_id": _text(uniques, g.index.to_numpy(np.int64), self.text["product_id"][2]),
                             **{c: g[c].to_numpy() for c in columns}})

    def column(self, name: str, codes: np.ndarray | None = None) -> pd.Series:
        """A column of the rows (text: the values of ``codes``, default every row's)."""
        if name not in self.text:
            return self.sums[name]
        own, uniques, dtype = self.text[name]
        return pd.Series(_text(uniques, own if codes is None else codes, dtype), name=name)

    def profitability(self, by: list[str]) -> pd.DataFrame:
        """``compute_profitability`` of these rows over ``by``."""
        if not by:
            return _profitability(self.sums[PROFIT_SUMS].sum().to_frame().T)
        key = np.zeros(len(self), dtype=np.int64)
        for c in by:  # mixed radix: keys sort as the columns do, one after the other (missing last)
            key = key * (len(self.text[c][1]) + 1) + self.text[c][0]
        g = self.sums.groupby(key, sort=True).sum()
        at = g.index.to_numpy(np.int64)
        keys = {}
        for c in reversed(by):
            own, uniques, dtype = self.text[c]
            keys[c] = _text(uniques, at % (len(uniques) + 1), dtype)
            at = at // (len(uniques) + 1)
        # the columns as arrays into one frame (a column set at a time cost 0.3 ms each)
        return _profitability_of({**{c: keys[c] for c in by}, **{c: g[c].to_numpy() for c in PROFIT_SUMS}}, len(g))


def compute_profit_rows(sales: pd.DataFrame, products: pd.DataFrame, customers: pd.DataFrame, variances: pd.DataFrame,
                        oee_loss: pd.DataFrame | None = None) -> ProfitRows:
    """``compute_profit_facts`` over ``data_loaders.profitability.merge_sales(sales, products,
    customers)`` as ``ProfitRows``, without building the text of its rows: the same rows in the
    same order (sales in key order, then the unsold keys in key order), each float computed with
    the same operations, so every sum over them has the same bits. Text is grouped as codes
    (their values sorted: codes order as the text does)."""
    if sales.empty:
        return ProfitRows.of(compute_profit_facts(sales.merge(products, on="product_id", how="left")
                                                  .merge(customers, on="customer_id", how="left"), variances, oee_loss))
    keys = ["period", "product_id", "plant_id"]
    if oee_loss is not None and not oee_loss.empty:  # one row per order: an order run on two work centers counts once
        per_order = sum_cents(oee_loss, ["work_order_id"], ["loss_cost_amount"]).rename(columns={"loss_cost_amount": "oee_loss_amount"})
        variances = variances[["work_order_id", "product_name", "family", *keys, "variance_amount"]].merge(
            per_order, on="work_order_id", how="left")
    four = ["period", "product_id", "customer_id", "plant_id"]
    coded = {c: _codes(sales[c]) for c in four}
    n_per, n_prod, n_cust, n_plant = (len(coded[c][1]) + 1 for c in four)
    order = _stable_order(((coded["period"][0] * n_prod + coded["product_id"][0]) * n_cust + coded["customer_id"][0]) * n_plant
                          + coded["plant_id"][0])  # merge_sales's sort (the keys are unique)
    per, prod, cust, plant = (coded[c][0][order] for c in four)
    n_sold = len(order)
    # the product's and the customer's columns as the left merges give them (none: missing)
    at_p = np.append(pd.Index(products.product_id).get_indexer(coded["product_id"][1]), -1)
    at_c = np.append(pd.Index(customers.customer_id).get_indexer(coded["customer_id"][1]), -1)

    # the variance and loss per period x product x plant in whole cents (``sum_cents``: exact), keys in order
    vk = {c: _codes(variances[c]) for c in keys}
    radix = [len(vk[c][1]) + 1 for c in keys]
    named = (vk["period"][0] < radix[0] - 1) & (vk["product_id"][0] < radix[1] - 1) & (vk["plant_id"][0] < radix[2] - 1)
    vkey = (vk["period"][0] * radix[1] + vk["product_id"][0]) * radix[2] + vk["plant_id"][0]
    summed = ["variance_amount", "oee_loss_amount"]
    cents = pd.DataFrame({c: np.round(variances[c].astype(float).fillna(0.0).to_numpy() * 100).astype(np.int64)
                          if c in variances.columns else np.zeros(len(variances), dtype=np.int64) for c in summed})
    pv = cents[named].groupby(vkey[named], sort=True).sum()
    pv_code = pv.index.to_numpy(np.int64)
    pv_codes = {"plant_id": pv_code % radix[2], "product_id": pv_code // radix[2] % radix[1], "period": pv_code // radix[2] // radix[1]}
    # each key's row in the sales (their code there; -1: not sold)
    in_sales = [np.append(pd.Index(coded[c][1]).get_indexer(vk[c][1]), -1)[pv_codes[c]] for c in keys]
    known = (in_sales[0] >= 0) & (in_sales[1] >= 0) & (in_sales[2] >= 0)
    key = (per * n_prod + prod) * n_plant + plant
    hit = pd.Index(((in_sales[0] * n_prod + in_sales[1]) * n_plant + in_sales[2])[known]).get_indexer(key)
    matched = hit >= 0
    hit = np.flatnonzero(known)[np.where(matched, hit, 0)] if known.any() else hit
    sold = np.zeros(len(pv), dtype=bool)
    sold[hit[matched]] = True
    unsold = np.flatnonzero(~sold)

    block = np.zeros((len(PROFIT_SUMS), n_sold + len(unsold)))  # one block: the frame below takes it as it is
    row = {c: block[i, :n_sold] for i, c in enumerate(PROFIT_SUMS)}
    qty = row["qty"]
    qty[:] = sales.qty.to_numpy(dtype=float)[order]
    for c in ("gross_amount", "discount_amount", "revenue_amount"):
        row[c][:] = sales[c].to_numpy(dtype=float)[order]
    for part in ("material", "labor", "overhead"):
        cost = products[f"std_{part}_cost"].to_numpy(dtype=float, na_value=np.nan)
        np.multiply(qty, np.where(at_p >= 0, cost[at_p], np.nan)[prod], out=row[f"std_{part}_amount"])
    std_cost = row["std_cost_amount"]
    std_cost[:] = row["std_material_amount"] + row["std_labor_amount"] + row["std_overhead_amount"]
    # a customer's share of its key's standard cost of sales (a missing key is no group)
    weight = pd.Series(std_cost).groupby(key).transform("sum").to_numpy(copy=True)
    weight[(per == n_per - 1) | (prod == n_prod - 1) | (plant == n_plant - 1)] = np.nan
    share = np.where(weight != 0, std_cost / np.where(weight != 0, weight, 1), 0.0)
    for i, c in enumerate(summed):
        amount = pv[c].to_numpy(dtype=np.int64) / 100.0
        taken = np.zeros(n_sold)
        taken[matched] = amount[hit[matched]]  # no order completed for the key: 0
        row[c][:] = taken * share
        block[PROFIT_SUMS.index(c), n_sold:] = amount[unsold]  # a key with orders and no sales: its own row
    block[np.isnan(block)] = 0.0
    sums = pd.DataFrame(block.T, columns=PROFIT_SUMS, copy=False)

    # text: the sold rows' codes, then the unsold rows' (customer "(unsold)", the product's name and family as the
    # variances have them: its first row's)
    text = {}
    for c, codes in (("period", per), ("product_id", prod), ("plant_id", plant)):
        text[c] = (*_stacked_codes([(codes, coded[c][1]), (pv_codes[c][unsold], vk[c][1])]), sales[c].dtype)
    nobody = (np.zeros(len(unsold), dtype=np.int64), np.array(["(unsold)"], dtype=object))
    text["customer_id"] = (*_stacked_codes([(cust, coded["customer_id"][1]), nobody]), sales.customer_id.dtype)
    first = np.full(radix[1], len(variances))
    np.minimum.at(first, vk["product_id"][0], np.arange(len(variances)))
    first = first[pv_codes["product_id"][unsold]]  # every unsold key has a row in the variances
    for c in ("product_name", "family"):
        of_sold = _codes(np.where(at_p >= 0, products[c].to_numpy(dtype=object)[at_p], np.nan))
        of_unsold = _codes(variances[c].iloc[first].to_numpy(dtype=object))
        text[c] = (*_stacked_codes([(of_sold[0][prod], of_sold[1]), of_unsold]), products[c].dtype)
    of_sold = _codes(np.where(at_c >= 0, customers.customer_name.to_numpy(dtype=object)[at_c], np.nan))
    text["customer_name"] = (*_stacked_codes([(of_sold[0][cust], of_sold[1]), nobody]), customers.customer_name.dtype)
    return ProfitRows(text, sums)


PROFIT_SUMS = ["qty", "gross_amount", "discount_amount", "revenue_amount", "std_material_amount", "std_labor_amount",
               "std_overhead_amount", "std_cost_amount", "variance_amount", "oee_loss_amount"]


def compute_profitability(facts: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Revenue, cost and margins over ``by`` with totals' shares.

    contribution margin = revenue − standard material − standard labor (the variable costs);
    gross profit = revenue − standard cost of sales − production variance (as the ledger has it);
    OEE loss cost is shown as its own line: the part of actual cost lost to downtime, speed and scrap.
    """
    cols = PROFIT_SUMS
    g = facts.groupby(by, as_index=False, dropna=False)[cols].sum() if by else facts[cols].sum().to_frame().T
    return _profitability(g)


def _profitability(g: pd.DataFrame) -> pd.DataFrame:
    """``compute_profitability`` from its sums (``PROFIT_SUMS`` per key)."""
    return _profitability_of({c: g[c].to_numpy() if c in PROFIT_SUMS else g[c] for c in g.columns}, len(g))


def _profitability_of(out: dict, n: int) -> pd.DataFrame:
    """``_profitability`` of ``n`` keys given as columns (the keys, then ``PROFIT_SUMS`` as arrays)."""
    revenue = np.asarray(out["revenue_amount"], dtype=float)
    out["contribution_amount"] = revenue - out["std_material_amount"] - out["std_labor_amount"]
    out["gross_profit_amount"] = revenue - out["std_cost_amount"] - out["variance_amount"]

    def pct(num, den):
        return np.where(den != 0, num / np.where(den != 0, den, 1), np.nan)

    out["contribution_pct"] = pct(out["contribution_amount"], revenue)
    out["gross_margin_pct"] = pct(out["gross_profit_amount"], revenue)
    total_rev = pd.Series(revenue).sum()  # a frame column's sum, as the frame summed it
    out["revenue_share_pct"] = revenue / total_rev if total_rev else np.full(n, np.nan)
    out["unit_price"] = pct(revenue, out["qty"])
    for c in out:
        if c.endswith("_amount"):
            out[c] = round_money(np.asarray(out[c], dtype=float))
    g = pd.DataFrame(out, index=pd.RangeIndex(n))
    return g.sort_values("gross_profit_amount", ascending=False).reset_index(drop=True)


def compute_unit_economics(facts: pd.DataFrame | ProfitRows, variances: pd.DataFrame) -> pd.DataFrame:
    """Per product: average net price, standard cost per unit, actual cost per good unit made.
    ``facts``: the profit facts (a frame or ``ProfitRows``)."""
    if isinstance(facts, ProfitRows):
        sales = facts.product_sums(["qty", "revenue_amount", "std_cost_amount"], (facts.qty != 0).to_numpy())
    else:
        sold = facts[["product_id", "qty", "revenue_amount", "std_cost_amount"]]  # the columns read, before the row filter copies them
        sales = sold[sold.qty != 0].groupby(["product_id"], as_index=False).agg(
            qty=("qty", "sum"), revenue_amount=("revenue_amount", "sum"), std_cost_amount=("std_cost_amount", "sum"))
    # the orders (or their groups) come in the database's order: summed in a canonical one
    variances = variances[["product_id", "good_qty", "actual_amount", "product_name", "family"]]
    if len(variances) > 1:  # in_sum_order(variances, ["product_id"], ["good_qty", "actual_amount"]), by ``_lexsort``
        variances = variances.iloc[_lexsort([sort_codes(variances[c]) for c in ("actual_amount", "good_qty", "product_id")])]
    variances = variances.reset_index(drop=True)
    made = variances.groupby("product_id", as_index=False).agg(good_qty=("good_qty", "sum"), actual_amount=("actual_amount", "sum"),
                                                               product_name=("product_name", "first"), family=("family", "first"))
    u = made.merge(sales, on="product_id", how="outer")
    u["unit_price"] = u.revenue_amount / u.qty
    u["standard_unit_cost"] = u.std_cost_amount / u.qty
    u["actual_unit_cost"] = u.actual_amount / u.good_qty
    return u[["product_id", "product_name", "family", "qty", "good_qty", "unit_price", "standard_unit_cost", "actual_unit_cost"]].round(4)


def _product_view(facts: pd.DataFrame | ProfitRows) -> pd.DataFrame:
    if isinstance(facts, ProfitRows):
        g = facts.product_sums(["qty", "revenue_amount", "std_cost_amount"])
        return g.set_index("product_id").rename(columns={"revenue_amount": "revenue", "std_cost_amount": "std_cost"})
    sums = {"qty": "qty", "revenue": "revenue_amount", "std_cost": "std_cost_amount"}
    ids = facts.product_id
    if ids.is_unique and not ids.isna().any():  # one row per product (the sales facts): each "sum" is its row's value
        order = np.argsort(pd.factorize(ids, sort=True)[0], kind="stable")  # the group-by's sorted products
        # a group of one sums to 0.0 + its value: a missing value counts 0, a negative zero turns positive
        return pd.DataFrame({name: np.nan_to_num(facts[col].to_numpy(dtype=float)[order], nan=0.0, posinf=np.inf, neginf=-np.inf) + 0.0
                             for name, col in sums.items()}, index=pd.Index(ids.iloc[order], name="product_id"))
    return facts.groupby("product_id").agg(**{name: (col, "sum") for name, col in sums.items()})


def compute_pvm_bridge(base: pd.DataFrame, current: pd.DataFrame, base_var: pd.DataFrame, current_var: pd.DataFrame) -> pd.DataFrame:
    """Gross profit of a base period to a current period, in bars that add up exactly:
    price, volume, mix, standard cost, material cost, conversion cost, OEE losses, scrap.

    ``base`` / ``current``: profit facts of each period (frames or ``ProfitRows``); ``*_var``:
    work-order variances of each.
    Per product with quantity Q, net revenue R, standard cost K, margin m = (R − K) / Q:
    price = Q1 (P1 − P0); standard cost = −Q1 (C1 − C0); volume = (ΣQ1 − ΣQ0) × average base margin;
    mix = Σ (Q1 − Q0) m0 − volume, where a product sold in only one period uses that period's
    margin. Variance bars are minus the change in each group of variances.
    """
    p0, p1 = _product_view(base), _product_view(current)
    p = p0.add_suffix("0").join(p1.add_suffix("1"), how="outer").fillna(0.0)
    both = (p.qty0 != 0) & (p.qty1 != 0)
    price0 = np.where(p.qty0 != 0, p.revenue0 / p.qty0.where(p.qty0 != 0, 1), 0.0)
    price1 = np.where(p.qty1 != 0, p.revenue1 / p.qty1.where(p.qty1 != 0, 1), 0.0)
    cost0 = np.where(p.qty0 != 0, p.std_cost0 / p.qty0.where(p.qty0 != 0, 1), 0.0)
    cost1 = np.where(p.qty1 != 0, p.std_cost1 / p.qty1.where(p.qty1 != 0, 1), 0.0)
    margin0 = np.where(p.qty0 != 0, price0 - cost0, price1 - cost1)
    price = np.where(both, p.qty1 * (price1 - price0), 0.0)
    std_cost = np.where(both, -p.qty1 * (cost1 - cost0), 0.0)
    # money with no quantity (a credit note in a month with no sales) is a price effect
    no_qty = (p.qty0 == 0) & (p.qty1 == 0)
    price = price + np.where(no_qty, (p.revenue1 - p.std_cost1) - (p.revenue0 - p.std_cost0), 0.0)
    vol_mix = np.where(no_qty, 0.0, (p.qty1 - p.qty0) * margin0)
    q0, q1 = p.qty0.sum(), p.qty1.sum()
    avg_margin0 = float((p.qty0 * margin0).sum() / q0) if q0 else 0.0
    volume = (q1 - q0) * avg_margin0 if q0 else float(vol_mix.sum())
    mix = float(vol_mix.sum()) - volume
    bars = [("price", float(price.sum())), ("volume", volume), ("mix", mix), ("standard_cost", float(std_cost.sum()))]
    # the variances (whole cents per order or group) summed as cents: exact, so the same bars from the orders, from
    # their groups or from coarser sums of them
    v0, v1 = (sum_cents(v, [], ["variance_amount", *[f"{n}_amount" for n in BRIDGE_GROUP]]).iloc[0].to_dict()
              for v in (base_var, current_var))
    for group in ("material_cost", "conversion_cost", "oee_losses", "scrap"):
        names = [f"{v}_amount" for v, g in BRIDGE_GROUP.items() if g == group]
        bars.append((group, -(float(np.sum([v1[n] for n in names])) - float(np.sum([v0[n] for n in names])))))
    gp0 = float((base.revenue_amount - base.std_cost_amount).sum() - v0["variance_amount"])
    gp1 = float((current.revenue_amount - current.std_cost_amount).sum() - v1["variance_amount"])
    return _bridge_frame(gp0, gp1, bars, remainder="mix")


def compute_budget_bridge(budget: pd.DataFrame, actual: pd.DataFrame, actual_var: pd.DataFrame) -> pd.DataFrame:
    """Budgeted gross profit to actual: revenue, standard cost of sales, then each variance group
    (the budget assumes standard costs, so it has no variances). Bars add up exactly. ``actual``:
    the profit facts (a frame or ``ProfitRows``)."""
    rev_b, cogs_b = float(budget.revenue_amount.sum()), float(budget.cost_of_sales_amount.sum())
    rev_a, cogs_a = float(actual.revenue_amount.sum()), float(actual.std_cost_amount.sum())
    bars = [("revenue", rev_a - rev_b), ("standard_cost", -(cogs_a - cogs_b))]
    for group in ("material_cost", "conversion_cost", "oee_losses", "scrap"):
        names = [f"{v}_amount" for v, g in BRIDGE_GROUP.items() if g == group]
        bars.append((group, -float(actual_var[names].sum().sum())))
    gp_a = rev_a - cogs_a - float(actual_var.variance_amount.sum())
    return _bridge_frame(rev_b - cogs_b, gp_a, bars, remainder="revenue")


def _bridge_frame(start: float, end: float, bars: list[tuple[str, float]], remainder: str) -> pd.DataFrame:
    """Start, bars and end rounded to cents; the ``remainder`` bar takes the cent or two of
    rounding so that the bars add up exactly to end − start."""
    start, end = round_money(start), round_money(end)
    rounded = [(name, round_money(value)) for name, value in bars]
    others = sum(v for name, v in rounded if name != remainder)
    rounded = [(name, round(end - start - others, 2) if name == remainder else v) for name, v in rounded]
    rows = [("start", start, "absolute")] + [(name, value, "relative") for name, value in rounded] + [("end", end, "total")]
    return pd.DataFrame(rows, columns=["step", "amount", "measure"])


# --------------------------------------------------------------------------- work-order facts
# (data_loaders.facts_orders derives them when the data changes; the report reads them back)
LOSS_AMOUNTS = ["time_loss_cost_amount", "scrap_cost_amount", "loss_cost_amount"]
LOSS_STATE_COLUMNS = tuple(f"{state}_min" for state in oee.ALL_STATES)


def compute_loss_per_order(loss: pd.DataFrame) -> pd.DataFrame:
    """``analytics.oee.compute_work_order_loss_cost`` rows (one per order x work center) summed
    per work order: time loss, scrap and total loss cost (a missing rate counts as no loss)."""
    cols = [c for c in LOSS_AMOUNTS if c in loss.columns]
    if loss.empty:
        return pd.DataFrame(columns=["work_order_id"] + cols)
    g = loss.groupby("work_order_id", as_index=False)[cols].sum()
    g[cols] = g[cols].astype(float).round(2)
    return g


def _month_index(dates: pd.Series) -> np.ndarray:
    """Months since 1970-01 of a date column (an integer per row: cheap to group)."""
    return pd.to_datetime(dates).to_numpy().astype("datetime64[M]").astype(np.int64)


def _month_text(index) -> np.ndarray:
    return np.datetime_as_string(np.asarray(index, dtype=np.int64).astype("datetime64[M]"), unit="M")


def compute_order_loss_facts(events: pd.DataFrame, output: pd.DataFrame, rates: pd.DataFrame,
                             orders: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The OEE loss cost of each order in ``orders`` (work_order_id, period, plant_id) over all
    its machine ``events`` (work_center_id, work_order_id, start_at, end_at, state; in the
    event path's order: work center, start) cut at shift boundaries as
    ``analytics.oee.compute_event_segments`` cuts them, and its ``output`` (records ordered by
    output_id), both of these orders only, and the inputs to compute it again for a window that
    cuts the order.

    Returns (per order: work_order_id, time / scrap / total loss cost, loss_period_from and
    loss_period_to = first and last month of its segments and output, is_loss_off_plant = some
    segment on a work center of another plant; parts: for the orders whose loss months are not
    just their own period, or that are off plant, one row per order x work center x month with
    minutes per machine state and n_segments, and the output of that work center and month —
    good and scrap quantity, ideal cycle, standard unit cost, n_output).

    The sums are those of ``oee.compute_work_order_loss_cost`` over the segments, taken on
    integer codes of orders, work centers and states (codes in the order of the names, so groups
    come out in the order a groupby on the names gives, each group's floats added in row order
    as pandas adds them): the same figures, bit for bit, without a string per segment.
    """
    keep = orders[["work_order_id", "period", "plant_id"]].drop_duplicates("work_order_id").sort_values("work_order_id")
    keep = keep.reset_index(drop=True)  # an order's code is its row here: code order = name order
    ids = oee.arrow_text(keep.work_order_id)
    n_wo = len(ids)
    # segments: one entry per event x shift, in event order; orders outside ``orders`` dropped (their rows are never kept)
    ev_wo = oee.positions_in(ids, events.work_order_id)
    rows, day, _, minutes = oee.compute_segment_index(events.start_at, events.end_at)
    named = ev_wo[rows] >= 0
    rows, day, minutes = rows[named], day[named], minutes[named]
    wc_e, wc_u = pd.factorize(events.work_center_id, sort=True)
    st_e, st_u = pd.factorize(events.state, sort=True)
    wc_u, st_u = np.asarray(wc_u, dtype=object), np.asarray(st_u, dtype=object)
    n_wc, n_st = max(len(wc_u), 1), max(len(st_u), 1)
    seg_wo, seg_wc, seg_st = ev_wo[rows], wc_e[rows].astype(np.int64), st_e[rows].astype(np.int64)
    seg_month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    out_wo = oee.positions_in(ids, output.work_order_id)
    out_month = _month_index(output.count_date)

    # minutes per order x work center x state (``oee.compute_work_order_minutes``), one row per order x work center
    cell, uniq = pd.factorize((seg_wo * n_wc + seg_wc) * n_st + seg_st, sort=True)
    uniq = np.asarray(uniq, dtype=np.int64)
    cell_min = pd.Series(minutes, dtype=float).groupby(cell).sum().to_numpy() if len(cell) else np.zeros(0)
    pair, pair_key = pd.factorize(uniq // n_st, sort=True)
    pair_key = np.asarray(pair_key, dtype=np.int64)
    pair_wo, pair_wc = pair_key // n_wc, pair_key % n_wc
    state_col = pd.Index(list(oee.ALL_STATES)).get_indexer(st_u) if len(st_u) else np.zeros(0, dtype=np.int64)
    wide = np.zeros((len(pair_key), len(oee.ALL_STATES)))
    col = state_col[uniq % n_st] if len(uniq) else np.zeros(0, dtype=np.int64)
    ok = col >= 0
    wide[pair[ok], col[ok]] = cell_min[ok]
    f = keep.copy()
    amounts = np.zeros((n_wo, len(LOSS_AMOUNTS)))
    made = out_wo >= 0
    if len(pair_key) and made.any():
        # orders and work centers stand as their codes (ordered as their names: the same sort, groups and sums)
        minutes_frame = pd.DataFrame({"work_order_id": pair_wo, "work_center_id": pair_wc,
                                      **{state: wide[:, i] for i, state in enumerate(oee.ALL_STATES)}})
        at_rate = pd.Index(wc_u).get_indexer(rates.work_center_id)
        rate_codes = rates[at_rate >= 0].assign(work_center_id=at_rate[at_rate >= 0])
        # output per order (``oee.compute_work_order_loss_cost``'s per_wo), records in output_id order
        cycle = oee.compute_ideal_cycle_min(output).fillna(0.0).to_numpy()
        good, scrap = output.good_qty.to_numpy(dtype=float), output.scrap_qty.to_numpy(dtype=float)
        o_gid, o_codes = pd.factorize(out_wo[made], sort=True)
        sums = pd.DataFrame({"good_qty": good[made], "scrap_qty": scrap[made], "net_run_min": ((good + scrap) * cycle)[made],
                             "scrap_cost_amount": (scrap * output.std_unit_cost.to_numpy(dtype=float))[made]}).groupby(o_gid).sum()
        first = np.full(len(o_codes), len(o_gid), dtype=np.int64)
        np.minimum.at(first, o_gid, np.arange(len(o_gid), dtype=np.int64))
        per_wo = pd.DataFrame({"work_order_id": np.asarray(o_codes, dtype=np.int64),
                               "product_id": output.product_id.array.take(np.flatnonzero(made)[first]),
                               **{c: sums[c].to_numpy() for c in sums.columns}})
        loss = compute_loss_per_order(oee.compute_work_order_loss_from(minutes_frame, per_wo, rate_codes))
        amounts[loss.work_order_id.to_numpy(np.int64)] = loss[LOSS_AMOUNTS].to_numpy(float)  # an order's row is its code
    for i, c in enumerate(LOSS_AMOUNTS):
        f[c] = amounts[:, i]

    # first and last month of each order's segments and output
    all_wo = np.concatenate([seg_wo, out_wo[made]])
    all_month = np.concatenate([seg_month, out_month[made]])
    lo = np.full(n_wo, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(n_wo, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(lo, all_wo, all_month)
    np.maximum.at(hi, all_wo, all_month)
    touched = lo <= hi
    f["loss_period_from"] = _month_labels(np.where(touched, lo, -1), touched)
    f["loss_period_to"] = _month_labels(np.where(touched, hi, -1), touched)
    # off plant: a work center of another plant (per order x work center pair)
    wc_plant = pd.Series(wc_u, dtype=object).map(rates.set_index("work_center_id").plant_id).to_numpy(object)
    pair_plant, own_plant = wc_plant[pair_wc], keep.plant_id.to_numpy(object)[pair_wo]
    off = np.zeros(n_wo, dtype=bool)
    off[pair_wo[pd.isna(pair_plant) | pd.isna(own_plant) | (pair_plant != own_plant)]] = True
    f["is_loss_off_plant"] = off.astype(int)
    spills = (touched & ((f.loss_period_from != f.period) | (f.loss_period_to != f.period)).to_numpy(bool)) | off
    spilled = np.append(spills, False)  # last: not an order of ``orders``
    seg_spill, out_spill = spilled[seg_wo], spilled[np.where(made, out_wo, n_wo)]
    spill_seg = events.iloc[rows[seg_spill]][["work_order_id", "work_center_id", "state"]].reset_index(drop=True)
    spill_seg["minutes"] = minutes[seg_spill]
    parts = _loss_parts(spill_seg, seg_month[seg_spill], output[out_spill], out_month[out_spill],
                        keep.set_index("work_order_id").period)
    return f.drop(columns=["period", "plant_id"]), parts


def _month_labels(months: np.ndarray, known: np.ndarray) -> pd.array:
    """``YYYY-MM`` of month numbers where ``known`` (missing elsewhere), each distinct month
    formatted once, as Arrow-backed text like the frames read from the database."""
    labels = np.full(len(months), np.nan, dtype=object)
    if known.any():
        inverse, distinct = pd.factorize(months[known])
        labels[known] = _month_text(distinct).astype(object)[inverse]
    return pd.array(labels, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _loss_parts(seg: pd.DataFrame, seg_month: np.ndarray, out: pd.DataFrame, out_month: np.ndarray,
                period_of_order: pd.Series) -> pd.DataFrame:
    keys = ["work_order_id", "work_center_id", "loss_period"]
    cols = ["period"] + keys + list(LOSS_STATE_COLUMNS) + ["n_segments", "product_id", "good_qty", "scrap_qty", "ideal_cycle_min",
                                                          "std_unit_cost", "n_output"]
    if seg.empty and out.empty:
        return pd.DataFrame(columns=cols)
    frames = []
    if len(seg):
        seg = seg.assign(loss_period=_month_text(seg_month))
        mins = seg.pivot_table(index=keys, columns="state", values="minutes", aggfunc="sum", fill_value=0.0)
        mins = mins.reindex(columns=list(oee.ALL_STATES), fill_value=0.0)
        mins.columns = list(LOSS_STATE_COLUMNS)
        mins["n_segments"] = seg.groupby(keys).size()
        frames.append(mins)
    if len(out):
        out = out.assign(loss_period=_month_text(out_month),
                         ideal_cycle_min=oee.compute_ideal_cycle_min(out))
        made = out.groupby(keys).agg(product_id=("product_id", "first"), good_qty=("good_qty", "sum"), scrap_qty=("scrap_qty", "sum"),
                                     ideal_cycle_min=("ideal_cycle_min", "first"), std_unit_cost=("std_unit_cost", "first"),
                                     n_output=("output_id", "size"))
        frames.append(made)
    parts = pd.concat(frames, axis=1).reset_index() if len(frames) > 1 else frames[0].reset_index()
    for c in list(LOSS_STATE_COLUMNS) + ["n_segments", "n_output"]:
        parts[c] = parts[c].fillna(0.0) if c in parts else 0.0
    parts[["n_segments", "n_output"]] = parts[["n_segments", "n_output"]].astype(int)
    for c in ["product_id", "good_qty", "scrap_qty", "ideal_cycle_min", "std_unit_cost"]:
        if c not in parts:
            parts[c] = np.nan
    parts["period"] = parts.work_order_id.map(period_of_order)
    return parts[cols]


def compute_window_loss(cut: pd.DataFrame, parts: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """Loss cost of the orders a window cuts (``cut``: work_order_id, the order's
    loss_cost_amount over all its events) as the events and output inside the window see it:
    ``analytics.oee.compute_work_order_loss_cost`` over their ``parts`` in the window (no part
    with both time and output: no loss). ``rates``: the work centers' hourly rates. Returns
    ``cut`` with window_loss_cost_amount."""
    redo = _loss_from_parts(parts[parts.work_order_id.isin(list(cut.work_order_id))], rates) if len(cut) else pd.Series(dtype=float)
    return cut.assign(window_loss_cost_amount=cut.work_order_id.map(redo).astype(float).fillna(0.0))


def compute_group_loss(groups: pd.DataFrame, cut: pd.DataFrame) -> pd.DataFrame:
    """``groups`` (orders summed per period x product x plant x work center, loss_cost_amount as
    derived) with oee_loss_amount = their loss in the window: the cut orders' derived loss
    replaced by their ``window_loss_cost_amount`` (``compute_window_loss``)."""
    loss = groups.loss_cost_amount.to_numpy(dtype=float)
    if len(cut):
        keys = ["period", "product_id", "plant_id", "work_center_id"]
        delta = cut.assign(_delta=cut.window_loss_cost_amount - cut.loss_cost_amount).groupby(keys, as_index=False)._delta.sum()
        loss = loss + 0.0  # a group without a cut order adds 0.0, as the left merge's filled delta did
        if len(groups) and len(delta):
            # each group's delta by an Arrow hash join on the four keys (10 -> 4 ms at L): a delta's key is unique and no key
            # is missing (the group-by dropped those), so each group adds at most one delta and the join's order is free
            text = lambda frame: {k: pa.array(frame[k], from_pandas=True).cast(pa.large_string()) for k in keys}  # noqa: E731
            added = pa.table({**text(groups), "_row": np.arange(len(groups))}).join(
                pa.table({**text(delta), "_delta": delta._delta.to_numpy(dtype=float)}), keys=keys, join_type="inner")
            np.add.at(loss, added["_row"].to_numpy(), added["_delta"].to_numpy())
    return groups.assign(oee_loss_amount=np.round(loss, 2))  # sums of cents: drop the float noise


def _loss_from_parts(parts: pd.DataFrame, rates: pd.DataFrame) -> pd.Series:
    """Loss cost per order from its parts: the parts' minutes stand for its segments and their
    output for its output records (sums over the same rows, so the same figures)."""
    timed = parts[parts.n_segments > 0]
    made = parts[parts.n_output > 0]
    if timed.empty or made.empty:
        return pd.Series(dtype=float)
    segments = timed.melt(id_vars=["work_order_id", "work_center_id"], value_vars=list(LOSS_STATE_COLUMNS), var_name="state",
                          value_name="minutes")
    segments["state"] = segments.state.str[:-len("_min")]
    output = made[["work_order_id", "product_id", "good_qty", "scrap_qty", "ideal_cycle_min", "std_unit_cost"]]
    rows = oee.compute_work_order_loss_cost(segments, output, rates)
    return compute_loss_per_order(rows).set_index("work_order_id").loss_cost_amount


def compute_order_fact_rows(variances: pd.DataFrame, loss: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``facts_orders``: ``compute_work_order_variances`` output with the actual and
    standard cost by component (overhead applied = actual − material − labor; standards of good
    output as ``analytics.money.compute_standard_cents`` splits them) and the order's loss
    (``compute_order_loss_facts``; no events or output: 0)."""
    f = variances.merge(loss, on="work_order_id", how="left")
    f[LOSS_AMOUNTS] = f[LOSS_AMOUNTS].astype(float).fillna(0.0)
    f["is_loss_off_plant"] = f.is_loss_off_plant.fillna(0).astype(int)
    f["overhead_amount"] = (_cents(f.actual_amount) - _cents(f.material_amount) - _cents(f.labor_amount)) / 100.0
    std = compute_standard_cents(f.good_qty.to_numpy(), f.std_material_cost, f.std_labor_cost, f.std_overhead_cost)
    for part in ("material", "labor", "overhead"):
        f[f"std_{part}_amount"] = std[part] / 100.0
    return f


def compute_order_groups(orders: pd.DataFrame, keys: list[str], sums: list[str]) -> pd.DataFrame:
    """Order rows summed over ``keys`` (columns constant within a group, such as a product's
    standards, may be among them), with n_orders: every summary of variances is a sum, so it
    reads the same from these groups as from the orders."""
    if orders.empty:
        return pd.DataFrame(columns=keys + ["n_orders"] + sums)
    # each group's orders by id: the float sums (hours, quantities) are the same bits whatever order the rows were read in
    orders = in_sum_order(orders, [], ["work_order_id"]) if "work_order_id" in orders.columns else orders
    g = orders.groupby(keys, as_index=False, dropna=False, sort=True).agg(n_orders=("work_order_id", "size"),
                                                                           **{c: (c, "sum") for c in sums})
    return g


def compute_material_usage_totals(materials: pd.DataFrame, variances: pd.DataFrame) -> pd.DataFrame:
    """Material used by completed orders per period x plant x product x supplier x material, as
    the usage price variance reads it: quantity (3 decimals per order x material), actual amount
    and standard amount = quantity x standard price rounded to cents per order x material."""
    keys = ["period", "plant_id", "product_id", "supplier_id", "material_id"]
    used = materials.merge(variances[["work_order_id", "period", "plant_id", "product_id"]], on="work_order_id", how="inner")
    used = used[used.material_id.notna()]
    if used.empty:
        return pd.DataFrame(columns=keys + ["n_lines", "actual_qty", "actual_amount", "standard_amount", "std_price"])
    qty = used.actual_qty.astype(float).round(3)
    used = used.assign(_qty=qty, _actual=_cents(used.actual_amount), _std=mul_cents(qty, 3, used.std_price.astype(float), 4))
    g = used.groupby(keys, as_index=False, dropna=False).agg(n_lines=("_qty", "size"), actual_qty=("_qty", "sum"),
                                                            _actual=("_actual", "sum"), _std=("_std", "sum"),
                                                            std_price=("std_price", "first"))
    g["actual_qty"] = g.actual_qty.round(3)
    g["actual_amount"] = g.pop("_actual") / 100.0
    g["standard_amount"] = g.pop("_std") / 100.0
    return g


def compute_price_variance_from_totals(totals: pd.DataFrame, basis: str = "usage") -> pd.DataFrame:
    """``analytics.price_variance.compute_price_variance`` from per-document figures already
    summed per period x supplier x material (qty, actual_amount, standard_amount, std_price):
    the same columns and figures, since each standard was rounded per document before the sum."""
    if totals.empty:
        return pd.DataFrame(columns=PV.COLUMNS + ["basis"])
    g = totals.copy()
    actual, std = _cents(g.actual_amount), _cents(g.standard_amount)
    g["qty"] = g.qty.astype(float)
    g["actual_amount"] = actual / 100.0
    g["standard_amount"] = std / 100.0
    g["price_variance_amount"] = (actual - std) / 100.0
    g["actual_unit_price"] = np.where(g.qty != 0, g.actual_amount / g.qty.where(g.qty != 0, 1.0), np.nan).round(4)
    g["std_price"] = g.std_price.astype(float)
    return g[PV.COLUMNS].assign(basis=basis).sort_values(PV.KEYS).reset_index(drop=True)
