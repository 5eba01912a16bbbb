"""The explain pipeline every front end calls: pasted text → :class:`~calc.report.Report`.

    text ──calc.parse.parse_text──▶ ModelSpec ──calc.derive.derive_model──▶ Report

``layerbot explain``, the ``/explain`` command, a Discord paste or attachment and the JSON output
all go through :func:`explain`, so they never disagree.  This module also holds the small pieces
of presentation-free logic the renderers share: the formula shown for each row (a container's is
the sum of its children's counts) and the first output shape of a multi-output layer.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, NamedTuple

from calc.advise import advice_for_report
from calc.catalog import MAX_SIZE
from calc.derive import derive_model
from calc.errors import InputError
from calc.i18n import register
from calc.model import Format
from calc.parse import layer_list, parse_text
from calc.parse.text import clean
from calc.report import LayerReport, Report
from calc.types import Dim, Framework, Shape, ShapeTree

__all__ = [
    "RowFormula",
    "collector_paused",
    "explain",
    "first_shape",
    "parse_input_shape",
    "row_formulas",
    "to_framework",
]

MAX_INPUT_RANK = 5
"""Most axes in an input shape typed by hand (batch axis excluded)."""

register(
    {
        "explain.error.input_shape": {
            "en": "{value} is not an input shape; write the sizes without the batch axis, such as 256x256x3,"
            " (256, 256, 3) or 256,256,3 (1 to 5 sizes, each from 1 to {hi}; None or ? for an unknown size).",
            "zh": "{value} 不是输入形状；请写不含批次维的尺寸，例如 256x256x3、(256, 256, 3) 或 256,256,3"
            "（1 到 5 个尺寸，每个在 1 到 {hi} 之间；未知尺寸写 None 或 ?）。",
        },
        "explain.error.framework": {
            "en": "{value} is not a framework I know; use keras or torch.",
            "zh": "{value} 不是我认识的框架；请使用 keras 或 torch。",
        },
    }
)

_FRAMEWORK_WORDS = {
    "keras": Framework.KERAS,
    "tf": Framework.KERAS,
    "tf.keras": Framework.KERAS,
    "tensorflow": Framework.KERAS,
    "torch": Framework.TORCH,
    "pytorch": Framework.TORCH,
    "pt": Framework.TORCH,
}
_SHAPE_SEP = re.compile(r"\s*[x×*,]\s*|\s+")
_UNKNOWN = ("none", "?", "-1", "_")


def to_framework(value: Framework | str) -> Framework:
    """``keras`` / ``torch`` (and ``pytorch``, ``tf.keras`` ...) → :class:`Framework`."""
    if isinstance(value, Framework):
        return value
    found = _FRAMEWORK_WORDS.get(value.strip().lower())
    if found is None:
        raise InputError("explain.error.framework", value=_show(value))
    return found


def _show(text: str, limit: int = 40) -> str:
    out = "".join(c if c.isprintable() else " " for c in text).strip()
    return out if len(out) <= limit else out[: limit - 1] + "…"


def parse_input_shape(text: str) -> Shape:
    """``256x256x3``, ``(256, 256, 3)``, ``[256,256,3]``, ``256 256 3`` → ``(256, 256, 3)``: sizes
    *without* the batch axis, as a person types them.  None / ? for a size that is not known."""
    t = unicodedata.normalize("NFKC", text).strip().lower()
    if len(t) > 120:
        raise InputError("explain.error.input_shape", value=_show(text), hi=MAX_SIZE)
    if t[:1] in "([" and t[-1:] in ")]":
        t = t[1:-1].strip()
    t = t.rstrip(",").strip()
    parts = _SHAPE_SEP.split(t) if t else []
    if any(not p for p in parts):  # "3xx", "256,,3"
        raise InputError("explain.error.input_shape", value=_show(text), hi=MAX_SIZE)
    if not 1 <= len(parts) <= MAX_INPUT_RANK:
        raise InputError("explain.error.input_shape", value=_show(text), hi=MAX_SIZE)
    dims: list[Dim] = []
    for p in parts:
        if p in _UNKNOWN:
            dims.append(None)
            continue
        digits = p.replace("_", "")
        if not digits.isascii() or not digits.isdigit() or len(digits) > 13 or not 1 <= int(digits) <= MAX_SIZE:
            raise InputError("explain.error.input_shape", value=_show(text), hi=MAX_SIZE)
        dims.append(int(digits))
    return tuple(dims)


def _input_shapes(value: str | Shape | Sequence[Shape] | None) -> list[Shape] | None:
    """The model's input shapes with the batch axis added (derive_model's convention)."""
    if value is None:
        return None
    if isinstance(value, str):
        return [(None, *parse_input_shape(value))]
    if all(isinstance(v, tuple) for v in value):
        return [(None, *s) for s in value if isinstance(s, tuple)]
    flat: Shape = tuple(d for d in value if d is None or isinstance(d, int))
    return [(None, *flat)]


def explain(
    text: str,
    *,
    format: Format | str | None = None,
    framework: Framework | str | None = None,
    input_shape: str | Shape | Sequence[Shape] | None = None,
) -> Report:
    """Read a pasted model (summary, table, repr, code) and derive every layer.

    ``format`` forces the input format (otherwise detected); ``framework`` forces whose rules are
    used (otherwise the format's); ``input_shape`` gives the model's input without the batch axis
    (``"256x256x3"`` or ``(256, 256, 3)``; several inputs as a list of tuples) when the text does
    not say it.  Raises :class:`~calc.errors.InputError` for text without a model and bad options.
    """
    with collector_paused():
        return _explain(text, format, framework, input_shape)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while one paste is read (and while its report is rendered).  A paste
    of many rows makes a few objects per row, and every one of them lives until the report is made: the
    collector would traverse them again and again as they accumulate (a third of the CPU time of a
    20,000-row paste, and more in a process that holds many other objects) to find no cycle.  Whatever
    cycles a call leaves are collected after it, when the collector runs again."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _explain(
    text: str,
    format: Format | str | None,
    framework: Framework | str | None,
    input_shape: str | Shape | Sequence[Shape] | None,
) -> Report:
    fw = None if framework is None else to_framework(framework)
    shapes = _input_shapes(input_shape)
    try:
        spec = parse_text(text, format=format)
    except InputError as exc:
        # A pasted error message alone ("mat1 and mat2 shapes cannot be multiplied ...") is still
        # worth an answer: its diagnosis, with the numbers it carries.
        diagnoses = advice_for_report(None, text) if exc.message.key == "error.no_model" else ()
        if not diagnoses:
            raise
        return Report(
            format=Format.ERROR_ONLY, framework=fw or Framework.KERAS, layers=(), total_params=None,
            trainable_params=None, non_trainable_params=None, findings=diagnoses,
        )
    if fw is not None and spec.format is Format.LAYER_LIST and spec.framework is not fw:
        # A layer list is built as one framework's layer kinds: build it again as the forced one's.
        spec = layer_list.parse(clean(text), framework=fw)
    report = derive_model(spec, framework=fw, input_shapes=shapes)
    # Advice where it matters (an oversized Dense, a planned layer, an error pasted with the model),
    # briefly, with a pointer to /suggest for the full table.
    advice = advice_for_report(report, text)
    return replace(report, findings=report.findings + advice) if advice else report


# --------------------------------------------------------------------------------------------
# Shared by the renderers.


class RowFormula(NamedTuple):
    """The arithmetic shown for one row: Unicode for people (``86,400 × 4 + 4``) and plain Python
    over integer literals (``86400*4 + 4``) that evaluates to the row's count.

    A named tuple (immutable like a frozen dataclass, made in a fraction of the time: a report makes
    one per row with a formula)."""

    unicode: str
    plain: str
    value: int


_GROUPED = "{:,}".format
"""group_digits as a bound method, for map() over many counts (the same text, no Python frame per number)."""


def _sum_formula(row: LayerReport, kids: Sequence[LayerReport]) -> RowFormula | None:
    """A container's count as the sum of its direct children's, when that sum reproduces it."""
    # A child shown collapsed (a nested model as one row) counts with its reported number, as
    # the derivation added it; the sum is only shown when it reproduces the container's count.
    shown_or_reported = [k.params if k.params is not None else k.reported_params for k in kids]
    counts = [c for c in shown_or_reported if c is not None]
    shown = [c for c in counts if c]  # parameter-free children add nothing
    if kids and len(counts) == len(kids) and sum(shown) == row.params:
        return RowFormula(" + ".join(map(_GROUPED, shown)), " + ".join(map(str, shown)), row.params)
    return None  # never a made-up formula


def row_formulas(report: Report) -> tuple[RowFormula | None, ...]:
    """The formula of every row, in order.  None when the row has no parameters, when its count
    could not be derived, or when no formula reproduces it.

    A row's own formula is shown when it reproduces the row's count; a container without one shows
    the sum of its direct children's counts (the rows one level deeper, until the next row at its own
    depth or shallower; the level is the row right after it) when that sum reproduces its count.
    The children are collected in one pass over the rows (a stack of the open containers), not by
    scanning each container's rows again, which cost rows × nesting depth."""
    layers = report.layers
    out: list[RowFormula | None] = [None] * len(layers)  # None where no formula is shown
    shared: dict[int, RowFormula] = {}  # id of a row's TermSum (alive in the report) → its RowFormula
    sums: list[tuple[int, list[LayerReport]]] = []  # containers shown as a sum: index, direct children
    # Open containers waiting for their children (pushed as met, closed by the next row at their depth
    # or shallower): [depth, their children's depth once the row after them gives it, children so far].
    stack: list[list[Any]] = []
    by_child_depth: dict[int, list[list[LayerReport]]] = {}  # children's depth → open containers' lists
    for index, row in enumerate(layers):
        if stack:
            depth = row.depth
            while stack and stack[-1][0] >= depth:
                _, child_depth, _ = stack.pop()
                if child_depth is not None:
                    by_child_depth[child_depth].pop()  # the last one added: every later one is closed already
            if stack:
                top = stack[-1]
                if top[1] is None:  # the row right after a container sets its children's depth
                    top[1] = depth
                    by_child_depth.setdefault(depth, []).append(top[2])
                for kids in by_child_depth.get(depth, ()):
                    kids.append(row)  # a direct child of every open container whose children are this deep
        params = row.params
        if params is None or params == 0:
            continue  # nothing derived, or a parameter-free layer: no formula to show
        formula = row.formula
        if formula is not None and formula.terms and formula.value == params:  # its own formula
            # Rows sharing one formula object (calc.derive shares a solved row's) share one RowFormula.
            made = shared.get(id(formula))
            if made is None:
                made = shared[id(formula)] = RowFormula(formula.unicode, formula.plain, params)
            out[index] = made
        elif row.is_container:  # its formula is the sum of its children's counts, once they are known
            kids = []
            stack.append([row.depth, None, kids])
            sums.append((index, kids))
        # else: never a made-up formula
    for index, kids in sums:
        out[index] = _sum_formula(layers[index], kids)
    return tuple(out)


def first_shape(tree: ShapeTree | None) -> Shape | None:
    """The first output's shape of a layer with several outputs (depth first); one shape as is."""
    while isinstance(tree, list):
        if not tree:
            return None
        tree = tree[0]
    return tree
