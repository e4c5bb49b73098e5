"""Import CSV and Excel files into the database: read, map, parse, validate, then write atomically.

* Files are named after a contract table (``voucher_lines.csv``) or its Chinese name
  (``凭证分录.csv``); an Excel workbook may hold one table per sheet, named the same way.
* Text is UTF-8 (with or without BOM), GBK/GB18030, or a single-byte encoding that
  ``charset-normalizer`` names without doubt; anything else is refused, never guessed
  (``detect_encoding``). The encoding used is named in the report.
* Money and quantities are parsed with ``decimal.Decimal`` from the cell's text, never through
  float, with the decimal and grouping separators stated per import or detected per file;
  a value that reads differently under the two conventions (``1,000``) is refused when the file
  does not settle which one it uses. Rules and limits: docs/IMPORT_PARSING.md.
* Headers may be the contract's column names, their Chinese labels or aliases (凭证号, 借方金额,
  工单号 ...), or any name a mapping file renames: ``column_mapping.csv`` with columns
  ``table,source_column,target_column`` (``*`` as table applies to every file).
* Nothing is stored unless every check passes. Each problem names the file, the row as a
  spreadsheet shows it (the header is row 1), the column and the value (cut to 80 characters).
* Large files are read in chunks into Arrow-backed columns (decimal128 for money), well-formed
  cells converted in bulk (figures: docs/IMPORT_PARSING.md, "Memory and speed"); limits: ``BFI_IMPORT_MAX_BYTES`` (200 MB per file) and
  ``BFI_IMPORT_MAX_ROWS`` (20 million rows per file). An Excel sheet's XML is streamed; blank
  rows are cut before parsing, and every other row keeps its spreadsheet number.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import logging
import math
import os
import re
import sys
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from data_loaders import engine as eng
from data_loaders import facts
from data_loaders import schema
from data_loaders.build import stamp, write_duckdb_file
from data_loaders.lock import write_lock
from data_loaders.memory import release_memory

log = logging.getLogger(__name__)

MAPPING_FILE = "column_mapping.csv"
MAX_PROBLEMS = 2000
MAX_BYTES_ENV = "BFI_IMPORT_MAX_BYTES"
MAX_ROWS_ENV = "BFI_IMPORT_MAX_ROWS"
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
SHOWN_CHARS = 80  # a value is cut to this length in a problem
CHUNK_ROWS = 100_000
SLICE_ROWS = 1 << 18  # rows per slice in the checks' passes over whole columns (2 MB per int64 column)


def import_limits() -> tuple[int, int]:
    """(largest file in bytes, most data rows per file), from the environment or the defaults."""
    def read(name: str, default: int) -> int:
        try:
            value = int(os.environ.get(name, "") or default)
        except ValueError:
            return default
        return value if value > 0 else default
    return read(MAX_BYTES_ENV, DEFAULT_MAX_BYTES), read(MAX_ROWS_ENV, DEFAULT_MAX_ROWS)


def shorten(value, limit: int = SHOWN_CHARS) -> str:
    """A value as a problem shows it: NULs made visible, cut to ``limit`` characters."""
    text = "" if value is None else str(value)
    if len(text) > limit + 30:  # room for the suffix, so that shortening twice changes nothing
        text = text[: limit - 1] + f"… ({len(text):,} characters)"
    return text.replace("\x00", "\\x00")


_VALUES = re.compile(r"'[^']*'|\"[^\"]*\"|\d[\d,.:-]*")


def problem_kind(message: str) -> str:
    """What a message says with its values blanked: the problems of one kind share it.

    Messages read "English / 中文"; the Chinese part rarely carries a value, so it names the
    kind where there is one; quoted values and numbers become "…" either way."""
    text = message.rsplit(" / ", 1)[-1] if " / " in message else message
    return _VALUES.sub("…", text).strip()


@dataclass(frozen=True)
class Problem:
    """One reason an import cannot go ahead. ``row`` 0 means the whole file or column.

    A row with ``more`` > 0 stands for that many further problems of its ``kind`` that are
    counted but not listed (each check lists at most ``MAX_PROBLEMS``)."""

    file: str
    row: int
    column: str
    value: str
    message: str
    kind: str = ""
    more: int = 0

    def __post_init__(self):
        # a report must never carry a 400 MB cell, nor a numpy integer
        object.__setattr__(self, "value", shorten(self.value))
        object.__setattr__(self, "row", int(self.row))
        object.__setattr__(self, "more", int(self.more))
        if not self.kind:
            object.__setattr__(self, "kind", problem_kind(self.message))


def unlisted(example: Problem, n: int) -> Problem:
    """The row that counts ``n`` more problems like ``example`` without listing them."""
    return Problem(example.file, 0, example.column, "", f"{n:,} more like this not listed / 另有 {n:,} 个同类问题未列出",
                   kind=example.kind, more=n)


def listed(problems: list[Problem], positions, make) -> None:
    """Append ``make(pos)`` for the first ``MAX_PROBLEMS`` of ``positions`` and count the rest."""
    if not len(positions):
        return
    head = positions[:MAX_PROBLEMS]
    for pos in head.tolist() if isinstance(head, np.ndarray) else head:
        problems.append(make(pos))
    if len(positions) > MAX_PROBLEMS:
        problems.append(unlisted(problems[-1], len(positions) - MAX_PROBLEMS))


def fold(problems: list[Problem]) -> list[Problem]:
    """At most ``MAX_PROBLEMS`` listed problems per kind, the rest counted in one row per kind and file."""
    out, seen, extra = [], {}, {}
    for p in problems:
        if p.more:
            extra[(p.kind, p.file)] = (extra.get((p.kind, p.file), (p, 0))[0], extra.get((p.kind, p.file), (p, 0))[1] + p.more)
            continue
        seen[p.kind] = seen.get(p.kind, 0) + 1
        if seen[p.kind] <= MAX_PROBLEMS:
            out.append(p)
        else:
            example, n = extra.get((p.kind, p.file), (p, 0))
            extra[(p.kind, p.file)] = (example, n + 1)
    return out + [unlisted(example, n) for example, n in extra.values()]


@dataclass
class ParsedTable:
    """Rows of one table from one source, typed, with the source row of each.

    ``frame`` holds compact columns: money and quantities as ``decimal128(18, scale)`` (Arrow),
    text as Arrow strings, integers as ``Int64``, dates as ``datetime64``; missing is NA.
    """

    table: str
    file: str
    frame: pd.DataFrame
    rows: Sequence[int]  # spreadsheet row of each frame row: a range when consecutive, else an int64 array
    headers: dict[str, str] = field(default_factory=dict)  # contract column -> header in the file
    encoding: str = ""  # the text encoding a CSV was read with; "" for Excel


@dataclass
class ImportReport:
    """What an import did or why it did nothing."""

    problems: list[Problem]
    row_counts: dict[str, int]
    warnings: list[str]
    # False when the import stopped at reading the files (values, a profile's steps): keys,
    # references, balances and the database were not checked yet, so more problems may follow
    checked: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def total(self) -> int:
        """Every problem found, the listed ones and those only counted."""
        return sum(p.more or 1 for p in self.problems)

    def kinds_frame(self) -> pd.DataFrame:
        """One row per kind of problem, most frequent first: an example message, how many were
        found and how many are listed."""
        rows: dict[str, list] = {}
        for p in self.problems:
            row = rows.setdefault(p.kind, [p.kind, "", 0, 0])
            if not p.more and not row[1]:
                row[1] = p.message
            row[2] += p.more or 1
            row[3] += 0 if p.more else 1
        frame = pd.DataFrame(list(rows.values()), columns=["kind", "message", "count", "listed"])
        frame["message"] = frame["message"].where(frame["message"] != "", frame["kind"])
        return frame.sort_values("count", ascending=False, kind="stable").reset_index(drop=True)

    def problems_frame(self, per_kind: int | None = None) -> pd.DataFrame:
        """The listed problems (``per_kind``: only the first so many of each kind), kinds in the order of ``kinds_frame``."""
        frame = pd.DataFrame([p.__dict__ for p in self.problems if not p.more],
                             columns=["file", "row", "column", "value", "message", "kind", "more"])
        if per_kind is not None:
            frame = frame.groupby("kind", sort=False).head(per_kind)
        order = {k: i for i, k in enumerate(self.kinds_frame()["kind"])}
        frame = frame.sort_values("kind", key=lambda k: k.map(order), kind="stable")
        return frame[["file", "row", "column", "value", "message"]].reset_index(drop=True)


# an append meets a stored key: the reference files re-sent with each month's export, or a month sent twice
KEY_STORED = ("this key is already in the database; an append adds new rows only: leave out the rows (or the reference files) "
              "already stored, or import in replace mode to make the files the whole dataset / 数据库中已存在该主键")
NOT_CHECKED = ("only the files' values were checked so far: keys, references, balances and the database are checked once these "
               "problems are fixed, and may find more / 目前只检查了文件中的值：这些问题改正后才会检查主键、引用、借贷平衡和数据库，可能还有其他问题")


class ImportRejected(Exception):
    """Raised by ``import_*`` callers that prefer an exception; carries the report."""

    def __init__(self, report: ImportReport):
        super().__init__(f"import rejected with {len(report.problems)} problem(s)")
        self.report = report


@dataclass(frozen=True)
class NumberFormat:
    """How numbers are written in a file: the decimal separator and the thousands separator.

    Spaces (also no-break and thin spaces) group thousands under either convention.
    """

    decimal: str = "."
    grouping: str = ","

    def __post_init__(self):
        if self.decimal not in (".", ",") or self.grouping not in (",", ".", "'", " ", "") or self.grouping == self.decimal:
            raise ValueError(f"unsupported number format: decimal {self.decimal!r}, grouping {self.grouping!r}")


DOT = NumberFormat(".", ",")    # 1,234.56
COMMA = NumberFormat(",", ".")  # 1.234,56


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


_DATA_CELL = re.compile(r"^[-+(]?[\d.,:/ ()-]+$|^(true|false)$", re.I)


def looks_like_data(row: Sequence) -> bool:
    """True when a first row reads as values rather than names: at least half of its non-blank
    cells are numbers, dates or booleans (``1403``, ``2026-03-02``, ``1,234.50``), none blank
    names excepted."""
    cells = [str(v).strip() for v in row if v is not None and str(v).strip()]
    return bool(cells) and sum(bool(_DATA_CELL.match(c)) for c in cells) * 2 >= len(cells)


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
_ENCODING_CANDIDATES = ["cp1252", "gb18030", "big5"]  # what charset-normalizer may choose among
_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "gb18030": "GBK/GB18030", "gbk": "GBK", "cp1252": "Windows-1252",
                   "big5": "Big5"}
_SAMPLE_BYTES = 4 << 20
_GB2312_ONLY = re.compile(rb"(?:[\x00-\x7f]+|[\xa1-\xf7][\xa1-\xfe])*")


class _Refused(Exception):
    """A file cannot be read any further; carries the problem that says why."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def encoding_label(encoding: str) -> str:
    """How a report names a Python codec: ``gb18030`` -> ``GBK/GB18030``."""
    return _ENCODING_NAMES.get(encoding, encoding)


def _is_utf8(data: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), 1 << 20):
            decoder.decode(view[start:start + (1 << 20)], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(data: bytes, file: str = "") -> tuple[str | None, list[Problem]]:
    """The codec to read ``data`` with, or a problem saying why none is chosen.

    UTF-8 (with or without BOM) is checked exactly over the whole file. Otherwise, a sample
    whose non-ASCII bytes are all GB2312 pairs is GBK/GB18030; anything else goes to
    charset-normalizer limited to Windows-1252, GB18030 and Big5, and is accepted only when
    every candidate about as plausible as the best one reads the same text. Never a silent
    guess: a file that stays ambiguous is refused with a request to save it as UTF-8.
    """
    if data.startswith(codecs.BOM_UTF8):
        return ("utf-8-sig", []) if _is_utf8(memoryview(data)[3:]) else (None, [Problem(
            file, 0, "", "", "the file starts as UTF-8 but has bytes that are not UTF-8; save it as UTF-8 again / 文件含有非 UTF-8 字节，请重新另存为 UTF-8")])
    head = data[:4096]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head.count(b"\x00") > len(head) // 10:
        return None, [Problem(file, 0, "", "", "the file is binary or UTF-16; save it as CSV in UTF-8 or GBK / 文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV")]
    if _is_utf8(data):
        return "utf-8", []
    first = re.search(rb"[\x80-\xff]", data)
    start = data.rfind(b"\n", 0, first.start()) + 1 if first else 0
    sample = data[start:start + _SAMPLE_BYTES]
    if len(sample) == _SAMPLE_BYTES:
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    if _GB2312_ONLY.fullmatch(sample):
        return "gb18030", []
    from charset_normalizer import from_bytes

    results = list(from_bytes(sample, cp_isolation=_ENCODING_CANDIDATES))
    ask = "save it as UTF-8 (Excel: Save As > CSV UTF-8) / 无法确定文件编码，请另存为 UTF-8（Excel：另存为 CSV UTF-8）"
    if not results:
        return None, [Problem(file, 0, "", "", f"the text encoding is not UTF-8, GBK or Windows-1252; {ask}")]
    best = min(results, key=lambda m: m.chaos)
    plausible = [m for m in results if m.chaos <= best.chaos + 0.05]
    if best.chaos > 0.2 or len({str(m) for m in plausible}) > 1:
        names = " or ".join(encoding_label(m.encoding) for m in plausible)
        return None, [Problem(file, 0, "", "", f"cannot tell the text encoding for sure ({names}); {ask}")]
    return best.encoding, []


def decode(data: bytes, file: str) -> tuple[str | None, list[Problem]]:
    """Text of a small file (the column mapping) in the encoding ``detect_encoding`` names."""
    if not data.strip():
        return None, [Problem(file, 0, "", "", "the file is empty / 文件为空")]
    encoding, problems = detect_encoding(data, file)
    if encoding is None:
        return None, problems
    try:
        return data.decode(encoding), []
    except UnicodeDecodeError as exc:
        return None, [Problem(file, 0, "", repr(data[exc.start:exc.start + 8]), f"not {encoding_label(encoding)} text (byte {exc.start}); save it as UTF-8 / 编码错误，请另存为 UTF-8")]


@dataclass
class _Sheet:
    """One table as it comes out of a file: its name, header, and an iterator of row chunks.

    ``chunks`` yields (rows of values, spreadsheet row numbers); it raises ``_Refused`` when
    the file turns out to be unreadable part way.
    """

    name: str
    label: str
    header: list[str]
    header_row: int
    chunks: object
    encoding: str = ""


_NOT_SPACE = re.compile(rb"[^ \t\n\r\x0b\x0c]")  # what bytes.strip() keeps

DELIMITERS = {",": "comma", "\t": "TAB", ";": "semicolon", "|": "pipe"}
_SNIFF_BYTES = 64 << 10
_FIELDS_RE = re.compile(r"Expected (\d+) fields? in line (\d+), saw (\d+)")


def delimiter_name(delimiter: str) -> str:
    """How a report names a delimiter: ``|`` -> ``'|' (pipe)``."""
    return f"'{delimiter}' ({DELIMITERS[delimiter]})" if delimiter in DELIMITERS else repr(delimiter)


def sniff_delimiter(data: bytes, encoding: str) -> str:
    """The delimiter of a CSV file among comma, TAB, semicolon and pipe, from its first 64 KB.

    Each candidate splits the sample's lines (quotes respected); the one that gives the same
    number of fields, at least two, to nine lines in ten or more and the most fields wins;
    a tie, or no candidate, is a comma (the default, so that a one-column file reads as before).
    """
    import csv

    head = bytes(data[:_SNIFF_BYTES])
    if len(data) > _SNIFF_BYTES:
        head = head[: head.rfind(b"\n") + 1] or head  # no line cut in two
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    best, best_fields = ",", 1
    for delimiter in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in r)][:200]
        except csv.Error:
            continue
        if not widths:
            continue
        mode = max(set(widths), key=widths.count)
        if mode >= 2 and widths.count(mode) >= 0.9 * len(widths) and mode > best_fields:
            best, best_fields = delimiter, mode
    return best


def _names_when_split(header: list, lookup: dict) -> str | None:
    """The delimiter (other than the one used) at which the first row's cells split into
    contract column names, or None: ``period|line_no|…`` read as one cell."""
    for delimiter in DELIMITERS:
        parts = [_norm(p) for h in header for p in str(h).split(delimiter)]
        if len(parts) > len(header) and sum(p in lookup for p in parts) >= 2:
            return delimiter
    return None


def _csv_error(file: str, exc: Exception, delimiter: str, offset: int = 0) -> Problem:
    """A pandas tokenizer error as a problem naming the row and the delimiter used."""
    m = _FIELDS_RE.search(str(exc))
    if m:
        expected, line, saw = int(m[1]), int(m[2]) + offset, int(m[3])
        if expected == 1:  # a report title above the header (Kingdee's "凭证查询"), not a delimiter inside a value
            return Problem(file, line, "", "", f"row {line} has {saw} fields where the rows above it have one: a title line above the "
                                               f"header? skip it (skip_rows = {line - 1} in a profile, or the Data page's Rows to skip), "
                                               f"or state the delimiter if it is not {delimiter_name(delimiter)} "
                                               "/ 首行只有一列：表头上方有标题行？请跳过（导入配置 skip_rows，或数据页的“跳过开头行数”）")
        return Problem(file, line, "", "", f"row {line} has {saw} fields where the first row has {expected}: a delimiter inside a value "
                                           f"without quotes, or not the file's delimiter (read with {delimiter_name(delimiter)}); "
                                           "state the delimiter in a profile / 该行的列数与首行不同，请检查分隔符")
    return Problem(file, 0, "", "", f"not a readable CSV file (read with {delimiter_name(delimiter)}): {str(exc).strip()[:200]} / CSV 格式错误")


def _csv_sheets(data: bytes, file: str, encoding: str | None, delimiter: str | None = None,
                warnings: list[str] | None = None) -> tuple[list[_Sheet], list[Problem]]:
    """The one table of a CSV file; ``delimiter`` None sniffs it (``sniff_delimiter``) and a
    delimiter other than a comma is named in ``warnings``."""
    if not _NOT_SPACE.search(data):  # blank (``data.strip()`` would copy the whole file)
        return [], [Problem(file, 0, "", "", "the file is empty / 文件为空")]
    if encoding is None:
        encoding, problems = detect_encoding(data, file)
        if encoding is None:
            return [], problems
    if delimiter is None:
        delimiter = sniff_delimiter(data, encoding)
        if delimiter != "," and warnings is not None:
            warnings.append(f"{file}: columns separated by {delimiter_name(delimiter)} (detected) / 按 {delimiter_name(delimiter)} 分隔读取")
    try:
        reader = pd.read_csv(io.BytesIO(data), encoding=encoding, sep=delimiter, header=None, dtype=str, keep_default_na=False,
                             na_filter=False, skip_blank_lines=False, chunksize=CHUNK_ROWS)
        first = next(reader)
    except (pd.errors.EmptyDataError, StopIteration):
        return [], [Problem(file, 0, "", "", "the file is empty / 文件为空")]
    except pd.errors.ParserError as exc:
        return [], [_csv_error(file, exc, delimiter)]
    except (UnicodeDecodeError, LookupError) as exc:
        return [], [Problem(file, 0, "", "", f"not {encoding_label(encoding)} text ({exc}); save it as UTF-8 / 编码错误，请另存为 UTF-8")]
    values = [list(first[c]) for c in first.columns]
    blank_lead = 0
    while blank_lead < len(first) and all(not str(col[blank_lead]).strip() for col in values):
        blank_lead += 1
    if blank_lead == len(first):
        return [], [Problem(file, 0, "", "", "the file is empty / 文件为空")]
    header = [str(col[blank_lead]) for col in values]
    header_row = blank_lead + 1

    def chunks():
        offset = 0
        frame = first.iloc[blank_lead + 1:]
        start = blank_lead + 1
        it = iter(reader)
        while True:
            rows = np.arange(start, start + len(frame)) + 1  # the header is line 1
            # Arrow strings straight from pandas: Python objects are made only for the cells the
            # vectorised parser leaves to the per-cell one
            yield [pa.array(frame[c]) for c in frame.columns], rows
            offset = start + len(frame)
            try:
                frame = next(it)
            except StopIteration:
                return
            except pd.errors.ParserError as exc:
                raise _Refused(_csv_error(file, exc, delimiter)) from None
            except UnicodeDecodeError as exc:
                raise _Refused(Problem(file, 0, "", "", f"not {encoding_label(encoding)} text after row {offset} ({exc.reason}); save it as UTF-8 / 编码错误，请另存为 UTF-8")) from None
            start = offset

    return [_Sheet(Path(file).stem, file, header, header_row, chunks(), encoding)], []


_CELL_TYPES = (str, int, float, bool, dt.datetime, dt.date, dt.time, type(None))


_XML_ATTRS = rb'(?:\s+[\w:.-]+\s*=\s*"[^"<>]*")*\s*'
# a row with its number and no cell content (self-closed, or holding only self-closed, that is
# empty, cells), followed by a row with its number or by the end of the rows: a row numbered by
# counting (no r=) after it keeps its number because the blank row before it stays
_BLANK_ROW_RE = re.compile(rb'<row\s+r="\d+"' + _XML_ATTRS + rb'(?:/>|>(?:\s*<c' + _XML_ATTRS + rb'/>)*\s*</row>)'
                           rb'(?=\s*(?:<row\s+r="|</))')


class _BlankRowFilter(io.RawIOBase):
    """The bytes of a sheet's XML without its blank rows, read in pieces.

    Only whole rows that carry their own number and hold no value, formula or inline string are
    cut, and only when the next row carries its own number too, so no row changes its number.
    From a CDATA section on (which might hold such text) nothing is cut. ``_sheet_rows`` skips
    any blank row left.
    """

    def __init__(self, source, piece: int = 1 << 20):
        self.source = source
        self.piece = piece
        self.tail = b""
        self.out = b""
        self.pos = 0
        self.done = False
        self.passthrough = False

    def readable(self) -> bool:
        return True

    def _cut(self, text: bytes) -> bytes:
        if self.passthrough:
            return text
        cdata = text.find(b"<![CDATA[")
        if cdata >= 0:
            self.passthrough = True
            return _BLANK_ROW_RE.sub(b"", text[:cdata]) + text[cdata:]
        return _BLANK_ROW_RE.sub(b"", text)

    def _fill(self) -> None:
        chunk = self.source.read(self.piece)
        if not chunk:
            self.out += self._cut(self.tail)
            self.tail, self.done = b"", True
            return
        text = self.tail + chunk
        # cut after the last ">": no tag is cut in two, nor a CDATA opener (it holds no ">")
        cut = text.rfind(b">") + 1
        self.out += self._cut(text[:cut])
        self.tail = text[cut:]

    def read(self, size: int = -1) -> bytes:
        if self.pos >= len(self.out):
            self.out, self.pos = b"", 0
            while not self.done and not self.out:
                self._fill()
        if size < 0:
            size = len(self.out) - self.pos
        data = self.out[self.pos:self.pos + size]
        self.pos += len(data)
        return data

    def close(self) -> None:
        self.source.close()
        super().close()


def _sheet_rows(ws):
    """(row number as the spreadsheet shows it, cell values) of each row of a read-only sheet
    that has a cell with content, from openpyxl's own cell parser, in one streamed pass.

    openpyxl's ``iter_rows`` keeps every parsed ``<row>`` element (cleared, not removed) and a
    dict per formatted row, and yields a tuple for each missing row: three million blank rows
    cost it seconds and hundreds of MB. Here a row element is dropped once read, a row without
    a cell holding a value, formula or inline string is skipped before any cell is parsed, and
    ``<dimension>`` is never read (a stale one would drop the rows after it). Rows appear in the
    order and with the numbers ``iter_rows`` gives them; values are the same objects.
    """
    try:
        from openpyxl.worksheet._reader import CELL_TAG, ROW_TAG, WorkSheetParser
        from openpyxl.xml.functions import iterparse
        source = ws._get_source()
    except (ImportError, AttributeError):  # another openpyxl: its public reader, slower
        ws.reset_dimensions()
        yield from enumerate(ws.iter_rows(values_only=True), start=1)
        return
    wb = ws.parent
    source = _BlankRowFilter(source)
    parser = WorkSheetParser(source, ws._shared_strings, data_only=wb.data_only, epoch=wb.epoch,
                             date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
    sheet_data = "{%s}sheetData" % ROW_TAG[1:].split("}")[0]
    parent = None
    last = 0  # the last row number read; iter_rows skips a row numbered at or below it
    counter = 0  # the row number of an element without r=, as openpyxl counts them
    with source:
        for event, element in iterparse(source, events=("start", "end")):
            if event == "start":
                if element.tag == sheet_data:
                    parent = element
                continue
            if element.tag != ROW_TAG:
                continue
            r = element.get("r")
            if r is None:
                counter += 1
            else:
                try:
                    counter = int(r)
                except ValueError:
                    number = float(r)
                    if not number.is_integer():
                        raise ValueError(f"{r} is not a valid row number") from None
                    counter = int(number)
            if counter > last:
                last = counter
                if any(len(c) for c in element if c.tag == CELL_TAG):
                    parser.row_counter, parser.col_counter = counter, 0
                    cells = [parser.parse_cell(c) for c in element if c.tag == CELL_TAG]
                    values = [None] * cells[-1]["column"]  # as wide as its last cell, as openpyxl's
                    for c in cells:
                        if 1 <= c["column"] <= len(values):
                            values[c["column"] - 1] = c["value"]
                    yield counter, values
            try:
                parent.remove(element)  # clear() alone leaves an empty element behind per row
            except (AttributeError, ValueError):  # no <sheetData> seen, or a row elsewhere
                element.clear()


def _excel_sheets(data: bytes, file: str) -> tuple[list[_Sheet], list[Problem]]:
    wb, problems = open_workbook(data, file)
    if wb is None:
        return [], problems

    def chunks(it, width):
        batch, numbers = [], []
        for number, values in it:
            batch.append((values + [None] * width)[:width])
            numbers.append(number)
            if len(batch) >= CHUNK_ROWS:
                yield [list(col) for col in zip(*batch)], np.array(numbers)
                batch, numbers = [], []
        if batch:
            yield [list(col) for col in zip(*batch)], np.array(numbers)

    sheets = []
    for ws in wb.worksheets:
        it = sheet_values(ws)
        first = next(it, None)
        if first is None:
            continue
        number, values = first
        header = ["" if v is None else str(v) for v in values]
        while header and not header[-1].strip():
            header.pop()
        name = ws.title if table_for_name(ws.title) or len(wb.worksheets) > 1 else Path(file).stem
        label = file if name == Path(file).stem else f"{file}:{name}"
        sheets.append(_Sheet(name, label, header, number, chunks(it, len(header))))
    if not sheets:
        wb.close()
        return [], [Problem(file, 0, "", "", "the workbook has no data / 工作簿没有数据")]
    return sheets, []


def sheet_values(ws):
    """(spreadsheet row number, cell values) of each non-blank row of a read-only sheet; a
    formula cell as its ``=…`` text."""
    for number, values in _sheet_rows(ws):
        if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        yield number, [v if isinstance(v, _CELL_TYPES) else "=" + str(getattr(v, "text", v)) for v in values]


def open_workbook(data: bytes, file: str):
    """(read-only openpyxl workbook, []) or (None, the problem): a damaged file or one that
    unpacks beyond the limits is refused before it is opened."""
    from openpyxl import load_workbook

    max_bytes, _ = import_limits()
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        return None, [Problem(file, 0, "", "", "not a readable Excel file (not a zip archive) / 无法读取的 Excel 文件")]
    for info in members:
        # openpyxl loads the shared strings whole; a sheet is streamed but parsed all the same
        limit = max_bytes if info.filename.endswith("sharedStrings.xml") else 10 * max_bytes
        if info.file_size > limit:
            return None, [Problem(file, 0, "", info.filename,
                                  f"the workbook unpacks to {info.file_size / 2**20:,.0f} MB in {info.filename}, more than the limit of {limit / 2**20:,.0f} MB "
                                  f"({MAX_BYTES_ENV}); save the data as CSV / 工作簿解压后过大，请另存为 CSV")]
    try:
        wb = load_workbook(io.BytesIO(data), data_only=False, read_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        return None, [Problem(file, 0, "", "", f"not a readable Excel file ({type(exc).__name__}) / 无法读取的 Excel 文件")]
    return wb, []


# --------------------------------------------------------------------------- parsing
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
# fractional seconds as SQL Server writes them ('2022-04-15 00:00:00.000'), up to 7 digits
_TIME_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$")
# a leading "=" is a formula; "+", "-" and "@" are when a function call follows (OWASP CSV injection)
_FORMULA_RE = re.compile(r"^\s*(=.|[+\-@]\s*[A-Za-z_][\w.]*\s*\()", re.S)
_SCI_RE = re.compile(r"(\d+\.?\d*|\.\d+)[eE][+-]?\d+")
_CURRENCY = "¥￥$€£"
_SPACE_GROUPS = " \u00a0\u202f\u2009"
_BODY_RE: dict[NumberFormat, re.Pattern] = {}
INT32_MAX = 2**31 - 1


def parse_date(value) -> dt.date:
    """A date from an Excel date, YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD or 2026年3月5日, or a
    date-time at midnight (``2022-04-15 00:00:00.000``, as SQL Server writes dates)."""
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
    if m and int(m[4]) == 0 and int(m[5]) == 0 and int(m[6] or 0) == 0 and int(m[7] or 0) == 0:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))  # a date-time at midnight is a date
    if m:
        raise ValueError("a time of day where a date is expected")
    raise ValueError("not a date")


def parse_datetime(value) -> dt.datetime:
    """A timestamp: an Excel date-time, or a date as for ``parse_date`` with HH:MM[:SS[.fff]]."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    text = str(value).strip()
    m = _TIME_RE.match(text)
    if m:
        try:
            return dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0), int((m[7] or "0").ljust(6, "0")[:6]))
        except ValueError as exc:
            raise ValueError(f"not a date and time (use YYYY-MM-DD HH:MM:SS): {exc} / 不是有效时间") from None
    d = parse_date(text)
    return dt.datetime(d.year, d.month, d.day)


def is_formula(value) -> bool:
    """True for text a spreadsheet would run: ``=…`` (also after spaces, tabs or line breaks),
    or ``+``/``-``/``@`` followed by a function call."""
    return isinstance(value, str) and bool(_FORMULA_RE.match(value))


def _split_sign(text: str) -> tuple[str, str]:
    t = text.strip().replace("，", ",")
    negative = False
    if len(t) > 1 and t[0] == "(" and t[-1] == ")":  # accountants' negative
        negative, t = True, t[1:-1].strip()
    t = t.strip(_CURRENCY).strip()
    if t[:1] in ("+", "-"):
        negative, t = negative != (t[0] == "-"), t[1:].strip().strip(_CURRENCY).strip()
    return ("-" if negative else ""), t


def _read_body(body: str, fmt: NumberFormat) -> str | None:
    """``body`` (digits and separators, no sign) as plain ``1234.56`` under ``fmt``, or None."""
    pattern = _BODY_RE.get(fmt)
    if pattern is None:
        groups = re.escape(fmt.grouping) + _SPACE_GROUPS if fmt.grouping else _SPACE_GROUPS
        pattern = _BODY_RE[fmt] = re.compile(rf"(\d{{1,3}}(?:[{groups}]\d{{3}})+|\d*)(?:{re.escape(fmt.decimal)}(\d*))?")
    m = pattern.fullmatch(body)
    if not m or not (m[1] or m[2]) or m[2] == "":
        return None
    whole = re.sub(r"\D", "", m[1]) or "0"
    return f"{whole}.{m[2]}" if m[2] else whole


def _fit(number: Decimal, scale: int, precision: int, integer: bool = False) -> tuple[Decimal, bool]:
    """``number`` at the column's scale, and whether a binary-float artefact was rounded away.

    A value with more decimals than the scale is refused, unless it is the long expansion of a
    binary float (15+ significant digits, within a few units in the last place of the rounded
    value, e.g. 614990.93999999994 for 614990.94).
    """
    if integer:
        limit_text = f"INTEGER (at most {INT32_MAX})"
    else:
        limit_text = f"NUMERIC({precision},{scale}) (at most {'9' * (precision - scale)}{'.' + '9' * scale if scale else ''})"
    out_of_range = f"out of range for {limit_text} / 超出范围"
    if not number.is_finite():
        raise ValueError("not a number / 不是数字")
    if number and number.adjusted() >= precision - scale:
        raise ValueError(out_of_range)
    with localcontext() as ctx:
        ctx.prec = precision + 4
        rounded = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_EVEN)
    artefact = False
    if rounded != number:
        near = float(rounded)
        if len(number.as_tuple().digits) >= 15 and abs(float(number) - near) <= 8 * math.ulp(near or 1.0):
            artefact = True
        else:
            raise ValueError(f"more than {scale} decimals; an export's float such as 12.340000001 is rounded to the column's "
                             f"scale when an import profile names the column in `round` (the mapping screen's \"Round amounts\") "
                             f"/ 小数位超过 {scale} 位（导入配置的 round 或映射页的“金额按列的小数位四舍五入”可按列四舍五入）")
    if rounded and rounded.adjusted() >= precision - scale or (integer and abs(rounded) > INT32_MAX):
        raise ValueError(out_of_range)
    return rounded, artefact


def parse_decimal(value, scale: int, fmt: NumberFormat = DOT, precision: int = 18) -> Decimal:
    """A number from a cell at ``scale`` decimals, exactly: text is read with ``fmt``'s separators,
    never through float; an Excel number through its shortest repr. Raises ValueError with the reason.

    >>> parse_decimal("1,234.50", 2)
    Decimal('1234.50')
    """
    return _number(value, scale, precision, fmt)[0]


def _number(value, scale: int, precision: int, fmt: NumberFormat | None, integer: bool = False):
    """(Decimal at ``scale``, float artefact rounded?, convention the text proves: '.', ',' or None).

    ``fmt`` None reads under both conventions; a text that reads differently under them
    raises ``_Ambiguous`` carrying both readings.
    """
    if isinstance(value, bool):
        raise ValueError("not a number / 不是数字")
    if isinstance(value, int):
        return (*_fit(Decimal(value), scale, precision, integer), None)
    if isinstance(value, float):
        if value != value or value in (math.inf, -math.inf):
            raise ValueError("not a number / 不是数字")
        return (*_fit(Decimal(repr(value)), scale, precision, integer), None)
    sign, body = _split_sign(str(value))
    if _SCI_RE.fullmatch(body):
        number = Decimal(sign + body)
        if number and number.adjusted() >= precision - scale:
            _fit(number, scale, precision, integer)  # raises the out-of-range message
        raise ValueError("written in scientific notation, which loses digits; format the column as a number with all its digits / "
                         "科学计数法会丢失位数，请把该列设为数值格式后重新保存")
    if fmt is not None:
        plain = _read_body(body, fmt)
        if plain is None:
            raise ValueError(f"not a number (decimal separator '{fmt.decimal}', thousands separator '{fmt.grouping}') / 不是数字")
        return (*_fit(Decimal(sign + plain), scale, precision, integer), None)
    dot, comma = _read_body(body, DOT), _read_body(body, COMMA)
    if dot is None and comma is None:
        raise ValueError("not a number / 不是数字")
    if dot == comma or comma is None:
        return (*_fit(Decimal(sign + dot), scale, precision, integer), "." if comma is None else None)
    if dot is None:
        return (*_fit(Decimal(sign + comma), scale, precision, integer), ",")
    raise _Ambiguous(sign + dot, sign + comma)


class _Ambiguous(Exception):
    def __init__(self, dot: str, comma: str):
        super().__init__(dot, comma)
        self.dot, self.comma = dot, comma


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and value != value)


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id typed as a number in Excel: 1403.0 -> 1403
    return str(value).strip()


# a period cell holding a date (2022-04-15 00:00:00.000) or a date key (20101229)
PERIOD_FORM = ("period must look like YYYY-MM (2010-12); a date or a date key such as 20101229 becomes one through the "
               "period derivation of an import profile ({op = \"period\"}, also on the Data page's mapping screen) "
               "/ 期间格式应为 YYYY-MM；日期或日期键请用导入配置的 period 推导")


def _parse_text(column: sa.Column, value) -> str:
    text = _text(value)
    t = column.type
    if len(text) > MAX_CELL_CHARS:
        raise ValueError(f"{len(text):,} characters, more than a cell may hold ({MAX_CELL_CHARS:,}) / 超过单元格长度上限")
    if "\x00" in text:
        raise ValueError("contains a NUL character (\\x00), which databases refuse / 含有空字符 (\\x00)")
    if isinstance(t, sa.String) and t.length and len(text) > t.length:
        if column.name == "period":  # a date or a date key where a month is meant: say the form and the way to it
            raise ValueError(PERIOD_FORM)
        raise ValueError(f"longer than {t.length} characters / 超过 {t.length} 个字符")
    choices = column.info.get("choices")
    if choices and text not in choices:
        expected = column.info.get("expected")
        raise ValueError(f"must be {expected}" if expected else f"must be one of {', '.join(choices)} / 取值必须为 {', '.join(choices)}")
    return text


def _kind(column: sa.Column) -> str:
    t = column.type
    if isinstance(t, sa.DateTime):
        return "datetime"
    if isinstance(t, sa.Date):
        return "date"
    if isinstance(t, sa.Integer):
        return "integer"
    if isinstance(t, sa.Numeric):
        return "numeric"
    return "text"


def _arrow_type(column: sa.Column) -> pa.DataType:
    kind = _kind(column)
    if kind == "numeric":
        return pa.decimal128(column.type.precision or 18, column.type.scale or 0)
    return {"integer": pa.int64(), "date": pa.date32(), "datetime": pa.timestamp("us"), "text": pa.string()}[kind]


def empty_frame(table: sa.Table) -> pd.DataFrame:
    """A frame with ``table``'s columns in the importer's dtypes and no rows."""
    return pd.DataFrame({c.name: _finish_column(c, []) for c in table.columns})


def _finish_column(column: sa.Column, chunks: list[pa.Array]) -> pd.Series:
    kind = _kind(column)
    # repeated text stays dictionary-coded (``_TableParser._parse_column``): each chunk has its
    # own dictionary, the values are the same strings
    dictionary = kind == "text" and bool(chunks) and pa.types.is_dictionary(chunks[0].type)
    array = pa.chunked_array(chunks, type=chunks[0].type if dictionary else _arrow_type(column))
    if kind in ("date", "datetime"):
        return pd.Series(array.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)) if len(array) else pd.Series([], dtype="datetime64[us]")
    if kind == "integer":
        return pd.Series(pd.arrays.ArrowExtensionArray(array)).astype("Int64")
    return pd.Series(pd.arrays.ArrowExtensionArray(array))


# Characters that may start or end a text the vectorised parser takes as it is: never one that
# str.strip() removes (every Unicode space, the C0 controls, U+0085, U+00A0), nor a NUL.
_EDGE = r"[^\x00-\x20\x7f-\xa0\x{1680}\x{2000}-\x{200b}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]"
# ... and never a formula's first character (``=``, and ``+``, ``-``, ``@`` before a call)
_FIRST = r"[^=+\-@\x00-\x20\x7f-\xa0\x{1680}\x{2000}-\x{200b}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]"
_PLAIN_TEXT = rf"^{_FIRST}(?:[^\x00\n\r]*{_EDGE})?$"
_ISO_DATE = r"^[1-9]\d{3}-\d{2}-\d{2}$"


def _as_strings(raw) -> pa.Array | None:
    """``raw`` as one Arrow string array when every cell is text or missing, else None."""
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    if not isinstance(raw, pa.Array):
        if not raw or not all(v is None or type(v) is str for v in raw):
            return None
        raw = pa.array(raw, type=pa.large_string())
    return raw if pa.types.is_string(raw.type) or pa.types.is_large_string(raw.type) else None


def _fast_parse(column: sa.Column, strings: pa.Array, fmt: NumberFormat | None):
    """The vectorised parser: (values, ok, proves_dot) for the cells it is sure of, or None.

    ``ok`` marks the cells converted here, exactly as the per-cell parser would convert them;
    ``values`` holds them in the column's Arrow type (null elsewhere); ``proves_dot`` marks the
    numbers only the '.' convention reads (None when no convention is being detected). Only
    plain forms are taken: text with no space, control or formula character at its edges and
    within the column's length and choices; numbers as ``-?digits[.digits]`` within the
    column's range and scale (no sign where negatives are refused; ``1.234`` with a scale of 3
    or more is left to the per-cell parser, which weighs it as ambiguous); dates as
    YYYY-MM-DD that exist. Everything else, blanks in required columns included, is left
    (``ok`` False) to the per-cell parser, which alone reports problems.
    """
    kind = _kind(column)
    required = not column.nullable or column.primary_key
    empty = pc.equal(strings, "").fill_null(False) if not required else None
    proves_dot = None
    if kind == "text":
        limit = min(MAX_CELL_CHARS, column.type.length or MAX_CELL_CHARS) if isinstance(column.type, sa.String) else MAX_CELL_CHARS
        good = pc.and_(pc.match_substring_regex(strings, _PLAIN_TEXT), pc.less_equal(pc.utf8_length(strings), limit))
        choices = column.info.get("choices")
        if choices:
            good = pc.and_(good, pc.is_in(strings, value_set=pa.array(list(choices), strings.type)))
        good = good.fill_null(False)
        values = pc.if_else(good, strings, pa.scalar(None, strings.type)).cast(pa.string())
    elif kind in ("numeric", "integer"):
        signed = "-?" if column.info.get("signed") else ""
        if kind == "integer":
            good = pc.match_substring_regex(strings, rf"^{signed}(?:0|[1-9]\d{{0,8}})$").fill_null(False)  # within INT32
            values = pc.if_else(good, strings, pa.scalar(None, strings.type)).cast(pa.int64())
        else:
            precision, scale = column.type.precision or 18, column.type.scale or 0
            point = "," if fmt is not None and fmt.decimal == "," else "."
            fraction = rf"(?:{re.escape(point)}\d{{1,{scale}}})?" if scale else ""
            good = pc.match_substring_regex(strings, rf"^{signed}(?:0|[1-9]\d{{0,{precision - scale - 1}}}){fraction}$").fill_null(False)
            if fmt is None and scale >= 3:  # 1.234 reads as 1234 under the other convention
                good = pc.and_(good, pc.invert(pc.match_substring_regex(strings, r"^-?\d{1,3}\.\d{3}$").fill_null(False)))
            text = pc.if_else(good, strings, pa.scalar(None, strings.type))
            if point == ",":
                text = pc.replace_substring(text, ",", ".")
            values = text.cast(pa.decimal128(precision, scale))
            if fmt is None:  # a fraction after '.' proves the '.' convention (only ambiguous forms were left out)
                proves_dot = pc.and_(good, pc.match_substring(strings, ".").fill_null(False)).to_numpy(zero_copy_only=False)
    elif kind == "date":
        good = pc.match_substring_regex(strings, _ISO_DATE).fill_null(False)
        text = pc.if_else(good, strings, pa.scalar("2000-01-01", strings.type))
        year, month, day = (pc.cast(pc.utf8_slice_codeunits(text, a, b), pa.int64()).to_numpy() for a, b in ((0, 4), (5, 7), (8, 10)))
        months = ((year - 1970) * 12 + np.clip(month - 1, 0, 11)).astype("datetime64[M]")
        days = months.astype("datetime64[D]") + (np.maximum(day, 1) - 1).astype("timedelta64[D]")
        ok = good.to_numpy(zero_copy_only=False) & (month >= 1) & (month <= 12) & (day >= 1) & (days.astype("datetime64[M]") == months)
        good = pa.array(ok)
        values = pa.array(days, mask=~ok).cast(pa.date32())
    else:
        return None
    ok = good.to_numpy(zero_copy_only=False).astype(bool)
    if empty is not None:
        ok |= empty.to_numpy(zero_copy_only=False)
    return values, ok, proves_dot


class _TableParser:
    """Maps one source table's headers to its contract table and parses it chunk by chunk."""

    def __init__(self, sheet: _Sheet, mapping: list[tuple[str, str, str]], fmt: NumberFormat | None):
        self.file, self.sheet, self.fmt = sheet.label, sheet, fmt
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.per_kind: dict[str, int] = {}  # kind -> problems found
        self.unlisted: dict[str, tuple[Problem, int]] = {}  # kind -> (an example, how many beyond the list)
        self.table = None
        table_name = table_for_name(sheet.name)
        if table_name is None:
            self._add(Problem(self.file, 0, "", sheet.name, "no contract table has this name; name the file after a table, e.g. voucher_lines.csv or 凭证分录.csv / 文件名与任何数据表不对应"))
            return
        table = schema.table_by_name(table_name)
        renames = {_norm(src): dst for tbl, src, dst in mapping if tbl in ("*", table_name, table.info.get("zh"))}
        lookup = header_lookup(table)
        self.headers: dict[str, str] = {}
        self.positions: dict[str, int] = {}
        seen: dict[str, int] = {}
        row = sheet.header_row
        for i, header in enumerate(sheet.header):
            key = _norm(header)
            if key and key in seen:
                self._add(Problem(self.file, row, str(header), str(header), f"the header appears twice (columns {seen[key] + 1} and {i + 1}) / 表头重复"))
                continue
            seen[key] = i
            target = renames.get(key)
            target = lookup.get(_norm(target)) if target else lookup.get(key)
            if target is None:
                if key:
                    self.warnings.append(f"{self.file}: column '{shorten(header)}' is not in the contract and was ignored / 列 '{shorten(header)}' 未使用")
            elif target in self.headers:
                self._add(Problem(self.file, row, str(header), str(header), f"two columns map to '{target}' / 两列都对应 '{target}'"))
            else:
                self.headers[target] = header
                self.positions[target] = i
        if not self.headers and any(str(h).strip() for h in sheet.header):
            # "column '1' is not in the contract" for every cell of the row, then every required
            # column missing, says nothing about the cause: one problem says it
            self.warnings.clear()
            self.problems.clear()  # repeated values are no duplicate headers either
            self.per_kind.clear()
            first = ", ".join(shorten(h, 20) for h in sheet.header[:6])
            if looks_like_data(sheet.header):
                message = (f"the file seems to have no header row: its first row holds values, not column names of {table_name}; "
                           "give a column list in a profile (header = false, columns = [...]) or add a header row "
                           "/ 文件似乎没有表头行：首行是数据而不是列名，请在导入配置中给出列名或加上表头行")
            elif (split := _names_when_split(sheet.header, lookup)) is not None:
                # the rows differ in their number of fields, so the sniffer kept the comma
                message = (f"the first row names columns of {table_name} when split at {delimiter_name(split)}, but its rows do not "
                           f"all have the same number of fields, so that delimiter was not detected; state it (a profile's "
                           f"delimiter = \"{DELIMITERS[split].lower()}\", or the Data page's Delimiter) and the row that differs is named "
                           "/ 首行按其他分隔符拆分后是列名，但各行列数不一致，未能识别分隔符：请在导入配置中写明分隔符")
            else:
                message = (f"no name in the first row is a column of {table_name}; if the file has no header row, give a column list "
                           "in a profile (header = false, columns = [...]); otherwise rename its columns (column_mapping.csv or a profile) "
                           "/ 首行没有任何列名与数据表对应：若文件没有表头行，请在导入配置中给出列名，否则请映射列名")
            self._add(Problem(self.file, row, "", first, message))
            return
        optional = {"period"} if table_name == "voucher_lines" else set()
        for c in table.columns:
            required = (not c.nullable or c.primary_key) and c.default is None and c.name not in optional
            if required and c.name not in self.headers:
                self._add(Problem(self.file, row, c.name, "", f"required column '{c.name}' ({c.info['zh']}) is missing / 缺少必填列"))
        if self.problems:
            return
        self.table = table
        self.columns = [c for c in table.columns if c.name in self.headers]
        self.chunks: dict[str, list[pa.Array]] = {c.name: [] for c in self.columns}
        self.coded: dict[str, bool] = {}  # text column -> kept dictionary-coded (decided on its first chunk)
        self.rows: list[np.ndarray] = []
        self.n_rows = 0
        self.artefacts: list[tuple[int, str, str]] = []  # (row, header, value) of rounded float artefacts
        self.evidence: dict[str, list] = {".": [], ",": []}  # the first 20 cells that only one convention reads
        self.n_evidence = {".": 0, ",": 0}  # how many cells only one convention reads
        self.pending: list[tuple] = []  # ambiguous cells: (column, position, row, header, text, dot, comma)

    def _add(self, problem: Problem) -> None:
        self.per_kind[problem.kind] = self.per_kind.get(problem.kind, 0) + 1
        if self.per_kind[problem.kind] <= MAX_PROBLEMS:  # the first of each kind listed
            self.problems.append(problem)
        else:  # the rest counted per kind, not listed
            example, n = self.unlisted.get(problem.kind, (problem, 0))
            self.unlisted[problem.kind] = (example, n + 1)

    def feed(self, columns: list, rows: np.ndarray) -> None:
        """Parse one chunk; ``columns`` holds one list of cell values or one Arrow string array per source column."""
        base = self.n_rows
        self.n_rows += len(rows)
        self.rows.append(np.asarray(rows, dtype=np.int64))
        for c in self.columns:
            raw = columns[self.positions[c.name]] if self.positions[c.name] < len(columns) else [None] * len(rows)
            self.chunks[c.name].append(self._parse_column(c, raw, rows, base))

    def _parse_column(self, c: sa.Column, raw, rows: np.ndarray, base: int) -> pa.Array:
        """One column of one chunk as an Arrow array of the column's type.

        Well-formed cells (``_fast_parse``) are converted in bulk; every other cell goes through
        the per-cell parser below, which alone writes problems, so messages and their order
        are those of the per-cell parser whatever the mix.
        """
        target = _arrow_type(c)
        strings = _as_strings(raw)
        fast = _fast_parse(c, strings, self.fmt) if strings is not None else None
        found: list[tuple[int, str, object]] = []  # (chunk position, convention, cell) of cells only one convention reads
        if fast is None:
            # Python values, not Arrow scalars: a blank CSV cell must read as blank (an optional
            # date-time column left empty was refused as "not a date")
            cells = strings.to_pylist() if strings is not None else list(raw)
            out = pa.array(self._parse_cells(c, cells, np.arange(len(raw)), rows, base, found), type=target)
        else:
            values, ok, proves_dot = fast
            slow = np.flatnonzero(~ok)
            if len(slow):
                cells = strings.take(pa.array(slow)).to_pylist()
                parsed = pa.array(self._parse_cells(c, cells, slow, rows, base, found), type=target)
                out = pc.replace_with_mask(values, pa.array(~ok), parsed)
            else:
                out = values
            if proves_dot is not None and proves_dot.any():
                dots = np.flatnonzero(proves_dot)
                self.n_evidence["."] += len(dots)
                found.extend((int(pos), ".", None) for pos in dots[:20])
                found.sort(key=lambda x: x[0])
        header = self.headers[c.name]
        for pos, convention, cell in found:
            if len(self.evidence[convention]) < 20:
                self.evidence[convention].append((int(rows[pos]), header, strings[pos].as_py() if cell is None else cell))
        if _kind(c) == "text":
            out = self._code(c.name, out)
        return out

    def _code(self, name: str, out: pa.Array) -> pa.Array:
        """A text chunk dictionary-coded (int32 codes and each distinct string once) when its
        column repeats its values: decided on the column's first chunk (at most a quarter of its
        values distinct), then kept for every chunk, so that a column has one type. Codes,
        account codes, types, periods and plant ids cost 4 bytes a row instead of their text."""
        coded = self.coded.get(name)
        if coded is None:
            encoded = out.dictionary_encode()
            coded = self.coded[name] = len(out) > 1 and len(encoded.dictionary) * 4 <= len(out)
            return encoded if coded else out
        return out.dictionary_encode() if coded else out

    def _parse_cells(self, c: sa.Column, raw: list, positions: np.ndarray, rows: np.ndarray, base: int, found: list) -> list:
        """The per-cell parser: ``raw[j]`` is the cell at chunk position ``positions[j]``; cells that
        prove a convention are counted and added to ``found`` as (position, convention, cell)."""
        header, kind = self.headers[c.name], _kind(c)
        required = not c.nullable or c.primary_key
        signed = c.info.get("signed")
        scale = 0 if kind == "integer" else (c.type.scale or 0) if kind == "numeric" else 0
        precision = 19 if kind == "integer" else (c.type.precision or 18) if kind == "numeric" else 0
        out = []
        for i, value in zip(positions.tolist(), raw):
            try:
                if is_formula(value):
                    raise ValueError("a formula, not a value: paste values before importing / 公式，不是数值，请先粘贴为数值")
                if _is_blank(value):
                    if required:
                        raise ValueError("a value is required / 必填")
                    out.append(None)
                    continue
                if kind == "text":
                    out.append(_parse_text(c, value))
                elif kind == "date":
                    out.append(parse_date(value))
                elif kind == "datetime":
                    out.append(parse_datetime(value))
                else:
                    try:
                        number, artefact, proves = _number(value, scale, precision, self.fmt, kind == "integer")
                    except _Ambiguous as amb:
                        self.pending.append((c, base + i, int(rows[i]), header, value, amb.dot, amb.comma))
                        out.append(None)
                        continue
                    if number < 0 and not signed:
                        raise ValueError("must not be negative / 不能为负数")
                    if artefact:
                        self.artefacts.append((int(rows[i]), header, value))
                    if proves:
                        self.n_evidence[proves] += 1
                        if sum(1 for f in found if f[1] == proves) < 20:
                            found.append((i, proves, value))
                    out.append(int(number) if kind == "integer" else number)
            except ValueError as exc:
                self._add(Problem(self.file, int(rows[i]), str(header), shorten(value), str(exc)))
                out.append(None)
        return out

    def finish(self) -> ParsedTable | None:
        if self.table is None:
            return None
        dot, comma = self.evidence["."], self.evidence[","]
        if dot and comma:
            few, many = (dot, comma) if self.n_evidence["."] < self.n_evidence[","] else (comma, dot)
            example = many[0]
            for cell in few[:20]:
                self._add(Problem(self.file, cell[0], str(cell[1]), shorten(cell[2]),
                                  f"this file writes numbers both ways: '{shorten(example[2], 30)}' (row {example[0]}) and '{shorten(cell[2], 30)}'; "
                                  "state the decimal separator / 文件中小数点写法不一致，请指定小数分隔符"))
        frame = pd.DataFrame({c.name: _finish_column(c, self.chunks.pop(c.name)) for c in self.columns})
        if self.pending:
            settled = "." if dot and not comma else "," if comma and not dot else None
            by_column: dict[str, tuple[list, list]] = {}
            for c, pos, row, header, value, as_dot, as_comma in self.pending:
                if settled is None:
                    self._add(Problem(self.file, row, str(header), shorten(value),
                                      f"ambiguous: reads as {as_dot} with '.' as the decimal separator and as {as_comma} with ','; "
                                      "nothing else in the file settles it, so state the decimal separator / 数值含义不明确，请指定小数分隔符"))
                    continue
                try:
                    number, _, _ = _number(value, 0 if _kind(c) == "integer" else c.type.scale or 0,
                                           19 if _kind(c) == "integer" else c.type.precision or 18,
                                           DOT if settled == "." else COMMA, _kind(c) == "integer")
                    if number < 0 and not c.info.get("signed"):
                        raise ValueError("must not be negative / 不能为负数")
                except ValueError as exc:
                    self._add(Problem(self.file, row, str(header), shorten(value), str(exc)))
                    continue
                positions, values = by_column.setdefault(c.name, ([], []))
                positions.append(pos)
                values.append(int(number) if _kind(c) == "integer" else number)
            for name, (positions, values) in by_column.items():
                column = frame[name].copy()
                column.iloc[positions] = values
                frame[name] = column
        if self.artefacts:
            row, header, value = self.artefacts[0]
            self.warnings.append(f"{self.file}: {len(self.artefacts):,} number(s) carried binary float noise and were rounded to the column's decimals, "
                                 f"e.g. row {row} {header} {shorten(value, 40)} / {len(self.artefacts):,} 个数值含浮点误差，已按列的小数位四舍五入")
        self.problems.extend(unlisted(example, n) for example, n in self.unlisted.values())
        if self.n_rows == 0 and not self.problems:
            self.problems.append(Problem(self.file, 0, "", "", "the file has a header but no rows / 文件只有表头，没有数据"))
        return ParsedTable(self.table.name, self.file, frame, _compact_rows(self.rows), dict(self.headers), self.sheet.encoding)


def _compact_rows(chunks: list[np.ndarray]) -> range | np.ndarray:
    """The row numbers of a table's chunks: a ``range`` when they follow one another (every CSV:
    no memory per row), else one int64 array (an Excel sheet with blank rows skipped)."""
    first = following = None
    for r in chunks:
        if not len(r):
            continue
        if (following is not None and r[0] != following) or r[-1] - r[0] != len(r) - 1 or (len(r) > 2 and (np.diff(r) != 1).any()):
            return np.concatenate(chunks)
        first = int(r[0]) if first is None else first
        following = int(r[-1]) + 1
    return range(first, following) if first is not None else np.array([], dtype=np.int64)


def parse_table(name: str, file: str, raw: pd.DataFrame, rows: list[int], mapping: list[tuple[str, str, str]],
                number_format: NumberFormat | None = None) -> tuple[ParsedTable | None, list[Problem], list[str]]:
    """Map headers and parse every cell of one source table given as a frame of raw cells."""
    def chunks():
        yield [list(raw[c]) for c in raw.columns], np.asarray(rows)
    sheet = _Sheet(name, file, [str(c) for c in raw.columns], 1, chunks())
    return _parse_sheet(sheet, mapping, number_format)


def _parse_sheet(sheet: _Sheet, mapping, number_format: NumberFormat | None) -> tuple[ParsedTable | None, list[Problem], list[str]]:
    parser = _TableParser(sheet, mapping, number_format)
    if parser.table is None:
        return None, parser.problems, parser.warnings
    _, max_rows = import_limits()
    for columns, rows in sheet.chunks:
        if parser.n_rows + len(rows) > max_rows:
            parser.problems.append(Problem(sheet.label, int(rows[max(0, max_rows - parser.n_rows)]) if len(rows) else 0, "", "",
                                           f"more than {max_rows:,} rows, the limit per file ({MAX_ROWS_ENV}); split the file / 超过每个文件 {max_rows:,} 行的上限，请拆分文件"))
            return None, parser.problems, parser.warnings
        parser.feed(columns, rows)
    parsed = parser.finish()
    return (None if parser.problems else parsed), parser.problems, parser.warnings


def encodings_of(parsed: list[ParsedTable]) -> dict[str, str]:
    """File -> the text encoding it was read with, as a report names it (CSV files only)."""
    return {pt.file: encoding_label(pt.encoding) for pt in parsed if pt.encoding}


def read_sources(sources: list[tuple[str, bytes | os.PathLike]], number_format: NumberFormat | None = None,
                 encoding: str | None = None, profile=None) -> tuple[list[ParsedTable], list[Problem], list[str]]:
    """Parse every (file name, content) pair; a ``column_mapping.csv`` among them is applied.

    ``profile`` (``data_loaders.profiles.Profile``) reads and reshapes the files its entries
    match before they are parsed (docs/IMPORT_PROFILES.md); the other files are read by name.

    A content may be the file's bytes or its path: a path is read only when its turn comes and
    its bytes are dropped once the file is parsed, so that a folder of large files costs one
    file's bytes at a time (``import_files``). ``number_format`` states the separators for every
    file (None: detect per file, "." and "," when nothing settles it, ambiguous values refused);
    ``encoding`` states a CSV codec (None: ``detect_encoding``). Each CSV read in another
    encoding than UTF-8 is named in a warning.
    """
    mapping, problems, warnings = [], [], []
    data_files = []
    max_bytes, _ = import_limits()
    for name, data in sources:
        try:
            size = len(data) if isinstance(data, (bytes, bytearray, memoryview)) else os.stat(data).st_size
        except OSError as exc:
            problems.append(_unreadable(name, exc))
            continue
        if size > max_bytes:
            problems.append(Problem(name, 0, "", "", f"{size / 2**20:,.0f} MB, more than the limit of {max_bytes / 2**20:,.0f} MB per file "
                                                     f"({MAX_BYTES_ENV}); split the file / 文件超过 {max_bytes / 2**20:,.0f} MB 的上限，请拆分"))
        elif Path(name).name.lower() == MAPPING_FILE:
            try:
                triples, probs = read_mapping(_content(data), name)
            except OSError as exc:
                triples, probs = [], [_unreadable(name, exc)]
            mapping.extend(triples)
            problems.extend(probs)
        else:
            data_files.append((name, data))
    parsed = []
    for name, source in data_files:
        suffix = Path(name).suffix.lower()
        if suffix not in (".csv", ".xlsx", ".xlsm") and not (profile is not None and (profile.rules_for(name) or profile.is_lookup(name))):
            problems.append(Problem(name, 0, "", "", "only .csv and .xlsx files can be imported / 只支持 .csv 与 .xlsx 文件"))
            continue
        try:
            data = _content(source)
        except OSError as exc:
            problems.append(_unreadable(name, exc))
            continue
        if profile is not None:
            from data_loaders import profiles

            more, probs, warns, handled = profiles.apply(profile, dict(data_files), name, data, mapping, number_format, encoding)
            if handled:
                parsed.extend(more)
                problems.extend(probs)
                warnings.extend(warns)
                del data, more
                release_memory()
                continue
        if suffix == ".csv":
            sheets, probs = _csv_sheets(data, name, encoding, warnings=warnings)
        else:
            sheets, probs = _excel_sheets(data, name)
        problems.extend(probs)
        for sheet in sheets:
            try:
                pt, probs, warns = _parse_sheet(sheet, mapping, number_format)
            except _Refused as exc:
                pt, probs, warns = None, [exc.problem], []
            problems.extend(probs)
            warnings.extend(warns)
            if pt is not None:
                parsed.append(pt)
                if pt.encoding not in ("", "utf-8", "utf-8-sig"):
                    warnings.append(f"{pt.file}: read as {encoding_label(pt.encoding)} text / 按 {encoding_label(pt.encoding)} 编码读取")
        # this file's bytes (and its reader's buffers) go before the next file is read
        del data, sheets
        release_memory()
    return parsed, problems, warnings


def _content(data: bytes | os.PathLike) -> bytes:
    """A source's bytes: given, or read from its path."""
    return data if isinstance(data, (bytes, bytearray, memoryview)) else Path(data).read_bytes()


def _unreadable(name: str, exc: OSError) -> Problem:
    return Problem(name, 0, "", "", f"cannot read the file ({exc.strerror or type(exc).__name__}) / 无法读取文件")


# --------------------------------------------------------------------------- validation
def _arrow(series: pd.Series) -> pa.ChunkedArray:
    array = pa.array(series) if not hasattr(series.array, "__arrow_array__") else series.array.__arrow_array__()
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def _mask(values) -> np.ndarray:
    """A boolean numpy mask from a pandas or Arrow boolean with missing values as False."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    return pd.Series(values).fillna(False).to_numpy(dtype=bool)


def _existing_values(engine, table: sa.Table, column: str) -> list:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.select(table.c[column]).distinct()) if r[0] is not None]


def _key_columns(frame: pd.DataFrame, table: sa.Table, pk: list[str]) -> pd.DataFrame:
    """Key columns in one comparable form: integers as Int64, everything else as Arrow strings."""
    out = {}
    for name in pk:
        s = frame[name]
        out[name] = s.astype("Int64") if _kind(table.c[name]) == "integer" else s.astype("string[pyarrow]")
    return pd.DataFrame(out)


def validate(parsed: list[ParsedTable], engine=None) -> list[Problem]:
    """Cross-row and cross-table checks: unique keys (within the import and against the database,
    single and composite), references, balanced vouchers, periods.

    ``engine`` is the database being appended to (its keys count as existing); None checks the
    import on its own. Every problem names the file, the spreadsheet row, the column and the value.
    """
    problems: list[Problem] = []
    by_table: dict[str, list[ParsedTable]] = {}
    for pt in parsed:
        by_table.setdefault(pt.table, []).append(pt)
    on_disk = set(sa.inspect(engine).get_table_names()) if engine is not None else set()
    key_cache: dict[tuple[str, str, str], pa.Array] = {}

    def keys_of(table_name: str, column: str, kind: str) -> pa.Array:
        """The referenced column's values, imported and stored, as one Arrow array (no Python set:
        a million keys as Python strings cost far more than the keys)."""
        k = (table_name, column, kind)
        if k not in key_cache:
            kind_type = pa.int64() if kind == "integer" else pa.string()
            parts = [c.cast(kind_type) for pt in by_table.get(table_name, []) if column in pt.frame
                     for c in _arrow(pt.frame[column]).chunks]
            if table_name in on_disk:
                stored = _existing_values(engine, schema.table_by_name(table_name), column)
                parts.append(pa.array(stored if kind == "integer" else [str(v) for v in stored], kind_type))
            key_cache[k] = pa.chunked_array(parts, type=kind_type).combine_chunks().drop_null()
        return key_cache[k]

    for table_name, parts in by_table.items():
        table = schema.table_by_name(table_name)
        problems.extend(_check_keys(table, [pt for pt in parts if all(c.name in pt.frame for c in table.primary_key.columns)],
                                    engine if table_name in on_disk else None))
        release_memory()  # each check's scratch, before the next one
        for c in table.columns:
            for fk in c.foreign_keys:
                target = fk.column.table.name
                for pt in parts:
                    if c.name not in pt.frame:
                        continue
                    s = pt.frame[c.name]
                    kind = "integer" if _kind(c) == "integer" and _kind(fk.column) == "integer" else "text"
                    values = _arrow(s).cast(pa.int64() if kind == "integer" else pa.string())
                    bad = _mask(pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=keys_of(target, fk.column.name, kind)))))
                    listed(problems, np.flatnonzero(bad), lambda pos: Problem(
                        pt.file, pt.rows[pos], pt.headers.get(c.name, c.name), str(s.iloc[pos]),
                        f"refers to a {target} row that does not exist / 引用的{fk.column.table.info.get('zh', target)}不存在"))
    key_cache.clear()
    release_memory()
    problems.extend(_check_vouchers(by_table, engine, on_disk))
    problems.extend(_check_ideal_cycle(by_table))
    problems.extend(_check_bank_currency(by_table, engine if "plants" in on_disk else None))
    for pt in by_table.get("ledger_balances", []):  # no balance check: an extract may be one-sided
        period = pt.frame["period"]
        bad = _mask(period.notna() & ~period.astype("string[pyarrow]").str.fullmatch(_PERIOD_RE))
        listed(problems, np.flatnonzero(bad), lambda pos: Problem(pt.file, pt.rows[pos], pt.headers["period"], period.iloc[pos],
                                                                 "period must look like YYYY-MM / 期间格式应为 YYYY-MM"))
    return problems


def _check_bank_currency(by_table, engine) -> list[Problem]:
    """A bank account in another currency than its plant's. Amounts are in their plant's
    currency and no exchange rate is stated, so such an account's balances would be shown, and
    added, as the plant's currency (a CNY account of a USD plant counted as dollars): refused.
    ``engine`` gives the stored plants (append), the imported ones count too."""
    problems: list[Problem] = []
    accounts = [pt for pt in by_table.get("bank_accounts", []) if "plant_id" in pt.frame and "currency" in pt.frame]
    if not accounts:
        return problems
    currency_of: dict[str, str] = {}
    if engine is not None:
        with engine.connect() as conn:
            currency_of.update((str(p), str(c)) for p, c in conn.execute(sa.select(schema.plants.c.plant_id, schema.plants.c.currency)))
    for pt in by_table.get("plants", []):
        if "currency" in pt.frame:
            currency_of.update(zip(pt.frame["plant_id"].astype(str), pt.frame["currency"].astype(str)))
    for pt in accounts:
        plant, currency = pt.frame["plant_id"].astype(object), pt.frame["currency"].astype(object)
        expected = plant.map(currency_of)
        bad = _mask(plant.notna() & expected.notna() & currency.notna() & (currency != expected))
        listed(problems, np.flatnonzero(bad), lambda pos: Problem(
            pt.file, pt.rows[pos], pt.headers.get("currency", "currency"), str(currency.iloc[pos]),
            f"the bank account is in {currency.iloc[pos]} while its plant {plant.iloc[pos]} uses {expected.iloc[pos]}: amounts are in their "
            "plant's currency and the data states no exchange rate, so its balances would be counted as "
            f"{expected.iloc[pos]}; give it its plant's currency, or book it under a plant of that currency "
            "/ 银行账户币种与所属工厂币种不同（金额按工厂币种计，数据中没有汇率）"))
    return problems


def _check_ideal_cycle(by_table) -> list[Problem]:
    """A routing states its ideal cycle exactly once: minutes, seconds, or units per minute or
    hour (stored as entered; the OEE derives minutes from whichever is given). Zero is refused:
    a cycle of 0 would make any output look infinitely fast."""
    problems = []
    names = schema.IDEAL_CYCLE_COLUMNS
    for pt in by_table.get("routings", []):
        given = [pt.frame[c].notna() if c in pt.frame else pd.Series(False, index=pt.frame.index) for c in names]
        count = sum(g.astype(int).to_numpy() for g in given)
        header = " / ".join(pt.headers.get(c, c) for c in names)
        def cycle_problem(pos: int) -> Problem:
            values = [str(pt.frame[c].iloc[pos]) for c, g in zip(names, given) if g.iloc[pos]]
            return Problem(pt.file, pt.rows[pos], header, ", ".join(values),
                           "give the ideal cycle exactly once: minutes, seconds, units per minute or units per hour "
                           "/ 理想节拍只填一项：分钟、秒、件/分钟或件/小时" if len(values) else
                           "the ideal cycle is missing: give minutes, seconds, units per minute or units per hour "
                           "/ 缺少理想节拍：请填写分钟、秒、件/分钟或件/小时")
        listed(problems, np.flatnonzero(count != 1), cycle_problem)
        for c, g in zip(names, given):  # routings are small (products x work centers): a plain loop
            zero = [pos for pos in np.flatnonzero(_mask(g)) if pt.frame[c].iloc[pos] == 0] if c in pt.frame else []
            listed(problems, zero, lambda pos: Problem(pt.file, pt.rows[pos], pt.headers.get(c, c), "0", "must be greater than 0 / 必须大于 0"))
    return problems


def _slices(n: int, size: int | None = None):
    """(start, length) of the consecutive slices of ``size`` (``SLICE_ROWS``) rows that cover ``n`` rows."""
    size = size or SLICE_ROWS
    for start in range(0, n, size):
        yield start, min(size, n - start)


def _check_keys(table: sa.Table, parts: list[ParsedTable], engine) -> list[Problem]:
    """Duplicate keys within the import, then keys the database already holds (``engine``)."""
    if not parts:
        return []
    pk = [c.name for c in table.primary_key.columns]

    def where(i: int, pos: int) -> tuple[ParsedTable, int]:
        return parts[i], int(parts[i].rows[pos])

    def column(pt: ParsedTable) -> str:
        return "+".join(pt.headers.get(name, name) for name in pk)

    # duplicates within the import, found on integer codes (Arrow lookups and a numpy sort):
    # no frame of every key and no hash table of Python tuples
    starts = np.cumsum([0] + [len(pt.frame) for pt in parts])
    arrays = []
    for name in pk:
        kind_type = pa.int64() if _kind(table.c[name]) == "integer" else pa.string()
        arrays.append(pa.chunked_array([c.cast(kind_type) for pt in parts for c in _arrow(pt.frame[name]).chunks], type=kind_type))
    valid = np.ones(starts[-1], dtype=bool)
    for a in arrays:
        valid &= _mask(pc.is_valid(a))
    if valid.all():  # the usual case: no array of every row's position
        at = None
        dup_at = np.flatnonzero(_repeated(arrays))
    else:
        at = np.flatnonzero(valid)
        arrays = [a.take(pa.array(at)) for a in arrays]
        dup_at = at[_repeated(arrays)]
    problems = []
    first: dict[tuple, tuple[str, int]] = {}
    part_of = np.searchsorted(starts, dup_at, side="right") - 1
    kept = dup_at if at is None else np.flatnonzero(np.isin(at, dup_at))  # their places in ``arrays``
    key_values = [_take(a, kept).to_pylist() for a in arrays] if len(dup_at) else []
    for j, (g, i) in enumerate(zip(dup_at.tolist(), part_of.tolist())):
        key, (pt, row) = tuple(v[j] for v in key_values), where(i, g - starts[i])
        if key in first:
            f, r = first[key]
            problems.append(Problem(pt.file, row, column(pt), "/".join(str(v) for v in key), f"duplicate key, also in {f} row {r} / 主键重复"))
        else:
            first[key] = (pt.file, row)
        if len(problems) >= MAX_PROBLEMS:
            # every repeated row but the first of its key is a problem: count them without a loop
            n_keys = pa.table({str(i): _take(a, kept) for i, a in enumerate(arrays)}).group_by([str(i) for i in range(len(arrays))]).aggregate([]).num_rows
            if len(dup_at) - n_keys > len(problems):
                problems.append(unlisted(problems[-1], len(dup_at) - n_keys - len(problems)))
            break
    if engine is None:
        return problems
    with engine.connect() as conn:
        stored = pd.DataFrame(conn.execute(sa.select(*[table.c[n] for n in pk]).distinct()).fetchall(), columns=pk)
    if stored.empty:
        return problems
    stored = _key_columns(stored, table, pk)
    keys = pd.concat([_key_columns(pt.frame, table, pk).assign(_part=i, _pos=np.arange(len(pt.frame)))
                      for i, pt in enumerate(parts)], ignore_index=True)
    keys = keys[_mask(keys[pk].notna().all(axis=1))]
    hit = keys.merge(stored, on=pk, how="inner").sort_values(["_part", "_pos"])

    def stored_problem(i: int) -> Problem:
        values = tuple(hit.iloc[i])
        key, (pt, row) = values[: len(pk)], where(values[-2], values[-1])
        return Problem(pt.file, row, column(pt), "/".join(str(v) for v in key), KEY_STORED)
    listed(problems, range(len(hit)), stored_problem)
    return problems


def _repeated(arrays: list[pa.Array | pa.ChunkedArray]) -> np.ndarray:
    """A boolean mask: True where the row's values (in every array) occur in another row too.

    Found by sorting row numbers on the keys and comparing neighbours slice by slice: one array
    of row numbers and a sorted copy of one slice of the keys at a time, no hash table of every
    key and no sorted copy of whole columns (3 M composite keys: about 50 MB of scratch)."""
    n = len(arrays[0]) if arrays else 0
    out = np.zeros(n, dtype=bool)
    if n < 2:
        return out
    names = [f"k{i}" for i in range(len(arrays))]
    order = pc.sort_indices(pa.table(arrays, names=names), sort_keys=[(k, "ascending") for k in names])
    same = np.ones(n - 1, dtype=bool)  # same[i]: sorted rows i and i + 1 hold the same key
    for start, m in _slices(n - 1):
        rows = order.slice(start, m + 1).to_numpy()
        for a in arrays:
            s = _take(a, rows)
            same[start:start + m] &= _mask(pc.equal(s.slice(1), s.slice(0, m)))
    if not same.any():
        return out
    hit = np.zeros(n, dtype=bool)
    hit[1:] |= same
    hit[:-1] |= same
    out[order.to_numpy()[hit]] = True
    return out


def _take(array: pa.Array | pa.ChunkedArray, indices: np.ndarray) -> pa.Array:
    """``array.take(indices)`` for a slice's worth of indices, without the copy of every chunk
    that Arrow's take on a chunked array makes (it concatenates them first, on every call):
    each chunk gives its own rows, which are then put back in the order asked."""
    indices = np.asarray(indices, dtype=np.int64)
    if isinstance(array, pa.Array):
        return array.take(pa.array(indices))
    if array.num_chunks == 1:
        return array.chunk(0).take(pa.array(indices))
    bounds = np.cumsum([0] + [len(c) for c in array.chunks])
    which = np.searchsorted(bounds, indices, side="right") - 1
    perm = np.argsort(which, kind="stable")
    cuts = np.searchsorted(which[perm], np.arange(len(bounds)))
    pieces = [array.chunk(k).take(pa.array(indices[perm[cuts[k]:cuts[k + 1]]] - bounds[k]))
              for k in range(array.num_chunks) if cuts[k + 1] > cuts[k]]
    joined = pa.concat_arrays(pieces) if pieces else pa.array([], array.type)
    back = np.empty(len(perm), dtype=np.int64)
    back[perm] = np.arange(len(perm))
    return joined.take(pa.array(back))


_PERIOD_RE = r"\d{4}-(0[1-9]|1[0-2])"


def _check_vouchers(by_table, engine, on_disk) -> list[Problem]:
    """Periods of vouchers and lines, lines with both a debit and a credit, and balanced vouchers.

    Memory: one hash lookup of the lines' voucher numbers among the known vouchers (an int32 per
    line, kept), then passes over slices of ``SLICE_ROWS`` lines, so that no scratch array of
    every line (amounts, halves, masks) exists at once; the sums are two int64 per voucher.
    """
    problems = []
    numbers, periods = [], []
    for pt in by_table.get("vouchers", []):
        vno, period = pt.frame["voucher_no"], pt.frame["period"]
        bad = _mask(period.notna() & ~period.astype("string[pyarrow]").str.fullmatch(_PERIOD_RE))
        listed(problems, np.flatnonzero(bad), lambda pos: Problem(pt.file, pt.rows[pos], pt.headers["period"], period.iloc[pos],
                                                                 "period must look like YYYY-MM / 期间格式应为 YYYY-MM"))
        keep = _mask(vno.notna() & period.notna())
        if keep.all():  # the usual case: no filtered copy of the numbers and periods
            numbers.append(_arrow(vno))
            periods.append(_arrow(period))
        else:
            numbers.append(_arrow(vno).filter(pa.chunked_array([keep])))
            periods.append(_arrow(period).filter(pa.chunked_array([keep])))
    lines = by_table.get("voucher_lines", [])
    if engine is not None and "vouchers" in on_disk and lines:
        with engine.connect() as conn:
            stored = conn.execute(sa.select(schema.vouchers.c.voucher_no, schema.vouchers.c.period)).fetchall()
        numbers.insert(0, pa.chunked_array([pa.array([r[0] for r in stored], pa.string())]))
        periods.insert(0, pa.chunked_array([pa.array([r[1] for r in stored], pa.string())]))
    # the import's vouchers come last and win over stored ones with the same number
    known = pa.chunked_array([c.cast(pa.string()) for n in numbers for c in n.chunks], type=pa.string())
    known_periods = pa.chunked_array([c.cast(pa.string()) for p in periods for c in p.chunks], type=pa.string())
    if len(known):
        # the last row of each voucher number; whether any number repeats is found by sorting
        # (cheaper than a hash table of the numbers), and only then looked up in itself
        if _repeated([known]).any():
            known, known_periods = known.combine_chunks(), known_periods.combine_chunks()
            first = pc.index_in(known, value_set=known).to_numpy(zero_copy_only=False)
            at = np.arange(len(known))
            last = at.copy()
            np.maximum.at(last, first, at)
            keep = last[first == at]
            known, known_periods = known.take(pa.array(keep)), known_periods.take(pa.array(keep))
            del first, at, last, keep
    n_known = len(known)

    # exact: debit - credit per line in units of the last decimal (|x| < 2 * 10**18 fits int64),
    # summed per voucher as two int64 halves (x = high * 10**9 + low) that cannot overflow
    sum_high, sum_low = np.zeros(n_known, np.int64), np.zeros(n_known, np.int64)
    indexes = []  # per part: each line's voucher among the known ones (null: no voucher has its number)
    unknown_at, unknown_vno, unknown_high, unknown_low = [], [], [], []  # lines whose number no voucher has
    vno_chunks = []
    coded_periods = None
    offset = 0
    for pt in lines:
        f = pt.frame
        vno = _arrow(f["voucher_no"]).cast(pa.string())
        vno_chunks.extend(vno.chunks)
        index = pc.index_in(vno, value_set=known) if n_known else pa.chunked_array([pa.nulls(len(vno), pa.int32())])
        if "period" not in f:
            # a few distinct months: the lines' periods dictionary-coded (4 bytes a line), taken
            # from the vouchers' periods coded once, never as a column of text
            if n_known and coded_periods is None:
                coded_periods = (known_periods.combine_chunks() if isinstance(known_periods, pa.ChunkedArray) else known_periods).dictionary_encode()
            expected = coded_periods.take(index) if n_known else pa.nulls(len(vno), pa.string()).dictionary_encode()
            expected = pa.chunked_array([expected]) if isinstance(expected, pa.Array) else expected
            f["period"] = pd.Series(pd.arrays.ArrowExtensionArray(expected))
            del expected
            period = None
        else:
            period = _arrow(f["period"]).cast(pa.string())
        debit, credit = _decimals(f["debit_amount"]), _decimals(f["credit_amount"])
        wrong, both = [], []  # the first MAX_PROBLEMS positions of each; all are counted
        n_wrong = n_both = 0
        for start, n in _slices(len(vno)):
            idx = index.slice(start, n)
            if period is not None and n_known:
                at = start + np.flatnonzero(_mask(pc.not_equal(period.slice(start, n), known_periods.take(idx))))
                n_wrong += len(at)
                wrong.extend(at[: MAX_PROBLEMS - len(wrong)].tolist())
            d, c = _unscaled(debit.slice(start, n)), _unscaled(credit.slice(start, n))
            at = start + np.flatnonzero((d != 0) & (c != 0))
            n_both += len(at)
            both.extend(at[: MAX_PROBLEMS - len(both)].tolist())
            high, low = np.divmod(d - c, 10**9)
            del d, c
            found = _mask(pc.is_valid(idx))
            if found.all():
                codes = idx.to_numpy(zero_copy_only=False)
                np.add.at(sum_high, codes, high)
                np.add.at(sum_low, codes, low)
            else:
                codes = idx.filter(pa.array(found)).to_numpy(zero_copy_only=False)
                np.add.at(sum_high, codes, high[found])
                np.add.at(sum_low, codes, low[found])
                # a number no voucher has: refused as a reference too, but still summed
                missing = np.flatnonzero(~found & _mask(pc.is_valid(vno.slice(start, n))))
                if len(missing):
                    unknown_at.append(offset + start + missing)
                    unknown_vno.extend(vno.slice(start, n).take(pa.array(missing)).chunks)
                    unknown_high.append(high[missing])
                    unknown_low.append(low[missing])
            del high, low, codes
        for pos in wrong:
            problems.append(Problem(pt.file, pt.rows[pos], pt.headers.get("period", "period"), f["period"].iloc[pos],
                                    f"period differs from voucher {f['voucher_no'].iloc[pos]}'s {known_periods[index[pos].as_py()].as_py()} / 期间与凭证不一致"))
        if n_wrong > len(wrong):
            problems.append(unlisted(problems[-1], n_wrong - len(wrong)))
        for pos in both:
            problems.append(Problem(pt.file, pt.rows[pos], pt.headers["debit_amount"],
                                    f"{f['debit_amount'].iloc[pos]} / {f['credit_amount'].iloc[pos]}",
                                    "a line has both a debit and a credit / 同一分录不能同时有借方和贷方"))
        if n_both > len(both):
            problems.append(unlisted(problems[-1], n_both - len(both)))
        indexes.append(index)
        offset += len(vno)
    if not lines:
        return problems
    # numbers no voucher has get codes after the known vouchers'
    unknown_code = np.zeros(0, np.int64)
    if unknown_at:
        rest = pa.chunked_array(unknown_vno, type=pa.string()).combine_chunks()
        unknown_code = n_known + pc.index_in(rest, value_set=rest).to_numpy(zero_copy_only=False).astype(np.int64)
        sum_high = np.concatenate([sum_high, np.zeros(len(rest), np.int64)])
        sum_low = np.concatenate([sum_low, np.zeros(len(rest), np.int64)])
        np.add.at(sum_high, unknown_code, np.concatenate(unknown_high))
        np.add.at(sum_low, unknown_code, np.concatenate(unknown_low))
        del rest, unknown_vno, unknown_high, unknown_low
    carry, sum_low = np.divmod(sum_low, 10**9)
    unbalanced = ((sum_high + carry) != 0) | (sum_low != 0)
    if not unbalanced.any():
        return problems
    # the lines of unbalanced vouchers, in line order across the parts
    involved = [np.concatenate(unknown_at)[unbalanced[unknown_code]]] if unknown_at else []
    offset = 0
    for index in indexes:
        for start, n in _slices(len(index)):
            idx = index.slice(start, n)
            codes = idx.fill_null(0).to_numpy(zero_copy_only=False)
            involved.append(offset + start + np.flatnonzero(_mask(pc.is_valid(idx)) & unbalanced[codes]))
        offset += len(index)
    involved = np.sort(np.concatenate(involved))
    vnos = pa.chunked_array(vno_chunks, type=pa.string())
    starts = np.cumsum([0] + [len(pt.frame) for pt in lines])
    groups: dict[str, list[int]] = {}  # voucher -> its lines, in the order vouchers first appear
    for vno, at in zip(vnos.take(pa.array(involved)).to_pylist(), involved.tolist()):
        groups.setdefault(vno, []).append(at)
    for n_listed, (vno, ats) in enumerate(groups.items(), start=1):
        where = [(int(np.searchsorted(starts, at, side="right")) - 1, at) for at in ats]
        rows = [int(lines[p].rows[at - starts[p]]) for p, at in where]
        first = lines[where[0][0]]
        debit = sum((lines[p].frame["debit_amount"].iloc[at - starts[p]] for p, at in where
                     if not pd.isna(lines[p].frame["debit_amount"].iloc[at - starts[p]])), Decimal(0))
        credit = sum((lines[p].frame["credit_amount"].iloc[at - starts[p]] for p, at in where
                      if not pd.isna(lines[p].frame["credit_amount"].iloc[at - starts[p]])), Decimal(0))
        shown = ", ".join(str(r) for r in rows[:6]) + ("…" if len(rows) > 6 else "")
        problems.append(Problem(first.file, rows[0], "debit_amount/credit_amount", vno,
                                f"voucher {vno} does not balance: debits {debit} ≠ credits {credit} (rows {shown}) / 借贷不平衡"))
        if n_listed >= MAX_PROBLEMS:
            if len(groups) > n_listed:
                problems.append(unlisted(problems[-1], len(groups) - n_listed))
            break
    return problems


def _unscaled(array: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Arrow ``decimal128(p <= 18, s)`` values as int64 units of the last decimal; missing values as 0."""
    if array.null_count:
        array = array.fill_null(pa.scalar(Decimal(0), array.type))
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    if sys.byteorder != "little":  # the buffer below is two's complement, little-endian
        return np.array([int(v.scaleb(array.type.scale)) for v in array.to_pylist()], dtype=np.int64)
    out = [np.frombuffer(c.buffers()[1], dtype=np.int64)[2 * c.offset:2 * (c.offset + len(c)):2] for c in chunks]
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def _decimals(series: pd.Series) -> pa.ChunkedArray:
    """A money column as Arrow decimals (missing values kept), for exact sums."""
    array = _arrow(series)
    if not pa.types.is_decimal(array.type):
        array = pa.chunked_array([pa.array([None if v is None or v is pd.NA else Decimal(str(v)) for v in series.tolist()],
                                           pa.decimal128(18, 2))])
    return array


def problems_from_db_error(exc: BaseException, parsed: list[ParsedTable]) -> list[Problem]:
    """Problems for an error the database raised while writing ``parsed`` (the last resort:
    ``validate`` and the parser check keys, ranges and NULs before any write).

    A duplicate key the database names (PostgreSQL ``Key (a, b)=(x, 1) already exists``, DuckDB
    ``Duplicate key "a: x, b: 1"`` or ``duplicate key "x, 1"``, MySQL ``Duplicate entry 'x'`` on a one-column key) is traced
    back to its file, row and column; anything else becomes one problem with the database's
    first line, cut to 200 characters and never with the connection URL.
    """
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    first_line = shorten(text.splitlines()[0] if text else type(orig).__name__, 200)
    diag = getattr(orig, "diag", None)
    table_name = getattr(diag, "table_name", None)
    detail = getattr(diag, "message_detail", None) or text
    pairs: dict[str, str] = {}
    m = re.search(r"Key \((.+?)\)=\((.*?)\) already exists", detail)
    if m:
        cols, vals = [c.strip().strip('"') for c in m[1].split(",")], [v.strip() for v in m[2].split(",")]
        if len(cols) == len(vals):
            pairs = dict(zip(cols, vals))
    m = re.search(r'Duplicate key "(.+?)" violates', text)
    if m:
        for part in m[1].split(", "):
            name, _, value = part.partition(": ")
            pairs[name.strip()] = value.strip()
    m = re.search(r"Duplicate entry '(.*?)' for key", text)
    bare = None if pairs else re.search(r'duplicate key "(.+?)"', text)  # DuckDB through Arrow: values only
    out: list[Problem] = []
    for pt in parsed:
        if table_name and pt.table != table_name:
            continue
        table = schema.table_by_name(pt.table)
        pk = [c.name for c in table.primary_key.columns]
        if pairs:
            wanted = pairs if set(pairs) <= set(pt.frame.columns) else None
        elif bare and len(bare[1].split(", ")) == len(pk):
            wanted = dict(zip(pk, bare[1].split(", ")))
        else:
            wanted = {pk[0]: m[1]} if m and len(pk) == 1 else None
        if wanted and not set(wanted) <= set(pt.frame.columns):
            wanted = None
        if not wanted:
            continue
        hit = np.ones(len(pt.frame), dtype=bool)
        for name, value in wanted.items():
            hit &= _mask(pt.frame[name].astype("string[pyarrow]") == value)
        for pos in np.flatnonzero(hit)[:20]:
            out.append(Problem(pt.file, pt.rows[pos], "+".join(pt.headers.get(n, n) for n in wanted), "/".join(wanted.values()),
                               KEY_STORED))
    if out:
        return out
    low = text.lower()
    if "overflow" in low or "out of range" in low:
        reason = "a number is out of range for its column / 数值超出列的范围"
    elif "0x00" in low or "nul" in low:
        reason = "a text contains a NUL character / 文本含有空字符"
    elif "duplicate" in low or "unique" in low:
        reason = "a key is already in the database / 数据库中已存在该主键"
    else:
        reason = "the database refused the rows / 数据库拒绝写入"
    files = ", ".join(sorted({pt.file for pt in parsed if not table_name or pt.table == table_name}))[:200] or "(database)"
    return [Problem(files, 0, "", "", f"{reason}; nothing was stored: {first_line} / 未保存任何数据")]


# --------------------------------------------------------------------------- aggregation on request
AGGREGATABLE = {"budgets": "budget_amount"}  # tables whose duplicate keys may be summed, and the column summed


def aggregate_duplicates(parsed: list[ParsedTable], tables: tuple[str, ...] = ("budgets",)) -> tuple[list[ParsedTable], list[Problem], list[str]]:
    """Sum the rows of an aggregatable table (``AGGREGATABLE``) that share a key within the
    import — a budget exported by account and sub-line, or in two files — instead of refusing
    them: one row per key with the Σ of its amount, exact in decimals, at the key's first source
    row. Keys already in the database are still refused in append mode. Returns the parsed
    tables, problems (a sum beyond the column's precision) and one warning per table with the
    counts."""
    out, problems, warnings = [], [], []
    for name in tables:
        if name not in AGGREGATABLE:
            raise ValueError(f"duplicate keys may be aggregated only in {sorted(AGGREGATABLE)}, not {name!r}")
    groups: dict[str, list[ParsedTable]] = {}
    for pt in parsed:
        (groups.setdefault(pt.table, []) if pt.table in tables else out).append(pt)
    for name, parts in groups.items():
        table, amount = schema.table_by_name(name), AGGREGATABLE[name]
        pk = [c.name for c in table.primary_key.columns]
        if not all(c in pt.frame for pt in parts for c in pk + [amount]):
            out.extend(parts)  # a missing key column is reported by validation
            continue
        frame = _frames_for_insert(parts)[name] if len(parts) > 1 else parts[0].frame
        rows = np.concatenate([np.asarray(pt.rows, dtype=np.int64) for pt in parts])
        keyed = _mask(frame[pk].notna().all(axis=1))
        dup = _mask(frame[keyed].duplicated(subset=pk, keep=False))
        if not dup.any():
            out.extend(parts)
            continue
        head = frame[keyed].assign(_row=rows[keyed], _order=np.flatnonzero(keyed))
        agg = {c: (c, "first") for c in frame.columns if c not in pk and c != amount}
        g = head.groupby(pk, sort=False, as_index=False).agg(**{amount: (amount, "sum")}, **agg, _row=("_row", "first"),
                                                             _order=("_order", "first"), _n=("_row", "size"))
        column = table.c[amount]
        try:
            g[amount] = g[amount].astype(pd.ArrowDtype(_arrow_type(column)))
        except (pa.ArrowInvalid, ValueError):
            problems.append(Problem(", ".join(pt.file for pt in parts), 0, amount, "",
                                    f"a sum of duplicate keys does not fit {column.type} / 合并后的金额超出列的精度"))
            out.extend(parts)
            continue
        rest = frame[~keyed].assign(_row=rows[~keyed], _order=np.flatnonzero(~keyed), _n=1)
        merged = pd.concat([g, rest], ignore_index=True).sort_values("_order", kind="stable")
        n_keys, n_rows = int((g._n > 1).sum()), int(g._n[g._n > 1].sum())
        files = sorted({pt.file for pt in parts})
        headers = {k: v for pt in parts for k, v in pt.headers.items()}
        out.append(ParsedTable(name, ", ".join(files), merged[list(frame.columns)].reset_index(drop=True),
                               merged._row.to_numpy(dtype=np.int64), headers, parts[0].encoding))
        warnings.append(f"{name}: {n_rows:,} rows sharing {n_keys:,} key(s) were summed into one row each (aggregate duplicates) "
                        f"/ {n_rows:,} 行重复主键已按 {n_keys:,} 个主键合计")
    return out, problems, warnings


# --------------------------------------------------------------------------- writing
def _frames_for_insert(parsed: list[ParsedTable]) -> dict[str, pd.DataFrame]:
    """One frame per table, in the parser's exact dtypes (decimal128 money, never float)."""
    frames: dict[str, list[pd.DataFrame]] = {}
    for pt in parsed:
        frames.setdefault(pt.table, []).append(pt.frame)
    out = {}
    for name, parts in frames.items():
        if len(parts) == 1:
            out[name] = parts[0]
            continue
        table = schema.table_by_name(name)
        full = []
        for part in parts:
            part = part.copy()
            for c in table.columns:
                if c.name not in part:
                    part[c.name] = _finish_column(c, [pa.nulls(len(part), _arrow_type(c))]).set_axis(part.index)
                elif _kind(c) == "text" and isinstance(part[c.name].dtype, pd.ArrowDtype) and pa.types.is_dictionary(part[c.name].dtype.pyarrow_dtype):
                    # one file's column dictionary-coded, another's not: plain text, so that the
                    # parts concatenate as Arrow strings (not Python objects)
                    part[c.name] = pd.Series(pd.arrays.ArrowExtensionArray(_arrow(part[c.name]).cast(pa.string())), index=part.index)
            full.append(part[[c.name for c in table.columns if c.name in part]])
        out[name] = pd.concat(full, ignore_index=True)
    return out


DUCKDB_MEMORY_ENV = "BFI_IMPORT_DUCKDB_MEMORY_MB"
FACTS_MEMORY_ENV = "BFI_IMPORT_FACTS_DUCKDB_MEMORY_MB"


def _duckdb_memory_mb(default: int = 350, env: str = DUCKDB_MEMORY_ENV) -> int:
    text = os.environ.get(env, "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else default


def _refresh_facts(engine) -> None:
    """The fact refresh after the write, under the write's cap; if DuckDB runs out of it, once
    more with ``BFI_IMPORT_FACTS_DUCKDB_MEMORY_MB`` (1,024 MB) when that is more. The write's
    350 MB, measured on a ledger of 200 MB (where 1,024 MB would raise the import's peak from
    1,055 to 1,332 MB), is not always room enough for the facts of a whole plant: at 12.8 M
    voucher lines, two of four refreshes under it stopped with "Out of Memory Error" (DuckDB
    spills most of a hash aggregate over the voucher lines, not all) and an append of one
    invoice failed (docs/IMPORT_PARSING.md, "The facts' own room"). A refused refresh leaves the
    facts' rows and version as they were (``facts.refresh``), so it can run again."""
    try:
        facts.refresh(engine)
    except sa.exc.OperationalError as exc:
        cap, room = _duckdb_memory_mb(), _duckdb_memory_mb(1024, FACTS_MEMORY_ENV)
        if "Out of Memory" not in str(exc) or room <= cap:
            raise
        log.warning("import: the fact refresh ran out of DuckDB's %s MB; again with %s MB", cap, room)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"SET memory_limit = '{room}MB'")
        facts.refresh(engine)


def _bound_duckdb_memory(conn, path: Path) -> None:
    """Cap DuckDB's own memory for the write and the facts (``BFI_IMPORT_DUCKDB_MEMORY_MB``,
    350 MB; the facts get more if they run out: ``_refresh_facts``); beyond the cap it spills to
    a folder beside the database file (without ``temp_directory`` a cap makes the commit fail:
    "failed to pin block"). Insertion order is not kept (rows have keys) and two threads suffice
    for one bulk load."""
    spill = Path(path).parent / (Path(path).name + ".spill")
    conn.exec_driver_sql(f"SET memory_limit = '{_duckdb_memory_mb()}MB'")
    conn.exec_driver_sql(f"SET temp_directory = '{str(spill).replace(chr(39), chr(39) * 2)}'")
    conn.exec_driver_sql("SET preserve_insertion_order = false")
    conn.exec_driver_sql("SET threads = 2")


def _add_keys(engine) -> None:
    """Primary keys and indexes over the rows just written (replace mode). A key index is held
    in memory whole, so its build gets more room than the write (at 200 MB of voucher lines
    300 MB was not enough); the written rows are checkpointed into the file first, so that
    DuckDB can drop them from memory instead of spilling them."""
    with engine.begin() as conn:
        conn.exec_driver_sql("CHECKPOINT")
        conn.exec_driver_sql(f"SET memory_limit = '{max(_duckdb_memory_mb(), 500)}MB'")
    eng.add_primary_keys(engine)  # a duplicate key (validate found none) fails the import
    eng.create_indexes(engine)


def _write(conn, frames: dict[str, pd.DataFrame], mode: str, note: dict[str, str]) -> dict[str, int]:
    counts = {}
    if mode == "replace":
        for table in reversed(schema.TABLES):
            conn.execute(table.delete())
    for table in schema.TABLES:
        if table.name not in frames:
            continue
        if conn.dialect.name == "duckdb":
            # the frame leaves ``frames`` here, so each part is freed once DuckDB holds it
            counts[table.name] = eng.bulk_insert_batches(conn, table, eng.arrow_batches(table, frames.pop(table.name)))
        else:
            counts[table.name] = eng.bulk_insert(conn, table, frames[table.name])
    info = schema.dataset_info
    conn.execute(info.delete().where(info.c.info_key.in_(list(note))))
    conn.execute(info.insert(), [{"info_key": k, "info_value": v} for k, v in note.items()])
    return counts


def import_sources(sources: list[tuple[str, bytes | os.PathLike]], url: str, mode: str = "append", lock_timeout: float = 0.0,
                   number_format: NumberFormat | None = None, encoding: str | None = None,
                   aggregate: tuple[str, ...] = (), profile=None) -> ImportReport:
    """Validate ``sources`` and, only if nothing is wrong, write them to the database at ``url``.

    ``sources`` are (file name, bytes) pairs, or (file name, path) to read each file only when
    its turn comes (``import_files``). ``mode`` is ``append`` (keys must be new) or ``replace`` (the import becomes the whole dataset).
    One writer at a time: the database's write lock is held from the checks against stored keys
    to the end of the write; another writer's lock is waited for up to ``lock_timeout`` seconds,
    then ``data_loaders.lock.DatabaseBusy`` is raised and nothing is written. A DuckDB file is
    written through a copy that replaces it in one rename (replace mode keeps the previous file
    in ``backups/`` first); other databases in one transaction. Every successful import stamps a
    new ``data_version`` in ``dataset_info``. ``number_format`` and ``encoding`` state the files'
    separators and text encoding; by default they are detected per file (see ``read_sources``).
    ``aggregate`` names tables (only ``budgets``) whose duplicate keys are summed instead of
    refused (see ``aggregate_duplicates``), with the counts among the warnings. ``profile``
    (``data_loaders.profiles.Profile``) reshapes the files it names before the checks and its
    dataset settings (currency, as-of date, fiscal year start) are stored with the import.
    """
    if mode not in ("append", "replace"):
        raise ValueError(f"mode must be 'append' or 'replace', got {mode!r}")
    parsed, problems, warnings = read_sources(sources, number_format, encoding, profile)
    release_memory()  # the parser's scratch buffers, back to the system
    if aggregate and not problems:
        parsed, more, notes = aggregate_duplicates(parsed, tuple(aggregate))
        problems.extend(more)
        warnings.extend(notes)
    nothing = not parsed and not problems
    if nothing:
        problems.append(Problem("", 0, "", "", "no importable files were given / 没有可导入的文件"))
    if problems:
        return ImportReport(fold(problems), {}, warnings, checked=nothing)
    path = eng.duckdb_path(url)
    with write_lock(url, lock_timeout) as lock:
        if lock.notice:
            warnings.append(lock.notice)
        check_engine = None
        if mode == "append" and (path is None or path.exists()):
            check_engine = eng.make_engine(url, read_only=True)
        try:
            problems.extend(validate(parsed, check_engine))
            if profile is not None and profile.dataset.currency and not problems:
                warnings.extend(_dataset_currency_unused(profile, parsed, check_engine))
        finally:
            if check_engine is not None:
                check_engine.dispose()
        if problems:
            return ImportReport(fold(problems), {}, warnings)
        release_memory()  # the checks' sorted keys and masks
        frames = _frames_for_insert(parsed)
        note = {
            "last_import_at": dt.datetime.now().isoformat(timespec="seconds"),
            "last_import_files": ", ".join(sorted({pt.file for pt in parsed}))[:200],
            "last_import_rows": str(sum(len(f) for f in frames.values())),
            **stamp(f"import {mode}"),
        }
        if mode == "replace":
            note["source"] = "import"
        if profile is not None:
            note.update(profile.dataset.info())
            note["import_profile"] = f"{profile.name} ({profile.source})"[:200]
        # ``frames`` holds the only reference to the parsed columns now, so the DuckDB write can
        # free them part by part; a database error parses ``sources`` again to name the row
        del parsed
        try:
            if path is not None:
                # replace mode writes into a new, empty file: its primary keys and indexes are
                # built once over the stored rows, after the facts (DuckDB keeps an index in
                # memory; built row by row during the insert it cost more time and memory)
                fresh = mode == "replace"

                def write(engine):
                    eng.create_schema(engine, indexes=not fresh, primary_keys=not fresh)
                    with engine.begin() as conn:
                        _bound_duckdb_memory(conn, path)
                        written = _write(conn, frames, mode, note)
                    release_memory()  # the parsed columns, freed by the write, before the facts' own peak
                    _refresh_facts(engine)
                    if fresh:
                        _add_keys(engine)
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
                    facts.refresh(engine)
                finally:
                    engine.dispose()
        except sa.exc.SQLAlchemyError as exc:  # a last resort: the checks above should have said it first
            frames.clear()
            again = read_sources(sources, number_format, encoding, profile)[0]
            return ImportReport(fold(problems_from_db_error(exc, again)), {}, warnings)
    return ImportReport([], counts, warnings)


def _dataset_currency_unused(profile, parsed: list[ParsedTable], engine) -> list[str]:
    """A warning when the profile's ``[dataset] currency`` is not the plants' own: amounts are
    labelled with their plant's currency, the dataset's only labels a database without plants."""
    plants: dict[str, str] = {}
    if engine is not None and "plants" in sa.inspect(engine).get_table_names():
        with engine.connect() as conn:
            plants.update((str(p), str(c)) for p, c in conn.execute(sa.select(schema.plants.c.plant_id, schema.plants.c.currency)))
    for pt in parsed:
        if pt.table == "plants" and "currency" in pt.frame:
            plants.update(zip(pt.frame["plant_id"].astype(str), pt.frame["currency"].astype(str)))
    other = sorted({c for c in plants.values() if c != profile.dataset.currency})
    if not other:
        return []
    return [f"{profile.source}: [dataset] currency = {profile.dataset.currency}, but the plants use {', '.join(other)}: amounts are "
            f"labelled with their plant's currency, the dataset's only when there are no plants / 导入配置的币种与工厂币种不同，金额按工厂币种标注"]


def import_files(paths: list[str | os.PathLike], url: str, mode: str = "append", lock_timeout: float = 0.0,
                 number_format: NumberFormat | None = None, encoding: str | None = None,
                 aggregate: tuple[str, ...] = (), profile=None) -> ImportReport:
    """Import the .csv / .xlsx files at ``paths`` (a ``column_mapping.csv`` among them is applied),
    reading each file only when its turn comes and dropping its bytes once parsed, so that only one
    file's bytes are in memory at a time; otherwise as ``import_sources``, which takes contents the
    caller keeps (uploads). Files are named in messages by their file name, without the folder."""
    return import_sources([(Path(p).name, Path(p)) for p in paths], url, mode, lock_timeout, number_format, encoding, aggregate, profile)


def import_folder(folder: str | Path, url: str, mode: str = "append", lock_timeout: float = 0.0,
                  number_format: NumberFormat | None = None, encoding: str | None = None,
                  aggregate: tuple[str, ...] = (), profile=None) -> ImportReport:
    """Import every .csv / .xlsx file in ``folder`` (and its ``column_mapping.csv``), one file's
    bytes in memory at a time; see ``import_files`` and ``import_sources``. With a ``profile``,
    files of any other suffix are left out unless an entry of the profile names them (.txt exports)."""
    folder = Path(folder)
    if not folder.is_dir():
        return ImportReport([Problem(str(folder), 0, "", "", "not a folder / 不是文件夹")], {}, [])
    paths = [p for p in sorted(folder.iterdir()) if p.is_file() and (p.suffix.lower() in (".csv", ".xlsx", ".xlsm")
                                                                      or (profile is not None and (profile.rules_for(p.name)
                                                                                                   or profile.is_lookup(p.name))))]
    return import_files(paths, url, mode, lock_timeout, number_format, encoding, aggregate, profile)
