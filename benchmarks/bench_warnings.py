"""Benchmark: the early warnings of one month on a given database. Prints figures; asserts nothing.

    python benchmarks/bench_warnings.py --db duckdb:///data/bench.duckdb --month 2026-10
    python benchmarks/bench_warnings.py --db duckdb:///data/bench.duckdb --month 2026-10 --plant P1

Times each rule family of ``reports.warnings.RULES`` on its own (wall and CPU seconds), then the
whole report once, and prints the peak RSS of the process and how many rows the anomaly models
read (one per voucher x account of the month; one per work order of the history window).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data_loaders import engine as eng  # noqa: E402
from data_loaders import warnings as loaders  # noqa: E402
from data_loaders.scope import Scope, month_add  # noqa: E402
from reports.warnings import RULES, WarningSettings, month_warnings  # noqa: E402


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def timed(fn) -> tuple[float, float, object]:
    w0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - w0, time.process_time() - c0, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="a SQLAlchemy URL (opened read-only)")
    parser.add_argument("--month", default="2026-10", help="the month YYYY-MM")
    parser.add_argument("--plant", action="append", default=[])
    args = parser.parse_args()
    engine = eng.make_engine(args.db, read_only=True)
    scope = Scope(args.month, args.month, tuple(args.plant))
    settings = WarningSettings()
    print(f"database {engine.url.render_as_string(hide_password=True)}, month {args.month}, plants {args.plant or 'all'}")
    wall, cpu, rows = timed(lambda: loaders.load_voucher_features(engine, scope))
    print(f"  voucher features (SQL)        {wall:7.2f} s wall {cpu:7.2f} s CPU  {len(rows):,} voucher x account rows")
    window = Scope(month_add(args.month, -(settings.anomaly_history_months - 1)), args.month, tuple(args.plant))
    wall, cpu, rows = timed(lambda: loaders.load_work_order_features(engine, window, settings.anomaly_history_months))
    print(f"  work-order features (SQL)     {wall:7.2f} s wall {cpu:7.2f} s CPU  {len(rows):,} work orders")
    for name in RULES:
        wall, cpu, result = timed(lambda name=name: month_warnings(engine, scope, settings, rules=[name]))
        print(f"  {name:28s}  {wall:7.2f} s wall {cpu:7.2f} s CPU  {result['total']:,} items")
    wall, cpu, result = timed(lambda: month_warnings(engine, scope, settings))
    print(f"all rules                       {wall:7.2f} s wall {cpu:7.2f} s CPU  {result['total']:,} items in {len(result['groups'])} groups")
    print(f"peak RSS {peak_rss_gb():.2f} GB")
    engine.dispose()


if __name__ == "__main__":
    main()
