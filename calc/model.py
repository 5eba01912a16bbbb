"""ModelSpec: what a parser read from pasted text, before anything is derived.

Every input format (Keras 1/2/3 summaries, torchinfo and torchsummary tables, PyTorch ``print(model)``
reprs, Keras model code, the compact layer list) is read into this one shape.  A ModelSpec holds
only what the text *says*: the reported numbers are kept apart from anything layerbot derives
later, so every one of them can be checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from calc.findings import Finding
from calc.types import Framework, Shape, ShapeTree

__all__ = ["Format", "Inbound", "LayerSpec", "ModelSpec", "SymbolRef"]


class Format(StrEnum):
    KERAS3 = "keras3"  # box-drawn table (rich), Keras 3
    KERAS2 = "keras2"  # underscore/equals rule table, Keras 1/2 and tf.keras
    TORCHINFO = "torchinfo"
    TORCHSUMMARY = "torchsummary"
    TORCH_REPR = "torch_repr"  # print(model)
    KERAS_CODE = "keras_code"  # Python source building a Keras model, read with ast, never run
    LAYER_LIST = "layer_list"  # "256x256x3 conv32k3 pool2 flatten dense512 dense4"
    ERROR_ONLY = "error_text"  # no model, but a framework error message layerbot can diagnose


NO_CONFIG: Mapping[str, Any] = MappingProxyType({})
"""The default of a record's ``config`` parameter: the record then gets a new empty dict of its own."""


@dataclass(frozen=True, slots=True)
class SymbolRef:
    """A hyperparameter given by a name with no literal value in the text (``Dense(nClasses)``)."""

    name: str


@dataclass(frozen=True, slots=True)
class Inbound:
    """One "Connected to" entry: ``encoder[1][0]`` = layer ``encoder``, call (node) 1, output tensor 0."""

    layer: str
    node: int = 0
    tensor: int = 0


@dataclass(frozen=True)
class LayerSpec:
    """One row of the input, in order.  ``None`` means "the text does not say"."""

    type: str  # as written: "Conv2D", "Linear", "MaxPooling2" (a truncated Keras 1 type stays as printed)
    name: str | None = None
    depth: int = 0  # nesting depth; containers are rows too
    config: Mapping[str, Any] = field(default_factory=dict)  # constructor arguments by the framework's names
    output_shape: ShapeTree | None = None  # as reported; dims None where the text shows None / ? / -1
    output_shape_text: str | None = None  # raw text when it is not a shape ("multiple", "?")
    input_shape: ShapeTree | None = None  # as reported (torchinfo's Input Shape column)
    params: int | None = None  # the reported count, as printed (may be negative: int32 overflow)
    trainable: bool | None = None  # Keras 3 "Trainable" column / torchinfo "Trainable" column
    unbuilt: bool = False  # Keras 3 "0 (unbuilt)"
    recursive: bool = False  # torchinfo "(recursive)": a module reused, counted once
    is_container: bool = False  # has children rows (nested Sequential, custom Module, torchinfo "--")
    inbound: tuple[Inbound, ...] = ()  # functional models' "Connected to"
    kernel_size: tuple[int, ...] | None = None  # torchinfo kernel_size column
    mult_adds: int | None = None  # torchinfo mult-adds column
    line: int | None = None  # 1-based line in the pasted text, for messages
    resolved_type: str | None = None  # the catalog name when ``type`` was truncated or an alias

    # The dataclass's own parameters, written out (so @dataclass keeps this __init__).  A row is made for
    # every line of every paste, and a frozen dataclass's generated __init__ stores each of the 17 fields
    # with its own object.__setattr__ call; this one sets the instance's dict at once (tests/test_records.py
    # checks it against the generated one).
    def __init__(
        self,
        type: str,
        name: str | None = None,
        depth: int = 0,
        config: Mapping[str, Any] = NO_CONFIG,
        output_shape: ShapeTree | None = None,
        output_shape_text: str | None = None,
        input_shape: ShapeTree | None = None,
        params: int | None = None,
        trainable: bool | None = None,
        unbuilt: bool = False,
        recursive: bool = False,
        is_container: bool = False,
        inbound: tuple[Inbound, ...] = (),
        kernel_size: tuple[int, ...] | None = None,
        mult_adds: int | None = None,
        line: int | None = None,
        resolved_type: str | None = None,
    ) -> None:
        # A copy of every field at its default, then the fields given: a row sets a few of its 17 fields, and
        # copying a dict costs a fifth of building one from 17 pairs.  A default is left only when the value
        # given *is* the default (identity), so every field holds exactly what was passed.
        fields = _SPEC_DEFAULTS.copy()
        fields["type"] = type
        fields["depth"] = depth
        fields["config"] = {} if config is NO_CONFIG else config
        if name is not None:
            fields["name"] = name
        if output_shape is not None:
            fields["output_shape"] = output_shape
        if output_shape_text is not None:
            fields["output_shape_text"] = output_shape_text
        if input_shape is not None:
            fields["input_shape"] = input_shape
        if params is not None:
            fields["params"] = params
        if trainable is not None:
            fields["trainable"] = trainable
        if unbuilt is not False:
            fields["unbuilt"] = unbuilt
        if recursive is not False:
            fields["recursive"] = recursive
        if is_container is not False:
            fields["is_container"] = is_container
        if inbound is not _NO_INBOUND:
            fields["inbound"] = inbound
        if kernel_size is not None:
            fields["kernel_size"] = kernel_size
        if mult_adds is not None:
            fields["mult_adds"] = mult_adds
        if line is not None:
            fields["line"] = line
        if resolved_type is not None:
            fields["resolved_type"] = resolved_type
        object.__setattr__(self, "__dict__", fields)


_NO_INBOUND: tuple[Inbound, ...] = ()
_SPEC_DEFAULTS: dict[str, Any] = {
    "type": "", "name": None, "depth": 0, "config": NO_CONFIG, "output_shape": None, "output_shape_text": None,
    "input_shape": None, "params": None, "trainable": None, "unbuilt": False, "recursive": False,
    "is_container": False, "inbound": _NO_INBOUND, "kernel_size": None, "mult_adds": None, "line": None,
    "resolved_type": None,
}  # fmt: skip
"""LayerSpec's fields in order, at their defaults (``type`` and ``config`` are always set)."""


@dataclass(frozen=True)
class ModelSpec:
    format: Format
    framework: Framework
    layers: tuple[LayerSpec, ...]
    name: str | None = None
    input_shapes: tuple[Shape, ...] = ()  # when the text says (code's input_shape=, torchinfo's input size)
    total_params: int | None = None
    trainable_params: int | None = None
    non_trainable_params: int | None = None
    optimizer_params: int | None = None  # Keras 3 "Optimizer params" (included in its Total)
    total_mult_adds: int | None = None  # torchinfo, in units as printed converted to a count
    symbols: tuple[str, ...] = ()  # names left symbolic (Keras code)
    findings: tuple[Finding, ...] = ()  # what the parser noticed: a table cut short, a missing column...
