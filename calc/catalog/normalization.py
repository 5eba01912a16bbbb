"""Normalization layers (Keras and PyTorch), the Keras preprocessing Normalization and Rescaling.

The frameworks agree on what is learned (a scale γ and an offset β per normalized position) and
disagree on what they call a parameter: Keras counts BatchNormalization's moving mean and variance
as non-trainable parameters (4·C in Total), PyTorch keeps its running statistics as buffers, outside
``parameters()`` (2·C).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from sympy import Expr, Symbol

from calc.catalog.base import Config, Derived, LayerKind, Solvable, Weight, known, register, single_input
from calc.errors import ConfigError, ShapeError
from calc.formula import Formula, Term, add, lit, mul, sym
from calc.i18n import Message
from calc.i18n import register as register_text
from calc.types import Framework, Shape

MAX_AXES = 8
"""Most axes a normalized shape may span (LayerNorm's normalized_shape, Keras axis lists)."""

channels = sym("channels")
features = sym("features")
_DIMS = tuple(sym(f"d_{i}") for i in range(1, MAX_AXES + 1))


def _axes_symbols(k: int) -> tuple[Symbol, ...]:
    """``features`` for a weight over one axis, ``d_1 … d_k`` over several."""
    return (features,) if k == 1 else _DIMS[:k]


def _times(m: int, symbols: Sequence[Symbol]) -> Formula:
    """``m·s_1·…·s_k`` (``m`` left out when it is 1): m weights per normalized position."""
    factors: list[Expr] = ([lit(m)] if m != 1 or not symbols else []) + list(symbols)
    return Formula.of(mul(*factors))


# m tensors of C values each: γ and β (m = 2), one of them (m = 1), Keras BN's moving mean and variance
# (m = 2), or those plus renorm's moving stddev, renorm mean and renorm stddev (m = 5)
# (Keras layers/normalization/batch_normalization.py build).
PER_CHANNEL = {m: _times(m, (channels,)) for m in (1, 2, 5)}
PER_AXES = {(m, k): _times(m, _axes_symbols(k)) for m in (1, 2, 5) for k in range(1, MAX_AXES + 1)}
# Keras preprocessing Normalization: mean and variance over the kept axes plus a scalar sample count
# (layers/preprocessing/normalization.py build): 3 features → 2·3 + 1 = 7.
STATS = {k: Formula.of(add(mul(lit(2), *_axes_symbols(k)), lit(1))) for k in range(MAX_AXES + 1)}
# PyTorch _NormBase buffers: running_mean (C), running_var (C), num_batches_tracked (a 0-d tensor, 1 value).
TORCH_BUFFERS = Formula.of(add(mul(lit(2), channels), lit(1)))


def _bind(formula: Formula, values: Sequence[int]) -> Term:
    """Bind values to the formula's symbols in the order they appear (γ's axes, left to right)."""
    return formula.bind(**dict(zip(formula.names, values, strict=True)))


register_text(
    {
        "explain.norm": {"en": "{learned}; {stats}.", "zh": "{learned}；{stats}。"},
        "norm.per_channels": {"en": "each of the {n} channels", "zh": "{n} 个通道中的每一个"},
        "norm.per_positions": {
            "en": "each of the {n} normalized positions {shape}",
            "zh": "{n} 个归一化位置 {shape} 中的每一个",
        },
        "norm.learn_both": {
            "en": "a learned scale γ and offset β for {per} = {count} trainable parameters",
            "zh": "为 {per}学习一个缩放 γ 和一个偏移 β，共 {count} 个可训练参数",
        },
        "norm.learn_scale": {
            "en": "a learned scale γ (no offset β, {flag}) for {per} = {count} trainable parameters",
            "zh": "为 {per}学习一个缩放 γ（没有偏移 β，{flag}），共 {count} 个可训练参数",
        },
        "norm.learn_offset": {
            "en": "a learned offset β (no scale γ, {flag}) for {per} = {count} trainable parameters",
            "zh": "为 {per}学习一个偏移 β（没有缩放 γ，{flag}），共 {count} 个可训练参数",
        },
        "norm.learn_scale_only": {
            "en": "a learned scale γ for {per} = {count} trainable parameters",
            "zh": "为 {per}学习一个缩放 γ，共 {count} 个可训练参数",
        },
        "norm.learn_none": {
            "en": "no learned scale or offset ({flag}), so 0 trainable parameters",
            "zh": "没有可学习的缩放或偏移（{flag}），因此可训练参数为 0",
        },
        "norm.stats_keras": {
            "en": (
                "the moving mean and moving variance, {n} each = {count} non-trainable parameters: running "
                "statistics for inference, updated by averaging rather than by gradients"
            ),
            "zh": (
                "滑动均值和滑动方差各 {n} 个，共 {count} 个不可训练参数：供推理使用的统计量，靠滑动平均更新而不是梯度"
            ),
        },
        "norm.stats_keras_renorm": {
            "en": (
                "the moving mean, moving variance, moving stddev, renorm mean and renorm stddev, {n} each = "
                "{count} non-trainable parameters, updated by averaging rather than by gradients"
            ),
            "zh": (
                "滑动均值、滑动方差、滑动标准差、renorm 均值和 renorm 标准差各 {n} 个，共 {count} 个不可训练参数，"
                "靠滑动平均更新而不是梯度"
            ),
        },
        "norm.stats_torch": {
            "en": (
                "running_mean and running_var ({n} each) plus num_batches_tracked (1) = {count} buffer values, "
                "which PyTorch does not count as parameters"
            ),
            "zh": (
                "running_mean 和 running_var（各 {n} 个）加上 num_batches_tracked（1 个），共 {count} 个缓冲区数值，"
                "PyTorch 不把它们算作参数"
            ),
        },
        "norm.stats_untracked": {
            "en": "track_running_stats=False, so no running statistics are stored",
            "zh": "track_running_stats=False，因此不保存运行统计量",
        },
        "norm.stats_runtime": {
            "en": "the mean and variance are computed from each example at run time, so nothing else is stored",
            "zh": "均值和方差在运行时按每个样本计算，因此不保存其他数值",
        },
        "norm.stats_groups": {
            "en": (
                "the mean and variance are computed per example over {groups} groups of {size} channels at run "
                "time; the number of groups does not change the count"
            ),
            "zh": "均值和方差在运行时按每个样本、在 {groups} 组（每组 {size} 个通道）内计算；分组数不影响参数数量",
        },
        "norm.stats_instance": {
            "en": "the mean and variance are computed per example and channel at run time",
            "zh": "均值和方差在运行时按每个样本、每个通道计算",
        },
        "norm.stats_rms": {
            "en": "the root mean square is computed from each example at run time, and there is no offset β",
            "zh": "均方根在运行时按每个样本计算，且没有偏移 β",
        },
        "explain.norm_preprocessing": {
            "en": (
                "the mean and variance of the data for {per} (set by adapt(), not by gradients) plus one sample "
                "count = {count} non-trainable parameters."
            ),
            "zh": (
                "{per}各有一个数据均值和方差（由 adapt() 设定，不靠梯度），再加一个样本计数，共 {count} "
                "个不可训练参数。"
            ),
        },
        "explain.norm_preprocessing_scalar": {
            "en": (
                "axis=None: one mean and one variance for the whole input (set by adapt(), not by gradients) plus "
                "one sample count = 3 non-trainable parameters."
            ),
            "zh": (
                "axis=None：整个输入只有一个均值和一个方差（由 adapt() 设定，不靠梯度），再加一个样本计数，共 3 "
                "个不可训练参数。"
            ),
        },
        "explain.norm_preprocessing_given": {
            "en": "mean and variance were given as constants, so the layer stores no weights: 0 parameters.",
            "zh": "均值和方差以常数给出，因此该层不保存任何权重：参数为 0。",
        },
        "explain.norm_rescaling": {
            "en": (
                "{layer} computes {op}; the numbers are fixed by you, not learned: 0 parameters, same shape."
            ),
            "zh": "{layer} 计算 {op}；其中的数由你给定，不是学习得到的：参数为 0，形状不变。",
        },
        "explain.norm_unit": {
            "en": (
                "{layer} divides each vector along axis {axis} by its L2 norm: nothing is learned, 0 parameters, same "
                "shape."
            ),
            "zh": "{layer} 把沿轴 {axis} 的每个向量除以其 L2 范数：没有需要学习的权重，参数为 0，形状不变。",
        },
        "explain.norm_lrn": {
            "en": (
                "{layer} divides each value by a power of the sum of squares over {size} neighbouring channels, "
                "with fixed constants α, β and k: nothing is learned, 0 parameters, same shape."
            ),
            "zh": (
                "{layer} 用相邻 {size} 个通道的平方和的幂去除每个值，常数 α、β、k 固定：没有需要学习的权重，参数为 0，"
                "形状不变。"
            ),
        },
        "note.norm_macs": {
            "en": (
                "Normalization is element-wise arithmetic plus reductions for the statistics, not multiply-accumulates "
                "with weights, so MACs are counted as 0 (FLOP counters often count one or two operations per element)."
            ),
            "zh": (
                "归一化是逐元素运算加上统计量的归约，不是与权重的乘加运算，因此 MACs 记为 0（FLOP "
                "统计工具常按每个元素计一到两次运算）。"
            ),
        },
        "note.norm_bn_keras": {
            "en": (
                "Framework difference: Keras counts the moving mean and variance as non-trainable parameters, so a "
                "BatchNormalization layer shows 4·C in Total (2·C trainable + 2·C non-trainable); PyTorch keeps them "
                "as buffers, and its parameters() gives 2·C."
            ),
            "zh": (
                "框架差异：Keras 把滑动均值和方差算作不可训练参数，因此 BatchNormalization 层的 Total 为 4·C"
                "（2·C 可训练 + 2·C 不可训练）；PyTorch 把它们作为缓冲区，parameters() 只有 2·C。"
            ),
        },
        "note.norm_bn_torch": {
            "en": (
                "Framework difference: running_mean, running_var and num_batches_tracked are buffers, not "
                "parameters: they are saved in state_dict() but not counted by parameters() or torchinfo's Param #; "
                "Keras counts its moving statistics as non-trainable parameters (4·C in Total)."
            ),
            "zh": (
                "框架差异：running_mean、running_var 和 num_batches_tracked 是缓冲区而不是参数：它们保存在 state_dict() 中，"
                "但不计入 parameters() 或 torchinfo 的 Param #；Keras 则把滑动统计量算作不可训练参数（Total 为 4·C）。"
            ),
        },
        "note.norm_instance_defaults": {
            "en": (
                "InstanceNorm defaults to affine=False and track_running_stats=False (BatchNorm defaults to True "
                "for both), so a default InstanceNorm has no parameters and no buffers."
            ),
            "zh": (
                "InstanceNorm 默认 affine=False、track_running_stats=False（BatchNorm 两者默认都是 True），因此默认的 "
                "InstanceNorm 没有参数也没有缓冲区。"
            ),
        },
        "error.norm_axis": {
            "en": "{layer}: axis {axis} does not exist in an input of shape {shape}.",
            "zh": "{layer}：形状为 {shape} 的输入没有轴 {axis}。",
        },
        "error.norm_axis_repeated": {
            "en": "{layer}: axis={axis} names the same axis twice for an input of shape {shape}.",
            "zh": "{layer}：对形状为 {shape} 的输入，axis={axis} 重复指定了同一个轴。",
        },
        "error.norm_too_many_axes": {
            "en": "{layer}: {what} spans {n} axes; at most {max} are supported.",
            "zh": "{layer}：{what} 跨越 {n} 个轴；最多支持 {max} 个。",
        },
        "error.norm_features": {
            "en": "{layer} was built for {expected} {what}, but the input has {got} (shape {shape}).",
            "zh": "{layer} 是按 {expected} 个{what}构建的，但输入有 {got} 个（形状 {shape}）。",
        },
        "error.norm_trailing": {
            "en": (
                "{layer}: normalized_shape {expected} must equal the last axes of the input, but the input has "
                "shape {shape}."
            ),
            "zh": "{layer}：normalized_shape {expected} 必须等于输入的最后几个轴，但输入形状为 {shape}。",
        },
        "error.norm_groups": {
            "en": (
                "{layer}: groups={groups} is not valid; expected a positive whole number, or -1 for one group per "
                "channel."
            ),
            "zh": "{layer}：groups={groups} 无效；应为正整数，或 -1 表示每个通道一组。",
        },
    }
)

_MACS_NOTE = Message("note.norm_macs")


def _axis_list(layer: str, axis: Any, shape: Shape) -> tuple[list[int], list[int]]:
    """Keras ``axis`` (an int or a list of ints; tf.keras writes a list) → (as given, as non-negative indices).

    Every axis must exist; naming one axis twice (``[-1, 3]`` on rank 4) is refused rather than
    building a square weight, which is what the framework would silently do.
    """
    raw = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    rank = len(shape)
    out: list[int] = []
    for a in raw:
        if isinstance(a, bool) or not isinstance(a, int) or not -rank <= a < rank:
            raise ShapeError("error.norm_axis", layer=layer, axis=repr(axis), shape=str(shape))
        out.append(a % rank)
    if len(set(out)) != len(out):
        raise ConfigError("error.norm_axis_repeated", layer=layer, axis=repr(axis), shape=str(shape))
    if len(out) > MAX_AXES:
        raise ConfigError("error.norm_too_many_axes", layer=layer, what="axis", n=len(out), max=MAX_AXES)
    return raw, out


def _learned(scale: bool, offset: bool, per: Message, count: int, flags: tuple[str, str, str]) -> Message:
    """The clause naming what is learned: γ and β, one of them, or neither.

    ``flags`` spells how the configuration turned off β, γ, and both, e.g.
    ``("center=False", "scale=False", "center=False, scale=False")``; an empty flag means that part
    does not exist in this kind (RMS normalization has no β).
    """
    if scale and offset:
        return Message("norm.learn_both", {"per": per, "count": count})
    if scale:
        if not flags[0]:
            return Message("norm.learn_scale_only", {"per": per, "count": count})
        return Message("norm.learn_scale", {"per": per, "count": count, "flag": flags[0]})
    if offset:
        return Message("norm.learn_offset", {"per": per, "count": count, "flag": flags[1]})
    return Message("norm.learn_none", {"flag": flags[2]})


_KERAS_FLAGS = ("center=False", "scale=False", "center=False, scale=False")
_TORCH_FLAGS = ("bias=False", "", "affine=False")


def _affine_weights(names: tuple[str, str], scale: bool, offset: bool, shape: tuple[int, ...]) -> tuple[Weight, ...]:
    return tuple(Weight(n, shape) for n, on in zip(names, (scale, offset), strict=True) if on)


# ---------------------------------------------------------------------------------------------
# Keras


@register
class KerasBatchNormalization(LayerKind):
    name = "BatchNormalization"
    framework = Framework.KERAS
    family = "normalization"
    positional = ("axis", "momentum", "epsilon", "center", "scale")
    defaults: ClassVar[Mapping[str, Any]] = {"axis": -1, "center": True, "scale": True, "renorm": False}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=2)
        _, axes = _axis_list(self.name, cfg.get("axis"), shape)
        sizes = [known(self.name, shape[a], f"the size of axis {a}") for a in axes]
        scale, center = cfg.bool("scale"), cfg.bool("center")
        # γ (scale) and β (center) are trainable; moving_mean and moving_variance are not, and renorm adds
        # moving_stddev, renorm_mean and renorm_stddev (all shaped like γ).
        stat_names: tuple[str, ...] = ("moving_mean", "moving_variance")
        if cfg.bool("renorm"):
            stat_names += ("moving_stddev", "renorm_mean", "renorm_stddev")
        m_learned, m_stats = int(scale) + int(center), len(stat_names)
        if len(axes) == 1:
            c = sizes[0]
            w_shape: tuple[int, ...] = (c,)
            trainable = PER_CHANNEL[m_learned].bind(channels=c) if m_learned else None
            non_trainable = PER_CHANNEL[m_stats].bind(channels=c)
            per = Message("norm.per_channels", {"n": c})
        else:
            # tf.keras 2 accepts several axes: γ spans all of them, broadcast over the others.
            c = math.prod(sizes)
            w_shape = tuple(sizes[axes.index(i)] if i in axes else 1 for i in range(len(shape)))
            trainable = _bind(PER_AXES[(m_learned, len(sizes))], sizes) if m_learned else None
            non_trainable = _bind(PER_AXES[(m_stats, len(sizes))], sizes)
            per = Message("norm.per_positions", {"n": c, "shape": str(tuple(sizes))})
        stats_key = "norm.stats_keras_renorm" if cfg.bool("renorm") else "norm.stats_keras"
        learned = _learned(scale, center, per, c * m_learned, _KERAS_FLAGS)
        return Derived(
            output=shape,
            trainable=trainable,
            non_trainable=non_trainable,
            explanation=Message(
                "explain.norm",
                {"learned": learned, "stats": Message(stats_key, {"n": c, "count": c * m_stats})},
            ),
            macs=0,
            notes=(Message("note.norm_bn_keras"), _MACS_NOTE),
            weights=_affine_weights(("gamma", "beta"), scale, center, w_shape)
            + tuple(Weight(n, w_shape, "non_trainable") for n in stat_names),
        )


def _keras_positions(
    layer: str, cfg: Config, shape: Shape
) -> tuple[tuple[int, ...], Message]:
    """γ's shape for a Keras layer normalizing over ``axis``: the sizes of those axes in sorted order
    (LayerNormalization / RMSNormalization build: ``sorted(self.axis)``), and how to name them."""
    raw, _ = _axis_list(layer, cfg.get("axis"), shape)
    sizes = tuple(known(layer, shape[a], f"the size of axis {a}") for a in sorted(raw))
    if len(sizes) == 1:
        return sizes, Message("norm.per_channels", {"n": sizes[0]})
    return sizes, Message("norm.per_positions", {"n": math.prod(sizes), "shape": str(sizes)})


@register
class KerasLayerNormalization(LayerKind):
    name = "LayerNormalization"
    framework = Framework.KERAS
    family = "normalization"
    positional = ("axis", "epsilon", "center", "scale")
    defaults: ClassVar[Mapping[str, Any]] = {"axis": -1, "center": True, "scale": True, "rms_scaling": False}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=2)
        sizes, per = _keras_positions(self.name, cfg, shape)
        # layers/normalization/layer_normalization.py build: gamma if scale (or the deprecated rms_scaling),
        # beta if center and not rms_scaling; both shaped like the normalized axes.
        rms = cfg.bool("rms_scaling")
        scale, center = cfg.bool("scale") or rms, cfg.bool("center") and not rms
        m = int(scale) + int(center)
        trainable = _bind(PER_AXES[(m, len(sizes))], sizes) if m else None
        flags = ("rms_scaling=True", "", "scale=False") if rms else _KERAS_FLAGS
        learned = _learned(scale, center, per, math.prod(sizes) * m, flags)
        return Derived(
            output=shape,
            trainable=trainable,
            explanation=Message("explain.norm", {"learned": learned, "stats": Message("norm.stats_runtime")}),
            macs=0,
            notes=(_MACS_NOTE,),
            weights=_affine_weights(("gamma", "beta"), scale, center, sizes),
        )


@register
class KerasRMSNormalization(LayerKind):
    name = "RMSNormalization"
    framework = Framework.KERAS
    family = "normalization"
    positional = ("axis", "epsilon")
    defaults: ClassVar[Mapping[str, Any]] = {"axis": -1}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=2)
        sizes, per = _keras_positions(self.name, cfg, shape)
        # layers/normalization/rms_normalization.py build: one "scale" weight over the normalized axes.
        learned = _learned(True, False, per, math.prod(sizes), ("", "", ""))
        return Derived(
            output=shape,
            trainable=_bind(PER_AXES[(1, len(sizes))], sizes),
            explanation=Message("explain.norm", {"learned": learned, "stats": Message("norm.stats_rms")}),
            macs=0,
            notes=(_MACS_NOTE,),
            weights=(Weight("scale", sizes),),
        )


@register
class KerasGroupNormalization(LayerKind):
    name = "GroupNormalization"
    framework = Framework.KERAS
    family = "normalization"
    positional = ("groups", "axis", "epsilon", "center", "scale")
    defaults: ClassVar[Mapping[str, Any]] = {"groups": 32, "axis": -1, "center": True, "scale": True}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=2)
        groups = cfg.get("groups")
        if isinstance(groups, bool) or not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ConfigError("error.norm_groups", layer=self.name, groups=repr(groups))
        _, axes = _axis_list(self.name, cfg.get("axis"), shape)
        if len(axes) != 1:  # one channel axis (group_normalization.py reads input_shape[self.axis])
            raise ConfigError("error.config", layer=self.name, name="axis", value=repr(cfg.get("axis")),
                              expected="one axis")
        axis = axes[0]
        c = known(self.name, shape[axis], f"the size of axis {axis}")
        # layers/normalization/group_normalization.py build: groups=-1 means one group per channel; the
        # channels must split evenly into the groups.  γ and β are (C,): the count ignores the groups.
        groups = c if groups == -1 else groups
        if c % groups:
            raise ShapeError("error.divisible", layer=self.name, what="channels", value=c, by_name="groups", by=groups)
        scale, center = cfg.bool("scale"), cfg.bool("center")
        m = int(scale) + int(center)
        per = Message("norm.per_channels", {"n": c})
        learned = _learned(scale, center, per, c * m, _KERAS_FLAGS)
        stats = Message("norm.stats_groups", {"groups": groups, "size": c // groups})
        return Derived(
            output=shape,
            trainable=PER_CHANNEL[m].bind(channels=c) if m else None,
            explanation=Message("explain.norm", {"learned": learned, "stats": stats}),
            macs=0,
            notes=(_MACS_NOTE,),
            weights=_affine_weights(("gamma", "beta"), scale, center, (c,)),
        )


@register
class KerasUnitNormalization(LayerKind):
    name = "UnitNormalization"
    framework = Framework.KERAS
    family = "normalization"
    positional = ("axis",)
    defaults: ClassVar[Mapping[str, Any]] = {"axis": -1}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=2)
        _axis_list(self.name, cfg.get("axis"), shape)
        return Derived(
            output=shape,
            trainable=None,
            explanation=Message("explain.norm_unit", {"layer": self.name, "axis": cfg.get("axis")}),
            macs=0,
            notes=(_MACS_NOTE,),
        )


@register
class KerasNormalization(LayerKind):
    """The preprocessing layer: fixed per-feature standardization with statistics from ``adapt()``."""

    name = "Normalization"
    framework = Framework.KERAS
    family = "normalization"
    positional = ("axis", "mean", "variance", "invert")
    defaults: ClassVar[Mapping[str, Any]] = {"axis": -1, "mean": None, "variance": None}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=1)
        if cfg.given("axis") and not cfg.has("axis"):
            axis = cfg.used["axis"] = None  # axis=None: one mean and variance over everything
        else:
            axis = cfg.get("axis")
        keep: list[int] = []
        if axis is not None and axis != []:
            _, keep = _axis_list(self.name, axis, shape)
        keep.sort()
        # The kept axes must be known (the statistics are shaped by them); axis 0, the batch, never is.
        sizes = tuple(known(self.name, shape[a], f"the size of axis {a}") for a in keep)
        if cfg.get("mean") is not None or cfg.get("variance") is not None:
            # Mean and variance given as constants: build() stores them as plain tensors, no weights.
            return Derived(
                output=shape,
                trainable=None,
                explanation=Message("explain.norm_preprocessing_given"),
                macs=0,
                notes=(_MACS_NOTE,),
            )
        term = _bind(STATS[len(sizes)], sizes)
        if sizes:
            per = (
                Message("norm.per_channels", {"n": sizes[0]})
                if len(sizes) == 1
                else Message("norm.per_positions", {"n": math.prod(sizes), "shape": str(sizes)})
            )
            explanation = Message("explain.norm_preprocessing", {"per": per, "count": term.value})
        else:
            explanation = Message("explain.norm_preprocessing_scalar")
        return Derived(
            output=shape,
            trainable=None,
            non_trainable=term,
            explanation=explanation,
            macs=0,
            notes=(_MACS_NOTE,),
            weights=(
                Weight("mean", sizes, "non_trainable"),
                Weight("variance", sizes, "non_trainable"),
                Weight("count", (), "non_trainable"),
            ),
        )


def _number(value: Any) -> str:
    """A user's constant for display: 0.5 stays, 0.00392156862745098 → ``1/255``, 1/127.5 → ``1/127.5``."""
    if isinstance(value, float) and value and len(repr(value)) > 8:
        inverse = 1 / value
        if abs(inverse * 10 - round(inverse * 10)) < 1e-6 * abs(inverse * 10):
            return f"1/{round(inverse, 1):g}"
        return f"{value:.6g}"
    return str(value)


def _rescale_text(scale: Any, offset: Any) -> str:
    """``x·1/255``, ``x·1/127.5 − 1``: the layer's arithmetic with the user's constants."""
    text = f"x·{_number(scale)}"
    if isinstance(offset, (int, float)) and not isinstance(offset, bool):
        if offset < 0:
            return f"{text} − {_number(-offset)}"
        return f"{text} + {_number(offset)}" if offset else text
    return f"{text} + {offset}"


@register
class KerasRescaling(LayerKind):
    name = "Rescaling"
    framework = Framework.KERAS
    family = "normalization"
    positional = ("scale", "offset")
    defaults: ClassVar[Mapping[str, Any]] = {"offset": 0.0}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=1)
        args = {"layer": self.name, "op": _rescale_text(cfg.get("scale", "scale"), cfg.get("offset"))}
        return Derived(
            output=shape,
            trainable=None,
            explanation=Message("explain.norm_rescaling", args),
            macs=0,
            notes=(_MACS_NOTE,),
        )


# ---------------------------------------------------------------------------------------------
# PyTorch (torch/nn/modules/batchnorm.py, instancenorm.py, normalization.py)


class _TorchNormBase(LayerKind):
    """PyTorch ``_NormBase``: BatchNorm and InstanceNorm.

    With ``affine``: weight (γ) and, unless ``bias=False``, bias (β), both (C,).  With
    ``track_running_stats``: buffers running_mean (C), running_var (C) and num_batches_tracked (a 0-d
    tensor), which are not parameters.
    """

    framework = Framework.TORCH
    family = "normalization"
    positional: ClassVar[tuple[str, ...]] = ("num_features", "eps", "momentum", "affine", "track_running_stats")
    defaults: ClassVar[Mapping[str, Any]] = {"affine": True, "track_running_stats": True, "bias": True}
    solvable: ClassVar[Mapping[str, Solvable]] = {"num_features": "params"}
    ranks: ClassVar[tuple[int, int]] = (2, 5)
    lazy: ClassVar[bool] = False
    instance: ClassVar[bool] = False

    def channel_axis(self, shape: Shape) -> int:
        return 1

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=self.ranks[0], max_rank=self.ranks[1])
        axis = self.channel_axis(shape)
        if self.lazy:  # LazyBatchNorm / LazyInstanceNorm read num_features from the first input
            c = known(self.name, shape[axis], "the input's channel axis")
        else:
            c = cfg.int("num_features")
        affine, track = cfg.bool("affine"), cfg.bool("track_running_stats")
        bias = affine and cfg.bool("bias")
        got = shape[axis]
        # The channel axis must match num_features where a weight or a running statistic is shaped by it
        # (BatchNorm raises on the running_mean size; InstanceNorm raises when affine, else only warns).
        if got is not None and got != c and (affine or (track and not self.instance)):
            raise ShapeError("error.norm_features", layer=self.name, expected=c, what="channels", got=got,
                             shape=str(shape))
        m = int(affine) + int(bias)
        per = Message("norm.per_channels", {"n": c})
        learned = _learned(affine, bias, per, c * m, _TORCH_FLAGS)
        if track:
            buffers = TORCH_BUFFERS.bind(channels=c)
            stats = Message("norm.stats_torch", {"n": c, "count": buffers.value})
        else:
            buffers = None
            stats = Message("norm.stats_instance" if self.instance else "norm.stats_untracked")
        notes: tuple[Message, ...] = (_MACS_NOTE,)
        if track:
            notes = (Message("note.norm_bn_torch"), _MACS_NOTE)
        if self.instance and not affine and not track:
            notes = (Message("note.norm_instance_defaults"), *notes)
        weights = _affine_weights(("weight", "bias"), affine, bias, (c,))
        if track:
            weights += (
                Weight("running_mean", (c,), "buffer"),
                Weight("running_var", (c,), "buffer"),
                Weight("num_batches_tracked", (), "buffer"),
            )
        return Derived(
            output=shape,
            trainable=PER_CHANNEL[m].bind(channels=c) if m else None,
            buffers=buffers,
            explanation=Message("explain.norm", {"learned": learned, "stats": stats}),
            macs=0,
            notes=notes,
            weights=weights,
        )


@register
class TorchBatchNorm1d(_TorchNormBase):
    name = "BatchNorm1d"
    ranks = (2, 3)  # (N, C) or (N, C, L)


@register
class TorchBatchNorm2d(_TorchNormBase):
    name = "BatchNorm2d"
    ranks = (4, 4)


@register
class TorchBatchNorm3d(_TorchNormBase):
    name = "BatchNorm3d"
    ranks = (5, 5)


@register
class TorchSyncBatchNorm(_TorchNormBase):
    name = "SyncBatchNorm"
    ranks = (2, MAX_AXES + 1)


@register
class TorchLazyBatchNorm1d(TorchBatchNorm1d):
    name = "LazyBatchNorm1d"
    positional = ("eps", "momentum", "affine", "track_running_stats")
    solvable: ClassVar[Mapping[str, Solvable]] = {}
    lazy = True


@register
class TorchLazyBatchNorm2d(TorchBatchNorm2d):
    name = "LazyBatchNorm2d"
    positional = ("eps", "momentum", "affine", "track_running_stats")
    solvable: ClassVar[Mapping[str, Solvable]] = {}
    lazy = True


@register
class TorchLazyBatchNorm3d(TorchBatchNorm3d):
    name = "LazyBatchNorm3d"
    positional = ("eps", "momentum", "affine", "track_running_stats")
    solvable: ClassVar[Mapping[str, Solvable]] = {}
    lazy = True


class _TorchInstanceNorm(_TorchNormBase):
    defaults: ClassVar[Mapping[str, Any]] = {"affine": False, "track_running_stats": False, "bias": True}
    instance = True

    def channel_axis(self, shape: Shape) -> int:
        # An input without the batch axis, (C, L) for InstanceNorm1d, has its channels first
        # (instancenorm.py _get_no_batch_dim).
        return 0 if len(shape) == self.ranks[0] else 1


@register
class TorchInstanceNorm1d(_TorchInstanceNorm):
    name = "InstanceNorm1d"
    ranks = (2, 3)


@register
class TorchInstanceNorm2d(_TorchInstanceNorm):
    name = "InstanceNorm2d"
    ranks = (3, 4)


@register
class TorchInstanceNorm3d(_TorchInstanceNorm):
    name = "InstanceNorm3d"
    ranks = (4, 5)


# The Lazy InstanceNorms inherit _LazyNormBase's defaults, affine=True and track_running_stats=True
# (torch/nn/modules/batchnorm.py), although their docstrings say False; what they build is what counts.
_LAZY_INSTANCE_DEFAULTS: Mapping[str, Any] = {"affine": True, "track_running_stats": True, "bias": True}


@register
class TorchLazyInstanceNorm1d(TorchInstanceNorm1d):
    name = "LazyInstanceNorm1d"
    positional = ("eps", "momentum", "affine", "track_running_stats")
    defaults = _LAZY_INSTANCE_DEFAULTS
    solvable: ClassVar[Mapping[str, Solvable]] = {}
    lazy = True


@register
class TorchLazyInstanceNorm2d(TorchInstanceNorm2d):
    name = "LazyInstanceNorm2d"
    positional = ("eps", "momentum", "affine", "track_running_stats")
    defaults = _LAZY_INSTANCE_DEFAULTS
    solvable: ClassVar[Mapping[str, Solvable]] = {}
    lazy = True


@register
class TorchLazyInstanceNorm3d(TorchInstanceNorm3d):
    name = "LazyInstanceNorm3d"
    positional = ("eps", "momentum", "affine", "track_running_stats")
    defaults = _LAZY_INSTANCE_DEFAULTS
    solvable: ClassVar[Mapping[str, Solvable]] = {}
    lazy = True


def _normalized_shape(layer: str, cfg: Config, shape: Shape) -> tuple[int, ...]:
    """LayerNorm / RMSNorm ``normalized_shape`` (an int or a sequence), checked against the input's last axes."""
    value = cfg.get("normalized_shape")
    if value is None:
        raise ConfigError("error.config_missing", layer=layer, name="normalized_shape")
    n = len(value) if isinstance(value, (list, tuple)) else 1
    if not 1 <= n <= MAX_AXES:
        raise ConfigError("error.norm_too_many_axes", layer=layer, what="normalized_shape", n=n, max=MAX_AXES)
    dims = cfg.ints("normalized_shape", n)
    tail = shape[len(shape) - n :] if len(shape) >= n else None
    if tail is None or any(d is not None and d != e for d, e in zip(tail, dims, strict=True)):
        # F.layer_norm: "Given normalized_shape=[...], expected input with shape [*, ...]".
        raise ShapeError("error.norm_trailing", layer=layer, expected=str(list(dims)), shape=str(shape))
    return dims


def _positions(dims: tuple[int, ...]) -> Message:
    if len(dims) == 1:
        return Message("norm.per_channels", {"n": dims[0]})
    return Message("norm.per_positions", {"n": math.prod(dims), "shape": str(dims)})


@register
class TorchLayerNorm(LayerKind):
    name = "LayerNorm"
    framework = Framework.TORCH
    family = "normalization"
    positional = ("normalized_shape", "eps", "elementwise_affine", "bias")
    defaults: ClassVar[Mapping[str, Any]] = {"elementwise_affine": True, "bias": True}
    solvable: ClassVar[Mapping[str, Solvable]] = {"normalized_shape": "params"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=1)
        dims = _normalized_shape(self.name, cfg, shape)
        # torch/nn/modules/normalization.py LayerNorm: weight and bias of shape normalized_shape when
        # elementwise_affine; bias=False (newer PyTorch) drops the bias.
        affine = cfg.bool("elementwise_affine")
        bias = affine and cfg.bool("bias")
        m = int(affine) + int(bias)
        flags = ("bias=False", "", "elementwise_affine=False")
        learned = _learned(affine, bias, _positions(dims), math.prod(dims) * m, flags)
        return Derived(
            output=shape,
            trainable=_bind(PER_AXES[(m, len(dims))], dims) if m else None,
            explanation=Message("explain.norm", {"learned": learned, "stats": Message("norm.stats_runtime")}),
            macs=0,
            notes=(_MACS_NOTE,),
            weights=_affine_weights(("weight", "bias"), affine, bias, dims),
        )


@register
class TorchRMSNorm(LayerKind):
    name = "RMSNorm"
    framework = Framework.TORCH
    family = "normalization"
    positional = ("normalized_shape", "eps", "elementwise_affine")
    defaults: ClassVar[Mapping[str, Any]] = {"elementwise_affine": True}
    solvable: ClassVar[Mapping[str, Solvable]] = {"normalized_shape": "params"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=1)
        dims = _normalized_shape(self.name, cfg, shape)
        affine = cfg.bool("elementwise_affine")  # RMSNorm: weight only, shaped normalized_shape
        learned = _learned(affine, False, _positions(dims), math.prod(dims) if affine else 0,
                           ("", "", "elementwise_affine=False"))
        return Derived(
            output=shape,
            trainable=_bind(PER_AXES[(1, len(dims))], dims) if affine else None,
            explanation=Message("explain.norm", {"learned": learned, "stats": Message("norm.stats_rms")}),
            macs=0,
            notes=(_MACS_NOTE,),
            weights=(Weight("weight", dims),) if affine else (),
        )


@register
class TorchGroupNorm(LayerKind):
    name = "GroupNorm"
    framework = Framework.TORCH
    family = "normalization"
    positional = ("num_groups", "num_channels", "eps", "affine")
    defaults: ClassVar[Mapping[str, Any]] = {"affine": True, "bias": True}
    solvable: ClassVar[Mapping[str, Solvable]] = {"num_channels": "params"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=2)
        groups, c = cfg.int("num_groups"), cfg.int("num_channels")
        # GroupNorm.__init__: "num_channels must be divisible by num_groups".
        if c % groups:
            raise ConfigError("error.divisible", layer=self.name, what="num_channels", value=c,
                              by_name="num_groups", by=groups)
        affine = cfg.bool("affine")
        bias = affine and cfg.bool("bias")
        got = shape[1]
        if got is not None and got != c and (affine or got % groups):
            raise ShapeError("error.norm_features", layer=self.name, expected=c, what="channels", got=got,
                             shape=str(shape))
        m = int(affine) + int(bias)
        learned = _learned(affine, bias, Message("norm.per_channels", {"n": c}), c * m, _TORCH_FLAGS)
        stats = Message("norm.stats_groups", {"groups": groups, "size": c // groups})
        return Derived(
            output=shape,
            trainable=PER_CHANNEL[m].bind(channels=c) if m else None,
            explanation=Message("explain.norm", {"learned": learned, "stats": stats}),
            macs=0,
            notes=(_MACS_NOTE,),
            weights=_affine_weights(("weight", "bias"), affine, bias, (c,)),
        )


class _TorchLRN(LayerKind):
    framework = Framework.TORCH
    family = "normalization"
    positional: ClassVar[tuple[str, ...]] = ("size", "alpha", "beta", "k")
    defaults: ClassVar[Mapping[str, Any]] = {"alpha": 1e-4, "beta": 0.75, "k": 1.0}
    ranks: ClassVar[tuple[int, int | None]] = (3, None)

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=self.ranks[0], max_rank=self.ranks[1])
        size = cfg.int("size")
        return Derived(
            output=shape,
            trainable=None,
            explanation=Message("explain.norm_lrn", {"layer": self.name, "size": size}),
            macs=0,
            notes=(_MACS_NOTE,),
        )


@register
class TorchLocalResponseNorm(_TorchLRN):
    name = "LocalResponseNorm"
    ranks = (3, None)  # F.local_response_norm needs 3 or more dimensions


@register
class TorchCrossMapLRN2d(_TorchLRN):
    name = "CrossMapLRN2d"
    ranks = (4, 4)
