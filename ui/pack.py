"""The month-end pack: one meeting snapshot as an Excel workbook, a PowerPoint deck and a PDF.

Everything is drawn from the snapshot (``reports.meeting``; shape in ``reports.pack``), never
from the database, so the pack shows the numbers the meeting froze, the same as the screen:
cards and tables are formatted by ``ui.format`` and labelled by ``ui.i18n`` like the pages,
charts are ``ui.figures.build_topic_figure``, the meeting screen's own figures.

- ``pack.xlsx``: "说明 About" (month, scope, data as-of, who froze the snapshot and when,
  language, whether charts are included), "关键指标 Key figures" (every card of every topic with
  its comparisons, one number format per row's kind), then one sheet per table of the snapshot,
  formatted by ``ui.export`` (headers in the language, number format per column kind).
- ``deck.pptx`` and ``deck.pdf``: one slide / page per agenda topic with its title, its cards,
  its chart as a PNG and the first ``TABLE_ROWS`` rows of its first table; both are laid out
  from one list of slides (``deck_slides``), so the two files cannot disagree.

Charts are PNGs from Plotly's image export (kaleido >= 1), which drives a Chrome it finds on the
machine: ``$BFI_CHROMIUM`` or Debian's ``/usr/bin/chromium``; nothing is ever downloaded (kaleido
is told not to load MathJax from the web). Without a browser, or when the export fails, the pack
is built with tables only and says so on its About sheet and in ``write_pack``'s result.

Fonts: Chinese is drawn with the app's own subset of Noto Sans CJK SC (``static/fonts``), Latin
text with Source Sans 3, which ships inside Streamlit (the variable font instanced once to
regular and bold). The PDF embeds both (subset); Chrome gets the Chinese face through a
fontconfig file in the font cache folder (``$BFI_FONT_CACHE`` or the system temp folder), since
servers rarely have a CJK font. PowerPoint files cannot carry fonts here: runs name Microsoft
YaHei for East Asian text (every Chinese Office has it; other viewers substitute their CJK face)
and Arial for Latin.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import glob
import hashlib
import io
import logging
import math
import os
import shutil
import tempfile
import threading
import unicodedata
from pathlib import Path

import pandas as pd

from ui import format as fmt
from ui.codes import localized_name
from ui.export import FORMATS, NUMBER_FORMAT, QTY_WHOLE_FORMAT, ExportSheet, sheet_names, to_excel_bytes
from ui.figures import PALETTE, build_topic_figure
from ui.i18n import LABELS, LANGS, lang, t, t_or, use_language

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ENV = "BFI_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
FONT_CACHE_ENV = "BFI_FONT_CACHE"
FILES = {"xlsx": "pack.xlsx", "pptx": "deck.pptx", "pdf": "deck.pdf"}
TABLE_ROWS = 8  # rows of a topic's table on its slide (the workbook has them all)
RENDER_TIMEOUT = 90  # seconds for one chart image
# a chart image is drawn at PX_PER_INCH CSS pixels per inch of its box on the slide (the figures'
# 14-19 px text is then 9-12 pt), at least MIN_IMAGE_PX wide, and rendered at 3x for print
PX_PER_INCH, MIN_IMAGE_PX, IMAGE_SCALE = 110, 560, 3
MAX_CHART_ASPECT = 2.2  # a chart alone on a slide: at most this many times as wide as high

# slide geometry, inches (16:9)
SLIDE_W, SLIDE_H = 13.333, 7.5
MARGIN = 0.5
TITLE_PT, CARD_LABEL_PT, CARD_VALUE_PT, CARD_COMPARE_PT, TABLE_PT, SMALL_PT = 30, 13, 22, 10, 12, 11
CARD_H = 1.12  # inches: label, value and two lines of comparisons
MIN_TABLE_PT = 10
INK, MUTED, RULE, CARD_FILL, HEAD_FILL = "1F2D3D", "5D6D7E", "AAB7B8", "F2F5F8", "DDEBF7"
EA_FONT, LATIN_FONT = "Microsoft YaHei", "Arial"  # what the PowerPoint runs name (see the module docstring)
NUMERIC_KINDS = ("money", "pct", "qty", "days", "ratio")

_BARE_MODE_LOGGERS = ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit.runtime.state.session_state_proxy")


def quiet_bare_mode() -> None:
    """Silence Streamlit's "no script run context" warning that every label lookup logs when the
    pack is built outside ``streamlit run`` (the command line)."""
    for name in _BARE_MODE_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


# --------------------------------------------------------------------------- labels and values


def label(key: str) -> str:
    """An i18n key's label in the session language; a key the app does not know as it is."""
    return t_or(key, key) if key else ""


def code_text(value) -> str:
    """A ``code`` cell or category: its label where it is an i18n key, else as it is."""
    return "" if value is None else label(str(value))


def note_text(note: dict) -> str:
    """A topic note in the session language; params substituted as they are."""
    key, params = note.get("key", ""), note.get("params") or {}
    if key not in LABELS:
        return key
    try:
        return t(key, **params)
    except (KeyError, IndexError):  # a note whose params do not fit its label: the label alone
        return t(key)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def card_value(value, kind: str, currency: str) -> str:
    """A card's number as the screen's cards show it: money in the chosen unit (¥123.46万)."""
    if _missing(value):
        return "—"
    if kind == "money":
        return fmt.money(value, currency, compact=True)
    if kind == "pct":
        return fmt.pct(value)
    if kind == "days":
        return fmt.days(value)
    if kind == "ratio":
        return fmt.number(value, 2)
    return fmt.qty(value, digits=0 if float(value).is_integer() else 1)


def cell_value(value, kind: str, currency: str) -> str:
    """A table cell as the screen's tables show it: money exact to the cent, codes as labels."""
    if kind == "code":
        return code_text(value)
    if kind in NUMERIC_KINDS:
        if _missing(value):
            return "—"
        if kind == "money":
            return fmt.money(value, currency)
        if kind == "qty":
            return fmt.qty(value, digits=0 if float(value).is_integer() else 2)
        return card_value(value, kind, currency)
    return "" if value is None else localized_name(value)  # names from the data, in the language as on screen


def scope_text(snapshot: dict) -> str:
    plants = snapshot.get("plants") or []
    return t("pk_plants", plants=", ".join(plants)) if plants else t("pk_all_plants")


def _join_notes(notes: list[str]) -> str:
    return ("；" if lang() == "zh" else "; ").join(notes)


def _compare_parts(card: dict, currency: str) -> list[str]:
    parts = []
    for key in ("prior_month", "last_year", "budget"):
        value = (card.get("compare") or {}).get(key)
        if not _missing(value):
            parts.append(t(f"pk_compare_{key}", v=card_value(value, card.get("kind", "qty"), currency)))
    return parts


# --------------------------------------------------------------------------- fonts


def font_cache_dir() -> Path:
    folder = Path(os.environ.get(FONT_CACHE_ENV) or Path(tempfile.gettempdir()) / f"bfi-fonts-{os.getuid() if hasattr(os, 'getuid') else 0}")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _cached(source: Path, suffix: str, make, folder: Path | None = None) -> Path:
    """``make(source, path)`` once per version of ``source`` (its size and time) into ``folder``
    (the font cache), written under a temporary name and renamed, so concurrent builds are safe."""
    stat = source.stat()
    stamp = hashlib.sha1(f"{source}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:10]
    path = (folder or font_cache_dir()) / f"{source.name.split('.')[0]}-{stamp}{suffix}"
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        make(source, tmp)
        os.replace(tmp, path)
    return path


def _woff2_to_otf(source: Path, path: Path) -> None:
    from fontTools.ttLib import TTFont

    font = TTFont(source)
    font.flavor = None
    font.save(path)


def cjk_fonts() -> dict[str, Path]:
    """The app's Chinese font, regular and bold (WOFF2, read as they are by the PDF writer)."""
    return {"": ROOT / "static" / "fonts" / "NotoSansSC-Regular.woff2", "B": ROOT / "static" / "fonts" / "NotoSansSC-Bold.woff2"}


def _streamlit_sans() -> Path | None:
    import streamlit

    found = sorted(glob.glob(str(Path(streamlit.__file__).parent / "static" / "static" / "media" / "SourceSansVF-Upright*.woff2")))
    return Path(found[0]) if found else None


def latin_fonts() -> dict[str, Path]:
    """Source Sans 3 regular and bold as static TTFs (from the variable font inside Streamlit),
    or DejaVu Sans where a Streamlit without it is installed."""
    source = _streamlit_sans()
    if source is None:
        for regular, bold in (("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
                              ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
                               "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf")):
            if Path(regular).exists() and Path(bold).exists():
                return {"": Path(regular), "B": Path(bold)}
        raise RuntimeError("no Latin font for the PDF: Streamlit's Source Sans is missing and neither DejaVu nor Liberation is installed")

    def instance(weight: int):
        def make(src: Path, path: Path) -> None:
            from fontTools.ttLib import TTFont
            from fontTools.varLib.instancer import instantiateVariableFont

            font = instantiateVariableFont(TTFont(src), {"wght": weight}, updateFontNames=True)
            font.flavor = None
            font.save(path)
        return make

    return {"": _cached(source, "-400.ttf", instance(400)), "B": _cached(source, "-700.ttf", instance(700))}


def _fontconfig_file() -> Path:
    """A fontconfig file: the system's fonts plus the app's Chinese font (as OTF: Chrome's own
    font engine does not read WOFF2 from disk), for the browser that renders the charts."""
    folder = font_cache_dir() / "cjk"
    folder.mkdir(exist_ok=True)
    current = {_cached(path, ".otf", _woff2_to_otf, folder) for path in cjk_fonts().values()}
    for stale in set(folder.glob("*.otf")) - current:  # an older version of the font: one face per family
        stale.unlink(missing_ok=True)
    conf = font_cache_dir() / "fonts.conf"
    system = os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
    if Path(system) == conf:
        system = "/etc/fonts/fonts.conf"
    text = (f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
            f'  <include ignore_missing="yes">{system}</include>\n  <dir>{folder}</dir>\n'
            f'  <cachedir>{font_cache_dir() / "fc-cache"}</cachedir>\n</fontconfig>\n')
    if not conf.exists() or conf.read_text() != text:
        tmp = conf.with_name(f".fonts.conf.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, conf)
    return conf


# --------------------------------------------------------------------------- chart images


def chromium_path(chromium: str | None = None) -> str:
    """The browser to draw charts with: ``chromium``, else ``$BFI_CHROMIUM``, else Debian's, else
    a ``chromium`` on the PATH (the path returned may not exist: the caller checks)."""
    if chromium or os.environ.get(CHROMIUM_ENV):
        return chromium or os.environ[CHROMIUM_ENV]
    return DEFAULT_CHROMIUM if Path(DEFAULT_CHROMIUM).exists() else (shutil.which("chromium") or DEFAULT_CHROMIUM)


def chart_figures(snapshot: dict) -> dict:
    """topic key -> its plotly figure as the deck draws it: the screen's figure at the size of its
    box on the slide (``image_sizes``)."""
    sizes = image_sizes(snapshot)
    figures = {}
    for topic in snapshot["topics"]:
        if topic["key"] in sizes:
            fig = build_topic_figure(topic["chart"], snapshot.get("currency", "CNY"))
            width, height = sizes[topic["key"]]
            fig.update_layout(width=width, height=height, font_family="'Source Sans 3', 'Noto Sans CJK SC', sans-serif")
            figures[topic["key"]] = fig
    return figures


# one browser at a time per process: the font setting travels in the environment the browser
# inherits, and two browsers on two cores would only slow each other down
_RENDER_LOCK = threading.Lock()


async def _render(figures: dict, chromium: str, fontconfig: Path) -> dict[str, bytes]:
    import kaleido

    old = os.environ.get("FONTCONFIG_FILE")
    os.environ["FONTCONFIG_FILE"] = str(fontconfig)  # read by the browser when it starts
    try:
        # mathjax=False: kaleido would otherwise load MathJax from a CDN; plotly.js comes from the plotly package
        async with kaleido.Kaleido(path=chromium, mathjax=False, timeout=RENDER_TIMEOUT) as k:
            out = {}
            for key, fig in figures.items():
                opts = {"format": "png", "width": fig.layout.width, "height": fig.layout.height, "scale": IMAGE_SCALE}
                out[key] = await k.calc_fig(fig, opts=opts)
            return out
    finally:
        if old is None:
            os.environ.pop("FONTCONFIG_FILE", None)
        else:
            os.environ["FONTCONFIG_FILE"] = old


def _in_thread(coroutine, timeout: float):
    """Run ``coroutine`` on a daemon thread of its own (asyncio.run needs a thread without a running
    event loop, as a Streamlit script's is not guaranteed to be) and wait at most ``timeout``
    seconds: a browser that hangs never holds up the pack, nor the process at exit."""
    box: dict = {}

    def run():
        try:
            box["result"] = asyncio.run(coroutine)
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=run, name="pack-charts", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"the charts took longer than {timeout:.0f} s")
    if "error" in box:
        raise box["error"]
    return box["result"]


def chart_images(snapshot: dict, chromium: str | None = None) -> tuple[dict[str, bytes], str | None]:
    """topic key -> PNG of its chart, and None; or ``{}`` and why the charts are left out."""
    figures = chart_figures(snapshot)  # here: the labels read the session language of this thread
    if not figures:
        return {}, None
    path = chromium_path(chromium)
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        return {}, t("pk_no_browser", path=path)
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return {}, t("pk_no_kaleido")
    try:
        fontconfig = _fontconfig_file()
        with _RENDER_LOCK:
            images = _in_thread(_render(figures, path, fontconfig), RENDER_TIMEOUT * (len(figures) + 1))
    except Exception as exc:  # the browser would not start, crashed or timed out: tables only, and say why
        first = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
        message = (first.splitlines() or [type(exc).__name__])[0][:200]
        return {}, t("pk_render_failed", message=message)
    return images, None


# --------------------------------------------------------------------------- the deck, laid out once


def _text_width(text: str, pt: float) -> float:
    """Rough width in inches: CJK and full-width characters are square, Latin ones about 0.55 em."""
    em = pt / 72.0
    return sum(em if unicodedata.east_asian_width(c) in ("W", "F") else 0.55 * em for c in str(text))


def _fit_text(text: str, pt: float, width: float) -> str:
    if _text_width(text, pt) <= width:
        return text
    while text and _text_width(text + "…", pt) > width:
        text = text[:-1]
    return text + "…"


def _table_block(table: dict, currency: str, width: float) -> dict:
    """The first ``TABLE_ROWS`` rows of a table as text, with column widths that fit ``width``
    inches: font size from ``TABLE_PT`` down to ``MIN_TABLE_PT``, then text columns cut with "…"."""
    columns = table["columns"]
    headers = [label(c["label_key"]) for c in columns]
    rows = [[cell_value(v, c["kind"], currency) for v, c in zip(row, columns)] for row in table["rows"][:TABLE_ROWS]]
    aligns = ["R" if c["kind"] in NUMERIC_KINDS else "L" for c in columns]
    pad = 0.16
    for pt in range(TABLE_PT, MIN_TABLE_PT - 1, -1):
        need = [max([_text_width(h, pt)] + [_text_width(r[i], pt) for r in rows]) + pad for i, h in enumerate(headers)]
        if sum(need) <= width:
            break
    if sum(need) > width:  # still too wide: cut the text columns, widest first, never below a third of their need
        numeric = sum(n for n, c in zip(need, columns) if c["kind"] in NUMERIC_KINDS)
        text_cols = [i for i, c in enumerate(columns) if c["kind"] not in NUMERIC_KINDS]
        room = max(width - numeric, 0.6 * len(text_cols))
        total = sum(need[i] for i in text_cols) or 1.0
        for i in text_cols:
            need[i] = max(room * need[i] / total, 0.6)
            headers[i] = _fit_text(headers[i], pt, need[i] - pad)
            for r in rows:
                r[i] = _fit_text(r[i], pt, need[i] - pad)
    scale = width / sum(need) if sum(need) > width else 1.0
    return {"title": label(table.get("title_key", "")), "headers": headers, "rows": rows, "aligns": aligns,
            "widths": [n * scale for n in need], "pt": pt, "more": max(len(table["rows"]) - TABLE_ROWS, 0)}


def _compare_lines(card: dict, currency: str, width: float) -> list[str]:
    """A card's comparisons on at most two lines of ``width`` inches, whole comparisons per line."""
    parts = _compare_parts(card, currency)
    lines: list[str] = []
    for part in parts:
        if lines and _text_width(lines[-1] + " · " + part, CARD_COMPARE_PT) <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    if len(lines) > 2:
        lines = [lines[0], " · ".join(lines[1:])]
    return [_fit_text(line, CARD_COMPARE_PT, width) for line in lines]


def _plan(snapshot: dict, charted) -> list[dict]:
    """Where everything goes on each topic's slide, in inches on a 16:9 page, when the topics in
    ``charted`` have a chart image: the chart takes the left half next to a table (or up to
    ``MAX_CHART_ASPECT`` times as wide as high alone), at most 3:4 as high as wide."""
    currency = snapshot.get("currency", "CNY")
    footer = t("pk_footer", month=snapshot["month"], scope=scope_text(snapshot), as_of=snapshot.get("as_of") or "—")
    slides = []
    full_w = SLIDE_W - 2 * MARGIN
    for n, topic in enumerate(snapshot["topics"], start=1):
        cards = topic.get("cards") or []
        per_row = len(cards) if len(cards) <= 5 else math.ceil(len(cards) / 2)
        card_rows = math.ceil(len(cards) / per_row) if cards else 0
        gap = 0.15
        card_w = (full_w - gap * (per_row - 1)) / per_row if cards else 0
        placed = []
        for i, c in enumerate(cards):
            r, k = divmod(i, per_row)
            placed.append({"label": label(c.get("label_key", "")), "value": card_value(c.get("value"), c.get("kind", "qty"), currency),
                           "compare": _compare_lines(c, currency, card_w - 0.2),
                           "box": (MARGIN + k * (card_w + gap), 1.2 + r * (CARD_H + gap), card_w, CARD_H)})
        top = 1.2 + card_rows * (CARD_H + gap) + (0.05 if cards else 0)
        notes = [note_text(x) for x in topic.get("notes") or []]
        bottom = SLIDE_H - 0.55 - (0.35 if notes else 0)
        body_h = bottom - top
        tables = topic.get("tables") or []
        image_box = table_box = table = None
        if topic["key"] in charted:
            w = full_w * 0.5 if tables else min(full_w, body_h * MAX_CHART_ASPECT)
            image_box = (MARGIN, top, w, min(body_h, w * 0.75))
        if tables:
            x = MARGIN + (image_box[2] + 0.3 if image_box else 0)
            w = SLIDE_W - MARGIN - x
            table = _table_block(tables[0], currency, w)
            table_box = (x, top, w, body_h)
        slides.append({"key": topic["key"], "title": label(topic.get("title_key", "")), "cards": placed, "image": None,
                       "image_box": image_box, "table": table, "table_box": table_box, "notes": notes,
                       "notes_box": (MARGIN, bottom + 0.05, full_w, 0.3), "footer": footer,
                       "page": t("pk_page", n=n, total=len(snapshot["topics"]))})
    return slides


def image_sizes(snapshot: dict) -> dict[str, tuple[int, int]]:
    """topic key -> (width, height) in CSS pixels to draw its chart at, so that it fills its box on
    the slide with the figures' 14 px text at about 9 pt (``PX_PER_INCH``), never narrower than
    ``MIN_IMAGE_PX`` (the figures' layout needs the room)."""
    charted = {t["key"] for t in snapshot["topics"] if t.get("chart")}
    sizes = {}
    for slide in _plan(snapshot, charted):
        if slide["image_box"]:
            _, _, w, h = slide["image_box"]
            px = max(MIN_IMAGE_PX, w * PX_PER_INCH) / w
            sizes[slide["key"]] = (round(w * px), round(h * px))
    return sizes


def deck_slides(snapshot: dict, images: dict[str, bytes]) -> list[dict]:
    """One slide per topic in the session language: ``{"key", "title", "cards": [{"label",
    "value", "compare" (lines), "box"}], "image", "image_box", "table", "table_box", "notes",
    "notes_box", "footer", "page"}``; boxes are ``(x, y, w, h)`` in inches. A topic whose chart
    image is missing gets its table across the whole width."""
    slides = _plan(snapshot, set(images))
    for slide in slides:
        slide["image"] = images.get(slide["key"])
    return slides


# --------------------------------------------------------------------------- PowerPoint


def _rgb(hex_color: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_color.lstrip("#"))


def _pptx_text(frame, text: str, pt: float, *, bold: bool = False, color: str = INK, align: str = "L") -> None:
    """``text`` into a text frame, one paragraph per line, with the deck's fonts: Latin and East
    Asian typefaces named on every run, the run's language set."""
    from pptx.enum.text import PP_ALIGN
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = {"L": PP_ALIGN.LEFT, "R": PP_ALIGN.RIGHT, "C": PP_ALIGN.CENTER}[align]
        run = para.add_run()
        run.text = line
        run.font.size, run.font.bold, run.font.name = Pt(pt), bold, LATIN_FONT
        run.font.color.rgb = _rgb(color)
        rpr = run._r.get_or_add_rPr()
        rpr.set("lang", "zh-CN" if lang() == "zh" else "en-US")
        ea = rpr.find(qn("a:ea"))
        if ea is None:
            ea = rpr.makeelement(qn("a:ea"), {})
            rpr.append(ea)
        ea.set("typeface", EA_FONT)


def _pptx_box(slide, box, text: str, pt: float, **kwargs):
    from pptx.util import Inches

    x, y, w, h = box
    shape = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
    tf = shape.text_frame
    tf.margin_left = tf.margin_right = Inches(0.05)
    tf.margin_top = tf.margin_bottom = Inches(0.02)
    _pptx_text(tf, text, pt, **kwargs)
    return shape


def pack_pptx(slides: list[dict], title: str) -> bytes:
    """The deck as a PowerPoint file: one slide per topic (``deck_slides``)."""
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    prs.core_properties.title = title
    blank = prs.slide_layouts[6]
    for s in slides:
        slide = prs.slides.add_slide(blank)
        _pptx_box(slide, (MARGIN, 0.3, SLIDE_W - 2 * MARGIN, 0.8), s["title"], TITLE_PT, bold=True, color=PALETTE[0])
        for c in s["cards"]:
            x, y, w, h = c["box"]
            rect = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(x), Inches(y), Inches(w), Inches(h))
            rect.fill.solid()
            rect.fill.fore_color.rgb = _rgb(CARD_FILL)
            rect.line.fill.background()
            _pptx_box(slide, (x + 0.08, y + 0.04, w - 0.16, 0.3), c["label"], CARD_LABEL_PT, color=MUTED)
            _pptx_box(slide, (x + 0.08, y + 0.3, w - 0.16, 0.42), c["value"], CARD_VALUE_PT, bold=True)
            if c["compare"]:
                _pptx_box(slide, (x + 0.08, y + 0.68, w - 0.16, 0.42), "\n".join(c["compare"]), CARD_COMPARE_PT, color=MUTED)
        if s["image_box"]:
            x, y, w, h = s["image_box"]
            slide.shapes.add_picture(io.BytesIO(s["image"]), Inches(x), Inches(y), Inches(w), Inches(h))
        if s["table"]:
            tb, (x, y, w, h) = s["table"], s["table_box"]
            _pptx_box(slide, (x, y, w, 0.35), tb["title"], TABLE_PT + 2, bold=True)
            row_h = 0.27 * tb["pt"] / TABLE_PT + 0.05
            n_rows = len(tb["rows"]) + 1
            shape = slide.shapes.add_table(n_rows, len(tb["headers"]), Inches(x), Inches(y + 0.4), Inches(w), Inches(row_h * n_rows))
            grid = shape.table
            grid.first_row = True
            for j, width in enumerate(tb["widths"]):
                grid.columns[j].width = Inches(width)
            for i in range(n_rows):
                grid.rows[i].height = Inches(row_h)
                for j in range(len(tb["headers"])):
                    cell = grid.cell(i, j)
                    cell.margin_left = cell.margin_right = Inches(0.06)
                    cell.margin_top = cell.margin_bottom = Inches(0.02)
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = _rgb(HEAD_FILL if i == 0 else ("FFFFFF" if i % 2 else CARD_FILL))
                    text = tb["headers"][j] if i == 0 else tb["rows"][i - 1][j]
                    cell.text_frame.paragraphs[0].text = ""
                    _pptx_text(cell.text_frame, text, tb["pt"], bold=i == 0, align=tb["aligns"][j])
            if tb["more"]:
                _pptx_box(slide, (x, y + 0.45 + row_h * n_rows, w, 0.3), t("pk_more_rows", n=tb["more"]), SMALL_PT, color=MUTED)
            elif not tb["rows"]:
                _pptx_box(slide, (x, y + 0.45 + row_h, w, 0.3), t("pk_no_rows"), SMALL_PT, color=MUTED)
        if s["notes"]:
            _pptx_box(slide, s["notes_box"], _join_notes(s["notes"]), SMALL_PT, color=MUTED)
        _pptx_box(slide, (MARGIN, SLIDE_H - 0.45, SLIDE_W - 2 * MARGIN - 1.2, 0.3), s["footer"], SMALL_PT, color=MUTED)
        _pptx_box(slide, (SLIDE_W - MARGIN - 1.2, SLIDE_H - 0.45, 1.2, 0.3), s["page"], SMALL_PT, color=MUTED, align="R")
        for shape in slide.shapes:  # no autofit: the layout above already fits the text
            if shape.has_text_frame:
                shape.text_frame.auto_size = None
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- PDF


def pack_pdf(slides: list[dict], title: str) -> bytes:
    """The deck as a PDF: one page per topic (``deck_slides``), fonts embedded (subset)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="in", format=(SLIDE_H, SLIDE_W))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(title)
    pdf.set_creator("business-finance analytics")
    for style, path in latin_fonts().items():
        pdf.add_font("sans", style, str(path))
    for style, path in cjk_fonts().items():
        pdf.add_font("cjk", style, str(path))
    pdf.set_fallback_fonts(["cjk"], exact_match=False)  # Chinese from the app's font, everything else Source Sans

    def color(hex_color: str):
        h = hex_color.lstrip("#")
        return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))

    def text(box, value: str, pt: float, *, bold=False, ink=INK, align="L"):
        x, y, w, h = box
        # switch fonts for real: fpdf2 skips a set_font equal to its current one even when the
        # last text ended in the fallback (Chinese) font, and would then draw Latin with its glyph ids
        pdf.set_font("cjk", "", pt)
        pdf.set_font("sans", "B" if bold else "", pt)
        pdf.set_text_color(*color(ink))
        pdf.set_xy(x, y)
        pdf.cell(w, h, _fit_text(value, pt, w), align=align)

    for s in slides:
        pdf.add_page()
        text((MARGIN, 0.3, SLIDE_W - 2 * MARGIN, 0.8), s["title"], TITLE_PT, bold=True, ink=PALETTE[0])
        for c in s["cards"]:
            x, y, w, h = c["box"]
            pdf.set_fill_color(*color(CARD_FILL))
            pdf.rect(x, y, w, h, style="F")
            text((x + 0.1, y + 0.05, w - 0.2, 0.28), c["label"], CARD_LABEL_PT, ink=MUTED)
            text((x + 0.1, y + 0.33, w - 0.2, 0.38), c["value"], CARD_VALUE_PT, bold=True)
            for i, line in enumerate(c["compare"]):
                text((x + 0.1, y + 0.72 + i * 0.18, w - 0.2, 0.18), line, CARD_COMPARE_PT, ink=MUTED)
        if s["image_box"]:
            x, y, w, h = s["image_box"]
            pdf.image(io.BytesIO(s["image"]), x=x, y=y, w=w, h=h)
        if s["table"]:
            tb, (x, y, w, h) = s["table"], s["table_box"]
            text((x, y, w, 0.35), tb["title"], TABLE_PT + 2, bold=True)
            row_h = 0.27 * tb["pt"] / TABLE_PT + 0.05
            yy = y + 0.4
            for i, row in enumerate([tb["headers"], *tb["rows"]]):
                xx = x
                fill = HEAD_FILL if i == 0 else ("FFFFFF" if i % 2 else CARD_FILL)
                pdf.set_fill_color(*color(fill))
                pdf.rect(x, yy, sum(tb["widths"]), row_h, style="F")
                for j, value in enumerate(row):
                    text((xx + 0.06, yy, tb["widths"][j] - 0.12, row_h), value, tb["pt"], bold=i == 0, align=tb["aligns"][j])
                    xx += tb["widths"][j]
                yy += row_h
            pdf.set_draw_color(*color(RULE))
            pdf.set_line_width(0.01)
            pdf.line(x, y + 0.4 + row_h, x + sum(tb["widths"]), y + 0.4 + row_h)
            if tb["more"]:
                text((x, yy + 0.05, w, 0.3), t("pk_more_rows", n=tb["more"]), SMALL_PT, ink=MUTED)
            elif not tb["rows"]:
                text((x, yy + 0.05, w, 0.3), t("pk_no_rows"), SMALL_PT, ink=MUTED)
        if s["notes"]:
            text(s["notes_box"], _join_notes(s["notes"]), SMALL_PT, ink=MUTED)
        text((MARGIN, SLIDE_H - 0.45, SLIDE_W - 2 * MARGIN - 1.2, 0.3), s["footer"], SMALL_PT, ink=MUTED)
        text((SLIDE_W - MARGIN - 1.2, SLIDE_H - 0.45, 1.2, 0.3), s["page"], SMALL_PT, ink=MUTED, align="R")
    return bytes(pdf.output())


# --------------------------------------------------------------------------- Excel


EXCEL_KINDS = {"money": "money", "pct": "pct", "qty": "qty", "days": "days", "ratio": "number", "text": "text", "code": "text"}


def table_frame(table: dict) -> tuple[pd.DataFrame, dict[str, str]]:
    """A snapshot table as a frame with the language's headers, codes as labels, and the
    ``ui.export`` kind of each header."""
    columns = table["columns"]
    headers = [label(c["label_key"]) for c in columns]
    headers = [h if headers.index(h) == i else f"{h} ({i + 1})" for i, h in enumerate(headers)]  # unique headers
    data = {}
    for i, (c, h) in enumerate(zip(columns, headers)):
        values = [row[i] if i < len(row) else None for row in table["rows"]]
        if c["kind"] == "code":
            values = [None if v is None else code_text(v) for v in values]
        elif c["kind"] == "text":
            values = [None if v is None else localized_name(v) for v in values]
        elif c["kind"] in NUMERIC_KINDS:
            values = pd.array([None if _missing(v) else float(v) for v in values], dtype="Float64")
        data[h] = values
    frame = pd.DataFrame(data, columns=headers)
    return frame, {h: EXCEL_KINDS.get(c["kind"], "text") for c, h in zip(columns, headers)}


CARD_COLUMNS = ("value", "prior_month", "last_year", "budget")


def pack_workbook(snapshot: dict, charts_note: str | None, n_charts: int, generated_at: dt.datetime) -> bytes:
    """The workbook: About, Key figures (every card), then one sheet per table of every topic."""
    from openpyxl import load_workbook

    currency = snapshot.get("currency", "CNY")
    about = [(t("pk_month"), snapshot["month"]), (t("pk_scope"), scope_text(snapshot)), (t("pk_currency"), currency),
             (t("pk_as_of"), snapshot.get("as_of") or "—"), (t("pk_data_version"), snapshot.get("data_version") or "—"),
             (t("pk_created_at"), snapshot.get("created_at") or "—"), (t("pk_created_by"), snapshot.get("created_by") or "—"),
             (t("pk_generated_at"), generated_at.replace(microsecond=0)), (t("pk_language"), LANGS[lang()]),
             (t("pk_charts"), t("pk_charts_left_out", reason=charts_note) if charts_note else t("pk_charts_included", n=n_charts))]
    card_rows, card_kinds = [], []
    for topic in snapshot["topics"]:
        for c in topic.get("cards") or []:
            compare = c.get("compare") or {}
            card_rows.append([label(topic.get("title_key", "")), label(c.get("label_key", "")), c.get("value"),
                              compare.get("prior_month"), compare.get("last_year"), compare.get("budget")])
            card_kinds.append(c.get("kind", "qty"))
    card_headers = [t("pk_col_topic"), t("pk_col_figure"), t("pk_col_value"), t("pk_col_prior_month"), t("pk_col_last_year"),
                    t("pk_col_budget")]
    cards = pd.DataFrame(card_rows, columns=card_headers)
    for h in card_headers[2:]:
        cards[h] = pd.array([None if _missing(v) else float(v) for v in cards[h]], dtype="Float64")
    sheets = [ExportSheet(t("pk_cards_sheet"), cards, {h: "number" for h in card_headers[2:]})]
    for topic in snapshot["topics"]:
        for table in topic.get("tables") or []:
            frame, kinds = table_frame(table)
            sheets.append(ExportSheet(label(table.get("title_key", "")), frame, kinds))
    data = to_excel_bytes(sheets, about=about, title=t("pk_title", month=snapshot["month"]))
    # the cards mix kinds in one column: one number format per row, set after the streamed write
    wb = load_workbook(io.BytesIO(data))
    ws = wb[sheet_names([t("pk_cards_sheet")], ["说明 About"])[0]]
    for row, kind in zip(ws.iter_rows(min_row=2, min_col=3, max_col=6), card_kinds):
        number_format = FORMATS.get(EXCEL_KINDS.get(kind, "qty"), NUMBER_FORMAT)
        if kind == "qty" and all(float(c.value).is_integer() for c in row if c.value is not None):
            number_format = QTY_WHOLE_FORMAT  # counts: no trailing decimal point
        for cell in row:
            cell.number_format = number_format
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- the pack


def build_pack(snapshot: dict, language: str, chromium: str | None = None) -> dict:
    """The pack's three files as bytes, in ``language``: ``{"files": {file name: bytes}, "charts":
    number of chart images, "charts_note": None or why the charts are left out}``. For a page's
    download buttons as much as for ``write_pack``."""
    generated_at = dt.datetime.now()
    with use_language(language):
        images, note = chart_images(snapshot, chromium)
        slides = deck_slides(snapshot, images)
        title = t("pk_deck_title", month=snapshot["month"])
        files = {FILES["xlsx"]: pack_workbook(snapshot, note, len(images), generated_at), FILES["pptx"]: pack_pptx(slides, title),
                 FILES["pdf"]: pack_pdf(slides, title)}
    return {"files": files, "charts": len(images), "charts_note": note}


def write_pack(snapshot: dict, out_dir: str | Path, language: str, chromium: str | None = None) -> dict:
    """Write pack.xlsx, deck.pptx and deck.pdf for ``snapshot`` into ``out_dir`` in ``language``.

    Returns ``{"files": {kind: path}, "charts": number of chart images, "charts_note": None or
    why the charts are left out, "seconds": wall time}``. Each file is written under a temporary
    name first and then renamed, so a scheduler never picks up half a file.
    """
    t0 = dt.datetime.now()
    built = build_pack(snapshot, language, chromium)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for kind, name in FILES.items():
        path = out / name
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(built["files"][name])
        os.replace(tmp, path)
        files[kind] = str(path)
    return {"files": files, "charts": built["charts"], "charts_note": built["charts_note"],
            "seconds": round((dt.datetime.now() - t0).total_seconds(), 1)}
