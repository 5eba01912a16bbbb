"""The Discord bot: :class:`LayerBot`, given its resources by the launcher.

    async with LayerBot(settings, store, pool) as bot:   # the launcher owns store and pool
        await bot.start(token)

Every question goes the same way, whichever cog received it (a slash command, a modal, the context
menu, a mention or a DM):

    rate limit ─▶ build the Request (download an attachment) ─▶ pool.run (a worker process: calc + reply)
                  └ a pasted model asked before, answered by this calc version: the store's answer goes
                    along and the worker renders it instead of calculating (the answer cache)
          └── "thinking…" (defer) if no answer after LAYERBOT_DEFER_AFTER seconds ──┘
    ─▶ record the query in the store (commit) ─▶ then send the Reply

Recording comes first so that an answer a user saw is always in the store: a crash (SIGKILL, out of
memory) between the two loses an answer nobody saw, never a seen one.  A store slower than
:data:`RECORD_WAIT_S` (an outage it has not noticed yet, a lock) does not hold the answer back: it goes out
and the record finishes on its own (``close()`` still waits for it).

The cogs (``bot/discord/cogs``, one per feature) only turn Discord's input into a
:class:`~bot.discord.worker.Request` and call :meth:`LayerBot.answer` / :meth:`LayerBot.answer_message`;
nothing here computes anything about a layer.  The bot never pings anyone (``AllowedMentions.none()``
on every message, even when it echoes "@everyone").  Errors are friendly and ephemeral; an unexpected
one is logged with the command and its arguments, and the user gets a short apology, never silence.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.health import Metrics
from bot.discord.ratelimit import RateLimiter
from bot.discord.replies import LayerbotTranslator, Paginator, Reply, reply_for_error
from bot.discord.worker import (
    CALC_VERSION,
    Answer,
    Request,
    WorkerBusy,
    WorkFailed,
    WorkTimeout,
    error_answer,
)
from bot.settings import Settings
from bot.store.models import Outcome, Source
from bot.store.records import QueryRecord, input_digest
from calc.errors import InputError, LayerbotError
from calc.i18n import Message, locale_of, register

if TYPE_CHECKING:
    from bot.discord.worker import WorkerPool
    from bot.store.repo import Store

__all__ = ["CACHE_WAIT_S", "EXTENSIONS", "NO_MENTIONS", "RECORD_WAIT_S", "LayerBot", "LayerTree", "notice", "reply_kwargs"]

log = logging.getLogger("bot.discord")

EXTENSIONS: tuple[str, ...] = (
    "bot.discord.cogs.calculators",
    "bot.discord.cogs.explain",
    "bot.discord.cogs.advice",
    "bot.discord.cogs.help",
    "bot.discord.cogs.mentions",
    "bot.discord.cogs.store",
)
"""The cogs, one per feature.  One that fails to load is logged and the others still serve."""

NO_MENTIONS = discord.AllowedMentions.none()

RECORD_WAIT_S = 1.5
"""Longest an answer waits for its record to commit before it is sent anyway (the record carries on)."""

CACHE_WAIT_S = 0.5
"""Longest a paste waits for the answer cache's look-up (an indexed read: milliseconds); a slower store
is a miss, and the paste is calculated."""

ACK_DEADLINE_S = 2.5
"""Discord drops an interaction not acknowledged within 3 s: the wait for the record ends before this
(counted from the interaction's arrival) unless the answer was already deferred."""

TEXT_EXTENSIONS = (".txt", ".md", ".markdown", ".text", ".log", ".py")

register(
    {
        "discord.bot.error.rate_limited": {
            "en": "You are asking faster than I can keep up with; please wait {seconds} s and ask again.",
            "zh": "你提问太快了，请等待 {seconds} 秒后再问。",
        },
        "discord.bot.error.attachment_too_large": {
            "en": "{name} is {size} bytes; I read attachments up to {limit} bytes. Attach only the summary or the"
            " layers you are asking about.",
            "zh": "{name} 有 {size} 字节；我最多读取 {limit} 字节的附件。请只附上摘要或你想问的那几层。",
        },
        "discord.bot.error.attachment_kind": {
            "en": "{name} is not a text file; attach a .txt or .md file with the summary, print(model) or code.",
            "zh": "{name} 不是文本文件；请附上包含摘要、print(model) 输出或代码的 .txt 或 .md 文件。",
        },
        "discord.bot.error.attachment_unreadable": {
            "en": "I could not download {name}; please attach it again.",
            "zh": "我无法下载 {name}；请重新附加。",
        },
        "discord.bot.error.out_of_date": {
            "en": "This command has changed since Discord last heard about it; try again in a minute (the bot's"
            " owner needs to run `layerbot sync`).",
            "zh": "这个命令在 Discord 上的定义已过期；请一分钟后再试（机器人的所有者需要运行 `layerbot sync`）。",
        },
        "discord.bot.error.option": {
            "en": "{name}={value} is not a value I can use here. /help {command} shows what each option takes.",
            "zh": "{name}={value} 在这里无法使用。/help {command} 会说明每个选项接受什么。",
        },
        "discord.bot.restarting": {
            "en": "I am restarting right now; please ask again in a few seconds.",
            "zh": "我正在重新启动，请过几秒再问一次。",
        },
        "discord.bot.hint.empty": {
            "en": "Paste a model.summary(), a torchinfo table, print(model) or Keras code after mentioning me (or"
            " attach it as a .txt file), or type a command such as /dense 86400 4. /help lists them all.",
            "zh": "提到我之后粘贴 model.summary()、torchinfo 表格、print(model) 的输出或 Keras 代码（或作为 .txt"
            " 文件附上），或输入例如 /dense 86400 4 的命令。/help 会列出所有命令。",
        },
    }
)


def reply_kwargs(reply: Reply) -> dict[str, Any]:
    """The first message of a reply: content, embeds and files (fresh File objects: a File is sent once)."""
    return {
        "content": reply.content,
        "embeds": list(reply.embeds),
        "files": [f.to_file() for f in reply.files],
        "allowed_mentions": NO_MENTIONS,
    }


def notice(message: Message, locale: str) -> Reply:
    """A short private note (not an error about the question): one line of text."""
    return Reply(content=" ".join(message.render(locale).split()), ephemeral=True)


def _clip(value: object, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe_options(options: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> str:
    items = options.items() if isinstance(options, Mapping) else options
    return " ".join(f"{k}={_clip(v)}" for k, v in items)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM (what Windows tools write), else bytes as read."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


class LayerTree(app_commands.CommandTree["LayerBot"]):
    """The command tree with the one global error handler."""

    async def on_error(self, interaction: discord.Interaction[LayerBot], error: app_commands.AppCommandError, /) -> None:
        await interaction.client.report_error(interaction, error)


class LayerBot(commands.AutoShardedBot):
    """layerbot on Discord.  ``store`` may be None (``layerbot sync`` answers nothing)."""

    def __init__(
        self,
        settings: Settings,
        store: Store | None,
        pool: WorkerPool,
        *,
        extensions: Iterable[str] = EXTENSIONS,
    ) -> None:
        intents = discord.Intents.default()  # slash commands need none; mentions and DMs need (guild_)messages
        intents.message_content = settings.message_content  # privileged: only when asked for
        intents.typing = intents.dm_typing = False
        # layerbot never joins voice: discord.py's warnings about missing voice libraries are noise here
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        shards: dict[str, Any] = {"shard_count": settings.shard_count}
        if settings.shard_ids:
            shards["shard_ids"] = list(settings.shard_ids)
        super().__init__(
            command_prefix=commands.when_mentioned,  # unused: mentions are read by the mentions cog
            help_command=None,
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            tree_cls=LayerTree,
            **shards,
            guild_ready_timeout=settings.guild_ready_timeout,
            max_messages=None,  # no message cache: nothing needs old messages
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
        )
        self.settings = settings
        self.store = store
        self.pool = pool
        self.limiter = RateLimiter(settings.rate_burst, settings.rate_per_minute)
        self.initial_extensions = tuple(extensions)
        self.answered = 0
        self._views: weakref.WeakSet[discord.ui.View] = weakref.WeakSet()
        self._in_flight: set[asyncio.Task[Any]] = set()
        self.closing = False  # set by close(): new questions get a short "restarting" note, not an answer
        self.metrics = Metrics(self)

    # ------------------------------------------------------------------ start-up and shut-down

    async def setup_hook(self) -> None:
        await self.tree.set_translator(LayerbotTranslator())
        for extension in self.initial_extensions:
            try:
                await self.load_extension(extension)
            except Exception:
                log.exception("could not load %s; its commands are missing", extension)

    async def on_ready(self) -> None:
        log.info("connected as %s (id %s) to %d guilds, shards %s", self.user, self.user.id if self.user else "?",
                 len(self.guilds), sorted(self.shards))

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: the mentions cog answers messages (this only keeps the default away)."""

    async def close(self) -> None:
        """Finish the answers in progress (sent and recorded, within one work timeout and a little),
        then stop the page buttons and disconnect.  Questions arriving meanwhile are not started: they
        get a one-line "restarting, ask again" note (Discord would otherwise show "did not respond")."""
        self.closing = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.work_timeout + 5.0
        while pending := {t for t in self._in_flight if not t.done() and t is not asyncio.current_task()}:
            if loop.time() >= deadline:
                log.warning("closing with %d answers still in progress", len(pending))
                break
            log.info("finishing %d answers in progress before closing", len(pending))
            await asyncio.wait(pending, timeout=deadline - loop.time())
        for view in list(self._views):
            view.stop()
        await super().close()

    @contextlib.contextmanager
    def _tracked(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._in_flight.discard(task)

    # ------------------------------------------------------------------ answering an interaction

    @staticmethod
    def locale(interaction: discord.Interaction) -> str:
        """The user's language (their Discord client's), else the server's."""
        tag = interaction.locale.value if interaction.locale else None
        if tag is None and interaction.guild_locale is not None:
            tag = interaction.guild_locale.value
        return locale_of(tag)

    async def answer(
        self,
        interaction: discord.Interaction,
        request: Request | Callable[[], Awaitable[Request]],
        *,
        private: bool = False,
        save: bool = True,
    ) -> None:
        """Answer a slash command, modal or context-menu interaction (see the module docstring).

        ``private``: the answer goes to the asker alone; ``save=False``: it is not recorded (a stored
        question shown again by /history is not a new question)."""
        with self._tracked():
            if self.closing:
                locale = self.locale(interaction)
                self.metrics.answered(interaction.command.name if interaction.command else None, "restarting")
                await self.send_reply(interaction, notice(Message("discord.bot.restarting"), locale), locale,
                                      ephemeral=True)
                return
            await self._answer(interaction, request, private=private, save=save)

    async def _answer(
        self,
        interaction: discord.Interaction,
        request: Request | Callable[[], Awaitable[Request]],
        *,
        private: bool = False,
        save: bool = True,
    ) -> None:
        started = time.perf_counter()
        locale = self.locale(interaction)
        wait = self.limiter.check(interaction.user.id)
        if wait:
            message = Message("discord.bot.error.rate_limited", {"seconds": max(1, round(wait + 0.5))})
            await self.send_reply(interaction, notice(message, locale), locale, ephemeral=True)
            return
        work = asyncio.ensure_future(self._work(request, locale))
        try:
            done, _ = await asyncio.wait({work}, timeout=self.settings.defer_after)
            if not done and not interaction.response.is_done():  # a caller may have deferred already
                await interaction.response.defer(thinking=True, ephemeral=private)
            result = await work
        except BaseException:
            work.cancel()
            raise
        ephemeral = private or result.reply.ephemeral or result.outcome is not Outcome.ANSWERED
        record = self._record(result, started, locale, save=save, guild_id=interaction.guild_id,
                              channel_id=interaction.channel_id, user_id=interaction.user.id)
        budget = RECORD_WAIT_S
        if not interaction.response.is_done():
            budget = min(budget, ACK_DEADLINE_S - (time.perf_counter() - started))
        await self._record_first(record, budget)
        await self.send_reply(interaction, result.reply, locale, ephemeral=ephemeral)
        self.answered += 1

    async def _work(self, request: Request | Callable[[], Awaitable[Request]], locale: str) -> Answer:
        """The answer to a request (the request may first need an attachment downloaded)."""
        if not isinstance(request, Request):
            try:
                request = await request()
            except LayerbotError as exc:
                blank = Request(None, line="", locale=locale)
                return error_answer(blank, exc.message, outcome=Outcome.USER_ERROR, code=exc.message.key)
        request = await self._with_cached(request)
        try:
            result: Answer = await self.pool.run(request, priority=request.priority)
            return result
        except WorkTimeout:
            message = Message("discord.bot.error.too_slow", {"seconds": round(self.settings.work_timeout)})
            return error_answer(request, message, outcome=Outcome.USER_ERROR, code="discord.bot.error.too_slow")
        except WorkerBusy:
            return error_answer(request, Message("discord.bot.error.busy"), outcome=Outcome.USER_ERROR,
                                code="discord.bot.error.busy")
        except WorkFailed as exc:
            log.error("the calculation failed for /%s %s\n%s", request.command or "(paste)",
                      _describe_options(request.options) or _clip(request.line), exc.detail)
            return error_answer(request, Message("discord.bot.error.internal"), outcome=Outcome.INTERNAL_ERROR,
                                code="internal", internal=True)

    async def _with_cached(self, request: Request) -> Request:
        """The request, with the stored answer to an identical question when the store has one from
        this version of the calculations (only for pasted models; not while the store is down, so an
        outage costs no extra wait)."""
        store = self.store
        if store is None or not request.cacheable or not store.health.ok:
            return request
        # Not cancelled when slow (a cancelled query can leave a connection half-used): left to finish,
        # tracked so that close() waits for it, and the answer is calculated meanwhile.
        lookup = asyncio.ensure_future(store.cached_report(input_digest(request.input_text), CALC_VERSION))
        self._in_flight.add(lookup)
        lookup.add_done_callback(self._in_flight.discard)
        done, _ = await asyncio.wait({lookup}, timeout=CACHE_WAIT_S)
        if not done:
            log.info("the answer cache took over %.1f s to look a paste up; calculating it instead", CACHE_WAIT_S)
            return request
        document = lookup.result()
        return request if document is None else dataclasses.replace(request, cached=document)

    async def _record(
        self, result: Answer, started: float, locale: str, *, guild_id: int | None, channel_id: int | None,
        user_id: int | None, save: bool = True,
    ) -> None:
        self.metrics.answered(result.command, result.outcome.value, time.perf_counter() - started)
        if self.store is None or not save:
            return
        saved = await self.store.record(
            QueryRecord(
                source=Source.DISCORD,
                command=result.command,
                input_text=result.input_text,
                calc_version=result.calc_version,
                outcome=result.outcome,
                guild_id=guild_id,
                channel_id=channel_id,
                user_id=user_id,
                locale=locale,
                input_format=result.input_format,
                headline=result.headline,
                layer_kinds=result.layer_kinds,
                report=result.document,
                duration_ms=round((time.perf_counter() - started) * 1000),
                error_code=result.error_code,
                error_text=result.error_text,
                from_cache=result.from_cache,
            )
        )
        if saved is None:
            self.metrics.store_failed()

    async def _record_first(self, record: Coroutine[Any, Any, None], budget: float) -> None:
        """Return once ``record`` has committed, or after ``budget`` seconds with the record still going
        (tracked, so that ``close()`` waits for it): the caller sends the answer after this."""
        task = asyncio.ensure_future(record)
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        done, _ = await asyncio.wait({task}, timeout=max(budget, 0.0))
        if done:
            task.result()
        else:
            log.info("the query store took over %.1f s to record an answer; answering first", max(budget, 0.0))

    @staticmethod
    def _error_reply(message: Message, locale: str, *, internal: bool = False) -> Reply:
        return reply_for_error(message, locale, internal=internal)

    def messages_of(self, reply: Reply, owner_id: int, locale: str) -> list[tuple[dict[str, Any], Paginator | None]]:
        """What a reply is sent as: its content, embeds and files in one message; then, when it has
        pages, the first page in a second message, with page buttons (only the asker may press them)
        when there is more than one."""
        parts: list[tuple[dict[str, Any], Paginator | None]] = []
        if reply.content or reply.embeds or reply.files:
            parts.append((reply_kwargs(reply), None))
        if reply.pages:
            page: dict[str, Any] = {"content": reply.pages[0], "allowed_mentions": NO_MENTIONS}
            view = None
            if len(reply.pages) > 1:
                view = Paginator(owner_id, reply.pages, locale)
                self._views.add(view)
                page["view"] = view
            parts.append((page, view))
        return parts

    async def send_reply(
        self, interaction: discord.Interaction, reply: Reply, locale: str, *, ephemeral: bool | None = None
    ) -> None:
        """Send ``reply`` as the interaction's response (and follow-ups), or as follow-ups once deferred."""
        private = reply.ephemeral if ephemeral is None else ephemeral
        thinking = interaction.response.type is discord.InteractionResponseType.deferred_channel_message
        for kwargs, view in self.messages_of(reply, interaction.user.id, locale):
            sent: discord.InteractionMessage | discord.WebhookMessage | None = None
            if not interaction.response.is_done():
                await interaction.response.send_message(**kwargs, ephemeral=private)
                if view is not None:
                    sent = await interaction.original_response()
            else:
                if private and thinking:
                    # The "thinking…" message is public and the first follow-up would take its place (and
                    # its visibility): remove it, so that the message goes to the asker alone.
                    thinking = False
                    with contextlib.suppress(discord.NotFound):
                        await interaction.delete_original_response()
                sent = await interaction.followup.send(**kwargs, ephemeral=private, wait=True)
            if view is not None:
                view.message = sent

    async def send_message_reply(self, message: discord.Message, reply: Reply, locale: str) -> None:
        """Send ``reply`` as replies to ``message`` (without pinging its author)."""
        for kwargs, view in self.messages_of(reply, message.author.id, locale):
            sent = await message.reply(**kwargs, mention_author=False)
            if view is not None:
                view.message = sent

    async def report_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """The one place an interaction's error becomes a message: friendly for the user's mistakes,
        logged (with the command and its options) and apologised for otherwise."""
        original = error.original if isinstance(error, app_commands.CommandInvokeError | commands.CommandInvokeError) else error
        locale = self.locale(interaction)
        internal = False
        if isinstance(original, LayerbotError) or (hasattr(original, "message") and isinstance(original.message, Message)):
            message = original.message
        elif isinstance(error, app_commands.TransformerError):
            command = interaction.command.name if interaction.command else "?"
            message = Message("discord.bot.error.option", {"name": "?", "value": _clip(error.value, 60), "command": command})
        elif isinstance(error, app_commands.CommandSignatureMismatch | app_commands.CommandNotFound):
            log.warning("a command out of date with Discord was used (%s); run `layerbot sync`", error)
            message = Message("discord.bot.error.out_of_date")
        else:
            name = interaction.command.qualified_name if interaction.command else f"interaction type {interaction.type}"
            options = _describe_options(dict(interaction.namespace)) if interaction.command else ""
            log.error("unexpected error in /%s %s (user %s, guild %s, channel %s)", name, options,
                      interaction.user.id, interaction.guild_id, interaction.channel_id, exc_info=original)
            message, internal = Message("discord.bot.error.internal"), True
        try:
            await self.send_reply(interaction, self._error_reply(message, locale, internal=internal), locale,
                                  ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("could not tell the user about an error (%s: %s)", type(exc).__name__, exc)

    # ------------------------------------------------------------------ attachments

    async def read_attachment(self, attachment: discord.Attachment) -> str:
        """The text of a .txt/.md attachment, within LAYERBOT_MAX_ATTACHMENT_BYTES (else an InputError)."""
        name = attachment.filename[:80]
        kind = (attachment.content_type or "").split(";")[0].strip().lower()
        if not (name.lower().endswith(TEXT_EXTENSIONS) or kind.startswith("text/")):
            raise InputError("discord.bot.error.attachment_kind", name=name)
        limit = self.settings.max_attachment_bytes
        if attachment.size > limit:
            raise InputError("discord.bot.error.attachment_too_large", name=name, size=attachment.size, limit=limit)
        try:
            data = await attachment.read()
        except (discord.HTTPException, discord.NotFound) as exc:
            log.warning("could not download an attachment (%s)", exc)
            raise InputError("discord.bot.error.attachment_unreadable", name=name) from exc
        if len(data) > limit:
            raise InputError("discord.bot.error.attachment_too_large", name=name, size=len(data), limit=limit)
        return _decode(data)

    # ------------------------------------------------------------------ answering a message

    async def answer_message(
        self, message: discord.Message, request: Request | Callable[[], Awaitable[Request]], locale: str
    ) -> None:
        """Answer a message that mentions the bot (or a DM) with a reply to it."""
        with self._tracked():
            if self.closing:
                self.metrics.answered("explain", "restarting")
                await self.send_message_reply(message, notice(Message("discord.bot.restarting"), locale), locale)
                return
            await self._answer_message(message, request, locale)

    async def _answer_message(
        self, message: discord.Message, request: Request | Callable[[], Awaitable[Request]], locale: str
    ) -> None:
        started = time.perf_counter()
        wait = self.limiter.check(message.author.id)
        if wait:
            note = Message("discord.bot.error.rate_limited", {"seconds": max(1, round(wait + 0.5))})
            await message.reply(**reply_kwargs(self._error_reply(note, locale)), mention_author=False)
            return
        async with message.channel.typing():
            result = await self._work(request, locale)
        record = self._record(result, started, locale, guild_id=message.guild.id if message.guild else None,
                              channel_id=message.channel.id, user_id=message.author.id)
        await self._record_first(record, RECORD_WAIT_S)
        await self.send_message_reply(message, result.reply, locale)
        self.answered += 1
