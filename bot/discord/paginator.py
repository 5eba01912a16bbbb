"""Buttons to turn the pages of a long answer (a /explain table, the /suggest rules of thumb).

    view = Paginator(interaction.user.id, reply.pages, locale)
    await interaction.followup.send(view.content, view=view, allowed_mentions=discord.AllowedMentions.none())
    view.message = await interaction.original_response()   # or the followup's returned message

    [⏮] [◀] [ 2/5 ] [▶] [⏭]

Only the person who asked can turn the pages (anyone else is told so, privately); when the view times
out every button is disabled and, if :attr:`Paginator.message` is set, the message is edited so the
dead buttons look dead.  The pages are whole message contents (code blocks included), each within
:data:`~bot.discord.limits.PAGE_LIMIT`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord

from calc.i18n import LOCALES, Message, locale_of, register

__all__ = ["Paginator"]

log = logging.getLogger(__name__)

register(
    {
        "discord.paginator.not_owner": {
            "en": "Only the person who asked can turn pages. Run the command yourself to get your own copy.",
            "zh": "只有提问的人可以翻页。你可以自己运行这个命令，得到一份自己的结果。",
        },
    }
)


def _lang(locale: object) -> str:
    text = str(locale) if locale is not None else ""
    return text if text in LOCALES else locale_of(text)


class Paginator(discord.ui.View):
    """◀ ▶ (and ⏮ ⏭) buttons with a page counter over ``pages``; only ``owner_id`` may press them."""

    message: discord.Message | discord.InteractionMessage | discord.WebhookMessage | None

    def __init__(self, owner_id: int, pages: Sequence[str], locale: str, timeout: float = 300) -> None:
        if not pages:
            raise ValueError("a Paginator needs at least one page")
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.pages: tuple[str, ...] = tuple(pages)
        self.locale = _lang(locale)
        self.index = 0
        self.message = None
        self._sync()

    @property
    def content(self) -> str:
        """The page shown now (the first one until a button is pressed)."""
        return self.pages[self.index]

    def _sync(self) -> None:
        at_start, at_end = self.index == 0, self.index == len(self.pages) - 1
        self.first_page.disabled = self.previous_page.disabled = at_start
        self.next_page.disabled = self.last_page.disabled = at_end
        self.counter.label = f"{self.index + 1}/{len(self.pages)}"
        self.counter.disabled = True  # a label, not a button

    async def _show(self, interaction: discord.Interaction[Any], index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._sync()
        await interaction.response.edit_message(content=self.content, view=self)

    @discord.ui.button(emoji="⏮", style=discord.ButtonStyle.secondary)
    async def first_page(self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, 0)

    @discord.ui.button(emoji="◀", style=discord.ButtonStyle.primary)
    async def previous_page(self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True)
    async def counter(self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Any]) -> None:
        await interaction.response.defer()  # disabled: Discord never sends a press of it

    @discord.ui.button(emoji="▶", style=discord.ButtonStyle.primary)
    async def next_page(self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.index + 1)

    @discord.ui.button(emoji="⏭", style=discord.ButtonStyle.secondary)
    async def last_page(self, interaction: discord.Interaction[Any], _button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, len(self.pages) - 1)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        lang = _lang(getattr(interaction, "locale", None) or self.locale)
        await interaction.response.send_message(Message("discord.paginator.not_owner").render(lang), ephemeral=True)
        return False

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.message is None:
            return
        try:
            await self.message.edit(view=self)
        except discord.HTTPException as exc:  # deleted meanwhile, or the interaction token expired
            log.debug("could not disable the page buttons: %s", exc)
