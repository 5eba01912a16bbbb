"""A stable JSON document for ``--json``: numbers as ints, formulas three ways, messages in English.

    {"schema": "layerbot.command/1", "command": "dense", "args": {...}, "framework": "keras",
     "layers": [{"kind": "Dense", "params": 345604, "formula": {"unicode": "86,400 × 4 + 4",
                 "plain": "86400*4 + 4", "latex": ..., "symbolic": "n_in × units + units"}, ...}],
     "totals": {...}, "memory": {...}, "findings": [{"severity", "code", "message", "layer"}],
     "max_units": null}

Errors are ``{"schema": "layerbot.error/1", "error": {"code", "type", "message"}}``.
Keys are only ever added; an existing key keeps its meaning (bump the schema number otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import Enum
from typing import Any

from bot.render.advice_json import result_advice
from bot.render.report_json import report_document
from calc.catalog import LayerCalc
from calc.commands import CommandResult, CommandSpec
from calc.cost import Cost, flops
from calc.errors import LayerbotError
from calc.findings import Finding
from calc.formula import Term, TermSum
from calc.i18n import Message

__all__ = ["SCHEMA", "SCHEMA_ERROR", "dumps", "error_document", "result_document"]

SCHEMA = "layerbot.command/1"
SCHEMA_ERROR = "layerbot.error/1"


def _plain(value: Any) -> Any:
    """A config value or shape as JSON: tuples → lists, enums → their value, anything else → str."""
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Message):
        return value.render("en")
    return str(value)


def _formula(part: Term | TermSum | None) -> dict[str, str] | None:
    if part is None:
        return None
    return {"unicode": part.unicode, "plain": part.plain, "latex": part.latex, "symbolic": part.symbolic}


def _layer(layer: LayerCalc) -> dict[str, Any]:
    return {
        "kind": layer.kind,
        "framework": layer.framework.value,
        "config": _plain(layer.config),
        "inputs": _plain(layer.inputs),
        "output": _plain(layer.output),
        "params": layer.params,
        "trainable": layer.trainable_params,
        "non_trainable": layer.non_trainable_params,
        "buffers": layer.buffer_count,
        "macs": layer.macs,
        "flops": None if layer.macs is None else flops(layer.macs),
        "formula": _formula(layer.formula),
        "trainable_formula": _formula(layer.trainable),
        "non_trainable_formula": _formula(layer.non_trainable),
        "explanation": layer.explanation.render("en"),
        "notes": [n.render("en") for n in layer.notes],
        "weights": [{"name": w.name, "shape": list(w.shape), "role": w.role} for w in layer.weights],
    }


def _totals(cost: Cost) -> dict[str, Any]:
    return {
        "params": cost.params,
        "trainable": cost.trainable,
        "non_trainable": cost.non_trainable,
        "buffers": cost.buffers,
        "macs": cost.macs,
        "flops": cost.flops,
    }


def _memory(cost: Cost) -> dict[str, Any]:
    acts = cost.activations
    return {
        "param_bytes": dict(cost.param_bytes),
        "training": {
            opt.value: {
                "dtype": t.dtype,
                "weights": t.weights,
                "gradients": t.gradients,
                "optimizer_states": t.optimizer_states,
                "total": t.total,
                "assumptions": t.assumptions.render("en"),
            }
            for opt, t in cost.training.items()
        },
        "activations": None
        if acts is None
        else {
            "elements_per_example": acts.elements_per_example,
            "batch": acts.batch,
            "dtype": acts.dtype,
            "bytes": acts.bytes,
            "unknown_axes": acts.unknown_axes,
            "assumptions": acts.assumptions.render("en"),
        },
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {"severity": f.severity.value, "code": f.code, "message": f.message.render("en"), "layer": f.layer}


def _spec(spec: CommandSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "usage": spec.usage,
        "help": Message(spec.help).render("en"),
        "example": spec.example,
        "aliases": [{"name": name, "preset": dict(preset)} for name, preset in spec.aliases],
        "args": [
            {
                "name": a.name,
                "type": a.type.value,
                "required": a.required,
                "positional": a.positional,
                "default": _plain(a.default),
                "min": a.lo if a.type.value in ("int", "ints") else None,
                "max": a.hi if a.type.value in ("int", "ints") else None,
                "choices": list(a.choices) or None,
                "help": Message(a.help).render("en"),
            }
            for a in spec.args
        ],
    }


def result_document(result: CommandResult) -> dict[str, Any]:
    """The JSON-ready document of one command's result."""
    cost = result.cost
    return {
        "schema": SCHEMA,
        "command": result.command,
        "args": _plain(result.args),
        "framework": None if result.framework is None else result.framework.value,
        "layers": [_layer(layer) for layer in result.layers],
        "totals": None if cost is None else _totals(cost),
        "memory": None if cost is None else _memory(cost),
        "notes": [] if cost is None else [n.render("en") for n in cost.notes],
        "findings": [_finding(f) for f in result.findings],
        "max_units": result.max_units,
        "help": [_spec(s) for s in result.help],
        "report": None if result.report is None else report_document(result.report),  # /explain
        "advice": result_advice(result),  # /suggest, /whatif
    }


def error_document(error: LayerbotError) -> dict[str, Any]:
    return {
        "schema": SCHEMA_ERROR,
        "error": {
            "code": error.message.key,
            "type": type(error).__name__,
            "message": " ".join(error.message.render("en").split()),
        },
    }


def dumps(document: Mapping[str, Any], *, indent: int | None = 2) -> str:
    return json.dumps(document, ensure_ascii=False, indent=indent)
