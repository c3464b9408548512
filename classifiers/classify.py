"""Document classification: printed-title cues combined with a spaCy text categorizer.

The title (fuzzy, on folded text, in the upper part of the first page) is the strongest cue:
every contract type prints one. The text categorizer, trained on generated samples, gives a
probability over the 12 types and ``other``; it confirms the title, resolves pages whose title
was lost to OCR, and recognises the ``other`` documents. Without a title the classifier only
commits to a type when the categorizer is very sure.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from classifiers.cues import TitleCue, is_dossier_receipt_text, title_cue
from pipeline.model import Classification, OcrPage

if TYPE_CHECKING:  # spaCy is imported with the model, not with this module: the page stages
    from spacy.language import Language  # (receipt cues) and start-up never pay for it

OTHER = "other"
NO_TITLE_MIN_PROB = 0.90  # the categorizer alone must be this sure to name a type

_lock = threading.Lock()
_model: Language | None = None
_model_dir: Path | None = None


def configure(model_dir: str | Path | None) -> None:
    """Where the trained categorizer is (``sohoa train`` puts it there)."""
    global _model_dir, _model
    with _lock:
        _model_dir = Path(model_dir) if model_dir else None
        _model = None


def model() -> Language:
    global _model
    with _lock:
        if _model is None:
            from classifiers.trained import load  # trained by `sohoa train`, never here

            _model = load(_model_dir)
        return _model


def set_model(nlp: Language) -> None:
    global _model
    with _lock:
        _model = nlp


def _combine(title: TitleCue | None, cats: dict[str, float], cues: list[str]) -> Classification:
    top = max(cats, key=cats.get) if cats else OTHER
    p_top = cats.get(top, 0.0)
    if title is not None:
        t = title.document_type
        s_title = 0.90 + 0.09 * (title.score - 88.0) / 12.0  # 88..100 -> 0.90..0.99
        p_t = cats.get(t, 0.0)
        cues.append(f"title:{t}:{title.score:.0f}")
        if top not in (t, OTHER) and p_top >= 0.95 and p_t < 0.02:
            # the title says one thing, the whole text firmly another: trust neither fully
            cues.append(f"textcat_disagrees:{top}:{p_top:.2f}")
            return Classification(t, round(min(0.6, s_title * 0.6), 4), cues)
        conf = 1.0 - (1.0 - s_title) * (1.0 - p_t)
        if top == OTHER and p_top > 0.9:
            conf = min(conf, 0.85)
            cues.append(f"textcat_other:{p_top:.2f}")
        return Classification(t, round(conf, 4), cues)
    cues.append("no_title")
    if top != OTHER and p_top >= NO_TITLE_MIN_PROB:
        return Classification(top, round(p_top * 0.95, 4), cues)
    p_other = cats.get(OTHER, 0.0)
    return Classification(
        OTHER, round(max(p_other, 1.0 - p_top if top != OTHER else p_top), 4), cues
    )


def classify_text(text: str) -> Classification:
    from classifiers import textcat

    cats = textcat.predict(model(), text) if text.strip() else {}
    cues: list[str] = []
    if cats:
        top = max(cats, key=cats.get)
        cues.append(f"textcat:{top}:{cats[top]:.2f}")
    title = title_cue(text)
    if title is None and is_dossier_receipt_text(text):
        title = TitleCue("dossier_receipt", 88.0, 0, "tiep nhan ho so")
    return _combine(title, cats, cues)


def classify(pages: list[OcrPage]) -> Classification:
    """The type of one document (all its pages; the title is looked for on the first page
    that has text)."""
    texts = [p.text for p in pages if p.text and p.text.strip()]
    if not texts:
        return Classification(OTHER, 0.0, ["no_text"])
    first = texts[0]
    c = classify_text(first)
    if len(texts) > 1 and c.document_type == OTHER:
        whole = classify_text("\n".join(texts))
        if whole.document_type != OTHER:
            return whole
    return c


def classify_page(page: OcrPage) -> Classification:
    """One page on its own, for splitting stacks: a page with no title cue says so in its cues
    (``no_title``), which the dossier assembly reads as a continuation page."""
    return classify_text(page.text or "")
