"""ModelSpecs built straight from the corpus JSON, the way each text format shows a model.

The derivation engine is tested on these, so its tests do not depend on the text parsers (written
separately); the parsers' own tests check that they read the texts into the same shape.

* Keras 3 / tf.keras summaries (``k3_*``, ``tfk2_*``): per row the type, name, output shape, count
  and, for functional models, "Connected to"; totals.  No configuration (a summary shows none).
  A nested model is either *expanded* (its row, then its layers one level deeper, as
  ``expand_nested=True`` prints them) or *collapsed* (one row).
* torchinfo (``pt_*``): the model's class as the root row, then one row per module the forward pass
  called, nested by depth up to torchinfo's default limit of 3 (a container at the limit is one row
  with its whole count); a leaf row shows its count, a container row only what the module holds
  outside its children (``--`` → None).  Variant ``torchinfo_cols`` adds the input shapes and the
  kernel column.  Rows are in ``named_modules()`` order; torchinfo prints forward-call order, which
  agrees for these models except ResNet-18 (each BasicBlock calls its ReLU twice, and torchinfo prints
  both calls) and TransformerEncoderLayer (forward runs dropout1 and norm1 before linear1);
  tests/test_derive.py checks this against the corpus texts.  Variant ``torchinfo_depth99`` shows
  every depth (``summary(depth=99)``).
* ``print(model)`` (``pt_*``): every module with the configuration its repr prints, no shapes, no
  counts.  A module whose repr shows no arguments (``MultiheadAttention(``,
  ``TransformerEncoderLayer(``) has an empty configuration, as the parser would give it.

Each spec comes with the truth for every row (:class:`RowTruth`) and the true totals.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from calc.model import Format, Inbound, LayerSpec, ModelSpec
from calc.types import Framework, Shape, ShapeTree
from tests.corpus import load, model_ids

__all__ = [
    "Built",
    "RowTruth",
    "all_built",
    "keras_spec",
    "repr_spec",
    "shape_tree",
    "torchinfo_spec",
    "variants",
]

TORCH_CONTAINERS = {"Sequential", "ModuleList", "ModuleDict"}
TORCHINFO_DEPTH = 3


@dataclass(frozen=True)
class RowTruth:
    type: str
    name: str
    params: int | None  # the true count of what the row stands for (a container's: its whole subtree)
    trainable: int | None
    leaf: bool  # a layer, not a container (a collapsed container counts as a layer of the table)
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def kernel(self) -> tuple[int, ...] | None:
        k = self.config.get("kernel_size")
        if k is None:
            return None
        return tuple(k) if isinstance(k, (list, tuple)) else (k,)


@dataclass(frozen=True)
class Built:
    model: str
    variant: str
    spec: ModelSpec
    truth: tuple[RowTruth, ...]
    total: int
    trainable: int
    non_trainable: int

    def __str__(self) -> str:
        return f"{self.model}[{self.variant}]"


def shape_tree(x: Any) -> ShapeTree | None:
    """JSON shape (a list of dims, or a list of those) → a tuple, or a list of tuples."""
    if x is None or isinstance(x, str):
        return None
    if all(d is None or isinstance(d, int) for d in x):
        return tuple(x)
    return [t for t in (shape_tree(v) for v in x) if t is not None]


def _first(x: Any) -> Shape | None:
    tree = shape_tree(x)
    while isinstance(tree, list):
        tree = tree[0] if tree else None
    return tree


# --- Keras -----------------------------------------------------------------------------------


def keras_spec(model_id: str, *, expanded: bool = True) -> Built:
    d = load(model_id)
    functional = d.get("summary_layout") == "functional"
    rows: list[LayerSpec] = []
    truth: list[RowTruth] = []

    def walk(layers: list[dict[str, Any]], depth: int) -> None:
        for layer in layers:
            nested = "layers" in layer
            out = layer["output_shape"]
            inbound: tuple[Inbound, ...] = ()
            if functional and depth == 0 and layer.get("connected_to"):
                inbound = tuple(Inbound(src, node, t) for src, node, t in layer["connected_to"])
            rows.append(
                LayerSpec(
                    type=layer["type"],
                    name=layer["name"],
                    depth=depth,
                    output_shape=shape_tree(out),
                    output_shape_text=out if isinstance(out, str) else None,
                    params=layer["params"],
                    unbuilt=not layer.get("built", True),
                    is_container=nested,
                    inbound=inbound,
                )
            )
            truth.append(
                RowTruth(layer["type"], layer["name"], layer["params"], layer["trainable_params"],
                         leaf=not nested or not expanded, config=layer.get("config", {}))
            )
            if nested and expanded:
                walk(layer["layers"], depth + 1)

    walk(d["layers"], 0)
    inputs = tuple(
        s.output_shape for s in rows
        if s.depth == 0 and s.type == "InputLayer" and isinstance(s.output_shape, tuple)
    )
    spec = ModelSpec(
        format=Format.KERAS3 if d["format"] == "keras3" else Format.KERAS2,
        framework=Framework.KERAS,
        layers=tuple(rows),
        name=d.get("model_name"),
        input_shapes=inputs,
        total_params=d["total_params"],
        trainable_params=d["trainable_params"],
        non_trainable_params=d["non_trainable_params"],
    )
    variant = "keras" if not any(r.is_container for r in rows) else ("expanded" if expanded else "collapsed")
    return Built(model_id, variant, spec, tuple(truth), d["total_params"], d["trainable_params"],
                 d["non_trainable_params"])


# --- PyTorch ---------------------------------------------------------------------------------


def _children(modules: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for m in modules:
        if m["name"]:
            out.setdefault(m["name"].rpartition(".")[0], []).append(m)
    return out


def torchinfo_spec(model_id: str, *, depth_limit: int = TORCHINFO_DEPTH, columns: bool = False) -> Built:
    d = load(model_id)
    modules = d["modules"]
    kids = _children(modules)

    def shown(m: dict[str, Any]) -> bool:
        return m["name"] == "" or (m["num_calls"] > 0 and m["depth"] <= depth_limit)

    rows: list[LayerSpec] = []
    truth: list[RowTruth] = []
    for m in modules:
        if not shown(m):
            continue
        visible = [c for c in kids.get(m["name"], []) if shown(c)]
        if visible:
            leftover = m["params"] - sum(c["params"] for c in visible)
            params: int | None = leftover or None
        else:
            params = m["params"]
        kernel = None
        if columns and "Conv" in m["class"] and "kernel_size" in m["config"]:
            k = m["config"]["kernel_size"]
            kernel = tuple(k) if isinstance(k, (list, tuple)) else (k,)
        in_shape = None
        if columns and m["input_shape"]:
            in_shape = _first(m["input_shape"][0])
        rows.append(
            LayerSpec(
                type=m["class"],
                depth=m["depth"],
                output_shape=_first(m["output_shape"]),
                input_shape=in_shape,
                params=params,
                is_container=bool(visible) or m["class"] in TORCH_CONTAINERS,
                kernel_size=kernel,
            )
        )
        truth.append(RowTruth(m["class"], m["name"], m["params"], m["trainable_params"],
                              leaf=not visible, config=m["config"]))
    root_in = modules[0]["input_shape"]
    spec = ModelSpec(
        format=Format.TORCHINFO,
        framework=Framework.TORCH,
        layers=tuple(rows),
        input_shapes=tuple(s for s in (_first(x) for x in root_in or []) if s is not None),
        total_params=d["total_params"],
        trainable_params=d["trainable_params"],
        non_trainable_params=d["non_trainable_params"],
    )
    variant = "torchinfo_cols" if columns else "torchinfo" if depth_limit == TORCHINFO_DEPTH else (
        f"torchinfo_depth{depth_limit}")
    return Built(model_id, variant, spec, tuple(truth), d["total_params"], d["trainable_params"],
                 d["non_trainable_params"])


def repr_spec(model_id: str) -> Built:
    d = load(model_id)
    modules = d["modules"]
    rows: list[LayerSpec] = []
    truth: list[RowTruth] = []
    for m in modules:
        config = dict(m["config"]) if m["extra_repr"] else {}
        rows.append(
            LayerSpec(
                type=m["class"],
                name=m["name"] or None,
                depth=m["depth"],
                config=config,
                is_container=m["num_children"] > 0,
            )
        )
        truth.append(RowTruth(m["class"], m["name"], m["params"], m["trainable_params"],
                              leaf=m["num_children"] == 0, config=m["config"]))
    spec = ModelSpec(format=Format.TORCH_REPR, framework=Framework.TORCH, layers=tuple(rows))
    return Built(model_id, "repr", spec, tuple(truth), d["total_params"], d["trainable_params"],
                 d["non_trainable_params"])


# --- all of them -----------------------------------------------------------------------------


def variants(model_id: str) -> list[Built]:
    if model_id.startswith("pt_"):
        return [torchinfo_spec(model_id), torchinfo_spec(model_id, depth_limit=99),
                torchinfo_spec(model_id, columns=True, depth_limit=99), repr_spec(model_id)]
    expanded = keras_spec(model_id)
    if expanded.variant == "keras":
        return [expanded]
    return [expanded, keras_spec(model_id, expanded=False)]


def all_built() -> Iterator[Built]:
    for model_id in model_ids("k3_") + model_ids("tfk2_") + model_ids("pt_"):
        yield from variants(model_id)
