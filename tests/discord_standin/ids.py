"""Snowflakes and timestamps shaped like Discord's."""

from __future__ import annotations

import datetime
import itertools
import time

DISCORD_EPOCH_MS = 1420070400000


class Snowflakes:
    """Generates unique, increasing snowflakes: (ms since 2015 << 22) | worker | process | increment."""

    def __init__(self, worker: int = 1, process: int = 0) -> None:
        self._counter = itertools.count()
        self._worker = worker & 0x1F
        self._process = process & 0x1F
        self._last = 0

    def _compose(self, ms: int) -> int:
        value = ((ms - DISCORD_EPOCH_MS) << 22) | (self._worker << 17) | (self._process << 12) | (next(self._counter) & 0xFFF)
        if value <= self._last:  # same millisecond and the 12-bit increment wrapped: move on
            value = self._last + 1
        self._last = max(self._last, value)
        return value

    def next(self) -> int:
        return self._compose(int(time.time() * 1000))

    def for_shard(self, shard_id: int, shard_count: int) -> int:
        """A snowflake whose guild shard, (id >> 22) % shard_count, is shard_id."""
        if not 0 <= shard_id < shard_count:
            raise ValueError(f"shard {shard_id} is not in 0..{shard_count - 1}")
        ms = int(time.time() * 1000)
        ms -= shard_count - (shard_id - (ms - DISCORD_EPOCH_MS)) % shard_count  # in the past, on the right shard
        inc = next(self._counter) & 0xFFF
        return ((ms - DISCORD_EPOCH_MS) << 22) | (self._worker << 17) | (self._process << 12) | inc


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's rule: shard_id = (guild_id >> 22) % num_shards."""
    return (guild_id >> 22) % shard_count


def iso_now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def snowflake_time_iso(snowflake: int) -> str:
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC).isoformat()
