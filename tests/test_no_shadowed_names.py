"""No module of the app defines a top-level function or class twice: a later ``def`` silently
replaces the earlier one, and a page calling the first gets the second (the overview's warnings
once shadowed the Data page's ``ui.data.wip_untied``)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(p for folder in ("analytics", "data_loaders", "reports", "ui") for p in (ROOT / folder).glob("*.py"))


def defined_twice(source: str) -> list[str]:
    """The top-level functions and classes ``source`` defines more than once."""
    tree = ast.parse(source)
    names = Counter(node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))
    return sorted(n for n, k in names.items() if k > 1)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_top_level_name_is_defined_once(path):
    assert defined_twice(path.read_text(encoding="utf-8")) == []


def test_the_check_sees_a_shadowed_name():
    assert defined_twice("def a():\n    pass\n\n\nclass B:\n    pass\n\n\ndef a(x):\n    pass\n") == ["a"]
    assert defined_twice("def a():\n    def a():\n        pass\n") == []  # a nested one shadows nothing at the top
