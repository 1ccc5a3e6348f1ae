"""The shape issue 11 asked for, kept: small functions and modules in services/ and
shared/, so that a rule added later has one obvious place to go."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400


def _sources() -> list[Path]:
    return sorted(p for d in ("services", "shared") for p in (ROOT / d).rglob("*.py"))


def _docstring_lines(node: ast.AST) -> int:
    body = getattr(node, "body", [])
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        first = body[0]
        return (first.end_lineno or first.lineno) - first.lineno + 1
    return 0


def function_lengths(path: Path) -> list[tuple[str, int]]:
    """(name, lines) of every function, its docstring not counted."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            span = (node.end_lineno or node.lineno) - node.lineno + 1
            found.append((node.name, span - _docstring_lines(node)))
    return found


def module_lines(path: Path) -> int:
    """Lines of code: blank lines, comments, docstrings and module-level declarations (a
    constant, a table, a class of fields only) aside."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skipped.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    for node in tree.body:
        declaration = isinstance(node, ast.Assign | ast.AnnAssign) or (
            isinstance(node, ast.ClassDef)
            and not any(isinstance(b, ast.FunctionDef | ast.AsyncFunctionDef) for b in node.body)
        )
        if declaration:
            skipped.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    lines = text.splitlines()
    return sum(
        1
        for number, line in enumerate(lines, start=1)
        if line.strip() and not line.strip().startswith("#") and number not in skipped
    )


def test_no_function_is_over_sixty_lines():
    long = [
        f"{p.relative_to(ROOT)}:{name} ({n} lines)"
        for p in _sources()
        for name, n in function_lengths(p)
        if n > MAX_FUNCTION_LINES
    ]
    assert not long, "split these functions:\n" + "\n".join(long)


def test_no_module_is_over_four_hundred_lines():
    big = [
        f"{p.relative_to(ROOT)} ({n} lines)"
        for p in _sources()
        if (n := module_lines(p)) > MAX_MODULE_LINES
    ]
    assert not big, "split these modules:\n" + "\n".join(big)


def test_the_measure_sees_a_long_function(tmp_path):
    source = tmp_path / "long.py"
    body = "\n".join(f"    x{i} = {i}" for i in range(70))
    source.write_text(f'def f():\n    """Doc."""\n{body}\n', encoding="utf-8")
    assert function_lengths(source) == [("f", 71)]
    assert module_lines(source) == 71
