"""The documentation says what the code does: generated sections are current, names match."""

from pathlib import Path

from data_loaders import schema
from data_loaders.docs import BEGIN, END, render_tables
from sample_data.posting import POSTING_RULES

ROOT = Path(__file__).resolve().parents[1]


def test_data_model_tables_are_generated_from_the_schema():
    text = (ROOT / "docs" / "DATA_MODEL.md").read_text(encoding="utf-8")
    generated = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert generated == render_tables().strip(), "run: python cli.py schema-doc, and paste it into docs/DATA_MODEL.md"


def test_every_posting_rule_and_source_type_is_documented():
    text = (ROOT / "docs" / "DATA_MODEL.md").read_text(encoding="utf-8")
    for vtype in POSTING_RULES.voucher_type:
        assert f"| `{vtype}` |" in text, vtype
    for source in set(POSTING_RULES.source_doc_type) - {"-"}:
        assert f"`{source}`" in text, source


def test_sample_data_doc_names_every_planted_story():
    text = (ROOT / "docs" / "SAMPLE_DATA.md").read_text(encoding="utf-8")
    for name in ("WC-INJ2", "S03", "C07", "P2-MNT", "510103", "86,400.00", "planted_unposted_work_orders"):
        assert name in text, name


def test_readme_shows_the_commands_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = "python3 -m pip install -q -r requirements-dev.txt && python3 -m pytest"
    assert test_command in ci and test_command in readme
    assert "streamlit run app.py" in readme
    assert len(schema.CONTRACT_TABLES) >= 28
