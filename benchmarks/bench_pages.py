"""Benchmark: every page's analytics at scale, beside naive pandas and the single-SQL floor.
Prints figures; asserts nothing.

    python benchmarks/bench_pages.py --db duckdb:////work/bench/L_old.duckdb --month 2026-10   # reuse a file (read-only)
    python benchmarks/bench_pages.py --build --scale 70 --db duckdb:///data/bench_L.duckdb
    python benchmarks/bench_pages.py --db duckdb:///… --refresh-facts          # on a copy, then measure
    python benchmarks/bench_pages.py --db duckdb:///… --pages ledger,oee --scopes 1m --no-server --json out.json

For every page (and the trace of one voucher and one work order) and two scopes (the twelve
months ending at the data's last closed month, and that month alone), one row:

* **product**: exactly the ``ui.data`` calls the page makes (``pages/*.py``), through their
  ``st.cache_data`` caches, without Streamlit's server (Streamlit's "bare" mode). *cold* is the
  first call in a NEW process (imports — statsmodels' too, and the cash baseline's model
  selection for the scope's plants, which the server does in the background after its first
  page (``ui.data.preload_forecasting``; ``BFI_BENCH_NO_WARMUP=1`` leaves the fit on the cash
  page's clock) — the engine and the router's cached lookups — data version, filter options,
  dataset info — are done before the clock starts; *CPU* is the process's CPU seconds over the cold calls, all threads); *warm* is the
  same calls again in that process, i.e. the cached revisit (a cache hit unpickles the frames,
  as it does in the server); *recompute* (traces always, pages with ``--recompute``) is the
  same calls once more after ``st.cache_data.clear()``: a warm process and warm DuckDB
  buffers, nothing cached (a trace of another record). *a month earlier* (pages) is the same
  calls for the span moved a month back, after the warm ones: a filter change, the figures no
  month changes still cached. *peak MB* is the process's VmHWM after the cold and warm calls
  (``/proc/self/status``), imports included.
* **naive**: the page's headline result in pandas, in its own new process (duckdb, pandas,
  numpy only): each needed table is read through Arrow with only the columns it needs and at
  most simple row filters on its own columns (the scope's dates or periods, a key, a state or
  account list); every join, lookup and group-by happens in pandas. Money is summed from
  integer cents where the ledger rounds to the cent, so it can agree with the product.
* **SQL**: one DuckDB SQL statement computing the same headline, in its own new process.
* **agree**: ✓ when naive and SQL give the product's headline numbers (money within 0.10 and
  1e-7 relative, ratios within 1e-7, counts and keys exactly); the differences are in the JSON.

Then ``cli.py report`` for the twelve months (its ``main`` timed in a new process), and the
server's resident memory after visiting every page through ``streamlit.testing.v1.AppTest``
(one process; the database URL set through ``BFI_DATABASE_URL``, the month through the URL):
every page in the month, then every page again in the rolling twelve months.

Runs are sequential, never two measured processes at once. The database is opened read-only
(``--refresh-facts`` works on a copy). Timings on a shared machine are noisy: run it on a quiet
one and read the ratios, which are measured in the same run. Results as Markdown; ``--json``
writes every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES = ("overview", "oee", "profitability", "reconciliation", "cash", "data", "vouchers", "ledger", "budget", "production")
TRACES = ("trace_voucher", "trace_work_order")
SCOPES = ("12m", "1m")
RESULT = "BENCH_RESULT "
WIP_ACCOUNTS = ("500101", "500102", "500103")
MACHINE_STATES = ("setup", "running", "minor_stop", "reduced_speed")
GOALS = {"naive_time": 0.2, "naive_mem": 1 / 3, "first_view_s": 0.5, "cached_s": 0.05, "filter_change_s": 0.5, "trace_warm_s": 0.05,
         "trace_cold_s": 0.2, "server_rss_mb": 800.0}


# --------------------------------------------------------------------------- process figures
def _status_kb(field: str) -> int:
    """``VmHWM`` (peak resident) or ``VmRSS`` of this process in kB, from /proc/self/status."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _mb(kb: int) -> float:
    return round(kb / 1024, 1)


def _month_start(period: str) -> dt.date:
    return dt.date(int(period[:4]), int(period[5:7]), 1)


def _month_after(period: str) -> dt.date:
    y, m = int(period[:4]), int(period[5:7])
    return dt.date(y + (m == 12), m % 12 + 1, 1)


def _month_add(period: str, k: int) -> str:
    n = int(period[:4]) * 12 + int(period[5:7]) - 1 + k
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


# =========================================================================== product
def _product_pages():
    """page -> (run(ctx) -> result, headline(result, ctx) -> dict); imported in the child only."""
    from ui import data
    from ui.format import money_divisor
    from ui.page import PAGE_TABLES

    def opened(ctx, key):  # what open_page() asks for besides the router's lookups
        data.dataset_info(ctx["url"])
        data.filter_options(ctx["url"])
        data.missing(ctx["url"], PAGE_TABLES.get(key, ()))

    def overview(ctx):
        url, scope, choice = ctx["url"], ctx["scope"], ctx["choice"]
        opened(ctx, "page_overview")
        comparisons = data.comparison_scopes(scope, choice)
        k = data.kpis(url, scope)
        others = {name: data.kpis(url, other) if data.covers(url, other) else None for name, other in comparisons}
        budget_kpis = data.budget_kpis(url, scope, choice)
        if budget_kpis is not None:
            others["budget"] = budget_kpis
        data.kpi_comparison(k, others)
        cockpit = data.cockpit(url, scope, choice)  # the calls pages/overview.py makes
        found = data.warnings(url, scope, models=False)  # ui/warnings_panel.py: the models run when asked
        data.monthly_pnl(url, data.trend_scope(scope))
        return {"kpis": k, "cockpit": cockpit, "warnings": found}

    def overview_headline(r, ctx):
        k = r["kpis"]
        return {"revenue_amount": k["revenue_amount"], "gross_profit_amount": k["gross_profit_amount"],
                "operating_profit_amount": k["operating_profit_amount"]}

    def production(ctx):
        url, scope = ctx["url"], ctx["scope"]
        opened(ctx, "page_production")
        monthly = data.production_monthly(url, data.trend_scope(scope))
        orders = data.work_orders(url, scope, 5000)
        return {"monthly": monthly, "orders": orders}

    def production_headline(r, ctx):
        m = r["monthly"].groupby("period")[["good_qty", "scrap_qty"]].sum()
        out = {f"good_qty[{p}]": float(v) for p, v in m.good_qty.items()}
        out.update({f"scrap_qty[{p}]": float(v) for p, v in m.scrap_qty.items()})
        out["n_work_orders_listed"] = len(r["orders"])
        return out

    def oee(ctx):
        opened(ctx, "page_oee")
        return data.oee(ctx["url"], ctx["scope"], data.OeeSettings())

    def oee_headline(r, ctx):
        out = {}
        for row in r["by_work_center"].itertuples():
            for f in ("oee_pct", "availability_pct", "performance_pct", "quality_pct"):
                out[f"{f}[{row.work_center_id}]"] = float(getattr(row, f))
        return out

    def profitability(ctx):
        url, scope = ctx["url"], ctx["scope"]
        opened(ctx, "page_profitability")
        r = data.profitability(url, scope)
        if r["total"] is not None:
            data.ledger_vs_operations(url, scope, r["total"])
        return r

    def profitability_headline(r, ctx):
        out = {}
        for row in r["by_product"].itertuples():
            for f in ("revenue_amount", "std_cost_amount", "variance_amount", "gross_profit_amount"):
                out[f"{f}[{row.product_id}]"] = float(getattr(row, f))
        return out

    def ledger(ctx):
        url, scope = ctx["url"], ctx["scope"]
        opened(ctx, "page_ledger")
        layout = "comparison" if scope.n_months <= 1 else "by_month"
        pnl = data.pnl_statement(url, scope, layout, ctx["choice"])
        tb = data.trial_balance_balances(url, scope)
        return {"pnl": pnl, "tb": tb, "layout": layout}

    def ledger_headline(r, ctx):
        st = r["pnl"]["statement"].set_index("line")
        out = {}
        if r["layout"] == "by_month":
            months = [(c, f"{c[1:5]}-{c[6:8]}") for c in st.columns if c.startswith("p2") or c.startswith("p1")]
        else:
            months = [("current_amount", ctx["scope"].period_to)]
        for col, period in months:
            for line in ("revenue", "gross_profit", "operating_profit"):
                out[f"{line}_amount[{period}]"] = float(st.at[line, col])
        out["tb_debit_amount"] = float(r["tb"]["totals"]["debit_amount"])
        out["tb_credit_amount"] = float(r["tb"]["totals"]["credit_amount"])
        return out

    def budget(ctx):
        url, scope = ctx["url"], ctx["scope"]
        opened(ctx, "page_budget")
        r = data.budget(url, scope, "original", "revised", "run_rate", 0.9, 1.0)
        if r is None:
            return None
        data.flexible_budget(url, scope, "original")
        return r

    def budget_headline(r, ctx):
        out = {}
        for row in r["total"].itertuples():
            out[f"budget_amount[{row.line_type}]"] = float(row.budget_amount)
            out[f"actual_amount[{row.line_type}]"] = float(row.actual_amount)
        return out

    def cash(ctx):
        url, scope = ctx["url"], ctx["scope"]
        opened(ctx, "page_cash")
        divisor = money_divisor()  # the page's default minimum: 85 % of today's cash, in the card's unit
        min_cash = divisor * round((data.cash_opening(url, scope) or 0.0) * 0.85 / divisor, 2)
        r = data.cash(url, scope, data.CashScenario(extra_delay_days=0, sales_change_pct=0.0, plan_shift_weeks=0), float(min_cash),
                      wc=data.WorkingCapitalSettings("month", "actual", "closing", "revenue"))
        data.period_end_cash(url, scope)
        return r

    def cash_headline(r, ctx):
        return {"opening_cash_amount": float(r["opening"]), "open_receivables_amount": float(r["receivables"].open_amount.sum()),
                "open_payables_amount": float(r["ap_aging"].total_amount.sum())}

    def data_page(ctx):
        url = ctx["url"]
        opened(ctx, "page_data")
        stats = data.table_stats(url)
        data.schema_gaps(url)
        tie = data.wip_tie_summary(url) if not data.missing(url, data.WIP_TIE_TABLES) else None  # as pages/data.py
        return {"stats": stats, "tie": tie}

    def data_headline(r, ctx):
        return {"n_rows": int(r["stats"].n_rows.fillna(0).sum()), "n_work_orders": r["tie"]["n_orders"],
                "n_tied": r["tie"]["n_tied"]}

    def vouchers(ctx):
        url, scope = ctx["url"], ctx["scope"]
        opened(ctx, "page_vouchers")
        data.lineage_options(url)
        f = data.VoucherFilter((), data.subtree(url, "account", ""), data.subtree(url, "cost_center", ""), (), (), None, None, "")
        return data.voucher_page(url, scope, f, 1, 100)

    def vouchers_headline(r, ctx):
        rows, total = r
        return {"n_vouchers": int(total), "first_page": ",".join(rows.voucher_no)}

    def reconciliation(ctx):
        opened(ctx, "page_reconciliation")
        return data.reconciliation(ctx["url"], ctx["scope"], 1.0)

    def reconciliation_headline(r, ctx):
        return {"n_cost_differs": len(r["cost_differs"]), "cost_differs_amount": float(r["cost_differs"].difference_amount.sum()),
                "n_no_completion": len(r["no_completion"])}

    def trace_voucher(ctx):
        # the drill-down with ?voucher=…: the voucher, the source document of the first line that
        # names one, and that line's work order (the page draws the search list above it: the
        # vouchers row)
        url, voucher_no = ctx["url"], ctx["keys"]["voucher"]
        header, lines = data.voucher_detail(url, voucher_no)
        sourced = [i for i, v in enumerate(lines.source_doc_type) if isinstance(v, str) and v]
        line = lines.iloc[sourced[0] if sourced else 0]
        doc = data.source_document(url, line.source_doc_type, line.source_doc_id) if sourced else None
        if isinstance(line.work_order_id, str) and line.work_order_id:
            data.work_order_trace(url, line.work_order_id)
        return {"lines": lines, "doc": doc}

    def trace_voucher_headline(r, ctx):
        lines = r["lines"]
        return {"n_lines": len(lines), "debit_amount": float(lines.debit_amount.sum()), "credit_amount": float(lines.credit_amount.sum()),
                "n_sourced_lines": int(lines.source_doc_type.notna().sum()),
                "first_source_found": int(r["doc"] is not None and not r["doc"].empty)}

    def trace_work_order(ctx):
        url, wo = ctx["url"], ctx["keys"]["work_order"]
        data.work_order_search(url, ctx["scope"], wo)  # the work-order mode's search box holds the linked id
        return data.work_order_trace(url, wo)

    def trace_work_order_headline(r, ctx):
        docs = r["documents"]
        return {"n_ledger_lines": len(r["ledger"]), "ledger_debit_amount": float(r["ledger"].debit_amount.sum()),
                **{f"n_{name}": len(docs[name]) for name in ("material_issues", "labor_logs", "machine_events", "output_counts")}}

    return {
        "overview": (overview, overview_headline), "production": (production, production_headline), "oee": (oee, oee_headline),
        "profitability": (profitability, profitability_headline), "ledger": (ledger, ledger_headline),
        "budget": (budget, budget_headline), "cash": (cash, cash_headline), "data": (data_page, data_headline),
        "vouchers": (vouchers, vouchers_headline), "reconciliation": (reconciliation, reconciliation_headline),
        "trace_voucher": (trace_voucher, trace_voucher_headline), "trace_work_order": (trace_work_order, trace_work_order_headline),
    }


def child_product(spec: dict) -> dict:
    sys.path.insert(0, str(REPO))
    import streamlit as st
    import streamlit.logger

    streamlit.logger.set_log_level("error")  # bare mode warns on every session-state access
    from data_loaders.scope import PeriodChoice, Scope
    from ui import data

    pages = _product_pages()
    run, headline = pages[spec["page"]]
    url = spec["url"]
    sc = spec["scope"]
    ctx = {"url": url, "scope": Scope(sc["from"], sc["to"]), "choice": PeriodChoice(sc["mode"], sc["to"]), "keys": spec.get("keys", {})}
    base_kb = _status_kb("VmRSS")

    def router():  # what the router does on every run before the page (cached per data version)
        data.check_version(url)
        data.filter_options(url)
        data.dataset_info(url)

    t0 = time.perf_counter()
    # the server imports statsmodels and fits the cash baseline of the scope's plants in the background
    # after its first page (ui.router); BFI_BENCH_NO_WARMUP=1 leaves the fit to the page (the import still done)
    data.preload_forecasting(*(() if os.environ.get("BFI_BENCH_NO_WARMUP") else (url, tuple(ctx["scope"].plants)))).join()
    preload_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    router()
    router_s = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    result = run(ctx)
    cold, cold_cpu = time.perf_counter() - t0, time.process_time() - c0
    hwm_cold = _status_kb("VmHWM")
    t0, c0 = time.perf_counter(), time.process_time()
    run(ctx)
    warm, warm_cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = _status_kb("VmHWM")
    out = {"cold_s": cold, "warm_s": warm, "cold_cpu_s": cold_cpu, "warm_cpu_s": warm_cpu, "peak_mb": _mb(peak),
           "peak_after_cold_mb": _mb(hwm_cold), "import_rss_mb": _mb(base_kb),
           "router_s": router_s, "preload_s": preload_s, "headline": headline(result, ctx) if result is not None else {}}
    del result
    if spec["page"] in PAGES:
        # a filter change: the same page for the span a month earlier (the user steps back a month), in
        # the same process, whatever the data version's figures that no month changes are cached
        earlier = ctx["scope"].shifted(1)
        t0, c0 = time.perf_counter(), time.process_time()
        run({**ctx, "scope": earlier, "choice": PeriodChoice(sc["mode"], earlier.period_to)})
        out["switch_s"], out["switch_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
    if spec.get("recompute"):
        st.cache_data.clear()
        router()
        t0 = time.perf_counter()
        run(ctx)
        out["recompute_s"] = time.perf_counter() - t0
        out["peak_after_recompute_mb"] = _mb(_status_kb("VmHWM"))
    return out


# =========================================================================== naive pandas
def _read(con, sql: str, params: dict | None = None):
    """A query's rows as a DataFrame through Arrow: decimals as float64, dates as datetime64."""
    import pyarrow as pa

    table = con.execute(sql, params or {}).to_arrow_table()
    fields = [pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f for f in table.schema]
    return table.cast(pa.schema(fields)).to_pandas(date_as_object=False)


def _cents(a, a_dec: int, b, b_dec: int):
    """Cents of a × b, rounded half away from zero as SQL's ROUND does on exact decimals."""
    import numpy as np

    p = np.round(np.asarray(a, dtype=float) * 10**a_dec).astype(np.int64) * np.round(np.asarray(b, dtype=float) * 10**b_dec).astype(np.int64)
    d = 10 ** (a_dec + b_dec - 2)
    return np.sign(p) * ((np.abs(p) * 2 + d) // (2 * d))


def _to_cents(x):
    import numpy as np

    return np.round(np.asarray(x, dtype=float) * 100).astype(np.int64)


def _naive_wip_tie(con, start=None, end=None):
    """Per work order (all, or planned to start in [start, end)): operations cost and ledger WIP
    charged, in cents."""
    import numpy as np

    where = "WHERE planned_start_date >= $start AND planned_start_date < $end" if start else ""
    wo = _read(con, f"SELECT work_order_id, work_center_id, status FROM work_orders {where}", {"start": start, "end": end} if start else None)
    wc = _read(con, "SELECT work_center_id, machine_rate_per_h, overhead_rate_per_h FROM work_centers")
    mi = _read(con, "SELECT work_order_id, issue_type, qty, unit_cost FROM material_issues")
    lb = _read(con, "SELECT work_order_id, hours, rate_per_h FROM labor_logs")
    me = _read(con, "SELECT work_order_id, start_at, end_at FROM machine_events WHERE state IN ('setup', 'running', 'minor_stop', "
                    "'reduced_speed') AND work_order_id IS NOT NULL")
    vl = _read(con, "SELECT work_order_id, source_doc_type, debit_amount, credit_amount FROM voucher_lines "
                    "WHERE account_code IN ('500101', '500102', '500103') AND work_order_id IS NOT NULL")
    mi["cents"] = _cents(mi.qty, 3, mi.unit_cost, 4) * np.where(mi.issue_type == "return", -1, 1)
    lb["cents"] = _cents(lb.hours, 4, lb.rate_per_h, 2)
    me["seconds"] = (me.end_at - me.start_at).dt.total_seconds()
    vl = vl[vl.source_doc_type != "completion"]
    vl = vl.assign(cents=_to_cents(vl.debit_amount) - _to_cents(vl.credit_amount))
    f = wo.merge(wc, on="work_center_id")
    f = f.merge(mi.groupby("work_order_id").cents.sum().rename("material"), left_on="work_order_id", right_index=True, how="left")
    f = f.merge(lb.groupby("work_order_id").cents.sum().rename("labor"), left_on="work_order_id", right_index=True, how="left")
    f = f.merge(me.groupby("work_order_id").seconds.sum().rename("machine_s"), left_on="work_order_id", right_index=True, how="left")
    f = f.merge(vl.groupby("work_order_id").cents.sum().rename("ledger"), left_on="work_order_id", right_index=True, how="left")
    f[["material", "labor", "machine_s", "ledger"]] = f[["material", "labor", "machine_s", "ledger"]].fillna(0)
    # overhead absorbed: seconds x hourly rate in cents / 3600, rounded half up (completed orders only)
    oh = _half_up(np.round(f.machine_s.to_numpy()).astype(np.int64) * np.round((f.machine_rate_per_h + f.overhead_rate_per_h).to_numpy() * 100)
                  .astype(np.int64), 3600)
    f["operations"] = f.material.astype(np.int64) + f.labor.astype(np.int64) + np.where(f.status == "completed", oh, 0)
    f["difference"] = f.ledger.astype(np.int64) - f.operations
    return f


def _half_up(numerator, denominator: int):
    import numpy as np

    numerator = np.asarray(numerator, dtype=np.int64)
    return np.sign(numerator) * ((np.abs(numerator) * 2 + denominator) // (2 * denominator))


def _naive_pnl(con, period_from: str, period_to: str):
    """Per period: revenue, gross profit and operating profit in natural sign (floats, summed per
    period then rounded to the cent, as the ledger's P&L is)."""
    lines = _read(con, "SELECT period, account_code, debit_amount, credit_amount FROM voucher_lines WHERE period BETWEEN $a AND $b",
                  {"a": period_from, "b": period_to})
    acc = _read(con, "SELECT account_code, category FROM accounts")
    m = lines.merge(acc, on="account_code")
    m["net"] = m.debit_amount - m.credit_amount
    wide = m.pivot_table(index="period", columns="category", values="net", aggfunc="sum", fill_value=0.0)

    def get(c):
        return wide[c] if c in wide else 0.0

    revenue = -get("revenue")
    gross = revenue - get("cost_of_sales") - get("variance")
    operating = gross - (get("overhead") + get("overhead_applied")) - get("expense")
    return {"revenue": revenue.round(2), "gross_profit": gross.round(2), "operating_profit": operating.round(2)}


def naive_overview(con, ctx):
    """The overview's ledger figures (the cockpit's OEE, cash and budget cards are the other pages'
    naive work, measured there)."""
    pnl = _naive_pnl(con, ctx["period_from"], ctx["period_to"])
    return {"revenue_amount": float(pnl["revenue"].sum()), "gross_profit_amount": float(pnl["gross_profit"].sum()),
            "operating_profit_amount": float(pnl["operating_profit"].sum())}


def naive_production(con, ctx):
    start, end = _month_start(ctx["trend_from"]), _month_after(ctx["period_to"])
    oc = _read(con, "SELECT work_order_id, count_date, good_qty, scrap_qty FROM output_counts WHERE count_date >= $s AND count_date < $e",
               {"s": start, "e": end})
    wo = _read(con, "SELECT work_order_id, product_id FROM work_orders")
    p = _read(con, "SELECT product_id FROM products")
    m = oc.merge(wo, on="work_order_id").merge(p, on="product_id")
    m["period"] = m.count_date.dt.strftime("%Y-%m")
    g = m.groupby("period")[["good_qty", "scrap_qty"]].sum()
    orders = _read(con, "SELECT work_order_id, product_id, planned_start_date FROM work_orders WHERE planned_start_date >= $s "
                        "AND planned_start_date < $e", {"s": _month_start(ctx["period_from"]), "e": _month_after(ctx["period_to"])})
    orders = orders.merge(p, on="product_id").sort_values(["planned_start_date", "work_order_id"], ascending=False).head(5000)
    out = {f"good_qty[{k}]": float(v) for k, v in g.good_qty.items()}
    out.update({f"scrap_qty[{k}]": float(v) for k, v in g.scrap_qty.items()})
    out["n_work_orders_listed"] = len(orders)
    return out


def naive_oee(con, ctx):
    import numpy as np
    import pandas as pd

    start, end = pd.Timestamp(_month_start(ctx["period_from"])), pd.Timestamp(_month_after(ctx["period_to"]))
    ev = _read(con, "SELECT work_center_id, work_order_id, state, start_at, end_at FROM machine_events WHERE end_at > $s AND start_at < $e",
               {"s": start.to_pydatetime(), "e": end.to_pydatetime()})
    wc = _read(con, "SELECT work_center_id FROM work_centers")
    ev = ev[ev.work_center_id.isin(wc.work_center_id)]
    ev = ev.assign(s=ev.start_at.clip(lower=start), e=ev.end_at.clip(upper=end))
    ev = ev[ev.e > ev.s]
    ev["minutes"] = (ev.e - ev.s).dt.total_seconds() / 60.0
    by_state = ev.pivot_table(index="work_center_id", columns="state", values="minutes", aggfunc="sum", fill_value=0.0)

    def col(name):
        return by_state[name] if name in by_state else 0.0

    run = col("running") + col("reduced_speed") + col("minor_stop")
    ppt = run + col("breakdown") + col("setup")
    # run minutes of each order on each work center and day, cut at midnight
    r = ev[ev.state.isin(("running", "reduced_speed")) & ev.work_order_id.notna()]
    first, last = r.s.dt.floor("D"), (r.e - pd.Timedelta(seconds=1)).dt.floor("D")
    n = ((last - first).dt.days + 1).to_numpy()
    idx = np.repeat(np.arange(len(r)), n)
    k = np.arange(len(idx)) - np.repeat(np.cumsum(n) - n, n)
    day = first.to_numpy()[idx] + k.astype("timedelta64[D]")
    seg_s = np.maximum(r.s.to_numpy()[idx], day)
    seg_e = np.minimum(r.e.to_numpy()[idx], day + np.timedelta64(1, "D"))
    days = pd.DataFrame({"work_order_id": r.work_order_id.to_numpy()[idx], "work_center_id": r.work_center_id.to_numpy()[idx],
                         "date": day, "minutes": (seg_e - seg_s) / np.timedelta64(1, "s") / 60.0})
    share = days.groupby(["work_order_id", "work_center_id", "date"], as_index=False).minutes.sum()
    share["share"] = share.minutes / share.groupby(["work_order_id", "date"]).minutes.transform("sum")
    oc = _read(con, "SELECT work_order_id, work_center_id, count_date, good_qty, scrap_qty FROM output_counts WHERE count_date >= $s "
                    "AND count_date < $e", {"s": start.date(), "e": end.date()})
    wo = _read(con, "SELECT work_order_id, product_id FROM work_orders")
    rt = _read(con, "SELECT product_id, work_center_id, ideal_cycle_min, ideal_cycle_s, ideal_units_per_min, ideal_units_per_h FROM routings")
    out = oc.merge(wo, on="work_order_id").merge(rt, on=["product_id", "work_center_id"], how="left")
    cyc = out.ideal_cycle_min.fillna(out.ideal_cycle_s / 60.0)
    cyc = cyc.fillna(1.0 / out.ideal_units_per_min.where(out.ideal_units_per_min > 0))
    cyc = cyc.fillna(60.0 / out.ideal_units_per_h.where(out.ideal_units_per_h > 0)).fillna(0.0)
    out = out.assign(date=out.count_date.dt.normalize(), cyc=cyc)[["work_order_id", "date", "good_qty", "scrap_qty", "cyc"]]
    alloc = out.merge(share[["work_order_id", "work_center_id", "date", "share"]], on=["work_order_id", "date"])
    alloc["net"] = (alloc.good_qty + alloc.scrap_qty) * alloc.cyc * alloc.share
    alloc["fp"] = alloc.good_qty * alloc.cyc * alloc.share
    made = alloc.groupby("work_center_id")[["net", "fp"]].sum()
    res = pd.DataFrame({"run": run, "ppt": ppt}).join(made, how="left").fillna(0.0)
    res = res.reindex(sorted(set(wc.work_center_id))).fillna(0.0)

    def ratio(a, b):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)

    res["oee_pct"] = ratio(res.fp, res.ppt)
    res["availability_pct"] = ratio(res.run, res.ppt)
    res["performance_pct"] = ratio(res.net, res.run)
    res["quality_pct"] = ratio(res.fp, res.net)
    return {f"{f}[{wcid}]": float(res.at[wcid, f]) for wcid in res.index
            for f in ("oee_pct", "availability_pct", "performance_pct", "quality_pct")}


def _naive_variances(con, start, end):
    """Per work order completed in [start, end): product and the production variance in cents
    (actual material + labor + overhead absorbed − standard cost of good output)."""
    import numpy as np

    wo = _read(con, "SELECT work_order_id, product_id, work_center_id, completed_qty, status, actual_end_at FROM work_orders "
                    "WHERE status IN ('completed', 'closed') AND actual_end_at >= $s AND actual_end_at < $e", {"s": start, "e": end})
    p = _read(con, "SELECT product_id, std_material_cost, std_labor_cost, std_overhead_cost FROM products")
    wc = _read(con, "SELECT work_center_id, machine_rate_per_h, overhead_rate_per_h FROM work_centers")
    mi = _read(con, "SELECT work_order_id, issue_type, qty, unit_cost FROM material_issues")
    mi = mi[mi.work_order_id.isin(wo.work_order_id)]
    lb = _read(con, "SELECT work_order_id, hours, rate_per_h FROM labor_logs")
    lb = lb[lb.work_order_id.isin(wo.work_order_id)]
    me = _read(con, "SELECT work_order_id, start_at, end_at FROM machine_events WHERE state IN ('setup', 'running', 'minor_stop', "
                    "'reduced_speed') AND work_order_id IS NOT NULL")
    me = me[me.work_order_id.isin(wo.work_order_id)]
    mi = mi.assign(cents=_cents(mi.qty, 3, mi.unit_cost, 4) * np.where(mi.issue_type == "return", -1, 1))
    lb = lb.assign(cents=_cents(lb.hours, 4, lb.rate_per_h, 2))
    me = me.assign(seconds=(me.end_at - me.start_at).dt.total_seconds())
    f = wo.merge(p, on="product_id").merge(wc, on="work_center_id")
    f = f.merge(mi.groupby("work_order_id").cents.sum().rename("material"), left_on="work_order_id", right_index=True, how="left")
    f = f.merge(lb.groupby("work_order_id").cents.sum().rename("labor"), left_on="work_order_id", right_index=True, how="left")
    f = f.merge(me.groupby("work_order_id").seconds.sum().rename("machine_s"), left_on="work_order_id", right_index=True, how="left")
    f[["material", "labor", "machine_s"]] = f[["material", "labor", "machine_s"]].fillna(0)
    overhead = _half_up(np.round(f.machine_s.to_numpy()).astype(np.int64)
                        * np.round((f.machine_rate_per_h + f.overhead_rate_per_h).to_numpy() * 100).astype(np.int64), 3600)
    unit = (f.std_material_cost + f.std_labor_cost + f.std_overhead_cost).round(4)
    standard = _cents(f.completed_qty, 3, unit, 4)
    f["variance"] = f.material.astype(np.int64) + f.labor.astype(np.int64) + overhead - standard
    return f


def naive_profitability(con, ctx):
    start, end = _month_start(ctx["period_from"]), _month_after(ctx["period_to"])
    sales = _read(con, "SELECT product_id, qty, net_amount FROM sales_invoices WHERE invoice_date >= $s AND invoice_date < $e",
                  {"s": start, "e": end})
    p = _read(con, "SELECT product_id, std_material_cost, std_labor_cost, std_overhead_cost FROM products")
    sales = sales.merge(p, on="product_id")
    sales["std_cost"] = sales.qty * (sales.std_material_cost + sales.std_labor_cost + sales.std_overhead_cost)
    s = sales.groupby("product_id")[["net_amount", "std_cost"]].sum()
    v = _naive_variances(con, start, end).groupby("product_id").variance.sum() / 100.0
    res = s.join(v, how="outer").fillna(0.0)
    res["gross"] = res.net_amount - res.std_cost - res.variance
    out = {}
    for pid, row in res.iterrows():
        out[f"revenue_amount[{pid}]"] = round(float(row.net_amount), 2)
        out[f"std_cost_amount[{pid}]"] = round(float(row.std_cost), 2)
        out[f"variance_amount[{pid}]"] = round(float(row.variance), 2)
        out[f"gross_profit_amount[{pid}]"] = round(float(row.gross), 2)
    return out


def naive_ledger(con, ctx):
    pnl = _naive_pnl(con, ctx["period_from"], ctx["period_to"])
    out = {}
    for period in pnl["revenue"].index:
        for line in ("revenue", "gross_profit", "operating_profit"):
            out[f"{line}_amount[{period}]"] = float(pnl[line][period])
    tb = _read(con, "SELECT debit_amount, credit_amount FROM voucher_lines WHERE period BETWEEN $a AND $b",
               {"a": ctx["period_from"], "b": ctx["period_to"]})
    out["tb_debit_amount"] = round(float(tb.debit_amount.sum()), 2)
    out["tb_credit_amount"] = round(float(tb.credit_amount.sum()), 2)
    return out


def _budget_span(ctx) -> tuple[str, str, str, str]:
    """(first, last) period of the budget report's data and (first, last) of its scope."""
    closed = _month_add(ctx["as_of"][:7], -1)
    end = min(ctx["period_to"], closed)
    year = end[:4]
    lo = min(ctx["period_from"], f"{year}-01")
    return lo, f"{year}-12", ctx["period_from"], end


def naive_budget(con, ctx):
    import numpy as np

    lo, hi, a, b = _budget_span(ctx)
    bud = _read(con, "SELECT period, cost_center_id, account_code, budget_amount FROM budgets WHERE version = 'original' "
                     "AND period BETWEEN $lo AND $hi", {"lo": lo, "hi": hi})
    cc = _read(con, "SELECT cost_center_id FROM cost_centers")
    acc = _read(con, "SELECT account_code, account_type FROM accounts")
    bud = bud.merge(cc, on="cost_center_id")
    lines = _read(con, "SELECT period, cost_center_id, account_code, debit_amount, credit_amount FROM voucher_lines "
                       "WHERE period BETWEEN $lo AND $hi", {"lo": lo, "hi": hi})
    lines = lines.merge(acc, on="account_code").merge(cc, on="cost_center_id")
    lines = lines[lines.account_type.isin(("revenue", "expense"))]
    lines["actual"] = np.where(lines.account_type == "revenue", lines.credit_amount - lines.debit_amount,
                               lines.debit_amount - lines.credit_amount)
    keys = ["period", "cost_center_id", "account_code"]
    f = bud.groupby(keys).budget_amount.sum().to_frame().join(lines.groupby(keys).actual.sum(), how="outer").fillna(0.0).reset_index()
    budgeted = f.groupby(["cost_center_id", "account_code"]).budget_amount.transform(lambda s: (s != 0).any())
    f = f[budgeted & (f.period >= a) & (f.period <= b)]
    f = f.merge(acc, on="account_code", how="left")
    f["line_type"] = np.where(f.account_type == "revenue", "revenue", "cost")
    g = f.groupby("line_type")[["budget_amount", "actual"]].sum()
    out = {}
    for lt, row in g.iterrows():
        out[f"budget_amount[{lt}]"] = round(float(row.budget_amount), 2)
        out[f"actual_amount[{lt}]"] = round(float(row.actual), 2)
    return out


def naive_cash(con, ctx):
    as_of = dt.date.fromisoformat(ctx["as_of"])
    cb = _read(con, "SELECT bank_account_id, balance_date, balance_amount FROM cash_balances")
    ba = _read(con, "SELECT bank_account_id FROM bank_accounts")
    cb = cb[cb.balance_date < str(as_of)]
    latest = cb[cb.balance_date == cb.groupby("bank_account_id").balance_date.transform("max")].merge(ba, on="bank_account_id")
    si = _read(con, "SELECT invoice_id, invoice_date, net_amount FROM sales_invoices")
    cr = _read(con, "SELECT invoice_id, receipt_date, amount FROM customer_receipts")
    paid = cr[cr.receipt_date < str(as_of)].groupby("invoice_id").amount.sum()
    si = si[si.invoice_date < str(as_of)]
    ar = si.net_amount - si.invoice_id.map(paid).fillna(0.0)
    pi = _read(con, "SELECT supplier_invoice_id, purchase_order_id, invoice_date, amount FROM supplier_invoices")
    po = _read(con, "SELECT purchase_order_id FROM purchase_orders")
    sp = _read(con, "SELECT supplier_invoice_id, payment_date, amount FROM supplier_payments")
    pi = pi[pi.invoice_date < str(as_of)].merge(po, on="purchase_order_id")
    paid_ap = sp[sp.payment_date < str(as_of)].groupby("supplier_invoice_id").amount.sum()
    ap = pi.amount - pi.supplier_invoice_id.map(paid_ap).fillna(0.0)
    return {"opening_cash_amount": round(float(latest.balance_amount.sum()), 2),
            "open_receivables_amount": round(float(ar[ar.abs() > 0.005].sum()), 2),
            "open_payables_amount": round(float(ap[ap.abs() > 0.005].sum()), 2)}


def naive_data(con, ctx):
    n_rows = 0
    for table, column in ctx["tables"]:
        frame = _read(con, f"SELECT {column} FROM {table}")  # the date column behind the page's date range
        n_rows += len(frame)
        if len(frame) and column != "1":  # the page shows each table's date range too
            _ = (frame.iloc[:, 0].min(), frame.iloc[:, 0].max())
        del frame
    tie = _naive_wip_tie(con)
    return {"n_rows": n_rows, "n_work_orders": len(tie), "n_tied": int((tie.difference == 0).sum())}


def naive_vouchers(con, ctx):
    params = {"a": ctx["period_from"], "b": ctx["period_to"]}
    v = _read(con, "SELECT voucher_no, voucher_date FROM vouchers WHERE period BETWEEN $a AND $b", params)
    lines = _read(con, "SELECT voucher_no, debit_amount FROM voucher_lines WHERE period BETWEEN $a AND $b", params)
    totals = lines.groupby("voucher_no").debit_amount.sum()
    del lines
    v = v[v.voucher_no.isin(totals.index)]
    first = v.sort_values(["voucher_date", "voucher_no"], ascending=False).head(100)
    return {"n_vouchers": len(v), "first_page": ",".join(first.voucher_no)}


def naive_reconciliation(con, ctx):
    start, end = _month_start(ctx["period_from"]), _month_after(ctx["period_to"])
    tie = _naive_wip_tie(con, start, end)
    differs = tie[tie.difference.abs() > 100]
    wo = _read(con, "SELECT work_order_id FROM work_orders WHERE status IN ('completed', 'closed') AND actual_end_at >= $s "
                    "AND actual_end_at < $e", {"s": start, "e": end})
    done = _read(con, "SELECT source_doc_id FROM voucher_lines WHERE source_doc_type = 'completion'")
    return {"n_cost_differs": len(differs), "cost_differs_amount": float(differs.difference.sum()) / 100.0,
            "n_no_completion": int((~wo.work_order_id.isin(done.source_doc_id)).sum())}


SOURCE_TABLES = {"material_issue": ("material_issues", "material_issue_id"), "labor_log": ("labor_logs", "labor_log_id"),
                 "work_order": ("work_orders", "work_order_id"), "completion": ("work_orders", "work_order_id"),
                 "sales_invoice": ("sales_invoices", "invoice_id"), "customer_receipt": ("customer_receipts", "receipt_id"),
                 "supplier_invoice": ("supplier_invoices", "supplier_invoice_id"), "supplier_payment": ("supplier_payments", "payment_id")}


def naive_trace_voucher(con, ctx):
    lines = _read(con, "SELECT line_no, account_code, debit_amount, credit_amount, source_doc_type, source_doc_id FROM voucher_lines "
                       "WHERE voucher_no = $v", {"v": ctx["keys"]["voucher"]})
    acc = _read(con, "SELECT account_code, account_name FROM accounts")
    lines = lines.merge(acc, on="account_code").sort_values("line_no")
    sourced = lines[lines.source_doc_type.notna() & (lines.source_doc_type != "")]
    found = 0
    if len(sourced):
        first = sourced.iloc[0]
        table, key = SOURCE_TABLES[first.source_doc_type]
        doc = _read(con, f"SELECT * FROM {table} WHERE {key} = $k", {"k": first.source_doc_id})
        found = int(len(doc) > 0)
    return {"n_lines": len(lines), "debit_amount": round(float(lines.debit_amount.sum()), 2),
            "credit_amount": round(float(lines.credit_amount.sum()), 2), "n_sourced_lines": len(sourced), "first_source_found": found}


def naive_trace_work_order(con, ctx):
    wo = {"w": ctx["keys"]["work_order"]}
    ledger = _read(con, "SELECT voucher_no, line_no, account_code, debit_amount, credit_amount FROM voucher_lines WHERE work_order_id = $w", wo)
    v = _read(con, "SELECT voucher_no, voucher_date FROM vouchers WHERE voucher_no IN (SELECT voucher_no FROM voucher_lines "
                   "WHERE work_order_id = $w)", wo) if len(ledger) else None
    if v is not None:
        ledger = ledger.merge(v, on="voucher_no")
    out = {"n_ledger_lines": len(ledger), "ledger_debit_amount": round(float(ledger.debit_amount.sum()), 2)}
    for table in ("material_issues", "labor_logs", "machine_events", "output_counts"):
        out[f"n_{table}"] = len(_read(con, f"SELECT * FROM {table} WHERE work_order_id = $w", wo))
    return out


NAIVE = {"overview": naive_overview, "production": naive_production, "oee": naive_oee, "profitability": naive_profitability,
         "ledger": naive_ledger, "budget": naive_budget, "cash": naive_cash, "data": naive_data, "vouchers": naive_vouchers,
         "reconciliation": naive_reconciliation, "trace_voucher": naive_trace_voucher, "trace_work_order": naive_trace_work_order}


# =========================================================================== the single-SQL floor
_TIE_SQL = """
tie AS (
  SELECT w.work_order_id,
         coalesce(m.cents, 0) + coalesce(l.cents, 0)
           + CASE WHEN w.status = 'completed' THEN (coalesce(e.s, 0) * CAST(round((c.machine_rate_per_h + c.overhead_rate_per_h) * 100) AS BIGINT)
                                                    * 2 + 3600) // 7200 ELSE 0 END AS operations,
         coalesce(v.cents, 0) AS ledger
  FROM work_orders w JOIN work_centers c USING (work_center_id)
  LEFT JOIN (SELECT work_order_id, sum(CASE WHEN issue_type = 'return' THEN -1 ELSE 1 END * round(qty * unit_cost, 2) * 100) AS cents
             FROM material_issues GROUP BY ALL) m USING (work_order_id)
  LEFT JOIN (SELECT work_order_id, sum(round(hours * rate_per_h, 2) * 100) AS cents FROM labor_logs GROUP BY ALL) l USING (work_order_id)
  LEFT JOIN (SELECT work_order_id, sum(date_diff('second', start_at, end_at)) AS s FROM machine_events
             WHERE state IN ('setup', 'running', 'minor_stop', 'reduced_speed') AND work_order_id IS NOT NULL GROUP BY ALL) e USING (work_order_id)
  LEFT JOIN (SELECT work_order_id, sum((debit_amount - credit_amount) * 100) AS cents FROM voucher_lines
             WHERE account_code IN ('500101', '500102', '500103') AND work_order_id IS NOT NULL
               AND source_doc_type IS DISTINCT FROM 'completion' GROUP BY ALL) v USING (work_order_id)
  {where})"""

_PNL_SQL = """
pnl AS (
  SELECT l.period,
         round(sum(CASE WHEN a.category = 'revenue' THEN l.credit_amount - l.debit_amount ELSE 0 END), 2) AS revenue,
         round(sum(CASE WHEN a.category = 'revenue' THEN l.credit_amount - l.debit_amount
                        WHEN a.category IN ('cost_of_sales', 'variance') THEN l.credit_amount - l.debit_amount ELSE 0 END), 2) AS gross_profit,
         round(sum(CASE WHEN a.category IN ('revenue', 'cost_of_sales', 'variance', 'overhead', 'overhead_applied', 'expense')
                        THEN l.credit_amount - l.debit_amount ELSE 0 END), 2) AS operating_profit,
         sum(l.debit_amount) AS debit, sum(l.credit_amount) AS credit
  FROM voucher_lines l JOIN accounts a USING (account_code)
  WHERE l.period BETWEEN $a AND $b
  GROUP BY l.period)"""

SQL = {
    "overview": ("WITH" + _PNL_SQL + """
SELECT (SELECT sum(revenue) FROM pnl) AS revenue_amount, (SELECT sum(gross_profit) FROM pnl) AS gross_profit_amount,
       (SELECT sum(operating_profit) FROM pnl) AS operating_profit_amount""", "one"),
    "production": ("""
SELECT strftime(o.count_date, '%Y-%m') AS period, sum(o.good_qty) AS good_qty, sum(o.scrap_qty) AS scrap_qty,
       (SELECT least(count(*), 5000) FROM work_orders w2 JOIN products p2 USING (product_id)
        WHERE w2.planned_start_date >= $s AND w2.planned_start_date < $e) AS n_work_orders_listed
FROM output_counts o JOIN work_orders w USING (work_order_id) JOIN products p USING (product_id)
WHERE o.count_date >= $ts AND o.count_date < $e
GROUP BY ALL ORDER BY period""", "production"),
    "oee": ("""
WITH ev AS (
  SELECT e.work_center_id, e.work_order_id, e.state, greatest(e.start_at, $s::TIMESTAMP) AS s, least(e.end_at, $e::TIMESTAMP) AS e
  FROM machine_events e JOIN work_centers USING (work_center_id)
  WHERE e.end_at > $s AND e.start_at < $e),
time AS (
  SELECT work_center_id,
         sum(CASE WHEN state IN ('running', 'reduced_speed', 'minor_stop') THEN date_diff('second', s, e) ELSE 0 END) / 60.0 AS run,
         sum(CASE WHEN state IN ('running', 'reduced_speed', 'minor_stop', 'breakdown', 'setup') THEN date_diff('second', s, e) ELSE 0 END)
           / 60.0 AS ppt
  FROM ev WHERE e > s GROUP BY ALL),
days AS (
  SELECT work_order_id, work_center_id, s, e, unnest(range(date_trunc('day', s), e, INTERVAL 1 DAY)) AS day
  FROM ev WHERE e > s AND state IN ('running', 'reduced_speed') AND work_order_id IS NOT NULL),
run AS (
  SELECT work_order_id, work_center_id, CAST(day AS DATE) AS day,
         sum(date_diff('second', greatest(s, day), least(e, day + INTERVAL 1 DAY))) AS secs
  FROM days GROUP BY ALL),
share AS (SELECT *, secs / sum(secs) OVER (PARTITION BY work_order_id, day) AS share FROM run),
made AS (
  SELECT sh.work_center_id,
         sum((o.good_qty + o.scrap_qty) * coalesce(r.ideal_cycle_min, r.ideal_cycle_s / 60.0,
             CASE WHEN r.ideal_units_per_min > 0 THEN 1.0 / r.ideal_units_per_min END,
             CASE WHEN r.ideal_units_per_h > 0 THEN 60.0 / r.ideal_units_per_h END, 0) * sh.share) AS net,
         sum(o.good_qty * coalesce(r.ideal_cycle_min, r.ideal_cycle_s / 60.0,
             CASE WHEN r.ideal_units_per_min > 0 THEN 1.0 / r.ideal_units_per_min END,
             CASE WHEN r.ideal_units_per_h > 0 THEN 60.0 / r.ideal_units_per_h END, 0) * sh.share) AS fp
  FROM output_counts o JOIN work_orders w USING (work_order_id)
  LEFT JOIN routings r ON r.product_id = w.product_id AND r.work_center_id = o.work_center_id
  JOIN share sh ON sh.work_order_id = o.work_order_id AND sh.day = o.count_date
  WHERE o.count_date >= $s AND o.count_date < $e
  GROUP BY ALL)
SELECT c.work_center_id, m.fp / nullif(t.ppt, 0) AS oee_pct, t.run / nullif(t.ppt, 0) AS availability_pct,
       m.net / nullif(t.run, 0) AS performance_pct, m.fp / nullif(m.net, 0) AS quality_pct
FROM work_centers c LEFT JOIN time t USING (work_center_id) LEFT JOIN made m USING (work_center_id)
ORDER BY 1""", "oee"),
    "profitability": ("""
WITH done AS (
  SELECT work_order_id, product_id, work_center_id, completed_qty FROM work_orders
  WHERE status IN ('completed', 'closed') AND actual_end_at >= $s AND actual_end_at < $e),
var AS (
  SELECT d.product_id,
         sum(coalesce(m.cents, 0) + coalesce(l.cents, 0)
             + (coalesce(me.s, 0) * CAST(round((c.machine_rate_per_h + c.overhead_rate_per_h) * 100) AS BIGINT) * 2 + 3600) // 7200
             - round(d.completed_qty * round(p.std_material_cost + p.std_labor_cost + p.std_overhead_cost, 4), 2) * 100) / 100 AS variance
  FROM done d JOIN products p USING (product_id) JOIN work_centers c USING (work_center_id)
  LEFT JOIN (SELECT work_order_id, sum(CASE WHEN issue_type = 'return' THEN -1 ELSE 1 END * round(qty * unit_cost, 2) * 100) AS cents
             FROM material_issues WHERE work_order_id IN (SELECT work_order_id FROM done) GROUP BY ALL) m USING (work_order_id)
  LEFT JOIN (SELECT work_order_id, sum(round(hours * rate_per_h, 2) * 100) AS cents FROM labor_logs
             WHERE work_order_id IN (SELECT work_order_id FROM done) GROUP BY ALL) l USING (work_order_id)
  LEFT JOIN (SELECT work_order_id, sum(date_diff('second', start_at, end_at)) AS s FROM machine_events
             WHERE state IN ('setup', 'running', 'minor_stop', 'reduced_speed') AND work_order_id IN (SELECT work_order_id FROM done)
             GROUP BY ALL) me USING (work_order_id)
  GROUP BY ALL),
sales AS (
  SELECT product_id, sum(net_amount) AS revenue,
         sum(qty * (std_material_cost + std_labor_cost + std_overhead_cost)) AS std_cost
  FROM sales_invoices JOIN products USING (product_id)
  WHERE invoice_date >= $s AND invoice_date < $e GROUP BY ALL)
SELECT product_id, coalesce(revenue, 0) AS revenue_amount, coalesce(std_cost, 0) AS std_cost_amount,
       coalesce(variance, 0) AS variance_amount,
       coalesce(revenue, 0) - coalesce(std_cost, 0) - coalesce(variance, 0) AS gross_profit_amount
FROM sales FULL JOIN var USING (product_id) ORDER BY 1""", "by_key"),
    "ledger": ("WITH" + _PNL_SQL + """
SELECT period, revenue, gross_profit, operating_profit, sum(debit) OVER () AS tb_debit, sum(credit) OVER () AS tb_credit
FROM pnl ORDER BY period""", "ledger"),
    "budget": ("""
WITH b AS (
  SELECT period, cost_center_id, account_code, sum(budget_amount) AS budget FROM budgets JOIN cost_centers USING (cost_center_id)
  WHERE version = 'original' AND period BETWEEN $lo AND $hi GROUP BY ALL),
a AS (
  SELECT l.period, l.cost_center_id, l.account_code,
         sum(CASE WHEN acc.account_type = 'revenue' THEN l.credit_amount - l.debit_amount ELSE l.debit_amount - l.credit_amount END) AS actual
  FROM voucher_lines l JOIN accounts acc USING (account_code) JOIN cost_centers USING (cost_center_id)
  WHERE acc.account_type IN ('revenue', 'expense') AND l.period BETWEEN $lo AND $hi GROUP BY ALL),
f AS (SELECT * FROM b FULL JOIN a USING (period, cost_center_id, account_code)),
budgeted AS (SELECT cost_center_id, account_code FROM f GROUP BY ALL HAVING bool_or(coalesce(budget, 0) <> 0))
SELECT CASE WHEN acc.account_type = 'revenue' THEN 'revenue' ELSE 'cost' END AS line_type,
       coalesce(sum(budget), 0) AS budget_amount, coalesce(sum(actual), 0) AS actual_amount
FROM f JOIN budgeted USING (cost_center_id, account_code) LEFT JOIN accounts acc USING (account_code)
WHERE f.period BETWEEN $a AND $b
GROUP BY ALL ORDER BY 1""", "budget"),
    "cash": ("""
SELECT (SELECT sum(cb.balance_amount) FROM cash_balances cb JOIN bank_accounts USING (bank_account_id)
        WHERE (cb.bank_account_id, cb.balance_date) IN (SELECT bank_account_id, max(balance_date) FROM cash_balances
                                                       WHERE balance_date < $asof GROUP BY ALL)) AS opening_cash_amount,
       (SELECT sum(open) FROM (SELECT si.net_amount - coalesce(p.paid, 0) AS open FROM sales_invoices si
          LEFT JOIN (SELECT invoice_id, sum(amount) AS paid FROM customer_receipts WHERE receipt_date < $asof GROUP BY ALL) p USING (invoice_id)
          WHERE si.invoice_date < $asof) WHERE abs(open) > 0.005) AS open_receivables_amount,
       (SELECT sum(open) FROM (SELECT pi.amount - coalesce(p.paid, 0) AS open FROM supplier_invoices pi JOIN purchase_orders USING (purchase_order_id)
          LEFT JOIN (SELECT supplier_invoice_id, sum(amount) AS paid FROM supplier_payments WHERE payment_date < $asof GROUP BY ALL) p
            USING (supplier_invoice_id)
          WHERE pi.invoice_date < $asof) WHERE abs(open) > 0.005) AS open_payables_amount""", "one"),
    "data": ("WITH" + _TIE_SQL.format(where="") + """
SELECT {n_rows} AS n_rows, (SELECT count(*) FROM tie) AS n_work_orders, (SELECT count(*) FROM tie WHERE ledger = operations) AS n_tied""",
             "one"),
    "vouchers": ("""
WITH t AS (SELECT voucher_no FROM voucher_lines WHERE period BETWEEN $a AND $b GROUP BY voucher_no)
SELECT v.voucher_no, count(*) OVER () AS n_vouchers
FROM vouchers v JOIN t USING (voucher_no) WHERE v.period BETWEEN $a AND $b
ORDER BY v.voucher_date DESC, v.voucher_no DESC LIMIT 100""", "vouchers"),
    "reconciliation": ("WITH" + _TIE_SQL.format(where="WHERE w.planned_start_date >= $s AND w.planned_start_date < $e") + """
SELECT (SELECT count(*) FROM tie WHERE abs(ledger - operations) > 100) AS n_cost_differs,
       (SELECT coalesce(sum(ledger - operations), 0) / 100 FROM tie WHERE abs(ledger - operations) > 100) AS cost_differs_amount,
       (SELECT count(*) FROM work_orders w WHERE status IN ('completed', 'closed') AND actual_end_at >= $s AND actual_end_at < $e
          AND NOT EXISTS (SELECT 1 FROM voucher_lines l WHERE l.source_doc_type = 'completion' AND l.source_doc_id = w.work_order_id))
         AS n_no_completion""", "one"),
    "trace_voucher": ("""
WITH l AS (SELECT * FROM voucher_lines JOIN accounts USING (account_code) WHERE voucher_no = $v),
first AS (SELECT source_doc_type AS t, source_doc_id AS k FROM l WHERE coalesce(source_doc_type, '') <> '' ORDER BY line_no LIMIT 1)
SELECT count(*) AS n_lines, sum(debit_amount) AS debit_amount, sum(credit_amount) AS credit_amount,
       count(CASE WHEN coalesce(source_doc_type, '') <> '' THEN 1 END) AS n_sourced_lines,
       (SELECT CAST(CASE t
          WHEN 'material_issue' THEN EXISTS (SELECT 1 FROM material_issues WHERE material_issue_id = k)
          WHEN 'labor_log' THEN EXISTS (SELECT 1 FROM labor_logs WHERE labor_log_id = k)
          WHEN 'work_order' THEN EXISTS (SELECT 1 FROM work_orders WHERE work_order_id = k)
          WHEN 'completion' THEN EXISTS (SELECT 1 FROM work_orders WHERE work_order_id = k)
          WHEN 'sales_invoice' THEN EXISTS (SELECT 1 FROM sales_invoices WHERE invoice_id = k)
          WHEN 'customer_receipt' THEN EXISTS (SELECT 1 FROM customer_receipts WHERE receipt_id = k)
          WHEN 'supplier_invoice' THEN EXISTS (SELECT 1 FROM supplier_invoices WHERE supplier_invoice_id = k)
          WHEN 'supplier_payment' THEN EXISTS (SELECT 1 FROM supplier_payments WHERE payment_id = k) END AS INTEGER) FROM first)
         AS first_source_found
FROM l""", "one"),
    "trace_work_order": ("""
SELECT (SELECT count(*) FROM voucher_lines l JOIN vouchers USING (voucher_no) JOIN accounts USING (account_code)
        WHERE l.work_order_id = $w) AS n_ledger_lines,
       (SELECT sum(debit_amount) FROM voucher_lines l JOIN vouchers USING (voucher_no) JOIN accounts USING (account_code)
        WHERE l.work_order_id = $w) AS ledger_debit_amount,
       (SELECT count(*) FROM material_issues WHERE work_order_id = $w) AS n_material_issues,
       (SELECT count(*) FROM labor_logs WHERE work_order_id = $w) AS n_labor_logs,
       (SELECT count(*) FROM machine_events WHERE work_order_id = $w) AS n_machine_events,
       (SELECT count(*) FROM output_counts WHERE work_order_id = $w) AS n_output_counts""", "one"),
}


def _sql_params(page: str, ctx: dict) -> dict:
    start, end = _month_start(ctx["period_from"]), _month_after(ctx["period_to"])
    if page in ("overview", "ledger", "vouchers"):
        return {"a": ctx["period_from"], "b": ctx["period_to"]}
    if page == "production":
        return {"s": start, "e": end, "ts": _month_start(ctx["trend_from"])}
    if page == "oee":
        return {"s": dt.datetime.combine(start, dt.time()), "e": dt.datetime.combine(end, dt.time())}
    if page in ("profitability", "reconciliation"):
        return {"s": start, "e": end}
    if page == "budget":
        lo, hi, a, b = _budget_span(ctx)
        return {"lo": lo, "hi": hi, "a": a, "b": b}
    if page == "cash":
        return {"asof": dt.date.fromisoformat(ctx["as_of"])}
    if page == "trace_voucher":
        return {"v": ctx["keys"]["voucher"]}
    if page == "trace_work_order":
        return {"w": ctx["keys"]["work_order"]}
    return {}


def run_sql(con, page: str, ctx: dict) -> dict:
    """The page's one statement, and its rows as the headline dict."""
    sql, shape = SQL[page]
    if page == "data":  # the row count of every contract table, summed in the same statement
        sql = sql.replace("{n_rows}", " + ".join(f"(SELECT count(*) FROM {t})" for t, _ in ctx["tables"]))
    cur = con.execute(sql, _sql_params(page, ctx))
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    out: dict = {}
    if shape == "one":
        out = {k: (float(v) if v is not None and not isinstance(v, (int, str)) else v) for k, v in zip(names, rows[0])}
    elif shape == "production":
        for period, good, scrap, n in rows:
            out[f"good_qty[{period}]"], out[f"scrap_qty[{period}]"] = float(good), float(scrap)
            out["n_work_orders_listed"] = n
    elif shape in ("oee", "by_key"):
        for row in rows:
            for name, value in zip(names[1:], row[1:]):
                out[f"{name}[{row[0]}]"] = float("nan") if value is None else float(value)
    elif shape == "ledger":
        for period, rev, gross, op, debit, credit in rows:
            out[f"revenue_amount[{period}]"], out[f"gross_profit_amount[{period}]"] = float(rev), float(gross)
            out[f"operating_profit_amount[{period}]"] = float(op)
            out["tb_debit_amount"], out["tb_credit_amount"] = float(debit), float(credit)
    elif shape == "budget":
        for line_type, budget, actual in rows:
            out[f"budget_amount[{line_type}]"], out[f"actual_amount[{line_type}]"] = float(budget), float(actual)
    elif shape == "vouchers":
        out = {"n_vouchers": rows[0][1] if rows else 0, "first_page": ",".join(r[0] for r in rows)}
    return out


def child_floor(spec: dict) -> dict:
    """A naive-pandas or single-SQL measurement in this (new) process."""
    import duckdb

    con = duckdb.connect(spec["path"], read_only=True)
    con.execute("SET enable_progress_bar = false")
    con.execute("SELECT 1").fetchall()
    base_kb = _status_kb("VmRSS")
    ctx = spec["ctx"]
    t0 = time.perf_counter()
    headline = NAIVE[spec["page"]](con, ctx) if spec["kind"] == "naive" else run_sql(con, spec["page"], ctx)
    seconds = time.perf_counter() - t0
    return {"cold_s": seconds, "peak_mb": _mb(_status_kb("VmHWM")), "import_rss_mb": _mb(base_kb), "headline": headline}


# =========================================================================== report and server
def child_report(spec: dict) -> dict:
    sys.path.insert(0, str(REPO))
    import contextlib
    import io

    import cli

    base_kb = _status_kb("VmRSS")
    sink = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(sink):
        code = cli.main(["--db", spec["url"], "report", "--from", spec["scope"]["from"], "--to", spec["scope"]["to"]])
    seconds = time.perf_counter() - t0
    return {"cold_s": seconds, "peak_mb": _mb(_status_kb("VmHWM")), "import_rss_mb": _mb(base_kb), "exit_code": code,
            "report_bytes": len(sink.getvalue())}


SERVER_PAGES = ("overview", "production", "oee", "ledger", "profitability", "budget", "cash", "vouchers", "reconciliation", "data")


def child_server(spec: dict) -> dict:
    """Every page through AppTest in one process: the default month, then the rolling twelve
    months; resident memory after each pass."""
    os.environ["BFI_DATABASE_URL"] = spec["url"]
    sys.path.insert(0, str(REPO))
    os.chdir(REPO)
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

    streamlit.logger.set_log_level("error")
    visits = []
    t0 = time.perf_counter()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=spec.get("timeout", 1800))
    if spec.get("month"):  # the benchmark's month rather than the app's default, as a shared link sets it
        at.query_params["month"] = spec["month"]
    at.run()
    visits.append({"pass": "start", "page": "(router + overview)", "seconds": time.perf_counter() - t0,
                   "rss_mb": _mb(_status_kb("VmRSS")), "errors": [str(e.value)[:200] for e in at.exception],
                   "scope_line": at.caption[0].value if len(at.caption) else ""})
    passes = []
    for name in ("month", "r12"):
        if name == "r12":
            at.button_group(key="mode.zh").set_value("r12")
            at.run()
        for page in spec.get("pages") or SERVER_PAGES:
            t0 = time.perf_counter()
            at.switch_page(f"pages/{page}.py")
            at.run()
            failed = [str(e.value)[:200] for e in at.exception] + [e.value[:200] for e in at.error
                                                                   if e.value.startswith(("出错了", "无法读取数据库"))]
            visits.append({"pass": name, "page": page, "seconds": time.perf_counter() - t0, "rss_mb": _mb(_status_kb("VmRSS")),
                           "errors": failed, "scope_line": at.caption[0].value if len(at.caption) else ""})
        passes.append({"pass": name, "rss_mb": _mb(_status_kb("VmRSS")), "peak_mb": _mb(_status_kb("VmHWM"))})
    return {"visits": visits, "passes": passes, "rss_mb": _mb(_status_kb("VmRSS")), "peak_mb": _mb(_status_kb("VmHWM"))}


CHILDREN = {"product": child_product, "naive": child_floor, "sql": child_floor, "report": child_report, "server": child_server}


def child_main(spec_json: str) -> None:
    spec = json.loads(spec_json)
    load = os.getloadavg()[0]  # how busy the machine was when this process started
    out = CHILDREN[spec["kind"]](spec)
    out["load_avg_1min"] = load
    print(RESULT + json.dumps(out, default=str), flush=True)


# =========================================================================== the parent
def measure(spec: dict, timeout: float) -> dict:
    """Run one measurement in a new process; its result, or ``{"error": …}``."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec, default=str)],
                              capture_output=True, text=True, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT):
            out = json.loads(line[len(RESULT):])
            out["process_s"] = wall
            return out
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-12:]
    return {"error": f"exit {proc.returncode}: " + " | ".join(tail)}


def _close(a, b, key: str) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if a is None or b is None:
        return a is None and b is None
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if key.startswith("n_"):
        return a == b
    if "_amount" in key:
        return math.isclose(a, b, rel_tol=1e-7, abs_tol=0.10)
    return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-7)


def compare(product: dict, other: dict) -> list[str]:
    """The headline keys where ``other`` differs from the product (missing keys included)."""
    diffs = []
    for key in sorted(set(product) | set(other)):
        a, b = product.get(key), other.get(key)
        if key not in product or key not in other or not _close(a, b, key):
            diffs.append(f"{key}: product {a!r} vs {b!r}")
    return diffs


def _probe(url: str, month: str | None = None) -> dict:
    """As-of date, the last closed month, the trace keys, the contract's date columns and
    whether facts are fresh (read-only)."""
    sys.path.insert(0, str(REPO))
    import sqlalchemy as sa

    from data_loaders import engine as eng
    from data_loaders import facts, queries, schema

    engine = eng.make_engine(url, read_only=True)
    info = queries.load_dataset_info(engine)
    periods = queries.load_filter_options(engine)["periods"]
    from data_loaders.scope import last_closed_period

    closed = month or last_closed_period(periods, info.get("as_of_date"))
    start, end = _month_start(closed), _month_after(closed)
    with engine.connect() as conn:
        v, wo = schema.vouchers, schema.work_orders
        voucher = conn.execute(sa.select(v.c.voucher_no).where(v.c.period == closed, v.c.voucher_type == "FG")
                               .order_by(v.c.voucher_no).limit(1)).scalar()
        if voucher is None:
            voucher = conn.execute(sa.select(v.c.voucher_no).where(v.c.period == closed).order_by(v.c.voucher_no).limit(1)).scalar()
        order = conn.execute(sa.select(wo.c.work_order_id).where(wo.c.status == "completed", wo.c.actual_end_at >= start,
                                                                 wo.c.actual_end_at < end).order_by(wo.c.work_order_id).limit(1)).scalar()
        n_lines = conn.execute(sa.select(sa.func.count()).select_from(schema.voucher_lines)).scalar()
    tables = [(t.name, queries.DATE_COLUMNS.get(t.name, "1")) for t in schema.CONTRACT_TABLES]
    ready = facts.ready(engine)
    engine.dispose()
    return {"as_of": info.get("as_of_date") or f"{_month_after(periods[-1])}", "closed": closed, "voucher": voucher,
            "work_order": order, "tables": tables, "facts_ready": ready, "families": list(facts.FAMILIES), "n_lines": n_lines}


def _fmt(x, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if digits == 0:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def _secs(x) -> str:
    if x is None:
        return "—"
    return f"{x * 1000:.0f} ms" if x < 0.1 else f"{x:.2f}"


def _ratio(a, b) -> float | None:
    if a is None or b is None or not b:
        return None
    return a / b


def render(results: list[dict], extra: dict) -> str:
    lines = ["| page | scope | product cold s | cold CPU s | warm (cached) s | recompute s | a month earlier s | peak MB | naive s "
             "| naive MB | SQL s | SQL MB | ×naive time | ×naive mem | ×SQL time | ×SQL mem | agree |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        p, n, s = r.get("product") or {}, r.get("naive") or {}, r.get("sql") or {}
        agree = r.get("agree", "")
        cells = [r["page"], r["scope"], _secs(p.get("cold_s")), _secs(p.get("cold_cpu_s")), _secs(p.get("warm_s")),
                 _secs(p.get("recompute_s")), _secs(p.get("switch_s")),
                 _fmt(p.get("peak_mb"), 0), _secs(n.get("cold_s")), _fmt(n.get("peak_mb"), 0), _secs(s.get("cold_s")),
                 _fmt(s.get("peak_mb"), 0), _fmt(_ratio(p.get("cold_s"), n.get("cold_s"))), _fmt(_ratio(p.get("peak_mb"), n.get("peak_mb"))),
                 _fmt(_ratio(p.get("cold_s"), s.get("cold_s")), 1), _fmt(_ratio(p.get("peak_mb"), s.get("peak_mb"))), agree]
        if p.get("error") or n.get("error") or s.get("error"):
            cells[-1] = "error"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _above(m: dict | None) -> float | None:
    """Peak memory above what the process held after its imports, MB."""
    if not m or m.get("peak_mb") is None or m.get("import_rss_mb") is None:
        return None
    return max(m["peak_mb"] - m["import_rss_mb"], 1.0)


def goals(results: list[dict], extra: dict) -> list[tuple[str, bool | None, str]]:
    """(goal, held?, the figures behind it)."""
    out = []
    pages = [r for r in results if r["page"] in PAGES]
    traces = [r for r in results if r["page"] in TRACES]

    def check(name, rows, value, limit, fmt):
        figures = [(f"{r['page']} {r['scope']}", value(r)) for r in rows]
        figures = [(k, v) for k, v in figures if v is not None]
        if not figures:
            out.append((name, None, "not measured"))
            return
        bad = [f"{k} {fmt(v)}" for k, v in figures if v > limit]
        worst = max(figures, key=lambda kv: kv[1])
        out.append((name, not bad, ("fails: " + ", ".join(bad)) if bad else f"worst {worst[0]} {fmt(worst[1])}"))

    def prod(r, k):
        return (r.get("product") or {}).get(k)

    check("product ≥ 5× faster than naive pandas (product ÷ naive ≤ 0.20)", pages,
          lambda r: _ratio(prod(r, "cold_s"), (r.get("naive") or {}).get("cold_s")), GOALS["naive_time"], lambda v: f"{v:.2f}")
    check("product ≥ 3× leaner than naive pandas (peak ÷ naive ≤ 0.33)", pages,
          lambda r: _ratio(prod(r, "peak_mb"), (r.get("naive") or {}).get("peak_mb")), GOALS["naive_mem"], lambda v: f"{v:.2f}")
    check("(for information) the same, counting only memory above each process's imports", pages,
          lambda r: _ratio(_above(r.get("product")), _above(r.get("naive"))), GOALS["naive_mem"], lambda v: f"{v:.2f}")
    check("first view ≤ 0.5 s (cold)", pages, lambda r: prod(r, "cold_s"), GOALS["first_view_s"], _secs)
    check("cached revisit ≤ 50 ms", pages, lambda r: prod(r, "warm_s"), GOALS["cached_s"], _secs)
    check("filter change ≤ 0.5 s (the same page a month earlier, after the first view)", pages, lambda r: prod(r, "switch_s"),
          GOALS["filter_change_s"], _secs)
    check("trace ≤ 50 ms warm (recomputed: another record is never cached)", traces, lambda r: prod(r, "recompute_s"),
          GOALS["trace_warm_s"], _secs)
    check("trace ≤ 0.2 s cold", traces, lambda r: prod(r, "cold_s"), GOALS["trace_cold_s"], _secs)
    server = extra.get("server") or {}
    if server.get("rss_mb") is not None:
        out.append(("server resident memory after every page ≤ 800 MB", server["rss_mb"] <= GOALS["server_rss_mb"],
                    f"{server['rss_mb']:,.0f} MB resident, peak {server['peak_mb']:,.0f} MB"))
    else:
        out.append(("server resident memory after every page ≤ 800 MB", None, "not measured"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", help="a DuckDB URL duckdb:///path (reused read-only; with --build, the file to build)")
    parser.add_argument("--build", action="store_true", help="build the sample plant into --db first (cli.py build-sample)")
    parser.add_argument("--scale", type=float, default=70.0, help="with --build: 70 = about 13M voucher lines (default); 54 = about 10M")
    parser.add_argument("--as-of", default="2026-11-22", help="with --build: the sample's as-of date (default 2026-11-22)")
    parser.add_argument("--refresh-facts", action="store_true",
                        help="derive the fact tables first (cli.py refresh-facts) on a copy of --db (in place after --build)")
    parser.add_argument("--copy", help="with --refresh-facts: where the copy goes (default: beside the file); deleted at the end")
    parser.add_argument("--keep-copy", action="store_true", help="keep the --refresh-facts copy")
    parser.add_argument("--month", help="the last month of both scopes (default: the data's last closed month, as the app opens)")
    parser.add_argument("--pages", help=f"comma-separated subset of {','.join(PAGES + TRACES)}")
    parser.add_argument("--scopes", default="12m,1m",
                        help="12m (twelve months to the last closed month) and/or 1m (that month); none: only the report and the server")
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--no-sql", action="store_true")
    parser.add_argument("--no-report", action="store_true", help="skip cli.py report")
    parser.add_argument("--no-server", action="store_true", help="skip the AppTest server pass")
    parser.add_argument("--recompute", action="store_true",
                        help="also time each page once more after clearing the caches (always done for the traces)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed to one measured process (default 900)")
    parser.add_argument("--json", help="write every figure to this file")
    args = parser.parse_args()
    if args.child:
        child_main(args.child)
        return
    if not args.db or not args.db.startswith("duckdb:///"):
        parser.error("--db duckdb:///path is required (the benchmark reads a DuckDB file)")
    path = Path(args.db[len("duckdb:///"):])
    url = f"duckdb:///{path}"
    started = time.perf_counter()
    if args.build:
        print(f"building the sample at scale {args.scale:g} into {path} …", flush=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(REPO / "cli.py"), "--db", url, "build-sample", "--scale", str(args.scale), "--as-of",
                        args.as_of, "--yes"], check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        print(f"built in {time.perf_counter() - t0:.0f} s", flush=True)
    elif not path.exists():
        parser.error(f"{path} does not exist (use --build to make it)")
    copy = None
    if args.refresh_facts:
        if not args.build:
            copy = Path(args.copy) if args.copy else path.with_name(path.stem + ".bench_pages_facts.duckdb")
            print(f"copying {path} to {copy} …", flush=True)
            shutil.copyfile(path, copy)
            path, url = copy, f"duckdb:///{copy}"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(REPO / "cli.py"), "--db", url, "refresh-facts"], check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        print(f"refresh-facts in {time.perf_counter() - t0:.0f} s", flush=True)
    try:
        run_all(args, path, url, started)
    finally:
        if copy is not None and not args.keep_copy:
            copy.unlink(missing_ok=True)


def run_all(args, path: Path, url: str, started: float) -> None:
    probe = _probe(url, args.month)
    closed = probe["closed"]
    scopes = {"12m": (_month_add(closed, -11), closed, "r12"), "1m": (closed, closed, "month")}
    wanted_scopes = [s.strip() for s in args.scopes.split(",") if s.strip() and s.strip() != "none"]
    wanted = [p.strip() for p in args.pages.split(",")] if args.pages else list(PAGES + TRACES)
    unknown = set(wanted) - set(PAGES + TRACES)
    if unknown:
        raise SystemExit(f"unknown pages: {', '.join(sorted(unknown))}")
    keys = {"voucher": probe["voucher"], "work_order": probe["work_order"]}
    print(f"database {path} ({probe['n_lines']:,} voucher lines); as-of {probe['as_of']}, scopes end {closed}; "
          f"facts {'fresh' if probe['facts_ready'] else 'absent or stale'} (families: {', '.join(probe['families']) or 'none'}); "
          f"traces: voucher {keys['voucher']}, work order {keys['work_order']}", flush=True)
    results = []
    for scope_name in wanted_scopes:
        lo, hi, mode = scopes[scope_name]
        for page in wanted:
            if page in TRACES and scope_name != wanted_scopes[0]:
                continue  # a trace does not depend on the scope: measured once
            ctx = {"period_from": lo, "period_to": hi, "trend_from": min(lo, _month_add(hi, -11)), "as_of": probe["as_of"],
                   "keys": keys, "tables": probe["tables"]}
            row = {"page": page, "scope": "—" if page in TRACES else f"{lo}…{hi}" if lo != hi else hi}
            spec = {"page": page, "url": url, "path": str(path), "scope": {"from": lo, "to": hi, "mode": mode}, "keys": keys,
                    "ctx": ctx, "recompute": args.recompute or page in TRACES}
            row["product"] = measure({**spec, "kind": "product"}, args.timeout)
            if not args.no_naive:
                row["naive"] = measure({**spec, "kind": "naive"}, args.timeout)
            if not args.no_sql:
                row["sql"] = measure({**spec, "kind": "sql"}, args.timeout)
            diffs = {}
            head = row["product"].get("headline")
            for kind in ("naive", "sql"):
                other = row.get(kind) or {}
                if head is not None and "headline" in other:
                    diffs[kind] = compare(head, other["headline"])
            row["differences"] = diffs
            row["agree"] = ("✓" if all(not d for d in diffs.values()) else "✗ " + "/".join(k for k, d in diffs.items() if d)) if diffs else ""
            results.append(row)
            p = row["product"]
            print(f"  {page:<16} {row['scope']:<17} product {_secs(p.get('cold_s'))} cold (CPU {_secs(p.get('cold_cpu_s'))}) / "
                  f"{_secs(p.get('warm_s'))} cached, "
                  f"{_fmt(p.get('peak_mb'), 0)} MB; naive {_secs((row.get('naive') or {}).get('cold_s'))}; "
                  f"SQL {_secs((row.get('sql') or {}).get('cold_s'))}; agree {row['agree']}"
                  + "".join(f"  [{k} error: {row[k]['error']}]" for k in ("product", "naive", "sql") if (row.get(k) or {}).get("error")),
                  flush=True)
            for kind, d in diffs.items():
                for text in d[:5]:
                    print(f"      {kind} differs: {text}", flush=True)
    extra = {}
    if not args.no_report and "12m" in scopes:
        lo, hi, mode = scopes["12m"]
        extra["report"] = measure({"kind": "report", "url": url, "scope": {"from": lo, "to": hi}}, args.timeout)
        rep = extra["report"]
        print(f"  cli.py report {lo}…{hi}: {_secs(rep.get('cold_s'))}, {_fmt(rep.get('peak_mb'), 0)} MB"
              + (f" [error: {rep['error']}]" if rep.get("error") else ""), flush=True)
    if not args.no_server:
        extra["server"] = measure({"kind": "server", "url": url, "timeout": args.timeout, "month": args.month,
                                   "pages": [p for p in SERVER_PAGES if p in wanted] if args.pages else None}, args.timeout * 3)
        srv = extra["server"]
        print(f"  server (AppTest, every page, month then rolling 12): {_fmt(srv.get('rss_mb'), 0)} MB resident, "
              f"peak {_fmt(srv.get('peak_mb'), 0)} MB" + (f" [error: {srv['error']}]" if srv.get("error") else ""), flush=True)
    total = time.perf_counter() - started
    loads = [m["load_avg_1min"] for r in results for m in (r.get("product"), r.get("naive"), r.get("sql")) if m and "load_avg_1min" in m]
    loads += [m["load_avg_1min"] for m in extra.values() if m and "load_avg_1min" in m]
    print()
    print(f"Every page at {probe['n_lines']:,} voucher lines; facts {'fresh' if probe['facts_ready'] else 'absent'}; "
          f"{dt.date.today()}; whole run {total / 60:.1f} min on {os.cpu_count()} cores, load average "
          f"{min(loads, default=0):.1f}–{max(loads, default=0):.1f} when the measured processes started. Ratios are product ÷ naive and product ÷ SQL (below 1: the product is "
          f"faster / leaner).")
    if results:
        print()
        print(render(results, extra))
    if "report" in extra:
        rep = extra["report"]
        print()
        print(f"`cli.py report` {scopes['12m'][0]}…{scopes['12m'][1]}: {_secs(rep.get('cold_s'))} "
              f"(process {_secs(rep.get('process_s'))}), peak {_fmt(rep.get('peak_mb'), 0)} MB")
    if "server" in extra and not extra["server"].get("error"):
        srv = extra["server"]
        print()
        print("| server pass (AppTest, one process) | page visits, s | resident MB after | peak MB |")
        print("|---|---|---|---|")
        start = srv["visits"][0]
        print(f"| first run (router + overview) | {start['seconds']:.1f} | {start['rss_mb']:,.0f} | |")
        for ps in srv["passes"]:
            visits = [v for v in srv["visits"] if v["pass"] == ps["pass"]]
            print(f"| {ps['pass']} | " + ", ".join(f"{v['page']} {v['seconds']:.1f}" for v in visits)
                  + f" | {ps['rss_mb']:,.0f} | {ps['peak_mb']:,.0f} |")
        failed = [v for v in srv["visits"] if v["errors"]]
        for v in failed:
            print(f"  {v['pass']} {v['page']}: {'; '.join(v['errors'])}")
    print()
    print("| goal | holds | figures |")
    print("|---|---|---|")
    for name, held, text in goals(results, extra):
        print(f"| {name} | {'—' if held is None else '✓' if held else '✗'} | {text} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"database": str(path), "probe": {k: v for k, v in probe.items() if k != "tables"},
                                               "date": str(dt.date.today()), "run_minutes": round(total / 60, 2),
                                               "results": results, **extra,
                                               "goals": [{"goal": g, "holds": h, "figures": f} for g, h, f in goals(results, extra)]},
                                              indent=2, ensure_ascii=False, default=str))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
