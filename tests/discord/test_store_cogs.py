"""/history, /forget and /stats end to end: layerbot started by its launcher against the Discord stand-in,
the store on SQLite (and, for the tests taking ``db_url``, on PostgreSQL too).

Every reply here is checked by the stand-in as Discord would (lengths, components, flags): a reply
Discord would refuse fails the wait for it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.discord.cogs.store import StoreCog, history_reply, stats_reply
from bot.discord.limits import discord_limits_violations
from bot.discord.worker import Request, answer
from bot.store.models import Outcome, Query, QueryLayerKind, Source
from bot.store.records import Headline, HistoryEntry, QueryRecord, StoreHealth
from bot.store.repo import Store
from calc.commands import commands
from tests.discord.conftest import Launch, Running, bounded, eventually, stored_count, wait_stored
from tests.discord_standin import FakeUser, InteractionRecord
from tests.store.conftest import db_url  # noqa: F401 - the fixture: SQLite, then PostgreSQL

EPHEMERAL = 1 << 6
DEAD_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:1/layerbot"  # nothing listens on port 1
LAYER_LIST = "32x32x3 conv8k3 flatten dense4"  # (3·3·3 + 1)·8 = 224; 30·30·8·4 + 4 = 28,804; 29,028 in all
CUSTOM_REPR = """Sequential(
  (0): Linear(in_features=784, out_features=128, bias=True)
  (1): SecretSauceBlock()
  (2): Linear(in_features=128, out_features=10, bias=True)
)"""


def text_of(message: dict[str, Any]) -> str:
    """Everything a person reads in a message: content, embeds and menus."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text") or "")
    for row in message.get("components", []):
        for c in row.get("components", []):
            parts += [c.get("label") or "", c.get("placeholder") or ""]
            parts += [f"{o['label']} {o.get('description') or ''}" for o in c.get("options", [])]
    return "\n".join(parts)


def components(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in message.get("components", []) for c in row.get("components", [])]


def menu_of(message: dict[str, Any]) -> dict[str, Any]:
    (menu,) = [c for c in components(message) if c["type"] == 3]
    return menu


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    found = [c for c in components(message) if c["type"] == 2 and c.get("label") == label]
    assert found, f"no button {label!r} on {components(message)}"
    return found[0]


async def ask(r: Running, name: str, options: dict[str, Any] | None = None, **where: Any) -> InteractionRecord:
    return await r.standin.wait_for_reply(await r.standin.send_command(name, options or {}, **where))


def only_message(rec: InteractionRecord) -> dict[str, Any]:
    (message,) = rec.messages
    assert message["flags"] & EPHEMERAL, f"not private: {message}"
    return message


async def rows_of(store: Store, user: FakeUser) -> tuple[int, int]:
    """(queries, layer-kind rows) the store holds for ``user``, counted in the database itself."""
    async with store.engine.connect() as conn:
        queries = await conn.scalar(select(func.count()).select_from(Query).where(Query.user_id == user.id))
        kinds = await conn.scalar(
            select(func.count()).select_from(QueryLayerKind).join(Query, Query.id == QueryLayerKind.query_id)
            .where(Query.user_id == user.id)
        )
    return int(queries or 0), int(kinds or 0)


async def all_kind_rows(store: Store) -> int:
    async with store.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(QueryLayerKind)) or 0)


def cog_of(r: Running) -> StoreCog:
    cog = r.bot.get_cog("StoreCog")  # loaded by discord.py as a module of its own: not this StoreCog class
    assert cog is not None and type(cog).__name__ == StoreCog.__name__
    return cog  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# /history and "show again"


@bounded(60)
async def test_history_shows_the_askers_questions_and_only_theirs_in_both_languages(launch: Launch) -> None:
    async with launch(rate_burst=0) as r:
        lab = r.standin.add_guild("Lab")
        bob = r.standin.add_user("bob", locale="zh-CN")
        await ask(r, "dense", {"in_features": 86400, "units": 4})
        await ask(r, "dense", {"in_features": 1024, "units": 10, "bias": False})
        await ask(r, "explain", {"text": LAYER_LIST})
        await ask(r, "conv", {"input": "64x64x3", "filters": 16, "kernel": "3"}, user=bob, guild=lab)
        await ask(r, "dense", {"in_features": 7, "units": 7}, user=bob, guild=lab)
        await wait_stored(r.store, 5)

        mine = only_message(await ask(r, "history"))
        (embed,) = mine["embeds"]
        assert embed["title"] == "Your last 3 questions"
        names = [f["name"] for f in embed["fields"]]
        assert names == ["1. /explain · layer_list", "2. /dense", "3. /dense"]  # newest first
        explain, second, first = (f["value"] for f in embed["fields"])
        assert "<t:" in explain and "29,028 parameters" in explain
        findings = answer(Request("explain", {"text": LAYER_LIST})).headline.findings  # advice calc gives
        assert f"ok 3 · inferred 0 · mismatch 0 · unknown 0 · findings {findings}" in explain
        assert explain.splitlines()[1] == f"`/explain text={LAYER_LIST}`"  # the start of the input, as code
        assert "10,240 parameters" in second and "ok 1" in second  # 1,024 × 10, no bias
        assert "345,604 parameters" in first and "in_features=86400" in first
        said = text_of(mine)
        assert "/conv" not in said and "64x64x3" not in said and "in_features=7" not in said  # nothing of bob's
        assert len(menu_of(mine)["options"]) == 3

        bobs = only_message(await ask(r, "history", user=bob, guild=lab))
        (embed,) = bobs["embeds"]
        assert embed["title"] == "你最近的 2 条提问"
        assert [f["name"] for f in embed["fields"]] == ["1. /dense", "2. /conv"]
        assert "56 个参数" in embed["fields"][0]["value"] and "正确 1 · 推断 0 · 不符 0 · 未知 0" in embed["fields"][0]["value"]
        assert "再次显示" in menu_of(bobs)["placeholder"] and "不会重新保存" in embed["footer"]["text"]
        assert "345,604" not in text_of(bobs) and LAYER_LIST not in text_of(bobs)

        carol = r.standin.add_user("carol")
        empty = only_message(await ask(r, "history", user=carol))
        assert "no stored questions of yours" in empty["content"] and not empty.get("components")
        assert await stored_count(r.store) == 5  # listing is not a question


@bounded(60)
async def test_show_again_answers_privately_and_stores_nothing_new(
    launch: Launch, db_url: str  # noqa: F811 - the fixture imported above
) -> None:
    async with launch(database_url=db_url, rate_burst=0) as r:
        r.standin.add_guild()
        await ask(r, "dense", {"in_features": 86400, "units": 4})
        await ask(r, "explain", {"text": LAYER_LIST, "format": "layer_list"})  # stored on one line, options and all
        await wait_stored(r.store, 2)

        listing = only_message(await ask(r, "history"))
        ids = [o["value"] for o in menu_of(listing)["options"]]
        dense = await r.standin.wait_for_reply(await r.standin.select(listing, [ids[1]]))
        again = only_message(dense)
        (embed,) = again["embeds"]
        assert embed["title"] == "Dense · 345,604 parameters"
        assert "86,400 × 4 + 4 = 345,604" in embed["description"]

        explain = await r.standin.wait_for_reply(await r.standin.select(listing, [ids[0]]))
        said = text_of(explain.messages[0])
        assert "Read as a compact layer list" in said and "Total params: **29,028**" in said
        assert all(m["flags"] & EPHEMERAL for m in explain.messages)
        assert await stored_count(r.store) == 2  # shown again, not asked again

        bob = r.standin.add_user("bob", locale="zh-CN")
        refused = await r.standin.wait_for_reply(await r.standin.select(listing, [ids[1]], user=bob))
        note = only_message(refused)
        assert "只有运行 /history 的人可以使用" in note["content"] and not note.get("embeds")
        assert await stored_count(r.store) == 2


@bounded(60)
async def test_show_again_of_a_question_forgotten_meanwhile_says_so(launch: Launch) -> None:
    async with launch() as r:
        r.standin.add_guild()
        await ask(r, "dense", {"in_features": 8, "units": 2})
        await wait_stored(r.store, 1)
        listing = only_message(await ask(r, "history"))
        assert await r.store.forget(r.standin.user.id) == 1
        gone = only_message(await r.standin.wait_for_reply(
            await r.standin.select(listing, [menu_of(listing)["options"][0]["value"]])
        ))
        assert "no longer stored" in gone["content"]


@bounded(60)
async def test_twenty_five_long_entries_fit_discord_and_the_menu_expires_cleanly(launch: Launch) -> None:
    async with launch() as r:
        r.standin.add_guild()
        alice = r.standin.user
        paste = "@everyone ```" + "dense_1 (Dense) (None, 512) 44,040,704 ` **bold** " * 40
        for i in range(30):
            await r.store.record(QueryRecord(
                source=Source.DISCORD, command="explain", input_text=f"{i} {paste}", calc_version="test",
                user_id=alice.id, input_format="keras2", locale="en",
                headline=Headline(total_params=123_456_789_012 + i, ok=999, inferred=88, mismatch=77, unknown=66,
                                  findings=55),
            ))
        cog_of(r).history_timeout = 1.0
        for locale in ("en-US", "zh-CN"):
            rec = await ask(r, "history", {"count": 25}, locale=locale)  # the stand-in refuses what Discord would
            listing = only_message(rec)
            assert len(listing["embeds"][0]["fields"]) == 25 and len(menu_of(listing)["options"]) == 25
            assert "@everyone" not in json.dumps(listing["embeds"])  # the inputs' mentions are escaped
        message_id = int(listing["id"])

        def expired() -> bool:
            return bool(menu_of(r.standin.messages[message_id]).get("disabled"))

        await r.standin.wait_for(expired, timeout=5.0, what="the menu to be disabled")
        assert "已过期" in menu_of(r.standin.messages[message_id])["placeholder"]


def test_history_and_stats_replies_keep_discords_limits_in_both_languages() -> None:
    from datetime import UTC, date, datetime, timedelta

    from bot.store.records import Stats

    entries = [
        HistoryEntry(id=i, created_at=datetime(2024, 5, 1, tzinfo=UTC), source=Source.DISCORD, command="whatif",
                     input_format="torchinfo", input_preview="`" * 80, outcome=Outcome.ANSWERED,
                     headline=Headline(total_params=10**15, ok=10**6, inferred=10**6, mismatch=10**6, unknown=10**6,
                                       findings=10**6))
        for i in range(25)
    ]
    days = tuple((date(2024, 1, 1) + timedelta(i), 10**6 * i) for i in range(90))
    stats = Stats(since=days[0][0], days=90, queries=10**9, users=10**6, per_day=days,
                  top_kinds=tuple((f"Kind{i}", 10**6) for i in range(24)),
                  top_commands=tuple((c.name, 10**6) for c in commands()),
                  outcomes={o: 10**6 for o in Outcome})
    down = StoreHealth(ok=False, last_error="x", down_since=datetime(2024, 5, 1, tzinfo=UTC), failures=10**6)
    for lang in ("en", "zh"):
        assert discord_limits_violations(history_reply(entries, lang)) == []
        assert discord_limits_violations(stats_reply(stats, down, lang, days=90, chart=b"png")) == []
        assert discord_limits_violations(stats_reply(None, down, lang, days=90)) == []


@pytest.mark.parametrize(
    "request_",
    [
        Request("dense", {"in_features": 86400, "units": 4, "bias": False}),
        Request("conv", {"input": "3x256x256", "filters": 32, "kernel": "3x5", "framework": "torch"}),
        Request("pool", {"input": "254x254x32", "kind": "max", "size": "2"}),
        Request("rnn", {"kind": "lstm", "units": 32, "input_features": 16, "framework": "torch"}),
        Request("embedding", {"vocab": 400000, "dim": 100}),
        Request("attention", {"heads": 8, "key_dim": 64, "d_model": 512}),
        Request("explain", {"text": LAYER_LIST, "framework": "torch"}),  # a short paste stays on the line
        Request("explain", {"text": CUSTOM_REPR}),  # a paste below the line
        Request("whatif", {"text": "32x32x3 conv8k3\nflatten dense4", "change": "flatten -> gap"}),
        Request("suggest", {"in_features": 86400, "classes": 4}),
        Request("help", {"command": "conv"}),
        Request(None, line="/dense 86400 4"),  # typed in a message
        Request(None, line=LAYER_LIST),  # pasted in a message
    ],
    ids=lambda r: r.command or "line",
)
def test_a_stored_input_asks_the_same_question_again(request_: Request) -> None:
    stored = request_.input_text
    again = Request.from_input_text(stored, "en")
    first, second = answer(request_), answer(again)
    assert first.outcome is Outcome.ANSWERED, first.error_text
    assert (second.outcome, second.command, second.headline, second.document) == (
        first.outcome, first.command, first.headline, first.document
    )
    if request_.command is None:
        assert again.line == stored  # a line is asked as the line it was


# ---------------------------------------------------------------------------------------------
# /forget


@bounded(90)
async def test_forget_with_three_users_removes_every_record_of_the_asker_and_nothing_else(
    launch: Launch, db_url: str  # noqa: F811 - the fixture imported above
) -> None:
    async with launch(database_url=db_url, rate_burst=0) as r:
        lab = r.standin.add_guild("Lab")
        other = r.standin.add_guild("Other")
        alice = r.standin.user
        bob = r.standin.add_user("bob", locale="zh-CN")
        carol = r.standin.add_user("carol")
        await ask(r, "dense", {"in_features": 86400, "units": 4}, guild=lab)
        await ask(r, "explain", {"text": LAYER_LIST}, guild=other)
        await ask(r, "dense", {"in_features": 5, "units": 5}, dm=True)
        await ask(r, "conv", {"input": "64x64x3", "filters": 16, "kernel": "3"}, user=bob, guild=lab)
        await ask(r, "explain", {"text": CUSTOM_REPR}, user=bob, guild=lab)
        await ask(r, "dense", {"in_features": 3, "units": 3}, user=carol, guild=other)
        await wait_stored(r.store, 6)
        before = {u.username: await rows_of(r.store, u) for u in (alice, bob, carol)}
        assert before == {"alice": (3, 5), "bob": (2, 3), "carol": (1, 1)}
        kinds_before = await all_kind_rows(r.store)

        # bob cannot press alice's buttons; alice's Cancel deletes nothing
        ask_alice = only_message(await ask(r, "forget", guild=lab))
        assert "cannot be undone" in ask_alice["content"]
        refused = await r.standin.wait_for_reply(
            await r.standin.click(ask_alice, custom_id=button(ask_alice, "Delete everything")["custom_id"], user=bob)
        )
        assert "只有运行 /forget 的人可以使用" in only_message(refused)["content"]
        cancel = await r.standin.wait_for_reply(
            await r.standin.click(ask_alice, custom_id=button(ask_alice, "Cancel")["custom_id"])
        )
        assert cancel.callback_type == 7
        edited = r.standin.messages[int(ask_alice["id"])]
        assert edited["content"] == "Cancelled: nothing was deleted." and not edited["components"]
        assert {u.username: await rows_of(r.store, u) for u in (alice, bob, carol)} == before

        # bob forgets (in Chinese): every record of his goes, alice's and carol's stay
        ask_bob = only_message(await ask(r, "forget", user=bob, guild=lab))
        assert "无法撤销" in ask_bob["content"]
        done = await r.standin.wait_for_reply(
            await r.standin.click(ask_bob, custom_id=button(ask_bob, "全部删除")["custom_id"], user=bob)
        )
        assert done.callback_type == 6 and done.edits
        edited = r.standin.messages[int(ask_bob["id"])]
        assert edited["content"].startswith("已删除你保存的 2 条提问") and not edited["components"]
        after = {u.username: await rows_of(r.store, u) for u in (alice, bob, carol)}
        assert after == {"alice": (3, 5), "bob": (0, 0), "carol": (1, 1)}
        assert await all_kind_rows(r.store) == kinds_before - 3  # bob's layer kinds went with his queries
        assert await r.store.history(bob.id, 25) == []

        # alice forgets everywhere: her guild, the other guild and her DMs
        ask_alice = only_message(await ask(r, "forget", guild=other))
        await r.standin.wait_for_reply(
            await r.standin.click(ask_alice, custom_id=button(ask_alice, "Delete everything")["custom_id"])
        )
        assert r.standin.messages[int(ask_alice["id"])]["content"].startswith("Deleted 3 stored questions of yours")
        assert {u.username: await rows_of(r.store, u) for u in (alice, bob, carol)} == {
            "alice": (0, 0), "bob": (0, 0), "carol": (1, 1)
        }
        assert await all_kind_rows(r.store) == 1

        again = only_message(await ask(r, "forget", guild=other))
        await r.standin.wait_for_reply(
            await r.standin.click(again, custom_id=button(again, "Delete everything")["custom_id"])
        )
        assert "nothing to delete" in r.standin.messages[int(again["id"])]["content"]


@bounded(60)
async def test_forget_unanswered_times_out_and_deletes_nothing(launch: Launch) -> None:
    async with launch() as r:
        r.standin.add_guild()
        await ask(r, "dense", {"in_features": 8, "units": 2})
        await wait_stored(r.store, 1)
        cog_of(r).forget_timeout = 0.5
        message = only_message(await ask(r, "forget"))
        message_id = int(message["id"])

        def timed_out() -> bool:
            return "No answer in time" in (r.standin.messages[message_id].get("content") or "")

        await r.standin.wait_for(timed_out, timeout=5.0, what="the confirmation to time out")
        assert not r.standin.messages[message_id]["components"]
        assert await rows_of(r.store, r.standin.user) == (1, 1)


# ---------------------------------------------------------------------------------------------
# /stats


@bounded(60)
async def test_stats_counts_this_servers_questions_and_names_nobody(
    launch: Launch, db_url: str  # noqa: F811 - the fixture imported above
) -> None:
    async with launch(database_url=db_url, rate_burst=0) as r:
        lab = r.standin.add_guild("Lab")
        other = r.standin.add_guild("Other")
        bob = r.standin.add_user("bob", locale="zh-CN")
        await ask(r, "dense", {"in_features": 86400, "units": 4}, guild=lab)
        await ask(r, "dense", {"in_features": 9, "units": 9}, guild=lab)
        await ask(r, "conv", {"input": "64x64x3", "filters": 16, "kernel": "3"}, user=bob, guild=lab)
        await ask(r, "explain", {"text": LAYER_LIST}, user=bob, guild=lab)
        await ask(r, "explain", {"text": CUSTOM_REPR}, user=bob, guild=lab)
        await ask(r, "whatif", {"text": LAYER_LIST, "change": "nonsense"}, guild=lab)  # not understood
        await ask(r, "dense", {"in_features": 5, "units": 5}, guild=other)  # another server: not counted
        await ask(r, "dense", {"in_features": 6, "units": 6}, dm=True)  # a DM: not counted
        await wait_stored(r.store, 8)

        command = r.standin.find_command("stats")
        assert command is not None and int(command["default_member_permissions"]) == 32  # Manage Server
        assert command.get("dm_permission") is False or command.get("contexts") == [0]

        rec = await ask(r, "stats", user=r.standin.owner, guild=lab)
        message = only_message(rec)
        main = message["embeds"][0]
        assert main["title"] == "layerbot in this server · the last 30 days"
        assert "**6** questions from **2** people" in main["description"]
        fields = {f["name"]: f["value"] for f in main["fields"]}
        assert fields["Most used commands"].splitlines() == ["`/dense` 2", "`/explain` 2", "`/conv` 1", "`/whatif` 1"]
        kinds = fields["Most asked layer kinds"].splitlines()
        # Dense: two /dense and the layer list; Conv2D: /conv and the layer list; Linear: the torch repr
        assert kinds[:4] == ["`Dense` 3", "`Conv2D` 2", "`Flatten` 1", "`Linear` 1"]
        assert kinds[-1] == "layer kinds layerbot does not know"
        assert fields["Outcomes"].splitlines() == ["answered: 5", "input not understood: 1", "errors on layerbot's side: 0"]
        assert "busiest" in fields["Questions per day"] and "`" in fields["Questions per day"]
        assert main["image"]["url"] == "attachment://questions.png"
        (chart,) = rec.files
        assert chart.filename == "questions.png" and chart.data.startswith(b"\x89PNG")
        assert len(message["embeds"]) == 1  # the store is healthy: no outage report

        said = (message.get("content") or "") + json.dumps(message["embeds"], ensure_ascii=False)
        for private in ("SecretSauceBlock", "86400", "64x64x3", "nonsense", "alice", "bob", str(bob.id),
                        str(r.standin.user.id)):
            assert private not in said, private

        zh = only_message(await ask(r, "stats", {"days": 7}, user=r.standin.owner, guild=lab, locale="zh-CN"))
        assert zh["embeds"][0]["title"] == "layerbot 在本服务器 · 最近 7 天"
        assert "共 **6** 条提问，来自 **2** 人" in zh["embeds"][0]["description"]

        quiet = r.standin.add_guild("Quiet")
        empty = only_message(await ask(r, "stats", user=r.standin.owner, guild=quiet))
        assert "Nobody asked anything here" in empty["embeds"][0]["description"]
        dm = only_message(await ask(r, "stats", user=r.standin.owner, dm=True))
        assert "run it in a server" in dm["content"]
        assert await stored_count(r.store) == 8  # none of this was a question


@bounded(60)
async def test_during_an_outage_answers_go_out_and_the_store_commands_say_why(launch: Launch) -> None:
    async with launch(database_url=DEAD_DATABASE) as r:
        lab = r.standin.add_guild("Lab")
        answered = await ask(r, "dense", {"in_features": 86400, "units": 4}, guild=lab)
        assert "86,400 × 4 + 4 = 345,604" in answered.messages[0]["embeds"][0]["description"]

        async def marked() -> bool:
            return r.store.health.failures >= 2  # the start-up upgrade and this answer's record

        await eventually(marked, what="the failed record to be counted")
        assert not r.store.health.ok and r.store.health.down_since is not None

        stats = only_message(await ask(r, "stats", user=r.standin.owner, guild=lab))
        unavailable, outage = stats["embeds"]
        assert "statistics are unavailable right now" in unavailable["description"]
        assert outage["title"] == "The query store is failing"
        failures = r.store.health.failures  # the /stats read failed too
        assert f"has failed {failures} times" in outage["description"]
        assert f"<t:{int(r.store.health.down_since.timestamp())}:f>" in outage["description"]
        assert "Answers still go out, but they are not being saved" in outage["description"]
        assert "127.0.0.1" not in json.dumps(stats)  # the error itself stays in the log

        history = only_message(await ask(r, "history", guild=lab))
        assert "history is unavailable right now" in history["content"]

        forget = only_message(await ask(r, "forget", guild=lab))
        await r.standin.wait_for_reply(
            await r.standin.click(forget, custom_id=button(forget, "Delete everything")["custom_id"])
        )
        assert "nothing was deleted" in r.standin.messages[int(forget["id"])]["content"]


# ---------------------------------------------------------------------------------------------
# /help


@bounded(60)
async def test_help_lists_the_store_commands_and_explains_them(launch: Launch) -> None:
    async with launch() as r:
        r.standin.add_guild()
        listing = await ask(r, "help")
        fields = {f["name"]: f["value"] for f in listing.messages[0]["embeds"][0]["fields"]}
        assert {"/dense", "/explain", "/history", "/forget", "/stats"} <= set(fields)
        assert "not re-saved" in fields["/history"]

        zh = await ask(r, "help", locale="zh-CN")
        fields = {f["name"]: f["value"] for f in zh.messages[0]["embeds"][0]["fields"]}
        assert "不会重新保存" in fields["/history"] and "删除" in fields["/forget"]

        typed = await r.standin.wait_for_reply(await r.standin.send_autocomplete("help", {"command": "hi"}, focused="command"))
        assert [c["value"] for c in typed.callback.data["choices"]] == ["hi", "history"]

        detail = (await ask(r, "help", {"command": "history"})).messages[0]["embeds"][0]
        assert detail["title"] == "/history" and "not saved as a new question" in detail["description"]
        detail = (await ask(r, "help", {"command": "/stats"}, locale="zh-CN")).messages[0]["embeds"][0]
        assert detail["title"] == "/stats" and "管理服务器" in detail["description"]

        for name in ("history", "forget", "stats"):
            synced = r.standin.find_command(name)
            assert synced is not None
            assert synced["description_localizations"]["zh-CN"] == synced["description_localizations"]["zh-TW"]
            assert "name_localizations" not in synced or not synced["name_localizations"]  # typed as is
