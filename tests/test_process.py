"""`sohoa process` on batches with bad files in them: per-file errors, the batch goes on, no
partial output, a non-zero exit at the end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.badinputs import make_corpus, multipage_tiff
from tests.conftest import ROOT, run_sohoa


def outputs(folder):
    return sorted(p.name for p in folder.iterdir())


def test_bad_inputs_fail_one_by_one_and_the_batch_goes_on(tmp_path, realdata):
    corpus = make_corpus(tmp_path / "in")
    shutil.copy(realdata / "tesseract" / "phototest.tif", tmp_path / "in" / "phototest.tif")
    out = tmp_path / "out"
    proc = run_sohoa("process", str(tmp_path / "in"), "--out", str(out))
    assert proc.returncode == 1, "some files failed, so the run exits non-zero"
    summary = json.loads((out / "summary.json").read_text())
    by_name = {r["file"].rsplit("/", 1)[-1]: r for r in summary["results"]}
    assert set(by_name) == set(corpus) | {"phototest.tif"}
    for name in ("good.pdf", "javascript.pdf", "phototest.tif"):
        assert by_name[name]["error"] is None, name
        assert (out / name).with_suffix(".pdf").exists()
    expected = {"empty.pdf": "empty_file", "notes.pdf": "unsupported_type",
                "encrypted.pdf": "encrypted_pdf", "bomb.png": "page_too_large",
                "tiny.png": "page_too_small"}
    for name, code in expected.items():
        assert by_name[name]["error"]["code"] == code, name
        assert f"[{code}]" in proc.stderr, "each error is also reported on stderr"
        record = json.loads((out / name).with_suffix(".json").read_text())
        assert record["error"]["code"] == code and record["error"]["message"]
        assert not (out / name).with_suffix(".pdf").exists(), "no PDF for a failed file"
    assert by_name["truncated.pdf"]["error"]["code"]
    # No temporary or half-written file is left behind.
    assert not [n for n in outputs(out) if n.startswith(".") or ".tmp" in n]
    with open(out / "javascript.pdf", "rb") as fh:
        assert b"/JavaScript" not in fh.read(), "nothing executable survives into the archive"


def test_a_page_that_times_out_is_recorded_as_failed(tmp_path, realdata):
    out = tmp_path / "out"
    proc = run_sohoa("process", str(realdata / "ocrmypdf" / "linn.png"), "--out", str(out),
                     env={"SOHOA_PAGE_TIMEOUT": "0.05"})
    assert proc.returncode == 1
    record = json.loads((out / "linn.json").read_text())
    assert record["error"]["code"] == "ocr_timeout"
    assert record["pages"][0]["status"] == "failed"
    assert not (out / "linn.pdf").exists()


def test_every_ocrmypdf_test_file_gets_a_result_or_a_clear_error(tmp_path, realdata):
    inputs = sorted(p for p in (realdata / "ocrmypdf").iterdir()
                    if p.suffix in (".pdf", ".png", ".jpg"))
    out = tmp_path / "out"
    # Robustness, not accuracy, is under test here: 150 dpi keeps the run short.
    proc = run_sohoa("process", *map(str, inputs), "--out", str(out), "--no-archive",
                     timeout=1500, env={"SOHOA_RENDER_DPI": "150"})
    summary = json.loads((out / "summary.json").read_text())
    assert summary["documents"] == len(inputs)
    for r in summary["results"]:
        if r["error"]:
            assert r["error"]["code"] and r["error"]["message"], r
        else:
            assert r["pdf"] and r["pages"] >= 1, r
    assert summary["succeeded"] >= len(inputs) - 6, summary["errors"]
    assert proc.returncode == (1 if summary["failed"] else 0)


def _peak_rss_mb(args: list[str]) -> float:
    """Peak resident memory of any process of a sohoa run (parent or worker), in MB:
    RUSAGE_CHILDREN of a wrapper covers the whole tree it waited for."""
    code = ("import resource, subprocess, sys; "
            "subprocess.run(sys.argv[1:], check=False, capture_output=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    proc = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "pipeline.cli",
                           *args], capture_output=True, text=True, timeout=1500, cwd=ROOT,
                          check=True)
    return int(proc.stdout.strip()) / 1024


@pytest.mark.slow
def test_300_page_tiff_with_flat_memory(tmp_path):
    small, large = tmp_path / "p30.tif", tmp_path / "p300.tif"
    multipage_tiff(small, 30)
    multipage_tiff(large, 300)
    rss_small = _peak_rss_mb(["process", str(small), "--out", str(tmp_path / "o30")])
    rss_large = _peak_rss_mb(["process", str(large), "--out", str(tmp_path / "o300")])
    record = json.loads((tmp_path / "o300" / "p300.json").read_text())
    assert record["ok"] and record["page_count"] == 300
    assert "Trang 300" in record["pages"][-1]["text"]
    assert rss_large < 400, f"peak RSS {rss_large:.0f} MB"
    assert rss_large < rss_small * 1.25 + 20, f"{rss_small:.0f} MB -> {rss_large:.0f} MB"


def test_a_scanned_stack_is_reported_as_dossiers_with_their_documents(tmp_path):
    """samples/scans/stack_01.pdf: three dossiers, each a receipt (QR code) and documents."""
    stack = ROOT / "samples" / "scans" / "stack_01.pdf"
    truth = json.loads(stack.with_suffix(".json").read_text())
    out = tmp_path / "out"
    proc = run_sohoa("process", str(stack), "--out", str(out),
                     env={"SOHOA_HOME": str(tmp_path / "home")})
    assert proc.returncode == 0, proc.stderr
    record = json.loads((out / "stack_01.json").read_text())
    got = [(d["dossier_code"], [(x["document_type"], x["pages"]) for x in d["documents"]])
           for d in record["dossiers"]]
    expected = [(d["dossier_code"],
                 [(x["document_type"], list(range(x["pages"][0], x["pages"][1] + 1)))
                  for x in d["documents"]]) for d in truth["dossiers"]]
    assert got == expected
    assert record.get("dossier_code") is None, "a stack of several dossiers has no single code"
