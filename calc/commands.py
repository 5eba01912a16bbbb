"""The command router every front end shares: one slash-command line, or Discord's typed options,
in; a :class:`CommandResult` of plain data out.

    "/dense 86400 4"  ──tokenize──▶  ("dense", [(None, "86400"), (None, "4")])
                      ──bind──────▶  {"in_features": 86400, "units": 4, "bias": True, ...}
                      ──build─────▶  calc.catalog.derive(...) + calc.cost  ──▶  CommandResult

The command table (:data:`COMMANDS`) is declarative: one :class:`CommandSpec` per command, with
typed arguments, ranges, defaults and help-text keys (English and Chinese), so the terminal, the
JSON output and the Discord option definitions all come from the same entries.

Nothing here evaluates user text.  Numbers are recognised by regular expressions and built with
``int()`` / ``Decimal`` on the matched digits; every size is bounded by the catalog's
:data:`~calc.catalog.base.MAX_SIZE`; the line, its token count and each token are capped.  Every
problem with the input is an :class:`~calc.errors.InputError` whose message says what was wrong and
shows the command's usage line.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from calc.catalog import MAX_SIZE, LayerCalc, derive
from calc.cost import INT32_MAX, Cost, cost_of, limit_findings, max_units_under
from calc.errors import InputError, LayerbotError
from calc.findings import Finding
from calc.i18n import Message, register
from calc.parse.text import MAX_CHARS
from calc.report import Report
from calc.types import Dim, Framework, Shape

__all__ = [
    "COMMANDS",
    "MAX_LINE",
    "MAX_TOKENS",
    "Arg",
    "ArgType",
    "CommandResult",
    "CommandSpec",
    "Invocation",
    "commands",
    "find",
    "invoke",
    "parse",
    "register_command",
    "run",
    "tokenize",
]

MAX_LINE = 2_000
"""Longest command line accepted (Discord's own message limit is 2,000 characters)."""

MAX_TEXT = MAX_CHARS + 64
"""Longest line of a command that takes pasted text (its options plus the largest paste read)."""

MAX_TOKENS = 32
"""Most words one command line may have (the longest command has about a dozen options)."""

MAX_TOKEN_CHARS = 64
"""Longest single value; longer ones are refused before any number is built from them."""

MAX_RANK = 5
"""Most axes in a shape typed by hand (batch axis excluded): Conv3D input is D×H×W×C."""

_MAX_EXPONENT_DIGITS = 4  # 1e9999 is already absurd; longer exponents are refused unread


class ArgType(StrEnum):
    """What an argument accepts; a Discord front end maps these onto option types."""

    INT = "int"  # a whole number in [lo, hi]: 86400, 86,400, 86_400, 2**16, 1e3
    INTS = "ints"  # one whole number or one per axis: 3, 3x3, (3, 3)
    SHAPE = "shape"  # sizes without the batch axis: 256x256x3, (256, 256, 3), 256,256,3
    BOOL = "bool"  # true / false, yes / no, on / off, 1 / 0
    CHOICE = "choice"  # one word of a fixed list
    PADDING = "padding"  # a padding word (valid / same / causal) or whole numbers (PyTorch)
    WORD = "word"  # one short lower-case word (a command name for /help), checked by the command itself
    TEXT = "text"  # the rest of the line, raw (a pasted summary, newlines and all); a command's last word


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument of a command."""

    name: str
    type: ArgType
    help: str  # message key (en + zh), at most 100 characters: it doubles as a Discord option description
    required: bool = False
    default: Any = None
    lo: int = 1
    hi: int = MAX_SIZE
    choices: tuple[str, ...] = ()
    synonyms: tuple[tuple[str, str], ...] = ()  # other spellings of a choice: ("pytorch", "torch")
    min_rank: int = 1
    max_rank: int = MAX_RANK
    positional: bool = True  # may be given without its name, in table order
    names: tuple[str, ...] = ()  # other names accepted in name=value form

    @property
    def usage(self) -> str:
        if self.required:
            return self.name
        if self.positional:
            return f"[{self.name}]"
        return f"[{self.name}={'|'.join(self.choices) if self.choices else '…'}]"

    def expected(self) -> Message:
        """What this argument accepts, as a message (used in error lines and help)."""
        if self.type is ArgType.INT:
            return Message("expect.int", {"lo": self.lo, "hi": self.hi})
        if self.type is ArgType.INTS:
            return Message("expect.ints", {"lo": self.lo, "hi": self.hi})
        if self.type is ArgType.SHAPE:
            return Message("expect.shape", {"lo": self.min_rank, "hi": self.max_rank})
        if self.type is ArgType.BOOL:
            return Message("expect.bool")
        if self.type is ArgType.PADDING:
            return Message("expect.padding")
        if self.type is ArgType.WORD:
            return Message("expect.choice", {"choices": _command_list()})
        if self.type is ArgType.TEXT:
            return Message("expect.text")
        return Message("expect.choice", {"choices": " / ".join(self.choices)})


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: its name, what it does (a message key), its arguments and an example."""

    name: str
    help: str
    args: tuple[Arg, ...]
    example: str
    build: Callable[[Invocation], CommandResult]
    aliases: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # /lstm = /rnn kind=lstm

    @property
    def usage(self) -> str:
        # A TEXT argument takes the rest of the line, so it is written last.
        ordered = sorted(self.args, key=lambda a: a.type is ArgType.TEXT)
        return " ".join([f"/{self.name}", *(a.usage for a in ordered)])

    @property
    def text_arg(self) -> Arg | None:
        return next((a for a in self.args if a.type is ArgType.TEXT), None)

    def arg(self, name: str) -> Arg | None:
        key = name.lower().replace("-", "_")
        for a in self.args:
            if key == a.name or key in a.names:
                return a
        return None


@dataclass(frozen=True, slots=True)
class Invocation:
    """A command with every argument converted, checked and defaulted (``None`` = not given, no default)."""

    spec: CommandSpec
    values: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What a command computed: plain data, no display strings.  Renderers turn it into text."""

    command: str
    args: Mapping[str, Any]
    framework: Framework | None = None
    layers: tuple[LayerCalc, ...] = ()
    cost: Cost | None = None
    findings: tuple[Finding, ...] = ()
    max_units: int | None = None  # /dense over a limit: the widest kernel on this input within 2**31 − 1 elements
    help: tuple[CommandSpec, ...] = ()  # /help: the commands described
    report: Report | None = None  # /explain: the whole model, layer by layer


# --------------------------------------------------------------------------------------------
# Messages.

register(
    {
        # errors: each says what was wrong and what is accepted
        "cmd.error.empty": {
            "en": "Nothing to run: type a command such as /dense 86400 4. Commands: {commands}.",
            "zh": "没有可执行的内容：请输入例如 /dense 86400 4 的命令。可用命令：{commands}。",
        },
        "cmd.error.too_long": {
            "en": "The input is {got} characters long; at most {limit} are accepted. Send one command such"
                " as /dense 86400 4.",
            "zh": "输入长度为 {got} 个字符；最多接受 {limit} 个。请只发送一条命令，例如 /dense 86400 4。",
        },
        "cmd.error.too_many_tokens": {
            "en": "The command has {got} parts; at most {limit} are accepted. Usage: {usage}",
            "zh": "命令有 {got} 个部分；最多接受 {limit} 个。用法：{usage}",
        },
        "cmd.error.brackets": {
            "en": "Unbalanced brackets in {value}: write a shape as 256x256x3, (256, 256, 3) or 256,256,3.",
            "zh": "{value} 中的括号不成对：形状请写成 256x256x3、(256, 256, 3) 或 256,256,3。",
        },
        "cmd.error.unknown": {
            "en": "Unknown command {value}. Commands: {commands}; /help explains each.",
            "zh": "未知命令 {value}。可用命令：{commands}；/help 会逐一说明。",
        },
        "cmd.error.unknown_option": {
            "en": "{command}: there is no option {value}. Options: {options}. Usage: {usage}",
            "zh": "{command}：没有选项 {value}。可用选项：{options}。用法：{usage}",
        },
        "cmd.error.duplicate": {
            "en": "{command}: {name} is given twice. Usage: {usage}",
            "zh": "{command}：{name} 被指定了两次。用法：{usage}",
        },
        "cmd.error.no_value": {
            "en": "{command}: {name} has no value after it. Usage: {usage}",
            "zh": "{command}：{name} 后面没有值。用法：{usage}",
        },
        "cmd.error.missing": {
            "en": "{command}: {name} is missing ({help}). Usage: {usage}",
            "zh": "{command}：缺少 {name}（{help}）。用法：{usage}",
        },
        "cmd.error.value": {
            "en": "{command}: {name}={value} is not valid; expected {expected}. Usage: {usage}",
            "zh": "{command}：{name}={value} 无效；应为{expected}。用法：{usage}",
        },
        "cmd.error.too_large": {
            "en": "{command}: {name}={value} is too large; the largest size accepted is {hi} (10**12). Usage: {usage}",
            "zh": "{command}：{name}={value} 太大；可接受的最大尺寸为 {hi}（10**12）。用法：{usage}",
        },
        "cmd.error.too_many": {
            "en": "{command}: unexpected extra argument {value}. Usage: {usage}",
            "zh": "{command}：多余的参数 {value}。用法：{usage}",
        },
        "cmd.error.layer": {
            "en": "{command}: {detail} Usage: {usage}",
            "zh": "{command}：{detail} 用法：{usage}",
        },
        "cmd.error.keras_padding": {
            "en": "{command}: Keras padding is valid or same, not {value}; a number of padded cells is"
                " PyTorch's (add framework=torch). Usage: {usage}",
            "zh": "{command}：Keras 的 padding 只能是 valid 或 same，不能是 {value}；填充格数是 PyTorch 的写法（加上"
                " framework=torch）。用法：{usage}",
        },
        "cmd.error.torch_pool_padding": {
            "en": "{command}: PyTorch pooling padding is a whole number of cells (0 = valid), not {value}."
                " Usage: {usage}",
            "zh": "{command}：PyTorch 池化的 padding 是填充格数（0 即 valid），不能是 {value}。用法：{usage}",
        },
        "cmd.error.channels": {
            "en": "{command}: the number of channels must be known (it sets the kernel's size); the input"
                " {shape} has none. Usage: {usage}",
            "zh": "{command}：通道数必须已知（它决定卷积核的大小）；输入 {shape} 没有给出。用法：{usage}",
        },
        "cmd.error.reset_after": {
            "en": "{command}: reset_after applies only to a Keras GRU (PyTorch's GRU always has two bias"
                " vectors). Usage: {usage}",
            "zh": "{command}：reset_after 只适用于 Keras 的 GRU（PyTorch 的 GRU 总是有两组偏置）。用法：{usage}",
        },
        "cmd.error.heads_divide": {
            "en": "{command}: in PyTorch d_model ({d_model}) must be divisible by heads ({heads}): each"
                " head gets d_model / heads features. Usage: {usage}",
            "zh": "{command}：在 PyTorch 中 d_model（{d_model}）必须能被 heads（{heads}）整除："
                "每个头分到 d_model / heads 个特征。用法：{usage}",
        },
        "cmd.error.head_dim": {
            "en": "{command}: in PyTorch each head gets d_model / heads = {d_model} / {heads} = {expected}"
                " features, so key_dim must be {expected}, not {key_dim}. Usage: {usage}",
            "zh": "{command}：在 PyTorch 中每个头分到 d_model / heads = {d_model} / {heads} = {expected} 个特征，所以"
                " key_dim 必须是 {expected}，不能是 {key_dim}。用法：{usage}",
        },
        # what an argument accepts
        "expect.int": {"en": "a whole number from {lo} to {hi}", "zh": " {lo} 到 {hi} 之间的整数"},
        "expect.ints": {
            "en": "a whole number from {lo} to {hi}, or one per axis such as 3x3",
            "zh": " {lo} 到 {hi} 之间的整数，或每个轴一个，例如 3x3",
        },
        "expect.shape": {
            "en": "{lo} to {hi} sizes such as 256x256x3, (256, 256, 3) or 256,256,3",
            "zh": " {lo} 到 {hi} 个尺寸，例如 256x256x3、(256, 256, 3) 或 256,256,3",
        },
        "expect.bool": {"en": "true or false (yes / no)", "zh": " true 或 false（yes / no）"},
        "expect.choice": {"en": "one of {choices}", "zh": "以下之一：{choices}"},
        "expect.text": {
            "en": "pasted text after the options (a model summary, print(model) or code)",
            "zh": "选项之后粘贴的文字（模型摘要、print(model) 的输出或代码）",
        },
        "expect.padding": {
            "en": "valid or same (Keras), or a whole number of cells (PyTorch)",
            "zh": " valid 或 same（Keras），或填充格数（PyTorch）",
        },
        # commands
        "cmd.help.dense": {
            "en": "Parameters of a fully connected layer: in_features × units + units.",
            "zh": "全连接层的参数：in_features × units + units。",
        },
        "cmd.help.conv": {
            "en": "A 1D/2D/3D convolution: parameters, output shape and cost.",
            "zh": "一维/二维/三维卷积：参数、输出形状和计算量。",
        },
        "cmd.help.pool": {
            "en": "A pooling layer (max, average or global): output shape and cost.",
            "zh": "池化层（最大、平均或全局）：输出形状和计算量。",
        },
        "cmd.help.rnn": {
            "en": "A recurrent layer (SimpleRNN, LSTM, GRU) in Keras or PyTorch: parameters and shapes.",
            "zh": "循环层（SimpleRNN、LSTM、GRU），Keras 或 PyTorch：参数和形状。",
        },
        "cmd.help.embedding": {
            "en": "An embedding table: vocab × dim parameters.",
            "zh": "嵌入表：vocab × dim 个参数。",
        },
        "cmd.help.attention": {
            "en": "Multi-head attention: parameters, output shape and cost.",
            "zh": "多头注意力：参数、输出形状和计算量。",
        },
        "cmd.help.help": {
            "en": "List the commands, or explain one: /help conv.",
            "zh": "列出所有命令，或说明其中一个：/help conv。",
        },
        # arguments (each at most 100 characters: Discord option descriptions)
        "arg.framework": {"en": "keras (default) or torch", "zh": "keras（默认）或 torch"},
        "arg.batch": {"en": "batch size for activation memory (default 1)", "zh": "计算激活内存的批次大小（默认 1）"},
        "arg.bias": {"en": "whether the layer has biases (default true)", "zh": "是否有偏置（默认 true）"},
        "arg.dense.in_features": {
            "en": "input features: the width of what comes in (e.g. a Flatten's size)",
            "zh": "输入特征数：输入的宽度（例如 Flatten 的大小）",
        },
        "arg.dense.units": {"en": "units (output features)", "zh": "单元数（输出特征数）"},
        "arg.conv.input": {
            "en": "input shape without batch: H×W×C in Keras, C×H×W in PyTorch (1 to 3 spatial axes)",
            "zh": "不含批次的输入形状：Keras 为 H×W×C，PyTorch 为 C×H×W（1 到 3 个空间轴）",
        },
        "arg.conv.filters": {"en": "number of filters (output channels)", "zh": "卷积核个数（输出通道数）"},
        "arg.conv.kernel": {"en": "kernel size, e.g. 3 or 3x3", "zh": "卷积核大小，例如 3 或 3x3"},
        "arg.conv.stride": {"en": "stride (default 1)", "zh": "步长（默认 1）"},
        "arg.conv.padding": {
            "en": "valid (default) or same; PyTorch also takes a number of cells",
            "zh": "valid（默认）或 same；PyTorch 也可以是填充格数",
        },
        "arg.conv.dilation": {"en": "dilation (default 1)", "zh": "膨胀率（默认 1）"},
        "arg.conv.groups": {
            "en": "groups (default 1); channels must divide by it",
            "zh": "分组数（默认 1）；通道数须能被它整除",
        },
        "arg.pool.input": {
            "en": "input shape without batch: H×W×C in Keras, C×H×W in PyTorch",
            "zh": "不含批次的输入形状：Keras 为 H×W×C，PyTorch 为 C×H×W",
        },
        "arg.pool.kind": {
            "en": "max (default), avg, global_max or global_avg",
            "zh": "max（默认）、avg、global_max 或 global_avg",
        },
        "arg.pool.size": {"en": "pool size (default 2)", "zh": "池化窗口大小（默认 2）"},
        "arg.pool.stride": {"en": "stride (default: the pool size)", "zh": "步长（默认等于窗口大小）"},
        "arg.pool.padding": {
            "en": "valid (default) or same in Keras; a number of cells in PyTorch",
            "zh": "Keras 为 valid（默认）或 same；PyTorch 为填充格数",
        },
        "arg.rnn.kind": {"en": "simple, lstm or gru", "zh": "simple、lstm 或 gru"},
        "arg.rnn.units": {"en": "units (hidden size)", "zh": "单元数（隐藏层大小）"},
        "arg.rnn.input_features": {"en": "features per timestep of the input", "zh": "输入每个时间步的特征数"},
        "arg.rnn.timesteps": {
            "en": "sequence length (optional; parameters do not depend on it)",
            "zh": "序列长度（可选；参数数量与它无关）",
        },
        "arg.rnn.bidirectional": {"en": "run both directions (default false)", "zh": "双向（默认 false）"},
        "arg.rnn.num_layers": {"en": "stacked layers (default 1)", "zh": "堆叠层数（默认 1）"},
        "arg.rnn.reset_after": {
            "en": "Keras GRU only: reset gate after the matmul (default true)",
            "zh": "仅限 Keras GRU：在矩阵乘法之后应用重置门（默认 true）",
        },
        "arg.rnn.return_sequences": {
            "en": "Keras: output every timestep, not just the last (default false)",
            "zh": "Keras：输出每个时间步，而不只是最后一个（默认 false）",
        },
        "arg.embedding.vocab": {"en": "vocabulary size (number of rows)", "zh": "词表大小（行数）"},
        "arg.embedding.dim": {"en": "embedding dimension (vector length)", "zh": "嵌入维度（向量长度）"},
        "arg.embedding.seq_len": {"en": "sequence length (optional)", "zh": "序列长度（可选）"},
        "arg.attention.heads": {"en": "number of heads", "zh": "头数"},
        "arg.attention.key_dim": {
            "en": "size of each head (PyTorch: d_model / heads)",
            "zh": "每个头的大小（PyTorch 中为 d_model / heads）",
        },
        "arg.attention.d_model": {
            "en": "model width (features of query and value)",
            "zh": "模型宽度（query 和 value 的特征数）",
        },
        "arg.attention.seq_len": {
            "en": "sequence length (optional; needed for MACs)",
            "zh": "序列长度（可选；计算 MAC 时需要）",
        },
        "arg.help.command": {"en": "the command to explain", "zh": "要说明的命令"},
    }
)


# --------------------------------------------------------------------------------------------
# Tokenizer.

_NAME = re.compile(r"[a-z_][a-z0-9_\-]{0,31}", re.ASCII)
_COMMAND = re.compile(r"[a-z][a-z0-9_]{0,31}", re.ASCII)
_OPEN, _CLOSE = "([", ")]"


def _show(text: str, limit: int = 40) -> str:
    """User text, safe to put in one line of a reply: no control characters, no newlines, short."""
    out = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _shown_value(raw: object) -> str:
    """A typed option's value for a message: its text, or repr; a huge int (whose repr Python refuses past
    4,300 digits) by its size."""
    if isinstance(raw, int) and not isinstance(raw, bool) and raw.bit_length() > 128:
        return f"{'-' if raw < 0 else ''}≈10**{int(raw.bit_length() * math.log10(2))}"
    return _show(raw if isinstance(raw, str) else repr(raw))


def _normalise(line: str) -> str:
    # NFKC folds full-width digits, commas, colons and brackets (８６４００，（３，３）) to ASCII.  Invisible
    # format characters (zero-width spaces, direction marks, a BOM: category Cf) are dropped, as pastes'
    # are: 86<ZWSP>400 copied from a web page is 86400.
    line = unicodedata.normalize("NFKC", line)
    return "".join(" " if c.isspace() else c for c in line if unicodedata.category(c) != "Cf").strip()


def _split(line: str) -> list[str]:
    """Split on spaces outside brackets; a bracketed group is one token: ``(256, 256, 3)``."""
    tokens: list[str] = []
    current: list[str] = []
    depth = 0
    for c in line:
        if c in _OPEN:
            depth += 1
            if depth > 1:
                raise InputError("cmd.error.brackets", value=_show(line))
        elif c in _CLOSE:
            depth -= 1
            if depth < 0:
                raise InputError("cmd.error.brackets", value=_show(line))
        if c == " " and depth == 0:
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(c)
        if len(tokens) > MAX_TOKENS + 1:  # stop early on a flood of words
            break
    if depth != 0:
        raise InputError("cmd.error.brackets", value=_show(line))
    if current:
        tokens.append("".join(current))
    return tokens


def tokenize(line: str) -> tuple[str, list[tuple[str | None, str]]]:
    """One command line → (command name, [(option name or None, value text), ...]).

    Options may be positional or named, Discord style or Python style: ``units:4``, ``units: 4``,
    ``units=4``, ``units = 4``.  Command and option names are matched case-insensitively.
    A command with a TEXT argument (``/explain``) reads its named options first and passes the rest
    of the line through raw, newlines and all (:func:`_tokenize_text`).
    """
    text_command = _text_command(line)
    if text_command is not None:
        return _tokenize_text(line, *text_command)
    if len(line) > MAX_LINE:
        raise InputError("cmd.error.too_long", got=len(line), limit=MAX_LINE)
    text = _normalise(line)
    text = text.removeprefix("/").lstrip()
    if not text:
        raise InputError("cmd.error.empty", commands=_command_list())
    words = _split(text)
    head, rest = words[0], words[1:]
    if len(rest) > MAX_TOKENS:
        spec = find(head.lower()) if _COMMAND.fullmatch(head.lower()) else None
        usage = spec.usage if spec else "/help"
        raise InputError("cmd.error.too_many_tokens", got=len(rest), limit=MAX_TOKENS, usage=usage)
    # Join "name:" "value", "name" ":" "value", "name" "=" "value" and "name=value" into pairs.
    items: list[tuple[str | None, str]] = []
    i = 0
    while i < len(rest):
        word = rest[i]
        name: str | None = None
        value: str | None = word
        m = re.fullmatch(r"([^=:()\[\]]+)\s*[=:]\s*(.*)", word)
        if m and _NAME.fullmatch(m.group(1).lower()):
            name, value = m.group(1).lower(), m.group(2) or None
        elif i + 1 < len(rest) and rest[i + 1] in ("=", ":") and _NAME.fullmatch(word.lower()):
            name, value = word.lower(), None
            i += 1
        if name is not None and value is None:
            if i + 1 >= len(rest):
                spec = find(head.lower())
                raise InputError(
                    "cmd.error.no_value",
                    command=f"/{_show(head)}",
                    name=_show(name),
                    usage=spec.usage if spec else "/help",
                )
            i += 1
            value = rest[i]
        assert value is not None  # noqa: S101 - both branches above set it
        items.append((name, value))
        i += 1
    return head.lower(), items


_TEXT_HEAD = re.compile(r"\s*[/／]?\s*([A-Za-z][A-Za-z0-9_]{0,31})(?=\s|$)")
_TEXT_OPTION = re.compile(
    r"[ \t]*([A-Za-z_][A-Za-z0-9_\-]{0,31})[ \t]*[=:][ \t]*(\([^()\n]{0,80}\)|\[[^\[\]\n]{0,80}\]|[^\s=:()\[\]]+)(?=\s|$)"
)


def _text_command(line: str) -> tuple[CommandSpec, Arg, int] | None:
    """(spec, its TEXT argument, where the head ends) when the line starts with such a command."""
    m = _TEXT_HEAD.match(line[:80])
    if m is None:
        return None
    spec = find(m.group(1))
    arg = spec.text_arg if spec is not None else None
    return None if spec is None or arg is None else (spec, arg, m.end())


def _tokenize_text(line: str, spec: CommandSpec, text_arg: Arg, pos: int) -> tuple[str, list[tuple[str | None, str]]]:
    """``/explain framework=torch <pasted text>``: leading ``name=value`` options of the command,
    then everything else, unchanged, as the TEXT argument."""
    if len(line) > MAX_TEXT:
        raise InputError("cmd.error.too_long", got=len(line), limit=MAX_TEXT)
    items: list[tuple[str | None, str]] = []
    while len(items) <= MAX_TOKENS:
        m = _TEXT_OPTION.match(line, pos)
        arg = spec.arg(m.group(1)) if m else None
        if m is None or arg is None or arg is text_arg:
            break  # "Model: ..." is the paste, not an option
        items.append((m.group(1).lower(), _normalise(m.group(2))))
        pos = m.end()
    rest = line[pos:].strip("\n\r\t ")
    if rest:
        items.append((text_arg.name, rest))
    return spec.name, items


# --------------------------------------------------------------------------------------------
# Values.  Each parser returns the value or raises _Bad / _TooLarge; binding turns those into
# InputErrors that name the command and show its usage.


class _Bad(Exception):
    pass


class _TooLarge(Exception):
    pass


_DIGITS = re.compile(r"\+?[0-9]+", re.ASCII)
_GROUPED = re.compile(r"\+?[0-9]{1,3}(?:([,_ '])[0-9]{3})(?:\1[0-9]{3})*", re.ASCII)
_UNDERSCORED = re.compile(r"\+?[0-9]+(?:_[0-9]+)+", re.ASCII)
_SCIENTIFIC = re.compile(r"\+?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)e([+-]?[0-9]+)", re.ASCII)
_POWER = re.compile(r"([0-9]+)\s*(?:\*\*|\^)\s*([0-9]+)", re.ASCII)
_NEGATIVE = re.compile(r"-\s*[0-9][0-9,_.e]*", re.ASCII)
_DECIMAL = re.compile(r"\+?[0-9]*\.[0-9]+|\+?[0-9]+\.[0-9]*", re.ASCII)


def _bounded(n: int, lo: int, hi: int) -> int:
    if n > hi and hi == MAX_SIZE:
        raise _TooLarge
    if not lo <= n <= hi:
        raise _Bad
    return n


def parse_int(text: str, lo: int = 1, hi: int = MAX_SIZE) -> int:
    """A whole number typed by a person: ``86400``, ``86,400``, ``86_400``, ``2**16``, ``2^16``,
    ``1e3``, ``1.5e3``.  Raises ``_Bad`` (not a whole number in range) or ``_TooLarge``."""
    t = text.strip().lower()
    if len(t) > MAX_TOKEN_CHARS:
        raise _TooLarge if re.fullmatch(r"[0-9]+", t, re.ASCII) else _Bad
    if _DIGITS.fullmatch(t):
        if len(t.lstrip("+0")) > 13:  # MAX_SIZE has 13 digits
            raise _TooLarge
        return _bounded(int(t), lo, hi)
    if _GROUPED.fullmatch(t) or _UNDERSCORED.fullmatch(t):
        return parse_int(re.sub(r"[,_ ']", "", t), lo, hi)
    m = _POWER.fullmatch(t)
    if m:
        base, exp = int(m.group(1)), int(m.group(2)) if len(m.group(2)) <= 4 else 10**4
        if base <= 1:
            return _bounded(base ** min(exp, 1), lo, hi)
        if exp * math.log10(base) > 13:
            raise _TooLarge
        return _bounded(base**exp, lo, hi)
    m = _SCIENTIFIC.fullmatch(t)
    if m:
        if len(m.group(2).lstrip("+-0")) > _MAX_EXPONENT_DIGITS:
            if m.group(2).startswith("-") or float(m.group(1) or 0) == 0:
                raise _Bad
            raise _TooLarge
        try:
            d = Decimal(t.lstrip("+"))
        except InvalidOperation:
            raise _Bad from None
        if d > MAX_SIZE:
            raise _TooLarge
        if d != d.to_integral_value():
            raise _Bad
        return _bounded(int(d), lo, hi)
    if _NEGATIVE.fullmatch(t) or _DECIMAL.fullmatch(t):
        raise _Bad  # -5, 0.5: say what is accepted
    raise _Bad


_SHAPE_SEP = re.compile(r"\s*[x×*,]\s*")
_UNKNOWN_DIM = ("none", "?", "_")


def parse_shape(text: str, min_rank: int = 1, max_rank: int = MAX_RANK) -> Shape:
    """``256x256x3``, ``256×256×3``, ``(256, 256, 3)``, ``[256, 256, 3]``, ``256,256,3``; ``None``
    or ``?`` for a size that is not known (a variable sequence length)."""
    t = text.strip().lower()
    if len(t) > MAX_TOKEN_CHARS * 2:
        raise _Bad
    if t and t[0] in _OPEN:
        if t[-1:] != _CLOSE[_OPEN.index(t[0])]:
            raise _Bad
        t = t[1:-1].strip()
    t = t.rstrip(",").strip()  # (256,)
    if not t:
        raise _Bad
    parts = _SHAPE_SEP.split(t)
    if not min_rank <= len(parts) <= max_rank:
        raise _Bad
    dims: list[Dim] = []
    for p in parts:
        dims.append(None if p in _UNKNOWN_DIM else parse_int(p))
    return tuple(dims)


def parse_ints(text: str, lo: int = 1, hi: int = MAX_SIZE) -> int | tuple[int, ...]:
    """``3`` → 3; ``3x3`` / ``(3, 3)`` → (3, 3)."""
    t = text.strip()
    try:
        return parse_int(t, lo, hi)
    except _Bad:
        pass
    shape = parse_shape(t, 1, 3)
    if any(d is None for d in shape):
        raise _Bad
    return tuple(_bounded(int(d or 0), lo, hi) for d in shape)


_TRUE = ("true", "yes", "y", "on", "1", "t", "是", "真", "有")
_FALSE = ("false", "no", "n", "off", "0", "f", "否", "假", "无")


def parse_bool(text: str) -> bool:
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise _Bad


def parse_choice(text: str, arg: Arg) -> str:
    t = text.strip().lower().replace("-", "_").removeprefix("/")
    if t in arg.choices:
        return t
    for alias, target in arg.synonyms:
        if t == alias:
            return target
    raise _Bad


_PADDING_WORDS = ("valid", "same", "causal")


def parse_padding(text: str) -> str | int | tuple[int, ...]:
    t = text.strip().lower()
    if t in _PADDING_WORDS:
        return t
    return parse_ints(t, lo=0)


def _convert(arg: Arg, raw: object) -> Any:
    """One raw value (text from a line, or an int/bool from Discord's typed options) → checked value."""
    if isinstance(raw, bool):
        if arg.type is ArgType.BOOL:
            return raw
        raise _Bad
    if isinstance(raw, int):
        if arg.type in (ArgType.INT, ArgType.INTS):
            return _bounded(raw, arg.lo, arg.hi)
        if arg.type is ArgType.PADDING:
            return _bounded(raw, 0, MAX_SIZE)
        if raw.bit_length() > 64:  # not a size of any kind (and str() refuses ints past 4,300 digits)
            raise _TooLarge if arg.type is ArgType.SHAPE and raw > 0 else _Bad
        raw = str(raw)
    if not isinstance(raw, str):
        raise _Bad
    if arg.type is not ArgType.TEXT and len(raw) <= MAX_TOKEN_CHARS * 4:
        raw = _normalise(raw)  # a typed option (Discord's) as a line's words are: NFKC, no invisible characters
    if arg.type is ArgType.INT:
        return parse_int(raw, arg.lo, arg.hi)
    if arg.type is ArgType.INTS:
        return parse_ints(raw, arg.lo, arg.hi)
    if arg.type is ArgType.SHAPE:
        return parse_shape(raw, arg.min_rank, arg.max_rank)
    if arg.type is ArgType.BOOL:
        return parse_bool(raw)
    if arg.type is ArgType.PADDING:
        return parse_padding(raw)
    if arg.type is ArgType.TEXT:
        if not raw.strip() or len(raw) > MAX_TEXT:
            raise _Bad
        return raw
    if arg.type is ArgType.WORD:
        word = raw.strip().lower().removeprefix("/")
        if not _WORD.fullmatch(word):
            raise _Bad
        return word
    value = parse_choice(raw, arg)
    return Framework(value) if arg.name == "framework" else value


def _accepts(arg: Arg, raw: object) -> bool:
    try:
        _convert(arg, raw)
    except (_Bad, _TooLarge):
        return False
    return True


# --------------------------------------------------------------------------------------------
# Binding: tokens (or Discord options) → Invocation.


_WORD = re.compile(r"[a-z][a-z0-9_]{0,31}")
_EXTRA: list[CommandSpec] = []


def register_command(spec: CommandSpec) -> CommandSpec:
    """Add a command defined in another module (``/explain``, ``/suggest`` ...) to the table."""
    if _lookup(spec.name) is not None:
        raise ValueError(f"command /{spec.name} registered twice")
    _EXTRA.append(spec)
    return spec


def commands() -> tuple[CommandSpec, ...]:
    """Every command, the core table first, in the order /help lists them."""
    return (*COMMANDS, *_EXTRA)


def _command_list() -> str:
    return ", ".join(f"/{s.name}" for s in commands())


def _lookup(name: str) -> tuple[CommandSpec, tuple[tuple[str, str], ...]] | None:
    for spec in commands():
        if name == spec.name:
            return spec, ()
        for alias, preset in spec.aliases:
            if name == alias:
                return spec, preset
    return None


def find(name: str) -> CommandSpec | None:
    """The command called ``name`` (or one of its aliases), without the slash."""
    found = _lookup(name.lower().removeprefix("/"))
    return found[0] if found else None


def _error(spec: CommandSpec, key: str, **args: Any) -> InputError:
    return InputError(key, command=f"/{spec.name}", usage=spec.usage, **args)


def _value_error(spec: CommandSpec, arg: Arg, raw: object, exc: Exception) -> InputError:
    shown = _shown_value(raw)
    if isinstance(exc, _TooLarge):
        return _error(spec, "cmd.error.too_large", name=arg.name, value=shown, hi=MAX_SIZE)
    return _error(spec, "cmd.error.value", name=arg.name, value=shown, expected=arg.expected())


def _word_slot(spec: CommandSpec, given: Mapping[str, object], word: str) -> Arg | None:
    """A positional word that does not fit the next slot may still name a choice later on:
    ``/conv 32x32x3 16 3 same``, ``/rnn lstm 32 16 torch``."""
    if not re.fullmatch(r"[a-z][a-z_\-]*", word.lower(), re.ASCII):
        return None
    for a in spec.args:
        if a.name not in given and a.type in (ArgType.CHOICE, ArgType.PADDING) and _accepts(a, word):
            return a
    return None


def _bind(
    spec: CommandSpec, preset: Iterable[tuple[str, str]], items: Sequence[tuple[str | None, object]]
) -> Invocation:
    # In order, as Python binds arguments: a positional value takes the next free slot; a named one
    # its own slot, which must still be free.
    given: dict[str, object] = dict(preset)
    slots = [a for a in spec.args if a.positional]
    for name, raw in items:
        if name is not None:
            arg = spec.arg(name)
            if arg is None:
                options = ", ".join(a.name for a in spec.args)
                raise _error(spec, "cmd.error.unknown_option", value=_show(name), options=options)
            if arg.name in given:
                raise _error(spec, "cmd.error.duplicate", name=arg.name)
            given[arg.name] = raw
            continue
        slot = next((a for a in slots if a.name not in given), None)
        if slot is not None and (slot.required or _accepts(slot, raw)):
            given[slot.name] = raw
            continue
        word = _word_slot(spec, given, raw) if isinstance(raw, str) else None
        if word is not None:
            given[word.name] = raw
        elif slot is not None:
            try:
                _convert(slot, raw)  # fails: say what this slot accepts
            except (_Bad, _TooLarge) as exc:
                raise _value_error(spec, slot, raw, exc) from None
        else:
            raise _error(spec, "cmd.error.too_many", value=_shown_value(raw))
    values: dict[str, Any] = {}
    for arg in spec.args:
        if arg.name not in given:
            if arg.required:
                raise _error(spec, "cmd.error.missing", name=arg.name, help=Message(arg.help))
            values[arg.name] = arg.default
            continue
        raw = given[arg.name]
        try:
            values[arg.name] = _convert(arg, raw)
        except (_Bad, _TooLarge) as exc:
            raise _value_error(spec, arg, raw, exc) from None
    return Invocation(spec, MappingProxyType(values))


def parse(line: str) -> Invocation:
    """A command line → the command and its checked arguments (nothing computed yet)."""
    name, items = tokenize(line)
    found = _lookup(name) if _COMMAND.fullmatch(name) else None
    if found is None:
        raise InputError("cmd.error.unknown", value=_show("/" + name), commands=_command_list())
    spec, preset = found
    return _bind(spec, preset, items)


def invoke(name: str, options: Mapping[str, object]) -> CommandResult:
    """Run a command from typed options, as Discord delivers them:
    ``invoke("dense", {"in_features": 86400, "units": 4})``."""
    found = _lookup(name.lower().removeprefix("/"))
    if found is None:
        raise InputError("cmd.error.unknown", value=_show("/" + name), commands=_command_list())
    spec, preset = found
    inv = _bind(spec, preset, [(k, v) for k, v in options.items() if v is not None])
    return _build(inv)


def run(line: str) -> CommandResult:
    """Run one slash-command line: what ``layerbot ask`` and a typed Discord message both call."""
    return _build(parse(line))


def _build(inv: Invocation) -> CommandResult:
    try:
        return inv.spec.build(inv)
    except LayerbotError as exc:
        if exc.message.key.startswith("cmd.") or inv.spec.text_arg is not None:
            raise  # a command reading pasted text passes the reader's own message on (it names the format)
        # The catalog refused the layer (the input is too small for the kernel, channels do not
        # divide by groups ...): its message says why; add the command's usage.
        raise _error(inv.spec, "cmd.error.layer", detail=exc.message) from exc


# --------------------------------------------------------------------------------------------
# Commands.


def _result(inv: Invocation, layers: Sequence[LayerCalc], **extra: Any) -> CommandResult:
    batch: int = inv.values.get("batch") or 1
    findings: list[Finding] = []
    for layer in layers:
        findings.extend(limit_findings(layer, batch=batch))
    return CommandResult(
        command=inv.spec.name,
        args=inv.values,
        framework=inv.values.get("framework"),
        layers=tuple(layers),
        cost=cost_of(list(layers), batch=batch),
        findings=tuple(findings),
        **extra,
    )


def _dense(inv: Invocation) -> CommandResult:
    n, units, bias = inv["in_features"], inv["units"], inv["bias"]
    if inv["framework"] is Framework.TORCH:
        layer = derive("Linear", Framework.TORCH, {"in_features": n, "out_features": units, "bias": bias}, [(None, n)])
    else:
        layer = derive("Dense", Framework.KERAS, {"units": units, "use_bias": bias}, [(None, n)])
    result = _result(inv, [layer])
    if any(f.code in _LIMIT_CODES for f in result.findings):
        return replace(result, max_units=max_units_under(n, INT32_MAX))
    return result


_LIMIT_CODES = ("limit.int32_elements", "limit.proto_2gb")


def _padding(inv: Invocation, keras_default: str, torch_default: int, *, pool: bool) -> str | int | tuple[int, ...]:
    value = inv["padding"]
    if inv["framework"] is Framework.KERAS:
        if value is None:
            return keras_default
        if not isinstance(value, str):
            raise _error(inv.spec, "cmd.error.keras_padding", value=_show(repr(value)))
        return value
    if value is None or value == "valid":
        return torch_default
    if isinstance(value, str) and pool:
        raise _error(inv.spec, "cmd.error.torch_pool_padding", value=value)
    padding: str | int | tuple[int, ...] = value
    return padding  # an int, a tuple, or "same" (torch accepts padding="same" for stride 1)


def _spatial(inv: Invocation) -> tuple[int, Shape, int | None]:
    """(number of spatial axes, input shape with batch axis, channels)."""
    shape: Shape = inv["input"]
    dims = len(shape) - 1
    channels = shape[-1] if inv["framework"] is Framework.KERAS else shape[0]
    return dims, (None, *shape), channels


def _conv(inv: Invocation) -> CommandResult:
    dims, shape, channels = _spatial(inv)
    if channels is None:
        raise _error(inv.spec, "cmd.error.channels", shape=str(inv["input"]))
    padding = _padding(inv, "valid", 0, pool=False)
    if inv["framework"] is Framework.KERAS:
        config: dict[str, Any] = {
            "filters": inv["filters"],
            "kernel_size": inv["kernel"],
            "strides": inv["stride"],
            "padding": padding,
            "dilation_rate": inv["dilation"],
            "groups": inv["groups"],
            "use_bias": inv["bias"],
        }
        layer = derive(f"Conv{dims}D", Framework.KERAS, config, [shape])
    else:
        config = {
            "in_channels": channels,
            "out_channels": inv["filters"],
            "kernel_size": inv["kernel"],
            "stride": inv["stride"],
            "padding": padding,
            "dilation": inv["dilation"],
            "groups": inv["groups"],
            "bias": inv["bias"],
        }
        layer = derive(f"Conv{dims}d", Framework.TORCH, config, [shape])
    return _result(inv, [layer])


_KERAS_POOL = {"max": "MaxPooling{}D", "avg": "AveragePooling{}D",
               "global_max": "GlobalMaxPooling{}D", "global_avg": "GlobalAveragePooling{}D"}
_TORCH_POOL = {"max": "MaxPool{}d", "avg": "AvgPool{}d",
               "global_max": "AdaptiveMaxPool{}d", "global_avg": "AdaptiveAvgPool{}d"}


def _pool(inv: Invocation) -> CommandResult:
    dims, shape, _ = _spatial(inv)
    kind: str = inv["kind"]
    size = inv["size"]
    stride = inv["stride"] if inv["stride"] is not None else size
    config: dict[str, Any]
    if inv["framework"] is Framework.KERAS:
        name = _KERAS_POOL[kind].format(dims)
        if kind.startswith("global"):
            config = {}
        else:
            config = {"pool_size": size, "strides": stride, "padding": _padding(inv, "valid", 0, pool=True)}
        layer = derive(name, Framework.KERAS, config, [shape])
    else:
        name = _TORCH_POOL[kind].format(dims)
        if kind.startswith("global"):
            config = {"output_size": 1}  # global pooling in PyTorch: an adaptive pool to one cell
        else:
            config = {"kernel_size": size, "stride": stride, "padding": _padding(inv, "valid", 0, pool=True)}
        layer = derive(name, Framework.TORCH, config, [shape])
    return _result(inv, [layer])


_KERAS_RNN = {"simple": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
_TORCH_RNN = {"simple": "RNN", "lstm": "LSTM", "gru": "GRU"}


def _rnn(inv: Invocation) -> CommandResult:
    kind: str = inv["kind"]
    units, features, steps = inv["units"], inv["input_features"], inv["timesteps"]
    shape: Shape = (None, steps, features)
    reset_after = inv["reset_after"]
    if reset_after is not None and (inv["framework"] is Framework.TORCH or kind != "gru"):
        raise _error(inv.spec, "cmd.error.reset_after")
    if inv["framework"] is Framework.TORCH:
        config: dict[str, Any] = {
            "input_size": features,
            "hidden_size": units,
            "num_layers": inv["num_layers"],
            "bias": inv["bias"],
            "batch_first": True,
            "bidirectional": inv["bidirectional"],
        }
        return _result(inv, [derive(_TORCH_RNN[kind], Framework.TORCH, config, [shape])])
    # Keras has no num_layers: a stack is that many layers, each but the last returning sequences.
    layers: list[LayerCalc] = []
    count: int = inv["num_layers"]
    for i in range(count):
        config = {"units": units, "use_bias": inv["bias"],
                  "return_sequences": True if i < count - 1 else inv["return_sequences"]}
        if kind == "gru":
            config["reset_after"] = True if reset_after is None else reset_after
        if inv["bidirectional"]:
            layer = derive("Bidirectional", Framework.KERAS,
                           {"layer": {"type": _KERAS_RNN[kind], **config}, "merge_mode": "concat"}, [shape])
        else:
            layer = derive(_KERAS_RNN[kind], Framework.KERAS, config, [shape])
        layers.append(layer)
        out = layer.output
        shape = out if isinstance(out, tuple) else shape
    return _result(inv, layers)


def _embedding(inv: Invocation) -> CommandResult:
    vocab, dim, seq = inv["vocab"], inv["dim"], inv["seq_len"]
    if inv["framework"] is Framework.TORCH:
        layer = derive("Embedding", Framework.TORCH, {"num_embeddings": vocab, "embedding_dim": dim}, [(None, seq)])
    else:
        layer = derive("Embedding", Framework.KERAS, {"input_dim": vocab, "output_dim": dim}, [(None, seq)])
    return _result(inv, [layer])


def _attention(inv: Invocation) -> CommandResult:
    heads, key_dim, d_model, seq = inv["heads"], inv["key_dim"], inv["d_model"], inv["seq_len"]
    shape: Shape = (None, seq, d_model)
    if inv["framework"] is Framework.TORCH:
        # torch.nn.MultiheadAttention splits embed_dim across the heads: head_dim = embed_dim // num_heads.
        if d_model % heads:
            raise _error(inv.spec, "cmd.error.heads_divide", d_model=d_model, heads=heads)
        if key_dim != d_model // heads:
            raise _error(inv.spec, "cmd.error.head_dim", d_model=d_model, heads=heads,
                         expected=d_model // heads, key_dim=key_dim)
        config: dict[str, Any] = {"embed_dim": d_model, "num_heads": heads, "bias": inv["bias"], "batch_first": True}
        layer = derive("MultiheadAttention", Framework.TORCH, config, [shape, shape, shape])
    else:
        config = {"num_heads": heads, "key_dim": key_dim, "use_bias": inv["bias"]}
        layer = derive("MultiHeadAttention", Framework.KERAS, config, [shape, shape])  # query, value (self-attention)
    return _result(inv, [layer])


def _help(inv: Invocation) -> CommandResult:
    name = inv["command"]
    if name is None:
        return CommandResult(command="help", args=inv.values, help=commands())
    spec = find(name)
    if spec is None:
        raise InputError("cmd.error.unknown", value=_show("/" + name), commands=_command_list())
    return CommandResult(command="help", args=inv.values, help=(spec,))


# --------------------------------------------------------------------------------------------
# The table.

_FRAMEWORK = Arg("framework", ArgType.CHOICE, "arg.framework", default=Framework.KERAS, choices=("keras", "torch"),
                 synonyms=(("pytorch", "torch"), ("pt", "torch"), ("tf", "keras"), ("tensorflow", "keras"),
                           ("tf.keras", "keras"), ("k", "keras")),
                 positional=False, names=("fw",))
_BATCH = Arg("batch", ArgType.INT, "arg.batch", default=1, positional=False, names=("batch_size",))
_BIAS = Arg("bias", ArgType.BOOL, "arg.bias", default=True, names=("use_bias",))
_BIAS_NAMED = replace(_BIAS, positional=False)


def _arg(command: str, name: str, type_: ArgType, **kw: Any) -> Arg:
    return Arg(name, type_, f"arg.{command}.{name}", **kw)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "dense", "cmd.help.dense",
        (
            _arg("dense", "in_features", ArgType.INT, required=True, names=("n_in", "inputs", "input", "in")),
            _arg("dense", "units", ArgType.INT, required=True, names=("out_features", "outputs", "out")),
            _BIAS, _FRAMEWORK, _BATCH,
        ),
        "/dense 86400 4", _dense,
        aliases=(("linear", (("framework", "torch"),)),),
    ),
    CommandSpec(
        "conv", "cmd.help.conv",
        (
            _arg("conv", "input", ArgType.SHAPE, required=True, min_rank=2, max_rank=4, names=("shape", "input_shape")),
            _arg("conv", "filters", ArgType.INT, required=True, names=("out_channels",)),
            _arg("conv", "kernel", ArgType.INTS, required=True, names=("kernel_size", "k")),
            _arg("conv", "stride", ArgType.INTS, default=1, names=("strides",)),
            _arg("conv", "padding", ArgType.PADDING),
            _arg("conv", "dilation", ArgType.INTS, default=1, names=("dilation_rate",)),
            _arg("conv", "groups", ArgType.INT, default=1),
            _BIAS, _FRAMEWORK, _BATCH,
        ),
        "/conv 256x256x3 32 3", _conv,
    ),
    CommandSpec(
        "pool", "cmd.help.pool",
        (
            _arg("pool", "input", ArgType.SHAPE, required=True, min_rank=2, max_rank=4, names=("shape", "input_shape")),
            _arg("pool", "kind", ArgType.CHOICE, default="max", choices=("max", "avg", "global_max", "global_avg"),
                 synonyms=(("average", "avg"), ("mean", "avg"), ("globalmax", "global_max"),
                           ("globalavg", "global_avg"), ("gap", "global_avg"), ("gmp", "global_max"))),
            _arg("pool", "size", ArgType.INTS, default=2, names=("pool_size", "kernel_size", "kernel")),
            _arg("pool", "stride", ArgType.INTS, names=("strides",)),
            _arg("pool", "padding", ArgType.PADDING),
            _FRAMEWORK, _BATCH,
        ),
        "/pool 32x32x16 max 2", _pool,
        aliases=(("maxpool", (("kind", "max"),)), ("avgpool", (("kind", "avg"),))),
    ),
    CommandSpec(
        "rnn", "cmd.help.rnn",
        (
            _arg("rnn", "kind", ArgType.CHOICE, required=True, choices=("simple", "lstm", "gru"),
                 synonyms=(("simplernn", "simple"), ("rnn", "simple"), ("vanilla", "simple"))),
            _arg("rnn", "units", ArgType.INT, required=True, names=("hidden_size", "hidden")),
            _arg("rnn", "input_features", ArgType.INT, required=True, names=("input_size", "features", "n_in")),
            _arg("rnn", "timesteps", ArgType.INT, names=("seq_len", "steps")),
            _FRAMEWORK,
            _arg("rnn", "bidirectional", ArgType.BOOL, default=False, positional=False, names=("bidir",)),
            _arg("rnn", "num_layers", ArgType.INT, default=1, hi=1_000, positional=False, names=("layers",)),
            _arg("rnn", "reset_after", ArgType.BOOL, positional=False),
            _arg("rnn", "return_sequences", ArgType.BOOL, default=False, positional=False),
            _BIAS_NAMED,
            _BATCH,
        ),
        "/rnn lstm 32 16", _rnn,
        aliases=(("lstm", (("kind", "lstm"),)), ("gru", (("kind", "gru"),)), ("simplernn", (("kind", "simple"),))),
    ),
    CommandSpec(
        "embedding", "cmd.help.embedding",
        (
            _arg("embedding", "vocab", ArgType.INT, required=True, names=("input_dim", "num_embeddings")),
            _arg("embedding", "dim", ArgType.INT, required=True, names=("output_dim", "embedding_dim")),
            _arg("embedding", "seq_len", ArgType.INT, names=("timesteps", "length")),
            _FRAMEWORK, _BATCH,
        ),
        "/embedding 20000 128 100", _embedding,
        aliases=(("embed", ()), ("emb", ())),
    ),
    CommandSpec(
        "attention", "cmd.help.attention",
        (
            _arg("attention", "heads", ArgType.INT, required=True, names=("num_heads",)),
            _arg("attention", "key_dim", ArgType.INT, required=True, names=("head_dim",)),
            _arg("attention", "d_model", ArgType.INT, required=True, names=("embed_dim", "width")),
            _arg("attention", "seq_len", ArgType.INT, names=("timesteps", "length")),
            _FRAMEWORK,
            _BIAS_NAMED,
            _BATCH,
        ),
        "/attention 8 64 512 128", _attention,
        aliases=(("mha", ()),),
    ),
    CommandSpec(
        "help", "cmd.help.help",
        (_arg("help", "command", ArgType.WORD),),
        "/help conv", _help,
    ),
)


# Commands defined in other modules register themselves on import; importing them here keeps the
# table complete for every front end.
import calc.commands_explain  # noqa: E402, F401 - registers /explain (it imports this module)
from calc import commands_advice  # noqa: E402, F401 - registers /suggest and /whatif (it imports this module)
