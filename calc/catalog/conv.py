"""Convolutions: Keras Conv1D/2D/3D, their transposes, SeparableConv1D/2D, DepthwiseConv1D/2D;
PyTorch Conv1d/2d/3d and ConvTranspose1d/2d/3d (and their Lazy forms).

Every convolution here counts the same way: each output channel owns one kernel spanning the
window and the input channels it sees, plus one bias.  ``(k_h·k_w·c_in + 1)·filters``.  With
``groups`` a filter sees only its group's ``c_in/groups`` channels, and the formula shows that
number.  A transposed convolution has exactly the same count (its kernel is stored the other way
round); a depthwise one has one window per (input channel × depth_multiplier); a separable one is
a depthwise kernel followed by a 1×1 convolution.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from calc.catalog.base import Config, Derived, LayerKind, Solvable, Weight, known, register, single_input
from calc.catalog.shapes import keras_conv_len, keras_transpose_len, torch_conv_len, torch_transpose_len
from calc.errors import ConfigError, ShapeError
from calc.formula import Formula, Term, add, mul, sym
from calc.i18n import Message
from calc.i18n import register as register_text
from calc.types import Dim, Framework, Shape

c_in, c_in_per_group, filters = sym("c_in"), sym("c_in_per_group"), sym("filters")
depth_multiplier = sym("depth_multiplier")

# Kernel axes per rank, in the order the frameworks list kernel_size.
KERNEL = {1: (sym("k"),), 2: (sym("k_h"), sym("k_w")), 3: (sym("k_d"), sym("k_h"), sym("k_w"))}


def _kernel_values(ks: Sequence[int]) -> dict[str, int]:
    return {s.name: k for s, k in zip(KERNEL[len(ks)], ks, strict=True)}


# Convolution (and transposed convolution): per output channel, one kernel over the window and the
# channels it sees, plus one bias.  Keras kernel kernel_size + (c_in // groups, filters)
# (layers/convolutional/base_conv.py build); PyTorch weight (out, in/groups, *k) (torch/nn/modules/conv.py
# _ConvNd).  Transposed: Keras kernel kernel_size + (filters, c_in) (base_conv_transpose.py build), PyTorch
# weight (in, out/groups, *k): c_in·(c_out/g) = (c_in/g)·c_out, so the very same template counts it.
# Keyed by (rank, bias, grouped).
CONV: dict[tuple[int, bool, bool], Formula] = {}
for _rank, _ks in KERNEL.items():
    for _grouped in (False, True):
        _c = c_in_per_group if _grouped else c_in
        CONV[(_rank, True, _grouped)] = Formula.of(mul(add(mul(*_ks, _c), 1), filters))
        CONV[(_rank, False, _grouped)] = Formula.of(mul(*_ks, _c, filters))

# Depthwise (Keras): each input channel gets depth_multiplier kernels of its own, one bias per output
# channel (c_in·m of them).  Kernel kernel_size + (c_in, m), bias (c_in·m,) (base_depthwise_conv.py build).
DEPTHWISE: dict[tuple[int, bool], Formula] = {}
# Separable (Keras): that depthwise kernel (no bias), then a 1×1 convolution from c_in·m channels to
# filters, which carries the only bias (base_separable_conv.py build).
SEPARABLE: dict[tuple[int, bool], Formula] = {}
for _rank, _ks in KERNEL.items():
    DEPTHWISE[(_rank, True)] = Formula.of(mul(add(mul(*_ks), 1), c_in, depth_multiplier))
    DEPTHWISE[(_rank, False)] = Formula.of(mul(*_ks, c_in, depth_multiplier))
    SEPARABLE[(_rank, True)] = Formula.of(
        add(mul(*_ks, c_in, depth_multiplier), mul(add(mul(c_in, depth_multiplier), 1), filters))
    )
    SEPARABLE[(_rank, False)] = Formula.of(add(mul(*_ks, c_in, depth_multiplier), mul(c_in, depth_multiplier, filters)))

register_text(
    {
        "explain.conv": {
            "en": "{filters} filters × ({window} kernel × {c_in} input channels + 1 bias)",
            "zh": "{filters} 个卷积核 × ({window} 窗口 × {c_in} 个输入通道 + 1 个偏置)",
        },
        "explain.conv_no_bias": {
            "en": "{filters} filters × {window} kernel × {c_in} input channels (no bias)",
            "zh": "{filters} 个卷积核 × {window} 窗口 × {c_in} 个输入通道（无偏置）",
        },
        "explain.conv_grouped": {
            "en": "{filters} filters × ({window} kernel × {c_group} input channels + 1 bias): "
            "with groups={groups}, each filter sees only its group's {c_in}/{groups} = {c_group} channels",
            "zh": "{filters} 个卷积核 × ({window} 窗口 × {c_group} 个输入通道 + 1 个偏置)："
            "groups={groups} 时，每个卷积核只看到本组的 {c_in}/{groups} = {c_group} 个通道",
        },
        "explain.conv_grouped_no_bias": {
            "en": "{filters} filters × {window} kernel × {c_group} input channels (no bias): "
            "with groups={groups}, each filter sees only its group's {c_in}/{groups} = {c_group} channels",
            "zh": "{filters} 个卷积核 × {window} 窗口 × {c_group} 个输入通道（无偏置）："
            "groups={groups} 时，每个卷积核只看到本组的 {c_in}/{groups} = {c_group} 个通道",
        },
        "explain.depthwise": {
            "en": "{c_in} input channels × depth_multiplier {m} = {c_out} output channels, "
            "each with its own {window} kernel + 1 bias",
            "zh": "{c_in} 个输入通道 × depth_multiplier {m} = {c_out} 个输出通道，"
            "每个各有一个 {window} 窗口 + 1 个偏置",
        },
        "explain.depthwise_no_bias": {
            "en": "{c_in} input channels × depth_multiplier {m} = {c_out} output channels, "
            "each with its own {window} kernel (no bias)",
            "zh": "{c_in} 个输入通道 × depth_multiplier {m} = {c_out} 个输出通道，"
            "每个各有一个 {window} 窗口（无偏置）",
        },
        "explain.separable": {
            "en": "depthwise: {window} kernel × {c_in} input channels × depth_multiplier {m}; "
            "then pointwise 1×1: ({c_mid} channels + 1 bias) × {filters} filters",
            "zh": "逐通道：{window} 窗口 × {c_in} 个输入通道 × depth_multiplier {m}；"
            "然后逐点 1×1：({c_mid} 个通道 + 1 个偏置) × {filters} 个卷积核",
        },
        "explain.separable_no_bias": {
            "en": "depthwise: {window} kernel × {c_in} input channels × depth_multiplier {m}; "
            "then pointwise 1×1: {c_mid} channels × {filters} filters (no bias)",
            "zh": "逐通道：{window} 窗口 × {c_in} 个输入通道 × depth_multiplier {m}；"
            "然后逐点 1×1：{c_mid} 个通道 × {filters} 个卷积核（无偏置）",
        },
        "note.conv_transpose": {
            "en": "A transposed convolution from {c_in} to {filters} channels has the same count as a convolution "
            "from {filters} to {c_in}. Its MACs count the {positions} input positions (each is multiplied by the "
            "whole kernel), not the output positions.",
            "zh": "从 {c_in} 到 {filters} 个通道的转置卷积，参数数量与从 {filters} 到 {c_in} 个通道的普通卷积相同。"
            "其乘加次数按 {positions} 个输入位置计算（每个位置乘以整个卷积核），而不是输出位置。",
        },
        "note.conv_layout": {
            "en": "Keras stores this kernel as {keras}, PyTorch as {torch}: the same count, a different layout.",
            "zh": "Keras 将该卷积核存为 {keras}，PyTorch 存为 {torch}：数量相同，布局不同。",
        },
        "note.torch_depthwise": {
            "en": "groups = in_channels = {c_in}: a depthwise convolution, like Keras DepthwiseConv with "
            "depth_multiplier={m} ({c_out} output channels).",
            "zh": "groups = in_channels = {c_in}：这是逐通道（depthwise）卷积，相当于 Keras 的 DepthwiseConv，"
            "depth_multiplier={m}（{c_out} 个输出通道）。",
        },
        "note.separable_torch": {
            "en": "PyTorch has no separable layer: the same is Conv(in={c_in}, out={c_mid}, groups={c_in}, bias=False) "
            "followed by a 1×1 Conv(in={c_mid}, out={filters}); Keras puts the only bias on the pointwise part.",
            "zh": "PyTorch 没有可分离卷积层：等价于 Conv(in={c_in}, out={c_mid}, groups={c_in}, bias=False) "
            "再接一个 1×1 Conv(in={c_mid}, out={filters})；Keras 只在逐点部分加偏置。",
        },
        "note.causal": {
            "en": "padding='causal' pads {pad} zeros on the left only, so output step t never sees inputs after t; "
            "the output length is ⌈n/strides⌉ as with 'same'.",
            "zh": "padding='causal' 只在左侧补 {pad} 个零，因此第 t 步的输出看不到 t 之后的输入；"
            "输出长度与 'same' 相同，为 ⌈n/strides⌉。",
        },
        "note.torch_same_uneven": {
            "en": "padding='same' with window {window} pads unevenly: {left} before and {right} after on an axis "
            "where dilation·(kernel − 1) is odd.",
            "zh": "padding='same' 且窗口为 {window} 时补零不对称：在 dilation·(kernel − 1) 为奇数的轴上，"
            "前面补 {left} 个，后面补 {right} 个。",
        },
        "error.conv_in_channels": {
            "en": "{layer} expects {expected} input channels (in_channels), but the input has {got} on its channel "
            "axis (shape {shape}). PyTorch reports this as \"expected input ... to have {expected} channels\".",
            "zh": "{layer} 需要 {expected} 个输入通道（in_channels），但输入的通道轴是 {got}（形状 {shape}）。"
            "PyTorch 会报错 \"expected input ... to have {expected} channels\"。",
        },
        "error.conv_stride_dilation": {
            "en": "{layer}: Keras does not support strides > 1 together with dilation_rate > 1 "
            "(got strides={strides}, dilation_rate={dilation}).",
            "zh": "{layer}：Keras 不支持 strides > 1 与 dilation_rate > 1 同时使用"
            "（收到 strides={strides}，dilation_rate={dilation}）。",
        },
        "error.output_padding_keras": {
            "en": "{layer}: output_padding {output_padding} must be smaller than strides {strides} along every axis.",
            "zh": "{layer}：output_padding {output_padding} 在每个轴上都必须小于 strides {strides}。",
        },
        "error.output_padding_torch": {
            "en": "{layer}: output_padding {output_padding} must be smaller than either stride {stride} or "
            "dilation {dilation} along every axis.",
            "zh": "{layer}：output_padding {output_padding} 在每个轴上都必须小于 stride {stride} 或 dilation {dilation}"
            " 之一。",
        },
        "error.torch_same_stride": {
            "en": "{layer}: padding='same' is not supported for strided convolutions (stride={stride}); "
            "use stride 1, or give the padding as numbers.",
            "zh": "{layer}：带步长的卷积不支持 padding='same'（stride={stride}）；"
            "请使用 stride 1，或用数字给出 padding。",
        },
        "error.torch_transpose_padding": {
            "en": "{layer}: a transposed convolution takes padding as numbers and padding_mode='zeros' only "
            "(got padding={padding}, padding_mode={mode}).",
            "zh": "{layer}：转置卷积的 padding 只能是数字，padding_mode 只能是 'zeros'"
            "（收到 padding={padding}，padding_mode={mode}）。",
        },
        "error.padding_reflect": {
            "en": "{layer}: padding_mode='reflect' cannot pad {pad} on an axis of length {n}; "
            "the padding must be smaller than the input length.",
            "zh": "{layer}：padding_mode='reflect' 不能在长度为 {n} 的轴上填充 {pad}；填充量必须小于输入长度。",
        },
        "error.padding_circular": {
            "en": "{layer}: padding_mode='circular' cannot pad {pad} on an axis of length {n}; "
            "the padding can be at most the input length.",
            "zh": "{layer}：padding_mode='circular' 不能在长度为 {n} 的轴上填充 {pad}；填充量最多等于输入长度。",
        },
        "error.conv_axis_size": {
            "en": "{layer}: the input shape {shape} has an axis of size {size}; channel and spatial axes must be "
            "at least 1.",
            "zh": "{layer}：输入形状 {shape} 中有一个轴的大小为 {size}；通道轴和空间轴至少为 1。",
        },
        "error.keras_transpose_groups": {
            "en": "{layer}: Keras transposed convolutions have no groups (got groups={groups}); "
            "PyTorch's ConvTranspose does.",
            "zh": "{layer}：Keras 的转置卷积没有 groups 参数（收到 groups={groups}）；PyTorch 的 ConvTranspose 有。",
        },
    }
)


# ---------------------------------------------------------------------------------------------
# Shared pieces


def _window(ks: Sequence[int]) -> str:
    """``3×3`` for a kernel (a label in explanations, not a formula)."""
    return "×".join(str(k) for k in ks)


def _positions(spatial: Sequence[Dim]) -> int | None:
    """How many window positions one example has; None when an axis is unknown (MACs then unknown)."""
    total = 1
    for d in spatial:
        if d is None:
            return None
        total *= d
    return total


def _conv_counts(
    rank: int, ks: tuple[int, ...], cin: int, groups: int, cout: int, bias: bool
) -> tuple[Term, Message]:
    """Bound formula and explanation of a (grouped, transposed or plain) convolution."""
    kv = _kernel_values(ks)
    window = _window(ks)
    if groups == 1:
        term = CONV[(rank, bias, False)].bind(**kv, c_in=cin, filters=cout)
        key = "explain.conv" if bias else "explain.conv_no_bias"
        return term, Message(key, {"filters": cout, "window": window, "c_in": cin})
    per_group = cin // groups
    term = CONV[(rank, bias, True)].bind(**kv, c_in_per_group=per_group, filters=cout)
    key = "explain.conv_grouped" if bias else "explain.conv_grouped_no_bias"
    return term, Message(
        key, {"filters": cout, "window": window, "c_in": cin, "groups": groups, "c_group": per_group}
    )


def _check_axes(layer: str, shape: Shape, axes: Sequence[Dim]) -> None:
    """Channel and spatial axes that are known must be at least 1 (the batch axis may be anything)."""
    for d in axes:
        if d is not None and d < 1:
            raise ShapeError("error.conv_axis_size", layer=layer, shape=str(shape), size=d)


def _check_groups(layer: str, cin: int, cout: int, groups: int, *, in_name: str, out_name: str, torch: bool) -> None:
    """Input and output channels must both split evenly into the groups (Keras base_conv.py __init__/build;
    PyTorch _ConvNd.__init__).  Output channels are configuration; input channels come from the input in
    Keras (a ShapeError) and from the configuration in PyTorch (a ConfigError)."""
    if cout % groups:
        raise ConfigError("error.divisible", layer=layer, what=out_name, value=cout, by_name="groups", by=groups)
    if cin % groups:
        err = ConfigError if torch else ShapeError
        raise err("error.divisible", layer=layer, what=in_name, value=cin, by_name="groups", by=groups)


# ---------------------------------------------------------------------------------------------
# Keras

_KERAS_DEFAULTS: Mapping[str, Any] = {
    "strides": 1,
    "padding": "valid",
    "data_format": "channels_last",
    "dilation_rate": 1,
    "groups": 1,
    "activation": None,
    "use_bias": True,
}
_KERAS_TRANSPOSE_DEFAULTS: Mapping[str, Any] = {**_KERAS_DEFAULTS, "output_padding": None}
# DepthwiseConv and SeparableConv take no groups (base_depthwise_conv.py, base_separable_conv.py __init__).
_KERAS_DEPTHWISE_DEFAULTS: Mapping[str, Any] = {
    **{k: v for k, v in _KERAS_DEFAULTS.items() if k != "groups"}, "depth_multiplier": 1,
}
_KERAS_CONV_SOLVABLE: Mapping[str, Solvable] = {
    "kernel_size": "params", "c_in": "params", "filters": "shape", "strides": "shape",
}
_KERAS_DEPTHWISE_SOLVABLE: Mapping[str, Solvable] = {
    "kernel_size": "params", "depth_multiplier": "shape", "strides": "shape",
}
_KERAS_SEPARABLE_SOLVABLE: Mapping[str, Solvable] = {
    "kernel_size": "params", "c_in": "params", "depth_multiplier": "params", "filters": "shape", "strides": "shape",
}


class _KerasWindowed(LayerKind):
    """What every Keras convolution reads the same way: rank, layout, kernel, strides, dilation, padding."""

    rank: ClassVar[int]
    framework = Framework.KERAS
    family = "conv"
    paddings: ClassVar[tuple[str, ...]] = ("valid", "same")

    def _input(self, cfg: Config, inputs: tuple[Shape, ...]) -> tuple[Shape, bool, int, tuple[Dim, ...]]:
        """(shape, channels_first, input channels, spatial axes).  Keras convolutions take exactly rank + 2
        axes (ops/operation_utils.py compute_conv_output_shape: "Kernel shape must have the same length as
        input"), and the kernel's size depends on the channel axis, so it must be known."""
        shape = single_input(self.name, inputs, min_rank=self.rank + 2, max_rank=self.rank + 2)
        _check_axes(self.name, shape, shape[1:])
        first = cfg.choice("data_format", ("channels_last", "channels_first")) == "channels_first"
        axis = 1 if first else -1
        cin = known(self.name, shape[axis], "the input's channel axis")
        spatial = shape[2:] if first else shape[1:-1]
        return shape, first, cin, spatial

    def _window_args(self, cfg: Config) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], str]:
        ks = cfg.ints("kernel_size", self.rank)
        strides = cfg.ints("strides", self.rank)
        dilation = cfg.ints("dilation_rate", self.rank)
        padding = cfg.choice("padding", self.paddings)
        return ks, strides, dilation, padding

    def _reject_strided_dilation(self, strides: tuple[int, ...], dilation: tuple[int, ...]) -> None:
        # Keras base_conv.py / base_conv_transpose.py __init__: "`strides > 1` not supported in
        # conjunction with `dilation_rate > 1`" (DepthwiseConv and SeparableConv allow it).
        if max(strides) > 1 and max(dilation) > 1:
            raise ConfigError("error.conv_stride_dilation", layer=self.name, strides=strides, dilation=dilation)

    @staticmethod
    def _out(shape: Shape, first: bool, channels: int, spatial: Sequence[Dim]) -> Shape:
        return (shape[0], channels, *spatial) if first else (shape[0], *spatial, channels)


class _KerasConv(_KerasWindowed):
    positional = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
                  "activation", "use_bias")
    defaults = _KERAS_DEFAULTS
    solvable = _KERAS_CONV_SOLVABLE

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape, first, cin, spatial = self._input(cfg, inputs)
        cout = cfg.int("filters")
        groups = cfg.int("groups")
        ks, strides, dilation, padding = self._window_args(cfg)
        bias = cfg.bool("use_bias")
        self._reject_strided_dilation(strides, dilation)
        _check_groups(self.name, cin, cout, groups, in_name="input channels", out_name="filters", torch=False)
        out_spatial = [
            keras_conv_len(self.name, n, k, s, d, padding)
            for n, k, s, d in zip(spatial, ks, strides, dilation, strict=True)
        ]
        term, explanation = _conv_counts(self.rank, ks, cin, groups, cout, bias)
        positions = _positions(out_spatial)
        per_group = cin // groups
        notes = [Message("note.conv_layout", {"keras": (*ks, per_group, cout), "torch": (cout, per_group, *ks)})]
        if padding == "causal":
            # Conv1D pads dilation·(kernel − 1) zeros on the left only (layers/convolutional/conv1d.py
            # _compute_causal_padding), then runs a 'valid' convolution.
            notes.append(Message("note.causal", {"pad": dilation[0] * (ks[0] - 1)}))
        return Derived(
            output=self._out(shape, first, cout, out_spatial),
            trainable=term,
            explanation=explanation,
            macs=None if positions is None else positions * math.prod(ks) * per_group * cout,
            notes=tuple(notes),
            weights=(Weight("kernel", (*ks, per_group, cout)),) + ((Weight("bias", (cout,)),) if bias else ()),
        )


@register
class KerasConv1D(_KerasConv):
    name = "Conv1D"
    aliases = ("Convolution1D",)
    rank = 1
    paddings = ("valid", "same", "causal")  # causal exists for Conv1D only (base_conv.py allow_causal=rank == 1)


@register
class KerasConv2D(_KerasConv):
    name = "Conv2D"
    aliases = ("Convolution2D",)
    rank = 2


@register
class KerasConv3D(_KerasConv):
    name = "Conv3D"
    aliases = ("Convolution3D",)
    rank = 3


class _KerasConvTranspose(_KerasWindowed):
    positional = ("filters", "kernel_size", "strides", "padding", "output_padding", "data_format", "dilation_rate",
                  "activation", "use_bias")
    defaults = _KERAS_TRANSPOSE_DEFAULTS
    solvable = _KERAS_CONV_SOLVABLE

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape, first, cin, spatial = self._input(cfg, inputs)
        cout = cfg.int("filters")
        ks, strides, dilation, padding = self._window_args(cfg)
        bias = cfg.bool("use_bias")
        # Keras 3 transposed convolutions take no groups (tf.keras 2 configs still list groups=1).
        groups = cfg.int("groups")
        if groups != 1:
            raise ConfigError("error.keras_transpose_groups", layer=self.name, groups=groups)
        self._reject_strided_dilation(strides, dilation)
        output_padding: tuple[int, ...] | None = None
        if cfg.get("output_padding") is not None:
            output_padding = cfg.ints("output_padding", self.rank, lo=0)
            # base_conv_transpose.py __init__: "`output_padding` must be strictly less than `strides`".
            if any(op >= s for op, s in zip(output_padding, strides, strict=True)):
                raise ConfigError("error.output_padding_keras", layer=self.name, output_padding=output_padding,
                                  strides=strides)
        out_spatial = [
            keras_transpose_len(self.name, n, k, s, d, padding, None if output_padding is None else output_padding[i])
            for i, (n, k, s, d) in enumerate(zip(spatial, ks, strides, dilation, strict=True))
        ]
        term, explanation = _conv_counts(self.rank, ks, cin, 1, cout, bias)
        # MACs: every input position is multiplied by the whole kernel (anchors: thop/ptflops used the
        # output size and overcounted).
        positions = _positions(spatial)
        stored = (*ks, cout, cin)
        return Derived(
            output=self._out(shape, first, cout, out_spatial),
            trainable=term,
            explanation=explanation,
            macs=None if positions is None else positions * math.prod(ks) * cin * cout,
            notes=(
                Message("note.conv_transpose", {"filters": cout, "c_in": cin,
                                                "positions": "?" if positions is None else positions}),
                Message("note.conv_layout", {"keras": stored, "torch": (cin, cout, *ks)}),
            ),
            weights=(Weight("kernel", stored),) + ((Weight("bias", (cout,)),) if bias else ()),
        )


@register
class KerasConv1DTranspose(_KerasConvTranspose):
    name = "Conv1DTranspose"
    aliases = ("Convolution1DTranspose",)
    rank = 1


@register
class KerasConv2DTranspose(_KerasConvTranspose):
    name = "Conv2DTranspose"
    # Keras 2 (keras/layers/convolutional.py) also exported Deconvolution2D = Deconv2D = Conv2DTranspose.
    aliases = ("Convolution2DTranspose", "Deconvolution2D", "Deconv2D")
    rank = 2


@register
class KerasConv3DTranspose(_KerasConvTranspose):
    name = "Conv3DTranspose"
    aliases = ("Convolution3DTranspose", "Deconvolution3D", "Deconv3D")
    rank = 3
    positional = ("filters", "kernel_size", "strides", "padding", "data_format", "output_padding", "dilation_rate",
                  "activation", "use_bias")  # conv3d_transpose.py: data_format comes before output_padding


class _KerasDepthwise(_KerasWindowed):
    positional = ("kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate",
                  "activation", "use_bias")
    defaults = _KERAS_DEPTHWISE_DEFAULTS
    solvable = _KERAS_DEPTHWISE_SOLVABLE

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape, first, cin, spatial = self._input(cfg, inputs)
        m = cfg.int("depth_multiplier")
        ks, strides, dilation, padding = self._window_args(cfg)
        bias = cfg.bool("use_bias")
        out_spatial = [
            keras_conv_len(self.name, n, k, s, d, padding)
            for n, k, s, d in zip(spatial, ks, strides, dilation, strict=True)
        ]
        cout = cin * m
        term = DEPTHWISE[(self.rank, bias)].bind(**_kernel_values(ks), c_in=cin, depth_multiplier=m)
        key = "explain.depthwise" if bias else "explain.depthwise_no_bias"
        positions = _positions(out_spatial)
        return Derived(
            output=self._out(shape, first, cout, out_spatial),
            trainable=term,
            explanation=Message(key, {"c_in": cin, "m": m, "c_out": cout, "window": _window(ks)}),
            macs=None if positions is None else positions * math.prod(ks) * cout,
            notes=(Message("note.conv_layout", {"keras": (*ks, cin, m), "torch": (cout, 1, *ks)}),),
            weights=(Weight("kernel", (*ks, cin, m)),) + ((Weight("bias", (cout,)),) if bias else ()),
        )


@register
class KerasDepthwiseConv1D(_KerasDepthwise):
    name = "DepthwiseConv1D"
    rank = 1


@register
class KerasDepthwiseConv2D(_KerasDepthwise):
    name = "DepthwiseConv2D"
    rank = 2


class _KerasSeparable(_KerasWindowed):
    positional = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "depth_multiplier",
                  "activation", "use_bias")
    defaults = _KERAS_DEPTHWISE_DEFAULTS
    solvable = _KERAS_SEPARABLE_SOLVABLE

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape, first, cin, spatial = self._input(cfg, inputs)
        cout = cfg.int("filters")
        m = cfg.int("depth_multiplier")
        ks, strides, dilation, padding = self._window_args(cfg)
        bias = cfg.bool("use_bias")
        out_spatial = [
            keras_conv_len(self.name, n, k, s, d, padding)
            for n, k, s, d in zip(spatial, ks, strides, dilation, strict=True)
        ]
        mid = cin * m
        term = SEPARABLE[(self.rank, bias)].bind(**_kernel_values(ks), c_in=cin, depth_multiplier=m, filters=cout)
        key = "explain.separable" if bias else "explain.separable_no_bias"
        positions = _positions(out_spatial)
        return Derived(
            output=self._out(shape, first, cout, out_spatial),
            trainable=term,
            explanation=Message(key, {"c_in": cin, "m": m, "c_mid": mid, "filters": cout, "window": _window(ks)}),
            # depthwise part, then the 1×1 pointwise part, at every output position
            macs=None if positions is None else positions * (math.prod(ks) * mid + mid * cout),
            notes=(Message("note.separable_torch", {"c_in": cin, "c_mid": mid, "filters": cout}),),
            weights=(
                Weight("depthwise_kernel", (*ks, cin, m)),
                Weight("pointwise_kernel", (*(1,) * self.rank, mid, cout)),
            )
            + ((Weight("bias", (cout,)),) if bias else ()),
        )


@register
class KerasSeparableConv1D(_KerasSeparable):
    name = "SeparableConv1D"
    aliases = ("SeparableConvolution1D",)
    rank = 1


@register
class KerasSeparableConv2D(_KerasSeparable):
    name = "SeparableConv2D"
    aliases = ("SeparableConvolution2D",)
    rank = 2


# ---------------------------------------------------------------------------------------------
# PyTorch

_TORCH_MODES = ("zeros", "reflect", "replicate", "circular")
_TORCH_CONV_DEFAULTS: Mapping[str, Any] = {
    "stride": 1,
    "padding": 0,
    "dilation": 1,
    "groups": 1,
    "bias": True,
    "padding_mode": "zeros",
}
_TORCH_TRANSPOSE_DEFAULTS: Mapping[str, Any] = {**_TORCH_CONV_DEFAULTS, "output_padding": 0}
_TORCH_SOLVABLE: Mapping[str, Solvable] = {
    "in_channels": "params", "kernel_size": "params", "out_channels": "shape", "stride": "shape",
}
_TORCH_LAZY_SOLVABLE: Mapping[str, Solvable] = {"kernel_size": "params", "out_channels": "shape", "stride": "shape"}


class _TorchConvBase(LayerKind):
    rank: ClassVar[int]
    framework = Framework.TORCH
    family = "conv"
    transposed: ClassVar[bool] = False
    lazy: ClassVar[bool] = False
    solvable = _TORCH_SOLVABLE

    def _input(self, cfg: Config, inputs: tuple[Shape, ...]) -> tuple[Shape, bool, int, tuple[Dim, ...]]:
        """(shape, batched, in_channels, spatial axes).  PyTorch takes (N, C, *spatial) or, unbatched,
        (C, *spatial) (_ConvNd forward: "Expected 3D (unbatched) or 4D (batched) input")."""
        shape = single_input(self.name, inputs, min_rank=self.rank + 1, max_rank=self.rank + 2)
        batched = len(shape) == self.rank + 2
        _check_axes(self.name, shape, shape[1:] if batched else shape)
        channels = shape[1] if batched else shape[0]
        if self.lazy:
            # Lazy modules read in_channels off the first input (torch/nn/modules/conv.py _LazyConvXdMixin).
            cin = known(self.name, channels, "the input's channel axis")
        else:
            cin = cfg.int("in_channels")
            if channels is not None and channels != cin:
                raise ShapeError("error.conv_in_channels", layer=self.name, expected=cin, got=channels,
                                 shape=str(shape))
        return shape, batched, cin, shape[-self.rank:]

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape, batched, cin, spatial = self._input(cfg, inputs)
        cout = cfg.int("out_channels")
        ks = cfg.ints("kernel_size", self.rank)
        stride = cfg.ints("stride", self.rank)
        dilation = cfg.ints("dilation", self.rank)
        groups = cfg.int("groups")
        bias = cfg.bool("bias")
        mode = cfg.choice("padding_mode", _TORCH_MODES)
        _check_groups(self.name, cin, cout, groups, in_name="in_channels", out_name="out_channels", torch=True)
        notes: list[Message] = []
        if self.transposed:
            out_spatial = self._transpose_lengths(cfg, spatial, ks, stride, dilation, mode)
        else:
            out_spatial = self._conv_lengths(cfg, spatial, ks, stride, dilation, mode, notes)
        term, explanation = _conv_counts(self.rank, ks, cin, groups, cout, bias)
        if self.transposed:
            stored = (cin, cout // groups, *ks)
            positions = _positions(spatial)
            # Input positions × whole kernel × in × out/groups (the output size would overcount).
            macs = None if positions is None else positions * math.prod(ks) * cin * (cout // groups)
            notes.append(Message("note.conv_transpose", {"filters": cout, "c_in": cin,
                                                         "positions": "?" if positions is None else positions}))
            notes.append(Message("note.conv_layout", {"keras": (*ks, cout, cin), "torch": stored}))
        else:
            stored = (cout, cin // groups, *ks)
            positions = _positions(out_spatial)
            macs = None if positions is None else positions * math.prod(ks) * (cin // groups) * cout
            notes.append(Message("note.conv_layout", {"keras": (*ks, cin // groups, cout), "torch": stored}))
            if groups == cin and groups > 1:
                notes.append(Message("note.torch_depthwise", {"c_in": cin, "m": cout // cin, "c_out": cout}))
        output = (shape[0], cout, *out_spatial) if batched else (cout, *out_spatial)
        return Derived(
            output=output,
            trainable=term,
            explanation=explanation,
            macs=macs,
            notes=tuple(notes),
            weights=(Weight("weight", stored),) + ((Weight("bias", (cout,)),) if bias else ()),
        )

    def _conv_lengths(
        self,
        cfg: Config,
        spatial: Sequence[Dim],
        ks: tuple[int, ...],
        stride: tuple[int, ...],
        dilation: tuple[int, ...],
        mode: str,
        notes: list[Message],
    ) -> list[Dim]:
        value = cfg.get("padding")
        if isinstance(value, str):
            padding = cfg.choice("padding", ("valid", "same"))
            if padding == "same":
                # _ConvNd.__init__: "padding='same' is not supported for strided convolutions".  It pads
                # dilation·(k − 1) in total, the smaller half first (so an even kernel pads unevenly), and the
                # length stays n.
                if any(s != 1 for s in stride):
                    raise ConfigError("error.torch_same_stride", layer=self.name, stride=stride)
                pads = []
                for k, d in zip(ks, dilation, strict=True):
                    total = d * (k - 1)
                    pads.append((total // 2, total - total // 2))
                uneven = [p for p in pads if p[0] != p[1]]
                if uneven:
                    notes.append(Message("note.torch_same_uneven",
                                         {"window": _window(ks), "left": uneven[0][0], "right": uneven[0][1]}))
                self._check_mode(mode, spatial, pads)
                return list(spatial)
            pad = (0,) * self.rank
        else:
            pad = cfg.ints("padding", self.rank, lo=0)
        self._check_mode(mode, spatial, [(p, p) for p in pad])
        return [
            torch_conv_len(self.name, n, k, s, p, d)
            for n, k, s, p, d in zip(spatial, ks, stride, pad, dilation, strict=True)
        ]

    def _check_mode(self, mode: str, spatial: Sequence[Dim], pads: Sequence[tuple[int, int]]) -> None:
        """reflect padding must be smaller than the axis, circular at most the axis (F.pad: "Padding size should
        be less than the corresponding input dimension", "Padding value causes wrapping around more than once")."""
        if mode not in ("reflect", "circular"):
            return
        for n, (left, right) in zip(spatial, pads, strict=True):
            pad = max(left, right)
            if n is None:
                continue
            if (mode == "reflect" and pad >= n) or (mode == "circular" and pad > n):
                raise ShapeError(f"error.padding_{mode}", layer=self.name, pad=pad, n=n)

    def _transpose_lengths(
        self,
        cfg: Config,
        spatial: Sequence[Dim],
        ks: tuple[int, ...],
        stride: tuple[int, ...],
        dilation: tuple[int, ...],
        mode: str,
    ) -> list[Dim]:
        value = cfg.get("padding")
        # _ConvTransposeNd: padding_mode must be 'zeros'; a string padding is not understood.
        if isinstance(value, str) or mode != "zeros":
            raise ConfigError("error.torch_transpose_padding", layer=self.name, padding=repr(value), mode=repr(mode))
        pad = cfg.ints("padding", self.rank, lo=0)
        output_padding = cfg.ints("output_padding", self.rank, lo=0)
        # ATen: "output padding must be smaller than either stride or dilation".
        if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation, strict=True)):
            raise ConfigError("error.output_padding_torch", layer=self.name, output_padding=output_padding,
                              stride=stride, dilation=dilation)
        return [
            torch_transpose_len(self.name, n, k, s, p, d, op)
            for n, k, s, p, d, op in zip(spatial, ks, stride, pad, dilation, output_padding, strict=True)
        ]


_CONV_POSITIONAL: tuple[str, ...] = (
    "in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias", "padding_mode",
)
_TRANSPOSE_POSITIONAL: tuple[str, ...] = (
    "in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups", "bias", "dilation",
    "padding_mode",
)


class _TorchConv(_TorchConvBase):
    positional = _CONV_POSITIONAL
    defaults = _TORCH_CONV_DEFAULTS


class _TorchConvTranspose(_TorchConvBase):
    transposed = True
    positional = _TRANSPOSE_POSITIONAL
    defaults = _TORCH_TRANSPOSE_DEFAULTS


@register
class TorchConv1d(_TorchConv):
    name = "Conv1d"
    rank = 1


@register
class TorchConv2d(_TorchConv):
    name = "Conv2d"
    rank = 2


@register
class TorchConv3d(_TorchConv):
    name = "Conv3d"
    rank = 3


@register
class TorchConvTranspose1d(_TorchConvTranspose):
    name = "ConvTranspose1d"
    rank = 1


@register
class TorchConvTranspose2d(_TorchConvTranspose):
    name = "ConvTranspose2d"
    rank = 2


@register
class TorchConvTranspose3d(_TorchConvTranspose):
    name = "ConvTranspose3d"
    rank = 3


# Lazy modules: in_channels comes from the first input, so it drops out of the positional list.
class _TorchLazy(_TorchConv):
    lazy = True
    positional = _CONV_POSITIONAL[1:]
    solvable = _TORCH_LAZY_SOLVABLE


class _TorchLazyTranspose(_TorchConvTranspose):
    lazy = True
    positional = _TRANSPOSE_POSITIONAL[1:]
    solvable = _TORCH_LAZY_SOLVABLE


@register
class TorchLazyConv1d(_TorchLazy):
    name = "LazyConv1d"
    rank = 1


@register
class TorchLazyConv2d(_TorchLazy):
    name = "LazyConv2d"
    rank = 2


@register
class TorchLazyConv3d(_TorchLazy):
    name = "LazyConv3d"
    rank = 3


@register
class TorchLazyConvTranspose1d(_TorchLazyTranspose):
    name = "LazyConvTranspose1d"
    rank = 1


@register
class TorchLazyConvTranspose2d(_TorchLazyTranspose):
    name = "LazyConvTranspose2d"
    rank = 2


@register
class TorchLazyConvTranspose3d(_TorchLazyTranspose):
    name = "LazyConvTranspose3d"
    rank = 3
