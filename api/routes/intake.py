"""Intake services: ``POST /extract`` (one document, the contract JSON) and ``GET /jobs/{id}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.auth import Principal, allow
from api.security import scrub_errors
from api.uploads import stage
from pipeline import ingest
from pipeline.model import SohoaError

router = APIRouter(tags=["intake"])
Intake = Annotated[Principal, Depends(allow("intake"))]


def _pages(path, settings) -> int:
    source = ingest.open_source(path, settings.limits)
    return ingest.count_pages(source, settings.limits)


def _contract_response(line: dict) -> JSONResponse:
    return JSONResponse(scrub_errors(line), status_code=422 if "error" in line else 200)


def _pending(job: str, state: str) -> JSONResponse:
    url = f"/jobs/{job}"
    return JSONResponse({"job_id": job, "state": state, "url": url}, status_code=202,
                        headers={"Location": url, "Retry-After": "2"})


@router.post("/extract", summary="Classify one document and extract its fields",
             responses={200: {"description": "The contract JSON object"},
                        202: {"description": "Longer document: poll the job URL"},
                        413: {"description": "The file is too large"},
                        422: {"description": "Unreadable file: the contract's error object"},
                        429: {"description": "The intake queue is full (see Retry-After)"}})
async def post_extract(who: Intake, request: Request,
                       file: Annotated[UploadFile, File(description="PDF, TIFF, JPEG or PNG")]):
    """Synchronous up to ``SOHOA_API_SYNC_PAGES`` pages within ``SOHOA_API_SYNC_SECONDS``;
    otherwise 202 with a job URL. The answer is exactly the extraction contract's object."""
    app = request.app
    queue = app.state.intake
    staged = await stage(file, queue.spool, app.state.api.max_file_bytes)
    try:
        pages = await run_in_threadpool(_pages, staged.path, app.state.settings)
    except SohoaError as exc:
        queue.discard([staged])
        return _contract_response({"file": staged.name, "error": exc.to_dict()})
    cached = await run_in_threadpool(queue.cached_extract, staged.sha256)
    if cached is not None:
        queue.discard([staged])
        cached["file"] = staged.name
        return _contract_response(cached)
    try:
        job = await run_in_threadpool(lambda: queue.submit_extract(staged, actor=who.who))
    except BaseException:
        queue.discard([staged])
        raise
    if pages <= app.state.api.sync_pages:
        await run_in_threadpool(queue.wait, job, app.state.api.sync_seconds)
    info = await run_in_threadpool(queue.job, job)
    if info["result"] is not None:
        return _contract_response(info["result"])
    if info["state"] == "failed":
        return _contract_response({"file": staged.name, "error": info["error"]})
    return _pending(job, info["state"])


@router.get("/jobs/{job_id}", summary="An extraction job: 202 while it runs, then the result")
def get_job(who: Intake, job_id: str, request: Request):
    info = request.app.state.intake.job(job_id)
    if info is None:
        raise HTTPException(404, f"no job {job_id!r}")
    if info["result"] is not None:
        return _contract_response(info["result"])
    if info["state"] == "failed":
        return _contract_response({"file": info["file"], "error": info["error"]})
    return _pending(job_id, info["state"])
