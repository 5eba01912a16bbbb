"""Hostile input end to end, against the Discord stand-in: giant pastes and attachments, 10**100 and
deep brackets in options, mentions and markdown in echoed layer names, SQL-looking text stored
verbatim on SQLite and PostgreSQL.  (calc's side of the same review: tests/test_hostile.py.)

Every message the bot sends must carry ``allowed_mentions`` with an empty ``parse`` list (nobody is
pinged, whatever the text says), and user text echoed where Discord renders markdown must be escaped
(or sit in a code block it cannot close).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.discord.replies import escape_markup, safe
from bot.store.models import Outcome
from tests.discord.conftest import Launch, bounded, wait_stored
from tests.discord.databases import ENGINES, fresh_database, postgres_or_skip
from tests.discord_standin import StandIn, Upload

EPHEMERAL = 1 << 6

MARKDOWN_NAME = "**bold** `code` [link](http://x) ||spoiler|| __u__ ~~s~~"
MENTIONS = "@everyone @here <@&123> <@123456789012345678> <@&123456789012345678>"
EVIL_NAME = f"{MARKDOWN_NAME} {MENTIONS}"
EVIL_CODE = f"""from keras.models import Sequential
from keras.layers import Dense
model = Sequential()
model.add(Dense(512, input_shape=(86400,), name="{EVIL_NAME}"))
model.add(Dense(4, name="tail```js"))
"""

_LIVE_MENTION = re.compile(r"@(?:everyone|here)|<@[!&]?\d{17,20}>")


def sent_payloads(standin: StandIn) -> Iterator[dict[str, Any]]:
    """Every message body the bot sent: interaction responses (with a message), follow-ups, edits,
    and channel messages (replies to mentions)."""
    for rec in standin.interactions.values():
        for sent in rec.events:
            if sent.kind == "callback" and sent.callback_type not in (4, 7):
                continue  # a deferral, a modal or autocomplete choices: no message
            if sent.kind.startswith("delete"):
                continue
            yield sent.data
    for sent in standin.sent_messages:
        yield sent.payload


def rendered_texts(message: dict[str, Any]) -> Iterator[str]:
    """The parts of a message Discord renders as markdown: content outside code blocks, and embeds."""
    content = message.get("content") or ""
    yield re.sub(r"```.*?```", "", content, flags=re.DOTALL)
    for embed in message.get("embeds") or []:
        yield embed.get("title") or ""
        yield embed.get("description") or ""
        for field in embed.get("fields") or []:
            yield field.get("name") or ""
            yield field.get("value") or ""


def assert_nobody_pinged(standin: StandIn) -> int:
    """Every message sent pings nobody; returns how many were checked."""
    count = 0
    for payload in sent_payloads(standin):
        if not (payload.get("content") or payload.get("embeds")):
            continue
        count += 1
        mentions = payload.get("allowed_mentions")
        assert mentions is not None and mentions.get("parse") == [], payload
        assert not mentions.get("users") and not mentions.get("roles"), payload
    return count


def unescaped_markup(text: str) -> list[str]:
    """The markup of MARKDOWN_NAME that Discord would render from ``text``: its bold, code span, link,
    spoiler, underline or strike with no backslash before the marker."""
    u = r"(?<!\\)"
    patterns = [rf"{u}\*{u}\*bold", rf"{u}`code", rf"{u}\[link{u}\]\(", rf"{u}\|{u}\|spoiler", rf"{u}_{u}_u",
                rf"{u}~{u}~s"]
    return [p for p in patterns if re.search(p, text)]


# --------------------------------------------------------------------------------------------
# The escaping itself (no Discord needed).


def test_a_link_no_longer_switches_the_escaping_off() -> None:
    # discord.utils.escape_markdown matched "[link](http://x) ... )" as one link and escaped nothing after it.
    text = safe(f"{MARKDOWN_NAME} {MENTIONS} (Dense): `86,400 × 512`")
    assert unescaped_markup(text) == []
    assert "\\|\\|spoiler\\|\\|" in text and "\\[link\\](http://x)" in text and "\\`86,400 × 512\\`" in text
    assert not _LIVE_MENTION.findall(text)


@pytest.mark.parametrize(("text", "escaped"), [
    ("> quoted", "\\> quoted"),
    (">>> quoted", "\\>>> quoted"),
    ("# heading", "\\# heading"),
    ("### heading", "\\### heading"),
    ("-# subtext", "\\-# subtext"),
    ("- item\n  + item", "\\- item\n  \\+ item"),
    ("1. item\n12) item", "1\\. item\n12\\) item"),
    ("a \\*b\\*", "a \\\\\\*b\\\\\\*"),  # a backslash typed before a star cannot undo the star's escape
    ("-1 and 2 - 1", "-1 and 2 - 1"),  # not markup: unchanged
    ("in_features=86400", "in\\_features=86400"),
])  # fmt: skip
def test_what_markdown_means_at_the_start_of_a_line_or_anywhere_is_escaped(text: str, escaped: str) -> None:
    assert escape_markup(text) == escaped


# --------------------------------------------------------------------------------------------
# End to end.


@bounded(60)
async def test_mentions_and_markdown_in_layer_names_ping_nobody_and_render_as_text(launch: Launch) -> None:
    async with launch() as r:
        lab = r.standin.add_guild("Lab")
        explained = await r.standin.wait_for_reply(
            await r.standin.send_command("explain", {"text": EVIL_CODE}), until=lambda rec: len(rec.messages) >= 2
        )
        whatif = await r.standin.wait_for_reply(
            await r.standin.send_command("whatif", {"change": "input 43200", "text": EVIL_CODE})
        )
        since = len(r.standin.sent_messages)
        question = await r.standin.send_message(f"{MENTIONS} why?\n{EVIL_CODE}", mention_bot=True)
        reply = await r.standin.wait_for_message(reply_to=question, channel=lab.channel, since=since, timeout=15)
        help_rec = await r.standin.wait_for_reply(await r.standin.send_command("help", {"command": MENTIONS[:60]}))

        assert assert_nobody_pinged(r.standin) >= 5
        assert reply.payload["allowed_mentions"] == {"parse": [], "replied_user": False}

        # /whatif names the changed layer in an embed field: escaped there.
        changed = " ".join(f["value"] for f in whatif.messages[0]["embeds"][0]["fields"])
        assert "\\*\\*bold\\*\\*" in changed and "\\|\\|spoiler\\|\\|" in changed and "\\[link\\](http://x)" in changed
        # /explain and the mention reply show the name in the table pages: inside a code block it cannot close.
        for message in [*explained.messages, *help_rec.messages, whatif.messages[0], reply.message or {}]:
            for text in rendered_texts(message):
                assert unescaped_markup(text) == [], text
                assert not _LIVE_MENTION.findall(text), text
            content = message.get("content") or ""
            if "bold" in content:
                assert content.startswith("```") and content.count("```") == 2, content
        pages = [m.get("content") or "" for m in explained.messages]
        assert any("**bold**" in page for page in pages)  # shown as typed, inside the code block
        table = next(f for f in explained.files if f.filename == "layers.md").text
        row = next(line for line in table.splitlines() if "bold" in line)
        assert row.count(" | ") == 6 and "\\|\\|spoiler\\|\\|" in row  # the name stays one table cell


@bounded(60)
async def test_giant_and_absurd_input_is_refused_kindly_and_quickly(launch: Launch) -> None:
    async with launch(rate_burst=0) as r:  # no rate limit: every question gets its own answer
        r.standin.add_guild()
        send, wait = r.standin.send_command, r.standin.wait_for_reply

        huge_file = await wait(await send("explain", {"file": Upload("model.txt", b"x" * (1024 * 1024))}))
        assert huge_file.original["flags"] & EPHEMERAL and "262,144 bytes" in str(huge_file.original["embeds"])
        assert r.standin.downloads == []  # refused before downloading a byte

        many_lines = ("784\n" + "relu\n" * 25_000).encode()  # 125 KB: within the bytes, over the lines
        too_long = await wait(await send("explain", {"file": Upload("model.txt", many_lines)}), timeout=15)
        assert too_long.original["flags"] & EPHEMERAL
        assert "20,000 lines" in str(too_long.original["embeds"])  # says what the limit is

        absurd = {
            "conv": {"input": "10**100x3", "filters": 3, "kernel": "3"},
            "explain": {"text": "(" * 4_000},
            "whatif": {"change": "dense_2 units=10**100", "text": (Path(__file__).parents[1] / "fixtures" /
                                                                    "seed_summary.txt").read_text()},
            "suggest": {"in_features": 86400, "classes": 4, "budget": 10**12},
            "help": {"command": "(" * 100},
        }
        for name, options in absurd.items():
            rec = await wait(await send(name, options), timeout=15)
            first = rec.messages[0]
            said = str(first.get("embeds")) + (first.get("content") or "")
            assert "Traceback" not in said and "bug in layerbot" not in said, f"/{name}: {said}"
            assert "ask again" not in said, f"/{name}: rate limited, not answered: {said}"
        conv = (await wait(await send("conv", absurd["conv"]))).original
        assert conv["flags"] & EPHEMERAL and "1,000,000,000,000" in str(conv["embeds"])  # the largest size accepted

        since = len(r.standin.sent_messages)
        question = await r.standin.send_message("/dense 10**100 4", mention_bot=True)
        answer = await r.standin.wait_for_message(reply_to=question, since=since)
        assert "too large" in str((answer.message or {}).get("embeds"))
        assert_nobody_pinged(r.standin)


@pytest.mark.parametrize("engine", ENGINES)
@bounded(90)
async def test_sql_looking_text_is_stored_verbatim_and_never_run(launch: Launch, engine: str, tmp_path: Path) -> None:
    if engine == "postgresql":
        await postgres_or_skip()
    nasty = [
        "'); DROP TABLE queries; --",
        "Robert'); DELETE FROM query_layer_kinds WHERE 1=1; -- 784 dense4",
        "784 dense4\n'; UPDATE queries SET user_id = 0; --",
    ]
    async with fresh_database(engine, tmp_path) as url, launch(database_url=url, rate_burst=0) as r:
        lab = r.standin.add_guild()
        for text in nasty:
            since = len(r.standin.sent_messages)
            question = await r.standin.send_message(text, mention_bot=True)
            await r.standin.wait_for_message(reply_to=question, channel=lab.channel, since=since, timeout=15)
        rec = await r.standin.wait_for_reply(await r.standin.send_command("explain", {"text": nasty[0]}))
        assert rec.original["flags"] & EPHEMERAL  # no model in it: a friendly private answer
        await wait_stored(r.store, len(nasty) + 1)

        history = await r.store.history(r.standin.user.id, 10)
        stored = [await r.store.get(entry.id, r.standin.user.id) for entry in reversed(history)]
        texts = [s.input_text for s in stored if s is not None]
        assert texts[: len(nasty)] == nasty  # verbatim, quotes, semicolons, newlines and all
        assert texts[-1] == f"/explain text={nasty[0]}"
        assert {s.user_id for s in stored if s is not None} == {r.standin.user.id}  # no UPDATE ran
        answered = [s for s in stored if s is not None and s.outcome is Outcome.ANSWERED]
        assert answered and all(s.headline.total_params == 3_140 for s in answered)  # 784 dense4: 784 × 4 + 4
        assert len(await r.store.history(r.standin.user.id, 10)) == len(nasty) + 1  # the table is still there
