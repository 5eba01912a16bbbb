"""``layerbot db copy``: every stored query, column for column and ids included, from SQLite into PostgreSQL and
back; the id sequence moved past the copy; a target that already holds queries refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.store import Headline, Outcome, QueryRecord, Source, Store
from bot.store.copy import TABLES, TargetNotEmpty, copy_queries
from bot.store.engine import make_engine
from bot.store.errors import StoreConfigError
from bot.store.migrations import upgrade_to_head
from tests.store.test_db_cli import _layerbot


def _records() -> list[QueryRecord]:
    paste = "Layer (type)  Output Shape  Param #\n dense (Dense)  (None, 4)  345604\n参数 ✓ \x00"
    return [
        QueryRecord(source=Source.DISCORD, command="dense", input_text="/dense 86400 4", calc_version="v1",
                    guild_id=2**62, channel_id=7, user_id=1, locale="en-US", input_format="command",
                    headline=Headline(total_params=345_604, ok=1), layer_kinds={"Dense": 1},
                    report={"totals": {"params": 345_604}, "note": "ünïcode"}, duration_ms=4),
        QueryRecord(source=Source.DISCORD, command="explain", input_text=paste, calc_version="v1", user_id=2,
                    locale="zh-CN", input_format="keras2", headline=Headline(total_params=None, mismatch=2),
                    layer_kinds={"Dense": 2, "Conv2D": 3}, report=None, from_cache=True),
        QueryRecord(source=Source.TERMINAL, command="conv", input_text="/conv 256x256x3 0 3", calc_version="v1",
                    outcome=Outcome.USER_ERROR, error_code="calc.error.range", error_text="filters must be ≥ 1"),
        QueryRecord(source=Source.DISCORD, command="dense", input_text="/dense 8 4", calc_version="v1", user_id=3,
                    layer_kinds={"Dense": 1}),
    ]


async def _dump(url: str) -> list[list[dict[str, Any]]]:
    from sqlalchemy import select

    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return [
                [dict(row._mapping) for row in await connection.execute(select(t).order_by(*t.primary_key.columns))]
                for t in TABLES
            ]
    finally:
        await engine.dispose()


async def test_copy_into_postgresql_and_back_keeps_every_row(pg_url: str, tmp_path: Path) -> None:
    old = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await upgrade_to_head(old)
    async with Store.open(old) as store:
        ids = [await store.record(r) for r in _records()]
        assert await store.forget(2) == 1  # a gap in the ids, as a real store has
    before = await _dump(old)
    assert [row["id"] for row in before[0]] == [ids[0], ids[2], ids[3]] and len(before[1]) == 2

    code, out, err = await _layerbot("db", "copy", "--url", old, "--to", pg_url)
    assert (code, err) == (0, "") and "copied 3 stored queries (2 layer kinds)" in out
    assert await _dump(pg_url) == before

    async with Store.open(pg_url) as store:  # the next answer gets an id of its own, past the copied ones
        new = await store.record(_records()[0])
    assert new is not None and new > before[0][-1]["id"]

    back = f"sqlite+aiosqlite:///{tmp_path / 'back.db'}"  # and out of PostgreSQL again
    result = await copy_queries(pg_url, back)
    assert (result.queries, result.layer_kinds) == (4, 3)
    assert await _dump(back) == await _dump(pg_url)


async def test_a_target_that_holds_queries_is_refused(db_url: str, tmp_path: Path) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path / 'source.db'}"
    await upgrade_to_head(source)
    await upgrade_to_head(db_url)
    async with Store.open(source) as store:
        await store.record(_records()[0])
    async with Store.open(db_url) as store:
        await store.record(_records()[3])
    with pytest.raises(TargetNotEmpty, match="already holds 1 stored queries"):
        await copy_queries(source, db_url)
    code, _, err = await _layerbot("db", "copy", "--url", source, "--to", db_url)
    assert code == 1 and "copy into an empty database" in err
    assert len((await _dump(db_url))[0]) == 1  # untouched
    with pytest.raises(StoreConfigError, match="same database"):
        await copy_queries(source, source)
