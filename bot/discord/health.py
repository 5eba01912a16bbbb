"""Health and metrics: what probes and dashboards read while ``layerbot run`` serves (off by default).

    LAYERBOT_HTTP_PORT=8080 layerbot run       → http://127.0.0.1:8080/healthz and /metrics
    LAYERBOT_HTTP_HOST=0.0.0.0                 → reachable from outside the container (Docker)

``/healthz`` answers JSON, 200 when the bot can answer (every shard this process runs is connected,
the database answers ``SELECT 1`` within :data:`DB_PING_TIMEOUT_S`, the worker pool is running) and 503
otherwise, with ``problems`` saying which part is not.  ``/metrics`` is the Prometheus text exposition
(prometheus-client) of:

    layerbot_queries_total{command,outcome}     questions answered (outcome: answered, user_error,
                                                internal_error, restarting)
    layerbot_answer_seconds{command}            from receipt to the answer ready to send (histogram)
    layerbot_store_failures_total               answers that could not be recorded
    layerbot_store_up                           1 while the query store's last operation worked
    layerbot_workers / _busy / _queue_length    the worker pool: size, working, questions waiting
    layerbot_worker_restarts_total              workers replaced (killed after a timeout, or died)
    layerbot_gateway_connected{shard}           1 while the shard is connected (READY or RESUMED seen)
    layerbot_gateway_latency_seconds{shard}     heartbeat → acknowledgement, per shard

Every :class:`~bot.discord.app.LayerBot` owns one :class:`Metrics` with its own registry (not
prometheus-client's global one), so several bots in one process, and tests, never share counters.
The bot counts in one place (where an answer is recorded); the pool's and the gateway's gauges are read
when scraped.  Nothing here ever includes the token, the database URL or what anyone asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import os
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text

from bot.settings import SettingsError

if TYPE_CHECKING:
    from bot.discord.app import LayerBot

__all__ = ["DB_PING_TIMEOUT_S", "LATENCY_BUCKETS", "Metrics", "health_report", "health_server"]

log = logging.getLogger("bot.discord.health")

DB_PING_TIMEOUT_S = 2.0
"""How long /healthz waits for the database's ``SELECT 1``."""

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, math.inf)
"""Seconds; 3 s is Discord's deadline for acknowledging an interaction."""

OTHER = "other"
"""The command label of anything that is not one of layerbot's commands (an unknown /word someone typed
must not become a new time series)."""


@functools.cache
def _known_commands() -> frozenset[str]:
    from calc.commands import commands

    return frozenset(spec.name for spec in commands()) | {"explain"}


def command_label(command: str | None) -> str:
    return command if command in _known_commands() else OTHER


class Metrics:
    """One bot's counters and gauges, in a registry of its own (see the module docstring)."""

    def __init__(self, bot: LayerBot | None = None) -> None:
        self.registry = CollectorRegistry()
        self.queries = Counter(
            "layerbot_queries", "Questions answered, by command and outcome.", ["command", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "layerbot_answer_seconds", "Seconds from receiving a question to its answer being ready to send.",
            ["command"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.store_failures = Counter(
            "layerbot_store_failures", "Answers that went out but could not be recorded in the query store.",
            registry=self.registry,
        )
        self.gateway = GatewayWatch()
        if bot is not None:
            self.gateway.attach(bot)
            self.registry.register(_BotCollector(bot, self.gateway))

    def answered(self, command: str | None, outcome: str, seconds: float | None = None) -> None:
        """Count one answer (``seconds``: how long it took, when it was worked out)."""
        label = command_label(command)
        self.queries.labels(label, outcome).inc()
        if seconds is not None:
            self.latency.labels(label).observe(max(seconds, 0.0))

    def store_failed(self) -> None:
        self.store_failures.inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class GatewayWatch:
    """Which shards are connected: a shard is down from its disconnect until discord.py has seen READY
    or RESUMED again (the websocket being open is not enough: a RESUME may still be pending)."""

    def __init__(self) -> None:
        self.down: set[int] = set()

    def attach(self, bot: LayerBot) -> None:
        bot.add_listener(self._on_shard_disconnect, "on_shard_disconnect")
        bot.add_listener(self._on_shard_up, "on_shard_ready")
        bot.add_listener(self._on_shard_up, "on_shard_resumed")

    async def _on_shard_disconnect(self, shard_id: int) -> None:
        self.down.add(shard_id)

    async def _on_shard_up(self, shard_id: int) -> None:
        self.down.discard(shard_id)

    def shards(self, bot: LayerBot) -> dict[int, tuple[bool, float | None]]:
        """shard id → (connected, latency in seconds or None before the first heartbeat)."""
        expected: list[int] = list(bot.shard_ids or [])
        if not expected and bot.shard_count:
            expected = list(range(bot.shard_count))
        found: dict[int, tuple[bool, float | None]] = {}
        for shard_id in sorted(set(expected) | set(bot.shards)):
            shard = bot.shards.get(shard_id)
            if shard is None:
                found[shard_id] = (False, None)
                continue
            latency = shard.latency
            connected = bot.is_ready() and not bot.is_closed() and not shard.is_closed() and shard_id not in self.down
            found[shard_id] = (connected, latency if math.isfinite(latency) else None)
        return found


class _BotCollector(Collector):
    """The gauges read from the bot when scraped: worker pool, query store, gateway."""

    def __init__(self, bot: LayerBot, gateway: GatewayWatch) -> None:
        self.bot = bot
        self.gateway = gateway

    def describe(self) -> list[Metric]:
        return []  # read at scrape time; nothing to check names against at registration

    def collect(self) -> Iterator[Metric]:
        pool = self.bot.pool
        yield GaugeMetricFamily("layerbot_workers", "Calculation worker processes configured.", value=pool.size)
        yield GaugeMetricFamily("layerbot_workers_busy", "Workers answering a question now.", value=pool.busy)
        yield GaugeMetricFamily("layerbot_worker_queue_length", "Questions waiting for a free worker.",
                                value=pool.queued)
        yield CounterMetricFamily("layerbot_worker_restarts", "Workers replaced after a timeout or a crash.",
                                  value=pool.restarts)
        store = self.bot.store
        if store is not None:
            yield GaugeMetricFamily("layerbot_store_up", "1 while the query store's last operation worked.",
                                    value=1 if store.health.ok else 0)
        connected = GaugeMetricFamily("layerbot_gateway_connected", "1 while the shard is connected to the gateway.",
                                      labels=["shard"])
        latency = GaugeMetricFamily("layerbot_gateway_latency_seconds",
                                    "Gateway heartbeat latency per shard (absent before the first heartbeat).",
                                    labels=["shard"])
        for shard_id, (up, seconds) in self.gateway.shards(self.bot).items():
            connected.add_metric([str(shard_id)], 1 if up else 0)
            if seconds is not None:
                latency.add_metric([str(shard_id)], seconds)
        yield connected
        yield latency


# --------------------------------------------------------------------------------------------
# /healthz


def _first_line(exc: BaseException) -> str:
    inner = getattr(exc, "orig", None) or exc
    line = (str(inner).strip().splitlines() or [""])[0][:200]
    return f"{type(inner).__name__}: {line}" if line else type(inner).__name__


async def _database(bot: LayerBot) -> dict[str, Any]:
    store = bot.store
    if store is None:
        return {"reachable": False, "error": "no query store"}
    try:
        async with asyncio.timeout(DB_PING_TIMEOUT_S), store.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure is an unreachable database, reported
        return {"reachable": False, "error": _first_line(exc) if not isinstance(exc, TimeoutError)
                else f"no answer within {DB_PING_TIMEOUT_S:g} s"}
    return {"reachable": True, "error": None, "store_ok": store.health.ok, "store_failures": store.health.failures}


async def health_report(bot: LayerBot) -> tuple[bool, dict[str, Any]]:
    """(healthy, the JSON document /healthz answers)."""
    problems: list[str] = []
    if bot.is_closed():
        problems.append("stopping")
    elif not bot.is_ready():
        problems.append("not connected to Discord yet")
    shards = {}
    for shard_id, (up, seconds) in bot.metrics.gateway.shards(bot).items():
        shards[str(shard_id)] = {"connected": up, "latency_ms": None if seconds is None else round(seconds * 1000, 1)}
        if not up:
            problems.append(f"shard {shard_id} is not connected to the gateway")
    if not shards and "stopping" not in problems:
        problems.append("no gateway shard started yet")
    database = await _database(bot)
    if not database["reachable"]:
        problems.append("the database does not answer")
    pool = bot.pool
    workers = {"size": pool.size, "running": pool.running, "busy": pool.busy, "queued": pool.queued,
               "restarts": pool.restarts, "completed": pool.completed}
    if not pool.running:
        problems.append("the calculation workers are not running")
    healthy = not problems
    return healthy, {
        "status": "ok" if healthy else "unhealthy",
        "problems": problems,
        "shards": shards,
        "database": database,
        "workers": workers,
    }


# --------------------------------------------------------------------------------------------
# The server


@contextlib.asynccontextmanager
async def health_server(bot: LayerBot, host: str, port: int | None) -> AsyncIterator[None]:
    """Serve /healthz and /metrics on ``host:port`` while inside; nothing when ``port`` is None.
    An address that cannot be listened on raises :class:`~bot.settings.SettingsError` (a setting to change)."""
    if port is None:
        yield
        return

    async def healthz(request: web.Request) -> web.Response:
        healthy, document = await health_report(bot)
        return web.json_response(document, status=200 if healthy else 503,
                                 headers={"Cache-Control": "no-store"})

    async def metrics(request: web.Request) -> web.Response:
        body = bot.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            raise SettingsError(
                f"LAYERBOT_HTTP_PORT={port}: cannot listen on {host}:{port} for /healthz and /metrics "
                f"({os.strerror(exc.errno).lower() if exc.errno else exc}); choose a free port, or unset"
                " LAYERBOT_HTTP_PORT"
            ) from None
        log.info("health and metrics on http://%s:%d (/healthz, /metrics)", host, port)
        yield
    finally:
        await runner.cleanup()
