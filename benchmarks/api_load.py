"""Load test of ``sohoa serve``: uploads at a fixed rate on loopback, searches meanwhile.

    .venv/bin/python benchmarks/api_load.py [--rate 50] [--seconds 20] [--queue-max 100]

Starts ``sohoa serve`` with a fresh SOHOA_HOME (embedded default: SQLite, local object store),
sends ``--rate`` single-file batch uploads per second for ``--seconds`` (every file different:
a small printed page), and a search every 100 ms. Checks:

- every upload is accepted (202) or refused with 429/503 and a Retry-After header; no request
  fails otherwise or goes unanswered;
- after the load, processing catches up: every accepted upload ends done/needs_review/failed,
  and each one is in the database (a receipt with its batch) and its original in the object
  store;
- search p95 latency under load is at most 100 ms.

Prints a JSON summary (also written to ``benchmarks/work/api_load.json``); exit 1 when a check
fails.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
SCANNER = "bench-scanner-token-0123456789"
ARCHIVIST = "bench-archivist-token-0123456789"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


def page(i: int, font) -> bytes:
    im = Image.new("L", (900, 220), 255)
    d = ImageDraw.Draw(im)
    d.text((40, 40), f"PHIẾU TIẾP NHẬN số {i:05d}", font=font, fill=0)
    d.text((40, 120), f"Họ và tên: Nguyễn Văn {i:05d}", font=font, fill=0)
    buf = io.BytesIO()
    im.save(buf, "PNG", dpi=(300, 300))
    return buf.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


async def load(url: str, files: list[bytes], rate: float, seconds: float) -> dict:
    uploads: list[dict] = []
    searches: list[float] = []
    search_errors = 0
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        t0 = time.perf_counter()
        stop = asyncio.Event()

        async def upload(i: int) -> None:
            await asyncio.sleep(max(0.0, t0 + i / rate - time.perf_counter()))
            start = time.perf_counter()
            rec = {"i": i}
            try:
                r = await client.post("/batches", data={"branch": "bench"},
                                      headers={"Authorization": f"Bearer {SCANNER}"},
                                      files=[("files", (f"phieu-{i:05d}.png", files[i],
                                                        "image/png"))])
                rec.update(status=r.status_code, retry_after=r.headers.get("Retry-After"))
                if r.status_code in (200, 202):
                    rec["batch_id"] = r.json()["batch_id"]
                    rec["sha256"] = r.json()["documents"][0]["sha256"]
            except httpx.HTTPError as exc:
                rec.update(status=None, error=f"{type(exc).__name__}: {exc}")
            rec["seconds"] = time.perf_counter() - start
            uploads.append(rec)

        async def search_loop() -> None:
            nonlocal search_errors
            n = 0
            while not stop.is_set():
                q = ["phiếu", "nguyen", "tiếp nhận", "van 0001*"][n % 4]
                n += 1
                start = time.perf_counter()
                try:
                    r = await client.get("/search", params={"q": q},
                                         headers={"Authorization": f"Bearer {ARCHIVIST}"})
                    if r.status_code == 200:
                        searches.append(time.perf_counter() - start)
                    else:
                        search_errors += 1
                except httpx.HTTPError:
                    search_errors += 1
                await asyncio.sleep(0.1)

        searcher = asyncio.create_task(search_loop())
        await asyncio.gather(*(upload(i) for i in range(len(files))))
        stop.set()
        await searcher
        wall = time.perf_counter() - t0
    return {"uploads": uploads, "searches": searches, "search_errors": search_errors,
            "wall": wall}


def wait_catch_up(url: str, timeout: float) -> tuple[float, dict]:
    start = time.perf_counter()
    with httpx.Client(base_url=url, timeout=30) as c:
        while True:
            h = c.get("/healthz").json()
            q = h["queue"]
            if q["queued"] == 0 and q["running"] == 0:
                return time.perf_counter() - start, q
            if time.perf_counter() - start > timeout:
                return float("nan"), q
            time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=50.0, help="uploads per second")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--queue-max", type=int, default=100)
    ap.add_argument("--catch-up-timeout", type=float, default=1200)
    ap.add_argument("--home", type=Path, default=None, help="SOHOA_HOME (default: temporary)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary SOHOA_HOME")
    args = ap.parse_args(argv)

    home = args.home or Path(tempfile.mkdtemp(prefix="sohoa-api-load-"))
    home.mkdir(parents=True, exist_ok=True)
    if (ROOT / ".sohoa" / "models").is_dir() and not (home / "models").exists():
        shutil.copytree(ROOT / ".sohoa" / "models", home / "models")
    n = int(args.rate * args.seconds)
    font = ImageFont.truetype(FONT, 40)
    files = [page(i, font) for i in range(n)]

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SOHOA_HOME": str(home), "SOHOA_API_QUEUE_MAX": str(args.queue_max),
           "SOHOA_API_TOKENS": f"{SCANNER}:scanner@bench,{ARCHIVIST}:archivist",
           # one token sends the whole load here: the per-token rate limits would cut it
           "SOHOA_API_RATE_UPLOADS": "0", "SOHOA_API_RATE_SEARCHES": "0"}
    log = open(home / "serve.log", "wb")
    server = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--port",
                               str(port), "--log-level", "warning"], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("sohoa serve did not start; see " + str(home / "serve.log"))
            time.sleep(0.2)

        result = asyncio.run(load(url, files, args.rate, args.seconds))
        catch_up, queue = wait_catch_up(url, args.catch_up_timeout)

        ups = result["uploads"]
        accepted = [u for u in ups if u.get("status") in (200, 202)]
        refused = [u for u in ups if u.get("status") in (429, 503)]
        other = [u for u in ups if u not in accepted and u not in refused]
        refused_without_retry = [u for u in refused if not u.get("retry_after")]
        accepted_batches = {u["batch_id"] for u in accepted}
        accepted_shas = {u["sha256"] for u in accepted}

        states: dict[str, int] = {}
        with httpx.Client(base_url=url, timeout=30,
                          headers={"Authorization": f"Bearer {SCANNER}"}) as c:
            for bid in sorted(accepted_batches):
                for d in c.get(f"/batches/{bid}").json()["documents"]:
                    states[d["state"]] = states.get(d["state"], 0) + 1
        db = sqlite3.connect(home / "sohoa.db")
        receipt_batches = {r[0] for r in db.execute(
            "SELECT DISTINCT batch_id FROM receipts WHERE branch='bench'")}
        originals = {r[0] for r in db.execute("SELECT sha256 FROM originals")}
        db.close()
        stored = {p.stem for p in (home / "objects" / "originals").rglob("*.png")} \
            if (home / "objects" / "originals").exists() else set()
        p95 = pct(result["searches"], 95)
        summary = {
            "rate_per_s": args.rate, "seconds": args.seconds, "requests": len(ups),
            "load_wall_s": round(result["wall"], 2),
            "accepted": len(accepted), "refused_429": sum(u["status"] == 429 for u in refused),
            "refused_503": sum(u["status"] == 503 for u in refused),
            "refused_without_retry_after": len(refused_without_retry),
            "other_status_or_error": len(other),
            "other_examples": other[:3],
            "upload_latency_p95_ms": round(1000 * pct([u["seconds"] for u in ups], 95), 1),
            "catch_up_s": round(catch_up, 1), "queue_after": queue,
            "accepted_states": states,
            "accepted_in_db": len(accepted_batches & receipt_batches),
            "accepted_originals_in_db": len(accepted_shas & originals),
            "accepted_originals_in_object_store": len(accepted_shas & stored),
            "searches": len(result["searches"]), "search_errors": result["search_errors"],
            "search_p50_ms": round(1000 * statistics.median(result["searches"]), 1)
            if result["searches"] else None,
            "search_p95_ms": round(1000 * p95, 1) if p95 is not None else None,
            "home": str(home),
        }
        checks = {
            "every request accepted or 429/503 with Retry-After":
                not other and not refused_without_retry,
            "some uploads accepted": len(accepted) > 0,
            "processing caught up": queue["queued"] == 0 and queue["running"] == 0
                and sum(states.values()) == len(accepted_batches)
                and not states.get("queued") and not states.get("running"),
            "every accepted upload in the DB and the object store":
                len(accepted_batches & receipt_batches) == len(accepted_batches)
                and accepted_shas <= stored and accepted_shas <= originals,
            "search p95 <= 100 ms under load": p95 is not None and p95 <= 0.100,
        }
        summary["checks"] = checks
        out = ROOT / "benchmarks" / "work"
        out.mkdir(parents=True, exist_ok=True)
        (out / "api_load.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
        print(json.dumps(summary, indent=1, ensure_ascii=False))
        for name, ok in checks.items():
            print(f"{'PASS' if ok else 'FAIL'}  {name}")
        return 0 if all(checks.values()) else 1
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if args.home is None and not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
