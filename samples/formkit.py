"""Helpers shared by the form builders: filled label/value lines and ground-truth bookkeeping."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from samples import fake
from samples.render import Doc, Run

ROMAN = [
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
    "XVIII",
    "XIX",
    "XX",
]


class Form:
    """One document being filled: wraps a Doc and records every contract field printed."""

    def __init__(self, rng: random.Random, doc: Doc) -> None:
        self.rng = rng
        self.doc = doc
        self.style = doc.style
        self.fields: dict[str, Any] = {}
        self.printed: dict[str, str] = {}
        self.people: dict[str, str] = {}
        self.n = 0
        self.anchor: dt.date | None = None  # in a dossier: forms are signed just before receipt

    # -- wording choices ------------------------------------------------------------------
    def pick(self, *variants: str) -> str:
        """Label wording: the style's variant when it exists, else the template's."""
        return variants[self.style.label_variant % len(variants)]

    def num(self) -> str:
        self.n += 1
        if self.style.numbering == "arabic":
            return f"{self.n}. "
        if self.style.numbering == "roman":
            return f"{ROMAN[self.n - 1]}. "
        return ""

    def mark(self, n: int) -> str:
        """Template footnote markers like "(1)": kept on some forms, dropped on others."""
        return f"({n})" if self.style.label_variant == 0 else ""

    # -- printing values ------------------------------------------------------------------
    def date(self, d: dt.date, fmt: str | None = None, bare: bool = False) -> str:
        """The style's date format (fmt: the template's own); bare: after a printed "ngày"."""
        if fmt is None:
            fmt = self.style.date_format
            if self.rng.random() < 0.15:  # clerks are not consistent within one form
                fmt = self.rng.choice(fake.DATE_FORMATS)
        s = fake.fmt_date(d, fmt, self.style.pad_dates)
        return s.removeprefix("ngày ") if bare else s

    def name(self, s: str) -> str:
        return s.upper() if self.style.upper_names else s

    def phone(self, p: str) -> str:
        return fake.fmt_phone(p, self.style.phone_format)

    def dots(self) -> list[Run]:
        if self.style.hand or self.style.leaders != "after":
            return []  # hand-filled or typed over the dots: they are drawn under the values
        if self.rng.random() < self.style.dots:
            return [Run("", fill=self.rng.randint(6, 24))]
        return []

    def label(self, text: str) -> str:
        """A label as printed: without its colon on some templates ("6. Số điện thoại ...")."""
        if not self.style.colons and text.rstrip().endswith(":") and self.rng.random() < 0.5:
            return text.rstrip()[:-1].rstrip() + " "
        return text

    def lead(self, values: tuple[Run, ...], colon: bool = True) -> list[Run]:
        """The values as typed: after the blank's dots (some typists keep them), glued to
        the label's colon, or at the style's value tab."""
        runs = list(values)
        if not runs or self.style.hand:
            return runs
        first = runs[0]
        if self.style.leaders == "before" and self.rng.random() < 0.7:
            dots = Run("", fill=self.rng.randint(4, 14))
            dots.glue = self.rng.random() < 0.5
            first.glue = self.rng.random() < 0.5
            return [dots, *runs]
        if self.style.value_tab is not None:
            first.tab = self.style.value_tab
        elif self.rng.random() < self.style.glue and colon:
            first.glue = True  # "Số điện thoại:0912345678" (never without the colon)
        return runs

    def set(self, field: str | None, printed: str, value: Any) -> Run:
        """Record a field's truth; return the run that prints it."""
        printed = fake.nfc(printed)
        if field:
            self.fields[field] = fake.nfc(value) if isinstance(value, str) else value
            self.printed[field] = printed
        return Run(printed, field=field, hand=True)

    def v_name(self, field: str | None, s: str) -> Run:
        p = self.name(s)
        return self.set(field, p, p)

    def v_date(
        self, field: str | None, d: dt.date, fmt: str | None = None, bare: bool = False
    ) -> Run:
        return self.set(field, self.date(d, fmt, bare), d.isoformat())

    def v_phone(self, field: str | None, p: str) -> Run:
        return self.set(field, self.phone(p), p)

    def v(self, field: str | None, s: str, value: Any = None) -> Run:
        return self.set(field, s, s if value is None else value)

    # -- lines ----------------------------------------------------------------------------
    def item(self, label: str, *values: Run, numbered: bool = True, dots: bool = True) -> None:
        """'1. Label: value ......' on one line (wrapping if long)."""
        prefix = self.num() if numbered else ""
        label = self.label(label)
        runs = [Run(prefix + label), *self.lead(values, label.rstrip().endswith(":"))]
        hang = -1.0 if self.style.hang_value else 0.0
        self.doc.line(runs + (self.dots() if dots else []), hang=hang)

    def id_item(self, label: str, field: str, digits: str, boxes: bool | None = None) -> None:
        """An ID number line; with `boxes` printed one digit per cell like the real form
        (None: the style's chance)."""
        if boxes is None:
            boxes = self.rng.random() < self.style.boxes
        if not boxes:
            self.item(label, self.v(field, digits))
            return
        self.set(field, digits, digits)
        self.doc.boxed((self.num() + label).rstrip(), digits, field)

    def row(self, *cells: tuple[str, Run], numbered: bool = True) -> None:
        """Several label/value pairs on one line at tab stops, as the templates have."""
        runs: list[Run] = []
        tabs = {1: [0.0], 2: [0.0, 0.52], 3: [0.0, 0.36, 0.68], 4: [0.0, 0.34, 0.56, 0.76]}[
            len(cells)
        ]
        packed = not self.style.row_tabs
        for (label, value), tab in zip(cells, tabs, strict=True):
            prefix = self.num() if numbered else ""
            # packed: the next label follows the value after a space, as typed in place of
            # the template's dots ("Giới tính: Nam Dân tộc: Kinh Quốc tịch: Việt Nam")
            label = self.label(label)
            runs.append(Run(prefix + label, tab=None if packed or not tab else tab))
            if not self.style.hand and self.rng.random() < self.style.glue \
                    and label.rstrip().endswith(":"):
                value.glue = True
            runs.append(value)
            if packed:
                runs += self.dots()
        self.doc.line(runs, hang=-1.0 if self.style.hang_value else 0.0)

    def header(self, form_code: str | None = None) -> None:
        if form_code:
            self.doc.line([Run(form_code, italic=True)], align="right", scale=0.8)
        self.doc.motto()
        self.doc.space(0.8)

    def title(self, *lines: str, scale: float = 1.15) -> None:
        for i, s in enumerate(lines):
            self.doc.line([Run(s, bold=i == 0 or s.isupper())], align="center", scale=scale)
        self.doc.space(0.6)

    def para(self, s: str, italic: bool = False, indent: bool = True) -> None:
        first = self.doc.px * 2 if indent else 0
        self.doc.line([Run(s, italic=italic)], indent=first)

    def signed(
        self, place: str, d: dt.date, place_field: str | None = None, italic: bool = False
    ) -> list[Run]:
        """'Hà Nội, ngày 12 tháng 03 năm 2025' as runs; records signed_date (and the place)."""
        day = f"{d.day:02d}" if self.style.pad_dates else str(d.day)
        month = f"{d.month:02d}" if self.style.pad_dates else str(d.month)
        date = self.set("signed_date", f"ngày {day} tháng {month} năm {d.year}", d.isoformat())
        where = self.set(place_field, place, place) if place_field else Run(fake.nfc(place))
        for run in (where, date):
            run.italic = italic
        if self.style.hand:
            # the printed frame "ngày … tháng … năm …" with the numbers written into it
            frame = []
            for word, num in (("ngày", day), ("tháng", month), ("năm", str(d.year))):
                frame.append(Run(word, italic=italic, field="signed_date"))
                frame.append(Run(num, field="signed_date", hand=True))
            if not place_field:
                where.hand = False
            return [where, Run(",", italic=italic), *frame]
        return [where, Run(",", italic=italic), date]
