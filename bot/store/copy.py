"""Copying the stored queries from one database into another — ``layerbot db copy --to URL`` — for instance
from the SQLite file into PostgreSQL when moving to several bot processes (README: "From SQLite to PostgreSQL").

    result = await copy_queries(source_url, target_url)   # CopyResult(queries=..., layer_kinds=...)

Both databases are first brought to the newest schema (as ``layerbot run`` would).  The target must hold no
stored query: a copy into a store in use would mix two histories and clash on ids, so it is refused
(:class:`TargetNotEmpty`).  Every column is copied as it is, ids included (so the layer kinds keep pointing at
their query), in batches of :data:`BATCH` rows, inside one transaction on the target: all or nothing.  On
PostgreSQL the id sequence is then moved past the copied ids, so the next answer recorded gets a new one.
Stop the bots writing to the source first, or what they record meanwhile is left behind.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, func, insert, select, text

from bot.store.engine import display_url, make_engine, normalize_url
from bot.store.errors import StoreConfigError
from bot.store.migrations import upgrade_to_head
from bot.store.models import Base, Query, QueryLayerKind

__all__ = ["BATCH", "CopyResult", "TargetNotEmpty", "copy_queries"]

BATCH = 1_000
"""Rows read and written at a time."""


TABLES: tuple[Table, ...] = tuple(Base.metadata.tables[t] for t in (Query.__tablename__, QueryLayerKind.__tablename__))
"""What is copied, parents first (the layer kinds refer to their query)."""


class TargetNotEmpty(Exception):
    """The target database already holds stored queries."""


@dataclass(frozen=True, slots=True)
class CopyResult:
    queries: int
    layer_kinds: int


async def copy_queries(source: str, target: str, *, batch: int = BATCH) -> CopyResult:
    """Copy every stored query (and its layer kinds) from ``source`` into the empty store at ``target``."""
    if normalize_url(source) == normalize_url(target):
        raise StoreConfigError(f"the source and the target are the same database ({display_url(source)})")
    await upgrade_to_head(source)
    await upgrade_to_head(target)
    reader, writer = make_engine(source), make_engine(target)
    counts: list[int] = []
    try:
        async with writer.begin() as out:
            present = (await out.execute(select(func.count()).select_from(Query))).scalar_one()
            if present:
                raise TargetNotEmpty(
                    f"{display_url(target)} already holds {present} stored queries; copy into an empty database"
                )
            async with reader.connect() as into:
                for table in TABLES:
                    rows = await into.stream(select(table).order_by(*table.primary_key.columns))
                    copied = 0
                    async for chunk in rows.partitions(batch):
                        await out.execute(insert(table), [dict(row._mapping) for row in chunk])
                        copied += len(chunk)
                    counts.append(copied)
            if writer.dialect.name == "postgresql":
                await out.execute(text(
                    "SELECT setval(pg_get_serial_sequence('queries', 'id'),"
                    " COALESCE((SELECT max(id) FROM queries), 0) + 1, false)"
                ))
    finally:
        await reader.dispose()
        await writer.dispose()
    return CopyResult(queries=counts[0], layer_kinds=counts[1])
