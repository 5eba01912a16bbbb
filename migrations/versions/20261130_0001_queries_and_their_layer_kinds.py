"""Queries and their layer kinds: the first schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-30 05:11:50.803372

Self-contained: a revision uses only ``sa`` and ``op``, never layerbot's models (which move on).

queries            one row per question and its answer; indexes for /history and /forget (user, time),
                   /stats (guild, time; time), the retention purge (time) and the cache (sha256, version)
query_layer_kinds  layer kinds per query, deleted with their query (ON DELETE CASCADE)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "source",
            sa.Enum("discord", "terminal", name="source", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("command", sa.String(length=32), nullable=False),
        sa.Column("input_format", sa.String(length=32), nullable=True),
        sa.Column("input_text", sa.Text(), nullable=False),
        sa.Column("input_bytes", sa.Integer(), nullable=False),
        sa.Column("input_truncated", sa.Boolean(), nullable=False),
        sa.Column("input_sha256", sa.String(length=64), nullable=False),
        sa.Column("calc_version", sa.String(length=32), nullable=False),
        sa.Column("total_params", sa.BigInteger(), nullable=True),
        sa.Column("layers_ok", sa.Integer(), nullable=False),
        sa.Column("layers_inferred", sa.Integer(), nullable=False),
        sa.Column("layers_mismatch", sa.Integer(), nullable=False),
        sa.Column("layers_unknown", sa.Integer(), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column(
            "report",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "answered",
                "user_error",
                "internal_error",
                name="outcome",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_text", sa.Text(), nullable=True),
        sa.Column("from_cache", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queries")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("queries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_queries_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_queries_guild_id_created_at"), ["guild_id", "created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_queries_input_sha256_calc_version"), ["input_sha256", "calc_version"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_queries_user_id_created_at"), ["user_id", "created_at"], unique=False)

    op.create_table(
        "query_layer_kinds",
        sa.Column("query_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["query_id"], ["queries.id"], name=op.f("fk_query_layer_kinds_query_id_queries"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("query_id", "kind", name=op.f("pk_query_layer_kinds")),
    )


def downgrade() -> None:
    op.drop_table("query_layer_kinds")
    with op.batch_alter_table("queries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_queries_user_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_queries_input_sha256_calc_version"))
        batch_op.drop_index(batch_op.f("ix_queries_guild_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_queries_created_at"))

    op.drop_table("queries")
