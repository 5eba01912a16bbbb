"""/explain and the "Explain summary" message context menu: a pasted model, every layer re-derived.

    /explain text:<paste>             the paste as an option (Discord folds its newlines; fine for a layer list)
    /explain file:<model.txt>         a .txt/.md attachment (read within LAYERBOT_MAX_ATTACHMENT_BYTES)
    /explain                          a modal with a long text field (≤ 4,000 characters)
    Apps → Explain summary            on a message someone already posted (its text and .txt attachment)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.discord.cogs._table import answer_paste, slash_command
from bot.discord.worker import Request
from calc.commands import CommandSpec, find
from calc.i18n import register

if TYPE_CHECKING:
    from bot.discord.app import LayerBot

register({"discord.menu.explain": {"en": "Explain summary", "zh": "解释模型摘要"}})

MENU_NAME = "Explain summary"


class Explain(commands.Cog):
    def __init__(self, bot: LayerBot) -> None:
        self.bot = bot
        spec = find("explain")
        if spec is not None:
            self.__cog_app_commands__.append(slash_command(spec, self.run, module=__name__))
        self.menu = app_commands.ContextMenu(
            name=locale_str(MENU_NAME, key="discord.menu.explain"), callback=self.explain_summary
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def run(self, interaction: discord.Interaction, spec: CommandSpec, options: dict[str, Any]) -> None:
        await answer_paste(self.bot, interaction, spec, options)

    async def explain_summary(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """The target message's text (and its first text attachment), read like a mention's paste."""
        locale = self.bot.locale(interaction)
        bot = self.bot
        attachment = next((a for a in message.attachments if a.size > 0), None)

        async def request() -> Request:
            text = message.content
            if attachment is not None:
                text = f"{text}\n{await bot.read_attachment(attachment)}" if text.strip() else await bot.read_attachment(attachment)
            return Request(None, line=text, locale=locale)

        await self.bot.answer(interaction, request)


async def setup(bot: LayerBot) -> None:
    await bot.add_cog(Explain(bot))
