"""OCR: one Tesseract recognition per page, in process, through tesserocr.

The Tesseract API is opened once per process and reused across pages (loading the vie+eng
models costs more than a page). A single ``Recognize`` gives everything: the words with boxes
and confidences (TSV) and the page text. ``OMP_THREAD_LIMIT=1`` must be set before this module
is imported: pages run in parallel across processes, and OpenMP threads inside Tesseract only
slow that down (5x measured here).
"""

from __future__ import annotations

import os
import time
import unicodedata
from pathlib import Path

import numpy as np

from pipeline.config import OcrSettings
from pipeline.model import OcrPage, OcrWord, SohoaError, StageTimeout

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
import tesserocr  # noqa: E402  (after the thread limit, which libtesseract reads at load)

TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
)


class OcrError(SohoaError):
    code = "ocr_failed"
    permanent = True


def find_tessdata(configured: str | None = None) -> str:
    for candidate in (configured, os.environ.get("TESSDATA_PREFIX"), *TESSDATA_CANDIDATES):
        if candidate and (Path(candidate) / "eng.traineddata").exists():
            return candidate
    raise OcrError("Tesseract language data not found (install tesseract-ocr-vie/-eng)",
                   code="tessdata_missing")


_engines: dict[tuple[str, str], tesserocr.PyTessBaseAPI] = {}


def _engine(settings: OcrSettings) -> tesserocr.PyTessBaseAPI:
    tessdata = find_tessdata(settings.tessdata)
    key = (tessdata, settings.languages)
    api = _engines.get(key)
    if api is None:
        try:
            api = tesserocr.PyTessBaseAPI(path=tessdata, lang=settings.languages,
                                          psm=tesserocr.PSM.AUTO)
        except RuntimeError as exc:
            raise OcrError(f"cannot start Tesseract with languages {settings.languages!r}: "
                           f"{exc}", code="tesseract_init") from exc
        _engines[key] = api
    return api


def recognize(image: np.ndarray, *, number: int = 1, dpi: float = 300.0,
              settings: OcrSettings | None = None) -> OcrPage:
    """Recognise one gray (or binary) uint8 page. Raises StageTimeout past the page limit."""
    settings = settings or OcrSettings()
    if image.ndim != 2 or image.dtype != np.uint8:
        raise OcrError("OCR expects an 8-bit gray image", code="bad_ocr_image")
    api = _engine(settings)
    h, w = image.shape
    image = np.ascontiguousarray(image)
    started = time.perf_counter()
    api.SetImageBytes(image.tobytes(), w, h, 1, w)
    api.SetSourceResolution(int(round(dpi)))
    finished = api.Recognize(timeout=int(settings.page_timeout * 1000))
    elapsed = time.perf_counter() - started
    if not finished:
        api.Clear()
        if elapsed >= settings.page_timeout * 0.95:
            raise StageTimeout(f"Tesseract took over {settings.page_timeout:.0f} s on page "
                               f"{number}", code="ocr_timeout")
        raise OcrError(f"Tesseract could not recognise page {number}")
    words = parse_tsv(api.GetTSVText(0))
    vertical = vertical_share(api)
    api.Clear()
    return OcrPage(number=number, width=w, height=h, words=words, text=page_text(words),
                   dpi=dpi, vertical_share=vertical, timings={"ocr.recognize": elapsed})


def vertical_share(api: tesserocr.PyTessBaseAPI) -> float:
    """Share of text blocks Tesseract's layout analysis read top-to-bottom: on a page we
    believed upright, vertical lines mean it lies on its side (free: no extra run)."""
    iterator = api.GetIterator()
    if iterator is None:
        return 0.0
    blocks = vertical = 0
    while True:
        try:
            _, direction, _, _ = iterator.Orientation()
        except RuntimeError:
            direction = None
        if direction is not None:
            blocks += 1
            vertical += direction == tesserocr.WritingDirection.TOP_TO_BOTTOM
        if not iterator.Next(tesserocr.RIL.BLOCK):
            break
    return vertical / blocks if blocks else 0.0


def parse_tsv(tsv: str) -> list[OcrWord]:
    """Words (level 5 rows) of Tesseract's TSV output, text in NFC."""
    words: list[OcrWord] = []
    for row in tsv.splitlines():
        cols = row.split("\t", 11)
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = unicodedata.normalize("NFC", cols[11]).strip()
        if not text:
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        words.append(OcrWord(
            text=text,
            bbox=(left, top, left + width, top + height),
            confidence=max(float(cols[10]), 0.0),
            block=int(cols[2]), paragraph=int(cols[3]), line=int(cols[4]), word=int(cols[5]),
        ))
    return words


def page_text(words: list[OcrWord]) -> str:
    """Words joined by spaces, lines by newlines, paragraphs by a blank line."""
    parts: list[str] = []
    previous: tuple[int, int, int] | None = None
    for word in words:
        line = (word.block, word.paragraph, word.line)
        if previous is None:
            pass
        elif line == previous:
            parts.append(" ")
        elif line[:2] == previous[:2]:
            parts.append("\n")
        else:
            parts.append("\n\n")
        parts.append(word.text)
        previous = line
    return "".join(parts)
