"""``layerbot run``, ``layerbot sync`` and ``layerbot chat``.

    layerbot run                      the Discord bot (settings from the environment and .env; see bot.settings)
    layerbot sync [--guild ID | --global] [--clear]
                                      register the slash commands with Discord (LAYERBOT_DEV_GUILD when set)
    layerbot chat [--no-store]        an interactive terminal session over the same router, no network needed

Exit status of run and sync: 0 stopped cleanly; 2 a setting is missing or wrong (DISCORD_TOKEN unset
or refused, a bad value), with one line saying which; 1 anything else (a newer database, Discord
unreachable), also one line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import re
import select
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.cli import EXIT_BUG, EXIT_INPUT, EXIT_OK, Console, register

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.store.repo import Store

# discord.py, SQLAlchemy and the worker pool are imported when a subcommand runs, not whenever `layerbot` starts.

__all__: list[str] = []

TOKEN_HELP = (
    "put the bot's token in the environment or in .env as DISCORD_TOKEN=... "  # noqa: S105 - how to set it
    "(Discord developer portal → your application → Bot → Reset Token)"
)


def _settings(name: str, console: Console) -> Settings | None:
    from bot.settings import Settings, SettingsError

    try:
        return Settings.from_env()
    except SettingsError as exc:
        console.error(f"layerbot {name}: {exc}")
        return None


def _discord_errors(name: str, settings: Settings, console: Console, action: Callable[[], Any]) -> int:
    """Run ``action`` and turn what Discord, the network or the database say into one line."""
    import aiohttp
    import discord

    from bot.discord.launcher import MissingToken
    from bot.settings import SettingsError
    from bot.store.errors import DatabaseNewerError, StoreConfigError

    where = settings.discord_api_base or "Discord"
    try:
        action()
    except MissingToken:
        console.error(f"layerbot {name}: DISCORD_TOKEN is not set; {TOKEN_HELP}")
        return EXIT_INPUT
    except discord.LoginFailure:
        console.error(
            f"layerbot {name}: {where} refused DISCORD_TOKEN (401 Unauthorized): it is not a valid bot token, or it was"
            " reset; copy the current one from the developer portal"
        )
        return EXIT_INPUT
    except discord.PrivilegedIntentsRequired:
        console.error(
            f"layerbot {name}: Discord refused the message-content intent; enable it for the bot in the developer"
            " portal, or unset LAYERBOT_MESSAGE_CONTENT (mentions and DMs work without it)"
        )
        return EXIT_INPUT
    except SettingsError as exc:  # e.g. LAYERBOT_HTTP_PORT already in use
        console.error(f"layerbot {name}: {exc}")
        return EXIT_INPUT
    except (StoreConfigError, DatabaseNewerError) as exc:
        console.error(f"layerbot {name}: {exc}")
        return EXIT_INPUT if isinstance(exc, StoreConfigError) else EXIT_BUG
    except (aiohttp.ClientConnectionError, discord.GatewayNotFound, OSError) as exc:
        console.error(f"layerbot {name}: cannot reach {where} ({type(exc).__name__}: {exc})")
        return EXIT_BUG
    except discord.HTTPException as exc:
        console.error(f"layerbot {name}: {where} answered {exc.status}: {exc.text or exc}")
        return EXIT_BUG
    except KeyboardInterrupt:
        return EXIT_OK
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# run


def _run(ns: argparse.Namespace, console: Console) -> int:
    settings = _settings("run", console)
    if settings is None:
        return EXIT_INPUT
    if not settings.discord_token:
        console.error(f"layerbot run: DISCORD_TOKEN is not set; {TOKEN_HELP}")
        return EXIT_INPUT
    from bot.discord.launcher import configure_logging, serve

    configure_logging(settings.log_level, settings.log_format, secrets=[settings.discord_token])
    return _discord_errors("run", settings, console, lambda: asyncio.run(serve(settings)))


register("run", "run the Discord bot (DISCORD_TOKEN and the other settings from the environment or .env)", _run)


# --------------------------------------------------------------------------------------------
# sync


def _sync(ns: argparse.Namespace, console: Console) -> int:
    settings = _settings("sync", console)
    if settings is None:
        return EXIT_INPUT
    if not settings.discord_token:
        console.error(f"layerbot sync: DISCORD_TOKEN is not set; {TOKEN_HELP}")
        return EXIT_INPUT
    from bot.discord.launcher import SyncResult, configure_logging, sync_commands

    configure_logging("WARNING" if settings.log_level == "INFO" else settings.log_level, settings.log_format,
                      secrets=[settings.discord_token])
    guild = None if ns.everywhere else (ns.guild if ns.guild is not None else settings.dev_guild)
    results: list[SyncResult] = []

    def action() -> None:
        results.append(asyncio.run(sync_commands(settings, guild_id=guild, clear=ns.clear)))

    code = _discord_errors("sync", settings, console, action)
    if code != EXIT_OK or not results:
        return code
    result = results[0]
    scope = f"guild {result.guild_id}" if result.guild_id is not None else "every guild (global; may take up to an hour to show)"
    if ns.clear:
        console.print(f"removed layerbot's commands from {scope}")
    else:
        names = ", ".join(("/" if c.type.value == 1 else "") + c.name for c in result.commands)
        console.print(f"synced {len(result.commands)} commands to {scope}: {names}")
    return EXIT_OK


def _configure_sync(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--guild", type=int, metavar="ID", help="one guild (default: LAYERBOT_DEV_GUILD when set)")
    where.add_argument("--global", dest="everywhere", action="store_true",
                       help="every guild, even when LAYERBOT_DEV_GUILD is set")
    p.add_argument("--clear", action="store_true", help="remove the commands instead of registering them")


register("sync", "register the slash commands with Discord (globally, or in LAYERBOT_DEV_GUILD)", _sync, _configure_sync)


# --------------------------------------------------------------------------------------------
# chat


class _Lines:
    """Lines from the terminal (with readline: arrow keys, history) or from a pipe, with a look ahead."""

    def __init__(self, stream: TextIO, out: TextIO, interactive: bool) -> None:
        self.stream = stream
        self.out = out
        self.interactive = interactive
        self._ahead: list[str] = []

    def read(self, prompt: str = "") -> str | None:
        """The next line (without its newline), or None at the end of input."""
        if self._ahead:
            return self._ahead.pop(0)
        if self.interactive:
            try:
                text = input(prompt)
            except EOFError:
                return None
            # A bracketed paste may bring several lines at once
            first, *rest = text.split("\n")
            self._ahead.extend(rest)
            return first
        line = self.stream.readline()
        if not line:
            return None
        return line.rstrip("\r\n")

    def more_waiting(self) -> bool:
        """Is there more input already (the rest of a paste)?  A pipe: is there another line at all."""
        if self._ahead:
            return True
        if self.interactive:
            try:
                ready, _, _ = select.select([self.stream], [], [], 0.05)
            except (OSError, ValueError):
                return False
            return bool(ready)
        line = self.stream.readline()
        if not line:
            return False
        self._ahead.append(line.rstrip("\r\n"))
        return True

    def peek(self) -> str | None:
        return self._ahead[0] if self._ahead else None

    def push_back(self, line: str) -> None:
        self._ahead.insert(0, line)


def _is_command(line: str) -> bool:
    """A line that starts a new question: ``/word ...`` (a command, known or not, or /quit)."""
    return re.match(r"\s*/[A-Za-z]", line) is not None


def _read_paste(lines: _Lines, first: list[str], *, prompt: str) -> str:
    """Lines until the paste ends: at a ``/command`` line (left for the next question), or at a blank
    line — two blank lines always end it; one does when nothing more is waiting or a command follows
    (a Keras summary has a blank line before its totals)."""
    collected = list(first)
    while True:
        line = lines.read(prompt if not lines.more_waiting() else "")
        if line is None:
            break
        if _is_command(line):
            lines.push_back(line)
            break
        if line.strip():
            collected.append(line)
            continue
        if not lines.more_waiting():
            break
        following = lines.peek()
        if following is None or not following.strip() or _is_command(following):
            break
        collected.append(line)
    return "\n".join(collected)


def _calc_version() -> str:
    """The same version string the Discord worker stores (bot.discord.worker.CALC_VERSION), without importing discord."""
    from calc.version import VERSION

    return VERSION


def _history_file() -> Path:
    base = os.environ.get("LAYERBOT_DATA_DIR", "").strip()
    return (Path(base).expanduser() if base else Path.home()) / ".layerbot_history"


def _chat(ns: argparse.Namespace, console: Console) -> int:
    from bot.render.stored import CACHED_COMMANDS
    from bot.render.text import render_error, write
    from calc.commands import find, invoke, run
    from calc.errors import InputError, LayerbotError

    stdin = sys.stdin
    interactive = bool(stdin is not None and stdin.isatty() and console.out.isatty())
    history = _history_file()
    readline: Any = None
    if interactive:
        with contextlib.suppress(ImportError):
            import readline as _readline  # arrow keys and history for input()

            readline = _readline
            readline.set_history_length(1_000)
            with contextlib.suppress(OSError):
                readline.read_history_file(history)
    lines = _Lines(stdin, console.out, interactive)
    recorder = _Recorder(ns, console)
    lang = console.lang
    if interactive:
        console.print("layerbot chat: /dense 86400 4, /help, or paste a model summary and end it with a blank line."
                      " /quit or Ctrl-D leaves.")
    prompt, more = ("layerbot> ", "... ") if interactive else ("", "")
    try:
        while True:
            line = lines.read(prompt)
            if line is None:
                break
            text = line.strip()
            if not text:
                continue
            if text.lower() in ("/quit", "/exit", "quit", "exit", ":q"):
                break
            if text.startswith("/"):
                spec = find(text.split()[0])
                if spec is not None and spec.text_arg is not None and lines.more_waiting():
                    text = _read_paste(lines, [text], prompt=more)
                question, answer = text, functools.partial(run, text)
                command = spec.name if spec is not None else None
            else:
                if interactive and not lines.more_waiting():
                    console.print("(pasting: end with a blank line)")
                pasted = _read_paste(lines, [line], prompt=more)
                question, answer = pasted, functools.partial(invoke, "explain", {"text": pasted})
                command = "explain"
            hit = recorder.cached(question) if command in CACHED_COMMANDS else None
            try:
                result = hit[0] if hit is not None else answer()
            except InputError as exc:
                if exc.message.key == "cmd.error.missing" and spec_wants_paste(question):
                    console.print("(paste the model, end with a blank line)")
                    pasted = _read_paste(lines, [], prompt=more)
                    question = f"{question}\n{pasted}"
                    try:
                        result = run(question)
                    except LayerbotError as again:
                        console.print(render_error(again, lang))
                        recorder.error(question, again)
                        continue
                else:
                    console.print(render_error(exc, lang))
                    recorder.error(question, exc)
                    continue
            except LayerbotError as exc:
                console.print(render_error(exc, lang))
                recorder.error(question, exc)
                continue
            write(result, lang, console.print)
            console.print()
            recorder.answered(question, result, cached=hit[1] if hit is not None else None)
    except KeyboardInterrupt:
        console.print()
    finally:
        recorder.close()
        if readline is not None:
            with contextlib.suppress(OSError):
                readline.write_history_file(history)
    return EXIT_OK


def spec_wants_paste(line: str) -> bool:
    from calc.commands import find

    words = line.split()
    spec = find(words[0]) if words else None
    return spec is not None and spec.text_arg is not None and spec.text_arg.required


class _Recorder:
    """Chat's questions into the query store (source: terminal), unless --no-store; never in the way."""

    def __init__(self, ns: argparse.Namespace, console: Console) -> None:
        self.console = console
        self.store: Store | None = None
        self.runner: asyncio.Runner | None = None
        if ns.no_store:
            return
        from bot.settings import SettingsError
        from bot.store.errors import StoreError
        from bot.store.repo import open_store

        settings = _settings("chat", console)
        if settings is None:
            return
        self.runner = asyncio.Runner()
        try:
            self.store = self.runner.run(open_store(settings.database_url, pool_size=1))
        except (StoreError, SettingsError, OSError) as exc:
            console.error(f"layerbot chat: not saving this session's questions ({exc})")
            self.close()

    def _record(self, entry: Any) -> None:
        if self.store is not None and self.runner is not None:
            self.runner.run(self.store.record(entry))

    def cached(self, question: str) -> tuple[Any, Mapping[str, Any]] | None:
        """The stored answer to an identical question from this version of the calculations (the
        answer cache): the result and the document it was read from; None on a miss or while the
        store is down."""
        if self.store is None or self.runner is None or not self.store.health.ok:
            return None
        from bot.render.stored import cached_result
        from bot.store.records import input_digest

        document = self.runner.run(self.store.cached_report(input_digest(question), _calc_version()))
        result = cached_result(document)
        return None if result is None or document is None else (result, document)

    def answered(self, question: str, result: Any, *, cached: Mapping[str, Any] | None = None) -> None:
        """Record an answer; ``cached``: the stored document it was rebuilt from (kept again, marked)."""
        if self.store is None:
            return
        from bot.render.stored import stored_document
        from bot.store.models import Source
        from bot.store.records import Headline, QueryRecord, layer_kinds

        answered = result.report if result.report is not None else result
        self._record(QueryRecord(
            source=Source.TERMINAL, command=result.command, input_text=question, calc_version=_calc_version(),
            locale=self.console.lang, input_format=None if result.report is None else result.report.format.value,
            headline=Headline.of(answered), layer_kinds=layer_kinds(answered),
            report=stored_document(result) if cached is None else cached, from_cache=cached is not None,
        ))

    def error(self, question: str, exc: Any) -> None:
        if self.store is None:
            return
        from bot.store.models import Outcome, Source
        from bot.store.records import QueryRecord

        command = question.split(maxsplit=1)[0].removeprefix("/") if question.startswith("/") else "explain"
        self._record(QueryRecord(
            source=Source.TERMINAL, command=command[:32], input_text=question, calc_version=_calc_version(),
            locale=self.console.lang, outcome=Outcome.USER_ERROR, error_code=exc.message.key,
            error_text=" ".join(exc.message.render("en").split()),
        ))

    def close(self) -> None:
        if self.runner is None:
            return
        if self.store is not None:
            with contextlib.suppress(Exception):
                self.runner.run(self.store.close())
            self.store = None
        self.runner.close()
        self.runner = None


def _configure_chat(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-store", action="store_true", help="do not save this session's questions in the query store")


register("chat", "an interactive session: slash commands and pasted summaries, answered in the terminal", _chat,
         _configure_chat)
