"""Attention: Keras MultiHeadAttention; PyTorch MultiheadAttention, TransformerEncoderLayer,
TransformerDecoderLayer and the stacks TransformerEncoder, TransformerDecoder and Transformer.

The frameworks size heads differently:

* Keras's ``key_dim`` is the width of *each* head: query, key and value are each projected to
  num_heads × key_dim (value: value_dim), so the count grows with num_heads;
* PyTorch splits ``embed_dim`` across the heads (head_dim = embed_dim / num_heads), so its count,
  4·E² + 4·E, does not depend on num_heads at all.

MACs include the two matrix products that hold no parameters, QKᵀ and attention × V, which
parameter-hook profilers miss (see thop and ptflops issues on MultiheadAttention): they grow with
query length × key length.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

from sympy import Expr

from calc.catalog.base import MAX_STACK, Config, Derived, LayerKind, Weight, known, numel, register, single_input
from calc.errors import ConfigError, ShapeError
from calc.formula import Formula, add, mul, sym
from calc.i18n import Message
from calc.i18n import register as register_text
from calc.types import Dim, Framework, Shape, ShapeTree

num_heads, key_dim, value_dim = sym("num_heads"), sym("key_dim"), sym("value_dim")
d_model, d_query, d_key, d_value, d_out = sym("d_model"), sym("d_query"), sym("d_key"), sym("d_value"), sym("d_out")
embed_dim, kdim, vdim = sym("embed_dim"), sym("kdim"), sym("vdim")
d_ff, num_layers = sym("d_ff"), sym("num_layers")
num_encoder_layers, num_decoder_layers = sym("num_encoder_layers"), sym("num_decoder_layers")


# ---------------------------------------------------------------------------------------------
# Keras MultiHeadAttention: four EinsumDense projections (keras/src/layers/attention/multi_head_attention.py
# _build_from_signature): query kernel (d_query, H, key_dim) + bias (H, key_dim); key the same from d_key;
# value kernel (d_value, H, value_dim) + bias (H, value_dim); attention_output kernel (H, value_dim,
# *output_shape) + bias output_shape; use_gate adds gate kernel (d_query, H, value_dim) + bias (H, value_dim).


def _keras_mha(uniform: bool, bias: bool, gate: bool) -> Expr:
    """``uniform``: self-attention shape, query/key/value of one width d_model and value_dim = key_dim,
    written 3·(d_model·H·key_dim + H·key_dim) + …; otherwise every projection on its own."""
    if uniform:
        proj = add(mul(d_model, num_heads, key_dim), mul(num_heads, key_dim)) if bias else None
        qkv = mul(3, proj) if proj is not None else mul(3, d_model, num_heads, key_dim)
        out = mul(num_heads, key_dim, d_out)
        return add(qkv, out, d_out) if bias else add(qkv, out)
    terms: list[Expr] = []

    def dense(d: Expr, width: Expr) -> None:
        terms.append(mul(d, num_heads, width))
        if bias:
            terms.append(mul(num_heads, width))

    dense(d_query, key_dim)
    dense(d_key, key_dim)
    if gate:
        dense(d_query, value_dim)
    dense(d_value, value_dim)
    terms.append(mul(num_heads, value_dim, d_out))
    if bias:
        terms.append(d_out)
    return add(*terms)


# Keyed by (uniform, bias, gate); the uniform form is only used without a gate.
KERAS_MHA: dict[tuple[bool, bool, bool], Formula] = {
    (u, b, g): Formula.of(_keras_mha(u, b, g)) for u in (True, False) for b in (True, False) for g in (False, True)
    if not (u and g)
}


# ---------------------------------------------------------------------------------------------
# PyTorch MultiheadAttention (torch/nn/modules/activation.py): with kdim = vdim = embed_dim one packed
# in_proj_weight (3E, E), else q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim);
# in_proj_bias (3E); out_proj, a Linear(E, E); add_bias_kv adds bias_k and bias_v, (1, 1, E) each.


def _torch_mha(e: Expr, same: bool, bias: bool, bias_kv: bool) -> list[Expr]:
    terms: list[Expr] = [mul(3, e, e)] if same else [mul(e, e), mul(e, kdim), mul(e, vdim)]
    if bias:
        terms.append(mul(3, e))
    terms.append(mul(e, e))
    if bias:
        terms.append(e)
    if bias_kv:
        terms.append(mul(2, e))
    return terms


# Keyed by (same, bias, bias_kv).
TORCH_MHA: dict[tuple[bool, bool, bool], Formula] = {
    (s, b, kv): Formula.of(add(*_torch_mha(embed_dim, s, b, kv)))
    for s in (True, False) for b in (True, False) for kv in (False, True)
}


# Transformer layers (torch/nn/modules/transformer.py): self_attn (and, in a decoder, multihead_attn),
# a MultiheadAttention(d_model, nhead, bias=bias) each; linear1 Linear(d_model, dim_feedforward);
# linear2 Linear(dim_feedforward, d_model); norm1, norm2 (decoder: norm3) LayerNorm(d_model, bias=bias).


def _feed_forward(bias: bool) -> list[Expr]:
    return [mul(d_model, d_ff), d_ff, mul(d_ff, d_model), d_model] if bias else [mul(d_model, d_ff), mul(d_ff, d_model)]


def _norms(count: int, bias: bool) -> list[Expr]:
    return [mul(2, d_model) if bias else d_model] * count


def _layer(decoder: bool, bias: bool) -> Expr:
    attention = _torch_mha(d_model, True, bias, False)
    return add(*attention, *(attention if decoder else []), *_feed_forward(bias), *_norms(3 if decoder else 2, bias))


ENCODER_LAYER = {b: Formula.of(_layer(False, b)) for b in (True, False)}
DECODER_LAYER = {b: Formula.of(_layer(True, b)) for b in (True, False)}
# Stacks: num_layers deep copies of one layer, then an optional final LayerNorm (nn.Transformer always
# has one after each stack).  Keyed by (decoder, bias, final norm).
STACK: dict[tuple[bool, bool, bool], Formula] = {
    (dec, b, n): Formula.of(add(mul(num_layers, _layer(dec, b)), *(_norms(1, b) if n else [])))
    for dec in (False, True) for b in (True, False) for n in (False, True)
}
TRANSFORMER = {
    b: Formula.of(add(mul(num_encoder_layers, _layer(False, b)), *_norms(1, b),
                      mul(num_decoder_layers, _layer(True, b)), *_norms(1, b)))
    for b in (True, False)
}


register_text(
    {
        "explain.keras_mha": {
            "en": "query, key and value projections to {heads} heads × {key_dim} (value: {value_dim}), each kernel "
            "+ bias, then the output projection {heads} × {value_dim} → {d_out} + {d_out} biases",
            "zh": "query、key、value 分别投影到 {heads} 个头 × {key_dim}（value：{value_dim}），各有核和偏置，"
            "然后输出投影 {heads} × {value_dim} → {d_out} + {d_out} 个偏置",
        },
        "explain.keras_mha_no_bias": {
            "en": "query, key and value projections to {heads} heads × {key_dim} (value: {value_dim}), then the "
            "output projection {heads} × {value_dim} → {d_out} (no biases)",
            "zh": "query、key、value 分别投影到 {heads} 个头 × {key_dim}（value：{value_dim}），"
            "然后输出投影 {heads} × {value_dim} → {d_out}（无偏置）",
        },
        "explain.torch_mha": {
            "en": "in_proj: 3 projections {embed_dim} × {embed_dim} + 3 × {embed_dim} biases; out_proj: "
            "{embed_dim} × {embed_dim} + {embed_dim} biases",
            "zh": "in_proj：3 个投影 {embed_dim} × {embed_dim} + 3 × {embed_dim} 个偏置；out_proj："
            "{embed_dim} × {embed_dim} + {embed_dim} 个偏置",
        },
        "explain.torch_mha_no_bias": {
            "en": "in_proj: 3 projections {embed_dim} × {embed_dim}; out_proj: {embed_dim} × {embed_dim} (no biases)",
            "zh": "in_proj：3 个投影 {embed_dim} × {embed_dim}；out_proj：{embed_dim} × {embed_dim}（无偏置）",
        },
        "explain.torch_mha_kv": {
            "en": "separate projections: query {embed_dim} × {embed_dim}, key {embed_dim} × {kdim}, value "
            "{embed_dim} × {vdim}{biases}; out_proj {embed_dim} × {embed_dim}",
            "zh": "分开的投影：query {embed_dim} × {embed_dim}，key {embed_dim} × {kdim}，value "
            "{embed_dim} × {vdim}{biases}；out_proj {embed_dim} × {embed_dim}",
        },
        "explain.mha_biases": {
            "en": ", with biases",
            "zh": "，含偏置",
        },
        "explain.mha_no_biases": {
            "en": ", no biases",
            "zh": "，无偏置",
        },
        "explain.transformer_encoder_layer": {
            "en": "self-attention ({attention}) + feed-forward {d_model} → {d_ff} → {d_model} ({ff}) + "
            "2 LayerNorms ({norms})",
            "zh": "自注意力（{attention}）+ 前馈网络 {d_model} → {d_ff} → {d_model}（{ff}）+ 2 个 LayerNorm（{norms}）",
        },
        "explain.transformer_decoder_layer": {
            "en": "self-attention ({attention}) + cross-attention ({attention}) + feed-forward {d_model} → {d_ff} → "
            "{d_model} ({ff}) + 3 LayerNorms ({norms})",
            "zh": "自注意力（{attention}）+ 交叉注意力（{attention}）+ 前馈网络 {d_model} → {d_ff} → {d_model}"
            "（{ff}）+ 3 个 LayerNorm（{norms}）",
        },
        "explain.transformer_stack": {
            "en": "{layers} identical {kind} copies, {per_layer} parameters each",
            "zh": "{layers} 个相同的 {kind} 副本，每个 {per_layer} 个参数",
        },
        "explain.transformer_stack_norm": {
            "en": "{layers} identical {kind} copies, {per_layer} parameters each, + a final LayerNorm ({norm})",
            "zh": "{layers} 个相同的 {kind} 副本，每个 {per_layer} 个参数，+ 最后一个 LayerNorm（{norm}）",
        },
        "explain.transformer": {
            "en": "encoder: {enc_layers} layer(s) × {enc} + a final LayerNorm; decoder: {dec_layers} layer(s) × {dec} "
            "+ a final LayerNorm",
            "zh": "编码器：{enc_layers} 层 × {enc} + 最后 1 个 LayerNorm；解码器：{dec_layers} 层 × {dec} + 最后 1 个 LayerNorm",
        },
        "note.keras_key_dim": {
            "en": "key_dim={key_dim} is per head: each projection is {heads} × {key_dim} = {width} wide. PyTorch's "
            "nn.MultiheadAttention splits embed_dim across its heads instead, so there the count does not depend "
            "on the number of heads.",
            "zh": "key_dim={key_dim} 是每个头的维度：每个投影宽 {heads} × {key_dim} = {width}。PyTorch 的 "
            "nn.MultiheadAttention 则把 embed_dim 分给各个头，所以参数数量与头数无关。",
        },
        "note.torch_head_dim": {
            "en": "PyTorch splits embed_dim across the heads: head_dim = {embed_dim} / {heads} = {head_dim}; the "
            "count does not depend on num_heads. (Keras's key_dim is per head.)",
            "zh": "PyTorch 把 embed_dim 分给各个头：head_dim = {embed_dim} / {heads} = {head_dim}；参数数量与 "
            "num_heads 无关。（Keras 的 key_dim 是每个头的维度。）",
        },
        "note.torch_bias_kv": {
            "en": "add_bias_kv adds bias_k and bias_v ({embed_dim} each) and one extra key position.",
            "zh": "add_bias_kv 增加 bias_k 和 bias_v（各 {embed_dim} 个），并多出一个 key 位置。",
        },
        "note.attention_macs": {
            "en": "MACs include the attention matmuls QKᵀ ({qk}) and attention × V ({av}) for {lq} query × {lk} key "
            "positions.",
            "zh": "MACs 包含注意力矩阵乘法 QKᵀ（{qk}）和 注意力 × V（{av}），query 位置 {lq} 个 × key 位置 {lk} 个。",
        },
        "note.attention_macs_layers": {
            "en": "MACs include, in each of the {layers} layers, the attention matmuls QKᵀ ({qk}) and attention × V "
            "({av}) for {lq} query × {lk} key positions.",
            "zh": "MACs 包含 {layers} 层中每一层的注意力矩阵乘法 QKᵀ（{qk}）和 注意力 × V（{av}），"
            "query 位置 {lq} 个 × key 位置 {lk} 个。",
        },
        "note.attention_macs_unknown": {
            "en": "The sequence lengths are unknown here, so MACs (which grow with query length × key length) are not "
            "given.",
            "zh": "这里序列长度未知，所以不给出 MACs（它随 query 长度 × key 长度增长）。",
        },
        "note.keras_scores_symbolic": {
            "en": "The attention scores really have shape {real}; Keras's summary prints {symbolic}, because its "
            "symbolic shape reuses the query length for the keys.",
            "zh": "注意力分数的真实形状是 {real}；Keras 的 summary 会显示 {symbolic}，因为其符号形状把 query 长度"
            "也当作 key 长度。",
        },
        "error.mha_key_value": {
            "en": "{layer}: key and value must agree on every axis but the last; got {key_shape} and {value_shape}.",
            "zh": "{layer}：key 和 value 除最后一个轴外必须一致；实际为 {key_shape} 和 {value_shape}。",
        },
        "error.mha_rank": {
            "en": "{layer}: query {query} and value {value} must have the same rank.",
            "zh": "{layer}：query {query} 和 value {value} 的维数必须相同。",
        },
        "error.attention_axes": {
            "en": "{layer}: attention_axes {axes} must name axes between the batch axis and the feature axis "
            "(1 to {last} for rank {rank}).",
            "zh": "{layer}：attention_axes {axes} 必须是批次轴与特征轴之间的轴（维数 {rank} 时为 1 到 {last}）。",
        },
        "error.embed_width": {
            "en": "{layer}: the {what} has {got} features (shape {shape}), but the layer expects {expected}.",
            "zh": "{layer}：{what} 有 {got} 个特征（形状 {shape}），但该层需要 {expected} 个。",
        },
    }
)


# ---------------------------------------------------------------------------------------------
# Keras MultiHeadAttention.


def _axes(layer: str, value: Any, rank: int) -> tuple[int, ...]:
    """attention_axes as Keras normalizes them: None → every axis between batch and features; negative
    axes count from the end (multi_head_attention.py _build_attention)."""
    if value is None:
        return tuple(range(1, rank - 1))
    items = value if isinstance(value, (list, tuple)) else [value]
    axes: list[int] = []
    for a in items:
        if isinstance(a, bool) or not isinstance(a, int):
            raise ConfigError("error.config", layer=layer, name="attention_axes", value=repr(value),
                              expected="axis numbers")
        axis = a if a >= 0 else a + rank
        if not 1 <= axis <= rank - 2:
            raise ShapeError("error.attention_axes", layer=layer, axes=repr(value), last=rank - 2, rank=rank)
        axes.append(axis)
    return tuple(axes)


def _output_dims(cfg: Config, d_q: int) -> tuple[int, ...]:
    value = cfg.get("output_shape")
    if value is None:
        return (d_q,)  # projects back to the query's width
    if isinstance(value, (list, tuple)):
        return cfg.ints("output_shape", len(value))
    return (cfg.int("output_shape"),)


@register
class KerasMultiHeadAttention(LayerKind):
    name = "MultiHeadAttention"
    framework = Framework.KERAS
    family = "attention"
    positional = ("num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape", "attention_axes")
    defaults = {"value_dim": None, "use_bias": True, "output_shape": None, "attention_axes": None, "use_gate": False,
                "return_attention_scores": False}
    solvable = {"key_dim": "params"}
    min_inputs, max_inputs = 2, 3  # query, value[, key] (the call order)

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        query = single_input(self.name, inputs, min_rank=3)
        value = inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        if len(value) != len(query) or len(key) != len(query):
            raise ShapeError("error.mha_rank", layer=self.name, query=str(query), value=str(value))
        # compute_output_shape: "All dimensions of `value` and `key`, except the last one, must be equal."
        if any(a is not None and b is not None and a != b for a, b in zip(key[1:-1], value[1:-1], strict=True)):
            raise ShapeError("error.mha_key_value", layer=self.name, key_shape=str(key), value_shape=str(value))
        dq = known(self.name, query[-1], "the query's last axis")
        dk = known(self.name, key[-1], "the key's last axis")
        dv = known(self.name, value[-1], "the value's last axis")
        h, kd = cfg.int("num_heads"), cfg.int("key_dim")
        vd = cfg.opt_int("value_dim") or kd
        out_dims = _output_dims(cfg, dq)
        do = math.prod(out_dims)
        bias, gate = cfg.bool("use_bias"), cfg.bool("use_gate")
        rank = len(query)
        axes = _axes(self.name, cfg.get("attention_axes"), rank)

        uniform = dq == dk == dv and vd == kd and not gate
        if uniform:
            values = {"d_model": dq, "num_heads": h, "key_dim": kd, "d_out": do}
        else:
            values = {"d_query": dq, "num_heads": h, "key_dim": kd, "d_key": dk, "d_value": dv, "value_dim": vd,
                      "d_out": do}
        term = KERAS_MHA[(uniform, bias, gate)].bind(**values)

        out: Shape = (*query[:-1], *out_dims)
        notes = [Message("note.keras_key_dim", {"key_dim": kd, "heads": h, "width": h * kd})]
        output: ShapeTree = out
        if cfg.bool("return_attention_scores"):
            # (batch, <non-attention axes>, heads, <query attention axes>, <key attention axes>)
            # (multi_head_attention.py _build_attention_equation).
            others = [query[a] for a in range(1, rank - 1) if a not in axes]
            scores: Shape = (query[0], *others, h, *(query[a] for a in axes), *(key[a] for a in axes))
            symbolic: Shape = (query[0], h, query[1], query[1])  # compute_output_spec
            if symbolic != scores:
                notes.append(Message("note.keras_scores_symbolic", {"real": str(scores), "symbolic": str(symbolic)}))
            output = [out, scores]

        positions_q, positions_k = numel(query[1:-1]), numel(key[1:-1])
        span = numel(key[a] for a in axes)  # key positions each query attends to
        macs: int | None = None
        if positions_q is None or positions_k is None or span is None:
            notes.append(Message("note.attention_macs_unknown"))
        else:
            qk, av = h * positions_q * span * kd, h * positions_q * span * vd
            macs = (positions_q * dq * h * kd + positions_k * dk * h * kd + positions_k * dv * h * vd
                    + (positions_q * dq * h * vd if gate else 0) + qk + av + positions_q * h * vd * do)
            notes.append(Message("note.attention_macs", {"qk": qk, "av": av, "lq": positions_q, "lk": span}))

        def proj(name: str, d: int, width: int) -> tuple[Weight, ...]:
            return (Weight(f"{name}/kernel", (d, h, width)),) + ((Weight(f"{name}/bias", (h, width)),) if bias else ())

        weights = (
            *proj("query", dq, kd),
            *proj("key", dk, kd),
            *(proj("gate", dq, vd) if gate else ()),
            *proj("value", dv, vd),
            Weight("attention_output/kernel", (h, vd, *out_dims)),
            *((Weight("attention_output/bias", out_dims),) if bias else ()),
        )
        key_text = "explain.keras_mha" if bias else "explain.keras_mha_no_bias"
        return Derived(
            output=output,
            trainable=term,
            explanation=Message(key_text, {"heads": h, "key_dim": kd, "value_dim": vd, "d_out": do}),
            macs=macs,
            notes=tuple(notes),
            weights=weights,
        )


# ---------------------------------------------------------------------------------------------
# PyTorch.


def _seq(shape: Shape, batch_first: bool) -> tuple[Dim, bool]:
    """(sequence length, batched) of a torch attention input: (L, N, E), (N, L, E) with batch_first,
    or unbatched (L, E)."""
    if len(shape) == 2:
        return shape[0], False
    return (shape[1] if batch_first else shape[0]), True


def _check_width(layer: str, shape: Shape, expected: int, what: str) -> None:
    if shape[-1] is not None and shape[-1] != expected:
        raise ShapeError("error.embed_width", layer=layer, what=what, got=shape[-1], shape=str(shape),
                         expected=expected)


def _heads(layer: str, e: int, h: int, what: str) -> int:
    """torch asserts embed_dim % num_heads == 0 ("embed_dim must be divisible by num_heads")."""
    if e % h:
        raise ConfigError("error.divisible", layer=layer, what=what, value=e, by_name="num_heads", by=h)
    return e // h


def _mha_macs(lq: int, lk: int, e: int, kd: int, vd: int, extra_keys: int) -> tuple[int, int, int]:
    """(total, QKᵀ, AV) MACs of one torch MultiheadAttention call: projections, scores, weighted sum."""
    span = lk + extra_keys
    qk = av = lq * span * e  # all heads together: H × lq × span × head_dim
    return lq * e * e + lk * kd * e + lk * vd * e + qk + av + lq * e * e, qk, av


def _mha_weights(prefix: str, e: int, kd: int, vd: int, bias: bool, bias_kv: bool) -> list[Weight]:
    if kd == e and vd == e:
        weights = [Weight(f"{prefix}in_proj_weight", (3 * e, e))]
    else:
        weights = [Weight(f"{prefix}q_proj_weight", (e, e)), Weight(f"{prefix}k_proj_weight", (e, kd)),
                   Weight(f"{prefix}v_proj_weight", (e, vd))]
    if bias:
        weights.append(Weight(f"{prefix}in_proj_bias", (3 * e,)))
    if bias_kv:
        weights += [Weight(f"{prefix}bias_k", (1, 1, e)), Weight(f"{prefix}bias_v", (1, 1, e))]
    weights.append(Weight(f"{prefix}out_proj.weight", (e, e)))
    if bias:
        weights.append(Weight(f"{prefix}out_proj.bias", (e,)))
    return weights


@register
class TorchMultiheadAttention(LayerKind):
    """``4·E² + 4·E`` with kdim = vdim = E (torch/nn/modules/activation.py MultiheadAttention).

    Forward-call options read as configuration: need_weights (default True; the Transformer layers
    pass False, so their attention returns None weights) and average_attn_weights (default True)."""

    name = "MultiheadAttention"
    framework = Framework.TORCH
    family = "attention"
    positional = ("embed_dim", "num_heads", "dropout", "bias", "add_bias_kv", "add_zero_attn", "kdim", "vdim",
                  "batch_first")
    defaults = {"bias": True, "add_bias_kv": False, "add_zero_attn": False, "kdim": None, "vdim": None,
                "batch_first": False, "need_weights": True, "average_attn_weights": True}
    solvable = {"embed_dim": "shape"}
    min_inputs, max_inputs = 1, 3  # query, key, value; one input means self-attention

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        query = single_input(self.name, inputs, min_rank=2, max_rank=3)
        key = inputs[1] if len(inputs) > 1 else query
        value = inputs[2] if len(inputs) > 2 else key
        if len(key) != len(query) or len(value) != len(query):
            raise ShapeError("error.mha_rank", layer=self.name, query=str(query), value=str(value))
        e, h = cfg.int("embed_dim"), cfg.int("num_heads")
        head_dim = _heads(self.name, e, h, "embed_dim")
        kd, vd = cfg.opt_int("kdim") or e, cfg.opt_int("vdim") or e
        bias, bias_kv, zero_attn = cfg.bool("bias"), cfg.bool("add_bias_kv"), cfg.bool("add_zero_attn")
        batch_first = cfg.bool("batch_first")
        _check_width(self.name, query, e, "query")
        _check_width(self.name, key, kd, "key")
        _check_width(self.name, value, vd, "value")
        if any(a is not None and b is not None and a != b for a, b in zip(key[:-1], value[:-1], strict=True)):
            raise ShapeError("error.mha_key_value", layer=self.name, key_shape=str(key), value_shape=str(value))
        same = kd == e and vd == e
        values = {"embed_dim": e} | ({} if same else {"kdim": kd, "vdim": vd})
        term = TORCH_MHA[(same, bias, bias_kv)].bind(**values)

        lq, batched = _seq(query, batch_first)
        lk, _ = _seq(key, batch_first)
        # bias_k/bias_v append one key position, add_zero_attn another (F.multi_head_attention_forward).
        extra = int(bias_kv) + int(zero_attn)
        span = lk + extra if lk is not None else None
        out: Shape = (*query[:-1], e)
        weights_shape: Any = None
        if cfg.bool("need_weights"):
            heads: tuple[int, ...] = () if cfg.bool("average_attn_weights") else (h,)
            # attn_output_weights are batch-first whatever batch_first says: (N, [H,] L, S), unbatched ([H,] L, S).
            batch = (query[0] if batch_first else query[1],) if batched else ()
            weights_shape = (*batch, *heads, lq, span)
        notes = [Message("note.torch_head_dim", {"embed_dim": e, "heads": h, "head_dim": head_dim})]
        if bias_kv:
            notes.append(Message("note.torch_bias_kv", {"embed_dim": e}))
        macs: int | None = None
        if lq is None or lk is None:
            notes.append(Message("note.attention_macs_unknown"))
        else:
            macs, qk, av = _mha_macs(lq, lk, e, kd, vd, extra)
            notes.append(Message("note.attention_macs", {"qk": qk, "av": av, "lq": lq, "lk": lk + extra}))
        if same:
            explanation = Message("explain.torch_mha" if bias else "explain.torch_mha_no_bias", {"embed_dim": e})
        else:
            biases = Message("explain.mha_biases" if bias else "explain.mha_no_biases")
            explanation = Message("explain.torch_mha_kv", {"embed_dim": e, "kdim": kd, "vdim": vd, "biases": biases})
        output: list[Any] = [out, weights_shape]
        return Derived(
            output=output,
            trainable=term,
            explanation=explanation,
            macs=macs,
            notes=tuple(notes),
            weights=tuple(_mha_weights("", e, kd, vd, bias, bias_kv)),
        )


_TRANSFORMER_DEFAULTS: Mapping[str, Any] = {
    "dim_feedforward": 2048,
    "dropout": 0.1,
    "activation": "relu",
    "layer_norm_eps": 1e-5,
    "batch_first": False,
    "norm_first": False,
    "bias": True,
}


def _layer_weights(prefix: str, d: int, ff: int, bias: bool, decoder: bool) -> list[Weight]:
    weights = _mha_weights(f"{prefix}self_attn.", d, d, d, bias, False)
    if decoder:
        weights += _mha_weights(f"{prefix}multihead_attn.", d, d, d, bias, False)
    weights += [Weight(f"{prefix}linear1.weight", (ff, d))] + ([Weight(f"{prefix}linear1.bias", (ff,))] if bias else [])
    weights += [Weight(f"{prefix}linear2.weight", (d, ff))] + ([Weight(f"{prefix}linear2.bias", (d,))] if bias else [])
    for i in range(1, 4 if decoder else 3):
        weights += _norm_weights(f"{prefix}norm{i}.", d, bias)
    return weights


def _norm_weights(prefix: str, d: int, bias: bool) -> list[Weight]:
    return [Weight(f"{prefix}weight", (d,))] + ([Weight(f"{prefix}bias", (d,))] if bias else [])


def _layer_macs(lt: Dim, lm: Dim, d: int, ff: int, decoder: bool, layers: int = 1) -> tuple[int | None, list[Message]]:
    """One layer's MACs: self-attention over lt positions (decoder: then cross-attention to lm memory
    positions) and the feed-forward network at each of the lt positions.  ``layers`` only words the notes
    of a stack (whose caller multiplies)."""
    if lt is None or (decoder and lm is None):
        return None, [Message("note.attention_macs_unknown")]
    key, extra = ("note.attention_macs", {}) if layers == 1 else ("note.attention_macs_layers", {"layers": layers})
    total, qk, av = _mha_macs(lt, lt, d, d, d, 0)
    notes = [Message(key, {"qk": qk, "av": av, "lq": lt, "lk": lt} | extra)]
    if decoder and lm is not None:
        cross, qk2, av2 = _mha_macs(lt, lm, d, d, d, 0)
        total += cross
        notes.append(Message(key, {"qk": qk2, "av": av2, "lq": lt, "lk": lm} | extra))
    return total + 2 * lt * d * ff, notes


class _TorchTransformerPart(LayerKind):
    framework = Framework.TORCH
    family = "attention"
    decoder: ClassVar[bool] = False
    solvable = {"d_model": "shape", "dim_feedforward": "params"}

    def sizes(self, cfg: Config) -> tuple[int, int, bool, bool]:
        d, nhead = cfg.int("d_model"), cfg.int("nhead")
        _heads(self.name, d, nhead, "d_model")
        cfg.get("norm_first")  # order of the sublayers only: no effect on counts or shapes
        return d, cfg.int("dim_feedforward"), cfg.bool("bias"), cfg.bool("batch_first")

    def lengths(self, cfg: Config, inputs: tuple[Shape, ...], d: int, batch_first: bool) -> tuple[Shape, Dim, Dim]:
        """The target (or source) shape, its length, and the memory length (decoder)."""
        target = single_input(self.name, inputs, min_rank=2, max_rank=3)
        _check_width(self.name, target, d, "input")
        memory_len: Dim = None
        if self.decoder and len(inputs) > 1:
            memory = inputs[1]
            _check_width(self.name, memory, d, "memory")
            memory_len = _seq(memory, batch_first)[0]
        return target, _seq(target, batch_first)[0], memory_len


def _layer_term(decoder: bool, d: int, ff: int, bias: bool) -> tuple[Formula, dict[str, int]]:
    return (DECODER_LAYER if decoder else ENCODER_LAYER)[bias], {"d_model": d, "d_ff": ff}


def _layer_explanation(decoder: bool, d: int, ff: int, bias: bool) -> Message:
    attention = TORCH_MHA[(True, bias, False)].bind(embed_dim=d).value
    ff_count = 2 * d * ff + (ff + d if bias else 0)
    norms = (2 if bias else 1) * d
    key = "explain.transformer_decoder_layer" if decoder else "explain.transformer_encoder_layer"
    return Message(key, {"attention": attention, "ff": ff_count, "norms": norms, "d_model": d, "d_ff": ff})


class _TorchTransformerLayer(_TorchTransformerPart):
    positional = ("d_model", "nhead", "dim_feedforward", "dropout", "activation", "layer_norm_eps", "batch_first",
                  "norm_first", "bias")
    defaults = _TRANSFORMER_DEFAULTS

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        d, ff, bias, batch_first = self.sizes(cfg)
        target, lt, lm = self.lengths(cfg, inputs, d, batch_first)
        formula, values = _layer_term(self.decoder, d, ff, bias)
        macs, notes = _layer_macs(lt, lm, d, ff, self.decoder)
        return Derived(
            output=target,
            trainable=formula.bind(**values),
            explanation=_layer_explanation(self.decoder, d, ff, bias),
            macs=macs,
            notes=tuple(notes),
            weights=tuple(_layer_weights("", d, ff, bias, self.decoder)),
        )


@register
class TorchTransformerEncoderLayer(_TorchTransformerLayer):
    """Self-attention + feed-forward + 2 LayerNorms; d_model=512 → 3,152,384."""

    name = "TransformerEncoderLayer"
    max_inputs = 2  # src[, src_mask]


@register
class TorchTransformerDecoderLayer(_TorchTransformerLayer):
    """Self-attention + cross-attention to the memory + feed-forward + 3 LayerNorms."""

    name = "TransformerDecoderLayer"
    decoder = True
    max_inputs = 3  # tgt, memory[, tgt_mask]; without memory the MACs are not given


def _inner_layer(layer: str, value: Any) -> Mapping[str, Any]:
    """The stacked layer's configuration (``{"d_model": 512, "nhead": 8, ...}``, a "type" key allowed)."""
    if not isinstance(value, Mapping):
        raise ConfigError("error.config_missing", layer=layer, name="encoder_layer / decoder_layer")
    return {k: v for k, v in value.items() if k != "type"}


class _TorchTransformerStack(_TorchTransformerPart):
    """num_layers deep copies of one layer (torch/nn/modules/transformer.py _get_clones), then an
    optional final norm (a LayerNorm(d_model) when given)."""

    layer_key: ClassVar[str]
    defaults = {"norm": None}

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        inner = Config(_inner_layer(self.name, cfg.get(self.layer_key)), _TRANSFORMER_DEFAULTS, self.name)
        d, ff, bias, batch_first = self.sizes(inner)
        cfg.used[self.layer_key] = inner.used
        n = cfg.int("num_layers", hi=MAX_STACK)
        norm = bool(cfg.get("norm"))
        target, lt, lm = self.lengths(cfg, inputs, d, batch_first)
        per_layer, values = _layer_term(self.decoder, d, ff, bias)
        macs, notes = _layer_macs(lt, lm, d, ff, self.decoder, n)
        weights: list[Weight] = []
        for i in range(n):
            weights += _layer_weights(f"layers.{i}.", d, ff, bias, self.decoder)
        if norm:
            weights += _norm_weights("norm.", d, bias)
        kind = "TransformerDecoderLayer" if self.decoder else "TransformerEncoderLayer"
        explain = {"layers": n, "kind": kind, "per_layer": per_layer.bind(**values).value}
        return Derived(
            output=target,
            trainable=STACK[(self.decoder, bias, norm)].bind(**values, num_layers=n),
            explanation=Message("explain.transformer_stack_norm", explain | {"norm": (2 if bias else 1) * d}) if norm
            else Message("explain.transformer_stack", explain),
            macs=n * macs if macs is not None else None,
            notes=tuple(notes),
            weights=tuple(weights),
        )


@register
class TorchTransformerEncoder(_TorchTransformerStack):
    name = "TransformerEncoder"
    positional = ("encoder_layer", "num_layers", "norm")
    layer_key = "encoder_layer"
    max_inputs = 2


@register
class TorchTransformerDecoder(_TorchTransformerStack):
    name = "TransformerDecoder"
    positional = ("decoder_layer", "num_layers", "norm")
    layer_key = "decoder_layer"
    decoder = True
    max_inputs = 3


@register
class TorchTransformer(_TorchTransformerPart):
    """Encoder stack + LayerNorm, decoder stack + LayerNorm (torch/nn/modules/transformer.py Transformer);
    the defaults (512, 8 heads, 6 + 6 layers, 2048) give 44,140,544.  Inputs src, tgt; output like tgt."""

    name = "Transformer"
    positional = ("d_model", "nhead", "num_encoder_layers", "num_decoder_layers", "dim_feedforward", "dropout",
                  "activation", "custom_encoder", "custom_decoder", "layer_norm_eps", "batch_first", "norm_first",
                  "bias")
    defaults = {**_TRANSFORMER_DEFAULTS, "d_model": 512, "nhead": 8, "num_encoder_layers": 6,
                "num_decoder_layers": 6}
    min_inputs = max_inputs = 2

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        d, ff, bias, batch_first = self.sizes(cfg)
        ne, nd = cfg.int("num_encoder_layers", hi=MAX_STACK), cfg.int("num_decoder_layers", hi=MAX_STACK)
        src = single_input(self.name, inputs, min_rank=2, max_rank=3)
        _check_width(self.name, src, d, "source")
        tgt = inputs[1]
        if len(tgt) != len(src):
            raise ShapeError("error.mha_rank", layer=self.name, query=str(tgt), value=str(src))
        _check_width(self.name, tgt, d, "target")
        ls, lt = _seq(src, batch_first)[0], _seq(tgt, batch_first)[0]
        enc_macs, notes = _layer_macs(ls, None, d, ff, False, ne)
        dec_macs, dec_notes = _layer_macs(lt, ls, d, ff, True, nd)
        macs = ne * enc_macs + nd * dec_macs if enc_macs is not None and dec_macs is not None else None
        weights: list[Weight] = []
        for i in range(ne):
            weights += _layer_weights(f"encoder.layers.{i}.", d, ff, bias, False)
        weights += _norm_weights("encoder.norm.", d, bias)
        for i in range(nd):
            weights += _layer_weights(f"decoder.layers.{i}.", d, ff, bias, True)
        weights += _norm_weights("decoder.norm.", d, bias)
        values = {"d_model": d, "d_ff": ff}
        return Derived(
            output=tgt,
            trainable=TRANSFORMER[bias].bind(**values, num_encoder_layers=ne, num_decoder_layers=nd),
            explanation=Message("explain.transformer", {
                "enc_layers": ne, "dec_layers": nd,
                "enc": ENCODER_LAYER[bias].bind(**values).value, "dec": DECODER_LAYER[bias].bind(**values).value}),
            macs=macs,
            notes=tuple(notes + [n for n in dec_notes if n not in notes]),
            weights=tuple(weights),
        )
