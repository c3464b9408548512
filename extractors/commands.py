"""``sohoa extract FILE... --json``: the contract's object per file, one per line.

Classification and extraction themselves are stages of the one document flow
(``pipeline/flow.py``); this command runs it without archiving.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.model import DocumentResult


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
    from pipeline.flow import Flow
    from pipeline.runner import Runner, expand_inputs

    settings = Settings.from_env()
    files = expand_inputs(args.inputs)
    runner = Runner(settings, flow=Flow(settings, archive=False), processes=args.jobs or None)
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
