"""Orientation and deskew on real pages, with known rotations applied to them."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline import ingest, preprocess
from pipeline.config import Limits, OcrSettings
from pipeline.model import PageImage

LIMITS, OCR = Limits(), OcrSettings()


def load(path, number=1) -> PageImage:
    source = ingest.open_source(path, LIMITS)
    return ingest.load_page(source, number, LIMITS, OCR)


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate counter-clockwise by ``degrees`` (text then rises to the right)."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_CONSTANT, borderValue=255)


@pytest.mark.parametrize("name, rotation", [
    ("phototest.tif", 0), ("phototest-rotated-180.png", 180),
    ("phototest-rotated-L.png", 90), ("phototest-rotated-R.png", 270),
])
def test_orientation_of_tesseract_test_pages(realdata, name, rotation):
    prepared = preprocess.prepare(load(realdata / "tesseract" / name), OCR)
    assert prepared.rotation == rotation


def test_orientation_of_every_cardinal_page(realdata):
    """cardinal.pdf: the linn page at 0, 90, 180 and 270 degrees."""
    pages = [preprocess.prepare(load(realdata / "ocrmypdf" / "cardinal.pdf", n), OCR)
             for n in range(1, 5)]
    assert all(p.archive_image.shape[0] > p.archive_image.shape[1] for p in pages), \
        "after correction every page is upright (portrait)"
    assert sorted(p.rotation for p in pages) == [0, 90, 180, 270]


@pytest.mark.parametrize("angle", [-4.7, -2.2, -0.8, 1.3, 3.1, 5.0])
def test_deskew_leaves_less_than_half_a_degree(realdata, angle):
    page = load(realdata / "ocrmypdf" / "linn.png")
    page.image = rotate(page.image, angle)
    prepared = preprocess.prepare(page, OCR)
    assert prepared.rotation == 0
    assert abs(prepared.skew - angle) < 0.5
    # Measure the residual on the corrected page itself.
    again = preprocess.prepare(PageImage("", 1, prepared.archive_image, page.dpi), OCR)
    assert abs(again.skew) < 0.5


def test_upside_down_and_skewed(realdata):
    page = load(realdata / "ocrmypdf" / "linn.png")
    page.image = rotate(cv2.rotate(page.image, cv2.ROTATE_180), 2.5)
    prepared = preprocess.prepare(page, OCR)
    assert prepared.rotation == 180 and abs(prepared.skew - 2.5) < 0.5


def test_red_stamp_is_removed_from_the_ocr_image():
    rgb = np.full((600, 800, 3), 255, np.uint8)
    cv2.putText(rgb, "VAN BAN", (50, 300), cv2.FONT_HERSHEY_SIMPLEX, 3, (0, 0, 0), 8)
    cv2.circle(rgb, (400, 300), 150, (220, 30, 30), 12)  # red seal ring over the text
    gray = preprocess.to_gray(rgb)
    assert gray[300, 250] > 200 - 1 or gray[150, 400] > 200, "the red ring is bright"
    assert gray[150, 400] > 200
    assert gray[290, 100] < 80 or (gray[250:320, 50:500] < 80).any(), "black text stays dark"


def test_only_coarse_scans_are_upscaled_for_ocr(realdata):
    # A clean 200-dpi page is read as it is (enlarging such pages lost tone-marked words).
    clean = preprocess.prepare(load(realdata / "tesseract" / "phototest.tif"), OCR)
    assert clean.ocr_scale == 1.0
    assert clean.ocr_image.shape == clean.archive_image.shape[:2]
    # A ~100-dpi fax-like scan is enlarged twice.
    coarse = preprocess.prepare(load(realdata / "funsd" / "images" / "86244113.png"), OCR)
    assert coarse.ocr_scale == pytest.approx(2.0)
    h, w = coarse.archive_image.shape[:2]
    assert coarse.ocr_image.shape == (round(h * 2), round(w * 2))


def test_phone_photo_perspective_is_corrected(realdata):
    """A page photographed at an angle on a dark desk comes out as a rectangle."""
    page = load(realdata / "ocrmypdf" / "linn.png")
    src = cv2.resize(page.image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    h, w = src.shape
    canvas = (w + 400, h + 400)
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    target = np.float32([[260, 150], [w + 150, 230], [w + 260, h + 330], [120, h + 250]])
    matrix = cv2.getPerspectiveTransform(corners, target)
    photo = cv2.warpPerspective(src, matrix, canvas, borderValue=60)
    prepared = preprocess.prepare(PageImage("", 1, photo, page.dpi / 2), OCR)
    ph, pw = prepared.archive_image.shape[:2]
    # Four corners cannot tell the camera's focal length: proportions come back within 8%.
    assert abs(ph / pw - h / w) / (h / w) < 0.08, "the sheet's proportions are restored"
    assert prepared.archive_image.mean() > 200, "the dark desk is cut away"
