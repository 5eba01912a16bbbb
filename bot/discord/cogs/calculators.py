"""/dense /conv /pool /rnn /embedding /attention: one layer's parameters, shapes and cost.

The commands and their options come from calc's command table (:func:`~bot.discord.cogs._table.slash_command`);
each handler passes the typed options to the router in a worker process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.discord.cogs._table import slash_command
from bot.discord.worker import Request
from calc.commands import CommandSpec, find

if TYPE_CHECKING:
    from bot.discord.app import LayerBot

NAMES = ("dense", "conv", "pool", "rnn", "embedding", "attention")


class Calculators(commands.Cog):
    def __init__(self, bot: LayerBot) -> None:
        self.bot = bot
        for name in NAMES:
            spec = find(name)
            if spec is not None:
                self.__cog_app_commands__.append(slash_command(spec, self.run, module=__name__))

    async def run(self, interaction: discord.Interaction, spec: CommandSpec, options: dict[str, Any]) -> None:
        await self.bot.answer(interaction, Request(spec.name, options, locale=self.bot.locale(interaction)))


async def setup(bot: LayerBot) -> None:
    await bot.add_cog(Calculators(bot))
