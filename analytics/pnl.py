"""The profit and loss statement: lines as rows, in statement order, with subtotals.

Sign rule: every line carries its natural P&L sign. Revenue is positive when earned (credit −
debit); cost lines are positive when they are costs (debit − credit), so a credit on a cost
line, such as overhead absorbed into production, shows negative; profit = revenue − costs.
A change column is this span − the comparison in the line's own sign (on a cost line a
positive change is more cost); vs budget = actual − budget, so budget + vs budget = actual.
Margin changes are differences of fractions (percentage points on screen).

Lines (``LINES``), the same definitions as ``compute_monthly_pnl`` so that the statement's
revenue, gross profit and operating profit equal the overview's to the cent:

    revenue            credit − debit on category revenue
    cost_of_sales      debit − credit on cost_of_sales (at standard)
    variance           debit − credit on variance (production variances, actual − standard)
    gross_profit       revenue − cost_of_sales − variance                         (subtotal)
    overhead           debit − credit on overhead (incurred)
    overhead_applied   debit − credit on overhead_applied (absorbed: a credit, negative)
    expense            debit − credit on expense (selling and administrative)
    operating_profit   gross_profit − overhead − overhead_applied − expense       (total)

Operating lines (overhead, overhead_applied, expense) appear only when some input has their
category. Margins are a separate small frame (``compute_pnl_margins``): gross and operating
profit over revenue for each column of the statement.

Budget: Σ budget of the span per account category, natural sign as stored. The budgets table
holds overhead spending but no absorption; standard costing sets the absorption rates from
that budget, so when no ``overhead_applied`` budget exists, the absorbed line's budget is
minus the overhead budget (planned full absorption), and budgeted gross profit is not charged
twice for overhead (cost of sales at standard already carries it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.ledger import compute_monthly_pnl

LINES = ("revenue", "cost_of_sales", "variance", "gross_profit", "overhead", "overhead_applied", "expense", "operating_profit")
SUBTOTALS = ("gross_profit", "operating_profit")
OPERATING = ("overhead", "overhead_applied", "expense")
LAYOUTS = ("by_month", "comparison")
MARGINS = {"gross_margin": "gross_profit", "operating_margin": "operating_profit"}


def period_column(period: str) -> str:
    """``"2026-10"`` -> ``"p2026_10_amount"``, the by-month layout's column for that month."""
    return f"p{period[:4]}_{period[5:7]}_amount"


def _lines_by_period(ledger: pd.DataFrame) -> pd.DataFrame:
    """Index period, one column per line code, from ``load_ledger_by_category`` rows."""
    pnl = compute_monthly_pnl(ledger)
    if pnl.empty:
        return pd.DataFrame(columns=list(LINES), dtype=float)
    pnl = pnl.set_index("period")
    net = (ledger.debit_amount - ledger.credit_amount).astype(float)
    wide = net.groupby([ledger.period, ledger.category]).sum().unstack(fill_value=0.0).reindex(pnl.index, fill_value=0.0)

    def get(name):
        return wide[name] if name in wide else pd.Series(0.0, index=wide.index)

    out = pd.DataFrame({
        "revenue": pnl.revenue_amount,
        "cost_of_sales": pnl.cost_of_sales_amount,
        "variance": pnl.variance_amount,
        "gross_profit": pnl.gross_profit_amount,
        "overhead": get("overhead").round(2),
        # what is left of the net overhead line after incurred: the two add up to it exactly
        "overhead_applied": (pnl.overhead_amount - get("overhead").round(2)).round(2),
        "expense": pnl.expense_amount,
        "operating_profit": pnl.operating_profit_amount,
    })
    return out.astype(float)


def _budget_lines(budget: pd.DataFrame) -> pd.Series:
    """Σ budget per line code (index LINES) over every period in ``budget``."""
    by_cat = budget.groupby("category").budget_amount.sum().astype(float) if not budget.empty else pd.Series(dtype=float)

    def get(name):
        return float(by_cat.get(name, 0.0))

    applied = get("overhead_applied") if "overhead_applied" in by_cat.index else -get("overhead")
    line = {"revenue": get("revenue"), "cost_of_sales": get("cost_of_sales"), "variance": get("variance"),
            "overhead": get("overhead"), "overhead_applied": applied, "expense": get("expense")}
    line["gross_profit"] = line["revenue"] - line["cost_of_sales"] - line["variance"]
    line["operating_profit"] = line["gross_profit"] - line["overhead"] - line["overhead_applied"] - line["expense"]
    return pd.Series(line).reindex(list(LINES)).round(2)


def _present_categories(frames: list[pd.DataFrame]) -> set[str]:
    out: set[str] = set()
    for f in frames:
        if f is not None and not f.empty:
            out |= set(f.category)
    return out


def compute_pnl_statement(ledger: pd.DataFrame, layout: str = "by_month", periods: list[str] | None = None,
                          comparisons: dict[str, pd.DataFrame] | None = None,
                          budget: pd.DataFrame | None = None) -> pd.DataFrame:
    """The P&L statement: one row per line (``LINES`` order) with ``line``, ``is_subtotal`` and
    one ``*_amount`` column per statement column.

    ``ledger``: ``load_ledger_by_category`` rows of the span. ``layout``:

    - ``"by_month"``: ``p2026_10_amount`` per month (``periods`` when given, else the months in
      ``ledger``; a month without lines is zero) and ``period_total_amount``;
    - ``"comparison"``: ``current_amount``; for each ``name`` in ``comparisons`` (name -> that
      span's ledger rows, in order) ``{name}_amount`` and ``{name}_change_amount`` (current −
      comparison); with ``budget`` (``load_budget_by_category`` rows of the span),
      ``budget_amount`` and ``vs_budget_amount`` (current − budget).

    >>> compute_pnl_statement(ledger, "comparison", comparisons={"prior_year": ledger_ly}, budget=budget)
    ... # line, is_subtotal, current_amount, prior_year_amount, prior_year_change_amount, budget_amount, vs_budget_amount
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    comparisons = dict(comparisons or {})
    by_period = _lines_by_period(ledger)
    cols: dict[str, pd.Series] = {}
    if layout == "by_month":
        months = list(periods) if periods is not None else list(by_period.index)
        for p in months:
            cols[period_column(p)] = by_period.loc[p] if p in by_period.index else pd.Series(0.0, index=list(LINES))
        cols["period_total_amount"] = by_period.sum()
    else:
        current = by_period.sum()
        cols["current_amount"] = current
        for name, frame in comparisons.items():
            other = _lines_by_period(frame).sum()
            cols[f"{name}_amount"] = other
            cols[f"{name}_change_amount"] = current - other
        if budget is not None:
            planned = _budget_lines(budget)
            cols["budget_amount"] = planned
            cols["vs_budget_amount"] = current - planned
    out = pd.DataFrame({c: v.reindex(list(LINES)).fillna(0.0).astype(float) for c, v in cols.items()}, index=list(LINES))
    out = out.round(2)
    present = _present_categories([ledger, budget, *comparisons.values()])
    keep = [ln for ln in LINES if ln not in OPERATING or ln in present]
    out = out.loc[keep]
    out.insert(0, "is_subtotal", [ln in SUBTOTALS for ln in keep])
    out.insert(0, "line", keep)
    return out.reset_index(drop=True)


def compute_pnl_margins(statement: pd.DataFrame) -> pd.DataFrame:
    """Gross and operating margin for each column of ``compute_pnl_statement``'s result.

    One row per margin (``line`` = ``gross_margin`` / ``operating_margin``); each ``X_amount``
    column becomes ``X_pct`` = profit / revenue (NaN when revenue is 0). A change column
    (``*_change_amount``, ``vs_budget_amount``) becomes the difference of the two margins it
    compares, a fraction shown in percentage points.
    """
    if "line" not in statement or "revenue" not in set(statement.line):
        raise ValueError("statement must be a compute_pnl_statement result with a revenue line")
    s = statement.set_index("line")
    amount_cols = [c for c in statement.columns if c.endswith("_amount")]

    def ratio(col, line):
        rev = s.at["revenue", col]
        return s.at[line, col] / rev if rev else np.nan

    def compared_with(col):
        if col == "vs_budget_amount":
            return "budget_amount"
        if col.endswith("_change_amount"):
            return col[: -len("_change_amount")] + "_amount"
        return None

    rows = []
    for margin, line in MARGINS.items():
        row = {"line": margin}
        for col in amount_cols:
            base = compared_with(col)
            value = ratio(col, line) if base is None else ratio("current_amount", line) - ratio(base, line)
            row[col[: -len("_amount")] + "_pct"] = value
        rows.append(row)
    return pd.DataFrame(rows)
