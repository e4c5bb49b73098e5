"""Benchmark: import a large voucher_lines CSV into a fresh DuckDB file. Prints figures; asserts nothing.

    python benchmarks/bench_import.py              # about 200 MB of CSV (deterministic)
    python benchmarks/bench_import.py --mb 20
    python benchmarks/bench_import.py --xlsx-blank-rows 3000000
    python benchmarks/bench_import.py --from-bytes     # the app's upload path: every file's bytes up front

Generates the ledger's master files and a voucher_lines.csv of balanced two-line vouchers
(seeded, so every run imports the same bytes), imports them in replace mode into a temporary
DuckDB file, and prints the seconds and the peak memory (RSS) of the process. The import goes
through ``import_folder`` (as ``cli.py import``), or with ``--from-bytes`` through
``import_sources`` given every file's bytes (as the app's upload).

``--xlsx-blank-rows N`` instead imports a plants.xlsx of 100 data rows, then N blank rows
(``<row r="…"/>``, every other one holding an empty styled cell, written straight into the
sheet XML), then one more data row, which must be imported.
"""

from __future__ import annotations

import argparse
import io
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from data_loaders.importer import import_folder, import_sources  # noqa: E402

MASTER = {
    "plants.csv": "plant_id,plant_name,city,currency\nP1,一厂,苏州,CNY\n",
    "accounts.csv": "account_code,account_name,account_type,category\n500101,生产成本-直接材料,asset,wip\n1403,原材料,asset,raw_materials\n",
}


def voucher_files(target_mb: float, seed: int = 0) -> tuple[bytes, bytes]:
    """(vouchers.csv, voucher_lines.csv) with balanced two-line vouchers, about ``target_mb`` of lines."""
    rng = np.random.default_rng(seed)
    per_voucher = 2 * len("MI202603-0000001,1,500101,P1,1234567.89,0.00,material_issue,MI-0000001\n")
    n = max(1, int(target_mb * 2**20 / per_voucher))
    cents = rng.integers(1, 10**9, size=n)
    days = rng.integers(1, 29, size=n)
    vouchers = ["voucher_no,voucher_date,period,voucher_type,status,description\n"]
    lines = ["voucher_no,line_no,account_code,plant_id,debit_amount,credit_amount,source_doc_type,source_doc_id\n"]
    for i in range(n):
        vno = f"MI202603-{i:07d}"
        amount = f"{cents[i] // 100}.{cents[i] % 100:02d}"
        vouchers.append(f"{vno},2026-03-{days[i]:02d},2026-03,MI,posted,bench\n")
        lines.append(f"{vno},1,500101,P1,{amount},0.00,material_issue,MI-{i:07d}\n")
        lines.append(f"{vno},2,1403,P1,0.00,{amount},material_issue,MI-{i:07d}\n")
    return "".join(vouchers).encode(), "".join(lines).encode()


def xlsx_with_blank_rows(n_blank: int, n_data: int = 100) -> bytes:
    """plants.xlsx: header, ``n_data`` plants, ``n_blank`` blank rows, then plant ``PLAST``.

    The blank rows and the last row are written into the sheet XML directly (openpyxl would
    write nothing for a blank row); half of the blank rows carry an empty styled cell, as
    Excel writes rows that were formatted and then cleared. The ``<dimension>`` is left as
    openpyxl wrote it, so it is stale.
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "plants"
    ws.append(["plant_id", "plant_name", "city", "currency"])
    for i in range(n_data):
        ws.append([f"P{i:03d}", f"{i}厂", "苏州", "CNY"])
    buf = io.BytesIO()
    wb.save(buf)
    first = n_data + 2
    last = first + n_blank
    blank = "".join(f'<row r="{r}"/>' if r % 2 else f'<row r="{r}"><c r="A{r}" s="0"/></row>' for r in range(first, last))
    tail = (f'<row r="{last}"><c r="A{last}" t="inlineStr"><is><t>PLAST</t></is></c>'
            f'<c r="B{last}" t="inlineStr"><is><t>末厂</t></is></c><c r="C{last}" t="inlineStr"><is><t>苏州</t></is></c>'
            f'<c r="D{last}" t="inlineStr"><is><t>CNY</t></is></c></row>')
    zin = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body, n = re.subn(rb"</sheetData>", (blank + tail + "</sheetData>").encode(), body)
                assert n == 1
            zout.writestr(item, body)
    return out.getvalue()


def _peak_rss_mb() -> float:
    """This process's peak RSS in MB: VmHWM, which starts afresh at exec (ru_maxrss keeps the
    parent's peak across fork and exec, so it would count the generator's memory)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _import(folder: str, from_bytes: bool) -> None:
    """Child process: import the folder's files, print the outcome and this process's peak RSS.

    By default through ``import_folder`` (the CLI's path: one file's bytes at a time); with
    ``from_bytes`` through ``import_sources`` given every file's bytes up front, as the app's
    upload does (the caller keeps them for the whole import)."""
    folder_path = Path(folder)
    url = f"duckdb:///{folder_path / 'bench.duckdb'}"
    t1 = time.perf_counter()
    if from_bytes:
        sources = [(p.name, p.read_bytes()) for p in sorted(folder_path.glob("*.csv")) + sorted(folder_path.glob("*.xlsx"))]
        report = import_sources(sources, url, mode="replace")
        held = f"every file's bytes held by the caller: {sum(len(d) for _, d in sources) / 2**20:,.0f} MB"
    else:
        report = import_folder(folder_path, url, mode="replace")
        held = "import_folder: one file's bytes at a time"
    seconds = time.perf_counter() - t1
    print(f"import: {'ok' if report.ok else 'REFUSED'} {report.row_counts} in {seconds:,.1f} s")
    if not report.ok:
        print(report.problems_frame().head(10).to_string())
    peak = _peak_rss_mb()
    print(f"peak RSS of the importing process: {peak:,.0f} MB ({held})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=200.0, help="size of voucher_lines.csv in MB")
    parser.add_argument("--xlsx-blank-rows", type=int, help="import a plants.xlsx with this many blank rows before its last data row")
    parser.add_argument("--from-bytes", action="store_true",
                        help="import through import_sources with every file's bytes read up front (the app's upload path)")
    parser.add_argument("--import-folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_folder:
        _import(args.import_folder, args.from_bytes)
        return
    if args.xlsx_blank_rows is not None:
        with tempfile.TemporaryDirectory() as tmp:
            data = xlsx_with_blank_rows(args.xlsx_blank_rows)
            (Path(tmp) / "plants.xlsx").write_bytes(data)
            print(f"plants.xlsx: {len(data) / 2**20:,.1f} MB, 101 data rows, {args.xlsx_blank_rows:,} blank rows before the last")
            del data
            subprocess.run([sys.executable, __file__, "--import-folder", tmp] + (["--from-bytes"] if args.from_bytes else []), check=True)
        return
    with tempfile.TemporaryDirectory() as tmp:
        vouchers, lines = voucher_files(args.mb)
        for name, text in MASTER.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        (Path(tmp) / "vouchers.csv").write_bytes(vouchers)
        (Path(tmp) / "voucher_lines.csv").write_bytes(lines)
        print(f"voucher_lines.csv: {len(lines) / 2**20:,.1f} MB, vouchers.csv: {len(vouchers) / 2**20:,.1f} MB")
        del vouchers, lines
        # a fresh process, so that the generator's memory does not count
        subprocess.run([sys.executable, __file__, "--import-folder", tmp] + (["--from-bytes"] if args.from_bytes else []), check=True)


if __name__ == "__main__":
    main()
