"""Keras 3 ``model.summary()``: the box-drawn table rich prints.

    Model: "functional_1"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
    ┃ Layer (type)                  ┃ Output Shape         ┃    Param # ┃ Connected to      ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
    │ encoder (Sequential)          │ (None, 32)           │    346,304 │ left[0][0],       │
    │                               │                      │            │ right[0][0]       │
    ├───────────────────────────────┼──────────────────────┼────────────┼───────────────────┤
    │    └ conv2d (Conv2D)          │ (None, 26, 26, 16)   │        160 │ -                 │
    └───────────────────────────────┴──────────────────────┴────────────┴───────────────────┘
     Total params: 346,577 (1.32 MB)

Columns are found from the header row (Layer (type), Output Shape, Param #, Connected to, Trainable),
never assumed.  A row runs from one separator to the next: rich wraps long cells onto more lines at
spaces, and cuts words longer than the column with "…".  A table wider than the console is cropped on
the right, which can take the Param # column away entirely.  Rich's square and ASCII boxes (``│``/``|``,
``+---+``) read the same way.  ``expand_nested`` rows start with ``"   " * depth + "└ "``.

In a long table (or one laid out like a table seen before) the usual row, one or two cell lines with a
bar at every border of the header and then the separator line, is matched by one regex built from the
header's borders and read at once; any other row goes through the line loop and is read cell by cell,
with the same result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import groupby, pairwise
from operator import itemgetter
from typing import Any

from calc.errors import InputError
from calc.findings import Severity
from calc.model import NO_CONFIG, Format, Inbound, LayerSpec, ModelSpec
from calc.parse._keras import (
    _CONN_PLAIN,
    _READ_SHAPE_MEMO,
    ELLIPSIS,
    Findings,
    TypeResolver,
    model_name_above,
    parse_connections,
    read_shape,
    read_totals,
    split_name_type,
)
from calc.parse.text import has_line, parse_int
from calc.types import Framework, Shape, ShapeTree

__all__ = ["detect", "parse"]

_VERTICAL = "┃│|║"
_VERTICALS = frozenset(_VERTICAL)  # one character each: "" (a blank line) is not in it
_HORIZONTAL = "━─-=═"
# What rule lines are made of.  The usual characters come first: str.strip looks each character of a line
# up in this string from its start (ordered so, the rule test takes half the time).
_BORDER = " │─━┃├┼┤┡╇┩-=═+┏┳┓└┴┘┌┬┐╞╪╡╘╧╛╒╤╕╔╦╗╠╬╣╚╩╝┠┨┯┷┿╂╋┣┫┗┛┻╭╮╰╯|║"
_NEST_MARKS = "└├│"
_VBAR = re.compile("[┃│|║]")

_HEADER = re.compile(r"^\s*[┃│|║]\s*Layer\s*(?:\(type\)\s*)?(?:[┃│|║]|$)")
_DETECT_HEADER = re.compile(r"^[ \t]*[┃│|║][ \t]*Layer[ \t]*\(type\)[ \t]*[┃│|║]", re.MULTILINE)
_DETECT_TOP = re.compile(r"^[ \t]*[┏┡]━+[┳╇]", re.MULTILINE)
_PARAM = re.compile(r"^(?P<n>[+-]?\d[\d,]*)(?P<unbuilt>\s*\(unbuilt\))?$")
_MAX_GAP = 3  # foreign lines tolerated inside a table before it is taken to have ended

# One row of the usual table in one regex match (see _row_pattern): its cell lines and the rule below it.
_NAME_TYPE = re.compile(r"([^\s()…]+) \(([^\s()…]+)\)")
"""``conv1_bn (BatchNormalization)``: what split_name_type reads as that name and type, closed and not cut."""
_ROW_PATTERNS: dict[tuple[tuple[int, ...], int | None, str, str], re.Pattern[str]] = {}
_ROW_PATTERN_MIN_LINES = 90
"""A row pattern takes about 0.1 ms to compile and saves about 4 µs a row: it is made for a table of at
least this many lines (about 30 rows), and used for any table of a layout seen before."""

_ROLES = (("layer", "layer"), ("output", "shape"), ("param", "param"), ("conn", "conn"), ("train", "trainable"))
_DEFAULT_ROLES = {
    3: ["layer", "shape", "param"],
    4: ["layer", "shape", "param", "conn"],
    5: ["layer", "shape", "param", "conn", "trainable"],
}


def detect(text: str) -> bool:
    """A rich box table with a ``Layer (type)`` header, or rich's heavy-head borders (``┏━┳`` / ``┡━╇``)."""
    return has_line(text, "(type)", _DETECT_HEADER) or has_line(text, "━", _DETECT_TOP)


def _is_rule(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.strip(_BORDER) and any(c in s for c in _HORIZONTAL)


def _is_cell(line: str) -> bool:
    s = line.lstrip()
    return bool(s) and s[0] in _VERTICAL and not _is_rule(line)


def _split(line: str, header_borders: list[int]) -> list[str] | None:
    """The raw cells of one table line (padding kept).  A right-cropped line gives a last, open cell."""
    n = len(line)
    if header_borders and all(p < n and line[p] in _VERTICAL for p in header_borders):
        # Every header border is a bar here (the usual line): cut there, whatever "│" a cell holds.
        pos = header_borders
    else:
        pos = [m.start() for m in _VBAR.finditer(line)]
        if not pos:
            return None
    cells = [line[a + 1 : b] for a, b in pairwise(pos)]
    tail = line[pos[-1] + 1 :]
    if tail.strip():
        cells.append(tail)
    return cells


@dataclass
class _Row:
    first_line: int  # 0-based
    lines: list[list[str]] = field(default_factory=list)


def _row_pattern(lines: list[str], body: int, borders: list[int], pk: int | None) -> re.Pattern[str] | None:
    """One row of the table whose header has bars at ``borders`` and whose rows start at ``lines[body]``, in
    one match: a cell line, maybe a second one (its Param # cell, column ``pk``, blank), then the table's
    separator line.  Each cell line starts with the header's indent, has the body's bar character at every
    border and only blanks after the last bar; each cell is a group, padding kept: the cells _split cuts
    there.  Whether a cell line is a rule line (all border characters) is left to _read_rows.  The
    separator is the first rule line of the body, as printed (any line equal to it is a rule line).
    None: no pattern for this table (see _ROW_PATTERN_MIN_LINES)."""
    bar = sep = None
    for line in lines[body : body + 8]:
        if bar is None and len(line) > borders[0] and line[borders[0]] in _VERTICALS:
            bar = line[borders[0]]
        if sep is None and _is_rule(line):
            sep = line
        if bar is not None and sep is not None:
            break
    if bar is None or sep is None:
        return None
    key = (tuple(borders), pk, bar, sep)
    pattern = _ROW_PATTERNS.get(key)
    if pattern is None and len(lines) - body >= _ROW_PATTERN_MIN_LINES:
        # Literal characters compile quickly; a character class of box-drawing characters does not.
        b = re.escape(bar)
        lead = f" {{{borders[0]}}}" if borders[0] else ""
        widths = [b2 - b1 - 1 for b1, b2 in pairwise(borders)]
        first = "".join(f"{b}(.{{{w}}})" for w in widths)
        second = "".join(f"{b}( {{{w}}})" if k == pk else f"{b}(.{{{w}}})" for k, w in enumerate(widths))
        rule = "".join(
            re.escape(c) + (f"{{{n}}}" if n > 1 else "") for c, n in ((c, len(list(run))) for c, run in groupby(sep))
        )
        pattern = re.compile(f"{lead}{first}{b} *\\n(?:{lead}{second}{b} *\\n)?{rule}(?:\\n|\\Z)")
        if len(_ROW_PATTERNS) >= 64:
            _ROW_PATTERNS.clear()
        _ROW_PATTERNS[key] = pattern
    return pattern


def _role(text: str) -> str | None:
    t = text.strip().lower()
    for prefix, role in _ROLES:
        if t.startswith(prefix):
            return role
    return None


def _find_header(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        if _HEADER.match(line):
            return i
    return None


def _find_headless(lines: list[str]) -> int | None:
    """No header row: the first cell line of three or more cells right under a border line."""
    for i in range(1, len(lines)):
        if _is_cell(lines[i]) and _is_rule(lines[i - 1]):
            cells = _split(lines[i], [])
            if cells is not None and len(cells) >= 3:
                return i
    return None


def parse(text: str) -> ModelSpec:
    lines = text.split("\n")
    found = Findings()
    header = _find_header(lines)
    roles: list[str | None]
    borders: list[int]
    if header is not None:
        borders = [m.start() for m in _VBAR.finditer(lines[header])]
        texts: list[str] = []
        open_last = False
        i = header
        while i < len(lines) and _is_cell(lines[i]):
            cells = _split(lines[i], borders) or []
            if i == header:
                open_last = bool(lines[i][borders[-1] + 1 :].strip()) if borders else False
            for k, cell in enumerate(cells):
                if k < len(texts):
                    texts[k] = f"{texts[k]} {cell.strip()}".strip()
                else:
                    texts.append(cell.strip())
            i += 1
        body = i + 1 if i < len(lines) and _is_rule(lines[i]) else i
        roles = [_role(t) for t in texts]
        if open_last and roles and roles[-1] in ("param", "trainable"):
            roles[-1] = None  # cropped on the right: right-aligned numbers lose their last digits
    else:
        start = _find_headless(lines)
        if start is None:
            raise InputError("parse.keras3.no_table")
        borders = []
        header = start
        body = start
        ncells = len(_split(lines[start], []) or [])
        names = _DEFAULT_ROLES.get(min(ncells, 5), _DEFAULT_ROLES[3])
        roles = list(names) + [None] * max(0, ncells - len(names))
        found.add(Severity.INFO, "parse.no_header", columns=", ".join(n for n in names))
    if "layer" not in roles:
        raise InputError("parse.keras3.no_table")
    col = {r: k for k, r in enumerate(roles) if r is not None}
    if "param" not in col:
        found.add(Severity.WARNING, "parse.no_param_column")

    rows: list[_Row | LayerSpec] = []  # a row read at once (see _read_rows), or its cells for _layer
    cur: _Row | None = None
    i = body
    n = len(lines)
    nroles = len(roles)
    pk = col.get("param")
    # The usual line has a bar at every border of the header: it is cut there without a regex (see _split).
    last = borders[-1] if borders else -1
    pick = itemgetter(*borders) if borders else None
    cuts = [slice(a + 1, b) for a, b in pairwise(borders)]
    bars = _VERTICALS.issuperset
    resolve = TypeResolver()
    # The usual row, one or two cell lines and a rule line, is matched in one go and read at once.
    fast = _row_pattern(lines, body, borders, pk) if len(borders) >= 2 and nroles == len(borders) - 1 else None
    cols = (col["layer"], col.get("shape"), pk, col.get("conn"), col.get("trainable"), nroles)
    at, pos = 0, 0  # lines[at] starts at text[pos]
    cut_names: dict[int, str] = {}  # rows[k] read at once with a name cut: its example, for found.names_cut
    while i < n:
        if cur is None and fast is not None:
            while at < i:
                pos += len(lines[at]) + 1
                at += 1
            i, pos = _read_rows(fast, text, pos, i, cols, resolve, rows, cut_names)
            at = i
            if i >= n:
                break
        line = lines[i]
        s = line.strip()  # _is_rule, inline: this loop runs once per line of the table
        if s and not s.strip(_BORDER) and ("─" in s or "━" in s or "-" in s or "=" in s or "═" in s):
            cur = None
            i += 1
            continue
        if s[:1] in _VERTICALS:  # a cell line (it is not a rule)
            if pick is not None and len(line) > last and bars(pick(line)):
                cells = list(map(line.__getitem__, cuts))
                tail = line[last + 1 :]
                if tail.strip():
                    cells.append(tail)
                parts: list[str] | None = cells
            else:
                parts = _split(line, borders)
            if parts is None or len(parts) > nroles:
                found.skipped(i + 1, line)
                cur = None
                i += 1
                continue
            if len(parts) < nroles:
                parts += [""] * (nroles - len(parts))
            if (
                cur is not None
                and pk is not None
                and _starts_number(parts[pk])
                and any(_starts_number(c[pk]) for c in cur.lines)
            ):
                cur = None  # a new row without a separator line between
            if cur is None:
                cur = _Row(i)
                rows.append(cur)
            cur.lines.append(parts)
            i += 1
            continue
        # Not a table line: blank lines or a stray line inside the table are passed over.
        j = i + 1
        while j < n and j <= i + _MAX_GAP and not (_is_cell(lines[j]) or _is_rule(lines[j])):
            j += 1
        if j < n and j <= i + _MAX_GAP and (_is_cell(lines[j]) or _is_rule(lines[j])):
            for k in range(i, j):
                if lines[k].strip():
                    found.skipped(k + 1, lines[k])
            i = j
            continue
        break
    table_end = i

    layers: list[LayerSpec] = []
    for r, row in enumerate(rows):
        if isinstance(row, LayerSpec):
            layers.append(row)
            if cut_names and r in cut_names:
                found.names_cut.append(cut_names[r])  # in row order, as _layer adds them
            continue
        d = _layer(row, col, found, resolve)
        if d is not None:
            layers.append(LayerSpec(**d))
    for k in range(len(layers) - 1):
        if layers[k + 1].depth > layers[k].depth:
            layers[k] = replace(layers[k], is_container=True)
    if not layers:
        raise InputError("parse.keras3.no_table")

    j = table_end
    while j < n and not lines[j].strip():
        j += 1
    totals = read_totals(lines, j)
    if not totals.found:
        found.add(Severity.WARNING, "parse.truncated", rows=len(layers))
    rest = lines[(totals.last_line + 1 if totals.found else table_end) :]
    more = sum(1 for line in rest if _HEADER.match(line))
    if more:
        found.add(Severity.INFO, "parse.extra_tables", count=more + 1)

    specs = tuple(layers)
    inputs: list[Shape] = [
        s.output_shape for s in specs if s.depth == 0 and s.type == "InputLayer" and isinstance(s.output_shape, tuple)
    ]
    return ModelSpec(
        format=Format.KERAS3,
        framework=Framework.KERAS,
        layers=specs,
        name=model_name_above(lines, header),
        input_shapes=tuple(inputs),
        total_params=totals.total,
        trainable_params=totals.trainable,
        non_trainable_params=totals.non_trainable,
        optimizer_params=totals.optimizer,
        findings=found.done(),
    )


def _starts_number(cell: str) -> bool:
    s = cell.strip()
    return bool(s) and (s[0].isdigit() or (s[0] in "+-" and s[1:2].isdigit()))


def _joined(row: _Row, k: int) -> str:
    lines = row.lines
    if len(lines) == 1:  # most rows fit on one line
        return lines[0][k].strip()
    if len(lines) == 2:  # or two (a long type wraps): usually one of the two cells is blank
        a, b = lines[0][k].strip(), lines[1][k].strip()
        return f"{a} {b}" if a and b else a or b
    return " ".join([p for cells in lines if (p := cells[k].strip())])


_PARAM_MEMO: dict[str, tuple[int | None, bool] | None] = {}
_MEMO_LIMIT = 4096


def _read_param(text: str) -> tuple[int | None, bool] | None:
    """A Param # cell → (count, unbuilt); None when it is not a number.  Cells recur, so each is read once."""
    if text in _PARAM_MEMO:
        return _PARAM_MEMO[text]
    m = _PARAM.match(text)
    read = None if m is None else (parse_int(m.group("n")), m.group("unbuilt") is not None)
    if len(_PARAM_MEMO) >= _MEMO_LIMIT:
        _PARAM_MEMO.clear()
    _PARAM_MEMO[text] = read
    return read


_TRAINABLE = {"Y": True, "N": False}


def _read_rows(
    fast: re.Pattern[str],
    text: str,
    pos: int,
    i: int,
    cols: tuple[int, int | None, int | None, int | None, int | None, int],
    resolve: TypeResolver,
    rows: list[_Row | LayerSpec],
    cut_names: dict[int, str],
) -> tuple[int, int]:
    """Read the rows ``fast`` (see _row_pattern) matches one after another from ``text[pos]`` (``lines[i]``),
    each as _layer reads it, while that reports nothing but a name cut short (its example goes to
    ``cut_names``, under the row's index).  Returns the line and offset of the first row left to the line
    loop and _layer.  ``cols``: the layer, shape, param, conn and trainable columns, and how many there are."""
    c, sk, pk, ck, tk, n = cols
    match = fast.match
    kinds: dict[str, str | None] = {}  # resolve(typ, True) by type, for this table
    while (m := match(text, pos)) is not None:
        g = m.groups()  # the first line's cells, then the second line's (None without one)
        two = g[n] is not None
        first = g[c]
        content = first.strip()
        depth = 0
        if content[:1] in _NEST_MARKS and content[1:2] == " ":
            body = first[1:] if first.startswith(" ") else first
            depth = max(1, (len(body) - len(body.lstrip(" ")) + 1) // 3)  # see _layer
            content = content[2:].strip()
        if not content:
            break
        # A cell line of border characters only is a rule line: the line loop ends the row there.
        if content[-1] in _BORDER and not any(cell.strip(_BORDER) for cell in g[:n]):
            break
        if two:
            more = g[n + c].strip()
            if (not more or more[-1] in _BORDER) and not any(cell.strip(_BORDER) for cell in g[n:]):
                break
            if more:
                content = f"{content} {more}"
        cut_example = None
        nt = _NAME_TYPE.fullmatch(content)
        if nt is not None:
            name, typ = nt.groups()
        else:
            name, typ, closed = split_name_type(content)
            if not closed or typ.endswith(ELLIPSIS):
                break  # resolved as cut: _layer
            if name.endswith(ELLIPSIS):
                cut_example = content
        shape: ShapeTree | None = None
        shape_text = None
        if sk is not None:
            text_ = g[sk].strip()
            if two and (more := g[n + sk].strip()):
                text_ = f"{text_} {more}" if text_ else more
            shape, shape_text, cut = _READ_SHAPE_MEMO.get(text_) or read_shape(text_)
            if cut:
                break
        params = None
        unbuilt = False
        if pk is not None:  # the second line's Param # cell is blank (see _row_pattern)
            ptext = g[pk].strip()
            read = _PARAM_MEMO.get(ptext) or _read_param(ptext)
            if read is None or read[0] is None:
                break
            params, unbuilt = read
        inbound: tuple[Inbound, ...] = ()
        if ck is not None:
            conn = g[ck].strip()
            if two and (more := g[n + ck].strip()):
                conn = f"{conn} {more}" if conn else more
            if conn != "-":
                cm = _CONN_PLAIN.match(conn)
                if cm is not None:  # what parse_connections reads first
                    layer, node, tensor = cm.groups()
                    inbound = (Inbound(layer, 0 if node == "0" else int(node), 0 if tensor == "0" else int(tensor)),)
                else:
                    inbound, cut = parse_connections(conn)
                    if cut and cut_example is None:
                        cut_example = f"{name} ← {conn}"
        trainable = None
        if tk is not None:
            flag = g[tk].strip()
            if two and (more := g[n + tk].strip()):
                flag = f"{flag} {more}" if flag else more
            trainable = _TRAINABLE.get(flag)
        if cut_example is not None:
            cut_names[len(rows)] = cut_example
        if typ in kinds:
            kind = kinds[typ]
        else:
            kind = kinds[typ] = resolve(typ, True) if typ else None
        rows.append(
            LayerSpec(  # every field, in order: positional arguments are the quickest
                typ, name or None, depth, NO_CONFIG, shape, shape_text, None, params, trainable, unbuilt, False,
                False, inbound, None, None, i + 1, kind,
            )
        )  # fmt: skip
        i += 3 if two else 2
        pos = m.end()
    return i, pos


def _layer(row: _Row, col: dict[str, int], found: Findings, resolve: TypeResolver) -> dict[str, Any] | None:
    line_no = row.first_line + 1
    lines = row.lines
    c = col["layer"]
    first = lines[0][c]
    content = first[1:] if first.startswith(" ") else first  # rich pads each cell with one space
    lead = len(content) - len(content.lstrip(" "))
    content = content.strip()
    depth = 0
    if content[:1] in _NEST_MARKS and content[1:2] == " ":
        depth = max(1, (lead + 1) // 3)  # Keras 3 prefixes "   " * depth + "└ "
        content = content[2:].strip()
    if not content:
        found.skipped(line_no, " ".join(p.strip() for p in lines[0] if p.strip()))
        return None
    single = len(lines) == 1  # most rows fit on one line: each cell is that line's, stripped (see _joined)
    if single:
        cell = content
    elif len(lines) == 2:
        more = lines[1][c].strip()
        cell = f"{content} {more}" if more else content
    else:
        cell = " ".join([content, *[p for cells in lines[1:] if (p := cells[c].strip())]])
    name, typ, closed = split_name_type(cell)
    d: dict[str, Any] = {"name": name or None, "type": typ, "depth": depth, "line": line_no}
    complete = closed and not typ.endswith(ELLIPSIS)
    d["resolved_type"] = resolve(typ, complete) if typ else None
    cut_example = cell if name.endswith(ELLIPSIS) or not complete else None

    k = col.get("shape")
    if k is not None:
        shape, shape_text, cut = read_shape(lines[0][k].strip() if single else _joined(row, k))
        d["output_shape"] = shape
        d["output_shape_text"] = shape_text
        if cut:
            found.shapes_cut.append(f"{name}: {shape_text}")
    k = col.get("param")
    if k is not None:
        ptext = lines[0][k].strip() if single else _joined(row, k)
        read = _read_param(ptext)
        if read is not None:
            d["params"], d["unbuilt"] = read
        if read is None or read[0] is None:
            found.add(Severity.WARNING, "parse.param_unreadable", layer=name, line=line_no, text=ptext or "—")
    k = col.get("conn")
    if k is not None:
        conn = lines[0][k].strip() if single else _joined(row, k)
        inbound, cut = parse_connections(conn)
        d["inbound"] = inbound
        if cut and cut_example is None:
            cut_example = f"{name} ← {conn}"
    k = col.get("trainable")
    if k is not None:
        flag = lines[0][k].strip() if single else _joined(row, k)
        d["trainable"] = _TRAINABLE.get(flag)
    if cut_example is not None:
        found.names_cut.append(cut_example)
    return d
