"""Boundaries the design promises: calc/ is pure, and no user text can reach an evaluator."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_DIRS = ("calc", "bot", "migrations", "bench")

# Python's evaluators, and the sympy entry points that call them on strings.
FORBIDDEN_CALLS = {"eval", "exec", "compile", "sympify", "parse_expr", "S", "lambdify", "__import__"}
# As methods, only sympy's own (``re.compile`` is fine; ``sympy.sympify`` is not).
FORBIDDEN_METHODS = {"sympify", "parse_expr", "S", "lambdify"}


def _project_files() -> list[Path]:
    return [p for d in PROJECT_DIRS if (ROOT / d).is_dir() for p in (ROOT / d).rglob("*.py")]


def test_calc_imports_no_discord_sqlalchemy_or_asyncio() -> None:
    code = (
        "import sys, pkgutil, importlib, calc\n"
        "for m in pkgutil.walk_packages(calc.__path__, 'calc.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in {'discord', 'sqlalchemy', 'asyncio', 'aiosqlite', 'bot'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"calc pulled in: {out.stdout.strip()}"


def _called_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
        return node.func.id
    if isinstance(node.func, ast.Attribute) and node.func.attr in FORBIDDEN_METHODS:
        return node.func.attr
    return None


def test_no_code_calls_an_evaluator() -> None:
    offenders = []
    files = _project_files()
    assert any(p.parts[-2] == "calc" for p in files)
    for path in files:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called_name(node):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {_called_name(node)}()")
            if isinstance(node, ast.ImportFrom) and any(a.name in FORBIDDEN_CALLS for a in node.names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {[a.name for a in node.names]}")
    assert not offenders, "\n".join(offenders)


def test_the_scan_would_catch_an_evaluator() -> None:
    tree = ast.parse("x = sympify(t)\ny = eval(s)\nz = sympy.parse_expr(t)\nw = re.compile(p)\n")
    calls = [_called_name(n) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert calls == ["sympify", "eval", "parse_expr", None]
