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
