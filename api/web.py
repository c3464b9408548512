"""Server-rendered pages (Jinja2, no build step): search, review, batches, dossier.

The token is entered once (login page) and kept in ``localStorage`` and a ``SameSite=Strict``
cookie; the server renders a page for the cookie's role and the page's scripts call the API
with the ``Authorization`` header.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

from api import review
from api.app import get_archive
from api.auth import authenticate

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

PAGES = {"search": ("archivist",), "review": ("qa",), "batches": ("scanner",),
         "dossier": ("archivist",)}


def _who(request: Request, page: str):
    """(principal, None) or (None, the login page response)."""
    roles = set(PAGES[page]) | {"admin"}
    try:
        who = authenticate(request)
    except HTTPException as exc:
        return None, _login(request, page, exc.detail, 401)
    if who.role not in roles:
        return None, _login(request, page,
                            f"this token's role ({who.role}) cannot open this page", 403)
    return who, None


def _login(request: Request, page: str, message: str, status: int):
    return templates.TemplateResponse(request, "login.html",
                                      {"page": page, "message": message,
                                       "roles": ", ".join(PAGES[page])}, status_code=status)


@router.get("/")
def home():
    return RedirectResponse("/ui/search", status_code=303)


@router.get("/ui/login")
def login(request: Request):
    return templates.TemplateResponse(request, "login.html",
                                      {"page": "login", "message": "", "roles": ""})


@router.get("/ui/search")
async def search_page(request: Request, q: str = "", type: str = "", branch: str = "",
                      dossier: str = "", date_from: str = "", date_to: str = "",
                      page: int = 1):
    who, refused = _who(request, "search")
    if refused:
        return refused
    from api.routes.archivist import search_hits

    result, error = None, None
    params = request.query_params
    date_from = params.get("from", date_from)
    date_to = params.get("to", date_to)
    if any((q, type, branch, dossier, date_from, date_to)):
        try:
            result = await run_in_threadpool(
                search_hits, get_archive(request), q[:500], document_type=type[:64] or None,
                branch=branch[:64] or None, dossier=dossier[:128] or None,
                date_from=date_from or None, date_to=date_to or None,
                page=max(1, min(page, 1000)), per_page=20)
        except ValueError as exc:
            error = str(exc)
    from pipeline.model import ALL_DOCUMENT_TYPES as ALL_TYPES

    return templates.TemplateResponse(request, "search.html", {
        "page": "search", "who": who, "result": result, "error": error, "q": q,
        "type": type, "branch": branch, "dossier": dossier, "date_from": date_from,
        "date_to": date_to, "types": ALL_TYPES})


@router.get("/ui/review")
async def review_page(request: Request, type: str = "", branch: str = "", reason: str = "",
                      offset: int = 0):
    who, refused = _who(request, "review")
    if refused:
        return refused
    data = await run_in_threadpool(review.queue, get_archive(request),
                                   document_type=type or None, branch=branch or None,
                                   reason=reason or None, limit=1, offset=max(0, offset))
    item = data["items"][0] if data["items"] else None
    if item is None and offset > 0 and data["total"]:
        return RedirectResponse(request.url.include_query_params(offset=0), status_code=303)
    return templates.TemplateResponse(request, "review.html", {
        "page": "review", "who": who, "item": item, "total": data["total"],
        "offset": offset, "type": type, "branch": branch, "reason": reason})


@router.get("/ui/batches")
def batches_page(request: Request):
    who, refused = _who(request, "batches")
    if refused:
        return refused
    return templates.TemplateResponse(request, "batches.html", {"page": "batches", "who": who})


@router.get("/ui/dossiers/{code}")
async def dossier_page(code: str, request: Request):
    who, refused = _who(request, "dossier")
    if refused:
        return refused
    from api.routes.archivist import dossier

    try:
        data = await run_in_threadpool(dossier, who, code, request)
    except HTTPException as exc:
        data, error = None, exc.detail
    else:
        error = None
    return templates.TemplateResponse(request, "dossier.html", {
        "page": "dossier", "who": who, "code": code, "data": data, "error": error},
        status_code=200 if data else 404)
