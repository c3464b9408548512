"""Typed records for generated samples and their ground truth."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

SCHEMA = "sohoa-sample/1"
STACK_SCHEMA = "sohoa-stack/1"


@dataclass
class Style:
    """How one document is printed. Chosen at random per document unless given."""

    font: str = "dejavu-serif"  # family key from render.FONT_FAMILIES, a fc-match name or a path
    size_pt: float = 12.0  # body text size; at 300 dpi 12 pt is 50 px
    line_gap: float = 1.5  # line pitch as a multiple of the font size
    numbering: str = "arabic"  # "arabic" (1.), "roman" (I.) or "none"
    label_variant: int = 0  # picks between label wordings of the real templates
    date_format: str = "slash"  # slash | dash | dot | words (see fake.fmt_date)
    pad_dates: bool = True  # 05/03/1995 vs 5/3/1995
    upper_names: bool = False  # names printed in capitals, as many clerks type them
    dots: float = 0.3  # chance a value keeps some of the template's dots after it
    phone_format: str = "plain"  # plain | grouped | intl | dotted
    margin_mm: tuple[float, float, float, float] = (20.0, 15.0, 20.0, 20.0)  # top right bot left
    motto_dash: str = "-"  # "-" or "–": both occur on real forms
    dpi: int = 300
    # layout habits of the office that typed the form (the official templates allow all)
    leaders: str = "after"  # the blank's dots: "after" the value, "under" it (typed over the
    #   dotted line), "before" it (typed after the dots), "none" (typed in place of the dots)
    row_tabs: bool = True  # several fields on a line at tab stops, or packed with spaces
    compact: bool = False  # more fields share a line (birth date, gender, ethnicity ...)
    value_tab: float | None = None  # values start at this fraction of the width (a tab)
    hang_value: bool = False  # a wrapped value continues under its start, not at the margin
    glue: float = 0.0  # chance the value follows the label's colon without a space
    boxes: float = 0.3  # chance an ID number is printed one digit per cell
    colons: bool = True  # False: some labels lose their colon, as on several templates
    # hand-filled forms: the values are written by hand in this font (None: typed)
    hand: str | None = None
    ink: tuple[int, int, int] = (25, 45, 150)  # ballpoint blue or black
    hand_scale: float = 1.2  # handwriting is larger than the print
    hand_slant: float = 0.0  # degrees, the writer's habitual tilt
    hand_rise: float = 0.0  # the writer's baseline offset from the dotted line (x font size)
    hand_stroke: int = 0  # extra pen width in pixels


@dataclass
class FieldBox:
    page: int  # 1-based
    bbox: list[int]  # [x0, y0, x1, y1] on the clean 300-dpi render (before degradation)


@dataclass
class PageTruth:
    text: str  # lines as rendered, joined by "\n"
    width: int  # pixels of the saved image
    height: int
    dpi: int
    rotation: int = 0  # clockwise degrees the page was turned (0/90/180/270)
    degradations: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sample:
    document_type: str
    fields: dict[str, Any]  # contract field id -> value in the contract's output format
    pages: list[np.ndarray]  # uint8, gray (H, W) or RGB (H, W, 3)
    page_truth: list[PageTruth]
    style: Style
    printed: dict[str, str] = field(default_factory=dict)  # field -> the string as printed
    boxes: dict[str, FieldBox] = field(default_factory=dict)
    title: str = ""
    people: dict[str, str] = field(default_factory=dict)  # role -> name, for stacks
    seal: tuple[int, int, int] | None = None  # (page, x, y) at the signature, for stamps

    def truth(self, file: str | None = None, seed: int | None = None) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "file": file,
            "seed": seed,
            "document_type": self.document_type,
            "title": self.title,
            "fields": self.fields,
            "printed": self.printed,
            "field_boxes": {k: asdict(v) for k, v in self.boxes.items()},
            "pages": [asdict(p) for p in self.page_truth],
            "style": asdict(self.style),
        }
