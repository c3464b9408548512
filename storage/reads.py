"""Read queries of the archive: a document's record (fields, review, receipts, timeline), a
dossier with its documents, row counts. The API and the CLI read only through these."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.model import SohoaError
from storage.db import Database
from storage.models import (
    Batch,
    Document,
    Dossier,
    Event,
    FieldRow,
    Original,
    Page,
    Receipt,
)


class DocumentNotFound(SohoaError):
    code = "not_found"


def _document(s: Session, document_id: str) -> Document:
    doc = s.get(Document, document_id)
    if doc is None:
        raise DocumentNotFound(f"no document {document_id!r} in the archive")
    return doc


def document_row(db: Database, document_id: str) -> Document:
    """The document's row (detached), or DocumentNotFound."""
    return db.run(lambda s: _document(s, document_id), "document")


def archived(db: Database, document_ids: list[str]) -> set[str]:
    """Which of these documents are archived already (a document, or a stack as received)."""
    if not document_ids:
        return set()

    def run(s: Session) -> set[str]:
        rows = s.scalars(select(Document.id).where(
            Document.id.in_(document_ids),
            (Document.archive_key.is_not(None)) | (Document.status == "stack"))).all()
        return set(rows)

    return db.run(run, "archived")


def _event(e: Event) -> dict[str, Any]:
    return {"at": e.at.isoformat(), "kind": e.kind, "actor": e.actor, "branch": e.branch,
            "details": e.details}


def show(db: Database, document_id: str) -> dict[str, Any]:
    def run(s: Session) -> dict[str, Any]:
        doc = _document(s, document_id)
        events = s.scalars(select(Event).where(Event.document_id == document_id)
                           .order_by(Event.at, Event.id)).all()
        receipts = s.scalars(select(Receipt).where(Receipt.document_id == document_id)
                             .order_by(Receipt.id)).all()
        return {
            "document_id": doc.id,
            "document_type": doc.document_type,
            "type_confidence": doc.type_confidence,
            "status": doc.status,
            "ok": doc.ok,
            "branch": doc.branch,
            "batch_id": doc.batch_id,
            "dossier_code": doc.dossier.code if doc.dossier else None,
            "file": doc.file_name,
            "page_count": doc.page_count,
            "original": {"sha256": doc.original_sha256},
            "stack": {"document_id": doc.stack_id, "pages": doc.stack_pages}
            if doc.stack_id else None,
            "receipts": [{"file_name": r.file_name, "branch": r.branch,
                          "batch_id": r.batch_id, "received_at": r.received_at.isoformat(),
                          "original_key": r.original.key} for r in receipts],
            "duplicates": [{"at": e.at.isoformat(), "actor": e.actor, "branch": e.branch,
                            "batch_id": e.details.get("batch_id"),
                            "file": e.details.get("file")}
                           for e in events if e.kind == "duplicate_received"],
            "archive": {
                "key": doc.archive_key,
                "sha256": doc.archive_sha256,
                "content_sha256": doc.content_sha256,
                "size": doc.archive_size,
                "version_id": doc.archive_version_id,
                "sidecar_key": doc.sidecar_key,
                "signer": doc.signer,
                "archived_at": doc.archived_at.isoformat() if doc.archived_at else None,
            },
            "error": doc.error,
            "review": {
                "pending": sum(1 for f in doc.fields if f.review_state == "pending"),
                "reviewed": sum(1 for f in doc.fields
                                if f.review_state in ("accepted", "corrected")),
            },
            "fields": [{
                "id": f.field_id,
                "field_id": f.id,
                "kind": f.kind,
                "value": f.value,
                "effective_value": f.effective_value,
                "confidence": f.confidence,
                "page": f.page,
                "bbox": f.bbox,
                "needs_review": f.needs_review,
                "reasons": f.reasons,
                "review_state": f.review_state,
                "version": f.version,
                "review_box": f.review_box,
                "corrected_value": f.corrected_value,
                "reviewed_by": f.reviewed_by,
                "reviewed_at": f.reviewed_at.isoformat() if f.reviewed_at else None,
            } for f in doc.fields],
            "pages": [{"page": p.number, "status": p.status,
                       "mean_confidence": round(p.mean_confidence, 2), "chars": len(p.text)}
                      for p in doc.pages],
            "timeline": [_event(e) for e in events],
        }

    return db.run(run, "show")


def dossier(db: Database, code: str) -> dict[str, Any]:
    """A dossier's documents (oldest first, a stack's in page order) and its timeline."""

    def run(s: Session):
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        if d is None:
            raise DocumentNotFound(f"no dossier {code!r}")
        docs = s.scalars(select(Document).where(Document.dossier_id == d.id)
                         .order_by(Document.created_at, Document.id)).all()
        docs = sorted(docs, key=lambda x: (x.stack_id or x.id, (x.stack_pages or [0])[0]))
        events = s.scalars(select(Event).where(Event.dossier_id == d.id)
                           .order_by(Event.at, Event.id)).all()
        return {"dossier_code": d.code, "branch": d.branch,
                "created_at": d.created_at.isoformat() if d.created_at else None,
                "documents": [{"document_id": x.id, "document_type": x.document_type,
                               "file": x.file_name, "status": x.status,
                               "pages": x.page_count,
                               "stack": {"document_id": x.stack_id, "pages": x.stack_pages}
                               if x.stack_id else None,
                               "pending_review": sum(1 for f in x.fields
                                                     if f.review_state == "pending"),
                               "document_url": f"/documents/{x.id}",
                               "pdf_url": f"/documents/{x.id}/pdf"} for x in docs],
                "timeline": [_event(e) | {"document_id": e.document_id} for e in events]}

    return db.run(run, "dossier")


def page_sizes(db: Database, document_id: str) -> dict[int, tuple[int, int]]:
    """{page number: (width, height) of the OCR image}: the pixels field boxes are in."""
    rows = db.run(lambda s: s.execute(select(Page.number, Page.width, Page.height)
                                      .where(Page.document_id == document_id)).all(),
                  "page sizes")
    return {n: (w, h) for n, w, h in rows if w and h}


STAGES = ("received", "digitised", "review", "done")


def dossier_stages(db: Database, code: str) -> dict[str, Any] | None:
    """The stage a dossier is in and when each stage was reached, for the public status page:
    nothing personal (no names, numbers, documents or fields), only counts and times."""

    def run(s: Session):
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        if d is None:
            return None
        docs = s.execute(select(Document.id, Document.created_at, Document.archived_at)
                         .where(Document.dossier_id == d.id)).all()
        ids = [x.id for x in docs]
        pending = needed = 0
        if ids:
            pending = s.scalar(select(func.count()).select_from(FieldRow).where(
                FieldRow.document_id.in_(ids), FieldRow.review_state == "pending"))
            needed = s.scalar(select(func.count()).select_from(FieldRow).where(
                FieldRow.document_id.in_(ids), FieldRow.needs_review.is_(True)))
        reviewed = s.scalar(select(func.max(Event.at)).where(
            Event.dossier_id == d.id, Event.kind.in_(("review_accepted", "review_corrected"))))
        return d.code, d.created_at, docs, pending, needed, reviewed

    got = db.run(run, "dossier stages")
    if got is None:
        return None
    code, created_at, docs, pending, needed, reviewed = got
    archived = [x.archived_at for x in docs if x.archived_at]
    all_archived = bool(docs) and len(archived) == len(docs)
    received_at = min([x.created_at for x in docs if x.created_at] or [created_at])
    digitised_at = max(archived) if all_archived else None
    done_at = None
    if all_archived and not pending:
        done_at = max(digitised_at, reviewed) if reviewed else digitised_at
    dates = {"received": received_at, "digitised": digitised_at,
             "review": digitised_at if all_archived and needed else None, "done": done_at}
    if done_at:
        stage = "done"
    elif all_archived:
        stage = "review" if pending else "digitised"
    else:
        stage = "received"
    return {"code": code, "stage": stage, "documents": len(docs), "pending_fields": pending,
            "dates": {k: (v.isoformat() if v else None) for k, v in dates.items()}}


def counts(db: Database) -> dict[str, int]:
    """Row counts per table (tests and diagnostics)."""

    def run(s: Session) -> dict[str, int]:
        out = {}
        for name, model in (("documents", Document), ("pages", Page), ("fields", FieldRow),
                            ("events", Event), ("originals", Original), ("receipts", Receipt),
                            ("dossiers", Dossier), ("batches", Batch)):
            out[name] = s.scalar(select(func.count()).select_from(model)) or 0
        return out

    return db.run(run, "counts")
