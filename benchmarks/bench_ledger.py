"""Benchmark: build a large sample and time the foundation's queries. Prints figures; asserts nothing.

    python benchmarks/bench_ledger.py --scale 54                      # ≈ 10M voucher lines, DuckDB (70 ≈ 13M)
    python benchmarks/bench_ledger.py --scale 5 --db sqlite:///data/bench.sqlite

Reports generation and load time, peak memory (RSS) and the median of 5 runs of each query.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from analytics.ledger import compute_monthly_pnl, compute_wip_tie  # noqa: E402
from cli import trace_json  # noqa: E402
from data_loaders import engine as eng  # noqa: E402
from data_loaders import queries as q  # noqa: E402
from data_loaders import schema  # noqa: E402
from data_loaders.build import load_into  # noqa: E402
from data_loaders.lineage import VoucherFilter, load_voucher_page  # noqa: E402
from data_loaders.scope import Scope  # noqa: E402
from reports.lineage import reconciliation  # noqa: E402
from sample_data.generator import SampleConfig, generate  # noqa: E402


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=70.0)
    parser.add_argument("--db", default=f"duckdb:///{eng.REPO_ROOT / 'data' / 'bench.duckdb'}")
    parser.add_argument("--reuse", action="store_true", help="skip the build and time the queries only")
    args = parser.parse_args()

    if not args.reuse:
        t0 = time.perf_counter()
        frames = generate(SampleConfig(as_of=dt.date(2026, 11, 22), scale=args.scale))
        t_gen = time.perf_counter() - t0
        n_lines = len(frames["voucher_lines"])
        print(f"generate  scale={args.scale:g}: {n_lines:,} voucher lines, {len(frames['work_orders']):,} work orders "
              f"in {t_gen:.1f} s (peak RSS {peak_rss_gb():.1f} GB)", flush=True)
        t0 = time.perf_counter()
        load_into(args.db, frames)
        print(f"load      {eng.normalize_url(args.db).split(':')[0]}: {time.perf_counter() - t0:.1f} s "
              f"(peak RSS {peak_rss_gb():.1f} GB)", flush=True)
        del frames

    engine = eng.make_engine(args.db, read_only=True)
    with engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(schema.voucher_lines)).scalar()
        wo = conn.execute(sa.select(schema.work_orders.c.work_order_id).order_by(schema.work_orders.c.work_order_id).limit(1)
                          .offset(1000)).scalar()
        vno = conn.execute(sa.select(schema.vouchers.c.voucher_no).where(schema.vouchers.c.voucher_type == "FG").limit(1)).scalar()
    print(f"database  {n:,} voucher lines")
    cases = {
        "P&L by period x plant x category, 12 months": lambda: compute_monthly_pnl(q.load_ledger_by_category(engine, Scope("2025-11", "2026-10"))),
        "P&L, one plant and one family": lambda: compute_monthly_pnl(q.load_ledger_by_category(engine, Scope("2025-11", "2026-10", ("P2",), ("管件 Pipe fittings",)))),
        "trial balance, all periods": lambda: q.load_trial_balance(engine, Scope()),
        "unbalanced vouchers (group by voucher)": lambda: q.load_unbalanced_vouchers(engine),
        "WIP tie, every work order": lambda: compute_wip_tie(q.load_work_order_cost_facts(engine)),
        "lines of one work order (indexed)": lambda: eng.read_frame(engine, sa.select(schema.voucher_lines).where(schema.voucher_lines.c.work_order_id == wo)),
        "lines of one voucher (indexed)": lambda: eng.read_frame(engine, sa.select(schema.voucher_lines).where(schema.voucher_lines.c.voucher_no == vno)),
        "trace a completion voucher (cli trace)": lambda: trace_json(engine, vno),
        "trace a work order (cli trace)": lambda: trace_json(engine, wo),
        "voucher search, one month, WIP accounts": lambda: load_voucher_page(engine, Scope("2026-10", "2026-10"), VoucherFilter(account_codes=("500101", "500102", "500103")), 1, 100),
        "reconciliation, one month": lambda: reconciliation(engine, Scope("2026-10", "2026-10")),
    }
    for name, fn in cases.items():
        seconds, result = timed(fn, 3 if any(w in name for w in ("WIP", "unbalanced", "reconciliation")) else 5)
        rows = len(result) if hasattr(result, "__len__") and not isinstance(result, (dict, tuple)) else ""
        print(f"query     {name:<48} {seconds * 1000:9.1f} ms  ({rows} rows)", flush=True)
    print(f"peak RSS  {peak_rss_gb():.1f} GB")


if __name__ == "__main__":
    main()
