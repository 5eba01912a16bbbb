"""Keras 1/2 and tf.keras 2 ``model.summary()``: the table drawn with ``____`` and ``====`` rules.

    Model: "model"
    __________________________________________________________________________________________________
     Layer (type)                Output Shape                 Param #   Connected to
    ==================================================================================================
     lstm_1 (LSTM)               [(None, None, 256),          358400    ['input_2[0][0]',
                                  (None, 256),                           'lstm[0][1]',
                                  (None, 256)]                           'lstm[0][2]']

     max_pooling2d (MaxPooling2  (None, 127, 127, 32)         0         ['conv2d[0][0]']
     D)
    ==================================================================================================
    Total params: 718173 (2.74 MB)

Three generations print it:

* Keras 1/2 and tf.keras ≤ 2.5: rows separated by ``____`` lines, every cell cut at its column width
  (``max_pooling2d_4 (MaxPooling2`` — the type stays as printed, ``resolved_type`` names the layer), more
  "Connected to" entries on lines of their own, ``Total params: 24,202``.
* tf.keras 2.6–2.12: rows separated by blank lines, long cells wrapped onto the next lines (name, shape
  and the ``['a[0][0]', 'b[0][0]']`` list), totals with commas.
* tf.keras 2.13+: the same, with ``Total params: 24202 (94.54 KB)``.

``expand_nested`` draws a nested model's rows inside ``|¯¯¯|`` / ``|   |`` borders: the number of ``|``
is the depth.  Columns come from the header's words, but the first line of a row is read token by token
(name, ``(Type)``, shape, count), because pasted tables are often re-spaced.  Counts are kept as printed,
negative ones too (int32 overflow on Windows).  A table whose lines a chat window broke at a fixed width
is joined back when the broken rule lines give the width away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from calc.errors import InputError
from calc.findings import Severity
from calc.model import Format, LayerSpec, ModelSpec
from calc.parse._keras import (
    ELLIPSIS,
    Findings,
    TypeResolver,
    is_totals_line,
    model_name_above,
    parse_connections,
    read_shape,
    read_totals,
    split_name_type,
)
from calc.parse.text import has_line, parse_int
from calc.types import Framework, Shape

__all__ = ["detect", "parse"]

_HEADER = re.compile(r"^(?P<lead>[ \t]*)Layer \(type\)\s+Output Shape")
_DETECT = re.compile(r"^[ \t]*Layer \(type\)[ \t]+Output Shape", re.MULTILINE)
_TORCHSUMMARY_ROW = re.compile(r"^[ \t]*[A-Za-z_]\w*-\d+[ \t]+\[-1\b", re.MULTILINE)
_COLUMNS = (
    ("Layer (type)", "layer"),
    ("Output Shape", "shape"),
    ("Param", "param"),
    ("Connected", "conn"),
    ("Trainable", "trainable"),
)
_MODEL_LINE = re.compile(r'^\s*Model:\s*"')

# First line of a row: name, optional "(Type)" (maybe cut: "(MaxPooling2", or empty "(" when tf.keras
# wrapped right after it), then the start of the output shape.
_START = re.compile(
    r"(?P<name>[^\s(|][^\s]*)"
    r"(?:[ ]+\((?P<type>[A-Za-z_][\w.]*)?(?P<close>\))?)?"
    r"[ ]+(?P<shape>\[*\((?:None|\?|-?\d|\))|\[\]|multiple\b|\?(?!\S))"
)
_PARAM = re.compile(r"\s*(?P<n>[+-]?\d[\d,]*)(?=\s|$)")
_CHUNK = re.compile(r"\S+(?: \S+)*")  # runs of text separated by two or more spaces
_OLD_CONN = re.compile(r"^[^\s\[\]']+\[\d+\]\[\d+\]$")  # Keras 1/2: one more entry on a line of its own
_TYPE_TAIL = re.compile(r"^[\w.]*\)$")
_SHAPE_CHARS = frozenset("0123456789,()[] ?-None")
_SIMPLE_SHAPE = re.compile(r"\((?:None|[0-9]+)(?:, (?:None|[0-9]+))*,?\)")
_MAX_JUNK = 12  # unreadable lines in a row before the table is taken to have ended


def detect(text: str) -> bool:
    """A ``Layer (type)   Output Shape`` header, and none of torchsummary's ``Conv2d-1   [-1, …]`` rows."""
    return has_line(text, "Layer (type)", _DETECT) and not has_line(text, "[-1", _TORCHSUMMARY_ROW)


@dataclass
class _Row:
    line: int  # 1-based
    depth: int
    name: str
    shape: str
    shape_open: bool
    params: str
    conn: str
    trainable: str = ""
    sealed: int = 0  # 0: lines follow directly; 1: a blank line passed; 2: a rule line passed


def _balance(text: str) -> int:
    return sum(1 for c in text if c in "([") - sum(1 for c in text if c in ")]")


def _join(prev: str, piece: str) -> str:
    """tf.keras cuts a cell at the column width, or just after ``),`` / ``',``: undo either."""
    if not prev:
        return piece
    if prev.endswith(",") or (piece.startswith("(") and not prev.endswith("(")):
        return f"{prev} {piece}"
    return prev + piece


def _is_rule(text: str) -> bool:
    s = text.strip()
    return bool(s) and not s.strip("_=¯-")  # every character a rule character


def _unwrap(lines: list[str], start: int) -> tuple[list[str], list[int], int]:
    """Undo a chat window's hard wrap at width W, when a rule line broken in two gives W away."""
    width = 0
    for i in range(start, min(len(lines) - 1, start + 200)):
        a, b = lines[i].strip(), lines[i + 1].strip()
        if a and b and _is_rule(a) and len(set(a)) == 1 and set(a) == set(b) and len(lines[i]) > len(lines[i + 1]):
            width = len(lines[i])
            break
    if width < 20:
        return lines, list(range(len(lines))), 0
    out: list[str] = []
    index: list[int] = []
    joined = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        origin = i
        while i >= start and len(line) % width == 0 and line and i + 1 < len(lines):
            tail = lines[i + 1]
            if tail.strip():
                joined += 1
            line += tail
            i += 1
        out.append(line)
        index.append(origin)
        i += 1
    return out, index, joined


def parse(text: str) -> ModelSpec:
    raw_lines = text.split("\n")
    header = next((i for i, line in enumerate(raw_lines) if _HEADER.match(line)), None)
    if header is None:
        raise InputError("parse.keras2.no_table")
    found = Findings()
    lines, origin, joined = _unwrap(raw_lines, max(0, header - 2))
    if header not in origin:  # the header was "unwrapped" onto the line above it: that was no wrap
        lines, origin, joined = raw_lines, list(range(len(raw_lines))), 0
    if joined:
        found.add(Severity.INFO, "parse.rewrapped", count=joined)
    header = origin.index(header)
    head = lines[header]
    cols: dict[str, int] = {}
    for word, role in _COLUMNS:
        at = head.find(word)
        if at >= 0:
            cols[role] = at
    if "param" not in cols:
        found.add(Severity.WARNING, "parse.no_param_column")
    starts = sorted((pos, role) for role, pos in cols.items())
    lead_max = len(_HEADER.match(head).group("lead")) + 8  # type: ignore[union-attr]

    rows: list[_Row] = []
    cur: _Row | None = None
    junk: list[tuple[int, str]] = []
    junk_run = 0
    totals = None
    end = len(lines)
    i = header + 1
    while i < len(lines):
        line = lines[i]
        line_no = origin[i] + 1
        if is_totals_line(line):
            totals = read_totals(lines, i)
            end = totals.last_line + 1
            break
        if _HEADER.match(line) or _MODEL_LINE.match(line):
            end = i
            break
        depth = len(line) - len(line.lstrip("|"))
        body = " " * depth + line[depth:].rstrip().rstrip("|").rstrip() if depth else line
        if not body.strip() or _is_rule(body):
            if cur is not None:
                cur.sealed = max(cur.sealed, 1 if not body.strip() else 2)
            i += 1
            continue
        started = _start(body, depth, cols, lead_max, line_no, found)
        if started is not None:
            for n, t in junk:
                found.skipped(n, t)
            junk.clear()
            junk_run = 0
            cur = started
            rows.append(cur)
        elif cur is None or not _continue(cur, body, starts):
            junk_run += 1
            if junk_run > _MAX_JUNK:
                break
            if any(c.isdigit() for c in body) and "(" in body:
                junk.append((line_no, body))
        i += 1
    for n, t in junk:  # lines after the last row: text after the table unless the totals follow
        if totals is not None:
            found.skipped(n, t)

    if not rows:
        raise InputError("parse.keras2.no_table")
    if totals is None:
        found.add(Severity.WARNING, "parse.truncated", rows=len(rows))
    more = sum(1 for line in lines[end:] if _HEADER.match(line))
    if more:
        found.add(Severity.INFO, "parse.extra_tables", count=more + 1)

    resolve = TypeResolver()
    layers = [_layer(r, cols, found, resolve) for r in rows]
    for k in range(len(layers) - 1):
        if layers[k + 1]["depth"] > layers[k]["depth"]:
            layers[k]["is_container"] = True
    specs = tuple(LayerSpec(**d) for d in layers)
    inputs: list[Shape] = [
        s.output_shape for s in specs if s.depth == 0 and s.type == "InputLayer" and isinstance(s.output_shape, tuple)
    ]
    return ModelSpec(
        format=Format.KERAS2,
        framework=Framework.KERAS,
        layers=specs,
        name=model_name_above(lines, header),
        input_shapes=tuple(inputs),
        total_params=totals.total if totals else None,
        trainable_params=totals.trainable if totals else None,
        non_trainable_params=totals.non_trainable if totals else None,
        optimizer_params=totals.optimizer if totals else None,
        findings=found.done(),
    )


def _start(body: str, depth: int, cols: dict[str, int], lead_max: int, line_no: int, found: Findings) -> _Row | None:
    """A row's first line, read token by token; None when the line does not begin a row."""
    lead = len(body) - len(body.lstrip(" "))
    if lead > lead_max:
        return None
    m = _START.match(body, lead)
    if m is None:
        return None
    s0 = m.start("shape")
    name = body[lead:s0].rstrip()
    param_at = cols.get("param", -1)
    if body.startswith("multiple", s0):
        shape, after, shape_open = "multiple", s0 + len("multiple"), False
    elif body.startswith("?", s0):
        shape, after, shape_open = "?", s0 + 1, False
    else:
        close = _shape_end(body, s0)
        if close is not None:
            shape, after, shape_open = body[s0:close], close, False
        elif param_at > s0:
            shape, after, shape_open = body[s0:param_at].strip(), param_at, True
        else:
            shape, after, shape_open = body[s0:].strip(), len(body), True
    rest = body[after:]
    params = ""
    pm = _PARAM.match(rest)
    if pm is not None:
        params = pm.group("n")
        rest = rest[pm.end() :]
    rest = rest.strip()
    trainable = ""
    if "trainable" in cols and (rest in ("Y", "N") or rest.endswith((" Y", " N"))):
        trainable, rest = rest[-1], rest[:-1].rstrip()
    return _Row(line_no, depth, name, shape, shape_open, params, rest, trainable)


def _shape_end(body: str, start: int) -> int | None:
    """Where the bracketed shape starting at ``start`` closes on this line, or None."""
    simple = _SIMPLE_SHAPE.match(body, start)
    if simple is not None:  # "(None, 112, 112, 64)": no bracket inside, so it closes at its ")"
        return simple.end()
    depth = 0
    for k in range(start, len(body)):
        c = body[k]
        if c not in _SHAPE_CHARS:
            return None
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
            if depth == 0:
                return k + 1
    return None


def _continue(row: _Row, body: str, starts: list[tuple[int, str]]) -> bool:
    """Add a wrapped line's pieces to ``row`` if every piece fits an open cell; else change nothing."""
    pieces: list[tuple[str, str]] = []
    for m in _CHUNK.finditer(body):
        role = None
        for pos, r in starts:
            if pos <= m.start() + 1:
                role = r
        if role is None:
            return False
        pieces.append((role, m.group()))
    if not pieces:
        return False
    for role, piece in pieces:
        if role == "layer":
            _, typ, closed = split_name_type(row.name)
            if closed or row.sealed == 2:
                return False
            if row.sealed == 1 and not (typ and _TYPE_TAIL.match(piece)):
                return False
        elif role == "shape":
            if not row.shape_open or row.sealed == 2:
                return False
        elif role == "conn":
            list_open = row.conn.startswith("[") and _balance(row.conn) > 0
            if not (list_open and row.sealed < 2) and not (row.sealed == 0 and _OLD_CONN.match(piece)):
                return False
        else:
            return False
    for role, piece in pieces:
        if role == "layer":
            row.name = _join(row.name, piece)
        elif role == "shape":
            row.shape = _join(row.shape, piece)
            row.shape_open = _balance(row.shape) > 0
        elif row.conn.startswith("[") or not row.conn:
            row.conn = _join(row.conn, piece)
        else:
            row.conn = f"{row.conn}, {piece}"
    return True


def _layer(row: _Row, cols: dict[str, int], found: Findings, resolve: TypeResolver) -> dict[str, Any]:
    name, typ, closed = split_name_type(row.name)
    d: dict[str, Any] = {"name": name or None, "type": typ, "depth": row.depth, "line": row.line}
    d["resolved_type"] = resolve(typ, closed) if typ else None
    cut = not closed or name.endswith(ELLIPSIS)
    shape, shape_text, shape_cut = read_shape(row.shape)
    if row.shape_open:
        shape, shape_text, shape_cut = None, " ".join(row.shape.split()), True
    d["output_shape"] = shape
    d["output_shape_text"] = shape_text
    if shape_cut:
        found.shapes_cut.append(f"{name}: {shape_text}")
    if "param" in cols:
        d["params"] = parse_int(row.params) if row.params else None
        if d["params"] is None:
            found.add(Severity.WARNING, "parse.param_unreadable", layer=name, line=row.line, text=row.params or "—")
    if "conn" in cols:
        inbound, conn_cut = parse_connections(row.conn)
        d["inbound"] = inbound
        cut = cut or conn_cut
    if "trainable" in cols:
        d["trainable"] = {"Y": True, "N": False}.get(row.trainable)
    if cut:
        found.names_cut.append(row.name)
    return d
