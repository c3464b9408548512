"""Verification of stored documents and of files: the signature, and the SHA-256 recorded
at archiving. A file is matched to its record by checksum, or by the unsigned PDF/A it starts
with, so a changed byte anywhere is reported."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import Document
from storage.objectstore import IntegrityError, ObjectNotFound, ObjectStore, sha256_bytes
from storage.reads import DocumentNotFound, document_row
from storage.signing import VerifyReport, verify_pdf


def verify(db: Database, store: ObjectStore, target: str | os.PathLike[str],
           trust_roots) -> VerifyReport:
    target = str(target)
    if os.path.isfile(target):
        data = Path(target).read_bytes()
        doc = find_by_bytes(db, data)
        expected = doc.archive_sha256 if doc else None
        report = verify_pdf(data, trust_roots=trust_roots, expected_sha256=expected)
        report.details["document_id"] = doc.id if doc else None
        if doc is None:
            report.details["archive"] = "file not found in this archive"
        return report
    return verify_document(db, store, target, trust_roots)


def verify_document(db: Database, store: ObjectStore, document_id: str,
                    trust_roots) -> VerifyReport:
    """By id only: the stored copy against its recorded checksum, and its signature."""
    target = str(document_id)
    doc = document_row(db, target)
    if not doc.archive_key:
        raise DocumentNotFound(f"document {target!r} has no archived PDF")
    problems = []
    try:
        data = store.get(doc.archive_key, expected_sha256=doc.archive_sha256)
    except IntegrityError as exc:
        problems.append(str(exc))
        data = store.get(doc.archive_key, verify=False)
    except ObjectNotFound as exc:
        return VerifyReport(False, False, None, False,
                            {"problems": [str(exc)], "document_id": target}, checksum_ok=False)
    report = verify_pdf(data, trust_roots=trust_roots, expected_sha256=doc.archive_sha256)
    report.details["problems"] = problems + report.details.get("problems", [])
    report.details["document_id"] = doc.id
    report.details["archive_key"] = doc.archive_key
    return report


def find_by_bytes(db: Database, data: bytes) -> Document | None:
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
            return s.scalar(select(Document).where(Document.content_sha256.in_(candidates))
                            .limit(1))
        return None

    return db.run(run, "verify lookup")
