"""Candidate generators for Keras layers read from a summary (name, type, output shape, count)."""

from __future__ import annotations

from collections.abc import Iterator

from calc.infer import Candidate, Evidence, generator
from calc.infer.common import divisors, kernel_shapes
from calc.types import Framework, Shape

K = Framework.KERAS


def _out(ev: Evidence) -> Shape | None:
    out = ev.output
    while isinstance(out, list):
        out = out[0] if out else None
    return out


def _in(ev: Evidence) -> Shape | None:
    return ev.inputs[0] if ev.inputs else None


@generator(K, "Dense")
def dense(ev: Evidence) -> Iterator[Candidate]:
    out = _out(ev)
    if out is None or out[-1] is None:
        return
    u = out[-1]
    n = _in(ev)
    if n is None and ev.params is not None:
        # First layer: the input width solves n·u + u = P (or n·u = P without bias).
        for bias, per in ((True, ev.params - u), (False, ev.params)):
            if per > 0 and per % u == 0:
                shape: Shape = (*out[:-1], per // u)
                yield Candidate({"units": u, "use_bias": bias}, ("units", "n_in"), (shape,))
        return
    yield Candidate({"units": u, "use_bias": True}, ("units",))
    yield Candidate({"units": u, "use_bias": False}, ("units", "use_bias"))


def _axis_options(n_in: int | None, n_out: int | None, k: int) -> list[tuple[str, int, int, int | None]]:
    """(padding, stride, dilation, input length) options for one spatial axis, defaults first."""
    opts: list[tuple[str, int, int, int | None]] = []
    if n_out is None:
        return [("valid", 1, 1, n_in)]
    if n_in is None:
        opts.append(("valid", 1, 1, n_out + k - 1))
        opts.append(("same", 1, 1, n_out))
        return opts
    for s in range(1, 9):
        for pad in ("valid", "same"):
            for d in (1, 2, 3, 4) if s == 1 else (1,):
                k_eff = d * (k - 1) + 1
                got = (n_in - k_eff) // s + 1 if pad == "valid" else (n_in - 1) // s + 1
                if got == n_out and (pad == "same" or n_in >= k_eff):
                    opts.append((pad, s, d, n_in))
    return opts


def _conv_kernels(
    ev: Evidence, rank: int, c_in: int | None, filters: int
) -> Iterator[tuple[tuple[int, ...], int, bool, int]]:
    """(kernel, groups, use_bias, c_in) from the count, most plausible first; from the shapes alone
    (valid padding, stride 1) when the count is not reported."""
    p = ev.params
    if p is None:
        inp, out = _in(ev), _out(ev)
        if inp is not None and out is not None and c_in is not None:
            k = tuple(
                (a - b + 1) if a is not None and b is not None else 1 for a, b in zip(inp[1:-1], out[1:-1], strict=True)
            )
            if all(x >= 1 for x in k):
                yield k, 1, True, c_in
        return
    for bias in (True, False):
        per = p - (filters if bias else 0)
        if per <= 0 or per % filters:
            continue
        q = per // filters  # = kernel volume × input channels per group
        channel_options = [c_in] if c_in is not None else [c for c in (3, 1, 4, 2) if q % c == 0]
        for c in channel_options:
            for g in [1, *[d for d in divisors(c, 16) if d > 1 and filters % d == 0]]:
                cg = c // g
                if q % cg:
                    continue
                for k in kernel_shapes(q // cg, rank):
                    yield k, g, bias, c


@generator(K, "Conv1D", "Conv2D", "Conv3D")
def conv(ev: Evidence) -> Iterator[Candidate]:
    out = _out(ev)
    if out is None or out[-1] is None or len(out) < 3:
        return
    rank = len(out) - 2
    filters = out[-1]
    inp = _in(ev)
    c_in = inp[-1] if inp is not None else None
    for k, g, bias, c in _conv_kernels(ev, rank, c_in, filters):
        per_axis = [_axis_options(inp[1 + a] if inp is not None else None, out[1 + a], k[a]) for a in range(rank)]
        if not all(per_axis):
            continue
        # One padding for all axes (Keras has one padding argument); per-axis strides and dilations.
        for pad in ("valid", "same"):
            picks = [next((o for o in opts if o[0] == pad), None) for opts in per_axis]
            if any(p is None for p in picks):
                continue
            strides = tuple(p[1] for p in picks if p is not None)
            dilation = tuple(p[2] for p in picks if p is not None)
            if any(s > 1 for s in strides) and any(d > 1 for d in dilation):
                continue
            config = {
                "filters": filters,
                "kernel_size": k,
                "strides": strides,
                "padding": pad,
                "dilation_rate": dilation,
                "groups": g,
                "use_bias": bias,
            }
            inferred: tuple[str, ...] = (
                "kernel_size",
                "strides",
                "padding",
                "dilation_rate",
                "groups",
                "use_bias",
                "filters",
            )
            inputs = None
            if inp is None:
                lengths = tuple(p[3] for p in picks if p is not None)
                inputs = ((None, *lengths, c),)
                inferred = (*inferred, "input_shape")
            yield Candidate(config, inferred, inputs)


@generator(
    K, "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D"
)
def pool(ev: Evidence) -> Iterator[Candidate]:
    out, inp = _out(ev), _in(ev)
    if out is None or inp is None or len(out) != len(inp):
        return
    rank = len(out) - 2
    for pad in ("valid", "same"):
        sizes: list[int] = []
        for a in range(rank):
            n, m = inp[1 + a], out[1 + a]
            if n is None or m is None:
                sizes.append(2)
                continue
            found = None
            for p in range(1, min(n, 64) + 1):
                got = (n - p) // p + 1 if pad == "valid" else (n - 1) // p + 1
                if got == m:
                    found = p
                    break
            if found is None:
                break
            sizes.append(found)
        else:
            t = tuple(sizes)
            yield Candidate({"pool_size": t, "strides": t, "padding": pad}, ("pool_size", "strides", "padding"))
    # Overlapping windows (pool 3, stride 2), the other common choice.
    for p, s in ((3, 2), (2, 1), (3, 1)):
        for pad in ("valid", "same"):
            yield Candidate(
                {"pool_size": (p,) * rank, "strides": (s,) * rank, "padding": pad}, ("pool_size", "strides", "padding")
            )
