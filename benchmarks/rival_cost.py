"""What keeping Tesseract's character choices costs (``OcrWord.rival``, ``lstm_choice_mode=2``):
sohoa's page stages on the real pages of benchmarks/ocr_bench.py with the choices kept and
without, interleaved page by page in one process (one Tesseract thread), and whether the
readings differ.

    nice -n 5 .venv/bin/python benchmarks/rival_cost.py [--funsd N] [--reps 2]

Prints the summed page seconds of each mode, their ratio, and the words read differently.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ocr_bench import prepare_pages  # noqa: E402

from pipeline import ingest, ocr, pages  # noqa: E402
from pipeline.config import Limits, OcrSettings  # noqa: E402


def read(image: Path, choices: bool) -> tuple[float, list[str]]:
    for api in ocr._engines.values():  # every engine of the process, the page's and English
        api.SetVariable("lstm_choice_mode", "2" if choices else "0")
    original = ocr._engine

    def engine(*args, **kwargs):
        api = original(*args, **kwargs)
        api.SetVariable("lstm_choice_mode", "2" if choices else "0")
        return api

    ocr._engine = engine
    try:
        source = ingest.open_source(image, Limits())
        started = time.perf_counter()
        outcome = pages.run_page(pages.PageTask(source, 1, "bench", Limits(),
                                                OcrSettings.from_env()))
        return time.perf_counter() - started, [w.text for w in outcome.page.words]
    finally:
        ocr._engine = original


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--funsd", type=int, default=10)
    ap.add_argument("--reps", type=int, default=2)
    a = ap.parse_args()
    todo = prepare_pages(None, a.funsd, folder="pages-rival")
    seconds = {True: 0.0, False: 0.0}
    differ = words = 0
    for rep in range(a.reps):
        for k, page in enumerate(todo):
            # alternate which mode goes first, so neither always meets a warm cache
            order = (True, False) if (rep + k) % 2 else (False, True)
            texts = {}
            for mode in order:
                s, texts[mode] = read(page.image, mode)
                seconds[mode] += s
            if rep == 0:
                words += len(texts[False])
                differ += sum(x != y for x, y in zip(texts[True], texts[False], strict=False))
                differ += abs(len(texts[True]) - len(texts[False]))
    print(f"{len(todo)} pages x {a.reps}: with choices {seconds[True]:.1f} s, without "
          f"{seconds[False]:.1f} s, ratio {seconds[True] / seconds[False]:.3f}; words read "
          f"differently {differ} of {words}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
