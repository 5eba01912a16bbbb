"""``layerbot db``: the query store's schema, by hand.

    layerbot db upgrade [REV] [--url URL]    empty or old database → REV (default: head)
    layerbot db downgrade REV [--url URL]    back to REV; ``base`` drops every table and stored query
    layerbot db current [--url URL]          the database's revision, and whether it is up to date
    layerbot db copy --to URL [--url URL]    every stored query into an empty database (SQLite → PostgreSQL)

The URL defaults to DATABASE_URL (environment or ``.env``), else ``sqlite+aiosqlite:///./layerbot.db``
(or under LAYERBOT_DATA_DIR).  ``layerbot run`` and ``chat`` upgrade by themselves before serving;
this command is for operators.  Exit status: 0 done; 1 the database is unreachable or newer than this
layerbot, or the copy's target already holds queries; 2 a wrong URL or revision.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import TYPE_CHECKING

from bot.cli import EXIT_BUG, EXIT_INPUT, EXIT_OK, Console, register

if TYPE_CHECKING:
    from bot.store.migrations import Change

# SQLAlchemy and Alembic are imported when `layerbot db` runs, not whenever `layerbot` starts.

__all__: list[str] = []


def _revisions(revisions: tuple[str, ...]) -> str:
    from bot.store import migrations

    if not revisions:
        return "empty"
    return ", ".join(f"{rev} (head)" if rev == migrations.head() else rev for rev in revisions)


def _url(ns: argparse.Namespace) -> str:
    from bot.settings import Settings

    return str(ns.url) if ns.url else Settings.from_env().database_url


def _current(url: str, console: Console) -> int:
    from bot.store import migrations
    from bot.store.engine import display_url
    from bot.store.errors import DatabaseNewerError

    target = migrations.head()
    try:
        revisions = asyncio.run(migrations.check_not_newer(url))
    except DatabaseNewerError as exc:
        revisions, status = exc.revisions, "newer"
    else:
        status = "empty" if not revisions else "head" if revisions == (target,) else "old"
    if console.json:
        console.print(json.dumps({"url": display_url(url), "revisions": list(revisions), "head": target,
                                  "status": status}))
    else:
        note = {
            "empty": "empty: no schema yet; `layerbot db upgrade`, or starting the bot, creates it",
            "head": f"{target} (head): up to date",
            "old": f"{_revisions(revisions)}: older than this layerbot's head {target}; `layerbot db upgrade`"
                   " brings it up to date",
            "newer": f"{_revisions(revisions)}: unknown to this layerbot (its head is {target}); a newer layerbot"
                     " upgraded it",
        }[status]
        console.print(f"{display_url(url)}: {note}")
    return EXIT_BUG if status == "newer" else EXIT_OK


def _change(url: str, change: Change, verb: str, console: Console) -> None:
    from bot.store import migrations
    from bot.store.engine import display_url

    if console.json:
        console.print(json.dumps({"url": display_url(url), "before": list(change.before),
                                  "after": list(change.after), "head": migrations.head()}))
    elif not change.changed:
        console.print(f"{display_url(url)}: already at {_revisions(change.after)}; nothing to do")
    else:
        gone = "; every table and stored query is gone" if not change.after else ""
        console.print(f"{display_url(url)}: {verb} from {_revisions(change.before)} to {_revisions(change.after)}{gone}")


def _copy(url: str, target: str, console: Console) -> int:
    from bot.store.copy import copy_queries
    from bot.store.engine import display_url

    result = asyncio.run(copy_queries(url, target))
    if console.json:
        console.print(json.dumps({"from": display_url(url), "to": display_url(target), "queries": result.queries,
                                  "layer_kinds": result.layer_kinds}))
    else:
        console.print(f"copied {result.queries} stored queries ({result.layer_kinds} layer kinds) from"
                      f" {display_url(url)} to {display_url(target)}")
    return EXIT_OK


def _run(ns: argparse.Namespace, console: Console) -> int:
    from alembic.util import CommandError

    from bot.settings import SettingsError
    from bot.store import migrations
    from bot.store.copy import TargetNotEmpty
    from bot.store.errors import DatabaseNewerError, StoreConfigError, StoreUnavailable

    try:
        url = _url(ns)
        if ns.action == "current":
            return _current(url, console)
        if ns.action == "copy":
            return _copy(url, ns.to, console)
        if ns.action == "upgrade":
            _change(url, asyncio.run(migrations.upgrade(url, ns.revision)), "upgraded", console)
        else:
            _change(url, asyncio.run(migrations.downgrade(url, ns.revision)), "downgraded", console)
        return EXIT_OK
    except (SettingsError, StoreConfigError, CommandError) as exc:
        console.error(f"layerbot db: {exc}")
        return EXIT_INPUT
    except (StoreUnavailable, DatabaseNewerError, TargetNotEmpty) as exc:
        console.error(f"layerbot db: {exc}")
        return EXIT_BUG


def _configure(p: argparse.ArgumentParser) -> None:
    url = argparse.ArgumentParser(add_help=False)
    url.add_argument("--url", help="the database (default: DATABASE_URL, else sqlite+aiosqlite:///./layerbot.db)")
    # --json after the action too; SUPPRESS keeps `layerbot db --json current` from being reset to False
    url.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print a JSON document")
    actions = p.add_subparsers(dest="action", metavar="<action>", required=True, parser_class=type(p))
    up = actions.add_parser("upgrade", parents=[url], help="create or upgrade the schema (to head by default)")
    up.add_argument("revision", nargs="?", default="head", help="the revision to reach (default: head)")
    down = actions.add_parser("downgrade", parents=[url], help="go back to an older revision (base: drop everything)")
    down.add_argument("revision", help="the revision to go back to: an id, -1, or base")
    actions.add_parser("current", parents=[url], help="show the database's revision")
    copy = actions.add_parser("copy", parents=[url],
                              help="copy every stored query into another, empty database (--url is the source)")
    copy.add_argument("--to", required=True, metavar="URL", help="the target database, e.g. postgresql+asyncpg://...")


register("db", "the query store's schema: upgrade, downgrade, current; copy to another database", _run, _configure)
