"""Fixtures for the store tests: every test that takes ``db_url`` runs twice, on a fresh SQLite file
and on a fresh PostgreSQL schema (created for the test in the test database, dropped afterwards: a
schema costs milliseconds where a database costs a checkpoint).

PostgreSQL is LAYERBOT_TEST_POSTGRES_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/test).
When no server answers, the PostgreSQL cases are skipped with the reason shown, unless
LAYERBOT_REQUIRE_POSTGRES is set (as CI does): then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.store import Store
from bot.store.engine import display_url
from bot.store.migrations import upgrade_to_head

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
ENGINES = ("sqlite", "postgresql")

_unreachable: str | None = None  # why PostgreSQL did not answer, so later tests do not wait again


def _postgres_required() -> bool:
    return os.environ.get("LAYERBOT_REQUIRE_POSTGRES", "").strip().lower() not in ("", "0", "false", "no")


async def _admin() -> tuple[asyncpg.Connection, str]:
    global _unreachable
    base = make_url(os.environ.get("LAYERBOT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL)
    reason = _unreachable
    if reason is None:
        try:
            connection = await asyncpg.connect(
                host=base.host or "127.0.0.1", port=base.port or 5432, user=base.username,
                password=base.password, database=base.database, timeout=3,
            )
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            reason = _unreachable = (
                f"PostgreSQL at {display_url(base)} did not answer ({type(exc).__name__}: {exc}); "
                "set LAYERBOT_TEST_POSTGRES_URL to a server to run these cases"
            )
        else:
            return connection, base.render_as_string(hide_password=False)
    if _postgres_required():
        pytest.fail(f"{reason} (LAYERBOT_REQUIRE_POSTGRES is set: PostgreSQL must be tested)")
    pytest.skip(reason)


@asynccontextmanager
async def _database(engine: str, tmp_path: Path) -> AsyncIterator[str]:
    if engine == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'layerbot.db'}"
        return
    admin, base = await _admin()
    schema = f"layerbot_test_{uuid.uuid4().hex[:16]}"
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        # libpq's options parameter, which layerbot's engine understands: everything lands in the schema
        yield make_url(base).update_query_dict({"options": f"-c search_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


@pytest.fixture(params=ENGINES)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database of its own: a SQLite file, or a PostgreSQL schema of its own
    (dropped afterwards) in the test database."""
    async with _database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def pg_url(tmp_path: Path) -> AsyncIterator[str]:
    """Like ``db_url``, PostgreSQL only (for what only PostgreSQL has)."""
    async with _database("postgresql", tmp_path) as url:
        yield url


@pytest.fixture
async def migrated_url(db_url: str) -> str:
    """The URL of a database of its own, upgraded to head."""
    await upgrade_to_head(db_url)
    return db_url


@pytest.fixture
async def store(migrated_url: str) -> AsyncIterator[Store]:
    async with Store.open(migrated_url) as s:
        yield s
