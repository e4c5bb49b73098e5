"""The Data page's mapping screen, beyond renames and constants (#15): the reading options a user
picks (delimiter, encoding), a value map and a row filter per source column, as a profile entry.

A value map is typed as ``from = to`` pairs separated by ``;`` (``1 = actual; 2 = original;
* = *``: ``*`` is every other value, as in a profile's ``map``); a filter as the values to keep,
separated by ``;`` or ``,``. Both speak the file's column names (``column 1`` … for a file
without a header row), as a profile's ``map`` and ``filter`` do (docs/IMPORT_PROFILES.md).

>>> parse_value_map("1 = actual; 2=original")
{'1': 'actual', '2': 'original'}
>>> parse_keep("2; 3")
['2', '3']
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from data_loaders.profiles import FileRule, read_raw, rule_from_mapping

DELIMITER_CHOICES = ("auto", "comma", "semicolon", "pipe", "tab")
ENCODING_CHOICES = ("auto", "utf-8", "gbk", "gb18030", "cp1252")


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


def first_row(file: str, data: bytes, delimiter: str = "auto", encoding: str | None = None) -> list[str]:
    """The first row's cells read with the chosen delimiter and encoding (``[]`` when the file
    cannot be read so: the preview then names the problem)."""
    rule = FileRule(match=Path(file).name, delimiter=delimiter, encoding=encoding, header=False, columns=["c"])
    raws = read_raw(rule.model_copy(update={"header": True, "columns": None}), file, data)
    if not raws or raws[0].problems:
        return []
    return [str(c) for c in raws[0].frame.columns]


def rule_from_screen(file: str, table: str | None, header: bool, sources: list[str], delimiter: str | None,
                     columns: dict[str, str], constants: dict[str, str], encoding: str | None = None,
                     maps: dict[str, str] | None = None, keep: dict[str, str] | None = None) -> FileRule:
    """``profiles.rule_from_mapping`` with an encoding, value maps and filters by source column
    (the texts the screen's fields hold, see the module docstring). Raises pydantic's
    ``ValidationError`` with one error per field that does not read, located as in the TOML."""
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
    if not (encoding not in (None, "", "auto") or value_maps or filters):
        return base
    # filters and maps run before `ignore` (docs/IMPORT_PROFILES.md): a column may filter the rows
    # and still be left out of the table
    return FileRule.model_validate({
        **base.model_dump(by_alias=True, exclude_defaults=True, exclude_none=True),
        "encoding": None if encoding in (None, "", "auto") else encoding,
        "map": value_maps, "filter": filters,
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
