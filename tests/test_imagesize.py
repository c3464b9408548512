"""Decoded sizes from the images' own headers, checked before any decoder runs."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pikepdf
import pytest
from PIL import Image

from pipeline import imagesize, ingest, poppler
from pipeline.config import Limits, OcrSettings
from pipeline.model import LimitExceeded
from tests import bombs

LIMITS = Limits()
OCR = OcrSettings()


@pytest.fixture
def no_decoding(monkeypatch):
    """A tripwire: any decode of a bomb fails the test instead of eating gigabytes."""

    def refuse(*args, **kwargs):
        raise AssertionError("an image was decoded before its size was checked")

    monkeypatch.setattr(cv2, "imdecode", refuse)
    monkeypatch.setattr(poppler, "render_page", refuse)
    monkeypatch.setattr(ingest, "_to_array", refuse)


def test_header_parsers_on_real_encoders():
    for w, h in ((640, 480), (17, 3001)):
        ok, jpg = cv2.imencode(".jpg", np.zeros((h, w, 3), np.uint8))
        assert imagesize.jpeg_size(jpg.tobytes()) == (w, h)
        ok, png = cv2.imencode(".png", np.zeros((h, w), np.uint8))
        assert imagesize.png_size(png.tobytes()) == (w, h)
        buf = io.BytesIO()
        frames = [Image.new("L", (w, h)), Image.new("L", (h, w))]
        frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:],
                       compression="tiff_lzw")
        assert imagesize.tiff_sizes(buf.getvalue()) == [(w, h), (h, w)]
        buf = io.BytesIO()
        Image.new("L", (w, h)).save(buf, "TIFF", big_tiff=True)
        assert imagesize.tiff_sizes(buf.getvalue()) == [(w, h)]
    progressive = cv2.imencode(".jpg", np.zeros((50, 70), np.uint8),
                               [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()
    assert imagesize.jpeg_size(progressive) == (70, 50)
    assert len(bombs.jpeg_bomb()) < 1400
    assert imagesize.jpeg_size(bombs.jpeg_bomb()) == (30000, 30000)


def test_broken_headers_are_errors_not_crashes():
    for data in (b"", b"\xff\xd8", b"\xff\xd8\xff\xe0\x00", b"\xff\xd8\xff\xda\x00\x08",
                 b"\x89PNG\r\n\x1a\n\x00", b"II*\x00\xff\xff\xff\x00", b"MM\x00*\x00\x00\x00\x08"):
        with pytest.raises(imagesize.HeaderError):
            imagesize.file_sizes(data) if not data.startswith(b"\xff\xd8") else \
                imagesize.jpeg_size(data)
    loop = bytearray(b"II*\x00\x08\x00\x00\x00" + b"\x02\x00"
                     + b"\x00\x01\x04\x00\x01\x00\x00\x00\x10\x00\x00\x00"
                     + b"\x01\x01\x04\x00\x01\x00\x00\x00\x10\x00\x00\x00"
                     + b"\x08\x00\x00\x00")  # next IFD = itself
    with pytest.raises(imagesize.HeaderError, match="loops"):
        imagesize.tiff_sizes(bytes(loop))


@pytest.mark.parametrize("make", [bombs.pdf_with_jpeg_bomb, bombs.pdf_with_bomb_in_a_form,
                                  bombs.pdf_with_inline_bomb],
                         ids=["plain-scan", "in-a-form", "inline"])
def test_jpeg_header_bomb_inside_a_pdf(tmp_path, make, no_decoding):
    path = make(tmp_path / "bomb.pdf")
    assert path.stat().st_size < 2500  # the 1.4 KB class
    source = ingest.open_source(path, LIMITS)
    with pytest.raises(LimitExceeded, match="30000x30000") as err:
        ingest.count_pages(source, LIMITS)
    assert err.value.code == "page_too_large" and "SOHOA_MAX_PAGE_PIXELS" in err.value.message
    with pytest.raises(LimitExceeded, match="30000x30000"):
        ingest.load_page(source, 1, LIMITS, OCR)


@pytest.mark.parametrize("make", [bombs.tiff_bomb, bombs.png_bomb], ids=["tiff", "png"])
def test_header_bombs_in_tiff_and_png(tmp_path, make, no_decoding):
    path = make(tmp_path / "bomb.img")
    assert path.stat().st_size < 2000
    source = ingest.open_source(path, LIMITS)
    for call in (lambda: ingest.count_pages(source, LIMITS),
                 lambda: ingest.load_page(source, 1, LIMITS, OCR)):
        with pytest.raises(LimitExceeded, match="30000x30000") as err:
            call()
        assert err.value.code == "page_too_large"


def test_the_limit_is_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("SOHOA_MAX_PAGE_PIXELS", str(3000 * 3000))
    limits = Limits.from_env()
    ok = bombs.tiff_bomb(tmp_path / "ok.tif", 2000, 2000)
    big = bombs.tiff_bomb(tmp_path / "big.tif", 3001, 3000)
    assert ingest.count_pages(ingest.open_source(ok, limits), limits) == 1
    with pytest.raises(LimitExceeded):
        ingest.count_pages(ingest.open_source(big, limits), limits)


def test_an_honest_scan_pdf_still_takes_the_plain_scan_path(tmp_path):
    ok, jpg = cv2.imencode(".jpg", np.full((1100, 800), 230, np.uint8))
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, jpg.tobytes())
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height = 800, 1100
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 8
    image.Filter = pikepdf.Name.DCTDecode
    page = pdf.add_blank_page(page_size=(576, 792))
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pdf.make_stream(b"q 576 0 0 792 0 0 cm /Im0 Do Q")
    pdf.save(tmp_path / "scan.pdf")
    source = ingest.open_source(tmp_path / "scan.pdf", LIMITS)
    assert ingest.count_pages(source, LIMITS) == 1
    page = ingest.load_page(source, 1, LIMITS, OCR)
    assert page.source_jpeg is not None and page.image.shape == (1100, 800)


def test_real_huge_images_in_pdfs(realdata, no_decoding):
    """OCRmyPDF's own test files: a 35000x35000 mono scan is refused from its dictionary (as
    OCRmyPDF refuses it); a 9000x9000 Flate image is streamed by poppler and allowed."""
    huge = ingest.open_source(realdata / "ocrmypdf" / "hugemono.pdf", LIMITS)
    with pytest.raises(LimitExceeded, match="35000x35000") as err:
        ingest.count_pages(huge, LIMITS)
    assert "streamed image" in err.value.message
    enormous = ingest.open_source(realdata / "ocrmypdf" / "enormous.pdf", LIMITS)
    assert ingest.count_pages(enormous, LIMITS) == 1
