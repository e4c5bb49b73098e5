"""Benchmark: the early warnings of one month on a given database. Prints figures; asserts nothing.

    python benchmarks/bench_warnings.py --db duckdb:///data/bench.duckdb --month 2026-10
    python benchmarks/bench_warnings.py --db duckdb:///data/bench.duckdb --month 2026-10 --plant P1
    python benchmarks/bench_warnings.py --db duckdb:///data/bench.duckdb --month 2026-11 --months 12 --whole-only

Times each rule family of ``reports.warnings.RULES`` on its own (wall and CPU seconds), then the
whole report once, and prints the peak RSS of the process and how many rows the anomaly models
read (one per voucher x account of the month; one per work order of the history window).
``--months N``: a scope of N months ending at ``--month``. ``--whole-only``: only the whole
report, in a fresh process, so that the peak RSS is the report's (DuckDB's memory is counted:
its worker threads are part of the process, and so is their CPU time). scikit-learn is imported
before the clock starts, as a running app has it loaded.
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
    parser.add_argument("--months", type=int, default=1, help="how many months, ending at --month")
    parser.add_argument("--plant", action="append", default=[])
    parser.add_argument("--whole-only", action="store_true", help="time only the whole report")
    args = parser.parse_args()
    import sklearn.ensemble  # noqa: F401  (loaded in a running app; ~1.5 CPU s to import)

    engine = eng.make_engine(args.db, read_only=True)
    first = month_add(args.month, -(args.months - 1))
    scope = Scope(first, args.month, tuple(args.plant))
    settings = WarningSettings()
    print(f"database {engine.url.render_as_string(hide_password=True)}, months {first}..{args.month}, plants {args.plant or 'all'}")
    if args.whole_only:
        wall, cpu, result = timed(lambda: month_warnings(engine, scope, settings))
        print(f"all rules                       {wall:7.2f} s wall {cpu:7.2f} s CPU  {result['total']:,} items in {len(result['groups'])} groups")
        print(f"peak RSS {peak_rss_gb() * 1024:.0f} MB")
        engine.dispose()
        return
    wall, cpu, rows = timed(lambda: loaders.load_voucher_features(engine, scope.with_periods(args.month, args.month)))
    print(f"  voucher features (SQL)        {wall:7.2f} s wall {cpu:7.2f} s CPU  {len(rows):,} voucher x account rows")
    window = Scope(month_add(args.month, -(settings.anomaly_history_months - 1)), args.month, tuple(args.plant))
    wall, cpu, rows = timed(lambda: loaders.load_work_order_features(engine, window, settings.anomaly_history_months))
    print(f"  work-order features (SQL)     {wall:7.2f} s wall {cpu:7.2f} s CPU  {len(rows):,} work orders")
    for name in RULES:
        wall, cpu, result = timed(lambda name=name: month_warnings(engine, scope, settings, rules=[name]))
        print(f"  {name:28s}  {wall:7.2f} s wall {cpu:7.2f} s CPU  {result['total']:,} items")
    wall, cpu, result = timed(lambda: month_warnings(engine, scope, settings))
    print(f"all rules                       {wall:7.2f} s wall {cpu:7.2f} s CPU  {result['total']:,} items in {len(result['groups'])} groups")
    print(f"peak RSS {peak_rss_gb() * 1024:.0f} MB")
    engine.dispose()


if __name__ == "__main__":
    main()
