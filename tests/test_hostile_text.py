"""Hostile text is inert (#14): names, descriptions and deep links carrying Markdown links,
images, colour directives and HTML are shown as typed on every page, never rendered.

The sample's master data and voucher descriptions are overwritten with the corpus below; every
page is drawn through AppTest and every Markdown-rendered element (titles, captions, alerts,
Markdown, toasts) is searched for live markup: an unescaped ``[text](url)``, ``![x](url)``,
``:red[…]`` or ``<tag``. Tables are not Markdown and are not searched.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from streamlit.testing.v1 import AppTest

from data_loaders import engine as eng
from data_loaders.build import load_into

APP = str(Path(__file__).parents[1] / "app.py")
LINK = "[Session expired - sign in](https://evil.example/login)"
IMAGE = "![i](https://evil.example/pixel.png)"
CORPUS = f"{LINK} {IMAGE} :red[RED] <b>bold</b> `x` $x$"  # 99 characters: fits every name column
LIVE = [
    re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\("),  # a link or an image
    re.compile(r"(?<!\\):(red|blue|green|orange|violet|gray|grey|rainbow|primary)\[(?!\\)"),  # a colour directive
    re.compile(r"(?<!\\)<(b|img|a|script)\b"),  # raw HTML
]
PAGES = ("overview", "production", "oee", "ledger", "profitability", "budget", "cash", "vouchers", "reconciliation", "data")


@pytest.fixture(scope="module")
def hostile_dir(small_sample, tmp_path_factory):
    frames = {name: frame.copy() for name, frame in small_sample.items()}
    for table, column in (("plants", "plant_name"), ("products", "product_name"), ("customers", "customer_name"),
                          ("cost_centers", "cost_center_name"), ("work_centers", "work_center_name"),
                          ("accounts", "account_name"), ("suppliers", "supplier_name"), ("materials", "material_name")):
        frames[table][column] = CORPUS
    frames["vouchers"]["description"] = CORPUS
    folder = tmp_path_factory.mktemp("hostile")
    load_into(f"duckdb:///{folder / eng.DB_FILE}", frames)
    return folder


def _markdown_texts(at: AppTest) -> list[str]:
    texts = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "error", "warning", "info", "success", "toast"):
        texts += [str(e.value) for e in at.get(kind)]
    return texts


def _chart_texts(at: AppTest) -> list[str]:
    """Every string Plotly would draw as a label (not our own hover templates) in every chart."""
    found: list[str] = []

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                if not k.endswith("template"):
                    walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str):
            found.append(value)

    for chart in at.get("plotly_chart"):
        walk(json.loads(chart.proto.spec))
    return found


# the app's own links to its pages (the cockpit summary's "[总账与损益 →](ledger?…)"): not stored text
OWN_LINK = re.compile(r"(?<!\\)\[[^\]\[]*\]\((?:" + "|".join(PAGES) + r")(?:\?[^)\s]*)?\)")


def _live(texts: list[str]) -> list[str]:
    """Texts with live markup once the app's own page links are set aside."""
    return [text for text in texts if any(p.search(OWN_LINK.sub("", text)) for p in LIVE)]


def _run(monkeypatch, hostile_dir, page: str, params: dict | None = None) -> AppTest:
    monkeypatch.setenv(eng.DATA_DIR_ENV, str(hostile_dir))
    monkeypatch.delenv(eng.URL_ENV, raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_patterns_catch_live_markup():
    assert _live([CORPUS]) == [CORPUS]
    from ui.text import md

    assert _live([md(CORPUS)]) == []


@pytest.mark.long
@pytest.mark.parametrize("page", PAGES)
def test_stored_text_is_shown_as_typed_on_every_page(monkeypatch, hostile_dir, page):
    at = _run(monkeypatch, hostile_dir, page)
    assert not _live(_markdown_texts(at))
    charts = _chart_texts(at)
    assert not [text for text in charts if LIVE[2].search(text)], "a chart label holds live HTML"


@pytest.mark.parametrize("param", ["voucher", "work_order"])
def test_a_deep_link_is_shown_as_typed(monkeypatch, hostile_dir, param):
    at = _run(monkeypatch, hostile_dir, "vouchers", {param: CORPUS})
    texts = _markdown_texts(at)
    assert any("evil" in text for text in texts), "the value is shown (escaped), not dropped"
    assert not _live(texts)


@pytest.mark.browser
@pytest.mark.long
def test_hostile_text_is_inert_in_a_real_browser(hostile_dir, small_sample):
    """The corpus in names, descriptions and a deep link, drawn by Chromium: no element links to
    or loads from evil.example, no request goes there, and the text is visible as typed."""
    from tests.test_browser import _start_server, _stop_server, CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    proc, base = _start_server(hostile_dir)
    requested: list[str] = []
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(60_000)
            page.on("request", lambda request: requested.append(request.url))
            from urllib.parse import quote

            voucher = small_sample["vouchers"].voucher_no.iloc[0]
            for path in (f"vouchers?voucher={voucher}", f"vouchers?voucher={quote(CORPUS, safe='')}", "profitability", "ledger"):
                page.goto(f"{base}/{path}")
                page.locator("[data-testid=stMainBlockContainer] h1").first.wait_for()
                page.wait_for_timeout(1500)  # the charts and tables draw after the heading
                page.locator("[data-testid=stSpinner]").wait_for(state="detached")
                if "evil" in path:  # wait until the value is drawn (late on a loaded machine), so the checks below see it
                    page.wait_for_function("() => document.querySelector('[data-testid=stMain]').innerText"
                                           ".includes('Session expired - sign in')")
                live = page.locator("a[href*='evil.example'], img[src*='evil.example'], [data-testid=stMain] b:text-is('bold')")
                assert live.count() == 0, (path, live.first.evaluate(
                    "e => { let x = e; while (x && !(x.dataset && x.dataset.testid)) x = x.parentElement; "
                    "return (x ? x.dataset.testid + ' ' + x.outerHTML.slice(0, 600) : '') }"))
                assert page.locator("svg a, .main-svg a").count() == 0, path  # a Plotly label made into a link
                if "evil" in path:  # the deep link's value is shown, as text
                    assert "Session expired - sign in" in page.locator("[data-testid=stMain]").inner_text()
            browser.close()
    finally:
        _stop_server(proc)
    assert not [u for u in requested if urlparse(u).hostname == "evil.example"], "the browser fetched from the hostile address"
    assert any("evil.example" in u for u in requested), "the deep link itself was requested (the check sees requests)"
