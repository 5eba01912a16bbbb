"""Sizing advice: candidate Dense widths with their cost, what the classic nets used, rules of thumb
with their status, and the brief advice ``/explain`` shows next to a pasted model.

The question behind it: *how wide should this Dense layer be, and why does mine crash?*  The honest
answer is not a magic number.  It is the cost of each choice on the user's own numbers, the
conventions that work, which rules are folklore and which have evidence behind them, and the
structural fix when the cost is absurd.

* :func:`suggest` builds every candidate head (``in → width (→ width …) → classes``) through the
  catalog, so each row's parameter count is the catalog's formula, and its memory comes from
  :mod:`calc.cost` (weights for inference, weights + gradients + Adam's two states for training).
* :func:`classic_heads` builds LeNet-5, AlexNet, VGG16 and ResNet-50 *whole*, layer by layer through
  the catalog, so "fc1 is 74 % of VGG16's 138,357,544 parameters" is computed, never typed in.
* :data:`RULES` are the rules of thumb as data, each labelled folklore or evidence with its source;
  :func:`rules_for` evaluates them for given ``n`` and ``m``.
* :func:`advise_paste` and :func:`advice_for_report` read a pasted model (a :class:`~calc.report.Report`)
  together with the rest of the pasted text (code, an error message) and return the full advice or
  a few brief findings for ``/explain``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import cache

from calc.catalog import MAX_SIZE, LayerCalc, derive
from calc.cost import (
    INT32_MAX,
    PROTO_LIMIT_BYTES,
    Optimizer,
    TrainingMemory,
    canonical_dtype,
    format_bytes,
    limit_findings,
    max_units_under,
    param_bytes,
    training_memory,
)
from calc.diagnose import Diagnosis, PlannedLayer, diagnose, planned_layers
from calc.errors import InputError
from calc.findings import Finding, Severity
from calc.i18n import Message, register
from calc.report import Report
from calc.types import Framework, Shape
from calc.whatif import WhatIf, alternatives, flatten_source

__all__ = [
    "MAX_HIDDEN_LAYERS",
    "RULES",
    "ClassicHead",
    "Label",
    "Oversized",
    "PasteAdvice",
    "Rule",
    "RuleValue",
    "Suggestion",
    "WidthOption",
    "advice_for_report",
    "advise_paste",
    "alternative_message",
    "classic_heads",
    "diagnosis_message",
    "geometric_mean",
    "head_layers",
    "oversized_message",
    "planned_message",
    "rules_for",
    "suggest",
    "table_message",
]

MAX_HIDDEN_LAYERS = 4
"""Most hidden layers a suggested head may have (AlexNet and VGG use two)."""

MAX_WIDTH_ROWS = 14
"""Most rows in a width table (powers of two around √(n·m), plus the special widths)."""

OVERSIZED_INPUT = 16_384
"""A Dense fed by a Flatten of a feature map with at least this many inputs gets the GAP advice."""

OVERSIZED_SHARE = Fraction(1, 2)
"""…as does one with at least :data:`OVERSIZED_SHARED_INPUT` inputs whose parameters are at least this
share of the model (AlexNet's 9,216 → 4,096: 62 %; not LeNet-5's 400 → 120)."""

OVERSIZED_SHARED_INPUT = 4_096

PARAMS_PER_SAMPLE_WARNING = 10
"""Warn when a head has more than this many parameters per training example."""

_MAX_SEARCH = 1 << 40  # upper end of the width searches (beyond any MAX_SIZE product we form)


class Label(StrEnum):
    """Whether a rule of thumb has evidence behind it."""

    FOLKLORE = "folklore"
    EVIDENCE = "evidence"


register(
    {
        # --- labels and rules ------------------------------------------------------------------
        "advice.label.folklore": {"en": "folklore", "zh": "经验之谈"},
        "advice.label.evidence": {"en": "evidence", "zh": "有证据"},
        "advice.rule.geometric": {
            "en": "Geometric pyramid: √(n·m) units, each further layer shrinking geometrically",
            "zh": "几何金字塔：√(n·m) 个单元，后续各层按几何比例缩小",
        },
        "advice.rule.geometric.value": {
            "en": "√({n}·{m}) ≈ {value}",
            "zh": "√({n}·{m}) ≈ {value}",
        },
        "advice.rule.geometric.note": {
            "en": "no evidence for CNN heads",
            "zh": "对 CNN 分类头没有证据支持",
        },
        "advice.rule.between": {
            "en": "Between the input size and the output size",
            "zh": "介于输入大小和输出大小之间",
        },
        "advice.rule.between.value": {"en": "{m} … {n}", "zh": "{m} … {n}"},
        "advice.rule.two_thirds": {
            "en": "2/3 of the input size plus the output size",
            "zh": "输入大小的 2/3 加上输出大小",
        },
        "advice.rule.two_thirds.value": {"en": "⌊2·{n}/3⌋ + {m} = {value}", "zh": "⌊2·{n}/3⌋ + {m} = {value}"},
        "advice.rule.two_thirds.note": {
            "en": "absurd for flattened images",
            "zh": "对展平后的图像来说很荒谬",
        },
        "advice.rule.twice": {
            "en": "Fewer than twice the input size",
            "zh": "少于输入大小的两倍",
        },
        "advice.rule.twice.value": {"en": "< 2·{n} = {value}", "zh": "< 2·{n} = {value}"},
        "advice.rule.twice.note": {"en": "an upper bound only", "zh": "只是一个上限"},
        "advice.rule.mean": {
            "en": "One hidden layer, the mean of input and output sizes",
            "zh": "一个隐藏层，取输入与输出大小的平均值",
        },
        "advice.rule.mean.value": {"en": "({n} + {m}) / 2 = {value}", "zh": "({n} + {m}) / 2 = {value}"},
        "advice.rule.data": {
            "en": "Training-data bound: N_s / (α·(n + m)) with α from 2 to 10",
            "zh": "训练数据上限：N_s / (α·(n + m))，α 取 2 到 10",
        },
        "advice.rule.data.value": {
            "en": "{samples} / (α·{nm}) = {lo} … {hi}",
            "zh": "{samples} / (α·{nm}) = {lo} … {hi}",
        },
        "advice.rule.data.no_samples": {
            "en": "give samples=… to evaluate it",
            "zh": "提供 samples=… 即可计算",
        },
        "advice.rule.data.note": {
            "en": "a heuristic tied to the number of training examples",
            "zh": "与训练样本数相关的启发式规则",
        },
        "advice.rule.sarle": {
            "en": "Counter-view: rules based on the numbers of inputs and outputs are \"utter, unredeemable "
            "nonsense\"; with early stopping or regularization, use plenty of units and choose by validation error",
            "zh": "反方观点：基于输入和输出个数的经验规则是\"彻头彻尾、无可救药的胡说\"；配合提前停止或正则化，"
            "可以使用较多的单元，并按验证误差来选择",
        },
        "advice.rule.sarle.note": {
            "en": "expert consensus: tune by validation",
            "zh": "专家共识：通过验证集调优",
        },
        "advice.rule.powers": {
            "en": "Powers of two (128, 256, 512, 4096)",
            "zh": "2 的幂（128、256、512、4096）",
        },
        "advice.rule.powers.note": {
            "en": "a convention; nothing makes 512 more accurate than 500",
            "zh": "只是惯例；512 并不会比 500 更准确",
        },
        "advice.rule.multiple8": {
            "en": "Multiples of 8 for float16/bfloat16 matrix multiplies (Tensor Cores)",
            "zh": "float16/bfloat16 矩阵乘法（Tensor Core）使用 8 的倍数",
        },
        "advice.rule.multiple8.note": {
            "en": "evidence for speed, not for accuracy",
            "zh": "对速度有证据，对准确率没有",
        },
        "advice.rule.gap": {
            "en": "Replace Flatten + Dense with GlobalAveragePooling: the head becomes C·m + m",
            "zh": "用 GlobalAveragePooling 取代 Flatten + Dense：分类头变为 C·m + m",
        },
        "advice.rule.gap.note": {
            "en": "a structural regularizer; used by NiN, GoogLeNet, ResNet",
            "zh": "一种结构性正则化；NiN、GoogLeNet、ResNet 都在用",
        },
        "advice.rule.transfer": {
            "en": "Transfer learning: shrink a pretrained head, e.g. 25088 → 4096 → 256 → classes",
            "zh": "迁移学习：缩小预训练模型的分类头，例如 25088 → 4096 → 256 → 类别数",
        },
        "advice.rule.transfer.note": {"en": "common practice, not evidence", "zh": "常见做法，并非证据"},
        "advice.rule.classes": {
            "en": "2 to 4 times the number of classes",
            "zh": "类别数的 2 到 4 倍",
        },
        "advice.rule.classes.value": {"en": "2·{m} … 4·{m} = {lo} … {hi}", "zh": "2·{m} … 4·{m} = {lo} … {hi}"},
        "advice.rule.classes.note": {
            "en": "AlexNet and VGG16 used about 4 × their 1,000 classes",
            "zh": "AlexNet 和 VGG16 用的约是其 1,000 个类别的 4 倍",
        },
        # --- rationales (one line per width) ---------------------------------------------------
        "advice.why.geometric": {
            "en": "≈ √({n}·{m}), the geometric pyramid rule (folklore); nearest multiple of 8: {m8}",
            "zh": "≈ √({n}·{m})，几何金字塔规则（经验之谈）；最接近的 8 的倍数：{m8}",
        },
        "advice.why.yours": {"en": "your width", "zh": "你的宽度"},
        "advice.why.classic_same": {
            "en": "{net}'s own width on the same {n} inputs",
            "zh": "{net} 在同样 {n} 个输入上用的就是这个宽度",
        },
        "advice.why.classic": {
            "en": "what {net} used ({n_in} → {width} → … → {classes})",
            "zh": "{net} 的用法（{n_in} → {width} → … → {classes}）",
        },
        "advice.why.int32": {
            "en": "kernel over 2**31 − 1 elements: Theano and int32-indexed code refuse it",
            "zh": "核超过 2**31 − 1 个元素：Theano 和用 int32 索引的代码会拒绝",
        },
        "advice.why.gpu": {
            "en": "Adam training does not fit in {gpu}",
            "zh": "用 Adam 训练时放不进 {gpu}",
        },
        "advice.why.budget": {"en": "over the budget of {budget} parameters", "zh": "超出了 {budget} 个参数的预算"},
        "advice.why.proto": {
            "en": "kernel ≥ 2 GB in {dtype}: a frozen TensorFlow graph cannot hold it",
            "zh": "核在 {dtype} 下 ≥ 2 GB：冻结的 TensorFlow 计算图放不下",
        },
        "advice.why.bottleneck": {
            "en": "narrower than the {m} outputs: a bottleneck",
            "zh": "比 {m} 个输出还窄：形成瓶颈",
        },
        "advice.why.in_range": {
            "en": "inside the recommended range; a power of two by convention",
            "zh": "位于推荐范围内；按惯例取 2 的幂",
        },
        "advice.why.narrow": {
            "en": "cheap; may underfit if the classes are hard to separate",
            "zh": "开销小；若类别难以区分可能欠拟合",
        },
        "advice.why.wide": {
            "en": "costly; more capacity than most heads need, so regularize",
            "zh": "开销大；容量超过多数分类头所需，需加正则化",
        },
        # --- recommendation -------------------------------------------------------------------
        "advice.recommend": {
            "en": "Start with {lo}–{hi} units (e.g. {pick}): √({n}·{m}) ≈ {geo} lies in this range, and with "
            "hidden_layers={hidden} the head then has {p_lo}–{p_hi} parameters. Powers of two are a convention "
            "(multiples of 8 run faster on Tensor Cores); no rule predicts accuracy, so compare two or three "
            "widths on validation data.",
            "zh": "从 {lo}–{hi} 个单元开始（例如 {pick}）：√({n}·{m}) ≈ {geo} 落在这个范围内，"
            "在 hidden_layers={hidden} 时分类头的参数为 {p_lo}–{p_hi}。取 2 的幂只是惯例（8 的倍数在 Tensor Core "
            "上更快）；没有哪条规则能预测准确率，请在验证集上比较两三个宽度。",
        },
        "advice.recommend_capped": {
            "en": "Start with {lo}–{hi} units (e.g. {pick}): the limits given cap the width at {max}, below "
            "√({n}·{m}) ≈ {geo}. With hidden_layers={hidden} the head then has {p_lo}–{p_hi} parameters. When the "
            "input is this large, shrinking it buys more than any width.",
            "zh": "从 {lo}–{hi} 个单元开始（例如 {pick}）：给定的限制把宽度限制在 {max} 以内，低于 "
            "√({n}·{m}) ≈ {geo}。在 hidden_layers={hidden} 时分类头的参数为 {p_lo}–{p_hi}。输入这么大时，"
            "缩小输入比调整宽度更有效。",
        },
        "advice.recommend_none": {
            "en": "No width from {lo} up fits the limits here (the widest allowed is {max}). Shrink the input "
            "instead: GlobalAveragePooling, one more pooling or stride-2 step, or a smaller image.",
            "zh": "从 {lo} 起没有任何宽度满足这里的限制（最多只能是 {max}）。请改为缩小输入："
            "GlobalAveragePooling、再加一次池化或步长为 2 的卷积，或者使用更小的图像。",
        },
        "advice.per_unit": {
            "en": "Each unit of the first hidden layer costs {n} + 1 weights and bias, plus its {next} outgoing "
            "weights. With {n} inputs the cost lives in the input: shrinking it (GlobalAveragePooling instead "
            "of Flatten, one more pooling or stride-2 step, a smaller image) makes every row cheaper. /whatif "
            "shows it on your model.",
            "zh": "第一个隐藏层的每个单元需要 {n} + 1 个权重和偏置，外加 {next} 个输出权重。输入有 {n} 个时，"
            "开销主要来自输入：缩小输入（用 GlobalAveragePooling 代替 Flatten、再加一次池化或步长为 2 的"
            "卷积、更小的图像）会让每一行都更便宜。/whatif 可以在你的模型上演示。",
        },
        # --- warnings -------------------------------------------------------------------------
        "advice.warn.int32": {
            "en": "From {width} units up, the first kernel has more than 2**31 − 1 = {limit} elements "
            "({n} × {width} = {numel}); Theano's rng_mrg and int32-indexed code refuse it. The widest under "
            "the limit is {max}.",
            "zh": "从 {width} 个单元起，第一个核的元素超过 2**31 − 1 = {limit}（{n} × {width} = {numel}）；"
            "Theano 的 rng_mrg 以及用 int32 索引的代码会拒绝。限制以内最宽为 {max}。",
        },
        "advice.warn.proto": {
            "en": "From {width} units up, the first kernel takes {size} in {dtype}, at least 2 GB: TensorFlow "
            "cannot freeze or export it as a constant. The widest under 2 GB is {max}.",
            "zh": "从 {width} 个单元起，第一个核在 {dtype} 下占 {size}，达到 2 GB：TensorFlow 无法把它作为常量"
            "冻结或导出。2 GB 以内最宽为 {max}。",
        },
        "advice.warn.gpu": {
            "en": "From {width} units up, training the head with Adam in {dtype} needs {need}, more than the "
            "{gpu} GPU (activations not counted). The widest that fits is {max}.",
            "zh": "从 {width} 个单元起，用 Adam 以 {dtype} 训练分类头需要 {need}，超过了 {gpu} 的 GPU"
            "（未计激活值）。放得下的最宽为 {max}。",
        },
        "advice.warn.budget": {
            "en": "From {width} units up, the head has {params} parameters, over the budget of {budget}. The "
            "widest within budget is {max}.",
            "zh": "从 {width} 个单元起，分类头有 {params} 个参数，超出 {budget} 的预算。预算以内最宽为 {max}。",
        },
        "advice.warn.samples_none": {
            "en": "The head has {params} parameters or more for {samples} training examples: the training-data "
            "rule allows not even one unit on {n} inputs. Shrink the input (GlobalAveragePooling, more pooling) or "
            "gather more data; regularize strongly either way.",
            "zh": "分类头至少有 {params} 个参数，而训练样本只有 {samples} 个：按训练数据规则，在 {n} 个输入上"
            "连一个单元都不够。请缩小输入（GlobalAveragePooling、更多池化）或收集更多数据；无论如何都要加强正则化。",
        },
        "advice.warn.samples": {
            "en": "From {width} units up, the head has {params} parameters for {samples} training examples, "
            "{ratio} per example: expect overfitting without strong regularization (dropout, weight decay, "
            "early stopping, augmentation). The training-data rule gives {lo} … {hi} units.",
            "zh": "从 {width} 个单元起，分类头有 {params} 个参数，而训练样本只有 {samples} 个，每个样本 "
            "{ratio} 个参数：没有强正则化（dropout、权重衰减、提前停止、数据增强）的话预计会过拟合。"
            "按训练数据规则应为 {lo} … {hi} 个单元。",
        },
        "advice.error.classes": {
            "en": "classes must be at least 1 and in_features at least 1; got {n} and {m}.",
            "zh": "classes 和 in_features 都必须至少为 1；收到的是 {n} 和 {m}。",
        },
        "advice.error.hidden": {
            "en": "hidden_layers must be from 1 to {max}; got {value}.",
            "zh": "hidden_layers 必须在 1 到 {max} 之间；收到的是 {value}。",
        },
        # --- classic nets ---------------------------------------------------------------------
        "advice.classic.lenet": {
            "en": "C5 is really a 5×5 convolution; 84 = a 7×12 bitmap for the RBF output codes: a task-specific "
            "choice, not a rule. Modern reconstruction (full C3, no RBF).",
            "zh": "C5 实际上是 5×5 卷积；84 = 7×12 的位图，对应 RBF 输出编码：这是针对任务的选择，不是规则。"
            "此处为现代复现（C3 全连接、无 RBF）。",
        },
        "advice.classic.alexnet": {
            "en": "torchvision's version; the two 4096-wide layers are most of the network.",
            "zh": "torchvision 的版本；两个 4096 宽的层占了网络的大部分。",
        },
        "advice.classic.vgg16": {
            "en": "Keras applications' version; fc1 alone holds most of the parameters.",
            "zh": "Keras applications 的版本；仅 fc1 就占了大部分参数。",
        },
        "advice.classic.resnet50": {
            "en": "torchvision's version; global average pooling replaces the big fully connected stack.",
            "zh": "torchvision 的版本；全局平均池化取代了庞大的全连接层堆叠。",
        },
        # --- pasted model ---------------------------------------------------------------------
        "advice.planned": {
            "en": "{label} on {n} inputs: {formula} = {params} parameters = {size} in {dtype}.",
            "zh": "{label} 在 {n} 个输入上：{formula} = {params} 个参数 = {dtype} 下 {size}。",
        },
        "advice.planned_after": {
            "en": "{label} after {after} ({n} inputs): {formula} = {params} parameters = {size} in {dtype}.",
            "zh": "{label} 接在 {after} 之后（{n} 个输入）：{formula} = {params} 个参数 = {dtype} 下 {size}。",
        },
        "advice.planned_int32": {
            "en": "Its kernel has {numel} elements, more than 2**31 − 1 = {limit}: Theano's random generator "
            "refuses to draw that many numbers in one call (\"rng_mrg … (2**31 -1) samples\"), and other "
            "int32-indexed code breaks too. The widest Dense on {n} inputs that stays under the limit has "
            "{max} units.",
            "zh": "它的核有 {numel} 个元素，超过 2**31 − 1 = {limit}：Theano 的随机数生成器拒绝一次生成这么多"
            "数（\"rng_mrg … (2**31 -1) samples\"），其他用 int32 索引的代码也会出错。在 {n} 个输入上"
            "不超过该限制的 Dense 最多有 {max} 个单元。",
        },
        "advice.planned_proto": {
            "en": "Its kernel takes {size} in {dtype}, at least 2 GB: TensorFlow cannot freeze or export it as a "
            "constant. Under 2 GB the widest is {max}.",
            "zh": "它的核在 {dtype} 下占 {size}，达到 2 GB：TensorFlow 无法把它作为常量冻结或导出。"
            "2 GB 以内最宽为 {max}。",
        },
        "advice.table": {
            "en": "Cost of a hidden Dense on {n} inputs → {m} outputs (head parameters · weights in {dtype} · "
            "training with Adam): {rows}. {command} has the full table, the rules of thumb and what classic nets "
            "used.",
            "zh": "{n} 个输入 → {m} 个输出时隐藏 Dense 层的开销（分类头参数 · {dtype} 权重 · 用 Adam 训练）："
            "{rows}。{command} 有完整的表格、经验规则以及经典网络的用法。",
        },
        "advice.table_row": {
            "en": "{units} → {params} · {size} · {train}",
            "zh": "{units} → {params} · {size} · {train}",
        },
        "advice.oversized": {
            "en": "{layer} takes {n} inputs from {source} ({dims}): its {params} parameters are {share} of the "
            "model, and every unit costs {n} + 1 of them. The cost lives in the input, not in the width.",
            "zh": "{layer} 从 {source}（{dims}）接收 {n} 个输入：它的 {params} 个参数占模型的 {share}，"
            "每个单元要花 {n} + 1 个参数。开销来自输入，而不是宽度。",
        },
        "advice.alternative": {
            "en": "{change}: {formulas}; model {before} → {after} parameters ({delta}).",
            "zh": "{change}：{formulas}；模型参数 {before} → {after}（{delta}）。",
        },
        "advice.alternative_formula": {
            "en": "{layer} = {formula} = {params}",
            "zh": "{layer} = {formula} = {params}",
        },
        "advice.alternative_formula_none": {
            "en": "{layer}: no parameters",
            "zh": "{layer}：没有参数",
        },
        "advice.diagnosis": {
            "en": "{error}: {cause} Fix: {fixes}",
            "zh": "{error}：{cause} 解决办法：{fixes}",
        },
    }
)


# ---------------------------------------------------------------------------------------------
# Rules of thumb, as data.


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule of thumb for the first hidden layer between ``n`` inputs and ``m`` outputs."""

    key: str
    label: Label
    source: str  # who said it, where (names and titles are not translated)
    statement: Message
    note: Message | None = None


RULES: tuple[Rule, ...] = (
    Rule("geometric", Label.FOLKLORE,
         "Masters 1993, Practical Neural Network Recipes in C++ (quoted widely)",
         Message("advice.rule.geometric"), Message("advice.rule.geometric.note")),
    Rule("between", Label.FOLKLORE,
         "Heaton, Introduction to Neural Networks for Java, 2nd ed. (stats.stackexchange 442799, 350718)",
         Message("advice.rule.between")),
    Rule("two_thirds", Label.FOLKLORE, "Heaton (same)", Message("advice.rule.two_thirds"),
         Message("advice.rule.two_thirds.note")),
    Rule("twice", Label.FOLKLORE, "Heaton (same)", Message("advice.rule.twice"), Message("advice.rule.twice.note")),
    Rule("mean", Label.FOLKLORE, "stackoverflow 35520587; Cross Validated \"How to choose the number of hidden "
         "layers and nodes\"", Message("advice.rule.mean")),
    Rule("classes", Label.FOLKLORE, "answer to the seed question (AlexNet, VGG16 heads)",
         Message("advice.rule.classes"), Message("advice.rule.classes.note")),
    Rule("data", Label.FOLKLORE, "common forum rule (faqs.tips)", Message("advice.rule.data"),
         Message("advice.rule.data.note")),
    Rule("sarle", Label.EVIDENCE,
         "Warren Sarle, comp.ai.neural-nets FAQ part 3 (faqs.org/faqs/ai-faq/neural-nets/part3/section-10.html)",
         Message("advice.rule.sarle"), Message("advice.rule.sarle.note")),
    Rule("powers", Label.FOLKLORE, "convention", Message("advice.rule.powers"), Message("advice.rule.powers.note")),
    Rule("multiple8", Label.EVIDENCE,
         "PyTorch Performance Tuning Guide; NVIDIA \"Matrix Multiplication Background\" guide",
         Message("advice.rule.multiple8"), Message("advice.rule.multiple8.note")),
    Rule("gap", Label.EVIDENCE, "Lin, Chen, Yan, Network in Network (arXiv 1312.4400 §3.2)",
         Message("advice.rule.gap"), Message("advice.rule.gap.note")),
    Rule("transfer", Label.FOLKLORE, "fine-tuning code in many repositories", Message("advice.rule.transfer"),
         Message("advice.rule.transfer.note")),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RuleValue:
    """A rule evaluated for given ``n``, ``m`` (``value`` is None when it gives no number)."""

    rule: Rule
    value: Message | None
    low: int | None = None  # the width(s) it points at, for tables and tests
    high: int | None = None


def geometric_mean(n: int, m: int) -> tuple[float, int]:
    """(√(n·m), √(n·m) rounded to the nearest whole number): 86400, 4 → (587.87…, 588)."""
    product = n * m
    root = math.isqrt(product)
    # round half up on the exact value: compare (root + 0.5)² = root² + root + 0.25 with n·m
    rounded = root + 1 if product - root * root > root else root
    return math.sqrt(product), rounded


def _fmt_float(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def rules_for(n: int, m: int, samples: int | None = None) -> tuple[RuleValue, ...]:
    """Every rule in :data:`RULES` evaluated for ``n`` inputs and ``m`` outputs (integer arithmetic)."""
    _, geo = geometric_mean(n, m)
    out: list[RuleValue] = []
    for rule in RULES:
        if rule.key == "geometric":
            out.append(RuleValue(rule, Message("advice.rule.geometric.value", {"n": n, "m": m, "value": geo}), geo, geo))
        elif rule.key == "between":
            out.append(RuleValue(rule, Message("advice.rule.between.value", {"n": n, "m": m}), min(n, m), max(n, m)))
        elif rule.key == "two_thirds":
            v = 2 * n // 3 + m
            out.append(RuleValue(rule, Message("advice.rule.two_thirds.value", {"n": n, "m": m, "value": v}), v, v))
        elif rule.key == "twice":
            out.append(RuleValue(rule, Message("advice.rule.twice.value", {"n": n, "value": 2 * n}), None, 2 * n - 1))
        elif rule.key == "mean":
            v = (n + m) // 2
            out.append(RuleValue(rule, Message("advice.rule.mean.value", {"n": n, "m": m, "value": v}), v, v))
        elif rule.key == "classes":
            msg = Message("advice.rule.classes.value", {"m": m, "lo": 2 * m, "hi": 4 * m})
            out.append(RuleValue(rule, msg, 2 * m, 4 * m))
        elif rule.key == "data":
            if samples is None:
                out.append(RuleValue(rule, Message("advice.rule.data.no_samples")))
            else:
                lo, hi = _data_bound(samples, n, m)
                msg = Message("advice.rule.data.value", {"samples": samples, "nm": n + m, "lo": lo, "hi": hi})
                out.append(RuleValue(rule, msg, lo, hi))
        else:
            out.append(RuleValue(rule, None))
    return tuple(out)


def _data_bound(samples: int, n: int, m: int) -> tuple[int, int]:
    """N_s / (α(n + m)) for α = 10 (low) and α = 2 (high), rounded down."""
    return samples // (10 * (n + m)), samples // (2 * (n + m))


# ---------------------------------------------------------------------------------------------
# Heads through the catalog.


def head_layers(
    n: int, width: int, classes: int, hidden_layers: int = 1, framework: Framework = Framework.KERAS
) -> tuple[LayerCalc, ...]:
    """``n → width (→ width …) → classes`` as catalog layers: ``hidden_layers`` Dense(width), then Dense(classes).

    Every hidden layer has the same width, as in AlexNet and VGG16 (4096 → 4096).
    """
    layers: list[LayerCalc] = []
    inputs = n
    for units in [width] * hidden_layers + [classes]:
        layers.append(_dense(inputs, units, framework))
        inputs = units
    return tuple(layers)


def _dense(n: int, units: int, framework: Framework) -> LayerCalc:
    if framework is Framework.TORCH:
        return derive("Linear", Framework.TORCH, {"in_features": n, "out_features": units}, [(None, n)])
    return derive("Dense", Framework.KERAS, {"units": units}, [(None, n)])


def _head_params(n: int, width: int, classes: int, hidden: int) -> int:
    return sum(layer.params for layer in head_layers(n, width, classes, hidden))


def _widest(ok: Callable[[int], bool], upper: int = _MAX_SEARCH) -> int:
    """Largest width w ≥ 0 with ok(w) (ok must be monotone: true up to some width, false after)."""
    if not ok(1):
        return 0
    lo, hi = 1, 2
    while hi < upper and ok(hi):
        lo, hi = hi, hi * 2
    hi = min(hi, upper)
    if ok(hi):
        return hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo


# ---------------------------------------------------------------------------------------------
# Classic architectures, built whole through the catalog.


@dataclass(frozen=True, slots=True)
class ClassicHead:
    """A classic network's head with real numbers, computed from its full layer list."""

    name: str
    year: int
    framework: Framework
    in_factors: tuple[int, ...]  # the map the head reads: (16, 5, 5) for LeNet-5's 400, (2048,) after GAP
    head: tuple[LayerCalc, ...]  # the Dense / Linear layers of the head, in order
    total_params: int  # the whole network
    note: Message
    source: str

    @property
    def in_features(self) -> int:
        return self.head[0].inputs[0][-1] or 0

    @property
    def widths(self) -> tuple[int, ...]:
        """Output width of each head layer (the last is the class count)."""
        return tuple(_units(layer) for layer in self.head)

    @property
    def classes(self) -> int:
        return self.widths[-1]

    @property
    def head_params(self) -> int:
        return sum(layer.params for layer in self.head)

    @property
    def first_share(self) -> Fraction:
        """The first head layer's share of the whole network."""
        return Fraction(self.head[0].params, self.total_params)

    @property
    def head_share(self) -> Fraction:
        return Fraction(self.head_params, self.total_params)


def _units(layer: LayerCalc) -> int:
    out = layer.output
    assert isinstance(out, tuple)  # noqa: S101 - Dense/Linear have one output
    return out[-1] or 0


class _Net:
    """A tiny sequential builder: each add() derives one layer on the previous output."""

    def __init__(self, framework: Framework, shape: Shape) -> None:
        self.framework = framework
        self.shape = shape
        self.layers: list[LayerCalc] = []

    def add(self, kind: str, **config: object) -> LayerCalc:
        layer = derive(kind, self.framework, config, [self.shape])
        out = layer.output
        assert isinstance(out, tuple)  # noqa: S101 - every layer used here has one output
        self.shape = out
        self.layers.append(layer)
        return layer

    def side(self, kind: str, shape: Shape, **config: object) -> LayerCalc:
        """A layer off the main path (a residual projection): counted, does not move the shape."""
        layer = derive(kind, self.framework, config, [shape])
        self.layers.append(layer)
        return layer

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)


def _lenet5() -> ClassicHead:
    net = _Net(Framework.KERAS, (None, 32, 32, 1))
    net.add("Conv2D", filters=6, kernel_size=5)
    net.add("AveragePooling2D", pool_size=2)
    net.add("Conv2D", filters=16, kernel_size=5)
    net.add("AveragePooling2D", pool_size=2)
    h, w, c = (d or 0 for d in net.shape[1:])
    net.add("Flatten")
    head = (net.add("Dense", units=120), net.add("Dense", units=84), net.add("Dense", units=10))
    return ClassicHead("LeNet-5", 1998, Framework.KERAS, (c, h, w), head, net.params,
                       Message("advice.classic.lenet"), "LeCun et al. 1998; hackmd.io/@imkushwaha/lenet")


def _alexnet() -> ClassicHead:
    net = _Net(Framework.TORCH, (None, 3, 224, 224))
    for out_c, k, s, p, pool in ((64, 11, 4, 2, True), (192, 5, 1, 2, True), (384, 3, 1, 1, False),
                                 (256, 3, 1, 1, False), (256, 3, 1, 1, True)):
        net.add("Conv2d", in_channels=net.shape[1], out_channels=out_c, kernel_size=k, stride=s, padding=p)
        if pool:
            net.add("MaxPool2d", kernel_size=3, stride=2)
    net.add("AdaptiveAvgPool2d", output_size=(6, 6))
    c, h, w = (d or 0 for d in net.shape[1:])
    net.add("Flatten")
    head = tuple(net.add("Linear", in_features=net.shape[-1], out_features=u) for u in (4096, 4096, 1000))
    return ClassicHead("AlexNet", 2012, Framework.TORCH, (c, h, w), head, net.params,
                       Message("advice.classic.alexnet"), "torchvision/models/alexnet.py")


def _vgg16() -> ClassicHead:
    net = _Net(Framework.KERAS, (None, 224, 224, 3))
    for filters, repeat in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        for _ in range(repeat):
            net.add("Conv2D", filters=filters, kernel_size=3, padding="same")
        net.add("MaxPooling2D", pool_size=2)
    h, w, c = (d or 0 for d in net.shape[1:])
    net.add("Flatten")
    head = (net.add("Dense", units=4096), net.add("Dense", units=4096), net.add("Dense", units=1000))
    return ClassicHead("VGG16", 2014, Framework.KERAS, (c, h, w), head, net.params,
                       Message("advice.classic.vgg16"), "keras.applications.VGG16; Simonyan & Zisserman 2014")


def _resnet50() -> ClassicHead:
    net = _Net(Framework.TORCH, (None, 3, 224, 224))
    net.add("Conv2d", in_channels=3, out_channels=64, kernel_size=7, stride=2, padding=3, bias=False)
    net.add("BatchNorm2d", num_features=64)
    net.add("MaxPool2d", kernel_size=3, stride=2, padding=1)
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for b in range(blocks):
            s = stride if b == 0 else 1
            block_in = net.shape
            c_in = block_in[1]
            net.add("Conv2d", in_channels=c_in, out_channels=width, kernel_size=1, bias=False)
            net.add("BatchNorm2d", num_features=width)
            net.add("Conv2d", in_channels=width, out_channels=width, kernel_size=3, stride=s, padding=1, bias=False)
            net.add("BatchNorm2d", num_features=width)
            net.add("Conv2d", in_channels=width, out_channels=4 * width, kernel_size=1, bias=False)
            net.add("BatchNorm2d", num_features=4 * width)
            if b == 0:  # the projection shortcut
                proj = net.side("Conv2d", block_in, in_channels=c_in, out_channels=4 * width, kernel_size=1,
                                stride=s, bias=False)
                net.side("BatchNorm2d", proj.output if isinstance(proj.output, tuple) else block_in,
                         num_features=4 * width)
    net.add("AdaptiveAvgPool2d", output_size=1)
    net.add("Flatten")
    c = net.shape[-1] or 0
    head = (net.add("Linear", in_features=c, out_features=1000),)
    return ClassicHead("ResNet-50", 2015, Framework.TORCH, (c,), head, net.params,
                       Message("advice.classic.resnet50"), "torchvision/models/resnet.py; He et al. 2015")


@cache
def classic_heads() -> tuple[ClassicHead, ...]:
    """LeNet-5, AlexNet, VGG16 and ResNet-50, each built whole through the catalog (computed once)."""
    return (_lenet5(), _alexnet(), _vgg16(), _resnet50())


# ---------------------------------------------------------------------------------------------
# /suggest


@dataclass(frozen=True, slots=True)
class WidthOption:
    """One candidate width and what it costs."""

    units: int
    layers: tuple[LayerCalc, ...]  # the head: hidden Dense layer(s), then the output layer
    params: int  # the whole head
    weight_bytes: int  # the head's weights in the chosen dtype (what inference holds)
    training: TrainingMemory  # weights + gradients + Adam's two states
    rationale: Message
    tags: frozenset[str]  # geometric, power_of_two, multiple_of_8, classic, yours, recommended
    over: tuple[str, ...] = ()  # limits crossed: int32, proto, gpu, budget, samples

    @property
    def first(self) -> LayerCalc:
        return self.layers[0]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Everything /suggest answers for ``in_features`` → ``classes``."""

    in_features: int
    classes: int
    hidden_layers: int
    dtype: str
    budget: int | None
    samples: int | None
    gpu_memory: int | None
    geometric: float  # √(n·m)
    geometric_rounded: int
    options: tuple[WidthOption, ...]
    recommended: tuple[int, int] | None
    recommendation: Message
    max_int32: int  # widest first layer with a kernel of at most 2**31 − 1 elements
    max_proto: int  # widest first layer with a kernel under 2 GB in dtype
    max_gpu: int | None
    max_budget: int | None
    rules: tuple[RuleValue, ...]
    classics: tuple[ClassicHead, ...]
    findings: tuple[Finding, ...]
    structural: Message | None  # the "shrink the input" advice when n is large

    def option(self, units: int) -> WidthOption | None:
        return next((o for o in self.options if o.units == units), None)


def _pow2_floor(x: int) -> int:
    return 1 << (max(x, 1).bit_length() - 1)


def _candidates(n: int, m: int, geo: int, extra: Sequence[int]) -> list[int]:
    base = _pow2_floor(geo)
    lo = max(8, _pow2_floor(m), base // 8)
    hi = max(lo, min(base * 8, max(8192, base)))
    widths: set[int] = set()
    w = lo
    while w <= hi and len(widths) < MAX_WIDTH_ROWS - 2:
        widths.add(w)
        w *= 2
    widths.add(geo)
    widths.update(x for x in extra if x >= 1)
    for classic in classic_heads():
        if classic.in_features == n:
            widths.add(classic.widths[0])
    return sorted(widths)


def suggest(
    in_features: int,
    classes: int,
    hidden_layers: int = 1,
    *,
    budget: int | None = None,
    samples: int | None = None,
    dtype: str = "float32",
    gpu_memory: int | None = None,
    extra: Sequence[int] = (),
) -> Suggestion:
    """Candidate widths for a head ``in_features → width (→ width …) → classes``, each with its cost.

    ``budget`` caps the head's parameters, ``samples`` is the number of training examples,
    ``gpu_memory`` is in bytes, ``extra`` adds widths of the user's own (marked ``yours``).
    """
    n, m = in_features, classes
    if isinstance(n, bool) or isinstance(m, bool) or n < 1 or m < 1:
        raise InputError("advice.error.classes", n=n, m=m)
    if not 1 <= hidden_layers <= MAX_HIDDEN_LAYERS:
        raise InputError("advice.error.hidden", max=MAX_HIDDEN_LAYERS, value=hidden_layers)
    dt = canonical_dtype(dtype)
    bits = round(param_bytes(8, dt))  # bytes of 8 values: an exact integer for every dtype
    geo_exact, geo = geometric_mean(n, m)

    max_int32 = max_units_under(n, INT32_MAX)
    max_proto = max_units_under(n, (PROTO_LIMIT_BYTES * 8 - 1) // bits)

    def fits_gpu(w: int) -> bool:
        assert gpu_memory is not None  # noqa: S101
        return training_memory(_head_params(n, w, m, hidden_layers), 0, Optimizer.ADAM, dt).total <= gpu_memory

    def fits_budget(w: int) -> bool:
        assert budget is not None  # noqa: S101
        return _head_params(n, w, m, hidden_layers) <= budget

    max_gpu = _widest(fits_gpu) if gpu_memory is not None else None
    max_budget = _widest(fits_budget) if budget is not None else None

    # recommended range: the powers of two around √(n·m), within the hard limits
    base = _pow2_floor(geo)
    lo, hi = max(8, base // 2), max(8, base * 2)
    hard = min(x for x in (max_int32, max_gpu, max_budget) if x is not None)
    hi = min(hi, _pow2_floor(hard)) if hard >= 1 else 0
    recommended = (lo, hi) if hi >= lo else None

    widths = _candidates(n, m, geo, extra)
    classics = classic_heads()
    data_lo_hi = _data_bound(samples, n, m) if samples is not None else None
    options: list[WidthOption] = []
    for w in widths:
        layers = head_layers(n, w, m, hidden_layers)
        params = sum(layer.params for layer in layers)
        train = training_memory(params, 0, Optimizer.ADAM, dt)
        over: list[str] = []
        if w > max_int32:
            over.append("int32")
        if w > max_proto:
            over.append("proto")
        if max_gpu is not None and w > max_gpu:
            over.append("gpu")
        if max_budget is not None and w > max_budget:
            over.append("budget")
        if samples is not None and params > PARAMS_PER_SAMPLE_WARNING * samples:
            over.append("samples")
        tags = set()
        if w & (w - 1) == 0:
            tags.add("power_of_two")
        if w % 8 == 0:
            tags.add("multiple_of_8")
        if w == geo:
            tags.add("geometric")
        if w in extra:
            tags.add("yours")
        if any(c.widths[0] == w for c in classics):
            tags.add("classic")
        if recommended is not None and recommended[0] <= w <= recommended[1]:
            tags.add("recommended")
        options.append(
            WidthOption(
                units=w,
                layers=layers,
                params=params,
                weight_bytes=param_bytes(params, dt),
                training=train,
                rationale=_rationale(w, n, m, geo, tags, over, dt, gpu_memory, budget, recommended, classics),
                tags=frozenset(tags),
                over=tuple(over),
            )
        )

    if recommended is not None:
        pick = base if lo <= base <= hi else hi
        args = {"lo": lo, "hi": hi, "pick": pick, "n": n, "m": m, "geo": geo, "hidden": hidden_layers,
                "p_lo": _head_params(n, lo, m, hidden_layers), "p_hi": _head_params(n, hi, m, hidden_layers)}
        rec = Message("advice.recommend", args) if geo <= hi else Message("advice.recommend_capped",
                                                                         {**args, "max": hard})
    else:
        rec = Message("advice.recommend_none", {"lo": lo, "max": hard})

    findings = _suggest_findings(options, n, m, dt, samples, gpu_memory, budget, data_lo_hi,
                                 max_int32, max_proto, max_gpu, max_budget)  # fmt: skip
    structural = (
        Message("advice.per_unit", {"n": n, "next": m if hidden_layers == 1 else "width"})
        if n >= OVERSIZED_INPUT
        else None
    )
    return Suggestion(
        in_features=n,
        classes=m,
        hidden_layers=hidden_layers,
        dtype=dt,
        budget=budget,
        samples=samples,
        gpu_memory=gpu_memory,
        geometric=geo_exact,
        geometric_rounded=geo,
        options=tuple(options),
        recommended=recommended,
        recommendation=rec,
        max_int32=max_int32,
        max_proto=max_proto,
        max_gpu=max_gpu,
        max_budget=max_budget,
        rules=rules_for(n, m, samples),
        classics=classics,
        findings=tuple(findings),
        structural=structural,
    )


def _rationale(
    w: int,
    n: int,
    m: int,
    geo: int,
    tags: set[str],
    over: list[str],
    dtype: str,
    gpu: int | None,
    budget: int | None,
    recommended: tuple[int, int] | None,
    classics: Sequence[ClassicHead],
) -> Message:
    if "int32" in over:
        return Message("advice.why.int32")
    if "gpu" in over and gpu is not None:
        return Message("advice.why.gpu", {"gpu": format_bytes(gpu)})
    if "budget" in over and budget is not None:
        return Message("advice.why.budget", {"budget": budget})
    if "proto" in over:
        return Message("advice.why.proto", {"dtype": dtype})
    if "yours" in tags:
        return Message("advice.why.yours")
    if w == geo:
        m8 = max(8, (w + 4) // 8 * 8)
        return Message("advice.why.geometric", {"n": n, "m": m, "m8": m8})
    for c in classics:
        if c.widths[0] == w and c.in_features == n:
            return Message("advice.why.classic_same", {"net": c.name, "n": n})
    if w < m:
        return Message("advice.why.bottleneck", {"m": m})
    if "recommended" in tags:
        return Message("advice.why.in_range")
    for c in classics:
        if c.widths[0] == w and len(c.head) > 1:
            return Message("advice.why.classic", {"net": c.name, "n_in": c.in_features, "width": w,
                                                  "classes": c.classes})
    if recommended is not None and w < recommended[0]:
        return Message("advice.why.narrow")
    return Message("advice.why.wide")


def _suggest_findings(
    options: Sequence[WidthOption],
    n: int,
    m: int,
    dtype: str,
    samples: int | None,
    gpu: int | None,
    budget: int | None,
    data: tuple[int, int] | None,
    max_int32: int,
    max_proto: int,
    max_gpu: int | None,
    max_budget: int | None,
) -> list[Finding]:
    out: list[Finding] = []

    def first(limit: str) -> WidthOption | None:
        return next((o for o in options if limit in o.over), None)

    o = first("int32")
    if o is not None:
        k = o.first.largest_weight
        numel = k.numel if k is not None else 0
        msg = Message("advice.warn.int32", {"width": o.units, "limit": INT32_MAX, "n": n, "numel": numel,
                                            "max": max_int32})
        out.append(Finding(Severity.ERROR, "advice.int32", msg))
    o = first("proto")
    if o is not None:
        k = o.first.largest_weight
        size = format_bytes(param_bytes(k.numel if k is not None else 0, dtype))
        msg = Message("advice.warn.proto", {"width": o.units, "size": size, "dtype": dtype, "max": max_proto})
        out.append(Finding(Severity.WARNING, "advice.proto", msg))
    o = first("gpu")
    if o is not None and gpu is not None:
        msg = Message("advice.warn.gpu", {"width": o.units, "dtype": dtype, "need": format_bytes(o.training.total),
                                          "gpu": format_bytes(gpu), "max": max_gpu})
        out.append(Finding(Severity.WARNING, "advice.gpu", msg))
    o = first("budget")
    if o is not None and budget is not None:
        msg = Message("advice.warn.budget", {"width": o.units, "params": o.params, "budget": budget,
                                             "max": max_budget})
        out.append(Finding(Severity.WARNING, "advice.budget", msg))
    o = first("samples")
    if o is not None and samples is not None and data is not None and data[1] < 1:
        msg = Message("advice.warn.samples_none", {"params": o.params, "samples": samples, "n": n})
        out.append(Finding(Severity.WARNING, "advice.samples", msg))
    elif o is not None and samples is not None and data is not None:
        ratio = f"{o.params / samples:,.0f}"
        msg = Message("advice.warn.samples", {"width": o.units, "params": o.params, "samples": samples,
                                              "ratio": ratio, "lo": data[0], "hi": data[1]})
        out.append(Finding(Severity.WARNING, "advice.samples", msg))
    return out


# ---------------------------------------------------------------------------------------------
# A pasted model (and the text around it): the full advice, and the brief findings for /explain.

register(
    {
        "advice.pair": {"en": "{a} {b}", "zh": "{a}{b}"},
    }
)


@dataclass(frozen=True, slots=True)
class Oversized:
    """A Dense/Linear fed by a Flatten of a feature map, whose input is what makes it expensive."""

    layer: str  # "dense_2 (Dense)"
    name: str | None
    n_in: int
    source: str  # the Flatten's name
    dims: tuple[int, ...]  # the map it flattens, without the batch axis
    params: int
    share: Fraction  # of the model's parameters


@dataclass(frozen=True, slots=True)
class PasteAdvice:
    """Everything layerbot advises about a pasted model and the text around it."""

    diagnoses: tuple[Diagnosis, ...]
    planned: tuple[PlannedLayer, ...]
    planned_findings: tuple[Finding, ...]  # hard limits the planned layers cross
    oversized: Oversized | None
    suggestion: Suggestion | None  # widths for the model's own n_in → classes
    alternatives: tuple[WhatIf, ...]

    @property
    def empty(self) -> bool:
        return not (self.diagnoses or self.planned or self.oversized)


def _join(messages: Sequence[Message]) -> Message:
    """Several sentences as one message (each rendered in the same language)."""
    if len(messages) == 1:
        return messages[0]
    return Message("advice.pair", {"a": messages[0], "b": _join(messages[1:])})


def _oversized(report: Report) -> Oversized | None:
    feed = flatten_source(report)
    if feed is None or report.total_params is None or not report.total_params:
        return None
    row = next((r for r in report.layers if r.name == feed.dense or (r.name is None and r.type == feed.dense)), None)
    params = row.params if row is not None and row.params is not None else None
    if row is None or params is None:
        return None
    share = Fraction(params, report.total_params)
    if feed.n_in < OVERSIZED_INPUT and (share < OVERSIZED_SHARE or feed.n_in < OVERSIZED_SHARED_INPUT):
        return None
    dims = tuple(d or 0 for d in feed.map_shape[1:])
    label = f"{row.name} ({row.type})" if row.name else row.type
    return Oversized(label, row.name, feed.n_in, feed.flatten, dims, params, share)


def _classes_of(report: Report) -> int | None:
    dense = [r for r in report.layers if not r.is_container and r.calc is not None
             and r.calc.kind in ("Dense", "Linear")]
    if not dense:
        return None
    out = dense[-1].calc.output if dense[-1].calc is not None else None
    return out[-1] if isinstance(out, tuple) else None


def advise_paste(report: Report | None, text: str = "") -> PasteAdvice:
    """The full advice for a pasted model and the text around it (code, an error message)."""
    diagnoses = diagnose(text, report) if text else ()
    planned = planned_layers(report, text) if text else ()
    planned_findings: list[Finding] = []
    for p in planned:
        planned_findings.extend(limit_findings(p.layer, name=p.label))
    oversized = _oversized(report) if report is not None else None
    suggestion: Suggestion | None = None
    alts: tuple[WhatIf, ...] = ()
    if report is not None and (diagnoses or planned or oversized):
        classes = _classes_of(report)
        n_in = planned[0].n_in if planned else (oversized.n_in if oversized else None)
        if n_in is None:
            feed = flatten_source(report)
            n_in = feed.n_in if feed is not None else None
        # /suggest's own bounds: a pasted shape can carry a size past any real one (past float's range, too).
        if n_in and classes and n_in <= MAX_SIZE and classes <= MAX_SIZE:
            widths = tuple(p.units for p in planned if p.n_in == n_in)
            suggestion = suggest(n_in, classes, extra=widths)
        pick = None
        if suggestion is not None and suggestion.recommended is not None:
            pick = _pow2_floor(suggestion.geometric_rounded)
            pick = min(max(pick, suggestion.recommended[0]), suggestion.recommended[1])
        alts = alternatives(report, narrow_to=pick)
    return PasteAdvice(tuple(diagnoses), tuple(planned), tuple(planned_findings), oversized, suggestion, alts)


def _table_rows(s: Suggestion) -> tuple[int, ...]:
    """The brief table's widths: powers of two from ¼ to 2× the one at or below √(n·m)."""
    base = _pow2_floor(s.geometric_rounded)
    return tuple(w for w in (base // 4, base // 2, base, base * 2) if w >= 1)


def table_message(s: Suggestion, widths: Sequence[int] | None = None) -> Message:
    """One line: the cost of each width (head parameters · weights · Adam training)."""
    rows: list[Message] = []
    for w in widths if widths is not None else _table_rows(s):
        o = s.option(w)
        if o is None:
            layers = head_layers(s.in_features, w, s.classes, s.hidden_layers)
            params = sum(layer.params for layer in layers)
            size, train = param_bytes(params, s.dtype), training_memory(params, 0, Optimizer.ADAM, s.dtype).total
        else:
            params, size, train = o.params, o.weight_bytes, o.training.total
        rows.append(Message("advice.table_row", {"units": w, "params": params, "size": format_bytes(size),
                                                 "train": format_bytes(train)}))
    return Message("advice.table", {"n": s.in_features, "m": s.classes, "dtype": s.dtype, "rows": tuple(rows),
                                    "command": f"/suggest {s.in_features} {s.classes}"})


def alternative_message(w: WhatIf) -> Message:
    """'GlobalAveragePooling2D instead of flatten_2: dense_2 = 96 × 4 + 4 = 388; model 420,388 → 75,172 (−82.1 %)'."""
    formulas: list[Message] = []
    for c in w.changed:
        row = c.after
        if row is None or row.params is None:
            continue
        label = row.name or row.type
        if row.params and row.formula is not None:
            formulas.append(Message("advice.alternative_formula", {"layer": label, "formula": row.formula.unicode,
                                                                   "params": row.params}))
        elif row.params == 0 and c.before is not None and c.before.params:
            formulas.append(Message("advice.alternative_formula_none", {"layer": label}))
    delta = w.delta
    pct = f"{delta / w.before_total * 100:+.1f} %" if w.before_total else ""
    sign = "−" if delta < 0 else "+"
    shown = f"{sign}{abs(delta):,}" + (f", {pct.replace('-', '−')}" if pct else "")
    return Message("advice.alternative", {
        "change": tuple(w.descriptions), "formulas": tuple(formulas) or "—", "before": w.before_total,
        "after": w.after_total, "delta": shown})


def diagnosis_message(d: Diagnosis) -> Message:
    return Message("advice.diagnosis", {"error": d.name, "cause": _join((d.cause, *d.details)),
                                        "fixes": tuple(d.fixes)})


def planned_message(p: PlannedLayer, dtype: str = "float32") -> Message:
    size = format_bytes(param_bytes(p.layer.params, dtype))
    formula = p.layer.formula.unicode if p.layer.formula is not None else f"{p.layer.params:,}"
    args = {"label": p.label, "n": p.n_in, "formula": formula, "params": p.layer.params, "size": size, "dtype": dtype}
    parts = [Message("advice.planned_after", {**args, "after": p.after}) if p.after else Message("advice.planned", args)]
    kernel = p.layer.largest_weight
    if kernel is not None and kernel.numel > INT32_MAX:
        parts.append(Message("advice.planned_int32", {"numel": kernel.numel, "limit": INT32_MAX, "n": p.n_in,
                                                      "max": max_units_under(p.n_in, INT32_MAX)}))
    elif kernel is not None and param_bytes(kernel.numel, dtype) >= PROTO_LIMIT_BYTES:
        bits = round(param_bytes(8, dtype))
        parts.append(Message("advice.planned_proto", {
            "size": format_bytes(param_bytes(kernel.numel, dtype)), "dtype": dtype,
            "max": max_units_under(p.n_in, (PROTO_LIMIT_BYTES * 8 - 1) // bits)}))
    return _join(parts)


def oversized_message(o: Oversized) -> Message:
    return Message("advice.oversized", {"layer": o.layer, "n": o.n_in, "source": o.source,
                                        "dims": "×".join(str(d) for d in o.dims), "params": o.params,
                                        "share": f"{float(o.share) * 100:.0f} %"})


def advice_for_report(report: Report | None, text: str = "") -> tuple[Finding, ...]:
    """Brief advice for ``/explain``: what matters about this model and the text pasted with it.

    * a diagnosis (error) for each recognised framework error in ``text``, with cause and fix;
    * for a Dense/Linear written in the code but missing from the summary: its formula, size and the
      limits it crosses (error when over 2**31 − 1 elements), with the widest width that fits;
    * for a Dense fed by a large Flatten: where its cost comes from (info);
    * the cost of a few widths around √(n·m), with a pointer to ``/suggest n m`` (info);
    * the structural alternatives computed on the model, GlobalAveragePooling first (info).

    Returns ``()`` when nothing matters (a model without a big Dense and no error in the text).
    """
    advice = advise_paste(report, text)
    if advice.empty:
        return ()
    out: list[Finding] = []
    for d in advice.diagnoses:
        out.append(Finding(d.severity, d.code, diagnosis_message(d), d.layer))
    for p in advice.planned:
        kernel = p.layer.largest_weight
        over = kernel is not None and kernel.numel > INT32_MAX
        big = kernel is not None and param_bytes(kernel.numel, "float32") >= PROTO_LIMIT_BYTES
        severity = Severity.ERROR if over else Severity.WARNING if big else Severity.INFO
        out.append(Finding(severity, "advice.planned", planned_message(p), p.label))
    if advice.oversized is not None:
        out.append(Finding(Severity.INFO, "advice.oversized", oversized_message(advice.oversized),
                           advice.oversized.name))
    if advice.suggestion is not None:
        out.append(Finding(Severity.INFO, "advice.table", table_message(advice.suggestion)))
    for w in advice.alternatives:
        if w.label in ("gap", "narrow"):
            out.append(Finding(Severity.INFO, f"advice.alternative.{w.label}", alternative_message(w)))
    return tuple(out)
