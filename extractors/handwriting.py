"""Is a field's value handwritten? Features of the ink in the value's crop, and a score.

Per OCR word (computed once per page, where the page image still exists: ``word_ink``):
- colour: chroma and blueness of the ink pixels in the faithful (archive) image: ballpoint
  ink is blue or a warm black, toner is neutral (0 on gray scans);
- stroke: stroke width from the distance transform of the ink mask, its mean relative to
  the page's printed text and its irregularity (coefficient of variation);
- pressure: the spread of ink darkness (a pen's trace is uneven, toner is flat);
- size: the word's height against the page's median word height.
Per field (``field_features``): those averaged over the value's words, plus how much the
value's baseline wanders and Tesseract's confidence. ``score`` is a logistic model fitted
on the training set (``extractors/calibrate.py``), stored in ``extractors/confidence.json``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from pipeline.model import OcrPage, OcrWord

WORD_FEATURES = ("chroma", "blue", "stroke", "stroke_cv", "pressure", "height")
FIELD_FEATURES = WORD_FEATURES + ("baseline", "ocr_conf")


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


def field_features(words: Sequence[OcrWord], index: dict | None) -> list[float] | None:
    """FIELD_FEATURES of a value's words; None when the page carries no ink features."""
    if not words or not index:
        return None
    rows = [index.get(tuple(int(v) for v in w.bbox)) for w in words]
    rows = [r for r in rows if r]
    if not rows:
        return None
    mean = [sum(r[i] for r in rows) / len(rows) for i in range(len(WORD_FEATURES))]
    hs = [max(1, w.bbox[3] - w.bbox[1]) for w in words]
    h = sorted(hs)[len(hs) // 2]
    bottoms = [w.bbox[3] for w in words]
    baseline = (max(bottoms) - min(bottoms)) / h if len(words) > 1 else 0.0
    conf = sum(w.confidence for w in words) / len(words) / 100.0
    return [*mean, min(baseline, 2.0), conf]


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
