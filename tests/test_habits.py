"""Issue 13 ("small functions"): no function in ``pipeline/`` is longer than 80 lines.

A long function becomes a table of small named steps; ruff's mccabe check (≤ 15) bounds branching,
this bounds length. Methods and nested functions count as functions of their own; the length is
``end_lineno - lineno + 1`` (decorators excluded, docstring included).
"""

from __future__ import annotations

import ast
from pathlib import Path

PIPELINE = Path(__file__).resolve().parents[1] / "pipeline"
MAX_LINES = 80


def long_functions(source: str, name: str) -> list[str]:
    """``name:line function (n lines)``, in line order, for each function of ``source`` longer than
    ``MAX_LINES``."""
    functions = [
        node
        for node in ast.walk(ast.parse(source, filename=name))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    return [
        f"{name}:{node.lineno} {node.name} ({n} lines)"
        for node in sorted(functions, key=lambda node: node.lineno)
        if (n := node.end_lineno - node.lineno + 1) > MAX_LINES
    ]


def test_no_function_in_pipeline_is_longer_than_80_lines():
    found = [
        hit
        for path in sorted(PIPELINE.rglob("*.py"))
        for hit in long_functions(path.read_text(encoding="utf-8"), str(path.relative_to(PIPELINE.parent)))
    ]
    assert found == [], "split these into small named functions (≤ ~50 lines each):\n" + "\n".join(found)


def test_the_measure_catches_a_long_method_and_a_nested_function():
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_LINES))  # def line + 80 = 81 lines
    short = "    pass\n"
    source = (
        f"def ok():\n{short}"
        f"class C:\n    def long(self):\n{body.replace('    ', '        ')}"
        f"def outer():\n    def inner():\n{body.replace('    ', '        ')}"
        f"async def also_long():\n{body}"
    )
    assert long_functions(source, "m.py") == [
        "m.py:4 long (81 lines)",
        "m.py:85 outer (82 lines)",
        "m.py:86 inner (81 lines)",
        "m.py:167 also_long (81 lines)",
    ]


def test_eighty_lines_is_allowed():
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_LINES - 1))
    assert long_functions(f"def f():\n{body}", "m.py") == []
