"""The page benchmark runs end to end at a tiny scale: it builds a sample, measures two pages and a
trace in new processes, and its naive-pandas and single-SQL versions give the product's numbers.
Figures are not checked (speed is never a test); only that every part ran and agreed.

About a minute: marked ``long`` as well as ``slow``, so that the default suite (``-m "not walk and
not long"``, pytest.ini) leaves it to CI's second step (``pytest -m "walk or long or browser"``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_pages.py"


@pytest.mark.slow
@pytest.mark.long
def test_bench_pages_builds_measures_and_agrees(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--build", "--scale", "0.05", "--db", f"duckdb:///{tmp_path / 'tiny.duckdb'}",
         "--pages", "ledger,vouchers,trace_voucher", "--scopes", "1m", "--no-report", "--no-server", "--json", str(out)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| page | scope | product cold s |" in proc.stdout
    result = json.loads(out.read_text())
    rows = {r["page"]: r for r in result["results"]}
    assert set(rows) == {"ledger", "vouchers", "trace_voucher"}
    for row in rows.values():
        for kind in ("product", "naive", "sql"):
            assert "error" not in row[kind], row[kind]
            assert row[kind]["cold_s"] > 0 and row[kind]["peak_mb"] > 0
        assert row["agree"] == "✓", row["differences"]
        assert row["product"]["headline"]  # something was compared
    assert rows["ledger"]["product"]["warm_s"] >= 0
    # a filter change (the span a month earlier) is measured for the pages, not for a trace
    assert rows["ledger"]["product"]["switch_s"] > 0 and "switch_s" not in rows["trace_voucher"]["product"]
    assert "| a month earlier s |" in proc.stdout and "filter change ≤ 0.5 s" in proc.stdout
    assert result["probe"]["closed"] == "2026-10"  # the sample's last closed month before its as-of date
