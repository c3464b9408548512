"""SQLAlchemy 2.0 models of the archive database.

The schema itself is created and upgraded by Alembic (``storage/migrations``, applied by
``storage.db.init_db``); these classes must stay in step with the migrations. The search tables
(``search_docs`` and its dialect-specific index) are defined in the migration and reached with
plain SQL from ``storage.search``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

JsonType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


TZDateTime = UTCDateTime()


class Base(DeclarativeBase):
    pass


# The kinds of timeline events. Stage events happen once per document (and content version);
# review events once per field and decision.
EVENT_KINDS = (
    "received",
    "ocr_done",
    "classified",
    "extracted",
    "signed",
    "archived",
    "review_accepted",
    "review_corrected",
    "review_reopened",
    "duplicate_received",
    "reprocessed",
    "dossier_refused",
    "split",
    "failed",
)


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    branch: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime)
    # archive: its documents are archived; extract: only the contract JSON (POST /extract)
    kind: Mapped[str] = mapped_column(String(16), default="archive")
    actor: Mapped[str | None] = mapped_column(String(128))  # who submitted it
    dossier_code: Mapped[str | None] = mapped_column(String(128))


class Dossier(Base):
    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(128), unique=True)
    branch: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime)

    documents: Mapped[list[Document]] = relationship(back_populates="dossier")


class Original(Base):
    """A received file, stored once per content (SHA-256)."""

    __tablename__ = "originals"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(512))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(128))
    first_seen_at: Mapped[datetime] = mapped_column(TZDateTime)

    receipts: Mapped[list[Receipt]] = relationship(back_populates="original")


class Receipt(Base):
    """One arrival of an original (the same file may arrive for several documents/batches)."""

    __tablename__ = "receipts"
    __table_args__ = (UniqueConstraint("original_sha256", "document_id", name="uq_receipt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    original_sha256: Mapped[str] = mapped_column(ForeignKey("originals.sha256"))
    document_id: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(512))
    branch: Mapped[str | None] = mapped_column(String(64))
    batch_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(TZDateTime)

    original: Mapped[Original] = relationship(back_populates="receipts")


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_type", "document_type"),
        Index("ix_documents_branch", "branch"),
        Index("ix_documents_dossier", "dossier_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # DocumentResult.document_id
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("batches.id"))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    branch: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(512))
    document_type: Mapped[str | None] = mapped_column(String(64))
    type_confidence: Mapped[float | None] = mapped_column(Float)
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(32), default="archived")
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    original_sha256: Mapped[str | None] = mapped_column(String(64))
    content_sha256: Mapped[str | None] = mapped_column(String(64))  # unsigned PDF/A
    archive_key: Mapped[str | None] = mapped_column(String(512))
    archive_sha256: Mapped[str | None] = mapped_column(String(64))  # signed PDF as stored
    archive_size: Mapped[int | None] = mapped_column(Integer)
    archive_version_id: Mapped[str | None] = mapped_column(String(128))
    sidecar_key: Mapped[str | None] = mapped_column(String(512))
    signer: Mapped[str | None] = mapped_column(String(512))
    error: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(TZDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # A document found in a scanned stack: the stack's document id and its pages there.
    stack_id: Mapped[str | None] = mapped_column(String(64))
    stack_pages: Mapped[list[int] | None] = mapped_column(JsonType)

    dossier: Mapped[Dossier | None] = relationship(back_populates="documents")
    pages: Mapped[list[Page]] = relationship(
        back_populates="document", order_by="Page.number", cascade="all, delete-orphan"
    )
    fields: Mapped[list[FieldRow]] = relationship(
        back_populates="document", order_by="FieldRow.id", cascade="all, delete-orphan"
    )


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_page"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    mean_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    skew: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[dict[str, Any] | None] = mapped_column(JsonType)

    document: Mapped[Document] = relationship(back_populates="pages")


class FieldRow(Base):
    """One extracted field and its review state."""

    __tablename__ = "fields"
    __table_args__ = (
        UniqueConstraint("document_id", "field_id", name="uq_field"),
        Index("ix_fields_review", "needs_review", "review_state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    field_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[Any] = mapped_column(JsonType, nullable=True)
    raw: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    page: Mapped[int | None] = mapped_column(Integer)
    bbox: Mapped[list[int] | None] = mapped_column(JsonType)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # pending (needs review, not yet seen), auto (no review needed), accepted, corrected
    review_state: Mapped[str] = mapped_column(String(16), default="auto")
    corrected_value: Mapped[Any] = mapped_column(JsonType, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(128))
    reviewed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # Raised by every decision; a decision names the version it was made on (stale: 409).
    version: Mapped[int] = mapped_column(Integer, default=1)
    review_box: Mapped[list[int] | None] = mapped_column(JsonType)  # page, x0, y0, x1, y1

    document: Mapped[Document] = relationship(back_populates="fields")

    @property
    def effective_value(self) -> Any:
        return self.corrected_value if self.review_state == "corrected" else self.value


class Event(Base):
    """The audit timeline. ``idem_key`` is unique: replaying a stage adds no second row."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_document", "document_id", "at"),
        Index("ix_events_dossier", "dossier_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idem_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[str | None] = mapped_column(String(64))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    at: Mapped[datetime] = mapped_column(TZDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    branch: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


class WorkItem(Base):
    """One document of a submitted batch on its way through the workers (``workers/``).

    The durable state ``sohoa status`` reports: queued, running, finishing, done, needs_review,
    failed (with ``reason``). ``finish_claim`` holds the id of the page message that won the
    right to send the document's one ``finish`` message.
    """

    __tablename__ = "work_items"
    __table_args__ = (
        UniqueConstraint("batch_id", "document_id", name="uq_work_item"),
        Index("ix_work_items_batch", "batch_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str] = mapped_column(String(512))
    branch: Mapped[str | None] = mapped_column(String(64))
    dossier_code: Mapped[str | None] = mapped_column(String(128))
    sha256: Mapped[str] = mapped_column(String(64))
    source_key: Mapped[str] = mapped_column(String(512))  # the uploaded original (work store)
    source_mtime: Mapped[float] = mapped_column(Float, default=0.0)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    reason: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    pages_total: Mapped[int | None] = mapped_column(Integer)
    finish_claim: Mapped[str | None] = mapped_column(String(64))
    archive_key: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(TZDateTime)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime)
    actor: Mapped[str | None] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # runs that crashed
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonType)  # extract: the contract JSON
