"""The CLI's view of classification and extraction: a document hook and ``sohoa extract``.

``document_hooks`` is picked up by ``sohoa process``: after a document's pages are OCR'd it is
classified and its fields are extracted into the DocumentResult (hence the JSON sidecar).
``sohoa extract FILE... --json`` prints the contract's object per file, one per line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.model import DocumentResult, PageStatus, SourceFile


def _stage(settings: Settings):
    from classifiers import classify, configure
    from classifiers.cues import looks_like_receipt
    from extractors import extract
    from extractors.dossier import assemble

    configure(settings.models_dir)

    def hook(result: DocumentResult, job: Any = None) -> None:
        pages = [p for p in result.pages if p.status is PageStatus.OK]
        if not pages:
            return
        t = time.perf_counter()
        result.classification = classify(pages)
        result.timings["classify"] = time.perf_counter() - t
        t = time.perf_counter()
        result.fields = extract(
            result.classification.document_type, pages, review_threshold=settings.review_threshold
        )
        result.timings["extract"] = time.perf_counter() - t
        code = result.fields.get("dossier_code")
        if result.classification.document_type == "dossier_receipt" and code and code.value:
            result.dossier_code = result.dossier_code or code.value
        if len(pages) > 1 and any(p.qr_codes or looks_like_receipt(p.text) for p in pages):
            # A scanned stack: split it into dossiers and their documents.
            t = time.perf_counter()
            given = job.dossier_code if isinstance(job, SourceFile) else None
            dossiers = assemble(pages, review_threshold=settings.review_threshold,
                                dossier_code=given)
            result.dossiers = [dossier_dict(d) for d in dossiers]
            codes = {d.code for d in dossiers if d.code}
            result.dossier_code = codes.pop() if len(codes) == 1 else given
            result.timings["dossiers"] = time.perf_counter() - t

    return hook


def dossier_dict(d) -> dict[str, Any]:
    """A dossier of a stack as JSON: its code, and its documents with their pages and fields."""
    slices = ([d.receipt] if d.receipt else []) + list(d.documents)
    return {
        "dossier_code": d.code,
        "code_source": d.code_source,
        "pages": d.page_numbers,
        "issues": list(d.issues),
        "documents": [{
            "document_type": s.document_type,
            "document_type_confidence": round(s.classification.confidence, 4)
            if s.classification else None,
            "pages": list(s.page_numbers),
            "fields": {k: f.to_dict() for k, f in s.fields.items()},
        } for s in slices],
    }


def document_hooks(settings: Settings, args: argparse.Namespace | None = None) -> list:
    return [_stage(settings)]


def contract_line(result: DocumentResult, name: str | None = None) -> dict[str, Any]:
    """The contract's JSON object for one processed file (or its error object)."""
    from extractors import to_contract_json
    from pipeline.model import Classification

    file = name or Path(result.file).name
    if result.error and not result.classification:
        return {"file": file, "error": result.error}
    c = result.classification or Classification("other", 0.0, [])
    return to_contract_json(file, c, result.pages, result.fields)


def register(subparsers) -> None:
    p = subparsers.add_parser("extract", help="classify documents and extract their fields")
    p.add_argument("inputs", nargs="+", type=Path)
    p.add_argument("--json", action="store_true", help="one contract JSON object per line")
    p.add_argument("--jobs", type=int, default=None)
    p.set_defaults(func=cmd_extract)
    c = subparsers.add_parser(
        "calibrate", help="refit the handwriting detector and the confidence model "
        "(generated sets, fresh OCR), or --from-reviews on QA decisions")
    c.add_argument("--from-reviews", action="store_true")
    c.add_argument("--write", action="store_true", help="with --from-reviews: write the model")
    c.add_argument("--no-cache", action="store_true")
    c.set_defaults(func=cmd_calibrate)
    e = subparsers.add_parser("export-reviews",
                              help="write every reviewed field's crop and label (labels.jsonl)")
    e.add_argument("out", type=Path)
    e.set_defaults(func=cmd_export_reviews)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from extractors import calibrate

    argv = ["--from-reviews"] if args.from_reviews else []
    argv += ["--write"] if args.write else []
    argv += ["--no-cache"] if args.no_cache else []
    return calibrate.main(argv)


def cmd_export_reviews(args: argparse.Namespace) -> int:
    from extractors.learn import export_reviews

    return export_reviews(args.out)


def cmd_extract(args: argparse.Namespace) -> int:
    from pipeline.runner import Runner, expand_inputs

    settings = Settings.from_env()
    files = expand_inputs(args.inputs)
    runner = Runner(settings, hooks=document_hooks(settings, args), processes=args.jobs or None)
    status = 0
    with tempfile.TemporaryDirectory(prefix=".sohoa-extract-") as tmp:
        for result in runner.run(files, Path(tmp)):
            line = contract_line(result)
            if "error" in line:
                status = 1
            if args.json:
                print(json.dumps(line, ensure_ascii=False), flush=True)
            else:
                _print_human(line)
    return status


def _print_human(line: dict[str, Any]) -> None:
    if "error" in line:
        print(
            f"{line['file']}: error {line['error'].get('code')}: {line['error'].get('message')}",
            file=sys.stderr,
        )
        return
    print(f"{line['file']}: {line['document_type']} ({line['document_type_confidence']:.2f})")
    for fid, f in line["fields"].items():
        mark = "?" if f["needs_review"] else " "
        print(f"  {mark} {fid:<28} {f['value']!r}  {f['confidence']:.2f}")
