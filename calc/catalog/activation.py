"""Activations, dropout and noise layers (Keras and PyTorch), and PReLU, the one activation that learns.

Every entry here except PReLU is a fixed function of its input: nothing is learned, the output shape
is the input shape (GLU halves one axis), and the cost is element-wise arithmetic, which layerbot does
not count as multiply-accumulates.  PReLU is where the frameworks disagree most for "the same" layer:
Keras learns one slope per input element, PyTorch one slope in all by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from calc.catalog.base import Config, Derived, LayerKind, Solvable, Weight, known, numel, register, single_input
from calc.errors import ConfigError, ShapeError
from calc.formula import Formula, lit, mul, sym
from calc.i18n import Message
from calc.i18n import register as register_text
from calc.types import Framework, Shape

MAX_AXES = 8
"""Most axes a PReLU α may span (inputs of rank up to 9 with the batch axis)."""

num_parameters = sym("num_parameters")
features = sym("features")
_DIMS = tuple(sym(f"d_{i}") for i in range(1, MAX_AXES + 1))


def _dims(k: int) -> tuple[Any, ...]:
    """The symbols of a k-axis weight: ``features`` for one axis, ``d_1 … d_k`` for several."""
    return (features,) if k == 1 else _DIMS[:k]


# Keras PReLU: α has the input's shape without the batch axis, with every shared axis set to 1
# (layers/activations/prelu.py build: param_shape = list(input_shape[1:]); param_shape[i - 1] = 1).
# The count is the product of the axes that are not shared: (28, 28, 32) → 28·28·32 = 25,088.
PRELU_KERAS = {k: Formula.of(mul(*_dims(k)) if k else lit(1)) for k in range(MAX_AXES + 1)}
# PyTorch nn.PReLU: weight of shape (num_parameters,), one α by default (torch/nn/modules/activation.py).
PRELU_TORCH = Formula.of(mul(num_parameters))

register_text(
    {
        "explain.act_elementwise": {
            "en": (
                "{layer} applies {op} to every element on its own: nothing is learned, so 0 parameters; the output "
                "shape equals the input shape."
            ),
            "zh": "{layer} 对每个元素独立地计算 {op}：没有需要学习的权重，因此参数为 0；输出形状与输入相同。",
        },
        "explain.act_axis": {
            "en": (
                "{layer} computes {op} over axis {axis} (each slice along that axis on its own): a fixed formula, "
                "nothing is learned, so 0 parameters; the output shape equals the input shape."
            ),
            "zh": (
                "{layer} 沿轴 {axis} 计算 {op}（沿该轴的每个切片各自计算）：公式固定，没有需要学习的权重，因此参数为 "
                "0；输出形状与输入相同。"
            ),
        },
        "explain.act_identity": {
            "en": "{layer} passes its input through unchanged: 0 parameters, same shape.",
            "zh": "{layer} 原样输出输入：参数为 0，形状不变。",
        },
        "explain.act_dropout": {
            "en": (
                "{layer} sets random elements to zero while training (and scales the rest up) and passes the input "
                "through unchanged at inference: nothing is learned, so 0 parameters; same shape."
            ),
            "zh": (
                "{layer} 在训练时随机把部分元素置零（其余元素按比例放大），推理时原样输出：没有需要学习的权重，"
                "因此参数为 0；形状不变。"
            ),
        },
        "explain.act_spatial_dropout": {
            "en": (
                "{layer} sets whole channels (feature maps) to zero at random while training and passes the input "
                "through at inference: nothing is learned, so 0 parameters; same shape."
            ),
            "zh": (
                "{layer} 在训练时随机把整个通道（特征图）置零，推理时原样输出：没有需要学习的权重，因此参数为 0；"
                "形状不变。"
            ),
        },
        "explain.act_alpha_dropout": {
            "en": (
                "{layer} drops {unit} at random while training in a way that keeps the mean and variance of SELU "
                "activations, and passes the input through at inference: nothing is learned, so 0 parameters; same "
                "shape."
            ),
            "zh": (
                "{layer} 在训练时随机丢弃{unit}，并保持 SELU 激活的均值和方差，推理时原样输出：没有需要学习的权重，"
                "因此参数为 0；形状不变。"
            ),
        },
        "act.unit_elements": {"en": "single elements", "zh": "单个元素"},
        "act.unit_channels": {"en": "whole channels", "zh": "整个通道"},
        "explain.act_gaussian_dropout": {
            "en": (
                "{layer} multiplies every element by random noise centred on 1 while training and passes the input "
                "through at inference: nothing is learned, so 0 parameters; same shape."
            ),
            "zh": (
                "{layer} 在训练时把每个元素乘以以 1 为中心的随机噪声，推理时原样输出：没有需要学习的权重，因此参数为 "
                "0；形状不变。"
            ),
        },
        "explain.act_gaussian_noise": {
            "en": (
                "{layer} adds zero-mean Gaussian noise to every element while training and passes the input through "
                "at inference: nothing is learned, so 0 parameters; same shape."
            ),
            "zh": (
                "{layer} 在训练时给每个元素加上均值为 0 的高斯噪声，推理时原样输出：没有需要学习的权重，因此参数为 0；"
                "形状不变。"
            ),
        },
        "explain.act_activity_regularization": {
            "en": (
                "{layer} adds an L1/L2 penalty on the activations that pass through it to the training loss and "
                "outputs them unchanged: 0 parameters, same shape."
            ),
            "zh": "{layer} 把流经它的激活值的 L1/L2 惩罚加到训练损失中，并原样输出：参数为 0，形状不变。",
        },
        "explain.act_masking": {
            "en": (
                "{layer} marks the time steps whose features all equal {mask_value} so that later layers skip them; "
                "the values pass through: 0 parameters, same shape."
            ),
            "zh": (
                "{layer} 把所有特征都等于 {mask_value} 的时间步标记出来，让后面的层跳过它们；数值原样通过：参数为 0，"
                "形状不变。"
            ),
        },
        "explain.act_glu": {
            "en": (
                "{layer} splits axis {axis} ({size}) into two halves a and b and returns a ⊗ σ(b), so that axis "
                "halves to {half}; nothing is learned, so 0 parameters."
            ),
            "zh": (
                "{layer} 把轴 {axis}（{size}）分成两半 a 和 b，输出 a ⊗ σ(b)，因此该轴减半为 {half}；"
                "没有需要学习的权重，参数为 0。"
            ),
        },
        "explain.act_prelu_keras": {
            "en": (
                "one learned slope α for negative inputs at every position of the input (batch axis excluded): α has "
                "shape {alpha_shape}, {params} in all."
            ),
            "zh": "输入（不含批次维）的每个位置各学习一个负半轴斜率 α：α 的形状为 {alpha_shape}，共 {params} 个。",
        },
        "explain.act_prelu_keras_shared": {
            "en": (
                "one learned slope α for negative inputs per position, shared along axes {shared}: α has shape "
                "{alpha_shape}, {params} in all."
            ),
            "zh": "每个位置学习一个负半轴斜率 α，并沿轴 {shared} 共享：α 的形状为 {alpha_shape}，共 {params} 个。",
        },
        "explain.act_prelu_torch_single": {
            "en": (
                "a single learned slope α for negative inputs, shared by every channel (num_parameters=1): 1 "
                "parameter."
            ),
            "zh": "所有通道共享一个学习得到的负半轴斜率 α（num_parameters=1）：1 个参数。",
        },
        "explain.act_prelu_torch": {
            "en": (
                "one learned slope α for negative inputs per channel: num_parameters = {params} channels = {params} "
                "parameters."
            ),
            "zh": "每个通道学习一个负半轴斜率 α：num_parameters = {params} 个通道，共 {params} 个参数。",
        },
        "note.act_elementwise_macs": {
            "en": (
                "Element-wise operations are not multiply-accumulates, so MACs are counted as 0 (FLOP counters may "
                "still count a few operations per element)."
            ),
            "zh": "逐元素运算不属于乘加运算，因此 MACs 记为 0（有些 FLOP 统计工具仍会按每个元素计几次运算）。",
        },
        "note.act_prelu_keras": {
            "en": (
                "Framework difference: Keras PReLU learns one α per input element unless shared_axes folds axes "
                "together (shared_axes=[1, 2] on images leaves one α per channel); PyTorch nn.PReLU learns a single α "
                "by default (num_parameters=1), or one per channel with num_parameters=C."
            ),
            "zh": (
                "框架差异：Keras 的 PReLU 默认每个输入元素学习一个 α，除非用 shared_axes 合并某些轴"
                "（对图像用 shared_axes=[1, 2] 则每个通道一个 α）；PyTorch 的 "
                "nn.PReLU 默认只学习一个 α（num_parameters=1），或用 num_parameters=C 每个通道一个。"
            ),
        },
        "note.act_prelu_torch": {
            "en": (
                "Framework difference: Keras PReLU on this input would learn one α per element, {keras} parameters, "
                "unless shared_axes folds axes; PyTorch learns {params} here."
            ),
            "zh": (
                "框架差异：对同样的输入，Keras 的 PReLU 默认每个元素学习一个 α，共 {keras} 个参数（除非使用 "
                "shared_axes）；PyTorch 这里只学习 {params} 个。"
            ),
        },
        "error.act_rate": {
            "en": "{layer}: {name}={value} is not valid; it is a probability, from 0 to 1.",
            "zh": "{layer}：{name}={value} 无效；它是一个概率，取值 0 到 1。",
        },
        "error.act_negative": {
            "en": "{layer}: {name}={value} is not valid; it cannot be negative.",
            "zh": "{layer}：{name}={value} 无效；它不能为负数。",
        },
        "error.act_axis": {
            "en": "{layer}: axis {axis} does not exist in an input of shape {shape}.",
            "zh": "{layer}：形状为 {shape} 的输入没有轴 {axis}。",
        },
        "error.act_glu_odd": {
            "en": "{layer}: axis {axis} has size {size}, which is odd; GLU halves that axis, so it must be even.",
            "zh": "{layer}：轴 {axis} 的大小为 {size}，是奇数；GLU 会把该轴减半，因此它必须是偶数。",
        },
        "error.act_prelu_channels": {
            "en": (
                "{layer}: num_parameters={params}, but the input has {channels} channels (shape {shape}); it must be "
                "1 or the number of channels."
            ),
            "zh": "{layer}：num_parameters={params}，但输入有 {channels} 个通道（形状 {shape}）；它必须是 1 或通道数。",
        },
    }
)

_MACS_NOTE = Message("note.act_elementwise_macs")


def _axis_index(layer: str, axis: Any, shape: Shape) -> int:
    """A (possibly negative) axis of ``shape`` as a non-negative index; the framework raises otherwise."""
    if isinstance(axis, bool) or not isinstance(axis, int) or not -len(shape) <= axis < len(shape):
        raise ShapeError("error.act_axis", layer=layer, axis=repr(axis), shape=str(shape))
    return axis % len(shape)


def _probability(layer: str, cfg: Config, name: str) -> None:
    """Dropout rates are probabilities; both frameworks refuse others at construction."""
    if cfg.has(name):
        rate = cfg.number(name)
        if not 0.0 <= rate <= 1.0:
            raise ConfigError("error.act_rate", layer=layer, name=name, value=repr(rate))


def _non_negative(layer: str, cfg: Config, name: str) -> None:
    if cfg.has(name) and cfg.number(name) < 0:
        raise ConfigError("error.act_negative", layer=layer, name=name, value=repr(cfg.get(name)))


class _Fixed(LayerKind):
    """A layer without weights whose output has the input's shape.

    ``explain`` is the message key; ``op`` the function, written as math (the same in every language).
    ``min_rank`` / ``max_rank`` include the batch axis, as the framework checks them.
    """

    family = "activation"
    explain: ClassVar[str] = "explain.act_elementwise"
    op: ClassVar[str] = ""
    min_rank: ClassVar[int] = 1
    max_rank: ClassVar[int | None] = None

    def op_text(self, cfg: Config) -> str:
        return self.op

    def check(self, cfg: Config, shape: Shape) -> None:
        """Reject what the framework rejects at construction or on this input."""

    def message(self, cfg: Config, shape: Shape) -> Message:
        return Message(self.explain, {"layer": self.name, "op": self.op_text(cfg)})

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=self.min_rank, max_rank=self.max_rank)
        self.check(cfg, shape)
        return Derived(output=shape, trainable=None, explanation=self.message(cfg, shape), macs=0, notes=(_MACS_NOTE,))


class _AlongAxis(_Fixed):
    """Softmax and its relatives: a fixed formula over one axis (``axis`` in Keras, ``dim`` in PyTorch)."""

    explain = "explain.act_axis"
    axis_name: ClassVar[str] = "axis"

    def message(self, cfg: Config, shape: Shape) -> Message:
        axis = cfg.get(self.axis_name)
        # PyTorch's dim=None is the legacy implicit choice (_get_softmax_dim: 0 for rank 0, 1 or 3, else 1).
        shown = axis if axis is not None else (0 if len(shape) in (0, 1, 3) else 1)
        return Message(self.explain, {"layer": self.name, "op": self.op_text(cfg), "axis": shown})

    def check(self, cfg: Config, shape: Shape) -> None:
        axis = cfg.get(self.axis_name)
        if axis is not None and shape:
            for a in axis if isinstance(axis, (list, tuple)) else (axis,):
                _axis_index(self.name, a, shape)


class _Dropout(_Fixed):
    explain = "explain.act_dropout"
    rate_name: ClassVar[str] = "rate"

    def check(self, cfg: Config, shape: Shape) -> None:
        _probability(self.name, cfg, self.rate_name)

    def message(self, cfg: Config, shape: Shape) -> Message:
        return Message(self.explain, {"layer": self.name})


class _AlphaDropout(_Dropout):
    explain = "explain.act_alpha_dropout"
    unit: ClassVar[str] = "act.unit_elements"

    def message(self, cfg: Config, shape: Shape) -> Message:
        return Message(self.explain, {"layer": self.name, "unit": Message(self.unit)})


# ---------------------------------------------------------------------------------------------
# Keras.  Every layer here is built without weights (layers/activations/*.py, layers/regularization/*.py).


class _KerasFixed(_Fixed):
    framework = Framework.KERAS
    min_rank = 1


# Keras activation names (keras/src/activations) written as math, for the explanation.
_KERAS_OPS = {
    "relu": "max(0, x)",
    "relu6": "min(max(0, x), 6)",
    "sigmoid": "σ(x) = 1/(1 + e^−x)",
    "hard_sigmoid": "hard_sigmoid(x)",
    "tanh": "tanh(x)",
    "elu": "elu(x)",
    "selu": "selu(x)",
    "gelu": "gelu(x)",
    "silu": "x·σ(x)",
    "swish": "x·σ(x)",
    "softplus": "log(1 + e^x)",
    "softsign": "x/(1 + |x|)",
    "exponential": "e^x",
    "leaky_relu": "leaky_relu(x)",
    "mish": "x·tanh(softplus(x))",
}
_KERAS_AXIS_OPS = {"softmax": "e^x / Σ e^x", "log_softmax": "x − log Σ e^x"}


def _activation_name(value: Any) -> str:
    """The activation's name from a config value: ``"relu"``, or a serialized ``{"class_name": ...}``."""
    if value is None:
        return "linear"
    if isinstance(value, dict):
        inner = value.get("config")
        if isinstance(inner, dict) and isinstance(inner.get("name"), str):
            return str(inner["name"])
        return str(value.get("class_name", "?"))
    return str(value)


@register
class KerasActivation(_KerasFixed):
    name = "Activation"
    positional = ("activation",)
    defaults: ClassVar[Mapping[str, Any]] = {"activation": None}

    def message(self, cfg: Config, shape: Shape) -> Message:
        act = _activation_name(cfg.get("activation"))
        if act == "linear":
            return Message("explain.act_identity", {"layer": f"Activation({act!r})"})
        if act in _KERAS_AXIS_OPS:  # softmax normalizes the last axis (activations.softmax axis=-1)
            layer = f"Activation({act!r})"
            return Message("explain.act_axis", {"layer": layer, "op": _KERAS_AXIS_OPS[act], "axis": -1})
        return Message(self.explain, {"layer": f"Activation({act!r})", "op": _KERAS_OPS.get(act, f"{act}(x)")})


@register
class KerasReLU(_KerasFixed):
    name = "ReLU"
    positional = ("max_value", "negative_slope", "threshold")
    defaults: ClassVar[Mapping[str, Any]] = {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}

    def op_text(self, cfg: Config) -> str:
        slope, threshold, cap = cfg.get("negative_slope"), cfg.get("threshold"), cfg.get("max_value")
        op = "max(0, x)" if not threshold else f"x if x ≥ {threshold} else 0"
        if slope:
            op = f"x if x ≥ {threshold or 0} else {slope}·(x − {threshold or 0})"
        return f"min({op}, {cap})" if cap is not None else op

    def check(self, cfg: Config, shape: Shape) -> None:
        # layers/activations/relu.py: max_value, negative_slope and threshold must not be negative.
        for name in ("max_value", "negative_slope", "threshold"):
            _non_negative(self.name, cfg, name)


@register
class KerasLeakyReLU(_KerasFixed):
    name = "LeakyReLU"
    positional = ("negative_slope",)
    # Keras 3 renamed alpha to negative_slope and still reads alpha (layers/activations/leaky_relu.py);
    # tf.keras 2 spells it alpha.  Both default to 0.3.
    defaults: ClassVar[Mapping[str, Any]] = {"negative_slope": 0.3}

    def op_text(self, cfg: Config) -> str:
        slope = cfg.get("alpha") if cfg.has("alpha") else cfg.get("negative_slope")
        return f"x if x > 0 else {slope}·x"

    def check(self, cfg: Config, shape: Shape) -> None:
        _non_negative(self.name, cfg, "negative_slope")
        _non_negative(self.name, cfg, "alpha")


@register
class KerasELU(_KerasFixed):
    name = "ELU"
    positional = ("alpha",)
    defaults: ClassVar[Mapping[str, Any]] = {"alpha": 1.0}

    def op_text(self, cfg: Config) -> str:
        return f"x if x > 0 else {cfg.get('alpha')}·(e^x − 1)"


@register
class KerasThresholdedReLU(_KerasFixed):
    """tf.keras 2 only (removed in Keras 3)."""

    name = "ThresholdedReLU"
    positional = ("theta",)
    defaults: ClassVar[Mapping[str, Any]] = {"theta": 1.0}

    def op_text(self, cfg: Config) -> str:
        return f"x if x > {cfg.get('theta')} else 0"


@register
class KerasSoftmax(_AlongAxis):
    name = "Softmax"
    framework = Framework.KERAS
    positional = ("axis",)
    defaults: ClassVar[Mapping[str, Any]] = {"axis": -1}
    op = "e^x / Σ e^x"


@register
class KerasDropout(_Dropout):
    name = "Dropout"
    framework = Framework.KERAS
    positional = ("rate", "noise_shape", "seed")


@register
class KerasSpatialDropout1D(_Dropout):
    name = "SpatialDropout1D"
    framework = Framework.KERAS
    explain = "explain.act_spatial_dropout"
    positional = ("rate", "seed")
    min_rank = max_rank = 3  # InputSpec(ndim=3) (layers/regularization/spatial_dropout.py)


@register
class KerasSpatialDropout2D(_Dropout):
    name = "SpatialDropout2D"
    framework = Framework.KERAS
    explain = "explain.act_spatial_dropout"
    positional = ("rate", "data_format", "seed")
    min_rank = max_rank = 4


@register
class KerasSpatialDropout3D(_Dropout):
    name = "SpatialDropout3D"
    framework = Framework.KERAS
    explain = "explain.act_spatial_dropout"
    positional = ("rate", "data_format", "seed")
    min_rank = max_rank = 5


@register
class KerasGaussianDropout(_Dropout):
    name = "GaussianDropout"
    framework = Framework.KERAS
    explain = "explain.act_gaussian_dropout"
    positional = ("rate", "seed")


@register
class KerasAlphaDropout(_AlphaDropout):
    name = "AlphaDropout"
    framework = Framework.KERAS
    positional = ("rate", "noise_shape", "seed")


@register
class KerasGaussianNoise(_KerasFixed):
    name = "GaussianNoise"
    explain = "explain.act_gaussian_noise"
    positional = ("stddev", "seed")

    def check(self, cfg: Config, shape: Shape) -> None:
        _non_negative(self.name, cfg, "stddev")


@register
class KerasActivityRegularization(_KerasFixed):
    name = "ActivityRegularization"
    explain = "explain.act_activity_regularization"
    positional = ("l1", "l2")
    defaults: ClassVar[Mapping[str, Any]] = {"l1": 0.0, "l2": 0.0}


@register
class KerasMasking(_KerasFixed):
    name = "Masking"
    positional = ("mask_value",)
    defaults: ClassVar[Mapping[str, Any]] = {"mask_value": 0.0}

    def message(self, cfg: Config, shape: Shape) -> Message:
        return Message("explain.act_masking", {"layer": self.name, "mask_value": cfg.get("mask_value")})


@register
class KerasPReLU(LayerKind):
    name = "PReLU"
    framework = Framework.KERAS
    family = "activation"
    positional = ("alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes")
    defaults: ClassVar[Mapping[str, Any]] = {"shared_axes": None}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=2, max_rank=MAX_AXES + 1)
        shared = cfg.get("shared_axes")
        shared_axes: tuple[int, ...] = ()
        if shared is not None:
            shared_axes = tuple(shared) if isinstance(shared, (list, tuple)) else (shared,)
        alpha: list[int | None] = list(shape[1:])
        folded: set[int] = set()
        for i in shared_axes:
            # Keras writes param_shape[i - 1] = 1 for each shared axis i, counted from 1 after the
            # batch axis; a negative i lands where Python's negative indexing puts it (i - 1).
            if isinstance(i, bool) or not isinstance(i, int) or not -len(alpha) <= i - 1 < len(alpha):
                raise ShapeError("error.act_axis", layer=self.name, axis=repr(i), shape=str(shape))
            folded.add((i - 1) % len(alpha))
            alpha[i - 1] = 1
        sizes = [known(self.name, d, "the input's size on every axis that is not shared") for d in alpha]
        kept = [d for j, d in enumerate(sizes) if j not in folded]  # one α per position of these axes
        term = PRELU_KERAS[len(kept)].bind(**{s.name: v for s, v in zip(_dims(len(kept)), kept, strict=True)})
        alpha_shape = tuple(sizes)
        key = "explain.act_prelu_keras_shared" if shared_axes else "explain.act_prelu_keras"
        return Derived(
            output=shape,
            trainable=term,
            explanation=Message(
                key, {"alpha_shape": str(alpha_shape), "params": term.value, "shared": list(shared_axes)}
            ),
            macs=0,
            notes=(Message("note.act_prelu_keras"), _MACS_NOTE),
            weights=(Weight("alpha", alpha_shape),),
        )


# ---------------------------------------------------------------------------------------------
# PyTorch (torch/nn/modules/activation.py, dropout.py): no parameters, no buffers.


class _TorchFixed(_Fixed):
    framework = Framework.TORCH
    min_rank = 0  # PyTorch applies these to tensors of any rank, scalars included
    positional: ClassVar[tuple[str, ...]] = ("inplace",)
    defaults: ClassVar[Mapping[str, Any]] = {"inplace": False}


@register
class TorchReLU(_TorchFixed):
    name = "ReLU"
    op = "max(0, x)"


@register
class TorchReLU6(_TorchFixed):
    name = "ReLU6"
    op = "min(max(0, x), 6)"


@register
class TorchLeakyReLU(_TorchFixed):
    name = "LeakyReLU"
    positional = ("negative_slope", "inplace")
    defaults: ClassVar[Mapping[str, Any]] = {"negative_slope": 0.01, "inplace": False}

    def op_text(self, cfg: Config) -> str:
        return f"x if x > 0 else {cfg.get('negative_slope')}·x"


@register
class TorchELU(_TorchFixed):
    name = "ELU"
    positional = ("alpha", "inplace")
    defaults: ClassVar[Mapping[str, Any]] = {"alpha": 1.0, "inplace": False}

    def op_text(self, cfg: Config) -> str:
        return f"x if x > 0 else {cfg.get('alpha')}·(e^x − 1)"


@register
class TorchSELU(_TorchFixed):
    name = "SELU"
    op = "λ·(x if x > 0 else α·(e^x − 1)), λ ≈ 1.0507, α ≈ 1.6733"


@register
class TorchCELU(_TorchFixed):
    name = "CELU"
    positional = ("alpha", "inplace")
    defaults: ClassVar[Mapping[str, Any]] = {"alpha": 1.0, "inplace": False}

    def op_text(self, cfg: Config) -> str:
        return f"max(0, x) + min(0, {cfg.get('alpha')}·(e^(x/{cfg.get('alpha')}) − 1))"


@register
class TorchGELU(_TorchFixed):
    name = "GELU"
    positional = ("approximate",)
    defaults: ClassVar[Mapping[str, Any]] = {"approximate": "none"}

    def op_text(self, cfg: Config) -> str:
        return "x·Φ(x)" if cfg.get("approximate") != "tanh" else "x·Φ(x) (tanh approximation)"


@register
class TorchSiLU(_TorchFixed):
    name = "SiLU"
    op = "x·σ(x)"


@register
class TorchMish(_TorchFixed):
    name = "Mish"
    op = "x·tanh(softplus(x))"


@register
class TorchHardswish(_TorchFixed):
    name = "Hardswish"
    op = "x·ReLU6(x + 3)/6"


@register
class TorchHardsigmoid(_TorchFixed):
    name = "Hardsigmoid"
    op = "ReLU6(x + 3)/6"


@register
class TorchTanh(_TorchFixed):
    name = "Tanh"
    positional = ()
    defaults: ClassVar[Mapping[str, Any]] = {}
    op = "tanh(x)"


@register
class TorchSigmoid(_TorchFixed):
    name = "Sigmoid"
    positional = ()
    defaults: ClassVar[Mapping[str, Any]] = {}
    op = "σ(x) = 1/(1 + e^−x)"


@register
class TorchLogSigmoid(_TorchFixed):
    name = "LogSigmoid"
    positional = ()
    defaults: ClassVar[Mapping[str, Any]] = {}
    op = "log σ(x)"


@register
class TorchSoftsign(_TorchFixed):
    name = "Softsign"
    positional = ()
    defaults: ClassVar[Mapping[str, Any]] = {}
    op = "x/(1 + |x|)"


@register
class TorchTanhshrink(_TorchFixed):
    name = "Tanhshrink"
    positional = ()
    defaults: ClassVar[Mapping[str, Any]] = {}
    op = "x − tanh(x)"


@register
class TorchHardtanh(_TorchFixed):
    name = "Hardtanh"
    positional = ("min_val", "max_val", "inplace")
    defaults: ClassVar[Mapping[str, Any]] = {"min_val": -1.0, "max_val": 1.0, "inplace": False}

    def op_text(self, cfg: Config) -> str:
        return f"min(max(x, {cfg.get('min_val')}), {cfg.get('max_val')})"


@register
class TorchSoftplus(_TorchFixed):
    name = "Softplus"
    positional = ("beta", "threshold")
    defaults: ClassVar[Mapping[str, Any]] = {"beta": 1.0, "threshold": 20.0}

    def op_text(self, cfg: Config) -> str:
        return f"log(1 + e^({cfg.get('beta')}·x))/{cfg.get('beta')}"


@register
class TorchThreshold(_TorchFixed):
    name = "Threshold"
    positional = ("threshold", "value", "inplace")
    defaults: ClassVar[Mapping[str, Any]] = {"inplace": False}

    def op_text(self, cfg: Config) -> str:
        return f"x if x > {cfg.get('threshold')} else {cfg.get('value')}"


@register
class TorchRReLU(_TorchFixed):
    name = "RReLU"
    positional = ("lower", "upper", "inplace")
    defaults: ClassVar[Mapping[str, Any]] = {"lower": 1 / 8, "upper": 1 / 3, "inplace": False}
    op = "x if x ≥ 0 else a·x (a random in training, fixed at inference)"


@register
class TorchHardshrink(_TorchFixed):
    name = "Hardshrink"
    positional = ("lambd",)
    defaults: ClassVar[Mapping[str, Any]] = {"lambd": 0.5}

    def op_text(self, cfg: Config) -> str:
        return f"x if |x| > {cfg.get('lambd')} else 0"


@register
class TorchSoftshrink(_TorchFixed):
    name = "Softshrink"
    positional = ("lambd",)
    defaults: ClassVar[Mapping[str, Any]] = {"lambd": 0.5}

    def op_text(self, cfg: Config) -> str:
        lam = cfg.get("lambd")
        return f"x − {lam} if x > {lam}, x + {lam} if x < −{lam}, else 0"


class _TorchAlongDim(_AlongAxis):
    framework = Framework.TORCH
    axis_name = "dim"
    min_rank = 0
    positional: ClassVar[tuple[str, ...]] = ("dim",)
    defaults: ClassVar[Mapping[str, Any]] = {"dim": None}


@register
class TorchSoftmax(_TorchAlongDim):
    name = "Softmax"
    op = "e^x / Σ e^x"


@register
class TorchLogSoftmax(_TorchAlongDim):
    name = "LogSoftmax"
    op = "x − log Σ e^x"


@register
class TorchSoftmin(_TorchAlongDim):
    name = "Softmin"
    op = "e^−x / Σ e^−x"


@register
class TorchSoftmax2d(_TorchAlongDim):
    name = "Softmax2d"
    positional = ()
    defaults: ClassVar[Mapping[str, Any]] = {}
    op = "e^x / Σ e^x"
    min_rank, max_rank = 3, 4  # (C, H, W) or (N, C, H, W); softmax over the channel axis, -3

    def message(self, cfg: Config, shape: Shape) -> Message:
        return Message(self.explain, {"layer": self.name, "op": self.op, "axis": -3})


class _TorchDropout(_Dropout):
    framework = Framework.TORCH
    rate_name = "p"
    min_rank = 0
    positional: ClassVar[tuple[str, ...]] = ("p", "inplace")
    defaults: ClassVar[Mapping[str, Any]] = {"p": 0.5, "inplace": False}


@register
class TorchDropout(_TorchDropout):
    name = "Dropout"


@register
class TorchDropout1d(_TorchDropout):
    name = "Dropout1d"
    explain = "explain.act_spatial_dropout"
    min_rank, max_rank = 2, 3  # (C, L) or (N, C, L); F.dropout1d raises otherwise


@register
class TorchDropout2d(_TorchDropout):
    name = "Dropout2d"
    explain = "explain.act_spatial_dropout"
    min_rank = 1  # (N, C, H, W) or (C, H, W); other ranks only warn (F.dropout2d)


@register
class TorchDropout3d(_TorchDropout):
    name = "Dropout3d"
    explain = "explain.act_spatial_dropout"
    min_rank = 1  # (N, C, D, H, W) or (C, D, H, W); other ranks only warn (F.dropout3d)


@register
class TorchAlphaDropout(_AlphaDropout):
    name = "AlphaDropout"
    framework = Framework.TORCH
    rate_name = "p"
    min_rank = 0
    positional = ("p", "inplace")
    defaults: ClassVar[Mapping[str, Any]] = {"p": 0.5, "inplace": False}


@register
class TorchFeatureAlphaDropout(_AlphaDropout):
    name = "FeatureAlphaDropout"
    framework = Framework.TORCH
    unit = "act.unit_channels"
    rate_name = "p"
    min_rank = 1
    positional = ("p", "inplace")
    defaults: ClassVar[Mapping[str, Any]] = {"p": 0.5, "inplace": False}


@register
class TorchGLU(LayerKind):
    name = "GLU"
    framework = Framework.TORCH
    family = "activation"
    positional = ("dim",)
    defaults: ClassVar[Mapping[str, Any]] = {"dim": -1}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=1)
        dim = cfg.get("dim")
        axis = _axis_index(self.name, dim, shape)
        size = shape[axis]
        # F.glu: "Halving dimension must be even" (aten/src/ATen/native/GatedLinearUnit.cpp).
        if size is not None and size % 2:
            raise ShapeError("error.act_glu_odd", layer=self.name, axis=dim, size=size)
        half = None if size is None else size // 2
        out = (*shape[:axis], half, *shape[axis + 1 :])
        return Derived(
            output=out,
            trainable=None,
            explanation=Message(
                "explain.act_glu", {"layer": self.name, "axis": dim, "size": str(size), "half": str(half)}
            ),
            macs=0,
            notes=(_MACS_NOTE,),
        )


@register
class TorchPReLU(LayerKind):
    name = "PReLU"
    framework = Framework.TORCH
    family = "activation"
    positional = ("num_parameters", "init")
    defaults: ClassVar[Mapping[str, Any]] = {"num_parameters": 1, "init": 0.25}
    solvable: ClassVar[Mapping[str, Solvable]] = {"num_parameters": "params"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=1)
        n = cfg.int("num_parameters")
        # F.prelu: with more than one α, their number must equal the channel axis (1, or 0 for a 1-D input).
        channels = shape[1] if len(shape) >= 2 else shape[0]
        if n > 1 and channels is not None and channels != n:
            raise ShapeError("error.act_prelu_channels", layer=self.name, params=n, channels=channels, shape=str(shape))
        term = PRELU_TORCH.bind(num_parameters=n)
        keras = numel(shape[1:])
        notes: tuple[Message, ...] = (_MACS_NOTE,)
        if keras is not None and len(shape) >= 2:
            notes = (Message("note.act_prelu_torch", {"keras": keras, "params": n}), _MACS_NOTE)
        key = "explain.act_prelu_torch_single" if n == 1 else "explain.act_prelu_torch"
        return Derived(
            output=shape,
            trainable=term,
            explanation=Message(key, {"params": n}),
            macs=0,
            notes=notes,
            weights=(Weight("weight", (n,)),),
        )
