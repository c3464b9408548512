"""Build the held-out set into a folder: one image per document and `truth.jsonl`, one line per
document in the contract's shape plus per field whether it was handwritten.

    python -m benchmarks.heldout.build OUT_DIR [--printed 6] [--hand 6] [--seed 20251203]
        [--types birth_registration,...]

Deterministic: the same seed, counts and fonts give the same files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import unicodedata
from pathlib import Path

from .degrade import degrade
from .forms import BUILDERS, HAND_FILLABLE
from .render import render_form

DEFAULT_SEED = 20251203


def doc_seed(seed: int, document_type: str, mode: str, index: int) -> int:
    key = f"{seed}:{document_type}:{mode}:{index}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:6], "big")


def nfc_value(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def make_document(document_type: str, mode: str, index: int, seed: int = DEFAULT_SEED):
    """(file name, encoded image, truth record) of one held-out document."""
    s = doc_seed(seed, document_type, mode, index)
    form = BUILDERS[document_type](random.Random(s))
    hand = mode == "hand"
    image, style, flags = render_form(form, s + 7, hand)
    data, suffix, params = degrade(image, random.Random(s + 13), style.dpi, hand)
    name = f"{document_type}-{mode}-{index:02d}{suffix}"
    truth = {
        "file": name, "document_type": form.document_type, "mode": mode,
        "fields": {k: {"value": nfc_value(v), "handwritten": bool(flags.get(k)) and v is not None}
                   for k, v in form.truth.items()},
        "render": {"seed": s, "dpi": style.dpi, "label_font": style.label.name,
                   "typed_font": style.typed.name,
                   "hand_font": style.hand_face.name if style.hand_face else None,
                   "ink": list(style.ink) if hand else None, "dotted": style.dots,
                   "degrade": params},
    }
    return name, data, truth


def plan(printed: int, hand: int, types: list[str] | None = None) -> list[tuple[str, str, int]]:
    """The documents of a set: `printed` printed and `hand` hand-filled per type (ID-card
    copies and receipts are printed documents: they get printed + hand printed copies)."""
    out = []
    for t in types or list(BUILDERS):
        n_printed = printed if t in HAND_FILLABLE else printed + hand
        out += [(t, "printed", i) for i in range(n_printed)]
        if t in HAND_FILLABLE:
            out += [(t, "hand", i) for i in range(hand)]
    return out


def build(out: Path, printed: int, hand: int, seed: int = DEFAULT_SEED,
          types: list[str] | None = None) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    truths = []
    for document_type, mode, index in plan(printed, hand, types):
        name, data, truth = make_document(document_type, mode, index, seed)
        (out / name).write_bytes(data)
        truths.append(truth)
    with open(out / "truth.jsonl", "w", encoding="utf-8") as fh:
        for truth in truths:
            fh.write(json.dumps(truth, ensure_ascii=False) + "\n")
    return truths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--printed", type=int, default=6)
    ap.add_argument("--hand", type=int, default=6)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--types", default="")
    args = ap.parse_args(argv)
    types = [t for t in args.types.split(",") if t] or None
    truths = build(args.out, args.printed, args.hand, args.seed, types)
    print(f"{len(truths)} documents in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
