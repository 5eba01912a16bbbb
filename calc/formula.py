"""Parameter formulas: sympy templates, compiled once, rendered three ways.

A *template* is a sympy expression over named symbols, built with ``evaluate=False`` so it keeps
the order in which it was written: ``(k_h·k_w·c_in + 1)·filters``.  A :class:`Formula` wraps one
template and compiles it once into

* three format strings with one positional placeholder per symbol (Unicode for people, plain
  Python arithmetic for machines, LaTeX for images), produced by the printers below, and
* a closure that evaluates it over plain Python integers.

Binding numbers to a formula (:meth:`Formula.bind`) gives a :class:`Term`; rendering a term is a
``str.format`` call, so the hot path never touches sympy.  No text a user typed ever reaches sympy:
templates are written in code from :func:`sym`, and values are Python ``int``s.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sympy import Add, Basic, Expr, Integer, Mul, Pow, Symbol
from sympy.printing.str import StrPrinter

__all__ = [
    "Formula",
    "Term",
    "TermSum",
    "add",
    "group_digits",
    "lit",
    "mul",
    "sym",
]

_Evaluator = Callable[[Sequence[int]], int]


@cache
def sym(name: str) -> Symbol:
    """A named, positive integer symbol (cached, so every template shares one object per name)."""
    return Symbol(name, integer=True, positive=True)


def lit(n: int) -> Integer:
    """An integer literal inside a template (a structural constant such as the ``1`` bias term)."""
    return Integer(n)


def add(*terms: Expr | int) -> Expr:
    """A sum kept in written order."""
    args = [lit(t) if isinstance(t, int) else t for t in terms]
    return args[0] if len(args) == 1 else Add(*args, evaluate=False)


def mul(*factors: Expr | int) -> Expr:
    """A product kept in written order."""
    args = [lit(f) if isinstance(f, int) else f for f in factors]
    return args[0] if len(args) == 1 else Mul(*args, evaluate=False)


def group_digits(n: int) -> str:
    """``86400`` → ``86,400`` (the one number style of every human-facing rendering)."""
    return f"{n:,}"


# --------------------------------------------------------------------------------------------
# Printers.  They print a template with a positional placeholder where each symbol stands, so
# the output is a format string.  Precedence: sum < product < power < atom.

_PREC_ADD, _PREC_MUL, _PREC_POW, _PREC_ATOM = 1, 2, 3, 4


def _prec(e: Basic) -> int:
    if isinstance(e, Add):
        return _PREC_ADD
    if isinstance(e, Mul):
        return _PREC_MUL
    if isinstance(e, Pow):
        return _PREC_POW
    return _PREC_ATOM


class _TemplatePrinter(StrPrinter):  # type: ignore[misc]  # sympy is untyped
    """Base: written order, placeholders for symbols; subclasses choose the operator glyphs."""

    times_pair = "*"  # a product of two plain factors
    times_many = "*"  # any other product
    plus = " + "
    minus = " - "
    power = "**"
    lparen, rparen = "(", ")"

    def __init__(self, index: Mapping[Symbol, int]) -> None:
        super().__init__({"order": "none"})
        self._index = index

    def _escape(self, text: str) -> str:
        return text.replace("{", "{{").replace("}", "}}")

    def _wrap(self, e: Basic, parent_prec: int) -> str:
        text = str(self._print(e))
        if _prec(e) < parent_prec or (_prec(e) == parent_prec and parent_prec == _PREC_POW):
            return f"{self._escape(self.lparen)}{text}{self._escape(self.rparen)}"
        return text

    def _print_Symbol(self, expr: Symbol) -> str:
        return "{" + str(self._index[expr]) + "}"

    def _print_Integer(self, expr: Integer) -> str:
        return self._escape(self.number(int(expr)))

    def number(self, n: int) -> str:
        return str(n)

    def _print_Add(self, expr: Add, order: Any = None) -> str:
        out: list[str] = []
        for i, term in enumerate(expr.args):
            negative = isinstance(term, Integer) and int(term) < 0
            if negative:
                text = self._escape(self.number(-int(term)))
            else:
                text = self._wrap(term, _PREC_ADD)
            if i == 0:
                out.append(("-" if negative else "") + text)
            else:
                out.append((self.minus if negative else self.plus) + text)
        return "".join(out)

    def _print_Mul(self, expr: Mul) -> str:
        parts = [self._wrap(f, _PREC_MUL + 1 if isinstance(f, Mul) else _PREC_MUL) for f in expr.args]
        # "86,400 × 4" for a product of two named quantities; "2·64", "(3·3·3 + 1)·32" otherwise.
        pair = len(parts) == 2 and all(isinstance(f, Symbol) for f in expr.args)
        glyph = self.times_pair if pair else self.times_many
        return self._escape(glyph).join(parts)

    def _print_Pow(self, expr: Pow) -> str:
        base, exp = expr.args
        return self._wrap(base, _PREC_POW) + self._escape(self.power) + self._wrap(exp, _PREC_POW)


class _UnicodePrinter(_TemplatePrinter):
    """``86,400 × 4 + 4``: ``×`` between two named factors, ``·`` in every other product."""

    times_pair = " × "
    times_many = "·"
    power = "^"

    def number(self, n: int) -> str:
        return group_digits(n)


class _PlainPrinter(_TemplatePrinter):
    """``86400*4 + 4``: Python arithmetic over integer literals."""


class _LatexPrinter(_TemplatePrinter):
    times_pair = r" \times "
    times_many = r" \cdot "
    power = "^"
    lparen, rparen = r"\left(", r"\right)"

    def number(self, n: int) -> str:
        return group_digits(n).replace(",", "{,}")

    def _print_Pow(self, expr: Pow) -> str:
        base, exp = expr.args
        return self._wrap(base, _PREC_POW) + "^{{" + str(self._print(exp)) + "}}"


def _compile(expr: Basic, index: Mapping[Symbol, int]) -> _Evaluator:
    """Turn a template into a closure over a value vector (plain ints, no sympy at call time)."""
    if isinstance(expr, Symbol):
        i = index[expr]
        return lambda v: v[i]
    if isinstance(expr, Integer):
        c = int(expr)
        return lambda v: c
    if isinstance(expr, Add):
        parts = [_compile(a, index) for a in expr.args]
        if len(parts) == 2:  # the usual template (weights + bias): no generator at call time
            x, y = parts
            return lambda v: x(v) + y(v)
        return lambda v: sum(p(v) for p in parts)
    if isinstance(expr, Mul):
        parts = [_compile(a, index) for a in expr.args]
        if len(parts) == 2:
            x, y = parts
            return lambda v: x(v) * y(v)
        if len(parts) == 3:
            x, y, z = parts
            return lambda v: x(v) * y(v) * z(v)
        return lambda v: math.prod(p(v) for p in parts)
    if isinstance(expr, Pow):
        base, exp = (_compile(a, index) for a in expr.args)
        return lambda v: base(v) ** exp(v)
    raise TypeError(f"unsupported node in a formula template: {type(expr).__name__}")


def _symbols_in_order(expr: Basic) -> tuple[Symbol, ...]:
    seen: dict[Symbol, None] = {}

    def walk(e: Basic) -> None:
        if isinstance(e, Symbol):
            seen.setdefault(e, None)
        for a in e.args:
            walk(a)

    walk(expr)
    return tuple(seen)


class Formula:
    """One compiled template.  Build with :meth:`of` (cached per template)."""

    __slots__ = ("_eval", "_pos", "expr", "latex_fmt", "names", "plain_fmt", "symbols", "unicode_fmt")

    def __init__(self, expr: Expr) -> None:
        self.expr = expr
        self.symbols = _symbols_in_order(expr)
        self.names = tuple(s.name for s in self.symbols)
        index = {s: i for i, s in enumerate(self.symbols)}
        self._pos = {s.name: i for i, s in enumerate(self.symbols)}
        self.unicode_fmt: str = _UnicodePrinter(index).doprint(expr)
        self.plain_fmt: str = _PlainPrinter(index).doprint(expr)
        self.latex_fmt: str = _LatexPrinter(index).doprint(expr)
        self._eval = _compile(expr, index)

    @staticmethod
    @cache
    def of(expr: Expr) -> Formula:
        return Formula(expr)

    def bind(self, **values: int) -> Term:
        """Numbers for every symbol, by name.  Extra names are an error (a typo in an entry)."""
        if len(values) != len(self.names):
            missing = set(self.names) - set(values)
            extra = set(values) - set(self.names)
            raise KeyError(f"formula {self.plain_fmt!r}: missing {sorted(missing)}, extra {sorted(extra)}")
        vec = [0] * len(self.names)
        for k, v in values.items():
            vec[self._pos[k]] = int(v)
        return Term(self, tuple(vec))

    def __repr__(self) -> str:
        return f"Formula({self.plain_fmt.format(*self.names)})"


@dataclass(frozen=True, slots=True)
class Term:
    """A formula with numbers bound to its symbols."""

    formula: Formula
    values: tuple[int, ...]

    @property
    def value(self) -> int:
        return self.formula._eval(self.values)

    @property
    def unicode(self) -> str:
        return self.formula.unicode_fmt.format(*map(group_digits, self.values))

    @property
    def plain(self) -> str:
        return self.formula.plain_fmt.format(*self.values)

    @property
    def latex(self) -> str:
        return self.formula.latex_fmt.format(*(group_digits(v).replace(",", "{,}") for v in self.values))

    @property
    def symbolic(self) -> str:
        """The template with symbol names, e.g. ``n_in × units + units``."""
        return self.formula.unicode_fmt.format(*self.formula.names)

    def substituted(self) -> Expr:
        """The template with the numbers in place, unevaluated (for sympy-side use)."""
        from sympy.core.parameters import evaluate

        with evaluate(False):
            return self.formula.expr.xreplace(
                {s: Integer(v) for s, v in zip(self.formula.symbols, self.values, strict=True)}
            )


@dataclass(frozen=True, slots=True)
class TermSum:
    """Several terms added (a layer's trainable + non-trainable parts, a wrapper's copies).

    Its value and its Unicode and plain renderings are worked out on first use and kept: a TermSum never
    changes, and a derived row's is shared process-wide (calc.derive memoizes solved rows), so every
    later report of the same layer reads them again instead of evaluating and formatting each term."""

    terms: tuple[Term, ...]
    _value: int | None = field(default=None, init=False, repr=False, compare=False)
    _unicode: str | None = field(default=None, init=False, repr=False, compare=False)
    _plain: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def value(self) -> int:
        value = self._value
        if value is None:
            value = 0
            for t in self.terms:
                value += t.value
            object.__setattr__(self, "_value", value)
        return value

    def _join(self, parts: Sequence[str]) -> str:
        return " + ".join(parts)

    @property
    def unicode(self) -> str:
        text = self._unicode
        if text is None:
            text = self._join([t.unicode for t in self.terms])
            object.__setattr__(self, "_unicode", text)
        return text

    @property
    def plain(self) -> str:
        text = self._plain
        if text is None:
            text = self._join([t.plain for t in self.terms])
            object.__setattr__(self, "_plain", text)
        return text

    @property
    def latex(self) -> str:
        return self._join([t.latex for t in self.terms])

    @property
    def symbolic(self) -> str:
        return self._join([t.symbolic for t in self.terms])
