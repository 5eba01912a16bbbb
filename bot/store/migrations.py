"""The store's schema, brought up to date from async code: Alembic, with ``migrations/`` found next to
the ``bot`` package (so it works from any directory, installed or editable).

    await upgrade_to_head(url)     # what `layerbot run` / `chat` do before serving: an empty or old
                                   # database → head; a newer one → DatabaseNewerError, untouched
    await downgrade(url, "base")   # layerbot db downgrade REV
    await current(url)             # the database's revision(s); () when it has no schema yet
    await check(url)               # alembic check: the models and the migrations agree

Alembic's API is synchronous (and its ``env.py`` runs its own event loop), so each command runs in a
worker thread: the caller's event loop never blocks.  Reading the current revision is plain async.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from bot.store.engine import display_url, make_engine, normalize_url, sqlite_path
from bot.store.errors import DatabaseNewerError, StoreUnavailable

__all__ = [
    "MIGRATIONS_DIR",
    "Change",
    "alembic_config",
    "check",
    "check_not_newer",
    "current",
    "downgrade",
    "head",
    "upgrade",
    "upgrade_to_head",
]

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
"""``migrations/`` beside the ``bot`` package: the repository root, or site-packages when installed."""


@dataclass(frozen=True, slots=True)
class Change:
    """A database's revisions before and after a command (``()`` = no schema)."""

    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.before != self.after


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic configuration for ``migrations/`` (no ini file needed); ``url`` travels in
    ``attributes`` so it is never %-interpolated."""
    if not (MIGRATIONS_DIR / "env.py").is_file():
        raise FileNotFoundError(f"layerbot's migrations are missing from {MIGRATIONS_DIR}; reinstall layerbot")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if url is not None:
        cfg.attributes["url"] = normalize_url(url).render_as_string(hide_password=False)
    return cfg


@functools.cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(rev.revision for rev in _script().walk_revisions())


def head() -> str:
    """The newest revision this code knows."""
    rev = _script().get_current_head()
    if rev is None:
        raise FileNotFoundError(f"{MIGRATIONS_DIR / 'versions'} holds no revision; reinstall layerbot")
    return rev


def _unavailable(url: str | URL, exc: BaseException) -> StoreUnavailable:
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    first = (str(inner).strip().splitlines() or [""])[0]
    return StoreUnavailable(f"cannot reach the database {display_url(url)} ({type(inner).__name__}: {first})")


_OUTAGE = (OperationalError, InterfaceError, OSError, TimeoutError)


def _heads(connection: Connection) -> tuple[str, ...]:
    return tuple(MigrationContext.configure(connection).get_current_heads())


async def current(url: str | URL) -> tuple[str, ...]:
    """The database's revision(s): ``()`` for an empty database (a missing SQLite file is not created)."""
    parsed = normalize_url(url)
    path = sqlite_path(parsed)
    if path is not None and not path.exists():
        return ()
    engine = make_engine(parsed, migrations=True)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_heads)
    except _OUTAGE as exc:
        raise _unavailable(url, exc) from exc
    finally:
        await engine.dispose()


async def check_not_newer(url: str | URL) -> tuple[str, ...]:
    """The database's revision(s), or :class:`DatabaseNewerError` when one is unknown to this code."""
    revisions = await current(url)
    known = await asyncio.to_thread(_known)
    if any(rev not in known for rev in revisions):
        raise DatabaseNewerError(display_url(url), revisions, await asyncio.to_thread(head))
    return revisions


async def _alembic(url: str | URL, fn: Callable[..., Any], *args: Any) -> None:
    cfg = alembic_config(url)
    try:
        await asyncio.to_thread(fn, cfg, *args)
    except _OUTAGE as exc:
        raise _unavailable(url, exc) from exc


async def upgrade(url: str | URL, revision: str = "head") -> Change:
    """Bring the database forward to ``revision`` (a no-op when it is at the head already)."""
    before = await check_not_newer(url)
    if before == (await asyncio.to_thread(head),):
        return Change(before, before)
    await _alembic(url, command.upgrade, revision)
    return Change(before, await current(url))


async def upgrade_to_head(url: str | URL) -> Change:
    """Bring an empty or old database to the newest revision; what ``layerbot run`` and ``chat`` do
    before serving.  A database newer than this code raises :class:`DatabaseNewerError`, untouched."""
    return await upgrade(url, "head")


async def downgrade(url: str | URL, revision: str) -> Change:
    """Go back to ``revision`` (``base`` drops the whole schema, and every stored query with it)."""
    before = await check_not_newer(url)
    await _alembic(url, command.downgrade, revision)
    return Change(before, await current(url))


async def check(url: str | URL) -> None:
    """``alembic check`` on an upgraded database: raises ``AutogenerateDiffsDetected`` when the
    models and the migrations disagree."""
    await _alembic(url, command.check)
