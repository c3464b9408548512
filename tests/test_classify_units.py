"""Title cues, receipt detection, QR decoding and the classifier's decision rule (no OCR)."""

from __future__ import annotations

import time

import numpy as np
import qrcode

from classifiers.classify import _combine
from classifiers.cues import looks_like_receipt, title_cue
from classifiers.qr import decode_qr


def test_title_cues_tolerate_ocr_errors_and_wrapping():
    assert title_cue("CỘNG HÒA XÃ HỘI\nTỜ KHAI ĐĂNG KÝ KHAI SINH\nKính gửi").document_type == (
        "birth_registration"
    )
    assert title_cue("TO KHAI DANG KY KHAI TU").document_type == "death_registration"
    assert title_cue("TỜ KHAl ĐĂNG KÝ NHẬN CHA, MẸ, C0N").document_type == (
        "parent_child_recognition"
    )
    t = title_cue(
        "TỜ KHAI\nĐề nghị cấp hộ chiếu phổ thông ở trong nước\ndành cho người chưa đủ 14 tuổi"
    )
    assert t.document_type == "child_passport_application"
    # the longer title wins over the card's own title it contains
    assert title_cue("TỜ KHAI CĂN CƯỚC CÔNG DÂN").document_type == "id_card_application"
    assert title_cue("CĂN CƯỚC CÔNG DÂN\nCitizen Identity Card").document_type == "citizen_id_card"
    assert title_cue("ĐƠN KHỞI KIỆN") is None
    assert title_cue("Dear Sir, thank you for your letter") is None


def test_receipt_detection_is_cheap_and_right():
    assert looks_like_receipt("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ\nMã hồ sơ: 000.01")
    assert looks_like_receipt("HÓA ĐƠN BÁN HÀNG\nTổng cộng: 120.000 đ")
    assert not looks_like_receipt("TỜ KHAI ĐĂNG KÝ KHAI SINH\nKính gửi: UBND phường")
    t = time.perf_counter()
    for _ in range(100):
        looks_like_receipt("TỜ KHAI ĐĂNG KÝ KHAI SINH\n" * 40)
    assert (time.perf_counter() - t) / 100 < 0.005


def test_decode_qr_on_a_page():
    page = np.full((3508, 2480), 255, np.uint8)
    code = "000.00.17.H26-261125-0042"
    q = np.asarray(qrcode.make(code).get_image().convert("L").resize((300, 300)))
    page[300:600, 300:600] = q
    assert decode_qr(page) == [code]
    assert decode_qr(np.full((1000, 700), 255, np.uint8)) == []


def test_decision_rule():
    cats = {"birth_registration": 0.7, "other": 0.2, "complaint": 0.1}
    from classifiers.cues import TitleCue

    c = _combine(TitleCue("birth_registration", 98.0, 1, "x"), dict(cats), [])
    assert c.document_type == "birth_registration" and c.confidence > 0.95
    # no title: only a very sure categorizer names a type
    c = _combine(None, dict(cats), [])
    assert c.document_type == "other" and "no_title" in c.cues
    c = _combine(None, {"complaint": 0.97, "other": 0.03}, [])
    assert c.document_type == "complaint"
