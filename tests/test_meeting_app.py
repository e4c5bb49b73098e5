"""The meeting page through Streamlit's AppTest: freeze October, walk the agenda with "next",
record an action item, see it carried into November's meeting; the numbers on screen stay
frozen when an import swaps the data underneath; viewers watch, and a P1 user meets on P1."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from data_loaders import engine as eng
from data_loaders import meeting_store as store
from tests.test_access import users_file  # noqa: F401 - the users fixture

# whole meeting snapshots and packs per test: with the browser tests in CI's third step (README, "Test")
pytestmark = pytest.mark.long

APP = str(Path(__file__).parents[1] / "app.py")
TITLES = ["经营指标", "毛利桥：上月 → 本月", "成本差异", "OEE 损失（金额）", "预算执行", "资金预测与营运资本", "预警", "行动项"]


@pytest.fixture
def own_app(app_data_dir, tmp_path, monkeypatch):
    """The app over a copy of the sample (this test changes it) with an app store of its own."""
    data_dir = tmp_path / "data"
    shutil.copytree(app_data_dir, data_dir)
    (data_dir / "app_store.sqlite").unlink(missing_ok=True)
    monkeypatch.setenv(eng.DATA_DIR_ENV, str(data_dir))
    monkeypatch.setenv("BFI_APP_STORE", str(tmp_path / "app_store.sqlite"))
    return data_dir


def _meeting(at: AppTest) -> AppTest:
    at.switch_page("pages/meeting.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _ok(element) -> AppTest:
    """Run the app after an interaction with ``element``; no exception."""
    at = element.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _revenue(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "营业收入")


def _double_october_revenue(data_dir: Path) -> None:
    """What an import does, in small: a changed copy of the database swapped in for the file."""
    live = data_dir / eng.DB_FILE
    copy = data_dir / "changed.duckdb"
    shutil.copy(live, copy)
    engine = eng.make_engine(f"duckdb:///{copy}")
    with engine.begin() as conn:
        codes = [r[0] for r in conn.execute(sa.text("SELECT account_code FROM accounts WHERE category = 'revenue'"))]
        lines = sa.table("voucher_lines", sa.column("period"), sa.column("account_code"), sa.column("credit_amount"),
                         sa.column("debit_amount"))
        conn.execute(lines.update().where(lines.c.period == "2026-10", lines.c.account_code.in_(codes))
                     .values(credit_amount=lines.c.credit_amount * 2, debit_amount=lines.c.debit_amount * 2))
        conn.execute(sa.text("UPDATE dataset_info SET info_value = 'import-during-meeting' WHERE info_key = 'data_version'"))
    engine.dispose()
    os.replace(copy, live)


def test_walk_the_agenda_record_an_item_and_meet_again_next_month(own_app):
    at = _meeting(AppTest.from_file(APP, default_timeout=180))
    assert at.title[0].value == "业财联席会"
    assert any("本月还没有快照" in i.value for i in at.info)
    _ok(at.button(key="mt_freeze").click())
    assert [t.value for t in at.title] == [TITLES[0]]
    assert at.button(key="mt_prev").disabled
    shown = [at.title[0].value]
    for _ in range(7):
        _ok(at.button(key="mt_next").click())
        shown.append(at.title[0].value)
    assert shown == TITLES
    assert at.button(key="mt_next").disabled
    _ok(at.button(key="mt_prev_page").click())  # PageUp, as a clicker sends
    assert at.title[0].value == TITLES[6]
    for _ in range(3):
        _ok(at.button(key="mt_prev").click())
    assert at.title[0].value == TITLES[3]  # OEE loss: record an item there
    at.text_input(key="mt_action_text").input("包装线卡料：本月内处理")
    at.text_input(key="mt_action_owner").input("李工")
    _ok(at.button(key="mt_add_action").click())
    assert any("包装线卡料：本月内处理" in m.value and "李工" in m.value for m in at.markdown)
    at.text_area(key="mt_comment_text").input("降速损失集中在包装线")
    _ok(at.button(key="mt_add_comment").click())
    assert any("降速损失集中在包装线" in m.value for m in at.markdown)
    _ok(at.button(key="mt_add_action").click())  # nothing typed: says what is missing
    assert any("负责人" in w.value for w in at.warning)

    # next month's meeting opens with October's open item
    _ok(at.button(key="mt_exit").click())
    _ok(at.selectbox(key="month.zh").set_value("2026-11"))
    assert any("2026年11月" in s.value for s in at.subheader)
    _ok(at.button(key="mt_freeze").click())
    for _ in range(7):
        _ok(at.button(key="mt_next").click())
    assert at.title[0].value == "行动项"
    assert {m.label: m.value for m in at.metric}["上月结转"] == "1"  # frozen into November's snapshot
    assert any("包装线卡料：本月内处理" in m.value and "2026年10月 提出" in m.value for m in at.markdown)
    # closed in November's meeting
    item = store.meeting_items("2026-11")[0]
    _ok(at.selectbox(key=f"mt_status_{item['id']}.zh").set_value("done"))
    assert store.meeting_items("2026-11")[0]["closed_month"] == "2026-11"
    assert store.meeting_items("2026-12") == []


def test_numbers_on_screen_stay_frozen_when_an_import_lands(own_app):
    at = _meeting(AppTest.from_file(APP, default_timeout=180))
    _ok(at.button(key="mt_freeze").click())
    before = _revenue(at)
    _double_october_revenue(own_app)
    _ok(at.button(key="mt_next").click())
    _ok(at.button(key="mt_prev").click())
    assert at.title[0].value == TITLES[0]
    assert _revenue(at) == before  # the snapshot's number, not the new data's
    # the app did see the import: a snapshot frozen now has the new revenue
    _ok(at.button(key="mt_exit").click())
    _ok(at.button(key="mt_freeze").click())
    assert _revenue(at) != before
    snapshots = store.snapshots("2026-10")
    assert [s["data_version"] for s in snapshots][0] == "import-during-meeting"
    # and the first one reopens as it was
    _ok(at.button(key="mt_exit").click())
    _ok(at.selectbox(key="mt_pick.zh").set_value(snapshots[-1]["id"]))
    _ok(at.button(key="mt_open").click())
    assert _revenue(at) == before


def _stub(month: str, plants: list[str], revenue: float) -> dict:
    """A snapshot with one card per topic: enough to see whose snapshot a user is shown."""
    card = {"label_key": "kpi_revenue", "value": revenue, "kind": "money", "compare": {"prior_month": None, "last_year": None, "budget": None}}
    return {"version": 1, "month": month, "plants": plants, "currency": "CNY", "as_of": "2026-11-22", "data_version": "v",
            "created_at": "2026-12-01T09:00:00", "created_by": "ada",
            "topics": [{"key": k, "title_key": f"mt_topic_{k}", "cards": [card], "tables": [], "chart": None, "notes": []}
                       for k in ("kpis", "bridge", "cost_variances", "oee_loss", "budget", "cash", "warnings", "actions")]}


def test_viewers_watch_and_a_plant_limited_user_meets_on_their_plant_only(own_app, users_file):  # noqa: F811
    from tests.test_access import _app, _sign_in

    everything = store.save_snapshot(_stub("2026-10", [], 2_000_000.0))
    p1 = store.save_snapshot(_stub("2026-10", ["P1"], 1_000_000.0))
    store.add_action("2026-10", "kpis", "全厂事项", "Ada", None, "ada", [])
    store.add_action("2026-10", "kpis", "一厂事项", "Ada", None, "ada", ["P1"])

    at = _meeting(_sign_in(_app(), "pat"))  # analyst limited to P1
    assert "mt_freeze" not in [b.key for b in at.button]  # analysts watch
    assert at.selectbox(key="mt_pick.zh").value == p1
    assert len(at.selectbox(key="mt_pick.zh").options) == 1  # not the all-plant snapshot
    _ok(at.button(key="mt_open").click())
    assert _revenue(at) == "¥100.00万"
    assert any("工厂 P1" in m.value for m in at.markdown)
    assert any("只读" in i.value for i in at.info)
    assert not [w for w in at.text_input if w.key == "mt_action_text"]
    for _ in range(7):
        _ok(at.button(key="mt_next").click())
    shown = " ".join(m.value for m in at.markdown)
    assert "一厂事项" in shown and "全厂事项" not in shown

    at = _meeting(_sign_in(_app(), "vic"))  # a viewer (all plants) may open the meeting and watch
    assert "mt_freeze" not in [b.key for b in at.button]
    assert len(at.selectbox(key="mt_pick.zh").options) == 2  # newest first: the P1 one, then the all-plant one
    _ok(at.selectbox(key="mt_pick.zh").set_value(everything))
    _ok(at.button(key="mt_open").click())
    assert _revenue(at) == "¥200.00万"
    assert "mt_comment_text" not in [w.key for w in at.text_area]


def test_the_month_end_pack_downloads_from_the_chosen_snapshot(own_app):
    """Freeze October, leave the presentation: the pack of that snapshot is three downloads
    (workbook, PowerPoint, PDF), built in the session language; the export is audited."""
    from data_loaders import audit

    at = _meeting(AppTest.from_file(APP, default_timeout=300))
    _ok(at.button(key="mt_freeze").click())
    _ok(at.button(key="mt_exit").click())
    assert not at.get("download_button")
    _ok(at.button(key="mt_pack_build").click())
    names = sorted(b.proto.label for b in at.get("download_button"))
    assert names == ["deck.pdf", "deck.pptx", "pack.xlsx"], names
    assert len(audit.entries(action="export_pack")) == 1
