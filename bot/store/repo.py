"""The query store: every question and its answer, and the reads /history, /forget, /stats and the
answer cache need.

    store = await open_store(settings.database_url, pool_size=settings.db_pool_size)  # schema → head
    query_id = await store.record(QueryRecord(...))   # never raises: None when it could not be saved
    await store.history(user_id, 10) / get(id, user_id) / forget(user_id) / stats(guild_id, 30)
    await store.cached_report(sha256, calc_version)   # never raises: None on a miss or an outage
    await store.purge(older_than)
    store.health                                      # StoreHealth: is the database answering?
    await store.close()

Each call opens its own session and transaction (one session per command; an ``AsyncSession`` is
not safe across concurrent tasks).  Nothing here blocks the event loop: both drivers are async, and
connecting and statements time out (see :mod:`bot.store.engine`).

When the database fails, the answer must still go out: :meth:`Store.record` and
:meth:`Store.cached_report` swallow the failure, mark :attr:`Store.health` and log it — once, then at
most once a minute while the outage lasts, and once more when it ends.  The reads a user asked for
(history, get, forget, stats, purge) raise :class:`~bot.store.errors.StoreUnavailable` so the front
end can say so.

Inputs are stored verbatim as data (bound parameters, never SQL text), cut to :data:`MAX_INPUT_BYTES`
of UTF-8 at a character boundary.  Two characters no database text column can hold, NUL and lone
surrogates, are stored as U+FFFD; the SHA-256 is always of the exact original.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, cast, delete, func, literal_column, select
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import defer, selectinload

from bot.store.engine import make_engine, make_sessionmaker
from bot.store.errors import StoreUnavailable
from bot.store.models import (
    COMMAND_LEN,
    ERROR_CODE_LEN,
    FORMAT_LEN,
    KIND_LEN,
    LOCALE_LEN,
    VERSION_LEN,
    Outcome,
    Query,
    QueryLayerKind,
)
from bot.store.records import (
    Headline,
    HistoryEntry,
    QueryRecord,
    Stats,
    StoredQuery,
    StoreHealth,
    input_digest,
)

__all__ = [
    "MAX_BATCH",
    "MAX_ERROR_CHARS",
    "MAX_INPUT_BYTES",
    "MAX_KINDS",
    "MAX_REPORT_BYTES",
    "OUTAGE_LOG_INTERVAL_S",
    "Store",
    "bound_text",
    "open_store",
]

log = logging.getLogger("bot.store")

MAX_INPUT_BYTES = 64 * 1024
"""The stored input is at most this many bytes of UTF-8 (a longer one is cut and flagged)."""

MAX_ERROR_CHARS = 4_000
MAX_REPORT_BYTES = 4 * 1024 * 1024
"""A Report document larger than this is not stored (the headline still is)."""

MAX_BATCH = 100
"""Most queries written in one transaction: records that arrive while others are being written wait and go
in together (group commit), so a burst of answers costs a few transactions rather than one each."""

MAX_KINDS = 200
"""Most distinct layer kinds stored for one query."""

PREVIEW_CHARS = 80
OUTAGE_LOG_INTERVAL_S = 60.0
_MAX_INT32 = 2**31 - 1
_MAX_INT64 = 2**63 - 1

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: no text column takes them


def _clean(text: str) -> str:
    return _UNSTORABLE.sub("\ufffd", text)


def bound_text(text: str, limit: int = MAX_INPUT_BYTES) -> tuple[str, int, bool]:
    """(the text as stored, its full length in UTF-8 bytes, whether it was cut).

    Cut at a character boundary to at most ``limit`` bytes of UTF-8; NUL and lone surrogates → U+FFFD.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    head = _clean(text[:limit])  # a character is at least one byte: nothing past `limit` characters fits
    encoded = head.encode("utf-8")
    if len(encoded) <= limit:
        return head, size, size > len(encoded)
    return encoded[:limit].decode("utf-8", "ignore"), size, True


def _cut(text: str | None, limit: int) -> str | None:
    return None if text is None else _clean(text)[:limit]


def _int32(value: int) -> int:
    return max(0, min(int(value), _MAX_INT32))


def _int64_or_none(value: int | None) -> int | None:
    return value if value is not None and -_MAX_INT64 - 1 <= value <= _MAX_INT64 else None


def _json_safe(value: Any) -> Any:
    """A copy that every engine's JSON column accepts: strings cleaned, NaN/∞ → None, tuples → lists."""
    if isinstance(value, str):
        return _clean(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {_clean(str(k)): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    raise TypeError(f"a Report document holds a {type(value).__name__}, which is not JSON")


def _describe(exc: BaseException) -> str:
    """One line about a failure, without the SQL or its parameters (which may hold user input)."""
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(inner).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(inner).__name__}: {first}"[:300] if first else type(inner).__name__


def _is_outage(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (OperationalError, InterfaceError, DisconnectionError, OSError, TimeoutError))


def _headline(row: Query) -> Headline:
    return Headline(
        total_params=row.total_params,
        ok=row.layers_ok,
        inferred=row.layers_inferred,
        mismatch=row.layers_mismatch,
        unknown=row.layers_unknown,
        findings=row.findings,
    )


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _resolve(future: asyncio.Future[int | None], value: int | None) -> None:
    if not future.done():
        future.set_result(value)


class _Outage:
    """Health plus rate-limited logging of failures."""

    def __init__(self, interval: float, clock: Callable[[], float], now: Callable[[], datetime]) -> None:
        self.interval = interval
        self.clock = clock
        self.now = now
        self.health = StoreHealth()
        self._last_log: float | None = None
        self._unlogged = 0

    def failed(self, operation: str, exc: BaseException) -> None:
        description = _describe(exc)
        previous = self.health
        self.health = StoreHealth(
            ok=False,
            last_error=description,
            down_since=previous.down_since if not previous.ok else self.now(),
            failures=previous.failures + 1,
        )
        tick = self.clock()
        if self._last_log is not None and tick - self._last_log < self.interval:
            self._unlogged += 1
            return
        more = f" ({self._unlogged} more failures since the last message)" if self._unlogged else ""
        self._last_log, self._unlogged = tick, 0
        kind = "unavailable" if _is_outage(exc) else "failed unexpectedly"
        log.warning(
            "query store %s during %s: %s; answers still go out but are not being saved%s",
            kind, operation, description, more,
            exc_info=None if _is_outage(exc) else exc,
        )

    def succeeded(self) -> None:
        if self.health.ok:
            return
        log.warning(
            "query store is back after %d failed operations since %s",
            self.health.failures, self.health.down_since.isoformat() if self.health.down_since else "?",
        )
        self.health = StoreHealth()
        self._last_log, self._unlogged = None, 0


def _day_expr(dialect: str, column: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a stored time (SQLite stores UTC wall time as text; PostgreSQL timestamptz)."""
    if dialect == "sqlite":
        return func.date(column)
    return cast(func.timezone(literal_column("'UTC'"), column), Date)


class Store:
    """The query store on one engine.  See the module docstring."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        owns_engine: bool = False,
        now: Callable[[], datetime] = _utcnow,
        clock: Callable[[], float] = time.monotonic,
        log_interval: float = OUTAGE_LOG_INTERVAL_S,
    ) -> None:
        self.engine = engine
        self._sessions: async_sessionmaker[AsyncSession] = make_sessionmaker(engine)
        self._owns_engine = owns_engine
        self._now = now
        self._outage = _Outage(log_interval, clock, now)
        # SQLite has one writer at a time, and a writer waiting for its lock polls with sleeps of up to 100 ms
        # while the holder's statements each wait for this event loop: this process's writes (the record
        # writer, forget, purge) queue here instead, first come first served, and none gives up with
        # "database is locked" behind its neighbours (about 5% did, 200 records at once on a busy loop).
        self._writing: contextlib.AbstractAsyncContextManager[Any] = (
            asyncio.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )
        self._waiting: list[tuple[QueryRecord, Query, asyncio.Future[int | None]]] = []  # records for the writer
        self._writer: asyncio.Task[None] | None = None

    @classmethod
    def open(cls, url: str, *, pool_size: int = 5, **kwargs: Any) -> Store:
        """A store with its own engine (closed by :meth:`close`).  The schema is not touched here:
        run :func:`bot.store.migrations.upgrade_to_head` first."""
        return cls(make_engine(url, pool_size=pool_size), owns_engine=True, **kwargs)

    async def close(self) -> None:
        """Finish writing the records already handed over, then (when it owns it) dispose of the engine."""
        if self._writer is not None and not self._writer.done():
            await self._writer
        if self._owns_engine:
            await self.engine.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def health(self) -> StoreHealth:
        return self._outage.health

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # ----------------------------------------------------------------------------------------
    # Writing.

    def _row(self, entry: QueryRecord) -> Query:
        text, size, truncated = bound_text(entry.input_text)
        report: dict[str, Any] | None = None
        if entry.report is not None:
            try:
                candidate = _json_safe(entry.report)
                encoded = json.dumps(candidate, allow_nan=False)
            except (TypeError, ValueError) as exc:
                log.error("query store: the Report document is not JSON (%s); storing the query without it", exc)
            else:
                if len(encoded) <= MAX_REPORT_BYTES:
                    report = candidate
                else:
                    log.warning("query store: a Report of %d bytes is over the limit; storing the headline only",
                                len(encoded))
        kinds: dict[str, int] = {}
        for name, count in list(entry.layer_kinds.items())[:MAX_KINDS]:
            key = _cut(str(name), KIND_LEN) or "?"
            kinds[key] = kinds.get(key, 0) + _int32(count)
        h = entry.headline
        return Query(
            created_at=entry.created_at or self._now(),
            source=entry.source,
            guild_id=entry.guild_id,
            channel_id=entry.channel_id,
            user_id=entry.user_id,
            locale=_cut(entry.locale, LOCALE_LEN) or "",
            command=_cut(entry.command, COMMAND_LEN) or "",
            input_format=_cut(entry.input_format, FORMAT_LEN),
            input_text=text,
            input_bytes=_int32(size),
            input_truncated=truncated,
            input_sha256=entry.input_sha256 or input_digest(entry.input_text),
            calc_version=_cut(entry.calc_version, VERSION_LEN) or "",
            total_params=_int64_or_none(h.total_params),
            layers_ok=_int32(h.ok),
            layers_inferred=_int32(h.inferred),
            layers_mismatch=_int32(h.mismatch),
            layers_unknown=_int32(h.unknown),
            findings=_int32(h.findings),
            report=report,
            duration_ms=_int32(entry.duration_ms),
            outcome=entry.outcome,
            error_code=_cut(entry.error_code, ERROR_CODE_LEN),
            error_text=_cut(entry.error_text, MAX_ERROR_CHARS),
            from_cache=entry.from_cache,
            kinds=[QueryLayerKind(kind=k, count=n) for k, n in kinds.items()],
        )

    async def record(self, entry: QueryRecord) -> int | None:
        """Store one query; its id once committed, or None when it could not be stored (see :attr:`health`).

        Never raises (except cancellation): a failing database must not stop an answer.  One writer task
        writes the records of this store: those that arrive while it writes go together in its next
        transaction (at most :data:`MAX_BATCH`).  A caller cancelled while waiting does not cancel the write.
        """
        try:
            row = self._row(entry)
        except Exception as exc:  # noqa: BLE001 - the answer goes out whatever happened here
            self._outage.failed("record", exc)
            return None
        done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((entry, row, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name="layerbot-store-writer")
        return await asyncio.shield(done)

    async def _write_waiting(self) -> None:
        """Write what waits, a batch per transaction, until nothing does."""
        batch: list[tuple[QueryRecord, Query, asyncio.Future[int | None]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                try:
                    ids = await self._insert([row for _, row, _ in batch])
                except Exception as exc:  # noqa: BLE001 - reported per record below
                    if len(batch) == 1 or _is_outage(exc):
                        for _, _, done in batch:
                            self._outage.failed("record", exc)
                            _resolve(done, None)
                        continue
                    # A row the database refuses must not take the others with it: one at a time (fresh
                    # rows: the failed transaction's objects are spoilt).
                    for entry, _, done in batch:
                        try:
                            (query_id,) = await self._insert([self._row(entry)])
                        except Exception as single:  # noqa: BLE001
                            self._outage.failed("record", single)
                            _resolve(done, None)
                        else:
                            self._outage.succeeded()
                            _resolve(done, query_id)
                    continue
                self._outage.succeeded()
                for (_, _, done), query_id in zip(batch, ids, strict=True):
                    _resolve(done, query_id)
        finally:  # cancelled (the event loop is closing): whatever was not confirmed is not known to be stored
            for _, _, done in [*batch, *self._waiting]:
                _resolve(done, None)

    async def _insert(self, rows: list[Query]) -> list[int]:
        async with self._sessions() as session:
            await session.connection()  # checked out (and BEGIN) before queueing to write
            async with self._writing:
                session.add_all(rows)
                await session.flush()
                ids = [row.id for row in rows]
                await session.commit()
        return ids

    async def forget(self, user_id: int) -> int:
        """Delete every query of ``user_id`` (and, by cascade, their layer kinds); how many were deleted."""
        async with self._guard("forget") as session:
            result = await session.execute(
                delete(Query).where(Query.user_id == user_id).execution_options(synchronize_session=False)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge(self, older_than: datetime) -> int:
        """Delete every query asked before ``older_than`` (retention); how many were deleted."""
        async with self._guard("purge") as session:
            result = await session.execute(
                delete(Query).where(Query.created_at < older_than).execution_options(synchronize_session=False)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    # ----------------------------------------------------------------------------------------
    # Reading.

    @staticmethod
    def _of_user(user_id: int | None) -> ColumnElement[bool]:
        return Query.user_id.is_(None) if user_id is None else Query.user_id == user_id

    async def history(self, user_id: int | None, limit: int = 10) -> list[HistoryEntry]:
        """The user's last ``limit`` queries, newest first, with their headlines (``None``: the
        terminal's, which have no user)."""
        limit = max(1, min(limit, 100))
        preview = func.substr(Query.input_text, 1, PREVIEW_CHARS).label("preview")
        stmt: Select[Any] = (
            select(Query, preview)
            .where(self._of_user(user_id))
            .order_by(Query.created_at.desc(), Query.id.desc())
            .limit(limit)
            .options(*_HEADLINE_ONLY)
        )
        async with self._guard("history", write=False) as session:
            rows = (await session.execute(stmt)).all()
        return [
            HistoryEntry(
                id=row.id,
                created_at=row.created_at,
                source=row.source,
                command=row.command,
                input_format=row.input_format,
                input_preview=text or "",
                outcome=row.outcome,
                headline=_headline(row),
            )
            for row, text in rows
        ]

    async def get(self, query_id: int, user_id: int | None) -> StoredQuery | None:
        """One query, whole, if it is ``user_id``'s (None otherwise: nobody reads another's query)."""
        stmt = (
            select(Query)
            .where(Query.id == query_id, self._of_user(user_id))
            .options(selectinload(Query.kinds))
        )
        async with self._guard("get", write=False) as session:
            row = (await session.execute(stmt)).scalar_one_or_none()
        if row is None:
            return None
        return StoredQuery(
            id=row.id,
            created_at=row.created_at,
            source=row.source,
            guild_id=row.guild_id,
            channel_id=row.channel_id,
            user_id=row.user_id,
            locale=row.locale,
            command=row.command,
            input_format=row.input_format,
            input_text=row.input_text,
            input_bytes=row.input_bytes,
            input_truncated=row.input_truncated,
            input_sha256=row.input_sha256,
            calc_version=row.calc_version,
            headline=_headline(row),
            layer_kinds={k.kind: k.count for k in sorted(row.kinds, key=lambda k: k.kind)},
            report=row.report,
            duration_ms=row.duration_ms,
            outcome=row.outcome,
            error_code=row.error_code,
            error_text=row.error_text,
            from_cache=row.from_cache,
        )

    async def cached_report(
        self, sha256: str, calc_version: str, *, command: str | None = None
    ) -> dict[str, Any] | None:
        """The Report stored for an identical input answered by the same calc version (and, when
        given, the same command); None on a miss.  Never raises: an outage is a miss."""
        conditions = [
            Query.input_sha256 == sha256,
            Query.calc_version == calc_version,
            Query.outcome == Outcome.ANSWERED,
            Query.report.is_not(None),
        ]
        if command is not None:
            conditions.append(Query.command == command)
        stmt = select(Query.report).where(and_(*conditions)).order_by(Query.id.desc()).limit(1)
        try:
            async with self._sessions() as session:
                report = (await session.execute(stmt)).scalar_one_or_none()
        except Exception as exc:  # noqa: BLE001 - a cache that fails is a cache that misses
            self._outage.failed("cached_report", exc)
            return None
        self._outage.succeeded()
        return report

    async def stats(self, guild_id: int | None, days: int = 30, *, top: int = 5) -> Stats:
        """Aggregates over the last ``days`` UTC days (today included), of one server or (None) all."""
        days = max(1, min(days, 366))
        today = self._now().astimezone(UTC).date()
        first = today - timedelta(days=days - 1)
        since = datetime(first.year, first.month, first.day, tzinfo=UTC)
        where = [Query.created_at >= since]
        if guild_id is not None:
            where.append(Query.guild_id == guild_id)
        day = _day_expr(self.dialect, Query.created_at).label("day")
        n = func.count().label("n")
        async with self._guard("stats", write=False) as session:
            totals = (await session.execute(
                select(func.count(), func.count(func.distinct(Query.user_id))).where(*where)
            )).one()
            per_day = (await session.execute(select(day, n).where(*where).group_by(day))).all()
            commands = (await session.execute(
                select(Query.command, n).where(*where).group_by(Query.command)
                .order_by(n.desc(), Query.command).limit(top)
            )).all()
            kinds = (await session.execute(
                select(QueryLayerKind.kind, n)
                .join(Query, Query.id == QueryLayerKind.query_id)
                .where(*where)
                .group_by(QueryLayerKind.kind)
                .order_by(n.desc(), QueryLayerKind.kind)
                .limit(top)
            )).all()
            outcomes = (await session.execute(select(Query.outcome, n).where(*where).group_by(Query.outcome))).all()
        counts: dict[date, int] = {}
        for value, count in per_day:
            counts[value if isinstance(value, date) else date.fromisoformat(str(value))] = int(count)
        return Stats(
            since=first,
            days=days,
            queries=int(totals[0]),
            users=int(totals[1]),
            per_day=tuple((d, counts.get(d, 0)) for d in (first + timedelta(days=i) for i in range(days))),
            top_kinds=tuple((k, int(c)) for k, c in kinds),
            top_commands=tuple((c, int(k)) for c, k in commands),
            outcomes={Outcome(o): int(c) for o, c in outcomes},
        )

    # ----------------------------------------------------------------------------------------

    @asynccontextmanager
    async def _guard(self, operation: str, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """One session (and, to write, one transaction, committed at the end).  A database failure
        becomes :class:`StoreUnavailable` and marks :attr:`health`; any other error propagates."""
        try:
            async with self._sessions() as session:
                if write:
                    async with self._writing, session.begin():
                        yield session
                else:
                    yield session
        except Exception as exc:
            if not _is_outage(exc):
                raise
            self._outage.failed(operation, exc)
            raise StoreUnavailable(f"the query store is unavailable ({_describe(exc)}); try again later") from exc
        self._outage.succeeded()


async def open_store(url: str, *, pool_size: int = 5, **kwargs: Any) -> Store:
    """What ``layerbot run`` and ``chat`` do before serving: bring the schema to head, then open a
    :class:`Store` that owns its engine (``await store.close()`` at shutdown).

    A database newer than the code raises :class:`~bot.store.errors.DatabaseNewerError`: refuse to
    start.  A database that does not answer is logged and the store starts marked down (answers
    still go out; they are saved again once the database is back, if its schema exists by then).
    """
    from bot.store.migrations import upgrade_to_head  # Alembic only where the schema is managed

    store = Store.open(url, pool_size=pool_size, **kwargs)
    try:
        await upgrade_to_head(url)
    except StoreUnavailable as exc:
        store._outage.failed("upgrade", exc.__cause__ or exc)
    except BaseException:
        await store.close()
        raise
    return store


_HEADLINE_ONLY = (defer(Query.report), defer(Query.input_text), defer(Query.error_text))
"""Load options for list views: everything but the (possibly large) Report, input and error."""
