"""Sanity check of OCR quality on generated samples: Tesseract CER against the page truth.

    python -m samples.ocrcheck FILE.json ...     (the image next to each JSON is OCRed)

CER is computed on whitespace-normalised text (all runs of spaces/newlines become one space),
because line breaks and column order are layout, not characters.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

from PIL import Image
from rapidfuzz.distance import Levenshtein


def norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).split())


def cer(ocr: str, truth: str) -> float:
    t = norm(truth)
    return Levenshtein.distance(norm(ocr), t) / max(1, len(t))


def tesseract(img: Image.Image, lang: str = "vie+eng", psm: int = 3) -> str:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        img.save(f.name)
        r = subprocess.run(
            ["tesseract", f.name, "-", "-l", lang, "--psm", str(psm)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
    return r.stdout


def pages_of(path: Path) -> list[Image.Image]:
    if path.suffix == ".pdf":
        from pdf2image import convert_from_path

        return convert_from_path(str(path), dpi=300)
    im = Image.open(path)
    out = []
    for i in range(getattr(im, "n_frames", 1)):
        im.seek(i)
        out.append(im.convert("L"))
    return out


def check(json_path: Path) -> list[float]:
    truth = json.loads(json_path.read_text(encoding="utf-8"))
    images = pages_of(json_path.with_name(truth["file"]))
    return [cer(tesseract(im), p["text"]) for im, p in zip(images, truth["pages"], strict=True)]


def main(argv: list[str]) -> int:
    for a in argv:
        print(a, " ".join(f"{c:.4f}" for c in check(Path(a))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
