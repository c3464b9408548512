"""Faults under the distributed workers: a worker process killed with SIGKILL in the middle of a
page, the S3 server unreachable for 30 s, Redis restarted. Every document still ends archived
exactly once (objects, rows, search entries, events counted).

How the S3 outage is made: moto's server keeps its data in memory and loses it on restart, and
the shared test server (``scripts/services.sh``) also serves other test runs. So this test
starts its own moto server on a free port and puts a small TCP proxy in front of it; the workers
talk to the proxy. "Stopping S3" closes the proxy's listening socket and every open connection
(clients get "connection refused", exactly as with a stopped server) for 30 s, then listens
again: the data written before the outage is still there, so the test can count objects and
versions afterwards.

Redis restart: the test runs its own ``redis-server``, shuts it down mid-batch and starts it
again on the same port 3 s later; the workers reconnect and carry on. Twice: with the append-only
file (as ``docker-compose.yml`` runs it: ``SHUTDOWN`` writes the AOF, the queue survives), and
without persistence (every queued message is lost: the supervisors' re-drive sends documents
without progress again once the queue is empty, from the database's state).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import ROOT
from tests.storage_fixtures import require_service
from tests.test_workers import (
    FONT,
    assert_archived_once,
    free_port,
    make_batch,
    redis_db_url,
    use_env,  # noqa: F401 - fixture
    wait_batch,
    worker_env,
    worker_group,
)

pytestmark = [pytest.mark.slow, pytest.mark.redis]


def make_long_tiff(path: Path, pages: int = 3) -> Path:
    """A multi-page A4 TIFF full of text lines: a page takes a second or more to OCR, so a
    worker can be killed while it is in the middle of one."""
    font = ImageFont.truetype(FONT, 40)
    frames = []
    for p in range(pages):
        im = Image.new("L", (2480, 3508), 255)
        d = ImageDraw.Draw(im)
        for i in range(40):
            d.text((150, 150 + 80 * i), f"Trang {p + 1} dòng {i + 1}: Ủy ban nhân dân phường "
                                         f"Hàng Bạc, quận Hoàn Kiếm, Hà Nội", font=font, fill=0)
        frames.append(im)
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300),
                   compression="tiff_lzw")
    return path


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def test_kill_9_in_the_middle_of_a_page(tmp_path, use_env):  # noqa: F811
    from pipeline.config import Settings
    from workers.submit import submit_batch

    env = use_env(worker_env(tmp_path, broker_url=redis_db_url(),
                             s3_endpoint=require_service("SOHOA_TEST_S3_ENDPOINT")))
    folder = tmp_path / "in"
    files = make_batch(folder, 5) + [make_long_tiff(folder / "long.tiff")]
    settings = Settings.from_env()
    with worker_group(env, tmp_path / "worker.log") as group:
        receipt = submit_batch(files, "hn03", settings=settings, actor="tester")
        status_doc = None

        def long_page_started():
            nonlocal status_doc
            for r in group.records():
                if (r.get("stage") == "ocr_page" and r.get("msg") == "start"
                        and r.get("page") == 2 and r.get("retries") is None):
                    status_doc = r["document_id"]
                    return r["pid"]
            return None

        victim = wait_for(long_page_started, 240, "page 2 of the long document to start")
        time.sleep(0.3)  # well inside the page (OCR of it takes about a second or more)
        os.kill(victim, signal.SIGKILL)
        status = wait_batch(receipt.batch_id, timeout=400, settings=settings)
        records = group.records()
    assert any(r.get("msg") == "worker process died; starting another"
               and r.get("worker_pid") == victim for r in records)
    # The killed page was done again by another process (redelivered, same message).
    page2 = [r for r in records if r.get("document_id") == status_doc
             and r.get("page") == 2 and r.get("stage") == "ocr_page"]
    assert {r["pid"] for r in page2 if r["msg"] == "done"} - {victim}
    assert not any(r["msg"] == "done" and r["pid"] == victim for r in page2)
    assert status["progress"]["failed"] == 0
    assert_archived_once(settings, status, expect_done=6)


# --------------------------------------------------------------------------- S3 outage


class TcpProxy:
    """127.0.0.1:<port> -> 127.0.0.1:<target>; ``down()`` refuses and cuts connections."""

    def __init__(self, target: int):
        self.target = target
        self.port = free_port()
        self.conns: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None

    def up(self) -> None:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        self.listener = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def down(self) -> None:
        s, self.listener = self.listener, None
        if s is not None:
            s.close()
        with self.lock:
            conns, self.conns = self.conns, set()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def _accept(self, s: socket.socket) -> None:
        while True:
            try:
                client, _ = s.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.conns |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for c in (a, b):
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.fixture
def private_s3(tmp_path):
    """A moto S3 server of this test's own, behind a proxy that can be taken down."""
    moto = ROOT / ".venv" / "bin" / "moto_server"
    if not moto.exists():
        pytest.fail("moto_server not installed in .venv")
    port = free_port()
    log = open(tmp_path / "moto.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=log,
                            stderr=subprocess.STDOUT)

    def up():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    try:
        wait_for(up, 60, "the private moto server")
        proxy = TcpProxy(port)
        proxy.up()
        yield proxy
        proxy.down()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.mark.s3
def test_s3_unreachable_for_30_seconds(tmp_path, use_env, private_s3):  # noqa: F811
    from pipeline.config import Settings
    from workers.submit import batch_status, submit_batch

    env = use_env(worker_env(tmp_path, broker_url=redis_db_url(),
                             s3_endpoint=f"127.0.0.1:{private_s3.port}"))
    settings = Settings.from_env()
    files = make_batch(tmp_path / "in", 12)
    with worker_group(env, tmp_path / "worker.log") as group:
        receipt = submit_batch(files, "hn04", settings=settings, actor="tester")
        wait_for(lambda: batch_status(receipt.batch_id, settings)["progress"]["finished"] >= 1,
                 240, "a first archived document")
        private_s3.down()
        outage_started = time.monotonic()
        time.sleep(30)
        mid = batch_status(receipt.batch_id, settings)
        private_s3.up()
        status = wait_batch(receipt.batch_id, timeout=400, settings=settings)
        records = group.records()
    assert time.monotonic() - outage_started > 30
    assert mid["progress"]["failed"] == 0, mid  # waiting, not failing, during the outage
    assert mid["progress"]["finished"] < 12, "the batch finished before the outage"
    retried = [r for r in records if r.get("msg") == "will retry"]
    assert retried and all(r["reason"]["code"] in ("transient", "error", "time_limit")
                           for r in retried)
    assert status["progress"]["failed"] == 0, json.dumps(status["progress"])
    assert_archived_once(settings, status, expect_done=12)


# --------------------------------------------------------------------------- Redis restart


@pytest.fixture(params=["aof", "no-persistence"])
def private_redis(request, tmp_path):
    """A redis-server of this test's own, with the append-only file on, or without any
    persistence (a restart loses every message: the workers' re-drive must notice)."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server not installed")
    port = free_port()
    data = tmp_path / "redis"
    data.mkdir()

    class Server:
        proc: subprocess.Popen | None = None
        url = f"redis://127.0.0.1:{port}/3"
        persistent = request.param == "aof"

        def start(self):
            self.proc = subprocess.Popen(
                [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "yes" if self.persistent else "no", "--appendfsync",
                 "always", "--dir", str(data)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_for(self.ping, 30, "redis-server")

        def ping(self):
            out = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                                 text=True, check=False)
            return out.stdout.strip() == "PONG"

        def stop(self):
            subprocess.run(["redis-cli", "-p", str(port), "shutdown"], capture_output=True,
                           check=False)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    server = Server()
    server.start()
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.proc.kill()
        server.proc.wait(5)


def test_redis_restarted_mid_batch(tmp_path, use_env, private_redis):  # noqa: F811
    from pipeline.config import Settings
    from workers.submit import batch_status, submit_batch

    # Without persistence the messages are gone after the restart; the supervisors send the
    # documents without progress again (here after 10 s instead of 15 min, and documents
    # that were finishing after the finish time limit + 60 s).
    env = use_env(worker_env(tmp_path, broker_url=private_redis.url,
                             SOHOA_WORKER_STALL_SECONDS="10", SOHOA_FINISH_TIME_LIMIT="20"))
    settings = Settings.from_env()
    files = make_batch(tmp_path / "in", 12)
    with worker_group(env, tmp_path / "worker.log"):
        receipt = submit_batch(files, "hn05", settings=settings, actor="tester")
        wait_for(lambda: batch_status(receipt.batch_id, settings)["progress"]["finished"] >= 1,
                 240, "a first archived document")
        before = batch_status(receipt.batch_id, settings)["progress"]
        private_redis.stop()
        time.sleep(3)
        private_redis.start()
        status = wait_batch(receipt.batch_id, timeout=400, settings=settings)
    assert before["finished"] < 12, "the batch finished before Redis went away"
    assert status["progress"]["failed"] == 0
    assert_archived_once(settings, status, expect_done=12)
