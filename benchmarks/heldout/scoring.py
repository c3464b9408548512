"""Scoring rules of the held-out evaluation, strict and written down (docs/evaluation.md).

A value is right when, after normalising only what the contract allows, it equals the truth:
- every kind: Unicode NFC, runs of whitespace made one space, ends stripped;
- name: compared case-insensitively (the contract says so); text and everything else: case kept;
- date: the contract's output `YYYY-MM-DD`; a value printed the contract's other ways
  (`12/03/1995`, `12-03-1995`, `12.03.1995`) is turned into it first;
- id_number, dossier_code: spaces removed; phone: spaces, dots and hyphens removed and `+84`
  read as `0`; email: lower case; number: numeric equality (`120,5` = 120.5, `1.200` = 1200);
- an empty truth (the blank was left empty) is matched only by null or "".
Nothing else: a truncated, extended, re-accented or re-cased (for text) value is wrong.
Text similarity (1 - normalised Levenshtein distance) is reported apart and never makes a value
right.
"""

from __future__ import annotations

import math
import re
import unicodedata

_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def norm_space(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def parse_number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = norm_space(str(value)).replace(" ", "")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", text):  # thousands dots
        text = text.replace(".", "")
    text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def canonical(kind: str, value):
    """The comparable form of a value of `kind`, None for an empty value."""
    if value is None:
        return None
    if kind == "number":
        if isinstance(value, str) and not norm_space(value):
            return None
        number = parse_number(value)
        return ("number", number) if number is not None else ("unparsed", norm_space(str(value)))
    text = norm_space(str(value))
    if not text:
        return None
    if kind == "name":
        return text.casefold()
    if kind == "date":
        m = _DATE_DMY.match(text)
        if m:
            day, month, year = (int(g) for g in m.groups())
            return f"{year:04d}-{month:02d}-{day:02d}"
        return text
    if kind in ("id_number", "dossier_code"):
        return text.replace(" ", "")
    if kind == "phone":
        digits = re.sub(r"[\s.\-]", "", text)
        if digits.startswith("+84"):
            digits = "0" + digits[3:]
        return digits
    if kind == "email":
        return text.replace(" ", "").lower()
    if kind == "gender":
        return text.casefold()
    return text  # text, year, anything else: exact after NFC and whitespace


def exact(kind: str, truth, predicted) -> bool:
    want, got = canonical(kind, truth), canonical(kind, predicted)
    if isinstance(want, tuple) and isinstance(got, tuple):
        return want[0] == got[0] == "number" and math.isclose(want[1], got[1], abs_tol=1e-9)
    return want == got


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def similarity(truth, predicted) -> float:
    """1 - normalised edit distance between the NFC/whitespace-normalised strings."""
    a = norm_space(str(truth)) if truth is not None else ""
    b = norm_space(str(predicted)) if predicted is not None else ""
    if not a and not b:
        return 1.0
    return 1.0 - levenshtein(a, b) / max(len(a), len(b))


def wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% Wilson score interval of a proportion; (0, 1) when n is 0."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(successes: int, n: int) -> dict:
    lo, hi = wilson(successes, n)
    return {"k": successes, "n": n, "rate": successes / n if n else None, "lo": lo, "hi": hi}
