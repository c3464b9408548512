"""What the pages read and the few writes they make (under ``/ui/api``, roles as on the pages).

Data for the server-rendered pages (``*_data``) and the JSON calls of ``api/static/app.js``:
review decisions with an optional drawn box, undo (reopen), page images and thumbnails, the
named download, batch uploads that refuse bad files one by one, a branch's batch list.
There is no second write path: decisions and undo are ``Archive.decide`` (the field's
``version`` sent back, a stale one answered 409), field histories and timelines are the events
``storage/review.py`` recorded, batch lists and progress come from the one batch store
(``workers/state.py``; a scanner sees its own branch only). Every route here is declared in
``api.security.ROUTES`` (roles, body limit), so the gatekeeper authenticates before the body.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile as StarletteUpload

from api import i18n, review
from api.app import get_archive
from api.auth import Principal, allow
from api.security import scrub_errors
from storage import reads
from storage import review as reviews
from storage.search import fold
from workers import state as batch_store

router = APIRouter(include_in_schema=False)
Qa = Annotated[Principal, Depends(allow("qa"))]
Reader = Annotated[Principal, Depends(allow("archivist", "qa"))]
Archivist = Annotated[Principal, Depends(allow("archivist"))]
Scanner = Annotated[Principal, Depends(allow("scanner"))]
PAGE_WIDTH = 1400  # pixels of the page view
THUMB_WIDTH = 240


# ------------------------------------------------------------------ review


def _queue_item(archive, *, type: str, branch: str, reason: str, document: str, field: int,
                offset: int) -> tuple[dict | None, int, dict | None]:
    """(the field to show, pending total under the filters, the next one)."""
    if field:
        item = review.field(archive, field)
        data = review.queue(archive, document_type=type or None, branch=branch or None,
                            reason=reason or None, limit=1)
        nxt = data["items"][0] if data["items"] else None
        return item, data["total"], (nxt if nxt and nxt["field_id"] != field else None)
    if document:
        every = reviews.pending_of_document(archive.db, document)
        ids = every[offset:] if offset < len(every) else every
        item = review.field(archive, ids[0]) if ids else None
        nxt = review.field(archive, ids[1]) if len(ids) > 1 else None
        return item, len(every), nxt
    data = review.queue(archive, document_type=type or None, branch=branch or None,
                        reason=reason or None, limit=2, offset=offset)
    items = data["items"]
    item = review.field(archive, items[0]["field_id"]) if items else None
    return item, data["total"], (items[1] if len(items) > 1 else None)


def review_page_data(archive, who: Principal, *, type: str, branch: str, reason: str,
                     document: str, field: int, offset: int) -> dict[str, Any]:
    item, total, nxt = _queue_item(archive, type=type, branch=branch, reason=reason,
                                   document=document, field=field, offset=offset)
    pages = 1
    if item is not None:
        sizes = reads.page_sizes(archive.db, item["document_id"])
        pages = max(sizes) if sizes else 1
        page = item.get("page") or 1
        item["view_page"] = page
        item["view_size"] = list(sizes.get(page, (0, 0)))
        item["found"] = bool(item.get("bbox")) and bool(item.get("page"))
        item["sizes"] = {str(n): list(wh) for n, wh in sizes.items()}
    return {"item": item, "total": total, "next": nxt, "page_count": pages,
            "facets": reviews.facets(archive.db),
            "stats": reviews.reviewer_stats(archive.db, who.who),
            "undo_seconds": int(reviews.REOPEN_SECONDS)}


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")  # the reviewer is the token's person

    action: Literal["accept", "correct"]
    version: int = Field(description="the field's version the decision was made on")
    value: str | int | float | None = Field(None, description="the corrected value")
    box: list[int] | None = Field(None, min_length=5, max_length=5,
                                  description="page, x0, y0, x1, y1 in page pixels")


def _box(archive, item: dict, box: list[int] | None):
    if box is None:
        return None
    page, x0, y0, x1, y1 = box
    sizes = reads.page_sizes(archive.db, item["document_id"])
    if page not in sizes:
        raise HTTPException(422, f"trang {page} không có trong tài liệu")
    w, h = sizes[page]
    x0, x1 = sorted((max(0, min(w, x0)), max(0, min(w, x1))))
    y0, y1 = sorted((max(0, min(h, y0)), max(0, min(h, y1))))
    if x1 - x0 < 4 or y1 - y0 < 4:
        raise HTTPException(422, "khung quá nhỏ: hãy kéo chuột quanh giá trị trên trang")
    return (page, x0, y0, x1, y1)


class Reopen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the version of the decision to undo")


def _decide(archive, who: Principal, item: dict, action: str, version: int | None,
            value=None, box=None) -> dict:
    """``Archive.decide`` with its refusals in Vietnamese."""
    from storage.review import FieldNotFound, NotReviewable, StaleVersion

    try:
        out = archive.decide(item["document_id"], item["field"], action, actor=who.who,
                             version=version, value=value, box=box, admin=who.role == "admin")
    except StaleVersion:
        raise HTTPException(409, i18n.message("stale_version")) from None
    except NotReviewable as exc:
        status = 403 if exc.code == "forbidden" else 422 if exc.code == "bad_box" else 409
        code = "not_decided" if action == "reopen" and exc.code == "not_reviewable" \
            else exc.code
        raise HTTPException(status, i18n.message(code)) from None
    except FieldNotFound:
        raise HTTPException(404, i18n.message("no_field")) from None
    return out | {"undo_seconds": int(reviews.REOPEN_SECONDS)}


def _item(request: Request, field_id: int) -> dict:
    item = review.field(get_archive(request), field_id)
    if item is None:
        raise HTTPException(404, i18n.message("no_field"))
    return item


@router.post("/ui/api/review/{field_id}")
def decide(who: Qa, field_id: int, decision: Decision, request: Request):
    archive = get_archive(request)
    item = _item(request, field_id)
    value = None
    if decision.action == "correct":
        try:
            value = review.clean_value(item["kind"], decision.value)
        except ValueError:
            raise HTTPException(422, f"giá trị không đúng dạng {i18n.kind_name(item['kind'])}"
                                ) from None
    box = _box(archive, item, decision.box)
    return _decide(archive, who, item, decision.action, decision.version, value, box)


@router.post("/ui/api/review/{field_id}/reopen")
def reopen(who: Qa, field_id: int, request: Request, body: Reopen):
    """The page's undo: a reopen event (the deciding reviewer within a minute, an admin at
    any time)."""
    item = _item(request, field_id)
    return _decide(get_archive(request), who, item, "reopen", body.version)


def _png(request: Request, document_id: str, page: int, width: int) -> bytes:
    archive = get_archive(request)
    sizes = reads.page_sizes(archive.db, document_id)
    if page not in sizes:
        raise HTTPException(404, f"không có trang {page}")
    cache = request.app.state.settings.home / "cache" / "pages"
    img = review._page_image(archive, document_id, page, width, cache)
    import cv2

    ok, data = cv2.imencode(".png", img)
    return data.tobytes()


@router.get("/ui/api/documents/{document_id}/pages/{page}.png")
async def page_png(who: Reader, document_id: str, page: int, request: Request,
                   thumb: bool = False):
    width = THUMB_WIDTH if thumb else PAGE_WIDTH
    data = await run_in_threadpool(_png, request, document_id[:64], page, width)
    return Response(data, media_type="image/png",
                    headers={"Cache-Control": "private, max-age=300"})


# ------------------------------------------------------------------ documents


def document_page_data(archive, document_id: str) -> dict[str, Any]:
    from storage.archive import DocumentNotFound

    try:
        doc = archive.show(document_id)
    except DocumentNotFound:
        return {"doc": None, "history": {}, "own_date": None}
    return {"doc": doc, "history": reviews.field_history(archive.db, document_id),
            "own_date": document_date(doc["fields"])}


def document_date(fields: list[dict[str, Any]]) -> str | None:
    """The document's own date: when it was signed (or received), from its fields."""
    by_id = {f["id"]: f.get("effective_value") for f in fields}
    for key in ("signed_date", "received_date", "termination_date"):
        v = by_id.get(key)
        if isinstance(v, str) and v:
            return v
    return None


def verdict(report: dict) -> dict[str, Any]:
    """A verify report in words: one verdict and a line per check."""
    lines = [
        "Chữ ký số hợp lệ." if report["valid"] else "Chữ ký số KHÔNG hợp lệ.",
        "Nội dung nguyên vẹn từ khi ký." if report["intact"] and not
        report["modified_after_signing"] else "Nội dung đã bị thay đổi sau khi ký.",
    ]
    if report["checksum_ok"] is True:
        lines.append("Mã băm SHA-256 khớp với bản ghi lưu trữ.")
    elif report["checksum_ok"] is False:
        lines.append("Mã băm SHA-256 KHÔNG khớp với bản ghi lưu trữ.")
    if report.get("signer"):
        lines.append(f"Người ký: {report['signer']}"
                     + (" (khóa thử nghiệm)" if report.get("development_key") else ""))
    if report.get("pdfa"):
        lines.append(f"Định dạng lưu trữ: PDF/A-{report['pdfa']}")
    for problem in (report.get("details") or {}).get("problems") or []:
        lines.append(f"Vấn đề: {problem}")
    ok = bool(report["ok"])
    return {"ok": ok, "verdict": "Tài liệu toàn vẹn: chữ ký và mã băm đều đúng." if ok else
            "Tài liệu KHÔNG toàn vẹn: xem chi tiết bên dưới.", "lines": lines}


@router.post("/ui/api/documents/{document_id}/verify")
def verify(who: Reader, document_id: str, request: Request):
    from storage.archive import DocumentNotFound

    try:
        report = get_archive(request).verify(document_id[:64]).to_dict()
    except DocumentNotFound:
        raise HTTPException(404, "không có bản PDF lưu trữ của tài liệu này") from None
    return verdict(report) | {"report": report}


def download_name(doc: dict) -> str:
    """``<type title> - <dossier> - <date>.pdf`` (the document's own date, else archived)."""
    own = document_date(doc["fields"]) or (doc["archive"]["archived_at"] or "")[:10]
    parts = [i18n.type_name(doc["document_type"]), doc.get("dossier_code") or doc["document_id"],
             i18n.vn_date(own).replace("/", "-")]
    name = " - ".join(p for p in parts if p)
    return re.sub(r'[\x00-\x1f"\\/:*?<>|]+', "_", name)[:180] + ".pdf"


def content_disposition(name: str, kind: str = "attachment") -> str:
    from urllib.parse import quote

    # the same name without diacritics (case kept) for clients that ignore filename*
    plain = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(c for c in plain if not unicodedata.combining(c))
    ascii_name = ascii_name.encode("ascii", "ignore").decode() or "document.pdf"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


@router.get("/ui/documents/{document_id}/download")
def download(who: Archivist, document_id: str, request: Request, inline: bool = False):
    from storage.archive import DocumentNotFound

    archive = get_archive(request)
    try:
        doc = archive.show(document_id[:64])
        data = archive.get_pdf(document_id)  # checked against the recorded SHA-256
    except DocumentNotFound:
        raise HTTPException(404, "không có bản PDF lưu trữ của tài liệu này") from None
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": content_disposition(download_name(doc),
                                                   "inline" if inline else "attachment"),
        "Cache-Control": "private, no-store"})


# ------------------------------------------------------------------ search

_VN_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def iso_date(text: str) -> str | None:
    """``20/11/2026`` (as people here write it) or ``2026-11-20`` -> ``2026-11-20``."""
    if not text:
        return None
    m = _VN_DATE.match(text)
    return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}" if m else text.strip()


def search_page_data(archive, *, q: str, document_type: str, branch: str, dossier: str,
                     date_from: str, date_to: str, cursor: str, lang: str) -> dict[str, Any]:
    from storage.search import Query, SearchFilters

    if not any((q, document_type, branch, dossier, date_from, date_to)):
        return {"result": None, "error": None, "notice": None}
    notice = None
    if q.strip() and not Query.parse(q):
        notice = ("Câu tìm không còn từ nào để tìm (chỉ có dấu câu hoặc ký tự đơn lẻ): hãy "
                  "nhập họ tên, số hoặc cụm từ." if lang == "vi" else
                  "Nothing left to search for in the query after parsing.")
        return {"result": None, "error": None, "notice": notice}
    try:
        filters = SearchFilters(document_type=document_type or None, branch=branch or None,
                                dossier_code=dossier or None, date_from=iso_date(date_from),
                                date_to=iso_date(date_to))
        result = archive.index.search_page(q, filters, limit=20, cursor=cursor or None)
    except ValueError:
        return {"result": None, "notice": None,
                "error": "Ngày hoặc vị trí trang không hợp lệ." if lang == "vi"
                else "Invalid date or page cursor."}
    return {"result": result, "error": None, "notice": notice}


# ------------------------------------------------------------------ batches

BRANCH_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def branch_code(name: str) -> str:
    """A branch code from what the operator typed: ``hn01`` stays, ``Ba Đình`` -> ``ba-dinh``;
    ValueError (with a Vietnamese message) when nothing usable is left."""
    code = re.sub(r"[^a-z0-9._-]+", "-", fold(name.strip())).strip("-._")
    if not code or not BRANCH_RE.match(code):
        raise ValueError("Tên chi nhánh cần có chữ hoặc số, ví dụ «hn01» hoặc «Ba Đình».")
    return code


@router.post("/ui/api/batches")
async def upload(who: Scanner, request: Request):
    """Stage each file on its own: a bad file is refused with its reason, the good ones go
    on as one batch (the one batch store, as ``POST /batches``); a file already uploaded in
    an earlier batch is flagged as a duplicate. The gatekeeper checked the token, the role and
    the body's size, and admission the queue's room, before this reads the body."""
    from api.routes.scanner import (
        DOSSIER_RE,
        check_code,
        check_dossier_branch,
        discard,
        upload_branch,
    )
    from api.uploads import stage

    queue = request.app.state.intake  # full or down: refused before the body (api.app.Admission)
    api = request.app.state.api
    form = await request.form(max_files=api.max_files + 1, max_fields=20)
    files = [f for f in form.getlist("files") if isinstance(f, StarletteUpload)]
    asked = str(form.get("branch") or "").strip()
    dossier_code = form.get("dossier_code")
    dossier_code = str(dossier_code) if dossier_code is not None else None
    try:
        branch = upload_branch(who, who.branch if who.role == "scanner" and who.branch
                               else branch_code(asked) if asked else None)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    try:
        dossier_code = check_code(dossier_code, DOSSIER_RE, "dossier_code")
    except HTTPException:
        raise HTTPException(422, "Mã hồ sơ chỉ gồm chữ không dấu, số, «.», «_» và «-».") from None
    if not files:
        raise HTTPException(422, "Chưa chọn tệp nào.")
    if len(files) > api.max_files:
        raise HTTPException(413, f"{len(files)} tệp trong một lô; tối đa {api.max_files}.")
    if dossier_code:
        await run_in_threadpool(check_dossier_branch, request, dossier_code, branch)
    staged, refused, seen = [], [], set()
    for f in files:
        try:
            s = await stage(f, queue.spool, api.max_file_bytes)
        except HTTPException as exc:
            refused.append({"file": f.filename, "status": exc.status_code,
                            "reason": _refusal(exc.status_code, str(exc.detail))})
            continue
        if s.sha256 in seen:
            refused.append({"file": s.name, "status": 409,
                            "reason": "Trùng với một tệp khác trong cùng lô."})
            if s.path not in {x.path for x in staged}:  # staged by content: maybe one file
                await run_in_threadpool(discard, queue, [s])
            continue
        seen.add(s.sha256)
        staged.append(s)
    if not staged:
        return JSONResponse({"batch_id": None, "refused": refused}, status_code=422)
    try:
        receipt, created = await run_in_threadpool(
            lambda: queue.submit_batch(staged, branch, dossier_code, actor=who.who))
    except BaseException:
        await run_in_threadpool(discard, queue, staged)
        raise
    receipt = scrub_errors(receipt)
    receipt["refused"] = refused
    receipt["created"] = created
    receipt["page_url"] = f"/ui/batches/{receipt['batch_id']}"
    return JSONResponse(receipt, status_code=202 if created else 200,
                        headers={"Location": f"/batches/{receipt['batch_id']}"})


def _refusal(status: int, detail: str) -> str:
    if status == 413:
        return "Tệp quá lớn."
    if status == 415:
        return "Không phải tệp PDF, TIFF, JPEG hay PNG."
    return "Tệp hỏng hoặc không đọc được: " + detail.split(": ", 1)[-1]


@router.get("/ui/api/batches")
def batch_list(who: Scanner, request: Request, branch: str = ""):
    """The newest batches of the scanner's own branch (an admin: any branch, or all)."""
    if who.role == "scanner":
        if not who.branch:
            raise HTTPException(403, "Mã truy cập của máy quét này không gắn với chi nhánh nào.")
        code = who.branch
    else:
        try:
            code = branch_code(branch) if branch else None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
    db = request.app.state.intake.db
    return {"branch": code, "batches": batch_store.branch_batches(db, code)}


@router.get("/ui/api/batches/{batch_id}")
def batch(who: Scanner, batch_id: str, request: Request):
    """A batch's progress per file, from the batch store (another branch's: not found)."""
    from api.routes.scanner import may_read_branch

    queue = request.app.state.intake
    status = queue.batch_status(batch_id[:64])
    if status is None or not may_read_branch(who, status.get("branch")):
        raise HTTPException(404, "Không có lô này.")
    status = scrub_errors(status)
    earlier = batch_store.earlier_batches(queue.db, status["batch_id"])
    waiting = [d["document_id"] for d in status["documents"] if d["state"] == "needs_review"]
    pending = reviews.pending_counts(get_archive(request).db, waiting) if waiting else {}
    for d in status["documents"]:
        d["state_name"] = i18n.state_name(d["state"])
        d["duplicate_of"] = earlier.get(d["document_id"])
        if d["state"] == "needs_review":
            d["review_url"] = f"/ui/review?document={d['document_id']}"
            d["review_fields"] = pending.get(d["document_id"], 0)
        if d["error"]:
            d["error_text"] = d["error"].get("message") or d["error"].get("code")
    return status
