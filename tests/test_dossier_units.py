"""Stack splitting and cross-document checks on hand-made pages (no OCR)."""

from __future__ import annotations

from extractors.dossier import assemble, split_stack
from pipeline.model import Classification, OcrPage, OcrWord


def page(number: int, lines: list[str], qr: list[str] | None = None) -> OcrPage:
    words = []
    for li, line in enumerate(lines):
        x = 100
        for wi, token in enumerate(line.split()):
            w = 22 * len(token)
            words.append(
                OcrWord(token, (x, 100 + 80 * li, x + w, 140 + 80 * li), 96.0, 1, li, li, wi)
            )
            x += w + 22
    # the ink of printed toner: neutral, even strokes (as the page stage measures them)
    ink = [[*w.bbox, 0.0, 0.0, 1.0, 0.2, 0.05, 1.0] for w in words]
    return OcrPage(number, 2480, 3508, words, "\n".join(lines), qr_codes=qr or [], ink=ink)


def fake_classifier(p: OcrPage) -> Classification:
    first = p.text.splitlines()[0] if p.text else ""
    table = {
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ": "dossier_receipt",
        "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ": "residence_change",
        "CĂN CƯỚC CÔNG DÂN": "citizen_id_card",
        "ĐỀ NGHỊ HƯỞNG TRỢ CẤP THẤT NGHIỆP": "unemployment_benefit_request",
    }
    if first in table:
        return Classification(table[first], 0.99, [f"title:{table[first]}:99"])
    return Classification("other", 0.5, ["no_title"])


RECEIPT = [
    "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "Mã hồ sơ: 000.03.17.H26-250312-0042",
    "Ông/Bà: NGUYỄN VĂN AN",
    "Số định danh cá nhân: 001080012345",
]
FORM = [
    "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
    "1. Họ, chữ đệm và tên: NGUYỄN VĂN AN",
    "2. Ngày, tháng, năm sinh: 01/02/1980 3. Giới tính: Nam",
    "4. Số định danh cá nhân: 001080012345",
]
CARD = [
    "CĂN CƯỚC CÔNG DÂN",
    "Số / No.: 001080099999",
    "Họ và tên / Full name:",
    "NGUYỄN VĂN AN",
]


def test_split_receipts_continuations_and_codes():
    pages = [
        page(1, RECEIPT, qr=["000.03.17.H26-250312-0042"]),
        page(2, FORM),
        page(3, ["ĐỀ NGHỊ HƯỞNG TRỢ CẤP THẤT NGHIỆP", "Kính gửi: Trung tâm"]),
        page(4, ["Nơi đề nghị nhận trợ cấp thất nghiệp: Qua thẻ ATM"]),  # page 2 of the form
        page(5, ["GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mã hồ sơ: 000.05.17.H26-250401-0007"]),
        page(6, CARD),
    ]
    ds = split_stack(pages, classify_page=fake_classifier)
    assert [d.code for d in ds] == ["000.03.17.H26-250312-0042", None]
    assert [d.receipt_pages for d in ds] == [[1], [5]]
    assert [(s.type, s.page_numbers) for s in ds[0].documents] == [
        ("residence_change", [2]),
        ("unemployment_benefit_request", [3, 4]),
    ]
    assert [(s.type, s.page_numbers) for s in ds[1].documents] == [("citizen_id_card", [6])]
    full = assemble(pages, review_threshold=0.9, classify_page=fake_classifier)
    assert full[1].code == "000.05.17.H26-250401-0007" and full[1].code_source == "printed"
    assert full[0].code_source == "qr"


def test_cross_document_mismatch_is_flagged():
    form = list(FORM)
    form[3] = "4. Số định danh cá nhân: 001080054321"
    pages = [page(1, RECEIPT, qr=["000.03.17.H26-250312-0042"]), page(2, form), page(3, CARD)]
    (d,) = assemble(pages, review_threshold=0.0, classify_page=fake_classifier)
    f = d.documents[0].fields["id_number"]
    assert f.needs_review and "cross_document_id_mismatch" in f.reasons
    r = d.receipt.fields["applicant_id_number"]
    assert "cross_document_id_mismatch" in r.reasons
    card = d.documents[1].fields["id_number"]
    assert "cross_document_id_mismatch" in card.reasons
    # the card's name agrees: no cross-document reason (the confidence model decides the rest)
    assert not [r for r in d.documents[1].fields["full_name"].reasons if r.startswith("cross")]


def test_matching_dossier_has_no_flags():
    card = list(CARD)
    card[1] = "Số / No.: 001080012345"
    pages = [page(1, RECEIPT), page(2, FORM), page(3, card)]
    (d,) = assemble(pages, review_threshold=0.0, classify_page=fake_classifier)
    assert d.issues == []
    assert d.code == "000.03.17.H26-250312-0042"
