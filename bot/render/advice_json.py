"""JSON documents for sizing advice: numbers as ints, formulas three ways, messages in English.

    {"schema": "layerbot.suggest/1", "in_features": 86400, "classes": 4, "options": [{"units": 512,
     "params": 44239364, "first_layer": {"params": 44237312, "formula": {...}}, ...}], ...}
    {"schema": "layerbot.whatif/1", "changes": [...], "before": {...}, "after": {...}, "changed": [...]}
    {"schema": "layerbot.advice/1", "diagnoses": [...], "planned": [...], "alternatives": [...]}

Keys are only ever added; an existing key keeps its meaning (bump the schema number otherwise).
"""

from __future__ import annotations

from typing import Any

from calc.advise import ClassicHead, PasteAdvice, Suggestion, WidthOption
from calc.catalog import LayerCalc
from calc.commands import CommandResult
from calc.diagnose import Diagnosis, PlannedLayer
from calc.findings import Finding
from calc.formula import Term, TermSum
from calc.report import LayerReport
from calc.types import ShapeTree
from calc.whatif import WhatIf

__all__ = [
    "SCHEMA_ADVICE",
    "SCHEMA_SUGGEST",
    "SCHEMA_WHATIF",
    "advice_document",
    "diagnosis_document",
    "result_advice",
    "suggestion_document",
    "whatif_document",
]

SCHEMA_SUGGEST = "layerbot.suggest/1"
SCHEMA_WHATIF = "layerbot.whatif/1"
SCHEMA_ADVICE = "layerbot.advice/1"


def _en(msg: Any) -> str:
    return " ".join(msg.render("en").split())


def _formula(part: Term | TermSum | None) -> dict[str, str] | None:
    if part is None:
        return None
    return {"unicode": part.unicode, "plain": part.plain, "latex": part.latex, "symbolic": part.symbolic}


def _shape(tree: ShapeTree | None) -> Any:
    if tree is None:
        return None
    if isinstance(tree, list):
        return [_shape(t) for t in tree]
    return list(tree)


def _layer(layer: LayerCalc) -> dict[str, Any]:
    return {
        "kind": layer.kind,
        "framework": layer.framework.value,
        "inputs": [list(s) for s in layer.inputs],
        "output": _shape(layer.output),
        "params": layer.params,
        "formula": _formula(layer.formula),
        "weights": [{"name": w.name, "shape": list(w.shape), "numel": w.numel} for w in layer.weights],
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {"severity": f.severity.value, "code": f.code, "message": _en(f.message), "layer": f.layer}


def _option(o: WidthOption) -> dict[str, Any]:
    return {
        "units": o.units,
        "params": o.params,
        "first_layer": _layer(o.first),
        "layers": [_layer(layer) for layer in o.layers],
        "weight_bytes": o.weight_bytes,
        "training_bytes": o.training.total,
        "training": {"weights": o.training.weights, "gradients": o.training.gradients,
                     "optimizer_states": o.training.optimizer_states, "optimizer": o.training.optimizer.value},
        "rationale": _en(o.rationale),
        "tags": sorted(o.tags),
        "over": list(o.over),
    }


def _classic(c: ClassicHead) -> dict[str, Any]:
    return {
        "name": c.name,
        "year": c.year,
        "framework": c.framework.value,
        "in_features": c.in_features,
        "in_factors": list(c.in_factors),
        "widths": list(c.widths),
        "head": [_layer(layer) for layer in c.head],
        "head_params": c.head_params,
        "total_params": c.total_params,
        "first_share": float(c.first_share),
        "head_share": float(c.head_share),
        "note": _en(c.note),
        "source": c.source,
    }


def suggestion_document(s: Suggestion) -> dict[str, Any]:
    return {
        "schema": SCHEMA_SUGGEST,
        "in_features": s.in_features,
        "classes": s.classes,
        "hidden_layers": s.hidden_layers,
        "dtype": s.dtype,
        "budget": s.budget,
        "samples": s.samples,
        "gpu_memory": s.gpu_memory,
        "geometric_mean": s.geometric,
        "geometric_rounded": s.geometric_rounded,
        "options": [_option(o) for o in s.options],
        "recommended": None if s.recommended is None else list(s.recommended),
        "recommendation": _en(s.recommendation),
        "limits": {"int32_units": s.max_int32, "proto_2gb_units": s.max_proto, "gpu_units": s.max_gpu,
                   "budget_units": s.max_budget},
        "structural": None if s.structural is None else _en(s.structural),
        "rules": [
            {"key": rv.rule.key, "label": rv.rule.label.value, "statement": _en(rv.rule.statement),
             "value": None if rv.value is None else _en(rv.value), "low": rv.low, "high": rv.high,
             "note": None if rv.rule.note is None else _en(rv.rule.note), "source": rv.rule.source}
            for rv in s.rules
        ],
        "classics": [_classic(c) for c in s.classics],
        "findings": [_finding(f) for f in s.findings],
    }


def _row(row: LayerReport | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "name": row.name,
        "type": row.calc.kind if row.calc is not None else row.type,
        "output_shape": _shape(row.output_shape),
        "params": row.params,
        "formula": _formula(row.formula),
    }


def whatif_document(w: WhatIf) -> dict[str, Any]:
    return {
        "schema": SCHEMA_WHATIF,
        "changes": [{"kind": c.kind, "text": c.text} for c in w.changes],
        "descriptions": [_en(d) for d in w.descriptions],
        "before": {"params": w.before_total, "trainable": w.before.trainable_params,
                   "weight_bytes_float32": w.bytes("before"), "training_bytes_adam": w.training_bytes("before")},
        "after": {"params": w.after_total, "trainable": w.after.trainable_params,
                  "weight_bytes_float32": w.bytes("after"), "training_bytes_adam": w.training_bytes("after")},
        "delta": w.delta,
        "changed": [{"before": _row(c.before), "after": _row(c.after)} for c in w.changed],
        "notes": [_en(n) for n in w.notes],
        "findings": [_finding(f) for f in w.findings],
        "label": w.label or None,
    }


def diagnosis_document(d: Diagnosis) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": _en(d.name),
        "excerpt": d.excerpt,
        "cause": _en(d.cause),
        "details": [_en(m) for m in d.details],
        "fixes": [_en(m) for m in d.fixes],
        "layer": d.layer,
        "numbers": dict(d.numbers),
    }


def _planned(p: PlannedLayer) -> dict[str, Any]:
    return {"label": p.label, "units": p.units, "n_in": p.n_in, "after": p.after, "before": p.before,
            "layer": _layer(p.layer)}


def advice_document(a: PasteAdvice) -> dict[str, Any]:
    o = a.oversized
    return {
        "schema": SCHEMA_ADVICE,
        "diagnoses": [diagnosis_document(d) for d in a.diagnoses],
        "planned": [_planned(p) for p in a.planned],
        "planned_findings": [_finding(f) for f in a.planned_findings],
        "oversized": None if o is None else {"layer": o.layer, "n_in": o.n_in, "source": o.source,
                                             "dims": list(o.dims), "params": o.params, "share": float(o.share)},
        "suggestion": None if a.suggestion is None else suggestion_document(a.suggestion),
        "alternatives": [whatif_document(w) for w in a.alternatives],
    }


def result_advice(result: CommandResult) -> dict[str, Any] | None:
    """The advice document of a ``/suggest`` or ``/whatif`` result (None for other commands)."""
    suggestion = getattr(result, "suggestion", None)
    whatif = getattr(result, "whatif", None)
    if isinstance(suggestion, Suggestion):
        return suggestion_document(suggestion)
    if isinstance(whatif, WhatIf):
        return whatif_document(whatif)
    return None
