"""/help: the commands, or one of them, generated from calc's command table (the same text as the terminal)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.discord.cogs._table import slash_command
from bot.discord.worker import Request
from calc.commands import CommandSpec, find

if TYPE_CHECKING:
    from bot.discord.app import LayerBot


class Help(commands.Cog):
    def __init__(self, bot: LayerBot) -> None:
        self.bot = bot
        spec = find("help")
        if spec is not None:
            self.__cog_app_commands__.append(slash_command(spec, self.run, module=__name__))

    async def run(self, interaction: discord.Interaction, spec: CommandSpec, options: dict[str, Any]) -> None:
        await self.bot.answer(interaction, Request(spec.name, options, locale=self.bot.locale(interaction)))


async def setup(bot: LayerBot) -> None:
    await bot.add_cog(Help(bot))
