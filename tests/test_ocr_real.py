"""The per-page language and preprocessing decisions on real pages, each reading bounded by
plain Tesseract's on the same page, run in the same test (no cached readings).

A few pages only (the whole set is benchmarks/ocr_bench.py): a clean 200-dpi Công báo page
(Vietnamese, no upscaling), Tesseract's English test page (English chosen per page), a
coarse FUNSD scan (upscaled 2x) and an upside-down page (turned back).
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter

import pytest

from pipeline import ingest, pages
from pipeline.config import Limits, OcrSettings
from pipeline.textmetrics import cer, normalize_for_cer

LIMITS = Limits()


def word_recall(truth: str, reading: str) -> float:
    ref, got = Counter(normalize_for_cer(truth).split()), Counter(normalize_for_cer(reading)
                                                                  .split())
    return sum(min(n, got[w]) for w, n in ref.items()) / sum(ref.values())


def sohoa_page(path):
    """The page through sohoa's own page stages (ingest, preprocess, OCR, second opinion)
    with the default settings."""
    settings = OcrSettings()
    assert settings.languages == "vie"
    source = ingest.open_source(path, LIMITS)
    outcome = pages.run_page(pages.PageTask(source, 1, "test", LIMITS, settings))
    assert outcome.pdf is not None, outcome.page.error
    return outcome.page


def plain_tesseract(path, language: str) -> str:
    proc = subprocess.run(["tesseract", str(path), "stdout", "-l", language],
                          capture_output=True, text=True, timeout=120, check=True,
                          env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
    return proc.stdout


@pytest.fixture(scope="module")
def congbao_200(realdata, tmp_path_factory):
    out = tmp_path_factory.mktemp("congbao") / "p3"
    subprocess.run(["pdftoppm", "-r", "200", "-gray", "-tiff", "-tiffcompression", "lzw",
                    "-f", "3", "-l", "3", str(realdata / "vn-admin" / "New_54.2014.QH13.pdf"),
                    str(out)], check=True, timeout=120)
    return next(out.parent.glob("p3*.tif"))


def test_clean_200_dpi_vietnamese_page_read_as_is_in_vie(realdata, congbao_200):
    truth = (realdata / "vn-admin" / "New_54.2014.QH13.p3.txt").read_text()
    page = sohoa_page(congbao_200)
    plain = plain_tesseract(congbao_200, "vie")
    assert page.language == "vie"
    assert page.ocr_scale == 1.0  # a clean 200-dpi page is not upscaled
    assert page.rotation == 0
    # Reading each line with the space above it keeps the tone marks on circumflexes,
    # which plain Tesseract drops (khẩu read as khâu): fewer errors than plain vie.
    assert cer(truth, page.text) <= min(0.02, cer(truth, plain))
    assert word_recall(truth, page.text) >= max(0.95, word_recall(truth, plain) - 0.005)
    assert "khẩu" in page.text and "xuất" in page.text


def test_english_page_read_in_english(realdata):
    path = realdata / "tesseract" / "phototest.tif"
    truth = path.with_suffix(".txt").read_text()
    page = sohoa_page(path)
    assert page.language == "eng"
    assert cer(truth, page.text) <= cer(truth, plain_tesseract(path, "eng")) + 0.005


def test_coarse_scan_upscaled_and_read_at_least_as_well(realdata):
    name = "86244113"
    path = realdata / "funsd" / "images" / f"{name}.png"
    form = json.loads((realdata / "funsd" / "annotations" / f"{name}.json").read_text())
    truth = " ".join(w["text"] for e in form["form"] for w in e["words"] if w["text"])
    page = sohoa_page(path)
    assert page.ocr_scale == 2.0  # about 100 dpi: enlarged twice
    assert page.language == "eng"
    assert word_recall(truth, page.text) >= word_recall(truth, plain_tesseract(path, "eng"))


def test_upside_down_page_turned_back(realdata):
    path = realdata / "tesseract" / "phototest-rotated-180.png"
    truth = (realdata / "tesseract" / "phototest.txt").read_text()
    page = sohoa_page(path)
    assert page.rotation == 180
    plain = plain_tesseract(path, "eng")
    assert cer(truth, page.text) < 0.02 < cer(truth, plain)  # plain Tesseract reads garbage


def funsd_truth(realdata, name: str) -> str:
    form = json.loads((realdata / "funsd" / "annotations" / f"{name}.json").read_text())
    return " ".join(w["text"] for e in form["form"] for w in e["words"] if w["text"])


def test_scan_turned_the_wrong_way_is_read_the_right_way(realdata):
    # The ink around the lines calls this upright FUNSD form upside down (0.75 sure); its
    # runner-up's first lines read far better, so the whole page is read the right way up.
    name = "93106788"
    path = realdata / "funsd" / "images" / f"{name}.png"
    page = sohoa_page(path)
    assert "ocr.probe" in page.timings and "ocr.second_opinion" in page.timings
    assert page.rotation == 0
    truth = funsd_truth(realdata, name)
    assert word_recall(truth, page.text) >= word_recall(truth, plain_tesseract(path, "eng"))


def test_unsure_upright_scan_is_not_read_twice(realdata):
    # Upright, unsure (upside down is the runner-up) and reading badly: the runner-up's first
    # lines read worse than the page's own, so the page is not read a second time.
    name = "87528380"
    path = realdata / "funsd" / "images" / f"{name}.png"
    page = sohoa_page(path)
    assert "ocr.probe" in page.timings and "ocr.second_opinion" not in page.timings
    assert page.rotation == 0
    truth = funsd_truth(realdata, name)
    assert word_recall(truth, page.text) >= word_recall(truth, plain_tesseract(path, "eng"))


def test_strong_rival_readings_mark_the_doubtful_words(realdata, congbao_200):
    """Each word keeps the surest other reading Tesseract weighed for any of its characters
    (``OcrWord.rival``): on a real page, words read with a strong rival are wrong far more
    often than words read with none, so the confidence model can use it; it survives the
    page's serialisation (the OCR sidecar, the calibration sets)."""
    from pipeline.model import OcrPage
    from pipeline.textmetrics import normalize_for_cer

    truth = Counter(normalize_for_cer(
        (realdata / "vn-admin" / "New_54.2014.QH13.p3.txt").read_text()).split())
    page = sohoa_page(congbao_200)

    def wrong_share(words):
        return sum(normalize_for_cer(w.text) not in truth for w in words) / len(words)

    strong = [w for w in page.words if w.rival >= 50]
    none = [w for w in page.words if w.rival == 0]
    assert len(strong) >= 5 and len(none) >= 100
    assert wrong_share(strong) >= 2 * wrong_share(none) + 0.05
    again = OcrPage.from_dict(page.to_dict(exact=True))
    assert [w.rival for w in again.words] == [w.rival for w in page.words]
