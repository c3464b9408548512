"""QR codes on receipt pages, with OpenCV's QRCodeDetector.

Decoding a downscaled copy first is several times faster on a 300-dpi page; the full-size
image is tried only when that finds nothing.
"""

from __future__ import annotations

import cv2
import numpy as np

_detector: cv2.QRCodeDetector | None = None


def _det() -> cv2.QRCodeDetector:
    global _detector
    if _detector is None:
        _detector = cv2.QRCodeDetector()
    return _detector


def _decode(img: np.ndarray) -> list[str]:
    det = _det()
    try:
        ok, texts, _, _ = det.detectAndDecodeMulti(img)
    except cv2.error:
        ok, texts = False, ()
    out = [t for t in (texts or ()) if t] if ok else []
    if not out:
        try:
            text, _, _ = det.detectAndDecode(img)
        except cv2.error:
            text = ""
        if text:
            out = [text]
    return out


def decode_qr(image: np.ndarray) -> list[str]:
    """Texts of the QR codes found on a page image (gray or RGB uint8); [] when none.

    Detection runs on a copy downscaled to about 1000 px (then 1600); each detected code is
    decoded from a crop of the full-resolution page, which is both fast and sharp.
    """
    if image is None or image.size == 0:
        return []
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape[:2]
    for target in (1000, 1600):
        scale = min(1.0, target / max(h, w))
        small = (
            gray
            if scale == 1.0
            else cv2.resize(gray, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
        )
        found = _decode_at(gray, small, scale)
        if found or scale == 1.0:
            return _unique(found)
    return []


def _decode_at(gray: np.ndarray, small: np.ndarray, scale: float) -> list[str]:
    det = _det()
    try:
        ok, points = det.detectMulti(small)
    except cv2.error:
        ok, points = False, None
    if not ok or points is None:
        try:
            ok1, pts1 = det.detect(small)
        except cv2.error:
            ok1, pts1 = False, None
        if not ok1 or pts1 is None:
            return []
        points = np.asarray(pts1).reshape(1, 4, 2)
    out: list[str] = []
    h, w = gray.shape[:2]
    for quad in np.asarray(points).reshape(-1, 4, 2):
        full = quad / scale
        x0, y0 = full.min(axis=0)
        x1, y1 = full.max(axis=0)
        pad = 0.25 * max(x1 - x0, y1 - y0) + 8
        xa, ya = max(0, int(x0 - pad)), max(0, int(y0 - pad))
        xb, yb = min(w, int(x1 + pad)), min(h, int(y1 + pad))
        crop = gray[ya:yb, xa:xb]
        texts = _decode(crop) if crop.size else []
        if not texts:
            texts = _decode(small)
        out.extend(texts)
    return out


def _unique(items: list[str]) -> list[str]:
    seen: list[str] = []
    for t in items:
        t = t.strip()
        if t and t not in seen:
            seen.append(t)
    return seen
