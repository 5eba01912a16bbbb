"""/help: the commands, or one of them, generated from calc's command table (the same text as the terminal),
followed by the bot's own commands (/history, /forget, /stats: :mod:`bot.discord.bot_commands`), which
calc does not know: ``/help history`` is answered here, the rest by the router in a worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.discord.bot_commands import find_bot_command
from bot.discord.cogs._table import slash_command
from bot.discord.replies import bot_command_help
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
        locale = self.bot.locale(interaction)
        own = find_bot_command(str(options.get("command", "")))
        if own is not None:
            await self.bot.send_reply(interaction, bot_command_help(own, locale), locale)
            return
        await self.bot.answer(interaction, Request(spec.name, options, locale=locale))


async def setup(bot: LayerBot) -> None:
    await bot.add_cog(Help(bot))
