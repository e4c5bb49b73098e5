"""The Data page's mapping screen, beyond renames and constants (#15): the reading options a user
picks (delimiter, encoding, rows to skip, decimal separator, a workbook's sheet), a value map and
a row filter per source column, and derivations (period, date, concat, split, sign,
debit_credit, sequence, copy), as a profile entry.

A value map is typed as ``from = to`` pairs separated by ``;`` (``1 = actual; 2 = original;
* = *``: ``*`` is every other value, as in a profile's ``map``); a filter as the values to keep,
separated by ``;`` or ``,``. Both speak the file's column names (``column 1`` … for a file
without a header row), as a profile's ``map`` and ``filter`` do (docs/IMPORT_PROFILES.md).

>>> parse_value_map("1 = actual; 2=original")
{'1': 'actual', '2': 'original'}
>>> parse_keep("2; 3")
['2', '3']
>>> derivation_from_screen("concat", {"from": ["org", "dept"], "sep": "-", "to": "cost_center_id"})
{'op': 'concat', 'from': ['org', 'dept'], 'sep': '-', 'to': 'cost_center_id'}
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

from pydantic import TypeAdapter, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from data_loaders import importer as imp
from data_loaders import schema
from data_loaders.profiles import Derive, FileRule, read_raw, rule_from_mapping, written_by_one

DELIMITER_CHOICES = ("auto", "comma", "semicolon", "pipe", "tab")
ENCODING_CHOICES = ("auto", "utf-8", "gbk", "gb18030", "cp1252")
DECIMAL_CHOICES = ("auto", ".", ",")
# the derivations the screen offers (the profile's others: lookup, fill_down, spread, in the TOML/YAML)
DERIVE_CHOICES = ("period", "date", "concat", "split", "sign", "debit_credit", "sequence", "copy")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_DERIVE = TypeAdapter(Derive)


def parse_value_map(text: str) -> dict[str, str]:
    """``"1 = actual; 2 = original"`` -> ``{"1": "actual", "2": "original"}``; raises ``ValueError``
    naming an item without ``=``."""
    out = {}
    for item in (x.strip() for x in (text or "").split(";")):
        if not item:
            continue
        if "=" not in item:
            raise ValueError(f"{item!r} is not 'from = to' (pairs are separated by ';')")
        source, target = (x.strip() for x in item.split("=", 1))
        out[source] = target
    return out


def parse_keep(text: str) -> list[str]:
    """``"2; 3"`` or ``"2, 3"`` -> ``["2", "3"]`` (blank items dropped)."""
    return [x.strip() for x in (text or "").replace(",", ";").split(";") if x.strip()]


def first_row(file: str, data: bytes, delimiter: str = "auto", encoding: str | None = None, skip_rows: int = 0,
              sheet: str | None = None) -> list[str]:
    """The first row's cells (after ``skip_rows`` lines; of ``sheet`` in a workbook) read with the
    chosen delimiter and encoding (``[]`` when the file cannot be read so: the preview then names
    the problem)."""
    rule = FileRule(match=Path(file).name, delimiter=delimiter, encoding=encoding, skip_rows=skip_rows,
                    sheet=sheet_glob(sheet) if sheet else None)
    raws = read_raw(rule, file, data)
    if not raws or raws[0].problems:
        return []
    return [str(c) for c in raws[0].frame.columns]


def is_workbook(file: str) -> bool:
    return Path(file).suffix.lower() in WORKBOOK_SUFFIXES


def sheet_names(file: str, data: bytes) -> list[str]:
    """A workbook's sheets in order (``[]`` for a text file or a workbook that cannot be opened)."""
    if not is_workbook(file):
        return []
    wb, _ = imp.open_workbook(bytes(data), file)
    if wb is None:
        return []
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def sheet_glob(name: str) -> str:
    """A sheet's name as the profile's ``sheet`` glob that matches it alone (Excel forbids ``*?[]`` in
    sheet names; escaped all the same, for workbooks written by other tools)."""
    return glob.escape(name)


def guess_columns(table: str, header: list[str]) -> dict[str, str]:
    """Contract column -> the first header naming it (names, Chinese labels, aliases), as
    ``profiles.guess`` does, for the table and header the screen shows."""
    from data_loaders import schema

    lookup = imp.header_lookup(schema.table_by_name(table))
    out: dict[str, str] = {}
    for h in header:
        target = lookup.get(imp._norm(h))
        if target and target not in out:
            out[target] = h
    return out


def derivation_from_screen(op: str, fields: dict) -> dict:
    """A profile's ``derive`` item from the screen's fields for ``op``: ``from`` (a column, or a
    list for ``concat``), ``to`` (a column, or a list for ``split`` and ``debit_credit``),
    ``sep``, ``indicator``, ``by`` (a list), and as typed texts (``"C; 贷"``, see ``parse_keep``)
    ``negative``/``positive`` (``sign``) and ``debit``/``credit`` (``debit_credit``).
    ``rest`` (``split``): the part after the last target is left out (written to a column named
    ``<from> (rest)``, which no contract column takes). Validated by the profile's own model;
    raises its ``ValidationError`` (locations as in the profile, ``from``, ``to`` …)."""
    item: dict = {"op": op}
    for key in ("from", "to", "sep", "indicator", "by"):
        value = fields.get(key)
        if value not in (None, "", []):
            item[key] = list(value) if isinstance(value, (list, tuple)) else value
    for key in ("negative", "positive", "debit", "credit"):
        if fields.get(key):
            item[key] = parse_keep(fields[key])
    if op == "split" and fields.get("rest") and isinstance(item.get("to"), list) and item.get("from"):
        item["to"] = item["to"] + [f"{item['from']} (rest)"]
    if op == "split":
        item.setdefault("sep", fields.get("sep") or "")  # a blank separator is refused by the model, named sep
    if op == "debit_credit" and isinstance(item.get("to"), list) and len(item["to"]) == 2 and "" in item["to"]:
        item["to"] = [x for x in item["to"] if x]  # both sides are needed: the model says so
    dumped = _DERIVE.validate_python(item).model_dump(by_alias=True, exclude_defaults=True, exclude_none=True)
    # read as it runs: op, from, its options, to
    return {"op": op} | {k: v for k, v in dumped.items() if k not in ("op", "to")} | ({"to": dumped["to"]} if "to" in dumped else {})


def derivation_text(item: dict, source=str, target=str, op=str, word=str, colon: str = ": ") -> str:
    """One line for the screen's list of derivations: ``concat: org + dept ("-") → cost_center_id``.

    The screen passes its language's labels: ``source`` for a column read (``column 3`` of a file
    without a header row), ``target`` for a contract column written, ``op`` for the kind and
    ``word`` for "by", "negative", "positive", "debit" and "credit" (``colon`` after the kind:
    "：" in Chinese); by default the profile's own names."""
    sources = item.get("from")
    parts = " + ".join(map(source, sources)) if isinstance(sources, list) else (source(sources) if sources else "")
    extra = []
    if item.get("sep"):
        extra.append(repr(item["sep"]))
    if item.get("indicator"):
        sides = ("negative", "positive") if item["op"] == "sign" else ("debit", "credit")
        extra.append(f"{source(item['indicator'])}: " + " / ".join(f"{word(s)} {', '.join(map(str, item.get(s, [])))}" for s in sides))
    if item.get("by"):
        extra.append(word("by") + " " + ", ".join(map(source, item["by"])))
    to = item.get("to")
    targets = ", ".join(map(target, to)) if isinstance(to, list) else target(to)
    said = " ".join(x for x in (parts, f"({'; '.join(extra)})" if extra else "") if x)
    return f"{op(item['op'])}{colon}{said} → {targets}"


def derived_list(derive: list[dict]) -> list[str]:
    """The columns the screen's derivations write, in their order, each once."""
    out: list[str] = []
    for item in derive or []:
        out += [name for name in written_by_one(_DERIVE.validate_python(item)) if name not in out]
    return out


def derived_columns(derive: list[dict]) -> set[str]:
    """The columns the screen's derivations write."""
    return set(derived_list(derive))


def missing_required(table: str, columns: dict[str, str], constants: dict[str, str], derive: list[dict]) -> list[str]:
    """The required contract columns of ``table`` with neither a source column, a constant nor a
    derivation writing them (a derivation's target counts as mapped)."""
    from data_loaders import schema

    written = derived_columns(derive)
    out = []
    for c in schema.table_by_name(table).columns:
        required = (not c.nullable or c.primary_key) and c.default is None
        if required and not columns.get(c.name) and not (constants.get(c.name) or "").strip() and c.name not in written:
            out.append(c.name)
    return out


def rule_from_screen(file: str, table: str | None, header: bool, sources: list[str], delimiter: str | None,
                     columns: dict[str, str], constants: dict[str, str], encoding: str | None = None,
                     maps: dict[str, str] | None = None, keep: dict[str, str] | None = None, skip_rows: int = 0,
                     decimal: str | None = None, sheet: str | None = None, derive: list[dict] | None = None,
                     round_amounts: bool = False) -> FileRule:
    """``profiles.rule_from_mapping`` with an encoding, value maps and filters by source column
    (the texts the screen's fields hold, see the module docstring), rows to skip, the decimal
    separator (``auto``: detected), a workbook's sheet (its name; ``""``: every sheet) and
    derivations (``derivation_from_screen`` items); ``round_amounts`` rounds every decimal column
    fed by the file or a derivation to its scale (``round``: an ERP's floats such as
    12.340000001). A contract column a derivation writes takes
    neither a source column nor a constant. Raises pydantic's ``ValidationError`` with one error
    per field that does not read, located as in the profile."""
    derive = list(derive or [])
    written = derived_columns(derive)
    columns = {c: ("" if c in written else src) for c, src in columns.items()}
    constants = {c: ("" if c in written else v) for c, v in constants.items()}
    base = rule_from_mapping(file, table, header, sources, delimiter, columns, constants)
    errors, value_maps, filters = [], {}, []
    for source, text in (maps or {}).items():
        try:
            parsed = parse_value_map(text)
        except ValueError as exc:
            errors.append(InitErrorDetails(type=PydanticCustomError("value_map", str(exc)), loc=("map", source), input=text))
            continue
        if parsed:
            value_maps[source] = parsed
    for source, text in (keep or {}).items():
        values = parse_keep(text)
        if values:
            filters.append({"column": source, "in": values})
    if errors:
        raise ValidationError.from_exception_data("FileRule", errors)
    decimal = None if decimal in (None, "", "auto") else decimal
    rounded = [c.name for c in schema.table_by_name(table).columns
               if imp._kind(c) == "numeric" and (columns.get(c.name) or c.name in written)] if round_amounts and table else []
    if not (encoding not in (None, "", "auto") or value_maps or filters or skip_rows or decimal or sheet or derive or rounded):
        return base
    # filters and maps run before `ignore` (docs/IMPORT_PROFILES.md): a column may filter the rows
    # and still be left out of the table; a derivation's target is never left out
    dumped = base.model_dump(by_alias=True, exclude_defaults=True, exclude_none=True)
    return FileRule.model_validate({
        **dumped,
        "encoding": None if encoding in (None, "", "auto") else encoding,
        "map": value_maps, "filter": filters, "skip_rows": int(skip_rows or 0), "decimal": decimal,
        "sheet": sheet_glob(sheet) if sheet else None, "derive": derive, "round": rounded,
        "ignore": [c for c in dumped.get("ignore", []) if c not in written],
    })


_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T].*)?|\d{8}")
_PERIOD = re.compile(r"\d{4}-?\d{2}")
_NUMBER = re.compile(r"[-+]?(\d{1,3}([,.' ]\d{3})*|\d+)([.,]\d+)?")


def _fits(column, cell: str) -> int | None:
    """1: the cell reads as the column's type (a date, a number, a period, one of its choices);
    0: any text fits a text column; None: it cannot be this column."""
    cell = cell.strip()
    if cell == "":
        return 0 if column.nullable else None
    kind = type(column.type).__name__
    if kind in ("Date", "DateTime"):
        return 1 if _DATE.fullmatch(cell) else None
    if kind in ("Integer", "Numeric"):
        return 1 if _NUMBER.fullmatch(cell) else None
    choices = column.info.get("choices")
    if choices:
        return 1 if cell.lower() in {str(c).lower() for c in choices} else None
    if column.name == "period":
        return 1 if _PERIOD.fullmatch(cell) else None
    return 0


def guess_headerless_table(row: list[str]) -> str | None:
    """The contract table a file without a header row most likely feeds, from its first row's
    cells read in the contract's column order (an export laid out like our templates): every cell
    must fit its column, the required columns must be there, and the table whose dates, numbers,
    periods and codes fit most cells wins (an exact column count counts half). None when no
    table fits or two fit equally well.

    >>> guess_headerless_table(["B1", "2026-03-31", "100000.00"])
    'cash_balances'
    """
    from data_loaders import schema

    scores = {}
    for table in schema.CONTRACT_TABLES:
        columns = list(table.columns)
        if len(row) > len(columns) or any(not c.nullable and i >= len(row) for i, c in enumerate(columns)):
            continue
        fits = [_fits(c, cell) for c, cell in zip(columns, row)]
        if None in fits:
            continue
        scores[table.name] = sum(fits) + (0.5 if len(row) == len(columns) else 0)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < 1 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return None
    return ranked[0][0]
