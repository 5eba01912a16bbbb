"""Nothing a user was answered may be lost: ``layerbot run`` is SIGKILLed in the middle of a burst, started
again, and every interaction whose reply reached Discord must be in the store.

    python -m bench.durability [--engine sqlite|postgresql|both] [--count 200] [--kill-at 0.5] [--after 10]
                               [--postgres-url URL] [--json FILE] [--logs DIR]

For each engine: a stand-in Discord in this process, ``layerbot run`` as a child (tests/discord/process.py)
on a database of its own (a fresh SQLite file, or a PostgreSQL database created for the run and dropped
afterwards), then

1. a burst of ``--count`` questions, delivered as fast as the gateway takes them: slash commands
   (/dense, /conv, /rnn, … with varied numbers), one in ten an /explain of a pasted layer list and one in
   ten a pasted model in a message that mentions the bot — each from a user of its own, so the rate limit
   never answers instead and every stored row names its interaction by ``user_id``;
2. once ``--kill-at`` of them have been answered, SIGKILL (no shutdown, no flush: as the out-of-memory
   killer or a pulled plug would);
3. ``layerbot run`` again on the same database (migrations at start find it up to date), and ``--after``
   new questions, which must all be answered and recorded;
4. the store read directly: for every question, was its reply seen (it reached the stand-in) and is it
   stored (a row with its user, its guild and its command)?

It prints, per engine: questions sent; answered before the kill (the reply reached the stand-in before
the bot was dead); answered in all; recorded; **answered but missing** — the number that must be 0;
recorded but never answered (the bot died between the commit and the send: the store knows of a reply
nobody saw, which is harmless); never answered; and the questions after the restart, answered/recorded.
Exit status 1 when any answered question is missing from the store or the restarted bot failed one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.discord.databases import ENGINES, StoredRow, fresh_database, stored_rows
from tests.discord.process import BotProcess, sync
from tests.discord_standin import FakeGuild, FakeUser, InteractionRecord, StandIn

PASTES = (
    "32x32x3 conv16k3 conv16k3 pool2 flatten dense{u} dense10",
    "784 dense{u} relu dense10 softmax",
    "28x28x1 conv8k3 pool2 conv16k3 pool2 flatten dense{u} dense10",
)
WAIT_S = 60.0
SENT_BEFORE_RECORD = "to record an answer; answering first"  # bot.discord.app, when the store is slow
STORE_FAILED = ("query store unavailable during record", "query store failed unexpectedly during record")


def question(i: int) -> tuple[str, str, dict[str, Any]]:
    """The i-th question: (how it is asked — "slash" or "mention", the command, its options or text)."""
    u = 4 + i % 509
    kind = i % 10
    if kind == 9:
        return "mention", "explain", {"text": PASTES[(i // 10) % len(PASTES)].format(u=u)}
    if kind == 4:
        return "slash", "explain", {"text": PASTES[(i // 10 + 1) % len(PASTES)].format(u=u)}
    if kind in (0, 1, 2):
        return "slash", "dense", {"in_features": 1000 + 37 * i, "units": u}
    if kind == 3:
        return "slash", "conv", {"input": f"{32 + i % 200}x{32 + i % 200}x3", "filters": u, "kernel": 3}
    if kind == 5:
        return "slash", "pool", {"input": f"{64 + i % 300}x{64 + i % 300}x16"}
    if kind == 6:
        return "slash", "rnn", {"kind": ("lstm", "gru", "simplernn")[i % 3], "units": u, "input_features": 16 + i % 100}
    if kind == 7:
        return "slash", "embedding", {"vocab": 1000 + i, "dim": 8 + i % 300}
    return "slash", "attention", {"heads": 1 + i % 16, "key_dim": 64, "d_model": 512}


@dataclass(eq=False)
class Asked:
    """One question and where its answer would show up."""

    user: FakeUser
    command: str
    interaction: InteractionRecord | None = None  # a slash command
    message_id: int | None = None  # a mention: the bot replies to this message

    def answered_at(self, replies: dict[int, float]) -> float | None:
        """When the first message the user can read reached the stand-in (None: never)."""
        if self.interaction is not None:
            rec = self.interaction
            if not rec.answered:
                return None
            visible = [s.at for s in rec.followups + rec.edits]
            if rec.callback is not None and rec.callback_type not in (5, 6):
                visible.append(rec.callback.at)
            return min(visible)
        assert self.message_id is not None
        return replies.get(self.message_id)


def _replies(standin: StandIn) -> dict[int, float]:
    """Message id → when the bot's first reply to it reached the stand-in."""
    found: dict[int, float] = {}
    for sent in standin.sent_messages:
        ref = sent.reference_id
        if ref is not None and ref not in found:
            found[ref] = sent.at
    return found


async def ask(standin: StandIn, guild: FakeGuild, i: int, prefix: str) -> Asked:
    how, command, options = question(i)
    user = standin.add_user(f"{prefix}{i}")
    if how == "mention":
        message = await standin.send_message(options["text"], guild=guild, author=user, mention_bot=True)
        return Asked(user, command, message_id=int(message["id"]))
    rec = await standin.send_command(command, options, guild=guild, user=user)
    return Asked(user, command, interaction=rec)


@dataclass
class Result:
    engine: str
    sent: int
    answered_before_kill: int
    answered: int
    recorded: int
    answered_but_missing: int
    recorded_not_answered: int
    never_answered: int
    wrong_rows: int  # a row for a question's user whose guild or command is not that question's
    after_restart: int
    after_answered: int
    after_recorded: int
    sent_before_record: int  # answers the bot sent before their record committed (the store was too slow)
    store_failures: int  # the store's warnings that it could not save
    kill_after_s: float  # from the first delivery to the SIGKILL
    restart_s: float  # from the SIGKILL to the new process's READY
    missing_examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.answered_but_missing == 0 and self.wrong_rows == 0
                and self.after_answered == self.after_recorded == self.after_restart)


class _CutByTheKill(logging.Filter):
    """The stand-in's web server logs, at ERROR, a request the bot was in the middle of sending when it was
    killed (the connection reset under it): expected here, and nothing else is hidden."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionResetError))


def _matches(row: StoredRow, asked: Asked, guild: FakeGuild) -> bool:
    return row.guild_id == guild.id and row.command == asked.command


async def run_engine(
    engine: str, count: int, kill_at: float, after: int, *, postgres_url: str | None = None,
    env: dict[str, str] | None = None, logs: str | Path | None = None,
) -> Result:
    """One engine: burst, SIGKILL, restart, count (see the module docstring).  ``logs``: a directory to keep
    the two bot processes' logs in (``<engine>-first/first.log``, ``<engine>-second/second.log``)."""
    settings = {"LAYERBOT_GUILD_READY_TIMEOUT": "0.1", **(env or {})}

    def workdir(name: str) -> Path | None:
        if logs is None:
            return None
        path = Path(logs) / f"{engine}-{name}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    server_log = logging.getLogger("aiohttp.server")
    cut = _CutByTheKill()
    server_log.addFilter(cut)
    try:
        return await _run_engine(engine, count, kill_at, after, postgres_url, settings, workdir)
    finally:
        server_log.removeFilter(cut)


async def _run_engine(
    engine: str, count: int, kill_at: float, after: int, postgres_url: str | None, settings: dict[str, str],
    workdir: Callable[[str], Path | None],
) -> Result:
    with tempfile.TemporaryDirectory(prefix="layerbot-durability-") as tmp:
        async with fresh_database(engine, tmp, postgres_url=postgres_url) as url, StandIn() as standin:
            guild = standin.add_guild("Durability")
            await sync(standin, url)
            threshold = max(1, round(count * kill_at))
            asked: list[Asked] = []

            def answered_now() -> int:
                replies = _replies(standin)
                return sum(1 for a in asked if a.answered_at(replies) is not None)

            async with BotProcess(standin, database_url=url, env=settings, name="first", workdir=workdir("first")) as first:
                started = time.monotonic()

                async def deliver() -> None:
                    for i in range(count):
                        asked.append(await ask(standin, guild, i, "asker"))

                delivery = asyncio.create_task(deliver())
                try:
                    await standin.wait_for(lambda: answered_now() >= threshold, WAIT_S,
                                           what=f"{threshold} answers before the kill")
                    await first.kill()
                    killed_at = time.monotonic()
                    first_log = first.log()
                    await delivery  # the rest go to the dead bot's gateway session: nobody answers them
                finally:
                    delivery.cancel()
            replies = _replies(standin)
            before_kill = sum(1 for a in asked if (t := a.answered_at(replies)) is not None and t <= killed_at)

            async with BotProcess(standin, database_url=url, env=settings, name="second",
                                  workdir=workdir("second")) as second:
                restart_s = second.gateway_ready_at - second.started_at
                later = [await ask(standin, guild, count + i, "later") for i in range(after)]
                await standin.wait_for(lambda: all(a.answered_at(_replies(standin)) is not None for a in later),
                                       WAIT_S, what=f"answers to the {after} questions after the restart")
                bot_logs = first_log + second.log()
            rows = await stored_rows(url)

    by_user: dict[int | None, list[StoredRow]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    replies = _replies(standin)
    answered = [a for a in asked if a.answered_at(replies) is not None]
    stored = [a for a in asked if by_user.get(a.user.id)]
    missing = [a for a in answered if not by_user.get(a.user.id)]
    wrong = [a for a in asked + later for row in by_user.get(a.user.id, []) if not _matches(row, a, guild)]
    return Result(
        engine=engine,
        sent=len(asked),
        answered_before_kill=before_kill,
        answered=len(answered),
        recorded=len(stored),
        answered_but_missing=len(missing),
        recorded_not_answered=sum(1 for a in stored if a.answered_at(replies) is None),
        never_answered=len(asked) - len(answered),
        wrong_rows=len(wrong),
        after_restart=len(later),
        after_answered=sum(1 for a in later if a.answered_at(replies) is not None),
        after_recorded=sum(1 for a in later if by_user.get(a.user.id)),
        sent_before_record=bot_logs.count(SENT_BEFORE_RECORD),
        store_failures=sum(bot_logs.count(line) for line in STORE_FAILED),
        kill_after_s=killed_at - started,
        restart_s=restart_s,
        missing_examples=[f"/{a.command} by {a.user.username} ({a.user.id})" for a in missing[:5]],
    )


def render(results: Sequence[Result], count: int, kill_at: float) -> list[str]:
    out = [
        f"durability: {count} questions per engine (slash commands, /explain pastes, pasted models in mentions; one"
        f" user each), SIGKILL once {kill_at:.0%} were answered, restart, read the store",
    ]
    header = ["engine", "sent", "answered before kill", "answered", "recorded", "answered-but-missing",
              "recorded-not-answered", "never answered", "after restart", "kill at", "restart"]
    rows = [
        [r.engine, str(r.sent), str(r.answered_before_kill), str(r.answered), str(r.recorded),
         str(r.answered_but_missing), str(r.recorded_not_answered), str(r.never_answered),
         f"{r.after_answered}/{r.after_restart} answered, {r.after_recorded} recorded",
         f"{r.kill_after_s:.2f} s", f"{r.restart_s:.2f} s"]
        for r in results
    ]
    widths = [max(len(h), *(len(row[k]) for row in rows)) for k, h in enumerate(header)]
    out.append("  " + "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    out += ["  " + "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    out.append("  answered-but-missing must be 0: a reply reached Discord, so its question must be in the store")
    for r in results:
        if r.answered_but_missing:
            out.append(f"  ✗ {r.engine}: {r.answered_but_missing} answered but not stored, e.g. {r.missing_examples}")
        if r.wrong_rows:
            out.append(f"  ✗ {r.engine}: {r.wrong_rows} stored rows name another guild or command than their question")
        if r.sent_before_record or r.store_failures:
            out.append(f"  {r.engine}: {r.sent_before_record} answers went out before their record (store slower than"
                       f" the answer may wait), {r.store_failures} store warnings about records (see --logs)")
        if r.after_answered != r.after_restart or r.after_recorded != r.after_restart:
            out.append(f"  ✗ {r.engine}: after the restart {r.after_answered}/{r.after_restart} answered,"
                       f" {r.after_recorded} recorded")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.durability", description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=(*ENGINES, "both"), default="both")
    parser.add_argument("--count", type=int, default=200, help="questions in the burst (default 200)")
    parser.add_argument("--kill-at", type=float, default=0.5,
                        help="SIGKILL once this share of the burst was answered (default 0.5)")
    parser.add_argument("--after", type=int, default=10, help="questions after the restart (default 10)")
    parser.add_argument("--postgres-url", default=None,
                        help="a PostgreSQL server to create the run's database on (default LAYERBOT_TEST_POSTGRES_URL,"
                             " else postgresql+asyncpg://postgres@127.0.0.1:5432/test)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--logs", metavar="DIR", help="keep the bot processes' logs in DIR")
    ns = parser.parse_args(argv)
    if ns.count < 2 or not 0 < ns.kill_at < 1:
        parser.error("--count must be at least 2 and --kill-at between 0 and 1")
    engines = ENGINES if ns.engine == "both" else (ns.engine,)
    results = [
        asyncio.run(run_engine(engine, ns.count, ns.kill_at, ns.after, postgres_url=ns.postgres_url, logs=ns.logs))
        for engine in engines
    ]
    print("\n".join(render(results, ns.count, ns.kill_at)))
    if ns.json:
        with open(ns.json, "w", encoding="utf-8") as fh:
            json.dump([asdict(r) for r in results], fh, indent=2)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
