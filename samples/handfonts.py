"""Handwriting fonts for the hand-filled training, calibration and development forms.

Only these npm Fontsource families may be used here (the held-out renderer uses others, so
the sets never share a hand): Patrick Hand, Itim, Sriracha, Dancing Script. Each package
ships its glyphs as subsets (latin, latin-ext, vietnamese); they are merged into one TTF with
fontTools and every Vietnamese letter (each vowel with each tone mark, đ, ơ, ư, upper and
lower case) and the digits are checked glyph by glyph; a font that misses one is dropped.

    python -m samples.handfonts install     # npm pack -> ~/.cache/sohoa/fonts (idempotent)
    python -m samples.handfonts list        # the usable fonts and their coverage

The cache is machine-wide (``SOHOA_FONTS``, default the parent of ``SOHOA_MODELS`` / fonts,
i.e. ``~/.cache/sohoa/fonts``); ``manifest.json`` there records the package versions.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from pathlib import Path

# family key -> npm package; the split between the sets is in samples/sets.py
PACKAGES = {
    "patrick-hand": "@fontsource/patrick-hand",
    "itim": "@fontsource/itim",
    "sriracha": "@fontsource/sriracha",
    "dancing-script": "@fontsource/dancing-script",
}
SUBSETS = ("latin", "latin-ext", "vietnamese")
VOWELS = "aăâeêioôơuưy"
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]  # huyền sắc hỏi ngã nặng


def vietnamese_letters() -> list[str]:
    """Every letter Vietnamese writes (NFC): vowels x tones, đ, and the consonants."""
    out = []
    for v in VOWELS:
        for t in TONES:
            out.append(unicodedata.normalize("NFC", v + t))
    out += list("bcdđghklmnpqrstvx")
    return out + [c.upper() for c in out]


REQUIRED = vietnamese_letters() + list("0123456789/.,:-()")


def cache_dir() -> Path:
    if os.environ.get("SOHOA_FONTS"):
        return Path(os.environ["SOHOA_FONTS"])
    models = os.environ.get("SOHOA_MODELS")
    base = Path(models).parent if models else Path.home() / ".cache" / "sohoa"
    return base / "fonts"


def missing_glyphs(path: Path) -> list[str]:
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(path)).getBestCmap() or {}
    return [c for c in REQUIRED if ord(c) not in cmap]


def _merge(parts: list[Path], out: Path) -> None:
    """Subsets of one font into one TTF (fontTools' Merger keeps the first glyph of a code)."""
    from fontTools.merge import Merger
    from fontTools.ttLib import TTFont

    ttfs = []
    for p in parts:
        f = TTFont(str(p))
        f.flavor = None
        tmp = out.with_suffix(f".{p.stem}.ttf")
        f.save(str(tmp))
        ttfs.append(tmp)
    merged = Merger().merge([str(t) for t in ttfs])
    merged.save(str(out))
    for t in ttfs:
        t.unlink()


def install(dest: Path | None = None) -> dict:
    dest = dest or cache_dir()
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    for key, package in PACKAGES.items():
        ttf = dest / f"{key}.ttf"
        if ttf.exists() and key in manifest:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run(
                ["npm", "pack", package, "--silent"], cwd=tmp, capture_output=True,
                text=True, timeout=300, check=True,
            )
            tgz = Path(tmp) / r.stdout.strip().splitlines()[-1]
            parts = []
            with tarfile.open(tgz) as tf:
                meta = json.load(tf.extractfile("package/package.json"))
                for sub in SUBSETS:
                    name = f"package/files/{key}-{sub}-400-normal.woff"
                    try:
                        member = tf.getmember(name)
                    except KeyError:
                        continue
                    target = Path(tmp) / Path(name).name
                    target.write_bytes(tf.extractfile(member).read())
                    parts.append(target)
            _merge(parts, ttf)
        miss = missing_glyphs(ttf)
        manifest[key] = {
            "package": package,
            "version": meta.get("version"),
            "license": meta.get("license"),
            "missing": miss,
            "usable": not miss,
        }
        status = "ok" if not miss else f"DROPPED, missing {''.join(miss)}"
        print(f"handfonts: {package}@{meta.get('version')}: {status}", file=sys.stderr)
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


@functools.cache
def usable() -> dict[str, str]:
    """family key -> TTF path of the installed fonts that passed the coverage check."""
    d = cache_dir()
    mpath = d / "manifest.json"
    if not mpath.exists():
        return {}
    manifest = json.loads(mpath.read_text())
    return {
        k: str(d / f"{k}.ttf")
        for k, m in manifest.items()
        if m.get("usable") and (d / f"{k}.ttf").exists() and k in PACKAGES
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cmd = argv[0] if argv else "list"
    if cmd == "install":
        install()
    for k, path in usable().items():
        print(f"{k}\t{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
