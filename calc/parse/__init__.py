"""Parsers: pasted text → :class:`calc.model.ModelSpec`.  One module per input format.

Each format module has ``detect(text) -> bool`` (cheap: does the cleaned text hold this format?)
and ``parse(text) -> ModelSpec``.  This package ties them together:

    raw chat text ──clean()──▶ text ──detect, in FORMATS order──▶ candidate formats
                  ──parse each──▶ ModelSpecs ──most complete──▶ ModelSpec

Several formats can sit in one message (a question with its Keras code *and* the summary it
printed).  Each detected format is parsed and the most complete reading wins: the one with the
most reported numbers to check (per-layer counts and shapes, Total lines), then the one with the
most layers, then the earlier format in :data:`FORMATS`.  A format forced by the user is obeyed; a
forced format that reads nothing is a clear error naming what the text looks like instead.

The Keras-code and layer-list parsers are imported lazily: while a module is missing its format
is skipped, never fatal.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Protocol, cast

from calc.errors import InputError
from calc.i18n import Message, register
from calc.model import Format, ModelSpec
from calc.parse.text import clean

__all__ = [
    "EXAMPLES",
    "FORMATS",
    "Example",
    "available_formats",
    "detect_format",
    "detected_formats",
    "format_name",
    "no_model_error",
    "parse_text",
    "to_format",
]

FORMATS: tuple[Format, ...] = (
    Format.KERAS3,  # rich box drawing: unmistakable
    Format.TORCHINFO,  # "Layer (type:depth-idx)", tree rows: before the plainer tables that share its header
    Format.TORCHSUMMARY,  # "Linear-1   [-1, 4]" rows under a "Layer (type)  Output Shape  Param #" header
    Format.KERAS2,  # the same header with "name (Type)" rows and rules of "_" and "="
    Format.TORCH_REPR,  # "(0): Linear(in_features=…)" lines
    Format.KERAS_CODE,  # Python source: model.add(Dense(512)), Sequential([...])
    Format.LAYER_LIST,  # "256x256x3 conv32k3 pool2 flatten dense512 dense4": the loosest, so the last
)
"""Every input format, in detection order (the most specific first)."""

_FORMAT_VALUES: dict[str, Format] = {f.value: f for f in FORMATS}

_MODULES: dict[Format, str] = {
    Format.KERAS3: "calc.parse.keras3",
    Format.KERAS2: "calc.parse.keras2",
    Format.TORCHINFO: "calc.parse.torchinfo",
    Format.TORCHSUMMARY: "calc.parse.torchsummary",
    Format.TORCH_REPR: "calc.parse.torch_repr",
    Format.KERAS_CODE: "calc.parse.keras_code",
    Format.LAYER_LIST: "calc.parse.layer_list",
}


@dataclass(frozen=True, slots=True)
class Example:
    """Two lines of a format, as a user would paste them (shown when no model is found)."""

    first: str
    second: str


EXAMPLES: dict[Format, Example] = {
    Format.KERAS3: Example(
        "┡━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━┩",
        "│ dense_2 (Dense)       │ (None, 4)          │    345,604 │",
    ),
    Format.KERAS2: Example(
        "Layer (type)                 Output Shape              Param #",
        "dense_2 (Dense)              (None, 4)                 345604",
    ),
    Format.TORCHINFO: Example(
        "Layer (type:depth-idx)                   Output Shape              Param #",
        "├─Linear: 1-1                            [1, 4]                    345,604",
    ),
    Format.TORCHSUMMARY: Example(
        "        Layer (type)               Output Shape         Param #",
        "            Linear-1                    [-1, 4]         345,604",
    ),
    Format.TORCH_REPR: Example(
        "Sequential(",
        "  (0): Linear(in_features=86400, out_features=4, bias=True)",
    ),
    Format.KERAS_CODE: Example(
        "model.add(Dense(512, activation='relu', input_shape=(86400,)))",
        "model.add(Dense(4, activation='softmax'))",
    ),
    Format.LAYER_LIST: Example(
        "256x256x3 conv32k3 pool2",
        "flatten dense512 dense4",
    ),
}

register(
    {
        "format.keras3": {"en": "Keras 3 model.summary(), the box table", "zh": "Keras 3 的 model.summary() 方框表格"},
        "format.keras2": {
            "en": "Keras 1/2 or tf.keras model.summary()",
            "zh": "Keras 1/2 或 tf.keras 的 model.summary()",
        },
        "format.torchinfo": {"en": "torchinfo summary()", "zh": "torchinfo 的 summary()"},
        "format.torchsummary": {"en": "torchsummary summary()", "zh": "torchsummary 的 summary()"},
        "format.torch_repr": {"en": "PyTorch print(model)", "zh": "PyTorch 的 print(model)"},
        "format.keras_code": {
            "en": "Keras code that builds the model (never run)",
            "zh": "构建模型的 Keras 代码（不会运行）",
        },
        "format.layer_list": {
            "en": "a compact layer list, the input shape first",
            "zh": "简写的层列表，先写输入形状",
        },
        "format.error_text": {
            "en": "a framework error message (no model in the text)",
            "zh": "框架报错信息（文本中没有模型）",
        },
        "format.entry": {
            "en": "• {name} [{code}]:\n      {first}\n      {second}",
            "zh": "• {name} [{code}]：\n      {first}\n      {second}",
        },
        "error.no_model": {
            "en": "I couldn't find a model in that text. I can read any of these, pasted as they are (code fences,"
            " quotes and your own words around them are fine):\n{keras3}\n{keras2}\n{torchinfo}\n{torchsummary}"
            "\n{torch_repr}\n{keras_code}\n{layer_list}",
            "zh": "我在这段文字里没有找到模型。我能读取以下任何一种，原样粘贴即可（代码块、引用标记和前后的文字都没关系）："
            "\n{keras3}\n{keras2}\n{torchinfo}\n{torchsummary}\n{torch_repr}\n{keras_code}\n{layer_list}",
        },
        "error.wrong_format": {
            "en": "I was asked to read the text as {name} [{code}], but found none in it: {detail} It looks like {found}"
            " [{found_code}] instead; leave out the format and I'll detect it.",
            "zh": "按要求以 {name} [{code}] 读取这段文字，但其中没有找到：{detail} 它看起来是 {found} [{found_code}]；"
            "不指定格式，我会自动识别。",
        },
        "error.wrong_format_none": {
            "en": "I was asked to read the text as {name} [{code}], but found none in it: {detail} Check that the"
            " whole table or code was pasted, or leave out the format and I'll detect it.",
            "zh": "按要求以 {name} [{code}] 读取这段文字，但其中没有找到：{detail} 请确认粘贴了完整的表格或代码，"
            "或者不指定格式，我会自动识别。",
        },
        "error.format_unavailable": {
            "en": "I can't read {name} [{code}] yet. Formats I read now: {formats}.",
            "zh": "我暂时还不能读取 {name} [{code}]。目前能读取的格式：{formats}。",
        },
        "error.unknown_format": {
            "en": "{value} is not a format I know; formats: {formats}.",
            "zh": "{value} 不是我认识的格式；可用格式：{formats}。",
        },
        "error.no_layers": {"en": "no layer rows were read.", "zh": "没有读到任何层。"},
    }
)


class _Parser(Protocol):
    def detect(self, text: str) -> bool: ...

    def parse(self, text: str) -> ModelSpec: ...


def _module(fmt: Format) -> _Parser | None:
    """The parser module of a format, or None while that module does not exist yet."""
    name = _MODULES[fmt]
    try:
        module: ModuleType = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
    if not (callable(getattr(module, "detect", None)) and callable(getattr(module, "parse", None))):
        return None  # a module still being written
    return cast(_Parser, module)


def available_formats() -> tuple[Format, ...]:
    """The formats whose parser is installed, in detection order."""
    return tuple(f for f in FORMATS if _module(f) is not None)


def format_name(fmt: Format) -> Message:
    """The human name of a format (``Keras 3 model.summary() (box table)``)."""
    return Message(f"format.{fmt.value}")


def to_format(value: Format | str) -> Format:
    """A format from its value (``keras3``, ``torch-repr``); an unknown one, or one no parser reads
    (``error_text``, a report's label for a pasted error alone), is an InputError."""
    fmt = value if isinstance(value, Format) else _FORMAT_VALUES.get(value.strip().lower().replace("-", "_"))
    if fmt is None or fmt not in FORMATS:
        shown = fmt.value if isinstance(fmt, Format) else str(value)[:40]
        raise InputError("error.unknown_format", value=shown, formats=", ".join(f.value for f in FORMATS))
    return fmt


def detected_formats(text: str) -> tuple[Format, ...]:
    """Every format whose ``detect`` accepts the *cleaned* text, in :data:`FORMATS` order."""
    found: list[Format] = []
    for fmt in FORMATS:
        module = _module(fmt)
        if module is not None and module.detect(text):
            found.append(fmt)
    return tuple(found)


def _completeness(spec: ModelSpec) -> tuple[int, int]:
    """How much a reading says: reported numbers to check first, then layers."""
    facts = sum((ls.params is not None) + (ls.output_shape is not None) for ls in spec.layers)
    facts += sum(n is not None for n in (spec.total_params, spec.trainable_params, spec.non_trainable_params))
    return facts, len(spec.layers)


_FACTLESS: frozenset[Format] = frozenset({Format.TORCH_REPR, Format.KERAS_CODE, Format.LAYER_LIST})
"""Formats whose readings never hold a reported number (no counts, output shapes or totals): their
:func:`_completeness` is (0, layers), so they cannot beat a reading that has reported numbers, and once
one has been read they are neither detected nor parsed (a DenseNet121 summary's text holds no layer
list, but telling so costs a scan of it).  tests/parse/test_read.py checks that they never do."""


def _read(cleaned: str) -> tuple[Format, ModelSpec]:
    best: tuple[tuple[int, int], Format, ModelSpec] | None = None
    first_error: InputError | None = None
    for fmt in FORMATS:  # detected_formats, read as they are found
        if best is not None and best[0][0] > 0 and fmt in _FACTLESS:
            continue
        module = _module(fmt)
        if module is None or not module.detect(cleaned):
            continue
        try:
            spec = module.parse(cleaned)
        except InputError as exc:
            first_error = first_error or exc
            continue
        if not spec.layers:
            continue
        score = _completeness(spec)
        if best is None or score > best[0]:  # ties keep the earlier (more specific) format
            best = (score, fmt, spec)
    if best is not None:
        return best[1], best[2]
    if first_error is not None:
        raise first_error  # a table was there but could not be read: its own message says why
    raise no_model_error()


def no_model_error() -> InputError:
    """The friendly "no model here" error, listing every format with a two-line example."""
    entries = {
        fmt.value: Message(
            "format.entry",
            {"name": format_name(fmt), "code": fmt.value, "first": EXAMPLES[fmt].first, "second": EXAMPLES[fmt].second},
        )
        for fmt in FORMATS
    }
    return InputError("error.no_model", **entries)


def detect_format(text: str) -> Format | None:
    """The format :func:`parse_text` would read this text as, or None when it holds no model."""
    try:
        return _read(clean(text))[0]
    except InputError:
        return None


def parse_text(text: str, *, format: Format | str | None = None) -> ModelSpec:
    """Clean pasted text, find the model in it and read it.

    ``format`` forces one format; otherwise it is detected.  Raises :class:`InputError`:
    ``error.no_model`` (nothing readable, with examples of every format), ``error.wrong_format``
    (the forced format reads nothing), ``error.too_long`` or a parser's own message.
    """
    cleaned = clean(text)
    if format is None:
        return _read(cleaned)[1]
    fmt = to_format(format)
    module = _module(fmt)
    if module is None:
        raise InputError(
            "error.format_unavailable",
            name=format_name(fmt),
            code=fmt.value,
            formats=", ".join(f.value for f in available_formats()),
        )
    detail: Message
    try:
        spec = module.parse(cleaned)
    except InputError as exc:
        detail = exc.message
    else:
        if spec.layers:
            return spec
        detail = Message("error.no_layers")
    others = [f for f in detected_formats(cleaned) if f is not fmt]
    if others:
        raise InputError(
            "error.wrong_format",
            name=format_name(fmt),
            code=fmt.value,
            detail=detail,
            found=format_name(others[0]),
            found_code=others[0].value,
        )
    raise InputError("error.wrong_format_none", name=format_name(fmt), code=fmt.value, detail=detail)
