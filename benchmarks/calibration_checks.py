"""Checks behind two calibration decisions, on the generated sets only (never held-out):

    SOHOA_OCR_LANGUAGES=vie .venv/bin/python benchmarks/calibration_checks.py threshold
    SOHOA_OCR_LANGUAGES=vie .venv/bin/python benchmarks/calibration_checks.py hand-share
    SOHOA_OCR_LANGUAGES=vie .venv/bin/python benchmarks/calibration_checks.py surest-wrong
    SOHOA_OCR_LANGUAGES=vie .venv/bin/python benchmarks/calibration_checks.py hand-detect \
        [--wordforms /tmp/wordforms-set/set10]
    SOHOA_OCR_LANGUAGES=vie .venv/bin/python benchmarks/calibration_checks.py threshold-set \
        [--threshold 520]
    .venv/bin/python benchmarks/calibration_checks.py weights
    .venv/bin/python benchmarks/calibration_checks.py same-readings DIR_A DIR_B
    SOHOA_OCR_LANGUAGES=vie .venv/bin/python benchmarks/calibration_checks.py box-digits
    SOHOA_OCR_LANGUAGES=vie .venv/bin/python benchmarks/calibration_checks.py date-marks
    SOHOA_OCR_LANGUAGES=vie .venv/bin/python benchmarks/calibration_checks.py kind-evidence
    SOHOA_OCR_LANGUAGES=vie .venv/bin/python benchmarks/calibration_checks.py capital-marks
    SOHOA_OCR_LANGUAGES=vie .venv/bin/python benchmarks/calibration_checks.py digit-letters

``threshold``: is a threshold chosen on the fields the model was fitted on optimistic? The
model is fitted on the first half of the calibration documents, its in-sample threshold
chosen there, and the fields of the other half (documents it never saw, same generator) that
pass it are counted; then the two-fold cross-fitted threshold ``sohoa calibrate`` uses.

``hand-share``: the share of a form's values read as handwriting from which the whole form is
taken as hand-filled (``engine.PAGE_HAND_SHARE``): per candidate share, the printed forms sent
to review and the hand-filled forms missed, on the calibration and development sets.

``surest-wrong``: the wrong calibration fields that rank highest by their out-of-fold
probability (the ones that stop the threshold), with rank, probability, reading and truth.

``hand-detect``: the shipped handwriting detector on the development set (values scored 0.5 or
more on hand-filled and on printed forms, values sent to review as ``handwritten``, forms taken
as hand-filled) and, with ``--wordforms``, on the word-forms set's CT01 and CC01 scans (real
layouts, all printed: every value flagged there is a false alarm; read afresh through the page
chain).

``threshold-set``: the first documents of the threshold set scored by the shipped model, as
counts only (the ranks at which wrong fields stand, accepted and right fields at a few
thresholds); its values are never printed, so reading it does not spend the set.

``weights``: what one unit of each confidence feature adds to a field's logit in the shipped
model (its weight over its scale), strongest first.

``same-readings``: whether two cached readings of a generated set (two
``~/.cache/sohoa/ocr-sets/<set>-<key>`` folders, made by two versions of the code) hold the same
words on every page.

OCR comes from the keyed cache of ``extractors/devsets.py`` (read afresh when the code changed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors import calibrate, devsets, engine  # noqa: E402
from extractors import confidence as cm  # noqa: E402


def _set(name: str, count: int) -> list[dict]:
    return devsets.build(name, count, 2, calibrate.DEFAULT_CACHE)


def threshold(count: int) -> None:
    cal = _set("calibration", count)
    half = count // 2
    xs_a, ok_a, _, _ = calibrate.records(cal[:half])
    xs_b, ok_b, _, _ = calibrate.records(cal[half:])
    model = calibrate.fit_confidence(xs_a, ok_a)
    inside = cm.threshold_for(cm.predict(model, np.array(xs_a, dtype=float)), np.array(ok_a))
    p_b = cm.predict(model, np.array(xs_b, dtype=float))
    passed = p_b >= inside["threshold"]
    right = int(np.array(ok_b)[passed].sum())
    lo, hi = cm.wilson(right, int(passed.sum()))
    print(f"in-sample: threshold {inside['threshold']:.4f} on the {half} documents fitted on: "
          f"{inside['accepted']} accepted, {inside['correct']} right, "
          f"lower bound {inside['lower']:.4f}")
    print(f"  the other {count - half} documents at that threshold: {int(passed.sum())} "
          f"accepted, {right} right, precision {right / max(1, int(passed.sum())):.4f} "
          f"[{lo:.4f}, {hi:.4f}]")
    out = calibrate.crossfit_threshold(xs_a, ok_a, xs_b, ok_b)
    print(f"cross-fitted: threshold {out['threshold']:.4f}: {out['accepted']} accepted, "
          f"{out['correct']} right, lower bound {out['lower']:.4f}")


def surest_wrong(count: int, show: int) -> None:
    cal = _set("calibration", count)
    half = count // 2
    truth = {d["index"]: d["fields"] for d in cal}
    xs_a, ok_a, meta_a, _ = calibrate.records(cal[:half])
    xs_b, ok_b, meta_b, _ = calibrate.records(cal[half:])
    # each half scored by the model fitted on the other, as calibrate.crossfit_threshold does
    p = np.concatenate([
        cm.predict(calibrate.fit_confidence(xs_a, ok_a), np.array(xs_b, dtype=float)),
        cm.predict(calibrate.fit_confidence(xs_b, ok_b), np.array(xs_a, dtype=float))])
    meta = [m for m in meta_b + meta_a if m["model"]]
    out = calibrate.crossfit_threshold(xs_a, ok_a, xs_b, ok_b)
    print(f"{len(meta)} model-decided fields; threshold {out['threshold']:.4f}: "
          f"{out['accepted']} accepted, {out['correct']} right, lower bound {out['lower']:.4f}")
    shown = 0
    for rank, i in enumerate(np.argsort(-p), 1):
        m = meta[i]
        if m["ok"]:
            continue
        print(f"  rank {rank:5d}  P {p[i]:.5f}  doc {m['doc']} {m['field']}: {m['value']!r} "
              f"(truth {truth[m['doc']].get(m['field'])!r})")
        shown += 1
        if shown == show:
            break


def box_digits(count: int) -> None:
    """Model-decided numbers read one digit per box (``digit_cells`` >= 0.5) on the
    calibration set: how many are right, printed and hand-filled, and the wrong ones."""
    cal = _set("calibration", count)
    truth = {d["index"]: d["fields"] for d in cal}
    xs, _, meta, _ = calibrate.records(cal)
    decided = [m for m in meta if m["model"]]
    cells = cm.FEATURES.index("digit_cells")
    tally: dict[tuple[bool, bool], int] = {}
    for x, m in zip(xs, decided, strict=True):
        if x[cells] < 0.5 or m["kind"] != "id_number":
            continue
        tally[(m["hand"], m["ok"])] = tally.get((m["hand"], m["ok"]), 0) + 1
        if not m["ok"]:
            print(f"  wrong: doc {m['doc']} {m['field']} {'hand' if m['hand'] else 'printed'}: "
                  f"{m['value']!r} (truth {truth[m['doc']].get(m['field'])!r})")
    for hand in (False, True):
        print(f"{'hand-filled' if hand else 'printed'}: {tally.get((hand, True), 0)} right, "
              f"{tally.get((hand, False), 0)} wrong")


def reason_evidence(counts: dict[str, int], reason: str, kind: str, what: str) -> None:
    """Printed values of a kind with and without a review reason, right and wrong, on the
    calibration and development sets (a rule's evidence)."""
    for name in ("calibration", "development"):
        _, _, meta, _ = calibrate.records(_set(name, counts[name]))
        tally: dict[tuple[bool, bool], int] = {}
        for m in meta:
            if m["kind"] == kind and not m["hand"] and m["value"] is not None:
                key = (reason in m["reasons"], m["ok"])
                tally[key] = tally.get(key, 0) + 1
        _print_with_without(tally, f"{name}: printed {kind}s", what)


def capital_marks_accepted(report: Path) -> None:
    """Auto-accepted names of a word-forms run, right and wrong, by whether the rule would
    have sent them to review (the run must come from a product without the rule)."""
    import json

    from extractors.names import capital_marks

    tally: dict[tuple[bool, bool], int] = {}
    for row in json.loads(report.read_text(encoding="utf-8"))["rows"]:
        if row["kind"] == "name" and row["accepted"] and isinstance(row["value"], str):
            key = (capital_marks(row["value"]), bool(row["right"]))
            tally[key] = tally.get(key, 0) + 1
    _print_with_without(tally, f"{report}: accepted names",
                        "a given name in capitals with stacked marks")


def _print_with_without(tally: dict[tuple[bool, bool], int], what: str, mark: str) -> None:
    """Counts keyed (marked, right): how many with and without the mark, and wrong."""
    for marked in (True, False):
        right, wrong = tally.get((marked, True), 0), tally.get((marked, False), 0)
        print(f"{what} {'with' if marked else 'without'} {mark}: {right + wrong}, {wrong} wrong")


def kind_evidence(counts: dict[str, int]) -> None:
    """The confidence model with and without the OCR evidence weighed per kind of value
    (``confidence.KIND_INTERACTIONS``): each fitted out of fold on the calibration set, its
    threshold there, and the development set's printed fields accepted at that threshold."""
    cal = _set("calibration", counts["calibration"])
    half = len(cal) // 2
    xs_a, ok_a, _, _ = calibrate.records(cal[:half])
    xs_b, ok_b, _, _ = calibrate.records(cal[half:])
    xs_d, ok_d, meta_d, _ = calibrate.records(_set("development", counts["development"]))
    printed = [not m["hand"] for m in meta_d if m["model"]]
    groups, evidence = cm.KIND_INTERACTIONS
    crossed = {f"{g}_{e}" for g in groups for e in evidence}
    for name, keep in (("without", [i for i, f in enumerate(cm.FEATURES) if f not in crossed]),
                       ("with", list(range(len(cm.FEATURES))))):
        def cols(xs, keep=keep):
            return [[x[i] for i in keep] for x in xs]
        t = calibrate.crossfit_threshold(cols(xs_a), ok_a, cols(xs_b), ok_b)
        model = cm.fit_logistic(np.array(cols(xs_a + xs_b), dtype=float),
                                np.array(ok_a + ok_b, dtype=float), l2=1.0)
        p = cm.predict(model, np.array(cols(xs_d), dtype=float))
        taken = [ok for ok, pr, keep_it in zip(ok_d, p, printed, strict=True)
                 if keep_it and pr >= t["threshold"]]
        print(f"{name} the per-kind evidence: out of fold {t['threshold']:.4f}, "
              f"{t['accepted']} accepted, {t['correct']} right; development printed at that "
              f"threshold: {len(taken)} accepted, {len(taken) - sum(taken)} wrong")


def hand_share(shares: list[float], counts: dict[str, int]) -> None:
    engine.PAGE_HAND_SHARE = float("inf")  # the rule off: every field keeps its own score
    for name, count in counts.items():
        tally = {s: [0, 0, 0, 0] for s in shares}  # printed flagged/all, hand missed/all
        for d in _set(name, count):
            if d["type"] == "other":
                continue
            fields = [f for _, f, _ in engine.extract_records(d["type"], calibrate.pages_of(d))]
            for s in shares:
                flagged = engine.hand_filled(fields, s)
                t = tally[s]
                if d["hand"]:
                    t[2] += not flagged
                    t[3] += 1
                else:
                    t[0] += flagged
                    t[1] += 1
        for s, (pf, pn, hm, hn) in tally.items():
            print(f"{name:12s} share {s:.2f}: printed forms sent to review {pf}/{pn}, "
                  f"hand-filled forms missed {hm}/{hn}")


def hand_detect(count: int, wordforms: Path | None) -> None:
    from extractors import handwriting as hw

    model = cm.hand_model()
    tally = {k: [0, 0] for k in ("hand_values", "printed_values", "printed_reviewed",
                                 "hand_forms_missed", "printed_forms_flagged")}
    for d in _set("development", count):
        if d["type"] == "other":
            continue
        pages = calibrate.pages_of(d)
        scored = [hw.score(x, model) >= 0.5 for _, _, x in engine.hand_records(d["type"], pages)]
        fields = [f for f in engine.extract(d["type"], pages, review_threshold=0.0).values()
                  if f.value is not None]
        form = engine.hand_filled(fields, engine.PAGE_HAND_SHARE)
        part = "hand" if d["hand"] else "printed"
        tally[f"{part}_values"][0] += sum(scored)
        tally[f"{part}_values"][1] += len(scored)
        if d["hand"]:
            tally["hand_forms_missed"][0] += not form
            tally["hand_forms_missed"][1] += 1
        else:
            tally["printed_reviewed"][0] += sum("handwritten" in f.reasons for f in fields)
            tally["printed_reviewed"][1] += len(fields)
            tally["printed_forms_flagged"][0] += form
            tally["printed_forms_flagged"][1] += 1
    print("development set (handwriting score >= 0.5 per value; forms by PAGE_HAND_SHARE):")
    for k, (n, total) in tally.items():
        print(f"  {k:22s} {n}/{total}")
    if wordforms:
        _hand_wordforms(wordforms)


def _hand_wordforms(root: Path) -> None:
    import json
    import os

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    from pipeline.config import Limits, OcrSettings
    from pipeline.ingest import count_pages, open_source
    from pipeline.pages import PageTask, run_page

    limits, settings = Limits(), OcrSettings.from_env()
    flagged = forms = reviewed = values = 0
    for row in map(json.loads, (root / "truth.jsonl").read_text().splitlines()):
        if row["document_type"] not in ("residence_change", "id_card_application"):
            continue
        src = open_source(root / "scans" / row["file"], limits)
        pages = [run_page(PageTask(src, n, "wf", limits, settings)).page
                 for n in range(1, count_pages(src, limits) + 1)]
        fields = [f for f in engine.extract(row["document_type"], pages,
                                            review_threshold=0.0).values()
                  if f.value is not None]
        form = engine.hand_filled(fields, engine.PAGE_HAND_SHARE)
        forms += 1
        flagged += form
        values += len(fields)
        reviewed += sum("handwritten" in f.reasons for f in fields)
        print(f"  {row['file']}: hand-filled {form}, values sent as handwritten "
              f"{sum('handwritten' in f.reasons for f in fields)}/{len(fields)}")
    print(f"word-forms (all printed): forms taken as hand-filled {flagged}/{forms}, values sent "
          f"to review as handwritten {reviewed}/{values}")


def threshold_set(count: int) -> None:
    xs, ok, _, _ = calibrate.records(_set("threshold", count))
    p = cm.predict(cm.model()["confidence"], np.array(xs, dtype=float))
    right = np.array(ok)
    order = np.argsort(-p)
    wrong = [rank for rank, i in enumerate(order, 1) if not right[i]]
    print(f"{len(ok)} model-decided fields, {int(right.sum())} right; the first wrong ones at "
          f"ranks {wrong[:8]}")
    for t in (0.9999, 0.9995, 0.999, 0.998, cm.accept_threshold()):
        took = p >= t
        n, k = int(took.sum()), int(right[took].sum())
        print(f"  P >= {t:.4f}: {n} accepted, {k} right, lower bound "
              f"{cm.lower_bound(k, n) if n else 0.0:.4f}")


def weights() -> None:
    m = cm.model()["confidence"]
    per_unit = sorted(zip(m["features"], (w / s for w, s in zip(m["weights"], m["scale"],
                                                                   strict=True)), strict=True),
                      key=lambda t: -abs(t[1]))
    for name, logit in per_unit:
        print(f"  {name:16s} {logit:+.2f} logits per unit")


def same_readings(a: Path, b: Path) -> None:
    import json

    differ = pages = 0
    for f in sorted(a.glob("*.json")):
        one, two = json.loads(f.read_text()), json.loads((b / f.name).read_text())
        for p, q in zip(one["pages"], two["pages"], strict=True):
            pages += 1
            if p.get("words") != q.get("words"):
                differ += 1
                print(f"  differs: {f.name} page {p['page']}")
    print(f"{differ} of {pages} pages differ")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="check", required=True)
    t = sub.add_parser("threshold")
    t.add_argument("--calibration", type=int, default=calibrate.COUNTS["calibration"])
    h = sub.add_parser("hand-share")
    h.add_argument("--shares", default="0.5,0.34")
    w = sub.add_parser("surest-wrong")
    w.add_argument("--calibration", type=int, default=calibrate.COUNTS["calibration"])
    w.add_argument("--show", type=int, default=12)
    d = sub.add_parser("hand-detect")
    d.add_argument("--development", type=int, default=calibrate.COUNTS["development"])
    d.add_argument("--wordforms", type=Path, help="a word-forms set (benchmarks/wordforms/)")
    ts = sub.add_parser("threshold-set")
    ts.add_argument("--threshold", type=int, default=calibrate.COUNTS["threshold"])
    sub.add_parser("weights")
    sub.add_parser("date-marks")
    sub.add_parser("digit-letters")
    cm_p = sub.add_parser("capital-marks")
    cm_p.add_argument("reports", nargs="*", type=Path,
                      help="word-forms report.json files, run before the rule (their rows)")
    sub.add_parser("kind-evidence")
    bd = sub.add_parser("box-digits")
    bd.add_argument("--calibration", type=int, default=calibrate.COUNTS["calibration"])
    sr = sub.add_parser("same-readings")
    sr.add_argument("a", type=Path)
    sr.add_argument("b", type=Path)
    a = ap.parse_args(argv)
    if a.check == "threshold":
        threshold(a.calibration)
    elif a.check == "surest-wrong":
        surest_wrong(a.calibration, a.show)
    elif a.check == "hand-detect":
        hand_detect(a.development, a.wordforms)
    elif a.check == "threshold-set":
        threshold_set(a.threshold)
    elif a.check == "weights":
        weights()
    elif a.check == "date-marks":
        reason_evidence(calibrate.COUNTS, "date_extra_marks", "date", "stray marks")
    elif a.check == "digit-letters":
        for kind in ("id_number", "phone", "date", "number"):
            reason_evidence(calibrate.COUNTS, "digit_from_letter", kind,
                            "a letter taken for a digit")
    elif a.check == "capital-marks":
        reason_evidence(calibrate.COUNTS, "capital_marks", "name",
                        "a given name in capitals with stacked marks")
        for report in a.reports:
            capital_marks_accepted(report)
    elif a.check == "kind-evidence":
        kind_evidence(calibrate.COUNTS)
    elif a.check == "box-digits":
        box_digits(a.calibration)
    elif a.check == "same-readings":
        same_readings(a.a, a.b)
    else:
        hand_share([float(s) for s in a.shares.split(",")],
                   {k: calibrate.COUNTS[k] for k in ("calibration", "development")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
