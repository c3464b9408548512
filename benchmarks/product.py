"""The product as a black box for the evaluations: ``sohoa extract FILES --json`` in chunks,
fresh OCR every run, one JSON answer per file name. Used by ``evaluate_heldout.py`` and
``wordforms/evaluate.py`` so both sets are read the same way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sohoa_command() -> list[str]:
    exe = Path(sys.executable).parent / "sohoa"
    return [str(exe if exe.exists() else ROOT / ".venv" / "bin" / "sohoa")]


def run_product(files: list[Path], jobs: int, chunk: int, log) -> dict[str, dict]:
    """The product's JSON answer per file name, run in chunks so progress shows."""
    env = dict(os.environ)
    env.setdefault("OMP_THREAD_LIMIT", "1")
    answers: dict[str, dict] = {}
    for start in range(0, len(files), chunk):
        part = files[start:start + chunk]
        cmd = sohoa_command() + ["extract", *map(str, part), "--json", "--jobs", str(jobs)]
        t0 = time.monotonic()
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT,
                                 timeout=300 + 150 * len(part)).stdout
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            log(f"  timeout on files {start}..{start + len(part)}")
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("{"):
                record = json.loads(line)
                answers[Path(record.get("file", "")).name] = record
        log(f"  {min(start + chunk, len(files))}/{len(files)} documents "
            f"({time.monotonic() - t0:.0f} s for this chunk)")
    return answers
