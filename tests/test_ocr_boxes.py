"""Digits written one per printed box, on the real CCCD application form (CC01,
``vn-forms/cccd.pdf``, Word's own PDF rasterised by poppler): its six rows of twelve boxes are
found, read as empty while blank, and read digit for digit once a number is typed into them;
a cell left empty or unreadable never shortens the number silently."""

from __future__ import annotations

import subprocess

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors import engine
from pipeline import boxes, ingest, pages
from pipeline.config import Limits, OcrSettings

LIMITS = Limits()
FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
NUMBER = "027186419833"


@pytest.fixture(scope="module")
def blank_cccd(realdata, tmp_path_factory):
    out = tmp_path_factory.mktemp("cccd") / "p1"
    subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", "-f", "1", "-l", "1",
                    str(realdata / "vn-forms" / "cccd.pdf"), str(out)], check=True, timeout=120)
    return next(out.parent.glob("p1*.png"))


def read_page(path):
    source = ingest.open_source(path, LIMITS)
    outcome = pages.run_page(pages.PageTask(source, 1, "test", LIMITS, OcrSettings()))
    assert outcome.pdf is not None, outcome.page.error
    return outcome.page


def typed_into_first_row(blank, tmp_path, digits: str) -> tuple[object, tuple]:
    """The blank form with ``digits`` typed one per box of its first row (a space leaves a
    box empty), centred as a clerk's tab stops put them."""
    gray = cv2.imread(str(blank), cv2.IMREAD_GRAYSCALE)
    row = boxes.find_box_rows(gray, 200.0)[0]
    image = Image.fromarray(gray)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 40)  # 14 pt at 200 dpi, the form's own size
    for digit, (x0, y0, x1, y1) in zip(digits, row.cells, strict=True):
        draw.text(((x0 + x1) / 2, (y0 + y1) / 2), digit, font=font, fill=0, anchor="mm")
    path = tmp_path / "filled.png"
    image.save(path, dpi=(200, 200))
    return path, row.bbox


def id_field(page):
    return engine.extract("id_card_application", [page], review_threshold=0.99)["id_number"]


def test_the_real_forms_rows_of_boxes_are_found(blank_cccd):
    gray = cv2.imread(str(blank_cccd), cv2.IMREAD_GRAYSCALE)
    rows = boxes.find_box_rows(gray, 200.0)
    # the applicant's number, then father, mother, spouse, representative, household head
    assert [len(r.cells) for r in rows] == [12] * 6
    for row in rows:
        widths = [c[2] - c[0] for c in row.cells]
        assert max(widths) - min(widths) <= 0.25 * np.median(widths)


def test_blank_boxes_give_no_digits_and_no_wall_marks(blank_cccd):
    page = read_page(blank_cccd)
    gray = cv2.imread(str(blank_cccd), cv2.IMREAD_GRAYSCALE)
    rows = boxes.find_box_rows(gray, 200.0)
    inside = [w.text for w in page.words for r in rows
              if r.bbox[0] <= (w.bbox[0] + w.bbox[2]) / 2 <= r.bbox[2]
              and r.bbox[1] <= (w.bbox[1] + w.bbox[3]) / 2 <= r.bbox[3]]
    assert inside == []


def test_a_number_typed_into_the_boxes_is_read_digit_for_digit(blank_cccd, tmp_path):
    path, bbox = typed_into_first_row(blank_cccd, tmp_path, NUMBER)
    page = read_page(path)
    f = id_field(page)
    plain = subprocess.run(["tesseract", str(path), "stdout", "-l", "vie"], capture_output=True,
                           text=True, timeout=120, check=True,
                           env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"}).stdout
    plain_line = next((ln for ln in plain.splitlines() if "CMND" in ln), "")
    assert f.value == NUMBER, (f.value, f.reasons, f"plain tesseract: {plain_line!r}")
    digits = [w for w in page.words if bbox[0] <= w.bbox[0] and w.bbox[2] <= bbox[2]
              and bbox[1] <= w.bbox[1] and w.bbox[3] <= bbox[3]]
    assert "".join(w.text for w in digits) == NUMBER  # one word per box, in order


def test_a_box_left_empty_never_shortens_the_number_silently(blank_cccd, tmp_path):
    path, bbox = typed_into_first_row(blank_cccd, tmp_path, NUMBER[:5] + " " + NUMBER[6:])
    page = read_page(path)
    f = id_field(page)
    assert f.needs_review and "unread_digit" in f.reasons, (f.value, f.reasons)
    assert "".join(w.text for w in page.words if bbox[0] <= w.bbox[0] and w.bbox[2] <= bbox[2]
                   and bbox[1] <= w.bbox[1] and w.bbox[3] <= bbox[3]
                   ) == NUMBER[:5] + boxes.UNREAD + NUMBER[6:]


def test_a_filled_box_without_one_digit_is_marked_not_dropped():
    filled = [(0, 0, 5, 5), None, (10, 0, 15, 5), (20, 0, 25, 5)]
    ranges = [(0, 5), (-1, -1), (10, 15), (20, 25)]
    # two marks read in the third box, none in the fourth: counts differ, so by position;
    # the empty box between filled ones is a lost digit
    symbols = [("0", 99.0, 2), ("1", 90.0, 11), ("7", 90.0, 14), ("4", 80.0, 12)]
    assert boxes.assign(symbols, ranges, filled) == [
        ("0", 99.0), (boxes.UNREAD, 0.0), (boxes.UNREAD, 0.0), (boxes.UNREAD, 0.0)]
    # empty boxes after the number are only empty
    assert boxes.assign([("5", 80.0, 2)], [(0, 5), (-1, -1)], [(0, 0, 5, 5), None]) == [
        ("5", 80.0), None]
    # as many digits as filled boxes pair in order, whatever their reported positions
    symbols = [("0", 99.0, 2), ("1", 90.0, 3), ("7", 90.0, 30)]
    assert boxes.assign(symbols, ranges, filled) == [("0", 99.0), (boxes.UNREAD, 0.0),
                                                     ("1", 90.0), ("7", 90.0)]
