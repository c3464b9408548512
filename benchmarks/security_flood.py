"""An anonymous flood of large bodies against ``sohoa serve`` on loopback: server memory and
``/healthz`` latency, idle and under the flood, side by side in one run.

    .venv/bin/python benchmarks/security_flood.py [--seconds 10] [--threads 3]

Each flood request declares (or streams, chunked) 64-200 MiB to an upload, review or unknown
route without a valid token; the server must refuse it before reading the body. The flood
runs niced, so that on one machine the load generator's own CPU is not taken from the server
(a remote attacker cannot do that). Prints a JSON summary (also ``benchmarks/work/
security_flood.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
MiB = 1 << 20

FLOOD = r"""
import json, socket, sys, threading, time
port, duration, nthreads, targets, out = json.loads(sys.argv[1])
chunk = b"x" * (1 << 20)
results, lock = [], threading.Lock()

def once(t):
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    head = f"POST {t['path']} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {t['type']}\r\n"
    head += ("Transfer-Encoding: chunked\r\n" if t["chunked"]
             else f"Content-Length: {t['size']}\r\n") + "\r\n"
    sent = 0
    try:
        s.sendall(head.encode())
        while sent < t["size"]:
            s.sendall(b"100000\r\n" + chunk + b"\r\n" if t["chunked"] else chunk)
            sent += len(chunk)
    except OSError:
        pass
    s.close()
    return sent

def worker(i):
    end, n = time.monotonic() + duration, i
    while time.monotonic() < end:
        t = targets[n % len(targets)]
        n += 1
        sent = once(t)
        with lock:
            results.append([t["size"], sent])

threads = [threading.Thread(target=worker, args=(i,)) for i in range(nthreads)]
for t in threads: t.start()
for t in threads: t.join()
with open(out, "w") as fh:
    json.dump(results, fh)
"""

TARGETS = [
    {"path": "/review/1", "type": "application/json", "size": 64 * MiB, "chunked": False},
    {"path": "/batches", "type": "multipart/form-data; boundary=zz", "size": 200 * MiB,
     "chunked": False},
    {"path": "/batches", "type": "multipart/form-data; boundary=zz", "size": 64 * MiB,
     "chunked": True},
    {"path": "/no/such/route", "type": "application/json", "size": 64 * MiB, "chunked": False},
]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * q))] * 1000, 2)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--threads", type=int, default=3)
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="sohoa-flood-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_API_PROCESSES="1", OMP_THREAD_LIMIT="1")
    port = free_port()
    sohoa = str(Path(sys.executable).with_name("sohoa"))
    server = subprocess.Popen([sohoa, "serve", "--port", str(port), "--log-level", "warning"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
            for _ in range(200):
                try:
                    if c.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.3)

            def sample(seconds: float, flood=None) -> tuple[list[float], float]:
                lat, peak, end = [], rss_mib(server.pid), time.monotonic() + seconds
                while (flood.poll() is None) if flood else time.monotonic() < end:
                    t0 = time.perf_counter()
                    c.get("/healthz")
                    lat.append(time.perf_counter() - t0)
                    peak = max(peak, rss_mib(server.pid))
                    time.sleep(0.02)
                return lat, peak

            idle, idle_peak = sample(3)
            out = home / "flood.json"
            flood = subprocess.Popen(["nice", "-n", "10", sys.executable, "-c", FLOOD,
                                      json.dumps([port, args.seconds, args.threads, TARGETS,
                                                  str(out)])])
            under, flood_peak = sample(0, flood)
            results = json.loads(out.read_text())
        summary = {
            "seconds": args.seconds, "threads": args.threads,
            "flood_requests": len(results),
            "offered_MiB": sum(size for size, _ in results) // MiB,
            "accepted_by_kernel_before_refusal_MiB": sum(s for _, s in results) // MiB,
            "rss_idle_peak_MiB": round(idle_peak, 1), "rss_flood_peak_MiB": round(flood_peak, 1),
            "healthz_idle_ms": {"p50": pct(idle, 0.5), "p95": pct(idle, 0.95),
                                "max": pct(idle, 1)},
            "healthz_flood_ms": {"p50": pct(under, 0.5), "p95": pct(under, 0.95),
                                 "max": pct(under, 1)},
            "p95_ratio_flood_to_idle": round(pct(under, 0.95) / max(pct(idle, 0.95), 0.01), 2),
            "loadavg": Path("/proc/loadavg").read_text().split()[0],
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = json.dumps(summary, indent=1)
    print(text)
    work = ROOT / "benchmarks" / "work"
    work.mkdir(exist_ok=True)
    (work / "security_flood.json").write_text(text)
    ok = flood_peak - idle_peak < 32 and summary["healthz_flood_ms"]["p50"] < 50
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
