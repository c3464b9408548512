"""Fit the confidence calibration table from OCR'd generated documents with ground truth.

For every extracted field that has a value and no validation reason, the raw score (OCR word
confidences x label match quality, ``engine.raw_score``) and whether the value is correct are
collected. Per kind group (``structured``: values that passed a validator such as dates, ID numbers,
phones; ``free``: names and text; and all together, ``*``), raw scores are binned; each
bin's confidence is the share of correct values in it, made non-decreasing in the raw score
by pooling adjacent bins (isotonic), smoothed as (k + 0.5) / (n + 1). Then one exponent
``gamma`` is chosen so that the fields at or above the default review threshold (0.90) are at
least ``TARGET`` correct on this data: confidence = p ** gamma. So the default threshold means
"auto-accept where the calibration data says >= 99.6% correct"; a higher threshold is stricter.
The table is written to ``extractors/calibration.json``.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from typing import Any

from extractors import engine

EDGES = [0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98]
TARGET = 0.996  # a margin over the contract's 99.5%
DEFAULT_THRESHOLD = 0.90
MIN_PER_KIND = 60


def wilson_lower(k: int, n: int, z: float = 1.64) -> float:
    if n == 0:
        return 0.0
    p = k / n
    den = 1 + z * z / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - margin) / den)


def _share(block: list[int]) -> float:
    return (block[0] + 0.5) / (block[1] + 1.0)


def _table(samples: list[tuple[float, bool]]) -> dict[str, Any]:
    counts = [[0, 0] for _ in EDGES]
    for raw, ok in samples:
        i = max(0, sum(1 for e in EDGES if raw >= e) - 1)
        counts[i][0] += ok
        counts[i][1] += 1
    # pool adjacent violators on the (correct, total) counts: non-decreasing shares, sparse
    # bins merged with their neighbours; each pooled block gets a smoothed share
    blocks: list[list[int]] = []  # [correct, total, first bin, last bin]
    for i, (k, n) in enumerate(counts):
        if n == 0:
            continue
        blocks.append([k, n, i, i])
        while len(blocks) > 1 and _share(blocks[-2]) > _share(blocks[-1]):
            k2, n2, _, e2 = blocks.pop()
            blocks[-1][0] += k2
            blocks[-1][1] += n2
            blocks[-1][3] = e2
    probs = [0.0] * len(EDGES)
    for k, n, first, last in blocks:
        for i in range(first, last + 1):
            probs[i] = (k + 0.5) / (n + 1.0)
    for i in range(1, len(probs)):  # empty bins take the value below them
        if counts[i][1] == 0:
            probs[i] = probs[i - 1]
    return {"edges": EDGES, "probs": [round(p, 4) for p in probs], "counts": [n for _, n in counts]}


def fit(records: list[tuple[str, float, bool]]) -> dict[str, Any]:
    by_group: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for kind, raw, ok in records:
        by_group[engine.kind_group(kind)].append((raw, ok))
        by_group["*"].append((raw, ok))
    tables = {k: _table(v) for k, v in by_group.items() if k == "*" or len(v) >= MIN_PER_KIND}
    # choose gamma so that precision above the default threshold reaches TARGET
    gamma = 1.0
    for g in [1.0, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32]:
        acc = [
            ok for kind, raw, ok in records if _lookup(tables, kind, raw) ** g >= DEFAULT_THRESHOLD
        ]
        gamma = g
        if not acc or sum(acc) / len(acc) >= TARGET:
            break
    return {"gamma": gamma, "target": TARGET, "tables": tables, "records": len(records)}


def _lookup(tables: dict[str, Any], kind: str, raw: float) -> float:
    t = tables.get(kind) or tables.get(engine.kind_group(kind)) or tables["*"]
    i = max(0, sum(1 for e in t["edges"] if raw >= e) - 1)
    return t["probs"][min(i, len(t["probs"]) - 1)]


def records_from(docs: list[dict], same) -> list[tuple[str, float, bool]]:
    from pipeline.model import OcrPage

    out = []
    for d in docs:
        if d["type"] == "other":
            continue
        pages = [OcrPage.from_dict(p) for p in d["pages"]]
        for fid, f, raw in engine.extract_with_raw(d["type"], pages, 0.0):
            if f.value is None or f.reasons or raw is None:
                continue
            out.append((f.kind, raw, bool(same(f.kind, f.value, d["fields"].get(fid)))))
    return out


def fit_and_save(docs: list[dict]) -> dict[str, Any]:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from evaluate_extraction import same  # noqa: E402

    records = records_from(docs, same)
    cal = fit(records)
    engine.CALIBRATION_PATH.write_text(json.dumps(cal, indent=1) + "\n")
    engine.calibration.cache_clear()
    print(f"calibration: {len(records)} fields, gamma {cal['gamma']}")
    for k, t in cal["tables"].items():
        print(f"  {k:<12} counts {t['counts']}")
        print(f"  {'':<12} probs  {t['probs']}")
    return cal
