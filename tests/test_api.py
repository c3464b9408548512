"""The HTTP API on the real stack: real OCR of generated documents, the extractors, SQLite,
the local object store, signing and search, through FastAPI's TestClient.

One generated birth registration is uploaded as a batch (with a dossier code) and processed
once for the module; the tests then read it back through every archivist and QA endpoint,
review its fields, and run ``POST /extract`` synchronously and as a job."""

from __future__ import annotations

import dataclasses
import io
import random
import shutil
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont

from api.app import create_app
from api.settings import ApiSettings
from pipeline.config import Settings
from samples.generate import generate_document

ROOT = Path(__file__).resolve().parent.parent
DOSSIER = "000.00.17.H26-261125-0042"
TOKENS = {r: f"{r}-api-token-{'q' * 16}" for r in ("scanner", "intake", "archivist", "qa")}
# people's names and the scanner's branch come with the tokens
SPEC = ",".join({"scanner": f"Mai={TOKENS['scanner']}:scanner@hn01",
                 "qa": f"Lan={TOKENS['qa']}:qa"}.get(r, f"{t}:{r}") for r, t in TOKENS.items())
CONTRACT_FIELD_KEYS = {"value", "confidence", "page", "bbox", "needs_review", "handwritten",
                       "handwriting_score"}
RARE = "Bệnh viện Khuých Đông"  # a value no generated document contains


def H(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def png(image, dpi=300) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def small_page(text: str) -> bytes:
    """A small page with a few printed lines: quick to OCR."""
    im = Image.new("L", (1400, 500), 255)
    d = ImageDraw.Draw(im)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 44)
    for i, line in enumerate(text.splitlines()):
        d.text((80, 80 + 90 * i), line, font=font, fill=0)
    buf = io.BytesIO()
    im.save(buf, "PNG", dpi=(300, 300))
    return buf.getvalue()


def new_home(base: Path) -> Path:
    home = base / "home"
    home.mkdir(parents=True)
    models = ROOT / ".sohoa" / "models"
    if models.is_dir():  # the trained classifier, so that the test does not train it again
        shutil.copytree(models, home / "models")
    return home


def wait_batch(c: TestClient, batch_id: str, timeout: float = 900) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        st = c.get(f"/batches/{batch_id}", headers=H("scanner")).json()
        if st["finished"]:
            return st
        time.sleep(0.5)
    raise AssertionError(f"batch {batch_id} not finished: {st}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    home = new_home(tmp_path_factory.mktemp("api"))
    # A high review threshold puts most fields in the review queue.
    settings = Settings(home=home, review_threshold=0.999)
    app = create_app(settings, ApiSettings(tokens=SPEC, sync_pages=3, sync_seconds=600,
                                           queue_max=20))
    sample = generate_document("birth_registration", random.Random(7), level="clean")
    data = png(sample.pages[0])
    with TestClient(app) as c:
        r = c.post("/batches", headers=H("scanner"),
                   data={"branch": "hn01", "dossier_code": DOSSIER},
                   files=[("files", ("to-khai.png", data, "image/png"))])
        assert r.status_code == 202, r.text
        receipt = r.json()
        status = wait_batch(c, receipt["batch_id"])
        yield {"client": c, "app": app, "sample": sample, "png": data, "receipt": receipt,
               "status": status, "document_id": receipt["documents"][0]["document_id"]}


def test_batch_progress(stack):
    st = stack["status"]
    assert st["total"] == 1 and st["finished"]
    doc = st["documents"][0]
    assert doc["state"] in ("done", "needs_review"), doc
    assert doc["file"] == "to-khai.png" and doc["document_id"] == stack["document_id"]
    assert set(st["counts"]) == {"queued", "running", "done", "needs_review", "failed"}
    # the same upload again: the same batch, nothing new queued
    c = stack["client"]
    r = c.post("/batches", headers=H("scanner"), data={"branch": "hn01", "dossier_code": DOSSIER},
               files=[("files", ("copy.png", stack["png"], "image/png"))])
    assert r.status_code == 200 and r.json()["batch_id"] == stack["receipt"]["batch_id"]


def test_search_with_filters_and_snippets(stack):
    c, doc = stack["client"], stack["document_id"]
    name = stack["sample"].fields["child_name"]
    r = c.get("/search", params={"q": "khai sinh"}, headers=H("archivist"))
    assert r.status_code == 200
    hits = r.json()["hits"]
    assert [h["document_id"] for h in hits] == [doc]
    assert "<mark>" in hits[0]["snippet_html"]
    assert hits[0]["pdf_url"] == f"/documents/{doc}/pdf"
    assert hits[0]["dossier_url"] == f"/dossiers/{DOSSIER}"
    folded = name.split()[-1].lower()
    r = c.get("/search", params={"q": folded, "type": "birth_registration", "branch": "hn01",
                                 "dossier": DOSSIER}, headers=H("archivist"))
    assert [h["document_id"] for h in r.json()["hits"]] == [doc]
    for params in ({"q": "khai sinh", "type": "complaint"}, {"q": "khai sinh", "branch": "x"},
                   {"q": "khai sinh", "to": "2000-01-01"}, {"q": "khai sinh", "page": 2}):
        assert c.get("/search", params=params, headers=H("archivist")).json()["hits"] == []
    assert c.get("/search", params={"q": "x", "from": "yesterday"},
                 headers=H("archivist")).status_code == 422


def test_document_pdf_verify_and_dossier(stack):
    c, doc = stack["client"], stack["document_id"]
    info = c.get(f"/documents/{doc}", headers=H("archivist")).json()
    assert info["document_type"] == "birth_registration"
    assert info["dossier_code"] == DOSSIER and info["branch"] == "hn01"
    assert {f["id"] for f in info["fields"]} >= {"child_name", "child_birth_date"}
    kinds = [e["kind"] for e in info["timeline"]]
    assert kinds[:1] == ["received"] and "archived" in kinds and "signed" in kinds
    r = c.get(f"/documents/{doc}/pdf", headers=H("archivist"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    from storage.archive import Archive

    with Archive(stack["app"].state.settings) as archive:
        assert r.content == archive.get_pdf(doc)
    v = c.post(f"/documents/{doc}/verify", headers=H("archivist")).json()
    assert v["ok"] is True
    d = c.get(f"/dossiers/{DOSSIER}", headers=H("archivist")).json()
    assert [x["document_id"] for x in d["documents"]] == [doc]
    assert "archived" in [e["kind"] for e in d["timeline"]]
    assert c.get("/dossiers/nope", headers=H("archivist")).status_code == 404
    assert c.get("/documents/nope", headers=H("archivist")).status_code == 404


def test_pdf_redirects_to_a_presigned_url_on_s3(stack, monkeypatch):
    c, doc = stack["client"], stack["document_id"]
    archive = c.app.state.archive
    seen = {}

    def presigned(key, expires=3600):
        seen["args"] = (key, expires)
        return f"https://s3.example/{key}?X-Amz-Expires={expires}"

    monkeypatch.setattr(archive.store, "presigned_url", presigned)
    r = c.get(f"/documents/{doc}/pdf", headers=H("archivist"), follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"].startswith("https://s3.example/")
    assert seen["args"][1] <= 300  # short-lived


def test_review_queue_accept_and_correct(stack):
    c, doc = stack["client"], stack["document_id"]
    q = c.get("/review", headers=H("qa")).json()
    assert q["total"] >= 2, q
    items = q["items"]
    assert all(i["review_state"] == "pending" and i["document_id"] == doc for i in items)
    assert [i["field_id"] for i in items] == sorted(i["field_id"] for i in items)
    assert c.get("/review", params={"type": "complaint"}, headers=H("qa")).json()["total"] == 0
    assert c.get("/review", params={"branch": "hn01"},
                 headers=H("qa")).json()["total"] == q["total"]
    reason = items[0]["reasons"][0] if items[0]["reasons"] else None
    if reason:
        rq = c.get("/review", params={"reason": reason}, headers=H("qa")).json()
        assert rq["total"] >= 1 and all(reason in i["reasons"] for i in rq["items"])
    crop = c.get(f"/review/{items[0]['field_id']}/crop", headers=H("qa"))
    assert crop.status_code == 200 and crop.content.startswith(b"\x89PNG")

    first = items[0]
    r = c.post(f"/review/{first['field_id']}", headers=H("qa"),
               json={"action": "accept", "version": first["version"], "reviewer": "Someone Else"})
    assert r.status_code == 422  # the reviewer is the token's person, never the client's word
    r = c.post(f"/review/{first['field_id']}", headers=H("qa"),
               json={"action": "accept", "version": first["version"]})
    assert r.status_code == 200
    assert r.json()["review_state"] == "accepted" and r.json()["reviewed_by"] == "Lan"
    assert r.json()["reviewed_at"] and r.json()["version"] == first["version"] + 1
    stale = c.post(f"/review/{first['field_id']}", headers=H("qa"),
                   json={"action": "correct", "value": "x", "version": first["version"]})
    assert stale.status_code == 409, stale.text

    text = next(i for i in items[1:] if i["kind"] in ("text", "name"))
    assert c.get("/search", params={"q": "Khuých"}, headers=H("archivist")).json()["hits"] == []
    r = c.post(f"/review/{text['field_id']}", headers=H("qa"),
               json={"action": "correct", "value": "  Bệnh viện   Khuých Đông ",
                     "version": text["version"]})
    assert r.status_code == 200, r.text
    assert r.json()["effective_value"] == RARE and r.json()["review_state"] == "corrected"
    hits = c.get("/search", params={"q": "Khuých"}, headers=H("archivist")).json()["hits"]
    assert [h["document_id"] for h in hits] == [doc]
    timeline = c.get(f"/dossiers/{DOSSIER}", headers=H("archivist")).json()["timeline"]
    assert {"review_accepted", "review_corrected"} <= {e["kind"] for e in timeline}
    left = c.get("/review", headers=H("qa")).json()
    assert left["total"] == q["total"] - 2
    date_field = next((i for i in left["items"] if i["kind"] == "date"), None)
    if date_field:
        bad = c.post(f"/review/{date_field['field_id']}", headers=H("qa"),
                     json={"action": "correct", "value": "not a date",
                           "version": date_field["version"]})
        assert bad.status_code == 422
        ok = c.post(f"/review/{date_field['field_id']}", headers=H("qa"),
                    json={"action": "correct", "value": "12/03/1995",
                          "version": date_field["version"]})
        assert ok.json()["effective_value"] == "1995-03-12"
    assert c.post("/review/999999", headers=H("qa"),
                  json={"action": "accept", "version": 1}).status_code == 404
    assert c.post(f"/review/{first['field_id']}", headers=H("qa"),
                  json={"action": "delete", "version": first["version"] + 1}).status_code == 422
    # a decision without the version it was made on is refused: it could undo one unseen
    r = c.post(f"/review/{first['field_id']}", headers=H("qa"), json={"action": "reopen"})
    assert r.status_code == 422 and "version" in r.text
    # undo: the reviewer who decided reopens within the minute; the field is pending again
    r = c.post(f"/review/{first['field_id']}", headers=H("qa"),
               json={"action": "reopen", "version": first["version"] + 1})
    assert r.status_code == 200 and r.json()["review_state"] == "pending", r.text
    auto = next((f for f in c.get(f"/documents/{doc}", headers=H("qa")).json()["fields"]
                 if f["review_state"] == "auto"), None)
    if auto:  # never pending: not QA's to decide
        r = c.post(f"/review/{auto['field_id']}", headers=H("qa"),
                   json={"action": "accept", "version": auto["version"]})
        assert r.status_code == 409


def test_extract_sync_is_exactly_the_contract(stack):
    c = stack["client"]
    r = c.post("/extract", headers=H("intake"),
               files=[("file", ("../scan-0001.png", stack["png"], "image/png"))])
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"file", "document_type", "document_type_confidence", "pages",
                         "fields"}
    assert body["file"] == "scan-0001.png" and body["pages"] == 1
    assert body["document_type"] == "birth_registration"
    from samples.contract import FIELDS

    assert set(body["fields"]) == set(FIELDS["birth_registration"])
    for f in body["fields"].values():
        assert set(f) == CONTRACT_FIELD_KEYS
        assert 0.0 <= f["confidence"] <= 1.0
    # the same content again is answered from the earlier result
    t = time.monotonic()
    again = c.post("/extract", headers=H("intake"),
                   files=[("file", ("again.png", stack["png"], "image/png"))])
    assert again.status_code == 200 and time.monotonic() - t < 5
    assert again.json()["fields"] == body["fields"] and again.json()["file"] == "again.png"


def test_extract_long_documents_become_jobs(stack):
    c, app = stack["client"], stack["app"]
    old = app.state.api
    app.state.api = dataclasses.replace(old, sync_pages=0)
    try:
        r = c.post("/extract", headers=H("intake"),
                   files=[("file", ("note.png", small_page("GIẤY ỦY QUYỀN\nHọ và tên: Lê Văn Tám"),
                                    "image/png"))])
    finally:
        app.state.api = old
    assert r.status_code == 202, r.text
    url = r.json()["url"]
    assert r.headers["Location"] == url and url.startswith("/jobs/j-")
    end = time.monotonic() + 600
    while True:
        j = c.get(url, headers=H("intake"))
        if j.status_code != 202:
            break
        assert j.json()["state"] in ("queued", "running") and j.headers["Retry-After"]
        assert time.monotonic() < end
        time.sleep(0.5)
    assert j.status_code == 200, j.text
    assert set(j.json()) == {"file", "document_type", "document_type_confidence", "pages",
                             "fields"}
    assert j.json()["file"] == "note.png"
    assert c.get("/jobs/j-nope", headers=H("intake")).status_code == 404


def test_a_batch_uploaded_through_the_api_is_listed_by_sohoa_status(stack, capsys,
                                                                      monkeypatch):
    """One batch store: ``sohoa status`` answers for a batch the HTTP API received, with
    what ``GET /batches/{id}`` says."""
    import json

    from pipeline.cli import main

    home = stack["app"].state.settings.home
    monkeypatch.setenv("SOHOA_HOME", str(home))
    monkeypatch.delenv("SOHOA_DATABASE_URL", raising=False)
    batch_id = stack["receipt"]["batch_id"]
    capsys.readouterr()
    assert main(["status", batch_id, "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    api = stack["client"].get(f"/batches/{batch_id}", headers=H("scanner")).json()
    assert cli["batch_id"] == api["batch_id"] == batch_id and cli["complete"]
    assert [(d["id"], d["file"], d["state"]) for d in cli["documents"]] == [
        (d["document_id"], d["file"], d["state"]) for d in api["documents"]]
    assert cli["documents"][0]["id"] == stack["document_id"]
