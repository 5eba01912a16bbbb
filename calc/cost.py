"""What a layer or a model costs: bytes per dtype, training and activation memory, FLOPs, hard limits.

Every figure here is plain integer arithmetic over the catalog's counts, and every estimate carries
its assumptions as a :class:`~calc.i18n.Message`, so a beginner reads *what* was counted and *what
was not* (torchinfo#144/#149 show how far a naive "params × 4" falls from ``nvidia-smi``).

* **Bytes per parameter**: :data:`DTYPE_BYTES` (float32 4, float16/bfloat16 2, int8 1, int4 ½).
  Byte counts are whole bytes, rounded up (an odd number of int4 values still fills a byte).
* **Training memory**: weights (all parameters) + gradients (trainable ones) + optimizer states
  (SGD none, momentum one, Adam/AdamW two per trainable parameter), all in the same dtype as the
  weights.  Fully trainable float32 with Adam: 4 + 4 + 8 = 16 bytes per parameter.
* **Activation memory**: every layer's output, for ``batch`` examples, as kept for the backward pass.
* **FLOPs** = 2 × MACs (one multiplication and one addition per multiply-accumulate).
* **Hard limits** (:func:`limit_findings`): more than 2**31 − 1 elements in one tensor (Theano's MRG
  generator, int32 indexing); at least 2**31 bytes in one tensor (TensorFlow's protobuf limit on a
  constant: ``make_tensor_proto`` checks ``nbytes >= 1 << 31``); more memory than the GPU has.
* :func:`format_bytes` is the one number style for sizes in every front end (``55.6 GiB``), and
  :func:`parse_bytes` reads a size a user typed (``16GB``, ``24 GiB``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from functools import cache
from types import MappingProxyType

from calc.catalog.base import LayerCalc, Weight
from calc.errors import InputError
from calc.findings import Finding, Severity
from calc.i18n import Message, register
from calc.types import ShapeTree, format_shape

__all__ = [
    "DTYPE_BYTES",
    "FLOPS_NOTE",
    "INT32_MAX",
    "PROTO_LIMIT_BYTES",
    "ActivationMemory",
    "Cost",
    "Optimizer",
    "TrainingMemory",
    "activation_memory",
    "canonical_dtype",
    "cost_of",
    "dtype_bytes",
    "flops",
    "format_bytes",
    "limit_findings",
    "max_units_under",
    "model_limit_findings",
    "param_bytes",
    "parse_bytes",
    "training_memory",
]

INT32_MAX = 2**31 - 1
"""Largest signed 32-bit integer: Theano's MRG generator refuses to draw more samples than this
(``rng_mrg.py``: ``n_elements > M1``), and int32-indexed kernels overflow past it."""

PROTO_LIMIT_BYTES = 2**31
"""TensorFlow cannot put a constant of this many bytes or more into a GraphDef (protobuf's 2 GB cap):
``tensor_util.make_tensor_proto`` raises when ``nparray.size * nparray.itemsize >= (1 << 31)``."""

# Bits rather than bytes internally, so int4 stays exact integer arithmetic.
_DTYPE_BITS: Mapping[str, int] = MappingProxyType(
    {"float32": 32, "float16": 16, "bfloat16": 16, "int8": 8, "float64": 64, "int4": 4}
)

DTYPE_BYTES: Mapping[str, float] = MappingProxyType({k: v / 8 for k, v in _DTYPE_BITS.items()})
"""Bytes per element of each dtype layerbot knows."""

_DTYPE_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "fp32": "float32", "f32": "float32", "float": "float32", "single": "float32",
        "fp16": "float16", "f16": "float16", "half": "float16",
        "bf16": "bfloat16",
        "fp64": "float64", "f64": "float64", "double": "float64",
        "i8": "int8", "qint8": "int8", "uint8": "int8",
        "i4": "int4", "uint4": "int4", "nf4": "int4", "fp4": "int4",
    }
)  # fmt: skip

_DTYPE_PREFIXES = ("torch.", "tf.", "np.", "numpy.", "jnp.", "keras.")

# The dtypes a model-level Cost reports parameter bytes for.
COST_DTYPES = ("float32", "float16", "bfloat16", "int8")


class Optimizer(StrEnum):
    """Optimizers by how many state values they keep per trainable parameter."""

    SGD = "sgd"
    MOMENTUM = "momentum"
    ADAM = "adam"
    ADAMW = "adamw"

    @property
    def states_per_param(self) -> int:
        return _STATES[self]


_STATES: Mapping[Optimizer, int] = MappingProxyType(
    {Optimizer.SGD: 0, Optimizer.MOMENTUM: 1, Optimizer.ADAM: 2, Optimizer.ADAMW: 2}
)

_OPTIMIZER_LABEL: Mapping[Optimizer, str] = MappingProxyType(
    {Optimizer.SGD: "SGD", Optimizer.MOMENTUM: "SGD (momentum)", Optimizer.ADAM: "Adam", Optimizer.ADAMW: "AdamW"}
)

register(
    {
        "cost.error.dtype": {
            "en": "I don't know the number type {dtype}. Use one of: {accepted}.",
            "zh": "我不认识数值类型 {dtype}。请使用以下之一：{accepted}。",
        },
        "cost.error.batch": {
            "en": "The batch size must be a whole number of at least 1; got {batch}.",
            "zh": "批大小必须是不小于 1 的整数；收到的是 {batch}。",
        },
        "cost.error.gpu_memory": {
            "en": "The GPU memory must be more than 0 bytes; got {value}.",
            "zh": "GPU 显存必须大于 0 字节；收到的是 {value}。",
        },
        "cost.error.bytes": {
            "en": "I couldn't read {text} as an amount of memory. Write it like 16GB, 24 GiB or 512MiB.",
            "zh": "无法把 {text} 理解为内存大小。请写成 16GB、24 GiB 或 512MiB 这样的形式。",
        },
        # --- training memory -------------------------------------------------------------------
        "cost.parts.sgd": {
            "en": "its weight ({b} B) and its gradient ({b} B)",
            "zh": "权重（{b} 字节）和梯度（{b} 字节）",
        },
        "cost.parts.momentum": {
            "en": "its weight ({b} B), its gradient ({b} B) and one momentum value ({b} B)",
            "zh": "权重（{b} 字节）、梯度（{b} 字节）和一个动量值（{b} 字节）",
        },
        "cost.parts.adam": {
            "en": "its weight ({b} B), its gradient ({b} B) and two running averages, m and v ({b2} B)",
            "zh": "权重（{b} 字节）、梯度（{b} 字节）和两个滑动平均值 m 与 v（{b2} 字节）",
        },
        "cost.states_note.sgd": {
            "en": "Plain SGD keeps no optimizer state between steps.",
            "zh": "普通 SGD 在步与步之间不保存任何优化器状态。",
        },
        "cost.states_note.momentum": {
            "en": "SGD with momentum keeps one running value per trainable parameter.",
            "zh": "带动量的 SGD 为每个可训练参数保存一个滑动值。",
        },
        "cost.states_note.adam": {
            "en": "Adam keeps two running averages per trainable parameter; its step counter (one number per "
            "tensor or per model) is too small to count.",
            "zh": "Adam 为每个可训练参数保存两个滑动平均值；它的步数计数器（每个张量或每个模型只有一个数）"
            "小到可以忽略。",
        },
        "cost.training_assumptions": {
            "en": "Training with {optimizer} in {dtype} needs {per_param} B per trainable parameter: {parts}. "
            "A frozen (non-trainable) parameter needs only its weight ({b} B). {states_note} "
            "Assumed: the gradients and optimizer states are kept in {dtype}, like the weights. "
            "Not included: mixed-precision training (float16/bfloat16 weights plus a float32 master copy and "
            "float32 optimizer states) needs more; the activations, which grow with the batch size, are counted "
            "separately; the framework's own overhead (CUDA context, allocator caches, temporary buffers) often "
            "adds several hundred MiB.",
            "zh": "使用 {optimizer}、以 {dtype} 训练时，每个可训练参数需要 {per_param} 字节：{parts}。"
            "冻结（不可训练）的参数只需要权重本身（{b} 字节）。{states_note}"
            "假设：梯度和优化器状态与权重一样以 {dtype} 保存。"
            "未计入：混合精度训练（float16/bfloat16 权重外加一份 float32 主副本和 float32 优化器状态）"
            "需要更多内存；激活值随批大小增长，另行计算；"
            "框架自身的开销（CUDA 上下文、分配器缓存、临时缓冲区）往往还要再加几百 MiB。",
        },
        # --- activations -------------------------------------------------------------------------
        "cost.activation_assumptions": {
            "en": "Activation memory counts the output of every layer, for a batch of {batch}, in {dtype}. "
            "It assumes training: every output is kept until the backward pass has used it. Inference needs "
            "less, because an output can be freed as soon as the next layer has read it. Counted anyway: "
            "outputs that frameworks often share with their input (Flatten, Reshape, in-place ReLU). Not "
            "counted: the model's input, and temporary buffers inside layers. {unknown}",
            "zh": "激活内存统计的是每一层的输出，批大小为 {batch}，数值类型为 {dtype}。"
            "这里假设是在训练：每个输出都要保留到反向传播用完为止。"
            "推理需要的更少，因为下一层读完后输出就可以释放。"
            "仍然计入的：框架常与输入共享内存的输出（Flatten、Reshape、原地 ReLU）。"
            "未计入：模型的输入，以及层内部的临时缓冲区。{unknown}",
        },
        "cost.activation_known": {
            "en": "Every size was known.",
            "zh": "所有尺寸都是已知的。",
        },
        "cost.activation_unknown": {
            "en": "{axes} axes had an unknown size (None, such as a variable sequence length) and were counted "
            "as 1, so this is the figure per unit of each unknown axis: multiply by the real length, or give it "
            "to get the real figure.",
            "zh": "有 {axes} 个轴的尺寸未知（None，例如可变的序列长度），按 1 计算，"
            "所以这是每个未知轴每单位长度的数值：请乘以实际长度，或者提供实际长度以得到真实数值。",
        },
        "cost.flops": {
            "en": "FLOPs = 2 × MACs: each multiply-accumulate is one multiplication and one addition. Some tools "
            "(thop, ptflops, fvcore) print MACs under the name \"FLOPs\".",
            "zh": "FLOPs = 2 × MACs：每次乘加运算包含一次乘法和一次加法。有些工具（thop、ptflops、fvcore）把 MACs "
            "称为 \"FLOPs\"。",
        },
        # --- hard limits -------------------------------------------------------------------------
        "limit.int32_elements": {
            "en": "{layer}: the weight tensor {tensor} {shape} has {numel} elements, more than 2**31 − 1 = {limit}. "
            "Software that counts elements with 32-bit integers breaks here. Theano's random generator refuses to "
            "draw more than 2**31 − 1 numbers at once, and the Keras 2 Theano backend used it to initialise "
            "weights: that is the error \"rng_mrg cpu-implementation does not support more than (2**31 -1) "
            "samples\" (or \"gpu implementation\"). Other kernels that index with int32 fail or overflow too.",
            "zh": "{layer}：权重张量 {tensor} {shape} 有 {numel} 个元素，超过了 2**31 − 1 = {limit}。用 32 位整数计数"
            "元素的软件会在这里出错。Theano 的随机数生成器拒绝一次生成超过 2**31 − 1 个数，而 Keras 2 的 Theano 后端"
            "正是用它来初始化权重：这就是报错 \"rng_mrg cpu-implementation does not support more than (2**31 -1) "
            "samples\"（或 \"gpu implementation\"）的原因。其他用 int32 做索引的算子也会失败或溢出。",
        },
        "limit.proto_2gb": {
            "en": "{layer}: the weight tensor {tensor} {shape} takes {size} ({nbytes} bytes) in {dtype}, at least "
            "2 GB (2**31 = {limit} bytes). TensorFlow cannot store one tensor that large as a constant in a graph "
            "(a protobuf limit): freezing or exporting the graph, or building the layer with "
            "tf.constant_initializer(array), fails with \"Cannot create a tensor proto whose content is larger "
            "than 2GB\". Training it as a variable can still work.",
            "zh": "{layer}：权重张量 {tensor} {shape} 以 {dtype} 存储占 {size}（{nbytes} 字节），达到或超过 2 GB"
            "（2**31 = {limit} 字节）。TensorFlow 无法把这么大的单个张量作为常量存进计算图（protobuf 的限制）："
            "冻结或导出计算图，或用 tf.constant_initializer(array) 构建该层时，会报错 \"Cannot create a tensor "
            "proto whose content is larger than 2GB\"。作为变量训练仍可能可行。",
        },
        "limit.dense_max_units": {
            "en": "{layer}: on {n_in} inputs, the widest Dense whose kernel stays within 2**31 − 1 elements has "
            "{max_int32} units, and the widest whose kernel stays under 2 GB in {dtype} has {max_proto}. "
            "The cost lives in inputs × units, so shrinking the input (pooling, strides, "
            "GlobalAveragePooling) helps every unit.",
            "zh": "{layer}：在 {n_in} 个输入上，核不超过 2**31 − 1 个元素的 Dense 最多 {max_int32} 个单元；"
            "核在 {dtype} 下小于 2 GB 的最多 {max_proto} 个单元。开销来自 输入数 × 单元数，所以缩小输入"
            "（池化、步长、GlobalAveragePooling）对每个单元都有帮助。",
        },
        "limit.gpu_memory": {
            "en": "{layer}: training it with Adam in {dtype} needs about {need}: {weights} weights + {grads} "
            "gradients + {states} optimizer states + {acts} activations for a batch of {batch}. That is more "
            "than the {gpu} of GPU memory given, so expect \"CUDA out of memory\" or \"ResourceExhaustedError: "
            "OOM when allocating tensor\".",
            "zh": "{layer}：用 Adam 以 {dtype} 训练大约需要 {need}：权重 {weights} + 梯度 {grads} + 优化器状态 "
            "{states} + 批大小 {batch} 的激活值 {acts}。这超过了给定的 {gpu} GPU 显存，预计会出现 "
            "\"CUDA out of memory\" 或 \"ResourceExhaustedError: OOM when allocating tensor\"。",
        },
        "limit.gpu_memory_model": {
            "en": "The whole model, trained with Adam in {dtype}, needs about {need}: {weights} weights + {grads} "
            "gradients + {states} optimizer states + {acts} activations for a batch of {batch}. That is more "
            "than the {gpu} of GPU memory given.",
            "zh": "整个模型用 Adam 以 {dtype} 训练大约需要 {need}：权重 {weights} + 梯度 {grads} + 优化器状态 "
            "{states} + 批大小 {batch} 的激活值 {acts}。这超过了给定的 {gpu} GPU 显存。",
        },
        "limit.int32_total": {
            "en": "The model has {params} parameters, more than 2**31 − 1 = {limit}. Where the count is kept in a "
            "32-bit integer (Keras 2 on Windows, whose NumPy default integer is 32-bit) the summary can show a "
            "wrong or negative number; the real count is {params}.",
            "zh": "模型共有 {params} 个参数，超过了 2**31 − 1 = {limit}。在用 32 位整数保存计数的环境里（Windows 上的 "
            "Keras 2，其 NumPy 默认整数是 32 位），摘要可能显示错误甚至为负的数字；真实数量是 {params}。",
        },
    }
)

FLOPS_NOTE = Message("cost.flops")
"""Why FLOPs are 2 × MACs, for any front end that prints both."""


# ---------------------------------------------------------------------------------------------
# Dtypes and bytes.


def canonical_dtype(dtype: str) -> str:
    """``"torch.float16"``, ``"fp16"``, ``"half"`` → ``"float16"``; raise InputError for an unknown dtype."""
    if type(dtype) is not str:
        return _canonical(dtype)
    known = _CANONICAL.get(dtype)
    if known is not None:
        return known
    key = _canonical(dtype)
    if len(_CANONICAL) < 256:  # the spellings seen (every /dense answer asks for float32 five times)
        _CANONICAL[dtype] = key
    return key


_CANONICAL: dict[str, str] = {}


def _canonical(dtype: str) -> str:
    key = dtype.strip().lower()
    for prefix in _DTYPE_PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix) :]
            break
    key = _DTYPE_ALIASES.get(key, key)
    if key not in _DTYPE_BITS:
        raise InputError("cost.error.dtype", dtype=dtype, accepted=", ".join(_DTYPE_BITS))
    return key


def dtype_bytes(dtype: str) -> float:
    """Bytes per element (``int4`` → 0.5).  Raises :class:`~calc.errors.InputError` for an unknown dtype."""
    return DTYPE_BYTES[canonical_dtype(dtype)]


def _bytes_of(elements: int, dtype: str) -> int:
    """Whole bytes for ``elements`` values of a canonical dtype, rounded up (int4 packs two per byte)."""
    return -(-elements * _DTYPE_BITS[dtype] // 8)


def param_bytes(params: int, dtype: str = "float32") -> int:
    """Bytes to store ``params`` values in ``dtype``, rounded up to a whole byte."""
    if params < 0:
        raise ValueError(f"params must be ≥ 0, got {params}")
    return _bytes_of(params, canonical_dtype(dtype))


def _b(dtype: str, k: int = 1) -> str:
    """Bytes per element × k as a short number for message text: ``4``, ``0.5``."""
    return f"{_DTYPE_BITS[dtype] * k / 8:g}"


def _check_batch(batch: int) -> None:
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise InputError("cost.error.batch", batch=str(batch))


# ---------------------------------------------------------------------------------------------
# Training memory.


@dataclass(frozen=True)
class TrainingMemory:
    """Bytes to train: weights + gradients + optimizer states (activations are separate)."""

    weights: int
    gradients: int
    optimizer_states: int
    total: int
    optimizer: Optimizer
    dtype: str
    assumptions: Message


def training_memory(
    trainable: int,
    non_trainable: int = 0,
    optimizer: Optimizer = Optimizer.ADAM,
    dtype: str = "float32",
) -> TrainingMemory:
    """Weights (every parameter), gradients (trainable only) and optimizer states (per trainable
    parameter: SGD 0, momentum 1, Adam/AdamW 2), all in ``dtype``.

    Adam's step counter (one scalar per tensor in PyTorch, one per model in Keras) is ignored.
    Mixed-precision master copies and float32 states for half-precision weights are *not* included;
    the assumptions message says so.
    """
    if trainable < 0 or non_trainable < 0:
        raise ValueError(f"parameter counts must be ≥ 0, got {trainable}, {non_trainable}")
    if not isinstance(optimizer, Optimizer):
        optimizer = Optimizer(optimizer)
    dt = canonical_dtype(dtype)
    k = optimizer.states_per_param
    weights = _bytes_of(trainable + non_trainable, dt)
    gradients = _bytes_of(trainable, dt)
    states = k * _bytes_of(trainable, dt)
    return TrainingMemory(
        weights=weights,
        gradients=gradients,
        optimizer_states=states,
        total=weights + gradients + states,
        optimizer=optimizer,
        dtype=dt,
        assumptions=_training_assumptions(optimizer, dt),
    )


@cache
def _training_assumptions(optimizer: Optimizer, dt: str) -> Message:
    """What :func:`training_memory` assumes, per optimizer and canonical dtype: built once (every /dense
    answer carries one for each optimizer)."""
    k = optimizer.states_per_param
    family = "adam" if k == 2 else optimizer.value
    args = {"b": _b(dt), "b2": _b(dt, 2)}
    return Message(
        "cost.training_assumptions",
        {
            "optimizer": _OPTIMIZER_LABEL[optimizer],
            "dtype": dt,
            "b": _b(dt),
            "per_param": _b(dt, 2 + k),
            "parts": Message(f"cost.parts.{family}", args),
            "states_note": Message(f"cost.states_note.{family}"),
        },
    )


# ---------------------------------------------------------------------------------------------
# Activation memory.


@dataclass(frozen=True)
class ActivationMemory:
    """Bytes of every layer's output for ``batch`` examples, as kept for the backward pass.

    ``unknown_axes`` counts non-batch axes of unknown size (None); each was counted as 1, so the
    figure is then per unit of those axes (a lower bound), and ``assumptions`` says so.
    """

    elements_per_example: int
    batch: int
    bytes: int
    assumptions: Message
    dtype: str = "float32"
    unknown_axes: int = 0


def _output_elements(tree: ShapeTree) -> tuple[int, int]:
    """(elements per example, unknown non-batch axes) of one output tree.

    Axis 0 of every shape is the batch axis (whatever the framework printed there: None, -1 or a
    fixed 1); it is replaced by the batch size, so it is skipped here.
    """
    if isinstance(tree, list):
        elements, unknown = 0, 0
        for sub in tree:
            e, u = _output_elements(sub)
            elements += e
            unknown += u
        return elements, unknown
    dims = tree[1:]
    return math.prod(d if d is not None else 1 for d in dims), sum(1 for d in dims if d is None)


def activation_memory(layers: Sequence[LayerCalc], batch: int = 1, dtype: str = "float32") -> ActivationMemory:
    """Σ over layers of the output's elements (every output of a multi-output layer), × ``batch``.

    An unknown non-batch axis counts as 1 (see :class:`ActivationMemory`).
    """
    _check_batch(batch)
    dt = canonical_dtype(dtype)
    elements, unknown = 0, 0
    for layer in layers:
        e, u = _output_elements(layer.output)
        elements += e
        unknown += u
    extra = Message("cost.activation_unknown", {"axes": unknown}) if unknown else Message("cost.activation_known")
    return ActivationMemory(
        elements_per_example=elements,
        batch=batch,
        bytes=_bytes_of(elements * batch, dt),
        assumptions=Message("cost.activation_assumptions", {"batch": batch, "dtype": dt, "unknown": extra}),
        dtype=dt,
        unknown_axes=unknown,
    )


# ---------------------------------------------------------------------------------------------
# FLOPs and the whole-model cost.


def flops(macs: int) -> int:
    """FLOPs = 2 × MACs: a multiply-accumulate is one multiplication plus one addition.

    (thop, ptflops and fvcore call MACs "FLOPs"; layerbot prints both, named correctly.)
    """
    if macs < 0:
        raise ValueError(f"macs must be ≥ 0, got {macs}")
    return 2 * macs


@dataclass(frozen=True)
class Cost:
    """A model's (or a layer list's) totals and memory estimates.

    ``macs`` / ``flops`` are per example (batch 1) and None when any layer's MACs are unknown;
    ``macs_unknown`` lists those layers' indices.  ``param_bytes`` is keyed by dtype
    (:data:`COST_DTYPES`), ``training`` by optimizer (float32).  ``activations`` is None for an
    empty layer list.  ``buffers`` are PyTorch buffers (e.g. BatchNorm running statistics): stored
    with the model but not parameters, and not in the memory figures.
    """

    params: int
    trainable: int
    non_trainable: int
    macs: int | None
    flops: int | None
    param_bytes: dict[str, int]
    training: dict[Optimizer, TrainingMemory]
    activations: ActivationMemory | None
    buffers: int = 0
    macs_unknown: tuple[int, ...] = ()
    notes: tuple[Message, ...] = field(default=(FLOPS_NOTE,))


def cost_of(layers: Sequence[LayerCalc], batch: int = 1) -> Cost:
    """Totals over ``layers`` (each counted once, as given) and every memory estimate."""
    _check_batch(batch)
    trainable = sum(layer.trainable_params for layer in layers)
    non_trainable = sum(layer.non_trainable_params for layer in layers)
    params = trainable + non_trainable
    unknown = tuple(i for i, layer in enumerate(layers) if layer.macs is None)
    macs = None if unknown else sum(layer.macs or 0 for layer in layers)
    return Cost(
        params=params,
        trainable=trainable,
        non_trainable=non_trainable,
        macs=macs,
        flops=None if macs is None else flops(macs),
        param_bytes={dt: _bytes_of(params, dt) for dt in COST_DTYPES},
        training={opt: training_memory(trainable, non_trainable, opt, "float32") for opt in Optimizer},
        activations=activation_memory(layers, batch) if layers else None,
        buffers=sum(layer.buffer_count for layer in layers),
        macs_unknown=unknown,
    )


# ---------------------------------------------------------------------------------------------
# Hard limits.


def max_units_under(n_in: int, limit: int = INT32_MAX) -> int:
    """Largest Dense width whose kernel (``n_in × units`` elements) stays ≤ ``limit``.

    ``max_units_under(86400)`` → 24,855.  For a byte limit pass elements, e.g.
    ``max_units_under(n, (PROTO_LIMIT_BYTES - 1) // 4)`` for a float32 kernel under 2 GB.
    """
    if n_in < 1:
        raise ValueError(f"n_in must be ≥ 1, got {n_in}")
    return max(limit, 0) // n_in


def _label(layer: LayerCalc, name: str | None) -> str:
    return f"{name} ({layer.kind})" if name and name != layer.kind else layer.kind


def _weight_args(label: str, w: Weight) -> dict[str, object]:
    return {"layer": label, "tensor": w.name, "shape": format_shape(w.shape), "numel": w.numel}


def _dense_n_in(layer: LayerCalc) -> int | None:
    """The input width of a Dense/Linear layer, for the max-width hint (None for other kinds)."""
    if layer.kind not in ("Dense", "Linear") or not layer.inputs or not layer.inputs[0]:
        return None
    n = layer.inputs[0][-1]
    return n if isinstance(n, int) and n > 0 else None


def _gpu_finding(
    code: str,
    key: str,
    label: str | None,
    train: TrainingMemory,
    acts: ActivationMemory,
    gpu_memory: int,
    finding_layer: str | None,
) -> Finding | None:
    need = train.total + acts.bytes
    if need <= gpu_memory:
        return None
    args: dict[str, object] = {
        "dtype": train.dtype,
        "need": format_bytes(need),
        "weights": format_bytes(train.weights),
        "grads": format_bytes(train.gradients),
        "states": format_bytes(train.optimizer_states),
        "acts": format_bytes(acts.bytes),
        "batch": acts.batch,
        "gpu": format_bytes(gpu_memory),
    }
    if label is not None:
        args["layer"] = label
    return Finding(Severity.WARNING, code, Message(key, args), finding_layer)


def _check_gpu(gpu_memory: int | None) -> None:
    if gpu_memory is not None and (isinstance(gpu_memory, bool) or gpu_memory <= 0):
        raise InputError("cost.error.gpu_memory", value=str(gpu_memory))


def limit_findings(
    layer: LayerCalc,
    *,
    name: str | None = None,
    dtype: str = "float32",
    gpu_memory: int | None = None,
    batch: int = 1,
) -> list[Finding]:
    """Hard limits one layer runs into, per weight tensor (and for the layer's training memory).

    * ``limit.int32_elements`` (error): a tensor with more than 2**31 − 1 elements;
    * ``limit.proto_2gb`` (warning): a tensor of at least 2**31 bytes in ``dtype``;
    * ``limit.dense_max_units`` (info, Dense/Linear only, after either of those): the widest width
      that stays under each limit;
    * ``limit.gpu_memory`` (warning, when ``gpu_memory`` is given): Adam training memory in ``dtype``
      plus the layer's output activations for ``batch`` exceed it.
    """
    dt = canonical_dtype(dtype)
    _check_batch(batch)
    _check_gpu(gpu_memory)
    label = _label(layer, name)
    out: list[Finding] = []
    hit = False
    for w in layer.weights:
        numel = w.numel
        if numel > INT32_MAX:
            hit = True
            msg = Message("limit.int32_elements", {**_weight_args(label, w), "limit": INT32_MAX})
            out.append(Finding(Severity.ERROR, "limit.int32_elements", msg, name))
        nbytes = _bytes_of(numel, dt)
        if nbytes >= PROTO_LIMIT_BYTES:
            hit = True
            args = {**_weight_args(label, w), "size": format_bytes(nbytes), "nbytes": nbytes, "dtype": dt,
                    "limit": PROTO_LIMIT_BYTES}  # fmt: skip
            out.append(Finding(Severity.WARNING, "limit.proto_2gb", Message("limit.proto_2gb", args), name))
    n_in = _dense_n_in(layer)
    if hit and n_in is not None:
        max_proto = max_units_under(n_in, (PROTO_LIMIT_BYTES * 8 - 1) // _DTYPE_BITS[dt])
        args = {"layer": label, "n_in": n_in, "max_int32": max_units_under(n_in), "max_proto": max_proto, "dtype": dt}
        out.append(Finding(Severity.INFO, "limit.dense_max_units", Message("limit.dense_max_units", args), name))
    if gpu_memory is not None:
        train = training_memory(layer.trainable_params, layer.non_trainable_params, Optimizer.ADAM, dt)
        acts = activation_memory([layer], batch, dt)
        found = _gpu_finding("limit.gpu_memory", "limit.gpu_memory", label, train, acts, gpu_memory, name)
        if found is not None:
            out.append(found)
    return out


def model_limit_findings(
    layers: Sequence[LayerCalc],
    names: Sequence[str | None],
    *,
    dtype: str = "float32",
    gpu_memory: int | None = None,
    batch: int = 1,
) -> list[Finding]:
    """Every layer's :func:`limit_findings`, then the whole model's: ``limit.int32_total`` (info) when
    the total count exceeds 2**31 − 1, and ``limit.gpu_memory`` (warning, ``layer=None``) when Adam
    training memory plus all activations exceed ``gpu_memory``."""
    if len(names) != len(layers):
        raise ValueError(f"{len(layers)} layers but {len(names)} names")
    dt = canonical_dtype(dtype)
    _check_batch(batch)
    _check_gpu(gpu_memory)
    out: list[Finding] = []
    for layer, name in zip(layers, names, strict=True):
        out.extend(limit_findings(layer, name=name, dtype=dt, gpu_memory=gpu_memory, batch=batch))
    trainable = sum(layer.trainable_params for layer in layers)
    non_trainable = sum(layer.non_trainable_params for layer in layers)
    if trainable + non_trainable > INT32_MAX:
        msg = Message("limit.int32_total", {"params": trainable + non_trainable, "limit": INT32_MAX})
        out.append(Finding(Severity.INFO, "limit.int32_total", msg, None))
    if gpu_memory is not None and layers:
        train = training_memory(trainable, non_trainable, Optimizer.ADAM, dt)
        acts = activation_memory(layers, batch, dt)
        found = _gpu_finding("limit.gpu_memory", "limit.gpu_memory_model", None, train, acts, gpu_memory, None)
        if found is not None:
            out.append(found)
    return out


# ---------------------------------------------------------------------------------------------
# Sizes as people read and write them.

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def _three_digits(v: float) -> str:
    """About three significant digits: 1.32, 55.6, 512 (thousands separators beyond 999)."""
    for decimals, below in ((2, 10), (1, 100)):
        text = f"{v:.{decimals}f}"
        if float(text) < below:
            return text
    return f"{v:,.0f}"


def format_bytes(n: int | float) -> str:
    """Binary units, about three significant digits: 512 → ``512 B``; 1,382,416 → ``1.32 MiB``;
    59,720,371,200 → ``55.6 GiB``.  Whole byte counts under 1 KiB print exactly; TiB is the largest
    unit (``2,048 TiB``)."""
    if isinstance(n, float) and not math.isfinite(n):
        raise ValueError(f"not a size: {n}")
    sign = "-" if n < 0 else ""
    v = abs(n)
    if isinstance(v, int) and v < 1024:
        return f"{sign}{v} B"
    i = 0
    value = float(v)
    while value >= 1024 and i < len(_UNITS) - 1:
        value /= 1024
        i += 1
    text = _three_digits(value)
    if float(text.replace(",", "")) >= 1024 and i < len(_UNITS) - 1:  # 1023.7 KiB rounds to 1.00 MiB
        value /= 1024
        i += 1
        text = _three_digits(value)
    return f"{sign}{text} {_UNITS[i]}"


_SIZE_RE = re.compile(r"^\s*(\d[\d,_]*(?:\.\d+)?|\.\d+)\s*([kmgtp]?)(i?)(b?)\s*$", re.IGNORECASE)
_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5}


def parse_bytes(text: str) -> int:
    """A size a user typed → bytes: ``"16GB"``, ``"24 GiB"``, ``"512MiB"``, ``"80g"``, ``"1,024"``.

    KB/MB/GB/TB are read as binary units (KiB/MiB/GiB/TiB), as GPU makers and ``nvidia-smi`` use them:
    a "24 GB" card has 24 GiB.  Raises :class:`~calc.errors.InputError` when unreadable.
    """
    m = _SIZE_RE.match(text)
    if m is None or (m.group(3) and not m.group(2)):
        raise InputError("cost.error.bytes", text=text)
    number = Fraction(m.group(1).replace(",", "").replace("_", ""))
    return round(number * (1 << (10 * _POWERS[m.group(2).lower()])))
