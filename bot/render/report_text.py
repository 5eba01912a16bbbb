"""Terminal text for a :class:`~calc.report.Report`: the table a beginner reads, in English or Chinese.

    Read as Keras 1/2 or tf.keras model.summary() · Keras rules · 17 layers
    Layer (type)                 Output shape          Params  Formula                    Status
    ───────────────────────────  ────────────────────  ───────  ─────────────────────────  ──────
    conv2d_4 (Conv2D)            (None, 254, 254, 32)      896  (3·3·3 + 1)·32 = 896       ok
    dense_2 (Dense)              (None, 4)             345,604  86,400 × 4 + 4 = 345,604   ok

                          derived  reported
    Total params          420,388   420,388  ✓
    ...
    Every reported number adds up.

Rows are indented by nesting depth; a long formula is wrapped at its top-level ``+`` signs onto at
most :data:`FORMULA_LINES` lines, and shortened with ``…`` beyond that (the count after ``=`` is
always shown).  Every number comes from calc; this module only lays it out, writing lines to a
``print_fn`` (Keras's seam) so tests and other front ends can capture them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from calc.explain import RowFormula, row_formulas
from calc.findings import Finding, Severity
from calc.i18n import Message, register
from calc.parse import format_name
from calc.report import LayerReport, Report, Status
from calc.types import format_shape

__all__ = ["FORMULA_LINES", "FORMULA_WIDTH", "render_report", "report_lines", "write_report"]

PrintFn = Callable[[str], Any]

FORMULA_WIDTH = 44
"""Widest formula line before it wraps (in terminal cells)."""
FORMULA_LINES = 3
"""Most lines one formula takes; the rest is shortened to ``+ …``."""
NAME_WIDTH = 56
SHAPE_WIDTH = 30

register(
    {
        "report.title": {
            "en": "Read as {format} · {framework} rules · {count} layers",
            "zh": "按 {format} 读取 · 使用 {framework} 规则 · 共 {count} 层",
        },
        "report.title_named": {
            "en": "Model {name} · read as {format} · {framework} rules · {count} layers",
            "zh": "模型 {name} · 按 {format} 读取 · 使用 {framework} 规则 · 共 {count} 层",
        },
        "report.col.layer": {"en": "Layer (type)", "zh": "层（类型）"},
        "report.col.shape": {"en": "Output shape", "zh": "输出形状"},
        "report.col.params": {"en": "Params", "zh": "参数"},
        "report.col.formula": {"en": "Formula", "zh": "公式"},
        "report.col.status": {"en": "Status", "zh": "状态"},
        "report.status.ok": {"en": "ok", "zh": "正确"},
        "report.status.inferred": {"en": "inferred {names}", "zh": "推断出 {names}"},
        "report.status.inferred_more": {"en": "inferred {names} +{more}", "zh": "推断出 {names} 另 {more} 项"},
        "report.status.inferred_bare": {"en": "inferred", "zh": "推断"},
        "report.status.mismatch": {"en": "MISMATCH: says {reported}", "zh": "不符：显示 {reported}"},
        "report.status.mismatch_bare": {"en": "MISMATCH", "zh": "不符"},
        "report.status.unknown": {"en": "unknown", "zh": "未知"},
        "report.totals.derived": {"en": "derived", "zh": "推导"},
        "report.totals.reported": {"en": "reported", "zh": "摘要所示"},
        "report.totals.total": {"en": "Total params", "zh": "参数总数"},
        "report.totals.trainable": {"en": "Trainable params", "zh": "可训练参数"},
        "report.totals.non_trainable": {"en": "Non-trainable params", "zh": "不可训练参数"},
        "report.all_good": {
            "en": "Every reported number adds up.",
            "zh": "摘要中的每个数字都对得上。",
        },
        "report.findings": {"en": "Findings:", "zh": "发现："},
        "report.repeated": {"en": "{line} (×{count})", "zh": "{line}（×{count}）"},
        "report.severity.error": {"en": "error", "zh": "错误"},
        "report.severity.warning": {"en": "warning", "zh": "警告"},
        "report.severity.info": {"en": "note", "zh": "提示"},
        "report.framework.keras": {"en": "Keras", "zh": "Keras"},
        "report.framework.torch": {"en": "PyTorch", "zh": "PyTorch"},
    }
)


def _t(key: str, lang: str, **args: Any) -> str:
    return Message(key, args).render(lang)


def _char_cells(c: str) -> int:
    """Terminal cells of one character: CJK and full-width take two, combining marks none."""
    if unicodedata.combining(c):
        return 0
    return 2 if unicodedata.east_asian_width(c) in "WF" else 1


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_EXTRA_CELLS: dict[str, int] = {}
"""Cells beyond one of each non-ASCII character seen (a property of the character, so shared)."""
_EXTRA_CELLS_MAX = 4096


def _width(text: str) -> int:
    """Terminal cells: CJK and full-width characters take two, combining marks none."""
    if text.isascii():
        return len(text)  # every printable ASCII character takes one cell
    # A formula or a shape holds a few "·" and "×" among ASCII: one cell each plus what the non-ASCII
    # characters add, looked up per character once.
    n = len(text)
    extra = _EXTRA_CELLS
    for c in _NON_ASCII.findall(text):
        more = extra.get(c)
        if more is None:
            more = _char_cells(c) - 1
            if len(extra) < _EXTRA_CELLS_MAX:
                extra[c] = more
        n += more
    return n


def _pad(text: str, width: int, *, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _clip(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    used = 0
    for k, c in enumerate(text):
        used += _width(c)
        if used > width - 1:
            return text[:k] + "…"
    return text + "…"


def _depth_change(text: str) -> int:
    return text.count("(") + text.count("[") - text.count(")") - text.count("]")


def _top_level_terms(formula: str) -> list[str]:
    """Split ``a + (b + c)·d + e`` at the ``+`` signs outside brackets: ``[a, (b + c)·d, e]``."""
    if " + " not in formula:
        return [formula]
    # Every " + " (left to right, as str.split finds them) splits where the brackets before it balance.
    parts = formula.split(" + ")
    terms: list[str] = []
    current = parts[0]
    depth = _depth_change(current)
    for part in parts[1:]:
        if depth == 0:
            terms.append(current)
            current = part
        else:
            current = f"{current} + {part}"
        depth += _depth_change(part)
    terms.append(current)
    return terms


def wrap_formula(formula: RowFormula, width: int = FORMULA_WIDTH, max_lines: int = FORMULA_LINES) -> list[str]:
    """``86,400 × 4 + 4 = 345,604`` on one line, or wrapped at top-level ``+`` signs; shortened to
    ``+ …`` when it needs more than ``max_lines`` lines.  The ``= n`` always ends the last line."""
    return _wrap(formula.unicode, f" = {formula.value:,}", width, max_lines)


def _wrap(text: str, tail: str, width: int, max_lines: int) -> list[str]:
    return [line for line, _ in _wrap_cells(text, tail, width, max_lines)]


def _wrap_cells(text: str, tail: str, width: int, max_lines: int) -> list[tuple[str, int]]:
    """:func:`_wrap`'s lines, each with its width in cells (widths add up over concatenation)."""
    tail_cells = _width(tail)
    if max_lines >= 1 and " + " not in text:  # one term: one line
        return [(text + tail, _width(text) + tail_cells)]
    terms = _top_level_terms(text)
    lines: list[tuple[str, int]] = []
    current, cells = "", 0
    last = len(terms) - 1
    for i, term in enumerate(terms):
        piece = term if i == 0 else f"+ {term}"
        piece_cells = _width(piece)
        extra = tail_cells if i == last else 0
        if current and cells + 1 + piece_cells + extra > width:
            lines.append((current, cells))
            current, cells = piece, piece_cells
        elif current:
            current, cells = f"{current} {piece}", cells + 1 + piece_cells
        else:
            current, cells = piece, piece_cells
    lines.append((current + tail, cells + tail_cells))
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], (f"+ …{tail}", 3 + tail_cells)]
    return lines


def _name(row: LayerReport) -> str:
    label = f"{row.name} ({row.type})" if row.name else row.type
    return "  " * row.depth + label


def _status(row: LayerReport, lang: str) -> str:
    if row.status is Status.OK:
        return _t("report.status.ok", lang)
    if row.status is Status.INFERRED:
        if row.inferred:
            names = ", ".join(row.inferred[:2])
            if len(row.inferred) > 2:  # the JSON lists them all
                return _t("report.status.inferred_more", lang, names=names, more=len(row.inferred) - 2)
            return _t("report.status.inferred", lang, names=names)
        return _t("report.status.inferred_bare", lang)
    if row.status is Status.MISMATCH:
        if row.reported_params is not None and row.reported_params != row.params:
            return _t("report.status.mismatch", lang, reported=row.reported_params)
        return _t("report.status.mismatch_bare", lang)
    return _t("report.status.unknown", lang)


def _params(row: LayerReport) -> str:
    return "?" if row.params is None else f"{row.params:,}"


def _clip_cells(text: str, width: int) -> tuple[str, int]:
    """:func:`_clip` and the width of what it returns."""
    cells = _width(text)
    if cells <= width:
        return text, cells
    clipped = _clip(text, width)
    return clipped, _width(clipped)


_Cell = tuple[str, int]  # a cell's text and its width in terminal cells


def _table(report: Report, lang: str) -> Iterator[str]:
    formulas = row_formulas(report)
    # Every width is measured once, as the cell is made; the layout only adds them up.
    rows: list[tuple[_Cell, _Cell, str, list[_Cell], _Cell]] = []
    # Cells that recur (a status, a shape) are made once per table: _status reads only these fields.
    statuses: dict[tuple[Status, tuple[str, ...], int | None, int | None], _Cell] = {}
    shapes: dict[tuple[int | None, ...], _Cell] = {}
    wrapped: dict[tuple[str, int], list[_Cell]] = {}  # formulas recur too (a DenseNet121 has 66 in 242 rows)
    for row, formula in zip(report.layers, formulas, strict=True):
        if formula is not None:
            lines = wrapped.get((formula.unicode, formula.value))
            if lines is None:
                lines = wrapped[formula.unicode, formula.value] = _wrap_cells(
                    formula.unicode, f" = {formula.value:,}", FORMULA_WIDTH, FORMULA_LINES
                )
        else:
            # Keras code with a name for a size (Dense(nClasses)): the formula in that name, no count.
            symbolic: str | None = getattr(row, "symbolic_formula", None) if row.params is None else None
            lines = _wrap_cells(symbolic, "", FORMULA_WIDTH, FORMULA_LINES) if symbolic else [("", 0)]
        status_key = (row.status, row.inferred, row.reported_params, row.params)
        status = statuses.get(status_key)
        if status is None:
            status = statuses[status_key] = _clip_cells(_status(row, lang), 36)
        out = row.output_shape
        if isinstance(out, tuple):
            shape = shapes.get(out)
            if shape is None:
                shape = shapes[out] = _clip_cells(format_shape(out), SHAPE_WIDTH)
        else:
            shape = _clip_cells(format_shape(out) if out is not None else "?", SHAPE_WIDTH)
        rows.append((_clip_cells(_name(row), NAME_WIDTH), shape, _params(row), lines, status))
    head = [_t(f"report.col.{c}", lang) for c in ("layer", "shape", "params", "formula", "status")]
    widths = [
        max([_width(head[0]), *(r[0][1] for r in rows)]),
        max([_width(head[1]), *(r[1][1] for r in rows)]),
        max([_width(head[2]), *(len(r[2]) for r in rows)]),  # digits, commas or "?"
        max([_width(head[3]), *(cells for r in rows for _, cells in r[3])]),
        max([_width(head[4]), *(r[4][1] for r in rows)]),
    ]
    w_name, w_shape, w_params, w_formula, _ = widths

    def line(parts: Sequence[str]) -> str:
        return "  ".join(
            _pad(p, w, right=(k == 2)) if k < 4 else p for k, (p, w) in enumerate(zip(parts, widths, strict=True))
        ).rstrip()

    yield line(head)
    yield "  ".join("─" * w for w in widths)
    blank = " " * (w_name + 2 + w_shape + 2 + w_params + 2)  # the three empty cells before a wrapped line
    for (name, name_w), (shape, shape_w), params, formula_lines, (status, _) in rows:
        first, first_w = formula_lines[0]
        yield (
            f"{name}{' ' * (w_name - name_w)}  {shape}{' ' * (w_shape - shape_w)}  "
            f"{' ' * (w_params - len(params))}{params}  {first}{' ' * (w_formula - first_w)}  {status}"
        ).rstrip()
        for more, more_w in formula_lines[1:]:
            yield f"{blank}{more}{' ' * (w_formula - more_w)}  ".rstrip()


def _number(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def _totals(report: Report, lang: str) -> Iterator[str]:
    rows = [
        ("total", report.total_params, report.reported_total),
        ("trainable", report.trainable_params, report.reported_trainable),
        ("non_trainable", report.non_trainable_params, report.reported_non_trainable),
    ]
    any_reported = any(r is not None for _, _, r in rows)
    labels = [_t(f"report.totals.{key}", lang) for key, _, _ in rows]
    derived_head = _t("report.totals.derived", lang)
    reported_head = _t("report.totals.reported", lang)
    w_label = max(_width(x) for x in labels)
    w_derived = max([_width(derived_head), *(_width(_number(d)) for _, d, _ in rows)])
    w_reported = max([_width(reported_head), *(_width(_number(r)) for _, _, r in rows)])
    head = _pad("", w_label) + "  " + _pad(derived_head, w_derived, right=True)
    if any_reported:
        head += "  " + _pad(reported_head, w_reported, right=True)
    yield head.rstrip()
    for label, (_, derived, reported) in zip(labels, rows, strict=True):
        text = _pad(label, w_label) + "  " + _pad(_number(derived), w_derived, right=True)
        if any_reported:
            text += "  " + _pad("" if reported is None else _number(reported), w_reported, right=True)
            if derived is not None and reported is not None:
                text += "  " + ("✓" if derived == reported else "✗")
        yield text.rstrip()


def _finding_line(finding: Finding, lang: str) -> str:
    label = _t(f"report.severity.{Severity(finding.severity).value}", lang)
    sep = "：" if lang == "zh" else ": "
    return f"{label}{sep}{' '.join(finding.message.render(lang).split())}"


_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def report_lines(report: Report, lang: str = "en") -> Iterator[str]:
    """The whole rendering, line by line."""
    framework = _t(f"report.framework.{report.framework.value}", lang)
    fmt = format_name(report.format)
    if not report.layers:  # an error message pasted alone: its diagnosis is the whole answer
        yield fmt.render(lang)
        yield ""
        for finding in report.findings:
            yield "  " + _finding_line(finding, lang)
        return
    if report.name:
        yield _t("report.title_named", lang, name=report.name, format=fmt, framework=framework, count=len(report.leaves))
    else:
        yield _t("report.title", lang, format=fmt, framework=framework, count=len(report.leaves))
    yield ""
    yield from _table(report, lang)
    yield ""
    yield from _totals(report, lang)
    yield ""
    problems = [f for f in report.findings if f.severity is not Severity.INFO]
    unsure = any(row.status in (Status.MISMATCH, Status.UNKNOWN) for row in report.layers)
    if not problems and not unsure and report.reported_total is not None:
        yield _t("report.all_good", lang)
    if report.findings:
        yield _t("report.findings", lang)
        # The same sentence for several unnamed rows is said once, with how many times.
        counted: dict[str, int] = {}
        for finding in sorted(report.findings, key=lambda f: _ORDER[Severity(f.severity)]):
            line = _finding_line(finding, lang)
            counted[line] = counted.get(line, 0) + 1
        for line, n in counted.items():
            yield "  " + (line if n == 1 else _t("report.repeated", lang, line=line, count=n))


def write_report(report: Report, lang: str = "en", print_fn: PrintFn = print) -> None:
    """Write the rendering line by line to ``print_fn`` (no trailing blank line)."""
    lines = list(report_lines(report, lang))
    while lines and not lines[-1]:
        lines.pop()
    for line in lines:
        print_fn(line)


def render_report(report: Report, lang: str = "en") -> str:
    """The whole rendering as one string (no trailing newline)."""
    lines: list[str] = []
    write_report(report, lang, lines.append)
    return "\n".join(lines)
