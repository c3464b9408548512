"""Distributed workers vs the embedded runner on the same pages.

    nice -n 10 .venv/bin/python benchmarks/workers_bench.py [--docs 8] [--pages 8] [--s3 private]

Makes ``docs`` TIFF documents of ``pages`` A4 pages (300 dpi, ~25 lines of Vietnamese text, so
OCR takes about a second a page) and runs them:

- embedded (``pipeline/runner.py``) with 1 and 2 processes and the document stages of
  ``sohoa process`` (classify, extract, sign, archive into a fresh home);
- ``sohoa worker`` with 1 and 2 processes on a private Redis, the work store and archive on
  S3 (``--s3``, e.g. the test server ``$SOHOA_TEST_S3_ENDPOINT``) or a local folder.

Both are timed over the same span: from the submission (the runner's start; ``sohoa submit``)
to the last document archived (the runner's last result; ``sohoa status --wait`` reporting the
batch complete, polled). Per page, the workers' logs split each ``ocr_page`` message into
fetch of the original, ``run_page`` (load, preprocess, Tesseract, page PDF) and storing the
results; "overhead" is everything beyond ``run_page``: (span x processes - sum of run_page) /
pages, i.e. broker, storage, document stages and idle tails alike.
Targets (issue 11): >= 60 pages; 2 processes >= 1.85x one; overhead <= 5% of OCR time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def make_docs(folder: Path, docs: int, pages: int) -> list[Path]:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, 40)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for d in range(docs):
        frames = []
        for p in range(pages):
            im = Image.new("L", (2480, 3508), 255)
            dr = ImageDraw.Draw(im)
            for i in range(25):
                dr.text((150, 200 + 120 * i), f"Tài liệu {d + 1} trang {p + 1} dòng {i + 1}: "
                        f"Ủy ban nhân dân phường Hàng Bạc, Hoàn Kiếm", font=font, fill=0)
            frames.append(im)
        path = folder / f"doc{d:02d}.tiff"
        frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300),
                       compression="tiff_lzw")
        out.append(path)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(session id, user+system CPU seconds) of a process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[3]), (int(fields[11]) + int(fields[12])) / _TICK


class CpuMeter:
    """User+system CPU seconds of every process of a session (the runner, its forkserver and
    pool; the supervisor and its worker processes), sampled from /proc every 0.2 s; a process
    that ends between two samples loses at most its last 0.2 s. ``services`` pids (Redis, the
    S3 server) are read at the start and end of the span."""

    def __init__(self, session: int, services: dict[str, int]):
        self.session, self.services = session, services
        self.seen: dict[int, float] = {}
        self.base: dict[int, float] = {}
        self.service_base = {k: (_stat(p) or (0, 0.0))[1] for k, p in services.items()}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self) -> None:
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                st = _stat(int(entry.name))
                if st and st[0] == self.session:
                    self.seen[int(entry.name)] = st[1]

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            self.sample()

    def start(self, *, from_now: bool) -> CpuMeter:
        """Count from now (``from_now``: processes already running, e.g. warmed-up workers,
        count only their CPU after this point)."""
        self.sample()
        if from_now:
            self.base = dict(self.seen)
        self._thread.start()
        return self

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        self.sample()
        per_pid = {pid: cpu - self.base.get(pid, 0.0) for pid, cpu in self.seen.items()}
        services = {k: (_stat(p) or (0, 0.0))[1] - self.service_base[k]
                    for k, p in self.services.items()}
        return {"cpu": sum(per_pid.values()),
                "cpu_processes": sorted((round(v, 1) for v in per_pid.values() if v >= 0.05),
                                        reverse=True),
                "cpu_services": services}


def embedded(files: list[Path], processes: int, work: Path) -> dict:
    """``sohoa process -j N`` into a fresh home (classify, extract, sign, archive), as a user
    runs it: the span is the whole command, start-up included."""
    tag = f"emb{processes}"
    env = {**os.environ, "SOHOA_HOME": str(work / f"{tag}-home"), "OMP_THREAD_LIMIT": "1"}
    for k in [k for k in env if k.startswith(("SOHOA_S3", "SOHOA_DATABASE", "SOHOA_BROKER"))]:
        env.pop(k)
    out = work / tag
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "process", str(work / "in"),
                             "--out", str(out), "-j", str(processes), "--branch", "bench",
                             "--no-progress", "--actor", "bench"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    meter = CpuMeter(proc.pid, {}).start(from_now=False)
    try:
        _, err = proc.communicate(timeout=3600)
    finally:
        _kill_session(proc)
    wall = time.perf_counter() - t
    cpu = meter.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"sohoa process failed: {err.decode()[-3000:]}")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["failed"] == 0 and summary["documents"] == len(files), summary
    results = [json.loads((out / f"{f.stem}.json").read_text()) for f in files]
    pages = [p for r in results for p in r["pages"]]
    assert all(r.get("archive", {}).get("archive_key") for r in results), "not archived"
    return {"wall": wall, "pages": len(pages), "processes": processes,
            "run_page": sum(r["timings"].get("page.total", 0.0) for r in results),
            "run_page_cpu": sum(r["timings"].get("page.cpu", 0.0) for r in results),
            "finish": sum(r["timings"].get("archive", 0.0) + r["timings"].get("classify", 0)
                          + r["timings"].get("extract", 0)
                          + r["timings"].get("pdf.assemble", 0) for r in results),
            "inner_wall": summary["wall_seconds"], **cpu}


def _kill_session(proc: subprocess.Popen) -> None:
    """Whatever is left of a run's processes (its pool, its worker processes): gone."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _records(log_path: Path) -> list[dict]:
    out = []
    for line in log_path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def distributed(files: list[Path], processes: int, work: Path, redis_url: str,
                s3: str | None, services: dict[str, int]) -> dict:
    """``sohoa worker --processes N`` (started and warmed up before the span), then
    ``sohoa submit`` of the batch; the span ends when the batch store says the last document
    is archived (polled every 0.1 s)."""
    tag = f"w{processes}"
    env = {**os.environ,
           "SOHOA_HOME": str(work / f"{tag}-home"),
           "SOHOA_DATABASE_URL": f"sqlite:///{work / f'{tag}.db'}",
           "SOHOA_BROKER_URL": redis_url,
           "SOHOA_BROKER_NAMESPACE": f"bench-{tag}-{os.getpid()}",
           "SOHOA_METRICS_PORT": "0", "SOHOA_RETENTION_YEARS": "0", "OMP_THREAD_LIMIT": "1"}
    for k in ("SOHOA_S3_ENDPOINT", "SOHOA_S3_BUCKET", "SOHOA_S3_WORK_BUCKET"):
        env.pop(k, None)
    if s3:
        env.update(SOHOA_S3_ENDPOINT=s3, SOHOA_S3_ACCESS_KEY="test", SOHOA_S3_SECRET_KEY="test",
                   SOHOA_S3_BUCKET=f"bench-{tag}-{os.getpid()}")
    log_path = work / f"{tag}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "worker", "--processes",
                                 str(processes)], env=env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while sum(r.get("msg") == "worker process ready"
                      for r in _records(log_path)) < processes:
                if proc.poll() is not None:
                    raise RuntimeError(log_path.read_text()[-3000:])
                time.sleep(0.5)
            time.sleep(1.0)  # let the warm-up settle: the span starts with idle workers
            meter = CpuMeter(proc.pid, services).start(from_now=True)
            submitted = time.perf_counter()
            sub = subprocess.run([sys.executable, "-m", "pipeline.cli", "submit",
                                  *map(str, files), "--branch", "bench", "--json",
                                  "--actor", "bench"], env=env, cwd=ROOT, capture_output=True,
                                 text=True, check=False, timeout=600)
            if sub.returncode != 0:
                raise RuntimeError(f"submit failed: {sub.stderr[-3000:]}")
            batch = json.loads(sub.stdout)["batch_id"]
            status = _wait_batch(env, batch)
            archived = time.perf_counter()
            cpu = meter.stop()
            assert status["complete"], status["progress"]
            assert status["progress"]["failed"] == 0, status
            assert all(d["archive_key"] for d in status["documents"]), "not archived"
            recs = _records(log_path)
        finally:
            proc.terminate()
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                pass
            _kill_session(proc)
    pages = [r for r in recs if r.get("msg") == "page stored"]
    msgs = [r for r in recs if r.get("msg") == "done"]
    return {"wall": archived - submitted, "pages": len(pages), "processes": processes,
            "run_page": sum(r["run_page_seconds"] for r in pages),
            "run_page_cpu": sum(r.get("run_page_cpu_seconds", 0.0) for r in pages),
            "fetch": sum(r["fetch_seconds"] for r in pages),
            "store": sum(r["store_seconds"] for r in pages),
            "page_messages": sum(r["seconds"] for r in msgs if r.get("stage") == "ocr_page"),
            "finish": sum(r["seconds"] for r in msgs if r.get("stage") == "finish"),
            "ingest": sum(r["seconds"] for r in msgs if r.get("stage") == "ingest"),
            **cpu}


def _wait_batch(env: dict, batch: str) -> dict:
    """The batch's state from the batch store, polled in this process (cheap: one query)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        from pipeline.config import Settings
        from workers.submit import batch_status

        settings = Settings.from_env()
        deadline = time.monotonic() + 1800
        while True:
            status = batch_status(batch, settings)
            if status["complete"] or time.monotonic() > deadline:
                return status
            time.sleep(0.1)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10)
    ap.add_argument("--pages", type=int, default=6)
    ap.add_argument("--s3", default="private",
                    help="S3 endpoint HOST:PORT for the work store and archive; 'private' "
                         "(default) starts a moto server of its own; 'none': local folders")
    ap.add_argument("--redis", default=None, help="redis URL (default: a private redis-server)")
    ap.add_argument("--only", choices=("embedded", "workers"), default=None)
    args = ap.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    work = Path(tempfile.mkdtemp(prefix="sohoa-workers-bench-"))
    redis_proc = moto_proc = None
    services: dict[str, int] = {}
    try:
        if args.s3 == "none":
            args.s3 = None
        elif args.s3 == "private":
            port = free_port()
            moto_proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "moto_server"), "-H",
                                          "127.0.0.1", "-p", str(port)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            services["S3 (moto)"] = moto_proc.pid
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            args.s3 = f"127.0.0.1:{port}"
        redis_url = args.redis
        if not redis_url:
            port = free_port()
            redis_proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind",
                                           "127.0.0.1", "--save", "", "--appendonly", "no"],
                                          stdout=subprocess.DEVNULL)
            services["Redis"] = redis_proc.pid
            time.sleep(0.5)
            redis_url = f"redis://127.0.0.1:{port}/0"
        files = make_docs(work / "in", args.docs, args.pages)
        n = args.docs * args.pages
        print(f"{args.docs} documents x {args.pages} A4 pages = {n} pages; workers: Redis, "
              f"work store and archive {'S3 ' + args.s3 if args.s3 else 'local folders'}; "
              f"embedded: sohoa process -j N, local folder + SQLite; every run a fresh home",
              flush=True)
        print(f"start {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, uptime: {_uptime()}", flush=True)
        runs = {}
        kinds = [k for k in ("embedded", "workers") if args.only in (None, k)]
        # Interleaved, so that a change in the machine's load hits both kinds alike.
        for p in (1, 2):
            for kind in kinds:
                if kind == "embedded":
                    r = embedded(files, p, work)
                else:
                    r = distributed(files, p, work, redis_url, args.s3, services)
                runs[(kind, p)] = r
                print(f"  {kind} {p}: {r['wall']:.1f} s, CPU {r['cpu']:.1f} s "
                      f"(uptime: {_uptime()})", flush=True)
        report(runs, kinds, n)
    finally:
        for proc in (redis_proc, moto_proc):
            if proc is not None:
                proc.terminate()
                proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _uptime() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def report(runs: dict, kinds: list[str], n: int) -> None:
    """Wall-clock figures, and the same run read in CPU seconds (what a loaded machine cannot
    distort: a process waiting for a core uses none)."""
    label = {"embedded": "embedded (sohoa process)", "workers": "workers (Redis, S3)"}
    print()
    print(f"{'span: submit -> last archived':<32} {'wall s':>7} {'pages/min':>9} "
          f"{'speed-up':>8} {'OCR s/page':>10} {'overhead %':>10} {'busy %':>7}")
    for kind in kinds:
        for p in (1, 2):
            r = runs[(kind, p)]
            ppm = r["pages"] / r["wall"] * 60
            base = runs[(kind, 1)]["pages"] / runs[(kind, 1)]["wall"] * 60
            ocr = r["run_page"] / r["pages"]
            overhead = (r["wall"] * p - r["run_page"]) / r["run_page"]
            busy = r["cpu"] / (r["wall"] * p)
            print(f"{label[kind] + f', {p} proc':<32} {r['wall']:>7.1f} {ppm:>9.1f} "
                  f"{ppm / base:>7.2f}x {ocr:>10.3f} {100 * overhead:>9.1f}% "
                  f"{100 * busy:>6.0f}%")
    print()
    print(f"{'CPU seconds (user+sys)':<32} {'total':>7} {'OCR':>7} {'OCR/wall':>8} "
          f"{'beyond OCR %':>12} {'services':>8} {'CPU/page':>8} {'CPU eff.':>8}")
    for kind in kinds:
        for p in (1, 2):
            r = runs[(kind, p)]
            services = sum(r.get("cpu_services", {}).values())
            per_page = (r["cpu"] + services) / r["pages"]
            base = runs[(kind, 1)]
            base_page = (base["cpu"] + sum(base.get("cpu_services", {}).values())) / \
                base["pages"]
            beyond = (r["cpu"] + services - r["run_page_cpu"]) / r["run_page_cpu"]
            print(f"{label[kind] + f', {p} proc':<32} {r['cpu']:>7.1f} {r['run_page_cpu']:>7.1f} "
                  f"{r['run_page_cpu'] / r['run_page']:>8.2f} {100 * beyond:>11.1f}% "
                  f"{services:>8.1f} {per_page:>8.3f} {base_page / per_page:>8.2f}")
    print()
    for key, r in sorted(runs.items()):
        extra = ""
        if key[0] == "workers":
            extra = (f"; per page: fetch {1000 * r['fetch'] / r['pages']:.1f} ms, store "
                     f"{1000 * r['store'] / r['pages']:.1f} ms, message "
                     f"{r['page_messages'] / r['pages']:.3f} s; ingest {r['ingest']:.1f} s, "
                     f"finish {r['finish']:.1f} s in all; services "
                     + ", ".join(f"{k} {v:.1f} s" for k, v in r["cpu_services"].items()))
        else:
            extra = (f"; finish (PDF/A, classify, extract, archive) {r['finish']:.1f} s in all; "
                     f"inner wall {r['inner_wall']:.1f} s")
        print(f"{key[0]} {key[1]}: CPU per process {r['cpu_processes']}{extra}")
    print()
    print("overhead % = (span x processes - sum of run_page wall) / sum of run_page wall; "
          "busy % = CPU / (span x processes); OCR/wall = run_page CPU / run_page wall (1.0: "
          "the page had its core); beyond OCR % = (all CPU incl. services - run_page CPU) / "
          "run_page CPU; CPU eff. = CPU per page of 1 process / CPU per page of this run "
          "(1.00: the second process costs no extra work).")
    print(f"end {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, uptime: {_uptime()}")


if __name__ == "__main__":
    sys.exit(main())
