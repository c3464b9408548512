"""Shared fixtures: where the real documents are, how to run the CLI, and the PDF/A check
that runs after every test on every PDF sohoa wrote in that test's temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from tests.pdfa_rules import check_pdfa

ROOT = Path(__file__).resolve().parent.parent
REALDATA = Path(os.environ.get("SOHOA_REALDATA", ROOT.parent / "shared" / "realdata"))
SAMPLES = ROOT / "samples" / "scans"
SOHOA = [sys.executable, "-m", "pipeline.cli"]

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.fail(f"real documents not found at {REALDATA} (set SOHOA_REALDATA)")
    return REALDATA


def run_sohoa(*args: str, env: dict | None = None, timeout: float = 900,
              cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*SOHOA, *args], capture_output=True, text=True, timeout=timeout,
                          env=full_env, cwd=cwd or ROOT, check=False)


def _written_by_sohoa(path: Path) -> bool:
    try:
        with pikepdf.open(path) as pdf:
            return pdf.open_metadata().get("xmp:CreatorTool") == "sohoa"
    except Exception:  # noqa: BLE001 - inputs of the bad-file tests are not ours to check
        return False


@pytest.fixture(autouse=True)
def every_pdf_is_pdfa(request):
    """After each test: every PDF sohoa produced in the test's tmp_path keeps PDF/A-2b."""
    if "tmp_path" not in request.fixturenames:
        yield
        return
    tmp_path: Path = request.getfixturevalue("tmp_path")
    yield
    for pdf in sorted(tmp_path.rglob("*.pdf")):
        if _written_by_sohoa(pdf):
            problems = check_pdfa(pdf)
            assert not problems, f"{pdf} breaks PDF/A-2b: {problems}"
