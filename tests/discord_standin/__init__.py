"""A local stand-in for Discord (gateway websocket + REST on 127.0.0.1) that the real discord.py client uses.

    standin = await StandIn().start()
    with point_discord_at(standin):                  # sets Route.BASE and DiscordWebSocket.DEFAULT_GATEWAY
        lab = standin.add_guild("Lab", preferred_locale="zh-CN")
        bot = make_my_bot(guild_ready_timeout=0.05)  # discord.py delays on_ready by this (2 s by default)
        async with running(bot, standin):            # login + connect + wait for on_ready; clean close after
            await bot.tree.sync()                    # recorded in standin.synced_commands
            rec = await standin.send_command("params", {"summary": "...", "file": Upload("m.txt", b"...")})
            rec = await standin.wait_for_reply(rec)  # callback, follow-ups, edits, each with .at / .delay
            assert rec.original["content"].startswith("dense_2")
    await standin.stop()

Gateway: HELLO, IDENTIFY (token, intents, shard checked: 4004 / 4014 / 4010), READY (+ shard,
resume_gateway_url, application), GUILD_CREATE per guild of the shard ((id >> 22) % count), heartbeat ACKs,
RESUME with replay of missed events + RESUMED, INVALID_SESSION, RECONNECT, REQUEST_GUILD_MEMBERS,
zlib-stream compression (what discord.py asks for), several simultaneous sessions/shards.
Intents are honoured for MESSAGE_CREATE (GUILD_MESSAGES / DIRECT_MESSAGES; without MESSAGE_CONTENT the
content, embeds and attachments are blank unless the bot is mentioned). The bot's own non-ephemeral
messages are echoed back as MESSAGE_CREATE / MESSAGE_UPDATE, as Discord does.

REST: users, gateway/bot, application info, application commands (global and guild; validated like
Discord: names, lengths, locales, option order), interaction callbacks 4/5/6/7/8/9 (JSON or multipart,
3 s deadline, acknowledged once), follow-ups (the first after a deferral replaces "thinking…"),
@original and follow-up GET/PATCH/DELETE, channel messages (permissions, replies, files), typing,
reactions, DMs, attachments served under /attachments/..., message limits (2000 chars, embeds,
components) checked with Discord's error bodies, injected failures and 429s (fail_next), and a
catch-all that records unknown routes (unknown_requests) and answers 404.
"""

import warnings

with warnings.catch_warnings():
    # discord.py imports the deprecated audioop module (Python 3.11-3.12); pytest turns warnings into errors
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401

from .client import Pointing, point_discord_at, running, skip_identify_delay
from .gateway import (
    DIRECT_MESSAGES,
    GUILD_MEMBERS,
    GUILD_MESSAGES,
    GUILD_PRESENCES,
    GUILDS,
    MESSAGE_CONTENT,
    PRIVILEGED_INTENTS,
    GatewaySession,
)
from .ids import shard_of
from .models import (
    DEFAULT_PERMISSIONS,
    FakeChannel,
    FakeGuild,
    FakeUser,
    IdentifyRecord,
    InteractionRecord,
    Rejected,
    ResumeRecord,
    Sent,
    StoredFile,
    UnknownRequest,
    Upload,
)
from .server import StandIn, StandInError, SyncRecord, Urls

__all__ = [
    "DEFAULT_PERMISSIONS",
    "DIRECT_MESSAGES",
    "GUILDS",
    "GUILD_MEMBERS",
    "GUILD_MESSAGES",
    "GUILD_PRESENCES",
    "MESSAGE_CONTENT",
    "PRIVILEGED_INTENTS",
    "FakeChannel",
    "FakeGuild",
    "FakeUser",
    "GatewaySession",
    "IdentifyRecord",
    "InteractionRecord",
    "Pointing",
    "Rejected",
    "ResumeRecord",
    "Sent",
    "StandIn",
    "StandInError",
    "StoredFile",
    "SyncRecord",
    "UnknownRequest",
    "Upload",
    "Urls",
    "point_discord_at",
    "running",
    "shard_of",
    "skip_identify_delay",
]
