"""Working capital: DSO, DIO, DPO and the cash conversion cycle by month, quarter or year.

DSO = receivables / sales × days        DIO = inventory / cost of sales × days
DPO = payables / cost of sales × days   CCC = DSO + DIO − DPO

* ``basis``: the period the flows (sales, cost of sales) are summed over: ``month``, ``quarter``
  or ``year``;
* ``day_count``: the days of that period: ``actual`` (the calendar days of its months: 90 for
  Q1 2025, 366 for 2024), ``30/360`` (30 a month, 90 a quarter, 360 a year) or ``365`` (365 a
  year, 365/4 a quarter, 365/12 a month); a period with months missing counts the months it has;
* ``balance``: ``closing`` (the balance at the period's end) or ``average`` ((opening + closing)
  / 2, opening being the balance at the end of the period before);
* ``sales_basis``: ``revenue`` (the ledger's revenue accounts) or ``credit_sales`` (sales on
  account: invoices with a due date after their date, or, from the ledger alone, the debits to
  the receivable accounts).

Balances come from the documents where a plant has them (receivables = invoices − receipts to
date; payables = supplier invoices − payments to date) and from the ledger's balance-sheet
accounts otherwise, by the accounts' category (receivables, raw_materials + wip +
finished_goods, payables), never by account code. Inventory always comes from the ledger.
Amounts are positive balances; days are NaN where the flow is zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

BASES = ("month", "quarter", "year")
DAY_COUNTS = ("actual", "30/360", "365")
BALANCES = ("closing", "average")
SALES_BASES = ("revenue", "credit_sales")
INVENTORY = ("raw_materials", "wip", "finished_goods")
STOCKS = ("receivables", "inventory", "payables")
MONTHLY_COLUMNS = ["period", *(f"{s}_opening_amount" for s in STOCKS), *(f"{s}_amount" for s in STOCKS), "revenue_amount",
                   "credit_sales_amount", "cost_of_sales_amount", "receivables_source", "payables_source"]


@dataclass(frozen=True)
class WorkingCapitalSettings:
    """How working capital is measured (see the module): period basis, day count,
    closing or average balances, revenue or credit sales."""

    basis: str = "month"
    day_count: str = "actual"
    balance: str = "closing"
    sales_basis: str = "revenue"

    def __post_init__(self):
        for name, allowed in (("basis", BASES), ("day_count", DAY_COUNTS), ("balance", BALANCES), ("sales_basis", SALES_BASES)):
            _check(name, getattr(self, name), allowed)


def _check(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def compute_ledger_months(ledger: pd.DataFrame) -> pd.DataFrame:
    """Per plant × month from the ledger's movements by category (columns plant_id, period,
    category, debit_amount, credit_amount, and optionally is_opening for the opening-balance
    voucher, whose amounts are the first month's opening balances): opening and closing balances
    of receivables, inventory and payables (positive),
    revenue (credit − debit), credit sales (debits to receivables outside the opening voucher)
    and cost of sales (debit − credit)."""
    # Each sum is a groupby's over the rows of its plant x month (x column) in row order, as the
    # pivot tables summed them (the same floats, the same order): keyed by integer codes and laid
    # out over the months at once, without a pivot table's text keys (3,181 rows at L: 0.03 ->
    # 0.015 CPU s; tests/test_warnings_columns.py holds it equal to the pivot tables).
    n = len(ledger)
    plant = ledger.plant_id.fillna("") if "plant_id" in ledger else pd.Series([""] * n, index=ledger.index, dtype=object)
    opening = ledger.is_opening.astype(bool).to_numpy() if "is_opening" in ledger else np.zeros(n, dtype=bool)
    net = (ledger.debit_amount.astype(float) - ledger.credit_amount.astype(float)).to_numpy()
    stock = ledger.category.replace({c: "inventory" for c in INVENTORY})
    column = pd.Index(LEDGER_COLUMNS).get_indexer(stock)  # -1: a category none of them reads
    valid = ledger.period.notna().to_numpy() & stock.notna().to_numpy()  # a row a groupby keeps
    months, pair_valid, rows, row_plant = month_grid(plant[valid], ledger.period[valid])
    pair = np.full(n, -1, dtype=np.int64)
    pair[valid] = pair_valid
    counted = valid & (column >= 0)
    move = sum_per_month(pair, column, len(LEDGER_COLUMNS), net, counted, rows)
    # the opening-balance voucher is the balance brought forward, not a movement of its month
    flow = sum_per_month(pair, column, len(LEDGER_COLUMNS), net, counted & ~opening, rows)
    receivable = valid & (ledger.category == "receivables").to_numpy() & ~opening
    credit = pd.Series(ledger.debit_amount.to_numpy()[receivable]).groupby(pair[receivable]).sum().astype(float)
    out = pd.DataFrame(index=months)
    sign = {"receivables": 1.0, "inventory": 1.0, "payables": -1.0}
    closing = pd.DataFrame(move[:, :len(STOCKS)]).groupby(row_plant).cumsum().to_numpy()
    for i, s in enumerate(STOCKS):
        out[f"{s}_amount"] = closing[:, i] * sign[s]
        out[f"{s}_opening_amount"] = closing[:, i] * sign[s] - flow[:, i] * sign[s]
    out["revenue_amount"] = -move[:, LEDGER_COLUMNS.index("revenue")]
    out["credit_sales_amount"] = credit.reindex(rows, fill_value=0.0).to_numpy()
    out["cost_of_sales_amount"] = move[:, LEDGER_COLUMNS.index("cost_of_sales")]
    out["receivables_source"] = out["payables_source"] = "ledger"
    return out.reset_index()


LEDGER_COLUMNS = ["receivables", "inventory", "payables", "revenue", "cost_of_sales"]  # compute_ledger_months' sums, STOCKS first


def month_grid(plant: pd.Series, period: pd.Series) -> tuple[pd.MultiIndex, np.ndarray, np.ndarray, np.ndarray]:
    """``_all_months`` of the pairs (``plant``, ``period``; none missing) and where each pair is
    in it: (the months, each pair's key, each month row's key (ascending), each month row's
    plant code). A key is the plant's code x the number of months + the month's position."""
    plants, periods = plant.to_numpy(dtype=object), period.to_numpy(dtype=object)
    if not len(plants):
        empty = np.zeros(0, dtype=np.int64)
        return pd.MultiIndex.from_tuples([], names=["plant_id", "period"]), empty, empty, empty
    plant_codes, names = pd.factorize(plants, sort=True)
    firsts = pd.Series(periods).groupby(plant_codes).min()  # per plant, in the plants' order
    starts = [pd.Period(first, freq="M") for first in firsts]
    every = [str(p) for p in pd.period_range(min(starts), max(periods), freq="M")]  # each plant's months: a tail of these
    at = {p: i for i, p in enumerate(every)}
    begin = [at[str(start)] for start in starts]
    row_plant = np.repeat(np.arange(len(names)), [len(every) - b for b in begin])
    row_month = np.concatenate([np.arange(b, len(every)) for b in begin])
    months = pd.MultiIndex.from_tuples([(names[p], every[m]) for p, m in zip(row_plant.tolist(), row_month.tolist())],
                                       names=["plant_id", "period"])
    pair = plant_codes.astype(np.int64) * len(every) + pd.Index(every).get_indexer(periods)
    return months, pair, row_plant * len(every) + row_month, row_plant


def sum_per_month(pair: np.ndarray, column: np.ndarray, n_columns: int, values: np.ndarray, keep: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Σ ``values`` per pair x column of the rows ``keep``, as a groupby sums them (each group's
    values in row order, a missing one skipped), laid out over ``rows`` (ascending pair keys) x
    the columns; 0 where a pair has none."""
    key = pair[keep] * n_columns + column[keep]
    sums = pd.Series(values[keep]).groupby(key).sum()
    out = np.zeros((len(rows), n_columns))
    k = sums.index.to_numpy(dtype=np.int64)
    out[np.searchsorted(rows, k // n_columns), k % n_columns] = sums.to_numpy(dtype=float)
    return out


def compute_document_months(documents: pd.DataFrame) -> pd.DataFrame:
    """Per plant × month from the documents (columns plant_id, period, invoiced_amount,
    credit_sales_amount, received_amount, supplier_invoiced_amount, paid_amount): opening and
    closing receivables (invoiced − received to date) and payables (supplier invoiced − paid to
    date), and credit sales. Zero before a plant's first document."""
    d = documents.copy()
    d["plant_id"] = d.plant_id.fillna("")
    flows = ["invoiced_amount", "credit_sales_amount", "received_amount", "supplier_invoiced_amount", "paid_amount"]
    g = d.groupby(["plant_id", "period"])[flows].sum().astype(float)
    g = g.reindex(_all_months(g.index), fill_value=0.0)
    out = pd.DataFrame(index=g.index)
    for stock, plus, minus in (("receivables", "invoiced_amount", "received_amount"), ("payables", "supplier_invoiced_amount", "paid_amount")):
        move = g[plus] - g[minus]
        out[f"{stock}_amount"] = move.groupby(level="plant_id").cumsum()
        out[f"{stock}_opening_amount"] = out[f"{stock}_amount"] - move
    out["credit_sales_amount"] = g.credit_sales_amount
    out["invoiced_amount"] = g.invoiced_amount
    out["has_receivables"] = (g.invoiced_amount.abs() + g.received_amount.abs()).groupby(level="plant_id").transform("sum") > 0
    out["has_payables"] = (g.supplier_invoiced_amount.abs() + g.paid_amount.abs()).groupby(level="plant_id").transform("sum") > 0
    return out.reset_index()


def _all_months(index: pd.MultiIndex) -> pd.MultiIndex:
    """Every month from each plant's first to the last month overall (balances carry forward)."""
    if len(index) == 0:
        return pd.MultiIndex.from_tuples([], names=["plant_id", "period"])
    last = max(index.get_level_values("period"))
    firsts = pd.Series(index.get_level_values("period"), index=index.get_level_values("plant_id")).groupby(level=0).min()
    starts = [pd.Period(first, freq="M") for first in firsts]
    every = [str(p) for p in pd.period_range(min(starts), last, freq="M")]  # each plant's months: a tail of these
    at = {p: i for i, p in enumerate(every)}
    pairs = [(plant, p) for plant, start in zip(firsts.index, starts) for p in every[at[str(start)]:]]
    return pd.MultiIndex.from_tuples(pairs, names=["plant_id", "period"])


def compute_wc_months(ledger: pd.DataFrame, documents: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per month (``MONTHLY_COLUMNS``) summed over plants: each plant's receivables and
    payables from its documents when it has any, else from its ledger; inventory, revenue and
    cost of sales from the ledger; credit sales from invoices where they are the source. The
    ``*_source`` columns say ``documents``, ``ledger`` or ``mixed`` (plants differ)."""
    led = compute_ledger_months(ledger)
    if documents is not None and not documents.empty:
        doc = compute_document_months(documents)
        keys = ["plant_id", "period"]
        led = led.merge(doc, on=keys, how="outer", suffixes=("", "_doc"))
        def any_per_plant(flag: str) -> pd.Series:  # whether the plant has the documents, on each of its rows
            return led[flag].fillna(False).astype(bool).groupby(led.plant_id).transform("any")

        for stock, flag in (("receivables", "has_receivables"), ("payables", "has_payables")):
            use = any_per_plant(flag)
            for col in (f"{stock}_amount", f"{stock}_opening_amount"):
                led[col] = np.where(use, led[f"{col}_doc"], led[col])
            led[f"{stock}_source"] = np.where(use, "documents", "ledger")
        use = any_per_plant("has_receivables")
        led["credit_sales_amount"] = np.where(use, led.credit_sales_amount_doc, led.credit_sales_amount)
        # a month one side lacks: balances carry forward (zero before the first), flows are zero
        stocks = [c for c in led.columns if c.startswith(STOCKS) and c.endswith("_amount")]
        led = led.sort_values(keys).reset_index(drop=True)
        led[stocks] = led.groupby("plant_id")[stocks].ffill().fillna(0.0)
        led = led.fillna({c: 0.0 for c in led.columns if c.endswith("_amount")})
    money = [c for c in MONTHLY_COLUMNS if c.endswith("_amount")]
    grouped = led.groupby("period")
    g = grouped[money].sum()
    for col in ("receivables_source", "payables_source"):  # the plants' common source, else "mixed" (never missing)
        g[col] = grouped[col].first().where(grouped[col].nunique() == 1, "mixed")
    return g.reset_index()[MONTHLY_COLUMNS].sort_values("period").reset_index(drop=True)


def period_label(month: str, basis: str) -> str:
    """``2026-05`` as the period of ``basis``: ``2026-05``, ``2026Q2`` or ``2026``."""
    _check("basis", basis, BASES)
    p = pd.Period(month, freq="M")
    return month if basis == "month" else f"{p.year}Q{p.quarter}" if basis == "quarter" else str(p.year)


def period_days(months, day_count: str) -> float:
    """The days of a span of months under ``day_count`` (see module)."""
    _check("day_count", day_count, DAY_COUNTS)
    months = list(months)
    if day_count == "actual":
        return float(sum(pd.Period(m, freq="M").days_in_month for m in months))
    return (30.0 if day_count == "30/360" else 365.0 / 12.0) * len(months)


def _monthly_working_capital(months: pd.DataFrame, day_count: str, balance: str, sales_basis: str) -> pd.DataFrame:
    """``compute_working_capital(months, "month", …)`` of months each in one row: every period
    its own row, so each of the per-period loop's sums is its one value (a missing flow adds
    nothing: 0) and its first and last rows are that row; the same frame, column by column."""
    m = months.sort_values("period")
    period = m.period.tolist()
    n = len(period)

    def flow(column):
        values = m[column].to_numpy(dtype=float)
        return np.where(np.isnan(values), 0.0, values)

    out = pd.DataFrame({"period": period, "basis": ["month"] * n, "day_count": [day_count] * n, "balance": [balance] * n,
                        "sales_basis": [sales_basis] * n, "first_month": period, "last_month": period, "n_months": [1] * n,
                        "is_complete": [True] * n, "days": [period_days([p], day_count) for p in period]})
    for s in STOCKS:
        closing = m[f"{s}_amount"].to_numpy(dtype=float)
        out[f"{s}_amount"] = closing if balance == "closing" else (m[f"{s}_opening_amount"].to_numpy(dtype=float) + closing) / 2
    out["revenue_amount"] = flow("revenue_amount")
    out["sales_amount"] = flow(f"{sales_basis}_amount")
    out["cost_of_sales_amount"] = flow("cost_of_sales_amount")
    out["receivables_source"], out["payables_source"] = m.receivables_source.tolist(), m.payables_source.tolist()
    return _days(out)


def _days(out: pd.DataFrame) -> pd.DataFrame:
    """DSO, DIO, DPO and CCC of ``compute_working_capital``'s rows, money rounded to the cent."""
    def per_day(stock, flow):
        return np.where(flow > 0, stock / np.where(flow > 0, flow, 1) * out.days, np.nan)

    out["dso_days"] = per_day(out.receivables_amount, out.sales_amount)
    out["dio_days"] = per_day(out.inventory_amount, out.cost_of_sales_amount)
    out["dpo_days"] = per_day(out.payables_amount, out.cost_of_sales_amount)
    out["ccc_days"] = out.dso_days + out.dio_days - out.dpo_days
    money = [c for c in out.columns if c.endswith("_amount")]
    out[money] = out[money].astype(float).round(2)
    return out


# compute_working_capital's columns, in its order
WC_COLUMNS = ["period", "basis", "day_count", "balance", "sales_basis", "first_month", "last_month", "n_months", "is_complete", "days",
              "receivables_amount", "inventory_amount", "payables_amount", "sales_amount", "revenue_amount", "cost_of_sales_amount",
              "dso_days", "dio_days", "dpo_days", "ccc_days", "receivables_source", "payables_source"]


def compute_working_capital(months: pd.DataFrame, basis: str = "month", day_count: str = "actual", balance: str = "closing",
                            sales_basis: str = "revenue") -> pd.DataFrame:
    """DSO, DIO, DPO and CCC per period of ``basis`` from monthly balances and flows
    (``compute_wc_months``): one row per period, with the settings, the months and days counted,
    the balances used, the sales and cost of sales, and ``is_complete`` (all its months present).

    >>> # Q1 2025, actual days 31 + 28 + 31 = 90: receivables 120,000, revenue 360,000
    >>> # DSO = 120,000 / 360,000 × 90 = 30.0
    """
    for name, value, allowed in (("basis", basis, BASES), ("day_count", day_count, DAY_COUNTS), ("balance", balance, BALANCES),
                                 ("sales_basis", sales_basis, SALES_BASES)):
        _check(name, value, allowed)
    cols = WC_COLUMNS
    if months.empty:
        return pd.DataFrame(columns=cols)
    if basis == "month" and months.period.is_unique:
        return _monthly_working_capital(months, day_count, balance, sales_basis)[cols]
    m = months.sort_values("period").assign(bucket=lambda f: [period_label(p, basis) for p in f.period])
    size = {"month": 1, "quarter": 3, "year": 12}[basis]
    rows = []
    for bucket, part in m.groupby("bucket", sort=True):
        first, last = part.iloc[0], part.iloc[-1]
        row = {"period": bucket, "basis": basis, "day_count": day_count, "balance": balance, "sales_basis": sales_basis,
               "first_month": first.period, "last_month": last.period, "n_months": len(part), "is_complete": len(part) == size,
               "days": period_days(part.period, day_count)}
        for s in STOCKS:
            closing = float(last[f"{s}_amount"])
            row[f"{s}_amount"] = closing if balance == "closing" else (float(first[f"{s}_opening_amount"]) + closing) / 2
        row["revenue_amount"] = float(part.revenue_amount.sum())
        row["sales_amount"] = float(part[f"{sales_basis}_amount"].sum())
        row["cost_of_sales_amount"] = float(part.cost_of_sales_amount.sum())
        row["receivables_source"], row["payables_source"] = last.receivables_source, last.payables_source
        rows.append(row)
    return _days(pd.DataFrame(rows))[cols]
