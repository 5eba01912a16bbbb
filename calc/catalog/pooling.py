"""Pooling: Keras Max/Average/Global/Adaptive pooling and PyTorch Max/Avg/LP/Adaptive pooling.

A pooling layer has no weights: each output value is a fixed function (maximum, average, p-norm) of
a window of inputs, so the parameter count is 0 and there is no formula.  The entries derive the
output shape with the window arithmetic shown per axis, e.g. ``⌊(254 − 2)/2⌋ + 1 = 127``.

MACs: pooling multiplies nothing by a weight, so it counts as 0 multiply-accumulates; a note says how
many comparisons or additions it does instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from calc.catalog.base import MAX_SIZE, Config, Derived, LayerKind, numel, register, single_input
from calc.catalog.reshape import dim_text, dims_text, keras_data_format, num, spatial_axes, unique_join
from calc.catalog.shapes import keras_pool_len, torch_pool_len
from calc.errors import ConfigError
from calc.formula import group_digits
from calc.i18n import Message
from calc.i18n import register as register_text
from calc.types import Dim, Framework, Shape

register_text(
    {
        "pooling.max": {"en": "maximum", "zh": "最大值"},
        "pooling.average": {"en": "average", "zh": "平均值"},
        "pooling.lp": {"en": "p-norm (p = {p})", "zh": "p 范数（p = {p}）"},
        "explain.pool_window": {
            "en": "No weights to learn: each output value is the {op} over a window of {window} ({args}); per axis: {rules}.",
            "zh": "没有需要学习的权重：每个输出值是一个 {window} 窗口内的{op}（{args}）；各轴：{rules}。",
        },
        "explain.pool_global": {
            "en": "No weights to learn: each of the {channels} channels is reduced to its {op} over all {positions} positions ({spatial}), one value per channel.",
            "zh": "没有需要学习的权重：{channels} 个通道各自取全部 {positions} 个位置（{spatial}）上的{op}，每个通道得到一个值。",
        },
        "explain.pool_global_axis": {
            "en": "No weights to learn: each of the {channels} channels is reduced to its {op} over all {positions} positions, one value per channel.",
            "zh": "没有需要学习的权重：{channels} 个通道各自取全部 {positions} 个位置上的{op}，每个通道得到一个值。",
        },
        "explain.pool_global_unknown": {
            "en": "No weights to learn: each of the {channels} channels is reduced to its {op} over all positions ({spatial}; how many is unknown here), one value per channel.",
            "zh": "没有需要学习的权重：{channels} 个通道各自取全部位置（{spatial}；这里位置数未知）上的{op}，每个通道得到一个值。",
        },
        "explain.pool_adaptive": {
            "en": "No weights to learn: adaptive pooling chooses its windows from the input size so that the output is exactly {out}; each of the {channels} channels gets the {op} of each window ({rules}).",
            "zh": "没有需要学习的权重：自适应池化根据输入尺寸选择窗口，使输出恰好为 {out}；{channels} 个通道在每个窗口内各取{op}（{rules}）。",
        },
        "note.pool_max_ops": {
            "en": "Max pooling multiplies nothing by a weight, so it counts as 0 MACs; it makes about {ops} comparisons per example ({outputs} outputs × ({window} − 1)).",
            "zh": "最大池化不与任何权重相乘，因此记为 0 MACs；每个样本约做 {ops} 次比较（{outputs} 个输出 × ({window} − 1)）。",
        },
        "note.pool_avg_ops": {
            "en": "Average pooling multiplies nothing by a weight, so it counts as 0 MACs; it makes about {ops} additions per example ({outputs} outputs × ({window} − 1)) and one division per output.",
            "zh": "平均池化不与任何权重相乘，因此记为 0 MACs；每个样本约做 {ops} 次加法（{outputs} 个输出 × ({window} − 1)），每个输出再做一次除法。",
        },
        "note.pool_lp_ops": {
            "en": "LP pooling raises each value to the power p, sums each window and takes the p-th root; it has no weights and counts as 0 MACs ({outputs} outputs, {window} values per window).",
            "zh": "LP 池化把每个值取 p 次幂、对窗口求和再开 p 次方；它没有权重，记为 0 MACs（{outputs} 个输出，每个窗口 {window} 个值）。",
        },
        "note.pool_no_macs": {
            "en": "Pooling has no weights to multiply by, so it counts as 0 MACs.",
            "zh": "池化没有可相乘的权重，因此记为 0 MACs。",
        },
        "note.pool_default_stride": {
            "en": "The stride was not given, so it equals the window size, {stride}: pooling windows do not overlap by default (Keras strides=None → pool_size; PyTorch stride=None → kernel_size), unlike a convolution, whose stride defaults to 1.",
            "zh": "未给出步长，因此步长等于窗口大小 {stride}：池化窗口默认不重叠（Keras strides=None → pool_size；PyTorch stride=None → kernel_size），而卷积的步长默认为 1。",
        },
        "note.pool_ceil_mode": {
            "en": "ceil_mode=True rounds the number of windows up (⌈⌉ instead of ⌊⌋), keeping a last, partial window at the end of an axis.",
            "zh": "ceil_mode=True 把窗口数向上取整（用 ⌈⌉ 而不是 ⌊⌋），保留轴末端不完整的最后一个窗口。",
        },
        "note.pool_ceil_dropped": {
            "en": "On the axis of {n}, the last window would start inside the right padding, so PyTorch drops it: {size} windows.",
            "zh": "在长度为 {n} 的轴上，最后一个窗口会从右侧填充区内开始，因此 PyTorch 舍弃它：共 {size} 个窗口。",
        },
        "note.pool_count_include_pad": {
            "en": "count_include_pad={flag} decides whether the padded zeros count in a border window's average; it changes the values, not the shape.",
            "zh": "count_include_pad={flag} 决定边界窗口求平均时是否计入填充的零；它只影响数值，不影响形状。",
        },
        "note.pool_return_indices": {
            "en": "return_indices=True: the layer returns two tensors of this shape, the pooled values and the positions of the maxima (used by MaxUnpool).",
            "zh": "return_indices=True：该层返回两个同形状的张量，即池化值和最大值所在的位置（供 MaxUnpool 使用）。",
        },
        "note.pool_keepdims": {
            "en": "keepdims=True keeps the pooled axes with size 1 instead of removing them.",
            "zh": "keepdims=True 保留被池化的轴（长度为 1），而不是删除它们。",
        },
        "error.pool_padding": {
            "en": "{layer}: padding={padding} is more than half the window ({kernel}); PyTorch requires padding ≤ kernel_size / 2.",
            "zh": "{layer}：padding={padding} 超过窗口（{kernel}）的一半；PyTorch 要求 padding ≤ kernel_size / 2。",
        },
        "error.pool_output_size": {
            "en": "{layer}: output_size={value} is not valid; expected {expected}.",
            "zh": "{layer}：output_size={value} 无效；应为 {expected}。",
        },
    }
)

_OPS = {"max": "pooling.max", "average": "pooling.average"}


def _window(values: Sequence[int]) -> str:
    """``2×2`` for a 2-D window, ``3`` for a 1-D one."""
    return "×".join(group_digits(v) for v in values)


def _compact(values: Sequence[int]) -> str:
    """One number when every axis agrees (``2``), else the tuple (``(2, 1)``)."""
    if len(set(values)) == 1:
        return group_digits(values[0])
    return "(" + ", ".join(group_digits(v) for v in values) + ")"


def _ops_note(op: str, outputs: Dim, window: int | None) -> Message:
    """How much work a pooling layer does instead of MACs (or just that it is 0 MACs when unknown)."""
    if outputs is None or window is None:
        return Message("note.pool_no_macs")
    if op == "lp":
        return Message("note.pool_lp_ops", {"outputs": outputs, "window": window})
    key = "note.pool_max_ops" if op == "max" else "note.pool_avg_ops"
    return Message(key, {"ops": outputs * (window - 1), "outputs": outputs, "window": window})


def _keras_rule(n: Dim, p: int, s: int, padding: str, size: Dim) -> str:
    """Keras (ops/operation_utils.py compute_pooling_output_shape): valid ⌊(n − p)/s⌋ + 1, same ⌈n/s⌉."""
    if n is None:
        return "None"
    if padding == "same":
        return f"⌈{dim_text(n)}/{group_digits(s)}⌉ = {dim_text(size)}"
    return f"⌊({dim_text(n)} − {group_digits(p)})/{group_digits(s)}⌋ + 1 = {dim_text(size)}"


def _torch_dropped(n: int, k: int, s: int, p: int, d: int) -> bool:
    """In ceil_mode, does PyTorch drop a last window that would start inside the right padding?
    (aten pooling_output_shape_pad_lr: ``if ((out − 1)·s ≥ n + p) --out``.)"""
    span = n + 2 * p - d * (k - 1) - 1
    return (-(-span // s)) * s >= n + p


def _torch_rule(n: Dim, k: int, s: int, p: int, d: int, ceil: bool, size: Dim) -> str:
    """PyTorch MaxPool/AvgPool/LPPool: ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1, with ⌈⌉ in ceil_mode."""
    if n is None:
        return "None"
    inner = dim_text(n)
    if p:
        inner += f" + 2·{group_digits(p)}"
    inner += f" − {group_digits(k)}" if d == 1 else f" − {group_digits(d)}·({group_digits(k)} − 1) − 1"
    lo, hi = ("⌈", "⌉") if ceil else ("⌊", "⌋")
    rule = f"{lo}({inner})/{group_digits(s)}{hi} + 1"
    if ceil and _torch_dropped(n, k, s, p, d):
        rule += " − 1"
    return f"{rule} = {dim_text(size)}"


def _window_outputs(out: Shape, per_example_rank: int) -> Dim:
    """Output values per example: the last ``per_example_rank`` axes (channels and spatial)."""
    return numel(out[len(out) - per_example_rank :])


# ---------------------------------------------------------------------------------------------
# Keras MaxPooling / AveragePooling


class _KerasPool(LayerKind):
    rank: ClassVar[int]
    op: ClassVar[str]
    framework = Framework.KERAS
    family = "pooling"
    positional: ClassVar[tuple[str, ...]] = ("pool_size", "strides", "padding", "data_format")
    solvable = {"pool_size": "shape", "strides": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # layers/pooling/base_pooling.py: input (batch, *spatial, channels) or channels_first; strides
        # default to pool_size (``strides = pool_size if strides is None``).
        r = self.rank
        shape = single_input(self.name, inputs, min_rank=r + 2, max_rank=r + 2)
        pool = cfg.ints("pool_size", r)
        stride_given = cfg.has("strides")
        strides = cfg.ints("strides", r) if stride_given else pool
        if not stride_given:
            cfg.get("strides")
        padding = cfg.choice("padding", ("valid", "same"))
        axes = spatial_axes(len(shape), r, keras_data_format(cfg) == "channels_first")
        out = list(shape)
        rules = []
        for ax, p, s in zip(axes, pool, strides, strict=True):
            out[ax] = keras_pool_len(self.name, shape[ax], p, s, padding)
            rules.append(_keras_rule(shape[ax], p, s, padding, out[ax]))
        window = numel(pool)
        explanation = Message("explain.pool_window", {
            "op": Message(_OPS[self.op]), "window": _window(pool),
            "args": f'strides={_compact(strides)}, padding="{padding}"', "rules": unique_join(rules)})
        notes = [_ops_note(self.op, _window_outputs(tuple(out), r + 1), window)]
        if not stride_given:
            notes.append(Message("note.pool_default_stride", {"stride": _compact(pool)}))
        return Derived(output=tuple(out), trainable=None, explanation=explanation, macs=0, notes=tuple(notes))


def _keras_pool_defaults(rank: int) -> dict[str, Any]:
    return {"pool_size": (2,) * rank, "strides": None, "padding": "valid", "data_format": "channels_last"}


@register
class KerasMaxPooling1D(_KerasPool):
    name, aliases, rank, op = "MaxPooling1D", ("MaxPool1D",), 1, "max"
    defaults = _keras_pool_defaults(1)


@register
class KerasMaxPooling2D(_KerasPool):
    name, aliases, rank, op = "MaxPooling2D", ("MaxPool2D",), 2, "max"
    defaults = _keras_pool_defaults(2)


@register
class KerasMaxPooling3D(_KerasPool):
    name, aliases, rank, op = "MaxPooling3D", ("MaxPool3D",), 3, "max"
    defaults = _keras_pool_defaults(3)


@register
class KerasAveragePooling1D(_KerasPool):
    name, aliases, rank, op = "AveragePooling1D", ("AvgPool1D",), 1, "average"
    defaults = _keras_pool_defaults(1)


@register
class KerasAveragePooling2D(_KerasPool):
    name, aliases, rank, op = "AveragePooling2D", ("AvgPool2D",), 2, "average"
    defaults = _keras_pool_defaults(2)


@register
class KerasAveragePooling3D(_KerasPool):
    name, aliases, rank, op = "AveragePooling3D", ("AvgPool3D",), 3, "average"
    defaults = _keras_pool_defaults(3)


# ---------------------------------------------------------------------------------------------
# Keras global pooling


class _KerasGlobalPool(LayerKind):
    rank: ClassVar[int]
    op: ClassVar[str]
    framework = Framework.KERAS
    family = "pooling"
    positional: ClassVar[tuple[str, ...]] = ("data_format", "keepdims")
    defaults = {"data_format": "channels_last", "keepdims": False}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # layers/pooling/base_global_pooling.py: (batch, channels), or every spatial axis kept as 1
        # with keepdims=True.
        r = self.rank
        shape = single_input(self.name, inputs, min_rank=r + 2, max_rank=r + 2)
        channels_first = keras_data_format(cfg) == "channels_first"
        keepdims = cfg.bool("keepdims")
        axes = spatial_axes(len(shape), r, channels_first)
        channels = shape[1] if channels_first else shape[-1]
        if keepdims:
            out = tuple(1 if i in axes else d for i, d in enumerate(shape))
        else:
            out = (shape[0], channels)
        spatial = [shape[a] for a in axes]
        positions = numel(spatial)
        args = {"channels": num(channels), "op": Message(_OPS[self.op]), "spatial": dims_text(spatial)}
        if positions is None:
            explanation = Message("explain.pool_global_unknown", args)
        else:
            key = "explain.pool_global" if r > 1 else "explain.pool_global_axis"
            explanation = Message(key, {**args, "positions": positions})
        notes = [_ops_note(self.op, channels, positions)]
        if keepdims:
            notes.append(Message("note.pool_keepdims"))
        return Derived(output=out, trainable=None, explanation=explanation, macs=0, notes=tuple(notes))


@register
class KerasGlobalMaxPooling1D(_KerasGlobalPool):
    name, aliases, rank, op = "GlobalMaxPooling1D", ("GlobalMaxPool1D",), 1, "max"


@register
class KerasGlobalMaxPooling2D(_KerasGlobalPool):
    name, aliases, rank, op = "GlobalMaxPooling2D", ("GlobalMaxPool2D",), 2, "max"


@register
class KerasGlobalMaxPooling3D(_KerasGlobalPool):
    name, aliases, rank, op = "GlobalMaxPooling3D", ("GlobalMaxPool3D",), 3, "max"


@register
class KerasGlobalAveragePooling1D(_KerasGlobalPool):
    name, aliases, rank, op = "GlobalAveragePooling1D", ("GlobalAvgPool1D",), 1, "average"


@register
class KerasGlobalAveragePooling2D(_KerasGlobalPool):
    name, aliases, rank, op = "GlobalAveragePooling2D", ("GlobalAvgPool2D",), 2, "average"


@register
class KerasGlobalAveragePooling3D(_KerasGlobalPool):
    name, aliases, rank, op = "GlobalAveragePooling3D", ("GlobalAvgPool3D",), 3, "average"


# ---------------------------------------------------------------------------------------------
# Adaptive pooling (Keras 3.15+ and PyTorch)


def _output_size(layer: str, value: Any, rank: int, allow_none: bool) -> tuple[int | None, ...]:
    """An int for every axis, or one entry per axis; PyTorch allows None = keep that axis's size."""
    values = tuple(value) if isinstance(value, (list, tuple)) else (value,) * rank
    expected = f"{rank} whole number{'s' if rank > 1 else ''}" + (" (or None to keep an axis)" if allow_none else "")
    if len(values) != rank:
        raise ConfigError("error.pool_output_size", layer=layer, value=repr(value), expected=expected)
    out: list[int | None] = []
    for v in values:
        if v is None and allow_none:
            out.append(None)
            continue
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_SIZE:
            raise ConfigError("error.pool_output_size", layer=layer, value=repr(value), expected=expected)
        out.append(v)
    return tuple(out)


def _adaptive_windows(n: int, o: int) -> str:
    """PyTorch's adaptive windows on an axis of n split into o: window i covers ⌊i·n/o⌋ to ⌈(i+1)·n/o⌉
    (aten AdaptiveAveragePooling start_index / end_index); the distinct window lengths, e.g. ``k = 2…3``."""
    if o > 4096:
        return ""
    lengths = {-(-(i + 1) * n // o) - (i * n // o) for i in range(o)}
    lo, hi = min(lengths), max(lengths)
    return f" (k = {lo})" if lo == hi else f" (k = {lo}…{hi})"


def _adaptive(layer: str, op: str, shape: Shape, axes: Sequence[int], sizes: Sequence[int | None],
              channels: Dim, windows: bool) -> tuple[Shape, Message, Message]:
    out = list(shape)
    rules = []
    for ax, o in zip(axes, sizes, strict=True):
        n = shape[ax]
        size = n if o is None else o
        out[ax] = size
        rule = f"{dim_text(n)} → {dim_text(size)}"
        if windows and n is not None and size is not None:
            rule += _adaptive_windows(n, size)
        rules.append(rule)
    explanation = Message("explain.pool_adaptive", {
        "out": dims_text(out[a] for a in axes), "channels": num(channels), "op": Message(_OPS[op]),
        "rules": unique_join(rules)})
    return tuple(out), explanation, Message("note.pool_no_macs")


class _KerasAdaptivePool(LayerKind):
    rank: ClassVar[int]
    op: ClassVar[str]
    framework = Framework.KERAS
    family = "pooling"
    positional: ClassVar[tuple[str, ...]] = ("output_size", "data_format")
    defaults = {"data_format": "channels_last"}
    solvable = {"output_size": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # layers/pooling/base_adaptive_pooling.py: (batch, *output_size, channels) or channels_first.
        r = self.rank
        shape = single_input(self.name, inputs, min_rank=r + 2, max_rank=r + 2)
        raw = cfg.get("output_size")
        if raw is None:
            raise ConfigError("error.config_missing", layer=self.name, name="output_size")
        sizes = _output_size(self.name, raw, r, allow_none=False)
        channels_first = keras_data_format(cfg) == "channels_first"
        axes = spatial_axes(len(shape), r, channels_first)
        channels = shape[1] if channels_first else shape[-1]
        out, explanation, note = _adaptive(self.name, self.op, shape, axes, sizes, channels, windows=False)
        return Derived(output=out, trainable=None, explanation=explanation, macs=0, notes=(note,))


@register
class KerasAdaptiveMaxPooling1D(_KerasAdaptivePool):
    name, rank, op = "AdaptiveMaxPooling1D", 1, "max"


@register
class KerasAdaptiveMaxPooling2D(_KerasAdaptivePool):
    name, rank, op = "AdaptiveMaxPooling2D", 2, "max"


@register
class KerasAdaptiveMaxPooling3D(_KerasAdaptivePool):
    name, rank, op = "AdaptiveMaxPooling3D", 3, "max"


@register
class KerasAdaptiveAveragePooling1D(_KerasAdaptivePool):
    name, rank, op = "AdaptiveAveragePooling1D", 1, "average"


@register
class KerasAdaptiveAveragePooling2D(_KerasAdaptivePool):
    name, rank, op = "AdaptiveAveragePooling2D", 2, "average"


@register
class KerasAdaptiveAveragePooling3D(_KerasAdaptivePool):
    name, rank, op = "AdaptiveAveragePooling3D", 3, "average"


class _TorchAdaptivePool(LayerKind):
    rank: ClassVar[int]
    op: ClassVar[str]
    framework = Framework.TORCH
    family = "pooling"
    positional: ClassVar[tuple[str, ...]] = ("output_size",)
    solvable = {"output_size": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # torch.nn.AdaptiveAvgPool{1,2,3}d / AdaptiveMaxPool: input (C, *spatial) or (N, C, *spatial);
        # the spatial axes become output_size, a None entry keeps that axis (2-D and 3-D only).
        r = self.rank
        shape = single_input(self.name, inputs, min_rank=r + 1, max_rank=r + 2)
        raw = cfg.get("output_size")
        if raw is None:
            raise ConfigError("error.config_missing", layer=self.name, name="output_size")
        sizes = _output_size(self.name, raw, r, allow_none=r > 1)
        axes = tuple(range(len(shape) - r, len(shape)))
        out, explanation, note = _adaptive(self.name, self.op, shape, axes, sizes, shape[-r - 1], windows=True)
        notes = [note]
        if self.op == "max" and cfg.bool("return_indices"):
            notes.append(Message("note.pool_return_indices"))
            return Derived(output=[out, out], trainable=None, explanation=explanation, macs=0, notes=tuple(notes))
        return Derived(output=out, trainable=None, explanation=explanation, macs=0, notes=tuple(notes))


@register
class TorchAdaptiveAvgPool1d(_TorchAdaptivePool):
    name, rank, op = "AdaptiveAvgPool1d", 1, "average"


@register
class TorchAdaptiveAvgPool2d(_TorchAdaptivePool):
    name, rank, op = "AdaptiveAvgPool2d", 2, "average"


@register
class TorchAdaptiveAvgPool3d(_TorchAdaptivePool):
    name, rank, op = "AdaptiveAvgPool3d", 3, "average"


class _TorchAdaptiveMaxPool(_TorchAdaptivePool):
    op = "max"
    positional = ("output_size", "return_indices")
    defaults = {"return_indices": False}


@register
class TorchAdaptiveMaxPool1d(_TorchAdaptiveMaxPool):
    name, rank = "AdaptiveMaxPool1d", 1


@register
class TorchAdaptiveMaxPool2d(_TorchAdaptiveMaxPool):
    name, rank = "AdaptiveMaxPool2d", 2


@register
class TorchAdaptiveMaxPool3d(_TorchAdaptiveMaxPool):
    name, rank = "AdaptiveMaxPool3d", 3


# ---------------------------------------------------------------------------------------------
# PyTorch MaxPool / AvgPool / LPPool


class _TorchPool(LayerKind):
    rank: ClassVar[int]
    op: ClassVar[str]  # "max" | "average" | "lp"
    framework = Framework.TORCH
    family = "pooling"
    solvable = {"kernel_size": "shape", "stride": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # torch/nn/modules/pooling.py: input (C, *spatial) or (N, C, *spatial); stride None → kernel_size.
        r = self.rank
        shape = single_input(self.name, inputs, min_rank=r + 1, max_rank=r + 2)
        norm = cfg.number("norm_type") if self.op == "lp" else None
        if norm is not None and norm <= 0:
            raise ConfigError("error.config", layer=self.name, name="norm_type", value=repr(norm),
                              expected="a positive number")
        k = cfg.ints("kernel_size", r)
        raw_stride = cfg.get("stride")
        stride_given = raw_stride not in (None, [], ())
        s = cfg.ints("stride", r) if stride_given else k
        # LPPool has no padding (it is avg_pool on xᵖ with padding 0); only MaxPool has dilation.
        p = cfg.ints("padding", r, lo=0) if self.op != "lp" else (0,) * r
        d = cfg.ints("dilation", r) if self.op == "max" else (1,) * r
        ceil = cfg.bool("ceil_mode")
        # aten pool2d_shape_check: "pad should be smaller than or equal to half of kernel size".
        for ki, pi in zip(k, p, strict=True):
            if pi > ki // 2:
                raise ConfigError("error.pool_padding", layer=self.name, padding=pi, kernel=ki)
        axes = range(len(shape) - r, len(shape))
        out = list(shape)
        rules = []
        notes: list[Message] = []
        for ax, ki, si, pi, di in zip(axes, k, s, p, d, strict=True):
            n = shape[ax]
            out[ax] = torch_pool_len(self.name, n, ki, si, pi, di, ceil)
            rules.append(_torch_rule(n, ki, si, pi, di, ceil, out[ax]))
            if ceil and n is not None and _torch_dropped(n, ki, si, pi, di):
                notes.append(Message("note.pool_ceil_dropped", {"n": n, "size": out[ax]}))
        args = f"stride={_compact(s)}"
        if any(p):
            args += f", padding={_compact(p)}"
        if any(di > 1 for di in d):
            args += f", dilation={_compact(d)}"
        if ceil:
            args += ", ceil_mode=True"
        op = Message("pooling.lp", {"p": f"{norm:g}"}) if norm is not None else Message(_OPS[self.op])
        explanation = Message("explain.pool_window",
                              {"op": op, "window": _window(k), "args": args, "rules": unique_join(rules)})
        result: list[Message] = [_ops_note(self.op, _window_outputs(tuple(out), r + 1), numel(k))]
        if not stride_given:
            result.append(Message("note.pool_default_stride", {"stride": _compact(k)}))
        if ceil:
            result.append(Message("note.pool_ceil_mode"))
        result.extend(m for i, m in enumerate(notes) if m not in notes[:i])
        if self.op == "average" and any(p):
            result.append(Message("note.pool_count_include_pad", {"flag": str(cfg.bool("count_include_pad"))}))
        output: Shape | list[Any] = tuple(out)
        if self.op == "max" and cfg.bool("return_indices"):
            result.append(Message("note.pool_return_indices"))
            output = [tuple(out), tuple(out)]
        return Derived(output=output, trainable=None, explanation=explanation, macs=0, notes=tuple(result))


_MAX_DEFAULTS = {"stride": None, "padding": 0, "dilation": 1, "return_indices": False, "ceil_mode": False}
_AVG_DEFAULTS = {"stride": None, "padding": 0, "ceil_mode": False, "count_include_pad": True,
                 "divisor_override": None}
_LP_DEFAULTS = {"stride": None, "ceil_mode": False}


@register
class TorchMaxPool1d(_TorchPool):
    name, rank, op = "MaxPool1d", 1, "max"
    positional = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")
    defaults = _MAX_DEFAULTS


@register
class TorchMaxPool2d(_TorchPool):
    name, rank, op = "MaxPool2d", 2, "max"
    positional = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")
    defaults = _MAX_DEFAULTS


@register
class TorchMaxPool3d(_TorchPool):
    name, rank, op = "MaxPool3d", 3, "max"
    positional = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")
    defaults = _MAX_DEFAULTS


@register
class TorchAvgPool1d(_TorchPool):
    name, rank, op = "AvgPool1d", 1, "average"
    positional = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")
    defaults = _AVG_DEFAULTS


@register
class TorchAvgPool2d(_TorchPool):
    name, rank, op = "AvgPool2d", 2, "average"
    positional = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")
    defaults = _AVG_DEFAULTS


@register
class TorchAvgPool3d(_TorchPool):
    name, rank, op = "AvgPool3d", 3, "average"
    positional = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")
    defaults = _AVG_DEFAULTS


@register
class TorchLPPool1d(_TorchPool):
    name, rank, op = "LPPool1d", 1, "lp"
    positional = ("norm_type", "kernel_size", "stride", "ceil_mode")
    defaults = _LP_DEFAULTS


@register
class TorchLPPool2d(_TorchPool):
    name, rank, op = "LPPool2d", 2, "lp"
    positional = ("norm_type", "kernel_size", "stride", "ceil_mode")
    defaults = _LP_DEFAULTS


@register
class TorchLPPool3d(_TorchPool):
    name, rank, op = "LPPool3d", 3, "lp"
    positional = ("norm_type", "kernel_size", "stride", "ceil_mode")
    defaults = _LP_DEFAULTS
