"""Learning from QA on a real embedded archive (local folder + SQLite): reviewed fields become
labelled examples, and export-reviews writes their crops and labels."""

from __future__ import annotations

import dataclasses
import json

from extractors import extract, learn
from pipeline.model import Classification, DocumentResult, OcrPage, OcrWord
from storage.archive import Archive
from storage.reviewed import reviewed_fields
from tests.storage_fixtures import make_pdfa, settings_for

LINES = [
    "TỜ KHAI ĐĂNG KÝ KHAI SINH",
    "Kính gửi: Ủy ban nhân dân phường Kim Liên",
    "Họ, chữ đệm, tên người yêu cầu: Trần Thị Mai",
    "Quan hệ với người được khai sinh: Mẹ đẻ",
]


def _page() -> OcrPage:
    words = []
    for li, line in enumerate(LINES):
        x = 100
        for wi, token in enumerate(line.split()):
            w = 22 * len(token)
            words.append(OcrWord(token, (x, 100 + 80 * li, x + w, 140 + 80 * li), 95.0, 1, li,
                                 li, wi))
            x += w + 22
    ink = [[*w.bbox, 0.0, 0.0, 1.0, 0.2, 0.05, 1.0] for w in words]  # printed toner
    return OcrPage(number=1, width=2480, height=3508, words=words, text="\n".join(LINES),
                   ink=ink)


def test_reviews_become_examples_and_crops(tmp_path):
    page = _page()
    fields = extract("birth_registration", [page], review_threshold=0.9)
    # QA reviews these two (only pending fields can be decided)
    fields = {k: (dataclasses.replace(f, needs_review=True)
                  if k in ("receiver", "requester_name") else f) for k, f in fields.items()}
    result = DocumentResult(document_id="doc-learn-1", file="scan.pdf", sha256=None, kind="pdf",
                            pages=[page],
                            classification=Classification("birth_registration", 0.99, []),
                            fields=fields)
    orig = tmp_path / "scan.pdf"
    pdf = make_pdfa("learn")
    orig.write_bytes(pdf)
    with Archive(settings_for(tmp_path / "home")) as archive:
        archive.archive_document(result, pdf, orig, branch="hn01", batch_id="b-1",
                                 actor="scanner.mai")
        archive.decide("doc-learn-1", "receiver", "accept", actor="qa.lan", version=None)
        archive.decide("doc-learn-1", "requester_name", "correct", actor="qa.lan",
                       version=None, value="Trần Thị Mai Anh")
        rows = {r.field_id: r for r in reviewed_fields(archive.db)}
        assert set(rows) == {"receiver", "requester_name"}
        assert rows["requester_name"].decision == "correct"
        assert rows["requester_name"].actor == "qa.lan"
        assert rows["requester_name"].final == "Trần Thị Mai Anh"
        exs, skipped = learn.examples(archive)
        labels = {e.field_id: e.ok for e in exs}
        # accepted: the value read is right; corrected: the value read was wrong
        assert labels == {"receiver": True, "requester_name": False} and skipped == 0
        assert learn.calibrate_from_reviews(archive=archive) == 1  # too few to refit
        out = tmp_path / "export"
        assert learn.export_reviews(out, archive=archive) == 0
        lines = [json.loads(x) for x in (out / "labels.jsonl").read_text().splitlines()]
        assert {x["field_id"] for x in lines} == {"receiver", "requester_name"}
        for x in lines:
            assert x["crop"] and (out / x["crop"]).stat().st_size > 0
