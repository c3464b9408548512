"""Preprocess: make a page upright, straight, evenly lit and legible for Tesseract.

All analysis (page outline, orientation, skew) runs on a small copy of the page (about
100 dpi), so it costs a few milliseconds; no Tesseract run is spent on it. The archive image
keeps its colours and grey levels and only gets the geometric corrections; the OCR image is a
normalised, binarised grey copy, upscaled when the scan is coarse.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.config import OcrSettings
from pipeline.model import PageImage, PreparedPage

ANALYSIS_DPI = 100.0
MAX_SKEW = 15.0  # degrees; larger angles are treated as no reliable skew
MIN_DESKEW = 0.1  # below this a rotation would only blur the page
# Below this a coarse scan (under 150 dpi) is not turned: Tesseract follows lines this
# slanted, and resampling a 100-dpi noisy scan by 0.12 degrees cost a FUNSD form 0.29 of its
# words (on a 300-dpi UNLV page the same small turn helped).
MIN_COARSE_DESKEW = 0.5
COARSE_DPI = 150
STEPS = ("upscale", "normalize", "despeckle", "deskew")  # switchable, for measuring each


@dataclass(frozen=True)
class Orientation:
    rotation: int  # clockwise degrees to apply: 0, 90, 180, 270
    confidence: float  # 0..1, how clearly the evidence pointed one way
    alternative: int | None = None  # the best reading on the other axis, when in doubt
    alternative_skew: float = 0.0


def prepare(page: PageImage, settings: OcrSettings, *,
            forced: tuple[int, float] | None = None, axis: int | None = None) -> PreparedPage:
    """The archive image and the OCR image of one page, upright and deskewed.
    ``forced`` (rotation, skew) skips the detection and ``axis`` (0 or 90) restricts it:
    the OCR stage's second opinion."""
    timings: dict[str, float] = {}
    clock = _Clock(timings)
    archive = page.image
    gray = to_gray(archive)
    clock.lap("gray")

    # An integer reduction: OpenCV's area resampling is several times faster then.
    step = max(1, int(round(page.dpi / ANALYSIS_DPI)))
    small = shrink(gray, step)
    quad = find_page_quad(small)
    if quad is not None:
        archive, gray = (warp_to_quad(img, quad * step) for img in (archive, gray))
        small = shrink(gray, step)
    clock.lap("perspective")

    if forced is None:
        orientation, skew = detect_orientation(_ink_mask(small), axis)
    else:
        orientation, skew = Orientation(forced[0], 1.0), forced[1]
    clock.lap("analysis")

    off = settings.preprocess_off
    if "deskew" in off or (page.dpi < COARSE_DPI and abs(skew) < MIN_COARSE_DESKEW):
        skew = 0.0
    jpeg_untouched = quad is None and orientation.rotation == 0 and abs(skew) < MIN_DESKEW
    archive = _straighten(archive, orientation.rotation, skew)
    gray = _straighten(gray, orientation.rotation, skew)
    clock.lap("rotate")

    upscale = 1.0 if "upscale" in off else upscale_factor(page.dpi, settings.target_dpi)
    ocr_image = make_ocr_image(gray, upscale, normalize="normalize" not in off,
                               despeckle="despeckle" not in off)
    clock.lap("ocr_image")
    return PreparedPage(
        number=page.number,
        archive_image=archive,
        ocr_image=ocr_image,
        dpi=page.dpi,
        ocr_scale=upscale,
        rotation=orientation.rotation,
        skew=skew,
        orientation=orientation,
        timings=timings,
        source_jpeg=page.source_jpeg if jpeg_untouched else None,
    )


# --- colour -------------------------------------------------------------------------------


def shrink(gray: np.ndarray, step: int) -> np.ndarray:
    if step <= 1:
        return gray
    h, w = gray.shape
    return cv2.resize(gray, (w // step, h // step), interpolation=cv2.INTER_AREA)


def to_gray(image: np.ndarray) -> np.ndarray:
    """Gray for OCR. Where red (stamps, seals) is on the page, the red channel hides it:
    red ink is bright in red light while black text stays dark."""
    if image.ndim == 2:
        return image
    small = image[::8, ::8].astype(np.int16)
    red = (small[..., 0] - np.maximum(small[..., 1], small[..., 2])) > 60
    if red.mean() > 0.002:
        return np.ascontiguousarray(image[..., 0])
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


# --- page outline (phone photos) -----------------------------------------------------------


def find_page_quad(small: np.ndarray) -> np.ndarray | None:
    """Corners of a sheet photographed on a darker background, or None for a flat scan."""
    h, w = small.shape
    blurred = cv2.GaussianBlur(small, (5, 5), 0)
    _, paper = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # A scan is paper to the edges: nothing to correct.
    border = np.concatenate([paper[0], paper[-1], paper[:, 0], paper[:, -1]])
    if border.mean() > 0.6 * 255:
        return None
    contours, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    biggest = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(biggest)
    if not 0.25 * w * h < area < 0.97 * w * h:
        return None
    approx = cv2.approxPolyDP(biggest, 0.02 * cv2.arcLength(biggest, True), True)
    if len(approx) != 4 or not cv2.isContourConvex(approx):
        return None
    quad = _order_corners(approx.reshape(4, 2).astype(np.float32))
    sides = np.linalg.norm(quad - np.roll(quad, 1, axis=0), axis=1)
    if sides.min() < 0.3 * min(h, w):
        return None  # degenerate: a shadow's edge, not a sheet
    inside = np.zeros_like(small)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 255)
    paper_mean = cv2.mean(small, inside)[0]
    desk_mean = cv2.mean(small, cv2.bitwise_not(inside))[0]
    if paper_mean - desk_mean < 40:
        return None  # no clearly darker desk around it: uneven light on a flat scan
    return quad


def _order_corners(pts: np.ndarray) -> np.ndarray:
    s, d = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)],
                     pts[np.argmax(d)]], dtype=np.float32)  # tl, tr, br, bl


def warp_to_quad(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    tl, tr, br, bl = quad
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]],
                      dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    return cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


# --- orientation and skew ----------------------------------------------------------------


def _ink_mask(small: np.ndarray) -> np.ndarray:
    """Dark marks as 255 on 0, after flattening the background."""
    flat = normalize_illumination(small)
    _, ink = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    # Drop specks and keep glyph-sized marks.
    return cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))


def glyph_size(ink: np.ndarray) -> float:
    """Typical size of a character in pixels: the median longer side of glyph-like marks."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    sizes = np.maximum(stats[1:n, 2], stats[1:n, 3])
    sizes = sizes[(sizes >= 3) & (sizes < min(ink.shape) / 8)]
    return float(np.median(sizes)) if len(sizes) else 10.0


def _line_blobs(ink: np.ndarray, glyph: float, vertical: bool = False) -> np.ndarray:
    """Components of the ink smeared along a direction by about two characters: along the
    reading direction they are words and lines; across it, lines merge into blocks."""
    k = max(3, int(round(2 * glyph)))
    kernel = np.ones((1, k) if not vertical else (k, 1), np.uint8)
    smeared = cv2.dilate(ink, kernel)
    n, _, stats, _ = cv2.connectedComponentsWithStats(smeared, connectivity=8)
    return stats[1:n]


def detect_orientation(ink: np.ndarray, axis: int | None = None) -> tuple[Orientation, float]:
    """Rotation (0/90/180/270) and skew of the page, from its text lines.

    The axis is the one along which the skew fit finds the most text-line length (or, when
    that is close, along which levelled rows of ink alternate most with blank rows). Upright
    versus upside down comes from where the ink sits around each line: Vietnamese and Latin
    text carry more ink above the x-height band (capitals, ascenders, diacritics) than
    below it. When the call is close, the runner-up is returned too.
    """
    glyph = glyph_size(ink)
    axes = {}
    for r in ((0, 90) if axis is None else (axis,)):
        turned = rotate_right_angle(ink, r)
        skew, support = fit_skew(turned, glyph)
        level = rotate_small(turned, skew)
        axes[r] = (line_contrast(level), skew, support, level)
    if axis is not None:
        rotation, skew, share_conf = _read_axis(axis, axes[axis], glyph)
        return Orientation(rotation, share_conf), skew
    # The lines' support decides; when it is close (few lines, a photo), the row contrast.
    (c0, _, s0, _), (c90, _, s90, _) = axes[0], axes[90]
    axis_margin = abs(s0 - s90) / max(s0, s90, 1.0)
    if axis_margin > 0.15:
        axis = 0 if s0 > s90 else 90
    else:
        axis = 0 if c0 >= c90 else 90
    rotation, skew, share_conf = _read_axis(axis, axes[axis], glyph)
    confidence = min(1.0, share_conf, axis_margin * 2)
    if confidence >= 0.5:
        # Turning a page is the exception: keep upside-down as the runner-up, which the OCR
        # stage reads too when the turned page reads badly (two FUNSD scans were turned
        # upside down on a confident but wrong call).
        alternative = None if rotation == 0 else (rotation + 180) % 360
        return Orientation(rotation, confidence, alternative, skew), skew
    if axis_margin * 2 < share_conf:  # unsure of the axis: the runner-up is the other one
        other, other_skew, _ = _read_axis(90 - axis, axes[90 - axis], glyph)
    else:  # unsure of up and down
        other, other_skew = (rotation + 180) % 360, skew
    if other == 0 and confidence < 0.25:
        # Next to nothing for turning the page: scans are upright far more often than not
        # (a FUNSD form was turned upside down on a 0.06 call). The turn stays runner-up.
        return Orientation(0, confidence, rotation, skew), other_skew
    return Orientation(rotation, confidence, other, other_skew), skew


def _read_axis(axis: int, evidence: tuple, glyph: float) -> tuple[int, float, float]:
    """Rotation (this axis or its opposite), refined skew and how sure the up/down call is."""
    _, skew, support, level = evidence
    if support == 0:
        return axis, 0.0, 0.0
    if abs(skew) > 1.0:
        # Smearing along the rows biases a steep first estimate towards zero: measure
        # again on the levelled copy and add what is left.
        residual, _ = fit_skew(level, glyph)
        skew += residual
    top_share = _ink_above_lines(level, glyph)
    if top_share is None:
        return axis, skew, 0.0
    rotation = axis if top_share >= 0.5 else axis + 180
    return rotation, skew, min(1.0, abs(top_share - 0.5) * 4)


def line_contrast(ink: np.ndarray) -> float:
    """How sharply the ink alternates between text lines and the gaps between them, row by
    row: high when the rows run along the text lines, low across them. Differences of
    neighbouring rows, so that blank margins (one edge each) hardly count."""
    rows = ink.sum(axis=1, dtype=np.float64)
    energy = float((rows * rows).sum())
    return float((np.diff(rows) ** 2).sum()) / energy if energy > 0 else 0.0


def _ink_above_lines(ink: np.ndarray, glyph: float) -> float | None:
    """Share of the ink above the core band of text lines (above + below = 1), from the
    longest lines (a few hundred carry all the evidence there is)."""
    above = below = 0.0
    blobs = _line_blobs(ink, glyph)
    lines = blobs[(blobs[:, 2] >= 5 * blobs[:, 3]) & (blobs[:, 3] >= 0.5 * glyph)
                  & (blobs[:, 3] <= 2.5 * glyph)]
    for x, y, w, h, _area in lines[np.argsort(-lines[:, 2])][:200]:
        rows = ink[y:y + h, x:x + w].sum(axis=1, dtype=np.float64)
        if rows.max() <= 0:
            continue
        core = np.flatnonzero(rows >= 0.5 * rows.max())
        top, bottom = core[0], core[-1]
        above += rows[:top].sum()
        below += rows[bottom + 1:].sum()
    if above + below == 0:
        return None
    return above / (above + below)


def fit_skew(ink: np.ndarray, glyph: float) -> tuple[float, float]:
    """Skew in degrees (positive: text rises to the right) from the angle of the lines, and
    the support for it (total length of the lines that agree)."""
    angles: list[float] = []
    weights: list[float] = []
    k = max(3, int(round(2 * glyph)))
    smeared = cv2.dilate(ink, np.ones((1, k), np.uint8))
    contours, _ = cv2.findContours(smeared, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    for c in contours:
        x, y, w, h = cv2.boundingRect(c)
        if w < 8 * glyph or w < 4 * h:
            continue
        vx, vy, _, _ = cv2.fitLine(c, cv2.DIST_L2, 0, 0.01, 0.01).ravel()
        angle = float(np.degrees(np.arctan2(vy, vx)))
        if angle > 90:
            angle -= 180
        elif angle < -90:
            angle += 180
        if abs(angle) <= MAX_SKEW:
            angles.append(-angle)  # image y grows downwards
            weights.append(float(w))
    if len(angles) < 3:
        return 0.0, 0.0
    return _weighted_median(np.array(angles), np.array(weights)), float(sum(weights))


def rotate_small(image: np.ndarray, skew: float) -> np.ndarray:
    """Undo a skew on an analysis image (same canvas, black fill: ink is white)."""
    if abs(skew) < MIN_DESKEW:
        return image
    h, w = image.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), -skew, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_NEAREST)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2)])


def rotate_right_angle(image: np.ndarray, rotation: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180,
             270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, codes[rotation]) if rotation in codes else image


def _straighten(image: np.ndarray, rotation: int, skew: float) -> np.ndarray:
    image = rotate_right_angle(image, rotation)
    if abs(skew) < MIN_DESKEW:
        return image
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), -skew, 1.0)
    # Grow the canvas so the corners are not cut, and fill with paper white.
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += (nw - w) / 2
    matrix[1, 2] += (nh - h) / 2
    fill = (255,) * (3 if image.ndim == 3 else 1)
    return cv2.warpAffine(image, matrix, (nw, nh), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


# --- the OCR image -----------------------------------------------------------------------


def upscale_factor(dpi: float, target_dpi: int) -> float:
    """Pages under 200 dpi (two thirds of the target) are enlarged, by 2 at most: on the
    FUNSD scans (~100 dpi) 2x read more words than 1x or 3x, and the 150-dpi Công báo pages
    read 0.974-0.984 of their words at 2x against 0.932-0.983 as they are. A 200-dpi page is
    read as it is: enlarging it 1.5x lost tone-marked words in Tesseract's page mode, gained
    nothing reading line by line, and costs recognition time."""
    if dpi >= 0.66 * target_dpi:
        return 1.0
    return round(min(target_dpi / dpi, 2.0), 4)


def make_ocr_image(gray: np.ndarray, upscale: float, *, normalize: bool = True,
                   despeckle: bool = True) -> np.ndarray:
    """Even out the lighting where it is uneven and, on a speckled page, remove the speckle
    (both decided from cheap statistics of the page).

    The result stays gray: Tesseract's own Otsu binarisation of a flattened page is the
    binarisation. Measured on the real test pages (benchmarks/preprocess_variants.py), our
    binarising first never helped and cost up to 0.45 CER points on some pages.
    """
    if upscale > 1.0:
        gray = cv2.resize(gray, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_CUBIC)
    flat = normalize_illumination(gray, only_if_uneven=True) if normalize else gray
    if despeckle and is_speckled(flat):
        flat = cv2.medianBlur(flat, 3)
    return flat


def is_speckled(flat: np.ndarray) -> bool:
    """Salt-and-pepper or sensor noise on the paper, judged on a central crop: the
    difference to a 3x3 median where the page is background."""
    h, w = flat.shape
    crop = flat[h // 3: h // 3 + 512, w // 3: w // 3 + 512]
    med = cv2.medianBlur(crop, 3)
    paper = med > 200
    if paper.mean() < 0.2:
        return False
    residual = np.abs(crop.astype(np.int16) - med)[paper]
    return float(residual.mean()) > 4.0


def normalize_illumination(gray: np.ndarray, *, only_if_uneven: bool = False) -> np.ndarray:
    """Divide by the page background (estimated on a small copy) so shadows and uneven
    lighting vanish while ink keeps its contrast. With ``only_if_uneven``, an evenly lit page
    is returned as it is (the full-size division is most of this step's cost)."""
    h, w = gray.shape
    step = 8 if min(h, w) >= 400 else 2
    small = cv2.resize(gray, (max(w // step, 1), max(h // step, 1)), interpolation=cv2.INTER_AREA)
    # Closing removes the dark text, leaving the paper; the blur smooths it.
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    background = cv2.GaussianBlur(background, (0, 0), 3)
    if only_if_uneven:
        low, high = np.percentile(background, (2, 98))
        if high - low < 24 and high > 200:
            return gray
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, np.maximum(background, 1), scale=255)


class _Clock:
    def __init__(self, timings: dict[str, float]):
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[f"preprocess.{name}"] = now - self.last
        self.last = now
