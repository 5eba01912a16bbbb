"""Settings: one frozen value built from the environment (and an optional ``.env`` file) by the launcher.

Nothing is read at import time; whoever starts layerbot calls :meth:`Settings.from_env` once and
hands the value on.  The real environment wins over ``.env``.

    DATABASE_URL              where queries are stored (default: SQLite, ``./layerbot.db`` or
                              ``$LAYERBOT_DATA_DIR/layerbot.db``); ``postgresql://...`` → PostgreSQL
    LAYERBOT_DATA_DIR         the directory for the default SQLite file (created when missing)
    LAYERBOT_DB_POOL_SIZE     PostgreSQL connections kept open (default 5; as many again may overflow)
    LAYERBOT_RETENTION_DAYS   stored queries older than this are purged (default 90; 0 = keep forever)

The Discord bot (``layerbot run`` / ``layerbot sync``):

    DISCORD_TOKEN                  the bot's token (required by run and sync; never logged or shown)
    LAYERBOT_DEV_GUILD             a guild id: `layerbot sync` registers the commands there only (instant,
                                   for development) instead of globally
    LAYERBOT_SHARD_COUNT           total shards (default: Discord's recommendation)
    LAYERBOT_SHARD_IDS             the shards this process runs, e.g. 0,1 (needs LAYERBOT_SHARD_COUNT)
    LOG_LEVEL                      DEBUG, INFO (default), WARNING, ERROR
    LAYERBOT_DISCORD_API_BASE      another REST base URL (e.g. http://127.0.0.1:8080/api/v10); default Discord's
    LAYERBOT_DISCORD_GATEWAY       another gateway URL (e.g. ws://127.0.0.1:8080/gateway); default Discord's
    LAYERBOT_GUILD_READY_TIMEOUT   seconds discord.py waits for GUILD_CREATEs before on_ready (default 2)
    LAYERBOT_MESSAGE_CONTENT       1 to ask for the privileged message-content intent (default 0: the bot
                                   reads only messages that mention it, and DMs)
    LAYERBOT_WORKERS               worker processes for the calculations (default 2)
    LAYERBOT_WORK_TIMEOUT          seconds one calculation may take before the user is told it took too
                                   long and its worker is replaced (default 10)
    LAYERBOT_WORK                  the work function the workers run, as module:function
                                   (default bot.discord.worker:answer)
    LAYERBOT_DEFER_AFTER           seconds to wait for an answer before showing "thinking…" (default 1)
    LAYERBOT_MAX_ATTACHMENT_BYTES  largest .txt/.md attachment read (default 262144 = 256 KiB)
    LAYERBOT_RATE_BURST            questions one user may ask in a row (default 5; 0 = no limit)
    LAYERBOT_RATE_PER_MINUTE       questions per minute one user may ask after the burst (default 20)
    LAYERBOT_HTTP_PORT             a port for /healthz and /metrics (default: unset, no HTTP server)
    LAYERBOT_HTTP_HOST             the address that server listens on (default 127.0.0.1, this machine
                                   only; 0.0.0.0 in a container, so that Docker's probes reach it)
    LAYERBOT_LOG_FORMAT            text (default: one readable line per record) or json (one JSON
                                   object per line, for a log collector)
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_DATABASE_URL", "Settings", "SettingsError", "read_env_file"]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./layerbot.db"
DEFAULT_POOL_SIZE = 5
DEFAULT_RETENTION_DAYS = 90
_MAX_POOL_SIZE = 100
_MAX_RETENTION_DAYS = 36_500

DEFAULT_WORK = "bot.discord.worker:answer"
DEFAULT_WORKERS = 2
DEFAULT_WORK_TIMEOUT = 10.0
DEFAULT_DEFER_AFTER = 1.0
DEFAULT_GUILD_READY_TIMEOUT = 2.0
DEFAULT_MAX_ATTACHMENT_BYTES = 256 * 1024
DEFAULT_RATE_BURST = 5
DEFAULT_RATE_PER_MINUTE = 20
_MAX_SHARDS = 100_000
DEFAULT_HTTP_HOST = "127.0.0.1"
LOG_FORMATS = ("text", "json")
_HOST = re.compile(r"[A-Za-z0-9.:_-]+|\[[0-9A-Fa-f:.]+\]", re.ASCII)
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_WORK_PATH = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", re.ASCII)


class SettingsError(ValueError):
    """A setting has a value layerbot cannot use; the message names the variable and what it accepts."""


def read_env_file(path: str | Path) -> dict[str, str]:
    """``KEY=value`` lines of a ``.env`` file: ``#`` comments, blank lines, ``export KEY=...`` and
    quoted values are understood; a missing file is an empty mapping.  Nothing is expanded."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:  # an unquoted value may carry a trailing comment
            value = value.split(" #", 1)[0].rstrip()
        if key:
            values[key] = value
    return values


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number; expected {lo}–{hi}") from None
    if not lo <= value <= hi:
        raise SettingsError(f"{name}={value} is out of range; expected {lo}–{hi}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number; expected {lo:g}–{hi:g} (seconds)") from None
    if not lo <= value <= hi:  # NaN fails this too
        raise SettingsError(f"{name}={raw} is out of range; expected {lo:g}–{hi:g} (seconds)")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={raw!r} is not a yes/no value; expected 1 or 0 (true / false)")


def _snowflake(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 2**64:
        raise SettingsError(f"{name}={raw!r} is not a Discord id; expected the guild's numeric id")
    return int(raw)


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.startswith(tuple(f"{s}://" for s in schemes)) or any(c.isspace() for c in raw):
        raise SettingsError(f"{name}={raw!r} is not a URL; expected one starting with {' or '.join(schemes)}://")
    return raw.rstrip("/")


def _http(env: Mapping[str, str]) -> tuple[int | None, str]:
    port = _int(env, "LAYERBOT_HTTP_PORT", 0, 1, 65_535) or None
    host = env.get("LAYERBOT_HTTP_HOST", "").strip() or DEFAULT_HTTP_HOST
    if not _HOST.fullmatch(host):
        raise SettingsError(
            f"LAYERBOT_HTTP_HOST={host!r} is not an address; expected e.g. 127.0.0.1 (this machine) or 0.0.0.0 (all)"
        )
    return port, host.strip("[]")


def _shards(env: Mapping[str, str]) -> tuple[tuple[int, ...] | None, int | None]:
    count = _int(env, "LAYERBOT_SHARD_COUNT", 0, 1, _MAX_SHARDS) or None
    raw = env.get("LAYERBOT_SHARD_IDS", "").strip()
    if not raw:
        return None, count
    if count is None:
        raise SettingsError("LAYERBOT_SHARD_IDS is set but LAYERBOT_SHARD_COUNT is not; set the total number of shards")
    ids: list[int] = []
    for part in re.split(r"[\s,]+", raw):
        if not part.isascii() or not part.isdigit() or int(part) >= count:
            raise SettingsError(
                f"LAYERBOT_SHARD_IDS={raw!r}: {part!r} is not a shard id; expected numbers from 0 to {count - 1},"
                " separated by commas"
            )
        if int(part) not in ids:
            ids.append(int(part))
    return tuple(ids), count


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    db_pool_size: int = DEFAULT_POOL_SIZE
    retention_days: int = DEFAULT_RETENTION_DAYS  # 0 = keep forever
    data_dir: Path | None = None
    # The Discord bot.  The token never appears in repr() (so never in a log line or a traceback).
    discord_token: str | None = field(default=None, repr=False)
    dev_guild: int | None = None
    shard_ids: tuple[int, ...] | None = None
    shard_count: int | None = None
    log_level: str = "INFO"
    discord_api_base: str | None = None  # None: discord.py's own (https://discord.com/api/v10)
    discord_gateway: str | None = None  # None: discord.py's own (wss://gateway.discord.gg/)
    guild_ready_timeout: float = DEFAULT_GUILD_READY_TIMEOUT
    message_content: bool = False
    workers: int = DEFAULT_WORKERS
    work_timeout: float = DEFAULT_WORK_TIMEOUT
    work: str = DEFAULT_WORK
    defer_after: float = DEFAULT_DEFER_AFTER
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES
    rate_burst: int = DEFAULT_RATE_BURST  # 0 = no rate limit
    rate_per_minute: int = DEFAULT_RATE_PER_MINUTE
    http_port: int | None = None  # None: no /healthz or /metrics
    http_host: str = DEFAULT_HTTP_HOST
    log_format: str = "text"  # or "json"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
        """Settings from ``environ`` (default ``os.environ``) over the values of ``env_file`` (if any)."""
        env: dict[str, str] = read_env_file(env_file) if env_file is not None else {}
        env.update(os.environ if environ is None else environ)
        data_dir = Path(env["LAYERBOT_DATA_DIR"]).expanduser() if env.get("LAYERBOT_DATA_DIR", "").strip() else None
        url = env.get("DATABASE_URL", "").strip()
        if not url:
            url = DEFAULT_DATABASE_URL if data_dir is None else f"sqlite+aiosqlite:///{data_dir / 'layerbot.db'}"
        level = env.get("LOG_LEVEL", "").strip().upper() or "INFO"
        if level not in _LOG_LEVELS or not isinstance(logging.getLevelName(level), int):
            raise SettingsError(f"LOG_LEVEL={level!r} is not a log level; expected one of {', '.join(_LOG_LEVELS)}")
        work = env.get("LAYERBOT_WORK", "").strip() or DEFAULT_WORK
        if not _WORK_PATH.fullmatch(work):
            raise SettingsError(f"LAYERBOT_WORK={work!r} is not a function; expected module:function")
        shard_ids, shard_count = _shards(env)
        token = env.get("DISCORD_TOKEN", "").strip() or None
        http_port, http_host = _http(env)
        log_format = env.get("LAYERBOT_LOG_FORMAT", "").strip().lower() or "text"
        if log_format not in LOG_FORMATS:
            raise SettingsError(f"LAYERBOT_LOG_FORMAT={log_format!r} is not a log format; expected text or json")
        return cls(
            database_url=url,
            db_pool_size=_int(env, "LAYERBOT_DB_POOL_SIZE", DEFAULT_POOL_SIZE, 1, _MAX_POOL_SIZE),
            retention_days=_int(env, "LAYERBOT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 0, _MAX_RETENTION_DAYS),
            data_dir=data_dir,
            discord_token=token,
            dev_guild=_snowflake(env, "LAYERBOT_DEV_GUILD"),
            shard_ids=shard_ids,
            shard_count=shard_count,
            log_level=level,
            discord_api_base=_url(env, "LAYERBOT_DISCORD_API_BASE", ("http", "https")),
            discord_gateway=_url(env, "LAYERBOT_DISCORD_GATEWAY", ("ws", "wss")),
            guild_ready_timeout=_float(env, "LAYERBOT_GUILD_READY_TIMEOUT", DEFAULT_GUILD_READY_TIMEOUT, 0.0, 60.0),
            message_content=_bool(env, "LAYERBOT_MESSAGE_CONTENT", False),
            workers=_int(env, "LAYERBOT_WORKERS", DEFAULT_WORKERS, 1, 64),
            work_timeout=_float(env, "LAYERBOT_WORK_TIMEOUT", DEFAULT_WORK_TIMEOUT, 0.1, 600.0),
            work=work,
            defer_after=_float(env, "LAYERBOT_DEFER_AFTER", DEFAULT_DEFER_AFTER, 0.0, 2.5),
            max_attachment_bytes=_int(env, "LAYERBOT_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES, 1_024,
                                      25 * 1024 * 1024),
            rate_burst=_int(env, "LAYERBOT_RATE_BURST", DEFAULT_RATE_BURST, 0, 10_000),
            rate_per_minute=_int(env, "LAYERBOT_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE, 1, 100_000),
            http_port=http_port,
            http_host=http_host,
            log_format=log_format,
        )
