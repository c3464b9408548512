"""Dossier assembly on a generated multi-dossier stack, through real preprocessing + OCR."""

from __future__ import annotations

import os
import random
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from classifiers import configure, looks_like_receipt  # noqa: E402
from extractors.dossier import assemble  # noqa: E402
from pipeline.config import Settings
from pipeline.model import OcrPage  # noqa: E402


def _ocr(args) -> dict:
    image, number, dpi = args
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
    return page.to_dict()


@pytest.fixture(scope="module")
def stack(request):
    from samples.generate import generate_stack

    configure(Settings.from_env().models_dir)
    st = generate_stack(random.Random("sohoa-tests/stack/1"), n_dossiers=2, level="clean")
    jobs = [
        (np.asarray(img), n, float(pt.dpi))
        for n, (img, pt) in enumerate(zip(st.pages, st.page_truth, strict=True), 1)
    ]
    with ProcessPoolExecutor(max_workers=2) as pool:  # afresh: no cached OCR
        pages = list(pool.map(_ocr, jobs))
    return st, [OcrPage.from_dict(p) for p in pages]


def test_stack_is_split_into_its_dossiers(stack):
    st, pages = stack
    got = assemble(pages, review_threshold=0.9)
    assert [d.code for d in got] == [d["dossier_code"] for d in st.dossiers]
    assert all(d.code_source == "qr" for d in got)
    for d, want in zip(got, st.dossiers, strict=True):
        slices = [d.receipt, *d.documents]
        assert [(s.page_numbers[0], s.page_numbers[-1]) for s in slices] == [
            tuple(doc["pages"]) for doc in want["documents"]
        ]
        assert [s.type for s in slices] == [doc["document_type"] for doc in want["documents"]]
        # same applicant on every document of a generated dossier: no cross-document flags
        assert not [i for i in d.issues if i.startswith("cross_document_id")], d.issues
