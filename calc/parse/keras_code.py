"""Keras model-building code → :class:`~calc.model.ModelSpec`, read with :mod:`ast` and never run.

What is read:

* ``model = Sequential()`` + ``model.add(Conv2D(...))``; ``Sequential([Conv2D(...), ...])``; every
  spelling of the classes (``keras.Sequential``, ``tf.keras.models.Sequential``, ``layers.Dense``,
  ``keras.layers.Dense``, names imported with ``from ... import ... as ...``);
* the functional API: ``inputs = keras.Input(shape=(28, 28, 1))``, ``x = layers.Conv2D(32, 3)(inputs)``,
  ``layers.add([x, y])`` / ``layers.Add()([x, y])`` / ``concatenate``, ``x + y`` on tensors, layers shared
  between calls, ``a, b, c = lstm(x)``, ``keras.Model(inputs, outputs)``; models nested in models;
* wrappers (``Bidirectional(LSTM(64))`` → ``config["layer"] = {"type": "LSTM", "units": 64}``);
* the input shape from ``input_shape=`` / ``input_dim=`` / ``batch_input_shape=`` on the first layer,
  ``Input(shape=...)``, ``InputLayer`` and ``model.build(...)`` (→ ``ModelSpec.input_shapes``, batch axis None);
* the plain Python around them: names bound to literals (``nClasses = 4``), integer arithmetic on known
  values (``2 * 64``, ``img_rows // 2``), tuples, f-strings, ``for _ in range(3):`` loops, ``if`` on known
  values, functions defined and called (``def block(x, filters): ...``), a function defined but never
  called (its body is read with its parameters left symbolic);
* Keras 1 spellings (``Convolution2D(32, 3, 3, border_mode='same')``) translated to Keras 2+ names.

A name with no literal value stays ``SymbolRef("nClasses")`` and is listed in ``ModelSpec.symbols``.
Positional arguments get their names from the catalog entry's ``positional``; keyword arguments keep
their Keras names; ``name=`` becomes ``LayerSpec.name``, otherwise Keras's own default name is generated
(``conv2d``, ``conv2d_1``, ``max_pooling2d``: snake case of the class and a counter per name, as Keras
numbers them, including the counters Keras 3 spends on layers it creates internally).

Nothing is ever executed: the text is bounded and parsed by :mod:`calc.parse._pysource`, then walked by a
small interpreter that only understands the constructs above, with budgets on steps, loop iterations,
call depth, layers and integer sizes.  Applications (``keras.applications.ResNet50()``) are named but
their layers are not in the code: such a model is refused with a message asking for its summary.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from typing import Any

from calc.catalog import LayerKind, lookup
from calc.errors import InputError, UnknownLayerKind
from calc.findings import Finding, Severity
from calc.i18n import Message, register
from calc.model import Format, Inbound, LayerSpec, ModelSpec, SymbolRef
from calc.parse._pysource import Source, read_source
from calc.parse.text import has_line
from calc.types import Framework, Shape

__all__ = ["detect", "parse"]

register(
    {
        "parse.code.no_model": {
            "en": "I found no Keras model in that code (no Sequential, keras.Model or layers called on an Input).",
            "zh": "我在这段代码中没有找到 Keras 模型（没有 Sequential、keras.Model，也没有作用在 Input 上的层）。",
        },
        "parse.code.application": {
            "en": "That code builds keras.applications.{name}: its layers are defined inside Keras, not in the "
            "code. Paste the output of model.summary() and I'll check every layer.",
            "zh": "这段代码构建的是 keras.applications.{name}：它的层定义在 Keras 内部，而不在代码里。"
            "请粘贴 model.summary() 的输出，我会逐层核对。",
        },
        "parse.code.torch": {
            "en": "That looks like PyTorch code; I read Keras code. For a PyTorch model, paste print(model) or a "
            "torchinfo summary.",
            "zh": "这看起来是 PyTorch 代码；我读取的是 Keras 代码。对于 PyTorch 模型，请粘贴 print(model) 或 torchinfo 的摘要。",
        },
        "parse.code.repaired": {
            "en": "The code's indentation is broken, so I read it statement by statement and read these block "
            "lines' bodies as plain statements: {lines}.",
            "zh": "这段代码的缩进有问题，所以我逐条语句读取，并把这些代码块的内容当作普通语句读取：{lines}。",
        },
        "parse.code.skipped": {
            "en": "Line {line}: I could not read this as Python, so I skipped it: {text}",
            "zh": "第 {line} 行：我无法把它当作 Python 读取，已跳过：{text}",
        },
        "parse.code.skipped_more": {
            "en": "…and {count} more lines I could not read.",
            "zh": "……还有 {count} 行无法读取。",
        },
        "parse.code.several_models": {
            "en": "This code builds {count} models; I read {name}.",
            "zh": "这段代码构建了 {count} 个模型；我读取的是 {name}。",
        },
        "parse.code.branch_assumed": {
            "en": "Line {line}: I can't tell whether this condition holds, so I read its first branch.",
            "zh": "第 {line} 行：我无法判断这个条件是否成立，所以按第一个分支读取。",
        },
        "parse.code.loop_skipped": {
            "en": "Line {line}: I can't tell what this loop runs over, so I skipped its body.",
            "zh": "第 {line} 行：我无法确定这个循环遍历的内容，因此跳过了循环体。",
        },
        "parse.code.class_skipped": {
            "en": "Line {line}: I don't read class definitions ({name}); a subclassed model's layers are only "
            "known once it runs. Paste its model.summary() instead.",
            "zh": "第 {line} 行：我不读取类定义（{name}）；子类化模型的层只有在运行时才知道。请改为粘贴它的 model.summary()。",
        },
        "parse.code.subclassed": {
            "en": "That code defines the model as a class ({name}); its layers are only known once it runs, so I "
            "can't read them from the code. Paste the output of model.summary() (after calling the model once).",
            "zh": "这段代码把模型定义成一个类（{name}）；它的层只有在运行时才知道，因此无法从代码中读取。"
            "请粘贴 model.summary() 的输出（先调用一次模型）。",
        },
        "parse.code.budget": {
            "en": "This code does more than I follow safely (loops, calls or layers over my limit); I read what "
            "it built up to that point.",
            "zh": "这段代码超出了我能安全跟踪的范围（循环、调用或层数超过上限）；我只读取了到那时为止构建的部分。",
        },
        "parse.code.keras1": {
            "en": "Line {line}: {layer} uses Keras 1 arguments ({names}); I read them as their Keras 2+ equivalents.",
            "zh": "第 {line} 行：{layer} 使用了 Keras 1 的参数（{names}）；我按 Keras 2 及以后版本的对应参数读取。",
        },
        "parse.code.conv_strides": {
            "en": "Line {line}: {layer}{args} means filters, kernel_size and strides in Keras 2.3 and later "
            "(strides = {strides}); in Keras 1 and 2.0–2.2 the third number was the kernel's width.",
            "zh": "第 {line} 行：在 Keras 2.3 及以后版本中，{layer}{args} 表示 filters、kernel_size 和 strides"
            "（strides = {strides}）；在 Keras 1 和 2.0–2.2 中，第三个数是卷积核的宽度。",
        },
        "parse.code.implicit_sequential": {
            "en": "The code adds layers to {name} without creating it; I read {name} as a Sequential model.",
            "zh": "代码向 {name} 添加层，但没有创建它；我把 {name} 当作 Sequential 模型读取。",
        },
        "parse.code.implicit_model": {
            "en": "The code calls layers on an Input but never builds keras.Model; I read the graph it builds.",
            "zh": "代码在 Input 上调用了层，但没有构建 keras.Model；我读取了它构建的计算图。",
        },
        "parse.code.uncalled_def": {
            "en": "The model is built inside {name}(), which the code never calls; I read its body with "
            "{params} left as unknowns.",
            "zh": "模型是在 {name}() 中构建的，但代码从未调用它；我读取了它的函数体，并把 {params} 当作未知量。",
        },
        "parse.code.ops": {
            "en": "The graph uses operations that are not layers ({names}); I listed them but can't derive them.",
            "zh": "计算图中使用了不是层的运算（{names}）；我列出了它们，但无法推导。",
        },
        "parse.code.nested_application": {
            "en": "{name} is keras.applications.{app}: its layers are not in the code, so I show it as one "
            "collapsed row.",
            "zh": "{name} 是 keras.applications.{app}：它的层不在代码里，所以我把它显示为折叠的一行。",
        },
        "parse.code.not_a_layer": {
            "en": "Line {line}: {text} is not a layer I can follow, so I left it out of the model.",
            "zh": "第 {line} 行：{text} 不是我能跟踪的层，因此没有把它计入模型。",
        },
        "parse.code.unknown_input": {
            "en": "Line {line}: {name} is called on something I can't follow ({text}); its input is unknown.",
            "zh": "第 {line} 行：{name} 的输入是我无法跟踪的东西（{text}）；它的输入未知。",
        },
    }
)

# --- limits ----------------------------------------------------------------------------------

_MAX_STEPS = 100_000  # statements and expressions evaluated, loops and calls included
_MAX_ITERATIONS = 1_000  # one loop
_MAX_CALL_DEPTH = 6  # user functions calling user functions
_MAX_EVAL_DEPTH = 100  # nested expressions and calls: Python frames are bounded through this
_MAX_MODEL_NESTING = 30  # models inside models
_MAX_LAYERS = 5_000
_MAX_NODES = 20_000
_MAX_INT = 10**15
_MAX_SEQ = 64  # tuple/list lengths built by arithmetic, loops over literal lists
_MAX_STR = 200
_MAX_FINDINGS_PER_KIND = 5

# --- detection -------------------------------------------------------------------------------

_DETECT = re.compile(
    r"""\.add\(\s*(?:[\w.]+\.)?[A-Z]\w*\(
      | \b(?:keras|layers|models)\.[A-Z]\w*\(
      | (?<![\w.])Sequential\(\s*\[
      | =\s*(?:(?:tf\.)?keras\.(?:models\.)?|models\.)?Sequential\(\s*\)
      | ^[ \t]*(?:from[ \t]+(?:tensorflow\.)?keras\b|import[ \t]+(?:tensorflow\.)?keras\b)
      | (?<![\w.])Input\(\s*(?:shape|batch_shape)\s*=
    """,
    re.VERBOSE | re.MULTILINE,
)
_DETECT_WORDS = (".add(", "keras", "layers.", "models.", "Sequential(", "Input(")  # one is in every _DETECT match
# _DETECT's alternatives one by one, each led by a literal that _found looks for (a leading \b or
# lookbehind is moved after the literal, where it tests the same characters).  _DETECT.search finds a
# match exactly when one of these does, or _assigned_sequential, or _DETECT_IMPORT on a line with "keras".
_DETECT_PARTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (".add(", re.compile(r"\.add\(\s*(?:[\w.]+\.)?[A-Z]\w*\(")),
    ("keras.", re.compile(r"keras(?<!\wkeras)\.[A-Z]\w*\(")),
    ("layers.", re.compile(r"layers(?<!\wlayers)\.[A-Z]\w*\(")),
    ("models.", re.compile(r"models(?<!\wmodels)\.[A-Z]\w*\(")),
    ("Sequential(", re.compile(r"Sequential(?<![\w.]Sequential)\(\s*\[")),
    ("Input(", re.compile(r"Input(?<![\w.]Input)\(\s*(?:shape|batch_shape)\s*=")),
)
# _DETECT's "= Sequential()" alternative, read from its "Sequential(" (the regex is led by "=", a character
# every line of a repr holds several times): the empty call after it here, the "=" and module before it in
# _assigned_sequential.
_EMPTY_CALL = re.compile(r"\s*\)")
_SEQUENTIAL_MODULES = ("", "keras.", "tf.keras.", "keras.models.", "tf.keras.models.", "models.")
_MATCHES_TRIED = 8  # places a literal is tried at by _found before the regex's own scan takes over


def _found(text: str, word: str, pattern: re.Pattern[str]) -> bool:
    """``pattern.search(text) is not None`` for a pattern whose every match starts with ``word``, read
    faster: the regex engine scans for a literal of several characters ~10× slower than ``str.find``, so
    the first few places ``word`` is found are tried one by one (a lookbehind still sees the text before)."""
    at = 0
    for _ in range(_MATCHES_TRIED):
        at = text.find(word, at)
        if at < 0:
            return False
        if pattern.match(text, at) is not None:
            return True
        at += 1
    return pattern.search(text, at) is not None


def _assigned_sequential(text: str) -> bool:
    """_DETECT's ``= Sequential()`` alternative (``=``, blanks, maybe a module, ``Sequential(``, blanks,
    ``)``), read from each "Sequential(": the empty call after it, then each module before it, the blanks
    and the "=".  (The blanks before one "Sequential(" end at the one before: each is walked at most once
    per module.)"""
    at = text.find("Sequential(")
    while at >= 0:
        if _EMPTY_CALL.match(text, at + len("Sequential(")) is not None:
            for module in _SEQUENTIAL_MODULES:
                if text.endswith(module, 0, at):
                    k = at - len(module)
                    while k > 0 and text[k - 1].isspace():  # \s is str.isspace
                        k -= 1
                    if k > 0 and text[k - 1] == "=":
                        return True
        at = text.find("Sequential(", at + 1)
    return False
_DETECT_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(?:tensorflow\.)?keras\b|import[ \t]+(?:tensorflow\.)?keras\b)",
                            re.MULTILINE)
_TORCH = re.compile(r"\bnn\.[A-Z]\w*\(|^[ \t]*(?:import|from)[ \t]+torch\b", re.MULTILINE)
_KERAS_WORD = re.compile(r"\bkeras\b")


def detect(text: str) -> bool:
    """Keras model code: ``model.add(Layer(``, ``layers.X(``, ``Sequential([``, ``= Sequential()``, a keras
    import or ``Input(shape=``.  PyTorch code (``nn.Conv2d(``, ``import torch``) without the word keras is not."""
    if len(text) > 400_000 or not any(word in text for word in _DETECT_WORDS):
        return False
    found = (
        any(_found(text, word, pattern) for word, pattern in _DETECT_PARTS)
        or _assigned_sequential(text)
        or ("keras" in text and has_line(text, "keras", _DETECT_IMPORT))
    )
    if not found:
        return False
    return _TORCH.search(text) is None or _KERAS_WORD.search(text) is not None


def _detect_plain(text: str) -> bool:
    """:func:`detect` with the single regex it is read faster than (kept to test the two against)."""
    if len(text) > 400_000 or not any(word in text for word in _DETECT_WORDS):
        return False
    if _DETECT.search(text) is None:
        return False
    return _TORCH.search(text) is None or _KERAS_WORD.search(text) is not None


# --- values ----------------------------------------------------------------------------------
# The interpreter's values: Python literals (int, float, str, bool, None, tuple, list), SymbolRef for
# anything unknown, and the objects below.


@dataclass(frozen=True)
class _Path:
    """An unbound dotted name: a module or something from a library (``layers.Conv2D``, ``tf.nn.relu``)."""

    path: str

    @property
    def last(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.path.split("."))


@dataclass(eq=False)
class _Node:
    """One call of a layer or model: its input tensors in order."""

    owner: _Layer | _Model
    index: int
    inbound: tuple[_Tensor, ...]


@dataclass(frozen=True, eq=False)
class _Tensor:
    node: _Node
    index: int = 0
    whole: bool = False  # the call's whole result: unpacking or indexing it picks output tensors


@dataclass(eq=False)
class _Layer:
    type: str
    resolved: str | None  # catalog name when ``type`` is an alias
    config: dict[str, Any]
    name: str
    line: int | None
    nodes: list[_Node] = field(default_factory=list)
    input_shape: Any = None  # batch shape from input_shape= / input_dim= / batch_input_shape=
    op: bool = False  # an operation on tensors (x + y, tf.concat), not a layer class


@dataclass(eq=False)
class _Model:
    kind: str  # "sequential", "functional" or "application"
    name: str
    line: int | None
    items: list[Any] = field(default_factory=list)  # sequential: layers and models, in order
    inputs: list[_Tensor] = field(default_factory=list)  # functional
    outputs: list[_Tensor] = field(default_factory=list)
    nodes: list[_Node] = field(default_factory=list)  # its calls, when used as a layer
    input_shape: Any = None  # sequential: batch shape
    has_input: bool = False
    config: dict[str, Any] = field(default_factory=dict)
    app: str | None = None
    nested: bool = False  # used inside another model


@dataclass(eq=False)
class _Func:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    defaults: dict[str, Any]
    scope: _Scope
    called: bool = False


@dataclass(frozen=True)
class _Bound:
    obj: Any
    method: str


@dataclass(eq=False)
class _Scope:
    vars: dict[str, Any]
    parent: _Scope | None = None

    def get(self, name: str) -> tuple[bool, Any]:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return True, scope.vars[name]
            scope = scope.parent
        return False, None


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _OutOfBudget(Exception):
    pass


# --- Keras facts ---------------------------------------------------------------------------

_MERGE_FUNCTIONS = {
    "add": "Add",
    "subtract": "Subtract",
    "multiply": "Multiply",
    "average": "Average",
    "maximum": "Maximum",
    "minimum": "Minimum",
    "concatenate": "Concatenate",
    "dot": "Dot",
}
_BINOP_LAYERS: dict[type[ast.operator], str] = {
    ast.Add: "Add",
    ast.Sub: "Subtract",
    ast.Mult: "Multiply",
    ast.Div: "TrueDivide",
    ast.MatMult: "Matmul",
}
_NOT_LAYERS = {
    "optimizers",
    "losses",
    "metrics",
    "callbacks",
    "regularizers",
    "initializers",
    "constraints",
    "utils",
    "datasets",
    "backend",
    "activations",
    "mixed_precision",
    "schedules",
    "np",
    "numpy",
    "math",
    "random",
    "os",
    "sys",
    "plt",
    "pd",
}
_APPLICATION_NAMES = {
    "VGG16": "vgg16",
    "VGG19": "vgg19",
    "ResNet50": "resnet50",
    "ResNet101": "resnet101",
    "ResNet152": "resnet152",
    "ResNet50V2": "resnet50v2",
    "ResNet101V2": "resnet101v2",
    "ResNet152V2": "resnet152v2",
    "InceptionV3": "inception_v3",
    "InceptionResNetV2": "inception_resnet_v2",
    "Xception": "xception",
    "MobileNet": "mobilenet_1.00_224",
    "MobileNetV2": "mobilenetv2_1.00_224",
    "MobileNetV3Small": "MobilenetV3small",
    "MobileNetV3Large": "MobilenetV3large",
    "DenseNet121": "densenet121",
    "DenseNet169": "densenet169",
    "DenseNet201": "densenet201",
    "NASNetMobile": "NASNet",
    "NASNetLarge": "NASNet",
    "ConvNeXtTiny": "convnext_tiny",
    "ConvNeXtSmall": "convnext_small",
    "ConvNeXtBase": "convnext_base",
    "ConvNeXtLarge": "convnext_large",
    "ConvNeXtXLarge": "convnext_xlarge",
    **{f"EfficientNetB{i}": f"efficientnetb{i}" for i in range(8)},
    **{f"EfficientNetV2{s}": f"efficientnetv2-{s.lower()}" for s in ("B0", "B1", "B2", "B3", "S", "M", "L")},
}
_BUILTINS = {
    "range",
    "len",
    "int",
    "float",
    "tuple",
    "list",
    "max",
    "min",
    "abs",
    "round",
    "print",
    "enumerate",
    "zip",
    "reversed",
}
# Positional parameters of a few layers the catalog does not derive (their rows still read well).
_OTHER_POSITIONAL = {
    "Lambda": ("function", "output_shape", "mask", "arguments"),
    "Attention": ("use_scale", "score_mode"),
    "AdditiveAttention": ("use_scale",),
    "CategoryEncoding": ("num_tokens", "output_mode"),
    "TextVectorization": ("max_tokens",),
    "Resizing": ("height", "width", "interpolation"),
    "CenterCrop": ("height", "width"),
    "RandomFlip": ("mode",),
    "RandomRotation": ("factor",),
    "RandomZoom": ("height_factor", "width_factor"),
    "EinsumDense": ("equation", "output_shape", "activation", "bias_axes"),
}
# Keras 1 keyword arguments and their Keras 2+ names (keras/legacy/interfaces.py).
_KERAS1_KWARGS = {
    "border_mode": "padding",
    "subsample": "strides",
    "subsample_length": "strides",
    "nb_filter": "filters",
    "filter_length": "kernel_size",
    "pool_length": "pool_size",
    "stride": "strides",
    "atrous_rate": "dilation_rate",
    "init": "kernel_initializer",
    "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "b_constraint": "bias_constraint",
    "bias": "use_bias",
    "dim_ordering": "data_format",
    "p": "rate",
}
_CONV_KERAS1 = {"Convolution2D", "Convolution3D", "AtrousConvolution2D", "Deconvolution2D", "Deconvolution3D"}
_INPUT_KWARGS = ("input_shape", "batch_input_shape", "input_dim", "batch_size", "input_length")
# Keras 3 layers that create unnamed layers of their own when first called (their counters move on).
_K3_INTERNAL = {"MultiHeadAttention": ("softmax", "dropout")}
_SYMBOL_KEYS_IGNORED = re.compile(r"_(?:initializer|regularizer|constraint)$|^(?:dtype|seed|weights|trainable)$")


_NON_WORD = re.compile(r"\W+")
_CAMEL_1 = re.compile(r"(.)([A-Z][a-z]+)")
_CAMEL_2 = re.compile(r"([a-z])([A-Z])")


@cache
def _snake(name: str) -> str:
    """Keras's default layer names (keras/src/utils/naming.py to_snake_case)."""
    name = _NON_WORD.sub("", name)
    name = _CAMEL_1.sub(r"\1_\2", name)
    return _CAMEL_2.sub(r"\1_\2", name).lower()


@cache
def _entry(type_name: str) -> LayerKind | None:
    try:
        return lookup(type_name, Framework.KERAS)
    except UnknownLayerKind:
        return None


def _is_literal(v: Any) -> bool:
    return v is None or isinstance(v, (bool, int, float, str))


def _known_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_TEXT_NODES = 60  # an expression larger than this is shown by its beginning only


def _text(node: ast.AST, limit: int = 80) -> str:
    """The source text of an expression, for symbols and messages; a large one is not unparsed at all."""
    if sum(1 for _ in islice(ast.walk(node), _TEXT_NODES + 1)) > _TEXT_NODES:
        return f"{_head(node)}…"
    try:
        text = ast.unparse(node)
    except (ValueError, TypeError, AttributeError, RecursionError):
        text = type(node).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _head(node: ast.AST) -> str:
    """The leftmost name of a large expression (``f`` of ``f(a, b)(c)``), found without recursion."""
    for _ in range(_TEXT_NODES):
        if isinstance(node, ast.Name):
            return node.id
        child = next(ast.iter_child_nodes(node), None)
        if child is None:
            break
        node = child
    return "expression"


def _tensors_in(value: Any, out: list[_Tensor], depth: int = 0) -> None:
    if isinstance(value, _Tensor):
        out.append(value)
    elif isinstance(value, (list, tuple)) and depth < 4:
        for v in value[:_MAX_SEQ]:
            _tensors_in(v, out, depth + 1)


def _first_tensor(value: Any) -> _Tensor | None:
    found: list[_Tensor] = []
    _tensors_in(value, found)
    return found[0] if found else None


# --- the interpreter ---------------------------------------------------------------------


class _Reader:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.globals = _Scope({})
        self.findings: list[Finding] = []
        self._finding_counts: dict[str, int] = {}
        self.uids: dict[str, int] = {}
        self.tf_keras = False
        self.torch = False
        self.keras_seen = False
        self.models: list[_Model] = []
        self.nodes: list[_Node] = []
        self.layers_made = 0
        self.summary_target: _Model | None = None
        self.funcs: list[tuple[str, _Func]] = []
        self.steps = 0
        self.depth = 0
        self.call_depth = 0
        self.ops: list[str] = []
        self.classes: list[str] = []
        self.out_of_budget = False

    # -- bookkeeping --------------------------------------------------------------------

    def note(self, severity: Severity, key: str, code: str | None = None, at: str | None = None, **args: Any) -> None:
        """A finding (at most a few of each kind); ``at`` names the layer it is about."""
        n = self._finding_counts.get(key, 0)
        self._finding_counts[key] = n + 1
        if n < _MAX_FINDINGS_PER_KIND:
            self.findings.append(Finding(severity, code or key, Message(key, args), at))

    def step(self) -> None:
        self.steps += 1
        if self.steps > _MAX_STEPS:
            raise _OutOfBudget

    def uid(self, prefix: str) -> str:
        """Keras's unique default name: ``conv2d``, then ``conv2d_1``, ``conv2d_2``..."""
        n = self.uids.get(prefix, 0)
        self.uids[prefix] = n + 1
        return prefix if n == 0 else f"{prefix}_{n}"

    def input_name(self) -> str:
        if self.tf_keras:  # tf.keras: input_1, input_2, ...
            n = self.uids.get("\0input", 0) + 1
            self.uids["\0input"] = n
            return f"input_{n}"
        return self.uid("input_layer")

    # -- statements ---------------------------------------------------------------------

    def run(self) -> None:
        self._scan_imports(self.source.statements)
        try:
            self.exec_block(self.source.statements, self.globals)
        except _OutOfBudget:
            self._budget_note()
        except (_Return, _Break, _Continue):
            pass

    def _budget_note(self) -> None:
        if not self.out_of_budget:
            self.out_of_budget = True
            self.note(Severity.WARNING, "parse.code.budget")

    def _scan_imports(self, statements: Sequence[ast.stmt]) -> None:
        for stmt in statements:
            names: list[str] = []
            if isinstance(stmt, ast.Import):
                names = [a.name for a in stmt.names]
            elif isinstance(stmt, ast.ImportFrom):
                names = [stmt.module or ""]
            for name in names:
                root = name.split(".")[0]
                self.tf_keras |= root == "tensorflow"
                self.torch |= root == "torch"
                self.keras_seen |= root in ("keras", "tensorflow", "tf_keras")

    def exec_block(self, statements: Sequence[ast.stmt], scope: _Scope) -> None:
        for stmt in statements:
            self.exec_stmt(stmt, scope)

    def exec_stmt(self, stmt: ast.stmt, scope: _Scope) -> None:
        self.step()
        if isinstance(stmt, ast.Assign):
            value = self.eval(stmt.value, scope)
            for target in stmt.targets:
                self.bind(target, value, scope)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.bind(stmt.target, self.eval(stmt.value, scope), scope)
        elif isinstance(stmt, ast.AugAssign):
            value = self.binop(stmt.op, self.eval(stmt.target, scope), self.eval(stmt.value, scope), stmt, scope)
            self.bind(stmt.target, value, scope)
        elif isinstance(stmt, ast.Expr):
            self.eval(stmt.value, scope)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.do_import(stmt, scope)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            func = _Func(stmt, self.param_defaults(stmt, scope), scope)
            scope.vars[stmt.name] = func
            self.funcs.append((stmt.name, func))
        elif isinstance(stmt, ast.ClassDef):
            self.note(Severity.WARNING, "parse.code.class_skipped", line=stmt.lineno, name=stmt.name)
            self.classes.append(stmt.name)
            scope.vars[stmt.name] = SymbolRef(stmt.name)
        elif isinstance(stmt, ast.Return):
            raise _Return(self.eval(stmt.value, scope) if stmt.value is not None else None)
        elif isinstance(stmt, ast.If):
            self.do_if(stmt, scope)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self.do_for(stmt, scope)
        elif isinstance(stmt, ast.While):
            self.note(Severity.INFO, "parse.code.loop_skipped", line=stmt.lineno)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                value = self.eval(item.context_expr, scope)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value, scope)
            self.exec_block(stmt.body, scope)
        elif isinstance(stmt, ast.Try):
            self.exec_block(stmt.body, scope)
            self.exec_block(stmt.orelse, scope)
            self.exec_block(stmt.finalbody, scope)
        elif isinstance(stmt, ast.Break):
            raise _Break
        elif isinstance(stmt, ast.Continue):
            raise _Continue
        # pass, global, nonlocal, del, raise, assert, match: nothing a model depends on

    def do_import(self, stmt: ast.Import | ast.ImportFrom, scope: _Scope) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    scope.vars[alias.asname] = _Path(alias.name)
                else:
                    root = alias.name.split(".")[0]
                    scope.vars[root] = _Path(root)
            return
        module = stmt.module or ""
        for alias in stmt.names:
            if alias.name == "*":
                continue
            full = f"{module}.{alias.name}" if module else alias.name
            scope.vars[alias.asname or alias.name] = _Path(full)

    def param_defaults(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope) -> dict[str, Any]:
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        out: dict[str, Any] = {}
        for arg, default in zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True):
            out[arg.arg] = self.eval(default, scope)
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kw_default is not None:
                out[arg.arg] = self.eval(kw_default, scope)
        return out

    def truth(self, value: Any) -> bool | None:
        if _is_literal(value) or isinstance(value, (tuple, list)):
            return bool(value)
        return None

    def do_if(self, stmt: ast.If, scope: _Scope) -> None:
        cond = self.truth(self.eval(stmt.test, scope))
        if cond is None:
            self.note(Severity.INFO, "parse.code.branch_assumed", line=stmt.lineno)
            cond = True
        self.exec_block(stmt.body if cond else stmt.orelse, scope)

    def iterate(self, value: Any) -> list[Any] | None:
        if isinstance(value, (tuple, list)):
            return list(value[:_MAX_ITERATIONS])
        if isinstance(value, range):
            return list(value[:_MAX_ITERATIONS])
        if isinstance(value, str):
            return list(value[:_MAX_STR])
        if isinstance(value, _Model) and value.kind == "sequential":
            return list(value.items)
        return None

    def do_for(self, stmt: ast.For | ast.AsyncFor, scope: _Scope) -> None:
        items = self.iterate(self.eval(stmt.iter, scope))
        if items is None:
            self.note(Severity.INFO, "parse.code.loop_skipped", line=stmt.lineno)
            return
        for item in items:
            self.bind(stmt.target, item, scope)
            try:
                self.exec_block(stmt.body, scope)
            except _Break:
                return
            except _Continue:
                continue
        self.exec_block(stmt.orelse, scope)

    def bind(self, target: ast.expr, value: Any, scope: _Scope) -> None:
        if isinstance(target, ast.Name):
            scope.vars[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            values = self.unpack(value, len(elts))
            for elt, v in zip(elts, values, strict=True):
                if isinstance(elt, ast.Starred):
                    self.bind(elt.value, SymbolRef(_text(elt.value)), scope)
                else:
                    self.bind(elt, v, scope)
        elif isinstance(target, ast.Attribute):
            obj = self.eval(target.value, scope)
            if isinstance(obj, (_Layer, _Model)) and target.attr == "trainable":
                obj.config["trainable"] = value
        # subscripts and starred targets: nothing a model depends on

    def unpack(self, value: Any, n: int) -> list[Any]:
        if isinstance(value, (tuple, list)) and len(value) == n:
            return list(value)
        if isinstance(value, _Tensor) and value.whole:
            return [_Tensor(value.node, i) for i in range(n)]
        return [
            SymbolRef(f"{value.name[:60]}[{i}]") if isinstance(value, SymbolRef) else SymbolRef("?") for i in range(n)
        ]

    # -- expressions --------------------------------------------------------------------

    def eval(self, node: ast.expr, scope: _Scope) -> Any:
        self.step()
        if self.depth >= _MAX_EVAL_DEPTH:
            self._budget_note()
            return SymbolRef(_text(node))
        self.depth += 1
        try:
            return self._eval(node, scope)
        finally:
            self.depth -= 1

    def _eval(self, node: ast.expr, scope: _Scope) -> Any:
        if isinstance(node, ast.Constant):
            v = node.value
            if _is_literal(v) and not (isinstance(v, str) and len(v) > _MAX_STR):
                return v
            return SymbolRef(_text(node))
        if isinstance(node, ast.Name):
            found, v = scope.get(node.id)
            if not found:
                return _Path(node.id)
            if isinstance(v, SymbolRef):
                return SymbolRef(node.id)
            return v
        if isinstance(node, ast.Attribute):
            return self.attribute(self.eval(node.value, scope), node.attr, node)
        if isinstance(node, ast.Call):
            return self.eval_call(node, scope)
        if isinstance(node, (ast.Tuple, ast.List)):
            items: list[Any] = []
            for elt in node.elts[:_MAX_ITERATIONS]:
                if isinstance(elt, ast.Starred):
                    inner = self.iterate(self.eval(elt.value, scope))
                    items.extend(inner if inner is not None else [SymbolRef(_text(elt))])
                else:
                    items.append(self.eval(elt, scope))
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.BinOp):
            return self.binop(node.op, self.eval(node.left, scope), self.eval(node.right, scope), node, scope)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, self.eval(node.operand, scope))
        if isinstance(node, ast.BoolOp):
            return self.boolop(node, scope)
        if isinstance(node, ast.Compare):
            return self.compare(node, scope)
        if isinstance(node, ast.IfExp):
            cond = self.truth(self.eval(node.test, scope))
            return self.eval(node.orelse if cond is False else node.body, scope)
        if isinstance(node, ast.Subscript):
            return self.subscript(self.eval(node.value, scope), node, scope)
        if isinstance(node, ast.JoinedStr):
            return self.fstring(node, scope)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
            return self.comprehension(node, scope)
        if isinstance(node, ast.Lambda):
            return "<lambda>"
        return SymbolRef(_text(node))

    def attribute(self, obj: Any, attr: str, node: ast.Attribute) -> Any:
        if isinstance(obj, _Path):
            return _Path(f"{obj.path}.{attr}")
        if isinstance(obj, _Model):
            if attr in ("input", "inputs"):
                return self.model_inputs(obj, attr == "inputs")
            if attr in ("output", "outputs"):
                return self.model_outputs(obj, attr == "outputs")
            if attr == "layers" and obj.kind == "sequential":
                return [i for i in obj.items if isinstance(i, (_Layer, _Model))]
            if attr == "name":
                return obj.name
            return _Bound(obj, attr)
        if isinstance(obj, _Layer):
            if attr == "output" and obj.nodes:
                return _Tensor(obj.nodes[-1], 0, whole=True)
            if attr == "input" and obj.nodes and obj.nodes[-1].inbound:
                return obj.nodes[-1].inbound[0]
            if attr == "name":
                return obj.name
            return _Bound(obj, attr)
        if isinstance(obj, list) and attr in ("append", "extend", "insert", "pop"):
            return _Bound(obj, attr)
        return SymbolRef(_text(node))

    # arithmetic on known values only; anything else is unknown

    def binop(self, op: ast.operator, a: Any, b: Any, node: ast.AST, scope: _Scope) -> Any:
        if isinstance(a, _Tensor) or isinstance(b, _Tensor):
            kind = _BINOP_LAYERS.get(type(op), type(op).__name__)
            return self.op_call(kind, [a, b], node, snake=True)
        if _known_number(a) and _known_number(b):
            result = _arith(op, a, b)
            if result is not None:
                return result
        elif isinstance(op, ast.Add) and isinstance(a, (tuple, list)) and type(a) is type(b):
            if len(a) + len(b) <= _MAX_SEQ:
                return type(a)([*a, *b])
        elif (
            isinstance(a, (tuple, list)) and isinstance(b, int) and not isinstance(b, bool) and isinstance(op, ast.Mult)
        ):
            if 0 <= len(a) * b <= _MAX_SEQ:
                return a * b
        elif isinstance(a, str) and isinstance(b, str) and isinstance(op, ast.Add) and len(a) + len(b) <= _MAX_STR:
            return a + b
        return SymbolRef(_text(node))

    def unary(self, node: ast.UnaryOp, v: Any) -> Any:
        if _known_number(v):
            if isinstance(node.op, ast.USub):
                return -v
            if isinstance(node.op, ast.UAdd):
                return v
            if isinstance(node.op, ast.Invert) and isinstance(v, int):
                return ~v
        if isinstance(node.op, ast.Not):
            t = self.truth(v)
            if t is not None:
                return not t
        return SymbolRef(_text(node))

    def boolop(self, node: ast.BoolOp, scope: _Scope) -> Any:
        value: Any = None
        for expr in node.values:
            value = self.eval(expr, scope)
            t = self.truth(value)
            if t is None:
                return SymbolRef(_text(node))
            if isinstance(node.op, ast.And) and not t:
                return value
            if isinstance(node.op, ast.Or) and t:
                return value
        return value

    def compare(self, node: ast.Compare, scope: _Scope) -> Any:
        left = self.eval(node.left, scope)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.eval(right_node, scope)
            ok = _compare(op, left, right)
            if ok is None:
                return SymbolRef(_text(node))
            if not ok:
                return False
            left = right
        return True

    def subscript(self, value: Any, node: ast.Subscript, scope: _Scope) -> Any:
        index = self.eval(node.slice, scope) if not isinstance(node.slice, ast.Slice) else None
        if isinstance(value, (tuple, list, str)):
            if isinstance(node.slice, ast.Slice):
                parts = [
                    self.eval(p, scope) if p is not None else None
                    for p in (node.slice.lower, node.slice.upper, node.slice.step)
                ]
                if all(p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in parts) and parts[2] != 0:
                    return value[slice(*parts)]
            elif isinstance(index, int) and not isinstance(index, bool) and -len(value) <= index < len(value):
                return value[index]
        if isinstance(value, _Tensor):
            if value.whole and isinstance(index, int) and not isinstance(index, bool) and 0 <= index < _MAX_SEQ:
                return _Tensor(value.node, index)
            return self.op_call("GetItem", [value], node, snake=True)
        return SymbolRef(_text(node))

    def fstring(self, node: ast.JoinedStr, scope: _Scope) -> Any:
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue) and value.format_spec is None:
                v = self.eval(value.value, scope)
                if not (_is_literal(v) and not isinstance(v, float)):
                    return SymbolRef(_text(node))
                parts.append(str(v))
            else:
                return SymbolRef(_text(node))
        text = "".join(parts)
        return text if len(text) <= _MAX_STR else SymbolRef(_text(node))

    def comprehension(self, node: ast.ListComp | ast.GeneratorExp, scope: _Scope) -> Any:
        if len(node.generators) != 1:
            return SymbolRef(_text(node))
        gen = node.generators[0]
        items = self.iterate(self.eval(gen.iter, scope))
        if items is None:
            return SymbolRef(_text(node))
        inner = _Scope({}, scope)
        out: list[Any] = []
        for item in items:
            self.bind(gen.target, item, inner)
            if all(self.truth(self.eval(cond, inner)) is not False for cond in gen.ifs):
                out.append(self.eval(node.elt, inner))
        return out

    # -- calls --------------------------------------------------------------------------

    def eval_call(self, node: ast.Call, scope: _Scope) -> Any:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "add" and isinstance(func.value, ast.Name):
            found, _value = scope.get(func.value.id)
            if not found:  # model.add(...) on a model the paste never creates: read it as a Sequential
                model = self.new_model("sequential", {}, node, "sequential")
                self.globals.vars[func.value.id] = model
                self.note(Severity.INFO, "parse.code.implicit_sequential", name=func.value.id)
        callee = self.eval(func, scope)
        args: list[Any] = []
        for arg in node.args[:_MAX_SEQ]:
            if isinstance(arg, ast.Starred):
                inner = self.iterate(self.eval(arg.value, scope))
                args.extend(inner if inner is not None else [SymbolRef(_text(arg))])
            else:
                args.append(self.eval(arg, scope))
        kwargs: dict[str, Any] = {}
        for kw in node.keywords[:_MAX_SEQ]:
            if kw.arg is not None:
                kwargs[kw.arg] = self.eval(kw.value, scope)
        return self.call(callee, args, kwargs, node)

    def call(self, callee: Any, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        if isinstance(callee, _Func):
            return self.call_func(callee, args, kwargs)
        if isinstance(callee, _Bound):
            return self.call_method(callee, args, kwargs, node)
        if isinstance(callee, (_Layer, _Model)):
            return self.call_layer(callee, args, kwargs, node)
        if isinstance(callee, _Path):
            return self.call_path(callee, args, kwargs, node)
        return SymbolRef(_text(node))

    def call_func(self, func: _Func, args: list[Any], kwargs: dict[str, Any]) -> Any:
        func.called = True
        if self.call_depth >= _MAX_CALL_DEPTH:
            self._budget_note()
            return SymbolRef(func.node.name)
        spec = func.node.args
        params = [*spec.posonlyargs, *spec.args]
        local = _Scope({}, func.scope)
        for i, param in enumerate(params):
            if i < len(args):
                local.vars[param.arg] = args[i]
            elif param.arg in kwargs:
                local.vars[param.arg] = kwargs[param.arg]
            elif param.arg in func.defaults:
                local.vars[param.arg] = func.defaults[param.arg]
            else:
                local.vars[param.arg] = SymbolRef(param.arg)
        for param in spec.kwonlyargs:
            local.vars[param.arg] = kwargs.get(param.arg, func.defaults.get(param.arg, SymbolRef(param.arg)))
        if spec.vararg is not None:
            local.vars[spec.vararg.arg] = tuple(args[len(params) :])
        if spec.kwarg is not None:
            local.vars[spec.kwarg.arg] = SymbolRef(spec.kwarg.arg)
        self.call_depth += 1
        try:
            self.exec_block(func.node.body, local)
        except _Return as ret:
            return ret.value
        except (_Break, _Continue):
            pass
        finally:
            self.call_depth -= 1
        return None

    def call_method(self, bound: _Bound, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        obj, method = bound.obj, bound.method
        if isinstance(obj, list):
            if method == "append" and args and len(obj) < _MAX_LAYERS:
                obj.append(args[0])
            elif method == "extend" and args:
                more = self.iterate(args[0])
                if more is not None and len(obj) + len(more) <= _MAX_LAYERS:
                    obj.extend(more)
            elif method == "insert" and len(args) == 2 and isinstance(args[0], int) and len(obj) < _MAX_LAYERS:
                obj.insert(args[0], args[1])
            elif method == "pop" and obj:
                return obj.pop()
            return None
        if isinstance(obj, _Model):
            if method == "add" and args:
                self.seq_add(obj, args[0], node)
            elif method == "pop" and obj.kind == "sequential" and obj.items:
                obj.items.pop()
            elif method == "summary":
                self.summary_target = obj
            elif method == "build":
                shape = args[0] if args else kwargs.get("input_shape")
                if obj.kind == "sequential" and not obj.has_input and shape is not None:
                    obj.input_shape = _tuple_of(shape) if _shape_like(shape) else _data(shape)
                    obj.has_input = True
                    if not self.tf_keras:
                        self.uid("input_layer")
                    self.seq_rebuilt(obj)
            return None
        if isinstance(obj, _Layer):
            return None
        return SymbolRef(_text(node))

    def call_path(self, path: _Path, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        last, parts = path.last, path.parts
        root = parts[0]
        self.tf_keras |= root in ("tf", "tensorflow")
        self.torch |= root in ("torch", "nn") or "torch" in parts
        if last == "Sequential":
            return self.make_sequential(args, kwargs, node)
        if last in ("Model", "Functional"):
            return self.make_functional(args, kwargs, node)
        if last == "Input":
            return self.make_input(args, kwargs, node)
        if "applications" in parts or (last in _APPLICATION_NAMES and len(parts) == 1):
            return self.make_application(last, kwargs, node)
        if len(parts) == 1 and last in _BUILTINS:
            return _builtin(last, args, node)
        if any(p in _NOT_LAYERS for p in parts[:-1]) or root in _NOT_LAYERS:
            if _first_tensor(args) is not None:
                return self.op_call(last, args, node, snake=True)
            return SymbolRef(_text(node))
        if last[:1].isupper():
            return self.make_layer(last, args, kwargs, node)
        if last in _MERGE_FUNCTIONS and args and isinstance(args[0], (list, tuple)) and _first_tensor(args[0]):
            layer = self.make_layer(_MERGE_FUNCTIONS[last], [], kwargs, node)
            return self.call_layer(layer, [args[0]], {}, node)
        if _first_tensor(args) is not None or _first_tensor(list(kwargs.values())) is not None:
            return self.op_call(last, [*args, *kwargs.values()], node, snake=True)
        return SymbolRef(_text(node))

    # -- building layers and models -----------------------------------------------------

    def make_layer(self, type_name: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> _Layer:
        self.layers_made += 1
        if self.layers_made > _MAX_LAYERS:
            raise _OutOfBudget
        entry = _entry(type_name)
        resolved = entry.name if entry is not None and entry.name != type_name else None
        canonical = entry.name if entry is not None else type_name
        line = getattr(node, "lineno", None)
        config: dict[str, Any] = {}
        positional = entry.positional if entry is not None else _OTHER_POSITIONAL.get(type_name, ())
        renamed = [k for k in kwargs if k in _KERAS1_KWARGS and not (k == "bias" and canonical == "Embedding")]
        keras1 = bool(renamed) or type_name in _CONV_KERAS1
        args = list(args)
        if keras1 and canonical in ("Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose"):
            rank = 3 if "3D" in canonical else 2
            if len(args) >= 1 + rank and all(isinstance(a, int) for a in args[1 : 1 + rank]):
                args = [args[0], tuple(args[1 : 1 + rank]), *args[1 + rank :]]
        elif (
            canonical in ("Conv2D", "Conv3D")
            and len(args) >= 3
            and all(isinstance(a, int) and not isinstance(a, bool) for a in args[:3])
        ):
            self.note(
                Severity.INFO,
                "parse.code.conv_strides",
                line=line,
                layer=type_name,
                args=str(tuple(args[:3])),
                strides=args[2],
            )
        for i, value in enumerate(args):
            key = positional[i] if i < len(positional) else f"arg{i}"
            config[key] = value
        for key, value in kwargs.items():
            new = key
            if key in renamed:
                new = _KERAS1_KWARGS[key]
                if key == "dim_ordering" and value in ("th", "tf"):
                    value = "channels_first" if value == "th" else "channels_last"
            if key == "output_dim" and canonical != "Embedding":
                new = "units"
                renamed.append(key)
            config[new] = value
        if renamed:
            self.note(
                Severity.INFO, "parse.code.keras1", line=line, layer=type_name, names=", ".join(sorted(set(renamed)))
            )
        explicit = config.pop("name", None)
        input_shape = self.pop_input_shape(config, canonical)
        name = explicit if isinstance(explicit, str) and explicit else self.uid(_snake(canonical))
        return _Layer(type_name, resolved, config, name, line, input_shape=input_shape)

    def pop_input_shape(self, config: dict[str, Any], canonical: str) -> Any:
        """The batch shape given on a layer (``input_shape=(28, 28)`` → ``(None, 28, 28)``); the keys are
        removed from the configuration, except an Embedding's own ``input_dim`` / ``input_length``."""
        batch = config.pop("batch_size", None)
        shape: Any = None
        if "batch_input_shape" in config:
            given = config.pop("batch_input_shape")
            shape = _tuple_of(given) if _shape_like(given) else _data(given)
        if "input_shape" in config:
            inner = config.pop("input_shape")
            if shape is None:
                shape = _batch_of(batch, inner)
        if canonical == "Embedding":
            length = config.get("input_length")
            if shape is None and length is not None:
                shape = (None, length)
            return shape
        config.pop("input_length", None)
        if "input_dim" in config:
            dim = config.pop("input_dim")
            shape = (None, dim) if shape is None else shape
        return shape

    def make_input(self, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> _Tensor:
        keys = ("shape", "batch_size", "dtype", "sparse")
        given = dict(zip(keys, args, strict=False))
        given.update(kwargs)
        if "tensor" in given and isinstance(given["tensor"], _Tensor):
            return given["tensor"]
        explicit = given.pop("name", None)
        name = explicit if isinstance(explicit, str) and explicit else self.input_name()
        config: dict[str, Any] = {}
        if "batch_shape" in given or "batch_input_shape" in given:
            batch_shape = given.pop("batch_shape", given.pop("batch_input_shape", None))
            config["batch_shape"] = _tuple_of(batch_shape) if _shape_like(batch_shape) else _data(batch_shape)
        elif "shape" in given:
            shape = given.pop("shape")
            batch = given.pop("batch_size", None)
            config["batch_shape"] = _batch_of(batch, shape)
        for key in ("dtype", "sparse", "ragged"):
            if key in given:
                config[key] = given[key]
        layer = _Layer("InputLayer", None, config, name, node.lineno, input_shape=config.get("batch_shape"))
        self.layers_made += 1
        return self.new_node(layer, ())

    def new_node(self, owner: _Layer | _Model, inbound: tuple[_Tensor, ...]) -> _Tensor:
        if len(self.nodes) >= _MAX_NODES:
            raise _OutOfBudget
        call = _Node(owner, len(owner.nodes), inbound)
        owner.nodes.append(call)
        self.nodes.append(call)
        return _Tensor(call, 0, whole=True)

    def call_layer(self, owner: _Layer | _Model, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        if isinstance(owner, _Model) and owner.kind == "sequential" and not args and not kwargs:
            return None
        inbound: list[_Tensor] = []
        _tensors_in(args, inbound)
        for key, value in kwargs.items():
            if key not in ("training", "mask"):
                _tensors_in(value, inbound)
        if not inbound:
            first = args[0] if args else None
            self.note(
                Severity.INFO,
                "parse.code.unknown_input",
                line=getattr(node, "lineno", 0),
                name=owner.name,
                text=first.name if isinstance(first, SymbolRef) else _text(node, 60),
            )
        if isinstance(owner, _Layer) and not owner.nodes and not self.tf_keras:
            for prefix in _K3_INTERNAL.get(owner.resolved or owner.type, ()):
                self.uid(prefix)
        if isinstance(owner, _Model):
            owner.nested = True
            if owner.kind == "sequential" and not owner.has_input and inbound:
                owner.has_input = True
        return self.new_node(owner, tuple(inbound[:_MAX_SEQ]))

    def op_call(self, kind: str, args: list[Any], node: ast.AST, *, snake: bool) -> _Tensor:
        layer = _Layer(
            kind, None, {}, self.uid(_snake(kind)) if snake else kind, getattr(node, "lineno", None), op=True
        )
        if _entry(kind) is None and kind not in self.ops:
            self.ops.append(kind)
        inbound: list[_Tensor] = []
        _tensors_in(args, inbound)
        return self.new_node(layer, tuple(inbound[:_MAX_SEQ]))

    def new_model(self, kind: str, kwargs: dict[str, Any], node: ast.AST, default: str) -> _Model:
        explicit = kwargs.get("name")
        name = explicit if isinstance(explicit, str) and explicit else self.uid(default)
        model = _Model(kind, name, getattr(node, "lineno", None))
        if "trainable" in kwargs:
            model.config["trainable"] = kwargs["trainable"]
        self.models.append(model)
        return model

    def make_sequential(self, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> _Model:
        model = self.new_model("sequential", kwargs, node, "sequential")
        items = args[0] if args else kwargs.get("layers")
        if isinstance(items, (list, tuple)):
            for item in items:
                self.seq_add(model, item, node, rebuild=False)
            self.seq_rebuilt(model)
        return model

    def seq_add(self, model: _Model, item: Any, node: ast.AST, *, rebuild: bool = True) -> None:
        line = getattr(node, "lineno", 0)
        if model.kind != "sequential":
            return
        if isinstance(item, _Tensor) and isinstance(item.node.owner, _Layer) and item.node.owner.type == "InputLayer":
            if not model.items and not model.has_input:
                model.input_shape = item.node.owner.input_shape
                model.has_input = True
            return
        if isinstance(item, _Layer) and (item.resolved or item.type) == "InputLayer":
            if not model.items and not model.has_input:
                model.input_shape = item.input_shape
                model.has_input = True
            return
        if isinstance(item, _Layer):
            if not model.items and not model.has_input and item.input_shape is not None:
                model.input_shape = item.input_shape
                model.has_input = True
                if not self.tf_keras:
                    self.uid("input_layer")
            model.items.append(item)
        elif isinstance(item, _Model):
            item.nested = True
            if not model.items and not model.has_input and item.has_input:
                model.input_shape = item.input_shape
                model.has_input = True
            model.items.append(item)
        else:
            text = item.name if isinstance(item, SymbolRef) else item.path if isinstance(item, _Path) else _kind(item)
            self.note(Severity.WARNING, "parse.code.not_a_layer", line=line, text=text[:80])
            return
        if rebuild:
            self.seq_rebuilt(model)

    def seq_rebuilt(self, model: _Model) -> None:
        """Keras 3 rebuilds a Sequential that knows its input after each change, creating a Functional
        (and spending the "functional" counter) each time."""
        if not self.tf_keras and model.has_input and model.items:
            self.uid("functional")

    def make_functional(self, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> _Model:
        model = self.new_model("functional", kwargs, node, "model" if self.tf_keras else "functional")
        inputs = args[0] if args else kwargs.get("inputs", kwargs.get("input"))
        outputs = args[1] if len(args) > 1 else kwargs.get("outputs", kwargs.get("output"))
        _tensors_in(inputs, model.inputs)
        _tensors_in(outputs, model.outputs)
        model.has_input = bool(model.inputs)
        return model

    def make_application(self, app: str, kwargs: dict[str, Any], node: ast.Call) -> _Model:
        model = self.new_model("application", {"name": kwargs.get("name")}, node, "")
        if not kwargs.get("name"):
            model.name = _APPLICATION_NAMES.get(app, app.lower())
        model.app = app
        model.config = {k: v for k, v in kwargs.items() if k in ("include_top", "weights", "pooling", "classes")}
        tensor = kwargs.get("input_tensor")
        shape = kwargs.get("input_shape")
        if isinstance(tensor, _Tensor):
            model.inputs = [tensor]
        elif shape is not None:
            model.input_shape = _batch_of(None, shape)
        model.has_input = True
        return model

    def model_inputs(self, model: _Model, as_list: bool) -> Any:
        if model.kind == "application" and not model.inputs:
            layer = _Layer(
                "InputLayer",
                None,
                {"batch_shape": model.input_shape} if model.input_shape is not None else {},
                self.input_name(),
                model.line,
                input_shape=model.input_shape,
            )
            model.inputs = [self.new_node(layer, ())]
        if not model.inputs:
            return SymbolRef(f"{model.name}.input")
        return list(model.inputs) if as_list or len(model.inputs) > 1 else model.inputs[0]

    def model_outputs(self, model: _Model, as_list: bool) -> Any:
        if model.kind == "application":
            if not model.nodes:
                inputs = self.model_inputs(model, True)
                inbound: list[_Tensor] = []
                _tensors_in(inputs, inbound)
                self.new_node(model, tuple(inbound))
                model.nested = True
            out = _Tensor(model.nodes[0], 0, whole=True)
            return [out] if as_list else out
        if model.kind == "functional" and model.outputs:
            return list(model.outputs) if as_list or len(model.outputs) > 1 else model.outputs[0]
        return SymbolRef(f"{model.name}.output")

    # -- choosing the model ---------------------------------------------------------------

    def chosen(self) -> _Model | None:
        if self.summary_target is not None:
            return self.summary_target
        found, value = self.globals.get("model")
        if found and isinstance(value, _Model):
            return value
        top = [m for m in self.models if not m.nested]
        return top[-1] if top else None

    def call_uncalled(self) -> None:
        """A model built only inside a function the code never calls: read the function's body."""
        for name, func in list(self.funcs):
            if func.called or func.scope is not self.globals:
                continue
            before = len(self.models) + len(self.nodes)
            missing = [
                a.arg
                for a in [*func.node.args.posonlyargs, *func.node.args.args]
                if a.arg not in func.defaults and a.arg != "self"
            ]
            try:
                result = self.call_func(func, [], {})
            except _OutOfBudget:
                self._budget_note()
                return
            if len(self.models) + len(self.nodes) > before:
                if isinstance(result, _Model):
                    self.globals.vars.setdefault("model", result)
                self.note(
                    Severity.INFO,
                    "parse.code.uncalled_def",
                    name=name,
                    params=", ".join(missing) if missing else "—",
                )

    def implicit_model(self) -> _Model | None:
        """Layers called on an Input with no keras.Model(...): the graph's unconsumed tensors are its outputs."""
        if not self.nodes:
            return None
        consumed = {id(t.node) for n in self.nodes for t in n.inbound}
        outputs = [_Tensor(n, 0) for n in self.nodes if id(n) not in consumed and not _is_input_node(n)]
        if not outputs:
            return None
        model = _Model("functional", "model" if self.tf_keras else "functional", None)
        model.outputs = outputs
        model.inputs = [_Tensor(n, 0) for n in self.nodes if _is_input_node(n)]
        model.has_input = bool(model.inputs)
        self.note(Severity.INFO, "parse.code.implicit_model")
        return model


def _kind(value: Any) -> str:
    """A short description of a value, never recursing into it."""
    if _is_literal(value):
        return repr(value)[:40]
    return type(value).__name__.lstrip("_").lower()


def _is_input_node(node: _Node) -> bool:
    return isinstance(node.owner, _Layer) and node.owner.type == "InputLayer"


def _data(value: Any, depth: int = 0) -> Any:
    """An unbound name used as data is a symbol (``input_shape`` never assigned)."""
    if isinstance(value, _Path):
        return SymbolRef(value.path)
    if isinstance(value, (tuple, list)):
        if depth > 4:
            return SymbolRef("…")
        return tuple(_data(v, depth + 1) for v in value[:_MAX_SEQ])
    if _is_literal(value) or isinstance(value, SymbolRef):
        return value
    return SymbolRef("?")


def _shape_like(value: Any) -> bool:
    return isinstance(value, (tuple, list)) or (isinstance(value, int) and not isinstance(value, bool))


def _batch_of(batch: Any, shape: Any) -> Any:
    """``shape=(28, 28)`` → ``(None, 28, 28)``; a shape that is one unknown name stays that symbol."""
    if not _shape_like(shape):
        return _data(shape)
    return (batch if isinstance(batch, int) and not isinstance(batch, bool) else None, *_tuple_of(shape))


def _tuple_of(value: Any) -> tuple[Any, ...]:
    """A shape given as a tuple, a list or one int; each dim kept as data (an unknown dim is a symbol)."""
    if isinstance(value, (tuple, list)):
        return tuple(_data(v) for v in value[:_MAX_SEQ])
    return (_data(value),)


def _arith(op: ast.operator, a: float, b: float) -> float | None:
    try:
        result = _arith_unbounded(op, a, b)
    except OverflowError:  # a huge int literal meets a float: 1.0 * 10**400, 10**400 / 3, 1e308 + 10**400
        return None
    if result is None or abs(result) > _MAX_INT:
        return None
    return result


def _arith_unbounded(op: ast.operator, a: float, b: float) -> float | None:
    both_int = isinstance(a, int) and isinstance(b, int)
    if isinstance(op, ast.Add):
        return a + b
    if isinstance(op, ast.Sub):
        return a - b
    if isinstance(op, ast.Mult):
        return a * b
    if isinstance(op, (ast.FloorDiv, ast.Mod, ast.Div)):
        if b == 0:
            return None
        return a // b if isinstance(op, ast.FloorDiv) else a % b if isinstance(op, ast.Mod) else a / b
    if isinstance(op, ast.Pow):
        int_power = isinstance(b, int) and 0 <= b <= 64 and abs(a) <= 10**6
        float_power = abs(b) <= 64 and 0 < abs(a) <= 10**6 and not both_int
        if not (int_power or float_power):
            return None
        if abs(a) > 1 and isinstance(b, int) and b * (abs(a).bit_length() if isinstance(a, int) else 21) > 60:
            return None
        try:
            result: float = a**b
        except ZeroDivisionError:
            return None
        return None if isinstance(result, complex) else result
    return None


def _compare(op: ast.cmpop, a: Any, b: Any) -> bool | None:
    if (
        isinstance(op, (ast.Eq, ast.NotEq))
        and (_is_literal(a) or isinstance(a, tuple))
        and (_is_literal(b) or isinstance(b, tuple))
    ):
        try:
            return bool(a == b) == isinstance(op, ast.Eq)
        except RecursionError:  # tuples nested thousands deep by a loop
            return None
    if isinstance(op, (ast.Is, ast.IsNot)) and (a is None or b is None) and (_is_literal(a) and _is_literal(b)):
        return (a is b) == isinstance(op, ast.Is)
    if _known_number(a) and _known_number(b):
        if isinstance(op, ast.Lt):
            return bool(a < b)
        if isinstance(op, ast.LtE):
            return bool(a <= b)
        if isinstance(op, ast.Gt):
            return bool(a > b)
        if isinstance(op, ast.GtE):
            return bool(a >= b)
    return None


def _builtin(name: str, args: list[Any], node: ast.Call) -> Any:
    unknown = SymbolRef(_text(node))
    if name == "range":
        if 1 <= len(args) <= 3 and all(
            isinstance(a, int) and not isinstance(a, bool) and abs(a) <= _MAX_INT for a in args
        ):
            r = range(*args) if args[-1] != 0 or len(args) < 3 else None
            if r is not None and len(r) <= _MAX_ITERATIONS:
                return r
        return unknown
    if name == "len" and len(args) == 1 and isinstance(args[0], (tuple, list, str, range)):
        return len(args[0])
    if name in ("int", "float", "abs", "round") and len(args) == 1 and _known_number(args[0]):
        value = args[0]
        if name == "int":
            return int(value) if abs(value) <= _MAX_INT else unknown
        if name == "float":
            try:
                return float(value)
            except OverflowError:  # float(10**400)
                return unknown
        if name == "abs":
            return abs(value)
        return round(value) if abs(value) <= _MAX_INT else unknown
    if name == "enumerate" and len(args) == 1 and isinstance(args[0], (tuple, list, range)):
        return [(i, v) for i, v in enumerate(args[0][:_MAX_ITERATIONS])]
    if name == "zip" and args and all(isinstance(a, (tuple, list, range)) for a in args):
        return [tuple(t) for t in zip(*(a[:_MAX_ITERATIONS] for a in args), strict=False)]
    if name == "reversed" and len(args) == 1 and isinstance(args[0], (tuple, list, range)):
        return list(args[0][::-1][:_MAX_ITERATIONS])
    if name in ("tuple", "list") and len(args) == 1 and isinstance(args[0], (tuple, list, range)):
        items = list(args[0][:_MAX_SEQ])
        return tuple(items) if name == "tuple" else items
    if name in ("max", "min") and args:
        values = list(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
        if values and all(_known_number(v) for v in values):
            return max(values) if name == "max" else min(values)
    if name == "print":
        return None
    return unknown


# --- the ModelSpec -------------------------------------------------------------------------


class _Writer:
    """Rows for the chosen model: a Sequential's layers in order, a functional model's layers in the
    order Keras lists them (deepest first; ties in the order a walk back from the outputs meets them)."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.rows: list[LayerSpec] = []
        self.symbols: list[str] = []
        self.visiting: set[int] = set()

    def add_symbols(self, value: Any, depth: int = 0) -> None:
        if isinstance(value, SymbolRef):
            if value.name not in self.symbols:
                self.symbols.append(value.name)
        elif isinstance(value, (tuple, list)) and depth < 4:
            for v in value:
                self.add_symbols(v, depth + 1)
        elif isinstance(value, dict) and depth < 4:
            for k, v in value.items():
                if not _SYMBOL_KEYS_IGNORED.search(k):
                    self.add_symbols(v, depth + 1)

    def plain(self, value: Any, depth: int = 0) -> Any:
        """A configuration value as a catalog Config accepts it: literals, tuples, SymbolRef, dicts for layers."""
        if _is_literal(value) or isinstance(value, SymbolRef):
            return value
        if isinstance(value, (tuple, list)):
            if depth >= 4:
                return SymbolRef("…")
            return tuple(self.plain(v, depth + 1) for v in value[:_MAX_SEQ])
        if isinstance(value, range):
            return tuple(value[:_MAX_SEQ])
        if isinstance(value, _Layer):
            return {"type": value.resolved or value.type, **self.config(value, depth + 1)}
        if isinstance(value, _Model):
            return {"type": "Sequential" if value.kind == "sequential" else "Functional", "name": value.name}
        if isinstance(value, _Path):
            return value.path if "." in value.path else SymbolRef(value.path)
        if isinstance(value, _Tensor):
            return SymbolRef(f"{value.node.owner.name}[{value.node.index}][{value.index}]")
        if isinstance(value, _Func):
            return value.node.name
        return SymbolRef("?")

    def config(self, layer: _Layer, depth: int = 0) -> dict[str, Any]:
        if depth > 3:
            return {}
        return {k: self.plain(v, depth) for k, v in layer.config.items()}

    def row(self, layer: _Layer, depth: int, inbound: tuple[Inbound, ...]) -> None:
        if len(self.rows) >= _MAX_LAYERS:
            return
        config = self.config(layer)
        self.add_symbols(config)
        self.rows.append(
            LayerSpec(
                type=layer.type,
                name=layer.name,
                depth=depth,
                config=config,
                inbound=inbound,
                line=layer.line,
                resolved_type=layer.resolved,
            )
        )

    def container(self, model: _Model, depth: int, inbound: tuple[Inbound, ...]) -> None:
        if id(model) in self.visiting or len(self.rows) >= _MAX_LAYERS or depth > _MAX_MODEL_NESTING:
            return
        if model.kind == "application":
            self.reader.note(
                Severity.INFO, "parse.code.nested_application", at=model.name, name=model.name, app=model.app or "?"
            )
        config = {k: self.plain(v) for k, v in model.config.items()}
        if model.app:
            config["application"] = model.app
        self.rows.append(
            LayerSpec(
                type="Sequential" if model.kind == "sequential" else "Functional",
                name=model.name,
                depth=depth,
                config=config,
                inbound=inbound,
                line=model.line,
                is_container=True,
            )
        )
        self.model(model, depth + 1)

    def model(self, model: _Model, depth: int) -> None:
        if id(model) in self.visiting:
            return
        self.visiting.add(id(model))
        if model.kind == "sequential":
            for item in model.items:
                if isinstance(item, _Layer):
                    self.row(item, depth, ())
                elif isinstance(item, _Model):
                    self.container(item, depth, ())
        elif model.kind == "functional":
            self.graph(model, depth)
        self.visiting.discard(id(model))

    def graph(self, model: _Model, depth: int) -> None:
        owners, nodes = _graph_order(model)
        for owner in owners:
            inbound = tuple(
                Inbound(t.node.owner.name, t.node.index, t.index)
                for n in owner.nodes
                if id(n) in nodes
                for t in n.inbound
            )
            if isinstance(owner, _Model):
                self.container(owner, depth, inbound)
            else:
                self.row(owner, depth, inbound)


def _graph_order(model: _Model) -> tuple[list[_Layer | _Model], set[int]]:
    """Keras's own ordering of a functional model's layers (keras/src/ops/function.py ``map_graph``):
    a depth-first walk back from the outputs numbers the layers as it meets them; each node's depth is
    its longest distance to an output; layers are listed deepest first, ties in walk order."""
    layer_index: dict[int, int] = {}
    owners: dict[int, _Layer | _Model] = {}
    finished: set[int] = set()
    in_progress: set[int] = set()
    post_order: list[_Node] = []

    def enter(node: _Node) -> None:
        key = id(node.owner)
        if key not in layer_index:
            layer_index[key] = len(layer_index)
            owners[key] = node.owner
        in_progress.add(id(node))

    for out in model.outputs:
        start = out.node
        if id(start) in finished or id(start) in in_progress:
            continue
        enter(start)
        stack: list[tuple[_Node, int]] = [(start, 0)]
        while stack:
            node, pos = stack[-1]
            if pos < len(node.inbound):
                stack[-1] = (node, pos + 1)
                child = node.inbound[pos].node
                if id(child) not in finished and id(child) not in in_progress:
                    enter(child)
                    stack.append((child, 0))
                continue
            stack.pop()
            in_progress.discard(id(node))
            finished.add(id(node))
            post_order.append(node)

    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    for node in reversed(post_order):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, layer_depth.get(id(node.owner), 0))
        layer_depth[id(node.owner)] = depth
        node_depth[id(node)] = depth
        for t in node.inbound:
            node_depth[id(t.node)] = max(depth + 1, node_depth.get(id(t.node), 0))
    for t in model.inputs:  # an Input the outputs do not depend on is still listed
        key = id(t.node.owner)
        if key not in layer_depth:
            layer_depth[key] = 0
            layer_index[key] = -1
            owners[key] = t.node.owner
            finished.add(id(t.node))
    order = sorted(layer_depth, key=lambda k: (-layer_depth[k], layer_index[k]))
    return [owners[k] for k in order], finished


def _batch_shape(value: Any) -> Shape | None:
    if (
        isinstance(value, tuple)
        and value
        and all(d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0) for d in value)
    ):
        return value
    return None


def _input_shapes(model: _Model) -> tuple[Shape, ...]:
    if model.kind == "sequential":
        shape = _batch_shape(model.input_shape)
        return (shape,) if shape is not None else ()
    if model.kind == "application":
        shape = _batch_shape(model.input_shape)
        return (shape,) if shape is not None else ()
    shapes: list[Shape] = []
    for t in model.inputs:
        owner = t.node.owner
        shape = _batch_shape(owner.input_shape) if isinstance(owner, _Layer) else None
        if shape is None:
            return ()
        shapes.append(shape)
    return tuple(shapes)


def _source_findings(source: Source, reader: _Reader) -> None:
    if source.dropped:
        lines = ", ".join(f"{line}: {text}" for line, text in source.dropped[:6])
        if len(source.dropped) > 6:
            lines += ", …"
        reader.note(Severity.INFO, "parse.code.repaired", lines=lines)
    for line, text in source.skipped[:_MAX_FINDINGS_PER_KIND]:
        reader.note(Severity.WARNING, "parse.code.skipped", code="parse.skipped_row", line=line, text=text[:100])
    if len(source.skipped) > _MAX_FINDINGS_PER_KIND:
        reader.note(
            Severity.WARNING,
            "parse.code.skipped_more",
            code="parse.skipped_row",
            count=len(source.skipped) - _MAX_FINDINGS_PER_KIND,
        )


def parse(text: str) -> ModelSpec:
    """Read the Keras model that ``text`` builds (``text`` already passed through :func:`calc.parse.text.clean`)."""
    source = read_source(text)
    reader = _Reader(source)
    reader.run()
    model = reader.chosen()
    if model is None and not reader.out_of_budget:
        reader.call_uncalled()
        model = reader.chosen()
    if model is None:
        model = reader.implicit_model()
    if model is None:
        if reader.torch and not reader.keras_seen:
            raise InputError("parse.code.torch")
        if reader.classes:
            raise InputError("parse.code.subclassed", name=", ".join(reader.classes[:3]))
        raise InputError("parse.code.no_model")
    if model.kind == "application":
        raise InputError("parse.code.application", name=model.app or model.name)
    if reader.torch and not reader.keras_seen and not reader.tf_keras:
        raise InputError("parse.code.torch")
    top = [m for m in reader.models if not m.nested and m.kind != "application"]
    if len(top) > 1:
        reader.note(Severity.INFO, "parse.code.several_models", count=len(top), name=model.name)

    writer = _Writer(reader)
    if model.kind == "sequential" and model.input_shape is not None:
        writer.add_symbols(model.input_shape)
    writer.model(model, 0)
    if reader.ops:
        reader.note(Severity.INFO, "parse.code.ops", names=", ".join(reader.ops[:8]))
    if not writer.rows:
        raise InputError("parse.code.no_model")
    findings: list[Finding] = []
    _source_findings(source, reader)
    findings.extend(reader.findings)
    return ModelSpec(
        format=Format.KERAS_CODE,
        framework=Framework.KERAS,
        layers=tuple(writer.rows),
        name=model.name,
        input_shapes=_input_shapes(model),
        symbols=tuple(writer.symbols),
        findings=tuple(findings),
    )
