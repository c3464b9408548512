"""one flow, one record of truth: batch kind and actor, work-item results and attempts, field
versions and review boxes, stack parts

Revision ID: 0003_flow
Revises: 0002_work_items
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_flow"
down_revision = "0002_work_items"
branch_labels = None
depends_on = None


def _json():
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("batches") as t:
        # archive: documents are archived; extract: the contract JSON only (POST /extract)
        t.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="archive"))
        t.add_column(sa.Column("actor", sa.String(128)))
        t.add_column(sa.Column("dossier_code", sa.String(128)))
    with op.batch_alter_table("work_items") as t:
        t.add_column(sa.Column("actor", sa.String(128)))
        t.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        t.add_column(sa.Column("result", _json()))
    with op.batch_alter_table("fields") as t:
        t.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
        t.add_column(sa.Column("review_box", _json()))
    with op.batch_alter_table("documents") as t:
        t.add_column(sa.Column("stack_id", sa.String(64)))
        t.add_column(sa.Column("stack_pages", _json()))
    op.create_index("ix_documents_stack", "documents", ["stack_id"])
    op.create_index("ix_work_items_state", "work_items", ["state", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_work_items_state", table_name="work_items")
    op.drop_index("ix_documents_stack", table_name="documents")
    with op.batch_alter_table("documents") as t:
        t.drop_column("stack_pages")
        t.drop_column("stack_id")
    with op.batch_alter_table("fields") as t:
        t.drop_column("review_box")
        t.drop_column("version")
    with op.batch_alter_table("work_items") as t:
        t.drop_column("result")
        t.drop_column("attempts")
        t.drop_column("actor")
    with op.batch_alter_table("batches") as t:
        t.drop_column("dossier_code")
        t.drop_column("actor")
        t.drop_column("kind")
