"""The bot under load, as Discord would see it: ``layerbot run`` in its own process, a stand-in Discord in
this one, and a burst of slash commands spread evenly over one second.

    python -m bench.discord_load [--count 200 500] [--window 1.0] [--database URL] [--json FILE]

For each burst size it prints, from the stand-in's clock (the moment it wrote the INTERACTION_CREATE to
the gateway → the moment the bot's HTTP request reached it):

- **ack**: the interaction's first response (the answer itself, or "thinking…").  Discord drops an
  interaction that has no response after 3 s: "missed 3 s" counts those.
- **answer**: the first message the user can read (the response, or the first follow-up after
  "thinking…").  The issue's "answered within 3 s" is this one.
- p50 / p99 / max of both, how many were answered at all, and the bot's memory: its own RSS, and the
  proportional set size (PSS) of the bot and its worker processes together, idle and at the peak of
  the burst (sampled every 50 ms).

and once per run: start-up, from spawning ``layerbot run`` to the gateway's READY (from then on
interactions reach the bot).  The bot starts on a fresh SQLite file (migrated on start, as a new user's
would be), with its default settings; each interaction comes from a user of its own, so the per-user rate
limit does not turn answers into notices.

The mix is what people ask: the calculators (/dense, /conv, /pool, /rnn, /embedding, /attention) with
varied numbers, and one in ten an /explain of a short layer list (a pasted model: parse, derive, a
chart) — every reply is checked to hold a derived number, not an error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import _percentile, _table
from tests.discord.load import answer_delay
from tests.discord.process import BotProcess, sync
from tests.discord_standin import InteractionRecord, StandIn

DEADLINE_S = 3.0
TARGET_STARTUP_S = 2.0
TARGET_IDLE_RSS_MIB = 150.0

PASTES = (
    "32x32x3 conv16k3 conv16k3 pool2 flatten dense{u} dense10",
    "784 dense{u} relu dense10 softmax",
    "28x28x1 conv8k3 pool2 conv16k3 pool2 flatten dense{u} dense10",
)


def question(i: int) -> tuple[str, dict[str, Any]]:
    """The i-th question of a burst: varied, so no two are the same."""
    u = 4 + i % 509
    kind = i % 10
    if kind == 9:
        return "explain", {"text": PASTES[(i // 10) % len(PASTES)].format(u=u)}
    if kind in (0, 1, 2, 3):
        return "dense", {"in_features": 1000 + 37 * i, "units": u}
    if kind == 4:
        return "conv", {"input": f"{32 + i % 200}x{32 + i % 200}x3", "filters": u, "kernel": 3}
    if kind == 5:
        return "pool", {"input": f"{64 + i % 300}x{64 + i % 300}x16"}
    if kind == 6:
        return "rnn", {"kind": ("lstm", "gru", "simplernn")[i % 3], "units": u, "input_features": 16 + i % 100}
    if kind == 7:
        return "embedding", {"vocab": 1000 + i, "dim": 8 + i % 300}
    return "attention", {"heads": 1 + i % 16, "key_dim": 64, "d_model": 512}


@dataclass
class Percentiles:
    p50: float
    p99: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Percentiles:
        if not seconds:
            return cls(math.nan, math.nan, math.nan)
        return cls(_percentile(seconds, 50), _percentile(seconds, 99), max(seconds))


@dataclass
class Burst:
    count: int
    window_s: float
    sent_over_s: float  # first to last delivery, as the stand-in wrote them
    acknowledged: int
    answered: int
    ack: Percentiles
    answer: Percentiles
    missed_window: int  # no response within 3 s
    answered_late: int  # the readable answer later than 3 s
    deferred: int  # answered through "thinking…"
    not_numbers: int  # replies without a derived number (errors, refusals)
    rss_peak_mib: float
    pss_peak_mib: float


@dataclass
class Result:
    startup_s: float
    startup_ready_s: float
    rss_idle_mib: float
    pss_idle_mib: float
    workers: int
    bursts: list[Burst] = field(default_factory=list)


def _mib(n: int) -> float:
    return n / 2**20


def _has_number(rec: InteractionRecord) -> bool:
    """Is the reply an answer about parameters (a count, or "no parameters"), rather than an error or a notice?"""
    messages = [m.data for m in [rec.callback, *rec.followups, *rec.edits] if m is not None and m.data]
    text = json.dumps(messages, ensure_ascii=False)
    return any(word in text for word in ("parameters", "params", "参数"))


async def _sample_memory(bot: BotProcess, peaks: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peaks[0] = max(peaks[0], bot.rss_bytes())
        peaks[1] = max(peaks[1], bot.pss_bytes())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.05)


async def burst(standin: StandIn, bot: BotProcess, count: int, window: float, offset: int, guild: Any) -> Burst:
    users = [standin.add_user(f"asker{offset + i}") for i in range(count)]
    peaks = [0, 0]
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample_memory(bot, peaks, stop))
    start = time.perf_counter()

    async def one(i: int) -> InteractionRecord:
        delay = start + i * window / count - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        name, options = question(offset + i)
        return await standin.send_command(name, options, user=users[i], guild=guild)

    sent = await asyncio.gather(*(one(i) for i in range(count)))
    results = await asyncio.gather(
        *(standin.wait_for_reply(rec, 30.0) for rec in sent), return_exceptions=True
    )
    stop.set()
    await sampler
    recs = [r for r in results if isinstance(r, InteractionRecord)]
    acks = [r.callback.at - r.sent_at for r in recs if r.callback is not None]
    answers: list[float] = []
    for r in recs:
        with contextlib.suppress(AssertionError):
            answers.append(answer_delay(r))
    deliveries = [r.sent_at for r in sent]
    return Burst(
        count=count,
        window_s=window,
        sent_over_s=max(deliveries) - min(deliveries),
        acknowledged=len(acks),
        answered=len(answers),
        ack=Percentiles.of(acks),
        answer=Percentiles.of(answers),
        missed_window=count - sum(1 for a in acks if a <= DEADLINE_S),
        answered_late=count - sum(1 for a in answers if a <= DEADLINE_S),
        deferred=sum(1 for r in recs if r.callback_type == 5),
        not_numbers=sum(1 for r in recs if not _has_number(r)),
        rss_peak_mib=_mib(peaks[0]),
        pss_peak_mib=_mib(peaks[1]),
    )


async def run(counts: Sequence[int], window: float, database: str | None, env: Mapping[str, str]) -> Result:
    with tempfile.TemporaryDirectory(prefix="layerbot-bench-") as tmp:
        url = database or f"sqlite+aiosqlite:///{Path(tmp) / 'layerbot.db'}"
        async with StandIn() as standin:
            guild = standin.add_guild("Bench")
            await sync(standin, url)
            settings = dict(env)
            async with BotProcess(standin, database_url=url, env=settings, name="bench") as bot:
                await asyncio.sleep(2.0)  # idle: start-up garbage settled, workers warm
                result = Result(
                    startup_s=bot.startup_seconds,
                    startup_ready_s=bot.ready_at - bot.started_at,
                    rss_idle_mib=_mib(bot.rss_bytes()),
                    pss_idle_mib=_mib(bot.pss_bytes()),
                    workers=int(settings.get("LAYERBOT_WORKERS", "2")),
                )
                offset = 0
                for count in counts:
                    result.bursts.append(await burst(standin, bot, count, window, offset, guild))
                    offset += count
                    await asyncio.sleep(1.0)
        return result


def _s(x: float) -> str:
    return f"{x * 1000:,.0f} ms" if not math.isnan(x) else "—"


def render(result: Result) -> list[str]:
    out = [
        f"Discord: `layerbot run` in its own process ({result.workers} workers, SQLite) against the stand-in;"
        " each burst spread evenly over its window, one user per interaction",
        f"  start-up: spawn → READY {result.startup_s:.2f} s (→ on_ready {result.startup_ready_s:.2f} s, which"
        " discord.py delays by the guild-ready timeout)",
        f"  memory idle: bot process RSS {result.rss_idle_mib:.0f} MiB; bot + workers PSS {result.pss_idle_mib:.0f} MiB",
    ]
    header = ["burst", "sent over", "answered", "ack p50", "ack p99", "ack max", "answer p50", "answer p99",
              "answer max", "> 3 s (ack/answer)", "deferred", "RSS peak", "PSS peak"]
    rows = [
        [
            f"{b.count} in {b.window_s:g} s",
            f"{b.sent_over_s:.2f} s",
            f"{b.answered}/{b.count}",
            _s(b.ack.p50), _s(b.ack.p99), _s(b.ack.max),
            _s(b.answer.p50), _s(b.answer.p99), _s(b.answer.max),
            f"{b.missed_window}/{b.answered_late}",
            str(b.deferred),
            f"{b.rss_peak_mib:.0f} MiB",
            f"{b.pss_peak_mib:.0f} MiB",
        ]
        for b in result.bursts
    ]
    out += ["  " + line for line in _table(header, rows, right=set(range(len(header))))]
    out.append("  ack: the interaction's first response (answer or \"thinking…\"); answer: the first message the"
               " user can read; times from the stand-in writing the event to the bot's request reaching it")
    for b in result.bursts:
        if b.not_numbers:
            out.append(f"  ✗ {b.not_numbers} of {b.count} replies in the {b.count} burst hold no derived number")
    return out


def targets(result: Result) -> list[tuple[str, bool]]:
    found = [
        (f"start-up to READY {result.startup_s:.2f} s (≤ {TARGET_STARTUP_S:g} s)", result.startup_s <= TARGET_STARTUP_S),
        (f"idle RSS of the bot process {result.rss_idle_mib:.0f} MiB (≤ {TARGET_IDLE_RSS_MIB:g} MiB;"
         f" with its workers, PSS {result.pss_idle_mib:.0f} MiB)", result.rss_idle_mib <= TARGET_IDLE_RSS_MIB),
    ]
    for b in result.bursts:
        found.append(
            (f"{b.count} interactions in {b.window_s:g} s: {b.answered}/{b.count} answered, {b.answered_late} later than"
             f" {DEADLINE_S:g} s (answer p99 {_s(b.answer.p99)}, max {_s(b.answer.max)})",
             b.answered == b.count and b.answered_late == 0 and b.not_numbers == 0)
        )
    return found


def document(result: Result) -> dict[str, Any]:
    return {**asdict(result), "targets": [{"what": w, "ok": ok} for w, ok in targets(result)]}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.discord_load", description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, nargs="+", default=[200, 500], help="burst sizes (default 200 500)")
    p.add_argument("--window", type=float, default=1.0, help="seconds each burst is spread over (default 1)")
    p.add_argument("--database", default=None, help="DATABASE_URL for the bot (default: a fresh SQLite file)")
    p.add_argument("--workers", type=int, default=None, help="LAYERBOT_WORKERS (default: the bot's default)")
    p.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if any(c < 1 or c > 5000 for c in args.count) or not 0 < args.window <= 60:
        print("counts must be 1–5000 and the window 0–60 s", file=sys.stderr)
        return 2
    env = {"LAYERBOT_WORKERS": str(args.workers)} if args.workers else {}
    result = asyncio.run(run(args.count, args.window, args.database, env))
    for line in render(result):
        print(line)
    print("targets")
    for what, ok in targets(result):
        print(f"  {'✓' if ok else '✗'} {what}")
    if args.json is not None:
        args.json.write_text(json.dumps(document(result), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
