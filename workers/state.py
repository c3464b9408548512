"""The one batch store: a ``batches`` row per batch and a ``work_items`` row per document, for
every entry point (``sohoa process``, ``sohoa submit``, HTTP uploads and extractions, the
embedded drainer and the dramatiq workers).

The database is the source of truth for ``sohoa status`` (the broker only carries messages, and
may lose them when it restarts without persistence). Every write is a single short transaction
through ``Database.run`` (bounded retry; ``TransientError`` when the server stays away).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from pipeline.flow import STATES, TERMINAL, UNFINISHED  # noqa: F401 - the one list of states
from storage.db import Database, utcnow
from storage.models import Batch, WorkItem

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
    actor: str | None = None
    kind: str = "archive"  # the batch's kind: archive, or extract (contract JSON only)
    attempts: int = 0

    @classmethod
    def of(cls, row: WorkItem, kind: str = "archive") -> ItemInfo:
        return cls(row.batch_id, row.document_id, row.file_name, row.sha256, row.source_key,
                   row.source_mtime, row.branch, row.dossier_code, row.state, row.pages_total,
                   row.finish_claim, row.actor, kind, row.attempts or 0)


def create_batch(db: Database, batch_id: str, branch: str | None,
                 items: Iterable[dict[str, Any]], *, actor: str, kind: str = "archive",
                 dossier_code: str | None = None, state: str = "queued") -> bool:
    """Record the batch and its documents (``queued``, or ``running`` for a batch processed
    in the foreground); False when the batch already existed (nothing is added then)."""
    now = utcnow()

    def run(s) -> bool:
        if not db.insert_ignore(s, Batch.__table__,
                                {"id": batch_id, "branch": branch, "created_at": now,
                                 "kind": kind, "actor": actor, "dossier_code": dossier_code},
                                ["id"]):
            return False
        for item in items:
            db.insert_ignore(s, WorkItem.__table__,
                             {"actor": actor, **item, "batch_id": batch_id, "state": state,
                              "created_at": now, "updated_at": now},
                             ["batch_id", "document_id"])
        return True

    return db.run(run, "create batch")


def batch_exists(db: Database, batch_id: str) -> bool:
    return db.run(lambda s: s.get(Batch, batch_id) is not None, "batch exists")


def pending_count(db: Database) -> int:
    """Documents of every batch not finished yet (the bound on intake)."""
    from sqlalchemy import func

    def run(s) -> int:
        return s.scalar(select(func.count()).select_from(WorkItem)
                        .where(WorkItem.state.in_(UNFINISHED))) or 0

    return db.run(run, "pending")


def queued_count(db: Database) -> int:
    from sqlalchemy import func

    return db.run(lambda s: s.scalar(select(func.count()).select_from(WorkItem)
                                     .where(WorkItem.state == "queued")) or 0, "queued")


def finished_since(db: Database, seconds: float) -> int:
    from datetime import timedelta

    from sqlalchemy import func

    since = utcnow() - timedelta(seconds=seconds)

    def run(s) -> int:
        return s.scalar(select(func.count()).select_from(WorkItem)
                        .where(WorkItem.state.in_(TERMINAL), WorkItem.updated_at > since)) or 0

    return db.run(run, "finished recently")


def state_counts(db: Database) -> dict[str, int]:
    from sqlalchemy import func

    def run(s):
        rows = s.execute(select(WorkItem.state, func.count()).group_by(WorkItem.state)).all()
        out = dict.fromkeys(STATES, 0)
        for state, n in rows:
            key = "running" if state == "finishing" else state
            out[key] = out.get(key, 0) + n
        return out

    return db.run(run, "state counts")


def claim_queued(db: Database, limit: int) -> list[ItemInfo]:
    """The next queued documents for the embedded drainer, marked ``running``: extraction
    jobs first (their callers wait), then oldest first. A document whose earlier run crashed
    is claimed alone, so that a second crash is its own and blocks nobody behind it."""

    def run(s) -> list[ItemInfo]:
        rows = s.execute(select(WorkItem, Batch.kind).join(Batch, Batch.id == WorkItem.batch_id)
                         .where(WorkItem.state == "queued")
                         .order_by((Batch.kind != "extract"), WorkItem.attempts.desc(),
                                   WorkItem.id).limit(limit)).all()
        if rows and rows[0][0].attempts:
            rows = rows[:1]
        else:
            rows = [r for r in rows if not r[0].attempts]
        kind = rows[0][1] if rows else None
        rows = [r for r in rows if r[1] == kind]  # one kind per run
        now = utcnow()
        for row, _ in rows:
            row.state, row.updated_at = "running", now
        return [ItemInfo.of(r, k) for r, k in rows]

    return db.run(run, "claim queued")


def crashed(db: Database, batch_id: str, document_id: str, reason: dict[str, Any],
            max_attempts: int) -> str:
    """A run of this document crashed (its process was killed): queued again, or ``failed``
    with the reason once ``max_attempts`` runs have crashed. Returns the new state."""

    def run(s) -> str:
        row = s.scalar(select(WorkItem).where(*_where(batch_id, document_id)))
        if row is None or row.state not in UNFINISHED:
            return row.state if row is not None else "failed"
        row.attempts = (row.attempts or 0) + 1
        row.updated_at = utcnow()
        if row.attempts >= max_attempts:
            row.state = "failed"
            row.reason = {**reason, "attempts": row.attempts}
        else:
            row.state = "queued"
        return row.state

    return db.run(run, "crashed")


def recover_running(db: Database, max_attempts: int) -> int:
    """At the embedded drainer's start: documents left ``running`` by a drainer that died
    count as crashed runs. Returns how many."""

    def run(s):
        rows = s.scalars(select(WorkItem).join(Batch, Batch.id == WorkItem.batch_id)
                         .where(WorkItem.state.in_(("running", "finishing")),
                                WorkItem.source_key.not_like("file:%"))).all()
        return [(r.batch_id, r.document_id) for r in rows]

    items = db.run(run, "interrupted items")
    for batch_id, document_id in items:
        crashed(db, batch_id, document_id, {"code": "crashed", "message":
                "the process running the document stopped in the middle of it"}, max_attempts)
    return len(items)


def get_item(db: Database, batch_id: str, document_id: str) -> ItemInfo | None:
    def run(s):
        row = s.execute(select(WorkItem, Batch.kind).join(Batch, Batch.id == WorkItem.batch_id)
                        .where(WorkItem.batch_id == batch_id,
                               WorkItem.document_id == document_id)).first()
        return ItemInfo.of(*row) if row is not None else None

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
                     only_from=UNFINISHED)


def extract_result(db: Database, sha256: str) -> dict[str, Any] | None:
    """The contract JSON of an earlier extraction of the same content, if any."""

    def run(s):
        return s.scalar(select(WorkItem.result).join(Batch, Batch.id == WorkItem.batch_id)
                        .where(Batch.kind == "extract", WorkItem.sha256 == sha256,
                               WorkItem.result.is_not(None))
                        .order_by(WorkItem.id.desc()).limit(1))

    return db.run(run, "cached extraction")


def batch_items(db: Database, batch_id: str) -> tuple[Batch | None, list[WorkItem]]:
    def run(s):
        batch = s.get(Batch, batch_id)
        rows = s.scalars(select(WorkItem).where(WorkItem.batch_id == batch_id)
                         .order_by(WorkItem.position, WorkItem.id)).all()
        return batch, list(rows)

    return db.run(run, "batch status")


def unfinished(db: Database, batch_id: str) -> list[ItemInfo]:
    def run(s):
        kind = s.scalar(select(Batch.kind).where(Batch.id == batch_id)) or "archive"
        rows = s.scalars(select(WorkItem).where(WorkItem.batch_id == batch_id,
                                                WorkItem.state.not_in(TERMINAL))
                         .order_by(WorkItem.position)).all()
        return [ItemInfo.of(r, kind) for r in rows]

    return db.run(run, "unfinished items")


def stalled(db: Database, older_than_seconds: float, finishing_older_than_seconds: float,
            limit: int = 200) -> list[tuple[ItemInfo, Any]]:
    """Unfinished documents whose state has not changed for a while (their messages may have
    been lost with a broker), with the ``updated_at`` they were read with."""
    from datetime import timedelta

    now = utcnow()

    def run(s):
        rows = s.execute(select(WorkItem, Batch.kind).join(Batch, Batch.id == WorkItem.batch_id)
                         .where(WorkItem.state.in_(UNFINISHED),
                                WorkItem.source_key.not_like("file:%"),
                                WorkItem.updated_at < now - timedelta(seconds=older_than_seconds))
                         .order_by(WorkItem.updated_at).limit(limit)).all()
        cut = now - timedelta(seconds=finishing_older_than_seconds)
        return [(ItemInfo.of(r, k), r.updated_at) for r, k in rows
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


# ---------------------------------------------------------------------------- the pages' lists


def branch_batches(db: Database, branch: str | None, limit: int = 50) -> list[dict[str, Any]]:
    """The newest archive batches of a branch (every branch when ``branch`` is None), each
    with its documents counted by state (the batch page's list)."""
    from sqlalchemy import case, func

    def run(s):
        open_ = func.sum(case((WorkItem.state.in_(UNFINISHED), 1), else_=0))
        failed = func.sum(case((WorkItem.state == "failed", 1), else_=0))
        review = func.sum(case((WorkItem.state == "needs_review", 1), else_=0))
        q = (select(Batch.id, Batch.branch, Batch.dossier_code, Batch.created_at,
                    func.count(WorkItem.id), open_, failed, review)
             .outerjoin(WorkItem, WorkItem.batch_id == Batch.id)
             .where(Batch.kind == "archive")
             .group_by(Batch.id, Batch.branch, Batch.dossier_code, Batch.created_at)
             .order_by(Batch.created_at.desc(), Batch.id).limit(limit))
        if branch is not None:
            q = q.where(Batch.branch == branch)
        return s.execute(q).all()

    return [{"batch_id": bid, "branch": b, "dossier_code": code,
             "created_at": at.isoformat() if at else None, "total": total or 0,
             "open": o or 0, "failed": f or 0, "review": r or 0}
            for bid, b, code, at, total, o, f, r in db.run(run, "branch batches")]


def earlier_batches(db: Database, batch_id: str) -> dict[str, str]:
    """{document id: the earliest other batch that had the same file} for ``batch_id``."""

    def run(s):
        rows = s.scalars(select(WorkItem).where(WorkItem.batch_id == batch_id)).all()
        shas = {r.sha256: r.document_id for r in rows}
        if not shas:
            return {}
        others = s.execute(select(WorkItem.sha256, WorkItem.batch_id, WorkItem.id)
                           .where(WorkItem.sha256.in_(list(shas)),
                                  WorkItem.batch_id != batch_id)
                           .order_by(WorkItem.id)).all()
        mine = {r.sha256: r.id for r in rows}
        out: dict[str, str] = {}
        for sha, other, row_id in others:
            if row_id < mine[sha] and shas[sha] not in out:
                out[shas[sha]] = other
        return out

    return db.run(run, "earlier batches")
