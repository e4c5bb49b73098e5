"""Build the Chinese web font the app serves, so Chinese renders on a PC with no CJK font.

A subset of Noto Sans CJK SC (SIL Open Font License 1.1) in two weights, as WOFF2: every
hanzi of GB2312 (the 6,763 characters of everyday simplified Chinese), CJK punctuation,
full-width forms, and every CJK character that the app's own labels and sample data use.
Characters outside the subset (rare names in imported data) fall back to the PC's own fonts.

Run once after adding labels with characters outside GB2312 (``tests/test_font.py`` says so):

    apt-get install fonts-noto-cjk && pip install fonttools brotli
    python tools/build_font.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "static" / "fonts"
SOURCES = {400: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 700: "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"}
NAMES = {400: "NotoSansSC-Regular.woff2", 700: "NotoSansSC-Bold.woff2"}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def gb2312_hanzi() -> set[str]:
    chars = set()
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def project_chars() -> set[str]:
    """Every CJK character in the app's Python sources (labels, codes, sample names)."""
    chars = set()
    for folder in ("ui", "pages", "sample_data", "data_loaders", "analytics", "reports"):
        for path in (ROOT / folder).rglob("*.py"):
            chars.update(CJK.findall(path.read_text(encoding="utf-8")))
    return chars


def wanted_chars() -> set[str]:
    punctuation = {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFFF0)}
    return gb2312_hanzi() | punctuation | project_chars()


def sc_index(path: str) -> int:
    """The font number of the Simplified Chinese face inside a Noto CJK collection."""
    for i, font in enumerate(TTCollection(path).fonts):
        if "SC" in str(font["name"].getDebugName(1)):
            return i
    raise SystemExit(f"no SC face in {path}")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    text = "".join(sorted(wanted_chars()))
    for weight, source in SOURCES.items():
        options = subset.Options(flavor="woff2", layout_features=["*"], font_number=sc_index(source), hinting=False,
                                 desubroutinize=True, name_IDs=["*"], name_languages=["*"])
        font = subset.load_font(source, options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        target = OUT / NAMES[weight]
        subset.save_font(font, str(target), options)
        print(f"{target.relative_to(ROOT)}: {len(text):,} characters, {target.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
