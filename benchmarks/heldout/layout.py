"""The held-out renderer's small layout language: a form is a list of blocks; a line is a flow of
printed text (the template's labels) and value slots (the blanks, filled by type or by hand)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class T:
    """Printed text of the form (a label, a title, a fixed sentence)."""
    text: str
    style: str = ""  # any of: b (bold), i (italic), s (small)


@dataclass
class V:
    """A blank of the form and what is written in it. `field` names the contract field it
    belongs to (None: a value the contract does not extract)."""
    text: str
    field: str | None = None
    min_w: float = 0.1  # fraction of the line width the blank takes at least
    boxes: int = 0  # one printed box per character (digits)
    hint: str = ""  # printed hint after the blank, e.g. "(Ghi tên người bị khiếu nại)"


@dataclass
class Check:
    """Printed checkboxes, one ticked."""
    options: list[str]
    chosen: int
    field: str | None = None


@dataclass
class Line:
    pieces: list
    align: str = "left"  # left, center, right (right: the block sits in the right half)
    size: float = 1.0
    gap: float = 0.25  # extra space before the line, in line heights
    style: str = ""  # applied to every T of the line


@dataclass
class Para:
    """A printed paragraph (statements of the template), wrapped."""
    text: str
    style: str = ""
    size: float = 1.0
    gap: float = 0.25


@dataclass
class Sign:
    title: str
    hint: str
    name: str | None


@dataclass
class Signs:
    """Signature blocks side by side (one or two columns)."""
    blocks: list[Sign]
    gap: float = 0.6


@dataclass
class Card:
    """An ID card copy instead of a form: rendered by render.card."""
    front: dict
    back: dict


@dataclass
class QR:
    """A QR code holding `data`, printed at the top right (the receipt's dossier code)."""
    data: str


@dataclass
class Form:
    document_type: str
    blocks: list
    truth: dict[str, object]  # contract field -> value in the contract's format, None = empty
    notes: dict = field(default_factory=dict)
