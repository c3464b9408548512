"""What each preprocessing step gains or costs, per corpus: sohoa's page stages (ingest,
preprocess, OCR, the second opinion) with one step switched off at a time.

    nice -n 10 .venv/bin/python benchmarks/preprocess_variants.py [--funsd N]

The pages are those of benchmarks/ocr_bench.py (every real page with a text truth; FUNSD
limited to the first N scans). For each variant: mean word recall and total CER per corpus,
and Tesseract plus preprocessing seconds, next to the default (every step on, each applied
only where its page statistics say so). Two processes, the variants of a page run in one.
The steps: ``upscale`` (coarse scans, under 150 dpi, enlarged 2x), ``normalize`` (background
division where the paper is unevenly lit), ``despeckle`` (3x3 median where the paper is
speckled), ``deskew`` (turning by the measured skew, from 0.5 degrees). Binarising ourselves
is not a step: Tesseract's own Otsu on the flattened page did better (see docs/ocr.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ocr_bench import Page, prepare_pages, word_recall  # noqa: E402

from pipeline.config import Limits, OcrSettings  # noqa: E402
from pipeline.textmetrics import cer  # noqa: E402

VARIANTS = {"default": frozenset(), "no upscale": frozenset({"upscale"}),
            "no normalize": frozenset({"normalize"}), "no despeckle": frozenset({"despeckle"}),
            "no deskew": frozenset({"deskew"})}


def read_page(page: Page) -> dict[str, tuple[str, float, int]]:
    """The page's text under every variant, with its OCR + preprocessing seconds and how
    many times the variant's step was applied (0 or 1)."""
    from pipeline import ingest, pages, preprocess

    out = {}
    base = OcrSettings.from_env()
    for name, off in VARIANTS.items():
        settings = replace(base, preprocess_off=off)
        source = ingest.open_source(page.image, Limits())
        task = pages.PageTask(source, 1, "bench", Limits(), settings)
        started = time.perf_counter()
        outcome = pages.run_page(task)
        seconds = time.perf_counter() - started
        image = ingest.load_page(source, 1, Limits(), settings, "bench")
        prepared = preprocess.prepare(image, settings)
        applied = {"upscale": prepared.ocr_scale > 1, "deskew": abs(prepared.skew) > 0}
        gray = preprocess.to_gray(image.image)
        flat = preprocess.normalize_illumination(gray, only_if_uneven=True)
        applied["normalize"] = flat is not gray
        applied["despeckle"] = preprocess.is_speckled(flat)
        out[name] = (outcome.page.text, seconds, applied)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--funsd", type=int, default=20)
    args = parser.parse_args()
    pages_list = prepare_pages(None, args.funsd, "pages-variants")
    print(f"{len(pages_list)} pages; {len(VARIANTS)} variants each", flush=True)
    with ProcessPoolExecutor(2) as pool:
        readings = dict(zip([p.image for p in pages_list], pool.map(read_page, pages_list),
                            strict=True))
    corpora = sorted({p.corpus for p in pages_list})
    print(f"\n{'corpus':10} {'variant':12} {'step used':>10} {'recall':>8} {'step gain':>9} "
          f"{'CER':>7} {'step gain':>9} {'s/page':>7} {'step cost':>9}")
    for corpus in corpora:
        subset = [p for p in pages_list if p.corpus == corpus]
        chars = sum(len(p.truth) for p in subset)

        def stats(name: str, subset=subset, chars=chars):
            recall = statistics.mean(word_recall(p.truth, readings[p.image][name][0])
                                     for p in subset)
            errors = sum(cer(p.truth, readings[p.image][name][0]) * len(p.truth)
                         for p in subset) / max(chars, 1)
            seconds = statistics.mean(readings[p.image][name][1] for p in subset)
            return recall, errors, seconds

        r0, c0, s0 = stats("default")
        print(f"{corpus:10} {'all on':12} {'':>10} {r0:8.3f} {'':>9} {c0:7.2%} {'':>9} "
              f"{s0:7.2f}")
        for name, off in VARIANTS.items():
            if not off:
                continue
            step = next(iter(off))
            applied = sum(readings[p.image]["default"][2][step] for p in subset)
            r, c, sec = stats(name)
            print(f"{'':10} {name:12} {applied:>4}/{len(subset):<5} {r:8.3f} {r0 - r:+9.3f} "
                  f"{c:7.2%} {(c - c0) * 100:+8.2f}p {sec:7.2f} {s0 - sec:+9.2f}")
    print("\nstep gain: word recall with the step minus without; CER points without minus "
          "with (positive: the step helps); step cost: seconds per page it adds")


if __name__ == "__main__":
    main()
