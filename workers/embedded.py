"""The embedded default of ``submit_batch``: one background process runs a batch through the
embedded runner (``pipeline/runner.py``, a process pool on this machine) and records the same
document states as the distributed workers, so ``batch_status`` reads the same.

    python -m workers.embedded BATCH_ID
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from pipeline.config import Settings
from pipeline.model import SohoaError
from workers import logs, metrics, tasks
from workers import state as st

log = logging.getLogger("sohoa.workers.embedded")


def run_batch(batch_id: str, settings: Settings) -> int:
    from pipeline.runner import Runner

    ctx = tasks.Context(settings)
    items = st.unfinished(ctx.db, batch_id)
    by_path: dict[str, st.ItemInfo] = {}
    with tempfile.TemporaryDirectory(prefix="sohoa-embedded-") as tmp:
        files = []
        for info in items:
            doc = tasks.payload(info)
            path = Path(tmp) / "in" / info.document_id / info.file_name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(ctx.work.get(info.source_key, expected_sha256=info.sha256))
            os.utime(path, (info.source_mtime, info.source_mtime))
            by_path[str(path)] = info
            files.append(path)
            st.set_state(ctx.db, batch_id, info.document_id, "running",
                         only_from=("queued", "running", "finishing"))
        runner = Runner(settings, hooks=ctx.hooks)
        for result in runner.run(files, Path(tmp) / "out"):
            info = by_path.get(result.file)
            if info is None:
                log.error("result for an unknown file", extra={"file": result.file})
                continue
            doc = tasks.payload(info)
            with logs.bound(batch_id=batch_id, document_id=info.document_id,
                            dossier=info.dossier_code, stage="finish"):
                try:
                    _record(ctx, doc, info, result)
                except SohoaError as exc:
                    tasks.fail(ctx, doc, exc.to_dict())
    ctx.close()
    return 0


def _record(ctx: tasks.Context, doc: dict, info: st.ItemInfo, result) -> None:
    if not result.document_id:  # failed before any page (bad input, limits)
        tasks.fail(ctx, doc, result.error or {"code": "error", "message": "failed"})
        return
    original = Path(result.file)
    pdf_path = result.pdf_path
    pdf = Path(pdf_path).read_bytes() if pdf_path and Path(pdf_path).exists() else None
    result.file = info.file_name
    result.pdf_path = None
    t = time.perf_counter()
    record = ctx.archive.archive_document(result, pdf, original, branch=info.branch,
                                          batch_id=info.batch_id)
    result.timings["archive"] = time.perf_counter() - t
    if result.error:
        final = "failed"
    elif any(f.needs_review for f in result.fields.values()):
        final = "needs_review"
    else:
        final = "done"
    st.set_state(ctx.db, info.batch_id, info.document_id, final, reason=result.error,
                 pages_total=len(result.pages), archive_key=record.archive_key,
                 only_from=("queued", "running", "finishing"))
    metrics.document_event("finish", final, (result.error or {}).get("code"))
    tasks.cleanup(ctx, doc)


def main(argv: list[str] | None = None) -> int:
    import fcntl

    args = argv if argv is not None else sys.argv[1:]
    logs.setup()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    settings = Settings.from_env()
    Path(settings.home).mkdir(parents=True, exist_ok=True)
    # One embedded batch at a time per SOHOA_HOME: each runner already uses every core; the
    # documents of a waiting batch stay "queued".
    with open(Path(settings.home) / "embedded.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with logs.bound(batch_id=args[0]):
                return run_batch(args[0], settings)
        except Exception as exc:
            log.exception("embedded batch failed")
            _fail_rest(settings, args[0], exc)
            return 1


def _fail_rest(settings: Settings, batch_id: str, exc: BaseException) -> None:
    """The runner itself broke: the batch's unfinished documents are failed with the reason
    rather than left "running" forever (submit them again to retry)."""
    try:
        ctx = tasks.Context(settings)
        reason = {"code": "runner_failed", "message": f"{type(exc).__name__}: {exc}"[:2000]}
        for info in st.unfinished(ctx.db, batch_id):
            tasks.fail(ctx, tasks.payload(info), reason)
        ctx.close()
    except Exception:  # noqa: BLE001 - nothing more to do; the log has the cause
        log.exception("could not record the failure")


if __name__ == "__main__":
    sys.exit(main())
