"""The page crops QA looks at, and a reviewer's value in the contract's format.

The queue and the decisions are the archive's (``storage/review.py``, through ``Archive``).
Crops are cut from the stored, signed PDF/A: the page is rendered with pdftoppm at the
geometry of the OCR image (where the field's bbox lives) and cached under
``SOHOA_HOME/cache/pages``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import unicodedata
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from api.limits import check_value_length

MAX_RENDER_WIDTH = 1700  # pixels: plenty for a crop, half the work of 300 dpi
STRUCTURED = {"date", "year", "id_number", "phone", "email", "gender", "number",
              "dossier_code"}
_render_lock = threading.Semaphore(2)


def queue(archive, **filters) -> dict[str, Any]:
    """Fields waiting for review, oldest document first (``storage/review.py``)."""
    return archive.review_queue(**filters)


def field(archive, field_id: int) -> dict[str, Any] | None:
    return archive.review_item(field_id)


def clean_value(kind: str, value: Any) -> Any:
    """A reviewer's value in the contract's format; ValueError when it is not one or is
    longer than its kind allows (checked first: nothing long is normalised)."""
    if value is None:
        return None
    check_value_length(kind, value)
    text = " ".join(unicodedata.normalize("NFC", str(value)).split())
    if text == "":
        return None
    if kind in STRUCTURED:
        from extractors.normalize import normalize

        out, _ = normalize(kind, text)
        if out is None:
            raise ValueError(f"{text!r} is not a valid {kind}")
        return out
    return text


# ---------------------------------------------------------------------------- crops


def _page_image(archive, document_id: str, number: int, width: int, cache: Path) -> np.ndarray:
    """Page ``number`` of the stored PDF, rendered ``width`` pixels wide (cached)."""
    import pikepdf

    from pipeline.poppler import render_page

    cache.mkdir(parents=True, exist_ok=True)
    safe = hashlib.sha256(document_id.encode()).hexdigest()[:32]
    path = cache / f"{safe}-{number}-{width}.png"
    if path.exists():
        img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if img is not None:
            return img
    pdf = archive.get_pdf(document_id)
    with _render_lock, tempfile.TemporaryDirectory(prefix=".crop-", dir=cache) as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf)
        with pikepdf.open(src) as doc:
            box = [float(v) for v in doc.pages[number - 1].mediabox]
        width_pt = abs(box[2] - box[0])
        dpi = width / (width_pt / 72.0)
        img = render_page(str(src), number, dpi=dpi, gray=True)
    tmp_png = path.with_name(f".{path.name}.{os.getpid()}.tmp.png")
    cv2.imwrite(str(tmp_png), img)
    os.replace(tmp_png, path)
    return img


def crop_png(archive, item: dict[str, Any], cache: Path) -> bytes:
    """The area around the field's bbox (with its neighbours for context), bbox outlined."""
    if not item.get("page") or not item.get("page_size"):
        raise LookupError("the field has no page")
    pw, ph = item["page_size"]
    scale = min(1.0, MAX_RENDER_WIDTH / pw)
    img = _page_image(archive, item["document_id"], item["page"], int(round(pw * scale)), cache)
    sx, sy = img.shape[1] / pw, img.shape[0] / ph
    if item.get("bbox"):
        x0, y0, x1, y1 = item["bbox"]
    else:  # not found: show the top of the page
        x0, y0, x1, y1 = 0, 0, pw, ph // 4
    bx0, by0, bx1, by1 = int(x0 * sx), int(y0 * sy), int(x1 * sx), int(y1 * sy)
    h = max(by1 - by0, 20)
    cx0 = max(0, min(bx0, int(img.shape[1] * 0.06)) - 20)
    cx1 = min(img.shape[1], max(bx1 + 60, int(img.shape[1] * 0.94)))
    cy0 = max(0, by0 - int(4 * h))
    cy1 = min(img.shape[0], by1 + int(4 * h))
    crop = cv2.cvtColor(img[cy0:cy1, cx0:cx1], cv2.COLOR_GRAY2BGR)
    if item.get("bbox"):
        cv2.rectangle(crop, (bx0 - cx0 - 4, by0 - cy0 - 4), (bx1 - cx0 + 4, by1 - cy0 + 4),
                      (0, 90, 230), 2)
    ok, png = cv2.imencode(".png", crop)
    if not ok:
        raise RuntimeError("cannot encode the crop")
    return png.tobytes()
