"""From an overview warning to the record behind it, in a real browser (Debian's chromium through
Playwright, as tests/test_browser.py; skipped with the reason where either is absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_browser import browser, server  # noqa: F401 - the shared server and browser fixtures

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("BFI_SCREENSHOTS") or "test-results/screenshots")


@pytest.fixture()
def page(server, browser):  # noqa: F811 - a page of its own at the cockpit's screen size
    pg = browser.new_page(viewport={"width": 1920, "height": 1080})
    pg.set_default_timeout(60_000)
    yield pg
    pg.close()


def test_a_click_on_an_overview_warning_opens_its_work_order(server, page, small_sample):  # noqa: F811
    planted = small_sample["dataset_info"].set_index("info_key").info_value["planted_unposted_work_orders"].split(",")
    page.goto(f"{server}/?lang=zh")
    page.get_by_role("heading", name="经营总览").wait_for()
    group = page.get_by_test_id("stExpander").filter(has_text="完工未入账工单").first
    group.wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "warnings_overview_zh_1920.png"))
    group.locator("summary").click()
    item = group.get_by_role("button").filter(has_text="WO-").first
    item.wait_for()
    wo = item.inner_text().strip().split("（")[0].split()[-1]
    assert wo in planted
    item.click()
    page.get_by_role("heading", name=f"工单 {wo}").wait_for()
    assert f"work_order={wo}" in page.url and "/vouchers" in page.url
    page.screenshot(path=str(SCREENSHOTS / "warnings_drill_zh_1920.png"))
