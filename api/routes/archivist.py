"""Archivists: search, documents (fields, review state, timeline), PDFs, verify, dossiers."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.app import get_archive
from api.auth import Principal, allow
from storage.reads import DocumentNotFound

router = APIRouter(tags=["archivist"])
Archivist = Annotated[Principal, Depends(allow("archivist"))]
# QA looks at the document of a field it reviews
ArchivistOrQa = Annotated[Principal, Depends(allow("archivist", "qa"))]
PRESIGNED_SECONDS = 120
# Document ids are made by the pipeline (hex digests); nothing else reaches the archive.
DOCUMENT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def checked_id(document_id: str) -> str:
    if not DOCUMENT_ID_RE.match(document_id):
        raise HTTPException(404, "no such document (a document id is letters, digits, '-' "
                                 "and '_')")
    return document_id


def search_hits(archive, q: str, *, document_type=None, branch=None, dossier=None,
                date_from=None, date_to=None, page: int = 1, per_page: int = 20) -> dict:
    from storage.search import SearchFilters

    filters = SearchFilters(document_type=document_type or None, branch=branch or None,
                            dossier_code=dossier or None, date_from=date_from,
                            date_to=date_to)
    hits = archive.search(q or "", filters, limit=per_page + 1, offset=(page - 1) * per_page)
    return {"query": q, "page": page, "per_page": per_page,
            "has_more": len(hits) > per_page,
            "hits": [h.to_dict() | {"document_url": f"/documents/{h.document_id}",
                                    "pdf_url": f"/documents/{h.document_id}/pdf",
                                    "dossier_url": f"/dossiers/{h.dossier_code}"
                                    if h.dossier_code else None}
                     for h in hits[:per_page]]}


@router.get("/search", summary="Full-text search (diacritics optional), filters, snippets")
def search(
    who: Archivist,
    request: Request,
    q: Annotated[str, Query(max_length=500, description='words, "a phrase", prefix*')] = "",
    type: Annotated[str | None, Query(max_length=64, description="document type id")] = None,
    branch: Annotated[str | None, Query(max_length=64)] = None,
    dossier: Annotated[str | None, Query(max_length=128)] = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
):
    """Hits ranked by match quality, newest first; ``snippet_html`` has matches in ``<mark>``."""
    return search_hits(get_archive(request), q, document_type=type, branch=branch,
                       dossier=dossier, date_from=date_from, date_to=date_to, page=page,
                       per_page=per_page)


@router.get("/documents/{document_id}",
            summary="A document: fields, review state, pages, timeline")
def document(who: ArchivistOrQa, document_id: str, request: Request):
    return get_archive(request).show(checked_id(document_id))


@router.get("/documents/{document_id}/pdf", summary="The signed PDF/A",
            responses={200: {"content": {"application/pdf": {}}},
                       307: {"description": "Short-lived presigned URL (S3)"}})
def document_pdf(who: Archivist, document_id: str, request: Request):
    archive = get_archive(request)
    document_id = checked_id(document_id)
    try:
        info = archive.document(document_id)
    except DocumentNotFound:
        info = None
    if info is None or not info.archive_key:
        raise HTTPException(404, f"no archived PDF for document {document_id!r}")
    url = archive.store.presigned_url(info.archive_key, expires=PRESIGNED_SECONDS)
    if url:
        return RedirectResponse(url, status_code=307,
                                headers={"Cache-Control": "no-store"})
    data = archive.get_pdf(document_id)  # checked against the recorded SHA-256
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{document_id}.pdf"',
                             "Cache-Control": "private, no-store"})


@router.post("/documents/{document_id}/verify",
             summary="Check the signature and the recorded checksum")
def verify(who: Archivist, document_id: str, request: Request):
    report = get_archive(request).verify_document(checked_id(document_id))
    return report.to_dict()


@router.get("/dossiers/{code}", summary="A dossier's documents and its event timeline")
def dossier(who: Archivist, code: str, request: Request):
    try:
        return get_archive(request).dossier(code)
    except DocumentNotFound:
        raise HTTPException(404, f"no dossier {code!r}") from None
