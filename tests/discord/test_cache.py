"""The answer cache end to end: a paste asked again is answered from the stored result of the first
answer (the record says so, and the reply is the same, in the asker's language); a result stored by
other calculations is not reused; a store that goes away costs nothing but the cache; ``layerbot
chat`` uses the same cache."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.discord.app import CACHE_WAIT_S
from bot.discord.replies import Reply
from bot.discord.worker import CALC_VERSION, Request, answer
from bot.store.models import Query, Source
from bot.store.records import QueryRecord
from bot.store.repo import Store
from tests.discord.conftest import Launch, Running, bounded, eventually, seed_summary, wait_stored
from tests.discord.test_launcher import environment, layerbot
from tests.discord_standin import InteractionRecord, Upload

MARK = "FromTheStore"  # a model name no calculation gives the seed summary


def visible(messages: list[dict[str, Any]], files: list[Any]) -> list[Any]:
    """What the asker sees: each message's text, embeds and attachments' names, and the files' bytes
    (not the ids, times and button ids, which differ between any two answers)."""
    shown: list[Any] = [
        (m.get("content"), m.get("embeds"), sorted(a["filename"] for a in m.get("attachments", [])))
        for m in messages
    ]
    shown.append(sorted((f.filename, f.data) for f in files))
    return shown


def embed_view(embed: dict[str, Any]) -> dict[str, Any]:
    return {k: embed.get(k) for k in ("title", "description", "fields", "footer", "color", "image")}


def reply_view(reply: Reply) -> list[dict[str, Any]]:
    return [embed_view(e.to_dict()) for e in reply.embeds]  # type: ignore[arg-type]


async def from_cache_flags(store: Store) -> list[tuple[str, bool]]:
    """(calc version, served from the cache) of every stored query, oldest first."""
    async with store.engine.connect() as conn:
        rows = (await conn.execute(select(Query.calc_version, Query.from_cache).order_by(Query.id))).all()
    return [(version, bool(cached)) for version, cached in rows]


async def explain_file(r: Running, text: str, locale: str | None = None) -> InteractionRecord:
    rec = await r.standin.send_command("explain", {"file": Upload("model.txt", text.encode())}, locale=locale)
    return await r.standin.wait_for_reply(rec, until=lambda x: len(x.messages) >= 2, timeout=15)


async def dm_paste(r: Running, text: str) -> dict[str, Any]:
    since = len(r.standin.sent_messages)
    question = await r.standin.send_message(text, dm=True)
    sent = await r.standin.wait_for_message(reply_to=question, since=since, timeout=15)
    assert sent.message is not None
    return sent.message


@bounded(90)
async def test_the_same_paste_again_is_answered_from_the_cache_in_either_language(launch: Launch) -> None:
    summary = seed_summary()
    async with launch() as r:
        r.standin.add_guild()
        first = await explain_file(r, summary)
        await wait_stored(r.store, 1)
        again = await explain_file(r, summary)
        await wait_stored(r.store, 2)
        assert visible(again.messages, again.files) == visible(first.messages, first.files)
        assert "420,388" in json.dumps(again.messages[0]["embeds"])

        chinese = await explain_file(r, summary, locale="zh-CN")
        await wait_stored(r.store, 3)
        assert await from_cache_flags(r.store) == [(CALC_VERSION, False), (CALC_VERSION, True), (CALC_VERSION, True)]
        # Rendered afresh in Chinese from the result stored by the English answer: the same as a fresh
        # Chinese answer from the very work function the workers run.
        fresh = answer(Request("explain", {"text": summary}, locale="zh"))
        assert not fresh.from_cache
        assert [embed_view(e) for e in chinese.messages[0]["embeds"]] == reply_view(fresh.reply)
        assert chinese.messages[1]["content"] == fresh.reply.pages[0]
        assert "推导" in chinese.messages[0]["embeds"][0]["description"]
        (entry,) = [e for e in await r.store.history(r.standin.user.id, 5) if e.id == 3]
        assert entry.command == "explain" and entry.input_format == "keras2"
        assert entry.headline.total_params == 420_388  # the record of a cached answer is whole


@bounded(90)
async def test_a_stored_result_is_reused_only_by_the_same_calc_version(launch: Launch) -> None:
    async with launch() as r:
        first = await dm_paste(r, seed_summary())
        await wait_stored(r.store, 1)
        async with r.store.engine.connect() as conn:  # the question exactly as the bot keeps it
            paste = (await conn.execute(select(Query.input_text))).scalar_one()
        document = json.loads(json.dumps(answer(Request(None, line=paste)).document))
        document["result"]["result"]["report"]["name"] = MARK  # a stored answer no calculation would give

        def stored(version: str) -> QueryRecord:
            return QueryRecord(source=Source.TERMINAL, command="explain", input_text=paste, calc_version=version,
                               report=document)

        await r.store.record(stored("0.0.1+000000000000"))  # newer than the first, by other calculations
        other = await dm_paste(r, seed_summary())
        assert other["embeds"] == first["embeds"] and MARK not in json.dumps(other)
        await wait_stored(r.store, 3)

        await r.store.record(stored(CALC_VERSION))  # now the newest stored answer of this version
        reused = await dm_paste(r, seed_summary())
        assert MARK in reused["embeds"][0]["title"]  # it came from the store, not from calc
        await wait_stored(r.store, 5)
        assert await from_cache_flags(r.store) == [
            (CALC_VERSION, False), ("0.0.1+000000000000", False), (CALC_VERSION, True), (CALC_VERSION, False),
            (CALC_VERSION, True),
        ]


@bounded(90)
async def test_when_the_store_goes_away_pastes_are_still_answered(launch: Launch, tmp_path: Path) -> None:
    paste = seed_summary()
    async with launch() as r:
        first = await dm_paste(r, paste)
        await wait_stored(r.store, 1)

        # The database file disappears (a directory takes its place): no connection can open it.
        await r.store.engine.dispose()
        database = tmp_path / "layerbot.db"
        for path in tmp_path.glob("layerbot.db*"):
            path.unlink()
        database.mkdir()

        during = await dm_paste(r, paste)  # the look-up fails: a miss, then calc as usual

        async def down() -> bool:
            return not r.store.health.ok

        await eventually(down, what="the store to be marked down")
        later = await dm_paste(r, paste)  # while down, the cache is not even asked
        assert during["embeds"] == first["embeds"] == later["embeds"]
        assert "420,388" in json.dumps(later["embeds"])
        shutil.rmtree(database)


@bounded(90)
async def test_a_slow_look_up_is_a_miss_and_does_not_hold_the_answer(
    launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with launch() as r:
        first = await dm_paste(r, seed_summary())
        await wait_stored(r.store, 1)
        real = r.store.cached_report

        async def slow(*args: Any, **kwargs: Any) -> Any:  # a database that takes 10 × the wait to answer
            await asyncio.sleep(10 * CACHE_WAIT_S)
            return await real(*args, **kwargs)

        monkeypatch.setattr(r.store, "cached_report", slow)
        started = time.monotonic()
        again = await dm_paste(r, seed_summary())
        assert time.monotonic() - started < 8 * CACHE_WAIT_S
        assert again["embeds"] == first["embeds"]
        await wait_stored(r.store, 2)
        assert await from_cache_flags(r.store) == [(CALC_VERSION, False), (CALC_VERSION, False)]


@bounded(90)
async def test_chat_answers_a_repeated_paste_from_the_cache(tmp_path: Path) -> None:
    env = environment(tmp_path)
    typed = f"{seed_summary()}\n\n\n{seed_summary()}\n\n\n/quit\n"
    code, out, err = await layerbot("chat", env=env, cwd=tmp_path, stdin=typed.encode())
    assert code == 0, err
    assert out.count("420,388") >= 2
    half = len(out) // 2
    assert out[:half] == out[half:]  # the second answer reads exactly as the first
    store = Store.open(env["DATABASE_URL"])
    try:
        (version, fresh), (same_version, cached) = await from_cache_flags(store)
    finally:
        await store.close()
    assert (fresh, cached) == (False, True) and same_version == version  # chat's version: its own import


# --------------------------------------------------------------------------------------------
# The work function on its own.


def test_only_pasted_models_are_looked_up() -> None:
    paste = seed_summary()
    looked_up = [Request(None, line=paste), Request(None, line=f"/explain\n{paste}"), Request("explain", {"text": paste}),
                 Request("whatif", {"text": paste, "change": "flatten -> gap"}), Request(None, line="/what_if x\ny")]
    not_looked_up = [Request("dense", {"in_features": 1, "units": 1}), Request(None, line="/dense 86400 4"),
                     Request("help", {}), Request(None, line="/suggest 86400 4")]
    assert [r.cacheable for r in looked_up] == [True] * len(looked_up)
    assert [r.cacheable for r in not_looked_up] == [False] * len(not_looked_up)


def test_a_stored_document_that_cannot_be_used_is_calculated_afresh(caplog: pytest.LogCaptureFixture) -> None:
    paste = seed_summary()
    fresh = answer(Request(None, line=paste))
    assert fresh.document is not None and not fresh.from_cache
    other = json.loads(json.dumps(fresh.document))
    other["result"]["calc_version"] = "0.0.1+000000000000"
    damaged = json.loads(json.dumps(fresh.document))
    damaged["result"]["result"]["report"]["layers"] = {"$ref": 10**6}
    unshowable = json.loads(json.dumps(fresh.document))
    unshowable["result"]["result"]["report"]["layers"] = [{"$": "Message", "key": "no such layer"}]  # reads, cannot render
    for document in (other, damaged, unshowable):
        again = answer(Request(None, line=paste, cached=document))
        assert not again.from_cache
        assert reply_view(again.reply) == reply_view(fresh.reply) and again.reply.pages == fresh.reply.pages
        assert again.document is not None and again.document["result"]["calc_version"] == CALC_VERSION
    said = [r.getMessage() for r in caplog.records]
    assert sum("is not reused" in m for m in said) == 2 and sum("could not be shown" in m for m in said) == 1
    hit = answer(Request(None, line=paste, cached=json.loads(json.dumps(fresh.document))))
    assert hit.from_cache and reply_view(hit.reply) == reply_view(fresh.reply)
    assert (hit.command, hit.input_format, hit.headline, hit.layer_kinds) == (
        fresh.command, fresh.input_format, fresh.headline, fresh.layer_kinds)
