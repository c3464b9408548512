"""Decoded image sizes from the images' own headers, checked before anything is decoded.

A decoder believes the image's own header, not the container around it: a 1.4 KB PDF whose
image object says 100x100 while its JPEG frame header says 30000x30000 makes
``cv2.imdecode`` (or poppler) allocate and fill 900 million pixels. So the size that counts is
the one the decoder will use, read from the bytes it will read:

- JPEG: every SOF marker's lines x samples (up to the first scan);
- PNG: IHDR;
- TIFF (classic and BigTIFF): ImageWidth x ImageLength of every IFD in the chain;
- JPEG 2000: the SIZ marker of the codestream;
- in a PDF: every image reachable from a page (XObjects, forms, patterns, Type 3 fonts, soft
  masks, annotation appearances, inline images), by the larger of its dictionary's
  /Width x /Height and what its DCT/JPX header says.

Images whose decoder holds the whole picture (JPEG, JPEG 2000, JBIG2, and every image file)
are bounded by ``SOHOA_MAX_PAGE_PIXELS``. Images in a PDF that poppler streams line by line
while scaling them to the render size (Flate, uncompressed, CCITT) cost time rather than
memory and get ``STREAMED_FACTOR`` times that (a real 30-inch poster scan stays readable).

Pure functions over bytes (and pikepdf objects); ``pipeline.ingest`` calls them before any
decode and raises the per-document :class:`pipeline.model.LimitExceeded`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from pipeline.model import InputError, LimitExceeded

# SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC)
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
MAX_PDF_NODES = 20_000  # objects visited per page before the page counts as hostile
MAX_TIFF_IFDS = 10_000
STREAMED_FACTOR = 4
WHOLE_IMAGE_FILTERS = {"/DCTDecode", "/DCT", "/JPXDecode", "/JBIG2Decode"}


class HeaderError(ValueError):
    """The header is unreadable (the decoder would fail too)."""


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the JPEG's frame header(s): the largest SOF before the first
    scan. Raises HeaderError when there is none or it leaves the size open."""
    if data[:2] != b"\xff\xd8":
        raise HeaderError("not a JPEG stream")
    pos, n = 2, len(data)
    best: tuple[int, int] | None = None
    while pos < n:
        if data[pos] != 0xFF:
            raise HeaderError("corrupt JPEG marker sequence")
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            break
        marker = data[pos]
        pos += 1
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue  # no length
        if marker == 0xD9:
            break
        if pos + 2 > n:
            break
        (length,) = struct.unpack(">H", data[pos:pos + 2])
        if length < 2:
            raise HeaderError("corrupt JPEG segment length")
        if marker in _SOF:
            if pos + 7 > n:
                raise HeaderError("truncated JPEG frame header")
            h, w = struct.unpack(">HH", data[pos + 3:pos + 7])
            if h == 0 or w == 0:  # height defined later (DNL): not something scans need
                raise HeaderError("the JPEG frame header does not state its size")
            if best is None or w * h > best[0] * best[1]:
                best = (w, h)
        if marker == 0xDA:  # start of scan: the frame is known by now
            break
        pos += length
    if best is None:
        raise HeaderError("the JPEG stream has no frame header")
    return best


def png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR" or len(data) < 24:
        raise HeaderError("the PNG has no IHDR header")
    return struct.unpack(">II", data[16:24])


def tiff_sizes(data: bytes) -> list[tuple[int, int]]:
    """(width, height) of every image (IFD) in the TIFF's chain."""
    order = data[:2]
    if order == b"II":
        e = "<"
    elif order == b"MM":
        e = ">"
    else:
        raise HeaderError("not a TIFF file")
    (magic,) = struct.unpack(e + "H", data[2:4])
    if magic == 42:
        big = False
        (offset,) = struct.unpack(e + "I", data[4:8])
    elif magic == 43:
        big = True
        (offset,) = struct.unpack(e + "Q", data[8:16])
    else:
        raise HeaderError("not a TIFF file")
    types = {3: "H", 4: "I", 16: "Q", 1: "B"}
    sizes: list[tuple[int, int]] = []
    seen: set[int] = set()
    while offset:
        if offset in seen or len(seen) >= MAX_TIFF_IFDS:
            raise HeaderError("the TIFF's image chain loops or is endless")
        seen.add(offset)
        count_fmt, entry_len, count_len = ("Q", 20, 8) if big else ("H", 12, 2)
        head = data[offset:offset + count_len]
        if len(head) < count_len:
            raise HeaderError("truncated TIFF directory")
        (count,) = struct.unpack(e + count_fmt, head)
        width = height = None
        base = offset + count_len
        for i in range(count):
            entry = data[base + i * entry_len: base + (i + 1) * entry_len]
            if len(entry) < entry_len:
                raise HeaderError("truncated TIFF directory")
            tag, typ = struct.unpack(e + "HH", entry[:4])
            if tag not in (256, 257) or typ not in types:
                continue
            value_at = 12 if big else 8
            fmt = types[typ]
            (value,) = struct.unpack_from(e + fmt, entry, value_at)
            if tag == 256:
                width = value
            else:
                height = value
        if width is None or height is None:
            raise HeaderError("a TIFF image does not state its width and height")
        sizes.append((width, height))
        nxt = data[base + count * entry_len: base + count * entry_len + (8 if big else 4)]
        if len(nxt) < (8 if big else 4):
            break
        (offset,) = struct.unpack(e + ("Q" if big else "I"), nxt)
    if not sizes:
        raise HeaderError("the TIFF holds no image")
    return sizes


def jpx_size(data: bytes) -> tuple[int, int]:
    """JPEG 2000 (JP2 box or raw codestream): the SIZ marker's image area."""
    at = data.find(b"\xff\x4f\xff\x51")
    if at < 0 or len(data) < at + 4 + 2 + 2 + 16:
        raise HeaderError("the JPEG 2000 stream has no SIZ header")
    xsiz, ysiz, xo, yo = struct.unpack(">IIII", data[at + 8:at + 24])
    return max(0, xsiz - xo), max(0, ysiz - yo)


def file_sizes(head: bytes) -> list[tuple[int, int]]:
    """The image sizes of a whole image file (JPEG, PNG, TIFF) from its leading bytes.
    A TIFF's directories may lie anywhere: pass the whole file for TIFF."""
    if head[:3] == b"\xff\xd8\xff":
        return [jpeg_size(head)]
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return [png_size(head)]
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return tiff_sizes(head)
    raise HeaderError("not a JPEG, PNG or TIFF image")


def check_size(size: tuple[int, int], max_pixels: int, what: str = "page",
               setting: str = "SOHOA_MAX_PAGE_PIXELS") -> None:
    w, h = size
    if w * h > max_pixels:
        raise LimitExceeded(f"{what} is {w}x{h} pixels when decoded, the limit is "
                            f"{max_pixels} ({setting})", code="page_too_large")


# ------------------------------------------------------------------------------- PDF


_SKIP_KEYS = {"/Parent", "/P", "/Popup", "/IRT", "/Dest", "/A", "/Next", "/StructParent",
              "/StructParents", "/Metadata", "/Thumb", "/B"}


def _head_bytes(stream, limit: int = 1 << 16) -> bytes:
    """The first bytes of an image as its image decoder sees them: a stream's data after the
    filters in front of DCT/JPX (Flate, ASCIIHex, ...), decoded only as far as ``limit``."""
    import pikepdf

    raw = stream.read_raw_bytes()
    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array):
        names = [str(f) for f in filters]
    else:
        names = [str(filters)] if filters is not None else []
    data = raw
    for name in names:
        if name in ("/DCTDecode", "/DCT", "/JPXDecode"):
            return data[:limit]
        if name in ("/FlateDecode", "/Fl"):
            d = zlib.decompressobj()
            try:
                data = d.decompress(data, limit)
            except zlib.error as exc:
                raise HeaderError("corrupt Flate data in front of an image") from exc
        else:
            return b""  # another encoding: the dictionary's size is the decoded size
    return b""


def _filters(obj) -> list[str]:
    import pikepdf

    f = obj.get("/Filter")
    if isinstance(f, pikepdf.Array):
        return [str(x) for x in f]
    return [str(f)] if f is not None else []


def decoded_whole(obj) -> bool:
    """Whether the decoder of this PDF image holds all of it in memory at once."""
    return any(f in WHOLE_IMAGE_FILTERS for f in _filters(obj))


def image_size(obj) -> tuple[int, int]:
    """The decoded size of one PDF image XObject: the larger of what its dictionary says
    and what its own DCT/JPX header says."""
    try:
        w, h = int(obj.get("/Width", 0)), int(obj.get("/Height", 0))
    except (TypeError, ValueError) as exc:
        raise HeaderError("an image's /Width or /Height is not a number") from exc
    filters = _filters(obj)
    inner: tuple[int, int] | None = None
    if any(f in ("/DCTDecode", "/DCT") for f in filters):
        inner = jpeg_size(_head_bytes(obj))
    elif "/JPXDecode" in filters:
        inner = jpx_size(_head_bytes(obj))
    sizes = [(w, h)] + ([inner] if inner else [])
    for parms in _decode_parms(obj):  # CCITT / JBIG2 decoders read their own rows/columns
        try:
            sizes.append((int(parms.get("/Columns", 0)), int(parms.get("/Rows", 0))))
        except (TypeError, ValueError, AttributeError):
            continue
    return max(sizes, key=lambda s: s[0] * s[1])


def _decode_parms(obj) -> list:
    import pikepdf

    p = obj.get("/DecodeParms")
    if isinstance(p, pikepdf.Array):
        return [x for x in p if isinstance(x, pikepdf.Dictionary)]
    return [p] if isinstance(p, pikepdf.Dictionary) else []


def page_images(page) -> Iterator[tuple[tuple[int, int], bool]]:
    """(decoded size, decoded whole) of every image a renderer may decode for ``page``."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    stack = []
    for key in ("/Resources", "/Annots", "/Group"):
        if key in page.obj:
            stack.append(page.obj[key])
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Object) and obj.is_indirect:
            og = obj.objgen
            if og in seen:
                continue
            seen.add(og)
        visited += 1
        if visited > MAX_PDF_NODES:
            raise LimitExceeded("the page's resources are too deeply nested or too many",
                                code="page_too_complex")
        if isinstance(obj, pikepdf.Stream):
            if obj.get("/Subtype") == pikepdf.Name.Image:
                yield image_size(obj), decoded_whole(obj)
            for k in obj.keys():
                if k not in _SKIP_KEYS:
                    stack.append(obj[k])
            if obj.get("/Subtype") == pikepdf.Name.Form or obj.get("/Type") == pikepdf.Name.Pattern:
                yield from _inline_images(obj)
        elif isinstance(obj, pikepdf.Dictionary):
            for k in obj.keys():
                if k not in _SKIP_KEYS:
                    stack.append(obj[k])
        elif isinstance(obj, pikepdf.Array):
            stack.extend(obj)
    yield from _inline_images(page)


MAX_CONTENT_BYTES = 64 << 20  # a content stream decoding to more is refused


def _contents(container) -> list:
    """The content streams of a page, or the stream itself (a form or pattern)."""
    import pikepdf

    if not isinstance(container, pikepdf.Page):
        return [container]
    contents = container.obj.get("/Contents")
    if isinstance(contents, pikepdf.Array):
        return [c for c in contents if isinstance(c, pikepdf.Stream)]
    return [contents] if isinstance(contents, pikepdf.Stream) else []


def _has_inline_image(container) -> bool:
    """Whether a content stream holds an inline image (``BI``), found by streaming through
    its decoded bytes (bounded), so that only such streams are parsed."""
    import re

    marker = re.compile(rb"(?:^|\s)BI\s")
    total = 0
    for stream in _contents(container):
        filters = _filters(stream)
        if filters in ([], ["/FlateDecode"], ["/Fl"]):
            raw = stream.read_raw_bytes()
            d = zlib.decompressobj() if filters else None
            tail = b""
            pos = 0
            while True:
                if d is None:
                    chunk, pos = raw[pos:pos + (1 << 20)], pos + (1 << 20)
                else:
                    try:
                        chunk = d.decompress(d.unconsumed_tail or raw, 1 << 20)
                    except zlib.error:
                        return False  # unreadable: nothing will be drawn from it
                    raw = b""
                if not chunk:
                    break
                total += len(chunk)
                if total > MAX_CONTENT_BYTES:
                    raise LimitExceeded("a page's content is larger than "
                                        f"{MAX_CONTENT_BYTES} bytes when decoded",
                                        code="page_too_complex")
                if marker.search(tail + chunk):
                    return True
                tail = chunk[-8:]
        elif len(stream.read_raw_bytes()) < (1 << 20):
            if marker.search(stream.read_bytes()):
                return True
        else:
            return True  # an unusual encoding, large: let the parser look
    return False


def _inline_images(container) -> Iterator[tuple[tuple[int, int], bool]]:
    import pikepdf

    if not _has_inline_image(container):
        return
    try:
        instructions = pikepdf.parse_content_stream(container)
    except pikepdf.PdfError:
        return  # unreadable content: the renderer draws nothing from it
    for operands, op in instructions:
        if str(op) != "INLINE IMAGE":
            continue
        ii = operands[0]
        w, h = int(ii.width), int(ii.height)
        filters = [str(f) for f in ii.filters]
        if any(f in ("/DCTDecode", "/DCT") for f in filters) and len(filters) == 1:
            jw, jh = jpeg_size(ii.read_raw_bytes()[:1 << 16])
            if jw * jh > w * h:
                w, h = jw, jh
        yield (w, h), any(f in WHOLE_IMAGE_FILTERS for f in filters)


def check_pdf_page(page, max_pixels: int, number: int) -> None:
    """LimitExceeded when an image of page ``number`` decodes larger than ``max_pixels``;
    InputError when an image header is unreadable."""
    try:
        for size, whole in page_images(page):
            if whole:
                check_size(size, max_pixels, f"an image on page {number}")
            else:
                check_size(size, max_pixels * STREAMED_FACTOR, f"an image on page {number}",
                           f"{STREAMED_FACTOR} x SOHOA_MAX_PAGE_PIXELS for a streamed image")
    except HeaderError as exc:
        raise InputError(f"page {number}: {exc}", code="corrupt_image") from exc
