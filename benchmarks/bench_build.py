"""Benchmark: where the time of ``cli.py build-sample`` goes. Prints, per step, the CPU seconds
of the process (user + system, DuckDB's worker threads included) and the wall seconds; asserts
nothing.

    python benchmarks/bench_build.py --scale 7 --db duckdb:////tmp/bench_build.duckdb --runs 3

Steps, as ``sample_data.build.build_sample`` (what ``cli.py build-sample`` runs) reports them:
generate (the seeded numpy generator up to the plant's tables; the ledger is generated while
those are stored, in "load tables"), load tables (one per table written), ``keys``,
``indexes`` (the fact refresh runs beside both since session 11), ``facts`` (what is left of the
fact refresh afterwards, and the statistics); and the fact refresh per table (its own timing:
derivation wall seconds of a family derived in Python, the ``INSERT … SELECT`` of the others).
``--timeline`` prints every step's start and each fact family's derivation, in wall and CPU
seconds since the start (one line each). The database file is
deleted after each run unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data_loaders import engine as eng  # noqa: E402
from data_loaders import facts  # noqa: E402
from sample_data.build import build_sample  # noqa: E402


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _remove(path: Path) -> None:
    for p in [path, Path(f"{path}.wal"), Path(f"{path}.lock")]:
        p.unlink(missing_ok=True)
    backups = path.parent / "backups"
    if backups.is_dir():
        for p in backups.glob(f"{path.stem}*"):
            p.unlink(missing_ok=True)


TIMELINE: list | None = None


def one_run(url: str, scale: float, as_of: dt.date) -> tuple[dict[str, tuple[float, float]], dict]:
    steps: dict[str, tuple[float, float]] = {}
    c0, w0 = _cpu(), time.perf_counter()
    mark = {"name": None, "c": c0, "w": w0}

    def progress(fraction: float, message: str) -> None:
        c, w = _cpu(), time.perf_counter()
        if TIMELINE is not None:
            TIMELINE.append((w - w0, c - c0, message))
        if mark["name"] is not None:
            old = steps.get(mark["name"], (0.0, 0.0))
            steps[mark["name"]] = (old[0] + c - mark["c"], old[1] + w - mark["w"])
        name = {"generating": "generate"}.get(message, message)
        mark.update(name=name if name in ("generate", "keys", "indexes", "facts", "done") else "load tables", c=c, w=w)

    fact_times: dict = {}
    original = facts.refresh

    def refresh(engine, periods=None, progress=None, **kwargs):
        if TIMELINE is not None:
            TIMELINE.append((time.perf_counter() - w0, _cpu() - c0, "  [facts] refresh starts"))
        out = original(engine, periods, progress, **kwargs)
        if TIMELINE is not None:
            TIMELINE.append((time.perf_counter() - w0, _cpu() - c0, "  [facts] refresh ends"))
        fact_times.update(out)
        return out

    derive_one = facts._derive_one

    def timed_derive(fam, engine, periods):
        name = fam.__name__.rsplit(".", 1)[-1]
        if TIMELINE is not None:
            TIMELINE.append((time.perf_counter() - w0, _cpu() - c0, f"  [facts] derive {name} starts"))
        try:
            return derive_one(fam, engine, periods)
        finally:
            if TIMELINE is not None:
                TIMELINE.append((time.perf_counter() - w0, _cpu() - c0, f"  [facts] derive {name} ends"))

    facts.refresh, facts._derive_one = refresh, timed_derive
    try:
        build_sample(url, scale, as_of, progress)
    finally:
        facts.refresh, facts._derive_one = original, derive_one
    steps["total"] = (_cpu() - c0, time.perf_counter() - w0)
    steps.pop("done", None)
    steps["facts + statistics"] = steps.pop("facts", (0.0, 0.0))
    return steps, fact_times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="duckdb:////tmp/bench_build.duckdb")
    ap.add_argument("--scale", type=float, default=7)
    ap.add_argument("--as-of", default="2026-12-02")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the database file of the last run")
    ap.add_argument("--timeline", action="store_true",
                    help="print every progress message of the last run with its wall and CPU seconds since the start")
    args = ap.parse_args()
    global TIMELINE
    path = eng.duckdb_path(args.db)
    if path is None:
        sys.exit("bench_build times DuckDB files only")
    as_of = dt.date.fromisoformat(args.as_of)
    runs = []
    for i in range(args.runs):
        _remove(path)
        TIMELINE = [] if args.timeline else None
        steps, fact_times = one_run(args.db, args.scale, as_of)
        runs.append(steps)
        print(f"run {i + 1}: " + ", ".join(f"{k} {c:.1f}/{w:.1f}" for k, (c, w) in steps.items()), flush=True)
        print(f"  peak RSS of the process so far: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)
        print("  facts (wall s per table): " + ", ".join(f"{k} {v['seconds']:.1f}" for k, v in fact_times.items()), flush=True)
        for w, c, message in TIMELINE or []:
            print(f"    {w:6.1f} s wall {c:6.1f} s CPU  {message}")
        gc.collect()
        if not (args.keep and i == args.runs - 1):
            _remove(path)
    print(f"\nscale {args.scale}, {args.runs} run(s): CPU s / wall s, median (best)")
    for key in runs[0]:
        cpu = [r[key][0] for r in runs]
        wall = [r[key][1] for r in runs]
        print(f"  {key:20s} CPU {statistics.median(cpu):7.1f} ({min(cpu):7.1f})   wall {statistics.median(wall):7.1f} ({min(wall):7.1f})")


if __name__ == "__main__":
    main()
