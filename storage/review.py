"""Review as an append-only history: QA's decisions on the fields that went to review.

    decide(db, index, document_id, field_id, action, actor=..., version=..., value=..., box=...)
    queue(db, ...) / field_item(db, field_row_id)          -- what QA looks at

Every decision (``accept``, ``correct``, ``reopen``) is its own timeline event with its actor,
time, the field's old and new value and the version it made. A field carries an integer
``version``, raised by every decision; a decision names the version it was made on and is
refused (``StaleVersion``, HTTP 409) when somebody decided in between. Only fields that went to
review can be decided (``NotReviewable``): a value that was never pending is not QA's to change.
``reopen`` makes a decided field pending again: an admin at any time, the reviewer who decided
within ``REOPEN_SECONDS`` (the review page's "undo").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import String, cast, func, select, update
from sqlalchemy.orm import Session

from pipeline.model import SohoaError
from storage.db import Database, utcnow
from storage.models import Document, Dossier, FieldRow, Page

ACTIONS = ("accept", "correct", "reopen")
EVENT_OF = {"accept": "review_accepted", "correct": "review_corrected",
            "reopen": "review_reopened"}
REOPEN_SECONDS = 60.0


class FieldNotFound(SohoaError):
    code = "not_found"


class StaleVersion(SohoaError):
    """The field changed since the caller read it (HTTP 409)."""

    code = "stale_version"


class NotReviewable(SohoaError):
    """The field is not in a state this decision applies to (HTTP 409)."""

    code = "not_reviewable"


def _box(box: Sequence[int] | None) -> list[int] | None:
    if box is None:
        return None
    page, x0, y0, x1, y1 = (int(v) for v in box)
    if page < 1 or x1 <= x0 or y1 <= y0 or min(x0, y0) < 0:
        raise NotReviewable("a page box is (page >= 1, x0 < x1, y0 < y1) in page pixels",
                            code="bad_box")
    return [page, x0, y0, x1, y1]


def decide(db: Database, index, document_id: str, field_id: str, action: str, *, actor: str,
           version: int | None, value: Any = None, box: Sequence[int] | None = None,
           admin: bool = False) -> dict[str, Any]:
    """Apply one decision and record it; returns the field as ``field_item`` shows it.
    ``version=None`` means "the current one" (for callers that just read it)."""
    if action not in ACTIONS:
        raise NotReviewable(f"unknown action {action!r}", code="bad_action")
    if not actor:
        raise NotReviewable("a decision needs the person who made it", code="no_actor")
    page_box = _box(box)

    def run(s: Session) -> int:
        f = s.scalar(select(FieldRow).where(FieldRow.document_id == document_id,
                                            FieldRow.field_id == field_id))
        if f is None:
            raise FieldNotFound(f"no field {field_id!r} in document {document_id!r}")
        if version is not None and version != f.version:
            raise StaleVersion(f"field {field_id!r} is at version {f.version}, not {version}: "
                               f"reload it")
        if not f.needs_review:
            raise NotReviewable(f"field {field_id!r} was never pending review")
        now = utcnow()
        old = f.effective_value
        if action == "reopen":
            if f.review_state not in ("accepted", "corrected"):
                raise NotReviewable(f"field {field_id!r} is not decided")
            recent = f.reviewed_at is not None and \
                now - f.reviewed_at <= timedelta(seconds=REOPEN_SECONDS)
            if not admin and not (f.reviewed_by == actor and recent):
                raise NotReviewable("only an admin, or the reviewer who decided within a "
                                    "minute, may reopen a field", code="forbidden")
            state, corrected = "pending", None
        elif action == "accept":
            state, corrected = "accepted", None
        else:
            state, corrected = "corrected", value
        # Compare-and-set on the version: of two concurrent decisions, one wins.
        res = s.execute(update(FieldRow)
                        .where(FieldRow.id == f.id, FieldRow.version == f.version)
                        .values(review_state=state, corrected_value=corrected,
                                review_box=page_box if action == "correct" else None,
                                reviewed_by=actor, reviewed_at=now, version=f.version + 1))
        if res.rowcount != 1:
            raise StaleVersion(f"field {field_id!r} was decided meanwhile: reload it")
        s.expire_all()
        f = s.get(FieldRow, f.id)
        doc = s.get(Document, document_id)
        db.add_event(s, kind=EVENT_OF[action],
                     idem_key=f"{document_id}:review:{field_id}:{f.version}",
                     document_id=document_id, dossier_id=doc.dossier_id if doc else None,
                     actor=actor, branch=doc.branch if doc else None, at=now,
                     details={"field": field_id, "version": f.version, "old": old,
                              "new": f.effective_value, "box": page_box})
        s.flush()
        if doc is not None and doc.archive_key:
            from storage.records import search_doc

            index.index(search_doc(s, doc), s.connection())
        return f.id

    row_id = db.run(run, "review decision")
    return field_item(db, row_id)


# ---------------------------------------------------------------------------- reading


def _item(f: FieldRow, doc: Document, code: str | None) -> dict[str, Any]:
    return {
        "field_id": f.id,
        "document_id": f.document_id,
        "field": f.field_id,
        "kind": f.kind,
        "value": f.value,
        "effective_value": f.effective_value,
        "raw": f.raw,
        "confidence": round(f.confidence, 4),
        "page": f.page,
        "bbox": f.bbox,
        "reasons": list(f.reasons or []),
        "review_state": f.review_state,
        "version": f.version,
        "review_box": f.review_box,
        "reviewed_by": f.reviewed_by,
        "reviewed_at": f.reviewed_at.isoformat() if f.reviewed_at else None,
        "document_type": doc.document_type,
        "branch": doc.branch,
        "dossier_code": code,
        "file": doc.file_name,
        "received_at": doc.created_at.isoformat() if doc.created_at else None,
    }


def queue(db: Database, *, document_type: str | None = None, branch: str | None = None,
          reason: str | None = None, limit: int = 50, offset: int = 0,
          after: int | None = None) -> dict[str, Any]:
    """Fields waiting for review, oldest document first (then in field order)."""

    def run(s):
        q = (select(FieldRow, Document, Dossier.code)
             .join(Document, Document.id == FieldRow.document_id)
             .outerjoin(Dossier, Dossier.id == Document.dossier_id)
             .where(FieldRow.review_state == "pending"))
        if document_type:
            q = q.where(Document.document_type == document_type)
        if branch:
            q = q.where(Document.branch == branch)
        if reason:
            escaped = reason.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            q = q.where(cast(FieldRow.reasons, String).like(f'%"{escaped}%', escape="\\"))
        if after is not None:
            q = q.where(FieldRow.id != after)
        total = s.scalar(select(func.count()).select_from(q.subquery()))
        rows = s.execute(q.order_by(Document.created_at, Document.id, FieldRow.id)
                         .limit(limit).offset(offset)).all()
        return {"total": total, "limit": limit, "offset": offset,
                "items": [_item(f, d, c) for f, d, c in rows]}

    return db.run(run, "review queue")


def field_item(db: Database, field_row_id: int) -> dict[str, Any] | None:
    """One field with its document's context and its page's size (for the crop)."""

    def run(s):
        row = s.execute(select(FieldRow, Document, Dossier.code)
                        .join(Document, Document.id == FieldRow.document_id)
                        .outerjoin(Dossier, Dossier.id == Document.dossier_id)
                        .where(FieldRow.id == field_row_id)).first()
        if row is None:
            return None
        item = _item(*row)
        page = s.scalar(select(Page).where(Page.document_id == row[0].document_id,
                                           Page.number == row[0].page)) if row[0].page else None
        item["page_size"] = [page.width, page.height] if page is not None else None
        return item

    return db.run(run, "review field")


def field_history(db: Database, document_id: str) -> dict[str, list[dict[str, Any]]]:
    """{field name: its review events (accept, correct, reopen), oldest first} of a document:
    the decisions ``decide`` recorded, each with actor, time, old and new value."""
    from storage.models import Event

    def run(s):
        evs = s.scalars(select(Event).where(Event.document_id == document_id,
                                            Event.kind.in_(tuple(EVENT_OF.values())))
                        .order_by(Event.at, Event.id)).all()
        out: dict[str, list[dict[str, Any]]] = {}
        for e in evs:
            d = e.details or {}
            out.setdefault(d.get("field", ""), []).append(
                {"at": e.at.isoformat(), "kind": e.kind, "actor": e.actor, "details": d})
        return out

    return db.run(run, "field history")


def facets(db: Database) -> dict[str, dict[str, int]]:
    """Pending fields counted per document type, branch and reason (the filter lists)."""
    from collections import Counter

    def run(s):
        rows = s.execute(select(Document.document_type, Document.branch, FieldRow.reasons)
                         .join(Document, Document.id == FieldRow.document_id)
                         .where(FieldRow.review_state == "pending")).all()
        out = {"type": Counter(), "branch": Counter(), "reason": Counter()}
        for t, b, reasons in rows:
            out["type"][t or ""] += 1
            out["branch"][b or ""] += 1
            for r in reasons or ["low_confidence"]:
                out["reason"][r] += 1
        return out

    return db.run(run, "review facets")


def reviewer_stats(db: Database, actor: str, *, now=None) -> dict[str, Any]:
    """A reviewer's decisions in the last 8 hours (and per hour), and the queue's age (when
    the oldest pending field's document was received)."""
    from datetime import UTC, datetime

    from storage.models import Event

    now = now or datetime.now(UTC)
    since = now - timedelta(hours=8)

    def run(s):
        evs = s.scalars(select(Event.at).where(
            Event.actor == actor, Event.at >= since,
            Event.kind.in_((EVENT_OF["accept"], EVENT_OF["correct"]))).order_by(Event.at)).all()
        oldest = s.scalar(select(func.min(Document.created_at))
                          .join(FieldRow, FieldRow.document_id == Document.id)
                          .where(FieldRow.review_state == "pending"))
        return evs, oldest

    evs, oldest = db.run(run, "review stats")
    per_hour = len(evs) * 3600.0 / max((now - evs[0]).total_seconds(), 60.0) if evs else 0.0
    return {"decided": len(evs), "per_hour": round(per_hour, 1),
            "oldest_at": oldest.isoformat() if oldest else None,
            "queue_age_seconds": (now - oldest).total_seconds() if oldest else None}


def pending_of_document(db: Database, document_id: str) -> list[int]:
    """The pending field rows of one document, in field order."""
    return db.run(lambda s: list(s.scalars(
        select(FieldRow.id).where(FieldRow.document_id == document_id,
                                  FieldRow.review_state == "pending").order_by(FieldRow.id))),
        "document pending")


def pending_counts(db: Database, document_ids: Sequence[str]) -> dict[str, int]:
    """{document id: its fields waiting for review} (the batch page's review links)."""
    if not document_ids:
        return {}
    return db.run(lambda s: dict(s.execute(
        select(FieldRow.document_id, func.count())
        .where(FieldRow.document_id.in_(list(document_ids)), FieldRow.review_state == "pending")
        .group_by(FieldRow.document_id)).all()), "pending counts")
