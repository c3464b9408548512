"""Generate filled, printed and scanned Vietnamese public-service documents with ground truth.

API (deterministic for a given random.Random state):
    random_style(rng, fonts=None) -> Style
    generate_document(doc_type, rng, style=None, person=None, level="random", kind=None) -> Sample
    generate_stack(rng, n_dossiers=None, fonts=None, level="light") -> Stack
    generate_dataset(out, seed, count, types=None, fonts=None, stacks=0) -> list[Path]

CLI:
    python -m samples.generate --out DIR --seed N --count N [--types T ...] [--fonts F ...]
                               [--stacks N] [--level clean|light|heavy|random]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from samples import degrade, fake, output
from samples.cards import citizen_id_card, dossier_receipt
from samples.contract import ALL_TYPES, FIELDS, TITLES
from samples.fake import Person
from samples.formkit import Form
from samples.forms import BUILDERS
from samples.model import STACK_SCHEMA, PageTruth, Sample, Style
from samples.others import OTHER_BUILDERS
from samples.render import DEFAULT_FONTS, Doc

# main person's age range per type (e.g. someone filing a death is an adult, a card holder 14+)
AGES = {
    "death_registration": (30, 70),
    "child_passport_application": (25, 50),
    "birth_registration": (22, 45),
    "parent_child_recognition": (22, 50),
    "unemployment_benefit_request": (22, 55),
}


INKS = [(25, 45, 150), (20, 30, 120), (40, 60, 170), (30, 30, 35), (50, 50, 60)]


def hand_style(style: Style, rng: random.Random, hands: list[str]) -> Style:
    """The same form filled in by hand: a pen (blue or black), a hand and its habits."""
    from samples.handfonts import usable

    fonts = usable()
    paths = [fonts.get(h, h) for h in hands]
    paths = [p for p in paths if Path(p).is_file()]
    if not paths:
        raise RuntimeError("no handwriting font installed: run python -m samples.handfonts install")
    style.hand = rng.choice(paths)
    style.ink = rng.choice(INKS)
    style.hand_scale = round(rng.uniform(1.1, 1.45), 2)
    style.hand_slant = round(rng.uniform(-4, 4), 1)
    style.hand_rise = round(rng.uniform(-0.15, 0.12), 2)
    style.hand_stroke = rng.choice([0, 0, 1])
    style.dots = 0.0
    return style


def random_style(rng: random.Random, fonts: list[str] | None = None) -> Style:
    return Style(
        font=rng.choice(list(fonts or DEFAULT_FONTS)),
        size_pt=rng.choice([11.0, 11.5, 12.0, 12.0, 12.5, 13.0, 13.5, 14.0]),
        line_gap=round(rng.uniform(1.4, 1.7), 2),
        numbering=rng.choices(["arabic", "roman", "none"], weights=[70, 10, 20])[0],
        label_variant=rng.randrange(3),
        date_format=rng.choices([*fake.DATE_FORMATS, "slots"], weights=[45, 12, 12, 18, 13])[0],
        pad_dates=rng.random() < 0.85,
        upper_names=rng.random() < 0.4,
        dots=rng.choice([0.0, 0.0, 0.15, 0.3]),
        phone_format=rng.choices(["plain", "grouped", "intl", "dotted"], [55, 20, 15, 10])[0],
        margin_mm=(
            round(rng.uniform(15, 22), 1),
            round(rng.uniform(12, 20), 1),
            round(rng.uniform(15, 22), 1),
            round(rng.uniform(20, 30), 1),
        ),
        motto_dash=rng.choice(["-", "-", "–"]),
        leaders=rng.choices(["after", "under", "before", "none"], [40, 20, 15, 25])[0],
        row_tabs=rng.random() < 0.55,
        compact=rng.random() < 0.4,
        value_tab=rng.choice([None, None, None, 0.33, 0.4]),
        hang_value=rng.random() < 0.4,
        glue=rng.choice([0.0, 0.0, 0.3]),
        boxes=rng.choice([0.3, 0.5]),
        colons=rng.random() < 0.7,
    )


def render(
    doc_type: str,
    rng: random.Random,
    style: Style,
    person: Person | None = None,
    kind: str | None = None,
    procedures: list[str] | None = None,
    anchor: dt.date | None = None,
) -> Sample:
    """Fill and print one document, without degradation."""
    main = person or fake.person(rng, AGES.get(doc_type, (18, 75)))
    form = Form(rng, Doc(style))
    form.anchor = anchor
    if doc_type == "other":
        kind = kind or rng.choice(list(OTHER_BUILDERS))
        OTHER_BUILDERS[kind](form, main)
        title = kind
    elif doc_type == "dossier_receipt":
        dossier_receipt(form, main, procedures)
        title = TITLES[doc_type]
    elif doc_type == "citizen_id_card":
        citizen_id_card(form, main)
        title = TITLES[doc_type]
    else:
        BUILDERS[doc_type](form, main)
        title = TITLES[doc_type]
    fields = {k: form.fields.get(k) for k in FIELDS[doc_type]}
    missing = [k for k in FIELDS[doc_type] if k not in form.fields]
    assert not missing, f"{doc_type}: builder did not print {missing}"
    pages = [np.asarray(p) for p in form.doc.composite()]
    truth = [
        PageTruth("\n".join(lines), p.shape[1], p.shape[0], style.dpi)
        for p, lines in zip(pages, form.doc.lines, strict=True)
    ]
    return Sample(
        doc_type,
        fields,
        pages,
        truth,
        style,
        printed={k: v for k, v in form.printed.items() if k in FIELDS[doc_type]},
        boxes={k: v for k, v in form.doc.boxes.items() if k in FIELDS[doc_type]},
        title=title,
        people={"main": main.name, "main_id": main.id_number},
        seal=form.doc.seal,
    )


def degrade_sample(sample: Sample, rng: random.Random, level: str | dict = "random") -> Sample:
    """Apply one scanner's degradations to every page; records them in the page truth."""
    params = degrade.choose(rng, level) if isinstance(level, str) else level
    seal = sample.seal or (len(sample.pages), sample.pages[0].shape[1] // 2, 2400)
    for i, page in enumerate(sample.pages):
        at = seal[1:] if i + 1 == seal[0] else None
        img, dpi, rot, done = degrade.apply(page, params, rng, stamp_at=at)
        sample.pages[i] = img
        t = sample.page_truth[i]
        t.width, t.height, t.dpi, t.rotation, t.degradations = (
            img.shape[1],
            img.shape[0],
            dpi,
            rot,
            done,
        )
    return sample


def generate_document(
    doc_type: str,
    rng: random.Random,
    style: Style | None = None,
    person: Person | None = None,
    level: str | dict = "random",
    kind: str | None = None,
    fonts: list[str] | None = None,
    procedures: list[str] | None = None,
    anchor: dt.date | None = None,
    hands: list[str] | None = None,
) -> Sample:
    """One document: doc_type is a contract type or 'other'; level 'clean' gives the render.

    person: the applicant (to make a dossier's documents agree); anchor: sign forms on or
    shortly before this date; procedures: the dossier's form types (receipts only);
    hands: handwriting fonts: the form's values are then written by hand (the ID-card
    copies, receipts and other documents stay printed).
    """
    assert doc_type in ALL_TYPES, doc_type
    style = style or random_style(rng, fonts)
    if hands and doc_type in BUILDERS:
        style = hand_style(style, rng, hands)
    sample = render(doc_type, rng, style, person, kind, procedures, anchor)
    return degrade_sample(sample, rng, level)


# ---- stacks -------------------------------------------------------------------------------


@dataclass
class Stack:
    pages: list[np.ndarray]
    mode: str = "L"  # PIL mode the stack is saved in ("1": bilevel)
    dossiers: list[dict[str, Any]] = field(default_factory=list)
    page_truth: list[PageTruth] = field(default_factory=list)

    def truth(self, file: str | None = None, seed: int | None = None) -> dict[str, Any]:
        from dataclasses import asdict

        return {
            "schema": STACK_SCHEMA,
            "file": file,
            "seed": seed,
            "page_count": len(self.pages),
            "dossiers": self.dossiers,
            "pages": [asdict(p) for p in self.page_truth],
        }


FORM_TYPES = list(BUILDERS)


def generate_stack(
    rng: random.Random,
    n_dossiers: int | None = None,
    fonts: list[str] | None = None,
    level: str = "light",
) -> Stack:
    """A scanner operator's stack: several dossiers, each a receipt then its documents."""
    stack = Stack(pages=[])
    # One sheet-fed scanner for the whole stack: black-and-white (CCITT) or grey JPEG, at
    # 200 or 300 dpi; each sheet goes in a little skewed, now and then upside down.
    stack.mode = "1" if rng.random() < 0.7 else "L"
    scanner: dict[str, Any] = {"level": level}
    if rng.random() < 0.4:
        scanner["dpi"] = 200
    if level != "clean" and stack.mode == "L" and rng.random() < 0.5:
        scanner["noise"] = 3.0
    for _ in range(n_dossiers or rng.randint(3, 5)):
        forms = rng.sample(FORM_TYPES, rng.choice([1, 1, 2, 2, 3]))
        types = forms + (["citizen_id_card"] if rng.random() < 0.8 else [])
        if "citizen_id_card" in types and rng.random() < 0.5:
            types.insert(0, types.pop())  # copy of the card right after the receipt
        types = types[:4]
        main = fake.person(rng, (25, 55))
        receipt = generate_document(
            "dossier_receipt", rng, person=main, level="clean", fonts=fonts, procedures=forms
        )
        received = dt.date.fromisoformat(receipt.fields["received_date"])
        docs = [receipt] + [
            generate_document(t, rng, person=main, level="clean", fonts=fonts, anchor=received)
            for t in types
        ]
        entry: dict[str, Any] = {
            "dossier_code": receipt.fields["dossier_code"],
            "applicant_name": receipt.fields["applicant_name"],
            "applicant_id_number": main.id_number,
            "documents": [],
        }
        first = len(stack.pages) + 1
        for doc in docs:
            per_page = dict(scanner)
            if level != "clean":
                per_page["skew"] = round(rng.uniform(-1.5, 1.5), 2)
                if rng.random() < 0.1:
                    per_page["rotation"] = 180  # a sheet fed upside down
                if doc.document_type != "dossier_receipt" and rng.random() < 0.2:
                    per_page["stamp"] = {"seed": rng.randrange(10**9)}
            doc = degrade_sample(doc, rng, per_page)
            start = len(stack.pages) + 1
            stack.pages.extend(doc.pages)
            stack.page_truth.extend(doc.page_truth)
            entry["documents"].append(
                {
                    "document_type": doc.document_type,
                    "pages": [start, len(stack.pages)],
                    "fields": doc.fields,
                    "printed": doc.printed,
                }
            )
        entry["pages"] = [first, len(stack.pages)]
        stack.dossiers.append(entry)
    return stack


# ---- dataset ------------------------------------------------------------------------------


def doc_rng(seed: int, i: int) -> random.Random:
    return random.Random(f"sohoa-samples/{seed}/{i}")  # str seeds hash stably across runs


def generate_dataset(
    out: Path,
    seed: int,
    count: int,
    types: list[str] | None = None,
    fonts: list[str] | None = None,
    stacks: int = 0,
    level: str = "random",
    degraded: float = 0.65,
    dossiers: int | None = None,
) -> list[Path]:
    """Write NAME.<ext> + NAME.json for `count` documents and `stacks` stack PDFs."""
    out.mkdir(parents=True, exist_ok=True)
    types = list(types or ALL_TYPES)
    order = types[:]
    random.Random(seed).shuffle(order)
    written = []
    for i in range(count):
        rng = doc_rng(seed, i)
        doc_type = order[i % len(order)]
        lvl = level
        if level == "random":  # `degraded` of the documents get a light or heavy scan
            lvl = (
                "clean" if rng.random() >= degraded else rng.choices(["light", "heavy"], [7, 3])[0]
            )
        sample = generate_document(doc_type, rng, fonts=fonts, level=lvl)
        name = f"{i + 1:04d}_{doc_type}"
        written.append(output.save_sample(sample, out, name, rng, seed))
    for k in range(stacks):
        rng = doc_rng(seed, 100000 + k)
        stack = generate_stack(rng, dossiers, fonts=fonts)
        written.append(output.save_stack(stack, out, f"stack_{k + 1:02d}", seed))
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m samples.generate", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--types", nargs="+", choices=ALL_TYPES, help="restrict document types")
    ap.add_argument(
        "--fonts",
        nargs="+",
        help=f"font families ({', '.join(DEFAULT_FONTS)}), fontconfig names or .ttf paths",
    )
    ap.add_argument("--stacks", type=int, default=0, help="number of multi-dossier stack PDFs")
    ap.add_argument("--level", default="random", choices=["random", "clean", "light", "heavy"])
    ap.add_argument("--degraded", type=float, default=0.65, help="share of degraded documents")
    ap.add_argument("--dossiers", type=int, help="dossiers per stack (default: 3 to 5)")
    a = ap.parse_args(argv)
    paths = generate_dataset(
        a.out, a.seed, a.count, a.types, a.fonts, a.stacks, a.level, a.degraded, a.dossiers
    )
    for p in paths:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
