"""Training data and training of the text categorizer, from generated samples.

    sohoa train                                          # into SOHOA_MODELS
    .venv/bin/python -m classifiers.train --out DIR     # train and save (deterministic)

An explicit command (set-up and the Dockerfile run it): the product only loads the model this
publishes (``classifiers/trained.py``) and never imports the sample generator.

Texts come from the samples generator (``samples.generate.render``: clean renders, so no OCR
is needed at training time) for every contract type and ``other`` (letters, shop receipts,
legal texts), several styles each, plus a copy of each text with OCR-like character noise.
Everything is seeded: the same generator gives the same model.
"""

from __future__ import annotations

import argparse
import random
import string
from collections.abc import Iterator
from pathlib import Path

PER_TYPE = 8
NOISE_SEED = 99


def _noisy(text: str, rng: random.Random, rate: float = 0.04) -> str:
    """Character drops, substitutions and merged words, as bad OCR makes them."""
    out = []
    for ch in text:
        r = rng.random()
        if r < rate / 3:
            continue
        if r < 2 * rate / 3:
            out.append(rng.choice(string.ascii_lowercase))
            continue
        if r < rate and ch == " ":
            continue
        out.append(ch)
    return "".join(out)


def generated_texts(per_type: int = PER_TYPE) -> Iterator[tuple[str, str]]:
    """(page text, label) for each page of generated documents; deterministic."""
    from samples.contract import ALL_TYPES
    from samples.generate import random_style, render
    from samples.others import OTHER_BUILDERS

    kinds = sorted(OTHER_BUILDERS)
    for t in ALL_TYPES:
        for i in range(per_type):
            rng = random.Random(f"sohoa-textcat/{t}/{i}")
            style = random_style(rng)
            kind = kinds[i % len(kinds)] if t == "other" else None
            sample = render(t, rng, style, kind=kind)
            for pt in sample.page_truth:
                if pt.text.strip():
                    yield pt.text, t


def training_examples(per_type: int = PER_TYPE) -> list[tuple[str, str]]:
    rng = random.Random(NOISE_SEED)
    out: list[tuple[str, str]] = []
    for text, label in generated_texts(per_type):
        out.append((text, label))
        out.append((_noisy(text, rng), label))
    return out


def source_key() -> str:
    """A hash of everything the training data is made from: the sample generator, this
    script, the text preparation, the schemas. Same code, same data, same model."""
    import hashlib

    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    files = sorted((root / "samples").glob("*.py")) + [
        root / "classifiers" / "train.py", root / "classifiers" / "textcat.py",
        root / "extractors" / "text.py", root / "extractors" / "schemas.json"]
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return "src" + digest.hexdigest()[:14]


def main(argv: list[str] | None = None) -> int:
    import time

    from classifiers import textcat, trained

    ap = argparse.ArgumentParser(description="train the document-type text categorizer")
    ap.add_argument("--out", type=Path, required=True, help="cache folder for the model")
    a = ap.parse_args(argv)
    t = time.perf_counter()
    key = source_key()
    nlp = textcat.load_or_train(a.out, training_examples, key)
    trained.publish(a.out, f"textcat-{key}")
    print(
        f"model ready in {time.perf_counter() - t:.1f} s: labels {nlp.get_pipe('textcat').labels}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
