"""Random damage to real pasted text, for the parsers' robustness tests and the fuzzers.

    damaged(sources)                 up to six lines deleted, duplicated, cut short or given random characters
    damaged(sources, ops=HOSTILE)    the same, plus what hostile or unlucky pastes hold: columns shuffled,
                                     numbers at the limits (10**100, 5,000 digits, 2**31), zero-width, RTL and
                                     odd digit characters, deep brackets, long runs of one character (regex
                                     backtracking bait), lines swapped
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

DAMAGE = ("delete", "duplicate", "insert", "cut")
"""The everyday damage of a chat paste."""

HOSTILE = (*DAMAGE, "shuffle", "huge", "unicode", "nested", "bait", "swap")
"""Everyday damage and hostile edits (see the module docstring)."""

LIMIT_NUMBERS = (
    "0", "1", "-1", "2", "00000000000000000001", "-0",
    "2147483647", "2147483648", "-2147483648", "4294967296", "9223372036854775807", "18446744073709551616",
    "999999999999", "1000000000000", "1000000000001", "99999999999999999999",
    "1,000,000,000,000,000", "2,147,483,648", "1_000_000", "1e12", "1e100", "1e308", "1e309", "1e-5",
    "10**100", "2**31", "2**64", "1" + "0" * 100, "9" * 400, "9" * 4_301, "9" * 20_000,
    "0.5", "1.0", "inf", "-inf", "nan", "NaN", "0x10",
    "٣", "²", "①", "𝟗", "８６４００", "8\u200b6400", "86\u202e400",
)  # fmt: skip
"""Numbers at and past every limit, as text: int32 and int64 edges, layerbot's 10**12 cap, Python's
4,300-digit int() limit, floats, and digits that are not ASCII (``int('²')`` raises, ``int('٣')`` does not)."""

ODD_CHARACTERS = (
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",  # zero-width
    "\u200e", "\u200f", "\u202a", "\u202b", "\u202e", "\u2066", "\u2067", "\u2069",  # direction marks
    "\u0301", "\u20dd",  # combining marks
    "\x00", "\x0b", "\x0c", "\x1c", "\x1e", "\x85", "\u2028", "\u2029", "\r",  # str.splitlines() splits at these
    "\ud800",  # a lone surrogate (JSON can carry one)
    "\u00a0", "\u3000", "\t",  # spaces
    "（", "）", "，", "：", "＝", "×", "−", "─", "━", "│", "┃",
    "²", "٣", "𝟗", "０", "Ⅻ",  # characters str.isdigit() (or int()) accepts
    "🧠", "模", "ß", "İ", "ﬁ",  # wide, and characters whose case mapping changes their length
)  # fmt: skip
"""Characters that have broken parsers: invisible ones, line breaks only some splitters know, digits
that are not ASCII, and characters that change length when case-folded."""

BAIT = (" ", "1", "0,", "─", "━", "═", "=", "_", "-", "│", "x1", "(None, ", "[-1, ", "a", ".", "\t", "  \n")
"""Units repeated thousands of times: what makes a backtracking regex go quadratic."""

_OPEN_CLOSE = ("()", "[]", "{}", "((", "([")

_NUMBER = re.compile(r"\d+")
_CELL_SEPARATOR = re.compile(r"(\s{2,}|[│┃|])")


@cache
def _lines(path: Path) -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8").split("\n"))


def _insert(line: str, pos: int, text: str) -> str:
    return line[:pos] + text + line[pos:]


@st.composite
def damaged(
    draw: st.DrawFn, sources: Sequence[Path], ops: Sequence[str] = DAMAGE, max_edits: int = 6
) -> str:
    """One of ``sources`` with up to ``max_edits`` random edits drawn from ``ops`` (:data:`DAMAGE`: lines
    deleted, duplicated, cut short or given random characters; :data:`HOSTILE` adds the hostile edits)."""
    lines = list(_lines(draw(st.sampled_from(list(sources)))))
    for _ in range(draw(st.integers(0, max_edits))):
        op = draw(st.sampled_from(list(ops)))
        k = draw(st.integers(0, len(lines) - 1))
        line = lines[k]
        if op == "delete" and len(lines) > 1:
            del lines[k]
        elif op == "duplicate":
            lines.insert(k, line)
        elif op == "insert":
            pos = draw(st.integers(0, len(line)))
            lines[k] = _insert(line, pos, draw(st.text(min_size=1, max_size=5)))
        elif op == "cut":
            lines[k] = line[: draw(st.integers(0, len(line)))]
        elif op == "shuffle":
            parts = _CELL_SEPARATOR.split(line)
            cells = draw(st.permutations(parts[::2]))
            parts[::2] = cells
            lines[k] = "".join(parts)
        elif op == "huge":
            numbers = list(_NUMBER.finditer(line))
            value = draw(st.sampled_from(LIMIT_NUMBERS))
            if numbers:
                m = draw(st.sampled_from(numbers))
                lines[k] = line[: m.start()] + value + line[m.end() :]
            else:
                lines[k] = _insert(line, draw(st.integers(0, len(line))), value)
        elif op == "unicode":
            numbers = list(_NUMBER.finditer(line))
            inside: bool = draw(st.booleans())
            if numbers and inside:  # inside a number: 345<ZWSP>604
                m = draw(st.sampled_from(numbers))
                pos = draw(st.integers(m.start(), m.end()))
            else:
                pos = draw(st.integers(0, len(line)))
            lines[k] = _insert(line, pos, draw(st.sampled_from(ODD_CHARACTERS)) * draw(st.integers(1, 3)))
        elif op == "nested":
            pair = draw(st.sampled_from(_OPEN_CLOSE))
            depth = draw(st.integers(1, 5_000))
            closed = pair[1] * depth if draw(st.booleans()) else ""
            lines[k] = _insert(line, draw(st.integers(0, len(line))), pair[0] * depth + closed)
        elif op == "bait":
            run = draw(st.sampled_from(BAIT)) * draw(st.integers(50, 20_000))
            lines[k] = _insert(line, draw(st.integers(0, len(line))), run)
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[k], lines[j] = lines[j], line
    return "\n".join(lines)
