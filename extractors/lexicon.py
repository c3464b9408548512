"""Vietnamese syllables: is a word as read one that the language has?

Every Vietnamese word of a name or an address is one written syllable, and the language has
about 6,600 of them in use. An OCR misreading of a tone mark or a capital letter usually makes
a syllable that does not exist (``ĐỤI`` for ``BÙI``, ``Nghia`` for ``Nghĩa``; ``HIỂU`` for
``Hiếu`` is a word, so the inventory cannot see every misreading): a word outside it is
independent evidence that the reading is wrong.
The inventory validates only: nothing read is ever replaced by a word of it.

Source: the Vietnamese spelling dictionary of the LibreOffice project (Debian package
``hunspell-vi``, MPL-2.0, installed by ``scripts/setup.sh``): one syllable per line, no affix
rules. A machine without it has no inventory: every field is then scored as if each of its
words were known (the model's feature is 0), which is the calibration's least informed case,
never a reason to accept more.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from extractors.text import nfc
from pipeline.config import value

_STRIP = ".,;:()[]{}\"'“”‘’!?/-–"


_FINAL_Y = re.compile(r"^(qu|[bcdđghklmnprstvx]+)[yi]$")
_TONES = {"\u0300": "2", "\u0301": "1", "\u0309": "3", "\u0303": "4", "\u0323": "5"}


def syllable_key(word: str) -> str:
    """A syllable's letters (vowel shapes and đ kept) and its tone, wherever the tone mark
    sits: the old and new placements (``thủy``/``thuỷ``, ``hòa``/``hoà``) are one syllable."""
    tone = "0"
    letters = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES:
            tone = _TONES[ch]
        else:
            letters.append(ch)
    letters_nfc = nfc("".join(letters))
    # final y and i after a consonant are one sound, and names keep the y the dictionary
    # writes as i (Sỹ/Sĩ, Quý/Quí, Mỹ/Mĩ, Vy, Thy)
    return _FINAL_Y.sub(r"\1i", letters_nfc) + tone


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """The inventory as :func:`syllable_key` keys; empty when the dictionary is not
    installed."""
    path = Path(value("SOHOA_VI_DICTIONARY"))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    words = set()
    for line in lines[1:]:  # the first line is the entry count
        word = line.split("/", 1)[0].strip()
        if word:
            words.add(syllable_key(word))
    return frozenset(words)


def _is_checkable(token: str) -> bool:
    """A word the inventory can judge: letters only. Digits, house numbers (``12A``) and
    initialisms written in capitals without a vowel mark (``UBND``, ``CCCD``, ``TP``) are
    not syllables and say nothing about the reading."""
    if not token or not token.isalpha():
        return False
    if len(token) >= 2 and token.isupper() and token.isascii():
        return False
    return True


def unknown_words(text: str) -> tuple[int, int]:
    """(words the inventory can judge, those of them that are not Vietnamese syllables)."""
    inventory = syllables()
    if not inventory:
        return 0, 0
    checked = unknown = 0
    for raw in nfc(text).split():
        token = raw.strip(_STRIP)
        if not _is_checkable(token):
            continue
        checked += 1
        unknown += syllable_key(token) not in inventory
    return checked, unknown


def name_words_unknown(name: str) -> int:
    """Words of a personal name that are not Vietnamese syllables. Capitals count here: a
    name read all in capitals with its marks dropped (``NGUYEN``) is not a word either."""
    inventory = syllables()
    if not inventory:
        return 0
    # a mark that is no letter at all (`ĐỖ _ CẨM`, `* *s`) is no word of a name either
    return sum(1 for raw in nfc(name).split()
               if not any(c.isalpha() for c in raw)
               or ((token := raw.strip(_STRIP)).isalpha() and syllable_key(token) not in inventory))
