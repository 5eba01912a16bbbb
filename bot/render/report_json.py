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

from calc.explain import collector_paused, first_shape, row_formulas
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
    with collector_paused():  # a document of a dict per row, no cycle among them (see collector_paused)
        return _dumps(report, indent)


def _dumps(report: Report, indent: int | None) -> str:
    document = report_document(report)
    if indent is None or indent < 0:
        return json.dumps(document, ensure_ascii=False, indent=indent)
    # json.dumps with an indent runs the pure-Python encoder, a generator per container (~8 ms for a
    # DenseNet121 report): the same text is written here directly.
    return _indented(document, "", " " * indent)


_encode_str = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes a str with


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    """A dict key as json.dumps writes it: a string as is, a number or a constant as its JSON text."""
    if isinstance(key, str):
        return _encode_str(key)
    if isinstance(key, float):
        return _encode_str(_float(key))
    if key is True or key is False or key is None:
        return _encode_str(_indented(key, "", ""))
    if isinstance(key, int):
        return _encode_str(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _indented(value: Any, pad: str, unit: str) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=len(unit))`` for the JSON types (dict, list, tuple, str,
    int, float, bool, None): the same checks in the same order, the same separators (",", ": ")."""
    if isinstance(value, str):
        return _encode_str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = pad + unit
        return "[\n" + ",\n".join([inner + _indented(v, inner, unit) for v in value]) + "\n" + pad + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = pad + unit
        items = [f"{inner}{_key(k)}: {_indented(v, inner, unit)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
