"""QA staff: the review queue, one field's crop, accept or correct."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api import review
from api.app import get_archive
from api.auth import Principal, allow

router = APIRouter(tags=["qa"])
Qa = Annotated[Principal, Depends(allow("qa"))]


class Decision(BaseModel):
    """The reviewer is the token's person: a client-sent name is refused (extra field)."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["accept", "correct", "reopen"]
    # Required: a client that leaves it out would overwrite a decision it never saw.
    version: int = Field(description="the field's version the decision was made on (from "
                                     "GET /review/{id}); a stale one is refused with 409")
    value: str | int | float | None = Field(None, description="the corrected value")
    box: tuple[int, int, int, int, int] | None = Field(
        None, description="where the value is: (page, x0, y0, x1, y1) in page pixels")


@router.get("/review", summary="Fields needing review, oldest first")
def review_queue(
    who: Qa,
    request: Request,
    type: Annotated[str | None, Query(max_length=64)] = None,
    branch: Annotated[str | None, Query(max_length=64)] = None,
    reason: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
):
    return review.queue(get_archive(request), document_type=type, branch=branch,
                        reason=reason, limit=limit, offset=offset)


def _field(request: Request, field_id: int) -> dict:
    item = review.field(get_archive(request), field_id)
    if item is None:
        raise HTTPException(404, f"no field {field_id}")
    return item


@router.get("/review/{field_id}", summary="One field with its document context")
def review_item(who: Qa, field_id: int, request: Request):
    return _field(request, field_id)


@router.get("/review/{field_id}/crop", summary="The page crop around the field (PNG)",
            responses={200: {"content": {"image/png": {}}}})
async def review_crop(who: Qa, field_id: int, request: Request):
    item = await run_in_threadpool(_field, request, field_id)
    cache = request.app.state.settings.home / "cache" / "pages"
    try:
        png = await run_in_threadpool(review.crop_png, get_archive(request), item, cache)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    return Response(png, media_type="image/png",
                    headers={"Cache-Control": "private, max-age=300"})


@router.post("/review/{field_id}", summary="Accept, correct or reopen a field",
             responses={409: {"description": "Stale version, or the field is not reviewable"}})
def review_decide(who: Qa, field_id: int, decision: Decision, request: Request):
    """Each decision is its own timeline event (actor: the authenticated person, time, old
    and new value) and raises the field's version; a correction is searchable at once.
    ``reopen`` (the page's undo) makes a decided field pending again: an admin at any time,
    the reviewer who decided within a minute."""
    from storage.review import FieldNotFound, NotReviewable, StaleVersion

    archive = get_archive(request)
    item = _field(request, field_id)
    value = None
    if decision.action == "correct":
        try:
            value = review.clean_value(item["kind"], decision.value)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
    try:
        return archive.decide(item["document_id"], item["field"], decision.action,
                              actor=who.who, version=decision.version, value=value,
                              box=decision.box, admin=who.role == "admin")
    except (StaleVersion, NotReviewable) as exc:
        status = 403 if exc.code == "forbidden" else 422 if exc.code == "bad_box" else 409
        raise HTTPException(status, exc.message) from None
    except FieldNotFound as exc:
        raise HTTPException(404, exc.message) from None
