"""Unusual vouchers and work orders: an isolation forest over robust z-scores, with reasons.

Method (docs/WARNINGS.md, "Anomalies"):

1. Features per voucher (from ``load_voucher_features``: one row per voucher x account) and
   per completed work order (``load_work_order_features``), each turned into a **robust
   z-score** against what is usual for it: ``z = (x − median) / scale`` with ``scale = 1.4826
   × MAD`` (the standard deviation for normal data), or ``1.2533 × mean absolute deviation``
   where more than half the values are equal, capped at ±50.

   * voucher (usual = the same voucher type when it has at least six vouchers in the scope and
     its history, else every voucher of the scope): ``amount`` (log10 of the amount on an
     account, against the type on that account or the account; only from three times the usual
     amount), ``type_rarity`` (the share of the history's months without its type),
     ``missing_source`` (the share of its lines without a source document, weighted by how often
     that account's lines have one), ``weekday`` and ``day_of_month`` (−log10 of the share of
     vouchers posted on that weekday / day; only under 1 %), ``n_lines``. The data contract has
     no posting user, so there is no user feature.
   * work order (against the same product's orders completed in the history window; only 10 %
     or more from the usual value): ``unit_cost`` (material + labor per good unit),
     ``material_per_unit``, ``labor_h_per_unit``, ``scrap_rate`` (scrap / (good + scrap)),
     ``yield`` (good / planned).

2. An ``IsolationForest`` (scikit-learn, ``random_state`` = the seed) is fitted on at most
   ``fit_rows`` rows sampled with the same seed from the scope and scores the rows; a row is
   flagged when the forest calls it an outlier at the given contamination **and** at least one
   feature is ``min_z`` or more from usual. The second condition makes every flag explainable
   and lets only those candidates be scored (fast at ten million lines).

3. Each flagged row carries its ``reasons``: the features with |z| >= ``min_z`` (most unusual
   first), each with its value, the usual value (the median it was compared with) and z.

Same data, same settings, same seed: the same flags and reasons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

Z_CAP = 50.0
RARE_VALUE = 2.0  # −log10(1 %): a posting weekday or day of month with fewer of the group's vouchers
AMOUNT_RATIO = 3.0  # a voucher amount is a reason from three times the usual amount on its account
MIN_RELATIVE = 0.10  # a work-order feature is a reason from 10 % away from the product's usual value
VOUCHER_FEATURES = ("amount", "type_rarity", "missing_source", "weekday", "day_of_month", "n_lines")
WORK_ORDER_FEATURES = ("unit_cost", "material_per_unit", "labor_h_per_unit", "scrap_rate", "yield")


def robust_z(values: pd.Series, groups: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """``(z, median)`` of each value against its group (all values when ``groups`` is None):
    ``z = (x − median) / scale``, scale = 1.4826 × MAD, or 1.2533 × the mean absolute deviation
    when the MAD is 0; z is 0 where the scale is 0 too, and capped at ±50.

    >>> robust_z(pd.Series([10.0, 11.0, 9.0, 10.0, 30.0]))[0].round(2).tolist()  # MAD 1: scale 1.4826
    [0.0, 0.67, -0.67, 0.0, 13.49]
    """
    x = values.astype(float)
    keys = groups if groups is not None else pd.Series(0, index=x.index)
    median = x.groupby(keys).transform("median")
    dev = (x - median).abs()
    mad = dev.groupby(keys).transform("median") * 1.4826
    mean_ad = dev.groupby(keys).transform("mean") * 1.2533
    scale = mad.where(mad > 1e-12, mean_ad)
    z = ((x - median) / scale.where(scale > 1e-12)).fillna(0.0).clip(-Z_CAP, Z_CAP)
    return z, median


def _stats(values: pd.Series, keys: list[pd.Series]) -> pd.DataFrame:
    """Median, robust scale (see ``robust_z``) and count of ``values`` per key."""
    x = values.astype(float)
    g = x.groupby(keys)
    median = g.transform("median")
    dev = (x - median).abs()
    frame = pd.DataFrame({"median": median, "mad": dev.groupby(keys).transform("median") * 1.4826,
                          "mean_ad": dev.groupby(keys).transform("mean") * 1.2533})
    frame["scale"] = frame.mad.where(frame.mad > 1e-12, frame.mean_ad)
    frame["n"] = g.transform("size")
    for k in keys:
        frame[k.name] = k.to_numpy()
    return frame.drop_duplicates([k.name for k in keys]).set_index([k.name for k in keys])[["median", "scale", "n"]]


def _z_from(values: pd.Series, stats: pd.DataFrame, keys: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(z, median, n) of ``values`` against ``stats`` looked up by the columns of ``keys``."""
    idx = pd.MultiIndex.from_frame(keys) if keys.shape[1] > 1 else pd.Index(keys.iloc[:, 0])
    st = stats.reindex(idx)
    med, scale, n = st["median"].to_numpy(), st["scale"].to_numpy(), st["n"].fillna(0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (values.to_numpy(dtype=float) - med) / np.where(scale > 1e-12, scale, np.nan)
    z = np.clip(np.nan_to_num(z, nan=0.0), -Z_CAP, Z_CAP)
    return pd.Series(z, index=values.index), pd.Series(med, index=values.index), pd.Series(n, index=values.index)


def _share(frame: pd.DataFrame, by: list[str], of: str) -> pd.Series:
    """The share of ``frame``'s rows within ``by`` that have the same ``of`` value."""
    counted = frame.assign(_n=1)
    n_same = counted.groupby(by + [of])["_n"].transform("size")
    n_all = counted.groupby(by)["_n"].transform("size") if by else len(frame)
    return n_same / n_all


def _per_voucher(rows: pd.DataFrame, sourced: pd.Series) -> pd.DataFrame:
    """Voucher-level raw features of voucher x account rows (``sourced``: each account's share of
    lines that have a source document, in the scope)."""
    r = rows.assign(missing_weight=rows.n_unsourced / rows.n_lines * rows.account_code.map(sourced).fillna(0.0))
    g = r.groupby("voucher_no")
    v = g[["voucher_type", "plant_id", "voucher_date"]].first()
    v["amount_amount"] = g.amount.sum() / 2
    v["missing_source_value"] = g.missing_weight.sum() / g.size()
    v["n_lines_value"] = g.n_lines.sum().astype(float)
    date = pd.to_datetime(v.voucher_date)
    v["weekday_key"], v["day_key"] = date.dt.day_of_week.to_numpy(), date.dt.day.to_numpy()
    v["month_key"] = date.dt.strftime("%Y-%m").to_numpy()
    return v.reset_index()


def compute_voucher_features(rows: pd.DataFrame, history: pd.DataFrame | None = None, min_group: int = 6) -> pd.DataFrame:
    """One row per voucher of ``rows`` (the scope, ``load_voucher_features``) with each
    feature's raw value (``<f>_value``), usual value (``<f>_usual``) and robust z (``<f>_z``),
    plus voucher_no, voucher_type, plant_id, voucher_date, amount_amount (its debits + credits
    / 2) and main_account (the account of the amount feature).

    "Usual" is the same voucher type's vouchers (in the scope and ``history``, the rows of the
    types with fewer than ``min_group`` vouchers in the scope over the history window) when the
    type has at least ``min_group`` of them, else every voucher of the scope: a monthly payroll
    voucher is compared with last months' payroll, a one-off manual journal with everything.
    ``type_rarity`` is the share of the history's months without the type (0 for a type with
    ``min_group`` vouchers in the scope)."""
    if rows.empty:
        return pd.DataFrame(columns=["voucher_no"])
    older = None if history is None or history.empty else history[~history.voucher_no.isin(rows.voucher_no)]
    ref = rows if older is None or older.empty else pd.concat([rows, older], ignore_index=True)
    sourced = 1.0 - rows.n_unsourced.groupby(rows.account_code).sum() / rows.n_lines.groupby(rows.account_code).sum()
    scope_v = _per_voucher(rows, sourced)
    ref_v = scope_v if older is None or older.empty else pd.concat([scope_v, _per_voucher(older, sourced)], ignore_index=True)
    n_type = ref_v.groupby("voucher_type").size()
    known = scope_v.voucher_type.map(n_type).fillna(0) >= min_group
    group = scope_v.voucher_type.where(known, "*")
    ref_known = ref_v.voucher_type.map(n_type).fillna(0) >= min_group
    ref_v["group"] = ref_v.voucher_type.where(ref_known, "*")
    every = scope_v.assign(group="*")  # the "everything" reference is the scope's vouchers
    reference = pd.concat([ref_v[ref_v.group != "*"], every], ignore_index=True)
    v = scope_v.assign(group=group.to_numpy())
    # rarity of the posting weekday and day of month within the reference group
    for f, key in (("weekday", "weekday_key"), ("day_of_month", "day_key")):
        reference[f"{f}_value"] = -np.log10(_share(reference, ["group"], key).astype(float))
        lookup = reference.drop_duplicates(["group", key]).set_index(["group", key])[f"{f}_value"]
        v[f"{f}_value"] = lookup.reindex(pd.MultiIndex.from_frame(v[["group", key]])).to_numpy()
    for f in ("missing_source", "n_lines", "weekday", "day_of_month"):
        stats = _stats(reference[f"{f}_value"], [reference.group])
        v[f"{f}_z"], v[f"{f}_usual"], _ = _z_from(v[f"{f}_value"], stats, v[["group"]])
    # a posting weekday or day is unusual only where fewer than 1 % of the group's vouchers fall
    for f in ("weekday", "day_of_month"):
        v[f"{f}_z"] = v[f"{f}_z"].where(v[f"{f}_value"] > RARE_VALUE, 0.0)
    # a type rare in the scope: the share of the history's months without it
    months = max(ref_v.month_key.nunique(), 1)
    present = ref_v.groupby("voucher_type").month_key.nunique()
    v["type_rarity_value"] = np.where(known, 0.0, 1.0 - v.voucher_type.map(present).fillna(1).to_numpy() / months)
    v["type_rarity_z"], v["type_rarity_usual"] = robust_z(v.type_rarity_value)
    # amount on each account against the same type on that account, or the account's scope rows
    r = rows.assign(log_amount=np.log10(rows.amount.clip(lower=0.01)))
    refr = ref.assign(log_amount=np.log10(ref.amount.clip(lower=0.01)))
    by_type = _stats(refr.log_amount, [refr.voucher_type, refr.account_code])
    by_acc = _stats(r.log_amount, [r.account_code.rename("account_code")])
    z_t, med_t, n_t = _z_from(r.log_amount, by_type, r[["voucher_type", "account_code"]])
    z_a, med_a, _ = _z_from(r.log_amount, by_acc, r[["account_code"]])
    use_type = n_t >= min_group
    # only larger than usual, and at least AMOUNT_RATIO times the usual, is a reason: a small
    # voucher puts little at stake, and a tight account makes small differences look extreme
    r["amount_usual"] = 10 ** np.where(use_type, med_t, med_a)
    r["amount_z"] = np.where(r.amount >= AMOUNT_RATIO * r.amount_usual, np.clip(np.where(use_type, z_t, z_a), 0.0, None), 0.0)
    r["abs_z"] = np.abs(r.amount_z)
    top = r.sort_values(["voucher_no", "abs_z", "account_code"], ascending=[True, False, True]).drop_duplicates("voucher_no")
    top = top.set_index("voucher_no").reindex(v.voucher_no)
    v["main_account"] = top.account_code.to_numpy()
    v["amount_value"] = top.amount.to_numpy()
    v["amount_usual"] = top.amount_usual.to_numpy()
    v["amount_z"] = top.amount_z.to_numpy()
    # only the unusual direction of a rarity or a missing source is a reason
    for f in ("type_rarity", "missing_source", "weekday", "day_of_month"):
        v[f"{f}_z"] = v[f"{f}_z"].clip(lower=0.0)
    return v.drop(columns=["weekday_key", "day_key", "month_key", "group"]).sort_values("voucher_no").reset_index(drop=True)


def compute_work_order_features(orders: pd.DataFrame, min_history: int = 5) -> pd.DataFrame:
    """One row per work order with ``<f>_value``, ``<f>_usual`` and ``<f>_z`` of each work-order
    feature against the same product's orders in ``orders`` (products with fewer than
    ``min_history`` orders get z = 0), plus ``expected_cost_amount`` (the product's usual unit
    cost x good quantity) and ``excess_cost_amount`` (actual − expected, the amount at stake)."""
    if orders.empty:
        return pd.DataFrame(columns=["work_order_id"])
    o = orders.sort_values("work_order_id").reset_index(drop=True).copy()
    good = o.completed_qty.where(o.completed_qty > 0)
    o["cost_amount"] = o.material_amount + o.labor_amount
    o["unit_cost_value"] = o.cost_amount / good
    o["material_per_unit_value"] = o.material_amount / good
    o["labor_h_per_unit_value"] = o.labor_h / good
    o["scrap_rate_value"] = o.scrap_qty / (o.completed_qty + o.scrap_qty).where(o.completed_qty + o.scrap_qty > 0)
    o["yield_value"] = o.completed_qty / o.planned_qty.where(o.planned_qty > 0)
    enough = o.groupby("product_id").work_order_id.transform("size") >= min_history
    for f in WORK_ORDER_FEATURES:
        z, med = robust_z(o[f"{f}_value"].fillna(o[f"{f}_value"].median()), o.product_id)
        # a product whose orders cost nearly the same makes a 3 % difference look extreme: a
        # reason needs MIN_RELATIVE of the usual value as well
        far = (o[f"{f}_value"] - med).abs() >= MIN_RELATIVE * med.abs()
        o[f"{f}_z"] = z.where(enough & o[f"{f}_value"].notna() & far, 0.0)
        o[f"{f}_usual"] = med
    o["expected_cost_amount"] = (o.unit_cost_usual * o.completed_qty).round(2)
    o["excess_cost_amount"] = (o.cost_amount - o.expected_cost_amount).round(2)
    return o


def compute_anomalies(features: pd.DataFrame, names: tuple[str, ...], key: str, seed: int = 0, fit_rows: int = 20_000,
                      contamination: float = 0.002, min_z: float = 4.0, min_rows: int = 200, max_items: int = 25,
                      score_mask: pd.Series | None = None) -> pd.DataFrame:
    """The flagged rows of ``features`` (``compute_voucher_features`` or
    ``compute_work_order_features``), most unusual first, at most ``max_items``: ``key``,
    ``score`` (the forest's anomaly score, higher = more unusual) and ``reasons`` (a list of
    ``{"feature", "value", "usual", "z"}`` with |z| >= ``min_z``, most unusual first).
    ``score_mask`` limits which rows may be flagged (the scope's work orders among their
    history); the forest is fitted on all rows. Fewer than ``min_rows`` rows: nothing."""
    empty = pd.DataFrame(columns=[key, "score", "reasons"])
    if len(features) < min_rows:
        return empty
    from sklearn.ensemble import IsolationForest

    cols = [f"{n}_z" for n in names]
    x = features[cols].to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    fit = x if len(x) <= fit_rows else x[np.sort(rng.choice(len(x), size=fit_rows, replace=False))]
    forest = IsolationForest(n_estimators=100, max_samples=min(256, len(fit)), contamination=contamination, random_state=seed).fit(fit)
    candidate = np.abs(x).max(axis=1) >= min_z
    if score_mask is not None:
        candidate &= score_mask.to_numpy(dtype=bool)
    idx = np.flatnonzero(candidate)
    if len(idx) == 0:
        return empty
    decision = forest.decision_function(x[idx])  # negative: an outlier at the contamination
    keep = decision < 0
    idx, decision = idx[keep], decision[keep]
    if len(idx) == 0:
        return empty
    order = np.lexsort((features[key].to_numpy()[idx], decision))[:max_items]
    out = []
    for i in order:
        row = features.iloc[idx[i]]
        reasons = [{"feature": n, "value": _f(row[f"{n}_value"]), "usual": _f(row[f"{n}_usual"]), "z": round(float(row[f"{n}_z"]), 2)}
                   for n in names if abs(float(row[f"{n}_z"])) >= min_z]
        reasons.sort(key=lambda r: (-abs(r["z"]), r["feature"]))
        out.append({key: row[key], "score": round(float(-decision[i]), 4), "reasons": reasons})
    return pd.DataFrame(out, columns=[key, "score", "reasons"])


def _f(value) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return round(f, 4) if np.isfinite(f) else None
