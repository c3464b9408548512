"""Evaluate sohoa on the word-forms set (official Word templates, filled and scanned).

Runs the product as a black box, `sohoa extract FILES --json` (fresh OCR every run, nothing
cached or read back), with OMP_THREAD_LIMIT=1, and scores it with the held-out set's strict rules
(benchmarks/heldout/scoring.py: `exact`, `similarity`, `rate` = 95% Wilson interval). A field of
a document whose type was missed counts as wrong and not auto-accepted. Field kinds come from
the contract (`../shared/spec/document-types.md`, read by benchmarks/heldout/contract.py).

    OMP_THREAD_LIMIT=1 nice -n 10 .venv/bin/python benchmarks/wordforms/evaluate.py \
        --set /tmp/wordforms-set/set10 [--out report.json] [--jobs 2]

Prints the table and the wrong auto-accepted values; writes the JSON report (default
SET/report.json) and the product's raw answers (SET/answers.jsonl, for reading only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.heldout.contract import field_kinds  # noqa: E402
from benchmarks.heldout.scoring import exact, rate, similarity  # noqa: E402
from benchmarks.product import run_product  # noqa: E402


def score(truths: list[dict], answers: dict[str, dict]) -> tuple[list[dict], list[dict]]:
    kinds = field_kinds()
    docs, rows = [], []
    for truth in truths:
        answer = answers.get(truth["file"], {})
        predicted = answer.get("document_type")
        docs.append({"file": truth["file"], "template": truth["template"],
                     "type": truth["document_type"], "predicted": predicted,
                     "type_confidence": answer.get("document_type_confidence"),
                     "error": answer.get("error") if answer else "no answer"})
        fields = answer.get("fields", {}) if predicted == truth["document_type"] else {}
        for name, want in truth["fields"].items():
            got = fields.get(name) or {}
            kind = kinds[truth["document_type"]][name]
            value = got.get("value")
            rows.append({
                "file": truth["file"], "type": truth["document_type"], "field": name,
                "kind": kind, "truth": want, "value": value,
                "confidence": got.get("confidence", 0.0),
                "accepted": got.get("needs_review", True) is False,
                "right": exact(kind, want, value), "similarity": similarity(want, value),
                "font": truth["font"], "dpi": truth["dpi"],
            })
    return docs, rows


def group(rows: list[dict]) -> dict:
    accepted = [r for r in rows if r["accepted"]]
    sims = [r["similarity"] for r in rows if r["kind"] == "text"]
    return {"fields": len(rows),
            "exact": rate(sum(r["right"] for r in rows), len(rows)),
            "auto_accepted_precision": rate(sum(r["right"] for r in accepted), len(accepted)),
            "review_share": rate(len(rows) - len(accepted), len(rows)),
            "text_similarity_mean": sum(sims) / len(sims) if sims else None}


def summarise(docs: list[dict], rows: list[dict]) -> dict:
    report: dict = {"documents": len(docs), "fields": len(rows)}
    report["type_accuracy"] = rate(sum(d["predicted"] == d["type"] for d in docs), len(docs))
    report["type_accuracy_by_template"] = {
        t: rate(sum(d["predicted"] == d["type"] for d in docs if d["template"] == t),
                sum(1 for d in docs if d["template"] == t))
        for t in sorted({d["template"] for d in docs})}
    report["misclassified"] = [d for d in docs if d["predicted"] != d["type"]]
    report["all"] = group(rows)
    report["by_kind"] = {k: group([r for r in rows if r["kind"] == k])
                         for k in sorted({r["kind"] for r in rows})}
    report["by_type"] = {t: group([r for r in rows if r["type"] == t])
                         for t in sorted({r["type"] for r in rows})}
    report["by_field"] = {f"{t}.{f}": group([r for r in rows if r["type"] == t
                                             and r["field"] == f])
                          for t, f in sorted({(r["type"], r["field"]) for r in rows})}
    report["by_font"] = {
        "template font": group([r for r in rows if r["font"] == "template"]),
        "other printed font": group([r for r in rows if r["font"] != "template"])}
    report["by_dpi"] = {str(d): group([r for r in rows if r["dpi"] == d])
                        for d in sorted({r["dpi"] for r in rows})}
    report["wrong_auto_accepted"] = [r for r in rows if r["accepted"] and not r["right"]]
    report["rows"] = rows
    return report


def pct(r: dict) -> str:
    if not r["n"]:
        return "n/a (0)"
    return f"{100 * r['rate']:5.1f}% [{100 * r['lo']:5.1f}, {100 * r['hi']:5.1f}] " \
           f"({r['k']}/{r['n']})"


def table(report: dict) -> str:
    out = [f"Word-forms set: {report['documents']} documents, {report['fields']} contract "
           f"fields; 95% Wilson intervals", ""]
    out.append(f"{'document type accuracy':40s} {pct(report['type_accuracy'])}")
    for t, r in report["type_accuracy_by_template"].items():
        out.append(f"  {t:38s} {pct(r)}")
    a = report["all"]
    out.append(f"{'field exact-match':40s} {pct(a['exact'])}")
    out.append(f"{'auto-accepted precision':40s} {pct(a['auto_accepted_precision'])}")
    out.append(f"{'review share':40s} {pct(a['review_share'])}")
    if a["text_similarity_mean"] is not None:
        out.append(f"{'text similarity (mean, text fields)':40s} {a['text_similarity_mean']:.3f}")

    def block(title: str, groups: dict) -> None:
        out.append("")
        out.append(f"{title:40s} {'exact-match':34s} {'auto-accepted precision':34s} "
                   f"review share")
        for name, g in groups.items():
            out.append(f"  {name:38s} {pct(g['exact']):34s} "
                       f"{pct(g['auto_accepted_precision']):34s} {pct(g['review_share'])}")

    block("by kind", report["by_kind"])
    block("by type", report["by_type"])
    block("by field", report["by_field"])
    block("by how values were typed", report["by_font"])
    block("by scan resolution (dpi)", report["by_dpi"])
    out.append("")
    if report["misclassified"]:
        out.append("misclassified documents (file: truth -> predicted)")
        for d in report["misclassified"]:
            err = f" error={d['error']}" if d["error"] else ""
            out.append(f"  {d['file']}: {d['type']} -> {d['predicted']}{err}")
        out.append("")
    wrong = report["wrong_auto_accepted"]
    out.append(f"wrong auto-accepted values: {len(wrong)}")
    for r in wrong:
        out.append(f"  {r['file']} {r['field']} ({r['kind']}): read {r['value']!r} "
                   f"truth {r['truth']!r} confidence {r['confidence']:.3f}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", type=Path, default=Path("/tmp/wordforms-set/set10"))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=10)
    args = ap.parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    truths = [json.loads(line) for line in
              (args.set / "truth.jsonl").read_text(encoding="utf-8").splitlines() if line]
    files = [args.set / "scans" / t["file"] for t in truths]
    log(f"running sohoa extract on {len(files)} documents")
    t0 = time.monotonic()
    answers = run_product(files, args.jobs, args.chunk, log)
    seconds = time.monotonic() - t0
    with open(args.set / "answers.jsonl", "w", encoding="utf-8") as fh:
        for name in sorted(answers):
            fh.write(json.dumps(answers[name], ensure_ascii=False) + "\n")
    docs, rows = score(truths, answers)
    report = summarise(docs, rows)
    report["run"] = {"when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     "set": str(args.set), "seconds": round(seconds, 1), "jobs": args.jobs,
                     "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                                              capture_output=True, text=True,
                                              cwd=ROOT).stdout.strip()}
    out = args.out or args.set / "report.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(table(report))
    print(f"\nreport: {out} ({seconds:.0f} s for the product)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
