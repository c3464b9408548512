"""The held-out evaluation's own safety: its ground truth agrees with what it draws and with the
contract, its fonts cover Vietnamese, and its scoring is strict and right on hand-made cases.
None of this runs OCR or the product."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import unicodedata
from pathlib import Path

import pytest
from PIL import Image

from benchmarks.evaluate_heldout import field_rows, summarise
from benchmarks.heldout import fonts as hfonts
from benchmarks.heldout.build import make_document, plan
from benchmarks.heldout.contract import TEMPLATES, field_kinds, template_text
from benchmarks.heldout.forms import BUILDERS
from benchmarks.heldout.layout import Check, Line, T, V
from benchmarks.heldout.scoring import canonical, exact, similarity, wilson
from benchmarks.heldout.values import id_number_is_valid

SEEDS = range(40)
PERSONAL_ID = re.compile(r"(^|_)id_number$")
# Where a form gives the holder's birth date and gender next to the number, they must agree.
HOLDERS = {"residence_change": ("id_number", "birth_date", "gender"),
           "id_card_application": ("id_number", "birth_date", "gender"),
           "citizen_id_card": ("id_number", "birth_date", "gender"),
           "child_passport_application": ("child_id_number", "child_birth_date",
                                          "child_gender")}


def blocks_values(form) -> dict[str, list[str]]:
    """Per field, the text of the lines its blanks are on (labels and values), as drawn: a
    field's truth may include printed words of its line (e.g. 'Kính gửi: Ủy ban nhân dân ___')."""
    out: dict[str, list[str]] = {}
    for block in form.blocks:
        pieces = getattr(block, "pieces", [])
        text = " ".join(p.text if isinstance(p, T | V) else
                        p.options[p.chosen] if isinstance(p, Check) else "" for p in pieces)
        for piece in pieces:
            if isinstance(piece, V) and piece.field:
                out.setdefault(piece.field, []).append(text)
                out.setdefault("_blank_" + piece.field, []).append(piece.text)
            if isinstance(piece, Check) and piece.field:
                out.setdefault(piece.field, []).append(text)
    return out


def nfc_fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def test_every_type_of_the_contract_is_rendered_with_all_its_fields():
    kinds = field_kinds()
    assert set(kinds) == set(BUILDERS), "the renderer must cover every contract type"
    for document_type, builder in BUILDERS.items():
        for seed in SEEDS:
            form = builder(random.Random(seed))
            assert form.document_type == document_type
            assert list(form.truth) == list(kinds[document_type]) or \
                set(form.truth) == set(kinds[document_type])


@pytest.mark.parametrize("document_type", sorted(BUILDERS))
def test_ground_truth_is_consistent_with_the_page_and_the_contract(document_type):
    kinds = field_kinds()[document_type]
    for seed in SEEDS:
        form = BUILDERS[document_type](random.Random(seed))
        drawn = blocks_values(form)
        card = form.blocks[0].front if document_type == "citizen_id_card" else None
        for name, value in form.truth.items():
            kind = kinds[name]
            if value is None:  # explicitly empty: the blank is drawn empty
                assert all(not t for t in drawn.get("_blank_" + name, [""])), name
                continue
            if isinstance(value, str):
                assert unicodedata.is_normalized("NFC", value), (name, value)
                assert value == " ".join(value.split()), (name, value)
            if kind == "date":
                dt.date.fromisoformat(value)
            elif kind == "phone":
                assert re.fullmatch(r"0\d{9}", value), value
            elif kind == "gender":
                assert value in ("Nam", "Nữ")
            elif kind == "number":
                assert isinstance(value, float)
            elif kind == "id_number":
                assert value.isdigit()
                if PERSONAL_ID.search(name) and len(value) != 9:
                    assert id_number_is_valid(value), (name, value)
            # What the truth says is what the page shows.
            shown = " ".join(drawn.get(name, [])) if card is None else " ".join(card.values())
            if kind == "name" and card is None:  # a name is all in its blanks, nothing else
                blanks = " ".join(drawn["_blank_" + name])
                assert nfc_fold(value) == nfc_fold(blanks), (name, value, blanks)
            elif kind in ("name", "text", "gender", "email", "dossier_code"):
                assert nfc_fold(value) in nfc_fold(shown), (name, value, shown)
            elif kind in ("id_number", "phone"):
                assert value in re.sub(r"\D", "", shown.replace("+84 ", "0")), (name, shown)
            elif kind == "date":
                d = dt.date.fromisoformat(value)
                assert str(d.year) in shown and str(d.day) in shown, (name, value, shown)
        if document_type in HOLDERS:
            number, birth, gender = (form.truth[k] for k in HOLDERS[document_type])
            if len(number) == 12:
                assert id_number_is_valid(number, gender, dt.date.fromisoformat(birth))


def _label_before(pieces: list, index: int) -> str | None:
    for piece in reversed(pieces[:index]):
        if isinstance(piece, T):
            return piece.text
    return None


def _squash(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("–", "-").replace("HOÀ", "HÒA")
    return re.sub(r"[\s:;.,…]+", "", text).casefold()


@pytest.mark.parametrize("document_type", sorted(TEMPLATES))
def test_field_labels_are_the_official_templates_wording(document_type):
    template = "".join(_squash(template_text(name)) for name in TEMPLATES[document_type])
    form = BUILDERS[document_type](random.Random(3))
    labels = set()
    for block in form.blocks:
        if isinstance(block, Line):
            for i, piece in enumerate(block.pieces):
                if isinstance(piece, V) and piece.field:
                    label = _label_before(block.pieces, i)
                    if label and label not in ("ngày", "tháng", "năm", "/", ", "):
                        labels.add(label)
    assert labels
    missing = [label for label in labels if _squash(label) not in template]
    assert not missing, f"labels not in the official template: {missing}"


def test_rendering_is_deterministic_and_marks_handwriting():
    name, data, truth = make_document("residence_change", "hand", 0)
    again = make_document("residence_change", "hand", 0)
    assert again[1] == data and again[2] == truth
    img = Image.open(io.BytesIO(data))
    assert img.info.get("dpi") and 199 <= round(img.info["dpi"][0]) <= 301
    assert 1600 <= img.width <= 2500
    flags = {k: v["handwritten"] for k, v in truth["fields"].items()
             if v["value"] is not None and k != "receiver"}
    assert flags and all(flags.values()), flags
    _, _, printed = make_document("residence_change", "printed", 0)
    assert not any(v["handwritten"] for v in printed["fields"].values())
    assert truth["render"]["hand_font"] in hfonts.HANDWRITING_CANDIDATES


def test_set_plan_sizes():
    docs = plan(2, 3)
    assert len(docs) == 10 * (2 + 3) + 2 * (2 + 3)
    assert not [d for d in docs if d[0] in ("citizen_id_card", "dossier_receipt")
                and d[1] == "hand"]


# ---------------------------------------------------------------- fonts

def test_fonts_cover_vietnamese_glyph_by_glyph():
    letters = hfonts.vietnamese_letters()
    for ch in "ặẶựỰđĐơƠưƯỹỸẽẼỗỖ":
        assert ch in letters
    assert len(set(letters)) >= 2 * (12 * 6 + 21)
    faces = hfonts.available_faces()
    printed = [f for f in faces if not f.handwriting]
    hand = [f for f in faces if f.handwriting]
    assert len(printed) >= 3 and len(hand) >= 3, "run benchmarks/heldout/fonts.sh"
    for face in faces:
        assert hfonts.missing_glyphs(face.path) == "", face
        assert not any(word in face.path.lower() for word in hfonts.FORBIDDEN), face


def test_coverage_check_rejects_a_face_without_vietnamese():
    latin_only = "/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf"
    try:
        missing = hfonts.missing_glyphs(latin_only)
    except FileNotFoundError:
        pytest.skip("fonts-urw-base35 not installed")
    assert "ặ" in missing and "ự" in missing
    assert latin_only not in {f.path for f in hfonts.available_faces()}


# ---------------------------------------------------------------- scoring

def test_wilson_interval_matches_hand_computed_values():
    lo, hi = wilson(1337, 1342)  # the issue: 5 errors in 1342 fields
    assert round(lo, 4) == 0.9913 and round(hi, 4) == 0.9984
    lo, hi = wilson(10, 10)
    assert round(lo, 4) == 0.7225 and hi == pytest.approx(1.0)
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and round(hi, 4) == 0.2775
    assert wilson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize("kind,truth,value,right", [
    ("text", "Mẹ đẻ", "Mẹ", False),  # truncated by a closed vocabulary
    ("text", "Cha đẻ", "Che dé mm", False),
    ("text", "xã Nghĩa Hưng, tỉnh Nam Định", "xa Nghia Hung, tinh Nam Dinh", False),
    ("text", "Mẹ đẻ", unicodedata.normalize("NFD", "Mẹ  đẻ "), True),  # NFC + whitespace only
    ("text", "Ủy ban nhân dân phường Láng", "ỦY BAN NHÂN DÂN PHƯỜNG LÁNG", False),
    ("text", "Nhận lương hưu hằng tháng", "Nhận lương hưu", False),
    ("name", "Nguyễn Văn Hiếu", "NGUYỄN VĂN HIẾU", True),  # names: case-insensitive
    ("name", "Nguyễn Văn Hiếu", "NGUYỄN VĂN HIỂU", False),  # wrong tone mark
    ("date", "1995-03-12", "1995-03-12", True),
    ("date", "1995-03-12", "12/03/1995", True),
    ("date", "1995-03-12", "1995-12-03", False),
    ("id_number", "001089012345", "001089012345", True),
    ("id_number", "001089012345", "001 089 012345", True),
    ("id_number", "001089012345", "00108901234", False),  # truncated
    ("id_number", "001089012345", "701089012345", False),
    ("phone", "0912345678", "+84 912 345 678", True),
    ("phone", "0912345678", "0912.345.678", True),
    ("phone", "0912345678", "0912345679", False),
    ("email", "an.nguyen@gmail.com", "An.Nguyen@Gmail.com", True),
    ("gender", "Nữ", "Nữ", True),
    ("gender", "Nữ", "Nu", False),
    ("number", 120.5, 120.5, True),
    ("number", 120.5, "120,5", True),
    ("number", 1200.0, "1.200", True),
    ("number", 120.5, 120.0, False),
    ("dossier_code", "000.00.17.H26-261125-0042", "000.00.17.H26-261125-0042", True),
    ("dossier_code", "000.00.17.H26-261125-0042", "000.00.17.H26-261125-004", False),
    ("email", None, None, True),  # an empty blank read as empty
    ("email", None, "", True),
    ("text", None, "Không", False),
    ("name", "Lê Thị Oanh", None, False),
])
def test_exact_match_rules(kind, truth, value, right):
    assert exact(kind, truth, value) is right


def test_similarity_is_reported_apart_and_bounded():
    assert similarity("Mẹ đẻ", "Mẹ đẻ") == 1.0
    assert 0.0 < similarity("Mẹ đẻ", "Mẹ") < 1.0
    assert similarity(None, None) == 1.0 and similarity("abc", None) == 0.0
    assert canonical("text", "  a  b ") == "a b"


def _truth(file, mode, fields, hand=False):
    return {"file": file, "document_type": "complaint", "mode": mode,
            "fields": {k: {"value": v, "handwritten": hand and v is not None}
                       for k, v in fields.items()}}


def test_report_counts_on_a_hand_made_run():
    base = {"receiver": "Thanh tra thành phố Hà Nội", "complainant_name": "Lê Thị Oanh",
            "complainant_birth_date": "1980-01-02", "complainant_address": "Số 5 phố Huế",
            "complainant_id_number": "001180012345", "respondent_name": "Công an phường Láng",
            "signed_place": "Hà Nội", "signed_date": "2025-11-20"}
    truths = [_truth("a.png", "printed", base), _truth("b.png", "hand", base, hand=True),
              _truth("c.png", "printed", base)]

    def field(value, accepted, hw=None):
        out = {"value": value, "confidence": 0.97 if accepted else 0.4,
               "needs_review": not accepted}
        if hw is not None:
            out["handwritten"] = hw
        return out

    a = {k: field(v, True, False) for k, v in base.items()}
    a["complainant_id_number"] = field("001180012346", True, False)  # wrong, accepted
    b = {k: field(v, False, True) for k, v in base.items()}
    b["signed_place"] = field("Hà", True, False)  # truncated, accepted, detection missed it
    answers = {"a.png": {"file": "a.png", "document_type": "complaint", "fields": a},
               "b.png": {"file": "b.png", "document_type": "complaint", "fields": b},
               "c.png": {"file": "c.png", "document_type": "other", "fields": {}}}
    docs, rows = field_rows(truths, answers)
    report = summarise(docs, rows)
    assert report["type_accuracy"]["printed"]["k"] == 1
    assert report["type_accuracy"]["printed"]["n"] == 2
    assert report["type_accuracy"]["hand"]["rate"] == 1.0
    printed = report["by_form"]["printed_forms"]
    assert printed["fields"] == 16 and printed["exact"]["k"] == 7  # c.png: nothing found
    assert printed["auto_accepted_precision"]["k"] == 7
    assert printed["auto_accepted_precision"]["n"] == 8
    assert printed["review_share"]["k"] == 8
    hand = report["by_form"]["hand_filled_forms"]
    assert hand["exact"]["k"] == 7 and hand["auto_accepted_precision"]["n"] == 1
    assert hand["auto_accepted_precision"]["k"] == 0
    assert [r["field"] for r in report["wrong_auto_accepted_numbers"]] == \
        ["complainant_id_number"]
    assert len(report["wrong_auto_accepted"]) == 2
    det = report["handwriting_detection"]
    assert det["precision"]["k"] == 7 and det["precision"]["n"] == 7
    assert det["recall"]["k"] == 7 and det["recall"]["n"] == 8
    answers_without_flags = {k: {**v, "fields": {f: {kk: vv for kk, vv in x.items()
                                                     if kk != "handwritten"}
                                                 for f, x in v["fields"].items()}}
                             for k, v in answers.items()}
    report = summarise(*field_rows(truths, answers_without_flags))
    assert report["handwriting_detection"] == "n/a"


# ---------------------------------------------------------------- independence

PRODUCT_PACKAGES = ("samples", "extractors", "classifiers", "pipeline", "storage", "api",
                    "workers")


def test_renderer_imports_nothing_from_the_product():
    root = Path(__file__).resolve().parents[1] / "benchmarks" / "heldout"
    pattern = re.compile(rf"^\s*(from|import)\s+({'|'.join(PRODUCT_PACKAGES)})\b", re.M)
    offenders = [p.name for p in root.glob("*.py") if pattern.search(p.read_text())]
    assert not offenders, offenders


def test_no_font_of_the_renderer_is_used_by_the_product_generator():
    """Only the generator's font names are read here (no wording, values or layouts)."""
    root = Path(__file__).resolve().parents[1]
    text = " ".join(p.read_text(errors="ignore").lower()
                    for folder in ("samples", "scripts") for p in (root / folder).rglob("*")
                    if p.is_file() and p.suffix in (".py", ".md", ".sh", ".json", ".txt")
                    and "heldout" not in p.name)
    for face in hfonts.available_faces():
        stem = Path(face.path).stem.lower()
        for token in {stem, face.name.lower()}:
            assert not re.search(rf"(?<![a-z]){re.escape(token)}(?![a-z])", text), \
                f"{token} also appears in the product's generator"
