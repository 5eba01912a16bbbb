"""The bot's cogs, one per feature; each module ends in ``async def setup(bot)``.

    calculators  /dense /conv /pool /rnn /embedding /attention
    explain      /explain (text, a .txt/.md attachment, or a modal) and the "Explain summary" context menu
    advice       /suggest /whatif
    help         /help
    mentions     a mention or a DM with a pasted summary, code, layer list or a .txt attachment

Handlers are thin: they turn Discord's input into a :class:`~bot.discord.worker.Request` and hand it
to :meth:`LayerBot.answer <bot.discord.app.LayerBot.answer>`.
"""
