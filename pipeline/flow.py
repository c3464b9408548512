"""The one document flow: what happens to a document once its pages are read.

    pages ─► assemble_pdf ─► analyse ─────────────────► archive ─────────────► final_state
             (PDF/A-2b)      classify, extract fields,   sign, store, record,    done /
                             split a stack into          index (or: duplicate    needs_review /
                             dossiers                    receipt of a known one) failed

Every entry point runs a document through ``Flow.finish``: the embedded runner behind
``sohoa process``, ``sohoa extract`` and the embedded submit queue (``workers/embedded.py``,
which the HTTP API uses too), and the dramatiq workers (``workers/tasks.py``). Each stage is a
function that returns its value; nothing changes a result in place. The document-id rule, the
list of states and the done / needs_review / failed decision live here and nowhere else.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline import pdfa
from pipeline.config import Settings
from pipeline.model import (
    Classification,
    DocumentResult,
    Field,
    OcrPage,
    PageStatus,
    SohoaError,
    SourceFile,
)

# A document's states in a batch, in order. ``finishing`` is the workers' internal step of
# ``running`` (the one page message that completed the document has claimed its finish).
STATES = ("queued", "running", "done", "needs_review", "failed")
TERMINAL = ("done", "needs_review", "failed")
UNFINISHED = ("queued", "running", "finishing")


def document_id(sha256: str) -> str:
    """A document is named by its original's content: the first 24 hex digits of its SHA-256
    (96 bits: no collision in any archive this size)."""
    return sha256[:24]


def part_id(stack_sha256: str, pages: Sequence[int]) -> str:
    """A document found in a scanned stack: named by the stack's content and its pages."""
    key = f"{stack_sha256}:{','.join(str(n) for n in pages)}"
    return document_id(hashlib.sha256(key.encode()).hexdigest())


@dataclass(frozen=True)
class Arrival:
    """Who handed the document in, where, and in which batch."""

    file_name: str
    branch: str | None = None
    batch_id: str | None = None
    dossier_code: str | None = None  # given by the uploader
    actor: str = "sohoa"
    reprocess: bool = False  # an explicit admin reprocess of an archived document


@dataclass(frozen=True)
class Analysis:
    """What classification and extraction found in a document's pages."""

    classification: Classification | None
    fields: dict[str, Field]
    dossier_code: str | None
    dossiers: list[dict[str, Any]] | None  # a scanned stack: its dossiers and documents
    timings: dict[str, float]
    split: list | None = None  # the stack's dossiers (extractors.dossier.Dossier)


# ----------------------------------------------------------------------------- stages


def assemble_pdf(source: SourceFile, doc_id: str, pages: Sequence[OcrPage],
                 page_files: Sequence[Path], output: Path) -> DocumentResult:
    """The document's result from its pages, and its PDF/A-2b at ``output`` (unless a page
    failed: then the result carries the error and there is no PDF)."""
    pages = sorted(pages, key=lambda p: p.number)
    failed = [p for p in pages if p.status is PageStatus.FAILED]
    errors = [{"page": p.number, **(p.error or {})} for p in failed]
    timings: dict[str, float] = {}
    for page in pages:
        for key, value in page.timings.items():
            timings[key] = timings.get(key, 0.0) + value
    result = DocumentResult(document_id=doc_id, file=source.path, sha256=source.sha256,
                            kind=source.kind.value, pages=pages,
                            dossier_code=source.dossier_code, errors=errors, timings=timings)
    if failed:
        first = failed[0].error or {}
        return dataclasses.replace(result, error={
            "code": first.get("code", "page_failed"),
            "message": f"{len(failed)} of {len(pages)} pages failed; page "
                       f"{failed[0].number}: {first.get('message', '')}"})
    t = time.perf_counter()
    try:
        pdfa.assemble(page_files, output, title=Path(source.name).stem,
                      created=received_time(source))
    except Exception as exc:  # noqa: BLE001 - reported for this document only
        return dataclasses.replace(result, error={"code": "pdf_write_failed",
                                                  "message": str(exc)})
    timings["pdf.assemble"] = time.perf_counter() - t
    return dataclasses.replace(result, pdf_path=str(output))


def analyse(pages: Sequence[OcrPage], review_threshold: float,
            given_dossier: str | None) -> Analysis:
    """Document type, typed fields, and (for a scanned stack) its dossiers and documents."""
    from classifiers import classify
    from classifiers.cues import looks_like_receipt
    from extractors import extract
    from extractors.dossier import assemble

    pages = [p for p in pages if p.status is PageStatus.OK]
    if not pages:
        return Analysis(None, {}, given_dossier, None, {})
    timings: dict[str, float] = {}
    t = time.perf_counter()
    classification = classify(pages)
    timings["classify"] = time.perf_counter() - t
    t = time.perf_counter()
    fields = extract(classification.document_type, pages, review_threshold=review_threshold)
    timings["extract"] = time.perf_counter() - t
    code = given_dossier
    found = fields.get("dossier_code")
    if classification.document_type == "dossier_receipt" and found and found.value:
        code = code or found.value
    dossiers = split = None
    if len(pages) > 1 and any(p.qr_codes or looks_like_receipt(p.text) for p in pages):
        t = time.perf_counter()
        split = assemble(pages, review_threshold=review_threshold, dossier_code=given_dossier)
        dossiers = [dossier_dict(d) for d in split]
        codes = {d.code for d in split if d.code}
        code = codes.pop() if len(codes) == 1 else given_dossier
        timings["dossiers"] = time.perf_counter() - t
    return Analysis(classification, fields, code, dossiers, timings, split)


def dossier_dict(d) -> dict[str, Any]:
    """A dossier of a stack as JSON: its code, and its documents with their pages and fields."""
    slices = ([d.receipt] if d.receipt else []) + list(d.documents)
    return {
        "dossier_code": d.code,
        "code_source": d.code_source,
        "pages": d.page_numbers,
        "issues": list(d.issues),
        "documents": [{
            "document_type": s.document_type,
            "document_type_confidence": round(s.classification.confidence, 4)
            if s.classification else None,
            "pages": list(s.page_numbers),
            "fields": {k: f.to_dict() for k, f in s.fields.items()},
        } for s in slices],
    }


def is_stack(analysis: Analysis) -> bool:
    """A scanned stack of several documents (not one receipt with its second page)."""
    return bool(analysis.split) and sum(
        (1 if d.receipt else 0) + len(d.documents) for d in analysis.split) > 1


def with_analysis(result: DocumentResult, analysis: Analysis) -> DocumentResult:
    return dataclasses.replace(result, classification=analysis.classification,
                               fields=analysis.fields, dossier_code=analysis.dossier_code,
                               dossiers=analysis.dossiers,
                               timings={**result.timings, **analysis.timings})


def final_state(result: DocumentResult) -> tuple[str, dict[str, Any] | None]:
    """done, needs_review or failed, with the reason of a failure."""
    if result.error:
        return "failed", result.error
    if result.archive and result.archive.get("duplicate"):
        return "done", duplicate_reason(result.document_id)
    parts = [x for d in result.dossiers or [] for x in d["documents"]]
    if any(f.needs_review for f in result.fields.values()) or any(
            f["needs_review"] for x in parts for f in x["fields"].values()):
        return "needs_review", None
    return "done", None


def duplicate_reason(doc_id: str) -> dict[str, str]:
    """A known original: its record stands as it is; the uploader is told (and no more)."""
    return {"code": "duplicate", "message": f"already archived as document {doc_id}"}


@dataclass(frozen=True)
class StackPart:
    """One document found in a scanned stack, ready to archive on its own."""

    result: DocumentResult
    pdf: Path
    pages: tuple[int, ...]


def split_parts(result: DocumentResult, split: list, page_files: dict[int, Path],
                source: SourceFile, name: str, workdir: Path) -> list[StackPart]:
    """Each document of a stack's dossiers (receipt, forms, ID-card copies) as its own result
    with its own PDF/A made from its pages."""
    by_number = {p.number: p for p in result.pages}
    stem = Path(name).stem
    parts = []
    for dossier in split:
        for piece in ([dossier.receipt] if dossier.receipt else []) + list(dossier.documents):
            pages = tuple(piece.page_numbers)
            doc_id = part_id(source.sha256, pages)
            out = workdir / f"{doc_id}.pdf"
            pdfa.assemble([page_files[n] for n in pages], out,
                          title=f"{stem} p{pages[0]}-{pages[-1]}",
                          created=received_time(source))
            parts.append(StackPart(DocumentResult(
                document_id=doc_id, file=f"{name} (p. {pages[0]}-{pages[-1]})",
                sha256=source.sha256, kind=source.kind.value,
                pages=[by_number[n] for n in pages], classification=piece.classification,
                fields=piece.fields, dossier_code=dossier.code, pdf_path=str(out)), out, pages))
    return parts


def received_time(source: SourceFile) -> datetime:
    """When the original came in (its file time): the PDF/A's dates, so that the same
    original always gives the same PDF bytes."""
    try:
        return datetime.fromtimestamp(Path(source.path).stat().st_mtime, UTC)
    except OSError:
        return datetime.now(UTC)


# ----------------------------------------------------------------------------- the flow


class Flow:
    """The stages after the pages, with what they need opened once per process: the trained
    classifier and (unless ``archive=False``: ``sohoa extract``, ``--no-archive``) the
    archive."""

    def __init__(self, settings: Settings, *, archive: bool = True, archive_obj=None):
        self.settings = settings
        self.archives = archive
        self._archive = archive_obj
        self._lock = threading.Lock()
        from classifiers import configure

        configure(settings.models_dir)

    @property
    def archive(self):
        with self._lock:
            if self._archive is None:
                from storage.archive import Archive

                self._archive = Archive(self.settings)
            return self._archive

    def finish(self, source: SourceFile, pages: Sequence[OcrPage], page_files: Sequence[Path],
               output: Path, arrival: Arrival) -> DocumentResult:
        """The whole way of one document after its pages (one screen, on purpose)."""
        result = assemble_pdf(source, document_id(source.sha256), pages, page_files, output)
        parts: list[StackPart] = []
        if result.error is None:
            try:
                analysis = analyse(result.pages, self.settings.review_threshold,
                                   arrival.dossier_code)
            except SohoaError as exc:  # e.g. no trained model: this document says so
                analysis = Analysis(None, {}, arrival.dossier_code, None, {})
                result = dataclasses.replace(result, error=exc.to_dict())
            result = with_analysis(result, analysis)
            if self.archives and is_stack(analysis):
                by_number = dict(zip(sorted(p.number for p in result.pages), page_files,
                                     strict=True))
                parts = split_parts(result, analysis.split, by_number, source,
                                    arrival.file_name, output.parent)
        if self.archives:
            result = self.archive_result(result, source, arrival, parts)
        for part in parts:
            part.pdf.unlink(missing_ok=True)
        return result

    def archive_result(self, result: DocumentResult, source: SourceFile, arrival: Arrival,
                       parts: Sequence[StackPart] = ()) -> DocumentResult:
        """Sign, store, record and index (a stack: each of its documents, and the stack as
        received); or record a duplicate receipt of a known original. An archive failure
        fails this document only."""
        t = time.perf_counter()
        named = dataclasses.replace(result, file=arrival.file_name)
        meta = {"branch": arrival.branch, "batch_id": arrival.batch_id,
                "actor": arrival.actor, "reprocess": arrival.reprocess}
        try:
            if parts:
                record = self.archive.archive_stack(
                    named, source.path, [(p.result, p.pdf.read_bytes(), p.pages)
                                         for p in parts], **meta)
            else:
                pdf = Path(result.pdf_path).read_bytes() if result.pdf_path else None
                record = self.archive.archive_document(named, pdf, source.path, **meta)
        except SohoaError as exc:
            return dataclasses.replace(result, error=result.error or exc.to_dict(),
                                       errors=[*result.errors, exc.to_dict()])
        return dataclasses.replace(result, archive=record.to_dict(),
                                   timings={**result.timings,
                                            "archive": time.perf_counter() - t})

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
