"""bot.settings: the environment over .env, defaults a new user never has to set, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_URL, Settings, SettingsError, read_env_file


def test_defaults_need_nothing(tmp_path: Path) -> None:
    s = Settings.from_env({}, env_file=tmp_path / "missing.env")
    assert s == Settings()
    assert s.database_url == DEFAULT_DATABASE_URL == "sqlite+aiosqlite:///./layerbot.db"
    assert (s.db_pool_size, s.retention_days, s.data_dir) == (5, 90, None)


def test_the_environment_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# layerbot\n"
        "export DATABASE_URL='postgresql+asyncpg://bot:p#w@db/layerbot'\n"
        "LAYERBOT_DB_POOL_SIZE=12  # a comment\n"
        "LAYERBOT_RETENTION_DAYS=30\n"
        "not a setting line\n",
        encoding="utf-8",
    )
    s = Settings.from_env({}, env_file=env_file)
    assert s.database_url == "postgresql+asyncpg://bot:p#w@db/layerbot"
    assert (s.db_pool_size, s.retention_days) == (12, 30)
    s = Settings.from_env({"LAYERBOT_RETENTION_DAYS": "0"}, env_file=env_file)
    assert s.retention_days == 0 and s.db_pool_size == 12


def test_a_data_directory_holds_the_default_database(tmp_path: Path) -> None:
    s = Settings.from_env({"LAYERBOT_DATA_DIR": str(tmp_path / "var")}, env_file=None)
    assert s.database_url == f"sqlite+aiosqlite:///{tmp_path / 'var' / 'layerbot.db'}"
    s = Settings.from_env({"LAYERBOT_DATA_DIR": "/x", "DATABASE_URL": "postgresql://h/db"}, env_file=None)
    assert s.database_url == "postgresql://h/db" and s.data_dir == Path("/x")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("LAYERBOT_DB_POOL_SIZE", "many", "not a whole number"),
        ("LAYERBOT_DB_POOL_SIZE", "0", "out of range"),
        ("LAYERBOT_RETENTION_DAYS", "-1", "out of range"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str, says: str) -> None:
    with pytest.raises(SettingsError, match=f"{name}.*{says}"):
        Settings.from_env({name: value}, env_file=None)


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        Settings().database_url = "x"  # type: ignore[misc]


def test_read_env_file_missing(tmp_path: Path) -> None:
    assert read_env_file(tmp_path / "nope") == {}


def test_health_endpoint_and_log_format_settings() -> None:
    s = Settings.from_env({}, env_file=None)
    assert (s.http_port, s.http_host, s.log_format) == (None, "127.0.0.1", "text")  # off by default
    everywhere = "0.0.0.0"  # noqa: S104 - what a container sets
    s = Settings.from_env({"LAYERBOT_HTTP_PORT": "8080", "LAYERBOT_HTTP_HOST": everywhere, "LAYERBOT_LOG_FORMAT": "JSON"},
                          env_file=None)
    assert (s.http_port, s.http_host, s.log_format) == (8080, everywhere, "json")
    assert Settings.from_env({"LAYERBOT_HTTP_HOST": "[::1]"}, env_file=None).http_host == "::1"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("LAYERBOT_HTTP_PORT", "http", "not a whole number"),
        ("LAYERBOT_HTTP_PORT", "0", "out of range; expected 1–65535"),
        ("LAYERBOT_HTTP_PORT", "70000", "out of range"),
        ("LAYERBOT_HTTP_HOST", "a host", "not an address"),
        ("LAYERBOT_LOG_FORMAT", "xml", "expected text or json"),
    ],
)
def test_bad_health_and_log_settings_name_the_variable(name: str, value: str, says: str) -> None:
    with pytest.raises(SettingsError, match=f"{name}.*{says}"):
        Settings.from_env({name: value}, env_file=None)
