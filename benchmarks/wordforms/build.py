"""Build the word-forms development set: the official Word templates, filled, printed, scanned.

For N documents per template it copies the official template from
/work/shared/realdata/vn-forms/word/ (the .doc is converted to .docx first with LibreOffice),
writes values into its blanks (the dot/underscore runs or tab leaders after each label, the digit
boxes of the ID number) with python-docx, keeping the template's own layout, fonts and wording,
converts it to PDF with LibreOffice headless, rasterises the pages (pdftoppm, 200 or 300 dpi),
applies mild scan effects (slight rotation, noise, contrast, JPEG) and writes each document as a
scanned PDF (one JPEG per page, as a scanner does), plus `truth.jsonl`:
{"file", "template", "document_type", "dpi", "font", "effects", "fields": {id: value}} with
values as the contract formats them (dates YYYY-MM-DD, ID and phone digits only, ...).

Values come from benchmarks/wordforms/values.py only (written for this set).

Needs, outside the project's set-up (not in pyproject, the tests never use them):
    apt-get install -y --no-install-recommends libreoffice-writer     # as root
    /work/main/.venv/bin/pip install python-docx
and poppler-utils (pdftoppm), already on the machine.

    nice -n 10 .venv/bin/python benchmarks/wordforms/build.py --per-template 10 \
        --out /tmp/wordforms-set [--seed 2026]
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import random
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Pt, Twips
from docx.text.run import Run
from PIL import Image, ImageFilter

try:
    from . import textforms
except ImportError:  # run as a script
    import textforms  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import values as V  # noqa: E402

WORD_DIR = Path("/work/shared/realdata/vn-forms/word")
TEMPLATES = {
    # key: (file, document_type, pages scanned (None = all))
    "ct01": ("Mẫu CT01 _66.doc", "residence_change", None),
    "cc01": ("cccd.docx", "id_card_application", None),
    "tk1ts": ("Mẫu TK1-TS.docx", "other", 2),  # the form's 2 pages, not the 7 pages of guidance
    "tt28m16": ("Mẫu số 16 - TT 28.docx", "other", None),
    "d15": ("D15_DON-XET-DAT-CHUAN-NGOAI-NGU-DAU-RA-2.docx", "other", None),
}
# Printed fonts on the machine with full Vietnamese coverage, for values a clerk typed in another
# font than the template's (fc-list). None = the template's own font.
CLERK_FONTS = [None, None, None, "Liberation Sans", "DejaVu Sans", "Noto Sans", "FreeSerif",
               "Noto Serif", "Carlito", "DejaVu Serif"]
DOTS = set(".…_")
WPD = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


# ---------------------------------------------------------------- filling blanks

class Filler:
    """Writes values into the blanks of one python-docx Document, in the clerk's font."""

    def __init__(self, doc, rng: random.Random, font: str | None):
        self.doc, self.rng, self.font = doc, rng, font
        normal = doc.styles["Normal"].font
        self.default_pt = normal.size.pt if normal.size else 12.0
        self.size_jitter = rng.choice([0.0, 0.0, -1.0, 1.0])

    # -- runs as one string
    @staticmethod
    def _spans(par) -> list[tuple[object, int, int]]:
        spans, pos = [], 0
        for run in par.runs:
            text = run.text
            spans.append((run, pos, pos + len(text)))
            pos += len(text)
        return spans

    def _size_of(self, run, par) -> float:
        if run is not None and run.font.size is not None:
            pt = run.font.size.pt
        elif par.style is not None and par.style.font.size is not None:
            pt = par.style.font.size.pt
        else:
            pt = self.default_pt
        if pt < 10:  # a dot leader set in 6-7 pt: the clerk's text is in the body size
            pt = self.default_pt
        return max(10.0, pt + self.size_jitter)

    def _value_run(self, par, like, text: str):
        """A new w:r with `text`, font and size of the label (or the clerk's font)."""
        new = par.add_run(text)
        r = new._r
        r.getparent().remove(r)
        if like is not None and like._r.rPr is not None:
            rpr = copy.deepcopy(like._r.rPr)
            for tag in ("w:vertAlign", "w:b", "w:bCs", "w:u", "w:i", "w:iCs", "w:sz", "w:szCs"):
                for el in rpr.findall(qn(tag)):
                    rpr.remove(el)
            r.insert(0, rpr)
        new.font.size = Pt(self._size_of(like, par))
        if self.font:
            new.font.name = self.font
            rfonts = new._r.get_or_add_rPr().get_or_add_rFonts()
            for attr in ("w:cs", "w:eastAsia"):
                rfonts.set(qn(attr), self.font)
        return new

    @staticmethod
    def _split(par, at: int) -> None:
        """Split the text run that straddles character `at` into two runs."""
        for run, a, b in Filler._spans(par):
            if a < at < b:
                text = run.text
                twin = copy.deepcopy(run._r)
                for child in list(twin):
                    if child.tag != qn("w:rPr"):
                        twin.remove(child)
                run._r.addnext(twin)
                run.text = text[:at - a]
                Run(twin, par).text = text[at - a:]
                return

    def _replace(self, par, start: int, end: int, text: str, like) -> None:
        """Replace characters [start, end) of the paragraph's runs by a new run with `text`."""
        self._split(par, start)
        self._split(par, end)
        spans = self._spans(par)
        inside = [run for run, a, b in spans if start <= a and b <= end and b > a]
        value = self._value_run(par, like, text)
        if inside:
            inside[0]._r.addprevious(value._r)
            for run in inside:
                run._r.getparent().remove(run._r)
            return
        after = [run for run, a, b in spans if a >= start and b > a]
        if after:
            after[0]._r.addprevious(value._r)
        else:
            before = [run for run, a, b in spans if b <= start]
            if before:
                before[-1]._r.addnext(value._r)
            else:
                par._p.append(value._r)

    def fill(self, par, anchor: str, value: str, *, cursor: int = 0, tail: float = 0.3) -> int:
        """Fill the blank after `anchor` (searched from `cursor`) with `value`.

        The blank is the dot/ellipsis/underscore run after the anchor (a clerk types over it,
        sometimes leaving the last dots), or a tab with a dot leader (the clerk types before it).
        Returns the position after the filled value, for the next anchor on the same line.
        """
        text = "".join(run.text for run in par.runs)
        folded, index = nfc_map(text)
        at = index.index(cursor) if cursor in index else 0
        found = folded.find(anchor, at)
        if found < 0:
            raise LookupError(f"anchor {anchor!r} not in {folded[:80]!r}")
        pos = index[found + len(anchor)]
        like = None
        for run, a, b in self._spans(par):
            if a < pos <= b:
                like = run
        while pos < len(text) and text[pos] in " :":
            pos += 1
        start = pos
        if pos < len(text) and text[pos] in DOTS:
            end = pos
            while end < len(text) and (text[end] in DOTS or (
                    text[end] == " " and end + 1 < len(text) and text[end + 1] in DOTS)):
                end += 1
            blank = end - start
            keep = 0
            if value and self.rng.random() < tail and blank > 8:
                keep = self.rng.randint(3, max(3, blank // 3))
            sep = "" if start > 0 and text[start - 1] == " " else " "
            after = text[end - keep] if end - keep < len(text) else " "
            new = sep + value + (" " if keep or after not in " \t;,.)/" else "")
            self._replace(par, start, end - keep, new, like)
            return start + len(new)
        # a tab leader or nothing: insert before it
        sep = "" if start > 0 and text[start - 1] == " " else " "
        new = sep + value + (" " if pos < len(text) and text[pos] != "\t" else "")
        self._replace(par, start, start, new, like)
        return start + len(new)

    def clear_line(self, par) -> None:
        """Delete an all-dots continuation line's dots (a clerk who tidies the form)."""
        for run in par.runs:
            if run.text and set(run.text) <= DOTS | {" "}:
                run.text = ""

    def cell_digits(self, cells, digits: str) -> None:
        for cell, digit in zip(cells, digits, strict=False):
            par = cell.paragraphs[0]
            par.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = self._value_run(par, None, digit)
            par._p.append(run._r)

    def box_digits(self, par, digits: str) -> None:
        """Digits in the drawn boxes (rectangles anchored on the paragraph): one centre tab per
        box, the digit after it."""
        boxes = []
        for anchor in par._p.iter(WPD + "anchor"):
            off = anchor.find(WPD + "positionH").find(WPD + "posOffset")
            ext = anchor.find(WPD + "extent")
            boxes.append((int(off.text) + int(ext.get("cx")) // 2) // 635)
            anchor.set("behindDoc", "1")  # the boxes are filled white: put them behind the digits
        boxes.sort()
        for run in par.runs:
            if "\t" in run.text and not run._r.findall(".//" + qn("w:drawing")):
                run.text = run.text.replace("\t", "")
        stops = par.paragraph_format.tab_stops
        stops.clear_all()
        pprs = par._p.pPr.findall(qn("w:tabs")) if par._p.pPr is not None else []
        for tabs in pprs:
            par._p.pPr.remove(tabs)
        for x in boxes:
            stops.add_tab_stop(Twips(x), WD_TAB_ALIGNMENT.CENTER)
        like = par.runs[-1] if par.runs else None
        for digit in digits[:len(boxes)]:
            run = self._value_run(par, like, "\t" + digit)
            par._p.append(run._r)


def nfc_map(text: str) -> tuple[str, list[int]]:
    """`text` in NFC (the CT01 .doc spells its labels with combining marks), and for each NFC
    character the index of its first raw character (plus the raw length at the end)."""
    folded, index = [], []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        for ch in unicodedata.normalize("NFC", text[i:j]):
            folded.append(ch)
            index.append(i)
        i = j
    index.append(len(text))
    return "".join(folded), index


def paragraphs_with(doc, text: str) -> list:
    return [p for p in doc.paragraphs if text in unicodedata.normalize("NFC", p.text)]


def first(doc, text: str):
    found = paragraphs_with(doc, text)
    if not found:
        raise LookupError(text)
    return found[0]


def cell_paragraph(doc, text: str):
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                for par in cell.paragraphs:
                    if text in par.text:
                        return par
    raise LookupError(text)


def printed_name(rng: random.Random, name: str) -> str:
    """The forms ask for capitals ("ghi chữ in hoa đủ dấu"); most clerks comply."""
    return name.upper() if rng.random() < 0.8 else name


def sign_date(f: Filler, par, day) -> None:
    """The "…, ngày … tháng … năm …" line of the signature block."""
    d, m, y = V.date_dmy(day)
    try:
        cur = f.fill(par, "ngày", d, tail=0)
        cur = f.fill(par, "tháng", m, cursor=cur, tail=0)
        f.fill(par, "năm", y, cursor=cur, tail=0)
    except LookupError:
        pass


# ---------------------------------------------------------------- the templates

def person(rng: random.Random, lo: int = 1950, hi: int = 2006) -> dict:
    gender = "Nam" if rng.random() < 0.5 else "Nữ"
    born = V.birth_date(rng, lo, hi)
    name = V.person_name(rng, gender)
    return {"name": name, "gender": gender, "born": born,
            "id": V.id_number(rng, born, gender)}


def fill_birth_date(f: Filler, par, born):
    """The day, month and year typed into the template's "năm sinh: … / … / …" blanks; the
    cursor after the year."""
    d, m, y = V.date_dmy(born)
    cur = f.fill(par, "năm sinh:", d)
    cur = f.fill(par, "/", m, cursor=cur)
    return f.fill(par, "/", y, cursor=cur)


def fill_ct01(doc, f: Filler, rng: random.Random) -> dict:
    me = person(rng, 1950, 2006)
    head = person(rng, 1940, 1990) if rng.random() < 0.8 else me
    relation = "Chủ hộ" if head is me else rng.choice(V.RELATIONS_TO_HEAD)
    phone = V.phone(rng)
    email = V.email(rng, me["name"], me["born"])
    unit = V.receiver_unit(rng)
    receiver = rng.choice(V.RESIDENCE_RECEIVERS).format(unit=unit)
    addr = V.address(rng, hanoi=0.9)
    request = rng.choice(V.RESIDENCE_REQUESTS).format(
        head=("ông " if head["gender"] == "Nam" else "bà ") + head["name"], addr=addr)
    has_email = rng.random() < 0.75

    f.fill(first(doc, "Kính gửi"), ":", receiver)
    f.fill(first(doc, "1. Họ, chữ đệm và tên"), "tên:", printed_name(rng, me["name"]))
    par = first(doc, "Ngày, tháng, năm sinh")
    cur = fill_birth_date(f, par, me["born"])
    f.fill(par, "Giới tính:", me["gender"], cursor=cur)
    f.cell_digits(doc.tables[0].rows[0].cells[1:], me["id"])
    par = first(doc, "Số điện thoại liên hệ")
    cur = f.fill(par, "liên hệ:", V.phone_printed(rng, phone))
    if has_email:
        f.fill(par, "Email:", email, cursor=cur)
    par = first(doc, "chủ hộ:")
    cur = f.fill(par, "tên chủ hộ:", printed_name(rng, head["name"]))
    f.fill(par, "Mối quan hệ với chủ hộ:", relation, cursor=cur)
    f.cell_digits(doc.tables[1].rows[0].cells[1:], head["id"])
    f.fill(first(doc, "Nội dung đề nghị"), ":", request)
    # family members changing with the applicant: 0-2 rows of the table
    members = doc.tables[2]
    for i in range(rng.choice([0, 0, 1, 2])):
        who = person(rng, 1995, 2020)
        row = members.rows[1 + i].cells
        for cell, text in zip(row, [str(i + 1), printed_name(rng, who["name"]),
                                    who["born"].strftime("%d/%m/%Y"), who["gender"], who["id"],
                                    rng.choice(["Con", "Cháu", "Vợ", "Chồng"])], strict=True):
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            cell.paragraphs[0]._p.append(f._value_run(cell.paragraphs[0], None, text)._r)
    sig = doc.tables[3].rows[0].cells[3].paragraphs[0]
    sign_date(f, sig, V.recent_date(rng))
    return {
        "receiver": receiver, "full_name": me["name"], "birth_date": me["born"].isoformat(),
        "gender": me["gender"], "id_number": me["id"], "phone": phone,
        "email": email if has_email else None, "household_head_name": head["name"],
        "relationship_to_head": relation, "household_head_id_number": head["id"],
        "request_content": request,
    }


def fill_cc01(doc, f: Filler, rng: random.Random) -> dict:
    me = person(rng, 1950, 2008)
    ethnicity = rng.choice(V.ETHNICITIES)
    religion = rng.choice(V.RELIGIONS)
    marital = rng.choice(V.MARITAL) if me["born"].year < 2004 else "Độc thân"
    hometown = V.hometown(rng)
    permanent = V.address(rng)
    current = permanent if rng.random() < 0.5 else V.address(rng, hanoi=0.9)
    occupation = rng.choice(V.OCCUPATIONS)
    pars = doc.paragraphs

    f.fill(first(doc, "1. Họ, chữ đệm và tên"), "tên(1):", printed_name(rng, me["name"]))
    if rng.random() < 0.15:
        f.fill(first(doc, "tên gọi khác"), "(1):", printed_name(rng, V.person_name(
            rng, me["gender"])))
    par = first(doc, "3. Ngày, tháng, năm sinh")
    cur = fill_birth_date(f, par, me["born"])
    f.fill(par, "(Nam/nữ):", me["gender"], cursor=cur)
    f.box_digits(first(doc, "5. Số CMND/CCCD"), me["id"])
    par = first(doc, "6. Dân tộc")
    cur = f.fill(par, "Dân tộc:", ethnicity)
    cur = f.fill(par, "Tôn giáo:", religion, cursor=cur)
    f.fill(par, "Quốc tịch:", "Việt Nam", cursor=cur)
    par = first(doc, "9. Tình trạng hôn nhân")
    cur = f.fill(par, "hôn nhân:", marital)
    blood = rng.choice(V.BLOOD)
    if blood:
        f.fill(par, "(nếu có):", blood, cursor=cur)
    f.fill(first(doc, "11. Nơi đăng ký khai sinh"), "khai sinh:", V.hometown(rng))
    f.fill(first(doc, "12. Quê quán"), "Quê quán:", hometown)
    for label, value in (("13. Nơi thường trú", permanent), ("14. Nơi ở hiện tại", current)):
        par = first(doc, label)
        f.fill(par, label.split(". ")[1], value, tail=0.6)
        nxt = pars[[p._p for p in pars].index(par._p) + 1]
        if rng.random() < 0.3:
            f.clear_line(nxt)
    par = first(doc, "15. Nghề nghiệp")
    cur = f.fill(par, "Nghề nghiệp:", occupation)
    f.fill(par, "học vấn:", rng.choice(V.EDUCATION), cursor=cur)
    father, mother = person(rng, 1930, 1985), person(rng, 1930, 1985)
    father["name"] = me["name"].split()[0] + " " + V.person_name(rng, "Nam").split(" ", 1)[1]
    mother["name"] = V.person_name(rng, "Nữ")
    for label, who in (("17. Họ, chữ đệm và tên của cha", father),
                       ("18. Họ, chữ đệm và tên của mẹ", mother)):
        par = first(doc, label)
        cur = f.fill(par, "(1):", printed_name(rng, who["name"]))
        f.fill(par, "Quốc tịch:", "Việt Nam", cursor=cur)
        idx = [p._p for p in pars].index(par._p) + 1
        if rng.random() < 0.5 and not pars[idx].text.startswith("\t"):
            f.box_digits(pars[idx], who["id"])
    if rng.random() < 0.6:
        head = father if rng.random() < 0.6 else me
        f.fill(first(doc, "21. Họ, chữ đệm và tên của chủ hộ"), "(1):",
               printed_name(rng, head["name"]))
        f.fill(first(doc, "Quan hệ với chủ hộ"), "chủ hộ:",
               "Chủ hộ" if head is me else "Con")
    f.fill(first(doc, "Cấp, đổi, cấp lại thẻ"), "công dân:", rng.choice(V.ID_REQUESTS))
    f.fill(first(doc, "Chuyển phát thẻ CCCD"), "(có/không):", rng.choice(["Có", "Không"]))
    par = doc.tables[0].rows[0].cells[1].paragraphs[0]
    sign_date(f, par, V.recent_date(rng))
    return {
        "full_name": me["name"], "birth_date": me["born"].isoformat(), "gender": me["gender"],
        "id_number": me["id"], "ethnicity": ethnicity, "religion": religion,
        "nationality": "Việt Nam", "marital_status": marital, "hometown": hometown,
        "permanent_address": permanent, "current_address": current, "occupation": occupation,
    }


def bare(unit: str) -> str:
    """'Tỉnh Nam Định' -> 'Nam Định', as the form's own Xã:/Huyện:/Tỉnh: labels ask."""
    for prefix in ("Thành phố ", "Thị trấn ", "Phường ", "Huyện ", "Quận ", "Tỉnh ", "Xã "):
        if unit.startswith(prefix):
            return unit[len(prefix):]
    return unit


def fill_tk1ts(doc, f: Filler, rng: random.Random) -> dict:
    me = person(rng, 1955, 2006)
    d, m, y = V.date_dmy(me["born"])
    par = first(doc, "[01]. Họ và tên")
    cur = f.fill(par, "in hoa):", me["name"].upper())
    f.fill(par, "[02]. Giới tính:", me["gender"].lower(), cursor=cur)
    par = first(doc, "[03]. Ngày, tháng, năm sinh")
    cur = f.fill(par, "năm sinh:", d)
    cur = f.fill(par, "/", m, cursor=cur)
    cur = f.fill(par, "/", y, cursor=cur)
    f.fill(par, "Quốc tịch:", "Việt Nam", cursor=cur)
    par = first(doc, "[05]. Dân tộc")
    cur = f.fill(par, "Dân tộc:", rng.choice(V.ETHNICITIES))
    f.fill(par, "Hộ chiếu:", me["id"], cursor=cur)
    par = first(doc, "[07]. Điện thoại")
    cur = f.fill(par, "Điện thoại:", V.phone_printed(rng, V.phone(rng)))
    f.fill(par, "(nếu có):", V.email(rng, me["name"], me["born"]), cursor=cur)
    unit = rng.choice(V.PROVINCES_PRE_2025)
    par = first(doc, "[09.1]. Xã")
    cur = f.fill(par, "[09.1]. Xã:", bare(unit[0]))
    f.fill(par, "Huyện:", bare(unit[1]), cursor=cur)
    par = first(doc, "[09.3]. Tỉnh")
    f.fill(par, "Tỉnh:", bare(unit[2]))
    par = first(doc, "[11.2a]")
    f.fill(par, "thôn/xóm:", V.house(rng))
    unit = rng.choice(V.HANOI_PRE_2025)
    par = first(doc, "[11.2b]")
    cur = f.fill(par, "Xã:", bare(unit[0]))
    cur = f.fill(par, "Huyện:", bare(unit[1]), cursor=cur)
    f.fill(par, "Tỉnh:", "Hà Nội", cursor=cur)
    f.fill(first(doc, "Nơi đăng ký khám, chữa bệnh"), "ban đầu:", rng.choice(V.CLINICS))
    f.fill(first(doc, "Nội dung thay đổi"), "yêu cầu khác:",
           rng.choice(["Cấp lại thẻ BHYT do bị mất", "Điều chỉnh số điện thoại",
                       "Thay đổi nơi đăng ký khám, chữa bệnh ban đầu"]))
    return {}


def fill_tt28m16(doc, f: Filler, rng: random.Random) -> dict:
    me = person(rng, 1965, 2004)
    d, m, y = V.date_dmy(me["born"])
    par = first(doc, "Tháng hưởng trợ cấp")
    f.fill(par, "thất nghiệp thứ:", str(rng.randint(1, 6)))
    f.fill(first(doc, "Kính gửi"), "Trung tâm Dịch vụ việc làm", rng.choice(V.JOB_CENTRES))
    par = first(doc, "Tên tôi là")
    cur = f.fill(par, "Tên tôi là:", printed_name(rng, me["name"]))
    cur = f.fill(par, "sinh ngày", d, cursor=cur)
    cur = f.fill(par, "/", m, cursor=cur)
    f.fill(par, "/", y, cursor=cur)
    f.fill(first(doc, "Số chứng minh nhân dân"), "nhân dân:", me["id"])
    issued = V.birth_date(rng, 2016, 2024)
    par = first(doc, "Ngày cấp")
    di, mi, yi = V.date_dmy(issued)
    cur = f.fill(par, "Ngày cấp:", di)
    cur = f.fill(par, "/", mi, cursor=cur)
    cur = f.fill(par, "/", yi, cursor=cur)
    f.fill(par, "nơi cấp:", "Cục Cảnh sát QLHC về TTXH", cursor=cur)
    f.fill(first(doc, "Chỗ ở hiện nay"), "hiện nay:", V.address(rng))
    f.fill(first(doc, "Số điện thoại"), "Số điện thoại :", V.phone_printed(rng, V.phone(rng)))
    return {}


def fill_d15(doc, f: Filler, rng: random.Random) -> dict:
    me = person(rng, 1998, 2006)
    par = first(doc, "Tôi tên:")
    cur = f.fill(par, "Tôi tên:", printed_name(rng, me["name"]))
    f.fill(par, "MSSV:", f"{rng.randint(19, 23)}{rng.randint(10000, 99999):05d}", cursor=cur)
    par = first(doc, "Ngành học:")
    cur = f.fill(par, "Ngành học:", rng.choice(V.SCHOOLS))
    f.fill(par, "CMND/CCCD:", me["id"], cursor=cur)
    par = first(doc, "Ngày sinh:")
    cur = f.fill(par, "Ngày sinh:", me["born"].strftime("%d/%m/%Y"))
    f.fill(par, "Điện thoại:", V.phone_printed(rng, V.phone(rng)), cursor=cur)
    sign_date(f, first(doc, "TP. HCM, ngày"), V.recent_date(rng))
    return {}


FILLERS = {"ct01": fill_ct01, "cc01": fill_cc01, "tk1ts": fill_tk1ts,
           "tt28m16": fill_tt28m16, "d15": fill_d15}


# ---------------------------------------------------------------- LibreOffice, raster, scan

def soffice(args: list[str], outdir: Path, profile: Path, timeout: int = 600) -> None:
    cmd = ["soffice", "--headless", "--norestore",
           f"-env:UserInstallation=file://{profile}", *args, "--outdir", str(outdir)]
    subprocess.run(cmd, check=True, timeout=timeout, capture_output=True)


def template_docx(key: str, work: Path, profile: Path) -> Path:
    name = TEMPLATES[key][0]
    src = WORD_DIR / name
    dst = work / f"template-{key}{src.suffix}"
    shutil.copyfile(src, dst)
    if src.suffix == ".doc":
        soffice(["--convert-to", "docx", str(dst)], work, profile, timeout=180)
        dst = dst.with_suffix(".docx")
    return dst


def scan_effects(img: Image.Image, rng: random.Random, dpi: int) -> tuple[Image.Image, dict]:
    """Mild scanner look: grey, slight rotation, contrast/brightness, noise, blur, JPEG."""
    img = img.convert("L")
    fx: dict = {}
    if rng.random() < 0.7:
        angle = rng.uniform(-1.2, 1.2)
        img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
        fx["rotate"] = round(angle, 2)
    arr = np.asarray(img).astype(np.float32)
    if rng.random() < 0.6:
        gain, floor = rng.uniform(0.85, 1.0), rng.uniform(0, 25)
        arr = floor + arr * gain * (255 - floor) / 255
        fx["contrast"] = [round(gain, 2), round(floor, 1)]
    if rng.random() < 0.6:
        sigma = rng.uniform(3, 9)
        nrng = np.random.default_rng(rng.randrange(1 << 30))
        arr = arr + nrng.normal(0, sigma, arr.shape)
        fx["noise"] = round(sigma, 1)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rng.random() < 0.25:
        radius = rng.uniform(0.4, 0.8) * dpi / 300
        img = img.filter(ImageFilter.GaussianBlur(radius))
        fx["blur"] = round(radius, 2)
    quality = rng.choice([95, 92, 90]) if rng.random() < 0.6 else rng.randint(60, 85)
    fx["jpeg"] = quality
    return img, fx


def rasterise(pdf: Path, dpi: int, pages: int | None, tmp: Path) -> list[Image.Image]:
    prefix = tmp / pdf.stem
    cmd = ["pdftoppm", "-r", str(dpi), "-gray", "-png"]
    if pages:
        cmd += ["-l", str(pages)]
    subprocess.run(cmd + [str(pdf), str(prefix)], check=True, timeout=300)
    files = sorted(tmp.glob(pdf.stem + "-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    images = [Image.open(p).copy() for p in files]
    for p in files:
        p.unlink()
    return images


def write_scan(images: list[Image.Image], qualities: list[int], dpi: int, out: Path) -> None:
    """A scanner's PDF: one JPEG per page."""
    pages = []
    for img, q in zip(images, qualities, strict=True):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=q, dpi=(dpi, dpi))
        buf.seek(0)
        pages.append(Image.open(buf))
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))


# ---------------------------------------------------------------- main

def build(per_template: int, out: Path, seed: int, keys: list[str], log=print) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    docs_dir = out / "docx"
    pdf_dir = out / "printed"
    scans = out / "scans"
    for d in (docs_dir, pdf_dir, scans):
        d.mkdir(exist_ok=True)
    rng = random.Random(seed)
    truths = []
    with tempfile.TemporaryDirectory(prefix="wordforms-") as tmpname:
        tmp = Path(tmpname)
        profile = tmp / "lo-profile"
        templates = {k: template_docx(k, tmp, profile) for k in keys if k in TEMPLATES}
        made = []
        for i in range(per_template):
            for key in keys:
                doc_rng = random.Random(rng.randrange(1 << 30))
                font = doc_rng.choice(CLERK_FONTS)
                if key in textforms.TEXT_TEMPLATES:
                    doc, fields = textforms.make(key, doc_rng, font)
                else:
                    doc = Document(str(templates[key]))
                    fields = FILLERS[key](doc, Filler(doc, doc_rng, font), doc_rng)
                stem = f"wf-{key}-{i:03d}"
                path = docs_dir / f"{stem}.docx"
                doc.save(str(path))
                made.append((stem, key, fields, font, doc_rng))
        log(f"filled {len(made)} documents; converting to PDF with LibreOffice")
        for start in range(0, len(made), 20):
            part = [str(docs_dir / f"{m[0]}.docx") for m in made[start:start + 20]]
            soffice(["--convert-to", "pdf", *part], pdf_dir, profile, timeout=900)
        for stem, key, fields, font, doc_rng in made:
            dpi = 300 if doc_rng.random() < 0.3 else 200
            name, doc_type, pages = TEMPLATES.get(key) or (*textforms.TEXT_TEMPLATES[key], None)
            images = rasterise(pdf_dir / f"{stem}.pdf", dpi, pages, tmp)
            scanned, effects, qualities = [], [], []
            for img in images:
                img, fx = scan_effects(img, doc_rng, dpi)
                scanned.append(img)
                effects.append(fx)
                qualities.append(fx["jpeg"])
            write_scan(scanned, qualities, dpi, scans / f"{stem}.pdf")
            truths.append({"file": f"{stem}.pdf", "template": name,
                           "document_type": doc_type, "dpi": dpi,
                           "font": font or "template", "pages": len(images),
                           "effects": effects, "fields": fields})
            log(f"  {stem}: {len(images)} pages at {dpi} dpi, font {font or 'template'}")
    with open(out / "truth.jsonl", "w", encoding="utf-8") as fh:
        for t in truths:
            fh.write(json.dumps(t, ensure_ascii=False) + "\n")
    return truths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-template", type=int, default=10)
    ap.add_argument("--out", type=Path, default=Path("/tmp/wordforms-set"))
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--templates", default=",".join(TEMPLATES),
                    help="keys: " + ",".join([*TEMPLATES, *textforms.TEXT_TEMPLATES]))
    args = ap.parse_args(argv)
    keys = [k for k in args.templates.split(",") if k]
    truths = build(args.per_template, args.out, args.seed, keys)
    print(f"{len(truths)} documents in {args.out / 'scans'}; truth in {args.out / 'truth.jsonl'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
