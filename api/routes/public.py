"""The public dossier status page, ``/tra-cuu/{dossier code}``: no login.

The citizen scans the QR code of the receipt (it holds the dossier code; a URL that contains
the code works too) or types the code, and sees the stage the dossier is in with the date of
each step: received, digitised, under review, done. Nothing personal is shown: no names,
numbers, documents or fields, only the code, counts and dates. Requests are rate-limited per
client address (a small token bucket in memory) so that codes cannot be enumerated quickly.
"""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import unquote, urlparse

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from api import i18n
from api.app import get_archive
from storage.reads import STAGES, dossier_stages

router = APIRouter(include_in_schema=False)
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class RateLimit:
    """``rate`` requests per second per client, bursts up to ``burst``."""

    def __init__(self, rate: float = 0.5, burst: int = 10, max_clients: int = 10_000):
        self.rate, self.burst, self.max_clients = rate, burst, max_clients
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> tuple[bool, int]:
        """(allowed, seconds to wait when not)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if len(self._buckets) >= self.max_clients and client not in self._buckets:
                self._buckets.clear()  # bounded memory; a flood resets everyone's bucket
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                return False, int((1 - tokens) / self.rate) + 1
            self._buckets[client] = (tokens - 1, now)
            return True, 0


limiter = RateLimit()


def code_from(text: str) -> str | None:
    """The dossier code in what a QR code or a person gives: the code itself, or a URL
    holding it (``…/tra-cuu/<code>``, ``?ma=<code>`` or its last path segment)."""
    text = unquote((text or "").strip())
    if not text:
        return None
    if "://" in text or text.startswith("/"):
        url = urlparse(text)
        m = re.search(r"(?:ma|code)=([^&#]+)", url.query)
        path = [p for p in url.path.split("/") if p]
        text = m.group(1) if m else (path[-1] if path else "")
    text = text.strip()
    return text if CODE_RE.match(text) else None


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _page(request: Request, context: dict, status: int = 200):
    from api.web import render

    return render(request, "status.html", {"page": "status", "who": None, **context}, status)


@router.get("/tra-cuu")
async def status_form(request: Request, ma: str = ""):
    if ma:
        code = code_from(ma[:500])
        if code:
            return RedirectResponse(f"/tra-cuu/{code}", status_code=303)
        return _page(request, {"code": ma[:80], "status": None,
                               "error": "Mã hồ sơ không đúng dạng."}, 422)
    return _page(request, {"code": "", "status": None, "error": None})


@router.get("/tra-cuu/{code:path}")
async def status_page(request: Request, code: str):
    ok, wait = limiter.allow(_client(request))
    if not ok:
        response = _page(request, {"code": "", "status": None,
                                   "error": f"Quá nhiều lượt tra cứu. Xin thử lại sau {wait} "
                                            "giây."}, 429)
        response.headers["Retry-After"] = str(wait)
        return response
    found = code_from(code[:500])
    if found and found != code:
        return RedirectResponse(f"/tra-cuu/{found}", status_code=303)
    status = await run_in_threadpool(dossier_stages, get_archive(request).db, found) \
        if found else None
    if status is None:
        return _page(request, {"code": code[:80], "status": None,
                               "error": "Không tìm thấy hồ sơ có mã này."}, 404)
    lang = i18n.lang_of(request)
    steps = []
    reached = STAGES.index(status["stage"])
    for i, s in enumerate(STAGES):
        at = status["dates"][s]
        if s == "review" and at is None and i < reached:
            continue  # nothing needed review: the step did not happen
        steps.append({"stage": s, "name": i18n.stage_name(s, lang),
                      "at": i18n.hanoi_time(at), "done": i <= reached and at is not None,
                      "current": s == status["stage"]})
    response = _page(request, {"code": status["code"], "status": status, "steps": steps,
                               "stage_name": i18n.stage_name(status["stage"], lang),
                               "error": None})
    response.headers["Cache-Control"] = "no-store"
    return response
