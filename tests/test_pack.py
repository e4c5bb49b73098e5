"""The month-end pack's files, written from a meeting snapshot built by hand (tests/test_pack_fixture.py):
the workbook's numbers are the snapshot's, the deck has one slide and one PDF page per agenda
topic in the chosen language, charts are images of the meeting's own figures, and without a
browser the pack is still written, with tables only, and says so."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import streamlit as st
from openpyxl import load_workbook

from tests.test_pack_fixture import AGENDA, BUDGET_ROWS, VARIANCE_ROWS, hand_snapshot
from ui import pack
from ui.export import FORMATS, MONEY_FORMAT, QTY_WHOLE_FORMAT
from ui.i18n import use_language

# whole meeting snapshots and packs per test: with the browser tests in CI's third step (README, "Test")
pytestmark = pytest.mark.long

pptx = pytest.importorskip("pptx", reason="python-pptx is an app requirement")
pypdf = pytest.importorskip("pypdf", reason="pypdf is a dev requirement")

NO_BROWSER = "/nonexistent/chromium"
CHROMIUM = os.environ.get(pack.CHROMIUM_ENV, pack.DEFAULT_CHROMIUM)
# the kpis card "revenue" of the fixture, 1,250,000.00, as the screen's cards show it
REVENUE_CARD = {"zh": "¥125.00万", "en": "¥1.25M"}
TITLES = {"zh": ("关键指标", "预警"), "en": ("Key figures", "Warnings")}


@pytest.fixture(scope="module", autouse=True)
def _quiet():
    pack.quiet_bare_mode()


@pytest.fixture(scope="module", params=["zh", "en"])
def tables_only(request, tmp_path_factory):
    """The pack of the hand-built snapshot, written where no browser is found."""
    out = tmp_path_factory.mktemp(f"pack_{request.param}")
    result = pack.write_pack(hand_snapshot(), out, request.param, chromium=NO_BROWSER)
    return request.param, out, result


def _sheet_columns(ws) -> dict[str, list]:
    rows = list(ws.iter_rows(values_only=True))
    return {header: [r[i] for r in rows[1:]] for i, header in enumerate(rows[0])}


def _label(key: str, lang: str) -> str:
    with use_language(lang):
        return pack.label(key)


def test_without_a_browser_the_pack_is_written_with_tables_only_and_says_so(tables_only):
    lang, out, result = tables_only
    assert sorted(p.name for p in out.iterdir()) == ["deck.pdf", "deck.pptx", "pack.xlsx"]  # no temporary file left
    assert result["charts"] == 0 and NO_BROWSER in result["charts_note"]
    about = dict(load_workbook(out / "pack.xlsx")["说明 About"].iter_rows(min_row=2, values_only=True))
    charts = about[_label("pk_charts", lang)]
    assert NO_BROWSER in charts and ("未包含" in charts if lang == "zh" else "left out" in charts)
    deck = pptx.Presentation(out / "deck.pptx")
    assert not [s for slide in deck.slides for s in slide.shapes if s.shape_type == 13]  # 13: picture


def test_workbook_numbers_are_the_snapshots(tables_only):
    lang, out, _ = tables_only
    wb = load_workbook(out / "pack.xlsx")
    snapshot = hand_snapshot()
    n_tables = sum(len(t["tables"]) for t in snapshot["topics"])
    assert wb.sheetnames[:2] == ["说明 About", _label("pk_cards_sheet", lang)] and len(wb.sheetnames) == 2 + n_tables == 9

    about = dict(wb["说明 About"].iter_rows(min_row=2, values_only=True))
    assert about[_label("pk_month", lang)] == "2026-10" and about[_label("pk_as_of", lang)] == "2026-11-22"
    assert about[_label("pk_scope", lang)] == _label("pk_all_plants", lang)
    assert about[_label("pk_created_by", lang)] == "finance.lead" and about[_label("pk_data_version", lang)] == "v-test-1"

    # cost variances by product: every cell as in the snapshot; the columns add up to the sums in the fixture
    ws = wb[wb.sheetnames[3]]
    cols = _sheet_columns(ws)
    headers = list(cols)
    assert headers == [_label(k, lang) for k in ("kpi_output", "families", "var_material_price", "kpi_revenue", "kpi_variance",
                                                  "kpi_variance_rate")]
    assert cols[headers[2]] == [r[2] for r in VARIANCE_ROWS] and sum(cols[headers[2]]) == 35000.00
    assert round(sum(cols[headers[3]]), 2) == 35150.75 and round(sum(cols[headers[4]]), 2) == 150.75  # 250.50 − 200.00 + 100.25
    assert cols[headers[5]] == [0.02505, -0.01, 0.02005]  # fractions, shown as percent
    assert ws["C2"].number_format == MONEY_FORMAT and ws["F2"].number_format == FORMATS["pct"]
    if lang == "zh":  # a name that reads as a formula stays text, shown as typed
        assert ws["B4"].value == "=1+1 <b>止回阀</b>" and ws["B4"].data_type == "s" and ws["B4"].quotePrefix

    # the budget table keeps all ten rows (the slide shows eight): actual 10,000.00 + 4,500.00
    budget = _sheet_columns(wb[wb.sheetnames[5]])
    actual = budget[_label("kpi_gross_profit", lang)]
    assert len(actual) == len(BUDGET_ROWS) == 10 and round(sum(actual), 2) == 14500.00

    # codes as labels in the language: the bridge's steps
    bridge = _sheet_columns(wb[wb.sheetnames[2]])
    assert list(bridge.values())[0] == [_label(k, lang) for k in ("bridge_start", "bridge_price", "bridge_volume", "bridge_scrap",
                                                                   "bridge_end")]
    assert sum(list(bridge.values())[1][1:-1]) == 305000.00 - 300000.00  # the steps add up to end − start

    # every card with its comparisons, one number format per row's kind
    cards = wb[wb.sheetnames[1]]
    rows = list(cards.iter_rows(min_row=2))
    expected = [(t["title_key"], c) for t in snapshot["topics"] for c in t["cards"]]
    assert len(rows) == len(expected) == 17  # 6 + 1 + 2 + 2 + 1 + 3 + 1 + 1 cards
    for row, (title_key, card) in zip(rows, expected):
        assert row[0].value == _label(title_key, lang) and row[1].value == _label(card["label_key"], lang)
        compare = card["compare"]
        assert [c.value for c in row[2:6]] == [card["value"], compare["prior_month"], compare["last_year"], compare["budget"]]
        whole = card["kind"] == "qty" and all(float(v).is_integer() for v in [card["value"], *compare.values()] if v is not None)
        assert row[2].number_format == (QTY_WHOLE_FORMAT if whole else FORMATS[card["kind"]])


def test_deck_has_one_slide_and_one_page_per_topic_in_the_language(tables_only):
    lang, out, _ = tables_only
    snapshot = hand_snapshot()
    deck = pptx.Presentation(out / "deck.pptx")
    assert len(deck.slides) == len(AGENDA) == len(snapshot["topics"])
    for slide, topic in zip(deck.slides, snapshot["topics"]):
        first = next(s for s in slide.shapes if s.has_text_frame)
        assert first.text_frame.text == _label(topic["title_key"], lang)
    for slide in deck.slides:  # nothing runs off the slide
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, shape.name
            assert shape.left + shape.width <= deck.slide_width and shape.top + shape.height <= deck.slide_height, shape.name
    kpi_texts = [s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame]
    assert REVENUE_CARD[lang] in kpi_texts and _label("kpi_revenue", lang) in kpi_texts
    # Chinese runs name an East Asian font; PowerPoint picks it for every CJK character
    run = next(s for s in deck.slides[0].shapes if s.has_text_frame).text_frame.paragraphs[0].runs[0]
    assert run._r.rPr.find("{http://schemas.openxmlformats.org/drawingml/2006/main}ea").get("typeface") == pack.EA_FONT
    # the budget slide shows eight of its ten rows and says where the rest are
    budget = deck.slides[AGENDA.index("budget")]
    grid = next(s for s in budget.shapes if s.has_table).table
    assert len(grid.rows) == 1 + pack.TABLE_ROWS
    notes = [s.text_frame.text for s in budget.shapes if s.has_text_frame]
    assert (f"另有 2 行" if lang == "zh" else "2 more rows") in " ".join(notes)

    reader = pypdf.PdfReader(out / "deck.pdf")
    assert len(reader.pages) == len(AGENDA)
    # pypdf reads each Chinese character of these CID fonts with a NUL before it (poppler's pdftotext does not)
    first, warnings = (reader.pages[i].extract_text().replace("\x00", "") for i in (0, AGENDA.index("warnings")))
    assert TITLES[lang][0] in first and REVENUE_CARD[lang] in first and "2026-11-22" in first
    assert TITLES[lang][1] in warnings
    # the fonts travel inside the PDF: the app's Chinese face and a Latin one, both embedded subsets
    fonts = {f["/BaseFont"] for page in reader.pages for f in _page_fonts(page)}
    assert any("SourceSans" in f for f in fonts), fonts
    assert any("NotoSansCJKSC" in f for f in fonts), fonts  # Chinese labels, or Chinese names in the data (an owner 王工)
    assert all(f["/FontDescriptor"].get("/FontFile2") or f["/FontDescriptor"].get("/FontFile3")
               for page in reader.pages for f in _descendants(page)), "every font is embedded"


def _page_fonts(page):
    resources = page["/Resources"]["/Font"]
    return [resources[name].get_object() for name in resources]


def _descendants(page):
    return [d.get_object() for f in _page_fonts(page) for d in f.get("/DescendantFonts", [])]


def test_numbers_on_the_deck_are_the_screens_formats():
    with use_language("zh"):
        assert pack.card_value(1250000.0, "money", "CNY") == "¥125.00万" and pack.cell_value(-5000.0, "money", "CNY") == "-¥5,000.00"
        assert pack.card_value(0.284, "pct", "CNY") == "28.4%" and pack.card_value(None, "money", "CNY") == "—"
        assert pack.card_value(63.4, "days", "CNY") == "63.4 天" and pack.cell_value("bridge_price", "code", "CNY") == "价格"
        assert pack.cell_value("P-100", "code", "CNY") == "P-100"  # a code that is no label key stays as it is
    with use_language("en"):
        assert pack.card_value(1250000.0, "money", "CNY") == "¥1.25M" and pack.card_value(63.4, "days", "CNY") == "63.4 days"
        assert pack.cell_value("球阀 Ball valve DN15", "text", "CNY") == "Ball valve DN15"


def test_use_language_restores_the_session_language():
    st.session_state["lang"] = "en"
    try:
        with use_language("zh"):
            assert pack.label("kpi_revenue") == "营业收入"
        assert pack.label("kpi_revenue") == "Revenue"
    finally:
        del st.session_state["lang"]
    with use_language("en"):
        pass
    assert "lang" not in st.session_state
    with pytest.raises(ValueError, match="code"):
        with use_language("fr"):
            pass


@pytest.fixture(scope="module")
def with_charts(tmp_path_factory):
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("kaleido", reason="kaleido is an app requirement")
    out = tmp_path_factory.mktemp("pack_charts")
    return out, pack.write_pack(hand_snapshot(), out, "zh", chromium=CHROMIUM)


def test_charts_are_images_of_the_meeting_figures(with_charts):
    from pptx.util import Inches

    out, result = with_charts
    snapshot = hand_snapshot()
    charted = [t["key"] for t in snapshot["topics"] if t["chart"]]
    with use_language("zh"):
        sizes = pack.image_sizes(snapshot)
    assert sorted(sizes) == sorted(charted) and all(w >= pack.MIN_IMAGE_PX for w, _ in sizes.values())
    assert result["charts_note"] is None and result["charts"] == len(charted) == 6
    deck = pptx.Presentation(out / "deck.pptx")
    for slide, topic in zip(deck.slides, snapshot["topics"]):
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        assert len(pictures) == (1 if topic["chart"] else 0), topic["key"]
        for shape in slide.shapes:  # charts beside tables and cards, nothing off the slide or over the footer
            assert shape.left + shape.width <= deck.slide_width and shape.top + shape.height <= deck.slide_height, shape.name
        for picture in pictures:
            assert picture.top + picture.height <= Inches(pack.SLIDE_H - 0.5)
        if pictures:  # the PNG is the figure at the size of its box, three times over for print
            from PIL import Image

            width, height = Image.open(io.BytesIO(pictures[0].image.blob)).size
            assert (width, height) == tuple(n * pack.IMAGE_SCALE for n in sizes[topic["key"]])
            assert pictures[0].width / pictures[0].height == pytest.approx(width / height, rel=0.01)
    reader = pypdf.PdfReader(out / "deck.pdf")
    assert [len(p.images) for p in reader.pages] == [1 if t["chart"] else 0 for t in snapshot["topics"]]
    about = dict(load_workbook(out / "pack.xlsx")["说明 About"].iter_rows(min_row=2, values_only=True))
    assert about["图表"] == "已包含 6 张"


def test_the_browser_gets_the_apps_chinese_font():
    """Chrome draws chart text with fontconfig's fonts; servers rarely have a CJK one, so the pack
    points it at the app's own (as OTF) through a fontconfig file."""
    if not shutil.which("fc-list"):
        pytest.skip("fc-match is not installed (fontconfig)")
    conf = pack._fontconfig_file()
    # the faces that can draw 利 (U+5229), as Chrome asks fontconfig for a character its first font lacks
    found = subprocess.run(["fc-list", ":charset=5229", "family"], env={**os.environ, "FONTCONFIG_FILE": str(conf)},
                           capture_output=True, text=True, timeout=60).stdout
    assert "Noto Sans CJK SC" in found
    assert re.search(r"<include[^>]*>[^<]+fonts\.conf</include>", conf.read_text())  # the system's fonts stay


def test_a_browser_that_fails_leaves_the_charts_out_and_says_why():
    """An executable that is no browser (or a browser that crashes): tables only, the reason given."""
    false = shutil.which("false")
    if not false:
        pytest.skip("no `false` executable")
    with use_language("en"):
        built = pack.build_pack(hand_snapshot(), "en", chromium=false)
    assert built["charts"] == 0 and built["charts_note"].startswith("the chart export failed")
    assert set(built["files"]) == {"pack.xlsx", "deck.pptx", "deck.pdf"}
    assert len(pypdf.PdfReader(io.BytesIO(built["files"]["deck.pdf"])).pages) == len(AGENDA)
