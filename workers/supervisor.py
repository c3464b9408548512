"""``sohoa worker``: N dramatiq worker processes under a small supervisor.

Each worker process runs a ``dramatiq.Worker`` with T threads on the configured broker, one
OpenMP thread for Tesseract (``OMP_THREAD_LIMIT=1``) and one OpenCV thread: OCR is CPU bound,
so scale with processes. A worker process that dies (OOM killer, ``kill -9``) is started again;
its unacknowledged messages go back to the queue when the broker notices the missing heartbeat
(``SOHOA_BROKER_HEARTBEAT_MS``), and the stages are idempotent, so the redelivery adds nothing
twice. SIGTERM/SIGINT stop the workers gracefully (messages in progress are finished or
requeued). The supervisor also serves the Prometheus metrics of all its processes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from pipeline.config import value

log = logging.getLogger("sohoa.workers.supervisor")


def _prepare_env(metrics_dir: Path) -> None:
    from pipeline.config import process_setup

    process_setup()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    os.environ["prometheus_multiproc_dir"] = str(metrics_dir)
    os.environ["dramatiq_prom_db"] = str(metrics_dir)


def worker_process(index: int, threads: int, queues: list[str] | None) -> None:
    """The body of one worker process (spawned: a fresh interpreter)."""
    from pipeline.config import process_setup

    process_setup()
    import faulthandler

    faulthandler.register(signal.SIGUSR1)  # kill -USR1 <pid>: stack traces on stderr
    from workers import logs

    logs.setup()
    wlog = logging.getLogger("sohoa.workers")
    import dramatiq

    from pipeline.config import Settings
    from workers import actors, tasks
    from workers.broker import make_broker, send, set_global

    settings = Settings.from_env()
    ctx_holder: dict[str, tasks.Context] = {}

    def on_failed(doc, reason):
        tasks.fail(ctx_holder["ctx"], doc, reason)

    broker = make_broker(settings, worker=True, on_failed=on_failed)
    set_global(broker)
    ctx = tasks.Context(settings, send=lambda name, **kw: send(broker, name, **kw))
    ctx_holder["ctx"] = ctx
    actors.CONTEXT = ctx
    broker.emit_after("process_boot")
    _warm_up(ctx, wlog)
    # An idle consumer polls Redis with a back-off up to worker_timeout: 500 ms (not 1 s)
    # bounds how long a message sent to an idle queue (a finish, the next batch) waits, at
    # two polls a second per queue.
    worker = dramatiq.Worker(broker, queues=set(queues) if queues else None,
                             worker_threads=threads, worker_timeout=500)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides
    worker.start()
    wlog.info("worker process ready", extra={"index": index, "threads": threads})
    stop.wait()
    wlog.info("worker process stopping", extra={"index": index})
    worker.stop(timeout=value("SOHOA_WORKER_SHUTDOWN_MS"))
    broker.close()
    ctx.close()


def _warm_up(ctx, wlog) -> None:
    """Load Tesseract, the one flow (the trained classifier, spaCy), the signing key and the
    database before taking messages, so the first document is not slowed by model loading."""
    t = time.perf_counter()
    try:
        import pipeline.pages  # noqa: F401
        from classifiers.classify import model
        from pipeline import ocr

        ocr._engine(ctx.settings.ocr)  # the default languages' Tesseract model
        _ = ctx.flow(), ctx.archive.signer
        model()  # the spaCy categoriser: loaded once per process, here, not by a document
    except Exception:  # noqa: BLE001 - the first message will report the real problem
        wlog.exception("warm-up failed")
    wlog.info("warmed up", extra={"seconds": round(time.perf_counter() - t, 2)})


def _serve_metrics(port: int, metrics_dir: Path, settings) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import prometheus_client as prom
    from prometheus_client import multiprocess

    from workers.broker import QUEUES, make_broker
    from workers.metrics import QueueDepthCollector

    registry = prom.CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(metrics_dir))
    try:
        registry.register(QueueDepthCollector(make_broker(settings, worker=False), list(QUEUES)))
    except Exception:  # noqa: BLE001 - metrics without queue depth rather than none
        log.exception("queue depth metric unavailable")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            body = prom.generate_latest(registry)
            self.send_response(200)
            self.send_header("content-type", prom.CONTENT_TYPE_LATEST)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((value("SOHOA_METRICS_HOST"), port), Handler)
    log.info("metrics on :%d/metrics", server.server_port, extra={"port": server.server_port})
    threading.Thread(target=server.serve_forever, daemon=True, name="metrics").start()


def _start_redrive(settings, stopping: threading.Event) -> None:
    """Every minute: documents without progress for ``SOHOA_WORKER_STALL_SECONDS`` (default
    900) while the queue is empty are sent again (see ``workers.tasks.redrive``)."""
    stall = value("SOHOA_WORKER_STALL_SECONDS")
    if stall <= 0:
        return
    interval = min(60.0, stall / 3)
    # A finishing document is touched when its finish starts; after a finish time limit it
    # cannot still be running.
    finish_limit = value("SOHOA_FINISH_TIME_LIMIT") + 60

    def loop():
        from workers import tasks
        from workers.broker import make_broker, send

        broker = None
        ctx = None
        while not stopping.wait(interval):
            try:
                if broker is None:
                    broker = make_broker(settings, worker=False)
                    ctx = tasks.Context(
                        settings, send=lambda name, b=broker, **kw: send(b, name, **kw))
                tasks.redrive(ctx, broker, stall_seconds=stall,
                              finish_seconds=max(stall, finish_limit))
            except Exception:  # noqa: BLE001 - try again next round
                log.warning("re-drive round failed", exc_info=True)

    threading.Thread(target=loop, daemon=True, name="redrive").start()


def run(settings, *, processes: int, threads: int = 1, queues: list[str] | None = None,
        metrics_port: int | None = None) -> int:
    import faulthandler

    from workers import logs

    faulthandler.register(signal.SIGUSR1)
    logs.setup()
    metrics_dir = Path(value("SOHOA_METRICS_DIR") or
                       tempfile.mkdtemp(prefix="sohoa-metrics-"))
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True, exist_ok=True)
    _prepare_env(metrics_dir)
    if metrics_port is None:
        metrics_port = value("SOHOA_METRICS_PORT")
    if metrics_port > 0:
        try:
            _serve_metrics(metrics_port, metrics_dir, settings)
        except OSError as exc:
            log.warning("metrics server not started: %s", exc)

    try:  # the development signing key, made once here rather than raced by the workers
        from storage.signing import PdfSigner

        PdfSigner.from_settings(settings)
    except Exception:  # noqa: BLE001 - reported by the workers when they sign
        log.exception("signing key not available")
    mp = multiprocessing.get_context("spawn")
    procs: dict[int, multiprocessing.Process] = {}
    started: dict[int, float] = {}
    stopping = threading.Event()
    _start_redrive(settings, stopping)

    def start(i: int) -> None:
        p = mp.Process(target=worker_process, args=(i, threads, queues), name=f"sohoa-worker-{i}",
                       daemon=False)
        p.start()
        procs[i], started[i] = p, time.monotonic()
        log.info("started worker process", extra={"index": i, "worker_pid": p.pid})

    def on_signal(signum, _frame):
        log.info("stopping workers (signal %d)", signum)
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for i in range(processes):
        start(i)
    while not stopping.wait(0.5):
        for i, p in list(procs.items()):
            if p.is_alive():
                continue
            log.error("worker process died; starting another",
                      extra={"index": i, "worker_pid": p.pid, "exitcode": p.exitcode})
            try:
                from prometheus_client import multiprocess

                multiprocess.mark_process_dead(p.pid, str(metrics_dir))
            except Exception:  # noqa: BLE001
                pass
            if time.monotonic() - started[i] < 5:  # crash loop: do not spin
                time.sleep(5)
            if not stopping.is_set():
                start(i)
    for p in procs.values():
        if p.is_alive():
            p.terminate()  # SIGTERM: graceful stop in the worker
    deadline = time.monotonic() + value("SOHOA_WORKER_SHUTDOWN_MS") / 1000
    for p in procs.values():
        p.join(max(0.1, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join(5)
    if not value("SOHOA_METRICS_DIR"):
        shutil.rmtree(metrics_dir, ignore_errors=True)
    log.info("workers stopped")
    return 0
