"""StandIn: Discord's REST API and gateway on 127.0.0.1, for driving a real discord.py client in tests."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import json
import math
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar
from urllib.parse import quote

from aiohttp import WSMsgType, web

from . import validate
from .gateway import (
    ALREADY_AUTHENTICATED,
    AUTHENTICATION_FAILED,
    DECODE_ERROR,
    DIRECT_MESSAGES,
    DISALLOWED_INTENTS,
    GUILD_MEMBERS,
    GUILD_MESSAGES,
    GUILD_PRESENCES,
    GUILDS,
    INVALID_API_VERSION,
    INVALID_INTENTS,
    INVALID_SEQ,
    INVALID_SHARD,
    MESSAGE_CONTENT,
    NOT_AUTHENTICATED,
    PRIVILEGED_INTENTS,
    UNKNOWN_OPCODE,
    Connection,
    GatewaySession,
)
from .ids import Snowflakes, iso_now, snowflake_time_iso
from .models import (
    ATTACH_FILES,
    DEFAULT_PERMISSIONS,
    EPHEMERAL,
    LOADING,
    SEND_MESSAGES,
    VIEW_CHANNEL,
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
    guess_type,
)

T = TypeVar("T")

API = r"/api/v{version:\d+}"
MENTION = re.compile(r"<@!?(\d+)>")

# Application flags
GATEWAY_PRESENCE = 1 << 12
GATEWAY_GUILD_MEMBERS = 1 << 14
GATEWAY_MESSAGE_CONTENT = 1 << 18
APPLICATION_COMMAND_BADGE = 1 << 23

# Which callback types each interaction type accepts
CALLBACKS_ALLOWED = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


class StandInError(AssertionError):
    """The test, or the bot under test, did something Discord would not allow, or a wait timed out."""


class DiscordError(Exception):
    """Raised by a REST handler: answered as Discord would (status + error body) and recorded in ``rejected``."""

    def __init__(
        self, status: int, body: dict[str, Any], payload: Any = None, interaction: InteractionRecord | None = None
    ) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.payload = payload
        self.interaction = interaction


def _error(status: int, message: str, code: int) -> tuple[int, dict[str, Any]]:
    return status, {"message": message, "code": code}


UNKNOWN_CHANNEL = _error(404, "Unknown Channel", 10003)
UNKNOWN_GUILD = _error(404, "Unknown Guild", 10004)
UNKNOWN_MESSAGE = _error(404, "Unknown Message", 10008)
UNKNOWN_WEBHOOK = _error(404, "Unknown Webhook", 10015)
UNKNOWN_COMMAND = _error(404, "Unknown application command", 10063)
UNKNOWN_INTERACTION = _error(404, "Unknown interaction", 10062)
UNKNOWN_USER = _error(404, "Unknown User", 10013)
ALREADY_ACKNOWLEDGED = _error(400, "Interaction has already been acknowledged.", 40060)
MISSING_ACCESS = _error(403, "Missing Access", 50001)
MISSING_PERMISSIONS = _error(403, "Missing Permissions", 50013)
NOT_AUTHOR = _error(403, "Cannot edit a message authored by another user", 50005)
TOO_LARGE = _error(413, "Request entity too large", 40005)
UNAUTHORIZED = _error(401, "401: Unauthorized", 0)


class Urls(NamedTuple):
    base: str  # http://127.0.0.1:PORT
    api: str  # what discord.http.Route.BASE must be: http://127.0.0.1:PORT/api/v10
    gateway: str  # what DiscordWebSocket.DEFAULT_GATEWAY must be: ws://127.0.0.1:PORT/gateway
    resume_gateway: str  # READY's resume_gateway_url: ws://127.0.0.1:PORT/gateway-resume


@dataclass
class SyncRecord:
    method: str
    guild_id: int | None
    payload: Any
    at: float


@dataclass
class RequestRecord:
    method: str
    path: str
    query: str
    at: float
    status: int | None = None


@dataclass
class _Failure:
    method: str | None
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    count: int
    hits: list[RequestRecord] = field(default_factory=list)


def _ratelimit_headers(bucket: str) -> dict[str, str]:
    return {
        "X-RateLimit-Bucket": bucket,
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
    }


class StandIn:
    """A local Discord: REST under ``urls.api``, the gateway at ``urls.gateway``, controlled from Python.

    Start it, point discord.py at it (:func:`point_discord_at`), log a client in with ``standin.token``,
    then deliver interactions and messages and inspect what the bot sent back.
    """

    def __init__(
        self,
        *,
        token: str = "standin.bot.token",  # noqa: S107 - a fake token for a fake Discord
        bot_name: str = "layerbot",
        heartbeat_interval: float = 0.5,
        recommended_shards: int = 1,
        interaction_deadline: float = 3.0,
        allowed_intents: int = PRIVILEGED_INTENTS,
        attachment_size_limit: int = 10 * 1024 * 1024,
        require_synced: bool = True,
        echo_bot_messages: bool = True,
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        self.heartbeat_interval = heartbeat_interval
        self.recommended_shards = recommended_shards
        self.interaction_deadline = interaction_deadline
        self.allowed_intents = allowed_intents
        self.attachment_size_limit = attachment_size_limit
        self.require_synced = require_synced
        self.echo_bot_messages = echo_bot_messages
        self.host = host

        self.ids = Snowflakes()
        self.application_id = self.ids.next()
        self.bot = FakeUser(self.application_id, bot_name, bot=True)  # a bot user's id is its application's id
        self.owner = FakeUser(self.ids.next(), "owner", global_name="Owner")
        self.user = FakeUser(self.ids.next(), "alice", global_name="Alice")  # the default person talking to the bot
        self.users: dict[int, FakeUser] = {u.id: u for u in (self.bot, self.owner, self.user)}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, dict[str, Any]] = {}  # every message, latest version
        self.files: dict[int, StoredFile] = {}  # every attachment, by id
        self.downloads: list[StoredFile] = []  # attachments fetched from the stand-in, in order
        self.interactions: dict[int, InteractionRecord] = {}
        self.sent_messages: list[Sent] = []  # POST /channels/{id}/messages by the bot
        self.channel_activity: list[Sent] = []  # also edits / deletes of channel messages
        self.commands: dict[int | None, dict[tuple[str, int], dict[str, Any]]] = {}
        self.sync_requests: list[SyncRecord] = []
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: set[Connection] = set()  # open gateway websockets
        self.closed_connections: list[Connection] = []  # with .close_code as the stand-in saw it
        self.identifies: list[IdentifyRecord] = []
        self.resumes: list[ResumeRecord] = []
        self.presence_updates: list[dict[str, Any]] = []
        self.member_requests: list[dict[str, Any]] = []
        self.requests: list[RequestRecord] = []
        self.rejected: list[Rejected] = []
        self.unknown_requests: list[UnknownRequest] = []
        self.typing: list[int] = []  # channel ids the bot sent "typing" to
        self.reactions: list[tuple[int, int, str]] = []  # (channel id, message id, emoji)

        self._by_token: dict[str, InteractionRecord] = {}
        self._failures: list[_Failure] = []
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._urls: Urls | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def urls(self) -> Urls:
        if self._urls is None:
            raise StandInError("the stand-in is not started: await standin.start() first")
        return self._urls

    async def start(self) -> StandIn:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        self._add_routes(app.router)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._runner = runner
        port = runner.addresses[0][1]
        base = f"http://{self.host}:{port}"
        self._urls = Urls(base, f"{base}/api/v10", f"ws://{self.host}:{port}/gateway", f"ws://{self.host}:{port}/gateway-resume")
        return self

    async def stop(self) -> None:
        for conn in list(self.connections):
            try:
                await asyncio.wait_for(conn.close(1001, "stand-in stopping"), 1.0)
            except (TimeoutError, ConnectionError, RuntimeError):
                conn.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> StandIn:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # ------------------------------------------------------------------ world building

    def add_user(self, username: str, *, global_name: str | None = None, locale: str = "en-US", bot: bool = False) -> FakeUser:
        """A person (or another bot); they join every guild, existing and future."""
        user = FakeUser(self.ids.next(), username, global_name=global_name, bot=bot, locale=locale)
        self.users[user.id] = user
        for guild in self.guilds.values():
            guild.members.append(user)
        return user

    def add_guild(
        self,
        name: str = "Test guild",
        *,
        preferred_locale: str = "en-US",
        guild_id: int | None = None,
        shard: tuple[int, int] | None = None,
        channels: Sequence[str] = ("general",),
        everyone_permissions: int = DEFAULT_PERMISSIONS,
    ) -> FakeGuild:
        """A guild the bot is in. ``shard=(id, count)`` picks an id that lands on that shard.

        Added after clients connected, it is announced with GUILD_CREATE (the bot joined it).
        """
        if guild_id is None:
            guild_id = self.ids.for_shard(*shard) if shard else self.ids.next()
        guild = FakeGuild(
            guild_id, name, preferred_locale, self.owner.id,
            members=list(self.users.values()), everyone_permissions=everyone_permissions,
        )
        for position, channel_name in enumerate(channels):
            channel = FakeChannel(self.ids.next(), channel_name, guild_id=guild_id, position=position)
            guild.channels.append(channel)
            self.channels[channel.id] = channel
        self.guilds[guild_id] = guild
        if any(not s.ended for s in self.sessions.values()):
            self._spawn(self._announce_guild(guild))
        return guild

    def add_channel(self, guild: FakeGuild | int, name: str) -> FakeChannel:
        g = self._guild(guild)
        channel = FakeChannel(self.ids.next(), name, guild_id=g.id, position=len(g.channels))
        g.channels.append(channel)
        self.channels[channel.id] = channel
        return channel

    async def _announce_guild(self, guild: FakeGuild) -> None:
        for session in self._sessions(guild.id):
            if session.has(GUILDS):
                await session.dispatch("GUILD_CREATE", guild.payload())
        self._notify()

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        for channel in self.channels.values():
            if channel.type == 1 and channel.recipient is user:
                return channel
        channel = FakeChannel(self.ids.next(), "", type=1, recipient=user)
        self.channels[channel.id] = channel
        return channel

    def _guild(self, guild: FakeGuild | int) -> FakeGuild:
        gid = guild.id if isinstance(guild, FakeGuild) else int(guild)
        try:
            return self.guilds[gid]
        except KeyError:
            raise StandInError(f"unknown guild {gid}") from None

    def _place(
        self,
        guild: FakeGuild | int | None,
        channel: FakeChannel | int | None,
        user: FakeUser | None,
        dm: bool,
    ) -> tuple[FakeGuild | None, FakeChannel, FakeUser]:
        user = user or self.user
        if dm:
            return None, self.dm_channel(user), user
        if channel is not None:
            ch = channel if isinstance(channel, FakeChannel) else self.channels[int(channel)]
            if ch.guild_id is None:
                return None, ch, user
            return self._guild(ch.guild_id), ch, user
        if guild is None:
            if not self.guilds:
                raise StandInError("no guild: call standin.add_guild() first (or pass dm=True)")
            g = next(iter(self.guilds.values()))
        else:
            g = self._guild(guild)
        return g, g.channel, user

    # ------------------------------------------------------------------ waiting

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0, *, what: str = "a condition") -> T:
        """Wait until ``predicate()`` is truthy (re-checked whenever the stand-in records something)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise StandInError(f"timed out after {timeout:.1f}s waiting for {what}")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(remaining, 0.25))

    async def wait_for_reply(
        self,
        interaction: InteractionRecord | int,
        timeout: float = 5.0,
        *,
        until: Callable[[InteractionRecord], bool] | None = None,
        allow_rejected: bool = False,
    ) -> InteractionRecord:
        """Wait until the bot answered ``interaction`` (default: a visible answer; a deferral alone is not one).

        A request the stand-in rejected (as Discord would) fails the wait at once, unless ``allow_rejected``.
        """
        rec = interaction if isinstance(interaction, InteractionRecord) else self.interactions[int(interaction)]
        done = until or (lambda r: r.answered)

        def check() -> InteractionRecord | None:
            if rec.rejected and not allow_rejected:
                raise StandInError(f"Discord would have rejected the bot's answer: {rec.summary()}")
            return rec if done(rec) else None

        try:
            return await self.wait_for(check, timeout, what=f"an answer to interaction {rec.id}")
        except StandInError as exc:
            if "timed out" in str(exc):
                raise StandInError(f"{exc}; so far: {rec.summary()}; unknown routes: {self.unknown_requests}") from None
            raise

    async def wait_for_message(
        self,
        *,
        channel: FakeChannel | int | None = None,
        reply_to: dict[str, Any] | int | None = None,
        until: Callable[[Sent], bool] | None = None,
        since: int = 0,
        timeout: float = 5.0,
    ) -> Sent:
        """Wait for a channel message from the bot (POST /channels/{id}/messages) matching the filters:
        the first among ``sent_messages[since:]`` (pass ``len(standin.sent_messages)`` taken before acting)."""
        cid = None if channel is None else (channel.id if isinstance(channel, FakeChannel) else int(channel))
        rid = None if reply_to is None else (int(reply_to["id"]) if isinstance(reply_to, dict) else int(reply_to))

        def check() -> Sent | None:
            for sent in self.sent_messages[since:]:
                if cid is not None and sent.channel_id != cid:
                    continue
                if rid is not None and sent.reference_id != rid:
                    continue
                if until is not None and not until(sent):
                    continue
                return sent
            return None

        try:
            return await self.wait_for(check, timeout, what=f"a bot message (channel={cid}, reply_to={rid})")
        except StandInError as exc:
            raise StandInError(f"{exc}; rejected: {self.rejected}; unknown routes: {self.unknown_requests}") from None

    async def wait_connected(self, shard_id: int | None = None, *, count: int = 1, timeout: float = 5.0) -> list[GatewaySession]:
        """Wait until ``count`` sessions (on ``shard_id``, or any) are connected and got READY + GUILD_CREATEs."""

        def check() -> list[GatewaySession]:
            found = [
                s for s in self.sessions.values()
                if s.connected and not s.ended and s.ready.is_set() and (shard_id is None or s.shard_id == shard_id)
            ]
            return found if len(found) >= count else []

        return await self.wait_for(check, timeout, what=f"{count} gateway session(s) on shard {shard_id}")

    # ------------------------------------------------------------------ gateway: counters and controls

    @property
    def identify_count(self) -> int:
        return sum(1 for rec in self.identifies if rec.session_id is not None)

    @property
    def resume_count(self) -> int:
        return sum(1 for rec in self.resumes if rec.ok)

    def _sessions(self, guild_id: int | None) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if not s.ended and s.owns_guild(guild_id)]

    def _connected(self, shard_id: int | None) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if s.connected and (shard_id is None or s.shard_id == shard_id)]

    async def drop_gateway(self, shard_id: int | None = None, *, code: int | None = None) -> int:
        """Cut the gateway connection(s) of a shard (all shards if None). Sessions stay resumable.

        ``code=None`` aborts the TCP connection (no close frame, like a network failure);
        an int closes with that code (4000 "unknown error" is what Discord uses for resumable trouble).
        """
        dropped = 0
        for session in self._connected(shard_id):
            conn = session.connection
            if conn is None:
                continue
            session.connection = None
            if code is None:
                conn.abort()
            else:
                conn.dropped = True
                await conn.close(code, "stand-in dropped the connection")
            dropped += 1
        self._notify()
        return dropped

    async def send_reconnect(self, shard_id: int | None = None) -> None:
        """Op 7 RECONNECT: the client should close and RESUME."""
        for session in self._connected(shard_id):
            if session.connection is not None:
                await session.connection.send({"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_session(self, shard_id: int | None = None, *, resumable: bool = False) -> None:
        """Op 9 INVALID_SESSION; not resumable ends the session (the client must IDENTIFY again)."""
        for session in self._connected(shard_id):
            if not resumable:
                session.ended = True
            if session.connection is not None:
                await session.connection.send({"op": 9, "d": resumable, "s": None, "t": None})

    async def request_heartbeat(self, shard_id: int | None = None) -> None:
        """Op 1 from the server: the client must heartbeat now."""
        for session in self._connected(shard_id):
            if session.connection is not None:
                await session.connection.send({"op": 1, "d": None, "s": None, "t": None})

    async def dispatch(self, event: str, data: dict[str, Any], *, guild_id: int | None = None) -> int:
        """Send any dispatch event to the sessions that own ``guild_id`` (shard 0 for None)."""
        sessions = self._sessions(guild_id)
        for session in sessions:
            await session.dispatch(event, data)
        return len(sessions)

    # ------------------------------------------------------------------ gateway: the websocket

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=4 * 1024 * 1024)
        await ws.prepare(request)
        conn = Connection(ws, request)
        self.connections.add(conn)
        try:
            if request.query.get("encoding", "json") != "json":
                await conn.close(DECODE_ERROR, "Only encoding=json is supported by the stand-in.")
                return ws
            if request.query.get("v", "10") not in ("9", "10"):
                await conn.close(INVALID_API_VERSION, "Invalid API version.")
                return ws
            await conn.send(
                {"op": 10, "s": None, "t": None,
                 "d": {"heartbeat_interval": round(self.heartbeat_interval * 1000), "_trace": ['["standin-gateway",{"micros":0}]']}}
            )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    raw = msg.data
                elif msg.type == WSMsgType.BINARY:
                    raw = msg.data.decode("utf-8", "replace")
                else:
                    break
                try:
                    frame = json.loads(raw)
                except ValueError:
                    await conn.close(DECODE_ERROR, "Error while decoding payload.")
                    break
                await self._on_frame(conn, frame)
                if ws.closed:
                    break
        finally:
            self.connections.discard(conn)
            conn.close_code = ws.close_code
            self.closed_connections.append(conn)
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                if not conn.dropped and ws.close_code in (1000, 1001):
                    # A clean close ends the session (it cannot be resumed). Note: discord.py's
                    # Client.close() asks for 1000, but its reader task usually gets a 4000 close frame
                    # out first, so with discord.py the session normally stays resumable, as on Discord.
                    session.ended = True
            self._notify()
        return ws

    async def _on_frame(self, conn: Connection, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        data = frame.get("d")
        if op == 1:
            conn.heartbeats += 1
            await conn.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(conn, data or {})
        elif op == 6:
            await self._resume(conn, data or {})
        elif op in (3, 4, 8):
            if conn.session is None:
                await conn.close(NOT_AUTHENTICATED, "Not authenticated.")
            elif op == 3:
                self.presence_updates.append(data)
            elif op == 8:
                await self._request_members(conn.session, data or {})
        else:
            await conn.close(UNKNOWN_OPCODE, "Unknown opcode.")
        self._notify()

    async def _identify(self, conn: Connection, d: dict[str, Any]) -> None:
        shard = d.get("shard")
        rec = IdentifyRecord(
            token=d.get("token", ""), intents=d.get("intents"), shard=tuple(shard) if shard else None,  # type: ignore[arg-type]
            properties=d.get("properties") or {}, at=time.monotonic(),
        )
        self.identifies.append(rec)

        async def refuse(code: int, reason: str) -> None:
            rec.close_code = code
            await conn.close(code, reason)

        if conn.session is not None:
            return await refuse(ALREADY_AUTHENTICATED, "Already authenticated.")
        if rec.token != self.token:
            return await refuse(AUTHENTICATION_FAILED, "Authentication failed.")
        if not isinstance(rec.intents, int):
            return await refuse(INVALID_INTENTS, "Invalid intent(s).")
        if rec.intents & PRIVILEGED_INTENTS & ~self.allowed_intents:
            return await refuse(DISALLOWED_INTENTS, "Disallowed intent(s).")
        if shard is not None and not (len(shard) == 2 and 0 <= shard[0] < shard[1]):
            return await refuse(INVALID_SHARD, "Invalid shard.")

        session = GatewaySession(secrets.token_hex(16), token=rec.token, intents=rec.intents, shard=rec.shard)
        for other in self.sessions.values():  # a client that re-identifies abandons its old, disconnected session
            if not other.ended and not other.connected and other.token == session.token and other.shard == session.shard:
                other.ended = True
        self.sessions[session.session_id] = session
        session.connection = conn
        conn.session = session
        rec.session_id = session.session_id

        guilds = [g for g in self.guilds.values() if session.owns_guild(g.id)]
        ready: dict[str, Any] = {
            "v": 10,
            "user_settings": {},
            "user": {**self.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.urls.resume_gateway,
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["standin"],
            "auth": {},
            "application": {"id": str(self.application_id), "flags": self._application_flags()},
            "_trace": ['["standin-gateway",{"micros":0}]'],
        }
        if rec.shard is not None:
            ready["shard"] = list(rec.shard)
        await session.dispatch("READY", ready)
        if session.has(GUILDS):
            for guild in guilds:
                await session.dispatch("GUILD_CREATE", guild.payload())
        session.ready.set()
        return None

    async def _resume(self, conn: Connection, d: dict[str, Any]) -> None:
        session = self.sessions.get(str(d.get("session_id")))
        seq = d.get("seq")
        rec = ResumeRecord(str(d.get("session_id")), seq, conn.path, time.monotonic(), ok=False)
        self.resumes.append(rec)
        if conn.session is not None:
            await conn.close(ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        oldest = session.buffer[0][0] if session is not None and session.buffer else 1
        if (
            session is None
            or session.ended
            or d.get("token") != session.token
            or (seq is not None and seq < oldest - 1)
        ):
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        if seq is not None and seq > session.seq:
            await conn.close(INVALID_SEQ, "Invalid seq.")
            return
        old = session.connection
        session.connection = None
        if old is not None and old is not conn:
            old.abort()
        sent_upto = seq or 0
        while True:  # replay until caught up, then attach (no await between the last check and attaching)
            pending = [(s, text) for s, text in session.buffer if s > sent_upto]
            if not pending:
                break
            for s, text in pending:
                await conn.send(text)
                sent_upto = s
                rec.replayed += 1
        session.connection = conn
        conn.session = session
        await session.dispatch("RESUMED", {"_trace": ['["standin-gateway",{"micros":0}]']})
        rec.ok = True

    async def _request_members(self, session: GatewaySession, d: dict[str, Any]) -> None:
        self.member_requests.append(d)
        guild_ids = d.get("guild_id")
        for gid in guild_ids if isinstance(guild_ids, list) else [guild_ids]:
            guild = self.guilds.get(int(gid))
            if guild is None:
                continue
            members = guild.members
            if d.get("user_ids"):
                wanted = {int(u) for u in d["user_ids"]}
                members = [m for m in members if m.id in wanted]
            elif d.get("query"):
                members = [m for m in members if m.username.startswith(d["query"])]
            if d.get("limit"):
                members = members[: d["limit"]]
            payload: dict[str, Any] = {
                "guild_id": str(guild.id),
                "members": [guild.member_payload(m) for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if d.get("nonce") is not None:
                payload["nonce"] = d["nonce"]
            await session.dispatch("GUILD_MEMBERS_CHUNK", payload)

    def _application_flags(self) -> int:
        flags = APPLICATION_COMMAND_BADGE
        if self.allowed_intents & GUILD_PRESENCES:
            flags |= GATEWAY_PRESENCE
        if self.allowed_intents & GUILD_MEMBERS:
            flags |= GATEWAY_GUILD_MEMBERS
        if self.allowed_intents & MESSAGE_CONTENT:
            flags |= GATEWAY_MESSAGE_CONTENT
        return flags

    # ------------------------------------------------------------------ delivering interactions

    async def send_interaction(self, kind: str = "command", /, **kwargs: Any) -> InteractionRecord:
        """Deliver an INTERACTION_CREATE. ``kind``: command | autocomplete | component (click) | select |
        modal (submit) | message_command | user_command; keyword arguments go to the matching method."""
        methods: dict[str, Callable[..., Any]] = {
            "command": self.send_command,
            "autocomplete": self.send_autocomplete,
            "component": self.click,
            "click": self.click,
            "select": self.select,
            "modal": self.submit_modal,
            "modal_submit": self.submit_modal,
            "message_command": self.send_message_command,
            "user_command": self.send_user_command,
        }
        try:
            method = methods[kind]
        except KeyError:
            raise StandInError(f"unknown interaction kind {kind!r}; one of {sorted(methods)}") from None
        return await method(**kwargs)

    def find_command(self, name: str, kind: int = 1, guild: FakeGuild | int | None = None) -> dict[str, Any] | None:
        """The synced command a user would invoke: the guild's own first, then the global one."""
        if guild is not None:
            gid = guild.id if isinstance(guild, FakeGuild) else int(guild)
            found = self.commands.get(gid, {}).get((name, kind))
            if found is not None:
                return found
        return self.commands.get(None, {}).get((name, kind))

    def _command_for(self, name: str, kind: int, guild: FakeGuild | None) -> dict[str, Any]:
        command = self.find_command(name, kind, guild)
        if command is None:
            if self.require_synced:
                synced = {scope: [k[0] for k in cmds] for scope, cmds in self.commands.items()}
                raise StandInError(
                    f"command {name!r} (type {kind}) was never synced, so Discord could not deliver it; synced: {synced}"
                )
            return {"id": str(self.ids.next()), "name": name, "type": kind}
        return command

    async def send_command(
        self,
        name: str,
        options: Mapping[str, Any] | list[dict[str, Any]] | None = None,
        *,
        guild: FakeGuild | int | None = None,
        channel: FakeChannel | int | None = None,
        user: FakeUser | None = None,
        dm: bool = False,
        locale: str | None = None,
        guild_locale: str | None = None,
    ) -> InteractionRecord:
        """A slash command. ``name`` may hold sub-commands: ``"layer explain"``. Option values: str, int,
        float, bool, :class:`Upload` (ATTACHMENT), FakeUser (USER), FakeChannel (CHANNEL); types come from
        the synced definition when there is one. A list is sent as the raw ``options`` array."""
        g, ch, u = self._place(guild, channel, user, dm)
        top, *path = name.split()
        command = self._command_for(top, 1, g)
        resolved: dict[str, dict[str, Any]] = {}
        opts = self._build_options(path, command.get("options"), options or {}, resolved, g, ch, focused=None)
        data: dict[str, Any] = {"id": command["id"], "name": top, "type": 1}
        if opts:
            data["options"] = opts
        if resolved:
            data["resolved"] = resolved
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self._deliver(2, data, g, ch, u, locale=locale, guild_locale=guild_locale)

    async def send_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        guild: FakeGuild | int | None = None,
        channel: FakeChannel | int | None = None,
        user: FakeUser | None = None,
        dm: bool = False,
        locale: str | None = None,
    ) -> InteractionRecord:
        """An AUTOCOMPLETE interaction: ``focused`` names the option being typed (its value is a partial string)."""
        g, ch, u = self._place(guild, channel, user, dm)
        top, *path = name.split()
        command = self._command_for(top, 1, g)
        resolved: dict[str, dict[str, Any]] = {}
        opts = self._build_options(path, command.get("options"), options, resolved, g, ch, focused=focused)
        data: dict[str, Any] = {"id": command["id"], "name": top, "type": 1, "options": opts}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self._deliver(4, data, g, ch, u, locale=locale)

    def _build_options(
        self,
        path: list[str],
        declared: list[dict[str, Any]] | None,
        given: Mapping[str, Any] | list[dict[str, Any]],
        resolved: dict[str, dict[str, Any]],
        guild: FakeGuild | None,
        channel: FakeChannel,
        *,
        focused: str | None,
    ) -> list[dict[str, Any]]:
        chain: list[tuple[str, int]] = []
        for depth, part in enumerate(path):
            decl = next((o for o in declared or [] if o.get("name") == part), None)
            if declared is not None and decl is None:
                raise StandInError(f"no sub-command {part!r}; declared: {[o.get('name') for o in declared]}")
            kind = decl["type"] if decl else (1 if depth == len(path) - 1 else 2)
            chain.append((part, kind))
            declared = decl.get("options") if decl else None
        if isinstance(given, list):
            leaf = given
        else:
            leaf = []
            names = [o.get("name") for o in declared or []]
            for key, value in given.items():
                decl = next((o for o in declared or [] if o.get("name") == key), None)
                if declared is not None and decl is None:
                    raise StandInError(f"option {key!r} is not declared; declared: {names}")
                kind = decl["type"] if decl else _infer_option_type(value)
                option: dict[str, Any] = {"name": key, "type": kind}
                if focused is not None:
                    option["value"] = str(value) if key == focused else self._option_value(kind, value, resolved, guild, channel)
                    if key == focused:
                        option["focused"] = True
                else:
                    option["value"] = self._option_value(kind, value, resolved, guild, channel)
                leaf.append(option)
            if focused is None:
                for decl in declared or []:
                    if decl.get("required") and decl.get("name") not in given and decl.get("type") not in (1, 2):
                        raise StandInError(f"required option {decl.get('name')!r} is missing; Discord would not send this")
        for part, kind in reversed(chain):
            leaf = [{"name": part, "type": kind, "options": leaf}]
        return leaf

    def _option_value(
        self, kind: int, value: Any, resolved: dict[str, dict[str, Any]], guild: FakeGuild | None, channel: FakeChannel
    ) -> Any:
        if kind == 3:
            return str(value)
        if kind == 4:
            return int(value)
        if kind == 5:
            return bool(value)
        if kind == 10:
            return value if isinstance(value, int | float) else float(value)
        if kind in (6, 9) and isinstance(value, FakeUser):
            resolved.setdefault("users", {})[str(value.id)] = value.payload()
            if guild is not None:
                resolved.setdefault("members", {})[str(value.id)] = guild.member_payload(value, with_user=False, permissions=True)
            return str(value.id)
        if kind == 7 and isinstance(value, FakeChannel):
            resolved.setdefault("channels", {})[str(value.id)] = {
                "id": str(value.id), "name": value.name, "type": value.type, "permissions": str(DEFAULT_PERMISSIONS),
                "parent_id": None, "flags": 0, **({"guild_id": str(value.guild_id)} if value.guild_id else {}),
            }
            return str(value.id)
        if kind == 11 and isinstance(value, Upload):
            stored = self._store_file(channel.id, value.filename, value.data, value.content_type, value.description, ephemeral=True)
            resolved.setdefault("attachments", {})[str(stored.id)] = stored.payload()
            return str(stored.id)
        return value

    async def click(
        self,
        message: Any,
        *,
        custom_id: str | None = None,
        label: str | None = None,
        user: FakeUser | None = None,
        locale: str | None = None,
    ) -> InteractionRecord:
        """Press a button on a message (found by custom_id or label) — a MESSAGE_COMPONENT interaction."""
        msg = self._message_of(message)

        def match(c: dict[str, Any]) -> bool:
            if c.get("type") != 2:
                return False
            return (custom_id is not None and c.get("custom_id") == custom_id) or (
                custom_id is None and label is not None and c.get("label") == label
            )

        component = self._find_component(msg, match, f"button custom_id={custom_id!r} label={label!r}")
        if component.get("style") == 5:
            raise StandInError("a link button opens a URL; it sends no interaction")
        return await self._component(msg, component, {}, user, locale)

    async def select(
        self,
        message: Any,
        values: Sequence[str],
        *,
        custom_id: str | None = None,
        placeholder: str | None = None,
        user: FakeUser | None = None,
        locale: str | None = None,
    ) -> InteractionRecord:
        """Choose ``values`` in a select menu (found by custom_id or placeholder; the first select if neither)."""
        msg = self._message_of(message)

        def match(c: dict[str, Any]) -> bool:
            if c.get("type") not in (3, 5, 6, 7, 8):
                return False
            if custom_id is not None:
                return c.get("custom_id") == custom_id
            return placeholder is None or c.get("placeholder") == placeholder

        component = self._find_component(msg, match, f"select custom_id={custom_id!r} placeholder={placeholder!r}")
        if component.get("type") == 3:
            offered = [o.get("value") for o in component.get("options", [])]
            unknown = [v for v in values if v not in offered]
            if unknown:
                raise StandInError(f"values {unknown} are not options of the select; offered: {offered}")
        return await self._component(msg, component, {"values": list(values)}, user, locale)

    def _find_component(self, msg: dict[str, Any], match: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        every = validate._walk_components(msg.get("components") or [])
        for component in every:
            if match(component):
                if component.get("disabled"):
                    raise StandInError(f"{what} is disabled; a user cannot use it")
                return component
        available = [(c.get("type"), c.get("custom_id"), c.get("label") or c.get("placeholder")) for c in every if c.get("type") != 1]
        raise StandInError(f"no {what} on message {msg['id']}; it has {available}")

    async def _component(
        self, msg: dict[str, Any], component: dict[str, Any], extra: dict[str, Any], user: FakeUser | None, locale: str | None
    ) -> InteractionRecord:
        channel = self.channels[int(msg["channel_id"])]
        g, ch, u = self._place(None, channel, user, dm=False)
        data = {"custom_id": component["custom_id"], "component_type": component["type"], **extra}
        if "id" in component:
            data["id"] = component["id"]
        return await self._deliver(3, data, g, ch, u, locale=locale, message=msg)

    async def submit_modal(
        self,
        interaction: InteractionRecord | int,
        values: Mapping[str, Any] | Sequence[Any],
        *,
        user: FakeUser | None = None,
        locale: str | None = None,
    ) -> InteractionRecord:
        """Fill in and submit the modal the bot answered ``interaction`` with. ``values``: by custom_id or label,
        or a list in the order of the modal's inputs."""
        source = interaction if isinstance(interaction, InteractionRecord) else self.interactions[int(interaction)]
        modal = source.modal
        if modal is None:
            raise StandInError(f"interaction {source.id} was not answered with a modal: {source.summary()}")
        queue = list(values) if not isinstance(values, Mapping) else None
        counter = iter(range(1, 1000))

        def value_for(component: dict[str, Any], label: str | None) -> Any:
            if queue is not None:
                if not queue:
                    raise StandInError("fewer values than the modal has inputs")
                return queue.pop(0)
            assert isinstance(values, Mapping)
            for key in (component.get("custom_id"), label, component.get("label")):
                if key is not None and key in values:
                    return values[key]
            if component.get("type") == 4 and component.get("required", True):
                raise StandInError(f"the required input {component.get('custom_id')!r} ({label!r}) has no value")
            return "" if component.get("type") == 4 else []

        def fill(component: dict[str, Any], label: str | None = None) -> dict[str, Any] | None:
            kind = component.get("type")
            if kind == 1:
                inner = [x for x in (fill(c) for c in component.get("components", [])) if x is not None]
                return {"type": 1, "id": next(counter), "components": inner}
            if kind == 18:
                out = {"type": 18, "id": next(counter)}
                filled = fill(component["component"], component.get("label"))
                if filled is not None:
                    out["component"] = filled
                return out
            if kind == 4:
                value = str(value_for(component, label))
                max_length = component.get("max_length")
                if max_length is not None and len(value) > max_length:
                    raise StandInError(f"{value!r} is longer than max_length={max_length}; the client would not allow it")
                return {"type": 4, "id": next(counter), "custom_id": component["custom_id"], "value": value}
            if kind in (3, 5, 6, 7, 8):
                chosen = value_for(component, label)
                chosen = [chosen] if isinstance(chosen, str) else list(chosen)
                return {"type": kind, "id": next(counter), "custom_id": component["custom_id"], "values": chosen}
            if kind == 10:
                return {"type": 10, "id": next(counter)}
            return None

        components = [x for x in (fill(c) for c in modal.get("components", [])) if x is not None]
        data = {"custom_id": modal["custom_id"], "components": components}
        g = self.guilds.get(source.guild_id) if source.guild_id else None
        ch = self.channels[source.channel_id]
        return await self._deliver(
            5, data, g, ch, user or source.user, locale=locale or source.payload.get("locale"),
            message=source.payload.get("message"),
        )

    async def send_message_command(
        self, name: str, target: Any, *, user: FakeUser | None = None, locale: str | None = None, guild_locale: str | None = None
    ) -> InteractionRecord:
        """A message context-menu command (Apps → name) on ``target`` (a message dict, id, Sent or record)."""
        msg = self._message_of(target)
        channel = self.channels[int(msg["channel_id"])]
        g, ch, u = self._place(None, channel, user, dm=False)
        command = self._command_for(name, 3, g)
        data: dict[str, Any] = {
            "id": command["id"], "name": name, "type": 3, "target_id": msg["id"],
            "resolved": {"messages": {msg["id"]: msg}},
        }
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self._deliver(2, data, g, ch, u, locale=locale, guild_locale=guild_locale)

    async def send_user_command(
        self,
        name: str,
        target: FakeUser,
        *,
        guild: FakeGuild | int | None = None,
        channel: FakeChannel | int | None = None,
        user: FakeUser | None = None,
        locale: str | None = None,
    ) -> InteractionRecord:
        """A user context-menu command on ``target``."""
        g, ch, u = self._place(guild, channel, user, dm=False)
        command = self._command_for(name, 2, g)
        resolved: dict[str, Any] = {"users": {str(target.id): target.payload()}}
        if g is not None:
            resolved["members"] = {str(target.id): g.member_payload(target, with_user=False, permissions=True)}
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 2, "target_id": str(target.id), "resolved": resolved}
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self._deliver(2, data, g, ch, u, locale=locale)

    async def _deliver(
        self,
        itype: int,
        data: dict[str, Any],
        guild: FakeGuild | None,
        channel: FakeChannel,
        user: FakeUser,
        *,
        locale: str | None = None,
        guild_locale: str | None = None,
        message: dict[str, Any] | None = None,
    ) -> InteractionRecord:
        iid = self.ids.next()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale or user.locale,
            "channel_id": str(channel.id),
            "channel": {**channel.payload(), "permissions": str(guild.permissions_of(user) if guild else DEFAULT_PERMISSIONS)},
            "app_permissions": str(guild.everyone_permissions if guild else DEFAULT_PERMISSIONS),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": self.attachment_size_limit,
        }
        if guild is not None:
            payload["guild_id"] = str(guild.id)
            payload["guild"] = {"id": str(guild.id), "locale": guild.preferred_locale, "features": []}
            payload["guild_locale"] = guild_locale or guild.preferred_locale
            payload["member"] = guild.member_payload(user, permissions=True)
            payload["authorizing_integration_owners"] = {"0": str(guild.id)}
            payload["context"] = 0
        else:
            payload["user"] = user.payload()
            payload["authorizing_integration_owners"] = {"0": str(self.owner.id)}
            payload["context"] = 1
        if message is not None:
            payload["message"] = message
        sessions = self._sessions(guild.id if guild else None)
        if not sessions:
            raise StandInError(
                f"no gateway session owns guild {guild.id if guild else None}; is the client connected? sessions: {list(self.sessions.values())}"
            )
        session = max(sessions, key=lambda s: s.created_at)
        rec = InteractionRecord(
            id=iid, token=token, type=itype, payload=payload, sent_at=time.monotonic(), shard_id=session.shard_id,
            channel_id=channel.id, guild_id=guild.id if guild else None, user=user,
        )
        self.interactions[iid] = rec
        self._by_token[token] = rec
        await session.dispatch("INTERACTION_CREATE", payload)
        rec.sent_at = time.monotonic()
        self._notify()
        return rec

    # ------------------------------------------------------------------ delivering messages

    async def send_message(
        self,
        content: str = "",
        *,
        guild: FakeGuild | int | None = None,
        channel: FakeChannel | int | None = None,
        author: FakeUser | None = None,
        dm: bool = False,
        mention_bot: bool = False,
        attachments: Iterable[Upload] = (),
        reply_to: dict[str, Any] | int | None = None,
        embeds: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A person posts a message (MESSAGE_CREATE). Attachments are served by the stand-in at their ``url``."""
        g, ch, u = self._place(guild, channel, author, dm)
        if mention_bot and self.bot.mention not in content and f"<@!{self.bot.id}>" not in content:
            content = f"{self.bot.mention} {content}".rstrip()
        files = [self._store_file(ch.id, a.filename, a.data, a.content_type, a.description) for a in attachments]
        referenced = None
        if reply_to is not None:
            rid = int(reply_to["id"]) if isinstance(reply_to, dict) else int(reply_to)
            referenced = self.messages.get(rid)
            if referenced is None:
                raise StandInError(f"cannot reply to unknown message {rid}")
        message = self._new_message(
            ch, u, {"content": content, "embeds": embeds or []}, files,
            message_type=19 if referenced else 0, referenced=referenced,
        )
        delivered = await self._dispatch_message_create(message, g)
        if delivered == 0 and not self._sessions(g.id if g else None):
            raise StandInError("no gateway session would receive this message; is the client connected?")
        self._notify()
        return message

    async def _echo(self, message: dict[str, Any], guild_id: int | None, event: str = "MESSAGE_CREATE") -> None:
        """What Discord sends the bot about its own messages (when echo_bot_messages): not for ephemeral ones."""
        if self.echo_bot_messages and not int(message.get("flags", 0)) & EPHEMERAL:
            await self._dispatch_message_create(message, self.guilds.get(guild_id) if guild_id else None, event)

    async def _dispatch_message_create(
        self, message: dict[str, Any], guild: FakeGuild | None, event_name: str = "MESSAGE_CREATE"
    ) -> int:
        event = dict(message)
        author = self.users.get(int(message["author"]["id"]))
        if guild is not None:
            event["guild_id"] = str(guild.id)
            if author is not None:
                event["member"] = guild.member_payload(author, with_user=False)
            event["mentions"] = [
                {**m, "member": guild.member_payload(self.users[int(m["id"])], with_user=False)}
                if int(m["id"]) in self.users else m
                for m in message.get("mentions", [])
            ]
        mentioned = any(int(m["id"]) == self.bot.id for m in message.get("mentions", []))
        own = author is self.bot
        delivered = 0
        for session in self._sessions(guild.id if guild else None):
            if not session.has(GUILD_MESSAGES if guild is not None else DIRECT_MESSAGES):
                continue
            payload = event
            if guild is not None and not (session.has(MESSAGE_CONTENT) or mentioned or own):
                # Without the privileged MESSAGE_CONTENT intent Discord blanks these fields
                payload = {**event, "content": "", "embeds": [], "attachments": [], "components": []}
                payload.pop("poll", None)
            await session.dispatch(event_name, payload)
            delivered += 1
        return delivered

    def _message_of(self, ref: Any) -> dict[str, Any]:
        if isinstance(ref, InteractionRecord):
            if ref.original is None:
                raise StandInError(f"interaction {ref.id} has no original response message: {ref.summary()}")
            mid = int(ref.original["id"])
        elif isinstance(ref, Sent):
            if ref.message is None:
                raise StandInError(f"{ref!r} produced no message")
            mid = int(ref.message["id"])
        elif isinstance(ref, dict):
            mid = int(ref["id"])
        else:
            mid = int(ref)
        try:
            return self.messages[mid]
        except KeyError:
            raise StandInError(f"unknown message {mid}") from None

    # ------------------------------------------------------------------ messages and files

    def _store_file(
        self, channel_id: int, filename: str, data: bytes, content_type: str | None, description: str | None, *, ephemeral: bool = False
    ) -> StoredFile:
        fid = self.ids.next()
        if content_type in (None, "application/octet-stream"):
            content_type = guess_type(filename) or content_type
        stored = StoredFile(
            id=fid, channel_id=channel_id, filename=filename, data=data, content_type=content_type,
            url=f"{self.urls.base}/attachments/{channel_id}/{fid}/{quote(filename)}",
            description=description, ephemeral=ephemeral,
        )
        self.files[fid] = stored
        return stored

    def _mentions(self, content: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for match in MENTION.finditer(content or ""):
            user = self.users.get(int(match.group(1)))
            if user is not None and all(m["id"] != str(user.id) for m in found):
                found.append(user.payload())
        return found

    def _new_message(
        self,
        channel: FakeChannel,
        author: FakeUser,
        data: dict[str, Any],
        files: list[StoredFile],
        *,
        message_type: int = 0,
        flags: int = 0,
        referenced: dict[str, Any] | None = None,
        interaction: InteractionRecord | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        mid = message_id or self.ids.next()
        content = data.get("content") or ""
        message: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel.id),
            "author": author.payload(),
            "content": content,
            "timestamp": snowflake_time_iso(mid),
            "edited_timestamp": None,
            "tts": bool(data.get("tts")),
            "mention_everyone": False,
            "mentions": self._mentions(content),
            "mention_roles": [],
            "attachments": [f.payload() for f in files],
            "embeds": _normalize_embeds(data.get("embeds") or []),
            "pinned": False,
            "type": message_type,
            "flags": flags | (int(data.get("flags") or 0) & ~LOADING),
            "components": _number_components(data.get("components") or []),
        }
        if data.get("nonce") is not None:
            message["nonce"] = data["nonce"]
        if data.get("poll"):
            message["poll"] = data["poll"]
        if referenced is not None:
            message["message_reference"] = {
                "type": 0, "message_id": referenced["id"], "channel_id": referenced["channel_id"],
                **({"guild_id": str(channel.guild_id)} if channel.guild_id else {}),
            }
            message["referenced_message"] = referenced
        if interaction is not None:
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
            metadata: dict[str, Any] = {
                "id": str(interaction.id), "type": interaction.type, "user": interaction.user.payload(),
                "authorizing_integration_owners": interaction.payload.get("authorizing_integration_owners", {}),
            }
            if interaction.type == 2:
                metadata["name"] = interaction.data.get("name")
                metadata["command_type"] = interaction.data.get("type", 1)
            if interaction.original is not None and interaction.callback is not None:
                metadata["original_response_message_id"] = interaction.original["id"]
            if interaction.type == 3 and "message" in interaction.payload:
                metadata["interacted_message_id"] = interaction.payload["message"]["id"]
            message["interaction_metadata"] = metadata
            if any(f.ephemeral for f in files) or message["flags"] & EPHEMERAL:
                for attachment in message["attachments"]:
                    attachment["ephemeral"] = True
        self.messages[mid] = message
        return message

    def _edited(self, old: dict[str, Any], payload: dict[str, Any], files: list[StoredFile], kept: list[dict[str, Any]] | None) -> dict[str, Any]:
        new = dict(old)
        if "content" in payload:
            new["content"] = payload["content"] or ""
            new["mentions"] = self._mentions(new["content"])
        if "embeds" in payload:
            new["embeds"] = _normalize_embeds(payload["embeds"] or [])
        if "components" in payload:
            new["components"] = _number_components(payload["components"] or [])
        if "flags" in payload and payload["flags"] is not None:
            new["flags"] = (int(old.get("flags", 0)) & EPHEMERAL) | (int(payload["flags"]) & ~(EPHEMERAL | LOADING))
        new["flags"] = int(new.get("flags", 0)) & ~LOADING
        if kept is not None or files:
            base = kept if kept is not None else list(old.get("attachments", []))
            new["attachments"] = base + [f.payload() for f in files]
        new["edited_timestamp"] = iso_now()
        if not (new["content"] or new["embeds"] or new["attachments"] or new["components"] or new.get("poll")):
            raise DiscordError(400, {"message": "Cannot send an empty message", "code": 50006}, payload)
        self.messages[int(new["id"])] = new
        return new

    async def _read_body(self, request: web.Request) -> tuple[dict[str, Any], dict[int, tuple[str, bytes, str | None]]]:
        uploads: dict[int, tuple[str, bytes, str | None]] = {}
        if request.content_type == "multipart/form-data":
            payload: dict[str, Any] = {}
            reader = await request.multipart()
            async for part in reader:
                name = getattr(part, "name", None)
                if name == "payload_json":
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
                elif name and name.startswith("files[") and name.endswith("]"):
                    uploads[int(name[6:-1])] = (
                        getattr(part, "filename", None) or f"file{name[6:-1]}",
                        bytes(await part.read()),  # type: ignore[union-attr]
                        part.headers.get("Content-Type"),
                    )
            return payload, uploads
        body = await request.read()
        if not body:
            return {}, uploads
        try:
            parsed = json.loads(body)
        except ValueError:
            raise DiscordError(400, {"message": "400: Bad Request", "code": 0}) from None
        return parsed, uploads

    def _attachments(
        self,
        channel_id: int,
        payload: dict[str, Any],
        uploads: dict[int, tuple[str, bytes, str | None]],
        existing: list[dict[str, Any]],
        *,
        ephemeral: bool = False,
        interaction: InteractionRecord | None = None,
    ) -> tuple[list[StoredFile], list[dict[str, Any]] | None]:
        """Store the uploaded files; return them and, for edits, the existing attachments kept (None: unchanged)."""
        if len(uploads) > 10:
            raise DiscordError(400, validate._too_long(["files"], 10)[1], payload, interaction)
        for filename, data, _ in uploads.values():
            if len(data) > self.attachment_size_limit:
                raise DiscordError(*TOO_LARGE, payload={"filename": filename, "size": len(data)}, interaction=interaction)
        spec = payload.get("attachments")
        described: dict[int, dict[str, Any]] = {}
        kept: list[dict[str, Any]] | None = None
        if spec is not None:
            kept = []
            by_id = {str(a["id"]): a for a in existing}
            for entry in spec:
                key = str(entry.get("id"))
                if key in by_id:
                    kept.append(by_id[key])
                elif key.isdigit() and int(key) in uploads:
                    described[int(key)] = entry
        files = []
        for index in sorted(uploads):
            filename, data, content_type = uploads[index]
            entry = described.get(index, {})
            files.append(
                self._store_file(
                    channel_id, entry.get("filename") or filename, data, content_type, entry.get("description"), ephemeral=ephemeral
                )
            )
        return files, kept

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        method: str | None,
        path_pattern: str,
        *,
        status: int = 500,
        body: dict[str, Any] | None = None,
        retry_after: float = 0.05,
        is_global: bool = False,
        count: int = 1,
    ) -> _Failure:
        """Answer the next ``count`` matching API requests with an error (429 gets Discord's rate-limit shape).

        ``path_pattern`` is a regular expression searched in the path after ``/api/v10``.
        """
        headers: dict[str, str] = {}
        if status == 429:
            body = body or {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global, "code": 0}
            headers = {
                "Retry-After": str(math.ceil(retry_after)),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Scope": "global" if is_global else "user",
                "Via": "1.1 google",
            }
            if is_global:
                headers["X-RateLimit-Global"] = "true"
        failure = _Failure(
            method.upper() if method else None, re.compile(path_pattern), status,
            body or {"message": f"{status}: injected by the stand-in", "code": 0}, headers, count,
        )
        self._failures.append(failure)
        return failure

    def _take_failure(self, method: str, route: str) -> _Failure | None:
        for failure in self._failures:
            if failure.count > 0 and (failure.method in (None, method)) and failure.pattern.search(route):
                failure.count -= 1
                return failure
        return None

    # ------------------------------------------------------------------ REST plumbing

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        add = router.add_route
        add("GET", "/gateway", self._gateway)
        add("GET", "/gateway-resume", self._gateway)
        add("GET", "/attachments/{channel_id}/{attachment_id}/{filename}", self._get_attachment)
        add("GET", API + "/gateway", self._get_gateway)
        add("GET", API + "/gateway/bot", self._get_gateway_bot)
        add("GET", API + "/users/{user_id}", self._get_user)
        add("POST", API + "/users/@me/channels", self._create_dm)
        add("GET", API + "/oauth2/applications/@me", self._get_application)
        add("GET", API + "/applications/@me", self._get_application)
        for prefix in (API + "/applications/{app_id}", API + "/applications/{app_id}/guilds/{guild_id}"):
            add("GET", prefix + "/commands", self._list_commands)
            add("PUT", prefix + "/commands", self._put_commands)
            add("POST", prefix + "/commands", self._post_command)
            add("GET", prefix + "/commands/{command_id}", self._get_command)
            add("PATCH", prefix + "/commands/{command_id}", self._patch_command)
            add("DELETE", prefix + "/commands/{command_id}", self._delete_command)
        add("POST", API + "/interactions/{interaction_id}/{token}/callback", self._interaction_callback)
        add("POST", API + "/webhooks/{app_id}/{token}", self._followup)
        add("GET", API + "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message)
        add("PATCH", API + "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message)
        add("DELETE", API + "/webhooks/{app_id}/{token}/messages/{message_id}", self._webhook_message)
        add("GET", API + "/channels/{channel_id}", self._get_channel)
        add("POST", API + "/channels/{channel_id}/messages", self._create_message)
        add("GET", API + "/channels/{channel_id}/messages/{message_id}", self._channel_message)
        add("PATCH", API + "/channels/{channel_id}/messages/{message_id}", self._channel_message)
        add("DELETE", API + "/channels/{channel_id}/messages/{message_id}", self._channel_message)
        add("POST", API + "/channels/{channel_id}/typing", self._typing)
        add("PUT", API + "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self._react)
        add("GET", API + "/guilds/{guild_id}", self._get_guild)
        add("*", "/{tail:.*}", self._unknown)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        if not request.path.startswith("/api/"):
            return await handler(request)
        route = re.sub(r"^/api/v\d+", "", request.path)
        record = RequestRecord(request.method, request.path, request.query_string, time.monotonic())
        self.requests.append(record)
        resource = request.match_info.route.resource
        canonical = resource.canonical if resource is not None else request.path
        bucket = hashlib.sha256(f"{request.method} {canonical}".encode()).hexdigest()[:32]
        failure = self._take_failure(request.method, route)
        if failure is not None:
            failure.hits.append(record)
            record.status = failure.status
            headers = failure.headers or _ratelimit_headers(bucket)
            self._notify()
            return _json(failure.body, status=failure.status, headers=headers)
        public = route.startswith(("/interactions/", "/webhooks/"))
        if not public and request.headers.get("Authorization") != f"Bot {self.token}":
            response: web.StreamResponse = _json(UNAUTHORIZED[1], status=401)
        else:
            try:
                response = await handler(request)
            except DiscordError as exc:
                rejected = Rejected(request.method, request.path, exc.status, exc.body, exc.payload, time.monotonic(), exc.interaction)
                self.rejected.append(rejected)
                if exc.interaction is not None:
                    exc.interaction.rejected.append(rejected)
                response = _json(exc.body, status=exc.status)
        record.status = response.status
        response.headers.update(_ratelimit_headers(bucket))
        self._notify()
        return response

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.unknown_requests.append(UnknownRequest(request.method, request.path, request.query_string, body, time.monotonic()))
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    def _check_app(self, request: web.Request) -> None:
        if int(request.match_info["app_id"]) != self.application_id:
            raise DiscordError(*MISSING_ACCESS)

    # ------------------------------------------------------------------ REST: users, gateway, application

    async def _get_gateway(self, request: web.Request) -> web.StreamResponse:
        return _json({"url": self.urls.gateway})

    async def _get_gateway_bot(self, request: web.Request) -> web.StreamResponse:
        return _json(
            {
                "url": self.urls.gateway,
                "shards": self.recommended_shards,
                "session_start_limit": {"total": 1000, "remaining": 1000 - self.identify_count, "reset_after": 86400000, "max_concurrency": 1},
            }
        )

    async def _get_user(self, request: web.Request) -> web.StreamResponse:
        uid = request.match_info["user_id"]
        if uid == "@me":
            return _json({**self.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0, "email": None, "locale": "en-US", "bio": ""})
        user = self.users.get(int(uid)) if uid.isdigit() else None
        if user is None:
            raise DiscordError(*UNKNOWN_USER)
        return _json(user.payload())

    async def _create_dm(self, request: web.Request) -> web.StreamResponse:
        payload, _ = await self._read_body(request)
        user = self.users.get(int(payload.get("recipient_id", 0)))
        if user is None:
            raise DiscordError(*UNKNOWN_USER, payload=payload)
        return _json(self.dm_channel(user).payload())

    async def _get_application(self, request: web.Request) -> web.StreamResponse:
        return _json(
            {
                "id": str(self.application_id),
                "name": self.bot.username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": self.owner.payload(),
                "team": None,
                "flags": self._application_flags(),
                "rpc_origins": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "tags": [],
                "bot": self.bot.payload(),
                "approximate_guild_count": len(self.guilds),
                "integration_types_config": {"0": {}},
            }
        )

    async def _get_guild(self, request: web.Request) -> web.StreamResponse:
        gid = request.match_info["guild_id"]
        guild = self.guilds.get(int(gid)) if gid.isdigit() else None
        if guild is None:
            raise DiscordError(*UNKNOWN_GUILD)
        payload = guild.payload()
        for key in ("members", "channels", "threads", "presences", "voice_states", "member_count", "joined_at", "large", "unavailable", "lazy"):
            payload.pop(key, None)
        return _json(payload)

    async def _get_channel(self, request: web.Request) -> web.StreamResponse:
        return _json(self._channel(request).payload())

    def _channel(self, request: web.Request) -> FakeChannel:
        cid = request.match_info["channel_id"]
        channel = self.channels.get(int(cid)) if cid.isdigit() else None
        if channel is None:
            raise DiscordError(*UNKNOWN_CHANNEL)
        return channel

    async def _get_attachment(self, request: web.Request) -> web.StreamResponse:
        aid = request.match_info["attachment_id"]
        stored = self.files.get(int(aid)) if aid.isdigit() else None
        if stored is None or str(stored.channel_id) != request.match_info["channel_id"]:
            return web.Response(status=404, text="Not Found")
        stored.downloads += 1
        self.downloads.append(stored)
        self._notify()
        return web.Response(body=stored.data, headers={"Content-Type": stored.content_type or "application/octet-stream"})

    # ------------------------------------------------------------------ REST: application commands

    @property
    def synced_commands(self) -> dict[int | None, list[dict[str, Any]]]:
        """What the bot registered: ``None`` → global commands, guild id → that guild's commands."""
        return {scope: list(commands.values()) for scope, commands in self.commands.items()}

    def _scope(self, request: web.Request) -> int | None:
        self._check_app(request)
        gid = request.match_info.get("guild_id")
        if gid is None:
            return None
        if not gid.isdigit() or int(gid) not in self.guilds:
            raise DiscordError(*UNKNOWN_GUILD)
        return int(gid)

    def _stored_command(self, command: dict[str, Any], scope: int | None, command_id: str | None = None) -> dict[str, Any]:
        kind = command.get("type", 1)
        if command_id is None:
            existing = self.commands.get(scope, {}).get((command.get("name", ""), kind))
            command_id = existing["id"] if existing else str(self.ids.next())
        stored: dict[str, Any] = {
            "id": command_id,
            "application_id": str(self.application_id),
            "version": str(self.ids.next()),
            "default_member_permissions": None,
            "type": kind,
            "name": "",
            "name_localizations": None,
            "description": "",
            "description_localizations": None,
            "dm_permission": True,
            "contexts": None,
            "integration_types": [0],
            "nsfw": False,
        }
        stored.update(copy.deepcopy(command))
        stored["id"] = command_id
        if scope is not None:
            stored["guild_id"] = str(scope)
        return stored

    async def _list_commands(self, request: web.Request) -> web.StreamResponse:
        scope = self._scope(request)
        return _json(list(self.commands.get(scope, {}).values()))

    async def _put_commands(self, request: web.Request) -> web.StreamResponse:
        scope = self._scope(request)
        payload, _ = await self._read_body(request)
        if not isinstance(payload, list):
            raise DiscordError(400, {"message": "Invalid Form Body", "code": 50035, "errors": {"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]}}, payload)
        error = validate.check_commands(payload)
        if error:
            raise DiscordError(*error, payload=payload)
        self.sync_requests.append(SyncRecord("PUT", scope, payload, time.monotonic()))
        stored = [self._stored_command(c, scope) for c in payload]
        self.commands[scope] = {(c["name"], c["type"]): c for c in stored}
        return _json(stored)

    async def _post_command(self, request: web.Request) -> web.StreamResponse:
        scope = self._scope(request)
        payload, _ = await self._read_body(request)
        error = validate.check_command(payload)
        if error:
            raise DiscordError(*error, payload=payload)
        self.sync_requests.append(SyncRecord("POST", scope, payload, time.monotonic()))
        key = (payload.get("name", ""), payload.get("type", 1))
        existed = key in self.commands.get(scope, {})
        stored = self._stored_command(payload, scope)
        self.commands.setdefault(scope, {})[key] = stored
        return _json(stored, status=200 if existed else 201)

    def _command_by_id(self, request: web.Request, scope: int | None) -> tuple[tuple[str, int], dict[str, Any]]:
        cid = request.match_info["command_id"]
        for key, command in self.commands.get(scope, {}).items():
            if command["id"] == cid:
                return key, command
        raise DiscordError(*UNKNOWN_COMMAND)

    async def _get_command(self, request: web.Request) -> web.StreamResponse:
        scope = self._scope(request)
        return _json(self._command_by_id(request, scope)[1])

    async def _patch_command(self, request: web.Request) -> web.StreamResponse:
        scope = self._scope(request)
        key, command = self._command_by_id(request, scope)
        payload, _ = await self._read_body(request)
        merged = {**command, **payload}
        error = validate.check_command(merged)
        if error:
            raise DiscordError(*error, payload=payload)
        self.sync_requests.append(SyncRecord("PATCH", scope, payload, time.monotonic()))
        del self.commands[scope][key]
        stored = self._stored_command(merged, scope, command["id"])
        self.commands[scope][(stored["name"], stored["type"])] = stored
        return _json(stored)

    async def _delete_command(self, request: web.Request) -> web.StreamResponse:
        scope = self._scope(request)
        key, _ = self._command_by_id(request, scope)
        self.sync_requests.append(SyncRecord("DELETE", scope, request.match_info["command_id"], time.monotonic()))
        del self.commands[scope][key]
        return web.Response(status=204)

    # ------------------------------------------------------------------ REST: interaction responses

    def _interaction_by_token(self, request: web.Request) -> InteractionRecord:
        rec = self._by_token.get(request.match_info["token"])
        if rec is None or int(request.match_info["app_id"]) != self.application_id:
            raise DiscordError(*UNKNOWN_WEBHOOK)
        return rec

    async def _interaction_callback(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        payload, uploads = await self._read_body(request)
        rec = self._by_token.get(request.match_info["token"])
        if rec is None or str(rec.id) != request.match_info["interaction_id"]:
            raise DiscordError(*UNKNOWN_INTERACTION, payload=payload)
        if rec.callback is not None:
            raise DiscordError(*ALREADY_ACKNOWLEDGED, payload=payload, interaction=rec)
        if at - rec.sent_at > self.interaction_deadline:
            # Discord gives a bot 3 seconds to acknowledge; after that the token no longer answers
            raise DiscordError(*UNKNOWN_INTERACTION, payload=payload, interaction=rec)
        ctype = payload.get("type")
        data = payload.get("data") or {}
        if ctype not in CALLBACKS_ALLOWED.get(rec.type, set()) or (ctype in (6, 7) and "message" not in rec.payload):
            raise DiscordError(
                400, {"message": "Invalid Form Body", "code": 50035, "errors": {"type": {"_errors": [
                    {"code": "INTERACTION_RESPONSE_TYPE_INVALID", "message": f"Interaction response type {ctype} is invalid for interaction type {rec.type}"}
                ]}}}, payload, rec,
            )
        error = None
        if ctype == 4:
            error = validate.check_message(data, n_files=len(uploads), creating=True)
        elif ctype == 7:
            error = validate.check_message(data, n_files=len(uploads), creating=False)
        elif ctype == 9:
            error = validate.check_modal(data)
        elif ctype == 8:
            error = validate.check_choices(data)
        if error:
            raise DiscordError(*error, payload=payload, interaction=rec)
        channel = self.channels[rec.channel_id]
        ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
        message = None
        files: list[StoredFile] = []
        # Everything that can fail happens before the callback is recorded
        if ctype == 4:
            files, _ = self._attachments(channel.id, payload, uploads, [], ephemeral=ephemeral, interaction=rec)
        elif ctype in (6, 7):
            target = self.messages[int(rec.payload["message"]["id"])]
            message = target
            if ctype == 7:
                files, kept = self._attachments(channel.id, payload, uploads, target.get("attachments", []), interaction=rec)
                try:
                    message = self._edited(target, data, files, kept)
                except DiscordError as exc:
                    exc.interaction = rec
                    raise
        rec.callback = Sent("callback", request.method, request.path, at, payload, files, None, rec, channel.id)
        if ctype == 4:
            message = self._new_message(channel, self.bot, data, files, message_type=_response_type(rec), interaction=rec)
        elif ctype == 5:
            message = self._new_message(
                channel, self.bot, {"content": ""}, [], message_type=_response_type(rec),
                flags=LOADING | (EPHEMERAL if ephemeral else 0), interaction=rec,
            )
        rec.callback.message = message
        if message is not None:
            rec.original = message
            if ctype in (4, 5, 7):
                await self._echo(message, rec.guild_id, "MESSAGE_UPDATE" if ctype == 7 else "MESSAGE_CREATE")
        body: dict[str, Any] = {
            "interaction": {
                "id": str(rec.id),
                "type": rec.type,
                "response_message_loading": ctype == 5,
                "response_message_ephemeral": bool(message and int(message["flags"]) & EPHEMERAL),
            },
            "resource": {"type": ctype},
        }
        if message is not None:
            body["interaction"]["response_message_id"] = message["id"]
            body["resource"]["message"] = message
        if request.query.get("with_response") in ("1", "true", "True"):
            return _json(body)
        return web.Response(status=204)

    async def _followup(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        payload, uploads = await self._read_body(request)
        rec = self._interaction_by_token(request)
        if rec.callback is None:
            raise DiscordError(*UNKNOWN_WEBHOOK, payload=payload, interaction=rec)
        error = validate.check_message(payload, n_files=len(uploads), creating=True)
        if error:
            raise DiscordError(*error, payload=payload, interaction=rec)
        channel = self.channels[rec.channel_id]
        original = rec.original
        if original is not None and int(original["flags"]) & LOADING and not rec.original_deleted:
            # The first follow-up after a deferral (type 5) replaces the "thinking…" message; it keeps
            # the deferral's ephemerality whatever flags the follow-up asks for.
            files, kept = self._attachments(channel.id, payload, uploads, [], ephemeral=bool(int(original["flags"]) & EPHEMERAL), interaction=rec)
            message = self._edited(original, {**payload, "flags": None}, files, kept)
            rec.original = message
            replaced = True
        else:
            replaced = False
            ephemeral = bool(int(payload.get("flags") or 0) & EPHEMERAL)
            files, _ = self._attachments(channel.id, payload, uploads, [], ephemeral=ephemeral, interaction=rec)
            message = self._new_message(channel, self.bot, payload, files, message_type=_response_type(rec), interaction=rec)
        sent = Sent("followup", request.method, request.path, at, payload, files, message, rec, channel.id)
        rec.followups.append(sent)
        rec.current[int(message["id"])] = message
        await self._echo(message, rec.guild_id, "MESSAGE_UPDATE" if replaced else "MESSAGE_CREATE")
        if request.query.get("wait") in ("1", "true", "True"):
            return _json(message)
        return web.Response(status=204)

    async def _webhook_message(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        payload, uploads = await self._read_body(request) if request.method == "PATCH" else ({}, {})
        rec = self._interaction_by_token(request)
        mid = request.match_info["message_id"]
        is_original = mid == "@original"
        if is_original:
            target = None if rec.original_deleted else rec.original
        else:
            target = rec.current.get(int(mid)) if mid.isdigit() and int(mid) not in rec.deleted_ids else None
            if target is None and rec.original is not None and rec.original["id"] == mid and not rec.original_deleted:
                target, is_original = rec.original, True
        if target is None:
            raise DiscordError(*UNKNOWN_MESSAGE, payload=payload, interaction=rec)
        target = self.messages.get(int(target["id"]), target)
        if request.method == "GET":
            return _json(target)
        channel = self.channels[rec.channel_id]
        if request.method == "DELETE":
            rec.deletions.append(Sent("delete_original" if is_original else "delete_followup", request.method, request.path, at, {}, [], None, rec, channel.id))
            if is_original:
                rec.original_deleted = True
            rec.deleted_ids.add(int(target["id"]))
            self.messages.pop(int(target["id"]), None)
            return web.Response(status=204)
        error = validate.check_message(payload, n_files=len(uploads), creating=False)
        if error:
            raise DiscordError(*error, payload=payload, interaction=rec)
        files, kept = self._attachments(
            channel.id, payload, uploads, target.get("attachments", []),
            ephemeral=bool(int(target.get("flags", 0)) & EPHEMERAL), interaction=rec,
        )
        try:
            message = self._edited(target, payload, files, kept)
        except DiscordError as exc:
            exc.interaction = rec
            raise
        if is_original:
            rec.original = message
        if int(message["id"]) in rec.current:
            rec.current[int(message["id"])] = message
        await self._echo(message, rec.guild_id, "MESSAGE_UPDATE")
        rec.edits.append(Sent("edit_original" if is_original else "edit_followup", request.method, request.path, at, payload, files, message, rec, channel.id))
        return _json(message)

    # ------------------------------------------------------------------ REST: channel messages

    async def _create_message(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        channel = self._channel(request)
        payload, uploads = await self._read_body(request)
        guild = self.guilds.get(channel.guild_id) if channel.guild_id else None
        if guild is not None:
            perms = guild.permissions_of(self.bot)
            if not perms & VIEW_CHANNEL or not perms & SEND_MESSAGES or (uploads and not perms & ATTACH_FILES):
                raise DiscordError(*MISSING_PERMISSIONS, payload=payload)
        error = validate.check_message(payload, n_files=len(uploads), creating=True)
        if error:
            raise DiscordError(*error, payload=payload)
        referenced = None
        reference = payload.get("message_reference")
        if reference and reference.get("message_id"):
            referenced = self.messages.get(int(reference["message_id"]))
            if referenced is None and reference.get("fail_if_not_exists", True):
                raise DiscordError(400, {"message": "Invalid Form Body", "code": 50035, "errors": {"message_reference": {"_errors": [{"code": "REPLIES_UNKNOWN_MESSAGE", "message": "Unknown message"}]}}}, payload)
        files, _ = self._attachments(channel.id, payload, uploads, [])
        message = self._new_message(channel, self.bot, payload, files, message_type=19 if referenced else 0, referenced=referenced)
        sent = Sent("channel_message", request.method, request.path, at, payload, files, message, None, channel.id)
        self.sent_messages.append(sent)
        self.channel_activity.append(sent)
        await self._echo(message, channel.guild_id)
        return _json(message)

    async def _channel_message(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        channel = self._channel(request)
        mid = request.match_info["message_id"]
        message = self.messages.get(int(mid)) if mid.isdigit() else None
        if message is None or message["channel_id"] != str(channel.id):
            raise DiscordError(*UNKNOWN_MESSAGE)
        if request.method == "GET":
            return _json(message)
        own = message["author"]["id"] == str(self.bot.id)
        if request.method == "DELETE":
            if not own and channel.guild_id is not None:
                guild = self.guilds[channel.guild_id]
                if guild.permissions_of(self.bot) & (1 << 13) == 0:  # MANAGE_MESSAGES
                    raise DiscordError(*MISSING_PERMISSIONS)
            self.messages.pop(int(mid), None)
            self.channel_activity.append(Sent("delete_message", request.method, request.path, at, {}, [], None, None, channel.id))
            return web.Response(status=204)
        payload, uploads = await self._read_body(request)
        if not own:
            raise DiscordError(*NOT_AUTHOR, payload=payload)
        error = validate.check_message(payload, n_files=len(uploads), creating=False)
        if error:
            raise DiscordError(*error, payload=payload)
        files, kept = self._attachments(channel.id, payload, uploads, message.get("attachments", []))
        edited = self._edited(message, payload, files, kept)
        self.channel_activity.append(Sent("edit_message", request.method, request.path, at, payload, files, edited, None, channel.id))
        await self._echo(edited, channel.guild_id, "MESSAGE_UPDATE")
        return _json(edited)

    async def _typing(self, request: web.Request) -> web.StreamResponse:
        self.typing.append(self._channel(request).id)
        return web.Response(status=204)

    async def _react(self, request: web.Request) -> web.StreamResponse:
        channel = self._channel(request)
        mid = request.match_info["message_id"]
        if not mid.isdigit() or int(mid) not in self.messages:
            raise DiscordError(*UNKNOWN_MESSAGE)
        self.reactions.append((channel.id, int(mid), request.match_info["emoji"]))
        return web.Response(status=204)


def _json(data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json``, as Discord sends it:
    discord.py's json_or_text() only parses the body when the header is exactly that (no charset)."""
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return web.Response(body=body, status=status, headers={**(headers or {}), "Content-Type": "application/json"})


def _infer_option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, Upload):
        return 11
    if isinstance(value, FakeUser):
        return 6
    if isinstance(value, FakeChannel):
        return 7
    return 3


def _response_type(rec: InteractionRecord) -> int:
    """The message type Discord gives a response: 20 CHAT_INPUT_COMMAND, 23 CONTEXT_MENU_COMMAND, else 0/19."""
    if rec.type == 2:
        return 20 if rec.data.get("type", 1) == 1 else 23
    return 0


def _normalize_embeds(embeds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for embed in embeds:
        e = copy.deepcopy(embed)
        e.setdefault("type", "rich")
        e.setdefault("content_scan_version", 0)
        out.append(e)
    return out


def _number_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Discord gives every component a numeric ``id`` (unique in the message) when the bot did not."""
    out = copy.deepcopy(components)
    every = validate._walk_components(out)
    used = {c["id"] for c in every if isinstance(c.get("id"), int)}
    counter = 1
    for component in every:
        if "id" not in component:
            while counter in used:
                counter += 1
            component["id"] = counter
            used.add(counter)
    return out
