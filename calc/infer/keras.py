"""Candidate generators for Keras layers read from a summary (name, type, output shape, count).

A Keras summary never shows a configuration, so every hyperparameter that matters is solved here
from the output shape, the input shape (the previous row, or the "Connected to" rows) and the count.
Keras layers are channels-last; a layer whose count only fits another axis is tried on it too.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from itertools import combinations
from typing import Any

from calc.i18n import Message, register
from calc.infer import Candidate, Evidence, generator
from calc.infer.common import (
    FIRST_LAYER_CHANNELS,
    channel_guesses,
    divisors,
    first_shape,
    in_shape,
    is_odd_square,
    keras_conv_axis,
    keras_pool_axis,
    keras_transpose_axis,
    kernel_shapes,
    out_shape,
    prod,
)
from calc.types import Dim, Framework, Shape

K = Framework.KERAS

register(
    {
        "infer.heads_key_dim": {
            "en": "The count fixes only num_heads × key_dim = {product}; {heads} × {key_dim} is one split of it "
            "(any other, such as {other}, gives the same count).",
            "zh": "参数数量只确定 num_heads × key_dim = {product}；{heads} × {key_dim} 只是其中一种拆分"
            "（其他拆分如 {other} 的参数数量相同）。",
        },
        "infer.groups_free": {
            "en": "The count of a group normalization is 2 per channel whatever the number of groups, so groups "
            "cannot be read from the summary (I used {groups}).",
            "zh": "组归一化的参数数量无论分多少组都是每通道 2 个，因此无法从摘要读出 groups（这里用了 {groups}）。",
        },
        "infer.padding_split": {
            "en": "The shapes give only the total {what} per axis ({totals}); how it is split between the two "
            "sides cannot be seen (I used {pairs}).",
            "zh": "形状只给出每个轴上的 {what} 总量（{totals}）；两侧如何分配看不出来（这里用了 {pairs}）。",
        },
        "infer.first_conv": {
            "en": "The input of the first layer is not shown, and kernel volume × input channels = {product} splits "
            "more than one plausible way ({options}); the count is the same for each.",
            "zh": "第一层的输入没有显示，而卷积核大小 × 输入通道数 = {product} 有不止一种合理拆分（{options}）；"
            "每种拆分的参数数量都相同。",
        },
        "infer.input_unknown": {
            "en": "This is the first row, so its input is not shown; {shape} is one input that gives this output.",
            "zh": "这是第一行，输入没有显示；{shape} 是能得到该输出的一种输入。",
        },
    }
)


def _rank_of(kind: str, default: int = 2) -> int:
    for ch in kind:
        if ch in "123":
            return int(ch)
    return default


def _stated(ev: Evidence, proposal: Shape | None = None) -> Iterator[Candidate]:
    """A stated configuration: only the input may need proposing."""
    if ev.inputs is None and proposal is not None:
        yield Candidate({}, inputs=(proposal,))
    else:
        yield Candidate({})


# --- Dense -----------------------------------------------------------------------------------


@generator(K, "Dense")
def dense(ev: Evidence) -> Iterator[Candidate]:
    out, inp = out_shape(ev), in_shape(ev)
    if ev.stated:
        yield from _stated(ev)
        return
    n = inp[-1] if inp is not None and inp else None
    p = ev.params
    if (out is None or not out or out[-1] is None) and n is not None and p is not None and inp is not None:
        # tf.keras prints "multiple" for a subclassed model's layers: the units from the count
        for bias, per in ((True, n + 1), (False, n)):
            if per > 0 and p % per == 0:
                yield Candidate({"units": p // per, "use_bias": bias}, ("units",) + (() if bias else ("use_bias",)),
                                params=p)
        return
    if out is None or not out or out[-1] is None:
        return
    u = out[-1]
    if n is not None:
        opts = [(True, n * u + u), (False, n * u)]
        if p is not None and p == n * u:
            opts.reverse()
        for bias, count in opts:
            yield Candidate({"units": u, "use_bias": bias}, () if bias else ("use_bias",), params=count)
        return
    if p is None:
        return
    for bias, per in ((True, p - u), (False, p)):
        if per > 0 and per % u == 0:
            shape: Shape = (*out[:-1], per // u)
            yield Candidate(
                {"units": u, "use_bias": bias},
                ("input_shape",) + (() if bias else ("use_bias",)),
                inputs=(shape,),
                params=p,
            )


# --- convolutions ----------------------------------------------------------------------------


def _spatial(
    inp: Shape | None, out: Shape, k: Sequence[int], rank: int, *, causal: bool, strided_dilation: bool
) -> list[tuple[dict[str, Any], Shape | None]]:
    """Keras conv window arguments that map the input's spatial axes to the output's, most plausible
    first, with a proposed input (spatial sizes only) when the input is unknown."""
    spatial_out = out[1:-1]
    if inp is None:
        found: list[tuple[dict[str, Any], Shape | None]] = []
        valid: list[Dim] = [None if n is None else n + kk - 1 for n, kk in zip(spatial_out, k, strict=True)]
        found.append(({"strides": (1,) * rank, "padding": "valid", "dilation_rate": (1,) * rank}, tuple(valid)))
        found.append(({"strides": (1,) * rank, "padding": "same", "dilation_rate": (1,) * rank}, tuple(spatial_out)))
        return found
    per_axis = [
        keras_conv_axis(inp[1 + a], spatial_out[a], k[a], causal=causal, strided_dilation=strided_dilation)
        for a in range(rank)
    ]
    results: list[tuple[tuple[int, int, int], dict[str, Any]]] = []
    seen: set[tuple[Any, ...]] = set()
    for pad in ("valid", "same", "causal") if causal else ("valid", "same"):
        # Per axis the most plausible option; then (Keras refuses strides > 1 with dilation > 1 in a Conv) the
        # options without dilation, and the options with stride 1.
        rules = (
            lambda o: True,
            lambda o: o[2] == 1,
            lambda o: o[1] == 1,
        )
        for rule in rules:
            picks = [next((o for o in opts if o[0] == pad and rule(o)), None) for opts in per_axis]
            if any(pk is None for pk in picks):
                continue
            strides = tuple(pk[1] for pk in picks if pk is not None)
            dilation = tuple(pk[2] for pk in picks if pk is not None)
            if (not strided_dilation and max(strides) > 1 and max(dilation) > 1) or (strides, dilation, pad) in seen:
                continue
            seen.add((strides, dilation, pad))
            rank_key = (int(max(dilation) > 1), max(strides), 0 if pad == "valid" else 1)
            results.append((rank_key, {"strides": strides, "padding": pad, "dilation_rate": dilation}))
    results.sort(key=lambda r: r[0])
    return [(cfg, None) for _, cfg in results]


def _transpose_spatial(inp: Shape | None, out: Shape, k: Sequence[int], rank: int) -> list[
        tuple[dict[str, Any], Shape | None]]:
    spatial_out = out[1:-1]
    if inp is None:
        sizes: list[Dim] = [None if n is None else n - kk + 1 for n, kk in zip(spatial_out, k, strict=True)]
        found: list[tuple[dict[str, Any], Shape | None]] = []
        if all(s is None or s >= 1 for s in sizes):
            found.append(({"strides": (1,) * rank, "padding": "valid", "dilation_rate": (1,) * rank}, tuple(sizes)))
        found.append(({"strides": (1,) * rank, "padding": "same", "dilation_rate": (1,) * rank}, tuple(spatial_out)))
        return found
    per_axis = [keras_transpose_axis(inp[1 + a], spatial_out[a], k[a]) for a in range(rank)]
    results: list[tuple[dict[str, Any], Shape | None]] = []
    for pad in ("valid", "same"):
        for with_op in (False, True):
            picks = [next((o for o in opts if o[0] == pad and (o[3] is not None) == with_op), None) for opts in per_axis]
            if with_op:  # output_padding applies to every axis once given: the others need one too
                picks = [pk or next((o for o in opts if o[0] == pad and o[3] is not None), None)
                         for pk, opts in zip(picks, per_axis, strict=True)]
            if any(pk is None for pk in picks):
                continue
            cfg: dict[str, Any] = {
                "strides": tuple(pk[1] for pk in picks if pk is not None),
                "padding": pad,
                "dilation_rate": tuple(pk[2] for pk in picks if pk is not None),
            }
            if with_op:
                cfg["output_padding"] = tuple(pk[3] for pk in picks if pk is not None)
            results.append((cfg, None))
    return results


_CONV_SHAPED = ("strides", "padding", "dilation_rate")


def _conv_counts(
    p: int | None, filters: int, rank: int, c_known: int | None, *, transpose: bool
) -> list[tuple[tuple[int, ...], int, bool, int]]:
    """(kernel, groups, use_bias, c_in) combinations that give the count p, most plausible first."""
    if p is None:
        return []
    if c_known is not None:  # the usual case, kept short: groups only when no odd square kernel fits without
        plain: list[tuple[tuple[int, ...], int, bool, int]] = []
        for bias in (True, False):
            per = p - filters if bias else p
            if per > 0 and per % filters == 0 and (per // filters) % c_known == 0:
                plain += [(k, 1, bias, c_known) for k in kernel_shapes(per // filters // c_known, rank)]
        plain.sort(key=lambda x: (0 if is_odd_square(x[0]) else 1, 0 if x[2] else 1))
        if transpose or (plain and is_odd_square(plain[0][0])):
            return plain
    combos: list[tuple[tuple[int, ...], tuple[tuple[int, ...], int, bool, int]]] = []
    for bias in (True, False):
        per = p - filters if bias else p
        if per <= 0 or per % filters:
            continue
        q = per // filters  # kernel volume × input channels per group
        channels = channel_guesses(q, c_known)
        if c_known is None:  # first layer: also any channel count an odd square kernel leaves
            for k in (3, 5, 7, 1, 9, 11):
                vol = k**rank
                if q % vol == 0 and q // vol not in channels:
                    channels.append(q // vol)
        for c in channels:
            groups = [1] if transpose else [1, *[g for g in divisors(c, 32) if g > 1 and filters % g == 0][:12]]
            for g in groups:
                cg = c // g
                if q % cg:
                    continue
                for k_shape in kernel_shapes(q // cg, rank):
                    pref = FIRST_LAYER_CHANNELS.index(c) if c in FIRST_LAYER_CHANNELS else len(FIRST_LAYER_CHANNELS)
                    key = (
                        0 if is_odd_square(k_shape) else 1,
                        0 if g == 1 else 1,
                        0 if c_known is not None or c in FIRST_LAYER_CHANNELS or rank == 1 else 1,
                        0 if bias else 1,
                        0 if c_known is not None else pref,
                        1 if k_shape[0] == 1 and c_known is None else 0,
                    )
                    combos.append((key, (k_shape, g, bias, c)))
    combos.sort(key=lambda x: x[0])
    return [c for _, c in combos]


def _conv_from_shapes(inp: Shape | None, out: Shape, rank: int) -> list[tuple[int, ...]]:
    """Kernels to try when no count is printed: what valid padding with stride 1 implies, then the
    usual odd squares (the window arithmetic then decides which of them fit the shapes)."""
    kernels: list[tuple[int, ...]] = []
    if inp is not None and len(inp) == len(out):
        k = tuple((a - b + 1) if a is not None and b is not None else 0 for a, b in zip(inp[1:-1], out[1:-1],
                                                                                       strict=True))
        if all(1 <= x <= 64 for x in k):
            kernels.append(k)
    for size in (3, 1, 5, 7):
        if (size,) * rank not in kernels:
            kernels.append((size,) * rank)
    return kernels


def _conv(ev: Evidence, *, transpose: bool) -> Iterator[Candidate]:
    rank = _rank_of(ev.kind)
    out, inp = out_shape(ev), in_shape(ev)
    if ev.stated:
        yield from _stated(ev)
        return
    if out is None or len(out) != rank + 2 or out[-1] is None:
        return
    if inp is not None and len(inp) != rank + 2:
        inp = None
    filters = out[-1]
    c_known = inp[-1] if inp is not None else None
    combos = _conv_counts(ev.params, filters, rank, c_known, transpose=transpose)
    if ev.params is None and c_known is not None:
        combos = [(k, 1, b, c_known) for k in _conv_from_shapes(inp, out, rank) for b in (True, False)]
    causal = rank == 1 and not transpose
    later: list[Candidate] = []
    undetermined: tuple[str, ...] = ()
    note = None
    if c_known is None and combos:
        plausible = [(k, c) for k, g, bias, c in combos if g == 1 and bias == combos[0][2] and is_odd_square(k)
                     and max(k) <= 11 and (rank == 1 or c in FIRST_LAYER_CHANNELS)]
        if len(plausible) > 1:
            undetermined = ("kernel_size", "input_shape")
            note = Message("infer.first_conv", {"product": math.prod(plausible[0][0]) * plausible[0][1],
                                                "options": ", ".join(f"{'×'.join(map(str, k))} × {c}"
                                                                     for k, c in plausible[:4])})
    for k, g, bias, c in combos:
        if transpose:
            options = _transpose_spatial(inp, out, k, rank)
        else:
            options = _spatial(inp, out, k, rank, causal=causal, strided_dilation=False)
        count = (math.prod(k) * (c // g) + int(bias)) * filters
        inferred: tuple[str, ...] = ("kernel_size",) + (() if bias else ("use_bias",)) + (
            () if g == 1 else ("groups",))
        base: dict[str, Any] = {"filters": filters, "kernel_size": k, "use_bias": bias}
        if not transpose:
            base["groups"] = g
        if not options:
            if ev.params is not None:  # the count fits, the shapes do not: a fallback for the mismatch
                later.append(Candidate({**base, "padding": "valid"}, inferred, params=count))
            continue
        for cfg, sizes in options:
            shaped = _CONV_SHAPED + (("output_padding",) if "output_padding" in cfg else ())
            if sizes is not None:
                yield Candidate({**base, **cfg}, (*inferred, "input_shape"), shaped,
                                inputs=((None, *sizes, c),), undetermined=undetermined, params=count, note=note)
            else:
                yield Candidate({**base, **cfg}, inferred, shaped, params=count)
    yield from later


@generator(K, "Conv1D", "Conv2D", "Conv3D")
def conv(ev: Evidence) -> Iterator[Candidate]:
    yield from _conv(ev, transpose=False)


@generator(K, "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")
def conv_transpose(ev: Evidence) -> Iterator[Candidate]:
    yield from _conv(ev, transpose=True)


@generator(K, "DepthwiseConv1D", "DepthwiseConv2D")
def depthwise(ev: Evidence) -> Iterator[Candidate]:
    """count = (k + bias)·c·m with c·m output channels."""
    rank = _rank_of(ev.kind)
    out, inp = out_shape(ev), in_shape(ev)
    if ev.stated:
        yield from _stated(ev)
        return
    if out is None or len(out) != rank + 2 or out[-1] is None:
        return
    if inp is not None and len(inp) != rank + 2:
        inp = None
    f = out[-1]
    c = inp[-1] if inp is not None and inp[-1] is not None else None
    multipliers = [f // c] if c is not None and f % c == 0 else ([1] if c is None else [])
    if c is None:
        c = f
    p = ev.params
    for m in multipliers:
        for bias in (True, False):
            if p is None:
                vols = [math.prod(k) for k in _conv_from_shapes(inp, out, rank)]
            else:
                if p % f:
                    continue
                vols = [p // f - int(bias)]
            for vol in vols:
                for k in kernel_shapes(vol, rank) if vol > 0 else ():
                    for cfg, sizes in _spatial(inp, out, k, rank, causal=False, strided_dilation=True):
                        config = {"kernel_size": k, "depth_multiplier": m, "use_bias": bias, **cfg}
                        inferred = ("kernel_size",) + (() if bias else ("use_bias",)) + (
                            () if m == 1 else ("depth_multiplier",))
                        count = (math.prod(k) + int(bias)) * f
                        if sizes is not None:
                            yield Candidate(config, (*inferred, "input_shape"), _CONV_SHAPED,
                                            inputs=((None, *sizes, c),), params=count)
                        else:
                            yield Candidate(config, inferred, _CONV_SHAPED, params=count)


@generator(K, "SeparableConv1D", "SeparableConv2D")
def separable(ev: Evidence) -> Iterator[Candidate]:
    """count = k·c·m + (c·m + bias)·filters."""
    rank = _rank_of(ev.kind)
    out, inp = out_shape(ev), in_shape(ev)
    if ev.stated:
        yield from _stated(ev)
        return
    if out is None or len(out) != rank + 2 or out[-1] is None or ev.params is None:
        return
    if inp is not None and len(inp) != rank + 2:
        inp = None
    f, p = out[-1], ev.params
    channels = [inp[-1]] if inp is not None and inp[-1] is not None else list(FIRST_LAYER_CHANNELS)
    for c in channels:
        for m in range(1, 9):
            for bias in (True, False):
                rest = p - int(bias) * f - c * m * f
                if rest <= 0 or rest % (c * m):
                    continue
                for k in kernel_shapes(rest // (c * m), rank):
                    for cfg, sizes in _spatial(inp, out, k, rank, causal=False, strided_dilation=True):
                        config = {"filters": f, "kernel_size": k, "depth_multiplier": m, "use_bias": bias, **cfg}
                        inferred = ("kernel_size",) + (() if bias else ("use_bias",)) + (
                            () if m == 1 else ("depth_multiplier",))
                        if sizes is not None:
                            yield Candidate(config, (*inferred, "input_shape"), _CONV_SHAPED,
                                            inputs=((None, *sizes, c),), params=p)
                        else:
                            yield Candidate(config, inferred, _CONV_SHAPED, params=p)


# --- pooling ---------------------------------------------------------------------------------


@generator(
    K, "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D"
)
def pool(ev: Evidence) -> Iterator[Candidate]:
    rank = _rank_of(ev.kind)
    out, inp = out_shape(ev), in_shape(ev)
    if ev.stated:
        yield from _stated(ev)
        return
    if out is None or len(out) != rank + 2:
        return
    if inp is None or len(inp) != rank + 2:
        sizes = tuple(None if n is None else 2 * n for n in out[1:-1])
        yield Candidate({"pool_size": (2,) * rank, "padding": "valid"}, shaped=("pool_size",),
                        inputs=((out[0], *sizes, out[-1]),), undetermined=("input_shape",), params=0)
        return
    per_axis = [keras_pool_axis(inp[1 + a], out[1 + a]) for a in range(rank)]
    seen: set[tuple[Any, ...]] = set()
    for pad in ("valid", "same"):
        for first in range(3):  # a few combinations: the best option per axis, then the next ones
            picks = []
            for opts in per_axis:
                mine = [o for o in opts if o[2] == pad]
                if not mine:
                    break
                picks.append(mine[min(first, len(mine) - 1)])
            else:
                pool_size = tuple(pk[0] for pk in picks)
                strides = tuple(pk[1] for pk in picks)
                key = (pool_size, strides, pad)
                if key in seen:
                    continue
                seen.add(key)
                cfg: dict[str, Any] = {"pool_size": pool_size, "padding": pad}
                if strides != pool_size:
                    cfg["strides"] = strides
                yield Candidate(cfg, shaped=("pool_size", "strides", "padding"), params=0)


@generator(
    K, "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalAveragePooling3D",
)
def global_pool(ev: Evidence) -> Iterator[Candidate]:
    rank = _rank_of(ev.kind)
    out, inp = out_shape(ev), in_shape(ev)
    if ev.stated:
        yield from _stated(ev, (None, *([None] * rank), None))
        return
    if out is None:
        return
    keepdims = len(out) == rank + 2
    cfg = {"keepdims": keepdims}
    if inp is None or len(inp) != rank + 2:
        yield Candidate(cfg, shaped=("keepdims",), inputs=((out[0], *([None] * rank), out[-1]),), params=0)
        return
    yield Candidate(cfg, shaped=("keepdims",), params=0)
    if out[-1] != inp[-1] and len(out) == 2 and out[-1] == inp[1]:
        yield Candidate({"keepdims": False, "data_format": "channels_first"}, shaped=("data_format",), params=0)


# --- normalization ---------------------------------------------------------------------------


def _norm_shape(ev: Evidence) -> Shape | None:
    inp = in_shape(ev)
    return inp if inp is not None else out_shape(ev)


def _proposal(ev: Evidence) -> tuple[Shape, ...] | None:
    """Normalization keeps its input's shape: the output is the input when the input is unknown."""
    if ev.inputs is not None:
        return None
    out = out_shape(ev)
    return (out,) if out is not None else None


_BN_FLAGS = ((True, True, 4), (False, True, 3), (True, False, 3), (False, False, 2))


@generator(K, "BatchNormalization")
def batch_norm(ev: Evidence) -> Iterator[Candidate]:
    shape = _norm_shape(ev)
    if ev.stated:
        yield from _stated(ev, out_shape(ev))
        return
    if shape is None or len(shape) < 2:
        return
    proposal = _proposal(ev)
    axes = [-1] + [a for a in range(1, len(shape) - 1)]
    p = ev.params
    # Every variant is proposed with its count: the engine derives only those that give the printed count,
    # and the others stay fallbacks (the nearest count is the likeliest when the printed one is off).
    for axis in axes:
        c = shape[axis]
        if c is None:
            continue
        for center, scale, m in _BN_FLAGS:
            for renorm in (False, True):
                count = (m + (3 if renorm else 0)) * c
                if p is None and (axis != -1 or renorm):
                    continue
                if axis != -1 and (m != 4 or renorm):  # another axis (channels first) with the usual flags only
                    continue
                if renorm and m != 4:
                    continue
                cfg: dict[str, Any] = {"axis": axis, "center": center, "scale": scale}
                inferred = tuple(k for k, v in (("axis", axis != -1), ("center", not center),
                                                ("scale", not scale), ("renorm", renorm)) if v)
                if renorm:
                    cfg["renorm"] = True
                yield Candidate(cfg, inferred, inputs=proposal, params=count)


def _axis_sets(rank: int) -> list[tuple[int, ...]]:
    """Non-batch axis sets, the last axis first, then trailing runs, then the rest (bounded)."""
    axes = list(range(1, rank))
    sets: list[tuple[int, ...]] = [(rank - 1,)]
    for n in range(2, len(axes) + 1):
        sets.append(tuple(axes[-n:]))
    for n in range(1, len(axes) + 1):
        for combo in combinations(axes, n):
            if combo not in sets:
                sets.append(combo)
    return sets[:32]


def _axis_value(axes: tuple[int, ...], rank: int) -> int | list[int]:
    if axes == (rank - 1,):
        return -1
    return list(axes) if len(axes) > 1 else axes[0]


@generator(K, "LayerNormalization", "RMSNormalization")
def layer_norm(ev: Evidence) -> Iterator[Candidate]:
    shape = _norm_shape(ev)
    if ev.stated:
        yield from _stated(ev, out_shape(ev))
        return
    if shape is None or len(shape) < 2:
        return
    proposal = _proposal(ev)
    p, rank = ev.params, len(shape)
    rms = ev.kind == "RMSNormalization"
    flags = [(True, True, 1)] if rms else [(True, True, 2), (False, True, 1), (True, False, 1), (False, False, 0)]
    for axes in _axis_sets(rank) if p is not None else [(rank - 1,)]:
        size = prod([shape[a] for a in axes])
        if size is None:
            continue
        for center, scale, m in flags:
            count = m * size
            axis = _axis_value(axes, rank)
            inferred = tuple(k for k, v in (("axis", axis != -1), ("center", not center), ("scale", not scale)) if v)
            cfg: dict[str, Any] = {"axis": axis} if rms else {"axis": axis, "center": center, "scale": scale}
            yield Candidate(cfg, inferred, inputs=proposal, params=count)


@generator(K, "GroupNormalization")
def group_norm(ev: Evidence) -> Iterator[Candidate]:
    shape = _norm_shape(ev)
    if ev.stated:
        yield from _stated(ev, out_shape(ev))
        return
    if shape is None or len(shape) < 2 or shape[-1] is None:
        return
    c = shape[-1]
    groups = math.gcd(c, 32)
    note = Message("infer.groups_free", {"groups": groups})
    for center, scale, m in ((True, True, 2), (False, True, 1), (True, False, 1), (False, False, 0)):
        inferred = tuple(k for k, v in (("center", not center), ("scale", not scale)) if v)
        yield Candidate({"groups": groups, "center": center, "scale": scale}, inferred, inputs=_proposal(ev),
                        undetermined=("groups",), params=m * c, note=note)


@generator(K, "Normalization")
def normalization(ev: Evidence) -> Iterator[Candidate]:
    """Preprocessing Normalization: mean and variance per position of the kept axes, plus a count: 2·C + 1."""
    shape = _norm_shape(ev)
    if ev.stated:
        yield from _stated(ev, out_shape(ev))
        return
    if shape is None or len(shape) < 2:
        return
    p, rank = ev.params, len(shape)
    if p is None:
        yield Candidate({}, inputs=_proposal(ev))
        return
    for axes in _axis_sets(rank):
        size = prod([shape[a] for a in axes])
        if size is not None and 2 * size + 1 == p:
            axis = _axis_value(axes, rank)
            yield Candidate({"axis": axis}, ("axis",) if axis != -1 else (), inputs=_proposal(ev), params=p)
    if p == 3:
        yield Candidate({"axis": None}, ("axis",), inputs=_proposal(ev), params=3)


@generator(K, "PReLU")
def prelu(ev: Evidence) -> Iterator[Candidate]:
    shape = _norm_shape(ev)
    if ev.stated:
        yield from _stated(ev, out_shape(ev))
        return
    if shape is None or len(shape) < 2:
        return
    p, rank = ev.params, len(shape)
    axes = list(range(1, rank))
    options: list[tuple[int, ...]] = [()]
    options += [tuple(axes[:-1])] if rank > 2 else []
    for n in range(1, len(axes)):
        options += [c for c in combinations(axes, n) if c not in options]
    for shared in options[:32]:
        size = prod([shape[a] for a in axes if a not in shared])
        if size is None or (p is not None and size != p):
            continue
        yield Candidate({"shared_axes": list(shared) if shared else None}, ("shared_axes",) if shared else (),
                        inputs=_proposal(ev), params=size)
        if p is None:
            return


# --- embeddings and recurrent layers ---------------------------------------------------------


@generator(K, "Embedding")
def embedding(ev: Evidence) -> Iterator[Candidate]:
    out = out_shape(ev)
    if ev.stated:
        yield from _stated(ev, out[:-1] if out is not None else (None, None))
        return
    if out is None or out[-1] is None or ev.params is None or ev.params % out[-1]:
        return
    d = out[-1]
    proposal = None if ev.inputs is not None else (tuple(out[:-1]),)
    yield Candidate({"input_dim": ev.params // d, "output_dim": d}, ("input_dim",), inputs=proposal, params=ev.params)


_RNN_GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def rnn_count(kind: str, n: int, u: int, bias: bool, reset_after: bool = True) -> int:
    g = _RNN_GATES[kind]
    per_gate_bias = 0 if not bias else (2 * u if kind == "GRU" and reset_after else u)
    return g * (u * (n + u) + per_gate_bias)


def _rnn_variants(kind: str) -> list[tuple[bool, bool]]:
    """(use_bias, reset_after), defaults first."""
    if kind == "GRU":
        return [(True, True), (True, False), (False, True)]
    return [(True, True), (False, True)]


def _rnn_options(kind: str, n: int | None, u: int, p: int | None) -> Iterator[tuple[int, bool, bool, int]]:
    """(n_in, use_bias, reset_after, count) for a recurrent layer; n solved from the count when unknown."""
    g = _RNN_GATES[kind]
    for bias, ra in _rnn_variants(kind):
        if n is not None:
            yield n, bias, ra, rnn_count(kind, n, u, bias, ra)
            continue
        if p is None or p % g:
            continue
        per_gate_bias = 0 if not bias else (2 * u if kind == "GRU" and ra else u)
        rest = p // g - per_gate_bias - u * u
        if rest > 0 and rest % u == 0:
            yield rest // u, bias, ra, p


def _rnn_out(ev: Evidence) -> tuple[Shape, bool, int] | None:
    """(first output, return_state, number of state outputs)."""
    if isinstance(ev.output, list):
        first = first_shape(ev.output)
        if first is None:
            return None
        return first, True, len(ev.output) - 1
    if ev.output is None:
        return None
    return ev.output, False, 0


@generator(K, "SimpleRNN", "LSTM", "GRU")
def recurrent(ev: Evidence) -> Iterator[Candidate]:
    inp = in_shape(ev)
    if ev.stated:
        yield from _stated(ev)
        return
    got = _rnn_out(ev)
    if got is None:
        return
    out, state, _ = got
    if out[-1] is None or len(out) not in (2, 3):
        return
    u = out[-1]
    seq = len(out) == 3
    n = inp[-1] if inp is not None and len(inp) == 3 else None
    for n_in, bias, ra, count in _rnn_options(ev.kind, n, u, ev.params):
        cfg: dict[str, Any] = {"units": u, "return_sequences": seq, "return_state": state, "use_bias": bias}
        inferred: tuple[str, ...] = () if bias else ("use_bias",)
        if ev.kind == "GRU":
            cfg["reset_after"] = ra
            inferred += () if ra else ("reset_after",)
        proposal = None
        if n is None:
            proposal = ((out[0], out[1] if seq else None, n_in),)
            inferred += ("input_shape",)
        yield Candidate(cfg, inferred, ("return_sequences", "return_state"), inputs=proposal, params=count)


@generator(K, "Bidirectional")
def bidirectional(ev: Evidence) -> Iterator[Candidate]:
    """The wrapped layer's kind is not printed: LSTM, GRU (reset_after either way) and SimpleRNN are
    tried, with the merge mode the output width allows (concat doubles it)."""
    inp = in_shape(ev)
    if ev.stated:
        yield from _stated(ev)
        return
    if ev.output is None:
        return
    outs = ev.output if isinstance(ev.output, list) else [ev.output]
    first = first_shape(outs[0])
    if first is None or first[-1] is None or len(first) not in (2, 3):
        return
    seq = len(first) == 3
    n = inp[-1] if inp is not None and len(inp) == 3 else None
    modes: list[tuple[str | None, int]] = []
    if len(outs) == 1 or (len(outs) > 2 and len(outs) % 2 == 1):
        if first[-1] % 2 == 0:
            modes.append(("concat", first[-1] // 2))
        modes += [("sum", first[-1]), ("ave", first[-1]), ("mul", first[-1])]
    if len(outs) >= 2 and len(outs) % 2 == 0:
        modes.append((None, first[-1]))
    states = len(outs) - (2 if len(outs) % 2 == 0 else 1)
    for kind in ("LSTM", "GRU", "SimpleRNN"):
        per_dir = states // 2
        if per_dir and per_dir != (2 if kind == "LSTM" else 1):
            continue
        for mode, u in modes:
            p_half = ev.params // 2 if ev.params is not None and ev.params % 2 == 0 else None
            if ev.params is not None and p_half is None:
                continue
            for n_in, bias, ra, count in _rnn_options(kind, n, u, p_half):
                if p_half is not None and count != p_half:
                    continue
                layer: dict[str, Any] = {"type": kind, "units": u, "return_sequences": seq,
                                         "return_state": per_dir > 0, "use_bias": bias}
                if kind == "GRU":
                    layer["reset_after"] = ra
                inferred: tuple[str, ...] = ("layer",) + (("merge_mode",) if mode != "concat" else ())
                proposal = None
                if n is None:
                    proposal = ((first[0], first[1] if seq else None, n_in),)
                    inferred += ("input_shape",)
                yield Candidate({"layer": layer, "merge_mode": mode}, inferred, inputs=proposal, params=2 * count)


_TD_INNER_PARAMS = ("Dense", "Conv2D", "Conv1D", "Conv3D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose",
                    "BatchNormalization", "LayerNormalization", "Embedding")
_TD_INNER_FREE = ("Flatten", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
                  "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D",
                  "Dropout", "Activation", "UpSampling2D", "Reshape")


def _drop_time(shape: Shape | None) -> Shape | None:
    return None if shape is None or len(shape) < 3 else (shape[0], *shape[2:])


@generator(K, "TimeDistributed")
def time_distributed(ev: Evidence) -> Iterator[Candidate]:
    """The wrapped layer's kind is not printed: the inner generators are asked, one kind at a time,
    about the layer with the time axis (axis 1) taken out."""
    from calc.infer import candidates

    if ev.stated:
        yield from _stated(ev)
        return
    out, inp = out_shape(ev), in_shape(ev)
    if out is None or len(out) < 3:
        return
    inner_out = _drop_time(out)
    inner_in = _drop_time(inp)
    kinds = _TD_INNER_FREE if ev.params == 0 else _TD_INNER_PARAMS
    for kind in kinds:
        inner = Evidence(K, kind, (inner_in,) if inner_in is not None else None, inner_out, ev.params)
        for n, cand in enumerate(candidates(inner)):
            if n >= 8:
                break
            if cand.params is not None and ev.params is not None and cand.params != ev.params:
                continue
            proposal = None
            if inp is None:
                inner_inputs = cand.inputs
                if inner_inputs is None:
                    continue
                proposal = tuple((s[0], out[1], *s[1:]) for s in inner_inputs)
            yield Candidate({"layer": {"type": kind, **cand.config}}, ("layer", *cand.inferred), cand.shaped,
                            inputs=proposal, undetermined=cand.undetermined, params=cand.params)


@generator(K, "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")
def conv_lstm(ev: Evidence) -> Iterator[Candidate]:
    """4·(k·(c_in + filters)·filters + filters): the kernel volume from the count; the input convolution's
    window arithmetic (the recurrent one keeps the size) from the shapes."""
    rank = _rank_of(ev.kind)
    inp = in_shape(ev)
    if ev.stated:
        yield from _stated(ev)
        return
    got = _rnn_out(ev)
    if got is None or ev.params is None or inp is None or len(inp) != rank + 3:
        return
    out, state, _ = got
    seq = len(out) == rank + 3
    frame = out[2:] if seq else out[1:]
    f, c = frame[-1], inp[-1]
    if f is None or c is None or ev.params % 4:
        return
    for bias in (True, False):
        rest = ev.params // 4 - (f if bias else 0)
        if rest <= 0 or rest % ((c + f) * f):
            continue
        for k in kernel_shapes(rest // ((c + f) * f), rank):
            frame_in: Shape = (None, *inp[2:])
            for cfg, _ in _spatial(frame_in, (None, *frame), k, rank, causal=False, strided_dilation=False):
                yield Candidate({"filters": f, "kernel_size": k, "use_bias": bias, "return_sequences": seq,
                                 "return_state": state, **cfg},
                                ("kernel_size",) + (() if bias else ("use_bias",)), _CONV_SHAPED, params=ev.params)


# --- attention -------------------------------------------------------------------------------

_HEADS = (8, 4, 12, 16, 2, 1, 6, 32, 3, 5)


@generator(K, "MultiHeadAttention")
def multi_head_attention(ev: Evidence) -> Iterator[Candidate]:
    """Q, K, V and the output projection: P = H·kd·(dq + dk + dv + d_out + 3) + d_out with biases.
    Only the product H·kd is determined; the split is picked from the usual head counts."""
    if ev.stated:
        yield from _stated(ev)
        return
    out = out_shape(ev)
    ins = ev.inputs
    if out is None or out[-1] is None or ev.params is None:
        return
    if ins is None:
        ins = ((*out[:-1], out[-1]),)
    query = ins[0]
    value = ins[1] if len(ins) > 1 else query
    key = ins[2] if len(ins) > 2 else value
    dq, dk, dv, do = query[-1], key[-1], value[-1], out[-1]
    if dq is None or dk is None or dv is None:
        return
    p = ev.params
    proposal = None if ev.inputs is not None else (query, value)
    for bias in (True, False):
        denom = dq + dk + dv + do + (3 if bias else 0)
        rest = p - (do if bias else 0)
        if rest <= 0 or rest % denom:
            continue
        product = rest // denom
        splits = [(h, product // h) for h in _HEADS if product % h == 0]
        if not splits:
            splits = [(1, product)]
        heads, kd = splits[0]
        other = f"{splits[1][0]} × {splits[1][1]}" if len(splits) > 1 else f"1 × {product}"
        cfg: dict[str, Any] = {"num_heads": heads, "key_dim": kd, "use_bias": bias}
        if do != dq:
            cfg["output_shape"] = do
        note = Message("infer.heads_key_dim", {"product": product, "heads": heads, "key_dim": kd, "other": other})
        yield Candidate(cfg, ("num_heads", "key_dim") + (() if bias else ("use_bias",)),
                        inputs=proposal, undetermined=("num_heads", "key_dim"), params=p, note=note)


# --- shape layers ----------------------------------------------------------------------------


@generator(K, "Activation")
def activation(ev: Evidence) -> Iterator[Candidate]:
    """A summary does not say which function an Activation applies (its count is 0 whatever it is)."""
    out = out_shape(ev)
    if ev.stated or "activation" in ev.config:
        yield from _stated(ev, out)
        return
    yield Candidate({}, inputs=(out,) if ev.inputs is None and out is not None else None,
                    undetermined=("activation",), params=0)


@generator(K, "InputLayer")
def input_layer(ev: Evidence) -> Iterator[Candidate]:
    out = out_shape(ev)
    if ev.stated or out is None:
        yield Candidate({}, inputs=())
        return
    yield Candidate({"batch_shape": out}, shaped=("batch_shape",), inputs=(), params=0)


@generator(K, "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "AdaptiveAveragePooling1D",
           "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D")
def adaptive_pool(ev: Evidence) -> Iterator[Candidate]:
    rank = _rank_of(ev.kind)
    out = out_shape(ev)
    if ev.stated or out is None or len(out) != rank + 2:
        yield from _stated(ev)
        return
    size = tuple(out[1:-1])
    proposal = None if ev.inputs is not None else ((out[0], *([None] * rank), out[-1]),)
    yield Candidate({"output_size": size if rank > 1 else size[0]}, shaped=("output_size",), inputs=proposal,
                    params=0)


@generator(K, "Flatten")
def flatten(ev: Evidence) -> Iterator[Candidate]:
    out = out_shape(ev)
    if ev.inputs is None and out is not None:
        yield Candidate({}, inputs=(out,), undetermined=("input_shape",), params=0)
        return
    yield Candidate({}, params=0)


@generator(K, "Reshape")
def reshape(ev: Evidence) -> Iterator[Candidate]:
    out = out_shape(ev)
    if ev.stated or out is None:
        yield from _stated(ev)
        return
    target = list(out[1:])
    unknown = [i for i, d in enumerate(target) if d is None]
    if len(unknown) > 1:
        return
    tgt = [-1 if d is None else d for d in target]
    proposal = None
    if ev.inputs is None:
        size = prod(out[1:])
        proposal = ((out[0], size),)
    yield Candidate({"target_shape": tuple(tgt)}, shaped=("target_shape",), inputs=proposal, params=0)
    inp = in_shape(ev)
    if unknown == [] and inp is not None and None not in inp[1:]:
        # Reshape((-1, 3)) prints the solved size; the configuration may have had -1 anywhere
        for i in range(len(tgt)):
            alt = list(tgt)
            alt[i] = -1
            yield Candidate({"target_shape": tuple(alt)}, shaped=("target_shape",), params=0)


@generator(K, "Permute")
def permute(ev: Evidence) -> Iterator[Candidate]:
    out, inp = out_shape(ev), in_shape(ev)
    if ev.stated or out is None:
        yield from _stated(ev)
        return
    rank = len(out) - 1
    if inp is None or len(inp) != len(out):
        yield Candidate({"dims": tuple(range(1, rank + 1))}, inputs=(out,), undetermined=("dims", "input_shape"),
                        params=0)
        return
    used: set[int] = set()
    dims: list[int] = []
    ambiguous = False
    for d in out[1:]:
        options = [i for i in range(1, rank + 1) if inp[i] == d and i not in used]
        if not options:
            return
        ambiguous = ambiguous or len(options) > 1
        used.add(options[0])
        dims.append(options[0])
    yield Candidate({"dims": tuple(dims)}, shaped=("dims",), undetermined=("dims",) if ambiguous else (), params=0)


@generator(K, "RepeatVector")
def repeat_vector(ev: Evidence) -> Iterator[Candidate]:
    out = out_shape(ev)
    if ev.stated or out is None or len(out) != 3 or out[1] is None:
        yield from _stated(ev)
        return
    proposal = None if ev.inputs is not None else ((out[0], out[2]),)
    yield Candidate({"n": out[1]}, shaped=("n",), inputs=proposal, params=0)


def _pairs(kind: str, ev: Evidence, key: str, grow: int) -> Iterator[Candidate]:
    """ZeroPadding (grow=+1) / Cropping (grow=−1): per-axis totals from the shapes, split evenly (the
    smaller half first, as Keras applications' correct_pad does)."""
    rank = _rank_of(kind)
    out, inp = out_shape(ev), in_shape(ev)
    if ev.stated or out is None or len(out) != rank + 2:
        yield from _stated(ev)
        return
    if inp is None or len(inp) != rank + 2:
        default = 1 if grow > 0 else 0
        sizes = tuple(None if n is None else n - grow * 2 * default for n in out[1:-1])
        pairs = tuple((default, default) for _ in range(rank))
        yield Candidate({key: pairs if rank > 1 else pairs[0]}, inputs=((out[0], *sizes, out[-1]),),
                        undetermined=(key, "input_shape"), params=0)
        return
    totals: list[int] = []
    for a, b in zip(inp[1:-1], out[1:-1], strict=True):
        if a is None or b is None:
            totals.append(0)
            continue
        t = (b - a) * grow
        if t < 0:
            return
        totals.append(t)
    split = tuple((t // 2, t - t // 2) for t in totals)
    note = None
    undetermined: tuple[str, ...] = ()
    if any(t % 2 for t in totals):
        undetermined = (key,)
        note = Message("infer.padding_split", {"what": key, "totals": ", ".join(map(str, totals)),
                                               "pairs": str(split if rank > 1 else split[0])})
    yield Candidate({key: split if rank > 1 else split[0]}, shaped=(key,), undetermined=undetermined, params=0,
                    note=note)


@generator(K, "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D")
def zero_padding(ev: Evidence) -> Iterator[Candidate]:
    yield from _pairs(ev.kind, ev, "padding", +1)


@generator(K, "Cropping1D", "Cropping2D", "Cropping3D")
def cropping(ev: Evidence) -> Iterator[Candidate]:
    yield from _pairs(ev.kind, ev, "cropping", -1)


@generator(K, "UpSampling1D", "UpSampling2D", "UpSampling3D")
def upsampling(ev: Evidence) -> Iterator[Candidate]:
    rank = _rank_of(ev.kind)
    out, inp = out_shape(ev), in_shape(ev)
    if ev.stated or out is None or len(out) != rank + 2:
        yield from _stated(ev)
        return
    if inp is None or len(inp) != rank + 2:
        sizes = tuple(None if n is None else n // 2 for n in out[1:-1])
        yield Candidate({}, inputs=((out[0], *sizes, out[-1]),), undetermined=("size", "input_shape"), params=0)
        return
    size: list[int] = []
    for a, b in zip(inp[1:-1], out[1:-1], strict=True):
        if a is None or b is None:
            size.append(2)
        elif a > 0 and b % a == 0:
            size.append(b // a)
        else:
            return
    yield Candidate({"size": tuple(size) if rank > 1 else size[0]}, shaped=("size",), params=0)


@generator(K, "Concatenate")
def concatenate(ev: Evidence) -> Iterator[Candidate]:
    out = out_shape(ev)
    ins = ev.inputs
    if ev.stated or out is None or ins is None or len(ins) < 2:
        yield from _stated(ev)
        return
    rank = len(out)
    axes = [-1] + [a for a in range(1, rank - 1)]
    for axis in axes:
        a = axis % rank
        sizes = [s[a] if len(s) == rank else None for s in ins]
        if None in sizes or out[a] is None:
            continue
        if sum(s for s in sizes if s is not None) == out[a]:
            yield Candidate({"axis": axis}, shaped=("axis",) if axis != -1 else (), params=0)


@generator(K, "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")
def merge(ev: Evidence) -> Iterator[Candidate]:
    out = out_shape(ev)
    if ev.inputs is not None and len(ev.inputs) >= 2:
        yield Candidate({}, params=0)
    elif out is not None:
        yield Candidate({}, inputs=(out, out), undetermined=("input_shape",), params=0)

