"""Logging for ``layerbot run`` and ``sync``: one handler on stderr, readable lines or JSON lines.

    configure_logging("INFO", "text", secrets=[settings.discord_token])

``text`` (the default) is one line per record::

    2025-01-31 12:00:00,123 INFO    bot.discord: connected as layerbot#0001 (id 1234) to 3 guilds, shards [0]

``json`` (``LAYERBOT_LOG_FORMAT=json``) is one JSON object per line, for a log collector::

    {"time": "2025-01-31T12:00:00.123Z", "level": "INFO", "logger": "bot.discord", "message": "connected as ..."}

with ``"exc"`` holding the traceback when there is one.  Whatever the format, each ``secrets`` string
(the bot token) is replaced by ``[redacted]`` in the finished line, traceback included: nothing layerbot
or a library logs can print it.  aiohttp's access log stays quiet; discord.py's HTTP log is at INFO at most.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

__all__ = ["REDACTED", "JsonFormatter", "RedactingFormatter", "configure_logging"]

REDACTED = "[redacted]"
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, and exc when present."""

    def format(self, record: logging.LogRecord) -> str:
        document = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            document["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            document["exc"] = record.exc_text
        if record.stack_info:
            document["stack"] = self.formatStack(record.stack_info)
        return json.dumps(document, ensure_ascii=False)


class RedactingFormatter(logging.Formatter):
    """Another formatter's lines with every secret replaced by :data:`REDACTED`."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str | None]) -> None:
        super().__init__()
        self.inner = inner
        # Longest first, so that a secret containing another is replaced whole; short strings are not
        # secrets worth hiding (and would mangle ordinary words).
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        return line


def configure_logging(
    level: str = "INFO", fmt: str = "text", *, secrets: Iterable[str | None] = (), stream: TextIO | None = None
) -> logging.Handler:
    """Replace the root logger's handlers with one on ``stream`` (default stderr); returns it."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    inner = JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(RedactingFormatter(inner, secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("discord.http").setLevel(max(logging.getLevelName(level), logging.INFO))
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    return handler
