"""The cockpit in a real browser at the meeting-room size: warnings, the twelve KPI cards and the
profit bridge fit one 1920×1080 screen without scrolling, in Chinese and in English.

A screenshot of the first screen of each language goes to ``BFI_SCREENSHOTS`` (default
test-results/screenshots) as ``cockpit_<lang>.png``, the whole page as ``cockpit_<lang>_full.png``."""

from __future__ import annotations

import pytest

from tests.test_browser import SCREENSHOTS, _screenshot, _settle, browser, server  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser
WIDTH, HEIGHT = 1920, 1080
TITLES = {"zh": "经营总览", "en": "Management overview"}

BOXES_JS = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const box = (e) => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, height: r.height}; };
  return {
    scrollTop: main ? main.scrollTop : 0,
    cards: [...document.querySelectorAll('[data-testid=stMetric]')].map(box),
    bridge: [...document.querySelectorAll('.st-key-overview_bridge_chart .js-plotly-plot')].map(box),
    // the warnings panel: one expander per kind (ui/warnings_panel.py), or its "no warnings" alert
    warnings: [...document.querySelectorAll('[data-testid=stExpander], [data-testid=stAlert]')].map(box),
    summary: [...document.querySelectorAll('[data-testid=stMarkdownContainer] a')].map(a => a.getAttribute('href')),
  };
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cards_and_bridge_fit_the_first_screen(server, browser, lang):  # noqa: F811 - fixtures
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{server}/?lang={lang}")
        page.get_by_role("heading", name=TITLES[lang]).first.wait_for()
        page.locator(".st-key-overview_bridge_chart .js-plotly-plot").first.wait_for()
        _settle(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"cockpit_{lang}.png"))  # the first screen only: what fits without scrolling
        boxes = page.evaluate(BOXES_JS)
        _screenshot(page, SCREENSHOTS / f"cockpit_{lang}_full.png", WIDTH, HEIGHT)  # the summary, table and trend below
        # a summary sentence's link opens its page (a new tab, Streamlit's rule for links) in the same language
        ledger = {"zh": "总账与损益", "en": "Ledger and P&L"}[lang]
        with page.expect_popup() as opened:
            page.get_by_role("link", name=f"{ledger} →").first.click()
        target = opened.value
        target.get_by_role("heading", name=ledger).first.wait_for()
        target.close()
    finally:
        page.close()
    assert boxes["scrollTop"] == 0
    assert len(boxes["cards"]) == 12
    assert len(boxes["bridge"]) == 1 and boxes["bridge"][0]["height"] > 250
    assert boxes["warnings"], "the warnings come first"
    first_card = min(c["top"] for c in boxes["cards"])
    assert all(w["top"] < first_card for w in boxes["warnings"][:1])  # warnings above the cards
    below = [c for c in boxes["cards"] + boxes["bridge"] if c["bottom"] > HEIGHT]
    assert not below, f"below the fold at {WIDTH}x{HEIGHT}: {below}"
    # the summary's sentences link to the pages that explain them, with the view's language
    # (relative, so that they keep the app's path prefix; the default view's filters are not in the URL)
    links = [href for href in boxes["summary"] if href and not href.startswith("#")]
    assert {"ledger", "profitability", "cash"} <= {href.split("?")[0] for href in links}, links
    assert all(("lang=en" in href) == (lang == "en") for href in links), links
