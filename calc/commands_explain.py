"""``/explain``: a pasted model summary, table, repr or code → every layer re-derived and checked.

    /explain [format=keras2] [framework=keras|torch] [input_shape=256x256x3] <pasted text>

The pasted text is the command's TEXT argument: everything after the named options, newlines and
all.  The work is :func:`calc.explain.explain`, the same pipeline ``layerbot explain`` runs; the
:class:`~calc.commands.CommandResult` carries the whole :class:`~calc.report.Report`.
"""

from __future__ import annotations

from calc.commands import Arg, ArgType, CommandResult, CommandSpec, Invocation, register_command
from calc.explain import explain
from calc.i18n import register
from calc.model import Format
from calc.parse import FORMATS

__all__ = ["EXPLAIN"]

register(
    {
        "cmd.help.explain": {
            "en": "Paste a model summary, print(model) or Keras code: every layer's parameters and shape, checked.",
            "zh": "粘贴模型摘要、print(model) 的输出或 Keras 代码：逐层核对参数数量和输出形状。",
        },
        "arg.explain.text": {
            "en": "the pasted model.summary(), torchinfo/torchsummary table, print(model) or code",
            "zh": "粘贴的 model.summary()、torchinfo/torchsummary 表格、print(model) 输出或代码",
        },
        "arg.explain.format": {
            "en": "the input format (default: detected)",
            "zh": "输入格式（默认自动识别）",
        },
        "arg.explain.framework": {
            "en": "whose rules: keras or torch (default: the format's)",
            "zh": "按哪个框架的规则：keras 或 torch（默认取决于格式）",
        },
        "arg.explain.input_shape": {
            "en": "the model's input without the batch axis, e.g. 256x256x3 (when the text lacks it)",
            "zh": "模型输入形状（不含批次维），例如 256x256x3（文字中没有给出时）",
        },
    }
)


def _explain(inv: Invocation) -> CommandResult:
    fmt: str | None = inv["format"]
    report = explain(
        inv["text"],
        format=None if fmt is None else Format(fmt),
        framework=inv["framework"],
        input_shape=inv["input_shape"],
    )
    return CommandResult(
        command="explain",
        args={k: v for k, v in inv.values.items() if k != "text"},  # the paste itself is not echoed back
        framework=report.framework,
        findings=report.findings,
        report=report,
    )


EXPLAIN = register_command(
    CommandSpec(
        "explain",
        "cmd.help.explain",
        (
            Arg("text", ArgType.TEXT, "arg.explain.text", required=True, names=("summary", "paste")),
            Arg(
                "format",
                ArgType.CHOICE,
                "arg.explain.format",
                choices=tuple(f.value for f in FORMATS),
                synonyms=(
                    ("k3", "keras3"), ("keras_3", "keras3"), ("keras_2", "keras2"), ("keras1", "keras2"),
                    ("tf.keras", "keras2"), ("tfkeras", "keras2"), ("repr", "torch_repr"), ("print", "torch_repr"),
                    ("code", "keras_code"), ("list", "layer_list"), ("layers", "layer_list"),
                ),
                positional=False,
            ),
            Arg(
                "framework",
                ArgType.CHOICE,
                "arg.explain.framework",
                choices=("keras", "torch"),
                synonyms=(("pytorch", "torch"), ("pt", "torch"), ("tf", "keras"), ("tensorflow", "keras"),
                          ("tf.keras", "keras")),
                positional=False,
                names=("fw",),
            ),
            Arg("input_shape", ArgType.SHAPE, "arg.explain.input_shape", positional=False, names=("input", "shape")),
        ),
        "/explain 256x256x3 conv32k3 pool2 flatten dense512 dense4",
        _explain,
    )
)
