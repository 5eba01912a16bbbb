"""``layerbot invite`` and ``layerbot doctor``: adding the bot to a server, and checking an installation.

    layerbot invite [--application-id ID]   the OAuth2 URL that adds layerbot to a server (scopes bot and
                                            applications.commands, the permissions of bot.discord.invite);
                                            the application id is read from Discord with DISCORD_TOKEN, or
                                            given (then nothing goes over the network)
    layerbot doctor [--offline]             one line per check (ok / warn / fail / skip) with what to fix;
                                            --offline: do not ask Discord whether it accepts the token

Exit status: invite 0, 2 when it has neither a token nor an id (or Discord refuses the token), 1 when
Discord cannot be reached; doctor 0 when no check failed, 1 otherwise.  Neither ever prints the token.
"""

from __future__ import annotations

import argparse
import asyncio

from bot.cli import EXIT_BUG, EXIT_INPUT, EXIT_OK, Console, register

__all__: list[str] = []


def _invite(ns: argparse.Namespace, console: Console) -> int:
    from bot.discord.invite import PERMISSIONS, fetch_identity, invite_url
    from bot.run_cli import _discord_errors, _settings

    application_id: int | None = ns.application_id
    if application_id is None:
        settings = _settings("invite", console)
        if settings is None:
            return EXIT_INPUT
        if not settings.discord_token:
            console.error(
                "layerbot invite: give --application-id ID (developer portal → your application → General"
                " Information → Application ID), or set DISCORD_TOKEN to read it from Discord"
            )
            return EXIT_INPUT
        found: list[int] = []
        code = _discord_errors(
            "invite", settings, console, lambda: found.append(asyncio.run(fetch_identity(settings)).application_id)
        )
        if code != EXIT_OK or not found:
            return code if code != EXIT_OK else EXIT_BUG
        application_id = found[0]
    console.print(invite_url(application_id))
    console.error(f"layerbot invite: asks for {', '.join(PERMISSIONS)} (README: Run it in your Discord server)")
    return EXIT_OK


def _application_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**64:
        raise argparse.ArgumentTypeError(f"{text!r} is not an application id (a number, from General Information)")
    return int(text)


def _configure_invite(p: argparse.ArgumentParser) -> None:
    p.add_argument("--application-id", dest="application_id", type=_application_id, metavar="ID",
                   help="the application's id (default: asked from Discord with DISCORD_TOKEN)")


register("invite", "print the URL that adds layerbot to a Discord server, with exactly the permissions it uses",
         _invite, _configure_invite)


def _doctor(ns: argparse.Namespace, console: Console) -> int:
    from bot.doctor import Check, Doctor
    from bot.logs import configure_logging
    from bot.settings import Settings, SettingsError

    secret: str | None = None
    fmt = "text"
    try:
        settings = Settings.from_env()
        secret, fmt = settings.discord_token, settings.log_format
    except SettingsError:
        pass  # the doctor's first check says so
    configure_logging("WARNING", fmt, secrets=[secret], stream=console.err)

    def show(check: Check) -> None:
        console.print(check.line())

    checks = asyncio.run(Doctor(online=not ns.offline).run(show))
    failed = sum(1 for c in checks if c.status == "fail")
    warned = sum(1 for c in checks if c.status == "warn")
    warnings = f"{warned} warning{'s' if warned != 1 else ''}"
    if failed:
        console.print(f"layerbot doctor: {failed} failed, {warnings}: fix the lines marked fail, then run it again")
        return EXIT_BUG
    console.print(f"layerbot doctor: ready ({warnings})" if warned else "layerbot doctor: ready")
    return EXIT_OK


def _configure_doctor(p: argparse.ArgumentParser) -> None:
    p.add_argument("--offline", action="store_true", help="do not ask Discord whether it accepts the token")


register("doctor", "check the token, Discord login, database, migrations, workers and translations; say what to fix",
         _doctor, _configure_doctor)
