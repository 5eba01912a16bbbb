"""Recurrent layers: Keras SimpleRNN, LSTM, GRU, ConvLSTM1D/2D/3D and the Bidirectional and
TimeDistributed wrappers; PyTorch RNN, LSTM, GRU and their one-step cells RNNCell, LSTMCell, GRUCell.

Every recurrent layer has, per gate, an input kernel (n_in × units), a recurrent kernel
(units × units) and biases: ``gates·(units·(n_in + units) + units)``.  The gates are 1 for a plain
RNN, 3 for a GRU (update, reset, candidate) and 4 for an LSTM (input, forget, cell, output).  The
frameworks differ only in the biases:

* Keras keeps one bias vector per gate set (SimpleRNN, LSTM, GRU with reset_after=False), or two
  for a GRU with reset_after=True, its default, whose bias has shape (2, 3·units): one added to the
  input projection, one to the recurrent projection before the reset gate scales it;
* PyTorch always keeps two, b_ih and b_hh, so its LSTM has 4·units more parameters than Keras's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import cache
from typing import Any, ClassVar

from sympy import Expr

from calc.catalog.base import (
    MAX_STACK,
    Config,
    Derived,
    LayerCalc,
    LayerKind,
    Weight,
    derive,
    known,
    lookup,
    numel,
    register,
    single_input,
)
from calc.catalog.shapes import keras_conv_len
from calc.errors import ConfigError, ShapeError
from calc.formula import Formula, Term, TermSum, add, mul, sym
from calc.i18n import Message
from calc.i18n import register as register_text
from calc.types import Dim, Framework, Shape, ShapeTree, format_shape

n_in, units, proj_size, num_layers = sym("n_in"), sym("units"), sym("proj_size"), sym("num_layers")
c_in, filters = sym("c_in"), sym("filters")

# Kernel axes per rank, in the order Keras lists kernel_size (the same names the convolutions use).
KERNEL = {1: (sym("k"),), 2: (sym("k_h"), sym("k_w")), 3: (sym("k_d"), sym("k_h"), sym("k_w"))}

GATES = {"SimpleRNN": 1, "RNN": 1, "GRU": 3, "LSTM": 4}


def _keras_cell(gates: int, bias: str) -> Expr:
    """Keras: kernel (n_in, gates·units) + recurrent_kernel (units, gates·units) + the bias.

    ``bias`` is "none", "one" (one vector of gates·units) or "two" (GRU reset_after=True: (2, 3·units)).
    Sources: keras/src/layers/rnn/simple_rnn.py, lstm.py, gru.py (``build`` of each cell).
    """
    if bias == "none":
        return mul(units, add(n_in, units)) if gates == 1 else mul(gates, units, add(n_in, units))
    per_gate = add(mul(units, add(n_in, units)), units if bias == "one" else mul(2, units))
    return per_gate if gates == 1 else mul(gates, per_gate)


# Keyed by (gates, bias): 1 SimpleRNN, 3 GRU, 4 LSTM; bias "none" / "one" / "two".
KERAS_RNN: dict[tuple[int, str], Formula] = {
    (g, b): Formula.of(_keras_cell(g, b)) for g in (1, 3, 4) for b in ("none", "one", "two")
}


def _torch_part(gates: int, bias: bool, proj: bool, bidirectional: bool, upper: bool) -> Expr:
    """PyTorch, one part of a stacked RNN: the first layer, or the (num_layers − 1) layers above it.

    Per layer and direction (torch/nn/modules/rnn.py RNNBase.__init__): weight_ih (gates·units, n),
    weight_hh (gates·units, r), bias_ih and bias_hh (gates·units each: two bias vectors where Keras has
    one), and with proj_size > 0 (LSTM only) weight_hr (proj_size, units).  r, the width of the
    recurrent state h, is proj_size when projecting, else units.  Layers above the first read the
    layer below: n = directions·r.
    """
    recurrent = proj_size if proj else units
    width = (mul(2, recurrent) if bidirectional else recurrent) if upper else n_in
    gate_factor: list[Expr | int] = [gates] if gates > 1 else []
    if bias:
        gated = [*gate_factor, add(mul(units, add(width, recurrent)), mul(2, units))]
    else:
        gated = [*gate_factor, units, add(width, recurrent)]
    outer: list[Expr | int] = ([add(num_layers, -1)] if upper else []) + ([2] if bidirectional else [])
    if proj:
        # weight_hr belongs to each layer and direction, outside the gates.
        direction = add(mul(*gated), mul(proj_size, units))
        return mul(*outer, direction) if outer else direction
    return mul(*outer, *gated)


# Keyed by (gates, bias, proj, bidirectional, upper).
TORCH_RNN: dict[tuple[int, bool, bool, bool, bool], Formula] = {
    (g, b, p, d, u): Formula.of(_torch_part(g, b, p, d, u))
    for g in (1, 3, 4)
    for b in (True, False)
    for p in (False, True)
    for d in (False, True)
    for u in (False, True)
}

# ConvLSTM (Keras): 4 gates, each a convolution over the input (k·c_in·filters) and one over the
# hidden state (k·filters·filters, stride 1, padding same), plus one bias per filter.
# keras/src/layers/rnn/conv_lstm.py ConvLSTMCell.build: kernel kernel_size + (c_in, 4·filters),
# recurrent_kernel kernel_size + (filters, 4·filters), bias (4·filters,).  Keyed by (rank, bias).
CONV_LSTM: dict[tuple[int, bool], Formula] = {}
for _rank, _ks in KERNEL.items():
    CONV_LSTM[(_rank, True)] = Formula.of(mul(4, add(mul(*_ks, add(c_in, filters), filters), filters)))
    CONV_LSTM[(_rank, False)] = Formula.of(mul(4, *_ks, add(c_in, filters), filters))


@cache
def _twice(formula: Formula) -> Formula:
    """``2·(…)``: a wrapper's two identical copies (Bidirectional).  Cached per inner template, and
    inner templates are all built at import, so this builds each doubled template once."""
    expr = formula.expr
    return Formula.of(mul(2, *expr.args) if expr.is_Mul else mul(2, expr))


register_text(
    {
        "explain.simple_rnn": {
            "en": "{units} units × ({n_in} inputs + {units} recurrent) + {units} biases",
            "zh": "{units} 个单元 × ({n_in} 个输入 + {units} 个循环输入) + {units} 个偏置",
        },
        "explain.simple_rnn_no_bias": {
            "en": "{units} units × ({n_in} inputs + {units} recurrent) (no bias)",
            "zh": "{units} 个单元 × ({n_in} 个输入 + {units} 个循环输入)（无偏置）",
        },
        "explain.lstm": {
            "en": "4 gates (input, forget, cell, output), each {units} units × ({n_in} inputs + {units} recurrent) "
            "+ {units} biases",
            "zh": "4 个门（输入、遗忘、单元、输出），每个门 {units} 个单元 × ({n_in} 个输入 + {units} 个循环输入) "
            "+ {units} 个偏置",
        },
        "explain.lstm_no_bias": {
            "en": "4 gates (input, forget, cell, output), each {units} units × ({n_in} inputs + {units} recurrent) "
            "(no bias)",
            "zh": "4 个门（输入、遗忘、单元、输出），每个门 {units} 个单元 × ({n_in} 个输入 + {units} 个循环输入)（无偏置）",
        },
        "explain.gru": {
            "en": "3 gates (update, reset, candidate), each {units} units × ({n_in} inputs + {units} recurrent) "
            "+ 2 × {units} biases (reset_after=True keeps an input bias and a recurrent bias)",
            "zh": "3 个门（更新、重置、候选），每个门 {units} 个单元 × ({n_in} 个输入 + {units} 个循环输入) "
            "+ 2 × {units} 个偏置（reset_after=True 时输入和循环各有一个偏置）",
        },
        "explain.gru_reset_before": {
            "en": "3 gates (update, reset, candidate), each {units} units × ({n_in} inputs + {units} recurrent) "
            "+ {units} biases (reset_after=False: one bias)",
            "zh": "3 个门（更新、重置、候选），每个门 {units} 个单元 × ({n_in} 个输入 + {units} 个循环输入) "
            "+ {units} 个偏置（reset_after=False：只有一个偏置）",
        },
        "explain.gru_no_bias": {
            "en": "3 gates (update, reset, candidate), each {units} units × ({n_in} inputs + {units} recurrent) "
            "(no bias)",
            "zh": "3 个门（更新、重置、候选），每个门 {units} 个单元 × ({n_in} 个输入 + {units} 个循环输入)（无偏置）",
        },
        "explain.conv_lstm": {
            "en": "4 gates, each {filters} filters × {window} kernel × ({c_in} input channels + {filters} "
            "recurrent channels) + {filters} biases",
            "zh": "4 个门，每个门 {filters} 个卷积核 × {window} 窗口 × ({c_in} 个输入通道 + {filters} 个循环通道) "
            "+ {filters} 个偏置",
        },
        "explain.conv_lstm_no_bias": {
            "en": "4 gates, each {filters} filters × {window} kernel × ({c_in} input channels + {filters} "
            "recurrent channels) (no bias)",
            "zh": "4 个门，每个门 {filters} 个卷积核 × {window} 窗口 × ({c_in} 个输入通道 + {filters} 个循环通道)（无偏置）",
        },
        "explain.torch_rnn": {
            "en": "{kind}: per layer and direction, {gates} × ({units} hidden × ({n_in} inputs + {rec} recurrent) "
            "+ {units} b_ih + {units} b_hh); {layers} layer(s) × {dirs} direction(s)",
            "zh": "{kind}：每层每个方向 {gates} × ({units} 个隐藏单元 × ({n_in} 个输入 + {rec} 个循环输入) "
            "+ {units} 个 b_ih + {units} 个 b_hh)；共 {layers} 层 × {dirs} 个方向",
        },
        "explain.torch_rnn_no_bias": {
            "en": "{kind}: per layer and direction, {gates} × {units} hidden × ({n_in} inputs + {rec} recurrent) "
            "(no bias); {layers} layer(s) × {dirs} direction(s)",
            "zh": "{kind}：每层每个方向 {gates} × {units} 个隐藏单元 × ({n_in} 个输入 + {rec} 个循环输入)（无偏置）；"
            "共 {layers} 层 × {dirs} 个方向",
        },
        "explain.torch_cell": {
            "en": "{kind}: {gates} × ({units} hidden × ({n_in} inputs + {units} recurrent) + {units} b_ih "
            "+ {units} b_hh), one time step",
            "zh": "{kind}：{gates} × ({units} 个隐藏单元 × ({n_in} 个输入 + {units} 个循环输入) + {units} 个 b_ih "
            "+ {units} 个 b_hh)，单个时间步",
        },
        "explain.torch_cell_no_bias": {
            "en": "{kind}: {gates} × {units} hidden × ({n_in} inputs + {units} recurrent) (no bias), one time step",
            "zh": "{kind}：{gates} × {units} 个隐藏单元 × ({n_in} 个输入 + {units} 个循环输入)（无偏置），单个时间步",
        },
        "explain.bidirectional": {
            "en": "2 copies of the wrapped {kind}, forward and backward; each: {inner}",
            "zh": "被包装的 {kind} 的 2 个副本（正向和反向）；每个：{inner}",
        },
        "explain.bidirectional_distinct": {
            "en": "forward {fw_kind}: {fw}; backward {bw_kind}: {bw}",
            "zh": "正向 {fw_kind}：{fw}；反向 {bw_kind}：{bw}",
        },
        "explain.time_distributed": {
            "en": "the same {kind} applied at every time step, with shared weights: {inner}",
            "zh": "同一个 {kind} 在每个时间步上使用，权重共享：{inner}",
        },
        "note.rnn_torch_bias": {
            "en": "PyTorch's nn.{kind} keeps two bias vectors (b_ih and b_hh), so the same layer has "
            "{gates} × {units} = {extra} more parameters there: {torch}.",
            "zh": "PyTorch 的 nn.{kind} 有两组偏置（b_ih 和 b_hh），所以同样的层在 PyTorch 中多 "
            "{gates} × {units} = {extra} 个参数：共 {torch} 个。",
        },
        "note.gru_reset_after": {
            "en": "reset_after=True (the default since Keras 2.3 / TF 2) keeps an input and a recurrent bias, "
            "shape (2, {width}): the same count as PyTorch's nn.GRU. With reset_after=False (the old default) "
            "it would be {other}.",
            "zh": "reset_after=True（Keras 2.3 / TF 2 起的默认值）有输入偏置和循环偏置，形状 (2, {width})："
            "与 PyTorch 的 nn.GRU 数量相同。若 reset_after=False（旧默认值）则为 {other} 个。",
        },
        "note.torch_rnn_bias": {
            "en": "PyTorch keeps two bias vectors per layer and direction, b_ih and b_hh; Keras's {kind} keeps one, "
            "so the Keras layer has {gates} × {units} = {extra} fewer parameters per layer and direction.",
            "zh": "PyTorch 每层每个方向有两组偏置 b_ih 和 b_hh；Keras 的 {kind} 只有一组，"
            "所以 Keras 的层每层每个方向少 {gates} × {units} = {extra} 个参数。",
        },
        "note.torch_gru_bias": {
            "en": "PyTorch keeps two bias vectors per layer and direction, b_ih and b_hh; Keras's GRU with its "
            "default reset_after=True does too (bias shape (2, {width})), so the counts agree. With "
            "reset_after=False Keras has {extra} fewer per layer and direction.",
            "zh": "PyTorch 每层每个方向有两组偏置 b_ih 和 b_hh；Keras 的 GRU 在默认 reset_after=True 时也是如此"
            "（偏置形状 (2, {width})），所以数量一致。reset_after=False 时 Keras 每层每个方向少 {extra} 个。",
        },
        "note.torch_rnn_upper": {
            "en": "The layers above the first ({which}) read the layer below: {n_up} inputs = {dirs} direction(s) × "
            "{rec} features.",
            "zh": "第一层之上的层（{which}）以下一层的输出为输入：{n_up} 个输入 = {dirs} 个方向 × {rec} 个特征。",
        },
        "note.torch_rnn_proj": {
            "en": "proj_size={proj}: each layer and direction adds weight_hr ({proj} × {units}); h has {proj} "
            "features, c keeps {units}.",
            "zh": "proj_size={proj}：每层每个方向多一个 weight_hr（{proj} × {units}）；h 有 {proj} 个特征，c 仍为 {units}。",
        },
        "note.macs_per_step": {
            "en": "The number of time steps is unknown here, so MACs are for one time step.",
            "zh": "这里时间步数未知，所以 MACs 按单个时间步计算。",
        },
        "note.macs_steps": {
            "en": "MACs cover all {steps} time steps ({per_step} per step).",
            "zh": "MACs 覆盖全部 {steps} 个时间步（每步 {per_step}）。",
        },
        "note.bidirectional_concat": {
            "en": "merge_mode='concat' joins the two directions on the last axis: {fw} + {bw} = {total} features.",
            "zh": "merge_mode='concat' 在最后一个轴上拼接两个方向：{fw} + {bw} = {total} 个特征。",
        },
        "note.bidirectional_symbolic": {
            "en": "Keras's summary prints {symbolic} for this layer, because it assumes the backward layer is "
            "shaped like the forward one; the layer really returns {real}.",
            "zh": "Keras 的 summary 会把这一层显示为 {symbolic}，因为它假定反向层与正向层形状相同；"
            "该层实际返回 {real}。",
        },
        "error.wrapped_layer": {
            "en": "{layer}: the wrapped layer must be given as a configuration with its type, e.g. "
            "{{\"type\": \"LSTM\", \"units\": 64}}; got {value}.",
            "zh": "{layer}：被包装的层需要以带类型的配置给出，例如 {{\"type\": \"LSTM\", \"units\": 64}}；收到的是 {value}。",
        },
        "error.bidirectional_merge": {
            "en": "{layer}: merge_mode='{mode}' needs both directions to have the same shape, but they are "
            "{fw} and {bw}.",
            "zh": "{layer}：merge_mode='{mode}' 要求两个方向形状相同，但它们是 {fw} 和 {bw}。",
        },
        "error.bidirectional_layer": {
            "en": "{layer} wraps a recurrent layer (SimpleRNN, LSTM, GRU, ConvLSTM1D/2D/3D); {kind} is not one.",
            "zh": "{layer} 只能包装循环层（SimpleRNN、LSTM、GRU、ConvLSTM1D/2D/3D）；{kind} 不是循环层。",
        },
        "error.bidirectional_outputs": {
            "en": "{layer}: the forward and backward layers must agree on return_sequences and return_state.",
            "zh": "{layer}：正向层和反向层的 return_sequences 和 return_state 必须一致。",
        },
        "error.input_size": {
            "en": "{layer}: input_size is {expected}, but the input has {got} features (shape {shape}).",
            "zh": "{layer}：input_size 为 {expected}，但输入有 {got} 个特征（形状 {shape}）。",
        },
        "error.proj_size": {
            "en": "{layer}: proj_size ({proj}) must be smaller than hidden_size ({hidden}).",
            "zh": "{layer}：proj_size（{proj}）必须小于 hidden_size（{hidden}）。",
        },
    }
)


def _macs_notes(steps: Dim, per_step: int) -> tuple[int, tuple[Message, ...]]:
    """MACs over the sequence: T steps × per-step MACs; per step, with a note, when T is unknown."""
    if steps is None:
        return per_step, (Message("note.macs_per_step"),)
    return steps * per_step, ()


def _bias_note(kind: str, gates: int, u: int, count: int) -> Message:
    return Message("note.rnn_torch_bias", {"kind": kind, "gates": gates, "units": u, "extra": gates * u,
                                           "torch": count + gates * u})


# ---------------------------------------------------------------------------------------------
# Keras SimpleRNN, LSTM, GRU.


class _KerasRecurrent(LayerKind):
    framework = Framework.KERAS
    family = "recurrent"
    gates: ClassVar[int]
    states: ClassVar[int] = 1  # state tensors a return_state layer adds to its outputs
    solvable = {"units": "shape", "n_in": "params"}
    min_inputs = 1

    def bias_kind(self, cfg: Config) -> str:
        return "one" if cfg.bool("use_bias") else "none"

    def explain(self, bias: str) -> str:
        raise NotImplementedError

    def notes(self, cfg: Config, bias: str, u: int, count: int) -> tuple[Message, ...]:
        return ()

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        # Extra inputs are initial states (one per state tensor): they change nothing here.
        shape = single_input(self.name, inputs, min_rank=3, max_rank=3)
        n = known(self.name, shape[-1], "the input's last axis (features per time step)")
        u = cfg.int("units")
        bias = self.bias_kind(cfg)
        g = self.gates
        term = KERAS_RNN[(g, bias)].bind(n_in=n, units=u)
        batch, steps = shape[0], shape[1]
        out: Shape = (batch, steps, u) if cfg.bool("return_sequences") else (batch, u)
        output: ShapeTree = out
        if cfg.bool("return_state"):
            output = [out, *[(batch, u)] * self.states]
        macs, notes = _macs_notes(steps, g * u * (n + u))
        bias_weight = () if bias == "none" else (Weight("bias", (2, g * u) if bias == "two" else (g * u,)),)
        return Derived(
            output=output,
            trainable=term,
            explanation=Message(self.explain(bias), {"n_in": n, "units": u}),
            macs=macs,
            notes=self.notes(cfg, bias, u, term.value) + notes,
            weights=(Weight("kernel", (n, g * u)), Weight("recurrent_kernel", (u, g * u)), *bias_weight),
        )


_RNN_DEFAULTS: Mapping[str, Any] = {
    "use_bias": True,
    "activation": "tanh",
    "recurrent_activation": "sigmoid",
    "return_sequences": False,
    "return_state": False,
    "go_backwards": False,
}


@register
class KerasSimpleRNN(_KerasRecurrent):
    """``u·(n + u) + u`` (keras/src/layers/rnn/simple_rnn.py SimpleRNNCell.build)."""

    name = "SimpleRNN"
    positional = ("units", "activation", "use_bias")
    defaults = _RNN_DEFAULTS
    gates = 1
    max_inputs = 2

    def explain(self, bias: str) -> str:
        return "explain.simple_rnn" if bias != "none" else "explain.simple_rnn_no_bias"

    def notes(self, cfg: Config, bias: str, u: int, count: int) -> tuple[Message, ...]:
        # PyTorch nn.RNN: b_ih and b_hh, u more.
        return (_bias_note("RNN", 1, u, count),) if bias != "none" else ()


@register
class KerasLSTM(_KerasRecurrent):
    """``4·(u·(n + u) + u)`` (keras/src/layers/rnn/lstm.py LSTMCell.build); states h and c."""

    name = "LSTM"
    positional = ("units", "activation", "recurrent_activation", "use_bias")
    defaults = _RNN_DEFAULTS
    gates = 4
    states = 2
    max_inputs = 3

    def explain(self, bias: str) -> str:
        return "explain.lstm" if bias != "none" else "explain.lstm_no_bias"

    def notes(self, cfg: Config, bias: str, u: int, count: int) -> tuple[Message, ...]:
        # PyTorch nn.LSTM: b_ih and b_hh, 4u more.
        return (_bias_note("LSTM", 4, u, count),) if bias != "none" else ()


@register
class KerasGRU(_KerasRecurrent):
    """``3·(u·(n + u) + 2u)`` with reset_after=True (default), ``3·(u·(n + u) + u)`` without
    (keras/src/layers/rnn/gru.py GRUCell.build: bias shape (2, 3u) when reset_after)."""

    name = "GRU"
    positional = ("units", "activation", "recurrent_activation", "use_bias")
    defaults = {**_RNN_DEFAULTS, "reset_after": True}
    gates = 3
    max_inputs = 2

    def bias_kind(self, cfg: Config) -> str:
        if not cfg.bool("use_bias"):
            return "none"
        return "two" if cfg.bool("reset_after") else "one"

    def explain(self, bias: str) -> str:
        return {"two": "explain.gru", "one": "explain.gru_reset_before", "none": "explain.gru_no_bias"}[bias]

    def notes(self, cfg: Config, bias: str, u: int, count: int) -> tuple[Message, ...]:
        if bias == "two":
            return (Message("note.gru_reset_after", {"width": 3 * u, "other": count - 3 * u}),)
        return (_bias_note("GRU", 3, u, count),) if bias == "one" else ()


# ---------------------------------------------------------------------------------------------
# Keras ConvLSTM1D/2D/3D.


class _KerasConvLSTM(LayerKind):
    framework = Framework.KERAS
    family = "recurrent"
    rank: ClassVar[int]
    positional = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
                  "recurrent_activation", "use_bias")
    defaults = {
        "strides": 1,
        "padding": "valid",
        "data_format": "channels_last",
        "dilation_rate": 1,
        "use_bias": True,
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
        "return_sequences": False,
        "return_state": False,
        "go_backwards": False,
    }
    solvable = {"filters": "shape", "kernel_size": "params"}
    max_inputs = 3

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        r = self.rank
        shape = single_input(self.name, inputs, min_rank=r + 3, max_rank=r + 3)
        f = cfg.int("filters")
        ks = cfg.ints("kernel_size", r)
        strides = cfg.ints("strides", r)
        dilation = cfg.ints("dilation_rate", r)
        padding = cfg.choice("padding", ("valid", "same"))
        last = cfg.choice("data_format", ("channels_last", "channels_first")) == "channels_last"
        bias = cfg.bool("use_bias")
        batch, steps = shape[0], shape[1]
        spatial = shape[2:-1] if last else shape[3:]
        c = known(self.name, shape[-1] if last else shape[2], "the input's channels")
        # The input convolution sets the output size (keras conv_lstm.py compute_output_shape); the
        # recurrent one runs with stride 1 and padding "same" on the state, so it keeps that size.
        out_sp = tuple(
            keras_conv_len(self.name, n, k, s, d, padding)
            for n, k, s, d in zip(spatial, ks, strides, dilation, strict=True)
        )
        frame: Shape = (*out_sp, f) if last else (f, *out_sp)
        out: Shape = (batch, steps, *frame) if cfg.bool("return_sequences") else (batch, *frame)
        output: ShapeTree = [out, (batch, *frame), (batch, *frame)] if cfg.bool("return_state") else out
        window = math.prod(ks)
        values = {s.name: k for s, k in zip(KERNEL[r], ks, strict=True)} | {"c_in": c, "filters": f}
        positions = numel(out_sp)
        per_step = (positions or 1) * window * (c + f) * 4 * f
        macs, notes = _macs_notes(steps, per_step)
        window_text = "×".join(str(k) for k in ks)
        return Derived(
            output=output,
            trainable=CONV_LSTM[(r, bias)].bind(**values),
            explanation=Message("explain.conv_lstm" if bias else "explain.conv_lstm_no_bias",
                                {"filters": f, "window": window_text, "c_in": c}),
            macs=macs if positions is not None else None,
            notes=notes,
            weights=(Weight("kernel", (*ks, c, 4 * f)), Weight("recurrent_kernel", (*ks, f, 4 * f)))
            + ((Weight("bias", (4 * f,)),) if bias else ()),
        )


@register
class KerasConvLSTM1D(_KerasConvLSTM):
    name = "ConvLSTM1D"
    rank = 1


@register
class KerasConvLSTM2D(_KerasConvLSTM):
    name = "ConvLSTM2D"
    rank = 2


@register
class KerasConvLSTM3D(_KerasConvLSTM):
    name = "ConvLSTM3D"
    rank = 3


# ---------------------------------------------------------------------------------------------
# Keras wrappers: Bidirectional and TimeDistributed derive the wrapped layer through the catalog.


def _wrapped(layer: str, value: Any) -> tuple[str, Mapping[str, Any]]:
    """The wrapped layer's type and configuration: ``{"type": "LSTM", "units": 64, ...}``, or Keras's
    own serialized form ``{"class_name": "LSTM", "config": {...}}``."""
    if isinstance(value, Mapping):
        if isinstance(value.get("type"), str):
            return value["type"], {k: v for k, v in value.items() if k != "type"}
        if isinstance(value.get("class_name"), str) and isinstance(value.get("config"), Mapping):
            return value["class_name"], value["config"]
    raise ConfigError("error.wrapped_layer", layer=layer, value=repr(value))


def _recurrent_only(layer: str, kind: str) -> None:
    """Bidirectional wraps a recurrent layer (keras bidirectional.py checks for an RNN)."""
    if not isinstance(lookup(kind, Framework.KERAS), (_KerasRecurrent, _KerasConvLSTM)):
        raise ConfigError("error.bidirectional_layer", layer=layer, kind=kind)


def _snake(name: str) -> str:
    """Keras's default layer names (keras/src/utils/naming.py to_snake_case): LSTM → lstm, SimpleRNN → simple_rnn."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _split(output: ShapeTree) -> tuple[Shape, list[ShapeTree]]:
    """A recurrent layer's output and its state shapes (return_state=True gives [output, *states])."""
    if isinstance(output, list):
        first = output[0]
        if not isinstance(first, tuple):  # recurrent layers return flat lists of shapes
            raise TypeError(f"nested output {output!r}")
        return first, list(output[1:])
    return output, []


def _doubled(part: Term | TermSum | None) -> Term | TermSum | None:
    if part is None:
        return None
    if isinstance(part, Term):
        return _twice(part.formula).bind(**dict(zip(part.formula.names, part.values, strict=True)))
    return TermSum(part.terms + part.terms)


def _joined(a: Term | TermSum | None, b: Term | TermSum | None) -> Term | TermSum | None:
    terms = [t for p in (a, b) if p is not None for t in (p.terms if isinstance(p, TermSum) else (p,))]
    return TermSum(tuple(terms)) if terms else None


def _same(a: LayerCalc, b: LayerCalc) -> bool:
    def key(p: Term | TermSum | None) -> Any:
        if p is None:
            return None
        terms = p.terms if isinstance(p, TermSum) else (p,)
        return tuple((t.formula, t.values) for t in terms)

    return a.kind == b.kind and key(a.trainable) == key(b.trainable) and key(a.non_trainable) == key(b.non_trainable)


@register
class KerasBidirectional(LayerKind):
    """Two copies of a recurrent layer, one reading the sequence backwards (keras/src/layers/rnn/
    bidirectional.py: forward_layer and backward_layer, the latter a copy with go_backwards flipped
    unless backward_layer is given).  Parameters 2× the wrapped layer's; merge_mode concat (default)
    joins the outputs on the last axis, sum/mul/ave keep the shape, None returns both."""

    name = "Bidirectional"
    framework = Framework.KERAS
    family = "recurrent"
    positional = ("layer", "merge_mode", "weights", "backward_layer")
    defaults = {"merge_mode": "concat", "backward_layer": None}
    max_inputs = 5  # the sequence, then initial states for both directions

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        kind, inner = _wrapped(self.name, cfg.get("layer"))
        _recurrent_only(self.name, kind)
        x = inputs[:1]
        fw = derive(kind, Framework.KERAS, inner, x)
        bw_value = cfg.get("backward_layer")
        if bw_value is None:
            bw = fw  # a copy of the forward layer with go_backwards flipped: same weights, same shapes
        else:
            bw_kind, bw_inner = _wrapped(self.name, bw_value)
            _recurrent_only(self.name, bw_kind)
            bw = derive(bw_kind, Framework.KERAS, bw_inner, x)
        # Keras merge_mode=None (return both directions) arrives as an explicit None.
        if cfg.given("merge_mode") and not cfg.has("merge_mode"):
            mode: str | None = None
            cfg.used["merge_mode"] = None
        else:
            mode = cfg.choice("merge_mode", ("concat", "sum", "mul", "ave"))
        fw_out, fw_states = _split(fw.output)
        bw_out, bw_states = _split(bw.output)
        if len(fw_states) != len(bw_states) or len(fw_out) != len(bw_out):
            raise ConfigError("error.bidirectional_outputs", layer=self.name)
        notes: list[Message] = []
        merged: list[ShapeTree]
        if mode is None:
            merged = [fw_out, bw_out]
        elif mode == "concat":
            a, b = fw_out[-1], bw_out[-1]
            last = a + b if a is not None and b is not None else None
            merged = [(*fw_out[:-1], last)]
            if last is not None:
                notes.append(Message("note.bidirectional_concat", {"fw": a, "bw": b, "total": last}))
        else:
            if fw_out != bw_out:
                raise ShapeError("error.bidirectional_merge", layer=self.name, mode=mode, fw=str(fw_out), bw=str(bw_out))
            merged = [fw_out]
        parts = [*merged, *fw_states, *bw_states]
        output: ShapeTree = parts[0] if len(parts) == 1 else parts
        # Keras's compute_output_shape takes both directions to be shaped like the forward one, so a
        # summary of a narrower or wider backward_layer prints that, not what the layer returns.
        symbolic_out = (*fw_out[:-1], fw_out[-1] * 2 if fw_out[-1] is not None else None) if mode == "concat" else fw_out
        symbolic = [*([fw_out, fw_out] if mode is None else [symbolic_out]), *fw_states, *fw_states]
        if symbolic != parts:
            shown = symbolic[0] if len(symbolic) == 1 else symbolic
            notes.append(Message("note.bidirectional_symbolic", {"symbolic": format_shape(shown),
                                                                 "real": format_shape(output)}))
        if _same(fw, bw):
            trainable, non_trainable = _doubled(fw.trainable), _doubled(fw.non_trainable)
            explanation = Message("explain.bidirectional", {"kind": fw.kind, "inner": fw.explanation})
        else:
            trainable, non_trainable = _joined(fw.trainable, bw.trainable), _joined(fw.non_trainable, bw.non_trainable)
            explanation = Message("explain.bidirectional_distinct", {"fw_kind": fw.kind, "fw": fw.explanation,
                                                                     "bw_kind": bw.kind, "bw": bw.explanation})
        fw_name = "forward_" + _snake(fw.kind)
        bw_name = "backward_" + _snake(bw.kind)
        weights = tuple(Weight(f"{fw_name}/{w.name}", w.shape, w.role) for w in fw.weights) + tuple(
            Weight(f"{bw_name}/{w.name}", w.shape, w.role) for w in bw.weights
        )
        inner_notes = list(fw.notes)
        inner_notes += [n for n in bw.notes if n not in inner_notes]
        return Derived(
            output=output,
            trainable=trainable,
            non_trainable=non_trainable,
            explanation=explanation,
            macs=fw.macs + bw.macs if fw.macs is not None and bw.macs is not None else None,
            notes=(*notes, *inner_notes),
            weights=weights,
        )


@register
class KerasTimeDistributed(LayerKind):
    """Applies one layer at every time step (keras/src/layers/rnn/time_distributed.py): the wrapped
    layer sees the input without the time axis (axis 1), and the output puts that axis back.  The
    weights are shared across steps, so the count is the wrapped layer's."""

    name = "TimeDistributed"
    framework = Framework.KERAS
    family = "recurrent"
    positional = ("layer",)

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=3)
        kind, inner = _wrapped(self.name, cfg.get("layer"))
        steps = shape[1]
        calc = derive(kind, Framework.KERAS, inner, [(shape[0], *shape[2:])])

        def put_back(tree: ShapeTree) -> ShapeTree:
            if isinstance(tree, list):
                return [put_back(t) for t in tree]
            return (tree[0], steps, *tree[1:])

        notes: tuple[Message, ...] = ()
        macs = calc.macs
        if macs is not None:
            macs, notes = _macs_notes(steps, macs)
        return Derived(
            output=put_back(calc.output),
            trainable=calc.trainable,
            non_trainable=calc.non_trainable,
            buffers=calc.buffers,
            explanation=Message("explain.time_distributed", {"kind": calc.kind, "inner": calc.explanation}),
            macs=macs,
            notes=(*calc.notes, *notes),
            weights=calc.weights,
        )


# ---------------------------------------------------------------------------------------------
# PyTorch RNN, LSTM, GRU.


def _torch_sequence(shape: Shape, batch_first: bool) -> tuple[Dim, Dim, bool]:
    """(steps, batch, batched) of a torch RNN input: (T, N, F), (N, T, F) with batch_first, or
    unbatched (T, F)."""
    if len(shape) == 2:
        return shape[0], None, False
    if batch_first:
        return shape[1], shape[0], True
    return shape[0], shape[1], True


class _TorchRecurrent(LayerKind):
    framework = Framework.TORCH
    family = "recurrent"
    gates: ClassVar[int]
    kind: ClassVar[str]
    solvable = {"hidden_size": "shape", "input_size": "params"}
    max_inputs = 2  # input, hx (a tuple (h_0, c_0) for LSTM)

    def proj(self, cfg: Config, hidden: int) -> int:
        # torch: "proj_size argument is only supported for LSTM, not RNN or GRU".
        if cfg.given("proj_size") and cfg.get("proj_size") not in (0, None):
            raise ConfigError("error.config", layer=self.name, name="proj_size", value=repr(cfg.get("proj_size")),
                              expected="0 (projections are for LSTM only)")
        return 0

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=2, max_rank=3)
        n = cfg.int("input_size")
        h = cfg.int("hidden_size")
        layers = cfg.int("num_layers", hi=MAX_STACK)
        bias = cfg.bool("bias")
        batch_first = cfg.bool("batch_first")
        bidirectional = cfg.bool("bidirectional")
        if self.kind == "RNN":
            cfg.choice("nonlinearity", ("tanh", "relu"))
        p = self.proj(cfg, h)
        if shape[-1] is not None and shape[-1] != n:
            raise ShapeError("error.input_size", layer=self.name, expected=n, got=shape[-1], shape=str(shape))
        g, dirs = self.gates, 2 if bidirectional else 1
        r = p or h  # width of the recurrent state h
        values = {"n_in": n, "units": h} | ({"proj_size": p} if p else {})
        first = TORCH_RNN[(g, bias, bool(p), bidirectional, False)].bind(**values)
        trainable: Term | TermSum = first
        notes: list[Message] = []
        if layers > 1:
            upper_values = {"units": h, "num_layers": layers} | ({"proj_size": p} if p else {})
            upper = TORCH_RNN[(g, bias, bool(p), bidirectional, True)].bind(**upper_values)
            trainable = TermSum((first, upper))
            notes.append(Message("note.torch_rnn_upper", {"which": "2" if layers == 2 else f"2–{layers}", "n_up": dirs * r, "dirs": dirs, "rec": r}))
        if p:
            notes.append(Message("note.torch_rnn_proj", {"proj": p, "units": h}))
        if bias:
            if self.kind == "GRU":
                notes.append(Message("note.torch_gru_bias", {"width": 3 * h, "extra": 3 * h}))
            else:
                keras = {"RNN": "SimpleRNN", "LSTM": "LSTM"}[self.kind]
                notes.append(Message("note.torch_rnn_bias", {"kind": keras, "gates": g, "units": h, "extra": g * h}))

        weights: list[Weight] = []
        per_step = 0
        for layer in range(layers):
            width = n if layer == 0 else dirs * r
            for suffix in ("", "_reverse")[:dirs]:
                tag = f"l{layer}{suffix}"
                weights += [Weight(f"weight_ih_{tag}", (g * h, width)), Weight(f"weight_hh_{tag}", (g * h, r))]
                if bias:
                    weights += [Weight(f"bias_ih_{tag}", (g * h,)), Weight(f"bias_hh_{tag}", (g * h,))]
                if p:
                    weights.append(Weight(f"weight_hr_{tag}", (p, h)))
                per_step += g * h * (width + r) + p * h

        steps, batch, batched = _torch_sequence(shape, batch_first)
        # torch/nn/modules/rnn.py: output (T, N, D·H_out) or (N, T, D·H_out); h_n (D·num_layers, N, H_out)
        # whatever batch_first says; c_n (D·num_layers, N, H_cell).  H_out = proj_size or hidden_size.
        lead: tuple[Dim, ...] = (batch,) if batched else ()
        if batched:
            out: Shape = (batch, steps, dirs * r) if batch_first else (steps, batch, dirs * r)
        else:
            out = (steps, dirs * r)
        h_n: Shape = (dirs * layers, *lead, r)
        output: ShapeTree = [out, [h_n, (dirs * layers, *lead, h)]] if self.kind == "LSTM" else [out, h_n]
        macs, step_notes = _macs_notes(steps, per_step)
        key = "explain.torch_rnn" if bias else "explain.torch_rnn_no_bias"
        return Derived(
            output=output,
            trainable=trainable,
            explanation=Message(key, {"kind": self.kind, "gates": g, "units": h, "n_in": n, "rec": r,
                                      "layers": layers, "dirs": dirs}),
            macs=macs,
            notes=(*notes, *step_notes),
            weights=tuple(weights),
        )


_TORCH_RNN_DEFAULTS: Mapping[str, Any] = {
    "num_layers": 1,
    "bias": True,
    "batch_first": False,
    "dropout": 0.0,
    "bidirectional": False,
}


@register
class TorchRNN(_TorchRecurrent):
    """Elman RNN: 1 gate set (torch/nn/modules/rnn.py RNN, nonlinearity tanh or relu)."""

    name = "RNN"
    kind = "RNN"
    gates = 1
    positional = ("input_size", "hidden_size", "num_layers", "nonlinearity", "bias", "batch_first", "dropout",
                  "bidirectional")
    defaults = {**_TORCH_RNN_DEFAULTS, "nonlinearity": "tanh"}


@register
class TorchLSTM(_TorchRecurrent):
    """4 gate sets, optional projection of h (proj_size, torch/nn/modules/rnn.py LSTM)."""

    name = "LSTM"
    kind = "LSTM"
    gates = 4
    positional = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional",
                  "proj_size")
    defaults = {**_TORCH_RNN_DEFAULTS, "proj_size": 0}

    def proj(self, cfg: Config, hidden: int) -> int:
        p = cfg.int("proj_size", lo=0)
        if p >= hidden:
            raise ConfigError("error.proj_size", layer=self.name, proj=p, hidden=hidden)
        return p


@register
class TorchGRU(_TorchRecurrent):
    """3 gate sets (torch/nn/modules/rnn.py GRU)."""

    name = "GRU"
    kind = "GRU"
    gates = 3
    positional = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional")
    defaults = _TORCH_RNN_DEFAULTS


# ---------------------------------------------------------------------------------------------
# PyTorch cells: one time step, weight_ih / weight_hh / bias_ih / bias_hh (torch/nn/modules/rnn.py RNNCellBase).


class _TorchCell(LayerKind):
    framework = Framework.TORCH
    family = "recurrent"
    gates: ClassVar[int]
    kind: ClassVar[str]
    positional: ClassVar[tuple[str, ...]] = ("input_size", "hidden_size", "bias")
    defaults: ClassVar[Mapping[str, Any]] = {"bias": True}
    solvable = {"hidden_size": "shape", "input_size": "params"}
    max_inputs = 2  # input, hx (LSTMCell: the tuple (h, c))

    def derive(self, cfg: Config, inputs: tuple[Shape, ...]) -> Derived:
        shape = single_input(self.name, inputs, min_rank=1, max_rank=2)
        n, h, bias = cfg.int("input_size"), cfg.int("hidden_size"), cfg.bool("bias")
        if self.kind == "RNNCell":
            cfg.choice("nonlinearity", ("tanh", "relu"))
        if shape[-1] is not None and shape[-1] != n:
            raise ShapeError("error.input_size", layer=self.name, expected=n, got=shape[-1], shape=str(shape))
        g = self.gates
        out: Shape = (*shape[:-1], h)
        output: ShapeTree = [out, out] if self.kind == "LSTMCell" else out
        weights = [Weight("weight_ih", (g * h, n)), Weight("weight_hh", (g * h, h))]
        if bias:
            weights += [Weight("bias_ih", (g * h,)), Weight("bias_hh", (g * h,))]
        key = "explain.torch_cell" if bias else "explain.torch_cell_no_bias"
        return Derived(
            output=output,
            trainable=TORCH_RNN[(g, bias, False, False, False)].bind(n_in=n, units=h),
            explanation=Message(key, {"kind": self.kind, "gates": g, "units": h, "n_in": n}),
            macs=g * h * (n + h),
            weights=tuple(weights),
        )


@register
class TorchRNNCell(_TorchCell):
    name = "RNNCell"
    kind = "RNNCell"
    gates = 1
    positional = ("input_size", "hidden_size", "bias", "nonlinearity")
    defaults = {"bias": True, "nonlinearity": "tanh"}


@register
class TorchLSTMCell(_TorchCell):
    name = "LSTMCell"
    kind = "LSTMCell"
    gates = 4


@register
class TorchGRUCell(_TorchCell):
    name = "GRUCell"
    kind = "GRUCell"
    gates = 3
