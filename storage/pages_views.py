"""The reads and writes the pages need that today's archive does not offer yet.

Each function is small and self-contained so that, at merge, it can be rewired onto the review
event store and batch store of the flow rewrite (``decide`` / ``reopen`` become its review
events with versions; ``branch_batches`` its batch list):

- :func:`decide` accept or correct a *pending* field, a correction optionally with the page box
  QA drew (for a field that was not found); stale decisions raise :class:`Conflict`;
- :func:`reopen` make a decided field pending again (the page's "undo"): the deciding reviewer
  within :data:`UNDO_SECONDS`, an admin any time;
- :func:`field_history` every review event of a document, per field;
- :func:`review_facets` counts of pending fields per type, branch and reason (filter lists);
- :func:`review_stats` a reviewer's decisions today and the age of the queue;
- :func:`branch_batches` the batches of a branch (embedded intake queue);
- :func:`dossier_stages` the public, impersonal stages of a dossier.

Every write takes an explicit ``actor`` and records an event with the old and new value.
"""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from storage.db import utcnow
from storage.models import Document, Dossier, Event, FieldRow, Page

UNDO_SECONDS = 60
REVIEW_EVENTS = ("review_accepted", "review_corrected", "review_reopened")


class Conflict(Exception):
    """The field is not in the state the decision expected (someone else decided first)."""


class NotAllowed(Exception):
    """The actor may not make this change (e.g. undo after the minute)."""


def _field(s, field_id: int) -> FieldRow:
    f = s.get(FieldRow, field_id)
    if f is None:
        raise LookupError(f"no field {field_id}")
    return f


def _reindex(archive, s, doc: Document) -> None:
    if doc is not None and doc.archive_key:
        code = doc.dossier.code if doc.dossier else None
        archive.index.index(archive._search_doc(s, doc, code), s.connection())


def decide(archive, field_id: int, *, action: str, actor: str, value: Any = None,
           box: tuple[int, int, int, int, int] | None = None) -> dict[str, Any]:
    """Accept or correct a pending field. ``box`` = (page, x0, y0, x1, y1) in page pixels:
    where QA found the value of a field the extractor did not find (kept on the field and in
    the event). Raises :class:`Conflict` unless the field is pending."""
    if action not in ("accept", "correct"):
        raise ValueError(f"unknown action {action!r}")

    def run(s) -> dict[str, Any]:
        f = _field(s, field_id)
        if f.review_state != "pending":
            raise Conflict(f"field {field_id} is {f.review_state}, not pending")
        doc = s.get(Document, f.document_id)
        now = utcnow()
        correct = action == "correct"
        details: dict[str, Any] = {"field": f.field_id}
        if correct:
            details |= {"old": f.value, "new": value}
        else:
            details["value"] = f.value
        if box is not None:
            page, x0, y0, x1, y1 = (int(v) for v in box)
            details["box"] = [page, x0, y0, x1, y1]
            if f.bbox is None:  # the extractor found nothing: the drawn box becomes the place
                f.page, f.bbox = page, [x0, y0, x1, y1]
        f.review_state = "corrected" if correct else "accepted"
        f.corrected_value = value if correct else None
        f.reviewed_by = actor
        f.reviewed_at = now
        kind = "review_corrected" if correct else "review_accepted"
        archive.db.add_event(
            s, kind=kind, idem_key=f"{f.document_id}:{kind}:{f.field_id}:{secrets.token_hex(8)}",
            document_id=f.document_id, dossier_id=doc.dossier_id if doc else None, actor=actor,
            branch=doc.branch if doc else None, details=details, at=now)
        s.flush()
        _reindex(archive, s, doc)
        return {"field_id": field_id, "review_state": f.review_state,
                "reviewed_at": now.isoformat(), "undo_seconds": UNDO_SECONDS}

    return archive.db.run(run, "pages decide")


def reopen(archive, field_id: int, *, actor: str, admin: bool = False,
           now: datetime | None = None) -> dict[str, Any]:
    """Make a decided field pending again (its decision stays in the history). The reviewer
    who decided may do so within :data:`UNDO_SECONDS`; an admin at any time."""

    def run(s) -> dict[str, Any]:
        f = _field(s, field_id)
        if f.review_state not in ("accepted", "corrected"):
            raise Conflict(f"field {field_id} is {f.review_state}: nothing to undo")
        at = now or utcnow()
        if not admin:
            if f.reviewed_by != actor:
                raise NotAllowed("only the reviewer who decided may undo it")
            if f.reviewed_at is None or at - f.reviewed_at > timedelta(seconds=UNDO_SECONDS):
                raise NotAllowed(f"a decision can be undone within {UNDO_SECONDS} seconds")
        doc = s.get(Document, f.document_id)
        details = {"field": f.field_id, "old_state": f.review_state,
                   "old": f.effective_value, "new": f.value,
                   "decided_by": f.reviewed_by}
        f.review_state = "pending"
        f.corrected_value = None
        f.reviewed_by = None
        f.reviewed_at = None
        archive.db.add_event(
            s, kind="review_reopened",
            idem_key=f"{f.document_id}:review_reopened:{f.field_id}:{secrets.token_hex(8)}",
            document_id=f.document_id, dossier_id=doc.dossier_id if doc else None, actor=actor,
            branch=doc.branch if doc else None, details=details, at=at)
        s.flush()
        _reindex(archive, s, doc)
        return {"field_id": field_id, "review_state": "pending"}

    return archive.db.run(run, "pages reopen")


def field_history(archive, document_id: str) -> dict[str, list[dict[str, Any]]]:
    """{field id: [review events, oldest first]} of one document."""

    def run(s):
        evs = s.scalars(select(Event).where(Event.document_id == document_id,
                                            Event.kind.in_(REVIEW_EVENTS))
                        .order_by(Event.at, Event.id)).all()
        out: dict[str, list[dict[str, Any]]] = {}
        for e in evs:
            d = e.details or {}
            out.setdefault(d.get("field", ""), []).append(
                {"at": e.at.isoformat(), "kind": e.kind, "actor": e.actor, "details": d})
        return out

    return archive.db.run(run, "field history")


def review_facets(archive) -> dict[str, Counter]:
    """Pending fields counted per document type, branch and reason."""

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

    return archive.db.run(run, "review facets")


def review_stats(archive, actor: str, *, now: datetime | None = None) -> dict[str, Any]:
    """The reviewer's decisions in the last 8 hours (and per hour) and the queue's age (the
    oldest pending field's document, received when)."""
    now = now or datetime.now(UTC)
    since = now - timedelta(hours=8)

    def run(s):
        evs = s.scalars(select(Event.at).where(Event.actor == actor, Event.at >= since,
                                               Event.kind.in_(REVIEW_EVENTS[:2]))
                        .order_by(Event.at)).all()
        oldest = s.scalar(select(func.min(Document.created_at))
                          .join(FieldRow, FieldRow.document_id == Document.id)
                          .where(FieldRow.review_state == "pending"))
        return evs, oldest

    evs, oldest = archive.db.run(run, "review stats")
    per_hour = 0.0
    if evs:
        span = max((now - evs[0]).total_seconds(), 60.0)
        per_hour = len(evs) * 3600.0 / span
    age = (now - oldest).total_seconds() if oldest else None
    return {"decided": len(evs), "per_hour": round(per_hour, 1),
            "oldest_at": oldest.isoformat() if oldest else None, "queue_age_seconds": age}


def page_sizes(archive, document_id: str) -> dict[int, tuple[int, int]]:
    """{page number: (width, height) of the OCR image}: the pixels boxes are given in."""

    def run(s):
        rows = s.execute(select(Page.number, Page.width, Page.height)
                         .where(Page.document_id == document_id)).all()
        return {n: (w, h) for n, w, h in rows if w and h}

    return archive.db.run(run, "page sizes")


def document_date(fields: list[dict[str, Any]]) -> str | None:
    """The document's own date: when it was signed (or received), from its fields."""
    by_id = {f["id"]: f.get("effective_value") for f in fields}
    for key in ("signed_date", "received_date", "termination_date"):
        v = by_id.get(key)
        if isinstance(v, str) and v:
            return v
    return None


# ------------------------------------------------------------------ batches (embedded queue)


def branch_batches(queue, branch: str | None, limit: int = 50) -> list[dict[str, Any]]:
    """The newest batches of a branch (all branches when ``branch`` is None), with counts.
    Reads the embedded intake queue's own tables."""
    if not hasattr(queue, "_q"):
        return []
    where, args = ("WHERE b.branch=?", (branch,)) if branch else ("", ())
    rows = queue._q(
        "SELECT b.id, b.branch, b.dossier_code, b.created_at, b.actor, "
        "count(i.id) AS total, "
        "sum(i.state IN ('queued','running')) AS open, "
        "sum(i.state='failed') AS failed, sum(i.state='needs_review') AS review "
        f"FROM batches b LEFT JOIN items i ON i.batch_id=b.id {where} "
        "GROUP BY b.id ORDER BY b.created_at DESC LIMIT ?", (*args, limit))
    return [{"batch_id": r["id"], "branch": r["branch"], "dossier_code": r["dossier_code"],
             "created_at": r["created_at"], "total": r["total"] or 0,
             "open": r["open"] or 0, "failed": r["failed"] or 0, "review": r["review"] or 0}
            for r in rows]


def earlier_batches(queue, batch_id: str) -> dict[str, str]:
    """{sha256: the earlier batch that had the same file} for the files of ``batch_id``."""
    if not hasattr(queue, "_q"):
        return {}
    rows = queue._q(
        "SELECT i.sha256, min(o.batch_id) AS other FROM items i JOIN items o "
        "ON o.sha256=i.sha256 AND o.batch_id<>i.batch_id AND o.id<i.id "
        "WHERE i.batch_id=? GROUP BY i.sha256", (batch_id,))
    return {r["sha256"]: r["other"] for r in rows}


# ------------------------------------------------------------------ public status

STAGES = ("received", "digitised", "review", "done")


def dossier_stages(archive, code: str) -> dict[str, Any] | None:
    """The stage a dossier is in and the date each stage was reached; nothing personal (no
    names, numbers, documents or fields): counts and times only."""

    def run(s):
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        if d is None:
            return None
        docs = s.scalars(select(Document).where(Document.dossier_id == d.id)).all()
        ids = [x.id for x in docs]
        pending = s.scalar(select(func.count()).select_from(FieldRow)
                           .where(FieldRow.document_id.in_(ids),
                                  FieldRow.review_state == "pending")) if ids else 0
        needed = s.scalar(select(func.count()).select_from(FieldRow)
                          .where(FieldRow.document_id.in_(ids),
                                 FieldRow.needs_review.is_(True))) if ids else 0
        evs = s.execute(select(Event.kind, func.min(Event.at), func.max(Event.at))
                        .where(Event.dossier_id == d.id).group_by(Event.kind)).all()
        return d, docs, pending, needed, {k: (a, b) for k, a, b in evs}

    got = archive.db.run(run, "dossier stages")
    if got is None:
        return None
    d, docs, pending, needed, evs = got
    archived = [x.archived_at for x in docs if x.archived_at]
    all_archived = bool(docs) and len(archived) == len(docs)
    received_at = min([x.created_at for x in docs if x.created_at] or [d.created_at])
    digitised_at = max(archived) if all_archived else None
    reviewed = [evs[k][1] for k in ("review_accepted", "review_corrected") if k in evs]
    review_at = digitised_at if (all_archived and needed) else None
    done_at = None
    if all_archived and not pending:
        done_at = max([digitised_at, *reviewed]) if reviewed else digitised_at
    dates = {"received": received_at, "digitised": digitised_at,
             "review": review_at, "done": done_at}
    if done_at:
        stage = "done"
    elif all_archived and pending:
        stage = "review"
    else:
        stage = "digitised" if all_archived else "received"
    return {"code": d.code, "stage": stage, "documents": len(docs),
            "dates": {k: (v.isoformat() if v else None) for k, v in dates.items()},
            "pending_fields": pending}


def pending_of_document(archive, document_id: str) -> list[int]:
    """The pending field ids of one document, in field order."""

    def run(s):
        return list(s.scalars(select(FieldRow.id).where(FieldRow.document_id == document_id,
                                                        FieldRow.review_state == "pending")
                              .order_by(FieldRow.id)))

    return archive.db.run(run, "document pending")


def field_row_ids(archive, document_id: str) -> dict[str, int]:
    """{field name: its row id} of one document (the id the review calls take)."""

    def run(s):
        return dict(s.execute(select(FieldRow.field_id, FieldRow.id)
                              .where(FieldRow.document_id == document_id)).all())

    return archive.db.run(run, "field ids")
