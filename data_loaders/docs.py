"""The data contract rendered as Markdown, for docs/DATA_MODEL.md (kept in step by a test)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql

from data_loaders import schema

BEGIN = "<!-- BEGIN GENERATED TABLES: python cli.py schema-doc -->"
END = "<!-- END GENERATED TABLES -->"


def render_tables() -> str:
    """One section per contract table: grain, key, and every column with label, type and rules."""
    out = []
    for t in schema.CONTRACT_TABLES:
        out.append(f"### `{t.name}` — {t.info['zh']}\n")
        keys = ", ".join(f"`{c.name}`" for c in t.primary_key.columns)
        out.append(f"Grain: {t.info['grain']}. Key: {keys}.\n")
        out.append("| column | 中文 | type | required | meaning and rules |")
        out.append("|---|---|---|---|---|")
        for c in t.columns:
            typ = str(c.type.compile(dialect=postgresql.dialect()))
            notes = []
            for fk in c.foreign_keys:
                notes.append(f"→ `{fk.target_fullname}`")
            if c.info.get("expected"):
                notes.append(c.info["expected"].split(" / ")[0])  # too many choices to list (currency codes)
            elif c.info.get("choices"):
                notes.append("one of " + ", ".join(f"`{v}`" for v in c.info["choices"]))
            if c.info.get("signed"):
                notes.append("may be negative")
            if c.info.get("aliases"):
                notes.append("import aliases: " + ", ".join(c.info["aliases"]))
            required = "no" if c.nullable and not c.primary_key else "yes"
            meaning = c.info["en"] + ("; " + "; ".join(notes) if notes else "")
            out.append(f"| `{c.name}` | {c.info['zh']} | {typ} | {required} | {meaning} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
