"""The FastAPI application: ``create_app(settings, api_settings)``. OpenAPI at /docs."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from api.auth import load_tokens
from api.intake import Intake, QueueFull, Unavailable
from api.settings import ApiSettings
from pipeline.config import Settings
from pipeline.model import SohoaError, TransientError

log = logging.getLogger("sohoa.api")
HERE = Path(__file__).resolve().parent

TAGS = [
    {"name": "scanner", "description": "Branch scanners: batch uploads and their progress."},
    {"name": "intake", "description": "Intake services: one document in, the contract JSON out."},
    {"name": "archivist", "description": "Archivists: search, documents, PDFs, dossiers."},
    {"name": "qa", "description": "QA staff: the review queue."},
    {"name": "web", "description": "Server-rendered pages."},
]


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, by Content-Length up front or
    by counting what arrives (chunked uploads)."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.limit
            except ValueError:
                too_big = True
            if too_big:
                return await self._refuse(send)
        seen = 0
        started = exceeded = False

        async def counting_receive():
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    exceeded = True  # whatever the app answers now becomes a 413
                    raise _BodyTooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if exceeded:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._refuse(send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                started = True
                await self._refuse(send)

    async def _refuse(self, send):
        body = (b'{"detail":"the request body is larger than the limit of %d bytes"}'
                % self.limit)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass


class Admission:
    """Refuse uploads with 429/503 + Retry-After *before* parsing their bodies when the intake
    queue is already full or processing is down (the handler checks again, exactly, with the
    number of files). Only for callers whose token and role would be accepted, so that the
    answer to everyone else stays 401/403."""

    ROLES = {"/batches": {"scanner", "admin"}, "/extract": {"intake", "admin"}}

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
                  description="Scans in; searchable Vietnamese PDF/A, typed fields and a "
                              "signed archive out. Authenticate with `Authorization: Bearer "
                              "<token>`; each endpoint names the roles it accepts.")
    app.state.settings = settings
    app.state.api = api_settings
    app.state.tokens = load_tokens(api_settings.tokens, Path(settings.home))
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

    @app.exception_handler(TransientError)
    async def transient(request: Request, exc: TransientError):
        return JSONResponse({"detail": f"storage unavailable: {exc.message}"}, status_code=503,
                            headers={"Retry-After": "30"})

    @app.exception_handler(SohoaError)
    async def sohoa_error(request: Request, exc: SohoaError):
        status = 404 if exc.code == "not_found" else 422
        return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=status)

    from api.routes import archivist, intake, qa, scanner
    from api.web import router as web_router

    for module in (scanner, intake, archivist, qa):
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
    app.add_middleware(BodyLimit, limit=api_settings.max_request_bytes)
    return app


def get_archive(request: Request):
    """The app's Archive (opened on first use; its database pool is shared)."""
    app = request.app
    if app.state.archive is None:
        from storage.archive import Archive

        app.state.archive = Archive(app.state.settings)
    return app.state.archive
