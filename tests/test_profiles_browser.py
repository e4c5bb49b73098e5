"""The mapping screen in a real browser: a pipe-delimited file without a header row is uploaded,
mapped on screen (table, no header, a source column per contract column, a derivation, a
constant) and imported. Playwright drives Debian's chromium (tests/test_browser.py); skipped where absent."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from data_loaders import engine as eng
from tests.test_browser import browser, fresh_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def _select(page, key: str, option: str) -> None:
    """Choose ``option`` in the selectbox of widget key ``key`` (English), by typing it."""
    box = page.locator(f".st-key-{key}-en input[role=combobox]")
    for attempt in range(2):  # on a loaded machine the list may open after the first click is lost
        box.click()
        box.fill(option)
        try:
            page.get_by_role("option", name=option, exact=True).first.click(timeout=20_000 if attempt == 0 else 60_000)
            return
        except Exception:  # Playwright's TimeoutError: open it again, once
            if attempt:
                raise
            page.keyboard.press("Escape")


def test_headerless_pipe_file_is_mapped_on_screen_and_imported(fresh_server, browser, tmp_path, app_data_dir):
    orgs = tmp_path / "orgs.txt"
    orgs.write_bytes("P9|九厂|武汉|CNY\nP8|八厂|西安|CNY\n".encode())
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{fresh_server}/data")
        page.get_by_role("radio", name="English").click()
        page.get_by_role("heading", name="Data management").first.wait_for()
        page.locator("input[type=file]").set_input_files([str(orgs)])
        page.get_by_text("Map the files (without a profile)").click()
        _select(page, "map_table_0", "Plants")
        page.locator(".st-key-map_header_0 label").click()  # the file has no header row
        for column, source in (("plant_id", "column 1"), ("plant_name", "column 2")):
            _select(page, f"map_0_{column}", source)
        # the city through a derivation added on screen: a copy of the third column
        _select(page, "map_dop_0", "copy: a column under another name")
        _select(page, "map_d_0_copy_from", "column 3")
        _select(page, "map_d_0_copy_to", "City")
        page.locator(".st-key-map_dadd_0 button").click()
        page.get_by_text("1. copy: column 3 → City").wait_for()
        page.get_by_text('op = "copy"').first.wait_for()  # in the profile the screen makes
        currency = page.locator(".st-key-map_const_0_currency input")
        currency.fill("CNY")
        currency.press("Enter")
        page.get_by_text('table = "plants"').first.wait_for()  # the profile the screen makes
        page.get_by_role("button", name="Validate and import").click()
        page.get_by_text("Imported 2 rows.").wait_for()
    finally:
        page.screenshot(path=str(tmp_path / "mapping.png"), full_page=True)  # looked at when the test was written
        page.close()
    database = next((tmp_path / "app_data").glob("*.duckdb"))
    engine = eng.make_engine(f"duckdb:///{database}", read_only=True)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT plant_id, plant_name, city, currency FROM plants WHERE plant_id IN ('P8', 'P9') "
                                        "ORDER BY plant_id")).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("P8", "八厂", "西安", "CNY"), ("P9", "九厂", "武汉", "CNY")]
