"""Build the sample plant into a database: generate, then load atomically (one writer at a time)."""

from __future__ import annotations

import datetime as dt

from data_loaders.build import Progress, load_into
from sample_data.generator import SampleConfig, generate_tables


def build_sample(url: str, scale: float = 1.0, as_of: dt.date | None = None, progress: Progress | None = None,
                 timeout: float = 0.0) -> dict[str, int]:
    """Generate the sample plant (as of ``as_of``, default today) into ``url``; rows per table.

    An existing DuckDB file is kept in ``backups/`` first. Raises ``DatabaseBusy`` when another
    writer holds the database for more than ``timeout`` seconds.
    """
    report = progress or (lambda fraction, message: None)
    report(0.0, "generating")
    frames = generate_tables(SampleConfig(as_of=as_of or dt.date.today(), scale=scale))
    return load_into(url, frames, report, timeout=timeout, kind="build-sample", consume=True)
