"""Pasted models end to end: /explain with an attachment, the modal, a mention or DM with a pasted
Keras summary (tests/fixtures/seed_summary.txt) or a .txt file, the "Explain summary" context menu,
the parameters chart, and page buttons only the asker can press."""

from __future__ import annotations

from typing import Any

from bot.store.models import Outcome
from tests.discord.conftest import Launch, bounded, seed_summary, wait_stored
from tests.discord_standin import InteractionRecord, Upload

EPHEMERAL = 1 << 6
SEED_TOTAL = "420,388"


def text_of(message: dict[str, Any]) -> str:
    """Everything a person reads in a message: content and embeds."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


def answered_with_pages(rec: InteractionRecord) -> bool:
    return len(rec.messages) >= 2


@bounded()
async def test_explain_with_an_attachment_answers_with_the_table_and_the_chart(launch: Launch) -> None:
    async with launch() as r:
        r.standin.add_guild()
        upload = Upload("model.txt", seed_summary().encode())
        rec = await r.standin.send_command("explain", {"file": upload})
        rec = await r.standin.wait_for_reply(rec, until=answered_with_pages)
        assert [f.filename for f in r.standin.downloads] == ["model.txt"]
        summary, table = rec.messages
        assert SEED_TOTAL in text_of(summary) and "dense_2" in text_of(summary) + table["content"]
        assert not summary["flags"] & EPHEMERAL
        files = {f.filename: f for f in rec.files}
        assert "345,604" in files["layers.md"].text
        chart = files["params.png"]
        assert chart.data.startswith(b"\x89PNG") and chart.content_type == "image/png"
        png = next(a for a in summary["attachments"] if a["filename"] == "params.png")
        assert png["width"] > 100 and png["height"] > 100
        assert table["content"].startswith("```") and "dense_2" in table["content"]
        await wait_stored(r.store, 1)
        (entry,) = await r.store.history(r.standin.user.id, 5)
        assert entry.command == "explain" and entry.input_format == "keras2"
        assert entry.headline.total_params == 420_388


@bounded()
async def test_an_attachment_that_is_too_large_or_not_text_is_refused_kindly(launch: Launch) -> None:
    async with launch(max_attachment_bytes=1024) as r:
        r.standin.add_guild()
        big = await r.standin.wait_for_reply(
            await r.standin.send_command("explain", {"file": Upload("model.txt", seed_summary().encode())})
        )
        assert big.original["flags"] & EPHEMERAL and "1,024 bytes" in text_of(big.original)
        image = await r.standin.wait_for_reply(
            await r.standin.send_command("explain", {"file": Upload("model.png", b"\x89PNG....")})
        )
        assert image.original["flags"] & EPHEMERAL and ".txt" in text_of(image.original)
        assert r.standin.downloads == []  # neither was downloaded


@bounded()
async def test_explain_without_options_opens_a_modal_for_the_paste(launch: Launch) -> None:
    async with launch() as r:
        r.standin.add_guild()
        rec = await r.standin.wait_for_reply(await r.standin.send_command("explain"))
        assert rec.callback_type == 9
        modal = rec.modal
        assert modal is not None and modal["title"] == "/explain: paste your model"
        (row,) = modal["components"]
        field = row["components"][0] if row["type"] == 1 else row["component"]
        assert field["style"] == 2 and field["max_length"] == 4000 and field["required"]
        submitted = await r.standin.submit_modal(rec, {"text": seed_summary()})
        submitted = await r.standin.wait_for_reply(submitted, until=answered_with_pages)
        assert SEED_TOTAL in text_of(submitted.messages[0])
        await wait_stored(r.store, 1)

        zh = await r.standin.wait_for_reply(await r.standin.send_command("whatif", locale="zh-CN"))
        assert zh.modal is not None and zh.modal["title"] == "/whatif：粘贴你的模型"
        labels = [c.get("label") or (c.get("components") or [{}])[0].get("label") for c in zh.modal["components"]]
        assert len(labels) == 2  # the model and the change
        answered = await r.standin.wait_for_reply(
            await r.standin.submit_modal(zh, {"text": seed_summary(), "change": "flatten -> gap"})
        )
        said = text_of(answered.messages[0])
        assert "GlobalAveragePooling2D" in said and "420,388" in said and "75,172" in said and "修改前" in said


@bounded()
async def test_a_mention_with_a_pasted_keras_summary_gets_a_reply(launch: Launch) -> None:
    async with launch() as r:
        lab = r.standin.add_guild()
        question = await r.standin.send_message(f"why does dense_2 have 345,604?\n{seed_summary()}", mention_bot=True)
        reply = await r.standin.wait_for_message(reply_to=question, channel=lab.channel, timeout=10)
        assert SEED_TOTAL in text_of(reply.message or {})
        assert reply.payload["allowed_mentions"] == {"parse": [], "replied_user": False}
        assert {f.filename for f in reply.files} == {"layers.md", "params.png"}
        assert lab.channel.id in r.standin.typing

        since = len(r.standin.sent_messages)
        with_file = await r.standin.send_message(
            "", mention_bot=True, attachments=[Upload("summary.txt", seed_summary().encode())]
        )
        reply = await r.standin.wait_for_message(reply_to=with_file, since=since, timeout=10)
        assert SEED_TOTAL in text_of(reply.message or {})

        since = len(r.standin.sent_messages)
        dm = await r.standin.send_message("/dense 86400 4", dm=True)
        private = await r.standin.wait_for_message(reply_to=dm, since=since)
        assert "345,604" in text_of(private.message or {})

        since = len(r.standin.sent_messages)
        empty = await r.standin.send_message("", mention_bot=True)
        hint = await r.standin.wait_for_message(reply_to=empty, since=since)
        assert "/help" in (hint.content or "")

        since = len(r.standin.sent_messages)
        await r.standin.send_message("chatter about dense layers, not addressed to the bot")
        await r.standin.send_message("still chatting", dm=False)
        assert r.standin.sent_messages[since:] == []
        await wait_stored(r.store, 3)  # the hint is not a query


@bounded()
async def test_the_explain_summary_context_menu_reads_a_posted_summary(launch: Launch) -> None:
    async with launch() as r:
        r.standin.add_guild()
        posted = await r.standin.send_message(seed_summary())  # someone posted it earlier, not to the bot
        bob = r.standin.add_user("bob", locale="zh-CN")
        rec = await r.standin.send_message_command("Explain summary", posted, user=bob)
        rec = await r.standin.wait_for_reply(rec, until=answered_with_pages)
        assert SEED_TOTAL in text_of(rec.messages[0])
        assert "推导" in text_of(rec.messages[0])  # in bob's language
        await wait_stored(r.store, 1)
        (entry,) = await r.store.history(bob.id, 5)
        assert entry.outcome is Outcome.ANSWERED and entry.command == "explain"


@bounded()
async def test_only_the_asker_can_turn_the_pages(launch: Launch) -> None:
    async with launch() as r:
        r.standin.add_guild()
        rec = await r.standin.send_command("suggest", {"in_features": 86400, "classes": 4})
        rec = await r.standin.wait_for_reply(rec, until=answered_with_pages)
        pages = rec.messages[1]
        first = pages["content"]
        labels = [c.get("label") for row in pages["components"] for c in row["components"]]
        assert "1/3" in labels
        turned = await r.standin.wait_for_reply(await _click_next(r, pages))
        assert turned.callback_type == 7 and r.standin.messages[int(pages["id"])]["content"] != first

        bob = r.standin.add_user("bob")
        refused = await r.standin.wait_for_reply(await _click_next(r, pages, user=bob))
        assert refused.callback_type == 4 and refused.original["flags"] & EPHEMERAL
        assert "Only the person who asked" in refused.original["content"]
        now = r.standin.messages[int(pages["id"])]
        assert [c.get("label") for row in now["components"] for c in row["components"]].count("2/3") == 1


async def _click_next(r: Any, message: dict[str, Any], user: Any = None) -> InteractionRecord:
    for row in message["components"]:
        for c in row["components"]:
            if (c.get("emoji") or {}).get("name") == "▶":
                return await r.standin.click(message, custom_id=c["custom_id"], user=user)
    raise AssertionError(f"no ▶ button on {message['components']}")


@bounded()
async def test_two_people_filling_in_the_modal_at_once_each_get_their_own_answer(launch: Launch) -> None:
    async with launch() as r:
        r.standin.add_guild()
        bob = r.standin.add_user("bob")
        alices = await r.standin.wait_for_reply(await r.standin.send_command("explain", {"framework": "torch"}))
        bobs = await r.standin.wait_for_reply(await r.standin.send_command("explain", user=bob))
        to_bob = await r.standin.wait_for_reply(await r.standin.submit_modal(bobs, {"text": "32x32x3 conv8k3 flatten dense4"}))
        to_alice = await r.standin.wait_for_reply(
            await r.standin.submit_modal(alices, {"text": "32x32x3 conv16k3 flatten dense4"})
        )
        said = text_of(to_bob.messages[0])
        assert "29,028" in said and "Keras rules" in said  # (3·3·3·8 + 8) + (30·30·8·4 + 4): bob's paste
        assert "PyTorch rules" in text_of(to_alice.messages[0])  # alice's own option, kept with her modal
