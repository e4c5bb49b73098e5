"""Excel export of any table a page shows: a workbook finance can send on as it is.

A workbook holds, in order:
- when ``about`` is given, a sheet "说明 About": the title in bold on row 1, then one
  label / value row per pair (scope, filters, language, data as-of time, export time);
- one sheet per table, headers as on screen (bold, light fill, wrapping, frozen), an auto
  filter over the data, column widths fitted to the content, and a number format per column
  kind (see ``FORMATS``).

Values are written the way Excel stores them, never as display text: money rounded to the
cent, unit prices to four decimals, ratios as fractions 0-1 (six decimals) shown as percent,
flags as TRUE/FALSE, dates as dates. Rounding is half away from zero on the value's shortest
decimal text (``repr``), so 2.675 -> 2.68 and 614990.93999999994 -> 614990.94: no float
artefacts reach a cell. NaN / None / NaT / pd.NA are empty cells.

Text that Excel would read as a formula (first non-blank character ``= + - @``, or a leading
tab / CR) or as an error code is written as a string with the cell's quote prefix set, so a
spreadsheet never evaluates data.

The workbook is written in openpyxl's write-only (streaming) mode: 100,000 rows x 12 columns
in seconds and constant memory per row.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

KINDS = ("money", "price", "pct", "pp", "qty", "duration", "days", "count", "flag", "date", "datetime", "link", "text")
MONEY_FORMAT = "#,##0.00;[Red]-#,##0.00"
# kind -> Excel number format ("qty" uses QTY_WHOLE_FORMAT when every value is whole)
FORMATS = {
    "money": MONEY_FORMAT,
    "price": "#,##0.0000",
    "pct": "0.0%",
    "pp": '+0.00" pp";-0.00" pp";0.00" pp"',  # a change of a ratio, in percentage points (value x 100)
    "qty": "#,##0.##",
    "duration": "#,##0.0",
    "days": "#,##0.0",
    "count": "#,##0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
QTY_WHOLE_FORMAT = "#,##0"
# a numeric column of a plain {name: frame} export: thousands separators, 2 to 6 decimals
NUMBER_FORMAT = "#,##0.00####"
# decimals kept in the cell value per kind (the data contract stores quantities with three)
PLACES = {"money": 2, "price": 4, "pct": 6, "pp": 4, "qty": 3, "duration": 3, "days": 3, "count": 0, "number": 6}
ABOUT_SHEET = "说明 About"
HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
MIN_WIDTH, MAX_WIDTH, WIDTH_PAD = 8, 60, 2
MAX_SHEET_NAME = 31
MAX_TEXT = 32767  # Excel's limit for one cell
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportSheet:
    """One table to export.

    ``name``: the sheet name (cut to 31 characters, ``[]:*?/\\`` replaced, made unique);
    ``frame``: headers are the display labels already; ``kinds``: header -> one of ``KINDS``
    (a header left out is "text", or a plain number if its column is numeric).
    """

    name: str
    frame: pd.DataFrame
    kinds: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- values


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Decimal):
        return not value.is_finite()
    if isinstance(value, (np.floating, np.datetime64, np.timedelta64)):
        return bool(pd.isna(value)) or (isinstance(value, np.floating) and not np.isfinite(value))
    return False


def _python(value):
    """numpy scalars as Python scalars."""
    return value.item() if isinstance(value, np.generic) else value


def _round(value, places: int):
    """``value`` rounded half away from zero to ``places`` decimals, as int (places 0) or float.

    A float is rounded on its shortest decimal text, so the result is what the reader sees:
    2.675 -> 2.68, 0.1 + 0.2 -> 0.3. Returns None for text that is not a number.
    """
    value = _python(value)
    if isinstance(value, bool):
        return int(value) if places == 0 else float(value)
    if isinstance(value, int):
        return value if places == 0 else float(value) if abs(value) < 2**53 else value
    if isinstance(value, Decimal):
        exact = value
    elif isinstance(value, float):
        exact = Decimal(repr(value))
    else:
        return None
    try:
        rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # beyond 28 significant digits: no decimals to round anyway
        rounded = exact
    if places == 0:
        return int(rounded)
    out = float(rounded)
    return 0.0 if out == 0 else out  # never "-0"


def _naive(value: dt.datetime) -> dt.datetime:
    """Wall-clock time in the value's own zone (what the screen showed), without the zone."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    return value.replace(tzinfo=None) if value.tzinfo is not None else value


def _as_date(value):
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return _naive(value).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    return None


def _as_datetime(value):
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return _naive(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).to_pydatetime()
    return None


def _as_flag(value):
    value = _python(value)
    if isinstance(value, (bool, int, float, Decimal)):
        return bool(value)
    return None


def _text(value) -> str:
    value = _python(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an id read back as float: "1001", not "1001.0"
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_TEXT]


def needs_guard(text: str) -> bool:
    """True when Excel would read ``text`` as a formula or an error code if typed into a cell."""
    stripped = text.lstrip(" \u3000\xa0")
    return (text.startswith(_FORMULA_START) or stripped.startswith(_FORMULA_START)
            or text.strip() in ERROR_CODES)


def _column_values(series: pd.Series, kind: str) -> list:
    """The column as Python values for the cells, None for an empty cell.

    A value that does not fit the kind (text in a money column) is kept as text (``str``).
    """
    mask = series.isna().to_numpy()
    if kind in ("date", "datetime") and pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        if kind == "date":
            raw = series.dt.date.tolist()
        else:
            raw = series.dt.to_pydatetime().tolist() if hasattr(series.dt, "to_pydatetime") else series.tolist()
            raw = [v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in raw]
        return [None if m else v for v, m in zip(raw, mask)]
    raw = series.tolist()
    out = []
    for value, m in zip(raw, mask):
        if m or _missing(value):
            out.append(None)
            continue
        if kind in PLACES:
            converted = _round(value, PLACES[kind])
        elif kind == "flag":
            converted = _as_flag(value)
        elif kind == "date":
            converted = _as_date(value)
        elif kind == "datetime":
            converted = _as_datetime(value)
        else:
            converted = None
        out.append(_text(value) if converted is None else converted)
    return out


# --------------------------------------------------------------------------- widths


def display_width(text: str) -> int:
    """Width of ``text`` in Excel character units: CJK and full-width characters count 2."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _text_width(texts: Iterable[str]) -> int:
    """The widest of ``texts`` (longest lines first, stopping once no shorter one can win)."""
    best = 0
    for text in sorted(set(texts), key=len, reverse=True):
        if 2 * len(text) <= best:
            break
        best = max(best, max(display_width(line) for line in text.split("\n")))
    return best


def _number_text(value, kind: str, fmt: str) -> str:
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "pp":
        return f"{value:+.2f} pp"
    decimals = {MONEY_FORMAT: 2, FORMATS["price"]: 4, FORMATS["duration"]: 1, FORMATS["qty"]: 2,
                NUMBER_FORMAT: 6}.get(fmt, 0)
    return f"{value:,.{decimals}f}"


def _content_width(values: list, kind: str, fmt: str | None) -> int:
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    width = 0
    if numbers:  # the widest number is the largest or the smallest one
        width = max(len(_number_text(v, kind, fmt)) for v in (max(numbers), min(numbers)))
    if any(isinstance(v, bool) for v in values):
        width = max(width, 5)
    if any(isinstance(v, dt.datetime) for v in values):
        width = max(width, 16)
    elif any(isinstance(v, dt.date) for v in values):
        width = max(width, 10)
    return max(width, _text_width(v for v in values if isinstance(v, str)))


def _fit(width: int) -> float:
    return float(min(MAX_WIDTH, max(MIN_WIDTH, width + WIDTH_PAD)))


# --------------------------------------------------------------------------- sheets


def sheet_names(names: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """Valid, unique Excel sheet names for ``names``, in order.

    ``[]:*?/\\`` become "_", leading/trailing apostrophes go, at most 31 characters; a name
    already used (Excel compares without case) gets " (2)", " (3)", ... within the 31.
    """
    used = {name.casefold() for name in taken}
    out = []
    for name in names:
        base = _BAD_SHEET_CHARS.sub("_", str(name)).strip().strip("'")[:MAX_SHEET_NAME].strip() or "Sheet"
        if base.casefold() == "history":  # reserved by Excel
            base = f"{base}_"
        candidate, n = base, 1
        while candidate.casefold() in used:
            n += 1
            suffix = f" ({n})"
            candidate = base[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
        used.add(candidate.casefold())
        out.append(candidate)
    return out


def _inferred_kind(series: pd.Series) -> str:
    """The kind of a column nobody named: flags, dates, plain numbers, else text."""
    if pd.api.types.is_bool_dtype(series):
        return "flag"
    if pd.api.types.is_datetime64_any_dtype(series):
        clean = series.dropna()
        if getattr(series.dt, "tz", None) is not None:
            clean = clean.dt.tz_localize(None)
        return "date" if (clean == clean.dt.normalize()).all() else "datetime"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    return "text"


class _Styles:
    """Cell style templates of one write-only workbook (style ids are per workbook)."""

    def __init__(self, ws):
        self.ws = ws
        self._cache: dict[tuple, Any] = {}

    def style(self, number_format: str = "General", bold: bool = False, quote: bool = False,
              header: bool = False, wrap: bool = False):
        key = (number_format, bold, quote, header, wrap)
        if key not in self._cache:
            cell = Cell(self.ws, row=1, column=1)
            cell.number_format = number_format
            if bold or header:
                cell.font = Font(bold=True)
            if header:
                cell.fill = HEADER_FILL
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if quote:
                cell.quotePrefix = True
            self._cache[key] = cell._style
        return self._cache[key]


def _xml_number(value) -> str:
    """The shortest text that reads back as ``value``.

    openpyxl writes numbers with "%.16g", which turns the float 614990.94 into
    "614990.9399999999": the artefact this module exists to avoid. ``repr`` is exact.
    """
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _cell_maker(ws, styles: _Styles, number_format: str | None) -> Callable[[Any], Any]:
    """value -> what ``ws.append`` takes: None, a plain value, or a styled cell."""
    styled = styles.style(number_format or "General")
    guarded = styles.style(quote=True)

    def make(value):
        if value is None:
            return None
        if isinstance(value, str):
            if needs_guard(value):
                cell = Cell(ws, row=1, column=1, value=value, style_array=guarded)
                cell.data_type = "s"  # openpyxl typed "=..." as a formula and "#N/A" as an error
                return cell
            return value  # plain text, also in a numeric column (General format)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            cell = Cell(ws, row=1, column=1, style_array=styled)
            # the cell's text is written as it is (see _xml_number); the type stays a number
            cell._value, cell.data_type = _xml_number(value), "n"
            return cell
        if number_format is None:
            return value
        return Cell(ws, row=1, column=1, value=value, style_array=styled)

    return make


def _write_table(ws, styles: _Styles, sheet: ExportSheet) -> None:
    frame = sheet.frame
    headers = [_text(h) for h in frame.columns]
    columns, formats, widths = [], [], []
    for pos, header in enumerate(headers):
        series = frame.iloc[:, pos]
        kind = sheet.kinds.get(frame.columns[pos], sheet.kinds.get(header)) or _inferred_kind(series)
        if kind not in KINDS and kind != "number":
            raise ValueError(f"kinds[{header!r}]: {kind!r} is not one of {KINDS}")
        values = _column_values(series, kind)
        if kind == "number":
            fmt = QTY_WHOLE_FORMAT if _all_whole(values) else NUMBER_FORMAT
        elif kind == "qty":
            fmt = QTY_WHOLE_FORMAT if _all_whole(values) else FORMATS["qty"]
        else:
            fmt = FORMATS.get(kind)
        columns.append(values)
        formats.append(fmt)
        header_width = max(display_width(line) for line in header.split("\n")) if header else 0
        widths.append(_fit(max(header_width, _content_width(values, kind, fmt))))

    # the sheet's top (views, column widths) is written with the first row: set them first
    for pos, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(pos)].width = width
    if headers:
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(frame) + 1}"

    header_style = styles.style(header=True)
    guarded_header = styles.style(header=True, quote=True)
    head = []
    for header in headers:
        quoted = needs_guard(header)
        cell = Cell(ws, row=1, column=1, value=header, style_array=guarded_header if quoted else header_style)
        cell.data_type = "s"
        head.append(cell)
    ws.append(head)

    makers = [_cell_maker(ws, styles, fmt) for fmt in formats]
    for row in zip(*columns):
        ws.append([make(value) for make, value in zip(makers, row)])


def _all_whole(values: list) -> bool:
    return all(float(v).is_integer() for v in values if isinstance(v, (int, float)) and not isinstance(v, bool))


def _write_about(ws, styles: _Styles, about: list[tuple[str, str]], title: str | None) -> None:
    labels = [_text(label) for label, _ in about]
    values = []
    for _, value in about:
        value = _python(value)
        if _missing(value):
            values.append(None)
        elif isinstance(value, (dt.datetime, pd.Timestamp)):
            values.append(_naive(value))
        elif isinstance(value, (dt.date, bool)) or (isinstance(value, (int, float, Decimal))):
            values.append(value if not isinstance(value, (float, Decimal)) else _round(value, 6))
        else:
            values.append(_text(value))
    label_width = _text_width(labels)
    value_width = _content_width(values, "number", NUMBER_FORMAT)
    ws.column_dimensions["A"].width = _fit(label_width)
    ws.column_dimensions["B"].width = _fit(value_width)

    bold = styles.style(bold=True)
    formats = {dt.datetime: FORMATS["datetime"], dt.date: FORMATS["date"]}
    if title:
        cell = Cell(ws, row=1, column=1, value=_text(title), style_array=bold)
        cell.data_type = "s"
        ws.append([cell])
    plain = _cell_maker(ws, styles, None)
    for label, value in zip(labels, values):
        head = Cell(ws, row=1, column=1, value=label, style_array=styles.style(bold=True, quote=needs_guard(label)))
        head.data_type = "s"
        fmt = next((f for t, f in formats.items() if isinstance(value, t)), None)
        if fmt is None and isinstance(value, float):
            fmt = NUMBER_FORMAT
        ws.append([head, _cell_maker(ws, styles, fmt)(value) if fmt else plain(value)])


def to_excel_bytes(sheets: list[ExportSheet] | Mapping[str, pd.DataFrame],
                   about: list[tuple[str, str]] | None = None, title: str | None = None) -> bytes:
    """An .xlsx workbook: an "about" sheet first when ``about`` is given, then one sheet per table.

    ``sheets``: a list of ``ExportSheet``, or (the older call) a dict sheet name -> frame, whose
    numeric columns get a number format with thousands separators and the rest are text.
    ``about``: (label, value) rows, e.g. ``[("范围 Scope", "Plant P1"), ("导出时间 Exported at", now)]``;
    ``title``: bold on row 1 of the about sheet.
    """
    if isinstance(sheets, Mapping):
        sheets = [ExportSheet(str(name), frame, {}) for name, frame in sheets.items()]
    sheets = list(sheets)
    for sheet in sheets:
        if not isinstance(sheet, ExportSheet):
            raise ValueError(f"sheets: expected ExportSheet items, got {type(sheet).__name__}")

    wb = Workbook(write_only=True)
    taken = []
    if about is not None:
        ws = wb.create_sheet(ABOUT_SHEET)
        _write_about(ws, _Styles(ws), list(about), title)
        taken.append(ABOUT_SHEET)
    for sheet, name in zip(sheets, sheet_names((s.name for s in sheets), taken)):
        ws = wb.create_sheet(name)
        _write_table(ws, _Styles(ws), sheet)
    if not wb.worksheets:
        wb.create_sheet("Sheet")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
