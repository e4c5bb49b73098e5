"""Manufacturing overhead variances with a variable / fixed split: the four-, three- and
two-way analyses of Horngren, Datar & Rajan, *Cost Accounting: A Managerial Emphasis*, ch. 8.

Sign rule: variance = actual − standard (or budget − applied); positive is unfavorable, as
everywhere in the app. Every analysis adds up — to the cent — to the total overhead variance
= overhead incurred − overhead applied at standard hours of output.

Allocation base: machine hours. For a work center and a month, with AH the machine hours its
completed orders held, SH the standard machine hours allowed for their good output, VR / FR the
variable / fixed overhead rates per machine hour and D the denominator hours of the month:

    variable spending   = actual variable overhead − AH × VR
    variable efficiency = AH × VR − SH × VR
    fixed spending      = actual fixed overhead − FR × D              (FR × D = budgeted fixed overhead)
    production volume   = FR × D − SH × FR
    three-way: spending = variable + fixed spending; efficiency = variable efficiency; volume
    two-way: controllable (the flexible-budget variance) = spending + efficiency; volume

Each of AH × VR, SH × VR, SH × FR and FR × D is rounded to cents once per work center and
month, so every view telescopes exactly. Actual overhead is booked per cost center, not per work
center: a plant's variable (fixed) overhead of a month is allocated to its work centers in
proportion to their flexible variable budget AH × VR (their fixed budget FR × D), to the cent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.money import in_sum_order

FOUR_WAY = ("variable_spending", "variable_efficiency", "fixed_spending", "production_volume")
OVERHEAD_VIEWS = {
    "four_way": FOUR_WAY,
    "three_way": ("spending", "efficiency", "production_volume"),
    "two_way": ("controllable", "production_volume"),
}
UNALLOCATED = "(unallocated)"
# the columns of the work-order facts that ``compute_overhead_inputs`` reads
ORDER_COLUMNS = ("period", "plant_id", "work_center_id", "good_qty", "machine_s", "std_overhead_cost", "absorption_rate_per_h")
INPUT_COLUMNS = ["actual_variable_amount", "actual_fixed_amount", "actual_h", "std_h", "variable_rate_per_h", "fixed_rate_per_h",
           "denominator_h"]
_AMOUNTS = ["actual_variable_amount", "actual_fixed_amount", "actual_amount", "flexible_variable_amount", "applied_variable_amount",
            "budget_fixed_amount", "applied_fixed_amount", "applied_amount"]
VARIANCE_COLUMNS = [f"{v}_amount" for v in FOUR_WAY + ("spending", "efficiency", "controllable")] + ["total_overhead_variance_amount"]


def _cents(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float) * 100).astype(np.int64)


def compute_overhead_variances(inputs: pd.DataFrame) -> pd.DataFrame:
    """Every view's variances, one row per input row (any grain: a work center x month, or a
    textbook example). ``inputs`` holds actual_variable_amount, actual_fixed_amount, actual_h,
    std_h (standard hours allowed for actual output), variable_rate_per_h, fixed_rate_per_h and
    denominator_h (NaN: no denominator, the fixed budget is taken as applied and flagged).

    Webb Company: production volume = 57.50 × (4,800 − 4,000) = 46,000.00 (U).
    """
    missing = [c for c in INPUT_COLUMNS if c not in inputs]
    if missing:
        raise ValueError(f"inputs lacks columns {missing}")
    f = inputs.copy()
    vr, fr = f.variable_rate_per_h.astype(float).fillna(0.0), f.fixed_rate_per_h.astype(float).fillna(0.0)
    ah, sh = f.actual_h.astype(float).fillna(0.0), f.std_h.astype(float).fillna(0.0)
    f["is_denominator_missing"] = f.denominator_h.isna()
    act_v, act_f = _cents(f.actual_variable_amount.fillna(0.0)), _cents(f.actual_fixed_amount.fillna(0.0))
    flex_v, applied_v, applied_f = _cents(ah * vr), _cents(sh * vr), _cents(sh * fr)
    budget_f = np.where(f.is_denominator_missing, applied_f, _cents(fr * f.denominator_h.astype(float).fillna(0.0)))
    cents = {
        "actual_variable_amount": act_v, "actual_fixed_amount": act_f, "actual_amount": act_v + act_f,
        "flexible_variable_amount": flex_v, "applied_variable_amount": applied_v, "budget_fixed_amount": budget_f,
        "applied_fixed_amount": applied_f, "applied_amount": applied_v + applied_f,
        "variable_spending_amount": act_v - flex_v,
        "variable_efficiency_amount": flex_v - applied_v,
        "fixed_spending_amount": act_f - budget_f,
        "production_volume_amount": budget_f - applied_f,
    }
    cents["spending_amount"] = cents["variable_spending_amount"] + cents["fixed_spending_amount"]
    cents["efficiency_amount"] = cents["variable_efficiency_amount"]
    cents["controllable_amount"] = cents["spending_amount"] + cents["efficiency_amount"]
    cents["total_overhead_variance_amount"] = cents["actual_amount"] - cents["applied_amount"]
    for name, value in cents.items():
        f[name] = np.asarray(value, dtype=np.int64) / 100.0
    return f


def _allocate(total_cents: int, weights: np.ndarray) -> np.ndarray:
    """``total_cents`` spread over ``weights`` in whole cents that add up exactly (largest
    remainders take the leftover cents); equal shares when every weight is zero."""
    w = np.asarray(weights, dtype=float)
    if len(w) == 0:
        return np.zeros(0, dtype=np.int64)
    if not (w > 0).any():
        w = np.ones(len(w))
    w = np.where(w > 0, w, 0.0)
    raw = total_cents * w / w.sum()
    base = np.floor(raw).astype(np.int64)
    left = int(total_cents - base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:left]] += 1
    return base


def _hours(slim: pd.DataFrame) -> pd.DataFrame:
    """``in_sum_order(slim, ["period", "work_center_id"], ["std_h"])`` grouped by period x work
    center and summed (machine_s, std_h): each group's hours added in the same order (ascending)
    by the same group-by, the keys' sorted codes as one integer, without reordering the frame or
    sorting three keys (173 k orders a year at L)."""
    if slim.empty:
        return in_sum_order(slim, ["period", "work_center_id"], ["std_h"]).groupby(["period", "work_center_id"], as_index=False)[
            ["machine_s", "std_h"]].sum()
    period, periods = pd.factorize(slim.period, sort=True)
    center, centers = pd.factorize(slim.work_center_id, sort=True)
    named = (period >= 0) & (center >= 0)  # a missing key is no group
    key = period[named].astype(np.int64) * len(centers) + center[named]
    std_h, machine_s = slim.std_h.to_numpy(dtype=float)[named], slim.machine_s.to_numpy(dtype=float)[named]
    # by the hours, then stably by the key: each key's rows by their hours (rows of equal hours, or missing ones, which the
    # sum skips, are interchangeable in the hours' sum, and machine seconds are whole: exact in any order; so the first
    # sort need not be stable)
    order = np.argsort(std_h)
    order = order[np.argsort(key[order], kind="stable")]
    sums = pd.DataFrame({"machine_s": machine_s[order], "std_h": std_h[order]}).groupby(key[order], sort=True).sum()
    at = sums.index.to_numpy(dtype=np.int64)
    return pd.DataFrame({"period": periods.take(at // len(centers)), "work_center_id": centers.take(at % len(centers)),
                         "machine_s": sums.machine_s.to_numpy(), "std_h": sums.std_h.to_numpy()})


def compute_overhead_inputs(orders: pd.DataFrame, incurred: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """The inputs of ``compute_overhead_variances`` per period x work center.

    ``orders``: work-order facts (period, plant_id, work_center_id, good_qty, machine_s,
    std_overhead_cost, absorption_rate_per_h); ``incurred``: period, plant_id, cost_behavior,
    incurred_amount; ``rates``: one row per work center with plant_id, absorption_rate_per_h,
    variable_ / fixed_overhead_rate_per_h and denominator_h_per_month.

    A work center's standard machine hours per unit are its product's standard overhead cost
    over the absorption rate. Missing rates: fixed = absorption − variable (all fixed when both
    are missing). Every work center of a plant gets a row in each month the plant has overhead
    or completions (its fixed budget runs whether it worked or not); a plant with overhead but
    no work center keeps it on a row ``(unallocated)``.
    """
    r = rates.copy()
    absorption = r.absorption_rate_per_h.astype(float)
    vr = r.variable_overhead_rate_per_h.astype(float)
    fr = r.fixed_overhead_rate_per_h.astype(float)
    r["variable_rate_per_h"] = vr.fillna(pd.Series(np.where(fr.notna(), absorption - fr, 0.0), index=r.index))
    r["fixed_rate_per_h"] = fr.fillna(absorption - r.variable_rate_per_h)
    r["denominator_h"] = r.denominator_h_per_month.astype(float)
    o = orders.copy()
    rate = o.absorption_rate_per_h.astype(float)
    o["std_h"] = np.where(rate > 0, o.good_qty.astype(float) * o.std_overhead_cost.astype(float) / rate.where(rate > 0, 1.0), 0.0)
    # whole seconds summed, then hours: the same hours whatever order (or grouping) the orders come in. Standard hours
    # (quantity x standard overhead / rate: many decimals) are summed over the rows in a canonical order, so that SH x VR
    # is the same float on every database and a product on a half cent rounds the same way (Spark returns other orders)
    slim = o[["period", "work_center_id", "machine_s", "std_h"]].assign(machine_s=o.machine_s.astype(float))
    hours = _hours(slim)
    hours.insert(2, "actual_h", hours.pop("machine_s") / 3600.0)
    act = incurred.pivot_table(index=["period", "plant_id"], columns="cost_behavior", values="incurred_amount", aggfunc="sum",
                               fill_value=0.0).reindex(columns=["variable", "fixed"], fill_value=0.0) if len(incurred) else \
        pd.DataFrame(columns=["variable", "fixed"], index=pd.MultiIndex.from_tuples([], names=["period", "plant_id"]))
    cells = pd.concat([act.reset_index()[["period", "plant_id"]], o[["period", "plant_id"]]]).drop_duplicates()
    grid = cells.merge(r[["work_center_id", "plant_id", "variable_rate_per_h", "fixed_rate_per_h", "denominator_h"]], on="plant_id", how="left")
    grid["work_center_id"] = grid.work_center_id.fillna(UNALLOCATED)
    grid = grid.merge(hours, on=["period", "work_center_id"], how="left")
    grid[["actual_h", "std_h"]] = grid[["actual_h", "std_h"]].fillna(0.0)
    grid[["variable_rate_per_h", "fixed_rate_per_h"]] = grid[["variable_rate_per_h", "fixed_rate_per_h"]].fillna(0.0)
    grid = grid.sort_values(["period", "plant_id", "work_center_id"]).reset_index(drop=True)
    # allocation weights of every row, then each plant x month's overhead spread over its rows (on arrays: a pandas
    # .loc per cell costs more than the arithmetic)
    fixed_all = (grid.fixed_rate_per_h * grid.denominator_h.fillna(0.0)).to_numpy()
    var_all = (grid.variable_rate_per_h * grid.actual_h).to_numpy()
    actual_v, actual_f = np.zeros(len(grid)), np.zeros(len(grid))
    booked = {key: (v, f) for key, v, f in zip(act.index, act["variable"].to_numpy(), act["fixed"].to_numpy())}
    for key, idx in grid.groupby(["period", "plant_id"]).indices.items():
        if key not in booked:
            continue
        fixed_w, var_w = fixed_all[idx], var_all[idx]
        if not (var_w > 0).any():
            var_w = fixed_w
        actual_v[idx] = _allocate(int(_cents(booked[key][0])), var_w) / 100.0
        actual_f[idx] = _allocate(int(_cents(booked[key][1])), fixed_w) / 100.0
    grid["actual_variable_amount"], grid["actual_fixed_amount"] = actual_v, actual_f
    return grid[["period", "plant_id", "work_center_id"] + INPUT_COLUMNS]


def compute_overhead_summary(variances: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Hours, amounts and every view's variances summed over ``by`` (period, plant, work
    center, or [] for the total). Sums of rounded parts, so each view still adds up exactly."""
    cols = ["actual_h", "std_h", "denominator_h"] + _AMOUNTS + VARIANCE_COLUMNS
    v = variances.assign(denominator_h=variances.denominator_h.astype(float).fillna(0.0))
    g = v.groupby(by, as_index=False)[cols].sum() if by else v[cols].sum().to_frame().T
    money = [c for c in g.columns if c.endswith("_amount")]
    g[money] = g[money].astype(float).round(2)
    g[["actual_h", "std_h", "denominator_h"]] = g[["actual_h", "std_h", "denominator_h"]].astype(float).round(2)
    return g.reset_index(drop=True)


def compute_overhead_view(summary: pd.DataFrame, view: str, keys: list[str]) -> pd.DataFrame:
    """One analysis of a summary: ``keys``, actual, applied, the view's variances and the total."""
    if view not in OVERHEAD_VIEWS:
        raise ValueError(f"view must be one of {tuple(OVERHEAD_VIEWS)}, got {view!r}")
    cols = keys + ["actual_amount", "applied_amount"] + [f"{v}_amount" for v in OVERHEAD_VIEWS[view]] + ["total_overhead_variance_amount"]
    return summary[cols].copy()
