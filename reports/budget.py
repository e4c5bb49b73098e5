"""Budget execution for a scope and for the year it ends in."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from analytics import budget as A
from analytics.lineage import compute_tree_labels
from data_loaders import budget as B
from data_loaders.queries import load_dataset_info
from data_loaders.scope import Scope


def last_closed_period(engine: Engine) -> str:
    """The month before the dataset's as-of date (the last month whose books are closed)."""
    as_of = load_dataset_info(engine).get("as_of_date")
    stamp = pd.Timestamp(as_of) if as_of else pd.Timestamp.today()
    return (stamp.to_period("M") - 1).strftime("%Y-%m")


def budget_report(engine: Engine, scope: Scope, version: str = "original", compare_version: str = "revised",
                  method: str = "run_rate", warn: float = 0.9, alert: float = 1.0) -> dict | None:
    """Execution by cost center and account tree for the scope, a cost center x month heatmap,
    and for the year of the scope's last period: year-to-date execution with commitments,
    warnings, landing, version comparison and the budget-to-actual profit bridge.
    None when there is no budget."""
    closed = last_closed_period(engine)
    end = min(scope.period_to or closed, closed)
    year = end[:4]
    lo = min(scope.period_from or f"{year}-01", f"{year}-01")
    wide = Scope(lo, f"{year}-12", scope.plants)
    budget = B.load_budget(engine, wide)
    if budget.empty:
        return None
    structure = B.load_budget_structure(engine)
    accounts, centers = structure["accounts"], structure["cost_centers"]
    facts = A.compute_budget_facts(budget, B.load_actual(engine, wide), B.load_committed(engine, scope), accounts, version)
    budgeted = facts.groupby(["cost_center_id", "account_code"]).budget_amount.transform(lambda s: (s != 0).any())
    facts = facts[budgeted]  # lines without any budget are not budget execution (WIP, cost of sales of other centers)
    in_scope = facts[(facts.period >= (scope.period_from or lo)) & (facts.period <= (scope.period_to or end))]
    year_facts = facts[facts.period.str.startswith(year)]
    rolled = A.compute_rollup(in_scope, centers, accounts, account_tree=False)
    cc_labels = compute_tree_labels(centers, "cost_center_id", "parent_id", "cost_center_name")
    acc_names = dict(zip(accounts.account_code, accounts.account_code + " " + accounts.account_name + " " + accounts.account_name_en.fillna("")))
    by_cc = A.compute_execution(rolled, ["cost_center_node"]).merge(
        cc_labels.rename(columns={"cost_center_id": "cost_center_node"}), on="cost_center_node", how="left")
    by_cc = by_cc.sort_values(["cost_center_node"]).set_index("cost_center_node").loc[
        [n for n in cc_labels.cost_center_id if n in set(by_cc.cost_center_node)]].reset_index()
    by_cc_account = A.compute_execution(rolled, ["cost_center_node", "account_code"])
    by_cc_account["account_label"] = by_cc_account.account_code.map(acc_names)
    heat = A.compute_execution(in_scope[in_scope.line_type == "cost"], ["cost_center_id", "period"])
    ytd = A.compute_execution(year_facts, ["cost_center_id", "account_code"], to_date=end)
    ytd["account_label"] = ytd.account_code.map(acc_names)
    history = A.compute_budget_facts(budget.iloc[0:0], B.load_actual(engine, Scope(None, end, scope.plants)), pd.DataFrame(), accounts, version) \
        if method == "seasonal" else pd.DataFrame(columns=["period", "cost_center_id", "account_code", "actual_amount"])
    landing = A.compute_landing(year_facts, history, end, method)
    landing["account_label"] = landing.account_code.map(acc_names)
    by_account = A.compute_execution(in_scope, ["account_code"])
    return {
        "version": version,
        "year": year,
        "last_closed": end,
        "facts": in_scope,
        "total": A.compute_execution(in_scope, []),
        "by_cost_center": by_cc,
        "by_cost_center_account": by_cc_account,
        "heatmap": heat,
        "year_to_date": ytd,
        "warnings": A.compute_controls(ytd, warn, alert),
        "landing": landing,
        "versions": A.compute_version_compare(budget[budget.period.str.startswith(year)], version, compare_version,
                                              ["cost_center_id", "account_code"]),
        "bridge": A.compute_budget_profit_bridge(by_account, acc_names),
        "structure": structure,
    }
