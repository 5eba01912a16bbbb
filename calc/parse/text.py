"""Cleaning pasted chat text before any parser sees it.

People paste summaries into Discord: inside code fences, behind quote markers, with CRLF line ends,
tabs, non-breaking spaces, full-width punctuation from a Chinese input method, zero-width characters
and their own question around the table.  :func:`clean` undoes all of that and bounds the size.
"""

from __future__ import annotations

import re

from calc.errors import InputError
from calc.i18n import register

__all__ = ["MAX_CHARS", "MAX_LINES", "clean", "parse_int"]

MAX_CHARS = 400_000
"""Largest paste accepted (a DenseNet-201 Keras 3 summary is about 250,000 characters)."""
MAX_LINES = 20_000

_FULLWIDTH = str.maketrans(
    {
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
)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069]")
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
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text).translate(_FULLWIDTH)
    lines = []
    for line in text.split("\n"):
        if _FENCE.match(line):
            continue
        # A fence can open on the same line as text ("```Model: ...").
        line = line.replace("```", "")
        lines.append(_QUOTE.sub("", line, count=1).rstrip())
    return "\n".join(lines)


_INT = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+$|^[+-]?\d+$")


def parse_int(token: str) -> int | None:
    """``"1,234"`` / ``"1234"`` / ``"-284,054,698"`` → int; anything else → None.  At most 30 digits."""
    token = token.strip()
    if len(token) > 40 or not _INT.match(token):
        return None
    return int(token.replace(",", ""))
