"""Nothing a user was answered is lost: ``layerbot run`` SIGKILLed in the middle of a burst, on SQLite and on
PostgreSQL, then started again — every question whose reply reached Discord is in the store
(bench/durability.py, the full-size version: ``python -m bench.durability``)."""

from __future__ import annotations

import pytest

from bench.durability import render, run_engine
from tests.discord.conftest import bounded
from tests.discord.databases import ENGINES, postgres_or_skip

COUNT = 60
KILL_AT = 0.5
AFTER = 5


@pytest.mark.parametrize("engine", ENGINES)
@bounded(240)
async def test_every_answer_seen_before_a_sigkill_is_in_the_store(engine: str) -> None:
    if engine == "postgresql":
        await postgres_or_skip()
    result = await run_engine(engine, COUNT, KILL_AT, AFTER)
    print("\n".join(render([result], COUNT, KILL_AT)))
    assert result.sent == COUNT
    # the kill came in the middle: half answered, and work still in progress that it cut off
    assert result.answered_before_kill >= COUNT * KILL_AT
    assert result.never_answered + result.recorded_not_answered > 0, "the bot had finished before the kill"
    assert result.answered_but_missing == 0, f"answered but not stored: {result.missing_examples}"
    assert result.wrong_rows == 0
    assert result.recorded >= result.answered
    # and the bot came back on the same database and answers (and records) again
    assert result.after_answered == result.after_recorded == AFTER
