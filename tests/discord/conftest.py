"""Fixtures for the Discord end-to-end tests: a stand-in Discord on 127.0.0.1 and layerbot started by
its own launcher code (:func:`bot.discord.launcher.open_bot`), configured only through
:class:`~bot.settings.Settings` — the stand-in's URLs are the only thing that differs from production.

    async def test_x(launch: Launch) -> None:
        async with launch() as bot:                    # store on a tmp SQLite file, 2 workers, synced
            rec = await bot.standin.send_command("dense", {"in_features": 86400, "units": 4})
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401

from bot.discord.app import LayerBot
from bot.discord.launcher import open_bot, sync_commands
from bot.settings import Settings
from bot.store.repo import Store
from tests.discord_standin import StandIn, running

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

TEST_TIMEOUT = 30.0
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SLOW_WORK = "tests.discord.slow_work:answer"


def bounded(seconds: float = TEST_TIMEOUT) -> Callable[[F], F]:
    """Fail a test instead of hanging: the whole body runs under asyncio.timeout."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            async with asyncio.timeout(seconds):
                return await fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


@pytest.fixture
async def standin() -> AsyncIterator[StandIn]:
    s = StandIn(heartbeat_interval=0.5)
    await s.start()
    try:
        yield s
    finally:
        await s.stop()
    assert not s.connections, "a gateway connection outlived the test"


@dataclass
class ExpectedErrors:
    """Log records at ERROR a test provokes on purpose (matched by substring of the message)."""

    patterns: list[str]

    def expect(self, pattern: str) -> None:
        self.patterns.append(pattern)


@pytest.fixture(autouse=True)
def no_logged_errors(caplog: pytest.LogCaptureFixture) -> Iterator[ExpectedErrors]:
    """discord.py logs (rather than raises) errors in handlers and views, and layerbot logs its own
    unexpected errors: any ERROR record a test did not expect fails it."""
    caplog.set_level(logging.INFO)
    expected = ExpectedErrors([])
    yield expected
    records = caplog.get_records("call") + caplog.get_records("teardown")
    errors = [r for r in records if r.levelno >= logging.ERROR]
    unexpected = [r for r in errors if not any(p in r.getMessage() for p in expected.patterns)]
    assert not unexpected, "\n".join(f"{r.name}: {r.getMessage()}\n{r.exc_text or ''}" for r in unexpected)
    for pattern in expected.patterns:
        assert any(pattern in r.getMessage() for r in errors), f"expected an ERROR log matching {pattern!r}"


def make_settings(standin: StandIn, tmp_path: Path, **changes: Any) -> Settings:
    base = Settings.from_env(
        {
            "DISCORD_TOKEN": standin.token,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'layerbot.db'}",
            "LAYERBOT_DISCORD_API_BASE": standin.urls.api,
            "LAYERBOT_DISCORD_GATEWAY": standin.urls.gateway,
            "LAYERBOT_GUILD_READY_TIMEOUT": "0.05",
            "LAYERBOT_WORKERS": "2",
            "LAYERBOT_WORK_TIMEOUT": "5",
        },
        env_file=None,
    )
    return replace(base, **changes)


@dataclass
class Running:
    bot: LayerBot
    standin: StandIn
    settings: Settings

    @property
    def store(self) -> Store:
        assert self.bot.store is not None
        return self.bot.store


Launch = Callable[..., contextlib.AbstractAsyncContextManager[Running]]


@pytest.fixture
def launch(standin: StandIn, tmp_path: Path) -> Launch:
    """``async with launch(**settings_changes) as r``: layerbot, synced and connected to the stand-in."""

    @contextlib.asynccontextmanager
    async def launched(*, sync: bool = True, **changes: Any) -> AsyncIterator[Running]:
        settings = make_settings(standin, tmp_path, **changes)
        if sync:
            await sync_commands(settings)
        before = asyncio.all_tasks()
        async with open_bot(settings) as bot, running(bot, standin, timeout=20.0):
            yield Running(bot, standin, settings)
        await asyncio.sleep(0)  # let finished tasks leave the set
        left = [t for t in asyncio.all_tasks() - before if not t.done() and not _is_standins(t, standin)]
        assert not left, f"tasks left running after the bot closed: {left}"

    return launched


def _is_standins(task: asyncio.Task[Any], standin: StandIn) -> bool:
    return task in standin._tasks or "aiohttp" in repr(task.get_coro()) or "web_protocol" in repr(task.get_coro())


def seed_summary() -> str:
    return (FIXTURES / "seed_summary.txt").read_text(encoding="utf-8")


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0, *, what: str = "a condition") -> None:
    """Wait until the async ``check()`` is true (polled every 20 ms)."""
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.02)


async def stored_count(store: Store) -> int:
    """How many queries the store holds (today's, which in a test is all of them)."""
    return (await store.stats(None, 1)).queries


async def wait_stored(store: Store, count: int, timeout: float = 5.0) -> None:
    async def enough() -> bool:
        return await stored_count(store) >= count

    try:
        await eventually(enough, timeout)
    except TimeoutError:
        raise AssertionError(f"expected {count} stored queries, found {await stored_count(store)}") from None
