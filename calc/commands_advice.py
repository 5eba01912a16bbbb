"""``/suggest`` and ``/whatif``: sizing advice as commands.

    /suggest in_features classes [hidden_layers] [budget] [samples] [dtype] [gpu_memory]
    /whatif [change=(flatten -> gap)] [framework=…] [input_shape=…] <pasted model>
    /whatif flatten -> gap            ← the change on the first line, the pasted model below it
    <pasted model>

The work is :func:`calc.advise.suggest` and :func:`calc.whatif.apply` (the model read with
:func:`calc.explain.explain`, the same pipeline as ``/explain``).  Each command returns an
:class:`AdviceResult`: a :class:`~calc.commands.CommandResult` that also carries the
:class:`~calc.advise.Suggestion` or :class:`~calc.whatif.WhatIf`; ``bot.render.advice_text`` and
``bot.render.advice_json`` render them.
"""

from __future__ import annotations

from dataclasses import dataclass

from calc.advise import MAX_HIDDEN_LAYERS, Suggestion, suggest
from calc.commands import Arg, ArgType, CommandResult, CommandSpec, Invocation, register_command
from calc.cost import DTYPE_BYTES
from calc.errors import InputError
from calc.explain import explain
from calc.i18n import register
from calc.whatif import WhatIf, apply

__all__ = ["SUGGEST", "WHATIF", "AdviceResult"]

MAX_GPU_GIB = 16_384

register(
    {
        "cmd.help.suggest": {
            "en": "How wide should a Dense layer be? Candidate widths with their cost, rules of thumb, classic nets.",
            "zh": "Dense 层该多宽？候选宽度及其开销、经验规则和经典网络的做法。",
        },
        "cmd.help.whatif": {
            "en": "Change a pasted model (flatten -> gap, dense_1 units=128, input 128x128x3): totals before/after.",
            "zh": "修改粘贴模型中的一处（flatten -> gap、dense_1 units=128、input 128x128x3）：修改前后对比。",
        },
        "arg.suggest.in_features": {
            "en": "inputs of the first hidden layer (e.g. the Flatten's size)",
            "zh": "第一个隐藏层的输入数（例如 Flatten 的大小）",
        },
        "arg.suggest.classes": {"en": "outputs of the last layer (number of classes)", "zh": "最后一层的输出数（类别数）"},
        "arg.suggest.hidden_layers": {
            "en": "hidden layers of the same width (default 1, at most 4)",
            "zh": "同宽的隐藏层个数（默认 1，最多 4）",
        },
        "arg.suggest.budget": {"en": "most parameters the head may have", "zh": "分类头最多允许的参数数量"},
        "arg.suggest.samples": {"en": "number of training examples", "zh": "训练样本数"},
        "arg.suggest.dtype": {
            "en": "number type for memory: float32 (default), float16, bfloat16, int8",
            "zh": "计算内存所用的数值类型：float32（默认）、float16、bfloat16、int8",
        },
        "arg.suggest.gpu_memory": {"en": "GPU memory in GiB, e.g. 24", "zh": "GPU 显存（GiB），例如 24"},
        "arg.whatif.text": {
            "en": "the pasted model; the change may be its first line",
            "zh": "粘贴的模型；修改可以写在第一行",
        },
        "arg.whatif.change": {
            "en": "the change, e.g. flatten -> gap, dense_1 units=128, input 128x128x3",
            "zh": "要做的修改，例如 flatten -> gap、dense_1 units=128、input 128x128x3",
        },
        "arg.whatif.framework": {
            "en": "whose rules: keras or torch (default: the format's)",
            "zh": "按哪个框架的规则：keras 或 torch（默认取决于格式）",
        },
        "arg.whatif.input_shape": {
            "en": "the model's input without the batch axis, when the text lacks it",
            "zh": "模型输入形状（不含批次维），文字中没有给出时使用",
        },
        "cmd.error.whatif_model": {
            "en": "{command}: paste the model below the change, e.g. /whatif flatten -> gap, then the summary on "
            "the next lines. Usage: {usage}",
            "zh": "{command}：请把模型粘贴在修改的下面，例如第一行写 /whatif flatten -> gap，下面几行贴摘要。"
            "用法：{usage}",
        },
    }
)


@dataclass(frozen=True, slots=True)
class AdviceResult(CommandResult):
    """A command result that also carries sizing advice (render with ``bot.render.advice_text``)."""

    suggestion: Suggestion | None = None
    whatif: WhatIf | None = None


_DTYPES = tuple(DTYPE_BYTES)


def _suggest(inv: Invocation) -> AdviceResult:
    gib = inv["gpu_memory"]
    s = suggest(
        inv["in_features"],
        inv["classes"],
        inv["hidden_layers"],
        budget=inv["budget"],
        samples=inv["samples"],
        dtype=inv["dtype"],
        gpu_memory=None if gib is None else gib << 30,
    )
    return AdviceResult(command="suggest", args=inv.values, findings=s.findings, suggestion=s)


def _whatif(inv: Invocation) -> AdviceResult:
    text: str = inv["text"]
    change: str | None = inv["change"]
    if change is not None:
        change = change.strip()
        if change[:1] in "([" and change[-1:] in ")]":
            change = change[1:-1]
        model = text
    else:
        first, _, model = text.strip("\n").partition("\n")
        change = first
    if not model.strip():
        raise InputError("cmd.error.whatif_model", command="/whatif", usage=WHATIF.usage)
    report = explain(model, framework=inv["framework"], input_shape=inv["input_shape"])
    what = apply(report, change)
    args = {k: v for k, v in inv.values.items() if k != "text"}
    args["change"] = change
    return AdviceResult(command="whatif", args=args, framework=report.framework, findings=what.findings, whatif=what)


SUGGEST = register_command(
    CommandSpec(
        "suggest",
        "cmd.help.suggest",
        (
            Arg("in_features", ArgType.INT, "arg.suggest.in_features", required=True,
                names=("n_in", "inputs", "input", "in", "n")),
            Arg("classes", ArgType.INT, "arg.suggest.classes", required=True,
                names=("outputs", "out", "m", "num_classes", "out_features")),
            Arg("hidden_layers", ArgType.INT, "arg.suggest.hidden_layers", default=1, hi=MAX_HIDDEN_LAYERS,
                names=("hidden", "layers")),
            Arg("budget", ArgType.INT, "arg.suggest.budget", names=("max_params", "params")),
            Arg("samples", ArgType.INT, "arg.suggest.samples", names=("n_samples", "examples", "train_samples")),
            Arg("dtype", ArgType.CHOICE, "arg.suggest.dtype", default="float32", choices=_DTYPES,
                synonyms=(("fp32", "float32"), ("f32", "float32"), ("float", "float32"), ("fp16", "float16"),
                          ("half", "float16"), ("bf16", "bfloat16"), ("fp64", "float64"), ("double", "float64"),
                          ("i8", "int8"), ("uint8", "int8"), ("i4", "int4"), ("nf4", "int4"))),
            Arg("gpu_memory", ArgType.INT, "arg.suggest.gpu_memory", hi=MAX_GPU_GIB,
                names=("gpu", "vram", "gpu_gib", "memory")),
        ),
        "/suggest 86400 4",
        _suggest,
        aliases=(("width", ()), ("widths", ())),
    )
)

WHATIF = register_command(
    CommandSpec(
        "whatif",
        "cmd.help.whatif",
        (
            Arg("text", ArgType.TEXT, "arg.whatif.text", required=True, names=("model", "summary", "paste")),
            Arg("change", ArgType.TEXT, "arg.whatif.change", positional=False, names=("changes", "what")),
            Arg("framework", ArgType.CHOICE, "arg.whatif.framework", choices=("keras", "torch"),
                synonyms=(("pytorch", "torch"), ("pt", "torch"), ("tf", "keras"), ("tensorflow", "keras"),
                          ("tf.keras", "keras")),
                positional=False, names=("fw",)),
            Arg("input_shape", ArgType.SHAPE, "arg.whatif.input_shape", positional=False, names=("shape",)),
        ),
        "/whatif change=(flatten -> gap) 256x256x3 conv32k3 pool2 flatten dense512 dense4",
        _whatif,
        aliases=(("what_if", ()),),
    )
)
