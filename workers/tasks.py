"""What each actor does, as plain functions of a :class:`Context` (no dramatiq here).

These only move values between the object store, the database and the stage functions
(``pipeline.ingest``, ``pipeline.pages.run_page``, and for the rest of a document's way the one
flow, ``pipeline.flow.Flow.finish``); the stages themselves live in their packages.

Temporaries live in the *work store* under ``tmp/<batch>/<document>/``: the uploaded original
(``source.<ext>``), and per page one object ``<n>.page`` (the OcrPage as JSON and the one-page
PDF, written in one verified put: its presence means the page is done, and no reader ever sees
half of it). Every step is idempotent, so a message delivered twice (worker killed, broker
restarted, retry after a storage outage) adds nothing: a page whose object exists is not
redone; the document is finished by the one page message that claims it in the database; the
archive recognises what it already holds.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline import ingest as ingest_stage
from pipeline.config import Settings
from pipeline.flow import UNFINISHED, Arrival, final_state
from pipeline.model import FileKind, OcrPage, SohoaError, SourceFile
from storage import keys
from storage.objectstore import LocalObjectStore, ObjectStore
from workers import logs, metrics
from workers import state as st

log = logging.getLogger("sohoa.workers")
Send = Callable[..., None]  # send(actor_name, **kwargs)


def open_work_store(settings: Settings) -> ObjectStore:
    """Where temporaries live: a separate S3 bucket without retention (``SOHOA_S3_WORK_BUCKET``,
    default ``<bucket>-work``), or ``SOHOA_HOME/work`` without S3. Its puts are verified by
    the server's ETag (the MD5 of what it received) without a second request: temporaries
    are written several times per page, and every read checks their SHA-256 again."""
    if settings.s3_endpoint:
        from storage.s3store import S3ObjectStore

        return S3ObjectStore(
            settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key,
            settings.s3_work_bucket or f"{settings.s3_bucket}-work",
            secure=settings.s3_secure, region=settings.s3_region, retention_days=None,
            object_lock=False, stat_after_put=False)
    return LocalObjectStore(Path(settings.home) / "work")


def open_db(settings: Settings):
    from storage.db import init_db

    return init_db(settings.effective_database_url)


def prefix(batch_id: str, document_id: str) -> str:
    return f"tmp/{batch_id}/{document_id}/"


def source_key(batch_id: str, document_id: str, file_name: str) -> str:
    return f"{prefix(batch_id, document_id)}source.{keys.extension(file_name, 'bin')}"


def page_key(doc: dict[str, Any], number: int) -> str:
    return f"{prefix(doc['batch_id'], doc['document_id'])}{number:05d}.{PAGE_EXT}"


PAGE_EXT = "page"
_PAGE_MAGIC = b"SOHOA-PAGE 1\n"


def pack_page(page: OcrPage, pdf: bytes | None) -> bytes:
    """A page's result as one object: a header line, the OcrPage JSON, then the PDF (if any)."""
    body = json.dumps(page.to_dict(exact=True), ensure_ascii=False).encode()
    return b"%s%d\n%s%s" % (_PAGE_MAGIC, len(body), body, pdf or b"")


def unpack_page(data: bytes) -> tuple[OcrPage, bytes | None]:
    if not data.startswith(_PAGE_MAGIC):
        raise SohoaError("not a page result object", code="bad_temporary")
    head = len(_PAGE_MAGIC)
    newline = data.index(b"\n", head)
    start = newline + 1
    end = start + int(data[head:newline])
    page = OcrPage.from_dict(json.loads(data[start:end]))
    return page, (data[end:] or None)


class Context:
    """Per-process resources of a worker, opened on first use."""

    def __init__(self, settings: Settings, send: Send | None = None):
        self.settings = settings
        self.send = send or (lambda name, **kw: None)
        self._lock = threading.RLock()
        self._work: ObjectStore | None = None
        self._db = None
        self._archive = None
        self._flow = None
        self._extract_flow = None
        self._cache_dir = Path(tempfile.mkdtemp(prefix="sohoa-worker-"))
        self._cache: OrderedDict[str, Path] = OrderedDict()

    def _once(self, attr: str, make):
        if getattr(self, attr) is None:
            with self._lock:
                if getattr(self, attr) is None:
                    setattr(self, attr, make())
        return getattr(self, attr)

    @property
    def work(self) -> ObjectStore:
        return self._once("_work", lambda: open_work_store(self.settings))

    @property
    def db(self):
        return self._once("_db", lambda: open_db(self.settings))

    @property
    def archive(self):
        from storage.archive import Archive

        return self._once("_archive", lambda: Archive(self.settings, db=self.db))

    def flow(self, kind: str = "archive"):
        """The one document flow (classify, extract, dossiers and, for an archive batch, the
        archive of this context)."""
        from pipeline.flow import Flow

        if kind == "extract":
            return self._once("_extract_flow", lambda: Flow(self.settings, archive=False))
        return self._once("_flow", lambda: Flow(self.settings, archive_obj=self.archive))

    def original(self, doc: dict[str, Any]) -> Path:
        """The uploaded original as a local file (cached per process, a few documents deep),
        with its submit-time modification time: the PDF/A dates come from it, so the same
        original always gives the same PDF bytes."""
        sha = doc["sha256"]
        with self._lock:
            path = self._cache.get(sha)
            if path is not None and path.exists():
                self._cache.move_to_end(sha)
                return path
        data = self.work.get(doc["source_key"], expected_sha256=sha)
        path = self._cache_dir / f"{sha}.{keys.extension(doc['file_name'], 'bin')}"
        tmp = path.with_name(f".{path.name}.{threading.get_ident()}")
        tmp.write_bytes(data)
        mtime = float(doc.get("source_mtime") or time.time())
        os.utime(tmp, (mtime, mtime))
        os.replace(tmp, path)
        with self._lock:
            self._cache[sha] = path
            while len(self._cache) > 8:
                _, old = self._cache.popitem(last=False)
                old.unlink(missing_ok=True)
        return path

    def forget(self, doc: dict[str, Any]) -> None:
        with self._lock:
            path = self._cache.pop(doc["sha256"], None)
        if path is not None:
            path.unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self._cache_dir, ignore_errors=True)
        if self._archive is not None:
            self._archive.close()
        if self._db is not None:
            self._db.dispose()


def payload(info: st.ItemInfo, **extra: Any) -> dict[str, Any]:
    """The message body for a document: everything a stage needs without a database read."""
    return {"batch_id": info.batch_id, "document_id": info.document_id,
            "file_name": info.file_name, "sha256": info.sha256, "source_key": info.source_key,
            "source_mtime": info.source_mtime, "branch": info.branch,
            "dossier_code": info.dossier_code, "actor": info.actor, "kind": info.kind, **extra}


def _source(doc: dict[str, Any], path: Path) -> SourceFile:
    return SourceFile(path=str(path), kind=FileKind(doc["kind"]), sha256=doc["sha256"],
                      size=path.stat().st_size, name=doc["file_name"], branch=doc["branch"],
                      batch_id=doc["batch_id"], dossier_code=doc["dossier_code"])


def arrival(doc: dict[str, Any]) -> Arrival:
    return Arrival(doc["file_name"], doc["branch"], doc["batch_id"], doc["dossier_code"],
                   doc.get("actor") or "sohoa")


def _item(ctx: Context, doc: dict[str, Any]) -> st.ItemInfo:
    info = st.get_item(ctx.db, doc["batch_id"], doc["document_id"])
    if info is None:
        raise SohoaError(f"no document {doc['document_id']} in batch {doc['batch_id']}",
                         code="unknown_document")
    return info


def done_pages(ctx: Context, doc: dict[str, Any]) -> set[int]:
    out = set()
    for key in ctx.work.list(prefix(doc["batch_id"], doc["document_id"])):
        name = key.rsplit("/", 1)[-1]
        stem, _, ext = name.partition(".")
        if ext == PAGE_EXT and stem.isdigit():
            out.add(int(stem))
    return out


# --------------------------------------------------------------------------- stages


def ingest(ctx: Context, doc: dict[str, Any]) -> None:
    """Check the original, count its pages, fan out one message per page not done yet."""
    info = _item(ctx, doc)
    if info.state in st.TERMINAL:
        return
    path = ctx.original(doc)
    source = ingest_stage.open_source(path, ctx.settings.limits, name=doc["file_name"])
    count = ingest_stage.count_pages(source, ctx.settings.limits)
    doc = {**doc, "kind": source.kind.value, "pages": count}
    if info.state == "finishing":  # sent again (resume) after all pages were done
        ctx.send("finish", doc=doc)
        return
    st.set_state(ctx.db, doc["batch_id"], doc["document_id"], "running", pages_total=count,
                 only_from=("queued", "running"))
    done = done_pages(ctx, doc)
    for number in range(1, count + 1):
        if number not in done:
            ctx.send("ocr_page", doc=doc, number=number)
    metrics.document_event("ingest", "ok")
    log.info("ingested", extra={"pages": count, "pages_done": len(done)})
    if len(done) >= count:
        ctx.send("finish", doc=doc)


def ocr_page(ctx: Context, doc: dict[str, Any], number: int, token: str) -> None:
    """One page through ``run_page``; its OcrPage and PDF into the work store (one object)."""
    info = _item(ctx, doc)
    if info.state in st.TERMINAL:
        return
    key = page_key(doc, number)
    if not ctx.work.exists(key):
        from pipeline.pages import PageTask

        t0 = time.perf_counter()
        path = ctx.original(doc)
        task = PageTask(_source(doc, path), number, doc["document_id"], ctx.settings.limits,
                        ctx.settings.ocr)
        t1 = time.perf_counter()
        stored: list[float] = []

        def store(outcome) -> None:
            stored.append(time.perf_counter())
            ctx.work.put(key, pack_page(outcome.page, outcome.pdf), "application/octet-stream")

        outcome = run_page_bounded(ctx, doc, task, store)
        t2 = stored[0] if stored else time.perf_counter()
        t3 = time.perf_counter()
        metrics.page_done(outcome.page)
        log.info("page stored", extra={"status": outcome.page.status.value,
                                       "fetch_seconds": round(t1 - t0, 4),
                                       "run_page_seconds": round(t2 - t1, 4),
                                       "run_page_cpu_seconds": round(
                                           outcome.page.timings.get("page.cpu", 0.0), 4),
                                       "store_seconds": round(t3 - t2, 4)})
    maybe_finish(ctx, doc, token)


class RunsExhausted(SohoaError):
    """Runs of a stage never returned ``max_attempts`` times (its worker process was killed
    each time: a poison page or document); stop redelivering it."""

    code = "crashed"


@contextmanager
def bounded_runs(ctx: Context, doc: dict[str, Any], name: str, *, reset: bool = True):
    """Count a stage's runs that never return: a counter in the work store is raised before
    the run and put back when it raises (and, with ``reset``, when it returns), so only killed
    runs count. ``reset=False``: the run leaves a result that marks the stage done (a page's
    object), so the counter is never read again and goes with the temporaries. Raises
    ``RunsExhausted`` once ``max_attempts`` runs were killed."""
    from storage.objectstore import ObjectNotFound

    key = f"{prefix(doc['batch_id'], doc['document_id'])}{name}.runs"
    try:
        runs = int(ctx.work.get(key))
    except ObjectNotFound:
        runs = 0
    if runs >= ctx.settings.max_attempts:
        log.error("stage crashed its worker too often", extra={"stage": name, "runs": runs})
        raise RunsExhausted(f"{name}: the processing stopped {runs} times (worker process "
                            f"killed)")
    ctx.work.put(key, str(runs + 1).encode(), "text/plain")
    returned = False
    try:
        yield
        returned = True
    finally:
        if reset or not returned:
            if runs:
                ctx.work.put(key, str(runs).encode(), "text/plain")
            else:
                ctx.work.delete(key)


def run_page_bounded(ctx: Context, doc: dict[str, Any], task, store: Callable[[Any], None]):
    """``run_page`` and ``store`` of its outcome within ``bounded_runs``: a page that kills its
    worker process every time fails with that reason (stored like any failed page), and the
    document goes on to ``failed`` instead of looping. A store that raises (storage away)
    puts the counter back: only killed runs count."""
    from pipeline.model import OcrPage, PageStatus
    from pipeline.pages import PageOutcome, run_page

    try:
        with bounded_runs(ctx, doc, f"{task.number:05d}", reset=False):
            outcome = run_page(task)
            store(outcome)
            return outcome
    except RunsExhausted as exc:
        outcome = PageOutcome(OcrPage(number=task.number, width=0, height=0, words=[],
                                      text="", status=PageStatus.FAILED, error=exc.to_dict()),
                              None)
        store(outcome)
        return outcome


def maybe_finish(ctx: Context, doc: dict[str, Any], token: str) -> bool:
    """Send ``finish`` when every page is done, exactly once per document: the page message
    that moves the database row to ``finishing`` sends it (and only a redelivery of that same
    message sends it again, in case it died in between)."""
    if len(done_pages(ctx, doc)) < doc["pages"]:
        return False
    if not st.claim_finish(ctx.db, doc["batch_id"], doc["document_id"], token):
        return False
    ctx.send("finish", doc=doc)
    return True


def finish(ctx: Context, doc: dict[str, Any]) -> None:
    """The document stage (PDF/A, classify, extract), the archive, then the temporaries go."""
    info = _item(ctx, doc)
    if info.state in st.TERMINAL:
        cleanup(ctx, doc)
        return
    done = done_pages(ctx, doc)
    missing = [n for n in range(1, doc["pages"] + 1) if n not in done]
    if missing:  # temporaries lost (work store wiped): redo those pages, finish again later
        log.warning("pages missing at finish; resending them", extra={"missing": missing})
        st.set_state(ctx.db, doc["batch_id"], doc["document_id"], "running", finish_claim=None,
                     only_from=("finishing",))
        for n in missing:
            ctx.send("ocr_page", doc=doc, number=n)
        return
    # Mark the start (updated_at): the re-drive leaves a finishing document alone for a
    # finish time limit after this.
    st.set_state(ctx.db, doc["batch_id"], doc["document_id"], "finishing",
                 only_from=("finishing",))
    with tempfile.TemporaryDirectory(prefix="sohoa-finish-") as tmp:
        pages: list[OcrPage] = []
        page_files: list[Path] = []
        for n in range(1, doc["pages"] + 1):
            page, pdf = unpack_page(ctx.work.get(page_key(doc, n)))
            pages.append(page)
            if page.status.value == "ok":
                f = Path(tmp) / f"{n:05d}.pdf"
                f.write_bytes(pdf or b"")
                page_files.append(f)
        kind = doc.get("kind") or "archive"
        with bounded_runs(ctx, doc, "finish"):  # RunsExhausted: permanent, the doc fails
            result = ctx.flow(kind).finish(_source(doc, ctx.original(doc)), pages,
                                           page_files, Path(tmp) / "document.pdf",
                                           arrival(doc))
    final, reason, archive_key = record_result(ctx.db, doc, result)
    metrics.document_event("finish", final, (reason or {}).get("code"))
    log.info("archived", extra={"state": final, "archive_key": archive_key,
                                "document_type": result.classification.document_type
                                if result.classification else None})
    cleanup(ctx, doc)


def record_result(db, doc: dict[str, Any], result) -> tuple[str, dict | None, str | None]:
    """The document's final state in the batch store (and, for an extraction, its contract
    JSON). Returns (state, reason, archive key)."""
    from extractors.commands import contract_line

    final, reason = final_state(result)
    archive_key = (result.archive or {}).get("archive_key")
    extra = {}
    if doc.get("kind") == "extract":
        extra["result"] = contract_line(result, doc["file_name"])
    st.set_state(db, doc["batch_id"], doc["document_id"], final, reason=reason,
                 archive_key=archive_key, pages_total=len(result.pages) or None,
                 only_from=UNFINISHED, **extra)
    return final, reason, archive_key


def cleanup(ctx: Context, doc: dict[str, Any]) -> None:
    """Remove the document's temporaries (idempotent; one request on S3)."""
    ctx.work.delete_many(list(ctx.work.list(prefix(doc["batch_id"], doc["document_id"]))))
    ctx.forget(doc)


def fail(ctx: Context, doc: dict[str, Any], reason: dict[str, Any]) -> None:
    """A stage failed for good (permanent error, or retries exhausted): ``failed`` with the
    reason, temporaries removed."""
    changed = st.mark_failed(ctx.db, doc["batch_id"], doc["document_id"], reason)
    if changed:
        metrics.document_event("failed", "failed", reason.get("code"))
    with logs.bound(state="failed"):
        log.error("document failed", extra={"reason": reason})
    cleanup(ctx, doc)


def redrive(ctx: Context, broker, *, stall_seconds: float, finish_seconds: float) -> int:
    """Send ``ingest`` again for documents stuck without progress while the queue is empty:
    their messages were lost (a broker restarted without persistence, a retry that could not
    be enqueued). Safe because every stage is idempotent. Returns how many were sent."""
    from workers.broker import QUEUES
    from workers.metrics import queue_depth

    if any(queue_depth(broker, q) > 0 for q in QUEUES):
        return 0
    n = 0
    for info, seen in st.stalled(ctx.db, stall_seconds, finish_seconds):
        if st.touch(ctx.db, info.batch_id, info.document_id, seen):
            with logs.bound(batch_id=info.batch_id, document_id=info.document_id,
                            dossier=info.dossier_code):
                log.warning("no progress; sending the document again",
                            extra={"state": info.state})
            ctx.send("ingest", doc=payload(info))
            n += 1
    return n
