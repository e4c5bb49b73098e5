"""Chinese renders on a PC with no CJK font: the app serves its own subset of Noto Sans SC.

The font files must cover every Chinese character the app's labels and sample data use (the
subset is built by ``tools/build_font.py``; rebuild it when a label brings a new character),
the theme must name them, and in a real browser the Chinese title must be drawn with the
served font, not a system one (Chrome reports the fonts used for a node over DevTools).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, server  # noqa: F401 - the server fixture

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _faces():
    return CONFIG["theme"]["fontFaces"]


def test_the_theme_serves_both_weights_of_the_font_and_uses_it():
    assert CONFIG["server"]["enableStaticServing"] is True
    assert {face["weight"] for face in _faces()} == {400, 700}
    for face in _faces():
        assert face["url"].startswith("app/static/")
        assert (ROOT / face["url"].removeprefix("app/")).is_file(), face["url"]
    assert _faces()[0]["family"] in CONFIG["theme"]["font"]
    assert (ROOT / "static" / "fonts" / "OFL.txt").is_file()  # the licence travels with the font


def test_the_font_covers_every_chinese_character_of_the_app():
    ttlib = pytest.importorskip("fontTools.ttLib", reason="fonttools is a dev requirement")
    pytest.importorskip("brotli", reason="brotli reads WOFF2")
    used = set()
    for folder in ("ui", "pages", "sample_data", "data_loaders", "analytics", "reports"):
        for path in (ROOT / folder).rglob("*.py"):
            used.update(CJK.findall(path.read_text(encoding="utf-8")))
    assert len(used) > 300  # the labels really were read
    for face in _faces():
        cmap = ttlib.TTFont(ROOT / face["url"].removeprefix("app/")).getBestCmap()
        missing = sorted(c for c in used if ord(c) not in cmap)
        assert not missing, f"{face['url']} lacks {''.join(missing)}: run python tools/build_font.py"
        assert ord("铜") in cmap and ord("龄") in cmap  # GB2312 beyond the app's own words


@pytest.mark.browser
def test_chinese_is_drawn_with_the_served_font(server):  # noqa: F811
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{server}/data")
        page.get_by_role("heading", name="数据管理").wait_for()
        page.wait_for_function("document.fonts.status === 'loaded'")
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        h1 = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": h1})["fonts"]
        browser.close()
    used = {f["familyName"]: f for f in fonts}
    # every glyph of "数据管理" comes from the web font the app served
    assert any(f["isCustomFont"] and "Noto Sans CJK SC" in name for name, f in used.items()), fonts
    assert not [f for f in fonts if not f["isCustomFont"]], fonts
