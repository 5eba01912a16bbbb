"""Terminal text for sizing advice: ``/suggest`` tables, ``/whatif`` comparisons, error diagnoses and
the full advice on a pasted model, in English or Chinese.

    Dense widths for 86,400 inputs → 4 outputs · hidden_layers=1 · float32
     units  first layer                                  head params  weights    train (Adam)  why
       512  86,400 × 512 + 512 = 44,237,312               44,239,364  169 MiB    675 MiB       inside the …
    ...

Every number comes from calc (:mod:`calc.advise`, :mod:`calc.whatif`, :mod:`calc.diagnose`); this
module only lays it out, writing lines to a ``print_fn`` so tests and other front ends capture them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from calc.advise import (
    ClassicHead,
    PasteAdvice,
    Suggestion,
    alternative_message,
    oversized_message,
    planned_message,
    table_message,
)
from calc.commands import CommandResult
from calc.cost import format_bytes
from calc.diagnose import Diagnosis
from calc.findings import Finding, Severity
from calc.i18n import Message, register
from calc.report import LayerReport
from calc.types import format_shape
from calc.whatif import WhatIf

__all__ = [
    "advice_lines",
    "diagnosis_lines",
    "paste_advice_lines",
    "render_advice",
    "suggestion_lines",
    "whatif_lines",
    "write_advice",
]

PrintFn = Callable[[str], Any]

register(
    {
        "atext.suggest.title": {
            "en": "Dense widths for {n} inputs → {m} outputs · hidden_layers={hidden} · {dtype}",
            "zh": "{n} 个输入 → {m} 个输出的 Dense 宽度 · hidden_layers={hidden} · {dtype}",
        },
        "atext.col.units": {"en": "units", "zh": "单元"},
        "atext.col.first": {"en": "first layer", "zh": "第一层"},
        "atext.col.head": {"en": "head params", "zh": "分类头参数"},
        "atext.col.weights": {"en": "weights", "zh": "权重"},
        "atext.col.train": {"en": "train (Adam)", "zh": "训练（Adam）"},
        "atext.col.why": {"en": "why", "zh": "理由"},
        "atext.recommended": {"en": "recommended: {text}", "zh": "推荐：{text}"},
        "atext.geometric": {
            "en": "√({n}·{m}) ≈ {rounded} ({exact})",
            "zh": "√({n}·{m}) ≈ {rounded}（{exact}）",
        },
        "atext.limits": {
            "en": "widest first layer: {max_int32} units under 2**31 − 1 elements · {max_proto} under 2 GB in {dtype}",
            "zh": "第一层最宽：2**31 − 1 个元素以内 {max_int32} 个单元 · {dtype} 下 2 GB 以内 {max_proto} 个",
        },
        "atext.limit_gpu": {
            "en": "widest that trains with Adam in {gpu}: {max}",
            "zh": "用 Adam 在 {gpu} 内可训练的最宽：{max}",
        },
        "atext.limit_budget": {
            "en": "widest within the budget of {budget} parameters: {max}",
            "zh": "{budget} 个参数预算以内最宽：{max}",
        },
        "atext.classics": {"en": "What classic networks used:", "zh": "经典网络的做法："},
        "atext.classic": {
            "en": "{name} ({year}): {path}: head {parts} = {head} = {head_share} of {total}; the first layer alone "
            "{first_share}",
            "zh": "{name}（{year}）：{path}：分类头 {parts} = {head}，占全部 {total} 的 {head_share}；"
            "仅第一层就占 {first_share}",
        },
        "atext.classic_one": {
            "en": "{name} ({year}): {path}: head {head} = {head_share} of {total}",
            "zh": "{name}（{year}）：{path}：分类头 {head}，占全部 {total} 的 {head_share}",
        },
        "atext.gap_in": {"en": "global pooling {c}", "zh": "全局池化 {c}"},
        "atext.rules": {"en": "Rules of thumb:", "zh": "经验规则："},
        "atext.rule": {"en": "[{label}] {statement}{value} ({note}source: {source})",
                       "zh": "[{label}] {statement}{value}（{note}出处：{source}）"},
        "atext.rule_value": {"en": ": {value}", "zh": "：{value}"},
        "atext.rule_note": {"en": "{note}; ", "zh": "{note}；"},
        "atext.whatif.title": {"en": "What if: {change}", "zh": "假设：{change}"},
        "atext.col.before": {"en": "before", "zh": "修改前"},
        "atext.col.after": {"en": "after", "zh": "修改后"},
        "atext.row.params": {"en": "parameters", "zh": "参数"},
        "atext.row.weights": {"en": "weights (float32)", "zh": "权重（float32）"},
        "atext.row.train": {"en": "training (Adam)", "zh": "训练（Adam）"},
        "atext.changed": {"en": "Changed layers:", "zh": "变化的层："},
        "atext.layer.changed": {"en": "{layer}: {before} → {after}", "zh": "{layer}：{before} → {after}"},
        "atext.layer.added": {"en": "{layer}: new, output {shape}, {params}", "zh": "{layer}：新增，输出 {shape}，{params}"},
        "atext.layer.removed": {"en": "{layer}: removed ({params})", "zh": "{layer}：删除（{params}）"},
        "atext.layer.count": {"en": "{formula} = {params}", "zh": "{formula} = {params}"},
        "atext.layer.none": {"en": "no parameters", "zh": "无参数"},
        "atext.nothing_changed": {
            "en": "No layer's parameters change.",
            "zh": "没有任何层的参数发生变化。",
        },
        "atext.diag.title": {"en": "{name}", "zh": "{name}"},
        "atext.diag.error": {"en": "error: {text}", "zh": "报错：{text}"},
        "atext.diag.fix": {"en": "fix: {text}", "zh": "解决：{text}"},
        "atext.advice.alternatives": {
            "en": "Alternatives computed on your model:",
            "zh": "在你的模型上计算的替代方案：",
        },
        "atext.severity.error": {"en": "error: {text}", "zh": "错误：{text}"},
        "atext.severity.warning": {"en": "warning: {text}", "zh": "警告：{text}"},
        "atext.severity.info": {"en": "note: {text}", "zh": "提示：{text}"},
        "atext.label.folklore": {"en": "folklore", "zh": "经验之谈"},
        "atext.label.evidence": {"en": "evidence", "zh": "有证据"},
    }
)


def _t(key: str, lang: str, **args: Any) -> str:
    return Message(key, args).render(lang)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _width(text: str) -> int:
    """Terminal cells: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _table(rows: Sequence[Sequence[str]], right: Sequence[bool]) -> list[str]:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [_pad(c, widths[i], right[i]) for i, c in enumerate(r)]
        out.append("  ".join(cells).rstrip())
    return out


def _finding(f: Finding, lang: str) -> str:
    return _t(f"atext.severity.{Severity(f.severity).value}", lang, text=_one_line(f.message.render(lang)))


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


# ---------------------------------------------------------------------------------------------
# /suggest


def _classic_line(c: ClassicHead, lang: str) -> str:
    dims = "·".join(str(d) for d in c.in_factors)
    if len(c.in_factors) > 1:
        start = f"{c.in_features:,} ({dims})"
    else:
        start = _t("atext.gap_in", lang, c=f"{c.in_features:,}")
    path = " → ".join([start, *(f"{w:,}" for w in c.widths)])
    if len(c.head) == 1:
        return _t("atext.classic_one", lang, name=c.name, year=str(c.year), path=path, head=c.head_params,
                  head_share=_pct(float(c.head_share)), total=c.total_params)
    parts = " + ".join(f"{layer.params:,}" for layer in c.head)
    return _t("atext.classic", lang, name=c.name, year=str(c.year), path=path, parts=parts, head=c.head_params,
              head_share=_pct(float(c.head_share)), total=c.total_params, first_share=_pct(float(c.first_share)))


def suggestion_lines(s: Suggestion, lang: str = "en") -> Iterable[str]:
    yield _t("atext.suggest.title", lang, n=s.in_features, m=s.classes, hidden=s.hidden_layers, dtype=s.dtype)
    header = [_t(f"atext.col.{k}", lang) for k in ("units", "first", "head", "weights", "train", "why")]
    rows = [header]
    for o in s.options:
        first = o.first
        formula = first.formula.unicode if first.formula is not None else ""
        mark = "*" if "recommended" in o.tags else " "
        rows.append([
            f"{mark}{o.units:,}", f"{formula} = {first.params:,}", f"{o.params:,}", format_bytes(o.weight_bytes),
            format_bytes(o.training.total), _one_line(o.rationale.render(lang)),
        ])  # fmt: skip
    for line in _table(rows, (True, False, True, True, True, False)):
        yield " " + line
    yield _t("atext.recommended", lang, text=_one_line(s.recommendation.render(lang)))
    yield "  " + _t("atext.geometric", lang, n=s.in_features, m=s.classes, rounded=s.geometric_rounded,
                    exact=f"{s.geometric:,.2f}")
    yield "  " + _t("atext.limits", lang, max_int32=s.max_int32, max_proto=s.max_proto, dtype=s.dtype)
    if s.max_gpu is not None and s.gpu_memory is not None:
        yield "  " + _t("atext.limit_gpu", lang, gpu=format_bytes(s.gpu_memory), max=s.max_gpu)
    if s.max_budget is not None and s.budget is not None:
        yield "  " + _t("atext.limit_budget", lang, budget=s.budget, max=s.max_budget)
    if s.structural is not None:
        yield "  " + _one_line(s.structural.render(lang))
    for f in s.findings:
        yield _finding(f, lang)
    yield _t("atext.classics", lang)
    for c in s.classics:
        yield "  " + _classic_line(c, lang)
        yield "    " + _one_line(c.note.render(lang))
    yield _t("atext.rules", lang)
    for rv in s.rules:
        r = rv.rule
        value = _t("atext.rule_value", lang, value=rv.value.render(lang)) if rv.value is not None else ""
        note = _t("atext.rule_note", lang, note=r.note.render(lang)) if r.note is not None else ""
        yield "  " + _t("atext.rule", lang, label=_t(f"atext.label.{r.label.value}", lang),
                        statement=r.statement.render(lang), value=value, note=note, source=r.source)


# ---------------------------------------------------------------------------------------------
# /whatif


def _count(row: LayerReport | None, lang: str) -> str:
    if row is None or not row.params:
        return _t("atext.layer.none", lang)
    if row.formula is not None:
        return _t("atext.layer.count", lang, formula=row.formula.unicode, params=row.params)
    return f"{row.params:,}"


def _label(row: LayerReport) -> str:
    kind = row.calc.kind if row.calc is not None else row.type
    return f"{row.name} ({kind})" if row.name else kind


def whatif_lines(w: WhatIf, lang: str = "en") -> Iterable[str]:
    change = "; ".join(_one_line(d.render(lang)) for d in w.descriptions)
    yield _t("atext.whatif.title", lang, change=change)
    delta = w.delta
    pct = f", {delta / w.before_total * 100:+.1f} %" if w.before_total else ""
    sign = "−" if delta < 0 else "+"
    rows = [
        ["", _t("atext.col.before", lang), _t("atext.col.after", lang), ""],
        [_t("atext.row.params", lang), f"{w.before_total:,}", f"{w.after_total:,}",
         f"({sign}{abs(delta):,}{pct.replace('-', '−')})"],
        [_t("atext.row.weights", lang), format_bytes(w.bytes("before")), format_bytes(w.bytes("after")), ""],
        [_t("atext.row.train", lang), format_bytes(w.training_bytes("before")), format_bytes(w.training_bytes("after")),
         ""],
    ]  # fmt: skip
    for line in _table(rows, (False, True, True, False)):
        yield "  " + line
    if w.changed:
        yield _t("atext.changed", lang)
        for c in w.changed:
            if c.before is not None and c.after is not None:
                yield "  " + _t("atext.layer.changed", lang, layer=_label(c.after), before=_count(c.before, lang),
                                after=_count(c.after, lang))
            elif c.after is not None:
                shape = format_shape(c.after.output_shape) if c.after.output_shape is not None else "?"
                yield "  " + _t("atext.layer.added", lang, layer=_label(c.after), shape=shape,
                                params=_count(c.after, lang))
            elif c.before is not None:
                yield "  " + _t("atext.layer.removed", lang, layer=_label(c.before), params=_count(c.before, lang))
    else:
        yield _t("atext.nothing_changed", lang)
    for note in w.notes:
        yield _t("atext.severity.info", lang, text=_one_line(note.render(lang)))
    for f in w.findings:
        yield _finding(f, lang)


# ---------------------------------------------------------------------------------------------
# Diagnoses and the full advice on a paste.


def diagnosis_lines(d: Diagnosis, lang: str = "en") -> Iterable[str]:
    yield _t("atext.diag.title", lang, name=d.name.render(lang))
    yield "  " + _t("atext.diag.error", lang, text=d.excerpt)
    yield "  " + _one_line(d.cause.render(lang))
    for detail in d.details:
        yield "  " + _one_line(detail.render(lang))
    for fix in d.fixes:
        yield "  " + _t("atext.diag.fix", lang, text=_one_line(fix.render(lang)))


def paste_advice_lines(a: PasteAdvice, lang: str = "en") -> Iterable[str]:
    for d in a.diagnoses:
        yield from diagnosis_lines(d, lang)
    for p in a.planned:
        yield _one_line(planned_message(p).render(lang))
    if a.oversized is not None:
        yield _one_line(oversized_message(a.oversized).render(lang))
    if a.suggestion is not None:
        yield _one_line(table_message(a.suggestion).render(lang))
    if a.alternatives:
        yield _t("atext.advice.alternatives", lang)
        for w in a.alternatives:
            yield "  " + _one_line(alternative_message(w).render(lang))


# ---------------------------------------------------------------------------------------------
# Entry points.


Renderable = Suggestion | WhatIf | Diagnosis | PasteAdvice | CommandResult


def advice_lines(obj: Renderable, lang: str = "en") -> Iterable[str]:
    """Lines for any advice object, or a command result that carries one (``/suggest``, ``/whatif``)."""
    if isinstance(obj, Suggestion):
        yield from suggestion_lines(obj, lang)
    elif isinstance(obj, WhatIf):
        yield from whatif_lines(obj, lang)
    elif isinstance(obj, Diagnosis):
        yield from diagnosis_lines(obj, lang)
    elif isinstance(obj, PasteAdvice):
        yield from paste_advice_lines(obj, lang)
    else:
        suggestion = getattr(obj, "suggestion", None)
        whatif = getattr(obj, "whatif", None)
        if isinstance(suggestion, Suggestion):
            yield from suggestion_lines(suggestion, lang)
        elif isinstance(whatif, WhatIf):
            yield from whatif_lines(whatif, lang)


def write_advice(obj: Renderable, lang: str = "en", print_fn: PrintFn = print) -> None:
    for line in advice_lines(obj, lang):
        print_fn(line)


def render_advice(obj: Renderable, lang: str = "en") -> str:
    return "\n".join(advice_lines(obj, lang))
