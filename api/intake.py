"""The embedded intake queue: uploads wait in a bounded, persistent queue and one background
thread runs them through the pipeline (``pipeline.runner.Runner`` with the extractors' stage and
the archive), a chunk of documents at a time.

Processing runs in a child process (``start``), not in the server: the pipeline's Python work
(classification, PDF/A, signing) would otherwise compete with the requests for the GIL.

This is the embedded stand-in for ``workers.submit`` (same interface: ``submit_batch`` and
``batch_status``). State lives in ``SOHOA_HOME/intake/intake.db`` (SQLite) and the spooled
files next to it, so a restart loses nothing: documents that were running are queued again.

Document states (as ``sohoa status``): queued, running, done, needs_review, failed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import multiprocessing
import os
import secrets
import sqlite3
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.uploads import StagedFile
from pipeline.config import Settings
from pipeline.model import DocumentResult

log = logging.getLogger("sohoa.api.intake")

STATES = ("queued", "running", "done", "needs_review", "failed")

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY, branch TEXT, dossier_code TEXT, created_at TEXT, actor TEXT);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id TEXT, job_id TEXT UNIQUE, kind TEXT NOT NULL,  -- kind: batch | extract
    name TEXT, sha256 TEXT NOT NULL, size INTEGER, path TEXT NOT NULL,
    branch TEXT, dossier_code TEXT,
    state TEXT NOT NULL DEFAULT 'queued', document_id TEXT, error TEXT, result TEXT,
    review_fields INTEGER DEFAULT 0,
    created_at TEXT, started_at TEXT, finished_at TEXT);
CREATE INDEX IF NOT EXISTS ix_items_state ON items(state, kind, id);
CREATE INDEX IF NOT EXISTS ix_items_batch ON items(batch_id, id);
CREATE INDEX IF NOT EXISTS ix_items_sha ON items(sha256, kind);
"""


class QueueFull(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"the intake queue is full; retry in {retry_after} s")
        self.retry_after = retry_after


class Unavailable(Exception):
    def __init__(self, message: str, retry_after: int = 30):
        super().__init__(message)
        self.retry_after = retry_after


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def batch_id_for(branch: str, dossier_code: str | None, shas: Sequence[str]) -> str:
    """Same branch, dossier and file contents: same batch (uploads are idempotent)."""
    key = "\0".join([branch, dossier_code or "", *sorted(set(shas))])
    return "b-" + hashlib.sha256(key.encode()).hexdigest()[:22]


class IntakeQueue:
    def __init__(self, settings: Settings, *, queue_max: int = 200, chunk: int = 16,
                 processes: int = 0, recover: bool = True):
        self.settings = settings
        self.queue_max = queue_max
        self.chunk = max(1, chunk)
        self.processes = processes or min(settings.process_count, 2)
        self.root = Path(settings.home) / "intake"
        self.spool = self.root / "files"
        self.spool.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.root / "intake.db", check_same_thread=False,
                                   isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.RLock()
        with self._lock:
            self._db.executescript(SCHEMA)
            if recover:  # documents that were running when the process stopped run again
                self._db.execute("UPDATE items SET state='queued', started_at=NULL "
                                 "WHERE state='running'")
        self._stop = threading.Event()
        self._process = None
        self._process_stop = None
        self._archive = None
        self._stage_hooks: list | None = None
        self.last_error: str | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the processing child process (spawned: a clean interpreter)."""
        if self._process is not None and self._process.is_alive():
            return
        ctx = multiprocessing.get_context("spawn")
        self._process_stop = ctx.Event()
        self._process = ctx.Process(
            target=_child_main, name="sohoa-intake",
            args=(self.settings, self.queue_max, self.chunk, self.processes,
                  self._process_stop, os.getpid()))
        self._process.start()

    def stop(self, timeout: float = 20) -> None:
        self._stop.set()
        if self._process is not None:
            self._process_stop.set()
            self._process.join(timeout)
            if self._process.is_alive():  # mid-chunk: its documents are queued again later
                self._process.terminate()
                self._process.join(5)
        if self._archive is not None:
            self._archive.close()

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def archive(self):
        if self._archive is None:
            from storage.archive import Archive

            self._archive = Archive(self.settings)
        return self._archive

    # ------------------------------------------------------------------ queries

    def _q(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def pending(self) -> int:
        return self._q("SELECT count(*) FROM items WHERE state IN ('queued','running')")[0][0]

    def retry_after(self) -> int:
        """Seconds until room is likely, from the processing rate of the last two minutes."""
        since = datetime.fromtimestamp(time.time() - 120, UTC).isoformat(timespec="milliseconds")
        done = self._q("SELECT count(*) FROM items WHERE finished_at > ?", (since,))[0][0]
        per_doc = 120.0 / done if done else 2.0
        backlog = max(1, self.pending() - self.queue_max // 2)
        return int(min(300, max(1, per_doc * backlog)))

    def _check_room(self, n: int) -> None:
        if not self.alive:
            raise Unavailable("the processing thread is not running", 30)
        if self.pending() + n > self.queue_max:
            raise QueueFull(self.retry_after())

    def has_path(self, path: Path) -> bool:
        return bool(self._q("SELECT 1 FROM items WHERE path=? LIMIT 1", (str(path),)))

    # ------------------------------------------------------------------ submitting

    def submit_batch(self, files: Sequence[StagedFile], branch: str,
                     dossier_code: str | None = None, actor: str = "api") -> tuple[dict, bool]:
        """Queue the files as one batch; returns (receipt, created). The same branch, dossier
        and contents give the same batch, queued only once."""
        bid = batch_id_for(branch, dossier_code, [f.sha256 for f in files])
        with self._lock:
            if self._q("SELECT 1 FROM batches WHERE id=?", (bid,)):
                return self.receipt(bid), False
            unique = {f.sha256: f for f in files}
            self._check_room(len(unique))
            now = _now()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT INTO batches VALUES (?,?,?,?,?)",
                                 (bid, branch, dossier_code, now, actor))
                for f in unique.values():
                    self._db.execute(
                        "INSERT INTO items (batch_id, kind, name, sha256, size, path, branch, "
                        "dossier_code, created_at, document_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (bid, "batch", f.name, f.sha256, f.size, str(f.path), branch,
                         dossier_code, now, f.sha256[:24]))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return self.receipt(bid), True

    def receipt(self, batch_id: str) -> dict:
        b = self._q("SELECT * FROM batches WHERE id=?", (batch_id,))[0]
        items = self._q("SELECT name, sha256, document_id FROM items WHERE batch_id=? "
                        "ORDER BY id", (batch_id,))
        return {"batch_id": b["id"], "branch": b["branch"], "dossier_code": b["dossier_code"],
                "created_at": b["created_at"],
                "documents": [{"file": r["name"], "sha256": r["sha256"],
                               "document_id": r["document_id"]} for r in items]}

    def batch_status(self, batch_id: str) -> dict | None:
        if not self._q("SELECT 1 FROM batches WHERE id=?", (batch_id,)):
            return None
        out = self.receipt(batch_id)
        rows = self._q("SELECT * FROM items WHERE batch_id=? ORDER BY id", (batch_id,))
        counts = dict.fromkeys(STATES, 0)
        docs = []
        for r in rows:
            counts[r["state"]] += 1
            docs.append({"file": r["name"], "sha256": r["sha256"],
                         "document_id": r["document_id"], "state": r["state"],
                         "review_fields": r["review_fields"],
                         "error": json.loads(r["error"]) if r["error"] else None,
                         "queued_at": r["created_at"], "started_at": r["started_at"],
                         "finished_at": r["finished_at"]})
        out["documents"] = docs
        out["counts"] = counts
        out["total"] = len(docs)
        out["finished"] = counts["queued"] == 0 and counts["running"] == 0
        return out

    def submit_extract(self, f: StagedFile) -> str:
        job = "j-" + secrets.token_hex(10)
        with self._lock:
            self._check_room(1)
            self._db.execute(
                "INSERT INTO items (job_id, kind, name, sha256, size, path, created_at) "
                "VALUES (?,?,?,?,?,?,?)",
                (job, "extract", f.name, f.sha256, f.size, str(f.path), _now()))
        return job

    def cached_extract(self, sha256: str) -> dict | None:
        rows = self._q("SELECT result FROM items WHERE kind='extract' AND sha256=? AND "
                       "state IN ('done','needs_review') AND result IS NOT NULL "
                       "ORDER BY id DESC LIMIT 1", (sha256,))
        return json.loads(rows[0]["result"]) if rows else None

    def wait(self, job: str, timeout: float) -> bool:
        """Until the job has finished (True) or ``timeout`` seconds (False)."""
        end = time.monotonic() + timeout
        while True:
            rows = self._q("SELECT state FROM items WHERE job_id=?", (job,))
            if not rows or rows[0][0] not in ("queued", "running"):
                return True
            if time.monotonic() >= end or self._stop.is_set():
                return False
            time.sleep(0.2)

    def job(self, job: str) -> dict | None:
        rows = self._q("SELECT * FROM items WHERE job_id=?", (job,))
        if not rows:
            return None
        r = rows[0]
        return {"job_id": job, "state": r["state"], "file": r["name"],
                "result": json.loads(r["result"]) if r["result"] else None,
                "error": json.loads(r["error"]) if r["error"] else None}

    # ------------------------------------------------------------------ processing

    def run_forever(self, stop, parent_pid: int | None = None) -> None:
        """The child process's loop: chunks until ``stop`` is set or the parent is gone."""
        while not stop.is_set() and (parent_pid is None or os.getppid() == parent_pid):
            try:
                worked = self.process_once()
            except Exception:  # noqa: BLE001 - keep going, report it
                log.exception("intake processing failed")
                worked = False
                stop.wait(2.0)
            if not worked:
                stop.wait(0.3)

    def process_once(self) -> bool:
        """Run one chunk (extract jobs first: their callers are waiting). False when idle."""
        with self._lock:
            rows = self._q("SELECT * FROM items WHERE state='queued' AND kind='extract' "
                           "ORDER BY id LIMIT ?", (self.chunk,))
            if not rows:
                rows = self._q("SELECT * FROM items WHERE state='queued' AND kind='batch' "
                               "ORDER BY id LIMIT ?", (self.chunk,))
            if not rows:
                return False
            ids = [r["id"] for r in rows]
            marks = ",".join("?" * len(ids))
            self._db.execute(f"UPDATE items SET state='running', started_at=? "
                             f"WHERE id IN ({marks})", (_now(), *ids))
        try:
            self._run(rows)
        except Exception:
            with self._lock:  # back to the queue: nothing is lost
                self._db.execute(f"UPDATE items SET state='queued', started_at=NULL "
                                 f"WHERE id IN ({marks}) AND state='running'", ids)
            raise
        return True

    def _run(self, rows: list[sqlite3.Row]) -> None:
        from extractors.commands import contract_line, document_hooks
        from pipeline.runner import Runner

        kind = rows[0]["kind"]
        by_path: dict[str, list[sqlite3.Row]] = {}
        for r in rows:
            by_path.setdefault(r["path"], []).append(r)
        if self._stage_hooks is None:  # once: it loads the classifier
            self._stage_hooks = list(document_hooks(self.settings))
        hooks = list(self._stage_hooks)
        if kind == "batch":
            hooks.append(self._archive_hook(by_path))
        runner = Runner(self.settings, hooks=hooks, processes=self.processes)
        seen: set[str] = set()
        with tempfile.TemporaryDirectory(prefix="run-", dir=self.root) as tmp:
            for result in runner.run([Path(p) for p in by_path], Path(tmp)):
                path = self._source_path(result, by_path)
                if path is None:
                    continue
                seen.add(path)
                for r in by_path[path]:
                    self._finish(r, result, contract_line(result, r["name"])
                                 if kind == "extract" else None)
        for path, rs in by_path.items():
            if path not in seen:
                for r in rs:
                    self._finish(r, None, None)

    @staticmethod
    def _source_path(result: DocumentResult, by_path) -> str | None:
        if result.file in by_path:
            return result.file
        for path, rs in by_path.items():
            if result.sha256 and rs[0]["sha256"] == result.sha256:
                return path
        return None

    def _archive_hook(self, by_path):
        def hook(result: DocumentResult, source) -> None:
            rs = by_path.get(source.path)
            if not rs:
                return
            r = rs[0]
            view = dataclasses.replace(result, file=r["name"],
                                       dossier_code=r["dossier_code"] or result.dossier_code)
            pdf = None
            if result.pdf_path and not result.error:
                pdf = Path(result.pdf_path).read_bytes()
            try:
                for r in rs:
                    self.archive().archive_document(view, pdf, source.path, branch=r["branch"],
                                                    batch_id=r["batch_id"],
                                                    actor=self._uploader(r["batch_id"]))
            except Exception as exc:  # noqa: BLE001 - recorded on the document
                err = {"code": getattr(exc, "code", "archive_failed"),
                       "message": f"archiving failed: {exc}"}
                result.errors.append(err)
                result.error = result.error or err

        return hook

    def _uploader(self, batch_id: str | None) -> str:
        """The person who uploaded the batch (the actor of its archiving)."""
        rows = self._q("SELECT actor FROM batches WHERE id=?", (batch_id,)) if batch_id else []
        return (rows[0]["actor"] if rows and rows[0]["actor"] else None) or "sohoa"

    def _finish(self, r: sqlite3.Row, result: DocumentResult | None,
                contract: dict | None) -> None:
        if result is None:
            state, err, nreview = "failed", {"code": "lost", "message": "no result"}, 0
        elif result.error:
            state, err, nreview = "failed", result.error, 0
        else:
            nreview = sum(1 for f in result.fields.values() if f.needs_review)
            state, err = ("needs_review" if nreview else "done"), None
        doc_id = (result.document_id if result is not None and result.document_id
                  else r["document_id"])
        with self._lock:
            self._db.execute(
                "UPDATE items SET state=?, error=?, result=?, review_fields=?, document_id=?, "
                "finished_at=? WHERE id=?",
                (state, json.dumps(err, ensure_ascii=False) if err else None,
                 json.dumps(contract, ensure_ascii=False) if contract else None,
                 nreview, doc_id, _now(), r["id"]))
        if r["kind"] == "extract":
            self._drop_spool(r["path"])

    def _drop_spool(self, path: str) -> None:
        if not self._q("SELECT 1 FROM items WHERE path=? AND state IN ('queued','running') "
                       "LIMIT 1", (path,)) and not self._q(
                "SELECT 1 FROM items WHERE path=? AND kind='batch' LIMIT 1", (path,)):
            Path(path).unlink(missing_ok=True)

    def counts(self) -> dict[str, int]:
        rows = self._q("SELECT state, count(*) FROM items GROUP BY state")
        return {**dict.fromkeys(STATES, 0), **{r[0]: r[1] for r in rows}}


def _child_main(settings: Settings, queue_max: int, chunk: int, processes: int, stop,
                parent_pid: int) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops us (or we see it gone)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    q = IntakeQueue(settings, queue_max=queue_max, chunk=chunk, processes=processes,
                    recover=False)
    try:
        q.run_forever(stop, parent_pid)
    finally:
        if q._archive is not None:
            q._archive.close()


# ---------------------------------------------------------------------- workers-like interface

_queues: dict[str, IntakeQueue] = {}
_queues_lock = threading.Lock()


def queue_for(settings: Settings) -> IntakeQueue:
    key = str(Path(settings.home).resolve())
    with _queues_lock:
        q = _queues.get(key)
        if q is None:
            q = _queues[key] = IntakeQueue(settings)
            q.start()
        return q


def submit_batch(paths: Sequence[str | Path], branch: str, dossier_code: str | None = None,
                 settings: Settings | None = None) -> dict:
    """``workers.submit.submit_batch``'s interface over the embedded queue."""
    import shutil

    from pipeline.ingest import open_source

    settings = settings or Settings.from_env()
    q = queue_for(settings)
    staged = []
    for p in paths:
        src = open_source(p, settings.limits)
        from api.uploads import EXTENSIONS, display_name

        target = q.spool / f"{src.sha256}.{EXTENSIONS[src.kind.value]}"
        if not target.exists():
            shutil.copyfile(p, target)
        staged.append(StagedFile(display_name(Path(p).name), src.sha256, src.size,
                                 src.kind.value, target))
    receipt, _ = q.submit_batch(staged, branch, dossier_code)
    return receipt


def batch_status(batch_id: str, settings: Settings | None = None) -> dict | None:
    return queue_for(settings or Settings.from_env()).batch_status(batch_id)
