"""Bounded integer helpers shared by the generators: divisors, kernel shapes by plausibility, and the
window arithmetic of convolutions and pooling solved backwards (which stride, padding and dilation
map this input length to that output length)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

from calc.infer import Evidence
from calc.types import Dim, Shape, ShapeTree

__all__ = [
    "KERAS_PADDINGS",
    "channel_guesses",
    "divisors",
    "first_shape",
    "in_shape",
    "is_odd_square",
    "keras_conv_axis",
    "keras_pool_axis",
    "keras_transpose_axis",
    "kernel_shapes",
    "out_shape",
    "prod",
    "torch_conv_axis",
    "torch_pool_axis",
    "torch_transpose_axis",
]

_MAX_DIVISOR_SEARCH = 10**13
_MAX_SHAPES = 16
MAX_STRIDE = 8
MAX_DILATION = 4
KERAS_PADDINGS = ("valid", "same")
FIRST_LAYER_CHANNELS = (3, 1, 4, 2)
"""Input channels of a first layer, most plausible first: RGB, grey, RGBA, two."""


def first_shape(tree: ShapeTree | None) -> Shape | None:
    while isinstance(tree, list):
        tree = tree[0] if tree else None
    return tree


def out_shape(ev: Evidence) -> Shape | None:
    return first_shape(ev.output)


def in_shape(ev: Evidence) -> Shape | None:
    return ev.inputs[0] if ev.inputs else None


def prod(dims: Sequence[Dim]) -> int | None:
    total = 1
    for d in dims:
        if d is None:
            return None
        total *= d
    return total


@lru_cache(maxsize=4096)
def _divisors(n: int) -> tuple[int, ...]:
    small: list[int] = []
    large: list[int] = []
    i = 1
    while i * i <= n:
        if n % i == 0:
            small.append(i)
            if i != n // i:
                large.append(n // i)
        i += 1
    return tuple(small + large[::-1])


def divisors(n: int, limit: int = 64) -> list[int]:
    """Divisors of n in increasing order, at most ``limit`` of them (trial division up to √n; n ≤ 10¹³)."""
    if n < 1 or n > _MAX_DIVISOR_SEARCH:
        return []
    if n > 10**8:  # keep the trial division short: only divisors up to 10⁴ and their cofactors
        small = [i for i in range(1, 10**4 + 1) if n % i == 0]
        both = sorted(set(small) | {n // i for i in small})
        return both[:limit]
    return list(_divisors(n)[:limit])


def is_odd_square(k: Sequence[int]) -> bool:
    return len(set(k)) == 1 and k[0] % 2 == 1


def _plausibility(shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    square = len(set(shape)) == 1
    odd = all(k % 2 == 1 for k in shape)
    return (0 if square else 1, 0 if odd else 1, max(shape) - min(shape), max(shape))


@lru_cache(maxsize=4096)
def kernel_shapes(volume: int, rank: int) -> tuple[tuple[int, ...], ...]:
    """Kernel shapes of ``rank`` axes whose product is ``volume``: odd squares first, then squares,
    then the rest, nearest to square first (3×5 before 1×15).  At most 16, each axis ≤ 64 unless
    the volume forces a longer one on a 1-D kernel."""
    if volume < 1 or rank < 1 or volume > 10**7:
        return ()
    if rank == 1:
        return ((volume,),)
    out: list[tuple[int, ...]] = []

    def rec(rest: int, prefix: tuple[int, ...]) -> None:
        if len(out) >= 8 * _MAX_SHAPES:
            return
        if len(prefix) == rank - 1:
            if rest <= 64:
                out.append((*prefix, rest))
            return
        for d in divisors(rest, 48):
            if d <= 64:
                rec(rest // d, (*prefix, d))

    rec(volume, ())
    return tuple(sorted(set(out), key=_plausibility)[:_MAX_SHAPES])


def channel_guesses(q: int, known: int | None) -> list[int]:
    """Input channels to try when only ``q`` = kernel volume × channels is known."""
    if known is not None:
        return [known]
    return [c for c in FIRST_LAYER_CHANNELS if q % c == 0]


# --- window arithmetic, one axis at a time ---------------------------------------------------
# Each function answers: which (padding, stride, dilation) map n_in to n_out for a window of k?
# Most plausible first: the defaults, then small strides, then dilation.


@lru_cache(maxsize=8192)
def keras_conv_axis(n_in: Dim, n_out: Dim, k: int, *, causal: bool = False,
                    strided_dilation: bool = False) -> tuple[tuple[str, int, int], ...]:
    """Keras Conv: valid ⌊(n − d(k−1) − 1)/s⌋ + 1, same (and causal) ⌈n/s⌉."""
    if n_out is None or n_in is None:
        return (("valid", 1, 1), ("same", 1, 1))
    found: list[tuple[str, int, int]] = []
    for s in range(1, MAX_STRIDE + 1):
        if n_in >= k and (n_in - k) // s + 1 == n_out:
            found.append(("valid", s, 1))
        if (n_in - 1) // s + 1 == n_out:
            found.append(("same", s, 1))
            if causal:
                found.append(("causal", s, 1))
    if k > 1:  # dilation: k_eff = d(k − 1) + 1
        for d in range(2, MAX_DILATION + 1):
            k_eff = d * (k - 1) + 1
            for s in range(1, MAX_STRIDE + 1 if strided_dilation else 2):
                if n_in >= k_eff and (n_in - k_eff) // s + 1 == n_out:
                    found.append(("valid", s, d))
                if (n_in - 1) // s + 1 == n_out:
                    found.append(("same", s, d))
                    if causal:
                        found.append(("causal", s, d))
    found.sort(key=lambda o: (o[2] != 1, o[1] != 1, o[1], o[0] != "valid", o[2]))
    return tuple(found)


@lru_cache(maxsize=4096)
def keras_transpose_axis(n_in: Dim, n_out: Dim, k: int) -> tuple[tuple[str, int, int, int | None], ...]:
    """Keras transposed conv: (padding, stride, dilation, output_padding or None)."""
    if n_out is None or n_in is None:
        return (("valid", 1, 1, None), ("same", 1, 1, None))
    found: list[tuple[str, int, int, int | None]] = []
    for s in range(1, MAX_STRIDE + 1):
        for d in range(1, MAX_DILATION + 1):
            if s > 1 and d > 1:
                break
            k_eff = d * (k - 1) + 1
            for pad in KERAS_PADDINGS:
                size = (n_in - 1) * s + max(k_eff, s) if pad == "valid" else n_in * s
                if size == n_out:
                    found.append((pad, s, d, None))
                p = 0 if pad == "valid" else k_eff // 2
                base = (n_in - 1) * s + k_eff - 2 * p
                op = n_out - base
                if 0 <= op < s and base + op != size:
                    found.append((pad, s, d, op))
            if k == 1:
                break
    found.sort(key=lambda o: (o[3] is not None, o[2] != 1, o[1] != 1, o[1], o[0] != "valid"))
    return tuple(found)


@lru_cache(maxsize=4096)
def keras_pool_axis(n_in: Dim, n_out: Dim) -> tuple[tuple[int, int, str], ...]:
    """Keras pooling (pool, stride, padding): windows as wide as their stride first (the default
    strides = pool_size), then the usual overlapping ones (3/2, 2/1, 3/1)."""
    if n_in is None or n_out is None:
        return ((2, 2, "valid"),)
    found: list[tuple[int, int, str]] = []
    for s in range(1, MAX_STRIDE + 1):
        for p in range(1, min(n_in, 16) + 1):
            for pad in KERAS_PADDINGS:
                got = (n_in - p) // s + 1 if pad == "valid" else (n_in - 1) // s + 1
                if got == n_out and (pad == "same" or n_in >= p):
                    found.append((p, s, pad))
    common = ((3, 2), (2, 1), (3, 1))
    found.sort(key=lambda o: (o[0] != o[1], o[0] == 1, (o[0], o[1]) not in common, o[2] != "valid", o[1], o[0]))
    return tuple(found)


@lru_cache(maxsize=4096)
def torch_conv_axis(n_in: Dim, n_out: Dim, k: int) -> tuple[tuple[int, int, int], ...]:
    """PyTorch Conv (padding, stride, dilation): ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1."""
    if n_out is None or n_in is None:
        return ((0, 1, 1), ((k - 1) // 2, 1, 1))
    found: list[tuple[int, int, int]] = []
    for d in range(1, MAX_DILATION + 1):
        k_eff = d * (k - 1) + 1
        for s in range(1, MAX_STRIDE + 1):
            # span = n + 2p − k_eff with span // s = n_out − 1: only the p (0 ≤ p ≤ k_eff) whose span falls
            # in [s(n_out − 1), s·n_out − 1] are tried (a pasted kernel of 405,098 made this loop endless).
            lo, hi = max(0, s * (n_out - 1)), s * n_out - 1
            for p in range(max(0, -((n_in - k_eff - lo) // 2)), min(k_eff, (hi - n_in + k_eff) // 2) + 1):
                span = n_in + 2 * p - k_eff
                if span >= 0 and span // s + 1 == n_out:
                    found.append((p, s, d))
        if k == 1:
            break
    half = {d: d * (k - 1) // 2 for d in range(1, MAX_DILATION + 1)}
    found.sort(key=lambda o: (o[2] != 1, o[0] not in (0, half[o[2]]), o[1], o[0] != half[o[2]], o[2], o[0]))
    return tuple(found)


@lru_cache(maxsize=4096)
def torch_transpose_axis(n_in: Dim, n_out: Dim, k: int) -> tuple[tuple[int, int, int, int], ...]:
    """PyTorch ConvTranspose (padding, stride, dilation, output_padding): (n − 1)s − 2p + d(k − 1) + op + 1."""
    if n_out is None or n_in is None:
        return ((0, 1, 1, 0),)
    found: list[tuple[int, int, int, int]] = []
    for d in range(1, MAX_DILATION + 1):
        for s in range(1, MAX_STRIDE + 1):
            # op = n_out − base, base = (n − 1)s − 2p + d(k − 1) + 1, with 0 ≤ op < max(s, d): only the p
            # (0 ≤ p ≤ d(k − 1)) that can give such an op are tried (a pasted kernel of 10**6 made this endless).
            top = (n_in - 1) * s + d * (k - 1) + 1  # base at p = 0
            first = max(0, -((n_out - top) // 2))  # op ≥ 0: 2p ≥ top − n_out
            last = min(d * (k - 1), (top - n_out + max(s, d) - 1) // 2)  # op < max(s, d): 2p < top − n_out + max(s, d)
            for p in range(first, last + 1):
                base = top - 2 * p
                op = n_out - base
                if 0 <= op < max(s, d):
                    found.append((p, s, d, op))
        if k == 1:
            break
    found.sort(key=lambda o: (o[2] != 1, o[3], o[1], o[0]))
    return tuple(found)


@lru_cache(maxsize=4096)
def torch_pool_axis(n_in: Dim, n_out: Dim, *, dilation: bool = True) -> tuple[tuple[int, int, int, int, bool], ...]:
    """PyTorch MaxPool/AvgPool (kernel, stride, padding, dilation, ceil_mode), stride = kernel first."""
    if n_in is None or n_out is None:
        return ((2, 2, 0, 1, False),)
    found: list[tuple[int, int, int, int, bool]] = []
    for k in range(1, min(n_in + 2, 16) + 1):
        for s in sorted({k, 1, 2, 3}):
            for p in range(0, k // 2 + 1):
                for d in (1, 2) if dilation and k > 1 else (1,):
                    span = n_in + 2 * p - d * (k - 1) - 1
                    if span < 0:
                        continue
                    for ceil in (False, True):
                        size = -(-span // s) + 1 if ceil else span // s + 1
                        if ceil and (size - 1) * s >= n_in + p:
                            size -= 1
                        if size == n_out:
                            found.append((k, s, p, d, ceil))
                            break
    found.sort(key=lambda o: (o[3] != 1, o[1] != o[0], o[4], o[2] != 0 and o[2] != o[0] // 2, o[0] == 1, o[0], o[2]))
    return tuple(found)


def square_root(n: int) -> int | None:
    r = math.isqrt(n)
    return r if r * r == n else None
