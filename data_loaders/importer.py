"""Import CSV and Excel files into the database: read, map, parse, validate, then write atomically.

* Files are named after a contract table (``voucher_lines.csv``) or its Chinese name
  (``凭证分录.csv``); an Excel workbook may hold one table per sheet, named the same way.
* Text is read as UTF-8 (with or without BOM) or GBK/GB18030.
* Headers may be the contract's column names, their Chinese labels or aliases (凭证号, 借方金额,
  工单号 ...), or any name a mapping file renames: ``column_mapping.csv`` with columns
  ``table,source_column,target_column`` (``*`` as table applies to every file).
* Nothing is stored unless every check passes. Each problem names the file, the row as a
  spreadsheet shows it (the header is row 1), the column and the value.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from data_loaders import engine as eng
from data_loaders import schema
from data_loaders.build import stamp, write_duckdb_file
from data_loaders.lock import write_lock

MAPPING_FILE = "column_mapping.csv"
MAX_PROBLEMS = 2000


@dataclass(frozen=True)
class Problem:
    """One reason an import cannot go ahead. ``row`` 0 means the whole file or column."""

    file: str
    row: int
    column: str
    value: str
    message: str


@dataclass
class ParsedTable:
    """Rows of one table from one source, typed, with the source row of each."""

    table: str
    file: str
    frame: pd.DataFrame
    rows: list[int]
    headers: dict[str, str] = field(default_factory=dict)  # contract column -> header in the file


@dataclass
class ImportReport:
    """What an import did or why it did nothing."""

    problems: list[Problem]
    row_counts: dict[str, int]
    warnings: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.__dict__ for p in self.problems], columns=["file", "row", "column", "value", "message"])


class ImportRejected(Exception):
    """Raised by ``import_*`` callers that prefer an exception; carries the report."""

    def __init__(self, report: ImportReport):
        super().__init__(f"import rejected with {len(report.problems)} problem(s)")
        self.report = report


# --------------------------------------------------------------------------- names
def _norm(text: str) -> str:
    return str(text).replace("\ufeff", "").strip().lower().replace(" ", "_")


def table_for_name(name: str) -> str | None:
    """The contract table a file or sheet name stands for, or None."""
    key = _norm(name)
    for table in schema.CONTRACT_TABLES:
        if key in (_norm(table.name), _norm(table.info.get("zh", ""))):
            return table.name
    return None


def header_lookup(table: sa.Table) -> dict[str, str]:
    """Normalized header -> contract column, from names, labels and aliases."""
    out: dict[str, str] = {}
    for c in table.columns:
        for name in (c.name, c.info.get("zh", ""), c.info.get("en", ""), *c.info.get("aliases", ())):
            if name:
                out.setdefault(_norm(name), c.name)
    return out


def read_mapping(data: bytes, file: str = MAPPING_FILE) -> tuple[list[tuple[str, str, str]], list[Problem]]:
    """Parse a column mapping file into (table, source header, contract column) triples."""
    text, problems = decode(data, file)
    if text is None:
        return [], problems
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    cols = {_norm(c): c for c in frame.columns}
    need = {"table": ("table", "表"), "source_column": ("source_column", "源列"), "target_column": ("target_column", "目标列")}
    found = {}
    for key, names in need.items():
        hit = next((cols[_norm(n)] for n in names if _norm(n) in cols), None)
        if hit is None:
            return [], [Problem(file, 1, key, "", f"mapping file needs a column '{key}' / mapping 文件缺少列 '{key}'")]
        found[key] = hit
    triples = [(r[found["table"]].strip(), r[found["source_column"]].strip(), r[found["target_column"]].strip())
               for _, r in frame.iterrows()]
    return triples, []


# --------------------------------------------------------------------------- reading
def decode(data: bytes, file: str) -> tuple[str | None, list[Problem]]:
    """Text of a CSV file in UTF-8 (BOM or not) or GB18030; a problem otherwise."""
    if not data.strip():
        return None, [Problem(file, 0, "", "", "the file is empty / 文件为空")]
    if b"\x00" in data[:4096]:
        return None, [Problem(file, 0, "", "", "the file is binary or UTF-16; save it as CSV in UTF-8 or GBK / 文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV")]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), []
    except UnicodeDecodeError as exc:
        return None, [Problem(file, 0, "", repr(data[exc.start:exc.start + 8]), f"not UTF-8 or GBK text (byte {exc.start}); save it as UTF-8 / 不是 UTF-8 或 GBK 文本，请另存为 UTF-8")]


def _read_csv(data: bytes, file: str) -> tuple[list[tuple[str, pd.DataFrame, list[int]]], list[Problem]]:
    text, problems = decode(data, file)
    if text is None:
        return [], problems
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        return [], [Problem(file, 0, "", "", "the file is empty / 文件为空")]
    except pd.errors.ParserError as exc:
        return [], [Problem(file, 0, "", "", f"not a readable CSV file: {exc} / CSV 格式错误")]
    rows = list(range(2, len(frame) + 2))
    return [(Path(file).stem, frame, rows)], []


def _read_excel(data: bytes, file: str) -> tuple[list[tuple[str, pd.DataFrame, list[int]]], list[Problem]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), data_only=False, read_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        return [], [Problem(file, 0, "", "", f"not a readable Excel file ({type(exc).__name__}) / 无法读取的 Excel 文件")]
    out, problems = [], []
    for ws in wb.worksheets:
        header = None
        records, rows = [], []
        for cells in ws.iter_rows():
            values = []
            for cell in cells:
                if getattr(cell, "data_type", None) == "f":
                    problems.append(Problem(f"{file}:{ws.title}", cell.row, getattr(cell, "column_letter", ""), str(cell.value),
                                            "a formula, not a value: paste values before importing / 公式单元格，请先粘贴为数值"))
                values.append(cell.value)
            if header is None:
                if any(v not in (None, "") for v in values):
                    header = ["" if v is None else str(v) for v in values]
                continue
            if all(v in (None, "") for v in values):
                continue
            records.append(values[: len(header)] + [None] * (len(header) - len(values)))
            rows.append(cells[0].row if cells else len(rows) + 2)
        if header is None:
            continue
        frame = pd.DataFrame(records, columns=header, dtype=object)
        name = ws.title if table_for_name(ws.title) or len(wb.worksheets) > 1 else Path(file).stem
        out.append((name, frame, rows))
    wb.close()
    if not out and not problems:
        problems.append(Problem(file, 0, "", "", "the workbook has no data / 工作簿没有数据"))
    return out, problems


# --------------------------------------------------------------------------- parsing
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_TIME_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_date(value) -> dt.date:
    """A date from an Excel date, YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD or 2026年3月5日."""
    try:
        return _parse_date(value)
    except ValueError as exc:
        detail = "" if "not a date" in str(exc) else f": {exc}"
        raise ValueError(f"not a date (use YYYY-MM-DD){detail} / 不是有效日期") from None


def _parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    m = _DATE_RE.match(text)
    if m:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if re.fullmatch(r"\d{8}", text):
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    m = _TIME_RE.match(text)
    if m and int(m[4]) == 0 and int(m[5]) == 0:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    raise ValueError("not a date")


def parse_datetime(value) -> dt.datetime:
    """A timestamp: an Excel date-time, or a date as for ``parse_date`` with HH:MM[:SS]."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    text = str(value).strip()
    m = _TIME_RE.match(text)
    if m:
        try:
            return dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0))
        except ValueError as exc:
            raise ValueError(f"not a date and time (use YYYY-MM-DD HH:MM:SS): {exc} / 不是有效时间") from None
    d = parse_date(text)
    return dt.datetime(d.year, d.month, d.day)


def parse_decimal(value, scale: int) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("not a number / 不是数字")
    if isinstance(value, float):
        text = str(round(value, 9))  # Excel stores 0.1 + 0.2 as 0.30000000000000004
    elif isinstance(value, int):
        text = str(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").replace(" ", "")
        if text.startswith("(") and text.endswith(")"):
            text = "-" + text[1:-1]
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("not a number / 不是数字") from None
    if not number.is_finite():
        raise ValueError("not a number / 不是数字")
    if number != number.quantize(Decimal(1).scaleb(-scale)):
        raise ValueError(f"more than {scale} decimals / 小数位超过 {scale} 位")
    return number


def _parse_value(column: sa.Column, value):
    t = column.type
    if isinstance(t, sa.DateTime):
        return parse_datetime(value)
    if isinstance(t, sa.Date):
        return parse_date(value)
    if isinstance(t, sa.Numeric):
        number = parse_decimal(value, t.scale or 0)
        if number < 0 and not column.info.get("signed"):
            raise ValueError("must not be negative / 不能为负数")
        return number
    if isinstance(t, sa.Integer):
        number = parse_decimal(value, 0)
        if number < 0 and not column.info.get("signed"):
            raise ValueError("must not be negative / 不能为负数")
        return int(number)
    text = str(value).strip()
    if isinstance(t, sa.String) and t.length and len(text) > t.length:
        raise ValueError(f"longer than {t.length} characters / 超过 {t.length} 个字符")
    choices = column.info.get("choices")
    if choices and text not in choices:
        raise ValueError(f"must be one of {', '.join(choices)} / 取值必须为 {', '.join(choices)}")
    return text


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and value != value)


def parse_table(name: str, file: str, raw: pd.DataFrame, rows: list[int], mapping: list[tuple[str, str, str]]) -> tuple[ParsedTable | None, list[Problem], list[str]]:
    """Map headers and parse every cell of one source table."""
    table_name = table_for_name(name)
    if table_name is None:
        return None, [Problem(file, 0, "", name, "no contract table has this name; name the file after a table, e.g. voucher_lines.csv or 凭证分录.csv / 文件名与任何数据表不对应")], []
    table = schema.table_by_name(table_name)
    renames = {_norm(src): dst for tbl, src, dst in mapping if tbl in ("*", table_name, table.info.get("zh"))}
    lookup = header_lookup(table)
    problems, warnings = [], []
    headers: dict[str, str] = {}
    for header in raw.columns:
        key = _norm(header)
        target = renames.get(key)
        target = lookup.get(_norm(target)) if target else lookup.get(key)
        if target is None:
            warnings.append(f"{file}: column '{header}' is not in the contract and was ignored / 列 '{header}' 未使用")
        elif target in headers:
            problems.append(Problem(file, 1, str(header), str(header), f"two columns map to '{target}' / 两列都对应 '{target}'"))
        else:
            headers[target] = header
    optional = {"period"} if table_name == "voucher_lines" else set()
    for c in table.columns:
        required = (not c.nullable or c.primary_key) and c.default is None and c.name not in optional
        if required and c.name not in headers:
            problems.append(Problem(file, 1, c.name, "", f"required column '{c.name}' ({c.info['zh']}) is missing / 缺少必填列"))
    if problems:
        return None, problems, warnings
    parsed: dict[str, list] = {}
    for c in table.columns:
        if c.name not in headers:
            continue
        values = []
        for value, row in zip(raw[headers[c.name]].tolist(), rows):
            if isinstance(value, str) and value.startswith("=") and len(value) > 1:
                problems.append(Problem(file, row, headers[c.name], value, "a formula, not a value / 公式，不是数值"))
                values.append(None)
                continue
            if _is_blank(value):
                if not c.nullable or c.primary_key:
                    problems.append(Problem(file, row, headers[c.name], "", "a value is required / 必填"))
                values.append(None)
                continue
            try:
                values.append(_parse_value(c, value))
            except ValueError as exc:
                problems.append(Problem(file, row, headers[c.name], str(value), str(exc)))
                values.append(None)
        parsed[c.name] = values
    frame = pd.DataFrame(parsed, dtype=object)
    return ParsedTable(table_name, file, frame, rows, headers), problems, warnings


def read_sources(sources: list[tuple[str, bytes]]) -> tuple[list[ParsedTable], list[Problem], list[str]]:
    """Parse every (file name, content) pair; a ``column_mapping.csv`` among them is applied."""
    mapping, problems, warnings = [], [], []
    data_files = []
    for name, data in sources:
        if Path(name).name.lower() == MAPPING_FILE:
            triples, probs = read_mapping(data, name)
            mapping.extend(triples)
            problems.extend(probs)
        else:
            data_files.append((name, data))
    parsed = []
    for name, data in data_files:
        suffix = Path(name).suffix.lower()
        if suffix == ".csv":
            tables, probs = _read_csv(data, name)
        elif suffix in (".xlsx", ".xlsm"):
            tables, probs = _read_excel(data, name)
        else:
            problems.append(Problem(name, 0, "", "", "only .csv and .xlsx files can be imported / 只支持 .csv 与 .xlsx 文件"))
            continue
        problems.extend(probs)
        for tname, raw, rows in tables:
            label = name if tname == Path(name).stem else f"{name}:{tname}"
            pt, probs, warns = parse_table(tname, label, raw, rows, mapping)
            problems.extend(probs)
            warnings.extend(warns)
            if pt is not None:
                parsed.append(pt)
    return parsed, problems, warnings


# --------------------------------------------------------------------------- validation
def _existing_keys(engine, table: sa.Table, column: str) -> set:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.select(table.c[column]).distinct())}


def validate(parsed: list[ParsedTable], engine=None) -> list[Problem]:
    """Cross-row and cross-table checks: unique keys, references, balanced vouchers, periods.

    ``engine`` is the database being appended to (its keys count as existing); None checks the
    import on its own.
    """
    problems: list[Problem] = []
    by_table: dict[str, list[ParsedTable]] = {}
    for pt in parsed:
        by_table.setdefault(pt.table, []).append(pt)

    def present_tables():
        if engine is None:
            return set()
        return set(sa.inspect(engine).get_table_names())

    on_disk = present_tables()
    key_cache: dict[tuple[str, str], set] = {}

    def keys_of(table_name: str, column: str) -> set:
        k = (table_name, column)
        if k not in key_cache:
            values = set()
            for pt in by_table.get(table_name, []):
                if column in pt.frame:
                    values.update(v for v in pt.frame[column] if v is not None)
            if table_name in on_disk:
                values |= _existing_keys(engine, schema.table_by_name(table_name), column)
            key_cache[k] = values
        return key_cache[k]

    for table_name, parts in by_table.items():
        table = schema.table_by_name(table_name)
        pk = [c.name for c in table.primary_key.columns]
        seen: dict[tuple, tuple[str, int]] = {}
        existing = set()
        if table_name in on_disk and len(pk) == 1:
            existing = _existing_keys(engine, table, pk[0])
        for pt in parts:
            if not all(c in pt.frame for c in pk):
                continue
            for i, key in enumerate(zip(*(pt.frame[c] for c in pk))):
                if any(v is None for v in key):
                    continue
                shown = "/".join(str(v) for v in key)
                if key in seen:
                    f, r = seen[key]
                    problems.append(Problem(pt.file, pt.rows[i], "+".join(pk), shown, f"duplicate key, also in {f} row {r} / 主键重复"))
                elif len(pk) == 1 and key[0] in existing:
                    problems.append(Problem(pt.file, pt.rows[i], pk[0], shown, "this key is already in the database / 数据库中已存在该主键"))
                else:
                    seen[key] = (pt.file, pt.rows[i])
        for c in table.columns:
            for fk in c.foreign_keys:
                target = fk.column.table.name
                for pt in parts:
                    if c.name not in pt.frame:
                        continue
                    known = keys_of(target, fk.column.name)
                    for i, value in enumerate(pt.frame[c.name]):
                        if value is not None and value not in known:
                            problems.append(Problem(pt.file, pt.rows[i], pt.headers.get(c.name, c.name), str(value),
                                                    f"refers to a {target} row that does not exist / 引用的{fk.column.table.info.get('zh', target)}不存在"))
    problems.extend(_check_vouchers(by_table, engine, on_disk))
    return problems


def _check_vouchers(by_table, engine, on_disk) -> list[Problem]:
    problems = []
    periods: dict[str, str] = {}
    for pt in by_table.get("vouchers", []):
        for i, (vno, period) in enumerate(zip(pt.frame["voucher_no"], pt.frame["period"])):
            if period is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
                problems.append(Problem(pt.file, pt.rows[i], pt.headers["period"], period, "period must look like YYYY-MM / 期间格式应为 YYYY-MM"))
            if vno is not None and period is not None:
                periods[vno] = period
    if engine is not None and "vouchers" in on_disk and by_table.get("voucher_lines"):
        with engine.connect() as conn:
            periods.update({r[0]: r[1] for r in conn.execute(sa.select(schema.vouchers.c.voucher_no, schema.vouchers.c.period))})
    totals: dict[str, list] = {}
    for pt in by_table.get("voucher_lines", []):
        f = pt.frame
        if "period" not in f:
            f["period"] = [periods.get(v) for v in f["voucher_no"]]
        for i, (vno, debit, credit, period) in enumerate(zip(f["voucher_no"], f["debit_amount"], f["credit_amount"], f["period"])):
            row = pt.rows[i]
            if vno is None or debit is None or credit is None:
                continue
            if debit and credit:
                problems.append(Problem(pt.file, row, pt.headers["debit_amount"], f"{debit} / {credit}", "a line has both a debit and a credit / 同一分录不能同时有借方和贷方"))
            if vno in periods and period is not None and period != periods[vno]:
                problems.append(Problem(pt.file, row, pt.headers.get("period", "period"), period, f"period differs from voucher {vno}'s {periods[vno]} / 期间与凭证不一致"))
            t = totals.setdefault(vno, [Decimal(0), Decimal(0), pt.file, []])
            t[0] += debit
            t[1] += credit
            t[3].append(row)
    for vno, (debit, credit, file, rows) in totals.items():
        if debit != credit:
            shown = ", ".join(str(r) for r in rows[:6]) + ("…" if len(rows) > 6 else "")
            problems.append(Problem(file, rows[0], "debit_amount/credit_amount", vno,
                                    f"voucher {vno} does not balance: debits {debit} ≠ credits {credit} (rows {shown}) / 借贷不平衡"))
    return problems


# --------------------------------------------------------------------------- writing
def _frames_for_insert(parsed: list[ParsedTable]) -> dict[str, pd.DataFrame]:
    frames: dict[str, list[pd.DataFrame]] = {}
    for pt in parsed:
        frame = pt.frame.copy()
        table = schema.table_by_name(pt.table)
        for c in table.columns:
            if c.name in frame and isinstance(c.type, sa.Numeric) and not isinstance(c.type, sa.Integer):
                frame[c.name] = pd.to_numeric(frame[c.name].map(lambda v: None if v is None else float(v)))
            elif c.name in frame and isinstance(c.type, (sa.Date, sa.DateTime)):
                frame[c.name] = pd.to_datetime(frame[c.name])
        frames.setdefault(pt.table, []).append(frame)
    return {name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()}


def _write(conn, frames: dict[str, pd.DataFrame], mode: str, note: dict[str, str]) -> dict[str, int]:
    counts = {}
    if mode == "replace":
        for table in reversed(schema.TABLES):
            conn.execute(table.delete())
    for table in schema.TABLES:
        if table.name in frames:
            counts[table.name] = eng.bulk_insert(conn, table, frames[table.name])
    info = schema.dataset_info
    conn.execute(info.delete().where(info.c.info_key.in_(list(note))))
    conn.execute(info.insert(), [{"info_key": k, "info_value": v} for k, v in note.items()])
    return counts


def import_sources(sources: list[tuple[str, bytes]], url: str, mode: str = "append", lock_timeout: float = 0.0) -> ImportReport:
    """Validate ``sources`` and, only if nothing is wrong, write them to the database at ``url``.

    ``mode`` is ``append`` (keys must be new) or ``replace`` (the import becomes the whole dataset).
    One writer at a time: the database's write lock is held from the checks against stored keys
    to the end of the write; another writer's lock is waited for up to ``lock_timeout`` seconds,
    then ``data_loaders.lock.DatabaseBusy`` is raised and nothing is written. A DuckDB file is
    written through a copy that replaces it in one rename (replace mode keeps the previous file
    in ``backups/`` first); other databases in one transaction. Every successful import stamps a
    new ``data_version`` in ``dataset_info``.
    """
    if mode not in ("append", "replace"):
        raise ValueError(f"mode must be 'append' or 'replace', got {mode!r}")
    parsed, problems, warnings = read_sources(sources)
    if not parsed and not problems:
        problems.append(Problem("", 0, "", "", "no importable files were given / 没有可导入的文件"))
    if problems:
        return ImportReport(problems[:MAX_PROBLEMS], {}, warnings)
    path = eng.duckdb_path(url)
    with write_lock(url, lock_timeout) as lock:
        if lock.notice:
            warnings.append(lock.notice)
        check_engine = None
        if mode == "append" and (path is None or path.exists()):
            check_engine = eng.make_engine(url, read_only=True)
        try:
            problems.extend(validate(parsed, check_engine))
        finally:
            if check_engine is not None:
                check_engine.dispose()
        if problems:
            return ImportReport(problems[:MAX_PROBLEMS], {}, warnings)
        frames = _frames_for_insert(parsed)
        note = {
            "last_import_at": dt.datetime.now().isoformat(timespec="seconds"),
            "last_import_files": ", ".join(sorted({pt.file for pt in parsed}))[:200],
            "last_import_rows": str(sum(len(f) for f in frames.values())),
            **stamp(f"import {mode}"),
        }
        if mode == "replace":
            note["source"] = "import"
        try:
            if path is not None:
                def write(engine):
                    eng.create_schema(engine)
                    with engine.begin() as conn:
                        written = _write(conn, frames, mode, note)
                    eng.refresh_statistics(engine)
                    return written

                counts = write_duckdb_file(path, write, copy_existing=(mode == "append"),
                                           backup_reason="replace" if mode == "replace" else None)
            else:
                engine = eng.make_engine(url)
                try:
                    eng.create_schema(engine)
                    with engine.begin() as conn:
                        counts = _write(conn, frames, mode, note)
                    eng.refresh_statistics(engine)
                finally:
                    engine.dispose()
        except sa.exc.SQLAlchemyError as exc:
            message = str(getattr(exc, "orig", exc)).splitlines()[0]
            return ImportReport([Problem("(database)", 0, "", "", f"the database refused the rows, nothing was stored: {message} / 数据库拒绝写入，未保存任何数据")], {}, warnings)
    return ImportReport([], counts, warnings)


def import_folder(folder: str | Path, url: str, mode: str = "append", lock_timeout: float = 0.0) -> ImportReport:
    """Import every .csv / .xlsx file in ``folder`` (and its ``column_mapping.csv``); see ``import_sources``."""
    folder = Path(folder)
    if not folder.is_dir():
        return ImportReport([Problem(str(folder), 0, "", "", "not a folder / 不是文件夹")], {}, [])
    sources = [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())
               if p.is_file() and p.suffix.lower() in (".csv", ".xlsx", ".xlsm")]
    return import_sources(sources, url, mode, lock_timeout)
