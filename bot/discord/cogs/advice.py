"""/suggest (how wide should a Dense layer be?) and /whatif (change one thing in a pasted model)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.discord.cogs._table import answer_paste, slash_command
from calc.commands import CommandSpec, find

if TYPE_CHECKING:
    from bot.discord.app import LayerBot

NAMES = ("suggest", "whatif")


class Advice(commands.Cog):
    def __init__(self, bot: LayerBot) -> None:
        self.bot = bot
        for name in NAMES:
            spec = find(name)
            if spec is not None:
                self.__cog_app_commands__.append(slash_command(spec, self.run, module=__name__))

    async def run(self, interaction: discord.Interaction, spec: CommandSpec, options: dict[str, Any]) -> None:
        await answer_paste(self.bot, interaction, spec, options)  # /suggest has no paste: answered directly


async def setup(bot: LayerBot) -> None:
    await bot.add_cog(Advice(bot))
