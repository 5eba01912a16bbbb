"""The deployment files: .env.example documents every setting with its real default, the Dockerfile builds what
pyproject.toml installs and runs it unprivileged, and docker-compose.yml has the single SQLite bot and the
`scale` profile (PostgreSQL with a healthcheck, one bot process per shard)."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings, read_env_file

ROOT = Path(__file__).resolve().parents[1]
SETTING = re.compile(r"(LAYERBOT_[A-Z_]+|DATABASE_URL|DISCORD_TOKEN|LOG_LEVEL)")
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}
DOCUMENTED = re.compile(r"^#? ?([A-Z][A-Z0-9_]*)=(.*)$", re.MULTILINE)


def settings_read() -> set[str]:
    """Every environment variable bot/settings.py reads (its string literals that name one)."""
    tree = ast.parse((ROOT / "bot" / "settings.py").read_text(encoding="utf-8"))
    return {
        node.value for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SETTING.fullmatch(node.value)
    }


def test_env_example_lists_every_setting_and_only_those() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = {name for name, _ in DOCUMENTED.findall(text)}
    assert settings_read() == documented - COMPOSE_ONLY


def test_env_example_values_are_the_defaults() -> None:
    """Copied as it is, .env.example changes nothing; every commented-out value is the real default."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    uncommented = {name: value for name, value in DOCUMENTED.findall(text) if name not in COMPOSE_ONLY}
    assert read_env_file(ROOT / ".env.example") == {"DISCORD_TOKEN": ""}  # the one line to fill in
    assert Settings.from_env(uncommented, env_file=None) == Settings.from_env({}, env_file=None)


def test_the_dockerfile_installs_the_package_and_runs_it_unprivileged() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert lines[0] == "FROM python:3.11-slim"
    copied = {source for line in lines if line.startswith("COPY") for source in line.split()[1:-1]}
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"][
        "find"]["include"]
    assert {p.rstrip("*") for p in packages} <= copied, "a package pyproject.toml installs is not copied"
    assert {"pyproject.toml", "README.md"} <= copied  # the build reads both
    users = [line.split()[1] for line in lines if line.startswith("USER")]
    assert users and users[-1] not in ("root", "0")
    assert lines.index(f"USER {users[-1]}") < lines.index('ENTRYPOINT ["layerbot"]')
    assert lines[-1] == 'CMD ["run"]'
    env = " ".join(line for line in lines if line.startswith(("ENV", "LAYERBOT_")))
    assert "LAYERBOT_DATA_DIR=/data" in env and 'VOLUME ["/data"]' in lines
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", "*.db", ".git"} <= set(ignored)  # no secret, no local database in the image


def compose(*args: str) -> dict[str, Any]:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed: docker-compose.yml not checked with `docker compose config`")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"`docker compose` is not available ({probe.stderr.strip()[:200]}): docker-compose.yml not checked")
    done = subprocess.run(
        [docker, "compose", "-f", str(ROOT / "docker-compose.yml"), *args, "config", "--format", "json"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    config: dict[str, Any] = json.loads(done.stdout)
    return config


def healthz(service: dict[str, Any]) -> str:
    return " ".join(service["healthcheck"]["test"])


def test_compose_default_is_one_bot_on_a_sqlite_volume() -> None:
    services = compose()["services"]
    assert set(services) == {"bot"}
    bot = services["bot"]
    assert bot["environment"]["LAYERBOT_DATA_DIR"] == "/data"
    assert "DATABASE_URL" not in bot["environment"]  # the default: SQLite in LAYERBOT_DATA_DIR
    assert [(v["type"], v["target"]) for v in bot["volumes"]] == [("volume", "/data")]
    assert "/healthz" in healthz(bot) and bot["environment"]["LAYERBOT_HTTP_PORT"] == "8080"


def test_compose_scale_profile_is_postgresql_and_one_process_per_shard() -> None:
    services = compose("--profile", "scale")["services"]
    assert set(services) == {"bot", "postgres", "shard-0", "shard-1"}
    postgres = services["postgres"]
    assert "pg_isready" in healthz(postgres)
    assert [v["target"] for v in postgres["volumes"]] == ["/var/lib/postgresql/data"]
    shards = []
    for name in ("shard-0", "shard-1"):
        service = services[name]
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+asyncpg://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "/healthz" in healthz(service) and env["LAYERBOT_HTTP_PORT"] == "8080"
        settings = Settings.from_env({**env, "DISCORD_TOKEN": "x"}, env_file=None)  # what the process will run
        assert settings.shard_count == 2
        shards.append(settings.shard_ids)
    assert shards == [(0,), (1,)]
    assert services["shard-0"]["environment"]["DATABASE_URL"] == services["shard-1"]["environment"]["DATABASE_URL"]
