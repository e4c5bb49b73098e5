"""Benchmark: time the Excel export of a wide table. Prints figures; asserts nothing.

    python benchmarks/bench_export.py                 # 100,000 rows x 12 columns, one of each kind
    python benchmarks/bench_export.py --rows 5000

Reports seconds to build the workbook, its size, and the peak memory (RSS) of the process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ui.export import ExportSheet, to_excel_bytes  # noqa: E402

KINDS = {"工单 Work order": "text", "产品 Product": "text", "金额 Amount (CNY)": "money", "成本 Cost (CNY)": "money",
         "单价 Price": "price", "良率 Yield": "pct", "数量 Qty": "qty", "时长 Minutes": "duration", "次数 Count": "count",
         "已过账 Posted": "flag", "日期 Date": "date", "时间 At": "datetime"}


def wide_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    columns = [
        [f"WO-{i:06d}" for i in range(rows)],
        rng.choice(["注塑件 A", "Bracket B", "外壳 C"], rows),
        rng.normal(1e5, 5e4, rows), rng.normal(1e3, 5e2, rows), rng.random(rows) * 100, rng.random(rows),
        rng.integers(0, 1000, rows).astype(float), rng.random(rows) * 600, rng.integers(0, 50, rows),
        rng.random(rows) > 0.5, start + pd.to_timedelta(rng.integers(0, 365, rows), unit="D"),
        start + pd.to_timedelta(rng.integers(0, 10**7, rows), unit="s"),
    ]
    return pd.DataFrame(dict(zip(KINDS, columns)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    frame = wide_frame(args.rows)
    t0 = time.perf_counter()
    data = to_excel_bytes([ExportSheet("明细 Detail", frame, KINDS)], about=[("行数 Rows", f"{args.rows:,}")],
                          title="Benchmark")
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.rows:,} rows x {frame.shape[1]} columns: {seconds:.1f} s, {len(data) / 1e6:.1f} MB, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
