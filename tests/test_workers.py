"""Distributed workers (dramatiq) against real servers: Redis, the S3 test server, PostgreSQL or
SQLite. Documents are tiny (one 1200x300 px line pair at 300 dpi: OCR ~0.1-0.3 s), so a whole
batch runs in seconds once the worker processes have loaded their models.

Isolation: every test has its own Redis DB number and broker namespace, its own S3 buckets, its
own SQLite file or PostgreSQL schema and its own ``SOHOA_HOME``. Worker groups are started as
``sohoa worker`` subprocesses (in their own process group) and stopped by their pid.

The fault tests (kill -9, S3 outage, Redis restart) are in ``test_workers_faults.py``; the
helpers here are shared with it.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import ROOT
from tests.storage_fixtures import pg_schema_url, require_service, unique_bucket

REDIS_ENV = "SOHOA_TEST_REDIS_URL"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
_db_numbers = itertools.cycle(range(1, 16))


# --------------------------------------------------------------------------- documents


def make_page(path: Path, n: int, *, size=(1200, 300), lines: int = 2) -> Path:
    """A small gray page with ``lines`` lines of Vietnamese text, unique per ``n``."""
    font = ImageFont.truetype(FONT, 44)
    im = Image.new("L", size, 255)
    d = ImageDraw.Draw(im)
    texts = [f"Hồ sơ số {n:04d} nộp tại Hà Nội", f"Người nộp: Nguyễn Văn An {n}"]
    for i in range(lines):
        d.text((60, 50 + 110 * i), texts[i % 2] + ("" if i < 2 else f" dòng {i}"), font=font,
               fill=0)
    im.save(path, dpi=(300, 300))
    return path


def make_batch(folder: Path, count: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [make_page(folder / f"doc{start + i:03d}.png", start + i) for i in range(count)]


def make_poison(folder: Path) -> list[Path]:
    """A file of no known type (fails at ingest) and a PNG with a valid header and corrupt
    data (fails when its page is decoded)."""
    folder.mkdir(parents=True, exist_ok=True)
    garbage = folder / "garbage.png"
    garbage.write_bytes(b"this is not an image at all\n" * 10)
    good = make_page(folder / "tmp.png", 9999).read_bytes()
    (folder / "tmp.png").unlink()
    truncated = folder / "truncated.png"
    truncated.write_bytes(good[:200] + b"\x00" * 300)
    return [garbage, truncated]


# --------------------------------------------------------------------------- environment


def redis_url() -> str:
    return require_service(REDIS_ENV)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_db_url(base: str | None = None) -> str:
    """The test Redis with a DB number of its own (cycled; each test also has its own broker
    namespace, so two tests on one DB number still do not meet)."""
    base = base or redis_url()
    root = base.rsplit("/", 1)[0] if base.count("/") >= 3 else base
    return f"{root}/{next(_db_numbers)}"


def worker_env(tmp_path: Path, *, broker_url: str | None, database_url: str | None = None,
               s3_endpoint: str | None = None, **extra: str) -> dict[str, str]:
    """SOHOA_* variables for one test: for the workers it starts and for its own process."""
    env = {
        "SOHOA_HOME": str(tmp_path / "home"),
        "SOHOA_DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'sohoa.db'}",
        "SOHOA_BROKER_NAMESPACE": f"sohoa-test-{uuid.uuid4().hex[:8]}",
        "SOHOA_BROKER_HEARTBEAT_MS": "8000",
        "SOHOA_BROKER_MAINTENANCE": "200000",  # requeue a dead worker's messages quickly
        "SOHOA_WORKER_MIN_BACKOFF": "500",
        "SOHOA_WORKER_MAX_BACKOFF": "8000",
        "SOHOA_WORKER_MAX_RETRIES": "10",
        "SOHOA_RETENTION_YEARS": "0",
        "SOHOA_METRICS_PORT": "0",
        "SOHOA_PAGE_TIMEOUT": "60",
        "SOHOA_WORKER_SHUTDOWN_MS": "10000",
        "OMP_THREAD_LIMIT": "1",
    }
    if broker_url:
        env["SOHOA_BROKER_URL"] = broker_url
    if s3_endpoint:
        env.update(SOHOA_S3_ENDPOINT=s3_endpoint, SOHOA_S3_ACCESS_KEY="test",
                   SOHOA_S3_SECRET_KEY="test", SOHOA_S3_BUCKET=unique_bucket("sohoa-wk"))
    env.update(extra)
    return env


@pytest.fixture
def use_env(monkeypatch):
    """Apply a ``worker_env`` to this test process (Settings.from_env and the broker read it)."""

    def apply(env: dict[str, str]) -> dict[str, str]:
        for k in ("SOHOA_BROKER_URL", "SOHOA_S3_ENDPOINT", "SOHOA_DATABASE_URL"):
            monkeypatch.delenv(k, raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        return env

    return apply


class WorkerGroup:
    """``sohoa worker`` as a subprocess in its own session; its log is JSON lines."""

    def __init__(self, env: dict[str, str], log: Path, processes: int = 2):
        self.env, self.log_path, self.processes = env, log, processes
        self.proc: subprocess.Popen | None = None

    def start(self) -> WorkerGroup:
        self.log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "worker", "--processes", str(self.processes)],
            env={**os.environ, **self.env}, cwd=ROOT, stdout=self.log_file,
            stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def children(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True,
                             text=True, check=False).stdout.split()
        return [int(p) for p in out]

    def records(self) -> list[dict]:
        out = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def wait_ready(self, timeout: float = 300) -> None:
        """Until every worker process has loaded its models and takes messages."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = {r["pid"] for r in self.records() if r.get("msg") == "worker process ready"}
            if len(ready) >= self.processes:
                return
            assert self.proc.poll() is None, f"worker group exited: {self.tail()}"
            time.sleep(0.5)
        raise AssertionError(f"workers not ready in {timeout}s: {self.tail()}")

    def tail(self, n: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def stop(self) -> None:
        if self.proc is None:
            return
        kids = self.children()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for pid in kids:  # never leave a worker behind, even if the supervisor was killed
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log_file.close()
        self.proc = None


@contextmanager
def worker_group(env: dict[str, str], log: Path, processes: int = 2):
    group = WorkerGroup(env, log, processes).start()
    try:
        group.wait_ready()
        yield group
    finally:
        group.stop()


def wait_batch(batch_id: str, timeout: float = 300, settings=None) -> dict:
    from workers.submit import batch_status

    deadline = time.monotonic() + timeout
    status = batch_status(batch_id, settings)
    while not status["complete"] and time.monotonic() < deadline:
        time.sleep(1.0)
        status = batch_status(batch_id, settings)
    assert status["complete"], json.dumps(status["progress"])
    return status


# --------------------------------------------------------------------------- checks


def assert_archived_once(settings, status: dict, *, expect_done: int) -> None:
    """Every done document is in the archive exactly once: one signed PDF object (one
    version), one original, one document row, one search entry, one event of each kind; the
    temporaries are gone."""
    from sqlalchemy import select

    from storage.archive import Archive
    from storage.models import Document, Event
    from workers.tasks import open_work_store

    done = [d for d in status["documents"] if d["state"] in ("done", "needs_review")]
    assert len(done) == expect_done, status["progress"]
    with Archive(settings) as archive:
        counts = archive.counts()
        rows = archive.db.run(lambda s: s.scalars(select(Document)).all())
        events = archive.db.run(lambda s: [(e.document_id, e.kind)
                                           for e in s.scalars(select(Event)).all()])
        store = archive.store
        archive_keys = [k for k in store.list("archive/") if k.endswith(".pdf")]
        originals = [k for k in store.list("originals/") if not k.endswith(".json")]
        archived_rows = [r for r in rows if r.status == "archived"]
        assert len(archived_rows) == expect_done
        assert {r.id for r in archived_rows} == {d["id"] for d in done}
        assert sorted(archive_keys) == sorted(d["archive_key"] for d in done)
        assert counts["search_docs"] == expect_done
        assert counts["receipts"] == counts["originals"] == len(originals) == len(rows)
        per_kind = Counter(events)
        for d in done:
            for kind in ("received", "ocr_done", "signed", "archived"):
                assert per_kind[(d["id"], kind)] == 1, (d, kind)
        assert all(n == 1 for n in per_kind.values()), per_kind
        if hasattr(store, "versions"):  # S3: no second version of any archived object
            for key in archive_keys + originals:
                assert len(list(store.versions(key))) == 1, key
    work = open_work_store(settings)
    assert list(work.list("tmp/")) == []


def metric_value(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


# --------------------------------------------------------------------------- unit tests


def test_retry_policy_permanent_errors_never_retry(monkeypatch):
    from dramatiq.middleware import TimeLimitExceeded

    from pipeline.model import InputError, LimitExceeded, StageTimeout, TransientError
    from workers.broker import reason_of, retry_when

    monkeypatch.setenv("SOHOA_WORKER_MAX_RETRIES", "3")
    assert not retry_when(0, InputError("corrupt", code="corrupt_image"))
    assert not retry_when(0, LimitExceeded("too big"))
    for exc in (TransientError("s3 down"), StageTimeout("slow"), ConnectionError("refused"),
                TimeLimitExceeded()):
        assert retry_when(0, exc) and retry_when(2, exc) and not retry_when(3, exc)
    assert reason_of(InputError("corrupt", code="corrupt_image")) == {
        "code": "corrupt_image", "message": "corrupt"}
    assert reason_of(TimeLimitExceeded())["code"] == "time_limit"


def test_finish_is_claimed_exactly_once(tmp_path):
    """Many page messages completing a document at once: one claim wins; a redelivery of the
    winning message (same id) may send finish again, no other message can."""
    from concurrent.futures import ThreadPoolExecutor

    from storage.db import init_db
    from workers import state as st

    db = init_db(f"sqlite:///{tmp_path / 'claims.db'}")
    item = {"document_id": "d1", "position": 0, "file_name": "a.png", "branch": "hn01",
            "dossier_code": None, "sha256": "0" * 64, "source_key": "tmp/b/d1/source.png",
            "source_mtime": 0.0}
    assert st.create_batch(db, "b1", "hn01", [item], actor="tester")
    assert not st.create_batch(db, "b1", "hn01", [item], actor="tester")  # replay: nothing
    st.set_state(db, "b1", "d1", "running", pages_total=8)
    with ThreadPoolExecutor(8) as pool:
        wins = list(pool.map(lambda i: st.claim_finish(db, "b1", "d1", f"m{i}"), range(8)))
    assert wins.count(True) == 1
    winner = f"m{wins.index(True)}"
    assert st.claim_finish(db, "b1", "d1", winner)  # its redelivery
    assert not st.claim_finish(db, "b1", "d1", "another")
    st.set_state(db, "b1", "d1", "done", only_from=("finishing",))
    assert not st.claim_finish(db, "b1", "d1", winner)  # finished: nobody
    assert not st.mark_failed(db, "b1", "d1", {"code": "x"})  # terminal stays terminal
    db.dispose()


def test_stages_replayed_add_nothing(tmp_path, use_env, monkeypatch):
    """Each stage function run twice (as a redelivery would), in process, against the S3 test
    server: the second run adds no object, row, index entry or event."""
    from pipeline.config import Settings
    from storage.archive import Archive
    from workers import state as st
    from workers import tasks
    from workers.submit import submit_batch

    env = use_env(worker_env(tmp_path, broker_url=None,
                             s3_endpoint=require_service("SOHOA_TEST_S3_ENDPOINT")))
    assert env["SOHOA_S3_ENDPOINT"]
    settings = Settings.from_env()
    sent: list[tuple[str, dict]] = []
    ctx = tasks.Context(settings, send=lambda name, **kw: sent.append((name, kw)))
    files = make_batch(tmp_path / "in", 1)
    # Record the batch without starting the embedded runner: the stages are called by hand.
    started = []
    monkeypatch.setattr("workers.submit.start_embedded", lambda s: started.append(s.home))
    receipt = submit_batch(files, "hn01", settings=settings, actor="tester")
    assert started == [settings.home]  # the embedded drainer of this home
    info = st.unfinished(ctx.db, receipt.batch_id)[0]
    doc = tasks.payload(info)

    tasks.ingest(ctx, doc)
    tasks.ingest(ctx, doc)  # redelivered ingest: the page is sent again, nothing else
    pages = [kw for name, kw in sent if name == "ocr_page"]
    assert len(pages) == 2 and pages[0] == pages[1]
    page_doc = pages[0]["doc"]
    sent.clear()
    tasks.ocr_page(ctx, page_doc, 1, token="m1")
    work_keys = list(ctx.work.list("tmp/"))
    tasks.ocr_page(ctx, page_doc, 1, token="m1")  # redelivery of the claiming message
    tasks.ocr_page(ctx, page_doc, 1, token="m2")  # a duplicate: may not claim
    assert list(ctx.work.list("tmp/")) == work_keys
    assert [n for n, _ in sent] == ["finish", "finish"]
    assert all(len(list(ctx.work.versions(k))) == 1 for k in work_keys if "/000" in k)
    # The page is one object (OcrPage + PDF); its run counter stays until the cleanup.
    assert sorted(k.rsplit("/", 1)[1] for k in work_keys if "/000" in k) == \
        ["00001.page", "00001.runs"]
    tasks.finish(ctx, page_doc)
    with Archive(settings) as archive:
        first = archive.counts()
        objects = list(archive.store.list(""))
    # Finish replayed after it completed (and after its temporaries were removed).
    tasks.finish(ctx, page_doc)
    # Replayed from scratch with the temporaries re-created: the archive recognises it all.
    st.set_state(ctx.db, receipt.batch_id, info.document_id, "finishing",
                 only_from=("done", "needs_review"))
    ctx.work.put(info.source_key, files[0])
    tasks.ocr_page(ctx, page_doc, 1, token="m1")
    sent.clear()
    tasks.finish(ctx, page_doc)
    with Archive(settings) as archive:
        assert archive.counts() == first
        assert list(archive.store.list("")) == objects
        for key in objects:
            if key.startswith(("archive/", "originals/")) and key.endswith((".pdf", ".png")):
                assert len(list(archive.store.versions(key))) == 1, key
    status = st.batch_items(ctx.db, receipt.batch_id)[1][0]
    assert status.state in ("done", "needs_review") and status.archive_key
    assert list(ctx.work.list("tmp/")) == []
    ctx.close()


# --------------------------------------------------------------------------- with workers


@pytest.mark.redis
@pytest.mark.s3
@pytest.mark.postgres
@pytest.mark.slow
def test_batch_of_20_with_two_worker_processes(tmp_path, use_env):
    """20 documents and 2 poison files through 2 worker processes (Redis, S3, PostgreSQL),
    submitted and followed with the CLI: 20 archived once each, the poison files failed with
    their reasons, the temporaries gone, metrics served."""
    from pipeline.config import Settings
    from tests.conftest import run_sohoa

    port = free_port()
    with pg_schema_url() as db_url:
        env = use_env(worker_env(tmp_path, broker_url=redis_db_url(), database_url=db_url,
                                 s3_endpoint=require_service("SOHOA_TEST_S3_ENDPOINT"),
                                 SOHOA_METRICS_PORT=str(port)))
        files = make_batch(tmp_path / "in", 20) + make_poison(tmp_path / "in")
        with worker_group(env, tmp_path / "worker.log") as group:
            out = run_sohoa("submit", str(tmp_path / "in"), "--branch", "hn01",
                            "--dossier", "000.00.17.H26-261125-0001", "--json", env=env,
                            timeout=120)
            assert out.returncode == 0, out.stderr
            receipt = json.loads(out.stdout)
            assert receipt["documents"] == len(files) == 22
            status = wait_batch(receipt["batch_id"], timeout=400)
            metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                             timeout=10).read().decode()
            log = group.records()
        out = run_sohoa("status", receipt["batch_id"], "--json", env=env, timeout=60)
        assert out.returncode == 1  # failed documents
        cli = json.loads(out.stdout)
        assert cli["batch_id"] == receipt["batch_id"]
        by_file = {d["file"]: d for d in cli["documents"]}
        assert set(by_file) == {f.name for f in files}
        assert set(cli["documents"][0]) == {"id", "file", "state", "reason", "archive_key"}
        assert by_file["garbage.png"]["state"] == "failed"
        assert by_file["garbage.png"]["reason"]["code"] == "unsupported_type"
        assert by_file["truncated.png"]["state"] == "failed"
        assert by_file["truncated.png"]["reason"]["code"] in ("corrupt_image", "page_failed")
        assert cli["progress"]["failed"] == 2
        assert_archived_once(Settings.from_env(), status, expect_done=20)

        # Metrics: dramatiq's and ours, summed over the worker processes.
        assert metric_value(metrics, "sohoa_pages_total", status="ok") == 20
        assert metric_value(metrics, "sohoa_documents_total", stage="finish") >= 21
        assert metric_value(metrics, "sohoa_failures_total", reason="unsupported_type") >= 1
        assert metric_value(metrics, "dramatiq_messages_total", actor_name="ocr_page") >= 21
        assert "sohoa_queue_depth" in metrics and "sohoa_stage_seconds_bucket" in metrics
        # Structured logs carry the ids; both processes took work.
        pages = [r for r in log if r.get("stage") == "ocr_page" and r.get("msg") == "done"]
        assert len({r["pid"] for r in pages}) == 2
        assert all(r["batch_id"] == receipt["batch_id"] and r["document_id"] for r in pages)
        assert all(r.get("dossier") == "000.00.17.H26-261125-0001" for r in pages)


@pytest.mark.slow
def test_embedded_submit_without_broker(tmp_path, use_env):
    """No broker: submit_batch records the batch and a background process runs it with the
    embedded runner; batch_status reads the same states."""
    from pipeline.config import Settings
    from workers.submit import batch_status, submit_batch

    use_env(worker_env(tmp_path, broker_url=None))
    settings = Settings.from_env()
    files = make_batch(tmp_path / "in", 2) + make_poison(tmp_path / "in")[:1]
    receipt = submit_batch(files, "hn02", settings=settings, actor="tester")
    assert receipt.mode == "embedded" and receipt.to_dict() == {
        "batch_id": receipt.batch_id, "documents": 3}
    first = batch_status(receipt.batch_id, settings)
    assert {d["state"] for d in first["documents"]} <= {"queued", "running", "done", "failed"}
    status = wait_batch(receipt.batch_id, timeout=400, settings=settings)
    states = {d["file"]: d["state"] for d in status["documents"]}
    assert states["garbage.png"] == "failed"
    assert status["progress"]["done"] + status["progress"]["needs_review"] == 2
    assert_archived_once(settings, status, expect_done=2)


def test_broker_from_url(monkeypatch):
    """Redis and RabbitMQ brokers from SOHOA_BROKER_URL, the same actors and middleware."""
    from dramatiq.brokers.rabbitmq import RabbitmqBroker
    from dramatiq.brokers.redis import RedisBroker

    from pipeline.config import Settings
    from workers.broker import make_broker

    for url, cls in (("redis://127.0.0.1:1/0", RedisBroker),
                     ("amqp://guest:guest@127.0.0.1:1/", RabbitmqBroker)):
        broker = make_broker(Settings(broker_url=url))  # connects lazily
        assert isinstance(broker, cls)
        assert sorted(broker.actors) == ["finish", "ingest", "ocr_page"]
        names = [type(m).__name__ for m in broker.middleware]
        assert {"Retries", "TimeLimit", "Outcome"} <= set(names)
        assert names.index("Outcome") < names.index("Retries")  # sees Retries' decision
        assert all(a.options.get("time_limit") for a in broker.actors.values())
    with pytest.raises(ValueError):
        make_broker(Settings(broker_url="kafka://x"))


@pytest.mark.redis
def test_redrive_sends_stalled_documents_when_the_queue_is_empty(tmp_path, use_env):
    """Messages lost with a broker: documents without progress are sent again, once, and only
    while nothing waits in the queue."""
    from pipeline.config import Settings
    from workers import state as st
    from workers import tasks
    from workers.broker import QUEUE, make_broker

    use_env(worker_env(tmp_path, broker_url=redis_db_url()))
    settings = Settings.from_env()
    broker = make_broker(settings)
    sent: list[dict] = []
    ctx = tasks.Context(settings, send=lambda name, **kw: sent.append({"name": name, **kw}))
    item = {"document_id": "d1", "position": 0, "file_name": "a.png", "branch": "hn01",
            "dossier_code": None, "sha256": "0" * 64, "source_key": "tmp/b/d1/source.png",
            "source_mtime": 0.0}
    st.create_batch(ctx.db, "b1", "hn01",
                    [item, {**item, "document_id": "d2", "position": 1}], actor="tester")
    st.set_state(ctx.db, "b1", "d2", "done")
    time.sleep(0.05)
    try:
        assert tasks.redrive(ctx, broker, stall_seconds=0.01, finish_seconds=60) == 1
        assert [(m["name"], m["doc"]["document_id"]) for m in sent] == [("ingest", "d1")]
        assert tasks.redrive(ctx, broker, stall_seconds=30, finish_seconds=60) == 0  # touched
        time.sleep(0.05)
        broker.get_actor("ingest").send(doc={"batch_id": "x", "document_id": "y"})
        assert tasks.redrive(ctx, broker, stall_seconds=0.01, finish_seconds=60) == 0  # busy
    finally:
        broker.flush(QUEUE)
        ctx.close()


def test_middleware_time_limits_retries_and_failures(monkeypatch):
    """The middleware alone, on dramatiq's in-process StubBroker: a permanent error fails at
    once, a transient one is retried up to the bound, a stage running past its time limit is
    interrupted (Python code; Tesseract has its own timeout) and retried; every message that
    fails for good reaches ``on_failed`` with its reason (-> ``failed`` in ``sohoa status``)."""
    import dramatiq
    from dramatiq.brokers.stub import StubBroker

    from pipeline.model import InputError, TransientError
    from workers.broker import middleware

    monkeypatch.setenv("SOHOA_WORKER_MAX_RETRIES", "2")
    monkeypatch.setenv("SOHOA_WORKER_MIN_BACKOFF", "10")
    monkeypatch.setenv("SOHOA_WORKER_MAX_BACKOFF", "20")
    failed: list[tuple[str, dict]] = []
    broker = StubBroker(middleware=middleware(
        worker=False, on_failed=lambda doc, reason: failed.append((doc["name"], reason))))
    calls: Counter = Counter()

    def slow(doc):
        calls["slow"] += 1
        for _ in range(200):  # Python work: the time limit can interrupt it
            time.sleep(0.05)

    def flaky(doc):
        calls["flaky"] += 1
        raise TransientError("S3 unreachable")

    def corrupt(doc):
        calls["corrupt"] += 1
        raise InputError("image data is corrupt", code="corrupt_image")

    def fine(doc):
        calls["fine"] += 1

    for fn in (slow, flaky, corrupt, fine):
        dramatiq.actor(fn, broker=broker, queue_name="t", time_limit=1000)
    broker.emit_after("process_boot")  # starts TimeLimit's watcher, as in a worker process
    worker = dramatiq.Worker(broker, worker_timeout=50, worker_threads=4)
    worker.start()
    try:
        for fn in (slow, flaky, corrupt, fine):
            broker.get_actor(fn.__name__).send(doc={"name": fn.__name__})
        broker.join("t", timeout=60000, fail_fast=False)
        worker.join()
    finally:
        worker.stop()
        broker.close()
    assert calls == {"slow": 3, "flaky": 3, "corrupt": 1, "fine": 1}
    reasons = {name: r["code"] for name, r in failed}
    assert reasons == {"slow": "time_limit", "flaky": "transient", "corrupt": "corrupt_image"}


def test_a_page_result_is_one_object_that_reads_back_exactly():
    """A page's OcrPage and its PDF travel as one object (one verified put, one get): both
    come back exactly, a failed page has no PDF, and anything else is refused."""
    from pipeline.model import OcrPage, OcrWord, PageStatus, SohoaError
    from workers.tasks import pack_page, unpack_page

    word = OcrWord("Hà Nội\n", (1, 2, 30, 40), 91.123456789, 1, 1, 1, 1)
    page = OcrPage(number=3, width=2480, height=3508, words=[word], text="Hà Nội",
                   timings={"page.total": 1.5})
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
    back, back_pdf = unpack_page(pack_page(page, pdf))
    assert back_pdf == pdf
    assert back.to_dict(exact=True) == page.to_dict(exact=True)
    assert back.words[0].confidence == 91.123456789
    failed = OcrPage(number=4, width=0, height=0, words=[], text="", status=PageStatus.FAILED,
                     error={"code": "crashed", "message": "killed"})
    back, back_pdf = unpack_page(pack_page(failed, None))
    assert back_pdf is None and back.status is PageStatus.FAILED
    assert back.error == {"code": "crashed", "message": "killed"}
    with pytest.raises(SohoaError):
        unpack_page(b'{"number": 1}')
