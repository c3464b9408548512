"""Document classification (title cues + spaCy text categorizer), QR decoding, receipts."""

from classifiers.classify import classify, classify_page, classify_text, configure
from classifiers.cues import looks_like_receipt, title_cue

__all__ = [
    "classify",
    "classify_page",
    "classify_text",
    "configure",
    "looks_like_receipt",
    "title_cue",
]
