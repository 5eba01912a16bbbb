"""Fuzzing layerbot's readers and its command router: the targets, the input strategies and the check
each input gets, shared by ``tests/test_fuzz.py`` (a modest budget in the suite) and ``python -m
bench.fuzz`` (a long run).

The property, for every target and every input:

* the call returns, or raises a :class:`calc.errors.LayerbotError` whose message renders in every
  locale; any other exception (IndexError, ValueError, RecursionError ...) is a bug, and so is a warning
  (it would be printed in production, and be an error where warnings are errors, as in the suite);
* the call takes at most :data:`LIMIT_S` seconds of CPU time (CPU, not wall-clock, time: the machine
  is shared, and a call waiting for a core is not slow; garbage collections that run during the call
  are not counted either: a full collection walks every object the process holds, hypothesis's
  records of earlier examples included, and is reported apart).  A call still running after
  :data:`HARD_LIMIT_S` seconds of wall-clock time is stopped and counted as a failure, so that one
  catastrophic regex cannot hang the run.

Targets (:data:`TARGETS`): ``clean``; every format's ``detect`` and ``parse``; ``parse_text`` (detected
and forced formats), ``detect_format``; ``explain`` (with options) and ``explain+render`` (the report
as the terminal text in English and Chinese, and as JSON); the router: ``run`` (a command line) and
``ask`` (``run`` then the answer rendered as ``layerbot ask`` prints it), ``invoke`` (Discord's typed
options) and ``/whatif``.

Inputs: (a) random text — any Unicode, table-ish characters, soups of format fragments; (b) the real
summaries of ``tests/fixtures/corpus`` and ``bench/fixtures`` with hostile edits
(:func:`tests.parse.damage.damaged` with :data:`~tests.parse.damage.HOSTILE`); (c) numbers and shapes at
the limits — small real pastes with their numbers replaced, layer lists, Keras code, torch reprs and
command lines built from limit values.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import re
import signal
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bot.render.json import dumps, result_document
from bot.render.report_json import dumps as report_dumps
from bot.render.report_text import render_report
from bot.render.text import render_error, render_text
from calc.commands import ArgType, CommandSpec, commands, invoke, run
from calc.errors import LayerbotError
from calc.explain import explain
from calc.i18n import LOCALES
from calc.model import Format
from calc.parse import FORMATS, detect_format, parse_text
from calc.parse.text import clean
from tests.parse.damage import HOSTILE, LIMIT_NUMBERS, ODD_CHARACTERS, damaged

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
SOURCES: tuple[Path, ...] = (
    *sorted(CORPUS.glob("*.txt")),
    *sorted((ROOT / "bench" / "fixtures").glob("*.txt")),
    ROOT / "tests" / "fixtures" / "seed_summary.txt",
    ROOT / "tests" / "fixtures" / "seed_question.txt",
)
"""Every real paste: the corpus summaries, tables and reprs, the bench fixtures and the seed question."""

SMALL_SOURCES: tuple[Path, ...] = tuple(p for p in SOURCES if p.stat().st_size <= 4_000)
"""The short ones, whose every number can be replaced."""

LIMIT_S = 1.0
"""Most CPU time one call may take."""

HARD_LIMIT_S = 20.0
"""Wall-clock time after which a call is interrupted (and fails)."""

PROFILE = "layerbot-fuzz"
"""The suite's settings profile: a modest budget (the whole fuzz module runs in well under a minute)."""

settings.register_profile(
    PROFILE,
    max_examples=60,
    deadline=None,  # the check times each call itself, in CPU time
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


def profile(max_examples: int | None = None) -> settings:
    """The fuzz profile, with another example count for a test that needs more or fewer."""
    base = settings.get_profile(PROFILE)
    return base if max_examples is None else settings(base, max_examples=max_examples)


# ---------------------------------------------------------------------------------------------
# Targets.


def _module(fmt: Format) -> Any:
    return importlib.import_module(f"calc.parse.{fmt.value}")


def _detect(fmt: Format) -> Callable[[str], object]:
    return lambda text: _module(fmt).detect(clean(text))


def _parse(fmt: Format) -> Callable[[str], object]:
    return lambda text: _module(fmt).parse(clean(text))


def _explain_and_render(text: str) -> object:
    report = explain(text)
    for lang in LOCALES:
        render_report(report, lang)
    return report_dumps(report)


def _explain_and_text(text: str) -> object:
    """A chat answer: the paste explained and its text in every language."""
    report = explain(text)
    return [list(render_report(report, lang)) for lang in LOCALES]


def _ask(line: str) -> object:
    """What ``layerbot ask`` does: run the line, print the answer (or the error) in every language and as JSON."""
    try:
        result = run(line)
    except LayerbotError as exc:
        for lang in LOCALES:
            render_error(exc, lang)
        raise
    for lang in LOCALES:
        render_text(result, lang)
    return dumps(result_document(result))


def _explain_with(text: str, options: Mapping[str, Any]) -> object:
    return explain(text, **options)


def _whatif(change: str, text: str) -> object:
    return run(f"/whatif {change}\n{text}")


TEXT_TARGETS: dict[str, Callable[[str], object]] = {
    "clean": clean,
    **{f"{fmt.value}.detect": _detect(fmt) for fmt in FORMATS},
    **{f"{fmt.value}.parse": _parse(fmt) for fmt in FORMATS},
    "parse_text": parse_text,
    "detect_format": detect_format,
    "explain": explain,
    "explain+render": _explain_and_render,
    "run /explain": lambda text: run(f"/explain {text}"),
}
"""The targets that take one pasted text."""

TARGETS: dict[str, Callable[..., object]] = {
    **TEXT_TARGETS,
    "explain+text": _explain_and_text,
    "parse_text format=": lambda text, fmt: parse_text(text, format=fmt),
    "explain options": _explain_with,
    "run": run,
    "ask": _ask,
    "invoke": invoke,
    "/whatif": _whatif,
}
"""Every target, by name: a :class:`Case` names one and carries its arguments."""


@dataclass(frozen=True)
class Case:
    """One input: the target's name and the arguments it is called with."""

    target: str
    args: tuple[Any, ...]

    def preview(self, limit: int = 300) -> str:
        """The input in a line or so: what a failure message shows (the full input is in ``args``)."""
        shown = ", ".join(_preview(a, limit) for a in self.args)
        return f"{self.target}({shown})"


def _preview(value: object, limit: int) -> str:
    if isinstance(value, int) and value.bit_length() > 10_000:  # repr() refuses ints of over 4,300 digits
        return f"<int of {value.bit_length():,} bits>"
    text = repr(value) if not isinstance(value, dict) else "{" + ", ".join(
        f"{_preview(k, limit)}: {_preview(v, limit)}" for k, v in value.items()) + "}"
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]} … {text[-limit // 4 :]} ({len(text):,} characters)"


# ---------------------------------------------------------------------------------------------
# The check.


@dataclass(frozen=True)
class Outcome:
    """What one call did: its CPU and wall-clock time, and the failure (None when it behaved)."""

    case: Case
    cpu_s: float  # CPU time of the call, garbage collections excluded
    wall_s: float
    failure: str | None = None
    answered: bool = False  # returned a result (rather than a LayerbotError)
    gc_s: float = 0.0  # CPU time of the garbage collections that ran during the call

    @property
    def ok(self) -> bool:
        return self.failure is None

    def describe(self) -> str:
        return (f"{self.case.preview()}: {self.failure} (CPU {self.cpu_s:.3f} s, wall {self.wall_s:.3f} s, "
                f"garbage collection {self.gc_s:.3f} s)")


class _GcClock:
    """CPU time spent in garbage collections while installed.  A full collection walks every object
    the process holds (hypothesis's own records included): its time belongs to no single call."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start: float | None = None

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.thread_time()
        elif self._start is not None:
            self.total += time.thread_time() - self._start
            self._start = None

    def __enter__(self) -> _GcClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


class _Interrupted(BaseException):
    """Raised in a call that ran past HARD_LIMIT_S (a BaseException, so that no `except Exception` eats it)."""


@contextlib.contextmanager
def hard_limit(seconds: float) -> Iterator[None]:
    """Interrupt the body after ``seconds`` of wall-clock time, with an exception no ``except
    Exception`` catches (main thread only; elsewhere, no limit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        # Raised again every 0.5 s until the body has stopped: code that swallows exceptions (a gc
        # callback, an `except BaseException`) may eat one.
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        raise _Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _short_traceback(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    where = " ← ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
    message = str(exc)
    if len(message) > 200:
        message = message[:200] + "…"
    return f"{type(exc).__name__}: {message} [{where}]"


def check(case: Case) -> Outcome:
    """Call the case's target once; see the module docstring for what counts as a failure."""
    fn = TARGETS[case.target]
    with _GcClock() as gc_clock:
        wall0, cpu0 = time.perf_counter(), time.thread_time()
        failure, answered = _call(fn, case.args)
        cpu, wall = time.thread_time() - cpu0 - gc_clock.total, time.perf_counter() - wall0
    if failure is None and cpu > LIMIT_S:
        failure = f"took {cpu:.2f} s of CPU time (limit {LIMIT_S:.1f} s)"
    return Outcome(case, cpu, wall, failure, answered, gc_clock.total)


def _call(fn: Callable[..., object], args: tuple[Any, ...]) -> tuple[str | None, bool]:
    """(the failure or None, whether the call returned a result)."""
    failure: str | None = None
    answered = False
    warned: list[warnings.WarningMessage] = []
    try:
        with hard_limit(HARD_LIMIT_S), warnings.catch_warnings(record=True) as recorded:
            warnings.simplefilter("always")  # a warning is printed in production: the input should not cause one
            warned = recorded
            fn(*args)
        answered = True
    except LayerbotError as exc:
        try:
            for lang in LOCALES:
                exc.message.render(lang)
        except Exception as render_exc:  # noqa: BLE001 - any failure to render is the finding
            failure = f"the error message does not render: {_short_traceback(render_exc)}"
    except _Interrupted:
        failure = f"still running after {HARD_LIMIT_S:.0f} s: interrupted"
    except Exception as exc:  # noqa: BLE001 - anything but a LayerbotError escaping (RecursionError too) is the finding
        failure = _short_traceback(exc)
    if failure is None and warned:
        failure = f"warned {warned[0].category.__name__}: {warned[0].message}"
    return failure, answered


def warm_up() -> None:
    """Import every parser and build the catalog's templates once, so that no case pays for it."""
    for fmt in FORMATS:
        _module(fmt)
    for line in ("/dense 86400 4", "/conv 32x32x3 16 3", "/rnn lstm 4 4", "/attention 2 4 8", "/suggest 86400 4",
                 "/help", "/explain 32x32x3 conv16k3 flatten dense10", "/whatif flatten -> gap\n32x32x3 conv8k3 "
                 "flatten dense10"):
        _ask(line)
    for path in SMALL_SOURCES[:40]:
        with contextlib.suppress(LayerbotError):
            _explain_and_render(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# (a) Random text.

TABLE_ALPHABET = (
    "0123456789 \n()[]{},:=-_.'\"#/*x×abcdefghijklmnopqrstuvwxyzDLNSTCRMBG"
    "│┃━┡╇┩└┴┘┏┳┓─├┬═╞╡┌┐\t\u200b\u202e²０"
)
"""Characters pastes are made of (and a few invisible ones)."""

FRAGMENTS = (
    'Model: "sequential"', "Layer (type)", "Output Shape", "Param #", "Connected to", "Layer (type:depth-idx)",
    "Total params:", "Trainable params:", "Non-trainable params:", "Optimizer params:", "Input size (MB):",
    "=" * 65, "_" * 65, "━" * 30, "─" * 30, "┏", "┃", "┡", "╇", "┩", "│", "└", "┴", "├─", "│    └─", "├─Linear: 1-1",
    "Linear-1", "Conv2d-2", "[-1, 4]", "[1, 3, 224, 224]", "(None, 4)", "(None, 254, 254, 32)", "multiple",
    "dense_2 (Dense)", "conv2d (Conv2D)", "(InputLayer)", "input_1[0][0]", "['dense[0][0]']",
    "Sequential(", ")", "(0):", "(fc):", "(0-11): 12 x", "Linear(in_features=86400, out_features=4, bias=True)",
    "Conv2d(3, 32, kernel_size=(3, 3), stride=(1, 1), padding=same)", "BatchNorm2d(32, eps=1e-05, momentum=0.1)",
    "LSTM(16, 32, num_layers=2, batch_first=True, bidirectional=True)", "ModuleList(",
    "model = Sequential()", "model.add(", "Dense(512, activation='relu')", "Conv2D(32, (3, 3), input_shape=(256, 256, 3))",
    "Sequential([", "])", "layers.", "keras.", "Input(shape=(", "x = ", "(x)", "def f(x):", "for i in range(3):",
    "784", "256x256x3", "torch", "conv32k3", "pool2", "flatten", "gap", "dense512", "dense4", "*3", "lstm32",
    "embed1000x64", "bn", "dropout0.5", "same", "s2",
    "mat1 and mat2 shapes cannot be multiplied (64x1568 and 1600x10)", "rng_mrg cpu-implementation does not support",
    "(2**31 -1) samples", "OOM when allocating tensor with shape[", "CUDA out of memory.", "expected axis -1",
    "```", "```python", "> ", "\n", "  ", "\t", ",", "(", "[", "{", "}", "]",
)  # fmt: skip
"""Pieces of every format, for token soups that look almost like a paste."""

_NUMBERS = st.one_of(st.sampled_from(LIMIT_NUMBERS), st.integers(-(2**70), 2**70).map(str))

random_text = st.one_of(
    st.text(max_size=2_000),
    st.text(alphabet=TABLE_ALPHABET, max_size=4_000),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), _NUMBERS, st.sampled_from(ODD_CHARACTERS), st.text(max_size=8)),
             max_size=300).flatmap(lambda parts: st.sampled_from([" ", "\n", "  ", "", " │ "]).map(lambda s: s.join(parts))),
)  # fmt: skip
"""(a) Random text: any Unicode, table-ish characters, and soups of format fragments and odd numbers."""


# ---------------------------------------------------------------------------------------------
# (b) Real summaries with hostile edits.

damaged_paste = damaged(SOURCES, ops=HOSTILE, max_edits=8)
"""(b) A real paste with up to eight everyday or hostile edits."""


# ---------------------------------------------------------------------------------------------
# (c) Numbers and shapes at the limits.

_NUMBER = re.compile(r"\d+")


@st.composite
def numbers_replaced(draw: st.DrawFn) -> str:
    """A short real paste with some or all of its numbers replaced by limit values."""
    text = draw(st.sampled_from(SMALL_SOURCES)).read_text(encoding="utf-8")
    spans = [m.span() for m in _NUMBER.finditer(text)]
    if not spans:
        return text
    chosen = draw(st.lists(st.integers(0, len(spans) - 1), min_size=1, max_size=len(spans), unique=True))
    out, at = [], 0
    for i in sorted(chosen):
        start, end = spans[i]
        out += [text[at:start], draw(_NUMBERS)]
        at = end
    out.append(text[at:])
    return "".join(out)


def _shape(draw: st.DrawFn, numbers: st.SearchStrategy[str] = _NUMBERS) -> str:
    """A shape of 0 to 12 sizes, written any of the ways people write one."""
    dims = draw(st.lists(numbers, min_size=0, max_size=12))
    style = draw(st.sampled_from(["x", "(,)", "[,]", ",", "×"]))
    if style in ("x", "×"):
        return style.join(dims)
    if style == ",":
        return ",".join(dims)
    return style[0] + ", ".join(dims) + style[2]


@st.composite
def shape_texts(draw: st.DrawFn) -> str:
    """A shape whose sizes are limit values: ``0x10**100x3``, ``(None, -1)``, ``[]``, twelve axes ..."""
    return _shape(draw)


_LIST_TOKENS = ("conv{n}k{n}", "conv{n}k{n}x{n}", "conv{n}k{n}s{n}", "conv{n}k{n}d{n}g{n}", "deconv{n}k{n}",
                "sepconv{n}k{n}", "dwconv{n}", "pool{n}", "avgpool{n}s{n}", "dense{n}", "fc{n}", "lstm{n}", "gru{n}",
                "bilstm{n}", "embed{n}x{n}", "upsample{n}", "zeropad{n}", "dropout{n}", "dense{n}*{n}", "bn", "ln",
                "flatten", "gap", "gmp", "relu", "same", "valid", "p{n}", "torch", "conv{n}k{n}same*{n}")


@st.composite
def layer_lists(draw: st.DrawFn) -> str:
    """A layer list whose sizes, kernels, strides and repeats are limit values."""
    small = st.one_of(st.integers(0, 5).map(str), _NUMBERS)
    tokens = [draw(st.sampled_from(_LIST_TOKENS)) for _ in range(draw(st.integers(0, 12)))]
    body = " ".join(re.sub(r"\{n\}", lambda _: draw(small), t) for t in tokens)
    return f"{_shape(draw, small)} {body}"


_CODE_LINES = (
    "model.add(Dense({n}, input_shape=({shape})))", "model.add(Conv2D({n}, ({n}, {n}), strides={n}, padding='same'))",
    "model.add(Conv2D({n}, {n}, input_shape=({shape})))", "model.add(MaxPooling2D(pool_size=({n}, {n})))",
    "model.add(Embedding({n}, {n}, input_length={n}))", "model.add(LSTM({n}, return_sequences=True))",
    "model.add(Reshape(({shape})))", "model.add(Flatten())", "model.add(Dense({n}))", "model.add(Dropout({n}))",
    "x = layers.Dense({n})(x)", "inputs = keras.Input(shape=({shape}))", "x = layers.Conv1D({n}, {n})(inputs)",
    "for i in range({n}):\n    model.add(Dense({n}))", "n = {n} ** {n}", "model.add(Dense(n * {n}))",
    "model.add(Dense({n} << {n}))", "model.add(Dense(-{n}))", "model.add(Dense(int('{n}')))",
    "model.add(Dense(units=[{n}] * {n}))",
)  # fmt: skip


@st.composite
def keras_code(draw: st.DrawFn) -> str:
    """Keras model code whose sizes are limit values (read with ast, never run)."""
    lines = ["from keras.models import Sequential", "from keras.layers import *", "model = Sequential()"]
    for _ in range(draw(st.integers(1, 8))):
        template = draw(st.sampled_from(_CODE_LINES))
        lines.append(re.sub(r"\{(n|shape)\}", lambda m: draw(_NUMBERS) if m.group(1) == "n" else _shape(draw), template))
    return "\n".join(lines)


_REPR_LINES = (
    "Linear(in_features={n}, out_features={n}, bias=True)", "Conv2d({n}, {n}, kernel_size=({n}, {n}), stride=({n}, {n}), "
    "padding=({n}, {n}), dilation=({n}, {n}), groups={n})", "BatchNorm2d({n}, eps=1e-05, momentum=0.1, affine=True)",
    "Embedding({n}, {n})", "LSTM({n}, {n}, num_layers={n}, bidirectional=True)", "MaxPool2d(kernel_size={n}, stride={n})",
    "MultiheadAttention(embed_dim={n}, num_heads={n})", "LayerNorm(({n},), eps=1e-05)", "Flatten(start_dim={n})",
    "ConvTranspose2d({n}, {n}, kernel_size=({n}, {n}), output_padding=({n}, {n}))", "GroupNorm({n}, {n})",
)  # fmt: skip


@st.composite
def torch_reprs(draw: st.DrawFn) -> str:
    """A print(model) whose sizes and repeat counts (``(0-11): 12 x``) are limit values."""
    lines = ["Net("]
    for i in range(draw(st.integers(1, 8))):
        body = re.sub(r"\{n\}", lambda _: draw(_NUMBERS), draw(st.sampled_from(_REPR_LINES)))
        if draw(st.booleans()):
            lines.append(f"  ({i}): {body}")
        else:
            count = draw(_NUMBERS)
            lines.append(f"  ({i}-{count}): {count} x {body}")
    lines.append(")")
    return "\n".join(lines)


limit_paste = st.one_of(numbers_replaced(), layer_lists(), keras_code(), torch_reprs())
"""(c) A paste whose numbers and shapes are at the limits."""

any_paste = st.one_of(random_text, damaged_paste, limit_paste)


# ---------------------------------------------------------------------------------------------
# The router: command lines and typed options.

_WORDS = ("same", "valid", "causal", "max", "avg", "global_max", "global_avg", "lstm", "gru", "simple", "keras",
          "torch", "true", "false", "yes", "no", "float16", "int4", "conv", "dense", "@everyone", "<@&123>", "'); DROP "
          "TABLE queries; --", "**bold**", "None", "?", "", " ", "=", ":")  # fmt: skip


def _value(arg_type: ArgType, choices: tuple[str, ...]) -> st.SearchStrategy[str]:
    words = st.sampled_from(_WORDS + choices)
    if arg_type in (ArgType.INT, ArgType.INTS):
        return st.one_of(_NUMBERS, shape_texts(), words)
    if arg_type is ArgType.SHAPE:
        return st.one_of(shape_texts(), _NUMBERS, words)
    if arg_type is ArgType.PADDING:
        return st.one_of(words, _NUMBERS, shape_texts())
    return st.one_of(words, st.text(max_size=20), _NUMBERS)


@st.composite
def command_lines(draw: st.DrawFn) -> str:
    """A command line for a random command: its options (positional or named, any separator) are limit
    numbers, odd shapes, words, mentions or junk; a command that takes a paste gets one."""
    spec: CommandSpec = draw(st.sampled_from(commands()))
    head = draw(st.sampled_from([spec.name, *(alias for alias, _ in spec.aliases)]))
    parts = [draw(st.sampled_from(["/", "", "／", " / "])) + head]
    text_args = [a for a in spec.args if a.type is ArgType.TEXT]
    for arg in draw(st.permutations([a for a in spec.args if a.type is not ArgType.TEXT])):
        if draw(st.integers(0, 3)) == 0:
            continue
        value = draw(_value(arg.type, arg.choices))
        if arg.positional and draw(st.booleans()):
            parts.append(value)
        else:
            parts.append(f"{draw(st.sampled_from([arg.name, *arg.names]))}{draw(st.sampled_from(['=', ':', ' = ', ': ']))}{value}")
    if draw(st.integers(0, 5)) == 0:
        parts.append(draw(st.text(max_size=30)))
    line = " ".join(parts)
    if text_args:
        change = ""
        if spec.name == "whatif" and draw(st.booleans()):
            change = draw(whatif_changes) + "\n"
        line += " " + change + draw(st.one_of(limit_paste, damaged(SMALL_SOURCES, ops=HOSTILE)))
    return line


_PY_VALUES = st.one_of(
    st.integers(-(2**70), 2**70), st.sampled_from([0, -1, 1, 2**31, 2**63, 10**12, 10**12 + 1, 10**100, 10**5000]),
    st.booleans(), st.none(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(LIMIT_NUMBERS + _WORDS),
)  # fmt: skip


@st.composite
def invocations(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    """A command name and typed options as Discord delivers them (ints, floats, bools, strings), at the limits."""
    spec: CommandSpec = draw(st.sampled_from(commands()))
    options: dict[str, object] = {}
    for arg in spec.args:
        if draw(st.integers(0, 3)) == 0:
            continue
        if arg.type is ArgType.TEXT:
            options[arg.name] = draw(st.one_of(limit_paste, st.text(max_size=50)))
        else:
            options[arg.name] = draw(st.one_of(_PY_VALUES, _value(arg.type, arg.choices)))
    if draw(st.integers(0, 5)) == 0:
        options[draw(st.text(max_size=10))] = draw(_PY_VALUES)
    name = draw(st.one_of(st.just(spec.name), st.text(max_size=12)))
    return name, options


whatif_changes = st.one_of(
    st.sampled_from(["flatten -> gap", "flatten → gmp", "dense_1 units=128", "input 128x128x3", "add pool 2",
                     "remove dropout", "dense_2 units=" + "9" * 5000, "input " + "9" * 5000 + "x3",
                     "conv2d filters=10**100", "add dense 10**100", "input 0x0x0", "(" * 5000, "dense units=-1"]),
    st.lists(st.sampled_from(FRAGMENTS + LIMIT_NUMBERS + ("->", "=", "units", "filters", "kernel_size", "input",
                                                          "add", "remove", "pool", ";", ",")),
             max_size=12).map(" ".join),
)  # fmt: skip
"""A /whatif change: the documented ones, limit values, and soups of their words."""

_EXPLAIN_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "format": st.one_of(st.sampled_from([f.value for f in Format]), st.text(max_size=12)),
        "framework": st.one_of(st.sampled_from(["keras", "torch", "pytorch", "tf.keras"]), st.text(max_size=12)),
        "input_shape": st.one_of(shape_texts(), st.text(max_size=20)),
    },
)


def router_case() -> st.SearchStrategy[Case]:
    """A case for the router: a command line (run / ask), typed options (invoke) or a /whatif."""
    return st.one_of(
        st.builds(lambda target, line: Case(target, (line,)), st.sampled_from(["run", "ask"]), command_lines()),
        invocations().map(lambda inv: Case("invoke", inv)),
        st.builds(lambda change, text: Case("/whatif", (change, text)), whatif_changes,
                  st.one_of(damaged(SMALL_SOURCES, ops=HOSTILE), limit_paste)),
    )


def text_case(texts: st.SearchStrategy[str]) -> st.SearchStrategy[Case]:
    """A one-text target, parse_text with a forced format, or explain with options, on ``texts``
    (each target equally likely)."""
    forced = st.one_of(st.sampled_from(list(Format)), st.text(max_size=10))

    def args(target: str) -> st.SearchStrategy[tuple[Any, ...]]:
        if target == "parse_text format=":
            return st.tuples(texts, forced)
        if target == "explain options":
            return st.tuples(texts, _EXPLAIN_OPTIONS)
        return st.tuples(texts)

    names = [*sorted(TEXT_TARGETS), "parse_text format=", "explain options"]
    return st.sampled_from(names).flatmap(lambda target: args(target).map(lambda a: Case(target, a)))


def any_case() -> st.SearchStrategy[Case]:
    """Every kind of case: what the long run draws from."""
    return st.one_of(text_case(random_text), text_case(damaged_paste), text_case(limit_paste), router_case())


__all__ = [
    "HARD_LIMIT_S",
    "LIMIT_S",
    "PROFILE",
    "SOURCES",
    "TARGETS",
    "Case",
    "Outcome",
    "any_case",
    "check",
    "damaged_paste",
    "hard_limit",
    "limit_paste",
    "profile",
    "random_text",
    "router_case",
    "text_case",
    "warm_up",
]
