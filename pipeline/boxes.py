"""Digits written one per printed box (the ID number rows of CT01, CC01 and most forms).

Read as part of their line, a row of boxes comes back as digits mixed with the box walls read
as ``1`` and ``|`` (`02711816141119181312` for `027186419833`), or as nothing at all when
layout analysis takes the row for a table. So rows of boxes are found first, on the page image
(pure geometry: two long horizontal rules with a run of evenly spaced walls between them),
their digits are read on their own, the cells side by side on a clean strip with Tesseract
held to digits, and the row is blanked for the page's own reading. Each filled cell gives one
word, so a cell that cannot be read leaves a mark (``?``) in place of a silently lost digit.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np

MM_PER_INCH = 25.4
MIN_CELLS = 8  # ID rows print 9 or 12 cells, date rows 8
RULE_MIN_MM = 25.0  # the shortest row of boxes: 8 cells of 3 mm
CELL_HEIGHT_MM = (3.0, 12.0)  # inner height between the two rules
CELL_ASPECT = (0.45, 1.8)  # inner width over inner height
WALL_INK = 0.85  # share of a column's height inked for it to be a wall
FILLED_INK = 0.012  # share of a cell's inside inked for it to hold a digit
UNREAD = "?"


@dataclass(frozen=True)
class BoxRow:
    """A row of boxes: the outer box and each cell between its walls (page pixels, x0 y0 x1
    y1; ``cell_inside`` trims a cell to where its digit is read)."""

    bbox: tuple[int, int, int, int]
    cells: tuple[tuple[int, int, int, int], ...]


FIND_DPI = 150.0  # rows of boxes are found on the page brought down to this resolution


def _ink(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Dark against its surroundings: a thin light-gray box wall on a dull scan counts (a
    page-wide threshold loses it)."""
    block = int(dpi / MM_PER_INCH * 3) | 1
    return cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                 block, 12)


def _rules(ink: np.ndarray, dpi: float) -> list[tuple[int, int, int, int]]:
    """Long thin horizontal strokes (x0, y0, x1, y1): rules and box edges, not text."""
    mm = dpi / MM_PER_INCH
    length = max(9, int(4 * mm))  # longer than any stroke of a digit or letter
    # a slight residual skew breaks a one-pixel rule into steps: thicken before opening
    thick = cv2.dilate(ink, np.ones((3, 1), np.uint8))
    opened = cv2.morphologyEx(thick, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    pieces = sorted(((int(x), int(y), int(x + w), int(y + h))
                     for x, y, w, h, _ in stats[1:count] if h <= 1.6 * mm), key=lambda r: r[0])
    # a light rule loses a few pixels beside each wall to the local threshold: pieces in line
    # with a short gap between them are one rule (joined here, not by closing the image,
    # which would join a row of digits and walls into a "rule" too)
    rules: list[list[int]] = []
    for x0, y0, x1, y1 in pieces:
        for r in rules:
            if min(r[3], y1) > max(r[1], y0) and 0 <= x0 - r[2] <= 2 * mm:
                r[1], r[2], r[3] = min(r[1], y0), max(r[2], x1), max(r[3], y1)
                break
        else:
            rules.append([x0, y0, x1, y1])
    return sorted((tuple(r) for r in rules if r[2] - r[0] >= RULE_MIN_MM * mm),
                  key=lambda r: r[1])


def _walls(band: np.ndarray) -> list[tuple[int, int]]:
    """Column ranges of the band inked over most of its height."""
    inked = band.mean(axis=0) >= WALL_INK
    walls, start = [], None
    for x, on in enumerate(np.append(inked, False)):
        if on and start is None:
            start = x
        elif not on and start is not None:
            walls.append((start, x))
            start = None
    merged: list[tuple[int, int]] = []
    for a, b in walls:  # a wall broken by one light column is one wall
        if merged and a - merged[-1][1] <= 2:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _join_narrow(cells: list[tuple[int, int]], height: int) -> list[tuple[int, int]]:
    """A tall stroke inside a box (a written 1 reaching both walls) splits it in two narrow
    parts: join neighbours until the part is as wide as a box."""
    out: list[tuple[int, int]] = []
    for a, b in cells:
        if out and out[-1][1] - out[-1][0] < CELL_ASPECT[0] * height \
                and b - out[-1][0] <= CELL_ASPECT[1] * height and a - out[-1][1] <= 0.15 * height:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _even_run(cells: list[tuple[int, int]], height: int) -> list[tuple[int, int]]:
    """The longest run of neighbouring cells of a digit's shape and of one width."""
    best: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    for a, b in cells:
        w = b - a
        fits = CELL_ASPECT[0] * height <= w <= CELL_ASPECT[1] * height
        if fits and run:
            widths = sorted(c[1] - c[0] for c in run)
            median = widths[len(widths) // 2]
            gap = a - run[-1][1]
            fits = abs(w - median) <= 0.25 * median and gap <= 0.6 * median
        if fits:
            run.append((a, b))
        else:
            run = [(a, b)] if CELL_ASPECT[0] * height <= w <= CELL_ASPECT[1] * height else []
        if len(run) > len(best):
            best = list(run)
    return best


def find_box_rows(gray: np.ndarray, dpi: float) -> list[BoxRow]:
    """Rows of at least MIN_CELLS evenly spaced boxes on a gray page."""
    scale = min(1.0, FIND_DPI / dpi)
    small = gray if scale == 1.0 else cv2.resize(gray, None, fx=scale, fy=scale,
                                                 interpolation=cv2.INTER_AREA)
    rows = _find_rows(_ink(small, dpi * scale), dpi * scale)
    if scale == 1.0:
        return rows
    up = 1.0 / scale
    def big(box):
        return tuple(int(round(v * up)) for v in box)
    return [BoxRow(bbox=big(r.bbox), cells=tuple(big(c) for c in r.cells)) for r in rows]


def _find_rows(ink: np.ndarray, dpi: float) -> list[BoxRow]:
    mm = dpi / MM_PER_INCH
    rules = _rules(ink, dpi)
    rows: list[BoxRow] = []
    for i, top in enumerate(rules):
        for bottom in rules[i + 1:]:
            inner = bottom[1] - top[3]
            if inner > CELL_HEIGHT_MM[1] * mm:
                break
            if inner < CELL_HEIGHT_MM[0] * mm:
                continue
            x0, x1 = max(top[0], bottom[0]), min(top[2], bottom[2])
            if x1 - x0 < RULE_MIN_MM * mm:
                continue
            if any(r is not top and r is not bottom and top[3] <= r[1] and r[3] <= bottom[1]
                   and min(r[2], x1) - max(r[0], x0) > 0.5 * (x1 - x0) for r in rules):
                continue  # another rule between them: not one row
            y0, y1 = top[3], bottom[1]
            margin = max(1, inner // 20)  # walls may not quite reach a rule drawn apart
            x0, x1 = max(0, x0 - int(mm)), min(ink.shape[1], x1 + int(mm))  # the end walls
            walls = _walls(ink[y0 + margin:y1 - margin, x0:x1])
            gaps = _join_narrow([(a[1], b[0]) for a, b in itertools.pairwise(walls)], inner)
            run = _even_run(gaps, inner)
            if len(run) < MIN_CELLS:
                continue
            cells = tuple((x0 + a, y0, x0 + b, y1) for a, b in run)
            bbox = (cells[0][0] - 2, top[1], cells[-1][2] + 2, bottom[3])
            if not any(_overlaps(bbox, r.bbox) for r in rows):
                rows.append(BoxRow(bbox=bbox, cells=cells))
            break
    return rows


def _overlaps(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def cell_inside(cell: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The cell without the strip along its walls where a wall's blur or a stroke touching it
    would read as a digit."""
    x0, y0, x1, y1 = cell
    dx = max(2, (x1 - x0) // 8)
    dy = max(2, (y1 - y0) // 8)
    return x0 + dx, y0 + dy, x1 - dx, y1 - dy


def filled_cells(gray: np.ndarray, row: BoxRow) -> list[tuple[int, int, int, int] | None]:
    """Per cell, the box of the ink inside it, or None for an empty cell."""
    out: list[tuple[int, int, int, int] | None] = []
    for cell in row.cells:
        x0, y0, x1, y1 = cell_inside(cell)
        crop = gray[y0:y1, x0:x1]
        if crop.size == 0:
            out.append(None)
            continue
        mask = crop < min(160, int(np.median(crop)) - 60)  # ink: well darker than the paper
        if mask.mean() < FILLED_INK:
            out.append(None)
            continue
        ys, xs = np.nonzero(mask)
        out.append((x0 + int(xs.min()), y0 + int(ys.min()), x0 + int(xs.max()) + 1,
                    y0 + int(ys.max()) + 1))
    return out


def strip(gray: np.ndarray, row: BoxRow, filled: list) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The ink of the row's filled cells side by side on white, spaced as the digits of a
    printed number (Tesseract reads a number, not twelve lone marks), on one common band so
    their heights and baseline stay as written; and the x range of each filled cell in it."""
    inked = [b for b in filled if b is not None]
    y0 = min(b[1] for b in inked)
    y1 = max(b[3] for b in inked)
    height = y1 - y0
    gap = max(2, int(0.15 * height))
    pad = max(6, height // 2)
    width = sum(b[2] - b[0] for b in inked) + gap * (len(inked) - 1)
    out = np.full((height + 2 * pad, width + 2 * pad), 255, np.uint8)
    ranges: list[tuple[int, int]] = []
    x = pad
    for box in filled:
        if box is None:
            ranges.append((-1, -1))
            continue
        a0, _, a1, _ = box
        out[pad:pad + height, x:x + a1 - a0] = gray[y0:y1, a0:a1]
        ranges.append((x, x + a1 - a0))
        x += a1 - a0 + gap
    return out, ranges


def assign(symbols: list[tuple[str, float, int]], ranges: list[tuple[int, int]],
           filled: list) -> list[tuple[str, float] | None]:
    """Per cell: its digit and confidence; UNREAD when a filled cell got no digit or more than
    one, or an empty cell lies between filled ones; None for the empty cells around them.
    ``symbols``: (text, confidence, x centre in the strip). As many digits as filled cells
    pair in order; otherwise each digit goes to the cell under it."""
    digits = [s for s in symbols if s[0].isdigit() and len(s[0]) == 1]
    count = sum(b is not None for b in filled)
    found: list[list[tuple[str, float]]] = [[] for _ in ranges]
    if len(digits) == count:
        order = iter(digits)
        for k, box in enumerate(filled):
            if box is not None:
                text, confidence, _ = next(order)
                found[k].append((text, confidence))
    else:
        for text, confidence, centre in digits:
            for k, (a, b) in enumerate(ranges):
                if a - 2 <= centre <= b + 2:
                    found[k].append((text, confidence))
                    break
    inked = [k for k, box in enumerate(filled) if box is not None]
    out: list[tuple[str, float] | None] = []
    for k, box in enumerate(filled):
        if box is None and inked and inked[0] < k < inked[-1]:
            out.append((UNREAD, 0.0))  # a gap inside a number is a lost digit, not a space
        elif box is None:
            out.append(None)
        elif len(found[k]) == 1:
            out.append(found[k][0])
        else:
            out.append((UNREAD, 0.0))
    return out
