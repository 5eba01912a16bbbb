"""/history, /forget and /stats: the query store in Discord.

    /history [count]   to the asker alone: their last questions (10, at most 25) with each one's headline,
                       and a menu to see one of them again
    /forget            to the asker alone: [Delete everything] [Cancel]; Delete removes every question
                       the store holds for them and says how many went
    /stats [days]      for server managers (Manage Server), in a server: this server's questions per day
                       (with a chart), the most asked layer kinds and commands, the outcomes; and, while
                       the store is failing, the outage report

What each reads, and nothing more:

* /history → :meth:`Store.history(user) <bot.store.repo.Store.history>`; "show again" →
  :meth:`Store.get(id, user) <bot.store.repo.Store.get>`, which returns only the asker's own records.
  The stored input is asked again (:meth:`Request.from_input_text
  <bot.discord.worker.Request.from_input_text>`) through :meth:`LayerBot.answer
  <bot.discord.app.LayerBot.answer>` like any question — worker pool, time limit, rate limit, pages —
  privately and **not recorded**: a question seen again is not a new question (the command's help says
  so).  Going the usual way means the full reply (pages, chart) in the asker's current language, from
  the current calculations: a pasted model this calc version answered before comes from the answer
  cache, anything else is computed again.
* /forget → :meth:`Store.forget(user) <bot.store.repo.Store.forget>` once the asker presses Delete;
  Cancel or the timeout delete nothing.
* /stats → :meth:`Store.stats(guild) <bot.store.repo.Store.stats>` (aggregates only: no user's text or
  id) and :attr:`Store.health <bot.store.repo.Store.health>`.  Layer kinds the catalog does not know (a
  custom layer's type name, which is text someone pasted) are counted together, never named.

Only the asker can use a menu or button (anyone else is told so, privately); the menus time out
cleanly (disabled, and the message edited to say so), like :class:`~bot.discord.paginator.Paginator`.
When the store fails a read (:class:`~bot.store.errors.StoreUnavailable`) the asker gets a friendly
private message, never silence.  Every message here is ephemeral.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.bot_commands import FORGET_TIMEOUT_S, HISTORY_TIMEOUT_S, BotCommand, find_bot_command
from bot.discord.chart import queries_chart_png
from bot.discord.cogs._table import described
from bot.discord.limits import EMBED_TOTAL_LIMIT, FIELD_VALUE_LIMIT
from bot.discord.replies import BLURPLE, RED, FileSpec, Reply, safe_code
from bot.discord.worker import Request
from bot.store.errors import StoreUnavailable
from bot.store.models import Outcome
from bot.store.records import HistoryEntry, Stats, StoreHealth
from bot.store.repo import MAX_INPUT_BYTES
from calc.catalog import all_kinds
from calc.i18n import LOCALES, Message, locale_of, register

if TYPE_CHECKING:
    from bot.discord.app import LayerBot
    from bot.store.repo import Store

__all__ = ["StoreCog", "forget_reply", "history_reply", "outage_embed", "stats_reply"]

log = logging.getLogger(__name__)

T = TypeVar("T")

STATS_TOP = 8
"""Most layer kinds and commands /stats names."""

CHART_FILE = "questions.png"
SELECT_LABEL_LIMIT = 100
PREVIEW_CHARS = 60



def _bot_command(name: str) -> BotCommand:
    command = find_bot_command(name)
    if command is None:
        raise LookupError(f"/{name} is missing from bot.discord.bot_commands.BOT_COMMANDS")
    return command


HISTORY, FORGET, STATS = _bot_command("history"), _bot_command("forget"), _bot_command("stats")

register(
    {
        "discord.store.unavailable": {
            "en": "The history is unavailable right now: the database is not answering. Your questions are still"
            " answered; please try this again in a few minutes.",
            "zh": "历史记录暂时无法使用：数据库没有响应。你的提问仍会得到回答；请过几分钟再试。",
        },
        "discord.store.not_owner": {
            "en": "Only the person who ran /{command} can use this. Run /{command} yourself for your own.",
            "zh": "只有运行 /{command} 的人可以使用这里。你可以自己运行 /{command}。",
        },
        "discord.store.expired": {
            "en": "This menu has expired; run /{command} again.",
            "zh": "这个菜单已过期；请重新运行 /{command}。",
        },
        # /history
        "discord.store.history.empty": {
            "en": "I have no stored questions of yours yet. Ask one (for example /dense 86400 4) and it will"
            " show up here.",
            "zh": "还没有保存你的任何提问。提一个问题（例如 /dense 86400 4）后，它就会出现在这里。",
        },
        "discord.store.history.title": {"en": "Your last {count} questions", "zh": "你最近的 {count} 条提问"},
        "discord.store.history.title_one": {"en": "Your last question", "zh": "你最近的提问"},
        "discord.store.history.params": {"en": "{total} parameters", "zh": "{total} 个参数"},
        "discord.store.history.counts": {
            "en": "ok {ok} · inferred {inferred} · mismatch {mismatch} · unknown {unknown} · findings {findings}",
            "zh": "正确 {ok} · 推断 {inferred} · 不符 {mismatch} · 未知 {unknown} · 发现 {findings}",
        },
        "discord.store.history.user_error": {
            "en": "not answered: the input was not understood",
            "zh": "未作答：无法理解输入",
        },
        "discord.store.history.internal_error": {
            "en": "not answered: an error on layerbot's side",
            "zh": "未作答：layerbot 内部出错",
        },
        "discord.store.history.footer": {
            "en": "Only you can see this. Choose one below to see its answer again (it is not saved again).",
            "zh": "只有你能看到。在下方选择一条可再次查看答案（不会重新保存）。",
        },
        "discord.store.history.placeholder": {"en": "Show one of these again…", "zh": "再次显示其中一条……"},
        "discord.store.history.gone": {
            "en": "That question is no longer stored (it may have been deleted with /forget).",
            "zh": "这条提问已不再保存（可能已用 /forget 删除）。",
        },
        "discord.store.history.cut": {
            "en": "That question was longer than I store (only its first {limit} bytes are kept), so I cannot"
            " answer it again as it was. Paste it again with /explain.",
            "zh": "这条提问超过了保存上限（只保留了前 {limit} 字节），无法按原样再次回答。请用 /explain 重新粘贴。",
        },
        # /forget
        "discord.store.forget.ask": {
            "en": "This deletes every question layerbot stored for you, from every server and from DMs. It cannot"
            " be undone. Delete them?",
            "zh": "这会删除 layerbot 为你保存的所有提问（包括所有服务器和私信中的），且无法撤销。确定删除吗？",
        },
        "discord.store.forget.confirm": {"en": "Delete everything", "zh": "全部删除"},
        "discord.store.forget.cancel": {"en": "Cancel", "zh": "取消"},
        "discord.store.forget.done": {
            "en": "Deleted {count} stored questions of yours. Questions you ask from now on are stored again.",
            "zh": "已删除你保存的 {count} 条提问。从现在起的新提问仍会被保存。",
        },
        "discord.store.forget.none": {
            "en": "There was nothing to delete: no question of yours is stored.",
            "zh": "没有可删除的内容：没有保存你的任何提问。",
        },
        "discord.store.forget.cancelled": {"en": "Cancelled: nothing was deleted.", "zh": "已取消：没有删除任何内容。"},
        "discord.store.forget.timed_out": {
            "en": "No answer in time: nothing was deleted. Run /forget again to delete.",
            "zh": "没有及时回应：没有删除任何内容。如需删除，请重新运行 /forget。",
        },
        "discord.store.forget.failed": {
            "en": "The history is unavailable right now, so nothing was deleted. Please run /forget again in a few"
            " minutes.",
            "zh": "历史记录暂时无法使用，因此没有删除任何内容。请过几分钟再运行 /forget。",
        },
        # /stats
        "discord.store.stats.guild_only": {
            "en": "/stats counts the questions of one server: run it in a server.",
            "zh": "/stats 统计的是一个服务器的提问：请在服务器中运行。",
        },
        "discord.store.stats.title": {
            "en": "layerbot in this server · the last {days} days",
            "zh": "layerbot 在本服务器 · 最近 {days} 天",
        },
        "discord.store.stats.summary": {
            "en": "**{queries}** questions from **{users}** people, {first} – {last} (UTC days).",
            "zh": "{first} 至 {last}（UTC 日期）共 **{queries}** 条提问，来自 **{users}** 人。",
        },
        "discord.store.stats.empty": {
            "en": "Nobody asked anything here in the last {days} days.",
            "zh": "最近 {days} 天本服务器没有人提问。",
        },
        "discord.store.stats.per_day": {"en": "Questions per day", "zh": "每天的提问"},
        "discord.store.stats.busiest": {"en": "busiest: {day} ({count})", "zh": "最多：{day}（{count} 条）"},
        "discord.store.stats.kinds": {"en": "Most asked layer kinds", "zh": "最常问的层类型"},
        "discord.store.stats.other_kinds": {
            "en": "layer kinds layerbot does not know",
            "zh": "layerbot 不认识的层类型",
        },
        "discord.store.stats.commands": {"en": "Most used commands", "zh": "最常用的命令"},
        "discord.store.stats.outcomes": {"en": "Outcomes", "zh": "结果"},
        "discord.store.stats.outcome.answered": {"en": "answered", "zh": "已回答"},
        "discord.store.stats.outcome.user_error": {"en": "input not understood", "zh": "无法理解输入"},
        "discord.store.stats.outcome.internal_error": {"en": "errors on layerbot's side", "zh": "layerbot 内部出错"},
        "discord.store.stats.queries_of": {"en": "{count} questions", "zh": "{count} 条提问"},
        "discord.store.stats.unavailable": {
            "en": "The statistics are unavailable right now: the database is not answering.",
            "zh": "统计暂时无法使用：数据库没有响应。",
        },
        "discord.store.outage.title": {"en": "The query store is failing", "zh": "查询存储出现故障"},
        "discord.store.outage.text": {
            "en": "Since {since} ({ago}) the database has failed {failures} times. Answers still go out, but they"
            " are not being saved: /history and /stats miss everything since then. The details are in the"
            " bot's log.",
            "zh": "自 {since}（{ago}）以来，数据库已失败 {failures} 次。回答照常发出，但不会被保存：/history 和 /stats"
            " 不包含此后的提问。详细信息见机器人的日志。",
        },
    }
)


def _t(key: str, lang: str, **args: Any) -> str:
    return Message(key, args).render(lang)


def _lang(locale: object) -> str:
    text = str(locale) if locale is not None else ""
    return text if text in LOCALES else locale_of(text)


def _clip(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters."""
    return _cut(" ".join(text.split()), limit)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _note(key: str, lang: str, **args: Any) -> Reply:
    return Reply(content=_t(key, lang, **args), ephemeral=True)


# ---------------------------------------------------------------------------------------------
# Rendering (pure: a store read in, a Reply out).


def _headline(entry: HistoryEntry, lang: str) -> str:
    if entry.outcome is Outcome.USER_ERROR:
        return _t("discord.store.history.user_error", lang)
    if entry.outcome is Outcome.INTERNAL_ERROR:
        return _t("discord.store.history.internal_error", lang)
    h = entry.headline
    counts = _t("discord.store.history.counts", lang, ok=h.ok, inferred=h.inferred, mismatch=h.mismatch,
                unknown=h.unknown, findings=h.findings)
    if h.total_params is None:
        return counts
    return _t("discord.store.history.params", lang, total=h.total_params) + " · " + counts


def _entry_name(index: int, entry: HistoryEntry) -> str:
    fmt = f" · {entry.input_format}" if entry.input_format else ""
    return f"{index}. /{entry.command}{fmt}"


def history_reply(entries: Sequence[HistoryEntry], locale: str) -> Reply:
    """The asker's last questions as one embed: a field per question (its time as a Discord timestamp,
    the command, the paste's format, the total, the layer statuses and findings, the start of the input)."""
    lang = _lang(locale)
    if not entries:
        return _note("discord.store.history.empty", lang)
    title = (_t("discord.store.history.title", lang, count=len(entries)) if len(entries) > 1
             else _t("discord.store.history.title_one", lang))
    footer = _t("discord.store.history.footer", lang)
    rows: list[tuple[str, str, str]] = []
    for i, entry in enumerate(entries, 1):
        when = discord.utils.format_dt(entry.created_at, "f")
        rows.append((_entry_name(i, entry), f"{when} · {_headline(entry, lang)}", _clip(entry.input_preview, PREVIEW_CHARS)))

    def build(with_preview: bool) -> discord.Embed:
        embed = discord.Embed(title=title, colour=BLURPLE)
        for name, line, preview in rows:
            value = f"{line}\n`{safe_code(preview)}`" if with_preview and preview else line
            embed.add_field(name=name, value=_cut(value, FIELD_VALUE_LIMIT), inline=False)
        embed.set_footer(text=footer)
        return embed

    embed = build(with_preview=True)
    if len(embed) > EMBED_TOTAL_LIMIT:  # 25 long headlines: the inputs' first words make way
        embed = build(with_preview=False)
    return Reply(content=None, embeds=(embed,), ephemeral=True)


def history_options(entries: Sequence[HistoryEntry]) -> list[discord.SelectOption]:
    """One menu option per question: its number, command and total; the start of its input below."""
    options = []
    for i, entry in enumerate(entries, 1):
        total = entry.headline.total_params
        label = _entry_name(i, entry) + (f" · {total:,}" if total is not None and entry.outcome is Outcome.ANSWERED else "")
        preview = _clip(entry.input_preview, SELECT_LABEL_LIMIT)
        options.append(discord.SelectOption(label=_clip(label, SELECT_LABEL_LIMIT), value=str(entry.id),
                                            description=preview or None))
    return options


def forget_reply(key: str, locale: str, **args: Any) -> str:
    return _t(f"discord.store.forget.{key}", _lang(locale), **args)


def outage_embed(health: StoreHealth, locale: str) -> discord.Embed:
    """The outage report: since when, how many failures, and that answers go out unsaved.  The error
    itself (host names, driver messages) stays in the operator's log."""
    lang = _lang(locale)
    since = health.down_since or datetime.now(UTC)
    text = _t("discord.store.outage.text", lang, since=discord.utils.format_dt(since, "f"),
              ago=discord.utils.format_dt(since, "R"), failures=health.failures)
    return discord.Embed(title=_t("discord.store.outage.title", lang), description=text, colour=RED)


@cache
def _known_kinds() -> frozenset[str]:
    return frozenset(kind.name for kind in all_kinds())


def _ranked(pairs: Sequence[tuple[str, int]]) -> str:
    lines = [f"`{safe_code(name)}` {count:,}" for name, count in pairs]
    return "\n".join(lines[:STATS_TOP]) if lines else "–"


def stats_reply(stats: Stats | None, health: StoreHealth, locale: str, *, days: int, chart: bytes | None = None) -> Reply:
    """What /stats shows: ``stats`` (None when the store could not be read) and, while it fails, the outage."""
    lang = _lang(locale)
    embeds: list[discord.Embed] = []
    files: tuple[FileSpec, ...] = ()
    if stats is None:
        embeds.append(discord.Embed(title=_t("discord.store.stats.title", lang, days=days), colour=BLURPLE,
                                    description=_t("discord.store.stats.unavailable", lang)))
    elif stats.queries == 0:
        embeds.append(discord.Embed(title=_t("discord.store.stats.title", lang, days=stats.days), colour=BLURPLE,
                                    description=_t("discord.store.stats.empty", lang, days=stats.days)))
    else:
        last = stats.per_day[-1][0] if stats.per_day else stats.since
        embed = discord.Embed(
            title=_t("discord.store.stats.title", lang, days=stats.days), colour=BLURPLE,
            description=_t("discord.store.stats.summary", lang, queries=stats.queries, users=stats.users,
                           first=stats.since.isoformat(), last=last.isoformat()),
        )
        busiest_day, busiest = max(stats.per_day, key=lambda p: (p[1], p[0]))
        spark = _sparkline([count for _, count in stats.per_day])
        embed.add_field(name=_t("discord.store.stats.per_day", lang),
                        value=f"`{spark}`\n" + _t("discord.store.stats.busiest", lang, day=busiest_day.isoformat(),
                                                    count=busiest),
                        inline=False)
        known = _known_kinds()
        kinds = [(k, n) for k, n in stats.top_kinds if k in known][:STATS_TOP]
        others = sum(1 for k, _ in stats.top_kinds if k not in known)
        value = _ranked(kinds)
        if others:
            value = _cut(value + "\n" + _t("discord.store.stats.other_kinds", lang), FIELD_VALUE_LIMIT)
        embed.add_field(name=_t("discord.store.stats.kinds", lang), value=value, inline=True)
        embed.add_field(name=_t("discord.store.stats.commands", lang),
                        value=_ranked([(f"/{c}", n) for c, n in stats.top_commands]),
                        inline=True)
        outcomes = [(_t(f"discord.store.stats.outcome.{o.value}", lang), stats.outcomes.get(o, 0)) for o in Outcome]
        embed.add_field(name=_t("discord.store.stats.outcomes", lang),
                        value="\n".join(f"{name}: {count:,}" for name, count in outcomes), inline=True)
        if chart is not None:
            files = (FileSpec(CHART_FILE, chart),)
            embed.set_image(url=f"attachment://{CHART_FILE}")
        embeds.append(embed)
    if not health.ok:
        embeds.append(outage_embed(health, lang))
    return Reply(content=None, embeds=tuple(embeds), files=files, ephemeral=True)


_BLOCKS = "▁▂▃▄▅▆▇█"


def _sparkline(counts: Sequence[int]) -> str:
    top = max(counts, default=0)
    if top == 0:
        return _BLOCKS[0] * len(counts)
    return "".join(" " if n == 0 else _BLOCKS[min(len(_BLOCKS) - 1, (n * len(_BLOCKS) - 1) // top)] for n in counts)


# ---------------------------------------------------------------------------------------------
# Views: only the asker may use them; they time out cleanly.


class _OwnedView(discord.ui.View):
    """A view only ``owner_id`` may use; on timeout every item is disabled and the message says so."""

    message: discord.InteractionMessage | discord.WebhookMessage | None

    def __init__(self, cog: StoreCog, owner_id: int, locale: str, command: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.cog = cog
        self.owner_id = owner_id
        self.locale = _lang(locale)
        self.command = command
        self.message = None

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        lang = _lang(getattr(interaction, "locale", None) or self.locale)
        await interaction.response.send_message(_t("discord.store.not_owner", lang, command=self.command),
                                                ephemeral=True)
        return False

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /) -> None:
        await self.cog.bot.report_error(interaction, error)

    def _disable(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True

    async def _edit(self, **changes: Any) -> None:
        if self.message is None:
            return
        try:
            await self.message.edit(**changes)
        except discord.HTTPException as exc:  # dismissed meanwhile, or the interaction token expired
            log.debug("could not update an expired /%s message: %s", self.command, exc)


class HistoryView(_OwnedView):
    """A menu of the listed questions: choosing one answers it again, privately."""

    def __init__(self, cog: StoreCog, owner_id: int, entries: Sequence[HistoryEntry], locale: str,
                 timeout: float = HISTORY_TIMEOUT_S) -> None:
        super().__init__(cog, owner_id, locale, "history", timeout)
        self.menu: discord.ui.Select[HistoryView] = discord.ui.Select(
            placeholder=_t("discord.store.history.placeholder", self.locale), options=history_options(entries),
        )
        self.menu.callback = self._chosen  # type: ignore[method-assign]
        self.add_item(self.menu)

    async def _chosen(self, interaction: discord.Interaction[Any]) -> None:
        await self.cog.show_again(interaction, int(self.menu.values[0]))

    async def on_timeout(self) -> None:
        self._disable()
        self.menu.placeholder = _t("discord.store.expired", self.locale, command=self.command)
        await self._edit(view=self)


class ForgetView(_OwnedView):
    """[Delete everything] [Cancel]: the first deletes the owner's stored questions; the others delete nothing."""

    def __init__(self, cog: StoreCog, owner_id: int, locale: str, timeout: float = FORGET_TIMEOUT_S) -> None:
        super().__init__(cog, owner_id, locale, "forget", timeout)
        self.confirm.label = forget_reply("confirm", self.locale)
        self.cancel.label = forget_reply("cancel", self.locale)

    @discord.ui.button(style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Any]) -> None:
        self.stop()  # one press: a second one finds the view finished
        await interaction.response.defer()  # the delete may take a moment; the message is edited after
        lang = self.cog.bot.locale(interaction)
        try:
            deleted = await self.cog.store().forget(self.owner_id)
        except StoreUnavailable:
            text = forget_reply("failed", lang)
        else:
            log.info("forgot %d stored queries at a user's request", deleted)
            text = forget_reply("done", lang, count=deleted) if deleted else forget_reply("none", lang)
        await interaction.edit_original_response(content=text, view=None)

    @discord.ui.button(style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Any]) -> None:
        self.stop()
        lang = self.cog.bot.locale(interaction)
        await interaction.response.edit_message(content=forget_reply("cancelled", lang), view=None)

    async def on_timeout(self) -> None:
        await self._edit(content=forget_reply("timed_out", self.locale), view=None)


# ---------------------------------------------------------------------------------------------
# The cog.


class StoreCog(commands.Cog):
    def __init__(self, bot: LayerBot) -> None:
        self.bot = bot
        self.history_timeout = HISTORY_TIMEOUT_S  # how long the menus work (seconds)
        self.forget_timeout = FORGET_TIMEOUT_S
        self._views: weakref.WeakSet[discord.ui.View] = weakref.WeakSet()

    async def cog_unload(self) -> None:
        for view in list(self._views):  # their timers must not outlive the bot
            view.stop()

    def store(self) -> Store:
        if self.bot.store is None:  # `layerbot sync` has no store; it answers nothing either
            raise StoreUnavailable("the bot runs without a query store")
        return self.bot.store

    async def _in_time(self, interaction: discord.Interaction, work: Awaitable[T]) -> T:
        """``await work``, deferring (privately) when it takes longer than LAYERBOT_DEFER_AFTER."""
        task = asyncio.ensure_future(work)
        try:
            done, _ = await asyncio.wait({task}, timeout=self.bot.settings.defer_after)
            if not done and not interaction.response.is_done():
                await interaction.response.defer(ephemeral=True, thinking=True)
            return await task
        except BaseException:
            task.cancel()
            raise

    async def _send(self, interaction: discord.Interaction, reply: Reply, view: _OwnedView | None = None) -> None:
        """``reply`` to the asker alone, as the response or (once deferred) as a follow-up."""
        kwargs: dict[str, Any] = {
            "content": reply.content, "embeds": list(reply.embeds), "files": reply.discord_files(),
            "allowed_mentions": discord.AllowedMentions.none(), "ephemeral": True,
        }
        if view is not None:
            kwargs["view"] = view
        sent: discord.InteractionMessage | discord.WebhookMessage | None = None
        if not interaction.response.is_done():
            await interaction.response.send_message(**kwargs)
            if view is not None:
                sent = await interaction.original_response()
        else:
            sent = await interaction.followup.send(**kwargs, wait=True)
        if view is not None:
            view.message = sent
            self._views.add(view)

    async def _unavailable(self, interaction: discord.Interaction, exc: StoreUnavailable) -> None:
        log.info("a store read for %s failed: %s", _what(interaction), exc)
        await self._send(interaction, _note("discord.store.unavailable", self.bot.locale(interaction)))

    # ------------------------------------------------------------------ /history

    @app_commands.command(name="history", description=described(HISTORY.help))
    @app_commands.describe(count=described("discord.store.arg.count"))
    async def history(self, interaction: discord.Interaction, count: app_commands.Range[int, 1, 25] = 10) -> None:
        locale = self.bot.locale(interaction)
        user_id = interaction.user.id
        try:
            entries = await self._in_time(interaction, self.store().history(user_id, count))
        except StoreUnavailable as exc:
            await self._unavailable(interaction, exc)
            return
        reply = history_reply(entries, locale)
        view = HistoryView(self, user_id, entries, locale, self.history_timeout) if entries else None
        await self._send(interaction, reply, view)

    async def show_again(self, interaction: discord.Interaction, query_id: int) -> None:
        """Answer a stored question of the asker's again: privately, through the usual answering path,
        and not recorded."""
        locale = self.bot.locale(interaction)
        user_id = interaction.user.id
        try:
            stored = await self._in_time(interaction, self.store().get(query_id, user_id))
        except StoreUnavailable as exc:
            await self._unavailable(interaction, exc)
            return
        if stored is None:  # forgotten since the list was shown (get() never returns another's question)
            await self._send(interaction, _note("discord.store.history.gone", locale))
            return
        if stored.input_truncated:
            await self._send(interaction, _note("discord.store.history.cut", locale, limit=MAX_INPUT_BYTES))
            return
        request = Request.from_input_text(stored.input_text, locale)
        await self.bot.answer(interaction, request, private=True, save=False)

    # ------------------------------------------------------------------ /forget

    @app_commands.command(name="forget", description=described(FORGET.help))
    async def forget(self, interaction: discord.Interaction) -> None:
        locale = self.bot.locale(interaction)
        view = ForgetView(self, interaction.user.id, locale, self.forget_timeout)
        await self._send(interaction, Reply(content=forget_reply("ask", locale), ephemeral=True), view)

    # ------------------------------------------------------------------ /stats

    @app_commands.command(name="stats", description=described(STATS.help))
    @app_commands.describe(days=described("discord.store.arg.days"))
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def stats(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 90] = 30) -> None:
        locale = self.bot.locale(interaction)
        guild_id = interaction.guild_id
        if guild_id is None:  # Discord offers it in servers only; never count every server for a DM
            await self._send(interaction, _note("discord.store.stats.guild_only", locale))
            return
        reply = await self._in_time(interaction, self._stats_reply(guild_id, days, locale))
        await self._send(interaction, reply)

    async def _stats_reply(self, guild_id: int, days: int, locale: str) -> Reply:
        try:
            store = self.store()
            stats: Stats | None = await store.stats(guild_id, days, top=STATS_TOP * 3)
            health = store.health
        except StoreUnavailable as exc:
            log.info("/stats could not read the store: %s", exc)
            stats = None
            health = self.bot.store.health if self.bot.store is not None else StoreHealth()
        chart = None
        if stats is not None and stats.queries:
            chart = await asyncio.to_thread(queries_chart_png, stats.per_day, locale)  # matplotlib: off the loop
        return stats_reply(stats, health, locale, days=days, chart=chart)


def _what(interaction: discord.Interaction) -> str:
    if interaction.command is not None:
        return f"/{interaction.command.name}"
    return "a /history menu"


async def setup(bot: LayerBot) -> None:
    await bot.add_cog(StoreCog(bot))
