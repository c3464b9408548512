"""pdftoppm, poppler's rasteriser: one page at a time, with a time limit.

We call pdftoppm directly (the program pdf2image wraps) and read the PNM image from its standard
output: no temporary files, and the page is decoded once by OpenCV.
"""

from __future__ import annotations

import subprocess

import cv2
import numpy as np

from pipeline.model import InputError, StageTimeout

RENDER_TIMEOUT = 60.0  # seconds for one page


class PopplerError(InputError):
    code = "render_failed"


def render_page(path: str, number: int, *, dpi: float, gray: bool,
                timeout: float = RENDER_TIMEOUT) -> np.ndarray:
    """Page ``number`` (1-based) of a PDF as 8-bit gray or RGB pixels."""
    args = ["pdftoppm", "-f", str(number), "-l", str(number), "-r", f"{dpi:.2f}"]
    if gray:
        args.append("-gray")
    args.append(path)
    try:
        proc = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise StageTimeout(f"rendering page {number} took over {timeout:.0f} s",
                           code="render_timeout") from exc
    if proc.returncode != 0 or not proc.stdout:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PopplerError(f"cannot render page {number}: {detail[-1] if detail else 'no output'}")
    flag = cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR
    image = cv2.imdecode(np.frombuffer(proc.stdout, np.uint8), flag)
    if image is None:
        raise PopplerError(f"cannot decode the rendering of page {number}")
    if not gray:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return image
