"""Decompression bombs: tiny files whose own image headers promise a huge decoded picture.

Each is a few hundred bytes to a few KB; decoding any of them would cost gigabytes.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pikepdf

HUGE = 30000  # 30000 x 30000 = 900 million pixels


def jpeg_bomb(width: int = HUGE, height: int = HUGE) -> bytes:
    """A real 16x16 baseline JPEG whose frame header is rewritten to ``width`` x ``height``."""
    ok, buf = cv2.imencode(".jpg", np.full((16, 16), 200, np.uint8),
                           [cv2.IMWRITE_JPEG_QUALITY, 50])
    assert ok
    data = bytearray(buf.tobytes())
    sof = data.find(b"\xff\xc0")
    assert sof > 0
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def _save(pdf: pikepdf.Pdf, path: Path) -> Path:
    pdf.save(path, compress_streams=True)
    return path


def pdf_with_jpeg_bomb(path: Path, *, stated=(100, 100)) -> Path:
    """One page drawing one DCT image whose dictionary says ``stated`` and whose JPEG header
    says 30000x30000: the plain-scan path would hand it to ``cv2.imdecode``."""
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, jpeg_bomb())
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height = stated
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 8
    image.Filter = pikepdf.Name.DCTDecode
    page = pdf.add_blank_page(page_size=(595, 842))
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    return _save(pdf, path)


def pdf_with_bomb_in_a_form(path: Path) -> Path:
    """The same JPEG inside a form XObject (poppler's path, not the plain-scan one)."""
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, jpeg_bomb())
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height = 100, 100
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 8
    image.Filter = pikepdf.Name.DCTDecode
    form = pikepdf.Stream(pdf, b"q 100 0 0 100 0 0 cm /Im0 Do Q")
    form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
    form.BBox = [0, 0, 100, 100]
    form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page = pdf.add_blank_page(page_size=(595, 842))
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm0=form))
    page.Contents = pdf.make_stream(b"BT ET q 5 0 0 5 0 0 cm /Fm0 Do Q")
    return _save(pdf, path)


def pdf_with_inline_bomb(path: Path) -> Path:
    """An inline image (BI ... ID ... EI) that says 10x10 and holds the 30000x30000 JPEG."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    content = (b"q 100 0 0 100 0 0 cm\nBI /W 10 /H 10 /CS /G /BPC 8 /F /DCT ID\n"
               + jpeg_bomb() + b"\nEI\nQ\n")
    page.Contents = pdf.make_stream(content)
    return _save(pdf, path)


def tiff_bomb(path: Path, width: int = HUGE, height: int = HUGE) -> Path:
    """A classic TIFF whose one IFD says ``width`` x ``height`` (8-bit gray, one 8-byte strip)."""
    entries = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
               (273, 4, 0), (277, 3, 1), (278, 4, height), (279, 4, 8)]
    ifd_offset = 8
    ifd_len = 2 + 12 * len(entries) + 4
    strip_offset = ifd_offset + ifd_len
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd_offset))
    out += struct.pack("<H", len(entries))
    for tag, typ, value in entries:
        if tag == 273:
            value = strip_offset
        if typ == 3:
            out += struct.pack("<HHIHH", tag, typ, 1, value, 0)
        else:
            out += struct.pack("<HHII", tag, typ, 1, value)
    out += struct.pack("<I", 0) + b"\x00" * 8
    path.write_bytes(bytes(out))
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_bomb(path: Path, width: int = HUGE, height: int = HUGE) -> Path:
    """A PNG whose IHDR says ``width`` x ``height`` (8-bit gray) with a few KB of IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width + 1) * 4, 9)  # the first rows only
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat)
                     + _chunk(b"IEND", b""))
    return path
