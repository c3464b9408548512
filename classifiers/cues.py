"""Cheap text cues: printed titles (fuzzy, on folded text) and receipt detection."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from extractors.engine import document_types, schemas
from extractors.text import fold_alnum

TOP_LINES = 18  # titles are printed in the upper part of the first page
TITLE_CUTOFF = 88.0


@dataclass(frozen=True)
class TitleCue:
    document_type: str
    score: float  # 0..100
    line: int  # index among the page's non-empty lines
    text: str


@lru_cache(maxsize=1)
def _titles() -> list[tuple[str, str]]:
    out = []
    for t in document_types():
        for title in schemas()[t]["titles"]:
            out.append((t, fold_alnum(title)))
    return out


def text_lines(text: str) -> list[str]:
    return [ln for ln in (fold_alnum(x) for x in text.splitlines()) if ln]


def title_cue(text: str, *, top: int = TOP_LINES) -> TitleCue | None:
    """The best printed-title match among the first lines of a page (single or joined pairs
    and triples: long titles wrap)."""
    lines = text_lines(text)[:top]
    best: TitleCue | None = None
    for i in range(len(lines)):
        for n in (1, 2, 3):
            if i + n > len(lines):
                break
            cand = " ".join(lines[i : i + n])
            if len(cand) > 120:
                break
            for dtype, title in _titles():
                if abs(len(cand) - len(title)) > max(6, 0.3 * len(title)):
                    continue
                s = fuzz.ratio(cand, title)
                # a longer title that matches as well wins (CĂN CƯỚC CÔNG DÂN vs TỜ KHAI ...)
                if s >= TITLE_CUTOFF and (
                    best is None or (s, len(title)) > (best.score, len(fold_alnum(best.text)))
                ):
                    best = TitleCue(dtype, float(s), i, cand)
    return best


_RECEIPT = re.compile(
    r"tiep nhan ho so|hen tra ket qua|ma ho so|giay bien nhan|phieu bien nhan"
    r"|tong cong|thanh tien|hoa don|receipt|total"
)


def looks_like_receipt(text: str) -> bool:
    """Cheap test (no model) for pages worth a QR decode: dossier receipts and the like."""
    head = fold_alnum(text[:4000])
    return bool(_RECEIPT.search(head))


def is_dossier_receipt_text(text: str) -> bool:
    head = fold_alnum(text[:4000])
    return "tiep nhan ho so" in head and ("hen tra" in head or "ma ho so" in head)
