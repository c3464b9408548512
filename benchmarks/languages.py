"""Which Tesseract languages by default? CER and time of vie+eng, vie and eng+vie on the same
pages (committed samples: Vietnamese forms, a bilingual ID card; Tesseract's English pages).

    .venv/bin/python benchmarks/languages.py
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import ingest, pages  # noqa: E402
from pipeline.config import Limits, OcrSettings  # noqa: E402
from pipeline.textmetrics import cer  # noqa: E402

REAL = Path(os.environ.get("SOHOA_REALDATA", ROOT.parent / "shared" / "realdata"))


def cases() -> list[tuple[str, Path, int, str]]:
    items = []
    for truth_file in sorted((ROOT / "samples" / "scans").glob("*.json")):
        truth = json.loads(truth_file.read_text())
        for number, page in enumerate(truth.get("pages", []), 1):
            items.append(("samples (vi)", truth_file.with_name(truth["file"]), number,
                          page["text"]))
    for name in ("phototest", "eurotext", "8071_093.3B", "8087_054.3B"):
        items.append(("tesseract (en)", REAL / "tesseract" / f"{name}.tif", 1,
                      (REAL / "tesseract" / f"{name}.txt").read_text()))
    return items


def main() -> None:
    limits = Limits()
    items = cases()
    for languages in ("vie+eng", "vie", "eng+vie"):
        settings = OcrSettings(languages=languages)
        errors: dict[str, list[float]] = {}
        recognition = 0.0
        started = time.perf_counter()
        for corpus, path, number, truth in items:
            source = ingest.open_source(path, limits)
            page = pages.run_page(pages.PageTask(source, number, "bench", limits, settings)).page
            recognition += page.timings.get("ocr.recognize", 0.0)
            errors.setdefault(corpus, []).append(cer(truth, page.text) * len(truth))
            errors.setdefault(corpus + " chars", []).append(len(truth))
        wall = time.perf_counter() - started
        by_corpus = ", ".join(
            f"{c}: {sum(v) / sum(errors[c + ' chars']) * 100:.2f}% CER"
            for c, v in errors.items() if not c.endswith(" chars"))
        print(f"{languages:8} {len(items)} pages, recognition {recognition:6.1f} s "
              f"(wall {wall:6.1f} s); {by_corpus}", flush=True)


if __name__ == "__main__":
    main()
