"""The archive service: object store + database + signer + search, behind one class.

``Archive.archive_document`` is idempotent: replaying it for the same document and the same
PDF/A content adds no object, row, index entry or event (each step checks what is already
there, and events carry unique idempotency keys).
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.model import DocumentResult, SohoaError, TransientError
from storage import keys
from storage.db import Database, init_db, utcnow
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
from storage.objectstore import (
    IntegrityError,
    ObjectNotFound,
    ObjectStore,
    open_object_store,
    sha256_bytes,
    sha256_file,
)
from storage.search import Hit, SearchDoc, SearchFilters, SearchIndex
from storage.signing import PdfSigner, VerifyReport, verify_pdf

VIETNAM = timezone(timedelta(hours=7))  # the Center's local date (no DST)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "tiff": "image/tiff",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "json": "application/json",
}


class DocumentNotFound(SohoaError):
    code = "not_found"


@dataclass(frozen=True)
class ArchiveRecord:
    document_id: str
    original_key: str | None
    original_sha256: str | None
    archive_key: str | None
    archive_sha256: str | None
    content_sha256: str | None  # the unsigned PDF/A
    sidecar_key: str | None
    signer: str | None
    dossier_code: str | None
    branch: str | None
    batch_id: str | None
    archived_at: datetime | None
    created: bool  # False when this call found everything already archived

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["archived_at"] = self.archived_at.isoformat() if self.archived_at else None
        return d


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode()


class Archive:
    """``Archive(settings)``: the embedded default needs no configuration at all."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: ObjectStore | None = None,
        db: Database | None = None,
        signer: PdfSigner | None = None,
    ):
        self.settings = settings or Settings.from_env()
        self.store = store or open_object_store(self.settings)
        self.db = db or init_db(self.settings.effective_database_url)
        self.index = SearchIndex.for_database(self.db)
        self._signer = signer
        self._signer_lock = threading.Lock()

    @property
    def signer(self) -> PdfSigner:
        if self._signer is None:
            with self._signer_lock:
                if self._signer is None:
                    self._signer = PdfSigner.from_settings(self.settings)
        return self._signer

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ archiving

    def _store_original(self, original_path: str | os.PathLike[str], ext: str, now: datetime):
        sha, size = sha256_file(original_path)
        existing = self.db.run(lambda s: s.get(Original, sha), "originals")
        if existing is not None and self.store.exists(existing.key):
            return sha, existing.key, size
        key = existing.key if existing is not None else keys.original_key(sha, ext, now)
        if not self.store.exists(key) or self.store.stat(key).sha256 != sha:
            self.store.put(key, original_path, CONTENT_TYPES.get(ext, "application/octet-stream"))
        return sha, key, size

    def archive_document(
        self,
        result: DocumentResult,
        pdf_bytes: bytes | None,
        original_path: str | os.PathLike[str],
        branch: str | None = None,
        batch_id: str | None = None,
        *,
        actor: str = "sohoa",
    ) -> ArchiveRecord:
        """Store the original (once per content), sign and store the PDF/A and its sidecar,
        record rows and timeline events, index for search. Safe to replay.

        A failed document (``result.error`` set, no PDF) is recorded with its original and a
        ``failed`` event, without signing.

        Concurrent calls for the same document (a redelivered message) are serialised by a
        per-document lock, so the second one finds the first one's work and adds nothing.
        """
        with self._document_lock(result.document_id):
            return self._archive_document(
                result, pdf_bytes, original_path, branch, batch_id, actor=actor
            )

    @contextmanager
    def _document_lock(self, document_id: str, timeout: float = 300.0):
        """PostgreSQL: an advisory lock (works across machines). SQLite: a lock file under
        ``SOHOA_HOME/locks`` (SQLite is one machine anyway)."""
        key = "sohoa-archive:" + document_id
        deadline = time.monotonic() + timeout
        if self.db.dialect == "postgresql":
            conn = self.db.engine.connect()
            try:
                while not conn.execute(
                    text("SELECT pg_try_advisory_lock(hashtext(:k))"), {"k": key}
                ).scalar():
                    if time.monotonic() > deadline:
                        raise TransientError(f"document {document_id} is locked by another run")
                    time.sleep(0.1)
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(hashtext(:k))"), {"k": key})
                    conn.commit()
            finally:
                conn.close()
            return
        locks = Path(self.settings.home) / "locks"
        locks.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(key.encode()).hexdigest()[:32] + ".lock"
        with open(locks / name, "a+") as f:
            while True:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TransientError(
                            f"document {document_id} is locked by another run"
                        ) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _archive_document(
        self,
        result: DocumentResult,
        pdf_bytes: bytes | None,
        original_path: str | os.PathLike[str],
        branch: str | None,
        batch_id: str | None,
        *,
        actor: str,
    ) -> ArchiveRecord:
        now = utcnow()
        doc_id = result.document_id
        ext = result.kind or keys.extension(str(original_path), "bin")
        ext = keys.extension(f"x.{ext}", "bin")
        orig_sha, orig_key, orig_size = self._store_original(original_path, ext, now)

        existing = self.db.run(lambda s: s.get(Document, doc_id), "documents")
        content_sha = sha256_bytes(pdf_bytes) if pdf_bytes else None
        archive_key = archive_sha = version_id = signer_name = None
        archive_size = None
        created = False
        if content_sha:
            if (
                existing is not None
                and existing.content_sha256 == content_sha
                and existing.archive_key
                and self.store.exists(existing.archive_key)
            ):
                archive_key = existing.archive_key
                archive_sha = existing.archive_sha256
                archive_size = existing.archive_size
                version_id = existing.archive_version_id
                signer_name = existing.signer
            else:
                archive_key = keys.archive_key(content_sha, result.dossier_code, now)
                if self.store.exists(archive_key):  # stored by an interrupted earlier run
                    st = self.store.stat(archive_key)
                    signer_name = verify_pdf(self.store.get(archive_key)).signer
                else:
                    signed = self.signer.sign(pdf_bytes, location=branch)
                    st = self.store.put(
                        archive_key,
                        signed,
                        "application/pdf",
                        {"document-id": doc_id, "content-sha256": content_sha},
                    )
                    signer_name = self.signer.signer_name
                    created = True
                archive_sha, archive_size, version_id = st.sha256, st.size, st.version_id
        sidecar = keys.sidecar_key(archive_key or orig_key)
        if not archive_key:
            sidecar = f"{orig_key.rsplit('.', 1)[0]}.{keys.dossier_segment(doc_id)}.json"
        if not self.store.exists(sidecar):
            payload = result.to_dict()
            payload["archive"] = {
                "document_id": doc_id,
                "branch": branch,
                "batch_id": batch_id,
                "original": {"key": orig_key, "sha256": orig_sha, "size": orig_size},
                "pdf": {
                    "key": archive_key,
                    "sha256": archive_sha,
                    "content_sha256": content_sha,
                    "size": archive_size,
                    "signer": signer_name,
                },
                "archived_at": now.isoformat(),
            }
            self.store.put(sidecar, _json_bytes(payload), "application/json")
            created = True

        def record(s: Session) -> tuple[ArchiveRecord, bool]:
            return self._record(
                s,
                result=result,
                now=now,
                branch=branch,
                batch_id=batch_id,
                actor=actor,
                orig=(orig_sha, orig_key, orig_size, ext, str(original_path)),
                archive=(archive_key, archive_sha, archive_size, version_id, content_sha),
                sidecar=sidecar,
                signer_name=signer_name,
            )

        rec, new_receipt = self.db.run(record, "archive_document")
        if new_receipt:
            self._write_original_sidecar(orig_sha, orig_key)
        return dataclasses.replace(rec, created=created or rec.created)

    def _write_original_sidecar(self, sha: str, key: str) -> None:
        def load(s: Session):
            o = s.get(Original, sha)
            rs = s.scalars(
                select(Receipt).where(Receipt.original_sha256 == sha).order_by(Receipt.id)
            ).all()
            return o, rs

        o, receipts = self.db.run(load, "receipts")
        payload = {
            "sha256": sha,
            "key": key,
            "size": o.size if o else None,
            "content_type": o.content_type if o else None,
            "receipts": [
                {
                    "document_id": r.document_id,
                    "file_name": r.file_name,
                    "branch": r.branch,
                    "batch_id": r.batch_id,
                    "received_at": r.received_at.isoformat(),
                }
                for r in receipts
            ],
        }
        self.store.put(keys.sidecar_key(key), _json_bytes(payload), "application/json")

    def _record(
        self,
        s: Session,
        *,
        result: DocumentResult,
        now: datetime,
        branch: str | None,
        batch_id: str | None,
        actor: str,
        orig: tuple,
        archive: tuple,
        sidecar: str,
        signer_name: str | None,
    ):
        db = self.db
        orig_sha, orig_key, orig_size, ext, orig_path = orig
        archive_key, archive_sha, archive_size, version_id, content_sha = archive
        doc_id = result.document_id
        db.insert_ignore(
            s,
            Original.__table__,
            {
                "sha256": orig_sha,
                "key": orig_key,
                "size": orig_size,
                "content_type": CONTENT_TYPES.get(ext, "application/octet-stream"),
                "first_seen_at": now,
            },
            ["sha256"],
        )
        new_receipt = bool(
            db.insert_ignore(
                s,
                Receipt.__table__,
                {
                    "original_sha256": orig_sha,
                    "document_id": doc_id,
                    "file_name": result.file or Path(orig_path).name,
                    "branch": branch,
                    "batch_id": batch_id,
                    "received_at": now,
                },
                ["original_sha256", "document_id"],
            )
        )
        if batch_id:
            db.insert_ignore(
                s,
                Batch.__table__,
                {"id": batch_id, "branch": branch, "created_at": now},
                ["id"],
            )
        dossier_id = None
        if result.dossier_code:
            db.insert_ignore(
                s,
                Dossier.__table__,
                {"code": result.dossier_code, "branch": branch, "created_at": now},
                ["code"],
            )
            dossier_id = s.scalar(select(Dossier.id).where(Dossier.code == result.dossier_code))

        doc = s.get(Document, doc_id)
        changed = doc is None or doc.content_sha256 != content_sha or doc.archive_key is None
        if doc is None:
            doc = Document(id=doc_id, created_at=now)
            s.add(doc)
        cls = result.classification
        if changed:
            doc.batch_id = batch_id
            doc.dossier_id = dossier_id
            doc.branch = branch
            doc.file_name = result.file
            doc.document_type = cls.document_type if cls else None
            doc.type_confidence = cls.confidence if cls else None
            doc.ok = result.ok
            doc.status = "archived" if archive_key else "failed"
            doc.page_count = len(result.pages)
            doc.original_sha256 = orig_sha
            doc.content_sha256 = content_sha
            doc.archive_key = archive_key
            doc.archive_sha256 = archive_sha
            doc.archive_size = archive_size
            doc.archive_version_id = version_id
            doc.sidecar_key = sidecar
            doc.signer = signer_name
            doc.error = result.error
            doc.archived_at = now if archive_key else None
            s.flush()
            self._replace_pages_and_fields(s, doc, result)

        # Timeline. Keys make replays no-ops; a new content version gets its own events.
        ver = (content_sha or orig_sha)[:16]
        common = {"document_id": doc_id, "dossier_id": dossier_id, "branch": branch}

        def ev(kind: str, key: str, details: dict[str, Any], who: str = actor):
            db.add_event(s, kind=kind, idem_key=key, actor=who, details=details, at=now, **common)

        ev(
            "received",
            f"{doc_id}:received:{orig_sha[:16]}",
            {"original_sha256": orig_sha, "file": result.file, "batch_id": batch_id},
        )
        if result.pages:
            ev(
                "ocr_done",
                f"{doc_id}:ocr_done:{ver}",
                {
                    "pages": len(result.pages),
                    "failed_pages": [p.number for p in result.pages if p.status.value != "ok"],
                    "seconds": result.timings.get("ocr"),
                },
            )
        if cls:
            ev(
                "classified",
                f"{doc_id}:classified:{ver}",
                {"document_type": cls.document_type, "confidence": cls.confidence},
            )
        if result.fields:
            ev(
                "extracted",
                f"{doc_id}:extracted:{ver}",
                {
                    "fields": len(result.fields),
                    "needs_review": sorted(k for k, f in result.fields.items() if f.needs_review),
                },
            )
        if result.error or (not archive_key):
            ev("failed", f"{doc_id}:failed:{ver}", {"error": result.error, "errors": result.errors})
        if archive_key:
            ev(
                "signed",
                f"{doc_id}:signed:{ver}",
                {"signer": signer_name, "archive_sha256": archive_sha},
            )
            ev(
                "archived",
                f"{doc_id}:archived:{ver}",
                {"archive_key": archive_key, "sidecar_key": sidecar, "version_id": version_id},
            )
            self.index.index(self._search_doc(s, doc, result.dossier_code), s.connection())
        rec = ArchiveRecord(
            document_id=doc_id,
            original_key=orig_key,
            original_sha256=orig_sha,
            archive_key=doc.archive_key,
            archive_sha256=doc.archive_sha256,
            content_sha256=doc.content_sha256,
            sidecar_key=doc.sidecar_key,
            signer=doc.signer,
            dossier_code=result.dossier_code,
            branch=doc.branch,
            batch_id=doc.batch_id,
            archived_at=doc.archived_at,
            created=changed or new_receipt,
        )
        return rec, new_receipt

    def _replace_pages_and_fields(self, s: Session, doc: Document, result: DocumentResult):
        for p in list(doc.pages):
            s.delete(p)
        for f in list(doc.fields):
            s.delete(f)
        s.flush()
        for p in result.pages:
            s.add(
                Page(
                    document_id=doc.id,
                    number=p.number,
                    status=p.status.value,
                    text=p.text,
                    mean_confidence=p.mean_confidence,
                    width=p.width,
                    height=p.height,
                    rotation=p.rotation,
                    skew=p.skew,
                    error=p.error,
                )
            )
        for f in result.fields.values():
            s.add(
                FieldRow(
                    document_id=doc.id,
                    field_id=f.id,
                    kind=f.kind,
                    value=f.value,
                    raw=f.raw,
                    confidence=f.confidence,
                    page=f.page,
                    bbox=list(f.bbox) if f.bbox else None,
                    needs_review=f.needs_review,
                    reasons=list(f.reasons),
                    review_state="pending" if f.needs_review else "auto",
                )
            )
        s.flush()
        s.expire(doc, ["pages", "fields"])

    def _search_doc(self, s: Session, doc: Document, dossier_code: str | None) -> SearchDoc:
        fields = s.scalars(
            select(FieldRow).where(FieldRow.document_id == doc.id).order_by(FieldRow.id)
        ).all()
        pages = s.scalars(
            select(Page).where(Page.document_id == doc.id).order_by(Page.number)
        ).all()
        values = []
        for f in fields:
            v = f.effective_value
            if v not in (None, ""):
                values.append(str(v))
        when = (doc.archived_at or doc.created_at).astimezone(VIETNAM).date().isoformat()
        return SearchDoc(
            document_id=doc.id,
            document_type=doc.document_type,
            branch=doc.branch,
            dossier_code=dossier_code,
            doc_date=when,
            archive_key=doc.archive_key,
            fields=tuple(values),
            body="\n".join(p.text for p in pages),
        )

    # ------------------------------------------------------------------ events & review

    def record_event(
        self,
        document_id: str | None,
        kind: str,
        *,
        idem_key: str | None = None,
        actor: str = "sohoa",
        branch: str | None = None,
        dossier_code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> bool:
        """Add a timeline event (for runners/workers); a replay with the same key is a no-op."""

        def run(s: Session) -> bool:
            dossier_id = None
            if dossier_code:
                dossier_id = s.scalar(select(Dossier.id).where(Dossier.code == dossier_code))
            return self.db.add_event(
                s,
                kind=kind,
                idem_key=idem_key or f"{document_id or dossier_code}:{kind}",
                document_id=document_id,
                dossier_id=dossier_id,
                actor=actor,
                branch=branch,
                details=details,
            )

        return self.db.run(run, "record_event")

    def review_field(
        self,
        document_id: str,
        field_id: str,
        *,
        reviewer: str,
        corrected_value: Any = None,
        correct: bool = False,
    ) -> None:
        """Accept a field's value, or (``correct=True``) replace it with ``corrected_value``.
        Records ``review_accepted`` / ``review_corrected`` and re-indexes the document."""

        def run(s: Session) -> None:
            f = s.scalar(
                select(FieldRow).where(
                    FieldRow.document_id == document_id, FieldRow.field_id == field_id
                )
            )
            if f is None:
                raise DocumentNotFound(f"no field {field_id!r} in document {document_id!r}")
            now = utcnow()
            f.review_state = "corrected" if correct else "accepted"
            f.corrected_value = corrected_value if correct else None
            f.reviewed_by = reviewer
            f.reviewed_at = now
            doc = s.get(Document, document_id)
            kind = "review_corrected" if correct else "review_accepted"
            digest = hashlib.sha256(
                json.dumps([field_id, correct, corrected_value], default=str).encode()
            ).hexdigest()[:16]
            self.db.add_event(
                s,
                kind=kind,
                idem_key=f"{document_id}:{kind}:{field_id}:{digest}",
                document_id=document_id,
                dossier_id=doc.dossier_id if doc else None,
                actor=reviewer,
                branch=doc.branch if doc else None,
                details={"field": field_id, "old": f.value, "new": corrected_value}
                if correct
                else {"field": field_id, "value": f.value},
                at=now,
            )
            s.flush()
            if doc is not None and doc.archive_key:
                code = doc.dossier.code if doc.dossier else None
                self.index.index(self._search_doc(s, doc, code), s.connection())

        self.db.run(run, "review_field")

    # ------------------------------------------------------------------ reading

    def _document(self, s: Session, document_id: str) -> Document:
        doc = s.get(Document, document_id)
        if doc is None:
            raise DocumentNotFound(f"no document {document_id!r} in the archive")
        return doc

    def get_pdf(self, document_id: str) -> bytes:
        """The signed PDF/A, checked against the SHA-256 recorded in the database."""
        doc = self.db.run(lambda s: self._document(s, document_id), "get_pdf")
        if not doc.archive_key:
            raise DocumentNotFound(f"document {document_id!r} has no archived PDF")
        return self.store.get(doc.archive_key, expected_sha256=doc.archive_sha256)

    def show(self, document_id: str) -> dict[str, Any]:
        def run(s: Session) -> dict[str, Any]:
            doc = self._document(s, document_id)
            events = s.scalars(
                select(Event).where(Event.document_id == document_id).order_by(Event.at, Event.id)
            ).all()
            receipts = s.scalars(
                select(Receipt).where(Receipt.document_id == document_id).order_by(Receipt.id)
            ).all()
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
                "receipts": [
                    {
                        "file_name": r.file_name,
                        "branch": r.branch,
                        "batch_id": r.batch_id,
                        "received_at": r.received_at.isoformat(),
                        "original_key": r.original.key,
                    }
                    for r in receipts
                ],
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
                    "reviewed": sum(
                        1 for f in doc.fields if f.review_state in ("accepted", "corrected")
                    ),
                },
                "fields": [
                    {
                        "id": f.field_id,
                        "kind": f.kind,
                        "value": f.value,
                        "effective_value": f.effective_value,
                        "confidence": f.confidence,
                        "page": f.page,
                        "bbox": f.bbox,
                        "needs_review": f.needs_review,
                        "reasons": f.reasons,
                        "review_state": f.review_state,
                        "corrected_value": f.corrected_value,
                        "reviewed_by": f.reviewed_by,
                        "reviewed_at": f.reviewed_at.isoformat() if f.reviewed_at else None,
                    }
                    for f in doc.fields
                ],
                "pages": [
                    {
                        "page": p.number,
                        "status": p.status,
                        "mean_confidence": round(p.mean_confidence, 2),
                        "chars": len(p.text),
                    }
                    for p in doc.pages
                ],
                "timeline": [
                    {
                        "at": e.at.isoformat(),
                        "kind": e.kind,
                        "actor": e.actor,
                        "branch": e.branch,
                        "details": e.details,
                    }
                    for e in events
                ],
            }

        return self.db.run(run, "show")

    def dossier_timeline(self, code: str) -> list[dict[str, Any]]:
        def run(s: Session):
            did = s.scalar(select(Dossier.id).where(Dossier.code == code))
            if did is None:
                raise DocumentNotFound(f"no dossier {code!r}")
            evs = s.scalars(
                select(Event).where(Event.dossier_id == did).order_by(Event.at, Event.id)
            ).all()
            return [
                {"at": e.at.isoformat(), "kind": e.kind, "document_id": e.document_id} for e in evs
            ]

        return self.db.run(run, "dossier_timeline")

    def _trust_roots(self):
        try:
            return [self.signer.certificate]
        except SohoaError:
            return None

    def verify(self, document_id_or_path: str | os.PathLike[str]) -> VerifyReport:
        """Check a stored document (by id) or a file (by path): signature, and the SHA-256
        recorded at archiving. Files are matched to their archive record by checksum, or by the
        unsigned PDF/A they start with, so a changed byte anywhere is reported."""
        target = str(document_id_or_path)
        roots = self._trust_roots()
        if os.path.isfile(target):
            data = Path(target).read_bytes()
            doc = self._find_by_bytes(data)
            expected = doc.archive_sha256 if doc else None
            report = verify_pdf(data, trust_roots=roots, expected_sha256=expected)
            report.details["document_id"] = doc.id if doc else None
            if doc is None:
                report.details["archive"] = "file not found in this archive"
            return report
        return self.verify_document(target)

    def verify_document(self, document_id: str) -> VerifyReport:
        """Check a stored document by its id only (never a path: what the HTTP API calls)."""
        target = str(document_id)
        roots = self._trust_roots()
        doc = self.db.run(lambda s: self._document(s, target), "verify")
        if not doc.archive_key:
            raise DocumentNotFound(f"document {target!r} has no archived PDF")
        problems = []
        try:
            data = self.store.get(doc.archive_key, expected_sha256=doc.archive_sha256)
        except IntegrityError as exc:
            problems.append(str(exc))
            data = self.store.get(doc.archive_key, verify=False)
        except ObjectNotFound as exc:
            return VerifyReport(
                False,
                False,
                None,
                False,
                {"problems": [str(exc)], "document_id": target},
                checksum_ok=False,
            )
        report = verify_pdf(data, trust_roots=roots, expected_sha256=doc.archive_sha256)
        report.details["problems"] = problems + report.details.get("problems", [])
        report.details["document_id"] = doc.id
        report.details["archive_key"] = doc.archive_key
        return report

    def _find_by_bytes(self, data: bytes) -> Document | None:
        sha = sha256_bytes(data)

        def run(s: Session) -> Document | None:
            doc = s.scalar(select(Document).where(Document.archive_sha256 == sha))
            if doc is not None:
                return doc
            # A changed copy: find the document by the unsigned PDF/A revision it starts with.
            candidates = []
            pos = data.find(b"%%EOF")
            while pos != -1 and len(candidates) < 20:
                end = pos + 5
                for extra in (b"", b"\n", b"\r\n", b"\r"):
                    if data[end : end + len(extra)] == extra:
                        candidates.append(sha256_bytes(data[: end + len(extra)]))
                pos = data.find(b"%%EOF", end)
            if candidates:
                return s.scalar(
                    select(Document).where(Document.content_sha256.in_(candidates)).limit(1)
                )
            return None

        return self.db.run(run, "verify lookup")

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Hit]:
        return self.index.search(query, filters, limit, offset)

    # ------------------------------------------------------------------ stats

    def counts(self) -> dict[str, int]:
        """Row counts per table (used by tests and ``sohoa`` diagnostics)."""

        def run(s: Session) -> dict[str, int]:
            out = {}
            for name, model in (
                ("documents", Document),
                ("pages", Page),
                ("fields", FieldRow),
                ("events", Event),
                ("originals", Original),
                ("receipts", Receipt),
                ("dossiers", Dossier),
                ("batches", Batch),
            ):
                out[name] = s.scalar(select(func.count()).select_from(model)) or 0
            return out

        c = self.db.run(run, "counts")
        c["search_docs"] = self.index.count()
        return c


__all__ = ["Archive", "ArchiveRecord", "DocumentNotFound"]
