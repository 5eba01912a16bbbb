"""Embedding tables: Keras Embedding and ReversibleEmbedding, PyTorch Embedding and EmbeddingBag.

An embedding is a lookup table with one learned row per token id: vocabulary × width parameters, no
bias, and no multiply-accumulates (a lookup copies rows).  The output adds a last axis of the
table's width, except EmbeddingBag, which reduces each bag to one row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from calc.catalog.base import Config, Derived, LayerKind, Solvable, Weight, register, single_input
from calc.errors import ConfigError, ShapeError
from calc.formula import Formula, TermSum, add, mul, sym
from calc.i18n import Message
from calc.i18n import register as register_text
from calc.types import Dim, Framework, Shape

vocab, emb_dim, lora_rank = sym("vocab"), sym("emb_dim"), sym("lora_rank")

# One row of emb_dim numbers per token id.  Keras: "embeddings" (input_dim, output_dim)
# (layers/core/embedding.py build); PyTorch: "weight" (num_embeddings, embedding_dim) (nn/modules/sparse.py).
EMBEDDING = Formula.of(mul(vocab, emb_dim))
# Keras ReversibleEmbedding(tie_weights=False) adds "reverse_embeddings" (output_dim, input_dim)
# (layers/core/reversible_embedding.py build).
REVERSE = Formula.of(mul(emb_dim, vocab))
# Keras LoRA (enable_lora): the table is frozen and two trainable factors are added,
# lora_embeddings_a (input_dim, rank) and lora_embeddings_b (rank, output_dim).
LORA = Formula.of(add(mul(vocab, lora_rank), mul(lora_rank, emb_dim)))

register_text(
    {
        "explain.embedding": {
            "en": "one learned row of {dim} numbers for each of the {vocab} token ids: {vocab} × {dim}, and no bias.",
            "zh": "{vocab} 个词元编号各有一行可学习的 {dim} 个数：{vocab} × {dim}，没有偏置。",
        },
        "explain.embedding_frozen": {
            "en": (
                "one row of {dim} numbers for each of the {vocab} token ids: {vocab} × {dim}, frozen "
                "(not trained), and no bias."
            ),
            "zh": "{vocab} 个词元编号各有一行 {dim} 个数：{vocab} × {dim}，已冻结（不训练），没有偏置。",
        },
        "explain.embedding_bag": {
            "en": (
                "one learned row of {dim} numbers for each of the {vocab} token ids: {vocab} × {dim}; the rows of "
                "each bag are combined by {mode}, so the output has one {dim}-vector per bag."
            ),
            "zh": "{vocab} 个词元编号各有一行可学习的 {dim} 个数：{vocab} × {dim}；每个包内的行按 {mode} 合并，因此每个包输出一个 {dim} 维向量。",
        },
        "explain.embedding_untied": {
            "en": (
                "one learned row of {dim} numbers for each of the {vocab} token ids ({vocab} × {dim}) plus a separate "
                "{dim} × {vocab} matrix for the reverse projection to logits (tie_weights=False)."
            ),
            "zh": "{vocab} 个词元编号各有一行可学习的 {dim} 个数（{vocab} × {dim}），另有一个独立的 {dim} × {vocab} 矩阵用于反向投影到 logits（tie_weights=False）。",
        },
        "explain.embedding_lora": {
            "en": (
                "LoRA of rank {rank}: the {vocab} × {dim} table is frozen (non-trainable) and two trainable factors "
                "are learned, A ({vocab} × {rank}) and B ({rank} × {dim})."
            ),
            "zh": "秩为 {rank} 的 LoRA：{vocab} × {dim} 的表被冻结（不可训练），另学习两个可训练因子 A（{vocab} × {rank}）和 B（{rank} × {dim}）。",
        },
        "note.embedding_macs": {
            "en": "An embedding is a table lookup (it copies rows), not multiply-accumulates, so MACs are 0.",
            "zh": "嵌入层是查表（复制行），不是乘加运算，因此 MACs 为 0。",
        },
        "note.embedding_bag_weighted_macs": {
            "en": "With per_sample_weights, each looked-up row is multiplied by its weight and summed: {macs} MACs.",
            "zh": "使用 per_sample_weights 时，每个查到的行乘以其权重再求和：{macs} 次乘加。",
        },
        "note.embedding_tied": {
            "en": (
                "If this table is shared (tied) with the output layer, as in many language models, its {count} "
                "weights are stored once and count once in the model's total."
            ),
            "zh": "如果这张表与输出层共享（权重绑定，许多语言模型如此），它的 {count} 个权重只存一份，在模型总数中只计一次。",
        },
        "note.embedding_padding": {
            "en": (
                "padding_idx={index} keeps that row at zero and out of training, but the row is still part of the "
                "weight, so the count does not change."
            ),
            "zh": "padding_idx={index} 让这一行保持为零且不参与训练，但它仍是权重的一部分，因此参数数量不变。",
        },
        "error.embedding_padding_idx": {
            "en": "{layer}: padding_idx={index} must lie within the table of {vocab} rows (from -{vocab} to {last}).",
            "zh": "{layer}：padding_idx={index} 必须在 {vocab} 行的表内（-{vocab} 到 {last}）。",
        },
        "error.embedding_bag_input": {
            "en": (
                "{layer} takes a 2-D input (bags, indices per bag), or a 1-D input of indices together with "
                "offsets; got shape {shape}."
            ),
            "zh": "{layer} 接受二维输入（包数, 每包索引数），或一维索引加上 offsets；收到的形状为 {shape}。",
        },
    }
)

_MACS_NOTE = Message("note.embedding_macs")


def _tied(count: int) -> Message:
    return Message("note.embedding_tied", {"count": count})


@register
class KerasEmbedding(LayerKind):
    name = "Embedding"
    framework = Framework.KERAS
    family = "embedding"
    positional = ("input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer",
                  "embeddings_constraint", "mask_zero", "weights", "lora_rank")
    defaults: ClassVar[Mapping[str, Any]] = {"mask_zero": False, "lora_rank": None}
    solvable: ClassVar[Mapping[str, Solvable]] = {"input_dim": "params", "output_dim": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=1)
        v, d = cfg.int("input_dim"), cfg.int("output_dim")
        table = EMBEDDING.bind(vocab=v, emb_dim=d)
        values = {"vocab": v, "dim": d}
        rank = cfg.opt_int("lora_rank")
        if rank:
            lora = LORA.bind(vocab=v, lora_rank=rank, emb_dim=d)
            return Derived(
                output=(*shape, d),
                trainable=lora,
                non_trainable=table,
                explanation=Message("explain.embedding_lora", {**values, "rank": rank}),
                macs=0,
                notes=(_MACS_NOTE,),
                weights=(
                    Weight("embeddings", (v, d), "non_trainable"),
                    Weight("lora_embeddings_a", (v, rank)),
                    Weight("lora_embeddings_b", (rank, d)),
                ),
            )
        return Derived(
            output=(*shape, d),  # compute_output_shape: (*input_shape, output_dim)
            trainable=table,
            explanation=Message("explain.embedding", values),
            macs=0,
            notes=(_MACS_NOTE, _tied(table.value)),
            weights=(Weight("embeddings", (v, d)),),
        )


@register
class KerasReversibleEmbedding(LayerKind):
    """An Embedding that can also project back to the vocabulary (``reverse=True`` when called)."""

    name = "ReversibleEmbedding"
    framework = Framework.KERAS
    family = "embedding"
    positional = ("input_dim", "output_dim", "tie_weights", "embeddings_initializer", "embeddings_regularizer",
                  "embeddings_constraint", "mask_zero", "reverse_dtype", "logit_soft_cap")
    defaults: ClassVar[Mapping[str, Any]] = {"tie_weights": True, "reverse": False}
    solvable: ClassVar[Mapping[str, Solvable]] = {"input_dim": "params", "output_dim": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=1)
        v, d = cfg.int("input_dim"), cfg.int("output_dim")
        values = {"vocab": v, "dim": d}
        table = EMBEDDING.bind(vocab=v, emb_dim=d)
        # compute_output_shape: forward adds output_dim; reverse replaces the last axis with input_dim.
        if cfg.bool("reverse"):
            if shape[-1] is not None and shape[-1] != d:
                raise ShapeError("error.in_features", layer=self.name, expected=d, got=shape[-1], shape=str(shape))
            output: Shape = (*shape[:-1], v)
            positions = 1
            for n in shape[1:-1]:
                positions *= n or 1
            macs = positions * d * v
        else:
            output, macs = (*shape, d), 0
        if cfg.bool("tie_weights"):
            return Derived(
                output=output,
                trainable=table,
                explanation=Message("explain.embedding", values),
                macs=macs,
                notes=(_MACS_NOTE, _tied(table.value)) if not macs else (_tied(table.value),),
                weights=(Weight("embeddings", (v, d)),),
            )
        return Derived(
            output=output,
            trainable=TermSum((table, REVERSE.bind(emb_dim=d, vocab=v))),
            explanation=Message("explain.embedding_untied", values),
            macs=macs,
            notes=(_MACS_NOTE,) if not macs else (),
            weights=(Weight("embeddings", (v, d)), Weight("reverse_embeddings", (d, v))),
        )


def _torch_table(cfg: Config, layer: str) -> tuple[int, int, tuple[Message, ...]]:
    v, d = cfg.int("num_embeddings"), cfg.int("embedding_dim")
    notes: tuple[Message, ...] = ()
    index = cfg.get("padding_idx")
    if index is not None:
        # Embedding.__init__: "Padding_idx must be within num_embeddings".
        if isinstance(index, bool) or not isinstance(index, int) or not -v <= index < v:
            raise ConfigError("error.embedding_padding_idx", layer=layer, index=repr(index), vocab=v, last=v - 1)
        notes = (Message("note.embedding_padding", {"index": index}),)
    return v, d, notes


@register
class TorchEmbedding(LayerKind):
    name = "Embedding"
    framework = Framework.TORCH
    family = "embedding"
    positional = ("num_embeddings", "embedding_dim", "padding_idx", "max_norm", "norm_type", "scale_grad_by_freq",
                  "sparse", "_weight", "_freeze")
    defaults: ClassVar[Mapping[str, Any]] = {"padding_idx": None, "_freeze": False}
    solvable: ClassVar[Mapping[str, Solvable]] = {"num_embeddings": "params", "embedding_dim": "shape"}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=0)
        v, d, notes = _torch_table(cfg, self.name)
        table = EMBEDDING.bind(vocab=v, emb_dim=d)
        # _freeze=True (what Embedding.from_pretrained(freeze=True) passes): weight.requires_grad is False,
        # so the table counts among the parameters but not the trainable ones.
        frozen = cfg.bool("_freeze")
        values = {"vocab": v, "dim": d}
        return Derived(
            output=(*shape, d),  # F.embedding: input.shape + (embedding_dim,)
            trainable=None if frozen else table,
            non_trainable=table if frozen else None,
            explanation=Message("explain.embedding_frozen" if frozen else "explain.embedding", values),
            macs=0,
            notes=(*notes, _MACS_NOTE, _tied(table.value)),
            weights=(Weight("weight", (v, d), "non_trainable" if frozen else "trainable"),),
        )


@register
class TorchEmbeddingBag(LayerKind):
    name = "EmbeddingBag"
    framework = Framework.TORCH
    family = "embedding"
    positional = ("num_embeddings", "embedding_dim", "max_norm", "norm_type", "scale_grad_by_freq", "mode", "sparse",
                  "_weight", "include_last_offset", "padding_idx")
    defaults: ClassVar[Mapping[str, Any]] = {"mode": "mean", "include_last_offset": False, "padding_idx": None}
    solvable: ClassVar[Mapping[str, Solvable]] = {"num_embeddings": "params", "embedding_dim": "shape"}
    max_inputs = 3  # input, offsets, per_sample_weights

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = inputs[0]
        v, d, notes = _torch_table(cfg, self.name)
        mode = cfg.choice("mode", ("sum", "mean", "max"))
        bags: Dim
        weighted: bool
        # F.embedding_bag: a 2-D input is (bags, indices per bag) and takes no offsets; a 1-D input is a
        # flat list of indices cut into bags by offsets (one per bag, plus the end with include_last_offset).
        # per_sample_weights, when given, has the input's shape.
        if len(shape) == 2:
            bags, per_bag = shape
            weighted = any(s == shape for s in inputs[1:])
        elif len(shape) == 1 and len(inputs) >= 2 and len(inputs[1]) == 1:
            n_offsets = inputs[1][0]
            bags = None if n_offsets is None else n_offsets - int(cfg.bool("include_last_offset"))
            per_bag, weighted = None, len(inputs) == 3
        else:
            raise ShapeError("error.embedding_bag_input", layer=self.name, shape=str(inputs))
        table = EMBEDDING.bind(vocab=v, emb_dim=d)
        macs: int | None = 0
        if weighted:
            # A weighted sum of per_bag rows for each bag; with a flat 1-D input the rows per bag vary.
            macs = None if per_bag is None else per_bag * d
            notes = (*notes, Message("note.embedding_bag_weighted_macs", {"macs": "?" if macs is None else macs}))
        else:
            notes = (*notes, _MACS_NOTE)
        return Derived(
            output=(bags, d),
            trainable=table,
            explanation=Message("explain.embedding_bag", {"vocab": v, "dim": d, "mode": mode}),
            macs=macs,
            notes=(*notes, _tied(table.value)),
            weights=(Weight("weight", (v, d)),),
        )
