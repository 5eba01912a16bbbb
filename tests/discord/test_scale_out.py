"""Scale-out: two ``layerbot run`` processes, one shard each (LAYERBOT_SHARD_COUNT=2, LAYERBOT_SHARD_IDS=0 / 1),
sharing one PostgreSQL database and one (stand-in) Discord — the docker-compose ``scale`` profile.

Both start at the same moment on an empty database and both upgrade it at start: one runs the migration,
the other waits for it (the advisory lock in migrations/env.py) and finds nothing to do.  Each process
gets its own shard's guilds and interactions, answers them, and records them in the one database; with
one process killed, the other still answers its shard — and only its shard."""

from __future__ import annotations

import asyncio
import collections
from pathlib import Path

import pytest

from bot.store.migrations import current, head
from tests.discord.conftest import bounded
from tests.discord.databases import fresh_database, postgres_or_skip, stored_rows
from tests.discord.process import BotProcess, sync
from tests.discord_standin import FakeGuild, InteractionRecord, StandIn, StandInError
from tests.discord_standin.ids import shard_of

SHARDS = 2
PER_GUILD = 3
MIGRATION_LINE = "Running upgrade  -> "  # alembic.runtime.migration, when a process creates the schema


def shard_env(shard: int) -> dict[str, str]:
    return {
        "LAYERBOT_SHARD_COUNT": str(SHARDS),
        "LAYERBOT_SHARD_IDS": str(shard),
        "LAYERBOT_WORKERS": "1",
        "LAYERBOT_GUILD_READY_TIMEOUT": "0.1",
    }


async def ask(standin: StandIn, guild: FakeGuild, n: int) -> InteractionRecord:
    user = standin.add_user(f"{guild.name.replace(' ', '').lower()}-asker{n}")
    return await standin.send_command("dense", {"in_features": 1000 + n, "units": 4}, guild=guild, user=user)


@bounded(240)
async def test_two_shard_processes_share_one_postgresql_database(tmp_path: Path) -> None:
    await postgres_or_skip()
    async with fresh_database("postgresql", str(tmp_path)) as url, StandIn() as standin:
        guilds = {shard: [standin.add_guild(f"Shard{shard} {i}", shard=(shard, SHARDS)) for i in range(2)]
                  for shard in range(SHARDS)}
        assert all(shard_of(g.id, SHARDS) == shard for shard, gs in guilds.items() for g in gs)
        await sync(standin, url)
        bots = [BotProcess(standin, database_url=url, env=shard_env(k), name=f"shard{k}") for k in range(SHARDS)]
        restarted: BotProcess | None = None
        try:
            await asyncio.gather(*(bot.start() for bot in bots))  # together: both upgrade the empty database

            # One process created the schema, the other waited for it; neither failed.
            assert sum(MIGRATION_LINE in bot.log() for bot in bots) == 1, [bot.log()[-2000:] for bot in bots]
            assert await current(url) == (head(),)
            for k, bot in enumerate(bots):
                (session,) = bot.sessions
                assert session.shard == (k, SHARDS)
                announced = sum(1 for _, event in session.events if event == "GUILD_CREATE")
                assert announced == len(guilds[k]), f"shard {k} was sent {announced} guilds"
                assert f"to {len(guilds[k])} guilds, shards [{k}]" in bot.log(), bot.log()[-2000:]

            # Questions in every guild: each reaches the process of its guild's shard, which answers it.
            sent = [await ask(standin, g, n) for gs in guilds.values() for g in gs for n in range(PER_GUILD)]
            answered = await asyncio.gather(*(standin.wait_for_reply(rec, 20) for rec in sent))
            for rec in answered:
                assert rec.shard_id == shard_of(rec.guild_id or 0, SHARDS), rec.summary()
                assert rec.original is not None and rec.original["embeds"][0]["title"].endswith("parameters")
            rows = collections.Counter(row.guild_id for row in await stored_rows(url))
            assert rows == {g.id: PER_GUILD for gs in guilds.values() for g in gs}

            # Shard 0's process dies: shard 1 still answers its guilds, and nobody answers shard 0's.
            await bots[0].kill()
            orphan = await ask(standin, guilds[0][0], 100)
            alive = await standin.wait_for_reply(await ask(standin, guilds[1][0], 100), 20)
            assert alive.shard_id == 1
            with pytest.raises(StandInError, match="timed out"):
                await standin.wait_for_reply(orphan, 3)

            # Shard 0 back (its start-up upgrade finds the schema at head): it answers its guilds again.
            restarted = BotProcess(standin, database_url=url, env=shard_env(0), name="shard0-again")
            await restarted.start()
            assert MIGRATION_LINE not in restarted.log()
            back = await standin.wait_for_reply(await ask(standin, guilds[0][1], 101), 20)
            assert back.shard_id == 0
            rows = collections.Counter(row.guild_id for row in await stored_rows(url))
            assert rows[guilds[1][0].id] == PER_GUILD + 1 and rows[guilds[0][1].id] == PER_GUILD + 1
            assert rows[guilds[0][0].id] == PER_GUILD  # the orphaned question was never answered, nor recorded
        finally:
            for bot in [*bots, *([restarted] if restarted else [])]:
                try:
                    await bot.stop()
                finally:
                    bot.close()
