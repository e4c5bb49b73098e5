"""``facts.known``: inside the block ``facts.ready`` answers what the caller checked (the UI's
``facts_ready``, once per data version) for that engine only, nested blocks the innermost, and
the database again after it; the overview's parts computed so equal the reports (see
tests/test_overview_oee.py and tests/test_overview_reads.py)."""

from __future__ import annotations

import threading

from data_loaders import engine as eng
from data_loaders import facts


def test_known_answers_for_its_engine_only(sample_engine, sample_url):
    assert facts.ready(sample_engine)
    other = eng.make_engine(sample_url, read_only=True)
    try:
        with facts.known(sample_engine, False):
            assert not facts.ready(sample_engine)
            assert facts.ready(other)  # another engine asks its database
            with facts.known(sample_engine, True):
                assert facts.ready(sample_engine)
            assert not facts.ready(sample_engine)
            seen = []
            worker = threading.Thread(target=lambda: seen.append(facts.ready(sample_engine)))  # another thread: its own context
            worker.start()
            worker.join()
            assert seen == [True]
        assert facts.ready(sample_engine)
    finally:
        other.dispose()
