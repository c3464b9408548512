"""Is a field's value handwritten? Features of the ink in the value's crop, and a score.

Per OCR word (computed once per page, where the page image still exists: ``word_ink``):
- colour: chroma and blueness of the ink pixels in the faithful (archive) image: ballpoint
  ink is blue or a warm black, toner is neutral (0 on gray scans);
- stroke: stroke width from the distance transform of the ink mask, its mean relative to
  the page's printed text and its irregularity (coefficient of variation);
- pressure: the spread of ink darkness (a pen's trace is uneven, toner is flat);
- size: the word's height against the page's median word height.
Per field (``field_features``): those averaged over the value's words and their maximum (a
value may mix printed and written words), how much the value's baseline wanders, Tesseract's
word confidences (character confidences are not exposed by the OCR stage yet), signs of
writing in the reading (letters fused with the dotted line, characters no form prints), and
how hand-filled the page as a whole looks. ``score`` is a logistic model fitted
on the training set (``extractors/calibrate.py``), stored in ``extractors/confidence.json``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import cv2
import numpy as np

from pipeline.model import OcrPage, OcrWord

WORD_FEATURES = ("chroma", "blue", "stroke", "stroke_cv", "pressure", "height")
FIELD_FEATURES = (
    tuple(f"mean_{f}" for f in WORD_FEATURES) + tuple(f"max_{f}" for f in WORD_FEATURES)
    + ("baseline", "ocr_conf", "ocr_min", "dotted", "odd_chars", "vs_print",
       "page_coloured", "page_dotted")
)


def word_ink(archive: np.ndarray, ocr_gray: np.ndarray, words: Sequence[OcrWord],
             ocr_scale: float = 1.0) -> list[list[float]]:
    """[x0, y0, x1, y1, *WORD_FEATURES] per word (boxes in OCR-image pixels)."""
    if not words:
        return []
    heights = sorted(w.bbox[3] - w.bbox[1] for w in words)
    median_h = max(1.0, float(heights[len(heights) // 2]))
    rows = []
    strokes = []
    for w in words:
        feats = _word(archive, ocr_gray, w.bbox, ocr_scale)
        feats[5] = (w.bbox[3] - w.bbox[1]) / median_h
        rows.append([*w.bbox, *feats])
        if feats[2] > 0:
            strokes.append(feats[2])
    # stroke width relative to the page's typical word (scan resolution cancels out)
    ref = float(np.median(strokes)) if strokes else 1.0
    for r in rows:
        r[4 + 2] = round(r[4 + 2] / ref, 4) if ref > 0 else 0.0
    return [[round(float(v), 4) for v in r] for r in rows]


def _word(archive: np.ndarray, gray: np.ndarray, bbox, ocr_scale: float) -> list[float]:
    x0, y0, x1, y1 = (int(v) for v in bbox)
    crop = gray[max(0, y0):y1, max(0, x0):x1]
    if crop.size < 16:
        return [0.0] * len(WORD_FEATURES)
    _, mask = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ink = mask > 0
    if ink.sum() < 8:
        return [0.0] * len(WORD_FEATURES)
    # a blank border so that a crop full of ink still has a background to measure from
    padded = cv2.copyMakeBorder(mask, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, 3)[1:-1, 1:-1]
    ridge = (dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8))) & ink
    widths = 2.0 * dist[ridge]
    stroke = float(widths.mean()) if widths.size else 0.0
    stroke_cv = float(widths.std() / stroke) if stroke > 0 else 0.0
    vals = crop[ink].astype(np.float32)
    pressure = float(vals.std() / 255.0)
    chroma = blue = 0.0
    if archive.ndim == 3:
        s = 1.0 / ocr_scale
        ax0, ay0 = int(x0 * s), int(y0 * s)
        ax1, ay1 = max(ax0 + 1, int(x1 * s)), max(ay0 + 1, int(y1 * s))
        rgb = archive[ay0:ay1, ax0:ax1].astype(np.float32)
        if rgb.size:
            m = cv2.resize(mask, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_NEAREST)
            px = rgb[m > 0]
            if len(px):
                chroma = float((px.max(axis=1) - px.min(axis=1)).mean() / 255.0)
                blue = float((px[:, 2] - (px[:, 0] + px[:, 1]) / 2).mean() / 255.0)
    out = [chroma, blue, stroke, stroke_cv, pressure, 0.0]
    return [v if math.isfinite(v) else 0.0 for v in out]


def page_index(page: OcrPage) -> dict[tuple[int, int, int, int], list[float]]:
    return {tuple(int(v) for v in r[:4]): r[4:] for r in getattr(page, "ink", None) or []}


_DOTTED = re.compile(r"\w[.…·,]+\w|\.{2,}|\w\.$")
_ODD = re.compile(r"[^\w\s.,:;/()\-+@|\[\]{}]")  # box edges (`|`, `[`) are printed


def reading_signs(words: Sequence[OcrWord]) -> tuple[float, float]:
    """Signs of handwriting in what Tesseract read: letters fused with the dotted line
    ("Hà.Nội", "Thay.mặt") and characters no printed form field has ("¿", "⁄", "©")."""
    if not words:
        return 0.0, 0.0
    dotted = sum(bool(_DOTTED.search(w.text)) for w in words) / len(words)
    chars = "".join(w.text for w in words)
    odd = len(_ODD.findall(chars)) / max(1, len(chars))
    return dotted, min(odd * 10, 1.0)


def page_stats(page: OcrPage, index: dict) -> list[float]:
    """How hand-filled the page as a whole looks (a form is filled by one hand, in one go)."""
    rows = list(index.values())
    if not rows:
        return [0.0, 0.0]
    coloured = sum(r[0] > 0.12 for r in rows) / len(rows)
    dotted, _ = reading_signs(page.words)
    return [coloured, dotted]


def _containing(index: dict, bbox) -> list[float] | None:
    """The ink of the OCR word a part was split from (``layout.split_glued``): the word
    whose box holds this one."""
    x0, y0, x1, y1 = (int(v) for v in bbox)
    for (a0, b0, a1, b1), row in index.items():
        if a0 <= x0 and b0 <= y0 and x1 <= a1 and y1 <= b1:
            return row
    return None


def field_features(words: Sequence[OcrWord], index: dict | None,
                   page: list[float] | None = None,
                   printed: Sequence[OcrWord] = ()) -> list[float] | None:
    """FIELD_FEATURES of a value's words; None when the page carries no ink features.
    ``printed``: the words printed around the value (its label and the rest of its line),
    whose height the value's is measured against (``vs_print``)."""
    if not words or not index:
        return None
    rows = [index.get(tuple(int(v) for v in w.bbox)) or _containing(index, w.bbox)
            for w in words]
    rows = [r for r in rows if r]
    if not rows:
        return None
    cols = list(zip(*[r[: len(WORD_FEATURES)] for r in rows], strict=True))
    mean = [sum(c) / len(c) for c in cols]
    top = [max(c) for c in cols]
    hs = [max(1, w.bbox[3] - w.bbox[1]) for w in words]
    h = sorted(hs)[len(hs) // 2]
    bottoms = [w.bbox[3] for w in words]
    baseline = (max(bottoms) - min(bottoms)) / h if len(words) > 1 else 0.0
    confs = [w.confidence / 100.0 for w in words]
    dotted, odd = reading_signs(words)
    return [*mean, *top, min(baseline, 2.0), sum(confs) / len(confs), min(confs), dotted,
            odd, min(height_vs(words, printed), 3.0), *(page or [0.0, 0.0])]


def height_vs(words: Sequence[OcrWord], printed: Sequence[OcrWord]) -> float:
    """The value's median word height over the printed words' around it. A hand writes
    larger than the form's print beside it; against the page's median word instead, a real
    form's titles and mixed print sizes made every value look tall (on the official CT01
    a fifth of the page's words were "tall", and every typed value went to review)."""
    ref = [w.bbox[3] - w.bbox[1] for w in printed if any(c.isalnum() for c in w.text)]
    if not ref:
        return 1.0
    hs = sorted(w.bbox[3] - w.bbox[1] for w in words)
    return hs[len(hs) // 2] / max(1, sorted(ref)[len(ref) // 2])


def score(features: list[float] | None, model: dict | None) -> float:
    """P(handwritten) from the fitted logistic model (0.0 without features or model)."""
    if features is None or not model:
        return 0.0
    z = model["bias"] + sum(
        w * (x - m) / s
        for w, x, m, s in zip(model["weights"], features, model["mean"], model["scale"],
                              strict=True)
    )
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
