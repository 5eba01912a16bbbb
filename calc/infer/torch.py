"""Candidate generators for PyTorch modules read from torchinfo / torchsummary tables or ``print(model)``.

Torch tables list modules in forward-call order, but the forward function may reshape, slice or
add tensors between two modules, so the previous row's output is only a *hint* of a module's input
(``Evidence.hinted``).  Generators try the hint first and then solve the input from the count and
the output (in_features of a Linear, in_channels of a Conv).  PyTorch tensors are channels-first:
``(N, C, H, W)``.  A ``print(model)`` row states its configuration; only an input of the right rank
is proposed for it, with unknown sizes where the text says nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

from calc.i18n import Message, register
from calc.infer import MAX_CANDIDATES, Candidate, Child, Evidence, generator
from calc.infer.common import (
    divisors,
    in_shape,
    kernel_shapes,
    out_shape,
    prod,
    torch_conv_axis,
    torch_pool_axis,
    torch_transpose_axis,
)
from calc.types import Dim, Framework, Shape

T = Framework.TORCH

register(
    {
        "infer.torch_heads": {
            "en": "The count of a multi-head attention does not depend on the number of heads: embed_dim = {embed} "
            "splits into {heads} heads of {head_dim} here, but any divisor of {embed} gives the same count.",
            "zh": "多头注意力的参数数量与头数无关：这里 embed_dim = {embed} 分成 {heads} 个头，每头 {head_dim} 维，"
            "但 {embed} 的任何约数都给出相同的数量。",
        },
        "infer.torch_groups_free": {
            "en": "GroupNorm has 2 parameters per channel whatever num_groups is, so num_groups cannot be read "
            "from the table (I used {groups}).",
            "zh": "GroupNorm 无论 num_groups 为多少都是每通道 2 个参数，因此无法从表格读出 num_groups（这里用了 {groups}）。",
        },
    }
)


def _rank_of(kind: str) -> int:
    for ch in kind:
        if ch in "123":
            return int(ch)
    return 2


def _stated(ev: Evidence, proposal: Shape | None) -> Iterator[Candidate]:
    if ev.inputs is None and proposal is not None:
        yield Candidate({}, inputs=(proposal,))
    else:
        yield Candidate({})


def _same(ev: Evidence) -> tuple[Shape, ...] | None:
    """Input proposal for a module that keeps its input's shape: the output (when the input is not a fact)."""
    out = out_shape(ev)
    if out is None:
        return None
    if ev.inputs is None or ev.hinted:
        return (out,)
    return None


# --- Linear ----------------------------------------------------------------------------------


@generator(T, "Linear")
def linear(ev: Evidence) -> Iterator[Candidate]:
    out, inp = out_shape(ev), in_shape(ev)
    if ev.stated:
        n = ev.config.get("in_features")
        yield from _stated(ev, (None, n) if isinstance(n, int) else None)
        return
    if out is None or not out or out[-1] is None:
        return
    u, p = out[-1], ev.params
    hint = inp[-1] if inp is not None and inp else None
    options: list[int] = []
    if hint is not None:
        options.append(hint)
    if p is not None:
        for per in (p - u, p):
            if per > 0 and per % u == 0 and per // u not in options:
                options.append(per // u)
    for n in options:
        counts = [(True, n * u + u), (False, n * u)]
        if p is not None and p == n * u:
            counts.reverse()
        for bias, count in counts:
            if p is not None and count != p and n != hint:
                continue
            inputs = None if n == hint and not ev.hinted else ((*out[:-1], n),)
            inferred = () if n == hint else ("in_features",)
            yield Candidate({"in_features": n, "out_features": u, "bias": bias},
                            inferred + (() if bias else ("bias",)), inputs=inputs, params=count)


# --- convolutions ----------------------------------------------------------------------------


def _torch_spatial(inp: Shape | None, out: Shape, k: Sequence[int], rank: int,
                   transpose: bool) -> dict[str, Any] | None:
    """stride / padding / dilation (and output_padding) per axis, the most plausible per axis."""
    if inp is None or len(inp) != rank + 2:
        return None
    stride, padding, dilation, extra = [], [], [], []
    for a in range(rank):
        n_in, n_out = inp[2 + a], out[2 + a]
        if transpose:
            t_opts = torch_transpose_axis(n_in, n_out, k[a])
            if not t_opts:
                return None
            p, s, d, op = t_opts[0]
            extra.append(op)
        else:
            opts = torch_conv_axis(n_in, n_out, k[a])
            if not opts:
                return None
            p, s, d = opts[0]
        padding.append(p)
        stride.append(s)
        dilation.append(d)
    cfg: dict[str, Any] = {"stride": tuple(stride), "padding": tuple(padding), "dilation": tuple(dilation)}
    if transpose:
        cfg["output_padding"] = tuple(extra)
    return cfg


def _kernel_options(ev: Evidence, q_per_group: int, rank: int) -> list[tuple[int, ...]]:
    if ev.kernel_size is not None and len(ev.kernel_size) == rank:
        return [tuple(ev.kernel_size)] if math.prod(ev.kernel_size) == q_per_group else []
    return list(kernel_shapes(q_per_group, rank))


def _conv_plausibility(k: tuple[int, ...], g: int, c: int, hint: int | None, bias: bool) -> tuple[int, ...]:
    """Penalties, summed, then the kernel's own rank: an odd square kernel up to 7 (0) over odd squares up
    to 11 (2) over other kernels up to 7 wide (3) over the rest (5); groups 1 (0) over depthwise (1) over any other (4); the
    previous row's channels (0) over channels solved from the count (3: a residual branch such as a ResNet
    downsample reads another tensor; 5 for a channel count that is not a multiple of 8); a bias (0, the default) over none (1).
    Ties go to the previous row's channels, then to the kernel."""
    square = len(set(k)) == 1
    odd = all(x % 2 == 1 for x in k)
    kernel = 0 if square and odd and k[0] <= 7 else 2 if square and odd and k[0] <= 11 else 3 if max(k) <= 7 else 5
    groups = 0 if g == 1 else 1 if g == c else 4
    channel = 0 if c == hint else 3 if c % 8 == 0 or c in (1, 2, 3, 4) else 5
    return (kernel + groups + channel + (0 if bias else 1), 0 if c == hint else 1, kernel)


def _conv(ev: Evidence, transpose: bool) -> Iterator[Candidate]:
    rank = _rank_of(ev.kind)
    out, inp = out_shape(ev), in_shape(ev)
    if ev.stated:
        c = ev.config.get("in_channels")
        yield from _stated(ev, (None, c, *([None] * rank)) if isinstance(c, int) else None)
        return
    if out is None or len(out) != rank + 2 or out[1] is None:
        return
    f, p = out[1], ev.params
    if inp is not None and len(inp) != rank + 2:
        inp = None
    hint = inp[1] if inp is not None else None
    combos: list[tuple[tuple[int, ...], tuple[tuple[int, ...], int, bool, int]]] = []
    if p is not None:
        for bias in (True, False):
            per = p - f if bias else p
            if per <= 0 or per % f:
                continue
            q = per // f  # kernel volume × input channels per group
            channels: list[int] = [hint] if hint is not None else []
            vols = [math.prod(ev.kernel_size)] if ev.kernel_size is not None else [k**rank for k in (3, 1, 5, 7)]
            for vol in vols:
                if q % vol == 0 and q // vol not in channels:
                    channels.append(q // vol)
            for c in channels:
                for g in [1, *[g for g in divisors(c, 32) if g > 1 and f % g == 0][:12]]:
                    if c % g or q % (c // g):
                        continue
                    for k in _kernel_options(ev, q // (c // g), rank):
                        key = _conv_plausibility(k, g, c, hint, bias)
                        combos.append((key, (k, g, bias, c)))
    elif hint is not None and ev.kernel_size is not None:
        for bias in (True, False):
            combos.append(((0 if bias else 1, 0, 0), (tuple(ev.kernel_size), 1, bias, hint)))
    combos.sort(key=lambda x: x[0])
    later: list[Candidate] = []
    for _, (k, g, bias, c) in combos:
        base: dict[str, Any] = {"in_channels": c, "out_channels": f, "kernel_size": k, "groups": g, "bias": bias}
        inferred: tuple[str, ...] = (() if ev.kernel_size is not None else ("kernel_size",)) + (
            () if bias else ("bias",)) + (() if g == 1 else ("groups",)) + (() if c == hint else ("in_channels",))
        count = (math.prod(k) * (c // g) + int(bias)) * f
        spatial = _torch_spatial(inp, out, k, rank, transpose) if c == hint or inp is not None else None
        if spatial is not None:
            inputs = None if not ev.hinted else ((inp[0], c, *inp[2:]),) if inp is not None else None
            yield Candidate({**base, **spatial}, inferred, tuple(spatial), inputs=inputs, params=count)
        later.append(Candidate(base, inferred, inputs=((out[0], c, *([None] * rank)),),
                               undetermined=("stride", "padding", "input_shape"), params=count))
    yield from later


@generator(T, "Conv1d", "Conv2d", "Conv3d", "LazyConv1d", "LazyConv2d", "LazyConv3d")
def conv(ev: Evidence) -> Iterator[Candidate]:
    yield from _conv(ev, transpose=False)


@generator(T, "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d")
def conv_transpose(ev: Evidence) -> Iterator[Candidate]:
    yield from _conv(ev, transpose=True)


# --- normalization ---------------------------------------------------------------------------


def _channels(ev: Evidence) -> int | None:
    out = out_shape(ev)
    if out is not None and len(out) >= 2:
        return out[1]
    return None


@generator(T, "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "InstanceNorm1d", "InstanceNorm2d",
           "InstanceNorm3d")
def batch_norm(ev: Evidence) -> Iterator[Candidate]:
    instance = ev.kind.startswith("Instance")
    if ev.stated:
        c = ev.config.get("num_features")
        rank = _rank_of(ev.kind)
        dims: list[Dim] = [None] * (rank if rank > 1 or instance else 0)
        yield from _stated(ev, (None, c, *dims) if isinstance(c, int) else None)
        return
    c = _channels(ev)
    if c is None:
        return
    options = [(False, True, 0), (True, True, 2 * c), (True, False, c)] if instance else [
        (True, True, 2 * c), (False, True, 0), (True, False, c)]
    for affine, bias, count in options:
        cfg = {"num_features": c, "affine": affine, "bias": bias}
        default_affine = not instance
        inferred = tuple(k for k, v in (("affine", affine != default_affine), ("bias", not bias)) if v)
        yield Candidate(cfg, inferred, inputs=_same(ev), params=count)


@generator(T, "LayerNorm", "RMSNorm")
def layer_norm(ev: Evidence) -> Iterator[Candidate]:
    if ev.stated:
        shape = ev.config.get("normalized_shape")
        dims = tuple(shape) if isinstance(shape, (list, tuple)) else (shape,) if isinstance(shape, int) else None
        yield from _stated(ev, (None, *dims) if dims is not None else None)
        return
    out = out_shape(ev)
    if out is None or len(out) < 2:
        return
    p = ev.params
    rms = ev.kind == "RMSNorm"
    flags = [(True, True, 1), (False, True, 0)] if rms else [(True, True, 2), (True, False, 1), (False, True, 0)]
    for n in range(1, len(out)):
        dims = out[len(out) - n:]
        size = prod(dims)
        if size is None:
            continue
        for affine, bias, m in flags:
            count = m * size
            if p == 0 and n > 1:
                continue
            cfg: dict[str, Any] = {"normalized_shape": tuple(dims), "elementwise_affine": affine}
            if not rms:
                cfg["bias"] = bias
            inferred = ("normalized_shape", *(k for k, v in (("elementwise_affine", not affine), ("bias", not bias))
                                              if v))
            yield Candidate(cfg, inferred, inputs=_same(ev), params=count,
                            undetermined=("normalized_shape",) if count == 0 else ())
        if p is None:
            return


@generator(T, "GroupNorm")
def group_norm(ev: Evidence) -> Iterator[Candidate]:
    if ev.stated:
        c = ev.config.get("num_channels")
        yield from _stated(ev, (None, c) if isinstance(c, int) else None)
        return
    c = _channels(ev)
    if c is None:
        return
    groups = math.gcd(c, 32)
    note = Message("infer.torch_groups_free", {"groups": groups})
    for affine, bias, count in ((True, True, 2 * c), (False, True, 0), (True, False, c)):
        inferred = tuple(k for k, v in (("affine", not affine), ("bias", not bias)) if v)
        yield Candidate({"num_groups": groups, "num_channels": c, "affine": affine, "bias": bias}, inferred,
                        inputs=_same(ev), undetermined=("num_groups",), params=count, note=note)


@generator(T, "PReLU")
def prelu(ev: Evidence) -> Iterator[Candidate]:
    if ev.stated:
        n = ev.config.get("num_parameters", 1)
        yield from _stated(ev, (None, n if isinstance(n, int) else None))
        return
    p = ev.params if ev.params is not None else 1
    yield Candidate({"num_parameters": p}, ("num_parameters",) if p != 1 else (), inputs=_same(ev), params=p)


# --- embeddings and recurrent layers ---------------------------------------------------------


@generator(T, "Embedding")
def embedding(ev: Evidence) -> Iterator[Candidate]:
    out = out_shape(ev)
    if ev.stated:
        yield from _stated(ev, (None, None))
        return
    if out is None or out[-1] is None or ev.params is None or ev.params % out[-1]:
        return
    d = out[-1]
    yield Candidate({"num_embeddings": ev.params // d, "embedding_dim": d}, ("num_embeddings",),
                    inputs=(tuple(out[:-1]),), params=ev.params)


_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def rnn_count(kind: str, n: int, h: int, layers: int, dirs: int, bias: bool) -> int:
    g = _GATES[kind]
    b = 2 * h if bias else 0
    first = dirs * g * (h * (n + h) + b)
    rest = (layers - 1) * dirs * g * (h * (dirs * h + h) + b)
    return first + rest


@generator(T, "RNN", "LSTM", "GRU")
def recurrent(ev: Evidence) -> Iterator[Candidate]:
    """hidden_size from the output width (halved when bidirectional), num_layers and the direction count
    from the count; input_size from the input (the hint) or solved."""
    inp = in_shape(ev)
    if ev.stated:
        n = ev.config.get("input_size")
        yield from _stated(ev, (None, None, n) if isinstance(n, int) else None)
        return
    out = out_shape(ev)
    if out is None or out[-1] is None or len(out) not in (2, 3):
        return
    g = _GATES[ev.kind]
    p = ev.params
    hint = inp[-1] if inp is not None and len(inp) in (2, 3) else None
    found: list[tuple[tuple[int, int, int, int], Candidate]] = []
    for dirs in (1, 2):
        if out[-1] % dirs:
            continue
        h = out[-1] // dirs
        for layers in range(1, 9):
            for bias in (True, False):
                b = 2 * h if bias else 0
                upper = (layers - 1) * dirs * g * (h * (dirs * h + h) + b)
                options: list[int] = []
                if hint is not None:
                    options.append(hint)
                if p is not None:
                    rest = p - upper
                    if rest > 0 and rest % (dirs * g) == 0:
                        per = rest // (dirs * g) - b - h * h
                        if per > 0 and per % h == 0 and per // h not in options:
                            options.append(per // h)
                for n in options:
                    count = rnn_count(ev.kind, n, h, layers, dirs, bias)
                    cfg = {"input_size": n, "hidden_size": h, "num_layers": layers, "bidirectional": dirs == 2,
                           "bias": bias}
                    inferred = tuple(k for k, v in (("num_layers", layers != 1), ("bidirectional", dirs == 2),
                                                    ("bias", not bias), ("input_size", n != hint)) if v)
                    inputs = None
                    if n != hint or ev.hinted:
                        inputs = ((*(inp[:-1] if inp is not None else (out[0], None)), n),)
                    # the previous row's width first (solving it from the count is the fallback), then the
                    # simplest stack
                    key = (0 if n == hint else 1, layers, dirs, 0 if bias else 1)
                    found.append((key, Candidate(cfg, inferred, inputs=inputs, undetermined=("batch_first",),
                                                 params=count)))
            if p is None:
                break
    found.sort(key=lambda x: x[0])
    for _, cand in found[:MAX_CANDIDATES]:
        yield cand


# --- attention -------------------------------------------------------------------------------

_HEADS = (8, 4, 16, 12, 2, 1, 6, 32, 3, 5)


def _heads(e: int) -> int:
    return next((h for h in _HEADS if e % h == 0), 1)


def _child(children: Sequence[Child], name: str) -> Child | None:
    return next((c for c in children if c.name is not None and c.name.rsplit(".", 1)[-1] == name), None)


@generator(T, "MultiheadAttention")
def multihead_attention(ev: Evidence) -> Iterator[Candidate]:
    """4E² + 4E with biases (in_proj 3E×E + 3E, out_proj E×E + E); the head count is free."""
    proj = _child(ev.children, "out_proj")
    if ev.stated or proj is not None:
        e = ev.config.get("embed_dim")
        cfg: dict[str, Any] = {}
        if proj is not None and not isinstance(e, int):
            e = proj.config.get("in_features")
            cfg["embed_dim"] = e
            cfg["bias"] = proj.config.get("bias", True)
        if not isinstance(e, int):
            return
        undetermined: tuple[str, ...] = ()
        note = None
        if "num_heads" not in ev.config:
            cfg["num_heads"] = _heads(e)
            undetermined = ("num_heads",)
            note = Message("infer.torch_heads", {"embed": e, "heads": cfg["num_heads"],
                                                 "head_dim": e // cfg["num_heads"]})
        proposal = None if ev.inputs is not None else ((None, None, e),)
        yield Candidate(cfg, tuple(k for k in cfg if k != "num_heads"), inputs=proposal, undetermined=undetermined,
                        note=note)
        return
    out = out_shape(ev)
    if out is None or out[-1] is None:
        return
    e = out[-1]
    heads = _heads(e)
    note = Message("infer.torch_heads", {"embed": e, "heads": heads, "head_dim": e // heads})
    for bias, bias_kv, count in ((True, False, 4 * e * e + 4 * e), (False, False, 4 * e * e),
                                 (True, True, 4 * e * e + 6 * e), (False, True, 4 * e * e + 2 * e)):
        if ev.params is not None and ev.params != count:
            continue
        inferred = tuple(k for k, v in (("bias", not bias), ("add_bias_kv", bias_kv)) if v)
        yield Candidate({"embed_dim": e, "num_heads": heads, "bias": bias, "add_bias_kv": bias_kv}, inferred,
                        inputs=_same(ev), undetermined=("num_heads",), params=count, note=note)


@generator(T, "TransformerEncoderLayer")
def transformer_encoder_layer(ev: Evidence) -> Iterator[Candidate]:
    """MHA (4d² + 4d) + linear1 (d·ff + ff) + linear2 (ff·d + d) + two LayerNorms (4d): ff from the count.
    From ``print(model)``: d_model and dim_feedforward from linear1, the bias too; the head count is free."""
    lin = _child(ev.children, "linear1")
    attn = _child(ev.children, "self_attn")
    if ev.stated or lin is not None:
        cfg: dict[str, Any] = {}
        if lin is not None and "d_model" not in ev.config:
            cfg = {"d_model": lin.config.get("in_features"), "dim_feedforward": lin.config.get("out_features"),
                   "bias": lin.config.get("bias", True)}
        d = ev.config.get("d_model", cfg.get("d_model"))
        if not isinstance(d, int):
            return
        undetermined: tuple[str, ...] = ()
        if "nhead" not in ev.config:
            heads = attn.config.get("num_heads") if attn is not None else None
            cfg["nhead"] = heads if isinstance(heads, int) else _heads(d)
            undetermined = ("nhead",)
        proposal = None if ev.inputs is not None else ((None, None, d),)
        yield Candidate(cfg, tuple(k for k in cfg if k != "nhead"), inputs=proposal, undetermined=undetermined)
        return
    out = out_shape(ev)
    if out is None or out[-1] is None or ev.params is None:
        return
    d, p = out[-1], ev.params
    for bias in (True, False):
        fixed = 4 * d * d + 9 * d if bias else 4 * d * d + 2 * d
        per = 2 * d + 1 if bias else 2 * d
        rest = p - fixed
        if rest > 0 and rest % per == 0:
            cfg = {"d_model": d, "nhead": _heads(d), "dim_feedforward": rest // per, "bias": bias}
            yield Candidate(cfg, ("dim_feedforward",) + (() if bias else ("bias",)), inputs=_same(ev),
                            undetermined=("nhead",), params=p)


# --- pooling and shape modules ---------------------------------------------------------------


def _pool(ev: Evidence, dilation: bool) -> Iterator[Candidate]:
    rank = _rank_of(ev.kind)
    out, inp = out_shape(ev), in_shape(ev)
    if ev.stated:
        yield from _stated(ev, (None, None, *([None] * rank)))
        return
    if out is None or len(out) < rank + 1:
        return
    if inp is None or len(inp) != len(out):
        yield Candidate({"kernel_size": 2}, inputs=((*out[:-rank], *(None if n is None else 2 * n
                                                                     for n in out[-rank:])),),
                        undetermined=("kernel_size", "input_shape"), params=0)
        return
    ks, ss, ps, ds, ceil_any = [], [], [], [], False
    for a in range(rank):
        opts = torch_pool_axis(inp[len(inp) - rank + a], out[len(out) - rank + a], dilation=dilation)
        if not opts:
            yield Candidate({"kernel_size": 2}, inputs=(out,), undetermined=("kernel_size", "input_shape"),
                            params=0)
            return
        k, s, p, d, c = opts[0]
        ks.append(k)
        ss.append(s)
        ps.append(p)
        ds.append(d)
        ceil_any = ceil_any or c
    cfg: dict[str, Any] = {"kernel_size": tuple(ks), "stride": tuple(ss), "padding": tuple(ps), "ceil_mode": ceil_any}
    if dilation:
        cfg["dilation"] = tuple(ds)
    yield Candidate(cfg, shaped=tuple(cfg), inputs=(inp,) if ev.hinted else None, params=0)


@generator(T, "MaxPool1d", "MaxPool2d", "MaxPool3d")
def max_pool(ev: Evidence) -> Iterator[Candidate]:
    yield from _pool(ev, dilation=True)


@generator(T, "AvgPool1d", "AvgPool2d", "AvgPool3d", "LPPool1d", "LPPool2d", "LPPool3d")
def avg_pool(ev: Evidence) -> Iterator[Candidate]:
    yield from _pool(ev, dilation=False)


@generator(T, "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "AdaptiveMaxPool3d")
def adaptive_pool(ev: Evidence) -> Iterator[Candidate]:
    rank = _rank_of(ev.kind)
    if ev.stated:
        yield from _stated(ev, (None, None, *([None] * rank)))
        return
    out = out_shape(ev)
    if out is None or len(out) < rank + 1:
        return
    size = tuple(out[-rank:])
    inputs = None
    inp = in_shape(ev)
    if inp is None or len(inp) != len(out):
        inputs = ((*out[:-rank], *([None] * rank)),)
    elif ev.hinted:
        inputs = (inp,)
    yield Candidate({"output_size": size if rank > 1 else size[0]}, shaped=("output_size",), inputs=inputs, params=0)
    if inputs is not None and inp is not None:
        yield Candidate({"output_size": size if rank > 1 else size[0]}, shaped=("output_size",),
                        inputs=((*out[:-rank], *([None] * rank)),), params=0)


@generator(T, "Flatten")
def flatten(ev: Evidence) -> Iterator[Candidate]:
    if ev.stated:
        yield from _stated(ev, (None, None, None, None))
        return
    out, inp = out_shape(ev), in_shape(ev)
    if out is None:
        return
    if inp is not None:
        r = len(inp)
        for start in range(0, r):
            for end in range(r - 1, start - 1, -1):
                size = prod(inp[start:end + 1])
                got = (*inp[:start], size, *inp[end + 1:])
                if got == tuple(out):
                    cfg = {"start_dim": start, "end_dim": end - r if end == r - 1 else end}
                    yield Candidate(cfg, shaped=("start_dim", "end_dim"), inputs=(inp,) if ev.hinted else None,
                                    params=0)
                    return
    yield Candidate({}, inputs=(out,), undetermined=("input_shape",), params=0)


@generator(T, "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d")
def pad(ev: Evidence) -> Iterator[Candidate]:
    rank = _rank_of(ev.kind)
    out, inp = out_shape(ev), in_shape(ev)
    if ev.stated or out is None:
        yield from _stated(ev, (None, None, *([None] * rank)))
        return
    if inp is None or len(inp) != len(out):
        return
    flat: list[int] = []
    for a in range(rank):  # from the last axis backwards: (left, right), (top, bottom), (front, back)
        n_in, n_out = inp[len(inp) - 1 - a], out[len(out) - 1 - a]
        t = 0 if n_in is None or n_out is None else n_out - n_in
        flat += [t // 2, t - t // 2]
    cfg: dict[str, Any] = {"padding": tuple(flat)}
    if "Constant" in ev.kind:
        cfg["value"] = 0.0
    yield Candidate(cfg, shaped=("padding",), undetermined=("padding",) if any(x % 2 for x in flat) else (),
                    inputs=(inp,) if ev.hinted else None, params=0)


@generator(T, "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d")
def upsample(ev: Evidence) -> Iterator[Candidate]:
    if ev.stated:
        yield from _stated(ev, (None, None, None, None))
        return
    out, inp = out_shape(ev), in_shape(ev)
    if out is None or len(out) < 3:
        return
    spatial = out[2:]
    if inp is not None and len(inp) == len(out) and all(
            a is not None and b is not None and a > 0 and b % a == 0 for a, b in zip(inp[2:], spatial, strict=True)):
        scale = [b // a for a, b in zip(inp[2:], spatial, strict=True) if a is not None and b is not None]
        value: Any = scale[0] if len(set(scale)) == 1 else tuple(scale)
        yield Candidate({"scale_factor": value}, shaped=("scale_factor",), inputs=(inp,) if ev.hinted else None,
                        params=0)
    if all(d is not None for d in spatial):
        yield Candidate({"size": tuple(spatial)}, shaped=("size",),
                        inputs=((out[0], out[1], *([None] * len(spatial))),), params=0)

