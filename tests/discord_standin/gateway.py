"""Gateway plumbing: one websocket connection, one session (which outlives connections until it ends)."""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from collections import deque
from typing import Any

from aiohttp import web

from .ids import shard_of

# Intent bits
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT

# Close codes Discord uses
UNKNOWN_OPCODE = 4001
DECODE_ERROR = 4002
NOT_AUTHENTICATED = 4003
AUTHENTICATION_FAILED = 4004
ALREADY_AUTHENTICATED = 4005
INVALID_SEQ = 4007
INVALID_SHARD = 4010
INVALID_API_VERSION = 4012
INVALID_INTENTS = 4013
DISALLOWED_INTENTS = 4014


def _zstd_compressor() -> Any:
    """A streaming zstd compressor if this Python has one (discord.py asks for zstd-stream when it does)."""
    try:
        import zstandard  # type: ignore[import-not-found]
    except ImportError:
        pass
    else:
        cobj = zstandard.ZstdCompressor().compressobj()
        return lambda raw: cobj.compress(raw) + cobj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
    try:
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        return None
    comp = zstd.ZstdCompressor()
    return lambda raw: comp.compress(raw, mode=zstd.ZstdCompressor.FLUSH_BLOCK)


class Connection:
    """One gateway websocket. Frames are sent as zlib-stream / zstd-stream binary when asked, else as text."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.ws = ws
        self.request = request
        self.path = request.path
        self.query = dict(request.query)
        self.compression = request.query.get("compress")
        self.session: GatewaySession | None = None
        self.heartbeats = 0
        self.dropped = False  # the stand-in cut it on purpose
        self.close_code: int | None = None  # set when it closed
        self.opened_at = time.monotonic()
        self._lock = asyncio.Lock()
        self._compress: Any = None
        if self.compression == "zlib-stream":
            zobj = zlib.compressobj()
            self._compress = lambda raw: zobj.compress(raw) + zobj.flush(zlib.Z_SYNC_FLUSH)
        elif self.compression == "zstd-stream":
            self._compress = _zstd_compressor()  # None: fall back to text frames, which discord.py also reads

    @property
    def live(self) -> bool:
        return not self.ws.closed and not self.dropped

    async def send(self, frame: dict[str, Any] | str) -> bool:
        text = frame if isinstance(frame, str) else json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
        async with self._lock:
            if not self.live:
                return False
            try:
                if self._compress is not None:
                    await self.ws.send_bytes(self._compress(text.encode("utf-8")))
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return False
        return True

    async def close(self, code: int, message: str = "") -> None:
        async with self._lock:
            if not self.ws.closed:
                await self.ws.close(code=code, message=message.encode("utf-8"))

    def abort(self) -> None:
        """Cut the TCP connection without a close frame, as a network failure would."""
        self.dropped = True
        transport = self.request.transport
        if transport is not None:
            transport.abort()


class GatewaySession:
    """A gateway session: survives dropped connections (RESUME) until invalidated or closed with 1000/1001."""

    def __init__(
        self, session_id: str, *, token: str, intents: int, shard: tuple[int, int] | None, buffer_size: int = 2000
    ) -> None:
        self.session_id = session_id
        self.token = token
        self.intents = intents
        self.shard = shard
        self.seq = 0
        self.buffer: deque[tuple[int, str]] = deque(maxlen=buffer_size)
        self.connection: Connection | None = None
        self.ended = False
        self.ready = asyncio.Event()  # READY and every GUILD_CREATE have been written
        self.events: list[tuple[int, str]] = []  # (seq, event name) of every dispatch, for tests
        self.created_at = time.monotonic()

    @property
    def shard_id(self) -> int:
        return self.shard[0] if self.shard else 0

    @property
    def shard_count(self) -> int:
        return self.shard[1] if self.shard else 1

    @property
    def connected(self) -> bool:
        return self.connection is not None and self.connection.live

    def owns_guild(self, guild_id: int | None) -> bool:
        if guild_id is None:  # DMs go to shard 0
            return self.shard_id == 0
        return shard_of(guild_id, self.shard_count) == self.shard_id

    def has(self, intent: int) -> bool:
        return bool(self.intents & intent)

    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Number the event, keep it for RESUME, and write it if connected."""
        self.seq += 1
        text = json.dumps({"op": 0, "t": event, "s": self.seq, "d": data}, separators=(",", ":"), ensure_ascii=False)
        self.buffer.append((self.seq, text))
        self.events.append((self.seq, event))
        if self.connection is not None:
            await self.connection.send(text)
        return self.seq

    def __repr__(self) -> str:
        state = "ended" if self.ended else ("connected" if self.connected else "disconnected")
        return f"<GatewaySession {self.session_id} shard={self.shard} seq={self.seq} {state}>"
