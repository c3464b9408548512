"""identity: people's API tokens (digests only) and the access log

Revision ID: 0004_identity
Revises: 0002_work_items
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_identity"
down_revision = "0003_flow"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("branch", sa.String(64)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("expires_at", TS),
        sa.Column("revoked_at", TS),
        sa.Column("revoked_by", sa.String(128)),
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("token_id", sa.String(40), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("branch", sa.String(64)),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("document_id", sa.String(64)),
        sa.Column("target", sa.String(512)),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
    )
    op.create_index("ix_access_document", "access_log", ["document_id", "at"])
    op.create_index("ix_access_actor", "access_log", ["actor", "at"])


def downgrade() -> None:
    op.drop_index("ix_access_actor", table_name="access_log")
    op.drop_index("ix_access_document", table_name="access_log")
    op.drop_table("access_log")
    op.drop_table("api_tokens")
