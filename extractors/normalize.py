"""Normalisers (raw OCR text -> contract value) and validators, per value kind.

A normaliser returns ``(value, reasons)``: ``value`` is None when nothing usable was found;
``reasons`` name what a reviewer should look at (``invalid_date`` ...). Validators never
silently fix a value.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from typing import Any

from extractors import adminunits
from extractors.text import fold, fold_alnum, squash, strip_leaders

# Characters Tesseract commonly confuses with digits inside numeric fields.
_DIGIT_FIX = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "l": "1",
        "I": "1",
        "|": "1",
        "i": "1",
        "!": "1",
        "S": "5",
        "s": "5",
        "B": "8",
        "Z": "2",
        "z": "2",
        "g": "9",
        "q": "9",
        "G": "6",
        "b": "6",
        "T": "7",
    }
)
_VN_DATE = re.compile(
    r"(?:ngay\s*)?(\d{1,2})\s*th[a-z]{2,4}\s*(\d{1,2})\s*n[a-z]{1,3}\s*(\d{4})", re.IGNORECASE
)
_NUM_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-:]\s*(\d{1,2})\s*[/.\-:]\s*(\d{4})(?!\d)")
_LOOSE_DATE = re.compile(r"(?<!\d)(\d{1,2})[\s/.,;\-]+(\d{1,2})[\s/.,;\-]*(\d{4})(?!\d)")
_PACKED_DATE = re.compile(r"(?<!\d)(\d{2})[\s/.,\-]?(\d{2})[\s/.,\-]?(\d{4})(?!\d)")
# a time before the date on a receipt: "14 giờ 23 phút, 17.10.2025"
_TIME = re.compile(r"\d{1,2}\s*g[a-z]{1,3}\W*\d{1,2}\s*ph[a-z]{1,3}\W*", re.IGNORECASE)
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
# a template's footnote mark: "(1)", "( 2 )", and "(1" with its bracket lost (not the start
# of a bracket that closes further on: "(10 phòng)")
NOTE_MARK = r"\(\s*\d{1,2}\s*(?:\)|(?=\s)(?![^()]{0,30}\))|$)"
_LEAD_REF = re.compile(rf"^(?:{NOTE_MARK}|[:;,.\-–]|\s)+")
_TRAIL_PUNCT = re.compile(r"[\s,;:.\-–]+$")
_MOBILE_PREFIXES = {"03", "05", "07", "08", "09", "02"}

MIN_YEAR = 1900
MAX_YEAR = 2100


def clean_text(raw: str) -> str:
    """Dot leaders, a leading ``(1)``/``:`` and trailing punctuation removed; NFC, single spaces."""
    text = strip_leaders(raw)
    text = _LEAD_REF.sub("", text)
    text = re.sub(r"\(\s*\d{1,2}\s*\)", " ", text)  # footnote refs (2) inside
    text = _TRAIL_PUNCT.sub("", text)
    return squash(text)


def _with_digits_fixed(text: str) -> tuple[str, list[str]]:
    """The text with OCR digit confusions fixed in its mostly-digit tokens, and the review
    reason when any letter was taken for a digit: the map is a guess (`038B` is 0388 by it,
    the printed number was 0385; `19B1` was 1951), so a person confirms it."""
    fixed = " ".join(_digits_fixed(t) for t in text.split())
    return fixed, (["digit_from_letter"] if fixed != " ".join(text.split()) else [])


def _digits_fixed(token: str) -> str:
    """OCR digit confusions fixed inside a token that is mostly digits."""
    digits = sum(c.isdigit() for c in token)
    if digits and digits >= len(token) / 2:
        return token.translate(_DIGIT_FIX)
    return token


_FRAME_DOTS = re.compile(r"(?<=[^\W\d_])[.…]+|[.…]+(?=[^\W\d_])|(?<=\d)[.…]+(?=\s+[^\W\d_])")


def norm_date(raw: str) -> tuple[str | None, list[str]]:
    # a date typed over the dotted line of a "ngày … tháng … năm …" frame: "ngày.30 tháng.8"
    text = clean_text(_FRAME_DOTS.sub(" ", raw))
    fixed, guessed = _with_digits_fixed(text)
    folded = fold(fixed)
    soft: list[str] = []
    m = _VN_DATE.search(folded) or _NUM_DATE.search(folded)
    if m:
        d, mo, y = (int(g) for g in m.groups())
    elif m := _ISO_DATE.search(folded):
        y, mo, d = (int(g) for g in m.groups())
    elif m := (_LOOSE_DATE.search(folded) or _PACKED_DATE.search(folded)):
        # separators lost by OCR ("03 10 2006", "21041988", "15 122028")
        d, mo, y = (int(g) for g in m.groups())
        soft.append("~date_separators_missing")
    else:
        return None, (["invalid_date"] if text else [])
    try:
        value = dt.date(y, mo, d)
    except ValueError:
        return None, ["invalid_date"]
    before, after = _TIME.sub(" ", folded[:m.start()]), folded[m.end():]
    if re.search(r"\d", before + after) or before[-1:].isalnum() or after[:1].isalnum():
        # a digit beside the date, or a mark touching it, was not read into it: "1 3.07.1978"
        # read as the 3rd, "LZ/02/2026" (17) as the 2nd. On the calibration set 11 of 14
        # printed dates with such marks are wrong, 15 of 868 without (calibration_checks.py
        # date-marks)
        soft.append("date_extra_marks")
    reasons = soft + guessed
    if not (MIN_YEAR <= y <= MAX_YEAR):
        reasons.append("implausible_date")
    return value.isoformat(), reasons


def norm_year(raw: str) -> tuple[str | None, list[str]]:
    m = re.search(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)", clean_text(raw))
    return (m.group(1), []) if m else (None, ["invalid_year"])


_BOX_EDGES = re.compile(r"[|\[\]{}()!]")


def boxed_digits(raw: str) -> str | None:
    """An ID number printed one digit per box (CT01, CC01) comes back as ``|0|3|3|1|...``,
    with some box edges read as ``1`` (``|117]`` for ``|1|7|``). The digits, or None when
    the text is not boxed."""
    if sum(raw.count(c) for c in "|[]{}") < 6:
        return None
    cells = [c.strip() for c in _BOX_EDGES.split(raw)]
    raw_cells = [c for c in cells if c]
    cells = [re.sub(r"\D", "", _digits_fixed(c)) for c in raw_cells]
    plain = "".join(cells)
    if len(plain) in (12, 9):
        return plain
    # A box holds one digit: a lone letter in a box is a misread digit ("o" for 0), and
    # "I", "l", "i" beside a digit in one box are its edges, not ones.
    one = "".join(
        c.translate(_DIGIT_FIX) if len(c) == 1
        else re.sub(r"\D", "", _digits_fixed(re.sub(r"[Iil]", "", c)))
        for c in raw_cells
    )
    if len(one) in (12, 9) and re.fullmatch(r"\d+", one):
        return one
    # An edge read as "1" sits between two digits of one cell: every second character.
    unbarred = "".join(c[::2] if len(c) % 2 == 1 and len(c) > 1 and set(c[1::2]) == {"1"}
                       else c for c in cells)
    if len(unbarred) in (12, 9):
        return unbarred
    # Edges read as "1" at a box's side ("11" for |1|, "017" for |0|7|): every way of taking
    # such ones out of the boxes holding several digits; only one reading of the right length
    # counts (two possible numbers are a guess, and the reading stays as it was)
    multi = [i for i, c in enumerate(cells) if len(c) > 1]
    if not multi or len(multi) > 4:
        return plain
    options = []
    for i in multi:
        c = cells[i]
        opts = {c}
        if c.startswith("1"):
            opts.add(c[1:])
        if c.endswith("1"):
            opts.add(c[:-1])
        if len(c) % 2 == 1 and set(c[1::2]) == {"1"}:
            opts.add(c[::2])
        options.append(sorted(opts))
    found = set()
    for combo in itertools.product(*options):
        parts = list(cells)
        for i, v in zip(multi, combo, strict=True):
            parts[i] = v
        digits = "".join(parts)
        if len(digits) in (12, 9):
            found.add(digits)
    return found.pop() if len(found) == 1 else plain


_UNREAD_DIGIT = re.compile(r"\d\s*\?|\?\s*\d")  # pipeline.boxes marks a box it could not read


def norm_id_number(raw: str) -> tuple[str | None, list[str]]:
    if _UNREAD_DIGIT.search(raw):
        return None, ["unread_digit"]  # a number with a digit missing is no number
    boxed = boxed_digits(raw)
    if boxed is not None:
        if len(boxed) in (12, 9):
            return boxed, []
        return (boxed, ["unusual_id_number_length"]) if len(boxed) >= 6 \
            else (None, ["invalid_id_number"])
    text = clean_text(raw)
    fixed, guessed = _with_digits_fixed(text)
    # Digits grouped by spaces ("001 095 012 345") belong together; letters break a run.
    runs = _digit_runs(fixed, r"\d[\d\s.]*\d|\d")
    for want in (12, 9):
        for r, glued in runs:
            if len(r) == want:
                return r, (["digits_glued"] if glued else []) + guessed
    if not runs:
        return None, (["invalid_id_number"] if text else [])
    best, glued = max(runs, key=lambda run: len(run[0]))
    if len(best) < 6:
        return None, ["invalid_id_number"]
    return best, ["unusual_id_number_length"] + (["digits_glued"] if glued else []) + guessed


def _digit_runs(fixed: str, pattern: str) -> list[tuple[str, bool]]:
    """The digits of each run, and whether a letter touches it ("81005248775ó": its last 6
    read as ó, the number read from the rest is one digit short)."""
    return [(re.sub(r"\D", "", m.group()), glued_to_letters(fixed, m.start(), m.end()))
            for m in re.finditer(pattern, fixed)]


def norm_account(raw: str) -> tuple[str | None, list[str]]:
    """Digit identifiers of free length (bank accounts, social insurance numbers)."""
    text = clean_text(raw)
    fixed, guessed = _with_digits_fixed(text)
    runs = [run for run in _digit_runs(fixed, r"\d[\d\s.\-]*\d|\d") if len(run[0]) >= 6]
    if not runs:
        return None, (["invalid_id_number"] if text else [])
    best, glued = max(runs, key=lambda run: len(run[0]))
    return best, (["digits_glued"] if glued else []) + guessed


def norm_phone(raw: str) -> tuple[str | None, list[str]]:
    text = clean_text(raw)
    fixed, guessed = _with_digits_fixed(text)
    m = re.search(r"(\+?\s*84|0)[\d\s.\-()]{8,16}", fixed)
    if not m:
        return None, (["invalid_phone"] if text else [])
    glued = glued_to_letters(fixed, m.start(), m.start() + len(m.group(0).rstrip()))
    digits = re.sub(r"\D", "", m.group(0))
    if m.group(0).lstrip().startswith("+") or (digits.startswith("84") and len(digits) == 11):
        digits = "0" + digits[2:]
    if len(digits) > 10 and digits.startswith("0"):
        digits = digits[:10] if len(digits) != 11 else digits
    reasons = []
    if len(digits) != 10 or not digits.startswith("0"):
        reasons.append("invalid_phone")
    elif digits[:2] not in _MOBILE_PREFIXES:
        reasons.append("invalid_phone_prefix")
    if glued:
        reasons.append("digits_glued")
    return digits, reasons + guessed


_EMAIL = re.compile(r"^[a-z0-9._%+\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}$")


def norm_email(raw: str) -> tuple[str | None, list[str]]:
    text = clean_text(raw).lower().replace(" ", "")
    text = text.replace("(at)", "@").replace("[at]", "@")
    m = re.search(r"[^\s:;,()]+@[^\s;,()]+", text)
    if not m:
        return (None, ["invalid_email"]) if text else (None, [])
    value = m.group(0).rstrip(".")
    return value, ([] if _EMAIL.match(value) else ["invalid_email"])


def norm_gender(raw: str) -> tuple[str | None, list[str]]:
    text = clean_text(raw)
    tokens = re.findall(r"[a-z]+", fold(text))
    # The printed hint "(Nam/Nữ)" may precede the value: take the last gender word.
    found = None
    for t in tokens:
        if t in ("nam", "male"):
            found = "Nam"
        elif t in ("nu", "female", "nuu"):
            found = "Nữ"
    if found is None:
        # "Nữ" read as "Nw", "N&", "Nt": an N and one stray glyph is not "Nam"
        m = re.fullmatch(r"[Nn]\S", text.split()[-1]) if text.split() else None
        if m and fold(text.split()[-1])[1:] not in ("a", "m"):
            return "Nữ", ["~gender_glyph_guess"]
        return None, (["invalid_gender"] if text else [])
    return found, []


def glued_to_letters(text: str, start: int, end: int) -> bool:
    """Whether a letter touches text[start:end] (a unit's "m" after it excepted: "250m2")."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return before.isalpha() or (after.isalpha() and after not in "mM")


def digits_glued(text: str) -> bool:
    """A digit touching a letter with a Vietnamese mark ("0ó tháng" for "06 tháng", "1ó"):
    no address, number or name is written so ("A3", "12A", "8/21" have plain letters): a
    digit or a letter was misread."""
    return any((a.isdigit() and b.isalpha() and not b.isascii())
               or (b.isdigit() and a.isalpha() and not a.isascii())
               for a, b in zip(text, text[1:], strict=False))


def norm_number(raw: str) -> tuple[float | int | None, list[str]]:
    text = clean_text(raw)
    fixed, guessed = _with_digits_fixed(text)
    value, reasons = _number(text, fixed)
    return value, (reasons + guessed if value is not None else reasons)


def _number(text: str, fixed: str) -> tuple[float | int | None, list[str]]:
    m = re.search(r"\d[\d.,\s]*", fixed)
    if not m:
        return None, (["invalid_number"] if text else [])
    if glued_to_letters(fixed, m.start(), m.start() + len(m.group(0).rstrip())):
        # "ó47,2" (647,2 with its 6 read as ó): a letter touching the number is a digit misread
        # or a label's remnant, and the number read from the rest is wrong
        return None, ["digits_glued"]
    s = m.group(0).strip().rstrip(".,").replace(" ", "")
    # Vietnamese: '.' groups thousands, ',' is the decimal separator.
    if "," in s:
        whole, _, frac = s.rpartition(",")
        whole = whole.replace(".", "").replace(",", "")
        try:
            return float(f"{whole}.{frac}"), []
        except ValueError:
            return None, ["invalid_number"]
    if "." in s:
        parts = s.split(".")
        if all(len(p) == 3 for p in parts[1:]):
            s = "".join(parts)
        else:
            try:
                return float(s), ["ambiguous_number"]
            except ValueError:
                return None, ["invalid_number"]
    try:
        return int(s), []
    except ValueError:
        return None, ["invalid_number"]


_JUNK = set("|[]{}<>_=~\\/@#$%^&*›‹«»")


def _letters(token: str) -> bool:
    """A letter of the Vietnamese alphabet in the token (a stray ``ˆ`` or ``'`` is none)."""
    return any(c.isalpha() for c in fold_alnum(token))


def norm_name(raw: str) -> tuple[str | None, list[str]]:
    text = clean_text(raw)
    text = re.sub(r"^(?:(?:Ông|Bà|Ông/Bà|Ông/bà)\s*[:.]?\s+)", "", text)
    text = text.strip(" ,;:.-")
    # OCR noise around a name (card borders, photo edges): tokens with bracket-like glyphs or
    # no letter at all at either end
    toks = text.split()
    while toks and (
        not _letters(toks[0])
        or set(toks[0]) & _JUNK
        or (len(toks[0]) == 1 and len(toks) > 1 and toks[0].islower() != toks[1].islower())
    ):
        toks.pop(0)
    while toks and (not _letters(toks[-1]) or set(toks[-1]) & _JUNK):
        toks.pop()
    text = " ".join(toks)
    if not text:
        return None, []
    reasons = []
    if re.search(r"\d", text):
        reasons.append("name_has_digits")
    return text, reasons


def norm_text(raw: str) -> tuple[str | None, list[str]]:
    text = clean_text(raw)
    return (text or None), []


_DOSSIER = re.compile(r"[0-9A-Z]{2,4}(?:\.[0-9A-Z]{2,4}){2,4}-\d{6}-\d{3,6}")


def norm_dossier_code(raw: str) -> tuple[str | None, list[str]]:
    text = clean_text(raw).replace(" ", "")
    m = _DOSSIER.search(text.upper())
    if m:
        return m.group(0), []
    return (text or None), (["invalid_dossier_code"] if text else [])


NORMALIZERS: dict[str, Callable[[str], tuple[Any, list[str]]]] = {
    "date": norm_date,
    "year": norm_year,
    "id_number": norm_id_number,
    "account": norm_account,
    "phone": norm_phone,
    "email": norm_email,
    "gender": norm_gender,
    "number": norm_number,
    "name": norm_name,
    "text": norm_text,
    "dossier_code": norm_dossier_code,
}


def normalize(kind: str, raw: str) -> tuple[Any, list[str]]:
    return NORMALIZERS.get(kind, norm_text)(raw or "")


def check_id_number(id_number: str | None, birth_date: str | None, gender: str | None) -> list[str]:
    """The 12-digit number against the holder's birth year and gender (contract rules)."""
    if not id_number or len(id_number) != 12:
        return []
    reasons = []
    provinces = adminunits.province_codes()
    if provinces and id_number[:3] not in provinces:
        # digits 1-3 name a province: a misread there makes a number nobody was given
        reasons.append("id_number_unknown_province")
    code = int(id_number[3])
    yy = id_number[4:6]
    if code > 9:
        return ["invalid_id_number"]
    century = 1900 + 100 * (code // 2)
    id_female = code % 2 == 1
    if birth_date:
        year = int(birth_date[:4])
        if year != century + int(yy):
            reasons.append("id_number_birth_year_mismatch")
    if gender in ("Nam", "Nữ") and id_female != (gender == "Nữ"):
        reasons.append("id_number_gender_mismatch")
    return reasons


def plausible_date(value: str, *, field_id: str, today: dt.date | None = None) -> list[str]:
    """Birth dates in the past, not before 1900; expiry/due dates may be in the future."""
    today = today or dt.date.today()
    d = dt.date.fromisoformat(value)
    if d.year < MIN_YEAR or d.year > MAX_YEAR:
        return ["implausible_date"]
    if "birth" in field_id and d > today:
        return ["implausible_date"]
    return []
