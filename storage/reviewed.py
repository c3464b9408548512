"""The fields QA staff decided on, for learning from QA (``extractors/learn.py``).

ONE small query function, so that review storage can change underneath (append-only review
events with versions are coming): rewire ``reviewed_fields`` and nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from storage.models import Document, FieldRow


@dataclass(frozen=True)
class ReviewedField:
    document_id: str
    document_type: str | None
    field_id: str
    kind: str
    extracted: Any  # the value the extractor gave
    final: Any  # the value after QA's decision (the label)
    decision: str  # "accept" or "correct"
    actor: str | None
    decided_at: datetime | None
    page: int | None
    bbox: list[int] | None
    confidence: float
    reasons: list[str]
    sidecar_key: str | None  # the document's JSON (pages, words, ink features)
    archive_key: str | None  # the signed PDF/A (the page images, for crops)


def reviewed_fields(db, *, since: datetime | None = None) -> list[ReviewedField]:
    """Every field a person accepted or corrected, oldest decision first."""

    def run(s) -> list[ReviewedField]:
        q = (select(FieldRow, Document)
             .join(Document, Document.id == FieldRow.document_id)
             .where(FieldRow.review_state.in_(("accepted", "corrected"))))
        if since is not None:
            q = q.where(FieldRow.reviewed_at >= since)
        q = q.order_by(FieldRow.reviewed_at, FieldRow.id)
        out = []
        for f, d in s.execute(q).all():
            corrected = f.review_state == "corrected"
            out.append(ReviewedField(
                document_id=d.id, document_type=d.document_type, field_id=f.field_id,
                kind=f.kind, extracted=f.value, final=f.corrected_value if corrected else f.value,
                decision="correct" if corrected else "accept", actor=f.reviewed_by,
                decided_at=f.reviewed_at, page=f.page, bbox=f.bbox, confidence=f.confidence,
                reasons=list(f.reasons or []), sidecar_key=d.sidecar_key,
                archive_key=d.archive_key,
            ))
        return out

    return db.run(run, "reviewed_fields")
