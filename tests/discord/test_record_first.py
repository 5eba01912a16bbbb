"""An answer is recorded before it is sent (bot.discord.app: "record, then send"): a reply a user saw is
in the store even if the bot dies right after sending it.  A store too slow to answer does not hold
the answer back: it goes out in time and the record still lands (close() waits for it)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.discord.app import RECORD_WAIT_S
from bot.store.records import QueryRecord
from bot.store.repo import Store
from tests.discord.conftest import Launch, bounded, seed_summary, stored_count, wait_stored

Record = Callable[[QueryRecord], Awaitable[int | None]]


def slowed(store: Store, delay: float, committed: dict[int | None, float]) -> Record:
    """``store.record`` after ``delay`` seconds, noting when each user's record committed."""
    real = store.record

    async def record(entry: QueryRecord) -> int | None:
        await asyncio.sleep(delay)
        query_id = await real(entry)
        committed[entry.user_id] = time.monotonic()
        return query_id

    return record


@bounded(60)
async def test_a_slash_command_answer_reaches_discord_only_after_its_record_committed(
    launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with launch(rate_burst=0) as r:
        r.standin.add_guild()
        committed: dict[int | None, float] = {}
        # A record that takes 0.3 s: sent together with the answer (as before), the answer would arrive first
        monkeypatch.setattr(r.store, "record", slowed(r.store, 0.3, committed))
        people = [r.standin.add_user(f"asker{i}") for i in range(6)]
        sent = [await r.standin.send_command("dense", {"in_features": 1000 + i, "units": 4}, user=u)
                for i, u in enumerate(people)]
        recs = await asyncio.gather(*(r.standin.wait_for_reply(rec, 10) for rec in sent))
        for rec in recs:
            assert rec.callback is not None and rec.callback_type == 4, rec.summary()
            assert rec.user.id in committed, f"answered but never recorded: {rec.summary()}"
            assert committed[rec.user.id] <= rec.callback.at, (
                f"the answer reached Discord {committed[rec.user.id] - rec.callback.at:.3f} s before its record"
            )
        assert await stored_count(r.store) == 6


@bounded(60)
async def test_a_mention_reply_is_sent_only_after_its_record_committed(
    launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with launch(rate_burst=0) as r:
        lab = r.standin.add_guild()
        committed: dict[int | None, float] = {}
        monkeypatch.setattr(r.store, "record", slowed(r.store, 0.3, committed))
        asker = r.standin.add_user("paster")
        question = await r.standin.send_message(f"why 345,604?\n{seed_summary()}", mention_bot=True, author=asker)
        reply = await r.standin.wait_for_message(reply_to=question, channel=lab.channel, timeout=15)
        assert asker.id in committed
        assert committed[asker.id] <= reply.at, f"replied {committed[asker.id] - reply.at:.3f} s before recording"


@bounded(60)
async def test_a_stalled_store_does_not_hold_the_answer_and_the_record_still_lands(
    launch: Launch, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stall = RECORD_WAIT_S + 2.5  # longer than the answer may wait, and than Discord's 3 s
    committed: dict[int | None, float] = {}
    async with launch(rate_burst=0) as r:
        r.standin.add_guild()
        monkeypatch.setattr(r.store, "record", slowed(r.store, stall, committed))
        rec = await r.standin.wait_for_reply(await r.standin.send_command("dense", {"in_features": 86400, "units": 4}))
        assert rec.callback is not None and rec.callback_type == 4 and not rec.rejected, rec.summary()
        assert rec.callback.delay < 2.9, f"the answer waited {rec.callback.delay:.2f} s for a stalled store"
        assert rec.original["embeds"][0]["title"] == "Dense · 345,604 parameters"
        assert rec.user.id not in committed  # the answer went out first; the record is still on its way
        # leaving the block closes the bot, which waits for the record in progress
    assert rec.user.id in committed, "closing the bot dropped a record still in progress"
    async with Store.open(f"sqlite+aiosqlite:///{tmp_path / 'layerbot.db'}") as store:
        await wait_stored(store, 1)
        (entry,) = await store.history(rec.user.id, 5)
        assert entry.command == "dense"
