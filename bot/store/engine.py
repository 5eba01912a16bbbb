"""Engines and sessions: SQLite (aiosqlite) by default, PostgreSQL (asyncpg) when DATABASE_URL says so.

SQLite connections get ``journal_mode=WAL`` (readers never wait for the writer), ``foreign_keys=ON``
(SQLite leaves them off by default; /forget relies on ON DELETE CASCADE), ``synchronous=NORMAL``
(safe with WAL) and a ``busy_timeout`` (a writer waits for another instead of failing at once).  They
also run in Python's autocommit mode with layerbot emitting BEGIN itself, so DDL in a migration is
transactional like everything else (the SQLAlchemy docs' pysqlite/aiosqlite recipe).

PostgreSQL connections come from a pool sized by the settings, are pinged before use (a restarted
server costs one failed ping, not one failed answer), time out instead of hanging, and talk UTC.
libpq's ``?options=-c search_path=myschema`` works as with psql (to keep layerbot in its own schema).

One :class:`~sqlalchemy.ext.asyncio.AsyncSession` per command: an ``AsyncSession`` is not safe to
share between concurrent tasks.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from bot.store.errors import StoreConfigError

__all__ = [
    "BUSY_TIMEOUT_MS",
    "CONNECT_TIMEOUT_S",
    "display_url",
    "make_engine",
    "make_sessionmaker",
    "normalize_url",
    "sqlite_path",
]

BUSY_TIMEOUT_MS = 5_000
"""How long a SQLite writer waits for another writer before giving up."""

CONNECT_TIMEOUT_S = 5.0
"""How long connecting to PostgreSQL (or waiting for a pooled connection) may take."""

COMMAND_TIMEOUT_S = 15.0
"""How long one PostgreSQL statement may run."""

_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}


def normalize_url(url: str | URL) -> URL:
    """The URL with layerbot's async driver: ``sqlite://`` → ``sqlite+aiosqlite://``,
    ``postgres://`` / ``postgresql://`` → ``postgresql+asyncpg://``.  Anything else is refused."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreConfigError(
            f"DATABASE_URL is not a database URL ({exc}); use sqlite+aiosqlite:///path/layerbot.db "
            "or postgresql+asyncpg://user:password@host/dbname"
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    wanted = _DRIVERS.get(backend)
    if wanted is None or (driver and parsed.drivername != wanted):
        raise StoreConfigError(
            f"DATABASE_URL uses {parsed.drivername!r}; layerbot stores queries in SQLite (sqlite+aiosqlite://) "
            "or PostgreSQL (postgresql+asyncpg://)"
        )
    return parsed.set(drivername=wanted)


def display_url(url: str | URL) -> str:
    """The URL as it may be shown or logged: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<not a database URL>"


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL (None for another engine or an in-memory database)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.database.startswith("file:"):
        return None  # a URI filename; SQLite resolves it
    return Path(url.database)


def _libpq_options(value: str | tuple[str, ...]) -> dict[str, str]:
    """``-c search_path=layerbot -c statement_timeout=5000`` → server settings, as libpq reads them."""
    words = shlex.split(" ".join(value) if isinstance(value, tuple) else value)
    settings: dict[str, str] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("-c", "--") and i + 1 < len(words):
            word, i = words[i + 1], i + 1
        elif word.startswith(("-c", "--")):
            word = word[2:]
        else:
            raise StoreConfigError(f"DATABASE_URL options={value!r}: expected -c name=value settings")
        name, sep, setting = word.partition("=")
        if not sep or not name:
            raise StoreConfigError(f"DATABASE_URL options={value!r}: expected -c name=value settings")
        settings[name.replace("-", "_")] = setting
        i += 1
    return settings


WAL_ATTEMPTS = 50
"""Tries at switching a file to WAL (20 ms apart) while other processes hold it: see :func:`_use_wal`."""


def _use_wal(cursor: Any) -> None:
    """WAL mode, which is persistent: a file already in it is left alone (reading the mode takes no lock).

    Switching needs the file to itself, and SQLite answers "database is locked" at once, without waiting
    out the busy timeout, when another connection holds a lock it would have to wait behind (several bot
    processes starting together on a new file).  So the switch is tried again, 20 ms apart, a bounded
    number of times (at most about a second, at start-up only: the mode stays once set)."""
    import sqlite3
    import time

    cursor.execute("PRAGMA journal_mode")
    row = cursor.fetchone()
    if row is not None and str(row[0]).lower() == "wal":
        return
    for attempt in range(WAL_ATTEMPTS):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_ATTEMPTS - 1:
                raise
            time.sleep(0.02)


def _sqlite_events(engine: AsyncEngine, *, foreign_keys: bool, immediate: bool = False) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level: SQLAlchemy's "begin" event below emits BEGIN, so every
        # statement, DDL included, runs inside a transaction SQLAlchemy controls.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # The busy timeout first: switching a new file to WAL waits for another process doing the same
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        finally:
            cursor.close()

    # BEGIN IMMEDIATE takes the write lock at once: two processes migrating the same file then wait for
    # each other (busy timeout) instead of both reading "empty" and one failing to write.
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


def make_engine(
    url: str | URL,
    *,
    pool_size: int = 5,
    migrations: bool = False,
    echo: bool = False,
) -> AsyncEngine:
    """An async engine for ``url`` (see :func:`normalize_url`).

    ``pool_size``: PostgreSQL connections kept open; as many again may be opened under load.
    ``migrations``: an engine for Alembic: no pool (one connection, closed afterwards) and, on
    SQLite, foreign keys off while the schema changes — a batch migration copies and drops a
    table, and with foreign keys on that drop would cascade into the rows that refer to it — and
    ``BEGIN IMMEDIATE`` (processes starting together migrate one after the other; PostgreSQL gets
    the same from an advisory lock in ``migrations/env.py``).

    A SQLite file's directory is created when missing, so a first start needs no set-up.
    """
    parsed = normalize_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        if migrations:
            kwargs["poolclass"] = NullPool
        engine = create_async_engine(parsed, **kwargs)
        _sqlite_events(engine, foreign_keys=not migrations, immediate=migrations)
        return engine
    server_settings = {"application_name": "layerbot"}
    if "options" in parsed.query:  # libpq's ?options=-c search_path=... (asyncpg has no such parameter)
        server_settings.update(_libpq_options(parsed.query["options"]))
        parsed = parsed.difference_update_query(["options"])
    server_settings["timezone"] = "UTC"  # /stats counts UTC days
    kwargs["connect_args"] = {
        "timeout": CONNECT_TIMEOUT_S,
        "command_timeout": COMMAND_TIMEOUT_S,
        "server_settings": server_settings,
    }
    if migrations:
        kwargs["poolclass"] = NullPool
    else:
        kwargs.update(
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=CONNECT_TIMEOUT_S,
            pool_pre_ping=True,
            pool_recycle=1_800,
        )
    return create_async_engine(parsed, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (no lazy reload, which async cannot do)."""
    return async_sessionmaker(engine, expire_on_commit=False)
