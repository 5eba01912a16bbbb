"""Python source pasted into a chat, read with :mod:`ast` and never run.

People paste model code inside a question: prose before and after, the function body not indented
(``def createModel():`` followed by unindented lines), a line behind a Discord quote marker, a code
block indented by the chat client.  :func:`read_source` finds the code in such text and returns its
statements with the line numbers of the pasted text:

1. the whole text, dedented, when it is valid Python;
2. otherwise each *region* of code-looking lines (prose lines end a region), dedented, when the
   region is valid Python;
3. otherwise that region statement by statement: each statement (a line, or several while a bracket
   is open) is parsed on its own; block headers (``def f():``, ``for ...:``, ``return x``) are
   dropped, so the body is read as plain statements; a code-looking line that still does not parse
   is reported as skipped.

Everything is bounded before :func:`ast.parse` sees it: the text's size (which bounds the node count),
bracket nesting and runs of unary operators (which make CPython's parser recurse or exhaust memory);
a parser that still runs out of depth (a chain of thousands of ``+``) is a refusal, not a crash.  The
interpreter that walks the tree bounds its own recursion (:mod:`calc.parse.keras_code`).
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings
from dataclasses import dataclass, field

from calc.errors import InputError
from calc.i18n import register

__all__ = ["MAX_CODE_CHARS", "Source", "read_source"]

MAX_CODE_CHARS = 100_000
"""Largest code paste read (a long hand-written Keras model is a few thousand characters)."""
MAX_BRACKET_DEPTH = 40
MAX_STATEMENT_LINES = 300
"""Most lines one statement may span while a bracket stays open (a long ``Sequential([...])``)."""

register(
    {
        "parse.code.too_long": {
            "en": "That code is too long for me ({chars} characters); I read at most {max_chars} characters of code.",
            "zh": "这段代码太长了（{chars} 个字符）；我最多读取 {max_chars} 个字符的代码。",
        },
        "parse.code.too_complex": {
            "en": "That code is nested too deeply or is too large for me to read safely ({what}).",
            "zh": "这段代码嵌套太深或规模太大，我无法安全地读取（{what}）。",
        },
    }
)

# A line that starts a Python statement (tested on the stripped line).  Each alternative is anchored
# and its repetitions are separated by a required character, so matching is linear.
_CODE_START = re.compile(
    r"""^(?:
        (?:from\s+[\w.]+\s+import|import\s+[\w.]+)\b
      | (?:async\s+)?def\s+\w+\s*\(
      | class\s+\w+\s*[(:]
      | (?:return|yield|raise|assert|del|global|nonlocal)\b
      | (?:pass|break|continue)\s*$
      | (?:async\s+)?for\s+\(?[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*\)?\s+in\s
      | (?:if|elif|while)\s.*:
      | (?:async\s+)?with\s+[A-Za-z_][\w.]*\s*[(:]
      | (?:else|try|finally)\s*:
      | except\b.*:
      | @[A-Za-z_][\w.]*
      | \(?[A-Za-z_][\w.]*(?:\[[^\]\n]{0,200}\])?(?:\s*,\s*[A-Za-z_][\w.]*)*\)?\s*(?:[-+*/%@&|^]|//|\*\*|>>|<<)?=(?!=)
      | [A-Za-z_][\w.]*\(
    )""",
    re.VERBOSE,
)
# Block headers: a statement whose body follows on later lines.
_HEADER = re.compile(r"^(?:(?:async\s+)?def|class|for|while|if|elif|else|with|try|except|finally|async)\b.*:$")
_DROPPED = re.compile(r"^(?:return|yield)\b|^@")
# A line that is not prose even though it does not start a statement: a closing bracket, or code
# fragments such as ``x = (`` seen mid-line.
_FRAGMENT = re.compile(r"^[)\]}]|[\w\])]\((?:[\w'\"(\[]|\))|=\s*[\w(\[]")
_MAX_RETRIES = 50
_UNARY_RUN = re.compile(r"(?:[-+~]\s*){30,}|(?:\bnot\s+){30,}")
_OPENERS = "([{"
_CLOSERS = ")]}"


@dataclass
class Source:
    """The statements found, in order, with the pasted text's line numbers."""

    statements: list[ast.stmt] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # code-looking lines that did not parse
    dropped: list[tuple[int, str]] = field(default_factory=list)  # block headers read around (repair mode)
    repaired: bool = False  # some region was read statement by statement


def _too_complex(what: str) -> InputError:
    return InputError("parse.code.too_complex", what=what)


def _bracket_delta(line: str, in_string: str | None) -> tuple[int, int, str | None]:
    """Net bracket change over ``line``, the deepest point reached, and the string still open at its end
    (a triple-quoted string may span lines; a one-quote string ends with its line)."""
    depth = 0
    deepest = 0
    i = 0
    n = len(line)
    quote = in_string
    while i < n:
        c = line[i]
        if quote is not None:
            if c == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
            i += 1
            continue
        if c == "#":
            break
        if c in "'\"":
            quote = c * 3 if line.startswith(c * 3, i) else c
            i += len(quote)
            continue
        if c in _OPENERS:
            depth += 1
            deepest = max(deepest, depth)
        elif c in _CLOSERS:
            depth -= 1
        i += 1
    if quote is not None and len(quote) == 1:
        quote = None
    return depth, deepest, quote


def _check_nesting(text: str) -> None:
    if _UNARY_RUN.search(text):
        raise _too_complex("a long run of unary operators")
    depth = 0
    quote: str | None = None
    for line in text.split("\n"):
        delta, deepest, quote = _bracket_delta(line, quote)
        if depth + deepest > MAX_BRACKET_DEPTH:
            raise _too_complex(f"brackets nested more than {MAX_BRACKET_DEPTH} deep")
        depth = max(0, depth + delta)


def _parse(src: str, first_line: int) -> list[ast.stmt] | None:
    """``src`` parsed, its line numbers moved to start at ``first_line``; None when it is not Python."""
    _check_nesting(src)
    try:
        with warnings.catch_warnings():  # "invalid escape sequence" and the like: not the user's problem here
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            tree = ast.parse(src, mode="exec")
    except (SyntaxError, ValueError, OverflowError):
        return None
    except (RecursionError, MemoryError):
        raise _too_complex("the parser ran out of depth") from None
    if first_line > 1:
        ast.increment_lineno(tree, first_line - 1)
    return tree.body


def _regions(lines: list[str]) -> list[tuple[int, int]]:
    """Runs of lines ``[start, end)`` that hold code: a code-looking line opens a region; blank, comment,
    indented and bracket-continuation lines keep it open; any other line closes it."""
    regions: list[tuple[int, int]] = []
    start: int | None = None
    last_code = 0
    depth = 0
    quote: str | None = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        inside = depth > 0 or quote is not None
        if start is None:
            if _CODE_START.match(stripped):
                start, last_code = i, i
                depth, quote = 0, None
            else:
                continue
        elif not (
            inside
            or not stripped
            or stripped.startswith("#")
            or _CODE_START.match(stripped)
            or (line[:1].isspace() and _FRAGMENT.search(stripped))
            or stripped[0] in _CLOSERS
        ):
            regions.append((start, last_code + 1))
            start = None
            continue
        if stripped and not stripped.startswith("#"):
            last_code = i
        delta, _deepest, quote = _bracket_delta(line, quote)
        depth = max(0, depth + delta)
    if start is not None:
        regions.append((start, last_code + 1))
    return regions


def _by_statement(lines: list[str], start: int, end: int, out: Source) -> None:
    """Repair mode: each statement of ``lines[start:end]`` parsed on its own, indentation ignored."""
    out.repaired = True
    retries = _MAX_RETRIES
    i = start
    while i < end:
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        if not _CODE_START.match(stripped):
            if _FRAGMENT.search(stripped):
                out.skipped.append((i + 1, stripped))
            i += 1
            continue
        parts = [stripped]
        depth, _deepest, quote = _bracket_delta(stripped, None)
        j = i + 1
        while (depth > 0 or quote is not None or parts[-1].endswith("\\")) and j < end and j - i < MAX_STATEMENT_LINES:
            part = lines[j].strip()
            parts.append(part)
            delta, _deepest, quote = _bracket_delta(part, quote)
            depth += delta
            j += 1
        if (_HEADER.match(stripped) and j == i + 1) or _DROPPED.match(stripped):
            out.dropped.append((i + 1, stripped))
            i = j
            continue
        body = _parse("\n".join(parts), i + 1)
        if body is not None:
            out.statements.extend(body)
            i = j
            continue
        out.skipped.append((i + 1, stripped))
        # A statement that swallowed the lines after it (a bracket never closed): read those lines again
        # on their own, a bounded number of times.
        if j > i + 1 and retries > 0:
            retries -= 1
            i += 1
        else:
            i = j


def read_source(text: str) -> Source:
    """The Python statements in ``text`` (already passed through :func:`calc.parse.text.clean`)."""
    if len(text) > MAX_CODE_CHARS:
        raise InputError("parse.code.too_long", chars=len(text), max_chars=MAX_CODE_CHARS)
    out = Source()
    whole = _parse(textwrap.dedent(text), 1)
    if whole is not None:
        out.statements = whole
        return out
    lines = text.split("\n")
    for start, end in _regions(lines):
        region = "\n".join(lines[start:end])
        body = _parse(textwrap.dedent(region), start + 1)
        if body is not None:
            out.statements.extend(body)
        else:
            _by_statement(lines, start, end, out)
    return out
