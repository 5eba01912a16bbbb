"""PyTorch ``print(model)`` → :class:`~calc.model.ModelSpec`.

What ``nn.Module.__repr__`` prints::

    LeNet5(
      (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
      (layers): ModuleList(
        (0-2): 3 x Linear(in_features=10, out_features=10, bias=True)
      )
      (fc): Linear(in_features=84, out_features=10, bias=True)
    )

* Every module is a row, in ``named_modules()`` order, the model itself first (depth 0, no name).
  ``name`` is the dotted path ``named_modules()`` gives (``layer1.0.conv1``); depth comes from the
  nesting of the brackets, not from the indentation.
* A module printed as a block with children is a container (``Sequential``, ``ModuleList``,
  ``ModuleDict`` and custom classes alike).  Lines inside a block before its first child are the
  module's own ``extra_repr`` (a leaf with a multi-line ``extra_repr`` is a block without children).
* ``(0-2): 3 x Block(...)``: recent torch folds identical consecutive children of a ``Sequential`` or
  ``ModuleList``; they are expanded into one row each (names ``0``, ``1``, ``2``), up to a bound.
* Arguments are read with :func:`ast.parse` on bounded text and only literals are kept (numbers,
  strings, booleans, ``None``, tuples/lists of those, negative numbers).  A bare word is kept as a
  string (torch prints ``padding=same``, ``padding_mode=reflect`` without quotes).  Positional
  arguments get their names from the catalog entry's ``positional`` when the kind is registered;
  otherwise they stay, in order, under the config key ``_args`` so nothing is lost.
  Values that are not literals go under ``_unread`` as their text.  Nothing is ever evaluated.
* No parameter counts or shapes: a repr has none.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from calc.errors import InputError
from calc.findings import Finding, Severity
from calc.i18n import Message, register
from calc.model import Format, LayerSpec, ModelSpec
from calc.parse._torch_common import finding, resolve_type, torch_entry_positional
from calc.parse.text import has_line
from calc.types import Framework

__all__ = ["detect", "parse"]

_FORMAT = "print(model)"

MAX_ARGS_CHARS = 2_000
"""Longest argument text handed to :func:`ast.parse` (torch's longest reprs are a few hundred characters)."""
MAX_ARGS_NESTING = 8
MAX_ROWS = 5_000
"""Most rows a repr may expand to (``(0-99): 100 x Block(...)`` multiplies rows)."""
_MAX_JOINED_LINES = 8
_ROOT_LOOKAHEAD = 50  # lines searched below a "Net(" line for its first child

register(
    {
        "parse.torch_repr.none": {
            "en": (
                'I found no PyTorch print(model) output here. It looks like "Net(" followed by lines such as '
                '"  (conv1): Conv2d(1, 10, kernel_size=(5, 5), stride=(1, 1))" and a closing ")".'
            ),
            "zh": (
                '这里没有找到 PyTorch 的 print(model) 输出。它的样子是 "Net("，后面跟着如 '
                '"  (conv1): Conv2d(1, 10, kernel_size=(5, 5), stride=(1, 1))" 的行，最后是 ")"。'
            ),
        },
    }
)

_CHILD = re.compile(
    r"^ *\((?P<name>[^()\s]{1,200})\): (?:(?P<count>\d{1,7}) x )?(?P<type>[A-Za-z_][\w.]{0,199})\((?P<rest>.*)$"
)
# A child line that is a whole leaf call, "(conv1): Conv2d(1, 6, kernel_size=(5, 5))": the same groups as
# _CHILD, with the arguments' text apart ("rest" without its closing bracket).  Its arguments hold no
# quotes and no brackets but one level of "(...)", so that their brackets close exactly at the line's end.
# _LEAF_TAIL is the part after "(name): " (count, type, arguments), read apart on the usual line.
_LEAF_TAIL = re.compile(
    r"(?:(?P<count>\d{1,7}) x )?(?P<type>[A-Za-z_][\w.]{0,199})"
    r"\((?P<args>(?:[^()\[\]{}'\"]++|\([^()\[\]{}'\"]*+\))*+)\)"
)
_LEAF = re.compile(rf"^ *\((?P<name>[^()\s]{{1,200}})\): {_LEAF_TAIL.pattern}$")
_MAX_TAIL_MEMO = 600  # longer rests are read but not memoized
_CHILD_ANY = re.compile(r"^ *\([^()\s]{1,200}\): (?:\d{1,7} x )?[A-Za-z_][\w.]{0,199}\(", re.MULTILINE)
_CHILD_START = re.compile(r"^ +\([^()\s]{1,200}(?:\)|$)")  # a child line, maybe wrapped before its end
_ROOT_OPEN = re.compile(r"^ *(?P<type>[A-Za-z_][\w.]{0,199})\($")
_ROOT_LINE = re.compile(r"^(?P<type>[A-Za-z_]\w{0,199})\((?P<rest>.*)\)$")
_CLOSE = re.compile(r"^ *\) *$")
_RANGE = re.compile(r"^(\d{1,7})-(\d{1,7})$")


def detect(text: str) -> bool:
    """At least one ``(name): Type(`` child line, which only ``nn.Module.__repr__`` prints."""
    return has_line(text, "): ", _CHILD_ANY)


class _Row:
    """One module as read (a plain class with slots: one is made for every row)."""

    __slots__ = ("args", "depth", "is_container", "line", "name", "type")

    def __init__(
        self,
        type: str,
        name: str | None,
        depth: int,
        line: int,
        args: list[str] | None = None,
        is_container: bool = False,
    ) -> None:
        self.type = type
        self.name = name
        self.depth = depth
        self.line = line
        self.args: list[str] = [] if args is None else args
        self.is_container = is_container


@dataclass
class _Frame:
    row: int | None  # index into rows; None for a missing root
    path: str  # dotted path of this module ("" for the root)
    depth: int
    count: int = 1  # "(0-2): 3 x Block(" repeats the whole subtree
    first: int = 0  # the first index of a repeated range
    children: int = 0


_BRACKETS_ONLY = str.maketrans("", "", "".join(c for c in map(chr, range(0x80)) if c not in "()[]{}'\""))


def _balance(text: str, depth: int) -> int:
    """Bracket depth after ``text``, starting from ``depth``; quoted strings are skipped.

    ``-1`` when the first bracket closes before the end (``1)(2``), 0 when it closes exactly at the end.
    """
    ends_closed = text.endswith(")")
    if text.isascii():  # scan only the brackets and quotes: a few characters instead of the whole line
        text = text.translate(_BRACKETS_ONLY)
    quote = ""
    for k, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return 0 if k == len(text) - 1 and ch == ")" and ends_closed else -1
    return depth


def parse(text: str) -> ModelSpec:
    lines = text.split("\n")
    findings: list[Finding] = []
    rows: list[_Row] = []
    stack: list[_Frame] = []

    start = _find_start(lines)
    if start is None:
        return _single_line(lines, findings)
    i = start
    root = _ROOT_OPEN.match(lines[i])
    if root is not None:
        rows.append(_Row(root.group("type"), None, 0, i + 1))
        stack.append(_Frame(0, "", 0))
        i += 1
    else:
        findings.append(finding("parse.no_root", "parse.torch.no_root", Severity.INFO))
        stack.append(_Frame(None, "", 0))

    while i < len(lines) and stack:
        line = lines[i]
        i += 1
        line_no = i
        if not line.strip():
            continue
        frame = stack[-1]
        # The usual line, a whole leaf call, read at once (what the general path below reads it as): its
        # name cut at the first "): " (a name has no ")"), then the rest, memoized (lines repeat but for
        # their names).  A name not plainly a word or a number ("0-2") is left to _LEAF.
        leaf: tuple[str | None, str, str] | None = None
        stripped = line.lstrip(" ")
        if stripped[0] == "(":
            k = stripped.find("): ", 2)
            name_text = stripped[1:k]
            if 0 < k <= 201 and (name_text.isdecimal() or name_text.isidentifier()):
                leaf = _leaf_tail(stripped[k + 3 :])
            elif (m_leaf := _LEAF.match(line)) is not None:
                name_text = m_leaf.group(1)
                leaf = m_leaf.group(2, 3, 4)  # type: ignore[assignment]
        if leaf is not None:
            count_text, type_name, args = leaf
            if count_text is None:
                name, first, count = name_text, 0, 1
            else:
                name, first, count = _child_name(name_text, count_text)
            frame.children += 1
            rows.append(_Row(type_name, f"{frame.path}.{name}" if frame.path else name, frame.depth + 1, i, [args]))
            if count > 1:
                _repeat(rows, len(rows) - 1, frame.path, first, count, findings)
            continue
        if _CLOSE.match(line):
            stack.pop()
            _close(frame, rows, findings)
            continue
        m = _CHILD.match(line)
        if m is None and line.lstrip().startswith("("):
            # "(out_proj): NonDynamicallyQuantizabl" + "eLinear(...)": a child line wrapped before its "(".
            whole, k = line, i
            while m is None and k < len(lines) and k - i < _MAX_JOINED_LINES:
                whole += lines[k].strip()
                k += 1
                m = _CHILD.match(whole)
            if m is not None:
                line, i = whole, k
        if m is None:
            if frame.children == 0 and frame.row is not None:
                rows[frame.row].args.append(line.strip())  # the container's own extra_repr
            else:
                findings.append(
                    finding(
                        "parse.skipped_row", "parse.torch.skipped_row", line=i, format=_FORMAT, text=line.strip()[:80]
                    )
                )
            continue
        rest = m.group("rest")
        depth = _balance(rest, 1)
        joined = 0
        if depth > 0 and not rest.strip() and i < len(lines) and lines[i].strip():
            # "(0): Conv2d(" then "1, 6, kernel_size=...": a block's lines are indented deeper than its
            # opening line, so a next line that is not was wrapped right after the "(".
            indent = len(line) - len(line.lstrip(" "))
            if len(lines[i]) - len(lines[i].lstrip(" ")) <= indent:
                rest = lines[i].strip()
                i += 1
                joined += 1
                depth = _balance(rest, 1)
        while depth > 0 and rest.strip() and i < len(lines) and joined < _MAX_JOINED_LINES:
            # A long line wrapped by a narrow window: the call goes on on the next line.
            rest += lines[i].strip()
            i += 1
            joined += 1
            depth = _balance(rest, 1)
        if depth < 0 or (depth > 0 and rest.strip()):
            findings.append(
                finding(
                    "parse.skipped_row", "parse.torch.skipped_row", line=line_no, format=_FORMAT, text=line.strip()[:80]
                )
            )
            continue
        name, first, count = _child_name(m.group("name"), m.group("count"))
        frame.children += 1
        path = f"{frame.path}.{name}" if frame.path else name
        row = _Row(m.group("type"), path, frame.depth + 1, line_no)
        rows.append(row)
        if depth > 0:  # "Type(" opens a block
            stack.append(_Frame(len(rows) - 1, path, frame.depth + 1, count, first))
        else:
            row.args.append(rest[:-1])
            if count > 1:
                _repeat(rows, len(rows) - 1, frame.path, first, count, findings)

    if stack:
        findings.append(
            finding(
                "parse.truncated",
                "parse.torch.truncated",
                format=_FORMAT,
                missing=Message("parse.torch.missing_close"),
                rows=len(rows),
            )
        )
        while stack:
            _close(stack.pop(), rows, findings)
    if not rows:
        raise InputError("parse.torch_repr.none")
    return _spec(rows, findings)


def _leaf_tail(rest: str) -> tuple[str | None, str, str] | None:
    """``rest`` (a line after its ``(name): ``) as a whole leaf call: (count, type, arguments), else None."""
    if len(rest) > _MAX_TAIL_MEMO:
        m = _LEAF_TAIL.fullmatch(rest)
        return None if m is None else m.groups()  # type: ignore[return-value]
    return _leaf_tail_memo(rest)


@lru_cache(maxsize=2048)
def _leaf_tail_memo(rest: str) -> tuple[str | None, str, str] | None:
    m = _LEAF_TAIL.fullmatch(rest)
    return None if m is None else m.groups()  # type: ignore[return-value]


def _find_start(lines: list[str]) -> int | None:
    """The root line ``Net(`` with a child line inside its block, else the first child line."""
    first_child: int | None = None
    for i, line in enumerate(lines):
        if _ROOT_OPEN.match(line):
            indent = len(line) - len(line.lstrip(" "))
            # Its block: the next lines indented deeper (its own extra_repr lines may come first).
            for k in range(i + 1, min(i + 1 + _ROOT_LOOKAHEAD, len(lines))):
                inner = lines[k]
                if not inner.strip():
                    continue
                if len(inner) - len(inner.lstrip(" ")) <= indent:
                    break
                if _CHILD_START.match(inner):
                    return i
        elif first_child is None and _CHILD.match(line):
            first_child = i
    return first_child


def _child_name(name: str, count_text: str | None) -> tuple[str, int, int]:
    """``("0-2", "3")`` → name ``"0"``, first index 0, count 3; a plain name → (name, 0, 1)."""
    if count_text is None:
        return name, 0, 1
    rng = _RANGE.match(name)
    count = int(count_text)
    if rng is None or count < 1:
        return name, 0, 1
    first = int(rng.group(1))
    return str(first), first, count


def _close(frame: _Frame, rows: list[_Row], findings: list[Finding]) -> None:
    if frame.row is None:
        return
    rows[frame.row].is_container = frame.children > 0
    if frame.count > 1:
        parent = frame.path.rpartition(".")[0]
        _repeat(rows, frame.row, parent, frame.first, frame.count, findings)


def _repeat(rows: list[_Row], at: int, parent: str, first: int, count: int, findings: list[Finding]) -> None:
    """Expand ``(first-…): count x`` — the subtree ``rows[at:]`` — into ``count`` copies, renamed."""
    block = rows[at:]
    if len(rows) + len(block) * (count - 1) > MAX_ROWS:
        findings.append(
            finding(
                "parse.repeat_capped", "parse.torch.repeat_capped", layer=rows[at].name or rows[at].type, count=count
            )
        )
        rows[at].args.append(f"_repeat={count}")
        return
    old = f"{parent}.{first}" if parent else str(first)
    for k in range(1, count):
        new = f"{parent}.{first + k}" if parent else str(first + k)
        for r in block:
            name = new + (r.name or "")[len(old) :]
            rows.append(_Row(r.type, name, r.depth, r.line, list(r.args), r.is_container))


def _single_line(lines: list[str], findings: list[Finding]) -> ModelSpec:
    """A model that is one module (``Linear(in_features=3, out_features=4, bias=True)``)."""
    for i, line in enumerate(lines):
        m = _ROOT_LINE.match(line)
        if m and _balance(m.group("rest"), 1) == 1:
            _, ok = _read_args(m.group("type"), [m.group("rest")])
            if ok:
                row = _Row(m.group("type"), None, 0, i + 1, [m.group("rest")])
                return _spec([row], findings)
    raise InputError("parse.torch_repr.none")


def _spec(rows: list[_Row], findings: list[Finding]) -> ModelSpec:
    layers: list[LayerSpec] = []
    for r in rows:
        args = r.args
        if len(args) == 1 and len(args[0]) <= MAX_ARGS_CHARS:  # the usual row, memoized by its text
            cached, ok = _read_part(r.type, args[0])
            config = dict(cached)
        else:
            config, ok = _read_args(r.type, args)
        if not ok:
            findings.append(
                finding(
                    "parse.args_unread",
                    "parse.torch.args_unread",
                    Severity.INFO,
                    layer=r.name or r.type,
                    text=", ".join(r.args)[:120],
                )
            )
        # Positional, in LayerSpec's field order (keyword arguments cost a third more per row).
        layers.append(
            LayerSpec(
                r.type,
                r.name,
                r.depth,
                config,
                None,  # output_shape
                None,  # output_shape_text
                None,  # input_shape
                None,  # params
                None,  # trainable
                False,  # unbuilt
                False,  # recursive
                r.is_container,
                (),  # inbound
                None,  # kernel_size
                None,  # mult_adds
                r.line,
                resolve_type(r.type),  # resolved_type
            )
        )
    return ModelSpec(
        format=Format.TORCH_REPR, framework=Framework.TORCH, layers=tuple(layers), findings=tuple(findings)
    )


def _nesting(text: str) -> int:
    deepest = depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    return deepest


def _read_args(type_name: str, parts: list[str]) -> tuple[dict[str, Any], bool]:
    """Constructor arguments from their printed text: ``(config, all read)``.  Never evaluates anything."""
    if len(parts) == 1:  # the usual row: one line of arguments
        text = parts[0].strip().rstrip(",") if parts[0].strip() else ""
    else:
        text = ", ".join(p.strip().rstrip(",") for p in parts if p.strip())
    if not text:
        return {}, True
    config, ok = _read_args_text(type_name, text)
    return dict(config), ok


@lru_cache(maxsize=4096)
def _read_part(type_name: str, part: str) -> tuple[dict[str, Any], bool]:
    """:func:`_read_args` of one line's arguments (``part`` at most MAX_ARGS_CHARS long), memoized by
    the text as printed (the same string object for every line :func:`_leaf_tail` read alike, so its
    hash is computed once).  The config is shared: callers copy it."""
    text = part.strip().rstrip(",")
    return _read_args_text(type_name, text) if text else ({}, True)


def _read_args_text(type_name: str, text: str) -> tuple[dict[str, Any], bool]:
    """The config is shared (memoized): callers copy it."""
    if len(text) > MAX_ARGS_CHARS:  # not memoized: a long text would stay in the memo
        return {"_repr": text[:MAX_ARGS_CHARS]}, False
    return _read_args_memo(type_name, text)


@lru_cache(maxsize=4096)
def _read_args_memo(type_name: str, text: str) -> tuple[dict[str, Any], bool]:
    """Cached: a model repeats the same layer line many times (``BatchNorm2d(64, eps=1e-05, ...)``)."""
    if _nesting(text) > MAX_ARGS_NESTING:
        return {"_repr": text[:MAX_ARGS_CHARS]}, False
    simple = _simple_args(text)
    if simple is not None:
        return _name_args(type_name, simple[0], simple[1], {}), True
    try:
        with warnings.catch_warnings():  # "invalid decimal literal" (1if x) and the like: not the user's problem
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            tree = ast.parse(f"f({text})", mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {"_repr": text}, False
    call = tree.body
    if not isinstance(call, ast.Call):
        return {"_repr": text}, False
    ok = True
    unread: dict[str, str] = {}
    args: list[Any] = []
    for k, node in enumerate(call.args):
        value, good = _literal(node, 0)
        if good:
            args.append(value)
        else:
            ok = False
            unread[str(k)] = ast.get_source_segment(f"f({text})", node) or "?"
            args.append(None)
    config: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg is None:
            ok = False
            unread["**"] = ast.get_source_segment(f"f({text})", kw.value) or "?"
            continue
        value, good = _literal(kw.value, 0)
        if good:
            config[kw.arg] = value
        else:
            ok = False
            unread[kw.arg] = ast.get_source_segment(f"f({text})", kw.value) or "?"
    return _name_args(type_name, args, config, unread), ok


def _name_args(type_name: str, args: list[Any], kwargs: dict[str, Any], unread: dict[str, str]) -> dict[str, Any]:
    """Positional arguments named by the catalog entry's ``positional``; the rest kept under ``_args``."""
    positional = torch_entry_positional(type_name) if args else None
    named: dict[str, Any] = {}
    extra: list[Any] = []
    for k, value in enumerate(args):
        if positional is not None and k < len(positional) and positional[k] not in kwargs and str(k) not in unread:
            named[positional[k]] = value
        else:
            extra.append(value)
    named.update(kwargs)
    if extra:
        named["_args"] = tuple(extra)
    if unread:
        named["_unread"] = unread
    return named


# One argument in the shapes torch prints most: an int tuple, a number, a quoted string or a bare word.
_ITEM = re.compile(
    r" *(?:(?P<key>[A-Za-z_]\w{0,99})=)?(?P<val>\((?: *-?\d{1,18} *,)* *(?:-?\d{1,18} *)?\)"
    r"|-?\d{1,18}(?:\.\d{1,30})?(?:[eE][-+]?\d{1,3})?|'[^'\\]{0,200}'|[A-Za-z_]\w{0,99}) *(?:,|$)"
)
_WORDS = {"True": True, "False": False, "None": None, "inf": float("inf"), "nan": float("nan")}


def _simple_args(text: str) -> tuple[list[Any], dict[str, Any]] | None:
    """The fast path for the common argument lists; ``None`` sends the text to :func:`ast.parse`."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    pos = 0
    while pos < len(text):
        m = _ITEM.match(text, pos)
        if m is None or m.end() == pos:
            return None
        pos = m.end()
        raw = m.group("val")
        value: Any
        if raw[0] == "(":
            value = tuple(int(x) for x in raw[1:-1].split(",") if x.strip())
        elif raw[0] == "'":
            value = raw[1:-1]
        elif raw[0].isalpha() or raw[0] == "_":
            value = _WORDS.get(raw, raw)
        elif "." in raw or "e" in raw or "E" in raw:
            value = float(raw)
        else:
            value = int(raw)
        key = m.group("key")
        if key is None:
            if kwargs:
                return None  # a positional argument after a keyword: let ast judge
            args.append(value)
        elif key in kwargs:
            return None
        else:
            kwargs[key] = value
    return args, kwargs


def _literal(node: ast.expr, depth: int) -> tuple[Any, bool]:
    """A literal's value: numbers, strings, booleans, None, tuples/lists of those; bare words as strings."""
    if depth > MAX_ARGS_NESTING:
        return None, False
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None or isinstance(value, (bool, int, float, str)):
            return value, True
        return None, False
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner, good = _literal(node.operand, depth + 1)
        if good and isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return (-inner if isinstance(node.op, ast.USub) else inner), True
        return None, False
    if isinstance(node, (ast.Tuple, ast.List)):
        items = []
        for elt in node.elts:
            value, good = _literal(elt, depth + 1)
            if not good:
                return None, False
            items.append(value)
        return tuple(items), True
    if isinstance(node, ast.Name):  # torch prints some strings bare: padding=same, padding_mode=reflect
        return _WORDS.get(node.id, node.id), True
    if isinstance(node, ast.Attribute):  # dtype=torch.float32
        parts: list[str] = [node.attr]
        base: ast.expr = node.value
        while isinstance(base, ast.Attribute) and len(parts) < 8:
            parts.append(base.attr)
            base = base.value
        if isinstance(base, ast.Name):
            parts.append(base.id)
            return ".".join(reversed(parts)), True
    return None, False
