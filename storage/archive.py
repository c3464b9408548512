"""The archive: object store + database + signer + search, behind one small facade.

The work is done by modules of their own, each with its own tests:

| module                  | what                                                        |
|-------------------------|-------------------------------------------------------------|
| ``storage/archive.py``  | the write path: original once, sign, store PDF/A + sidecar  |
| ``storage/locks.py``    | per-document locks around the write path                    |
| ``storage/records.py``  | the database records, duplicates, reprocess, search entry   |
| ``storage/review.py``   | QA's decisions (append-only history) and the review queue   |
| ``storage/reads.py``    | read queries: a document, a dossier, counts                 |
| ``storage/verification.py`` | signature and checksum checks                           |

``Archive.archive_document`` is idempotent: replaying it for the same document adds no object,
row, index entry or event. Receiving an archived document's original again (same SHA-256) is a
duplicate receipt and changes nothing else; ``reprocess=True`` (``sohoa reprocess``) is the only
way to replace a reading, and keeps the earlier one as history.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from pipeline.config import Settings
from pipeline.model import DocumentResult, SohoaError
from storage import keys, reads, records, review, verification
from storage.db import Database, init_db, utcnow
from storage.locks import document_lock
from storage.models import Document, Original
from storage.objectstore import ObjectStore, open_object_store, sha256_bytes, sha256_file
from storage.reads import DocumentNotFound
from storage.records import Receiving, StoredOriginal, StoredPdf
from storage.search import Hit, SearchFilters, SearchIndex
from storage.signing import PdfSigner, VerifyReport, verify_pdf

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "tiff": "image/tiff",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "json": "application/json",
}


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
    duplicate: bool = False  # the original was archived before: nothing changed

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["archived_at"] = self.archived_at.isoformat() if self.archived_at else None
        return d


def _json_bytes(obj: Any) -> bytes:
    """A sidecar's bytes. Compact on purpose: with ``indent`` Python's JSON encoder falls back
    from C to pure Python, which made the sidecar of a 6-page document (every word with its
    box) cost more than signing it (0.65 s against 0.12 s of a 1.4 s finish)."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str).encode()


class Archive:
    """``Archive(settings)``: the embedded default needs no configuration at all."""

    def __init__(self, settings: Settings | None = None, *, store: ObjectStore | None = None,
                 db: Database | None = None, signer: PdfSigner | None = None):
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

    # ------------------------------------------------------------------ the write path

    def archive_document(self, result: DocumentResult, pdf_bytes: bytes | None,
                         original_path: str | os.PathLike[str], branch: str | None = None,
                         batch_id: str | None = None, *, actor: str, reprocess: bool = False,
                         stack_id: str | None = None,
                         stack_pages: Sequence[int] | None = None) -> ArchiveRecord:
        """Store the original (once per content), sign and store the PDF/A and its sidecar,
        record rows and timeline events, index for search. Safe to replay.

        A failed document (``result.error`` set, no PDF) is recorded with its original and a
        ``failed`` event, without signing. An archived document received again is a duplicate
        receipt (unless ``reprocess``). ``stack_id``/``stack_pages``: a document found in a
        scanned stack, whose original is the stack's (stored once)."""
        receiving = Receiving(branch, batch_id, actor, utcnow(), reprocess, stack_id,
                              tuple(stack_pages) if stack_pages else None)
        with document_lock(self.db, self.settings.home, result.document_id):
            existing = self.db.run(lambda s: s.get(Document, result.document_id), "documents")
            if existing is not None and (existing.archive_key or existing.status == "stack") \
                    and not reprocess:
                return self._received_again(existing, result, receiving)
            return self._archive(result, pdf_bytes, original_path, receiving)

    def archive_stack(self, result: DocumentResult, original_path: str | os.PathLike[str],
                      parts: Sequence[tuple[DocumentResult, bytes, Sequence[int]]],
                      branch: str | None = None, batch_id: str | None = None, *, actor: str,
                      reprocess: bool = False) -> ArchiveRecord:
        """A scanned stack: each document found in it archived on its own (its PDF/A, record,
        fields, timeline, dossier), referring to the stack and its pages; the stack itself is
        recorded once, as received (its original, its parts), and is not searched itself."""
        receiving = Receiving(branch, batch_id, actor, utcnow(), reprocess)
        with document_lock(self.db, self.settings.home, result.document_id):
            existing = self.db.run(lambda s: s.get(Document, result.document_id), "documents")
            if existing is not None and existing.status == "stack" and not reprocess:
                return self._received_again(existing, result, receiving)
            for part, pdf, pages in parts:
                self.archive_document(part, pdf, original_path, branch, batch_id, actor=actor,
                                      reprocess=reprocess, stack_id=result.document_id,
                                      stack_pages=pages)
            ext = keys.extension(f"x.{result.kind or 'bin'}", "bin")
            original = self._store_original(original_path, ext, receiving.at,
                                            result.file or os.path.basename(original_path))
            doc, new_receipt = records.record_stack(
                self.db, result, original, [(p.document_id, list(pages), p.dossier_code)
                                            for p, _, pages in parts], receiving)
        if new_receipt:
            self._write_original_sidecar(original)
        return ArchiveRecord(
            document_id=doc.id, original_key=original.key, original_sha256=original.sha256,
            archive_key=None, archive_sha256=None, content_sha256=None, sidecar_key=None,
            signer=None, dossier_code=None, branch=doc.branch, batch_id=doc.batch_id,
            archived_at=doc.archived_at, created=new_receipt)

    def _received_again(self, doc: Document, result: DocumentResult,
                        r: Receiving) -> ArchiveRecord:
        replay = doc.batch_id is not None and doc.batch_id == r.batch_id
        if not replay:
            records.record_duplicate(self.db, doc.id, file_name=result.file, r=r)
        other_branch = doc.branch != r.branch
        code = self._dossier_code(doc)
        return ArchiveRecord(
            document_id=doc.id, original_key=None, original_sha256=doc.original_sha256,
            # the first receipt's branch, batch and dossier (its key names the dossier) are
            # not another branch's uploader's to know
            archive_key=None if other_branch else doc.archive_key,
            archive_sha256=doc.archive_sha256, content_sha256=doc.content_sha256,
            sidecar_key=None if other_branch else doc.sidecar_key, signer=doc.signer,
            dossier_code=None if other_branch else code,
            branch=None if other_branch else doc.branch,
            batch_id=None if other_branch else doc.batch_id,
            archived_at=doc.archived_at, created=False, duplicate=not replay)

    def _dossier_code(self, doc: Document) -> str | None:
        if not doc.dossier_id:
            return None
        from storage.models import Dossier

        return self.db.run(lambda s: s.get(Dossier, doc.dossier_id).code, "dossier code")

    def _store_original(self, path: str | os.PathLike[str], ext: str, now: datetime,
                        file_name: str) -> StoredOriginal:
        sha, size = sha256_file(path)
        existing = self.db.run(lambda s: s.get(Original, sha), "originals")
        content_type = CONTENT_TYPES.get(ext, "application/octet-stream")
        key = existing.key if existing is not None else keys.original_key(sha, ext, now)
        if not (existing is not None and self.store.exists(key)):
            if not self.store.exists(key) or self.store.stat(key).sha256 != sha:
                self.store.put(key, path, content_type)
        return StoredOriginal(sha, key, size, content_type, file_name)

    def _store_pdf(self, result: DocumentResult, pdf_bytes: bytes | None, branch: str | None,
                   now: datetime) -> tuple[StoredPdf, bool]:
        """The signed PDF/A in the store (once per content); (what is stored, created)."""
        if not pdf_bytes:
            return StoredPdf(), False
        content_sha = sha256_bytes(pdf_bytes)
        key = keys.archive_key(content_sha, result.dossier_code, now)
        created = False
        if self.store.exists(key):  # stored by an interrupted earlier run
            st = self.store.stat(key)
            signer_name = verify_pdf(self.store.get(key)).signer
        else:
            signed = self.signer.sign(pdf_bytes, location=branch)
            st = self.store.put(key, signed, "application/pdf",
                                {"document-id": result.document_id,
                                 "content-sha256": content_sha})
            signer_name, created = self.signer.signer_name, True
        return StoredPdf(key, st.sha256, st.size, st.version_id, content_sha,
                         signer_name), created

    def _archive(self, result: DocumentResult, pdf_bytes: bytes | None,
                 original_path: str | os.PathLike[str], r: Receiving) -> ArchiveRecord:
        ext = keys.extension(f"x.{result.kind or keys.extension(str(original_path), 'bin')}",
                             "bin")
        original = self._store_original(original_path, ext, r.at,
                                         result.file or os.path.basename(original_path))
        pdf, created = self._store_pdf(result, pdf_bytes, r.branch, r.at)
        sidecar = keys.sidecar_key(pdf.key) if pdf.key else \
            f"{original.key.rsplit('.', 1)[0]}.{keys.dossier_segment(result.document_id)}.json"
        if not self.store.exists(sidecar):
            payload = result.to_dict()
            payload["archive"] = {
                "document_id": result.document_id, "branch": r.branch, "batch_id": r.batch_id,
                "stack": {"document_id": r.stack_id, "pages": r.stack_pages}
                if r.stack_id else None,
                "original": {"key": original.key, "sha256": original.sha256,
                             "size": original.size},
                "pdf": {"key": pdf.key, "sha256": pdf.sha256,
                        "content_sha256": pdf.content_sha256, "size": pdf.size,
                        "signer": pdf.signer},
                "archived_at": r.at.isoformat()}
            self.store.put(sidecar, _json_bytes(payload), "application/json")
            created = True
        doc, new_receipt, changed = records.record_document(self.db, self.index, result,
                                                            original, pdf, sidecar, r)
        if new_receipt:
            self._write_original_sidecar(original)
        return ArchiveRecord(
            document_id=doc.id, original_key=original.key, original_sha256=original.sha256,
            archive_key=doc.archive_key, archive_sha256=doc.archive_sha256,
            content_sha256=doc.content_sha256, sidecar_key=doc.sidecar_key, signer=doc.signer,
            dossier_code=self._dossier_code(doc), branch=doc.branch, batch_id=doc.batch_id,
            archived_at=doc.archived_at, created=created or changed or new_receipt)

    def _write_original_sidecar(self, original: StoredOriginal) -> None:
        from sqlalchemy import select

        from storage.models import Receipt

        rows = self.db.run(lambda s: s.scalars(
            select(Receipt).where(Receipt.original_sha256 == original.sha256)
            .order_by(Receipt.id)).all(), "receipts")
        payload = {"sha256": original.sha256, "key": original.key, "size": original.size,
                   "content_type": original.content_type,
                   "receipts": [{"document_id": x.document_id, "file_name": x.file_name,
                                 "branch": x.branch, "batch_id": x.batch_id,
                                 "received_at": x.received_at.isoformat()} for x in rows]}
        self.store.put(keys.sidecar_key(original.key), _json_bytes(payload),
                       "application/json")

    def original_bytes(self, document_id: str) -> tuple[bytes, str]:
        """The document's original as received (checked against its SHA-256) and its
        extension: what a reprocess reads."""
        doc = reads.document_row(self.db, document_id)
        o = self.db.run(lambda s: s.get(Original, doc.original_sha256), "original")
        if o is None:
            raise DocumentNotFound(f"document {document_id!r} has no stored original")
        return self.store.get(o.key, expected_sha256=o.sha256), keys.extension(o.key, "bin")

    # ------------------------------------------------------------------ review

    def decide(self, document_id: str, field_id: str, action: str, *, actor: str,
               version: int | None, value: Any = None, box: Sequence[int] | None = None,
               admin: bool = False) -> dict[str, Any]:
        """A QA decision (accept, correct, reopen): see ``storage/review.py``."""
        return review.decide(self.db, self.index, document_id, field_id, action, actor=actor,
                             version=version, value=value, box=box, admin=admin)

    def record_event(self, document_id: str | None, kind: str, *, actor: str,
                     idem_key: str | None = None, branch: str | None = None,
                     details: dict[str, Any] | None = None) -> bool:
        """Add a timeline event; a replay with the same key is a no-op."""

        def run(s) -> bool:
            doc = s.get(Document, document_id) if document_id else None
            return self.db.add_event(s, kind=kind, idem_key=idem_key or f"{document_id}:{kind}",
                                     document_id=document_id,
                                     dossier_id=doc.dossier_id if doc else None, actor=actor,
                                     branch=branch, details=details)

        return self.db.run(run, "record_event")

    # ------------------------------------------------------------------ reading

    def get_pdf(self, document_id: str) -> bytes:
        """The signed PDF/A, checked against the SHA-256 recorded in the database."""
        doc = reads.document_row(self.db, document_id)
        if not doc.archive_key:
            raise DocumentNotFound(f"document {document_id!r} has no archived PDF")
        return self.store.get(doc.archive_key, expected_sha256=doc.archive_sha256)

    def document(self, document_id: str) -> Document:
        return reads.document_row(self.db, document_id)

    def show(self, document_id: str) -> dict[str, Any]:
        return reads.show(self.db, document_id)

    def dossier(self, code: str) -> dict[str, Any]:
        return reads.dossier(self.db, code)

    def dossier_timeline(self, code: str) -> list[dict[str, Any]]:
        return reads.dossier(self.db, code)["timeline"]

    def review_queue(self, **filters) -> dict[str, Any]:
        return review.queue(self.db, **filters)

    def review_item(self, field_row_id: int) -> dict[str, Any] | None:
        return review.field_item(self.db, field_row_id)

    def verify(self, document_id_or_path: str | os.PathLike[str]) -> VerifyReport:
        """A stored document (by id) or a file (by path), for the CLI: signature and checksum."""
        return verification.verify(self.db, self.store, document_id_or_path, self._trust_roots())

    def verify_document(self, document_id: str) -> VerifyReport:
        """A stored document by its id only (never a path: what the HTTP API calls)."""
        return verification.verify_document(self.db, self.store, document_id,
                                            self._trust_roots())

    def _trust_roots(self):
        try:
            return [self.signer.certificate]
        except SohoaError:
            return None

    def search(self, query: str, filters: SearchFilters | None = None, limit: int = 20,
               offset: int = 0) -> list[Hit]:
        return self.index.search(query, filters, limit, offset)

    def counts(self) -> dict[str, int]:
        c = reads.counts(self.db)
        c["search_docs"] = self.index.count()
        return c


__all__ = ["Archive", "ArchiveRecord", "DocumentNotFound"]
