"""Writing samples: PNG, JPEG, multi-page TIFF or image PDF next to a NAME.json ground truth."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from samples.model import Sample

FIXED_TIME = dt.datetime(2026, 1, 1).timetuple()  # PDFs carry no wall-clock time: determinism


def choose_format(sample: Sample, rng: random.Random) -> tuple[str, str]:
    """(ext, mode): multi-page needs TIFF/PDF; clean text pages mostly 1-bit, photos JPEG."""
    multi = len(sample.pages) > 1
    color = sample.pages[0].ndim == 3
    clean = not any(t.degradations for t in sample.page_truth)
    if clean:
        # office scanners are mostly set to black and white for documents
        mode = "1" if rng.random() < 0.7 else "L"
        exts, weights = ["png", "pdf", "tiff", "jpg"], [40, 30, 20, 10 if mode == "L" else 0]
    else:
        mode = "RGB" if color else "L"
        exts, weights = ["jpg", "pdf", "tiff"], [50, 35, 0 if color else 15]
    if multi:
        exts, weights = ["pdf", "tiff"], [65, 0 if color else 35]
    ext = rng.choices(exts, weights)[0]
    if clean and ext == "pdf" and rng.random() < 0.7:
        mode = "1"  # Pillow's PDFs hold grey as JPEG, large for crisp text: mostly CCITT
    return ext, mode


def to_pil(page: np.ndarray, mode: str) -> Image.Image:
    im = Image.fromarray(page)
    if mode == "1":
        return im.convert("L").point(lambda v: 255 if v >= 160 else 0).convert("1")
    return im.convert(mode)


def write_images(
    path: Path, images: list[Image.Image], dpi: int, quality: int = 85, lossy: bool = False
) -> None:
    ext = path.suffix.lstrip(".")
    first, rest = images[0], images[1:]
    if ext == "pdf":
        kw = {} if first.mode == "1" else {"quality": quality}  # CCITT for 1-bit, else JPEG
        first.save(
            path,
            "PDF",
            save_all=True,
            append_images=rest,
            resolution=float(dpi),
            creationDate=FIXED_TIME,
            modDate=FIXED_TIME,
            **kw,
        )
    elif ext == "tiff":
        # deflate keeps clean grey text lossless; scans with noise would not compress: JPEG
        comp = {"1": "group4", "L": "tiff_deflate", "RGB": "jpeg"}[first.mode]
        if first.mode == "L" and lossy:
            comp = "jpeg"
        kw: dict[str, Any] = {"quality": quality} if comp == "jpeg" else {}
        first.save(
            path, "TIFF", save_all=True, append_images=rest, compression=comp, dpi=(dpi, dpi), **kw
        )
    elif ext == "jpg":
        first.save(path, "JPEG", quality=quality, dpi=(dpi, dpi))
    else:
        first.save(path, "PNG", dpi=(dpi, dpi), optimize=True)


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def save_sample(
    sample: Sample,
    out: Path,
    name: str,
    rng: random.Random,
    seed: int | None = None,
    fmt: tuple[str, str] | None = None,
) -> Path:
    ext, mode = fmt or choose_format(sample, rng)
    path = out / f"{name}.{ext}"
    quality = rng.randint(45, 75)
    images = [to_pil(p, mode) for p in sample.pages]
    lossy = any(t.degradations for t in sample.page_truth)
    write_images(path, images, sample.page_truth[0].dpi, quality, lossy)
    truth = sample.truth(file=path.name, seed=seed)
    truth["encoding"] = {"format": ext, "mode": mode, "quality": quality if mode != "1" else None}
    write_json(out / f"{name}.json", truth)
    return path


def save_stack(stack, out: Path, name: str, seed: int | None = None, quality: int = 60) -> Path:
    path = out / f"{name}.pdf"
    images = [to_pil(p, stack.mode) for p in stack.pages]
    write_images(path, images, stack.page_truth[0].dpi, quality)
    truth = stack.truth(file=path.name, seed=seed)
    q = quality if stack.mode != "1" else None
    truth["encoding"] = {"format": "pdf", "mode": stack.mode, "quality": q}
    write_json(out / f"{name}.json", truth)
    return path
