"""Fonts of the held-out renderer, and their Vietnamese coverage check (glyph by glyph).

Printed faces come from Debian packages the product's generator does not use (it uses DejaVu and
Noto); handwriting faces from Fontsource packages on npm that only this renderer uses. A face
that lacks any Vietnamese letter is dropped, never substituted.

    python -m benchmarks.heldout.fonts check        # list faces and their coverage
    python -m benchmarks.heldout.fonts merge OUT.ttf A.woff2 B.woff2 ...
"""

from __future__ import annotations

import glob
import os
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# Printed faces: (name, glob). Debian packages fonts-freefont-ttf, fonts-urw-base35,
# fonts-crosextra-carlito, fonts-crosextra-caladea, fonts-roboto-unhinted.
PRINTED_CANDIDATES = [
    ("FreeSerif", "/usr/share/fonts/truetype/freefont/FreeSerif.ttf"),
    ("FreeSans", "/usr/share/fonts/truetype/freefont/FreeSans.ttf"),
    ("NimbusRoman", "/usr/share/fonts/opentype/urw-base35/NimbusRoman-Regular.otf"),
    ("NimbusSans", "/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf"),
    ("C059", "/usr/share/fonts/opentype/urw-base35/C059-Roman.otf"),
    ("P052", "/usr/share/fonts/opentype/urw-base35/P052-Roman.otf"),
    ("Carlito", "/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf"),
    ("Caladea", "/usr/share/fonts/truetype/crosextra/Caladea-Regular.ttf"),
    ("Roboto", "/usr/share/fonts/truetype/roboto/unhinted/RobotoTTF/Roboto-Regular.ttf"),
    ("RobotoCondensed", "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Regular.ttf"),
    ("FreeMono", "/usr/share/fonts/truetype/freefont/FreeMono.ttf"),
]
# Bold companions for titles (same families).
BOLD_OF = {
    "FreeSerif": "/usr/share/fonts/truetype/freefont/FreeSerifBold.ttf",
    "FreeSans": "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
    "NimbusRoman": "/usr/share/fonts/opentype/urw-base35/NimbusRoman-Bold.otf",
    "NimbusSans": "/usr/share/fonts/opentype/urw-base35/NimbusSans-Bold.otf",
    "C059": "/usr/share/fonts/opentype/urw-base35/C059-Bold.otf",
    "P052": "/usr/share/fonts/opentype/urw-base35/P052-Bold.otf",
    "Carlito": "/usr/share/fonts/truetype/crosextra/Carlito-Bold.ttf",
    "Caladea": "/usr/share/fonts/truetype/crosextra/Caladea-Bold.ttf",
    "Roboto": "/usr/share/fonts/truetype/roboto/unhinted/RobotoTTF/Roboto-Bold.ttf",
    "RobotoCondensed": "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Bold.ttf",
    "FreeMono": "/usr/share/fonts/truetype/freefont/FreeMonoBold.ttf",
}
HANDWRITING_CANDIDATES = ["shantell-sans", "playpen-sans", "mali", "charm", "pangolin",
                          "grape-nuts", "comforter"]
# What the product's generator uses (DejaVu, Noto; handwriting: the extract developer's faces),
# and Liberation, which the product installs and its generator's README offers as an option:
# never allowed here.
FORBIDDEN = ("dejavu", "noto", "liberation", "patrick", "itim", "sriracha", "dancing")


def font_cache() -> Path:
    return Path(os.environ.get("SOHOA_HELDOUT_FONTS",
                               Path.home() / ".cache" / "sohoa-heldout" / "fonts"))


def vietnamese_letters() -> str:
    """Every Vietnamese letter, lower and upper case: each vowel with each tone, plus đ."""
    vowels = "aăâeêioôơuưy"
    tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
    letters = [unicodedata.normalize("NFC", v + t) for v in vowels for t in tones]
    letters += list("bcdđghklmnpqrstvx") + list("fjwz")
    out = "".join(letters)
    return out + out.upper() + "0123456789/.,:-()"


def missing_glyphs(path: str | Path) -> str:
    """The Vietnamese characters a font file has no glyph for (cmap lookup, no fallback)."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), fontNumber=0, lazy=True)
    cmap = font.getBestCmap() or {}
    return "".join(ch for ch in vietnamese_letters() if ord(ch) not in cmap)


@dataclass(frozen=True)
class Face:
    name: str
    path: str
    bold: str | None
    handwriting: bool


def _allowed(path: str) -> bool:
    low = path.lower()
    return not any(word in low for word in FORBIDDEN)


@lru_cache(maxsize=1)
def available_faces() -> tuple[Face, ...]:
    """Installed faces that pass the coverage check, printed first."""
    faces = []
    for name, pattern in PRINTED_CANDIDATES:
        hits = sorted(glob.glob(pattern))
        if hits and _allowed(hits[0]) and not missing_glyphs(hits[0]):
            bold = BOLD_OF.get(name)
            ok_bold = bold if bold and os.path.exists(bold) and not missing_glyphs(bold) else None
            faces.append(Face(name, hits[0], ok_bold, False))
    for name in HANDWRITING_CANDIDATES:
        path = font_cache() / f"{name}.ttf"
        if path.exists() and _allowed(str(path)) and not missing_glyphs(path):
            faces.append(Face(name, str(path), None, True))
    return tuple(faces)


def printed_faces() -> list[Face]:
    return [f for f in available_faces() if not f.handwriting]


def handwriting_faces() -> list[Face]:
    return [f for f in available_faces() if f.handwriting]


def merge(out: str, parts: list[str]) -> None:
    """Merge Fontsource's unicode-range subsets (woff2) into one TTF."""
    from fontTools.merge import Merger
    from fontTools.ttLib import TTFont

    tmp = []
    for i, part in enumerate(parts):
        font = TTFont(part)
        font.flavor = None
        # Layout tables of subsets often disagree; the renderer needs glyphs and advances only.
        for tag in ("GSUB", "GPOS", "GDEF", "kern", "STAT", "fvar", "gvar", "HVAR", "MVAR",
                    "avar"):
            if tag in font:
                del font[tag]
        path = f"{out}.part{i}.ttf"
        font.save(path)
        tmp.append(path)
    merged = Merger().merge(tmp)
    merged.save(out)
    for path in tmp:
        os.remove(path)


def main(argv: list[str]) -> int:
    if argv[:1] == ["merge"] and len(argv) >= 3:
        merge(argv[1], argv[2:])
        return 0
    if argv[:1] == ["check"]:
        bad = 0
        for name, pattern in PRINTED_CANDIDATES:
            hits = sorted(glob.glob(pattern))
            miss = missing_glyphs(hits[0]) if hits else "(not installed)"
            print(f"printed     {name:14s} {'ok' if not miss else 'DROPPED: ' + miss[:40]}")
        for name in HANDWRITING_CANDIDATES:
            path = font_cache() / f"{name}.ttf"
            miss = missing_glyphs(path) if path.exists() else "(not installed)"
            print(f"handwriting {name:14s} {'ok' if not miss else 'DROPPED: ' + miss[:40]}")
        faces = available_faces()
        n_hand = sum(f.handwriting for f in faces)
        print(f"{len(faces) - n_hand} printed and {n_hand} handwriting faces usable")
        if len(faces) - n_hand < 2 or n_hand < 2:
            bad = 1
        return bad
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
