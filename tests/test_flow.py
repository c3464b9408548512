"""One document flow, one record of truth: real OCR of a committed sample through
``sohoa process``, QA's correction, the same original received again from another branch
(another file time, so another PDF/A), and an explicit reprocess."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import Settings
from storage.archive import Archive
from tests.conftest import SAMPLES
from tests.storage_fixtures import pg_schema_url, s3_endpoint, unique_bucket

DOSSIER = "000.00.17.H26-261203-0001"


def _process(tmp_path: Path, scan: Path, *args: str) -> dict:
    out = tmp_path / f"out-{len(list(tmp_path.glob('out-*')))}"
    assert main(["process", str(scan), "--out", str(out), "--no-progress", "-j", "1",
                 *args]) == 0
    return json.loads((out / "summary.json").read_text())


@pytest.fixture(params=["local+sqlite", "s3+postgresql"])
def stack_env(request, tmp_path, monkeypatch):
    """The archive's real stack: a local folder and SQLite, or S3 (moto) and PostgreSQL."""
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path / "home"))
    for name in ("SOHOA_DATABASE_URL", "SOHOA_S3_ENDPOINT", "SOHOA_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    if request.param == "local+sqlite":
        yield
        return
    with pg_schema_url() as url:
        monkeypatch.setenv("SOHOA_DATABASE_URL", url)
        monkeypatch.setenv("SOHOA_S3_ENDPOINT", s3_endpoint())
        monkeypatch.setenv("SOHOA_S3_ACCESS_KEY", "test")
        monkeypatch.setenv("SOHOA_S3_SECRET_KEY", "test")
        monkeypatch.setenv("SOHOA_S3_BUCKET", unique_bucket("sohoa-flow"))
        monkeypatch.setenv("SOHOA_RETENTION_YEARS", "0")
        yield


def test_receiving_an_archived_original_again_changes_nothing(tmp_path, monkeypatch, capsys,
                                                              stack_env):
    monkeypatch.setenv("SOHOA_REVIEW_THRESHOLD", "0.999")  # fields to review
    scan = tmp_path / "to-khai.png"
    shutil.copyfile(SAMPLES / "0010_citizen_id_card.png", scan)
    first = _process(tmp_path, scan, "--branch", "hn01", "--dossier", DOSSIER,
                     "--actor", "Nguyễn Lan")
    doc_id = first["results"][0]["document_id"]
    archive = Archive(Settings.from_env())
    try:
        info = archive.show(doc_id)
        assert info["branch"] == "hn01" and info["dossier_code"] == DOSSIER
        pending = next(f for f in info["fields"] if f["review_state"] == "pending"
                       and f["kind"] in ("name", "text"))
        archive.decide(doc_id, pending["id"], "correct", actor="qa.lan",
                       version=pending["version"], value="Khuých Đông Tây")
        before = archive.show(doc_id)

        # The same bytes from another branch, with a dossier code of its own, a new file time.
        os.utime(scan, (1_800_000_000, 1_800_000_000))
        second = _process(tmp_path, scan, "--branch", "hn02", "--dossier", "abc",
                          "--actor", "Trần Minh")
        assert second["results"][0]["document_id"] == doc_id
        after = archive.show(doc_id)
        for key in ("branch", "batch_id", "dossier_code", "fields", "archive", "file"):
            assert after[key] == before[key], key
        [dup] = after["duplicates"]
        assert (dup["branch"], dup["batch_id"], dup["actor"]) == (
            "hn02", second["batch_id"], "Trần Minh")
        assert "duplicate_received" in [e["kind"] for e in after["timeline"]]
        assert [h.document_id for h in archive.search("khuych dong tay")] == [doc_id]
        assert archive.dossier(DOSSIER)["documents"][0]["document_id"] == doc_id
        capsys.readouterr()
        # The uploader hears "duplicate", not the first uploader's file, branch or dossier.
        assert main(["status", second["batch_id"], "--json"]) == 0
        [d] = json.loads(capsys.readouterr().out)["documents"]
        assert d["state"] == "done" and d["reason"]["code"] == "duplicate"
        assert "hn01" not in json.dumps(second) and DOSSIER not in json.dumps(second)
        # Submitted again (sohoa submit, the HTTP API): answered "duplicate" at once, not run.
        from workers.submit import batch_status, submit_batch

        receipt = submit_batch([scan], "hn03", "abc", Settings.from_env(), actor="Lê Hoa")
        [d] = batch_status(receipt.batch_id)["documents"]
        assert d["state"] == "done" and d["duplicate"] and d["archive_key"] is None
        assert [x["branch"] for x in archive.show(doc_id)["duplicates"]] == ["hn02", "hn03"]

        # An explicit reprocess: a new reading, the earlier one kept, the correction carried.
        assert main(["reprocess", doc_id, "--actor", "admin.an"]) == 0
        again = archive.show(doc_id)
        assert again["archive"]["key"] != before["archive"]["key"]
        assert (again["branch"], again["dossier_code"]) == ("hn01", DOSSIER)
        [ev] = [e for e in again["timeline"] if e["kind"] == "reprocessed"]
        assert ev["actor"] == "admin.an"
        assert ev["details"]["earlier"]["archive_key"] == before["archive"]["key"]
        f = {x["id"]: x for x in again["fields"]}[pending["id"]]
        assert f["effective_value"] == "Khuých Đông Tây" and f["review_state"] == "corrected"
        assert [h.document_id for h in archive.search("khuych dong tay")] == [doc_id]
        assert archive.verify(doc_id).ok
    finally:
        archive.close()


def test_a_stack_becomes_its_documents(tmp_path, monkeypatch):
    """samples/scans/stack_01.pdf (10 pages, 3 dossiers): every receipt, form and ID-card
    copy archived as its own signed PDF/A in its dossier, referring to the stack and its
    pages; the stack's original stored once; each dossier's page lists its documents."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings

    monkeypatch.setenv("SOHOA_HOME", str(tmp_path / "home"))
    for name in ("SOHOA_DATABASE_URL", "SOHOA_S3_ENDPOINT", "SOHOA_BROKER_URL",
                 "SOHOA_REVIEW_THRESHOLD"):
        monkeypatch.delenv(name, raising=False)
    stack = SAMPLES / "stack_01.pdf"
    truth = json.loads(stack.with_suffix(".json").read_text())
    summary = _process(tmp_path, stack, "--branch", "hn02", "--actor", "Lê Hoa")
    stack_id = summary["results"][0]["document_id"]
    archive = Archive(Settings.from_env())
    try:
        assert archive.show(stack_id)["status"] == "stack"
        assert archive.counts()["originals"] == 1
        originals = [k for k in archive.store.list("originals/") if k.endswith(".pdf")]
        assert len(originals) == 1
        token = "archivist-token-" + "z" * 20
        app = create_app(Settings.from_env(), ApiSettings(tokens=f"{token}:archivist"),
                         start_processing=False)
        with TestClient(app) as c:
            for dossier in truth["dossiers"]:
                r = c.get(f"/dossiers/{dossier['dossier_code']}",
                          headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 200, r.text
                docs = r.json()["documents"]
                expected = [(x["document_type"], list(range(x["pages"][0], x["pages"][1] + 1)))
                            for x in dossier["documents"]]
                assert [(d["document_type"], d["stack"]["pages"]) for d in docs] == expected
                for d in docs:
                    info = archive.show(d["document_id"])
                    assert info["stack"]["document_id"] == stack_id
                    assert info["status"] == "archived" and info["branch"] == "hn02"
                    assert info["page_count"] == len(d["stack"]["pages"])
                    assert info["fields"] and info["timeline"][0]["kind"] == "received"
                    assert archive.verify(d["document_id"]).ok
    finally:
        archive.close()


def _pool_processes(pid: int) -> list[int]:
    """The grandchildren of ``pid``: the runner's pool processes (children of its
    forkserver)."""
    kids: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return [g for child in kids.get(pid, []) for g in kids.get(child, [])]


def _drainer_pid(home: Path) -> int | None:
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            cmd = (environ.parent / "cmdline").read_bytes()
            env = environ.read_bytes()
        except OSError:
            continue
        if b"workers.embedded" in cmd and f"SOHOA_HOME={home}".encode() in env.split(b"\0"):
            return int(environ.parent.name)
    return None


def test_a_document_that_kills_its_worker_is_failed_after_bounded_runs(tmp_path, monkeypatch):
    """A pool process killed (SIGKILL) in the middle of a document: the run is retried alone,
    at most SOHOA_MAX_ATTEMPTS times, then the document is failed with its reason; the
    documents behind it are done."""
    import signal
    import time

    from PIL import Image, ImageDraw, ImageFont

    from tests.test_workers import make_batch
    from workers.submit import batch_status, submit_batch

    home = tmp_path / "home"
    monkeypatch.setenv("SOHOA_HOME", str(home))
    monkeypatch.setenv("SOHOA_MAX_ATTEMPTS", "2")
    for name in ("SOHOA_DATABASE_URL", "SOHOA_S3_ENDPOINT", "SOHOA_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    slow = tmp_path / "in" / "a-slow.png"  # a full page of text: seconds of OCR
    slow.parent.mkdir(parents=True)
    im = Image.new("L", (2480, 3508), 255)
    d = ImageDraw.Draw(im)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 40)
    for i in range(60):
        d.text((120, 120 + 55 * i), f"Dòng {i}: Trung tâm Phục vụ hành chính công Hà Nội",
               font=font, fill=0)
    im.save(slow, dpi=(300, 300))
    files = [slow, *make_batch(tmp_path / "in", 2)]
    settings = Settings.from_env()
    receipt = submit_batch(files, "hn01", settings=settings, actor="tester")
    kills, deadline = 0, time.monotonic() + 600
    while time.monotonic() < deadline:
        status = batch_status(receipt.batch_id, settings)
        if status["complete"]:
            break
        states = {d["file"]: d["state"] for d in status["documents"]}
        drainer = _drainer_pid(home)
        if states["a-slow.png"] == "running" and drainer and kills < 2:
            pool = _pool_processes(drainer)
            if pool:
                time.sleep(1.0)  # in the middle of the page
                for pid in pool:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                kills += 1
                while batch_status(receipt.batch_id, settings)["documents"][0]["attempts"] \
                        < kills and time.monotonic() < deadline:  # the crash is recorded
                    time.sleep(0.1)
                continue
        time.sleep(0.2)
    docs = {d["file"]: d for d in status["documents"]}
    assert status["complete"], status
    assert kills == 2
    slow_doc = docs["a-slow.png"]
    assert slow_doc["state"] == "failed" and slow_doc["reason"]["code"] == "crashed"
    assert slow_doc["attempts"] == 2
    assert all(docs[f.name]["state"] in ("done", "needs_review") for f in files[1:]), docs
