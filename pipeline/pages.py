"""The per-page work: load, preprocess, OCR, write the page's PDF. Runs in a worker process.

This is the only place that chains the page stages, so the embedded process pool and the
dramatiq workers do exactly the same thing for a page. A page that fails comes back as a
failed ``OcrPage`` with its reason: never as a page without text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pipeline import ingest, pdfa, preprocess
from pipeline.config import Limits, OcrSettings
from pipeline.model import OcrPage, PageStatus, SohoaError, SourceFile

PROBE_LINES = 8  # lines of a runner-up geometry read before deciding to read all of it


@dataclass(frozen=True)
class PageTask:
    source: SourceFile
    number: int
    document_id: str
    limits: Limits
    ocr: OcrSettings


@dataclass
class PageOutcome:
    page: OcrPage
    pdf: bytes | None  # the one-page PDF (image + invisible text), None when the page failed


def run_page(task: PageTask) -> PageOutcome:
    from pipeline import ocr  # Tesseract is loaded in the worker, never in the parent

    timings: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()
    try:
        image = ingest.load_page(task.source, task.number, task.limits, task.ocr,
                                 task.document_id)
        timings["ingest"] = time.perf_counter() - started
        prepared = preprocess.prepare(image, task.ocr)
        timings.update(prepared.timings)
        page = ocr.recognize(prepared.ocr_image, number=task.number,
                             dpi=prepared.dpi * prepared.ocr_scale, settings=task.ocr)
        timings.update(page.timings)
        prepared, page = second_opinion(image, prepared, page, task, timings)
        del image
        page.rotation, page.skew = prepared.rotation, prepared.skew
        page.ocr_scale, page.dpi = prepared.ocr_scale, prepared.dpi
        page.qr_codes = find_qr_codes(page, prepared)
        page.ink = word_ink(page, prepared)
        t = time.perf_counter()
        pdf = pdfa.page_pdf(prepared, page)
        timings["pdf.page"] = time.perf_counter() - t
    except SohoaError as exc:
        return PageOutcome(_failed(task.number, exc.to_dict(), timings), None)
    except Exception as exc:  # noqa: BLE001 - one bad page must not take the batch down
        error = {"code": "page_failed", "message": f"{type(exc).__name__}: {exc}"}
        return PageOutcome(_failed(task.number, error, timings), None)
    timings["page.total"] = time.perf_counter() - started
    timings["page.cpu"] = time.process_time() - cpu  # below page.total: the core was shared
    page.timings = timings
    return PageOutcome(page, pdf)


def second_opinion(image, prepared, page: OcrPage, task: PageTask, timings: dict):
    """A second reading when the first says the geometry was wrong: Tesseract saw vertical
    text lines (the page lies on its side), or the up/down call was close and the text reads
    badly (it may be upside down). Costs a second recognition on such pages only."""
    from pipeline import ocr

    orientation = prepared.orientation
    if page.vertical_share > 0.5:
        other = preprocess.prepare(image, task.ocr, axis=90 - prepared.rotation % 180)
    elif orientation is not None and orientation.alternative is not None \
            and _reads_badly(page):
        other = preprocess.prepare(image, task.ocr, forced=(orientation.alternative,
                                                            orientation.alternative_skew))
    else:
        return prepared, page
    if page.vertical_share <= 0.5:
        # Read the runner-up's first lines before all of it: on the 10 FUNSD scans read twice,
        # a wrong runner-up scored at most 0.39 of the page's own first lines, a right one
        # over 4 times; the full second reading cost 0.4-3.4 s a page.
        probe = ocr.recognize(other.ocr_image, number=task.number,
                              dpi=other.dpi * other.ocr_scale, settings=task.ocr,
                              max_lines=PROBE_LINES)
        timings["ocr.probe"] = probe.timings.get("ocr.recognize", 0.0)
        if _reading_score(probe) < _reading_score(_first_lines(page, PROBE_LINES)):
            return prepared, page
    other_page = ocr.recognize(other.ocr_image, number=task.number,
                               dpi=other.dpi * other.ocr_scale, settings=task.ocr)
    timings["ocr.second_opinion"] = other_page.timings.get("ocr.recognize", 0.0)
    if _reading_score(other_page) > _reading_score(page) or page.vertical_share > 0.5:
        return other, other_page
    return prepared, page


def _first_lines(page: OcrPage, count: int) -> OcrPage:
    """The page with only the words of its first ``count`` lines (in reading order)."""
    seen: list[tuple[int, int, int]] = []
    words = []
    for word in page.words:
        key = (word.block, word.paragraph, word.line)
        if key not in seen:
            if len(seen) == count:
                break
            seen.append(key)
        words.append(word)
    return OcrPage(number=page.number, width=page.width, height=page.height, words=words,
                   text="")


def _reads_badly(page: OcrPage) -> bool:
    return page.mean_confidence < 80 or len(page.words) < 30


def _reading_score(page: OcrPage) -> float:
    """Confident words, weighted by length: garbage from a sideways page scores low."""
    return sum(len(w.text) * w.confidence for w in page.words if w.confidence >= 60)


def find_qr_codes(page: OcrPage, prepared) -> list[str]:
    """Dossier codes from the QR code of receipt pages (only those: decoding costs time)."""
    try:
        from classifiers.cues import looks_like_receipt
        from classifiers.qr import decode_qr
    except ImportError:
        return []
    if not looks_like_receipt(page.text):
        return []
    return decode_qr(preprocess.to_gray(prepared.archive_image))


def word_ink(page: OcrPage, prepared) -> list[list[float]]:
    """Per-word ink features (colour, stroke, pressure) for handwriting detection."""
    try:
        from extractors.handwriting import word_ink as features
    except ImportError:
        return []
    return features(prepared.archive_image, prepared.ocr_image, page.words, prepared.ocr_scale)


def _failed(number: int, error: dict, timings: dict[str, float]) -> OcrPage:
    return OcrPage(number=number, width=0, height=0, words=[], text="",
                   status=PageStatus.FAILED, error=error, timings=timings)
