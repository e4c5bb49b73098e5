"""The app in a real browser: Playwright drives Debian's chromium against `streamlit run app.py`.

Skipped with the reason where chromium or Playwright is absent. Playwright never downloads a
browser here: it launches /usr/bin/chromium through ``executable_path``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_importer import BAD

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("BFI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(app_data_dir):
    port = _free_port()
    env = dict(os.environ, BFI_DATA_DIR=str(app_data_dir))
    env.pop("BFI_DATABASE_URL", None)
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
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def page(server):
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(60_000)
        yield pg
        browser.close()


def _heading(page, text):
    page.get_by_role("heading", name=text).first.wait_for()


def test_deep_link_first_then_switch_pages_and_language(server, page):
    # the very first request to a fresh server is a deep link: the router must still run
    page.goto(f"{server}/ledger")
    _heading(page, "总账与损益")
    page.get_by_text("会计期间").first.wait_for()  # the global filters are there
    page.get_by_role("link", name="数据管理").click()
    _heading(page, "数据管理")
    page.get_by_text("各表行数与日期范围").wait_for()
    page.get_by_role("radio", name="English").click()
    _heading(page, "Data management")
    page.get_by_role("link", name="Production and work orders").click()
    _heading(page, "Production and work orders")
    page.get_by_role("link", name="Management overview").click()
    _heading(page, "Management overview")
    page.get_by_text("Gross margin").first.wait_for()


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
    page.get_by_role("link", name="业财对账").click()
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
