"""Which OCR image helps Tesseract most? CER of four variants of the same upright page.

    .venv/bin/python benchmarks/preprocess_variants.py

gray: the page as scanned; flat: background-normalised (sohoa's default); flat+otsu: then
binarised by us; flat+med+otsu: median-denoised and binarised. Real pages with ground truth.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import cv2  # noqa: E402

from pipeline import ingest, ocr  # noqa: E402
from pipeline import preprocess as P  # noqa: E402
from pipeline.config import Limits, OcrSettings  # noqa: E402
from pipeline.textmetrics import cer  # noqa: E402

REAL = os.environ.get(
    "SOHOA_REALDATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "realdata")
)
CASES = [
    ("tesseract/phototest.tif", 1, "tesseract/phototest.txt", 300),
    ("tesseract/eurotext.tif", 1, "tesseract/eurotext.txt", 300),
    ("tesseract/8071_093.3B.tif", 1, "tesseract/8071_093.3B.txt", 300),
    ("tesseract/8087_054.3B.tif", 1, "tesseract/8087_054.3B.txt", 300),
    ("ocrmypdf/linn.png", 1, "ocrmypdf/linn.txt", 300),
    ("ocrmypdf/skew.pdf", 1, "ocrmypdf/linn.txt", 300),
    ("vn-admin/New_54.2014.QH13.pdf", 1, "vn-admin/New_54.2014.QH13.p1.txt", 200),
    ("vn-admin/New_54.2014.QH13.pdf", 2, "vn-admin/New_54.2014.QH13.p2.txt", 200),
]


def variants(gray, upscale):
    if upscale > 1:
        gray = cv2.resize(gray, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_CUBIC)
    flat = P.normalize_illumination(gray)
    otsu = cv2.THRESH_BINARY + cv2.THRESH_OTSU
    yield "gray", gray
    yield "flat", flat
    yield "flat+otsu", cv2.threshold(flat, 0, 255, otsu)[1]
    yield "flat+med+otsu", cv2.threshold(cv2.medianBlur(flat, 3), 0, 255, otsu)[1]


def main() -> None:
    limits = Limits()
    for rel, number, truth, dpi in CASES:
        settings = OcrSettings(render_dpi=dpi)
        source = ingest.open_source(os.path.join(REAL, rel), limits)
        page = ingest.load_page(source, number, limits, settings)
        prepared = P.prepare(page, settings)
        gray = P._straighten(P.to_gray(page.image), prepared.rotation, prepared.skew)
        reference = open(os.path.join(REAL, truth), encoding="utf-8").read()
        scores = []
        for name, image in variants(gray, prepared.ocr_scale):
            text = ocr.recognize(image, dpi=page.dpi * prepared.ocr_scale).text
            scores.append(f"{name}={cer(reference, text) * 100:.2f}%")
        print(f"{rel}#{number}: " + "  ".join(scores), flush=True)


if __name__ == "__main__":
    main()
