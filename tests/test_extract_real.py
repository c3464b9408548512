"""Classification and extraction on real Tesseract output of generated samples, and `other`
on real documents that are none of the contract types.

The samples are OCR'd once per session (pipeline preprocessing + tesserocr, as production);
results are cached in pytest's cache keyed by the image bytes, so a re-run with an unchanged
generator does not OCR again.
"""

from __future__ import annotations

import json
import os
import random
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from classifiers import classify, configure, looks_like_receipt  # noqa: E402
from extractors import extract, field_kinds, to_contract_json  # noqa: E402
from pipeline.config import Settings
from pipeline.model import OcrPage  # noqa: E402
from samples.contract import ALL_TYPES  # noqa: E402
from tests.conftest import REALDATA  # noqa: E402

TYPES = list(ALL_TYPES)


def ocr(image: np.ndarray, number: int = 1, dpi: float = 300.0) -> OcrPage:
    from classifiers.qr import decode_qr
    from pipeline import preprocess
    from pipeline.config import OcrSettings
    from pipeline.model import PageImage
    from pipeline.ocr import recognize

    settings = OcrSettings()
    prepared = preprocess.prepare(PageImage("test", number, image, dpi), settings)
    page = recognize(
        prepared.ocr_image, number=number, dpi=prepared.dpi * prepared.ocr_scale, settings=settings
    )
    if looks_like_receipt(page.text):
        page.qr_codes = decode_qr(preprocess.to_gray(prepared.archive_image))
    from pipeline.pages import word_ink

    page.ink = word_ink(page, prepared)  # as the page stage does: handwriting is told by ink
    return page


def _ocr_job(args):
    image, number, dpi = args
    return ocr(image, number, dpi).to_dict()


def ocr_many(images: list[tuple[np.ndarray, int, float]]) -> list[OcrPage]:
    """OCR pages in two processes, afresh on every run (a cached reading would hide an OCR
    regression)."""
    with ProcessPoolExecutor(max_workers=2) as pool:
        return [OcrPage.from_dict(d) for d in pool.map(_ocr_job, images)]


@pytest.fixture(scope="module")
def model_dir():
    """The categorizer is trained once (deterministically) and cached where the CLI keeps it."""
    d = Settings.from_env().models_dir
    configure(d)
    return d


@pytest.fixture(scope="module")
def samples(request, model_dir):
    """One generated document per type (light degradation), OCR'd."""
    from samples.generate import generate_document

    docs = []
    for i, t in enumerate(TYPES):
        rng = random.Random(f"sohoa-tests/{t}/{i}")
        s = generate_document(t, rng, level="clean" if i % 2 else "light")
        docs.append(s)
    flat = [
        (img, n, float(pt.dpi))
        for s in docs
        for n, (img, pt) in enumerate(zip(s.pages, s.page_truth, strict=True), 1)
    ]
    pages = ocr_many(flat)
    out, k = {}, 0
    for s in docs:
        out[s.document_type] = (s, pages[k : k + len(s.pages)])
        k += len(s.pages)
    return out


@pytest.mark.parametrize("doc_type", TYPES)
def test_each_type_is_classified(samples, doc_type):
    _, pages = samples[doc_type]
    c = classify(pages)
    assert c.document_type == doc_type, c
    assert 0.5 <= c.confidence <= 1.0
    assert c.cues


def _same(kind, got, want):
    """The contract's comparison: names case-insensitive, text by similarity, rest exact."""
    from rapidfuzz import fuzz

    if got is None or want is None:
        return got is None and want is None
    if kind == "name":
        return str(got).casefold() == str(want).casefold()
    if kind == "text":
        return fuzz.ratio(str(got).casefold(), str(want).casefold()) >= 90
    return got == want


def test_fields_of_every_type(samples):
    """Fields accepted without review are right; most fields are found."""
    total = right = 0
    for doc_type, (s, pages) in samples.items():
        if doc_type == "other":
            continue
        fields = extract(doc_type, pages, review_threshold=0.9)
        assert list(fields) == list(field_kinds(doc_type))
        for fid, want in s.fields.items():
            f = fields[fid]
            ok = _same(f.kind, f.value, want)
            total += 1
            right += bool(ok)
            if not f.needs_review:
                assert ok, (doc_type, fid, f.value, want, f.confidence)
            else:
                assert f.reasons, (doc_type, fid)
            if f.value is not None:
                assert f.page is not None and f.bbox is not None
                x0, y0, x1, y1 = f.bbox
                page = pages[f.page - 1]
                assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
    assert right / total >= 0.85, (right, total)


@pytest.fixture(scope="module")
def plain_samples():
    """The residence and land forms with the values typed in place of the dots (a value typed
    over the dotted line is OCR's harder case, covered in test_extract_layouts)."""
    from samples.generate import generate_document, random_style

    docs = {}
    for i, t in enumerate(("residence_change", "land_allocation_request")):
        rng = random.Random(f"sohoa-tests/plain/{t}/{i}")
        style = random_style(rng)
        style.leaders = "none"
        docs[t] = generate_document(t, rng, style=style, level="light")
    flat = [(s.pages[0], 1, float(s.page_truth[0].dpi)) for s in docs.values()]
    return {t: (s, [p]) for (t, s), p in zip(docs.items(), ocr_many(flat), strict=True)}


def test_kinds_are_normalized(plain_samples):
    samples = plain_samples
    s, pages = samples["residence_change"]
    fields = extract("residence_change", pages, review_threshold=0.9)
    assert fields["phone"].value == s.fields["phone"]  # printed plain/grouped/+84/dotted
    assert fields["birth_date"].value == s.fields["birth_date"]  # ISO whatever the print
    assert fields["gender"].value in ("Nam", "Nữ")
    assert fields["id_number"].value.isdigit() and len(fields["id_number"].value) == 12
    s, pages = samples["land_allocation_request"]
    fields = extract("land_allocation_request", pages, review_threshold=0.9)
    assert fields["land_area_m2"].value == s.fields["land_area_m2"]  # Vietnamese decimals


def test_contract_json(samples):
    s, pages = samples["birth_registration"]
    c = classify(pages)
    fields = extract(c.document_type, pages, review_threshold=0.9)
    out = to_contract_json("scan-0001.pdf", c, pages, fields)
    json.dumps(out, ensure_ascii=False)
    assert out["file"] == "scan-0001.pdf" and out["document_type"] == "birth_registration"
    assert isinstance(out["document_type_confidence"], float) and out["pages"] == len(pages)
    assert set(out["fields"]) == set(field_kinds("birth_registration"))
    for f in out["fields"].values():
        assert set(f) == {"value", "confidence", "page", "bbox", "needs_review", "handwritten",
                          "handwriting_score"}
        assert 0.0 <= f["confidence"] <= 1.0
        if f["value"] is None:
            assert f["confidence"] == 0.0 and f["needs_review"] is True
        else:
            assert isinstance(f["page"], int) and len(f["bbox"]) == 4
    assert out["fields"]["child_birth_date"]["value"] == s.fields["child_birth_date"]


def _real_images():
    from PIL import Image

    files = [
        REALDATA / "vn-admin" / "anh12.png",
        REALDATA / "vn-admin" / "don-khoi-kien-vu-an-hanh-chinh-9418.png",
        REALDATA / "tesseract" / "phototest.tif",
        REALDATA / "tesseract" / "8087_054.3B.tif",
        *sorted((REALDATA / "funsd" / "images").glob("*.png"))[:3],
    ]
    out = []
    for f in files:
        if f.exists():
            im = Image.open(f)
            dpi = float((im.info.get("dpi") or (300, 300))[0] or 300)
            if "funsd" in str(f):
                dpi = 100.0
            out.append((f.name, np.asarray(im.convert("L")), dpi))
    return out


@pytest.fixture(scope="module")
def real_pages(request, model_dir):
    imgs = _real_images()
    if not imgs:
        pytest.skip("shared real documents not available")
    pages = ocr_many([(img, 1, dpi) for _, img, dpi in imgs])
    return [(name, p) for (name, _, _), p in zip(imgs, pages, strict=True)]


def test_real_non_forms_are_other(real_pages):
    for name, page in real_pages:
        c = classify([page])
        assert c.document_type == "other", (name, c)
