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
import time
from datetime import datetime
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


def embedded(files: list[Path], processes: int, work: Path) -> dict:
    from pipeline.cli import document_hooks
    from pipeline.config import Settings
    from pipeline.runner import Runner

    settings = Settings(home=work / f"emb{processes}-home")
    hooks = document_hooks(settings, None)  # classify, extract, sign and archive
    t = time.perf_counter()
    results = list(Runner(settings, hooks=hooks, processes=processes)
                   .run(files, work / f"emb{processes}"))
    wall = time.perf_counter() - t
    pages = [p for r in results for p in r.pages]
    assert all(not r.error for r in results), [r.error for r in results]
    return {"wall": wall, "pages": len(pages),
            "run_page": sum(p.timings.get("page.total", 0.0) for p in pages)}


def _ts(s: str) -> float:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def distributed(files: list[Path], processes: int, work: Path, redis_url: str,
                s3: str | None) -> dict:
    tag = f"w{processes}"
    env = {**os.environ,
           "SOHOA_HOME": str(work / f"{tag}-home"),
           "SOHOA_DATABASE_URL": f"sqlite:///{work / f'{tag}.db'}",
           "SOHOA_BROKER_URL": redis_url,
           "SOHOA_BROKER_NAMESPACE": f"bench-{tag}-{os.getpid()}",
           "SOHOA_METRICS_PORT": "0", "SOHOA_RETENTION_YEARS": "0", "OMP_THREAD_LIMIT": "1"}
    for k in ("SOHOA_S3_ENDPOINT", "SOHOA_S3_BUCKET"):
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
            def records():
                out = []
                for line in log_path.read_text(errors="replace").splitlines():
                    if line.startswith("{"):
                        try:
                            out.append(json.loads(line))
                        except ValueError:
                            pass
                return out

            while sum(r.get("msg") == "worker process ready" for r in records()) < processes:
                if proc.poll() is not None:
                    raise RuntimeError(log_path.read_text()[-3000:])
                time.sleep(0.5)
            submitted = time.perf_counter()
            sub = subprocess.run([sys.executable, "-m", "pipeline.cli", "submit",
                                  *map(str, files), "--branch", "bench", "--json"], env=env,
                                 cwd=ROOT, capture_output=True, text=True, check=False)
            if sub.returncode != 0:
                raise RuntimeError(f"submit failed: {sub.stderr[-3000:]}")
            batch = json.loads(sub.stdout)["batch_id"]
            st = subprocess.run([sys.executable, "-m", "pipeline.cli", "status", batch, "--json",
                                 "--wait", "1800"], env=env, cwd=ROOT, capture_output=True,
                                text=True, check=False)
            archived = time.perf_counter()
            status = json.loads(st.stdout)
            assert status["complete"], status["progress"]
            assert status["progress"]["failed"] == 0, status
            recs = records()
        finally:
            proc.terminate()
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
    pages = [r for r in recs if r.get("msg") == "page stored"]
    msg = [r["seconds"] for r in recs if r.get("stage") == "ocr_page" and r["msg"] == "done"]
    return {"wall": archived - submitted, "pages": len(pages),
            "run_page": sum(r["run_page_seconds"] for r in pages),
            "fetch": sum(r["fetch_seconds"] for r in pages),
            "store": sum(r["store_seconds"] for r in pages),
            "message": sum(msg), "processes": processes}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=8)
    ap.add_argument("--pages", type=int, default=8)
    ap.add_argument("--s3", default="private",
                    help="S3 endpoint HOST:PORT for the work store and archive; 'private' "
                         "(default) starts a moto server of its own; 'none': local folders")
    ap.add_argument("--redis", default=None, help="redis URL (default: a private redis-server)")
    args = ap.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    work = Path(tempfile.mkdtemp(prefix="sohoa-workers-bench-"))
    redis_proc = moto_proc = None
    try:
        if args.s3 == "none":
            args.s3 = None
        elif args.s3 == "private":
            port = free_port()
            moto_proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "moto_server"), "-H",
                                          "127.0.0.1", "-p", str(port)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
            time.sleep(0.5)
            redis_url = f"redis://127.0.0.1:{port}/0"
        files = make_docs(work / "in", args.docs, args.pages)
        n = args.docs * args.pages
        print(f"{args.docs} documents x {args.pages} A4 pages = {n} pages; "
              f"work store: {'S3 ' + args.s3 if args.s3 else 'local folder'}; broker: Redis",
              flush=True)
        runs = {}
        # Interleaved, so that a change in the machine's load hits both kinds alike.
        for p in (1, 2):
            runs[("embedded", p)] = e = embedded(files, p, work)
            print(f"  embedded {p}: {e['wall']:.1f} s", flush=True)
            runs[("workers", p)] = d = distributed(files, p, work, redis_url, args.s3)
            print(f"  workers {p}: {d['wall']:.1f} s", flush=True)
        rows = []
        for kind, label in (("embedded", "embedded"), ("workers", "workers (Redis)")):
            for p in (1, 2):
                rows.append((f"{label}, {p} process{'es' if p > 1 else ''}", runs[(kind, p)], p))
        print()
        print(f"{'run':<32} {'pages/min':>9} {'speed-up':>8} {'OCR s/page':>10} "
              f"{'overhead s/page':>15} {'overhead %':>10}")
        base: dict[str, float] = {}
        for name, r, p in rows:
            kind = name.split(",")[0]
            ppm = r["pages"] / r["wall"] * 60
            base.setdefault(kind, ppm)
            ocr = r["run_page"] / r["pages"]
            overhead = (r["wall"] * p - r["run_page"]) / r["pages"]
            print(f"{name:<32} {ppm:>9.1f} {ppm / base[kind]:>7.2f}x {ocr:>10.3f} "
                  f"{overhead:>15.3f} {100 * overhead / ocr:>9.1f}%")
        d1 = rows[2][1]
        print()
        print(f"workers, 1 process, per page: run_page {d1['run_page'] / n:.3f} s, fetch original "
              f"{d1['fetch'] / n * 1000:.1f} ms, store PDF+JSON {d1['store'] / n * 1000:.1f} ms, "
              f"message total {d1['message'] / n:.3f} s; span submit -> last archived")
        print(f"one run each; machine load average (1 min) at the end: "
              f"{os.getloadavg()[0]:.2f}")
    finally:
        for proc in (redis_proc, moto_proc):
            if proc is not None:
                proc.terminate()
                proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
