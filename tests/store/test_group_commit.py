"""Store.record's writer (group commit), on both engines: a burst of records goes in a few transactions, a
row the database refuses does not take its batch with it, and records handed over are written even when
their caller gives up or the store is closing."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, func, select

from bot.store import QueryRecord, Source, Store
from bot.store.models import Query, QueryLayerKind
from bot.store.repo import MAX_BATCH


def _q(n: int, **over: Any) -> QueryRecord:
    fields: dict[str, Any] = {
        "source": Source.DISCORD, "command": "dense", "input_text": f"/dense {n} 4", "calc_version": "test",
        "guild_id": 100, "user_id": n, "layer_kinds": {"Dense": 1, "ReLU": n % 3},
    }
    fields.update(over)
    return QueryRecord(**fields)


async def _count(url: str, model: Any = Query) -> int:
    async with Store.open(url) as store, store.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_burst_of_records_is_written_in_a_few_transactions(store: Store, migrated_url: str) -> None:
    commits = 0

    def count(_connection: Any) -> None:
        nonlocal commits
        commits += 1

    event.listen(store.engine.sync_engine, "commit", count)
    burst = MAX_BATCH + MAX_BATCH // 2
    ids = await asyncio.gather(*(store.record(_q(n)) for n in range(1, burst + 1)))
    assert None not in ids and len(set(ids)) == burst
    assert commits <= 3, f"{burst} records took {commits} transactions"
    assert await _count(migrated_url) == burst
    assert await _count(migrated_url, QueryLayerKind) == 2 * burst
    got = await store.get(ids[41], 42)  # each id is its own record's
    assert got is not None and got.input_text == "/dense 42 4" and got.layer_kinds == {"Dense": 1, "ReLU": 0}
    assert store.health.ok


async def test_a_row_the_database_refuses_does_not_take_its_batch_with_it(store: Store, migrated_url: str) -> None:
    entries = [_q(n) for n in range(1, 11)]
    entries.insert(5, _q(0, user_id=2**70))  # no BIGINT holds it: this one row fails
    ids = await asyncio.gather(*(store.record(e) for e in entries))
    assert ids[5] is None
    assert None not in ids[:5] + ids[6:] and len(set(ids[:5] + ids[6:])) == 10
    assert await _count(migrated_url) == 10
    assert store.health.ok  # the records after it succeeded


async def test_records_handed_over_are_written_when_the_caller_gives_up_or_the_store_closes(migrated_url: str) -> None:
    store = Store.open(migrated_url)
    tasks = [asyncio.create_task(store.record(_q(n))) for n in range(1, 21)]
    await asyncio.sleep(0)  # every record handed over to the writer
    tasks[0].cancel()  # its asker went away: the write goes on
    await store.close()  # waits for the writer
    assert await _count(migrated_url) == 20
    assert all(isinstance(t.result(), int) for t in tasks[1:])
