"""Recurrent and attention layers: anchors from the reference notes, properties over random
configurations, user errors, and the corpus harness's reading of torch Transformer modules."""

from __future__ import annotations

import contextlib
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc.catalog import derive
from calc.catalog.base import LayerCalc
from calc.errors import ConfigError, LayerbotError, ShapeError
from calc.types import Framework
from tests.arith import arith, numbers
from tests.corpus import check, torch_cases

K, T = Framework.KERAS, Framework.TORCH


def _check_renderings(calc: LayerCalc) -> None:
    formula = calc.formula
    assert formula is not None
    assert arith(formula.plain) == calc.params
    assert numbers(formula.unicode) == numbers(formula.plain)
    assert sum(w.numel for w in calc.weights if w.role != "buffer") == calc.params
    assert len({w.name for w in calc.weights}) == len(calc.weights)
    assert calc.explanation.render("en") and calc.explanation.render("zh")
    for note in calc.notes:
        assert note.render("en") and note.render("zh")


def _note_keys(calc: LayerCalc) -> set[str]:
    return {n.key for n in calc.notes}


# --------------------------------------------------------------------------------------------
# (a) anchors (reference notes, section 3; numbers verified in Keras 3 and PyTorch)


@pytest.mark.parametrize(
    ("kind", "fw", "config", "inputs", "params", "unicode", "output"),
    [
        ("SimpleRNN", K, {"units": 32}, [(None, 10, 16)], 1_568, "32·(16 + 32) + 32", (None, 32)),
        ("LSTM", K, {"units": 32}, [(None, 10, 16)], 6_272, "4·(32·(16 + 32) + 32)", (None, 32)),
        ("GRU", K, {"units": 32}, [(None, 10, 16)], 4_800, "3·(32·(16 + 32) + 2·32)", (None, 32)),
        ("GRU", K, {"units": 32, "reset_after": False}, [(None, 10, 16)], 4_704, "3·(32·(16 + 32) + 32)", (None, 32)),
        ("Bidirectional", K, {"layer": {"type": "LSTM", "units": 32}}, [(None, 10, 16)], 12_544,
         "2·4·(32·(16 + 32) + 32)", (None, 64)),
        ("LSTM", K, {"units": 64}, [(None, 100, 128)], 49_408, "4·(64·(128 + 64) + 64)", (None, 64)),
        ("MultiHeadAttention", K, {"num_heads": 8, "key_dim": 64}, [(None, 10, 512), (None, 10, 512)], 1_050_624,
         "3·(512·8·64 + 8 × 64) + 8·64·512 + 512", (None, 10, 512)),
        ("RNN", T, {"input_size": 16, "hidden_size": 32}, [(10, 1, 16)], 1_600, "32·(16 + 32) + 2·32",
         [(10, 1, 32), (1, 1, 32)]),
        ("LSTM", T, {"input_size": 16, "hidden_size": 32}, [(10, 1, 16)], 6_400, "4·(32·(16 + 32) + 2·32)",
         [(10, 1, 32), [(1, 1, 32), (1, 1, 32)]]),
        ("GRU", T, {"input_size": 16, "hidden_size": 32}, [(10, 1, 16)], 4_800, "3·(32·(16 + 32) + 2·32)",
         [(10, 1, 32), (1, 1, 32)]),
        ("LSTM", T, {"input_size": 128, "hidden_size": 256, "num_layers": 2, "bidirectional": True,
                     "batch_first": True}, [(1, 50, 128)], 2_367_488,
         "2·4·(256·(128 + 256) + 2·256) + (2 - 1)·2·4·(256·(2·256 + 256) + 2·256)",
         [(1, 50, 512), [(4, 1, 256), (4, 1, 256)]]),
        ("MultiheadAttention", T, {"embed_dim": 512, "num_heads": 8, "batch_first": True}, [(1, 10, 512)] * 3,
         1_050_624, "3·512·512 + 3·512 + 512 × 512 + 512", [(1, 10, 512), (1, 10, 10)]),
        ("TransformerEncoderLayer", T, {"d_model": 512, "nhead": 8, "batch_first": True}, [(1, 10, 512)], 3_152_384,
         "3·512·512 + 3·512 + 512 × 512 + 512 + 512 × 2,048 + 2,048 + 2,048 × 512 + 512 + 2·512 + 2·512",
         (1, 10, 512)),
    ],
)
def test_anchor(
    kind: str, fw: Framework, config: dict[str, Any], inputs: list[tuple[int | None, ...]], params: int,
    unicode: str, output: Any,
) -> None:
    calc = derive(kind, fw, config, inputs)
    assert calc.params == params
    assert calc.formula is not None and calc.formula.unicode == unicode
    assert calc.output == output
    _check_renderings(calc)


def test_default_transformer_has_44_million_parameters() -> None:
    calc = derive("Transformer", T, {}, [(3, 1, 512), (2, 1, 512)])
    assert calc.params == 44_140_544
    assert calc.output == (2, 1, 512)
    _check_renderings(calc)


def test_keras_lstm_says_pytorch_has_four_units_more() -> None:
    calc = derive("LSTM", K, {"units": 32}, [(None, 10, 16)])
    note = next(n for n in calc.notes if n.key == "note.rnn_torch_bias")
    assert "6,400" in note.render("en") and "6,400" in note.render("zh")
    torch = derive("LSTM", T, {"input_size": 16, "hidden_size": 32}, [(10, 1, 16)])
    assert torch.params - calc.params == 4 * 32
    assert "note.torch_rnn_bias" in _note_keys(torch)


def test_gru_defaults_agree_across_frameworks() -> None:
    keras = derive("GRU", K, {"units": 12}, [(None, 5, 7)])
    torch = derive("GRU", T, {"input_size": 7, "hidden_size": 12}, [(5, 1, 7)])
    assert keras.params == torch.params
    assert [w.shape for w in keras.weights if w.name == "bias"] == [(2, 36)]
    assert "note.gru_reset_after" in _note_keys(keras) and "note.torch_gru_bias" in _note_keys(torch)


def test_keras_return_state_lists_the_states() -> None:
    lstm = derive("LSTM", K, {"units": 8, "return_state": True, "return_sequences": True}, [(None, 5, 3)])
    assert lstm.output == [(None, 5, 8), (None, 8), (None, 8)]
    gru = derive("GRU", K, {"units": 8, "return_state": True}, [(None, 5, 3)])
    assert gru.output == [(None, 8), (None, 8)]


def test_keras_lstm_takes_initial_states_as_extra_inputs() -> None:
    calc = derive("LSTM", K, {"units": 256, "return_sequences": True, "return_state": True},
                  [(None, None, 93), (None, 256), (None, 256)])
    assert calc.params == 358_400


def test_bidirectional_merge_modes() -> None:
    layer = {"type": "LSTM", "units": 8, "return_sequences": True}
    shapes = [(None, 5, 3)]
    assert derive("Bidirectional", K, {"layer": layer}, shapes).output == (None, 5, 16)
    for mode in ("sum", "mul", "ave"):
        assert derive("Bidirectional", K, {"layer": layer, "merge_mode": mode}, shapes).output == (None, 5, 8)
    both = derive("Bidirectional", K, {"layer": layer, "merge_mode": None}, shapes)
    assert both.output == [(None, 5, 8), (None, 5, 8)]
    assert both.config["merge_mode"] is None
    states = derive("Bidirectional", K, {"layer": {**layer, "return_state": True}}, shapes)
    assert states.output == [(None, 5, 16), (None, 8), (None, 8), (None, 8), (None, 8)]


def test_bidirectional_with_its_own_backward_layer_adds_both_and_warns_about_keras_summary() -> None:
    calc = derive("Bidirectional", K, {"layer": {"type": "LSTM", "units": 8},
                                       "backward_layer": {"type": "LSTM", "units": 4, "go_backwards": True}},
                  [(None, 5, 3)])
    assert calc.params == 4 * (8 * 11 + 8) + 4 * (4 * 7 + 4)
    assert calc.output == (None, 12)
    assert "note.bidirectional_symbolic" in _note_keys(calc)
    _check_renderings(calc)


def test_time_distributed_shares_the_wrapped_layer() -> None:
    calc = derive("TimeDistributed", K, {"layer": {"type": "Dense", "units": 64}}, [(None, 30, 128)])
    assert calc.params == 8_256
    assert calc.output == (None, 30, 64)
    assert calc.formula is not None and calc.formula.unicode == "128 × 64 + 64"
    assert calc.macs == 30 * 128 * 64
    # Keras's own serialized form is accepted too.
    same = derive("TimeDistributed", K, {"layer": {"class_name": "Dense", "config": {"units": 64}}}, [(None, 30, 128)])
    assert same.params == calc.params


def test_torch_output_trees() -> None:
    seq_first = derive("LSTM", T, {"input_size": 4, "hidden_size": 6, "num_layers": 3, "proj_size": 2},
                       [(7, 5, 4)])
    assert seq_first.output == [(7, 5, 2), [(3, 5, 2), (3, 5, 6)]]
    assert "note.torch_rnn_proj" in _note_keys(seq_first)
    unbatched = derive("GRU", T, {"input_size": 4, "hidden_size": 6, "bidirectional": True}, [(7, 4)])
    assert unbatched.output == [(7, 12), (2, 6)]
    cell = derive("LSTMCell", T, {"input_size": 4, "hidden_size": 6}, [(3, 4)])
    assert cell.output == [(3, 6), (3, 6)]
    no_weights = derive("MultiheadAttention", T, {"embed_dim": 8, "num_heads": 2, "need_weights": False},
                        [(5, 2, 8)] * 3)
    assert no_weights.output == [(5, 2, 8), None]
    per_head = derive("MultiheadAttention", T, {"embed_dim": 8, "num_heads": 2, "average_attn_weights": False},
                      [(5, 2, 8), (3, 2, 8), (3, 2, 8)])
    assert per_head.output == [(5, 2, 8), (2, 2, 5, 3)]


def test_torch_rnn_weight_names() -> None:
    calc = derive("LSTM", T, {"input_size": 3, "hidden_size": 4, "num_layers": 2, "bidirectional": True,
                              "proj_size": 2}, [(5, 1, 3)])
    names = {w.name: w.shape for w in calc.weights}
    assert names["weight_ih_l1_reverse"] == (16, 4)  # 2 directions × proj 2
    assert names["weight_hr_l0"] == (2, 4)
    assert names["bias_hh_l1"] == (16,)


def test_macs_count_every_time_step() -> None:
    calc = derive("LSTM", K, {"units": 64}, [(None, 100, 128)])
    assert calc.macs == 100 * 4 * 64 * (128 + 64)
    unknown = derive("LSTM", K, {"units": 64}, [(None, None, 128)])
    assert unknown.macs == 4 * 64 * (128 + 64)
    assert "note.macs_per_step" in _note_keys(unknown)
    torch = derive("LSTM", T, {"input_size": 128, "hidden_size": 64, "batch_first": True}, [(1, 100, 128)])
    assert torch.macs == calc.macs


def test_attention_macs_include_the_score_matmuls() -> None:
    length, d, h, kd = 64, 128, 4, 32
    calc = derive("MultiHeadAttention", K, {"num_heads": h, "key_dim": kd}, [(None, length, d)] * 2)
    projections = 3 * length * d * h * kd + length * h * kd * d
    scores = 2 * h * length * length * kd
    assert calc.macs == projections + scores
    note = next(n for n in calc.notes if n.key == "note.attention_macs")
    assert note.args["lq"] == length and note.args["lk"] == length
    torch = derive("MultiheadAttention", T, {"embed_dim": 512, "num_heads": 8}, [(10, 1, 512), (7, 1, 512),
                                                                                 (7, 1, 512)])
    assert torch.macs == 10 * 512 * 512 * 2 + 7 * 512 * 512 * 2 + 2 * 10 * 7 * 512
    unknown = derive("MultiHeadAttention", K, {"num_heads": 2, "key_dim": 4}, [(None, None, 8), (None, None, 8)])
    assert unknown.macs is None and "note.attention_macs_unknown" in _note_keys(unknown)


def test_keras_scores_of_cross_attention_are_the_real_shape() -> None:
    calc = derive("MultiHeadAttention", K, {"num_heads": 3, "key_dim": 8, "return_attention_scores": True},
                  [(None, 4, 12), (None, 7, 10)])
    assert calc.output == [(None, 4, 12), (None, 3, 4, 7)]
    assert "note.keras_scores_symbolic" in _note_keys(calc)


def test_trainable_false_moves_a_wrapper_to_non_trainable() -> None:
    calc = derive("Bidirectional", K, {"layer": {"type": "GRU", "units": 4}, "trainable": False}, [(None, 3, 2)])
    assert calc.trainable_params == 0 and calc.non_trainable_params == 2 * 3 * (4 * 6 + 8)


# --------------------------------------------------------------------------------------------
# (b) properties over random configurations

_sizes = st.integers(1, 64)


@settings(max_examples=80, deadline=None)
@given(kind=st.sampled_from(["SimpleRNN", "LSTM", "GRU"]), u=_sizes, n=_sizes, t=st.one_of(st.none(), _sizes),
       bias=st.booleans(), reset_after=st.booleans(), seqs=st.booleans(), state=st.booleans())
def test_keras_recurrent_properties(
    kind: str, u: int, n: int, t: int | None, bias: bool, reset_after: bool, seqs: bool, state: bool
) -> None:
    config = {"units": u, "use_bias": bias, "return_sequences": seqs, "return_state": state, "reset_after": reset_after}
    calc = derive(kind, K, config, [(None, t, n)])
    gates = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[kind]
    biases = (2 if kind == "GRU" and reset_after else 1) * u if bias else 0
    assert calc.params == gates * (u * (n + u) + biases)
    _check_renderings(calc)
    out = calc.output[0] if state else calc.output
    assert out == ((None, t, u) if seqs else (None, u))


@settings(max_examples=80, deadline=None)
@given(kind=st.sampled_from(["RNN", "LSTM", "GRU"]), h=st.integers(2, 48), n=_sizes, layers=st.integers(1, 4),
       bias=st.booleans(), bidirectional=st.booleans(), batch_first=st.booleans(), proj=st.integers(0, 47),
       steps=st.integers(1, 9))
def test_torch_recurrent_properties(
    kind: str, h: int, n: int, layers: int, bias: bool, bidirectional: bool, batch_first: bool, proj: int, steps: int
) -> None:
    p = proj % h if kind == "LSTM" else 0
    config = {"input_size": n, "hidden_size": h, "num_layers": layers, "bias": bias, "bidirectional": bidirectional,
              "batch_first": batch_first} | ({"proj_size": p} if kind == "LSTM" else {})
    shape = (2, steps, n) if batch_first else (steps, 2, n)
    calc = derive(kind, T, config, [shape])
    g, dirs, r = {"RNN": 1, "LSTM": 4, "GRU": 3}[kind], 2 if bidirectional else 1, p or h
    expected = sum(
        dirs * (g * h * ((n if i == 0 else dirs * r) + r) + (2 * g * h if bias else 0) + p * h) for i in range(layers)
    )
    assert calc.params == expected
    _check_renderings(calc)
    out = calc.output[0]
    assert out == ((2, steps, dirs * r) if batch_first else (steps, 2, dirs * r))


@settings(max_examples=80, deadline=None)
@given(h=st.integers(1, 8), kd=st.integers(1, 16), vd=st.one_of(st.none(), st.integers(1, 16)), dq=_sizes,
       dv=_sizes, dk=st.one_of(st.none(), _sizes), out=st.one_of(st.none(), st.integers(1, 20)), bias=st.booleans(),
       gate=st.booleans(), lq=st.integers(1, 9), lk=st.integers(1, 9))
def test_keras_mha_properties(
    h: int, kd: int, vd: int | None, dq: int, dv: int, dk: int | None, out: int | None, bias: bool, gate: bool,
    lq: int, lk: int,
) -> None:
    config = {"num_heads": h, "key_dim": kd, "value_dim": vd, "output_shape": out, "use_bias": bias, "use_gate": gate}
    inputs = [(None, lq, dq), (None, lk, dv)] + ([(None, lk, dk)] if dk else [])
    calc = derive("MultiHeadAttention", K, config, inputs)
    v, k, o = vd or kd, dk or dv, out or dq
    b = 1 if bias else 0
    expected = (dq * h * kd + b * h * kd + k * h * kd + b * h * kd + dv * h * v + b * h * v + h * v * o + b * o
                + (dq * h * v + b * h * v if gate else 0))
    assert calc.params == expected
    assert calc.output == (None, lq, o)
    _check_renderings(calc)


@settings(max_examples=80, deadline=None)
@given(heads=st.integers(1, 8), head_dim=st.integers(1, 16), kdim=st.one_of(st.none(), _sizes),
       vdim=st.one_of(st.none(), _sizes), bias=st.booleans(), bias_kv=st.booleans(), zero_attn=st.booleans(),
       batch_first=st.booleans(), lq=st.integers(1, 9), lk=st.integers(1, 9))
def test_torch_mha_properties(
    heads: int, head_dim: int, kdim: int | None, vdim: int | None, bias: bool, bias_kv: bool, zero_attn: bool,
    batch_first: bool, lq: int, lk: int,
) -> None:
    e = heads * head_dim
    config = {"embed_dim": e, "num_heads": heads, "kdim": kdim, "vdim": vdim, "bias": bias, "add_bias_kv": bias_kv,
              "add_zero_attn": zero_attn, "batch_first": batch_first}

    def shape(length: int, width: int) -> tuple[int, ...]:
        return (3, length, width) if batch_first else (length, 3, width)

    calc = derive("MultiheadAttention", T, config, [shape(lq, e), shape(lk, kdim or e), shape(lk, vdim or e)])
    expected = e * e + e * (kdim or e) + e * (vdim or e) + e * e + (4 * e if bias else 0) + (2 * e if bias_kv else 0)
    assert calc.params == expected
    assert calc.output == [shape(lq, e), (3, lq, lk + bias_kv + zero_attn)]
    _check_renderings(calc)


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(["TransformerEncoderLayer", "TransformerDecoderLayer"]), nhead=st.integers(1, 8),
       head_dim=st.integers(1, 16), ff=st.integers(1, 300), bias=st.booleans(), layers=st.integers(1, 4),
       stacked=st.booleans(), norm=st.booleans())
def test_transformer_properties(
    kind: str, nhead: int, head_dim: int, ff: int, bias: bool, layers: int, stacked: bool, norm: bool
) -> None:
    d = nhead * head_dim
    decoder = kind == "TransformerDecoderLayer"
    layer = {"d_model": d, "nhead": nhead, "dim_feedforward": ff, "bias": bias}
    inputs = [(5, 2, d)] + ([(4, 2, d)] if decoder else [])
    b = 1 if bias else 0
    attention = 4 * d * d + 4 * d * b
    per_layer = (2 if decoder else 1) * attention + 2 * d * ff + b * (ff + d) + (3 if decoder else 2) * (1 + b) * d
    if stacked:
        stack = "TransformerDecoder" if decoder else "TransformerEncoder"
        key = "decoder_layer" if decoder else "encoder_layer"
        calc = derive(stack, T, {key: layer, "num_layers": layers, "norm": norm}, inputs)
        assert calc.params == layers * per_layer + (norm * (1 + b) * d)
    else:
        calc = derive(kind, T, layer, inputs)
        assert calc.params == per_layer
    assert calc.output == (5, 2, d)
    _check_renderings(calc)


@settings(max_examples=60, deadline=None)
@given(inner=st.sampled_from(["SimpleRNN", "LSTM", "GRU"]), u=_sizes, n=_sizes,
       mode=st.sampled_from(["concat", "sum", "mul", "ave", None]), seqs=st.booleans(), state=st.booleans())
def test_bidirectional_is_twice_the_wrapped_layer(
    inner: str, u: int, n: int, mode: str | None, seqs: bool, state: bool
) -> None:
    layer = {"type": inner, "units": u, "return_sequences": seqs, "return_state": state}
    one = derive(inner, K, layer, [(None, 6, n)])
    calc = derive("Bidirectional", K, {"layer": layer, "merge_mode": mode}, [(None, 6, n)])
    assert calc.params == 2 * one.params
    assert one.formula is not None and calc.formula is not None
    assert calc.formula.unicode.startswith("2·")
    _check_renderings(calc)


@settings(max_examples=60, deadline=None)
@given(rank=st.sampled_from([1, 2, 3]), f=st.integers(1, 16), c=st.integers(1, 8), k=st.integers(1, 3),
       s=st.integers(1, 2), padding=st.sampled_from(["valid", "same"]), bias=st.booleans(), seqs=st.booleans())
def test_conv_lstm_properties(rank: int, f: int, c: int, k: int, s: int, padding: str, bias: bool, seqs: bool) -> None:
    config = {"filters": f, "kernel_size": k, "strides": s, "padding": padding, "use_bias": bias,
              "return_sequences": seqs}
    calc = derive(f"ConvLSTM{rank}D", K, config, [(None, 4, *([9] * rank), c)])
    assert calc.params == 4 * (k**rank * (c + f) * f + (f if bias else 0))
    size = (9 - k) // s + 1 if padding == "valid" else math.ceil(9 / s)
    assert calc.output == ((None, 4, *([size] * rank), f) if seqs else (None, *([size] * rank), f))
    _check_renderings(calc)


# --------------------------------------------------------------------------------------------
# (c) user errors are LayerbotErrors, never anything else


@pytest.mark.parametrize(
    ("kind", "fw", "config", "inputs", "error"),
    [
        ("LSTM", K, {"units": 0}, [(None, 5, 3)], ConfigError),
        ("GRU", K, {"units": -4}, [(None, 5, 3)], ConfigError),
        ("LSTM", K, {"units": 4}, [(None, 3)], ShapeError),
        ("LSTM", K, {"units": 4}, [(None, 5, None)], ShapeError),
        ("LSTM", T, {"input_size": 4, "hidden_size": 8}, [(5, 1, 6)], ShapeError),
        ("LSTM", T, {"input_size": 4, "hidden_size": 8, "proj_size": 8}, [(5, 1, 4)], ConfigError),
        ("LSTM", T, {"input_size": 4, "hidden_size": 8, "num_layers": 0}, [(5, 1, 4)], ConfigError),
        ("RNN", T, {"input_size": 4, "hidden_size": 8, "nonlinearity": "gelu"}, [(5, 1, 4)], ConfigError),
        ("GRU", T, {"input_size": 4, "hidden_size": 8, "proj_size": 2}, [(5, 1, 4)], ConfigError),
        ("GRU", T, {"input_size": 4, "hidden_size": 8}, [(2, 5, 1, 4)], ShapeError),
        ("GRUCell", T, {"input_size": 4, "hidden_size": 8}, [(2, 5)], ShapeError),
        ("Bidirectional", K, {"layer": {"type": "Dense", "units": 4}}, [(None, 5, 3)], ConfigError),
        ("Bidirectional", K, {"layer": {"units": 4}}, [(None, 5, 3)], ConfigError),
        ("Bidirectional", K, {"layer": {"type": "LSTM", "units": 4}, "merge_mode": "max"}, [(None, 5, 3)],
         ConfigError),
        ("Bidirectional", K, {"layer": {"type": "LSTM", "units": 4}, "merge_mode": "sum",
                              "backward_layer": {"type": "LSTM", "units": 5}}, [(None, 5, 3)], ShapeError),
        ("Bidirectional", K, {"layer": {"type": "LSTM", "units": 4},
                              "backward_layer": {"type": "LSTM", "units": 4, "return_sequences": True}},
         [(None, 5, 3)], ConfigError),
        ("TimeDistributed", K, {"layer": {"type": "Dense", "units": 4}}, [(None, 5)], ShapeError),
        ("TimeDistributed", K, {"layer": "Dense"}, [(None, 5, 3)], ConfigError),
        ("TimeDistributed", K, {"layer": {"type": "FancyLayer"}}, [(None, 5, 3)], LayerbotError),
        ("ConvLSTM2D", K, {"filters": 4, "kernel_size": 5}, [(None, 3, 4, 4, 2)], ShapeError),
        ("ConvLSTM2D", K, {"filters": 4, "kernel_size": 3, "padding": "causal"}, [(None, 3, 8, 8, 2)], ConfigError),
        ("ConvLSTM2D", K, {"filters": 4, "kernel_size": 3}, [(None, 8, 8, 2)], ShapeError),
        ("MultiHeadAttention", K, {"num_heads": 2, "key_dim": 4}, [(None, 5, 8)], ShapeError),
        ("MultiHeadAttention", K, {"num_heads": 2, "key_dim": 4}, [(None, 5, 8), (None, 6, 8), (None, 7, 8)],
         ShapeError),
        ("MultiHeadAttention", K, {"num_heads": 2, "key_dim": 4}, [(None, 5, 8), (None, 2, 6, 8)], ShapeError),
        ("MultiHeadAttention", K, {"num_heads": 2, "key_dim": 4, "attention_axes": [3]}, [(None, 5, 8)] * 2,
         ShapeError),
        ("MultiHeadAttention", K, {"num_heads": 0, "key_dim": 4}, [(None, 5, 8)] * 2, ConfigError),
        ("MultiheadAttention", T, {"embed_dim": 10, "num_heads": 3}, [(5, 1, 10)] * 3, ConfigError),
        ("MultiheadAttention", T, {"embed_dim": 8, "num_heads": 2}, [(5, 1, 6)] * 3, ShapeError),
        ("MultiheadAttention", T, {"embed_dim": 8, "num_heads": 2, "kdim": 4}, [(5, 1, 8), (5, 1, 8), (5, 1, 8)],
         ShapeError),
        ("TransformerEncoderLayer", T, {"d_model": 10, "nhead": 4}, [(5, 1, 10)], ConfigError),
        ("TransformerEncoderLayer", T, {"d_model": 16, "nhead": 4}, [(5, 1, 12)], ShapeError),
        ("TransformerEncoderLayer", T, {"nhead": 4}, [(5, 1, 12)], ConfigError),
        ("TransformerEncoder", T, {"encoder_layer": 3, "num_layers": 2}, [(5, 1, 12)], ConfigError),
        ("Transformer", T, {"d_model": 16, "nhead": 4}, [(5, 1, 16), (4, 16)], ShapeError),
    ],
)
def test_user_error(
    kind: str, fw: Framework, config: dict[str, Any], inputs: list[tuple[int | None, ...]],
    error: type[LayerbotError],
) -> None:
    with pytest.raises(error):
        derive(kind, fw, config, inputs)


_junk = st.one_of(st.none(), st.booleans(), st.integers(-5, 70), st.text(max_size=5),
                  st.lists(st.integers(-2, 9), max_size=4), st.dictionaries(st.sampled_from(["type", "units"]),
                                                                            st.sampled_from(["LSTM", 3, None])))
_dims = st.one_of(st.none(), st.integers(0, 12))


@settings(max_examples=100, deadline=None)
@given(kind=st.sampled_from(["SimpleRNN", "LSTM", "GRU", "ConvLSTM2D", "Bidirectional", "TimeDistributed",
                             "MultiHeadAttention", "RNN", "LSTMCell", "MultiheadAttention",
                             "TransformerEncoderLayer", "TransformerDecoder", "Transformer"]),
       config=st.dictionaries(st.sampled_from(["units", "use_bias", "reset_after", "filters", "kernel_size", "layer",
                                               "merge_mode", "num_heads", "key_dim", "value_dim", "output_shape",
                                               "attention_axes", "input_size", "hidden_size", "num_layers",
                                               "proj_size", "embed_dim", "kdim", "d_model", "nhead", "decoder_layer",
                                               "batch_first", "bidirectional"]), _junk, max_size=6),
       inputs=st.lists(st.lists(_dims, min_size=0, max_size=6).map(tuple), min_size=1, max_size=3))
def test_garbage_never_raises_anything_but_a_layerbot_error(
    kind: str, config: dict[str, Any], inputs: list[tuple[int | None, ...]]
) -> None:
    framework = T if kind in ("RNN", "LSTMCell", "MultiheadAttention", "TransformerEncoderLayer",
                              "TransformerDecoder", "Transformer") else K
    with contextlib.suppress(LayerbotError):
        derive(kind, framework, config, inputs)


# --------------------------------------------------------------------------------------------
# The corpus harness reads torch Transformer modules as a print(model) parser would.


def test_corpus_transformer_encoder_layer_config_comes_from_its_children() -> None:
    cases = {c.name: c for c in torch_cases("pt_transformer_encoder_layer")}
    root = cases[""]
    assert root.type == "TransformerEncoderLayer"
    assert root.config == {"d_model": 512, "nhead": 8, "dim_feedforward": 2048, "bias": True, "batch_first": True}
    assert cases["self_attn"].config["need_weights"] is False
    out_proj = cases["self_attn.out_proj"]
    assert out_proj.output is None and out_proj.inputs == [(None, None)]
    assert all(check(c) is None for c in cases.values())
