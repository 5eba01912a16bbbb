"""Keras merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate and Dot.

They combine several tensors without any weight, so the parameter count is 0 and there is no
formula.  PyTorch has no merge modules (``torch.cat``, ``+`` and ``torch.bmm`` are functions, not
layers in a model's module list), so every entry here is Keras.

MACs: element-wise merges count 0 (an addition or a product of two activations is not a
multiply-accumulate with a weight); Dot's products and sums are real MACs and are counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from calc.catalog.base import Config, Derived, LayerKind, numel, register
from calc.catalog.reshape import axis_index, dim_text, dims_text
from calc.errors import ConfigError, ShapeError
from calc.i18n import Message
from calc.i18n import register as register_text
from calc.types import Dim, Framework, Shape, format_shape

_MAX_INPUTS = 10_000
"""No framework limit; a bound on the work one layer can ask for."""

register_text(
    {
        "merge.add": {"en": "sum", "zh": "和"},
        "merge.subtract": {"en": "difference (first − second)", "zh": "差（第一个 − 第二个）"},
        "merge.multiply": {"en": "product", "zh": "积"},
        "merge.average": {"en": "average", "zh": "平均值"},
        "merge.maximum": {"en": "maximum", "zh": "最大值"},
        "merge.minimum": {"en": "minimum", "zh": "最小值"},
        "explain.merge": {
            "en": "No weights to learn: the output is the element-wise {op} of the {count} inputs, so it has their common shape {dims}.",
            "zh": "没有需要学习的权重：输出是 {count} 个输入逐元素的{op}，因此形状就是它们共同的形状 {dims}。",
        },
        "explain.concatenate": {
            "en": "No weights to learn: Concatenate joins the {count} inputs along axis {axis}: {rule}; the other axes must match.",
            "zh": "没有需要学习的权重：Concatenate 沿第 {axis} 轴拼接 {count} 个输入：{rule}；其余各轴必须一致。",
        },
        "explain.dot": {
            "en": "No weights to learn: Dot multiplies the two inputs along axis {a1} of the first and axis {a2} of the second ({k} values each) and sums the products: {in1} · {in2} → {out}.",
            "zh": "没有需要学习的权重：Dot 把第一个输入的第 {a1} 轴与第二个输入的第 {a2} 轴（各 {k} 个值）逐项相乘再求和：{in1} · {in2} → {out}。",
        },
        "note.merge_broadcast": {
            "en": "The inputs' shapes differ ({shapes}); axes of size 1 and missing leading axes are broadcast to {out}.",
            "zh": "各输入形状不同（{shapes}）；长度为 1 的轴和缺少的前导轴被广播为 {out}。",
        },
        "note.merge_ops": {
            "en": "An element-wise merge has no weights: its {ops} operations per example ({values} values × ({count} − 1)) are not multiply-accumulates with weights, so it counts as 0 MACs.",
            "zh": "逐元素合并没有权重：每个样本的 {ops} 次运算（{values} 个值 × ({count} − 1)）不是与权重的乘加，因此记为 0 MACs。",
        },
        "note.merge_no_macs": {
            "en": "An element-wise merge has no weights, so it counts as 0 MACs.",
            "zh": "逐元素合并没有权重，因此记为 0 MACs。",
        },
        "note.dot_macs": {
            "en": "MACs: {outputs} output values × {k} products each = {macs} per example.",
            "zh": "MACs：{outputs} 个输出值 × 每个 {k} 次乘积 = 每个样本 {macs}。",
        },
        "note.dot_normalize": {
            "en": "normalize=True first L2-normalizes both inputs along those axes, so the output is a cosine similarity; that extra work is not counted in the MACs.",
            "zh": "normalize=True 会先沿这些轴对两个输入做 L2 归一化，输出即余弦相似度；这部分额外计算不计入 MACs。",
        },
        "error.merge_shapes": {
            "en": "{layer}: the inputs' shapes {shapes} do not match: each axis needs the same size, or size 1 to broadcast.",
            "zh": "{layer}：输入形状 {shapes} 不匹配：各轴长度需相同，或为 1 以便广播。",
        },
        "error.merge_batch": {
            "en": "{layer}: the inputs have different batch sizes: {shapes}.",
            "zh": "{layer}：各输入的批次大小不同：{shapes}。",
        },
        "error.concat_rank": {
            "en": "{layer}: all inputs need the same rank; got {shapes}.",
            "zh": "{layer}：所有输入的秩必须相同；收到 {shapes}。",
        },
        "error.concat_shapes": {
            "en": "{layer}: apart from axis {axis}, all inputs need the same shape; got {shapes}.",
            "zh": "{layer}：除第 {axis} 轴外，所有输入的形状必须相同；收到 {shapes}。",
        },
        "error.dot_axes": {
            "en": "{layer}: the dot-product axes differ in size: {n1} (axis {a1} of {s1}) vs {n2} (axis {a2} of {s2}).",
            "zh": "{layer}：点积所用的轴长度不同：{n1}（{s1} 的第 {a1} 轴）与 {n2}（{s2} 的第 {a2} 轴）。",
        },
        "error.dot_batch_axis": {
            "en": "{layer}: axes={axes} includes the batch axis 0; Dot works within each example.",
            "zh": "{layer}：axes={axes} 包含批次轴 0；Dot 只在每个样本内部计算。",
        },
    }
)


def _shapes_text(inputs: Sequence[Shape]) -> str:
    return ", ".join(format_shape(s) for s in inputs)


def _require_batch_axis(layer: str, inputs: Sequence[Shape], min_rank: int = 1) -> None:
    for s in inputs:
        if len(s) < min_rank:
            raise ShapeError("error.rank", layer=layer, shape=format_shape(s), expected=f"{min_rank}+")


def _batch(layer: str, inputs: Sequence[Shape]) -> Dim:
    """The common batch size (Keras base_merge.py build: different known batch sizes are an error)."""
    sizes = {s[0] for s in inputs} - {None}
    if len(sizes) > 1:
        raise ShapeError("error.merge_batch", layer=layer, shapes=_shapes_text(inputs))
    return next(iter(sizes), None)


def _broadcast(layer: str, a: Shape, b: Shape, inputs: Sequence[Shape]) -> Shape:
    """Keras base_merge.py _compute_elemwise_op_output_shape: align from the right; None wins, 1
    broadcasts, otherwise the sizes must be equal; the longer shape's leading axes are kept."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out: list[Dim] = list(a[: len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b) :], b, strict=True):
        if i is None or j is None:
            out.append(None)
        elif i == 1:
            out.append(j)
        elif j == 1 or i == j:
            out.append(i)
        else:
            raise ShapeError("error.merge_shapes", layer=layer, shapes=_shapes_text(inputs))
    return tuple(out)


class _ElementwiseMerge(LayerKind):
    op: ClassVar[str]
    framework = Framework.KERAS
    family = "merge"
    min_inputs = 2
    max_inputs = _MAX_INPUTS

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # layers/merging/base_merge.py compute_output_shape: non-batch axes broadcast pairwise,
        # then the common batch size in front.
        _require_batch_axis(self.name, inputs)
        rest: Shape = inputs[0][1:]
        for s in inputs[1:]:
            rest = _broadcast(self.name, rest, s[1:], inputs)
        out = (_batch(self.name, inputs), *rest)
        count = len(inputs)
        notes: list[Message] = []
        if any(s[1:] != rest for s in inputs):
            notes.append(Message("note.merge_broadcast", {"shapes": _shapes_text(inputs), "out": format_shape(out)}))
        values = numel(rest)
        if values is None:
            notes.append(Message("note.merge_no_macs"))
        else:
            notes.append(Message("note.merge_ops", {"ops": values * (count - 1), "values": values, "count": count}))
        explanation = Message("explain.merge", {"op": Message(f"merge.{self.op}"), "count": count,
                                                "dims": dims_text(rest)})
        return Derived(output=out, trainable=None, explanation=explanation, macs=0, notes=tuple(notes))


@register
class KerasAdd(_ElementwiseMerge):
    name, op = "Add", "add"


@register
class KerasSubtract(_ElementwiseMerge):
    # layers/merging/subtract.py: exactly two inputs.
    name, op = "Subtract", "subtract"
    max_inputs = 2


@register
class KerasMultiply(_ElementwiseMerge):
    name, op = "Multiply", "multiply"


@register
class KerasAverage(_ElementwiseMerge):
    name, op = "Average", "average"


@register
class KerasMaximum(_ElementwiseMerge):
    name, op = "Maximum", "maximum"


@register
class KerasMinimum(_ElementwiseMerge):
    name, op = "Minimum", "minimum"


def _axis_text(given: int, index: int) -> str:
    return str(given) if given == index else f"{given} (= {index})"


@register
class KerasConcatenate(LayerKind):
    name = "Concatenate"
    framework = Framework.KERAS
    family = "merge"
    positional = ("axis",)
    defaults = {"axis": -1}
    min_inputs = 2
    max_inputs = _MAX_INPUTS

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # layers/merging/concatenate.py: same rank, equal sizes off the axis (None matches anything),
        # the axis sizes add up (None if any is None); the other axes are taken from the first input.
        _require_batch_axis(self.name, inputs)
        if len({len(s) for s in inputs}) > 1:
            raise ShapeError("error.concat_rank", layer=self.name, shapes=_shapes_text(inputs))
        first = inputs[0]
        given = cfg.int("axis", lo=-64, hi=64)
        ax = axis_index(self.name, "axis", given, first)
        for i in range(len(first)):
            if i != ax and len({s[i] for s in inputs} - {None}) > 1:
                raise ShapeError("error.concat_shapes", layer=self.name, axis=ax, shapes=_shapes_text(inputs))
        sizes = [s[ax] for s in inputs]
        total: Dim = None if None in sizes else sum(d for d in sizes if d is not None)
        out = list(first)
        out[ax] = total
        rule = " + ".join(dim_text(d) for d in sizes) + f" = {dim_text(total)}"
        explanation = Message("explain.concatenate", {"count": len(inputs), "axis": _axis_text(given, ax),
                                                      "rule": rule})
        return Derived(output=tuple(out), trainable=None, explanation=explanation, macs=0)


def _dot_axes(layer: str, raw: Any, a: Shape, b: Shape) -> tuple[int, int]:
    """Keras dot.py: an int for both inputs or a pair; negative axes count from the end of each input."""
    if isinstance(raw, (list, tuple)):
        if len(raw) != 2:
            raise ConfigError("error.config", layer=layer, name="axes", value=repr(raw),
                              expected="an int or a pair of ints")
        pair = (raw[0], raw[1])
    else:
        pair = (raw, raw)
    for v in pair:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ConfigError("error.config", layer=layer, name="axes", value=repr(raw),
                              expected="an int or a pair of ints")
    out = (axis_index(layer, "axes", pair[0], a), axis_index(layer, "axes", pair[1], b))
    if 0 in out:
        raise ConfigError("error.dot_batch_axis", layer=layer, axes=repr(raw))
    return out


@register
class KerasDot(LayerKind):
    name = "Dot"
    framework = Framework.KERAS
    family = "merge"
    positional = ("axes", "normalize")
    defaults = {"normalize": False}
    min_inputs = max_inputs = 2

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # layers/merging/dot.py compute_output_shape: drop the contracted axis from each input and the
        # second input's batch axis, concatenate; a lone remaining axis gets a trailing 1.
        _require_batch_axis(self.name, inputs, min_rank=2)
        a, b = inputs
        raw = cfg.get("axes")
        if raw is None:
            raise ConfigError("error.config_missing", layer=self.name, name="axes")
        a1, a2 = _dot_axes(self.name, raw, a, b)
        k1, k2 = a[a1], b[a2]
        if k1 is not None and k2 is not None and k1 != k2:
            raise ShapeError("error.dot_axes", layer=self.name, n1=k1, a1=a1, s1=format_shape(a),
                             n2=k2, a2=a2, s2=format_shape(b))
        out: tuple[Dim, ...] = (*a[:a1], *a[a1 + 1 :], *b[1:a2], *b[a2 + 1 :])
        if len(out) == 1:
            out = (*out, 1)
        k = k1 if k1 is not None else k2
        outputs = numel(out[1:])
        macs = None if outputs is None or k is None else outputs * k
        notes: list[Message] = []
        if macs is not None:
            notes.append(Message("note.dot_macs", {"outputs": outputs, "k": k, "macs": macs}))
        if cfg.bool("normalize"):
            notes.append(Message("note.dot_normalize"))
        explanation = Message("explain.dot", {"a1": a1, "a2": a2, "k": dim_text(k), "in1": dims_text(a[1:]),
                                              "in2": dims_text(b[1:]), "out": dims_text(out[1:])})
        return Derived(output=out, trainable=None, explanation=explanation, macs=macs, notes=tuple(notes))
