"""Batches through the distributed workers (``workers.submit``) when a broker is configured.

Same surface as the embedded queue's batch side (``submit_batch``, ``batch_status``,
``pending``) so the routes do not care. The bound counts the unfinished ``work_items`` of all
batches; the API's own batch id (deterministic from branch, dossier and contents, so uploads
stay idempotent) maps to the workers' batch id in the intake database.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from api.intake import QueueFull, batch_id_for
from api.uploads import StagedFile
from pipeline.config import Settings


class WorkersBatches:
    def __init__(self, settings: Settings, intake, queue_max: int):
        self.settings = settings
        self.intake = intake  # the embedded queue: its database keeps the id mapping
        self.queue_max = queue_max
        with intake._lock:
            intake._db.execute("CREATE TABLE IF NOT EXISTS remote_batches "
                               "(id TEXT PRIMARY KEY, remote_id TEXT NOT NULL)")
        self._db = None

    def db(self):
        if self._db is None:
            from workers import tasks

            self._db = tasks.open_db(self.settings)
        return self._db

    def pending(self) -> int:
        from storage.models import WorkItem

        def run(s):
            return s.scalar(select(func.count()).select_from(WorkItem)
                            .where(WorkItem.state.in_(("queued", "running", "finishing"))))

        return self.db().run(run, "pending work items") or 0

    def _remote(self, batch_id: str) -> str | None:
        rows = self.intake._q("SELECT remote_id FROM remote_batches WHERE id=?", (batch_id,))
        return rows[0][0] if rows else None

    def submit_batch(self, files: Sequence[StagedFile], branch: str,
                     dossier_code: str | None = None, actor: str = "api") -> tuple[dict, bool]:
        from workers.submit import submit_batch

        bid = batch_id_for(branch, dossier_code, [f.sha256 for f in files])
        if self._remote(bid) is None:
            if self.pending() + len(files) > self.queue_max:
                raise QueueFull(self.intake.retry_after())
            receipt = submit_batch([f.path for f in files], branch, dossier_code,
                                   self.settings, names=[f.name for f in files])
            with self.intake._lock:
                self.intake._db.execute("INSERT OR IGNORE INTO remote_batches VALUES (?,?)",
                                        (bid, receipt.batch_id))
            for f in files:  # the workers keep their own copy in the work store
                if not self.intake.has_path(f.path):
                    f.path.unlink(missing_ok=True)
            created = True
        else:
            created = False
        return self.batch_status(bid), created

    def batch_status(self, batch_id: str) -> dict | None:
        from workers.submit import BatchNotFound, batch_status

        remote = self._remote(batch_id)
        if remote is None:
            return None
        try:
            st = batch_status(remote, self.settings)
        except BatchNotFound:
            return None
        counts = {k: st["progress"][k] for k in
                  ("queued", "running", "done", "needs_review", "failed")}
        return {"batch_id": batch_id, "workers_batch_id": remote, "branch": st["branch"],
                "dossier_code": st["dossier_code"], "created_at": st["created_at"],
                "documents": [{"file": d["file"], "document_id": d["id"], "state": d["state"],
                               "error": d["reason"], "archive_key": d["archive_key"]}
                              for d in st["documents"]],
                "counts": counts, "total": len(st["documents"]),
                "finished": st["complete"]}
