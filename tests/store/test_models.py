"""bot.store.models and bot.store.engine: names, types, constraints and connection settings, on both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import BUSY_TIMEOUT_MS, _libpq_options, display_url, make_engine, normalize_url, sqlite_path
from bot.store.errors import StoreConfigError
from bot.store.models import Base, Outcome, Query, QueryLayerKind, Source


@pytest.fixture
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(migrated_url)
    try:
        yield eng
    finally:
        await eng.dispose()


def _row(**over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "created_at": datetime(2024, 5, 1, 12, 0, tzinfo=UTC), "source": Source.DISCORD, "guild_id": 1,
        "channel_id": 2, "user_id": 3, "locale": "en-US", "command": "dense", "input_format": "command",
        "input_text": "/dense 86400 4", "input_bytes": 14, "input_truncated": False, "input_sha256": "0" * 64,
        "calc_version": "0.1.0", "total_params": 345_604, "layers_ok": 1, "layers_inferred": 0,
        "layers_mismatch": 0, "layers_unknown": 0, "findings": 0, "report": None, "duration_ms": 3,
        "outcome": Outcome.ANSWERED, "error_code": None, "error_text": None, "from_cache": False,
    }
    values.update(over)
    return values


def test_every_constraint_and_index_is_named_by_the_convention() -> None:
    queries = Base.metadata.tables["queries"]
    kinds = Base.metadata.tables["query_layer_kinds"]
    assert {ix.name for ix in queries.indexes} == {
        "ix_queries_user_id_created_at", "ix_queries_guild_id_created_at",
        "ix_queries_created_at", "ix_queries_input_sha256_calc_version",
    }
    assert queries.primary_key.name == "pk_queries"
    assert kinds.primary_key.name == "pk_query_layer_kinds"
    assert [fk.name for fk in kinds.foreign_key_constraints] == ["fk_query_layer_kinds_query_id_queries"]


async def test_the_migrated_schema_carries_the_names(engine: AsyncEngine) -> None:
    def names(connection: Any) -> dict[str, Any]:
        insp = inspect(connection)
        return {
            "tables": set(insp.get_table_names()),
            "indexes": {ix["name"] for ix in insp.get_indexes("queries")},
            "checks": {ck["name"] for ck in insp.get_check_constraints("queries")},
            "fks": {fk["name"] for fk in insp.get_foreign_keys("query_layer_kinds")},
        }

    async with engine.connect() as connection:
        found = await connection.run_sync(names)
    assert found["tables"] == {"queries", "query_layer_kinds", "alembic_version"}
    assert found["indexes"] == {ix.name for ix in Base.metadata.tables["queries"].indexes}
    assert found["checks"] == {"ck_queries_source", "ck_queries_outcome"}
    assert found["fks"] == {"fk_query_layer_kinds_query_id_queries"}


async def test_times_are_stored_in_utc_and_read_back_aware(engine: AsyncEngine) -> None:
    shanghai = timezone(timedelta(hours=8))
    asked = datetime(2024, 5, 1, 20, 30, 15, 123456, tzinfo=shanghai)
    async with engine.begin() as connection:
        await connection.execute(insert(Query).values(_row(created_at=asked)))
        got = (await connection.execute(select(Query.created_at))).scalar_one()
        # comparisons happen in UTC too: 12:30 UTC is after 12:00 UTC
        later = (await connection.execute(
            select(func.count()).where(Query.created_at > datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
        )).scalar_one()
    assert got == asked and got.tzinfo is not None and got.utcoffset() == timedelta(0)
    assert got.hour == 12 and later == 1


async def test_naive_times_are_refused(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        with pytest.raises(StatementError, match="timezone-aware"):
            await connection.execute(insert(Query).values(_row(created_at=datetime(2024, 5, 1))))


async def test_enums_are_stored_as_their_values_and_checked(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(Query).values(_row(source=Source.TERMINAL, outcome=Outcome.USER_ERROR)))
        raw = (await connection.execute(text("SELECT source, outcome FROM queries"))).one()
    assert tuple(raw) == ("terminal", "user_error")
    for column, value in (("source", "slack"), ("outcome", "maybe")):
        async with engine.connect() as connection:
            with pytest.raises(IntegrityError):
                await connection.execute(
                    text(f"UPDATE queries SET {column} = :value"), {"value": value}  # noqa: S608 - fixed names
                )
            await connection.rollback()


async def test_deleting_a_query_deletes_its_layer_kinds(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        ids = [(await connection.execute(insert(Query).values(_row()).returning(Query.id))).scalar_one()
               for _ in range(2)]
        await connection.execute(insert(QueryLayerKind), [
            {"query_id": ids[0], "kind": "Dense", "count": 2}, {"query_id": ids[0], "kind": "Conv2D", "count": 1},
            {"query_id": ids[1], "kind": "Dense", "count": 1},
        ])
    async with engine.begin() as connection:
        await connection.execute(delete(Query).where(Query.id == ids[0]))
        left = (await connection.execute(select(QueryLayerKind.query_id, QueryLayerKind.kind))).all()
    assert [tuple(r) for r in left] == [(ids[1], "Dense")]
    async with engine.connect() as connection:  # and a kind cannot point at no query
        with pytest.raises(IntegrityError):
            await connection.execute(insert(QueryLayerKind).values(query_id=10**6, kind="Dense", count=1))
        await connection.rollback()


async def test_big_counts_fit(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(Query).values(_row(total_params=14_930_092_800, guild_id=2**63 - 1)))
        got = (await connection.execute(select(Query.total_params, Query.guild_id))).one()
    assert tuple(got) == (14_930_092_800, 2**63 - 1)


# --------------------------------------------------------------------------------------------
# Engines.


async def test_sqlite_connections_get_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    for migrations, foreign_keys in ((False, 1), (True, 0)):
        engine = make_engine(url, migrations=migrations)
        try:
            async with engine.connect() as connection:
                got = [(await connection.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
                       for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")]
        finally:
            await engine.dispose()
        assert got == ["wal", foreign_keys, BUSY_TIMEOUT_MS, 1]


async def test_sqlite_ddl_is_transactional(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            await connection.rollback()
            tables = (await connection.exec_driver_sql("SELECT name FROM sqlite_master")).all()
    finally:
        await engine.dispose()
    assert tables == []


async def test_a_sqlite_file_gets_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "data" / "deeper" / "layerbot.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")
    finally:
        await engine.dispose()
    assert path.is_file()


def test_the_postgres_pool_is_sized_from_the_settings() -> None:
    engine = make_engine("postgresql://u:secret@db.example/layerbot", pool_size=7)  # no connection is made
    try:
        assert engine.pool.size() == 7  # type: ignore[attr-defined]
        assert engine.pool._max_overflow == 7  # type: ignore[attr-defined]
        assert engine.pool._pre_ping
        assert engine.url.drivername == "postgresql+asyncpg"
    finally:
        engine.sync_engine.dispose()


async def test_libpq_options_choose_the_postgres_schema(pg_url: str) -> None:
    """``?options=-c search_path=...`` (how these tests isolate themselves) reaches the server."""
    schema = str(make_url(pg_url).query["options"]).partition("=")[2]
    engine = make_engine(pg_url)
    try:
        async with engine.connect() as connection:
            got = (await connection.exec_driver_sql("SELECT current_schema(), current_setting('TimeZone')")).one()
    finally:
        await engine.dispose()
    assert tuple(got) == (schema, "UTC")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("-c search_path=layerbot", {"search_path": "layerbot"}),
        ("-csearch_path=a,b -c statement_timeout=5000", {"search_path": "a,b", "statement_timeout": "5000"}),
        ("--search-path=x", {"search_path": "x"}),
    ],
)
def test_libpq_options(options: str, expected: dict[str, str]) -> None:
    assert _libpq_options(options) == expected


@pytest.mark.parametrize("bad", ["search_path=x", "-c", "-c =x", "-x foo"])
def test_bad_libpq_options_are_refused(bad: str) -> None:
    with pytest.raises(StoreConfigError, match="-c name=value"):
        _libpq_options(bad)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///./layerbot.db", "sqlite+aiosqlite:///./layerbot.db"),
        ("sqlite+aiosqlite:////var/lib/layerbot/x.db", "sqlite+aiosqlite:////var/lib/layerbot/x.db"),
        ("postgres://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgresql://u@h:5433/db", "postgresql+asyncpg://u@h:5433/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_urls_get_the_async_driver(given: str, expected: str) -> None:
    assert normalize_url(given).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize("bad", ["mysql://u@h/db", "postgresql+psycopg2://u@h/db", "sqlite+pysqlite:///x.db", "nonsense"])
def test_other_databases_are_refused_with_what_is_accepted(bad: str) -> None:
    with pytest.raises(StoreConfigError, match="postgresql\\+asyncpg://"):
        normalize_url(bad)


def test_passwords_are_never_shown() -> None:
    assert "secret" not in display_url("postgresql+asyncpg://u:secret@h/db")
    assert sqlite_path(normalize_url("sqlite:///./a/b.db")) == Path("./a/b.db")
    assert sqlite_path(normalize_url("sqlite://")) is None
