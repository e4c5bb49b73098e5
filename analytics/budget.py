"""Budget execution: budget vs committed vs actual, roll-ups, phasing, year-end landing, controls.

Sign rules (docs/FORMULAS.md):
* amounts are in natural sign: revenue lines (account type revenue) = credit − debit; cost lines
  (account type expense) = debit − credit;
* variance = actual − budget, so budget + variance = actual;
* favorable (F) when a cost line is under budget or a revenue line over it; unfavorable (U) otherwise;
* execution = actual / budget; consumption = (actual + committed) / budget;
  available = budget − committed − actual (cost lines).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEYS = ["period", "cost_center_id", "account_code"]
METHODS = ("remaining_budget", "run_rate", "seasonal")


def _ancestors(node: str, parent: dict[str, str]) -> list[str]:
    out, seen = [], set()
    while isinstance(node, str) and node and node not in seen:
        out.append(node)
        seen.add(node)
        node = parent.get(node)
    return out


def compute_budget_facts(budget: pd.DataFrame, actual: pd.DataFrame, committed: pd.DataFrame, accounts: pd.DataFrame,
                         version: str = "original") -> pd.DataFrame:
    """One row per period x cost center x account: budget (of ``version``), actual and committed
    in natural sign, with the line type (revenue or cost) and the account's parent."""
    if version not in set(budget.version) and not budget.empty:
        raise ValueError(f"no budget version {version!r}; have {sorted(set(budget.version))}")
    acc = accounts.set_index("account_code")
    is_rev = actual.account_code.map(acc.account_type).eq("revenue").to_numpy()
    amounts = ["budget_amount", "actual_amount", "committed_amount"]
    parts = [budget.loc[budget.version == version, KEYS + ["budget_amount"]],
             actual[KEYS].assign(actual_amount=np.where(is_rev, actual.credit_amount - actual.debit_amount, actual.debit_amount - actual.credit_amount))]
    if not committed.empty:
        parts.append(committed[KEYS + ["committed_amount"]])
    # one group-by over the three kinds of rows stacked (each amount missing on the others' rows, which a sum skips): each
    # key's sums of its own rows in their order, keys sorted, as the three group-bys joined by outer merges gave them
    stacked = pd.concat([p.reindex(columns=KEYS + amounts) for p in parts], ignore_index=True)
    stacked[amounts] = stacked[amounts].astype(float)
    f = stacked.groupby(KEYS, as_index=False)[amounts].sum()
    f["line_type"] = np.where(f.account_code.map(acc.account_type).eq("revenue"), "revenue", "cost")
    return f


def compute_rollup(facts: pd.DataFrame, cost_centers: pd.DataFrame, accounts: pd.DataFrame, account_tree: bool = True) -> pd.DataFrame:
    """Every fact row repeated for each ancestor of its cost center (and, with ``account_tree``,
    of its account), so that a group-by on ``cost_center_node`` (and ``account_node``) gives
    correct roll-ups. Group by both nodes when both trees are expanded, or a row counts once
    per ancestor of the other tree. ``cc_depth`` / ``account_depth`` tell the level (0 = root)."""
    cc_parent = {n: p for n, p in zip(cost_centers.cost_center_id, cost_centers.parent_id) if isinstance(p, str)}
    acc_parent = {n: p for n, p in zip(accounts.account_code, accounts.parent_code) if isinstance(p, str) and account_tree}
    cc_up = {n: _ancestors(n, cc_parent) for n in set(facts.cost_center_id)}
    acc_up = {n: _ancestors(n, acc_parent) for n in set(facts.account_code)}
    out = _explode(facts, "cost_center_node", facts.cost_center_id, cc_up)
    out = _explode(out, "account_node", out.account_code, acc_up)
    depth_cc = {n: len(_ancestors(n, cc_parent)) - 1 for n in set(cost_centers.cost_center_id)}
    depth_acc = {n: len(_ancestors(n, acc_parent)) - 1 for n in set(accounts.account_code)}
    out["cc_depth"] = out.cost_center_node.map(depth_cc)
    out["account_depth"] = out.account_node.map(depth_acc)
    return out.reset_index(drop=True)


def _explode(frame: pd.DataFrame, name: str, keys: pd.Series, lists: dict) -> pd.DataFrame:
    """``frame.assign(name=keys.map(lists)).explode(name)`` without a list per row in the frame:
    each row repeated once per value of its key's list, in the list's order (an empty list: once,
    with a missing value), the index labels repeated as explode repeats them."""
    got = [lists.get(k) or [np.nan] for k in keys.tolist()]
    counts = np.fromiter(map(len, got), dtype=np.int64, count=len(got))
    out = frame.iloc[np.repeat(np.arange(len(frame)), counts)]
    return out.assign(**{name: pd.Series([v for values in got for v in values], index=out.index)}) if len(out) else \
        frame.assign(**{name: keys.map(lists)}).explode(name)


def compute_execution(facts: pd.DataFrame, by: list[str], to_date: str | None = None) -> pd.DataFrame:
    """Budget, actual, committed, variance, execution, consumption and available over ``by``.

    Revenue and cost lines are never netted: ``line_type`` is always part of the grouping.
    With ``to_date`` (a period), also the time-phased view: budget and actual of the periods up
    to it, and the phased execution actual_to_date / budget_to_date.
    """
    keys = list(dict.fromkeys(by + ["line_type"]))
    cols = [c for c in ("budget_amount", "actual_amount", "committed_amount") if c in facts]
    f = {k: facts[k] for k in keys} | {c: facts[c] for c in cols}  # only what is grouped: no copy of the other columns
    if to_date is not None:
        upto = (facts.period <= to_date).to_numpy()
        f["budget_to_date_amount"] = np.where(upto, facts.budget_amount, 0.0)
        f["actual_to_date_amount"] = np.where(upto, facts.actual_amount, 0.0)
        cols = cols + ["budget_to_date_amount", "actual_to_date_amount"]
    g = pd.DataFrame(f, index=facts.index).groupby(keys, as_index=False, dropna=False)[cols].sum()
    # the ratios on arrays (a few thousand rows at most: pandas' per-operation cost was most of the time)
    cost = (g.line_type == "cost").to_numpy()
    budget, actual, committed = (g[c].to_numpy(dtype=float) for c in ("budget_amount", "actual_amount", "committed_amount"))

    def ratio(num, den):
        return np.where(den != 0, num / np.where(den != 0, den, 1), np.nan)

    variance = actual - budget
    favorable = np.where(cost, variance <= 0, variance >= 0)
    out = {
        "variance_amount": variance,
        "variance_pct": ratio(variance, np.abs(budget)),
        "execution_pct": ratio(actual, budget),
        "consumption_pct": np.where(cost, ratio(actual + committed, budget), np.nan),
        "available_amount": np.where(cost, budget - committed - actual, np.nan),
        "fav_unfav": np.where(np.abs(variance) < 0.005, "—", np.where(favorable, "F", "U")),
    }
    if "budget_to_date_amount" in g:
        out["phased_execution_pct"] = ratio(g.actual_to_date_amount.to_numpy(dtype=float), g.budget_to_date_amount.to_numpy(dtype=float))
    columns = {c: g[c] for c in g.columns} | out
    return pd.DataFrame({c: np.round(np.asarray(v, dtype=float), 2) if c.endswith("_amount") else v for c, v in columns.items()})


def compute_landing(year_facts: pd.DataFrame, history: pd.DataFrame, last_closed: str, method: str = "run_rate") -> pd.DataFrame:
    """Year-end landing per cost center x account: actual to ``last_closed`` + a forecast of the
    remaining months, against the full-year budget.

    Methods: ``remaining_budget`` (the rest of the year lands on budget), ``run_rate`` (the
    average actual month so far, for each remaining month), ``seasonal`` (per line, the model
    chosen by rolling-origin backtest among naive, seasonal naive, AR(1) and ETS with additive or
    multiplicative season, analytics.forecast, with the season length of the periods' frequency;
    run rate where there are fewer than two seasons of history). ``forecast_model`` names the
    method or the chosen model of each line.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    keys = ["cost_center_id", "account_code", "line_type"]
    f = year_facts.copy()
    closed = f.period <= last_closed
    months_done = f.loc[closed, "period"].nunique() or 0
    remaining = sorted(set(f.period) - set(f.loc[closed, "period"]))
    # one group-by: the other months' values as missing, which a group's sum skips (as if filtered out; a 0.0 would take
    # part in the compensated sum), and a group with none of them sums to 0.0
    g = pd.DataFrame({**{k: f[k] for k in keys}, "budget_year_amount": f.budget_amount,
                      "actual_ytd_amount": f.actual_amount.where(closed), "remaining_budget_amount": f.budget_amount.where(~closed)}
                     ).groupby(keys, as_index=False).sum()
    run_rate = g.actual_ytd_amount / months_done * len(remaining) if months_done else g.remaining_budget_amount
    model = method
    if method == "remaining_budget":
        forecast = g.remaining_budget_amount
    elif method == "run_rate":
        forecast = run_rate
    else:
        seasonal, chosen = _seasonal_forecast(g, history, last_closed, len(remaining))
        forecast = seasonal.fillna(pd.Series(run_rate, index=g.index))
        model = chosen.where(seasonal.notna(), "run_rate")
    g["forecast_rest_amount"] = np.asarray(forecast, dtype=float)
    g["forecast_model"] = model
    g["landing_amount"] = g.actual_ytd_amount + g.forecast_rest_amount
    g["landing_variance_amount"] = g.landing_amount - g.budget_year_amount
    cost = g.line_type == "cost"
    g["fav_unfav"] = np.where(g.landing_variance_amount.abs() < 0.005, "—",
                              np.where(np.where(cost, g.landing_variance_amount <= 0, g.landing_variance_amount >= 0), "F", "U"))
    money = [c for c in g.columns if c.endswith("_amount")]
    g[money] = g[money].round(2)
    return g


def _seasonal_forecast(lines: pd.DataFrame, history: pd.DataFrame, last_closed: str, horizon: int) -> tuple[pd.Series, pd.Series]:
    """Per line, the sum of the next ``horizon`` periods from the model chosen by rolling-origin
    backtest (analytics.forecast) on its actual history, with the season length of the periods'
    frequency (12 monthly, 4 quarterly); NaN where there are fewer than two seasons of history."""
    from analytics.forecast import AutoForecaster, backtest_horizon, infer_season_length

    out = pd.Series(np.nan, index=lines.index)
    chosen = pd.Series("", index=lines.index, dtype=object)
    if horizon == 0:
        return out.fillna(0.0), chosen
    h = history[history.period <= last_closed]
    if h.empty:
        return out, chosen
    m = infer_season_length(h.period.astype(str))
    freq = {12: "M", 4: "Q", 1: "Y"}[m]
    for i, row in lines.iterrows():
        series = h[(h.cost_center_id == row.cost_center_id) & (h.account_code == row.account_code)].groupby("period").actual_amount.sum()
        if len(series) < 2 * m:
            continue
        full = pd.period_range(pd.Period(series.index.min(), freq=freq), pd.Period(last_closed, freq=freq), freq=freq)
        series = series.reindex(full.astype(str), fill_value=0.0)
        # backtest over up to a whole season, so that the peaks are judged whatever is left of the year
        model = AutoForecaster(m, horizon=backtest_horizon(len(series), m), origins=3).fit(series.to_numpy(dtype=float))
        out[i] = float(np.sum(model.point(horizon)))
        chosen[i] = model.chosen_
    return out, chosen


def compute_controls(execution: pd.DataFrame, warn: float = 0.9, alert: float = 1.0, pace: float = 1.1,
                     overrides: pd.DataFrame | None = None) -> pd.DataFrame:
    """Warnings for cost lines: consumption of the year's budget (actual + committed) at or above
    ``warn`` / ``alert``, or spending ahead of the phased budget by ``pace``. ``overrides``
    (cost_center_id, account_code, warn, alert) sets thresholds per line. Alerts first."""
    if not 0 < warn <= alert:
        raise ValueError(f"need 0 < warn <= alert, got warn={warn}, alert={alert}")
    e = execution[execution.line_type == "cost"].copy()
    e["warn_at"], e["alert_at"] = warn, alert
    if overrides is not None and not overrides.empty:
        o = overrides.set_index(["cost_center_id", "account_code"])
        idx = pd.MultiIndex.from_frame(e[["cost_center_id", "account_code"]])
        e["warn_at"] = o.warn.reindex(idx).fillna(warn).to_numpy()
        e["alert_at"] = o.alert.reindex(idx).fillna(alert).to_numpy()
    level = np.where(e.consumption_pct >= e.alert_at, "alert", np.where(e.consumption_pct >= e.warn_at, "warn", ""))
    if "phased_execution_pct" in e:
        level = np.where((level == "") & (e.phased_execution_pct >= pace), "pace", level)
    e["level"] = level
    out = e[e.level != ""].copy()
    out["rank"] = out.level.map({"alert": 0, "warn": 1, "pace": 2})
    return out.sort_values(["rank", "consumption_pct"], ascending=[True, False]).drop(columns="rank").reset_index(drop=True)


def compute_what_if(line: pd.Series, amount: float, warn: float = 0.9, alert: float = 1.0) -> dict:
    """Would a new commitment of ``amount`` on this cost line break its budget?"""
    if amount < 0:
        raise ValueError(f"amount must be >= 0, got {amount}")
    budget = float(line.budget_amount)
    used = float(line.actual_amount + line.committed_amount + amount)
    consumption = used / budget if budget else float("inf")
    return {
        "available_before_amount": round(budget - float(line.actual_amount + line.committed_amount), 2),
        "available_after_amount": round(budget - used, 2),
        "consumption_after_pct": consumption,
        "level": "alert" if consumption >= alert else ("warn" if consumption >= warn else "ok"),
        "breaks_budget": used > budget,
    }


def compute_version_compare(budget: pd.DataFrame, version_a: str, version_b: str, by: list[str]) -> pd.DataFrame:
    """Two budget versions side by side over ``by``: a, b and b − a."""
    g = budget[budget.version.isin([version_a, version_b])].pivot_table(index=by, columns="version", values="budget_amount",
                                                                        aggfunc="sum", fill_value=0.0)
    g = g.reindex(columns=[version_a, version_b], fill_value=0.0).reset_index()
    g = g.rename(columns={version_a: "version_a_amount", version_b: "version_b_amount"})
    g["change_amount"] = (g.version_b_amount - g.version_a_amount).round(2)
    return g


def compute_budget_profit_bridge(execution_by_account: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Budgeted profit of the budgeted lines to their actual, one bar per account group: a
    revenue line adds (actual − budget), a cost line subtracts it. Bars add up exactly."""
    e = execution_by_account.copy()
    e["effect"] = np.where(e.line_type == "revenue", e.variance_amount, -e.variance_amount)
    e["group"] = [labels.get(a, a) for a in e.account_code]
    bars = e.groupby("group", sort=False).effect.sum()
    start = float(np.where(e.line_type == "revenue", e.budget_amount, -e.budget_amount).sum())
    end = float(np.where(e.line_type == "revenue", e.actual_amount, -e.actual_amount).sum())
    rows = [("start", round(start, 2), "absolute")] + [(g, round(v, 2), "relative") for g, v in bars.items()] + [("end", round(end, 2), "total")]
    out = pd.DataFrame(rows, columns=["step", "amount", "measure"])
    # rounding residue (a cent at most) goes to the largest bar so the bars add up exactly
    residue = round(out.amount.iloc[-1] - out.amount.iloc[0] - out.amount.iloc[1:-1].sum(), 2)
    if residue and len(out) > 2:
        big = out.iloc[1:-1].amount.abs().idxmax()
        out.loc[big, "amount"] = round(out.loc[big, "amount"] + residue, 2)
    return out


def compute_flexible_budget(static_units: float, actual_units: float, price: float, variable_cost_per_unit: float,
                            fixed_costs: float, actual_revenue: float, actual_variable_costs: float, actual_fixed_costs: float) -> dict:
    """Static budget, flexible budget (the static budget's prices and rates at the actual volume)
    and actual operating income, with the textbook split of the static-budget variance into the
    sales-volume variance (flexible − static) and the flexible-budget variance (actual − flexible).
    Differences are in operating income: positive is favorable."""
    if static_units <= 0:
        raise ValueError(f"static_units must be > 0, got {static_units}")

    def income(units, p, v, fixed):
        return units * p - units * v - fixed

    static = income(static_units, price, variable_cost_per_unit, fixed_costs)
    flexible = income(actual_units, price, variable_cost_per_unit, fixed_costs)
    actual = actual_revenue - actual_variable_costs - actual_fixed_costs
    return {
        "static_income_amount": round(static, 2),
        "flexible_income_amount": round(flexible, 2),
        "actual_income_amount": round(actual, 2),
        "sales_volume_variance_amount": round(flexible - static, 2),
        "flexible_budget_variance_amount": round(actual - flexible, 2),
        "static_budget_variance_amount": round(actual - static, 2),
    }
