"""The archive's database records of a document: its row, pages, fields, receipts, dossier
membership, timeline events and search entry, written in one transaction.

One record of truth per document: once a document is archived, receiving its original again
never changes it (``record_duplicate`` adds a ``duplicate_received`` event and nothing else);
only an explicit reprocess (``reprocess=True``) replaces its reading, and then every earlier
value and decision is kept in a ``reprocessed`` event and QA's decisions carry over.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.model import DocumentResult, Field
from storage.db import Database
from storage.models import Batch, Document, Dossier, FieldRow, Original, Page, Receipt
from storage.search import SearchDoc

VIETNAM = timezone(timedelta(hours=7))  # the Center's local date (no DST)


@dataclass(frozen=True)
class StoredOriginal:
    sha256: str
    key: str
    size: int
    content_type: str
    file_name: str


@dataclass(frozen=True)
class StoredPdf:
    """The signed PDF/A as stored (all None for a document that failed)."""

    key: str | None = None
    sha256: str | None = None
    size: int | None = None
    version_id: str | None = None
    content_sha256: str | None = None  # the unsigned PDF/A
    signer: str | None = None


@dataclass(frozen=True)
class Receiving:
    """Who handed the document in, from where, when; and whether this is a reprocess."""

    branch: str | None
    batch_id: str | None
    actor: str
    at: datetime
    reprocess: bool = False
    stack_id: str | None = None  # a document found in a scanned stack: the stack's id ...
    stack_pages: tuple[int, ...] | None = None  # ... and its pages there


def valid_dossier_code(code: str) -> bool:
    from extractors.normalize import norm_dossier_code

    normal, reasons = norm_dossier_code(code)
    return not reasons and normal == code.strip().upper()


def _dossier(s: Session, db: Database, code: str | None, branch: str | None,
             now: datetime) -> tuple[int | None, str | None]:
    """The dossier a code attaches the document to, or (None, reason) when it may not: the
    code is not of the dossier-code format, or the dossier belongs to another branch."""
    if not code:
        return None, None
    if not valid_dossier_code(code):
        return None, "dossier_code_format"
    existing = s.scalar(select(Dossier).where(Dossier.code == code))
    if existing is not None and existing.branch and branch and existing.branch != branch:
        return None, "dossier_other_branch"
    if existing is None:
        db.insert_ignore(s, Dossier.__table__, {"code": code, "branch": branch,
                                                "created_at": now}, ["code"])
    return s.scalar(select(Dossier.id).where(Dossier.code == code)), None


def _review_dossier(fields: dict[str, Field], code: str, reason: str) -> dict[str, Field]:
    """A refused dossier code goes to QA as the document's pending ``dossier_code`` field."""
    f = fields.get("dossier_code") or Field("dossier_code", "dossier_code", code, code, 0.0,
                                            None, None, True, [])
    return {**fields, "dossier_code": dataclasses.replace(
        f, needs_review=True, reasons=[*f.reasons, reason])}


def record_duplicate(db: Database, document_id: str, *, file_name: str, r: Receiving) -> bool:
    """The original of an archived document came in again: a ``duplicate_received`` event
    (who, branch, batch, time, file) and nothing else. False for a replay of the same one."""

    def run(s: Session) -> bool:
        doc = s.get(Document, document_id)
        key = f"{document_id}:duplicate:{r.batch_id or r.at.isoformat()}:{r.branch}"
        return db.add_event(s, kind="duplicate_received", idem_key=key,
                            document_id=document_id,
                            dossier_id=doc.dossier_id if doc else None, actor=r.actor,
                            branch=r.branch, at=r.at,
                            details={"batch_id": r.batch_id, "branch": r.branch,
                                     "file": file_name})

    return db.run(run, "duplicate receipt")


def _receipt(s: Session, db: Database, doc_id: str, file_name: str | None,
             original: StoredOriginal, r: Receiving) -> bool:
    """The original (once per content), its receipt for this document, the batch; whether
    the receipt is new."""
    db.insert_ignore(s, Original.__table__, {
        "sha256": original.sha256, "key": original.key, "size": original.size,
        "content_type": original.content_type, "first_seen_at": r.at}, ["sha256"])
    new = bool(db.insert_ignore(s, Receipt.__table__, {
        "original_sha256": original.sha256, "document_id": doc_id, "file_name": file_name,
        "branch": r.branch, "batch_id": r.batch_id, "received_at": r.at},
        ["original_sha256", "document_id"]))
    if r.batch_id:
        db.insert_ignore(s, Batch.__table__, {"id": r.batch_id, "branch": r.branch,
                                              "created_at": r.at, "actor": r.actor}, ["id"])
    return new


def record_document(db: Database, index, result: DocumentResult, original: StoredOriginal,
                    pdf: StoredPdf, sidecar: str, r: Receiving) -> tuple[Document, bool, bool]:
    """Write the document's records; returns (its row, whether a receipt is new, whether the
    record changed)."""

    def run(s: Session):
        now = r.at
        doc_id = result.document_id
        new_receipt = _receipt(s, db, doc_id, result.file or original.file_name, original, r)
        doc = s.get(Document, doc_id)
        fields = result.fields
        history = None
        if doc is not None and doc.archive_key and r.reprocess:
            history = _snapshot(doc)
            dossier_id, refusal = doc.dossier_id, None  # branch, batch, dossier stay
        else:
            dossier_id, refusal = _dossier(s, db, result.dossier_code, r.branch, now)
            if refusal:
                fields = _review_dossier(fields, result.dossier_code, refusal)
        changed = doc is None or doc.archive_key is None or (
            r.reprocess and doc.content_sha256 != pdf.content_sha256)
        if doc is None:
            doc = Document(id=doc_id, created_at=now)
            s.add(doc)
        if changed:
            if history is None:  # first archiving (or a failed one again): the receipt's
                doc.batch_id, doc.branch, doc.dossier_id = r.batch_id, r.branch, dossier_id
                doc.file_name = result.file
                doc.stack_id = r.stack_id
                doc.stack_pages = list(r.stack_pages) if r.stack_pages else None
            cls = result.classification
            doc.document_type = cls.document_type if cls else None
            doc.type_confidence = cls.confidence if cls else None
            doc.ok = result.ok
            doc.status = "archived" if pdf.key else "failed"
            doc.page_count = len(result.pages)
            doc.original_sha256 = original.sha256
            doc.content_sha256 = pdf.content_sha256
            doc.archive_key, doc.archive_sha256 = pdf.key, pdf.sha256
            doc.archive_size, doc.archive_version_id = pdf.size, pdf.version_id
            doc.sidecar_key, doc.signer = sidecar, pdf.signer
            doc.error = result.error
            doc.archived_at = now if pdf.key else None
            s.flush()
            _write_pages_and_fields(s, doc, result, fields, history)
        _events(s, db, doc, result, original, pdf, sidecar, r, refusal, history)
        if pdf.key:
            index.index(search_doc(s, doc), s.connection())
        s.flush()
        return doc, new_receipt, changed

    return db.run(run, "archive_document")


def record_stack(db: Database, result: DocumentResult, original: StoredOriginal,
                 parts: list[tuple[str, list[int], str | None]],
                 r: Receiving) -> tuple[Document, bool]:
    """The stack as received: its original, its receipt, and the documents found in it (each
    archived on its own); no PDF/A, fields or search entry of its own."""

    def run(s: Session):
        new_receipt = _receipt(s, db, result.document_id, result.file, original, r)
        doc = s.get(Document, result.document_id)
        if doc is None:
            doc = Document(id=result.document_id, created_at=r.at, batch_id=r.batch_id,
                           branch=r.branch, file_name=result.file)
            s.add(doc)
        doc.document_type, doc.status, doc.ok = "stack", "stack", True
        doc.page_count, doc.original_sha256 = len(result.pages), original.sha256
        doc.archived_at = r.at
        s.flush()
        details = {"parts": [{"document_id": i, "pages": pages, "dossier_code": code}
                             for i, pages, code in parts]}
        db.add_event(s, kind="received", idem_key=f"{doc.id}:received:{original.sha256[:16]}",
                     actor=r.actor, details={"original_sha256": original.sha256,
                                             "file": result.file, "batch_id": r.batch_id},
                     at=r.at, document_id=doc.id, branch=r.branch)
        db.add_event(s, kind="split", idem_key=f"{doc.id}:split:{len(parts)}:"
                     f"{r.at.isoformat() if r.reprocess else ''}", actor=r.actor,
                     details=details, at=r.at, document_id=doc.id, branch=r.branch)
        return doc, new_receipt

    return db.run(run, "archive stack")


def _snapshot(doc: Document) -> dict[str, Any]:
    """Everything a reprocess replaces, for the ``reprocessed`` event."""
    return {
        "document_type": doc.document_type,
        "type_confidence": doc.type_confidence,
        "archive_key": doc.archive_key,
        "archive_sha256": doc.archive_sha256,
        "content_sha256": doc.content_sha256,
        "fields": {f.field_id: {"value": f.value, "raw": f.raw, "confidence": f.confidence,
                                "review_state": f.review_state,
                                "corrected_value": f.corrected_value, "version": f.version,
                                "reviewed_by": f.reviewed_by,
                                "reviewed_at": f.reviewed_at.isoformat()
                                if f.reviewed_at else None}
                   for f in doc.fields},
    }


def _write_pages_and_fields(s: Session, doc: Document, result: DocumentResult,
                            fields: dict[str, Field], history: dict | None) -> None:
    earlier = {f.field_id: f for f in doc.fields} if history is not None else {}
    for p in list(doc.pages):
        s.delete(p)
    for f in list(doc.fields):
        s.delete(f)
    s.flush()
    for p in result.pages:
        s.add(Page(document_id=doc.id, number=p.number, status=p.status.value, text=p.text,
                   mean_confidence=p.mean_confidence, width=p.width, height=p.height,
                   rotation=p.rotation, skew=p.skew, error=p.error))
    for f in fields.values():
        row = FieldRow(document_id=doc.id, field_id=f.id, kind=f.kind, value=f.value,
                       raw=f.raw, confidence=f.confidence, page=f.page,
                       bbox=list(f.bbox) if f.bbox else None, needs_review=f.needs_review,
                       reasons=list(f.reasons),
                       review_state="pending" if f.needs_review else "auto", version=1)
        old = earlier.get(f.id)
        if old is not None:
            _carry_over(row, old)
        s.add(row)
    s.flush()
    s.expire(doc, ["pages", "fields"])


def _carry_over(row: FieldRow, old: FieldRow) -> None:
    """QA's decision on the earlier reading holds for the new one: a correction stays the
    field's value; an acceptance stays when the new reading is the value accepted."""
    row.version = old.version + 1
    if old.review_state == "corrected" or (old.review_state == "accepted"
                                           and old.value == row.value):
        row.needs_review = True
        row.review_state, row.corrected_value = old.review_state, old.corrected_value
        row.reviewed_by, row.reviewed_at = old.reviewed_by, old.reviewed_at
        row.review_box = old.review_box
    elif old.review_state == "accepted":
        row.needs_review = True
        row.review_state = "pending"
        row.reasons = [*row.reasons, "reprocessed_value_changed"]


def _events(s: Session, db: Database, doc: Document, result: DocumentResult,
            original: StoredOriginal, pdf: StoredPdf, sidecar: str, r: Receiving,
            refusal: str | None, history: dict | None) -> None:
    """The timeline. Keys make replays no-ops; a new reading (reprocess) gets its own."""
    ver = (pdf.content_sha256 or original.sha256)[:16]
    doc_id = doc.id

    def ev(kind: str, key: str, details: dict[str, Any]) -> None:
        db.add_event(s, kind=kind, idem_key=f"{doc_id}:{kind}:{key}", actor=r.actor,
                     details=details, at=r.at, document_id=doc_id, dossier_id=doc.dossier_id,
                     branch=r.branch)

    ev("received", original.sha256[:16], {"original_sha256": original.sha256,
                                          "file": result.file, "batch_id": r.batch_id,
                                          "stack": r.stack_id, "stack_pages":
                                          list(r.stack_pages) if r.stack_pages else None})
    if history is not None:
        ev("reprocessed", ver, {"earlier": history})
    if refusal:
        ev("dossier_refused", ver, {"dossier_code": result.dossier_code, "reason": refusal})
    cls = result.classification
    if result.pages:
        ev("ocr_done", ver, {"pages": len(result.pages),
                             "failed_pages": [p.number for p in result.pages
                                              if p.status.value != "ok"],
                             "seconds": result.timings.get("ocr")})
    if cls:
        ev("classified", ver, {"document_type": cls.document_type,
                               "confidence": cls.confidence})
    if result.fields:
        ev("extracted", ver, {"fields": len(result.fields),
                              "needs_review": sorted(k for k, f in result.fields.items()
                                                     if f.needs_review)})
    if result.error or not pdf.key:
        ev("failed", ver, {"error": result.error, "errors": result.errors})
    if pdf.key:
        ev("signed", ver, {"signer": pdf.signer, "archive_sha256": pdf.sha256})
        ev("archived", ver, {"archive_key": pdf.key, "sidecar_key": sidecar,
                             "version_id": pdf.version_id})


def search_doc(s: Session, doc: Document) -> SearchDoc:
    """The document's search entry: its fields' effective values (QA's corrections) and
    its pages' text."""
    fields = s.scalars(select(FieldRow).where(FieldRow.document_id == doc.id)
                       .order_by(FieldRow.id)).all()
    pages = s.scalars(select(Page).where(Page.document_id == doc.id)
                      .order_by(Page.number)).all()
    values = [str(f.effective_value) for f in fields if f.effective_value not in (None, "")]
    when = (doc.archived_at or doc.created_at).astimezone(VIETNAM).date().isoformat()
    code = s.scalar(select(Dossier.code).where(Dossier.id == doc.dossier_id)) \
        if doc.dossier_id else None
    return SearchDoc(document_id=doc.id, document_type=doc.document_type, branch=doc.branch,
                     dossier_code=code, doc_date=when, archive_key=doc.archive_key,
                     fields=tuple(values), body="\n".join(p.text for p in pages))
