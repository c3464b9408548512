"""Real Tesseract on real pages: accuracy bounds, failure recording, the text layer."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from pipeline import ingest, ocr, preprocess
from pipeline.config import Limits, OcrSettings
from pipeline.model import StageTimeout
from pipeline.textmetrics import cer
from tests.conftest import run_sohoa

LIMITS = Limits()


def ocr_text(path, number=1, settings: OcrSettings | None = None) -> str:
    settings = settings or OcrSettings()
    source = ingest.open_source(path, LIMITS)
    prepared = preprocess.prepare(ingest.load_page(source, number, LIMITS, settings), settings)
    return ocr.recognize(prepared.ocr_image, dpi=prepared.dpi * prepared.ocr_scale).text


@pytest.mark.parametrize("name, bound", [
    ("phototest.tif", 0.01), ("eurotext.tif", 0.04), ("8071_093.3B.tif", 0.07),
])
def test_cer_on_tesseract_test_pages(realdata, name, bound):
    reference = (realdata / "tesseract" / name).with_suffix(".txt").read_text()
    assert cer(reference, ocr_text(realdata / "tesseract" / name)) < bound


def test_vietnamese_diacritics(realdata):
    assert "tiếng" in ocr_text(realdata / "tesseract" / "viet.tif")


def test_cong_bao_page_at_200_dpi(realdata):
    """The official gazette, rasterised at 200 dpi, against its own text layer."""
    reference = (realdata / "vn-admin" / "New_54.2014.QH13.p1.txt").read_text()
    text = ocr_text(realdata / "vn-admin" / "New_54.2014.QH13.pdf", 1,
                    OcrSettings(render_dpi=200))
    assert cer(reference, text) < 0.04
    assert "HẢI QUAN" in text.upper()


@pytest.mark.parametrize("variant", ["skew.pdf", "rotated_skew.pdf"])
def test_linn_variants_within_one_point_of_the_clean_page(realdata, variant):
    reference = (realdata / "ocrmypdf" / "linn.txt").read_text()
    clean = cer(reference, ocr_text(realdata / "ocrmypdf" / "linn.png"))
    assert cer(reference, ocr_text(realdata / "ocrmypdf" / variant)) <= clean + 0.01


def test_timeout_is_an_error_not_an_empty_page(realdata):
    source = ingest.open_source(realdata / "ocrmypdf" / "linn.png", LIMITS)
    settings = OcrSettings(page_timeout=0.05)
    prepared = preprocess.prepare(ingest.load_page(source, 1, LIMITS, settings), settings)
    with pytest.raises(StageTimeout):
        ocr.recognize(prepared.ocr_image, settings=settings)


def test_sohoa_ocr_writes_a_searchable_pdfa(realdata, tmp_path):
    out = tmp_path / "gazette.pdf"
    proc = run_sohoa("ocr", str(realdata / "vn-admin" / "New_54.2014.QH13.pdf"), "-o",
                     str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["page_count"] == 3 and result["ok"]
    words = result["pages"][0]["words"]
    assert words and {"text", "bbox", "confidence"} <= set(words[0])
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    reference = (realdata / "vn-admin" / "New_54.2014.QH13.p2.txt").read_text()
    page2 = text.split("\f")[1]
    assert cer(reference, page2) < 0.05, "the text layer reads back with its diacritics"


def test_a_word_in_the_pdf_sits_on_its_printed_box(realdata, tmp_path):
    """Selecting a word in a viewer selects that word: pdftotext -bbox puts each word of the
    text layer where OCR found it on the page image."""
    out = tmp_path / "photo.pdf"
    proc = run_sohoa("ocr", str(realdata / "tesseract" / "phototest.tif"), "-o", str(out),
                     "--json")
    assert proc.returncode == 0, proc.stderr
    page = json.loads(proc.stdout)["pages"][0]
    html = subprocess.run(["pdftotext", "-bbox", str(out), "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    import re

    boxes: dict[str, list] = {}
    for m in re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)<', html):
        boxes.setdefault(m[4], []).append(tuple(float(v) for v in m[:4]))
    pt_per_px = 72.0 / page["dpi"] / page["ocr_scale"]
    checked = 0
    for word in page["words"]:
        if word["text"] in ("quick", "brown", "jumped", "format."):
            x0, y0, x1, y1 = (v * pt_per_px for v in word["bbox"])
            bx0, by0, bx1, by1 = min(boxes[word["text"]],
                                     key=lambda b: abs(b[0] - x0) + abs(b[1] - y0))
            # Vertically, readers size the box from their own idea of the font's descent:
            # what matters is that it sits on the printed word, not on a neighbouring line.
            assert abs(bx0 - x0) < 2 and y0 < (by0 + by1) / 2 < y1
            assert abs(bx1 - x1) < 6  # the trailing space is part of the selection
            checked += 1
    assert checked >= 3


def test_an_image_region_that_reads_as_text_keeps_its_unsure_words():
    """Layout analysis took CT01's date line (6-7 pt blanks between 13 pt values) for an
    image; the stamp filter then dropped the date and "Nữ" read at 53-57. A region most of
    whose words read surely is text: all its words stay. A stamp keeps only its sure words."""
    from pipeline.model import OcrWord

    def words(*pairs):
        return [OcrWord(t, (i * 50, 0, i * 50 + 40, 20), c, 1, 1, 1001, i + 1)
                for i, (t, c) in enumerate(pairs)]

    line = words(("2.Naày,", 52), ("tháng", 89), ("nămsinh:", 89), ("Í3/", 23),
                 ("03/1974", 57), ("3.", 91), ("Giới", 97), ("tính:", 93), ("Nữ", 53))
    stamp = words(("UBND", 88), ("ả", 30), ("%", 12), ("xã", 41), ("ố", 22), ("Ø", 35))
    assert ocr._reads_as_text(line)
    assert not ocr._reads_as_text(stamp)


def _form_page(lines: list[str]):
    """A form's lines in DejaVu Sans at 300 dpi (13 pt), one every 84 px."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 42)
    image = Image.new("L", (2480, 200 + 84 * len(lines) + 200), 255)
    draw = ImageDraw.Draw(image)
    for k, text in enumerate(lines):
        draw.text((300, 200 + 84 * k), text, font=font, fill=0)
    return np.array(image)


def test_a_short_line_layout_analysis_leaves_out_is_read(monkeypatch):
    """The last word of a wrapped address alone before its dot leaders: Tesseract's layout
    analysis leaves the line out, and the address was read cut short (`…, Hà`) with every
    word it kept read surely. The letter-sized ink outside every line is read as a line, in
    its place after the line above."""
    image = _form_page([
        "Họ và tên người yêu cầu: Nguyễn Công Nghĩa",
        "Nơi cư trú: Số 1 phố Hai Bà Trưng, phường Phan Chu Trinh, quận Hoàn Kiếm, Hà",
        "Nội " + "." * 12,
        "Giấy tờ tùy thân: Căn cước công dân số 001202234509, cấp ngày 2/12/2023, nơi",
    ])
    settings = OcrSettings(languages="vie")
    page = ocr.recognize(image, dpi=300, settings=settings)
    assert "Hoàn Kiếm, Hà\nNội\n" in page.text
    monkeypatch.setattr(ocr, "_with_unfound_lines", lambda image, lines: lines)
    without = ocr.recognize(image, dpi=300, settings=settings)
    assert "Nội" not in without.text  # what layout analysis alone gives (else this test is moot)


def test_only_rows_of_letters_outside_the_lines_are_taken_for_lines():
    """Ink outside the layout's lines that is not a row of letters is no line: a rule, dot
    leaders, specks. A row of letters is, with room for the marks below it."""
    import cv2
    import numpy as np

    image = _form_page(["Họ và tên người yêu cầu: Nguyễn Công Nghĩa", "", "", "Hà Nội"])
    ys, xs = np.nonzero(image[:284] < 128)
    first = (1, 1, 1, (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())), "text")
    cv2.line(image, (300, 330), (2000, 330), 0, 3)  # a rule under the line
    for x in range(300, 1500, 24):
        cv2.circle(image, (x, 400), 3, 0, -1)  # dot leaders
    cv2.circle(image, (2200, 430), 2, 0, -1)  # a speck
    rows = ocr._unfound_rows(image, [first])
    assert len(rows) == 1
    x0, y0, x1, y1 = rows[0]
    ys, xs = np.nonzero(image[200 + 84 * 3:] < 128)
    assert x0 <= xs.min() + 2 and x1 >= xs.max() - 2  # "Hà Nội", dot below included
    assert y0 <= 200 + 84 * 3 + ys.min() and y1 >= 200 + 84 * 3 + ys.max()
    image[200 + 84 * 3:] = 255
    assert ocr._unfound_rows(image, [first]) == []


def test_a_line_of_dot_leaders_after_a_word_is_read_without_them():
    """A real line crop (`line_crop` of a generated land request in DejaVu Sans, 300 dpi): the
    end of a wrapped address, `Nội ................`, which Tesseract's single-line mode reads
    as nothing at all; the address was read cut short (`…, huyện Sóc Sơn, Hà`). Read again
    with its leaders blanked, the word comes back sure."""
    import cv2
    import tesserocr

    from pipeline.config import OcrSettings

    crop = cv2.imread(str(Path(__file__).parent / "data" / "dot-leaders-line.png"),
                      cv2.IMREAD_GRAYSCALE)
    settings = OcrSettings(languages="vie")
    api = ocr._engine(settings, "vie", tesserocr.PSM.SINGLE_LINE)
    deadline = time.perf_counter() + 30
    assert ocr._read_crop(api, crop, 300, deadline, 1) == []  # what Tesseract gives
    bare = ocr._without_leaders(crop)
    words = ocr._read_crop(api, bare, 300, deadline, 1)
    assert [w.text for w in words] == ["Nội"] and words[0].confidence >= 90
    # the letters and the dot under the ộ are kept; a line with no leaders is left alone
    assert (bare[:, :110] == crop[:, :110]).all()
    assert ocr._without_leaders(bare) is None
