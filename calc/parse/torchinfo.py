"""torchinfo ``summary()`` tables → :class:`~calc.model.ModelSpec`.

What torchinfo (1.x) prints, and how it is read::

    ==========================================================================================
    Layer (type:depth-idx)                   Output Shape              Param #
    ==========================================================================================
    LeNet5                                   [1, 10]                   --
    ├─Conv2d: 1-1                            [1, 6, 28, 28]            156
    │    └─ReLU: 2-3                         [1, 6, 28, 28]            --
    ==========================================================================================
    Total params: 61,706
    Trainable params: 61,706
    Non-trainable params: 0
    Total mult-adds (Units.MEGABYTES): 0.42
    ==========================================================================================
    Input size (MB): 0.00
    ...

* The columns are found from the header (``Input Shape``, ``Output Shape``, ``Param #``, ``Param %``,
  ``Kernel Shape``, ``Groups``, ``Mult-Adds``, ``Trainable``, in any selection and order).
* A row is the tree prefix (``├─``, ``│    └─``, or ``+ ``/``|    `` with ``row_settings=("ascii_only",)``),
  the class name, an optional ``(var_name)`` and ``: depth-idx``.  Rows are torchinfo's hooked module
  calls in forward order, the root module included (depth 0).
* ``Param #``: torchinfo prints ``--`` for a module with no parameters; for a module whose children are
  rows it prints only the *leftover* parameters (its own, not counted in any child), ``--`` when none.
  So ``--`` is 0 on a row without child rows and "not said" (``None``) on a container row.  ``(N)``
  means all N parameters are frozen; ``(recursive)`` marks a module already shown (reused).
  At the depth limit (``depth=3`` by default) a container is one row with its recursive count.
* ``Mult-Adds`` ``--`` is kept as ``None``: torchinfo prints it both for "zero" and for "not shown".
* Totals: ``Total mult-adds (Units.MEGABYTES): 0.42`` (torchinfo 1.8 on Python 3.11; ``(M)`` elsewhere) is a
  count printed in millions: stored as 420,000.  The four size lines (MB) are not kept: they follow
  from the counts and the dtype.
* A narrow terminal wraps every line (the table is 90 to 165+ characters wide); a rule split over two
  lines gives the wrap width, and the pieces are put back at their columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from calc.errors import InputError
from calc.findings import Finding, Severity
from calc.i18n import Message, register
from calc.model import Format, LayerSpec, ModelSpec
from calc.parse._torch_common import CONTAINER_TYPES, finding, parse_shape, resolve_type, scaled_count
from calc.parse.text import has_line, parse_int
from calc.types import Framework, Shape, ShapeTree

__all__ = ["detect", "parse"]

_FORMAT = "torchinfo"

register(
    {
        "parse.torchinfo.none": {
            "en": (
                'I found no torchinfo table here. It starts with a header line "Layer (type:depth-idx)   Output Shape'
                '   Param #" between lines of "=" and has rows such as "├─Conv2d: 1-1   [1, 10, 24, 24]   260".'
            ),
            "zh": (
                '这里没有找到 torchinfo 表格。它以夹在 "=" 分隔线之间的表头 "Layer (type:depth-idx)   Output Shape'
                '   Param #" 开始，行的样子如 "├─Conv2d: 1-1   [1, 10, 24, 24]   260"。'
            ),
        },
    }
)

_HEADER = re.compile(r"^(?P<indent> *)Layer \(type(?: \(var_name\))?(?::depth-idx)?\)")
_HEADER_ANY = re.compile(r"^ *Layer \(type(?: \(var_name\))?(?::depth-idx)?\)", re.MULTILINE)
_COLUMN = re.compile(r"Input Shape|Output Shape|Param #|Param %|Kernel Shape|Groups|Mult-Adds|Trainable")
_RULE = re.compile(r"^ *={8,} *$")
_RULE_PIECE = re.compile(r"^ *=+ *$")  # the end of a rule wrapped by a narrow window may be a few "="
# Tree prefix, class name, optional " (var_name)", optional ": depth-idx".  _HEAD is the title without its
# depth-idx (the part of a row's title a table repeats).
_HEAD = re.compile(
    r"(?P<tree>(?:[│|] {4})*(?:[├└]─|\+ ))?(?P<type>[A-Za-z_][\w.]{0,199})(?: \((?P<var>[^()\s]{1,200})\))?"
)
_TITLE = re.compile(_HEAD.pattern + r"(?:: (?P<depth>\d{1,3})(?:-(?P<idx>\d{1,6}))?)?(?= |$)")
# A row only torchinfo prints: a tree prefix ("├─Conv2d", "+ Conv2d" in ASCII) or ": depth-idx".
_TREE_ROW_UNICODE = re.compile(r"^ *(?:[│|] {4})*[├└]─[A-Za-z_]", re.MULTILINE)
_TREE_ROW_ASCII = re.compile(r"^ *(?:\| {4})*\+ [A-Za-z_]", re.MULTILINE)
_DEPTH_IDX = re.compile(r": \d{1,3}-\d{1,6} ")
_TORCHSUMMARY_ROW = re.compile(r" *[A-Za-z_]\w*-\d+ +\[")  # at the start of a line: see _has_torchsummary_row
_TORCHSUMMARY_ROW_NEXT = re.compile(r"\n *[A-Za-z_]\w*-\d+ +\[")
_EXTRA_MARK = re.compile(r"Total mult-adds|Kernel Shape|Mult-Adds|Input Shape|Param %")
_TOTAL = re.compile(
    r"^ *(?P<key>Total params|Trainable params|Non-trainable params|Total mult-adds)"
    r"(?: \((?P<unit>[\w.]{1,30})\))?: (?P<value>[\d,.]{1,40}) *$"
)
_SIZE_LINE = re.compile(r"^ *(?:Input size|Forward/backward pass size|Params size|Estimated Total Size) \(")
_WORD = re.compile(r"[^ ]+")
_GAP = re.compile(r"  +")
_VALUE = re.compile(
    r"--|\(recursive\)|\(?[\d,]{1,40}\)?|[├└]─[\d,]{1,40}|True|False|Partial|\d{1,3}\.\d{1,4}%|-?\d{1,3}(?:\.\d+)?%"
)


def detect(text: str) -> bool:
    """A torchinfo header plus something only torchinfo prints (tree rows, depth-idx, its extra columns)."""
    return _looks_like(text) and not _has_torchsummary_row(text)


def _has_torchsummary_row(text: str) -> bool:
    """A line starting with a torchsummary row (``Conv2d-1   [-1, 64, ...``): the text's first line, or one
    after a newline.  A search led by the literal newline skips to the next line at once (a ``re.MULTILINE``
    ``^`` search tries every character: 46 µs → 7 µs on a ResNet-50 table)."""
    return _TORCHSUMMARY_ROW.match(text) is not None or _TORCHSUMMARY_ROW_NEXT.search(text) is not None


def _looks_like(text: str) -> bool:
    # The header alone is not enough: Keras 2 and torchsummary print "Layer (type)  Output Shape  Param #" too.
    return has_line(text, "Layer (type", _HEADER_ANY) and (
        # one literal-led search per kind of tree row (a MULTILINE "^" search tries every character:
        # ~5 ms on a tf.keras DenseNet121 summary, whose header looks like torchinfo's)
        has_line(text, "─", _TREE_ROW_UNICODE)
        or has_line(text, "+ ", _TREE_ROW_ASCII)
        or _DEPTH_IDX.search(text) is not None
        or _EXTRA_MARK.search(text) is not None
    )


# A row as read: (line number, type, var name, depth, its line, where its cells start on the line (after the
# title), its cells when the row's own pattern read them).  A plain tuple: one is made for every row.
_Row = tuple[int, str, str | None, int, str, int, tuple[str, ...] | None]


def _tokens(text: str, offset: int | None) -> list[tuple[str, int | None]]:
    """Split a row's value part at spaces, keeping a bracketed shape (``[1, 10, 24, 24]``) whole.

    Positions (for assigning cells by column when a row has fewer cells than columns) are found only
    when ``offset`` is given; the plain split is several times faster.
    """
    if offset is None:
        words: list[tuple[str, int]] = [(w, -1) for w in text.split()]
    else:
        words = [(m.group(), offset + m.start()) for m in _WORD.finditer(text)]
    out: list[tuple[str, int | None]] = []
    group: list[str] = []  # the words of a shape whose closing bracket has not been seen yet
    group_at = -1
    depth = 0
    for word, pos in words:
        if not group and not word.startswith("["):
            out.append((word, None if pos < 0 else pos))
            continue
        if not group:
            group_at = pos
        group.append(word)
        depth += word.count("[") - word.count("]")
        if depth <= 0:
            out.append((" ".join(group), None if group_at < 0 else group_at))
            group, depth = [], 0
    if group:  # cut off inside a shape
        out.append((" ".join(group), None if group_at < 0 else group_at))
    return out


_CELLS_AT = _TITLE.groups + 1  # in a row pattern's groups: the title, _TITLE's own groups, then the cells


def _cells_pattern(columns: int) -> str:
    """Exactly ``columns`` cells, each apart from the next by at least two spaces."""
    cell = r"([^\s─]++(?: [^\s─]++)*+)"  # no "─": a verbose per-parameter row ("├─150") is not read here
    return cell + rf" {{2,}}{cell}" * (columns - 1)


@lru_cache(maxsize=16)
def _row_pattern(columns: int) -> re.Pattern[str]:
    """A row with exactly ``columns`` cells: group 1 is the title (as :data:`_TITLE` reads it, never
    backtracked into), then _TITLE's groups, then the cells.  When it matches, the cells are those
    :func:`_assign` finds for the row (``_GAP`` splits the rest)."""
    return re.compile(rf"(?>({_TITLE.pattern})) +{_cells_pattern(columns)} *$")


@lru_cache(maxsize=16)
def _rest_pattern(columns: int) -> re.Pattern[str]:
    """What follows the title on a row :func:`_row_pattern` reads (for :func:`_row_cells`)."""
    return re.compile(rf" +{_cells_pattern(columns)} *")


_MAX_MEMO_LINE = 400  # longer rows are read by _row_pattern alone (their pieces are not memoized)


@lru_cache(maxsize=1024)
def _title_head(head: str) -> tuple[str | None, str, str | None] | None:
    """(tree, type, var) of a title's part before its depth-idx, as _TITLE reads it; None when not one."""
    m = _HEAD.fullmatch(head)
    return None if m is None else m.groups()  # type: ignore[return-value]


@lru_cache(maxsize=4096)
def _row_cells(rest: str, columns: int) -> tuple[str, ...] | None:
    """The cells of a row's part after its title (its leading spaces included), as _row_pattern reads them."""
    m = _rest_pattern(columns).fullmatch(rest)
    return None if m is None else m.groups()


def _read_row(line: str, columns: int) -> tuple[str | None, str, str | None, str | None, int, tuple[str, ...]] | None:
    """The usual row read in memoized pieces: (tree, type, var, depth, where the title ends, cells), what
    _row_pattern reads it as; None when the row is not plainly one (_row_pattern then reads it).

    A title has no two spaces in a row after its tree prefix; it ends at the first two: there it is
    cut into the part a table repeats (``│    └─Conv2d``) and its own depth-idx (``2-11``), and the
    cells after it repeat too, so a row costs a few string operations and two memo look-ups instead
    of a regular expression over the whole line (~4× less)."""
    if len(line) > _MAX_MEMO_LINE:
        return None
    end = line.find("  ", len(line) - len(line.lstrip("│| ")))
    if end <= 0:
        return None
    head, colon, depth_idx = line[:end].rpartition(": ")
    if not colon:
        head, depth = depth_idx, None
    else:
        depth, dash, idx = depth_idx.partition("-")
        if not (
            depth.isdigit()
            and depth.isascii()
            and len(depth) <= 3
            and (not dash or (idx.isdigit() and idx.isascii() and len(idx) <= 6))
        ):
            return None
    parts = _title_head(head)
    if parts is None:
        return None
    cells = _row_cells(line[end:], columns)
    if cells is None:
        return None
    return parts[0], parts[1], parts[2], depth, end, cells


def _is_value(token: str) -> bool:
    return token.startswith("[") or _VALUE.fullmatch(token) is not None


def _assign(
    full: str, offset: int, more: list[str], columns: list[tuple[str, int | None]], width: int
) -> dict[str, str]:
    """Cells by column title: in order when the counts agree, else by where each token starts.

    ``full`` is the row's line, ``offset`` where its cells start, ``more`` its continuation lines."""
    for piece in more:
        full = full.ljust(width) + piece if width else f"{full}  {piece.strip()}"
    values = full[offset:]
    cells_fast = _GAP.split(values.strip())
    if len(cells_fast) == len(columns):  # the usual row: cells apart by at least two spaces
        return {title: cell for (title, _), cell in zip(columns, cells_fast, strict=True)}
    tokens = _tokens(values, None)
    if len(tokens) == len(columns) or any(start is None for _, start in columns):
        return {title: tok for (title, _), (tok, _) in zip(columns, tokens, strict=False)}
    cells: dict[str, str] = {}
    for tok, pos in _tokens(values, offset):
        chosen: str | None = None
        for title, start in columns:
            if start is not None and pos is not None and start <= pos + 2:
                chosen = title
        if chosen is not None and chosen not in cells:
            cells[chosen] = tok
    return cells


def _wrap_width(lines: list[str], header_at: int, indent: int) -> int:
    """The width a narrow window wrapped the table at, from a rule split over two lines; 0 when not wrapped."""
    for k in range(max(header_at - 3, 0), min(header_at + 8, len(lines) - 1)):
        if _RULE.match(lines[k]) and _RULE_PIECE.match(lines[k + 1]):
            return len(lines[k]) - indent
    return 0


def _shape_cell(cell: str | None) -> ShapeTree | None:
    if cell is None or cell == "--":
        return None
    return parse_shape(cell)


_NOT_SEEN: ShapeTree = [[]]  # a marker no cell reads as


def _first_shape(tree: ShapeTree | None) -> Shape | None:
    while isinstance(tree, list):
        if not tree:
            return None
        tree = tree[0]
    return tree


def parse(text: str) -> ModelSpec:
    if not _looks_like(text):
        raise InputError("parse.torchinfo.none")
    lines = text.split("\n")
    found = next(((i, m) for i, line in enumerate(lines) if (m := _HEADER.match(line))), None)
    if found is None:
        raise InputError("parse.torchinfo.none")
    header_at, m_header = found
    indent = len(m_header.group("indent"))

    # A narrow terminal wraps every long line, the rules too: "=" * 165 at 80 columns becomes lines of
    # 80, 80 and 5 "=".  The first of two consecutive rule lines gives the wrap width, which puts the
    # pieces of a wrapped line back together exactly (cells keep their columns).
    width = _wrap_width(lines, header_at, indent)

    # Header, possibly wrapped onto further lines holding only column titles.
    header = lines[header_at][indent:]
    i = header_at + 1
    while i < len(lines) and lines[i].strip() and not _RULE_PIECE.match(lines[i]):
        if width:
            header = header.ljust(width) + lines[i][indent:]
        elif not _COLUMN.sub("", lines[i]).strip():
            header = f"{header}  {lines[i].strip()}"
        else:
            break
        i += 1
    columns: list[tuple[str, int | None]] = [
        (m.group(), m.start() if width or i == header_at + 1 else None) for m in _COLUMN.finditer(header)
    ]
    while i < len(lines) and (_RULE_PIECE.match(lines[i]) or not lines[i].strip()):
        i += 1

    findings: list[Finding] = []
    if not any(title == "Param #" for title, _ in columns):
        findings.append(finding("parse.no_param_column", "parse.torch.no_param_column", Severity.INFO, format=_FORMAT))

    rows: list[_Row] = []
    more: dict[int, list[str]] = {}  # continuation lines by row index (a row wrapped by a narrow window)
    skipped_verbose = 0
    ended = False
    pending: list[tuple[int, str]] = []  # unreadable lines, reported only if more rows follow them
    n_lines = len(lines)
    # The usual row in one match: its title and exactly one cell per column (None: no columns).
    n_columns = len(columns)
    row_re = _row_pattern(n_columns) if columns else None
    while i < n_lines:
        raw = lines[i]
        first = raw[:1]
        if first.isspace():
            first = raw.lstrip()[:1]
        if (first == "=" and _RULE_PIECE.match(raw)) or (first in "TN" and _TOTAL.match(raw)):
            ended = True
            break
        line = raw[indent:] if not indent or raw[:indent].isspace() else raw.lstrip()
        i += 1
        if not line or line.isspace():
            continue
        read: tuple[str, ...] | None = None
        if row_re is not None and (piece := _read_row(line, n_columns)) is not None:
            tree, type_name, var, depth_text, end, read = piece
        elif row_re is not None and (fast := row_re.match(line)) is not None:
            groups = fast.groups()
            tree, type_name, var, depth_text = groups[1:5]
            end = fast.end(1)
            read = groups[_CELLS_AT:]
        elif (m := _TITLE.match(line)) is not None:
            tree, type_name, var, depth_text = m.group(1, 2, 3, 4)
            end = m.end()
        else:
            type_name = None
        if type_name is not None and (tree or depth_text is not None or not rows):
            # (a row its pattern read has no "─" in its cells)
            if read is None and (line.find("├─", end) >= 0 or line.find("└─", end) >= 0):
                skipped_verbose += 1  # verbose mode: a per-parameter line such as "│    └─weight  ...  ├─150"
                continue
            depth = int(depth_text) if depth_text is not None else _tree_depth(tree)
            if pending:
                findings.extend(
                    finding("parse.skipped_row", "parse.torch.skipped_row", line=n, format=_FORMAT, text=bad[:80])
                    for n, bad in pending
                )
                pending.clear()
            rows.append((i, type_name, var, depth, line, end, read))
            continue
        if rows and not pending and (width or all(_is_value(t) for t, _ in _tokens(line, None))):
            more.setdefault(len(rows) - 1, []).append(line)  # the rest of a row wrapped by a narrow window
            continue
        pending.append((i, line.strip()))

    if not rows:
        raise InputError("parse.torchinfo.none")
    if ended:  # unreadable lines inside the table, before its closing rule
        findings.extend(
            finding("parse.skipped_row", "parse.torch.skipped_row", line=line_no, format=_FORMAT, text=bad[:80])
            for line_no, bad in pending
        )

    totals: dict[str, int | None] = {}
    j = i
    while ended and j < len(lines) and j < i + 40:
        line = lines[j].strip()
        j += 1
        mt = None
        if width and len(lines[j - 1]) - indent >= width and j < len(lines):  # wrapped by a narrow window
            mt = _TOTAL.match(line + lines[j].rstrip())
            j += mt is not None
        mt = mt or _TOTAL.match(line)
        if mt:
            totals[mt.group("key")] = scaled_count(mt.group("value"), mt.group("unit"))
        elif line and not _RULE_PIECE.match(line) and not _SIZE_LINE.match(line) and not width:
            break
    if "Total params" not in totals:
        findings.append(
            finding(
                "parse.truncated",
                "parse.torch.truncated",
                format=_FORMAT,
                missing=Message("parse.torch.missing_totals"),
                rows=len(rows),
            )
        )
    if skipped_verbose:
        findings.append(finding("parse.verbose_rows", "parse.torch.verbose_rows", Severity.INFO, count=skipped_verbose))

    layers = _layers(rows, more, columns, width, findings)
    input_shapes: tuple[Shape, ...] = ()
    if layers and layers[0].depth == 0 and layers[0].input_shape is not None:
        root_in = layers[0].input_shape
        if isinstance(root_in, tuple):
            input_shapes = (root_in,)
        else:
            input_shapes = tuple(s for s in (_first_shape(t) for t in root_in) if s is not None)
    return ModelSpec(
        format=Format.TORCHINFO,
        framework=Framework.TORCH,
        layers=tuple(layers),
        input_shapes=input_shapes,
        total_params=totals.get("Total params"),
        trainable_params=totals.get("Trainable params"),
        non_trainable_params=totals.get("Non-trainable params"),
        total_mult_adds=totals.get("Total mult-adds"),
        findings=tuple(findings),
    )


def _int(cell: str) -> int | None:
    return int(cell) if cell.isascii() and cell.isdigit() and len(cell) < 30 else parse_int(cell)


def _tree_depth(tree: str | None) -> int:
    if not tree:
        return 0
    return tree.count("│") + tree.count("|") + 1


@lru_cache(maxsize=4096)
def _param_cell(cell: str) -> tuple[int | None, bool | None, bool, bool]:
    """A ``Param #`` cell other than ``--``: (count, trainable, recursive, unreadable).  Cached: a
    table repeats the same counts."""
    if cell == "(recursive)":
        return None, None, True, False
    if cell.startswith("(") and cell.endswith(")"):
        params = _int(cell[1:-1])
        return params, (False if params else None), False, params is None
    params = _int(cell)
    return params, None, False, params is None


def _layers(
    rows: list[_Row],
    more: dict[int, list[str]],
    columns: list[tuple[str, int | None]],
    width: int,
    findings: list[Finding],
) -> list[LayerSpec]:
    layers: list[LayerSpec] = []
    titles = [title for title, _ in columns]
    # Each column's place in a row's cells (the last of a title printed twice, as a dict by title keeps it).
    at = {title: k for k, title in enumerate(titles)}
    i_param, i_out, i_in = at.get("Param #", -1), at.get("Output Shape", -1), at.get("Input Shape", -1)
    i_flag, i_kernel, i_mult, i_groups = (at.get(t, -1) for t in ("Trainable", "Kernel Shape", "Mult-Adds", "Groups"))
    extra = max(i_flag, i_kernel, i_mult, i_groups) >= 0
    # Shapes by cell text, for this table (a table repeats the same shapes); nested ones (lists) are not kept.
    shapes: dict[str, ShapeTree | None] = {"--": None}
    named = any(row[2] is not None for row in rows)
    path: list[str | None] = []  # var names of the open ancestors, by depth
    n_rows = len(rows)
    for k, (line_no, type_name, var, depth, full, offset, read) in enumerate(rows):
        cells: Sequence[str | None]
        if read is not None and k not in more:
            cells = read  # read by the row's own pattern
        else:
            by_title = _assign(full, offset, more.get(k, []), columns, width)
            cells = [by_title.get(title) for title in titles]
        has_children = k + 1 < n_rows and rows[k + 1][3] > depth
        container = has_children or type_name in CONTAINER_TYPES

        name: str | None = None
        if named:
            del path[depth:]
            path.extend([None] * (depth - len(path)))
            path.append(var)
            if var is not None and depth > 0:
                parts = path[1:]
                name = ".".join(p for p in parts if p) if all(parts) else var

        params: int | None = None
        trainable: bool | None = None
        recursive = False
        if i_param >= 0 and (cell := cells[i_param]) is not None:
            if cell == "--":
                params = None if has_children else 0
            else:
                params, trainable, recursive, bad = _param_cell(cell)
                if bad:
                    findings.append(
                        finding(
                            "parse.bad_cell",
                            "parse.torch.skipped_row",
                            Severity.INFO,
                            line=line_no,
                            format=_FORMAT,
                            text=cell[:80],
                        )
                    )

        kernel: tuple[int, ...] | None = None
        mult: int | None = None
        config: dict[str, object] = {}
        if extra:
            flag = cells[i_flag] if i_flag >= 0 else None
            if flag in ("True", "False"):
                trainable = flag == "True"
            kcell = cells[i_kernel] if i_kernel >= 0 else None
            if kcell and kcell != "--":
                kshape = parse_shape(kcell) if kcell.startswith("[") else None
                if isinstance(kshape, tuple) and all(isinstance(d, int) for d in kshape):
                    kernel = tuple(d for d in kshape if d is not None)
                elif (single := parse_int(kcell)) is not None:
                    kernel = (single,)
            mcell = cells[i_mult] if i_mult >= 0 else None
            if mcell and mcell != "--":
                mult = _int(mcell)
            gcell = cells[i_groups] if i_groups >= 0 else None
            if gcell and (groups := parse_int(gcell)) is not None:
                config["groups"] = groups

        out_cell = cells[i_out] if i_out >= 0 else None
        if out_cell is None:
            output = None
        elif (output := shapes.get(out_cell, _NOT_SEEN)) is _NOT_SEEN:
            output = _shape_cell(out_cell)
            if not isinstance(output, list):
                shapes[out_cell] = output
        in_cell = cells[i_in] if i_in >= 0 else None
        if in_cell is None:
            input_shape = None
        elif (input_shape := shapes.get(in_cell, _NOT_SEEN)) is _NOT_SEEN:
            input_shape = _shape_cell(in_cell)
            if not isinstance(input_shape, list):
                shapes[in_cell] = input_shape
        # Positional, in LayerSpec's field order (keyword arguments cost a third more per row).
        layers.append(
            LayerSpec(
                type_name,  # type
                name,
                depth,
                config,
                output,  # output_shape
                out_cell if output is None and out_cell not in (None, "--") else None,  # output_shape_text
                input_shape,
                params,
                trainable,
                False,  # unbuilt
                recursive,
                container,  # is_container
                (),  # inbound
                kernel,  # kernel_size
                mult,  # mult_adds
                line_no,  # line
                resolve_type(type_name),  # resolved_type
            )
        )
    return layers
