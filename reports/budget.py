"""Budget execution for a scope and for the year it ends in."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from analytics import budget as A
from analytics import profitability as PA
from analytics import sales_budget as SB
from analytics.lineage import compute_tree_labels
from data_loaders import budget as B
from data_loaders import facts_orders as FO
from data_loaders.queries import load_dataset_info, use_ledger_facts
from data_loaders.scope import Scope


def last_closed_period(engine: Engine) -> str:
    """The month before the dataset's as-of date (the last month whose books are closed)."""
    as_of = load_dataset_info(engine).get("as_of_date")
    stamp = pd.Timestamp(as_of) if as_of else pd.Timestamp.today()
    return (stamp.to_period("M") - 1).strftime("%Y-%m")


def budget_execution(engine: Engine, scope: Scope, version: str = "original", use_facts: bool | None = None) -> dict | None:
    """What every budget figure starts from, and the figures the overview reads (its cockpit and
    its budget warnings): ``year`` and ``last_closed`` (the year of the scope's last closed
    period), ``total`` (execution in the scope), ``year_to_date`` (per cost center x account,
    time-phased to the last closed period, with account labels) and the inputs the rest of
    ``budget_report`` needs (``budget``, ``structure``, ``facts`` of the scope, ``wide_facts`` of
    the loaded span). None when there is no budget. Figures depend on ``version`` only, not on
    the report's comparison version, landing method or thresholds."""
    closed = last_closed_period(engine)
    end = min(scope.period_to or closed, closed)
    year = end[:4]
    lo = min(scope.period_from or f"{year}-01", f"{year}-01")
    wide = Scope(lo, f"{year}-12", scope.plants)
    budget = B.load_budget(engine, wide)
    if budget.empty:
        return None
    structure = B.load_budget_structure(engine)
    accounts = structure["accounts"]
    use_facts = use_ledger_facts(engine, use_facts)
    facts = A.compute_budget_facts(budget, B.load_actual(engine, wide, use_facts), B.load_committed(engine, scope), accounts, version)
    # one grouped any(), not a Python lambda per group
    budgeted = facts.budget_amount.ne(0).groupby([facts.cost_center_id, facts.account_code]).transform("any")
    facts = facts[budgeted]  # lines without any budget are not budget execution (WIP, cost of sales of other centers)
    in_scope = facts[(facts.period >= (scope.period_from or lo)) & (facts.period <= (scope.period_to or end))]
    year_facts = facts[facts.period.str.startswith(year)]
    acc_names = dict(zip(accounts.account_code, accounts.account_code + " " + accounts.account_name + " " + accounts.account_name_en.fillna("")))
    ytd = A.compute_execution(year_facts, ["cost_center_id", "account_code"], to_date=end)
    ytd["account_label"] = ytd.account_code.map(acc_names)
    return {"version": version, "year": year, "last_closed": end, "lo": lo, "budget": budget, "structure": structure, "wide_facts": facts,
            "facts": in_scope, "year_facts": year_facts, "account_names": acc_names, "total": A.compute_execution(in_scope, []),
            "year_to_date": ytd}


def budget_report(engine: Engine, scope: Scope, version: str = "original", compare_version: str = "revised",
                  method: str = "run_rate", warn: float = 0.9, alert: float = 1.0, use_facts: bool | None = None,
                  execution: dict | None = None) -> dict | None:
    """Execution by cost center and account tree for the scope, a cost center x month heatmap
    (``heatmap``; ``year_heatmap``: from January of the year of the scope's last month, or the
    scope's start when earlier, to that month, as the report of that span gives it), and for the
    year of the scope's last period: year-to-date execution with commitments, warnings, landing,
    version comparison and the budget-to-actual profit bridge.
    None when there is no budget. ``use_facts``: read the ledger facts (default: when fresh).
    ``execution``: ``budget_execution`` of the same scope and version, when already computed."""
    ex = budget_execution(engine, scope, version, use_facts) if execution is None else execution
    if ex is None:
        return None
    year, end, lo, budget, structure = ex["year"], ex["last_closed"], ex["lo"], ex["budget"], ex["structure"]
    facts, in_scope, year_facts, acc_names, ytd = ex["wide_facts"], ex["facts"], ex["year_facts"], ex["account_names"], ex["year_to_date"]
    accounts, centers = structure["accounts"], structure["cost_centers"]
    rolled = A.compute_rollup(in_scope, centers, accounts, account_tree=False)
    cc_labels = compute_tree_labels(centers, "cost_center_id", "parent_id", "cost_center_name")
    by_cc = A.compute_execution(rolled, ["cost_center_node"]).merge(
        cc_labels.rename(columns={"cost_center_id": "cost_center_node"}), on="cost_center_node", how="left")
    shown = set(by_cc.cost_center_node)  # once, not once per cost center
    by_cc = by_cc.sort_values(["cost_center_node"]).set_index("cost_center_node").loc[
        [n for n in cc_labels.cost_center_id if n in shown]].reset_index()
    by_cc_account = A.compute_execution(rolled, ["cost_center_node", "account_code"])
    by_cc_account["account_label"] = by_cc_account.account_code.map(acc_names)
    heat = A.compute_execution(in_scope[in_scope.line_type == "cost"], ["cost_center_id", "period"])
    # execution by month reads as a year: from January of the last month's year (or the scope's start, when earlier) to
    # the last month; the loaded facts hold it (the same wide span), so no second report is needed for a short scope
    first = scope.period_from or lo
    year_from = min(first, f"{scope.period_to[:4]}-01") if scope.period_to else first
    year_heat = heat if year_from == first else A.compute_execution(
        facts[(facts.period >= year_from) & (facts.period <= scope.period_to) & (facts.line_type == "cost")], ["cost_center_id", "period"])
    use_facts = use_ledger_facts(engine, use_facts)
    history = A.compute_budget_facts(budget.iloc[0:0], B.load_actual(engine, Scope(None, end, scope.plants), use_facts), pd.DataFrame(), accounts, version) \
        if method == "seasonal" else pd.DataFrame(columns=["period", "cost_center_id", "account_code", "actual_amount"])
    landing = A.compute_landing(year_facts, history, end, method)
    landing["account_label"] = landing.account_code.map(acc_names)
    by_account = A.compute_execution(in_scope, ["account_code"])
    return {
        "version": version,
        "year": year,
        "last_closed": end,
        "facts": in_scope,
        "total": ex["total"],
        "by_cost_center": by_cc,
        "by_cost_center_account": by_cc_account,
        "heatmap": heat,
        "year_heatmap": year_heat,
        "year_to_date": ytd,
        "warnings": A.compute_controls(ytd, warn, alert),
        "landing": landing,
        "versions": A.compute_version_compare(budget[budget.period.str.startswith(year)], version, compare_version,
                                              ["cost_center_id", "account_code"]),
        "bridge": A.compute_budget_profit_bridge(by_account, acc_names),
        "structure": structure,
    }


def flexible_budget_report(engine: Engine, scope: Scope, version: str = "original", use_facts: bool | None = None,
                           fast: bool | None = None) -> dict | None:
    """Budget vs actual through the sales budget by product (``analytics.sales_budget``): the
    sales price, mix, quantity and cost variances per product and in total (margin at standard
    cost), and the flexible budget by line with flexible-budget and sales-volume variances.
    None when the scope has no sales budget of ``version``.

    Flexible budget lines, variable costing: variable costs = units x standard variable cost
    (material, labor, variable overhead) in the budget, and for actual the same at the current
    standard plus the material and labor variances of the units sold and the variable overhead
    spending and efficiency variances; fixed costs = fixed overhead (fixed rate x denominator
    hours; actual: fixed overhead incurred) + period expenses (budgets and ledger, ``expense``).

    ``use_facts``: read the ledger facts (default: when fresh). ``fast``: read the work orders
    summed per period x product x plant x work center and the sales rows with no more than
    their sums need from the facts (``reports.profitability.use_facts``; None: when they are ready)
    instead of the profit facts by customer and the orders one by one; the same figures.
    """
    from reports.profitability import overhead_report, profit_facts
    from reports.profitability import use_facts as orders_ready

    budget_rows = B.load_sales_budget_by_product(engine, scope, version)
    if budget_rows.empty:
        return None
    budget = SB.compute_budget_by_product(budget_rows)
    fast = orders_ready(engine, scope) if fast is None else fast
    behavior = B.load_product_cost_behavior(engine).set_index("product_id")
    if fast:  # what the page reads of the profit facts, from the columns read here
        actual, direct_amount = SB.compute_actual_by_product(B.load_sales_rows(engine, FO.select_sales(scope)),
                                                             FO.load_order_groups(engine, scope))
        variances = None  # the orders' overhead inputs: stored per month (read here only for a scope of some families)
        names = dict(zip(behavior.index, behavior.product_name))  # every product's, as the products table holds them
        names = {p: names.get(p) for p in actual.product_id}
    else:
        facts, variances = profit_facts(engine, scope)
        names = {r.product_id: r.product_name for r in facts.drop_duplicates("product_id").itertuples()} if len(facts) else {}
        actual = facts.groupby("product_id", as_index=False)[["qty", "revenue_amount", "std_cost_amount", "variance_amount"]].sum() \
            if len(facts) else pd.DataFrame(columns=["product_id", "qty", "revenue_amount", "std_cost_amount", "variance_amount"])
        direct = [c for c in facts.columns if c.startswith(("material_", "labor_")) and c.endswith("_amount")]
        direct_amount = float(facts[direct].sum().sum())
    by_product = SB.compute_sales_variances(budget, actual)
    by_product.insert(1, "product_name", by_product.product_id.map(names))

    lines_in = by_product[["product_id", "budget_qty", "budget_price", "qty", "revenue_amount"]].copy()
    lines_in["budget_variable_cost_per_unit"] = (by_product.budget_std_cost_per_unit
                                                 - behavior.std_fixed_overhead_per_unit.reindex(by_product.product_id).fillna(0.0).to_numpy())
    std_variable = float((by_product.qty * behavior.std_variable_cost_per_unit.reindex(by_product.product_id).fillna(0.0).to_numpy()).sum())
    oh = overhead_report(engine, scope, variances, True if fast else None, total_only=True, stored="orders" if fast else None)["overhead_total"]
    voh = float(oh.variable_spending_amount + oh.variable_efficiency_amount) if oh is not None else 0.0
    actual_variable = std_variable + direct_amount + voh
    expense_budget = B.load_budget_by_category(engine, scope, version)
    expense_budget = float(expense_budget.loc[expense_budget.category == "expense", "budget_amount"].sum())
    expense_ledger = B.load_expense_actual(engine, scope, use_facts)
    expense_actual = float((expense_ledger.debit_amount.astype(float) - expense_ledger.credit_amount.astype(float)).sum())
    budget_fixed = (float(oh.budget_fixed_amount) if oh is not None else 0.0) + expense_budget
    actual_fixed = (float(oh.actual_fixed_amount) if oh is not None else 0.0) + expense_actual
    return {
        "version": version,
        "sales_variances": by_product,
        "sales_variance_total": SB.compute_sales_variance_total(by_product),
        "flexible_budget": SB.compute_flexible_budget_lines(lines_in, actual_variable, budget_fixed, actual_fixed),
    }
