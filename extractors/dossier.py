"""Dossier assembly: split a scanned stack into dossiers and documents, check them together.

A dossier starts at a ``dossier_receipt`` page; its code comes from the receipt's QR code
(``page.qr_codes``, filled by the OCR stage on receipt-like pages), else from the printed
``Mã hồ sơ``. Pages up to the next receipt belong to it. A page with a printed title starts a
new document; a page without one continues the previous document (multi-page forms), unless
the text categorizer is sure it is a different type. Pages before the first receipt form a
dossier without a code.

Cross-document checks compare the applicant's ID number and name on the receipt with the forms
and the ID-card copy of the same dossier and flag disagreeing fields for review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from classifiers.classify import classify_page as _classify_page
from extractors.engine import confirm_handwritten, extract, flag, schemas
from extractors.normalize import norm_dossier_code
from extractors.text import fold_alnum
from pipeline.model import Classification, Field, OcrPage

RECEIPT = "dossier_receipt"
ID_CARD = "citizen_id_card"
NAME_MATCH = 90.0  # rapidfuzz ratio on folded names


@dataclass
class DocumentSlice:
    type: str
    page_numbers: list[int]
    classification: Classification | None = None
    fields: dict[str, Field] = field(default_factory=dict)

    @property
    def document_type(self) -> str:
        return self.type


@dataclass
class Dossier:
    code: str | None
    receipt_pages: list[int]
    documents: list[DocumentSlice] = field(default_factory=list)
    code_source: str | None = None  # "qr", "printed", "given" or None
    receipt: DocumentSlice | None = None
    issues: list[str] = field(default_factory=list)

    @property
    def page_numbers(self) -> list[int]:
        return self.receipt_pages + [n for d in self.documents for n in d.page_numbers]


def _has_title(c: Classification) -> bool:
    return any(cue.startswith("title:") for cue in c.cues)


def split_stack(
    pages: list[OcrPage],
    *,
    classify_page: Callable[[OcrPage], Classification] = _classify_page,
) -> list[Dossier]:
    """Dossiers and their document slices (page numbers are the pages' own ``number``)."""
    dossiers: list[Dossier] = []
    current: Dossier | None = None
    last: DocumentSlice | None = None
    for page in pages:
        c = classify_page(page)
        qr_valid = any(not norm_dossier_code(t)[1] for t in page.qr_codes)
        is_receipt = (c.document_type == RECEIPT and (_has_title(c) or bool(page.qr_codes))) or (
            qr_valid and _continues_receipt(page)
        )
        if is_receipt and c.document_type != RECEIPT:
            c = Classification(RECEIPT, max(c.confidence, 0.9), [*c.cues, "qr:dossier_code"])
        if is_receipt:
            qr = _qr_code(page)
            if current is not None and last is current.receipt and not _has_title(c) and not qr:
                # a receipt's second page
                current.receipt_pages.append(page.number)
                current.receipt.page_numbers.append(page.number)
                continue
            current = Dossier(
                code=qr, receipt_pages=[page.number], code_source="qr" if qr else None
            )
            current.receipt = DocumentSlice(RECEIPT, [page.number], c)
            dossiers.append(current)
            last = current.receipt
            continue
        if current is None:
            current = Dossier(code=None, receipt_pages=[])
            dossiers.append(current)
        starts_new = (
            last is None
            or _has_title(c)
            or (c.document_type not in ("other", last.type) and c.confidence >= 0.9)
        )
        if starts_new or last is current.receipt:
            if last is current.receipt and not _has_title(c) and c.document_type == "other":
                # an untitled page right after the receipt: the receipt's own second page
                # when it reads like one, else a document of its own
                if _continues_receipt(page):
                    current.receipt_pages.append(page.number)
                    current.receipt.page_numbers.append(page.number)
                    continue
            last = DocumentSlice(c.document_type, [page.number], c)
            current.documents.append(last)
        else:
            last.page_numbers.append(page.number)
    return dossiers


def _continues_receipt(page: OcrPage) -> bool:
    t = fold_alnum(page.text[:3000])
    return "ho so" in t and ("tiep nhan" in t or "tra ket qua" in t)


def _qr_code(page: OcrPage) -> str | None:
    for text in page.qr_codes:
        code, reasons = norm_dossier_code(text)
        if code and not reasons:
            return code
    for text in page.qr_codes:
        if text.strip():
            return text.strip()
    return None


def assemble(
    pages: list[OcrPage],
    *,
    review_threshold: float,
    dossier_code: str | None = None,
    classify_page: Callable[[OcrPage], Classification] = _classify_page,
) -> list[Dossier]:
    """Split, extract every document's fields, fill in codes and run the cross checks.

    ``dossier_code`` (named by a batch upload) applies when the stack has one dossier.
    """
    by_number = {p.number: p for p in pages}
    dossiers = split_stack(pages, classify_page=classify_page)
    for d in dossiers:
        slices = ([d.receipt] if d.receipt else []) + d.documents
        for s in slices:
            if s.type in schemas() and not s.type.startswith("_"):
                s.fields = extract(
                    s.type,
                    [by_number[n] for n in s.page_numbers],
                    review_threshold=review_threshold,
                )
        if d.code is None and d.receipt is not None:
            f = d.receipt.fields.get("dossier_code")
            if f is not None and f.value:
                d.code, d.code_source = f.value, "printed"
        elif d.code and d.receipt is not None:
            f = d.receipt.fields.get("dossier_code")
            if f is not None and f.value and f.value != d.code:
                d.issues.append("printed_code_differs_from_qr")
                flag(f, "dossier_code_qr_mismatch")
        cross_check(d)
        confirm_by_printed(d)
    if dossier_code and len(dossiers) == 1:
        d = dossiers[0]
        if d.code and d.code != dossier_code:
            d.issues.append("given_code_differs")
        d.code, d.code_source = dossier_code, "given"
    return dossiers


def _applicant(s: DocumentSlice) -> tuple[Field | None, Field | None]:
    spec = schemas().get(s.type, {}).get("applicant", {})
    name = s.fields.get(spec.get("name", ""))
    idn = s.fields.get(spec.get("id_number", ""))
    return (name if name and name.value else None, idn if idn and idn.value else None)


def _same_name(a: str, b: str) -> bool:
    return fuzz.ratio(fold_alnum(a), fold_alnum(b)) >= NAME_MATCH


def cross_check(d: Dossier) -> None:
    """Receipt applicant vs the forms and the ID-card copy; flags both sides on mismatch."""
    if d.receipt is None:
        return
    r_name, r_id = _applicant(d.receipt)
    all_ids = {
        f.value for s in d.documents for f in s.fields.values() if f.kind == "id_number" and f.value
    }
    all_names = [
        f.value for s in d.documents for f in s.fields.values() if f.kind == "name" and f.value
    ]
    for s in d.documents:
        name, idn = _applicant(s)
        if s.type == ID_CARD:
            # the copy may be of another person of the dossier (a grantee, a parent)
            if (
                idn
                and r_id
                and idn.value != r_id.value
                and idn.value not in (all_ids - {idn.value})
            ):
                flag(idn, "cross_document_id_mismatch")
                flag(r_id, "cross_document_id_mismatch")
                d.issues.append(f"cross_document_id_mismatch:{s.type}")
            if (
                name
                and r_name
                and not _same_name(name.value, r_name.value)
                and not any(_same_name(name.value, n) for n in all_names if n is not name.value)
            ):
                flag(name, "cross_document_name_mismatch")
                d.issues.append(f"cross_document_name_mismatch:{s.type}")
            continue
        if idn and r_id and idn.value != r_id.value:
            flag(idn, "cross_document_id_mismatch")
            flag(r_id, "cross_document_id_mismatch")
            d.issues.append(f"cross_document_id_mismatch:{s.type}")
        if name and r_name and not _same_name(name.value, r_name.value):
            flag(name, "cross_document_name_mismatch")
            flag(r_name, "cross_document_name_mismatch")
            d.issues.append(f"cross_document_name_mismatch:{s.type}")


# the values that identify people: a misread one cannot equal another printed value exactly
_CONFIRMABLE = {"id_number", "phone", "name"}


def confirm_by_printed(d: Dossier) -> None:
    """A handwritten value on a form that equals, exactly, a value of the same kind printed
    on the dossier's receipt or ID-card copy and auto-accepted there: two independent
    readings agree, so the ``handwritten`` reason is lifted (``confirmed_by_printed``)."""
    slices = ([d.receipt] if d.receipt else []) + list(d.documents)
    printed = [f for s in slices for f in s.fields.values()
               if f.kind in _CONFIRMABLE and f.value and not f.handwritten and not f.needs_review]
    for s in slices:
        for f in s.fields.values():
            if f.handwritten or "handwritten" in f.reasons:
                for p in printed:
                    if p is not f and p.kind == f.kind and confirm_handwritten(f, p):
                        break
