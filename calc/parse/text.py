"""Cleaning pasted chat text before any parser sees it.

People paste summaries into Discord: inside code fences, behind quote markers, with CRLF line ends,
tabs, non-breaking spaces, full-width punctuation from a Chinese input method, zero-width characters
and their own question around the table.  :func:`clean` undoes all of that and bounds the size.
"""

from __future__ import annotations

import re

from calc.errors import InputError
from calc.i18n import register

__all__ = ["MAX_CHARS", "MAX_LINES", "clean", "has_line", "parse_int"]

MAX_CHARS = 400_000
"""Largest paste accepted (a DenseNet-201 Keras 3 summary is about 250,000 characters)."""
MAX_LINES = 20_000

_FULLWIDTH = {
    "（": "(",
    "）": ")",
    "，": ",",
    "：": ":",
    "；": ";",
    "［": "[",
    "］": "]",
    "＝": "=",
    "＂": '"',
    "＇": "'",
    "　": " ",  # ideographic space
    "\u00a0": " ",  # no-break space
    "\u2007": " ",  # figure space
    "\u202f": " ",  # narrow no-break space
    "\t": "    ",
    "−": "-",  # minus sign
}
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_REPLACE = tuple({**_FULLWIDTH, **dict.fromkeys(_ZERO_WIDTH, "")}.items())
"""Each character to change and its replacement; no replacement holds a character of this table."""
_FENCE = re.compile(r"^\s*```[\w+-]*\s*$")
_QUOTE = re.compile(r"^\s*>>?>?\s?")

register(
    {
        "error.too_long": {
            "en": "That text is too long for me ({chars} characters, {lines} lines); I read at most {max_chars} characters and {max_lines} lines.",
            "zh": "这段文字太长了（{chars} 个字符，{lines} 行）；我最多读取 {max_chars} 个字符、{max_lines} 行。",
        },
    }
)


def clean(text: str) -> str:
    """Normalised text: ``\\n`` line ends, no fences or quote markers, ASCII punctuation, no zero-width marks."""
    if len(text) > MAX_CHARS or text.count("\n") > MAX_LINES:
        raise InputError(
            "error.too_long", chars=len(text), lines=text.count("\n") + 1, max_chars=MAX_CHARS, max_lines=MAX_LINES
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # str.translate looks every character of a non-ASCII text up in its table (~20 ms for a DenseNet121
    # summary); a substring test per character to change is a fast scan each (~0.4 ms for all of them).
    for odd, new in _REPLACE:
        if odd in text:
            text = text.replace(odd, new)
    # The usual paste: only trailing blanks to drop.  ("`" first: one character is found with a fast scan,
    # three alike with a slow one, ~0.13 ms on a DenseNet121 summary.)
    if ("`" not in text or "```" not in text) and ">" not in text:
        return "\n".join([line.rstrip() for line in text.split("\n")])
    lines = []
    for line in text.split("\n"):
        if "```" in line:
            if _FENCE.match(line):
                continue
            # A fence can open on the same line as text ("```Model: ...").
            line = line.replace("```", "")
        if ">" in line:
            line = _QUOTE.sub("", line, count=1)
        lines.append(line.rstrip())
    return "\n".join(lines)


def has_line(text: str, literal: str, pattern: re.Pattern[str]) -> bool:
    """``pattern.search(text) is not None`` for a ``re.MULTILINE`` pattern that starts with ``^`` and only
    matches within one line holding ``literal``, read faster: only the lines that hold ``literal`` are tried.
    (A MULTILINE ``^`` search tries every character of the text: ~1 ms for a DenseNet121 summary.)"""
    start = 0
    while (at := text.find(literal, start)) >= 0:
        if pattern.match(text, text.rfind("\n", 0, at) + 1):
            return True
        start = text.find("\n", at) + 1
        if start == 0:
            break
    return False


_INT = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+$|^[+-]?\d+$")


def parse_int(token: str) -> int | None:
    """``"1,234"`` / ``"1234"`` / ``"-284,054,698"`` → int; anything else → None.  At most 30 digits."""
    token = token.strip()
    if len(token) > 40 or not _INT.match(token):
        return None
    return int(token.replace(",", ""))
