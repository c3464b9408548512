"""The confidence model: per field, P(value is right) from features, and the auto-accept
threshold derived from a lower confidence bound.

Features (``FEATURES``, computed by ``engine``): OCR word confidences (the weakest real word
and the mean) and the strongest rival reading, each also per kind group (structured / name /
text), label match quality, where the value was found (after the label or on the line
below), how many words it has, soft normaliser notes, agreement with the field's closed
vocabulary (validation only: the value is never replaced), the handwriting score, the kind
(structured / name / text), whether a name was repaired, and the page's quality (mean word
confidence, share of weak words).

The model is an L2-regularised logistic regression on standardised features (numpy, Newton
steps), fitted on the calibration set (``extractors/calibrate.py``). The threshold is the
lowest probability ``t`` such that, among calibration fields with P >= t, the one-sided 95%
Wilson lower bound of precision is >= ``TARGET`` (99.5%); none found -> nothing is
auto-accepted. (Reported intervals are two-sided 95% Wilson intervals.)

A page unlike the calibration pages (mean confidence or weak-word share outside what was
seen, with a margin) sends all its fields to review (``unfamiliar_page``).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PATH = Path(__file__).with_name("confidence.json")
TARGET = 0.995
Z95 = 1.959964  # two-sided 95% intervals, as reported
Z_BOUND = 1.644854  # the one-sided 95% lower bound the threshold must keep above TARGET

# the OCR evidence weighed per kind of value: a sure reading of a date is worth more than one
# of a free text (``benchmarks/calibration_checks.py kind-evidence`` compares with and without)
KIND_INTERACTIONS = ("structured", "name", "text"), ("ocr_min", "ocr_mean", "rival")
FEATURES = (
    "ocr_min", "ocr_mean", "rival", "label", "below", "words", "soft", "vocab_agree",
    "vocab_disagree", "hand", "dotted", "odd_chars", "structured", "name", "text", "repaired",
    "units_found", "units_unknown", "non_words",
    "bounded", "wrapped", "glued", "row_labels", "gap", "inner_leaders", "labels_inside",
    "digit_cells", "spare", "segment", "unfused", "at_margin",
    "page_conf", "page_weak",
    *(f"{g}_{e}" for g in KIND_INTERACTIONS[0] for e in KIND_INTERACTIONS[1]),
)
PAGE_FEATURES = ("page_conf", "page_weak")


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of k successes in n trials."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 50) -> dict:
    """Standardise, then Newton's method on the penalised log-likelihood (no bias penalty)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    xs = (x - mean) / scale
    a = np.hstack([np.ones((len(xs), 1)), xs])
    w = np.zeros(a.shape[1])
    pen = np.full(a.shape[1], l2)
    pen[0] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ w, -30, 30)))
        grad = a.T @ (p - y) + pen * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(pen + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return {"bias": float(w[0]), "weights": [float(v) for v in w[1:]],
            "mean": [float(v) for v in mean], "scale": [float(v) for v in scale]}


def predict(model: dict, x: np.ndarray) -> np.ndarray:
    xs = (x - np.array(model["mean"])) / np.array(model["scale"])
    z = model["bias"] + xs @ np.array(model["weights"])
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def lower_bound(k: int, n: int) -> float:
    """The one-sided 95% Wilson lower bound of a precision of k right in n."""
    return wilson(k, n, Z_BOUND)[0]


def threshold_for(probs: np.ndarray, correct: np.ndarray, target: float = TARGET) -> dict:
    """The lowest t whose accepted set (P >= t) has a one-sided 95% Wilson lower bound of
    precision >= target."""
    order = np.argsort(-probs, kind="stable")
    p, c = probs[order], correct[order].astype(int)
    k = np.cumsum(c)
    best = None
    for i in range(len(p)):
        if i + 1 < len(p) and p[i + 1] == p[i]:
            continue  # ties are accepted together
        if lower_bound(int(k[i]), i + 1) >= target:
            best = i
    if best is None:
        return {"threshold": 1.01, "accepted": 0, "correct": 0, "lower": 0.0,
                "share": 0.0}
    lo, hi = wilson(int(k[best]), best + 1)
    return {"threshold": float(p[best]), "accepted": best + 1, "correct": int(k[best]),
            "lower": lower_bound(int(k[best]), best + 1), "interval95": [lo, hi],
            "share": (best + 1) / len(p)}


def page_ranges(rows: list[list[float]]) -> dict[str, list[float]]:
    """What the calibration pages looked like: [low, high] per page feature, with a margin."""
    arr = np.array(rows, dtype=float)
    out = {}
    for i, name in enumerate(PAGE_FEATURES):
        lo, hi = np.percentile(arr[:, i], [1, 99])
        margin = 0.1 * (hi - lo) + 0.02
        out[name] = [float(lo - margin), float(hi + margin)]
    return out


@lru_cache(maxsize=1)
def model() -> dict[str, Any]:
    if MODEL_PATH.exists():
        return json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    return {}


def probability(features: dict[str, float]) -> float | None:
    """P(right) for one field; None when no model has been fitted."""
    m = model().get("confidence")
    if not m:
        return None
    x = np.array([[features.get(f, 0.0) for f in m.get("features", FEATURES)]])
    return float(predict(m, x)[0])


def accept_threshold() -> float:
    if not current(model()):
        return 1.01  # a model fitted on other features: nothing is auto-accepted
    return float(model().get("threshold", {}).get("threshold", 1.01))


def current(m: dict) -> bool:
    """Whether a stored model was fitted on the features this code computes (a model from
    before a feature changed would weigh the wrong numbers: it is not used)."""
    from extractors.handwriting import FIELD_FEATURES

    hand, conf = m.get("handwriting") or {}, m.get("confidence") or {}
    return (not hand or hand.get("features") == list(FIELD_FEATURES)) and \
        (not conf or conf.get("features", list(FEATURES)) == list(FEATURES))


def unfamiliar(page_features: dict[str, float]) -> bool:
    ranges = model().get("page_ranges") or {}
    for name, (lo, hi) in ranges.items():
        v = page_features.get(name)
        if v is not None and not lo <= v <= hi:
            return True
    return False


def hand_model() -> dict | None:
    """The handwriting detector; None when absent or fitted on other features (then
    ``accept_threshold`` accepts nothing either: every field goes to a person)."""
    m = model().get("handwriting")
    return m if m and current(model()) else None
