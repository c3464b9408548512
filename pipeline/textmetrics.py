"""Character error rate, the accuracy measure of the tests and benchmarks."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

_SPACE = re.compile(r"\s+")


def normalize_for_cer(text: str) -> str:
    """NFC, and any run of white space as one space: layout is not what CER measures."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def cer(reference: str, hypothesis: str) -> float:
    """Edit distance over the reference length (0.0 perfect; can exceed 1.0)."""
    ref, hyp = normalize_for_cer(reference), normalize_for_cer(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)
