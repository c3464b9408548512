"""The gatekeeper: who may send what to which route, decided before a byte of the body is read.

FastAPI resolves body parameters before it runs dependencies, so a role check in a dependency
comes after the body was read and parsed. :class:`Gatekeeper` is a pure-ASGI middleware in
front of everything; from :data:`ROUTES` (method + path pattern -> roles, body limit, rate
class, access-log action) it

1. refuses a request without a valid token for that route with 401/403 *before reading its
   body* (a small body is drained, a large one is not read: the connection is closed);
2. refuses a body larger than the route's limit: by ``Content-Length`` up front, and while it
   streams in (chunked uploads) — so JSON is parsed only within its bound;
3. applies the per-token rate limits (uploads, searches: 429 + Retry-After) and refuses deep
   offset pages (400: use the keyset cursor);
4. adds the security headers to every response;
5. records reads and writes of authenticated people in the access log
   (``storage.identity.record_access``).

Declaring a new route: add one :class:`Route` line to :data:`ROUTES`. A request to a path that
is not in the table may carry no body (413) and is authenticated by its handler alone.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import anyio.to_thread
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth import Principal, bearer, resolve
from api.limits import RateLimiter, deep_page_error

log = logging.getLogger("sohoa.api.security")

JSON_BODY = 4 * 1024  # a review decision is a few hundred bytes
SMALL_BODY = 1024  # POST without a payload (verify)
DRAIN_LIMIT = 256 * 1024  # refused bodies up to this size are read and dropped, not cut off

PUBLIC = None  # roles=None: no token needed at the gate (the handler may still check one)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # "/documents/{document_id}/pdf"; "{name:path}" matches across slashes
    roles: frozenset[str] | None = PUBLIC  # admin is always added
    body: int | str = 0  # bytes, or "upload" / "extract" (from ApiSettings)
    rate: str | None = None  # "upload" | "search": per-token rate limit class
    action: str | None = None  # access-log action; None: not logged
    offset: tuple[str, str, int] | None = None  # (page param, size param, default size)
    optional_auth: bool = False  # public, but log the person when a token is given
    pattern: re.Pattern = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        rx = re.sub(r"\{(\w+):path\}", r"(?P<\1>.+)", self.path)
        rx = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", rx)
        object.__setattr__(self, "pattern", re.compile(f"^{rx}$"))
        if self.roles is not None:
            object.__setattr__(self, "roles", frozenset(self.roles) | {"admin"})


def _r(*roles: str) -> frozenset[str]:
    return frozenset(roles)


ROUTES: list[Route] = [
    # scanners
    Route("POST", "/batches", _r("scanner"), body="upload", rate="upload", action="upload"),
    Route("GET", "/batches/{batch_id}", _r("scanner"), action="read_batch"),
    # intake services
    Route("POST", "/extract", _r("intake"), body="extract", rate="upload", action="extract"),
    Route("GET", "/jobs/{job_id}", _r("intake"), action="read_job"),
    # archivists
    Route("GET", "/search", _r("archivist"), rate="search", action="search",
          offset=("page", "per_page", 20)),
    Route("GET", "/documents/{document_id}", _r("archivist", "qa"), action="read_document"),
    Route("GET", "/documents/{document_id}/pdf", _r("archivist"), action="download_pdf"),
    Route("POST", "/documents/{document_id}/verify", _r("archivist"), body=SMALL_BODY,
          action="verify"),
    Route("GET", "/dossiers/{code}", _r("archivist"), action="read_dossier"),
    # QA
    Route("GET", "/review", _r("qa"), action="review_queue", offset=("offset", "limit", 0)),
    Route("GET", "/review/{field_id}", _r("qa"), action="read_field"),
    Route("GET", "/review/{field_id}/crop", _r("qa"), action="read_crop"),
    Route("POST", "/review/{field_id}", _r("qa"), body=JSON_BODY, action="review"),
    Route("POST", "/review/{field_id}/reopen", _r("qa"), body=JSON_BODY, action="reopen"),
    # admin
    Route("GET", "/access-log", _r(), action="read_access_log"),
    Route("GET", "/tokens", _r(), action="list_tokens"),
    # pages: the handler shows the login page to a caller without a (fitting) token
    Route("GET", "/", PUBLIC),
    Route("GET", "/ui/login", PUBLIC),
    Route("GET", "/ui/search", PUBLIC, rate="search", action="search",
          offset=("page", "", 20), optional_auth=True),
    Route("GET", "/ui/review", PUBLIC, action="review_queue", offset=("offset", "", 0),
          optional_auth=True),
    Route("GET", "/ui/batches", PUBLIC, optional_auth=True),
    Route("GET", "/ui/batches/{batch_id}", PUBLIC, optional_auth=True),
    Route("GET", "/ui/dossiers/{code}", PUBLIC, action="read_dossier", optional_auth=True),
    Route("GET", "/ui/documents/{document_id}", PUBLIC, action="read_document",
          optional_auth=True),
    Route("GET", "/favicon.ico", PUBLIC),
    # the pages' own calls (api/routes/pages.py): the same roles as the API they stand beside
    Route("GET", "/ui/documents/{document_id}/download", _r("archivist"),
          action="download_pdf"),
    Route("GET", "/ui/api/documents/{document_id}/pages/{page}.png", _r("archivist", "qa"),
          action="read_page"),
    Route("POST", "/ui/api/documents/{document_id}/verify", _r("archivist", "qa"),
          body=SMALL_BODY, action="verify"),
    Route("POST", "/ui/api/review/{field_id}", _r("qa"), body=JSON_BODY, action="review"),
    Route("POST", "/ui/api/review/{field_id}/reopen", _r("qa"), body=JSON_BODY,
          action="reopen"),
    Route("POST", "/ui/api/batches", _r("scanner"), body="upload", rate="upload",
          action="upload"),
    Route("GET", "/ui/api/batches", _r("scanner"), action="list_batches"),
    Route("GET", "/ui/api/batches/{batch_id}", _r("scanner"), action="read_batch"),
    # the citizen's status page: no login, nothing personal, rate-limited per address
    # (api/routes/public.py)
    Route("GET", "/tra-cuu", PUBLIC),
    Route("GET", "/tra-cuu/{code:path}", PUBLIC),
    # public
    Route("GET", "/healthz", PUBLIC),
    Route("GET", "/docs", PUBLIC),
    Route("GET", "/docs/{asset:path}", PUBLIC),
    Route("GET", "/openapi.json", PUBLIC),
    Route("GET", "/static/{asset:path}", PUBLIC),
]
UNLISTED = Route("*", "/", PUBLIC)  # not in the table: no body; the handler authenticates

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
# Swagger UI sets style attributes from its script; still no inline script.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def match(method: str, path: str) -> tuple[Route, dict[str, str]]:
    method = "GET" if method == "HEAD" else method
    for route in ROUTES:
        if route.method == method:
            m = route.pattern.match(path)
            if m:
                return route, m.groupdict()
    return UNLISTED, {}


def body_limits(api_settings) -> dict[str, int]:
    upload = min(api_settings.max_request_bytes,
                 api_settings.max_files * api_settings.max_file_bytes + (1 << 20))
    extract = min(api_settings.max_request_bytes, api_settings.max_file_bytes + (64 << 10))
    return {"upload": upload, "extract": extract}


class _BodyTooLarge(Exception):
    pass


def _json(status: int, detail: str, extra: dict | None = None) -> bytes:
    import json

    return json.dumps({"detail": detail, **(extra or {})}, ensure_ascii=False).encode()


class Gatekeeper:
    """The pure-ASGI middleware described in the module docstring."""

    def __init__(self, app, fastapi_app: FastAPI):
        self.app = app
        self.fastapi_app = fastapi_app

    # ----------------------------------------------------------------- helpers

    @property
    def state(self):
        return self.fastapi_app.state

    async def _send_answer(self, send, status: int, body: bytes, *, close: bool,
                           headers: list[tuple[bytes, bytes]] = ()):
        hs = [(b"content-type", b"application/json"),
              (b"content-length", str(len(body)).encode()), *headers]
        if close:
            hs.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": hs})
        await send({"type": "http.response.body", "body": body})

    async def _refuse(self, scope, receive, send, status: int, detail: str,
                      headers: list[tuple[bytes, bytes]] = (), extra: dict | None = None):
        """Answer without having read the body: drain a small one, else close."""
        length = _content_length(scope)
        has_body = length is None and _chunked(scope) or (length or 0) > 0
        close = False
        if has_body:
            if length is not None and length <= DRAIN_LIMIT:
                seen = 0
                while True:
                    message = await receive()
                    if message["type"] != "http.request":
                        break
                    seen += len(message.get("body", b""))
                    if not message.get("more_body") or seen > DRAIN_LIMIT:
                        break
                close = seen > DRAIN_LIMIT
            else:
                close = True
        await self._send_answer(send, status, _json(status, detail, extra), close=close,
                                headers=list(headers))

    async def _principal(self, scope) -> tuple[Principal | None, HTTPException | None]:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers") or []}
        try:
            token = bearer(headers, scope["method"], headers.get("cookie"))
        except ValueError as exc:
            return None, HTTPException(401, str(exc))
        if not token:
            return None, HTTPException(401, "a bearer token is required")
        try:
            return await anyio.to_thread.run_sync(resolve, self.state.identity, token), None
        except HTTPException as exc:
            return None, exc
        except Exception:  # noqa: BLE001 - e.g. the database of tokens is down
            eid = _error_id()
            log.exception("error %s: identity lookup failed", eid)
            return None, HTTPException(503, f"authentication is unavailable for a moment "
                                            f"(error {eid})", headers={"Retry-After": "30"})

    # ----------------------------------------------------------------- the gate

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        route, params = match(scope["method"], scope["path"])
        tls = scope.get("scheme") == "https"
        csp = (DOCS_CSP if scope["path"] == "/docs" else CSP).encode()
        status_box = {"status": 0, "location": None}

        async def secure_send(message):
            if message["type"] == "http.response.start":
                hs = [(k, v) for k, v in message.get("headers", [])
                      if k.lower() not in (b"content-security-policy", b"server")]
                hs += SECURITY_HEADERS + [(b"content-security-policy", csp)]
                if tls:
                    hs.append(HSTS)
                status_box["status"] = message["status"]
                for k, v in hs:
                    if k.lower() == b"location":
                        status_box["location"] = v.decode("latin-1")
                message = {**message, "headers": hs}
            await send(message)

        # 1. who is it (before anything else is done for the request)
        principal = None
        if route.roles is not None or route.optional_auth:
            principal, problem = await self._principal(scope)
            if route.roles is not None and problem is not None:
                if problem.status_code == 503:
                    return await self._refuse(scope, receive, secure_send, 503, problem.detail,
                                              [(b"retry-after", b"30")])
                return await self._refuse(
                    scope, receive, secure_send, 401, problem.detail,
                    [(b"www-authenticate", b'Bearer realm="sohoa"')])
        scope.setdefault("state", {})["principal"] = principal
        try:
            await self._admit(route, principal, scope, receive, secure_send)
        finally:  # a known person's every try is logged, refused or not
            if principal is not None and route.action:
                await self._log(principal, route, params, scope, status_box)

    async def _admit(self, route: Route, principal: Principal | None, scope, receive, send):
        if route.roles is not None and principal.role not in route.roles:
            return await self._refuse(scope, receive, send, 403,
                                      f"role {principal.role!r} may not use this endpoint")

        # 2. how much may it send
        limit = route.body if isinstance(route.body, int) else self.state.body_limits[route.body]
        length = _content_length(scope)
        if length is not None and length > limit or (limit == 0 and _chunked(scope)):
            return await self._refuse(
                scope, receive, send, 413,
                f"the request body is larger than the limit of {limit} bytes for this endpoint")

        # 3. how often and how deep
        if principal is not None and route.rate:
            wait = self.state.rate_limiter.take(principal.token_id, route.rate)
            if wait:
                return await self._refuse(
                    scope, receive, send, 429,
                    f"too many {route.rate} requests for this token; retry in {wait} s",
                    [(b"retry-after", str(wait).encode())])
        if route.offset is not None:
            problem = _deep_page(scope, route.offset)
            if problem:
                return await self._refuse(scope, receive, send, 400, problem)

        # 4. the app, with the body counted as it streams in
        seen = 0
        exceeded = started = False

        async def counting_receive():
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise _BodyTooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if exceeded:  # whatever the app answers now becomes a 413
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._too_large(send, limit)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                started = True
                await self._too_large(send, limit)
        except Exception:  # noqa: BLE001 - answered here so the answer has our headers
            eid = _error_id()
            log.exception("error %s: %s %s", eid, scope["method"], scope["path"])
            if not started:
                started = True
                await self._send_answer(
                    send, 500, _json(500, f"internal error (error {eid})", {"error_id": eid}),
                    close=False)

    async def _too_large(self, send, limit: int):
        await self._send_answer(
            send, 413, _json(413, f"the request body is larger than the limit of {limit} "
                                  "bytes for this endpoint"), close=True)

    async def _log(self, principal: Principal, route: Route, params: dict, scope, box):
        target = None
        document_id = params.get("document_id")
        for key in ("code", "batch_id", "job_id", "field_id"):
            if key in params:
                target = f"{key}:{params[key]}"
        if route.action in ("search", "review_queue", "read_access_log"):
            target = scope.get("query_string", b"").decode("latin-1")[:500] or None
        if route.action in ("upload", "extract") and box["location"]:
            target = box["location"]
        try:
            await anyio.to_thread.run_sync(
                _record, self.fastapi_app, principal, route.action, box["status"] or 500,
                document_id, target, params.get("field_id"))
        except Exception:  # noqa: BLE001 - the answer is already sent; say so loudly
            log.exception("access log: could not record %s by %s", route.action,
                          principal.who)


def _record(app, principal: Principal, action: str, status: int, document_id, target,
            field_id) -> None:
    from storage.identity import record_access

    db = get_archive_db(app)
    if document_id is None and field_id is not None and field_id.isdigit():
        from storage.models import FieldRow

        row = db.run(lambda s: s.get(FieldRow, int(field_id)), "access log field")
        document_id = row.document_id if row is not None else None
    record_access(db, actor=principal.who, token_id=principal.token_id, role=principal.role,
                  branch=principal.branch, action=action, status=status,
                  document_id=document_id, target=target)


def get_archive_db(app):
    """The database of identities and the access log: the archive's database."""
    from api.app import archive_of

    return archive_of(app).db


def _content_length(scope) -> int | None:
    for k, v in scope.get("headers") or []:
        if k == b"content-length":
            try:
                return int(v)
            except ValueError:
                return 1 << 62  # unreadable length: treated as too large
    return None


def _chunked(scope) -> bool:
    return any(k == b"transfer-encoding" for k, _ in scope.get("headers") or [])


def _deep_page(scope, spec: tuple[str, str, int]) -> str | None:
    page_key, size_key, default_size = spec
    qs = parse_qs(scope.get("query_string", b"").decode("latin-1"))

    def num(key, default):
        try:
            return int(qs[key][0]) if key and key in qs else default
        except ValueError:
            return default  # the route's own validation answers

    if page_key == "offset":
        offset = num("offset", 0)
    else:
        offset = (max(num(page_key, 1), 1) - 1) * max(num(size_key, default_size), 1)
    return deep_page_error(offset)


# --------------------------------------------------------------------------- errors


PATH_RE = re.compile(r"(?:[A-Za-z]:)?(?:/[^\s/'\":]+){2,}/?")
URL_RE = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"]+", re.I)
SQL_RE = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|PRAGMA)\b[\s\S]*\b(FROM|INTO|SET|WHERE)\b"
                    r"|\[SQL:|\bsqlite3?\.|psycopg", re.I)


def scrub(text: str) -> str:
    """A message fit for a client: no server paths, URLs or SQL."""
    if SQL_RE.search(text):
        return "a database error"
    text = URL_RE.sub("[url]", text)
    return PATH_RE.sub("[path]", text)


def scrub_errors(obj):
    """``obj`` (an API answer) with every error's ``message`` scrubbed (see :func:`scrub`)."""
    if isinstance(obj, dict):
        out = {k: scrub_errors(v) for k, v in obj.items()}
        if isinstance(out.get("message"), str) and ("code" in out or "error" in obj):
            out["message"] = scrub(out["message"])
        return out
    if isinstance(obj, list):
        return [scrub_errors(v) for v in obj]
    return obj


def _error_id() -> str:
    return secrets.token_hex(6)


def install(app: FastAPI, api_settings) -> None:
    """Error handlers that never leak, the offline API docs, and the gatekeeper's state."""
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.model import SohoaError, TransientError

    app.state.body_limits = body_limits(api_settings)
    app.state.rate_limiter = RateLimiter({
        "upload": (api_settings.rate_uploads, max(1, api_settings.rate_uploads // 4)),
        "search": (api_settings.rate_searches, max(1, api_settings.rate_searches // 4)),
    })

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        detail = scrub(exc.detail) if isinstance(exc.detail, str) else exc.detail
        return JSONResponse({"detail": detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = [{"loc": list(e.get("loc", ())), "msg": scrub(str(e.get("msg", ""))),
                   "type": e.get("type")} for e in exc.errors()[:20]]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(TransientError)
    async def transient(request: Request, exc: TransientError):
        eid = _error_id()
        log.error("error %s: %s %s: %s", eid, request.method, request.url.path, exc.message)
        return JSONResponse({"detail": f"storage is unavailable for a moment (error {eid})",
                             "error_id": eid}, status_code=503, headers={"Retry-After": "30"})

    @app.exception_handler(SohoaError)
    async def sohoa_error(request: Request, exc: SohoaError):
        status = 404 if exc.code == "not_found" else 422
        return JSONResponse({"detail": scrub(exc.message), "code": exc.code},
                            status_code=status)

    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, exc: SQLAlchemyError):
        eid = _error_id()
        log.error("error %s: %s %s: database: %s", eid, request.method, request.url.path, exc)
        return JSONResponse({"detail": f"the database could not answer (error {eid})",
                             "error_id": eid}, status_code=503, headers={"Retry-After": "30"})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        eid = _error_id()
        log.exception("error %s: %s %s", eid, request.method, request.url.path)
        return JSONResponse({"detail": f"internal error (error {eid})", "error_id": eid},
                            status_code=500)

    _offline_docs(app)


SWAGGER_INIT = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui",
    deepLinking: true, presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"});
});
"""


def _offline_docs(app: FastAPI) -> None:
    """/docs from local files (Swagger UI 5 as shipped by the fastapi-offline package),
    started by a script file: no CDN, no inline script."""
    try:
        import fastapi_offline

        assets: Path | None = Path(fastapi_offline.__file__).resolve().parent / "static"
    except ImportError:  # pragma: no cover - a dependency; say what is missing
        assets = None
    files = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript",
             "favicon.png": "image/png"}

    @app.get("/docs", include_in_schema=False)
    def docs():
        if assets is None:
            return PlainTextResponse("API docs need the fastapi-offline package; the "
                                     "schema is at /openapi.json", status_code=503)
        return HTMLResponse(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>sohoa API</title>"
            "<link rel=\"stylesheet\" href=\"/docs/swagger-ui.css\">"
            "<link rel=\"icon\" href=\"/docs/favicon.png\"></head><body>"
            "<div id=\"swagger-ui\"></div>"
            "<script src=\"/docs/swagger-ui-bundle.js\"></script>"
            "<script src=\"/docs/init.js\"></script></body></html>")

    @app.get("/docs/{asset}", include_in_schema=False)
    def docs_asset(asset: str):
        from fastapi.responses import FileResponse, Response

        if asset == "init.js":
            return Response(SWAGGER_INIT, media_type="text/javascript")
        if assets is None or asset not in files:
            raise HTTPException(404, "no such file")
        return FileResponse(assets / asset, media_type=files[asset],
                            headers={"Cache-Control": "public, max-age=86400"})
