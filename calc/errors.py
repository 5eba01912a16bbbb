"""Errors layerbot raises on purpose.

Every error a user can cause is a :class:`LayerbotError`; its message is a :class:`~calc.i18n.Message`
written for the user, so a front end can show it in the user's language and never a traceback.

    LayerbotError                 anything layerbot reports to the user
    ├── InputError                the request itself is wrong (bad number, unknown command, missing argument)
    │   └── ConfigError           a layer's hyperparameters are missing, malformed or out of range
    ├── ShapeError                the layer cannot take the input it is given (wrong rank, channels do not divide)
    └── UnknownLayerKind          the catalog has no entry of that name for that framework
"""

from __future__ import annotations

from typing import Any

from calc.i18n import Message, register

__all__ = ["ConfigError", "InputError", "LayerbotError", "ShapeError", "UnknownLayerKind"]


class LayerbotError(Exception):
    """Base of every user-facing error; ``message`` is what the user is told."""

    def __init__(self, key: str, **args: Any) -> None:
        self.message = Message(key, args)
        super().__init__(self.message.render("en"))


class InputError(LayerbotError):
    pass


class ConfigError(InputError):
    pass


class ShapeError(LayerbotError):
    pass


class UnknownLayerKind(LayerbotError):
    def __init__(self, name: str, framework: str) -> None:
        self.name = name
        self.framework = framework
        super().__init__("error.unknown_layer", name=name, framework=framework)


register(
    {
        "error.config": {
            "en": "{layer}: {name}={value} is not valid; expected {expected}.",
            "zh": "{layer}：{name}={value} 无效；应为 {expected}。",
        },
        "error.config_missing": {
            "en": "{layer}: the hyperparameter {name} is needed but was not given.",
            "zh": "{layer}：需要超参数 {name}，但没有提供。",
        },
        "error.input_count": {
            "en": "{layer} takes {lo}–{hi} inputs, but got {got}.",
            "zh": "{layer} 接受 {lo}–{hi} 个输入，但收到了 {got} 个。",
        },
        "error.rank": {
            "en": "{layer} cannot take an input of shape {shape}: it needs rank {expected} (batch axis included).",
            "zh": "{layer} 不能接受形状为 {shape} 的输入：需要 {expected} 维（含批次维）。",
        },
        "error.unknown_dim": {
            "en": "{layer}: its parameter count depends on {what}, which is unknown here.",
            "zh": "{layer}：参数数量取决于 {what}，但这里它是未知的。",
        },
        "error.empty_output": {
            "en": "{layer}: the output would have size {size} along an axis (input {n}, window {k}); the input is too small for this kernel, stride or padding.",
            "zh": "{layer}：某一轴上的输出尺寸将为 {size}（输入 {n}，窗口 {k}）；对于该卷积核、步长或填充，输入太小。",
        },
        "error.size_too_large": {
            "en": "{layer}: its input has a size of {digits} digits, past the largest I work with ({hi}); a shape"
            " before it cannot be right.",
            "zh": "{layer}：它的输入有一个 {digits} 位数的尺寸，超过了我能处理的最大值（{hi}）；它之前的某个形状一定有误。",
        },
        "error.divisible": {
            "en": "{layer}: {what} ({value}) must be divisible by {by_name} ({by}).",
            "zh": "{layer}：{what}（{value}）必须能被 {by_name}（{by}）整除。",
        },
    }
)
