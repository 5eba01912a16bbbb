"""Running layerbot for real, as the README's "Run it in your Discord server" says, against the stand-in
Discord: ``layerbot invite`` → ``layerbot doctor`` → ``layerbot sync`` → ``layerbot run`` (child processes,
settings only from the environment), and a SIGTERM in the middle of a burst of questions."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import signal
import socket
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import discord

from bot.discord.invite import PERMISSIONS
from calc.commands import commands
from tests.discord.conftest import bounded
from tests.discord.load import answer_delay
from tests.discord.process import BotProcess, bot_env, sync
from tests.discord.test_health import free_port, get_health, get_metrics, poll_health, queries
from tests.discord_standin import InteractionRecord, StandIn

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
RESTARTING = "I am restarting right now; please ask again in a few seconds."

INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,  # a mention arrives only from a channel the bot can see, and the reply goes there
    send_messages=True,  # the reply to a mention (and "typing…")
    send_messages_in_threads=True,  # the same in a thread
    embed_links=True,  # answers are embeds
    attach_files=True,  # layers.md and params.png
    read_message_history=True,  # replying to a message (a message reference) needs it
)


def realistic_token(user_id: int) -> str:
    """A token of a real bot token's shape: base64 of the user id, a timestamp part, an HMAC part."""
    first = base64.urlsafe_b64encode(str(user_id).encode()).decode().rstrip("=")
    return f"{first}.GhJkLm.standin-hmac-part_0123456789abcdefghijk"


async def layerbot(standin: StandIn, cwd: Path, *args: str, **extra: str) -> tuple[int, str, str]:
    env = bot_env(standin, database_url=f"sqlite+aiosqlite:///{cwd / 'layerbot.db'}", **extra)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), 120)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode or 0, out.decode(), err.decode()


def test_the_invite_permissions_are_exactly_what_the_features_use() -> None:
    from bot.discord.invite import invite_url, permissions

    assert permissions() == INVITE_PERMISSIONS
    assert INVITE_PERMISSIONS.value == 274_878_024_704  # the number the README shows
    assert not INVITE_PERMISSIONS.administrator and not INVITE_PERMISSIONS.manage_messages
    assert not INVITE_PERMISSIONS.mention_everyone and not INVITE_PERMISSIONS.add_reactions
    url = invite_url(1234)
    assert url == ("https://discord.com/oauth2/authorize?client_id=1234&scope=bot+applications.commands"
                   "&permissions=274878024704")
    readme = README.read_text(encoding="utf-8")
    assert "permissions=274878024704" in readme
    section = readme.split("## Run it in your Discord server", 1)[1].split("\n## ", 1)[0]
    for flag in PERMISSIONS:  # each permission is named and justified in the README
        label = flag.replace("_", " ").title().replace("In Threads", "in Threads")
        assert re.search(rf"\| {re.escape(label)}[^|]*\|[^|]*\w", section, re.IGNORECASE), label


def test_the_readme_configuration_table_lists_every_setting() -> None:
    from bot import settings

    documented = set(re.findall(r"^\s{4}((?:LAYERBOT|DISCORD|DATABASE|LOG)_[A-Z_]+)", settings.__doc__ or "", re.M))
    table = README.read_text(encoding="utf-8").split("### Configuration", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([A-Z_]+)`", table, re.M))
    assert documented and documented == listed, (documented - listed, listed - documented)


@bounded(240)
async def test_the_readme_steps_invite_doctor_sync_run(tmp_path: Path) -> None:
    async with StandIn() as standin:
        standin.token = realistic_token(standin.application_id)
        lab = standin.add_guild("Lab")

        # 1. layerbot invite: the URL, with the application id read from Discord (here, the stand-in)
        code, out, err = await layerbot(standin, tmp_path, "invite")
        assert code == 0, err
        url = urlsplit(out.strip())
        query = parse_qs(url.query)
        assert (url.scheme, url.netloc, url.path) == ("https", "discord.com", "/oauth2/authorize")
        assert query == {"client_id": [str(standin.application_id)], "scope": ["bot applications.commands"],
                         "permissions": [str(INVITE_PERMISSIONS.value)]}
        assert standin.token not in out + err
        code, offline, _ = await layerbot(standin, tmp_path, "invite", "--application-id", "42",
                                          DISCORD_TOKEN="", LAYERBOT_DISCORD_API_BASE="http://127.0.0.1:9/api/v10")
        assert code == 0 and "client_id=42&" in offline

        # 2. layerbot doctor: every check passes against the stand-in (fresh database: one warning)
        code, out, err = await layerbot(standin, tmp_path, "doctor")
        assert code == 0, out + err
        statuses = {line.split()[1]: line.split()[0] for line in out.splitlines() if not line.startswith("layerbot")}
        assert statuses == {"settings": "ok", "token": "ok", "login": "ok", "database": "ok", "connection": "ok",
                            "migrations": "warn", "workers": "ok", "locales": "ok", "commands": "ok"}, out
        assert f"bot user id {standin.application_id}" in out and standin.token not in out + err
        assert not (tmp_path / "layerbot.db").exists()  # the doctor writes nothing

        # 3. layerbot sync: every command, with English and Chinese descriptions
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'layerbot.db'}"
        synced_out = await sync(standin, database_url)
        assert synced_out.startswith("synced ")
        registered = {(c["name"], c["type"]): c for c in standin.synced_commands[None]}
        assert {name for name, kind in registered if kind == 1} >= {spec.name for spec in commands()}
        for (name, kind), command in registered.items():
            if kind == 1:
                assert command["description"] and command["description_localizations"]["zh-CN"], name
            else:
                assert command["name_localizations"]["zh-CN"], name

        # 4. layerbot run: answers, with /healthz and /metrics on
        port = free_port()
        async with BotProcess(standin, database_url=database_url, env={"LAYERBOT_HTTP_PORT": str(port)},
                              workdir=tmp_path) as bot, aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{port}"
            recs = [await standin.send_command("dense", {"in_features": 86400, "units": 4}, guild=lab),
                    await standin.send_command("conv", {"input": "256x256x3", "filters": 32, "kernel": "3"}, guild=lab)]
            for rec in recs:
                await standin.wait_for_reply(rec, 10)
            assert recs[0].original["embeds"][0]["title"] == "Dense · 345,604 parameters"
            assert recs[1].original["embeds"][0]["title"] == "Conv2D · 896 parameters"
            await poll_health(http, base, 200)
            status, _ = await get_health(http, base)
            assert status == 200
            assert queries(await get_metrics(http, base)) == {("dense", "answered"): 1, ("conv", "answered"): 1}
            code = await bot.stop(signal.SIGTERM, timeout=10)
        assert code == 0, bot.log()
        assert standin.token not in bot.log()


def _kind(rec: InteractionRecord) -> str:
    """What the user saw: "answer" (the calculation), "restarting" (the note), or "nothing"."""
    if not rec.answered:
        return "nothing"
    first = rec.messages[0]
    if first.get("content") == RESTARTING:
        return "restarting"
    assert first["embeds"][0]["title"].startswith("Dense · "), rec.summary()
    return "answer"


@bounded(180)
async def test_sigterm_during_a_burst_answers_and_records_every_question_it_took(tmp_path: Path) -> None:
    async with StandIn() as standin:
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'layerbot.db'}"
        await sync(standin, database_url)
        env = {"PYTHONPATH": str(ROOT), "LAYERBOT_WORK": "tests.discord.paced_work:answer",  # 0.5 s an answer
               "LAYERBOT_WORKERS": "2", "LAYERBOT_RATE_BURST": "0", "LAYERBOT_GUILD_READY_TIMEOUT": "0.05",
               "LAYERBOT_LOG_FORMAT": "json"}
        standin.add_guild("Lab")
        users = [standin.add_user(f"user{i}") for i in range(12)]
        async with BotProcess(standin, database_url=database_url, env=env, workdir=tmp_path) as bot:
            burst = [await standin.send_command("dense", {"in_features": 1000 + i, "units": 4}, user=users[i])
                     for i in range(8)]
            await standin.wait_for(lambda: sum(r.answered for r in burst) >= 2, 10, what="the first answers")
            signalled = time.monotonic()
            stopping = asyncio.ensure_future(bot.stop(signal.SIGTERM, timeout=10))  # fails the test after 10 s
            await asyncio.sleep(0.3)  # the bot is finishing the burst: these arrive while it drains
            late = [await standin.send_command("dense", {"in_features": 2000 + i, "units": 4}, user=users[8 + i])
                    for i in range(3)]
            code = await stopping
            stopped = time.monotonic()
        log = bot.log()
        assert code == 0, log
        assert stopped - signalled < 10
        records = [json.loads(line) for line in log.splitlines() if line.strip()]  # every line is a JSON record
        assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
        assert any(r["message"].startswith("stopping (SIGTERM)") for r in records)
        assert "Traceback" not in log and standin.token not in log

        kinds = {rec.id: _kind(rec) for rec in burst + late}
        for rec in burst + late:  # whatever the bot acknowledged, the user got an answer or the note
            if rec.callback is not None:
                assert kinds[rec.id] != "nothing", rec.summary()
        answered = [rec for rec in burst + late if kinds[rec.id] == "answer"]
        assert all(kinds[rec.id] == "answer" for rec in burst)  # the burst was taken before the signal
        assert any(kinds[rec.id] == "restarting" for rec in late), [rec.summary() for rec in late]
        after_signal = [rec for rec in answered if rec.sent_at + answer_delay(rec) > signalled]
        assert after_signal, "no answer was in progress at the signal"  # so finishing them was tested

        with sqlite3.connect(tmp_path / "layerbot.db") as db:
            stored = sorted(row[0] for row in db.execute("SELECT input_text FROM queries"))
        expected = sorted(f"/dense in_features={rec.data['options'][0]['value']} units=4" for rec in answered)
        assert stored == expected  # every answer is recorded; the notes are not questions answered


@bounded(60)
async def test_run_with_the_http_port_taken_exits_2_with_one_line(tmp_path: Path) -> None:
    async with StandIn() as standin:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            code, out, err = await layerbot(standin, tmp_path, "run", LAYERBOT_HTTP_PORT=str(port))
    assert code == 2, err
    last = err.splitlines()[-1]
    assert last == (f"layerbot run: LAYERBOT_HTTP_PORT={port}: cannot listen on 127.0.0.1:{port} for /healthz and"
                    " /metrics (address already in use); choose a free port, or unset LAYERBOT_HTTP_PORT")
    assert "Traceback" not in err and standin.token not in out + err and standin.identifies == []
