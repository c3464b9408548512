"""The archive's modules one by one: locks, records (dossier rule, duplicates), review queue,
read queries, verification (SQLite and the local store: the archive tests run the S3 +
PostgreSQL side)."""

from __future__ import annotations

import threading
import time

import pytest

from storage import locks, reads, records, review, verification
from storage.archive import Archive
from storage.db import init_db, utcnow
from tests.storage_fixtures import make_pdfa, make_result, settings_for


def test_document_lock_excludes_a_second_holder(tmp_path):
    db = init_db(f"sqlite:///{tmp_path / 'a.db'}")
    order: list[str] = []

    def second():
        with locks.document_lock(db, tmp_path, "doc-1"):
            order.append("second")

    with locks.document_lock(db, tmp_path, "doc-1"):
        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.3)
        order.append("first done")
    t.join(10)
    assert order == ["first done", "second"]
    with locks.document_lock(db, tmp_path, "doc-2"):  # other documents are not held up
        pass
    db.dispose()


@pytest.mark.parametrize("code,ok", [("000.00.17.H26-261125-0042", True), ("abc", False),
                                     ("000.00.17.H26-261125", False), ("", False)])
def test_dossier_code_format(code, ok):
    assert records.valid_dossier_code(code) is ok


@pytest.fixture
def archive(tmp_path):
    a = Archive(settings_for(tmp_path / "home"))
    yield a
    a.close()


def _original(tmp_path, name="scan.pdf", data=b"%PDF-1.4\n% original\n"):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_duplicate_receipt_is_an_event_and_nothing_else(archive, tmp_path):
    r = make_result("doc-1", fields={"child_name": "AN"}, needs_review=("child_name",),
                    dossier_code="000.00.17.H26-261125-0042")
    archive.archive_document(r, make_pdfa("1"), _original(tmp_path), "hn01", "b-1", actor="a")
    before = reads.show(archive.db, "doc-1")
    rec = archive.archive_document(r, make_pdfa("2"), _original(tmp_path), "hn02", "b-2",
                                   actor="b")
    assert rec.duplicate and rec.branch is None and rec.archive_key is None
    again = archive.archive_document(r, make_pdfa("3"), _original(tmp_path), "hn02", "b-2",
                                     actor="b")  # the same receipt replayed
    after = reads.show(archive.db, "doc-1")
    assert [d["batch_id"] for d in after["duplicates"]] == ["b-2"] and again.duplicate
    for key in ("branch", "batch_id", "dossier_code", "fields", "archive"):
        assert after[key] == before[key]
    rec = archive.archive_document(r, make_pdfa("4"), _original(tmp_path), "hn01", "b-3",
                                   actor="c")
    assert rec.duplicate and rec.branch == "hn01"  # same branch: it may know its own


def test_review_queue_and_item(archive, tmp_path):
    r = make_result("doc-1", fields={"child_name": "AN", "mother_name": "BINH"},
                    needs_review=("mother_name",))
    archive.archive_document(r, make_pdfa("1"), _original(tmp_path), "hn01", "b-1", actor="a")
    q = review.queue(archive.db)
    assert q["total"] == 1 and q["items"][0]["field"] == "mother_name"
    item = review.field_item(archive.db, q["items"][0]["field_id"])
    assert item["version"] == 1 and item["review_state"] == "pending"
    with pytest.raises(review.NotReviewable):
        review.decide(archive.db, archive.index, "doc-1", "mother_name", "accept", actor="",
                      version=1)
    with pytest.raises(review.NotReviewable):
        review.decide(archive.db, archive.index, "doc-1", "mother_name", "correct",
                      actor="qa", version=1, value="B", box=(1, 50, 0, 10, 10))  # x1 < x0
    out = review.decide(archive.db, archive.index, "doc-1", "mother_name", "accept",
                        actor="qa", version=1)
    assert out["version"] == 2 and review.queue(archive.db)["total"] == 0
    with pytest.raises(review.FieldNotFound):
        review.decide(archive.db, archive.index, "doc-1", "nope", "accept", actor="qa",
                      version=1)


def test_reopen_window_and_admin(archive, tmp_path, monkeypatch):
    r = make_result("doc-1", fields={"mother_name": "BINH"}, needs_review=("mother_name",))
    archive.archive_document(r, make_pdfa("1"), _original(tmp_path), "hn01", "b-1", actor="a")
    archive.decide("doc-1", "mother_name", "correct", actor="qa", version=1, value="BÌNH")
    monkeypatch.setattr(review, "REOPEN_SECONDS", 0.0)  # the minute has passed
    time.sleep(0.01)
    with pytest.raises(review.NotReviewable):
        archive.decide("doc-1", "mother_name", "reopen", actor="qa", version=2)
    out = archive.decide("doc-1", "mother_name", "reopen", actor="admin", version=2,
                         admin=True)
    assert out["review_state"] == "pending" and out["effective_value"] == "BINH"


def test_reads_and_verification(archive, tmp_path):
    r = make_result("doc-1", dossier_code="000.00.17.H26-261125-0042")
    archive.archive_document(r, make_pdfa("1"), _original(tmp_path), "hn01", "b-1", actor="a")
    d = reads.dossier(archive.db, "000.00.17.H26-261125-0042")
    assert [x["document_id"] for x in d["documents"]] == ["doc-1"] and d["timeline"]
    with pytest.raises(reads.DocumentNotFound):
        reads.dossier(archive.db, "000.00.17.H26-261125-9999")
    assert reads.counts(archive.db)["documents"] == 1
    pdf = archive.get_pdf("doc-1")
    assert verification.find_by_bytes(archive.db, pdf).id == "doc-1"
    assert verification.find_by_bytes(archive.db, b"%PDF other") is None
    assert utcnow()
