"""ModelSpec → Report: every layer derived through the catalog, every reported number checked.

For each row, in order: find its inputs (the previous layer in a sequential table, the "Connected
to" layers in a functional one, the container's input for the first child of a nested model);
ask :mod:`calc.infer` for configurations, most plausible first; derive each through the catalog
and keep the first that reproduces the reported count and shape.  When none does, the most
plausible one that reproduces the *shape* is layerbot's answer and the row is a mismatch.
Then the totals and the trainable split are added up and compared with the Total lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from calc.catalog import LayerCalc, LayerKind, derive, lookup
from calc.errors import LayerbotError, UnknownLayerKind
from calc.findings import Finding, Severity
from calc.i18n import Message, register
from calc.infer import Candidate, Evidence, candidates
from calc.model import LayerSpec, ModelSpec
from calc.report import LayerReport, Report, Status
from calc.types import Framework, Shape, ShapeTree

__all__ = ["derive_model"]

register(
    {
        "derive.unknown_kind": {
            "en": "{type} is a layer kind I don't know, so I can't check its {reported} parameters.",
            "zh": "{type} 是我不认识的层类型，因此无法核对它的 {reported} 个参数。",
        },
        "derive.unknown_kind_no_count": {
            "en": "{type} is a layer kind I don't know.",
            "zh": "{type} 是我不认识的层类型。",
        },
        "derive.underdetermined": {
            "en": "No configuration of {type} I can think of gives {reported} parameters and output {shape} from input {inputs}.",
            "zh": "我找不到一种 {type} 的配置能从输入 {inputs} 得到 {reported} 个参数和输出 {shape}。",
        },
        "derive.mismatch": {
            "en": "{name}: the summary says {reported} parameters, but {type} with this configuration has {derived} = {formula}.",
            "zh": "{name}：摘要显示 {reported} 个参数，但该配置的 {type} 应有 {derived} = {formula}。",
        },
        "derive.shape_mismatch": {
            "en": "{name}: the summary shows output {reported}, but {type} here gives {derived}.",
            "zh": "{name}：摘要显示输出为 {reported}，但这里的 {type} 得到 {derived}。",
        },
        "derive.container": {
            "en": "{type} holds the {count} layers below it: its count is their sum.",
            "zh": "{type} 包含下面的 {count} 个层：它的参数数量是它们之和。",
        },
        "derive.collapsed_container": {
            "en": "{name} is a nested model shown as one row; paste its summary with expand_nested=True (or its own summary) to check its {reported} parameters.",
            "zh": "{name} 是折叠成一行的嵌套模型；请用 expand_nested=True 粘贴（或单独粘贴它的摘要），以便核对它的 {reported} 个参数。",
        },
        "derive.total_mismatch": {
            "en": "The layers add up to {derived} parameters, but the Total line says {reported}.",
            "zh": "各层参数之和为 {derived}，但 Total 一行显示 {reported}。",
        },
        "derive.total_with_optimizer": {
            "en": "Total {reported} = {derived} weights + {optimizer} optimizer variables (Keras 3 counts the optimizer's state in Total after training).",
            "zh": "Total {reported} = {derived} 个权重 + {optimizer} 个优化器变量（Keras 3 训练后会把优化器状态计入 Total）。",
        },
        "derive.split_mismatch": {
            "en": "The {which} count adds up to {derived}, but the summary says {reported}.",
            "zh": "{which} 参数之和为 {derived}，但摘要显示 {reported}。",
        },
        "derive.split_frozen": {
            "en": "The summary reports {reported_nt} non-trainable parameters where the layers' own split gives {derived_nt}: consistent with layers frozen with trainable=False (frozen weights count as non-trainable).",
            "zh": "摘要显示 {reported_nt} 个不可训练参数，而各层自身的划分为 {derived_nt}：这与用 trainable=False 冻结了部分层一致（冻结的权重计为不可训练）。",
        },
        "derive.negative_count": {
            "en": "{name}: the summary shows {reported}, a negative count: the real count {derived} does not fit in a 32-bit integer and wrapped around.",
            "zh": "{name}：摘要显示 {reported}，是负数：真实数量 {derived} 超出了 32 位整数范围而发生了溢出。",
        },
        "which.trainable": {"en": "trainable", "zh": "可训练"},
        "which.non_trainable": {"en": "non-trainable", "zh": "不可训练"},
    }
)

_CONTAINER_KINDS = {"sequential", "functional", "model", "modulelist", "moduledict"}


@dataclass
class _Scope:
    """A nesting level being filled: the container row and the chain of outputs inside it."""

    index: int | None  # row index of the container (None for the model itself)
    depth: int
    prev: tuple[Shape, ...] | None  # inputs for the next sequential child
    children: list[int] = field(default_factory=list)


def _first_shape(tree: ShapeTree | None) -> Shape | None:
    if tree is None:
        return None
    if isinstance(tree, list):
        return _first_shape(tree[0]) if tree else None
    return tree


def _pick(tree: ShapeTree | None, tensor: int) -> Shape | None:
    if isinstance(tree, list):
        return _first_shape(tree[tensor]) if tensor < len(tree) else None
    return tree


def _same_shape(a: ShapeTree | None, b: ShapeTree | None) -> bool:
    """Equal where both say something: an unknown dim (None) on the reported side matches anything."""
    if a is None or b is None:
        return True
    if isinstance(a, list) or isinstance(b, list):
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(_same_shape(x, y) for x, y in zip(a, b, strict=True))
        # a single reported shape against a multi-output layer: compare with its first output
        return _same_shape(_first_shape(a), _first_shape(b))
    return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))


@dataclass
class _Solved:
    calc: LayerCalc
    cand: Candidate


def _solve(
    entry: LayerKind, fw: Framework, spec: LayerSpec, inputs: tuple[Shape, ...] | None
) -> tuple[_Solved | None, _Solved | None, LayerbotError | None]:
    """(exact match, best shape-only match, last error)."""
    ev = Evidence(fw, entry.name, inputs, spec.output_shape, spec.params, spec.config)
    shape_only: _Solved | None = None
    first: _Solved | None = None
    error: LayerbotError | None = None
    for cand in candidates(ev):
        ins = cand.inputs if cand.inputs is not None else inputs
        if ins is None:
            continue
        try:
            calc = derive(entry, fw, cand.config, ins)
        except LayerbotError as exc:
            error = exc
            continue
        solved = _Solved(calc, cand)
        first = first or solved
        shape_ok = _same_shape(spec.output_shape, calc.output)
        if shape_ok and (spec.params is None or spec.params == calc.params or _wrapped(spec.params, calc.params)):
            return solved, solved, None
        if shape_ok and shape_only is None:
            shape_only = solved
    return None, shape_only or first, error


def _wrapped(reported: int, derived: int) -> bool:
    """A Keras 2 summary on Windows printed counts as int32: a negative number that wrapped."""
    return reported < 0 and (derived - reported) % 2**32 == 0


def derive_model(
    spec: ModelSpec,
    *,
    framework: Framework | None = None,
    input_shapes: Sequence[Shape] | None = None,
) -> Report:
    fw = framework or spec.framework
    findings: list[Finding] = list(spec.findings)
    rows: list[LayerReport] = []
    outputs: dict[str, ShapeTree | None] = {}
    model_inputs = tuple(input_shapes) if input_shapes else (spec.input_shapes or None)
    scopes = [_Scope(None, -1, model_inputs)]
    # Torch reprs list modules, not the forward pass: siblings do not feed each other.
    chain = spec.format.value not in ("torch_repr",)

    for i, ls in enumerate(spec.layers):
        while len(scopes) > 1 and ls.depth <= scopes[-1].depth:
            _close(scopes.pop(), rows, spec, findings)
        scope = scopes[-1]
        scope.children.append(i)
        if ls.inbound:
            ins_list = [_pick(outputs.get(src.layer), src.tensor) for src in ls.inbound]
            inputs: tuple[Shape, ...] | None = (
                None if any(s is None for s in ins_list) else tuple(s for s in ins_list if s is not None)
            )
        else:
            inputs = scope.prev if chain else None

        if ls.is_container or ls.type.lower() in _CONTAINER_KINDS:
            rows.append(_container_row(ls))
            scopes.append(_Scope(i, ls.depth, inputs))
            out = ls.output_shape
        else:
            row, out = _leaf(ls, fw, inputs, findings)
            rows.append(row)
        if ls.name:
            outputs[ls.name] = out
        first = _first_shape(out)
        scope.prev = (first,) if first is not None else None
    while len(scopes) > 1:
        _close(scopes.pop(), rows, spec, findings)
    return _totals(spec, fw, rows, findings)


def _container_row(ls: LayerSpec) -> LayerReport:
    return LayerReport(
        name=ls.name,
        type=ls.type,
        depth=ls.depth,
        status=Status.UNKNOWN,
        explanation=Message("derive.container", {"type": ls.type, "count": 0}),
        output_shape=ls.output_shape,
        reported_params=ls.params,
        is_container=True,
        line=ls.line,
    )


def _close(scope: _Scope, rows: list[LayerReport], spec: ModelSpec, findings: list[Finding]) -> None:
    """A container's count is the sum of its direct children's."""
    if scope.index is None:  # the model itself is never closed as a container
        return
    row = rows[scope.index]
    kids = [rows[j] for j in scope.children]
    if not kids:
        findings.append(
            Finding(
                Severity.INFO,
                "derive.collapsed_container",
                Message(
                    "derive.collapsed_container", {"name": row.name or row.type, "reported": row.reported_params or 0}
                ),
                row.name,
            )
        )
        return
    total = _sum([k.params for k in kids])
    trainable = _sum([k.trainable_params for k in kids])
    non_trainable = _sum([k.non_trainable_params for k in kids])
    status = (
        Status.UNKNOWN
        if total is None
        else (Status.MISMATCH if row.reported_params is not None and row.reported_params != total else Status.OK)
    )
    rows[scope.index] = LayerReport(
        name=row.name,
        type=row.type,
        depth=row.depth,
        status=status,
        explanation=Message("derive.container", {"type": row.type, "count": len(kids)}),
        output_shape=row.output_shape,
        params=total,
        trainable_params=trainable,
        non_trainable_params=non_trainable,
        reported_params=row.reported_params,
        is_container=True,
        line=row.line,
    )
    if status is Status.MISMATCH:
        findings.append(
            Finding(
                Severity.ERROR,
                "derive.mismatch",
                Message(
                    "derive.split_mismatch",
                    {"which": row.name or row.type, "derived": total, "reported": row.reported_params},
                ),
                row.name,
            )
        )


def _sum(values: Sequence[int | None]) -> int | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def _leaf(
    ls: LayerSpec, fw: Framework, inputs: tuple[Shape, ...] | None, findings: list[Finding]
) -> tuple[LayerReport, ShapeTree | None]:
    label = ls.name or ls.type
    try:
        entry = lookup(ls.resolved_type or ls.type, fw)
    except UnknownLayerKind:
        key = "derive.unknown_kind" if ls.params is not None else "derive.unknown_kind_no_count"
        msg = Message(key, {"type": ls.type, "reported": ls.params or 0})
        findings.append(Finding(Severity.WARNING, "derive.unknown_kind", msg, label))
        return LayerReport(
            name=ls.name,
            type=ls.type,
            depth=ls.depth,
            status=Status.UNKNOWN,
            explanation=msg,
            output_shape=ls.output_shape,
            reported_params=ls.params,
            config=dict(ls.config),
            line=ls.line,
        ), ls.output_shape

    exact, best, error = _solve(entry, fw, ls, inputs)
    solved = exact or best
    if solved is None:
        if error is not None:
            msg = error.message
        else:
            msg = Message(
                "derive.underdetermined",
                {
                    "type": ls.type,
                    "reported": ls.params if ls.params is not None else "?",
                    "shape": str(ls.output_shape),
                    "inputs": str(inputs),
                },
            )
        findings.append(Finding(Severity.WARNING, "derive.underdetermined", msg, label))
        return LayerReport(
            name=ls.name,
            type=ls.type,
            depth=ls.depth,
            status=Status.UNKNOWN,
            explanation=msg,
            output_shape=ls.output_shape,
            reported_params=ls.params,
            config=dict(ls.config),
            line=ls.line,
        ), ls.output_shape

    calc, cand = solved.calc, solved.cand
    if exact is not None:
        status = Status.INFERRED if cand.inferred else Status.OK
        if ls.params is not None and ls.params < 0 and _wrapped(ls.params, calc.params):
            findings.append(
                Finding(
                    Severity.ERROR,
                    "derive.negative_count",
                    Message("derive.negative_count", {"name": label, "reported": ls.params, "derived": calc.params}),
                    label,
                )
            )
    else:
        status = Status.MISMATCH
        formula = calc.formula
        if ls.params is not None and ls.params != calc.params:
            findings.append(
                Finding(
                    Severity.ERROR,
                    "derive.mismatch",
                    Message(
                        "derive.mismatch",
                        {
                            "name": label,
                            "reported": ls.params,
                            "type": ls.type,
                            "derived": calc.params,
                            "formula": formula.unicode if formula else "0",
                        },
                    ),
                    label,
                )
            )
        if not _same_shape(ls.output_shape, calc.output):
            findings.append(
                Finding(
                    Severity.ERROR,
                    "derive.shape_mismatch",
                    Message(
                        "derive.shape_mismatch",
                        {"name": label, "reported": str(ls.output_shape), "type": ls.type, "derived": str(calc.output)},
                    ),
                    label,
                )
            )
    # The next layer reads the reported output when there is one, so one bad row stays one bad row.
    out: ShapeTree | None = ls.output_shape if ls.output_shape is not None else calc.output
    config: Mapping[str, Any] = dict(calc.config)
    return LayerReport(
        name=ls.name,
        type=ls.type,
        depth=ls.depth,
        status=status,
        explanation=calc.explanation,
        output_shape=calc.output,
        params=calc.params,
        trainable_params=calc.trainable_params,
        non_trainable_params=calc.non_trainable_params,
        reported_params=ls.params,
        formula=calc.formula,
        config=config,
        inferred=cand.inferred,
        calc=calc,
        line=ls.line,
    ), out


def _totals(spec: ModelSpec, fw: Framework, rows: list[LayerReport], findings: list[Finding]) -> Report:
    top = [r for r in rows if r.depth == min((x.depth for x in rows), default=0)]
    total = _sum([r.params for r in top])
    trainable = _sum([r.trainable_params for r in top])
    non_trainable = _sum([r.non_trainable_params for r in top])
    if total is not None and spec.total_params is not None and total != spec.total_params:
        optimizer = spec.optimizer_params
        if optimizer is not None and total + optimizer == spec.total_params:
            findings.append(
                Finding(
                    Severity.INFO,
                    "derive.total_with_optimizer",
                    Message(
                        "derive.total_with_optimizer",
                        {"reported": spec.total_params, "derived": total, "optimizer": optimizer},
                    ),
                )
            )
        else:
            findings.append(
                Finding(
                    Severity.ERROR,
                    "derive.total_mismatch",
                    Message("derive.total_mismatch", {"derived": total, "reported": spec.total_params}),
                )
            )
    split_known = trainable is not None and non_trainable is not None and spec.trainable_params is not None
    if split_known and (
        trainable != spec.trainable_params
        or (spec.non_trainable_params is not None and non_trainable != spec.non_trainable_params)
    ):
        reported_nt = spec.non_trainable_params
        if (
            reported_nt is not None
            and total is not None
            and spec.trainable_params is not None
            and non_trainable is not None
            and spec.trainable_params + reported_nt == total
            and reported_nt > non_trainable
        ):
            findings.append(
                Finding(
                    Severity.INFO,
                    "derive.split_frozen",
                    Message("derive.split_frozen", {"reported_nt": reported_nt, "derived_nt": non_trainable}),
                )
            )
            trainable, non_trainable = spec.trainable_params, reported_nt
        else:
            findings.append(
                Finding(
                    Severity.ERROR,
                    "derive.split_mismatch",
                    Message(
                        "derive.split_mismatch",
                        {
                            "which": Message("which.trainable"),
                            "derived": trainable,
                            "reported": spec.trainable_params,
                        },
                    ),
                )
            )
    return Report(
        format=spec.format,
        framework=fw,
        layers=tuple(rows),
        total_params=total,
        trainable_params=trainable,
        non_trainable_params=non_trainable,
        reported_total=spec.total_params,
        reported_trainable=spec.trainable_params,
        reported_non_trainable=spec.non_trainable_params,
        findings=tuple(findings),
        name=spec.name,
    )
