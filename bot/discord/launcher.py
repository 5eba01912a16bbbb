"""The launcher: it owns the resources and hands them to the bot (RoboDanny's shape).

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format, secrets=[settings.discord_token])
    await serve(settings)          # what `layerbot run` does, until SIGTERM / Ctrl-C

    async with open_bot(settings) as bot:      # the same resources, for a caller that drives the bot
        await bot.start(settings.discord_token)

:func:`open_bot` points discord.py at ``LAYERBOT_DISCORD_API_BASE`` / ``LAYERBOT_DISCORD_GATEWAY`` when
they are set (the only difference between production and the end-to-end tests), upgrades the database
to head (refusing a database newer than this code), starts the worker processes, and closes all of it
in reverse order; with ``LAYERBOT_HTTP_PORT`` it also serves /healthz and /metrics (bot.discord.health)
while the bot exists.  Command sync is deliberate (:func:`sync_commands`, ``layerbot sync``), never a side
effect of starting.  The token is only ever handed to discord.py; nothing here logs or prints it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands

from bot.discord.app import LayerBot
from bot.discord.health import health_server
from bot.discord.worker import WorkerPool
from bot.logs import configure_logging
from bot.settings import Settings
from bot.store.repo import Store, open_store

__all__ = ["MissingToken", "SyncResult", "configure_logging", "open_bot", "point_discord", "serve", "sync_commands"]

log = logging.getLogger("bot.discord.launcher")

PURGE_EVERY_S = 24 * 3600


class MissingToken(Exception):
    """DISCORD_TOKEN is not set."""


@contextlib.contextmanager
def point_discord(settings: Settings) -> Iterator[None]:
    """Use another REST base URL and gateway while inside (process-wide: discord.py reads them from
    class attributes); unchanged when the settings leave them unset."""
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base
    if settings.discord_gateway:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway)
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


def make_pool(settings: Settings) -> WorkerPool:
    return WorkerPool(settings.work, workers=settings.workers, timeout=settings.work_timeout)


async def _purge_forever(store: Store, days: int) -> None:
    """Retention: queries older than ``days`` are deleted at start-up and once a day."""
    while True:
        try:
            deleted = await store.purge(datetime.now(UTC) - timedelta(days=days))
            if deleted:
                log.info("purged %d queries older than %d days", deleted, days)
        except Exception as exc:  # noqa: BLE001 - retention must never stop the bot
            log.warning("could not purge old queries (%s)", exc)
        await asyncio.sleep(PURGE_EVERY_S)


@contextlib.asynccontextmanager
async def open_bot(
    settings: Settings, *, pool: WorkerPool | None = None, start_workers: bool = True
) -> AsyncIterator[LayerBot]:
    """The bot with its resources: pointed at the configured Discord, the store at head, the workers up
    (``start_workers=False``: the caller starts them with ``await bot.pool.start()``)."""
    with point_discord(settings):
        store = await open_store(settings.database_url, pool_size=settings.db_pool_size)
        purge: asyncio.Task[None] | None = None
        try:
            if settings.retention_days:
                purge = asyncio.get_running_loop().create_task(
                    _purge_forever(store, settings.retention_days), name="layerbot-retention"
                )
            workers = pool or make_pool(settings)
            try:
                if start_workers:
                    await workers.start()
                async with (
                    LayerBot(settings, store, workers) as bot,
                    health_server(bot, settings.http_host, settings.http_port),
                ):
                    yield bot
            finally:
                await workers.close()
        finally:
            if purge is not None:
                purge.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await purge
            await store.close()


async def serve(settings: Settings) -> None:
    """Run the bot until it is stopped (SIGTERM or SIGINT: a clean close).  In order: the database (to
    head), the token (login), the worker processes, the gateway."""
    token = settings.discord_token
    if not token:
        raise MissingToken("DISCORD_TOKEN is not set")
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    received: list[str] = []

    def on_signal(sig: signal.Signals) -> None:
        received.append(sig.name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, on_signal, sig)
    try:
        async with open_bot(settings, start_workers=False) as bot:
            await bot.login(token)  # a refused token fails here, before any worker starts
            # The workers warm up while the gateway connects: a question that arrives first waits in the
            # pool's queue for the first free worker (start-up to READY is not the workers' start-up).
            starting = loop.create_task(bot.pool.start(), name="layerbot-workers")
            running = loop.create_task(bot.connect(), name="layerbot-discord")
            stopping = loop.create_task(stop.wait(), name="layerbot-stop")
            watched = {running, stopping, starting}
            while True:
                done, _ = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
                if starting in done:
                    watched.discard(starting)
                    if starting.exception() is not None:
                        log.error("the calculation workers could not start; stopping")
                        break
                    continue
                break
            stopping.cancel()
            if running in done:
                starting.cancel()
                running.result()  # LoginFailure, PrivilegedIntentsRequired ...: the caller says what
                return
            log.info("stopping (%s): finishing the answers in progress, then closing the Discord connection",
                     received[0] if received else "the workers failed")
            await bot.close()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            if starting.done() and not starting.cancelled():
                starting.result()  # a worker that could not start: the caller says what
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)


@dataclass(frozen=True)
class SyncResult:
    guild_id: int | None  # None: global
    commands: tuple[app_commands.AppCommand, ...]


async def sync_commands(settings: Settings, *, guild_id: int | None = None, clear: bool = False) -> SyncResult:
    """Register the bot's commands with Discord: globally, or in one guild (instant; for development).
    ``clear`` removes the guild's (or the global) commands instead."""
    token = settings.discord_token
    if not token:
        raise MissingToken("DISCORD_TOKEN is not set")
    with point_discord(settings):
        pool = make_pool(settings)  # never started: syncing answers nothing
        try:
            async with LayerBot(settings, None, pool) as bot:
                await bot.login(token)  # runs setup_hook: the cogs are loaded, the translator set
                guild = discord.Object(guild_id) if guild_id is not None else None
                if clear:
                    bot.tree.clear_commands(guild=guild)
                elif guild is not None:
                    bot.tree.copy_global_to(guild=guild)
                synced = await bot.tree.sync(guild=guild)
                return SyncResult(guild_id, tuple(synced))
        finally:
            await pool.close()
