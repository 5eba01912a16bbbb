"""The compact layer list: a whole model in one line, for quick questions.

    256x256x3 conv32k3 conv32k3 pool2 flatten dense512 dense4
    torch 3x224x224 conv64k3p1*2 pool2 conv128k3p1*2 pool2 gap dense10

Grammar (case does not matter; tokens are separated by spaces, commas, ``->`` or ``→``; the list may
run over several lines and may sit inside a sentence):

* the **input shape** comes first, without the batch axis: ``256x256x3`` (``×`` and ``*`` work too),
  ``(256, 256, 3)``, or a plain number at the start of a line (``784``: a vector; ``100``: a sequence of
  token ids for ``embed``).  Keras reads it channels-last (H×W×C), PyTorch channels-first (C×H×W);
* ``torch`` (or ``pytorch``) just before the shape or after the last layer reads the list as PyTorch
  modules; ``keras`` is the default;
* then one token per layer.  ``<n>`` is a whole number; ``<a>x<b>`` gives one number per axis:

  ====================================  =============================================================
  ``conv<f>k<k>``                        convolution with f filters, kernel k (``k3`` or ``k3x5``),
                                         1D/2D/3D by the input's rank (``conv1d``/``conv2d``/``conv3d``
                                         force it); options, in any order after it:
                                         ``s<stride>``, ``same`` / ``valid`` (or ``psame``/``pvalid``;
                                         PyTorch also ``p<n>``), ``d<dilation>``, ``g<groups>``, ``nobias``
  ``deconv<f>k<k>``                      transposed convolution, same options
  ``sepconv<f>k<k>`` (Keras)             separable convolution, options plus ``m<depth multiplier>``
  ``dwconv<k>`` (Keras)                  depthwise convolution with kernel k, options plus ``m<mult>``
  ``pool<k>`` / ``maxpool<k>``           max pooling, window k (``pool`` alone: 2); ``s<stride>``, ``same``
  ``avgpool<k>``                         average pooling, same options
  ``gap`` / ``gmp``                      global average / max pooling
  ``flatten``                            flatten
  ``dense<u>`` / ``fc<u>``               fully connected layer with u units; ``nobias`` drops the bias
  ``dropout[<rate>]``                    dropout: ``dropout``, ``dropout0.25``, ``dropout25`` (percent)
  ``bn`` / ``ln``                        batch / layer normalization
  ``relu`` ``sigmoid`` ``tanh`` ``softmax`` ``elu`` ``selu`` ``gelu`` ``swish`` ``leakyrelu`` ``prelu``
                                         activation layers
  ``lstm<u>`` ``gru<u>`` ``rnn<u>``      recurrent layers; ``seq`` returns the whole sequence
  ``bilstm<u>`` ``bigru<u>``             bidirectional recurrent layers (``seq`` too)
  ``embed<vocab>x<dim>``                 embedding of a vocabulary into dim-wide vectors
  ``upsample<k>`` / ``zeropad<p>``       upsampling by k / zero padding of p on every side
  ====================================  =============================================================

* ``*<n>`` after a token repeats it: ``conv64k3same*2``.

At most 1,000 tokens and 1,000 layers; every number at most the catalog's ``MAX_SIZE``.  A token that
looks like a layer but does not follow the grammar is an error that names it; a plain word ends the
list (the rest of the sentence is reported as not read).  Each token becomes a :class:`LayerSpec` with
the framework's own argument names and the values spelled out (``Conv2D`` gets filters, kernel_size,
strides, padding, dilation_rate, groups and use_bias); PyTorch modules get ``in_channels`` /
``num_features`` / ``input_size`` where the channel count is known from the tokens before them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from calc.catalog import MAX_SIZE, derive
from calc.errors import InputError, LayerbotError
from calc.findings import Finding, Severity
from calc.i18n import Message, register
from calc.model import Format, LayerSpec, ModelSpec
from calc.types import Framework, Shape, ShapeTree

__all__ = ["MAX_TOKENS", "detect", "grammar_help", "parse"]

MAX_TOKENS = 1_000
"""Most tokens (and layers, after ``*n`` repetition) one list may have."""
_MAX_SCAN_TOKENS = 100_000  # tokens looked at in the whole text while searching for a list
_MAX_DIGITS = len(str(MAX_SIZE))

SUMMARY = (
    "<shape> then layers: conv<f>k<k>[s<s>][same] pool<k> avgpool<k> gap gmp flatten dense<u> dropout[<r>] "
    "bn relu lstm<u> gru<u> embed<v>x<d> …, e.g. 256x256x3 conv32k3 pool2 flatten dense512 dense4 (add torch for PyTorch)"
)
SUMMARY_ZH = (
    "<形状> 然后是各层：conv<f>k<k>[s<s>][same] pool<k> avgpool<k> gap gmp flatten dense<u> dropout[<r>] "
    "bn relu lstm<u> gru<u> embed<v>x<d> …，例如 256x256x3 conv32k3 pool2 flatten dense512 dense4（加上 torch 表示 PyTorch）"
)

register(
    {
        "parse.list.grammar": {
            "en": (
                "Layer list: the input shape first (no batch axis), then one token per layer.\n"
                "  shape: 256x256x3 or (256, 256, 3); a plain number at the start of a line (784) is a vector.\n"
                "         Keras reads H×W×C; write torch before the shape or at the end for PyTorch (C×H×W).\n"
                "  conv<f>k<k>      convolution: f filters, kernel k (k3 or k3x5); 1D/2D/3D from the input\n"
                "                   (conv1d/conv2d/conv3d to force); options: s<stride> same valid d<dilation>\n"
                "                   g<groups> nobias (PyTorch: p<padding>)\n"
                "  deconv<f>k<k>    transposed convolution;  sepconv<f>k<k>, dwconv<k>: separable, depthwise (Keras)\n"
                "  pool<k>          max pooling (pool = pool2), s<stride>, same;  avgpool<k>: average pooling\n"
                "  gap  gmp         global average / max pooling;  flatten\n"
                "  dense<u>         fully connected, u units (fc<u> too); nobias to drop the bias\n"
                "  dropout[<rate>]  dropout0.25 or dropout25;  bn, ln: batch / layer normalization\n"
                "  relu sigmoid tanh softmax elu selu gelu swish leakyrelu prelu: activations\n"
                "  lstm<u> gru<u> rnn<u> bilstm<u> bigru<u>: recurrent (seq: return the whole sequence)\n"
                "  embed<vocab>x<dim>  embedding;  upsample<k>;  zeropad<p>\n"
                "  *<n> after a token repeats it: conv64k3same*2\n"
                "Example: 256x256x3 conv32k3 conv32k3 pool2 flatten dense512 dense4"
            ),
            "zh": (
                "层列表：先写输入形状（不含批次维），然后每层一个记号。\n"
                "  形状：256x256x3 或 (256, 256, 3)；行首的单个数字（784）表示向量。\n"
                "        Keras 按 高×宽×通道 读取；在形状前或末尾写 torch 表示 PyTorch（通道×高×宽）。\n"
                "  conv<f>k<k>      卷积：f 个滤波器，卷积核 k（k3 或 k3x5）；按输入维数取 1D/2D/3D\n"
                "                   （conv1d/conv2d/conv3d 可强制）；选项：s<步长> same valid d<膨胀率>\n"
                "                   g<分组> nobias（PyTorch：p<填充>）\n"
                "  deconv<f>k<k>    转置卷积；sepconv<f>k<k>、dwconv<k>：可分离卷积、深度卷积（Keras）\n"
                "  pool<k>          最大池化（pool 即 pool2），s<步长>、same；avgpool<k>：平均池化\n"
                "  gap  gmp         全局平均 / 最大池化；flatten：展平\n"
                "  dense<u>         全连接层，u 个单元（也可写 fc<u>）；nobias 表示不要偏置\n"
                "  dropout[<比例>]  dropout0.25 或 dropout25；bn、ln：批归一化 / 层归一化\n"
                "  relu sigmoid tanh softmax elu selu gelu swish leakyrelu prelu：激活层\n"
                "  lstm<u> gru<u> rnn<u> bilstm<u> bigru<u>：循环层（seq：返回整个序列）\n"
                "  embed<词表>x<维度>  嵌入层；upsample<k>；zeropad<p>\n"
                "  记号后加 *<n> 表示重复：conv64k3same*2\n"
                "例如：256x256x3 conv32k3 conv32k3 pool2 flatten dense512 dense4"
            ),
        },
        "parse.list.summary": {"en": SUMMARY, "zh": SUMMARY_ZH},
        "parse.list.bad_token": {
            "en": "I can't read “{token}” in the layer list. The list is: {summary}",
            "zh": "我无法读取层列表中的 “{token}”。层列表的写法：{summary}",
        },
        "parse.list.no_list": {
            "en": "I found no layer list (an input shape followed by layers). The list is: {summary}",
            "zh": "我没有找到层列表（输入形状后面跟着各层）。层列表的写法：{summary}",
        },
        "parse.list.too_many": {
            "en": "That layer list is too long: I read at most {max} tokens and {max} layers.",
            "zh": "这个层列表太长了：我最多读取 {max} 个记号、{max} 个层。",
        },
        "parse.list.too_big": {
            "en": "“{token}”: {value} is too large; numbers in a layer list go up to {max}.",
            "zh": "“{token}”：{value} 太大了；层列表中的数字最大为 {max}。",
        },
        "parse.list.no_spatial": {
            "en": "“{token}” needs spatial axes (height, width or steps), but the input has none left at that point.",
            "zh": "“{token}” 需要空间轴（高、宽或时间步），但此处输入已经没有空间轴了。",
        },
        "parse.list.keras_only": {
            "en": "“{token}” is a Keras layer; PyTorch has no such module.",
            "zh": "“{token}” 是 Keras 的层；PyTorch 没有这样的模块。",
        },
        "parse.list.option_not_here": {
            "en": "“{token}”: {option} is not available for {framework} here.",
            "zh": "“{token}”：这里的 {framework} 不支持 {option}。",
        },
        "parse.list.trailing": {
            "en": "I read the layer list up to “{last}” and stopped at “{text}”.",
            "zh": "我读取层列表到 “{last}” 为止，在 “{text}” 处停止。",
        },
    }
)


def grammar_help() -> Message:
    """The grammar, for /help and the README (English and Chinese)."""
    return Message("parse.list.grammar")


def _bad(token: str) -> InputError:
    return InputError("parse.list.bad_token", token=token[:40], summary=Message("parse.list.summary"))


# --- tokens ----------------------------------------------------------------------------------

_PAREN_SHAPE = re.compile(r"\(\s*(\d{1,14}(?:\s*[,x×*]\s*\d{1,14}){0,7})\s*,?\s*\)", re.ASCII)
_SPLIT = re.compile(r"(?:\s|,|;|\||->|→|=>)+")
_SHAPE = re.compile(r"^\d{1,14}(?:[x×*]\d{1,14}){1,7}$", re.ASCII)
_INT = re.compile(r"^\d{1,14}$", re.ASCII)
_REPEAT = re.compile(r"^(.+?)\*(\d{1,5})$", re.ASCII)
# What any shape token needs (a superset, so that detect() says no at once to summaries and reprs): digits
# around x/×/*, a parenthesised group of numbers, or a number first on a line (maybe after a framework word).
_MAYBE_SHAPE = re.compile(r"\d[xX×*]\d")
# Possessive runs: what follows each run (a letter of the framework word, a digit) is never in it, so
# giving characters back cannot help; a greedy run re-tried every split of a "=====" rule (quadratic).
_NUMBER_FIRST = re.compile(r"[\s,;|>=→-]*+(?:(?:[Pp][Yy])?[Tt][Oo][Rr][Cc][Hh]|[Kk][Ee][Rr][Aa][Ss]|[Tt][Ff]\.[Kk][Ee][Rr][Aa][Ss])?[\s,;|>=→-]*+\d")
_NUMBER_FIRST_ON_A_LINE = re.compile(r"\n" + _NUMBER_FIRST.pattern)
_DIM_SEPARATORS = "xX×*"


def _maybe_shape(text: str) -> bool:
    """``_MAYBE_SHAPE.search(text) is not None``, read faster: a regex led by ``\\d`` tries every character
    (~0.8 ms on a DenseNet121 summary); the separators are rare, so each is found with a fast scan and its
    neighbours tested (``\\d`` is ``str.isdecimal``)."""
    for sep in _DIM_SEPARATORS:
        at = text.find(sep, 1)
        while at >= 0:
            if text[at - 1].isdecimal() and text[at + 1 : at + 2].isdecimal():
                return True
            at = text.find(sep, at + 1)
    return False


def _maybe_list(text: str) -> bool:
    return bool(
        _maybe_shape(text)
        or _PAREN_SHAPE.search(text)
        or _NUMBER_FIRST.match(text)
        or _NUMBER_FIRST_ON_A_LINE.search(text)
    )


_FRAMEWORK = {
    "torch": Framework.TORCH,
    "pytorch": Framework.TORCH,
    "keras": Framework.KERAS,
    "tf.keras": Framework.KERAS,
}

# keyword → kind; longest keywords are tried first, so ``conv1d32k3`` is conv1d, not conv.
_KEYWORDS: dict[str, str] = {
    "conv1d": "conv1",
    "conv2d": "conv2",
    "conv3d": "conv3",
    "conv": "conv",
    "deconv": "deconv",
    "sepconv": "sepconv",
    "dwconv": "dwconv",
    "maxpool": "pool",
    "pool": "pool",
    "avgpool": "avgpool",
    "gap": "gap",
    "gmp": "gmp",
    "flatten": "flatten",
    "dense": "dense",
    "fc": "dense",
    "dropout": "dropout",
    "bn": "bn",
    "ln": "ln",
    "lstm": "lstm",
    "gru": "gru",
    "rnn": "rnn",
    "bilstm": "bilstm",
    "bigru": "bigru",
    "embed": "embed",
    "embedding": "embed",
    "upsample": "upsample",
    "zeropad": "zeropad",
    **{a: "act" for a in ("relu", "sigmoid", "tanh", "softmax", "elu", "selu", "gelu", "swish", "silu")},
    "leakyrelu": "leakyrelu",
    "prelu": "prelu",
}
_KEYWORD = re.compile("|".join(sorted(_KEYWORDS, key=len, reverse=True)))  # longest first
_OPTION = re.compile(
    r"(same|valid|nobias|seq)|(p)(same|valid|\d{1,14}(?:x\d{1,14}){0,2})|([ksdgm])(\d{1,14}(?:x\d{1,14}){0,2})",
    re.ASCII,
)
_DROPOUT_RATE = re.compile(r"^(?:0?\.\d{1,6}|0|\d{1,2})$", re.ASCII)
_DROPOUT_MAIN = re.compile(r"\d{0,2}(?:\.\d{1,6})?", re.ASCII)
_MAIN = re.compile(r"\d{1,14}(?:x\d{1,14}){0,2}", re.ASCII)
_MAX_TOKEN_CHARS = 60
_LOOKS_LIKE_LAYER = re.compile(r"^[a-z]{1,12}\d", re.ASCII)
_TORCH_ACT = {
    "relu": "ReLU",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "softmax": "Softmax",
    "elu": "ELU",
    "selu": "SELU",
    "gelu": "GELU",
    "swish": "SiLU",
    "silu": "SiLU",
}


def _number(token: str, text: str, *, zero: bool = False) -> int:
    if not _INT.match(text):
        raise _bad(token)
    if len(text) > _MAX_DIGITS + 1 or int(text) > MAX_SIZE:
        raise InputError("parse.list.too_big", token=token[:40], value=text[:20], max=MAX_SIZE)
    value = int(text)
    if value < (0 if zero else 1):
        raise _bad(token)
    return value


def _numbers(token: str, text: str, *, zero: bool = False) -> tuple[int, ...]:
    return tuple(_number(token, part, zero=zero) for part in text.split("x"))


@dataclass
class _Token:
    text: str  # as written
    line: int  # 1-based


@dataclass
class _Options:
    word: str = ""  # the keyword as written ("relu", "conv", "fc")
    main: str = ""  # the number right after the keyword ("32" of conv32k3, "512x64" of embed512x64)
    kernel: tuple[int, ...] | None = None
    stride: tuple[int, ...] | None = None
    dilation: tuple[int, ...] | None = None
    groups: int | None = None
    mult: int | None = None
    padding: str | tuple[int, ...] | None = None
    bias: bool = True
    seq: bool = False
    given: set[str] = field(default_factory=set)


def _split_token(token: str) -> tuple[str, _Options] | None:
    """``conv32k3s2same`` → ("conv", options); None when no keyword starts the token."""
    low = token.lower()
    if len(low) > _MAX_TOKEN_CHARS:
        return None
    found = _KEYWORD.match(low)
    if found is None:
        return None
    kw, rest = found.group(0), low[found.end() :]
    opts = _Options(word=kw)
    kind = _KEYWORDS[kw]
    i = 0
    if kind == "dropout":
        main = _DROPOUT_MAIN.match(rest)
        if main is None:  # pragma: no cover - the pattern matches the empty string
            raise _bad(token)
        opts.main, i = main.group(0), main.end()
    else:
        main = _MAIN.match(rest)
        if main is not None:
            opts.main, i = main.group(0), main.end()
    while i < len(rest):
        m = _OPTION.match(rest, i)
        if m is None:
            raise _bad(token)
        word, pflag, pval, letter, value = m.groups()
        if word is not None:
            if word in ("same", "valid"):
                opts.padding = word
            elif word == "nobias":
                opts.bias = False
            else:
                opts.seq = True
            opts.given.add(word if word in ("nobias", "seq") else "p")
        elif pflag is not None:
            opts.padding = pval if pval in ("same", "valid") else _numbers(token, pval, zero=True)
            opts.given.add("p")
        else:
            nums = _numbers(token, value)
            if letter == "k":
                opts.kernel = nums
            elif letter == "s":
                opts.stride = nums
            elif letter == "d":
                opts.dilation = nums
            elif letter == "g" and len(nums) == 1:
                opts.groups = nums[0]
            elif letter == "m" and len(nums) == 1:
                opts.mult = nums[0]
            else:
                raise _bad(token)
            opts.given.add(letter)
        i = m.end()
    return kind, opts


# --- building rows ---------------------------------------------------------------------------

_ALLOWED: dict[str, set[str]] = {
    "conv": {"k", "s", "p", "d", "g", "nobias"},
    "deconv": {"k", "s", "p", "d", "nobias"},
    "sepconv": {"k", "s", "p", "d", "m", "nobias"},
    "dwconv": {"s", "p", "d", "m", "nobias"},
    "pool": {"s", "p"},
    "avgpool": {"s", "p"},
    "dense": {"nobias"},
    "lstm": {"seq"},
    "gru": {"seq"},
    "rnn": {"seq"},
    "bilstm": {"seq"},
    "bigru": {"seq"},
}
_NEEDS_MAIN = {"conv", "deconv", "sepconv", "dwconv", "dense", "lstm", "gru", "rnn", "bilstm", "bigru", "embed"}
_NO_MAIN = {"gap", "gmp", "flatten", "bn", "ln", "act", "leakyrelu", "prelu"}


@dataclass
class _Builder:
    framework: Framework
    rank: int  # spatial axes left: 2 for 256x256x3, 1 for a sequence, 0 for a vector
    shape: Shape | None  # PyTorch: the current output shape, derived through the catalog as rows are added
    rows: list[LayerSpec] = field(default_factory=list)
    uids: dict[str, int] = field(default_factory=dict)

    def name(self, kind: str) -> str:
        if self.framework is Framework.TORCH:
            return str(len(self.rows))
        n = self.uids.get(kind, 0)
        self.uids[kind] = n + 1
        return kind if n == 0 else f"{kind}_{n}"

    def add(self, type_: str, snake: str, config: dict[str, Any], line: int) -> None:
        if len(self.rows) >= MAX_TOKENS:
            raise InputError("parse.list.too_many", max=MAX_TOKENS)
        self.rows.append(LayerSpec(type=type_, name=self.name(snake), config=config, line=line))
        if self.framework is Framework.TORCH:
            self.shape = _next_shape(type_, config, self.shape)

    def dim(self, axis: int) -> int | None:
        """A size of the current PyTorch shape (1: channels, -1: features), None when unknown."""
        if self.shape is None or not -len(self.shape) <= axis < len(self.shape):
            return None
        return self.shape[axis]

    def spatial(self, token: str, forced: int | None = None) -> int:
        rank = forced if forced is not None else self.rank
        if not 1 <= rank <= 3:
            raise InputError("parse.list.no_spatial", token=token[:40])
        return rank

    def per_axis(self, token: str, values: tuple[int, ...] | None, rank: int, default: int) -> tuple[int, ...]:
        if values is None:
            return (default,) * rank
        if len(values) == 1:
            return values * rank
        if len(values) != rank:
            raise _bad(token)
        return values

    def token(self, tok: _Token) -> None:
        split = _split_token(tok.text)
        if split is None:
            raise _bad(tok.text)
        kind, o = split
        forced = None
        if kind in ("conv1", "conv2", "conv3"):
            forced, kind = int(kind[-1]), "conv"
        if kind in _NO_MAIN and o.main:
            raise _bad(tok.text)
        if kind in _NEEDS_MAIN and not o.main:
            raise _bad(tok.text)
        allowed = _ALLOWED.get(kind, set())
        if not o.given <= allowed:
            raise _bad(tok.text)
        getattr(self, f"_{kind}")(tok, o, forced)

    def _torch_only_padding(self, tok: _Token, o: _Options) -> None:
        if isinstance(o.padding, tuple) and self.framework is Framework.KERAS:
            option = "p" + "x".join(map(str, o.padding))
            raise InputError("parse.list.option_not_here", token=tok.text[:40], option=option, framework="Keras")

    def _conv(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self._convolution(tok, o, forced, "conv")

    def _deconv(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self._convolution(tok, o, forced, "deconv")

    def _sepconv(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self._convolution(tok, o, forced, "sepconv")

    def _dwconv(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self._convolution(tok, o, forced, "dwconv")

    def _convolution(self, tok: _Token, o: _Options, forced: int | None, kind: str) -> None:
        self._torch_only_padding(tok, o)
        rank = self.spatial(tok.text, forced)
        if kind == "dwconv":
            kernel_text, filters = o.main, None
        else:
            if o.kernel is None or "x" in o.main:
                raise _bad(tok.text)
            kernel_text, filters = "", _number(tok.text, o.main)
        kernel = self.per_axis(tok.text, _numbers(tok.text, kernel_text) if kernel_text else o.kernel, rank, 1)
        stride = self.per_axis(tok.text, o.stride, rank, 1)
        dilation = self.per_axis(tok.text, o.dilation, rank, 1)
        if self.framework is Framework.TORCH:
            if kind in ("sepconv", "dwconv"):
                raise InputError("parse.list.keras_only", token=tok.text[:40])
            padding: Any = (
                self.per_axis(tok.text, o.padding, rank, 0)
                if not isinstance(o.padding, str)
                else (0,) * rank
                if o.padding == "valid"
                else o.padding
            )
            type_ = f"Conv{rank}d" if kind == "conv" else f"ConvTranspose{rank}d"
            config: dict[str, Any] = {
                "in_channels": self.dim(1),
                "out_channels": filters,
                "kernel_size": kernel,
                "stride": stride,
                "padding": padding,
                "dilation": dilation,
                "groups": o.groups or 1,
                "bias": o.bias,
            }
            if config["in_channels"] is None:
                del config["in_channels"]
            self.add(type_, type_, config, tok.line)
            return
        names = {"conv": "Conv", "deconv": "Conv", "sepconv": "SeparableConv", "dwconv": "DepthwiseConv"}
        type_ = f"{names[kind]}{rank}D" + ("Transpose" if kind == "deconv" else "")
        config = {}
        if filters is not None:
            config["filters"] = filters
        config.update(
            kernel_size=kernel,
            strides=stride,
            padding=o.padding if isinstance(o.padding, str) else "valid",
            dilation_rate=dilation,
        )
        if kind == "conv":
            config["groups"] = o.groups or 1
        elif o.groups is not None:
            raise InputError("parse.list.option_not_here", token=tok.text[:40], option="g", framework=type_)
        if kind in ("sepconv", "dwconv"):
            config["depth_multiplier"] = o.mult or 1
        elif o.mult is not None:
            raise InputError("parse.list.option_not_here", token=tok.text[:40], option="m", framework=type_)
        config["use_bias"] = o.bias
        self.add(type_, _keras_snake(type_), config, tok.line)

    def _pool(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self._pooling(tok, o, "Max")

    def _avgpool(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self._pooling(tok, o, "Average")

    def _pooling(self, tok: _Token, o: _Options, which: str) -> None:
        self._torch_only_padding(tok, o)
        rank = self.spatial(tok.text)
        window = self.per_axis(tok.text, _numbers(tok.text, o.main) if o.main else None, rank, 2)
        stride = self.per_axis(tok.text, o.stride, rank, 1) if o.stride is not None else window
        if self.framework is Framework.TORCH:
            if o.padding == "same":
                raise InputError("parse.list.option_not_here", token=tok.text[:40], option="same", framework="PyTorch")
            type_ = f"{'Max' if which == 'Max' else 'Avg'}Pool{rank}d"
            padding = self.per_axis(tok.text, o.padding if isinstance(o.padding, tuple) else None, rank, 0)
            self.add(type_, type_, {"kernel_size": window, "stride": stride, "padding": padding}, tok.line)
            return
        type_ = f"{which}Pooling{rank}D"
        config = {
            "pool_size": window,
            "strides": stride,
            "padding": o.padding if isinstance(o.padding, str) else "valid",
        }
        self.add(type_, _keras_snake(type_), config, tok.line)

    def _gap(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self._global(tok, "Average")

    def _gmp(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self._global(tok, "Max")

    def _global(self, tok: _Token, which: str) -> None:
        rank = self.spatial(tok.text)
        self.rank = 0
        if self.framework is Framework.TORCH:
            type_ = f"Adaptive{'Avg' if which == 'Average' else 'Max'}Pool{rank}d"
            self.add(type_, type_, {"output_size": 1}, tok.line)
            self.add("Flatten", "Flatten", {"start_dim": 1, "end_dim": -1}, tok.line)
            return
        type_ = f"Global{which}Pooling{rank}D"
        self.add(type_, _keras_snake(type_), {}, tok.line)

    def _flatten(self, tok: _Token, o: _Options, forced: int | None) -> None:
        if self.framework is Framework.TORCH:
            self.add("Flatten", "Flatten", {"start_dim": 1, "end_dim": -1}, tok.line)
        else:
            self.add("Flatten", "flatten", {}, tok.line)
        self.rank = 0

    def _dense(self, tok: _Token, o: _Options, forced: int | None) -> None:
        units = _number(tok.text, o.main)
        if self.framework is Framework.TORCH:
            config: dict[str, Any] = {"in_features": self.dim(-1), "out_features": units, "bias": o.bias}
            if config["in_features"] is None:
                del config["in_features"]
            self.add("Linear", "Linear", config, tok.line)
            return
        self.add("Dense", "dense", {"units": units, "use_bias": o.bias}, tok.line)

    def _dropout(self, tok: _Token, o: _Options, forced: int | None) -> None:
        if not o.main:
            rate = 0.5
        elif not _DROPOUT_RATE.match(o.main):
            raise _bad(tok.text)
        else:
            rate = float(o.main) if "." in o.main else int(o.main) / 100
        if not 0 <= rate < 1:
            raise _bad(tok.text)
        if self.framework is Framework.TORCH:
            self.add("Dropout", "Dropout", {"p": rate}, tok.line)
        else:
            self.add("Dropout", "dropout", {"rate": rate}, tok.line)

    def _bn(self, tok: _Token, o: _Options, forced: int | None) -> None:
        if self.framework is Framework.TORCH:
            type_ = f"BatchNorm{max(self.rank, 1)}d"
            config = {"num_features": self.dim(1)} if self.dim(1) is not None else {}
            self.add(type_, type_, config, tok.line)
            return
        self.add("BatchNormalization", "batch_normalization", {}, tok.line)

    def _ln(self, tok: _Token, o: _Options, forced: int | None) -> None:
        if self.framework is Framework.TORCH:
            config = {"normalized_shape": (self.dim(-1),)} if self.dim(-1) is not None else {}
            self.add("LayerNorm", "LayerNorm", config, tok.line)
            return
        self.add("LayerNormalization", "layer_normalization", {}, tok.line)

    def _act(self, tok: _Token, o: _Options, forced: int | None) -> None:
        if self.framework is Framework.TORCH:
            type_ = _TORCH_ACT[o.word]
            self.add(type_, type_, {"dim": 1} if type_ == "Softmax" else {}, tok.line)
            return
        self.add("Activation", "activation", {"activation": o.word}, tok.line)

    def _leakyrelu(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self.add("LeakyReLU", "LeakyReLU" if self.framework is Framework.TORCH else "leaky_re_lu", {}, tok.line)

    def _prelu(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self.add("PReLU", "PReLU" if self.framework is Framework.TORCH else "p_re_lu", {}, tok.line)

    def _lstm(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self._recurrent(tok, o, "LSTM", bidirectional=False)

    def _gru(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self._recurrent(tok, o, "GRU", bidirectional=False)

    def _rnn(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self._recurrent(tok, o, "SimpleRNN" if self.framework is Framework.KERAS else "RNN", bidirectional=False)

    def _bilstm(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self._recurrent(tok, o, "LSTM", bidirectional=True)

    def _bigru(self, tok: _Token, o: _Options, forced: int | None) -> None:
        self._recurrent(tok, o, "GRU", bidirectional=True)

    def _recurrent(self, tok: _Token, o: _Options, type_: str, *, bidirectional: bool) -> None:
        units = _number(tok.text, o.main)
        if self.rank != 1:
            raise InputError("parse.list.no_spatial", token=tok.text[:40])
        if not o.seq:
            self.rank = 0
        if self.framework is Framework.TORCH:
            config: dict[str, Any] = {"input_size": self.dim(-1), "hidden_size": units, "batch_first": True}
            if config["input_size"] is None:
                del config["input_size"]
            if bidirectional:
                config["bidirectional"] = True
            self.add(type_, type_, config, tok.line)
            return
        inner = {"units": units, "return_sequences": o.seq}
        if bidirectional:
            self.add(
                "Bidirectional", "bidirectional", {"layer": {"type": type_, **inner}, "merge_mode": "concat"}, tok.line
            )
        else:
            self.add(type_, _keras_snake(type_), inner, tok.line)

    def _embed(self, tok: _Token, o: _Options, forced: int | None) -> None:
        dims = _numbers(tok.text, o.main)
        if len(dims) != 2:
            raise _bad(tok.text)
        vocab, width = dims
        self.rank += 1
        if self.framework is Framework.TORCH:
            self.add("Embedding", "Embedding", {"num_embeddings": vocab, "embedding_dim": width}, tok.line)
            return
        self.add("Embedding", "embedding", {"input_dim": vocab, "output_dim": width}, tok.line)

    def _upsample(self, tok: _Token, o: _Options, forced: int | None) -> None:
        rank = self.spatial(tok.text)
        size = self.per_axis(tok.text, _numbers(tok.text, o.main) if o.main else None, rank, 2)
        if self.framework is Framework.TORCH:
            self.add("Upsample", "Upsample", {"scale_factor": size if rank > 1 else size[0]}, tok.line)
            return
        type_ = f"UpSampling{rank}D"
        self.add(type_, _keras_snake(type_), {"size": size if rank > 1 else size[0]}, tok.line)

    def _zeropad(self, tok: _Token, o: _Options, forced: int | None) -> None:
        rank = self.spatial(tok.text)
        pad = _number(tok.text, o.main) if o.main else 1
        if self.framework is Framework.TORCH:
            if rank not in (1, 2, 3):  # pragma: no cover - spatial() already checked
                raise _bad(tok.text)
            type_ = f"ZeroPad{rank}d"
            self.add(type_, type_, {"padding": pad}, tok.line)
            return
        type_ = f"ZeroPadding{rank}D"
        self.add(type_, _keras_snake(type_), {"padding": pad}, tok.line)


def _next_shape(type_: str, config: dict[str, Any], shape: Shape | None) -> Shape | None:
    """The PyTorch module's output shape, so the next module's in_channels / in_features can be filled;
    None when it cannot be derived (the derivation will then say why)."""
    if shape is None:
        return None
    try:
        out: ShapeTree = derive(type_, Framework.TORCH, config, [shape]).output
    except LayerbotError:
        return None
    while isinstance(out, list):  # an LSTM's (output, (h, c)): the next module reads the output
        if not out:
            return None
        out = out[0]
    return out


def _keras_snake(type_: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", type_)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


# --- finding the list in the text --------------------------------------------------------------


def _paren_shape(m: re.Match[str]) -> str:
    """``256, 256, 3`` → ``256x256x3``: the group is ASCII digits, separators and ASCII blanks around them."""
    return "".join(m.group(1).split()).replace(",", "x").replace("×", "x").replace("*", "x")


def _split(line: str) -> list[str]:
    """``_SPLIT.split(line)`` without the empty parts, read faster: the two-character separators and then
    the one-character ones become blanks for ``str.split`` (whose blanks are ``\\s``).  No replacement
    makes or breaks another separator ("->" and "=>" cannot overlap)."""
    return (
        line.replace("->", " ").replace("=>", " ").replace(",", " ").replace(";", " ").replace("|", " ")
        .replace("→", " ").split()
    )


def _line_words(line: str) -> list[str]:
    """The tokens of one line; a parenthesised shape ``(256, 256, 3)`` becomes ``256x256x3``."""
    if "(" in line:  # every paren shape starts with one
        line = _PAREN_SHAPE.sub(_paren_shape, line)
    return _split(line)  # str.split() never gives an empty part


def _most_tokens(text: str) -> int:
    """At least the number of tokens in ``text``, counted with fast scans: its blank-separated parts, and
    one more for each other separator (turned into a blank, it splits at most one part in two; a paren
    shape only joins parts, and no replacement makes another separator)."""
    return len(text.split()) + text.count("->") + text.count("=>") + sum(map(text.count, ",;|→"))


class _Words:
    """The tokens of a text line by line, each line found and split when first asked for: a summary or
    repr has thousands of tokens, and only the few lines that may hold a shape token are looked at
    (see :func:`_shape_lines`, which gives where they start).

    Only the first ``_MAX_SCAN_TOKENS`` tokens of the text are seen.  A token is at least one character
    and tokens are at least one separator apart, so n tokens take at least 2n - 1 characters: only a text
    longer than ``2 * _MAX_SCAN_TOKENS`` can hold more, and only when :func:`_most_tokens` allows more are
    all its lines counted (and the line where the bound falls cut there)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: dict[int, int] = {0: 0}  # line index (0-based) → where it starts in the text
        self.split: dict[int, list[str]] = {}
        self.end: int | None = None  # lines from here on have no token seen (None: every line is seen)
        if len(text) > 2 * _MAX_SCAN_TOKENS and _most_tokens(text) > _MAX_SCAN_TOKENS:
            count = 0
            n: int | None = 0
            while n is not None:
                count += len(self.words(n))
                if count > _MAX_SCAN_TOKENS:
                    self.split[n] = self.split[n][: len(self.split[n]) - (count - _MAX_SCAN_TOKENS)]
                    self.end = n + 1
                    break
                n = self.below(n)

    def below(self, n: int) -> int | None:
        """The index of the line after line n (whose start is known), None after the last line."""
        if self.end is not None and n + 1 >= self.end:
            return None
        if n + 1 not in self.starts:
            at = self.text.find("\n", self.starts[n])
            if at < 0:
                return None
            self.starts[n + 1] = at + 1
        return n + 1

    def words(self, n: int) -> list[str]:
        """The tokens of line n (whose start is known)."""
        words = self.split.get(n)
        if words is None:
            start = self.starts[n]
            stop = self.text.find("\n", start)
            words = self.split[n] = _line_words(self.text[start:] if stop < 0 else self.text[start:stop])
        return words

    def after(self, n: int, k: int) -> Iterator[tuple[str, int]]:
        """The tokens after the k-th of line n, with the index of their line."""
        words = self.words(n)
        for i in range(k + 1, len(words)):
            yield words[i], n
        m = self.below(n)
        while m is not None:
            for word in self.words(m):
                yield word, m
            m = self.below(m)

    def next(self, n: int, k: int) -> tuple[str, int, int] | None:
        """The token after the k-th of line n, the index of its line and its index there; None at the end."""
        words = self.words(n)
        if k + 1 < len(words):
            return words[k + 1], n, k + 1
        m = self.below(n)
        while m is not None:
            if words := self.words(m):
                return words[0], m, 0
            m = self.below(m)
        return None

    def before(self, n: int, k: int) -> str | None:
        """The token before the k-th of line n, None at the start of the text."""
        if k > 0:
            return self.words(n)[k - 1]
        for m in range(n - 1, -1, -1):
            if m not in self.starts:
                self.starts[m] = self.text.rfind("\n", 0, self.starts[m + 1] - 1) + 1
            if words := self.words(m):
                return words[-1]
        return None


# Where a token that _is_shape accepts can be; see _shape_lines.  A paren shape counts when it can be
# part of a token made only of digits and x's: after a separator's last character, the start of the
# text, or such a character ("3x(4, 4)", "(3)(4)"), and before a separator's first character, the end
# of the text or such a character.  Its body is read loosely, as any run of the characters a paren
# shape holds up to a ")": every paren shape matches so, in one possessive step (_PAREN_SHAPE's own body
# costs as much as the rest of the scan).
_TOKEN_PAREN = re.compile(r"\((?<![^\s,;|>→0-9xX×*)]\()[\s0-9,x×*]*+\)(?![^\s,;|=→0-9xX×*(-])")
# A line whose first token starts with a digit or a letter of a framework word ("torch 784 dense10";
# "\u212a" is the Kelvin sign, whose lower case is "k").  Possessive as _NUMBER_FIRST.
_LINE_HEAD = re.compile(r"[\s,;|>=→-]*+[0-9TtPpKk\u212a]")
_NEXT_LINE_HEAD = re.compile(r"\n" + _LINE_HEAD.pattern)


def _shape_lines(text: str) -> list[tuple[int, int]]:
    """The lines that may hold a token :func:`_is_shape` accepts, each as its index (0-based) and where it
    starts in the text, in order — a superset, found
    with fast scans of the whole text: digits around x/×/*, a paren shape that can be part of a token of
    digits and x's, or a number (maybe after a framework word) first on a line.

    Why that is all: a shape token is digits and x's, each x between digits; a digit or x there is
    either the text's own or comes from a paren shape (``(3, 3)`` → ``3x3``).  An x with the text's own
    digits on both sides is the first case; a paren shape in the token is the second.  A plain number
    is a shape only first on its line, maybe after a framework word: the second case or the third."""
    at: list[int] = []
    for sep in _DIM_SEPARATORS:
        i = text.find(sep, 1)
        while i >= 0:
            if text[i - 1].isdecimal() and text[i + 1 : i + 2].isdecimal():
                at.append(i)
            i = text.find(sep, i + 1)
    at.extend(m.start() for m in _TOKEN_PAREN.finditer(text))
    if (head := _LINE_HEAD.match(text)) is not None:
        at.append(head.end() - 1)
    at.extend(m.end() - 1 for m in _NEXT_LINE_HEAD.finditer(text))
    at.sort()
    lines: list[tuple[int, int]] = []
    n = last = 0
    for i in at:
        n += text.count("\n", last, i)
        last = i
        if not lines or lines[-1][0] != n:
            lines.append((n, text.rfind("\n", 0, i) + 1))
    return lines


def _is_shape(text: str, first_of_line: bool, following: str) -> bool:
    """``256x256x3``; a plain number only at the start of a line and before a layer token with a number in
    it (``784 dense10``), so that prose such as "3 relu layers" is not a list."""
    text = text.lower()
    if _SHAPE.match(text) is not None:
        return True
    return first_of_line and _INT.match(text) is not None and any(c.isdigit() for c in following)


def _is_layer(text: str) -> bool:
    text = _REPEAT.sub(r"\1", text)
    try:
        return _split_token(text) is not None
    except InputError:
        return False


def _layerish(text: str) -> bool:
    """A layer token, or one meant as a layer: a keyword with a number after it (``conv32k3q``)."""
    if _is_layer(text):
        return True
    low = text.lower()
    return len(low) <= _MAX_TOKEN_CHARS and any(c.isdigit() for c in low) and low.startswith(_LAYERISH_PREFIXES)


_LAYERISH_PREFIXES = tuple(k for k in _KEYWORDS if len(k) >= 3)
_ASCII_DIGITS = frozenset("0123456789")


@dataclass
class _Found:
    framework: Framework
    shape: _Token
    layers: list[_Token]
    stop: _Token | None  # the first token not read, on the same line as the list's end


def _find(text: str) -> _Found | None:
    """The first shape token followed by a layer token, and the tokens after it up to the first plain word.

    The tokens are those of :func:`_Words` (the first ``_MAX_SCAN_TOKENS`` of the text), but only the lines
    of :func:`_shape_lines` are searched for the shape, in order: no other line holds one."""
    words = _Words(text)
    for n, start in _shape_lines(text):
        if words.end is not None and n >= words.end:
            break
        words.starts[n] = start
        line = words.words(n)
        for k, word in enumerate(line):
            if word[0] not in _ASCII_DIGITS:
                continue  # not a shape: _SHAPE and _INT (re.ASCII) start with a digit
            # First on its line, or second after a framework word ("torch 784 fc10").
            first_of_line = k == 0 or (k == 1 and line[0].lower() in _FRAMEWORK)
            after = words.next(n, k)
            if after is None or not _is_shape(word, first_of_line, after[0]) or not _layerish(after[0]):
                continue
            framework = Framework.KERAS
            previous = words.before(n, k)
            if previous is not None and previous.lower() in _FRAMEWORK:
                framework = _FRAMEWORK[previous.lower()]
            layers: list[_Token] = []
            rest = words.after(after[1], after[2])
            stop: tuple[str, int] | None = after[:2]
            while stop is not None:
                low = stop[0].lower()
                if low in _FRAMEWORK:
                    if not layers or framework is Framework.KERAS:
                        framework = _FRAMEWORK[low]
                    stop = next(rest, None)
                    break
                if not (_is_layer(stop[0]) or _LOOKS_LIKE_LAYER.match(low)):
                    break
                layers.append(_Token(stop[0], stop[1] + 1))
                if len(layers) > MAX_TOKENS:
                    raise InputError("parse.list.too_many", max=MAX_TOKENS)
                stop = next(rest, None)
            if stop is None or not layers or stop[1] + 1 != layers[-1].line:
                return _Found(framework, _Token(word, n + 1), layers, None)
            return _Found(framework, _Token(word, n + 1), layers, _Token(stop[0], stop[1] + 1))
    return None


def detect(text: str) -> bool:
    """A shape token (``256x256x3``, ``(28, 28, 1)``, a number at a line's start) followed by a layer token."""
    if len(text) > 400_000:
        return False
    # _find first: it says no at once to a text without a shape token, and _maybe_list is only asked then.
    try:
        found = _find(text) is not None
    except InputError:
        found = True  # a list too long to read is still a list; parse() says why
    return found and _maybe_list(text)


def parse(text: str, *, framework: Framework | None = None) -> ModelSpec:
    """Read the first layer list in ``text`` (already passed through :func:`calc.parse.text.clean`).

    The list names its framework (``torch`` before the shape or at the end; Keras otherwise);
    ``framework`` overrides that, e.g. ``layerbot explain --framework torch``: the layers are then
    built as that framework's kinds and the shape read in its order."""
    found = _find(text)
    if found is None:
        raise InputError("parse.list.no_list", summary=Message("parse.list.summary"))
    dims = _numbers(found.shape.text, found.shape.text.lower().replace("×", "x").replace("*", "x"))
    shape: Shape = (None, *dims)
    fw = framework or found.framework
    builder = _Builder(fw, rank=len(dims) - 1, shape=shape)
    for tok in found.layers:
        m = _REPEAT.match(tok.text)
        times = 1
        body = tok
        if m is not None:
            times = int(m.group(2))
            body = _Token(m.group(1), tok.line)
            if not 1 <= times <= MAX_TOKENS:
                raise _bad(tok.text)
        for _ in range(times):
            builder.token(body)
    findings: list[Finding] = []
    if found.stop is not None and found.layers:
        findings.append(
            Finding(
                Severity.INFO,
                "parse.list.trailing",
                Message("parse.list.trailing", {"last": found.layers[-1].text[:40], "text": found.stop.text[:40]}),
            )
        )
    return ModelSpec(
        format=Format.LAYER_LIST,
        framework=fw,
        layers=tuple(builder.rows),
        input_shapes=(shape,),
        findings=tuple(findings),
    )
