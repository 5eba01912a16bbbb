"""/healthz and /metrics (bot.discord.health) on the bot started by its launcher against the stand-in:
healthy when connected, 503 while the gateway is down until it has resumed, metrics that count exactly
what was asked; and close() turning new questions away while it finishes the ones in progress."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.discord.health import Metrics
from tests.discord.conftest import Launch, bounded, stored_count, wait_stored
from tests.discord_standin import StandIn

EPHEMERAL = 1 << 6
PACED_WORK = "tests.discord.paced_work:answer"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def get_health(http: aiohttp.ClientSession, base: str) -> tuple[int, dict[str, Any]]:
    async with http.get(f"{base}/healthz") as response:
        return response.status, await response.json()


async def poll_health(http: aiohttp.ClientSession, base: str, want: int, timeout: float = 10.0) -> dict[str, Any]:
    """/healthz until it answers ``want`` (every 20 ms, at most ``timeout`` seconds)."""
    seen: list[tuple[int, dict[str, Any]]] = []
    try:
        async with asyncio.timeout(timeout):
            while True:
                status, document = await get_health(http, base)
                seen.append((status, document))
                if status == want:
                    return document
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"/healthz never answered {want} within {timeout} s; last: {seen[-1:]}") from None


def samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text exposition: (name, sorted labels) → value."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
    }


async def get_metrics(http: aiohttp.ClientSession, base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with http.get(f"{base}/metrics") as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
        return samples(await response.text())


def queries(found: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> dict[tuple[str, str], float]:
    return {
        (dict(labels)["command"], dict(labels)["outcome"]): value
        for (name, labels), value in found.items()
        if name == "layerbot_queries_total"
    }


def hold_resumes(standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> tuple[asyncio.Event, asyncio.Event]:
    """Make the stand-in wait before answering a RESUME: (resume asked, let it through).  Without this the
    bot may resume before a probe sees it down."""
    asked, release = asyncio.Event(), asyncio.Event()
    original: Callable[..., Any] = standin._resume

    async def held(conn: Any, d: dict[str, Any]) -> None:
        asked.set()
        await release.wait()
        await original(conn, d)

    monkeypatch.setattr(standin, "_resume", held)
    return asked, release


@bounded(60)
async def test_healthz_is_503_while_the_gateway_is_down_and_200_after_resume(
    launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    async with launch(http_port=port) as r, aiohttp.ClientSession() as http:
        base = f"http://127.0.0.1:{port}"
        r.standin.add_guild()
        document = await poll_health(http, base, 200)
        assert document["status"] == "ok" and document["problems"] == []
        assert list(document["shards"]) == ["0"] and document["shards"]["0"]["connected"] is True
        assert document["database"]["reachable"] is True
        assert document["workers"]["running"] is True and document["workers"]["size"] == 2

        asked, release = hold_resumes(r.standin, monkeypatch)
        try:
            assert await r.standin.drop_gateway() == 1  # the TCP connection dies, no close frame
            down = await poll_health(http, base, 503)
            assert down["status"] == "unhealthy" and down["shards"]["0"]["connected"] is False
            assert "shard 0 is not connected to the gateway" in down["problems"]
            assert down["database"]["reachable"] is True  # only the gateway is down
            assert (await get_metrics(http, base))[("layerbot_gateway_connected", (("shard", "0"),))] == 0
            await asyncio.wait_for(asyncio.shield(asked.wait()), 10)  # reconnected, RESUME sent, not yet answered
            status, still = await get_health(http, base)
            assert status == 503, still  # an open socket is not enough: RESUMED has not come
        finally:
            release.set()
        up = await poll_health(http, base, 200)
        assert up["shards"]["0"]["connected"] is True and r.standin.resume_count == 1
        assert (await get_metrics(http, base))[("layerbot_gateway_connected", (("shard", "0"),))] == 1


@bounded(60)
async def test_metrics_count_the_interactions_sent(launch: Launch) -> None:
    port = free_port()
    async with launch(http_port=port, rate_burst=0) as r, aiohttp.ClientSession() as http:
        base = f"http://127.0.0.1:{port}"
        r.standin.add_guild()
        before = await get_metrics(http, base)
        assert queries(before) == {}
        asked = [("dense", {"in_features": 1000 + i, "units": 4}) for i in range(5)]
        asked += [("conv", {"input": "256x256x3", "filters": 32, "kernel": "3"})] * 2
        asked += [("explain", {"text": "this is not a model at all"})]  # a user error, answered as such
        recs = [await r.standin.send_command(name, options) for name, options in asked]
        for rec in recs:
            await r.standin.wait_for_reply(rec, 10)
        found = await get_metrics(http, base)
        assert queries(found) == {("dense", "answered"): 5, ("conv", "answered"): 2, ("explain", "user_error"): 1}
        for command, count in (("dense", 5), ("conv", 2), ("explain", 1)):
            assert found[("layerbot_answer_seconds_count", (("command", command),))] == count
        assert found[("layerbot_answer_seconds_bucket", (("command", "dense"), ("le", "+Inf")))] == 5
        assert found[("layerbot_workers", ())] == 2 and found[("layerbot_worker_queue_length", ())] == 0
        assert found[("layerbot_workers_busy", ())] == 0 and found[("layerbot_worker_restarts_total", ())] == 0
        assert found[("layerbot_store_up", ())] == 1 and found[("layerbot_store_failures_total", ())] == 0
        await wait_stored(r.store, len(asked))


def test_each_bot_has_its_own_registry() -> None:
    one, two = Metrics(), Metrics()  # the same metric names twice: no "Duplicated timeseries" error
    one.answered("dense", "answered", 0.1)
    one.answered("no-such-command", "user_error", 0.1)  # what someone typed never becomes a label
    found = samples(one.exposition().decode())
    assert queries(found) == {("dense", "answered"): 1, ("other", "user_error"): 1}
    assert queries(samples(two.exposition().decode())) == {}


@bounded(60)
async def test_while_closing_new_questions_get_a_restarting_note_and_those_in_progress_are_answered(
    launch: Launch,
) -> None:
    async with launch(work=PACED_WORK, defer_after=0.2) as r:
        r.standin.add_guild()
        in_progress = await r.standin.send_command("dense", {"in_features": 86400, "units": 4})
        await r.standin.wait_for(lambda: r.bot.pool.busy == 1, 5, what="the answer to be in progress")
        closing = asyncio.ensure_future(r.bot.close())
        await asyncio.sleep(0)
        assert r.bot.closing
        late = await r.standin.wait_for_reply(await r.standin.send_command("conv", {"input": "8x8x1", "filters": 1,
                                                                                      "kernel": "3"}), 5)
        assert late.original["content"] == "I am restarting right now; please ask again in a few seconds."
        assert late.original["flags"] & EPHEMERAL
        done = await r.standin.wait_for_reply(in_progress, 10)
        assert done.messages[0]["embeds"][0]["title"] == "Dense · 345,604 parameters"
        await asyncio.wait_for(closing, 10)
        assert await stored_count(r.store) == 1  # the answer; the note is not a question answered
        assert queries(samples(r.bot.metrics.exposition().decode())) == {
            ("dense", "answered"): 1, ("conv", "restarting"): 1,
        }
