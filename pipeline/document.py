"""The document stage: a document's OCR'd pages become its result and its PDF/A.

Called by the embedded runner and by the distributed workers alike, once the last page of a
document is done. Further document stages (classification, extraction, archiving) are hooks
that the packages providing them contribute; they run after the PDF/A exists, in order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pipeline import pdfa
from pipeline.model import DocumentResult, OcrPage, PageStatus, SohoaError, SourceFile

# A hook fills in the result (type, fields, archive record); it gets the source for its
# metadata (original file, branch, batch, dossier).
DocumentHook = Callable[[DocumentResult, SourceFile], None]


def finish_document(source: SourceFile, document_id: str, pages: Sequence[OcrPage],
                    page_files: Sequence[Path], pdf_output: Path,
                    hooks: Iterable[DocumentHook] = ()) -> DocumentResult:
    result = DocumentResult(document_id=document_id, file=source.path, sha256=source.sha256,
                            kind=source.kind.value, pages=sorted(pages, key=lambda p: p.number),
                            dossier_code=source.dossier_code)
    failed = [p for p in result.pages if p.status is PageStatus.FAILED]
    for p in failed:
        result.errors.append({"page": p.number, **(p.error or {})})
    if failed:
        first = failed[0].error or {}
        result.error = {"code": first.get("code", "page_failed"),
                        "message": f"{len(failed)} of {len(result.pages)} pages failed; page "
                                   f"{failed[0].number}: {first.get('message', '')}"}
    else:
        t = time.perf_counter()
        try:
            pdfa.assemble(page_files, pdf_output, title=Path(source.name).stem,
                          created=received_time(source))
            result.pdf_path = str(pdf_output)
        except Exception as exc:  # noqa: BLE001 - reported for this document only
            result.error = {"code": "pdf_write_failed", "message": str(exc)}
        result.timings["pdf.assemble"] = time.perf_counter() - t
    for hook in hooks:
        try:
            hook(result, source)
        except SohoaError as exc:
            result.errors.append(exc.to_dict())
            result.error = result.error or exc.to_dict()
    for page in result.pages:
        for key, value in page.timings.items():
            result.timings[key] = result.timings.get(key, 0.0) + value
    return result


def received_time(source: SourceFile) -> datetime:
    """When the original came in (its file time): the PDF/A's dates, so that the same
    original always gives the same PDF bytes, and re-archiving it is recognised."""
    try:
        return datetime.fromtimestamp(Path(source.path).stat().st_mtime, UTC)
    except OSError:
        return datetime.now(UTC)
