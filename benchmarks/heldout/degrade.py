"""Scan degradations of the held-out set: skew, uneven light, paper tone, blur, sensor noise,
speckles, grey or colour scanning, JPEG. Parameters drawn per page from its seed."""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageFilter


def degrade(image: Image.Image, rng: random.Random, dpi: int, hand: bool) -> tuple[bytes, str,
                                                                                 dict]:
    """Encoded page bytes, the file suffix, and the parameters used."""
    nrng = np.random.default_rng(rng.randrange(2**32))
    scale = dpi / 300
    params = {"skew_deg": round(max(-2.0, min(2.0, rng.gauss(0, 0.7))), 2),
              "light": round(rng.uniform(0.0, 0.22), 3),
              "blur_px": round(rng.uniform(0.2, 1.0) * scale, 2),
              "noise": round(rng.uniform(2, 9), 1),
              "grey": rng.random() < (0.3 if hand else 0.5),
              "jpeg": rng.random() < 0.75,
              "quality": rng.randint(55, 92)}
    img = image.rotate(params["skew_deg"], resample=Image.BICUBIC, expand=False,
                       fillcolor=(255, 255, 255))
    if params["blur_px"] > 0.25:
        img = img.filter(ImageFilter.GaussianBlur(params["blur_px"]))
    a = np.asarray(img).astype(np.float32)
    h, w = a.shape[:2]
    # Uneven light: a tilted plane and a soft vignette, computed coarse and smoothed up.
    sh, sw = max(2, h // 8), max(2, w // 8)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    plane = np.cos(ang) * xx / sw + np.sin(ang) * yy / sh
    plane = (plane - plane.min()) / max(1e-6, float(np.ptp(plane)))
    vignette = ((xx / sw - 0.5) ** 2 + (yy / sh - 0.5) ** 2) * 2
    coarse = 1 - params["light"] * (0.7 * plane + 0.3 * vignette)
    light = np.asarray(Image.fromarray(coarse.astype(np.float32), "F").resize(
        (w, h), Image.BILINEAR))
    tone = np.array([rng.uniform(0.96, 1.0), rng.uniform(0.95, 1.0), rng.uniform(0.9, 1.0)],
                    np.float32)
    a *= light[..., None]
    a *= tone
    a += nrng.normal(0, params["noise"], (h, w, 1)).astype(np.float32)
    # Dust: a few dark specks.
    for _ in range(rng.randint(0, 40)):
        y, x = rng.randrange(h), rng.randrange(w)
        r = rng.randint(1, max(1, round(2 * scale)))
        a[max(0, y - r):y + r, max(0, x - r):x + r] *= rng.uniform(0.2, 0.6)
    a = np.clip(a, 0, 255).astype(np.uint8)
    out = Image.fromarray(a)
    if params["grey"]:
        out = out.convert("L")
    buf = io.BytesIO()
    if params["jpeg"]:
        out.save(buf, "JPEG", quality=params["quality"], dpi=(dpi, dpi))
        return buf.getvalue(), ".jpg", params
    out.save(buf, "PNG", dpi=(dpi, dpi), compress_level=3)
    return buf.getvalue(), ".png", params
