"""What-ifs on the user's own model: change one thing, re-derive everything, compare.

A pasted model (a :class:`~calc.report.Report`) is rebuilt as a :class:`~calc.model.ModelSpec` from
the configurations layerbot derived for it; a change is applied to that spec; both are derived again
with :func:`~calc.derive.derive_model`, so *before* and *after* are computed the same way, by the
catalog.  The answer shows both totals side by side and the changed layers with their formulas.

Changes are short expressions read with a small, bounded grammar (never evaluated)::

    flatten -> gap              GlobalAveragePooling instead of Flatten (PyTorch: AdaptiveAvgPool2d(1) + Flatten)
    flatten_2 -> gmp            global max pooling instead of that Flatten
    dense_1 units=128           set one hyperparameter of one layer (any whole number or AxB the catalog reads)
    conv2d_6 strides=2
    input 128x128x3             another input shape (without the batch axis)
    add pool [2]                one more pooling step before the Flatten
    add dense 512 [before dense_2]
    remove dense_1

Several changes may be given at once, separated by ``;`` (at most :data:`MAX_CHANGES`).

PyTorch layers that must agree with the tensor they read (``Linear.in_features``, ``Conv.in_channels``,
``BatchNorm.num_features``) are set to what the changed model feeds them, and the answer says so: that
is the edit the user has to make too.  A PyTorch ``print(model)`` does not list the ``flatten`` done
in ``forward()``; one is assumed before a Linear that reads a feature map.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from calc.catalog import MAX_SIZE, LayerCalc, derive, lookup
from calc.cost import Optimizer, limit_findings, param_bytes, training_memory
from calc.derive import derive_model
from calc.errors import InputError, LayerbotError, UnknownLayerKind
from calc.findings import Finding
from calc.i18n import Message, register
from calc.model import Format, LayerSpec, ModelSpec
from calc.report import LayerReport, Report
from calc.types import Framework, Shape, format_shape

__all__ = [
    "MAX_CHANGES",
    "MAX_CHANGE_CHARS",
    "Change",
    "FlattenFeed",
    "LayerChange",
    "WhatIf",
    "alternatives",
    "apply",
    "flatten_source",
    "parse_changes",
]

MAX_CHANGES = 4
MAX_CHANGE_CHARS = 300

register(
    {
        "whatif.error.change": {
            "en": "I couldn't read the change {text}. Write one of: flatten -> gap, dense_1 units=128, "
            "input 128x128x3, add pool 2, add dense 512 before dense_2, remove dense_1 (several separated by ;).",
            "zh": "无法理解修改 {text}。请写成以下之一：flatten -> gap、dense_1 units=128、input 128x128x3、"
            "add pool 2、add dense 512 before dense_2、remove dense_1（多个修改用 ; 分隔）。",
        },
        "whatif.error.too_many": {
            "en": "At most {max} changes at once; got {got}.",
            "zh": "一次最多 {max} 个修改；收到了 {got} 个。",
        },
        "whatif.error.too_long": {
            "en": "The change is {got} characters long; at most {max} are accepted.",
            "zh": "修改描述有 {got} 个字符；最多接受 {max} 个。",
        },
        "whatif.error.no_layer": {
            "en": "There is no layer {name} in this model. Layers: {names}.",
            "zh": "这个模型里没有名为 {name} 的层。现有的层：{names}。",
        },
        "whatif.error.ambiguous": {
            "en": "{name} could mean several layers ({names}); use a layer's name.",
            "zh": "{name} 可能指多个层（{names}）；请使用层的名字。",
        },
        "whatif.error.no_flatten": {
            "en": "This model has no Flatten feeding a Dense/Linear layer, so there is nothing to replace with "
            "global pooling.",
            "zh": "这个模型中没有向 Dense/Linear 层输入的 Flatten，所以没有可以换成全局池化的层。",
        },
        "whatif.error.not_flatten": {
            "en": "{name} is a {kind}, not a Flatten; only a Flatten can become global pooling.",
            "zh": "{name} 是 {kind}，不是 Flatten；只有 Flatten 可以换成全局池化。",
        },
        "whatif.error.flat_input": {
            "en": "{name} reads {shape}, which has no spatial axes to pool over.",
            "zh": "{name} 的输入是 {shape}，没有可以池化的空间轴。",
        },
        "whatif.error.key": {
            "en": "{name} ({kind}) has no hyperparameter {option}. It reads: {keys}.",
            "zh": "{name}（{kind}）没有超参数 {option}。它读取的是：{keys}。",
        },
        "whatif.error.value": {
            "en": "{option}={value} is not a size I can use: write a whole number from 1 to {max}, or one per "
            "axis such as 2x2.",
            "zh": "{option}={value} 不是可用的尺寸：请写 1 到 {max} 之间的整数，或每个轴一个，例如 2x2。",
        },
        "whatif.error.underived": {
            "en": "I couldn't derive {name} ({type}) in the pasted model, so I can't recompute the model after "
            "a change. Paste a summary with its output shapes and parameter counts.",
            "zh": "粘贴的模型中 {name}（{type}）无法推导，所以无法在修改后重新计算模型。请粘贴带有输出形状"
            "和参数数量的摘要。",
        },
        "whatif.error.no_input": {
            "en": "I don't know this model's input shape, so I can't follow the shapes after a change. Add one "
            "change such as input 3x32x32 (PyTorch: C×H×W; Keras: H×W×C).",
            "zh": "我不知道这个模型的输入形状，因此无法推算修改后的形状。请加上一个修改，例如 input 3x32x32"
            "（PyTorch：C×H×W；Keras：H×W×C）。",
        },
        "whatif.error.branching": {
            "en": "{name} reads more than one tensor: what-ifs work on sequential models only.",
            "zh": "{name} 读取不止一个张量：假设分析只适用于顺序模型。",
        },
        "whatif.error.empty": {
            "en": "The model has no layers I can change.",
            "zh": "这个模型中没有可以修改的层。",
        },
        "whatif.error.layer": {
            "en": "After the change, {name} fails: {detail}",
            "zh": "修改之后，{name} 出错：{detail}",
        },
        "whatif.error.rank": {
            "en": "The input shape {shape} must have {rank} axes (without the batch axis), like the model's {old}.",
            "zh": "输入形状 {shape} 必须有 {rank} 个轴（不含批次轴），与模型原来的 {old} 一致。",
        },
        "whatif.error.no_dense": {
            "en": "This model has no Dense/Linear layer to put a new one before.",
            "zh": "这个模型中没有 Dense/Linear 层，无法在它之前插入新层。",
        },
        "whatif.change.gap": {
            "en": "{kind} instead of {name}",
            "zh": "用 {kind} 代替 {name}",
        },
        "whatif.change.gap_torch": {
            "en": "{kind}(1) before {name}",
            "zh": "在 {name} 之前加 {kind}(1)",
        },
        "whatif.change.set": {
            "en": "{name} {key}={value} (was {old})",
            "zh": "{name} {key}={value}（原为 {old}）",
        },
        "whatif.change.input": {
            "en": "input {shape} (was {old})",
            "zh": "输入 {shape}（原为 {old}）",
        },
        "whatif.change.input_new": {
            "en": "input {shape} (the paste does not give one)",
            "zh": "输入 {shape}（粘贴的内容没有给出输入形状）",
        },
        "whatif.change.pool": {
            "en": "one more {kind}({size}) before {name}",
            "zh": "在 {name} 之前再加一个 {kind}({size})",
        },
        "whatif.change.dense": {
            "en": "{kind}({units}) before {name}",
            "zh": "在 {name} 之前加 {kind}({units})",
        },
        "whatif.change.remove": {
            "en": "without {name}",
            "zh": "去掉 {name}",
        },
        "whatif.note.fixed": {
            "en": "{name}: {key} {old} → {new}, to match the {new} it now reads (change it in your code too).",
            "zh": "{name}：{key} {old} → {new}，以匹配它现在读取的 {new}（你的代码里也要这样改）。",
        },
        "whatif.note.implicit_flatten": {
            "en": "A flatten is assumed before {name} (PyTorch models usually flatten in forward()).",
            "zh": "假设在 {name} 之前做了展平（PyTorch 模型通常在 forward() 中展平）。",
        },
    }
)


# ---------------------------------------------------------------------------------------------
# Changes: a small bounded grammar.


ChangeKind = Literal["global_pool", "set", "input", "add_pool", "add_dense", "remove"]


@dataclass(frozen=True, slots=True)
class Change:
    """One parsed change.  ``text`` is the expression as the user wrote it (cleaned)."""

    kind: ChangeKind
    text: str
    layer: str | None = None  # the layer it names ("flatten" = the Flatten feeding the head)
    key: str | None = None
    value: int | tuple[int, ...] | None = None
    pool: Literal["avg", "max"] = "avg"  # global_pool: GAP or GMP; add_pool: the pooling kind
    before: bool = True  # add_dense: before (True) or after (False) ``layer``


_NAME = r"[a-z_][a-z0-9_.\-]{0,63}"
_NUM = r"\d{1,3}(?:[,_]\d{3}){1,4}|\d{1,13}"
_TUPLE = rf"(?:{_NUM})(?:\s*[x×*,]\s*(?:{_NUM})){{0,4}}"
_GLOBAL_TARGETS = {
    "gap": "avg", "global_avg": "avg", "globalavg": "avg", "global_average_pooling": "avg",
    "globalaveragepooling": "avg", "globalaveragepooling1d": "avg", "globalaveragepooling2d": "avg",
    "globalaveragepooling3d": "avg", "adaptiveavgpool": "avg", "adaptiveavgpool1d": "avg",
    "adaptiveavgpool2d": "avg", "adaptiveavgpool3d": "avg", "avgpool": "avg",
    "gmp": "max", "global_max": "max", "globalmax": "max", "globalmaxpooling": "max",
    "globalmaxpooling1d": "max", "globalmaxpooling2d": "max", "globalmaxpooling3d": "max",
    "adaptivemaxpool": "max", "adaptivemaxpool1d": "max", "adaptivemaxpool2d": "max", "adaptivemaxpool3d": "max",
}  # fmt: skip

_RE_GLOBAL = re.compile(rf"(?P<layer>{_NAME})\s*(?:->|→|=>|to|into)\s*(?P<target>[a-z0-9_]{{1,40}})(?:\(\s*1?\s*\))?")
_RE_INPUT = re.compile(rf"input(?:_shape|_size)?\s*[=:]?\s*[(\[]?\s*(?:none\s*,\s*)?(?P<shape>{_TUPLE})\s*,?\s*[)\]]?")
_RE_POOL = re.compile(r"(?:add|\+|one more|another)\s*(?P<kind>max|avg|average)?\s*_?pool(?:ing)?(?:\s*\(?\s*(?P<size>\d{1,3})\s*\)?)?")
_RE_DENSE = re.compile(
    rf"(?:add|\+|insert)\s*(?:dense|linear)\s*\(?\s*(?P<units>{_NUM})\s*\)?(?:\s+(?P<where>before|after)\s+(?P<layer>{_NAME}))?"
)
_RE_REMOVE = re.compile(rf"(?:remove|drop|delete|without|-)\s*(?P<layer>{_NAME})")
_RE_SET = re.compile(
    rf"(?P<layer>{_NAME})\s*[.:]?\s+(?P<key>[a-z_][a-z0-9_]{{0,31}})\s*(?:[=:]\s*|\s+)[(\[]?\s*(?P<value>{_TUPLE})\s*[)\]]?"
)


def _int(text: str) -> int:
    return int(re.sub(r"[,_]", "", text))


def _value(key: str, text: str) -> int | tuple[int, ...]:
    parts = [p for p in re.split(r"\s*[x×*]\s*|\s*,\s*(?=\d{1,13}(?:\D|$))", text.strip()) if p]
    # "86,400" is one number, "2, 2" two: a comma followed by exactly three digits groups thousands
    if re.fullmatch(_NUM, text.strip()):
        parts = [text.strip()]
    values = tuple(_int(p) for p in parts)
    if not values or any(not 1 <= v <= MAX_SIZE for v in values):
        raise InputError("whatif.error.value", option=key, value=text[:40], max=MAX_SIZE)
    return values[0] if len(values) == 1 else values


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split()).strip().strip("`").strip()


def parse_changes(text: str) -> tuple[Change, ...]:
    """``"flatten -> gap; dense_1 units=128"`` → two :class:`Change` values.  Raises InputError."""
    if len(text) > MAX_CHANGE_CHARS:
        raise InputError("whatif.error.too_long", got=len(text), max=MAX_CHANGE_CHARS)
    pieces = [p for p in (_clean(x) for x in re.split(r"[;\n]", text)) if p]
    if not pieces:
        raise InputError("whatif.error.change", text="''")
    if len(pieces) > MAX_CHANGES:
        raise InputError("whatif.error.too_many", max=MAX_CHANGES, got=len(pieces))
    return tuple(_parse_one(p) for p in pieces)


def _parse_one(text: str) -> Change:
    low = text.lower()
    m = _RE_INPUT.fullmatch(low)
    if m:
        value = _value("input", m.group("shape"))
        shape = value if isinstance(value, tuple) else (value,)
        return Change("input", text, value=shape)
    m = _RE_GLOBAL.fullmatch(low)
    if m and m.group("target").replace("-", "_") in _GLOBAL_TARGETS:
        pool: Literal["avg", "max"] = "max" if _GLOBAL_TARGETS[m.group("target")] == "max" else "avg"
        return Change("global_pool", text, layer=m.group("layer"), pool=pool)
    m = _RE_POOL.fullmatch(low)
    if m:
        size = int(m.group("size")) if m.group("size") else 2
        if not 1 <= size <= 64:
            raise InputError("whatif.error.value", option="pool", value=str(size), max=64)
        return Change("add_pool", text, value=size, pool="max" if m.group("kind") in (None, "max") else "avg")
    m = _RE_DENSE.fullmatch(low)
    if m:
        units = _value("units", m.group("units"))
        return Change("add_dense", text, layer=m.group("layer"), key="units", value=units,
                      before=m.group("where") != "after")
    m = _RE_REMOVE.fullmatch(low)
    if m:
        return Change("remove", text, layer=m.group("layer"))
    m = _RE_SET.fullmatch(low)
    if m and m.group("key") not in ("to", "into"):
        return Change("set", text, layer=m.group("layer"), key=m.group("key"), value=_value(m.group("key"),
                                                                                            m.group("value")))
    raise InputError("whatif.error.change", text=repr(text[:60]))


# ---------------------------------------------------------------------------------------------
# The model as editable rows.


@dataclass
class _Row:
    name: str
    kind: str  # the catalog's name
    config: dict[str, Any]
    implicit: bool = False  # a flatten PyTorch does in forward(), not listed in print(model)

    @property
    def label(self) -> str:
        """How messages name the row: ``fc1``; ``5 (Linear)`` for a torch Sequential index."""
        return f"{self.name} ({self.kind})" if self.name[:1].isdigit() else self.name


def _leaves(report: Report) -> list[LayerReport]:
    return [row for row in report.layers if not row.is_container]


def _rows(report: Report) -> tuple[list[_Row], Shape | None]:
    """The report's leaves as rows with full configurations, and the model's input shape if known."""
    fw = report.framework
    rows: list[_Row] = []
    counts: dict[str, int] = {}
    names: set[str] = set()
    input_shape: Shape | None = None
    for row in _leaves(report):
        calc = row.calc
        try:
            kind = calc.kind if calc is not None else lookup(row.type, fw).name
        except UnknownLayerKind:
            raise InputError("whatif.error.underived", name=row.name or row.type, type=row.type) from None
        if calc is not None:
            if len(calc.inputs) != 1:
                raise InputError("whatif.error.branching", name=row.name or row.type)
            if input_shape is None and not rows:
                input_shape = calc.inputs[0]
            config = dict(calc.config)
        elif report.format is Format.TORCH_REPR or row.config:
            config = dict(row.config)  # as written in the constructor call
        else:
            raise InputError("whatif.error.underived", name=row.name or row.type, type=row.type)
        counts[kind] = counts.get(kind, 0) + 1
        name = row.name or f"{kind.lower()}_{counts[kind]}"
        while name in names:
            name += "_"
        names.add(name)
        rows.append(_Row(name, kind, config))
    if not rows:
        raise InputError("whatif.error.empty")
    if input_shape is not None and any(d is None for d in input_shape[1:]):
        input_shape = None  # a print(model) derived symbolically: the sizes are not known
    return rows, input_shape


def _family(kind: str, fw: Framework) -> str:
    try:
        return lookup(kind, fw).family
    except UnknownLayerKind:
        return "other"


def _is_dense(kind: str) -> bool:
    return kind in ("Dense", "Linear")


# PyTorch hyperparameters that must equal a size of the tensor the layer reads: key → axis.
_MUST_MATCH = {"in_features": -1, "in_channels": 1, "num_features": 1}


def _chain(rows: list[_Row], shape: Shape, fw: Framework, notes: list[Message], *, fix: bool) -> list[LayerCalc]:
    """Derive the rows in order on ``shape``; for PyTorch, insert the forward() flatten where a Linear
    reads a feature map and (with ``fix``) set in_features / in_channels / num_features to what the
    layer now reads.  Rows are edited in place."""
    calcs: list[LayerCalc] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        if fw is Framework.TORCH and row.kind == "Linear" and len(shape) >= 4:
            rows.insert(i, _Row(_unique(rows, "flatten"), "Flatten", {}, implicit=True))
            notes.append(Message("whatif.note.implicit_flatten", {"name": row.label}))
            continue
        if fw is Framework.TORCH and fix:
            positional = lookup(row.kind, fw).positional
            for key, axis in _MUST_MATCH.items():
                idx = axis if axis >= 0 else len(shape) + axis
                if key not in row.config or key not in positional or not 0 <= idx < len(shape):
                    continue
                dim = shape[idx]
                if dim is not None and row.config[key] != dim:
                    notes.append(Message("whatif.note.fixed", {"name": row.label, "key": key, "old": row.config[key],
                                                               "new": dim}))
                    row.config[key] = dim
        try:
            calc = derive(row.kind, fw, row.config, [shape])
        except LayerbotError as exc:
            raise InputError("whatif.error.layer", name=row.name, detail=exc.message) from exc
        out = calc.output
        if not isinstance(out, tuple):
            raise InputError("whatif.error.branching", name=row.name)
        calcs.append(calc)
        shape = out
        i += 1
    return calcs


def _unique(rows: Sequence[_Row], base: str) -> str:
    names = {r.name for r in rows}
    name, k = base, 1
    while name in names:
        name = f"{base}_{k}"
        k += 1
    return name


def _find(rows: Sequence[_Row], name: str) -> int:
    """The row a change names: by name (case-insensitive), else by kind if only one matches
    ("flatten", "dense"), else kind_k as the k-th of that kind."""
    key = name.lower()
    for i, r in enumerate(rows):
        if r.name.lower() == key:
            return i
    by_kind = [i for i, r in enumerate(rows) if r.kind.lower() == key]
    if len(by_kind) == 1:
        return by_kind[0]
    m = re.fullmatch(r"([a-z0-9]+?)_?(\d{1,3})", key)
    if m:
        same = [i for i, r in enumerate(rows) if r.kind.lower() == m.group(1)]
        k = int(m.group(2))
        if 1 <= k <= len(same):
            return same[k - 1]
    shown = ", ".join(r.name for r in rows if not r.implicit)
    if len(by_kind) > 1:
        raise InputError("whatif.error.ambiguous", name=name, names=", ".join(rows[i].name for i in by_kind))
    raise InputError("whatif.error.no_layer", name=name, names=shown[:400])


@dataclass(frozen=True, slots=True)
class FlattenFeed:
    """A Flatten (or PyTorch's forward() flatten) whose output feeds a Dense/Linear."""

    flatten: str  # row name
    dense: str  # the first Dense/Linear after it
    map_shape: Shape  # what the Flatten reads, batch axis included
    n_in: int  # the Dense's input width
    implicit: bool = False


def _flatten_feed(rows: Sequence[_Row], calcs: Sequence[LayerCalc]) -> FlattenFeed | None:
    for i, row in enumerate(rows):
        if row.kind != "Flatten" or len(calcs[i].inputs[0]) < 3:
            continue
        for j in range(i + 1, len(rows)):
            if _is_dense(rows[j].kind):
                n = calcs[j].inputs[0][-1]
                if n is None or any(d is None for d in calcs[i].inputs[0][1:]):
                    return None
                return FlattenFeed(row.name, rows[j].name, calcs[i].inputs[0], n, row.implicit)
            if calcs[j].params:
                break
    return None


def flatten_source(report: Report) -> FlattenFeed | None:
    """The Flatten that feeds the model's first Dense/Linear, with the map it flattens (None when
    there is none, or the model cannot be followed)."""
    # Without a known input shape there is nothing to follow.  _rows takes that shape from the first leaf
    # alone (and refuses a model without leaves, or one whose first layer reads several tensors), so it is
    # read here first: a model pasted without its input size costs no copy of its rows.
    first = next((row for row in report.layers if not row.is_container), None)
    calc = first.calc if first is not None else None
    if calc is None or len(calc.inputs) != 1 or any(d is None for d in calc.inputs[0][1:]):
        return None
    try:
        rows, shape = _rows(report)
        if shape is None:
            return None
        calcs = _chain(rows, shape, report.framework, [], fix=True)
    except LayerbotError:
        return None
    return _flatten_feed(rows, calcs)


# ---------------------------------------------------------------------------------------------
# Applying changes.


_SYNONYMS: dict[str, tuple[str, ...]] = {
    "units": ("out_features",), "out_features": ("units",), "width": ("units", "out_features"),
    "filters": ("out_channels",), "out_channels": ("filters",), "channels": ("filters", "out_channels"),
    "stride": ("strides",), "strides": ("stride",),
    "kernel": ("kernel_size",), "k": ("kernel_size",), "kernel_size": ("pool_size",),
    "pool": ("pool_size", "kernel_size"), "pool_size": ("kernel_size",),
    "dilation": ("dilation_rate",), "dilation_rate": ("dilation",),
}  # fmt: skip


def _key_for(row: _Row, key: str, fw: Framework) -> str:
    entry = lookup(row.kind, fw)
    known = set(entry.positional) | set(entry.defaults) | set(row.config)
    for k in (key, *_SYNONYMS.get(key, ())):
        if k in known:
            return k
    keys = ", ".join(sorted(k for k in known if k not in ("trainable", "name", "dtype")))
    raise InputError("whatif.error.key", name=row.name, kind=row.kind, option=key, keys=keys or "—")


def _show_value(value: Any) -> str:
    if isinstance(value, tuple):
        return "×".join(f"{v:,}" if isinstance(v, int) else str(v) for v in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _spatial_rank(shape: Shape) -> int:
    return len(shape) - 2


def _apply_one(
    change: Change, rows: list[_Row], shape: Shape | None, fw: Framework, notes: list[Message]
) -> tuple[Shape | None, Message]:
    """Edit ``rows`` (and the input shape) for one change; return the new input shape and a description."""
    if change.kind == "input":
        assert isinstance(change.value, tuple)  # noqa: S101 - the parser makes a tuple
        new: Shape = (None, *change.value)
        if shape is None:
            return new, Message("whatif.change.input_new", {"shape": _show_value(change.value)})
        old = format_shape(shape[1:]).strip("(),").replace(", ", "×")
        if len(shape) != len(new):
            raise InputError("whatif.error.rank", shape=_show_value(change.value), rank=len(shape) - 1, old=old)
        return new, Message("whatif.change.input", {"shape": _show_value(change.value), "old": old})
    if shape is None:
        raise InputError("whatif.error.no_input")
    calcs = _chain(rows, shape, fw, notes, fix=True)
    if change.kind == "global_pool":
        feed = _flatten_feed(rows, calcs)
        assert change.layer is not None  # noqa: S101
        if change.layer in ("flatten", "flat") and feed is not None:
            i = next(k for k, r in enumerate(rows) if r.name == feed.flatten)
        elif change.layer in ("flatten", "flat"):
            raise InputError("whatif.error.no_flatten")
        else:
            i = _find(rows, change.layer)
        row = rows[i]
        if row.kind != "Flatten":
            raise InputError("whatif.error.not_flatten", name=row.name, kind=row.kind)
        reads = calcs[i].inputs[0]
        k = _spatial_rank(reads)
        if not 1 <= k <= 3:
            raise InputError("whatif.error.flat_input", name=row.name, shape=format_shape(reads))
        if fw is Framework.KERAS:
            kind = f"Global{'Average' if change.pool == 'avg' else 'Max'}Pooling{k}D"
            rows[i] = _Row(_unique(rows, _snake(kind)), kind, {})
            return shape, Message("whatif.change.gap", {"kind": kind, "name": row.label})
        kind = f"Adaptive{'Avg' if change.pool == 'avg' else 'Max'}Pool{k}d"
        rows.insert(i, _Row(_unique(rows, _snake(kind)), kind, {"output_size": 1}))
        return shape, Message("whatif.change.gap_torch", {"kind": kind, "name": row.label})
    if change.kind == "add_pool":
        feed = _flatten_feed(rows, calcs)
        if feed is None:
            raise InputError("whatif.error.no_flatten")
        i = next(k for k, r in enumerate(rows) if r.name == feed.flatten)
        k = _spatial_rank(feed.map_shape)
        size = change.value if isinstance(change.value, int) else 2
        if fw is Framework.KERAS:
            kind = f"{'Max' if change.pool == 'max' else 'Average'}Pooling{k}D"
            config: dict[str, Any] = {"pool_size": size}
        else:
            kind = f"{'Max' if change.pool == 'max' else 'Avg'}Pool{k}d"
            config = {"kernel_size": size}
        rows.insert(i, _Row(_unique(rows, _snake(kind)), kind, config))
        return shape, Message("whatif.change.pool", {"kind": kind, "size": size, "name": rows[i + 1].label})
    if change.kind == "add_dense":
        units = change.value if isinstance(change.value, int) else 0
        if change.layer is not None:
            i = _find(rows, change.layer) + (0 if change.before else 1)
        else:
            i = next((k for k, r in enumerate(rows) if _is_dense(r.kind)), -1)
            if i < 0:
                raise InputError("whatif.error.no_dense")
        anchor = rows[i].label if i < len(rows) else rows[-1].label
        if fw is Framework.KERAS:
            kind, config = "Dense", {"units": units}
        else:
            # in_features is set from what it reads by the chain
            kind, config = "Linear", {"in_features": 1, "out_features": units}
        rows.insert(i, _Row(_unique(rows, kind.lower()), kind, config))
        key = "whatif.change.dense"
        return shape, Message(key, {"kind": kind, "units": units, "name": anchor})
    if change.kind == "remove":
        assert change.layer is not None  # noqa: S101
        i = _find(rows, change.layer)
        name = rows[i].label
        del rows[i]
        if not rows:
            raise InputError("whatif.error.empty")
        return shape, Message("whatif.change.remove", {"name": name})
    # set
    assert change.layer is not None and change.key is not None and change.value is not None  # noqa: S101
    i = _find(rows, change.layer)
    row = rows[i]
    key = _key_for(row, change.key, fw)
    old = calcs[i].config.get(key, row.config.get(key))
    row.config[key] = change.value
    return shape, Message("whatif.change.set", {"name": row.label, "key": key, "value": _show_value(change.value),
                                                "old": _show_value(old)})


def _snake(kind: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", kind).lower()


def _spec(rows: Sequence[_Row], shape: Shape, fw: Framework) -> ModelSpec:
    layers = tuple(LayerSpec(type=r.kind, name=r.name, config=dict(r.config)) for r in rows)
    return ModelSpec(format=Format.LAYER_LIST, framework=fw, layers=layers, input_shapes=(shape,))


# ---------------------------------------------------------------------------------------------
# Results.


@dataclass(frozen=True, slots=True)
class LayerChange:
    """A layer whose parameters changed, or that was added, removed or replaced."""

    before: LayerReport | None
    after: LayerReport | None

    @property
    def name(self) -> str:
        row = self.after or self.before
        assert row is not None  # noqa: S101
        return row.name or row.type


@dataclass(frozen=True, slots=True)
class WhatIf:
    """A model before and after a change, both derived through the catalog."""

    changes: tuple[Change, ...]
    descriptions: tuple[Message, ...]
    before: Report
    after: Report
    changed: tuple[LayerChange, ...]
    notes: tuple[Message, ...] = ()
    findings: tuple[Finding, ...] = field(default=())  # hard limits the changed model still crosses
    label: str = ""  # a short id for an alternative: gap, pool, input, narrow

    @property
    def before_total(self) -> int:
        return self.before.total_params or 0

    @property
    def after_total(self) -> int:
        return self.after.total_params or 0

    @property
    def delta(self) -> int:
        return self.after_total - self.before_total

    def bytes(self, which: Literal["before", "after"], dtype: str = "float32") -> int:
        return param_bytes(self.before_total if which == "before" else self.after_total, dtype)

    def training_bytes(self, which: Literal["before", "after"], dtype: str = "float32") -> int:
        report = self.before if which == "before" else self.after
        return training_memory(report.trainable_params or 0, report.non_trainable_params or 0,
                               Optimizer.ADAM, dtype).total


def _derive(rows: list[_Row], shape: Shape, fw: Framework, notes: list[Message]) -> Report:
    _chain(rows, shape, fw, notes, fix=True)
    return derive_model(_spec(rows, shape, fw))


def _diff(before: Report, after: Report, implicit: frozenset[str] = frozenset()) -> tuple[LayerChange, ...]:
    """Layers whose parameters or kind changed, and layers added or removed (not the flatten a
    PyTorch forward() does, which is no change of the user's)."""
    b_rows = {r.name: r for r in _leaves(before) if r.name not in implicit}
    a_rows = {r.name: r for r in _leaves(after) if r.name not in implicit}
    keyed: list[tuple[float, LayerChange]] = []
    pos = {name: i for i, name in enumerate(b_rows)}
    last, step = -1.0, 0.0
    for a in a_rows.values():
        b = b_rows.get(a.name)
        if b is None:
            step += 0.001
            keyed.append((last + 0.5 + step, LayerChange(None, a)))
            continue
        last, step = float(pos[a.name or ""]), 0.0
        if b.params != a.params or (b.calc is not None and a.calc is not None and b.calc.kind != a.calc.kind):
            keyed.append((last, LayerChange(b, a)))
    for name, b in b_rows.items():
        if name not in a_rows:
            keyed.append((pos[name] - 0.6, LayerChange(b, None)))
    keyed.sort(key=lambda kv: kv[0])
    return tuple(c for _, c in keyed)


def apply(report: Report, changes: str | Change | Sequence[Change], *, label: str = "") -> WhatIf:
    """The model in ``report`` after ``changes`` (text, one Change or several), and what changed."""
    if isinstance(changes, str):
        parsed = parse_changes(changes)
    elif isinstance(changes, Change):
        parsed = (changes,)
    else:
        parsed = tuple(changes)
    fw = report.framework
    rows, base_shape = _rows(report)
    base_rows = [_Row(r.name, r.kind, dict(r.config)) for r in rows]
    shape = base_shape
    notes: list[Message] = []
    descriptions: list[Message] = []
    # the input change first: every other change is applied to the model as it will be fed
    for change in parsed:
        if change.kind == "input":
            shape, msg = _apply_one(change, rows, shape, fw, notes)
            descriptions.append(msg)
    if shape is None:
        raise InputError("whatif.error.no_input")
    # the model as pasted; a print(model) without an input shape is compared as derived from its arguments
    before = _derive(base_rows, base_shape, fw, []) if base_shape is not None else report
    for change in parsed:
        if change.kind != "input":
            shape, msg = _apply_one(change, rows, shape, fw, notes)
            descriptions.append(msg)
    assert shape is not None  # noqa: S101
    after = _derive(rows, shape, fw, notes)
    changed = _diff(before, after, frozenset(r.name for r in rows if r.implicit))
    findings: list[Finding] = []
    for row in _leaves(after):
        if row.calc is not None and row.calc.weights:
            findings.extend(limit_findings(row.calc, name=row.name))
    unique_notes: list[Message] = []
    for note in notes:
        if note not in unique_notes:
            unique_notes.append(note)
    return WhatIf(parsed, tuple(descriptions), before, after, changed, tuple(unique_notes), tuple(findings), label)


def alternatives(report: Report, *, narrow_to: int | None = None) -> tuple[WhatIf, ...]:
    """The structural alternatives worth showing for this model, each computed on it:

    * ``gap``: global average pooling instead of the Flatten that feeds the head;
    * ``pool``: one more 2×2 pooling step before that Flatten (when the map is at least 4×4);
    * ``input``: half the input's spatial size (when the map before Flatten is at least 4×4);
    * ``narrow``: the widest hidden Dense/Linear (not the output layer) at ``narrow_to`` units.

    Alternatives that cannot be computed on this model are left out.
    """
    out: list[WhatIf] = []
    feed = flatten_source(report)
    candidates: list[tuple[str, str]] = []
    if feed is not None:
        candidates.append(("gap", f"{feed.flatten} -> gap"))
        spatial = [d for d in _spatial_dims(feed.map_shape, report.framework)]
        if spatial and all(d is not None and d >= 4 for d in spatial):
            candidates.append(("pool", "add pool 2"))
            try:
                _, shape = _rows(report)
            except LayerbotError:
                shape = None
            if shape is not None and len(shape) >= 3 and all(d is not None and d >= 8 for d in
                                                              _spatial_dims(shape, report.framework)):
                half = _half_input(shape, report.framework)
                candidates.append(("input", "input " + "x".join(str(d) for d in half)))
    if narrow_to is not None:
        hidden = _widest_hidden(report)
        if hidden is not None and hidden[1] > narrow_to:
            key = "units" if report.framework is Framework.KERAS else "out_features"
            candidates.append(("narrow", f"{hidden[0]} {key}={narrow_to}"))
    for label, text in candidates:
        try:
            what = apply(report, text, label=label)
        except LayerbotError:
            continue
        if what.delta:  # global pooling over a 1×1 map changes nothing: not an alternative
            out.append(what)
    return tuple(out)


def _spatial_dims(shape: Shape, fw: Framework) -> list[int | None]:
    return list(shape[1:-1]) if fw is Framework.KERAS else list(shape[2:])


def _half_input(shape: Shape, fw: Framework) -> tuple[int, ...]:
    dims = [d or 0 for d in shape[1:]]
    if fw is Framework.KERAS:
        return (*(d // 2 for d in dims[:-1]), dims[-1])
    return (dims[0], *(d // 2 for d in dims[1:]))


def _widest_hidden(report: Report) -> tuple[str, int] | None:
    """(name, units) of the hidden Dense/Linear with the most parameters (the last one is the output)."""
    dense = [r for r in _leaves(report) if r.calc is not None and _is_dense(r.calc.kind)]
    if len(dense) < 2:
        return None
    best = max(dense[:-1], key=lambda r: r.params or 0)
    assert best.calc is not None  # noqa: S101
    out = best.calc.output
    units = out[-1] if isinstance(out, tuple) else None
    if best.name is None or units is None:
        return None
    return best.name, units
