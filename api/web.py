"""Server-rendered pages (Jinja2, no build step): search, review, batches, documents, dossiers,
and the public dossier status page (``api.routes.public``).

The token is entered once (login page) and kept in ``localStorage`` and a ``SameSite=Strict``
cookie; the server renders a page for the cookie's role and the page's scripts (all in
``api/static``, no inline script: the CSP forbids it) call the API with the ``Authorization``
header. Vietnamese first; ``?lang=en`` (kept in a cookie) switches the interface to English.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from api import i18n, review
from api.app import get_archive
from api.auth import authenticate

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
i18n.register(templates.env)
router = APIRouter(include_in_schema=False)

# page -> roles that may open it (admin may open every page)
PAGES = {"search": ("archivist",), "review": ("qa",), "batches": ("scanner",),
         "dossier": ("archivist",), "document": ("archivist", "qa")}
# the menu, in order: (page, path, Vietnamese, English)
MENU = (("batches", "/ui/batches", "Tải lên", "Batches"),
        ("review", "/ui/review", "Kiểm tra", "Review"),
        ("search", "/ui/search", "Tra cứu", "Search"))
LANDING = {"scanner": "/ui/batches", "qa": "/ui/review", "archivist": "/ui/search",
           "admin": "/ui/search"}


@pass_context
def tr(ctx, vi: str, en: str) -> str:
    """The text in the page's language (Vietnamese first)."""
    return en if ctx.get("lang") == "en" else vi


templates.env.globals["tr"] = tr


def menu_for(role: str | None) -> list[tuple[str, str, str, str]]:
    if role is None:
        return []
    return [m for m in MENU if role == "admin" or role in PAGES[m[0]]]


def render(request: Request, name: str, context: dict, status_code: int = 200):
    lang = i18n.lang_of(request)
    who = context.get("who")
    ctx = {"lang": lang, "menu": menu_for(who.role if who else None), **context}
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie("sohoa_lang", lang, max_age=365 * 86400, samesite="strict")
    return response


def who_for(request: Request, page: str):
    """(principal, None) or (None, the login page response)."""
    roles = set(PAGES[page]) | {"admin"}
    lang = i18n.lang_of(request)
    try:
        who = authenticate(request)
    except HTTPException as exc:
        return None, _login(request, page, i18n.message(exc.detail, lang), 401)
    if who.role not in roles:
        text = (f"Vai trò của mã này ({i18n.role_name(who.role)}, {who.role}) không mở được "
                "trang này." if lang == "vi" else
                f"this token's role ({who.role}) cannot open this page")
        return None, _login(request, page, text, 403)
    return who, None


def _login(request: Request, page: str, message: str, status: int):
    return render(request, "login.html", {"page": page, "message": message,
                                          "roles": PAGES.get(page, ())}, status)


@router.get("/")
def home(request: Request):
    """Each role lands on its own page: scanners on batches, QA on review, archivists on
    search; without a token, the login page."""
    try:
        who = authenticate(request)
    except HTTPException:
        return RedirectResponse("/ui/login", status_code=303)
    return RedirectResponse(LANDING.get(who.role, "/ui/login"), status_code=303)


@router.get("/favicon.ico")
def favicon():
    return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/ui/login")
def login(request: Request):
    return render(request, "login.html", {"page": "login", "message": "", "roles": ()})


@router.get("/ui/search")
async def search_page(request: Request, q: str = "", type: str = "", branch: str = "",
                      dossier: str = "", cursor: str = ""):
    who, refused = who_for(request, "search")
    if refused:
        return refused
    from api.routes.pages import search_page_data

    params = request.query_params
    data = await run_in_threadpool(
        search_page_data, get_archive(request), q=q[:500], document_type=type[:64],
        branch=branch[:64], dossier=dossier[:128], date_from=params.get("from", "")[:10],
        date_to=params.get("to", "")[:10], cursor=cursor[:400], lang=i18n.lang_of(request))
    return render(request, "search.html", {
        "page": "search", "who": who, "q": q, "cursor": cursor, "type": type, "branch": branch,
        "dossier": dossier, "date_from": params.get("from", ""),
        "date_to": params.get("to", ""), "types": i18n.type_titles(), **data})


@router.get("/ui/review")
async def review_page(request: Request, type: str = "", branch: str = "", reason: str = "",
                      document: str = "", field: int = 0, offset: int = 0):
    who, refused = who_for(request, "review")
    if refused:
        return refused
    from api.routes.pages import review_page_data

    data = await run_in_threadpool(
        review_page_data, get_archive(request), who, type=type[:64], branch=branch[:64],
        reason=reason[:64], document=document[:64], field=field, offset=max(0, offset))
    if data["item"] is None and offset > 0 and data["total"]:
        return RedirectResponse(request.url.include_query_params(offset=0), status_code=303)
    return render(request, "review.html", {
        "page": "review", "who": who, "offset": offset, "type": type, "branch": branch,
        "reason": reason, "document": document, **data})


@router.get("/ui/batches")
async def batches_page(request: Request):
    return await _batches(request, None)


@router.get("/ui/batches/{batch_id}")
async def batch_page(request: Request, batch_id: str):
    return await _batches(request, batch_id[:64])


async def _batches(request: Request, batch_id: str | None):
    who, refused = who_for(request, "batches")
    if refused:
        return refused
    return render(request, "batches.html", {"page": "batches", "who": who,
                                            "batch_id": batch_id or "",
                                            "branch": getattr(who, "branch", None) or ""})


@router.get("/ui/documents/{document_id}")
async def document_page(request: Request, document_id: str):
    who, refused = who_for(request, "document")
    if refused:
        return refused
    from api.routes.pages import document_page_data

    data = await run_in_threadpool(document_page_data, get_archive(request), document_id[:64])
    return render(request, "document.html", {"page": "document", "who": who,
                                             "document_id": document_id, **data},
                  200 if data["doc"] else 404)


@router.get("/ui/dossiers/{code}")
async def dossier_page(code: str, request: Request):
    who, refused = who_for(request, "dossier")
    if refused:
        return refused
    from api.routes.archivist import dossier

    try:
        data = await run_in_threadpool(dossier, who, code, request)
    except HTTPException as exc:
        data, error = None, exc.detail
    else:
        error = None
    return render(request, "dossier.html", {
        "page": "dossier", "who": who, "code": code, "data": data,
        "error": ("Không có hồ sơ này." if error else None)},
        status_code=200 if data else 404)


def _include_routes() -> None:
    from api.routes import pages, public

    router.include_router(pages.router)
    router.include_router(public.router)


_include_routes()
__all__ = ["router", "render", "review", "templates"]
