"""Settings: one frozen value built from the environment (and an optional ``.env`` file) by the launcher.

Nothing is read at import time; whoever starts layerbot calls :meth:`Settings.from_env` once and
hands the value on.  The real environment wins over ``.env``.

    DATABASE_URL              where queries are stored (default: SQLite, ``./layerbot.db`` or
                              ``$LAYERBOT_DATA_DIR/layerbot.db``); ``postgresql://...`` → PostgreSQL
    LAYERBOT_DATA_DIR         the directory for the default SQLite file (created when missing)
    LAYERBOT_DB_POOL_SIZE     PostgreSQL connections kept open (default 5; as many again may overflow)
    LAYERBOT_RETENTION_DAYS   stored queries older than this are purged (default 90; 0 = keep forever)

Other front ends add their own fields (the Discord token, ...) here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_DATABASE_URL", "Settings", "SettingsError", "read_env_file"]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./layerbot.db"
DEFAULT_POOL_SIZE = 5
DEFAULT_RETENTION_DAYS = 90
_MAX_POOL_SIZE = 100
_MAX_RETENTION_DAYS = 36_500


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


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    db_pool_size: int = DEFAULT_POOL_SIZE
    retention_days: int = DEFAULT_RETENTION_DAYS  # 0 = keep forever
    data_dir: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
        """Settings from ``environ`` (default ``os.environ``) over the values of ``env_file`` (if any)."""
        env: dict[str, str] = read_env_file(env_file) if env_file is not None else {}
        env.update(os.environ if environ is None else environ)
        data_dir = Path(env["LAYERBOT_DATA_DIR"]).expanduser() if env.get("LAYERBOT_DATA_DIR", "").strip() else None
        url = env.get("DATABASE_URL", "").strip()
        if not url:
            url = DEFAULT_DATABASE_URL if data_dir is None else f"sqlite+aiosqlite:///{data_dir / 'layerbot.db'}"
        return cls(
            database_url=url,
            db_pool_size=_int(env, "LAYERBOT_DB_POOL_SIZE", DEFAULT_POOL_SIZE, 1, _MAX_POOL_SIZE),
            retention_days=_int(env, "LAYERBOT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 0, _MAX_RETENTION_DAYS),
            data_dir=data_dir,
        )
