"""Solving hidden hyperparameters from what a summary reports.

A summary row says ``conv2d_4 (Conv2D)  (None, 254, 254, 32)  896`` and nothing else.  To explain
896 layerbot needs the kernel size and the input channels, so it *solves* them: a per-kind
generator proposes configurations, most plausible first (the framework's defaults, odd square
kernels, the channels of the previous layer), built from bounded integer arithmetic on the
reported count and shapes; :mod:`calc.derive` runs them through the catalog and keeps the first
that reproduces every reported number.

The contract of a generator:

* It sees only an :class:`Evidence`: integers and shapes a parser already read, never free text.
* It yields :class:`Candidate` configurations, the most plausible first, and says for each which
  keys it *solved from the count* (``inferred``: the row's status becomes "inferred"), which it
  *solved from the shapes* (``shaped``), and which it had to pick although nothing tells them apart
  (``undetermined``: GroupNormalization's groups, MultiHeadAttention's heads × key_dim split, the
  left/right split of a padding) — these never change the count.
* It solves the arithmetic itself, so that the candidate reproducing the reported numbers comes
  first and the engine derives (through the catalog, which is the slow part) one or two
  candidates per layer, not hundreds.  ``Candidate.params`` is the count the generator expects;
  the engine skips deriving a candidate whose expected count differs from the reported one until
  it needs a fallback.
* Every enumeration is bounded (:data:`MAX_CANDIDATES` per layer; small ranges of strides,
  dilations, channels and kernel sizes).
* When the configuration is *stated* (``print(model)``, Keras code: a missing key means the
  framework's default), the generator only proposes what the text cannot say — an input of the
  right rank, with unknown sizes where nothing tells them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from calc.i18n import Message
from calc.types import Framework, Shape, ShapeTree

__all__ = [
    "MAX_CANDIDATES",
    "Candidate",
    "Child",
    "Evidence",
    "candidates",
    "generator",
    "has_generator",
]

MAX_CANDIDATES = 64
"""Most candidates one layer may produce (the engine derives far fewer: see the module docs)."""


@dataclass(frozen=True, slots=True)
class Child:
    """A direct child of a composite row (``MultiheadAttention``'s ``out_proj``), as derived."""

    name: str | None
    kind: str  # catalog name, or the type as written when the catalog does not know it
    config: Mapping[str, Any]
    params: int | None


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything known about one layer before deriving it."""

    framework: Framework
    kind: str  # the catalog entry's name
    inputs: tuple[Shape, ...] | None  # None: the layer's input is not known (the first row of a summary)
    output: ShapeTree | None  # as reported
    params: int | None  # as reported
    config: Mapping[str, Any] = field(default_factory=dict)  # what the text stated (code, repr, a torchinfo column)
    stated: bool = False  # the config is the layer's whole constructor call: a missing key is the default
    hinted: bool = False  # ``inputs`` is a guess (the previous row of a torch table), not a fact
    kernel_size: tuple[int, ...] | None = None  # torchinfo's "Kernel Shape" column
    children: tuple[Child, ...] = ()  # for a composite row: its direct children, derived


@dataclass(frozen=True, slots=True)
class Candidate:
    config: Mapping[str, Any]
    inferred: tuple[str, ...] = ()  # keys solved from the reported count (not stated by the text)
    shaped: tuple[str, ...] = ()  # keys solved from the reported shapes
    inputs: tuple[Shape, ...] | None = None  # a proposed input when the evidence has none (or only a guess)
    undetermined: tuple[str, ...] = ()  # keys picked although the evidence cannot tell; the count does not depend on them
    params: int | None = None  # the count this candidate gives, when the generator computed it
    note: Message | None = None  # what the generator could not pin down, in words (shown as a finding)


Generator = Callable[[Evidence], Iterator[Candidate]]
_GENERATORS: dict[tuple[Framework, str], Generator] = {}


def generator(framework: Framework, *kinds: str) -> Callable[[Generator], Generator]:
    """Register a candidate generator for some catalog kinds (by the entries' names)."""

    def wrap(fn: Generator) -> Generator:
        for kind in kinds:
            _GENERATORS[(framework, kind.lower())] = fn
        return fn

    return wrap


def has_generator(framework: Framework, kind: str) -> bool:
    return (framework, kind.lower()) in _GENERATORS


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _sane(tree: ShapeTree | None) -> ShapeTree | None:
    """A printed size below 1 means nothing a layer can have (a garbled paste): read it as unknown."""
    if tree is None:
        return None
    if isinstance(tree, list):
        return [t for t in (_sane(x) for x in tree) if t is not None]
    if all(d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 1) for d in tree):
        return tree
    return tuple(d if isinstance(d, int) and not isinstance(d, bool) and d >= 1 else None for d in tree)


def _from(gen: Generator, ev: Evidence) -> Iterator[Candidate]:
    """A generator's candidates.  Generators are heuristics over numbers a parser read from pasted text: one
    that trips over a degenerate case (a zero width, a shape of the wrong rank) ends its list rather than
    the whole report; the engine then reports the row as underdetermined."""
    try:
        yield from gen(ev)
    except (ArithmeticError, ValueError, TypeError, IndexError, KeyError, AttributeError):
        return


def candidates(ev: Evidence) -> Iterator[Candidate]:
    """Configurations to try, most plausible first.

    What the text states always wins over what a generator proposes; a key the text states is never
    reported as inferred.  Repeats are not filtered here: the engine caches derivations.  Without a
    generator: the stated configuration alone, with the output as its input when the input is unknown
    (a layer that keeps its input's shape).
    """
    output, inputs = _sane(ev.output), ev.inputs
    if inputs is not None:
        inputs = tuple(s for s in (_sane(x) for x in inputs) if isinstance(s, tuple))
    if output is not ev.output or inputs != ev.inputs or (ev.params is not None and ev.params < 0):
        params = ev.params if ev.params is None or ev.params >= 0 else ev.params % 2**32  # an int32 wrap
        ev = replace(ev, output=output, inputs=inputs, params=params)
    gen = _GENERATORS.get((ev.framework, ev.kind.lower()))
    if gen is not None:
        count = 0
        stated = ev.config
        for cand in _from(gen, ev):
            if count >= MAX_CANDIDATES:
                return
            count += 1
            if not stated:
                yield cand
                continue
            overridden = any(k in stated and _freeze(stated[k]) != _freeze(v) for k, v in cand.config.items())
            yield Candidate(
                {**cand.config, **stated},
                tuple(k for k in cand.inferred if k not in stated),
                tuple(k for k in cand.shaped if k not in stated),
                cand.inputs,
                tuple(k for k in cand.undetermined if k not in stated),
                None if overridden else cand.params,
                cand.note,
            )
        if count:
            return
    out = ev.output
    while isinstance(out, list):
        out = out[0] if out else None
    if ev.inputs is not None:
        yield Candidate(dict(ev.config))
        if not ev.hinted:
            return
    if out is not None:
        yield Candidate(dict(ev.config), inputs=(out,))
    elif ev.inputs is None and ev.stated:  # print(model): nothing says the rank; most modules take any
        for rank in (2, 3, 4):
            yield Candidate(dict(ev.config), inputs=((None,) * rank,))


def _load() -> None:
    import importlib

    for module in ("calc.infer.keras", "calc.infer.torch"):  # importing registers the generators
        importlib.import_module(module)


_load()
