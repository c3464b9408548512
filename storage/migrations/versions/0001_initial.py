"""initial schema: batches, dossiers, originals, receipts, documents, pages, fields, events,
search index (SQLite FTS5 or PostgreSQL tsvector + GIN)

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def _json():
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "batches",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("branch", sa.String(64)),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(128), nullable=False, unique=True),
        sa.Column("branch", sa.String(64)),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "originals",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content_type", sa.String(128), nullable=False),
        sa.Column("first_seen_at", TS, nullable=False),
    )
    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "original_sha256", sa.String(64), sa.ForeignKey("originals.sha256"), nullable=False
        ),
        sa.Column("document_id", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(512)),
        sa.Column("branch", sa.String(64)),
        sa.Column("batch_id", sa.String(64)),
        sa.Column("received_at", TS, nullable=False),
        sa.UniqueConstraint("original_sha256", "document_id", name="uq_receipt"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.id")),
        sa.Column("dossier_id", sa.Integer, sa.ForeignKey("dossiers.id")),
        sa.Column("branch", sa.String(64)),
        sa.Column("file_name", sa.String(512)),
        sa.Column("document_type", sa.String(64)),
        sa.Column("type_confidence", sa.Float),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("page_count", sa.Integer, nullable=False),
        sa.Column("original_sha256", sa.String(64)),
        sa.Column("content_sha256", sa.String(64)),
        sa.Column("archive_key", sa.String(512)),
        sa.Column("archive_sha256", sa.String(64)),
        sa.Column("archive_size", sa.Integer),
        sa.Column("archive_version_id", sa.String(128)),
        sa.Column("sidecar_key", sa.String(512)),
        sa.Column("signer", sa.String(512)),
        sa.Column("error", _json()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("archived_at", TS),
    )
    op.create_index("ix_documents_type", "documents", ["document_type"])
    op.create_index("ix_documents_branch", "documents", ["branch"])
    op.create_index("ix_documents_dossier", "documents", ["dossier_id"])
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "document_id",
            sa.String(64),
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("mean_confidence", sa.Float, nullable=False),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("rotation", sa.Integer, nullable=False),
        sa.Column("skew", sa.Float, nullable=False),
        sa.Column("error", _json()),
        sa.UniqueConstraint("document_id", "number", name="uq_page"),
    )
    op.create_table(
        "fields",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "document_id",
            sa.String(64),
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("field_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", _json()),
        sa.Column("raw", sa.Text),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("page", sa.Integer),
        sa.Column("bbox", _json()),
        sa.Column("needs_review", sa.Boolean, nullable=False),
        sa.Column("reasons", _json(), nullable=False),
        sa.Column("review_state", sa.String(16), nullable=False),
        sa.Column("corrected_value", _json()),
        sa.Column("reviewed_by", sa.String(128)),
        sa.Column("reviewed_at", TS),
        sa.UniqueConstraint("document_id", "field_id", name="uq_field"),
    )
    op.create_index("ix_fields_review", "fields", ["needs_review", "review_state"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("idem_key", sa.String(255), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("document_id", sa.String(64)),
        sa.Column("dossier_id", sa.Integer, sa.ForeignKey("dossiers.id")),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("branch", sa.String(64)),
        sa.Column("details", _json(), nullable=False),
    )
    op.create_index("ix_events_document", "events", ["document_id", "at"])
    op.create_index("ix_events_dossier", "events", ["dossier_id", "at"])

    # Search: one row per document with the original text (for snippets) and the filters.
    cols = [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.String(64), nullable=False, unique=True),
        sa.Column("document_type", sa.String(64)),
        sa.Column("branch", sa.String(64)),
        sa.Column("dossier_code", sa.String(128)),
        sa.Column("doc_date", sa.String(10)),  # YYYY-MM-DD, compared as text in both databases
        sa.Column("archive_key", sa.String(512)),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("fields_text", sa.Text, nullable=False),
        sa.Column("body_text", sa.Text, nullable=False),
    ]
    if dialect == "postgresql":
        cols += [
            sa.Column("tsv_folded", postgresql.TSVECTOR, nullable=False),
            sa.Column("tsv_exact", postgresql.TSVECTOR, nullable=False),
            sa.Column("tsv_fields", postgresql.TSVECTOR, nullable=False),
        ]
    op.create_table("search_docs", *cols)
    op.create_index("ix_search_type", "search_docs", ["document_type"])
    op.create_index("ix_search_branch", "search_docs", ["branch"])
    op.create_index("ix_search_dossier", "search_docs", ["dossier_code"])
    op.create_index("ix_search_date", "search_docs", ["doc_date"])
    op.create_index("ix_search_order", "search_docs", ["doc_date", "document_id"])
    if dialect == "postgresql":
        for col in ("tsv_folded", "tsv_exact", "tsv_fields"):
            op.create_index(f"ix_search_{col}", "search_docs", [col], postgresql_using="gin")
    elif dialect == "sqlite":
        # Contentless FTS5 over text the application has already tokenized and folded; the 'ascii'
        # tokenizer splits only on ASCII separators, so the tokens are exactly ours
        # (storage.search); rowid = search_docs.id.
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "fields_f, body_f, fields_e, body_e, fields_t, content='', "
            "tokenize='ascii', prefix='2 3 4')"
        )
    else:
        raise RuntimeError(f"unsupported database dialect for search: {dialect}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_docs")
    op.drop_table("events")
    op.drop_table("fields")
    op.drop_table("pages")
    op.drop_table("documents")
    op.drop_table("receipts")
    op.drop_table("originals")
    op.drop_table("dossiers")
    op.drop_table("batches")
