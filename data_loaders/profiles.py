"""Import profiles: how one source system's exports become the contract's tables, without code.

A profile is a TOML or YAML file (``.toml``, ``.yaml``, ``.yml``; one per source system,
versioned with the data; format and every option: docs/IMPORT_PROFILES.md). It is validated
with pydantic before any file is read; a mistake is reported with the profile's file name, the
path (``files[2].derive[0].from``, the same for both formats) and what is expected.

Each ``[[files]]`` entry takes the source files whose name (and, for a workbook, sheet) match
its glob, reads them with its reading options (delimiter, encoding, header row or a column
list, rows to skip) and feeds one contract table. One source may feed several tables (one entry
each); an entry without a table marks files to leave out (or to use only for lookups). The
steps, in this order, each speaking the source's column names until the rename:

1. ``filter``: keep only the rows whose cell (as text) equals / is in / is not in given values;
2. ``map``: value maps per column (codes in the source's words to the contract's);
3. ``derive``: the documented derivations (period, date, concat, split, lookup, sign,
   debit_credit, sequence, copy), each writing a new column;
4. ``rename`` (source column -> contract column; ``column_mapping.csv`` still applies after it),
   ``constants`` (a value for every row), ``round`` (half-even to the column's scale);
5. ``distinct``: one row per key of the target table (header rows taken from line exports),
   refused when the rows of one key disagree.

The result goes through the importer's own parser and checks (types, keys, references,
balance, atomicity); every row keeps the spreadsheet row of the original file, so problems name
the file, the original row, the source column and the value. Files that match no entry are
imported by their names, as without a profile.
"""

from __future__ import annotations

import codecs
import datetime as dt
import fnmatch
import io
import re
import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from data_loaders import importer as imp
from data_loaders import schema

PROFILE_SUFFIX = ".toml"
PROFILE_SUFFIXES = (".toml", ".yaml", ".yml")  # a profile in YAML is read by its suffix
_DELIMITER_WORDS = {"comma": ",", "tab": "\t", "semicolon": ";", "pipe": "|", "auto": None}


class _Model(BaseModel):
    # a misspelt option is an error, never silently ignored
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=False)


Scalar = Union[str, int, float, bool, dt.date]


def _text_of(value: Scalar) -> str:
    """A TOML value as the text a cell would hold: 2 -> "2", 2.5 -> "2.5", true -> "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------- derivations
class _Derive(_Model):
    to: str = Field(min_length=1, description="the column written")


class PeriodDerive(_Derive):
    """YYYY-MM from a date, a date-time, a date key (20101229) or a month key (201012)."""
    op: Literal["period"]
    source: str = Field(alias="from", min_length=1)


class DateDerive(_Derive):
    """YYYY-MM-DD from a date-time (its day, whatever the time), a date key (20101229), or a
    month (201012, 2010-12: its last day, for balances by period)."""
    op: Literal["date"]
    source: str = Field(alias="from", min_length=1)


class ConcatDerive(_Derive):
    """Columns joined with ``sep`` (blank parts kept as empty), e.g. organisation + department,
    between an optional ``prefix`` and ``suffix`` (a voucher per period: ``TB-2026-03``)."""
    op: Literal["concat"]
    source: list[str] = Field(alias="from", min_length=1)
    sep: str = ""
    prefix: str = ""
    suffix: str = ""


class SplitDerive(_Derive):
    """One column cut at ``sep`` into the columns ``to`` (left to right; the last takes the rest)."""
    op: Literal["split"]
    source: str = Field(alias="from", min_length=1)
    sep: str = Field(min_length=1)
    to: list[str] = Field(min_length=1)  # type: ignore[assignment]
    strip: bool = True


class LookupDerive(_Derive):
    """The ``value`` column of the row of another file whose ``key`` column equals this column."""
    op: Literal["lookup"]
    source: str = Field(alias="from", min_length=1)
    file: str = Field(min_length=1, description="glob of the other file's name")
    key: str = Field(min_length=1)
    value: str = Field(min_length=1)


class SignDerive(_Derive):
    """An amount made negative where the indicator column holds one of ``negative``."""
    op: Literal["sign"]
    source: str = Field(alias="from", min_length=1)
    indicator: str = Field(min_length=1)
    negative: list[Scalar] = Field(min_length=1)
    positive: list[Scalar] = Field(min_length=1)


class DebitCreditDerive(_Derive):
    """Two columns ``to = [debit, credit]`` from one amount: by its sign (positive is a debit), or
    by an ``indicator`` column holding one of ``debit`` or ``credit``."""
    op: Literal["debit_credit"]
    source: str = Field(alias="from", min_length=1)
    to: list[str] = Field(min_length=2, max_length=2)  # type: ignore[assignment]
    indicator: str | None = None
    debit: list[Scalar] = []
    credit: list[Scalar] = []

    @model_validator(mode="after")
    def _indicator_values(self):
        if self.indicator and not (self.debit and self.credit):
            raise ValueError("with an indicator, list its values for both sides: debit = [...] and credit = [...]")
        if not self.indicator and (self.debit or self.credit):
            raise ValueError("debit and credit values need an indicator column (indicator = \"...\")")
        return self


class SequenceDerive(_Derive):
    """1, 2, 3 … in file order, restarting for each value of the ``by`` columns (line numbers)."""
    op: Literal["sequence"]
    by: list[str] = []


class CopyDerive(_Derive):
    """The same values under another name (one source column feeding two contract columns)."""
    op: Literal["copy"]
    source: str = Field(alias="from", min_length=1)


class FillDownDerive(_Model):
    """Blank cells of the columns ``from`` take the value above them (child-table exports that
    write the parent's fields on its first row only)."""
    op: Literal["fill_down"]
    source: list[str] = Field(alias="from", min_length=1)


class SpreadDerive(_Derive):
    """An annual amount over the twelve months of its fiscal year: one row becomes twelve, with
    ``to = [period column, amount column]``; each month gets amount / 12 rounded half-even to
    ``scale`` decimals and the last month the rest, so the twelve sum to the amount exactly.
    ``year`` names the column holding the fiscal year; its first four digits are the calendar
    year in which it starts, in the month ``[dataset] fiscal_year_start`` (default January)."""
    op: Literal["spread"]
    source: str = Field(alias="from", min_length=1)
    year: str = Field(min_length=1)
    to: list[str] = Field(min_length=2, max_length=2)  # type: ignore[assignment]
    scale: int = Field(default=2, ge=0, le=6)


Derive = Annotated[Union[PeriodDerive, DateDerive, ConcatDerive, SplitDerive, LookupDerive, SignDerive, DebitCreditDerive,
                         SequenceDerive, CopyDerive, FillDownDerive, SpreadDerive], Field(discriminator="op")]
DERIVATIONS = ("period", "date", "concat", "split", "lookup", "sign", "debit_credit", "sequence", "copy", "fill_down", "spread")


class Filter(_Model):
    """Keep the rows whose ``column`` (as text) equals ``equals``, is ``in`` a list or is ``not_in`` one."""
    column: str = Field(min_length=1)
    equals: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None

    @model_validator(mode="after")
    def _one_test(self):
        if sum(x is not None for x in (self.equals, self.in_, self.not_in)) != 1:
            raise ValueError("give exactly one of equals, in, not_in")
        return self

    def keeps(self, text: pd.Series) -> pd.Series:
        if self.equals is not None:
            return text == _text_of(self.equals)
        if self.in_ is not None:
            return text.isin([_text_of(v) for v in self.in_])
        return ~text.isin([_text_of(v) for v in self.not_in or []])


# --------------------------------------------------------------------------- one file rule
class FileRule(_Model):
    match: str = Field(min_length=1, description="glob on the file name, e.g. 'General Ledger*.csv'")
    sheet: str | None = Field(default=None, description="glob on the sheet name (workbooks; default: every sheet)")
    table: str | None = Field(default=None, description="the contract table fed; none: the files are left out")
    delimiter: str = "auto"
    encoding: str | None = None
    header: bool = True
    columns: list[str] | None = None
    skip_rows: int = Field(default=0, ge=0)
    decimal: Literal[".", ","] | None = None
    filter: list[Filter] = []
    map: dict[str, dict[str, Scalar]] = {}
    derive: list[Derive] = []
    rename: dict[str, str] = {}
    constants: dict[str, Scalar] = {}
    round: list[str] = []
    distinct: bool = False
    ignore: list[str] = []

    @field_validator("table")
    @classmethod
    def _known_table(cls, value):
        if value in (None, ""):
            return None
        name = imp.table_for_name(value)
        if name is None:
            raise ValueError(f"no contract table is called {value!r}; one of: {', '.join(t.name for t in schema.CONTRACT_TABLES)}")
        return name

    @field_validator("delimiter")
    @classmethod
    def _known_delimiter(cls, value):
        word = value.lower()
        if word in _DELIMITER_WORDS:
            return value if word != "auto" else "auto"
        if value not in imp.DELIMITERS:
            raise ValueError("a delimiter is one of ',', ';', '|', '\\t' (or comma, semicolon, pipe, tab, auto)")
        return value

    @field_validator("columns")
    @classmethod
    def _distinct_columns(cls, value):
        twice = [c for c in dict.fromkeys(value or []) if (value or []).count(c) > 1]
        if twice:  # the second would silently shadow the first
            raise ValueError(f"{', '.join(map(repr, twice))} listed twice; every column needs a name of its own")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value):
        if value in (None, "", "auto"):
            return None
        try:
            return codecs.lookup(value).name
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r} (e.g. utf-8, gbk, gb18030, cp1252)") from None

    @model_validator(mode="after")
    def _consistent(self):
        if not self.header and not self.columns:
            raise ValueError("a file without a header row (header = false) needs its column list: columns = [\"...\", ...]")
        table = schema.table_by_name(self.table) if self.table else None
        if table is not None:
            # every contract column the entry names that does not exist, each at its own path
            # (files[0].rename.cc, files[0].constants.plant, files[0].round[1]): one run lists them all
            lookup = imp.header_lookup(table)
            columns = ", ".join(c.name for c in table.columns)
            errors = []

            def wrong(where: str, loc: tuple, value, message: str) -> None:
                errors.append(InitErrorDetails(type=PydanticCustomError("contract_column", "{message}", {"message": f"{where}: {message}"}),
                                               loc=loc, input=value))

            for source, name in self.rename.items():
                if imp._norm(name) not in lookup:
                    wrong("rename", ("rename", source), name, f"{name!r} is not a column of {table.name} (columns: {columns})")
            for name, value in self.constants.items():
                if imp._norm(name) not in lookup:
                    wrong("constants", ("constants", name), name, f"{name!r} is not a column of {table.name} (columns: {columns})")
            for k, name in enumerate(self.round):
                if imp._norm(name) not in lookup:
                    wrong("round", ("round", k), name, f"{name!r} is not a column of {table.name} (columns: {columns})")
                elif imp._kind(table.c[lookup[imp._norm(name)]]) != "numeric":
                    wrong("round", ("round", k), name, f"{name!r} is not a decimal column of {table.name}")
            if errors:
                raise ValidationError.from_exception_data("FileRule", errors)
        return self

    @property
    def sep(self) -> str | None:
        """The delimiter stated, or None to sniff it."""
        return _DELIMITER_WORDS.get(self.delimiter.lower(), self.delimiter) if self.delimiter != "auto" else None

    def matches(self, file: str) -> bool:
        return fnmatch.fnmatch(Path(file).name.lower(), self.match.lower())


class Dataset(_Model):
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. CNY")
    as_of_date: dt.date | None = None
    fiscal_year_start: int | None = Field(default=None, ge=1, le=12, description="month the fiscal year starts in")

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, value: str | None) -> str | None:
        if value is not None and value not in schema.CURRENCY_CODES:
            raise ValueError(f"{value!r} is not {schema.CURRENCY_EXPECTED.split(' / ')[0]}")
        return value

    def info(self) -> dict[str, str]:
        """The settings as ``dataset_info`` rows."""
        out = {}
        if self.currency:
            out["currency"] = self.currency
        if self.as_of_date:
            out["as_of_date"] = self.as_of_date.isoformat()
        if self.fiscal_year_start:
            out["fiscal_year_start_month"] = str(self.fiscal_year_start)
        return out


class Profile(_Model):
    name: str = Field(min_length=1)
    description: str = ""
    version: int = 1
    dataset: Dataset = Dataset()
    files: list[FileRule] = Field(min_length=1)
    source: str = Field(default="", exclude=True)  # the profile's file name, for messages

    def is_lookup(self, file: str) -> bool:
        """True when a lookup of the profile reads ``file``."""
        return any(fnmatch.fnmatch(Path(file).name.lower(), d.file.lower())
                   for r in self.files for d in r.derive if isinstance(d, LookupDerive))

    def rules_for(self, file: str) -> list[tuple[int, FileRule]]:
        """(index in ``files``, rule) of every entry whose glob matches ``file``."""
        return [(i, r) for i, r in enumerate(self.files) if r.matches(file)]


class ProfileError(ValueError):
    """A profile that cannot be used; carries its problems (file, TOML path, what is expected)."""

    def __init__(self, problems: list[imp.Problem]):
        super().__init__("; ".join(f"{p.file}: {p.column}: {p.message}" for p in problems[:5]))
        self.problems = problems


def toml_path(loc: tuple) -> str:
    """A pydantic location as a path in the profile (TOML or YAML): ('files', 2, 'derive', 0, 'lookup', 'from') -> files[2].derive[0].from."""
    out = ""
    previous = None
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif previous == "derive_item" and part in DERIVATIONS:
            pass  # the union's tag, not a key of the file
        else:
            out += ("." if out else "") + str(part)
        previous = "derive_item" if isinstance(part, int) and i and loc[i - 1] == "derive" else None
    return out or "(top level)"


def is_yaml(file: str) -> bool:
    """True for a profile named ``*.yaml`` or ``*.yml`` (anything else is read as TOML)."""
    return Path(file).suffix.lower() in (".yaml", ".yml")


def _string_keys(value):
    """YAML mappings with the keys TOML would give: text (``1: actual`` -> ``"1"``, ``true`` ->
    ``"true"``), so a value map reads the same in both formats."""
    if isinstance(value, dict):
        return {(k if isinstance(k, str) else "" if k is None else _text_of(k)): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


def _load_yaml(text: str, file: str) -> tuple[dict | None, list[imp.Problem]]:
    import yaml

    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [imp.Problem(file, 0, "", "", f"not valid YAML{where}: {reason} / 配置文件不是有效的 YAML")]
    if not isinstance(raw, dict):
        return None, [imp.Problem(file, 0, "", "", "not a YAML mapping: a profile is `name: ...` and `files:` at the top level "
                                                   "/ 配置文件顶层应为映射（name、files …）")]
    return _string_keys(raw), []


def read_profile(data: bytes, file: str = "profile.toml") -> tuple[Profile | None, list[imp.Problem]]:
    """The profile in ``data`` (YAML text when ``file`` ends in ``.yaml`` or ``.yml``, else TOML),
    or None and the problems that say why not (the same paths for both formats)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [imp.Problem(file, 0, "", "", f"not UTF-8 text (byte {exc.start}); save the profile as UTF-8 / 配置文件不是 UTF-8 编码")]
    if is_yaml(file):
        raw, problems = _load_yaml(text, file)
        if raw is None:
            return None, problems
    else:
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            return None, [imp.Problem(file, 0, "", "", f"not valid TOML: {exc} / 配置文件不是有效的 TOML")]
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            value = "" if err["type"] == "missing" else err.get("input", "")
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                message = "required here, and missing"
            elif err["type"] == "extra_forbidden":
                message = "not an option here (misspelt?); the options are listed in docs/IMPORT_PROFILES.md"
            elif err["type"] == "union_tag_invalid":
                message = f"unknown derivation; one of {', '.join(DERIVATIONS)}"
                value = value.get("op", "") if isinstance(value, dict) else value
            elif err["type"] == "union_tag_not_found":
                message = f"a derivation needs op = one of {', '.join(DERIVATIONS)}"
            problems.append(imp.Problem(file, 0, toml_path(err["loc"]), _shown(value), f"{message} / 导入配置有误"))
        return None, problems
    profile.source = file
    return profile, []


def _shown(value) -> str:
    """A profile value as a problem shows it: a list or a table as written ("['per']"), not
    blank; a whole entry (a model's own check) is too long to say and stays blank."""
    if isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (list, tuple)) or (isinstance(value, dict) and len(value) <= 3 and not any(
            isinstance(v, (dict, list)) for v in value.values())):
        return imp.shorten(repr(value), 80)
    return ""


def load_profile(path: str | Path) -> Profile:
    """The profile at ``path``; ``ProfileError`` (a ``ValueError``) with its problems otherwise."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProfileError([imp.Problem(path.name, 0, "", "", f"cannot read the profile ({exc.strerror}) / 无法读取导入配置")]) from None
    profile, problems = read_profile(data, path.name)
    if profile is None:
        raise ProfileError(problems)
    return profile


# --------------------------------------------------------------------------- guessing and saving
@dataclass
class Guess:
    """A first reading of one uploaded file for the mapping screen: how it reads, its columns, the
    table it most likely feeds and the source column guessed for each contract column."""

    file: str
    delimiter: str | None
    header: bool
    first_row: list[str]
    table: str | None
    columns: dict[str, str]  # contract column -> source column

    def sources(self, header: bool) -> list[str]:
        """The source columns' names: the first row's, or ``column 1`` … for a file without a header row
        (the names ``rule_from_mapping`` lists in ``columns``)."""
        return list(self.first_row) if header else [f"column {i + 1}" for i in range(len(self.first_row))]


def guess(file: str, data: bytes) -> Guess:
    """Guess a file's reading and mapping: the delimiter sniffed; no header row when the first
    row reads as values (``importer.looks_like_data``); the table named by the file (or sheet),
    else the one whose columns most of the headers name; each contract column from the header
    naming it (names, Chinese labels, aliases)."""
    probe = FileRule(match=Path(file).name)
    raws = read_raw(probe, file, data)
    raw = raws[0]
    if raw.problems or raw.frame.empty and not len(raw.frame.columns):
        return Guess(file, None, True, [], imp.table_for_name(Path(file).stem), {})  # the import names what is wrong
    header = [str(c) for c in raw.frame.columns]
    delimiter = None if Path(file).suffix.lower() in (".xlsx", ".xlsm") else imp.sniff_delimiter(
        data, imp.detect_encoding(data, file)[0] or "utf-8")
    has_header = not imp.looks_like_data(header)
    table = imp.table_for_name(Path(file).stem)
    if table is None and has_header:
        scores = {t.name: sum(imp._norm(h) in imp.header_lookup(t) for h in header) for t in schema.CONTRACT_TABLES}
        best = max(scores, key=scores.get)
        table = best if scores[best] else None
    columns = {}
    if table and has_header:
        lookup = imp.header_lookup(schema.table_by_name(table))
        for h in header:
            target = lookup.get(imp._norm(h))
            if target and target not in columns:
                columns[target] = h
    return Guess(file, delimiter, has_header, header, table, columns)


def rule_from_mapping(file: str, table: str | None, header: bool, sources: list[str], delimiter: str | None,
                      columns: dict[str, str], constants: dict[str, str]) -> FileRule:
    """The profile entry a mapping screen describes: ``columns`` maps contract columns to source
    columns, ``constants`` gives values for contract columns; unmapped source columns are left out."""
    chosen = {src for src in columns.values() if src}
    return FileRule.model_validate({
        "match": Path(file).name, "table": table, "header": header, "columns": None if header else list(sources),
        "delimiter": delimiter or "auto",
        "rename": {src: col for col, src in columns.items() if src and src != col},
        "constants": {col: value for col, value in constants.items() if value != ""},
        "ignore": [src for src in sources if src not in chosen],
    })


def profile_toml(profile: Profile) -> str:
    """``profile`` as the TOML text ``read_profile`` reads back (options left at their defaults are omitted)."""
    import tomli_w

    return tomli_w.dumps(profile.model_dump(by_alias=True, exclude_defaults=True, exclude_none=True, exclude={"source"}))


# --------------------------------------------------------------------------- reading a source
@dataclass
class RawTable:
    """One sheet of a source as cells: columns named by the header row or the rule's list,
    ``rows`` the spreadsheet row of each."""

    label: str
    frame: pd.DataFrame
    rows: np.ndarray
    encoding: str = ""
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def _named(label: str, rule: FileRule, cells: list[list], numbers: list[int], problems: list) -> tuple[pd.DataFrame, np.ndarray]:
    """Cells (rows of values) as a frame named by the header row or the rule's column list."""
    width = max((len(r) for r in cells), default=0)
    if rule.header:
        if not cells:
            problems.append(imp.Problem(label, 0, "", "", "the file is empty / 文件为空"))
            return pd.DataFrame(), np.array([], dtype=np.int64)
        header = ["" if v is None else str(v).replace("\ufeff", "").strip() for v in cells[0]]
        header += [""] * (width - len(header))
        header_row, cells, numbers = numbers[0], cells[1:], numbers[1:]
        if rule.columns:  # the header row is there but its names are replaced
            header = list(rule.columns) + header[len(rule.columns):]
        seen: dict[str, int] = {}
        for i, h in enumerate(header):
            if h and h in seen:
                problems.append(imp.Problem(label, header_row, h, h, f"the header appears twice (columns {seen[h] + 1} and {i + 1}) / 表头重复"))
            seen.setdefault(h, i)
        names = [h or f"column {i + 1}" for i, h in enumerate(header)]
    else:
        names = list(rule.columns or [])
        if width > len(names):
            row = next(n for r, n in zip(cells, numbers) if len(r) > len(names))
            problems.append(imp.Problem(label, row, "", "", f"the row has {width} fields but the profile lists {len(names)} columns / 列数多于导入配置给出的列名"))
        names += [f"column {i + 1}" for i in range(len(names), width)]
    cells = [list(r) + [None] * (len(names) - len(r)) for r in cells]
    frame = pd.DataFrame(cells, columns=names, dtype=object) if cells else pd.DataFrame(columns=names, dtype=object)
    return frame, np.asarray(numbers, dtype=np.int64)


def read_raw(rule: FileRule, file: str, data: bytes, encoding: str | None = None) -> list[RawTable]:
    """The sheets of one source as ``RawTable``s, read with ``rule``'s options (a workbook by its
    suffix, .xlsx or .xlsm; anything else as delimited text: delimiter
    stated or sniffed, encoding stated or detected; rows skipped; blank rows dropped keeping
    every other row's number)."""
    if Path(file).suffix.lower() in (".xlsx", ".xlsm"):
        wb, problems = imp.open_workbook(bytes(data), file)
        if wb is None:
            return [RawTable(file, pd.DataFrame(), np.array([], dtype=np.int64), problems=problems)]
        out = []
        sheets = [ws for ws in wb.worksheets if rule.sheet is None or fnmatch.fnmatch(ws.title.lower(), rule.sheet.lower())]
        for ws in sheets:
            rows = [(n, v) for n, v in imp.sheet_values(ws) if n > rule.skip_rows]
            if not rows:
                continue
            label = file if len(wb.worksheets) == 1 else f"{file}:{ws.title}"
            problems = []
            frame, numbers = _named(label, rule, [v for _, v in rows], [n for n, _ in rows], problems)
            out.append(RawTable(label, frame, numbers, problems=problems))
        wb.close()
        if not out:
            return [RawTable(file, pd.DataFrame(), np.array([], dtype=np.int64), problems=[imp.Problem(
                file, 0, "", rule.sheet or "", "no sheet with data matches the profile / 没有与导入配置匹配的工作表")])]
        return out
    if not imp._NOT_SPACE.search(data):
        return [RawTable(file, pd.DataFrame(), np.array([], dtype=np.int64), problems=[imp.Problem(file, 0, "", "", "the file is empty / 文件为空")])]
    enc = rule.encoding or encoding
    if enc is None:
        enc, problems = imp.detect_encoding(data, file)
        if enc is None:
            return [RawTable(file, pd.DataFrame(), np.array([], dtype=np.int64), problems=problems)]
    warnings = []
    sep = rule.sep
    if sep is None:
        sep = imp.sniff_delimiter(data, enc)
        if sep != ",":
            warnings.append(f"{file}: columns separated by {imp.delimiter_name(sep)} (detected) / 按 {imp.delimiter_name(sep)} 分隔读取")
    try:
        frame = pd.read_csv(io.BytesIO(data), encoding=enc, sep=sep, header=None, dtype=str, keep_default_na=False, na_filter=False,
                            skip_blank_lines=False, skiprows=rule.skip_rows)
    except pd.errors.EmptyDataError:
        return [RawTable(file, pd.DataFrame(), np.array([], dtype=np.int64), problems=[imp.Problem(file, 0, "", "", "the file is empty / 文件为空")])]
    except pd.errors.ParserError as exc:
        return [RawTable(file, pd.DataFrame(), np.array([], dtype=np.int64), problems=[imp._csv_error(file, exc, sep, rule.skip_rows)])]
    except (UnicodeDecodeError, LookupError) as exc:
        return [RawTable(file, pd.DataFrame(), np.array([], dtype=np.int64), problems=[_not_encoded(file, data, enc, exc, rule)])]
    values = frame.to_numpy(dtype=object)
    blank = np.array([all(not str(v).strip() for v in r) for r in values], dtype=bool) if len(values) else np.array([], dtype=bool)
    numbers = np.arange(len(values), dtype=np.int64) + rule.skip_rows + 1
    problems: list = []
    named, rows = _named(file, rule, [list(r) for r in values[~blank]], numbers[~blank].tolist(), problems)
    if enc not in ("utf-8", "utf-8-sig"):
        warnings.append(f"{file}: read as {imp.encoding_label(enc)} text / 按 {imp.encoding_label(enc)} 编码读取")
    return [RawTable(file, named, rows, enc, problems, warnings)]


def _not_encoded(file: str, data: bytes, enc: str, exc: Exception, rule: FileRule) -> imp.Problem:
    """A file that is not in the encoding it was read with: the row of the first byte that is
    not, and, when the profile states the encoding, what the file reads as instead."""
    row, where = 0, ""
    try:
        bytes(data).decode(enc)
    except UnicodeDecodeError as error:  # pandas reports a position within its own buffer: find the file's
        row = bytes(data[: error.start]).count(b"\n") + 1
        where = f" (byte {error.start:,}, row {row})"
    except LookupError:
        pass
    label = imp.encoding_label(enc)
    if rule.encoding:
        other, _ = imp.detect_encoding(data, file)
        hint = (f"it reads as {imp.encoding_label(other)}: set encoding = \"{other}\" in the profile, or leave encoding out to detect it"
                if other and other != enc else "save it in the encoding the profile states, or state the file's")
        return imp.Problem(file, row, "", "", f"not {label} text{where}, the encoding the profile states ({rule.encoding}); {hint} "
                                              f"/ 文件不是导入配置所写的 {label} 编码")
    return imp.Problem(file, row, "", "", f"not {label} text{where}: {str(exc)[:120]}; state the encoding in the profile / 编码错误")


# --------------------------------------------------------------------------- the steps
def _texts(series: pd.Series) -> pd.Series:
    """Cells as the text a filter or a map compares: None -> "", 2.0 (Excel) -> "2", stripped."""
    return series.map(lambda v: "" if imp._is_blank(v) else (v.isoformat(sep=" ") if isinstance(v, dt.datetime) else imp._text(v)))


def _decimal(value, fmt: imp.NumberFormat | None) -> Decimal:
    """A number from a cell for a derivation (sign, debit_credit, round), exactly; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("not a number / 不是数字")
    if isinstance(value, (int, float)):
        if value != value:
            raise ValueError("not a number / 不是数字")
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    sign, body = imp._split_sign(str(value))
    readings = {r for r in (imp._read_body(body, f) for f in ([fmt] if fmt else [imp.DOT, imp.COMMA])) if r is not None}
    if not readings:
        raise ValueError("not a number / 不是数字")
    if len(readings) > 1:
        raise ValueError("ambiguous: state the decimal separator in the profile (decimal = \".\" or \",\") / 数值含义不明确，请在导入配置中指定小数分隔符")
    try:
        return Decimal(sign + readings.pop())
    except InvalidOperation:
        raise ValueError("not a number / 不是数字") from None


def _number_text(number: Decimal, fmt: imp.NumberFormat | None) -> str:
    """A derived number as the parser reads it back in this file's convention (no grouping)."""
    text = format(number, "f")
    return text.replace(".", ",") if fmt is not None and fmt.decimal == "," else text


class _Steps:
    """Applies one rule to one raw table, collecting problems with file, original row, column, value."""

    def __init__(self, profile: Profile, index: int, rule: FileRule, raw: RawTable, fmt, lookups):
        self.profile, self.index, self.rule, self.raw, self.fmt = profile, index, rule, raw, fmt
        self.lookups = lookups  # (file glob, key, value) -> (dict, file name) or a problem
        self.problems: list[imp.Problem] = []
        self.warnings: list[str] = []
        self.where = f"{profile.source}: files[{index}]"

    def problem(self, pos: int, column: str, value, message: str) -> imp.Problem:
        return imp.Problem(self.raw.label, int(self.rows[pos]), column, imp.shorten(value), message)

    def need(self, frame: pd.DataFrame, column: str, path: str) -> bool:
        if column in frame:
            return True
        self.problems.append(imp.Problem(self.raw.label, 0, column, "", f"{path} names the column {column!r}, which the file does not have "
                                         f"(its columns: {', '.join(map(str, list(frame.columns)[:30]))}) / 导入配置引用的列不存在"))
        return False

    def run(self) -> tuple[pd.DataFrame, np.ndarray]:
        rule, frame = self.rule, self.raw.frame.copy()
        self.rows = self.raw.rows
        # 1. filters
        keep = np.ones(len(frame), dtype=bool)
        for k, f in enumerate(rule.filter):
            if self.need(frame, f.column, f"files[{self.index}].filter[{k}].column"):
                keep &= f.keeps(_texts(frame[f.column])).to_numpy(dtype=bool)
        if self.problems:
            return frame, self.rows
        if not keep.all():
            self.warnings.append(f"{self.raw.label}: {int((~keep).sum()):,} row(s) left out by the profile's filters ({self.where}.filter) "
                                 f"/ {int((~keep).sum()):,} 行按导入配置的筛选条件未导入")
            frame, self.rows = frame[keep].reset_index(drop=True), self.rows[keep]
        # 2. value maps (a map on a derived column applies right after its derivation)
        derived = written_by(rule)
        for column in rule.map:
            if column not in derived:
                self._map(frame, column)
        # 3. derivations
        for k, d in enumerate(rule.derive):
            out = getattr(self, f"_{d.op}")(frame, d, f"files[{self.index}].derive[{k}]")
            frame = frame if out is None else out
            for column in written_by_one(d):
                if column in rule.map and column in frame:
                    self._map(frame, column)
        if self.problems:
            return frame, self.rows
        # 4. constants (by contract name; the rename below and column_mapping.csv see the rest)
        for column, value in rule.constants.items():
            frame[column] = value.isoformat() if isinstance(value, dt.date) else _text_of(value)
        frame = self._drop_shadowed(frame)
        if rule.round:
            self._round(frame)
        if rule.distinct:
            frame = self._distinct(frame)
        return frame, self.rows

    def _map(self, frame, column):
        """``column``'s values through the rule's value map: "" maps a blank, "*" every value not
        listed ("*" = "*" keeps them); any other value not listed is a problem."""
        table = self.rule.map[column]
        if self.need(frame, column, f"files[{self.index}].map.{column}"):
            codes = {str(k): _text_of(v) for k, v in table.items()}
            default = codes.pop("*", None)
            texts = _texts(frame[column])
            hit = texts.isin(list(codes)) | (texts == "")
            out = texts.map(lambda t: codes.get(t, t))
            out[(texts == "") & ~texts.isin(list(codes))] = None
            if default is not None:
                out[~hit] = texts[~hit] if default == "*" else default
            else:
                imp.listed(self.problems, np.flatnonzero(~hit.to_numpy(dtype=bool)), lambda pos: self.problem(
                    pos, column, texts.iloc[pos], f"not in the profile's value map for this column ({self.where}.map.{column}); "
                    "add it, or \"*\" for every other value / 值不在导入配置的映射表中"))
            frame[column] = out.astype(object)

    # -- derivations: each writes ``d.to`` (or its list), reading the source's names
    def _each(self, frame, d, path, convert):
        if not self.need(frame, d.source, path + ".from"):
            return
        out = []
        for pos, value in enumerate(frame[d.source].tolist()):
            if imp._is_blank(value):
                out.append(None)
                continue
            try:
                out.append(convert(value))
            except ValueError as exc:
                self.problems.append(self.problem(pos, d.source, value, str(exc)))
                out.append(None)
        frame[d.to] = pd.Series(out, index=frame.index, dtype=object)

    def _period(self, frame, d, path):
        def period(value):
            if isinstance(value, (dt.date, dt.datetime)):
                return f"{value.year:04d}-{value.month:02d}"
            text = imp._text(value)
            m = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})月?", text)
            if m and 1 <= int(m[2]) <= 12 and (len(text) != 6 or text.isdigit()):
                return f"{int(m[1]):04d}-{int(m[2]):02d}"
            try:
                day = imp._parse_date(text) if not imp._TIME_RE.match(text) else imp.parse_datetime(text).date()
            except ValueError:
                raise ValueError("not a date or a date key: expected YYYY-MM-DD, YYYYMMDD (20101229), YYYYMM (201012) or YYYY-MM "
                                 "/ 不是日期或日期键（应为 YYYY-MM-DD、YYYYMMDD、YYYYMM 或 YYYY-MM）") from None
            return f"{day.year:04d}-{day.month:02d}"
        self._each(frame, d, path, period)

    def _date(self, frame, d, path):
        def day(value):
            if isinstance(value, (dt.date, dt.datetime)):
                return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
            text = imp._text(value)
            m = re.fullmatch(r"(\d{4})-?(\d{2})", text)
            if m and 1 <= int(m[2]) <= 12:  # a month: its last day
                following = dt.date(int(m[1]) + int(m[2]) // 12, int(m[2]) % 12 + 1, 1)
                return (following - dt.timedelta(days=1)).isoformat()
            try:
                return (imp.parse_datetime(text).date() if imp._TIME_RE.match(text) else imp._parse_date(text)).isoformat()
            except ValueError:
                raise ValueError("not a date: expected YYYY-MM-DD, YYYYMMDD (20101229), a date and time, or a month YYYYMM "
                                 "/ 不是有效日期") from None
        self._each(frame, d, path, day)

    def _copy(self, frame, d, path):
        if self.need(frame, d.source, path + ".from"):
            frame[d.to] = frame[d.source]

    def _concat(self, frame, d, path):
        if all([self.need(frame, c, f"{path}.from") for c in d.source]):
            parts = [_texts(frame[c]) for c in d.source]
            joined = d.prefix + (parts[0].str.cat(parts[1:], sep=d.sep) if len(parts) > 1 else parts[0]) + d.suffix
            frame[d.to] = joined.where(pd.concat(parts, axis=1).ne("").any(axis=1), None).astype(object)

    def _split(self, frame, d, path):
        if not self.need(frame, d.source, path + ".from"):
            return
        texts = _texts(frame[d.source])
        pieces = texts.str.split(d.sep, n=len(d.to) - 1, regex=False)
        for i, name in enumerate(d.to):
            part = pieces.map(lambda p: p[i] if isinstance(p, list) and i < len(p) else "")
            if d.strip:
                part = part.str.strip()
            frame[name] = part.where(part != "", None).astype(object)

    def _lookup(self, frame, d, path):
        if not self.need(frame, d.source, path + ".from"):
            return
        found = self.lookups(d.file, d.key, d.value, path)
        if isinstance(found, imp.Problem):
            self.problems.append(found)
            return
        table, name = found
        texts = _texts(frame[d.source])
        out = texts.map(table)
        missing = np.flatnonzero((out.isna() & (texts != "")).to_numpy(dtype=bool))
        imp.listed(self.problems, missing, lambda pos: self.problem(
            pos, d.source, texts.iloc[pos], f"not found in column {d.key!r} of {name} (lookup {path}) / 在查找文件中找不到"))
        frame[d.to] = out.astype(object)

    def _sign(self, frame, d, path):
        if not (self.need(frame, d.source, path + ".from") and self.need(frame, d.indicator, path + ".indicator")):
            return
        negative, positive = {_text_of(v) for v in d.negative}, {_text_of(v) for v in d.positive}
        flags = _texts(frame[d.indicator]).tolist()
        out = []
        for pos, (value, flag) in enumerate(zip(frame[d.source].tolist(), flags)):
            if imp._is_blank(value):
                out.append(None)
                continue
            try:
                if flag not in negative | positive:
                    self.problems.append(self.problem(pos, d.indicator, flag, f"neither of {sorted(positive)} (positive) nor {sorted(negative)} "
                                                      f"(negative) ({path}) / 借贷方向标识无法识别"))
                    out.append(None)
                    continue
                number = _decimal(value, self.fmt)
                out.append(_number_text(-number if flag in negative else number, self.fmt))
            except ValueError as exc:
                self.problems.append(self.problem(pos, d.source, value, str(exc)))
                out.append(None)
        frame[d.to] = pd.Series(out, index=frame.index, dtype=object)

    def _debit_credit(self, frame, d, path):
        if not self.need(frame, d.source, path + ".from") or (d.indicator and not self.need(frame, d.indicator, path + ".indicator")):
            return
        debit_flags, credit_flags = {_text_of(v) for v in d.debit}, {_text_of(v) for v in d.credit}
        flags = _texts(frame[d.indicator]).tolist() if d.indicator else [None] * len(frame)
        debit, credit = [], []
        for pos, (value, flag) in enumerate(zip(frame[d.source].tolist(), flags)):
            if imp._is_blank(value):
                debit.append(None)
                credit.append(None)
                continue
            try:
                number = _decimal(value, self.fmt)
                if d.indicator:
                    if flag not in debit_flags | credit_flags:
                        raise _FlagError(flag)
                    on_debit = flag in debit_flags
                else:
                    on_debit, number = number >= 0, abs(number)
                zero = _number_text(Decimal(0), self.fmt)
                debit.append(_number_text(number, self.fmt) if on_debit else zero)
                credit.append(zero if on_debit else _number_text(number, self.fmt))
            except _FlagError:
                self.problems.append(self.problem(pos, d.indicator, flag, f"neither a debit {sorted(debit_flags)} nor a credit "
                                                  f"{sorted(credit_flags)} ({path}) / 借贷方向标识无法识别"))
                debit.append(None)
                credit.append(None)
            except ValueError as exc:
                self.problems.append(self.problem(pos, d.source, value, str(exc)))
                debit.append(None)
                credit.append(None)
        frame[d.to[0]] = pd.Series(debit, index=frame.index, dtype=object)
        frame[d.to[1]] = pd.Series(credit, index=frame.index, dtype=object)

    def _sequence(self, frame, d, path):
        if not all([self.need(frame, c, f"{path}.by") for c in d.by]):
            return
        if d.by:
            keys = pd.concat([_texts(frame[c]) for c in d.by], axis=1)
            numbers = keys.groupby(list(keys.columns), sort=False).cumcount() + 1
        else:
            numbers = pd.Series(np.arange(1, len(frame) + 1), index=frame.index)
        frame[d.to] = numbers.astype(str).astype(object)

    def _fill_down(self, frame, d, path):
        for c in d.source:
            if self.need(frame, c, f"{path}.from"):
                texts = _texts(frame[c])
                frame[c] = frame[c].where(texts != "", None).ffill().astype(object)

    def _spread(self, frame, d, path):
        if not (self.need(frame, d.source, path + ".from") and self.need(frame, d.year, path + ".year")):
            return None
        start = self.profile.dataset.fiscal_year_start or 1
        unit = Decimal(1).scaleb(-d.scale)
        periods, amounts, keep = [], [], []
        for pos, (value, year) in enumerate(zip(frame[d.source].tolist(), _texts(frame[d.year]).tolist())):
            m = re.match(r"\D*(\d{4})", year)
            if not m:
                self.problems.append(self.problem(pos, d.year, year, f"not a fiscal year: expected its starting year, e.g. 2026 or 2026-2027 ({path}) "
                                                  "/ 不是有效的会计年度"))
                continue
            try:
                total = Decimal(0) if imp._is_blank(value) else _decimal(value, self.fmt)
            except ValueError as exc:
                self.problems.append(self.problem(pos, d.source, value, str(exc)))
                continue
            month = (total / 12).quantize(unit, rounding=ROUND_HALF_EVEN)
            for i in range(12):
                y, mo = divmod(int(m[1]) * 12 + start - 1 + i, 12)
                periods.append(f"{y:04d}-{mo + 1:02d}")
                amounts.append(_number_text(month if i < 11 else total - 11 * month, self.fmt))
            keep.append(pos)
        out = frame.iloc[np.repeat(keep, 12)].reset_index(drop=True) if keep else frame.iloc[:0].copy()
        self.rows = np.repeat(self.rows[keep], 12) if keep else self.rows[:0]
        out[d.to[0]] = pd.Series(periods, index=out.index, dtype=object)
        out[d.to[1]] = pd.Series(amounts, index=out.index, dtype=object)
        return out

    def _drop_shadowed(self, frame):
        """Without the ``ignore``d columns, and without a source column that would feed the same
        contract column as a derived or constant one (``Planned Start Date`` beside the date
        derived from it): what the profile writes wins."""
        rule = self.rule
        written = {name for d in rule.derive for name in ([d.to] if isinstance(getattr(d, "to", None), str) else getattr(d, "to", []) or [])}
        written |= set(rule.constants)
        table = schema.table_by_name(rule.table)
        lookup = imp.header_lookup(table)
        targets = {lookup.get(imp._norm(rule.rename.get(c, c))) for c in written} - {None}
        drop = [c for c in frame.columns if c in rule.ignore or (
            c not in written and lookup.get(imp._norm(rule.rename.get(str(c), str(c)))) in targets)]
        return frame.drop(columns=drop) if drop else frame

    def used(self) -> set[str]:
        """The source columns the rule reads (filters, maps, derivations, renames)."""
        rule = self.rule
        out = {f.column for f in rule.filter} | set(rule.map) | set(rule.rename) | set(rule.ignore)
        for d in rule.derive:
            for attr in ("source", "indicator", "year", "by"):
                value = getattr(d, attr, None)
                out |= set(value) if isinstance(value, list) else {value} if value else set()
        return out

    # -- after the derivations: by contract name
    def _source_of(self, frame, target: str) -> str | None:
        """The frame's column that becomes contract column ``target`` (renamed, aliased or as is)."""
        table = schema.table_by_name(self.rule.table)
        lookup = imp.header_lookup(table)
        for src, dst in self.rule.rename.items():
            if lookup.get(imp._norm(dst)) == target and src in frame:
                return src
        return next((c for c in frame.columns if lookup.get(imp._norm(str(c))) == target and str(c) not in self.rule.rename), None)

    def _round(self, frame):
        table = schema.table_by_name(self.rule.table)
        lookup = imp.header_lookup(table)
        for name in self.rule.round:
            column = table.c[lookup[imp._norm(name)]]
            src = self._source_of(frame, column.name)
            if src is None:
                continue
            unit = Decimal(1).scaleb(-(column.type.scale or 0))
            n, out = 0, []
            for pos, value in enumerate(frame[src].tolist()):
                if imp._is_blank(value):
                    out.append(None)
                    continue
                try:
                    number = _decimal(value, self.fmt)
                except ValueError:
                    out.append(value)  # the parser says what is wrong with it
                    continue
                rounded = number.quantize(unit, rounding=ROUND_HALF_EVEN)
                n += rounded != number
                out.append(_number_text(rounded, self.fmt))
            frame[src] = pd.Series(out, index=frame.index, dtype=object)
            if n:
                self.warnings.append(f"{self.raw.label}: {n:,} value(s) of {src} rounded to {column.type.scale} decimals ({self.where}.round) "
                                     f"/ {n:,} 个数值已按 {column.type.scale} 位小数四舍五入")

    def _distinct(self, frame):
        table = schema.table_by_name(self.rule.table)
        keys = [self._source_of(frame, c.name) for c in table.primary_key.columns]
        if None in keys or frame.empty:
            return frame  # the parser reports the missing key column
        texts = pd.DataFrame({c: _texts(frame[c]) for c in frame.columns})
        first = ~texts.duplicated(subset=keys, keep="first").to_numpy()
        contract = set(imp.header_lookup(table).values())
        others = [c for c in frame.columns if c not in keys and (self._maps_to(c, table) in contract)]
        grouped = texts.assign(_pos=np.arange(len(texts))).groupby(keys, sort=False)
        head = grouped["_pos"].transform("first").to_numpy()
        for c in others:
            bad = np.flatnonzero((texts[c] != grouped[c].transform("first")).to_numpy())
            imp.listed(self.problems, bad, lambda pos: self.problem(
                pos, str(c), texts[c].iloc[pos], f"the rows of one {'+'.join(str(k) for k in keys)} disagree on {c} "
                f"(row {int(self.rows[head[pos]])}: '{imp.shorten(texts[c].iloc[head[pos]], 30)}'); one {table.name} row is taken per key "
                f"({self.where}.distinct) / 同一主键的多行取值不一致"))
        dropped = int((~first).sum())
        if dropped:
            self.warnings.append(f"{self.raw.label}: {table.name} takes one row per key; {dropped:,} repeated row(s) folded ({self.where}.distinct) "
                                 f"/ {dropped:,} 行重复主键已合并为一行")
        self.rows = self.rows[first]
        return frame[first].reset_index(drop=True)

    def _maps_to(self, column, table):
        lookup = imp.header_lookup(table)
        return lookup.get(imp._norm(self.rule.rename.get(column, str(column))))


class _FlagError(Exception):
    pass


# --------------------------------------------------------------------------- the importer's hook
def apply(profile: Profile, sources_by_name: dict, file: str, data: bytes, mapping: list, number_format, encoding: str | None):
    """Parse one source with every rule of ``profile`` that matches it.

    Returns (parsed tables, problems, warnings, handled): ``handled`` False when no rule matches
    (the importer then reads the file by its name). ``sources_by_name`` gives the other sources'
    contents (bytes or paths), for lookups.
    """
    rules = profile.rules_for(file)
    if not rules:
        if profile.is_lookup(file):  # a file only looked up is not a table
            return [], [], [f"{file}: used for lookups only, not imported ({profile.source}) / 仅用于查找，未导入"], True
        return [], [], [], False
    parsed, problems, warnings = [], [], []
    cache: dict = {}

    def lookups(glob, key, value, path):
        names = [n for n in sources_by_name if fnmatch.fnmatch(Path(n).name.lower(), glob.lower())]
        if len(names) != 1:
            return imp.Problem(profile.source, 0, path + ".file", glob, f"{len(names)} files match {glob!r}; a lookup needs exactly one "
                                                                        "/ 查找文件必须恰好匹配一个文件")
        name = names[0]
        if (name, key, value) not in cache:
            own = profile.rules_for(name)
            rule = own[0][1] if own else FileRule(match=name)
            raws = read_raw(rule, name, imp._content(sources_by_name[name]), encoding)
            raw = raws[0]
            if raw.problems:
                cache[(name, key, value)] = raw.problems[0]
            elif key not in raw.frame or value not in raw.frame:
                cache[(name, key, value)] = imp.Problem(name, 0, key if key not in raw.frame else value, "",
                                                        f"the lookup ({path}) needs columns {key!r} and {value!r} in {name} / 查找文件缺少列")
            else:
                keys, values = _texts(raw.frame[key]), raw.frame[value]
                table = dict(zip(keys[~keys.duplicated()].tolist(), values[~keys.duplicated()].tolist()))
                cache[(name, key, value)] = (table, name)
        return cache[(name, key, value)]

    for index, rule in rules:
        if rule.table is None:
            warnings.append(f"{file}: not imported (a profile entry without a table, {profile.source}: files[{index}]) / 按导入配置未导入")
            continue
        fmt = imp.NumberFormat(rule.decimal, "." if rule.decimal == "," else ",") if rule.decimal else number_format
        for raw in read_raw(rule, file, data, encoding):
            # a file feeding two tables is read once per entry: its reading problems are said once
            problems.extend(p for p in raw.problems if p not in problems)
            warnings.extend(w for w in raw.warnings if w not in warnings)  # read once per entry, said once
            if raw.problems:
                continue
            steps = _Steps(profile, index, rule, raw, fmt, lookups)
            frame, rows = steps.run()
            problems.extend(steps.problems)
            warnings.extend(steps.warnings)
            if steps.problems:
                continue
            if frame.empty and not len(frame.columns):
                continue
            if not len(frame) and len(raw.frame) and rule.filter:  # not "a header but no rows": the filters kept none
                problems.append(imp.Problem(raw.label, 0, ", ".join(dict.fromkeys(f.column for f in rule.filter)), "",
                                            f"no row is left after the profile's filters ({profile.source}: files[{index}].filter): "
                                            f"{len(raw.frame):,} row(s) read, none kept; check the values they keep "
                                            "/ 按导入配置的筛选条件没有剩下任何行"))
                continue
            renames = [(rule.table, src, dst) for src, dst in rule.rename.items()]
            sheet = _sheet(rule.table, raw.label, frame, rows, raw.encoding)
            pt, probs, warns = imp._parse_sheet(sheet, renames + list(mapping), fmt)
            problems.extend(p for p in probs if p.row or p.more or p not in problems)  # "a header but no rows": once per file
            unused, used = [], steps.used()
            for w in warns:  # one line for the columns the profile neither reads nor imports
                m = _IGNORED.match(w)
                if m and m[1] == raw.label:
                    if m[2] not in used and m[2] not in written_by(rule):
                        unused.append(m[2])
                else:
                    warnings.append(w)
            if unused:
                warnings.append(f"{raw.label}: not imported into {rule.table}: {', '.join(unused)} / 未导入的列")
            if pt is not None:
                parsed.append(pt)
    return parsed, problems, warnings, True


_IGNORED = re.compile(r"^(.*): column '(.*)' is not in the contract and was ignored / ")


def written_by_one(d) -> list[str]:
    """The columns one derivation writes."""
    to = getattr(d, "to", None)
    return [to] if isinstance(to, str) else list(to or [])


def written_by(rule: FileRule) -> set[str]:
    """The columns the rule's derivations write (``account_rest`` of a split included)."""
    return {name for d in rule.derive for name in written_by_one(d)}


def _sheet(table: str, label: str, frame: pd.DataFrame, rows: np.ndarray, encoding: str):
    """A transformed frame as the importer's ``_Sheet`` of one chunk per ``CHUNK_ROWS`` rows."""
    header = [str(c) for c in frame.columns]
    header_row = int(rows[0]) - 1 if len(rows) else 1

    def chunks():
        for start in range(0, len(frame), imp.CHUNK_ROWS):
            part = frame.iloc[start:start + imp.CHUNK_ROWS]
            columns = []
            for c in part.columns:
                values = part[c].tolist()
                columns.append(pa.array(values, type=pa.string()) if all(v is None or type(v) is str for v in values) else values)
            yield columns, rows[start:start + imp.CHUNK_ROWS]
    return imp._Sheet(table, label, header, max(header_row, 1), chunks(), encoding)
