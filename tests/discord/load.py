"""Driving many interactions at once through the stand-in, and timing the answers: shared by the burst
test here and the 200/500-interaction benchmarks in bench/.

    recs = await burst(standin, 50, lambda i: ("dense", {"in_features": 1000 + i, "units": 4}))
    times = [answer_delay(rec) for rec in recs]     # seconds from delivery to the first visible answer
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from tests.discord_standin import FakeUser, InteractionRecord, StandIn

Ask = Callable[[int], tuple[str, Mapping[str, Any]]]


def answer_delay(rec: InteractionRecord) -> float:
    """Seconds from the stand-in delivering the interaction to the first message the user can read
    (the response itself, or the first follow-up after "thinking…")."""
    if rec.callback is None:
        raise AssertionError(f"not answered: {rec.summary()}")
    if rec.callback_type in (5, 6):
        if not rec.followups and not rec.edits:
            raise AssertionError(f"deferred but never answered: {rec.summary()}")
        first = min(s.at for s in rec.followups + rec.edits)
        return first - rec.sent_at
    return rec.callback.at - rec.sent_at


async def burst(
    standin: StandIn, count: int, ask: Ask, *, users: list[FakeUser] | None = None, timeout: float = 30.0
) -> list[InteractionRecord]:
    """Deliver ``count`` slash commands as fast as the gateway takes them (user ``i % len(users)``
    asks ``ask(i)``), then wait until every one is answered."""
    people = users or [standin.add_user(f"user{i}") for i in range(count)]
    sent = [
        await standin.send_command(name, dict(options), user=people[i % len(people)])
        for i, (name, options) in ((i, ask(i)) for i in range(count))
    ]
    return list(await asyncio.gather(*(standin.wait_for_reply(rec, timeout) for rec in sent)))
