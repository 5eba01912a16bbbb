"""Pieces shared by the three PyTorch parsers (torchinfo, torchsummary, ``print(model)``).

Not a parser module itself (hence the underscore): shape lists such as ``[1, 10, 24, 24]``, counts
printed with a unit (``Total mult-adds (Units.MEGABYTES): 0.42``), the catalog lookup that resolves
an alias to its catalog name, and the findings the parsers report.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from calc.catalog import lookup
from calc.errors import LayerbotError
from calc.findings import Finding, Severity
from calc.i18n import Message, register
from calc.parse.text import parse_int
from calc.types import Dim, Framework, ShapeTree

__all__ = [
    "CONTAINER_TYPES",
    "MAX_SHAPE_CHARS",
    "finding",
    "parse_shape",
    "resolve_type",
    "scaled_count",
    "torch_entry_positional",
]

MAX_SHAPE_CHARS = 1_000
"""Longest shape text read; torch shapes are short, anything longer is not a shape."""
_MAX_SHAPE_NESTING = 6

CONTAINER_TYPES = frozenset({"Sequential", "ModuleList", "ModuleDict"})
"""torch classes that only hold other modules: no parameters or computation of their own."""

# Aliases torch prints that the catalog may not know yet (it is being filled in): class → catalog name.
_BUILTIN_ALIASES = {"NonDynamicallyQuantizableLinear": "Linear"}

register(
    {
        "parse.torch.truncated": {
            "en": "The {format} text looks cut off ({missing} missing); I read the {rows} rows that are there.",
            "zh": "这段 {format} 文本似乎被截断了（缺少{missing}）；我读取了现有的 {rows} 行。",
        },
        "parse.torch.missing_totals": {
            "en": "the totals",
            "zh": "总计",
        },
        "parse.torch.missing_close": {
            "en": "closing brackets",
            "zh": "右括号",
        },
        "parse.torch.skipped_row": {
            "en": "Line {line} could not be read as a {format} row, so I skipped it: {text}",
            "zh": "第 {line} 行无法按 {format} 的行格式读取，已跳过：{text}",
        },
        "parse.torch.no_param_column": {
            "en": 'This {format} table has no "Param #" column, so there are no reported parameter counts to check.',
            "zh": '这个 {format} 表格没有 "Param #" 列，因此没有可供核对的参数数量。',
        },
        "parse.torch.args_unread": {
            "en": "{layer}: I could not read its arguments ({text}), so I kept them as text.",
            "zh": "{layer}：无法读取它的参数（{text}），已按原文保留。",
        },
        "parse.torch.repeat_capped": {
            "en": "{layer} is repeated {count} times; that is more rows than I expand, so I listed it once.",
            "zh": "{layer} 重复了 {count} 次；超过了我展开的行数上限，因此只列出一次。",
        },
        "parse.torch.no_root": {
            "en": 'The print(model) text starts inside the model (its first line, "ClassName(", is missing).',
            "zh": '这段 print(model) 文本从模型内部开始（缺少第一行 "ClassName("）。',
        },
        "parse.torch.verbose_rows": {
            "en": "I skipped {count} per-parameter detail rows (torchinfo verbose mode); the layer rows carry the counts.",
            "zh": "我跳过了 {count} 行逐参数明细（torchinfo 详细模式）；层所在的行已包含参数数量。",
        },
    }
)


def finding(
    code: str, key: str, severity: Severity = Severity.WARNING, layer: str | None = None, **args: object
) -> Finding:
    """A finding whose message is ``key`` (its text may use ``{layer}``, the layer's name)."""
    if layer is not None:
        args.setdefault("layer", layer)
    return Finding(severity, code, Message(key, args), layer)


_FLAT_SHAPE = re.compile(r" *\[(?:(?:\d{1,15}|-1)(?:, ?(?:\d{1,15}|-1))*)?\] *")
_SHAPE_TOKEN = re.compile(r"\s*(\[|\]|,|-?\d{1,15}|None|\?)")


def parse_shape(text: str) -> ShapeTree | None:
    """``[1, 10, 24, 24]`` → ``(1, 10, 24, 24)``; ``[[1, 5], [2, 1, 3]]`` → a list of shapes.

    ``-1`` (torchsummary's batch), ``None`` and ``?`` become ``None``.  Anything else → ``None``.
    """
    if len(text) > MAX_SHAPE_CHARS:
        return None
    flat = _flat_shape(text)  # the common case, cached: a table repeats the same shapes
    if flat is not None:
        return flat
    text = text.strip()
    if not text.startswith("["):
        return None
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        m = _SHAPE_TOKEN.match(text, pos)
        if m is None:
            return None
        tokens.append(m.group(1))
        pos = m.end()
        if pos < len(text) and text[pos:].strip() == "":
            break
    result, end = _shape_list(tokens, 0, 0)
    if result is None or end != len(tokens):
        return None
    return result


@lru_cache(maxsize=4096)
def _flat_shape(text: str) -> tuple[Dim, ...] | None:
    if not _FLAT_SHAPE.fullmatch(text):
        return None
    inner = text.strip()[1:-1].strip()
    if not inner:
        return ()
    return tuple(None if n == -1 else n for n in map(int, inner.split(",")))


def _shape_list(tokens: list[str], i: int, depth: int) -> tuple[ShapeTree | None, int]:
    """Read ``[ item, ... ]`` starting at ``tokens[i]``; returns (tree, index after it)."""
    if depth > _MAX_SHAPE_NESTING or i >= len(tokens) or tokens[i] != "[":
        return None, i
    i += 1
    dims: list[Dim] = []
    subs: list[ShapeTree] = []
    if i < len(tokens) and tokens[i] == "]":
        return (), i + 1
    while i < len(tokens):
        tok = tokens[i]
        if tok == "[":
            sub, i = _shape_list(tokens, i, depth + 1)
            if sub is None:
                return None, i
            subs.append(sub)
        elif tok in ("None", "?"):
            dims.append(None)
            i += 1
        elif tok not in ("]", ","):
            n = int(tok)
            dims.append(None if n == -1 else n)
            if n < -1:
                return None, i
            i += 1
        else:
            return None, i
        if i >= len(tokens):
            return None, i
        if tokens[i] == ",":
            i += 1
            continue
        if tokens[i] == "]":
            i += 1
            break
        return None, i
    else:
        return None, i
    if dims and subs:
        return None, i
    return (list(subs) if subs else tuple(dims)), i


_UNIT_FACTORS = {
    "": 1,
    "NONE": 1,
    "K": 10**3,
    "KB": 10**3,
    "KILOBYTES": 10**3,
    "M": 10**6,
    "MB": 10**6,
    "MEGABYTES": 10**6,
    "G": 10**9,
    "GB": 10**9,
    "GIGABYTES": 10**9,
    "T": 10**12,
    "TB": 10**12,
    "TERABYTES": 10**12,
}


def scaled_count(value: str, unit: str | None) -> int | None:
    """``("0.42", "Units.MEGABYTES")`` → 420000; ``("423,038", None)`` → 423038.

    torchinfo prints counts divided by 10³ⁿ with two decimals; torchinfo 1.8 on Python 3.11 writes the
    unit as the enum's name (``Units.MEGABYTES``) although it is a count, not bytes.  The result is the
    count as printed (rounded as torchinfo rounded it), converted to an integer.
    """
    key = (unit or "").strip().upper().removeprefix("UNITS.")
    factor = _UNIT_FACTORS.get(key)
    value = value.strip()
    if factor is None or len(value) > 40:
        return None
    if factor == 1:
        exact = parse_int(value)
        if exact is not None:
            return exact
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0:
        return None
    return int(number * factor)


@lru_cache(maxsize=2048)
def resolve_type(type_name: str) -> str | None:
    """The catalog's name for ``type_name`` when torch printed an alias; ``None`` when it is the name itself."""
    try:
        name = lookup(type_name, Framework.TORCH).name
    except LayerbotError:
        name = _BUILTIN_ALIASES.get(type_name, type_name)
    return None if name == type_name else name


@lru_cache(maxsize=2048)
def torch_entry_positional(type_name: str) -> tuple[str, ...] | None:
    """The catalog entry's positional parameter names, or ``None`` when the kind is not registered."""
    try:
        return tuple(lookup(type_name, Framework.TORCH).positional)
    except LayerbotError:
        return None
