"""Ingest on real files and on the bad-input corpus."""

from __future__ import annotations

import pytest

from pipeline import ingest
from pipeline.config import Limits, OcrSettings
from pipeline.model import FileKind, InputError, LimitExceeded
from tests.badinputs import make_corpus, multipage_tiff

LIMITS = Limits()
OCR = OcrSettings()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("bad"))


def test_type_comes_from_the_bytes_not_the_name(realdata, tmp_path):
    png_named_pdf = tmp_path / "scan.pdf"
    png_named_pdf.write_bytes((realdata / "tesseract" / "phototest-rotated-L.png").read_bytes())
    assert ingest.open_source(png_named_pdf, LIMITS).kind is FileKind.PNG
    assert ingest.open_source(realdata / "tesseract" / "phototest.tif", LIMITS).kind \
        is FileKind.TIFF
    assert ingest.open_source(realdata / "ocrmypdf" / "linn.pdf", LIMITS).kind is FileKind.PDF


@pytest.mark.parametrize("name, error, code", [
    ("empty.pdf", InputError, "empty_file"),
    ("notes.pdf", InputError, "unsupported_type"),
    ("truncated.pdf", InputError, None),
    ("encrypted.pdf", InputError, "encrypted_pdf"),
    ("bomb.png", LimitExceeded, "page_too_large"),
    ("tiny.png", InputError, "page_too_small"),
])
def test_bad_input_gets_a_clear_error(corpus, name, error, code):
    with pytest.raises(error) as caught:
        source = ingest.open_source(corpus[name], LIMITS)
        for n in range(1, ingest.count_pages(source, LIMITS) + 1):
            ingest.load_page(source, n, LIMITS, OCR)
    assert caught.value.message
    if code:
        assert caught.value.code == code


def test_javascript_pdf_is_read_as_an_image(corpus):
    source = ingest.open_source(corpus["javascript.pdf"], LIMITS)
    page = ingest.load_page(source, 1, LIMITS, OCR)
    assert page.image.shape[0] > 100


def test_limits_on_bytes_and_pages(realdata, tmp_path):
    with pytest.raises(LimitExceeded) as caught:
        ingest.open_source(realdata / "ocrmypdf" / "linn.pdf", Limits(max_bytes=1000))
    assert caught.value.code == "file_too_large"
    source = ingest.open_source(realdata / "ocrmypdf" / "multipage.pdf", LIMITS)
    with pytest.raises(LimitExceeded) as caught:
        ingest.count_pages(source, Limits(max_pages=3))
    assert caught.value.code == "too_many_pages"


def test_huge_pdf_page_is_rendered_within_the_pixel_limit(realdata):
    # a 9000x9000 Flate image (streamed by poppler: allowed up to 4x the page limit)
    limits = Limits(max_page_pixels=25_000_000)
    source = ingest.open_source(realdata / "ocrmypdf" / "enormous.pdf", limits)
    assert ingest.count_pages(source, limits) == 1
    page = ingest.load_page(source, 1, limits, OCR)
    assert page.image.shape[0] * page.image.shape[1] <= 25_000_000
    assert page.dpi < 300


def test_scanned_jpeg_pdf_page_is_taken_without_rendering(realdata):
    source = ingest.open_source(realdata / "ocrmypdf" / "francais.pdf", LIMITS)
    page = ingest.load_page(source, 1, LIMITS, OCR)
    assert page.source_jpeg is not None and page.source_jpeg[:3] == b"\xff\xd8\xff"


def test_multipage_tiff_pages_are_read_one_at_a_time(tmp_path):
    path = tmp_path / "stack.tif"
    multipage_tiff(path, 5)
    source = ingest.open_source(path, LIMITS)
    assert ingest.count_pages(source, LIMITS) == 5
    page = ingest.load_page(source, 4, LIMITS, OCR)
    assert page.number == 4 and page.image.ndim == 2 and page.dpi == 300


def test_every_realdata_ocrmypdf_file_opens_or_fails_clearly(realdata):
    for path in sorted((realdata / "ocrmypdf").iterdir()):
        try:
            source = ingest.open_source(path, LIMITS)
            ingest.load_page(source, 1, LIMITS, OCR)
        except (InputError, LimitExceeded) as exc:
            assert exc.code and exc.message, path
