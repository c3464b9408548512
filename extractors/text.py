"""Text normalisation shared by classification and extraction.

All text coming out of OCR is NFC-normalised. For matching labels and titles we use a *fold*:
NFD, combining marks dropped, ``đ``/``Đ`` mapped to ``d``/``D`` (Unicode decomposition leaves
them alone), lower case, whitespace collapsed. Folding is lossy and only ever used for matching;
values are reported from the NFC text.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_DOT_LEADER = re.compile(r"[.…·_]{2,}")
_D_MAP = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


def squash(text: str) -> str:
    """NFC, single spaces, stripped."""
    return _SPACES.sub(" ", nfc(text)).strip()


def fold(text: str) -> str:
    """Diacritic-insensitive matching key: ``"Họ, chữ đệm"`` -> ``"ho, chu dem"``."""
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_D_MAP))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.translate(_D_MAP).lower()).strip()


def fold_alnum(text: str) -> str:
    """Fold and keep only letters, digits and single spaces (punctuation becomes a space)."""
    return _SPACES.sub(" ", re.sub(r"[^0-9a-z]+", " ", fold(text))).strip()


def strip_leaders(text: str) -> str:
    """Remove dot leaders (``.....``, ``…``, ``____``) left from the blank form."""
    return squash(_DOT_LEADER.sub(" ", text or ""))
