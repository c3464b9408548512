"""The embedded mode of submit: one drainer process per ``SOHOA_HOME`` runs the queued documents
of every batch (``sohoa submit`` without a broker, HTTP uploads and extractions) through the
embedded runner (``pipeline/runner.py``: a process pool on this machine, the one document flow)
and records their states in the batch store, as the distributed workers do.

    python -m workers.embedded            # drain the queue, then exit (started by submit)
    python -m workers.embedded --serve    # keep polling (the HTTP API's child)

A document whose run crashes (a pool process killed in the middle of it) is queued again, alone,
and failed with its reason after ``SOHOA_MAX_ATTEMPTS`` crashed runs; the documents behind it
go on.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sys
import tempfile
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pipeline.config import Settings, process_setup
from pipeline.flow import Arrival
from pipeline.model import SohoaError
from workers import logs, metrics, tasks
from workers import state as st

log = logging.getLogger("sohoa.workers.embedded")
CHUNK = 16  # documents handed to one runner: pages of all of them share the pool


def run_items(ctx: tasks.Context, items: list[st.ItemInfo], max_attempts: int) -> None:
    """Run claimed documents (all of one batch kind) and record each one's final state."""
    from pipeline.runner import Runner

    by_path: dict[str, st.ItemInfo] = {}
    recorded: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="sohoa-embedded-") as tmp:
        files, arrivals = [], {}
        for info in items:
            path = Path(tmp) / "in" / info.document_id / info.file_name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(ctx.work.get(info.source_key, expected_sha256=info.sha256))
            os.utime(path, (info.source_mtime, info.source_mtime))
            by_path[str(path)] = info
            files.append(path)
            arrivals[str(path)] = Arrival(info.file_name, info.branch, info.batch_id,
                                          info.dossier_code, info.actor or "sohoa")
        runner = Runner(ctx.settings, flow=ctx.flow(items[0].kind))
        try:
            for result in runner.run(files, Path(tmp) / "out", arrivals=arrivals):
                info = by_path.get(result.file)
                if info is None:
                    log.error("result for an unknown file", extra={"file": result.file})
                    continue
                doc = tasks.payload(info)
                with logs.bound(batch_id=info.batch_id, document_id=info.document_id,
                                dossier=info.dossier_code, stage="finish"):
                    try:
                        final, reason, _ = tasks.record_result(ctx.db, doc, result)
                        metrics.document_event("finish", final, (reason or {}).get("code"))
                        tasks.cleanup(ctx, doc)
                    except SohoaError as exc:
                        tasks.fail(ctx, doc, exc.to_dict())
                recorded.add(info.document_id + info.batch_id)
        except BrokenProcessPool as exc:
            # A pool process died (killed, out of memory): the documents of this run that
            # have no result yet count a crashed run each; claimed alone next time.
            reason = {"code": "crashed",
                      "message": f"a worker process stopped in the middle of the document "
                                 f"({type(exc).__name__})"}
            for info in items:
                if info.document_id + info.batch_id not in recorded:
                    state = st.crashed(ctx.db, info.batch_id, info.document_id, reason,
                                       max_attempts)
                    log.warning("run crashed", extra={"document_id": info.document_id,
                                                      "state": state})


def drain(settings: Settings, *, serve: bool = False, parent_pid: int | None = None,
          stop=None) -> int:
    """Run queued documents until there are none (``serve``: until ``stop`` is set or the
    parent process is gone). One drainer per SOHOA_HOME, by a lock file; another one that
    finds the lock taken leaves the work to the holder (``serve`` waits for the lock)."""
    home = Path(settings.home)
    home.mkdir(parents=True, exist_ok=True)
    max_attempts = settings.max_attempts

    def stopping() -> bool:
        return (stop is not None and stop.is_set()) or (
            parent_pid is not None and os.getppid() != parent_pid)

    with open(home / "embedded.lock", "a+") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not serve or stopping():
                    return 0  # the holder drains the queue
                time.sleep(0.5)
        ctx = tasks.Context(settings)
        try:
            st.recover_running(ctx.db, max_attempts)
            while not stopping():
                items = st.claim_queued(ctx.db, CHUNK)
                if items:
                    run_items(ctx, items, max_attempts)
                elif serve:
                    time.sleep(0.3)
                else:
                    break
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            ctx.close()
    # Submitted between our last look and the unlock: drain again (or another drainer does).
    if not serve and not stopping() and st.queued_count(tasks.open_db(settings)):
        return drain(settings)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    logs.setup()
    process_setup()
    settings = Settings.from_env()
    try:
        return drain(settings, serve="--serve" in args)
    except Exception:
        log.exception("embedded drainer failed")
        return 1


if __name__ == "__main__":
    sys.exit(main())
