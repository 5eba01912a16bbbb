"""The query store: SQLAlchemy 2 models, engines, the :class:`Store` and the schema migrations.

    engine.py      make_engine(url): SQLite (WAL, foreign keys, busy timeout) or PostgreSQL (pool)
    models.py      the tables (Query, QueryLayerKind) and the MetaData naming convention
    records.py     plain dataclasses in and out (QueryRecord, HistoryEntry, StoredQuery, Stats, ...)
    repo.py        Store: record, history, get, forget, stats, cached_report, purge, health;
                   open_store(url): the schema to head, then a Store (what run/chat do)
    migrations.py  upgrade_to_head / downgrade / current / check_not_newer (Alembic, off the event loop)
    errors.py      StoreError and its subclasses
"""

from bot.store.engine import display_url, make_engine, make_sessionmaker, normalize_url
from bot.store.errors import DatabaseNewerError, StoreConfigError, StoreError, StoreUnavailable
from bot.store.models import Outcome, Source
from bot.store.records import (
    Headline,
    HistoryEntry,
    QueryRecord,
    Stats,
    StoredQuery,
    StoreHealth,
    input_digest,
    layer_kinds,
)
from bot.store.repo import MAX_INPUT_BYTES, Store, open_store

__all__ = [
    "MAX_INPUT_BYTES",
    "DatabaseNewerError",
    "Headline",
    "HistoryEntry",
    "Outcome",
    "QueryRecord",
    "Source",
    "Stats",
    "Store",
    "StoreConfigError",
    "StoreError",
    "StoreHealth",
    "StoreUnavailable",
    "StoredQuery",
    "display_url",
    "input_digest",
    "layer_kinds",
    "make_engine",
    "make_sessionmaker",
    "normalize_url",
    "open_store",
]
