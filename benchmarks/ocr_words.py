"""Dump every page's reading (words, boxes, confidences, language, rotation) to compare two
versions of the code word for word, with each page's word recall and CER.

    nice -n 10 .venv/bin/python benchmarks/ocr_words.py dump before.json [--corpus funsd]
    nice -n 10 .venv/bin/python benchmarks/ocr_words.py compare before.json after.json

The pages: those of ``ocr_bench.py`` (same selection flags) and every page of the project's
samples (``samples/scans``, truth from the generator). Each page goes through
``pipeline.pages.run_page``, the stages ``sohoa process`` runs on it, two processes at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ocr_bench import prepare_pages, word_recall  # noqa: E402
from pipeline.textmetrics import cer  # noqa: E402

SAMPLES = ROOT / "samples" / "scans"


def pages_to_read(corpora: set[str] | None, only: str | None) -> list[tuple[str, str, int, str]]:
    """(id, file, page number, truth) of each page."""
    chosen = []
    if corpora is None or corpora - {"samples"}:
        wanted = corpora | {"tesseract"} if corpora and "unlv" in corpora else corpora
        for p in prepare_pages(wanted, 50, folder="words-pages"):
            if corpora is None or p.corpus in corpora:
                chosen.append((f"{p.corpus}:{p.name}", str(p.image), 1, p.truth))
    if corpora is None or "samples" in corpora:
        for truth_file in sorted(SAMPLES.glob("*.json")):
            truth = json.loads(truth_file.read_text())
            for number, page in enumerate(truth.get("pages", []), 1):
                chosen.append((f"samples:{truth['file']}#{number}", str(SAMPLES / truth["file"]),
                               number, page["text"]))
    if only:
        chosen = [c for c in chosen if any(part in c[0] for part in only.split(","))]
    return chosen


def read(item: tuple[str, str, int, str]) -> tuple[str, dict]:
    from pipeline import ingest, pages
    from pipeline.config import Limits, OcrSettings

    key, file, number, truth = item
    limits = Limits()
    started = time.perf_counter()
    page = pages.run_page(pages.PageTask(ingest.open_source(Path(file), limits), number, "words",
                                         limits, OcrSettings())).page
    return key, {
        "seconds": time.perf_counter() - started, "truth": truth, "text": page.text,
        "language": page.language, "rotation": page.rotation,
        "words": [[w.text, list(w.bbox), round(w.confidence, 2), w.block, w.paragraph, w.line]
                  for w in page.words],
        "timings": page.timings}


def dump(args) -> None:
    corpora = set(args.corpus.split(",")) if args.corpus else None
    items = pages_to_read(corpora, args.only)
    print(f"{len(items)} pages", flush=True)
    started = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        result = dict(pool.map(read, items))
    wall = time.perf_counter() - started
    Path(args.out).write_text(json.dumps({"wall": wall, "pages": result}, ensure_ascii=False))
    print(f"{len(result)} pages read in {wall:.1f} s ({args.jobs} processes)")


def compare(args) -> None:
    a, b = (json.loads(Path(f).read_text())["pages"] for f in (args.before, args.after))
    print(f"{'page':44} {'lang':9} {'recall':>13} {'CER':>15} {'s':>11} words")
    totals: dict[str, list] = {}
    for key in a:
        if key not in b:
            continue
        x, y = a[key], b[key]
        rx, ry = word_recall(x["truth"], x["text"]), word_recall(y["truth"], y["text"])
        cx, cy = cer(x["truth"], x["text"]), cer(y["truth"], y["text"])
        same = "same" if x["words"] == y["words"] else \
            "same text" if x["text"] == y["text"] else "DIFFERENT"
        flag = "  WORSE" if ry < rx - 0.005 or x["rotation"] != y["rotation"] else ""
        print(f"{key[:44]:44} {x['language'][:4]}/{y['language'][:4]} {rx:6.3f}>{ry:6.3f} "
              f"{cx:6.2%}>{cy:6.2%} {x['seconds']:5.2f}>{y['seconds']:5.2f} {same}{flag}")
        t = totals.setdefault(key.split(":")[0], [0, 0.0, 0.0, 0.0, 0.0, 0, 0.0, 0.0, 0])
        t[0] += 1
        t[1] += rx
        t[2] += ry
        t[3] += cx * len(x["truth"])
        t[4] += cy * len(x["truth"])
        t[5] += len(x["truth"])
        t[6] += x["seconds"]
        t[7] += y["seconds"]
        t[8] += x["words"] != y["words"]
    print(f"\n{'corpus':10} {'pages':>5} {'recall before>after':>20} {'CER before>after':>18} "
          f"{'page s before>after':>20} changed")
    for corpus, t in sorted(totals.items()):
        print(f"{corpus:10} {t[0]:5} {t[1] / t[0]:9.3f}>{t[2] / t[0]:.3f} "
              f"{t[3] / t[5]:9.2%}>{t[4] / t[5]:.2%} {t[6]:10.1f}>{t[7]:.1f} {t[8]:7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out")
    d.add_argument("--corpus", default=None,
                   help="comma-separated: tesseract,unlv,linn,congbao,funsd,samples")
    d.add_argument("--only", default=None, help="comma-separated parts of page ids")
    d.add_argument("--jobs", type=int, default=2)
    c = sub.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    args = parser.parse_args()
    dump(args) if args.command == "dump" else compare(args)


if __name__ == "__main__":
    main()
