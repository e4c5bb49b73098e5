"""``cli.py refresh-facts`` after a load by another tool: a new data version with the facts, so
that open apps drop what they cached before the load (a company database's nightly ERP load
leaves ``dataset_info`` as it was); ``--keep-version`` keeps it. On every database."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

import cli
from data_loaders import engine as eng
from data_loaders import facts, schema
from data_loaders.build import stamp
from data_loaders.queries import load_data_stamp
from tests.conftest import write_with_facts


def _books(url: str) -> None:
    """A stamped database with one voucher and its facts (every family derived, from almost nothing)."""
    info = {"source": "test", "currency": "CNY", **stamp("build")}
    frames = {"dataset_info": pd.DataFrame({"info_key": list(info), "info_value": list(info.values())}),
              "vouchers": pd.DataFrame({"voucher_no": ["V-0001"], "voucher_date": [pd.Timestamp("2026-10-31")], "period": ["2026-10"],
                                        "voucher_type": ["GL"], "status": ["posted"], "plant_id": [None],
                                        "description": ["opening"]})}
    write_with_facts(url, frames).dispose()


def _stamps(url: str) -> dict:
    engine = eng.make_engine(url)
    try:
        info = schema.dataset_info
        with engine.connect() as conn:
            rows = dict(conn.execute(sa.select(info.c.info_key, info.c.info_value)).all())
        return {**rows, "ready": facts.ready(engine), "stamp": load_data_stamp(engine)}
    finally:
        engine.dispose()


def _voucher_count(url: str) -> int:
    engine = eng.make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(schema.vouchers)).scalar())
    finally:
        engine.dispose()


def test_refresh_after_another_tools_load_stamps_a_new_version(empty_url, capsys):
    _books(empty_url)
    before = _stamps(empty_url)
    assert before["ready"] and before["facts_version"] == before["data_version"]
    # another tool loads a voucher: the stamp does not move, the facts are stale in fact but not in name
    engine = eng.make_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(schema.vouchers.insert().values(
            voucher_no="ERP-0001", voucher_date=pd.Timestamp("2026-11-20").date(), period="2026-11", voucher_type="GL",
            description="loaded by the ERP", plant_id=None, status="posted"))
    engine.dispose()
    assert _stamps(empty_url)["data_version"] == before["data_version"]
    assert cli.main(["--db", empty_url, "refresh-facts"]) == 0
    after = _stamps(empty_url)
    assert after["data_version"] != before["data_version"] and len(after["data_version"]) == 32
    assert after["data_version_by"] == "refresh-facts" and after["stamp"]["data_version_by"] == "refresh-facts"
    assert after["facts_version"] == after["data_version"] and after["ready"]  # the facts go with the new version
    assert _voucher_count(empty_url) == 2  # the data itself is left as it is
    assert {k: v for k, v in after.items() if k not in ("data_version", "data_version_at", "data_version_by", "facts_version",
                                                        "stamp", "ready")} == \
        {k: v for k, v in before.items() if k not in ("data_version", "data_version_at", "data_version_by", "facts_version",
                                                      "stamp", "ready")}  # the other rows of dataset_info stay
    # --keep-version: the data did not change (new fact tables after an upgrade): same version, facts fresh
    assert cli.main(["--db", empty_url, "refresh-facts", "--keep-version"]) == 0
    kept = _stamps(empty_url)
    assert kept["data_version"] == after["data_version"] and kept["facts_version"] == kept["data_version"] and kept["ready"]
    capsys.readouterr()


def test_a_new_version_without_fresh_facts_leaves_them_stale(empty_url):
    """``restamp`` carries the facts over only when they were fresh for the old version."""
    from data_loaders.build import restamp

    _books(empty_url)
    engine = eng.make_engine(empty_url)
    try:
        info = schema.dataset_info
        with engine.begin() as conn:
            conn.execute(info.update().where(info.c.info_key == facts.VERSION_KEY).values(info_value="old"))
        assert not facts.ready(engine)
        new = restamp(engine, "test")
        assert _stamps(empty_url)["data_version"] == new["data_version"] and not facts.ready(engine)
    finally:
        engine.dispose()
