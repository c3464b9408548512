"""Page layout for label -> value extraction: visual lines and fuzzy label spans.

Words are grouped into visual lines by vertical overlap (Tesseract may put two fields of one
printed line into different blocks). Every word is split into folded tokens; labels are found
as fuzzy matches of the folded label against runs of consecutive tokens of one line
(rapidfuzz, all candidates scored in one C call per page).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from extractors.text import fold_alnum, nfc
from pipeline.model import OcrPage, OcrWord

_ROMAN = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "a", "b", "c", "d"}
_LEADER_ONLY = re.compile(r"^[.…·_:;,\-–]+$")


@dataclass
class Token:
    fold: str
    word: int  # index into Line.words


@dataclass
class Line:
    page: int  # 1-based page number
    index: int  # order in the document (pages concatenated)
    words: list[OcrWord]
    tokens: list[Token] = field(default_factory=list)

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return union_bbox(self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def height(self) -> int:
        hs = sorted(w.bbox[3] - w.bbox[1] for w in self.words)
        return max(1, hs[len(hs) // 2])


def union_bbox(words: list[OcrWord]) -> tuple[int, int, int, int]:
    return (
        min(w.bbox[0] for w in words),
        min(w.bbox[1] for w in words),
        max(w.bbox[2] for w in words),
        max(w.bbox[3] for w in words),
    )


# a value typed without a space before the next label ("0912345678Địa chỉ", "1990Giới"), or a
# frame word glued to its number ("ngày18"): two words for pairing
_DIGITS_THEN_LABEL = re.compile(r"^(\d[\d./\-]*\d[.,;]?)([^\W\d_][^\W\d_]+.*)$")
_FRAME_THEN_DIGITS = re.compile(r"^([^\W\d_]{2,6})(\d[\d./\-]*)$")
_FRAME_WORDS = {"ngay", "thang", "nam", "sinh", "so", "luc"}


def split_glued(w: OcrWord) -> list[OcrWord]:
    """One OCR word that holds two (see above), split with boxes shared by characters."""
    text = w.text
    m = _DIGITS_THEN_LABEL.match(text)
    if m and not m.group(2)[0].isupper():
        m = None
    if m is None:
        m = _FRAME_THEN_DIGITS.match(text)
        if m and fold_alnum(m.group(1)) not in _FRAME_WORDS:
            m = None
    if m is None or "@" in text:
        return [w]
    a, b = m.group(1), m.group(2)
    x0, y0, x1, y1 = w.bbox
    cut = x0 + round((x1 - x0) * len(a) / len(text))
    return [dataclasses.replace(w, text=a, bbox=(x0, y0, cut, y1)),
            dataclasses.replace(w, text=b, bbox=(cut, y0, x1, y1))]


def _clean_words(page: OcrPage) -> list[OcrWord]:
    out = []
    for w in page.words:
        text = nfc(w.text).strip()
        if not text:
            continue
        if text != w.text:
            w = dataclasses.replace(w, text=text)
        out.extend(split_glued(w))
    return out


def page_lines(page: OcrPage, start_index: int = 0) -> list[Line]:
    """Visual lines of a page, top to bottom, words left to right."""
    words = _clean_words(page)
    if not words:
        return []
    # Start from Tesseract's own lines, then merge lines whose vertical extents overlap
    # strongly (the same printed line split across blocks).
    groups: dict[tuple[int, int, int], list[OcrWord]] = {}
    for w in words:
        groups.setdefault((w.block, w.paragraph, w.line), []).append(w)
    raw = sorted(groups.values(), key=lambda ws: min(w.bbox[1] for w in ws))
    merged: list[list[OcrWord]] = []
    boxes: list[tuple[int, int]] = []
    for ws in raw:
        y0 = min(w.bbox[1] for w in ws)
        y1 = max(w.bbox[3] for w in ws)
        hit = None
        for i in range(len(merged) - 1, max(-1, len(merged) - 4), -1):
            a0, a1 = boxes[i]
            overlap = min(a1, y1) - max(a0, y0)
            if overlap > 0.5 * min(a1 - a0, y1 - y0):
                # only merge when the x ranges do not collide
                xs = [(w.bbox[0], w.bbox[2]) for w in merged[i]]
                if all(w.bbox[0] >= x1 - 2 or w.bbox[2] <= x0 + 2 for w in ws for x0, x1 in xs):
                    hit = i
                    break
        if hit is None:
            merged.append(list(ws))
            boxes.append((y0, y1))
        else:
            merged[hit].extend(ws)
            a0, a1 = boxes[hit]
            boxes[hit] = (min(a0, y0), max(a1, y1))
    order = sorted(range(len(merged)), key=lambda i: (boxes[i][0] + boxes[i][1]) / 2)
    lines = []
    for k, i in enumerate(order):
        ws = sorted(merged[i], key=lambda w: w.bbox[0])
        line = Line(page=page.number, index=start_index + k, words=ws)
        for wi, w in enumerate(ws):
            for t in fold_alnum(w.text).split():
                line.tokens.append(Token(t, wi))
        lines.append(line)
    return lines


def document_lines(pages: list[OcrPage]) -> list[Line]:
    lines: list[Line] = []
    for p in pages:
        lines.extend(page_lines(p, start_index=len(lines)))
    return lines


@dataclass(frozen=True)
class Span:
    """A label found on a line: tokens [start, end) of line ``line``."""

    keys: tuple[str, ...]  # what was matched (field ids, "@anchor", "_stop")
    line: int
    start: int
    end: int
    score: float  # 0..100
    weight: float
    label: str = ""  # the folded label that matched

    @property
    def pos(self) -> tuple[int, int]:
        return (self.line, self.start)


@dataclass
class LabelSet:
    """Label variants to search, each with a key (what it stands for)."""

    keys: list[tuple[str, ...]]  # one label text may stand for several keys
    folded: list[str]
    ntok: list[int]

    @classmethod
    def build(cls, items: list[tuple[str, str]]) -> LabelSet:
        by_label: dict[str, list[str]] = {}
        for key, label in items:
            f = fold_alnum(label)
            if f and key not in by_label.setdefault(f, []):
                by_label[f].append(key)
        folded = list(by_label)
        return cls([tuple(by_label[f]) for f in folded], folded, [len(f.split()) for f in folded])


def _cutoff(label: str) -> float:
    n = len(label)
    if n <= 4:
        return 100.0
    if n <= 8:
        return 88.0
    if n <= 14:
        return 86.0
    return 84.0


def _longer_word(cand: str, label: str) -> bool:
    """A word of the candidate is a word of the label with two letters or more added after it
    ("dia chinh" for "dia chi": the value's "địa chính" ended a respondent's value as the
    label "Địa chỉ"): another word, not the label misread."""
    ct, lt = cand.split(), label.split()
    return len(ct) == len(lt) and any(
        c != w and c.startswith(w) and len(c) - len(w) >= 2 for c, w in zip(ct, lt, strict=True))


def find_labels(lines: list[Line], labels: LabelSet) -> list[Span]:
    """Non-overlapping best label spans over all lines."""
    if not labels.keys:
        return []
    max_n = max(labels.ntok) + 1
    cands: list[str] = []
    where: list[tuple[int, int, int]] = []
    # a short label ("CCCD", "Họ") may be read with one letter wrong where a label must be:
    # first on its line (after its number) and closed by a colon ("IV. CCCP: …")
    placed: list[bool] = []
    for li, line in enumerate(lines):
        toks = [t.fold for t in line.tokens]
        for s in range(len(toks)):
            # a field number ("1", "iv") is never the start of a label
            if toks[s].isdigit() or (s == 0 and toks[s] in _ROMAN):
                continue
            first = all(t.isdigit() or t in _ROMAN for t in toks[:s])
            for n in range(1, min(max_n, len(toks) - s) + 1):
                cands.append(" ".join(toks[s : s + n]))
                where.append((li, s, s + n))
                placed.append(first and ":" in line.words[line.tokens[s + n - 1].word].text)
    if not cands:
        return []
    scores = process.cdist(labels.folded, cands, scorer=fuzz.ratio, dtype=np.uint8, workers=1)
    found: list[Span] = []
    cut = np.array([_cutoff(f) for f in labels.folded])[:, None]
    # token counts must be close to the label's
    ntok = np.array(labels.ntok)[:, None]
    clen = np.array([e - s for _, s, e in where])[None, :]
    short = np.array([len(f) <= 4 for f in labels.folded])[:, None]
    ok = ((scores >= cut) | (short & np.array(placed)[None, :] & (scores >= 75))) & (
        np.abs(clen - ntok) <= 1)
    for li_, ci in zip(*np.nonzero(ok), strict=True):
        line_i, s, e = where[ci]
        score = float(scores[li_, ci])
        label = labels.folded[li_]
        # the label's first word must be there (a shifted window scores well otherwise)
        if fuzz.ratio(lines[line_i].tokens[s].fold, label.split(" ", 1)[0]) < 50:
            continue
        if _longer_word(cands[ci], label):
            continue
        # weight: label characters matched minus twice the estimated edits, so a long label
        # that only half-fits (and eats value words) loses to a short exact one
        edits = (1.0 - score / 100.0) * (len(label) + len(cands[ci])) / 2.0
        found.append(
            Span(labels.keys[li_], line_i, s, e, score, round(len(label) - 4.0 * edits, 3), label)
        )
    # greedy: heaviest spans first, no overlap on a line
    found.sort(key=lambda sp: (-sp.weight, -sp.score, sp.line, sp.start))
    taken: dict[int, list[tuple[int, int]]] = {}
    out: list[Span] = []
    for sp in found:
        occ = taken.setdefault(sp.line, [])
        if any(sp.start < e and s < sp.end for s, e in occ):
            continue
        occ.append((sp.start, sp.end))
        out.append(sp)
    out.sort(key=lambda sp: sp.pos)
    return out
