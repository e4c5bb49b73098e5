"""The app in a real browser: Playwright drives Debian's chromium against `streamlit run app.py`.

Skipped with the reason where chromium or Playwright is absent. Playwright never downloads a
browser here: it launches /usr/bin/chromium through ``executable_path``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_importer import BAD
from ui import codes

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("BFI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(data_dir, database_url: str | None = None):
    """``streamlit run app.py`` on a free port over ``data_dir`` (and ``database_url`` when
    given, else the sample there); returns (process, base URL)."""
    port = _free_port()
    env = dict(os.environ, BFI_DATA_DIR=str(data_dir))
    env.pop("BFI_DATABASE_URL", None)
    if database_url:
        env["BFI_DATABASE_URL"] = database_url
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not answer /_stcore/health within 60 s: " + proc.stdout.read().decode()[-2000:])
    return proc, base


def _stop_server(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def server(app_data_dir):
    proc, base = _start_server(app_data_dir)
    yield base
    _stop_server(proc)


@pytest.fixture()
def fresh_server(app_data_dir, tmp_path):
    """A server of its own whose first request is the test's (a copy of the sample: one writer per file)."""
    data_dir = tmp_path / "app_data"
    shutil.copytree(app_data_dir, data_dir)
    proc, base = _start_server(data_dir)
    yield base
    _stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def page(server, browser):
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    pg.set_default_timeout(60_000)
    yield pg
    pg.close()


def _heading(page, text):
    page.get_by_role("heading", name=text).first.wait_for()


def _go(page, section: str, name: str) -> None:
    """Open a page from the top navigation: its section's menu, then the page."""
    page.get_by_test_id("stTopNavSection").filter(has_text=section).first.click()
    page.get_by_role("menuitem", name=name).click()


def test_deep_link_first_then_switch_pages_and_language(server, page):
    # the very first request to a fresh server is a deep link: the router must still run
    page.goto(f"{server}/ledger")
    _heading(page, "总账与损益")
    page.get_by_text("期间方式").first.wait_for()  # the global filters are there
    _go(page, "数据", "数据管理")
    _heading(page, "数据管理")
    page.get_by_text("各表行数与日期范围").wait_for()
    page.get_by_role("radio", name="English").click()
    _heading(page, "Data management")
    _go(page, "Operations", "Production and work orders")
    _heading(page, "Production and work orders")
    _go(page, "Overview", "Management overview")
    _heading(page, "Management overview")
    page.get_by_text("Gross margin").first.wait_for()


def test_the_overview_address_opens_the_overview_with_its_query(server, page):
    """The overview is served at "/"; "/overview" (typed or bookmarked) opens it there with the same
    month and language instead of Streamlit's "Page not found"."""
    page.goto(f"{server}/overview?month=2026-09&lang=en")
    _heading(page, "Management overview")
    page.wait_for_url(lambda url: "/overview" not in url)
    assert "month=2026-09" in page.url and "lang=en" in page.url, page.url
    assert page.get_by_text("Page not found").count() == 0
    page.get_by_text("Sep 2026 ·").first.wait_for()


def test_bad_upload_is_refused_in_the_browser(server, page, tmp_path):
    files, _ = BAD["duplicate_key"]
    paths = []
    for name, data in files:
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))
    page.goto(f"{server}/data")
    page.locator("input[type=file]").set_input_files(paths)
    page.get_by_role("button", name="Validate and import").or_(page.get_by_role("button", name="校验并导入")).click()
    page.get_by_text("duplicate key").or_(page.get_by_text("nothing was stored")).or_(page.get_by_text("未写入任何数据")).first.wait_for()


def test_drill_from_a_voucher_deep_link_to_its_work_order_and_back(server, page, small_sample):
    lines = small_sample["voucher_lines"]
    completion = lines[lines.source_doc_type == "completion"].iloc[0]
    page.goto(f"{server}/vouchers?voucher={completion.voucher_no}")
    page.get_by_role("heading", name=f"凭证 {completion.voucher_no}").wait_for()
    page.get_by_role("heading", name=f"工单 {completion.work_order_id}").wait_for()
    page.get_by_text("该工单产生的全部凭证分录").wait_for()
    # the work order's own deep link lists its vouchers, material issues included
    page.goto(f"{server}/vouchers?work_order={completion.work_order_id}")
    page.get_by_role("heading", name=f"工单 {completion.work_order_id}").wait_for()
    page.get_by_text("成本核对").first.wait_for()
    _go(page, "财务", "业财对账")
    page.get_by_role("heading", name="业财对账").wait_for()
    page.get_by_text("已完工未入库").first.wait_for()


def test_oee_page_in_the_browser(server, page):
    page.goto(f"{server}/oee")
    page.get_by_role("heading", name="OEE 与损失成本").wait_for()
    page.get_by_text("六大损失").first.wait_for()
    page.get_by_text("损失成本").first.wait_for()


def test_profitability_page_in_the_browser(server, page):
    page.goto(f"{server}/profitability")
    page.get_by_role("heading", name="产品盈利与成本差异").wait_for()
    page.get_by_text("利润桥").first.wait_for()
    page.get_by_text("成本差异率").first.wait_for()


def test_budget_page_in_the_browser(server, page):
    page.goto(f"{server}/budget")
    page.get_by_role("heading", name="预算执行与控制").wait_for()
    page.get_by_text("超支：P2-MNT").first.wait_for()


def test_cash_page_in_the_browser(server, page):
    page.goto(f"{server}/cash")
    page.get_by_role("heading", name="资金预测与营运资本").wait_for()
    page.get_by_text("13 周资金桥").first.wait_for()


def test_one_click_on_a_work_order_opens_it_in_the_same_tab_and_back_returns(server, page):
    page.goto(f"{server}/production")
    _heading(page, "生产与工单")
    page.get_by_role("radio", name="English").click()
    _heading(page, "Production and work orders")
    grid = page.locator('[data-testid="stDataFrame"]').last  # the work orders
    grid.scroll_into_view_if_needed()
    first = grid.locator('[role="gridcell"]').first  # the grid's (hidden) accessible copy of its first cell
    first.wait_for(state="attached")
    wo = first.inner_text().strip()
    assert wo.startswith("WO-")
    box = grid.bounding_box()
    # one click on the key cell (first column, first data row below the 35 px header)
    page.mouse.click(box["x"] + 60, box["y"] + 35 + 17)
    _heading(page, f"Work order {wo}")  # in English: the session and its language were kept
    assert "/vouchers?" in page.url and f"work_order={wo}" in page.url and "lang=en" in page.url
    assert len(page.context.pages) == 1  # no new tab
    page.get_by_text(f"/vouchers?work_order={wo}&lang=en").first.wait_for()  # the absolute link to share
    page.get_by_role("button", name="Back to Production and work orders").click()
    _heading(page, "Production and work orders")
    assert "/production" in page.url and "work_order=" not in page.url and "lang=en" in page.url


# --- acceptance: every page, both languages, two screen sizes ------------------------------------

SCREENSHOTS = Path(os.environ.get("BFI_SCREENSHOTS") or "test-results/screenshots")
if not SCREENSHOTS.is_absolute():
    SCREENSHOTS = ROOT / SCREENSHOTS
# each language at one of the two screen sizes: both sizes and both languages are walked, in two
# runs instead of four (the suite's time budget); the meeting-room size reads Chinese
WALKS = (("en", (1440, 900)), ("zh", (1920, 1080)))
# (file name, URL path, whether the page follows the period)
PAGES = (("overview", "", True), ("production", "production", True), ("oee", "oee", True),
         ("ledger", "ledger", True), ("profitability", "profitability", True), ("budget", "budget", True),
         ("cash", "cash", False), ("vouchers", "vouchers", True), ("reconciliation", "reconciliation", True),
         ("data", "data", False), ("meeting", "meeting", False))
# the sidebar's widgets by their keys (Streamlit's st-key-* classes), not by labels that get reworded
MONTH_BOX = "[data-testid=stSidebar] .st-key-month-{lang} input[role=combobox]"
PREV_BUTTON = "[data-testid=stSidebar] .st-key-month_prev button"
YTD = "[data-testid=stSidebar] .st-key-mode-{lang} button"

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# tokens that are not prose: links (the drill-down columns carry ``vouchers?work_order=…``), folder
# paths (the data page names its backup folder) and file names
NOT_PROSE = re.compile(r"\S*(?:://|[?=])\S*|\S*/\S+|\S+\.(?:duckdb|sqlite|csv|xlsx|parquet|json)\b")
SNAKE_ALLOWED: frozenset[str] = frozenset()  # add a legitimate token here, with the reason
# "None" followed by a lower-case word is English prose ("None found"), not a missing value
MISSING = re.compile(r"(?<![\w.-])(None(?!\s+[a-z])|nan|NaN|NaT|-?inf)(?![\w-])")
# English code words a Chinese screen must not show: machine states and document statuses
# (snake_case codes such as material_issue are caught as snake_case anyway)
ZH_CODE_WORDS = sorted({"running", "reduced_speed", "minor_stop", "setup", "breakdown", "planned_stop", "idle",
                        *codes.MACHINE_STATES, *codes.STATUSES})
MACHINE_STATE = re.compile(r"\b(" + "|".join(ZH_CODE_WORDS) + r")\b")
REASON_CODE = re.compile(r"\b(?:BD|MS|SU|RS|PS|ID)-[A-Z][A-Z-]*\b")
CJK = re.compile(r"[\u3400-\u9fff]+")
NUMBER = re.compile(r"\d[\d,.]*")

# A page is done when its title is there, Streamlit is not running and marks nothing stale, every
# chart has drawn its SVG and every table its grid; the signature must then hold still for a while.
_SETTLE_JS = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  if (!main || !main.querySelector('h1')) return null;
  if (document.querySelector('[data-testid=stStatusWidget], [data-stale=true], [data-testid=stSkeleton]')) return null;
  if (document.fonts && document.fonts.status !== 'loaded') return null;
  const shown = (e) => e.checkVisibility();  // a closed tab's tables and charts are not drawn
  const charts = [...main.querySelectorAll('[data-testid=stPlotlyChart]')].filter(shown);
  if (charts.some(c => !c.querySelector('.main-svg'))) return null;
  const grids = [...main.querySelectorAll('[data-testid=stDataFrame]')].filter(shown);
  if (grids.some(g => !g.querySelector('[data-testid=data-grid-canvas] table'))) return null;
  return main.innerText.length + '|' + charts.length + '|' + grids.length + '|' + main.scrollHeight;
}"""

# What the page shows: the main area's visible text, the charts' SVG text, every table's cells.
# st.dataframe draws on a canvas; its accessibility <table> holds only the cells scrolled into view
# and writes "" where the canvas draws the missing-value placeholder. So the cells are read from
# the grid itself: the React props of glide-data-grid (``getCellContent``, ``columns``, ``rows``)
# and Streamlit's element proto (``placeholder``, "None" when unset) — Streamlit internals.
_READ_JS = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const cellText = (cell) => {
    if (typeof cell.displayData === 'string') return cell.displayData;
    const d = cell.data;
    if (d && typeof d === 'object') {
      for (const k of ['displayText', 'displayDate', 'label', 'value']) if (d[k] != null) return String(d[k]);
      return '';
    }
    if (cell.copyData != null) return String(cell.copyData);
    return d == null ? '' : String(d);
  };
  const grid = (df) => {
    const canvas = df.querySelector('[data-testid=data-grid-canvas]');
    const fiberKey = canvas && Object.keys(canvas).find(k => k.startsWith('__reactFiber$'));
    let f = fiberKey && canvas[fiberKey], props = null, element = null;
    while (f && !element) {
      const p = f.memoizedProps;
      if (p && !props && typeof p.getCellContent === 'function' && Array.isArray(p.columns)) props = p;
      if (p && p.element && p.element.arrowData) element = p.element;
      f = f.return;
    }
    const headers = [...df.querySelectorAll('th')].map(th => th.textContent);
    if (!props) return {error: 'glide-data-grid props not found', headers, cells: [], missing: []};
    const columns = props.columns.map(c => c.title || '');
    const placeholder = element && element.placeholder != null && element.placeholder !== '' ? element.placeholder : 'None';
    const cells = [], missing = [];
    const rows = Math.min(props.rows, 5000);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns.length; c++) {
        const cell = props.getCellContent([c, r]);
        if (cell.isMissingValue) missing.push(columns[c]);
        else cells.push(cellText(cell));
      }
    }
    return {columns, headers, cells, missing, placeholder, rows: props.rows, truncated: props.rows > rows};
  };
  const metrics = [...main.querySelectorAll('[data-testid=stMetric]')].map(m => {
    const cut = [...m.querySelectorAll('[data-testid=stMetricValue], [data-testid=stMetricValue] *, [data-testid=stMetricLabel] *')]
      .some(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible');
    return {text: m.innerText.replace(/\\s+/g, ' '), cut};
  });
  const shown = (e) => e.checkVisibility();
  return {
    text: main.innerText,
    icons: [...main.querySelectorAll('[data-testid=stIconMaterial]')].map(e => e.textContent),
    charts: [...main.querySelectorAll('.js-plotly-plot')].filter(shown)
      .flatMap(c => [...c.querySelectorAll('text')].map(t => t.textContent)).filter(Boolean),
    grids: [...main.querySelectorAll('[data-testid=stDataFrame]')].filter(shown).map(grid),
    metrics,
    errors: [...main.querySelectorAll('[data-testid=stException]')].map(e => e.innerText.slice(0, 200)),
  };
}"""


def _settle(page, timeout: float = 60) -> None:
    """Wait until the page is done (see ``_SETTLE_JS``) and unchanged for about 1.2 s."""
    deadline, last, same = time.time() + timeout, None, 0
    while time.time() < deadline:
        sig = page.evaluate(_SETTLE_JS)
        same = same + 1 if sig is not None and sig == last else 0
        if same >= 4:
            return
        last = sig
        page.wait_for_timeout(300)
    raise AssertionError(f"{page.url} did not finish rendering within {timeout:.0f} s")


def _screenshot(page, path: Path, width: int, height: int) -> None:
    """The whole page: Streamlit scrolls inside stMain, so the window grows to its height first."""
    full = page.evaluate("() => Math.max(...[...document.querySelectorAll("
                         "'[data-testid=stMain], [data-testid=stSidebarContent]')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": width, "height": min(max(height, full), 16000)})
    _settle(page)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": height})


def _texts(shown: dict) -> list[tuple[str, str]]:
    """(where, text) pairs of everything the page shows."""
    text = shown["text"]
    for icon in set(shown["icons"]):  # Material icon ligatures ("keyboard_arrow_down") draw as glyphs
        text = text.replace(icon, " ")
    out = [("text", text)] + [("chart", t) for t in shown["charts"]]
    for i, g in enumerate(shown["grids"], 1):
        out += [(f"table {i} header", h) for h in g.get("columns", g["headers"])]
        out += [(f"table {i} cell", c) for c in g["cells"]]
    return out


def _in(where: str, text: str, match: str) -> str:
    """Where a match is; in running text, with the words around its first occurrence."""
    if where != "text":
        return where
    i = text.index(match)
    return "text: " + repr(" ".join(text[max(0, i - 30):i + len(match) + 30].split()))


def _offences(shown: dict, lang: str) -> set[str]:
    """What must not be on the page, each as ``'<match>' in <where>``."""
    found = set()
    for where, text in _texts(shown):
        prose = NOT_PROSE.sub(" ", text)
        for m in set(SNAKE.findall(prose)) - SNAKE_ALLOWED:
            found.add(f"snake_case {m!r} in {_in(where, prose, m)}")
        for m in set(MISSING.findall(text)):
            found.add(f"missing {m!r} in {_in(where, text, m)}")
        if lang == "zh":
            for m in set(MACHINE_STATE.findall(prose)) | set(REASON_CODE.findall(text)):
                found.add(f"code {m!r} in {_in(where, text, m)}")
    for i, g in enumerate(shown["grids"], 1):
        if g.get("error"):
            found.add(f"table {i} unreadable: {g['error']}")
        if g.get("truncated"):
            found.add(f"table {i} read only its first 5000 of {g['rows']} rows")
        if g["missing"] and g["placeholder"] in ("None", "nan", "NaN"):
            for col in sorted(set(g["missing"])):
                found.add(f"missing {g['placeholder']!r} (empty cell) in table {i} column {col!r}")
    for m in shown["metrics"]:
        if m["cut"]:
            found.add(f"KPI card cut off: {m['text'][:60]!r}")
    for e in shown["errors"]:
        found.add(f"exception on the page: {e!r}")
    if "Traceback" in shown["text"]:
        found.add("a traceback in the page text")
    return found


def _cjk_on_en(shown: dict) -> set[str]:
    """Chinese on an English screen (reported, not asserted: bilingual master-data names are legitimate)."""
    return {f"{m!r} in {where}" for where, text in _texts(shown) for m in CJK.findall(text)}


def _numbers(shown: dict) -> list[str]:
    return sorted(NUMBER.findall(" ".join(text for _, text in _texts(shown))))


def _caption(page) -> str:
    return page.locator("[data-testid=stMain] [data-testid=stCaptionContainer]").first.inner_text()


def _wait_caption_change(page, before: str, timeout: float = 60) -> bool:
    """True once the scope line differs from ``before`` (then the page is left to finish)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if _caption(page) != before:
                _settle(page)
                return True
        except Exception:  # the caption is redrawn while Streamlit reruns
            pass
        page.wait_for_timeout(300)
    return False


def _open_every_expander(page) -> None:
    closed = page.locator("[data-testid=stMain] details:not([open]) > summary")
    for _ in range(20):  # one at a time: an opened expander leaves the selector, so the list shifts
        if closed.count() == 0:
            break
        closed.first.click()
        page.wait_for_timeout(200)
    _settle(page)


def _read_all_tabs(page) -> list[dict]:
    """What the page shows, once per tab of every tab bar (only the open tab's panel is drawn)."""
    shown = [page.evaluate(_READ_JS)]
    tabs = page.locator("[data-testid=stMain] [data-baseweb=tab]")
    for i in range(1, tabs.count()):
        tabs.nth(i).click()
        _settle(page)
        shown.append(page.evaluate(_READ_JS))
    return shown


def _pick_older_month(page, lang: str, steps: int = 1) -> None:
    """With the mouse: open the month selectbox and click the month ``steps`` below the chosen one."""
    box = page.locator(MONTH_BOX.format(lang=lang))
    current = box.input_value()
    # at 1440x900 the box straddles the sidebar's fold: a click that must scroll it first only focuses it
    box.scroll_into_view_if_needed()
    box.click()
    options = page.get_by_role("option")
    options.first.wait_for()
    labels = options.all_inner_texts()
    index = next((i for i, label in enumerate(labels) if label == current), 0)
    options.nth(min(index + steps, len(labels) - 1)).click()


@pytest.mark.walk
@pytest.mark.parametrize(("lang", "viewport"), WALKS, ids=lambda v: f"{v[0]}x{v[1]}" if isinstance(v, tuple) else v)
def test_every_page_reads_cleanly(server, browser, small_sample, lang, viewport):
    """Every page, as a user first sees it, then after an older month is picked in the sidebar:
    no raw snake_case identifiers, no None/nan/NaN/NaT/inf, on zh no machine state or reason
    code; KPI cards not cut off, no exception; on pages that follow the period the scope line and
    the numbers change with the month. A full-page screenshot of each page goes to
    ``BFI_SCREENSHOTS`` (default test-results/screenshots), with a findings file per run.

    Read: the main area's rendered text (``innerText``: collapsed expanders are opened, every tab
    of a tab bar is visited), the SVG text of Plotly charts (titles, axes, ticks, legends,
    annotations; not hover labels, which exist only under the mouse), and every st.dataframe
    in full: headers and all cells (up to 5000 rows) from glide-data-grid's own cell function,
    missing values counted as the placeholder the canvas draws ("None" unless the table sets
    one). That read relies on Streamlit/glide internals (React props): if a Streamlit upgrade
    moves them, the test fails with "table unreadable" rather than checking less. Not read: the
    sidebar, tooltips and help popovers, hover labels, widget option lists that are closed.
    The work-order drill-down (/vouchers?work_order=…) is walked as an extra page.
    """
    width, height = viewport
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lines = small_sample["voucher_lines"]
    work_order = lines[lines.source_doc_type == "completion"].iloc[0].work_order_id
    walk = [*PAGES, ("work-order", f"vouchers?work_order={work_order}", False)]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    findings: dict[str, set[str]] = {}
    notes: dict[str, set[str]] = {}
    try:
        for name, path, follows_period in walk:
            shot = SCREENSHOTS / f"{lang}-{width}x{height}-{name}.png"
            sep = "&" if "?" in path else "?"
            page.goto(f"{server}/{path}{sep}lang={lang}" if lang != "zh" else f"{server}/{path}")
            _settle(page)
            _screenshot(page, shot, width, height)
            _open_every_expander(page)
            shown = _read_all_tabs(page)
            found = set().union(*(_offences(s, lang) for s in shown))
            if follows_period:
                before, numbers = _caption(page), _numbers(shown[0])
                _pick_older_month(page, lang)
                if not _wait_caption_change(page, before):
                    found.add(f"period: the scope line stayed {before!r} after another month was picked")
                else:
                    after = page.evaluate(_READ_JS)
                    found |= _offences(after, lang)
                    if _numbers(after) == numbers:
                        found.add(f"period: no number changed with the month ({before!r} -> {_caption(page)!r})")
            if lang == "en":
                notes[name] = set().union(*(_cjk_on_en(s) for s in shown))
            findings[f"{name} ({shot.name})"] = found
    finally:
        context.close()
        report = [f"{lang} {width}x{height}"]
        for where, found in findings.items():
            report.append(f"{where}: {'clean' if not found else ''}")
            report += [f"  {f}" for f in sorted(found)]
        for where, cjk in notes.items():
            if cjk:
                report.append(f"note, Chinese on the English {where} page: " + ", ".join(sorted(cjk)[:40]))
        (SCREENSHOTS / f"{lang}-{width}x{height}-findings.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
        print("\n".join(report))
    bad = {where: found for where, found in findings.items() if found}
    assert not bad, "\n".join(f"{where}:\n  " + "\n  ".join(sorted(found)) for where, found in bad.items())


def _kpi(page) -> str:
    return page.locator("[data-testid=stMain] [data-testid=stMetricValue]").first.inner_text()


def test_period_control_moves_the_numbers(fresh_server, browser):
    """On a server whose first request is this test's: the month moves with the ◀ button and the
    month selectbox, by mouse and by keyboard, and each time the scope line and the first KPI
    (revenue) change; 年累计 shows the year-to-date span; a reload of the URL keeps it all."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    failures = []
    try:
        page.goto(fresh_server)
        _settle(page)
        state = (_caption(page), _kpi(page))
        assert re.match(r"\d{4}年\d{1,2}月 · ", state[0]), state

        def moved(how: str) -> None:
            nonlocal state
            if not _wait_caption_change(page, state[0]):
                failures.append(f"{how}: the scope line stayed {state[0]!r}")
                return
            new = (_caption(page), _kpi(page))
            if new[1] == state[1]:
                failures.append(f"{how}: the first KPI stayed {state[1]!r} ({state[0]!r} -> {new[0]!r})")
            state = new

        prev = page.locator(PREV_BUTTON)
        prev.click()
        moved("mouse, ◀ from the default month")
        _pick_older_month(page, "zh", steps=3)
        moved("mouse, month selectbox")
        page.locator(MONTH_BOX.format(lang="zh")).focus()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        moved("keyboard, month selectbox ArrowDown Enter")
        prev.focus()
        page.keyboard.press("Enter")
        moved("keyboard, ◀ Enter")
        prev.focus()
        page.keyboard.press("Space")
        moved("keyboard, ◀ Space")

        year, month = re.match(r"(\d{4})年(\d{1,2})月", state[0]).groups()
        page.locator(YTD.format(lang="zh")).filter(has_text="年累计").click()
        moved("mouse, 年累计")
        span = f"年累计 {year}-01…{year}-{int(month):02d} · "
        if not state[0].startswith(span):
            failures.append(f"年累计: the scope line is {state[0]!r}, expected it to start with {span!r}")
        page.reload()
        _settle(page)
        again = (_caption(page), _kpi(page))
        if again != state:
            failures.append(f"reload of {page.url}: {again!r}, before it {state!r}")
    finally:
        context.close()
    assert not failures, "\n".join(failures)
