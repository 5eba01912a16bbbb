"""Error diagnosis: recognise a pasted framework error, explain its cause with the user's numbers, and
say what to change.

Recognised (bounded regular expressions, each anchored on the framework's own wording):

* Theano: ``rng_mrg cpu-implementation does not support more than (2**31 -1) samples`` (or ``gpu``,
  or a translation that keeps ``rng_mrg`` and ``(2**31 -1)``);
* TensorFlow: ``OOM when allocating tensor with shape[173056,4096]``;
* TensorFlow: ``Cannot create a tensor proto whose content is larger than 2GB``;
* PyTorch: ``CUDA out of memory. Tried to allocate 2.64 GiB (GPU 0; 7.79 GiB total capacity; …)``;
* PyTorch: ``mat1 and mat2 shapes cannot be multiplied (2x1568 and 1050x10)``;
* Keras: ``expected axis -1 of input shape to have value 16384, but received input with shape (None, 65536)``;
* a negative ``Total params`` / ``Trainable params`` (a count that wrapped around in 32 bits).

With a pasted model (a :class:`~calc.report.Report`), each diagnosis points at the layer: a 2-D OOM
shape equal to a Dense kernel is *that* kernel; ``mat1 (B×F)`` / ``mat2 (in×out)`` give the Linear and
the F it must take, factorised as C·H·W against the model's conv/pool stack.  Code in the text such
as ``model.add(Dense(172800))`` that the summary does not show is read as a *planned* layer
(:func:`planned_layers`) and placed where the model's first Dense reads.  Every number comes from the
catalog and :mod:`calc.cost`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from calc.catalog import LayerCalc, Weight, derive
from calc.cost import (
    INT32_MAX,
    PROTO_LIMIT_BYTES,
    Optimizer,
    format_bytes,
    max_units_under,
    param_bytes,
    parse_bytes,
    training_memory,
)
from calc.errors import InputError, LayerbotError, UnknownLayerKind
from calc.findings import Severity
from calc.i18n import Message, register
from calc.report import LayerReport, Report
from calc.types import Framework, Shape, format_shape
from calc.whatif import apply, flatten_source

__all__ = ["MAX_DIAGNOSES", "Diagnosis", "PlannedLayer", "diagnose", "planned_layers"]

MAX_DIAGNOSES = 6
MAX_PLANNED = 3
_MAX_SCAN = 400_000  # characters of text scanned (the paste limit of calc.parse.text)

register(
    {
        # --- rng_mrg ----------------------------------------------------------------------------
        "diag.rng_mrg.cause": {
            "en": "Theano's MRG random generator (theano/sandbox/rng_mrg.py) refuses to draw more than 2**31 − 1 = "
            "{limit} numbers in one call, and Keras 2's Theano backend draws every weight initialisation (and "
            "dropout mask) through it. One tensor is larger than that.",
            "zh": "Theano 的 MRG 随机数生成器（theano/sandbox/rng_mrg.py）拒绝一次生成超过 2**31 − 1 = {limit} "
            "个数，而 Keras 2 的 Theano 后端用它来初始化每一个权重（以及 dropout 掩码）。有一个张量比这还大。",
        },
        "diag.rng_mrg.layer": {
            "en": "{layer}: {tensor} {shape} has {numel} elements, {ratio}× the limit ({formula} = {params} "
            "parameters, {size} in float32). That is the tensor Theano refused.",
            "zh": "{layer}：{tensor} {shape} 有 {numel} 个元素，是限制的 {ratio} 倍（{formula} = {params} 个参数，"
            "float32 下 {size}）。Theano 拒绝的就是这个张量。",
        },
        "diag.rng_mrg.none": {
            "en": "No weight in the pasted model is that large ({largest} is the largest, {numel} elements): the "
            "failing layer is one the summary does not show (a Dense you added?), or a Dropout mask of "
            "batch × features > 2**31 − 1.",
            "zh": "粘贴的模型中没有这么大的权重（最大的是 {largest}，{numel} 个元素）：出错的层不在摘要里"
            "（是你新加的 Dense 吗？），或者是 批大小 × 特征数 > 2**31 − 1 的 Dropout 掩码。",
        },
        "diag.rng_mrg.general": {
            "en": "For a Dense layer, inputs × units must stay at most {limit}. Paste model.summary() together with "
            "the error and I will point at the layer.",
            "zh": "对 Dense 层来说，输入数 × 单元数不能超过 {limit}。把 model.summary() 和报错一起贴上来，"
            "我会指出是哪一层。",
        },
        "diag.fix.width": {
            "en": "give {layer} at most {max} units on its {n} inputs (e.g. {suggested}: {formula} = {params} "
            "parameters)",
            "zh": "让 {layer} 在 {n} 个输入上最多有 {max} 个单元（例如 {suggested}：{formula} = {params} 个参数）",
        },
        "diag.fix.gap": {
            "en": "shrink the input instead: {kind} in place of {flatten} leaves {channels} inputs instead of {n} "
            "(each unit then costs {channels} + 1 parameters)",
            "zh": "改为缩小输入：用 {kind} 代替 {flatten}，输入从 {n} 个变为 {channels} 个（每个单元只需 "
            "{channels} + 1 个参数）",
        },
        "diag.fix.gap_torch": {
            "en": "shrink the input instead: {kind} before {flatten} leaves {channels} inputs instead of {n} "
            "(in_features={channels}; each unit then costs {channels} + 1 parameters)",
            "zh": "改为缩小输入：在 {flatten} 之前加 {kind}，输入从 {n} 个变为 {channels} 个（in_features={channels}；"
            "每个单元只需 {channels} + 1 个参数）",
        },
        "diag.fix.narrow": {
            "en": "a narrower {layer}: {units} units are {formula} = {params} parameters, {train} to train with Adam",
            "zh": "把 {layer} 变窄：{units} 个单元为 {formula} = {params} 个参数，用 Adam 训练需要 {train}",
        },
        "diag.fix.theano": {
            "en": "Theano is no longer maintained: a current Keras (TensorFlow, JAX or PyTorch backend) has no "
            "such per-call limit, but a tensor this large will still not fit in memory",
            "zh": "Theano 已停止维护：新版 Keras（TensorFlow、JAX 或 PyTorch 后端）没有这种单次调用的限制，"
            "但这么大的张量仍然放不进内存",
        },
        "diag.fix.paste": {
            "en": "paste the model (model.summary() or print(model)) with the error to get the exact layer",
            "zh": "把模型（model.summary() 或 print(model)）和报错一起贴上来，就能定位到具体的层",
        },
        # --- TF OOM -----------------------------------------------------------------------------
        "diag.tf_oom.cause": {
            "en": "TensorFlow could not allocate one tensor of shape [{dims}]: {numel} values of {dtype} = {size}.",
            "zh": "TensorFlow 无法分配一个形状为 [{dims}] 的张量：{numel} 个 {dtype} 值 = {size}。",
        },
        "diag.tf_oom.kernel": {
            "en": "That is the {tensor} of {layer}: {formula} = {params} parameters. Training it with Adam needs "
            "four such copies (weight, gradient, m, v): {train}.",
            "zh": "这正是 {layer} 的 {tensor}：{formula} = {params} 个参数。用 Adam 训练需要四份这样的数据"
            "（权重、梯度、m、v）：{train}。",
        },
        "diag.tf_oom.activation": {
            "en": "That is the output of {layer} for a batch of {batch}: {per_example} per example. It grows with "
            "the batch size and the image size.",
            "zh": "这是 {layer} 在批大小为 {batch} 时的输出：每个样本 {per_example}。它随批大小和图像尺寸增长。",
        },
        "diag.tf_oom.matrix": {
            "en": "A 2-D tensor is usually a Dense kernel (inputs × units, here {rows} × {cols}) or an embedding "
            "table (vocabulary × dimension).",
            "zh": "二维张量通常是 Dense 的核（输入数 × 单元数，这里是 {rows} × {cols}）或嵌入表（词表大小 × 维度）。",
        },
        "diag.tf_oom.map": {
            "en": "A {rank}-D tensor whose first axis is the batch ({batch}) is an activation: {per_example} per "
            "example.",
            "zh": "第一个轴是批大小（{batch}）的 {rank} 维张量是激活值：每个样本 {per_example}。",
        },
        "diag.fix.batch": {
            "en": "a smaller batch: half the batch ({half}) halves it to {size}",
            "zh": "减小批大小：批大小减半（{half}）可减半到 {size}",
        },
        "diag.fix.smaller_input": {
            "en": "smaller images, or more pooling/stride before this layer",
            "zh": "更小的图像，或在这一层之前增加池化/步长",
        },
        # --- proto 2 GB ---------------------------------------------------------------------------
        "diag.proto.cause": {
            "en": "TensorFlow stores a constant inside the graph as a protobuf, and a protobuf cannot exceed 2 GB "
            "(2**31 = {limit} bytes). It happens when a graph is frozen or exported, when weights are built with "
            "tf.constant_initializer(big_array), or when a tool (keras-flops) freezes the model to count it.",
            "zh": "TensorFlow 把常量以 protobuf 的形式存进计算图，而一个 protobuf 不能超过 2 GB（2**31 = {limit} "
            "字节）。冻结或导出计算图、用 tf.constant_initializer(big_array) 构建权重，或某些工具"
            "（keras-flops）为了计数而冻结模型时，就会出现这个错误。",
        },
        "diag.proto.layer": {
            "en": "{layer}: {tensor} {shape} is {size} in float32 ({formula} = {params} parameters).",
            "zh": "{layer}：{tensor} {shape} 在 float32 下为 {size}（{formula} = {params} 个参数）。",
        },
        "diag.proto.none": {
            "en": "No single weight of the pasted model reaches 2 GB in float32 (the largest, {largest}, is "
            "{size}); look for a constant built from a large NumPy array.",
            "zh": "粘贴的模型中没有任何一个权重在 float32 下达到 2 GB（最大的 {largest} 为 {size}）；"
            "请检查是否有用大型 NumPy 数组构建的常量。",
        },
        "diag.fix.proto_width": {
            "en": "under 2 GB, {layer} can have at most {max} units on its {n} inputs",
            "zh": "要小于 2 GB，{layer} 在 {n} 个输入上最多只能有 {max} 个单元",
        },
        "diag.fix.variables": {
            "en": "keep large weights as variables (load them with set_weights or a checkpoint) instead of "
            "constants, and don't freeze the graph",
            "zh": "把大权重保留为变量（用 set_weights 或检查点加载），不要作为常量，也不要冻结计算图",
        },
        # --- CUDA OOM -----------------------------------------------------------------------------
        "diag.cuda_oom.cause": {
            "en": "PyTorch asked the GPU for {size} in one allocation and could not get it{capacity}.",
            "zh": "PyTorch 向 GPU 申请一次性分配 {size}，但没有成功{capacity}。",
        },
        "diag.cuda_oom.cause_plain": {
            "en": "PyTorch asked the GPU for {size} in one allocation and could not get it.",
            "zh": "PyTorch 向 GPU 申请一次性分配 {size}，但没有成功。",
        },
        "diag.cuda_oom.capacity": {
            "en": " ({free} free of {total}, {allocated} already allocated by PyTorch)",
            "zh": "（总共 {total}，空闲 {free}，PyTorch 已分配 {allocated}）",
        },
        "diag.cuda_oom.capacity_free": {
            "en": " ({free} free of {total})",
            "zh": "（总共 {total}，空闲 {free}）",
        },
        "diag.cuda_oom.weight": {
            "en": "{size} is the size of {layer}'s {tensor} {shape} in {dtype} ({formula} = {params} parameters). "
            "Its weight, its gradient and Adam's two states are each that large: {train} to train it.",
            "zh": "{size} 正好是 {layer} 的 {tensor} {shape} 在 {dtype} 下的大小（{formula} = {params} 个参数）。"
            "它的权重、梯度和 Adam 的两个状态各占这么多：训练它需要 {train}。",
        },
        "diag.cuda_oom.activation": {
            "en": "{size} is the output of {layer} ({shape} per example, {per_example}) for a batch of {batch}.",
            "zh": "{size} 是 {layer} 的输出（每个样本 {shape}，{per_example}）在批大小为 {batch} 时的大小。",
        },
        "diag.cuda_oom.values": {
            "en": "{size} = {values} float32 values; for a Linear that would be in_features × out_features ≈ "
            "{values}.",
            "zh": "{size} = {values} 个 float32 值；对 Linear 来说相当于 in_features × out_features ≈ {values}。",
        },
        "diag.fix.fit_width": {
            "en": "to train {layer} with Adam in {total}, it can have at most {max} units on its {n} inputs",
            "zh": "要在 {total} 内用 Adam 训练 {layer}，它在 {n} 个输入上最多只能有 {max} 个单元",
        },
        "diag.fix.amp": {
            "en": "a smaller batch, or mixed precision (torch.autocast) for the activations",
            "zh": "减小批大小，或对激活值使用混合精度（torch.autocast）",
        },
        # --- mat1 / mat2 --------------------------------------------------------------------------
        "diag.mat.cause": {
            "en": "A Linear(in_features={i}, out_features={o}) received {f} features per row ({b} rows): mat1 is "
            "the input ({b} × {f}) and mat2 the transposed weight ({i} × {o}), and {f} ≠ {i}.",
            "zh": "一个 Linear(in_features={i}, out_features={o}) 收到了每行 {f} 个特征（共 {b} 行）：mat1 是"
            "输入（{b} × {f}），mat2 是转置后的权重（{i} × {o}），而 {f} ≠ {i}。",
        },
        "diag.mat.layer": {
            "en": "In your model that is {layer}.",
            "zh": "在你的模型中，这是 {layer}。",
        },
        "diag.mat.map": {
            "en": "{f} = {c}·{h}·{w}: the {c} channels × {h}×{w} map that {source} outputs.",
            "zh": "{f} = {c}·{h}·{w}：即 {source} 输出的 {c} 个通道 × {h}×{w} 的特征图。",
        },
        "diag.mat.map_chain": {
            "en": "{f} = {c}·{h}·{w}: {c} channels from {source} on a {h}×{w} map; the stack takes a {side}×{side} "
            "input there ({chain}).",
            "zh": "{f} = {c}·{h}·{w}：来自 {source} 的 {c} 个通道，特征图为 {h}×{w}；这一串层在输入为 "
            "{side}×{side} 时得到它（{chain}）。",
        },
        "diag.mat.map_channels": {
            "en": "{f} = {c}·{h}·{w}: {c} channels from {source} on a {h}×{w} map.",
            "zh": "{f} = {c}·{h}·{w}：来自 {source} 的 {c} 个通道，特征图为 {h}×{w}。",
        },
        "diag.mat.guess": {
            "en": "{f} factorises as {options} (channels · height · width).",
            "zh": "{f} 可以分解为 {options}（通道 · 高 · 宽）。",
        },
        "diag.fix.linear": {
            "en": "nn.Linear({arg}, {o}): {formula} = {params} parameters (it was {old_formula} = {old_params})",
            "zh": "nn.Linear({arg}, {o})：{formula} = {params} 个参数（原来是 {old_formula} = {old_params}）",
        },
        "diag.fix.lazy": {
            "en": "or nn.LazyLinear({o}), which takes in_features from the first batch, or nn.AdaptiveAvgPool2d "
            "before the flatten, so in_features no longer depends on the image size",
            "zh": "或者用 nn.LazyLinear({o})，它会从第一个批次读取 in_features；或在展平之前加 "
            "nn.AdaptiveAvgPool2d，让 in_features 不再依赖图像尺寸",
        },
        "diag.fix.view": {
            "en": "if {b} is not your batch size, a view(-1, …) folded the batch into the features: flatten with "
            "x.flatten(1) or x.view(x.size(0), -1)",
            "zh": "如果 {b} 不是你的批大小，说明 view(-1, …) 把批次维折进了特征维：请用 x.flatten(1) 或 "
            "x.view(x.size(0), -1) 展平",
        },
        # --- Keras expected axis -----------------------------------------------------------------
        "diag.axis.cause": {
            "en": "{layer} was built for {expected} input features but received {got} (input shape {shape}).",
            "zh": "{layer} 按 {expected} 个输入特征构建，却收到了 {got} 个（输入形状 {shape}）。",
        },
        "diag.axis.scale": {
            "en": "{got} / {expected} = {ratio} = {k}²: the images are {k}× {direction} per side than the model "
            "was built for.",
            "zh": "{got} / {expected} = {ratio} = {k}²：图像每边比模型构建时{direction} {k} 倍。",
        },
        "diag.axis.larger": {"en": "larger", "zh": "大"},
        "diag.axis.smaller": {"en": "smaller", "zh": "小"},
        "diag.axis.checked": {
            "en": "Your model was built for {built}; {data} images give exactly {got} at {layer}, checked through "
            "every layer.",
            "zh": "你的模型按 {built} 构建；{data} 的图像在 {layer} 处正好得到 {got}，已逐层验证。",
        },
        "diag.axis.channels": {
            "en": "{got} / {expected} = {ratio}: the data has {direction} channels than the model expects (RGB vs "
            "grayscale).",
            "zh": "{got} / {expected} = {ratio}：数据的通道数比模型预期的{direction}（RGB 与灰度图）。",
        },
        "diag.axis.more": {"en": "3× more", "zh": "多 3 倍"},
        "diag.axis.fewer": {"en": "3× fewer", "zh": "少 3 倍"},
        "diag.axis.rank": {
            "en": "The input is {rank}-D {shape}: Dense reads only the last axis ({got}); a Flatten before it would "
            "give {numel}.",
            "zh": "输入是 {rank} 维的 {shape}：Dense 只读取最后一个轴（{got}）；在它之前加 Flatten 会得到 {numel}。",
        },
        "diag.fix.resize": {
            "en": "resize the data to the model's input size (target_size= / tf.image.resize), or build the model "
            "with the data's size; then {layer} has {formula} = {params} parameters",
            "zh": "把数据缩放到模型的输入尺寸（target_size= / tf.image.resize），或按数据的尺寸构建模型；"
            "那样 {layer} 有 {formula} = {params} 个参数",
        },
        "diag.fix.resize_general": {
            "en": "make the data and input_shape agree (resize the images, or build the model for the data's size)",
            "zh": "让数据和 input_shape 一致（缩放图像，或按数据的尺寸构建模型）",
        },
        "diag.fix.gap_any": {
            "en": "GlobalAveragePooling instead of Flatten makes the Dense independent of the image size",
            "zh": "用 GlobalAveragePooling 代替 Flatten，Dense 就不再依赖图像尺寸",
        },
        # --- negative counts --------------------------------------------------------------------
        "diag.negative.cause": {
            "en": "A parameter count cannot be negative: {which} {reported} is the real count wrapped around in a "
            "32-bit integer (Keras 2 on Windows, whose NumPy default integer is 32-bit): {reported} + 2**32 = "
            "{real}.",
            "zh": "参数数量不可能为负：{which} {reported} 是真实数量在 32 位整数中溢出后的结果（Windows 上的 "
            "Keras 2，其 NumPy 默认整数是 32 位）：{reported} + 2**32 = {real}。",
        },
        "diag.negative.model": {
            "en": "Recounted with exact integers, the model has {total} parameters; {layer} alone has {formula} = "
            "{params}, more than 2**31 − 1 = {limit}.",
            "zh": "用精确整数重新计算，模型共有 {total} 个参数；仅 {layer} 就有 {formula} = {params} 个，"
            "超过了 2**31 − 1 = {limit}。",
        },
        "diag.negative.total": {
            "en": "Recounted with exact integers, the model has {total} parameters.",
            "zh": "用精确整数重新计算，模型共有 {total} 个参数。",
        },
        "diag.fix.too_big": {
            "en": "a model this size will not train on one GPU: narrow the big layer or shrink its input",
            "zh": "这么大的模型无法在单个 GPU 上训练：请把大层变窄或缩小它的输入",
        },
        # --- names ------------------------------------------------------------------------------
        "diag.name.rng_mrg": {"en": "Theano rng_mrg (2**31 − 1 samples)", "zh": "Theano rng_mrg（2**31 − 1 个样本）"},
        "diag.name.tf_oom": {"en": "TensorFlow OOM", "zh": "TensorFlow 内存不足（OOM）"},
        "diag.name.proto_2gb": {"en": "TensorFlow 2 GB tensor proto", "zh": "TensorFlow 2 GB 张量 proto"},
        "diag.name.cuda_oom": {"en": "CUDA out of memory", "zh": "CUDA 显存不足"},
        "diag.name.mat1_mat2": {"en": "mat1 and mat2 shapes cannot be multiplied", "zh": "mat1 和 mat2 形状无法相乘"},
        "diag.name.keras_axis": {"en": "Dense input size mismatch", "zh": "Dense 输入大小不匹配"},
        "diag.name.negative_params": {"en": "negative parameter count", "zh": "参数数量为负"},
        "which.total": {"en": "Total params", "zh": "Total params"},
        "which.trainable_params": {"en": "Trainable params", "zh": "Trainable params"},
        "which.non_trainable_params": {"en": "Non-trainable params", "zh": "Non-trainable params"},
        "which.row": {"en": "the row {name}", "zh": "{name} 这一行"},
    }
)


# ---------------------------------------------------------------------------------------------
# Results.


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """One recognised error: what it is, why it happened (with the user's numbers), how to fix it."""

    code: str  # diag.rng_mrg, diag.tf_oom, diag.proto_2gb, diag.cuda_oom, diag.mat1_mat2, diag.keras_axis, ...
    excerpt: str  # the error text as matched (one line, at most 160 characters)
    cause: Message
    details: tuple[Message, ...] = ()
    fixes: tuple[Message, ...] = ()
    layer: str | None = None  # the layer it points at, when the pasted model shows it
    numbers: tuple[tuple[str, int], ...] = ()  # what was read from the message, by name
    severity: Severity = Severity.ERROR

    @property
    def name(self) -> Message:
        return Message("diag.name." + self.code.removeprefix("diag."))

    def number(self, key: str) -> int | None:
        return next((v for k, v in self.numbers if k == key), None)


@dataclass(frozen=True, slots=True)
class PlannedLayer:
    """A Dense/Linear written in the pasted code but absent from the pasted summary, derived where the
    model's first Dense reads (``Dense(172800)`` after a Flatten of 86,400)."""

    label: str  # "Dense(172800)"
    units: int
    n_in: int
    layer: LayerCalc
    after: str | None  # the layer whose output it reads, when known
    before: str | None  # the Dense it precedes in the summary


@dataclass(frozen=True)
class _Known:
    name: str
    calc: LayerCalc


# ---------------------------------------------------------------------------------------------
# Planned layers.

_RE_KERAS_DENSE = re.compile(r"Dense(?<!\wDense)\(\s*(?:units\s*=\s*)?(\d{1,13}(?:_\d{3})*)\s*[,)]")
_RE_TORCH_LINEAR = re.compile(
    r"Linear(?<!\wLinear)\(\s*(?:in_features\s*=\s*)?(\d{1,13})\s*,\s*(?:out_features\s*=\s*)?(\d{1,13})\s*[,)]"
)


def _leaves(report: Report | None) -> list[_Known]:
    """The model's derived layers; for a PyTorch ``print(model)`` (no shapes, so nothing derived), the
    layers whose weights do not depend on shapes (Linear, Embedding), derived from their arguments."""
    if report is None:
        return []
    out: list[_Known] = []
    for r in report.layers:
        if r.is_container:
            continue
        if r.calc is not None:
            out.append(_Known(r.name or r.type, r.calc))
            continue
        calc = _from_config(r)
        if calc is not None:
            out.append(_Known(r.name or r.type, calc))
    return out


def _dense_calcs(report: Report | None) -> Iterator[LayerCalc]:
    """The Dense/Linear layers of :func:`_leaves`, without deriving any other layer from its arguments."""
    if report is None:
        return
    for r in report.layers:
        if r.is_container:
            continue
        calc = r.calc
        if calc is None:
            if not r.type.endswith("Linear"):  # _from_config derives a Linear or an Embedding, nothing else
                continue
            calc = _from_config(r)
            if calc is None:
                continue
        if calc.kind in ("Dense", "Linear"):
            yield calc


def _from_config(row: LayerReport) -> LayerCalc | None:
    cfg = row.config
    try:
        if row.type.endswith("Linear") and isinstance(cfg.get("in_features"), int):
            return derive("Linear", Framework.TORCH, dict(cfg), [(None, cfg["in_features"])])
        if row.type.endswith("Embedding") and isinstance(cfg.get("num_embeddings"), int):
            return derive("Embedding", Framework.TORCH, dict(cfg), [(None, 1)])
    except LayerbotError:
        return None
    return None


def _first_dense(report: Report) -> tuple[int, str | None, str | None] | None:
    """(input width, previous layer's name, the Dense's name) of the report's first Dense/Linear."""
    rows = [r for r in report.layers if not r.is_container]
    for i, r in enumerate(rows):
        if r.calc is not None and r.calc.kind in ("Dense", "Linear"):
            n = r.calc.inputs[0][-1] if r.calc.inputs and r.calc.inputs[0] else None
            if n is None:
                return None
            prev = rows[i - 1].name if i > 0 else None
            return n, prev, r.name
    return None


def planned_layers(report: Report | None, text: str) -> tuple[PlannedLayer, ...]:
    """Dense/Linear layers written in ``text`` that the pasted model does not have, widest first."""
    text = text[:_MAX_SCAN]
    # Most pastes write no layer at all: the two literal tests (a fast scan each) spare reading the
    # model's layers.  Each regex's match starts with its literal.
    linears = list(_RE_TORCH_LINEAR.finditer(text)) if "Linear(" in text else []
    denses = list(_RE_KERAS_DENSE.finditer(text)) if "Dense(" in text else []
    if not linears and not denses:
        return ()
    fw = report.framework if report is not None else Framework.KERAS
    have = {(calc.inputs[0][-1] if calc.inputs else None, _out(calc)) for calc in _dense_calcs(report)}
    have_units = {u for _, u in have}
    found: dict[tuple[int, int], PlannedLayer] = {}
    first = _first_dense(report) if report is not None else None
    for m in linears:
        n, u = int(m.group(1)), int(m.group(2))
        if (n, u) in have or not (1 <= n <= 10**12 and 1 <= u <= 10**12):
            continue
        try:
            layer = derive("Linear", Framework.TORCH, {"in_features": n, "out_features": u}, [(None, n)])
        except LayerbotError:
            continue
        found.setdefault((n, u), PlannedLayer(f"Linear({n}, {u})", u, n, layer, None, None))
    if first is not None:
        n, prev, dense = first
        for m in denses:
            u = int(m.group(1).replace("_", ""))
            if u in have_units or not 1 <= u <= 10**12 or (n, u) in found:
                continue
            kind = "Linear" if fw is Framework.TORCH else "Dense"
            config: dict[str, object] = (
                {"in_features": n, "out_features": u} if fw is Framework.TORCH else {"units": u}
            )
            try:
                layer = derive(kind, fw, config, [(None, n)])
            except LayerbotError:
                continue
            found[(n, u)] = PlannedLayer(f"Dense({u})", u, n, layer, prev, dense)
    ordered = sorted(found.values(), key=lambda p: -p.layer.params)
    return tuple(ordered[:MAX_PLANNED])


def _out(calc: LayerCalc) -> int | None:
    out = calc.output
    return out[-1] if isinstance(out, tuple) and out else None


# ---------------------------------------------------------------------------------------------
# Helpers.


def _excerpt(text: str, m: re.Match[str]) -> str:
    line_start = text.rfind("\n", 0, m.start()) + 1
    line_end = text.find("\n", m.end())
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    line = " ".join(line.split())
    return line if len(line) <= 160 else line[:159] + "…"


def _ratio(a: int, b: int) -> str:
    return f"{a / b:,.1f}"


def _label(k: _Known) -> str:
    """``dense_2 (Dense)``; a planned ``Dense(172800)`` or an unnamed row as is."""
    return f"{k.name} ({k.calc.kind})" if not k.name.startswith(k.calc.kind) else k.name


def _formula(calc: LayerCalc) -> str:
    f = calc.formula
    return f.unicode if f is not None else "0"


def _weights(known: Sequence[_Known]) -> list[tuple[_Known, Weight]]:
    return [(k, w) for k in known for w in k.calc.weights if w.role != "buffer"]


def _dense_n(calc: LayerCalc) -> int | None:
    if calc.kind not in ("Dense", "Linear") or not calc.inputs or not calc.inputs[0]:
        return None
    return calc.inputs[0][-1]


def _width_fix(k: _Known, limit_elements: int, report: Report | None, key: str = "diag.fix.width") -> list[Message]:
    """'give dense_x at most N units (e.g. 512: …)' and, with a Flatten in front, the GAP numbers."""
    n = _dense_n(k.calc)
    if n is None:
        return []
    best = max_units_under(n, limit_elements)
    out: list[Message] = []
    if key == "diag.fix.width":
        suggested = _pow2_near_sqrt(n, _classes(report) or 1, best)
        example = _dense(n, suggested, k.calc.framework)
        out.append(Message(key, {"layer": _label(k), "max": best, "n": n, "suggested": suggested,
                                 "formula": _formula(example), "params": example.params}))
    else:
        out.append(Message(key, {"layer": _label(k), "max": best, "n": n}))
    out.extend(_gap_fix(k, report))
    return out


def _narrow_fix(k: _Known, report: Report | None, dtype: str) -> list[Message]:
    """A narrower width with what it costs to train, then the GAP numbers (for memory errors)."""
    n = _dense_n(k.calc)
    units = _out(k.calc)
    if n is None or units is None or units <= 1:
        return _gap_fix(k, report)
    suggested = min(_pow2_near_sqrt(n, _classes(report) or 1, INT32_MAX), max(1, units // 4))
    example = _dense(n, suggested, k.calc.framework)
    train = training_memory(example.params, 0, Optimizer.ADAM, dtype)
    return [Message("diag.fix.narrow", {"layer": _label(k), "units": suggested, "formula": _formula(example),
                                        "params": example.params, "train": format_bytes(train.total)}),
            *_gap_fix(k, report)]


def _gap_fix(k: _Known, report: Report | None) -> list[Message]:
    feed = flatten_source(report) if report is not None else None
    if feed is None:
        return []
    torch = k.calc.framework is Framework.TORCH
    channels = feed.map_shape[1] if torch else feed.map_shape[-1]
    rank = len(feed.map_shape) - 2
    if channels is None:
        return []
    flatten = f"{feed.flatten} (Flatten)" if feed.flatten[:1].isdigit() else feed.flatten
    if torch:
        return [Message("diag.fix.gap_torch", {"kind": f"AdaptiveAvgPool{rank}d(1)", "flatten": flatten,
                                               "channels": channels, "n": feed.n_in})]
    return [Message("diag.fix.gap", {"kind": f"GlobalAveragePooling{rank}D", "flatten": flatten,
                                     "channels": channels, "n": feed.n_in})]


def _classes(report: Report | None) -> int | None:
    dense = [k for k in _leaves(report) if k.calc.kind in ("Dense", "Linear")]
    return _out(dense[-1].calc) if dense else None


def _pow2_near_sqrt(n: int, m: int, cap: int) -> int:
    """The power of two at or below √(n·m), and within ``cap`` (the sizing advice's usual pick)."""
    root = max(1, math.isqrt(n * m))
    p = 1 << (root.bit_length() - 1)
    while p > max(cap, 1):
        p //= 2
    return max(p, 1)


def _dense(n: int, units: int, fw: Framework) -> LayerCalc:
    if fw is Framework.TORCH:
        return derive("Linear", Framework.TORCH, {"in_features": n, "out_features": units}, [(None, n)])
    return derive("Dense", Framework.KERAS, {"units": units}, [(None, n)])


def _context(report: Report | None, text: str) -> tuple[list[_Known], tuple[PlannedLayer, ...]]:
    planned = planned_layers(report, text)
    known = _leaves(report) + [_Known(p.label, p.layer) for p in planned]
    return known, planned


# ---------------------------------------------------------------------------------------------
# The recognisers.

_RE_RNG = re.compile(
    r"rng_mrg[ _-]?(?P<where>cpu|gpu)?[^\n]{0,120}?\(\s*2\s*\*\*\s*31\s*-\s*1\s*\)"
    r"|does not support more than \(\s*2\s*\*\*\s*31\s*-\s*1\s*\) samples",
    re.IGNORECASE,
)
_RE_TF_OOM = re.compile(
    r"OOM when allocating tensor (?:of|with) shape\s*\[?\s*(?P<dims>\d{1,12}(?:\s*,\s*\d{1,12}){0,7})\s*\]?"
    r"(?:\s*and type (?P<type>[a-z0-9]{1,12}))?",
    re.IGNORECASE,
)
_RE_PROTO = re.compile(r"Cannot create a tensor proto whose content is larger than 2\s?GB", re.IGNORECASE)
_SIZE = r"\d{1,9}(?:\.\d{1,4})?\s?[KMGT]i?B"
_RE_CUDA = re.compile(rf"CUDA out of memory\.?\s*Tried to allocate (?P<x>{_SIZE})", re.IGNORECASE)
_RE_CUDA_OLD = re.compile(
    rf"\(GPU (?P<gpu>\d{{1,3}}); (?P<total>{_SIZE}) total capacity; (?P<alloc>{_SIZE}) already allocated; "
    rf"(?P<free>{_SIZE}) free",
    re.IGNORECASE,
)
_RE_CUDA_NEW = re.compile(
    rf"GPU (?P<gpu>\d{{1,3}}) has a total capacit(?:y|ies) of (?P<total>{_SIZE}) of which (?P<free>{_SIZE}) is free"
    rf"(?:[^\n]{{0,200}}?(?P<alloc>{_SIZE}) is allocated by PyTorch)?",
    re.IGNORECASE,
)
_RE_MAT = re.compile(
    r"mat1 and mat2 shapes cannot be multiplied \((?P<b>\d{1,12})x(?P<f>\d{1,12}) and (?P<i>\d{1,12})x(?P<o>\d{1,12})\)"
)
_RE_AXIS = re.compile(
    r"expected axis -1 of input shape to have value (?P<exp>\d{1,12}),? but received input with shape "
    r"[(\[](?P<shape>[^)\]\n]{1,80})[)\]]"
)
_RE_AXIS_LAYER = re.compile(r"(?:of|in) layer\s*[\"']?(?P<layer>[\w./-]{1,64})[\"']?[:,]?\s*(?:is incompatible)?")
_RE_NEG = re.compile(r"(?P<which>Total|Trainable|Non-trainable) params:\s*(?P<n>-\s?\d{1,3}(?:,\d{3}){1,6}|-\s?\d{1,13})")

_TF_TYPES = {"float": "float32", "half": "float16", "double": "float64", "bfloat16": "bfloat16", "float32": "float32",
             "float16": "float16", "float64": "float64", "int8": "int8", "qint8": "int8", "uint8": "int8"}


# Literal prefilters.  A case-insensitive regex cannot use the fast literal scan a case-sensitive one
# does: it tries every character of the text (~0.5 ms each on a DenseNet121 summary).  So each
# recogniser first looks for a literal that every match of its regex holds, in the text's ASCII
# characters lower-cased (one encode, other characters dropped, which only joins what was apart).
# A needle holds no "i", "s" or "k": besides their ASCII capitals, "İ", "ı", "ſ" and the Kelvin sign
# match those case-insensitively, and they would be dropped.  For every other ASCII character the
# ASCII capital is the only other match, so a match's needle survives the fold intact.
_NEEDLES_RNG = (b"rng_mrg", b"upport more than")  # the two alternatives of _RE_RNG
_NEEDLES_TF_OOM = (b"oom when allocat",)
_NEEDLES_PROTO = (b"cannot create a ten",)
_NEEDLES_CUDA = (b"cuda out of memory",)
_NEEDLES_MAT = (b"mat1 and mat2 ",)
_NEEDLES_AXIS = (b"expected ax",)
_RE_NEG_HINT = re.compile(r":\s*-\s?\d")
"""What every match of :data:`_RE_NEG` holds (``params:`` then the minus sign and a digit), found
with a fast scan for ``:``."""


def _negative_possible(text: str, report: Report | None) -> bool:
    """Whether :func:`_negative` can find anything: a negative count in the text or in a row."""
    if _RE_NEG_HINT.search(text) is not None:
        return True
    if report is not None:
        for r in report.layers:  # a loop: a generator in any() costs a resumption per row
            if r.reported_params is not None and r.reported_params < 0:
                return True
    return False


def diagnose(text: str, report: Report | None = None) -> tuple[Diagnosis, ...]:
    """Every recognised error in ``text`` (each kind once), explained with ``report`` when given."""
    text = text[:_MAX_SCAN]
    folded = text.encode("ascii", "ignore").lower()
    known: list[_Known] | None = None  # the model's layers, read once a recogniser may need them
    out: list[Diagnosis] = []
    for fn, needles in (
        (_rng_mrg, _NEEDLES_RNG),
        (_tf_oom, _NEEDLES_TF_OOM),
        (_proto, _NEEDLES_PROTO),
        (_cuda_oom, _NEEDLES_CUDA),
        (_mat, _NEEDLES_MAT),
        (_axis, _NEEDLES_AXIS),
        (_negative, None),
    ):
        if needles is None:
            if not _negative_possible(text, report):
                continue
        elif not any(n in folded for n in needles):
            continue
        if known is None:
            known, _ = _context(report, text)
        try:
            d = fn(text, report, known)
        except LayerbotError:  # a message whose numbers the catalog refuses: not an error we can explain
            d = None
        if d is not None:
            out.append(d)
    return tuple(out[:MAX_DIAGNOSES])


def _rng_mrg(text: str, report: Report | None, known: list[_Known]) -> Diagnosis | None:
    m = _RE_RNG.search(text)
    if m is None:
        return None
    cause = Message("diag.rng_mrg.cause", {"limit": INT32_MAX})
    over = [(k, w) for k, w in _weights(known) if w.numel > INT32_MAX]
    details: list[Message] = []
    fixes: list[Message] = []
    layer: str | None = None
    for k, w in over[:2]:
        details.append(Message("diag.rng_mrg.layer", {
            "layer": _label(k), "tensor": w.name, "shape": format_shape(w.shape), "numel": w.numel,
            "ratio": _ratio(w.numel, INT32_MAX), "formula": _formula(k.calc), "params": k.calc.params,
            "size": format_bytes(param_bytes(k.calc.params, "float32"))}))
        layer = layer or k.name
    if over:
        fixes.extend(_width_fix(over[0][0], INT32_MAX, report))
    elif _weights(known):
        k, w = max(_weights(known), key=lambda kw: kw[1].numel)
        details.append(Message("diag.rng_mrg.none", {"largest": f"{_label(k)} {w.name} {format_shape(w.shape)}",
                                                     "numel": w.numel}))
        fixes.append(Message("diag.fix.paste"))
    else:
        details.append(Message("diag.rng_mrg.general", {"limit": INT32_MAX}))
        fixes.append(Message("diag.fix.paste"))
    fixes.append(Message("diag.fix.theano"))
    return Diagnosis("diag.rng_mrg", _excerpt(text, m), cause, tuple(details), tuple(fixes), layer,
                     (("limit", INT32_MAX),))


def _tf_oom(text: str, report: Report | None, known: list[_Known]) -> Diagnosis | None:
    m = _RE_TF_OOM.search(text)
    if m is None:
        return None
    dims = tuple(int(d) for d in re.split(r"\s*,\s*", m.group("dims").strip()))
    dtype = _TF_TYPES.get((m.group("type") or "float").lower(), "float32")
    numel = math.prod(dims)
    nbytes = param_bytes(numel, dtype)
    cause = Message("diag.tf_oom.cause", {"dims": ",".join(str(d) for d in dims),
                                          "numel": numel, "dtype": dtype, "size": format_bytes(nbytes)})
    details: list[Message] = []
    fixes: list[Message] = []
    layer: str | None = None
    match = next(((k, w) for k, w in _weights(known) if w.shape == dims or w.shape == dims[::-1]), None)
    if match is not None:
        k, w = match
        train = training_memory(k.calc.trainable_params, k.calc.non_trainable_params, Optimizer.ADAM, dtype)
        details.append(Message("diag.tf_oom.kernel", {"tensor": w.name, "layer": _label(k), "formula": _formula(k.calc),
                                                      "params": k.calc.params, "train": format_bytes(train.total)}))
        layer = k.name
        fixes.extend(_narrow_fix(k, report, dtype))
    elif len(dims) == 2:
        details.append(Message("diag.tf_oom.matrix", {"rows": dims[0], "cols": dims[1]}))
        fixes.append(Message("diag.fix.paste"))
        fixes.append(Message("diag.fix.gap_any"))
    else:
        batch = dims[0]
        per_example = format_bytes(param_bytes(numel // batch if batch else numel, dtype))
        act = next((k for k in known if isinstance(k.calc.output, tuple) and tuple(k.calc.output[1:]) == dims[1:]),
                   None)
        if act is not None:
            details.append(Message("diag.tf_oom.activation", {"layer": _label(act), "batch": batch,
                                                              "per_example": per_example}))
            layer = act.name
        else:
            details.append(Message("diag.tf_oom.map", {"rank": len(dims), "batch": batch, "per_example": per_example}))
        if batch > 1:
            half = batch // 2
            fixes.append(Message("diag.fix.batch", {"half": half,
                                                    "size": format_bytes(param_bytes(numel // batch * half, dtype))}))
        fixes.append(Message("diag.fix.smaller_input"))
    numbers = (*((f"dim{i}", d) for i, d in enumerate(dims)), ("elements", numel), ("bytes", nbytes))
    return Diagnosis("diag.tf_oom", _excerpt(text, m), cause, tuple(details), tuple(fixes), layer, numbers)


def _proto(text: str, report: Report | None, known: list[_Known]) -> Diagnosis | None:
    m = _RE_PROTO.search(text)
    if m is None:
        return None
    cause = Message("diag.proto.cause", {"limit": PROTO_LIMIT_BYTES})
    details: list[Message] = []
    fixes: list[Message] = []
    layer: str | None = None
    over = [(k, w) for k, w in _weights(known) if param_bytes(w.numel, "float32") >= PROTO_LIMIT_BYTES]
    for k, w in over[:2]:
        details.append(Message("diag.proto.layer", {
            "layer": _label(k), "tensor": w.name, "shape": format_shape(w.shape),
            "size": format_bytes(param_bytes(w.numel, "float32")), "formula": _formula(k.calc),
            "params": k.calc.params}))
        layer = layer or k.name
    if over:
        fixes.extend(_width_fix(over[0][0], (PROTO_LIMIT_BYTES - 1) // 4, report, "diag.fix.proto_width"))
    elif known and _weights(known):
        k, w = max(_weights(known), key=lambda kw: kw[1].numel)
        details.append(Message("diag.proto.none", {"largest": f"{_label(k)} {w.name}",
                                                   "size": format_bytes(param_bytes(w.numel, "float32"))}))
    else:
        fixes.append(Message("diag.fix.paste"))
    fixes.append(Message("diag.fix.variables"))
    return Diagnosis("diag.proto_2gb", _excerpt(text, m), cause, tuple(details), tuple(fixes), layer,
                     (("limit", PROTO_LIMIT_BYTES),))


def _bytes(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return parse_bytes(text)
    except InputError:
        return None


def _cuda_oom(text: str, report: Report | None, known: list[_Known]) -> Diagnosis | None:
    m = _RE_CUDA.search(text)
    if m is None:
        return None
    x = _bytes(m.group("x")) or 0
    rest = text[m.end() : m.end() + 600]
    cap = _RE_CUDA_OLD.search(rest) or _RE_CUDA_NEW.search(rest)
    total = _bytes(cap.group("total")) if cap else None
    free = _bytes(cap.group("free")) if cap else None
    alloc = _bytes(cap.group("alloc")) if cap else None
    if total is not None and free is not None and alloc is not None:
        capacity = Message("diag.cuda_oom.capacity", {"free": format_bytes(free), "total": format_bytes(total),
                                                      "allocated": format_bytes(alloc)})
        cause = Message("diag.cuda_oom.cause", {"size": format_bytes(x), "capacity": capacity})
    elif total is not None and free is not None:
        capacity = Message("diag.cuda_oom.capacity_free", {"free": format_bytes(free), "total": format_bytes(total)})
        cause = Message("diag.cuda_oom.cause", {"size": format_bytes(x), "capacity": capacity})
    else:
        cause = Message("diag.cuda_oom.cause_plain", {"size": format_bytes(x)})
    details: list[Message] = []
    fixes: list[Message] = []
    layer: str | None = None
    tolerance = max(x // 200, 2 << 20)  # the message prints 2 decimals; the allocator rounds to 2 MiB blocks
    for dtype in ("float32", "float16"):
        match = next(((k, w) for k, w in _weights(known) if abs(param_bytes(w.numel, dtype) - x) <= tolerance), None)
        if match is not None:
            k, w = match
            train = training_memory(k.calc.trainable_params, k.calc.non_trainable_params, Optimizer.ADAM, dtype)
            details.append(Message("diag.cuda_oom.weight", {
                "size": format_bytes(x), "layer": _label(k), "tensor": w.name, "shape": format_shape(w.shape),
                "dtype": dtype, "formula": _formula(k.calc), "params": k.calc.params,
                "train": format_bytes(train.total)}))
            layer = k.name
            n = _dense_n(k.calc)
            if n is not None and total is not None:
                best = _widest_training(n, total, k.calc.framework)
                fixes.append(Message("diag.fix.fit_width", {"layer": _label(k), "total": format_bytes(total),
                                                            "max": best, "n": n}))
            fixes.extend(_gap_fix(k, report))
            break
    if layer is None:
        for k in known:
            out = k.calc.output
            if not isinstance(out, tuple) or any(d is None for d in out[1:]):
                continue
            per = param_bytes(math.prod(d or 1 for d in out[1:]), "float32")
            if per and x >= per and abs(x - round(x / per) * per) <= tolerance and 1 <= round(x / per) <= 1 << 16:
                batch = round(x / per)
                details.append(Message("diag.cuda_oom.activation", {
                    "size": format_bytes(x), "layer": _label(k), "shape": format_shape(out[1:]),
                    "per_example": format_bytes(per), "batch": batch}))
                layer = k.name
                break
    if layer is None:
        details.append(Message("diag.cuda_oom.values", {"size": format_bytes(x), "values": x // 4}))
        if not known:
            fixes.append(Message("diag.fix.paste"))
    fixes.append(Message("diag.fix.amp"))
    numbers = (("bytes", x),) + ((("total", total),) if total is not None else ())
    return Diagnosis("diag.cuda_oom", _excerpt(text, m), cause, tuple(details), tuple(fixes), layer, numbers)


def _widest_training(n: int, total: int, fw: Framework) -> int:
    """Widest Dense on ``n`` inputs whose weights + gradients + Adam states (float32) fit in ``total``."""
    lo, hi = 0, max(1, total // (16 * n)) + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        layer = _dense(n, mid, fw)
        if training_memory(layer.params, 0, Optimizer.ADAM, "float32").total <= total:
            lo = mid
        else:
            hi = mid
    return lo


def _mat(text: str, report: Report | None, known: list[_Known]) -> Diagnosis | None:
    m = _RE_MAT.search(text)
    if m is None:
        return None
    b, f, i, o = (int(m.group(g)) for g in ("b", "f", "i", "o"))
    cause = Message("diag.mat.cause", {"i": i, "o": o, "f": f, "b": b})
    details: list[Message] = []
    layer: str | None = None
    linear = next((k for k in known if k.calc.kind == "Linear" and k.calc.config.get("in_features") == i
                   and _out(k.calc) == o), None)
    if linear is None and report is not None:
        linear = _repr_linear(report, i, o)
    if linear is not None:
        details.append(Message("diag.mat.layer", {"layer": _label(linear)}))
        layer = linear.name
    arg = f"{f}"
    factor = _factorise(report, f, layer)
    if factor is not None:
        details.append(factor[0])
        arg = factor[1]
    elif f > 1:
        options = _guesses(f)
        if options:
            details.append(Message("diag.mat.guess", {"f": f, "options": " / ".join(options)}))
    right = derive("Linear", Framework.TORCH, {"in_features": f, "out_features": o}, [(None, f)])
    wrong = derive("Linear", Framework.TORCH, {"in_features": i, "out_features": o}, [(None, i)])
    fixes = (
        Message("diag.fix.linear", {"arg": arg, "o": o, "formula": _formula(right), "params": right.params,
                                    "old_formula": _formula(wrong), "old_params": wrong.params}),
        Message("diag.fix.lazy", {"o": o}),
        Message("diag.fix.view", {"b": b}),
    )
    numbers = (("batch", b), ("features", f), ("in_features", i), ("out_features", o))
    return Diagnosis("diag.mat1_mat2", _excerpt(text, m), cause, tuple(details), fixes, layer, numbers)


def _repr_linear(report: Report, i: int, o: int) -> _Known | None:
    """A Linear(i, o) in a report whose rows could not be derived (a print(model) has no shapes)."""
    for r in report.layers:
        cfg = r.config
        if r.type.endswith("Linear") and cfg.get("in_features") == i and cfg.get("out_features") == o:
            calc = derive("Linear", Framework.TORCH, {"in_features": i, "out_features": o}, [(None, i)])
            return _Known(r.name or r.type, calc)
    return None


def _factorise(report: Report | None, f: int, linear: str | None) -> tuple[Message, str] | None:
    """F as C·H·W from the model: the map its flatten reads, or the last conv's channels (and, for a
    print(model), the input side that gives that map through the stack)."""
    if report is None:
        return None
    feed = flatten_source(report)
    if feed is not None and len(feed.map_shape) == 4:
        if report.framework is Framework.TORCH:
            c, h, w = feed.map_shape[1:]
        else:
            h, w, c = feed.map_shape[1:]
        if c is not None and h is not None and w is not None and c * h * w == f:
            msg = Message("diag.mat.map", {"f": f, "c": c, "h": h, "w": w, "source": feed.flatten})
            return msg, f"{c}*{h}*{w}"
    # a print(model): the last conv's out_channels, and an input side that produces the map
    rows = [r for r in report.layers if not r.is_container]
    stop = next((k for k, r in enumerate(rows) if r.name == linear), len(rows)) if linear else len(rows)
    stack = rows[:stop]
    convs = [r for r in stack if r.type.startswith("Conv") and isinstance(r.config.get("out_channels"), int)]
    if not convs:
        return None
    last = convs[-1]
    c = last.config["out_channels"]
    if f % c:
        return None
    side = math.isqrt(f // c)
    if side * side * c != f:
        return None
    chain = _input_side(stack, convs[0].config.get("in_channels"), side)
    name = last.name or last.type
    if chain is not None:
        msg = Message("diag.mat.map_chain", {"f": f, "c": c, "h": side, "w": side, "source": name,
                                             "side": chain[0], "chain": "→".join(str(s) for s in chain)})
    else:
        msg = Message("diag.mat.map_channels", {"f": f, "c": c, "h": side, "w": side, "source": name})
    return msg, f"{c}*{side}*{side}"


def _input_side(rows: Sequence[LayerReport], c_in: object, target: int, limit: int = 1024) -> list[int] | None:
    """The smallest square input side (≤ limit) for which the conv/pool stack ends on target×target,
    with the side after each step that changes it."""
    if not isinstance(c_in, int):
        return None
    for side in range(target, limit + 1):
        shape: Shape = (None, c_in, side, side)
        sides = [side]
        try:
            for r in rows:
                calc = derive(r.type, Framework.TORCH, dict(r.config), [shape])
                out = calc.output
                if not isinstance(out, tuple) or len(out) != 4:
                    raise InputError("whatif.error.branching", name=r.name or r.type)
                if out[2] != shape[2]:
                    sides.append(out[2] or 0)
                shape = out
        except UnknownLayerKind:
            return None
        except LayerbotError:
            continue
        if shape[2] == target and shape[3] == target:
            return sides
        if (shape[2] or 0) > target:
            break
    return None


def _guesses(f: int) -> list[str]:
    """C·H·H factorisations of f with a channel count that looks like one (1, 3 or a multiple of 8)."""
    out: list[str] = []
    for c in sorted({c for c in range(1, min(f, 4096) + 1) if f % c == 0}, key=lambda c: -c):
        if c not in (1, 3) and c % 8:
            continue
        side = math.isqrt(f // c)
        if side * side * c == f and side > 1:
            out.append(f"{c}·{side}·{side}")
        if len(out) == 3:
            break
    return out


def _shape_dims(text: str) -> tuple[int | None, ...]:
    dims: list[int | None] = []
    for part in text.split(","):
        p = part.strip()
        if not p:
            continue
        if p.lower() in ("none", "?", "-1"):
            dims.append(None)
        elif p.isdigit() and len(p) <= 12:
            dims.append(int(p))
        else:
            return ()
    return tuple(dims)


def _axis(text: str, report: Report | None, known: list[_Known]) -> Diagnosis | None:
    m = _RE_AXIS.search(text)
    if m is None:
        return None
    expected = int(m.group("exp"))
    shape = _shape_dims(m.group("shape"))
    if not shape or shape[-1] is None:
        return None
    got = shape[-1]
    lm = _RE_AXIS_LAYER.search(text[max(0, m.start() - 200) : m.start()])
    layer_name = lm.group("layer") if lm else "Dense"
    dense = next((k for k in known if k.name == layer_name and k.calc.kind in ("Dense", "Linear")), None)
    if dense is None:
        dense = next((k for k in known if _dense_n(k.calc) == expected), None)
    shown = "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"
    cause = Message("diag.axis.cause", {"layer": _label(dense) if dense else layer_name, "expected": expected,
                                        "got": got, "shape": shown})
    details: list[Message] = []
    fixes: list[Message] = []
    if len(shape) > 2:
        numel = math.prod(d or 1 for d in shape[1:])
        details.append(Message("diag.axis.rank", {"rank": len(shape), "shape": shown, "got": got, "numel": numel}))
    else:
        big, small = max(got, expected), min(got, expected)
        ratio = big // small if big % small == 0 else None
        k = math.isqrt(ratio) if ratio else 0
        if ratio and ratio > 1 and k * k == ratio:
            direction = Message("diag.axis.larger" if got > expected else "diag.axis.smaller")
            details.append(Message("diag.axis.scale", {"got": got, "expected": expected,
                                                       "ratio": _ratio(got, expected) if got > expected else
                                                       f"1/{ratio}", "k": k, "direction": direction}))
            checked = _check_scale(report, dense, got, k, got > expected)
            if checked is not None:
                details.append(checked[0])
                fixes.append(checked[1])
        elif ratio == 3:
            direction = Message("diag.axis.more" if got > expected else "diag.axis.fewer")
            details.append(Message("diag.axis.channels", {"got": got, "expected": expected,
                                                          "ratio": _ratio(got, expected), "direction": direction}))
    if not fixes:
        fixes.append(Message("diag.fix.resize_general"))
    fixes.append(Message("diag.fix.gap_any"))
    numbers = (("expected", expected), ("got", got))
    return Diagnosis("diag.keras_axis", _excerpt(text, m), cause, tuple(details), tuple(fixes),
                     dense.name if dense else layer_name, numbers)


def _check_scale(
    report: Report | None, dense: _Known | None, got: int, k: int, larger: bool
) -> tuple[Message, Message] | None:
    """Re-derive the pasted model with the input scaled by k per side; if its Dense then reads ``got``,
    say so (the data's size), and what that Dense would cost built for the data."""
    if report is None or dense is None:
        return None
    feed = flatten_source(report)
    rows = [r for r in report.layers if not r.is_container and r.calc is not None]
    if feed is None or not rows:
        return None
    assert rows[0].calc is not None  # noqa: S101
    shape = rows[0].calc.inputs[0]
    fw = report.framework
    dims = [d or 0 for d in shape[1:]]
    spatial = dims[:-1] if fw is Framework.KERAS else dims[1:]
    scaled = [d * k if larger else d // k for d in spatial]
    new = (*scaled, dims[-1]) if fw is Framework.KERAS else (dims[0], *scaled)
    try:
        what = apply(report, "input " + "x".join(str(d) for d in new))
    except LayerbotError:
        return None
    after = next((r for r in what.after.layers if r.name == dense.name and r.calc is not None), None)
    if after is None or after.calc is None or _dense_n(after.calc) != got:
        return None
    built = "×".join(str(d) for d in dims)
    data = "×".join(str(d) for d in new)
    checked = Message("diag.axis.checked", {"built": built, "data": data, "got": got, "layer": _label(dense)})
    fix = Message("diag.fix.resize", {"layer": _label(dense), "formula": _formula(after.calc),
                                      "params": after.calc.params})
    return checked, fix


def _negative(text: str, report: Report | None, known: list[_Known]) -> Diagnosis | None:
    m = _RE_NEG.search(text)
    which: Message
    if m is not None:
        reported = int(m.group("n").replace(",", "").replace(" ", ""))
        key = {"total": "which.total", "trainable": "which.trainable_params",
               "non-trainable": "which.non_trainable_params"}[m.group("which").lower()]
        which = Message(key)
        excerpt = _excerpt(text, m)
    else:
        row = next((r for r in (report.layers if report else ()) if (r.reported_params or 0) < 0), None)
        if row is None or row.reported_params is None:
            return None
        reported = row.reported_params
        which = Message("which.row", {"name": row.name or row.type})
        excerpt = f"{row.name or row.type} {reported:,}"
    real = reported % (1 << 32)
    cause = Message("diag.negative.cause", {"which": which, "reported": reported, "real": real})
    details: list[Message] = []
    fixes: list[Message] = []
    layer: str | None = None
    if report is not None and report.total_params is not None:
        biggest = max(known, key=lambda k: k.calc.params, default=None)
        if biggest is not None and biggest.calc.params > INT32_MAX:
            details.append(Message("diag.negative.model", {"total": report.total_params, "layer": _label(biggest),
                                                           "formula": _formula(biggest.calc),
                                                           "params": biggest.calc.params, "limit": INT32_MAX}))
            layer = biggest.name
            fixes.extend(_width_fix(biggest, INT32_MAX, report))
        else:
            details.append(Message("diag.negative.total", {"total": report.total_params}))
    fixes.append(Message("diag.fix.too_big"))
    return Diagnosis("diag.negative_params", excerpt, cause, tuple(details), tuple(fixes), layer,
                     (("reported", reported), ("real", real)))

