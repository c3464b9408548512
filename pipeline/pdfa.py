"""PDF/A-2b writer: the scan as the page, the OCR words as invisible text, with pikepdf.

Each page becomes a small one-page PDF as soon as its OCR is done (in the process that did the
OCR); ``assemble`` then joins the pages of a document. qpdf copies the page streams from the page
files only when it writes the result, so joining 300 pages keeps memory flat.

The invisible text uses Tesseract's GlyphLessFont: every character maps to one blank glyph of
half an em, and a ToUnicode map gives each character back, so all of Vietnamese (and any other
BMP text) is searchable and selectable without embedding a real typeface.
"""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pikepdf
from pikepdf import Dictionary, Name
from PIL import Image, ImageCms

from pipeline.model import OcrPage, OcrWord, PreparedPage, SohoaError

JPEG_QUALITY = 80
FONT_NAME = Name("/F1")
GLYPHLESS_FONT_PATHS = (
    "/usr/share/tesseract-ocr/5/tessdata/pdf.ttf",
    "/usr/share/tesseract-ocr/4.00/tessdata/pdf.ttf",
)


class PdfWriteError(SohoaError):
    code = "pdf_write_failed"


# --- page images ---------------------------------------------------------------------------


def encode_page_image(prepared: PreparedPage) -> tuple[bytes, dict]:
    """The archive image as PDF image data: the scan's own JPEG when untouched, CCITT G4
    for black-and-white pages (lossless), JPEG for gray and colour pages."""
    image = prepared.archive_image
    h, w = image.shape[:2]
    color = Name.DeviceRGB if image.ndim == 3 else Name.DeviceGray
    if prepared.source_jpeg is not None:
        return prepared.source_jpeg, dict(Filter=Name.DCTDecode, ColorSpace=color,
                                          BitsPerComponent=8, Width=w, Height=h)
    if image.ndim == 2 and is_bitonal(image):
        data, black_is_1 = encode_g4(image)
        return data, dict(
            Filter=Name.CCITTFaxDecode, ColorSpace=Name.DeviceGray, BitsPerComponent=1,
            Width=w, Height=h,
            DecodeParms=Dictionary(K=-1, Columns=w, Rows=h, BlackIs1=black_is_1))
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    ok, jpeg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise PdfWriteError("JPEG encoding of the page image failed")
    return jpeg.tobytes(), dict(Filter=Name.DCTDecode, ColorSpace=color, BitsPerComponent=8,
                                Width=w, Height=h)


def is_bitonal(gray: np.ndarray) -> bool:
    """Only pure black and pure white: a bilevel scan, kept lossless."""
    sample = gray[::4, ::4]
    if np.count_nonzero((sample > 0) & (sample < 255)):
        return False
    return not np.count_nonzero((gray > 0) & (gray < 255))


def encode_g4(gray: np.ndarray) -> tuple[bytes, bool]:
    """CCITT Group 4 data of a bilevel image (libtiff through Pillow, one strip), and
    whether black pixels are 1 bits in it (PDF's BlackIs1)."""
    h = gray.shape[0]
    buf = io.BytesIO()
    Image.fromarray(gray).convert("1").save(buf, "TIFF", compression="group4",
                                            tiffinfo={278: h})  # 278: RowsPerStrip
    with Image.open(io.BytesIO(buf.getvalue())) as tif:
        offsets = tif.tag_v2[273]
        counts = tif.tag_v2[279]
        photometric = tif.tag_v2.get(262, 0)
    if len(offsets) != 1:
        raise PdfWriteError("G4 encoder wrote several strips")
    data = buf.getvalue()[offsets[0]:offsets[0] + counts[0]]
    # The fax coder calls 0 bits white; with photometric 1 (min-is-black) Pillow's black
    # pixels are 0 bits, so the data says "white" for black: PDF must read it with BlackIs1.
    return data, photometric == 1


# --- text layer ----------------------------------------------------------------------------


def text_layer(words: Sequence[OcrWord], pt_per_px: float, page_height_pt: float) -> bytes:
    """Content-stream operators that draw the words invisibly (render mode 3) over the image,
    each stretched to its box so that selecting it in a viewer selects the printed word.
    A word's trailing space spans the gap to the next word on its line."""
    out: list[str] = ["BT", "3 Tr"]
    lines: dict[tuple[int, int, int], list[OcrWord]] = {}
    for w in words:
        lines.setdefault((w.block, w.paragraph, w.line), []).append(w)
    for line_words in lines.values():
        line_words.sort(key=lambda w: w.bbox[0])
        top = min(w.bbox[1] for w in line_words)
        bottom = max(w.bbox[3] for w in line_words)
        size = max((bottom - top) * pt_per_px, 1.0)
        baseline = page_height_pt - bottom * pt_per_px
        out.append(f"/F1 {size:.2f} Tf")
        for i, w in enumerate(line_words):
            last = i == len(line_words) - 1
            text = w.text if last else w.text + " "
            end = w.bbox[2] if last else max(line_words[i + 1].bbox[0], w.bbox[2])
            width_pt = max((end - w.bbox[0]) * pt_per_px, 0.1)
            natural = len(text) * size * 0.5  # every glyph is half an em wide
            scale = 100.0 * width_pt / natural
            out.append(f"{scale:.2f} Tz 1 0 0 1 {w.bbox[0] * pt_per_px:.2f} {baseline:.2f} Tm "
                       f"<{_utf16_hex(text)}> Tj")
    out.append("ET")
    return "\n".join(out).encode("ascii")


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be", "replace").hex().upper()


@cache
def _glyphless_font_program() -> bytes:
    for path in GLYPHLESS_FONT_PATHS:
        if os.path.exists(path):
            return Path(path).read_bytes()
    raise PdfWriteError("GlyphLessFont (pdf.ttf from tesseract-ocr) not found",
                        code="font_missing")


def add_glyphless_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """A Type0 font whose 65536 CIDs all draw glyph 1 (blank, half an em wide)."""
    to_unicode = pdf.make_stream(
        b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        b"1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\n"
        b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
    font_file = pdf.make_stream(_glyphless_font_program())
    descriptor = pdf.make_indirect(Dictionary(
        Type=Name.FontDescriptor, FontName=Name.GlyphLessFont, Flags=5,
        FontBBox=[0, 0, 500, 1000], ItalicAngle=0, Ascent=1000, Descent=0, CapHeight=1000,
        StemV=80, FontFile2=font_file))
    cid_to_gid = pdf.make_stream(zlib.compress(b"\x00\x01" * 65536), Filter=Name.FlateDecode)
    cid_font = pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name.GlyphLessFont,
        CIDSystemInfo=Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=descriptor, DW=500, CIDToGIDMap=cid_to_gid))
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=Name.GlyphLessFont,
        Encoding=Name("/Identity-H"), DescendantFonts=[cid_font], ToUnicode=to_unicode))


# --- one page --------------------------------------------------------------------------------


def page_pdf(prepared: PreparedPage, ocr_page: OcrPage) -> bytes:
    """A one-page PDF: the archive image filling the page and the OCR text over it."""
    image = prepared.archive_image
    h, w = image.shape[:2]
    pt_per_archive_px = 72.0 / prepared.dpi
    width_pt, height_pt = w * pt_per_archive_px, h * pt_per_archive_px
    data, image_dict = encode_page_image(prepared)

    pdf = pikepdf.new()
    xobject = pdf.make_stream(data, Type=Name.XObject, Subtype=Name.Image, **image_dict)
    draw_image = f"q {width_pt:.3f} 0 0 {height_pt:.3f} 0 0 cm /Im0 Do Q\n".encode()
    text = text_layer(ocr_page.words, pt_per_archive_px / prepared.ocr_scale, height_pt)
    contents = pdf.make_stream(draw_image + text)
    page = pikepdf.Page(Dictionary(
        Type=Name.Page,
        MediaBox=[0, 0, round(width_pt, 3), round(height_pt, 3)],
        Resources=Dictionary(XObject=Dictionary(Im0=xobject),
                             Font=Dictionary(F1=add_glyphless_font(pdf))),
        Contents=contents,
    ))
    pdf.pages.append(page)
    buf = io.BytesIO()
    # A page read again (a retry after a storage outage) must give the same bytes, so the
    # document's PDF/A, and the archive key named by its hash, stay the same: no second copy.
    pdf.save(buf, compress_streams=True, deterministic_id=True)
    return buf.getvalue()


# --- the document -----------------------------------------------------------------------------


@cache
def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def assemble(page_files: Sequence[str | os.PathLike], output: str | os.PathLike, *,
             title: str = "", created: datetime | None = None) -> None:
    """Join one-page PDFs into a PDF/A-2b file, written atomically (temp name, then rename)."""
    created = created or datetime.now(UTC)
    output = Path(output)
    sources: list[pikepdf.Pdf] = []
    try:
        pdf = pikepdf.new()
        font = add_glyphless_font(pdf)
        for path in page_files:
            src = pikepdf.open(path)
            sources.append(src)
            pdf.pages.append(src.pages[0])
            pdf.pages[-1].Resources.Font = Dictionary(F1=font)  # one shared font
        _make_pdfa(pdf, title=title, created=created)
        tmp = output.with_name(f".{output.name}.tmp{os.getpid()}")
        try:
            pdf.save(tmp, compress_streams=True, deterministic_id=True, force_version="1.7",
                     object_stream_mode=pikepdf.ObjectStreamMode.generate)
            os.replace(tmp, output)
        finally:
            tmp.unlink(missing_ok=True)
    finally:
        for src in sources:
            src.close()


def _make_pdfa(pdf: pikepdf.Pdf, *, title: str, created: datetime) -> None:
    icc = pdf.make_stream(srgb_profile(), N=3)
    pdf.Root.OutputIntents = [pdf.make_indirect(Dictionary(
        Type=Name.OutputIntent, S=Name.GTS_PDFA1,
        OutputConditionIdentifier="sRGB IEC61966-2.1", Info="sRGB IEC61966-2.1",
        DestOutputProfile=icc))]
    stamp = created.astimezone(UTC).replace(microsecond=0)
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        meta["dc:title"] = title or "Scanned document"
        meta["xmp:CreatorTool"] = "sohoa"
        meta["pdf:Producer"] = "sohoa with pikepdf"
        meta["xmp:CreateDate"] = stamp.isoformat()
        meta["xmp:ModifyDate"] = stamp.isoformat()
        meta["xmp:MetadataDate"] = stamp.isoformat()
