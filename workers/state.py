"""The durable state of submitted batches: one ``work_items`` row per document.

The database is the source of truth for ``sohoa status`` (the broker only carries messages, and
may lose them when it restarts without persistence). Every write is a single short transaction
through ``Database.run`` (bounded retry; ``TransientError`` when the server stays away).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from storage.db import Database, utcnow
from storage.models import Batch, WorkItem

# Terminal states: nothing more happens to the document in this batch.
TERMINAL = ("done", "needs_review", "failed")
# What ``status`` shows: ``finishing`` is an internal step of ``running``.
PUBLIC_STATE = {"finishing": "running"}


@dataclass(frozen=True)
class ItemInfo:
    """What the stages need to know about a document (also the message payload)."""

    batch_id: str
    document_id: str
    file_name: str
    sha256: str
    source_key: str
    source_mtime: float
    branch: str | None
    dossier_code: str | None
    state: str = "queued"
    pages_total: int | None = None
    finish_claim: str | None = None

    @classmethod
    def of(cls, row: WorkItem) -> ItemInfo:
        return cls(row.batch_id, row.document_id, row.file_name, row.sha256, row.source_key,
                   row.source_mtime, row.branch, row.dossier_code, row.state, row.pages_total,
                   row.finish_claim)


def create_batch(db: Database, batch_id: str, branch: str | None,
                 items: Iterable[dict[str, Any]]) -> int:
    """Record the batch and its documents as ``queued``; returns the number of documents."""
    now = utcnow()

    def run(s) -> int:
        db.insert_ignore(s, Batch.__table__, {"id": batch_id, "branch": branch,
                                              "created_at": now}, ["id"])
        n = 0
        for item in items:
            n += db.insert_ignore(s, WorkItem.__table__,
                                  {**item, "batch_id": batch_id, "state": "queued",
                                   "created_at": now, "updated_at": now},
                                  ["batch_id", "document_id"])
        return n

    return db.run(run, "create batch")


def get_item(db: Database, batch_id: str, document_id: str) -> ItemInfo | None:
    def run(s):
        row = s.scalar(select(WorkItem).where(WorkItem.batch_id == batch_id,
                                              WorkItem.document_id == document_id))
        return ItemInfo.of(row) if row is not None else None

    return db.run(run, "work item")


def _where(batch_id: str, document_id: str):
    return (WorkItem.batch_id == batch_id, WorkItem.document_id == document_id)


def set_state(db: Database, batch_id: str, document_id: str, state: str, *,
              only_from: tuple[str, ...] | None = None, **values: Any) -> bool:
    """Move a document to ``state`` (only from the states in ``only_from`` when given: an
    atomic compare-and-set). Returns whether the row changed."""

    def run(s) -> bool:
        stmt = update(WorkItem).where(*_where(batch_id, document_id))
        if only_from is not None:
            stmt = stmt.where(WorkItem.state.in_(only_from))
        res = s.execute(stmt.values(state=state, updated_at=utcnow(), **values))
        return res.rowcount > 0

    return db.run(run, f"state {state}")


def claim_finish(db: Database, batch_id: str, document_id: str, token: str) -> bool:
    """True for exactly one caller per document: the one whose ``token`` (the message id of
    the page that completed the document) moved it from ``running`` to ``finishing``. A
    redelivery of that same message gets True again (it may have died before sending)."""

    def run(s) -> bool:
        res = s.execute(update(WorkItem)
                        .where(*_where(batch_id, document_id),
                               WorkItem.state.in_(("queued", "running")))
                        .values(state="finishing", finish_claim=token, updated_at=utcnow()))
        if res.rowcount:
            return True
        row = s.scalar(select(WorkItem).where(*_where(batch_id, document_id)))
        return row is not None and row.state == "finishing" and row.finish_claim == token

    return db.run(run, "claim finish")


def mark_failed(db: Database, batch_id: str, document_id: str, reason: dict[str, Any]) -> bool:
    """``failed`` with its reason, unless the document already reached a terminal state."""
    return set_state(db, batch_id, document_id, "failed", reason=reason,
                     only_from=("queued", "running", "finishing"))


def batch_items(db: Database, batch_id: str) -> tuple[Batch | None, list[WorkItem]]:
    def run(s):
        batch = s.get(Batch, batch_id)
        rows = s.scalars(select(WorkItem).where(WorkItem.batch_id == batch_id)
                         .order_by(WorkItem.position, WorkItem.id)).all()
        return batch, list(rows)

    return db.run(run, "batch status")


def unfinished(db: Database, batch_id: str) -> list[ItemInfo]:
    def run(s):
        rows = s.scalars(select(WorkItem).where(WorkItem.batch_id == batch_id,
                                                WorkItem.state.not_in(TERMINAL))
                         .order_by(WorkItem.position)).all()
        return [ItemInfo.of(r) for r in rows]

    return db.run(run, "unfinished items")


def stalled(db: Database, older_than_seconds: float, finishing_older_than_seconds: float,
            limit: int = 200) -> list[tuple[ItemInfo, Any]]:
    """Unfinished documents whose state has not changed for a while (their messages may have
    been lost with a broker), with the ``updated_at`` they were read with."""
    from datetime import timedelta

    now = utcnow()

    def run(s):
        rows = s.scalars(select(WorkItem).where(
            WorkItem.state.in_(("queued", "running", "finishing")),
            WorkItem.updated_at < now - timedelta(seconds=older_than_seconds))
            .order_by(WorkItem.updated_at).limit(limit)).all()
        cut = now - timedelta(seconds=finishing_older_than_seconds)
        return [(ItemInfo.of(r), r.updated_at) for r in rows
                if r.state != "finishing" or r.updated_at < cut]

    return db.run(run, "stalled items")


def touch(db: Database, batch_id: str, document_id: str, seen: Any) -> bool:
    """Set ``updated_at`` to now if it is still ``seen``: one re-driver wins per document."""

    def run(s) -> bool:
        res = s.execute(update(WorkItem).where(*_where(batch_id, document_id),
                                               WorkItem.updated_at == seen)
                        .values(updated_at=utcnow()))
        return res.rowcount > 0

    return db.run(run, "touch")
