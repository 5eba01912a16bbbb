"""Retention: LAYERBOT_RETENTION_DAYS is applied by the running bot (bot.discord.launcher's purge task, at
start-up and then once a day), and 0 keeps everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.store import Headline, QueryRecord, Source
from bot.store.engine import make_engine
from bot.store.models import Query
from bot.store.repo import open_store
from calc.version import VERSION
from tests.discord.conftest import Launch, bounded, eventually

AGES_DAYS = (0, 5, 29, 31, 400)


async def _seed(url: str) -> None:
    """Queries of the given ages, written before the bot starts (the database migrated as the bot would)."""
    store = await open_store(url)
    try:
        now = datetime.now(UTC)
        for days in AGES_DAYS:
            await store.record(
                QueryRecord(
                    source=Source.TERMINAL, command="dense", input_text=f"/dense {days + 1} 4", calc_version=VERSION,
                    user_id=7, headline=Headline(total_params=(days + 1) * 4 + 4, ok=1), layer_kinds={"Dense": 1},
                    created_at=now - timedelta(days=days, hours=1),
                )
            )
    finally:
        await store.close()


async def _inputs(url: str) -> list[str]:
    """The stored inputs, read through a connection of the test's own."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(select(Query.input_text).order_by(Query.input_text))).scalars())
    finally:
        await engine.dispose()


@bounded(60)
async def test_the_running_bot_purges_queries_older_than_the_retention(launch: Launch, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'layerbot.db'}"
    await _seed(url)
    async with launch(retention_days=30) as r:
        async def purged() -> bool:
            return len(await _inputs(url)) == 3

        await eventually(purged, 10, what="the start-up purge")
        assert r.settings.retention_days == 30
        assert await _inputs(url) == ["/dense 1 4", "/dense 30 4", "/dense 6 4"]  # 0, 29 and 5 days old


async def _count_is(url: str, n: int) -> bool:
    return len(await _inputs(url)) == n


@bounded(60)
async def test_retention_0_keeps_everything(launch: Launch, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'layerbot.db'}"
    await _seed(url)
    async with launch(retention_days=0) as r:
        r.standin.add_guild()
        rec = await r.standin.wait_for_reply(await r.standin.send_command("dense", {"in_features": 8, "units": 2}))
        assert rec.callback is not None
        await eventually(lambda: _count_is(url, len(AGES_DAYS) + 1), 10, what="the answer's record")
        assert len(await _inputs(url)) == len(AGES_DAYS) + 1  # nothing purged, the new one added
