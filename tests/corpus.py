"""The real-framework corpus (tests/fixtures/corpus, copied from the shared corpus) as test cases.

Each case is one layer or module with the configuration the framework reported, the input shapes
it really received and the true counts and output shape read from the built model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from calc.catalog import derive, lookup
from calc.errors import UnknownLayerKind
from calc.types import Framework, Shape, ShapeTree

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "corpus"


@cache
def load(model_id: str) -> dict[str, Any]:
    return json.loads((CORPUS / f"{model_id}.json").read_text())


def model_ids(prefix: str) -> list[str]:
    return sorted(p.stem for p in CORPUS.glob(f"{prefix}*.json"))


def _is_shape(x: Any) -> bool:
    return isinstance(x, list) and all(d is None or isinstance(d, int) for d in x)


def as_tree(x: Any) -> Any:
    """Canonical nested-list form of a shape or a tree of shapes (tuples and lists alike)."""
    if isinstance(x, (list, tuple)):
        return [as_tree(v) for v in x]
    return x


def _shape(x: Any) -> Shape:
    return tuple(x)


@dataclass
class Case:
    model: str
    name: str
    type: str
    framework: Framework
    config: dict[str, Any]
    inputs: list[Shape]
    params: int
    trainable: int
    non_trainable: int
    output: Any
    buffers: int | None = None
    param_shapes: dict[str, list[int]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.model}:{self.name} ({self.type})"


def _pick(output: Any, tensor_index: int) -> Shape:
    if _is_shape(output):
        return _shape(output)
    return _shape(output[tensor_index])


def keras_cases(model_id: str) -> Iterator[Case]:
    d = load(model_id)
    outputs: dict[str, Any] = {}
    model_inputs = d["input_shape"]
    model_inputs = [model_inputs] if _is_shape(model_inputs) else model_inputs

    def walk(layers: list[dict[str, Any]], first_inputs: list[Shape], functional: bool) -> Iterator[Case]:
        prev: list[Shape] = first_inputs
        for layer in layers:
            conns = layer.get("connected_to")
            if functional and conns is not None:
                ins = [_pick(outputs[src], t) for src, _node, t in conns]
            else:
                ins = prev
            if layer["type"] == "InputLayer":
                cfg = layer["config"]
                ins = [_shape(cfg.get("batch_shape") or cfg["batch_input_shape"])]
            if "layers" in layer:  # a nested model: its sublayers chain from the container's input
                yield from walk(layer["layers"], ins[:1], functional=False)
            else:
                try:
                    entry = lookup(layer["type"], Framework.KERAS)
                    if entry.max_inputs == 1:
                        ins = ins[:1]  # a shared layer lists every call; one is enough
                except UnknownLayerKind:
                    pass
                yield Case(
                    model=model_id,
                    name=layer["name"],
                    type=layer["type"],
                    framework=Framework.KERAS,
                    config=layer["config"],
                    inputs=ins,
                    params=layer["params"],
                    trainable=layer["trainable_params"],
                    non_trainable=layer["non_trainable_params"],
                    output=layer["output_shape"],
                )
            outputs[layer["name"]] = layer["output_shape"]
            out = layer["output_shape"]
            prev = [_pick(out, 0)] if out is not None else prev

    functional = d.get("summary_layout") == "functional"
    yield from walk(d["layers"], [_shape(s) for s in model_inputs], functional)


def _child(module: dict[str, Any], modules_by_name: dict[str, Any], child: str) -> dict[str, Any]:
    prefix = f"{module['name']}." if module["name"] else ""
    found: dict[str, Any] = modules_by_name[prefix + child]
    return found


def _parent_class(module: dict[str, Any], modules_by_name: dict[str, Any]) -> str | None:
    if not module["name"]:
        return None
    parent = module["name"].rpartition(".")[0]
    return str(modules_by_name[parent]["class"]) if parent in modules_by_name else None


def _encoder_layer_config(module: dict[str, Any], modules_by_name: dict[str, Any]) -> dict[str, Any]:
    """nn.TransformerEncoderLayer / DecoderLayer: d_model and nhead from self_attn, dim_feedforward and
    bias from linear1 (print(model) shows exactly these children)."""
    attn = _child(module, modules_by_name, "self_attn")["config"]
    linear1 = _child(module, modules_by_name, "linear1")["config"]
    return {
        "d_model": attn["embed_dim"],
        "nhead": attn["num_heads"],
        "dim_feedforward": linear1["out_features"],
        "bias": linear1["bias"],
        "batch_first": attn.get("batch_first", False),
    }


def _mha_config(module: dict[str, Any], modules_by_name: dict[str, Any]) -> dict[str, Any]:
    """nn.MultiheadAttention: bias from its out_proj child, add_bias_kv from its own bias_k; inside a
    Transformer layer it is called with need_weights=False, so its second output is None."""
    config = dict(module["config"])
    config["bias"] = _child(module, modules_by_name, "out_proj")["config"]["bias"]
    config["add_bias_kv"] = "bias_k" in module["own_param_shapes"]
    if _parent_class(module, modules_by_name) in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
        config["need_weights"] = False
    return config


# Composite torch modules whose JSON config is empty (or lacks what their children show): their
# configuration is read off their children, exactly as a parser of print(model) would.
TORCH_CONFIG_FROM_CHILDREN: dict[str, Any] = {
    "TransformerEncoderLayer": _encoder_layer_config,
    "TransformerDecoderLayer": _encoder_layer_config,
    "MultiheadAttention": _mha_config,
}


def torch_cases(model_id: str) -> Iterator[Case]:
    d = load(model_id)
    modules = d["modules"]
    by_name = {m["name"]: m for m in modules}
    for m in modules:
        try:
            entry = lookup(m["class"], Framework.TORCH)
        except UnknownLayerKind:
            if m["name"] == "" or m["num_children"] > 0:
                continue  # a container (Sequential, a custom Module): counted as the sum of its children
            entry = None
        # The root is the model itself; it is a case only when the model is one catalog layer
        # (model = nn.TransformerEncoderLayer(...)).
        config = dict(m["config"])
        if m["class"] in TORCH_CONFIG_FROM_CHILDREN:
            config = TORCH_CONFIG_FROM_CHILDREN[m["class"]](m, by_name)
        inputs = [_shape(s) for s in (m["input_shape"] or [])]
        if m["num_calls"] == 0 and entry is not None:
            # Never called by the forward pass (MultiheadAttention's out_proj: the attention function uses
            # its weights directly), so no input was seen and no output either: feed an input of unknown
            # sizes, and only the counts are checked (the output check is skipped when output is None).
            inputs = [(None, None)] * entry.min_inputs
        yield Case(
            model=model_id,
            name=m["name"],
            type=m["class"],
            framework=Framework.TORCH,
            config=config,
            inputs=inputs,
            params=m["params"],
            trainable=m["trainable_params"],
            non_trainable=m["params"] - m["trainable_params"],
            output=m["output_shape"],
            buffers=m["buffers"] if m["num_children"] == 0 else None,
            param_shapes=m["own_param_shapes"] if m["num_children"] == 0 else None,
        )


def all_cases(model_id: str) -> Iterator[Case]:
    return torch_cases(model_id) if model_id.startswith("pt_") else keras_cases(model_id)


def check(case: Case) -> str | None:
    """None when the catalog agrees with the framework on this layer; else what differs."""
    try:
        calc = derive(case.type, case.framework, case.config, case.inputs)
    except Exception as exc:  # noqa: BLE001 - reported as the failure text
        return f"{case}: {type(exc).__name__}: {exc}"
    problems = []
    if calc.params != case.params:
        problems.append(f"params {calc.params} != {case.params}")
    if calc.trainable_params != case.trainable:
        problems.append(f"trainable {calc.trainable_params} != {case.trainable}")
    if calc.non_trainable_params != case.non_trainable:
        problems.append(f"non-trainable {calc.non_trainable_params} != {case.non_trainable}")
    if case.buffers is not None and calc.buffer_count != case.buffers:
        problems.append(f"buffers {calc.buffer_count} != {case.buffers}")
    if case.output is not None and as_tree(calc.output) != as_tree(case.output):
        problems.append(f"output {as_tree(calc.output)} != {case.output}")
    weight_total = sum(w.numel for w in calc.weights if w.role != "buffer")
    if weight_total != calc.params:
        problems.append(
            f"weights {[(w.name, w.shape) for w in calc.weights]} add up to {weight_total}, not {calc.params}"
        )
    buffer_total = sum(w.numel for w in calc.weights if w.role == "buffer")
    if buffer_total != calc.buffer_count:
        problems.append(f"buffer weights add up to {buffer_total}, not {calc.buffer_count}")
    if case.param_shapes is not None:
        mine = {w.name: list(w.shape) for w in calc.weights if w.role != "buffer"}
        if mine != case.param_shapes:
            problems.append(f"parameter shapes {mine} != {case.param_shapes}")
    formula = calc.formula
    if formula is not None and formula.value != calc.params:
        problems.append(f"formula {formula.plain} = {formula.value} != params {calc.params}")
    return f"{case} [in {case.inputs}, cfg {case.config}]: " + "; ".join(problems) if problems else None


__all__ = [
    "CORPUS",
    "FIXTURES",
    "Case",
    "ShapeTree",
    "all_cases",
    "as_tree",
    "check",
    "keras_cases",
    "load",
    "model_ids",
    "torch_cases",
]


def report(types: set[str] | None = None) -> None:
    """``python -m tests.corpus [Type ...]``: failures per layer type over the whole corpus."""
    from collections import Counter

    ok: Counter[str] = Counter()
    bad: dict[str, list[str]] = {}
    for model_id in model_ids("k3_") + model_ids("tfk2_") + model_ids("pt_"):
        for case in all_cases(model_id):
            if types and case.type not in types:
                continue
            msg = check(case)
            if msg:
                bad.setdefault(case.type, []).append(msg)
            else:
                ok[case.type] += 1
    for t in sorted(set(ok) | set(bad)):
        print(f"{t:32} ok {ok[t]:5}  bad {len(bad.get(t, [])):5}")
    for _type, msgs in sorted(bad.items()):
        for msg in msgs[:3]:
            print("  ", msg[:400])


if __name__ == "__main__":
    import sys

    report(set(sys.argv[1:]) or None)
