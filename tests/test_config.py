"""The one settings table: every SOHOA_* variable the product names is declared there, only
pipeline/config.py reads them, and a child process gets exactly the parent's settings."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from pipeline.config import BY_NAME, Limits, OcrSettings, Settings, child_env, reference
from tests.conftest import ROOT

PRODUCT = ("api", "classifiers", "extractors", "pipeline", "storage", "workers")
NAME = re.compile(r"SOHOA_[A-Z0-9_]*[A-Z0-9]")
TEST_ONLY = {"SOHOA_TEST_SERVICES", "SOHOA_REALDATA", "SOHOA_UPDATE_DOCS"}


def _sources():
    for folder in PRODUCT:
        yield from (ROOT / folder).rglob("*.py")


def test_every_variable_is_declared_once_and_read_only_by_the_table():
    for path in _sources():
        text = path.read_text()
        for name in set(NAME.findall(text)) - TEST_ONLY:
            if name.startswith("SOHOA_TEST_"):
                continue
            assert name in BY_NAME, f"{path.relative_to(ROOT)} names {name}, not in the table"
        if path != ROOT / "pipeline" / "config.py":
            reads = re.findall(r"(?:environ\.get|getenv|environ\[)\(?\s*[\"'](SOHOA_\w+)", text)
            assert not reads, f"{path.relative_to(ROOT)} reads {reads} itself"
    assert all(line.split()[0] in BY_NAME for line in reference().splitlines()[1:])


def test_child_processes_get_the_parents_settings(monkeypatch, tmp_path):
    parent = Settings(home=tmp_path / "h", workers=3, review_threshold=0.8, max_attempts=5,
                      limits=Limits(max_bytes=1234, max_pages=7, max_page_pixels=999_999,
                                    min_page_side=40),
                      ocr=OcrSettings(languages="vie", tessdata="/x/tessdata",
                                      page_timeout=33.0, target_dpi=250, render_dpi=200),
                      models_dir=tmp_path / "m", s3_endpoint="127.0.0.1:1", s3_secure=True,
                      s3_work_bucket="w", retention_years=0, broker_url="redis://x/1")
    env = child_env(parent, base={"PATH": "/bin", "SOHOA_SIGNING_KEY": "/stale/key.p12"})
    for name in [n for n in env if n.startswith("SOHOA_")]:
        monkeypatch.setenv(name, env[name])
    monkeypatch.delenv("SOHOA_SIGNING_KEY", raising=False)
    for name in BY_NAME:
        if name not in env:
            monkeypatch.delenv(name, raising=False)
    assert "SOHOA_SIGNING_KEY" not in env  # the parent has none: the child gets none
    assert env["OMP_THREAD_LIMIT"] == "1"
    child = Settings.from_env()
    assert dataclasses.asdict(child) == dataclasses.asdict(parent)
    assert isinstance(child.home, Path)


def test_the_product_never_imports_the_sample_generator(tmp_path):
    """The classifier loads the model ``sohoa train`` made; it never trains (from samples)
    itself, and fails clearly without one."""
    import subprocess
    import sys

    code = (
        "import importlib, sys\n"
        "import pipeline.cli, api.app, api.web, workers.actors, workers.embedded\n"
        "c = importlib.import_module('classifiers.classify')\n"
        "from pipeline.config import Settings\n"
        "c.configure(Settings.from_env().models_dir); c.model()\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'samples'], 'samples'\n"
        f"c.configure({str(tmp_path)!r})\n"
        "try:\n    c.model()\nexcept Exception as e:\n    print(type(e).__name__, e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ModelMissing") and "sohoa train" in out.stdout
