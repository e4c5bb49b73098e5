"""Small defects found by the hostile-user walkthrough of #15 (mixed currencies, mapping screen),
each with the check that would have caught it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_app import APP, _open

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("lang, expected", [("en", "not applied on this page: Periods, Plants"),
                                            ("zh", "本页不适用：会计期间、工厂")])
def test_the_filters_a_page_ignores_are_listed_in_the_screens_language(app_data_dir, lang, expected):
    # the data page uses neither the period nor the plants; with a plant chosen both are named,
    # joined by the language's own separator (the English line showed "Periods、Plants")
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"lang": lang, "plant": "P2"})
    at.run()
    at = _open(at, "pages/data.py", lang)
    assert expected in at.caption[0].value, at.caption[0].value


def test_code_blocks_fall_back_to_the_served_chinese_font():
    # the mapping screen shows the profile it makes in a code block; a Chinese column name in it
    # was drawn as empty boxes on a PC with no CJK font, as the code font had no CJK fallback
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]
    family = theme["fontFaces"][0]["family"]
    assert family in [f.strip() for f in theme["codeFont"].split(",")]
