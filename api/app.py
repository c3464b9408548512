"""The FastAPI application: ``create_app(settings, api_settings)``. OpenAPI at /docs.

Every request passes ``api.security.Gatekeeper`` first (authentication, body limits, rates,
security headers, access log): see that module for the route table."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from api import security
from api.auth import DatabaseTokens, Identity, StaticTokens, load_tokens
from api.intake import Intake, QueueFull, Unavailable
from api.settings import ApiSettings
from pipeline.config import Settings

log = logging.getLogger("sohoa.api")
HERE = Path(__file__).resolve().parent

TAGS = [
    {"name": "scanner", "description": "Branch scanners: batch uploads and their progress."},
    {"name": "intake", "description": "Intake services: one document in, the contract JSON out."},
    {"name": "archivist", "description": "Archivists: search, documents, PDFs, dossiers."},
    {"name": "qa", "description": "QA staff: the review queue."},
    {"name": "admin", "description": "Admins: the access log and people's tokens."},
    {"name": "web", "description": "Server-rendered pages."},
]


class Admission:
    """Refuse uploads with 429/503 + Retry-After *before* parsing their bodies when the intake
    queue is already full or processing is down (the handler checks again, exactly, with the
    number of files). Only for callers whose token and role would be accepted, so that the
    answer to everyone else stays 401/403."""

    ROLES = {"/batches": {"scanner", "admin"}, "/ui/api/batches": {"scanner", "admin"},
             "/extract": {"intake", "admin"}}

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        roles = self.ROLES.get(scope.get("path")) if scope["type"] == "http" else None
        if roles and scope["method"] == "POST":
            refusal = self._refusal(scope, roles)
            if refusal is not None:
                # Drain the body unparsed (closing on an unread body resets the connection
                # before the client reads the answer), then answer.
                while True:
                    message = await receive()
                    if message["type"] != "http.request" or not message.get("more_body"):
                        break
                return await refusal(scope, receive, send)
        await self.app(scope, receive, send)

    @staticmethod
    def _refusal(scope, roles):
        from fastapi import HTTPException

        from api.auth import authenticate

        request = Request(scope)
        try:
            if authenticate(request).role not in roles:
                return None
        except HTTPException:
            return None
        state = request.app.state
        q = state.intake
        try:
            if not q.alive:
                exc = Unavailable("the processing service is not running", 30)
                status = 503
            elif q.pending() >= q.queue_max:
                exc, status = QueueFull(q.retry_after()), 429
            else:
                return None
        except Exception:  # noqa: BLE001 - let the handler report it
            return None
        return JSONResponse({"detail": str(exc)}, status_code=status,
                            headers={"Retry-After": str(exc.retry_after)})


def create_app(settings: Settings | None = None, api_settings: ApiSettings | None = None,
               *, start_processing: bool = True) -> FastAPI:
    settings = settings or Settings.from_env()
    api_settings = api_settings or ApiSettings.from_env(settings)
    Path(settings.home).mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if start_processing:
            app.state.intake.start()
        try:
            yield
        finally:
            app.state.intake.stop()
            if app.state.archive is not None:
                app.state.archive.close()

    app = FastAPI(title="sohoa", version="0.1.0", lifespan=lifespan, openapi_tags=TAGS,
                  docs_url=None, redoc_url=None,
                  description="Scans in; searchable Vietnamese PDF/A, typed fields and a "
                              "signed archive out. Authenticate with `Authorization: Bearer "
                              "<token>`; each endpoint names the roles it accepts.")
    app.state.settings = settings
    app.state.api = api_settings
    app.state.tokens = load_tokens(api_settings.tokens, Path(settings.home))
    # Who is calling: configured tokens first, then people's tokens in the database (OIDC or
    # LDAP would be one more provider here).
    app.state.identity = Identity([StaticTokens(app.state.tokens),
                                   DatabaseTokens(lambda: security.get_archive_db(app))])
    # The one batch store: the broker's workers or (embedded) the drainer child run them.
    app.state.intake = Intake(settings, queue_max=api_settings.queue_max)
    app.state.archive = None

    @app.exception_handler(QueueFull)
    async def queue_full(request: Request, exc: QueueFull):
        return JSONResponse({"detail": str(exc)}, status_code=429,
                            headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, exc: Unavailable):
        return JSONResponse({"detail": str(exc)}, status_code=503,
                            headers={"Retry-After": str(exc.retry_after)})

    security.install(app, api_settings)

    from api.routes import admin, archivist, intake, qa, scanner
    from api.web import router as web_router

    for module in (scanner, intake, archivist, qa, admin):
        app.include_router(module.router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        q = app.state.intake
        ok = q.alive or not start_processing
        return JSONResponse({"ok": ok, "queue": q.counts(), "queue_max": q.queue_max,
                             "last_error": q.last_error}, status_code=200 if ok else 503)

    app.add_middleware(Admission)
    app.add_middleware(security.Gatekeeper, fastapi_app=app)  # outermost: runs first
    return app


def get_archive(request: Request):
    """The app's Archive (opened on first use; its database pool is shared)."""
    return archive_of(request.app)


def archive_of(app: FastAPI):
    if app.state.archive is None:
        with _archive_lock:  # the gatekeeper's threads and the handlers may race here
            if app.state.archive is None:
                from storage.archive import Archive

                app.state.archive = Archive(app.state.settings)
    return app.state.archive


_archive_lock = threading.Lock()
