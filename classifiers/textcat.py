"""The spaCy text categorizer: ``spacy.blank("xx")`` + ``textcat`` (exclusive classes).

Trained on folded text (diacritics dropped: OCR gets those wrong most often) of generated
samples and of the real blank templates. Training is deterministic (fixed seed, fixed order)
and takes seconds; the model is cached under a folder the caller gives, keyed by a hash of the
training data, so a changed generator retrains once.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
from collections.abc import Iterable
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.training import Example

from extractors.text import fold_alnum

LABELS_OTHER = "other"
SEED = 1234
MAX_CHARS = 3000


def prepare(text: str) -> str:
    """What the model sees: folded alphanumeric text of the first page's worth of words."""
    return fold_alnum(text)[:MAX_CHARS]


def build(labels: list[str]) -> Language:
    nlp = spacy.blank("xx")
    textcat = nlp.add_pipe(
        "textcat",
        config={
            "model": {
                "@architectures": "spacy.TextCatBOW.v3",
                "exclusive_classes": True,
                "ngram_size": 2,
                "no_output_layer": False,
                "length": 262144,
            }
        },
    )
    for lab in labels:
        textcat.add_label(lab)
    return nlp


def train(examples: Iterable[tuple[str, str]], *, epochs: int = 10, seed: int = SEED) -> Language:
    """Train on ``(text, label)`` pairs, deterministically."""
    data = [(prepare(t), lab) for t, lab in examples]
    labels = sorted({lab for _, lab in data})
    spacy.util.fix_random_seed(seed)
    nlp = build(labels)
    rng = random.Random(seed)
    exs = []
    for text, lab in data:
        doc = nlp.make_doc(text)
        exs.append(Example.from_dict(doc, {"cats": {x: float(x == lab) for x in labels}}))
    optimizer = nlp.initialize(lambda: exs)
    for _ in range(epochs):
        rng.shuffle(exs)
        losses: dict[str, float] = {}
        for batch in spacy.util.minibatch(exs, size=16):
            nlp.update(batch, sgd=optimizer, losses=losses)
    return nlp


def data_hash(examples: list[tuple[str, str]]) -> str:
    h = hashlib.sha256()
    for t, lab in examples:
        h.update(lab.encode())
        h.update(b"\0")
        h.update(t.encode())
        h.update(b"\1")
    return h.hexdigest()[:16]


def load_or_train(cache_dir: Path | None, examples_fn, key: str | None = None) -> Language:
    """The cached model when its key matches, else train and save it. ``key`` names what
    the training data is made from (the generator's code); without it the data itself is
    made and hashed, which costs as much as making it."""
    examples = None
    if key is None:
        examples = list(examples_fn())
        key = data_hash(examples)
    if cache_dir is not None:
        path = Path(cache_dir) / f"textcat-{key}"
        if (path / "meta.json").exists():
            return spacy.load(path)
    if examples is None:
        examples = list(examples_fn())
    nlp = train(examples)
    if cache_dir is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        nlp.to_disk(tmp)
        (tmp / "sohoa.json").write_text(json.dumps({"examples": len(examples)}))
        try:
            tmp.rename(path)  # atomic; another process may have won the race
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    return nlp


def predict(nlp: Language, text: str) -> dict[str, float]:
    return dict(nlp(prepare(text)).cats)
