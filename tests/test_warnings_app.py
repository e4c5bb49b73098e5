"""The overview's warnings through Streamlit's AppTest on the small sample: grouped by kind with
count and amount at stake, most serious first, and one click opens the record behind an item."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[1] / "app.py")


@pytest.fixture
def overview(app_data_dir):
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_overview_shows_the_grouped_warnings_first(overview, small_sample):
    at = overview
    labels = [e.label for e in at.expander]
    groups = {kind: next((label for label in labels if kind in label), None) for kind in ("预算超支", "完工未入账工单", "应收逾期")}
    assert all(groups.values()), labels
    assert "1 项" in groups["预算超支"] and "3 项" in groups["完工未入账工单"] and "涉及金额 ¥" in groups["应收逾期"]
    assert any(c.value.startswith("共 ") and "项严重" in c.value for c in at.caption)
    # the planted stories, one item each (docs/SAMPLE_DATA.md)
    planted = small_sample["dataset_info"].set_index("info_key").info_value["planted_unposted_work_orders"].split(",")
    unposted = [b.label for b in at.button if b.key and b.key.startswith("wn_unposted_work_orders_")]
    assert sorted(label.split("（")[0] for label in unposted) == sorted(planted)
    assert any("P2-MNT" in b.label for b in at.button if b.key == "wn_budget_overrun_0")
    assert any("C07" in b.label or "成都燃气" in b.label for b in at.button if b.key == "wn_receivables_overdue_0")
    # the subheader comes before the KPI cards: warnings first
    headers = [h.value for h in at.subheader]
    assert headers.index("预警") < headers.index(next(h for h in headers if h != "预警"))


def test_a_warning_opens_its_work_order_in_the_drill_down(overview):
    at = overview
    button = at.button(key="wn_unposted_work_orders_0")
    wo = button.label.split("（")[0]
    assert wo.startswith("WO-")
    button.click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "凭证追溯"
    assert at.query_params["work_order"] == wo
    assert any(wo in h.value for h in at.subheader)


def test_the_rest_of_a_large_group_is_behind_a_toggle(overview):
    at = overview
    toggles = [t for t in at.toggle if t.key and t.key.endswith("_rest")]
    assert toggles, "the cost-variance group has more than five items on the sample"
    toggle = toggles[0]
    kind = toggle.key[len("wn_"):-len("_rest")]
    shown = [b for b in at.button if b.key and b.key.startswith(f"wn_{kind}_")]
    assert len(shown) == 5
    toggle.set_value(True)
    at.run()
    assert len([b for b in at.button if b.key and b.key.startswith(f"wn_{kind}_")]) > 5


@pytest.fixture
def users_file(tmp_path, monkeypatch):
    from data_loaders import audit, users

    path = tmp_path / "users.toml"
    monkeypatch.setenv(users.USERS_ENV, str(path))
    monkeypatch.setenv(audit.STORE_ENV, str(tmp_path / "app_store.sqlite"))
    users.add_user("pat", "analyst", PASSWORD, plants=("P1",))
    users.add_user("vic", "viewer", PASSWORD)
    return path


PASSWORD = "correct horse 42"


def _signed_in(login: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.text_input(key="auth_user").input(login)
    at.text_input(key="auth_password").input(PASSWORD)
    at.button[0].click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_plant_limited_user_sees_only_their_plants_warnings(users_file, app_data_dir):
    at = _signed_in("pat")
    labels = [b.label for b in at.button if b.key and b.key.startswith("wn_")]
    assert labels, "P1 has warnings on the sample"
    assert not any("P2" in label for label in labels)  # no P2 cost center, order, plant or voucher
    unposted = [b.label for b in at.button if b.key and b.key.startswith("wn_unposted_work_orders_")]
    assert unposted and all("（P1）" in label for label in unposted)


def test_a_viewer_reads_the_warnings_without_links_to_pages_they_may_not_open(users_file, app_data_dir):
    at = _signed_in("vic")
    assert at.title[0].value == "经营总览"
    assert [e.label for e in at.expander if "完工未入账工单" in e.label]
    assert not [b for b in at.button if b.key and b.key.startswith("wn_")]  # the items are text, not buttons
    assert any("无完工凭证" in m.value for m in at.markdown)


@pytest.mark.parametrize("key, title", [("wn_budget_overrun_0", "预算执行与控制"), ("wn_receivables_overdue_0", "资金预测与营运资本"),
                                        ("wn_cost_variance_0", "产品盈利与成本差异")])
def test_a_warning_opens_its_page_with_the_record_keys_and_the_filters(overview, key, title):
    at = overview
    item = at.button(key=key)
    item.click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == title
    if key == "wn_budget_overrun_0":
        assert at.query_params["cost_center"] == "P2-MNT" and at.query_params["account"] == "510103"
