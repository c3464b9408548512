"""Ingest: identify a file from its bytes and hand out its pages one at a time.

Nothing here rasterises a whole document: ``count_pages`` only reads structure, and
``load_page`` produces exactly one page, so a 300-page PDF costs the memory of one page and the
pages of one document can be loaded by different processes (or machines).
"""

from __future__ import annotations

import hashlib
import mmap
import os
from pathlib import Path

import cv2
import numpy as np
import pikepdf
from PIL import Image, ImageSequence, UnidentifiedImageError

from pipeline import imagesize, poppler
from pipeline.config import Limits, OcrSettings
from pipeline.model import FileKind, InputError, LimitExceeded, PageImage, SourceFile

A4_WIDTH_INCHES = 8.27  # used to guess the resolution of images that do not state one

_MAGIC: list[tuple[bytes, FileKind]] = [
    (b"\x89PNG\r\n\x1a\n", FileKind.PNG),
    (b"\xff\xd8\xff", FileKind.JPEG),
    (b"II*\x00", FileKind.TIFF),
    (b"MM\x00*", FileKind.TIFF),
]


def detect_kind(head: bytes) -> FileKind:
    """The file type from its first bytes; the name is never trusted."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    # A PDF header may follow some junk; readers accept it within the first KiB.
    if b"%PDF-" in head[:1024]:
        return FileKind.PDF
    if not head:
        raise InputError("the file is empty (0 bytes)", code="empty_file")
    raise InputError("not a PDF, TIFF, JPEG or PNG file", code="unsupported_type")


def open_source(path: str | os.PathLike, limits: Limits, **meta) -> SourceFile:
    """Check size and type, hash the bytes; raises a per-file error for unusable input."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", code="unreadable") from exc
    if size == 0:
        raise InputError("the file is empty (0 bytes)", code="empty_file")
    if size > limits.max_bytes:
        raise LimitExceeded(f"file is {size} bytes, the limit is {limits.max_bytes}",
                            code="file_too_large")
    digest = hashlib.sha256()
    with p.open("rb") as fh:
        head = fh.read(1024)
        digest.update(head)
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return SourceFile(path=str(p), kind=detect_kind(head), sha256=digest.hexdigest(), size=size,
                      name=meta.pop("name", p.name), **meta)


def count_pages(source: SourceFile, limits: Limits) -> int:
    """Number of pages, read from the structure only; enforces the page limit and, from the
    images' own headers, the decoded size of every image (nothing is decoded here)."""
    if source.kind is FileKind.PDF:
        with _open_pdf(source.path) as pdf:
            n = len(pdf.pages)
            _check_count(n, limits)
            for number, page in enumerate(pdf.pages, 1):
                imagesize.check_pdf_page(page, limits.max_page_pixels, number)
        return n
    sizes = header_sizes(source.path)
    n = len(sizes)
    _check_count(n, limits)
    for number, size in enumerate(sizes, 1):
        imagesize.check_size(size, limits.max_page_pixels,
                             f"page {number}" if n > 1 else "the image")
    return n


def _check_count(n: int, limits: Limits) -> None:
    if n == 0:
        raise InputError("the document has no pages", code="no_pages")
    if n > limits.max_pages:
        raise LimitExceeded(f"{n} pages, the limit is {limits.max_pages}", code="too_many_pages")


def header_sizes(path: str) -> list[tuple[int, int]]:
    """(width, height) of every page of a JPEG, PNG or TIFF file, from its headers only."""
    with open(path, "rb") as fh:
        try:
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return imagesize.file_sizes(data)
        except imagesize.HeaderError as exc:
            raise InputError(f"image header is corrupt: {exc}", code="corrupt_image") from exc
        except (ValueError, OSError, IndexError) as exc:  # empty file, truncated structure
            raise InputError("image header is corrupt or unsupported",
                             code="corrupt_image") from exc


def load_page(source: SourceFile, number: int, limits: Limits, ocr: OcrSettings,
              document_id: str = "") -> PageImage:
    """Page ``number`` (1-based) as a faithful 8-bit gray or RGB image."""
    if source.kind is FileKind.PDF:
        return _load_pdf_page(source.path, number, limits, ocr, document_id)
    sizes = header_sizes(source.path)  # before PIL decodes anything
    if number > len(sizes):
        raise InputError(f"page {number} does not exist", code="no_such_page")
    imagesize.check_size(sizes[number - 1], limits.max_page_pixels, f"page {number}")
    with _open_image(source.path) as im:
        if number > 1 or source.kind is FileKind.TIFF:
            frames = ImageSequence.Iterator(im)
            try:
                frame = frames[number - 1]
            except IndexError as exc:
                raise InputError(f"page {number} does not exist", code="no_such_page") from exc
        else:
            frame = im
        _check_pixels(frame.size, limits)
        dpi = _image_dpi(frame)
        try:
            array = _to_array(frame)
        except (OSError, ValueError, SyntaxError) as exc:
            raise InputError(f"image data is corrupt: {exc}", code="corrupt_image") from exc
    return PageImage(document_id=document_id, number=number, image=array, dpi=dpi)


# --- images -------------------------------------------------------------------------------


def _open_image(path: str) -> Image.Image:
    # PIL's own bomb check raises before decoding; our pixel limit is applied per frame.
    Image.MAX_IMAGE_PIXELS = None
    try:
        return Image.open(path)
    except UnidentifiedImageError as exc:
        raise InputError("image header is corrupt or unsupported", code="corrupt_image") from exc
    except OSError as exc:
        raise InputError(f"cannot open image: {exc}", code="corrupt_image") from exc


def _check_pixels(size: tuple[int, int], limits: Limits) -> None:
    w, h = size
    if w * h > limits.max_page_pixels:
        raise LimitExceeded(f"page is {w}x{h} pixels, the limit is {limits.max_page_pixels}",
                            code="page_too_large")
    if min(w, h) < limits.min_page_side:
        raise InputError(f"page is only {w}x{h} pixels: too small to hold text",
                         code="page_too_small")


def _image_dpi(im: Image.Image) -> float:
    dpi = im.info.get("dpi")
    if dpi:
        x = float(dpi[0] if isinstance(dpi, tuple) else dpi)
        if 50 <= x <= 2400:
            return x
    # No (believable) resolution: assume the page is A4 wide, the common case at a counter;
    # never below 70 dpi, so a small snippet is not mistaken for a giant page.
    return max(min(im.size) / A4_WIDTH_INCHES, 70.0)


def _to_array(im: Image.Image) -> np.ndarray:
    """8-bit gray or RGB; transparency is flattened onto white paper."""
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im).convert("RGB")
    elif im.mode in ("1", "L"):
        im = im.convert("L")
    elif im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.float32)
        peak = max(float(arr.max()), 1.0)
        return (arr * (255.0 / peak)).clip(0, 255).astype(np.uint8)
    elif im.mode == "P":
        im = im.convert("RGB")
    elif im.mode != "RGB":
        im = im.convert("RGB")
    arr = np.asarray(im)
    if arr.ndim == 3 and _is_gray(arr):
        arr = np.ascontiguousarray(arr[:, :, 0])
    return arr


def _is_gray(rgb: np.ndarray) -> bool:
    """True when an RGB image carries no colour (a palette gray scan, say)."""
    small = rgb[::8, ::8].astype(np.int16)
    return bool(np.abs(small[..., 0] - small[..., 1]).max() <= 2
                and np.abs(small[..., 1] - small[..., 2]).max() <= 2)


# --- PDF ----------------------------------------------------------------------------------


def _open_pdf(path: str) -> pikepdf.Pdf:
    try:
        return pikepdf.open(path)
    except pikepdf.PasswordError as exc:
        raise InputError("the PDF is encrypted with a password", code="encrypted_pdf") from exc
    except pikepdf.PdfError as exc:
        raise InputError(f"the PDF is corrupt: {_without_path(str(exc), path)}",
                         code="corrupt_pdf") from exc


def _without_path(message: str, path: str) -> str:
    """A library's message without the server's file path (qpdf names the file)."""
    for p in (str(path), os.path.abspath(path), Path(path).name):
        message = message.replace(p + ": ", "").replace(p, "the file")
    return message


def _load_pdf_page(path: str, number: int, limits: Limits, ocr: OcrSettings,
                   document_id: str) -> PageImage:
    with _open_pdf(path) as pdf:
        try:
            page = pdf.pages[number - 1]
        except IndexError as exc:
            raise InputError(f"page {number} does not exist", code="no_such_page") from exc
        width_pt, height_pt = _page_size_points(page)
        # Every image the page holds, by its own header, before cv2 or poppler decode one.
        imagesize.check_pdf_page(page, limits.max_page_pixels, number)
        scanned = _single_scan_image(page)
        if scanned is not None:
            image, jpeg, image_dpi = _decode_scan(scanned, width_pt, limits)
            if image is not None:
                return PageImage(document_id, number, image, image_dpi, source_jpeg=jpeg)
        color = _has_color_image(page)
    # Render at the configured resolution, lowered for huge pages so one page never exceeds
    # the pixel limit (a poster is still readable at 150 dpi).
    dpi = float(ocr.render_dpi)
    pixels = (width_pt / 72 * dpi) * (height_pt / 72 * dpi)
    budget = limits.max_page_pixels * 0.7
    if pixels > budget:
        dpi = dpi * (budget / pixels) ** 0.5
    if dpi < 72:
        raise LimitExceeded(
            f"page is {width_pt / 72:.0f}x{height_pt / 72:.0f} inches: too large to render",
            code="page_too_large")
    try:
        image = poppler.render_page(path, number, dpi=dpi, gray=not color)
    except poppler.PopplerError as exc:  # poppler's message may name the server's file
        raise poppler.PopplerError(_without_path(exc.message, path)) from exc
    _check_pixels((image.shape[1], image.shape[0]), limits)
    return PageImage(document_id, number, image, dpi)


def _page_size_points(page: pikepdf.Page) -> tuple[float, float]:
    box = page.cropbox if "/CropBox" in page.obj else page.mediabox
    x0, y0, x1, y1 = (float(v) for v in box)
    w, h = abs(x1 - x0), abs(y1 - y0)
    if int(page.obj.get("/Rotate", 0)) % 180 == 90:
        w, h = h, w
    if w <= 0 or h <= 0:
        raise InputError("the page has an empty size", code="corrupt_pdf")
    return w, h


def _single_scan_image(page: pikepdf.Page) -> pikepdf.Object | None:
    """The JPEG image of a plain scanned page (one full-page image, nothing else drawn)."""
    if int(page.obj.get("/Rotate", 0)) % 360:
        return None
    try:
        resources = page.obj.get("/Resources", pikepdf.Dictionary())
        xobjects = list(resources.get("/XObject", pikepdf.Dictionary()).values())
        images = [x for x in xobjects if x.get("/Subtype") == pikepdf.Name.Image]
        if len(images) != 1 or len(xobjects) != 1 or "/Font" in resources:
            return None
        img = images[0]
        if img.get("/Filter") != pikepdf.Name.DCTDecode or "/SMask" in img or "/Mask" in img:
            return None
        if img.get("/ColorSpace") not in (pikepdf.Name.DeviceGray, pikepdf.Name.DeviceRGB):
            return None
        if int(img.get("/BitsPerComponent", 8)) != 8:
            return None
        # The content must draw the image once, upright, over the whole page.
        ops = [op for _, op in pikepdf.parse_content_stream(page)]
        if [str(o) for o in ops if str(o) in ("Do", "cm")].count("Do") != 1:
            return None
        for operands, op in pikepdf.parse_content_stream(page):
            if str(op) == "cm":
                a, b, c, d = (float(v) for v in operands[:4])
                if abs(b) > 1e-6 or abs(c) > 1e-6 or a <= 0 or d <= 0:
                    return None
        return img
    except (pikepdf.PdfError, ValueError, KeyError):
        return None


def _decode_scan(img: pikepdf.Object, width_pt: float,
                 limits: Limits) -> tuple[np.ndarray | None, bytes | None, float]:
    jpeg = img.read_raw_bytes()
    w, h = int(img.Width), int(img.Height)
    _check_pixels((w, h), limits)
    try:
        header = imagesize.jpeg_size(jpeg)
    except imagesize.HeaderError:
        return None, None, 0.0  # let poppler try (and fail clearly) instead
    if header != (w, h):
        return None, None, 0.0  # the object and its JPEG disagree: not a plain scan
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_UNCHANGED)
    if decoded is None or decoded.shape[0] != h or decoded.shape[1] != w:
        return None, None, 0.0  # let poppler try instead
    if decoded.ndim == 3:
        decoded = cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)
    return decoded, jpeg, w / (width_pt / 72.0)


def _has_color_image(page: pikepdf.Page) -> bool:
    try:
        for img in page.get_images().values():
            cs = img.get("/ColorSpace")
            if cs in (pikepdf.Name.DeviceRGB, pikepdf.Name.DeviceCMYK):
                return True
            if isinstance(cs, pikepdf.Array) and len(cs) > 1 and cs[0] == pikepdf.Name.ICCBased:
                if int(cs[1].get("/N", 1)) >= 3:
                    return True
    except (pikepdf.PdfError, ValueError, KeyError, TypeError):
        return False
    return False
