"""A database of its own for a bot process (or several sharing it): a SQLite file, or a PostgreSQL database
created with a random name on the server of LAYERBOT_TEST_POSTGRES_URL and dropped afterwards — so runs
on the same server (other people's tests, other benches) never see each other's rows or locks.

    async with fresh_database("postgresql", tmp_dir) as url:   # postgresql+asyncpg://.../layerbot_run_1a2b…
        ...
    rows = await stored_rows(url)                              # (user_id, guild_id, command, input_text)

For tests, :func:`postgres_or_skip` turns an unreachable server into a skip with the reason — or a failure
when LAYERBOT_REQUIRE_POSTGRES is set, as CI does (the same rule as tests/store/conftest.py).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.store.engine import display_url, make_engine
from bot.store.models import Query

__all__ = [
    "DEFAULT_POSTGRES_URL",
    "ENGINES",
    "PostgresUnavailable",
    "StoredRow",
    "fresh_database",
    "postgres_or_skip",
    "postgres_required",
    "stored_rows",
]

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
ENGINES = ("sqlite", "postgresql")


class PostgresUnavailable(RuntimeError):
    pass


def postgres_required() -> bool:
    return os.environ.get("LAYERBOT_REQUIRE_POSTGRES", "").strip().lower() not in ("", "0", "false", "no")


def _base_url(base: str | None) -> str:
    return base or os.environ.get("LAYERBOT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


async def _admin(base: str) -> asyncpg.Connection:
    url = make_url(base)
    try:
        return await asyncpg.connect(
            host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username, password=url.password,
            database=url.database, timeout=3,
        )
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise PostgresUnavailable(
            f"PostgreSQL at {display_url(base)} did not answer ({type(exc).__name__}: {exc}); "
            "set LAYERBOT_TEST_POSTGRES_URL to a server"
        ) from exc


@contextlib.asynccontextmanager
async def fresh_database(engine: str, directory: str | Path, *, postgres_url: str | None = None) -> AsyncIterator[str]:
    """The URL of an empty database: ``directory``/layerbot.db, or a new PostgreSQL database (dropped after,
    even while a killed bot's connections linger: ``WITH (FORCE)``)."""
    if engine == "sqlite":
        yield f"sqlite+aiosqlite:///{Path(directory).resolve() / 'layerbot.db'}"
        return
    if engine != "postgresql":
        raise ValueError(f"engine {engine!r}: expected one of {ENGINES}")
    base = _base_url(postgres_url)
    name = f"layerbot_run_{uuid.uuid4().hex[:16]}"
    admin = await _admin(base)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(base).set(database=name).render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def postgres_or_skip(postgres_url: str | None = None) -> None:
    """Skip the calling test when PostgreSQL does not answer (fail instead under LAYERBOT_REQUIRE_POSTGRES)."""
    import pytest

    try:
        admin = await _admin(_base_url(postgres_url))
    except PostgresUnavailable as exc:
        if postgres_required():
            pytest.fail(f"{exc} (LAYERBOT_REQUIRE_POSTGRES is set: PostgreSQL must be tested)")
        pytest.skip(str(exc))
    await admin.close()


@dataclass(frozen=True, slots=True)
class StoredRow:
    user_id: int | None
    guild_id: int | None
    channel_id: int | None
    command: str
    input_text: str


async def stored_rows(url: str) -> list[StoredRow]:
    """Every stored query, oldest first, as the columns that say who asked what where."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                select(Query.user_id, Query.guild_id, Query.channel_id, Query.command, Query.input_text)
                .order_by(Query.id)
            )
            return [StoredRow(*row) for row in result.all()]
    finally:
        await engine.dispose()
