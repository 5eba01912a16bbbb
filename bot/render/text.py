"""Terminal text for a :class:`~calc.commands.CommandResult` or an error, in English or Chinese.

Every number comes from calc; this module only lays it out.  Rendering writes lines to a
``print_fn`` (Keras's ``print_fn`` seam), so tests and other front ends can capture it;
:func:`render_text` returns the same lines as one string.

    Dense: 86,400 × 4 + 4 = 345,604 parameters (1.32 MiB in float32)
      86,400 inputs × 4 units + 4 biases
      Keras · input (None, 86400) → output (None, 4)
      compute: 345,600 MACs = 691,200 FLOPs per example
    memory
      weights: 1.32 MiB float32 · 675 KiB float16/bfloat16 · 338 KiB int8
      training in float32 (weights + gradients + optimizer state): SGD 2.64 MiB · ...
      activations: 4 values per example = 16 B at batch 1 (float32)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from calc.catalog import LayerCalc
from calc.commands import Arg, CommandResult, CommandSpec
from calc.commands_advice import AdviceResult
from calc.cost import Cost, Optimizer, format_bytes, param_bytes
from calc.errors import LayerbotError
from calc.findings import Finding, Severity
from calc.i18n import Message, register
from calc.types import Framework, format_shape

__all__ = ["PrintFn", "render_error", "render_text", "write"]

PrintFn = Callable[[str], Any]

register(
    {
        "text.params": {
            "en": "{kind}: {formula} = {params} parameters ({size} in float32)",
            "zh": "{kind}：{formula} = {params} 个参数（float32 下 {size}）",
        },
        "text.params_plain": {
            "en": "{kind}: {params} parameters ({size} in float32)",
            "zh": "{kind}：{params} 个参数（float32 下 {size}）",
        },
        "text.no_params": {"en": "{kind}: no parameters", "zh": "{kind}：没有参数"},
        "text.split": {
            "en": "trainable {trainable} · non-trainable {non_trainable}",
            "zh": "可训练 {trainable} · 不可训练 {non_trainable}",
        },
        "text.buffers": {
            "en": "buffers (stored with the model, not parameters): {buffers}",
            "zh": "缓冲区（随模型保存，但不是参数）：{buffers}",
        },
        "text.shapes": {"en": "{framework} · input {inputs} → output {output}", "zh": "{framework} · 输入 {inputs} → 输出 {output}"},
        "text.compute": {
            "en": "compute: {macs} MACs = {flops} FLOPs per example",
            "zh": "计算量：每个样本 {macs} 次乘加（MAC）= {flops} FLOPs",
        },
        "text.compute_unknown": {
            "en": "compute: unknown (it depends on a size that is not given)",
            "zh": "计算量：未知（取决于未给出的尺寸）",
        },
        "text.note": {"en": "note: {text}", "zh": "注：{text}"},
        "text.total": {
            "en": "total: {formula} = {params} parameters ({size} in float32)",
            "zh": "合计：{formula} = {params} 个参数（float32 下 {size}）",
        },
        "text.memory": {"en": "memory", "zh": "内存"},
        "text.weights": {"en": "weights: {sizes}", "zh": "权重：{sizes}"},
        "text.training": {
            "en": "training in float32 (weights + gradients + optimizer state): {sizes}",
            "zh": "以 float32 训练（权重 + 梯度 + 优化器状态）：{sizes}",
        },
        "text.activations": {
            "en": "activations: {elements} values per example = {size} at batch {batch} ({dtype})",
            "zh": "激活值：每个样本 {elements} 个值 = 批大小 {batch} 时 {size}（{dtype}）",
        },
        "text.activations_unknown": {
            "en": "activations: {elements} values per example = {size} at batch {batch} ({dtype}), "
            "counting each unknown axis as 1",
            "zh": "激活值：每个样本 {elements} 个值 = 批大小 {batch} 时 {size}（{dtype}），未知轴按 1 计",
        },
        "text.severity.error": {"en": "error: {text}", "zh": "错误：{text}"},
        "text.severity.warning": {"en": "warning: {text}", "zh": "警告：{text}"},
        "text.severity.info": {"en": "hint: {text}", "zh": "提示：{text}"},
        "text.help.title": {
            "en": "Commands (options by position or as name=value / name:value; shapes as 256x256x3):",
            "zh": "命令（选项可按位置给出，也可写成 name=value / name:value；形状写成 256x256x3）：",
        },
        "text.help.more": {"en": "/help <command> explains one command.", "zh": "/help <命令> 说明单个命令。"},
        "text.help.required": {"en": "required", "zh": "必填"},
        "text.help.example": {"en": "example: {example}", "zh": "示例：{example}"},
        "text.help.aliases": {"en": "also: {aliases}", "zh": "别名：{aliases}"},
        "text.framework.keras": {"en": "Keras", "zh": "Keras"},
        "text.framework.torch": {"en": "PyTorch", "zh": "PyTorch"},
    }
)


def _t(key: str, lang: str, **args: Any) -> str:
    return Message(key, args).render(lang)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render_error(error: LayerbotError | Message, lang: str = "en") -> str:
    """The one line a user sees for an error (newlines folded, so it is always one line)."""
    message = error.message if isinstance(error, LayerbotError) else error
    return _one_line(message.render(lang))


def _inputs(layer: LayerCalc) -> str:
    shapes = [format_shape(s) for s in layer.inputs]
    return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"


def _layer_lines(layer: LayerCalc, lang: str) -> Iterable[str]:
    size = format_bytes(param_bytes(layer.params, "float32"))
    formula = layer.formula
    if formula is not None and formula.terms:
        if len(formula.terms) == 1 and formula.unicode == f"{layer.params:,}":
            yield _t("text.params_plain", lang, kind=layer.kind, params=layer.params, size=size)
        else:
            yield _t("text.params", lang, kind=layer.kind, formula=formula.unicode, params=layer.params, size=size)
    elif layer.params:
        yield _t("text.params_plain", lang, kind=layer.kind, params=layer.params, size=size)
    else:
        yield _t("text.no_params", lang, kind=layer.kind)
    yield "  " + _one_line(layer.explanation.render(lang))
    if layer.non_trainable_params:
        yield "  " + _t("text.split", lang, trainable=layer.trainable_params, non_trainable=layer.non_trainable_params)
    if layer.buffer_count:
        yield "  " + _t("text.buffers", lang, buffers=layer.buffer_count)
    framework = _t(f"text.framework.{Framework(layer.framework).value}", lang)
    yield "  " + _t("text.shapes", lang, framework=framework, inputs=_inputs(layer), output=format_shape(layer.output))
    for note in layer.notes:
        yield "  " + _t("text.note", lang, text=_one_line(note.render(lang)))


def _compute_line(cost: Cost, lang: str) -> str:
    if cost.macs is None or cost.flops is None:
        return _t("text.compute_unknown", lang)
    return _t("text.compute", lang, macs=cost.macs, flops=cost.flops)


def _memory_lines(cost: Cost, lang: str) -> Iterable[str]:
    yield _t("text.memory", lang)
    if cost.params:  # a layer without weights has only activations
        # Equal sizes share one entry: "675 KiB float16/bfloat16".
        by_size: dict[int, list[str]] = {}
        for dtype, nbytes in cost.param_bytes.items():
            by_size.setdefault(nbytes, []).append(dtype)
        sizes = " · ".join(f"{format_bytes(n)} {'/'.join(d)}" for n, d in by_size.items())
        yield "  " + _t("text.weights", lang, sizes=sizes)
        order = (Optimizer.SGD, Optimizer.MOMENTUM, Optimizer.ADAM)
        labels = {Optimizer.SGD: "SGD", Optimizer.MOMENTUM: "SGD+momentum", Optimizer.ADAM: "Adam"}
        training = " · ".join(f"{labels[o]} {format_bytes(cost.training[o].total)}" for o in order if o in cost.training)
        yield "  " + _t("text.training", lang, sizes=training)
    acts = cost.activations
    if acts is not None:
        key = "text.activations_unknown" if acts.unknown_axes else "text.activations"
        yield "  " + _t(key, lang, elements=acts.elements_per_example, size=format_bytes(acts.bytes),
                        batch=acts.batch, dtype=acts.dtype)


def _finding_line(finding: Finding, lang: str) -> str:
    return _t(f"text.severity.{Severity(finding.severity).value}", lang, text=_one_line(finding.message.render(lang)))


def _arg_line(arg: Arg, lang: str) -> str:
    # Defaults are part of each help text (it is also the Discord option description).
    required = f" [{_t('text.help.required', lang)}]" if arg.required else ""
    return f"  {arg.name:<16} {Message(arg.help).render(lang)}{required}"


def _help_lines(specs: tuple[CommandSpec, ...], lang: str) -> Iterable[str]:
    if len(specs) == 1:
        spec = specs[0]
        yield spec.usage
        yield "  " + Message(spec.help).render(lang)
        for arg in spec.args:
            yield _arg_line(arg, lang)
        yield "  " + _t("text.help.example", lang, example=spec.example)
        if spec.aliases:
            shown = ", ".join(
                f"/{name}" + ("" if not preset else " = /" + spec.name + " " + " ".join(f"{k}={v}" for k, v in preset))
                for name, preset in spec.aliases
            )
            yield "  " + _t("text.help.aliases", lang, aliases=shown)
        return
    yield _t("text.help.title", lang)
    for spec in specs:
        yield "  " + spec.usage
        yield "      " + Message(spec.help).render(lang)
    yield _t("text.help.more", lang)


def _result_lines(result: CommandResult, lang: str) -> Iterable[str]:
    if result.report is not None:  # /explain: the whole model's table
        from bot.render.report_text import report_lines

        yield from report_lines(result.report, lang)
        return
    if result.help:
        yield from _help_lines(result.help, lang)
        return
    if isinstance(result, AdviceResult):  # /suggest, /whatif
        from bot.render.advice_text import advice_lines

        yield from advice_lines(result, lang)
        return
    for layer in result.layers:
        yield from _layer_lines(layer, lang)
    cost = result.cost
    if cost is not None:
        if len(result.layers) > 1:
            parts = " + ".join(f"{layer.params:,}" for layer in result.layers)
            yield _t("text.total", lang, formula=parts, params=cost.params, size=format_bytes(cost.param_bytes["float32"]))
        yield "  " + _compute_line(cost, lang)
        yield from _memory_lines(cost, lang)
    for finding in result.findings:
        yield _finding_line(finding, lang)


def write(obj: CommandResult | LayerbotError | Message, lang: str = "en", print_fn: PrintFn = print) -> None:
    """Write the rendering line by line to ``print_fn`` (``print`` by default)."""
    if isinstance(obj, (LayerbotError, Message)):
        print_fn(render_error(obj, lang))
        return
    for line in _result_lines(obj, lang):
        print_fn(line)


def render_text(obj: CommandResult | LayerbotError | Message, lang: str = "en") -> str:
    """The whole rendering as one string (lines joined with newlines, no trailing newline)."""
    lines: list[str] = []
    write(obj, lang, lines.append)
    return "\n".join(lines)
