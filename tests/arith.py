"""A tiny evaluator for the plain formulas layerbot prints (integer literals, + - * ** and brackets).

Tests use it to check that a printed formula really evaluates to the printed count, without eval.
"""

from __future__ import annotations

import ast
import re

_OPS = {ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Mult: int.__mul__, ast.Pow: int.__pow__}


def arith(text: str) -> int:
    def ev(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        raise ValueError(f"not plain integer arithmetic: {ast.dump(node)}")

    return ev(ast.parse(text, mode="eval"))


def numbers(text: str) -> list[int]:
    """The integers a rendering shows, in order (thousands separators removed)."""
    return [int(m.replace(",", "")) for m in re.findall(r"\d[\d,]*\d|\d", text)]
