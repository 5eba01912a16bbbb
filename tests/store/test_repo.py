"""bot.store.repo.Store on both engines: record and read back, /history, /forget, /stats, the cache,
retention, inputs stored verbatim and bounded, and behaviour while the database is down."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bot.store import (
    MAX_INPUT_BYTES,
    Headline,
    Outcome,
    QueryRecord,
    Source,
    Store,
    StoreUnavailable,
    input_digest,
    layer_kinds,
    open_store,
)
from bot.store.errors import DatabaseNewerError
from bot.store.migrations import current, head, upgrade_to_head
from bot.store.models import Query, QueryLayerKind
from bot.store.repo import bound_text
from calc.commands import run

NOW = datetime(2024, 5, 10, 15, 30, tzinfo=UTC)
VERSION = "0.1.0"


def _q(text: str = "/dense 86400 4", **over: Any) -> QueryRecord:
    base = QueryRecord(
        source=Source.DISCORD, command="dense", input_text=text, calc_version=VERSION,
        guild_id=100, channel_id=200, user_id=1, locale="en-US", input_format="command",
        headline=Headline(total_params=345_604, ok=1), layer_kinds={"Dense": 1},
        report={"schema": "layerbot.command/1", "totals": {"params": 345_604}}, duration_ms=4, created_at=NOW,
    )
    return replace(base, **over)


async def _count(store: Store, model: Any, *where: Any) -> int:
    async with store.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


# --------------------------------------------------------------------------------------------
# Record and read back.


async def test_a_record_reads_back_whole(store: Store) -> None:
    result = run("/dense 86400 4")
    entry = _q(headline=Headline.of(result), layer_kinds=layer_kinds(result), error_code=None)
    query_id = await store.record(entry)
    assert query_id is not None and store.health.ok
    got = await store.get(query_id, 1)
    assert got is not None
    assert (got.id, got.created_at, got.source, got.guild_id, got.channel_id, got.user_id, got.locale) == (
        query_id, NOW, Source.DISCORD, 100, 200, 1, "en-US")
    assert (got.command, got.input_format, got.input_text, got.input_bytes, got.input_truncated) == (
        "dense", "command", "/dense 86400 4", 14, False)
    assert got.input_sha256 == input_digest("/dense 86400 4") and got.calc_version == VERSION
    assert got.headline == Headline(total_params=345_604, ok=1, findings=len(result.findings))
    assert got.layer_kinds == {"Dense": 1}
    assert got.report == {"schema": "layerbot.command/1", "totals": {"params": 345_604}}
    assert (got.duration_ms, got.outcome, got.error_code, got.error_text, got.from_cache) == (
        4, Outcome.ANSWERED, None, None, False)


async def test_a_query_is_only_readable_by_its_user(store: Store) -> None:
    query_id = await store.record(_q(user_id=1))
    assert query_id is not None
    assert await store.get(query_id, 2) is None
    assert await store.get(query_id, None) is None
    assert await store.get(query_id + 1000, 1) is None


async def test_errors_are_recorded_with_their_outcome(store: Store) -> None:
    query_id = await store.record(_q(
        "/dense banana", outcome=Outcome.USER_ERROR, headline=Headline(), layer_kinds={}, report=None,
        error_code="cmd.error.value", error_text="dense: in_features=banana is not valid",
    ))
    assert query_id is not None
    got = await store.get(query_id, 1)
    assert got is not None and got.outcome is Outcome.USER_ERROR and got.report is None
    assert got.error_code == "cmd.error.value" and got.error_text == "dense: in_features=banana is not valid"
    assert got.headline.total_params is None


async def test_sql_looking_text_is_stored_as_data(store: Store) -> None:
    nasty = [
        "'); DROP TABLE queries; --",
        "Robert'); DELETE FROM query_layer_kinds WHERE 1=1; --",
        "%s %(x)s :name ? $1 \\x00 \\' \\\\",
        "/dense 86400 4; SELECT * FROM queries",
        "dense_2 (Dense)   (None, 4)   345604\n模型：序列 🧠\r\n\ttab",
    ]
    ids = [await store.record(_q(t, user_id=5, command=t[:40], locale=t[:20], error_text=t)) for t in nasty]
    assert None not in ids
    for query_id, t in zip(ids, nasty, strict=True):
        got = await store.get(query_id, 5)  # type: ignore[arg-type]
        assert got is not None
        assert got.input_text == t and got.error_text == t and got.input_sha256 == input_digest(t)
    assert await _count(store, Query) == len(nasty)
    assert await _count(store, QueryLayerKind) == len(nasty)


async def test_long_inputs_are_cut_at_a_character_boundary_and_hashed_whole(store: Store) -> None:
    text = "a" + "模" * MAX_INPUT_BYTES  # 1 + 3 bytes per character: the cut falls inside a character
    query_id = await store.record(_q(text))
    got = await store.get(query_id, 1)  # type: ignore[arg-type]
    assert got is not None and got.input_truncated
    stored = got.input_text.encode("utf-8")
    assert len(stored) <= MAX_INPUT_BYTES and len(stored) > MAX_INPUT_BYTES - 3
    assert text.startswith(got.input_text)
    assert got.input_bytes == len(text.encode("utf-8"))
    assert got.input_sha256 == input_digest(text)


def test_bound_text() -> None:
    assert bound_text("abc", 3) == ("abc", 3, False)
    assert bound_text("abcd", 3) == ("abc", 4, True)
    assert bound_text("ab模", 4) == ("ab", 5, True)
    assert bound_text("a\x00b\ud800", 10) == ("a\ufffdb\ufffd", 6, False)  # what no text column holds


async def test_characters_no_database_can_hold_are_replaced_but_hashed_as_given(store: Store) -> None:
    text = "Dense\x00(512)\ud83d"  # NUL and a lone surrogate (half an emoji)
    report = {"name\x00": "x\x00y", "ratio": float("nan"), "shape": (None, 4), "big": 10**24}
    query_id = await store.record(_q(text, report=report, layer_kinds={"Dense\x00": 1}))
    got = await store.get(query_id, 1)  # type: ignore[arg-type]
    assert got is not None
    assert got.input_text == "Dense\ufffd(512)\ufffd"
    assert got.input_sha256 == input_digest(text) != input_digest(got.input_text)
    assert got.report == {"name\ufffd": "x\ufffdy", "ratio": None, "shape": [None, 4], "big": 10**24}
    assert got.layer_kinds == {"Dense\ufffd": 1}


async def test_totals_beyond_64_bits_stay_in_the_report(store: Store) -> None:
    query_id = await store.record(_q("/dense 1e12 1e12", headline=Headline(total_params=10**24 + 10**12, ok=1),
                                     report={"totals": {"params": 10**24 + 10**12}}))
    got = await store.get(query_id, 1)  # type: ignore[arg-type]
    assert got is not None and got.headline.total_params is None
    assert got.report == {"totals": {"params": 10**24 + 10**12}}


async def test_an_unserialisable_report_is_left_out_not_the_query(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.store"):
        query_id = await store.record(_q(report={"when": datetime(2024, 1, 1, tzinfo=UTC)}))
    got = await store.get(query_id, 1)  # type: ignore[arg-type]
    assert got is not None and got.report is None and "not JSON" in caplog.text


async def test_concurrent_records_each_get_their_own_session(store: Store) -> None:
    ids = await asyncio.gather(*(store.record(_q(f"/dense {n} 4", user_id=n % 3)) for n in range(1, 31)))
    assert None not in ids and len(set(ids)) == 30
    assert await _count(store, Query) == 30 and store.health.ok


# --------------------------------------------------------------------------------------------
# /history, /forget.


async def test_history_is_the_users_newest_first_without_the_report(store: Store) -> None:
    for minutes in range(12):
        await store.record(_q(f"/dense {minutes + 1} 4" + " x" * 100, created_at=NOW + timedelta(minutes=minutes)))
    await store.record(_q("someone else", user_id=2, created_at=NOW + timedelta(hours=1)))
    await store.record(_q("/dense 9 9", source=Source.TERMINAL, user_id=None, guild_id=None, channel_id=None))

    entries = await store.history(1, limit=10)
    assert len(entries) == 10
    assert [e.created_at for e in entries] == [NOW + timedelta(minutes=m) for m in range(11, 1, -1)]
    first = entries[0]
    assert first.input_preview.startswith("/dense 12 4") and len(first.input_preview) == 80
    assert first.headline == Headline(total_params=345_604, ok=1) and first.outcome is Outcome.ANSWERED
    assert [e.input_preview for e in await store.history(2)] == ["someone else"]
    assert [e.source for e in await store.history(None)] == [Source.TERMINAL]
    assert await store.history(3) == []


async def test_forget_removes_every_record_of_that_user_and_nothing_else(store: Store) -> None:
    per_user = {1: 5, 2: 3, 3: 4}
    for user, n in per_user.items():
        for i in range(n):
            await store.record(_q(f"/dense {i + 1} {user}", user_id=user, guild_id=100 + i % 2,
                                  layer_kinds={"Dense": 1, f"Kind{user}": 2}))
    kinds_before = await _count(store, QueryLayerKind)
    assert kinds_before == 2 * sum(per_user.values())

    assert await store.forget(2) == 3
    assert await store.history(2) == []
    assert await _count(store, Query, Query.user_id == 2) == 0
    assert await _count(store, QueryLayerKind, QueryLayerKind.kind == "Kind2") == 0  # cascaded
    assert await _count(store, QueryLayerKind) == kinds_before - 2 * 3
    for user in (1, 3):
        assert len(await store.history(user, limit=100)) == per_user[user]
        assert await _count(store, QueryLayerKind, QueryLayerKind.kind == f"Kind{user}") == per_user[user]

    assert await store.forget(2) == 0  # nothing left to forget
    assert await store.forget(999) == 0
    assert await _count(store, Query) == per_user[1] + per_user[3]


# --------------------------------------------------------------------------------------------
# The cache, retention.


async def test_an_identical_input_with_the_same_calc_version_reuses_the_report(store: Store) -> None:
    paste = "Model: sequential\nDense (Dense)  (None, 4)  345604\n"
    digest = input_digest(paste)
    assert await store.cached_report(digest, VERSION) is None
    await store.record(_q(paste, command="explain", report={"answer": 1}, user_id=1))
    await store.record(_q(paste, command="explain", outcome=Outcome.USER_ERROR, report={"answer": "error"}))
    assert await store.cached_report(digest, VERSION) == {"answer": 1}
    assert await store.cached_report(digest, VERSION, command="explain") == {"answer": 1}
    assert await store.cached_report(digest, VERSION, command="dense") is None
    assert await store.cached_report(digest, "0.2.0") is None  # a new calc may answer differently
    assert await store.cached_report(input_digest(paste + " "), VERSION) is None  # identical means identical
    await store.forget(1)
    assert await store.cached_report(digest, VERSION) is None  # forgotten means forgotten


async def test_purge_deletes_what_is_older_than_the_cutoff(store: Store) -> None:
    for days in (0, 10, 89, 91, 400):
        await store.record(_q(f"/dense {days + 1} 4", created_at=NOW - timedelta(days=days)))
    assert await store.purge(NOW - timedelta(days=90)) == 2
    assert await _count(store, Query) == 3
    assert await _count(store, QueryLayerKind) == 3
    assert await store.purge(NOW - timedelta(days=90)) == 0


# --------------------------------------------------------------------------------------------
# /stats.


async def test_stats_are_aggregates_over_the_period(migrated_url: str) -> None:
    async with Store.open(migrated_url, now=lambda: NOW) as store:
        rows = [
            (0, 1, 100, "dense", {"Dense": 1}, Outcome.ANSWERED),
            (0, 2, 100, "explain", {"Dense": 3, "Conv2D": 2}, Outcome.ANSWERED),
            (1, 2, 100, "explain", {"Conv2D": 1, "MaxPooling2D": 1}, Outcome.ANSWERED),
            (2, 3, 100, "dense", {}, Outcome.USER_ERROR),
            (2, 3, 555, "conv", {"Conv2D": 1}, Outcome.ANSWERED),  # another server
            (9, 1, 100, "rnn", {"LSTM": 1}, Outcome.ANSWERED),  # before the period
        ]
        for days, user, guild, command, kinds, outcome in rows:
            await store.record(_q(command=command, user_id=user, guild_id=guild, layer_kinds=kinds,
                                  outcome=outcome, created_at=NOW - timedelta(days=days, hours=1)))
        # late on the evening of 9 May in UTC-4 is already 10 May in UTC: days are UTC days
        await store.record(_q(command="dense", user_id=4, guild_id=100, layer_kinds={"Dense": 1},
                              created_at=datetime(2024, 5, 10, 0, 30, tzinfo=UTC)))

        stats = await store.stats(100, days=7)
        assert stats.since == date(2024, 5, 4) and stats.days == 7
        assert stats.queries == 5 and stats.users == 4
        assert stats.per_day == tuple((date(2024, 5, d), n) for d, n in
                                      ((4, 0), (5, 0), (6, 0), (7, 0), (8, 1), (9, 1), (10, 3)))
        assert stats.top_commands == (("dense", 3), ("explain", 2))
        assert stats.top_kinds == (("Dense", 3), ("Conv2D", 2), ("MaxPooling2D", 1))  # queries, not layers
        assert stats.outcomes == {Outcome.ANSWERED: 4, Outcome.USER_ERROR: 1}

        everywhere = await store.stats(None, days=30, top=1)
        assert everywhere.queries == 7 and everywhere.top_commands == (("dense", 3),)
        assert everywhere.top_kinds == (("Conv2D", 3),)  # a tie with Dense: by name
        assert len(everywhere.per_day) == 30 and sum(n for _, n in everywhere.per_day) == 7
        assert (await store.stats(999, days=1)).queries == 0


# --------------------------------------------------------------------------------------------
# When the database is down.


class _Clock:
    def __init__(self) -> None:
        self.t = 1_000.0

    def __call__(self) -> float:
        return self.t


async def test_a_down_database_never_stops_an_answer(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The file cannot be opened (it is a directory): writes return None, reads of the cache miss,
    the outage is logged once a minute, and the end of it once."""
    path = tmp_path / "layerbot.db"
    path.mkdir()
    clock = _Clock()
    async with Store.open(f"sqlite+aiosqlite:///{path}", clock=clock, now=lambda: NOW) as store:
        with caplog.at_level(logging.WARNING, logger="bot.store"):
            for step in (0, 10, 30):
                clock.t = 1_000.0 + step
                assert await store.record(_q()) is None
            assert await store.cached_report("0" * 64, VERSION) is None
            assert len(caplog.records) == 1
            health = store.health
            assert not health.ok and health.failures == 4 and health.down_since == NOW
            assert health.last_error is not None and "unable to open database file" in health.last_error
            assert "/dense" not in health.last_error  # no SQL, no user input

            with pytest.raises(StoreUnavailable, match="unavailable"):
                await store.history(1)
            with pytest.raises(StoreUnavailable):
                await store.forget(1)
            with pytest.raises(StoreUnavailable):
                await store.stats(None)

            clock.t = 1_061.0
            assert await store.record(_q()) is None
            assert len(caplog.records) == 2 and "6 more failures" in caplog.records[1].getMessage()

        path.rmdir()  # the database comes back
        await upgrade_to_head(f"sqlite+aiosqlite:///{path}")
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="bot.store"):
            assert await store.record(_q()) is not None
            assert await store.record(_q()) is not None
        assert store.health.ok and store.health.failures == 0
        assert [r.getMessage() for r in caplog.records] == [
            f"query store is back after 8 failed operations since {NOW.isoformat()}"
        ]


async def test_an_unreachable_server_is_an_outage_not_a_crash(caplog: pytest.LogCaptureFixture) -> None:
    async with Store.open("postgresql+asyncpg://postgres@127.0.0.1:1/none") as store:
        with caplog.at_level(logging.WARNING, logger="bot.store"):
            assert await store.record(_q()) is None
            assert await store.cached_report("0" * 64, VERSION) is None
            with pytest.raises(StoreUnavailable, match=r"Connect call failed|refused"):
                await store.history(1)
        assert not store.health.ok and len(caplog.records) == 1
        assert "answers still go out" in caplog.records[0].getMessage()


async def test_a_bug_is_not_dressed_up_as_an_outage(store: Store) -> None:
    """Only a database that fails to answer is an outage; any other error propagates as it is."""
    async def buggy() -> None:
        async with store._guard("history", write=False) as session:
            await session.execute(select(1))
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        await buggy()
    assert store.health.ok


async def test_open_store_readies_a_new_database(db_url: str) -> None:
    """What `layerbot run` / `chat` do: a new user's empty database is brought to head, no step of theirs."""
    store = await open_store(db_url)
    try:
        assert await store.record(_q()) is not None and store.health.ok
    finally:
        await store.close()
    assert await current(db_url) == (head(),)


async def test_open_store_refuses_a_newer_database(migrated_url: str) -> None:
    async with Store.open(migrated_url) as store, store.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe9999'"))
    with pytest.raises(DatabaseNewerError, match="newer layerbot"):
        await open_store(migrated_url)


async def test_open_store_starts_marked_down_when_the_server_is_away(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.store"):
        store = await open_store("postgresql+asyncpg://postgres@127.0.0.1:1/none")
        try:
            assert not store.health.ok and "during upgrade" in caplog.text
            assert await store.record(_q()) is None
        finally:
            await store.close()
    assert len(caplog.records) == 1  # the second failure, within the minute, is counted, not logged


def test_headlines_of_commands_and_reports() -> None:
    result = run("/conv 256x256x3 32 3")
    assert Headline.of(result).total_params == 896 and Headline.of(result).ok == 1
    assert layer_kinds(result) == {"Conv2D": 1}
    assert Headline.of(run("/help")) == Headline(total_params=None, ok=0, findings=0)
    stack = run("/rnn lstm 32 16 num_layers=3")
    assert layer_kinds(stack) == {"LSTM": 3} and Headline.of(stack).ok == 3
