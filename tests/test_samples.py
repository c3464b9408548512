"""Fast checks of the sample generator and of the committed sample set (samples/scans)."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import unicodedata
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image

from samples import fake
from samples.contract import ALL_TYPES, DOC_TYPES, FIELDS
from samples.generate import generate_dataset, generate_document, generate_stack

SCANS = Path(__file__).resolve().parents[1] / "samples" / "scans"

# (id field, birth date field, gender field) triples that must agree where a type has them
ID_PAIRS = [
    ("id_number", "birth_date", "gender"),
    ("child_id_number", "child_birth_date", "child_gender"),
]


def norm(s: str) -> str:
    return " ".join(s.split())


def id_agrees(idn: str, birth: str, gender: str) -> bool:
    year = int(birth[:4])
    cg = (0 if year < 2000 else 2) + (1 if gender == "Nữ" else 0)
    return len(idn) == 12 and int(idn[3]) == cg and idn[4:6] == birth[2:4]


def check_value(kind: str, v: object) -> None:
    if v is None:
        return
    if kind == "date":
        dt.date.fromisoformat(str(v))
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(v))
    elif kind == "id_number":
        assert re.fullmatch(r"\d{9}|\d{10,14}", str(v)), v
    elif kind == "phone":
        assert re.fullmatch(r"0\d{9}", str(v)), v
    elif kind == "gender":
        assert v in ("Nam", "Nữ")
    elif kind == "number":
        assert isinstance(v, int | float)
    elif kind == "email":
        assert v == str(v).lower() and "@" in str(v)
    elif kind == "dossier_code":
        assert re.fullmatch(r"\d{3}\.\d{2}\.\d{2}\.H\d{2}-\d{6}-\d{4}", str(v)), v
    else:
        assert isinstance(v, str) and v == unicodedata.normalize("NFC", v) and v == norm(v)


def check_truth(doc_type: str, fields: dict, printed: dict, text: str) -> None:
    assert set(fields) == set(FIELDS[doc_type])
    for k, kind in FIELDS[doc_type].items():
        check_value(kind, fields[k])
    for k, p in printed.items():  # what the truth says was printed is on the page
        if k != "child_name" or doc_type != "child_passport_application":
            assert norm(p) in norm(text), (doc_type, k, p)


@pytest.mark.parametrize("doc_type", ALL_TYPES)
def test_every_type_has_its_fields(doc_type: str) -> None:
    for seed in range(3):
        s = generate_document(doc_type, random.Random(seed), level="clean")
        check_truth(doc_type, s.fields, s.printed, "\n".join(t.text for t in s.page_truth))
        assert all(p.dtype == np.uint8 and p.shape == (3508, 2480) for p in s.pages)
        assert all(t.text == unicodedata.normalize("NFC", t.text) for t in s.page_truth)
        for k, v in s.fields.items():  # every printed value has its box on its page
            if v is not None:
                b = s.boxes[k]
                assert (
                    1 <= b.page <= len(s.pages) and b.bbox[0] < b.bbox[2] and b.bbox[1] < b.bbox[3]
                )


def test_document_is_deterministic() -> None:
    a = generate_document("residence_change", random.Random(42), level="heavy")
    b = generate_document("residence_change", random.Random(42), level="heavy")
    assert a.truth() == b.truth()
    assert all(np.array_equal(x, y) for x, y in zip(a.pages, b.pages, strict=True))


def test_dataset_files_are_deterministic(tmp_path: Path) -> None:
    for d in ("a", "b"):
        generate_dataset(tmp_path / d, seed=5, count=3, types=["complaint", "other"])
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(names) == 6
    for n in names:
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes(), n


def test_id_numbers_agree_with_birth_and_gender() -> None:
    rng = random.Random(1)
    for _ in range(500):
        p = fake.person(rng, (0, 100))
        assert id_agrees(p.id_number, p.birth_date.isoformat(), p.gender), p
    for t in ("residence_change", "id_card_application", "citizen_id_card"):
        for seed in range(5):
            f = generate_document(t, random.Random(seed), level="clean").fields
            assert id_agrees(f["id_number"], f["birth_date"], f["gender"])
    for seed in range(5):
        f = generate_document("child_passport_application", random.Random(seed), level="clean")
        ff = f.fields
        assert id_agrees(ff["child_id_number"], ff["child_birth_date"], ff["child_gender"])


def test_formats() -> None:
    assert fake.fmt_number_vn(120.5) == "120,5"
    assert fake.fmt_number_vn(1200.0) == "1.200"
    assert fake.fmt_phone("0912345678", "intl") == "+84 912 345 678"
    assert fake.fmt_date(dt.date(1995, 3, 12), "words") == "ngày 12 tháng 03 năm 1995"
    assert fake.fmt_date(dt.date(1995, 3, 12), "dot", pad=False) == "12.3.1995"


def test_stack_dossiers_agree() -> None:
    st = generate_stack(random.Random(3), n_dossiers=3, level="clean")
    assert len(st.dossiers) == 3
    page = 1
    for d in st.dossiers:
        docs = d["documents"]
        assert docs[0]["document_type"] == "dossier_receipt"
        assert 2 <= len(docs) <= 5
        assert d["pages"][0] == page == docs[0]["pages"][0]
        for doc in docs:
            ids = [v for k, v in doc["fields"].items() if k.endswith("id_number")]
            names = [str(v).lower() for k, v in doc["fields"].items() if k.endswith("name")]
            if ids:
                assert d["applicant_id_number"] in ids, doc["document_type"]
            assert d["applicant_name"].lower() in names, doc["document_type"]
        page = d["pages"][1] + 1
    assert page - 1 == len(st.pages)


# ---- the committed set ----------------------------------------------------------------


def committed() -> list[Path]:
    return sorted(SCANS.glob("*.json"))


def page_count(path: Path) -> int:
    if path.suffix == ".pdf":
        with pikepdf.open(path) as pdf:
            return len(pdf.pages)
    with Image.open(path) as im:
        im.load()
        return getattr(im, "n_frames", 1)


def test_committed_set_covers_every_type() -> None:
    types = [json.loads(p.read_text()).get("document_type") for p in committed()]
    types = [t for t in types if t]
    for t in ALL_TYPES:
        assert types.count(t) >= 2, t
    assert any(p.name.startswith("stack_") for p in committed())
    assert all(t in ALL_TYPES for t in types)


@pytest.mark.parametrize("js", committed(), ids=lambda p: p.stem)
def test_committed_sample_opens(js: Path) -> None:
    truth = json.loads(js.read_text(encoding="utf-8"))
    img = js.with_name(truth["file"])
    assert img.exists() and img.stem == js.stem
    assert page_count(img) == len(truth["pages"])
    if "dossiers" in truth:
        for d in truth["dossiers"]:
            for doc in d["documents"]:
                check_value("dossier_code", d["dossier_code"])
                assert set(doc["fields"]) == set(FIELDS[doc["document_type"]])
        return
    text = "\n".join(p["text"] for p in truth["pages"])
    check_truth(truth["document_type"], truth["fields"], truth["printed"], text)


def test_every_committed_image_has_json() -> None:
    for f in SCANS.iterdir():
        if f.suffix in (".png", ".jpg", ".tiff", ".pdf"):
            assert f.with_suffix(".json").exists(), f
    assert set(DOC_TYPES) <= set(FIELDS)


def test_receipt_qr_holds_the_dossier_code() -> None:
    import cv2

    s = generate_document("dossier_receipt", random.Random(11), level="clean")
    code, _, _ = cv2.QRCodeDetector().detectAndDecode(s.pages[0])
    assert code == s.fields["dossier_code"]
    assert f"Mã hồ sơ: {code}" in s.page_truth[0].text
