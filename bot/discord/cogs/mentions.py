"""A message that mentions the bot (or a DM to it): a pasted summary, table, print(model), code or
layer list — in the text or as a .txt/.md attachment — gets a reply with the explanation; a
``/command ...`` line gets that command's answer.

The bot reads only messages addressed to it: no privileged message-content intent is needed (Discord
gives a bot the content of messages that mention it, and of DMs).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord.app import notice
from bot.discord.replies import reply_for_error
from bot.discord.worker import Request
from calc.i18n import Message, locale_of

if TYPE_CHECKING:
    from bot.discord.app import LayerBot

log = logging.getLogger("bot.discord.mentions")

_CJK = re.compile(r"[\u3400-\u9fff]")


def _locale(message: discord.Message, text: str) -> str:
    """Chinese when the person wrote Chinese, else the server's language, else English."""
    if _CJK.search(text[:2_000]):
        return "zh"
    if message.guild is not None:
        return locale_of(message.guild.preferred_locale.value)
    return "en"


class Mentions(commands.Cog):
    def __init__(self, bot: LayerBot) -> None:
        self.bot = bot

    def _addressed(self, message: discord.Message) -> bool:
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return False
        if message.guild is None:
            return True  # a DM
        return any(user.id == me.id for user in message.mentions)

    def _text(self, message: discord.Message) -> str:
        me = self.bot.user
        if me is None:
            return message.content.strip()
        return re.sub(rf"<@!?{me.id}>", " ", message.content).strip()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if not self._addressed(message):
            return
        bot = self.bot
        text = self._text(message)
        attachment = next((a for a in message.attachments if a.size > 0), None)
        locale = _locale(message, text)
        try:
            if not text and attachment is None:
                await bot.send_message_reply(message, notice(Message("discord.bot.hint.empty"), locale), locale)
                return

            async def request() -> Request:
                line = text
                if attachment is not None:
                    pasted = await bot.read_attachment(attachment)
                    line = f"{text}\n{pasted}" if text else pasted
                return Request(None, line=line, locale=locale)

            await bot.answer_message(message, request, locale)
        except Exception:
            log.exception("unexpected error answering message %s (user %s, guild %s, channel %s, %d characters)",
                          message.id, message.author.id, message.guild.id if message.guild else None,
                          message.channel.id, len(message.content))
            apology = reply_for_error(Message("discord.bot.error.internal"), locale, internal=True)
            try:
                await bot.send_message_reply(message, apology, locale)
            except discord.HTTPException as exc:
                log.warning("could not apologise for it either (%s)", exc)


async def setup(bot: LayerBot) -> None:
    await bot.add_cog(Mentions(bot))
