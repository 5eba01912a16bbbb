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
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import repeat
from typing import Any

from calc.explain import RowFormula, collector_paused, row_formulas
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


@lru_cache(maxsize=256)
def _label(key: str, lang: str) -> str:
    """A message without arguments (a column head, a label): the same text every time, made once."""
    return _t(key, lang)


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
    if "(" not in formula and "[" not in formula and ")" not in formula and "]" not in formula:
        return parts  # no brackets (a container's sum of its children's counts): every sign splits
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
            if len(lines) == max_lines:
                # More lines than allowed follow: shortened now, without laying out the rest of a long
                # sum (a container of 200 rows) only to drop it.
                break
            current, cells = piece, piece_cells
        elif current:
            current, cells = f"{current} {piece}", cells + 1 + piece_cells
        else:
            current, cells = piece, piece_cells
    else:  # every term placed
        lines.append((current + tail, cells + tail_cells))
        if len(lines) <= max_lines:
            return lines
    return [*lines[: max_lines - 1], (f"+ …{tail}", 3 + tail_cells)]


def _name(row: LayerReport) -> str:
    label = f"{row.name} ({row.type})" if row.name else row.type
    return "  " * row.depth + label


def _status(row: LayerReport, lang: str) -> str:
    if row.status is Status.OK:
        return _label("report.status.ok", lang)
    if row.status is Status.INFERRED:
        if row.inferred:
            names = ", ".join(row.inferred[:2])
            if len(row.inferred) > 2:  # the JSON lists them all
                return _t("report.status.inferred_more", lang, names=names, more=len(row.inferred) - 2)
            return _t("report.status.inferred", lang, names=names)
        return _label("report.status.inferred_bare", lang)
    if row.status is Status.MISMATCH:
        if row.reported_params is not None and row.reported_params != row.params:
            return _t("report.status.mismatch", lang, reported=row.reported_params)
        return _label("report.status.mismatch_bare", lang)
    return _label("report.status.unknown", lang)


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
_GROUPED = "{:,}".format  # _params of a count, as a bound method for map()
_FormulaCell = tuple[str, int, list[_Cell]]  # a formula's first line and its width, then the lines after it
_NO_FORMULA: _FormulaCell = ("", 0, [])


def _formula_lines(text: str, tail: str) -> _FormulaCell:
    lines = _wrap_cells(text, tail, FORMULA_WIDTH, FORMULA_LINES)
    first, first_w = lines[0]
    return first, first_w, lines[1:]


# The same formulas recur from model to model (3·3·64·64, 2·64 + 2·64): laid out once per process.
_formula_lines_memo = lru_cache(maxsize=4096)(_formula_lines)
_MEMO_TEXT = 200
"""Longest formula kept in the memo: a layer's formula, not a container's sum of hundreds of counts."""


def _formula_cell(text: str, tail: str) -> _FormulaCell:
    """A formula's lines as the table shows them (shared through the memo: never changed)."""
    return (_formula_lines_memo if len(text) <= _MEMO_TEXT else _formula_lines)(text, tail)


@lru_cache(maxsize=4096)
def _shape_cell(shape: tuple[int | None, ...]) -> _Cell:
    """One output shape's cell (shapes recur from model to model too)."""
    return _clip_cells(format_shape(shape), SHAPE_WIDTH)


def _table(report: Report, lang: str) -> tuple[list[str], bool, int]:
    """The table's lines; whether a row is a mismatch or unknown (the report is then not "all good");
    how many rows are layers, not containers (``len(report.leaves)``, counted on the way)."""
    layers = report.layers
    formulas = row_formulas(report)
    # Every width is measured once, as the cell is made; the layout only adds them up.  Cells that
    # recur (a formula, a shape, a status) are made once per table, and their column's width is taken
    # as each is made; the name and count columns are made whole, by C-level maps where they can be.
    cells: list[tuple[_Cell, _FormulaCell, str]] = []  # per row: shape, formula, status
    more_rows: list[int] = []  # rows whose formula takes more than one line
    wrapped: dict[str, tuple[int, _FormulaCell]] = {}  # by the formula's text (a DenseNet121 has 66 in 242 rows)
    shapes: dict[tuple[int | None, ...], _Cell] = {}
    # _status reads only these fields: an "ok" row (most) is told by its status alone, an inferred one
    # by the names inferred.
    statuses: dict[tuple[Status, tuple[str, ...], int | None, int | None], _Cell] = {}
    inferred: dict[tuple[str, ...], _Cell] = {}
    ok: str | None = None
    w_shape = w_formula = w_status = 0
    unsure = False
    containers = 0
    for row, formula in zip(layers, formulas, strict=True):
        if row.is_container:
            containers += 1
        if formula is not None:
            text, _, value = formula
            hit = wrapped.get(text)
            if hit is not None and hit[0] == value:
                cell = hit[1]
            else:
                cell = _formula_cell(text, f" = {value:,}")
                wrapped[text] = value, cell
                w_formula = max(w_formula, cell[1], *(w for _, w in cell[2]))
            if cell[2]:
                more_rows.append(len(cells))
        elif row.params is None and row.symbolic_formula:
            # Keras code with a name for a size (Dense(nClasses)): the formula in that name, no count.
            cell = _formula_cell(row.symbolic_formula, "")
            w_formula = max(w_formula, cell[1], *(w for _, w in cell[2]))
            if cell[2]:
                more_rows.append(len(cells))
        else:
            cell = _NO_FORMULA
        status = row.status
        if status is Status.OK and ok is not None:
            status_text = ok
        elif status is Status.INFERRED:
            made = inferred.get(row.inferred)
            if made is None:
                made = inferred[row.inferred] = _clip_cells(_status(row, lang), 36)
                w_status = max(w_status, made[1])
            status_text = made[0]
        else:
            key = (status, row.inferred, row.reported_params, row.params)
            made = statuses.get(key)
            if made is None:
                made = statuses[key] = _clip_cells(_status(row, lang), 36)
                w_status = max(w_status, made[1])
                if status is Status.OK:
                    ok = made[0]
            status_text = made[0]
            if status in (Status.MISMATCH, Status.UNKNOWN):
                unsure = True
        out = row.output_shape
        if isinstance(out, tuple):
            shape = shapes.get(out)
            if shape is None:
                shape = shapes[out] = _shape_cell(out)
                w_shape = max(w_shape, shape[1])
        else:
            shape = _clip_cells(format_shape(out) if out is not None else "?", SHAPE_WIDTH)
            w_shape = max(w_shape, shape[1])
        cells.append((shape, cell, status_text))
    # Names as _name makes them; a table of ASCII names that all fit (the usual) is measured by length.
    labels = ["  " * row.depth + (f"{row.name} ({row.type})" if row.name else row.type) for row in layers]
    plain_names = "".join(labels).isascii() and max(map(len, labels)) <= NAME_WIDTH
    name_cells = [] if plain_names else [_clip_cells(label, NAME_WIDTH) for label in labels]
    # Counts as _params writes them (digits and commas, or "?": one cell per character).
    counts = [row.params for row in layers]
    params_texts = list(map(_GROUPED, counts)) if None not in counts else [_params(row) for row in layers]
    head = [_label(f"report.col.{c}", lang) for c in ("layer", "shape", "params", "formula", "status")]
    widths = [
        max(_width(head[0]), max(map(len, labels)) if plain_names else max(w for _, w in name_cells)),
        max(_width(head[1]), w_shape),
        max(_width(head[2]), max(map(len, params_texts))),
        max(_width(head[3]), w_formula),
        max(_width(head[4]), w_status),
    ]
    w_name, w_shape, w_params, w_formula, _ = widths
    if plain_names:
        names = list(map(str.ljust, labels, repeat(w_name)))
    else:
        names = [text + " " * (w_name - cells_w) for text, cells_w in name_cells]
    table = [
        "  ".join(
            _pad(p, w, right=(k == 2)) if k < 4 else p for k, (p, w) in enumerate(zip(head, widths, strict=True))
        ).rstrip(),
        "  ".join("─" * w for w in widths),
    ]
    body = [
        f"{name}  {shape}{' ' * (w_shape - shape_w)}  {params}  {first}{' ' * (w_formula - first_w)}  {status}".rstrip()
        for name, params, ((shape, shape_w), (first, first_w, _), status) in zip(
            names, map(str.rjust, params_texts, repeat(w_params)), cells, strict=True
        )
    ]
    # A formula's further lines go under it, after three empty cells (the padding after it is stripped).
    blank = " " * (w_name + 2 + w_shape + 2 + w_params + 2)
    start = 0
    for k in more_rows:
        table += body[start : k + 1]
        table += [f"{blank}{line}".rstrip() for line, _ in cells[k][1][2]]
        start = k + 1
    table += body[start:]
    return table, unsure, len(formulas) - containers


def _number(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def _totals(report: Report, lang: str) -> Iterator[str]:
    rows = [
        ("total", report.total_params, report.reported_total),
        ("trainable", report.trainable_params, report.reported_trainable),
        ("non_trainable", report.non_trainable_params, report.reported_non_trainable),
    ]
    any_reported = any(r is not None for _, _, r in rows)
    labels = [_label(f"report.totals.{key}", lang) for key, _, _ in rows]
    derived_head = _label("report.totals.derived", lang)
    reported_head = _label("report.totals.reported", lang)
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
    label = _label(f"report.severity.{Severity(finding.severity).value}", lang)
    sep = "：" if lang == "zh" else ": "
    return f"{label}{sep}{' '.join(finding.message.render(lang).split())}"


_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def report_lines(report: Report, lang: str = "en") -> Iterator[str]:
    """The whole rendering, line by line."""
    with collector_paused():  # a large report's lines: no cycles to find among them (see collector_paused)
        return iter(_report_lines(report, lang))


def _report_lines(report: Report, lang: str) -> list[str]:
    framework = _label(f"report.framework.{report.framework.value}", lang)
    fmt = format_name(report.format)
    if not report.layers:  # an error message pasted alone: its diagnosis is the whole answer
        return [fmt.render(lang), "", *("  " + _finding_line(finding, lang) for finding in report.findings)]
    table, unsure, leaves = _table(report, lang)
    if report.name:
        title = _t("report.title_named", lang, name=report.name, format=fmt, framework=framework, count=leaves)
    else:
        title = _t("report.title", lang, format=fmt, framework=framework, count=leaves)
    lines = [title, "", *table, "", *_totals(report, lang), ""]
    problems = [f for f in report.findings if f.severity is not Severity.INFO]
    if not problems and not unsure and report.reported_total is not None:
        lines.append(_label("report.all_good", lang))
    if report.findings:
        lines.append(_label("report.findings", lang))
        # The same sentence for several unnamed rows is said once, with how many times.
        counted: dict[str, int] = {}
        for finding in sorted(report.findings, key=lambda f: _ORDER[Severity(f.severity)]):
            line = _finding_line(finding, lang)
            counted[line] = counted.get(line, 0) + 1
        for line, n in counted.items():
            lines.append("  " + (line if n == 1 else _t("report.repeated", lang, line=line, count=n)))
    return lines


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
