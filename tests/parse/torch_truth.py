"""Comparing parsed PyTorch texts (torchinfo, torchsummary, print(model)) with the corpus JSON.

The JSON lists ``modules`` in ``named_modules()`` order with what a forward hook saw.  How each
format relates to that list:

* ``print(model)``: one row per module, in the same order; names are the dotted paths.
* torchinfo: one row per hooked *call*, in forward order, nested by call (depth ≤ 3 shown).  A row
  is matched to a module among the children of its parent row's module: same class, an output
  shape one of its calls produced, the first one not matched yet (a second call of the same
  module is a repeat).  torchinfo prints the *first* tensor's shape of a tuple output.
* torchsummary: one row per hooked call of every module except the model, ``Sequential`` and
  ``ModuleList``, in the order the calls finish; the count is the module's ``weight`` + ``bias``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from calc.model import LayerSpec, ModelSpec
from tests.corpus import CORPUS, load

CONTAINERS = {"Sequential", "ModuleList", "ModuleDict"}


def files(kind: str) -> list[Path]:
    """Corpus files of one kind: ``torchinfo``, ``torchinfo_cols``, ``torchsummary``, ``repr``."""
    return sorted(CORPUS.glob(f"pt_*.{kind}.txt"))


def model_id(path: Path) -> str:
    return path.name.split(".", 1)[0]


def modules(path: Path) -> list[dict[str, Any]]:
    return list(load(model_id(path))["modules"])


def first_shape(tree: Any) -> tuple[Any, ...] | None:
    """The first tensor's shape of a (nested) output, as torchinfo prints it."""
    while isinstance(tree, list) and tree and isinstance(tree[0], list):
        tree = tree[0]
    if tree is None:
        return None
    return tuple(tree)


def call_shapes(m: dict[str, Any]) -> list[tuple[Any, ...] | None]:
    calls = m.get("output_shapes_all_calls") or [m["output_shape"]]
    return [first_shape(c) for c in calls]


def _parent(name: str) -> str:
    return name.rpartition(".")[0]


def match_torchinfo(spec: ModelSpec, mods: list[dict[str, Any]]) -> list[tuple[LayerSpec, dict[str, Any], bool]]:
    """(row, module, repeat) for every row; AssertionError when a row has no module to match."""
    by_parent: dict[str, list[dict[str, Any]]] = {}
    for m in mods:
        if m["name"]:
            by_parent.setdefault(_parent(m["name"]), []).append(m)
    used: set[str] = set()
    stack: list[str] = []
    out: list[tuple[LayerSpec, dict[str, Any], bool]] = []
    for row in spec.layers:
        if row.depth == 0:
            root = mods[0]
            assert root["name"] == "" and row.type == root["class"], (row, root["class"])
            used.add("")
            stack = [""]
            out.append((row, root, False))
            continue
        assert 0 < row.depth <= len(stack), f"row at depth {row.depth} under {stack}"
        del stack[row.depth:]
        candidates = [m for m in by_parent.get(stack[-1], []) if m["class"] == row.type]
        fits = [m for m in candidates if row.output_shape is None or row.output_shape in call_shapes(m)]
        fresh = [m for m in fits if m["name"] not in used]
        chosen = fresh[0] if fresh else (fits[0] if fits else None)
        assert chosen is not None, f"line {row.line}: no {row.type} {row.output_shape} under {stack[-1]!r}"
        out.append((row, chosen, chosen["name"] in used))
        used.add(chosen["name"])
        stack.append(chosen["name"])
    return out


def _leftover(m: dict[str, Any], children: dict[str, list[dict[str, Any]]]) -> int:
    """torchinfo 1.8's leftover count: a module's parameters not in any child that ran (its own, or an
    unhooked child's, like MultiheadAttention's ``out_proj``)."""
    return int(m["params"]) - sum(int(c["params"]) for c in children.get(m["name"], []) if c["num_calls"])


def torchinfo_params(
    m: dict[str, Any], mods: list[dict[str, Any]], *, repeat: bool, has_child_rows: bool, depth: int, max_depth: int = 3
) -> tuple[int | None, bool]:
    """(params, recursive) the parser should report for a row, following torchinfo's ``num_params_to_str``."""
    if int(m["params"]) == 0:
        return (None if has_child_rows else 0), False
    if repeat:
        return None, True
    if depth == max_depth or not m["num_children"]:
        return int(m["params"]), False
    children: dict[str, list[dict[str, Any]]] = {}
    for c in mods:
        if c["name"]:
            children.setdefault(_parent(c["name"]), []).append(c)
    left = _leftover(m, children)
    if left > 0:
        return left, False
    return (None if has_child_rows else 0), False


def kernel_of(m: dict[str, Any]) -> tuple[int, ...] | None:
    k = m["config"].get("kernel_size")
    if k is None:
        return None
    return (k,) if isinstance(k, int) else tuple(k)


_UNITS = {"": 1, "K": 10**3, "KILOBYTES": 10**3, "M": 10**6, "MEGABYTES": 10**6, "G": 10**9, "GIGABYTES": 10**9,
          "T": 10**12, "TERABYTES": 10**12}


def mult_adds_unit(text: str) -> int:
    m = re.search(r"Total mult-adds(?: \((?:Units\.)?(\w+)\))?:", text)
    assert m is not None
    return _UNITS[m.group(1) or ""]


def own_weight_bias(m: dict[str, Any]) -> int:
    shapes = m["own_param_shapes"]
    return sum(math.prod(shapes[k]) for k in ("weight", "bias") if k in shapes)


def norm(value: Any) -> Any:
    """Tuples and lists alike, for comparing configs with the JSON."""
    if isinstance(value, (list, tuple)):
        return [norm(v) for v in value]
    return value


def row_key(layer: LayerSpec) -> tuple[Any, ...]:
    """Everything a row says except where it was (its line number)."""
    return (layer.type, layer.name, layer.depth, dict(layer.config), layer.output_shape, layer.input_shape,
            layer.params, layer.trainable, layer.recursive, layer.is_container, layer.kernel_size, layer.mult_adds,
            layer.resolved_type)


def totals_key(spec: ModelSpec) -> tuple[Any, ...]:
    return (spec.total_params, spec.trainable_params, spec.non_trainable_params, spec.total_mult_adds,
            spec.input_shapes)


def in_chat(text: str, *, chinese: bool = False, quote: bool = False, crlf: bool = False, fence: bool = True) -> str:
    """The table as someone pastes it into Discord: a question before, a remark after, a code fence."""
    before = "我的模型参数为什么这么多？下面是输出：" if chinese else "Why does my model have so many parameters? Here it is:"
    after = "谢谢！" if chinese else "thanks in advance :)"
    body = f"```\n{text.strip(chr(10))}\n```" if fence else text
    if quote:
        body = "\n".join("> " + line for line in body.split("\n"))
    out = f"{before}\n{body}\n{after}\n"
    return out.replace("\n", "\r\n") if crlf else out


def wrap(text: str, width: int) -> str:
    """Every line cut into pieces of ``width`` characters, as a narrow terminal wraps them when copied."""
    out: list[str] = []
    for line in text.split("\n"):
        out += [line[k:k + width] for k in range(0, len(line), width)] or [""]
    return "\n".join(out)
