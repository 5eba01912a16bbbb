"""The commands only the Discord bot has: /history, /forget and /stats read the query store, which the
calculations (``calc``, and so ``layerbot ask``) know nothing about.  Their cog is
:mod:`bot.discord.cogs.store`; this table is what /help says about them (after calc's own commands).

    find_bot_command("/history")  →  BotCommand(name="history", help=..., details=..., usage=..., example=...)

``help`` is each command's Discord description (≤ 100 characters in both languages); ``details`` is
what ``/help history`` shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from calc.i18n import register

__all__ = ["BOT_COMMANDS", "FORGET_TIMEOUT_S", "HISTORY_TIMEOUT_S", "BotCommand", "find_bot_command"]

HISTORY_TIMEOUT_S = 300.0
"""How long /history's "show again" menu works."""

FORGET_TIMEOUT_S = 120.0
"""How long /forget waits for Delete or Cancel (then nothing is deleted)."""


@dataclass(frozen=True, slots=True)
class BotCommand:
    name: str
    help: str  # message key: the command's description (≤ 100 characters)
    details: str  # message key: what /help <name> says
    usage: str
    example: str


register(
    {
        "discord.store.cmd.history": {
            "en": "Your last questions and their totals, privately; pick one to see its answer again (not re-saved)",
            "zh": "你最近的提问及其合计（仅你可见）；选一条可再次查看答案（不会重新保存）",
        },
        "discord.store.cmd.forget": {
            "en": "Delete every question of yours that layerbot stored (you confirm first)",
            "zh": "删除 layerbot 保存的你的所有提问（先请你确认）",
        },
        "discord.store.cmd.stats": {
            "en": "This server's questions per day, layer kinds, commands and outcomes (for server managers)",
            "zh": "本服务器每天的提问数、层类型、命令和结果（供服务器管理者使用）",
        },
        "discord.store.arg.count": {
            "en": "how many of your last questions to list (1–25, default 10)",
            "zh": "列出最近多少条提问（1–25，默认 10）",
        },
        "discord.store.arg.days": {
            "en": "how many days to count, today included (1–90, default 30)",
            "zh": "统计最近多少天，含今天（1–90，默认 30）",
        },
        "discord.store.help.history": {
            "en": "Lists your last questions (10 unless you say count:, at most 25), newest first, to you alone:"
            " when, the command, the paste's format, the total parameters, how many layers were ok, inferred,"
            " mismatched or unknown, and the findings. Choose one in the menu to see its answer again,"
            " privately and computed afresh; showing it again is not saved as a new question.",
            "zh": "列出你最近的提问（默认 10 条，可用 count: 指定，最多 25 条），最新的在前，仅你可见：时间、命令、"
            "粘贴内容的格式、参数总数、正确／推断／不符／未知的层数以及发现的问题。在菜单中选择一条，可私下重新计算并"
            "再次查看答案；再次查看不会作为新的提问保存。",
        },
        "discord.store.help.forget": {
            "en": "Deletes every question layerbot stored for you, from every server and from DMs, once you press"
            " Delete in the private confirmation; Cancel, or no answer within two minutes, deletes nothing. The"
            " reply says how many were deleted. Questions you ask afterwards are stored again.",
            "zh": "在你于私密确认消息中按下“删除”后，删除 layerbot 为你保存的所有提问（包括所有服务器和私信中的）；"
            "按“取消”或两分钟内未回应则不删除任何内容。回复会说明删除了多少条。之后的新提问仍会被保存。",
        },
        "discord.store.help.stats": {
            "en": "For server managers (Manage Server), in a server: how many questions this server asked each day"
            " (the last 30 days unless you say days:, at most 90), from how many people, the most asked layer"
            " kinds, the most used commands and how the answers went. Totals only: nobody's questions or names."
            " When the query store is failing it says since when: answers still go out but are not being saved.",
            "zh": "供服务器管理者（需要“管理服务器”权限）在服务器中使用：本服务器每天的提问数（默认最近 30 天，可用 days:"
            " 指定，最多 90 天）、提问人数、最常问的层类型、最常用的命令以及回答结果。只有合计，不显示任何人的提问或名字。"
            "查询存储出故障时会说明从何时开始：回答照常发出，但不会被保存。",
        },
    }
)

BOT_COMMANDS: tuple[BotCommand, ...] = (
    BotCommand("history", "discord.store.cmd.history", "discord.store.help.history", "/history [count]",
               "/history count:5"),
    BotCommand("forget", "discord.store.cmd.forget", "discord.store.help.forget", "/forget", "/forget"),
    BotCommand("stats", "discord.store.cmd.stats", "discord.store.help.stats", "/stats [days]", "/stats days:7"),
)


def find_bot_command(name: str) -> BotCommand | None:
    """The bot-only command called ``name`` (``history``, ``/History``); None when there is none."""
    wanted = name.strip().removeprefix("/").lower()
    return next((c for c in BOT_COMMANDS if c.name == wanted), None)
