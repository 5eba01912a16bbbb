"""Starting and stopping: ``layerbot run`` / ``sync`` / ``chat`` as a person runs them (subprocesses),
configured only through the environment, against the stand-in Discord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.discord.bot_commands import BOT_COMMANDS
from bot.discord.launcher import sync_commands
from bot.store.models import Source
from bot.store.repo import Store
from calc.commands import commands
from tests.discord.conftest import bounded, make_settings, seed_summary
from tests.discord_standin import StandIn

ROOT = Path(__file__).resolve().parents[2]
BAD_TOKEN = "not-the-bot-token-4f9c"  # noqa: S105 - a wrong token on purpose


def environment(tmp_path: Path, standin: StandIn | None = None, **extra: str) -> dict[str, str]:
    """A clean environment: no DISCORD_* or LAYERBOT_* from the caller, the repository importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "LAYERBOT_", "DATABASE_URL"))}
    env["PYTHONPATH"] = str(ROOT)
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'layerbot.db'}"
    env["LAYERBOT_GUILD_READY_TIMEOUT"] = "0.05"
    if standin is not None:
        env["LAYERBOT_DISCORD_API_BASE"] = standin.urls.api
        env["LAYERBOT_DISCORD_GATEWAY"] = standin.urls.gateway
    env.update(extra)
    return env


async def layerbot(
    *args: str, env: Mapping[str, str], cwd: Path, stdin: bytes | None = None, timeout: float = 60.0
) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=cwd, env=dict(env),
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), timeout)
    finally:
        if process.returncode is None:  # timed out, or the test was cancelled: never leave it running
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@bounded(60)
async def test_run_without_a_token_exits_2_with_one_line(tmp_path: Path) -> None:
    code, out, err = await layerbot("run", env=environment(tmp_path), cwd=tmp_path)
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert line.startswith("layerbot run: DISCORD_TOKEN is not set;") and ".env" in line
    assert not (tmp_path / "layerbot.db").exists()  # nothing was started


@bounded(60)
async def test_run_with_a_token_discord_refuses_says_so_clearly(tmp_path: Path, standin: StandIn) -> None:
    env = environment(tmp_path, standin, DISCORD_TOKEN=BAD_TOKEN)
    code, out, err = await layerbot("run", env=env, cwd=tmp_path)
    assert code == 2, err
    last = err.splitlines()[-1]
    assert last.startswith("layerbot run:") and "refused DISCORD_TOKEN" in last and "401" in last
    assert BAD_TOKEN not in out + err and "Traceback" not in err
    assert standin.identifies == []  # refused at login, before any gateway connection


@bounded(60)
async def test_run_refuses_a_database_newer_than_itself(tmp_path: Path, standin: StandIn) -> None:
    with sqlite3.connect(tmp_path / "layerbot.db") as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        db.execute("INSERT INTO alembic_version VALUES ('f00dfacef00d')")
    code, _, err = await layerbot("run", env=environment(tmp_path, standin, DISCORD_TOKEN=standin.token), cwd=tmp_path)
    assert code == 1
    last = err.splitlines()[-1]
    assert "f00dfacef00d" in last and "newer layerbot" in last and standin.token not in err


@bounded(120)
async def test_sync_then_run_answers_and_stops_cleanly_on_sigterm(tmp_path: Path, standin: StandIn) -> None:
    lab = standin.add_guild("Lab")
    env = environment(tmp_path, standin, DISCORD_TOKEN=standin.token, LAYERBOT_DEV_GUILD=str(lab.id))
    code, out, err = await layerbot("sync", env=env, cwd=tmp_path)
    assert code == 0, err
    count = len(commands()) + len(BOT_COMMANDS) + 1  # calc's, the bot's own, the context menu
    assert out.startswith(f"synced {count} commands to guild {lab.id}:") and "/dense" in out
    assert set(standin.synced_commands) == {lab.id}  # the development guild only, nothing global

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await standin.wait_connected(timeout=90)
        rec = await standin.wait_for_reply(await standin.send_command("dense", {"in_features": 86400, "units": 4},
                                                                      guild=lab), 10)
        assert rec.original["embeds"][0]["title"] == "Dense · 345,604 parameters"
        process.send_signal(signal.SIGTERM)
        _, err_b = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = err_b.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log and standin.token not in log
    assert "calculation workers ready" in log and "stopping" in log
    store = Store.open(env["DATABASE_URL"])
    try:
        (entry,) = await store.history(standin.user.id, 5)
        assert entry.command == "dense" and entry.source is Source.DISCORD
    finally:
        await store.close()


@bounded(60)
async def test_sync_registers_every_command_with_english_and_chinese_descriptions(
    tmp_path: Path, standin: StandIn
) -> None:
    result = await sync_commands(make_settings(standin, tmp_path))
    assert result.guild_id is None
    synced = {(c["name"], c["type"]): c for c in standin.synced_commands[None]}
    own = {c.name for c in BOT_COMMANDS}  # /history, /forget, /stats
    assert {name for name, kind in synced if kind == 1} == {spec.name for spec in commands()} | own
    menu = synced[("Explain summary", 3)]
    assert menu["name_localizations"]["zh-CN"] == "解释模型摘要"
    for (name, kind), command in synced.items():
        if kind != 1:
            continue
        assert command["description"] and command["description_localizations"]["zh-CN"], name
        assert command["description"] != command["description_localizations"]["zh-CN"], name
        for option in command.get("options", []):
            assert option["description_localizations"]["zh-CN"], f"/{name} {option['name']}"
    dense = synced[("dense", 1)]
    assert dense["description_localizations"]["zh-CN"].startswith("全连接层的参数")

    lab = standin.add_guild("Lab")
    in_lab = await sync_commands(make_settings(standin, tmp_path), guild_id=lab.id)
    assert len(in_lab.commands) == len(synced) and len(standin.synced_commands[lab.id]) == len(synced)
    cleared = await sync_commands(make_settings(standin, tmp_path), guild_id=lab.id, clear=True)
    assert cleared.commands == () and standin.synced_commands[lab.id] == []
    assert len(standin.synced_commands[None]) == len(synced)  # the global ones stay


@bounded(60)
async def test_chat_answers_commands_and_pasted_summaries_without_a_network(tmp_path: Path) -> None:
    env = environment(tmp_path, LAYERBOT_DISCORD_API_BASE="http://127.0.0.1:9/api/v10")  # nothing listens there
    typed = f"/dense 86400 4\n\n{seed_summary()}\n\n/explain dense512\n/nonsense\n/quit\n/dense 1 1\n"
    code, out, err = await layerbot("chat", env=env, cwd=tmp_path, stdin=typed.encode())
    assert code == 0, err
    assert "Dense: 86,400 × 4 + 4 = 345,604 parameters" in out
    assert "420,388" in out and "dense_2" in out  # the whole summary was read, totals included
    assert "Unknown command /nonsense" in out
    assert "= 1 + 1" not in out  # nothing after /quit
    store = Store.open(env["DATABASE_URL"])
    try:
        entries = await store.history(None, 10)
        assert [e.source for e in entries] == [Source.TERMINAL] * 4
        assert entries[-1].command == "dense" and entries[-2].headline.total_params == 420_388
    finally:
        await store.close()


@bounded(60)
async def test_chat_in_a_terminal_has_line_editing_and_history(tmp_path: Path) -> None:
    """A real terminal (a pty): the prompt, readline's history (↑ brings the last command back), and
    a pasted summary answered after its blank line; Ctrl-D leaves."""
    import pty

    master, slave = pty.openpty()
    env = environment(tmp_path, LAYERBOT_DATA_DIR=str(tmp_path), TERM="xterm")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "chat", "--no-store", cwd=tmp_path, env=env,
        stdin=slave, stdout=slave, stderr=slave,
    )
    os.close(slave)
    loop = asyncio.get_running_loop()
    seen = bytearray()

    async def until(text: str, count: int = 1) -> None:
        async def read() -> None:
            while seen.decode(errors="replace").count(text) < count:
                seen.extend(await loop.run_in_executor(None, os.read, master, 65536))

        try:
            await asyncio.wait_for(read(), 30)
        except TimeoutError:
            raise AssertionError(f"waited for {text!r} x{count}; the terminal shows {bytes(seen)!r}") from None

    def type_(text: str) -> None:
        os.write(master, text.encode())

    try:
        await until("layerbot> ")
        type_("/dense 86400 4\r")
        await until("345,604 parameters")
        await until("layerbot> ", 2)
        type_("\x1b[A\r")  # ↑ then Enter: the same command again, from readline's history
        await until("345,604 parameters", 2)
        await until("layerbot> ", 3)  # typed before readline reads, keys would meet the terminal's cooked mode
        type_("\x04")  # Ctrl-D
        await asyncio.wait_for(process.wait(), 30)
        with contextlib.suppress(OSError):  # the rest of the output, if any is left
            seen.extend(os.read(master, 65536))
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        os.close(master)
    assert process.returncode == 0, seen.decode(errors="replace")
    assert (tmp_path / ".layerbot_history").read_text().splitlines()[-1] == "/dense 86400 4"
