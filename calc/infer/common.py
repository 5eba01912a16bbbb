"""Bounded integer helpers shared by the generators."""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["divisors", "kernel_shapes", "window_fits"]

_MAX_DIVISOR_SEARCH = 10**12
_MAX_SHAPES = 24


def divisors(n: int, limit: int = 64) -> list[int]:
    """Divisors of n in increasing order, at most ``limit`` of them (trial division up to √n)."""
    if n < 1 or n > _MAX_DIVISOR_SEARCH:
        return []
    small, large = [], []
    i = 1
    while i * i <= n:
        if n % i == 0:
            small.append(i)
            if i != n // i:
                large.append(n // i)
        i += 1
        if len(small) + len(large) > 4 * limit:
            break
    return (small + large[::-1])[:limit]


def _plausibility(shape: tuple[int, ...]) -> tuple[int, int, int]:
    square = len(set(shape)) == 1
    odd = all(k % 2 == 1 for k in shape)
    return (0 if square else 1, 0 if odd else 1, max(shape))


def kernel_shapes(volume: int, rank: int) -> list[tuple[int, ...]]:
    """Kernel shapes of ``rank`` axes whose product is ``volume``: odd squares first, then squares,
    then the rest by size (3×3 before 1×9).  Bounded."""
    if volume < 1 or rank < 1:
        return []
    out: list[tuple[int, ...]] = []

    def rec(rest: int, prefix: tuple[int, ...]) -> None:
        if len(out) >= 4 * _MAX_SHAPES:
            return
        if len(prefix) == rank - 1:
            out.append((*prefix, rest))
            return
        for d in divisors(rest, 32):
            rec(rest // d, (*prefix, d))

    rec(volume, ())
    return sorted(set(out), key=_plausibility)[:_MAX_SHAPES]


def window_fits(n_out: int, n_in: int) -> Iterator[tuple[int, int]]:
    """(window, stride) pairs with window = stride that map n_in to n_out (valid padding)."""
    for s in range(1, min(n_in, 64) + 1):
        if (n_in - s) // s + 1 == n_out:
            yield s, s
