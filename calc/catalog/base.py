"""The layer catalog's building blocks: one :class:`LayerKind` subclass per layer kind and framework.

An entry states, once, everything layerbot knows about a layer kind:

* ``name`` / ``aliases``: how the framework spells it (``Conv2D`` in Keras, ``Conv2d`` in PyTorch);
* ``positional``: the constructor's positional parameters, in order, so parsers can map
  ``Conv2D(32, (3, 3))`` to ``filters=32, kernel_size=(3, 3)``;
* ``defaults``: the framework's defaults for every hyperparameter the entry reads;
* ``solvable``: which hyperparameters can be solved back from a parameter count (``"params"``) or
  from an output shape (``"shape"``);
* ``derive``: the parameter formula (sympy templates compiled once into :class:`~calc.formula.Formula`,
  trainable and non-trainable parts separately), the output-shape rule and the MACs.

Shapes include the batch axis, as the frameworks print them.  MACs are for one example (batch 1):
multiply-accumulates of the layer's forward pass; FLOPs are 2 × MACs (see :mod:`calc.cost`).
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from calc.errors import ConfigError, ShapeError, UnknownLayerKind
from calc.formula import Term, TermSum
from calc.i18n import Message
from calc.types import Dim, Framework, Shape, ShapeTree

__all__ = [
    "MAX_SIZE",
    "MAX_STACK",
    "Config",
    "Derived",
    "LayerCalc",
    "LayerKind",
    "Weight",
    "all_kinds",
    "derive",
    "lookup",
    "numel",
    "register",
    "single_input",
]

MAX_SIZE = 10**12
"""Largest size or count accepted for any one hyperparameter or axis (bounds every product we form)."""

MAX_STACK = 1_000
"""Most layers one stacked module may hold (an RNN's or a Transformer's ``num_layers``): its weights are
listed layer by layer, so this bounds that list (a pasted ``num_layers=71957812781`` is refused, not looped)."""

Solvable = Literal["params", "shape"]


class Config:
    """A layer's hyperparameters with typed, validated access and the framework's defaults.

    Every value read is remembered, so the result can say exactly which configuration it used.
    Values come from parsed text or commands and are never evaluated: only ``int``, ``float``,
    ``bool``, ``str``, ``None`` and (nested) tuples/lists of those are accepted.
    """

    __slots__ = ("_defaults", "_layer", "_values", "used")

    def __init__(self, values: Mapping[str, Any], defaults: Mapping[str, Any], layer: str) -> None:
        self._values = values
        self._defaults = defaults
        self._layer = layer
        self.used: dict[str, Any] = {}

    def has(self, name: str) -> bool:
        return self._values.get(name) is not None

    def given(self, name: str) -> bool:
        """Whether the configuration names this key at all, even as None (Keras ``merge_mode=None``
        means something other than leaving merge_mode out)."""
        return name in self._values

    def get(self, name: str, default: Any = None) -> Any:
        if name in self._values and self._values[name] is not None:
            value = self._values[name]
        else:
            value = self._defaults.get(name, default)
        self.used[name] = value
        return value

    def _bad(self, name: str, value: Any, expected: str) -> ConfigError:
        return ConfigError("error.config", layer=self._layer, name=name, value=repr(value), expected=expected)

    def _check_int(self, name: str, value: Any, lo: builtins.int, hi: builtins.int) -> builtins.int:
        if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_SIZE:
            value = builtins.int(value)
        if isinstance(value, bool) or not isinstance(value, builtins.int) or not lo <= value <= hi:
            raise self._bad(name, value, f"a whole number from {lo:,} to {hi:,}")
        number: builtins.int = value
        return number

    def int(self, name: str, *, lo: builtins.int = 1, hi: builtins.int = MAX_SIZE, default: Any = None) -> builtins.int:
        value = self.get(name, default)
        if value is None:
            raise ConfigError("error.config_missing", layer=self._layer, name=name)
        return self._check_int(name, value, lo, hi)

    def opt_int(self, name: str, *, lo: builtins.int = 1, hi: builtins.int = MAX_SIZE) -> builtins.int | None:
        value = self.get(name)
        return None if value is None else self._check_int(name, value, lo, hi)

    def ints(
        self, name: str, rank: builtins.int, *, lo: builtins.int = 1, hi: builtins.int = MAX_SIZE
    ) -> tuple[builtins.int, ...]:
        """An int or a sequence of ``rank`` ints (``3`` → ``(3, 3)`` for rank 2)."""
        value = self.get(name)
        if value is None:
            raise ConfigError("error.config_missing", layer=self._layer, name=name)
        if isinstance(value, (list, tuple)):
            if len(value) == 1 and rank > 1:
                value = tuple(value) * rank
            if len(value) != rank:
                raise self._bad(name, value, f"{rank} whole numbers")
            return tuple(self._check_int(name, v, lo, hi) for v in value)
        return (self._check_int(name, value, lo, hi),) * rank

    def bool(self, name: str) -> bool:
        value = self.get(name)
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self._bad(name, value, "True or False")

    def choice(self, name: str, choices: Iterable[str]) -> str:
        value = self.get(name)
        options = tuple(choices)
        if isinstance(value, str) and value.lower() in options:
            return value.lower()
        raise self._bad(name, value, " / ".join(options))

    def number(self, name: str) -> float:
        value = self.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._bad(name, value, "a number")
        try:
            return float(value)
        except OverflowError:  # an int past float's range (Dropout(10**400))
            raise self._bad(name, value, "a number") from None


@dataclass(frozen=True, slots=True)
class Weight:
    """One weight tensor as the framework stores it (``kernel (86400, 4)``; torch ``weight (4, 86400)``).

    ``role``: ``trainable``, ``non_trainable`` (Keras: BN moving statistics, Normalization's mean and
    variance) or ``buffer`` (PyTorch: state that is not a parameter, e.g. BN running statistics).
    The non-buffer weights add up to the layer's parameter count (a test checks every entry).
    """

    name: str
    shape: tuple[int, ...]
    role: Literal["trainable", "non_trainable", "buffer"] = "trainable"

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True, slots=True)
class Derived:
    """What an entry's ``derive`` returns; :func:`derive` wraps it into a :class:`LayerCalc`."""

    output: ShapeTree
    trainable: Term | TermSum | None
    explanation: Message
    macs: int | None = 0
    non_trainable: Term | TermSum | None = None
    buffers: Term | TermSum | None = None
    notes: tuple[Message, ...] = ()
    weights: tuple[Weight, ...] = ()


@dataclass(frozen=True, slots=True)
class LayerCalc:
    """One layer, derived: counts with their formulas, output shape, cost, and the why."""

    kind: str
    framework: Framework
    config: Mapping[str, Any]
    inputs: tuple[Shape, ...]
    output: ShapeTree
    trainable: Term | TermSum | None
    non_trainable: Term | TermSum | None
    buffers: Term | TermSum | None
    macs: int | None
    explanation: Message
    notes: tuple[Message, ...] = field(default=())
    weights: tuple[Weight, ...] = field(default=())

    @property
    def largest_weight(self) -> Weight | None:
        return max(self.weights, key=lambda w: w.numel, default=None)

    @property
    def trainable_params(self) -> int:
        return self.trainable.value if self.trainable is not None else 0

    @property
    def non_trainable_params(self) -> int:
        return self.non_trainable.value if self.non_trainable is not None else 0

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    @property
    def buffer_count(self) -> int:
        return self.buffers.value if self.buffers is not None else 0

    @property
    def formula(self) -> TermSum | None:
        """Trainable then non-trainable parts as one sum; None for a layer without parameters."""
        terms: list[Term] = []
        for part in (self.trainable, self.non_trainable):
            if isinstance(part, Term):
                terms.append(part)
            elif isinstance(part, TermSum):
                terms.extend(part.terms)
        return TermSum(tuple(terms)) if terms else None


class LayerKind:
    """Base of every catalog entry.  Subclasses set the class attributes and implement ``derive``."""

    name: ClassVar[str]
    framework: ClassVar[Framework]
    aliases: ClassVar[tuple[str, ...]] = ()
    family: ClassVar[str] = "other"
    positional: ClassVar[tuple[str, ...]] = ()
    defaults: ClassVar[Mapping[str, Any]] = {}
    solvable: ClassVar[Mapping[str, Solvable]] = {}
    min_inputs: ClassVar[int] = 1
    max_inputs: ClassVar[int] = 1

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{self.framework.value} {self.name}>"


_REGISTRY: dict[tuple[Framework, str], LayerKind] = {}
_PREFIXES = ("torch.nn.", "nn.", "tf.keras.layers.", "keras.layers.", "layers.", "tfa.layers.")


def _key(name: str) -> str:
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    return name.lower()


def register(cls: type[LayerKind]) -> type[LayerKind]:
    """Class decorator: add an entry under its name and aliases (case-insensitive, per framework)."""
    entry = cls()
    for name in (cls.name, *cls.aliases):
        key = (cls.framework, _key(name))
        if key in _REGISTRY and type(_REGISTRY[key]) is not cls:
            raise ValueError(f"{cls.framework.value} layer {name!r} registered twice")
        _REGISTRY[key] = entry
    return cls


def lookup(name: str, framework: Framework) -> LayerKind:
    try:
        return _REGISTRY[(framework, _key(name))]
    except KeyError:
        raise UnknownLayerKind(name, framework.value) from None


def registered_count() -> int:
    """How many names the catalog has registered (it only grows): a key for what is built from it."""
    return len(_REGISTRY)


def all_kinds(framework: Framework | None = None) -> list[LayerKind]:
    seen: dict[int, LayerKind] = {}
    for (fw, _), entry in _REGISTRY.items():
        if framework is None or fw is framework:
            seen.setdefault(id(entry), entry)
    return list(seen.values())


def derive(
    kind: str | LayerKind,
    framework: Framework,
    config: Mapping[str, Any],
    inputs: Sequence[Shape],
) -> LayerCalc:
    """Derive one layer.  ``config`` uses the framework's own argument names.

    A Keras layer built with ``trainable=False`` keeps its weights but lists them as non-trainable;
    that move happens here, once, for every entry.
    """
    entry = lookup(kind, framework) if isinstance(kind, str) else kind
    shapes = tuple(tuple(s) for s in inputs)
    if not entry.min_inputs <= len(shapes) <= entry.max_inputs:
        raise ShapeError(
            "error.input_count", layer=entry.name, got=len(shapes), lo=entry.min_inputs, hi=entry.max_inputs
        )
    for shape in shapes:  # a pasted shape can hold any number: keep every product we form within range
        big = max((d for d in shape if isinstance(d, int) and d > MAX_SIZE), default=None)
        if big is not None:
            raise ShapeError("error.size_too_large", layer=entry.name, digits=int(big.bit_length() * 0.30103) + 1,
                             hi=MAX_SIZE)
    cfg = Config(config, entry.defaults, entry.name)
    d = entry.derive(cfg, shapes)
    trainable, non_trainable, weights = d.trainable, d.non_trainable, d.weights
    if framework is Framework.KERAS and config.get("trainable") is False and trainable is not None:
        parts = [p for p in (trainable, non_trainable) if p is not None]
        terms: list[Term] = []
        for p in parts:
            terms.extend(p.terms if isinstance(p, TermSum) else (p,))
        trainable, non_trainable = None, TermSum(tuple(terms))
        weights = tuple(Weight(w.name, w.shape, "non_trainable") if w.role == "trainable" else w for w in weights)
    return LayerCalc(
        kind=entry.name,
        framework=framework,
        config=cfg.used,
        inputs=shapes,
        output=d.output,
        trainable=trainable,
        non_trainable=non_trainable,
        buffers=d.buffers,
        macs=d.macs,
        explanation=d.explanation,
        notes=d.notes,
        weights=weights,
    )


# ---------------------------------------------------------------------------------------------
# Small shared helpers for entries.


def single_input(layer: str, inputs: tuple[Shape, ...], *, min_rank: int = 2, max_rank: int | None = None) -> Shape:
    """The one input shape, checked for rank (rank includes the batch axis)."""
    shape = inputs[0]
    if len(shape) < min_rank or (max_rank is not None and len(shape) > max_rank):
        expected = (
            f"{min_rank}" if max_rank == min_rank else f"{min_rank}+" if max_rank is None else f"{min_rank}–{max_rank}"
        )
        raise ShapeError("error.rank", layer=layer, shape=str(shape), expected=expected)
    return shape


def numel(dims: Iterable[Dim]) -> int | None:
    """Product of sizes, or None if any is unknown."""
    total = 1
    for d in dims:
        if d is None:
            return None
        total *= d
    return total


def known(layer: str, dim: Dim, what: str) -> int:
    """A size the parameter count depends on must be known (a Dense's input width, a conv's channels)."""
    if dim is None:
        raise ShapeError("error.unknown_dim", layer=layer, what=what)
    return dim


def per_example(shape: Shape) -> int:
    """How many positions a per-position op runs over in one example: Π of the axes between batch
    and the last (unknown axes count as 1, and the caller's note says MACs are per step)."""
    return math.prod(d or 1 for d in shape[1:-1])
