"""Submitting batches and reading their state: the API the CLI and the HTTP API call.

    submit_batch(paths, branch, dossier_code=None, settings=None) -> BatchReceipt
    batch_status(batch_id, settings=None) -> dict
    resume_batch(batch_id, settings=None) -> int

Each file is uploaded into the work store (the workers may run on other machines; the caller
may delete its copy right after) and recorded as a ``work_items`` row in state ``queued``.
With a broker (``SOHOA_BROKER_URL``) one ``ingest`` message per document goes to the workers;
without one (the embedded default) a background process runs the batch with the embedded runner
(``workers/embedded.py``) and records the same states, so ``batch_status`` reads the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.config import Settings, child_env
from pipeline.flow import STATES, TERMINAL, document_id, duplicate_reason
from pipeline.model import InputError, SohoaError
from pipeline.runner import expand_inputs
from storage import keys, reads, records
from storage.db import utcnow
from storage.objectstore import sha256_file
from workers import state as st
from workers import tasks


class BatchNotFound(SohoaError):
    code = "not_found"


@dataclass(frozen=True)
class BatchReceipt:
    batch_id: str
    documents: int
    mode: str  # "distributed" (broker) or "embedded"
    created: bool = True  # False: the batch existed already, nothing was added

    def to_dict(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "documents": self.documents}


_dbs: dict[str, Any] = {}
_dbs_lock = threading.Lock()


def batch_db(settings: Settings):
    """One Database (engine and pool) per URL per process: the API polls ``batch_status``."""
    url = settings.effective_database_url
    with _dbs_lock:
        if url not in _dbs:
            _dbs[url] = tasks.open_db(settings)
        return _dbs[url]


def new_batch_id() -> str:
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"


_CONTENT = {"pdf": "application/pdf", "tiff": "image/tiff", "jpeg": "image/jpeg",
            "png": "image/png"}


def submit_batch(paths: Iterable[str | os.PathLike], branch: str | None,
                 dossier_code: str | None = None, settings: Settings | None = None, *,
                 actor: str, names: Iterable[str] | None = None, batch_id: str | None = None,
                 kind: str = "archive", start_drainer: bool = True) -> BatchReceipt:
    """Record and enqueue a batch of files (or folders of files); returns its id at once.

    ``names`` optionally gives the display name of each path (e.g. the uploaded file names when
    the paths are temporary files). ``batch_id`` names the batch (an idempotent upload): when
    that batch exists already nothing is added (``created`` is False). ``kind="extract"``: the
    documents are classified and extracted, not archived (their contract JSON is kept).
    ``start_drainer=False``: embedded, a drainer already polls (the HTTP API's child)."""
    settings = settings or Settings.from_env()
    db = batch_db(settings)
    if batch_id is not None and st.batch_exists(db, batch_id):
        return BatchReceipt(batch_id, 0, _mode(settings), created=False)
    paths = list(paths)
    given = list(names) if names is not None else None
    if given is not None and len(given) != len(paths):
        raise ValueError("names must match paths one to one")
    files: list[tuple[Path, str]] = []
    for i, p in enumerate(paths):
        for f in expand_inputs([p]):
            files.append((f, given[i] if given is not None and Path(p).is_file() else f.name))
    if not files:
        raise InputError("no input files", code="no_input")
    batch_id = batch_id or new_batch_id()
    work = tasks.open_work_store(settings)
    hashed = []
    for path, name in files:
        try:
            hashed.append((path, name, sha256_file(path)[0], path.stat().st_mtime))
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}", code="unreadable") from exc
    # Originals archived already are duplicate receipts: recorded at once, never run again.
    known = reads.archived(db, [document_id(h[2]) for h in hashed]) if kind == "archive" \
        else set()
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, (path, name, sha, mtime) in enumerate(hashed):
        doc_id = document_id(sha)
        if doc_id in seen:  # the same content twice in one batch is one document
            continue
        seen.add(doc_id)
        key = tasks.source_key(batch_id, doc_id, name)
        if doc_id in known:
            key = f"duplicate:{doc_id}"
        else:
            work.put(key, path, _CONTENT.get(keys.extension(name, "bin"),
                                             "application/octet-stream"))
        items.append({"document_id": doc_id, "position": position, "file_name": name,
                      "branch": branch, "dossier_code": dossier_code, "sha256": sha,
                      "source_key": key, "source_mtime": mtime})
    if not st.create_batch(db, batch_id, branch, items, actor=actor, kind=kind,
                           dossier_code=dossier_code):
        return BatchReceipt(batch_id, 0, _mode(settings), created=False)  # a concurrent twin
    for item in items:
        if item["document_id"] in known:
            records.record_duplicate(db, item["document_id"], file_name=item["file_name"],
                                     r=records.Receiving(branch, batch_id, actor, utcnow()))
            st.set_state(db, batch_id, item["document_id"], "done",
                         reason=duplicate_reason(item["document_id"]))
    if settings.broker_url or start_drainer:
        dispatch(settings, db, batch_id)
    return BatchReceipt(batch_id, len(items), _mode(settings))


def record_foreground(files: Iterable[Path], branch: str | None, dossier_code: str | None,
                      settings: Settings, *, actor: str, batch_id: str) -> dict[str, dict]:
    """A batch run in the foreground (``sohoa process``), recorded in the same store as
    ``running``; returns each file's document (the payload ``tasks.record_result`` takes),
    by path."""
    items, docs, seen = [], {}, set()
    for position, path in enumerate(files):
        try:
            sha, _ = sha256_file(path)
            mtime = path.stat().st_mtime
        except OSError:
            continue  # the runner reports it
        doc_id = document_id(sha)
        if doc_id in seen:
            continue
        seen.add(doc_id)
        item = {"document_id": doc_id, "position": position, "file_name": path.name,
                "branch": branch, "dossier_code": dossier_code, "sha256": sha,
                "source_key": f"file:{path.resolve()}", "source_mtime": mtime}
        items.append(item)
        docs[str(path)] = {**item, "batch_id": batch_id, "actor": actor, "kind": "archive"}
    st.create_batch(batch_db(settings), batch_id, branch, items, actor=actor,
                    dossier_code=dossier_code, state="running")
    return docs


def _mode(settings: Settings) -> str:
    return "distributed" if settings.broker_url else "embedded"


def dispatch(settings: Settings, db, batch_id: str) -> None:
    """Hand the batch's queued documents to whoever runs them: the broker's workers, or the
    embedded drainer of this SOHOA_HOME (started unless one runs, e.g. the HTTP API's)."""
    if settings.broker_url:
        _enqueue(settings, db, batch_id)
    else:
        start_embedded(settings)


def _enqueue(settings: Settings, db, batch_id: str) -> int:
    from workers.broker import client_broker, send

    broker = client_broker(settings)
    n = 0
    for info in st.unfinished(db, batch_id):
        # ingest is idempotent: it sends only the pages without a result, or ``finish``
        # when the document was already finishing.
        send(broker, "ingest", doc=tasks.payload(info))
        n += 1
    return n


def resume_batch(batch_id: str, settings: Settings | None = None) -> int:
    """Send the unfinished documents of a batch again (after a broker lost its messages);
    the stages are idempotent, so documents in progress are not done twice. Returns how many
    were sent."""
    settings = settings or Settings.from_env()
    db = batch_db(settings)
    if st.batch_items(db, batch_id)[0] is None:
        raise BatchNotFound(f"no batch {batch_id!r}")
    if settings.broker_url:
        return _enqueue(settings, db, batch_id)
    start_embedded(settings)
    return len(st.unfinished(db, batch_id))


def start_embedded(settings: Settings) -> subprocess.Popen:
    """Start the embedded drainer in a detached background process (it leaves at once when
    another one holds this SOHOA_HOME's queue)."""
    logs_dir = Path(settings.home) / "logs"
    logs_dir.mkdir(parents=True, exist_ok=True)
    with open(logs_dir / "embedded.log", "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "workers.embedded"],
                                env=child_env(settings), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=out, start_new_session=True,
                                cwd=os.getcwd())


def batch_status(batch_id: str, settings: Settings | None = None) -> dict[str, Any]:
    """Each document's state (queued, running, done, needs_review, failed) with its reason
    and archive key, and the batch's progress: what ``sohoa status`` and ``GET /batches/{id}``
    both answer, for a batch from any entry point."""
    settings = settings or Settings.from_env()
    batch, rows = st.batch_items(batch_db(settings), batch_id)
    if batch is None:
        raise BatchNotFound(f"no batch {batch_id!r}")
    documents = [{
        "id": r.document_id,
        "document_id": r.document_id,
        "file": r.file_name,
        "state": st.PUBLIC_STATE.get(r.state, r.state),
        "reason": r.reason,
        "error": r.reason if r.state == "failed" else None,
        "duplicate": bool(r.reason and r.reason.get("code") == "duplicate"),
        "archive_key": r.archive_key,
        "pages": r.pages_total,
        "attempts": r.attempts or 0,
        "updated_at": r.updated_at.isoformat() if r.updated_at else None,
    } for r in rows]
    counts = {s: sum(1 for d in documents if d["state"] == s) for s in STATES}
    finished = sum(counts[s] for s in TERMINAL)
    complete = finished == len(documents)
    return {
        "batch_id": batch_id,
        "kind": batch.kind,
        "branch": batch.branch,
        "dossier_code": batch.dossier_code or (rows[0].dossier_code if rows else None),
        "created_at": batch.created_at.isoformat() if batch.created_at else None,
        "progress": {"documents": len(documents), **counts, "finished": finished,
                     "percent": round(100 * finished / len(documents), 1) if documents else 100.0},
        "counts": counts,
        "total": len(documents),
        "complete": complete,
        "finished": complete,
        "documents": documents,
    }


def extraction(batch_id: str, settings: Settings) -> dict[str, Any] | None:
    """An extraction job (a one-document batch of kind ``extract``): its state, and its
    contract JSON once done."""
    batch, rows = st.batch_items(batch_db(settings), batch_id)
    if batch is None or batch.kind != "extract" or not rows:
        return None
    r = rows[0]
    return {"job_id": batch_id, "state": st.PUBLIC_STATE.get(r.state, r.state),
            "file": r.file_name, "result": r.result,
            "error": r.reason if r.state == "failed" else None}
