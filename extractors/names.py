"""Vietnamese personal names: diacritics that OCR dropped.

Tesseract's Vietnamese model often drops or confuses the marks of capital letters, so a name
printed ``NGUYỄN THỊ HỒNG`` may come back ``NGUYEN THI HỒNG`` with a high word confidence.
Surnames and the common middle names are a small closed set with one dominant spelling per
unaccented form, so those are restored; any other word that came back without a single mark
and is not a name commonly written without marks makes the field go to review
(``suspect_diacritics``): it cannot be restored without guessing.
"""

from __future__ import annotations

import unicodedata

from extractors.text import fold

_SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đào Trương "
    "Lâm Mai Trịnh Đoàn Lương Tạ Cao Hà Tô Lưu Quách Thái Kiều Vương Tăng Triệu Lại Chu Đàm "
    "Nghiêm Khổng Thân Tống Hứa Phùng Mạc Từ Cù Âu Kim Giang Ninh Khúc Doãn Lục Mẫn "
    # surnames that share their unmarked form with another (Chu / Chử, La / Lã): a reading of
    # either is ambiguous, the list cannot validate it (OCR drops a capital's hook: CHỬ -> CHU)
    "Chử Lã La Nông Bế Hàn Bạch Tôn Quan Đồng Ông Lò"
).split()
_MIDDLE = (
    "Thị Văn Đức Ngọc Xuân Hữu Quốc Công Tiến Hồng Khánh Bảo Phương Đăng Đình Tuấn Trọng "
    "Quang Thanh Minh Thu Gia Anh Kim Mỹ Diệu Như Bích Hải Mạnh Việt Nhật Đắc Bá Thế Đại "
    "Thùy Thành Hoài Trung Tuệ Cẩm Mai Lan Huyền Thảo Phúc Duy Vĩnh Trí Hoàng Tường"
).split()


def _unambiguous(words: list[str]) -> dict[str, str]:
    """fold -> spelling, keeping only folds with a single spelling in the list."""
    seen: dict[str, set[str]] = {}
    for w in words:
        seen.setdefault(fold(w), set()).add(w)
    return {f: next(iter(v)) for f, v in seen.items() if len(v) == 1}


# The usual spelling of given names that OCR returns unmarked. Restoring one is a best guess:
# the field still goes to review (suspect_diacritics), the reviewer sees the likely spelling.
# A form that is itself a common name unmarked (Thanh beside Thành) is never guessed.
_GIVEN = (
    "Hải Sơn Bảo Hà Ngọc Quỳnh Đức Nghĩa Thơ Hùng Vĩnh Thủy Vân Dũng Tuấn Đạt Tiến Thảo Hiền "
    "Hương Phương Yến Ngân Trâm Châu Tú Tùng Thắng Quân Khôi Hoàng Đăng Hiếu Hậu Luân Nhân "
    "Phúc Lộc Thịnh Toàn Trường Cường Đông Hoài Khánh Kiên Lâm Như Tâm Uyên Xuân Nguyệt Điệp "
    "Hằng Huệ Hồng Liên Tuyết Thuận Trí Vũ Hiệp Bình Chính Công Đình Thư Hạnh Hòa Nhung "
    "Diệp Tín Tài Lợi Quý Lực Hưởng Thái Thọ Việt Nhật Mạnh Định Thuý Hoa"
).split()
GIVEN = _unambiguous(_GIVEN)
SURNAMES = _unambiguous(_SURNAMES)
MIDDLE = _unambiguous(_MIDDLE)
# given names that are commonly written without any mark (an unaccented OCR result for them
# is not suspicious); deliberately excludes forms that also exist marked and common
PLAIN_OK = set(
    "an anh minh linh lan mai nam long huy giang trang quang phong kim chi nga loan oanh nhi vi "
    "khoa sang phan cao gia duy khang vy trung nhung my ninh la".split()
)


def _has_marks(token: str) -> bool:
    return fold(token) != token.lower()


def known_surname(name: str) -> bool:
    """Whether the name starts with a surname of the list (with its marks as written): a
    full name read without its first word ("QUANG KIÊN" for "NGUYỄN QUANG KIÊN") or with a
    misread one does not. The list validates only; a rarer surname just goes to review."""
    tokens = name.split()
    if not tokens:
        return False
    first = tokens[0].strip(".,;:")
    spelled = SURNAMES.get(fold(first))
    return spelled is not None and spelled.casefold() == first.casefold()


def _with_case(form: str, like: str) -> str:
    if like.isupper():
        return form.upper()
    if like[:1].isupper():
        return form[:1].upper() + form[1:]
    return form.lower()


def repair(name: str) -> tuple[str, list[str], bool]:
    """(name with restored surname/middle names, review reasons, whether anything changed)."""
    tokens = name.split()
    if not tokens:
        return name, [], False
    out, reasons, changed = [], [], False
    for i, tok in enumerate(tokens):
        core = tok.strip(".,;:")
        f = fold(core)
        if not f.isalpha():
            out.append(tok)
            continue
        table = SURNAMES if i == 0 and len(tokens) > 1 else MIDDLE
        last = i == len(tokens) - 1
        if not last and f in table:
            canon = table[f]
            if core.lower() != canon.lower() and (not _has_marks(core) or i == 0):
                out.append(_with_case(canon, core))
                changed = True
                continue
            if core.lower() != canon.lower():
                # marked otherwise than the one spelling of the list ("HƯU" for "HỮU"): a
                # capital's mark misread, or a rare name: a person decides
                reasons.append("suspect_diacritics")
            out.append(tok)
            continue
        if not _has_marks(core) and f not in PLAIN_OK and len(f) > 1:
            reasons.append("suspect_diacritics")
            if f in GIVEN:
                out.append(_with_case(GIVEN[f], core))
                changed = True
                continue
        elif any(c.isupper() for c in core[1:]) and any(c.islower() for c in core[1:]):
            reasons.append("suspect_ocr")  # "HữỮU": case flips inside a word
        out.append(tok)
    return " ".join(out), sorted(set(reasons)), changed


# Place and institution words that OCR often returns without their marks; restored only when
# the whole phrase came back unmarked (a marked variant is left as read).
_PHRASES = ["Hà Nội", "Việt Nam", "Trung tâm", "Dịch vụ", "thành phố", "Ủy ban nhân dân"]
_PHRASE_FOLDS = [(fold(p).split(), p.split()) for p in _PHRASES]


def repair_text(text: str) -> str:
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        for folded, canon in _PHRASE_FOLDS:
            n = len(folded)
            window = words[i : i + n]
            cores = [w.strip(".,;:") for w in window]
            if len(window) == n and [fold(c) for c in cores] == folded:
                if cores != canon and any(not _has_marks(c) for c in cores):
                    fixed = [
                        _with_case(c, w) if w.strip(".,;:") else c
                        for c, w in zip(canon, cores, strict=True)
                    ]
                    # keep trailing punctuation of the last word
                    tail = window[-1][len(cores[-1]) :]
                    out.extend(fixed[:-1] + [fixed[-1] + tail])
                    i += n
                    break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def vocab_agreement(value: str, vocab: list[str]) -> str:
    """A closed vocabulary as a validator: ``agree`` when the value is one of its entries as
    read (case-insensitive), else ``disagree``. It never cuts or replaces the value: "Mẹ đẻ"
    stays "Mẹ đẻ" even where the list only has "Mẹ", and an entry that matches only without
    its diacritics is a disagreement (the marks read may be wrong, or the list incomplete)."""
    v = " ".join(value.split()).casefold()
    return "agree" if any(" ".join(e.split()).casefold() == v for e in vocab) else "disagree"


_STOP_FINALS = ("c", "ch", "p", "t")


def unmarked_stop_syllables(text: str) -> int:
    """Words that cannot be Vietnamese as read: a syllable ending in c/ch/p/t always carries
    a sắc or nặng tone, so "dat", "dich" mean the OCR dropped the marks."""
    n = 0
    for w in text.split():
        core = w.strip(".,;:()\"'").lower()
        if (
            2 <= len(core) <= 7
            and core.isalpha()
            and core.isascii()
            and core.endswith(_STOP_FINALS)
            and any(c in "aeiouy" for c in core)
        ):
            n += 1
    return n


_STACKING = {"\u0302", "\u0306", "\u031b"}  # circumflex, breve, horn: a tone mark sits on them


def capital_marks(name: str) -> bool:
    """A name in capitals whose given name (the last word, which no list validates) has a
    letter whose tone mark stacks on a circumflex, breve or horn (Â Ă Ê Ô Ơ Ư): squeezed above
    a capital, those marks are misread into another real name (QUÂN read QUẦN, ẨN read ẤN,
    DIỄM read DIÊM, each accepted at 0.995-0.999 on the template development sets)."""
    words = name.split()
    if not words or not name.isupper():
        return False
    return any(_STACKING & set(unicodedata.normalize("NFD", c)) for c in words[-1])
