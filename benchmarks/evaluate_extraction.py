"""Classification and field extraction on the DEVELOPMENT set, printed and hand-filled apart.

    SOHOA_OCR_LANGUAGES=vie OMP_THREAD_LIMIT=1 nice -n 10 \\
        .venv/bin/python benchmarks/evaluate_extraction.py [--documents 52] [--json OUT]

The development set (``extractors/devsets.py``: seed 3403, printed in DejaVu Serif and Noto
Sans, hand-filled in Sriracha) shares neither seed nor fonts nor hand with the training set
(the handwriting detector's) or the calibration set (the confidence model's); decisions are
taken on it. The held-out set is another program (``benchmarks/heldout/``, written separately
from the official blank templates) and is not read here.

Every page goes through the production page chain (file, ingest, preprocess, Tesseract, ink
features); readings are kept in ``--cache`` only under a key of the code and tessdata that
produced them. Reported with 95% Wilson intervals:
- document type accuracy, printed and hand-filled documents;
- field exact-match per kind (names and text exact too, case-insensitive after whitespace
  squashing) and text similarity (rapidfuzz ratio >= 90) separately, per printed and per
  handwritten field;
- auto-accepted precision and review share, printed and handwritten;
- handwriting detection precision and recall (field level);
- every wrong auto-accepted value.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors.calibrate import DEFAULT_CACHE, exact, pages_of  # noqa: E402
from extractors.confidence import wilson  # noqa: E402


def same(kind: str, got: Any, want: Any) -> bool:
    """The contract's comparison: names case-insensitive, text by similarity, rest exact."""
    from rapidfuzz import fuzz

    from extractors.text import squash

    if kind == "text" and got is not None and want is not None:
        a, b = squash(str(got)).casefold(), squash(str(want)).casefold()
        return a == b or fuzz.ratio(a, b) >= 90.0
    return exact(kind, got, want)


def _ci(k: int, n: int) -> str:
    if n == 0:
        return "    n/a              (0)"
    lo, hi = wilson(k, n)
    return f"{k / n:7.4f} [{lo:.4f}, {hi:.4f}] ({k}/{n})"


def evaluate(docs: list[dict], threshold: float) -> dict[str, Any]:
    from classifiers import classify
    from extractors import extract

    types = defaultdict(lambda: [0, 0])
    exact_by = defaultdict(lambda: [0, 0])  # (kind, hand) -> [right, n]
    similar_by = defaultdict(lambda: [0, 0])
    auto = defaultdict(lambda: [0, 0])  # hand -> [right, accepted]
    total = defaultdict(int)
    detect = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    wrong: list[str] = []
    for d in docs:
        pages = pages_of(d)
        c = classify(pages)
        part = "hand" if d["hand"] else "printed"
        types[part][0] += c.document_type == d["type"]
        types[part][1] += 1
        if d["type"] == "other":
            continue
        fields = extract(d["type"], pages, review_threshold=threshold)
        for fid, want in d["fields"].items():
            f = fields[fid]
            ok = exact(f.kind, f.value, want)
            exact_by[(f.kind, part)][0] += ok
            exact_by[(f.kind, part)][1] += 1
            if f.kind == "text":
                similar_by[part][0] += same("text", f.value, want)
                similar_by[part][1] += 1
            total[part] += 1
            if f.value is not None:
                key = ("tp" if f.handwritten else "fn") if d["hand"] else (
                    "fp" if f.handwritten else "tn")
                detect[key] += 1
            if not f.needs_review:
                auto[part][0] += ok
                auto[part][1] += 1
                if not ok:
                    wrong.append(f"{part} doc {d['index']} {d['type']}.{fid}: {f.value!r} "
                                 f"(want {want!r}, confidence {f.confidence})")
    return {"types": dict(types), "exact": {f"{k}/{h}": v for (k, h), v in exact_by.items()},
            "similar_text": dict(similar_by), "auto": dict(auto), "fields": dict(total),
            "detection": detect, "wrong_auto_accepted": wrong}


def show(r: dict[str, Any], docs: int) -> None:
    print(f"development set: {docs} documents (machine shared by six developers)")
    for part in ("printed", "hand"):
        k, n = r["types"].get(part, [0, 0])
        print(f"type accuracy {part:<8}            {_ci(k, n)}")
    kinds = sorted({k.split("/")[0] for k in r["exact"]})
    for part in ("printed", "hand"):
        print(f"-- {part} fields")
        allk = [sum(r["exact"].get(f"{k}/{part}", [0, 0])[i] for k in kinds) for i in (0, 1)]
        print(f"  exact-match all kinds        {_ci(*allk)}")
        for k in kinds:
            v = r["exact"].get(f"{k}/{part}")
            if v:
                print(f"  exact-match {k:<16} {_ci(*v)}")
        s = r["similar_text"].get(part, [0, 0])
        print(f"  text similarity >= 90        {_ci(*s)}")
        a = r["auto"].get(part, [0, 0])
        n = r["fields"].get(part, 0)
        print(f"  auto-accepted precision      {_ci(*a)}")
        print(f"  review share                 {_ci(n - a[1], n)}")
    d = r["detection"]
    print(f"handwriting detection precision {_ci(d['tp'], d['tp'] + d['fp'])}")
    print(f"handwriting detection recall    {_ci(d['tp'], d['tp'] + d['fn'])}")
    for w in r["wrong_auto_accepted"]:
        print(f"  WRONG AUTO-ACCEPTED {w}")


def main(argv: list[str] | None = None) -> int:
    from classifiers import configure
    from extractors import devsets
    from pipeline.config import Settings

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--documents", type=int, default=104)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    settings = Settings.from_env()
    configure(settings.models_dir)
    docs = devsets.build("development", a.documents, a.workers, None if a.no_cache else a.cache)
    r = evaluate(docs, settings.review_threshold)
    show(r, len(docs))
    if a.json:
        a.json.write_text(json.dumps(r, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
