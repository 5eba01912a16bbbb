"""What the two Keras summary parsers share: output shapes, "Connected to" entries, ``name (Type)``
cells, the totals lines, truncated type names and the findings they report.

Only reading happens here: every number is kept as printed, nothing is computed from it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from calc.catalog.base import all_kinds, registered_count
from calc.findings import Finding, Severity
from calc.i18n import Message, register
from calc.model import Inbound
from calc.parse.text import parse_int
from calc.types import Framework, Shape, ShapeTree

__all__ = [
    "ELLIPSIS",
    "Findings",
    "Totals",
    "TypeResolver",
    "model_name_above",
    "parse_connections",
    "parse_shape",
    "read_shape",
    "read_totals",
    "split_name_type",
]

ELLIPSIS = "…"

_MESSAGES: dict[str, dict[str, str]] = {
    "parse.keras.truncated": {
        "en": "The table looks cut off: I read {rows} rows, but no “Total params” line follows them.",
        "zh": "表格似乎被截断了：我读到了 {rows} 行，但后面没有 “Total params” 行。",
    },
    "parse.keras.no_param_column": {
        "en": "This table has no “Param #” column (the window was probably too narrow), so there are no "
        "reported counts to check; I'll derive them.",
        "zh": "这个表格没有 “Param #” 列（窗口可能太窄），因此没有可核对的参数数量；我会自己推导。",
    },
    "parse.keras.names_cut": {
        "en": "{count} rows have a name, type or connection cut short (for example {example}); "
        "I matched them by their beginning where I could.",
        "zh": "有 {count} 行的名称、类型或连接被截短（例如 {example}）；我尽量按开头部分去匹配。",
    },
    "parse.keras.shape_cut": {
        "en": "{count} output shapes are cut short or unreadable (for example {example}); I'll derive them instead.",
        "zh": "有 {count} 个输出形状被截短或无法读取（例如 {example}）；我会改为自己推导。",
    },
    "parse.keras.param_unreadable": {
        "en": "Line {line} ({layer}): I could not read a parameter count there ({text}).",
        "zh": "第 {line} 行（{layer}）：我无法读出那里的参数数量（{text}）。",
    },
    "parse.keras.skipped_row": {
        "en": "Line {line}: I could not read this row, so I skipped it: {text}",
        "zh": "第 {line} 行：我无法读取这一行，已跳过：{text}",
    },
    "parse.keras.rewrapped": {
        "en": "{count} lines looked broken by a narrow window; I joined them back together.",
        "zh": "有 {count} 行看起来被窄窗口折断了；我已把它们重新拼接。",
    },
    "parse.keras.extra_tables": {
        "en": "This text holds {count} summary tables; I read the first one.",
        "zh": "这段文字里有 {count} 个摘要表格；我只读取了第一个。",
    },
    "parse.keras.no_header": {
        "en": "The table has no header row; I assumed Keras's usual columns ({columns}).",
        "zh": "表格没有表头；我按 Keras 通常的列顺序（{columns}）来读取。",
    },
    "parse.keras3.no_table": {
        "en": "I found no Keras 3 summary table (the box-drawn one with “Layer (type)”) in that text.",
        "zh": "我在这段文字中没有找到 Keras 3 的摘要表格（带 “Layer (type)” 的方框表格）。",
    },
    "parse.keras2.no_table": {
        "en": "I found no Keras 2 summary table (“Layer (type)   Output Shape   Param #”) in that text.",
        "zh": "我在这段文字中没有找到 Keras 2 的摘要表格（“Layer (type)   Output Shape   Param #”）。",
    },
}
register(_MESSAGES)


# --- findings --------------------------------------------------------------------------------


def _clip(text: str, n: int = 60) -> str:
    text = text.strip()
    return text if len(text) <= n else text[: n - 1] + ELLIPSIS


@dataclass
class Findings:
    """Collects what a parser noticed; the cut names and shapes become one finding each."""

    items: list[Finding] = field(default_factory=list)
    names_cut: list[str] = field(default_factory=list)
    shapes_cut: list[str] = field(default_factory=list)

    def add(self, severity: Severity, code: str, layer: str | None = None, **args: Any) -> None:
        """``code`` is the finding code every parser shares (``parse.truncated``); the text is Keras's own."""
        key = code.replace("parse.", "parse.keras.", 1)
        if layer is not None:  # the row's layer, for the finding and for the message's {layer}
            args = {"layer": layer, **args}
        self.items.append(Finding(severity, code, Message(key, args), layer))

    def skipped(self, line: int, text: str) -> None:
        self.add(Severity.WARNING, "parse.skipped_row", line=line, text=_clip(text, 100))

    def done(self) -> tuple[Finding, ...]:
        out = list(self.items)
        if self.names_cut:
            out.append(
                Finding(
                    Severity.INFO,
                    "parse.names_cut",
                    Message("parse.keras.names_cut", {"count": len(self.names_cut), "example": self.names_cut[0]}),
                )
            )
        if self.shapes_cut:
            out.append(
                Finding(
                    Severity.INFO,
                    "parse.shape_cut",
                    Message("parse.keras.shape_cut", {"count": len(self.shapes_cut), "example": self.shapes_cut[0]}),
                )
            )
        return tuple(out)


# --- shapes ----------------------------------------------------------------------------------

_SHAPE_TOKEN = re.compile(r"\s*(None|\?|-?\d+|[()\[\],])")
_SIMPLE_SHAPE = re.compile(r"\((?:None|\d+)(?:, (?:None|\d+))*,?\)")
_MAX_SHAPE_CHARS = 2_000


def parse_shape(text: str) -> ShapeTree | None:
    """``(None, 254, 254, 32)`` → a tuple; ``[(None, 64), (None, 64)]`` → a list; ``(None)`` and ``(None,)``
    → a 1-tuple; ``?`` / ``-1`` dims → None.  Anything else (a dict, a cut shape) → None."""
    text = text.strip()
    if not text or len(text) > _MAX_SHAPE_CHARS:
        return None
    if _SIMPLE_SHAPE.fullmatch(text):  # the common case, read without the general loop
        return tuple(None if d == "None" else int(d) for d in text[1:-1].rstrip(",").split(", "))
    pos = 0
    # Each open bracket: its closing char and the items read so far.
    stack: list[tuple[str, list[Any]]] = []
    result: Any = None
    done = False
    while pos < len(text):
        m = _SHAPE_TOKEN.match(text, pos)
        if m is None or done:
            if text[pos:].strip() == "":
                break
            return None
        pos = m.end()
        tok = m.group(1)
        if tok in "([":
            stack.append((")" if tok == "(" else "]", []))
        elif tok in ")]":
            if not stack or stack[-1][0] != tok:
                return None
            _, items = stack.pop()
            value = _close(tok, items)
            if value is None:
                return None
            if stack:
                stack[-1][1].append(value)
            else:
                result, done = value, True
        elif tok == ",":
            if not stack:
                return None
        else:
            if not stack:
                return None
            stack[-1][1].append(None if tok in ("None", "?") or tok.startswith("-") else int(tok))
    if stack or not done:
        return None
    if isinstance(result, list) and len(result) == 1:
        inner: ShapeTree = result[0]
        return inner  # tf.keras prints an InputLayer's one tensor as [(None, 28, 28, 1)]
    tree: ShapeTree = result
    return tree


def _close(closer: str, items: list[Any]) -> Shape | list[ShapeTree] | None:
    if all(i is None or isinstance(i, int) for i in items):
        if closer == ")":
            return tuple(items)
        return None if items else []  # "[]": no output
    if all(isinstance(i, (tuple, list)) for i in items):
        return list(items)  # several outputs, printed as a list or a tuple of shapes
    return None


def read_shape(text: str) -> tuple[ShapeTree | None, str | None, bool]:
    """The Output Shape cell → (output_shape, output_shape_text, cut).

    ``output_shape_text`` keeps the printed text when it is not a plain shape: ``multiple``, ``?``, a cut
    or unreadable shape, or tf.keras's one-element list ``[(None, 28, 28, 1)]`` (read as that one shape).
    """
    hit = _READ_SHAPE_MEMO.get(text)
    if hit is not None:
        return hit
    read = _read_shape(text)
    if not isinstance(read[0], list):  # a tuple, None and str are shared safely; a list of shapes is not
        if len(_READ_SHAPE_MEMO) >= _MEMO_LIMIT:
            _READ_SHAPE_MEMO.clear()
        _READ_SHAPE_MEMO[text] = read
    return read


_MEMO_LIMIT = 4096
_READ_SHAPE_MEMO: dict[str, tuple[ShapeTree | None, str | None, bool]] = {}
"""Shape cells recur (a DenseNet prints ``(None, 56, 56, 128)`` dozens of times): each is read once."""


def _read_shape(text: str) -> tuple[ShapeTree | None, str | None, bool]:
    text = " ".join(text.split())
    if not text:
        return None, None, False
    if text in ("multiple", "?"):
        return None, text, False
    shape = parse_shape(text)
    if shape is None:
        return None, text, True
    if text.startswith("[") and isinstance(shape, tuple):
        return shape, text, False
    return shape, None, False


# --- name (Type) cells -----------------------------------------------------------------------


def split_name_type(cell: str) -> tuple[str, str, bool]:
    """``conv2d_4 (Conv2D)`` → ("conv2d_4", "Conv2D", True).  The flag says the type's bracket closed:
    Keras 1/2 cut long cells at the column width (``max_pooling2d_4 (MaxPooling2``)."""
    cell = " ".join(cell.split())
    idx = cell.rfind("(")
    if idx < 0 or (idx > 0 and cell[idx - 1] != " "):
        return cell, "", False
    name = cell[:idx].strip()
    typ = cell[idx + 1 :].strip()
    closed = typ.endswith(")")
    if closed:
        typ = typ[:-1].strip()
    return name, typ, closed


# Layer names Keras prints as types, for resolving a cut type when the catalog does not know it (yet).
_KNOWN_KERAS = (
    "Activation",
    "ActivityRegularization",
    "Add",
    "AdditiveAttention",
    "AlphaDropout",
    "Attention",
    "Average",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "BatchNormalization",
    "Bidirectional",
    "CategoryEncoding",
    "CenterCrop",
    "Concatenate",
    "Conv1D",
    "Conv1DTranspose",
    "Conv2D",
    "Conv2DTranspose",
    "Conv3D",
    "Conv3DTranspose",
    "ConvLSTM1D",
    "ConvLSTM2D",
    "ConvLSTM3D",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "Dense",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "Discretization",
    "Dot",
    "Dropout",
    "EinsumDense",
    "ELU",
    "Embedding",
    "Flatten",
    "Functional",
    "GaussianDropout",
    "GaussianNoise",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GroupNormalization",
    "GroupQueryAttention",
    "GRU",
    "Hashing",
    "Identity",
    "InputLayer",
    "Lambda",
    "LayerNormalization",
    "LeakyReLU",
    "LSTM",
    "Masking",
    "Maximum",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "Minimum",
    "Model",
    "MultiHeadAttention",
    "Multiply",
    "Normalization",
    "Permute",
    "PReLU",
    "RandomContrast",
    "RandomCrop",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Reshape",
    "Resizing",
    "ReLU",
    "RepeatVector",
    "Sequential",
    "SeparableConv1D",
    "SeparableConv2D",
    "SimpleRNN",
    "SlicingOpLambda",
    "Softmax",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "Subtract",
    "TextVectorization",
    "TFOpLambda",
    "ThresholdedReLU",
    "TimeDistributed",
    "UnitNormalization",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
)


_CATALOG_NAMES: dict[tuple[Framework, int], dict[str, str]] = {}


def _catalog_names(framework: Framework) -> dict[str, str]:
    """Every name and alias the catalog knows for ``framework`` → the entry's own name, built once per
    framework and number of registered kinds (the catalog only grows, when a module registers more)."""
    key = (framework, registered_count())
    names = _CATALOG_NAMES.get(key)
    if names is None:
        names = {n: kind.name for kind in all_kinds(framework) for n in (kind.name, *kind.aliases)}
        _CATALOG_NAMES[key] = names
    return names


class TypeResolver:
    """Resolves printed type names against the catalog, reading the catalog once per parse."""

    def __init__(self, framework: Framework = Framework.KERAS) -> None:
        self.framework = framework
        self._names: dict[str, str] | None = None
        self._memo: dict[tuple[str, bool], str | None] = {}

    def _catalog(self) -> dict[str, str]:
        """Every name and alias the catalog knows for the framework → the entry's own name."""
        if self._names is None:
            self._names = _catalog_names(self.framework)
        return self._names

    def __call__(self, typ: str, complete: bool) -> str | None:
        """The catalog name for a printed type that was cut short (``MaxPooling2``, ``BatchNormalizatio…``)
        or is an alias (``Convolution2D``): set only when exactly one name fits.  None otherwise."""
        key = (typ, complete)
        if key not in self._memo:
            self._memo[key] = self._resolve(typ, complete)
        return self._memo[key]

    def _resolve(self, typ: str, complete: bool) -> str | None:
        bare = typ.rstrip(ELLIPSIS).strip()
        if not bare:
            return None
        names = self._catalog()
        if complete and not typ.endswith(ELLIPSIS):
            own = names.get(bare)
            return own if own is not None and own != bare else None
        hits = {own for n, own in names.items() if n.startswith(bare)}
        if not hits:  # the catalog has no such kind (yet): Keras's own list of layer names
            hits = {n for n in _KNOWN_KERAS if n.startswith(bare)}
        return next(iter(hits)) if len(hits) == 1 else None


# --- Connected to ----------------------------------------------------------------------------

# Node and tensor indices have at most 9 digits: int() refuses 4,300 (a longer one is an unreadable cell).
_CONN_FULL = re.compile(r"^(?P<layer>[^\[\]]+)\[(?P<node>\d{1,9})\]\[(?P<tensor>\d{1,9})\]$")
_CONN_SPLIT = re.compile(r"[\s,]+")
_CONN_ONE_QUOTED = re.compile(r"\['(?P<layer>[^\[\]\s,'\"]+)\[(?P<node>\d{1,9})\]\[(?P<tensor>\d{1,9})\]'\]\Z")
_CONN_PLAIN = re.compile(r"(?P<layer>[^\[\]\s,'\"]+)\[(?P<node>\d{1,9})\]\[(?P<tensor>\d{1,9})\]\Z")
"""A whole cell that is one plain entry (no blank, comma or quote, then _CONN_FULL), in one regex."""
_CONN_PART = re.compile(r"^(?P<layer>[^\[]*)(?:\[(?P<node>\d{0,9})\]?(?:\[(?P<tensor>\d{0,9})\]?)?)?")


def parse_connections(text: str) -> tuple[tuple[Inbound, ...], bool]:
    """``left[0][0], right[0][0]`` (Keras 3), ``['left[0][0]', 'right[0][0]']`` (tf.keras) → Inbound tuples.

    An entry cut with "…" keeps what is printed: ``multi_head_atten…`` stays the layer name (with its "…"),
    ``input_layer[0][0…`` gives node 0 and the tensor digits shown, and a cut index reads as 0.  The flag
    says something was cut."""
    text = text.strip()
    if text in ("", "-", "[]"):
        return (), False
    m = _CONN_PLAIN.match(text)
    if m is not None:  # one plain entry, ``conv1_bn[0][0]``: the usual Keras 3 cell
        return (Inbound(m.group("layer"), int(m.group("node")), int(m.group("tensor"))),), False
    m = _CONN_ONE_QUOTED.match(text)
    if m is not None:  # tf.keras's usual cell, ``['conv1/bn[0][0]']``
        return (Inbound(m.group("layer"), int(m.group("node")), int(m.group("tensor"))),), False
    out: list[Inbound] = []
    cut = False
    for raw in _CONN_SPLIT.split(text):
        tok = raw
        if tok[:2] in ("['", '["'):
            tok = tok[1:]  # tf.keras prints a Python list of quoted strings
        if tok[-2:] in ("']", '"]'):
            tok = tok[:-1]
        tok = tok.strip("'\"")
        if not tok or tok == "-":
            continue
        m = _CONN_FULL.match(tok)
        if m is not None:
            out.append(Inbound(m.group("layer"), int(m.group("node")), int(m.group("tensor"))))
            continue
        if ELLIPSIS in tok:
            cut = True
            body = tok.replace(ELLIPSIS, "")
            p = _CONN_PART.match(body)
            layer = p.group("layer") if p else body
            if "[" not in body:
                layer = body + ELLIPSIS  # the name itself was cut
            node = p.group("node") if p else None
            tensor = p.group("tensor") if p else None
            out.append(Inbound(layer, int(node) if node else 0, int(tensor) if tensor else 0))
            continue
        cut = True  # something unreadable (a cell cut by the column width): keep the name part
        layer = tok.split("[", 1)[0]
        if layer:
            out.append(Inbound(layer))
    return tuple(out), cut


# --- totals and the model name ---------------------------------------------------------------

_TOTAL = re.compile(
    r"^\s*(?P<what>Total|Trainable|Non-trainable|Optimizer)\s+params\s*:\s*(?P<n>[+-]?[\d,]+)"
    r"(?:\s*\((?P<size>[^)]*)\))?",
    re.IGNORECASE,
)
_MODEL_NAME = re.compile(r'^\s*Model:\s*"(?P<name>.*)"\s*$')


@dataclass
class Totals:
    total: int | None = None
    trainable: int | None = None
    non_trainable: int | None = None
    optimizer: int | None = None
    found: bool = False
    last_line: int = -1  # index of the last totals line read


def is_totals_line(line: str) -> bool:
    return _TOTAL.match(line) is not None


def read_totals(lines: Sequence[str], start: int, limit: int = 8) -> Totals:
    """Read "Total params: …" and its siblings from ``lines[start:]``; blank and rule lines between them are
    skipped, anything else ends them."""
    t = Totals()
    i = start
    end = min(len(lines), start + limit)
    while i < end:
        line = lines[i]
        m = _TOTAL.match(line)
        if m is not None:
            n = parse_int(m.group("n"))
            what = m.group("what").lower()
            if what == "total":
                t.total = n
            elif what == "trainable":
                t.trainable = n
            elif what == "non-trainable":
                t.non_trainable = n
            else:
                t.optimizer = n
            t.found = True
            t.last_line = i
        elif line.strip() and not set(line.strip()) <= set("_=-─━ "):
            break
        i += 1
    return t


def model_name_above(lines: Sequence[str], index: int, reach: int = 4) -> str | None:
    """``Model: "sequential"`` printed just above the table that starts at ``lines[index]``."""
    for j in range(index - 1, max(-1, index - 1 - reach), -1):
        m = _MODEL_NAME.match(lines[j])
        if m is not None:
            return m.group("name")
    return None
