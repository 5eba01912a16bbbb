"""Solving hidden hyperparameters from what a summary reports.

A summary row says ``conv2d_4 (Conv2D)  (None, 254, 254, 32)  896`` and nothing else.  To explain
896 layerbot needs the kernel size and the input channels, so it *solves* them: a per-kind
generator proposes configurations, most plausible first (odd square kernels, the framework's
defaults, the channels of the previous layer), built from bounded integer arithmetic on the
reported count and shapes; :mod:`calc.derive` runs each through the catalog and keeps the first
that reproduces every reported number.

Generators never see free text: only integers and shapes a parser already read.  Every
enumeration is bounded (:data:`MAX_CANDIDATES` per layer, small ranges for strides and dilations).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from calc.types import Framework, Shape, ShapeTree

__all__ = [
    "MAX_CANDIDATES",
    "Candidate",
    "Evidence",
    "candidates",
    "generator",
]

MAX_CANDIDATES = 256


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything known about one layer before deriving it."""

    framework: Framework
    kind: str  # the catalog entry's name
    inputs: tuple[Shape, ...] | None  # None: the layer's input is not known (the first layer of a summary)
    output: ShapeTree | None  # as reported
    params: int | None  # as reported
    config: Mapping[str, Any] = field(default_factory=dict)  # what the text stated (code, repr)


@dataclass(frozen=True, slots=True)
class Candidate:
    config: Mapping[str, Any]
    inferred: tuple[str, ...] = ()  # the keys solved from counts or shapes (not stated by the text)
    inputs: tuple[Shape, ...] | None = None  # a proposed input when Evidence.inputs is None


Generator = Callable[[Evidence], Iterator[Candidate]]
_GENERATORS: dict[tuple[Framework, str], Generator] = {}


def generator(framework: Framework, *kinds: str) -> Callable[[Generator], Generator]:
    """Register a candidate generator for some catalog kinds (by the entries' names)."""

    def wrap(fn: Generator) -> Generator:
        for kind in kinds:
            _GENERATORS[(framework, kind.lower())] = fn
        return fn

    return wrap


def candidates(ev: Evidence) -> Iterator[Candidate]:
    """Configurations to try, most plausible first; the stated configuration alone when no generator applies."""
    gen = _GENERATORS.get((ev.framework, ev.kind.lower()))
    seen: list[Mapping[str, Any]] = []
    count = 0
    if gen is not None:
        for cand in gen(ev):
            if count >= MAX_CANDIDATES:
                return
            merged = {**cand.config, **ev.config}  # what the text says always wins
            if merged in seen:
                continue
            seen.append(merged)
            count += 1
            yield Candidate(merged, tuple(k for k in cand.inferred if k not in ev.config), cand.inputs)
        if seen:
            return
    yield Candidate(dict(ev.config))


def _load() -> None:
    import importlib

    for module in ("calc.infer.keras", "calc.infer.torch"):  # importing registers the generators
        importlib.import_module(module)


_load()
