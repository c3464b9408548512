"""Learning from QA: every decision a reviewer took is a labelled example.

- ``examples(archive)``: for each reviewed field (``storage.reviewed.reviewed_fields``), the
  document's stored pages (its JSON sidecar: words, boxes, confidences, ink features) are
  extracted again with the current code; the field's features and whether the value read now
  equals the value QA settled on give one example.
- ``calibrate_from_reviews()`` (``sohoa calibrate --from-reviews``): refits the confidence
  model on those examples, derives the threshold from the same Wilson bound, and prints the
  precision and review share it would have had, measured by two-fold cross-fitting (each half
  scored by the model fitted on the other) so the figure is not the fit's own flattery.
  ``--write`` replaces ``extractors/confidence.json``'s model (the handwriting detector and
  the page ranges are kept).
- ``export_reviews(out)`` (``sohoa export-reviews DIR``): each reviewed field's crop of the
  archived page as PNG with ``labels.jsonl`` (value read, value decided, decision, who, when,
  handwritten), e.g. for training a handwriting recogniser later.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from extractors import confidence as cm
from extractors import engine

MIN_EXAMPLES = 50


@dataclass
class Example:
    document_id: str
    field_id: str
    kind: str
    features: list[float]
    ok: bool


def _exact(kind: str, got: Any, want: Any) -> bool:
    from extractors.calibrate import exact

    return exact(kind, got, want)


def examples(archive) -> tuple[list[Example], int]:
    """(examples, reviewed fields skipped: no stored pages, or the field now goes to review
    whatever the model says)."""
    from pipeline.model import OcrPage
    from storage.reviewed import reviewed_fields

    out: list[Example] = []
    skipped = 0
    cache: dict[str, dict] = {}
    for r in reviewed_fields(archive.db):
        if not r.sidecar_key or not r.document_type:
            skipped += 1
            continue
        if r.document_id not in cache:
            data = json.loads(archive.store.get(r.sidecar_key))
            pages = [OcrPage.from_dict(p) for p in data.get("pages", []) if p.get("words")]
            cache[r.document_id] = {
                fid: (f, fx) for fid, f, fx in engine.extract_records(r.document_type, pages)
            }
        f, fx = cache[r.document_id].get(r.field_id, (None, None))
        if f is None or fx is None:
            skipped += 1
            continue
        out.append(Example(r.document_id, r.field_id, r.kind,
                           [fx[k] for k in cm.FEATURES], _exact(r.kind, f.value, r.final)))
    return out, skipped


def refit(exs: list[Example]) -> dict[str, Any]:
    """The model and threshold on all examples, and cross-fitted figures."""
    x = np.array([e.features for e in exs], dtype=float)
    y = np.array([e.ok for e in exs], dtype=float)
    model = cm.fit_logistic(x, y)
    model["features"] = list(cm.FEATURES)
    thr = cm.threshold_for(cm.predict(model, x), y.astype(bool))
    # two-fold cross-fitting by document: what the refit would have done on unseen fields
    docs = sorted({e.document_id for e in exs})
    half = {d for i, d in enumerate(docs) if i % 2 == 0}
    fold = np.array([e.document_id in half for e in exs])
    accepted = correct = 0
    for part in (fold, ~fold):
        if part.all() or (~part).all():
            continue
        m = cm.fit_logistic(x[~part], y[~part])
        t = cm.threshold_for(cm.predict(m, x[~part]), y[~part].astype(bool))["threshold"]
        p = cm.predict(m, x[part])
        acc = p >= t
        accepted += int(acc.sum())
        correct += int(y[part][acc].sum())
    lo, hi = cm.wilson(correct, accepted)
    return {"model": model, "threshold": thr, "examples": len(exs),
            "cross": {"accepted": accepted, "correct": correct, "precision_ci": [lo, hi],
                      "review_share": 1 - accepted / len(exs) if exs else None}}


def calibrate_from_reviews(write: bool = False, archive=None) -> int:
    from storage.archive import Archive

    archive = archive or Archive()
    exs, skipped = examples(archive)
    print(f"reviewed fields usable as examples: {len(exs)} (skipped {skipped})")
    if len(exs) < MIN_EXAMPLES:
        print(f"fewer than {MIN_EXAMPLES} examples: model left as it is")
        return 1
    res = refit(exs)
    c, thr = res["cross"], res["threshold"]
    prec = c["correct"] / c["accepted"] if c["accepted"] else float("nan")
    print(f"refitted threshold {thr['threshold']:.4f} (Wilson 95% lower bound "
          f"{thr['lower']:.4f} on {thr['accepted']} accepted)")
    print(f"would have had (two-fold cross-fit): auto-accepted {c['accepted']}, precision "
          f"{prec:.4f} [{c['precision_ci'][0]:.4f}, {c['precision_ci'][1]:.4f}], review share "
          f"{c['review_share']:.3f}")
    if write:
        current = dict(cm.model())
        current.update(confidence=res["model"], threshold=thr,
                       refit_from_reviews={"examples": len(exs), "cross": c})
        cm.MODEL_PATH.write_text(json.dumps(current, indent=1) + "\n", encoding="utf-8")
        cm.model.cache_clear()
        print(f"written {cm.MODEL_PATH}")
    return 0


def _page_image(pdf: bytes, page: int, dpi: float):
    from pdf2image import convert_from_bytes

    imgs = convert_from_bytes(pdf, dpi=round(dpi), first_page=page, last_page=page,
                              timeout=120)
    return imgs[0] if imgs else None


def export_reviews(out: Path, archive=None) -> int:
    """Each reviewed field's crop (PNG) and its label (``labels.jsonl``)."""
    from storage.archive import Archive
    from storage.reviewed import reviewed_fields

    archive = archive or Archive()
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    pdfs: dict[str, bytes] = {}
    meta: dict[str, dict] = {}
    with (out / "labels.jsonl").open("w", encoding="utf-8") as fh:
        for r in reviewed_fields(archive.db):
            crop_name = None
            if r.bbox and r.page and r.archive_key and r.sidecar_key:
                if r.document_id not in pdfs:
                    pdfs[r.document_id] = archive.get_pdf(r.document_id)
                    data = json.loads(archive.store.get(r.sidecar_key))
                    meta[r.document_id] = {p["page"]: p for p in data.get("pages", [])}
                p = meta[r.document_id].get(r.page, {})
                scale = float(p.get("ocr_scale", 1.0)) or 1.0
                img = _page_image(pdfs[r.document_id], r.page, float(p.get("dpi", 300.0)))
                if img is not None:
                    x0, y0, x1, y1 = (round(v / scale) for v in r.bbox)
                    pad = max(4, (y1 - y0) // 3)
                    crop = img.crop((max(0, x0 - pad), max(0, y0 - pad), x1 + pad, y1 + pad))
                    crop_name = f"{r.document_id}_{r.field_id}.png"
                    crop.save(out / crop_name)
            fh.write(json.dumps({
                "crop": crop_name, "document_id": r.document_id,
                "document_type": r.document_type, "field_id": r.field_id, "kind": r.kind,
                "read": r.extracted, "value": r.final, "decision": r.decision, "by": r.actor,
                "at": r.decided_at.isoformat() if r.decided_at else None,
                "reasons": r.reasons, "handwritten": "handwritten" in r.reasons,
            }, ensure_ascii=False) + "\n")
            n += 1
    print(f"{n} reviewed fields written to {out}", file=sys.stderr)
    return 0
