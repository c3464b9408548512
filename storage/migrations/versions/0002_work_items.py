"""work_items: per-document state of batches processed by the distributed workers

Revision ID: 0002_work_items
Revises: 0001_initial
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_work_items"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "work_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("document_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("file_name", sa.String(512), nullable=False),
        sa.Column("branch", sa.String(64)),
        sa.Column("dossier_code", sa.String(128)),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source_key", sa.String(512), nullable=False),
        sa.Column("source_mtime", sa.Float, nullable=False, server_default="0"),
        sa.Column("state", sa.String(16), nullable=False, server_default="queued"),
        sa.Column("reason", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
        sa.Column("pages_total", sa.Integer),
        sa.Column("finish_claim", sa.String(64)),
        sa.Column("archive_key", sa.String(512)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("batch_id", "document_id", name="uq_work_item"),
    )
    op.create_index("ix_work_items_batch", "work_items", ["batch_id", "position"])


def downgrade() -> None:
    op.drop_index("ix_work_items_batch", table_name="work_items")
    op.drop_table("work_items")
