"""Benchmark: the CPU and wall seconds of each fact family's derivation on a built database, and
of writing its rows (in a transaction rolled back, so the database is left as it was). Prints
figures; asserts nothing.

    python cli.py --db duckdb:////tmp/oee1.duckdb build-sample --scale 1
    python benchmarks/bench_facts.py --db duckdb:////tmp/oee1.duckdb --family facts_oee --runs 3

CPU seconds are the process's (user + system, DuckDB's worker threads included); the best of
``--runs`` is printed beside the median, since other work on the machine inflates both. Tables a
family derives inside the database (``selects``) are not written here. "peak RSS after derive"
is the process's peak before the write: run one family per process to read it per family.
"""

from __future__ import annotations

import argparse
import importlib
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data_loaders import engine as eng  # noqa: E402
from data_loaders import facts  # noqa: E402


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(fn):
    c, w = _cpu(), time.perf_counter()
    out = fn()
    return out, _cpu() - c, time.perf_counter() - w


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="database URL of a built sample")
    ap.add_argument("--family", action="append", help="fact family module (facts_oee …); every family when omitted")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    engine = eng.make_engine(args.db)
    facts.create_tables(engine)
    names = args.family or list(facts.FAMILIES)
    print(f"{'family':<14} {'rows':>9} {'derive cpu best/median':>24} {'wall best':>10} {'write cpu':>10} {'write wall':>11}"
          f" {'peak RSS after derive (MB)':>27}")
    for name in names:
        fam = importlib.import_module(f"data_loaders.{name}")
        cpu, wall = [], []
        for _ in range(args.runs):
            frames, c, w = _timed(lambda: fam.derive(engine, None))
            cpu.append(c)
            wall.append(w)
        derive_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        def write():
            with engine.connect() as conn:
                trans = conn.begin()
                for table in fam.TABLES:
                    if table.name not in frames:  # derived by the database (``selects``), not by ``derive``
                        continue
                    conn.execute(table.delete())
                    eng.bulk_insert(conn, table, frames[table.name])
                trans.rollback()

        _, wc, ww = _timed(write)
        rows = sum(len(f) for f in frames.values())
        print(f"{name:<14} {rows:>9,} {min(cpu):>11.2f} / {statistics.median(cpu):<10.2f} {min(wall):>10.2f} {wc:>10.2f} {ww:>11.2f} {derive_rss:>27.0f}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    engine.dispose()


if __name__ == "__main__":
    main()
