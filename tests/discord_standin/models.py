"""What the stand-in knows about (users, guilds, channels, files) and what it records."""

from __future__ import annotations

import mimetypes
import struct
from dataclasses import dataclass, field
from typing import Any

from .ids import iso_now

# Permission bits (https://discord.com/developers/docs/topics/permissions)
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38

DEFAULT_PERMISSIONS = (
    ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)

EPHEMERAL = 1 << 6
LOADING = 1 << 7


@dataclass(eq=False)
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    locale: str = "en-US"

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "avatar_decoration_data": None,
            "public_flags": 0,
            "primary_guild": None,
            "collectibles": None,
        }
        if self.bot:
            data["bot"] = True
        return data

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(eq=False)
class FakeChannel:
    id: int
    name: str
    guild_id: int | None = None
    type: int = 0  # 0 GUILD_TEXT, 1 DM
    position: int = 0
    topic: str | None = None
    recipient: FakeUser | None = None

    def payload(self) -> dict[str, Any]:
        if self.type == 1:
            return {
                "id": str(self.id),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.recipient.payload()] if self.recipient else [],
            }
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": self.topic,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }


@dataclass(eq=False)
class FakeGuild:
    id: int
    name: str
    preferred_locale: str
    owner_id: int
    channels: list[FakeChannel] = field(default_factory=list)
    members: list[FakeUser] = field(default_factory=list)
    everyone_permissions: int = DEFAULT_PERMISSIONS
    joined_at: str = field(default_factory=iso_now)

    @property
    def channel(self) -> FakeChannel:
        """The first text channel."""
        return self.channels[0]

    def member_payload(self, user: FakeUser, *, with_user: bool = True, permissions: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "nick": None,
            "avatar": None,
            "banner": None,
            "roles": [],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = user.payload()
        if permissions:
            data["permissions"] = str(self.permissions_of(user))
        return data

    def permissions_of(self, user: FakeUser) -> int:
        if user.id == self.owner_id:
            return (1 << 41) - 1
        return self.everyone_permissions

    def payload(self) -> dict[str, Any]:
        """A GUILD_CREATE payload (the full guild object the gateway sends)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.preferred_locale,
            "system_channel_id": str(self.channel.id) if self.channels else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "features": [],
            "roles": [
                {
                    "id": str(self.id),
                    "name": "@everyone",
                    "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                    "hoist": False,
                    "icon": None,
                    "unicode_emoji": None,
                    "position": 0,
                    "permissions": str(self.everyone_permissions),
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "emojis": [],
            "stickers": [],
            "joined_at": self.joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "members": [self.member_payload(user) for user in self.members],
            "channels": [channel.payload() for channel in self.channels],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "lazy": True,
        }


@dataclass
class Upload:
    """A file a *user* attaches (to a message or an ATTACHMENT command option)."""

    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None


@dataclass(eq=False)
class StoredFile:
    """An attachment the stand-in holds and serves at ``url``."""

    id: int
    channel_id: int
    filename: str
    data: bytes
    content_type: str | None
    url: str
    description: str | None = None
    ephemeral: bool = False
    downloads: int = 0

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
            "flags": 0,
        }
        if self.description is not None:
            data["description"] = self.description
        if self.ephemeral:
            data["ephemeral"] = True
        size = png_size(self.data)
        if size is not None:
            data["width"], data["height"] = size
        return data


def guess_type(filename: str) -> str | None:
    kind, _ = mimetypes.guess_type(filename)
    if kind is not None and kind.startswith("text/"):
        kind += "; charset=utf-8"
    return kind


def png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    return None


@dataclass(eq=False)
class Sent:
    """One request the bot made that the stand-in accepted."""

    kind: str  # callback | followup | edit_original | delete_original | edit_followup | delete_followup
    #            channel_message | edit_message | delete_message
    method: str
    path: str
    at: float  # time.monotonic() when the request arrived
    payload: dict[str, Any]  # the JSON body, or payload_json of a multipart body
    files: list[StoredFile] = field(default_factory=list)
    message: dict[str, Any] | None = None  # the message this created or edited, as the stand-in answered it
    interaction: InteractionRecord | None = None
    channel_id: int | None = None

    @property
    def callback_type(self) -> int | None:
        return self.payload.get("type") if self.kind == "callback" else None

    @property
    def data(self) -> dict[str, Any]:
        """The message-ish part: ``payload['data']`` for a callback, else the payload."""
        if self.kind == "callback":
            return self.payload.get("data") or {}
        return self.payload

    @property
    def delay(self) -> float | None:
        """Seconds between the stand-in delivering the interaction and this request arriving."""
        if self.interaction is None:
            return None
        return self.at - self.interaction.sent_at

    @property
    def content(self) -> str | None:
        if self.message is not None:
            return self.message.get("content")
        return self.data.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        if self.message is not None:
            return self.message.get("embeds", [])
        return self.data.get("embeds") or []

    @property
    def components(self) -> list[dict[str, Any]]:
        if self.message is not None:
            return self.message.get("components", [])
        return self.data.get("components") or []

    @property
    def flags(self) -> int:
        if self.message is not None:
            return int(self.message.get("flags", 0))
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def message_id(self) -> int | None:
        return int(self.message["id"]) if self.message else None

    @property
    def reference_id(self) -> int | None:
        ref = (self.message or {}).get("message_reference") or self.payload.get("message_reference")
        if ref and ref.get("message_id"):
            return int(ref["message_id"])
        return None

    def __repr__(self) -> str:
        extra = f" type={self.callback_type}" if self.kind == "callback" else ""
        return f"<Sent {self.kind}{extra} {self.method} {self.path} content={self.content!r} files={[f.filename for f in self.files]}>"


@dataclass(eq=False)
class Rejected:
    """A request the stand-in refused the way Discord would (4xx with a Discord error body)."""

    method: str
    path: str
    status: int
    error: dict[str, Any]
    payload: Any
    at: float
    interaction: InteractionRecord | None = None


@dataclass(eq=False)
class UnknownRequest:
    method: str
    path: str
    query: str
    body: bytes
    at: float


@dataclass(eq=False)
class InteractionRecord:
    """An interaction the stand-in delivered, and everything the bot did with it."""

    id: int
    token: str
    type: int  # 2 APPLICATION_COMMAND, 3 MESSAGE_COMPONENT, 4 AUTOCOMPLETE, 5 MODAL_SUBMIT
    payload: dict[str, Any]  # the INTERACTION_CREATE d
    sent_at: float  # time.monotonic() when it was written to the gateway
    shard_id: int
    channel_id: int
    guild_id: int | None
    user: FakeUser
    callback: Sent | None = None
    followups: list[Sent] = field(default_factory=list)
    edits: list[Sent] = field(default_factory=list)  # edits of the original response
    deletions: list[Sent] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    original: dict[str, Any] | None = None  # the original response message as it is now
    original_deleted: bool = False
    current: dict[int, dict[str, Any]] = field(default_factory=dict)  # message id -> latest version (follow-ups)
    deleted_ids: set[int] = field(default_factory=set)

    @property
    def data(self) -> dict[str, Any]:
        return self.payload.get("data") or {}

    @property
    def callback_type(self) -> int | None:
        return self.callback.callback_type if self.callback else None

    @property
    def events(self) -> list[Sent]:
        everything = [self.callback] if self.callback else []
        everything += self.followups + self.edits + self.deletions
        return sorted(everything, key=lambda sent: sent.at)

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot answered with (callback type 9), if any."""
        if self.callback is not None and self.callback_type == 9:
            return self.callback.data
        return None

    @property
    def answered(self) -> bool:
        """The user sees an answer: a message, an update, a modal, choices, or a deferral that was completed."""
        if self.callback is None:
            return False
        if self.callback_type in (5, 6):
            return bool(self.edits or self.followups)
        return True

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The messages the user can see now: the original response and the follow-ups (latest versions)."""
        found = [] if self.original is None or self.original_deleted else [self.original]
        seen = {int(message["id"]) for message in found}
        for sent in self.followups:
            mid = sent.message_id
            if mid is None or mid in seen or mid in self.deleted_ids:
                continue
            seen.add(mid)
            found.append(self.current.get(mid, sent.message))  # type: ignore[arg-type]
        return found

    @property
    def files(self) -> list[StoredFile]:
        return [stored for sent in self.events for stored in sent.files]

    def summary(self) -> str:
        parts = [f"interaction {self.id} (type {self.type})"]
        if self.callback is None:
            parts.append("no callback")
        for sent in self.events:
            parts.append(repr(sent))
        for rejected in self.rejected:
            parts.append(f"REJECTED {rejected.method} {rejected.path} {rejected.status} {rejected.error}")
        return "; ".join(parts)


@dataclass(eq=False)
class IdentifyRecord:
    token: str
    intents: int | None
    shard: tuple[int, int] | None
    properties: dict[str, Any]
    at: float
    session_id: str | None = None  # None when the stand-in refused it
    close_code: int | None = None


@dataclass(eq=False)
class ResumeRecord:
    session_id: str
    seq: int | None
    path: str
    at: float
    ok: bool
    replayed: int = 0
