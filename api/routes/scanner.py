"""Branch scanners: ``POST /batches`` and ``GET /batches/{id}``."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.auth import Principal, allow
from api.security import scrub_errors
from api.uploads import StagedFile, stage

router = APIRouter(tags=["scanner"])
Scanner = Annotated[Principal, Depends(allow("scanner"))]

BRANCH_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DOSSIER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def check_code(value: str | None, pattern: re.Pattern, what: str) -> str | None:
    if value in (None, ""):
        return None
    value = value.strip()
    if not pattern.match(value):
        raise HTTPException(422, f"{what} may hold letters, digits, '.', '_' and '-' only")
    return value


def upload_branch(who: Principal, asked: str | None) -> str:
    """The branch an upload is filed for: a scanner's own (from its token, never the form);
    an admin names one."""
    if who.role == "scanner":
        if not who.branch:
            raise HTTPException(403, "this scanner token names no branch; ask for a token "
                                     "made with --branch")
        if asked and asked != who.branch:
            raise HTTPException(403, f"this token uploads for branch {who.branch} only")
        return who.branch
    if not asked:
        raise HTTPException(422, "branch is required")
    return asked


def check_dossier_branch(request: Request, code: str, branch: str) -> None:
    """A dossier that already exists belongs to one branch: another branch cannot file into
    it (409, without saying whose it is)."""
    from sqlalchemy import select

    from api.app import get_archive
    from storage.models import Dossier

    owner = get_archive(request).db.run(
        lambda s: s.scalar(select(Dossier.branch).where(Dossier.code == code)), "dossier branch")
    if owner is not None and owner != branch:
        raise HTTPException(409, f"dossier {code} cannot be filed into from branch {branch}")


def may_read_branch(who: Principal, branch: str | None) -> bool:
    return who.role != "scanner" or (who.branch is not None and branch == who.branch)


async def stage_all(request: Request, files: list[UploadFile]) -> list[StagedFile]:
    """Stage every upload, or none: on any error the files staged so far are removed (unless
    an earlier request already queued the same content)."""
    api = request.app.state.api
    queue = request.app.state.intake
    if len(files) > api.max_files:
        raise HTTPException(413, f"{len(files)} files in one batch; the limit is "
                                 f"{api.max_files}")
    staged: list[StagedFile] = []
    try:
        for f in files:
            staged.append(await stage(f, queue.spool, api.max_file_bytes))
    except BaseException:
        await run_in_threadpool(discard, queue, staged)
        raise
    return staged


def discard(queue, staged: list[StagedFile]) -> None:
    queue.discard(staged)


@router.post("/batches", status_code=202, summary="Upload a batch of scans",
             responses={200: {"description": "The same batch was uploaded before"},
                        413: {"description": "A file, the batch or the request is too large"},
                        415: {"description": "A file is not PDF, TIFF, JPEG or PNG"},
                        429: {"description": "The intake queue is full (see Retry-After)"},
                        503: {"description": "Processing unavailable (see Retry-After)"}})
async def post_batch(
    who: Scanner,
    request: Request,
    files: Annotated[list[UploadFile], File(description="PDF, TIFF, JPEG or PNG scans")],
    branch: Annotated[str | None, Form(description="branch code (admin only: a scanner's "
                                                   "branch comes from its token)")] = None,
    dossier_code: Annotated[str | None, Form(description="dossier code (optional)")] = None,
):
    """Queue the files for processing. Idempotent: the same branch, dossier code and file
    contents give the same batch id (answered with 200, nothing queued twice)."""
    branch = upload_branch(who, check_code(branch, BRANCH_RE, "branch"))
    dossier_code = check_code(dossier_code, DOSSIER_RE, "dossier_code")
    if not files:
        raise HTTPException(422, "no files")
    if dossier_code:
        await run_in_threadpool(check_dossier_branch, request, dossier_code, branch)
    queue = request.app.state.intake
    staged = await stage_all(request, files)
    try:
        receipt, created = await run_in_threadpool(
            lambda: queue.submit_batch(staged, branch, dossier_code, actor=who.who))
    except BaseException:
        await run_in_threadpool(discard, queue, staged)
        raise
    url = f"/batches/{receipt['batch_id']}"
    receipt["status_url"] = url
    return JSONResponse(receipt, status_code=202 if created else 200,
                        headers={"Location": url})


@router.get("/batches/{batch_id}", summary="Progress of a batch, per document")
def get_batch(who: Scanner, batch_id: str, request: Request):
    """Each document's state: queued, running, done, needs_review or failed. A scanner sees
    its own branch's batches only (another branch's batch is "not found")."""
    status = request.app.state.intake.batch_status(batch_id)
    if status is None or not may_read_branch(who, status.get("branch")):
        raise HTTPException(404, f"no batch {batch_id!r}")
    return scrub_errors(status)
