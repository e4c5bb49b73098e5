"""Build the sample plant into a database: generate, then load atomically."""

from __future__ import annotations

import datetime as dt

from data_loaders.build import Progress, load_into
from sample_data.generator import SampleConfig, generate


def build_sample(url: str, scale: float = 1.0, as_of: dt.date | None = None, progress: Progress | None = None) -> dict[str, int]:
    """Generate the sample plant (as of ``as_of``, default today) into ``url``; rows per table."""
    report = progress or (lambda fraction, message: None)
    report(0.0, "generating")
    frames = generate(SampleConfig(as_of=as_of or dt.date.today(), scale=scale))
    return load_into(url, frames, report)
