"""A per-user rate limit: a token bucket per user id, in memory.

    limiter = RateLimiter(burst=5, per_minute=20)
    wait = limiter.check(user_id)     # 0.0: go ahead (a token was taken); > 0: seconds until the next one

Each user may ask ``burst`` questions in a row; after that a token comes back every
60 / ``per_minute`` seconds.  ``burst=0`` turns the limit off.  Buckets that have refilled completely
are forgotten, so the table stays as small as the set of people asking right now.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimiter"]

_SWEEP_EVERY = 1_000  # checks between sweeps of full buckets


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, burst: int, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.rate = per_minute / 60.0  # tokens per second
        self.clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._checks = 0

    @property
    def enabled(self) -> bool:
        return self.burst > 0 and self.rate > 0

    def _refilled(self, bucket: _Bucket, now: float) -> float:
        return min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)

    def check(self, user_id: int) -> float:
        """Take a token for ``user_id``: 0.0 when there was one, else the seconds until there is."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        self._checks += 1
        if self._checks % _SWEEP_EVERY == 0:
            self._sweep(now)
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = _Bucket(float(self.burst), now)
        tokens = self._refilled(bucket, now)
        bucket.at = now
        if tokens >= 1.0:
            bucket.tokens = tokens - 1.0
            return 0.0
        bucket.tokens = tokens
        return (1.0 - tokens) / self.rate

    def retry_after(self, user_id: int) -> int:
        """Whole seconds until ``user_id`` may ask again (at least 1), without taking a token."""
        bucket = self._buckets.get(user_id)
        if bucket is None or not self.enabled:
            return 1
        tokens = self._refilled(bucket, self.clock())
        return max(1, math.ceil((1.0 - tokens) / self.rate)) if tokens < 1.0 else 1

    def _sweep(self, now: float) -> None:
        full = [uid for uid, b in self._buckets.items() if self._refilled(b, now) >= self.burst]
        for uid in full:
            del self._buckets[uid]

    def __len__(self) -> int:
        return len(self._buckets)
