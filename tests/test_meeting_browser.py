"""Meeting mode in a real browser at 1920×1080: freeze a snapshot, walk the agenda with the
keyboard (→ and PageDown as a clicker sends, ← back), screenshot every topic in Chinese and
English, and check what a room reads: no sidebar, body type of at least 28 px.

Screenshots go to ``$BFI_SCREENSHOTS/meeting`` (default ``test-results/screenshots/meeting``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.test_browser import _start_server, _stop_server, browser  # noqa: F401 - the browser fixture

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
SHOTS = Path(os.environ.get("BFI_SCREENSHOTS") or ROOT / "test-results" / "screenshots") / "meeting"
TITLES = {
    "zh": ["经营指标", "毛利桥：上月 → 本月", "成本差异", "OEE 损失（金额）", "预算执行", "资金预测与营运资本", "预警", "行动项"],
    "en": ["Key figures", "Profit bridge: last month → this month", "Cost variances", "OEE loss in money", "Budget execution",
           "Cash forecast and working capital", "Warnings", "Action items"],
}


@pytest.fixture(scope="module")
def meeting_server(app_data_dir, tmp_path_factory):
    """A server over a copy of the sample with an app store of its own."""
    data_dir = tmp_path_factory.mktemp("meeting_app") / "data"
    shutil.copytree(app_data_dir, data_dir)
    (data_dir / "app_store.sqlite").unlink(missing_ok=True)
    proc, base = _start_server(data_dir)
    yield base
    _stop_server(proc)


def _title(page, text: str) -> None:
    """The topic ``text`` is on screen and its run has finished (no element of the previous
    topic is left over: Streamlit marks those stale until the run replaces them)."""
    page.get_by_role("heading", name=text, exact=True).first.wait_for()
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")


def _body_px(page) -> float:
    """The font size of the topic's notes and table cells (body text), in CSS px."""
    return page.evaluate("""() => {
        const els = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stCaptionContainer"] p, [data-testid="stMain"] td')];
        return Math.min(...els.map(e => parseFloat(getComputedStyle(e).fontSize)));
    }""")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_meeting_mode_walks_every_topic_by_keyboard_at_1920(meeting_server, browser, lang):  # noqa: F811
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.set_default_timeout(90_000)
    try:
        page.goto(f"{meeting_server}/meeting?month=2026-10" + ("&lang=en" if lang == "en" else ""))
        freeze = "冻结新快照" if lang == "zh" else "Freeze a new snapshot"
        page.get_by_role("button", name=freeze).click()
        titles = TITLES[lang]
        _title(page, titles[0])
        assert not page.get_by_test_id("stSidebar").is_visible()  # no sidebar in the room
        for i, title in enumerate(titles):
            _title(page, title)
            if 1 <= i <= 5:  # topics 2 to 6 have a chart: wait for it, then let it settle
                page.locator(".js-plotly-plot").first.wait_for()
            page.wait_for_timeout(800)
            assert page.get_by_text(f"{i + 1} / 8").first.is_visible()
            if page.locator('[data-testid="stMain"] td').count():
                assert _body_px(page) >= 28
            page.screenshot(path=str(SHOTS / f"{lang}_{i + 1}_{title.split('：')[0].split(':')[0].replace(' ', '_')}.png"))
            if i < len(titles) - 1:
                page.evaluate("() => document.activeElement && document.activeElement.blur()")  # keys go to the page, not a widget
                page.keyboard.press("ArrowRight" if i % 2 == 0 else "PageDown")
        page.keyboard.press("ArrowLeft")
        _title(page, titles[-2])
        page.keyboard.press("PageUp")
        _title(page, titles[-3])
        # typing an action item: the arrow keys move the cursor, not the slides
        page.get_by_text("评论与行动项" if lang == "zh" else "Comments and action items").first.click()
        field = page.get_by_label("行动项内容" if lang == "zh" else "What is to be done")
        field.click()
        field.type(f"abc-{lang}")
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        page.wait_for_timeout(2500)  # a slide change would have rerun by now
        assert page.get_by_text("6 / 8").first.is_visible()
        _title(page, titles[-3])
        page.get_by_label("负责人" if lang == "zh" else "Owner").first.fill("Li")
        page.get_by_role("button", name="添加行动项" if lang == "zh" else "Add action item").click()
        page.get_by_text(f"abc-{lang} — Li").first.wait_for()
        _title(page, titles[-3])  # the run has finished
        assert page.get_by_label("负责人" if lang == "zh" else "Owner").first.input_value() == ""  # the form is cleared
        page.get_by_text(f"abc-{lang} — Li").first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{lang}_record.png"))
    finally:
        page.close()
