"""Admins: the access log (who read or changed what, when) and the people's tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.auth import Principal, allow
from api.security import get_archive_db

router = APIRouter(tags=["admin"])
Admin = Annotated[Principal, Depends(allow())]


@router.get("/access-log", summary="Who read or changed what and when (newest first)")
async def access_log(
    who: Admin,
    request: Request,
    document: Annotated[str | None, Query(max_length=64, description="a document id")] = None,
    person: Annotated[str | None, Query(max_length=128, description="a person's name")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1, description="entries older than this id")] = None,
):
    """Reads of documents, PDFs, dossiers, fields and searches, and every upload, extraction,
    verification and review decision, with the person behind it."""
    from storage.identity import access_log as query

    db = await run_in_threadpool(get_archive_db, request.app)
    rows = await run_in_threadpool(lambda: query(db, document_id=document, actor=person,
                                                 limit=limit, before_id=before))
    return {"entries": rows, "next_before": rows[-1]["id"] if len(rows) == limit else None}


@router.get("/tokens", summary="People's tokens (never the tokens themselves)")
async def tokens(who: Admin, request: Request):
    from storage.identity import list_tokens

    db = await run_in_threadpool(get_archive_db, request.app)
    return {"tokens": [t.to_dict() for t in await run_in_threadpool(list_tokens, db)]}
