"""``layerbot explain --json``: a :class:`~calc.report.Report` as one JSON document, exactly::

    {"format": str, "framework": "keras"|"torch",
     "layers": [{"name": str|null, "type": str, "depth": int, "output_shape": [int|null, ...]|null,
                 "params": int|null, "trainable_params": int|null, "non_trainable_params": int|null,
                 "reported_params": int|null, "formula": str|null, "explanation": str,
                 "config": {...}, "inferred": [str, ...],
                 "status": "ok"|"inferred"|"mismatch"|"unknown"}],
     "total_params": int|null, "trainable_params": int|null, "non_trainable_params": int|null,
     "reported": {"total_params": int|null, "trainable_params": int|null, "non_trainable_params": int|null},
     "findings": [{"severity": "error"|"warning"|"info", "layer": str|null, "code": str, "message": str}]}

* ``layers`` are the rows of the input in order, containers included (``depth`` tells the nesting).
* ``params`` is layerbot's own derivation; null only when it cannot be derived (a finding says why).
* ``output_shape`` is one flat list with the batch axis (null for an unknown size).  A layer with
  several outputs (a torch LSTM's ``[out, [h_n, c_n]]``, a Keras layer with ``return_state``) gives
  its **first** output's shape.
* ``formula`` is plain Python arithmetic over integer literals that evaluates to ``params``
  (``"86400*4 + 4"``; a container's is the sum of its direct children's counts).  It is null when
  ``params`` is null or 0 (a parameter-free layer has no formula), and null rather than invented
  when no formula reproduces the count.
* ``config`` holds the hyperparameters used, JSON-safe (tuples become lists, other objects strings).
* Messages (``explanation``, findings' ``message``) are in English.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import Enum
from typing import Any

from calc.explain import first_shape, row_formulas
from calc.findings import Finding
from calc.i18n import Message
from calc.model import SymbolRef
from calc.report import LayerReport, Report

__all__ = ["dumps", "report_document"]


def _plain(value: Any) -> Any:
    """A config value as JSON: tuples → lists, enums → their value, a symbol → its name."""
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, SymbolRef):
        return value.name
    if isinstance(value, Message):
        return value.render("en")
    return str(value)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _layer(row: LayerReport, formula: str | None) -> dict[str, Any]:
    shape = first_shape(row.output_shape)
    return {
        "name": row.name,
        "type": row.type,
        "depth": row.depth,
        "output_shape": None if shape is None else list(shape),
        "params": row.params,
        "trainable_params": row.trainable_params,
        "non_trainable_params": row.non_trainable_params,
        "reported_params": row.reported_params,
        "formula": formula,
        "explanation": _one_line(row.explanation.render("en")),
        "config": _plain(row.config),
        "inferred": [str(name) for name in row.inferred],
        "status": row.status.value,
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {"severity": f.severity.value, "layer": f.layer, "code": f.code, "message": _one_line(f.message.render("en"))}


def report_document(report: Report) -> dict[str, Any]:
    """The JSON-ready document of a report (see the module docstring for every key)."""
    formulas = row_formulas(report)
    return {
        "format": report.format.value,
        "framework": report.framework.value,
        "layers": [
            _layer(row, None if f is None else f.plain) for row, f in zip(report.layers, formulas, strict=True)
        ],
        "total_params": report.total_params,
        "trainable_params": report.trainable_params,
        "non_trainable_params": report.non_trainable_params,
        "reported": {
            "total_params": report.reported_total,
            "trainable_params": report.reported_trainable,
            "non_trainable_params": report.reported_non_trainable,
        },
        "findings": [_finding(f) for f in report.findings],
    }


def dumps(report: Report, *, indent: int | None = 2) -> str:
    return json.dumps(report_document(report), ensure_ascii=False, indent=indent)
