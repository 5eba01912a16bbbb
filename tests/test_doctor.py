"""layerbot doctor: each misconfiguration is one line saying what to fix, and a failure is exit status 1.

The cases that need no Discord run ``layerbot doctor --offline`` as a user would (a child process in a
scratch directory, settings only from the environment).  The healthy run against the stand-in Discord
is in tests/discord/test_operations.py.
"""

from __future__ import annotations

import asyncio
import base64
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.doctor import command_payload_problems, message_problems, token_form
from bot.store.migrations import downgrade, head, upgrade_to_head

ROOT = Path(__file__).resolve().parents[1]
GOOD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhJkLm.a-made-up-token-part_0123456789abcdefgh"  # noqa: S105 - not a real token
UNREACHABLE_PG = "postgresql+asyncpg://postgres@127.0.0.1:9/test"  # nothing listens on port 9


def test_token_form() -> None:
    check, bot_id = token_form(GOOD_TOKEN)
    assert check.status == "ok" and bot_id == 123456789012345678
    assert f"({len(GOOD_TOKEN)} characters)" in check.detail and GOOD_TOKEN not in check.detail

    missing, _ = token_form(None)
    assert missing.status == "fail" and "DISCORD_TOKEN is not set" in missing.detail and "Reset Token" in missing.detail
    for bad in ("mfa.abcdefghijklmnop", "abc def.ghi.jkl", "a..b", f"'{GOOD_TOKEN}'", GOOD_TOKEN + ".x"):
        check, bot_id = token_form(bad)
        assert check.status == "fail" and "is not a bot token" in check.detail and bot_id is None, bad
        assert bad not in check.detail
    prefixed, _ = token_form(f"Bot {GOOD_TOKEN}")
    assert prefixed.status == "fail" and "without that word" in prefixed.detail and GOOD_TOKEN not in prefixed.detail
    not_an_id = base64.urlsafe_b64encode(b"client-secret").decode().rstrip("=") + ".abc.def"
    odd, bot_id = token_form(not_an_id)
    assert odd.status == "warn" and "does not encode a user id" in odd.detail and bot_id is None


def test_message_tables_need_both_languages_with_the_same_arguments() -> None:
    assert message_problems({"a": {"en": "{n} layers", "zh": "{n} 层"}}) == []
    problems = message_problems({
        "x": {"en": "wait {seconds} s", "zh": "请等待 {second} 秒"},
        "y": {"en": "hello", "zh": " "},
    })
    assert problems == ["x: English takes ['seconds'], Chinese ['second']", "y: no Chinese text"]


def test_command_payloads_within_discords_limits() -> None:
    good = {
        "name": "dense", "type": 1, "description": "A Dense layer", "description_localizations": {"zh-CN": "全连接层"},
        "options": [{"name": "units", "type": 4, "description": "units", "description_localizations": {"zh-CN": "单元"}}],
    }
    assert command_payload_problems(good) == []
    bad = {
        "name": "Dense", "type": 1, "description": "d" * 101, "description_localizations": {"zh-CN": "长" * 101},
        "options": [{"name": "units", "type": 3, "description": "no Chinese",
                     "choices": [{"name": "c" * 101, "value": "c"}]}],
    }
    problems = command_payload_problems(bad)
    assert "/Dense: the name must be 1–32 lowercase letters, digits, - or _" in problems
    assert "/Dense: description has 101 characters (Discord allows 100)" in problems
    assert "/Dense: description in zh-CN has 101 characters (Discord allows 1–100)" in problems
    assert "/Dense units: description has no Chinese (zh-CN)" in problems
    assert any(p.startswith("/Dense units choice") for p in problems)
    menu = {"name": "Explain summary", "type": 3, "name_localizations": {"zh-CN": "解释模型摘要"}}
    assert command_payload_problems(menu) == []


# --------------------------------------------------------------------------------------------
# The command, as a user runs it


def _env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "LAYERBOT_", "DATABASE_URL"))}
    env["PYTHONPATH"] = str(ROOT)
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'layerbot.db'}"
    env.update(settings)
    return env


async def doctor(tmp_path: Path, *args: str, **settings: str) -> tuple[int, dict[str, str], str]:
    """Exit status, {check name: its line}, and everything printed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "doctor", *args, cwd=tmp_path, env=_env(tmp_path, **settings),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), 120)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = out.decode()
    lines = {line.split()[1]: line for line in text.splitlines() if line.split()[:1] in (["ok"], ["warn"], ["fail"], ["skip"])}
    return process.returncode or 0, lines, text + err.decode()


async def test_a_missing_token_fails_with_where_to_get_one(tmp_path: Path) -> None:
    code, lines, _ = await doctor(tmp_path, "--offline")
    assert code == 1
    assert lines["token"].startswith("fail  token       DISCORD_TOKEN is not set;") and "Reset Token" in lines["token"]
    assert lines["login"].startswith("skip")
    assert lines["workers"].startswith("ok") and "345,604" in lines["workers"]  # the rest is still checked
    assert lines["locales"].startswith("ok") and lines["commands"].startswith("ok")


async def test_a_malformed_token_fails_and_is_never_printed(tmp_path: Path) -> None:
    token = "mfa.not-a-bot-token-but-a-secret-all-the-same"  # noqa: S105
    code, lines, everything = await doctor(tmp_path, DISCORD_TOKEN=token)  # online: the login is skipped anyway
    assert code == 1
    assert lines["token"].startswith("fail") and "is not a bot token" in lines["token"]
    assert f"({len(token)} characters)" in lines["token"] and "Reset Token" in lines["token"]
    assert lines["login"].startswith("skip")
    assert token not in everything and "secret-all-the-same" not in everything


async def test_an_unreachable_database_fails_with_what_to_check(tmp_path: Path) -> None:
    code, lines, everything = await doctor(tmp_path, "--offline", DISCORD_TOKEN=GOOD_TOKEN, DATABASE_URL=UNREACHABLE_PG)
    assert code == 1
    assert lines["token"].startswith("ok") and lines["login"].startswith("skip")
    assert lines["database"].startswith("ok") and "postgresql+asyncpg://postgres@127.0.0.1:9/test" in lines["database"]
    assert lines["connection"].startswith("fail  connection  cannot reach the database")
    assert "is the server running" in lines["connection"]
    assert lines["migrations"].startswith("skip")
    assert GOOD_TOKEN not in everything


async def test_a_bad_database_url_fails_with_the_accepted_forms(tmp_path: Path) -> None:
    code, lines, _ = await doctor(tmp_path, "--offline", DISCORD_TOKEN=GOOD_TOKEN, DATABASE_URL="mysql://h/db")
    assert code == 1
    assert lines["database"].startswith("fail") and "postgresql+asyncpg://" in lines["database"]
    assert lines["connection"].startswith("skip") and lines["migrations"].startswith("skip")


async def test_a_database_behind_on_migrations_is_a_warning_with_the_fix(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await upgrade_to_head(url)
    await downgrade(url, "base")  # a database whose schema is older than this code's (here: none yet)
    code, lines, printed = await doctor(tmp_path, "--offline", DISCORD_TOKEN=GOOD_TOKEN, DATABASE_URL=url)
    assert lines["connection"].startswith("ok")
    migrations = lines["migrations"]
    assert migrations.startswith("warn  migrations  the schema is at base (no schema yet)")
    assert f"newest is {head()}" in migrations and "run `layerbot db upgrade`, or just start the bot" in migrations
    assert code == 0 and "layerbot doctor: ready (1 warning)" in printed  # the bot upgrades it on start


async def test_a_database_newer_than_the_code_fails_with_the_refusal(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        db.execute("INSERT INTO alembic_version VALUES ('f00dfacef00d')")
    code, lines, _ = await doctor(tmp_path, "--offline", DISCORD_TOKEN=GOOD_TOKEN,
                                  DATABASE_URL=f"sqlite+aiosqlite:///{path}")
    assert code == 1
    assert lines["migrations"].startswith("fail") and "f00dfacef00d" in lines["migrations"]
    assert "a newer layerbot has upgraded it" in lines["migrations"]


@pytest.mark.parametrize(("name", "value"), [("LAYERBOT_HTTP_PORT", "99999"), ("LOG_LEVEL", "LOUD")])
async def test_a_bad_setting_fails_first(tmp_path: Path, name: str, value: str) -> None:
    code, lines, _ = await doctor(tmp_path, "--offline", **{name: value})
    assert code == 1 and list(lines) == ["settings"] and name in lines["settings"]
