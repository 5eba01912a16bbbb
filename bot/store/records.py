"""What goes into the store and what comes out: plain frozen dataclasses, no SQLAlchemy objects.

A front end builds a :class:`QueryRecord` (with :meth:`Headline.of` and :func:`layer_kinds` reading
calc's result) and hands it to :meth:`Store.record <bot.store.repo.Store.record>`; reads return
:class:`HistoryEntry`, :class:`StoredQuery` and :class:`Stats`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.store.models import Outcome, Source
from calc.commands import CommandResult
from calc.report import Report, Status

__all__ = [
    "Headline",
    "HistoryEntry",
    "QueryRecord",
    "Stats",
    "StoreHealth",
    "StoredQuery",
    "input_digest",
    "layer_kinds",
]


def input_digest(text: str) -> str:
    """The cache key of an input: SHA-256 of its exact UTF-8 bytes, as 64 hex digits.

    The text is hashed before anything is cut or replaced for storage, so two pastes share a key only
    when they are identical.  (Lone surrogates, which UTF-8 cannot encode, are hashed as written.)
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Headline:
    """The answer in one line: what /history shows without loading the whole Report."""

    total_params: int | None = None
    ok: int = 0
    inferred: int = 0
    mismatch: int = 0
    unknown: int = 0
    findings: int = 0

    @classmethod
    def of(cls, answer: Report | CommandResult) -> Headline:
        if isinstance(answer, Report):
            statuses = Counter(layer.status for layer in answer.leaves)
            return cls(
                total_params=answer.total_params,
                ok=statuses[Status.OK],
                inferred=statuses[Status.INFERRED],
                mismatch=statuses[Status.MISMATCH],
                unknown=statuses[Status.UNKNOWN],
                findings=len(answer.findings),
            )
        # A command's layers are derived from a full configuration: each one is "ok".
        total = answer.cost.params if answer.cost is not None else None
        if total is None and answer.layers:
            total = sum(layer.params for layer in answer.layers)
        return cls(total_params=total, ok=len(answer.layers), findings=len(answer.findings))


def layer_kinds(answer: Report | CommandResult) -> dict[str, int]:
    """How many layers of each kind the answer involved (containers not counted), for /stats."""
    if isinstance(answer, Report):
        kinds = Counter(layer.calc.kind if layer.calc is not None else layer.type for layer in answer.leaves)
    else:
        kinds = Counter(layer.kind for layer in answer.layers)
    return dict(kinds)


@dataclass(frozen=True, slots=True)
class QueryRecord:
    """One question and what happened to it, as a front end reports it.

    ``input_text`` is the whole input; the store keeps its first 64 KiB verbatim and hashes all of it.
    ``report`` is the answer as a JSON-able document (``bot.render.json``); None when there is none.
    """

    source: Source
    command: str
    input_text: str
    calc_version: str
    outcome: Outcome = Outcome.ANSWERED
    guild_id: int | None = None
    channel_id: int | None = None
    user_id: int | None = None
    locale: str = "en"
    input_format: str | None = None
    headline: Headline = field(default_factory=Headline)
    layer_kinds: Mapping[str, int] = field(default_factory=dict)
    report: Mapping[str, Any] | None = None
    duration_ms: int = 0
    error_code: str | None = None
    error_text: str | None = None
    from_cache: bool = False
    created_at: datetime | None = None  # None: now
    input_sha256: str | None = None  # None: computed from input_text


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of /history."""

    id: int
    created_at: datetime
    source: Source
    command: str
    input_format: str | None
    input_preview: str  # the first characters of the input
    outcome: Outcome
    headline: Headline


@dataclass(frozen=True, slots=True)
class StoredQuery:
    """One stored query, whole."""

    id: int
    created_at: datetime
    source: Source
    guild_id: int | None
    channel_id: int | None
    user_id: int | None
    locale: str
    command: str
    input_format: str | None
    input_text: str
    input_bytes: int
    input_truncated: bool
    input_sha256: str
    calc_version: str
    headline: Headline
    layer_kinds: Mapping[str, int]
    report: Mapping[str, Any] | None
    duration_ms: int
    outcome: Outcome
    error_code: str | None
    error_text: str | None
    from_cache: bool


@dataclass(frozen=True, slots=True)
class Stats:
    """Aggregates over a period (never anything about one user): for /stats."""

    since: date  # first day counted (UTC)
    days: int
    queries: int
    users: int  # distinct users who asked
    per_day: tuple[tuple[date, int], ...]  # every day of the period, oldest first, zeros included
    top_kinds: tuple[tuple[str, int], ...]  # layer kind, number of queries that involved it
    top_commands: tuple[tuple[str, int], ...]  # command, number of queries
    outcomes: Mapping[Outcome, int]


@dataclass(frozen=True, slots=True)
class StoreHealth:
    """Whether the last store operation worked; during an outage, since when and why."""

    ok: bool = True
    last_error: str | None = None  # one line, no SQL, no user data
    down_since: datetime | None = None
    failures: int = 0  # failed operations since the outage began
