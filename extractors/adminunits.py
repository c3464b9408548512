"""Vietnamese administrative units, old and new, as a validator of addresses (never a fixer).

Source: the PyPI package ``vietnamadminunits`` (MIT, github.com/tranngocminhhieu/
vietnamadminunits), version pinned by ``scripts/install_extract_data.sh``; its SQLite dataset
holds the units before the 2025 reorganisation (``admin_units_legacy``: 63 provinces, their
districts and wards) and after it (``admin_units``: 34 provinces and their wards). Only the
data file is read (the package's own code needs geopy and shapely, which sohoa does not).

``check(text)`` finds unit mentions in a value ("phường Kim Liên", "quận Đống Đa", "tỉnh Nam
Định", "thành phố Hà Nội") and says how many are known names, old or new: an address read
with a wrong or missing tone mark ("xã Nghia Hung") names no known unit, which the confidence
model takes as evidence against the reading. The value itself is never changed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import sqlite3
from functools import lru_cache
from pathlib import Path

from extractors.text import fold, nfc

PACKAGE = "vietnamadminunits"
_TYPES = ("thị trấn", "thị xã", "thành phố", "phường", "xã", "quận", "huyện", "tỉnh")
_MENTION = re.compile(
    r"(?<!\w)(" + "|".join(_TYPES) + r")\s+([^,;()]+?)\s*(?=,|;|\(|\)|$)", re.IGNORECASE
)


def _dataset() -> Path | None:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(list(spec.submodule_search_locations)[0]) / "data" / "dataset.db"
    return p if p.exists() else None


def _rows(queries: tuple[str, ...]) -> list[tuple]:
    """The rows of read-only queries on the package's dataset (none without the data)."""
    db = _dataset()
    if db is None:
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [row for q in queries for row in con.execute(q)]
    finally:
        con.close()


@lru_cache(maxsize=1)
def names() -> frozenset[str]:
    """Every unit as "type name", lower case NFC, old and new (empty without the data)."""
    rows = _rows(("SELECT province, district, ward FROM admin_units_legacy",
                  "SELECT province, ward FROM admin_units"))
    return frozenset(nfc(v).casefold() for row in rows for v in row if v)


@lru_cache(maxsize=1)
def province_codes() -> frozenset[str]:
    """The provinces' codes as the first three digits of a personal identification number
    carries them ("001" is Hà Nội), before and after the 2025 reorganisation (empty without
    the data)."""
    rows = _rows(("SELECT DISTINCT provinceCode FROM admin_units_legacy",
                  "SELECT DISTINCT provinceCode FROM admin_units"))
    return frozenset(str(c).zfill(3) for (c,) in rows if c is not None)


def provenance() -> dict[str, str | None]:
    try:
        version = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = None
    return {"package": PACKAGE, "version": version, "data": "admin units before and after "
            "the 2025 reorganisation (package release 2025-10)"}


@lru_cache(maxsize=1)
def _near_names() -> tuple[frozenset[str], frozenset[str]]:
    """The known units folded (no marks, đ as d), and every known unit's leading words
    ("thành phố hà" of "thành phố hà nội")."""
    known = names()
    prefixes = set()
    for n in known:
        words = n.split()
        prefixes.update(" ".join(words[:k]) for k in range(2, len(words)))
    return frozenset(fold(n) for n in known), frozenset(prefixes)


def mismatches(text: str) -> int:
    """Unit mentions that are no known unit but one misread: a known name with other marks
    ("huyện Nghỉ Lộc" for Nghi Lộc, "xa Nghia Hung" for xã Nghĩa Hưng) or cut short
    ("thành phố Hà" for Hà Nội)."""
    known = names()
    if not known or not text:
        return 0
    folded, prefixes = _near_names()
    bad = 0
    right = set()
    for m in _MENTION.finditer(nfc(text)):
        unit = f"{m.group(1).casefold()} {' '.join(m.group(2).split()).casefold()}"
        if unit in known:
            right.add(fold(unit))
        elif fold(unit) in folded or unit in prefixes:
            bad += 1
    for m in _FOLDED_MENTION.finditer(fold(nfc(text))):
        unit = f"{m.group(1)} {' '.join(m.group(2).split())}"
        bad += unit in folded and unit not in right  # its type word lost its marks too
    return bad


_TYPE_PREFIX = re.compile(r"^(?:" + "|".join(_TYPES) + r"|tp\.?|t\.p\.?)\s+", re.IGNORECASE)


@lru_cache(maxsize=1)
def _bare_names() -> frozenset[str]:
    """Every unit's name without its type word ("hà nội", "đống đa")."""
    return frozenset(_TYPE_PREFIX.sub("", n) for n in names())


def known_place(text: str) -> bool | None:
    """Whether a place of signing ("Hà Nội", "TP. Hà Nội", "Quận Đống Đa") names a known unit,
    old or new; None without the data. A misread place (`Hồ Nội`) names none."""
    bare = _bare_names()
    if not bare:
        return None
    name = _TYPE_PREFIX.sub("", " ".join(nfc(text).split()).strip(" ,.;:")).casefold()
    return name in bare


_FOLDED_TYPES = "|".join(fold(t) for t in _TYPES)  # "thi tran|thi xa|thanh pho|…"
_FOLDED = re.compile(r"(?<!\w)(" + _FOLDED_TYPES + r")\s+\w")
_FOLDED_MENTION = re.compile(r"(?<!\w)(" + _FOLDED_TYPES + r")\s+([^,;()]+?)\s*(?=,|;|\(|\)|$)")


def check(text: str) -> tuple[int, int]:
    """(unit mentions, of which known); a mention read without its marks is unknown."""
    known = names()
    if not known or not text:
        return 0, 0
    found = ok = 0
    folded = len(_FOLDED.findall(fold(nfc(text))))
    for m in _MENTION.finditer(nfc(text)):
        kind, name = m.group(1).casefold(), " ".join(m.group(2).split())
        if not name or len(name) > 40:
            continue
        found += 1
        # "TP Hà Nội" / "thành phố Hà Nội"; a ward named with its number ("Phường 12") too
        ok += f"{kind} {name.casefold()}" in known
    return max(found, folded), ok
