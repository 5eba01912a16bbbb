"""layerbot as its users run it — ``layerbot run`` in a child process — against a stand-in Discord in this
process: for the benchmarks in bench/ and the tests that need a real process (signals, SIGKILL, shards).

    async with StandIn() as standin:
        await sync(standin, database_url)                     # `layerbot sync`, as the README says
        async with BotProcess(standin, database_url=url) as bot:   # spawned; returns once it answers
            # several at once, one per shard: BotProcess(..., env={"LAYERBOT_SHARD_COUNT": "2",
            # "LAYERBOT_SHARD_IDS": "1"}); bot.sessions are the stand-in's sessions of this process
            rec = await standin.send_command("dense", {"in_features": 86400, "units": 4})
            bot.rss_bytes(), bot.pss_bytes()                  # memory of the bot and its workers
        # leaving the block: SIGTERM and wait (bot.kill() for SIGKILL)

The child gets its settings only through the environment (the two stand-in URLs, DISCORD_TOKEN, DATABASE_URL,
and what the caller adds) and runs in a scratch directory, so no ``.env`` file of the checkout leaks in.
Its stdout and stderr go to a log file (``bot.log_path``), shown when something fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType

from tests.discord_standin import GatewaySession, StandIn

__all__ = ["BotProcess", "BotProcessError", "bot_env", "sync"]

READY_LINE = "connected as"
"""What the bot logs in on_ready (bot.discord.app.LayerBot.on_ready)."""


class BotProcessError(AssertionError):
    pass


def bot_env(standin: StandIn, *, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a bot pointed at ``standin``: the inherited one without layerbot's or
    Discord's settings, plus the stand-in's URLs, its token, the database and ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LAYERBOT_", "DISCORD_")) and k not in ("DATABASE_URL", "LOG_LEVEL")
    }
    env.update(
        {
            "DISCORD_TOKEN": standin.token,
            "DATABASE_URL": database_url,
            "LAYERBOT_DISCORD_API_BASE": standin.urls.api,
            "LAYERBOT_DISCORD_GATEWAY": standin.urls.gateway,
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


async def _run_cli(args: list[str], env: Mapping[str, str], cwd: str, timeout: float) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, env=dict(env), cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise BotProcessError(f"layerbot {' '.join(args)} did not finish within {timeout} s") from None
    return proc.returncode or 0, out.decode("utf-8", "replace")


async def sync(standin: StandIn, database_url: str, *, timeout: float = 60.0, **extra: str) -> str:
    """``layerbot sync`` in a child process (the commands must be registered before the stand-in delivers them)."""
    with tempfile.TemporaryDirectory(prefix="layerbot-sync-") as cwd:
        code, out = await _run_cli(["sync"], bot_env(standin, database_url=database_url, **extra), cwd, timeout)
    if code != 0:
        raise BotProcessError(f"layerbot sync exited {code}:\n{out}")
    return out


class BotProcess:
    """``layerbot run`` in a child process.  :attr:`started_at`, :attr:`gateway_ready_at` and :attr:`ready_at`
    are ``time.perf_counter()`` values of the spawn, of the stand-in sending READY, and of the bot's on_ready."""

    def __init__(
        self,
        standin: StandIn,
        *,
        database_url: str,
        env: Mapping[str, str] | None = None,
        workdir: str | Path | None = None,
        ready_timeout: float = 60.0,
        name: str = "bot",
        wait_ready: bool = True,
    ) -> None:
        self.standin = standin
        self.env = bot_env(standin, database_url=database_url, **dict(env or {}))
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix=f"layerbot-{name}-")
            workdir = self._tmp.name
        self.workdir = Path(workdir)
        self.log_path = self.workdir / f"{name}.log"
        self.ready_timeout = ready_timeout
        self.name = name
        self.proc: asyncio.subprocess.Process | None = None
        self.wait_ready = wait_ready
        self._sessions_before: set[str] = set()
        self.started_at = 0.0
        self.gateway_ready_at = 0.0
        self.ready_at = 0.0
        self.returncode: int | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> BotProcess:
        """Spawn, and return once the stand-in has sent READY (and, with ``wait_ready``, once the bot has
        logged on_ready, which discord.py delays by LAYERBOT_GUILD_READY_TIMEOUT after the last guild)."""
        log = self.log_path.open("wb")
        self._sessions_before = set(self.standin.sessions)
        self.started_at = time.perf_counter()
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", env=self.env, cwd=self.workdir, stdout=log, stderr=log,
            )
        finally:
            log.close()
        await self._wait(self._gateway_ready, "connected")
        self.gateway_ready_at = time.perf_counter()
        if self.wait_ready:
            await self._wait(lambda: READY_LINE in self.log(), "ready")
            self.ready_at = time.perf_counter()
        return self

    @property
    def shard_ids(self) -> frozenset[int] | None:
        """The shards this process runs (LAYERBOT_SHARD_IDS), or None when it runs them all."""
        raw = self.env.get("LAYERBOT_SHARD_IDS", "").strip()
        return frozenset(int(part) for part in re.split(r"[\s,]+", raw) if part) if raw else None

    @property
    def sessions(self) -> list[GatewaySession]:
        """The stand-in's gateway sessions this process opened: new since it was spawned and, when it runs
        only some shards, on those (so that several processes started together tell theirs apart)."""
        shards = self.shard_ids
        return [
            session for sid, session in self.standin.sessions.items()
            if sid not in self._sessions_before and (shards is None or session.shard_id in shards)
        ]

    def _gateway_ready(self) -> bool:
        ready = {s.shard_id for s in self.sessions if s.ready.is_set()}
        shards = self.shard_ids
        return bool(ready) if shards is None else shards <= ready

    async def _wait(self, check: Callable[[], bool], what: str) -> None:
        assert self.proc is not None
        deadline = self.started_at + self.ready_timeout
        while not check():
            if self.proc.returncode is not None:
                raise BotProcessError(f"{self.name} exited {self.proc.returncode} before it was {what}:\n{self.log()}")
            if time.perf_counter() > deadline:
                raise BotProcessError(f"{self.name} was not {what} within {self.ready_timeout} s:\n{self.log()}")
            await asyncio.sleep(0.005)

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise BotProcessError("not started")
        return self.proc.pid

    @property
    def startup_seconds(self) -> float:
        """From the spawn to the gateway's READY (the stand-in sent it: from then on interactions reach the bot)."""
        return self.gateway_ready_at - self.started_at

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Send ``sig`` and wait for the exit status (SIGKILL after ``timeout``)."""
        if self.proc is None:
            return 0
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(sig)
        try:
            self.returncode = await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            self.returncode = await self.proc.wait()
            raise BotProcessError(f"{self.name} did not exit within {timeout} s of signal {sig}:\n{self.log()}") from None
        return self.returncode

    async def kill(self) -> int:
        """SIGKILL, as an out-of-memory killer or a pulled plug would.  Its worker processes notice their
        parent is gone and exit on their own (their pipe closes)."""
        return await self.stop(signal.SIGKILL)

    async def __aenter__(self) -> BotProcess:
        try:
            return await self.start()
        except BaseException:
            await self.stop(signal.SIGKILL)
            self.close()
            raise

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        try:
            await self.stop()
        finally:
            self.close()

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # ------------------------------------------------------------------ what it did

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def _family(self) -> list[int]:
        """The bot's pid and its descendants' (the worker processes and the fork server)."""
        pids = [self.pid]
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
        i = 0
        while i < len(pids):
            pids.extend(children.get(pids[i], []))
            i += 1
        return pids

    @staticmethod
    def _status_kib(pid: int, field: str, file: str = "status") -> int:
        try:
            for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def rss_bytes(self) -> int:
        """Resident memory of the bot's own process (the event loop, discord.py, the store)."""
        return self._status_kib(self.pid, "VmRSS") * 1024

    def pss_bytes(self) -> int:
        """Proportional set size of the bot and all its worker processes: shared pages counted once, so
        this is what the whole bot costs the machine (RSS summed would count the forked pages repeatedly)."""
        return sum(self._status_kib(pid, "Pss", "smaps_rollup") for pid in self._family()) * 1024
