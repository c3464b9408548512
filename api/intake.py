"""The API's side of the one batch store (``workers.submit`` / ``workers.state``).

Uploads are staged in ``SOHOA_HOME/intake/files`` (hashed, typed, bounded: ``api.uploads``),
then submitted like ``sohoa submit`` does: the batch and its documents go into the same
``batches`` / ``work_items`` tables, the originals into the work store, and the documents to
whoever runs them: the broker's workers, or (embedded default) this server's drainer child
process (``workers.embedded.drain``, the same one ``sohoa submit`` starts). So ``sohoa status``
and ``GET /batches/{id}`` answer the same for any batch.

``POST /extract`` is a one-document batch of kind ``extract`` (classified and extracted, not
archived); its job id is that batch's id.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import secrets
import time
from collections.abc import Sequence
from pathlib import Path

from api.uploads import StagedFile
from pipeline.config import Settings
from pipeline.flow import TERMINAL
from workers import state as st
from workers import submit

log = logging.getLogger("sohoa.api.intake")


class QueueFull(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"the intake queue is full; retry in {retry_after} s")
        self.retry_after = retry_after


class Unavailable(Exception):
    def __init__(self, message: str, retry_after: int = 30):
        super().__init__(message)
        self.retry_after = retry_after


def batch_id_for(branch: str, dossier_code: str | None, shas: Sequence[str]) -> str:
    """Same branch, dossier and file contents: same batch (uploads are idempotent)."""
    key = "\0".join([branch, dossier_code or "", *sorted(set(shas))])
    return "b-" + hashlib.sha256(key.encode()).hexdigest()[:22]


class Intake:
    """Submits uploads to the batch store, bounded by ``queue_max`` unfinished documents."""

    def __init__(self, settings: Settings, *, queue_max: int = 200):
        self.settings = settings
        self.queue_max = queue_max
        self.spool = Path(settings.home) / "intake" / "files"
        self.spool.mkdir(parents=True, exist_ok=True)
        self._process = None
        self._stop = None
        self.last_error: str | None = None

    @property
    def db(self):
        return submit.batch_db(self.settings)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Embedded default: run the drainer as a child process (spawned: a clean interpreter;
        the pipeline's Python work would compete with the requests for the GIL)."""
        if self.settings.broker_url or (self._process is not None and self._process.is_alive()):
            return
        ctx = multiprocessing.get_context("spawn")
        self._stop = ctx.Event()
        self._process = ctx.Process(target=_drainer, name="sohoa-drainer",
                                    args=(self.settings, self._stop, os.getpid()))
        self._process.start()

    def stop(self, timeout: float = 20) -> None:
        if self._process is not None:
            self._stop.set()
            self._process.join(timeout)
            if self._process.is_alive():  # mid-document: it is run again at the next start
                self._process.terminate()
                self._process.join(5)

    @property
    def alive(self) -> bool:
        """Whether documents get processed: the broker's workers, or our drainer."""
        if self.settings.broker_url:
            return True
        return self._process is not None and self._process.is_alive()

    # ------------------------------------------------------------------ bounds

    def pending(self) -> int:
        return st.pending_count(self.db)

    def counts(self) -> dict[str, int]:
        return st.state_counts(self.db)

    def retry_after(self) -> int:
        """Seconds until room is likely, from the processing rate of the last two minutes."""
        done = st.finished_since(self.db, 120)
        per_doc = 120.0 / done if done else 2.0
        backlog = max(1, self.pending() - self.queue_max // 2)
        return int(min(300, max(1, per_doc * backlog)))

    def _check_room(self, n: int) -> None:
        if not self.alive:
            raise Unavailable("the processing service is not running", 30)
        if self.pending() + n > self.queue_max:
            raise QueueFull(self.retry_after())

    # ------------------------------------------------------------------ submitting

    def submit_batch(self, files: Sequence[StagedFile], branch: str,
                     dossier_code: str | None = None, *, actor: str) -> tuple[dict, bool]:
        """Submit the files as one batch; returns (status, created). The same branch, dossier
        and contents give the same batch, submitted once."""
        bid = batch_id_for(branch, dossier_code, [f.sha256 for f in files])
        if not st.batch_exists(self.db, bid):
            unique = list({f.sha256: f for f in files}.values())
            self._check_room(len(unique))
            receipt = submit.submit_batch([f.path for f in unique], branch, dossier_code,
                                          self.settings, actor=actor, batch_id=bid,
                                          names=[f.name for f in unique],
                                          start_drainer=False)
            created = receipt.created
        else:
            created = False
        self.discard(files)
        return self.batch_status(bid), created

    def batch_status(self, batch_id: str) -> dict | None:
        try:
            return submit.batch_status(batch_id, self.settings)
        except submit.BatchNotFound:
            return None

    def submit_extract(self, f: StagedFile, *, actor: str) -> str:
        self._check_room(1)
        job = "j-" + secrets.token_hex(10)
        submit.submit_batch([f.path], None, None, self.settings, actor=actor, batch_id=job,
                            names=[f.name], kind="extract", start_drainer=False)
        self.discard([f])
        return job

    def cached_extract(self, sha256: str) -> dict | None:
        return st.extract_result(self.db, sha256)

    def wait(self, job: str, timeout: float) -> bool:
        """Until the job has finished (True) or ``timeout`` seconds (False)."""
        end = time.monotonic() + timeout
        while True:
            info = self.job(job)
            if info is None or info["state"] in TERMINAL:
                return True
            if time.monotonic() >= end:
                return False
            time.sleep(0.2)

    def job(self, job: str) -> dict | None:
        return submit.extraction(job, self.settings)

    def discard(self, staged: Sequence[StagedFile]) -> None:
        """Staged uploads are not kept: the work store holds the submitted copy."""
        for s in staged:
            s.path.unlink(missing_ok=True)


def _drainer(settings: Settings, stop, parent_pid: int) -> None:
    import signal

    from pipeline.config import process_setup
    from workers import embedded, logs

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops us (or we see it gone)
    logs.setup()
    process_setup()
    embedded.drain(settings, serve=True, parent_pid=parent_pid, stop=stop)
