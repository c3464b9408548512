# ruff: noqa: F811
"""The archive service end to end: local folder + SQLite, and S3 (moto) + PostgreSQL."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import text

from storage.archive import Archive, DocumentNotFound
from storage.objectstore import IntegrityError
from storage.review import NotReviewable, StaleVersion
from storage.search import SearchFilters
from storage.signing import DEV_SUBJECT_CN, pdfa_claim
from tests.storage_fixtures import (
    make_pdfa,
    make_result,
    pg_schema_url,
    s3_endpoint,
    settings_for,
)


@pytest.fixture(params=["local+sqlite", "s3+postgresql"])
def archive(request, tmp_path):
    if request.param == "local+sqlite":
        a = Archive(settings_for(tmp_path / "home"))
        yield a
        a.close()
        return
    endpoint = s3_endpoint()
    with pg_schema_url() as url:
        a = Archive(
            settings_for(
                tmp_path / "home", database_url=url, s3_endpoint=endpoint, retention_years=1
            )
        )
        yield a
        a.close()


def birth(doc_id="doc-1", dossier="000.00.17.H26-261125-0042", **kw):
    return make_result(
        doc_id,
        fields={
            "child_name": "NGUYỄN VĂN AN",
            "mother_name": "TRẦN THỊ BÌNH",
            "child_birth_date": "2021-08-15",
        },
        text_="TỜ KHAI ĐĂNG KÝ KHAI SINH\nHọ và tên: NGUYỄN VĂN AN\nSinh ngày 15/08/2021",
        dossier_code=dossier,
        needs_review=("mother_name",),
        **kw,
    )


def original(tmp_path: Path, content: bytes = b"%PDF-1.4\n% scanned original\n") -> Path:
    p = tmp_path / "scan-0001.pdf"
    p.write_bytes(content)
    return p


def snapshot(a: Archive) -> dict:
    counts = a.counts()
    counts["objects"] = list(a.store.list())
    if hasattr(a.index, "fts_count"):
        counts["fts"] = a.index.fts_count()
    return counts


def test_archive_is_idempotent(archive, tmp_path):
    pdf = make_pdfa("doc-1")
    orig = original(tmp_path)
    rec = archive.archive_document(
        birth(), pdf, orig, branch="hn01", batch_id="b-1", actor="tester"
    )
    assert rec.created
    assert rec.archive_key.startswith("archive/")
    assert "/000.00.17.H26-261125-0042/" in rec.archive_key
    assert rec.archive_key.endswith(f"{rec.content_sha256}.pdf")
    assert rec.original_key.startswith("originals/") and rec.original_key.endswith(".pdf")
    before = snapshot(archive)
    assert before["documents"] == 1 and before["search_docs"] == 1
    assert before["events"] == 6  # received, ocr_done, classified, extracted, signed, archived
    assert len(before["objects"]) == 4  # original + sidecar, signed PDF + sidecar

    for _ in range(2):
        again = archive.archive_document(
            birth(), pdf, orig, branch="hn01", batch_id="b-1", actor="tester"
        )
        assert not again.created
        assert again.archive_key == rec.archive_key
        assert again.archive_sha256 == rec.archive_sha256
    assert snapshot(archive) == before


def test_same_original_stored_once_with_two_receipts(archive, tmp_path):
    orig = original(tmp_path)
    r1 = archive.archive_document(
        birth("doc-1"), make_pdfa("1"), orig, "hn01", "b-1", actor="tester"
    )
    r2 = archive.archive_document(
        birth("doc-2", dossier=None), make_pdfa("2"), orig, "hn02", "b-2", actor="tester"
    )
    assert r1.original_key == r2.original_key
    originals = [k for k in archive.store.list("originals/") if k.endswith(".pdf")]
    assert originals == [r1.original_key]
    c = archive.counts()
    assert c["originals"] == 1 and c["receipts"] == 2 and c["documents"] == 2
    sidecar = json.loads(archive.store.get(r1.original_key[:-4] + ".json"))
    assert [r["document_id"] for r in sidecar["receipts"]] == ["doc-1", "doc-2"]
    assert {r["branch"] for r in sidecar["receipts"]} == {"hn01", "hn02"}
    assert "/nodossier/" in r2.archive_key


def test_signed_pdf_sidecar_and_validation(archive, tmp_path):
    rec = archive.archive_document(
        birth(), make_pdfa("doc-1"), original(tmp_path), "hn01", "b-1", actor="tester"
    )
    pdf = archive.get_pdf("doc-1")
    assert pdfa_claim(pdf) == "2B"
    [sig] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    vc = ValidationContext(trust_roots=[archive.signer.certificate], allow_fetching=False)
    status = validate_pdf_signature(sig, vc)
    assert status.intact and status.valid and status.trusted
    side = json.loads(archive.store.get(rec.sidecar_key))
    assert side["document_id"] == "doc-1"
    assert side["fields"]["child_name"]["value"] == "NGUYỄN VĂN AN"
    assert side["archive"]["pdf"]["sha256"] == rec.archive_sha256
    assert side["archive"]["original"]["key"] == rec.original_key
    report = archive.verify("doc-1")
    assert report.ok and report.checksum_ok
    assert DEV_SUBJECT_CN in report.signer


def test_stored_pdf_corruption_is_detected(archive, tmp_path):
    rec = archive.archive_document(
        birth(), make_pdfa("doc-1"), original(tmp_path), "hn01", "b-1", actor="tester"
    )
    good = archive.get_pdf("doc-1")
    bad = bytearray(good)
    bad[len(bad) // 3] ^= 0x01
    # Replace the object behind the archive's back, recorded checksum metadata and all.
    archive.store.put(rec.archive_key, bytes(bad), "application/pdf")
    with pytest.raises(IntegrityError):
        archive.get_pdf("doc-1")
    report = archive.verify("doc-1")
    assert not report.ok
    assert report.checksum_ok is False


def test_verify_file_by_path(archive, tmp_path):
    archive.archive_document(
        birth(), make_pdfa("doc-1"), original(tmp_path), "hn01", "b-1", actor="tester"
    )
    good = archive.get_pdf("doc-1")
    path = tmp_path / "copy.pdf"
    path.write_bytes(good)
    r = archive.verify(str(path))
    assert r.ok and r.details["document_id"] == "doc-1"
    # Append bytes after the signature: pyHanko alone calls the signed revision intact; the
    # archive knows the file's checksum.
    path.write_bytes(good + b"\n% appended\n")
    r = archive.verify(str(path))
    assert not r.ok
    assert r.checksum_ok is False


def test_show_review_and_timeline(archive, tmp_path):
    archive.archive_document(
        birth(), make_pdfa("doc-1"), original(tmp_path), "hn01", "b-1", actor="tester"
    )
    info = archive.show("doc-1")
    assert info["document_type"] == "birth_registration"
    assert info["dossier_code"] == "000.00.17.H26-261125-0042"
    assert info["review"] == {"pending": 1, "reviewed": 0}
    kinds = [e["kind"] for e in info["timeline"]]
    assert kinds == ["received", "ocr_done", "classified", "extracted", "signed", "archived"]
    # accept -> correct -> accept -> correct: four events, each on the version it saw
    v = {x["id"]: x for x in info["fields"]}["mother_name"]["version"]
    for i, (action, value) in enumerate(
        [
            ("accept", None),
            ("correct", "TRẦN THỊ BÍCH"),
            ("accept", None),
            ("correct", "TRẦN THỊ BÍCH NGỌC"),
        ]
    ):
        item = archive.decide(
            "doc-1",
            "mother_name",
            action,
            actor="qa.lan",
            version=v + i,
            value=value,
            box=(1, 10, 20, 300, 60) if value else None,
        )
        assert item["version"] == v + i + 1
    with pytest.raises(StaleVersion):  # decided on the version before the last decision
        archive.decide("doc-1", "mother_name", "accept", actor="qa.minh", version=v + 3)
    with pytest.raises(NotReviewable):  # never pending: not QA's to change
        archive.decide("doc-1", "child_name", "correct", actor="qa.lan", version=1, value="X")
    info = archive.show("doc-1")
    assert info["review"] == {"pending": 0, "reviewed": 1}
    f = {x["id"]: x for x in info["fields"]}
    assert f["mother_name"]["effective_value"] == "TRẦN THỊ BÍCH NGỌC"  # the last one wins
    assert f["mother_name"]["reviewed_by"] == "qa.lan"
    assert f["mother_name"]["review_box"] == [1, 10, 20, 300, 60]
    reviews = [e for e in info["timeline"] if e["kind"].startswith("review_")]
    assert [e["kind"] for e in reviews] == [
        "review_accepted",
        "review_corrected",
        "review_accepted",
        "review_corrected",
    ]
    assert [(e["details"]["old"], e["details"]["new"]) for e in reviews] == [
        ("TRẦN THỊ BÌNH", "TRẦN THỊ BÌNH"),
        ("TRẦN THỊ BÌNH", "TRẦN THỊ BÍCH"),
        ("TRẦN THỊ BÍCH", "TRẦN THỊ BÌNH"),
        ("TRẦN THỊ BÌNH", "TRẦN THỊ BÍCH NGỌC"),
    ]
    assert all(e["actor"] == "qa.lan" for e in reviews)
    # the last correction is searchable
    assert [h.document_id for h in archive.search("tran thi bich ngoc")] == ["doc-1"]
    # reopen: not by another reviewer; by the one who decided, within the minute
    with pytest.raises(NotReviewable):
        archive.decide("doc-1", "mother_name", "reopen", actor="qa.minh", version=v + 4)
    item = archive.decide("doc-1", "mother_name", "reopen", actor="qa.lan", version=v + 4)
    assert item["review_state"] == "pending" and item["effective_value"] == "TRẦN THỊ BÌNH"
    with pytest.raises(NotReviewable):  # pending: nothing to reopen
        archive.decide("doc-1", "mother_name", "reopen", actor="admin", version=v + 5, admin=True)
    assert archive.dossier_timeline("000.00.17.H26-261125-0042")
    with pytest.raises(DocumentNotFound):
        archive.show("nope")


def test_search_through_archive(archive, tmp_path):
    orig = original(tmp_path)
    archive.archive_document(birth("doc-1"), make_pdfa("1"), orig, "hn01", "b-1", actor="tester")
    other = make_result(
        "doc-2",
        document_type="complaint",
        fields={"complainant_name": "Lê Văn Đạt"},
        text_="ĐƠN KHIẾU NẠI",
    )
    archive.archive_document(other, make_pdfa("2"), orig, "hn02", "b-1", actor="tester")
    hits = archive.search("nguyen van an")
    assert [h.document_id for h in hits] == ["doc-1"]
    assert hits[0].archive_key == archive.show("doc-1")["archive"]["key"]
    assert [h.document_id for h in archive.search("dat", SearchFilters(branch="hn02"))] == ["doc-2"]
    assert archive.search("dat", SearchFilters(branch="hn01")) == []
    assert [
        h.document_id for h in archive.search("", SearchFilters(document_type="complaint"))
    ] == ["doc-2"]


def test_new_content_only_by_an_explicit_reprocess(archive, tmp_path):
    """One record of truth: another PDF/A of an archived original (its dates differ) is a
    replay, not a new version; a reprocess archives it and keeps the earlier one as history,
    carrying QA's correction over."""
    orig = original(tmp_path)
    r1 = archive.archive_document(birth(), make_pdfa("v1"), orig, "hn01", "b-1", actor="tester")
    archive.decide("doc-1", "mother_name", "correct", actor="qa.lan", version=1, value="TRẦN BÍCH")
    r2 = archive.archive_document(birth(), make_pdfa("v2"), orig, "hn01", "b-1", actor="tester")
    assert not r2.created and r2.archive_key == r1.archive_key
    r3 = archive.archive_document(
        birth(), make_pdfa("v3"), orig, "hn01", "b-9", actor="admin.an", reprocess=True
    )
    assert r3.created and r3.archive_key != r1.archive_key
    assert archive.counts()["documents"] == 1
    assert archive.verify("doc-1").ok
    info = archive.show("doc-1")
    assert info["batch_id"] == "b-1" and info["branch"] == "hn01"
    [ev] = [e for e in info["timeline"] if e["kind"] == "reprocessed"]
    assert ev["actor"] == "admin.an" and ev["details"]["earlier"]["archive_key"] == r1.archive_key
    assert ev["details"]["earlier"]["fields"]["mother_name"]["corrected_value"] == "TRẦN BÍCH"
    f = {x["id"]: x for x in info["fields"]}["mother_name"]
    assert f["review_state"] == "corrected" and f["effective_value"] == "TRẦN BÍCH"
    assert f["version"] == 3


def test_failed_document_recorded_without_pdf(archive, tmp_path):
    r = make_result("bad-1")
    r.error = {"code": "bad_input", "message": "encrypted PDF"}
    rec = archive.archive_document(
        r, None, original(tmp_path, b"%PDF encrypted"), "hn01", "b-1", actor="tester"
    )
    assert rec.archive_key is None
    info = archive.show("bad-1")
    assert info["status"] == "failed"
    assert "failed" in [e["kind"] for e in info["timeline"]]
    assert archive.search("nguyen") == []


def test_events_unique_in_database(archive, tmp_path):
    archive.archive_document(
        birth(), make_pdfa("doc-1"), original(tmp_path), "hn01", "b-1", actor="tester"
    )
    assert archive.record_event(
        "doc-1", "ocr_done", actor="tester", idem_key="custom:1", details={"x": 1}
    )
    assert not archive.record_event(
        "doc-1", "ocr_done", actor="tester", idem_key="custom:1", details={"x": 1}
    )
    with archive.db.engine.connect() as c:
        n = c.execute(text("SELECT count(*) FROM events WHERE idem_key='custom:1'")).scalar()
    assert n == 1


def test_cli_commands(tmp_path, monkeypatch, capsys):
    from storage import commands

    home = tmp_path / "home"
    monkeypatch.setenv("SOHOA_HOME", str(home))
    for var in ("SOHOA_DATABASE_URL", "SOHOA_S3_ENDPOINT", "SOHOA_SIGNING_KEY"):
        monkeypatch.delenv(var, raising=False)
    a = Archive(settings_for(home))
    a.archive_document(
        birth(), make_pdfa("doc-1"), original(tmp_path), "hn01", "b-1", actor="tester"
    )
    a.close()

    assert commands.main(["search", "dang ky khai sinh", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits[0]["document_id"] == "doc-1"
    assert set(hits[0]) >= {
        "document_id",
        "document_type",
        "dossier_code",
        "score",
        "snippet",
        "archive_key",
    }
    assert commands.main(["search", "nguyen", "--type", "complaint", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    out = tmp_path / "out.pdf"
    assert commands.main(["get", "doc-1", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF-1.7")
    assert commands.main(["show", "doc-1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["document_id"] == "doc-1"
    assert commands.main(["show", "doc-1"]) == 0
    assert "timeline" in capsys.readouterr().out
    assert commands.main(["verify", "doc-1"]) == 0
    assert commands.main(["verify", str(out)]) == 0
    data = bytearray(out.read_bytes())
    data[200] ^= 0x01
    out.write_bytes(bytes(data))
    assert commands.main(["verify", str(out)]) == 1
    assert commands.main(["show", "missing"]) == 1
    assert commands.main(["search", "x", "--from", "2026-01-01", "--to", "2026-12-31"]) == 0


def test_concurrent_archiving_of_one_document(archive, tmp_path):
    """A redelivered message may archive the same document twice at once: one wins."""
    import threading

    pdf = make_pdfa("doc-1")
    orig = original(tmp_path)
    results, errors = [], []

    def run():
        try:
            results.append(
                archive.archive_document(birth(), pdf, orig, "hn01", "b-1", actor="tester")
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.archive_sha256 for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert archive.verify("doc-1").ok
    assert archive.counts()["events"] == 6


def test_dossier_code_attaches_only_in_its_branch_and_format(archive, tmp_path):
    """A code read from a QR or the print attaches the document to a dossier of the same
    branch with a code of the dossier-code format; anything else goes to QA with its reason."""
    code = "000.00.17.H26-261125-0042"
    archive.archive_document(birth("doc-1", dossier=code), make_pdfa("1"), original(tmp_path),
                             "hn01", "b-1", actor="tester")
    other = tmp_path / "other"
    other.mkdir()
    archive.archive_document(birth("doc-2", dossier=code), make_pdfa("2"), original(other),
                             "hn02", "b-2", actor="tester")
    archive.archive_document(birth("doc-3", dossier="abc"), make_pdfa("3"), original(other),
                             "hn01", "b-3", actor="tester")
    assert [d["document_id"] for d in archive.dossier(code)["documents"]] == ["doc-1"]
    for doc_id, reason in (("doc-2", "dossier_other_branch"), ("doc-3", "dossier_code_format")):
        info = archive.show(doc_id)
        assert info["dossier_code"] is None
        f = {x["id"]: x for x in info["fields"]}["dossier_code"]
        assert f["review_state"] == "pending" and reason in f["reasons"]
        [ev] = [e for e in info["timeline"] if e["kind"] == "dossier_refused"]
        assert ev["details"]["reason"] == reason
    with pytest.raises(DocumentNotFound):
        archive.dossier("abc")
