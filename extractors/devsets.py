"""The product side's four generated sets, OCR'd through the pipeline's own page stages.

- training (the handwriting detector's fit): seed 1201, printed in DejaVu Serif Condensed and
  DejaVu Sans Condensed, hand Itim;
- calibration (the confidence model's fit and its threshold): seed 2302, DejaVu Sans and Noto
  Serif, hands Patrick Hand and Dancing Script;
- threshold (only the auto-accept threshold, scored by the model fitted on calibration):
  seed 5605, the calibration set's fonts and hands; documents no decision has looked at, so the
  threshold does not inherit the optimism of validators chosen from calibration's own errors
  (seed 4504 played this part first; its surest wrong fields were read while the character
  rivals were added, so it is spent: a threshold set is used up once anyone reads its errors);
- development (every decision, and the figures we report): seed 3403, DejaVu Serif and Noto
  Sans, hand Sriracha.

Half of the form documents of each set are filled in by hand (the ID-card copies, receipts
and ``other`` documents are printed). The held-out set is a different program
(``benchmarks/heldout/``, another developer's renderer from the official blank templates,
with its own fonts, hands and values); nothing here reads it.

Each page goes through the production chain (the sample saved as a file, then
``pipeline.pages.run_page``: ingest, preprocess, Tesseract, QR, ink features), so boxes and
confidences are what production sees. Readings may be kept on disk only under a key made
of the code that produces them (pipeline stages, generator, ink features), Tesseract's
version, the tessdata files and the languages: any change there reads everything afresh.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import random
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class SetSpec:
    name: str
    seed: int
    fonts: tuple[str, ...]
    hands: tuple[str, ...]


SETS = {
    "training": SetSpec("training", 1201, ("dejavu-serif-condensed", "dejavu-sans-condensed"),
                        ("itim",)),
    "calibration": SetSpec("calibration", 2302, ("dejavu-sans", "noto-serif"),
                           ("patrick-hand", "dancing-script")),
    "threshold": SetSpec("threshold", 5605, ("dejavu-sans", "noto-serif"),
                         ("patrick-hand", "dancing-script")),
    "development": SetSpec("development", 3403, ("dejavu-serif", "noto-sans"), ("sriracha",)),
}


def _function_source(path: Path, name: str) -> str:
    """A function's text as the file on disk has it now (what a fresh worker will import;
    ``inspect.getsource`` would read shifted lines in a process older than an edit)."""
    text = path.read_text(encoding="utf-8")
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(text, node) or ""
    return ""


def _code_key(languages: str, spec: SetSpec) -> str:
    """Hash of everything that makes an OCR reading of a generated page: the set's seed,
    fonts and hands, the code that draws, degrades, saves and reads it, the tessdata files,
    Tesseract's version and the languages."""
    from pipeline.ocr import find_tessdata

    h = hashlib.sha256()
    h.update(repr(spec).encode())
    h.update(_function_source(Path(__file__), "_one").encode())
    files = sorted((ROOT / "pipeline").glob("*.py")) + sorted((ROOT / "samples").glob("*.py"))
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    # the ink features measured at the page stage (not the field-level scoring after it)
    for fn in ("word_ink", "_word"):
        h.update(_function_source(ROOT / "extractors" / "handwriting.py", fn).encode())
    tessdata = Path(find_tessdata(None))
    for lang in sorted(set(languages.split("+"))):
        f = tessdata / f"{lang}.traineddata"
        h.update(f.read_bytes() if f.exists() else b"missing")
    try:
        import tesserocr

        h.update(tesserocr.tesseract_version().encode())
    except Exception:  # noqa: BLE001
        pass
    h.update(languages.encode())
    return h.hexdigest()[:16]


def _one(job: tuple[str, int, int, bool]) -> dict[str, Any]:
    """Generate document i of a set, save it as a file, OCR it page by page."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    from pipeline.config import Limits, OcrSettings
    from pipeline.ingest import count_pages, open_source
    from pipeline.pages import PageTask, run_page
    from samples import output
    from samples.contract import ALL_TYPES
    from samples.forms import BUILDERS
    from samples.generate import doc_rng, generate_document

    set_name, i, n_types_offset, _ = job
    spec = SETS[set_name]
    rng = doc_rng(spec.seed, i)
    types = list(ALL_TYPES)
    random.Random(spec.seed).shuffle(types)
    doc_type = types[(i + n_types_offset) % len(types)]
    hand = doc_type in BUILDERS and (i // len(types)) % 2 == (spec.seed % 2)
    level = "clean" if rng.random() < 0.5 else rng.choices(["light", "heavy"], [8, 2])[0]
    sample = generate_document(doc_type, rng, fonts=list(spec.fonts), level=level,
                               hands=list(spec.hands) if hand else None)
    limits, ocr = Limits(), OcrSettings.from_env()
    with tempfile.TemporaryDirectory(prefix="sohoa-devset-") as tmp:
        path = output.save_sample(sample, Path(tmp), f"{i:04d}_{doc_type}", rng, spec.seed)
        src = open_source(path, limits)
        pages = []
        for n in range(1, count_pages(src, limits) + 1):
            out = run_page(PageTask(src, n, f"{set_name}-{i}", limits, ocr))
            pages.append(out.page.to_dict())
    return {
        "set": set_name, "index": i, "type": doc_type, "hand": hand, "level": level,
        "hand_font": Path(sample.style.hand).stem if sample.style.hand else None,
        "font": sample.style.font, "fields": sample.fields, "pages": pages,
    }


def build(set_name: str, count: int, workers: int = 2, cache: Path | None = None,
          languages: str | None = None) -> list[dict[str, Any]]:
    """The first ``count`` documents of a set, OCR'd (from the keyed cache when it holds them)."""
    from pipeline.config import OcrSettings

    languages = languages or OcrSettings.from_env().languages  # what production reads with
    key = _code_key(languages, SETS[set_name])
    store = None
    if cache is not None:
        store = cache / f"{set_name}-{key}"
        store.mkdir(parents=True, exist_ok=True)
    docs: dict[int, dict] = {}
    todo = []
    for i in range(count):
        f = store / f"{i:04d}.json" if store else None
        if f and f.exists():
            docs[i] = json.loads(f.read_text())
        else:
            todo.append((set_name, i, 0, False))
    if todo:
        print(f"{set_name}: OCR of {len(todo)} documents (key {key}, {languages})",
              file=sys.stderr)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for n, d in enumerate(pool.map(_one, todo), 1):
                docs[d["index"]] = d
                if store:
                    (store / f"{d['index']:04d}.json").write_text(json.dumps(d))
                if n % 10 == 0:
                    print(f"  {n}/{len(todo)}", file=sys.stderr)
    return [docs[i] for i in range(count)]
