"""The real discord.py client against the local Discord stand-in (tests/discord_standin).

Every test starts a stand-in on 127.0.0.1, points discord.py at it, connects a real client, drives it
with interactions and messages, and checks what the bot sent back. Each test is bounded by a timeout.
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import struct
import warnings
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

with warnings.catch_warnings():
    # discord.py imports the deprecated audioop module (Python 3.11-3.12); pytest turns warnings into errors
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord import app_commands
    from discord.ext import commands

    from tests.discord_standin import (
        MESSAGE_CONTENT,
        FakeGuild,
        StandIn,
        StandInError,
        Upload,
        point_discord_at,
        running,
        shard_of,
    )

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

TEST_TIMEOUT = 15.0
READY = {"guild_ready_timeout": 0.05}  # discord.py waits this long after the last GUILD_CREATE before on_ready


def bounded(seconds: float = TEST_TIMEOUT) -> Callable[[F], F]:
    """Fail a test instead of hanging: the whole body runs under asyncio.timeout."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            async with asyncio.timeout(seconds):
                return await fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


@pytest.fixture
async def standin() -> AsyncIterator[StandIn]:
    s = StandIn(heartbeat_interval=0.5)
    await s.start()
    try:
        with point_discord_at(s):
            yield s
    finally:
        await s.stop()
    assert not s.connections, "a gateway connection outlived the test"


@pytest.fixture(autouse=True)
def no_logged_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """discord.py logs (rather than raises) errors in event handlers, views and parsers; aiohttp logs
    errors in the stand-in's handlers. Any such ERROR fails the test."""
    caplog.set_level(logging.WARNING)
    yield
    errors = [
        f"{r.name}: {r.getMessage()}\n{r.exc_text or ''}"
        for r in caplog.get_records("call") + caplog.get_records("teardown")
        if r.levelno >= logging.ERROR and r.name.split(".")[0] in ("discord", "aiohttp", "asyncio")
    ]
    assert not errors, "\n".join(errors)


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------------------------------------- a bot


class Ask(discord.ui.Modal, title="Describe the layer"):
    units: discord.ui.TextInput[Ask] = discord.ui.TextInput(label="Units", custom_id="units", max_length=10)
    note: discord.ui.TextInput[Ask] = discord.ui.TextInput(
        label="Note", custom_id="note", style=discord.TextStyle.paragraph, required=False
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"units={self.units.value} note={self.note.value!r}")


class Pager(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.page = 1

    @discord.ui.button(label="Next", custom_id="pager:next")
    async def next_page(self, interaction: discord.Interaction, button: discord.ui.Button[Pager]) -> None:
        self.page += 1
        await interaction.response.edit_message(content=f"page {self.page}", view=self)

    @discord.ui.button(label="Reset", custom_id="pager:reset")
    async def reset(self, interaction: discord.Interaction, button: discord.ui.Button[Pager]) -> None:
        await interaction.response.defer()  # on a component: DEFERRED_UPDATE_MESSAGE (6)
        self.page = 1
        await interaction.edit_original_response(content="page 1 again", view=self)  # edits the paged message


class Translator(app_commands.Translator):
    ZH = {"hello": "你好", "Say hello": "打招呼", "name": "名字", "Who to greet": "要问候的人"}

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        if locale is discord.Locale.chinese:
            return self.ZH.get(string.message)
        return None


KINDS = ("Dense", "Conv2D", "LSTM")


def make_bot(**options: Any) -> commands.Bot:
    intents = discord.Intents.default()
    bot = commands.Bot(command_prefix=commands.when_mentioned, intents=intents, **READY, **options)
    bot.calls = []  # type: ignore[attr-defined]

    @bot.tree.command(name=app_commands.locale_str("hello"), description=app_commands.locale_str("Say hello"))
    @app_commands.describe(name=app_commands.locale_str("Who to greet"))
    @app_commands.rename(name=app_commands.locale_str("name"))
    async def hello(interaction: discord.Interaction, name: str, times: int = 1) -> None:
        guild_locale = interaction.guild_locale.value if interaction.guild_locale else None
        shard = interaction.guild.shard_id if interaction.guild else None
        await interaction.response.send_message(
            f"hello {name} x{times} locale={interaction.locale.value} guild_locale={guild_locale} shard={shard}"
        )

    @bot.tree.command(description="Think, then answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send("done thinking")
        note = await interaction.followup.send("a private note", ephemeral=True, wait=True)
        await note.edit(content="an edited note")

    @bot.tree.command(description="Progress with a chart")
    async def progress(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="50%")
        chart = discord.File(io.BytesIO(png(3, 2)), filename="chart.png")
        await interaction.edit_original_response(content="100%", attachments=[chart])
        original = await interaction.original_response()  # GET @original
        await interaction.followup.send(f"original says {original.content}, {len(original.attachments)} attachment")

    @bot.tree.command(description="Answer, then take it back")
    async def oops(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("oops")
        await interaction.delete_original_response()

    @bot.tree.command(description="Pick a layer kind")
    async def layer(interaction: discord.Interaction, kind: str) -> None:
        view = discord.ui.View(timeout=None)
        select: discord.ui.Select[discord.ui.View] = discord.ui.Select(
            custom_id="layer:pick", placeholder="Layer", options=[discord.SelectOption(label=k) for k in KINDS]
        )

        async def chosen(choice: discord.Interaction) -> None:
            await choice.response.send_message(f"you chose {select.values}", ephemeral=True)

        select.callback = chosen  # type: ignore[method-assign]
        view.add_item(select)
        await interaction.response.send_message(f"kind={kind}", view=view)

    @layer.autocomplete("kind")
    async def kinds(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=k, value=k) for k in KINDS if k.lower().startswith(current.lower())]

    @bot.tree.context_menu(name="Profile")
    async def profile(interaction: discord.Interaction, member: discord.Member) -> None:
        await interaction.response.send_message(f"{member.name} joined {member.guild.name}", ephemeral=True)

    @bot.tree.command(description="A table as a file")
    async def table(interaction: discord.Interaction) -> None:
        data = b"layer  params\ndense  345,604\n"
        await interaction.response.send_message("table attached", file=discord.File(io.BytesIO(data), filename="table.txt"))

    @bot.tree.command(description="Count the lines of a file")
    async def lines(interaction: discord.Interaction, file: discord.Attachment) -> None:
        data = await file.read()
        await interaction.response.send_message(f"{file.filename}: {len(data.splitlines())} lines, {file.size} bytes")

    @bot.tree.command(description="Open a form")
    async def form(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Ask())

    @bot.tree.command(description="Paged output")
    async def pages(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("page 1", view=Pager())

    @bot.tree.command(description="Too long an answer")
    async def essay(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message("x" * 2001)
        except discord.HTTPException as exc:
            bot.calls.append(exc)  # type: ignore[attr-defined]
            await interaction.response.send_message("too long, sorry")

    @bot.tree.command(description="Answer too late")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        try:
            await interaction.response.send_message("finally")
        except discord.NotFound as exc:
            bot.calls.append(exc)  # type: ignore[attr-defined]

    @bot.tree.context_menu(name="Explain layers")
    async def explain(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"explaining {message.content!r} by {message.author.name}", ephemeral=True)

    return bot


async def synced(bot: commands.Bot, *, translator: bool = False) -> None:
    if translator:
        await bot.tree.set_translator(Translator())
    await bot.tree.sync()


# ---------------------------------------------------------------------------------------------- connecting


@bounded()
async def test_client_connects_and_gets_ready_and_its_guilds(standin: StandIn) -> None:
    lab = standin.add_guild("Lab", preferred_locale="zh-CN", channels=("general", "models"))
    intents = discord.Intents.default()
    client = discord.Client(intents=intents, **READY)
    async with running(client, standin):
        assert client.user is not None and client.user.id == standin.bot.id and client.user.bot
        assert client.application_id == standin.application_id
        guild = client.get_guild(lab.id)
        assert guild is not None and not guild.unavailable
        assert guild.name == "Lab" and guild.preferred_locale is discord.Locale.chinese
        assert [c.name for c in guild.text_channels] == ["general", "models"]
        assert guild.me is not None
        await standin.wait_for(lambda: any(c.heartbeats >= 2 for c in standin.connections), 3.0, what="heartbeats")
        assert client.latency < 1.0
        fetched = await client.fetch_channel(lab.channel.id)
        assert fetched.id == lab.channel.id
    (identify,) = standin.identifies
    assert identify.token == standin.token and identify.intents == intents.value and identify.shard is None
    assert standin.identify_count == 1 and standin.resume_count == 0
    (session,) = standin.sessions.values()
    assert [name for _, name in session.events[:2]] == ["READY", "GUILD_CREATE"]
    (conn,) = standin.closed_connections
    # Client.close() asks for 1000 but discord.py's reader usually sends 4000 first (session left resumable)
    assert conn.close_code in (1000, 4000) and session.ended == (conn.close_code == 1000)


@bounded()
async def test_gateway_speaks_the_compression_discord_py_asks_for(standin: StandIn) -> None:
    standin.add_guild()
    client = discord.Client(intents=discord.Intents.default(), **READY)
    async with running(client, standin):
        (conn,) = standin.connections
        assert conn.query["v"] == "10" and conn.query["encoding"] == "json"
        assert conn.compression == discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE


@bounded()
async def test_wrong_token_is_refused_like_discord(standin: StandIn) -> None:
    client = discord.Client(intents=discord.Intents.default())
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    finally:
        await client.close()


@bounded()
async def test_disallowed_privileged_intent_closes_with_4014(standin: StandIn) -> None:
    standin.allowed_intents = 0  # the application has no privileged intents enabled
    intents = discord.Intents.default()
    intents.message_content = True
    client = discord.Client(intents=intents, **READY)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running(client, standin):
            pass
    assert standin.identifies[-1].close_code == 4014


# ---------------------------------------------------------------------------------------------- commands


@bounded()
async def test_sync_is_recorded_with_localizations_and_bad_commands_are_rejected(standin: StandIn) -> None:
    lab = standin.add_guild("Lab")
    bot = make_bot()
    async with running(bot, standin):
        await synced(bot, translator=True)
        (hello,) = [c for c in standin.synced_commands[None] if c["name"] == "hello"]
        assert hello["name_localizations"] == {"zh-CN": "你好"}
        assert hello["description_localizations"] == {"zh-CN": "打招呼"}
        name_option = hello["options"][0]
        assert name_option["name"] == "name" and name_option["required"] is True
        assert name_option["name_localizations"] == {"zh-CN": "名字"}
        assert name_option["description_localizations"] == {"zh-CN": "要问候的人"}
        menus = [c for c in standin.synced_commands[None] if c["type"] == 3]
        assert [c["name"] for c in menus] == ["Explain layers"]

        bot.tree.copy_global_to(guild=discord.Object(lab.id))
        await bot.tree.sync(guild=discord.Object(lab.id))
        assert {c["name"] for c in standin.synced_commands[lab.id]} >= {"hello", "slow", "form"}
        assert all(c["guild_id"] == str(lab.id) for c in standin.synced_commands[lab.id])

        # What Discord refuses, the stand-in refuses: an upper-case name
        fetched = await bot.tree.fetch_commands()
        assert {c.name for c in fetched} == {c["name"] for c in standin.synced_commands[None]}
        with pytest.raises(discord.HTTPException) as info:
            await bot.http.bulk_upsert_global_commands(
                standin.application_id, [{"name": "Bad", "description": "x", "type": 1}]
            )
        assert info.value.code == 50035
        assert standin.rejected[-1].status == 400
    assert [r.method for r in standin.sync_requests] == ["PUT", "PUT"]


@bounded()
async def test_slash_command_immediate_answer_with_locales(standin: StandIn) -> None:
    lab = standin.add_guild("Lab", preferred_locale="zh-CN")
    bob = standin.add_user("bob", locale="de")
    bot = make_bot()
    async with running(bot, standin):
        await synced(bot)
        rec = await standin.send_command("hello", {"name": "Ada", "times": 2}, user=bob, guild=lab)
        rec = await standin.wait_for_reply(rec)
        assert rec.callback_type == 4
        assert rec.original is not None
        assert rec.original["content"] == "hello Ada x2 locale=de guild_locale=zh-CN shard=0"
        assert rec.original["type"] == 20 and rec.original["interaction_metadata"]["user"]["id"] == str(bob.id)
        assert 0 <= rec.callback.delay < 3.0

        dm = await standin.wait_for_reply(await standin.send_command("hello", {"name": "Ada"}, dm=True))
        assert dm.original["content"] == "hello Ada x1 locale=en-US guild_locale=None shard=None"

        with pytest.raises(StandInError, match="never synced"):
            await standin.send_command("nosuchcommand")
        with pytest.raises(StandInError, match="required option"):
            await standin.send_command("hello", {})


@bounded()
async def test_defer_then_followups_replace_the_thinking_message(standin: StandIn) -> None:
    standin.add_guild()
    bot = make_bot()
    async with running(bot, standin):
        await synced(bot)
        rec = await standin.send_command("slow")
        rec = await standin.wait_for_reply(rec, until=lambda r: len(r.followups) == 2 and len(r.edits) == 1)
        assert rec.callback_type == 5
        first, second = rec.followups
        assert first.message_id == int(rec.original["id"])  # the first follow-up replaces "thinking…"
        assert rec.original["content"] == "done thinking" and not rec.original["flags"] & (1 << 7)
        assert second.ephemeral and second.message_id != first.message_id
        (edit,) = rec.edits
        assert edit.kind == "edit_followup" and edit.message_id == second.message_id
        assert [m["content"] for m in rec.messages] == ["done thinking", "an edited note"]
        assert first.at <= second.at <= edit.at and first.delay is not None


@bounded()
async def test_edit_original_with_a_png_attachment(standin: StandIn) -> None:
    standin.add_guild()
    bot = make_bot()
    async with running(bot, standin):
        await synced(bot)
        rec = await standin.wait_for_reply(await standin.send_command("progress"), until=lambda r: bool(r.followups))
        assert [e.content for e in rec.edits] == ["50%", "100%"]
        assert rec.followups[0].content == "original says 100%, 1 attachment"
        (attachment,) = rec.original["attachments"]
        assert attachment["filename"] == "chart.png" and (attachment["width"], attachment["height"]) == (3, 2)
        assert attachment["content_type"] == "image/png"
        (chart,) = rec.files
        assert chart.data == png(3, 2)


@bounded()
async def test_answer_with_a_file_is_multipart_and_served(standin: StandIn) -> None:
    standin.add_guild()
    bot = make_bot()
    async with running(bot, standin):
        await synced(bot)
        rec = await standin.wait_for_reply(await standin.send_command("table"))
        (table,) = rec.callback.files
        assert table.filename == "table.txt" and table.text == "layer  params\ndense  345,604\n"
        assert rec.original["content"] == "table attached"
        assert rec.original["attachments"][0]["url"] == table.url
        # The URL works for the client too
        message = await bot.get_channel(rec.channel_id).fetch_message(int(rec.original["id"]))
        assert await message.attachments[0].read() == table.data


@bounded()
async def test_attachment_option_is_downloaded_by_the_bot(standin: StandIn) -> None:
    standin.add_guild()
    bot = make_bot()
    async with running(bot, standin):
        await synced(bot)
        upload = Upload("summary.txt", b"Layer (type)\ndense (Dense)\ndense_1 (Dense)\n")
        rec = await standin.wait_for_reply(await standin.send_command("lines", {"file": upload}))
        assert rec.original["content"] == f"summary.txt: 3 lines, {len(upload.data)} bytes"
        assert [f.filename for f in standin.downloads] == ["summary.txt"]


@bounded()
async def test_modal_is_shown_and_submitted(standin: StandIn) -> None:
    standin.add_guild()
    bot = make_bot()
    async with running(bot, standin):
        await synced(bot)
        rec = await standin.wait_for_reply(await standin.send_command("form"))
        assert rec.callback_type == 9 and rec.modal is not None and rec.modal["title"] == "Describe the layer"
        with pytest.raises(StandInError, match="max_length"):
            await standin.submit_modal(rec, {"units": "12345678901"})
        submitted = await standin.wait_for_reply(await standin.submit_modal(rec, {"Units": "512"}))
        assert submitted.type == 5
        assert submitted.original["content"] == "units=512 note=''"


@bounded()
async def test_button_updates_its_message(standin: StandIn) -> None:
    standin.add_guild()
    bot = make_bot()
    async with running(bot, standin):
        await synced(bot)
        rec = await standin.wait_for_reply(await standin.send_command("pages"))
        assert rec.original["content"] == "page 1"
        click = await standin.wait_for_reply(await standin.click(rec, label="Next"))
        assert click.type == 3 and click.callback_type == 7
        assert click.original["id"] == rec.original["id"] and click.original["content"] == "page 2"
        again = await standin.wait_for_reply(await standin.click(rec, custom_id="pager:next"))
        assert again.original["content"] == "page 3"
        assert standin.messages[int(rec.original["id"])]["content"] == "page 3"
        reset = await standin.wait_for_reply(await standin.click(rec, label="Reset"))
        assert reset.callback_type == 6 and reset.edits[0].message_id == int(rec.original["id"])
        assert standin.messages[int(rec.original["id"])]["content"] == "page 1 again"


@bounded()
async def test_autocomplete_then_select_menu(standin: StandIn) -> None:
    standin.add_guild()
    bot = make_bot()
    async with running(bot, standin):
        await synced(bot)
        ac = await standin.wait_for_reply(await standin.send_autocomplete("layer", {"kind": "co"}, focused="kind"))
        assert ac.type == 4 and ac.callback_type == 8
        assert ac.callback.data["choices"] == [{"name": "Conv2D", "value": "Conv2D"}]
        rec = await standin.wait_for_reply(await standin.send_interaction("command", name="layer", options={"kind": "LSTM"}))
        assert rec.original["content"] == "kind=LSTM"
        with pytest.raises(StandInError, match="not options"):
            await standin.select(rec, ["GRU"])
        chose = await standin.wait_for_reply(await standin.select(rec, ["Dense"], placeholder="Layer"))
        assert chose.original["content"] == "you chose ['Dense']" and chose.original["flags"] & (1 << 6)


@bounded()
async def test_user_command_and_deleting_the_original(standin: StandIn) -> None:
    lab = standin.add_guild("Lab")
    bob = standin.add_user("bob")
    bot = make_bot()
    async with running(bot, standin):
        await synced(bot)
        rec = await standin.wait_for_reply(await standin.send_user_command("Profile", bob))
        assert rec.original["content"] == "bob joined Lab"
        oops = await standin.wait_for_reply(await standin.send_command("oops", guild=lab), until=lambda r: bool(r.deletions))
        assert oops.original_deleted and oops.messages == [] and oops.deletions[0].kind == "delete_original"


@bounded()
async def test_message_context_menu_gets_the_target_message(standin: StandIn) -> None:
    standin.add_guild()
    bot = make_bot()
    async with running(bot, standin):
        await synced(bot)
        target = await standin.send_message("Dense(172800) crashes")
        rec = await standin.wait_for_reply(await standin.send_message_command("Explain layers", target))
        assert rec.original["content"] == "explaining 'Dense(172800) crashes' by alice"
        assert rec.original["flags"] & (1 << 6) and rec.original["type"] == 23


@bounded()
async def test_discord_limits_and_deadline_are_enforced(standin: StandIn) -> None:
    standin.add_guild()
    bot = make_bot()
    async with running(bot, standin):
        await synced(bot)
        rec = await standin.wait_for_reply(await standin.send_command("essay"), allow_rejected=True)
        assert rec.rejected[0].error["code"] == 50035 and "content" in rec.rejected[0].error["errors"]
        assert rec.original["content"] == "too long, sorry"
        with pytest.raises(StandInError, match="rejected"):
            await standin.wait_for_reply(rec)

        standin.interaction_deadline = 0.2  # Discord's is 3 s; the command answers after 0.3 s
        late = await standin.send_command("late")
        late = await standin.wait_for_reply(late, until=lambda r: bool(r.rejected), allow_rejected=True)
        assert late.callback is None and late.rejected[0].error == {"message": "Unknown interaction", "code": 10062}
        await standin.wait_for(lambda: len(bot.calls) == 2, what="the bot to see the errors")  # type: ignore[attr-defined]
        essay_error, late_error = bot.calls  # type: ignore[attr-defined]
        assert essay_error.code == 50035 and isinstance(late_error, discord.NotFound) and late_error.code == 10062


# ---------------------------------------------------------------------------------------------- messages


def make_echo_client(intents: discord.Intents, seen: list[discord.Message]) -> discord.Client:
    client = discord.Client(intents=intents, **READY)

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author == client.user:
            return
        seen.append(message)
        if client.user not in message.mentions or not message.attachments:
            return
        attachment = message.attachments[0]
        data = await attachment.read()
        async with message.channel.typing():
            await message.reply(
                f"got {attachment.filename} ({len(data)} bytes)",
                file=discord.File(io.BytesIO(data.upper()), filename="echo.txt"),
            )

    return client


@bounded()
async def test_mention_with_attachment_gets_a_reply_with_a_file(standin: StandIn) -> None:
    lab = standin.add_guild()
    intents = discord.Intents.default()
    intents.message_content = True
    seen: list[discord.Message] = []
    client = make_echo_client(intents, seen)
    async with running(client, standin):
        question = await standin.send_message(
            "why 345,604?", mention_bot=True, attachments=[Upload("summary.txt", b"dense_2 (Dense) 345604")]
        )
        reply = await standin.wait_for_message(reply_to=question, channel=lab.channel)
        assert reply.content == "got summary.txt (22 bytes)"
        assert reply.reference_id == int(question["id"]) and reply.message["type"] == 19
        (echo,) = reply.files
        assert echo.filename == "echo.txt" and echo.data == b"DENSE_2 (DENSE) 345604"
        assert [f.filename for f in standin.downloads] == ["summary.txt"]
        assert standin.typing == [lab.channel.id]
        (message,) = seen
        assert message.content.endswith("why 345,604?") and client.user in message.mentions
        assert message.guild is not None and message.guild.id == lab.id

        dm = await standin.send_message("in private", dm=True, mention_bot=True, attachments=[Upload("a.txt", b"abc")])
        private = await standin.wait_for_message(reply_to=dm)
        assert private.content == "got a.txt (3 bytes)" and private.files[0].data == b"ABC"
        assert standin.channels[private.channel_id].type == 1 and seen[-1].guild is None


@bounded()
async def test_without_message_content_intent_only_mentions_carry_content(standin: StandIn) -> None:
    standin.add_guild()
    seen: list[discord.Message] = []
    client = make_echo_client(discord.Intents.default(), seen)
    async with running(client, standin, wait="connected"):
        assert not standin.identifies[0].intents & MESSAGE_CONTENT
        await standin.send_message("plain chatter", attachments=[Upload("a.txt", b"a")])
        await standin.send_message("hey bot", mention_bot=True)
        await standin.wait_for(lambda: len(seen) == 2, what="two messages")
        plain, mention = seen
        assert plain.content == "" and plain.attachments == []
        assert mention.content == f"<@{standin.bot.id}> hey bot"


@bounded()
async def test_rate_limited_send_is_retried(standin: StandIn) -> None:
    lab = standin.add_guild()
    client = discord.Client(intents=discord.Intents.default(), **READY)
    async with running(client, standin):
        failure = standin.fail_next("POST", r"^/channels/\d+/messages$", status=429, retry_after=0.05)
        message = await client.get_channel(lab.channel.id).send("hello")
        assert len(failure.hits) == 1 and message.content == "hello"
        assert [s.content for s in standin.sent_messages] == ["hello"]
        with pytest.raises(discord.NotFound):
            await client.get_guild(lab.id).fetch_roles()  # a route the stand-in does not implement
        assert standin.unknown_requests[-1].path.endswith(f"/guilds/{lab.id}/roles")


# ---------------------------------------------------------------------------------------------- reconnecting


async def _drop(standin: StandIn, how: str) -> None:
    if how == "abort":
        assert await standin.drop_gateway() == 1
    elif how == "close_4000":
        assert await standin.drop_gateway(code=4000) == 1
    elif how == "reconnect_op":
        await standin.send_reconnect()
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["abort", "close_4000", "reconnect_op"])
@bounded()
async def test_client_resumes_and_gets_the_missed_interaction(standin: StandIn, how: str) -> None:
    standin.add_guild()
    bot = make_bot()
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    bot.add_listener(on_resumed)
    async with running(bot, standin):
        await synced(bot)
        first = await standin.wait_for_reply(await standin.send_command("hello", {"name": "one"}))
        assert first.original["content"].startswith("hello one")
        await _drop(standin, how)
        # Sent while the client is away: buffered by the session and replayed on RESUME
        missed = await standin.send_command("hello", {"name": "two"})
        missed = await standin.wait_for_reply(missed)
        assert missed.original["content"].startswith("hello two")
        await asyncio.wait_for(resumed.wait(), 5)
    assert standin.identify_count == 1 and standin.resume_count == 1
    (resume,) = standin.resumes
    assert resume.ok and resume.path == "/gateway-resume"  # discord.py resumes at READY's resume_gateway_url
    if how != "reconnect_op":
        assert resume.replayed >= 1


@bounded()
async def test_invalid_session_makes_the_client_identify_again(standin: StandIn) -> None:
    standin.add_guild()
    bot = make_bot()
    async with running(bot, standin):
        await synced(bot)
        await standin.invalidate_session()
        await standin.wait_for(lambda: standin.identify_count == 2, what="a second IDENTIFY")
        await standin.wait_connected()
        rec = await standin.wait_for_reply(await standin.send_command("hello", {"name": "again"}))
        assert rec.original["content"].startswith("hello again")
    assert standin.resume_count == 0 and standin.resumes == []


# ---------------------------------------------------------------------------------------------- sharding


@bounded()
async def test_two_clients_with_two_shards_each_get_only_their_guilds(standin: StandIn) -> None:
    guilds: dict[int, list[FakeGuild]] = {
        shard: [standin.add_guild(f"g{shard}{i}", shard=(shard, 2)) for i in range(2)] for shard in (0, 1)
    }
    for shard, owned in guilds.items():
        assert all(shard_of(g.id, 2) == shard for g in owned)
    bots = [make_bot(shard_id=shard, shard_count=2) for shard in (0, 1)]
    async with running(bots[0], standin), running(bots[1], standin):
        for shard, bot in enumerate(bots):
            assert {g.id for g in bot.guilds} == {g.id for g in guilds[shard]}
        await synced(bots[0])
        for shard, owned in guilds.items():
            for guild in owned:
                rec = await standin.wait_for_reply(await standin.send_command("hello", {"name": guild.name}, guild=guild))
                assert rec.shard_id == shard
                assert rec.original["content"].endswith(f"shard={shard}")
    assert sorted(i.shard for i in standin.identifies) == [(0, 2), (1, 2)]  # type: ignore[type-var]


@bounded()
async def test_autosharded_client_uses_the_recommended_shard_count(standin: StandIn) -> None:
    standin.recommended_shards = 2
    owned = {shard: standin.add_guild(f"g{shard}", shard=(shard, 2)) for shard in (0, 1)}
    client = discord.AutoShardedClient(intents=discord.Intents.default(), **READY)
    async with running(client, standin):
        assert client.shard_count == 2 and set(client.shards) == {0, 1}
        assert {g.id: g.shard_id for g in client.guilds} == {g.id: shard for shard, g in owned.items()}
    assert sorted(i.shard for i in standin.identifies) == [(0, 2), (1, 2)]  # type: ignore[type-var]
