"""The store's tables, as SQLAlchemy 2 typed declarative models.

    queries              one row per question asked (Discord or terminal) and what was answered
    query_layer_kinds    which layer kinds a query involved and how many of each (for /stats);
                         rows go with their query (ON DELETE CASCADE: /forget and the retention purge)

The schema changes only through a migration in ``migrations/``; a test runs ``alembic check`` so the
models and the migrations never drift apart.  Alembic owns the schema-version table.

Types are chosen to mean the same on SQLite and PostgreSQL: Discord snowflakes are BIGINT; times are
stored in UTC and always read back timezone-aware (:class:`UTCDateTime`); enums are VARCHAR with a
named CHECK constraint (no native PostgreSQL enum to migrate); the Report is JSON (JSONB on PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "NAMING_CONVENTION",
    "Base",
    "Outcome",
    "Query",
    "QueryLayerKind",
    "Source",
    "UTCDateTime",
]

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Column sizes.  The store cuts values to these before writing (PostgreSQL enforces them, SQLite not).
COMMAND_LEN = 32
LOCALE_LEN = 16
FORMAT_LEN = 32
VERSION_LEN = 32
ERROR_CODE_LEN = 64
KIND_LEN = 64
SHA256_LEN = 64

# SQLite's rowid is a 64-bit INTEGER only when the column is spelled INTEGER PRIMARY KEY.
_ID = BigInteger().with_variant(Integer(), "sqlite")
_REPORT = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")  # None → SQL NULL


class Source(StrEnum):
    DISCORD = "discord"
    TERMINAL = "terminal"


class Outcome(StrEnum):
    ANSWERED = "answered"
    USER_ERROR = "user_error"  # a LayerbotError: the user was told what was wrong
    INTERNAL_ERROR = "internal_error"  # a bug: the user got an apology


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time, written in UTC and read back timezone-aware on every engine.

    SQLite has no time zones: it stores the UTC wall time and hands back a naive value, which this
    type marks as UTC.  A naive value written here is refused: it would be ambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Query(Base):
    """One question and its answer."""

    __tablename__ = "queries"

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # who asked, and where (the ids are Discord snowflakes; all None in the terminal)
    source: Mapped[Source] = mapped_column(
        Enum(Source, name="source", native_enum=False, create_constraint=True, length=16, values_callable=_values)
    )
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(LOCALE_LEN))

    # what was asked
    command: Mapped[str] = mapped_column(String(COMMAND_LEN))
    input_format: Mapped[str | None] = mapped_column(String(FORMAT_LEN))  # calc.model.Format, or "command"
    input_text: Mapped[str] = mapped_column(Text)  # verbatim, cut to MAX_INPUT_BYTES of UTF-8
    input_bytes: Mapped[int] = mapped_column(Integer)  # the full input's length in UTF-8 bytes
    input_truncated: Mapped[bool] = mapped_column(Boolean)
    input_sha256: Mapped[str] = mapped_column(String(SHA256_LEN))  # of the full input, before any cut
    calc_version: Mapped[str] = mapped_column(String(VERSION_LEN))

    # the answer's headline (what /history shows without loading the Report)
    total_params: Mapped[int | None] = mapped_column(BigInteger)  # None: no total, or beyond 64 bits
    layers_ok: Mapped[int] = mapped_column(Integer)
    layers_inferred: Mapped[int] = mapped_column(Integer)
    layers_mismatch: Mapped[int] = mapped_column(Integer)
    layers_unknown: Mapped[int] = mapped_column(Integer)
    findings: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict[str, Any] | None] = mapped_column(_REPORT)  # the full answer as a JSON document

    # how it went
    duration_ms: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[Outcome] = mapped_column(
        Enum(Outcome, name="outcome", native_enum=False, create_constraint=True, length=16, values_callable=_values)
    )
    error_code: Mapped[str | None] = mapped_column(String(ERROR_CODE_LEN))
    error_text: Mapped[str | None] = mapped_column(Text)
    from_cache: Mapped[bool] = mapped_column(Boolean)

    kinds: Mapped[list[QueryLayerKind]] = relationship(
        back_populates="query", cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )

    __table_args__ = (
        Index(None, "user_id", "created_at"),  # /history, /forget
        Index(None, "guild_id", "created_at"),  # /stats of one server
        Index(None, "created_at"),  # /stats everywhere, the retention purge
        Index(None, "input_sha256", "calc_version"),  # the answer cache
        {"sqlite_autoincrement": True},  # ids are never reused after /forget or a purge
    )


class QueryLayerKind(Base):
    """How many layers of one kind a query involved."""

    __tablename__ = "query_layer_kinds"

    query_id: Mapped[int] = mapped_column(_ID, ForeignKey("queries.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(KIND_LEN), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)

    query: Mapped[Query] = relationship(back_populates="kinds", lazy="raise")
