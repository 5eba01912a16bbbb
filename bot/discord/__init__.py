"""layerbot on Discord (discord.py 2.x app commands).

    launcher.py   the resources and the bot's life: open_bot(settings), serve(settings), sync_commands(settings)
    app.py        LayerBot: the answer flow every cog uses, the global error handler, attachments
    cogs/         one cog per feature (calculators, explain, advice, help, mentions)
    worker.py     the calculations in worker processes with a hard timeout (Request → Answer)
    ratelimit.py  a token bucket per user
    health.py     per-bot Prometheus metrics, the /healthz report and the optional HTTP server for both
    invite.py     the OAuth2 invite URL with the permissions the features use, and who the token belongs to

Names are imported lazily, so ``import bot.discord.worker`` (in a worker process) does not load the bot.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.discord.app import LayerBot
    from bot.discord.launcher import open_bot, serve, sync_commands
    from bot.discord.worker import Answer, Request, WorkerPool

__all__ = ["Answer", "LayerBot", "Request", "WorkerPool", "open_bot", "serve", "sync_commands"]

_WHERE = {
    "LayerBot": "bot.discord.app",
    "open_bot": "bot.discord.launcher",
    "serve": "bot.discord.launcher",
    "sync_commands": "bot.discord.launcher",
    "Answer": "bot.discord.worker",
    "Request": "bot.discord.worker",
    "WorkerPool": "bot.discord.worker",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'bot.discord' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
