"""Test-side helpers: point discord.py at a stand-in, run a client against it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import discord
import discord.gateway
import discord.http
import yarl

from .server import StandIn, StandInError

ClientT = TypeVar("ClientT", bound=discord.Client)


class Pointing:
    """Undo handle returned by :func:`point_discord_at` (call it, or use it as a context manager)."""

    def __init__(self, api: str, gateway: yarl.URL) -> None:
        self._saved = (api, gateway)

    def restore(self) -> None:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved

    __call__ = restore

    def __enter__(self) -> Pointing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()


def point_discord_at(standin: StandIn) -> Pointing:
    """Make discord.py talk to the stand-in instead of discord.com (process-wide; restore afterwards).

    These are the only two URLs discord.py uses for the bot API and the gateway:
    ``discord.http.Route.BASE`` (a str, read when each Route is built) and
    ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (a yarl.URL; discord.py appends
    ``?v=10&encoding=json&compress=zlib-stream`` itself). After READY, a client resumes at READY's
    ``resume_gateway_url``, which the stand-in also serves.
    """
    pointing = Pointing(discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    discord.http.Route.BASE = standin.urls.api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(standin.urls.gateway)
    return pointing


def skip_identify_delay(client: discord.Client) -> None:
    """discord.py sleeps 5 s before every IDENTIFY but the first (``Client.before_identify_hook``): a
    re-IDENTIFY after INVALID_SESSION, and each further shard of an AutoShardedClient. Tests skip it
    by replacing the hook on this instance only."""

    async def no_delay(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    client.before_identify_hook = no_delay  # type: ignore[method-assign]


@contextlib.asynccontextmanager
async def running(
    client: ClientT,
    standin: StandIn,
    *,
    timeout: float = 10.0,
    wait: str = "ready",
    identify_delay: bool = False,
) -> AsyncIterator[ClientT]:
    """Log ``client`` in to the stand-in, connect it in the background, and close it cleanly afterwards.

    ``wait="ready"`` waits for on_ready (which discord.py delays ``guild_ready_timeout`` seconds, 2 by default,
    after the last GUILD_CREATE: pass ``guild_ready_timeout=0.1`` to the client in tests); ``wait="connected"``
    only waits until the stand-in has written READY and the GUILD_CREATEs (events sent after that are
    processed after them); ``wait="none"`` returns once connect() is running.
    Unless ``identify_delay``, discord.py's 5 s pause before each later IDENTIFY is skipped (see
    :func:`skip_identify_delay`).
    """
    if not identify_delay:
        skip_identify_delay(client)
    connect: asyncio.Task[Any] | None = None
    sessions_before = set(standin.sessions)
    try:
        await asyncio.wait_for(client.login(standin.token), timeout)
        connect = asyncio.get_running_loop().create_task(client.connect(), name="standin-client-connect")
        if wait == "ready":
            waiter: asyncio.Future[Any] = asyncio.ensure_future(client.wait_until_ready())
        elif wait == "connected":
            shards = _shard_ids(client)

            async def connected() -> None:
                await standin.wait_for(
                    lambda: len([
                        s for sid, s in standin.sessions.items()
                        if sid not in sessions_before and s.ready.is_set()
                    ]) >= len(shards),
                    timeout,
                    what="the client's gateway sessions",
                )

            waiter = asyncio.ensure_future(connected())
        else:
            waiter = asyncio.ensure_future(asyncio.sleep(0))
        done, _ = await asyncio.wait({connect, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            with contextlib.suppress(asyncio.CancelledError, StandInError):
                await waiter
            if connect in done:
                connect.result()  # raise what stopped it
                raise StandInError("the client stopped before it was ready")
            raise StandInError(f"the client was not ready within {timeout}s")
        waiter.result()
        yield client
    finally:
        await asyncio.wait_for(client.close(), timeout)
        try:
            if connect is not None:
                try:
                    await asyncio.wait_for(connect, timeout)
                except discord.ConnectionClosed as exc:
                    if exc.code not in (1000, 4000):
                        raise
        finally:
            # Let the stand-in see this client's sockets close, so assertions after the block are stable
            ours = set(standin.sessions) - sessions_before
            await standin.wait_for(
                lambda: not any(c.session is not None and c.session.session_id in ours for c in standin.connections),
                timeout,
                what="the client's gateway connections to close",
            )


def _shard_ids(client: discord.Client) -> list[int]:
    if isinstance(client, discord.AutoShardedClient):
        return list(client.shard_ids or range(client.shard_count or 1))
    return [client.shard_id or 0]
