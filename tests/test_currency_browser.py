"""Plants of several currencies in a real browser (#15): every money page shows the plants side by
side, each in its own currency with no grand total, and one button per currency narrows the plant
filter so that the pages draw in that currency (Chinese at 1920x1080, English at 1440x900)."""

from __future__ import annotations

import pytest

from tests.test_browser import _start_server, _stop_server, browser  # noqa: F401 - the browser fixture
from tests.test_currency import build

pytestmark = pytest.mark.browser

SIZES = {"zh": (1920, 1080), "en": (1440, 900)}
MIXED = {"zh": "所选工厂使用不同币种", "en": "The chosen plants use different currencies"}
USD_BUTTON = {"zh": "只看美元工厂（P2）", "en": "Show the USD plants (P2)"}
SUBTOTAL = {"zh": "CNY 小计（P1、P3）", "en": "CNY subtotal (P1, P3)"}
REVENUE_USD = {"zh": "$300", "en": "$300"}  # P2's 300.00: under one 万 / one K, whole dollars
REVENUE = {"zh": "营业收入", "en": "Revenue"}


@pytest.fixture(scope="module")
def mixed_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("currency_browser")
    url = build(f"duckdb:///{folder / 'three_plants.duckdb'}")
    proc, base = _start_server(folder / "app_data", database_url=url)
    yield base
    _stop_server(proc)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plants_side_by_side_then_one_currency(mixed_server, browser, lang, tmp_path):  # noqa: F811
    width, height = SIZES[lang]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{mixed_server}/?lang={lang}")
        page.get_by_text(MIXED[lang]).first.wait_for()
        grid = page.locator("[data-testid='stDataFrame']").first
        grid.wait_for()
        page.get_by_text(SUBTOTAL[lang]).first.wait_for(state="attached")  # the CNY plants' subtotal ...
        assert page.locator("[data-testid='stMetric']").count() == 0  # ... and no card: nothing summed across currencies
        page.screenshot(path=str(tmp_path / f"mixed_{lang}.png"))
        page.get_by_role("button", name=USD_BUTTON[lang]).click()
        card = page.locator("[data-testid='stMetric']").filter(has_text=REVENUE[lang]).first
        card.wait_for()
        assert REVENUE_USD[lang] in card.inner_text()  # the overview draws, in USD
        assert "plant=P2" in page.url  # the narrowed filter is in the link
        page.screenshot(path=str(tmp_path / f"usd_{lang}.png"))
        traceback = page.get_by_text("Traceback")
        assert traceback.count() == 0
    finally:
        page.close()
