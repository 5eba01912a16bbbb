"""Report: what layerbot derived from a ModelSpec, layer by layer, as plain data for the renderers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from calc.catalog.base import LayerCalc
from calc.findings import Finding
from calc.formula import TermSum
from calc.i18n import Message
from calc.model import NO_CONFIG, Format
from calc.types import Framework, ShapeTree

__all__ = ["LayerReport", "Report", "Status"]


class Status(StrEnum):
    OK = "ok"  # derived = reported, or derived from a full configuration
    INFERRED = "inferred"  # some hyperparameters were solved from the reported counts or shapes
    MISMATCH = "mismatch"  # derived ≠ reported: ``params`` holds layerbot's value
    UNKNOWN = "unknown"  # the kind is unknown, or the numbers leave it under-determined (a finding says why)


@dataclass(frozen=True)
class LayerReport:
    name: str | None
    type: str
    depth: int
    status: Status
    explanation: Message
    output_shape: ShapeTree | None = None  # derived where possible, else as reported
    params: int | None = None  # layerbot's own derivation (None only when it truly cannot be derived)
    trainable_params: int | None = None
    non_trainable_params: int | None = None
    reported_params: int | None = None
    formula: TermSum | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    inferred: tuple[str, ...] = ()  # hyperparameters solved from counts or shapes
    undetermined: tuple[str, ...] = ()  # picked although the summary cannot tell them apart (the count does not depend on them)
    symbolic_formula: str | None = None  # the formula with a name standing for a value the text left symbolic (params is None)
    calc: LayerCalc | None = None
    is_container: bool = False
    line: int | None = None

    # Written out like LayerSpec's (see there): every field set at once; tests/test_records.py checks it
    # against the dataclass's generated __init__.
    def __init__(
        self,
        name: str | None,
        type: str,
        depth: int,
        status: Status,
        explanation: Message,
        output_shape: ShapeTree | None = None,
        params: int | None = None,
        trainable_params: int | None = None,
        non_trainable_params: int | None = None,
        reported_params: int | None = None,
        formula: TermSum | None = None,
        config: Mapping[str, Any] = NO_CONFIG,
        inferred: tuple[str, ...] = (),
        undetermined: tuple[str, ...] = (),
        symbolic_formula: str | None = None,
        calc: LayerCalc | None = None,
        is_container: bool = False,
        line: int | None = None,
    ) -> None:
        object.__setattr__(self, "__dict__", {
            "name": name, "type": type, "depth": depth, "status": status, "explanation": explanation,
            "output_shape": output_shape, "params": params, "trainable_params": trainable_params,
            "non_trainable_params": non_trainable_params, "reported_params": reported_params, "formula": formula,
            "config": {} if config is NO_CONFIG else config, "inferred": inferred, "undetermined": undetermined,
            "symbolic_formula": symbolic_formula, "calc": calc, "is_container": is_container, "line": line,
        })  # fmt: skip


@dataclass(frozen=True)
class Report:
    format: Format
    framework: Framework
    layers: tuple[LayerReport, ...]
    total_params: int | None
    trainable_params: int | None
    non_trainable_params: int | None
    reported_total: int | None = None
    reported_trainable: int | None = None
    reported_non_trainable: int | None = None
    findings: tuple[Finding, ...] = ()
    name: str | None = None

    @property
    def leaves(self) -> tuple[LayerReport, ...]:
        return tuple(layer for layer in self.layers if not layer.is_container)
