"""The month-end pack's assembly: the meeting snapshot it is written from, checked against the
shape the meeting mode and the pack share (``reports.meeting``'s docstring).

``pack_snapshot`` builds the month's snapshot and stores it (so the meeting can reopen the very
numbers the pack shows), or reopens a stored one. The files themselves are written by
``ui.pack.write_pack`` from the snapshot alone. No SQL here (loaders and the app store do it),
no formatting (``ui``).
"""

from __future__ import annotations

import math
import re

from sqlalchemy.engine import Engine

from data_loaders import meeting_store
from data_loaders import queries as q
from data_loaders.scope import Scope
from reports.meeting import AGENDA, VERSION, build_snapshot

CARD_KINDS = ("money", "pct", "qty", "days", "ratio")
COLUMN_KINDS = CARD_KINDS + ("text", "code")
CHART_KINDS = ("bridge", "bar", "line")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class NoData(Exception):
    """The database holds no vouchers for the month: there is nothing to put in a pack."""


class NotFound(Exception):
    """A plant or snapshot asked for does not exist, is not the user's to see, or is of another month."""


def check_month(month: str) -> str:
    """``month`` when it is ``YYYY-MM``; ValueError otherwise."""
    if not isinstance(month, str) or not _MONTH.match(month):
        raise ValueError(f"month: not a month YYYY-MM: {month!r}")
    return month


def check_snapshot(snapshot: dict) -> dict:
    """``snapshot`` when it has the shared shape: version, month, one topic per agenda item in
    agenda order, known kinds, a value per column in every row, a value per category in every
    chart series. Raises ValueError naming the first thing that is not so."""
    if snapshot.get("version") != VERSION:
        raise ValueError(f"snapshot: version {snapshot.get('version')!r}, this app writes packs of version {VERSION}")
    check_month(snapshot.get("month"))
    keys = [t.get("key") for t in snapshot.get("topics", [])]
    if tuple(keys) != AGENDA:
        raise ValueError(f"snapshot: topics {keys} are not the agenda {list(AGENDA)}")
    for topic in snapshot["topics"]:
        where = f"snapshot topic {topic['key']!r}"
        for card in topic.get("cards") or []:
            if card.get("kind") not in CARD_KINDS:
                raise ValueError(f"{where}: card {card.get('label_key')!r} has kind {card.get('kind')!r}, not one of {CARD_KINDS}")
        for table in topic.get("tables") or []:
            columns = table.get("columns") or []
            bad = [c.get("kind") for c in columns if c.get("kind") not in COLUMN_KINDS]
            if bad:
                raise ValueError(f"{where}: table {table.get('title_key')!r} has column kinds {bad}, not in {COLUMN_KINDS}")
            if any(len(row) != len(columns) for row in table.get("rows") or []):
                raise ValueError(f"{where}: table {table.get('title_key')!r} has a row without one value per column")
        chart = topic.get("chart")
        if chart:
            if chart.get("kind") not in CHART_KINDS:
                raise ValueError(f"{where}: chart kind {chart.get('kind')!r} is not one of {CHART_KINDS}")
            n = len(chart.get("categories") or [])
            if any(len(s.get("values") or []) != n for s in chart.get("series") or []):
                raise ValueError(f"{where}: a chart series without one value per category")
    return snapshot


def table_totals(snapshot: dict) -> dict[str, list[dict[str, float]]]:
    """topic key -> per table, the sum of each money and quantity column (missing cells left out),
    money to the cent: what a reader adds up in the workbook.

    >>> table_totals({"topics": [{"key": "bridge", "tables": [{"columns": [{"key": "amount", "kind": "money"}],
    ...                                                       "rows": [[0.1], [0.2], [None]]}]}]})
    {'bridge': [{'amount': 0.3}]}
    """
    out = {}
    for topic in snapshot["topics"]:
        sums = []
        for table in topic.get("tables") or []:
            totals = {}
            for i, column in enumerate(table["columns"]):
                if column["kind"] in ("money", "qty"):
                    values = [row[i] for row in table["rows"] if row[i] is not None and math.isfinite(float(row[i]))]
                    total = math.fsum(float(v) for v in values)
                    totals[column["key"]] = round(total, 2) + 0.0 if column["kind"] == "money" else total
            sums.append(totals)
        out[topic["key"]] = sums
    return out


def pack_snapshot(engine: Engine, scope: Scope, month: str, *, snapshot_id: int | None = None, created_by: str = "",
                  save: bool = True) -> tuple[dict, int | None]:
    """The snapshot a pack of ``month`` is written from, and its id in the app store.

    ``scope.plants``: the plants asked for, already narrowed to the user's limit. With
    ``snapshot_id``: that stored snapshot (NotFound when there is none, it belongs to plants
    outside ``scope.plants``, or it is of another month). Otherwise a new snapshot of the month,
    with the action items the meeting would open with, stored when ``save`` (id None when not).
    Raises NoData when the database holds no vouchers for ``month``, NotFound for a plant that does not exist.
    """
    check_month(month)
    options = q.load_filter_options(engine)
    unknown = sorted(set(scope.plants) - {plant for plant, _ in options["plants"]})
    if unknown:
        raise NotFound(f"no plant {', '.join(unknown)} (not found or not permitted)")
    if snapshot_id is not None:
        snapshot = meeting_store.load_snapshot(snapshot_id, scope.plants)
        if snapshot is None:
            raise NotFound(f"no snapshot {snapshot_id} (not found or not permitted)")
        if snapshot.get("month") != month:
            raise NotFound(f"snapshot {snapshot_id} is of {snapshot.get('month')}, not {month}")
        return check_snapshot(snapshot), snapshot_id
    if month not in options["periods"]:
        raise NoData(f"no vouchers for {month} in the database: nothing to put in a pack / 该月没有数据")
    snapshot = build_snapshot(engine, Scope(month, month, tuple(scope.plants)), month=month, created_by=created_by,
                              action_items=meeting_store.meeting_items(month, scope.plants))
    check_snapshot(snapshot)
    return snapshot, (meeting_store.save_snapshot(snapshot) if save else None)
