"""``layerbot doctor``: is this installation ready to run, and if not, what to fix.

Each check gives one :class:`Check` (ok / warn / fail / skip, with what to do), in this order:

    settings     Settings.from_env(): every variable has a value layerbot can use
    token        DISCORD_TOKEN's form: three base64url parts separated by dots, the first the bot's
                 user id (only its length and that id are ever shown, never the token)
    login        (online) Discord accepts the token — at LAYERBOT_DISCORD_API_BASE when set; and the
                 Message Content intent is enabled when LAYERBOT_MESSAGE_CONTENT asks for it
    database     DATABASE_URL parses and names a driver layerbot uses
    connection   the database answers (a missing SQLite file is fine: `layerbot run` creates it)
    migrations   the schema's revision against this code's newest (behind: a warning, the bot upgrades
                 on start; newer: a failure, the bot refuses to start)
    workers      one calculation worker starts and answers /dense 86400 4 (= 345,604), then stops
    locales      every message has English and Chinese with the same {placeholders}; every command's
                 payload (names, descriptions, choices, their zh-CN translations) within Discord's limits

A failure makes the exit status 1; warnings do not.  Nothing is written: no database file is created,
no schema changed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import os
import re
import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = ["Check", "Doctor", "command_payload_problems", "message_problems", "token_form"]

Status = Literal["ok", "warn", "fail", "skip"]

_PART = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
_NAME = re.compile(r"[-_\w]{1,32}")  # Discord: letters and digits of any script, - and _; 1–32
NAME_LIMIT, DESCRIPTION_LIMIT, CHOICE_LIMIT, OPTIONS_LIMIT, COMMAND_CHARS_LIMIT = 32, 100, 25, 25, 4_000
SQL_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Check:
    status: Status
    name: str
    detail: str

    def line(self) -> str:
        return f"{self.status:<5} {self.name:<11} {' '.join(self.detail.split())}"


# --------------------------------------------------------------------------------------------
# Pure checks (no I/O)


def token_form(token: str | None) -> tuple[Check, int | None]:
    """The token's shape, and the user id its first part encodes (None when it does not)."""
    from bot.run_cli import TOKEN_HELP

    if not token:
        return Check("fail", "token", f"DISCORD_TOKEN is not set; {TOKEN_HELP}"), None
    size = f"DISCORD_TOKEN ({len(token)} characters)"
    if token.lower().startswith(("bot ", "bearer ")):
        return Check("fail", "token", f"{size} starts with '{token.split()[0]} ': set the token alone, without"
                     " that word (layerbot adds it)"), None
    parts = token.split(".")
    if len(parts) != 3 or not all(_PART.fullmatch(p) for p in parts):
        return Check(
            "fail", "token",
            f"{size} is not a bot token: a bot token is three parts of letters, digits, - and _ separated by two"
            " dots (no spaces or quotes). Copy it again: developer portal → your application → Bot → Reset Token",
        ), None
    try:
        decoded = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    if not decoded.isdigit():
        return Check(
            "warn", "token",
            f"{size} has a bot token's shape, but its first part does not encode a user id: is it the bot's"
            " token (Bot → Reset Token), not the client secret or a user's token?",
        ), None
    return Check("ok", "token", f"{size}, for the bot user id {decoded} (read from its first part)"), int(decoded)


def _fields(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def message_problems(table: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Messages missing a language, empty, or whose Chinese and English take different {arguments}."""
    out: list[str] = []
    for key, texts in sorted(table.items()):
        en, zh = texts.get("en"), texts.get("zh")
        if not en or not en.strip():
            out.append(f"{key}: no English text")
        if not zh or not zh.strip():
            out.append(f"{key}: no Chinese text")
        if en and zh and _fields(en) != _fields(zh):
            out.append(f"{key}: English takes {sorted(_fields(en))}, Chinese {sorted(_fields(zh))}")
    return out


def _walk_options(options: list[dict[str, Any]], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for option in options:
        here = f"{path} {option.get('name', '?')}"
        yield here, option
        yield from _walk_options(option.get("options") or [], here)


def _text_problems(where: str, item: dict[str, Any], key: str, *, required: bool, chinese: bool) -> list[str]:
    out: list[str] = []
    value = item.get(key) or ""
    limit = NAME_LIMIT if key == "name" else DESCRIPTION_LIMIT
    if required and not value:
        out.append(f"{where}: no {key}")
    if len(value) > limit:
        out.append(f"{where}: {key} has {len(value)} characters (Discord allows {limit})")
    localized = item.get(f"{key}_localizations") or {}
    for locale, text in localized.items():
        if not 1 <= len(text) <= limit:
            out.append(f"{where}: {key} in {locale} has {len(text)} characters (Discord allows 1–{limit})")
    if chinese and value and not localized.get("zh-CN"):
        out.append(f"{where}: {key} has no Chinese (zh-CN)")
    return out


def command_payload_problems(payload: dict[str, Any]) -> list[str]:
    """What Discord would refuse in one command's payload, and descriptions lacking Chinese."""
    name = str(payload.get("name", "?"))
    slash = payload.get("type", 1) == 1
    where = f"/{name}" if slash else repr(name)
    out: list[str] = []
    if slash and not (_NAME.fullmatch(name) and name == name.lower()):
        out.append(f"{where}: the name must be 1–32 lowercase letters, digits, - or _")
    if not slash and not 1 <= len(name) <= NAME_LIMIT:
        out.append(f"{where}: the name has {len(name)} characters (Discord allows 1–32)")
    out += _text_problems(where, payload, "description", required=slash, chinese=slash)
    options = payload.get("options") or []
    if len(options) > OPTIONS_LIMIT:
        out.append(f"{where}: {len(options)} options (Discord allows {OPTIONS_LIMIT})")
    total = len(name) + len(payload.get("description") or "")
    for path, option in _walk_options(options, where):
        oname = str(option.get("name", ""))
        if not (_NAME.fullmatch(oname) and oname == oname.lower()):
            out.append(f"{path}: the option name must be 1–32 lowercase letters, digits, - or _")
        out += _text_problems(path, option, "description", required=True, chinese=True)
        choices = option.get("choices") or []
        if len(choices) > CHOICE_LIMIT:
            out.append(f"{path}: {len(choices)} choices (Discord allows {CHOICE_LIMIT})")
        for choice in choices:
            cname = str(choice.get("name", ""))
            if not 1 <= len(cname) <= DESCRIPTION_LIMIT:
                out.append(f"{path} choice {cname!r}: {len(cname)} characters (Discord allows 1–100)")
            total += len(cname) + len(str(choice.get("value", "")))
        total += len(oname) + len(option.get("description") or "")
    if total > COMMAND_CHARS_LIMIT:
        out.append(f"{where}: {total} characters in names, descriptions and choices (Discord allows 4,000)")
    return out


def _summary(problems: list[str], shown: int = 3) -> str:
    more = f" (and {len(problems) - shown} more)" if len(problems) > shown else ""
    return "; ".join(problems[:shown]) + more


# --------------------------------------------------------------------------------------------
# The run


@dataclass
class Doctor:
    """Runs the checks in order; ``online=False`` skips the login."""

    environ: Mapping[str, str] | None = None
    env_file: str | Path | None = ".env"
    online: bool = True
    checks: list[Check] = field(default_factory=list)

    def add(self, status: Status, name: str, detail: str) -> Check:
        check = Check(status, name, detail)
        self.checks.append(check)
        return check

    async def run(self, report: Callable[[Check], None] = lambda c: None) -> list[Check]:
        from bot.settings import Settings, SettingsError

        def step(result: Check) -> None:
            report(result)

        try:
            settings = Settings.from_env(self.environ, env_file=self.env_file)
        except SettingsError as exc:
            step(self.add("fail", "settings", f"{exc}; the other checks need the settings"))
            return self.checks
        where = ".env and the environment" if self.env_file and Path(self.env_file).is_file() else "the environment"
        step(self.add("ok", "settings", f"read from {where}"))
        token_check, token_id = token_form(settings.discord_token)
        self.checks.append(token_check)
        step(token_check)
        if not self.online:
            step(self.add("skip", "login", "--offline: not asking Discord whether it accepts the token"))
        elif token_check.status == "fail":
            step(self.add("skip", "login", "needs a well-formed DISCORD_TOKEN"))
        else:
            step(await self._login(settings, token_id))
        for check in (self._database, self._workers, self._locales):
            for result in await check(settings):
                self.checks.append(result)
                step(result)
        return self.checks

    # ------------------------------------------------------------------ login

    async def _login(self, settings: Any, token_id: int | None) -> Check:
        import aiohttp
        import discord

        from bot.discord.invite import fetch_identity

        where = settings.discord_api_base or "Discord"
        try:
            me = await fetch_identity(settings)
        except discord.LoginFailure:
            return self.add("fail", "login", f"{where} refused DISCORD_TOKEN (401 Unauthorized): it was reset or is"
                            " not this bot's; copy the current one (developer portal → Bot → Reset Token)")
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return self.add("fail", "login", f"cannot reach {where} ({type(exc).__name__}): check the network,"
                            " a proxy or firewall, or LAYERBOT_DISCORD_API_BASE")
        except discord.HTTPException as exc:
            return self.add("fail", "login", f"{where} answered {exc.status} to the login; try again later")
        if settings.message_content and not me.message_content_enabled:
            return self.add("fail", "login", f"logged in as {me.user_name} (id {me.user_id}), but"
                            " LAYERBOT_MESSAGE_CONTENT=1 asks for the Message Content intent, which is off: enable"
                            " it (developer portal → Bot → Privileged Gateway Intents) or unset the setting")
        if token_id is not None and token_id != me.user_id:
            return self.add("warn", "login", f"logged in as {me.user_name} (id {me.user_id}), not the id {token_id}"
                            " the token's first part names")
        return self.add("ok", "login", f"{where} accepts the token: bot {me.user_name} (id {me.user_id}),"
                        f" application {me.application_id}")

    # ------------------------------------------------------------------ database

    async def _database(self, settings: Any) -> list[Check]:
        from sqlalchemy import text

        from bot.store import migrations
        from bot.store.engine import display_url, make_engine, normalize_url, sqlite_path
        from bot.store.errors import DatabaseNewerError, StoreConfigError, StoreUnavailable

        shown = display_url(settings.database_url)
        try:
            url = normalize_url(settings.database_url)
        except StoreConfigError as exc:
            return [Check("fail", "database", str(exc)),
                    Check("skip", "connection", "needs a usable DATABASE_URL"),
                    Check("skip", "migrations", "needs a usable DATABASE_URL")]
        out = [Check("ok", "database", f"{shown} ({url.get_backend_name()})")]
        path = sqlite_path(url)
        if path is not None and not path.exists():
            folder = path.parent
            if not folder.is_dir():
                out.append(Check("fail", "connection", f"{folder} does not exist: create it, or point DATABASE_URL"
                                 " (or LAYERBOT_DATA_DIR) at a folder that does"))
            elif not os.access(folder, os.W_OK):
                out.append(Check("fail", "connection", f"cannot create the SQLite file in {folder} (not writable):"
                                 " fix its permissions, or set LAYERBOT_DATA_DIR"))
            else:
                out.append(Check("ok", "connection", f"the SQLite file {path} does not exist yet; `layerbot run`"
                                 " creates it"))
                out.append(self._migration_state((), migrations.head()))
            if out[-1].name == "connection":
                out.append(Check("skip", "migrations", "no database yet"))
            return out
        engine = make_engine(url, pool_size=1)
        try:
            async with asyncio.timeout(SQL_TIMEOUT_S), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                version = ".".join(str(v) for v in (connection.dialect.server_version_info or ()))
        except Exception as exc:  # noqa: BLE001 - any failure to connect is reported as one line
            inner = getattr(exc, "orig", None) or exc
            first = (str(inner).strip().splitlines() or [""])[0][:160]
            out.append(Check("fail", "connection", f"cannot reach the database {shown} ({type(inner).__name__}"
                             f"{': ' + first if first else ''}): is the server running, and are the host, port,"
                             " user, password and database name in DATABASE_URL right?"))
            out.append(Check("skip", "migrations", "needs a database that answers"))
            return out
        finally:
            await engine.dispose()
        out.append(Check("ok", "connection", f"the database answers ({url.get_backend_name()} {version})".strip()))
        try:
            revisions = await migrations.check_not_newer(url)
        except DatabaseNewerError as exc:  # what `layerbot run` would refuse to start with
            out.append(Check("fail", "migrations", str(exc)))
            return out
        except StoreUnavailable as exc:
            out.append(Check("fail", "migrations", str(exc)))
            return out
        out.append(self._migration_state(revisions, await asyncio.to_thread(migrations.head)))
        return out

    @staticmethod
    def _migration_state(revisions: tuple[str, ...], head: str) -> Check:
        if revisions == (head,):
            return Check("ok", "migrations", f"at the newest revision, {head}")
        at = ", ".join(revisions) if revisions else "base (no schema yet)"
        return Check("warn", "migrations", f"the schema is at {at}, this layerbot's newest is {head}: run"
                     " `layerbot db upgrade`, or just start the bot (`layerbot run` upgrades it first)")

    # ------------------------------------------------------------------ workers

    async def _workers(self, settings: Any) -> list[Check]:
        from bot.discord.worker import Request, WorkerPool

        pool = WorkerPool(settings.work, workers=1, timeout=settings.work_timeout)
        try:
            try:
                await pool.start()
            except Exception as exc:  # noqa: BLE001 - reported
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                return [Check("fail", "workers", f"a calculation worker could not start ({first}); check"
                              f" LAYERBOT_WORK={settings.work} and that layerbot is installed in this Python")]
            try:
                result = await pool.run(Request("dense", {"in_features": 86400, "units": 4}))
            except Exception as exc:  # noqa: BLE001 - reported
                return [Check("fail", "workers", f"a worker started but could not answer /dense 86400 4"
                              f" ({type(exc).__name__}); check LAYERBOT_WORK and LAYERBOT_WORK_TIMEOUT")]
        finally:
            await pool.close()
        total = getattr(getattr(result, "headline", None), "total_params", None)
        if total != 345_604:
            return [Check("fail", "workers", f"a worker answered /dense 86400 4 with {total!r} parameters instead"
                          f" of 345,604; check LAYERBOT_WORK={settings.work}")]
        return [Check("ok", "workers", "a calculation worker started and answered /dense 86400 4 = 345,604"
                      f" parameters (LAYERBOT_WORKERS={settings.workers} will run)")]

    # ------------------------------------------------------------------ locales

    async def _locales(self, settings: Any) -> list[Check]:
        from bot.discord.app import LayerBot
        from bot.discord.translator import LayerbotTranslator
        from bot.discord.worker import WorkerPool
        from calc.i18n import text_table

        pool = WorkerPool(settings.work, workers=1)  # never started: only the command tree is built
        try:
            async with LayerBot(settings, None, pool) as bot:
                await bot.setup_hook()  # the cogs: their commands, and the messages they register
                translator = LayerbotTranslator()
                payloads = [await command.get_translated_payload(bot.tree, translator)
                            for command in bot.tree.get_commands()]
        finally:
            await pool.close()
        problems = message_problems(text_table())
        commands = [p for payload in payloads for p in command_payload_problems(payload)]
        out = []
        if problems:
            out.append(Check("fail", "locales", f"{len(problems)} messages need fixing in their tables: "
                             f"{_summary(problems)}"))
        else:
            out.append(Check("ok", "locales", f"{len(text_table())} messages, each in English and Chinese with the"
                             " same arguments"))
        if commands:
            out.append(Check("fail", "commands", f"Discord would refuse or show untranslated: {_summary(commands)};"
                             " fix the command table, then `layerbot sync`"))
        else:
            out.append(Check("ok", "commands", f"{len(payloads)} commands within Discord's limits, every"
                             " description in English and Chinese"))
        return out

