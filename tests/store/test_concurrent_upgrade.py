"""Bot processes that start together (shards sharing one database) all upgrade the schema at start:
they must take turns — a PostgreSQL advisory lock, SQLite's BEGIN IMMEDIATE — rather than all see an
empty database and all but one fail to create the tables."""

from __future__ import annotations

import asyncio
import sys

from bot.store import QueryRecord, Source, Store
from bot.store.migrations import check, current, head

PROCESSES = 4

# Each child gets ready (imports done, Alembic's scripts read), says so, and upgrades when told: the
# upgrades start within a millisecond or two of each other, well inside one migration's duration.
CHILD = """
import asyncio, sys
from bot.store.migrations import head, upgrade_to_head
head()
print("ready", flush=True)
sys.stdin.readline()
change = asyncio.run(upgrade_to_head(sys.argv[1]))
print("upgraded", ",".join(change.before) or "empty", ",".join(change.after), flush=True)
"""


async def test_processes_upgrading_one_database_at_the_same_moment_take_turns(db_url: str) -> None:
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, db_url,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(PROCESSES)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            line = await asyncio.wait_for(child.stdout.readline(), 60)
            assert line.strip() == b"ready", line
        for child in children:
            assert child.stdin is not None
            child.stdin.write(b"go\n")
        outputs = await asyncio.wait_for(asyncio.gather(*(child.communicate() for child in children)), 60)
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()
    texts = [out.decode("utf-8", "replace") for out, _ in outputs]
    for child, text in zip(children, texts, strict=True):
        assert child.returncode == 0, f"a process failed to upgrade the shared database:\n{text}"
        assert text.strip().endswith(head()), text
    assert await current(db_url) == (head(),)
    await check(db_url)  # one schema, exactly the models'
    async with Store.open(db_url) as store:
        assert await store.record(QueryRecord(source=Source.TERMINAL, command="dense", input_text="/dense 8 4", calc_version="test")) is not None
