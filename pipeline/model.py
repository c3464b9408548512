"""The typed values that pass between stages.

Every stage is a function from one of these to the next; runners, workers, the API and the CLI
move them around. Images travel as numpy arrays inside a process and as encoded bytes between
processes or machines (see ``PageImage.to_bytes``). ``to_dict`` gives the JSON the CLI prints and
the archive stores as the sidecar.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class SohoaError(Exception):
    """A per-document error with a stable machine-readable code.

    Raised by a stage for a problem with *this* input (bad file, limit exceeded); the runner
    records it for the document and goes on with the next one. ``permanent`` errors are never
    retried (retrying a corrupt file gives the same answer); transient ones may be.
    """

    code = "error"
    permanent = True

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class InputError(SohoaError):
    """The file itself is unusable: unknown type, corrupt, encrypted, empty."""

    code = "bad_input"


class LimitExceeded(SohoaError):
    """The file is larger than a configured limit (bytes, pages, pixels)."""

    code = "limit_exceeded"


class StageTimeout(SohoaError):
    """A stage (usually Tesseract on one page) ran past its time limit."""

    code = "timeout"
    permanent = False


class TransientError(SohoaError):
    """Storage, database or broker unreachable: worth a bounded retry."""

    code = "transient"
    permanent = False


class FileKind(enum.StrEnum):
    PDF = "pdf"
    TIFF = "tiff"
    JPEG = "jpeg"
    PNG = "png"


@dataclass(frozen=True)
class SourceFile:
    """One uploaded or scanned file, before it is split into pages."""

    path: str
    kind: FileKind
    sha256: str
    size: int
    name: str = ""  # the name the user gave it (display only, never a path on our side)
    branch: str | None = None
    batch_id: str | None = None
    dossier_code: str | None = None


@dataclass
class PageImage:
    """One page as it came in: the faithful image (gray or RGB) and its resolution."""

    document_id: str
    number: int  # 1-based
    image: np.ndarray  # uint8, HxW (gray) or HxWx3 (RGB)
    dpi: float
    # For scanned PDFs whose page is a single JPEG we keep the original bytes: the PDF/A can
    # carry them unchanged (lossless, and no re-encode in the hot path).
    source_jpeg: bytes | None = None

    @property
    def is_color(self) -> bool:
        return self.image.ndim == 3


@dataclass
class PreparedPage:
    """A page after preprocessing: the archive image upright and deskewed, the OCR image."""

    number: int
    archive_image: np.ndarray  # faithful (gray or RGB), rotated and deskewed
    ocr_image: np.ndarray  # gray uint8 (binarized or normalized) in the same geometry
    dpi: float  # resolution of archive_image
    ocr_scale: float  # ocr_image pixels per archive_image pixel (>1 when upscaled)
    rotation: int  # 0, 90, 180 or 270 degrees clockwise applied to make the page upright
    skew: float  # degrees of deskew rotation applied
    orientation: Any = None  # preprocess.Orientation: how sure, and the runner-up
    timings: dict[str, float] = field(default_factory=dict)
    # Kept when the archive image is the untouched source JPEG (no rotation, no deskew).
    source_jpeg: bytes | None = None


@dataclass(frozen=True)
class OcrWord:
    """One recognised word; the box is in pixels of the OCR image."""

    text: str
    bbox: tuple[int, int, int, int]  # x0, y0, x1, y1
    confidence: float  # 0..100 as Tesseract reports it
    block: int
    paragraph: int
    line: int
    word: int
    # the surest other reading Tesseract weighed for any of its characters (0..100, from the
    # LSTM's symbol choices): a confident word with a strong rival ("8" against "5" at 57) is
    # a misreading waiting to happen that the word's own confidence does not show
    rival: float = 0.0

    def to_dict(self, *, exact: bool = False) -> dict[str, Any]:
        out = {
            "text": self.text,
            "bbox": list(self.bbox),
            "confidence": self.confidence if exact else round(self.confidence, 2),
            "block": self.block,
            "paragraph": self.paragraph,
            "line": self.line,
        }
        if self.rival:
            out["rival"] = self.rival if exact else round(self.rival, 1)
        if exact:
            out["word"] = self.word
        return out


class PageStatus(enum.StrEnum):
    OK = "ok"
    FAILED = "failed"


@dataclass
class OcrPage:
    """The OCR result of one page. A failed page carries its reason, never an empty text."""

    number: int
    width: int  # of the OCR image
    height: int
    words: list[OcrWord]
    text: str
    status: PageStatus = PageStatus.OK
    error: dict[str, str] | None = None
    rotation: int = 0
    skew: float = 0.0
    ocr_scale: float = 1.0
    dpi: float = 300.0
    qr_codes: list[str] = field(default_factory=list)  # decoded on receipt-like pages
    vertical_share: float = 0.0  # text blocks Tesseract read top-to-bottom
    language: str = ""  # the Tesseract languages the page was read with
    timings: dict[str, float] = field(default_factory=dict)
    # per word [x0, y0, x1, y1, ink features...] (extractors.handwriting.word_ink)
    ink: list[list[float]] = field(default_factory=list)

    @property
    def mean_confidence(self) -> float:
        if not self.words:
            return 0.0
        return sum(w.confidence for w in self.words) / len(self.words)

    def to_dict(self, *, words: bool = True, exact: bool = False) -> dict[str, Any]:
        """The page as JSON; ``exact``: without rounding, for ``from_dict`` to give back the
        same page (the workers pass pages between machines this way)."""
        def r(v: float, digits: int) -> float:
            return v if exact else round(v, digits)

        out: dict[str, Any] = {
            "page": self.number,
            "status": self.status.value,
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "skew": r(self.skew, 2),
            "dpi": r(self.dpi, 1),
            "ocr_scale": r(self.ocr_scale, 4),
            "mean_confidence": round(self.mean_confidence, 2),
            "language": self.language,
            "text": self.text,
            "qr_codes": self.qr_codes,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }
        if self.error:
            out["error"] = self.error
        if words:
            out["words"] = [w.to_dict(exact=exact) for w in self.words]
            if self.ink:
                out["ink"] = self.ink
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OcrPage:
        words = [
            OcrWord(
                text=w["text"],
                bbox=tuple(w["bbox"]),
                confidence=float(w["confidence"]),
                block=w.get("block", 0),
                paragraph=w.get("paragraph", 0),
                line=w.get("line", 0),
                word=w.get("word", i),
                rival=float(w.get("rival", 0.0)),
            )
            for i, w in enumerate(d.get("words", []))
        ]
        return cls(
            number=d["page"],
            width=d["width"],
            height=d["height"],
            words=words,
            text=d.get("text", ""),
            status=PageStatus(d.get("status", "ok")),
            error=d.get("error"),
            rotation=d.get("rotation", 0),
            skew=d.get("skew", 0.0),
            ocr_scale=d.get("ocr_scale", 1.0),
            dpi=d.get("dpi", 300.0),
            language=d.get("language", ""),
            qr_codes=d.get("qr_codes", []),
            timings=d.get("timings", {}),
            ink=d.get("ink", []),
        )


@dataclass
class Classification:
    document_type: str  # a contract type id or "other"
    confidence: float
    cues: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Field:
    """One extracted field, in the contract's shape plus what QA needs."""

    id: str
    kind: str
    value: Any
    raw: str | None
    confidence: float
    page: int | None
    bbox: tuple[int, int, int, int] | None
    needs_review: bool
    reasons: list[str] = field(default_factory=list)
    handwritten: bool = False  # the value's crop looks written by hand (extractors.handwriting)
    handwriting_score: float = 0.0  # 0..1

    def to_contract(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "confidence": round(self.confidence, 4),
            "page": self.page,
            "bbox": list(self.bbox) if self.bbox else None,
            "needs_review": self.needs_review,
            "handwritten": self.handwritten,
            "handwriting_score": round(self.handwriting_score, 4),
        }

    def to_dict(self) -> dict[str, Any]:
        d = self.to_contract()
        d.update(id=self.id, kind=self.kind, raw=self.raw, reasons=list(self.reasons))
        return d


@dataclass
class DocumentResult:
    """Everything known about one document after the pipeline; the JSON sidecar."""

    document_id: str
    file: str
    sha256: str | None = None
    kind: str | None = None
    pages: list[OcrPage] = field(default_factory=list)
    classification: Classification | None = None
    fields: dict[str, Field] = field(default_factory=dict)
    pdf_path: str | None = None
    dossier_code: str | None = None
    dossiers: list[dict[str, Any]] | None = None  # a scanned stack: its dossiers and documents
    archive: dict[str, Any] | None = None  # where the signed copy is (storage's record)
    timings: dict[str, float] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, str] | None = None  # set when the document as a whole failed

    @property
    def ok(self) -> bool:
        return self.error is None and all(p.status is PageStatus.OK for p in self.pages)

    @property
    def text(self) -> str:
        return "\n\f".join(p.text for p in self.pages)

    def to_dict(self, *, words: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "document_id": self.document_id,
            "file": self.file,
            "sha256": self.sha256,
            "kind": self.kind,
            "ok": self.ok,
            "page_count": len(self.pages),
        }
        if self.error:
            out["error"] = self.error
        if self.classification:
            out["document_type"] = self.classification.document_type
            out["document_type_confidence"] = round(self.classification.confidence, 4)
        if self.fields:
            out["fields"] = {k: f.to_dict() for k, f in self.fields.items()}
        if self.dossier_code:
            out["dossier_code"] = self.dossier_code
        if self.dossiers is not None:
            out["dossiers"] = self.dossiers
        out["pdf"] = self.pdf_path
        if self.archive:
            out["archive"] = self.archive
        out["timings"] = {k: round(v, 4) for k, v in self.timings.items()}
        out["errors"] = self.errors
        out["pages"] = [p.to_dict(words=words) for p in self.pages]
        return out


def document_types() -> tuple[str, ...]:
    """The contract's document types, from the one source of types
    (``extractors/schemas.json``), and ``other``."""
    from extractors.engine import schemas

    return (*(t for t in schemas() if not t.startswith("_")), "other")


def __getattr__(name: str):
    if name == "ALL_DOCUMENT_TYPES":  # lazily: the extractors import this module
        return document_types()
    raise AttributeError(name)
