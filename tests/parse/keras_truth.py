"""Comparing a parsed Keras summary with the corpus JSON (the numbers the real framework reported)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from calc.model import LayerSpec, ModelSpec
from tests.corpus import CORPUS, as_tree, load

ELLIPSIS = "…"


def summary_files(prefix: str) -> list[Path]:
    return sorted(CORPUS.glob(f"{prefix}*.summary*.txt"))


def model_id(path: Path) -> str:
    return path.name.split(".summary", 1)[0]


def truth_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The JSON layers in the order the file shows them, with their nesting depth."""
    d = load(model_id(path))
    expand = ".expand_nested." in path.name
    out: list[tuple[int, dict[str, Any]]] = []

    def walk(layers: list[dict[str, Any]], depth: int) -> None:
        for layer in layers:
            out.append((depth, layer))
            if expand and "layers" in layer:
                walk(layer["layers"], depth + 1)

    walk(d["layers"], 0)
    return out


def _same_text(parsed: str | None, true: str) -> bool:
    """Equal, or ``parsed`` is a cut ("…") or truncated (Keras 1/2 column width) beginning of ``true``."""
    if parsed is None:
        return False
    if parsed == true:
        return True
    return parsed.endswith(ELLIPSIS) and true.startswith(parsed[:-1])


def compare(path: Path, spec: ModelSpec, *, connections: bool = True) -> list[str]:
    """Every difference between the parsed rows/totals and the JSON truth, as readable lines."""
    d = load(model_id(path))
    truth = truth_rows(path)
    problems: list[str] = []
    narrow = ELLIPSIS in path.read_text()  # some names, types or connections are cut with "…"
    if len(spec.layers) != len(truth):
        problems.append(f"{len(spec.layers)} rows parsed, {len(truth)} in the JSON")
    for k, (ls, (depth, t)) in enumerate(zip(spec.layers, truth, strict=False)):
        problems += [f"row {k} {t['name']}: {p}" for p in _compare_row(ls, depth, t, connections, narrow)]
    for field, key in (("total_params", "total_params"), ("trainable_params", "trainable_params"),
                       ("non_trainable_params", "non_trainable_params")):
        if getattr(spec, field) != d[key]:
            problems.append(f"{field} {getattr(spec, field)} != {d[key]}")
    return problems


def _compare_row(ls: LayerSpec, depth: int, t: dict[str, Any], connections: bool, narrow: bool) -> list[str]:
    p: list[str] = []
    if not _same_text(ls.name, t["name"]):
        p.append(f"name {ls.name!r}")
    if not _same_text(ls.type, t["type"]) and not (ls.resolved_type == t["type"] and t["type"].startswith(
            ls.type.rstrip(ELLIPSIS))):
        p.append(f"type {ls.type!r} (resolved {ls.resolved_type!r})")
    if ls.resolved_type is not None and ls.resolved_type != t["type"]:
        p.append(f"resolved_type {ls.resolved_type!r} != {t['type']!r}")
    if ls.depth != depth:
        p.append(f"depth {ls.depth} != {depth}")
    if ls.is_container and "layers" not in t:
        p.append("is_container, but the JSON has no sublayers")
    true_shape = t["output_shape"]
    if isinstance(true_shape, str):  # "multiple"
        if ls.output_shape is not None or ls.output_shape_text != true_shape:
            p.append(f"shape {ls.output_shape} / {ls.output_shape_text!r} != {true_shape!r}")
    elif (as_tree(ls.output_shape) if ls.output_shape is not None else None) != true_shape:
        p.append(f"shape {ls.output_shape} != {true_shape}")
    if ls.output_shape_text is not None and "output_shape_text" in t and ls.output_shape_text != t[
            "output_shape_text"]:
        p.append(f"shape text {ls.output_shape_text!r} != {t['output_shape_text']!r}")
    if ls.params != t["params"]:
        p.append(f"params {ls.params} != {t['params']}")
    if ls.unbuilt != (not t.get("built", True)):
        p.append(f"unbuilt {ls.unbuilt}")
    if connections and "connected_to" in t and depth == 0:
        got = [(i.layer, i.node, i.tensor) for i in ls.inbound]
        want = [tuple(c) for c in t["connected_to"]]
        if len(got) != len(want):
            p.append(f"inbound {got} != {want}")
        else:
            for g, w in zip(got, want, strict=True):
                if g == w:
                    continue
                if not (narrow and _same_text(g[0], w[0])):  # a cut entry keeps its name, indices may be cut
                    p.append(f"inbound {g} != {w}")
    elif ls.inbound and depth > 0:
        p.append(f"nested row with inbound {ls.inbound}")
    return p
