"""Scan and photo degradations, as branch scanners and phones produce them.

`choose` draws a random subset of parameters for one document (so all its pages come from
the same "scanner"), `apply` runs them on one page and returns the page with what was done.
"""

from __future__ import annotations

import io
import math
import random
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from samples.render import load_font

RED = np.array([200, 35, 45], dtype=np.float32)


def choose(rng: random.Random, level: str = "random") -> dict[str, Any]:
    """level: 'clean', 'light', 'heavy' or 'random' (mostly clean or light)."""
    if level == "random":
        level = rng.choices(["clean", "light", "heavy"], weights=[35, 45, 20])[0]
    d: dict[str, Any] = {"level": level}
    if level == "clean":
        return d
    heavy = level == "heavy"
    p = 0.6 if heavy else 0.35
    if rng.random() < (0.25 if heavy else 0.1):
        d["photo"] = {"strength": round(rng.uniform(0.02, 0.07), 3)}
    elif rng.random() < 0.8:
        d["skew"] = round(rng.uniform(-5, 5) if heavy else rng.uniform(-2, 2), 2)
    if rng.random() < 0.15:
        d["rotation"] = rng.choice([90, 180, 270])
    if rng.random() < p:
        # sensor noise is mild on scanners; strong per-pixel noise would also bloat every file
        d["noise"] = round(rng.uniform(2, 5 if heavy else 3.5), 1)
    if rng.random() < p * 0.7:
        d["blur"] = round(rng.uniform(0.5, 1.3 if heavy else 0.9), 2)
    if rng.random() < p:
        d["lighting"] = {
            "kind": rng.choice(["gradient", "vignette"]),
            "strength": round(rng.uniform(0.1, 0.35 if heavy else 0.2), 2),
        }
    if rng.random() < p * 0.6:
        d["stamp"] = {"seed": rng.randrange(10**9)}
    if rng.random() < p * 0.6:
        d["dpi"] = rng.choice([150, 200])
    if rng.random() < p * 0.6:
        d["jpeg_quality"] = rng.randint(20, 45)
    return d


def apply(
    page: np.ndarray,
    d: dict[str, Any],
    rng: random.Random,
    stamp_at: tuple[int, int] | None = None,
):
    """Degrade one page (uint8 gray or RGB, 300 dpi). Returns (image, dpi, rotation, applied).

    stamp_at: where the seal goes (the signature) if `d` asks for one; None: no seal here.
    """
    img = page.astype(np.float32)
    done: dict[str, Any] = {}
    if "stamp" in d and stamp_at:
        img = stamp(img, random.Random(d["stamp"]["seed"]), stamp_at)
        done["stamp"] = True
    if "photo" in d:
        img = photo(img, rng, d["photo"]["strength"])
        done["photo"] = d["photo"]
    if "skew" in d:
        img = skew(img, d["skew"])
        done["skew"] = d["skew"]
    if "lighting" in d:
        img = lighting(img, d["lighting"]["kind"], d["lighting"]["strength"], rng)
        done["lighting"] = d["lighting"]
    if "blur" in d:
        img = cv2.GaussianBlur(img, (0, 0), d["blur"])
        done["blur"] = d["blur"]
    if "noise" in d:
        nrng = np.random.default_rng(rng.randrange(2**32))
        img = img + nrng.normal(0, d["noise"], img.shape).astype(np.float32)
        done["noise"] = d["noise"]
    dpi = 300
    out = np.clip(img, 0, 255).astype(np.uint8)
    if "dpi" in d:
        dpi = d["dpi"]
        f = dpi / 300
        out = cv2.resize(out, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        done["dpi"] = dpi
    if "jpeg_quality" in d:
        out = jpeg_roundtrip(out, d["jpeg_quality"])
        done["jpeg_quality"] = d["jpeg_quality"]
    rot = d.get("rotation", 0)
    if rot:
        out = np.ascontiguousarray(np.rot90(out, k=-rot // 90))  # clockwise
        done["rotation"] = rot
    return out, dpi, rot, done


def jpeg_roundtrip(img: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())))


def skew(img: np.ndarray, deg: float) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
    border = (255,) * (img.shape[2] if img.ndim == 3 else 1)
    return cv2.warpAffine(
        img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border
    )


def lighting(img: np.ndarray, kind: str, strength: float, rng: random.Random) -> np.ndarray:
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "gradient":
        a = rng.uniform(0, 2 * math.pi)
        t = (xx / w - 0.5) * math.cos(a) + (yy / h - 0.5) * math.sin(a)
        field = 1 - strength * (t + 0.5)
    else:
        r = np.sqrt(((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2) / 0.71
        field = 1 - strength * r**2
    if img.ndim == 3:
        field = field[..., None]
    return img * field


def stamp(img: np.ndarray, rng: random.Random, at: tuple[int, int]) -> np.ndarray:
    """A red round seal with text around the ring, inked unevenly, over the signature."""
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    h, w = img.shape[:2]
    R = rng.randint(190, 240)
    size = 2 * R + 20
    mask = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(mask)
    c = size / 2
    d.ellipse([c - R, c - R, c + R, c + R], outline=255, width=9)
    d.ellipse([c - R * 0.68, c - R * 0.68, c + R * 0.68, c + R * 0.68], outline=255, width=5)
    pts = []
    for i in range(10):
        rr = R * (0.3 if i % 2 == 0 else 0.12)
        a = -math.pi / 2 + i * math.pi / 5
        pts.append((c + rr * math.cos(a), c + rr * math.sin(a)))
    d.polygon(pts, fill=255)
    text = rng.choice(
        [
            "ỦY BAN NHÂN DÂN * THÀNH PHỐ HÀ NỘI *",
            "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG * HÀ NỘI *",
            "CÔNG AN PHƯỜNG * THÀNH PHỐ HÀ NỘI *",
        ]
    )
    font = load_font("dejavu-sans", 40, True, False)
    n = len(text)
    for i, ch in enumerate(text):
        a = 2 * math.pi * i / n - math.pi / 2
        g = Image.new("L", (60, 60), 0)
        ImageDraw.Draw(g).text((30, 30), ch, font=font, fill=255, anchor="mm")
        g = g.rotate(-math.degrees(a) - 90, resample=Image.BILINEAR)
        rr = R * 0.84
        mask.paste(255, (int(c + rr * math.cos(a) - 30), int(c + rr * math.sin(a) - 30)), g)
    mask = mask.rotate(rng.uniform(0, 360), resample=Image.BILINEAR)
    m = np.asarray(mask, dtype=np.float32) / 255
    nrng = np.random.default_rng(rng.randrange(2**32))
    ink = np.clip(nrng.normal(0.8, 0.25, m.shape), 0.2, 1.0)
    ink = cv2.GaussianBlur(ink.astype(np.float32), (0, 0), 3)
    a = (m * ink)[..., None]
    x = min(max(0, at[0] - size // 2 + rng.randint(-120, 60)), w - size)
    y = min(max(0, at[1] - size // 2 + rng.randint(-80, 120)), h - size)
    region = img[y : y + size, x : x + size]
    img[y : y + size, x : x + size] = region * (1 - a) + np.minimum(region, RED) * a
    return img


def photo(img: np.ndarray, rng: random.Random, strength: float) -> np.ndarray:
    """The page photographed on a desk: perspective, a darker surround, shading, warm cast."""
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    h, w = img.shape[:2]
    margin = 0.06

    def jitter(x: float, y: float) -> list[float]:
        return [x + rng.uniform(-strength, strength) * w, y + rng.uniform(-strength, strength) * h]

    dst = np.float32(
        [
            jitter(margin * w, margin * h),
            jitter((1 - margin) * w, margin * h),
            jitter((1 - margin) * w, (1 - margin) * h),
            jitter(margin * w, (1 - margin) * h),
        ]
    )
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(src, dst)
    desk = np.array([rng.uniform(70, 120), rng.uniform(60, 95), rng.uniform(45, 75)], np.float32)
    out = cv2.warpPerspective(
        img,
        m,
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=desk.tolist(),
    )
    out = lighting(out, "gradient", rng.uniform(0.15, 0.35), rng)
    out = lighting(out, "vignette", rng.uniform(0.1, 0.3), rng)
    cast = np.array([1.0, rng.uniform(0.94, 0.99), rng.uniform(0.82, 0.93)], np.float32)
    return cv2.GaussianBlur(out * cast, (0, 0), 0.8)
