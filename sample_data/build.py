"""Build the sample plant into a database: generate, then load atomically (one writer at a time)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from data_loaders.build import Progress, load_into
from sample_data.generator import SampleConfig, generate_parts


def build_sample(url: str, scale: float = 1.0, as_of: dt.date | None = None, progress: Progress | None = None,
                 timeout: float = 0.0) -> dict[str, int]:
    """Generate the sample plant (as of ``as_of``, default today) into ``url``; rows per table.

    An existing DuckDB file is kept in ``backups/`` first. Raises ``DatabaseBusy`` when another
    writer holds the database for more than ``timeout`` seconds.
    """
    report = progress or (lambda fraction, message: None)
    report(0.0, "generating")
    parts = generate_parts(SampleConfig(as_of=as_of or dt.date.today(), scale=scale))
    first = next(parts)
    # the ledger is generated (numpy, much of it outside the interpreter lock) while the plant's
    # other tables are stored (DuckDB, outside it): docs/PERFORMANCE.md, "h-build (session 11)"
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="generate-ledger") as pool:
        every = pool.submit(next, parts)

        def later():
            tables = every.result()
            parts.close()  # the generator's own references to the tables go: the load frees each once stored
            return tables

        try:
            return load_into(url, first, report, timeout=timeout, kind="build-sample", consume=True, later=later)
        finally:
            every.cancel()
