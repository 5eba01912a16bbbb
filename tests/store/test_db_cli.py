"""``layerbot db upgrade | downgrade | current``: what an operator sees, on both engines, from any directory."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

import bot.cli as cli
from bot.store.engine import make_engine
from bot.store.migrations import current, head


async def _layerbot(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the CLI in a worker thread (it calls asyncio.run itself, as it does from a shell)."""
    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    os.environ.update({"LANG": "C.UTF-8", **(env or {})})
    try:
        code = await asyncio.to_thread(cli.main, list(argv), stdout=out, stderr=err)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return code, out.getvalue(), err.getvalue()


async def test_upgrade_current_downgrade(db_url: str) -> None:
    code, out, err = await _layerbot("db", "current", "--url", db_url)
    assert (code, err) == (0, "") and "empty: no schema yet" in out

    code, out, err = await _layerbot("db", "upgrade", "--url", db_url)
    assert (code, err) == (0, "") and f"upgraded from empty to {head()} (head)" in out
    assert await current(db_url) == (head(),)

    code, out, _ = await _layerbot("db", "upgrade", "--url", db_url)
    assert code == 0 and "already at" in out and "nothing to do" in out

    code, out, _ = await _layerbot("db", "current", "--url", db_url, "--json")
    assert code == 0
    assert json.loads(out) | {"url": None} == {"url": None, "revisions": [head()], "head": head(), "status": "head"}

    code, out, err = await _layerbot("db", "downgrade", "base", "--url", db_url)
    assert (code, err) == (0, "") and "to empty; every table and stored query is gone" in out
    assert await current(db_url) == ()


async def test_the_default_database_is_a_sqlite_file_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("LAYERBOT_DATA_DIR", raising=False)
    code, out, _ = await _layerbot("db", "upgrade")
    assert code == 0 and out.startswith("sqlite+aiosqlite:///./layerbot.db: upgraded")
    assert (tmp_path / "layerbot.db").is_file()

    code, out, _ = await _layerbot("db", "upgrade", env={"LAYERBOT_DATA_DIR": str(tmp_path / "var")})
    assert code == 0 and (tmp_path / "var" / "layerbot.db").is_file()

    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'from-dotenv.db'}\n", encoding="utf-8")
    code, out, _ = await _layerbot("db", "upgrade")
    assert code == 0 and (tmp_path / "from-dotenv.db").is_file()


async def test_a_newer_database_is_reported_and_refused(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe9999'"))
    finally:
        await engine.dispose()
    code, out, _ = await _layerbot("db", "current", "--url", migrated_url)
    assert code == 1 and "f00dcafe9999: unknown to this layerbot" in out
    code, _, err = await _layerbot("db", "upgrade", "--url", migrated_url)
    assert code == 1 and "newer layerbot" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "status", "says"),
    [
        (["db", "upgrade", "--url", "mysql://u@h/db"], 2, "SQLite (sqlite+aiosqlite://) or PostgreSQL"),
        (["db", "upgrade", "--url", "postgresql://postgres:hunter2@127.0.0.1:1/x"], 1, "cannot reach the database"),
        (["db", "downgrade"], 2, "required: revision"),
        (["db"], 2, "required: <action>"),
    ],
)
async def test_mistakes_get_one_line_and_a_status(argv: list[str], status: int, says: str) -> None:
    code, out, err = await _layerbot(*argv)
    assert code == status and says in err and out == "" and err.count("\n") == 1
    assert "hunter2" not in err and "Traceback" not in err


async def test_an_unknown_revision_is_an_input_error(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    code, _, err = await _layerbot("db", "upgrade", "--url", url)
    code, _, err = await _layerbot("db", "downgrade", "nosuchrev", "--url", url)
    assert code == 2 and "nosuchrev" in err


def test_the_installed_command_works_from_any_directory(tmp_path: Path) -> None:
    """The entry point (or ``python -m bot.cli`` where it is not installed) finds migrations/ from a
    directory that has none, and the default database lands there."""
    script = shutil.which("layerbot", path=str(Path(sys.executable).parent))
    command = [script] if script is not None else [sys.executable, "-m", "bot.cli"]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LAYERBOT_DATA_DIR")}
    done = subprocess.run([*command, "db", "upgrade"], capture_output=True, text=True,
                          env={**env, "LANG": "C.UTF-8"}, cwd=tmp_path, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert f"to {head()} (head)" in done.stdout and (tmp_path / "layerbot.db").is_file()
