"""Adding layerbot to a server: the OAuth2 invite URL with exactly the permissions its features use,
and who the token belongs to.

    url = invite_url(application_id)      # https://discord.com/oauth2/authorize?client_id=...&scope=bot+
                                          #   applications.commands&permissions=274878024704
    me = await fetch_identity(settings)   # the bot user and the application behind DISCORD_TOKEN

Slash commands, the modal, the context menu and the page buttons are answered through the interaction's
own webhook, which needs no channel permission at all.  The permissions below are what answering a
*mention* (a pasted summary in a channel or thread) takes, one reason each; nothing else is asked for
(no Manage Messages, no Add Reactions, no Mention Everyone: layerbot never pings anyone).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
import discord.http

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = ["PERMISSIONS", "SCOPES", "Identity", "fetch_identity", "invite_url", "permissions"]

SCOPES = ("bot", "applications.commands")
"""``bot`` adds the bot user (mentions, DMs); ``applications.commands`` lets the server use its slash commands."""

PERMISSIONS: dict[str, str] = {
    "view_channel": "see the channel a mention is written in (Discord delivers no message from a channel the"
    " bot cannot see)",
    "send_messages": "reply to a mention in a channel, and show \"typing…\" while it works",
    "send_messages_in_threads": "the same in threads (a separate permission)",
    "embed_links": "answers are embeds (formula, totals, findings); without it Discord drops them",
    "attach_files": "long tables go as layers.md and the parameter chart as params.png",
    "read_message_history": "a reply points at the message it answers, and Discord requires this permission"
    " to reply to a message",
}
"""Each permission the invite asks for (a :class:`discord.Permissions` flag name) and why."""


def permissions() -> discord.Permissions:
    return discord.Permissions(**dict.fromkeys(PERMISSIONS, True))


def invite_url(application_id: int) -> str:
    """The URL a server owner opens to add layerbot (scopes ``bot applications.commands``)."""
    return discord.utils.oauth_url(application_id, permissions=permissions(), scopes=SCOPES)


@dataclass(frozen=True)
class Identity:
    user_id: int
    user_name: str
    application_id: int
    application_name: str
    flags: int  # the application's flags (which privileged intents the developer portal enabled)

    GATEWAY_MESSAGE_CONTENT = 1 << 18
    GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19

    @property
    def message_content_enabled(self) -> bool:
        return bool(self.flags & (self.GATEWAY_MESSAGE_CONTENT | self.GATEWAY_MESSAGE_CONTENT_LIMITED))


async def fetch_identity(settings: Settings, *, timeout: float = 15.0) -> Identity:
    """Log in over REST with DISCORD_TOKEN (at LAYERBOT_DISCORD_API_BASE when set) and read the bot user
    and its application.  Raises discord.LoginFailure for a refused token, aiohttp/OSError when
    Discord cannot be reached, TimeoutError after ``timeout`` seconds."""
    from bot.discord.launcher import MissingToken, point_discord

    token = settings.discord_token
    if not token:
        raise MissingToken("DISCORD_TOKEN is not set")
    with point_discord(settings):
        http = discord.http.HTTPClient(asyncio.get_running_loop())
        try:
            async with asyncio.timeout(timeout):
                user: dict[str, Any] = dict(await http.static_login(token))
                app: dict[str, Any] = dict(await http.application_info())
        finally:
            await http.close()
    return Identity(
        user_id=int(user["id"]),
        user_name=str(user.get("username", "?")),
        application_id=int(app["id"]),
        application_name=str(app.get("name", "?")),
        flags=int(app.get("flags") or 0),
    )
